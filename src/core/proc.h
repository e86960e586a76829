/* proc.h - facts about a process read from /proc (Linux), without touching it.
 *
 * Used by the console (about its own process: no GIL needed) and by `eww --list` (about other
 * processes). A field that cannot be read is -1 (numbers) or "" (strings).
 */
#ifndef EWW_PROC_H
#define EWW_PROC_H

#include <stddef.h>
#include <sys/types.h>

typedef struct eww_proc_info {
    long long rss;      /* resident set size now, bytes */
    long long peak_rss; /* high-water mark of the RSS, bytes */
    int threads;        /* number of threads */
    double uptime;      /* seconds since the process started */
    char name[64];      /* kernel's short name of the process (comm) */
} eww_proc_info;

/* 0 when the process exists and its status was read; EWW_ESYS otherwise. */
int eww_proc_read(pid_t pid, eww_proc_info *out);

/* This process's resident set size now, in bytes (one read of /proc/self/statm); -1 with
 * errno set when it cannot be read. */
long long eww_proc_self_rss(void);

/* The owner of process pid (the owner of /proc/PID, its effective uid); -1 when there is no
 * such process. */
long eww_proc_owner(pid_t pid);

/* True when a process with this pid exists (even if owned by another user). */
int eww_proc_alive(pid_t pid);

/* Memory that is the process's own and no other's (Private_Clean + Private_Dirty of
 * /proc/PID/smaps_rollup), in bytes: for a forked copy, what copy-on-write has cost so far.
 * -1 when it cannot be read. */
long long eww_proc_private_bytes(pid_t pid);

/* The system call the process's (only) thread is blocked in (/proc/PID/syscall), -1 when it
 * is running, -2 when it cannot be known. */
long eww_proc_waiting_in(pid_t pid);

/* Where the process's memory cgroups keep their files: one per mounted hierarchy (v1's
 * memory controller, v2), the directory of the process's cgroup and the length of its mount
 * point (its ancestors up to there are read too). Found once, read many times. */
#define EWW_CGROUPS_MAX 2
typedef struct eww_cgroups {
    int n;
    struct {
        char dir[1024];
        size_t top;
        int v2;
    } at[EWW_CGROUPS_MAX];
} eww_cgroups;
/* From /proc/self/mountinfo and /proc/self/cgroup; how many were found (0: none). */
int eww_proc_cgroups(eww_cgroups *out);
/* The same from their texts (for tests), with `root` put in front of every mount point. */
int eww_proc_cgroups_in(eww_cgroups *out, const char *mountinfo, const char *cgroups,
                        const char *root);
/* How much more memory the cgroups let their members use before the kernel's limit: the
 * least, over each cgroup and its ancestors that have a limit (v2's memory.max, v1's
 * memory.limit_in_bytes), of the limit less the usage, counting inactive page cache as room
 * (the kernel reclaims it first). -1: no limit. A forked copy is charged to the same cgroup:
 * this is its room. */
long long eww_proc_cgroup_room(const eww_cgroups *c);

/* Parsers of the text of /proc files, for readers that read the file themselves. */

/* Field number `field` (1-based, as in proc(5): 23 is vsize, 24 rss in pages, 12 majflt) of
 * the text of /proc/PID/stat, counted after the command name, which may hold spaces and
 * parentheses; -1 when it is not there or not a number (fields 1 and 2 included). */
long long eww_proc_stat_field(const char *stat, int field);

/* Value of "Key:   123 kB" in the text of /proc/PID/status (or smaps_rollup), in bytes, or
 * the plain count when it has no unit; -1 when the key is not there. */
long long eww_proc_status_field(const char *status, const char *key);

/* Calls fn for each "Key: N kB" line of the text of /proc/PID/status, in order, with the key
 * (not NUL-terminated) and N in bytes; stops at and returns fn's first non-zero result. */
typedef int (*eww_proc_status_fn)(void *ctx, const char *key, size_t klen, long long bytes);
int eww_proc_status_each(const char *status, eww_proc_status_fn fn, void *ctx);

#endif
