/* heap.h - the heap engine (heap.c): walks, snapshots by type, diffs. GIL held throughout. */
#ifndef EWW_HEAP_H
#define EWW_HEAP_H

#include <Python.h>

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
} heap_snapshot;

/* Called during a long walk (first after a second, then about every second): objects walked
 * so far and seconds since the start. GIL held. */
typedef void (*heap_progress_fn)(void *arg, uint64_t objects, double seconds);

/* A type's name as pympler prints it: builtins bare, others module.qualname. */
void heap_type_name(PyTypeObject *t, char *out, size_t n);

/* Walk the whole heap. 0, or -1 with a Python exception set. */
int heap_walk(heap_snapshot *out);
/* The same, reporting progress to fn (which may be NULL). */
int heap_walk_progress(heap_snapshot *out, heap_progress_fn fn, void *arg);
/* The same, and: append every counted object to `collect` (when not NULL; only those whose
 * type is named `only`, short or full name, when that is not NULL); append to `leaking` the
 * gc objects no other object refers to (objgraph's get_leaking_objects). */
int heap_walk_opts(heap_snapshot *out, PyObject *collect, const char *only, PyObject *leaking);
/* Count and size the objects of a list (pympler's summarize(objects)). When `named` is not
 * NULL, functions and modules are appended to it instead of being counted. */
int heap_summarize_list(PyObject *objects, heap_snapshot *out, PyObject *named);
void heap_snapshot_free(heap_snapshot *s);
/* Rows whose count or size changed from before to after; *out is malloc'd. */
int heap_diff(const heap_snapshot *before, const heap_snapshot *after, heap_row **out, size_t *n);

#endif
