/* refs.h - shortest reference chains from roots (refs.c). GIL held throughout. */
#ifndef EWW_REFS_H
#define EWW_REFS_H

#include <Python.h>

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct refs_walk refs_walk;

/* One breadth-first walk from the roots (modules, thread frames' locals, then gc objects
 * nothing reached). NULL with a Python exception on failure. */
refs_walk *refs_walk_new(void);
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

#endif
