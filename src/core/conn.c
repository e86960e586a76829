/* conn.c - framed socket I/O with time limits; see conn.h.
 *
 * Does not own any thread or policy: callers decide time limits and what a bad frame means.
 */
#include "conn.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "error.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* macOS: SO_NOSIGPIPE is set on the socket instead */
#endif

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* poll() one fd, restarting on EINTR with the remaining time unless *intr is set.
 *
 * *intr is set by a SIGINT handler (the client's Ctrl-C). A SIGINT that lands just before
 * the poll would leave it waiting with the flag set: so SIGINT is blocked while the flag is
 * checked, and unblocked only inside ppoll, atomically. */
static int wait_fd(int fd, short events, int64_t deadline, volatile sig_atomic_t *intr)
{
#ifdef __linux__
    sigset_t sigint, open_mask;
    if (intr) {
        sigemptyset(&sigint);
        sigaddset(&sigint, SIGINT);
        pthread_sigmask(SIG_BLOCK, &sigint, &open_mask);
    }
#endif
    int rc;
    for (;;) {
        if (intr && *intr) {
            rc = EWW_EINTR;
            break;
        }
        int64_t left = -1;
        if (deadline >= 0) {
            left = deadline - now_ms();
            if (left < 0)
                left = 0;
        }
        struct pollfd p = {.fd = fd, .events = events, .revents = 0};
        int n;
#ifdef __linux__
        if (intr) {
            struct timespec ts = {(time_t)(left / 1000), (long)(left % 1000) * 1000000L};
            n = ppoll(&p, 1, left < 0 ? NULL : &ts, &open_mask);
        } else
#endif
            n = poll(&p, 1, left < 0 ? -1 : (int)(left > INT32_MAX ? INT32_MAX : left));
        if (n > 0) {
            rc = 0;
            break;
        }
        if (n == 0) {
            rc = EWW_ETIMEOUT;
            break;
        }
        if (errno != EINTR) {
            rc = EWW_ESYS;
            break;
        }
    }
#ifdef __linux__
    if (intr) {
        int saved = errno;
        pthread_sigmask(SIG_SETMASK, &open_mask, NULL);
        errno = saved;
    }
#endif
    return rc;
}

void eww_conn_init(eww_conn *c, int fd, size_t max_payload)
{
    c->fd = fd;
    c->handed = 0;
    c->max_payload = max_payload > EWW_FRAME_MAX ? EWW_FRAME_MAX : max_payload;
    c->interrupted = NULL;
    eww_buf_init(&c->in, EWW_FRAME_HEADER + c->max_payload + 65536);
}

void eww_conn_close(eww_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    eww_buf_free(&c->in);
}

size_t eww_conn_pending(const eww_conn *c)
{
    return c->in.len - c->handed;
}

int eww_conn_recv(eww_conn *c, eww_frame *f, int timeout_ms)
{
    int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    eww_buf_consume(&c->in, c->handed);
    c->handed = 0;
    for (;;) {
        if (c->in.len > 0) {
            int rc =
                eww_frame_decode((const unsigned char *)c->in.data, c->in.len, c->max_payload, f);
            if (rc == 0) {
                c->handed = f->size;
                return 0;
            }
            if (rc != EWW_EAGAIN)
                return rc;
        }
        int rc = wait_fd(c->fd, POLLIN, deadline, c->interrupted);
        if (rc < 0)
            return rc;
        char chunk[16384];
        ssize_t n = recv(c->fd, chunk, sizeof chunk, 0);
        if (n < 0) {
            if (errno == EINTR && c->interrupted && *c->interrupted)
                return EWW_EINTR;
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            if (errno == ECONNRESET || errno == EPIPE)
                return c->in.len ? EWW_EPROTO : EWW_ECLOSED;
            return EWW_ESYS;
        }
        if (n == 0)
            return c->in.len ? EWW_EPROTO : EWW_ECLOSED;
        rc = eww_buf_append(&c->in, chunk, (size_t)n);
        if (rc < 0)
            return rc;
    }
}

int eww_send_all(int fd, const void *p, size_t n, int timeout_ms)
{
    const char *s = p;
    int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    while (n > 0) {
        ssize_t k = send(fd, s, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k > 0) {
            s += k;
            n -= (size_t)k;
            continue;
        }
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int rc = wait_fd(fd, POLLOUT, deadline, NULL);
            if (rc < 0)
                return rc;
            continue;
        }
        if (k < 0 && (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN))
            return EWW_ECLOSED;
        return EWW_ESYS;
    }
    return 0;
}

int eww_send_frame(int fd, int type, int flags, const void *payload, size_t n, int timeout_ms)
{
    /* Small frames go out in one send (one packet, one wake-up of the peer); large payloads
     * are sent from where they are, without a copy. */
    unsigned char small[EWW_FRAME_HEADER + 4096];
    int rc = eww_frame_header(small, type, flags, n);
    if (rc < 0)
        return rc;
    if (n <= sizeof small - EWW_FRAME_HEADER) {
        if (n)
            memcpy(small + EWW_FRAME_HEADER, payload, n);
        return eww_send_all(fd, small, EWW_FRAME_HEADER + n, timeout_ms);
    }
    rc = eww_send_all(fd, small, EWW_FRAME_HEADER, timeout_ms);
    return rc < 0 ? rc : eww_send_all(fd, payload, n, timeout_ms);
}
