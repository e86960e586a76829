/* cmd_heap.c - `summary` and `diff`: what objects are alive, and what changed.
 *
 * Both walk the heap with the GIL held (heap.c) and print pympler's table
 * (`types | # objects | total size`). `diff` keeps its baseline per console connection, in
 * C memory (never a Python object that the next walk would count): the first call sets it
 * (after a warm-up walk, so that lazily created interpreter caches are not reported as a
 * change), each later call shows the change since the previous one.
 */
#include "pycompat.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "commands.h"
#include "snapshot.h"
#include "heap.h"
#include "json.h"
#include "proto.h"

#define GROWTH_WINDOW 5 /* growth remembers the last 5 calls */
#define GROWTH_STEADY 3 /* growing in 3 of them is flagged */

typedef struct peak {
    char name[200];
    uint64_t peak;
    unsigned grew; /* bit i: grew i calls ago */
} peak;

typedef struct heap_state {
    heap_snapshot base; /* the previous diff's walk */
    int has_base;
    peak *peaks; /* growth: sorted by name */
    size_t npeaks;
    int growth_calls;
} heap_state;

void commands_state_free(void *state)
{
    heap_state *st = state;
    if (!st)
        return;
    heap_snapshot_free(&st->base);
    eww_free(st->peaks);
    eww_free(st);
}

/* The state as bytes, for a snapshot child to give back (snapshot.c): the struct, then the
 * baseline's rows, then the peaks. Type pointers stay identities (the same address space). */
int commands_state_pack(const void *state, eww_buf *out)
{
    const heap_state *st = state;
    if (!st)
        return 0;
    int rc = eww_buf_append(out, st, sizeof *st);
    if (st->base.n)
        rc |= eww_buf_append(out, st->base.rows, st->base.n * sizeof *st->base.rows);
    if (st->npeaks)
        rc |= eww_buf_append(out, st->peaks, st->npeaks * sizeof *st->peaks);
    return rc ? -1 : 0;
}

int commands_state_unpack(const void *data, size_t n, void **state)
{
    if (n == 0)
        return 0; /* the child had none: nothing changed */
    heap_state *st = eww_calloc(1, sizeof *st);
    if (!st || n < sizeof *st) {
        eww_free(st);
        return -1;
    }
    memcpy(st, data, sizeof *st);
    const unsigned char *p = (const unsigned char *)data + sizeof *st;
    st->base.rows = NULL;
    st->peaks = NULL;
    if (st->base.n > n || st->npeaks > n) {
        eww_free(st);
        return -1;
    }
    size_t rows = st->base.n * sizeof *st->base.rows, peaks = st->npeaks * sizeof *st->peaks;
    if (n != sizeof *st + rows + peaks) {
        eww_free(st);
        return -1;
    }
    st->base.rows = eww_malloc(rows ? rows : 1);
    st->peaks = eww_malloc(peaks ? peaks : 1);
    if (!st->base.rows || !st->peaks) {
        commands_state_free(st);
        return -1;
    }
    memcpy(st->base.rows, p, rows);
    memcpy(st->peaks, p + rows, peaks);
    commands_state_free(*state);
    *state = st;
    return 0;
}

static heap_state *session_state(reply *r)
{
    heap_state *st = *r->state;
    if (!st) {
        st = eww_calloc(1, sizeof *st);
        *r->state = st;
    }
    return st;
}

/* pympler's stringutils.pp: "2.45 MB", "168     B" (binary multiples, decimal names). */
static void pp_size(char *out, size_t n, double bytes, int sign)
{
    static const char *const units[] = {"B", "KB", "MB", "GB", "TB"};
    double a = bytes < 0 ? -bytes : bytes;
    int u = 0;
    while (a >= 1024 && u < 4) {
        a /= 1024;
        u++;
    }
    const char *s = sign ? (bytes < 0 ? "-" : "+") : (bytes < 0 ? "-" : "");
    if (u == 0)
        snprintf(out, n, "%s%d     B", s, (int)a);
    else
        snprintf(out, n, "%s%.2f %s", s, a, units[u]);
}

typedef struct summary_opts {
    int limit;
    int by_count;
    int collect;
    int json;
} summary_opts;

static int by_size_desc(const void *a, const void *b, void *ctx)
{
    const summary_opts *sort_opts = ctx;
    const heap_row *x = a, *y = b;
    uint64_t kx = sort_opts->by_count ? x->count : x->size;
    uint64_t ky = sort_opts->by_count ? y->count : y->size;
    if (kx != ky)
        return kx < ky ? 1 : -1;
    return strcmp(x->name, y->name);
}

static int by_change_desc(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    const heap_row *x = a, *y = b;
    int64_t kx = x->dsize < 0 ? -x->dsize : x->dsize, ky = y->dsize < 0 ? -y->dsize : y->dsize;
    if (kx != ky)
        return kx < ky ? 1 : -1;
    return strcmp(x->name, y->name);
}

/* The table of rows[0..n), pympler's layout. */
static void print_table(reply *r, const heap_row *rows, size_t n, int diff)
{
    size_t wname = 5; /* "types" */
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(rows[i].name);
        wname = l > wname ? l : wname;
    }
    char dash[256];
    size_t dn = wname < sizeof dash - 1 ? wname : sizeof dash - 1;
    memset(dash, '=', dn);
    dash[dn] = '\0';
    reply_printf(r, "%*s |   # objects |   total size\n%s | =========== | ============\n",
                 (int)wname, "types", dash);
    for (size_t i = 0; i < n; i++) {
        char size[32], count[32];
        if (diff) {
            pp_size(size, sizeof size, (double)rows[i].dsize, 1);
            snprintf(count, sizeof count, "%+lld", (long long)rows[i].dcount);
        } else {
            pp_size(size, sizeof size, (double)rows[i].size, 0);
            snprintf(count, sizeof count, "%llu", (unsigned long long)rows[i].count);
        }
        reply_printf(r, "%*s | %11s | %12s\n", (int)wname, rows[i].name, count, size);
    }
}

static int parse_summary(reply *r, int argc, const char **argv, summary_opts *o)
{
    o->limit = 15;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-n") || !strcmp(a, "--limit")) {
            if (commands_count_option(r, "summary", "rows", argc, argv, &i, 1000000, &o->limit))
                return EWW_STATUS_FAILED;
        } else if (!strcmp(a, "--sort")) {
            const char *v = i + 1 < argc ? argv[++i] : "";
            if (!strcmp(v, "size"))
                o->by_count = 0;
            else if (!strcmp(v, "count"))
                o->by_count = 1;
            else
                return commands_usage_error(r, "summary", "--sort takes size or count, not", v);
        } else if (!strcmp(a, "--collect")) {
            o->collect = 1;
        } else if (!strcmp(a, "--json")) {
            o->json = 1;
        } else {
            return commands_bad_argument(r, "summary", a);
        }
    }
    return 0;
}

int commands_heap_tick(void *arg, uint64_t objects)
{
    int due;
    double seconds;
    if (reply_tick(arg, &due, &seconds))
        return 1;
    if (due) {
        char text[128];
        snprintf(text, sizeof text, "walking the heap: %llu objects so far (%.0f s)",
                 (unsigned long long)objects, seconds);
        reply_progress(arg, text);
    }
    return 0;
}

static int report_walk_error(reply *r, const char *what)
{
    if (((reply *)r)->cancelled) {
        PyErr_Clear();
        return reply_stopped(r, what);
    }
    char why[512];
    python_error_text(why, sizeof why);
    reply_error(r, "%s: the heap walk failed: %s", what, why);
    return EWW_STATUS_FAILED;
}

static int summary_python(reply *r, void *arg)
{
    summary_opts *o = arg;
    if (o->collect) {
        PyObject *gc = PyImport_ImportModule("gc");
        PyObject *res = gc ? PyObject_CallMethod(gc, "collect", NULL) : NULL;
        Py_XDECREF(res);
        Py_XDECREF(gc);
        PyErr_Clear();
    }
    heap_snapshot s;
    if (heap_walk_progress(&s, commands_heap_tick, r) < 0)
        return report_walk_error(r, "summary");
    eww_sort(s.rows, s.n, sizeof *s.rows, by_size_desc, o);
    size_t shown = s.n < (size_t)o->limit ? s.n : (size_t)o->limit;
    if (o->json) {
        eww_buf b;
        eww_buf_init(&b, 64u << 20);
        int rc = eww_buf_puts(&b, "{\"types\": [");
        for (size_t i = 0; i < shown; i++) {
            rc |= eww_buf_puts(&b, i ? ", {\"type\": " : "{\"type\": ");
            rc |= eww_json_str(&b, s.rows[i].name);
            rc |= eww_buf_printf(&b, ", \"count\": %llu, \"size\": %llu, \"unknown\": %llu}",
                                 (unsigned long long)s.rows[i].count,
                                 (unsigned long long)s.rows[i].size,
                                 (unsigned long long)s.rows[i].unknown);
        }
        rc |= eww_buf_printf(&b,
                             "], \"objects\": %llu, \"size\": %llu, \"unknown\": %llu, "
                             "\"types_total\": %zu, \"seconds\": %.6f, \"engine_bytes\": %zu, "
                             "\"snapshot\": %s, \"snapshot_bytes\": %lld}\n",
                             (unsigned long long)s.objects, (unsigned long long)s.bytes,
                             (unsigned long long)s.unknown, s.n, s.seconds, s.engine_bytes,
                             snapshot_in_child() ? "true" : "false", snapshot_child_bytes());
        if (rc == 0)
            reply_write(r, b.data, b.len);
        eww_buf_free(&b);
    } else {
        print_table(r, s.rows, shown, 0);
        char total[32];
        pp_size(total, sizeof total, (double)s.bytes, 0);
        char where[64] = "";
        long long own = snapshot_child_bytes();
        if (own >= 0)
            snprintf(where, sizeof where, " on a snapshot of +%.1f MiB", (double)own / 1048576);
        else if (snapshot_in_child())
            snprintf(where, sizeof where, " on a snapshot");
        reply_printf(r, "%llu objects of %zu types, %s in all (walked in %.3f s%s)\n",
                     (unsigned long long)s.objects, s.n, total, s.seconds, where);
        if (s.unknown > s.not_run)
            reply_printf(r,
                         "%llu objects of unknown size (their __sizeof__ raised or returned "
                         "nonsense)\n",
                         (unsigned long long)(s.unknown - s.not_run));
        if (s.not_run)
            reply_printf(r,
                         "%llu objects of unknown size: their __sizeof__ is Python code, which "
                         "is not run on a snapshot (embed(snapshot=False) runs it, in the app)\n",
                         (unsigned long long)s.not_run);
    }
    heap_snapshot_free(&s);
    return EWW_STATUS_OK;
}

int cmd_summary(reply *r, int argc, const char **argv)
{
    summary_opts o = {0};
    if (parse_summary(r, argc, argv, &o) != 0)
        return EWW_STATUS_FAILED;
    return reply_with_heap(r, "summary", summary_python, &o);
}

static int diff_python(reply *r, void *arg)
{
    (void)arg;
    heap_state *st = session_state(r);
    if (!st) {
        reply_error(r, "diff: out of memory");
        return EWW_STATUS_FAILED;
    }
    heap_snapshot now;
    if (!st->has_base) {
        /* A first walk lets the interpreter create what it creates lazily (interned names,
         * caches); the baseline is the second. */
        if (heap_walk_progress(&now, commands_heap_tick, r) < 0)
            return report_walk_error(r, "diff");
        heap_snapshot_free(&now);
    }
    if (heap_walk_progress(&now, commands_heap_tick, r) < 0)
        return report_walk_error(r, "diff");
    if (!st->has_base) {
        st->base = now;
        st->has_base = 1;
        reply_printf(r,
                     "Baseline set: %llu objects of %zu types. Run diff again to see what "
                     "changed.\n",
                     (unsigned long long)now.objects, now.n);
        return EWW_STATUS_OK;
    }
    heap_row *rows;
    size_t n;
    if (heap_diff(&st->base, &now, &rows, &n) < 0) {
        heap_snapshot_free(&now);
        reply_error(r, "diff: out of memory");
        return EWW_STATUS_FAILED;
    }
    heap_snapshot_free(&st->base);
    st->base = now;
    if (n == 0) {
        reply_printf(r, "No change since the last diff.\n");
    } else {
        eww_sort(rows, n, sizeof *rows, by_change_desc, NULL);
        print_table(r, rows, n, 1);
    }
    eww_free(rows);
    return EWW_STATUS_OK;
}

int cmd_diff(reply *r, int argc, const char **argv)
{
    if (argc > 1)
        return commands_bad_argument(r, "diff", argv[1]);
    return reply_with_heap(r, "diff", diff_python, NULL);
}

/* ---- growth ------------------------------------------------------------------------ */

static int by_name(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    return strcmp(((const heap_row *)a)->name, ((const heap_row *)b)->name);
}

static int by_peak_name(const void *a, const void *b)
{
    return strcmp(((const peak *)a)->name, ((const peak *)b)->name);
}

static int by_delta_desc(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    const heap_row *x = a, *y = b;
    if (x->dcount != y->dcount)
        return x->dcount < y->dcount ? 1 : -1;
    return strcmp(x->name, y->name);
}

static int growth_python(reply *r, void *arg)
{
    int limit = *(int *)arg;
    heap_state *st = session_state(r);
    heap_snapshot s;
    if (!st) {
        reply_error(r, "growth: out of memory");
        return EWW_STATUS_FAILED;
    }
    if (heap_walk_progress(&s, commands_heap_tick, r) < 0)
        return report_walk_error(r, "growth");
    /* The same name can belong to two types (two classes Foo in one module): add them up,
     * as objgraph does. */
    eww_sort(s.rows, s.n, sizeof *s.rows, by_name, NULL);
    size_t m = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (m && strcmp(s.rows[m - 1].name, s.rows[i].name) == 0)
            s.rows[m - 1].count += s.rows[i].count;
        else
            s.rows[m++] = s.rows[i];
    }
    s.n = m;
    peak *peaks = eww_calloc(s.n + st->npeaks + 1, sizeof *peaks);
    if (!peaks) {
        heap_snapshot_free(&s);
        reply_error(r, "growth: out of memory");
        return EWW_STATUS_FAILED;
    }
    /* Merge the walk (sorted by name) with the peaks (sorted by name). */
    size_t i = 0, j = 0, n = 0;
    unsigned mask = (1u << GROWTH_WINDOW) - 1;
    while (i < s.n || j < st->npeaks) {
        int c = i == s.n ? 1 : j == st->npeaks ? -1 : strcmp(s.rows[i].name, st->peaks[j].name);
        peak p;
        if (c < 0) { /* a type seen for the first time */
            memset(&p, 0, sizeof p);
            snprintf(p.name, sizeof p.name, "%s", s.rows[i].name);
        } else { /* a known type: alive now (c == 0), or gone (c > 0) */
            p = st->peaks[j++];
        }
        p.grew = (p.grew << 1) & mask;
        if (c <= 0) {
            heap_row *row = &s.rows[i++];
            row->dcount = 0;
            if (row->count > p.peak) {
                row->dcount = (int64_t)(row->count - p.peak);
                p.peak = row->count;
                p.grew |= 1;
            }
        }
        peaks[n++] = p;
    }
    eww_free(st->peaks);
    st->peaks = peaks;
    st->npeaks = n;
    st->growth_calls++;
    eww_sort(s.rows, s.n, sizeof *s.rows, by_delta_desc, NULL);
    size_t shown = 0, width = 5;
    for (size_t k = 0; k < s.n && shown < (size_t)limit && s.rows[k].dcount > 0; k++, shown++) {
        size_t l = strlen(s.rows[k].name);
        width = l > width ? l : width;
    }
    int calls = st->growth_calls < GROWTH_WINDOW ? st->growth_calls : GROWTH_WINDOW;
    if (shown == 0)
        reply_printf(r, "No type grew past its peak since the last growth.\n");
    for (size_t k = 0; k < shown; k++) {
        peak key, *p;
        snprintf(key.name, sizeof key.name, "%s", s.rows[k].name);
        p = bsearch(&key, st->peaks, st->npeaks, sizeof *st->peaks, by_peak_name);
        int grew = 0;
        for (unsigned b = p ? p->grew : 0; b; b >>= 1)
            grew += b & 1;
        reply_printf(r, "%-*s%9llu %+9lld   grew in %d of the last %d calls%s\n", (int)width,
                     s.rows[k].name, (unsigned long long)s.rows[k].count,
                     (long long)s.rows[k].dcount, grew, calls,
                     calls >= GROWTH_STEADY && grew >= GROWTH_STEADY ? "  <- steady growth" : "");
    }
    heap_snapshot_free(&s);
    return EWW_STATUS_OK;
}

int cmd_growth(reply *r, int argc, const char **argv)
{
    int limit = 10;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") != 0)
            return commands_bad_argument(r, "growth", argv[i]);
        if (commands_count_option(r, "growth", "rows", argc, argv, &i, 1000000, &limit))
            return EWW_STATUS_FAILED;
    }
    return reply_with_heap(r, "growth", growth_python, &limit);
}

/* ---- garbage ----------------------------------------------------------------------- */

static int garbage_python(reply *r, void *arg)
{
    int collect = *(int *)arg;
    PyObject *mod = PyImport_ImportModule("eww._garbage");
    PyObject *text = mod ? PyObject_CallMethod(mod, "report", "i", collect) : NULL;
    Py_XDECREF(mod);
    const char *t = text && PyUnicode_Check(text) ? PyUnicode_AsUTF8(text) : NULL;
    if (!t) {
        Py_XDECREF(text);
        return report_walk_error(r, "garbage");
    }
    reply_printf(r, "%s", t);
    Py_DECREF(text);
    return EWW_STATUS_OK;
}

int cmd_garbage(reply *r, int argc, const char **argv)
{
    int collect = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--collect") != 0)
            return commands_bad_argument(r, "garbage", argv[i]);
        collect = 1;
    }
    return reply_with_python(r, garbage_python, &collect);
}
