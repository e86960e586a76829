/* cmd_refs.c - `chain` and `leaking`: why objects are alive, and what nothing refers to.
 *
 * chain ID     the shortest chain of references from a root to that object.
 * chain TYPE   the chains of every live instance, grouped by shape (list indices as *),
 *              largest group first: what keeps the leak alive, for the whole type at once.
 * backrefs     the graph of what refers to an object (or to a few instances of a type), as
 *              DOT for the client to draw (graph.c).
 * leaking      objects that nothing refers to (held by C code, or roots), by type.
 */
#include <Python.h>

#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "dot.h"
#include "fmt.h"
#include "graph.h"
#include "heap.h"
#include "proto.h"
#include "refs.h"

typedef struct group {
    char *shape;
    size_t count;
    PyObject *example; /* borrowed, for its address */
} group;

static int by_count_desc(const void *a, const void *b)
{
    const group *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->shape, y->shape);
}

/* Whether a type is named `name`, remembered per type (a walk meets millions of objects of
 * a few thousand types). */
typedef struct type_cache {
    PyTypeObject *types[8192]; /* open addressing on the pointer; NULL = empty */
    unsigned char match[8192];
    const char *name;
} type_cache;

static int type_matches(PyTypeObject *t, const char *name);

static int cached_match(type_cache *c, PyTypeObject *t)
{
    size_t k = ((uintptr_t)t >> 4) & 8191;
    for (size_t probes = 0; probes < 8192; probes++, k = (k + 1) & 8191) {
        if (c->types[k] == t)
            return c->match[k];
        if (!c->types[k]) {
            c->types[k] = t;
            return c->match[k] = (unsigned char)type_matches(t, c->name);
        }
    }
    return type_matches(t, c->name); /* a full table: just ask */
}

static int type_matches(PyTypeObject *t, const char *name)
{
    char full[256];
    heap_type_name(t, full, sizeof full);
    const char *dot = strrchr(full, '.');
    return strcmp(full, name) == 0 || (dot && strcmp(dot + 1, name) == 0);
}

static int parse_id(const char *s, uintptr_t *out)
{
    if (strncmp(s, "0x", 2) != 0 || !s[2])
        return 0;
    char *end;
    unsigned long long v = strtoull(s + 2, &end, 16);
    if (*end)
        return 0;
    *out = (uintptr_t)v;
    return 1;
}

typedef struct chain_args {
    const char *what;
    int limit;
} chain_args;

static int chain_python(reply *r, void *arg)
{
    chain_args *a = arg;
    uintptr_t target = 0;
    int by_id = parse_id(a->what, &target);
    refs_walk *w = refs_walk_new(by_id ? target : 0);
    if (!w) {
        PyErr_Clear();
        reply_error(r, "chain: the walk failed (out of memory?)");
        return EWW_STATUS_FAILED;
    }
    int status = EWW_STATUS_OK;
    eww_buf b;
    eww_buf_init(&b, 16u << 20);
    if (by_id) {
        long pos = refs_find(w, target);
        if (pos < 0) {
            reply_error(r,
                        "chain: no live object has the ID %s (it may have been freed; IDs "
                        "are printed by chain and leaking)",
                        a->what);
            status = EWW_STATUS_FAILED;
        } else {
            int rooted;
            char name[256];
            PyObject *o = refs_object(w, (size_t)pos);
            heap_type_name(Py_TYPE(o), name, sizeof name);
            if (refs_chain(w, (size_t)pos, 0, &b, &rooted) == 0 && b.data) {
                if (rooted == -1)
                    reply_printf(r, "%s at %p: %s\n", name, (void *)o, b.data);
                else
                    reply_printf(r, "%s -> %s at %p\n", b.data, name, (void *)o);
            }
        }
    } else {
        /* Instances under the same parent share the chain up to it: compute it once. */
        group *groups = NULL;
        size_t ngroups = 0, total = 0;
        long last_parent = -2;
        type_cache *cache = calloc(1, sizeof *cache);
        if (!cache) {
            reply_error(r, "chain: out of memory");
            refs_walk_free(w);
            eww_buf_free(&b);
            return EWW_STATUS_FAILED;
        }
        cache->name = a->what;
        char *parent_chain = NULL;
        int parent_rooted = 0;
        for (size_t i = 0; i < refs_count(w); i++) {
            PyObject *o = refs_object(w, i);
            if (!cached_match(cache, Py_TYPE(o)))
                continue;
            total++;
            long parent = refs_parent(w, i);
            eww_buf_reset(&b);
            int rooted;
            if (parent < 0 || refs_attribute_dict(w, (size_t)parent)) {
                /* A root, or an attribute of a module or class: the whole chain (cheap). */
                if (refs_chain(w, i, 1, &b, &rooted) < 0 || !b.data)
                    break;
            } else {
                if (parent != last_parent) {
                    eww_buf_reset(&b);
                    if (refs_chain(w, (size_t)parent, 1, &b, &parent_rooted) < 0 || !b.data)
                        break;
                    free(parent_chain);
                    parent_chain = strdup(b.data);
                    last_parent = parent;
                    eww_buf_reset(&b);
                }
                char edge[256];
                refs_edge(w, (size_t)parent, i, 2, edge, sizeof edge);
                if (!parent_chain || eww_buf_printf(&b, "%s -> %s", parent_chain, edge) < 0)
                    break;
            }
            size_t g = 0;
            while (g < ngroups && strcmp(groups[g].shape, b.data) != 0)
                g++;
            if (g == ngroups) {
                group *ng = realloc(groups, (ngroups + 1) * sizeof *groups);
                char *copy = strdup(b.data);
                if (!ng || !copy) {
                    free(copy);
                    if (ng)
                        groups = ng;
                    break;
                }
                groups = ng;
                groups[ngroups++] = (group){.shape = copy, .count = 0, .example = o};
            }
            groups[g].count++;
        }
        free(parent_chain);
        free(cache);
        char name[256] = "";
        if (total == 0) {
            reply_error(r, "chain: no live object of a type named '%s'", a->what);
            status = EWW_STATUS_FAILED;
        } else {
            qsort(groups, ngroups, sizeof *groups, by_count_desc);
            heap_type_name(Py_TYPE(groups[0].example), name, sizeof name);
            for (size_t g = 0; g < ngroups && g < (size_t)a->limit; g++) {
                char c1[32], c2[32];
                reply_printf(r, "%s of %s %s %s kept alive by:\n  %s\n  (for example %p)\n",
                             eww_fmt_count(c1, sizeof c1, groups[g].count),
                             eww_fmt_count(c2, sizeof c2, total), name,
                             groups[g].count == 1 ? "is" : "are", groups[g].shape,
                             (void *)groups[g].example);
            }
            if (ngroups > (size_t)a->limit)
                reply_printf(r, "... and %zu more chains (chain %s -n %zu)\n",
                             ngroups - (size_t)a->limit, a->what, ngroups);
        }
        for (size_t g = 0; g < ngroups; g++)
            free(groups[g].shape);
        free(groups);
    }
    eww_buf_free(&b);
    refs_walk_free(w);
    return status;
}

int cmd_chain(reply *r, int argc, const char **argv)
{
    chain_args a = {NULL, 10};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n")) {
            if (commands_count_option(r, "chain", "chains", argc, argv, &i, 100000, &a.limit))
                return EWW_STATUS_FAILED;
        } else if (argv[i][0] != '-' && !a.what) {
            a.what = argv[i];
        } else {
            return commands_bad_argument(r, "chain", argv[i]);
        }
    }
    if (!a.what)
        return commands_usage_error(r, "chain", "missing", "TYPE|ID");
    return reply_with_python(r, chain_python, &a);
}

/* ---- backrefs: the graph of referrers (graph.c), drawn by the client ----------------- */

typedef struct backrefs_args {
    const char *what;
    int depth, max_nodes;
    const char *file;
} backrefs_args;

static void backrefs_progress(void *arg, int depth, double seconds)
{
    char text[128];
    snprintf(text, sizeof text, "backrefs: %d level%s searched (%.0f s)", depth,
             depth == 1 ? "" : "s", seconds);
    reply_progress(arg, text);
}

/* Up to k live instances of the type named `name`, spread evenly over all of them: the
 * gc-tracked ones from gc.get_objects(), else (str, int, ...) from a heap walk. A new list
 * (empty when there is none), or NULL with an exception; *total is how many there are, and
 * *gc_objects the list gc.get_objects() gave (for the search to use; NULL when it failed). */
static PyObject *sample_instances(const char *name, Py_ssize_t k, Py_ssize_t *total,
                                  PyObject **gc_objects)
{
    type_cache *cache = calloc(1, sizeof *cache);
    PyObject *gc = PyImport_ImportModule("gc");
    PyObject *all = gc && cache ? PyObject_CallMethod(gc, "get_objects", NULL) : NULL;
    PyObject *matches = all ? PyList_New(0) : NULL;
    Py_XDECREF(gc);
    if (!cache)
        PyErr_NoMemory();
    if (matches) {
        cache->name = name;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(all); i++) {
            PyObject *o = PyList_GET_ITEM(all, i);
            if (cached_match(cache, Py_TYPE(o)) && PyList_Append(matches, o) < 0) {
                Py_CLEAR(matches);
                break;
            }
        }
    }
    *gc_objects = all;
    free(cache);
    if (matches && PyList_GET_SIZE(matches) == 0) {
        heap_snapshot s;
        if (heap_walk_opts(&s, matches, name, NULL) < 0)
            Py_CLEAR(matches);
        else
            heap_snapshot_free(&s);
    }
    if (!matches)
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(matches);
    *total = n;
    PyObject *sample = PyList_New(0);
    for (Py_ssize_t j = 0; sample && j < k && j < n; j++) {
        if (PyList_Append(sample, PyList_GET_ITEM(matches, n <= k ? j : j * n / k)) < 0)
            Py_CLEAR(sample);
    }
    Py_DECREF(matches); /* before the search: this list refers to every instance */
    return sample;
}

static int backrefs_python(reply *r, void *arg)
{
    backrefs_args *a = arg;
    uintptr_t id = 0;
    int by_id = parse_id(a->what, &id);
    char fallback[256], file[256], title[512];
    snprintf(fallback, sizeof fallback, "backrefs-%s", a->what);
    if (commands_file_name(r, "backrefs", a->file, fallback, file, sizeof file) < 0)
        return EWW_STATUS_FAILED;
    Py_ssize_t total = 1;
    PyObject *gc_objects = NULL;
    PyObject *targets = by_id ? PyList_New(0) : sample_instances(a->what, 3, &total, &gc_objects);
    if (!targets) {
        Py_XDECREF(gc_objects);
        char why[256];
        python_error_text(why, sizeof why);
        reply_error(r, "backrefs: %s", why);
        return EWW_STATUS_FAILED;
    }
    char name[256] = "", count[32];
    if (!by_id && total == 0) {
        Py_DECREF(targets);
        Py_XDECREF(gc_objects);
        reply_error(r, "backrefs: no live object of a type named '%s'", a->what);
        return EWW_STATUS_FAILED;
    }
    if (!by_id) {
        heap_type_name(Py_TYPE(PyList_GET_ITEM(targets, 0)), name, sizeof name);
        if (total == 1)
            snprintf(title, sizeof title, "What refers to the only %s", name);
        else
            snprintf(title, sizeof title, "What refers to %zd of the %s %s objects",
                     PyList_GET_SIZE(targets), eww_fmt_count(count, sizeof count, (uint64_t)total),
                     name);
    } else {
        snprintf(title, sizeof title, "What refers to %s", a->what);
    }
    graph_opts o = {
        .backwards = 1,
        .max_depth = a->depth,
        .too_many = 10,
        .max_nodes = (size_t)a->max_nodes,
        .console = 1,
        .find_id = by_id ? id : 0,
        .title = title,
        .progress = backrefs_progress,
        .progress_arg = r,
        .scan = gc_objects,
    };
    eww_buf dot;
    eww_buf_init(&dot, 256u << 20);
    int rc = eww_graph_data_header(&dot, file, 0);
    size_t header = dot.len;
    graph_result res;
    if (rc == 0 && graph_dot(targets, &o, &dot, &res) < 0) {
        char why[256];
        python_error_text(why, sizeof why);
        reply_error(r, "backrefs: %s", why);
        rc = -1;
    } else if (rc == 0 && !res.found) {
        reply_error(r,
                    "backrefs: no live object has the ID %s (it may have been freed; IDs are "
                    "printed by chain, leaking and backrefs)",
                    a->what);
        rc = -1;
    } else if (rc != 0) {
        reply_error(r, "backrefs: out of memory");
    }
    Py_DECREF(targets);
    Py_XDECREF(gc_objects);
    if (rc != 0) {
        eww_buf_free(&dot);
        return EWW_STATUS_FAILED;
    }
    /* The header again, now that the number of nodes is known (same length or longer). */
    eww_buf out;
    eww_buf_init(&out, 256u << 20);
    rc = eww_graph_data_header(&out, file, (unsigned long)res.nodes);
    rc = rc ? rc : eww_buf_append(&out, dot.data + header, dot.len - header);
    eww_buf_free(&dot);
    if (rc != 0) {
        reply_error(r, "backrefs: out of memory");
        return EWW_STATUS_FAILED;
    }
    reply_printf(r, "%s: %zu node%s, depth %d%s\n", title, res.nodes, res.nodes == 1 ? "" : "s",
                 a->depth, res.cut ? " (stopped at the node limit: -n for more)" : "");
    reply_data(r, out.data, out.len);
    eww_buf_free(&out);
    return EWW_STATUS_OK;
}

int cmd_backrefs(reply *r, int argc, const char **argv)
{
    backrefs_args a = {NULL, 3, 100, NULL};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-d")) {
            if (commands_count_option(r, "backrefs", "levels", argc, argv, &i, 20, &a.depth))
                return EWW_STATUS_FAILED;
        } else if (!strcmp(argv[i], "-n")) {
            if (commands_count_option(r, "backrefs", "nodes", argc, argv, &i, 10000, &a.max_nodes))
                return EWW_STATUS_FAILED;
        } else if (!strcmp(argv[i], "-f")) {
            if (i + 1 >= argc)
                return commands_usage_error(r, "backrefs", "-f takes a file name, not", "nothing");
            a.file = argv[++i];
        } else if (argv[i][0] != '-' && !a.what) {
            a.what = argv[i];
        } else {
            return commands_bad_argument(r, "backrefs", argv[i]);
        }
    }
    if (!a.what)
        return commands_usage_error(r, "backrefs", "missing", "TYPE|ID");
    return reply_with_python(r, backrefs_python, &a);
}

static int by_count_then_name(const void *a, const void *b)
{
    const heap_row *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->name, y->name);
}

static int leaking_python(reply *r, void *arg)
{
    int limit = *(int *)arg;
    PyObject *list = PyList_New(0);
    heap_snapshot s;
    if (!list || heap_walk_opts(&s, NULL, NULL, list) < 0) {
        Py_XDECREF(list);
        PyErr_Clear();
        reply_error(r, "leaking: the walk failed");
        return EWW_STATUS_FAILED;
    }
    heap_snapshot_free(&s);
    heap_snapshot by;
    if (heap_summarize_list(list, &by, NULL) < 0) {
        Py_DECREF(list);
        PyErr_Clear();
        reply_error(r, "leaking: out of memory");
        return EWW_STATUS_FAILED;
    }
    reply_printf(r, "%zd objects that nothing refers to (held by C code, or roots):\n",
                 PyList_GET_SIZE(list));
    qsort(by.rows, by.n, sizeof *by.rows, by_count_then_name);
    for (size_t i = 0; i < by.n && i < (size_t)limit; i++) {
        PyObject *example = NULL;
        for (Py_ssize_t k = 0; k < PyList_GET_SIZE(list); k++)
            if (Py_TYPE(PyList_GET_ITEM(list, k)) == by.rows[i].type) {
                example = PyList_GET_ITEM(list, k);
                break;
            }
        reply_printf(r, "  %-40s %9llu   e.g. %p\n", by.rows[i].name,
                     (unsigned long long)by.rows[i].count, (void *)example);
    }
    heap_snapshot_free(&by);
    Py_DECREF(list);
    return EWW_STATUS_OK;
}

int cmd_leaking(reply *r, int argc, const char **argv)
{
    int limit = 20;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") != 0)
            return commands_bad_argument(r, "leaking", argv[i]);
        if (commands_count_option(r, "leaking", "rows", argc, argv, &i, 100000, &limit))
            return EWW_STATUS_FAILED;
    }
    return reply_with_python(r, leaking_python, &limit);
}

/* ---- trace and where (tracemalloc, through eww/_where.py) ---------------------------- */

typedef struct py_args {
    const char *func;
    int argc;
    const char **argv;
} py_args;

static int where_python(reply *r, void *arg)
{
    py_args *a = arg;
    PyObject *mod = PyImport_ImportModule("eww._where");
    PyObject *res = NULL;
    if (mod && !strcmp(a->func, "trace")) {
        PyObject *list = PyList_New(0);
        for (int i = 0; list && i < a->argc; i++) {
            PyObject *s = PyUnicode_FromString(a->argv[i]);
            if (!s || PyList_Append(list, s) < 0)
                Py_CLEAR(list);
            Py_XDECREF(s);
        }
        res = list ? PyObject_CallMethod(mod, "trace", "O", list) : NULL;
        Py_XDECREF(list);
    } else if (mod) {
        res = PyObject_CallMethod(mod, "where", "s", a->argv[0]);
    }
    Py_XDECREF(mod);
    if (res && PyUnicode_Check(res)) {
        reply_printf(r, "%s", PyUnicode_AsUTF8(res));
        Py_DECREF(res);
        return EWW_STATUS_OK;
    }
    Py_XDECREF(res);
    char why[512];
    python_error_text(why, sizeof why);
    reply_error(r, "%s: %s", a->func, why);
    return EWW_STATUS_FAILED;
}

int cmd_trace(reply *r, int argc, const char **argv)
{
    py_args a = {"trace", argc - 1, argv + 1};
    return reply_with_python(r, where_python, &a);
}

int cmd_where(reply *r, int argc, const char **argv)
{
    if (argc != 2)
        return commands_usage_error(r, "where", argc < 2 ? "missing" : "unexpected argument",
                                    argc < 2 ? "TYPE" : argv[2]);
    py_args a = {"where", 1, argv + 1};
    return reply_with_python(r, where_python, &a);
}
