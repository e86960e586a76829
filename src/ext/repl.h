/* repl.h - the REPL's connection object (ReplIO) and the `repl` / `exec` commands. */
#ifndef EWW_REPL_H
#define EWW_REPL_H

#include "pycompat.h"

#include "reply.h"

/* Add the ReplIO type to the module. GIL held. */
int repl_init(PyObject *module);

#endif
