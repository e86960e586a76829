/* heap.c - the heap engine: walk every live object, count and size it by type.
 *
 * What is walked: the objects the gc tracks (gc.get_objects()), plus sys.modules and the
 * builtins (so that objects in the permanent generation after gc.freeze(), which
 * gc.get_objects() leaves out, are reached), and everything reachable from those through
 * tp_traverse: untracked str, int, float, bytes, untracked dicts and tuples, followed
 * transitively. tp_traverse visits instance attributes without materialising __dict__.
 *
 * How: an explicit stack (never recursion: a list nested a million deep is fine), a
 * pointer set for "seen" (src/core/ptrset.c, well under a byte per object), and a table
 * keyed by type. Every pushed object is held by a reference while it waits on the stack, so
 * a __sizeof__ written in Python that frees things cannot leave us a dangling pointer.
 *
 * Sizes are exactly sys.getsizeof(): per type, the C function behind __sizeof__ is called
 * directly (object.__sizeof__ is computed inline: basicsize + itemsize * ob_size), plus the
 * type's pre-header (gc header, managed dict), calibrated once per type against
 * sys.getsizeof itself (C code too, for a C __sizeof__). A __sizeof__ written in Python is
 * not called during the walk: those objects are kept (a reference each) and sized with
 * sys.getsizeof once the walk is over and its raw pointers are gone. One that raises or
 * returns nonsense makes that object's size unknown: counted, reported, no crash.
 *
 * No Python code runs during the walk (facts.h): type names, eww's hidden types and the
 * __sizeof__ slots are read from the types' dicts, never through a metaclass, and the gc is
 * off, so no finaliser runs. The GIL is held throughout and never released, so no other
 * thread changes the heap meanwhile and every pointer the walk holds stays valid.
 *
 * Not here: formatting (cmd_heap.c), the Python API (heap_api in module.c, eww/heap.py).
 */
#include "heap.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mem.h"
#include "error.h"
#include "facts.h"
#include "ptrset.h"

enum { SZ_UNSET, SZ_OBJECT, SZ_CFUNC, SZ_GETSIZEOF };

/* Set in a snapshot child: the walk holds no references (see heap_no_references). */
static int no_refs;

void heap_no_references(void)
{
    no_refs = 1;
}

typedef struct tentry {
    PyTypeObject *type; /* NULL: empty slot */
    uint64_t count, size, unknown;
    int how;
    int hidden;           /* eww's own objects (the type has _eww_hidden_): not counted */
    int match;            /* -1 unknown, else whether the type is named walk.only */
    PyCFunction fn;       /* SZ_CFUNC */
    Py_ssize_t preheader; /* -1 until calibrated */
} tentry;

struct later {
    PyObject *o;        /* strong */
    PyTypeObject *type; /* its type when it was counted (identity only) */
};

typedef struct walk {
    eww_ptrset seen;
    PyObject **stack;
    size_t sp, cap;
    tentry *types;
    size_t tcap, tused;
    PyCFunction object_sizeof;
    PyObject *getsizeof; /* sys.getsizeof */
    struct later *later; /* objects with a Python __sizeof__, sized after the walk */
    size_t nlater, later_cap;
    int failed;                /* out of memory, or stopped */
    int stopped;               /* the progress function asked to stop */
    PyObject *collect;         /* when set, every counted object is appended (heap_objects) */
    const char *only;          /* with collect: only objects whose type has this name */
    eww_ptrset *referenced;    /* when set, every object some other object refers to */
    heap_progress_fn progress; /* may be NULL */
    void *progress_arg;
    uint64_t walked;
    enum heap_names names; /* how rows name their types */
} walk;

static int push(walk *w, PyObject *o)
{
    if (w->sp == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 4096;
        PyObject **s = eww_realloc(w->stack, cap * sizeof *s);
        if (!s) {
            w->failed = 1;
            return -1;
        }
        w->stack = s;
        w->cap = cap;
    }
    if (!no_refs)
        Py_INCREF(o);
    w->stack[w->sp++] = o;
    return 0;
}

static int visit(PyObject *o, void *arg)
{
    walk *w = arg;
    if (facts_dead(o))
        return 0;
    if (w->referenced && eww_ptrset_add(w->referenced, o) < 0)
        w->failed = 1;
    int rc = eww_ptrset_add(&w->seen, o);
    if (rc == 1)
        push(w, o);
    else if (rc < 0)
        w->failed = 1;
    return 0;
}

static tentry *type_entry(walk *w, PyTypeObject *t)
{
    if ((w->tused + 1) * 2 > w->tcap) {
        size_t cap = w->tcap ? w->tcap * 2 : 1024;
        tentry *nt = eww_calloc(cap, sizeof *nt);
        if (!nt) {
            w->failed = 1;
            return NULL;
        }
        for (size_t i = 0; i < w->tcap; i++) {
            if (!w->types[i].type)
                continue;
            size_t k = ((uintptr_t)w->types[i].type >> 4) & (cap - 1);
            while (nt[k].type)
                k = (k + 1) & (cap - 1);
            nt[k] = w->types[i];
        }
        eww_free(w->types);
        w->types = nt;
        w->tcap = cap;
    }
    size_t k = ((uintptr_t)t >> 4) & (w->tcap - 1);
    while (w->types[k].type && w->types[k].type != t)
        k = (k + 1) & (w->tcap - 1);
    tentry *e = &w->types[k];
    if (!e->type) {
        e->type = t;
        e->preheader = -1;
        e->match = -1;
        e->hidden = facts_hidden(t);
        w->tused++;
    }
    return e;
}

/* Keep o (a reference) to be sized after the walk: its __sizeof__ is Python code. */
static void size_later(walk *w, PyObject *o)
{
    if (w->nlater == w->later_cap) {
        size_t cap = w->later_cap ? w->later_cap * 2 : 256;
        struct later *l = eww_realloc(w->later, cap * sizeof *l);
        if (!l) {
            w->failed = 1;
            return;
        }
        w->later = l;
        w->later_cap = cap;
    }
    Py_INCREF(o);
    w->later[w->nlater++] = (struct later){o, Py_TYPE(o)};
}

/* A size from a Python int: -1 when it is not a sane size. */
static Py_ssize_t as_size(PyObject *res)
{
    if (!res) {
        PyErr_Clear();
        return -1;
    }
    Py_ssize_t n = PyLong_Check(res) ? PyLong_AsSsize_t(res) : -1;
    Py_DECREF(res);
    if (n == -1 && PyErr_Occurred())
        PyErr_Clear();
    return n >= 0 && n < ((Py_ssize_t)1 << 48) ? n : -1;
}

/* __sizeof__ of o, without the pre-header; -1 when unknown. */
static Py_ssize_t bare_size(walk *w, tentry *e, PyObject *o)
{
    if (e->how == SZ_OBJECT) {
        PyTypeObject *t = Py_TYPE(o);
        Py_ssize_t n = t->tp_basicsize;
        if (t->tp_itemsize)
            n += Py_SIZE(o) * t->tp_itemsize;
        return n;
    }
    if (e->how == SZ_CFUNC)
        return as_size(e->fn(o, NULL));
    (void)w;
    return -1;
}

/* Count and size o; 0 when it is one of eww's own objects (then not traversed either). */
static int account(walk *w, PyObject *o)
{
    tentry *e = type_entry(w, Py_TYPE(o));
    if (!e)
        return 1;
    if (e->hidden)
        return 0;
    if (w->collect) {
        if (w->only && e->match < 0) /* objgraph: a short name (Foo) or a full one */
            e->match = facts_type_matches(e->type, w->only);
        if ((!w->only || e->match) && PyList_Append(w->collect, o) < 0) {
            PyErr_Clear();
            w->failed = 1;
        }
    }
    if (e->how == SZ_UNSET) {
        PyCFunction fn = facts_c_sizeof(Py_TYPE(o));
        e->how = !fn ? SZ_GETSIZEOF : fn == w->object_sizeof ? SZ_OBJECT : SZ_CFUNC;
        e->fn = fn;
    }
    e->count++;
    Py_ssize_t n;
    if (e->how == SZ_GETSIZEOF) {
        size_later(w, o);
        return 1;
    } else {
        n = bare_size(w, e, o);
        if (n >= 0 && e->preheader < 0) {
            /* Calibrate the pre-header (gc header, managed dict) against sys.getsizeof. */
            Py_ssize_t full = as_size(PyObject_CallOneArg(w->getsizeof, o));
            if (full >= n)
                e->preheader = full - n;
            else
                n = -1;
        }
        if (n >= 0)
            n += e->preheader;
    }
    if (n < 0)
        e->unknown++;
    else
        e->size += (uint64_t)n;
    return 1;
}

/* Tell w->progress how far the walk is; it may ask the walk to stop. */
static void report(walk *w, uint64_t objects)
{
    if (!w->stopped && w->progress(w->progress_arg, objects))
        w->stopped = w->failed = 1;
}

/* Walk from o (already marked seen, not yet pushed). */
static void walk_from(walk *w, PyObject *o)
{
    push(w, o);
    while (w->sp > 0 && !w->failed) {
        if (w->progress && (++w->walked & 0xFFF) == 0)
            report(w, w->walked);
        PyObject *x = w->stack[--w->sp];
        /* As gc.get_referents(): only GC objects are traversed (a static type has the GC
         * flag on its type but is not one, and its tp_traverse must not see it). */
        traverseproc tr = Py_TYPE(x)->tp_traverse;
        if (account(w, x) && tr && PyObject_IS_GC(x))
            tr(x, visit, w);
        if (!no_refs)
            Py_DECREF(x);
    }
}

static int by_type(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    const heap_row *x = a, *y = b;
    if (x->type != y->type)
        return (uintptr_t)x->type < (uintptr_t)y->type ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The snapshot's rows from the walk's type table (eww's own types left out), sorted. */
static int rows_from_types(walk *w, heap_snapshot *out)
{
    out->rows = eww_calloc(w->tused ? w->tused : 1, sizeof *out->rows);
    if (!out->rows) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < w->tcap; i++) {
        tentry *e = &w->types[i];
        if (!e->type || e->hidden)
            continue;
        heap_row *r = &out->rows[out->n++];
        r->type = e->type;
        if (w->names == HEAP_NAMES_SHORT)
            facts_type_short_name(e->type, r->name, sizeof r->name);
        else if (w->names == HEAP_NAMES_LONG)
            facts_type_long_name(e->type, r->name, sizeof r->name);
        else
            facts_type_name(e->type, r->name, sizeof r->name);
        r->count = e->count;
        r->size = e->size;
        r->unknown = e->unknown;
        out->objects += e->count;
        out->bytes += e->size;
        out->unknown += e->unknown;
    }
    eww_sort(out->rows, out->n, sizeof *out->rows, by_type, NULL);
    return 0;
}

/* Size the objects size_later() kept: their __sizeof__ is Python code, which may let other
 * threads run, so this comes after the walk, once its raw pointers are gone; these objects
 * are references of ours. Rows are found by type identity (rows are sorted by type). s: the
 * snapshot (NULL when the walk failed: only let go of them); python: 0 leaves them unknown. */
static void size_deferred(walk *w, heap_snapshot *s, int python)
{
    for (size_t i = 0; i < w->nlater; i++) {
        struct later *l = &w->later[i];
        if (w->progress && s && python && !w->stopped)
            report(w, w->walked + i); /* stopping now leaves the rest unknown */
        /* Sizes not asked for are unknown; so are those of a snapshot child, where Python
         * code must not run (snapshot.c). */
        int call = s && python && !w->stopped && !no_refs;
        Py_ssize_t n = call ? as_size(PyObject_CallOneArg(w->getsizeof, l->o)) : -1;
        Py_DECREF(l->o);
        if (!s)
            continue; /* the walk failed */
        size_t lo = 0, hi = s->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if ((uintptr_t)s->rows[mid].type < (uintptr_t)l->type)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == s->n || s->rows[lo].type != l->type)
            continue; /* one of eww's own (not counted) */
        if (n < 0) {
            s->rows[lo].unknown++;
            s->unknown++;
            s->not_run += python && no_refs;
        } else {
            s->rows[lo].size += (uint64_t)n;
            s->bytes += (uint64_t)n;
        }
    }
    eww_free(w->later);
    w->later = NULL;
    w->nlater = w->later_cap = 0;
}

static int walk_heap(heap_snapshot *out, PyObject *collect, const char *only, PyObject *leaking,
                     heap_progress_fn progress, void *progress_arg, enum heap_names names);

int heap_walk(heap_snapshot *out)
{
    return walk_heap(out, NULL, NULL, NULL, NULL, NULL, HEAP_NAMES_FULL);
}

int heap_walk_names(heap_snapshot *out, enum heap_names names)
{
    return walk_heap(out, NULL, NULL, NULL, NULL, NULL, names);
}

int heap_walk_progress(heap_snapshot *out, heap_progress_fn fn, void *arg)
{
    return walk_heap(out, NULL, NULL, NULL, fn, arg, HEAP_NAMES_FULL);
}

int heap_walk_opts(heap_snapshot *out, PyObject *collect, const char *only, PyObject *leaking,
                   heap_progress_fn fn, void *arg)
{
    return walk_heap(out, collect, only, leaking, fn, arg, HEAP_NAMES_FULL);
}

static int walk_heap(heap_snapshot *out, PyObject *collect, const char *only, PyObject *leaking,
                     heap_progress_fn progress, void *progress_arg, enum heap_names names)
{
    memset(out, 0, sizeof *out);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    walk w;
    memset(&w, 0, sizeof w);
    eww_ptrset_init(&w.seen);
    w.collect = collect;
    w.only = only;
    w.progress = progress;
    w.progress_arg = progress_arg;
    w.names = names;
    eww_ptrset referenced;
    eww_ptrset_init(&referenced);
    w.referenced = leaking ? &referenced : NULL;
    int rc = 0;
    if (collect)
        eww_ptrset_add(&w.seen, collect); /* the result list is ours, not the app's */
    if (leaking)
        eww_ptrset_add(&w.seen, leaking);
    PyObject *seeds = NULL;
    w.object_sizeof = facts_c_sizeof(&PyBaseObject_Type);
    w.getsizeof = PySys_GetObject("getsizeof"); /* borrowed */
    if (!w.object_sizeof || !w.getsizeof) {
        PyErr_SetString(PyExc_RuntimeError, "heap walk: cannot find object.__sizeof__");
        return -1;
    }
    Py_INCREF(w.getsizeof);
    /* No collection (and so no finaliser) may run because of an allocation of ours. */
    int gc_was_enabled = facts_gc_disable();
    seeds = facts_gc_objects();
    if (!seeds || !PyList_Check(seeds)) {
        rc = -1;
        goto done;
    }
    /* The engine's own list is not part of the app's heap. */
    eww_ptrset_add(&w.seen, seeds);
    PyObject *roots[] = {PySys_GetObject("modules"), PyEval_GetBuiltins()};
    for (size_t i = 0; i < sizeof roots / sizeof roots[0] && !w.failed; i++)
        if (roots[i] && eww_ptrset_add(&w.seen, roots[i]) == 1)
            walk_from(&w, roots[i]);
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(seeds) && !w.failed; i++) {
        PyObject *o = PyList_GET_ITEM(seeds, i);
        if (eww_ptrset_add(&w.seen, o) == 1)
            walk_from(&w, o);
    }
    if (w.stopped) {
        PyErr_SetString(PyExc_KeyboardInterrupt, "stopped by the client");
        rc = -1;
        goto done;
    }
    if (w.failed) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        rc = -1;
        goto done;
    }
    /* objgraph's get_leaking_objects: gc objects that no other object refers to. */
    for (Py_ssize_t i = 0; leaking && i < PyList_GET_SIZE(seeds); i++) {
        PyObject *o = PyList_GET_ITEM(seeds, i);
        if (o == leaking || o == collect)
            continue; /* our own lists (the result list in itself would be a cycle) */
        tentry *e = type_entry(&w, Py_TYPE(o));
        if (e && !e->hidden && !eww_ptrset_has(&referenced, o) && PyList_Append(leaking, o) < 0) {
            rc = -1;
            goto done;
        }
    }
    if (rows_from_types(&w, out) < 0) {
        rc = -1;
        goto done;
    }
    out->engine_bytes = w.seen.bytes + w.cap * sizeof *w.stack + w.tcap * sizeof *w.types +
                        (size_t)PyList_GET_SIZE(seeds) * sizeof(PyObject *) + sizeof(PyListObject);
done:
    while (w.sp > 0 && !no_refs)
        Py_DECREF(w.stack[--w.sp]);
    eww_free(w.stack);
    eww_free(w.types);
    eww_ptrset_free(&w.seen);
    eww_ptrset_free(&referenced);
    Py_XDECREF(seeds);
    /* The raw pointers are gone: Python __sizeof__ methods may run now. */
    size_deferred(&w, rc == 0 ? out : NULL, !leaking && !collect);
    if (rc == 0 && w.stopped) {
        PyErr_SetString(PyExc_KeyboardInterrupt, "stopped by the client");
        rc = -1;
    }
    Py_XDECREF(w.getsizeof);
    facts_gc_restore(gc_was_enabled);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    out->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (rc < 0)
        heap_snapshot_free(out);
    return rc;
}

int heap_summarize_list(PyObject *objects, heap_snapshot *out, PyObject *named, int python_sizes,
                        enum heap_names names)
{
    memset(out, 0, sizeof *out);
    walk w;
    memset(&w, 0, sizeof w);
    w.names = names;
    w.object_sizeof = facts_c_sizeof(&PyBaseObject_Type);
    w.getsizeof = PySys_GetObject("getsizeof");
    if (!w.object_sizeof || !w.getsizeof) {
        PyErr_SetString(PyExc_RuntimeError, "cannot find object.__sizeof__");
        return -1;
    }
    Py_INCREF(w.getsizeof);
    int gc_was_enabled = facts_gc_disable();
    PyObject *seq = PySequence_Fast(objects, "summarize() takes a list of objects");
    int rc = seq ? 0 : -1;
    for (Py_ssize_t i = 0; seq && i < PySequence_Fast_GET_SIZE(seq) && !w.failed; i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(seq, i);
        /* pympler names functions, modules and frames one by one, and the instances of a class
         * whose metaclass has a __repr__ of its own (str(type(o))): the caller does that. */
        if (named && (PyFunction_Check(o) || PyModule_Check(o) || PyFrame_Check(o) ||
                      Py_TYPE(Py_TYPE(o))->tp_repr != PyType_Type.tp_repr)) {
            if (PyList_Append(named, o) < 0) {
                rc = -1;
                break;
            }
            continue;
        }
        account(&w, o);
    }
    if (rc == 0 && w.failed) {
        PyErr_NoMemory();
        rc = -1;
    }
    if (rc == 0)
        rc = rows_from_types(&w, out);
    eww_free(w.types);
    Py_XDECREF(seq);
    size_deferred(&w, rc == 0 ? out : NULL, python_sizes);
    Py_DECREF(w.getsizeof);
    facts_gc_restore(gc_was_enabled);
    return rc;
}

void heap_snapshot_free(heap_snapshot *s)
{
    eww_free(s->rows);
    s->rows = NULL;
    s->n = 0;
}

int heap_diff(const heap_snapshot *before, const heap_snapshot *after, heap_row **out, size_t *n)
{
    *out = eww_calloc(before->n + after->n + 1, sizeof **out);
    *n = 0;
    if (!*out)
        return EWW_ENOMEM;
    size_t i = 0, j = 0;
    while (i < before->n || j < after->n) {
        int c = i == before->n  ? 1
                : j == after->n ? -1
                                : by_type(&before->rows[i], &after->rows[j], NULL);
        heap_row r;
        if (c < 0) {
            r = before->rows[i++];
            r.dcount = -(int64_t)r.count;
            r.dsize = -(int64_t)r.size;
        } else if (c > 0) {
            r = after->rows[j++];
            r.dcount = (int64_t)r.count;
            r.dsize = (int64_t)r.size;
        } else {
            r = after->rows[j];
            r.dcount = (int64_t)after->rows[j].count - (int64_t)before->rows[i].count;
            r.dsize = (int64_t)after->rows[j].size - (int64_t)before->rows[i].size;
            i++;
            j++;
        }
        if (r.dcount != 0 || r.dsize != 0)
            (*out)[(*n)++] = r;
    }
    return 0;
}

/* ---- cyclic garbage, found without collecting it -------------------------------------
 *
 * The collector's own test, read-only: an object the gc tracks whose references all come
 * from other tracked objects, and that no externally referenced object reaches, is garbage
 * waiting for the next collection. For each tracked object: its reference count, less one
 * for every reference another tracked object holds (and one for our list); those left
 * above zero are held from outside (frames, C code, untracked containers): the roots. What
 * the roots reach through tp_traverse is alive; the rest is cyclic garbage. No Python code
 * runs and nothing is freed or moved. */

typedef struct gmap {
    PyObject **keys;
    Py_ssize_t *refs;
    size_t mask;
} gmap;

static size_t gmap_slot(const gmap *m, PyObject *o)
{
    uint64_t h = (uint64_t)((uintptr_t)o >> 4) * 0x9E3779B97F4A7C15ull;
    size_t i = (size_t)(h ^ (h >> 29)) & m->mask;
    while (m->keys[i] && m->keys[i] != o)
        i = (i + 1) & m->mask;
    return i;
}

typedef struct gwalk {
    gmap map;
    unsigned char *alive; /* by slot of map: reached from a root */
    PyObject **stack;
    size_t sp, cap;
    int failed;
} gwalk;

static int subtract_ref(PyObject *o, void *arg)
{
    gwalk *g = arg;
    size_t i = gmap_slot(&g->map, o);
    if (g->map.keys[i])
        g->map.refs[i]--;
    return 0;
}

static int mark_alive(PyObject *o, void *arg)
{
    gwalk *g = arg;
    size_t i = gmap_slot(&g->map, o);
    if (!g->map.keys[i] || g->alive[i])
        return 0;
    g->alive[i] = 1;
    if (g->sp == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 4096;
        PyObject **s = eww_realloc(g->stack, cap * sizeof *s);
        if (!s) {
            g->failed = 1;
            return 0;
        }
        g->stack = s;
        g->cap = cap;
    }
    g->stack[g->sp++] = o;
    return 0;
}

PyObject *heap_cyclic_garbage(void)
{
    int gc_was_enabled = facts_gc_disable();
    PyObject *all = facts_gc_objects(), *out = NULL;
    gwalk g;
    memset(&g, 0, sizeof g);
    if (!all)
        goto done;
    Py_ssize_t n = PyList_GET_SIZE(all);
    size_t cap = 1024;
    while (cap < (size_t)n * 2)
        cap *= 2;
    g.map.keys = eww_calloc(cap, sizeof *g.map.keys);
    g.map.refs = eww_calloc(cap, sizeof *g.map.refs);
    g.alive = eww_calloc(cap, 1);
    g.map.mask = cap - 1;
    if (!g.map.keys || !g.map.refs || !g.alive) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = PyList_GET_ITEM(all, i);
        size_t k = gmap_slot(&g.map, o);
        g.map.keys[k] = o;
        g.map.refs[k] = Py_REFCNT(o) - 1; /* less our list's reference */
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = PyList_GET_ITEM(all, i);
        traverseproc tr = Py_TYPE(o)->tp_traverse;
        if (tr)
            tr(o, subtract_ref, &g);
    }
    for (Py_ssize_t i = 0; i < n && !g.failed; i++) {
        PyObject *o = PyList_GET_ITEM(all, i);
        size_t k = gmap_slot(&g.map, o);
        if (g.map.refs[k] <= 0 || g.alive[k])
            continue;
        mark_alive(o, &g);
        while (g.sp > 0 && !g.failed) {
            PyObject *x = g.stack[--g.sp];
            traverseproc tr = Py_TYPE(x)->tp_traverse;
            if (tr)
                tr(x, mark_alive, &g);
        }
    }
    if (g.failed) {
        PyErr_NoMemory();
        goto done;
    }
    out = PyList_New(0);
    for (Py_ssize_t i = 0; out && i < n; i++) {
        PyObject *o = PyList_GET_ITEM(all, i);
        if (!g.alive[gmap_slot(&g.map, o)] && !facts_hidden(Py_TYPE(o)) &&
            PyList_Append(out, o) < 0)
            Py_CLEAR(out);
    }
done:
    eww_free(g.map.keys);
    eww_free(g.map.refs);
    eww_free(g.stack);
    eww_free(g.alive);
    Py_XDECREF(all);
    facts_gc_restore(gc_was_enabled);
    return out;
}
