/* facts.c - what the engine may learn about objects without running Python code.
 *
 * Why: a heap command holds raw pointers into the heap. Any Python code it runs (a
 * metaclass __getattr__ asked for a type's name, a __sizeof__ or __repr__ written in
 * Python, a finaliser run by a collection) may switch to another thread, which then frees
 * objects the command still points to (a use-after-free), or finds one of its half-built
 * objects held by the command (CPython's "bad argument to internal function" when a tuple
 * it is resizing has a second reference). So during a walk the engine reads only facts that
 * C can read: type slots, the type's own dicts (looked up with interned exact-str keys), the
 * instance's existing __dict__ or __slots__ members, and C slot functions.
 *
 * Deliberately not here: anything that needs Python code. Commands that want a Python repr
 * or a Python __sizeof__ ask for it after the walk, on objects they hold references to.
 *
 * Usage (GIL held):
 *     facts_init();                        // once, at module exec
 *     int was = facts_gc_disable();
 *     facts_type_name(Py_TYPE(o), name, sizeof name);
 *     facts_attribute_name(parent, child, attr, sizeof attr);
 *     facts_gc_restore(was);
 */
#include "facts.h"

#if PY_VERSION_HEX < 0x030C0000
#include <structmember.h> /* PyMemberDef (in Python.h from 3.12) */
#endif

#include <stdint.h>
#include <string.h>

/* Interned names, made once (GIL held at module exec) and kept for the process's life. */
static PyObject *s_module, *s_hidden, *s_gc_isenabled, *s_gc_disable, *s_gc_enable, *s_gc_objects;

int facts_init(void)
{
    if (s_module)
        return 0;
    s_module = PyUnicode_InternFromString("__module__");
    s_hidden = PyUnicode_InternFromString("_eww_hidden_");
    if (!s_module || !s_hidden)
        return -1;
    PyObject *gc = PyImport_ImportModule("gc");
    if (!gc)
        return -1;
    s_gc_isenabled = PyObject_GetAttrString(gc, "isenabled");
    s_gc_disable = PyObject_GetAttrString(gc, "disable");
    s_gc_enable = PyObject_GetAttrString(gc, "enable");
    s_gc_objects = PyObject_GetAttrString(gc, "get_objects");
    Py_DECREF(gc);
    return s_gc_isenabled && s_gc_disable && s_gc_enable && s_gc_objects ? 0 : -1;
}

/* The dict a type keeps its attributes in, borrowed (3.12 keeps those of static builtin
 * types in the interpreter: PyType_GetDict finds it). */
static PyObject *type_dict(PyTypeObject *t)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *d = PyType_GetDict(t);
    Py_XDECREF(d); /* the type keeps it alive */
    return d;
#else
    return t->tp_dict;
#endif
}

/* d[key] for an exact-str key, borrowed, no error left set. */
static PyObject *dict_get(PyObject *d, PyObject *key)
{
    if (!d || !PyDict_Check(d))
        return NULL;
    PyObject *v = PyDict_GetItemWithError(d, key);
    if (!v)
        PyErr_Clear();
    return v;
}

static PyObject *lookup(PyTypeObject *t, PyObject *key)
{
    PyObject *mro = t->tp_mro;
    if (!mro || !PyTuple_Check(mro)) {
        /* A type never readied (3.9's functools._lru_list_elem, used only inside C): the
         * interpreter readies it at its first lookup, and its MRO is then its chain of bases,
         * ending with object. The same chain, without readying it. */
        for (PyTypeObject *b = t; b; b = b->tp_base                ? b->tp_base
                                         : b == &PyBaseObject_Type ? NULL
                                                                   : &PyBaseObject_Type) {
            PyObject *v = dict_get(type_dict(b), key);
            if (v)
                return v;
        }
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(mro); i++) {
        PyObject *b = PyTuple_GET_ITEM(mro, i);
        if (!PyType_Check(b))
            continue;
        PyObject *v = dict_get(type_dict((PyTypeObject *)b), key);
        if (v)
            return v;
    }
    return NULL;
}

PyObject *facts_type_lookup(PyTypeObject *t, const char *name)
{
    PyObject *key = PyUnicode_InternFromString(name);
    if (!key) {
        PyErr_Clear();
        return NULL;
    }
    PyObject *v = lookup(t, key);
    Py_DECREF(key);
    return v;
}

int facts_hidden(PyTypeObject *t)
{
    return lookup(t, s_hidden) != NULL;
}

/* UTF-8 of an exact str, or NULL (no error left set). */
static const char *utf8(PyObject *s)
{
    if (!s || !PyUnicode_Check(s))
        return NULL;
    const char *u = PyUnicode_AsUTF8(s);
    if (!u)
        PyErr_Clear();
    return u;
}

void facts_type_name(PyTypeObject *t, char *out, size_t n)
{
    /* What type.__module__ and type.__qualname__ say, read as CPython's getters read them:
     * a heap type's ht_qualname and its dict's __module__; a static type's tp_name, split
     * at its last dot ("collections.OrderedDict"; no dot: a builtin). */
    if (t->tp_flags & Py_TPFLAGS_HEAPTYPE) {
        const char *q = utf8(((PyHeapTypeObject *)t)->ht_qualname);
        const char *m = utf8(dict_get(type_dict(t), s_module));
        if (!q)
            q = t->tp_name;
        if (!m || strcmp(m, "builtins") == 0)
            snprintf(out, n, "%s", q);
        else
            snprintf(out, n, "%s.%s", m, q);
        return;
    }
    const char *dot = strrchr(t->tp_name, '.');
    if (dot && strncmp(t->tp_name, "builtins.", 9) == 0)
        snprintf(out, n, "%s", dot + 1);
    else
        snprintf(out, n, "%s", t->tp_name);
}

/* type.__name__ and type.__module__ as CPython's getters give them: a heap type's ht_name
 * and its dict's __module__ (NULL when that is missing or not a str); a static type's tp_name
 * after its last dot, and what comes before it ("builtins" when there is no dot; *mlen is
 * then the length of the module's part of tp_name, else -1 for a NUL-terminated string). */
static const char *name_and_module(PyTypeObject *t, const char **module, int *mlen)
{
    *mlen = -1;
    if (t->tp_flags & Py_TPFLAGS_HEAPTYPE) {
        const char *name = utf8(((PyHeapTypeObject *)t)->ht_name);
        *module = utf8(dict_get(type_dict(t), s_module));
        return name ? name : t->tp_name;
    }
    const char *dot = strrchr(t->tp_name, '.');
    if (!dot) {
        *module = "builtins";
        return t->tp_name;
    }
    *module = t->tp_name;
    *mlen = (int)(dot - t->tp_name);
    return dot + 1;
}

void facts_type_short_name(PyTypeObject *t, char *out, size_t n)
{
    const char *module;
    int mlen;
    snprintf(out, n, "%s", name_and_module(t, &module, &mlen));
}

void facts_type_long_name(PyTypeObject *t, char *out, size_t n)
{
    const char *module;
    int mlen;
    const char *name = name_and_module(t, &module, &mlen);
    if (module && *module && mlen != 0)
        snprintf(out, n, "%.*s.%s", mlen < 0 ? (int)strlen(module) : mlen, module, name);
    else
        snprintf(out, n, "%s", name);
}

int facts_type_matches(PyTypeObject *t, const char *name)
{
    char full[256];
    facts_type_name(t, full, sizeof full);
    const char *dot = strrchr(full, '.');
    if (strcmp(full, name) == 0 || (dot && strcmp(dot + 1, name) == 0) ||
        strcmp(t->tp_name, name) == 0)
        return 1;
    if (!strchr(name, '.'))
        return 0;
    facts_type_long_name(t, full, sizeof full);
    return strcmp(full, name) == 0;
}

Py_ssize_t facts_len(PyObject *o)
{
    if (PyList_Check(o))
        return PyList_GET_SIZE(o);
    if (PyTuple_Check(o))
        return PyTuple_GET_SIZE(o);
    if (PyDict_Check(o))
        return PyDict_GET_SIZE(o);
    if (PyAnySet_Check(o))
        return PySet_GET_SIZE(o);
    return -1;
}

/* A scalar whose repr is C code and short: exact str/bytes of at most `max` characters,
 * exact int (not huge), float, complex, bool, None, Ellipsis. */
static int plain_scalar(PyObject *o, Py_ssize_t max)
{
    if (PyUnicode_CheckExact(o))
        return PyUnicode_GET_LENGTH(o) <= max;
    if (PyBytes_CheckExact(o))
        return PyBytes_GET_SIZE(o) <= max;
    if (PyLong_CheckExact(o) || PyBool_Check(o)) {
        int overflow = 0;
        PyLong_AsLongLongAndOverflow(o, &overflow);
        PyErr_Clear();
        return !overflow;
    }
    return PyFloat_CheckExact(o) || PyComplex_CheckExact(o) || o == Py_None || o == Py_Ellipsis;
}

/* The first `chars` characters of an exact str, UTF-8 (lone surrogates escaped). */
static void str_prefix(PyObject *u, Py_ssize_t chars, char *out, size_t n)
{
    PyObject *head = PyUnicode_GET_LENGTH(u) > chars ? PyUnicode_Substring(u, 0, chars) : u;
    PyObject *b = head ? PyUnicode_AsEncodedString(head, "utf-8", "backslashreplace") : NULL;
    snprintf(out, n, "%s", b ? PyBytes_AS_STRING(b) : "?");
    Py_XDECREF(b);
    if (head != u)
        Py_XDECREF(head);
    PyErr_Clear();
}

/* repr(o) cut at 40 characters, for objects whose repr is C code over C data. */
static void c_repr(PyObject *o, char *out, size_t n)
{
    PyObject *r = PyObject_Repr(o);
    if (!r || !PyUnicode_Check(r)) {
        Py_XDECREF(r);
        PyErr_Clear();
        snprintf(out, n, "?");
        return;
    }
    char s[256];
    int cut = PyUnicode_GET_LENGTH(r) > 40;
    str_prefix(r, cut ? 37 : 40, s, sizeof s);
    snprintf(out, n, "%s%s", s, cut ? "..." : "");
    Py_DECREF(r);
}

int facts_repr(PyObject *o, char *out, size_t n)
{
    out[0] = '\0';
    if (PyUnicode_CheckExact(o) && PyUnicode_GET_LENGTH(o) > 40) {
        /* Never the repr of a long string: its first characters, quoted. */
        PyObject *head = PyUnicode_Substring(o, 0, 40);
        char s[256] = "?";
        if (head) {
            c_repr(head, s, sizeof s);
            Py_DECREF(head);
        }
        PyErr_Clear();
        size_t l = strlen(s);
        if (l > 3 && strcmp(s + l - 3, "...") == 0)
            s[l - 3] = '\0';
        snprintf(out, n, "%s...", s);
        return 1;
    }
    if (PyBytes_CheckExact(o) && PyBytes_GET_SIZE(o) > 40) {
        PyObject *head = PyBytes_FromStringAndSize(PyBytes_AS_STRING(o), 40);
        char s[256] = "?";
        if (head) {
            c_repr(head, s, sizeof s);
            Py_DECREF(head);
        }
        PyErr_Clear();
        snprintf(out, n, "%.37s...", s);
        return 1;
    }
    if ((PyLong_CheckExact(o) || PyBool_Check(o)) && !plain_scalar(o, 0)) {
        /* A huge int's repr is slow (and refused past 4300 digits): its size instead. */
        PyObject *bits = PyObject_CallMethod((PyObject *)&PyLong_Type, "bit_length", "O", o);
        long long nbits = bits ? PyLong_AsLongLong(bits) : -1LL;
        Py_XDECREF(bits);
        PyErr_Clear();
        if (nbits < 0 || nbits > 128) {
            snprintf(out, n, "(an int of %lld bits)", nbits);
            return 1;
        }
        c_repr(o, out, n);
        return 1;
    }
    if (plain_scalar(o, 40)) {
        c_repr(o, out, n);
        return 1;
    }
    if (PyTuple_CheckExact(o) && PyTuple_GET_SIZE(o) <= 4) {
        int plain = 1;
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(o) && plain; i++)
            plain = plain_scalar(PyTuple_GET_ITEM(o, i), 40);
        if (plain) {
            c_repr(o, out, n);
            return 1;
        }
    }
    Py_ssize_t len = facts_len(o);
    if (len >= 0) {
        snprintf(out, n, "%zd items", len);
        return 1;
    }
    if (PyType_Check(o)) {
        char t[256];
        facts_type_name((PyTypeObject *)o, t, sizeof t);
        snprintf(out, n, "<class '%s'>", t);
        return 1;
    }
    if (PyModule_Check(o)) {
        const char *name = PyModule_GetName(o); /* its dict's __name__ */
        if (!name)
            PyErr_Clear();
        snprintf(out, n, "<module '%s'>", name ? name : "?");
        return 1;
    }
    if (PyFunction_Check(o)) {
        const char *q = utf8(((PyFunctionObject *)o)->func_qualname);
        snprintf(out, n, "<function %s>", q ? q : "?");
        return 1;
    }
    return 0;
}

PyObject *facts_frame_locals(PyObject *frame)
{
    PyObject *locals = PyObject_GetAttrString(frame, "f_locals");
    if (locals && !PyDict_Check(locals)) {
        PyObject *copy = PyDict_New();
        if (copy && PyDict_Update(copy, locals) < 0)
            Py_CLEAR(copy);
        Py_SETREF(locals, copy);
    }
    if (!locals)
        PyErr_Clear();
    return locals;
}

PyObject *facts_existing_dict(PyObject *o)
{
    PyTypeObject *t = Py_TYPE(o);
    if (PyType_Check(o) || PyModule_Check(o))
        return NULL;
    if (t->tp_dictoffset > 0 &&
        t->tp_dictoffset + (Py_ssize_t)sizeof(PyObject *) <= t->tp_basicsize) {
        PyObject *d = *(PyObject **)((char *)o + t->tp_dictoffset);
        return d && PyDict_Check(d) ? d : NULL;
    }
    /* Inline attributes (3.11's managed dicts) or a dict after the items of a variable-size
     * object: not readable without the interpreter's private layout, or without making it. */
    return NULL;
}

/* The __slots__ member (or a C type's object member) of parent that holds child. */
static int member_name(PyObject *parent, PyObject *child, char *out, size_t n)
{
    PyTypeObject *t = Py_TYPE(parent);
    PyObject *mro = t->tp_mro;
    Py_ssize_t nb = mro && PyTuple_Check(mro) ? PyTuple_GET_SIZE(mro) : 0;
    for (Py_ssize_t i = -1; i < nb; i++) {
        PyTypeObject *b = i < 0 ? t : (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
        if (i >= 0 && (b == t || !PyType_Check((PyObject *)b)))
            continue;
        for (PyMemberDef *m = b->tp_members; m && m->name; m++) {
#ifdef Py_RELATIVE_OFFSET
            if (m->flags & Py_RELATIVE_OFFSET)
                continue;
#endif
            if ((m->type != 6 /* T_OBJECT */ && m->type != 16 /* T_OBJECT_EX */) ||
                m->offset < (Py_ssize_t)sizeof(PyObject) ||
                m->offset + (Py_ssize_t)sizeof(PyObject *) > t->tp_basicsize)
                continue;
            if (*(PyObject **)((char *)parent + m->offset) == child) {
                snprintf(out, n, "%s", m->name);
                return 1;
            }
        }
    }
    return 0;
}

/* A key of d (exact str) whose value is child. */
static int dict_key_of(PyObject *d, PyObject *child, char *out, size_t n)
{
    PyObject *k, *v;
    Py_ssize_t p = 0;
    while (PyDict_Next(d, &p, &k, &v)) {
        if (v == child && PyUnicode_CheckExact(k)) {
            const char *u = utf8(k);
            snprintf(out, n, "%s", u ? u : "?");
            return 1;
        }
    }
    return 0;
}

#ifdef Py_TPFLAGS_MANAGED_DICT
/* Inline attributes (3.11+) are read by name: the names the class's own code uses
 * (co_names of the functions in the class dicts of its MRO, and of the code objects they
 * hold), each read with the generic getattr, which reads inline values without making a
 * __dict__. A name that a descriptor on the type answers is skipped (a property would run
 * code). The candidates of the last type asked about are kept until facts_gc_restore(),
 * the last hit first: a chain of a million instances asks about the same type each time.
 * Protected by the GIL. */
#define CACHE_TYPES 64
static struct cached_type {
    PyTypeObject *type; /* identity only */
    PyObject *names;    /* a list of str */
    int learned;        /* a __dict__ was made once to learn the names the code does not say */
} s_cache[CACHE_TYPES];

static void add_code_names(PyObject *list, PyCodeObject *code, int depth)
{
    PyObject *names = code->co_names, *consts = code->co_consts;
    for (Py_ssize_t i = 0; names && PyTuple_Check(names) && i < PyTuple_GET_SIZE(names); i++)
        if (PyUnicode_CheckExact(PyTuple_GET_ITEM(names, i)) &&
            PyList_Append(list, PyTuple_GET_ITEM(names, i)) < 0)
            PyErr_Clear();
    for (Py_ssize_t i = 0;
         depth < 2 && consts && PyTuple_Check(consts) && i < PyTuple_GET_SIZE(consts); i++)
        if (PyCode_Check(PyTuple_GET_ITEM(consts, i)))
            add_code_names(list, (PyCodeObject *)PyTuple_GET_ITEM(consts, i), depth + 1);
}

static struct cached_type *candidates(PyTypeObject *t)
{
    struct cached_type *c = &s_cache[((uintptr_t)t >> 4) % CACHE_TYPES];
    if (c->type == t && c->names)
        return c;
    Py_CLEAR(c->names);
    c->type = NULL;
    c->learned = 0;
    PyObject *list = PyList_New(0);
    PyObject *mro = t->tp_mro;
    for (Py_ssize_t i = 0; list && mro && PyTuple_Check(mro) && i < PyTuple_GET_SIZE(mro); i++) {
        PyTypeObject *b = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
        if (!PyType_Check((PyObject *)b) || !(b->tp_flags & Py_TPFLAGS_HEAPTYPE))
            continue;
        PyObject *d = type_dict(b), *k, *v;
        Py_ssize_t p = 0;
        while (d && PyDict_Check(d) && PyDict_Next(d, &p, &k, &v))
            if (PyFunction_Check(v))
                add_code_names(list, (PyCodeObject *)PyFunction_GET_CODE(v), 0);
    }
    PyErr_Clear();
    if (!list)
        return NULL;
    c->type = t;
    c->names = list;
    return c;
}

/* The name under which parent keeps child among the candidates, moved to the front. */
static int find_candidate(PyObject *names, PyObject *parent, PyObject *child, char *out, size_t n)
{
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(names); i++) {
        PyObject *name = PyList_GET_ITEM(names, i);
        PyObject *descr = lookup(Py_TYPE(parent), name);
        if (descr && Py_TYPE(descr)->tp_descr_get)
            continue;
        PyObject *v = PyObject_GenericGetAttr(parent, name);
        if (!v) {
            PyErr_Clear();
            continue;
        }
        Py_DECREF(v); /* compared only: the parent keeps it alive */
        if (v != child)
            continue;
        const char *u = utf8(name);
        snprintf(out, n, "%s", u ? u : "?");
        if (i > 0) { /* the next instance most likely keeps its child under this name too */
            PyObject *first = PyList_GET_ITEM(names, 0);
            PyList_SET_ITEM(names, 0, name);
            PyList_SET_ITEM(names, i, first);
        }
        return 1;
    }
    return 0;
}

static int inline_name(PyObject *parent, PyObject *child, char *out, size_t n)
{
    struct cached_type *c = candidates(Py_TYPE(parent));
    if (!c)
        return 0;
    if (find_candidate(c->names, parent, child, out, n))
        return 1;
    if (c->learned)
        return 0;
    /* The attribute was set by code outside the class: make the __dict__ of this one
     * instance (once per type and command; the one side effect on the heap) to learn the
     * type's attribute names, which its other instances share. */
    c->learned = 1;
    PyObject *d = PyObject_GenericGetDict(parent, NULL);
    PyObject *k, *v;
    Py_ssize_t p = 0;
    while (d && PyDict_Check(d) && PyDict_Next(d, &p, &k, &v))
        if (PyUnicode_CheckExact(k) && PyList_Append(c->names, k) < 0)
            PyErr_Clear();
    PyErr_Clear();
    int found = d && PyDict_Check(d) && dict_key_of(d, child, out, n);
    Py_XDECREF(d);
    return found;
}
#endif

int facts_attribute_name(PyObject *parent, PyObject *child, char *out, size_t n)
{
    if (PyType_Check(parent) || PyModule_Check(parent))
        return 0;
    if (member_name(parent, child, out, n))
        return 1;
    PyObject *d = facts_existing_dict(parent);
    if (d)
        return dict_key_of(d, child, out, n);
#ifdef Py_TPFLAGS_MANAGED_DICT
    if (Py_TYPE(parent)->tp_flags & Py_TPFLAGS_MANAGED_DICT)
        return inline_name(parent, child, out, n);
#endif
    return 0;
}

PyObject *facts_gc_objects(void)
{
    PyObject *l = PyObject_CallNoArgs(s_gc_objects);
    if (l && !PyList_Check(l)) {
        Py_DECREF(l);
        PyErr_SetString(PyExc_RuntimeError, "gc.get_objects() did not return a list");
        return NULL;
    }
    return l;
}

int facts_gc_disable(void)
{
#if PY_VERSION_HEX >= 0x030A0000
    return PyGC_Disable();
#else
    PyObject *r = PyObject_CallNoArgs(s_gc_isenabled);
    int was = r == Py_True;
    Py_XDECREF(r);
    r = PyObject_CallNoArgs(s_gc_disable);
    Py_XDECREF(r);
    PyErr_Clear();
    return was;
#endif
}

void facts_gc_restore(int was_enabled)
{
#ifdef Py_TPFLAGS_MANAGED_DICT
    for (int i = 0; i < CACHE_TYPES; i++) { /* nothing of a command stays behind */
        Py_CLEAR(s_cache[i].names);
        s_cache[i].type = NULL;
    }
#endif
    if (!was_enabled)
        return;
#if PY_VERSION_HEX >= 0x030A0000
    PyGC_Enable();
#else
    PyObject *type, *value, *tb; /* the caller's exception, if any, stays the caller's */
    PyErr_Fetch(&type, &value, &tb);
    PyObject *r = PyObject_CallNoArgs(s_gc_enable);
    Py_XDECREF(r);
    PyErr_Clear();
    PyErr_Restore(type, value, tb);
#endif
}

PyCFunction facts_c_sizeof(PyTypeObject *t)
{
    PyObject *m = facts_type_lookup(t, "__sizeof__");
    if (m && PyObject_TypeCheck(m, &PyMethodDescr_Type)) {
        PyMethodDef *def = ((PyMethodDescrObject *)m)->d_method;
        if ((def->ml_flags & (METH_VARARGS | METH_KEYWORDS | METH_O | METH_FASTCALL)) == 0)
            return def->ml_meth;
    }
    return NULL;
}
