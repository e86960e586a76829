/* console.h - what the console's parts know of it: its options and facts, read-only.
 *
 * The server (server.c) fills these before its threads start; the reply layer (reply.c) and
 * the commands read them. The server's lifecycle is in server.h, which only module.c and
 * server.c include.
 */
#ifndef EWW_CONSOLE_H
#define EWW_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sock.h"

typedef struct server_options {
    char path[EWW_PATH_MAX]; /* "" = <default dir>/<pid>.sock */
    int max_sessions;
    int handshake_timeout_ms;
    double sample_memory;    /* seconds between RSS samples into the graph "memory"; 0: none */
    int send_timeout_ms;     /* a client that takes no data for this long loses its session */
    int snapshot;            /* heap commands walk a forked copy of the app (snapshot.c) */
    long snapshot_memory_mb; /* the copy is stopped past this much memory of its own; 0: default */
} server_options;

/* What `info` and the greeting say about the process, captured (with the GIL) at start so
 * that they can be answered without it. */
typedef struct server_facts {
    char program[256];
    char python[512];
    char argv[4096]; /* the arguments, each NUL-terminated */
    size_t argv_len; /* bytes used in argv */
    char executable[1024];
} server_facts;

/* Read-only views for command handlers (no lock needed: set before threads start). */
const server_facts *server_get_facts(void);
const server_options *server_get_options(void);
int server_session_count(void);
int server_send_timeout_ms(void);

/* Copies the socket path into out ("" when not running). */
void server_socket_path(char *out, size_t outlen);
/* Wait for the session's audit verdict when audit hooks exist (wait = 1), or only look at
 * it (wait = 0). 1 when the session may go on; 0 with the reason in msg. */
int server_session_verdict(void *session, int wait, char *msg, size_t msglen);

#endif
