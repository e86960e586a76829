/* peer.c - peer credentials of a Unix socket; see peer.h. */
#include "peer.h"

#include <sys/socket.h>
#include <unistd.h>

#include "error.h"

int eww_peer_cred(int fd, uid_t *uid, pid_t *pid)
{
#if defined(SO_PEERCRED) && defined(__linux__)
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return EWW_ESYS;
    *uid = cred.uid;
    *pid = cred.pid;
    return 0;
#else
    gid_t gid;
    if (getpeereid(fd, uid, &gid) < 0)
        return EWW_ESYS;
    *pid = -1;
    return 0;
#endif
}

int eww_peer_allowed(uid_t peer_uid)
{
    return peer_uid == geteuid() || peer_uid == 0;
}
