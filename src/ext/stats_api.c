/* stats_api.c - the Python side of the stats store: eww.incr, decr, put, graph,
 * memory_consumption, and the pymalloc arena counter the `memory` command reports.
 *
 * The recording functions are METH_FASTCALL and do no more than check their arguments and
 * call the core store (src/core/stats.c), which needs no GIL to be read: the console reads
 * it from its own threads. One store per process, created when eww._eww is first imported
 * and never freed (the console's threads may read it until the process ends).
 *
 * Not here: the `stats` and `memory` commands (cmd_stats.c), the sampler (sampler.c).
 */
#include "stats_api.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "error.h"
#include "chart.h"
#include "proc.h"

static eww_stats *store; /* set once at the first module exec (GIL held), then read-only */

eww_stats *stats_store(void)
{
    return store;
}

/* ---- pymalloc arenas ------------------------------------------------------------------
 * pymalloc asks its arena allocator for big blocks (1 MiB on 64-bit 3.10+). Wrapping that
 * allocator (public API: PyObject_SetArenaAllocator) lets `memory` say how much memory
 * pymalloc holds without the GIL. Arenas allocated before eww was imported are not known;
 * frees of those are passed through uncounted. The set of known arenas is guarded by the GIL
 * (pymalloc runs with it held); the totals are atomics so the console reads them freely. */

static PyObjectArenaAllocator orig_arena;
static void **arena_set;  /* open addressing, NULL = empty, (void *)1 = deleted */
static size_t arena_cap;  /* power of two, 0 before the first arena */
static size_t arena_used; /* slots not empty (live + deleted) */
static _Atomic long long arenas_live, arena_bytes_live;

static size_t arena_slot(void *p)
{
    return ((uintptr_t)p >> 12) * 0x9E3779B97F4A7C15ull;
}

static int arena_set_grow(void)
{
    size_t cap = arena_cap ? arena_cap * 2 : 1024;
    void **set = eww_calloc(cap, sizeof *set);
    if (!set)
        return -1;
    for (size_t i = 0; i < arena_cap; i++) {
        void *p = arena_set[i];
        if (p && p != (void *)1) {
            size_t k = arena_slot(p) & (cap - 1);
            while (set[k])
                k = (k + 1) & (cap - 1);
            set[k] = p;
        }
    }
    eww_free(arena_set);
    arena_set = set;
    arena_cap = cap;
    arena_used = (size_t)atomic_load(&arenas_live);
    return 0;
}

static void *arena_alloc(void *ctx, size_t size)
{
    (void)ctx;
    void *p = orig_arena.alloc(orig_arena.ctx, size);
    if (!p)
        return NULL;
    if ((arena_used + 1) * 2 > arena_cap && arena_set_grow() < 0)
        return p; /* cannot track it: it simply stays uncounted */
    size_t k = arena_slot(p) & (arena_cap - 1);
    while (arena_set[k] && arena_set[k] != (void *)1)
        k = (k + 1) & (arena_cap - 1);
    if (!arena_set[k])
        arena_used++;
    arena_set[k] = p;
    atomic_fetch_add(&arenas_live, 1);
    atomic_fetch_add(&arena_bytes_live, (long long)size);
    return p;
}

static void arena_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    if (arena_cap) {
        for (size_t k = arena_slot(p) & (arena_cap - 1); arena_set[k];
             k = (k + 1) & (arena_cap - 1)) {
            if (arena_set[k] == p) {
                arena_set[k] = (void *)1;
                atomic_fetch_sub(&arenas_live, 1);
                atomic_fetch_sub(&arena_bytes_live, (long long)size);
                break;
            }
        }
    }
    orig_arena.free(orig_arena.ctx, p, size);
}

void stats_arenas(long long *count, long long *bytes)
{
    *count = atomic_load(&arenas_live);
    *bytes = atomic_load(&arena_bytes_live);
}

static void fork_prepare(void)
{
    eww_stats_fork_prepare(store);
}
static void fork_parent(void)
{
    eww_stats_fork_parent(store);
}
static void fork_child(void)
{
    eww_stats_fork_child(store);
}

int stats_api_init(void)
{
    if (store)
        return 0;
    store = eww_stats_new(STATS_DEFAULT_NAMES, STATS_DEFAULT_POINTS);
    if (!store) {
        PyErr_NoMemory();
        return -1;
    }
    pthread_atfork(fork_prepare, fork_parent, fork_child);
    PyObjectArenaAllocator ours = {NULL, arena_alloc, arena_free};
    PyObject_GetArenaAllocator(&orig_arena);
    PyObject_SetArenaAllocator(&ours);
    return 0;
}

/* ---- recording --------------------------------------------------------------------- */

static int get_name(PyObject *o, const char **name, Py_ssize_t *len)
{
    if (!PyUnicode_Check(o)) {
        PyErr_Format(PyExc_TypeError, "a stat name must be a str, not %.100s", Py_TYPE(o)->tp_name);
        return -1;
    }
    *name = PyUnicode_AsUTF8AndSize(o, len);
    return *name ? 0 : -1;
}

/* Raise the exception that fits a store error about `name`. */
static PyObject *raise_stats_error(int rc, PyObject *name, int wants_graph)
{
    switch (rc) {
    case EWW_E2BIG:
        PyErr_Format(PyExc_ValueError, "stat name is longer than %d bytes", EWW_STATS_NAME_MAX);
        break;
    case EWW_EINVAL:
        PyErr_Format(PyExc_ValueError,
                     "stat %R: the name must not be empty nor contain NUL, and values must "
                     "be finite numbers",
                     name);
        break;
    case EWW_EKIND:
        PyErr_Format(PyExc_TypeError,
                     wants_graph ? "stat %R is a counter, not a graph"
                                 : "stat %R is a graph, not a counter",
                     name);
        break;
    case EWW_EFULL:
        PyErr_Format(PyExc_RuntimeError,
                     "cannot add stat %R: the limit of %zu names is reached (raise it with "
                     "eww.embed(max_names=...))",
                     name, eww_stats_max_names(store));
        break;
    case EWW_ERANGE:
        PyErr_Format(PyExc_OverflowError, "counter %R would overflow a 64-bit integer", name);
        break;
    default: PyErr_NoMemory();
    }
    return NULL;
}

/* incr(name, n=1) and decr(name, n=1) */
static PyObject *add(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, int sign,
                     const char *fname)
{
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    PyObject *name, *n = NULL;
    if (nargs + nkw < 1 || nargs + nkw > 2 || nargs < 1) {
        PyErr_Format(PyExc_TypeError, "%s() takes a name and an optional n", fname);
        return NULL;
    }
    name = args[0];
    if (nargs == 2) {
        n = args[1];
    } else if (nkw == 1) {
        PyObject *k = PyTuple_GET_ITEM(kwnames, 0);
        if (!PyUnicode_Check(k) || PyUnicode_CompareWithASCIIString(k, "n") != 0) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument %R", fname, k);
            return NULL;
        }
        n = args[1];
    } else if (nkw) {
        PyErr_Format(PyExc_TypeError, "%s() got n twice", fname);
        return NULL;
    }
    long long delta = 1;
    if (n) {
        if (!PyLong_Check(n)) {
            PyErr_Format(PyExc_TypeError, "%s() n must be an int, not %.100s", fname,
                         Py_TYPE(n)->tp_name);
            return NULL;
        }
        int overflow;
        delta = PyLong_AsLongLongAndOverflow(n, &overflow);
        if (overflow || (delta == LLONG_MIN && sign < 0)) {
            PyErr_Format(PyExc_OverflowError, "%s() n does not fit a 64-bit integer", fname);
            return NULL;
        }
        if (delta == -1 && PyErr_Occurred())
            return NULL;
    }
    const char *s;
    Py_ssize_t len;
    if (get_name(name, &s, &len) < 0)
        return NULL;
    int rc = eww_stats_incr(store, s, (size_t)len, sign * delta);
    if (rc < 0)
        return raise_stats_error(rc, name, 0);
    Py_RETURN_NONE;
}

static PyObject *py_incr(PyObject *mod, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    (void)mod;
    return add(args, nargs, kwnames, 1, "incr");
}

static PyObject *py_decr(PyObject *mod, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    (void)mod;
    return add(args, nargs, kwnames, -1, "decr");
}

static PyObject *py_put(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)
{
    (void)mod;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "put() takes a name and a value");
        return NULL;
    }
    const char *s;
    Py_ssize_t len;
    if (get_name(args[0], &s, &len) < 0)
        return NULL;
    int rc;
    if (PyLong_Check(args[1])) {
        int overflow;
        long long v = PyLong_AsLongLongAndOverflow(args[1], &overflow);
        if (overflow) {
            PyErr_SetString(PyExc_OverflowError, "put() value does not fit a 64-bit integer");
            return NULL;
        }
        if (v == -1 && PyErr_Occurred())
            return NULL;
        rc = eww_stats_put_int(store, s, (size_t)len, v);
    } else if (PyFloat_Check(args[1])) {
        rc = eww_stats_put_float(store, s, (size_t)len, PyFloat_AS_DOUBLE(args[1]));
    } else {
        PyErr_Format(PyExc_TypeError, "put() value must be an int or a float, not %.100s",
                     Py_TYPE(args[1])->tp_name);
        return NULL;
    }
    if (rc < 0)
        return raise_stats_error(rc, args[0], 0);
    Py_RETURN_NONE;
}

static int coordinate(PyObject *o, double *v)
{
    if (PyFloat_Check(o)) {
        *v = PyFloat_AS_DOUBLE(o);
    } else if (PyLong_Check(o)) {
        *v = PyLong_AsDouble(o);
        if (*v == -1.0 && PyErr_Occurred())
            return -1;
    } else {
        PyErr_Format(PyExc_TypeError, "graph() point coordinates must be numbers, not %.100s",
                     Py_TYPE(o)->tp_name);
        return -1;
    }
    if (!isfinite(*v)) {
        PyErr_SetString(PyExc_ValueError, "graph() point coordinates must be finite");
        return -1;
    }
    return 0;
}

/* graph(name, (x, y)) */
static PyObject *py_graph(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)
{
    (void)mod;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "graph() takes a name and a point (x, y)");
        return NULL;
    }
    PyObject *pt = args[1];
    PyObject *px, *py;
    if (PyTuple_Check(pt) && PyTuple_GET_SIZE(pt) == 2) {
        px = PyTuple_GET_ITEM(pt, 0);
        py = PyTuple_GET_ITEM(pt, 1);
    } else if (PyList_Check(pt) && PyList_GET_SIZE(pt) == 2) {
        px = PyList_GET_ITEM(pt, 0);
        py = PyList_GET_ITEM(pt, 1);
    } else {
        PyErr_Format(PyExc_TypeError, "graph() point must be a pair (x, y), not %.100s",
                     Py_TYPE(pt)->tp_name);
        return NULL;
    }
    double x, y;
    if (coordinate(px, &x) < 0 || coordinate(py, &y) < 0)
        return NULL;
    const char *s;
    Py_ssize_t len;
    if (get_name(args[0], &s, &len) < 0)
        return NULL;
    int rc = eww_stats_graph(store, s, (size_t)len, x, y);
    if (rc < 0)
        return raise_stats_error(rc, args[0], 1);
    Py_RETURN_NONE;
}

static PyObject *py_memory_consumption(PyObject *mod, PyObject *unused)
{
    (void)mod;
    (void)unused;
    long long rss = eww_proc_self_rss();
    if (rss < 0)
        return PyErr_SetFromErrnoWithFilename(PyExc_OSError, "/proc/self/statm");
    return PyLong_FromLongLong(rss);
}

static PyObject *py_proc_stat_field(PyObject *mod, PyObject *args)
{
    (void)mod;
    const char *text;
    int field;
    if (!PyArg_ParseTuple(args, "si:proc_stat_field", &text, &field))
        return NULL;
    long long v = eww_proc_stat_field(text, field);
    if (v < 0)
        Py_RETURN_NONE;
    return PyLong_FromLongLong(v);
}

static int add_status_line(void *ctx, const char *key, size_t klen, long long bytes)
{
    PyObject *item = Py_BuildValue("(s#L)", key, (Py_ssize_t)klen, bytes);
    if (!item)
        return -1;
    int rc = PyList_Append((PyObject *)ctx, item);
    Py_DECREF(item);
    return rc;
}

static PyObject *py_proc_status(PyObject *mod, PyObject *arg)
{
    (void)mod;
    const char *text = PyUnicode_AsUTF8(arg);
    if (!text)
        return NULL;
    PyObject *out = PyList_New(0);
    if (out && eww_proc_status_each(text, add_status_line, out) != 0)
        Py_CLEAR(out);
    return out;
}

static PyObject *py_chart_svg(PyObject *mod, PyObject *args, PyObject *kw)
{
    (void)mod;
    static char *kws[] = {"points", "title", "xlabel", "ylabel", "bytes", NULL};
    PyObject *points;
    const char *title = "", *xlabel = NULL, *ylabel = NULL;
    int bytes = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|szzp:chart_svg", kws, &points, &title, &xlabel,
                                     &ylabel, &bytes))
        return NULL;
    PyObject *seq = PySequence_Fast(points, "chart_svg() points must be a sequence of (x, y)");
    if (!seq)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    eww_point *pts = PyMem_Malloc(sizeof *pts * (size_t)(n ? n : 1));
    PyObject *out = NULL;
    if (!pts) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *pt = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyTuple_Check(pt) || PyTuple_GET_SIZE(pt) != 2) {
            PyErr_Format(PyExc_TypeError, "chart_svg() point must be a pair (x, y), not %.100s",
                         Py_TYPE(pt)->tp_name);
            goto done;
        }
        if (coordinate(PyTuple_GET_ITEM(pt, 0), &pts[i].x) < 0 ||
            coordinate(PyTuple_GET_ITEM(pt, 1), &pts[i].y) < 0)
            goto done;
    }
    eww_chart c = {.title = title,
                   .xlabel = xlabel,
                   .ylabel = ylabel,
                   .pts = pts,
                   .n = (size_t)n,
                   .bytes = bytes};
    eww_buf b;
    eww_buf_init(&b, (size_t)1 << 24);
    int rc = eww_chart_svg(&b, &c);
    if (rc == 0)
        out = PyUnicode_DecodeUTF8(b.data ? b.data : "", (Py_ssize_t)b.len, "strict");
    else if (rc == EWW_EINVAL)
        PyErr_SetString(PyExc_ValueError, "chart_svg() points must be finite numbers");
    else
        PyErr_NoMemory();
    eww_buf_free(&b);
done:
    PyMem_Free(pts);
    Py_DECREF(seq);
    return out;
}

PyMethodDef stats_api_methods[] = {
    {"incr", (PyCFunction)(void (*)(void))py_incr, METH_FASTCALL | METH_KEYWORDS,
     "incr(name, n=1)\n--\n\nAdd n to the counter name (created at 0 on first use)."},
    {"decr", (PyCFunction)(void (*)(void))py_decr, METH_FASTCALL | METH_KEYWORDS,
     "decr(name, n=1)\n--\n\nSubtract n from the counter name (created at 0 on first use)."},
    {"put", (PyCFunction)(void (*)(void))py_put, METH_FASTCALL,
     "put(name, value)\n--\n\nSet the counter name to an int or a float."},
    {"graph", (PyCFunction)(void (*)(void))py_graph, METH_FASTCALL,
     "graph(name, (x, y))\n--\n\nAppend the point (x, y) to the graph name. Each graph keeps "
     "its newest max_datapoints points and counts the ones it dropped."},
    {"memory_consumption", py_memory_consumption, METH_NOARGS,
     "memory_consumption()\n--\n\nThe process's current resident set size (RSS), in bytes."},
    {"chart_svg", (PyCFunction)(void (*)(void))py_chart_svg, METH_VARARGS | METH_KEYWORDS,
     "chart_svg(points, title='', xlabel=None, ylabel=None, bytes=False)\n--\n\nA line chart of "
     "the (x, y) points as SVG text, drawn by the renderer `stats -g` uses."},
    {"proc_stat_field", py_proc_stat_field, METH_VARARGS,
     "proc_stat_field(text, field)\n--\n\nField number field (1-based, as in proc(5)) of the "
     "text of /proc/PID/stat, or None."},
    {"proc_status", py_proc_status, METH_O,
     "proc_status(text)\n--\n\n[(key, bytes)] of each 'Key: N kB' line of the text of "
     "/proc/PID/status, in order."},
    {NULL, NULL, 0, NULL},
};
