/* snapshot.h - heap commands answered on a forked copy of the app.
 *
 *     return reply_with_heap(r, "summary", summary_python, &opts);
 *
 * fn is the command's whole heap work, written as for reply_with_python: it answers through
 * r with the GIL held. reply_with_heap runs it in a snapshot child when it can (the app goes
 * on meanwhile), in process otherwise, saying so in one line. How, and what the child may and
 * may not do: docs/internals.md, "Snapshots", and the comment at the top of snapshot.c.
 */
#ifndef EWW_SNAPSHOT_H
#define EWW_SNAPSHOT_H

#include "reply.h"

int reply_with_heap(reply *r, const char *command, int (*fn)(reply *r, void *arg), void *arg);

/* The same, for a command whose answer needs the app to finish it (where reads source
 * files: Python code, which a snapshot must not run). fn hands its raw result to
 * snapshot_result(); once fn succeeded, post runs in the app, with the GIL, on those bytes
 * (sent over from the snapshot, or kept in memory in process). */
typedef int (*heap_post_fn)(reply *r, const void *data, size_t n, void *arg);
int reply_with_heap_post(reply *r, const char *command, int (*fn)(reply *r, void *arg), void *arg,
                         heap_post_fn post);
int snapshot_result(reply *r, const void *data, size_t n);

/* In the child of an app's own fork() (server.c's pthread_atfork child handler): the slot
 * that allows one snapshot at a time is free again. */
void snapshot_after_fork(void);

/* 1 in a snapshot child (where fn runs on the copy), else 0. */
int snapshot_in_child(void);

/* In a snapshot child: the bytes of memory it has of its own so far (what copy-on-write and
 * its own work cost). -1 in process, or when it cannot be read. */
long long snapshot_child_bytes(void);

#endif
