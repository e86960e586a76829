/* refs.c - why is an object alive? Shortest chains of references from the roots a Python
 * programmer recognises: the modules of sys.modules, the local variables of the frames of
 * live threads, and (as the last resort) objects that nothing refers to.
 *
 * One breadth-first walk from the roots gives every reachable object its shortest path:
 * the queue itself is the visit order, and each entry remembers the queue position of the
 * object that reached it (12 bytes per object plus the seen-set). Chains are read back from
 * those positions; only the edges printed get a label (attribute 'x', key 'k', index 3,
 * local y, closure cell, ...), found by looking at the parent. An ID is never turned into a
 * pointer: it is compared with the addresses the walk meets, so a stale or made-up ID is
 * just "not found".
 *
 * No Python code runs from the start of the walk to the last label (facts.h): the queue
 * holds raw pointers, valid only while no other thread can run. Labels are C facts: an
 * attribute's name comes from __slots__, an existing __dict__ or the inline values (never
 * by making a __dict__), a key's repr only when it is a str, int, ... (else its type and
 * address). The walk checks every 4096 objects whether the client asked it to stop.
 *
 * Not here: the console commands (cmd_refs.c).
 */
#include "refs.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "facts.h"
#include "fmt.h"
#include "heap.h"
#include "ptrset.h"

#define NO_PARENT UINT32_MAX

typedef struct root {
    uint32_t pos; /* queue position of the root object */
    char label[200];
} root;

struct refs_walk {
    PyObject **q; /* the objects in visit order (borrowed: the GIL is held throughout) */
    uint32_t *parent;
    size_t n, cap;
    eww_ptrset seen;
    root *roots;
    size_t nroots, rcap;
    uint32_t expanding; /* position of the object whose referents are being visited */
    int failed;
    uintptr_t stop_at; /* chain ID: stop the walk when this address is reached */
    int found;
    refs_tick_fn tick; /* asked every 4096 objects whether to stop, or NULL */
    void *tick_arg;
    int stopped;
    PyObject *keep; /* references to the frames' locals dicts, alive during the walk */
    int gc_was_enabled;
};

static int enqueue(refs_walk *w, PyObject *o, uint32_t parent)
{
    int rc = eww_ptrset_add(&w->seen, o);
    if (rc <= 0) {
        if (rc < 0)
            w->failed = 1;
        return rc;
    }
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 65536;
        PyObject **q = eww_realloc(w->q, cap * sizeof *q);
        uint32_t *p = q ? eww_realloc(w->parent, cap * sizeof *p) : NULL;
        if (q)
            w->q = q;
        if (!q || !p) {
            w->failed = 1;
            return -1;
        }
        w->parent = p;
        w->cap = cap;
    }
    w->q[w->n] = o;
    w->parent[w->n] = parent;
    w->n++;
    return 1;
}

static int visit(PyObject *o, void *arg)
{
    refs_walk *w = arg;
    if (facts_dead(o))
        return 0;
    if (enqueue(w, o, w->expanding) == 1 && w->stop_at && (uintptr_t)o == w->stop_at)
        w->found = 1;
    return 0;
}

static void add_root(refs_walk *w, PyObject *o, const char *label)
{
    size_t before = w->n;
    if (enqueue(w, o, NO_PARENT) != 1)
        return;
    if (w->nroots == w->rcap) {
        size_t cap = w->rcap ? w->rcap * 2 : 256;
        root *r = eww_realloc(w->roots, cap * sizeof *r);
        if (!r) {
            w->failed = 1;
            return;
        }
        w->roots = r;
        w->rcap = cap;
    }
    if (w->stop_at && (uintptr_t)o == w->stop_at)
        w->found = 1;
    root *r = &w->roots[w->nroots++];
    r->pos = (uint32_t)before;
    snprintf(r->label, sizeof r->label, "%s", label);
}

/* Expand the queue from position `from` to its end (breadth first); stop once the object at
 * address w->stop_at (when not 0) has been reached. */
static void expand(refs_walk *w, size_t from)
{
    for (size_t i = from; i < w->n && !w->failed && !w->found; i++) {
        if ((i & 0xFFF) == 0 && w->tick && w->tick(w->tick_arg, i)) {
            w->stopped = w->failed = 1;
            break;
        }
        PyObject *o = w->q[i];
        traverseproc tr = Py_TYPE(o)->tp_traverse;
        if (tr && PyObject_IS_GC(o)) {
            w->expanding = (uint32_t)i;
            tr(o, visit, w);
        }
        if (w->n >= NO_PARENT - 1) {
            w->failed = 1; /* more than 4 billion objects: out of our index range */
        }
    }
}

static const char *signal_name(long n)
{
    static const struct {
        int n;
        const char *name;
    } names[] = {{SIGHUP, "SIGHUP"},     {SIGINT, "SIGINT"},       {SIGQUIT, "SIGQUIT"},
                 {SIGILL, "SIGILL"},     {SIGTRAP, "SIGTRAP"},     {SIGABRT, "SIGABRT"},
                 {SIGBUS, "SIGBUS"},     {SIGFPE, "SIGFPE"},       {SIGUSR1, "SIGUSR1"},
                 {SIGSEGV, "SIGSEGV"},   {SIGUSR2, "SIGUSR2"},     {SIGPIPE, "SIGPIPE"},
                 {SIGALRM, "SIGALRM"},   {SIGTERM, "SIGTERM"},     {SIGCHLD, "SIGCHLD"},
                 {SIGCONT, "SIGCONT"},   {SIGTSTP, "SIGTSTP"},     {SIGTTIN, "SIGTTIN"},
                 {SIGTTOU, "SIGTTOU"},   {SIGURG, "SIGURG"},       {SIGXCPU, "SIGXCPU"},
                 {SIGXFSZ, "SIGXFSZ"},   {SIGVTALRM, "SIGVTALRM"}, {SIGPROF, "SIGPROF"},
                 {SIGWINCH, "SIGWINCH"}, {SIGIO, "SIGIO"},         {SIGSYS, "SIGSYS"}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (names[i].n == n)
            return names[i].name;
    return NULL;
}

/* Signal handlers: the signal module keeps them in C, where no traverse reports them; each
 * one set from Python is a root "signal handler for SIGUSR1" (signal.getsignal: C code). */
static void add_signal_roots(refs_walk *w)
{
    PyObject *modules = PySys_GetObject("modules"); /* borrowed */
    PyObject *sig =
        modules && PyDict_Check(modules) ? PyDict_GetItemString(modules, "_signal") : NULL;
    PyObject *get = sig ? PyObject_GetAttrString(sig, "getsignal") : NULL;
    PyObject *valid = sig ? PyObject_CallMethod(sig, "valid_signals", NULL) : NULL;
    PyObject *it = valid ? PyObject_GetIter(valid) : NULL;
    PyObject *num;
    while (get && it && (num = PyIter_Next(it)) != NULL) {
        PyObject *h = PyObject_CallOneArg(get, num);
        long n = PyLong_AsLong(num);
        /* SIG_DFL and SIG_IGN are ints; the default SIGINT handler is a builtin */
        if (h && !PyLong_Check(h) && h != Py_None && !PyCFunction_Check(h)) {
            char label[200];
            const char *name = signal_name(n);
            if (name)
                snprintf(label, sizeof label, "signal handler for %s (module signal)", name);
            else
                snprintf(label, sizeof label, "signal handler for signal %ld (module signal)", n);
            add_root(w, h, label);
        }
        Py_XDECREF(h);
        Py_DECREF(num);
    }
    PyErr_Clear();
    Py_XDECREF(it);
    Py_XDECREF(valid);
    Py_XDECREF(get);
}

/* Thread frames: every local variable of every frame is a root "local NAME in FUNC". */
static void add_frame_roots(refs_walk *w)
{
    PyObject *frames = PyObject_CallMethod(PyImport_AddModule("sys"), "_current_frames", NULL);
    if (!frames) {
        PyErr_Clear();
        return;
    }
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(frames, &pos, &key, &value)) {
        PyFrameObject *f = (PyFrameObject *)value;
        Py_XINCREF(f);
        while (f) {
            PyCodeObject *code = PyFrame_GetCode(f);
            PyObject *locals = facts_frame_locals((PyObject *)f);
            const char *fn = code ? PyUnicode_AsUTF8(code->co_name) : "?";
            if (locals) {
                PyList_Append(w->keep, locals);
                PyObject *k, *v;
                Py_ssize_t p = 0;
                while (PyDict_Next(locals, &p, &k, &v)) {
                    char label[200];
                    const char *name = PyUnicode_Check(k) ? PyUnicode_AsUTF8(k) : "?";
                    snprintf(label, sizeof label, "local %s in %s() of thread %ld", name,
                             fn ? fn : "?", PyLong_AsLong(key));
                    add_root(w, v, label);
                }
            }
            PyErr_Clear();
            Py_XDECREF(locals);
            Py_XDECREF(code);
            PyFrameObject *back = PyFrame_GetBack(f);
            Py_DECREF(f);
            f = back;
        }
    }
    Py_DECREF(frames);
}

refs_walk *refs_walk_new(uintptr_t stop_at, refs_tick_fn tick, void *tick_arg)
{
    refs_walk *w = eww_calloc(1, sizeof *w);
    if (!w) {
        PyErr_NoMemory();
        return NULL;
    }
    eww_ptrset_init(&w->seen);
    w->keep = PyList_New(0);
    if (!w->keep) {
        eww_free(w);
        return NULL;
    }
    eww_ptrset_add(&w->seen, w->keep);
    w->stop_at = stop_at;
    w->tick = tick;
    w->tick_arg = tick_arg;
    w->gc_was_enabled = facts_gc_disable(); /* restored by refs_walk_free */
    /* Modules first, by name: chains start at the module a user knows. */
    PyObject *modules = PySys_GetObject("modules");
    if (modules && PyDict_Check(modules)) {
        PyObject *k, *v;
        Py_ssize_t p = 0;
        while (PyDict_Next(modules, &p, &k, &v)) {
            char label[200];
            snprintf(label, sizeof label, "module %s",
                     PyUnicode_Check(k) ? PyUnicode_AsUTF8(k) : "?");
            add_root(w, v, label);
        }
    }
    expand(w, 0);
    size_t before = w->n;
    if (!w->found)
        add_signal_roots(w);
    if (!w->found)
        add_frame_roots(w);
    expand(w, before);
    /* Last: gc objects nothing reached, as roots of their own ("held by C code"). */
    PyObject *all = w->found || w->failed ? NULL : facts_gc_objects();
    if (all) {
        eww_ptrset_add(&w->seen, all);
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(all) && !w->failed && !w->found; i++) {
            size_t at = w->n;
            add_root(w, PyList_GET_ITEM(all, i), "");
            if (w->n > at)
                expand(w, at);
        }
    }
    PyErr_Clear();
    /* The list goes, but not its items' memory: the walk's pointers stay valid because no
     * Python code runs until refs_walk_free (and the gc is off). */
    Py_XDECREF(all);
    if (w->failed) {
        int stopped = w->stopped;
        refs_walk_free(w);
        if (stopped)
            PyErr_SetString(PyExc_KeyboardInterrupt, "stopped by the client");
        else
            PyErr_NoMemory();
        return NULL;
    }
    return w;
}

void refs_walk_free(refs_walk *w)
{
    if (!w)
        return;
    eww_free(w->q);
    eww_free(w->parent);
    eww_free(w->roots);
    eww_ptrset_free(&w->seen);
    Py_XDECREF(w->keep);
    facts_gc_restore(w->gc_was_enabled);
    eww_free(w);
}

size_t refs_count(const refs_walk *w)
{
    return w->n;
}
PyObject *refs_object(const refs_walk *w, size_t pos)
{
    return w->q[pos];
}
size_t refs_memory(const refs_walk *w)
{
    return w->cap * (sizeof *w->q + sizeof *w->parent) + w->seen.bytes + w->rcap * sizeof *w->roots;
}

long refs_find(const refs_walk *w, uintptr_t address)
{
    for (size_t i = 0; i < w->n; i++)
        if ((uintptr_t)w->q[i] == address)
            return (long)i;
    return -1;
}

/* ---- labels ------------------------------------------------------------------------ */

void refs_short_repr(PyObject *o, char *out, size_t n)
{
    if (facts_repr(o, out, n))
        return;
    char t[200];
    facts_type_name(Py_TYPE(o), t, sizeof t);
    if (n > 0 && snprintf(out, n, "<%.60s object at %p>", t, (void *)o) < 0)
        out[0] = '\0';
}

void refs_describe(PyObject *o, char *head, size_t hn, char *detail, size_t dn)
{
    char t[256];
    detail[0] = '\0';
    if (PyModule_Check(o)) {
        const char *name = PyModule_GetName(o); /* its dict's __name__: C */
        if (!name)
            PyErr_Clear();
        snprintf(head, hn, "module %s", name ? name : "?");
        return;
    }
    if (PyType_Check(o)) {
        facts_type_name((PyTypeObject *)o, t, sizeof t);
        snprintf(head, hn, "class %s", t);
        return;
    }
    if (PyFrame_Check(o)) {
        PyCodeObject *c = PyFrame_GetCode((PyFrameObject *)o);
        const char *fn = c ? PyUnicode_AsUTF8(c->co_name) : NULL;
        const char *file = c ? PyUnicode_AsUTF8(c->co_filename) : NULL;
        snprintf(head, hn, "frame of %s() at %s:%d", fn ? fn : "?", file ? file : "?",
                 PyFrame_GetLineNumber((PyFrameObject *)o));
        Py_XDECREF(c);
        PyErr_Clear();
        return;
    }
    facts_type_name(Py_TYPE(o), t, sizeof t);
    snprintf(head, hn, "%s at %p", t, (void *)o);
    if (PyTuple_Check(o) || PyList_Check(o) || PyDict_Check(o) || PyAnySet_Check(o)) {
        Py_ssize_t len = facts_len(o);
        char num[32];
        eww_fmt_count(num, sizeof num, (unsigned long long)(len < 0 ? 0 : len));
        snprintf(detail, dn, "%s item%s", num, len == 1 ? "" : "s");
    } else if (PyFunction_Check(o)) {
        const char *q = PyUnicode_AsUTF8(((PyFunctionObject *)o)->func_qualname);
        snprintf(detail, dn, "%s()", q ? q : "?");
        PyErr_Clear();
    } else if (!facts_repr(o, detail, dn)) {
        detail[0] = '\0'; /* its repr would run code: the type and ID say enough */
    }
}

/* Which local variable of a frame holds child ("local x in f()"), when one does. */
static int frame_label(PyObject *frame, PyObject *child, char *out, size_t n)
{
    PyObject *locals = facts_frame_locals(frame);
    PyCodeObject *code = PyFrame_GetCode((PyFrameObject *)frame);
    const char *fn = code ? PyUnicode_AsUTF8(code->co_name) : NULL;
    int found = 0;
    if (locals) {
        PyObject *key, *value;
        Py_ssize_t p = 0;
        while (!found && PyDict_Next(locals, &p, &key, &value)) {
            if (value == child && PyUnicode_Check(key)) {
                snprintf(out, n, "local %s in %s()", PyUnicode_AsUTF8(key), fn ? fn : "?");
                found = 1;
            }
        }
    }
    Py_XDECREF(locals);
    Py_XDECREF(code);
    PyErr_Clear();
    return found;
}

/* The name of a well-known slot of a function, method or class that holds child, or NULL. */
static const char *slot_name(PyObject *parent, PyObject *child)
{
    if (PyFunction_Check(parent)) {
        PyFunctionObject *f = (PyFunctionObject *)parent;
        return child == f->func_globals      ? "__globals__"
               : child == f->func_closure    ? "__closure__"
               : child == f->func_defaults   ? "__defaults__"
               : child == f->func_kwdefaults ? "__kwdefaults__"
               : child == f->func_dict       ? "__dict__"
               : child == f->func_code       ? "__code__"
                                             : NULL;
    }
    if (PyMethod_Check(parent))
        return child == PyMethod_GET_SELF(parent)       ? "__self__"
               : child == PyMethod_GET_FUNCTION(parent) ? "__func__"
                                                        : NULL;
    if (PyType_Check(parent)) {
        PyTypeObject *t = (PyTypeObject *)parent;
        return child == t->tp_dict               ? "__dict__"
               : child == t->tp_mro              ? "__mro__"
               : child == t->tp_bases            ? "__bases__"
               : child == (PyObject *)t->tp_base ? "__base__"
                                                 : NULL;
    }
    if (PyModule_Check(parent)) /* else its C state (m_traverse): a registry of the module's */
        return child == PyModule_GetDict(parent) ? "__dict__" : "registry in its C state";
    /* An instance of a class defined in Python refers to its class. */
    if (child == (PyObject *)Py_TYPE(parent) && (Py_TYPE(parent)->tp_flags & Py_TPFLAGS_HEAPTYPE))
        return "__class__";
    return NULL;
}

/* Whether d is the instance's __dict__: the one it has, or (3.11's managed dicts, which
 * cannot be read without making one) a dict it refers to that is none of its attributes. */
int refs_instance_dict(PyObject *x, PyObject *d)
{
    if (!PyDict_Check(d) || PyType_Check(x) || PyModule_Check(x) || PyDict_Check(x))
        return 0;
    PyObject *mine = facts_existing_dict(x);
    if (mine)
        return mine == d;
#ifdef Py_TPFLAGS_MANAGED_DICT
    char name[200];
    return (Py_TYPE(x)->tp_flags & Py_TPFLAGS_MANAGED_DICT) &&
           !facts_attribute_name(x, d, name, sizeof name);
#else
    return 0;
#endif
}

void refs_edge_label(PyObject *parent, PyObject *child, int star, char *out, size_t n)
{
    char k[64];
    const char *slot = slot_name(parent, child);
    if (slot) {
        snprintf(out, n, "%s", slot);
        return;
    }
    if (star == 2 && PyDict_Check(parent)) {
        snprintf(out, n, "dict key *"); /* the last edge of a shape: keys differ by object */
        return;
    }
    if (PyDict_Check(parent)) {
        PyObject *key, *value;
        Py_ssize_t p = 0;
        while (PyDict_Next(parent, &p, &key, &value)) {
            if (value == child) {
                refs_short_repr(key, k, sizeof k);
                snprintf(out, n, "dict key %s", k);
                return;
            }
            if (key == child) {
                snprintf(out, n, "a key");
                return;
            }
        }
    } else if (star && (PyList_Check(parent) || PyTuple_Check(parent))) {
        /* A shape needs no index: no need to look for the child (a list can be huge). */
        snprintf(out, n, "%s index *", PyList_Check(parent) ? "list" : "tuple");
        return;
    } else if (PyList_Check(parent) || PyTuple_Check(parent)) {
        PyObject *seq = parent;
        Py_ssize_t len = PyList_Check(seq) ? PyList_GET_SIZE(seq) : PyTuple_GET_SIZE(seq);
        for (Py_ssize_t i = 0; i < len; i++) {
            PyObject *x = PyList_Check(seq) ? PyList_GET_ITEM(seq, i) : PyTuple_GET_ITEM(seq, i);
            if (x == child) {
                if (star)
                    snprintf(out, n, "%s index *", PyList_Check(seq) ? "list" : "tuple");
                else
                    snprintf(out, n, "%s index %zd", PyList_Check(seq) ? "list" : "tuple", i);
                return;
            }
        }
    } else if (PyAnySet_Check(parent)) {
        snprintf(out, n, "set member");
        return;
    } else if (PyCell_Check(parent)) {
        snprintf(out, n, "closure cell");
        return;
    } else if (PyFrame_Check(parent)) {
        if (frame_label(parent, child, out, n))
            return;
    } else if (!PyType_Check(parent) && !PyModule_Check(parent)) {
        /* An instance: one of its attributes, or its __dict__ (never made to find out). */
        char name[200];
        if (refs_instance_dict(parent, child)) {
            snprintf(out, n, "__dict__");
            return;
        }
        if (facts_attribute_name(parent, child, name, sizeof name)) {
            snprintf(out, n, "attribute '%s'", name);
            return;
        }
    }
    snprintf(out, n, "referent of %s", Py_TYPE(parent)->tp_name);
}

/* The dict a module, class or instance keeps its attributes in, when d is that dict. */
static int is_attribute_dict(PyObject *owner, PyObject *d)
{
    if (!PyDict_Check(d))
        return 0;
    if (PyModule_Check(owner))
        return PyModule_GetDict(owner) == d;
    if (PyType_Check(owner))
        return ((PyTypeObject *)owner)->tp_dict == d;
    return refs_instance_dict(owner, d);
}

void refs_attribute_label(PyObject *owner, PyObject *d, PyObject *child, int shape, char *out,
                          size_t n)
{
    char lab[256];
    refs_edge_label(d, child, shape, lab, sizeof lab);
    if (strncmp(lab, "dict key '", 10) == 0)
        snprintf(out, n, "%s '%.*s", PyType_Check(owner) ? "class attribute" : "attribute",
                 (int)strlen(lab + 10), lab + 10);
    else
        snprintf(out, n, "%s", lab);
}

/* The end of a run of equal labels: " (5,000 times)" after the label said once. */
static int flush_run(eww_buf *out, size_t run)
{
    char c[32];
    return run > 1 ? eww_buf_printf(out, " (%s times)", eww_fmt_count(c, sizeof c, run)) : 0;
}

int refs_chain(const refs_walk *w, size_t pos, int shape, eww_buf *out, int *rooted)
{
    /* Collect the path back to its root. */
    size_t len = 0, cap = 64;
    size_t *path = eww_malloc(cap * sizeof *path);
    if (!path)
        return -1;
    for (size_t p = pos;; p = w->parent[p]) {
        if (len == cap) {
            size_t *np = eww_realloc(path, 2 * cap * sizeof *np);
            if (!np) {
                eww_free(path);
                return -1;
            }
            path = np;
            cap *= 2;
        }
        path[len++] = p;
        if (w->parent[p] == NO_PARENT)
            break;
    }
    size_t rootpos = path[len - 1];
    const char *label = refs_root_label(w, rootpos);
    *rooted = label[0] != '\0';
    int rc = 0;
    char lab[256];
    if (*rooted) {
        rc = eww_buf_puts(out, label);
    } else {
        char name[256];
        facts_type_name(Py_TYPE(w->q[rootpos]), name, sizeof name);
        if (rootpos == pos) {
            *rooted = -1; /* nothing refers to the object itself */
            rc = eww_buf_puts(out, REFS_HELD_BY_C);
        } else
            rc = eww_buf_printf(out, "a %s that nothing refers to", name);
    }
    /* Edges from the root down to the object; a run of equal labels (a linked list, a
     * deep nesting) is said once, with its length. */
    char prev[256] = "";
    size_t run = 0;
    for (size_t i = len - 1; i > 0 && rc == 0; i--) {
        PyObject *parent = w->q[path[i]];
        PyObject *child = w->q[path[i - 1]];
        if (i >= 2 && is_attribute_dict(parent, child)) {
            /* module -> its __dict__ -> value: say "attribute 'k'" (class attribute). */
            refs_attribute_label(parent, child, w->q[path[i - 2]], shape, lab, sizeof lab);
            i--;
        } else {
            refs_edge_label(parent, child, shape, lab, sizeof lab);
        }
        if (run > 0 && strcmp(lab, prev) == 0) {
            run++;
            continue;
        }
        rc = flush_run(out, run);
        rc = rc ? rc : eww_buf_printf(out, " -> %s", lab);
        snprintf(prev, sizeof prev, "%s", lab);
        run = 1;
    }
    rc = rc ? rc : flush_run(out, run);
    eww_free(path);
    return rc;
}

const char *refs_root_label(const refs_walk *w, size_t pos)
{
    /* Roots are added in queue order: their positions are sorted. */
    size_t lo = 0, hi = w->nroots;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->roots[mid].pos < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < w->nroots && w->roots[lo].pos == pos ? w->roots[lo].label : "";
}

long refs_parent(const refs_walk *w, size_t pos)
{
    return w->parent[pos] == NO_PARENT ? -1 : (long)w->parent[pos];
}

void refs_edge(const refs_walk *w, size_t parent, size_t child, int shape, char *out, size_t n)
{
    refs_edge_label(w->q[parent], w->q[child], shape, out, n);
}

int refs_attribute_dict(const refs_walk *w, size_t pos)
{
    uint32_t gp = w->parent[pos];
    return gp != NO_PARENT && is_attribute_dict(w->q[gp], w->q[pos]);
}

PyObject *refs_chain_objects(const refs_walk *w, size_t pos)
{
    size_t len = 0;
    for (size_t p = pos;; p = w->parent[p]) {
        len++;
        if (w->parent[p] == NO_PARENT)
            break;
    }
    PyObject *list = PyList_New((Py_ssize_t)len);
    size_t i = len;
    for (size_t p = pos; list && i > 0; p = w->parent[p]) {
        Py_INCREF(w->q[p]);
        PyList_SET_ITEM(list, (Py_ssize_t)--i, w->q[p]);
        if (w->parent[p] == NO_PARENT)
            break;
    }
    return list;
}
