/* facts.h - what the engine may learn about objects without running Python code (facts.c).
 *
 * The rule every heap command follows (docs/internals.md, "No Python during a walk"): while
 * a command holds raw (borrowed) pointers into the heap, it asks only these functions. They
 * read type slots, type and instance dicts (exact-str keys) and C slot functions; they never
 * call __getattr__, __getattribute__, __repr__, __len__, __eq__ or __sizeof__ written in
 * Python, never run a finaliser, and so never let the GIL go to another thread. The GIL is
 * held by the caller for all of them.
 */
#ifndef EWW_FACTS_H
#define EWW_FACTS_H

#include "pycompat.h"

#include <stddef.h>

/* Make the interned names the lookups use. 0, or -1 with an exception. At module exec. */
int facts_init(void);

/* A type's name as pympler prints it (builtins bare, others module.qualname), from the
 * type's slots and its own dict: never through the metaclass. */
void facts_type_name(PyTypeObject *t, char *out, size_t n);
/* The names objgraph gives a type: its __name__ (short), and __module__.__name__ (long, as
 * "builtins.dict"; the __name__ alone when __module__ is not a non-empty str). */
void facts_type_short_name(PyTypeObject *t, char *out, size_t n);
void facts_type_long_name(PyTypeObject *t, char *out, size_t n);
/* Whether a type is named `name`: its full name, its last part, its tp_name, or objgraph's
 * long name. */
int facts_type_matches(PyTypeObject *t, const char *name);
/* The attribute `name` as found on the type's MRO (the type's dicts, in order), borrowed, or
 * NULL: what the interpreter's own special-method lookup finds, without calling anything. */
PyObject *facts_type_lookup(PyTypeObject *t, const char *name);
/* The C function behind a type's __sizeof__ (a METH_NOARGS method descriptor found on the
 * MRO, never through the metaclass), or NULL. */
PyCFunction facts_c_sizeof(PyTypeObject *t);
/* Not an object at all: a freed one that a traverse still shows (a module's free list, as
 * _asyncio's FutureIter free list in 3.12 is visited by its module's traverse). Its
 * reference count is 0; every live object has at least 1 (or is immortal). */
static inline int facts_dead(PyObject *o)
{
    return Py_REFCNT(o) == 0;
}

/* eww's own types (the class attribute _eww_hidden_): left out of every report. */
int facts_hidden(PyTypeObject *t);

/* The number of items of a builtin container (list, tuple, dict, set and their subclasses:
 * their C size, never a __len__), or -1 for anything else. */
Py_ssize_t facts_len(PyObject *o);
/* A short repr (at most 40 characters) made from C facts only: str, bytes, int, float, bool,
 * None, small tuples of those, types, modules, functions; containers give their length.
 * Returns 1 when it wrote one, 0 when the object's repr would run code (out is then "" ). */
int facts_repr(PyObject *o, char *out, size_t n);

/* The local variables of a frame, as a dict (a new reference), or NULL with no exception
 * set. Before 3.13, the frame's own locals dict (f_locals, brought up to date); from 3.13
 * (PEP 667) f_locals is a write-through proxy, so a copy: a dict no one else refers to. */
PyObject *facts_frame_locals(PyObject *frame);

/* The name of the instance attribute of `parent` that holds `child` ("x" for parent.x is
 * child): a __slots__ member, a key of an existing __dict__, or one of the type's inline
 * attributes (3.11+), found without creating the __dict__. 1 when found. */
int facts_attribute_name(PyObject *parent, PyObject *child, char *out, size_t n);
/* The instance's __dict__ when it exists already (borrowed), else NULL: never made. */
PyObject *facts_existing_dict(PyObject *o);

/* gc.get_objects() (the function looked up at init, not through an import). */
PyObject *facts_gc_objects(void);
/* The garbage collector off (so that no allocation of ours runs a finaliser) and back. */
int facts_gc_disable(void);
void facts_gc_restore(int was_enabled);

#endif
