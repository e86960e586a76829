/* cmd_refs.c - `chain` and `leaking`: why objects are alive, and what nothing refers to.
 *
 * chain ID     the shortest chain of references from a root to that object.
 * chain TYPE   the chains of every live instance, grouped by shape (list indices as *),
 *              largest group first: what keeps the leak alive, for the whole type at once.
 * leaking      objects that nothing refers to (held by C code, or roots), by type.
 */
#include <Python.h>

#include <stdlib.h>
#include <string.h>

#include "commands.h"
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
            for (size_t g = 0; g < ngroups && g < (size_t)a->limit; g++)
                reply_printf(r, "%zu of %zu %s %s kept alive by:\n  %s\n  (for example %p)\n",
                             groups[g].count, total, name, groups[g].count == 1 ? "is" : "are",
                             groups[g].shape, (void *)groups[g].example);
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
