/* refs.h - shortest reference chains from roots (refs.c). GIL held throughout. */
#ifndef EWW_REFS_H
#define EWW_REFS_H

#include "pycompat.h"

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct refs_walk refs_walk;

/* What a chain says of an object nothing refers to. */
#define REFS_HELD_BY_C                                                                             \
    "nothing refers to it: a reference held by C code (or a leak in an extension)"

/* Asked every 4096 objects (objects queued so far): non-zero stops the walk. Runs no Python. */
typedef int (*refs_tick_fn)(void *arg, uint64_t objects);

/* One breadth-first walk from the roots (modules, thread frames' locals, then gc objects
 * nothing reached); when stop_at is not 0, the walk ends as soon as the object at that
 * address is reached. NULL with a Python exception on failure (KeyboardInterrupt when tick
 * stopped it). The gc stays off and no Python code may run until refs_walk_free(): the
 * walk holds raw pointers (facts.h). */
refs_walk *refs_walk_new(uintptr_t stop_at, refs_tick_fn tick, void *tick_arg);
void refs_walk_free(refs_walk *w);
size_t refs_count(const refs_walk *w);
PyObject *refs_object(const refs_walk *w, size_t pos); /* borrowed */
size_t refs_memory(const refs_walk *w);
/* Position of the live object at this address, or -1: addresses are compared, never used. */
long refs_find(const refs_walk *w, uintptr_t address);
/* Append the chain from its root to the object at pos: "module m -> attribute 'x' -> list
 * index 3". With shape, indices are * (for grouping). *rooted is 1 for a chain from a module
 * or a thread, 0 from an object nothing refers to, -1 when nothing refers to the object
 * itself. 0, or -1 when out of memory. */
int refs_chain(const refs_walk *w, size_t pos, int shape, eww_buf *out, int *rooted);

/* The label of the root at pos ("module m", "local x in f() of thread N"), or "" when pos
 * is no root or an object nothing refers to. */
const char *refs_root_label(const refs_walk *w, size_t pos);
/* The position of the object that reached pos, or -1 for a root. */
long refs_parent(const refs_walk *w, size_t pos);
/* The objects of the chain, from its root to the object at pos (a new list). */
PyObject *refs_chain_objects(const refs_walk *w, size_t pos);
/* True when the object at pos is the __dict__ of a module or class (its edges read as
 * attributes of that module or class). */
int refs_attribute_dict(const refs_walk *w, size_t pos);
/* The label of the edge parent -> child ("list index 3"; with shape "list index *", "dict key
 * *": found without looking through the parent). */
void refs_edge(const refs_walk *w, size_t parent, size_t child, int shape, char *out, size_t n);

/* How parent refers to child: "attribute 'x'", "dict key 'k'", "list index 3", "local y in
 * f()", "closure cell", "__globals__", ... With star, list and tuple indices are * (and with
 * star == 2 dict keys too). Never fails: "referent of TYPE" when nothing better is known. */
void refs_edge_label(PyObject *parent, PyObject *child, int star, char *out, size_t n);
/* Whether d is the __dict__ of the instance x (found without making one). */
int refs_instance_dict(PyObject *x, PyObject *d);
/* owner (a module or class) keeps child in its attribute dict d: "attribute 'k'" (or "class
 * attribute 'k'"). */
void refs_attribute_label(PyObject *owner, PyObject *d, PyObject *child, int shape, char *out,
                          size_t n);
/* A short repr for a label, that is safe: a long str is cut before its repr is made, a huge
 * int is described, containers give their length, a __repr__ that raises is reported; at most
 * 40 characters. The GIL is held; never leaves an exception set. */
void refs_short_repr(PyObject *o, char *out, size_t n);

/* What the console calls an object, from C facts only: `head` is "module m", "class app.Row",
 * "frame of f() at app.py:12" or "TYPE at 0x..."; `detail` a short repr ("3 items", "f()",
 * "'abc'"), or "" when its repr would run code or head says it all. */
void refs_describe(PyObject *o, char *head, size_t hn, char *detail, size_t dn);

#endif
