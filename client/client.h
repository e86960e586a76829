/* client.h - pieces of the eww command shared by its files.
 *
 * discover.c  finds consoles (socket directories, stale sockets, --list)
 * session.c   connects, greets, runs commands and prints what comes back
 * prompt.c    the interactive (eww) prompt, with libedit when the build found it
 * main.c      options and exit statuses
 */
#ifndef EWW_CLIENT_H
#define EWW_CLIENT_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "conn.h"
#include "sock.h"

/* Set by the SIGINT handler (Ctrl-C); cleared by whoever acts on it. */
extern volatile sig_atomic_t client_interrupted;

/* Exit statuses, documented in `eww --help`. */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_CONNECT = 2 };

typedef struct console {
    long pid;
    char path[EWW_PATH_MAX];
} console;

/* Every console socket this user can see; stale ones (process gone) are unlinked when prune
 * is set and reported on stderr. Returns the count (<= max). */
int discover_all(console *out, int max, int prune);
/* The socket of one pid: 0, or -1 with a message in err. */
int discover_pid(long pid, console *out, char *err, size_t errlen);
/* `eww --list` */
int discover_list(void);

typedef struct client {
    eww_conn conn;
    long pid;
    char program[256];
    char python[256];
    char eww[64];
    char commands[1024];
} client;

/* Connect, check whom we talk to (the process expect_pid when > 0, run by its owner, from a
 * private socket in a private directory; explicit_path: the user named the socket, its
 * directory is not checked) and exchange greetings (oneshot: one command from a shell, whose
 * diff and growth go on from the previous one-shot's). 0, or EXIT_CONNECT with the reason. */
int client_open(client *c, const char *path, long expect_pid, int explicit_path, int oneshot,
                int timeout_ms, char *err, size_t errlen);
void client_close(client *c);
/* Run one command; prints its output. Returns EXIT_OK, EXIT_FAILED, or EXIT_CONNECT when the
 * connection was lost (message printed). */
int client_run(client *c, int argc, const char **argv);

/* Show a DATA payload (a chart: rendered to a file or the terminal). 0 or -1 (said why). */
int client_render_data(const char *data, size_t n);
/* Set while a command with --json runs: the notes about files written go to stderr. */
extern int client_notes_to_stderr;
/* What the client says about a file it wrote: on stdout, or on stderr under --json. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
void client_note(const char *fmt, ...);
/* Write a file in the working directory, safely (plain names only, no symlinks followed). */
int client_write_file(const char *name, const char *data, size_t n);

/* The interactive prompt; returns the exit status. */
int prompt_loop(client *c);
/* Answer the console's PROMPT (a REPL waiting for a line): read one from the user and send
 * INPUT, EOF (Ctrl-D) or INTERRUPT (Ctrl-C). -1 when the connection failed. */
int prompt_answer(client *c, const char *prompt);

#endif
