/* proc.c - /proc readers; see proc.h. Linux only; elsewhere every field is unknown.
 *
 * Reads with plain open/read into stack buffers: safe to call from any thread, allocates
 * nothing, never blocks on Python.
 */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

int eww_proc_alive(pid_t pid)
{
    return kill(pid, 0) == 0 || errno == EPERM;
}

static ssize_t read_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got + 1 < cap) {
        ssize_t n = read(fd, buf + got, cap - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    return (ssize_t)got;
}

long long eww_proc_status_field(const char *status, const char *key)
{
    size_t klen = strlen(key);
    for (const char *line = status; line && *line; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            char *end;
            long long v = strtoll(line + klen + 1, &end, 10);
            while (*end == ' ' || *end == '\t')
                end++;
            return strncmp(end, "kB", 2) == 0 ? v * 1024 : v;
        }
    }
    return -1;
}

int eww_proc_status_each(const char *status, eww_proc_status_fn fn, void *ctx)
{
    for (const char *line = status; *line;) {
        size_t len = strcspn(line, "\n");
        const char *colon = memchr(line, ':', len);
        if (colon && colon > line) {
            const char *v = colon + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            char *end;
            errno = 0;
            long long n = strtoll(v, &end, 10);
            while (end != v && (*end == ' ' || *end == '\t'))
                end++;
            if (end != v && errno == 0 && strncmp(end, "kB", 2) == 0 &&
                (end[2] == '\n' || end[2] == '\0' || end[2] == ' ')) {
                int rc = fn(ctx, line, (size_t)(colon - line), n * 1024);
                if (rc)
                    return rc;
            }
        }
        line += len;
        if (*line == '\n')
            line++;
    }
    return 0;
}

long long eww_proc_stat_field(const char *stat, int field)
{
    /* Fields after the command name (which may hold spaces and parentheses). */
    const char *p = strrchr(stat, ')');
    if (!p || field < 3)
        return -1;
    p++;
    /* p now points at the space before field 3. */
    for (int f = 3; f < field; f++) {
        p = strchr(p + 1, ' ');
        if (!p)
            return -1;
    }
    char *end;
    errno = 0;
    long long v = strtoll(p + 1, &end, 10);
    return end == p + 1 || errno ? -1 : v;
}

static double start_seconds_ago(pid_t pid)
{
    char path[64], stat[1024], up[128];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    if (read_file(path, stat, sizeof stat) <= 0 || read_file("/proc/uptime", up, sizeof up) <= 0)
        return -1;
    long long start = eww_proc_stat_field(stat, 22);
    if (start < 0)
        return -1;
    long hz = sysconf(_SC_CLK_TCK);
    double since_boot = strtod(up, NULL);
    if (hz <= 0)
        return -1;
    double ago = since_boot - (double)start / (double)hz;
    return ago < 0 ? 0 : ago;
}

long long eww_proc_self_rss(void)
{
    char buf[256];
    if (read_file("/proc/self/statm", buf, sizeof buf) <= 0)
        return -1;
    /* size resident shared text lib data dt, in pages */
    const char *p = strchr(buf, ' ');
    if (!p)
        return -1;
    long long pages = strtoll(p + 1, NULL, 10);
    long page = sysconf(_SC_PAGESIZE);
    return pages * (page > 0 ? page : 4096);
}

int eww_proc_read(pid_t pid, eww_proc_info *out)
{
    char path[64], status[4096];
    out->rss = out->peak_rss = -1;
    out->threads = -1;
    out->uptime = -1;
    out->name[0] = '\0';
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    if (read_file(path, status, sizeof status) <= 0)
        return EWW_ESYS;
    out->rss = eww_proc_status_field(status, "VmRSS");
    out->peak_rss = eww_proc_status_field(status, "VmHWM");
    out->threads = (int)eww_proc_status_field(status, "Threads");
    if (strncmp(status, "Name:", 5) == 0) {
        const char *s = status + 5;
        while (*s == '\t' || *s == ' ')
            s++;
        size_t n = strcspn(s, "\n");
        if (n >= sizeof out->name)
            n = sizeof out->name - 1;
        memcpy(out->name, s, n);
        out->name[n] = '\0';
    }
    out->uptime = start_seconds_ago(pid);
    return 0;
}

long eww_proc_owner(pid_t pid)
{
    char p[64];
    struct stat st;
    snprintf(p, sizeof p, "/proc/%ld", (long)pid);
    return stat(p, &st) == 0 ? (long)st.st_uid : -1;
}

long long eww_proc_private_bytes(pid_t pid)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%ld/smaps_rollup", (long)pid);
    if (read_file(path, buf, sizeof buf) <= 0)
        return -1;
    long long clean = eww_proc_status_field(buf, "Private_Clean");
    long long dirty = eww_proc_status_field(buf, "Private_Dirty");
    if (clean < 0 || dirty < 0)
        return -1;
    return clean + dirty;
}

long eww_proc_waiting_in(pid_t pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%ld/syscall", (long)pid);
    if (read_file(path, buf, sizeof buf) <= 0)
        return -2;
    if (strncmp(buf, "running", 7) == 0)
        return -1;
    char *end;
    long nr = strtol(buf, &end, 10);
    return end == buf ? -2 : nr;
}

/* ---- memory cgroups ---- */

/* The number in the file dir/name, or -1 ("max" and v1's "no limit", near 2^63, are -1). */
static long long cgroup_number(const char *dir, const char *name)
{
    char path[4096], buf[64];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path ||
        read_file(path, buf, sizeof buf) <= 0)
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (end == buf || errno || v < 0 || v >= (1ll << 62))
        return -1;
    return v;
}

/* "key N" in dir/memory.stat, or 0. */
static long long cgroup_stat(const char *dir, const char *key)
{
    char path[4096], buf[8192];
    if ((size_t)snprintf(path, sizeof path, "%s/memory.stat", dir) >= sizeof path ||
        read_file(path, buf, sizeof buf) <= 0)
        return 0;
    size_t k = strlen(key);
    for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, k) == 0 && p[k] == ' ')
            return strtoll(p + k + 1, NULL, 10);
    }
    return 0;
}

/* The least headroom from dir up to (and with) the mount point, whose length is top. */
static long long cgroup_walk_up(const char *from, size_t top, int v2)
{
    char dir[sizeof((eww_cgroups *)0)->at[0].dir];
    snprintf(dir, sizeof dir, "%s", from);
    long long best = -1;
    for (;;) {
        long long limit = cgroup_number(dir, v2 ? "memory.max" : "memory.limit_in_bytes");
        if (limit >= 0) {
            long long used = cgroup_number(dir, v2 ? "memory.current" : "memory.usage_in_bytes");
            long long room = limit - (used < 0 ? 0 : used) +
                             cgroup_stat(dir, v2 ? "inactive_file" : "total_inactive_file");
            if (room < 0)
                room = 0;
            if (best < 0 || room < best)
                best = room;
        }
        char *slash = strrchr(dir, '/');
        if (!slash || (size_t)(slash - dir) < top)
            return best;
        *slash = '\0';
    }
}

/* Whether the comma-separated list (length n) has the word w. */
static int has_word(const char *list, size_t n, const char *w)
{
    size_t k = strlen(w);
    for (size_t i = 0; i + k <= n; i++)
        if ((i == 0 || list[i - 1] == ',') && strncmp(list + i, w, k) == 0 &&
            (i + k == n || list[i + k] == ',' || list[i + k] == ' ' || list[i + k] == '\n'))
            return 1;
    return 0;
}

/* The process's path in the hierarchy (v2: "0::path"; v1: the line whose controllers name
 * memory), copied to out; 0 when there is none. */
static int cgroup_path(const char *cgroups, int v2, char *out, size_t n)
{
    for (const char *p = cgroups; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        const char *c1 = strchr(p, ':'), *eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        const char *c2 = c1 && c1 < eol ? strchr(c1 + 1, ':') : NULL;
        if (!c2 || c2 >= eol)
            continue;
        int match = v2 ? (c1 - p == 1 && p[0] == '0' && c2 == c1 + 1)
                       : has_word(c1 + 1, (size_t)(c2 - c1 - 1), "memory");
        size_t len = (size_t)(eol - c2 - 1);
        if (match && len < n) {
            memcpy(out, c2 + 1, len);
            out[len] = '\0';
            return 1;
        }
    }
    return 0;
}

int eww_proc_cgroups_in(eww_cgroups *out, const char *mountinfo, const char *cgroups,
                        const char *root)
{
    out->n = 0;
    for (const char *p = mountinfo; p && *p && out->n < EWW_CGROUPS_MAX;
         p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        /* id parent major:minor root mount-point options... - fstype source super-options */
        char mroot[1024], mpoint[1024], fstype[32], super[512];
        const char *dash = strstr(p, " - ");
        const char *eol = strchr(p, '\n');
        if (!dash || (eol && dash > eol) ||
            sscanf(p, "%*s %*s %*s %1023s %1023s", mroot, mpoint) != 2 ||
            sscanf(dash + 3, "%31s %*s %511s", fstype, super) != 2)
            continue;
        int v2 = strcmp(fstype, "cgroup2") == 0;
        if (!v2 && (strcmp(fstype, "cgroup") || !has_word(super, strlen(super), "memory")))
            continue;
        char path[1024];
        if (!cgroup_path(cgroups, v2, path, sizeof path))
            continue;
        /* The mount shows the hierarchy from mroot down (in a container, its own cgroup). */
        size_t rl = strcmp(mroot, "/") ? strlen(mroot) : 0;
        const char *rel = path;
        if (rl && strncmp(path, mroot, rl) == 0 && (path[rl] == '/' || !path[rl]))
            rel = path + rl;
        else if (rl)
            rel = ""; /* a path outside what is mounted: the mount's own cgroup */
        char *dir = out->at[out->n].dir;
        size_t cap = sizeof out->at[0].dir;
        int top = snprintf(dir, cap, "%s%s", root, mpoint);
        if (top < 0 || (size_t)top >= cap ||
            (size_t)snprintf(dir + top, cap - (size_t)top, "%s", strcmp(rel, "/") ? rel : "") >=
                cap - (size_t)top)
            continue;
        out->at[out->n].top = (size_t)top;
        out->at[out->n].v2 = v2;
        out->n++;
    }
    return out->n;
}

int eww_proc_cgroups(eww_cgroups *out)
{
    char mountinfo[65536], cgroups[4096];
    out->n = 0;
    if (read_file("/proc/self/mountinfo", mountinfo, sizeof mountinfo) <= 0 ||
        read_file("/proc/self/cgroup", cgroups, sizeof cgroups) <= 0)
        return 0;
    return eww_proc_cgroups_in(out, mountinfo, cgroups, "");
}

long long eww_proc_cgroup_room(const eww_cgroups *c)
{
    long long best = -1;
    for (int i = 0; i < c->n; i++) {
        long long room = cgroup_walk_up(c->at[i].dir, c->at[i].top, c->at[i].v2);
        if (room >= 0 && (best < 0 || room < best))
            best = room;
    }
    return best;
}
