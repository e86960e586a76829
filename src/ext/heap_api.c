/* heap_api.c - the heap engine for Python: Snapshot, heap_objects, heap_summarize,
 * heap_leaking. Thin: argument checks and conversion of heap.c's results to plain data.
 *
 * Snapshot holds a walk's per-type table in C memory. It is not a GC object and its type
 * carries _eww_hidden_, so a tracker that keeps one never sees it (nor itself) in a diff.
 */
#include "heap_api.h"

#include "mem.h"
#include "graph.h"

#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "facts.h"
#include "refs.h"

typedef struct {
    PyObject_HEAD heap_snapshot snap;
} Snapshot;

static PyTypeObject *Snapshot_Type; /* created once per process at module exec */

static PyObject *rows_list(const heap_row *rows, size_t n, int diff)
{
    PyObject *list = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; list && i < n; i++) {
        PyObject *row =
            diff ? Py_BuildValue("[sLL]", rows[i].name, (long long)rows[i].dcount,
                                 (long long)rows[i].dsize)
                 : Py_BuildValue("[sKKK]", rows[i].name, (unsigned long long)rows[i].count,
                                 (unsigned long long)rows[i].size,
                                 (unsigned long long)rows[i].unknown);
        if (!row) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, row);
    }
    return list;
}

/* "full" (pympler's names, the default), "short" or "long" (objgraph's), as heap.h says. */
static int names_arg(const char *s, enum heap_names *out)
{
    if (!s || strcmp(s, "full") == 0)
        *out = HEAP_NAMES_FULL;
    else if (strcmp(s, "short") == 0)
        *out = HEAP_NAMES_SHORT;
    else if (strcmp(s, "long") == 0)
        *out = HEAP_NAMES_LONG;
    else {
        PyErr_Format(PyExc_ValueError, "names must be 'full', 'short' or 'long', not '%s'", s);
        return -1;
    }
    return 0;
}

static PyObject *snapshot_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *kw[] = {"collect", "names", NULL};
    int collect = 0;
    const char *names_s = NULL;
    enum heap_names names;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|pz:Snapshot", kw, &collect, &names_s) ||
        names_arg(names_s, &names) < 0)
        return NULL;
    if (collect) {
        PyObject *gc = PyImport_ImportModule("gc");
        PyObject *res = gc ? PyObject_CallMethod(gc, "collect", NULL) : NULL;
        Py_XDECREF(gc);
        if (!res)
            return NULL;
        Py_DECREF(res);
    }
    Snapshot *self = (Snapshot *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    if (heap_walk_names(&self->snap, names) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static void snapshot_dealloc(Snapshot *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    heap_snapshot_free(&self->snap);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyObject *snapshot_rows(Snapshot *self, PyObject *unused)
{
    (void)unused;
    return rows_list(self->snap.rows, self->snap.n, 0);
}

static PyObject *snapshot_diff(Snapshot *self, PyObject *older)
{
    if (!PyObject_TypeCheck(older, Snapshot_Type)) {
        PyErr_SetString(PyExc_TypeError, "diff() takes an older Snapshot");
        return NULL;
    }
    heap_row *rows;
    size_t n;
    if (heap_diff(&((Snapshot *)older)->snap, &self->snap, &rows, &n) < 0)
        return PyErr_NoMemory();
    PyObject *res = rows_list(rows, n, 1);
    eww_free(rows);
    return res;
}

static PyObject *snapshot_totals(Snapshot *self, PyObject *unused)
{
    (void)unused;
    return Py_BuildValue("{sKsKsKsnsdsn}", "objects", (unsigned long long)self->snap.objects,
                         "size", (unsigned long long)self->snap.bytes, "unknown",
                         (unsigned long long)self->snap.unknown, "types", (Py_ssize_t)self->snap.n,
                         "seconds", self->snap.seconds, "engine_bytes",
                         (Py_ssize_t)self->snap.engine_bytes);
}

static PyMethodDef snapshot_methods[] = {
    {"rows", (PyCFunction)snapshot_rows, METH_NOARGS,
     "[[type, count, size, unknown], ...]: one row per type"},
    {"diff", (PyCFunction)snapshot_diff, METH_O,
     "diff(older) -> [[type, count change, size change], ...] for the types that changed"},
    {"totals", (PyCFunction)snapshot_totals, METH_NOARGS,
     "{objects, size, unknown, types, seconds, engine_bytes}"},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot snapshot_slots[] = {
    {Py_tp_new, (void *)(uintptr_t)snapshot_new},
    {Py_tp_dealloc, (void *)(uintptr_t)snapshot_dealloc},
    {Py_tp_methods, snapshot_methods},
    {Py_tp_doc,
     (void *)"Snapshot(collect=False, names='full'): a walk of the whole heap, counted by "
             "type (names: 'full', pympler's; 'short' or 'long', objgraph's)."},
    {0, NULL},
};

static PyType_Spec snapshot_spec = {
    .name = "eww._eww.Snapshot",
    .basicsize = sizeof(Snapshot),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = snapshot_slots,
};

/* heap_objects(typename=None, frames=True) -> every live object (of that type); frames=False
 * leaves frame objects out (pympler's muppy.get_objects does, to make no reference cycles). */
static PyObject *heap_objects(PyObject *mod, PyObject *args, PyObject *kwargs)
{
    (void)mod;
    static char *kw[] = {"typename", "frames", NULL};
    const char *only = NULL;
    int frames = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|zp:heap_objects", kw, &only, &frames))
        return NULL;
    PyObject *list = PyList_New(0);
    heap_snapshot s;
    if (!list || heap_walk_opts(&s, list, only, NULL, NULL, NULL) < 0) {
        Py_XDECREF(list);
        return NULL;
    }
    heap_snapshot_free(&s);
    if (!frames) {
        Py_ssize_t n = PyList_GET_SIZE(list), kept = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *o = PyList_GET_ITEM(list, i);
            if (PyFrame_Check(o))
                Py_DECREF(o);
            else
                PyList_SET_ITEM(list, kept++, o);
        }
        for (Py_ssize_t i = kept; i < n; i++)
            PyList_SET_ITEM(list, i, NULL); /* moved or released above */
        if (PyList_SetSlice(list, kept, n, NULL) < 0) {
            Py_DECREF(list);
            return NULL;
        }
    }
    return list;
}

/* heap_summarize(objects, named=None, names="full") -> [[type, count, size], ...]; with a list
 * as `named`, the objects pympler names one by one go there instead. */
static PyObject *heap_summarize(PyObject *mod, PyObject *args, PyObject *kwargs)
{
    (void)mod;
    static char *kw[] = {"objects", "named", "names", NULL};
    PyObject *objects, *named = Py_None;
    const char *names_s = NULL;
    enum heap_names names;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|Oz:heap_summarize", kw, &objects, &named,
                                     &names_s) ||
        names_arg(names_s, &names) < 0)
        return NULL;
    if (named != Py_None && !PyList_Check(named)) {
        PyErr_SetString(PyExc_TypeError, "named must be a list or None");
        return NULL;
    }
    heap_snapshot s;
    if (heap_summarize_list(objects, &s, named == Py_None ? NULL : named, 1, names) < 0)
        return NULL;
    PyObject *list = PyList_New((Py_ssize_t)s.n);
    for (size_t i = 0; list && i < s.n; i++) {
        PyObject *row = Py_BuildValue("[sKK]", s.rows[i].name, (unsigned long long)s.rows[i].count,
                                      (unsigned long long)s.rows[i].size);
        if (!row) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, row);
    }
    heap_snapshot_free(&s);
    return list;
}

/* heap_leaking() -> the gc objects no other object refers to */
static PyObject *heap_leaking(PyObject *mod, PyObject *unused)
{
    (void)mod;
    (void)unused;
    PyObject *list = PyList_New(0);
    heap_snapshot s;
    if (!list || heap_walk_opts(&s, NULL, NULL, list, NULL, NULL) < 0) {
        Py_XDECREF(list);
        return NULL;
    }
    heap_snapshot_free(&s);
    return list;
}

/* A walk from the roots that stops once obj is reached; *pos is obj's position, or -1. */
static refs_walk *walk_to(PyObject *obj, long *pos)
{
    refs_walk *w = refs_walk_new((uintptr_t)obj, NULL, NULL);
    if (w)
        *pos = refs_find(w, (uintptr_t)obj);
    return w;
}

/* ref_chain(obj) -> [root, ..., obj]: the shortest chain of references to obj */
static PyObject *ref_chain(PyObject *mod, PyObject *obj)
{
    (void)mod;
    long pos;
    refs_walk *w = walk_to(obj, &pos);
    if (!w)
        return NULL;
    PyObject *res = pos < 0 ? PyList_New(0) : refs_chain_objects(w, (size_t)pos);
    refs_walk_free(w);
    return res;
}

/* ref_chain_described(obj) -> (text, holders): chain ID's text ("module m -> attribute 'x'
 * -> list index 3") and the type names, as summary prints them, of the objects on the chain
 * before obj; (None, []) when no root reaches obj. */
static PyObject *ref_chain_described(PyObject *mod, PyObject *obj)
{
    (void)mod;
    long pos;
    refs_walk *w = walk_to(obj, &pos);
    if (!w)
        return NULL;
    PyObject *holders = PyList_New(0), *text = NULL, *path = NULL;
    eww_buf b;
    eww_buf_init(&b, 16u << 20);
    int rooted = 0;
    if (holders && pos < 0) {
        text = Py_None;
        Py_INCREF(text);
    } else if (holders && refs_chain(w, (size_t)pos, 0, &b, &rooted) == 0 && b.data) {
        text = PyUnicode_DecodeUTF8(b.data, (Py_ssize_t)b.len, "replace");
        path = text ? refs_chain_objects(w, (size_t)pos) : NULL;
        for (Py_ssize_t i = 0; path && i + 1 < PyList_GET_SIZE(path); i++) {
            char name[256];
            facts_type_name(Py_TYPE(PyList_GET_ITEM(path, i)), name, sizeof name);
            PyObject *n = PyUnicode_FromString(name);
            if (!n || PyList_Append(holders, n) < 0)
                Py_CLEAR(text);
            Py_XDECREF(n);
        }
        if (!path)
            Py_CLEAR(text);
    } else if (holders) {
        PyErr_NoMemory();
    }
    Py_XDECREF(path);
    eww_buf_free(&b);
    refs_walk_free(w);
    PyObject *res = text ? PyTuple_Pack(2, text, holders) : NULL;
    Py_XDECREF(text);
    Py_XDECREF(holders);
    return res;
}

/* ref_graph(objs, backwards, max_depth=3, too_many=10, ignore=None, filter=None,
 *           highlight=None, extra_info=None, extra_node_attrs=None, refcounts=False,
 *           shortnames=True) -> (dot, nodes): objgraph's show_backrefs/show_refs graph */
static PyObject *ref_graph(PyObject *mod, PyObject *args, PyObject *kw)
{
    (void)mod;
    static char *names[] = {
        "objs",      "backwards",  "max_depth",        "too_many",  "ignore",     "filter",
        "highlight", "extra_info", "extra_node_attrs", "refcounts", "shortnames", NULL};
    PyObject *objs, *ignore = Py_None, *filter = Py_None, *highlight = Py_None,
                    *extra_info = Py_None, *extra_attrs = Py_None;
    int backwards, max_depth = 3, too_many = 10, refcounts = 0, shortnames = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!p|iiOOOOOpp:ref_graph", names, &PyList_Type,
                                     &objs, &backwards, &max_depth, &too_many, &ignore, &filter,
                                     &highlight, &extra_info, &extra_attrs, &refcounts,
                                     &shortnames))
        return NULL;
    if (max_depth < 0 || too_many < 0) {
        PyErr_SetString(PyExc_ValueError, "max_depth and too_many must not be negative");
        return NULL;
    }
#define OPT(x) ((x) == Py_None ? NULL : (x))
    graph_opts o = {
        .backwards = backwards,
        .max_depth = max_depth,
        .too_many = too_many,
        .max_nodes = (size_t)-1,
        .ignore = OPT(ignore),
        .filter = OPT(filter),
        .highlight = OPT(highlight),
        .extra_info = OPT(extra_info),
        .extra_node_attrs = OPT(extra_attrs),
        .refcounts = refcounts,
        .shortnames = shortnames,
    };
#undef OPT
    eww_buf b;
    eww_buf_init(&b, (size_t)1 << 30);
    graph_result res;
    if (graph_dot(objs, &o, &b, &res) < 0) {
        eww_buf_free(&b);
        return NULL;
    }
    PyObject *r =
        Py_BuildValue("(s#n)", b.data ? b.data : "", (Py_ssize_t)b.len, (Py_ssize_t)res.nodes);
    eww_buf_free(&b);
    return r;
}

static PyObject *cyclic_garbage(PyObject *mod, PyObject *unused)
{
    (void)mod;
    (void)unused;
    return heap_cyclic_garbage();
}

static PyMethodDef heap_functions[] = {
    {"cyclic_garbage", cyclic_garbage, METH_NOARGS,
     "cyclic_garbage() -> list: the cyclic garbage the collector has not freed yet"},
    {"ref_graph", (PyCFunction)(void (*)(void))ref_graph, METH_VARARGS | METH_KEYWORDS,
     "ref_graph(objs, backwards, max_depth=3, too_many=10, ignore=None, filter=None, "
     "highlight=None, extra_info=None, extra_node_attrs=None, refcounts=False, "
     "shortnames=True) -> (dot, nodes): the graph of objgraph's show_backrefs (backwards) or "
     "show_refs, as DOT text. ignore is a collection of ids never drawn."},
    {"ref_chain", ref_chain, METH_O,
     "ref_chain(obj) -> [root, ..., obj]: the shortest chain of references from a root "
     "(a module, a thread's local variable, or an object nothing refers to); [] when obj "
     "is not reachable from any of them."},
    {"ref_chain_described", ref_chain_described, METH_O,
     "ref_chain_described(obj) -> (text, holders): the shortest chain of references from a "
     "root to obj as `chain ID` prints it, and the type names of the objects on it before obj; "
     "(None, []) when no root reaches it."},
    {"heap_objects", (PyCFunction)(void (*)(void))heap_objects, METH_VARARGS | METH_KEYWORDS,
     "heap_objects(typename=None, frames=True) -> every live object the heap walk reaches "
     "(only those of the type with that short or full name, when given; no frame objects "
     "with frames=False)."},
    {"heap_summarize", (PyCFunction)(void (*)(void))heap_summarize, METH_VARARGS | METH_KEYWORDS,
     "heap_summarize(objects, named=None, names='full') -> [[type, count, size], ...] of the "
     "given objects; the objects pympler names one by one (functions, modules, frames, "
     "instances of a class whose metaclass has a __repr__) are appended to the list `named` "
     "instead, when given. names: 'full' (pympler's), 'short' or 'long' (objgraph's)."},
    {"heap_leaking", heap_leaking, METH_NOARGS,
     "heap_leaking() -> the gc objects that no other object refers to."},
    {NULL, NULL, 0, NULL},
};

int heap_api_init(PyObject *module)
{
    if (!Snapshot_Type) {
        Snapshot_Type = (PyTypeObject *)PyType_FromSpec(&snapshot_spec);
        if (!Snapshot_Type)
            return -1;
        if (PyObject_SetAttrString((PyObject *)Snapshot_Type, "_eww_hidden_", Py_True) < 0)
            return -1;
    }
    Py_INCREF(Snapshot_Type);
    if (PyModule_AddObject(module, "Snapshot", (PyObject *)Snapshot_Type) < 0) {
        Py_DECREF(Snapshot_Type);
        return -1;
    }
    return PyModule_AddFunctions(module, heap_functions);
}
