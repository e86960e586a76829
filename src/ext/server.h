/* server.h - the embedded console: a listener thread, one thread per session, an auditor.
 *
 * Lifecycle (all called with the GIL held, from module.c):
 *     server_start(&opts, &facts, err, sizeof err);  // idempotent while running
 *     server_stop();                                 // releases the GIL while it waits
 * After fork() the child's copy is reset by a pthread_atfork handler (no threads survive a
 * fork); server_after_fork_child() then starts a fresh console under the child's pid.
 */
#ifndef EWW_SERVER_H
#define EWW_SERVER_H

#include "console.h"

int server_start(const server_options *opts, const server_facts *facts, char *err, size_t errlen);
void server_stop(void);
int server_running(void);
/* 1 when a console was started again in this forked child, 0 when none ran before the fork,
 * -1 on failure (err says why). */
int server_after_fork_child(char *err, size_t errlen);

#endif
