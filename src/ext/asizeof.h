/* asizeof.h - eww.asizeof's per-object loop in C (asizeof.c): _eww.asizeof_walk. */
#ifndef EWW_ASIZEOF_H
#define EWW_ASIZEOF_H

#include "pycompat.h"

/* Add asizeof_walk to the module. 0, or -1 with an exception. */
int asizeof_init(PyObject *module);

#endif
