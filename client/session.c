/* session.c - one connection to a console: greeting, commands, printing replies.
 *
 * Files the console sends (charts, graphs) are written here, by the client, in the client's
 * working directory, never by the app. A file name from the console is only a name: no
 * directories, no dot-files, written without following a symlink.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "error.h"
#include "eww_version.h"
#include "peer.h"
#include "proc.h"
#include "proto.h"

/* Whom are we talking to? The console must be served by the process we meant (expect_pid,
 * when known), run by the owner of that process, from a socket and a directory that belong
 * to that owner alone, as eww creates them. A socket planted by another local user (who can
 * make /tmp/eww-<anything>/<pid>.sock) fails here, before any command or keystroke is sent
 * and before any file is written for it. explicit_path: the user named the socket (--socket):
 * where it lives and its mode are the user's choice; who serves it is still checked. 0, or
 * -1 with the reason in err. */
static int verify_console(int fd, const char *path, long expect_pid, int explicit_path, char *err,
                          size_t errlen)
{
    uid_t uid;
    pid_t pid;
    if (eww_peer_cred(fd, &uid, &pid) < 0) {
        snprintf(err, errlen, "refusing %s: cannot tell who serves it (%s)", path, strerror(errno));
        return -1;
    }
    if (uid != geteuid() && geteuid() != 0) {
        snprintf(err, errlen, "refusing %s: it is served by uid %ld, not by you (uid %ld)", path,
                 (long)uid, (long)geteuid());
        return -1;
    }
#ifdef __linux__
    if (expect_pid > 0 && pid != (pid_t)expect_pid) {
        snprintf(err, errlen,
                 "refusing %s: it is served by process %ld (uid %ld), not by process %ld: "
                 "someone else's socket",
                 path, (long)pid, (long)uid, expect_pid);
        return -1;
    }
    long owner = eww_proc_owner(pid);
    if (owner != (long)uid) {
        snprintf(err, errlen,
                 "refusing %s: it is served by uid %ld, but process %ld belongs to uid %ld", path,
                 (long)uid, (long)pid, owner);
        return -1;
    }
#endif
    char why[256];
    if (!explicit_path && eww_sock_check_private(path, uid, why, sizeof why) < 0) {
        snprintf(err, errlen, "refusing %s: %s", path, why);
        return -1;
    }
    return 0;
}

int client_open(client *c, const char *path, long expect_pid, int explicit_path, int oneshot,
                int timeout_ms, char *err, size_t errlen)
{
    int fd;
    memset(c, 0, sizeof *c);
    c->conn.fd = -1;
    if (eww_sock_connect(path, &fd, err, errlen) < 0)
        return EXIT_CONNECT;
    eww_conn_init(&c->conn, fd, EWW_FRAME_MAX);
    c->conn.interrupted = &client_interrupted;

    /* Talk only to the console we meant: a socket planted by another user must not receive
     * our commands, our keystrokes, or make us write files. */
    if (verify_console(fd, path, expect_pid, explicit_path, err, errlen) < 0)
        goto error;

    eww_buf h;
    char num[16];
    eww_buf_init(&h, 1024);
    snprintf(num, sizeof num, "%d", EWW_PROTO_VERSION);
    int rc = eww_kv_put(&h, "proto", num);
    if (rc == 0)
        rc = eww_kv_put(&h, "client", "eww " EWW_VERSION);
    if (rc == 0 && oneshot) /* one command from a shell: diff and growth go on from the last */
        rc = eww_kv_put(&h, "oneshot", "1");
    if (rc == 0)
        rc = eww_send_frame(fd, EWW_FRAME_HELLO, 0, h.data, h.len, timeout_ms);
    eww_buf_free(&h);
    if (rc < 0 && rc != EWW_ECLOSED) {
        snprintf(err, errlen, "cannot greet the console at %s: %s", path,
                 rc == EWW_ESYS ? strerror(errno) : eww_strerror(rc));
        goto error;
    }
    /* A console that refuses us (too many sessions, wrong uid) may have said why and closed
     * before our HELLO went out: its message is still there to read. */

    eww_frame f;
    rc = eww_conn_recv(&c->conn, &f, timeout_ms);
    if (rc == 0 && f.type == EWW_FRAME_ERROR) {
        snprintf(err, errlen, "%.*s", (int)f.len, (const char *)f.payload);
        goto error;
    }
    if (rc == EWW_ETIMEOUT) {
        snprintf(err, errlen, "the console at %s did not answer within %d ms", path, timeout_ms);
        goto error;
    }
    if (rc == EWW_ECLOSED) {
        snprintf(err, errlen,
                 "the console at %s closed the connection (the process is "
                 "exiting, or refused us)",
                 path);
        goto error;
    }
    if (rc < 0 || f.type != EWW_FRAME_HELLO) {
        snprintf(err, errlen, "%s does not speak the eww protocol (%s)", path,
                 rc < 0 ? eww_strerror(rc) : eww_frame_name(f.type));
        goto error;
    }
    char v[32];
    if (eww_kv_get(f.payload, f.len, "proto", v, sizeof v) < 0 || atoi(v) != EWW_PROTO_VERSION) {
        char theirs[64] = "?";
        eww_kv_get(f.payload, f.len, "eww", theirs, sizeof theirs);
        snprintf(err, errlen,
                 "protocol version mismatch: the console speaks version %s (eww %s), this "
                 "client (eww %s) speaks version %d; use the client of the same release",
                 v, theirs, EWW_VERSION, EWW_PROTO_VERSION);
        goto error;
    }
    if (eww_kv_get(f.payload, f.len, "pid", v, sizeof v) == 0)
        c->pid = atol(v);
    eww_kv_get(f.payload, f.len, "program", c->program, sizeof c->program);
    eww_kv_get(f.payload, f.len, "python", c->python, sizeof c->python);
    eww_kv_get(f.payload, f.len, "eww", c->eww, sizeof c->eww);
    eww_kv_get(f.payload, f.len, "commands", c->commands, sizeof c->commands);
    return 0;
error:
    eww_conn_close(&c->conn);
    return EXIT_CONNECT;
}

void client_close(client *c)
{
    eww_conn_close(&c->conn);
}

/* A FILE or DATA payload arriving in several frames (flag MORE on all but the last). */
typedef struct incoming {
    int type; /* 0 when nothing is being received */
    eww_buf buf;
} incoming;

#define INCOMING_MAX (256u << 20)

/* Add a frame; when it is the last one, act on the whole payload. Returns -1 when the
 * command's result must count as failed. */
static int incoming_frame(incoming *in, const eww_frame *f)
{
    if (in->type && in->type != f->type) {
        fprintf(stderr, "eww: the console interleaved a %s with a %s; ignored\n",
                eww_frame_name(in->type), eww_frame_name(f->type));
        eww_buf_reset(&in->buf);
    }
    if (!in->type)
        eww_buf_init(&in->buf, INCOMING_MAX);
    in->type = f->type;
    if (eww_buf_append(&in->buf, f->payload, f->len) < 0) {
        fprintf(stderr, "eww: %s from the console larger than %u MiB; ignored\n",
                eww_frame_name(f->type), INCOMING_MAX >> 20);
        in->type = 0;
        return -1;
    }
    if (f->flags & EWW_FLAG_MORE)
        return 0;
    int rc;
    if (f->type == EWW_FRAME_DATA) {
        rc = client_render_data(in->buf.data, in->buf.len);
    } else {
        const char *nul = memchr(in->buf.data, '\0', in->buf.len);
        if (!nul) {
            fprintf(stderr, "eww: the console sent a file without a name; ignored\n");
            rc = -1;
        } else {
            size_t off = (size_t)(nul - in->buf.data) + 1;
            rc = client_write_file(in->buf.data, in->buf.data + off, in->buf.len - off);
            if (rc == 0)
                client_note("Report written to %s\n", in->buf.data);
        }
    }
    eww_buf_free(&in->buf);
    in->type = 0;
    return rc;
}

static void report_lost(const client *c)
{
    fprintf(stderr,
            "eww: process %ld closed the connection (it has ended, or its console was "
            "removed)\n",
            c->pid);
}

int client_run(client *c, int argc, const char **argv)
{
    client_notes_to_stderr = 0;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--json") == 0)
            client_notes_to_stderr = 1;
    eww_buf cmd;
    eww_buf_init(&cmd, EWW_FRAME_MAX);
    int rc = eww_argv_encode(&cmd, argc, (char *const *)argv);
    if (rc < 0) {
        fprintf(stderr, "eww: command too long\n");
        return EXIT_FAILED;
    }
    rc = eww_send_frame(c->conn.fd, EWW_FRAME_COMMAND, 0, cmd.data, cmd.len, 30000);
    eww_buf_free(&cmd);
    if (rc < 0) {
        report_lost(c);
        return EXIT_CONNECT;
    }
    incoming in = {.type = 0};
    int status = EXIT_CONNECT;
    int failed = 0;
    int interrupts = 0;
    int in_repl = 0;        /* a PROMPT came: this command is a REPL */
    int progress_shown = 0; /* a progress line is on the terminal */
    client_interrupted = 0;
    for (;;) {
        eww_frame f;
        rc = eww_conn_recv(&c->conn, &f, -1);
        if (rc == EWW_EINTR) {
            /* Ctrl-C: ask the console to interrupt the command; a second one gives up. */
            client_interrupted = 0;
            if (++interrupts == 1 &&
                eww_send_frame(c->conn.fd, EWW_FRAME_INTERRUPT, 0, NULL, 0, 1000) == 0) {
                /* In a REPL the traceback says it all; elsewhere say what happens next. */
                if (!in_repl)
                    fprintf(stderr, "\n(interrupt sent; press Ctrl-C again to disconnect)\n");
                continue;
            }
            fprintf(stderr, "\neww: disconnected from process %ld\n", c->pid);
            status = EXIT_CONNECT;
            break;
        }
        if (rc < 0) {
            fflush(stdout);
            if (rc == EWW_ECLOSED || rc == EWW_EPROTO)
                report_lost(c);
            else
                fprintf(stderr, "eww: connection to process %ld failed: %s\n", c->pid,
                        rc == EWW_ESYS ? strerror(errno) : eww_strerror(rc));
            break;
        }
        if (progress_shown && f.type != EWW_FRAME_PROGRESS) {
            fputs("\r\033[K", stderr); /* the answer replaces the progress line */
            progress_shown = 0;
        }
        if (f.type == EWW_FRAME_OUTPUT) {
            fwrite(f.payload, 1, f.len, stdout);
        } else if (f.type == EWW_FRAME_ERROR) {
            fflush(stdout);
            fprintf(stderr, "%.*s\n", (int)f.len, (const char *)f.payload);
        } else if (f.type == EWW_FRAME_PROGRESS) {
            if (isatty(2)) {
                fprintf(stderr, "\r%.*s\033[K", (int)f.len, (const char *)f.payload);
                progress_shown = 1;
            }
        } else if (f.type == EWW_FRAME_PROMPT) {
            char prompt[256];
            snprintf(prompt, sizeof prompt, "%.*s", (int)f.len, (const char *)f.payload);
            fflush(stdout);
            interrupts = 0; /* a new statement: Ctrl-C interrupts it again */
            in_repl = 1;
            if (prompt_answer(c, prompt) < 0) {
                report_lost(c);
                break;
            }
        } else if (f.type == EWW_FRAME_FILE || f.type == EWW_FRAME_DATA) {
            fflush(stdout);
            failed |= incoming_frame(&in, &f) < 0;
        } else if (f.type == EWW_FRAME_DONE) {
            status = f.len == 1 && f.payload[0] == EWW_STATUS_OK && !failed ? EXIT_OK : EXIT_FAILED;
            break;
        } else {
            fprintf(stderr, "eww: unexpected %s frame from the console; ignored\n",
                    eww_frame_name(f.type));
        }
    }
    if (in.type)
        eww_buf_free(&in.buf);
    fflush(stdout);
    return status;
}
