/* asizeof.h - eww.asizeof's per-object loop in C (asizeof.c): _eww.asizeof_walk. */
#ifndef EWW_ASIZEOF_H
#define EWW_ASIZEOF_H

#include "pycompat.h"

/* Add asizeof_walk to the module. 0, or -1 with an exception. */
int asizeof_init(PyObject *module);

/* Asizer._sizes(objs) of eww.asizeof with sized=None, in one walk: objs is a tuple (whose
 * references _sizes excludes first; without that, an object given that an earlier one
 * refers to adds 0); (sizes, flats) as tuples, flats the flat size of each object as asizeof
 * counts it (aligned), or NULL with an exception. */
PyObject *asizeof_sizes(PyObject *asizer, PyObject *objs);

#endif
