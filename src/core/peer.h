/* peer.h - who is on the other end of a Unix socket (the one platform-specific interface).
 *
 * Linux: SO_PEERCRED (uid and pid at connect time). macOS/BSD: getpeereid (pid unknown, -1).
 */
#ifndef EWW_PEER_H
#define EWW_PEER_H

#include <sys/types.h>

/* 0 on success, EWW_ESYS (errno set) when the kernel cannot say. */
int eww_peer_cred(int fd, uid_t *uid, pid_t *pid);

/* The rule of DESIGN.md section 2: the peer must be this process's euid, or root. */
int eww_peer_allowed(uid_t peer_uid);

#endif
