/* repl.c - the `repl` and `exec` commands: Python code running inside the app for a client.
 *
 * The REPL loop itself is Python (src/eww/_repl.py: code.InteractiveConsole, per-thread
 * stream routers). This file gives it a ReplIO object bound to the session:
 *
 *   io.write(text)     buffered; sent as OUTPUT frames when 64 KiB are pending, at a newline
 *                      when none was sent in the last 10 ms, and by flush(). What a rate-limited
 *                      newline left behind is sent by the reader thread 10 ms later, so a
 *                      statement that prints and then computes shows its output at once. The
 *                      GIL is released while sending; send_lock orders the two senders.
 *                      A client that does not take the data within the send time-out loses
 *                      its session: SessionLost is raised in the REPL's code.
 *   io.flush()
 *   io.readline(p)     sends PROMPT p and waits (GIL released) for the user's line; raises
 *                      EOFError at Ctrl-D or when the client left, KeyboardInterrupt at Ctrl-C.
 *   io.complete_with   set by Python: f(text) -> [completions], for COMPLETE requests.
 *
 * While the REPL runs, a reader thread (eww-repl-read) owns the socket: INPUT and EOF frames
 * are queued for readline; INTERRUPT raises KeyboardInterrupt in the REPL's thread when code
 * is running (PyThreadState_SetAsyncExc: it interrupts Python code, not a blocking C call),
 * or interrupts the prompt; a client that disconnects interrupts the running statement.
 *
 * Locking: io->lock guards the event queue, `closed` and `waiting`. send_lock is held for
 * every frame the io sends (taken with the GIL released; the GIL may be taken while it is
 * held, never the other way round). The GIL guards the rest.
 */
#include "repl.h"

#include "mem.h"
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <structmember.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "error.h"
#include "proto.h"

#define FLUSH_AT       (64 * 1024)
#define FLUSH_QUIET_MS 10

enum { EV_LINE, EV_EOF, EV_INTERRUPT, EV_COMPLETE };

typedef struct event {
    struct event *next;
    int kind;
    char *text; /* EV_LINE, EV_COMPLETE */
    size_t len;
} event;

typedef struct {
    PyObject_HEAD PyObject *namespace; /* set by _repl.py; readable attribute */
    PyObject *complete_with;           /* set by _repl.py */
    reply *r;
    eww_conn *conn;
    unsigned long tid; /* the REPL thread */
    int wake[2];
    pthread_t reader;
    int reader_started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_mutex_t send_lock;
    event *head, *tail; /* lock */
    int closed;         /* lock: the client left */
    int waiting;        /* lock: the REPL thread waits in readline (no code running) */
    eww_buf out;
    long long last_flush_ms;
    int flush_armed; /* the reader was asked to flush what is buffered */
    int lost;
} ReplIO;

static PyTypeObject *ReplIO_Type; /* created once per process at module exec */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- events ------------------------------------------------------------------------ */

static void push(ReplIO *io, int kind, const void *text, size_t len)
{
    event *e = eww_calloc(1, sizeof *e);
    if (!e)
        return;
    e->kind = kind;
    if (text) {
        e->text = eww_malloc(len + 1);
        if (!e->text) {
            eww_free(e);
            return;
        }
        memcpy(e->text, text, len);
        e->text[len] = '\0';
        e->len = len;
    }
    pthread_mutex_lock(&io->lock);
    if (io->tail)
        io->tail->next = e;
    else
        io->head = e;
    io->tail = e;
    pthread_cond_broadcast(&io->cond);
    pthread_mutex_unlock(&io->lock);
}

static void free_event(event *e)
{
    if (e) {
        eww_free(e->text);
        eww_free(e);
    }
}

/* Ctrl-C: raise KeyboardInterrupt in the REPL's code if code is running, else wake the
 * prompt. Whether code runs is decided with the GIL held, so it cannot change meanwhile. */
static void interrupt(ReplIO *io)
{
    PyGILState_STATE gs = PyGILState_Ensure();
    pthread_mutex_lock(&io->lock);
    int waiting = io->waiting;
    pthread_mutex_unlock(&io->lock);
    /* Both while the GIL is held: the REPL cannot start running the line it may have just
     * taken (and miss a queued interrupt) until we are done. */
    if (waiting)
        push(io, EV_INTERRUPT, NULL, 0);
    else
        PyThreadState_SetAsyncExc(io->tid, PyExc_KeyboardInterrupt);
    PyGILState_Release(gs);
}

static int io_flush_impl(ReplIO *io);

/* The reader's flush of output a rate-limited newline left behind. */
static void deferred_flush(ReplIO *io)
{
    PyGILState_STATE gs = PyGILState_Ensure();
    io->flush_armed = 0;
    if (io_flush_impl(io) < 0)
        PyErr_Clear(); /* the REPL's thread learns it at its next write */
    PyGILState_Release(gs);
}

static void *reader_main(void *arg)
{
    ReplIO *io = arg;
#ifdef __linux__
    pthread_setname_np(pthread_self(), "eww-repl-read");
#endif
    long long flush_at = -1; /* when a deferred flush is due; -1: none asked for */
    for (;;) {
        struct pollfd p[2] = {{.fd = io->conn->fd, .events = POLLIN},
                              {.fd = io->wake[0], .events = POLLIN}};
        if (eww_conn_pending(io->conn) == 0) {
            long long left = flush_at < 0 ? -1 : flush_at - now_ms();
            int n = poll(p, 2, flush_at < 0 ? -1 : left > 0 ? (int)left : 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                break;
            if (n == 0) {
                flush_at = -1;
                deferred_flush(io);
                continue;
            }
            if (p[1].revents) {
                char why[64];
                ssize_t k = read(io->wake[0], why, sizeof why);
                if (k <= 0 || memchr(why, 'x', (size_t)k))
                    break;
                if (flush_at < 0) /* 'f': output is waiting */
                    flush_at = now_ms() + FLUSH_QUIET_MS;
            }
            if (!p[0].revents)
                continue;
        }
        eww_frame f;
        int rc = eww_conn_recv(io->conn, &f, 0);
        if (rc == EWW_ETIMEOUT)
            continue; /* part of a frame: wait for the rest */
        if (rc < 0) {
            /* The client left (or spoke nonsense): end the prompt or the statement. */
            pthread_mutex_lock(&io->lock);
            io->closed = 1;
            pthread_cond_broadcast(&io->cond);
            pthread_mutex_unlock(&io->lock);
            interrupt(io);
            break;
        }
        if (f.type == EWW_FRAME_INPUT)
            push(io, EV_LINE, f.payload, f.len);
        else if (f.type == EWW_FRAME_EOF)
            push(io, EV_EOF, NULL, 0);
        else if (f.type == EWW_FRAME_INTERRUPT)
            interrupt(io);
        else if (f.type == EWW_FRAME_COMPLETE)
            push(io, EV_COMPLETE, f.payload, f.len);
        /* Anything else has no meaning while the REPL runs; it is dropped. */
    }
    return NULL;
}

/* ---- output ------------------------------------------------------------------------ */

static PyObject *session_lost(void)
{
    PyObject *mod = PyImport_ImportModule("eww._repl");
    PyObject *exc = mod ? PyObject_GetAttrString(mod, "SessionLost") : NULL;
    Py_XDECREF(mod);
    if (exc) {
        PyErr_SetString(exc, "the eww client left or stopped reading");
        Py_DECREF(exc);
    }
    return NULL;
}

/* Take send_lock without holding the GIL while waiting for it. GIL held. */
static void send_begin(ReplIO *io)
{
    if (pthread_mutex_trylock(&io->send_lock) != 0) {
        Py_BEGIN_ALLOW_THREADS
            pthread_mutex_lock(&io->send_lock);
        Py_END_ALLOW_THREADS
    }
}

/* Send what is buffered. GIL held; released while sending. */
static int io_flush_impl(ReplIO *io)
{
    if (io->lost)
        return -1;
    if (io->out.len == 0)
        return 0;
    send_begin(io);
    /* Another sender may have sent it while we waited; what is left is ours now, and the
     * REPL's thread may buffer more meanwhile. */
    eww_buf mine = io->out;
    eww_buf_init(&io->out, mine.max);
    int rc = 0;
    if (mine.len > 0 && !io->lost) {
        Py_BEGIN_ALLOW_THREADS
            rc = reply_write(io->r, mine.data, mine.len);
            if (rc == 0)
                rc = reply_flush(io->r);
        Py_END_ALLOW_THREADS
    }
    pthread_mutex_unlock(&io->send_lock);
    eww_buf_free(&mine);
    io->last_flush_ms = now_ms();
    if (rc < 0 && !io->lost) {
        io->lost = 1;
        /* The client is not there to read it: say it where the app's errors go. */
        dprintf(2, "eww: a REPL session ended: its client left or stopped reading\n");
    }
    return io->lost ? -1 : 0;
}

static PyObject *io_write(ReplIO *io, PyObject *arg)
{
    Py_ssize_t n;
    const char *s;
    if (!PyUnicode_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "write() argument must be str, not %.100s",
                     Py_TYPE(arg)->tp_name);
        return NULL;
    }
    if (io->lost)
        return session_lost();
    s = PyUnicode_AsUTF8AndSize(arg, &n);
    if (!s) {
        /* Lone surrogates: show them escaped rather than fail the statement. */
        PyErr_Clear();
        PyObject *b = PyUnicode_AsEncodedString(arg, "utf-8", "backslashreplace");
        if (!b)
            return NULL;
        int rc = eww_buf_append(&io->out, PyBytes_AS_STRING(b), (size_t)PyBytes_GET_SIZE(b));
        Py_DECREF(b);
        if (rc < 0)
            return PyErr_NoMemory();
    } else if (eww_buf_append(&io->out, s, (size_t)n) < 0) {
        return PyErr_NoMemory();
    }
    int newline = s ? memchr(s, '\n', (size_t)n) != NULL : 1;
    int due =
        io->out.len >= FLUSH_AT || (newline && now_ms() - io->last_flush_ms >= FLUSH_QUIET_MS);
    if (due) {
        if (io_flush_impl(io) < 0)
            return session_lost();
    } else if (newline && !io->flush_armed) {
        /* Sent soon by the reader thread, whatever this statement does next. */
        io->flush_armed = 1;
        if (write(io->wake[1], "f", 1) < 0) { /* full: the reader is already woken */
        }
    }
    return PyLong_FromSsize_t(PyUnicode_GET_LENGTH(arg));
}

static PyObject *io_flush(ReplIO *io, PyObject *unused)
{
    (void)unused;
    if (io_flush_impl(io) < 0)
        return session_lost();
    Py_RETURN_NONE;
}

/* ---- input ------------------------------------------------------------------------- */

/* Answer a COMPLETE request with a DATA payload "completions=N\n\n" + one per line. */
static int answer_completion(ReplIO *io, const char *text)
{
    eww_buf b;
    eww_buf_init(&b, 1 << 20);
    PyObject *words = io->complete_with && io->complete_with != Py_None
                          ? PyObject_CallFunction(io->complete_with, "s", text)
                          : PyList_New(0);
    if (!words) {
        PyErr_Clear();
        words = PyList_New(0);
        if (!words)
            return -1;
    }
    PyObject *seq = PySequence_Fast(words, "completions");
    Py_DECREF(words);
    if (!seq) {
        PyErr_Clear();
        return -1;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    int rc = eww_buf_printf(&b, "completions=%zd\n\n", n);
    for (Py_ssize_t i = 0; rc == 0 && i < n; i++) {
        const char *w = PyUnicode_Check(PySequence_Fast_GET_ITEM(seq, i))
                            ? PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(seq, i))
                            : NULL;
        if (!w) {
            PyErr_Clear();
            w = "";
        }
        rc = eww_buf_printf(&b, "%s\n", w);
    }
    Py_DECREF(seq);
    if (rc == 0) {
        send_begin(io);
        Py_BEGIN_ALLOW_THREADS
            rc = reply_data(io->r, b.data, b.len);
            pthread_mutex_unlock(&io->send_lock);
        Py_END_ALLOW_THREADS
    }
    eww_buf_free(&b);
    return rc;
}

static PyObject *io_readline(ReplIO *io, PyObject *arg)
{
    const char *prompt = PyUnicode_Check(arg) ? PyUnicode_AsUTF8(arg) : NULL;
    if (!prompt) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "readline() prompt must be a str");
        return NULL;
    }
    /* From here on a Ctrl-C interrupts the prompt, not code: say so before the PROMPT goes
     * out (with the GIL held), or one sent as soon as the prompt shows would be raised as an
     * asynchronous exception into this C call, which waits for input and runs no bytecode
     * to raise it: the session would hang. */
    pthread_mutex_lock(&io->lock);
    io->waiting = 1;
    pthread_mutex_unlock(&io->lock);
    int rc = io_flush_impl(io);
    if (rc == 0) {
        send_begin(io);
        Py_BEGIN_ALLOW_THREADS
            rc = eww_send_frame(io->r->fd, EWW_FRAME_PROMPT, 0, prompt, strlen(prompt),
                                server_send_timeout_ms());
            pthread_mutex_unlock(&io->send_lock);
        Py_END_ALLOW_THREADS
    }
    if (rc < 0) {
        io->lost = 1;
        pthread_mutex_lock(&io->lock);
        io->waiting = 0;
        pthread_mutex_unlock(&io->lock);
        return session_lost();
    }
    for (;;) {
        event *e = NULL;
        int closed;
        Py_BEGIN_ALLOW_THREADS
            pthread_mutex_lock(&io->lock);
            io->waiting = 1;
            while (!io->head && !io->closed)
                pthread_cond_wait(&io->cond, &io->lock);
            e = io->head;
            if (e) {
                io->head = e->next;
                if (!io->head)
                    io->tail = NULL;
            }
            closed = io->closed;
            pthread_mutex_unlock(&io->lock);
        Py_END_ALLOW_THREADS
        /* Code runs again from here on (waiting = 0 is set with the GIL held). */
        pthread_mutex_lock(&io->lock);
        io->waiting = 0;
        pthread_mutex_unlock(&io->lock);
        if (!e) {
            if (closed) {
                io->lost = 1;
                PyErr_SetNone(PyExc_EOFError);
                return NULL;
            }
            continue;
        }
        int kind = e->kind;
        if (kind == EV_COMPLETE) {
            answer_completion(io, e->text);
            free_event(e);
            continue;
        }
        PyObject *res = NULL;
        if (kind == EV_LINE) {
            res = PyUnicode_DecodeUTF8(e->text, (Py_ssize_t)e->len, "replace");
            /* A Ctrl-C that arrived after this line but before it could run belongs to the
             * statement: it is raised as soon as the statement starts. */
            pthread_mutex_lock(&io->lock);
            int interrupted = 0;
            while (io->head && io->head->kind == EV_INTERRUPT) {
                event *x = io->head;
                io->head = x->next;
                if (!io->head)
                    io->tail = NULL;
                free_event(x);
                interrupted = 1;
            }
            pthread_mutex_unlock(&io->lock);
            if (interrupted)
                PyThreadState_SetAsyncExc(io->tid, PyExc_KeyboardInterrupt);
        } else if (kind == EV_EOF)
            PyErr_SetNone(PyExc_EOFError);
        else
            PyErr_SetNone(PyExc_KeyboardInterrupt);
        free_event(e);
        return res;
    }
}

/* ---- the object -------------------------------------------------------------------- */

static void io_dealloc(ReplIO *io)
{
    PyTypeObject *tp = Py_TYPE(io);
    while (io->head) {
        event *e = io->head;
        io->head = e->next;
        free_event(e);
    }
    eww_buf_free(&io->out);
    pthread_mutex_destroy(&io->lock);
    pthread_mutex_destroy(&io->send_lock);
    pthread_cond_destroy(&io->cond);
    Py_CLEAR(io->namespace);
    Py_CLEAR(io->complete_with);
    tp->tp_free((PyObject *)io);
    Py_DECREF(tp);
}

static PyMethodDef io_methods[] = {
    {"write", (PyCFunction)io_write, METH_O, "Send text to the client (buffered)."},
    {"flush", (PyCFunction)io_flush, METH_NOARGS, "Send what is buffered."},
    {"readline", (PyCFunction)io_readline, METH_O,
     "readline(prompt) -> str; EOFError at Ctrl-D, KeyboardInterrupt at Ctrl-C."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef io_members[] = {
    {"namespace", T_OBJECT, offsetof(ReplIO, namespace), 0, "the REPL's namespace"},
    {"complete_with", T_OBJECT, offsetof(ReplIO, complete_with), 0, "f(text) -> completions"},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot io_slots[] = {
    {Py_tp_dealloc, (void *)(uintptr_t)io_dealloc},
    {Py_tp_methods, io_methods},
    {Py_tp_members, io_members},
    {Py_tp_doc, (void *)"A REPL session's connection to its client (made by the console)."},
    {0, NULL},
};

static PyType_Spec io_spec = {
    .name = "eww._eww.ReplIO",
    .basicsize = sizeof(ReplIO),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = io_slots,
};

int repl_init(PyObject *module)
{
    if (!ReplIO_Type) {
        ReplIO_Type = (PyTypeObject *)PyType_FromSpec(&io_spec);
        if (!ReplIO_Type)
            return -1;
    }
    Py_INCREF(ReplIO_Type);
    if (PyModule_AddObject(module, "ReplIO", (PyObject *)ReplIO_Type) < 0) {
        Py_DECREF(ReplIO_Type);
        return -1;
    }
    return 0;
}

/* Make the io and start its reader. GIL held. */
static ReplIO *io_open(reply *r)
{
    ReplIO *io = PyObject_New(ReplIO, ReplIO_Type);
    if (!io)
        return NULL;
    io->namespace = NULL;
    io->complete_with = NULL;
    io->r = r;
    io->conn = r->conn;
    io->tid = PyThread_get_thread_ident();
    io->head = io->tail = NULL;
    io->closed = io->waiting = io->lost = 0;
    io->reader_started = 0;
    io->last_flush_ms = 0;
    io->flush_armed = 0;
    eww_buf_init(&io->out, 64u << 20);
    pthread_mutex_init(&io->lock, NULL);
    pthread_mutex_init(&io->send_lock, NULL);
    pthread_cond_init(&io->cond, NULL);
    if (pipe(io->wake) < 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        Py_DECREF(io);
        return NULL;
    }
    fcntl(io->wake[0], F_SETFD, FD_CLOEXEC);
    fcntl(io->wake[1], F_SETFD, FD_CLOEXEC);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&io->reader, NULL, reader_main, io);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        close(io->wake[0]);
        close(io->wake[1]);
        PyErr_SetString(PyExc_RuntimeError, "cannot start the REPL's reader thread");
        Py_DECREF(io);
        return NULL;
    }
    io->reader_started = 1;
    return io;
}

/* Stop the reader (the session reads its socket again) and send what is left. */
static void io_close(ReplIO *io)
{
    io_flush_impl(io);
    PyErr_Clear();
    if (io->reader_started) {
        if (write(io->wake[1], "x", 1) < 0) { /* a fresh pipe cannot be full */
        }
        Py_BEGIN_ALLOW_THREADS
            pthread_join(io->reader, NULL);
        Py_END_ALLOW_THREADS
        io->reader_started = 0;
    }
    close(io->wake[0]);
    close(io->wake[1]);
}

typedef struct repl_args {
    const char *source; /* exec: the code; repl: NULL */
    int quiet;
} repl_args;

static int repl_python(reply *r, void *arg)
{
    repl_args *a = arg;
    int status = EWW_STATUS_FAILED;
    ReplIO *io = NULL;
    PyObject *mod = PyImport_ImportModule("eww._repl");
    if (mod)
        io = io_open(r);
    if (io) {
        PyObject *res = a->source
                            ? PyObject_CallMethod(mod, "run_exec", "OKs", io,
                                                  (unsigned long long)r->session_id, a->source)
                            : PyObject_CallMethod(mod, "run", "OKi", io,
                                                  (unsigned long long)r->session_id, !a->quiet);
        if (res) {
            status = PyLong_AsLong(res) == 0 ? EWW_STATUS_OK : EWW_STATUS_FAILED;
            Py_DECREF(res);
        }
        io_close(io);
    }
    if (PyErr_Occurred()) {
        /* The REPL machinery itself failed: tell the user what, keep the app untouched. */
        char why[512];
        python_error_text(why, sizeof why);
        reply_error(r, "%s: %s", a->source ? "exec" : "repl", why);
    }
    Py_XDECREF(io);
    Py_XDECREF(mod);
    return status;
}

int cmd_repl(reply *r, int argc, const char **argv)
{
    repl_args a = {NULL, 0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
            a.quiet = 1;
        else
            return commands_bad_argument(r, "repl", argv[i]);
    }
    return reply_with_python(r, repl_python, &a);
}

/* exec CODE: the rest of the line is the code, as the user typed it (the console's client
 * sends it as one argument; from a shell, `eww PID exec print(1)` arrives as several, joined
 * by spaces as the shell split them). */
int cmd_exec(reply *r, int argc, const char **argv)
{
    if (argc < 2)
        return commands_usage_error(r, "exec", "missing", "CODE");
    size_t n = 1;
    for (int i = 1; i < argc; i++)
        n += strlen(argv[i]) + 1;
    char *code = eww_malloc(n);
    if (!code) {
        reply_error(r, "exec: out of memory");
        return 1;
    }
    size_t used = 0;
    code[0] = '\0';
    for (int i = 1; i < argc; i++) {
        size_t k = strlen(argv[i]);
        if (i > 1)
            code[used++] = ' ';
        memcpy(code + used, argv[i], k + 1);
        used += k;
    }
    repl_args a = {code, 1};
    int status = reply_with_python(r, repl_python, &a);
    eww_free(code);
    return status;
}
