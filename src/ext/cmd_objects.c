/* cmd_objects.c - `size`, `refs` and `track`: one object, or the instances of a class.
 *
 * size ID|TYPE|-e EXPR   deep and flat size, as pympler's asizeof counts them (eww.asizeof:
 *                        its rules in Python, its loop in C), in the app with the GIL held.
 * refs ID [-d DEPTH]     the tree of what an object refers to (refbrowser's view, forwards),
 *                        from C facts only: answered on a snapshot like chain.
 * track CLASS [-i S]     the number of instances of a class and their deep size, sampled
 *                        every S seconds into two graphs of the stats store until Ctrl-C.
 */
#include "pycompat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asizeof.h"
#include "commands.h"
#include "facts.h"
#include "fmt.h"
#include "lookup.h"
#include "proto.h"
#include "ptrset.h"
#include "refs.h"
#include "snapshot.h"
#include "stats_api.h"

/* ---- sizes, through eww.asizeof -------------------------------------------------------- */

typedef struct sizes {
    long long deep; /* all objects together, each object counted once (Asizer.total) */
    long long flat; /* the sum of their flat sizes */
    PyObject *each; /* what each adds, in order (a tuple), or NULL */
} sizes;

/* Size a list of objects with one Asizer (pympler's default options), in one walk: the deep
 * total counts each object once; what each adds counts what several share with the first.
 * 0, or -1 with an exception. */
static int size_objects(PyObject *objs, int want_each, sizes *out)
{
    out->deep = out->flat = 0;
    out->each = NULL;
    PyObject *mod = PyImport_ImportModule("eww.asizeof");
    PyObject *sizer = mod ? PyObject_CallMethod(mod, "Asizer", NULL) : NULL;
    PyObject *args = sizer ? PySequence_Tuple(objs) : NULL;
    PyObject *got = args ? asizeof_sizes(sizer, args) : NULL; /* the total counts each once */
    PyObject *total = got ? PyObject_GetAttrString(sizer, "total") : NULL;
    int rc = -1;
    if (total) {
        out->deep = PyLong_AsLongLong(total);
        rc = out->deep == -1 && PyErr_Occurred() ? -1 : 0;
        PyObject *flats = PyTuple_GET_ITEM(got, 1);
        for (Py_ssize_t i = 0; rc == 0 && i < PyTuple_GET_SIZE(flats); i++)
            out->flat += PyLong_AsLongLong(PyTuple_GET_ITEM(flats, i));
        if (rc == 0 && want_each) {
            out->each = PyTuple_GET_ITEM(got, 0);
            Py_INCREF(out->each);
        }
    }
    Py_XDECREF(total);
    Py_XDECREF(got);
    Py_XDECREF(args);
    Py_XDECREF(sizer);
    Py_XDECREF(mod);
    return rc;
}

/* "2.4 KiB (2,456 bytes)", "56 bytes" */
static void both(long long bytes, char *out, size_t n)
{
    char h[32], c[32];
    if (bytes >= 0 && bytes < 1024) {
        snprintf(out, n, "%lld bytes", bytes);
        return;
    }
    eww_fmt_bytes(h, sizeof h, bytes);
    eww_fmt_count(c, sizeof c, (unsigned long long)(bytes < 0 ? 0 : bytes));
    snprintf(out, n, "%s (%s bytes)", h, c);
}

/* The error of a failed lookup or sizing: stopped, or the Python error. */
static int failed(reply *r, const char *command)
{
    return commands_failed(r, command, "");
}

/* The object an ID names (a new reference), or NULL after reporting why not. */
static PyObject *object_by_id(reply *r, const char *command, const char *text, uintptr_t id)
{
    PyObject *o = commands_find_id(r, id);
    if (!o && !PyErr_Occurred())
        commands_no_id(r, command, text);
    else if (!o)
        failed(r, command);
    return o;
}

typedef struct size_args {
    const char *what; /* ID or TYPE */
    const char *expr; /* -e */
} size_args;

#define SIZE_LARGEST 5

/* The largest instances of a type by what each added to the walk (index, size pairs). */
static void print_largest(reply *r, PyObject *objs, PyObject *each)
{
    Py_ssize_t n = PyTuple_GET_SIZE(each);
    long long top[SIZE_LARGEST][2];
    int k = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        long long v = PyLong_AsLongLong(PyTuple_GET_ITEM(each, i));
        if (v == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            continue;
        }
        if (k < SIZE_LARGEST) {
            top[k][0] = v;
            top[k++][1] = i;
        } else if (v > top[k - 1][0]) {
            top[k - 1][0] = v;
            top[k - 1][1] = i;
        } else {
            continue;
        }
        for (int j = k - 1; j > 0 && top[j][0] > top[j - 1][0]; j--) {
            long long t0 = top[j][0], t1 = top[j][1];
            top[j][0] = top[j - 1][0];
            top[j][1] = top[j - 1][1];
            top[j - 1][0] = t0;
            top[j - 1][1] = t1;
        }
    }
    reply_printf(r, "largest (an object several share is counted with the first):\n");
    for (int j = 0; j < k; j++) {
        char b[96];
        both(top[j][0], b, sizeof b);
        reply_printf(r, "  %p  %s\n", (void *)PyList_GET_ITEM(objs, top[j][1]), b);
    }
}

static int size_python(reply *r, void *arg)
{
    size_args *a = arg;
    uintptr_t id = 0;
    PyObject *objs = NULL, *one = NULL;
    char head[300], detail[256] = "";
    if (a->expr) {
        PyObject *mod = PyImport_ImportModule("eww._repl");
        one = mod ? PyObject_CallMethod(mod, "evaluate", "Ks", (unsigned long long)r->session_id,
                                        a->expr)
                  : NULL;
        Py_XDECREF(mod);
        if (!one)
            return failed(r, "size");
    } else if (commands_parse_id(a->what, &id)) {
        one = object_by_id(r, "size", a->what, id);
        if (!one)
            return EWW_STATUS_FAILED;
    } else {
        objs = commands_instances(r, a->what, NULL);
        if (!objs)
            return failed(r, "size");
        if (PyList_GET_SIZE(objs) == 0) {
            Py_DECREF(objs);
            commands_no_instances(r, "size", a->what);
            return EWW_STATUS_FAILED;
        }
    }
    if (one) {
        objs = PyList_New(1);
        if (!objs) {
            Py_DECREF(one);
            return failed(r, "size");
        }
        PyList_SET_ITEM(objs, 0, one); /* the list owns it now */
        refs_describe(one, head, sizeof head, detail, sizeof detail);
    }
    sizes s;
    if (size_objects(objs, !one, &s) < 0) {
        Py_DECREF(objs);
        return failed(r, "size");
    }
    char deep[96], flat[96];
    both(s.deep, deep, sizeof deep);
    both(s.flat, flat, sizeof flat);
    if (one) {
        if (a->expr)
            reply_printf(r, "%s = %s%s%s\n", a->expr, head, detail[0] ? "  " : "", detail);
        else
            reply_printf(r, "%s%s%s\n", head, detail[0] ? "  " : "", detail);
        reply_printf(r, "deep size  %s: it and all it refers to, each object once\n", deep);
        reply_printf(r, "flat size  %s: the object alone\n", flat);
    } else {
        char type[256], count[32], avg[64];
        Py_ssize_t n = PyList_GET_SIZE(objs);
        facts_type_name(Py_TYPE(PyList_GET_ITEM(objs, 0)), type, sizeof type);
        eww_fmt_bytes(avg, sizeof avg, s.deep / n);
        reply_printf(r, "%s %s object%s\n", eww_fmt_count(count, sizeof count, (uint64_t)n), type,
                     n == 1 ? "" : "s");
        reply_printf(r, "deep size  %s: them and all they refer to, each object once (%s each)\n",
                     deep, avg);
        reply_printf(r, "flat size  %s: the objects alone\n", flat);
        if (s.each && n > 1)
            print_largest(r, objs, s.each);
    }
    Py_XDECREF(s.each);
    Py_DECREF(objs);
    return EWW_STATUS_OK;
}

int cmd_size(reply *r, int argc, const char **argv)
{
    size_args a = {NULL, NULL};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-e")) {
            if (i + 1 >= argc)
                return commands_usage_error(r, "size", "-e takes an expression, not", "nothing");
            a.expr = argv[++i];
        } else if (argv[i][0] != '-' && !a.what) {
            a.what = argv[i];
        } else {
            return commands_bad_argument(r, "size", argv[i]);
        }
    }
    if (!a.what == !a.expr)
        return commands_usage_error(r, "size",
                                    a.what ? "either ID|TYPE or -e EXPR, not" : "missing",
                                    a.what ? "both" : "ID|TYPE|-e EXPR");
    return reply_with_python(r, size_python, &a);
}

/* ---- refs: the tree of referents ------------------------------------------------------ */

#define REFS_CHILDREN 10 /* shown per node; the rest are counted */

typedef struct refs_args {
    const char *what;
    int depth, max_nodes;
} refs_args;

typedef struct tree {
    reply *r;
    eww_ptrset shown;
    int max_depth;
    size_t nodes, max_nodes;
    int cut, failed;
    char prefix[6 * 21 + 8]; /* "│   " (6 bytes) per level: at most 20 levels */
} tree;

typedef struct kids {
    PyObject **o;
    size_t n, cap;
    int failed;
} kids;

static int visit_kid(PyObject *o, void *arg)
{
    kids *k = arg;
    if (!o || facts_dead(o))
        return 0;
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 16;
        PyObject **grown = PyMem_Realloc(k->o, cap * sizeof *grown);
        if (!grown) {
            k->failed = 1;
            return 1;
        }
        k->o = grown;
        k->cap = cap;
    }
    k->o[k->n++] = o;
    return 0;
}

static void tree_node(tree *t, PyObject *o, int depth);

static void tree_children(tree *t, PyObject *o, int depth)
{
    traverseproc tr = Py_TYPE(o)->tp_traverse;
    if (!tr || !PyObject_IS_GC(o))
        return;
    kids k = {NULL, 0, 0, 0};
    tr(o, visit_kid, &k);
    if (k.failed) {
        t->failed = 1;
        PyMem_Free(k.o);
        return;
    }
    if (PyList_CheckExact(o) || PyTuple_CheckExact(o)) { /* traversed from the end */
        for (size_t i = 0; i < k.n / 2; i++) {
            PyObject *x = k.o[i];
            k.o[i] = k.o[k.n - 1 - i];
            k.o[k.n - 1 - i] = x;
        }
    }
    size_t len = strlen(t->prefix);
    int many = k.n > REFS_CHILDREN + 1;
    for (size_t i = 0; i < k.n && !t->failed && !t->cut; i++) {
        if (i == REFS_CHILDREN && many) {
            char more[32];
            reply_printf(t->r, "%s└── ... %s more\n", t->prefix,
                         eww_fmt_count(more, sizeof more, (uint64_t)(k.n - i)));
            break;
        }
        if (t->nodes >= t->max_nodes) {
            t->cut = 1;
            break;
        }
        int last = i + 1 == k.n; /* when there are many, "... N more" is the last line */
        char label[256];
        refs_edge_label(o, k.o[i], 0, label, sizeof label);
        reply_printf(t->r, "%s%s %s: ", t->prefix, last ? "└──" : "├──", label);
        strcpy(t->prefix + len, last ? "    " : "│   ");
        tree_node(t, k.o[i], depth + 1);
        t->prefix[len] = '\0';
    }
    PyMem_Free(k.o);
}

/* The rest of the line of o (its edge label is written), then its referents. */
static void tree_node(tree *t, PyObject *o, int depth)
{
    char head[300], detail[256];
    refs_describe(o, head, sizeof head, detail, sizeof detail);
    t->nodes++;
    int fresh = eww_ptrset_add(&t->shown, o);
    if (fresh < 0) {
        t->failed = 1;
        return;
    }
    /* Modules and classes are where a tree of referents turns into the whole program. */
    int stop = depth > 0 && (PyModule_Check(o) || PyType_Check(o));
    reply_printf(t->r, "%s%s%s%s\n", head, detail[0] ? "  " : "", detail,
                 !fresh                         ? "  (shown above)"
                 : stop && depth < t->max_depth ? "  (not expanded)"
                                                : "");
    if (fresh && !stop && depth < t->max_depth)
        tree_children(t, o, depth);
}

static int refs_python(reply *r, void *arg)
{
    refs_args *a = arg;
    uintptr_t id = 0;
    if (!commands_parse_id(a->what, &id)) {
        reply_error(r, "refs: '%s' is not an ID (0x... as eww prints it, or a decimal id())",
                    a->what);
        return EWW_STATUS_FAILED;
    }
    PyObject *o = object_by_id(r, "refs", a->what, id);
    if (!o)
        return EWW_STATUS_FAILED;
    tree t = {.r = r, .max_depth = a->depth, .max_nodes = (size_t)a->max_nodes};
    eww_ptrset_init(&t.shown);
    tree_node(&t, o, 0);
    eww_ptrset_free(&t.shown);
    Py_DECREF(o);
    if (t.cut && !t.failed)
        reply_printf(r, "(stopped at %zu nodes: -n for more)\n", t.max_nodes);
    if (t.failed) {
        reply_error(r, "refs: out of memory");
        return EWW_STATUS_FAILED;
    }
    return EWW_STATUS_OK;
}

int cmd_refs(reply *r, int argc, const char **argv)
{
    refs_args a = {NULL, 2, 200};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-d")) {
            if (commands_count_option(r, "refs", "levels", argc, argv, &i, 20, &a.depth))
                return EWW_STATUS_FAILED;
        } else if (!strcmp(argv[i], "-n")) {
            if (commands_count_option(r, "refs", "nodes", argc, argv, &i, 10000, &a.max_nodes))
                return EWW_STATUS_FAILED;
        } else if (argv[i][0] != '-' && !a.what) {
            a.what = argv[i];
        } else {
            return commands_bad_argument(r, "refs", argv[i]);
        }
    }
    if (!a.what)
        return commands_usage_error(r, "refs", "missing", "ID");
    return reply_with_heap(r, "refs", refs_python, &a);
}

/* ---- track: instances and their size over time ---------------------------------------- */

typedef struct track_state {
    const char *what;
    char name[200]; /* the class's full name, once known */
    char graph_n[EWW_STATS_NAME_MAX + 1], graph_b[EWW_STATS_NAME_MAX + 1];
    long long last_n, last_b;
    int samples;
} track_state;

static double track_t0 = -1; /* the first sample of any track in this process; GIL */

static int track_sample(reply *r, void *arg)
{
    track_state *st = arg;
    double start = reply_now();
    PyObject *objs = commands_instances(r, st->what, NULL);
    if (!objs)
        return failed(r, "track");
    Py_ssize_t n = PyList_GET_SIZE(objs);
    if (!st->name[0]) {
        Py_ssize_t more = 0;
        PyTypeObject *cls = commands_find_class(st->what, &more);
        if (!cls && n == 0) {
            Py_DECREF(objs);
            reply_error(r, "track: no class or type named '%s'", st->what);
            return EWW_STATUS_FAILED;
        }
        facts_type_name(n ? Py_TYPE(PyList_GET_ITEM(objs, 0)) : cls, st->name, sizeof st->name);
        Py_XDECREF(cls);
        snprintf(st->graph_n, sizeof st->graph_n, "track:%.150s:instances", st->name);
        snprintf(st->graph_b, sizeof st->graph_b, "track:%.150s:bytes", st->name);
    }
    sizes s;
    int rc = size_objects(objs, 0, &s);
    Py_DECREF(objs);
    if (rc < 0)
        return failed(r, "track");
    double now = reply_now();
    if (track_t0 < 0)
        track_t0 = start;
    double x = start - track_t0;
    eww_stats_graph(stats_store(), st->graph_n, strlen(st->graph_n), x, (double)n);
    eww_stats_graph(stats_store(), st->graph_b, strlen(st->graph_b), x, (double)s.deep);
    if (st->samples == 0) {
        reply_printf(r,
                     "tracking %s: every sample is recorded in the graphs %s and %s "
                     "(`stats -g %s` draws it); Ctrl-C stops\n",
                     st->name, st->graph_n, st->graph_b, st->graph_b);
        reply_printf(r, "%10s %12s %12s %10s %12s %8s\n", "time", "instances", "deep size",
                     "change", "", "GIL held");
    }
    char t[32], cnt[32], b[32], dn[40] = "", db[40] = "", held[32];
    snprintf(t, sizeof t, "%.1f s", x);
    eww_fmt_count(cnt, sizeof cnt, (uint64_t)n);
    eww_fmt_bytes(b, sizeof b, s.deep);
    if (st->samples > 0) {
        long long d = (long long)n - st->last_n, e = s.deep - st->last_b;
        char m[32];
        eww_fmt_count(m, sizeof m, (unsigned long long)llabs(d));
        snprintf(dn, sizeof dn, "%s%s", d < 0 ? "-" : "+", m);
        eww_fmt_bytes(m, sizeof m, llabs(e));
        snprintf(db, sizeof db, "%s%s", e < 0 ? "-" : "+", m);
    }
    snprintf(held, sizeof held, "%.0f ms", (now - start) * 1000);
    reply_printf(r, "%10s %12s %12s %10s %12s %8s\n", t, cnt, b, dn, db, held);
    st->last_n = n;
    st->last_b = s.deep;
    st->samples++;
    return EWW_STATUS_OK;
}

int cmd_track(reply *r, int argc, const char **argv)
{
    track_state st = {0};
    double every = 5;
    int count = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-i")) {
            char *end = NULL;
            double v = i + 1 < argc ? strtod(argv[i + 1], &end) : NAN;
            if (i + 1 >= argc || !end || *end || !(v >= 0.1 && v <= 86400))
                return commands_usage_error(r, "track", "-i takes seconds (0.1 to 86400), not",
                                            i + 1 < argc ? argv[i + 1] : "nothing");
            every = v;
            i++;
        } else if (!strcmp(argv[i], "-n")) {
            if (commands_count_option(r, "track", "samples", argc, argv, &i, 1000000, &count))
                return EWW_STATUS_FAILED;
        } else if (argv[i][0] != '-' && !st.what) {
            st.what = argv[i];
        } else {
            return commands_bad_argument(r, "track", argv[i]);
        }
    }
    if (!st.what)
        return commands_usage_error(r, "track", "missing", "CLASS");
    double next = reply_now();
    for (int k = 0; !count || k < count; k++) {
        int status = reply_with_python(r, track_sample, &st);
        if (status != EWW_STATUS_OK)
            return status;
        if (reply_flush(r) < 0 || (count && k + 1 == count))
            break;
        next += every;
        while (reply_now() < next) {
            if (reply_tick(r, NULL, NULL))
                return EWW_STATUS_OK; /* Ctrl-C, or the client left: the normal end */
            double left = next - reply_now();
            struct timespec ts = {0, (long)(fmin(left > 0 ? left : 0, 0.1) * 1e9)};
            nanosleep(&ts, NULL);
        }
    }
    return EWW_STATUS_OK;
}
