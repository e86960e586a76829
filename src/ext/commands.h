/* commands.h - the console's command table and dispatcher. */
#ifndef EWW_COMMANDS_H
#define EWW_COMMANDS_H

#include "reply.h"

typedef int (*command_fn)(reply *r, int argc, const char **argv);

typedef struct command {
    const char *name;
    const char *usage;   /* one line: "info [--json]" */
    const char *summary; /* one line for `help` */
    const char *details; /* paragraphs for `help NAME` */
    command_fn fn;       /* returns 0 (ok) or 1 (failed; an ERROR was sent) */
    int needs_python;    /* 0: answered without ever taking the GIL */
} command;

/* Run argv[0] with its arguments; returns the DONE status. */
int commands_dispatch(reply *r, int argc, const char **argv);
/* Report a usage error of command `name` ("stats: unknown option '-x'" and the usage line);
 * returns EWW_STATUS_FAILED. */
int commands_usage_error(reply *r, const char *name, const char *what, const char *arg);

/* "unknown option '-x'" or "unexpected argument 'x'", with the usage. EWW_STATUS_FAILED. */
int commands_bad_argument(reply *r, const char *name, const char *arg);
/* argv[*i] is an option taking a count (-n, -d): read its value (1..max) into *out and step
 * over it. 0, or EWW_STATUS_FAILED after reporting a missing or bad value. */
int commands_count_option(reply *r, const char *name, const char *what, int argc, const char **argv,
                          int *i, long max, int *out);

/* The name of a file the client writes: -f FILE (which must be a plain name: no '/', not
 * starting with '.'), else fallback made plain ('/', control characters and a leading '.'
 * become '_'). 0, or -1 after reporting the error. */
int commands_file_name(reply *r, const char *name, const char *file, const char *fallback,
                       char *out, size_t outlen);

/* A heap walk's progress function (heap.h) for a command: "walking the heap: N objects so
 * far" once a second, and 1 when the client asked the command to stop (reply_tick). */
int commands_heap_tick(void *reply, uint64_t objects);

/* The end of a command whose Python work failed (an exception is set): "stopped by the
 * client" when it was, else "<command>: <context><the exception>". EWW_STATUS_FAILED. */
int commands_failed(reply *r, const char *command, const char *context);

/* Handlers living in their own files. */
int cmd_stats(reply *r, int argc, const char **argv);
int cmd_memory(reply *r, int argc, const char **argv);
int cmd_repl(reply *r, int argc, const char **argv);
int cmd_summary(reply *r, int argc, const char **argv);
int cmd_diff(reply *r, int argc, const char **argv);
int cmd_growth(reply *r, int argc, const char **argv);
int cmd_garbage(reply *r, int argc, const char **argv);
int cmd_chain(reply *r, int argc, const char **argv);
int cmd_backrefs(reply *r, int argc, const char **argv);
int cmd_leaking(reply *r, int argc, const char **argv);
int cmd_trace(reply *r, int argc, const char **argv);
int cmd_where(reply *r, int argc, const char **argv);
int cmd_size(reply *r, int argc, const char **argv);
int cmd_refs(reply *r, int argc, const char **argv);
int cmd_track(reply *r, int argc, const char **argv);
int cmd_hunt(reply *r, int argc, const char **argv);
/* Free a session's command state (C memory only: called without the GIL). */
void commands_state_free(void *state);
/* A session's command state as bytes (appended to out; nothing for none), and back: unpack
 * replaces *state (freeing the old) with what pack wrote. 0, or -1 (out of memory, or bytes
 * that are not a state). C memory only. */
int commands_state_pack(const void *state, eww_buf *out);
int commands_state_unpack(const void *data, size_t n, void **state);
/* Keep what a command's state holds for the process (a named snapshot, a one-shot session's
 * baseline) in the process's registry. In the app, with the GIL held. 0, or -1 when out of
 * memory (or the registry was full). */
int commands_state_publish(void *state);
/* Free the registry (eww.remove()). GIL held. */
void commands_registry_clear(void);
int cmd_snapshot(reply *r, int argc, const char **argv);
int cmd_exec(reply *r, int argc, const char **argv);

/* Space-separated names, for the greeting (client-side completion). */
void commands_names(char *out, size_t outlen);

#endif
