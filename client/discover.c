/* discover.c - finding consoles: socket directories, stale sockets, `eww --list`.
 *
 * A console is a socket <dir>/<pid>.sock in one of the directories of eww_sock_search_dirs()
 * (and, for root asking for one pid, in any user's directory). A socket whose process is gone
 * or that nobody listens on is stale: --list removes it.
 */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "fmt.h"
#include "proc.h"

/* A socket is stale when its process is gone, or when nobody accepts on it. */
static int is_stale(const console *k)
{
    if (!eww_proc_alive((pid_t)k->pid))
        return 1;
    int fd;
    char err[256];
    if (eww_sock_connect(k->path, &fd, err, sizeof err) == 0) {
        close(fd);
        return 0;
    }
    return errno == ECONNREFUSED;
}

static int by_pid(const void *a, const void *b)
{
    long x = ((const console *)a)->pid, y = ((const console *)b)->pid;
    return (x > y) - (x < y);
}

int discover_all(console *out, int max, int prune)
{
    char dirs[4][EWW_PATH_MAX];
    int nd = eww_sock_search_dirs(dirs, 4);
    int n = 0;
    for (int i = 0; i < nd; i++) {
        DIR *d = opendir(dirs[i]);
        if (!d)
            continue;
        struct dirent *e;
        while ((e = readdir(d)) != NULL && n < max) {
            console k;
            k.pid = eww_sock_pid_of(e->d_name);
            struct stat st;
            if (k.pid <= 0 || eww_sock_path(k.path, sizeof k.path, dirs[i], k.pid) < 0 ||
                lstat(k.path, &st) < 0 || !S_ISSOCK(st.st_mode))
                continue;
            int dup = 0;
            for (int j = 0; j < n; j++)
                dup |= out[j].pid == k.pid;
            if (dup)
                continue;
            if (prune && is_stale(&k)) {
                if (unlink(k.path) == 0)
                    fprintf(stderr, "removed stale socket %s (process %ld is gone)\n", k.path,
                            k.pid);
                continue;
            }
            out[n++] = k;
        }
        closedir(d);
    }
    qsort(out, (size_t)n, sizeof *out, by_pid);
    return n;
}

int discover_pid(long pid, console *out, char *err, size_t errlen)
{
    char dirs[4][EWW_PATH_MAX];
    int nd = eww_sock_search_dirs(dirs, 4);
    struct stat st;
    out->pid = pid;
    for (int i = 0; i < nd; i++) {
        if (eww_sock_path(out->path, sizeof out->path, dirs[i], pid) == 0 &&
            lstat(out->path, &st) == 0 && S_ISSOCK(st.st_mode))
            return 0;
    }
    long owner_id = eww_proc_owner((pid_t)pid);
    int owned = owner_id >= 0;
    uid_t owner = (uid_t)owner_id;
    if (geteuid() == 0 && owned) {
        /* root may reach any user's console: look in the directories of the process's owner
         * (only a socket in a directory that owner owns; client_open checks the rest). */
        char pattern[128];
        for (int i = 0; i < 2; i++) {
            glob_t gl;
            if (i == 0)
                snprintf(pattern, sizeof pattern, "%s/eww-*/%ld.sock", eww_sock_tmp_base(), pid);
            else
                snprintf(pattern, sizeof pattern, "/run/user/*/eww/%ld.sock", pid);
            int found = 0;
            if (glob(pattern, 0, NULL, &gl) == 0) {
                for (size_t j = 0; j < gl.gl_pathc && !found; j++) {
                    char dir[EWW_PATH_MAX];
                    eww_sock_dir_of(gl.gl_pathv[j], dir, sizeof dir);
                    if (strlen(gl.gl_pathv[j]) < sizeof out->path && lstat(dir, &st) == 0 &&
                        S_ISDIR(st.st_mode) && st.st_uid == owner) {
                        snprintf(out->path, sizeof out->path, "%s", gl.gl_pathv[j]);
                        found = 1;
                    }
                }
            }
            globfree(&gl);
            if (found)
                return 0;
        }
    }
    if (owned && owner != geteuid() && geteuid() != 0) {
        snprintf(err, errlen,
                 "process %ld belongs to uid %ld; only that user or root may connect to its "
                 "console (you are uid %ld)",
                 pid, (long)owner, (long)geteuid());
        return -1;
    }
    if (!eww_proc_alive((pid_t)pid))
        snprintf(err, errlen, "no process with pid %ld is running", pid);
    else
        snprintf(err, errlen,
                 "process %ld has no eww console (did it call eww.embed(), or run under "
                 "'python -m eww'? Is EWW_SOCKET_DIR the same for both?)",
                 pid);
    return -1;
}

int discover_list(void)
{
    console k[256];
    int n = discover_all(k, 256, 1);
    if (n == 0) {
        printf("No running process has an eww console.\n");
        return EXIT_OK;
    }
    printf("%7s  %-24s %12s %10s  %s\n", "PID", "PROGRAM", "UPTIME", "RSS", "PYTHON");
    for (int i = 0; i < n; i++) {
        client c;
        char err[512], up[32], rss[32];
        const char *program = "?", *python = "";
        int ok = client_open(&c, k[i].path, k[i].pid, 0, 1, 2000, err, sizeof err) == 0;
        if (ok) {
            program = c.program;
            python = c.python;
        } else {
            program = "(not answering)";
        }
        eww_proc_info p;
        eww_proc_read((pid_t)k[i].pid, &p);
        eww_fmt_duration(up, sizeof up, p.uptime);
        eww_fmt_bytes(rss, sizeof rss, p.rss);
        char pyver[32];
        snprintf(pyver, sizeof pyver, "%.*s", (int)strcspn(python, " "), python);
        printf("%7ld  %-24s %12s %10s  %s\n", k[i].pid, program, up, rss, pyver);
        if (ok)
            client_close(&c);
    }
    return EXIT_OK;
}
