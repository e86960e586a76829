/* cmd_heap.c - `summary` and `diff`: what objects are alive, and what changed.
 *
 * Both walk the heap with the GIL held (heap.c) and print pympler's table
 * (`types | # objects | total size`). `diff` keeps its baseline per console connection, in
 * C memory (never a Python object that the next walk would count): the first call sets it
 * (after a warm-up walk, so that lazily created interpreter caches are not reported as a
 * change), each later call shows the change since the previous one.
 */
#include <Python.h>

#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "heap.h"
#include "json.h"
#include "proto.h"

typedef struct heap_state {
    heap_snapshot base; /* the previous diff's walk */
    int has_base;
} heap_state;

void commands_state_free(void *state)
{
    heap_state *st = state;
    if (!st)
        return;
    heap_snapshot_free(&st->base);
    free(st);
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

static const summary_opts *sort_opts; /* qsort has no context argument; GIL held */

static int by_size_desc(const void *a, const void *b)
{
    const heap_row *x = a, *y = b;
    uint64_t kx = sort_opts->by_count ? x->count : x->size;
    uint64_t ky = sort_opts->by_count ? y->count : y->size;
    if (kx != ky)
        return kx < ky ? 1 : -1;
    return strcmp(x->name, y->name);
}

static int by_change_desc(const void *a, const void *b)
{
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
            char *end;
            long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : -1;
            if (i + 1 >= argc || *end || v < 1 || v > 1000000)
                return commands_usage_error(r, "summary", "-n takes a number of rows, not",
                                            i + 1 < argc ? argv[i + 1] : "nothing");
            o->limit = (int)v;
            i++;
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
            return commands_usage_error(r, "summary",
                                        a[0] == '-' ? "unknown option" : "unexpected argument", a);
        }
    }
    return 0;
}

static int report_walk_error(reply *r, const char *what)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *text = value ? PyObject_Str(value) : NULL;
    const char *t = text ? PyUnicode_AsUTF8(text) : NULL;
    reply_error(r, "%s: the heap walk failed: %s", what, t ? t : "unknown error");
    PyErr_Clear();
    Py_XDECREF(text);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
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
    if (heap_walk(&s) < 0)
        return report_walk_error(r, "summary");
    sort_opts = o;
    qsort(s.rows, s.n, sizeof *s.rows, by_size_desc);
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
                             "\"types_total\": %zu, \"seconds\": %.6f, \"engine_bytes\": %zu}\n",
                             (unsigned long long)s.objects, (unsigned long long)s.bytes,
                             (unsigned long long)s.unknown, s.n, s.seconds, s.engine_bytes);
        if (rc == 0)
            reply_write(r, b.data, b.len);
        eww_buf_free(&b);
    } else {
        print_table(r, s.rows, shown, 0);
        char total[32];
        pp_size(total, sizeof total, (double)s.bytes, 0);
        reply_printf(r, "%llu objects of %zu types, %s in all (walked in %.3f s)\n",
                     (unsigned long long)s.objects, s.n, total, s.seconds);
        if (s.unknown)
            reply_printf(r,
                         "%llu objects of unknown size (their __sizeof__ raised or returned "
                         "nonsense)\n",
                         (unsigned long long)s.unknown);
    }
    heap_snapshot_free(&s);
    return EWW_STATUS_OK;
}

int cmd_summary(reply *r, int argc, const char **argv)
{
    summary_opts o = {0};
    if (parse_summary(r, argc, argv, &o) != 0)
        return EWW_STATUS_FAILED;
    return reply_with_python(r, summary_python, &o);
}

static int diff_python(reply *r, void *arg)
{
    (void)arg;
    heap_state *st = *r->state;
    if (!st) {
        st = calloc(1, sizeof *st);
        if (!st) {
            reply_error(r, "diff: out of memory");
            return EWW_STATUS_FAILED;
        }
        *r->state = st;
    }
    heap_snapshot now;
    if (!st->has_base) {
        /* A first walk lets the interpreter create what it creates lazily (interned names,
         * caches); the baseline is the second. */
        if (heap_walk(&now) < 0)
            return report_walk_error(r, "diff");
        heap_snapshot_free(&now);
    }
    if (heap_walk(&now) < 0)
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
        qsort(rows, n, sizeof *rows, by_change_desc);
        print_table(r, rows, n, 1);
    }
    free(rows);
    return EWW_STATUS_OK;
}

int cmd_diff(reply *r, int argc, const char **argv)
{
    if (argc > 1)
        return commands_usage_error(
            r, "diff", argv[1][0] == '-' ? "unknown option" : "unexpected argument", argv[1]);
    return reply_with_python(r, diff_python, NULL);
}
