/* heap.h - the heap engine (heap.c): walks, snapshots by type, diffs. GIL held throughout. */
#ifndef EWW_HEAP_H
#define EWW_HEAP_H

#include "pycompat.h"

#include <stddef.h>
#include <stdint.h>

typedef struct heap_row {
    PyTypeObject *type; /* identity only: never dereferenced after the walk */
    char name[200];     /* as pympler prints it: builtins bare, else module.qualname */
    uint64_t count;
    uint64_t size;         /* bytes, of the objects whose size is known */
    uint64_t unknown;      /* objects whose __sizeof__ raised or returned nonsense */
    int64_t dcount, dsize; /* in diffs */
} heap_row;

typedef struct heap_snapshot {
    heap_row *rows; /* sorted by type, then name */
    size_t n;
    uint64_t objects, bytes, unknown;
    double seconds;      /* how long the walk took */
    size_t engine_bytes; /* memory the walk used (C memory and the seed list) */
    uint64_t not_run;    /* of `unknown`: a __sizeof__ in Python, not run in a snapshot child */
} heap_snapshot;

/* Called often during a walk (every few thousand objects) with the objects walked so far;
 * returns non-zero to stop the walk, which then fails with KeyboardInterrupt. GIL held; it
 * must not run Python code. */
typedef int (*heap_progress_fn)(void *arg, uint64_t objects);

/* How rows name their types: as pympler (facts_type_name: "collections.OrderedDict",
 * "app.f.<locals>.Row"), or as objgraph (__name__; __module__.__name__: "builtins.dict"). */
enum heap_names { HEAP_NAMES_FULL, HEAP_NAMES_SHORT, HEAP_NAMES_LONG };

/* Walk the whole heap. 0, or -1 with a Python exception set. */
int heap_walk(heap_snapshot *out);
/* The same, with rows named in that style. */
int heap_walk_names(heap_snapshot *out, enum heap_names names);
/* The same, reporting progress to fn (which may be NULL). */
int heap_walk_progress(heap_snapshot *out, heap_progress_fn fn, void *arg);
/* The same, and: append every counted object to `collect` (when not NULL; only those whose
 * type is named `only`, short or full name, when that is not NULL); append to `leaking` the
 * gc objects no other object refers to (objgraph's get_leaking_objects). With `leaking` or
 * `collect`, no Python __sizeof__ is called (those sizes are unknown): the lists may hold
 * objects that C code is still building, which Python code running meanwhile would let
 * that code find shared. fn (may be NULL) is asked often whether to stop. */
int heap_walk_opts(heap_snapshot *out, PyObject *collect, const char *only, PyObject *leaking,
                   heap_progress_fn fn, void *arg);
/* Count and size the objects of a list (pympler's summarize(objects)). When `named` is not
 * NULL, functions, modules, frames and instances of classes whose metaclass has its own
 * __repr__ are appended to it instead of being counted (pympler names each). python_sizes: 0
 * leaves the sizes of objects whose __sizeof__ is Python code unknown (no code runs). */
int heap_summarize_list(PyObject *objects, heap_snapshot *out, PyObject *named, int python_sizes,
                        enum heap_names names);
void heap_snapshot_free(heap_snapshot *s);
/* The cyclic garbage the collector has not freed yet, found without collecting: a new list
 * of those objects (references), or NULL with an exception. Runs no Python code. */
PyObject *heap_cyclic_garbage(void);
/* Rows whose count or size changed from before to after; *out is malloc'd. */
int heap_diff(const heap_snapshot *before, const heap_snapshot *after, heap_row **out, size_t *n);

/* For a snapshot child (snapshot.c), before any walk: walks hold no reference to the objects
 * they have yet to visit. Nothing frees an object there (no other thread, no Python code
 * during the walk), and every reference count written is a page of the app copied. */
void heap_no_references(void);

#endif
