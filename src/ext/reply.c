/* reply.c - how a command answers its client (reply.h): buffered output, errors, progress,
 * data, Ctrl-C, and running with the GIL.
 */
#include "reply.h"

#include "pycompat.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "error.h"
#include "mem.h"
#include "proto.h"

#define REPLY_CHUNK 65536 /* output is sent in frames of at most this size */

int reply_flush(reply *r)
{
    if (r->broken)
        return -1;
    size_t off = 0;
    while (off < r->out.len) {
        size_t n = r->out.len - off;
        if (n > REPLY_CHUNK)
            n = REPLY_CHUNK;
        if (eww_send_frame(r->fd, EWW_FRAME_OUTPUT, 0, r->out.data + off, n,
                           server_send_timeout_ms()) < 0) {
            r->broken = 1;
            eww_buf_reset(&r->out);
            return -1;
        }
        off += n;
    }
    eww_buf_reset(&r->out);
    return 0;
}

int reply_write(reply *r, const void *p, size_t n)
{
    if (r->broken)
        return -1;
    if (eww_buf_append(&r->out, p, n) < 0) {
        r->broken = 1;
        return -1;
    }
    return r->out.len >= REPLY_CHUNK ? reply_flush(r) : 0;
}

int reply_printf(reply *r, const char *fmt, ...)
{
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n < sizeof small)
        return reply_write(r, small, (size_t)n);
    char *big = eww_malloc((size_t)n + 1);
    if (!big) {
        r->broken = 1;
        return -1;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = reply_write(r, big, (size_t)n);
    eww_free(big);
    return rc;
}

int reply_error(reply *r, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (reply_flush(r) < 0)
        return -1;
    if (eww_send_frame(r->fd, EWW_FRAME_ERROR, 0, msg, strlen(msg), server_send_timeout_ms()) < 0) {
        r->broken = 1;
        return -1;
    }
    return 0;
}

int reply_buffer(reply *r, eww_buf *b, int rc, const char *command)
{
    if (rc == 0 && b->data)
        reply_write(r, b->data, b->len);
    eww_buf_free(b);
    if (rc == 0)
        return EWW_STATUS_OK;
    reply_error(r, "%s: out of memory", command);
    return EWW_STATUS_FAILED;
}

int reply_progress(reply *r, const char *text)
{
    if (r->broken || reply_flush(r) < 0)
        return -1;
    if (eww_send_frame(r->fd, EWW_FRAME_PROGRESS, 0, text, strlen(text), server_send_timeout_ms()) <
        0) {
        r->broken = 1;
        return -1;
    }
    return 0;
}

int reply_data(reply *r, const char *data, size_t n)
{
    if (reply_flush(r) < 0)
        return -1;
    do {
        size_t k = n > EWW_FRAME_MAX ? EWW_FRAME_MAX : n;
        int flags = n > k ? EWW_FLAG_MORE : 0;
        if (eww_send_frame(r->fd, EWW_FRAME_DATA, flags, data, k, server_send_timeout_ms()) < 0) {
            r->broken = 1;
            return -1;
        }
        data += k;
        n -= k;
    } while (n > 0);
    return 0;
}

int reply_file(reply *r, const char *name, const char *data, size_t n)
{
    if (reply_flush(r) < 0)
        return -1;
    size_t head = strlen(name) + 1;
    eww_buf b;
    eww_buf_init(&b, EWW_FRAME_MAX);
    int first = 1;
    do {
        eww_buf_reset(&b);
        size_t room = EWW_FRAME_MAX - (first ? head : 0);
        size_t k = n > room ? room : n;
        if ((first && eww_buf_append(&b, name, head) < 0) || eww_buf_append(&b, data, k) < 0) {
            eww_buf_free(&b);
            return -1;
        }
        int flags = n > k ? EWW_FLAG_MORE : 0;
        if (eww_send_frame(r->fd, EWW_FRAME_FILE, flags, b.data, b.len, server_send_timeout_ms()) <
            0) {
            eww_buf_free(&b);
            r->broken = 1;
            return -1;
        }
        data += k;
        n -= k;
        first = 0;
    } while (n > 0);
    eww_buf_free(&b);
    return 0;
}

double reply_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int reply_tick(reply *r, int *progress, double *seconds)
{
    double now = reply_now();
    if (progress) {
        *progress = now >= r->next_report;
        if (*progress)
            r->next_report = now + 1.0;
        if (seconds)
            *seconds = now - r->started;
    }
    if (r->cancelled || r->broken)
        return r->cancelled = 1;
    if (now < r->next_poll || !r->conn)
        return 0;
    r->next_poll = now + 0.02;
    for (;;) {
        eww_frame f;
        int rc = eww_conn_recv(r->conn, &f, 0);
        if (rc == EWW_ETIMEOUT)
            return 0;
        if (rc < 0) { /* gone (or talking nonsense): stop, and end the session after */
            r->broken = 1;
            return r->cancelled = 1;
        }
        if (f.type == EWW_FRAME_INTERRUPT)
            return r->cancelled = 1;
        /* anything else now (late keystrokes of a REPL) means nothing: dropped */
    }
}

int reply_stopped(reply *r, const char *command)
{
    if (r->quiet_stop)
        return EWW_STATUS_FAILED;
    reply_error(r, "%s: stopped by the client (Ctrl-C)", command);
    return EWW_STATUS_FAILED;
}

int reply_with_python(reply *r, int (*fn)(reply *r, void *arg), void *arg)
{
    char msg[256];
    if (!server_session_verdict(r->session, 1, msg, sizeof msg)) {
        reply_error(r, "%s", msg);
        return EWW_STATUS_FAILED;
    }
    if (reply_flush(r) < 0)
        return EWW_STATUS_FAILED;
    PyGILState_STATE gs = PyGILState_Ensure();
    int status = fn(r, arg);
    PyGILState_Release(gs);
    return status;
}

void python_error_text(char *out, size_t outlen)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *text = value ? PyObject_Str(value) : NULL;
    const char *t = text ? PyUnicode_AsUTF8(text) : NULL;
    snprintf(out, outlen, "%s", t ? t : "(no message)");
    PyErr_Clear();
    Py_XDECREF(text);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
}
