/* test_sock.c - socket directory checks, listen/connect and peer credentials (sock.c,
 * peer.c, conn.c), on real sockets in a temporary directory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "conn.h"
#include "error.h"
#include "peer.h"
#include "proc.h"
#include "sock.h"

static char base[64];

static void test_dir_checks(void)
{
    char dir[128], link[128], err[512];
    snprintf(dir, sizeof dir, "%s/ok", base);
    CHECK_INT(eww_sock_check_dir(dir, 1, err, sizeof err), 0);
    struct stat st;
    CHECK_INT(stat(dir, &st), 0);
    CHECK_INT(st.st_mode & 07777, 0700);
    /* Existing and right: fine again. */
    CHECK_INT(eww_sock_check_dir(dir, 1, err, sizeof err), 0);

    snprintf(dir, sizeof dir, "%s/open", base);
    mkdir(dir, 0755);
    chmod(dir, 0755);
    CHECK_INT(eww_sock_check_dir(dir, 1, err, sizeof err), EWW_EUNSAFE);
    CHECK(strstr(err, "0755") != NULL);

    snprintf(dir, sizeof dir, "%s/ok", base);
    snprintf(link, sizeof link, "%s/link", base);
    CHECK_INT(symlink(dir, link), 0);
    CHECK_INT(eww_sock_check_dir(link, 1, err, sizeof err), EWW_EUNSAFE);
    CHECK(strstr(err, "symbolic link") != NULL);

    if (geteuid() == 0) {
        snprintf(dir, sizeof dir, "%s/theirs", base);
        mkdir(dir, 0700);
        CHECK_INT(chown(dir, 65534, 65534), 0);
        CHECK_INT(eww_sock_check_dir(dir, 1, err, sizeof err), EWW_EUNSAFE);
        CHECK(strstr(err, "owned by uid 65534") != NULL);
    }
}

static void test_listen_connect_peer(void)
{
    char dir[128], path[EWW_PATH_MAX], err[512];
    snprintf(dir, sizeof dir, "%s/ok", base);
    CHECK_INT(eww_sock_path(path, sizeof path, dir, 4242), 0);
    int lfd, cfd;
    CHECK_INT(eww_sock_listen(path, &lfd, err, sizeof err), 0);
    struct stat st;
    CHECK_INT(lstat(path, &st), 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK_INT(st.st_mode & 0777, 0600);
    CHECK_INT(eww_sock_connect(path, &cfd, err, sizeof err), 0);
    int sfd = accept(lfd, NULL, NULL);
    CHECK(sfd >= 0);
    /* A second console on a live path is refused (its probe connection is accepted and
     * closed here). */
    int other;
    CHECK_INT(eww_sock_listen(path, &other, err, sizeof err), EWW_EINVAL);
    CHECK(strstr(err, "in use") != NULL);
    int probe = accept(lfd, NULL, NULL);
    CHECK(probe >= 0);
    close(probe);
    uid_t uid;
    pid_t pid;
    CHECK_INT(eww_peer_cred(sfd, &uid, &pid), 0);
    CHECK_INT(uid, geteuid());
    CHECK_INT(pid, getpid());
    CHECK(eww_peer_allowed(uid));
    CHECK(eww_peer_allowed(0));

    /* Frames across a real socket, and a close in the middle of a frame. */
    CHECK_INT(eww_send_frame(cfd, 3, 0, "abc", 3, 1000), 0);
    eww_conn c;
    eww_conn_init(&c, sfd, 1024);
    eww_frame f;
    CHECK_INT(eww_conn_recv(&c, &f, 1000), 0);
    CHECK_INT(f.len, 3);
    CHECK_INT(eww_conn_recv(&c, &f, 50), EWW_ETIMEOUT);
    CHECK_INT(send(cfd,
                   "EW\x03\x00\x00\x00\x00\x09"
                   "ab",
                   10, 0),
              10);
    close(cfd);
    CHECK_INT(eww_conn_recv(&c, &f, 1000), EWW_EPROTO);
    eww_conn_close(&c);

    /* The listener goes away: its socket is stale and gets replaced. */
    close(lfd);
    CHECK_INT(eww_sock_connect(path, &cfd, err, sizeof err), EWW_ESYS);
    CHECK_INT(errno, ECONNREFUSED);
    CHECK(strstr(err, "nobody is listening") != NULL);
    CHECK_INT(eww_sock_listen(path, &lfd, err, sizeof err), 0);
    close(lfd);
    unlink(path);
}

/* The longest socket path that fits a sockaddr_un (107 bytes) can be listened on: the temporary
 * name it is bound under first is no longer than it. */
static void test_longest_path(void)
{
    char dir[EWW_PATH_MAX], path[EWW_PATH_MAX], err[512], name[16];
    int pidlen = snprintf(name, sizeof name, "/%ld.sock", (long)getpid());
    int n = snprintf(dir, sizeof dir, "%s/", base);
    while (n + pidlen < EWW_PATH_MAX - 1)
        dir[n++] = 'd';
    dir[n] = '\0';
    CHECK_INT(mkdir(dir, 0700), 0);
    CHECK_INT(eww_sock_path(path, sizeof path, dir, getpid()), 0);
    CHECK_INT((long)strlen(path), EWW_PATH_MAX - 1);
    int lfd, cfd;
    CHECK_INT(eww_sock_listen(path, &lfd, err, sizeof err), 0);
    CHECK_INT(eww_sock_connect(path, &cfd, err, sizeof err), 0);
    close(cfd);
    close(lfd);
    unlink(path);
    /* One byte longer does not fit, and says so. */
    dir[n++] = 'd';
    dir[n] = '\0';
    CHECK_INT(eww_sock_path(path, sizeof path, dir, getpid()), EWW_E2BIG);
    dir[n - 1] = '\0';
    CHECK_INT(rmdir(dir), 0);
}

static void test_names(void)
{
    CHECK_INT(eww_sock_pid_of("123.sock"), 123);
    CHECK_INT(eww_sock_pid_of("123.sock.tmp"), -1);
    CHECK_INT(eww_sock_pid_of("-1.sock"), -1);
    CHECK_INT(eww_sock_pid_of("abc.sock"), -1);
    CHECK_INT(eww_sock_pid_of(".sock"), -1);
    char p[EWW_PATH_MAX];
    char longdir[200];
    memset(longdir, 'a', sizeof longdir - 1);
    longdir[sizeof longdir - 1] = '\0';
    CHECK_INT(eww_sock_path(p, sizeof p, longdir, 1), EWW_E2BIG);
}

static void test_search_dirs(void)
{
    char dirs[4][EWW_PATH_MAX], want[64];
    setenv("EWW_SOCKET_DIR", "/somewhere/eww", 1);
    CHECK_INT(eww_sock_search_dirs(dirs, 4), 1);
    CHECK_STR(dirs[0], "/somewhere/eww");
    unsetenv("EWW_SOCKET_DIR");
    setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
    CHECK_INT(eww_sock_search_dirs(dirs, 4), 2);
    CHECK_STR(dirs[0], "/run/user/1000/eww");
    snprintf(want, sizeof want, "/tmp/eww-%ld", (long)geteuid());
    CHECK_STR(dirs[1], want);
    unsetenv("XDG_RUNTIME_DIR");
    CHECK_INT(eww_sock_search_dirs(dirs, 4), 1);
    CHECK_STR(dirs[0], want);
}

static void test_proc(void)
{
    eww_proc_info p;
    CHECK_INT(eww_proc_read(getpid(), &p), 0);
    CHECK(p.rss > 0);
    CHECK(p.peak_rss >= p.rss);
    CHECK_INT(p.threads, 1);
    CHECK(p.uptime >= 0 && p.uptime < 600);
    CHECK_STR(p.name, "test_sock");
    CHECK(eww_proc_alive(getpid()));
    CHECK(!eww_proc_alive(999999999));
}

struct seen {
    char keys[256];
    long long sum;
};

static int collect(void *ctx, const char *key, size_t klen, long long bytes)
{
    struct seen *s = ctx;
    strncat(s->keys, key, klen);
    strcat(s->keys, ",");
    s->sum += bytes;
    return 0;
}

static int stop_at_second(void *ctx, const char *key, size_t klen, long long bytes)
{
    (void)key;
    (void)klen;
    (void)bytes;
    return ++*(int *)ctx == 2 ? 7 : 0;
}

static void test_proc_parsers(void)
{
    /* A command name with spaces and a parenthesis must not shift the fields. */
    const char *stat = "4242 (a b) c) R 1 2 3 4 5 6 7 8 99 10 11 12 13 14 15 16 17 18 "
                       "19 8155136 221 1844";
    CHECK_INT((int)eww_proc_stat_field(stat, 3), -1); /* the state, not a number */
    CHECK_INT((int)eww_proc_stat_field(stat, 4), 1);
    CHECK_INT((int)eww_proc_stat_field(stat, 12), 99);
    CHECK(eww_proc_stat_field(stat, 23) == 8155136);
    CHECK_INT((int)eww_proc_stat_field(stat, 24), 221);
    CHECK_INT((int)eww_proc_stat_field(stat, 25), 1844);
    CHECK_INT((int)eww_proc_stat_field(stat, 26), -1); /* past the end */
    CHECK_INT((int)eww_proc_stat_field(stat, 1), -1);
    CHECK_INT((int)eww_proc_stat_field("no name here", 4), -1);

    const char *status = "Name:\tcat\n\nVmData:    2 kB\nMultiple colons: 1:1\nThreads: 3\n"
                         "VmStk:\t  132 kB\nVmBad: x kB\nVmExe: 12 kBx";
    CHECK_INT((int)eww_proc_status_field(status, "VmData"), 2048);
    CHECK_INT((int)eww_proc_status_field(status, "Threads"), 3);
    CHECK_INT((int)eww_proc_status_field(status, "VmRSS"), -1);
    struct seen s = {{0}, 0};
    CHECK_INT(eww_proc_status_each(status, collect, &s), 0);
    CHECK_STR(s.keys, "VmData,VmStk,");
    CHECK(s.sum == (2 + 132) * 1024);
    int calls = 0;
    CHECK_INT(eww_proc_status_each("A: 1 kB\nB: 2 kB\nC: 3 kB\n", stop_at_second, &calls), 7);
    CHECK_INT(calls, 2);
    CHECK_INT(eww_proc_status_each("", collect, &s), 0);
}

static void put(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void mkdirs(const char *root, const char *rel, char *out, size_t n)
{
    snprintf(out, n, "%s", root);
    mkdir(out, 0700);
    for (const char *p = rel; *p;) {
        const char *q = strchr(p + 1, '/');
        size_t len = q ? (size_t)(q - p) : strlen(p);
        size_t at = strlen(out);
        snprintf(out + at, n - at, "%.*s", (int)len, p);
        mkdir(out, 0700);
        p += len;
    }
}

static long long room_in(const char *mountinfo, const char *cgroups, const char *root)
{
    eww_cgroups c;
    eww_proc_cgroups_in(&c, mountinfo, cgroups, root);
    return eww_proc_cgroup_room(&c);
}

/* Memory cgroups: a fake /sys/fs/cgroup under base, read as the kernel lays it out. */
static void test_cgroup_headroom(void)
{
    char root[128], d[512];
    snprintf(root, sizeof root, "%s/cg", base);
    const char *mounts_v1 =
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
        "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n";
    const char *cg_v1 = "4:memory:/pods/app\n3:cpuset:/\n0::/\n";
    /* v1: the process's cgroup has no limit of its own; its parent has 1000 MiB, 900 used,
     * 30 of them inactive page cache: 130 MiB of room */
    mkdirs(root, "/sys/fs/cgroup/memory/pods/app", d, sizeof d);
    put(d, "memory.limit_in_bytes", "9223372036854771712\n");
    put(d, "memory.usage_in_bytes", "52428800\n");
    mkdirs(root, "/sys/fs/cgroup/memory/pods", d, sizeof d);
    put(d, "memory.limit_in_bytes", "1048576000\n");
    put(d, "memory.usage_in_bytes", "943718400\n");
    put(d, "memory.stat", "cache 1\ninactive_file 5\ntotal_inactive_file 31457280\n");
    mkdirs(root, "/sys/fs/cgroup/memory", d, sizeof d);
    put(d, "memory.limit_in_bytes", "9223372036854771712\n");
    CHECK_INT(room_in(mounts_v1, cg_v1, root), 130ll << 20);
    /* no memory line, no memory mount: no limit known */
    CHECK_INT(room_in(mounts_v1, "3:cpuset:/\n", root), -1);
    CHECK_INT(room_in("", cg_v1, root), -1);

    /* v2 in a container: the mount shows the container's own cgroup (root /kubepods/x, the
     * process in /kubepods/x/app); "max" is no limit; the tighter of two levels wins; usage
     * over the limit is no room, not a negative one */
    const char *mounts_v2 = "41 31 0:38 /kubepods/x /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
    mkdirs(root, "/sys/fs/cgroup/app", d, sizeof d);
    put(d, "memory.max", "max\n");
    put(d, "memory.current", "1\n");
    mkdirs(root, "/sys/fs/cgroup", d, sizeof d);
    put(d, "memory.max", "536870912\n");
    put(d, "memory.current", "268435456\n");
    put(d, "memory.stat", "anon 1\ninactive_file 1048576\nactive_file 7\n");
    CHECK_INT(room_in(mounts_v2, "0::/kubepods/x/app\n", root), (256ll + 1) << 20);
    mkdirs(root, "/sys/fs/cgroup/app", d, sizeof d);
    put(d, "memory.max", "104857600\n");
    CHECK_INT(room_in(mounts_v2, "0::/kubepods/x/app\n", root), 104857600 - 1);
    put(d, "memory.current", "209715200\n");
    CHECK_INT(room_in(mounts_v2, "0::/kubepods/x/app\n", root), 0);
    /* a cgroup namespace: the process sees itself at "/", the mount's own cgroup */
    CHECK_INT(room_in(mounts_v2, "0::/\n", root), (256ll + 1) << 20);
    /* both hierarchies mounted: the tighter one */
    char both[1024];
    snprintf(both, sizeof both, "%s%s", mounts_v1, mounts_v2);
    CHECK_INT(room_in(both, "4:memory:/pods/app\n0::/\n", root), 130ll << 20);
    /* this machine's own, whatever it is: a number or no limit, never an error */
    eww_cgroups mine;
    CHECK(eww_proc_cgroups(&mine) >= 0 && eww_proc_cgroup_room(&mine) >= -1);
}

static void test_private_and_fallback(void)
{
    char dir[128], sock[160], out[128], err[512];
    eww_sock_dir_of("/a/b/1.sock", out, sizeof out);
    CHECK_STR(out, "/a/b");
    eww_sock_dir_of("1.sock", out, sizeof out);
    CHECK_STR(out, ".");
    eww_sock_dir_of("/1.sock", out, sizeof out);
    CHECK_STR(out, "/");

    /* a console's socket in a 0700 directory: private to us, not to another uid */
    snprintf(dir, sizeof dir, "%s/priv", base);
    CHECK_INT(eww_sock_check_dir(dir, 1, err, sizeof err), 0);
    snprintf(sock, sizeof sock, "%s/42.sock", dir);
    int fd = -1;
    CHECK_INT(eww_sock_listen(sock, &fd, err, sizeof err), 0);
    CHECK_INT(eww_sock_check_private(sock, geteuid(), err, sizeof err), 0);
    CHECK_INT(eww_sock_check_private(sock, geteuid() + 1, err, sizeof err), EWW_EUNSAFE);
    CHECK(strstr(err, "not a private socket") != NULL);
    chmod(dir, 0755);
    CHECK_INT(eww_sock_check_private(sock, geteuid(), err, sizeof err), EWW_EUNSAFE);
    CHECK(strstr(err, "its directory is not private") != NULL);
    chmod(dir, 0700);
    close(fd);

    /* only the shared <tmp>/eww-<uid> name has a fallback, and it is made 0700 */
    char tmp[128];
    snprintf(tmp, sizeof tmp, "%s/tmp", base);
    mkdir(tmp, 0777);
    setenv("TMPDIR", tmp, 1);
    unsetenv("EWW_SOCKET_DIR");
    CHECK_INT(eww_sock_fallback_dir(dir, out, sizeof out), EWW_EUNSAFE);
    char shared[160];
    snprintf(shared, sizeof shared, "%s/eww-%ld", tmp, (long)geteuid());
    CHECK_INT(eww_sock_fallback_dir(shared, out, sizeof out), 0);
    CHECK(strncmp(out, shared, strlen(shared)) == 0 && out[strlen(shared)] == '-');
    struct stat st;
    CHECK_INT(lstat(out, &st), 0);
    CHECK_INT(st.st_mode & 07777, 0700);
    char again[128];
    CHECK_INT(eww_sock_fallback_dir(shared, again, sizeof again), 0);
    CHECK_STR(again, out); /* found again, not made again */
    unsetenv("TMPDIR");
    CHECK_INT((int)eww_proc_owner(getpid()), (int)geteuid());
    CHECK_INT((int)eww_proc_owner(-5), -1);
}

int main(void)
{
    snprintf(base, sizeof base, "/tmp/eww-test-sock-XXXXXX");
    if (!mkdtemp(base)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_dir_checks);
    RUN(test_listen_connect_peer);
    RUN(test_longest_path);
    RUN(test_names);
    RUN(test_search_dirs);
    RUN(test_proc);
    RUN(test_proc_parsers);
    RUN(test_cgroup_headroom);
    RUN(test_private_and_fallback);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", base);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", base);
    return check_failures != 0;
}
