/* sock.h - where consoles live, and the Unix sockets they listen on.
 *
 * Socket directory, in order: $EWW_SOCKET_DIR; $XDG_RUNTIME_DIR/eww when $XDG_RUNTIME_DIR is a
 * directory owned by this user; <tmp>/eww-<uid> (<tmp>: $TMPDIR, else /tmp); and when another
 * user made <tmp>/eww-<uid> first (to deny us a console), <tmp>/eww-<uid>-XXXXXX, made by
 * mkdtemp: a name nobody can take first, found again by the clients of this uid. A console's socket
 * is <dir>/<pid>.sock. A directory is used only when it passes eww_sock_check_dir: a real directory
 * (not a symlink), owned by the effective uid, mode exactly 0700. The socket is bound under a
 * temporary name inside that directory, made 0600, then renamed into place, so it is never
 * reachable by anyone else, not even for an instant.
 *
 * Error messages are written to err (a sentence without a trailing newline).
 */
#ifndef EWW_SOCK_H
#define EWW_SOCK_H

#include <stddef.h>
#include <sys/types.h>

#define EWW_PATH_MAX 108 /* sizeof(sockaddr_un.sun_path) on Linux */

/* $TMPDIR when it is an absolute path of a sane length, else "/tmp". */
const char *eww_sock_tmp_base(void);

/* The directory a new console uses. */
int eww_sock_default_dir(char *out, size_t outlen);

/* When dir (the default) failed its check because someone else holds /tmp/eww-<uid>: our
 * private /tmp/eww-<uid>-XXXXXX (an existing one, else a new one) into out. 0, or EWW_EUNSAFE
 * when dir is not that shared name (no fallback), EWW_ESYS when none can be made. */
int eww_sock_fallback_dir(const char *dir, char *out, size_t outlen);

/* Every directory a client should look in: $EWW_SOCKET_DIR alone when it is set, otherwise
 * $XDG_RUNTIME_DIR/eww and /tmp/eww-<uid> (the app's environment may differ from the
 * client's). Returns how many were written (at most max). */
int eww_sock_search_dirs(char out[][EWW_PATH_MAX], int max);

/* Check (and with create, make) a socket directory. EWW_EUNSAFE with a reason when it is a
 * symlink, not a directory, owned by someone else, or not mode 0700. */
int eww_sock_check_dir(const char *dir, int create, char *err, size_t errlen);

/* What a client checks of a console it found (not one the user named): the socket at path is
 * a socket owned by uid that nobody else may use (no group or other bits), and so is its
 * directory (a real directory, not a symlink). 0, or EWW_EUNSAFE with the reason in err. */
int eww_sock_check_private(const char *path, uid_t uid, char *err, size_t errlen);
/* The directory part of a socket path ("." for a bare name). */
void eww_sock_dir_of(const char *path, char *out, size_t outlen);

/* Bind and listen on path (whose directory must already be checked). A stale socket file
 * with no listener is replaced; a live one is an error. *fd is CLOEXEC and non-blocking. */
int eww_sock_listen(const char *path, int *fd, char *err, size_t errlen);

/* Accept one connection, CLOEXEC, blocking. Returns the fd, or -1 with errno set (EAGAIN
 * when none is waiting on a non-blocking listener). */
int eww_sock_accept(int listen_fd);

/* Connect to path. On failure errno is kept and err says what it means for a user. */
int eww_sock_connect(const char *path, int *fd, char *err, size_t errlen);

/* "<dir>/<pid>.sock"; EWW_E2BIG when it does not fit a socket address. */
int eww_sock_path(char *out, size_t outlen, const char *dir, long pid);

/* Parse "<pid>.sock" -> pid, or -1. */
long eww_sock_pid_of(const char *name);

#endif
