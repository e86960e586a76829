/* graph.c - the graph of who refers to some objects (or what they refer to), as DOT.
 *
 * Backwards (`backrefs`, objgraph's show_backrefs): a breadth-first search from the targets,
 * one level per pass over the objects the gc tracks. A pass runs every object's tp_traverse
 * once and keeps the edges that end at a node of the current level (a hash probe per
 * reference), so depth 3 costs three passes over the heap, where objgraph runs one
 * gc.get_referrers scan per node. Referrers are always gc-tracked objects (an untracked
 * container holds only untracked objects), so a gc-tracked node that no pass reaches has
 * no referrer at all: it is held by C code, and the graph says so. When gc.freeze() was
 * used, the objects are found by a heap walk instead (gc.get_objects() leaves them out).
 *
 * Forwards (objgraph's show_refs): the same search through tp_traverse of the nodes.
 *
 * No Python code runs during a pass (a filter, a repr, the labels run between passes or at
 * the end, on objects the graph holds references to), and the search is bounded: at most
 * too_many edges per node (the rest are counted in a "N more" box) and max_nodes nodes.
 *
 * Two styles. The console's: a module's or class's attribute dict is drawn as its owner
 * ("module leakapp -> attribute 'registry'"), modules and classes are where the search stops
 * (the roots a programmer knows), labels carry the full type name and the ID for later
 * commands, edges say how (refs.c's labels). objgraph's: its node ids, labels, colours and
 * edge labels, so that a user of show_backrefs gets the picture they know.
 *
 * Not here: the console command (cmd_refs.c), files and Graphviz (the client; objgraph.py).
 */
#include "graph.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mem.h"
#include "dot.h"
#include "facts.h"
#include "fmt.h"
#include "heap.h"
#include "ptrset.h"
#include "refs.h"

/* ---- an address -> value map (open addressing, keys never 0) -------------------------- */

typedef struct pmap {
    uintptr_t *keys, *vals;
    size_t mask, n;
} pmap;

#define GONE UINTPTR_MAX /* the value of a key that is no longer a node */
/* Candidate edges held at once (a pass's finds, before they are settled): with a filter a
 * node may have many; past this they are counted, not kept. */
#define CANDIDATES_MAX 1000000

static size_t pmap_hash(uintptr_t k)
{
    uint64_t h = (uint64_t)(k >> 4) * 0x9E3779B97F4A7C15ull;
    return (size_t)(h ^ (h >> 29));
}

static int pmap_get(const pmap *m, uintptr_t k, uintptr_t *v)
{
    if (!m->keys)
        return 0;
    for (size_t i = pmap_hash(k) & m->mask;; i = (i + 1) & m->mask) {
        if (m->keys[i] == k) {
            *v = m->vals[i];
            return 1;
        }
        if (!m->keys[i])
            return 0;
    }
}

static int pmap_put(pmap *m, uintptr_t k, uintptr_t v);

static int pmap_grow(pmap *m)
{
    size_t cap = m->keys ? (m->mask + 1) * 2 : 1024;
    pmap bigger = {eww_calloc(cap, sizeof(uintptr_t)), eww_calloc(cap, sizeof(uintptr_t)), cap - 1,
                   0};
    if (!bigger.keys || !bigger.vals) {
        eww_free(bigger.keys);
        eww_free(bigger.vals);
        return -1;
    }
    for (size_t i = 0; m->keys && i <= m->mask; i++)
        if (m->keys[i])
            pmap_put(&bigger, m->keys[i], m->vals[i]);
    eww_free(m->keys);
    eww_free(m->vals);
    *m = bigger;
    return 0;
}

static int pmap_put(pmap *m, uintptr_t k, uintptr_t v)
{
    if ((!m->keys || (m->n + 1) * 2 > m->mask + 1) && pmap_grow(m) < 0)
        return -1;
    size_t i = pmap_hash(k) & m->mask;
    while (m->keys[i] && m->keys[i] != k)
        i = (i + 1) & m->mask;
    if (!m->keys[i])
        m->n++;
    m->keys[i] = k;
    m->vals[i] = v;
    return 0;
}

static void pmap_free(pmap *m)
{
    eww_free(m->keys);
    eww_free(m->vals);
    memset(m, 0, sizeof *m);
}

static size_t pmap_bytes(const pmap *m)
{
    return m->keys ? (m->mask + 1) * 2 * sizeof(uintptr_t) : 0;
}

/* ---- the graph ---------------------------------------------------------------------- */

typedef struct gnode {
    PyObject *o;    /* strong; NULL until find_id is found */
    int depth;      /* edges from a target */
    int expand;     /* its neighbours are searched */
    int referred;   /* backwards: some object refers to it */
    int redo;       /* console: became the owner of the dict it was; search it again */
    uint32_t pend;  /* candidates recorded in the current pass */
    uint32_t shown; /* edges drawn */
    uint64_t more;  /* neighbours not drawn (too_many, max_nodes) */
} gnode;

typedef struct gedge {
    uint32_t from, to; /* from refers to to */
    PyObject *via;     /* strong: the attribute dict drawn as its owner `from`, or NULL */
} gedge;

typedef struct cand {
    PyObject *o;   /* strong: a neighbour found in a pass */
    uint32_t node; /* of this node */
} cand;

typedef struct graph {
    const graph_opts *opt;
    gnode *nodes;
    size_t n, ncap;
    gedge *edges;
    size_t ne, ecap;
    cand *cands;
    size_t nc, ccap;
    pmap map;    /* address -> node index */
    pmap owners; /* console: a module's or class's attribute dict -> the module or class */
    eww_ptrset ignore;
    int depth; /* of the nodes whose neighbours this pass looks for */
    PyObject *cur;
    size_t cur_node;
    uintptr_t hits[16]; /* neighbours already met in the current object's traverse */
    int nhits;
    uint32_t cap; /* candidates kept per node and pass */
    int failed;
    int stopped; /* opt->tick asked to stop */
    int cut;
    int redo;         /* a pass for the nodes marked redo only */
    int fold_only;    /* a pass that only finds the instances of the last level's dicts */
    PyObject *frames; /* console: [(frame, its locals dict), ...] of the live threads */
    size_t peak_bytes;
} graph;

/* Room for one more element in an array of n (capacity *cap, doubling). 0 or -1. */
static int room(void **array, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 64;
    void *bigger = eww_realloc(*array, c * elem);
    if (!bigger)
        return -1;
    *array = bigger;
    *cap = c;
    return 0;
}

/* Console, backwards: an instance node's __dict__, when it has one (before 3.11, every
 * instance), is drawn as the instance itself, even when the instance became a node first
 * (a cycle a.other = b, b.other = a). */
static int note_dict(graph *g, PyObject *o)
{
    if (!o || !g->opt->console || !g->opt->backwards)
        return 0;
    PyObject *d = facts_existing_dict(o); /* drawn as its owner, as a module's dict is */
    return d ? pmap_put(&g->owners, (uintptr_t)d, (uintptr_t)o) : 0;
}

static int node_add(graph *g, PyObject *o, uintptr_t addr, int depth)
{
    if (room((void **)&g->nodes, g->n, &g->ncap, sizeof *g->nodes) < 0)
        return -1;
    if (pmap_put(&g->map, addr, g->n) < 0)
        return -1;
    Py_XINCREF(o);
    g->nodes[g->n] = (gnode){.o = o, .depth = depth};
    if (note_dict(g, o) < 0)
        return -1;
    return (int)g->n++;
}

static int edge_add(graph *g, size_t from, size_t to, PyObject *via)
{
    if (room((void **)&g->edges, g->ne, &g->ecap, sizeof *g->edges) < 0)
        return -1;
    Py_XINCREF(via);
    g->edges[g->ne++] = (gedge){(uint32_t)from, (uint32_t)to, via};
    return 0;
}

static void cand_add(graph *g, PyObject *o, size_t node)
{
    if (room((void **)&g->cands, g->nc, &g->ccap, sizeof *g->cands) < 0) {
        g->failed = 1;
        return;
    }
    Py_INCREF(o);
    g->cands[g->nc++] = (cand){o, (uint32_t)node};
}

/* Whether o was already met in this traverse (an object may refer to another twice). */
static int met(graph *g, uintptr_t key)
{
    for (int i = 0; i < g->nhits; i++)
        if (g->hits[i] == key)
            return 1;
    if (g->nhits < 16)
        g->hits[g->nhits++] = key;
    return 0;
}

/* A pass backwards: g->cur refers to o. Is o a node of this level? */
static int visit_back(PyObject *o, void *arg)
{
    graph *g = arg;
    uintptr_t v;
    if (!pmap_get(&g->map, (uintptr_t)o, &v) || v == GONE)
        return 0;
    gnode *t = &g->nodes[v];
    if (t->depth != g->depth || !t->expand || (g->redo && !t->redo))
        return 0;
    if (!t->o) { /* find_id: the address is a live object after all */
        Py_INCREF(o);
        t->o = o;
    }
    if (met(g, v + 1))
        return 0;
    t->referred = 1;
    if (t->pend >= g->cap || g->nc >= CANDIDATES_MAX) {
        t->more++;
        return 0;
    }
    t->pend++;
    cand_add(g, g->cur, v);
    return 0;
}

/* A pass forwards: the node g->cur refers to o. */
static int visit_fwd(PyObject *o, void *arg)
{
    graph *g = arg;
    if (facts_dead(o) || eww_ptrset_has(&g->ignore, o) || met(g, (uintptr_t)o))
        return 0;
    gnode *t = &g->nodes[g->cur_node];
    if (t->pend >= g->cap || g->nc >= CANDIDATES_MAX) {
        t->more++;
        return 0;
    }
    t->pend++;
    cand_add(g, o, g->cur_node);
    return 0;
}

/* objgraph's is_proper_module: a module that is sys.modules[its name]. */
static int proper_module(PyObject *o)
{
    if (!PyModule_Check(o))
        return 0;
    PyObject *name = PyModule_GetNameObject(o);
    PyObject *modules = PySys_GetObject("modules");
    PyObject *m = name && modules && PyDict_Check(modules) ? PyDict_GetItem(modules, name) : NULL;
    Py_XDECREF(name);
    PyErr_Clear();
    return m == o;
}

/* Where the search stops: the console stops at modules and classes; objgraph's show_backrefs
 * at proper modules, show_refs nowhere. */
static int culled(const graph *g, PyObject *o)
{
    if (!g->opt->backwards)
        return 0;
    if (g->opt->console)
        return PyModule_Check(o) || PyType_Check(o) || PyFrame_Check(o);
    return proper_module(o);
}

static int has_edge(const graph *g, size_t from, size_t to)
{
    for (size_t e = 0; e < g->ne; e++)
        if (g->edges[e].from == from && g->edges[e].to == to)
            return 1;
    return 0;
}

/* The candidates of a pass become nodes and edges: the filter, too_many and max_nodes apply
 * here, where Python code may run. */
static int settle(graph *g)
{
    const graph_opts *opt = g->opt;
    int rc = 0;
    for (size_t i = 0; i < g->nc && rc == 0; i++) {
        PyObject *x = g->cands[i].o, *via = NULL;
        size_t t = g->cands[i].node;
        if (opt->filter) {
            PyObject *r = PyObject_CallOneArg(opt->filter, x);
            int keep = r ? PyObject_IsTrue(r) : -1;
            Py_XDECREF(r);
            if (keep < 0) {
                rc = -1;
                break;
            }
            if (!keep)
                continue;
        }
        uintptr_t owner, j;
        if (opt->console && opt->backwards && pmap_get(&g->owners, (uintptr_t)x, &owner)) {
            via = x;
            x = (PyObject *)owner;
        }
        if (opt->console && opt->backwards && !via && refs_instance_dict(x, g->nodes[t].o) &&
            (!pmap_get(&g->map, (uintptr_t)x, &j) || j == GONE)) {
            /* The node was an instance's __dict__: draw the instance instead, whose own
             * referrers are searched again at this level. */
            PyObject *d = g->nodes[t].o;
            if (pmap_put(&g->map, (uintptr_t)x, t) < 0 ||
                pmap_put(&g->map, (uintptr_t)d, GONE) < 0) {
                PyErr_NoMemory();
                rc = -1;
                break;
            }
            Py_INCREF(x);
            g->nodes[t].o = x;
            Py_DECREF(d);
            if (note_dict(g, x) < 0) {
                PyErr_NoMemory();
                rc = -1;
                break;
            }
            g->nodes[t].redo = 1;
            g->nodes[t].referred = 0;
            continue;
        }
        if (g->fold_only)
            continue;
        if (g->nodes[t].shown >= (uint32_t)opt->too_many) {
            g->nodes[t].more++;
            continue;
        }
        if (!pmap_get(&g->map, (uintptr_t)x, &j) || j == GONE) {
            if (g->n >= opt->max_nodes) {
                g->nodes[t].more++;
                g->cut = 1;
                continue;
            }
            int k = node_add(g, x, (uintptr_t)x, g->depth + 1);
            if (k < 0) {
                PyErr_NoMemory();
                rc = -1;
                break;
            }
            j = (uintptr_t)k;
        }
        if (opt->console && PyFrame_Check(x) && has_edge(g, j, t))
            continue; /* a frame found twice: by its variables and by its locals dict */
        if ((opt->backwards ? edge_add(g, j, t, via) : edge_add(g, t, j, via)) < 0) {
            PyErr_NoMemory();
            rc = -1;
            break;
        }
        g->nodes[t].shown++;
    }
    for (size_t i = 0; i < g->nc; i++)
        Py_DECREF(g->cands[i].o);
    g->nc = 0;
    for (size_t i = 0; i < g->n; i++)
        g->nodes[i].pend = 0;
    return rc;
}

/* The objects a backwards pass looks through: gc.get_objects() (`given`, when the caller had
 * it), or every object when gc.freeze() put some out of its sight. A new reference, or NULL
 * with an exception. */
static PyObject *scan_list(PyObject *given)
{
    PyObject *gc = PyImport_ImportModule("gc");
    if (!gc)
        return NULL;
    PyObject *frozen = PyObject_CallMethod(gc, "get_freeze_count", NULL);
    long nfrozen = frozen ? PyLong_AsLong(frozen) : 0;
    Py_XDECREF(frozen);
    PyErr_Clear();
    PyObject *list = NULL;
    if (nfrozen > 0) {
        heap_snapshot s;
        list = PyList_New(0);
        if (list && heap_walk_opts(&s, list, NULL, NULL, NULL, NULL) < 0)
            Py_CLEAR(list);
        else if (list)
            heap_snapshot_free(&s);
    } else if (given) {
        Py_INCREF(given);
        list = given;
    } else {
        list = PyObject_CallMethod(gc, "get_objects", NULL);
    }
    Py_DECREF(gc);
    return list;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t graph_bytes(const graph *g, PyObject *scan)
{
    return g->ncap * sizeof *g->nodes + g->ecap * sizeof *g->edges + g->ccap * sizeof *g->cands +
           pmap_bytes(&g->map) + pmap_bytes(&g->owners) + g->ignore.bytes +
           (scan ? (size_t)PyList_GET_SIZE(scan) * sizeof(PyObject *) : 0);
}

/* One level of the search: the neighbours of the nodes at depth g->depth. */
static int search_level(graph *g, PyObject *scan, uintptr_t find_id)
{
    if (g->opt->backwards) {
        Py_ssize_t n = PyList_GET_SIZE(scan);
        for (Py_ssize_t i = 0; i < n && !g->failed; i++) {
            if ((i & 0xFFF) == 0 && g->opt->tick && g->opt->tick(g->opt->progress_arg)) {
                g->stopped = g->failed = 1;
                break;
            }
            PyObject *x = PyList_GET_ITEM(scan, i);
            if (find_id && (uintptr_t)x == find_id && !g->nodes[0].o) {
                Py_INCREF(x);
                g->nodes[0].o = x;
                if (note_dict(g, x) < 0)
                    g->failed = 1;
            }
            traverseproc tr = Py_TYPE(x)->tp_traverse;
            if (!tr || !PyObject_IS_GC(x) || eww_ptrset_has(&g->ignore, x))
                continue;
            g->cur = x;
            g->nhits = 0;
            tr(x, visit_back, g);
        }
    } else {
        size_t n = g->n; /* nodes added by this level are the next one's */
        for (size_t i = 0; i < n && !g->failed; i++) {
            PyObject *x = g->nodes[i].o;
            traverseproc tr = Py_TYPE(x)->tp_traverse;
            if (g->nodes[i].depth != g->depth || !g->nodes[i].expand || !tr || !PyObject_IS_GC(x))
                continue;
            g->cur_node = i;
            g->nhits = 0;
            tr(x, visit_fwd, g);
        }
    }
    /* A running frame's variables are not among its references (tp_traverse): look. */
    for (Py_ssize_t i = 0; g->frames && i < PyList_GET_SIZE(g->frames) && !g->failed; i++) {
        PyObject *pair = PyList_GET_ITEM(g->frames, i), *k, *v;
        Py_ssize_t p = 0;
        g->cur = PyTuple_GET_ITEM(pair, 0);
        g->nhits = 0;
        while (PyDict_Next(PyTuple_GET_ITEM(pair, 1), &p, &k, &v))
            visit_back(v, g);
    }
    if (g->failed) {
        if (g->stopped)
            PyErr_SetString(PyExc_KeyboardInterrupt, "stopped by the client");
        else
            PyErr_NoMemory();
        return -1;
    }
    size_t bytes = graph_bytes(g, scan);
    if (bytes > g->peak_bytes)
        g->peak_bytes = bytes;
    return settle(g);
}

static int ignore_ids(graph *g, PyObject *ids)
{
    if (!ids)
        return 0;
    PyObject *it = PyObject_GetIter(ids), *x;
    if (!it)
        return -1;
    while ((x = PyIter_Next(it))) {
        void *p = PyLong_AsVoidPtr(x);
        Py_DECREF(x);
        if (!p && PyErr_Occurred())
            break;
        if (eww_ptrset_add(&g->ignore, p) < 0) {
            PyErr_NoMemory();
            break;
        }
    }
    Py_DECREF(it);
    return PyErr_Occurred() ? -1 : 0;
}

/* Console: the frames of the live threads and their local variables (a frame's locals dict,
 * when it was made, is drawn as the frame). Module-level frames are left out: their locals
 * are the module's attributes. */
static int find_frames(graph *g)
{
    PyObject *current = PyObject_CallMethod(PyImport_AddModule("sys"), "_current_frames", NULL);
    g->frames = current ? PyList_New(0) : NULL;
    PyObject *tid, *top;
    Py_ssize_t p = 0;
    while (g->frames && PyDict_Next(current, &p, &tid, &top)) {
        PyObject *f = top;
        Py_INCREF(f);
        while (f) {
            PyObject *locals = facts_frame_locals(f);
            uintptr_t owner;
            if (locals && !pmap_get(&g->owners, (uintptr_t)locals, &owner)) {
                PyObject *pair = PyTuple_Pack(2, f, locals);
                if (!pair || PyList_Append(g->frames, pair) < 0 ||
                    pmap_put(&g->owners, (uintptr_t)locals, (uintptr_t)f) < 0)
                    g->failed = 1;
                Py_XDECREF(pair);
            }
            Py_XDECREF(locals);
            PyErr_Clear();
            PyObject *back = (PyObject *)PyFrame_GetBack((PyFrameObject *)f);
            Py_DECREF(f);
            f = back;
        }
    }
    Py_XDECREF(current);
    if (g->failed) {
        PyErr_NoMemory();
        return -1;
    }
    PyErr_Clear(); /* without sys._current_frames, no frames: not an error */
    if (g->frames)
        eww_ptrset_add(&g->ignore, g->frames);
    return 0;
}

/* Console: which dicts are a module's or a class's attributes. */
static int find_owners(graph *g, PyObject *scan)
{
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(scan); i++) {
        PyObject *x = PyList_GET_ITEM(scan, i), *d = NULL;
        if (PyModule_Check(x))
            d = PyModule_GetDict(x);
        else if (PyType_Check(x))
            d = ((PyTypeObject *)x)->tp_dict;
        if (d && pmap_put(&g->owners, (uintptr_t)d, (uintptr_t)x) < 0) {
            PyErr_NoMemory();
            return -1;
        }
    }
    return 0;
}

static int search(graph *g, PyObject *targets, graph_result *res)
{
    const graph_opts *opt = g->opt;
    g->cap = opt->filter ? 100000 : (uint32_t)opt->too_many;
    if (opt->find_id) {
        if (node_add(g, NULL, opt->find_id, 0) < 0)
            return PyErr_NoMemory(), -1;
    } else {
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(targets); i++) {
            PyObject *x = PyList_GET_ITEM(targets, i);
            uintptr_t v;
            if (!pmap_get(&g->map, (uintptr_t)x, &v) && node_add(g, x, (uintptr_t)x, 0) < 0)
                return PyErr_NoMemory(), -1;
        }
    }
    if (ignore_ids(g, opt->ignore) < 0)
        return -1;
    eww_ptrset_add(&g->ignore, targets);
    PyObject *scan = NULL;
    if (opt->backwards) {
        scan = scan_list(opt->scan);
        if (!scan)
            return -1;
        eww_ptrset_add(&g->ignore, scan);
        if (opt->scan) /* given, but replaced by a heap walk (3.12 freezes objects at start) */
            eww_ptrset_add(&g->ignore, opt->scan);
        if (opt->console && (find_owners(g, scan) < 0 || find_frames(g) < 0)) {
            Py_DECREF(scan);
            return -1;
        }
    }
    double t0 = now();
    int rc = 0;
    for (int d = 0; d < opt->max_depth && rc == 0; d++) {
        int any = 0;
        for (size_t i = 0; i < g->n; i++) {
            gnode *x = &g->nodes[i];
            if (x->depth == d) {
                x->expand = !x->o || (d == 0 && opt->console) ? 1 : !culled(g, x->o);
                any |= x->expand;
            }
        }
        if (!any)
            break;
        g->depth = d;
        rc = search_level(g, scan, opt->find_id);
        int again = 0;
        for (size_t i = 0; i < g->n; i++)
            again |= g->nodes[i].redo;
        if (rc == 0 && again) { /* instances found in place of their __dict__ */
            g->redo = 1;
            rc = search_level(g, scan, 0);
            g->redo = 0;
            for (size_t i = 0; i < g->n; i++)
                g->nodes[i].redo = 0;
        }
        if (rc == 0 && opt->find_id && !g->nodes[0].o)
            break; /* no live object has this address */
        if (opt->progress && now() - t0 > 1.0)
            opt->progress(opt->progress_arg, d + 1, now() - t0);
    }
    /* Dicts at the last level may be instances' __dict__: one more pass draws those
     * instances in their place (a __dict__ is not a level of its own). */
    int dicts = 0;
    for (size_t i = 0; rc == 0 && opt->console && i < g->n; i++) {
        gnode *x = &g->nodes[i];
        if (x->depth == opt->max_depth && x->o && PyDict_Check(x->o)) {
            x->expand = 1;
            dicts = 1;
        }
    }
    if (dicts) {
        g->fold_only = 1;
        g->depth = opt->max_depth;
        rc = search_level(g, scan, 0);
        for (size_t i = 0; i < g->n; i++)
            if (g->nodes[i].depth == opt->max_depth)
                g->nodes[i].expand = g->nodes[i].redo = 0;
    }
    Py_XDECREF(scan);
    Py_CLEAR(g->frames);
    res->found = opt->find_id ? g->n > 0 && g->nodes[0].o != NULL : 1;
    res->nodes = g->n;
    res->cut = g->cut;
    res->index_bytes = g->peak_bytes;
    return rc;
}

/* ---- labels ------------------------------------------------------------------------- */

/* objgraph's _short_repr, made safe (refs_short_repr for everything else). */
static void short_repr(PyObject *o, char *out, size_t n)
{
    if (PyType_Check(o) || PyModule_Check(o) || PyCFunction_Check(o)) {
        PyObject *name = PyObject_GetAttrString(o, "__name__");
        if (name && PyUnicode_Check(name)) {
            snprintf(out, n, "%s", PyUnicode_AsUTF8(name));
            Py_DECREF(name);
            PyErr_Clear();
            return;
        }
        Py_XDECREF(name);
        PyErr_Clear();
    } else if (PyMethod_Check(o)) {
        char f[200];
        short_repr(PyMethod_GET_FUNCTION(o), f, sizeof f);
        snprintf(out, n, "%s%s", f, PyMethod_GET_SELF(o) ? " (bound)" : "");
        return;
    } else if (PyFunction_Check(o)) {
        PyCodeObject *c = (PyCodeObject *)PyFunction_GET_CODE(o);
        const char *name = PyUnicode_AsUTF8(((PyFunctionObject *)o)->func_name);
        if (name && strcmp(name, "<lambda>") == 0) {
            const char *file = PyUnicode_AsUTF8(c->co_filename);
            const char *base = file && strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
            snprintf(out, n, "lambda: %s:%d", base ? base : "?", c->co_firstlineno);
            return;
        }
        PyErr_Clear();
    } else if (PyFrame_Check(o)) {
        PyCodeObject *c = PyFrame_GetCode((PyFrameObject *)o);
        const char *file = c ? PyUnicode_AsUTF8(c->co_filename) : NULL;
        snprintf(out, n, "%s:%d", file ? file : "?", PyFrame_GetLineNumber((PyFrameObject *)o));
        Py_XDECREF(c);
        PyErr_Clear();
        return;
    } else if (PyTuple_Check(o) || PyList_Check(o) || PyDict_Check(o) || PyAnySet_Check(o)) {
        snprintf(out, n, "%zd items", PyObject_Length(o));
        return;
    }
    if (facts_repr(o, out, n))
        return;
    /* objgraph's style only (the drop-ins, in the caller's thread, as objgraph does it): the
     * object's own __repr__, on a node the graph holds a reference to. */
    PyObject *r = PyObject_Repr(o);
    if (!r || !PyUnicode_Check(r)) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        snprintf(out, n, "(repr raised %s)", type ? ((PyTypeObject *)type)->tp_name : "an error");
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
        Py_XDECREF(r);
        return;
    }
    PyObject *head = PyUnicode_GET_LENGTH(r) > 40 ? PyUnicode_Substring(r, 0, 37) : NULL;
    const char *u = PyUnicode_AsUTF8(head ? head : r);
    snprintf(out, n, "%s%s", u ? u : "?", head ? "..." : "");
    PyErr_Clear();
    Py_XDECREF(head);
    Py_DECREF(r);
}

/* type(o).__name__, or __module__.__name__ (objgraph's short and long type names). */
static void type_label(PyObject *o, int shortnames, char *out, size_t n)
{
    PyTypeObject *t = Py_TYPE(o);
    PyObject *nm = PyObject_GetAttrString((PyObject *)t, "__name__");
    const char *name = nm && PyUnicode_Check(nm) ? PyUnicode_AsUTF8(nm) : NULL;
    if (!name)
        name = "?";
    PyObject *mod = shortnames ? NULL : PyObject_GetAttrString((PyObject *)t, "__module__");
    if (mod && PyUnicode_Check(mod) && PyUnicode_GET_LENGTH(mod) > 0)
        snprintf(out, n, "%s.%s", PyUnicode_AsUTF8(mod), name);
    else
        snprintf(out, n, "%s", name);
    Py_XDECREF(mod);
    Py_XDECREF(nm);
    PyErr_Clear();
}

/* objgraph's edge labels: __dict__, f_locals, f_globals, __self__, __func__, dict keys. */
static int objgraph_edge(eww_buf *b, PyObject *src, PyObject *dst, int shortnames)
{
    const char *slot = NULL;
    if (PyDict_Check(dst)) {
        if (PyModule_Check(src))
            slot = PyModule_GetDict(src) == dst ? "__dict__" : NULL;
        else if (PyType_Check(src))
            slot = ((PyTypeObject *)src)->tp_dict == dst ? "__dict__" : NULL;
        else if (Py_TYPE(src)->tp_dictoffset != 0) {
            PyObject *d = PyObject_GetAttrString(src, "__dict__");
            slot = d == dst ? "__dict__" : NULL;
            Py_XDECREF(d);
            PyErr_Clear();
        }
    }
    if (!slot && PyFrame_Check(src)) {
        PyObject *l = PyObject_GetAttrString(src, "f_locals");
        PyObject *gl = PyObject_GetAttrString(src, "f_globals");
        slot = dst == l ? "f_locals" : dst == gl ? "f_globals" : NULL;
        Py_XDECREF(l);
        Py_XDECREF(gl);
        PyErr_Clear();
    }
    if (!slot && PyMethod_Check(src))
        slot = dst == PyMethod_GET_SELF(src)       ? "__self__"
               : dst == PyMethod_GET_FUNCTION(src) ? "__func__"
                                                   : NULL;
    if (slot)
        return eww_buf_printf(b, " [label=\"%s\",weight=10]", slot);
    if (!PyDict_Check(src))
        return 0;
    PyObject *k, *v;
    Py_ssize_t p = 0;
    while (PyDict_Next(src, &p, &k, &v)) {
        if (v != dst)
            continue;
        int rc = eww_buf_puts(b, " [label=\"");
        const char *ident =
            PyUnicode_Check(k) && PyUnicode_IsIdentifier(k) == 1 ? PyUnicode_AsUTF8(k) : NULL;
        PyErr_Clear();
        if (ident) {
            rc = rc ? rc : eww_dot_quote(b, ident, 200);
            return rc ? rc : eww_buf_puts(b, "\",weight=2]");
        }
        char t[200], s[256], both[460];
        type_label(k, shortnames, t, sizeof t);
        short_repr(k, s, sizeof s);
        snprintf(both, sizeof both, "%s\n%s", t, s);
        rc = rc ? rc : eww_dot_quote(b, both, 500);
        return rc ? rc : eww_buf_puts(b, "\"]");
    }
    return 0;
}

/* objgraph's _gradient: from start to end as depth goes from 0 to max_depth. */
static void gradient(const double start[3], const double end[3], int depth, int max_depth,
                     double out[3])
{
    double f = max_depth ? (double)depth / max_depth : 0;
    for (int i = 0; i < 3; i++)
        out[i] = start[i] * (1 - f) + end[i] * f;
}

static int call_str(PyObject *fn, PyObject *o, char *out, size_t n)
{
    PyObject *r = PyObject_CallOneArg(fn, o);
    PyObject *s = r ? PyObject_Str(r) : NULL;
    Py_XDECREF(r);
    if (!s)
        return -1;
    PyObject *u8 = PyUnicode_AsEncodedString(s, "utf-8", "backslashreplace");
    Py_DECREF(s);
    if (!u8)
        return -1;
    snprintf(out, n, "%s", PyBytes_AS_STRING(u8));
    Py_DECREF(u8);
    return 0;
}

static int valid_attr_name(const char *s)
{
    if (!(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return 0;
    for (; *s; s++)
        if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

static int extra_attrs(eww_buf *b, PyObject *fn, PyObject *o)
{
    PyObject *attrs = PyObject_CallOneArg(fn, o);
    if (!attrs)
        return -1;
    PyObject *items = PyMapping_Items(attrs);
    Py_DECREF(attrs);
    if (!items || PyList_Sort(items) < 0) {
        Py_XDECREF(items);
        return -1;
    }
    int rc = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items) && rc == 0; i++) {
        PyObject *kv = PyList_GET_ITEM(items, i);
        PyObject *k =
            PyTuple_Check(kv) && PyTuple_GET_SIZE(kv) == 2 ? PyTuple_GET_ITEM(kv, 0) : NULL;
        PyObject *v = k ? PyTuple_GET_ITEM(kv, 1) : NULL;
        const char *name = k && PyUnicode_Check(k) ? PyUnicode_AsUTF8(k) : NULL;
        if (!name || v == Py_None || !valid_attr_name(name))
            continue;
        PyObject *s = PyObject_Str(v);
        PyObject *u8 = s ? PyUnicode_AsEncodedString(s, "utf-8", "backslashreplace") : NULL;
        Py_XDECREF(s);
        if (!u8) {
            rc = -1;
            break;
        }
        rc = eww_buf_printf(b, ", %s=\"", name);
        rc = rc ? rc : eww_dot_quote(b, PyBytes_AS_STRING(u8), 1000);
        rc = rc ? rc : eww_buf_putc(b, '"');
        Py_DECREF(u8);
        if (rc)
            PyErr_NoMemory();
    }
    Py_DECREF(items);
    return rc ? -1 : 0;
}

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        if ((expr) != 0)                                                                           \
            goto fail;                                                                             \
    } while (0)

/* The edges grouped by the node they were found from (objgraph writes them after it):
 * order[first[i] .. first[i + 1]) are node i's. NULL when out of memory. */
static size_t *edges_by_node(const graph *g, size_t **first_out)
{
    size_t *first = eww_calloc(g->n + 1, sizeof *first);
    size_t *order = eww_malloc((g->ne ? g->ne : 1) * sizeof *order);
    size_t *fill = eww_calloc(g->n + 1, sizeof *fill);
    if (!first || !order || !fill) {
        eww_free(first);
        eww_free(order);
        eww_free(fill);
        return NULL;
    }
    for (size_t e = 0; e < g->ne; e++)
        first[(g->opt->backwards ? g->edges[e].to : g->edges[e].from) + 1]++;
    for (size_t i = 0; i < g->n; i++)
        first[i + 1] += first[i];
    for (size_t e = 0; e < g->ne; e++) {
        size_t k = g->opt->backwards ? g->edges[e].to : g->edges[e].from;
        order[first[k] + fill[k]++] = e;
    }
    eww_free(fill);
    *first_out = first;
    return order;
}

static int write_objgraph(graph *g, eww_buf *b)
{
    const graph_opts *opt = g->opt;
    size_t *first = NULL, *order = edges_by_node(g, &first);
    int rc = -1;
    if (!order) {
        PyErr_NoMemory();
        return -1;
    }
    static const double white[3] = {0, 0, 1}, grey[3] = {0, 0, .3};
    static const double red1[3] = {0, 1, 1}, red2[3] = {0, 1, .3};
    TRY(eww_buf_puts(b,
                     "digraph ObjectGraph {\n  node[shape=box, style=filled, fillcolor=white];\n"));
    for (size_t i = 0; i < g->n; i++) {
        gnode *x = &g->nodes[i];
        unsigned long id = (unsigned long)(uintptr_t)x->o;
        char t[256], s[256], info[1100] = "";
        type_label(x->o, opt->shortnames, t, sizeof t);
        if (opt->refcounts) {
            size_t len = strlen(t);
            snprintf(t + len, sizeof t - len, " [%zd]", Py_REFCNT(x->o) - 1);
        }
        short_repr(x->o, s, sizeof s);
        if (opt->extra_info && call_str(opt->extra_info, x->o, info, sizeof info) < 0)
            goto out;
        char label[1700];
        snprintf(label, sizeof label, "%s\n%s%s%s", t, s, opt->extra_info ? "\n" : "", info);
        if (x->depth == 0)
            TRY(eww_buf_printf(b, "  o%lu[fontcolor=red];\n", id));
        TRY(eww_buf_printf(b, "  o%lu[label=\"", id));
        TRY(eww_dot_quote(b, label, 2000));
        TRY(eww_buf_putc(b, '"'));
        if (opt->extra_node_attrs && extra_attrs(b, opt->extra_node_attrs, x->o) < 0)
            goto out;
        TRY(eww_buf_puts(b, "];\n"));
        double hsv[3];
        gradient(white, grey, x->depth, opt->max_depth, hsv);
        if (PyModule_Check(x->o)) {
            hsv[0] = .3;
            hsv[1] = 1;
        }
        if (opt->highlight) {
            PyObject *r = PyObject_CallOneArg(opt->highlight, x->o);
            int on = r ? PyObject_IsTrue(r) : -1;
            Py_XDECREF(r);
            if (on < 0)
                goto out;
            if (on) {
                hsv[0] = .6;
                hsv[1] = .6;
                hsv[2] = .5 + hsv[2] * .5;
            }
        }
        TRY(eww_buf_printf(b, "  o%lu[fillcolor=\"%g,%g,%g\"];\n", id, hsv[0], hsv[1], hsv[2]));
        if (hsv[2] < .5)
            TRY(eww_buf_printf(b, "  o%lu[fontcolor=white];\n", id));
        if (Py_TYPE(x->o)->tp_finalize && (Py_TYPE(x->o)->tp_flags & Py_TPFLAGS_HEAPTYPE) &&
            PyObject_HasAttrString((PyObject *)Py_TYPE(x->o), "__del__"))
            TRY(eww_buf_printf(
                b,
                "  o%lu->o%lu_has_a_del[color=red,style=dotted,len=0.25,weight=10];\n"
                "  o%lu_has_a_del[label=\"__del__\",shape=doublecircle,height=0.25,"
                "color=red,fillcolor=\"0,.5,1\",fontsize=6];\n",
                id, id, id));
        for (size_t k = first[i]; k < first[i + 1]; k++) {
            gedge *ed = &g->edges[order[k]];
            PyObject *src = g->nodes[ed->from].o, *dst = g->nodes[ed->to].o;
            TRY(eww_buf_printf(b, "  o%lu -> o%lu", (unsigned long)(uintptr_t)src,
                               (unsigned long)(uintptr_t)dst));
            TRY(objgraph_edge(b, src, dst, opt->shortnames));
            TRY(eww_buf_puts(b, ";\n"));
        }
        if (x->more) {
            gradient(red1, red2, x->depth + 1, opt->max_depth, hsv);
            if (opt->backwards)
                TRY(eww_buf_printf(b, "  too_many_o%lu->o%lu", id, id));
            else
                TRY(eww_buf_printf(b, "  o%lu->too_many_o%lu", id, id));
            TRY(eww_buf_printf(b,
                               "[color=red,style=dotted,len=0.25,weight=10];\n"
                               "  too_many_o%lu[label=\"%llu more %s\",shape=box,height=0.25,"
                               "color=red,fillcolor=\"%g,%g,%g\",fontsize=6];\n"
                               "  too_many_o%lu[fontcolor=white];\n",
                               id, (unsigned long long)x->more,
                               opt->backwards ? "backreferences" : "references", hsv[0], hsv[1],
                               hsv[2], id));
        }
    }
    TRY(eww_buf_puts(b, "}\n"));
    rc = 0;
    goto out;
fail:
    PyErr_NoMemory();
out:
    eww_free(first);
    eww_free(order);
    return rc;
}

/* The console's node label: "leakapp.Handler at 0x7f..." and a short repr. */
static void console_label(gnode *x, char *out, size_t n)
{
    char head[300], detail[256];
    PyObject *o = x->o;
    refs_describe(o, head, sizeof head, detail, sizeof detail);
    snprintf(out, n, "%s%s%s%s", head, detail[0] ? "\n" : "", detail,
             x->expand && !x->referred && PyObject_GC_IsTracked(o) && !PyModule_Check(o) &&
                     !PyType_Check(o) && !PyFrame_Check(o)
                 ? "\n(nothing refers to it: held by C code)"
                 : "");
}

static int write_console(graph *g, eww_buf *b)
{
    const graph_opts *opt = g->opt;
    TRY(eww_buf_puts(b, "digraph backrefs {\n"));
    if (opt->title) {
        TRY(eww_buf_puts(b, "  graph [labelloc=t, fontname=\"Helvetica\", fontsize=12, label=\""));
        char title[600];
        snprintf(title, sizeof title, "%s%s", opt->title,
                 g->cut ? "\n(the graph stops at its node limit: -n for more)" : "");
        TRY(eww_dot_quote(b, title, 600));
        TRY(eww_buf_puts(b, "\"];\n"));
    }
    TRY(eww_buf_puts(b, "  node [shape=box, style=filled, fillcolor=white, fontname=\"Helvetica\", "
                        "fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n"));
    for (size_t i = 0; i < g->n; i++) {
        gnode *x = &g->nodes[i];
        unsigned long id = (unsigned long)(uintptr_t)x->o;
        char label[700];
        console_label(x, label, sizeof label);
        const char *style;
        if (x->depth == 0)
            style = "fillcolor=\"#ffd6d6\", color=red, penwidth=2";
        else if (PyModule_Check(x->o))
            style = "fillcolor=\"#c8e6c9\"";
        else if (PyType_Check(x->o))
            style = "fillcolor=\"#cfe2f3\"";
        else if (PyFrame_Check(x->o))
            style = "fillcolor=\"#fff2b3\"";
        else if (x->expand && !x->referred && PyObject_GC_IsTracked(x->o))
            style = "fillcolor=\"#ffe0b2\", color=\"#e65100\"";
        else
            style = x->depth % 2 ? "fillcolor=\"#f4f4f4\"" : "fillcolor=white";
        TRY(eww_buf_printf(b, "  o%lu [label=\"", id));
        TRY(eww_dot_quote(b, label, 700));
        TRY(eww_buf_printf(b, "\", %s];\n", style));
        if (x->more) {
            char num[40];
            eww_fmt_count(num, sizeof num, x->more);
            TRY(eww_buf_printf(b,
                               "  more_o%lu [label=\"%s more %s\", shape=box, style=dashed, "
                               "color=red, fontcolor=red, fontsize=8];\n",
                               id, num,
                               opt->backwards ? (x->more == 1 ? "referrer" : "referrers")
                                              : (x->more == 1 ? "referent" : "referents")));
            if (opt->backwards)
                TRY(eww_buf_printf(b, "  more_o%lu -> o%lu [style=dashed, color=red];\n", id, id));
            else
                TRY(eww_buf_printf(b, "  o%lu -> more_o%lu [style=dashed, color=red];\n", id, id));
        }
    }
    for (size_t e = 0; e < g->ne; e++) {
        gedge *ed = &g->edges[e];
        PyObject *src = g->nodes[ed->from].o, *dst = g->nodes[ed->to].o;
        char lab[300];
        if (ed->via && !PyFrame_Check(src))
            refs_attribute_label(src, ed->via, dst, 0, lab, sizeof lab);
        else
            refs_edge_label(src, dst, 0, lab, sizeof lab);
        TRY(eww_buf_printf(b, "  o%lu -> o%lu [label=\"", (unsigned long)(uintptr_t)src,
                           (unsigned long)(uintptr_t)dst));
        TRY(eww_dot_quote(b, lab, 200));
        TRY(eww_buf_puts(b, "\"];\n"));
    }
    TRY(eww_buf_puts(b, "}\n"));
    return 0;
fail:
    PyErr_NoMemory();
    return -1;
}

int graph_dot(PyObject *targets, const graph_opts *opt, eww_buf *out, graph_result *res)
{
    graph g = {.opt = opt};
    memset(res, 0, sizeof *res);
    eww_ptrset_init(&g.ignore);
#if PY_VERSION_HEX >= 0x030A0000
    int gc_was_enabled = PyGC_Disable();
#endif
    int rc = search(&g, targets, res);
    if (rc == 0 && res->found)
        rc = opt->console ? write_console(&g, out) : write_objgraph(&g, out);
#if PY_VERSION_HEX >= 0x030A0000
    if (gc_was_enabled)
        PyGC_Enable();
#endif
    for (size_t i = 0; i < g.n; i++)
        Py_XDECREF(g.nodes[i].o);
    for (size_t i = 0; i < g.ne; i++)
        Py_XDECREF(g.edges[i].via);
    for (size_t i = 0; i < g.nc; i++)
        Py_DECREF(g.cands[i].o);
    Py_XDECREF(g.frames);
    eww_free(g.nodes);
    eww_free(g.edges);
    eww_free(g.cands);
    pmap_free(&g.map);
    pmap_free(&g.owners);
    eww_ptrset_free(&g.ignore);
    return rc;
}
