/* cmd_refs.c - `chain` and `leaking`: why objects are alive, and what nothing refers to.
 *
 * chain ID     the shortest chain of references from a root to that object.
 * chain TYPE   the chains of every live instance, grouped by shape (list indices as *),
 *              largest group first: what keeps the leak alive, for the whole type at once.
 * backrefs     the graph of what refers to an object (or to a few instances of a type), as
 *              DOT for the client to draw (graph.c).
 * leaking      objects that nothing refers to (held by C code, or roots), by type.
 */
#include "pycompat.h"

#include <marshal.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "commands.h"
#include "snapshot.h"
#include "dot.h"
#include "facts.h"
#include "fmt.h"
#include "graph.h"
#include "heap.h"
#include "json.h"
#include "lookup.h"
#include "proto.h"
#include "refs.h"

/* Whether a type is named `name`, remembered per type (a walk meets millions of objects of
 * a few thousand types). */
typedef struct type_cache {
    PyTypeObject *types[8192]; /* open addressing on the pointer; NULL = empty */
    unsigned char match[8192];
    const char *name;
} type_cache;

static int cached_match(type_cache *c, PyTypeObject *t)
{
    size_t k = ((uintptr_t)t >> 4) & 8191;
    for (size_t probes = 0; probes < 8192; probes++, k = (k + 1) & 8191) {
        if (c->types[k] == t)
            return c->match[k];
        if (!c->types[k]) {
            c->types[k] = t;
            return c->match[k] = (unsigned char)facts_type_matches(t, c->name);
        }
    }
    return facts_type_matches(t, c->name); /* a full table: just ask */
}

PyTypeObject *commands_find_class(const char *name, Py_ssize_t *more)
{
    PyObject *all = facts_gc_objects();
    PyTypeObject *cls = NULL;
    *more = 0;
    for (Py_ssize_t i = 0; all && i < PyList_GET_SIZE(all); i++) {
        PyObject *o = PyList_GET_ITEM(all, i);
        if (PyType_Check(o) && facts_type_matches((PyTypeObject *)o, name)) {
            if (cls)
                ++*more;
            else
                cls = (PyTypeObject *)o;
        }
    }
    PyErr_Clear();
    Py_XINCREF(cls);
    Py_XDECREF(all);
    return cls;
}

/* No object has a type of that name. When the name is a class's (a class with no live
 * instance, e.g. `chain app.Row` after the rows are gone), say how to ask about the class
 * itself, whose ID the user cannot guess. */
void commands_no_instances(reply *r, const char *command, const char *name)
{
    Py_ssize_t more;
    PyTypeObject *cls = commands_find_class(name, &more);
    if (cls) {
        char full[256], others[64] = "";
        facts_type_name(cls, full, sizeof full);
        if (more)
            snprintf(others, sizeof others, "; %zd more classes have that name", more);
        int why = !strcmp(command, "chain") || !strcmp(command, "backrefs");
        reply_error(r, "%s: no live instance of the class %s. The class itself is %p: `%s %p` %s%s",
                    command, full, (void *)cls, command, (void *)cls,
                    why ? "shows what keeps the class alive" : "asks about the class itself",
                    others);
        Py_DECREF(cls);
    } else {
        reply_error(r, "%s: no live object of a type named '%s'", command, name);
    }
}

/* An ID as Python prints it (id(): decimal) or as eww prints it (0x...): digits only (no sign,
 * space or overflow that strtoull would let by). 0 parses (no object has it: the caller says
 * so), so that "0x0" is never taken for a type's name. */
int commands_parse_id(const char *s, uintptr_t *out)
{
    int hex = strncmp(s, "0x", 2) == 0;
    const char *digits = hex ? s + 2 : s;
    if (!*digits || strspn(digits, hex ? "0123456789abcdefABCDEF" : "0123456789") != strlen(digits))
        return 0;
    errno = 0;
    unsigned long long v = strtoull(digits, NULL, hex ? 16 : 10);
    if (errno == ERANGE || (uintptr_t)v != v)
        return 0;
    *out = (uintptr_t)v;
    return 1;
}

void commands_no_id(reply *r, const char *command, const char *id)
{
    reply_error(r,
                "%s: no live object has the ID %s (it may have been freed; IDs are printed by "
                "chain, leaking and backrefs)",
                command, id);
}

PyObject *commands_find_id(reply *r, uintptr_t id)
{
    refs_walk *w = refs_walk_new(id, commands_heap_tick, r);
    if (!w)
        return NULL;
    long pos = refs_find(w, id);
    PyObject *o = pos < 0 ? NULL : refs_object(w, (size_t)pos);
    Py_XINCREF(o);
    refs_walk_free(w);
    return o;
}

typedef struct chain_args {
    const char *what;
    int limit;
    int json;
    eww_buf *capture; /* hunt: the groups as records (commands_chain_groups), not a reply */
    int classes;      /* the classes of that name themselves, not their instances */
} chain_args;

/* Whether o is what chain TYPE looks for: an instance of a type of that name, or (classes)
 * a class of that name. */
static int is_target(type_cache *c, const chain_args *a, PyObject *o)
{
    if (a->classes)
        return PyType_Check(o) && facts_type_matches((PyTypeObject *)o, a->what);
    return cached_match(c, Py_TYPE(o));
}

/* ---- chains of a whole type, grouped by shape ----------------------------------------
 *
 * Every instance's chain is a path of the walk's tree. A shape is that path read as edge
 * labels with the parts that differ between instances made * (list indices, the keys of a
 * dict that holds several of them) and a run of equal labels said once (a linked list's
 * "attribute 'next'" a thousand times is one label, repeated). Shapes are interned as a
 * tree of (shape above, label, repeated), so each object on a needed path costs one label
 * and one hash probe: linear in the heap, whatever its shape. Needed paths are marked
 * first, from each instance up to the first marked ancestor. */

#define STAR_KEYS  16 /* a dict holding more needed children than this: its keys are * */
#define SID_UNSET  UINT32_MAX
#define SID_NEEDED (UINT32_MAX - 1)
#define SID_ROOT   (UINT32_MAX - 2) /* the "shape above" of a root's shape */

typedef struct shapes {
    /* labels, interned: id -> text */
    char **text;
    uint32_t ntext, captext;
    uint32_t *lhash; /* open addressing: label id + 1, 0 empty */
    size_t lmask;
    /* shapes: id -> (up, label, repeated) */
    uint32_t *up, *label;
    unsigned char *rep;
    uint32_t nshape, capshape;
    uint32_t *shash; /* shape id + 1 */
    size_t smask;
    int failed;
} shapes;

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return h;
}

static int grow_table(uint32_t **t, size_t *mask, size_t used)
{
    if (*t && (used + 1) * 2 <= *mask + 1)
        return 0;
    size_t cap = *t ? (*mask + 1) * 2 : 4096;
    uint32_t *n = eww_calloc(cap, sizeof *n);
    if (!n)
        return -1;
    eww_free(*t);
    *t = n;
    *mask = cap - 1;
    return 1; /* rehash needed */
}

static uint32_t label_id(shapes *sh, const char *text)
{
    int g = grow_table(&sh->lhash, &sh->lmask, sh->ntext);
    if (g < 0) {
        sh->failed = 1;
        return 0;
    }
    for (uint32_t i = 0; g > 0 && i < sh->ntext; i++) {
        size_t k = str_hash(sh->text[i]) & sh->lmask;
        while (sh->lhash[k])
            k = (k + 1) & sh->lmask;
        sh->lhash[k] = i + 1;
    }
    size_t k = str_hash(text) & sh->lmask;
    for (; sh->lhash[k]; k = (k + 1) & sh->lmask)
        if (strcmp(sh->text[sh->lhash[k] - 1], text) == 0)
            return sh->lhash[k] - 1;
    if (sh->ntext == sh->captext) {
        uint32_t cap = sh->captext ? sh->captext * 2 : 1024;
        char **t = eww_realloc(sh->text, cap * sizeof *t);
        if (!t) {
            sh->failed = 1;
            return 0;
        }
        sh->text = t;
        sh->captext = cap;
    }
    char *copy = eww_strdup(text);
    if (!copy) {
        sh->failed = 1;
        return 0;
    }
    sh->text[sh->ntext] = copy;
    sh->lhash[k] = sh->ntext + 1;
    return sh->ntext++;
}

static size_t shape_slot(const shapes *sh, uint32_t up, uint32_t label, int rep)
{
    uint64_t h = ((uint64_t)up * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)label << 1 | (unsigned)rep);
    h *= 0xBF58476D1CE4E5B9ull;
    return (size_t)(h ^ (h >> 31)) & sh->smask;
}

static uint32_t shape_id(shapes *sh, uint32_t up, uint32_t label, int rep)
{
    int g = grow_table(&sh->shash, &sh->smask, sh->nshape);
    if (g < 0) {
        sh->failed = 1;
        return 0;
    }
    for (uint32_t i = 0; g > 0 && i < sh->nshape; i++) {
        size_t k = shape_slot(sh, sh->up[i], sh->label[i], sh->rep[i]);
        while (sh->shash[k])
            k = (k + 1) & sh->smask;
        sh->shash[k] = i + 1;
    }
    size_t k = shape_slot(sh, up, label, rep);
    for (; sh->shash[k]; k = (k + 1) & sh->smask) {
        uint32_t i = sh->shash[k] - 1;
        if (sh->up[i] == up && sh->label[i] == label && sh->rep[i] == rep)
            return i;
    }
    if (sh->nshape == sh->capshape) {
        uint32_t cap = sh->capshape ? sh->capshape * 2 : 4096;
        uint32_t *u = eww_realloc(sh->up, cap * sizeof *u);
        if (u)
            sh->up = u;
        uint32_t *l = u ? eww_realloc(sh->label, cap * sizeof *l) : NULL;
        if (l)
            sh->label = l;
        unsigned char *rp = l ? eww_realloc(sh->rep, cap) : NULL;
        if (!rp) {
            sh->failed = 1;
            return 0;
        }
        sh->rep = rp;
        sh->capshape = cap;
    }
    uint32_t i = sh->nshape++;
    sh->up[i] = up;
    sh->label[i] = label;
    sh->rep[i] = (unsigned char)rep;
    sh->shash[k] = i + 1;
    return i;
}

/* The shape `base` followed by an edge labelled `text` (a run of the same label: one). */
static uint32_t shape_extend(shapes *sh, uint32_t base, const char *text)
{
    uint32_t l = label_id(sh, text);
    if (sh->failed)
        return 0;
    if (base != SID_ROOT && sh->label[base] == l)
        return sh->rep[base] ? base : shape_id(sh, sh->up[base], l, 1);
    return shape_id(sh, base, l, 0);
}

static void shapes_free(shapes *sh)
{
    for (uint32_t i = 0; i < sh->ntext; i++)
        eww_free(sh->text[i]);
    eww_free(sh->text);
    eww_free(sh->lhash);
    eww_free(sh->up);
    eww_free(sh->label);
    eww_free(sh->rep);
    eww_free(sh->shash);
}

/* The text of a shape: "module m -> attribute 'x' -> list index *". */
static int shape_text(const shapes *sh, uint32_t id, eww_buf *out)
{
    size_t depth = 0;
    for (uint32_t i = id; i != SID_ROOT; i = sh->up[i])
        depth++;
    uint32_t *path = eww_malloc((depth ? depth : 1) * sizeof *path);
    if (!path)
        return -1;
    size_t k = depth;
    for (uint32_t i = id; i != SID_ROOT; i = sh->up[i])
        path[--k] = i;
    int rc = 0;
    for (k = 0; k < depth && rc == 0; k++) {
        const char *t = sh->text[sh->label[path[k]]];
        rc = eww_buf_printf(out, "%s%s%s", k ? " -> " : "", t,
                            sh->rep[path[k]] ? " (repeated)" : "");
    }
    eww_free(path);
    return rc;
}

typedef struct group {
    uint32_t shape;
    size_t count;
    uintptr_t example; /* an address, for its ID */
} group;

static int by_count_desc(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    const group *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return x->shape < y->shape ? -1 : x->shape > y->shape;
}

/* The label of the edge parent -> pos, as a shape reads it; *same set when pos takes its
 * parent's shape (an attribute dict, drawn as its owner). dict_star: the parent dict holds
 * more than one needed child, so its keys are *. */
static void shape_edge(const refs_walk *w, size_t parent, size_t pos, int dict_star, char *out,
                       size_t n)
{
    long gp = refs_parent(w, parent);
    if (gp >= 0 && refs_attribute_dict(w, parent)) {
        refs_attribute_label(refs_object(w, (size_t)gp), refs_object(w, parent),
                             refs_object(w, pos), 1, out, n);
        return;
    }
    refs_edge(w, parent, pos, dict_star ? 2 : 1, out, n);
}

static int chain_type(reply *r, refs_walk *w, const chain_args *a)
{
    size_t n = refs_count(w);
    uint32_t *sid = eww_malloc((n ? n : 1) * sizeof *sid);
    type_cache *cache = eww_calloc(1, sizeof *cache);
    shapes sh;
    memset(&sh, 0, sizeof sh);
    group *groups = NULL;
    size_t ngroups = 0, gcap = 0, total = 0;
    uint32_t *gindex = NULL; /* shape id -> group + 1 */
    int status = EWW_STATUS_FAILED;
    if (!sid || !cache)
        goto oom;
    memset(sid, 0xFF, n * sizeof *sid);
    cache->name = a->what;
    /* 1. mark the paths of every instance (each object once) */
    for (size_t i = 0; i < n; i++) {
        if ((i & 0xFFF) == 0 && commands_heap_tick(r, i))
            goto stopped;
        if (!is_target(cache, a, refs_object(w, i)))
            continue;
        total++;
        for (long p = (long)i; p >= 0 && sid[p] == SID_UNSET; p = refs_parent(w, (size_t)p))
            sid[p] = SID_NEEDED;
    }
    if (total == 0) {
        eww_free(sid);
        eww_free(cache);
        if (a->capture)
            return EWW_STATUS_OK; /* none left: no record */
        chain_args c = *a;
        c.classes = 1;
        size_t classes = 0;
        for (size_t i = 0; i < n && !a->classes; i++)
            classes += is_target(NULL, &c, refs_object(w, i));
        if (!classes) {
            commands_no_instances(r, "chain", a->what);
            return EWW_STATUS_FAILED;
        }
        /* `chain app.Row` with no Row left: what keeps the class itself alive */
        if (!a->json)
            reply_printf(r, "No live instance of %s: the chains of the class%s itself.\n", a->what,
                         classes == 1 ? "" : "es");
        return chain_type(r, w, &c);
    }
    /* 2. shapes, in queue order (a parent comes before its children) */
    char lab[512], name[256];
    long star_parent = -1;
    int star = 0;
    for (size_t i = 0; i < n; i++) {
        if ((i & 0xFFF) == 0 && commands_heap_tick(r, i))
            goto stopped;
        if (sid[i] != SID_NEEDED)
            continue;
        long p = refs_parent(w, i);
        if (p < 0) {
            const char *root = refs_root_label(w, i);
            if (!root[0]) {
                facts_type_name(Py_TYPE(refs_object(w, i)), name, sizeof name);
                if (is_target(cache, a, refs_object(w, i)))
                    snprintf(lab, sizeof lab,
                             "nothing refers to it: a reference held by C "
                             "code (or a leak in an extension)");
                else
                    snprintf(lab, sizeof lab, "a %s that nothing refers to", name);
                root = lab;
            }
            sid[i] = shape_extend(&sh, SID_ROOT, root);
        } else if (refs_attribute_dict(w, i)) {
            sid[i] = sid[p]; /* a module's, class's or instance's dict: read as its owner */
        } else {
            if (p != star_parent) {
                /* Does the parent hold many needed children (a registry keyed by id)? Its
                 * children are next to each other in the queue: count the following ones,
                 * once per parent. */
                star_parent = p;
                size_t kids = 1;
                for (size_t j = i + 1; j < n && refs_parent(w, j) == p && kids <= STAR_KEYS; j++)
                    kids += sid[j] == SID_NEEDED;
                star = kids > STAR_KEYS;
            }
            /* The keys under which the instances themselves are kept differ by instance. */
            int last = is_target(cache, a, refs_object(w, i));
            shape_edge(w, (size_t)p, i, star || last, lab, sizeof lab);
            sid[i] = shape_extend(&sh, sid[p], lab);
        }
        if (sh.failed)
            goto oom;
    }
    /* 3. group the instances by shape */
    size_t glen = sh.nshape ? sh.nshape : 1;
    gindex = eww_calloc(glen, sizeof *gindex);
    if (!gindex)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        if ((i & 0xFFF) == 0 && commands_heap_tick(r, i))
            goto stopped;
        PyObject *o = refs_object(w, i);
        if (sid[i] >= SID_ROOT || !is_target(cache, a, o))
            continue;
        uint32_t s = sid[i];
        if (refs_attribute_dict(w, i) && (s = shape_extend(&sh, s, "__dict__"), sh.failed))
            goto oom;
        if (s >= glen) { /* "__dict__" made a new shape */
            uint32_t *g2 = eww_realloc(gindex, sh.capshape * sizeof *g2);
            if (!g2)
                goto oom;
            memset(g2 + glen, 0, (sh.capshape - glen) * sizeof *g2);
            gindex = g2;
            glen = sh.capshape;
        }
        if (!gindex[s]) {
            if (ngroups == gcap) {
                size_t cap = gcap ? gcap * 2 : 64;
                group *g2 = eww_realloc(groups, cap * sizeof *g2);
                if (!g2)
                    goto oom;
                groups = g2;
                gcap = cap;
            }
            groups[ngroups] = (group){.shape = s, .count = 0, .example = (uintptr_t)o};
            gindex[s] = (uint32_t)++ngroups;
        }
        groups[gindex[s] - 1].count++;
    }
    eww_sort(groups, ngroups, sizeof *groups, by_count_desc, NULL);
    {
        eww_buf b, j;
        eww_buf_init(&b, 16u << 20);
        eww_buf_init(&j, 64u << 20);
        int rc = 0;
        if (a->classes) {
            char cls[240];
            facts_type_name((PyTypeObject *)groups[0].example, cls, sizeof cls);
            snprintf(name, sizeof name, "class %s", cls);
        } else {
            facts_type_name(Py_TYPE((PyObject *)groups[0].example), name, sizeof name);
        }
        if (a->json) {
            rc |= eww_buf_puts(&j, "{\"type\": ");
            rc |= eww_json_str(&j, name);
            rc |= eww_buf_printf(&j, ", \"objects\": %llu, \"chains_total\": %zu, \"chains\": [",
                                 (unsigned long long)total, ngroups);
        }
        for (size_t g = 0; g < ngroups && g < (size_t)a->limit; g++) {
            char c1[32], c2[32];
            eww_buf_reset(&b);
            if (shape_text(&sh, groups[g].shape, &b) < 0 || !b.data) {
                eww_buf_free(&b);
                eww_buf_free(&j);
                goto oom;
            }
            if (a->capture) {
                rc |= eww_buf_printf(a->capture, "%llu\t%llu\t0x%lx\t%s", (unsigned long long)total,
                                     (unsigned long long)groups[g].count,
                                     (unsigned long)groups[g].example, b.data);
                rc |= eww_buf_putc(a->capture, '\0');
                continue;
            }
            if (a->json) {
                rc |= eww_buf_printf(&j, "%s{\"count\": %llu, \"chain\": ", g ? ", " : "",
                                     (unsigned long long)groups[g].count);
                rc |= eww_json_str(&j, b.data);
                rc |= eww_buf_printf(&j, ", \"example_id\": \"0x%lx\"}",
                                     (unsigned long)groups[g].example);
                continue;
            }
            reply_printf(r, "%s of %s %s %s kept alive by:\n  %s\n  (for example 0x%lx)\n",
                         eww_fmt_count(c1, sizeof c1, groups[g].count),
                         eww_fmt_count(c2, sizeof c2, total), name,
                         groups[g].count == 1 ? "is" : "are", b.data,
                         (unsigned long)groups[g].example);
        }
        eww_buf_free(&b);
        if (a->capture) {
            eww_buf_free(&j);
            status = rc ? EWW_STATUS_FAILED : EWW_STATUS_OK;
            if (rc)
                reply_error(r, "chain: out of memory");
            goto done;
        }
        if (a->json) {
            rc |= eww_buf_puts(&j, "]}\n");
            status = reply_buffer(r, &j, rc, "chain");
            goto done;
        }
        eww_buf_free(&j);
    }
    if (ngroups > (size_t)a->limit)
        reply_printf(r, "... and %zu more chains (chain %s -n %zu)\n", ngroups - (size_t)a->limit,
                     a->what, ngroups);
    status = EWW_STATUS_OK;
    goto done;
stopped:
    status = reply_stopped(r, "chain");
    goto done;
oom:
    reply_error(r, "chain: out of memory");
done:
    eww_free(sid);
    eww_free(cache);
    eww_free(groups);
    eww_free(gindex);
    shapes_free(&sh);
    return status;
}

int commands_chain_groups(reply *r, refs_walk *w, const char *type_name, int limit, eww_buf *out)
{
    chain_args a = {type_name, limit, 0, out, 0};
    return chain_type(r, w, &a);
}

static int chain_python(reply *r, void *arg)
{
    chain_args *a = arg;
    uintptr_t target = 0;
    int by_id = commands_parse_id(a->what, &target);
    refs_walk *w = refs_walk_new(by_id ? target : 0, commands_heap_tick, r);
    if (!w) {
        if (r->cancelled) {
            PyErr_Clear();
            return reply_stopped(r, "chain");
        }
        PyErr_Clear();
        reply_error(r, "chain: the walk failed (out of memory?)");
        return EWW_STATUS_FAILED;
    }
    if (!by_id) {
        int status = chain_type(r, w, a);
        refs_walk_free(w);
        return status;
    }
    int status = EWW_STATUS_OK;
    eww_buf b;
    eww_buf_init(&b, 16u << 20);
    long pos = refs_find(w, target);
    if (pos < 0) {
        commands_no_id(r, "chain", a->what);
        status = EWW_STATUS_FAILED;
    } else {
        int rooted;
        char name[256], cls[240];
        PyObject *o = refs_object(w, (size_t)pos);
        if (PyType_Check(o)) { /* a class: by its own name, not "type" */
            facts_type_name((PyTypeObject *)o, cls, sizeof cls);
            snprintf(name, sizeof name, "class %s", cls);
        } else {
            facts_type_name(Py_TYPE(o), name, sizeof name);
        }
        int ok = refs_chain(w, (size_t)pos, 0, &b, &rooted) == 0 && b.data;
        if (ok && a->json) {
            eww_buf j;
            eww_buf_init(&j, 16u << 20);
            int rc = eww_buf_printf(&j, "{\"id\": \"%p\", \"type\": ", (void *)o);
            rc |= eww_json_str(&j, name);
            rc |= eww_buf_puts(&j, ", \"chain\": ");
            rc |= eww_json_str(&j, b.data);
            rc |= eww_buf_printf(&j, ", \"root\": \"%s\"}\n",
                                 rooted == 1   ? "module_or_thread"
                                 : rooted == 0 ? "held_by_c"
                                               : "nothing_refers_to_it");
            status = reply_buffer(r, &j, rc, "chain");
        } else if (ok) {
            if (rooted == -1)
                reply_printf(r, "%s at %p: %s\n", name, (void *)o, b.data);
            else
                reply_printf(r, "%s -> %s at %p\n", b.data, name, (void *)o);
        } else {
            reply_error(r, "chain: out of memory");
            status = EWW_STATUS_FAILED;
        }
    }
    eww_buf_free(&b);
    refs_walk_free(w);
    return status;
}

int cmd_chain(reply *r, int argc, const char **argv)
{
    chain_args a = {NULL, 10, 0, NULL, 0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            a.json = 1;
        } else if (!strcmp(argv[i], "--class")) {
            a.classes = 1;
        } else if (!strcmp(argv[i], "-n")) {
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
    uintptr_t id;
    if (a.classes && commands_parse_id(a.what, &id))
        return commands_usage_error(r, "chain", "--class takes a class name, not an ID:", a.what);
    return reply_with_heap(r, "chain", chain_python, &a);
}

/* ---- backrefs: the graph of referrers (graph.c), drawn by the client ----------------- */

typedef struct backrefs_args {
    const char *what;
    int depth, max_nodes;
    const char *file;
    int json;
} backrefs_args;

static void backrefs_progress(void *arg, int depth, double seconds)
{
    char text[128];
    snprintf(text, sizeof text, "backrefs: %d level%s searched (%.0f s)", depth,
             depth == 1 ? "" : "s", seconds);
    reply_progress(arg, text);
}

static int backrefs_tick(void *arg)
{
    return reply_tick(arg, NULL, NULL);
}

PyObject *commands_instances(reply *r, const char *name, PyObject **gc_objects)
{
    type_cache *cache = eww_calloc(1, sizeof *cache);
    PyObject *all = cache ? facts_gc_objects() : NULL;
    PyObject *matches = all ? PyList_New(0) : NULL;
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
    eww_free(cache);
    if (matches && PyList_GET_SIZE(matches) == 0) {
        heap_snapshot s;
        if (heap_walk_opts(&s, matches, name, NULL, commands_heap_tick, r) < 0)
            Py_CLEAR(matches);
        else
            heap_snapshot_free(&s);
    }
    if (gc_objects)
        *gc_objects = all;
    else
        Py_XDECREF(all);
    return matches;
}

/* Up to k live instances of the type named `name`, spread evenly over all of them. A new
 * list (empty when there is none), or NULL with an exception; *total is how many there are,
 * and *gc_objects the list gc.get_objects() gave (for the search to use). */
static PyObject *sample_instances(reply *r, const char *name, Py_ssize_t k, Py_ssize_t *total,
                                  PyObject **gc_objects)
{
    PyObject *matches = commands_instances(r, name, gc_objects);
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
    int by_id = commands_parse_id(a->what, &id);
    if (by_id && id == 0) { /* find_id 0 means "none" to graph_dot */
        commands_no_id(r, "backrefs", a->what);
        return EWW_STATUS_FAILED;
    }
    char fallback[256], file[256], title[512];
    snprintf(fallback, sizeof fallback, "backrefs-%s", a->what);
    if (commands_file_name(r, "backrefs", a->file, fallback, file, sizeof file) < 0)
        return EWW_STATUS_FAILED;
    Py_ssize_t total = 1;
    PyObject *gc_objects = NULL;
    PyObject *targets =
        by_id ? PyList_New(0) : sample_instances(r, a->what, 3, &total, &gc_objects);
    if (!targets) {
        Py_XDECREF(gc_objects);
        if (r->cancelled) {
            PyErr_Clear();
            return reply_stopped(r, "backrefs");
        }
        char why[256];
        python_error_text(why, sizeof why);
        reply_error(r, "backrefs: %s", why);
        return EWW_STATUS_FAILED;
    }
    char name[256] = "", count[32];
    if (!by_id && total == 0) {
        Py_DECREF(targets);
        Py_XDECREF(gc_objects);
        commands_no_instances(r, "backrefs", a->what);
        return EWW_STATUS_FAILED;
    }
    if (!by_id) {
        facts_type_name(Py_TYPE(PyList_GET_ITEM(targets, 0)), name, sizeof name);
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
        .tick = backrefs_tick,
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
        if (r->cancelled)
            reply_stopped(r, "backrefs");
        else
            reply_error(r, "backrefs: %s", why);
        rc = -1;
    } else if (rc == 0 && !res.found) {
        commands_no_id(r, "backrefs", a->what);
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
    /* With -f -, standard output carries the DOT text only (`| dot -Tpng`): the summary
     * line goes to standard error. */
    const char *cut = res.cut ? " (stopped at the node limit: -n for more)" : "";
    if (a->json) { /* the summary line as JSON (on stderr with -f -, as the line would be) */
        eww_buf j;
        eww_buf_init(&j, 1u << 20);
        int jrc = eww_buf_puts(&j, "{\"title\": ");
        jrc |= eww_json_str(&j, title);
        jrc |= eww_buf_printf(&j,
                              ", \"nodes\": %zu, \"depth\": %d, \"cut\": %s, \"file\": ", res.nodes,
                              a->depth, res.cut ? "true" : "false");
        jrc |= eww_json_str(&j, file);
        jrc |= eww_buf_puts(&j, "}");
        if (jrc == 0 && strcmp(file, "-") == 0)
            reply_error(r, "%s", j.data);
        else if (jrc == 0)
            reply_printf(r, "%s\n", j.data);
        eww_buf_free(&j);
    } else if (strcmp(file, "-") == 0)
        reply_error(r, "%s: %zu node%s, depth %d%s", title, res.nodes, res.nodes == 1 ? "" : "s",
                    a->depth, cut);
    else
        reply_printf(r, "%s: %zu node%s, depth %d%s\n", title, res.nodes, res.nodes == 1 ? "" : "s",
                     a->depth, cut);
    reply_data(r, out.data, out.len);
    eww_buf_free(&out);
    return EWW_STATUS_OK;
}

int cmd_backrefs(reply *r, int argc, const char **argv)
{
    backrefs_args a = {NULL, 3, 100, NULL, 0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            a.json = 1;
        } else if (!strcmp(argv[i], "-d")) {
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
    return reply_with_heap(r, "backrefs", backrefs_python, &a);
}

static int by_count_then_name(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    const heap_row *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->name, y->name);
}

typedef struct leaking_args {
    int limit, json;
} leaking_args;

static int leaking_python(reply *r, void *arg)
{
    const leaking_args *a = arg;
    PyObject *list = PyList_New(0);
    heap_snapshot s;
    if (!list || heap_walk_opts(&s, NULL, NULL, list, commands_heap_tick, r) < 0) {
        Py_XDECREF(list);
        PyErr_Clear();
        if (r->cancelled)
            return reply_stopped(r, "leaking");
        reply_error(r, "leaking: the walk failed");
        return EWW_STATUS_FAILED;
    }
    heap_snapshot_free(&s);
    heap_snapshot by;
    if (heap_summarize_list(list, &by, NULL, 0, HEAP_NAMES_FULL) < 0) {
        Py_DECREF(list);
        PyErr_Clear();
        reply_error(r, "leaking: out of memory");
        return EWW_STATUS_FAILED;
    }
    eww_buf b;
    eww_buf_init(&b, 16u << 20);
    int rc = a->json ? eww_buf_printf(&b, "{\"objects\": %zd, \"types\": [", PyList_GET_SIZE(list))
                     : eww_buf_printf(&b,
                                      "%zd objects that nothing refers to (held by C code, or "
                                      "roots):\n",
                                      PyList_GET_SIZE(list));
    eww_sort(by.rows, by.n, sizeof *by.rows, by_count_then_name, NULL);
    for (size_t i = 0; i < by.n && i < (size_t)a->limit; i++) {
        PyObject *example = NULL;
        for (Py_ssize_t k = 0; k < PyList_GET_SIZE(list); k++)
            if (Py_TYPE(PyList_GET_ITEM(list, k)) == by.rows[i].type) {
                example = PyList_GET_ITEM(list, k);
                break;
            }
        if (a->json) {
            rc |= eww_buf_puts(&b, i ? ", {\"type\": " : "{\"type\": ");
            rc |= eww_json_str(&b, by.rows[i].name);
            rc |= eww_buf_printf(&b, ", \"count\": %llu, \"example_id\": \"%p\"}",
                                 (unsigned long long)by.rows[i].count, (void *)example);
        } else {
            rc |= eww_buf_printf(&b, "  %-40s %9llu   e.g. %p\n", by.rows[i].name,
                                 (unsigned long long)by.rows[i].count, (void *)example);
        }
    }
    if (a->json)
        rc |= eww_buf_printf(&b, "], \"types_total\": %zu}\n", by.n);
    heap_snapshot_free(&by);
    Py_DECREF(list);
    return reply_buffer(r, &b, rc, "leaking");
}

int cmd_leaking(reply *r, int argc, const char **argv)
{
    leaking_args a = {20, 0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            a.json = 1;
        else if (strcmp(argv[i], "-n") != 0)
            return commands_bad_argument(r, "leaking", argv[i]);
        else if (commands_count_option(r, "leaking", "rows", argc, argv, &i, 100000, &a.limit))
            return EWW_STATUS_FAILED;
    }
    return reply_with_heap(r, "leaking", leaking_python, &a);
}

/* ---- trace and where (tracemalloc, through eww/_where.py) ---------------------------- */

typedef struct py_args {
    const char *func;
    int argc;
    const char **argv;
} py_args;

/* Print the str a Python function returned (a reference, taken), or its exception. */
static int reply_text(reply *r, const char *command, PyObject *text)
{
    if (text && PyUnicode_Check(text)) {
        reply_printf(r, "%s", PyUnicode_AsUTF8(text));
        Py_DECREF(text);
        return EWW_STATUS_OK;
    }
    Py_XDECREF(text);
    char why[512];
    python_error_text(why, sizeof why);
    reply_error(r, "%s: %s", command, why);
    return EWW_STATUS_FAILED;
}

static int trace_python(reply *r, void *arg)
{
    py_args *a = arg;
    PyObject *mod = PyImport_ImportModule("eww._where");
    PyObject *list = mod ? PyList_New(0) : NULL;
    for (int i = 0; list && i < a->argc; i++) {
        PyObject *s = PyUnicode_FromString(a->argv[i]);
        if (!s || PyList_Append(list, s) < 0)
            Py_CLEAR(list);
        Py_XDECREF(s);
    }
    PyObject *res = list ? PyObject_CallMethod(mod, "trace", "O", list) : NULL;
    Py_XDECREF(list);
    Py_XDECREF(mod);
    return reply_text(r, "trace", res);
}

int cmd_trace(reply *r, int argc, const char **argv)
{
    py_args a = {"trace", argc - 1, argv + 1};
    return reply_with_python(r, trace_python, &a);
}

/* `where TYPE`, the part that may run on a snapshot (C only): the traceback of every live
 * instance (_tracemalloc's, raw: most recent frame first), grouped, marshalled for
 * where_format. */
typedef struct where_args {
    const char *name;
    int json;
} where_args;

int commands_tracing(void)
{
    PyObject *tm = PyImport_ImportModule("_tracemalloc");
    PyObject *tracing = tm ? PyObject_CallMethod(tm, "is_tracing", NULL) : NULL;
    int on = tracing && PyObject_IsTrue(tracing) == 1;
    Py_XDECREF(tracing);
    Py_XDECREF(tm);
    PyErr_Clear();
    return on;
}

PyObject *commands_where_found(reply *r, const char *name)
{
    PyObject *tm = PyImport_ImportModule("_tracemalloc");
    PyObject *get = tm ? PyObject_GetAttrString(tm, "_get_object_traceback") : NULL;
    Py_XDECREF(tm);
    if (!get)
        return NULL;
    PyObject *list = PyList_New(0), *groups = PyDict_New(), *out = NULL;
    heap_snapshot s;
    int walked = list && groups && heap_walk_opts(&s, list, name, NULL, commands_heap_tick, r) == 0;
    if (walked)
        heap_snapshot_free(&s);
    long untraced = 0;
    for (Py_ssize_t i = 0; walked && i < PyList_GET_SIZE(list); i++) {
        PyObject *tb = PyObject_CallOneArg(get, PyList_GET_ITEM(list, i));
        if (tb == Py_None) {
            untraced++;
        } else if (tb) {
            PyObject *n = PyDict_GetItemWithError(groups, tb);
            PyObject *n1 = PyLong_FromLong(n ? PyLong_AsLong(n) + 1 : 1);
            if (!n1 || PyDict_SetItem(groups, tb, n1) < 0)
                walked = 0;
            Py_XDECREF(n1);
        } else {
            walked = 0;
        }
        Py_XDECREF(tb);
    }
    if (walked && PyList_GET_SIZE(list) == 0) {
        out = Py_None;
        Py_INCREF(out);
    } else if (walked) {
        PyTypeObject *t = Py_TYPE(PyList_GET_ITEM(list, 0));
        char name_of[256], full[300];
        facts_type_name(t, name_of, sizeof name_of);
        /* module.qualname, builtins too ("builtins.str"), as tracemalloc users read them */
        snprintf(full, sizeof full, "%s%s", strchr(name_of, '.') ? "" : "builtins.", name_of);
        PyObject *items = PyDict_Items(groups);
        out = items ? Py_BuildValue("(skNl)", full, (unsigned long)t->tp_flags, items, untraced)
                    : NULL;
    }
    Py_XDECREF(groups);
    Py_XDECREF(list);
    Py_DECREF(get);
    return out;
}

static int where_collect(reply *r, void *arg)
{
    const char *name = ((const where_args *)arg)->name;
    if (!commands_tracing()) {
        reply_error(r, "where: allocation tracing is off: run `trace on` (tracemalloc), let the "
                       "app allocate, then `where` again");
        return EWW_STATUS_FAILED;
    }
    PyObject *out = commands_where_found(r, name);
    int status = EWW_STATUS_FAILED;
    if (!out) {
        if (r->cancelled) {
            PyErr_Clear();
            status = reply_stopped(r, "where");
        } else {
            char why[512];
            python_error_text(why, sizeof why);
            reply_error(r, "where: %s", why);
        }
    } else if (out == Py_None) {
        reply_error(r, "where: no live object of a type named '%s'", name);
    } else {
        PyObject *bytes = PyMarshal_WriteObjectToString(out, Py_MARSHAL_VERSION);
        if (bytes &&
            snapshot_result(r, PyBytes_AS_STRING(bytes), (size_t)PyBytes_GET_SIZE(bytes)) == 0)
            status = EWW_STATUS_OK;
        else
            reply_error(r, "where: out of memory");
        Py_XDECREF(bytes);
    }
    PyErr_Clear();
    Py_XDECREF(out);
    return status;
}

/* The rest of `where`, in the app: the groups formatted with their source lines
 * (eww/_where.py: linecache reads files). */
static int where_format(reply *r, const void *data, size_t n, void *arg)
{
    const where_args *a = arg;
    PyObject *groups = PyMarshal_ReadObjectFromString(data, (Py_ssize_t)n);
    PyObject *mod = groups ? PyImport_ImportModule("eww._where") : NULL;
    PyObject *text = mod ? PyObject_CallMethod(
                               mod, a->json ? "format_groups_json" : "format_groups", "(O)", groups)
                         : NULL;
    Py_XDECREF(mod);
    Py_XDECREF(groups);
    return reply_text(r, "where", text);
}

int cmd_where(reply *r, int argc, const char **argv)
{
    where_args a = {NULL, 0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            a.json = 1;
        else if (argv[i][0] != '-' && !a.name)
            a.name = argv[i];
        else
            return commands_usage_error(r, "where", "unexpected argument", argv[i]);
    }
    if (!a.name)
        return commands_usage_error(r, "where", "missing", "TYPE");
    return reply_with_heap_post(r, "where", where_collect, &a, where_format);
}
