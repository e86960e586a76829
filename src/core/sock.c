/* sock.c - socket directory policy, listening and connecting; see sock.h.
 *
 * Deliberately not here: the peer check (peer.c) and anything about threads.
 */
#include "sock.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "error.h"

static int dir_is_mine(const char *dir)
{
    struct stat st;
    return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid();
}

const char *eww_sock_tmp_base(void)
{
    const char *t = getenv("TMPDIR");
    return t && t[0] == '/' && strlen(t) + 32 < EWW_PATH_MAX ? t : "/tmp";
}

/* <tmp>/eww-<uid><suffix> */
static void tmp_name(char *out, size_t outlen, const char *suffix)
{
    snprintf(out, outlen, "%s/eww-%ld%s", eww_sock_tmp_base(), (long)geteuid(), suffix);
}

/* A directory of ours that nobody else may enter: a real directory, owned by us, 0700. */
static int dir_is_private(const char *dir)
{
    struct stat st;
    return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
           (st.st_mode & 07777) == 0700;
}

/* Our fallback directories, /tmp/eww-<uid>-XXXXXX, that are private to us (at most max). */
static int fallback_dirs(char out[][EWW_PATH_MAX], int max)
{
    char pattern[EWW_PATH_MAX];
    tmp_name(pattern, sizeof pattern, "-*");
    glob_t gl;
    int n = 0;
    if (glob(pattern, 0, NULL, &gl) == 0)
        for (size_t i = 0; i < gl.gl_pathc && n < max; i++)
            if (strlen(gl.gl_pathv[i]) < EWW_PATH_MAX && dir_is_private(gl.gl_pathv[i]))
                snprintf(out[n++], EWW_PATH_MAX, "%s", gl.gl_pathv[i]);
    globfree(&gl);
    return n;
}

int eww_sock_fallback_dir(const char *dir, char *out, size_t outlen)
{
    char tmp[EWW_PATH_MAX];
    tmp_name(tmp, sizeof tmp, "");
    const char *env = getenv("EWW_SOCKET_DIR");
    if (strcmp(dir, tmp) != 0 || (env && *env))
        return EWW_EUNSAFE; /* only the shared /tmp name can be taken by someone else */
    char found[1][EWW_PATH_MAX];
    if (fallback_dirs(found, 1) == 1) {
        snprintf(out, outlen, "%s", found[0]);
        return 0;
    }
    char template[EWW_PATH_MAX];
    tmp_name(template, sizeof template, "-XXXXXX");
    if (!mkdtemp(template)) /* a new name, made 0700 and ours, or nothing */
        return EWW_ESYS;
    snprintf(out, outlen, "%s", template);
    return 0;
}

int eww_sock_default_dir(char *out, size_t outlen)
{
    const char *env = getenv("EWW_SOCKET_DIR");
    int n;
    if (env && *env)
        n = snprintf(out, outlen, "%s", env);
    else if ((env = getenv("XDG_RUNTIME_DIR")) && *env && dir_is_mine(env))
        n = snprintf(out, outlen, "%s/eww", env);
    else
        n = snprintf(out, outlen, "%s/eww-%ld", eww_sock_tmp_base(), (long)geteuid());
    return n < 0 || (size_t)n >= outlen ? EWW_E2BIG : 0;
}

int eww_sock_search_dirs(char out[][EWW_PATH_MAX], int max)
{
    char cand[4][EWW_PATH_MAX];
    int k = 0;
    const char *env = getenv("EWW_SOCKET_DIR");
    if (env && *env) {
        /* An explicit directory is the only place to look. */
        if (strlen(env) >= EWW_PATH_MAX || max < 1)
            return 0;
        snprintf(out[0], EWW_PATH_MAX, "%s", env);
        return 1;
    }
    env = getenv("XDG_RUNTIME_DIR");
    if (env && *env && strlen(env) + 4 < EWW_PATH_MAX)
        snprintf(cand[k++], EWW_PATH_MAX, "%s/eww", env);
    tmp_name(cand[k++], EWW_PATH_MAX, "");
    k += fallback_dirs(cand + k, 2);
    int n = 0;
    for (int i = 0; i < k && n < max; i++) {
        int dup = 0;
        for (int j = 0; j < n; j++)
            dup |= strcmp(out[j], cand[i]) == 0;
        if (!dup)
            memcpy(out[n++], cand[i], EWW_PATH_MAX);
    }
    return n;
}

void eww_sock_dir_of(const char *path, char *out, size_t outlen)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(out, outlen, ".");
    else if (slash == path)
        snprintf(out, outlen, "/");
    else
        snprintf(out, outlen, "%.*s", (int)(slash - path), path);
}

/* lstat(p) is a `kind` (S_IFSOCK, S_IFDIR) owned by uid with no group or other bits. */
static int private_to(const char *p, mode_t kind, uid_t uid)
{
    struct stat st;
    return lstat(p, &st) == 0 && (st.st_mode & S_IFMT) == kind && st.st_uid == uid &&
           (st.st_mode & 077) == 0;
}

int eww_sock_check_private(const char *path, uid_t uid, char *err, size_t errlen)
{
    char dir[EWW_PATH_MAX];
    eww_sock_dir_of(path, dir, sizeof dir);
    if (!private_to(path, S_IFSOCK, uid)) {
        snprintf(err, errlen,
                 "the socket is not a private socket of uid %ld (eww makes it mode 0600, owned "
                 "by the app's user)",
                 (long)uid);
        return EWW_EUNSAFE;
    }
    if (!private_to(dir, S_IFDIR, uid)) {
        snprintf(err, errlen,
                 "its directory is not private to uid %ld (eww makes it mode 0700, owned by "
                 "the app's user)",
                 (long)uid);
        return EWW_EUNSAFE;
    }
    return 0;
}

int eww_sock_check_dir(const char *dir, int create, char *err, size_t errlen)
{
    int created = 0;
    if (create) {
        if (mkdir(dir, 0700) == 0)
            created = 1;
        else if (errno != EEXIST) {
            snprintf(err, errlen, "cannot create socket directory %s: %s", dir, strerror(errno));
            return EWW_ESYS;
        }
    }
    struct stat st;
    if (lstat(dir, &st) != 0) {
        snprintf(err, errlen, "socket directory %s: %s", dir, strerror(errno));
        return EWW_ESYS;
    }
    if (S_ISLNK(st.st_mode)) {
        snprintf(err, errlen, "refusing socket directory %s: it is a symbolic link", dir);
        return EWW_EUNSAFE;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "refusing socket directory %s: it is not a directory", dir);
        return EWW_EUNSAFE;
    }
    if (st.st_uid != geteuid()) {
        snprintf(err, errlen,
                 "refusing socket directory %s: it is owned by uid %ld, not by this "
                 "process's uid %ld",
                 dir, (long)st.st_uid, (long)geteuid());
        return EWW_EUNSAFE;
    }
    if ((st.st_mode & 07777) != 0700) {
        /* A directory we just made may lack bits because of the umask; that is ours to fix.
         * One that already existed with other bits is somebody's decision: refuse it. */
        if (created && (st.st_mode & 077) == 0 && chmod(dir, 0700) == 0)
            return 0;
        snprintf(err, errlen,
                 "refusing socket directory %s: its mode is %04o, it must be 0700 "
                 "(only its owner may enter it)",
                 dir, (unsigned)(st.st_mode & 07777));
        return EWW_EUNSAFE;
    }
    return 0;
}

int eww_sock_path(char *out, size_t outlen, const char *dir, long pid)
{
    size_t cap = outlen < EWW_PATH_MAX ? outlen : EWW_PATH_MAX;
    int n = snprintf(out, cap, "%s/%ld.sock", dir, pid);
    return n < 0 || (size_t)n >= cap ? EWW_E2BIG : 0;
}

long eww_sock_pid_of(const char *name)
{
    char *end;
    errno = 0;
    long pid = strtol(name, &end, 10);
    if (errno || end == name || pid <= 0 || strcmp(end, ".sock") != 0 || name[0] == '+' ||
        name[0] == '-')
        return -1;
    return pid;
}

static int fill_addr(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a->sun_path)
        return EWW_E2BIG;
    memcpy(a->sun_path, path, strlen(path) + 1);
    return 0;
}

static int new_socket(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    fcntl(fd, F_SETFD, FD_CLOEXEC);
#ifdef SO_NOSIGPIPE
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    return fd;
}

int eww_sock_accept(int listen_fd)
{
#ifdef __linux__
    return accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
#else
    int fd = accept(listen_fd, NULL, NULL);
    if (fd >= 0) {
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        /* BSD sockets inherit O_NONBLOCK from the listener; sessions want blocking ones. */
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    }
    return fd;
#endif
}

int eww_sock_connect(const char *path, int *fd, char *err, size_t errlen)
{
    struct sockaddr_un a;
    *fd = -1;
    if (fill_addr(&a, path) < 0) {
        snprintf(err, errlen, "socket path too long: %s", path);
        errno = ENAMETOOLONG;
        return EWW_E2BIG;
    }
    int s = new_socket();
    if (s < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return EWW_ESYS;
    }
    int rc;
    do
        rc = connect(s, (struct sockaddr *)&a, sizeof a);
    while (rc < 0 && errno == EINTR);
    if (rc < 0) {
        int e = errno;
        const char *why = strerror(e);
        if (e == ECONNREFUSED)
            why = "nobody is listening (the process has ended)";
        else if (e == ENOENT)
            why = "no such socket";
        else if (e == EACCES || e == EPERM)
            why = "permission denied (the console belongs to another user; only that user "
                  "or root may connect)";
        snprintf(err, errlen, "cannot connect to %s: %s", path, why);
        close(s);
        errno = e;
        return EWW_ESYS;
    }
    *fd = s;
    return 0;
}

int eww_sock_listen(const char *path, int *fd, char *err, size_t errlen)
{
    struct sockaddr_un a;
    char tmp[EWW_PATH_MAX];
    int s = -1;
    *fd = -1;
    if (fill_addr(&a, path) < 0) {
        snprintf(err, errlen, "socket path too long (max %d bytes): %s", EWW_PATH_MAX - 1, path);
        return EWW_E2BIG;
    }
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, errlen, "%s exists and is not a socket", path);
            return EWW_EUNSAFE;
        }
        int probe;
        char ignored[256];
        if (eww_sock_connect(path, &probe, ignored, sizeof ignored) == 0) {
            close(probe);
            snprintf(err, errlen, "%s is in use by another live console", path);
            return EWW_EINVAL;
        }
        unlink(path); /* stale: its process is gone */
    }
    /* Bound under a temporary name first, made 0600, then renamed into place, so the socket
     * is never reachable with the umask's mode. The name is <dir>/.<pid>.<n>: as long as
     * <dir>/<pid>.sock, so any socket name of ours that fits fits here too. */
    static atomic_uint seq;
    char dir[EWW_PATH_MAX];
    eww_sock_dir_of(path, dir, sizeof dir);
    int n = snprintf(tmp, sizeof tmp, "%s/.%ld.%x", dir, (long)getpid(),
                     atomic_fetch_add(&seq, 1) & 0xfffu);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        snprintf(err, errlen,
                 "socket path too long: %s (its directory leaves no room for the name %s/.%ld.NNN "
                 "it is made under; max %d bytes)",
                 path, dir, (long)getpid(), EWW_PATH_MAX - 1);
        return EWW_E2BIG;
    }
    struct sockaddr_un ta;
    fill_addr(&ta, tmp);
    unlink(tmp);
    s = new_socket();
    if (s < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        goto error;
    }
    if (bind(s, (struct sockaddr *)&ta, sizeof ta) < 0) {
        snprintf(err, errlen, "bind %s: %s", tmp, strerror(errno));
        goto error;
    }
    if (chmod(tmp, 0600) < 0 || listen(s, 128) < 0 || rename(tmp, path) < 0) {
        snprintf(err, errlen, "listen on %s: %s", path, strerror(errno));
        unlink(tmp);
        goto error;
    }
    fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
    *fd = s;
    return 0;
error:
    if (s >= 0)
        close(s);
    return EWW_ESYS;
}
