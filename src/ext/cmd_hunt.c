/* cmd_hunt.c - `hunt`: a whole leak hunt in one command.
 *
 * Over --for seconds, every --every seconds, hunt takes a sample: the process's memory as the
 * kernel and malloc see it (read here, in the session thread, without the GIL) and a walk of
 * the heap by type (on a snapshot of the app when it can, like summary: snapshot.h), kept as
 * counts and sizes per type in C memory. Then it answers the three questions of a leak hunt:
 *
 *   1. Is there a leak? The trend of RSS, malloc's "in use" and "free, kept", Python's
 *      objects and allocated blocks, with rates; a verdict that tells live objects that
 *      accumulate from native memory (malloc in use grows, Python objects do not) and from
 *      fragmentation (malloc's free memory grows).
 *   2. What leaks? The types that grew steadily (trend_of() below: in most intervals, in
 *      both halves of the hunt, and well above the scatter of a type that only churns),
 *      ranked by bytes per second.
 *   3. Where? For each of the top few, chain TYPE's groups (what keeps them alive) and,
 *      when tracemalloc traces, where TYPE's allocation sites: one more snapshot.
 *
 * Ctrl-C during the sampling ends it early: the report is made from the samples taken.
 * --json prints the same as one JSON object; --html FILE sends one self-contained HTML file
 * (inline SVG charts, no script, nothing fetched) that the client writes.
 */
#include "pycompat.h"

#include <marshal.h>

#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "commands.h"
#include "fmt.h"
#include "heap.h"
#include "json.h"
#include "lookup.h"
#include "mem.h"
#include "memstat.h"
#include "proto.h"
#include "snapshot.h"

#define HUNT_MAX_SAMPLES 721 /* an hour every 5 s */
#define HUNT_TOP_MAX     20
#define HUNT_CHAINS      3  /* chain groups shown per type */
#define HUNT_GROUPS      64 /* chain groups found per type, to match with the earlier walk's */
#define HUNT_SITES       2  /* allocation sites shown per type */
#define MEM_MIN_GROWTH   (512.0 * 1024) /* memory that grows less than this is flat */

typedef struct hunt_key {
    uintptr_t type; /* identity only */
    char name[200];
} hunt_key;

typedef struct hunt_cell {
    uint64_t count, size;
} hunt_cell;

enum { M_RSS, M_IN_USE, M_FREE, M_PYBYTES, M_BLOCKS, M_OBJECTS, M_N };

typedef struct hunt_sample {
    double t;      /* seconds since the hunt began */
    double m[M_N]; /* memory; -1 when unknown */
    hunt_cell *cells;
    size_t ncells; /* keys known at this sample (later keys are 0 here) */
} hunt_sample;

typedef struct trend {
    double first, last, rate; /* rate: least-squares slope, per second */
    int steady;
} trend;

typedef struct suspect {
    size_t key;
    trend count, size;
    int grown; /* intervals in which it grew */
    eww_buf chains;
    char *where_text, *where_json;
} suspect;

typedef struct hunt {
    double period, every;
    int top, json;
    char html[256];
    hunt_sample *s;
    size_t ns;
    hunt_key *keys;
    size_t nkeys, capkeys;
    uint32_t *khash; /* key index + 1; 0 empty */
    size_t kmask;
    int stopped; /* Ctrl-C ended the sampling */
    int tracing;
    trend mem[M_N];
    suspect *sus;
    size_t nsus, changed; /* suspects; types whose count changed at all */
    const char *kind, *verdict_head;
    char verdict[512];
    /* the chain groups of the types that grew by the middle sample, so that the report can
     * say which groups grew since: that is where the new objects are */
    int provisional;
    size_t *prev_key;
    eww_buf *prev;
    size_t nprev;
    double prev_t;
} hunt;

/* ---- the samples ---------------------------------------------------------------------- */

typedef struct walk_head {
    uint64_t objects, bytes, n;
    int64_t blocks;
} walk_head;

typedef struct walk_row {
    uint64_t type, count, size;
    uint32_t len;
} walk_row;

static long long allocated_blocks(void)
{
    PyObject *v = PySys_GetObject("getallocatedblocks"); /* borrowed */
    PyObject *res = v ? PyObject_CallNoArgs(v) : NULL;
    long long blocks = res ? PyLong_AsLongLong(res) : -1;
    Py_XDECREF(res);
    PyErr_Clear();
    return blocks;
}

/* The heap by type, on the snapshot (or in process), as bytes for hunt_keep. */
static int hunt_walk(reply *r, void *arg)
{
    (void)arg;
    heap_snapshot s;
    if (heap_walk_progress(&s, commands_heap_tick, r) < 0)
        return commands_failed(r, "hunt", "");
    eww_buf b;
    eww_buf_init(&b, (size_t)1 << 32);
    walk_head h = {s.objects, s.bytes, s.n, allocated_blocks()};
    int rc = eww_buf_append(&b, &h, sizeof h);
    for (size_t i = 0; i < s.n && rc == 0; i++) {
        walk_row w = {(uint64_t)(uintptr_t)s.rows[i].type, s.rows[i].count, s.rows[i].size,
                      (uint32_t)strnlen(s.rows[i].name, sizeof s.rows[i].name)};
        rc = eww_buf_append(&b, &w, sizeof w);
        rc |= eww_buf_append(&b, s.rows[i].name, w.len);
    }
    heap_snapshot_free(&s);
    if (rc == 0 && b.data)
        rc = snapshot_result(r, b.data, b.len);
    eww_buf_free(&b);
    if (rc != 0) {
        reply_error(r, "hunt: out of memory");
        return EWW_STATUS_FAILED;
    }
    return EWW_STATUS_OK;
}

static uint64_t key_hash(uintptr_t type, const char *name)
{
    uint64_t x = (uint64_t)type * 0x9E3779B97F4A7C15ull;
    while (*name)
        x = (x ^ (unsigned char)*name++) * 1099511628211ull;
    return x ^ (x >> 29);
}

/* The index of (type, name), added when new; -1 when out of memory. */
static long intern_key(hunt *h, uintptr_t type, const char *name)
{
    if ((h->nkeys + 1) * 2 > h->kmask + 1 || !h->khash) {
        size_t cap = h->khash ? (h->kmask + 1) * 2 : 1024;
        uint32_t *t = eww_calloc(cap, sizeof *t);
        if (!t)
            return -1;
        for (size_t i = 0; i < h->nkeys; i++) {
            size_t k = key_hash(h->keys[i].type, h->keys[i].name) & (cap - 1);
            while (t[k])
                k = (k + 1) & (cap - 1);
            t[k] = (uint32_t)i + 1;
        }
        eww_free(h->khash);
        h->khash = t;
        h->kmask = cap - 1;
    }
    size_t k = key_hash(type, name) & h->kmask;
    for (; h->khash[k]; k = (k + 1) & h->kmask) {
        const hunt_key *x = &h->keys[h->khash[k] - 1];
        if (x->type == type && strcmp(x->name, name) == 0)
            return (long)h->khash[k] - 1;
    }
    if (h->nkeys == h->capkeys) {
        size_t cap = h->capkeys ? h->capkeys * 2 : 1024;
        hunt_key *t = eww_realloc(h->keys, cap * sizeof *t);
        if (!t)
            return -1;
        h->keys = t;
        h->capkeys = cap;
    }
    h->keys[h->nkeys].type = type;
    snprintf(h->keys[h->nkeys].name, sizeof h->keys[h->nkeys].name, "%s", name);
    h->khash[k] = (uint32_t)++h->nkeys;
    return (long)h->nkeys - 1;
}

/* The walk that came back (n bytes), as the cells of sample s. 0, or -1 (malformed, out of
 * memory). */
static int add_walk(hunt *h, hunt_sample *s, const void *data, size_t n)
{
    const unsigned char *p = data, *end = p + n;
    walk_head head;
    if (n < sizeof head)
        return -1;
    memcpy(&head, p, sizeof head);
    p += sizeof head;
    long *idx = eww_malloc((head.n ? head.n : 1) * sizeof *idx);
    walk_row *rows = eww_malloc((head.n ? head.n : 1) * sizeof *rows);
    int rc = idx && rows && head.n <= n ? 0 : -1;
    for (uint64_t i = 0; rc == 0 && i < head.n; i++) {
        char name[200];
        if ((size_t)(end - p) < sizeof rows[i]) {
            rc = -1;
            break;
        }
        memcpy(&rows[i], p, sizeof rows[i]);
        p += sizeof rows[i];
        if (rows[i].len >= sizeof name || (size_t)(end - p) < rows[i].len) {
            rc = -1;
            break;
        }
        memcpy(name, p, rows[i].len);
        name[rows[i].len] = '\0';
        p += rows[i].len;
        idx[i] = intern_key(h, (uintptr_t)rows[i].type, name);
        if (idx[i] < 0)
            rc = -1;
    }
    if (rc == 0) {
        s->ncells = h->nkeys;
        s->cells = eww_calloc(h->nkeys ? h->nkeys : 1, sizeof *s->cells);
        if (!s->cells)
            rc = -1;
        for (uint64_t i = 0; rc == 0 && i < head.n; i++) {
            s->cells[idx[i]].count += rows[i].count;
            s->cells[idx[i]].size += rows[i].size;
        }
        s->m[M_PYBYTES] = (double)head.bytes;
        s->m[M_OBJECTS] = (double)head.objects;
        s->m[M_BLOCKS] = (double)head.blocks;
    }
    eww_free(idx);
    eww_free(rows);
    return rc;
}

/* In the app, once the walk is back: the sample's cells (the next one of h->s). */
static int hunt_keep(reply *r, const void *data, size_t n, void *arg)
{
    hunt *h = arg;
    if (add_walk(h, &h->s[h->ns], data, n) < 0) {
        reply_error(r, "hunt: out of memory");
        return EWW_STATUS_FAILED;
    }
    return EWW_STATUS_OK;
}

/* ---- the analysis --------------------------------------------------------------------- */

static double cell_value(const hunt_sample *s, size_t key, int size)
{
    if (key >= s->ncells)
        return 0;
    return (double)(size ? s->cells[key].size : s->cells[key].count);
}

/* The trend of x over the samples' times: its least-squares slope, and whether it grew
 * steadily: over the hunt, in two thirds of the intervals at least, in the first half and
 * again in the second (a cache that fills and then stays does not), and at a rate that stands
 * well clear of its own scatter: the mean of the per-interval rates at least 5 standard errors
 * above zero. That last test is on the increments, not on the levels: a type that churns
 * (a cache of strings of random lengths) wanders like a random walk, whose levels can line
 * up by chance, but whose increments average to nothing. `grown` (may be NULL) gets the
 * intervals in which x grew. */
static trend trend_of(const hunt_sample *s, size_t n, const double *x, int *grown)
{
    trend tr = {x[0], x[n - 1], 0, 0};
    double mt = 0, mx = 0;
    for (size_t i = 0; i < n; i++) {
        mt += s[i].t;
        mx += x[i];
    }
    mt /= (double)n;
    mx /= (double)n;
    double stt = 0, stx = 0;
    for (size_t i = 0; i < n; i++) {
        stt += (s[i].t - mt) * (s[i].t - mt);
        stx += (s[i].t - mt) * (x[i] - mx);
    }
    tr.rate = stt > 0 ? stx / stt : 0;
    int ups = 0;
    double sum = 0, sum2 = 0;
    size_t m = 0;
    for (size_t i = 1; i < n; i++) {
        ups += x[i] > x[i - 1];
        double dt = s[i].t - s[i - 1].t;
        if (dt <= 0)
            continue;
        double v = (x[i] - x[i - 1]) / dt;
        sum += v;
        sum2 += v * v;
        m++;
    }
    if (grown)
        *grown = ups;
    if (n < 3 || m < 2)
        return tr;
    double mean = sum / (double)m, var = (sum2 - sum * mean) / (double)(m - 1);
    double se = var > 0 ? sqrt(var / (double)m) : 0;
    size_t mid = (n - 1) / 2;
    tr.steady = x[n - 1] > x[0] && (size_t)ups * 3 >= (n - 1) * 2 && x[mid] > x[0] &&
                x[n - 1] > x[mid] && mean > 0 && (se == 0 || mean / se >= 5.0);
    return tr;
}

static int by_rate_desc(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    const suspect *x = a, *y = b;
    if (x->size.rate != y->size.rate)
        return x->size.rate < y->size.rate ? 1 : -1;
    return x->count.rate < y->count.rate ? 1 : x->count.rate > y->count.rate ? -1 : 0;
}

static int analyse(hunt *h)
{
    size_t n = h->ns;
    double *x = eww_malloc(n * sizeof *x), *z = eww_malloc(n * sizeof *z);
    if (!x || !z) {
        eww_free(x);
        eww_free(z);
        return -1;
    }
    for (int m = 0; m < M_N; m++) {
        int known = 1;
        for (size_t i = 0; i < n; i++) {
            x[i] = h->s[i].m[m];
            known &= x[i] >= 0;
        }
        h->mem[m] = trend_of(h->s, n, x, NULL);
        if (!known)
            h->mem[m] = (trend){-1, -1, 0, 0};
        /* memory that grew by less than half a MiB (or 1%) is flat, however steadily: pages
         * and malloc's chunks come in steps (Python's objects are counted exactly) */
        double floor = m == M_RSS || m == M_IN_USE || m == M_FREE ? MEM_MIN_GROWTH : 0;
        if (floor < h->mem[m].first * 0.01)
            floor = h->mem[m].first * 0.01;
        if (h->mem[m].last - h->mem[m].first < floor)
            h->mem[m].steady = 0;
    }
    size_t cap = 0;
    for (size_t k = 0; k < h->nkeys; k++) {
        int grown = 0, changed = 0;
        for (size_t i = 0; i < n; i++) {
            x[i] = cell_value(&h->s[i], k, 0);
            z[i] = cell_value(&h->s[i], k, 1);
            changed |= i && x[i] != x[i - 1];
        }
        h->changed += changed;
        int grown_size = 0;
        trend c = trend_of(h->s, n, x, &grown), b = trend_of(h->s, n, z, &grown_size);
        /* provisionally (half the samples), any type that grew is a candidate */
        int grew = h->provisional ? c.last > c.first || b.last > b.first : c.steady || b.steady;
        if (!grew)
            continue;
        if (!c.steady) /* its size grew steadily (a list that holds more and more) */
            grown = grown_size;
        if (h->nsus == cap) {
            cap = cap ? cap * 2 : 16;
            suspect *t = eww_realloc(h->sus, cap * sizeof *t);
            if (!t) {
                eww_free(x);
                eww_free(z);
                return -1;
            }
            h->sus = t;
        }
        suspect *s = &h->sus[h->nsus++];
        memset(s, 0, sizeof *s);
        s->key = k;
        s->count = c;
        s->size = b;
        s->grown = grown;
        eww_buf_init(&s->chains, 1u << 20);
    }
    eww_free(x);
    eww_free(z);
    eww_sort(h->sus, h->nsus, sizeof *h->sus, by_rate_desc, NULL);
    return 0;
}

static void fmt_rate(char *out, size_t n, double bytes_per_s)
{
    char v[32];
    eww_fmt_bytes(v, sizeof v, (long long)fabs(bytes_per_s));
    snprintf(out, n, "%s%s/s", bytes_per_s < 0 ? "-" : "+", v);
}

static void verdict(hunt *h)
{
    char a[48], b[48];
    if (h->ns < 3) {
        h->kind = "unknown";
        h->verdict_head = "Too few samples to tell";
        snprintf(h->verdict, sizeof h->verdict,
                 "%zu samples: a verdict needs at least 3 (a longer --for, a shorter --every)",
                 h->ns);
        return;
    }
    const trend *m = h->mem;
    if (h->nsus > 0) {
        double rate = 0, objs = 0;
        for (size_t i = 0; i < h->nsus; i++) {
            rate += h->sus[i].size.rate > 0 ? h->sus[i].size.rate : 0;
            objs += h->sus[i].count.rate > 0 ? h->sus[i].count.rate : 0;
        }
        fmt_rate(a, sizeof a, rate);
        h->kind = "objects";
        h->verdict_head = "Yes: live Python objects accumulate";
        int k = snprintf(h->verdict, sizeof h->verdict,
                         "%zu type%s grew steadily, %s and %.0f objects/s in all", h->nsus,
                         h->nsus == 1 ? "" : "s", a, objs);
        if (m[M_RSS].steady && k > 0 && (size_t)k < sizeof h->verdict) {
            fmt_rate(b, sizeof b, m[M_RSS].rate);
            snprintf(h->verdict + k, sizeof h->verdict - (size_t)k, "; RSS %s", b);
        }
        return;
    }
    /* No Python type grew: the first memory series that did says which kind of growth. */
    static const struct {
        int series;
        const char *kind, *head, *before, *after;
    } kinds[] = {
        {M_IN_USE, "native", "Yes: native memory grows", "malloc's \"in use\" grows ",
         " while no Python type does: memory allocated by C code (an extension, ctypes) and "
         "not freed"},
        {M_FREE, "fragmentation", "Fragmentation, not a leak of objects",
         "malloc's \"free, kept\" grows ",
         " while \"in use\" and Python's objects do not: freed memory malloc cannot give back "
         "(try MALLOC_ARENA_MAX=2, or malloc_trim)"},
        {M_RSS, "rss", "RSS grows, outside Python and malloc", "RSS grows ",
         " while Python's objects and malloc's heap do not: memory mapped some other way (an "
         "extension's mmap, thread stacks, a memory-mapped file)"},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        if (!m[kinds[i].series].steady)
            continue;
        fmt_rate(a, sizeof a, m[kinds[i].series].rate);
        h->kind = kinds[i].kind;
        h->verdict_head = kinds[i].head;
        snprintf(h->verdict, sizeof h->verdict, "%s%s%s", kinds[i].before, a, kinds[i].after);
        return;
    }
    h->kind = "none";
    h->verdict_head = "No leak found";
    snprintf(h->verdict, sizeof h->verdict,
             "memory is flat and no type grew steadily (%zu type%s changed, going up and down)",
             h->changed, h->changed == 1 ? "" : "s");
}

/* ---- where: the chains (and allocation sites) of the top types, on one more snapshot --- */

static size_t top_count(const hunt *h)
{
    size_t top = h->provisional ? (size_t)h->top * 3 : (size_t)h->top;
    if (top > HUNT_TOP_MAX)
        top = HUNT_TOP_MAX;
    return h->nsus < top ? h->nsus : top;
}

/* In the snapshot: for each top type, its chain records, then its where findings
 * (marshalled; empty when tracing is off). Each part is a u32 length and its bytes. */
static int hunt_where(reply *r, void *arg)
{
    hunt *h = arg;
    size_t top = top_count(h);
    eww_buf out, *parts = eww_calloc(top, sizeof *parts);
    eww_buf_init(&out, (size_t)1 << 32);
    if (!parts) {
        reply_error(r, "hunt: out of memory");
        return EWW_STATUS_FAILED;
    }
    refs_walk *w = refs_walk_new(0, commands_heap_tick, r);
    int status = w ? EWW_STATUS_OK : commands_failed(r, "hunt", "the walk failed: ");
    for (size_t i = 0; i < top && status == EWW_STATUS_OK; i++) {
        eww_buf_init(&parts[i], 1u << 24);
        status = commands_chain_groups(r, w, h->keys[h->sus[i].key].name, HUNT_GROUPS, &parts[i]);
    }
    if (w)
        refs_walk_free(w);
    int tracing = status == EWW_STATUS_OK && !h->provisional && commands_tracing();
    int rc = eww_buf_append(&out, &tracing, sizeof tracing);
    for (size_t i = 0; i < top && status == EWW_STATUS_OK; i++) {
        uint32_t len = (uint32_t)parts[i].len;
        rc |= eww_buf_append(&out, &len, sizeof len);
        rc |= eww_buf_append(&out, parts[i].data ? parts[i].data : "", len);
        PyObject *found = tracing ? commands_where_found(r, h->keys[h->sus[i].key].name) : NULL;
        PyObject *bytes = found && found != Py_None
                              ? PyMarshal_WriteObjectToString(found, Py_MARSHAL_VERSION)
                              : NULL;
        if (tracing && !found && r->cancelled)
            status = commands_failed(r, "hunt", "");
        PyErr_Clear();
        len = bytes ? (uint32_t)PyBytes_GET_SIZE(bytes) : 0;
        rc |= eww_buf_append(&out, &len, sizeof len);
        rc |= eww_buf_append(&out, bytes ? PyBytes_AS_STRING(bytes) : "", len);
        Py_XDECREF(bytes);
        Py_XDECREF(found);
    }
    for (size_t i = 0; i < top; i++)
        eww_buf_free(&parts[i]);
    eww_free(parts);
    if (status == EWW_STATUS_OK && (rc || !out.data || snapshot_result(r, out.data, out.len))) {
        reply_error(r, "hunt: out of memory");
        status = EWW_STATUS_FAILED;
    }
    eww_buf_free(&out);
    return status;
}

static char *text_of(PyObject *s)
{
    const char *u = s && PyUnicode_Check(s) ? PyUnicode_AsUTF8(s) : NULL;
    char *c = u ? eww_malloc(strlen(u) + 1) : NULL;
    if (c)
        strcpy(c, u);
    PyErr_Clear();
    return c;
}

/* In the app: keep the chains; format the allocation sites with their source lines
 * (eww/_where.py reads files, which the snapshot must not). */
static int hunt_where_keep(reply *r, const void *data, size_t n, void *arg)
{
    (void)r;
    hunt *h = arg;
    const unsigned char *p = data, *end = p + n;
    if (n < sizeof h->tracing)
        return EWW_STATUS_FAILED;
    memcpy(&h->tracing, p, sizeof h->tracing);
    p += sizeof h->tracing;
    PyObject *mod = h->tracing ? PyImport_ImportModule("eww._where") : NULL;
    PyErr_Clear();
    for (size_t i = 0; i < top_count(h); i++) {
        for (int part = 0; part < 2; part++) {
            uint32_t len;
            if ((size_t)(end - p) < sizeof len)
                goto malformed;
            memcpy(&len, p, sizeof len);
            p += sizeof len;
            if ((size_t)(end - p) < len)
                goto malformed;
            if (part == 0) {
                eww_buf_append(&h->sus[i].chains, p, len);
            } else if (len && mod) {
                PyObject *found = PyMarshal_ReadObjectFromString((const char *)p, len);
                PyObject *t =
                    found ? PyObject_CallMethod(mod, "format_groups", "(Oi)", found, HUNT_SITES)
                          : NULL;
                PyObject *j = found ? PyObject_CallMethod(mod, "format_groups_json", "(Oi)", found,
                                                          HUNT_SITES)
                                    : NULL;
                h->sus[i].where_text = text_of(t);
                h->sus[i].where_json = text_of(j);
                Py_XDECREF(t);
                Py_XDECREF(j);
                Py_XDECREF(found);
                PyErr_Clear();
            }
            p += len;
        }
    }
    Py_XDECREF(mod);
    return EWW_STATUS_OK;
malformed:
    Py_XDECREF(mod);
    return EWW_STATUS_FAILED;
}

/* The next chain record of a suspect: 0 and the fields, or -1 at the end. */
typedef struct chain_rec {
    unsigned long long total, count;
    long long delta; /* since the middle sample (when known) */
    char id[32];
    const char *chain;
} chain_rec;

static int next_chain(const eww_buf *b, size_t *off, chain_rec *c)
{
    if (!b->data || *off >= b->len)
        return -1;
    const char *rec = b->data + *off;
    size_t len = strnlen(rec, b->len - *off);
    *off += len + 1;
    int used = 0;
    if (sscanf(rec, "%llu\t%llu\t%31[^\t]\t%n", &c->total, &c->count, c->id, &used) < 3 || !used)
        return -1;
    c->chain = rec + used;
    return 0;
}

/* A change in a count, signed and grouped as counts are ("+12,000", "-3", "+0"). */
static const char *signed_count(char *out, size_t n, long long delta)
{
    char d[32];
    eww_fmt_count(d, sizeof d, (unsigned long long)(delta < 0 ? -delta : delta));
    snprintf(out, n, "%c%s", delta < 0 ? '-' : '+', d);
    return out;
}

static int by_growth(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    const chain_rec *x = a, *y = b;
    if (x->delta != y->delta)
        return x->delta < y->delta ? 1 : -1;
    return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

/* A suspect's chain groups into out (at most max): when the earlier walk had them (*known),
 * the ones that grew since, most first (only those, when some did), else the largest.
 * Pointers into the suspect's records. */
static size_t ordered_chains(const hunt *h, const suspect *s, chain_rec *out, size_t max,
                             int *known)
{
    chain_rec all[HUNT_GROUPS];
    size_t n = 0, off = 0;
    while (n < HUNT_GROUPS && next_chain(&s->chains, &off, &all[n]) == 0)
        n++;
    const eww_buf *before = NULL;
    for (size_t i = 0; i < h->nprev; i++)
        if (h->prev_key[i] == s->key)
            before = &h->prev[i];
    *known = before != NULL;
    for (size_t i = 0; i < n; i++) {
        all[i].delta = 0;
        if (!before)
            continue;
        long long was = 0;
        size_t poff = 0;
        chain_rec c;
        while (next_chain(before, &poff, &c) == 0)
            if (strcmp(c.chain, all[i].chain) == 0) {
                was = (long long)c.count;
                break;
            }
        all[i].delta = (long long)all[i].count - was;
    }
    if (before) {
        eww_sort(all, n, sizeof *all, by_growth, NULL);
        size_t grew = 0;
        while (grew < n && all[grew].delta > 0)
            grew++;
        if (grew)
            n = grew; /* the groups that did not grow hold the old objects */
    }
    n = n < max ? n : max;
    memcpy(out, all, n * sizeof *out);
    return n;
}

/* ---- the reports ---------------------------------------------------------------------- */

static const char *const mem_label[M_N] = {
    "RSS", "malloc in use", "malloc free, kept", "Python objects", "allocated blocks", "objects"};
static const char *const mem_key[M_N] = {
    "rss", "malloc_in_use", "malloc_free", "python_objects", "allocated_blocks", "objects"};

static int is_bytes(int m)
{
    return m != M_BLOCKS && m != M_OBJECTS;
}

static void fmt_value(char *out, size_t n, int m, double v, int sign)
{
    if (v < 0 && !sign) {
        snprintf(out, n, "n/a");
    } else if (is_bytes(m)) {
        char t[32];
        eww_fmt_bytes(t, sizeof t, (long long)fabs(v));
        snprintf(out, n, "%s%s", sign ? (v < 0 ? "-" : "+") : "", t);
    } else {
        char t[32];
        eww_fmt_count(t, sizeof t, (unsigned long long)fabs(v));
        snprintf(out, n, "%s%s", sign ? (v < 0 ? "-" : "+") : "", t);
    }
}

/* A memory series' cells: first, last, change, rate (each 48 bytes). */
static void mem_cells(const hunt *h, int m, char *first, char *last, char *change, char *rate)
{
    fmt_value(first, 48, m, h->mem[m].first, 0);
    fmt_value(last, 48, m, h->mem[m].last, 0);
    fmt_value(change, 48, m, h->mem[m].last - h->mem[m].first, 1);
    fmt_value(rate, 48, m, h->mem[m].rate, 1);
}

/* A growing type's cells: objects, objects/s, bytes, bytes/s (each 48 bytes). */
static void suspect_cells(const suspect *s, char *objects, char *per_s, char *bytes, char *rate)
{
    eww_fmt_count(objects, 48, (unsigned long long)s->count.last);
    snprintf(per_s, 48, "%+.1f", s->count.rate);
    fmt_value(bytes, 48, M_RSS, s->size.last, 0);
    fmt_rate(rate, 48, s->size.rate);
}

static int text_report(const hunt *h, eww_buf *b)
{
    char c1[48], c2[48], c3[48], c4[48];
    int rc =
        eww_buf_printf(b, "Hunt: %zu samples over %.0f s (every %g s)%s.\n\n", h->ns,
                       h->s[h->ns - 1].t, h->every, h->stopped ? ", ended early by Ctrl-C" : "");
    rc |= eww_buf_printf(b, "1. Is there a leak? %s.\n   %s.\n\n", h->verdict_head, h->verdict);
    rc |=
        eww_buf_printf(b, "   %-18s %12s %12s %12s %14s\n", "", "first", "last", "change", "rate");
    for (int m = 0; m < M_N; m++) {
        if (h->mem[m].first < 0)
            continue;
        mem_cells(h, m, c1, c2, c3, c4);
        rc |= eww_buf_printf(b, "   %-18s %12s %12s %12s %12s/s%s\n", mem_label[m], c1, c2, c3, c4,
                             h->mem[m].steady ? "  rising" : "");
    }
    if (h->ns < 3)
        return rc;
    rc |= eww_buf_puts(b, "\n2. What leaks? ");
    if (!h->nsus) {
        rc |= eww_buf_puts(b, "No type grew steadily.\n");
    } else {
        rc |= eww_buf_puts(b, "The types that grew steadily, by bytes per second:\n");
        size_t w = 24;
        for (size_t i = 0; i < h->nsus; i++)
            if (strlen(h->keys[h->sus[i].key].name) > w)
                w = strlen(h->keys[h->sus[i].key].name) > 60 ? 60
                                                             : strlen(h->keys[h->sus[i].key].name);
        rc |= eww_buf_printf(b, "   %-*s %12s %12s %12s %14s %9s\n", (int)w, "type", "objects",
                             "objects/s", "bytes", "bytes/s", "grew in");
        for (size_t i = 0; i < h->nsus; i++) {
            const suspect *s = &h->sus[i];
            suspect_cells(s, c1, c2, c3, c4);
            char grew[32];
            snprintf(grew, sizeof grew, "%d/%zu", s->grown, h->ns - 1);
            rc |= eww_buf_printf(b, "   %-*.*s %12s %12s %12s %14s %9s\n", (int)w, (int)w,
                                 h->keys[s->key].name, c1, c2, c3, c4, grew);
        }
    }
    size_t top = top_count(h);
    if (top)
        rc |= eww_buf_puts(b, "\n3. Where? What keeps them alive");
    if (top)
        rc |= eww_buf_puts(b, h->tracing ? ", and where they were allocated:\n"
                                         : " (`trace on` before a hunt also shows where they "
                                           "were allocated):\n");
    for (size_t i = 0; i < top; i++) {
        const suspect *s = &h->sus[i];
        const char *name = h->keys[s->key].name;
        chain_rec cs[HUNT_CHAINS];
        int known;
        size_t nc = ordered_chains(h, s, cs, HUNT_CHAINS, &known);
        if (nc)
            rc |= eww_buf_printf(
                b, "\n   %s (%s alive%s):\n", name, eww_fmt_count(c1, sizeof c1, cs[0].total),
                known ? "; the groups that grew in the hunt's second half first" : "");
        for (size_t k = 0; k < nc; k++) {
            const chain_rec *c = &cs[k];
            char grew[400] = "";
            if (known) {
                char d[48];
                snprintf(grew, sizeof grew, " (%s in the last %.1f s)",
                         signed_count(d, sizeof d, c->delta), h->s[h->ns - 1].t - h->prev_t);
            }
            rc |= eww_buf_printf(
                b, "     %s kept alive by: %s%s\n       (for example %s: `chain %s`)\n",
                eww_fmt_count(c2, sizeof c2, c->count), c->chain, grew, c->id, c->id);
        }
        if (!nc)
            rc |= eww_buf_printf(b, "\n   %s: none is alive any more\n", name);
        if (s->where_text) {
            const char *line = s->where_text;
            while (*line) {
                const char *nl = strchr(line, '\n');
                size_t len = nl ? (size_t)(nl - line) : strlen(line);
                rc |= eww_buf_printf(b, "     %.*s\n", (int)len, line);
                line += len + (nl != NULL);
            }
        }
    }
    if (h->nsus > top)
        rc |= eww_buf_printf(b, "\n   (%zu more type%s grew: hunt -n %zu shows where for each)\n",
                             h->nsus - top, h->nsus - top == 1 ? "" : "s", h->nsus);
    return rc;
}

static int json_series(eww_buf *b, const hunt *h, int m)
{
    int rc = eww_buf_printf(b, "\"%s%s\": [", mem_key[m], is_bytes(m) ? "_bytes" : "");
    for (size_t i = 0; i < h->ns; i++)
        rc |= eww_buf_printf(b, "%s%.0f", i ? ", " : "", h->s[i].m[m]);
    return rc | eww_buf_puts(b, "]");
}

static int json_double(eww_buf *b, double v)
{
    char t[40];
    eww_fmt_double(t, sizeof t, isfinite(v) ? v : 0);
    return eww_buf_puts(b, t);
}

static int json_report(const hunt *h, eww_buf *b)
{
    int rc = eww_buf_printf(b, "{\"samples\": %zu, \"duration_seconds\": ", h->ns);
    rc |= json_double(b, h->s[h->ns - 1].t);
    rc |= eww_buf_puts(b, ", \"interval_seconds\": ");
    rc |= json_double(b, h->every);
    rc |= eww_buf_printf(
        b, ", \"stopped_early\": %s, \"leak\": %s, \"kind\": \"%s\", \"verdict\": ",
        h->stopped ? "true" : "false",
        strcmp(h->kind, "none") && strcmp(h->kind, "unknown") ? "true" : "false", h->kind);
    char v[700];
    snprintf(v, sizeof v, "%s: %s", h->verdict_head, h->verdict);
    rc |= eww_json_str(b, v);
    rc |= eww_buf_puts(b, ", \"memory\": [");
    int first = 1;
    for (int m = 0; m < M_N; m++) {
        if (h->mem[m].first < 0)
            continue;
        const char *u = is_bytes(m) ? "_bytes" : "";
        rc |= eww_buf_printf(b, "%s{\"name\": \"%s\", \"first%s\": %.0f, \"last%s\": %.0f, ",
                             first ? "" : ", ", mem_key[m], u, h->mem[m].first, u, h->mem[m].last);
        rc |= eww_buf_printf(b, "\"%s_per_second\": ", is_bytes(m) ? "bytes" : "count");
        rc |= json_double(b, h->mem[m].rate);
        rc |= eww_buf_printf(b, ", \"rising\": %s}", h->mem[m].steady ? "true" : "false");
        first = 0;
    }
    rc |= eww_buf_puts(b, "], \"series\": {\"seconds\": [");
    for (size_t i = 0; i < h->ns; i++) {
        rc |= eww_buf_puts(b, i ? ", " : "");
        rc |= json_double(b, h->s[i].t);
    }
    rc |= eww_buf_puts(b, "]");
    for (int m = 0; m < M_N; m++) {
        rc |= eww_buf_puts(b, ", ");
        rc |= json_series(b, h, m);
    }
    rc |= eww_buf_printf(b, "}, \"types_changed\": %zu, \"tracing\": %s, \"growing\": [",
                         h->changed, h->tracing ? "true" : "false");
    for (size_t i = 0; i < h->nsus; i++) {
        const suspect *s = &h->sus[i];
        rc |= eww_buf_puts(b, i ? ", {\"type\": " : "{\"type\": ");
        rc |= eww_json_str(b, h->keys[s->key].name);
        rc |= eww_buf_printf(b,
                             ", \"count\": %.0f, \"size_bytes\": %.0f, \"count_delta\": %.0f, "
                             "\"size_delta_bytes\": %.0f, \"objects_per_second\": ",
                             s->count.last, s->size.last, s->count.last - s->count.first,
                             s->size.last - s->size.first);
        rc |= json_double(b, s->count.rate);
        rc |= eww_buf_puts(b, ", \"bytes_per_second\": ");
        rc |= json_double(b, s->size.rate);
        rc |= eww_buf_printf(b, ", \"intervals_grown\": %d", s->grown);
        if (i < top_count(h)) {
            rc |= eww_buf_puts(b, ", \"chains\": [");
            chain_rec cs[HUNT_CHAINS];
            int known;
            size_t nc = ordered_chains(h, s, cs, HUNT_CHAINS, &known);
            for (size_t k = 0; k < nc; k++) {
                rc |= eww_buf_printf(b, "%s{\"count\": %llu, ", k ? ", " : "", cs[k].count);
                if (known)
                    rc |= eww_buf_printf(b, "\"count_delta\": %lld, ", cs[k].delta);
                else
                    rc |= eww_buf_puts(b, "\"count_delta\": null, ");
                rc |= eww_buf_puts(b, "\"chain\": ");
                rc |= eww_json_str(b, cs[k].chain);
                rc |= eww_buf_printf(b, ", \"example_id\": \"%s\"}", cs[k].id);
            }
            rc |= eww_buf_printf(b, "], \"where\": ");
            if (s->where_json) {
                size_t len = strlen(s->where_json);
                while (len && s->where_json[len - 1] == '\n')
                    len--;
                rc |= eww_buf_append(b, s->where_json, len);
            } else {
                rc |= eww_buf_puts(b, "null");
            }
        }
        rc |= eww_buf_puts(b, "}");
    }
    return rc | eww_buf_puts(b, "]}\n");
}

/* HTML text: &, <, >, " escaped. */
static int html_text(eww_buf *b, const char *s)
{
    int rc = 0;
    for (; *s && rc == 0; s++) {
        switch (*s) {
        case '&': rc = eww_buf_puts(b, "&amp;"); break;
        case '<': rc = eww_buf_puts(b, "&lt;"); break;
        case '>': rc = eww_buf_puts(b, "&gt;"); break;
        case '"': rc = eww_buf_puts(b, "&quot;"); break;
        default: rc = eww_buf_putc(b, *s);
        }
    }
    return rc;
}

/* One chart of a series over the hunt, as inline SVG (the console's own renderer). */
static int html_chart(eww_buf *b, const hunt *h, const char *title, const double *y, int bytes)
{
    eww_point *pts = eww_malloc(h->ns * sizeof *pts);
    if (!pts)
        return -1;
    for (size_t i = 0; i < h->ns; i++)
        pts[i] = (eww_point){h->s[i].t, y[i]};
    eww_chart c = {.title = title, .xlabel = "seconds", .pts = pts, .n = h->ns, .bytes = bytes};
    int rc = eww_buf_puts(b, "<figure>");
    size_t at = b->len;
    rc |= eww_chart_svg(b, &c);
    /* drop the XML declaration: inline SVG starts at <svg */
    const char *svg = b->data ? strstr(b->data + at, "<svg") : NULL;
    if (rc == 0 && svg && svg > b->data + at) {
        size_t skip = (size_t)(svg - (b->data + at));
        memmove(b->data + at, svg, b->len - at - skip);
        b->len -= skip;
    }
    rc |= eww_buf_puts(b, "</figure>\n");
    eww_free(pts);
    return rc;
}

static int html_report(const hunt *h, eww_buf *b)
{
    char c1[48], c2[48], c3[48], c4[48];
    int rc =
        eww_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                        "<title>eww hunt</title>\n<style>\n"
                        "body{font-family:sans-serif;margin:2em;color:#222;max-width:1700px}\n"
                        "table{border-collapse:collapse;margin:1em 0}\n"
                        "td,th{padding:.25em .8em;border-bottom:1px solid #ddd;text-align:right}\n"
                        "td:first-child,th:first-child{text-align:left}\n"
                        "figure{display:inline-block;margin:.5em;width:520px}\n"
                        "figure svg{width:100%;height:auto}\n"
                        ".verdict{font-size:1.3em;font-weight:bold}\n"
                        ".rising{color:#b00;font-weight:bold}\n"
                        "pre{background:#f6f6f6;padding:.6em;overflow-x:auto}\n"
                        "</style></head><body>\n<h1>eww hunt</h1>\n");
    rc |= eww_buf_printf(b, "<p>%zu samples over %.0f s (every %g s)%s.</p>\n", h->ns,
                         h->s[h->ns - 1].t, h->every, h->stopped ? ", ended early by Ctrl-C" : "");
    rc |= eww_buf_puts(b, "<h2>1. Is there a leak?</h2>\n<p class=\"verdict\">");
    rc |= html_text(b, h->verdict_head);
    rc |= eww_buf_puts(b, "</p>\n<p>");
    rc |= html_text(b, h->verdict);
    rc |= eww_buf_puts(b, ".</p>\n<table><tr><th>memory</th><th>first</th><th>last</th>"
                          "<th>change</th><th>rate</th><th></th></tr>\n");
    for (int m = 0; m < M_N; m++) {
        if (h->mem[m].first < 0)
            continue;
        mem_cells(h, m, c1, c2, c3, c4);
        rc |= eww_buf_printf(b,
                             "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s/s</td>"
                             "<td class=\"rising\">%s</td></tr>\n",
                             mem_label[m], c1, c2, c3, c4, h->mem[m].steady ? "rising" : "");
    }
    rc |= eww_buf_puts(b, "</table>\n<div class=\"charts\">\n");
    double *y = eww_malloc(h->ns * sizeof *y);
    if (!y)
        return -1;
    static const int charted[] = {M_RSS, M_IN_USE, M_PYBYTES};
    for (size_t k = 0; k < sizeof charted / sizeof *charted; k++) {
        int m = charted[k];
        if (h->mem[m].first < 0)
            continue;
        for (size_t i = 0; i < h->ns; i++)
            y[i] = h->s[i].m[m];
        rc |= html_chart(b, h, mem_label[m], y, 1);
    }
    rc |= eww_buf_puts(b, "</div>\n<h2>2. What leaks?</h2>\n");
    if (!h->nsus) {
        rc |= eww_buf_puts(b, "<p>No type grew steadily.</p>\n");
    } else {
        rc |= eww_buf_puts(b, "<p>The types that grew steadily, by bytes per second:</p>\n"
                              "<table><tr><th>type</th><th>objects</th><th>objects/s</th>"
                              "<th>bytes</th><th>bytes/s</th><th>grew in</th></tr>\n");
        for (size_t i = 0; i < h->nsus; i++) {
            const suspect *s = &h->sus[i];
            suspect_cells(s, c1, c2, c3, c4);
            rc |= eww_buf_puts(b, "<tr><td>");
            rc |= html_text(b, h->keys[s->key].name);
            rc |= eww_buf_printf(b,
                                 "</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                                 "<td>%d/%zu</td></tr>\n",
                                 c1, c2, c3, c4, s->grown, h->ns - 1);
        }
        rc |= eww_buf_puts(b, "</table>\n<div class=\"charts\">\n");
        for (size_t i = 0; i < top_count(h); i++) {
            char title[260];
            snprintf(title, sizeof title, "%s (bytes)", h->keys[h->sus[i].key].name);
            for (size_t k = 0; k < h->ns; k++)
                y[k] = cell_value(&h->s[k], h->sus[i].key, 1);
            rc |= html_chart(b, h, title, y, 1);
        }
        rc |= eww_buf_puts(b, "</div>\n<h2>3. Where? What keeps them alive</h2>\n");
    }
    eww_free(y);
    for (size_t i = 0; i < top_count(h); i++) {
        const suspect *s = &h->sus[i];
        rc |= eww_buf_puts(b, "<h3>");
        rc |= html_text(b, h->keys[s->key].name);
        chain_rec cs[HUNT_CHAINS];
        int known;
        size_t nc = ordered_chains(h, s, cs, HUNT_CHAINS, &known);
        rc |= eww_buf_printf(b,
                             "</h3>\n<table><tr><th>kept alive by</th><th>objects</th>%s"
                             "<th>for example</th></tr>\n",
                             known ? "<th>in the second half</th>" : "");
        for (size_t k = 0; k < nc; k++) {
            rc |= eww_buf_puts(b, "<tr><td>");
            rc |= html_text(b, cs[k].chain);
            rc |= eww_buf_printf(b, "</td><td>%s</td>", eww_fmt_count(c1, sizeof c1, cs[k].count));
            if (known)
                rc |= eww_buf_printf(b, "<td>%s</td>", signed_count(c2, sizeof c2, cs[k].delta));
            rc |= eww_buf_printf(b, "<td>%s</td></tr>\n", cs[k].id);
        }
        rc |= eww_buf_puts(b, "</table>\n");
        if (s->where_text) {
            rc |= eww_buf_puts(b, "<pre>");
            rc |= html_text(b, s->where_text);
            rc |= eww_buf_puts(b, "</pre>\n");
        }
    }
    return rc | eww_buf_puts(b, "</body></html>\n");
}

/* ---- the command ---------------------------------------------------------------------- */

/* "30s", "5m", "1h", "500ms" or plain seconds: > 0, or -1. */
static double parse_duration(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v) || v <= 0)
        return -1;
    if (!strcmp(end, "") || !strcmp(end, "s"))
        return v;
    if (!strcmp(end, "ms"))
        return v / 1000;
    if (!strcmp(end, "m"))
        return v * 60;
    if (!strcmp(end, "h"))
        return v * 3600;
    return -1;
}

static void hunt_free(hunt *h)
{
    for (size_t i = 0; i < h->ns; i++)
        eww_free(h->s[i].cells);
    for (size_t i = 0; i < h->nsus; i++) {
        eww_buf_free(&h->sus[i].chains);
        eww_free(h->sus[i].where_text);
        eww_free(h->sus[i].where_json);
    }
    eww_free(h->sus);
    for (size_t i = 0; i < h->nprev; i++)
        eww_buf_free(&h->prev[i]);
    eww_free(h->prev);
    eww_free(h->prev_key);
    eww_free(h->s);
    eww_free(h->keys);
    eww_free(h->khash);
}

/* Wait until `due`, watching for Ctrl-C: 1 when the client asked to stop. */
static int wait_until(reply *r, double due)
{
    for (;;) {
        if (reply_tick(r, NULL, NULL))
            return 1;
        double left = due - reply_now();
        if (left <= 0)
            return 0;
        poll(NULL, 0, left > 0.05 ? 50 : (int)(left * 1000) + 1);
    }
}

static int sample(reply *r, hunt *h, double t0)
{
    hunt_sample *s = &h->s[h->ns];
    memset(s, 0, sizeof *s);
    eww_memstat ms;
    eww_memstat_read(&ms);
    s->t = reply_now() - t0;
    s->m[M_RSS] = (double)ms.rss;
    s->m[M_IN_USE] = (double)ms.malloc_in_use;
    s->m[M_FREE] = (double)ms.malloc_free;
    int status = reply_with_heap_post(r, "hunt", hunt_walk, h, hunt_keep);
    if (status != EWW_STATUS_OK) {
        eww_free(s->cells);
        return status;
    }
    h->ns++;
    return EWW_STATUS_OK;
}

/* Forget an analysis (a provisional one). */
static void forget_analysis(hunt *h)
{
    for (size_t i = 0; i < h->nsus; i++) {
        eww_buf_free(&h->sus[i].chains);
        eww_free(h->sus[i].where_text);
        eww_free(h->sus[i].where_json);
    }
    eww_free(h->sus);
    h->sus = NULL;
    h->nsus = h->changed = 0;
}

/* At the middle sample: the chain groups of the types that grew so far (the top few, three
 * times as many as the report shows: candidates), kept for the report
 * to tell the groups that grew since (where the new objects are) from the ones that did not
 * (the old objects of a type, and the few a request holds for a moment). Best effort:
 * nothing is kept when it fails. */
static void provisional_chains(reply *r, hunt *h)
{
    h->provisional = 1;
    if (analyse(h) == 0 && top_count(h)) {
        size_t top = top_count(h);
        h->prev = eww_calloc(top, sizeof *h->prev);
        h->prev_key = eww_calloc(top, sizeof *h->prev_key);
        if (h->prev && h->prev_key &&
            reply_with_heap_post(r, "hunt", hunt_where, h, hunt_where_keep) == EWW_STATUS_OK) {
            for (size_t i = 0; i < top; i++) {
                h->prev[i] = h->sus[i].chains; /* moved */
                h->prev_key[i] = h->sus[i].key;
                eww_buf_init(&h->sus[i].chains, 1u << 20);
            }
            h->nprev = top;
            h->prev_t = h->s[h->ns - 1].t;
        }
    }
    h->provisional = 0;
    forget_analysis(h);
}

int cmd_hunt(reply *r, int argc, const char **argv)
{
    hunt h;
    memset(&h, 0, sizeof h);
    h.period = 60;
    h.every = 5;
    h.top = 3;
    const char *html = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--json")) {
            h.json = 1;
        } else if (!strcmp(a, "-n")) {
            if (commands_count_option(r, "hunt", "types", argc, argv, &i, HUNT_TOP_MAX, &h.top))
                return EWW_STATUS_FAILED;
        } else if (!strcmp(a, "--for") || !strcmp(a, "--every") || !strcmp(a, "--html")) {
            if (i + 1 >= argc)
                return commands_usage_error(r, "hunt", "missing value after", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--html")) {
                html = v;
                continue;
            }
            double d = parse_duration(v);
            if (d <= 0) {
                reply_error(r,
                            "hunt: %s takes a duration like 30s, 5m, 1h or 500ms (or plain "
                            "seconds), not '%s'",
                            a, v);
                return EWW_STATUS_FAILED;
            }
            *(a[2] == 'f' ? &h.period : &h.every) = d;
        } else {
            return commands_bad_argument(r, "hunt", a);
        }
    }
    if (h.json && html)
        return commands_usage_error(r, "hunt",
                                    "choose one of --json and --html, not both:", "--html");
    if (h.every < 0.1) {
        reply_error(r, "hunt: --every must be at least 100ms");
        return EWW_STATUS_FAILED;
    }
    if (h.every > h.period) {
        reply_error(r, "hunt: --every (%g s) is longer than --for (%g s): nothing to compare",
                    h.every, h.period);
        return EWW_STATUS_FAILED;
    }
    size_t want = (size_t)(h.period / h.every + 1e-9) + 1;
    if (want > HUNT_MAX_SAMPLES) {
        reply_error(r, "hunt: %zu samples is too many (%d at most): a longer --every", want,
                    HUNT_MAX_SAMPLES);
        return EWW_STATUS_FAILED;
    }
    if (html) {
        if (strchr(html, '/') || html[0] == '.' || !html[0]) {
            reply_error(r, "hunt: --html takes a plain file name (no '/', not starting with "
                           "'.'); the client writes it in its working directory");
            return EWW_STATUS_FAILED;
        }
        if (commands_file_name(r, "hunt", html, html, h.html, sizeof h.html) < 0)
            return EWW_STATUS_FAILED;
    }
    h.s = eww_calloc(want, sizeof *h.s);
    if (!h.s) {
        reply_error(r, "hunt: out of memory");
        return EWW_STATUS_FAILED;
    }
    r->quiet_stop = 1; /* Ctrl-C ends the sampling; the report follows */
    double t0 = reply_now();
    int status = EWW_STATUS_OK;
    for (size_t i = 0; i < want; i++) {
        if (wait_until(r, t0 + (double)i * h.every)) {
            h.stopped = 1;
            break;
        }
        status = sample(r, &h, t0);
        if (status != EWW_STATUS_OK) {
            h.stopped = r->cancelled;
            break;
        }
        char rss[32], prog[256], objs[32];
        eww_fmt_bytes(rss, sizeof rss, (long long)h.s[h.ns - 1].m[M_RSS]);
        eww_fmt_count(objs, sizeof objs, (unsigned long long)h.s[h.ns - 1].m[M_OBJECTS]);
        snprintf(prog, sizeof prog,
                 "hunt: sample %zu of %zu (%.0f s of %g s): RSS %s, %s objects; Ctrl-C ends it "
                 "early",
                 i + 1, want, h.s[h.ns - 1].t, h.period, rss, objs);
        reply_progress(r, prog);
        if (want >= 3 && i == (want - 1) / 2)
            provisional_chains(r, &h);
    }
    r->quiet_stop = 0;
    if (r->broken || (status != EWW_STATUS_OK && !h.stopped) || h.ns < 2) {
        if (!r->broken && h.ns < 2 && (status == EWW_STATUS_OK || h.stopped))
            reply_error(r, "hunt: stopped after %zu sample%s: nothing to compare", h.ns,
                        h.ns == 1 ? "" : "s");
        hunt_free(&h);
        return EWW_STATUS_FAILED;
    }
    r->cancelled = 0;
    if (analyse(&h) < 0) {
        hunt_free(&h);
        reply_error(r, "hunt: out of memory");
        return EWW_STATUS_FAILED;
    }
    verdict(&h);
    if (top_count(&h)) {
        reply_progress(r, "hunt: finding what keeps the growing types alive");
        status = reply_with_heap_post(r, "hunt", hunt_where, &h, hunt_where_keep);
        if (status != EWW_STATUS_OK && r->broken) {
            hunt_free(&h);
            return EWW_STATUS_FAILED;
        }
        /* without chains the report still says what grew */
    }
    eww_buf b;
    eww_buf_init(&b, 256u << 20);
    int rc = h.json ? json_report(&h, &b) : text_report(&h, &b);
    eww_buf page;
    eww_buf_init(&page, 256u << 20);
    if (rc == 0 && h.html[0])
        rc = html_report(&h, &page);
    hunt_free(&h);
    if (rc != 0 || !b.data) {
        eww_buf_free(&b);
        eww_buf_free(&page);
        reply_error(r, "hunt: out of memory");
        return EWW_STATUS_FAILED;
    }
    reply_write(r, b.data, b.len); /* the report, then the page (the client says it wrote it) */
    eww_buf_free(&b);
    if (page.data && reply_file(r, h.html, page.data, page.len) < 0 && !r->broken) {
        eww_buf_free(&page);
        reply_error(r, "hunt: out of memory");
        return EWW_STATUS_FAILED;
    }
    eww_buf_free(&page);
    return EWW_STATUS_OK;
}
