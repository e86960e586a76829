/* server.c - the console inside the app: listener, sessions, auditor, fork and exit.
 *
 * Threads (all native pthreads, all signals blocked, none of them Python threads):
 *   eww-listen   blocked in poll() on the listening socket and a wake pipe: no wake-ups
 *                while idle. Accepts, checks the peer (uid must be ours or root), refuses
 *                past max_sessions, and starts a session thread.
 *   eww-session  one per client, detached. Handshake, then commands, then it frees itself.
 *                Commands that need no Python state never take the GIL.
 *   eww-audit    raises sys.audit("eww.session.open", ...) for every accepted connection.
 *                It is a thread of its own so that a session never waits for the GIL just
 *                to be allowed to answer `info` while the app holds the GIL in a long C call.
 *                If an audit hook raises, the session is refused, with the hook's message,
 *                at the next frame it receives (its HELLO, or its next command).
 *
 * Not here: what commands do (commands.c), the Python API (module.c), socket and frame
 * details (src/core).
 *
 * Locking: `g.lock` guards every field of `g` marked "lock" below and every session's list
 * links, fd lifetime and audit state. Nobody waits for the GIL while holding g.lock (that
 * would deadlock against os.fork(), whose pthread_atfork prepare handler takes g.lock while
 * the forking thread holds the GIL).
 *
 * A session's fd is closed only by its own thread, under g.lock, after it has left the list;
 * server_stop() calls shutdown() on fds still in the list, so it never touches a number that
 * has been closed and reused.
 */
#include "server.h"

#include "mem.h"
#include "pycompat.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "conn.h"
#include "error.h"
#include "eww_version.h"
#include "peer.h"
#include "proc.h"
#include "proto.h"
#include "sampler.h"
#include "snapshot.h"

#define REFUSE_TIMEOUT_MS 200  /* refusals are best effort: never stall the listener */
#define STOP_GRACE_MS     1500 /* how long server_stop() waits for sessions to end */
#define MAX_ARGS          256

enum { STOPPED, RUNNING, STOPPING };
enum { AUDIT_PENDING, AUDIT_OK, AUDIT_DENIED };

typedef struct session {
    struct session *next; /* lock */
    uint64_t id;
    int fd; /* lock (closed by the session thread only) */
    uid_t peer_uid;
    pid_t peer_pid;
    int audit;           /* lock */
    void *cmd_state;     /* the session thread's: commands' per-session state */
    int oneshot;         /* the session thread's: the client said it runs one command */
    char audit_msg[256]; /* lock */
} session;

typedef struct audit_item {
    struct audit_item *next;
    uint64_t session_id;
    pid_t peer_pid;
    uid_t peer_uid;
} audit_item;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* lock: signalled when a session ends or audit work arrives */
    int state;              /* lock */
    pid_t pid;              /* the process that started the console */
    int restart_in_child;   /* set by the atfork child handler */
    server_options opts;    /* written before threads start, read-only after */
    server_facts facts;     /* written before threads start, read-only after */
    char path[EWW_PATH_MAX];
    int listen_fd;
    int wake[2];
    pthread_t listener, auditor;
    int threads_ready; /* lock: how many of listener and auditor are parked */
    session *sessions; /* lock */
    int n_sessions;    /* lock: live session threads, of this console or an older one */
    uint64_t next_id;  /* lock */
    audit_item *audit_head, *audit_tail; /* lock */
} g = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .state = STOPPED,
    .listen_fd = -1,
    .wake = {-1, -1},
};

static int atfork_registered; /* protected by the GIL (set in server_start) */

/* 1 once an audit hook other than eww's own watcher is known to exist: then no session is
 * answered, not even its greeting, before the hook's verdict. An atomic: read by session
 * threads without the GIL, set by the watcher and the auditor's probe with it. */
static atomic_int audit_hooks;
static int audit_watching; /* protected by the GIL */

/* eww's own (C) audit hook: it only notices that another hook is being added (every
 * addition, from Python or C, raises "sys.addaudithook" to the hooks already there). */
static int audit_watch(const char *event, PyObject *args, void *data)
{
    (void)args;
    (void)data;
    if (event[0] == 's' && strcmp(event, "sys.addaudithook") == 0)
        atomic_store(&audit_hooks, 1);
    return 0;
}

/* Py_BuildValue's converter for the probe: called only when sys.audit builds the event's
 * arguments, which it does only when some hook (C or Python) exists. */
static PyObject *probe_arg(void *unused)
{
    (void)unused;
    atomic_store(&audit_hooks, 1);
    Py_RETURN_NONE;
}

/* Learn whether audit hooks exist, and watch for later ones. Before eww's own hook is added,
 * a private event is raised whose argument is made by probe_arg: CPython builds an event's
 * arguments only when there are hooks to give them to (C ones included), so it is called
 * exactly when a hook exists. A hook that refuses the probe counts too. Hooks added later
 * are seen by the watcher. GIL held; once per process. */
static void watch_audit_hooks(void)
{
    if (audit_watching)
        return;
    audit_watching = 1;
    if (PySys_Audit("eww.probe", "O&", probe_arg, NULL) < 0) {
        atomic_store(&audit_hooks, 1);
        PyErr_Clear();
    }
    if (PySys_AddAuditHook(audit_watch, NULL) < 0)
        atomic_store(&audit_hooks, 1); /* a hook refused ours: hooks there are */
    PyErr_Clear();
}

/* Wait for this session's audit verdict when hooks exist (no wait otherwise: then the
 * verdict can only be yes). 1 when it may go on; 0 with the reason in msg. */
static int session_verdict(session *s, int wait, char *msg, size_t msglen)
{
    msg[0] = '\0';
    pthread_mutex_lock(&g.lock);
    while (wait && s->audit == AUDIT_PENDING && g.state == RUNNING)
        pthread_cond_wait(&g.changed, &g.lock);
    if (s->audit == AUDIT_DENIED)
        snprintf(msg, msglen, "%s", s->audit_msg);
    else if (wait && g.state != RUNNING)
        snprintf(msg, msglen, "the console is shutting down");
    pthread_mutex_unlock(&g.lock);
    return msg[0] == '\0';
}

int server_session_verdict(void *session, int wait, char *msg, size_t msglen)
{
    return session_verdict(session, wait, msg, msglen);
}

/* ---- small helpers ----------------------------------------------------------------- */

static void init_cond(void)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&g.changed, &a);
    pthread_condattr_destroy(&a);
}

/* Start a thread with every signal blocked: signals belong to the app's threads. */
static int spawn(pthread_t *t, void *(*fn)(void *), void *arg, int detached)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (detached)
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(t, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

static void name_thread(const char *name)
{
#ifdef __linux__
    pthread_setname_np(pthread_self(), name);
#else
    (void)name;
#endif
}

static void refuse(int fd, const char *msg)
{
    eww_send_frame(fd, EWW_FRAME_ERROR, 0, msg, strlen(msg), REFUSE_TIMEOUT_MS);
    close(fd);
}

/* ---- sessions ---------------------------------------------------------------------- */

/* Take s out of the session list. Called with g.lock held. */
static void session_unlink_locked(session *s)
{
    for (session **pp = &g.sessions; *pp; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            return;
        }
    }
}

static void session_end(session *s)
{
    pthread_mutex_lock(&g.lock);
    session_unlink_locked(s);
    close(s->fd);
    s->fd = -1;
    g.n_sessions--;
    pthread_cond_broadcast(&g.changed);
    pthread_mutex_unlock(&g.lock);
    commands_state_free(s->cmd_state);
    eww_free(s);
}

static const char http_refusal[] =
    "HTTP/1.0 400 Bad Request\r\n"
    "Content-Type: text/plain\r\n"
    "Connection: close\r\n"
    "\r\n"
    "This is an eww console socket. It does not speak HTTP; use the eww client.\n";

/* Read the client's HELLO and answer with ours. 0 when the session may go on. */
static int session_handshake(session *s, eww_conn *c)
{
    eww_frame f;
    char msg[512];
    int rc = eww_conn_recv(c, &f, g.opts.handshake_timeout_ms);
    if (rc == EWW_EHTTP) {
        eww_send_all(s->fd, http_refusal, sizeof http_refusal - 1, REFUSE_TIMEOUT_MS);
        return -1;
    }
    if (rc == EWW_ECLOSED)
        return -1;
    if (rc == EWW_ETIMEOUT) {
        snprintf(msg, sizeof msg, "refused: no greeting within %d ms", g.opts.handshake_timeout_ms);
    } else if (rc < 0) {
        snprintf(msg, sizeof msg,
                 "refused: this is an eww console and that was not the eww "
                 "protocol (%s)",
                 eww_strerror(rc));
    } else if (f.type != EWW_FRAME_HELLO) {
        snprintf(msg, sizeof msg, "refused: expected HELLO, got %s", eww_frame_name(f.type));
    } else if (!session_verdict(s, atomic_load(&audit_hooks), msg, sizeof msg)) {
        /* msg holds the audit hook's refusal: with a hook installed, nothing (not even our
         * greeting) goes out before its verdict */
    } else {
        char v[32];
        if (eww_kv_get(f.payload, f.len, "proto", v, sizeof v) < 0) {
            snprintf(msg, sizeof msg, "refused: HELLO without a protocol version");
        } else if (atoi(v) != EWW_PROTO_VERSION) {
            snprintf(msg, sizeof msg,
                     "protocol version mismatch: the client speaks version %.16s, this console "
                     "(eww %s) speaks version %d; use the eww client of the same release",
                     v, EWW_VERSION, EWW_PROTO_VERSION);
        } else {
            msg[0] = '\0';
            s->oneshot =
                eww_kv_get(f.payload, f.len, "oneshot", v, sizeof v) == 0 && strcmp(v, "1") == 0;
        }
    }
    if (msg[0]) {
        eww_send_frame(s->fd, EWW_FRAME_ERROR, 0, msg, strlen(msg), REFUSE_TIMEOUT_MS);
        return -1;
    }

    eww_buf h;
    char num[32], names[1024];
    eww_buf_init(&h, 8192);
    snprintf(num, sizeof num, "%d", EWW_PROTO_VERSION);
    rc = eww_kv_put(&h, "proto", num);
    snprintf(num, sizeof num, "%ld", (long)g.pid);
    if (rc == 0)
        rc = eww_kv_put(&h, "pid", num);
    if (rc == 0)
        rc = eww_kv_put(&h, "program", g.facts.program);
    if (rc == 0)
        rc = eww_kv_put(&h, "python", g.facts.python);
    if (rc == 0)
        rc = eww_kv_put(&h, "eww", EWW_VERSION);
    commands_names(names, sizeof names);
    if (rc == 0)
        rc = eww_kv_put(&h, "commands", names);
    if (rc == 0)
        rc = eww_send_frame(s->fd, EWW_FRAME_HELLO, 0, h.data, h.len, server_send_timeout_ms());
    eww_buf_free(&h);
    return rc;
}

static void *session_main(void *arg)
{
    session *s = arg;
    eww_conn c;
    reply r;
    char msg[512];
    name_thread("eww-session");
    eww_conn_init(&c, s->fd, EWW_FRAME_MAX);
    r.session = s;
    r.session_id = s->id;
    r.conn = &c;
    r.state = &s->cmd_state;
    r.fd = s->fd;
    r.broken = 0;
    r.cancelled = 0;
    r.quiet_stop = r.noted = 0;
    r.in_process = 0;
    r.oneshot = 0;
    r.after_done = NULL;
    r.reap_pid = 0;
    r.result = NULL;
    r.started = r.next_poll = r.next_report = 0;
    eww_buf_init(&r.out, 16u << 20);

    if (session_handshake(s, &c) < 0)
        goto done;
    r.oneshot = s->oneshot;
    for (;;) {
        eww_frame f;
        int rc = eww_conn_recv(&c, &f, -1);
        if (!session_verdict(s, 0, msg, sizeof msg)) {
            eww_send_frame(s->fd, EWW_FRAME_ERROR, 0, msg, strlen(msg), REFUSE_TIMEOUT_MS);
            break;
        }
        if (rc == EWW_ECLOSED)
            break;
        if (rc < 0) {
            snprintf(msg, sizeof msg, "bad frame from client: %s; closing the session",
                     rc == EWW_ESYS ? strerror(errno) : eww_strerror(rc));
            eww_send_frame(s->fd, EWW_FRAME_ERROR, 0, msg, strlen(msg), REFUSE_TIMEOUT_MS);
            break;
        }
        if (f.type == EWW_FRAME_INTERRUPT || f.type == EWW_FRAME_EOF || f.type == EWW_FRAME_INPUT)
            continue; /* late keystrokes from a REPL that has ended: nothing to do */
        if (f.type != EWW_FRAME_COMMAND) {
            snprintf(msg, sizeof msg, "unexpected %s frame from client; closing the session",
                     eww_frame_name(f.type));
            eww_send_frame(s->fd, EWW_FRAME_ERROR, 0, msg, strlen(msg), REFUSE_TIMEOUT_MS);
            break;
        }
        const char *argv[MAX_ARGS];
        int argc;
        rc = eww_argv_decode(f.payload, f.len, argv, MAX_ARGS, &argc);
        int status;
        if (rc < 0) {
            reply_error(&r, "malformed command: %s", eww_strerror(rc));
            status = EWW_STATUS_FAILED;
        } else if (argc == 0) {
            status = EWW_STATUS_OK;
        } else {
            r.cancelled = 0;
            r.quiet_stop = r.noted = 0;
            r.started = reply_now();
            r.next_poll = r.started;
            r.next_report = r.started + 1.0;
            status = commands_dispatch(&r, argc, argv);
        }
        int sent = reply_flush(&r);
        unsigned char st = (unsigned char)status;
        if (sent == 0)
            sent = eww_send_frame(s->fd, EWW_FRAME_DONE, 0, &st, 1, server_send_timeout_ms());
        if (r.after_done) { /* work left for after the answer (a snapshot to reap) */
            r.after_done(&r);
            r.after_done = NULL;
        }
        if (sent < 0)
            break;
    }
done:
    eww_buf_free(&r.out);
    c.fd = -1; /* the fd is closed by session_end(), under the lock */
    eww_conn_close(&c);
    session_end(s);
    return NULL;
}

/* ---- listener ---------------------------------------------------------------------- */

static void listener_accept(int fd)
{
    uid_t uid = (uid_t)-1;
    pid_t pid = -1;
    char msg[512];
    if (eww_peer_cred(fd, &uid, &pid) < 0) {
        snprintf(msg, sizeof msg, "refused: cannot read the peer's credentials: %s",
                 strerror(errno));
        refuse(fd, msg);
        return;
    }
    if (!eww_peer_allowed(uid)) {
        snprintf(msg, sizeof msg,
                 "refused: your uid %ld is not allowed to connect; only uid %ld (the owner of "
                 "process %ld) and root may",
                 (long)uid, (long)geteuid(), (long)g.pid);
        refuse(fd, msg);
        return;
    }
    session *s = eww_calloc(1, sizeof *s);
    audit_item *a = eww_calloc(1, sizeof *a);
    if (!s || !a) {
        eww_free(s);
        eww_free(a);
        refuse(fd, "refused: the console is out of memory");
        return;
    }
    s->fd = fd;
    s->peer_uid = uid;
    s->peer_pid = pid;
    s->audit = AUDIT_PENDING;

    pthread_mutex_lock(&g.lock);
    if (g.n_sessions >= g.opts.max_sessions || g.state != RUNNING) {
        int n = g.n_sessions;
        pthread_mutex_unlock(&g.lock);
        eww_free(s);
        eww_free(a);
        snprintf(msg, sizeof msg,
                 "refused: too many sessions (%d open, the limit is %d); try again when one "
                 "has closed, or raise embed(max_sessions=...)",
                 n, g.opts.max_sessions);
        refuse(fd, msg);
        return;
    }
    s->id = ++g.next_id;
    s->next = g.sessions;
    g.sessions = s;
    g.n_sessions++;
    a->session_id = s->id;
    a->peer_pid = pid;
    a->peer_uid = uid;
    if (g.audit_tail)
        g.audit_tail->next = a;
    else
        g.audit_head = a;
    g.audit_tail = a;
    pthread_cond_broadcast(&g.changed);
    pthread_mutex_unlock(&g.lock);

    pthread_t t;
    if (spawn(&t, session_main, s, 1) != 0) {
        /* Undo: the session never ran. Its audit item finds no session and is dropped. */
        pthread_mutex_lock(&g.lock);
        session_unlink_locked(s);
        g.n_sessions--;
        pthread_mutex_unlock(&g.lock);
        eww_free(s);
        refuse(fd, "refused: the console cannot start a thread for this session");
    }
}

/* Tell server_start() this thread is past its start-up and about to park. */
static void thread_ready(void)
{
    pthread_mutex_lock(&g.lock);
    g.threads_ready++;
    pthread_cond_broadcast(&g.changed);
    pthread_mutex_unlock(&g.lock);
}

static void *listener_main(void *arg)
{
    (void)arg;
    name_thread("eww-listen");
    thread_ready();
    for (;;) {
        struct pollfd p[2] = {{.fd = g.listen_fd, .events = POLLIN},
                              {.fd = g.wake[0], .events = POLLIN}};
        int n = poll(p, 2, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || p[1].revents)
            break;
        for (;;) {
            int fd = eww_sock_accept(g.listen_fd);
            if (fd < 0) {
                if (errno == EINTR || errno == ECONNABORTED)
                    continue;
                if (errno == EMFILE || errno == ENFILE) {
                    /* Out of descriptors: back off rather than spin on a ready socket. */
                    struct pollfd w = {.fd = g.wake[0], .events = POLLIN};
                    poll(&w, 1, 100);
                }
                break;
            }
            listener_accept(fd);
        }
    }
    return NULL;
}

/* ---- auditor ----------------------------------------------------------------------- */

static void audit_one(const audit_item *a)
{
    char msg[256] = "";
    PyGILState_STATE gs = PyGILState_Ensure();
    int rc = PySys_Audit("eww.session.open", "Kil", (unsigned long long)a->session_id,
                         (int)a->peer_pid, (long)a->peer_uid);
    if (rc < 0) {
        char why[200];
        python_error_text(why, sizeof why);
        snprintf(msg, sizeof msg, "refused by an audit hook: %s", why);
    }
    PyGILState_Release(gs);

    pthread_mutex_lock(&g.lock);
    for (session *s = g.sessions; s; s = s->next) {
        if (s->id != a->session_id)
            continue;
        s->audit = rc < 0 ? AUDIT_DENIED : AUDIT_OK;
        if (rc < 0)
            snprintf(s->audit_msg, sizeof s->audit_msg, "%s", msg);
        break;
    }
    pthread_cond_broadcast(&g.changed);
    pthread_mutex_unlock(&g.lock);
}

static void *auditor_main(void *arg)
{
    (void)arg;
    name_thread("eww-audit");
    thread_ready();
    pthread_mutex_lock(&g.lock);
    for (;;) {
        while (!g.audit_head && g.state == RUNNING)
            pthread_cond_wait(&g.changed, &g.lock);
        if (g.state != RUNNING)
            break;
        audit_item *a = g.audit_head;
        g.audit_head = a->next;
        if (!g.audit_head)
            g.audit_tail = NULL;
        pthread_mutex_unlock(&g.lock);
        audit_one(a);
        eww_free(a);
        pthread_mutex_lock(&g.lock);
    }
    pthread_mutex_unlock(&g.lock);
    return NULL;
}

static void audit_queue_clear(void)
{
    while (g.audit_head) {
        audit_item *a = g.audit_head;
        g.audit_head = a->next;
        eww_free(a);
    }
    g.audit_tail = NULL;
}

/* ---- fork -------------------------------------------------------------------------- */

static void atfork_prepare(void)
{
    pthread_mutex_lock(&g.lock);
}
static void atfork_parent(void)
{
    pthread_mutex_unlock(&g.lock);
}

/* In the child only the forking thread exists. Drop the parent's console without touching
 * its socket file (it is still the parent's) and remember to start one of our own. */
static void atfork_child(void)
{
    init_cond();
    snapshot_after_fork();
    if (g.state != STOPPED) {
        if (g.listen_fd >= 0)
            close(g.listen_fd);
        if (g.wake[0] >= 0)
            close(g.wake[0]);
        if (g.wake[1] >= 0)
            close(g.wake[1]);
        g.listen_fd = g.wake[0] = g.wake[1] = -1;
        g.restart_in_child = g.state == RUNNING;
        g.state = STOPPED;
    }
    while (g.sessions) {
        session *s = g.sessions;
        g.sessions = s->next;
        if (s->fd >= 0)
            close(s->fd);
        eww_free(s);
    }
    g.n_sessions = 0;
    audit_queue_clear();
    pthread_mutex_unlock(&g.lock);
}

/* ---- lifecycle --------------------------------------------------------------------- */

/* Remove sockets in dir whose process is gone (left by a killed app, or a forked child
 * that ended through os._exit, which runs no atexit handler). */
static void prune_stale(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid = eww_sock_pid_of(e->d_name);
        if (pid <= 0 || eww_proc_alive((pid_t)pid))
            continue;
        char p[EWW_PATH_MAX];
        struct stat st;
        if (eww_sock_path(p, sizeof p, dir, pid) == 0 && lstat(p, &st) == 0 && S_ISSOCK(st.st_mode))
            unlink(p);
    }
    closedir(d);
}

static int choose_path(char *err, size_t errlen)
{
    char dir[EWW_PATH_MAX];
    int create = 1;
    if (g.opts.path[0]) {
        const char *slash = strrchr(g.opts.path, '/');
        size_t n = slash ? (size_t)(slash - g.opts.path) : 0;
        if (!slash) {
            snprintf(dir, sizeof dir, ".");
        } else {
            memcpy(dir, g.opts.path, n ? n : 1);
            dir[n ? n : 1] = '\0';
        }
        create = 0;
    } else if (eww_sock_default_dir(dir, sizeof dir) < 0) {
        snprintf(err, errlen, "socket directory path too long");
        return EWW_E2BIG;
    }
    int rc = eww_sock_check_dir(dir, create, err, errlen);
    if (rc == EWW_EUNSAFE && create && eww_sock_fallback_dir(dir, dir, sizeof dir) == 0)
        rc = eww_sock_check_dir(dir, 0, err, errlen); /* someone took /tmp/eww-<uid> first */
    if (rc < 0)
        return rc;
    if (g.opts.path[0] && g.pid == getpid() && !g.restart_in_child) {
        snprintf(g.path, sizeof g.path, "%s", g.opts.path);
        return 0;
    }
    prune_stale(dir);
    if (eww_sock_path(g.path, sizeof g.path, dir, (long)getpid()) < 0) {
        snprintf(err, errlen, "socket path too long in %s", dir);
        return EWW_E2BIG;
    }
    return 0;
}

static void stop_threads(void);

/* Listen and start the threads (the sampler too, when asked for). */
static int start_locked_out(char *err, size_t errlen)
{
    int rc = choose_path(err, errlen);
    if (rc < 0)
        return rc;
    rc = eww_sock_listen(g.path, &g.listen_fd, err, errlen);
    if (rc < 0)
        return rc;
    if (pipe(g.wake) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        goto error;
    }
    fcntl(g.wake[0], F_SETFD, FD_CLOEXEC);
    fcntl(g.wake[1], F_SETFD, FD_CLOEXEC);
    pthread_mutex_lock(&g.lock);
    g.state = RUNNING;
    g.threads_ready = 0;
    pthread_mutex_unlock(&g.lock);
    if (spawn(&g.listener, listener_main, NULL, 0) != 0) {
        snprintf(err, errlen, "cannot start the listener thread");
        goto error;
    }
    if (spawn(&g.auditor, auditor_main, NULL, 0) != 0) {
        snprintf(err, errlen, "cannot start the audit thread");
        /* Stop the listener we just started. */
        pthread_mutex_lock(&g.lock);
        g.state = STOPPING;
        pthread_mutex_unlock(&g.lock);
        if (write(g.wake[1], "x", 1) < 0) { /* the listener also ends on a closed pipe */
        }
        pthread_join(g.listener, NULL);
        goto error;
    }
    /* Return only when both threads are parked: the console answers as soon as embed()
     * returns, and a fork() right after embed() never catches one of them mid-start-up
     * (holding a lock of the thread library or of the allocator). */
    pthread_mutex_lock(&g.lock);
    while (g.threads_ready < 2)
        pthread_cond_wait(&g.changed, &g.lock);
    pthread_mutex_unlock(&g.lock);
    if (sampler_start(g.opts.sample_memory, err, errlen) < 0) {
        stop_threads();
        goto error;
    }
    return 0;
error:
    g.state = STOPPED;
    unlink(g.path);
    close(g.listen_fd);
    g.listen_fd = -1;
    if (g.wake[0] >= 0) {
        close(g.wake[0]);
        close(g.wake[1]);
    }
    g.wake[0] = g.wake[1] = -1;
    g.path[0] = '\0';
    return EWW_ESYS;
}

int server_start(const server_options *opts, const server_facts *facts, char *err, size_t errlen)
{
    if (!atfork_registered) {
        if (pthread_atfork(atfork_prepare, atfork_parent, atfork_child) != 0) {
            snprintf(err, errlen, "pthread_atfork failed");
            return EWW_ESYS;
        }
        init_cond();
        atfork_registered = 1;
    }
    if (g.state == RUNNING && g.pid == getpid())
        return 0;
    if (g.state != STOPPED) {
        snprintf(err, errlen, "the console is still stopping");
        return EWW_EINVAL;
    }
    watch_audit_hooks();
    g.opts = *opts;
    g.facts = *facts;
    g.pid = getpid();
    g.restart_in_child = 0;
    return start_locked_out(err, errlen);
}

int server_after_fork_child(char *err, size_t errlen)
{
    if (!g.restart_in_child)
        return 0;
    g.pid = getpid();
    int rc = start_locked_out(err, errlen);
    g.restart_in_child = 0;
    return rc < 0 ? -1 : 1;
}

/* Stop the listener, auditor, sampler and sessions, waiting for them with the GIL released
 * (the auditor and sessions running Python code may need it to finish). */
static void stop_threads(void)
{
    pthread_mutex_lock(&g.lock);
    g.state = STOPPING;
    for (session *s = g.sessions; s; s = s->next)
        shutdown(s->fd, SHUT_RDWR);
    pthread_cond_broadcast(&g.changed);
    pthread_mutex_unlock(&g.lock);
    if (write(g.wake[1], "x", 1) < 0) { /* cannot fail on a fresh pipe; nothing to do */
    }
    Py_BEGIN_ALLOW_THREADS
        pthread_join(g.listener, NULL);
        pthread_join(g.auditor, NULL);
        sampler_stop();
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += STOP_GRACE_MS / 1000;
        deadline.tv_nsec += (long)(STOP_GRACE_MS % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&g.lock);
        while (g.sessions && pthread_cond_timedwait(&g.changed, &g.lock, &deadline) == 0) {
        }
        pthread_mutex_unlock(&g.lock);
    Py_END_ALLOW_THREADS
}

void server_stop(void)
{
    pthread_mutex_lock(&g.lock);
    int mine = g.state == RUNNING && g.pid == getpid();
    pthread_mutex_unlock(&g.lock);
    if (!mine)
        return;
    stop_threads();
    unlink(g.path);
    close(g.listen_fd);
    close(g.wake[0]);
    close(g.wake[1]);
    pthread_mutex_lock(&g.lock);
    g.listen_fd = g.wake[0] = g.wake[1] = -1;
    audit_queue_clear();
    g.path[0] = '\0';
    g.state = STOPPED;
    pthread_mutex_unlock(&g.lock);
}

int server_running(void)
{
    pthread_mutex_lock(&g.lock);
    int r = g.state == RUNNING && g.pid == getpid();
    pthread_mutex_unlock(&g.lock);
    return r;
}

void server_socket_path(char *out, size_t outlen)
{
    pthread_mutex_lock(&g.lock);
    snprintf(out, outlen, "%s", g.state == RUNNING ? g.path : "");
    pthread_mutex_unlock(&g.lock);
}

const server_facts *server_get_facts(void)
{
    return &g.facts;
}
const server_options *server_get_options(void)
{
    return &g.opts;
}

int server_send_timeout_ms(void)
{
    return g.opts.send_timeout_ms;
}

int server_session_count(void)
{
    pthread_mutex_lock(&g.lock);
    int n = g.n_sessions;
    pthread_mutex_unlock(&g.lock);
    return n;
}
