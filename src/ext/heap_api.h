/* heap_api.h - the heap engine's Python binding (Snapshot and functions). */
#ifndef EWW_HEAP_API_H
#define EWW_HEAP_API_H

#include "pycompat.h"

int heap_api_init(PyObject *module);

#endif
