/* reply.h - a command's way to answer its client.
 *
 * Output is buffered and sent as OUTPUT frames when the buffer fills and at the end; errors
 * go out as ERROR frames in order with the output. Once a send fails (client gone, or not
 * reading) every later call fails fast. Commands that need Python state run through
 * reply_with_python (in process, GIL held) or reply_with_heap (snapshot.c: on a forked copy
 * of the heap when it can, in process when it cannot).
 */
#ifndef EWW_REPLY_H
#define EWW_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "console.h"

typedef struct reply {
    void *session; /* the session being answered (server.c's) */
    uint64_t session_id;
    struct eww_conn *conn; /* the session's connection (the REPL reads it while it runs) */
    void **state;          /* per-session state of commands (diff's baseline), or NULL */
    int fd;
    eww_buf out;
    int broken;     /* a send failed; the session ends after this command */
    int cancelled;  /* the client asked this command to stop (reply_tick) */
    int in_process; /* `walk live`: this session's heap commands walk in process */
    int oneshot;    /* the client runs one command (HELLO oneshot=1): diff goes on from the last */
    void (*after_done)(struct reply *r); /* run once the command's DONE is sent, then reset */
    eww_buf *result;    /* snapshot.h's snapshot_result, in process: where it goes */
    int reap_pid;       /* for after_done: a finished snapshot child */
    int quiet_stop;     /* a stopped command ends without saying so (hunt reports instead) */
    int noted;          /* the command said why it walks in process (once is enough) */
    double started;     /* when the command began (monotonic seconds) */
    double next_poll;   /* reply_tick: when to look at the socket next */
    double next_report; /* reply_tick: when a progress line is due */
} reply;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int reply_printf(reply *r, const char *fmt, ...);
int reply_write(reply *r, const void *p, size_t n);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int reply_error(reply *r, const char *fmt, ...);
int reply_flush(reply *r);
/* The end of a command that built its answer in b: send it and return EWW_STATUS_OK, or,
 * when building it failed (rc != 0), say "<command>: out of memory" and fail. Frees b. */
int reply_buffer(reply *r, eww_buf *b, int rc, const char *command);
/* Tell the client how a long command is going (a PROGRESS frame; shown on a terminal). */
int reply_progress(reply *r, const char *text);
/* For long commands, called often (every few thousand objects; it costs a clock read, and a
 * poll() of the socket every 20 ms): 1 when the client asked the command to stop, by Ctrl-C
 * (an INTERRUPT frame) or by leaving. Never blocks and never needs the GIL. When progress
 * is not NULL, *progress is set to 1 when a progress line is due (after the first second,
 * then about every second), with the seconds since the command began in *seconds. */
int reply_tick(reply *r, int *progress, double *seconds);
/* The error a stopped command ends with ("summary: stopped by the client (Ctrl-C)").
 * EWW_STATUS_FAILED. */
int reply_stopped(reply *r, const char *command);

/* Send a file for the client to write in its working directory (FILE frames, split at
 * EWW_FRAME_MAX with MORE); name is a plain name (commands_file_name). */
int reply_file(reply *r, const char *name, const char *data, size_t n);

/* Send structured data for the client (DATA frames, split at EWW_FRAME_MAX with MORE). */
int reply_data(reply *r, const char *data, size_t n);

/* Run fn with the GIL held, for a command that needs Python state. Waits first for this
 * session's audit verdict (a refused session gets an error instead), and flushes what the
 * command has written so far, so the user sees the GIL-free part of an answer even while the
 * app holds the GIL. Returns fn's result, or EWW_STATUS_FAILED. */
int reply_with_python(reply *r, int (*fn)(reply *r, void *arg), void *arg);

/* The pending Python exception's str() into out, and the exception cleared. GIL held. */
void python_error_text(char *out, size_t outlen);

/* Seconds on the monotonic clock. */
double reply_now(void);

#endif
