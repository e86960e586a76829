/* snapshot.c - heap commands on a forked copy of the app (snapshot.h).
 *
 * With the GIL held, the session thread makes a copy of the process with a raw clone()
 * system call and no exit signal; the parent releases the GIL at once and goes on. The
 * copy (the "child") has one thread, the GIL it inherited, and a frozen, consistent image of
 * every object; it runs the command's function on it and streams the answer, through a
 * socket pair, to the session thread, which forwards it to the client without the GIL.
 *
 * Why a raw clone() and not fork(): fork() runs the pthread_atfork handlers (eww's own,
 * CPython's, every library's) in both processes; clone() runs none, so no Python at-fork
 * handler runs and eww's own at-fork handling sees only the app's forks. With no exit signal
 * (the low byte of the flags is 0) the child is invisible to the app's wait(-1),
 * waitpid(-1, ...) and SIGCHLD handler: Linux reports such a child only to a waitpid() that
 * names it with __WALL, which only this file does.
 *
 * What the child may do, and must not:
 *   - No lock another thread may have held at the copy: that thread does not exist in the
 *     child, so the lock is never released. Hence no malloc (eww's C memory switches to an
 *     mmap arena, core/mem.c; Python's raw allocator too, and its object allocators when
 *     PYTHONMALLOC makes them malloc), no stdio, and never releasing the GIL, whose mutex and
 *     condition variables the app's other threads were using at the copy. A command run here
 *     must run no Python code (the eval loop would hand the GIL over if another thread had
 *     asked for it just before the copy): the engine's walks run none (facts.h).
 *   - Nothing outside itself: every descriptor but its end of the socket pair is closed
 *     first (0, 1 and 2 become /dev/null), so it cannot write to the app's files or sockets,
 *     and it leaves with _exit(): no atexit, no stdio flush, no destructor.
 *   - It dies with the app (PR_SET_PDEATHSIG) and is killed by the session thread when the
 *     client presses Ctrl-C or leaves, when its own memory passes the limit, and when it is
 *     found waiting on a futex (a lock that would never be released: then the command runs
 *     in process instead, saying why).
 *
 * Memory: the child shares every page with the app until one of them writes it. The walk
 * writes no object (heap_no_references); what the child owns is its own work and the pages
 * the app wrote meanwhile. Its Private_* memory (/proc/PID/smaps_rollup) is read every
 * 100 ms, shown on progress lines, and capped.
 *
 * One child at a time: a second heap command waits its turn (saying so), and can be
 * cancelled while it waits.
 */
#include "snapshot.h"

#include "pycompat.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

#include "commands.h"
#include "conn.h"
#include "error.h"
#include "heap.h"
#include "mem.h"
#include "proc.h"
#include "proto.h"

#define DEFAULT_LIMIT_MB 1024
#define MIN_LIMIT_MB     64           /* less free memory than this: walk in process */
#define CG_FLOOR         (32ll << 20) /* the least room a snapshot leaves its memory cgroup */
#define CHECK_EVERY      0.1          /* seconds between looks at the child's memory and state */
#define STUCK_FOR        0.25         /* seconds on a futex before the child is given up */
#define CGROUP_EVERY     0.02         /* seconds between looks at the memory cgroup's room */

static pthread_mutex_t slot = PTHREAD_MUTEX_INITIALIZER; /* one child at a time */
static int in_child;

void snapshot_after_fork(void)
{
    /* A session thread may have held the slot at the app's fork: it does not exist in the
     * app's child, which starts with the slot free. */
    pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
    slot = fresh;
}

int snapshot_in_child(void)
{
    return in_child;
}

long long snapshot_child_bytes(void)
{
    return in_child ? eww_proc_private_bytes(getpid()) : -1;
}

/* ---- the child --------------------------------------------------------------------- */

static void *arena_malloc(void *ctx, size_t n)
{
    (void)ctx;
    return eww_malloc(n ? n : 1);
}

static void *arena_calloc(void *ctx, size_t count, size_t size)
{
    (void)ctx;
    return eww_calloc(count ? count : 1, size ? size : 1);
}

static void *arena_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    return eww_realloc(p, n ? n : 1);
}

static void arena_free(void *ctx, void *p)
{
    (void)ctx;
    eww_free(p);
}

/* Every descriptor from `from` up closed. */
static void close_from(int from)
{
#if defined(__linux__) && defined(SYS_close_range)
    if (syscall(SYS_close_range, (unsigned)from, ~0u, 0) == 0)
        return;
#endif
    struct rlimit rl;
    long max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
                   ? (long)rl.rlim_cur
                   : 65536;
    for (long fd = from; fd < max && fd < (1L << 20); fd++)
        close((int)fd);
}

typedef struct job {
    reply *r;
    int (*fn)(reply *r, void *arg);
    void *arg;
    int sock;  /* the child's end of the socket pair */
    pid_t app; /* the parent, to notice that it died before PR_SET_PDEATHSIG was set */
} job;

/* Send bytes as frames of one type, MORE on all but the last. */
static int send_frames(int fd, int type, const void *data, size_t n)
{
    const char *p = data;
    do {
        size_t k = n > EWW_FRAME_MAX ? EWW_FRAME_MAX : n;
        if (eww_send_frame(fd, type, n > k ? EWW_FLAG_MORE : 0, p, k, server_send_timeout_ms()) < 0)
            return -1;
        p += k;
        n -= k;
    } while (n > 0);
    return 0;
}

static void child_main(const job *j)
{
    in_child = 1;
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* On a busy machine the app's threads come first (at nice 5 more, the copy's share of
     * a CPU is a third of one of theirs); and if memory runs out all the same, the kernel's
     * OOM killer takes the copy, not the app. */
    errno = 0;
    int prio = getpriority(PRIO_PROCESS, 0);
    if (errno == 0 && prio < 19)
        setpriority(PRIO_PROCESS, 0, prio + 5 > 19 ? 19 : prio + 5);
    int oom = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (oom >= 0) {
        ssize_t wrote = write(oom, "1000", 4); /* the copy is no worse off without it */
        (void)wrote;
        close(oom);
    }
#endif
    if (getppid() != j->app)
        _exit(2);
    /* Only the socket pair stays open, as descriptor 3; 0, 1 and 2 read and write nothing. */
    if (j->sock != 3 && dup2(j->sock, 3) < 0)
        _exit(2);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd < 3; fd++) {
        if (null >= 0)
            dup2(null, fd);
        else
            close(fd);
    }
    close_from(4);
    eww_mem_use_arena();
    PyMemAllocatorEx arena = {NULL, arena_malloc, arena_calloc, arena_realloc, arena_free};
    PyMem_SetAllocator(PYMEM_DOMAIN_RAW, &arena);
    const char *pm = getenv("PYTHONMALLOC");
    if (pm && (strcmp(pm, "malloc") == 0 || strcmp(pm, "malloc_debug") == 0)) {
        PyMem_SetAllocator(PYMEM_DOMAIN_MEM, &arena);
        PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &arena);
    }
    heap_no_references();

    reply cr = *j->r;
    cr.fd = 3;
    cr.conn = NULL; /* the session thread watches the client */
    cr.broken = cr.cancelled = 0;
    eww_buf_init(&cr.out, 16u << 20);
    int status = j->fn(&cr, j->arg);
    if (reply_flush(&cr) < 0)
        _exit(1);
    eww_buf state;
    eww_buf_init(&state, (size_t)1 << 40);
    if (cr.state && *cr.state) {
        if (commands_state_pack(*cr.state, &state) < 0 ||
            send_frames(3, EWW_FRAME_STATE, state.data, state.len) < 0)
            _exit(1);
    }
    unsigned char st = (unsigned char)status;
    eww_send_frame(3, EWW_FRAME_DONE, 0, &st, 1, server_send_timeout_ms());
    _exit(0);
}

int snapshot_result(reply *r, const void *data, size_t n)
{
    if (in_child)
        return send_frames(r->fd, EWW_FRAME_RESULT, data, n);
    return r->result ? eww_buf_append(r->result, data, n) : -1;
}

/* ---- the session thread's side ----------------------------------------------------- */

enum outcome { DONE, CANCELLED, BROKEN, OVER_LIMIT, CGROUP_FULL, STUCK, DIED };

typedef struct watch {
    pid_t pid;
    long long limit, peak;      /* bytes */
    const eww_cgroups *cgroups; /* the app's memory cgroups, found when the copy was made */
    long long cg_floor;         /* >= 0: stop the copy when its memory cgroup has less room */
    long long cg_room;          /* the room it had when stopped */
    int status;                 /* the command's, from the child's DONE */
    eww_buf state;              /* the STATE frames (none: the command keeps no state) */
    eww_buf result;             /* the RESULT frames */
} watch;

/* A progress line from the child, with the snapshot's memory added. */
static int relay_progress(reply *r, const watch *w, const eww_frame *f)
{
    char text[512], mem[64] = "";
    if (w->peak > 0)
        snprintf(mem, sizeof mem, "; snapshot +%lld MiB", w->peak >> 20);
    snprintf(text, sizeof text, "%.*s%s", (int)(f->len < 400 ? f->len : 400),
             (const char *)f->payload, mem);
    return reply_progress(r, text);
}

/* Forward the child's frames to the client until its DONE, watching the client (Ctrl-C, gone)
 * and the child (memory, a wait that never ends, death) meanwhile. */
static enum outcome relay(reply *r, watch *w, int fd)
{
    eww_conn cc;
    eww_conn_init(&cc, fd, EWW_FRAME_MAX);
    enum outcome out = DIED;
    double next_check = reply_now() + CHECK_EVERY, next_cgroup = 0, stuck_since = 0;
    for (;;) {
        struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = -1, .events = POLLIN}};
        if (r->conn)
            p[1].fd = r->conn->fd;
        poll(p, 2, 50);
        for (;;) { /* the child's frames */
            eww_frame f;
            int rc = eww_conn_recv(&cc, &f, 0);
            if (rc == EWW_ETIMEOUT)
                break;
            if (rc < 0)
                goto end; /* it died before its DONE */
            if (f.type == EWW_FRAME_DONE) {
                w->status = f.len == 1 ? f.payload[0] : EWW_STATUS_FAILED;
                out = DONE;
                goto end;
            }
            if (f.type == EWW_FRAME_STATE || f.type == EWW_FRAME_RESULT) {
                if (eww_buf_append(f.type == EWW_FRAME_STATE ? &w->state : &w->result, f.payload,
                                   f.len) < 0) {
                    out = OVER_LIMIT;
                    goto end;
                }
                continue;
            }
            int sent = f.type == EWW_FRAME_PROGRESS
                           ? relay_progress(r, w, &f)
                           : eww_send_frame(r->fd, f.type, f.flags, f.payload, f.len,
                                            server_send_timeout_ms());
            if (sent < 0) {
                r->broken = 1;
                out = BROKEN;
                goto end;
            }
        }
        while (r->conn) { /* the client's */
            eww_frame f;
            int rc = eww_conn_recv(r->conn, &f, 0);
            if (rc == EWW_ETIMEOUT)
                break;
            if (rc < 0) {
                r->broken = 1;
                out = BROKEN;
                goto end;
            }
            if (f.type == EWW_FRAME_INTERRUPT) {
                r->cancelled = 1;
                out = CANCELLED;
                goto end;
            }
        }
        double now = reply_now();
        if (w->cg_floor >= 0 && now >= next_cgroup) { /* the copy takes a page every few µs */
            next_cgroup = now + CGROUP_EVERY;
            long long room = eww_proc_cgroup_room(w->cgroups);
            if (room >= 0 && room < w->cg_floor) {
                w->cg_room = room;
                out = CGROUP_FULL;
                goto end;
            }
        }
        if (now < next_check)
            continue;
        next_check = now + CHECK_EVERY;
        long long mine = eww_proc_private_bytes(w->pid);
        if (mine > w->peak)
            w->peak = mine;
        if (mine > w->limit) {
            out = OVER_LIMIT;
            goto end;
        }
#if defined(__linux__) && defined(SYS_futex)
        /* A single thread waiting on a futex waits for a thread that is not there. */
        if (eww_proc_waiting_in(w->pid) == SYS_futex) {
            if (stuck_since == 0)
                stuck_since = now;
            else if (now - stuck_since >= STUCK_FOR) {
                out = STUCK;
                goto end;
            }
        } else {
            stuck_since = 0;
        }
#endif
    }
end:
    cc.fd = -1; /* closed by the caller */
    eww_conn_close(&cc);
    return out;
}

/* Reap the child: it is leaving (after its DONE: it calls _exit() right away; given 1 s)
 * or it is killed now. */
static int reap(pid_t pid, int kill_it)
{
    int st = 0;
    for (int ms = 0; !kill_it && ms < 1000; ms++) {
        pid_t got = waitpid(pid, &st, WNOHANG | __WALL);
        if (got == pid || (got < 0 && errno != EINTR))
            return st;
        poll(NULL, 0, 1);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, &st, __WALL) < 0 && errno == EINTR)
        ;
    return st;
}

/* After the answer is sent: a child that answered is reaped then, so that the tens of
 * milliseconds the kernel takes to tear a big copy down are nobody's wait (the slot is
 * already free: a copy that has answered is only leaving). */
static void reap_after_done(reply *r)
{
    if (r->reap_pid > 0)
        reap((pid_t)r->reap_pid, 0);
    r->reap_pid = 0;
}

static long long mem_available(void)
{
    char buf[4096];
    int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    const char *p = strstr(buf, "MemAvailable:");
    return p ? strtoll(p + 13, NULL, 10) * 1024 : -1;
}

typedef struct post_call {
    heap_post_fn post;
    const eww_buf *data;
    void *arg;
} post_call;

static int run_post(reply *r, void *arg)
{
    post_call *p = arg;
    return p->post(r, p->data->data ? p->data->data : "", p->data->len, p->arg);
}

/* Finish a command whose fn succeeded: its post, in the app (GIL), on fn's result. */
static int finish(reply *r, int status, heap_post_fn post, const eww_buf *result, void *arg)
{
    if (status != EWW_STATUS_OK || !post)
        return status;
    post_call p = {post, result, arg};
    return reply_with_python(r, run_post, &p);
}

typedef struct in_call {
    int (*fn)(reply *r, void *arg);
    void *arg;
    const char *command;
} in_call;

/* fn in process, GIL held; then what it keeps for the process (a named snapshot, a one-shot
 * session's baseline) goes to the registry, as the parent does with a snapshot's state. */
static int run_in_process(reply *r, void *arg)
{
    const in_call *c = arg;
    int status = c->fn(r, c->arg);
    if (r->state && commands_state_publish(*r->state) < 0) {
        reply_error(r, "%s: out of memory keeping the result for the next call", c->command);
        status = EWW_STATUS_FAILED;
    }
    return status;
}

/* The command in process (then its post), after a one-line note of why. */
static int in_process(reply *r, const char *command, const char *why,
                      int (*fn)(reply *r, void *arg), void *arg, heap_post_fn post)
{
    if (!r->noted) /* a command that walks many times (hunt) says it once */
        reply_error(r, "(%s: %s; walking the live heap in process)", command, why);
    r->noted = 1;
    eww_buf result;
    eww_buf_init(&result, (size_t)1 << 40);
    r->result = &result;
    in_call c = {fn, arg, command};
    int status = reply_with_python(r, run_in_process, &c);
    r->result = NULL;
    status = finish(r, status, post, &result, arg);
    eww_buf_free(&result);
    return status;
}

/* ---- foreseeing a limit crossed: what each command's last copy came to own ---------- */

#define FORESEEN     16
#define FORESEE_STOP 300.0 /* seconds a stopped copy's need is believed */
static struct {
    char command[16];
    int (*fn)(reply *r, void *arg); /* the work: a command may do several kinds (hunt) */
    long long own, rss;             /* bytes: the copy's own memory at its peak, RSS then */
    double stopped;                 /* when it was stopped short of its need, or 0 */
} foreseen[FORESEEN];
static pthread_mutex_t foreseen_lock = PTHREAD_MUTEX_INITIALIZER;

static int same_work(int i, const char *command, int (*fn)(reply *r, void *arg))
{
    return foreseen[i].fn == fn && strcmp(foreseen[i].command, command) == 0;
}

/* What a copy doing this work will own, from the last one that did it, scaled to the app's
 * RSS now; 0 when there is none (or only one stopped long ago: things change). */
static long long foresee(const char *command, int (*fn)(reply *r, void *arg), long long rss)
{
    long long own = 0;
    pthread_mutex_lock(&foreseen_lock);
    for (int i = 0; i < FORESEEN; i++) {
        if (same_work(i, command, fn) &&
            !(foreseen[i].stopped && reply_now() - foreseen[i].stopped > FORESEE_STOP)) {
            own = foreseen[i].own;
            if (rss > 0 && foreseen[i].rss > 0 && rss > foreseen[i].rss)
                own = (long long)((double)own * (double)rss / (double)foreseen[i].rss);
            break;
        }
    }
    pthread_mutex_unlock(&foreseen_lock);
    return own;
}

static void remember(const char *command, int (*fn)(reply *r, void *arg), long long own,
                     long long rss, int stopped)
{
    pthread_mutex_lock(&foreseen_lock);
    int at = -1;
    for (int i = 0; i < FORESEEN && at < 0; i++)
        if (same_work(i, command, fn) || !foreseen[i].command[0])
            at = i;
    if (at < 0) { /* full: the oldest goes */
        memmove(&foreseen[0], &foreseen[1], sizeof foreseen[0] * (FORESEEN - 1));
        at = FORESEEN - 1;
    }
    snprintf(foreseen[at].command, sizeof foreseen[at].command, "%s", command);
    foreseen[at].fn = fn;
    foreseen[at].own = own;
    foreseen[at].rss = rss;
    foreseen[at].stopped = stopped ? reply_now() : 0;
    pthread_mutex_unlock(&foreseen_lock);
}

/* Wait for the slot, saying so, while watching for Ctrl-C. 0 when taken. */
static int take_slot(reply *r, const char *command)
{
    if (pthread_mutex_trylock(&slot) == 0)
        return 0;
    reply_error(r, "(%s: waiting for another heap command to finish)", command); /* sent now */
    while (pthread_mutex_trylock(&slot) != 0) {
        if (reply_tick(r, NULL, NULL))
            return -1;
        poll(NULL, 0, 20);
    }
    return 0;
}

int reply_with_heap(reply *r, const char *command, int (*fn)(reply *r, void *arg), void *arg)
{
    return reply_with_heap_post(r, command, fn, arg, NULL);
}

int reply_with_heap_post(reply *r, const char *command, int (*fn)(reply *r, void *arg), void *arg,
                         heap_post_fn post)
{
    const server_options *o = server_get_options();
    char why[256];
    if (r->reap_pid) { /* this command's previous snapshot (hunt takes many) */
        reap_after_done(r);
        r->after_done = NULL;
    }
    if (!o->snapshot)
        return in_process(r, command, "snapshots are off (embed(snapshot=False))", fn, arg, post);
    if (r->in_process)
        return in_process(r, command, "`walk live` on this connection", fn, arg, post);
#if !defined(__linux__) || !defined(SYS_clone)
    return in_process(r, command, "no snapshots on this platform", fn, arg, post);
#else
    if (!server_session_verdict(r->session, 1, why, sizeof why)) {
        reply_error(r, "%s", why);
        return EWW_STATUS_FAILED;
    }
    /* The copy can come to own every page of the app (each one the app writes meanwhile,
     * each one holding an object the walk lists), plus its own work: by default it may. */
    long long limit = (long long)(o->snapshot_memory_mb ? o->snapshot_memory_mb : DEFAULT_LIMIT_MB)
                      << 20;
    long long rss = eww_proc_self_rss(), avail = mem_available();
    /* In a container, the memory cgroup's limit is the one that counts: the copy is charged
     * to the app's cgroup, and the kernel kills in it when it is full. */
    eww_cgroups cgroups;
    eww_proc_cgroups(&cgroups);
    long long cg = eww_proc_cgroup_room(&cgroups);
    int cg_bound = cg >= 0 && (avail < 0 || cg < avail);
    if (cg_bound)
        avail = cg;
    if (!o->snapshot_memory_mb && 2 * rss > limit)
        limit = 2 * rss; /* every page, and its own work (a few bytes an object) */
    if (!o->snapshot_memory_mb && avail > 0 && avail / 5 * 4 < limit)
        limit = avail / 5 * 4;
    long long need = foresee(command, fn, rss);
    if (need > limit) {
        snprintf(why, sizeof why,
                 "its last snapshot came to own %lld MiB, and this one may have %lld MiB",
                 need >> 20, limit >> 20);
        return in_process(r, command, why, fn, arg, post);
    }
    if (avail >= 0 && avail < ((long long)MIN_LIMIT_MB << 20)) {
        snprintf(why, sizeof why, "too little free memory for a snapshot (%lld MiB%s)", avail >> 20,
                 cg_bound ? " under the memory cgroup's limit" : "");
        return in_process(r, command, why, fn, arg, post);
    }
    if (reply_flush(r) < 0)
        return EWW_STATUS_FAILED;
    if (take_slot(r, command) < 0)
        return reply_stopped(r, command);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        pthread_mutex_unlock(&slot);
        snprintf(why, sizeof why, "no socket pair for a snapshot (%s)", strerror(errno));
        return in_process(r, command, why, fn, arg, post);
    }
    job j = {.r = r, .fn = fn, .arg = arg, .sock = sv[1], .app = getpid()};
    PyGILState_STATE gs = PyGILState_Ensure();
    /* The copy: flags 0 are fork() without its handlers and with no exit signal. */
    long pid = syscall(SYS_clone, 0L, NULL, NULL, NULL, NULL);
    if (pid == 0)
        child_main(&j); /* never returns */
    int err = errno;
    PyGILState_Release(gs);
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        pthread_mutex_unlock(&slot);
        snprintf(why, sizeof why, "the snapshot could not be made (%s)", strerror(err));
        return in_process(r, command, why, fn, arg, post);
    }
    watch w = {.pid = (pid_t)pid,
               .limit = limit,
               .cgroups = &cgroups,
               .status = EWW_STATUS_FAILED,
               .cg_floor = cg < 0               ? -1
                           : cg / 10 > CG_FLOOR ? cg / 10
                                                : CG_FLOOR};
    eww_buf_init(&w.state, (size_t)1 << 40);
    eww_buf_init(&w.result, (size_t)1 << 40);
    enum outcome out = relay(r, &w, sv[0]);
    close(sv[0]);
    if (out == DONE || out == OVER_LIMIT || out == CGROUP_FULL) {
        long long own = w.peak; /* a copy stopped needed more than it had */
        if (out == OVER_LIMIT && own < limit + 1)
            own = limit + 1;
        if (out == CGROUP_FULL && own < cg - w.cg_room + 1)
            own = cg - w.cg_room + 1;
        remember(command, fn, own, rss, out != DONE);
    }
    int st = 0;
    if (out == DONE) {
        r->reap_pid = w.pid;
        r->after_done = reap_after_done;
    } else {
        st = reap(w.pid, 1);
    }
    pthread_mutex_unlock(&slot);
    int status = EWW_STATUS_FAILED;
    switch (out) {
    case DONE:
        status = w.status;
        if (commands_state_unpack(w.state.data, w.state.len, r->state) < 0) {
            reply_error(r, "%s: out of memory keeping the result for the next call", command);
            status = EWW_STATUS_FAILED;
        } else if (w.state.len) {
            /* What the command keeps for the process (a named snapshot, a one-shot baseline)
             * goes to the registry in the app, which changes only with the GIL held. */
            PyGILState_STATE gs = PyGILState_Ensure();
            int kept = commands_state_publish(*r->state);
            PyGILState_Release(gs);
            if (kept < 0) {
                reply_error(r, "%s: out of memory keeping the result for the next call", command);
                status = EWW_STATUS_FAILED;
            }
        }
        break;
    case CANCELLED: status = reply_stopped(r, command); break;
    case CGROUP_FULL:
        reply_error(r,
                    "%s: stopped: the app's memory cgroup had %lld MiB left before its limit, "
                    "and the snapshot was taking it; for %.0f minutes `%s` walks in process "
                    "unless there is more room",
                    command, w.cg_room >> 20, FORESEE_STOP / 60, command);
        break;
    case BROKEN: break;
    case OVER_LIMIT:
        reply_error(r,
                    "%s: stopped: the snapshot's own memory passed %lld MiB (its limit; "
                    "embed(snapshot_memory=MiB) sets it); for %.0f minutes `%s` walks in "
                    "process unless a snapshot may have more",
                    command, limit >> 20, FORESEE_STOP / 60, command);
        break;
    case STUCK:
        eww_buf_free(&w.state);
        eww_buf_free(&w.result);
        return in_process(r, command,
                          "the snapshot waited on a lock another thread held at the copy", fn, arg,
                          post);
    case DIED:
        if (WIFSIGNALED(st))
            reply_error(r, "%s: the snapshot process was killed by signal %d; the app is unharmed",
                        command, WTERMSIG(st));
        else
            reply_error(r, "%s: the snapshot process ended without an answer (status %d)", command,
                        WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        break;
    }
    if (out == DONE)
        status = finish(r, status, post, &w.result, arg);
    eww_buf_free(&w.state);
    eww_buf_free(&w.result);
    return status;
#endif
}
