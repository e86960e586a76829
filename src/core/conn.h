/* conn.h - framed I/O over a connected socket, with time limits.
 *
 * Both the console (server) and the client read frames through an eww_conn: a socket and a
 * bounded buffer of bytes not yet decoded. Writes go straight to the socket with a time limit,
 * so a peer that never reads cannot hold a thread forever. SIGPIPE is never raised
 * (MSG_NOSIGNAL): a peer that went away is EWW_ECLOSED.
 *
 *     eww_conn c;
 *     eww_conn_init(&c, fd, EWW_FRAME_MAX);
 *     eww_frame f;
 *     while (eww_conn_recv(&c, &f, -1) == 0) { ... f.payload valid until the next recv ... }
 *     eww_conn_close(&c);
 */
#ifndef EWW_CONN_H
#define EWW_CONN_H

#include <signal.h>
#include <stddef.h>

#include "buf.h"
#include "proto.h"

typedef struct eww_conn {
    int fd;
    eww_buf in;         /* received bytes not yet handed out */
    size_t handed;      /* bytes of `in` that belong to the frame returned last */
    size_t max_payload; /* frames larger than this are EWW_E2BIG */
    /* When set and *interrupted is non-zero after a signal, recv returns EWW_EINTR instead of
     * waiting on (the client's Ctrl-C). NULL: signals never end a wait. */
    volatile sig_atomic_t *interrupted;
} eww_conn;

void eww_conn_init(eww_conn *c, int fd, size_t max_payload);
/* Closes the socket (when >= 0) and frees the buffer. */
void eww_conn_close(eww_conn *c);

/* Next frame. timeout_ms < 0 waits forever. Returns 0, EWW_ECLOSED (orderly close before a
 * frame started), EWW_ETIMEOUT, EWW_EINTR (see interrupted), EWW_ESYS (errno set), or a
 * decoder error. A close in the
 * middle of a frame is EWW_EPROTO (truncated frame). */
int eww_conn_recv(eww_conn *c, eww_frame *f, int timeout_ms);

/* Bytes already read past the frames handed out (used to sniff the first bytes). */
size_t eww_conn_pending(const eww_conn *c);

int eww_send_all(int fd, const void *p, size_t n, int timeout_ms);
int eww_send_frame(int fd, int type, int flags, const void *payload, size_t n, int timeout_ms);

#endif
