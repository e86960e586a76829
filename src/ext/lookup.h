/* lookup.h - finding the objects a command names (cmd_refs.c): by ID, by type. GIL held. */
#ifndef EWW_LOOKUP_H
#define EWW_LOOKUP_H

#include "pycompat.h"

#include <stdint.h>

#include "buf.h"
#include "refs.h"
#include "reply.h"

/* An ID as Python prints it (id(): decimal) or as eww prints it (0x...): 1 when s is one
 * (digits only; 0 is one, which no object has). */
int commands_parse_id(const char *s, uintptr_t *out);
/* The error for an ID (as the user wrote it) that no live object has. */
void commands_no_id(reply *r, const char *command, const char *id);
/* The live object at this address (a new reference), found by a walk from the roots, never
 * trusted: NULL with no exception set when no live object has it, NULL with an exception when
 * the walk failed (KeyboardInterrupt when the client stopped it). */
PyObject *commands_find_id(reply *r, uintptr_t id);
/* Every live instance of the type named `name` (facts_type_matches): the gc-tracked ones
 * from gc.get_objects(), else (str, int, ...) from a heap walk. A new list (empty when there
 * is none), or NULL with an exception (KeyboardInterrupt when the client stopped the walk).
 * When gc_objects is not NULL it gets gc.get_objects()'s list (a new reference, or NULL). */
PyObject *commands_instances(reply *r, const char *name, PyObject **gc_objects);
/* The first class named `name` among the gc's objects (a new reference), or NULL (no
 * exception set); *more counts the other classes of that name. */
PyTypeObject *commands_find_class(const char *name, Py_ssize_t *more);
/* The error for a name no live object has; when a class has that name, says how to ask
 * about the class itself. */
void commands_no_instances(reply *r, const char *command, const char *name);

/* chain TYPE's groups for hunt: the instances of the type named type_name on walk w, their
 * first `limit` groups appended to out, each as "TOTAL\tCOUNT\tEXAMPLE-ID\tCHAIN" and a NUL
 * byte (nothing when no instance is left). EWW_STATUS_OK, or FAILED (reported). */
int commands_chain_groups(reply *r, refs_walk *w, const char *type_name, int limit, eww_buf *out);
/* Whether tracemalloc traces now. */
int commands_tracing(void);
/* where TYPE's findings: (full type name, type flags, [(raw traceback, count)], untraced) as
 * eww/_where.py formats them (a new reference), Py_None when no object has that type, or NULL
 * with an exception (KeyboardInterrupt when the client stopped the walk). Tracing is on. */
PyObject *commands_where_found(reply *r, const char *name);

#endif
