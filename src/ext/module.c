/* module.c - eww._eww: the thin binding. Parses arguments and calls server.c.
 *
 * The policy a user sees (EWW_DISABLE, defaults, atexit and fork hooks, warnings instead of
 * exceptions when the console cannot start) lives in src/eww/__init__.py; this file only
 * converts between Python values and the C structs of the console.
 *
 * The console is one per process (it owns a socket named after the pid), so the module keeps
 * no per-module state: the server's state is process-wide in server.c.
 */
#include "pycompat.h"

#include <stdint.h>
#include <string.h>

#include "eww_version.h"
#include "facts.h"
#include "proto.h"
#include "asizeof.h"
#include "heap_api.h"
#include "repl.h"
#include "commands.h"
#include "server.h"
#include "stats_api.h"

static int copy_str(char *dst, size_t cap, PyObject *s, const char *what)
{
    Py_ssize_t n;
    const char *u = PyUnicode_AsUTF8AndSize(s, &n);
    if (!u)
        return -1;
    if ((size_t)n >= cap || memchr(u, '\0', (size_t)n)) {
        PyErr_Format(PyExc_ValueError, "%s is too long or contains a NUL character", what);
        return -1;
    }
    memcpy(dst, u, (size_t)n + 1);
    return 0;
}

/* start(path, max_sessions, handshake_timeout, max_datapoints, max_names, sample_memory,
 *       program, argv, python, executable) -> str */
static PyObject *eww_start(PyObject *mod, PyObject *args, PyObject *kwargs)
{
    (void)mod;
    static char *kw[] = {"path",
                         "max_sessions",
                         "handshake_timeout",
                         "max_datapoints",
                         "max_names",
                         "sample_memory",
                         "client_timeout",
                         "program",
                         "argv",
                         "python",
                         "executable",
                         "snapshot",
                         "snapshot_memory",
                         NULL};
    PyObject *path, *program, *argv, *python, *executable;
    int max_sessions, snapshot = 1;
    Py_ssize_t snapshot_memory = 0;
    double handshake_timeout, sample_memory, client_timeout;
    Py_ssize_t max_datapoints, max_names;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OidnnddUO!UU|pn:start", kw, &path,
                                     &max_sessions, &handshake_timeout, &max_datapoints, &max_names,
                                     &sample_memory, &client_timeout, &program, &PyList_Type, &argv,
                                     &python, &executable, &snapshot, &snapshot_memory))
        return NULL;
    server_options o;
    server_facts f;
    memset(&o, 0, sizeof o);
    memset(&f, 0, sizeof f);
    if (path != Py_None) {
        if (!PyUnicode_Check(path)) {
            PyErr_SetString(PyExc_TypeError, "path must be a str or None");
            return NULL;
        }
        if (copy_str(o.path, sizeof o.path, path, "path") < 0)
            return NULL;
    }
    if (max_sessions < 1 || max_sessions > 4096) {
        PyErr_SetString(PyExc_ValueError, "max_sessions must be between 1 and 4096");
        return NULL;
    }
    if (!(handshake_timeout > 0 && handshake_timeout <= 3600)) {
        PyErr_SetString(PyExc_ValueError, "handshake_timeout must be > 0 and <= 3600 seconds");
        return NULL;
    }
    if (max_datapoints < 1 || max_datapoints > EWW_STATS_POINTS_LIMIT) {
        PyErr_Format(PyExc_ValueError, "max_datapoints must be between 1 and %d",
                     EWW_STATS_POINTS_LIMIT);
        return NULL;
    }
    if (max_names < 1 || max_names > EWW_STATS_NAMES_LIMIT) {
        PyErr_Format(PyExc_ValueError, "max_names must be between 1 and %d", EWW_STATS_NAMES_LIMIT);
        return NULL;
    }
    if (!(sample_memory >= 0 && sample_memory <= 86400) ||
        (sample_memory > 0 && sample_memory < 0.01)) {
        PyErr_SetString(PyExc_ValueError,
                        "sample_memory must be a number of seconds from 0.01 to 86400");
        return NULL;
    }
    if (eww_stats_set_max_names(stats_store(), (size_t)max_names) < 0) {
        PyErr_SetString(PyExc_ValueError, "max_names is below the number of names in use");
        return NULL;
    }
    if (eww_stats_set_max_points(stats_store(), (size_t)max_datapoints) < 0)
        return PyErr_NoMemory();
    o.max_sessions = max_sessions;
    o.handshake_timeout_ms = (int)(handshake_timeout * 1000);
    o.sample_memory = sample_memory;
    if (!(client_timeout >= 0.1 && client_timeout <= 86400)) {
        PyErr_SetString(PyExc_ValueError, "client_timeout must be from 0.1 to 86400 seconds");
        return NULL;
    }
    o.send_timeout_ms = (int)(client_timeout * 1000);
    if (snapshot_memory != 0 && (snapshot_memory < 16 || snapshot_memory > 1048576)) {
        PyErr_SetString(PyExc_ValueError,
                        "snapshot_memory must be a number of MiB from 16 to 1048576 (or None)");
        return NULL;
    }
    o.snapshot = snapshot;
    o.snapshot_memory_mb = (long)snapshot_memory;
    if (copy_str(f.program, sizeof f.program, program, "program") < 0 ||
        copy_str(f.python, sizeof f.python, python, "python") < 0 ||
        copy_str(f.executable, sizeof f.executable, executable, "executable") < 0)
        return NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(argv); i++) {
        PyObject *a = PyList_GET_ITEM(argv, i);
        Py_ssize_t n;
        const char *u = PyUnicode_Check(a) ? PyUnicode_AsUTF8AndSize(a, &n) : NULL;
        if (!u) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "argv items must be str");
            return NULL;
        }
        if (f.argv_len + (size_t)n + 1 > sizeof f.argv)
            break; /* a very long command line is shown truncated, at an argument boundary */
        memcpy(f.argv + f.argv_len, u, (size_t)n);
        f.argv_len += (size_t)n;
        f.argv[f.argv_len++] = '\0';
    }
    char err[512] = "";
    int rc = server_start(&o, &f, err, sizeof err);
    if (rc < 0) {
        PyErr_SetString(PyExc_OSError, err[0] ? err : "cannot start the console");
        return NULL;
    }
    char p[EWW_PATH_MAX];
    server_socket_path(p, sizeof p);
    return PyUnicode_DecodeFSDefault(p);
}

static PyObject *eww_stop(PyObject *mod, PyObject *unused)
{
    (void)mod;
    (void)unused;
    server_stop();
    commands_registry_clear(); /* the named snapshots and one-shot baselines go with it */
    Py_RETURN_NONE;
}

static PyObject *eww_socket_path(PyObject *mod, PyObject *unused)
{
    (void)mod;
    (void)unused;
    char p[EWW_PATH_MAX];
    server_socket_path(p, sizeof p);
    if (!p[0])
        Py_RETURN_NONE;
    return PyUnicode_DecodeFSDefault(p);
}

static PyObject *eww_after_fork_child(PyObject *mod, PyObject *unused)
{
    (void)mod;
    (void)unused;
    char err[512] = "";
    int rc = server_after_fork_child(err, sizeof err);
    if (rc < 0) {
        PyErr_SetString(PyExc_OSError, err[0] ? err : "cannot start the console");
        return NULL;
    }
    return PyBool_FromLong(rc);
}

static PyMethodDef methods[] = {
    {"start", (PyCFunction)(void (*)(void))eww_start, METH_VARARGS | METH_KEYWORDS,
     "start(path, max_sessions, handshake_timeout, max_datapoints, max_names, sample_memory, "
     "program, argv, python, executable) -> str\n"
     "Start the console; returns the socket path. Use eww.embed() instead."},
    {"stop", eww_stop, METH_NOARGS, "Stop the console, close every session, remove the socket."},
    {"socket_path", eww_socket_path, METH_NOARGS,
     "The console's socket path, or None when it is not running in this process."},
    {"after_fork_child", eww_after_fork_child, METH_NOARGS,
     "Start a console of the child's own after fork(); True when one was started."},
    {NULL, NULL, 0, NULL},
};

static int eww_exec(PyObject *m)
{
    if (facts_init() < 0 || stats_api_init() < 0 ||
        PyModule_AddFunctions(m, stats_api_methods) < 0 || repl_init(m) < 0 ||
        heap_api_init(m) < 0 || asizeof_init(m) < 0)
        return -1;
    if (PyModule_AddStringConstant(m, "__version__", EWW_VERSION) < 0 ||
        PyModule_AddIntConstant(m, "PROTOCOL_VERSION", EWW_PROTO_VERSION) < 0)
        return -1;
    return 0;
}

static PyModuleDef_Slot slots[] = {
    /* The slot table stores function pointers as void *; the integer detour keeps ISO C
     * (-Wpedantic) quiet about converting a function pointer to an object pointer. */
    {Py_mod_exec, (void *)(uintptr_t)eww_exec},
    {0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT,
    .m_name = "eww._eww",
    .m_doc = "The C core of eww: the embedded console.",
    .m_size = 0,
    .m_methods = methods,
    .m_slots = slots,
};

PyMODINIT_FUNC PyInit__eww(void)
{
    return PyModuleDef_Init(&moduledef);
}
