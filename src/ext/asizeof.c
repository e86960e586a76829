/* asizeof.c - the per-object loop of eww.asizeof in C: Asizer._sizer for plain sizes.
 *
 * eww/asizeof.py keeps pympler's rules: which typedef (basic size, item size, length and
 * referents functions, kind) a type gets, the options, the reports. This file runs the loop
 * that pympler runs in Python for every object: the visit count in the Asizer's _seen dict,
 * the typedef of the object's key (made by asizeof._typedef the first time, as pympler does),
 * the flat size (sys.getsizeof, through the C function behind __sizeof__ where there is one),
 * and the referents: of lists, tuples, sets, dicts, modules, instances (__dict__, __class__,
 * slots) and attribute lists in C, of anything else through the typedef's Python function.
 * The results are the Python loop's, object for object: the same visiting order, counts,
 * exclusions, limit, and a RuntimeError raised while sizing an object counted as missed.
 *
 * Usage (from Asizer._sizer, GIL held): _eww.asizeof_walk(asizer, obj, deep) -> size
 */
#include "asizeof.h"

#include <string.h>

#include "facts.h"
#include "mem.h"
#include "ptrset.h"

/* What eww.asizeof defines, looked up once (the module lives as long as the process). */
static struct {
    PyObject *module, *typedefs, *typedef_fn, *claskey_fn, *slot_names_fn, *getsizeof;
    PyObject *seq_refs, *dict_refs, *inst_refs, *module_refs, *attr_refs; /* attr_refs: dict */
    PyObject *safe_lens;                                                  /* a set */
    PyObject *module_name, *one;
    PyCFunction object_sizeof;
    getter dict_get;       /* what `__dict__` of a plain class's instance runs */
    PyObject *class_descr; /* object.__class__ */
} A;

/* A hash of an address whose low bits are all mixed (objects are 16-byte aligned). */
static size_t mix(uintptr_t p)
{
    uint64_t x = (uint64_t)p >> 4;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (size_t)x;
}

/* IdCounts: the Asizer's _seen, {id: visits} for ids of objects, with the few methods of a
 * dict that eww.asizeof uses; the walk reads and writes it without making an int. -1 means
 * excluded, 0 a reference to a given object excluded. Most objects are seen once: the ids
 * are a pointer set (a bit per 8 bytes of address space, dense where objects are), and only
 * the counts that are not 1 are kept in a hash table beside it. */
typedef struct {
    uintptr_t key; /* the object's address; 0: empty */
    long long count;
} idc_slot;

typedef struct {
    PyObject_HEAD eww_ptrset ids;
    eww_ptrset slotted; /* the ids with a slot: most have none, and the bitmap says so cheaply */
    idc_slot *slots;    /* the counts that are not 1 (or were not, once) */
    size_t cap, nslots, used;
} IdCounts;

static PyTypeObject *IdCounts_Type;

#define IDC_PROBE_DIRECT 4096 /* slots: up to 64 KiB, the table is probed without the bitmap */

static idc_slot *idc_probe(IdCounts *c, uintptr_t key)
{
    size_t i = mix(key) & (c->cap - 1);
    while (c->slots[i].key && c->slots[i].key != key)
        i = (i + 1) & (c->cap - 1);
    return &c->slots[i];
}

/* key's slot, or NULL when it has none. */
static idc_slot *idc_find(IdCounts *c, uintptr_t key)
{
    if (!c->cap)
        return NULL;
    /* A small table stays in cache: probe it. A big one (a million excluded objects) costs a
     * cache miss a probe: ask the bitmap first. */
    if (c->cap > IDC_PROBE_DIRECT && !eww_ptrset_has(&c->slotted, (void *)key))
        return NULL;
    return idc_probe(c, key);
}

/* Whether key is counted; its count in *count. */
static int idc_lookup(IdCounts *c, uintptr_t key, long long *count)
{
    if (!eww_ptrset_has(&c->ids, (void *)key))
        return 0;
    idc_slot *sl = idc_find(c, key);
    *count = sl && sl->key ? sl->count : 1;
    return 1;
}

/* counts[key] = n. 0, or -1 with MemoryError. */
static int idc_set(IdCounts *c, uintptr_t key, long long n)
{
    int added = eww_ptrset_add(&c->ids, (void *)key);
    if (added < 0) {
        PyErr_NoMemory();
        return -1;
    }
    c->used += (size_t)added;
    if (added && n == 1)
        return 0; /* a new id has no slot */
    idc_slot *sl = idc_find(c, key);
    if (n == 1 && !(sl && sl->key))
        return 0;
    if (!(sl && sl->key)) {
        if ((c->nslots + 1) * 2 > c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 256, oldcap = c->cap;
            idc_slot *old = c->slots, *fresh = eww_calloc(cap, sizeof *fresh);
            if (!fresh) {
                PyErr_NoMemory();
                return -1;
            }
            c->slots = fresh;
            c->cap = cap;
            for (size_t i = 0; i < oldcap; i++)
                if (old[i].key)
                    *idc_probe(c, old[i].key) = old[i];
            eww_free(old);
        }
        if (eww_ptrset_add(&c->slotted, (void *)key) < 0) {
            PyErr_NoMemory();
            return -1;
        }
        sl = idc_probe(c, key);
        sl->key = key;
        c->nslots++;
    }
    sl->count = n;
    return 0;
}

/* again(key): one more visit (a first one is 1), unless the object is excluded (-1). */
static int idc_again(IdCounts *c, uintptr_t key)
{
    long long n;
    if (!idc_lookup(c, key, &n))
        return idc_set(c, key, 1);
    return n + 1 > 0 ? idc_set(c, key, n + 1) : 0;
}

static int idc_key(PyObject *k, uintptr_t *out)
{
    unsigned long long v = PyLong_Check(k) ? PyLong_AsUnsignedLongLong(k) : 0;
    if (v == 0 || (v == (unsigned long long)-1 && PyErr_Occurred())) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "keys are the ids of objects (positive ints)");
        return -1;
    }
    *out = (uintptr_t)v;
    return 0;
}

static PyObject *idc_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    if ((kwargs && PyDict_GET_SIZE(kwargs)) || PyTuple_GET_SIZE(args)) {
        PyErr_SetString(PyExc_TypeError, "IdCounts() takes no arguments");
        return NULL;
    }
    return type->tp_alloc(type, 0);
}

static void idc_dealloc(IdCounts *c)
{
    PyTypeObject *tp = Py_TYPE(c);
    eww_ptrset_free(&c->ids);
    eww_ptrset_free(&c->slotted);
    eww_free(c->slots);
    tp->tp_free((PyObject *)c);
    Py_DECREF(tp);
}

static Py_ssize_t idc_len(IdCounts *c)
{
    return (Py_ssize_t)c->used;
}

static int idc_contains(IdCounts *c, PyObject *k)
{
    uintptr_t key;
    long long n;
    if (idc_key(k, &key) < 0)
        return -1;
    return idc_lookup(c, key, &n);
}

static PyObject *idc_getitem(IdCounts *c, PyObject *k)
{
    uintptr_t key;
    long long n;
    if (idc_key(k, &key) < 0)
        return NULL;
    if (!idc_lookup(c, key, &n)) {
        PyErr_SetObject(PyExc_KeyError, k);
        return NULL;
    }
    return PyLong_FromLongLong(n);
}

static int idc_setitem(IdCounts *c, PyObject *k, PyObject *v)
{
    uintptr_t key;
    if (!v) {
        PyErr_SetString(PyExc_TypeError, "IdCounts entries cannot be deleted");
        return -1;
    }
    long long n = PyLong_AsLongLong(v);
    if ((n == -1 && PyErr_Occurred()) || idc_key(k, &key) < 0)
        return -1;
    return idc_set(c, key, n);
}

static PyObject *idc_setdefault(IdCounts *c, PyObject *args)
{
    PyObject *k, *v;
    uintptr_t key;
    long long n;
    if (!PyArg_UnpackTuple(args, "setdefault", 2, 2, &k, &v) || idc_key(k, &key) < 0)
        return NULL;
    if (!idc_lookup(c, key, &n)) {
        n = PyLong_AsLongLong(v);
        if ((n == -1 && PyErr_Occurred()) || idc_set(c, key, n) < 0)
            return NULL;
    }
    return PyLong_FromLongLong(n);
}

static PyObject *idc_get(IdCounts *c, PyObject *args)
{
    PyObject *k, *dflt = Py_None;
    uintptr_t key;
    long long n;
    if (!PyArg_UnpackTuple(args, "get", 1, 2, &k, &dflt) || idc_key(k, &key) < 0)
        return NULL;
    if (!idc_lookup(c, key, &n)) {
        Py_INCREF(dflt);
        return dflt;
    }
    return PyLong_FromLongLong(n);
}

static PyObject *idc_again_py(IdCounts *c, PyObject *k)
{
    uintptr_t key;
    if (idc_key(k, &key) < 0 || idc_again(c, key) < 0)
        return NULL;
    Py_RETURN_NONE;
}

struct idc_listing {
    IdCounts *c;
    PyObject *list;
    int what; /* keys (0), values (1) or items (2) */
};

static int idc_list_one(void *arg, void *p)
{
    struct idc_listing *l = arg;
    long long n = 1;
    idc_lookup(l->c, (uintptr_t)p, &n);
    PyObject *k = l->what != 1 ? PyLong_FromVoidPtr(p) : NULL;
    PyObject *v = l->what != 0 ? PyLong_FromLongLong(n) : NULL;
    PyObject *item = l->what == 0 ? k : l->what == 1 ? v : (k && v ? PyTuple_Pack(2, k, v) : NULL);
    int rc = item ? PyList_Append(l->list, item) : -1;
    if (l->what == 2) {
        Py_XDECREF(k);
        Py_XDECREF(v);
    }
    Py_XDECREF(item);
    return rc;
}

static PyObject *idc_list(IdCounts *c, int what)
{
    struct idc_listing l = {c, PyList_New(0), what};
    if (l.list && eww_ptrset_each(&c->ids, idc_list_one, &l) != 0)
        Py_CLEAR(l.list);
    return l.list;
}

static PyObject *idc_keys(IdCounts *c, PyObject *unused)
{
    (void)unused;
    return idc_list(c, 0);
}

static PyObject *idc_values(IdCounts *c, PyObject *unused)
{
    (void)unused;
    return idc_list(c, 1);
}

static PyObject *idc_items(IdCounts *c, PyObject *unused)
{
    (void)unused;
    return idc_list(c, 2);
}

static PyObject *idc_iter(IdCounts *c)
{
    PyObject *keys = idc_list(c, 0);
    PyObject *it = keys ? PyObject_GetIter(keys) : NULL;
    Py_XDECREF(keys);
    return it;
}

static PyMethodDef idc_methods[] = {
    {"setdefault", (PyCFunction)idc_setdefault, METH_VARARGS, "setdefault(id, count)"},
    {"get", (PyCFunction)idc_get, METH_VARARGS, "get(id, default=None)"},
    {"again", (PyCFunction)idc_again_py, METH_O, "again(id): one more visit, unless excluded"},
    {"keys", (PyCFunction)idc_keys, METH_NOARGS, "the ids, as a list"},
    {"values", (PyCFunction)idc_values, METH_NOARGS, "the counts, as a list"},
    {"items", (PyCFunction)idc_items, METH_NOARGS, "(id, count) pairs, as a list"},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot idc_slots[] = {
    {Py_tp_new, (void *)(uintptr_t)idc_new},
    {Py_tp_dealloc, (void *)(uintptr_t)idc_dealloc},
    {Py_tp_methods, idc_methods},
    {Py_tp_iter, (void *)(uintptr_t)idc_iter},
    {Py_mp_length, (void *)(uintptr_t)idc_len},
    {Py_mp_subscript, (void *)(uintptr_t)idc_getitem},
    {Py_mp_ass_subscript, (void *)(uintptr_t)idc_setitem},
    {Py_sq_contains, (void *)(uintptr_t)idc_contains},
    {Py_tp_doc, (void *)"IdCounts(): {id(obj): visits} for eww.asizeof's Asizer (its _seen), "
                        "kept in C for the walk."},
    {0, NULL},
};

static PyType_Spec idc_spec = {
    .name = "eww._eww.IdCounts",
    .basicsize = sizeof(IdCounts),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .slots = idc_slots,
};

enum refs_kind { R_NONE, R_SEQ, R_DICT, R_INST, R_MODULE, R_ATTRS, R_PYTHON };
enum size_kind { SZ_OBJECT, SZ_CFUNC, SZ_PYTHON };

/* How objects of one key (type, or class definition) are sized. */
typedef struct plan {
    PyObject *key; /* strong */
    int excluded;  /* the key is in the Asizer's _excl_d */
    int sized;     /* (typedef.both or code) and typedef.kind is not the ignored kind */
    Py_ssize_t base, item;
    PyObject *leng;  /* the typedef's length function (strong) or NULL */
    int leng_native; /* the length never matters: a builtin's C __sizeof__ gives the size */
    int xtyp;        /* never sys.getsizeof'd */
    enum refs_kind refs;
    PyObject *refs_fn; /* the typedef's referents function (strong) */
    PyObject *names;   /* R_ATTRS: attribute names; R_INST: slot names or NULL (strong) */
    enum size_kind how;
    PyCFunction fn;
    Py_ssize_t preheader; /* sys.getsizeof minus __sizeof__, -1 until measured */
    /* R_INST: getattr(obj, '__dict__') and getattr(obj, '__class__') are the plain ones
     * (generic attribute lookup, the standard descriptors): read without the lookup */
    int fast_dict, fast_class;
} plan;

typedef struct walk {
    PyObject *asizer, *excl_d, *ign_d, *keep;
    IdCounts *seen;
    int code, derive, frames, infer;
    long long mask, limit;
    long long depth, missed;
    plan **plans;       /* open addressing by key pointer; each plan stays where it is */
    size_t nplans, cap; /* open addressing by key pointer */
    PyObject *slot_str, *dict_str, *class_str; /* interned "__slots__", "__dict__", ... */
    long long depth0;
} walk;

static PyObject *attr(PyObject *o, const char *name)
{
    PyObject *v = PyObject_GetAttrString(o, name);
    if (!v)
        PyErr_Clear();
    return v;
}

static int load_module(void)
{
    if (A.module)
        return 0;
    PyObject *m = PyImport_ImportModule("eww.asizeof");
    if (!m)
        return -1;
    A.typedefs = PyObject_GetAttrString(m, "_typedefs");
    A.typedef_fn = PyObject_GetAttrString(m, "_typedef");
    A.claskey_fn = PyObject_GetAttrString(m, "_claskey");
    A.slot_names_fn = PyObject_GetAttrString(m, "_slot_names");
    A.seq_refs = PyObject_GetAttrString(m, "_seq_refs");
    A.dict_refs = PyObject_GetAttrString(m, "_dict_refs");
    A.inst_refs = PyObject_GetAttrString(m, "_inst_refs");
    A.module_refs = PyObject_GetAttrString(m, "_module_refs");
    A.attr_refs = PyObject_GetAttrString(m, "_attr_refs");
    A.safe_lens = PyObject_GetAttrString(m, "_native_lens");
    A.module_name = PyObject_GetAttrString(m, "__name__");
    A.one = PyLong_FromLong(1);
    A.getsizeof = PySys_GetObject("getsizeof"); /* borrowed */
    Py_XINCREF(A.getsizeof);
    A.object_sizeof = facts_c_sizeof(&PyBaseObject_Type);
    if (!A.typedefs || !A.typedef_fn || !A.claskey_fn || !A.slot_names_fn || !A.seq_refs ||
        !A.dict_refs || !A.inst_refs || !A.module_refs || !A.attr_refs || !A.safe_lens ||
        !A.module_name || !A.one || !A.getsizeof || !A.object_sizeof) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_RuntimeError, "eww.asizeof is not what the C loop expects");
        Py_DECREF(m);
        return -1;
    }
    /* The getter of a plain class's __dict__ (the function every such class shares) and
     * object's __class__: instances whose lookups find these are read directly. */
    PyObject *ns = PyDict_New();
    PyObject *plain =
        ns ? PyObject_CallFunction((PyObject *)&PyType_Type, "s()O", "_plain", ns) : NULL;
    PyObject *dd = plain ? facts_type_lookup((PyTypeObject *)plain, "__dict__") : NULL;
    if (dd && Py_IS_TYPE(dd, &PyGetSetDescr_Type))
        A.dict_get = ((PyGetSetDescrObject *)dd)->d_getset->get;
    A.class_descr = facts_type_lookup(&PyBaseObject_Type, "__class__");
    Py_XINCREF(A.class_descr);
    Py_XDECREF(plain);
    Py_XDECREF(ns);
    PyErr_Clear();
    A.module = m;
    return 0;
}

static long long as_ll(PyObject *v, long long dflt)
{
    if (!v)
        return dflt;
    long long n = PyLong_AsLongLong(v);
    Py_DECREF(v);
    if (n == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return dflt;
    }
    return n;
}

static void plan_clear(plan *p)
{
    Py_CLEAR(p->key);
    Py_CLEAR(p->leng);
    Py_CLEAR(p->refs_fn);
    Py_CLEAR(p->names);
}

/* Fill p from the typedef v (a strong reference, consumed) for objects like obj. */
static int plan_from_typedef(walk *w, plan *p, PyObject *v, PyObject *obj)
{
    PyObject *both = PyObject_GetAttrString(v, "both");
    PyObject *kind = PyObject_GetAttrString(v, "kind");
    PyObject *refs = PyObject_GetAttrString(v, "refs");
    PyObject *leng = PyObject_GetAttrString(v, "leng");
    PyObject *xtyp = PyObject_GetAttrString(v, "xtyp");
    int rc = -1;
    if (!both || !kind || !refs || !leng || !xtyp)
        goto done;
    int b = PyObject_IsTrue(both), x = PyObject_IsTrue(xtyp);
    if (b < 0 || x < 0)
        goto done;
    p->sized = (b || w->code) && kind != w->ign_d;
    p->xtyp = x;
    p->base = (Py_ssize_t)as_ll(PyObject_GetAttrString(v, "base"), 0);
    p->item = (Py_ssize_t)as_ll(PyObject_GetAttrString(v, "item"), 0);
    if (PyErr_Occurred())
        goto done;
    if (leng != Py_None) {
        p->leng = leng;
        Py_INCREF(leng);
    }
    PyTypeObject *t = Py_TYPE(obj);
    p->fn = t->tp_is_gc ? NULL : facts_c_sizeof(t); /* a type's gc header depends on the type */
    p->how = !p->fn ? SZ_PYTHON : p->fn == A.object_sizeof ? SZ_OBJECT : SZ_CFUNC;
    p->preheader = -1;
    int native = p->leng ? PySet_Contains(A.safe_lens, p->leng) : 0;
    if (native < 0)
        goto done;
    p->leng_native = native && !(t->tp_flags & Py_TPFLAGS_HEAPTYPE) && p->how != SZ_PYTHON;
    if (refs == Py_None)
        p->refs = R_NONE;
    else if (refs == A.seq_refs)
        p->refs = R_SEQ;
    else if (refs == A.dict_refs)
        p->refs = R_DICT;
    else if (refs == A.module_refs)
        p->refs = R_MODULE;
    else if (refs == A.inst_refs) {
        PyObject *names = PyObject_CallOneArg(A.slot_names_fn, (PyObject *)t);
        if (!names)
            goto done;
        if (names == Py_False) { /* slots the C loop leaves to _dir2 */
            Py_DECREF(names);
            p->refs = R_PYTHON;
        } else {
            p->refs = R_INST;
            if (names != Py_None)
                p->names = names;
            else
                Py_DECREF(names);
            int generic = t->tp_getattro == PyObject_GenericGetAttr;
            PyObject *dd = facts_type_lookup(t, "__dict__");
            p->fast_dict = generic && A.dict_get && dd && Py_IS_TYPE(dd, &PyGetSetDescr_Type) &&
                           ((PyGetSetDescrObject *)dd)->d_getset->get == A.dict_get;
            p->fast_class =
                generic && A.class_descr && facts_type_lookup(t, "__class__") == A.class_descr;
        }
    } else {
        PyObject *names = PyDict_GetItemWithError(A.attr_refs, refs);
        if (!names && PyErr_Occurred())
            goto done;
        p->refs = names ? R_ATTRS : R_PYTHON;
        p->names = names;
        Py_XINCREF(names);
    }
    p->refs_fn = refs;
    Py_INCREF(refs);
    rc = 0;
done:
    Py_XDECREF(both);
    Py_XDECREF(kind);
    Py_XDECREF(refs);
    Py_XDECREF(leng);
    Py_XDECREF(xtyp);
    Py_DECREF(v);
    return rc;
}

static size_t slot_of(const walk *w, PyObject *key)
{
    size_t i = mix((uintptr_t)key) & (w->cap - 1);
    while (w->plans[i] && w->plans[i]->key != key)
        i = (i + 1) & (w->cap - 1);
    return i;
}

static int grow(walk *w)
{
    size_t cap = w->cap ? w->cap * 2 : 64;
    plan **old = w->plans;
    size_t oldcap = w->cap;
    w->plans = eww_calloc(cap, sizeof *w->plans);
    if (!w->plans) {
        w->plans = old;
        PyErr_NoMemory();
        return -1;
    }
    w->cap = cap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i])
            w->plans[slot_of(w, old[i]->key)] = old[i];
    eww_free(old);
    return 0;
}

/* The plan of key (obj's), made from its typedef (made by _typedef if new) the first time;
 * NULL with an exception. */
static plan *plan_for(walk *w, PyObject *key, PyObject *obj)
{
    if (w->cap) {
        plan *p = w->plans[slot_of(w, key)];
        if (p)
            return p;
    }
    if ((w->nplans + 1) * 2 > w->cap && grow(w) < 0)
        return NULL;
    plan tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.excluded = PyDict_Contains(w->excl_d, key);
    if (tmp.excluded < 0)
        return NULL;
    if (!tmp.excluded) {
        PyObject *v = PyDict_GetItemWithError(A.typedefs, key);
        if (v) {
            Py_INCREF(v);
        } else if (PyErr_Occurred()) {
            return NULL;
        } else {
            PyObject *args = PyTuple_Pack(1, obj);
            PyObject *kw = args
                               ? Py_BuildValue("{sOsOsO}", "derive", w->derive ? Py_True : Py_False,
                                               "frames", w->frames ? Py_True : Py_False, "infer",
                                               w->infer ? Py_True : Py_False)
                               : NULL;
            v = kw ? PyObject_Call(A.typedef_fn, args, kw) : NULL;
            Py_XDECREF(args);
            Py_XDECREF(kw);
            if (!v || PyDict_SetItem(A.typedefs, key, v) < 0) {
                Py_XDECREF(v);
                return NULL;
            }
        }
        if (plan_from_typedef(w, &tmp, v, obj) < 0) {
            plan_clear(&tmp);
            return NULL;
        }
    }
    plan *p = eww_malloc(sizeof *p);
    if (!p) {
        plan_clear(&tmp);
        PyErr_NoMemory();
        return NULL;
    }
    tmp.key = key;
    Py_INCREF(key);
    *p = tmp;
    w->plans[slot_of(w, key)] = p;
    w->nplans++;
    return p;
}

/* sys.getsizeof(obj, dflt), as fast as the type allows. -1 with an exception. */
static Py_ssize_t getsizeof(plan *p, PyObject *obj, Py_ssize_t dflt)
{
    if (p->how != SZ_PYTHON) {
        Py_ssize_t n = -1;
        if (p->how == SZ_OBJECT) {
            PyTypeObject *t = Py_TYPE(obj);
            n = t->tp_basicsize + (t->tp_itemsize ? Py_SIZE(obj) * t->tp_itemsize : 0);
        } else {
            PyObject *r = p->fn(obj, NULL);
            if (r && PyLong_Check(r))
                n = PyLong_AsSsize_t(r);
            Py_XDECREF(r);
            if (n < 0)
                PyErr_Clear();
        }
        if (n >= 0 && p->preheader >= 0)
            return n + p->preheader;
        if (n >= 0) { /* measure the pre-header (gc header, managed dict) once */
            PyObject *r = PyObject_CallOneArg(A.getsizeof, obj);
            Py_ssize_t full = r ? PyLong_AsSsize_t(r) : -1;
            Py_XDECREF(r);
            if (full >= n) {
                p->preheader = full - n;
                return full;
            }
            PyErr_Clear();
        }
    }
    PyObject *d = PyLong_FromSsize_t(dflt);
    PyObject *r = d ? PyObject_CallFunctionObjArgs(A.getsizeof, obj, d, NULL) : NULL;
    Py_XDECREF(d);
    if (!r)
        return -1;
    Py_ssize_t n = PyLong_AsSsize_t(r);
    Py_DECREF(r);
    return n;
}

/* Typedef.flat(obj, mask). -1 with an exception. */
static Py_ssize_t flat(walk *w, plan *p, PyObject *obj)
{
    Py_ssize_t s = p->base;
    if (p->leng && p->item > 0 && !p->leng_native) {
        PyObject *n = PyObject_CallOneArg(p->leng, obj);
        if (!n)
            return -1;
        Py_ssize_t k = PyLong_AsSsize_t(n);
        Py_DECREF(n);
        if (k == -1 && PyErr_Occurred())
            return -1;
        s += k * p->item;
    }
    if (!p->xtyp && (s = getsizeof(p, obj, s)) < 0 && PyErr_Occurred())
        return -1;
    if (w->mask)
        s = (Py_ssize_t)(((long long)s + w->mask) & ~w->mask);
    return s;
}

static Py_ssize_t size_of(walk *w, PyObject *obj, long long deep);

/* Add the size of o (a referent at level d, borrowed) to *s. 0, or -1 with an exception. */
static int add(walk *w, PyObject *o, long long d, Py_ssize_t *s)
{
    Py_INCREF(o);
    Py_ssize_t r = size_of(w, o, d);
    Py_DECREF(o);
    if (r < 0)
        return -1;
    *s += r;
    return 0;
}

/* Add the size of o, a new reference (consumed) made by an attribute lookup or an iterator.
 * One nothing else holds (a class's __dict__ proxy, made anew at each lookup), or any with
 * `always` (an iterator's, which it may hold until its next step), is kept in the Asizer's
 * _keep until that is cleared, so that no later object takes the address of one
 * counted already and is taken for it (pympler's Python loop lets that happen). */
static int add_new(walk *w, PyObject *o, long long d, Py_ssize_t *s, int always)
{
    if ((always || Py_REFCNT(o) == 1) && PyList_Append(w->keep, o) < 0) {
        Py_DECREF(o);
        return -1;
    }
    Py_ssize_t r = size_of(w, o, d);
    Py_DECREF(o);
    if (r < 0)
        return -1;
    *s += r;
    return 0;
}

static int add_iter(walk *w, PyObject *it, long long d, Py_ssize_t *s)
{
    PyObject *o; /* an iterator's items may be held by it until its next step: kept */
    while ((o = PyIter_Next(it)))
        if (add_new(w, o, d, s, 1) < 0)
            return -1;
    return PyErr_Occurred() ? -1 : 0;
}

static int add_iterable(walk *w, PyObject *iterable, long long d, Py_ssize_t *s)
{
    PyObject *it = PyObject_GetIter(iterable);
    if (!it)
        return -1;
    int rc = add_iter(w, it, d, s);
    Py_DECREF(it);
    return rc;
}

/* The keys and values of an exact dict, in its order; a dict changed meanwhile is an error,
 * as iterating its items() in Python is. */
static int add_dict(walk *w, PyObject *dict, long long d, Py_ssize_t *s)
{
    Py_ssize_t pos = 0, n = PyDict_GET_SIZE(dict);
    PyObject *k, *v;
    Py_INCREF(dict);
    int rc = 0;
    while (PyDict_Next(dict, &pos, &k, &v)) {
        Py_INCREF(v);
        rc = add(w, k, d, s);
        if (rc == 0)
            rc = add(w, v, d, s);
        Py_DECREF(v);
        if (rc == 0 && PyDict_GET_SIZE(dict) != n) {
            PyErr_SetString(PyExc_RuntimeError, "dictionary changed size during iteration");
            rc = -1;
        }
        if (rc < 0)
            break;
    }
    Py_DECREF(dict);
    return rc;
}

/* The attributes of obj named in names that it has (hasattr: only AttributeError skips). */
static int add_attrs(walk *w, PyObject *obj, PyObject *const *names, Py_ssize_t n, long long d,
                     Py_ssize_t *s)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *v = PyObject_GetAttr(obj, names[i]);
        if (!v) {
            if (!PyErr_ExceptionMatches(PyExc_AttributeError))
                return -1;
            PyErr_Clear();
            continue;
        }
        if (add_new(w, v, d, s, 0) < 0)
            return -1;
    }
    return 0;
}

static int add_names(walk *w, PyObject *obj, PyObject *names, long long d, Py_ssize_t *s)
{
    return add_attrs(w, obj, &PyTuple_GET_ITEM(names, 0), PyTuple_GET_SIZE(names), d, s);
}

/* _inst_refs: __dict__, __class__, then every slot the instance has, in _dir2's order. */
static int add_instance(walk *w, plan *p, PyObject *obj, long long d, Py_ssize_t *s)
{
    PyObject *names[2] = {w->dict_str, w->class_str};
    PyObject *slots = p->names; /* read now: p is not used once referents are sized */
    int fast_class = p->fast_class, rc = 0;
    Py_XINCREF(slots);
    if (p->fast_dict) { /* what getattr(obj, '__dict__') returns, made if need be */
        PyObject *dict = PyObject_GenericGetDict(obj, NULL);
        if (dict)
            rc = add_new(w, dict, d, s, 0);
        else if (PyErr_ExceptionMatches(PyExc_AttributeError))
            PyErr_Clear();
        else
            rc = -1;
        if (rc == 0 && fast_class)
            rc = add(w, (PyObject *)Py_TYPE(obj), d, s);
        else if (rc == 0)
            rc = add_attrs(w, obj, names + 1, 1, d, s);
    } else {
        rc = add_attrs(w, obj, names, 2, d, s);
    }
    if (rc == 0 && slots) {
        PyObject *has = PyObject_GetAttr(obj, w->slot_str);
        if (has) {
            Py_DECREF(has);
            rc = add_attrs(w, obj, &PyTuple_GET_ITEM(slots, 0), PyTuple_GET_SIZE(slots), d, s);
        } else if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
            PyErr_Clear();
        } else {
            rc = -1;
        }
    }
    Py_XDECREF(slots);
    return rc;
}

/* The referents of obj as its typedef's refs function yields them (named=False). */
static int add_refs(walk *w, plan *p, PyObject *obj, long long d, Py_ssize_t *s)
{
    switch (p->refs) {
    case R_NONE: return 0;
    case R_SEQ:
        if (PyList_CheckExact(obj)) {
            for (Py_ssize_t i = 0; i < PyList_GET_SIZE(obj); i++)
                if (add(w, PyList_GET_ITEM(obj, i), d, s) < 0)
                    return -1;
            return 0;
        }
        if (PyTuple_CheckExact(obj)) {
            for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(obj); i++)
                if (add(w, PyTuple_GET_ITEM(obj, i), d, s) < 0)
                    return -1;
            return 0;
        }
        return add_iterable(w, obj, d, s);
    case R_DICT:
        if (PyDict_CheckExact(obj))
            return add_dict(w, obj, d, s);
        break;
    case R_MODULE: {
        PyObject *name = attr(obj, "__name__");
        int own = name ? PyObject_RichCompareBool(name, A.module_name, Py_EQ) : 0;
        Py_XDECREF(name);
        if (own != 0)
            return own < 0 ? -1 : 0;
        PyObject *dict = PyObject_GetAttr(obj, w->dict_str);
        if (!dict)
            return -1;
        int rc;
        if (PyDict_CheckExact(dict)) {
            rc = add_dict(w, dict, d, s);
        } else {
            PyObject *gen = PyObject_CallFunctionObjArgs(A.dict_refs, dict, Py_False, NULL);
            rc = gen ? add_iterable(w, gen, d, s) : -1;
            Py_XDECREF(gen);
        }
        Py_DECREF(dict);
        return rc;
    }
    case R_INST: return add_instance(w, p, obj, d, s);
    case R_ATTRS: return add_names(w, obj, p->names, d, s);
    case R_PYTHON: break;
    }
    PyObject *refs = PyObject_CallFunctionObjArgs(p->refs_fn, obj, Py_False, NULL);
    if (!refs)
        return -1;
    int rc = add_iterable(w, refs, d, s);
    Py_DECREF(refs);
    return rc;
}

/* Asizer._sizer(obj, pid, deep, None): obj's size with its referents'. -1 with an exception
 * (anything but a RuntimeError, which counts obj as missed). */
static Py_ssize_t size_of(walk *w, PyObject *obj, long long deep)
{
    IdCounts *c = w->seen;
    int added = eww_ptrset_add(&c->ids, obj); /* one probe: most objects are new */
    if (added < 0) {
        PyErr_NoMemory();
        return -1;
    }
    if (added) {
        c->used++; /* counted once: a new id has no slot */
    } else {
        idc_slot *sl = idc_find(c, (uintptr_t)obj);
        long long seen = sl && sl->key ? sl->count : 1;
        if (deep || seen) { /* seen before, or a reference to an excluded object */
            if (!seen)
                return 0;
            if (sl && sl->key) { /* one more visit, unless excluded (-1) */
                if (seen + 1 > 0)
                    sl->count = seen + 1;
                return 0;
            }
            return idc_set(c, (uintptr_t)obj, 2) < 0 ? -1 : 0;
        }
        if (idc_set(c, (uintptr_t)obj, 1) < 0) /* given, though refs are excluded */
            return -1;
    }

    Py_ssize_t s = 0;
    int failed = 0;
    PyObject *key = (PyObject *)Py_TYPE(obj);
    Py_INCREF(key);
    if (Py_IS_TYPE(obj, &PyType_Type)) { /* a class: its definition's key, not type's */
        Py_DECREF(key);
        key = PyObject_CallOneArg(A.claskey_fn, obj);
        failed = !key;
    }
    plan *p = failed ? NULL : plan_for(w, key, obj);
    if (!p) {
        failed = 1;
    } else if (p->excluded) {
        PyObject *n = PyDict_GetItemWithError(w->excl_d, key);
        long long k = n ? PyLong_AsLongLong(n) : -1;
        PyObject *v = k == -1 && PyErr_Occurred() ? NULL : PyLong_FromLongLong(k + 1);
        failed = !v || PyDict_SetItem(w->excl_d, key, v) < 0;
        Py_XDECREF(v);
    } else if (p->sized) {
        Py_ssize_t f = flat(w, p, obj);
        if (f < 0) {
            failed = 1;
        } else {
            s = f;
            if (p->refs != R_NONE && deep < w->limit && !(deep && PyModule_Check(obj))) {
                if (Py_EnterRecursiveCall(" while sizing an object")) {
                    failed = 1;
                } else {
                    failed = add_refs(w, p, obj, deep + 1, &s) < 0;
                    Py_LeaveRecursiveCall();
                }
                if (!failed && w->depth < deep + 1)
                    w->depth = deep + 1;
            }
        }
    }
    Py_XDECREF(key);
    if (failed) {
        if (!PyErr_ExceptionMatches(PyExc_RuntimeError))
            return -1;
        PyErr_Clear();
        w->missed++;
    }
    return s;
}

/* The flat size of obj as the walk counts it (0 for an excluded or unsized type), whether
 * or not it was seen: what a given object weighs on its own. -1 with an exception. */
static Py_ssize_t flat_of(walk *w, PyObject *obj)
{
    PyObject *key = (PyObject *)Py_TYPE(obj);
    Py_INCREF(key);
    if (Py_IS_TYPE(obj, &PyType_Type)) {
        Py_DECREF(key);
        key = PyObject_CallOneArg(A.claskey_fn, obj);
        if (!key)
            return -1;
    }
    plan *p = plan_for(w, key, obj);
    Py_DECREF(key);
    if (!p)
        return -1;
    return p->excluded || !p->sized ? 0 : flat(w, p, obj);
}

static int get_ll(PyObject *o, const char *name, long long *out)
{
    *out = as_ll(PyObject_GetAttrString(o, name), -1);
    return PyErr_Occurred() ? -1 : 0;
}

static int get_bool(PyObject *o, const char *name, int *out)
{
    PyObject *v = PyObject_GetAttrString(o, name);
    *out = v ? PyObject_IsTrue(v) : -1;
    Py_XDECREF(v);
    return *out < 0 ? -1 : 0;
}

static int set_ll(PyObject *o, const char *name, long long v)
{
    PyObject *n = PyLong_FromLongLong(v);
    int rc = n ? PyObject_SetAttrString(o, name, n) : -1;
    Py_XDECREF(n);
    return rc;
}

/* asizeof_walk(asizer, obj, deep) -> size: Asizer._sizer(obj, 0, deep, None) in C. */
/* The walk's view of the Asizer: its visit counts, exclusions and options. 0, or -1 with an
 * exception (walk_end() frees what was taken either way). */
static int walk_begin(walk *w, PyObject *asizer)
{
    memset(w, 0, sizeof *w);
    w->asizer = asizer;
    w->seen = (IdCounts *)PyObject_GetAttrString(asizer, "_seen");
    w->excl_d = PyObject_GetAttrString(asizer, "_excl_d");
    w->ign_d = PyObject_GetAttrString(asizer, "_ign_d");
    w->keep = PyObject_GetAttrString(asizer, "_keep");
    w->slot_str = PyUnicode_InternFromString("__slots__");
    w->dict_str = PyUnicode_InternFromString("__dict__");
    w->class_str = PyUnicode_InternFromString("__class__");
    if (!w->seen || !w->excl_d || !w->ign_d || !w->keep || !w->slot_str || !w->dict_str ||
        !w->class_str)
        return -1;
    if (!PyObject_TypeCheck(w->seen, IdCounts_Type) || !PyDict_Check(w->excl_d) ||
        !PyList_Check(w->keep)) {
        PyErr_SetString(PyExc_TypeError,
                        "asizeof_walk: _seen, _excl_d, _keep: IdCounts, dict, list");
        return -1;
    }
    if (get_bool(asizer, "_code_", &w->code) < 0 || get_bool(asizer, "_derive_", &w->derive) < 0 ||
        get_bool(asizer, "_frames_", &w->frames) < 0 ||
        get_bool(asizer, "_infer_", &w->infer) < 0 || get_ll(asizer, "_mask", &w->mask) < 0 ||
        get_ll(asizer, "_limit_", &w->limit) < 0 || get_ll(asizer, "_depth", &w->depth0) < 0)
        return -1;
    w->depth = w->depth0;
    return 0;
}

/* Write back what the walk changed in the Asizer (missed, depth, and total: `added` bytes
 * sized at level 0), and free the walk. ok: whether the walk succeeded. */
static int walk_end(walk *w, int ok, long long added)
{
    long long missed = 0, total = 0;
    if (ok && w->missed &&
        (get_ll(w->asizer, "_missed", &missed) < 0 ||
         set_ll(w->asizer, "_missed", missed + w->missed) < 0))
        ok = 0;
    if (ok && w->depth != w->depth0 && set_ll(w->asizer, "_depth", w->depth) < 0)
        ok = 0;
    if (ok && added &&
        (get_ll(w->asizer, "_total", &total) < 0 || set_ll(w->asizer, "_total", total + added) < 0))
        ok = 0;
    for (size_t i = 0; i < w->cap; i++)
        if (w->plans[i]) {
            plan_clear(w->plans[i]);
            eww_free(w->plans[i]);
        }
    eww_free(w->plans);
    Py_XDECREF(w->seen);
    Py_XDECREF(w->excl_d);
    Py_XDECREF(w->ign_d);
    Py_XDECREF(w->keep);
    Py_XDECREF(w->slot_str);
    Py_XDECREF(w->dict_str);
    Py_XDECREF(w->class_str);
    return ok ? 0 : -1;
}

/* Size one object (a reference held by the caller) at level deep. */
static Py_ssize_t walk_one(walk *w, PyObject *obj, long long deep)
{
    Py_INCREF(obj);
    int gc_was = facts_gc_disable(); /* the dicts made meanwhile would run collections */
    Py_ssize_t s = size_of(w, obj, deep);
    facts_gc_restore(gc_was);
    Py_DECREF(obj);
    return s;
}

static PyObject *asizeof_walk(PyObject *mod, PyObject *args)
{
    (void)mod;
    PyObject *asizer, *obj;
    long long deep;
    if (!PyArg_ParseTuple(args, "OOL:asizeof_walk", &asizer, &obj, &deep) || load_module() < 0)
        return NULL;
    walk w;
    Py_ssize_t s = -1;
    int ok = walk_begin(&w, asizer) == 0;
    if (ok) {
        s = walk_one(&w, obj, deep);
        ok = !(s < 0 && PyErr_Occurred());
    }
    if (walk_end(&w, ok, !deep && ok ? s : 0) < 0)
        return NULL;
    return PyLong_FromSsize_t(s);
}

/* Asizer._sizes(objs) for sized=None: one walk for all, each object given once (the same
 * object given again gets its first size and one more visit). (sizes, flats) as tuples. */
static PyObject *asizeof_walk_all(PyObject *mod, PyObject *args)
{
    (void)mod;
    PyObject *asizer, *objs;
    if (!PyArg_ParseTuple(args, "OO!:asizeof_walk_all", &asizer, &PyTuple_Type, &objs))
        return NULL;
    return asizeof_sizes(asizer, objs);
}

PyObject *asizeof_sizes(PyObject *asizer, PyObject *objs)
{
    if (load_module() < 0)
        return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(objs);
    PyObject *sizes = PyTuple_New(n), *flats = PyTuple_New(n);
    Py_ssize_t *got = eww_calloc((size_t)n + 1, 2 * sizeof *got);
    eww_ptrset given;
    eww_ptrset_init(&given);
    walk w;
    if (sizes && flats && !got)
        PyErr_NoMemory();
    int begun = sizes && flats && got, ok = begun && walk_begin(&w, asizer) == 0;
    long long added = 0;
    int gc_off = ok, gc_was = ok ? facts_gc_disable() : 0; /* dicts made would collect */
    for (Py_ssize_t i = 0; ok && i < n; i++) {
        PyObject *o = PyTuple_GET_ITEM(objs, i);
        int fresh = eww_ptrset_add(&given, o);
        if (fresh < 0) {
            PyErr_NoMemory();
            ok = 0;
        } else if (!fresh) { /* given twice: its first size, one more visit */
            Py_ssize_t j = i;
            while (--j >= 0 && PyTuple_GET_ITEM(objs, j) != o) {
            }
            got[2 * i] = got[2 * j];
            got[2 * i + 1] = got[2 * j + 1];
            ok = idc_again(w.seen, (uintptr_t)o) == 0;
        } else {
            Py_INCREF(o);
            Py_ssize_t f = flat_of(&w, o);
            Py_ssize_t sz = f < 0 ? -1 : size_of(&w, o, 0);
            Py_DECREF(o);
            ok = !(sz < 0 && PyErr_Occurred());
            got[2 * i] = sz;
            got[2 * i + 1] = f;
            added += sz > 0 ? sz : 0;
        }
    }
    if (gc_off)
        facts_gc_restore(gc_was);
    eww_ptrset_free(&given);
    PyObject *result = NULL;
    if (begun && walk_end(&w, ok, added) == 0) {
        int filled = 1;
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *x = PyLong_FromSsize_t(got[2 * i]), *y = PyLong_FromSsize_t(got[2 * i + 1]);
            if (!x || !y) {
                Py_XDECREF(x);
                Py_XDECREF(y);
                filled = 0;
                break;
            }
            PyTuple_SET_ITEM(sizes, i, x);
            PyTuple_SET_ITEM(flats, i, y);
        }
        if (filled)
            result = PyTuple_Pack(2, sizes, flats);
    }
    eww_free(got);
    Py_XDECREF(sizes);
    Py_XDECREF(flats);
    return result;
}

static PyMethodDef asizeof_methods[] = {
    {"asizeof_walk", asizeof_walk, METH_VARARGS,
     "asizeof_walk(asizer, obj, deep) -> int: Asizer._sizer(obj, 0, deep, None) of "
     "eww.asizeof, in C."},
    {"asizeof_walk_all", asizeof_walk_all, METH_VARARGS,
     "asizeof_walk_all(asizer, objs) -> (sizes, flats): Asizer._sizes(objs) of eww.asizeof "
     "in one walk, and the flat size of each object as the walk counted it."},
    {NULL, NULL, 0, NULL},
};

int asizeof_init(PyObject *module)
{
    if (!IdCounts_Type) { /* once per process, as the Snapshot type */
        IdCounts_Type = (PyTypeObject *)PyType_FromSpec(&idc_spec);
        if (!IdCounts_Type)
            return -1;
    }
    Py_INCREF(IdCounts_Type);
    if (PyModule_AddObject(module, "IdCounts", (PyObject *)IdCounts_Type) < 0) {
        Py_DECREF(IdCounts_Type);
        return -1;
    }
    return PyModule_AddFunctions(module, asizeof_methods);
}
