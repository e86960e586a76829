/* What differs between the CPython versions eww supports (3.9 to 3.13), in one place.
 *
 * Before 3.11, the frame functions (PyFrame_Check, PyFrame_GetBack, PyFrame_GetCode) are
 * declared by frameobject.h, which Python.h does not include; from 3.11 Python.h declares
 * them. Public C API only. */
#ifndef EWW_PYCOMPAT_H
#define EWW_PYCOMPAT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#if PY_VERSION_HEX < 0x030B0000
#include <frameobject.h>
#endif

#endif
