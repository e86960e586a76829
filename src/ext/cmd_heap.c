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
#include <time.h>

#include "mem.h"
#include "commands.h"
#include "snapshot.h"
#include "facts.h"
#include "fmt.h"
#include "heap.h"
#include "json.h"
#include "proto.h"

#define GROWTH_WINDOW 5  /* growth remembers the last 5 calls */
#define NAMED_MAX     16 /* named snapshots a process keeps */
#define NAME_MAX_LEN  64
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
    int oneshot, loaded; /* a one-shot session's state: the process's, loaded once */
    /* A named snapshot taken by `snapshot`, for the parent to keep (commands_state_publish) */
    int has_pending;
    char pending_name[NAME_MAX_LEN + 1];
    double pending_taken;
    heap_snapshot pending;
} heap_state;

/* What outlives a connection (GIL): the named snapshots, and the state of one-shot sessions,
 * so that two `eww PID diff` from a shell compare with each other. Changed only with the GIL
 * held in the app, so that a snapshot child, copied with the GIL held, sees it whole. */
typedef struct named {
    char name[NAME_MAX_LEN + 1];
    double taken; /* seconds since the epoch */
    heap_snapshot snap;
} named;

static struct {
    named items[NAMED_MAX];
    int n, next_auto;
    heap_state oneshot;
} reg;

void commands_state_free(void *state)
{
    heap_state *st = state;
    if (!st)
        return;
    heap_snapshot_free(&st->base);
    heap_snapshot_free(&st->pending);
    eww_free(st->peaks);
    eww_free(st);
}

/* The state as bytes, for a snapshot child to give back (snapshot.c): the struct, then the
 * baseline's rows, the peaks, and a pending named snapshot's rows. Type pointers stay
 * identities (the same address space). */
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
    if (st->pending.n)
        rc |= eww_buf_append(out, st->pending.rows, st->pending.n * sizeof *st->pending.rows);
    return rc ? -1 : 0;
}

/* A copy of n items of size each (NULL when n is 0 or out of memory: *failed says which). */
static void *copy_of(const void *p, size_t n, size_t each, int *failed)
{
    if (!n)
        return NULL;
    void *c = eww_malloc(n * each);
    if (c)
        memcpy(c, p, n * each);
    else
        *failed = 1;
    return c;
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
    st->base.rows = st->pending.rows = NULL;
    st->peaks = NULL;
    if (st->base.n > n || st->npeaks > n || st->pending.n > n) {
        eww_free(st);
        return -1;
    }
    size_t rows = st->base.n * sizeof *st->base.rows, peaks = st->npeaks * sizeof *st->peaks,
           pend = st->pending.n * sizeof *st->pending.rows;
    if (n != sizeof *st + rows + peaks + pend) {
        eww_free(st);
        return -1;
    }
    int failed = 0;
    st->base.rows = copy_of(p, st->base.n, sizeof *st->base.rows, &failed);
    st->peaks = copy_of(p + rows, st->npeaks, sizeof *st->peaks, &failed);
    st->pending.rows = copy_of(p + rows + peaks, st->pending.n, sizeof *st->pending.rows, &failed);
    if (failed) {
        commands_state_free(st);
        return -1;
    }
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
        if (st)
            st->oneshot = r->oneshot;
    }
    /* A one-shot session goes on from the previous one-shot session's state. */
    if (st && st->oneshot && !st->loaded) {
        int failed = 0;
        st->loaded = 1;
        st->has_base = reg.oneshot.has_base;
        st->base = reg.oneshot.base;
        st->base.rows =
            copy_of(reg.oneshot.base.rows, reg.oneshot.base.n, sizeof *st->base.rows, &failed);
        st->npeaks = reg.oneshot.npeaks;
        st->peaks = copy_of(reg.oneshot.peaks, reg.oneshot.npeaks, sizeof *st->peaks, &failed);
        st->growth_calls = reg.oneshot.growth_calls;
        if (failed) {
            commands_state_free(st);
            *r->state = NULL;
            return NULL;
        }
    }
    return st;
}

static named *find_named(const char *name)
{
    for (int i = 0; i < reg.n; i++)
        if (strcmp(reg.items[i].name, name) == 0)
            return &reg.items[i];
    return NULL;
}

int commands_state_publish(void *state)
{
    heap_state *st = state;
    if (!st)
        return 0;
    int failed = 0;
    if (st->has_pending) {
        named *slot = find_named(st->pending_name);
        if (!slot && reg.n < NAMED_MAX)
            slot = &reg.items[reg.n++];
        if (slot) { /* (checked before the walk; a race with another session just loses) */
            heap_snapshot_free(&slot->snap);
            snprintf(slot->name, sizeof slot->name, "%s", st->pending_name);
            slot->taken = st->pending_taken;
            slot->snap = st->pending;
        } else {
            heap_snapshot_free(&st->pending);
            failed = 1;
        }
        memset(&st->pending, 0, sizeof st->pending);
        st->has_pending = 0;
    }
    if (st->oneshot) {
        heap_state *o = &reg.oneshot;
        heap_snapshot_free(&o->base);
        eww_free(o->peaks);
        o->has_base = st->has_base;
        o->base = st->base;
        o->base.rows = copy_of(st->base.rows, st->base.n, sizeof *st->base.rows, &failed);
        o->npeaks = st->npeaks;
        o->peaks = copy_of(st->peaks, st->npeaks, sizeof *st->peaks, &failed);
        o->growth_calls = st->growth_calls;
        if (failed) {
            memset(o, 0, sizeof *o); /* start afresh rather than from half a state */
        }
    }
    return failed ? -1 : 0;
}

void commands_registry_clear(void)
{
    for (int i = 0; i < reg.n; i++)
        heap_snapshot_free(&reg.items[i].snap);
    heap_snapshot_free(&reg.oneshot.base);
    eww_free(reg.oneshot.peaks);
    memset(&reg, 0, sizeof reg);
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

int commands_failed(reply *r, const char *command, const char *context)
{
    if (r->cancelled) {
        PyErr_Clear();
        return reply_stopped(r, command);
    }
    char why[512];
    python_error_text(why, sizeof why);
    reply_error(r, "%s: %s%s", command, context, why);
    return EWW_STATUS_FAILED;
}

static int report_walk_error(reply *r, const char *what)
{
    return commands_failed(r, what, "the heap walk failed: ");
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
            rc |= eww_buf_printf(&b, ", \"count\": %llu, \"size_bytes\": %llu, \"unknown\": %llu}",
                                 (unsigned long long)s.rows[i].count,
                                 (unsigned long long)s.rows[i].size,
                                 (unsigned long long)s.rows[i].unknown);
        }
        rc |= eww_buf_printf(&b,
                             "], \"objects\": %llu, \"size_bytes\": %llu, \"unknown\": %llu, "
                             "\"types_total\": %zu, \"walk_seconds\": %.6f, \"engine_bytes\": %zu, "
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

/* A walk after a warm-up walk: the first lets the interpreter create what it creates lazily
 * (interned names, caches), so that it is not reported as a change. */
static int steady_walk(reply *r, heap_snapshot *now)
{
    if (heap_walk_progress(now, commands_heap_tick, r) < 0)
        return -1;
    heap_snapshot_free(now);
    return heap_walk_progress(now, commands_heap_tick, r);
}

typedef struct diff_args {
    const char *name; /* diff NAME */
    int json;
} diff_args;

/* The answer of a diff as JSON: what it compared with, whether it only set the baseline, the
 * changed rows (may be NULL), and the walk's totals. */
static int diff_json(reply *r, const char *since, const char *name, int baseline_set,
                     const heap_row *rows, size_t n, const heap_snapshot *now)
{
    eww_buf b;
    eww_buf_init(&b, 64u << 20);
    int rc = eww_buf_puts(&b, "{\"since\": ");
    rc |= eww_json_str(&b, since);
    rc |= eww_buf_puts(&b, ", \"snapshot\": ");
    rc |= name ? eww_json_str(&b, name) : eww_buf_puts(&b, "null");
    rc |=
        eww_buf_printf(&b, ", \"baseline_set\": %s, \"types\": [", baseline_set ? "true" : "false");
    for (size_t i = 0; i < n; i++) {
        rc |= eww_buf_puts(&b, i ? ", {\"type\": " : "{\"type\": ");
        rc |= eww_json_str(&b, rows[i].name);
        rc |= eww_buf_printf(&b, ", \"count_delta\": %lld, \"size_delta_bytes\": %lld}",
                             (long long)rows[i].dcount, (long long)rows[i].dsize);
    }
    rc |= eww_buf_printf(&b, "], \"objects\": %llu, \"size_bytes\": %llu}\n",
                         (unsigned long long)now->objects, (unsigned long long)now->bytes);
    return reply_buffer(r, &b, rc, "diff") == EWW_STATUS_OK ? 0 : -1;
}

/* The rows that changed from `before` to `now`, printed as pympler's diff (`none` when
 * nothing did) or as JSON. 0, or -1 (reported). */
static int print_diff(reply *r, const diff_args *a, const char *since, const heap_snapshot *before,
                      const heap_snapshot *now, const char *none)
{
    heap_row *rows;
    size_t n;
    if (heap_diff(before, now, &rows, &n) < 0) {
        reply_error(r, "diff: out of memory");
        return -1;
    }
    int rc = 0;
    if (n)
        eww_sort(rows, n, sizeof *rows, by_change_desc, NULL);
    if (a->json)
        rc = diff_json(r, since, a->name, 0, rows, n, now);
    else if (n == 0)
        reply_printf(r, "%s\n", none);
    else
        print_table(r, rows, n, 1);
    eww_free(rows);
    return rc;
}

static void age_text(double taken, char *out, size_t n)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    eww_fmt_duration(out, n, (double)now.tv_sec + now.tv_nsec / 1e9 - taken);
}

static int diff_named(reply *r, const diff_args *a)
{
    const char *name = a->name;
    named *x = find_named(name);
    if (!x) {
        reply_error(r, "diff: no snapshot named '%s' (`snapshot --list` shows them)", name);
        return EWW_STATUS_FAILED;
    }
    heap_snapshot now;
    if (steady_walk(r, &now) < 0)
        return report_walk_error(r, "diff");
    char age[64], none[160];
    age_text(x->taken, age, sizeof age);
    snprintf(none, sizeof none, "No change since snapshot '%s' (taken %s ago).", name, age);
    int rc = print_diff(r, a, "snapshot", &x->snap, &now, none);
    heap_snapshot_free(&now);
    return rc < 0 ? EWW_STATUS_FAILED : EWW_STATUS_OK;
}

static int diff_python(reply *r, void *arg)
{
    const diff_args *a = arg;
    if (a->name)
        return diff_named(r, a);
    heap_state *st = session_state(r);
    if (!st) {
        reply_error(r, "diff: out of memory");
        return EWW_STATUS_FAILED;
    }
    heap_snapshot now;
    if ((st->has_base ? heap_walk_progress(&now, commands_heap_tick, r) : steady_walk(r, &now)) < 0)
        return report_walk_error(r, "diff");
    const char *since = st->oneshot ? "one-shot diff" : "diff";
    if (!st->has_base) {
        st->base = now;
        st->has_base = 1;
        if (a->json)
            diff_json(r, since, NULL, 1, NULL, 0, &now);
        else
            reply_printf(r,
                         "Baseline set: %llu objects of %zu types. Run diff again to see what "
                         "changed.\n",
                         (unsigned long long)now.objects, now.n);
        return EWW_STATUS_OK;
    }
    int rc = print_diff(r, a, since, &st->base, &now,
                        st->oneshot ? "No change since the last one-shot diff."
                                    : "No change since the last diff.");
    heap_snapshot_free(&st->base);
    st->base = now;
    return rc < 0 ? EWW_STATUS_FAILED : EWW_STATUS_OK;
}

int cmd_diff(reply *r, int argc, const char **argv)
{
    diff_args a = {NULL, 0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            a.json = 1;
        else if (argv[i][0] != '-' && !a.name)
            a.name = argv[i];
        else
            return commands_bad_argument(r, "diff", argv[i]);
    }
    return reply_with_heap(r, "diff", diff_python, &a);
}

/* ---- snapshot: named baselines that outlive the connection ------------------------- */

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > NAME_MAX_LEN || s[0] == '-')
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("_.:-", *s)))
            return 0;
    return 1;
}

typedef struct snap_args {
    const char *name; /* NULL: the first free number */
    char autoname[16];
} snap_args;

static int snapshot_python(reply *r, void *arg)
{
    snap_args *a = arg;
    const char *name = a->name;
    if (!name) { /* the lowest number no snapshot is called */
        for (int k = 1;; k++) {
            snprintf(a->autoname, sizeof a->autoname, "%d", k);
            if (!find_named(a->autoname))
                break;
        }
        name = a->autoname;
    }
    if (!find_named(name) && reg.n >= NAMED_MAX) {
        reply_error(r, "snapshot: %d snapshots are kept already; `snapshot --drop NAME` frees one",
                    NAMED_MAX);
        return EWW_STATUS_FAILED;
    }
    heap_state *st = session_state(r);
    if (!st) {
        reply_error(r, "snapshot: out of memory");
        return EWW_STATUS_FAILED;
    }
    heap_snapshot now;
    if (steady_walk(r, &now) < 0)
        return report_walk_error(r, "snapshot");
    int replaced = find_named(name) != NULL;
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    heap_snapshot_free(&st->pending);
    st->pending = now;
    st->pending_taken = (double)t.tv_sec + t.tv_nsec / 1e9;
    snprintf(st->pending_name, sizeof st->pending_name, "%s", name);
    st->has_pending = 1;
    char size[32];
    eww_fmt_bytes(size, sizeof size, (long long)now.bytes);
    reply_printf(r,
                 "Snapshot '%s' %s: %llu objects of %zu types, %s. `diff %s` compares with it; "
                 "`snapshot --drop %s` frees it.\n",
                 name, replaced ? "replaced" : "kept", (unsigned long long)now.objects, now.n, size,
                 name, name);
    return EWW_STATUS_OK;
}

static int snapshot_list_json(reply *r)
{
    eww_buf b;
    eww_buf_init(&b, 1u << 20);
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    double now = (double)t.tv_sec + t.tv_nsec / 1e9;
    int rc = eww_buf_puts(&b, "{\"snapshots\": [");
    for (int i = 0; i < reg.n; i++) {
        named *x = &reg.items[i];
        rc |= eww_buf_puts(&b, i ? ", {\"name\": " : "{\"name\": ");
        rc |= eww_json_str(&b, x->name);
        rc |= eww_buf_printf(&b,
                             ", \"taken_unix_seconds\": %.3f, \"age_seconds\": %.3f, \"objects\": "
                             "%llu, \"types\": %zu, \"size_bytes\": %llu}",
                             x->taken, now - x->taken, (unsigned long long)x->snap.objects,
                             x->snap.n, (unsigned long long)x->snap.bytes);
    }
    rc |= eww_buf_printf(&b, "], \"max_snapshots\": %d}\n", NAMED_MAX);
    return reply_buffer(r, &b, rc, "snapshot");
}

static int snapshot_list_python(reply *r, void *arg)
{
    if (arg)
        return snapshot_list_json(r);
    if (reg.n == 0) {
        reply_printf(r, "No snapshots kept. `snapshot NAME` keeps one.\n");
        return EWW_STATUS_OK;
    }
    reply_printf(r, "%-20s %-20s %12s %14s %8s %12s\n", "name", "taken", "age", "objects", "types",
                 "size");
    for (int i = 0; i < reg.n; i++) {
        named *x = &reg.items[i];
        char when[32] = "?", age[64], objects[32], size[32];
        time_t t = (time_t)x->taken;
        struct tm tm;
        if (localtime_r(&t, &tm))
            strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
        age_text(x->taken, age, sizeof age);
        eww_fmt_count(objects, sizeof objects, x->snap.objects);
        eww_fmt_bytes(size, sizeof size, (long long)x->snap.bytes);
        reply_printf(r, "%-20s %-20s %12s %14s %8zu %12s\n", x->name, when, age, objects, x->snap.n,
                     size);
    }
    return EWW_STATUS_OK;
}

static int snapshot_drop_python(reply *r, void *arg)
{
    const char *name = arg;
    named *x = find_named(name);
    if (!x) {
        reply_error(r, "snapshot: no snapshot named '%s' (`snapshot --list` shows them)", name);
        return EWW_STATUS_FAILED;
    }
    heap_snapshot_free(&x->snap);
    size_t i = (size_t)(x - reg.items);
    memmove(x, x + 1, (size_t)(reg.n - 1 - (int)i) * sizeof *x);
    reg.n--;
    memset(&reg.items[reg.n], 0, sizeof reg.items[reg.n]);
    reply_printf(r, "Snapshot '%s' dropped.\n", name);
    return EWW_STATUS_OK;
}

int cmd_snapshot(reply *r, int argc, const char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--list") == 0) {
        if (argc > 3 || (argc == 3 && strcmp(argv[2], "--json") != 0))
            return commands_bad_argument(r, "snapshot", argv[argc - 1]);
        return reply_with_python(r, snapshot_list_python, argc == 3 ? (void *)"json" : NULL);
    }
    if (argc >= 2 && strcmp(argv[1], "--drop") == 0) {
        if (argc != 3)
            return commands_usage_error(r, "snapshot", "--drop takes a snapshot's name, not",
                                        argc > 3 ? argv[3] : "nothing");
        return reply_with_python(r, snapshot_drop_python, (void *)argv[2]);
    }
    if (argc > 2)
        return commands_bad_argument(r, "snapshot", argv[2]);
    if (argc == 2 && argv[1][0] == '-')
        return commands_bad_argument(r, "snapshot", argv[1]);
    snap_args a = {argc == 2 ? argv[1] : NULL, ""};
    if (a.name && !valid_name(a.name)) {
        reply_error(r,
                    "snapshot: '%s' is not a snapshot name (1 to %d letters, digits and _ . : -)",
                    a.name, NAME_MAX_LEN);
        return EWW_STATUS_FAILED;
    }
    return reply_with_heap(r, "snapshot", snapshot_python, &a);
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

typedef struct growth_args {
    int limit, json;
} growth_args;

static int growth_python(reply *r, void *arg)
{
    const growth_args *ga = arg;
    int limit = ga->limit;
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
    eww_buf b;
    eww_buf_init(&b, 64u << 20);
    int rc = 0;
    if (ga->json)
        rc |= eww_buf_puts(&b, "{\"types\": [");
    else if (shown == 0)
        rc |= eww_buf_puts(&b, "No type grew past its peak since the last growth.\n");
    for (size_t k = 0; k < shown; k++) {
        peak key, *p;
        snprintf(key.name, sizeof key.name, "%s", s.rows[k].name);
        p = bsearch(&key, st->peaks, st->npeaks, sizeof *st->peaks, by_peak_name);
        int grew = 0;
        for (unsigned bits = p ? p->grew : 0; bits; bits >>= 1)
            grew += bits & 1;
        int steady = calls >= GROWTH_STEADY && grew >= GROWTH_STEADY;
        if (ga->json) {
            rc |= eww_buf_puts(&b, k ? ", {\"type\": " : "{\"type\": ");
            rc |= eww_json_str(&b, s.rows[k].name);
            rc |= eww_buf_printf(&b,
                                 ", \"count\": %llu, \"count_delta\": %lld, \"grew_in\": %d, "
                                 "\"calls\": %d, \"steady\": %s}",
                                 (unsigned long long)s.rows[k].count, (long long)s.rows[k].dcount,
                                 grew, calls, steady ? "true" : "false");
        } else {
            rc |= eww_buf_printf(&b, "%-*s%9llu %+9lld   grew in %d of the last %d calls%s\n",
                                 (int)width, s.rows[k].name, (unsigned long long)s.rows[k].count,
                                 (long long)s.rows[k].dcount, grew, calls,
                                 steady ? "  <- steady growth" : "");
        }
    }
    if (ga->json)
        rc |= eww_buf_printf(&b, "], \"calls\": %d}\n", st->growth_calls);
    reply_buffer(r, &b, rc, "growth");
    heap_snapshot_free(&s);
    return EWW_STATUS_OK;
}

int cmd_growth(reply *r, int argc, const char **argv)
{
    growth_args a = {10, 0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            a.json = 1;
        else if (strcmp(argv[i], "-n") != 0)
            return commands_bad_argument(r, "growth", argv[i]);
        else if (commands_count_option(r, "growth", "rows", argc, argv, &i, 1000000, &a.limit))
            return EWW_STATUS_FAILED;
    }
    return reply_with_heap(r, "growth", growth_python, &a);
}

/* ---- garbage ----------------------------------------------------------------------- */

/* Objects of one type name: how many, and the IDs of the first few. */
typedef struct gtype {
    PyTypeObject *type;
    char name[200];
    uint64_t n;
    char ex[3][24];
    int nex;
} gtype;

static int by_count_desc(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    const gtype *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return strcmp(x->name, y->name);
}

static int gtype_by_name(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    return strcmp(((const gtype *)a)->name, ((const gtype *)b)->name);
}

/* Group a list's objects by type name, most first. *out is NULL (and *n 0) for none; -1
 * when out of memory. Only C facts: names from facts_type_name, no object kept. */
static int group_by_type(PyObject *list, gtype **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) {
        PyObject *o = PyList_GET_ITEM(list, i);
        size_t k = 0;
        while (k < *n && (*out)[k].type != Py_TYPE(o))
            k++;
        if (k == *n) {
            if (*n == cap) {
                cap = cap ? cap * 2 : 16;
                gtype *g = eww_realloc(*out, cap * sizeof *g);
                if (!g)
                    return -1;
                *out = g;
            }
            memset(&(*out)[k], 0, sizeof **out);
            (*out)[k].type = Py_TYPE(o);
            facts_type_name(Py_TYPE(o), (*out)[k].name, sizeof(*out)[k].name);
            (*n)++;
        }
        gtype *g = &(*out)[k];
        g->n++;
        if (g->nex < 3)
            snprintf(g->ex[g->nex++], sizeof g->ex[0], "0x%lx", (unsigned long)(uintptr_t)o);
    }
    /* Two types of one name (two classes Foo in a module) are one row, as objgraph's. */
    eww_sort(*out, *n, sizeof **out, gtype_by_name, NULL);
    size_t m = 0;
    for (size_t i = 0; i < *n; i++) {
        gtype *g = &(*out)[i];
        if (m && strcmp((*out)[m - 1].name, g->name) == 0) {
            gtype *d = &(*out)[m - 1];
            d->n += g->n;
            for (int e = 0; e < g->nex && d->nex < 3; e++)
                memcpy(d->ex[d->nex++], g->ex[e], sizeof d->ex[0]);
        } else {
            (*out)[m++] = *g;
        }
    }
    *n = m;
    eww_sort(*out, *n, sizeof **out, by_count_desc, NULL);
    return 0;
}

static size_t name_width(const gtype *g, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        w = strlen(g[i].name) > w ? strlen(g[i].name) : w;
    return w;
}

/* The collector's totals since start, from gc.get_stats(). */
static void gc_totals(PyObject *gc, long long *collections, long long *collected)
{
    *collections = *collected = 0;
    PyObject *stats = PyObject_CallMethod(gc, "get_stats", NULL);
    for (Py_ssize_t i = 0; stats && PyList_Check(stats) && i < PyList_GET_SIZE(stats); i++) {
        PyObject *d = PyList_GET_ITEM(stats, i);
        PyObject *a = PyDict_Check(d) ? PyDict_GetItemString(d, "collections") : NULL;
        PyObject *b = PyDict_Check(d) ? PyDict_GetItemString(d, "collected") : NULL;
        *collections += a && PyLong_Check(a) ? PyLong_AsLongLong(a) : 0;
        *collected += b && PyLong_Check(b) ? PyLong_AsLongLong(b) : 0;
    }
    Py_XDECREF(stats);
    PyErr_Clear();
}

/* gc.garbage, then the cyclic garbage not freed yet (found read-only, heap.c), then the
 * collector's totals. With collect, one gc.collect() frees it after the listing. Only C runs
 * before the collection, so that the listing can be made on a snapshot. */
typedef struct garbage_args {
    int collect, json;
} garbage_args;

/* garbage --json: the two lists by type, the collection's result and the totals. */
static int garbage_json(reply *r, const gtype *g, size_t ng, Py_ssize_t nuncollectable,
                        const gtype *c, size_t nc, Py_ssize_t ncyclic, long long freed,
                        long long collections, long long collected)
{
    eww_buf b;
    eww_buf_init(&b, 16u << 20);
    int rc =
        eww_buf_printf(&b, "{\"uncollectable\": %zd, \"uncollectable_types\": [", nuncollectable);
    for (size_t i = 0; i < ng; i++) {
        rc |= eww_buf_puts(&b, i ? ", {\"type\": " : "{\"type\": ");
        rc |= eww_json_str(&b, g[i].name);
        rc |= eww_buf_printf(&b, ", \"count\": %llu}", (unsigned long long)g[i].n);
    }
    rc |= eww_buf_printf(&b, "], \"cyclic_garbage\": %zd, \"cyclic_garbage_types\": [", ncyclic);
    for (size_t i = 0; i < nc; i++) {
        rc |= eww_buf_puts(&b, i ? ", {\"type\": " : "{\"type\": ");
        rc |= eww_json_str(&b, c[i].name);
        rc |=
            eww_buf_printf(&b, ", \"count\": %llu, \"example_ids\": [", (unsigned long long)c[i].n);
        for (int e = 0; e < c[i].nex; e++)
            rc |= eww_buf_printf(&b, "%s\"%s\"", e ? ", " : "", c[i].ex[e]);
        rc |= eww_buf_puts(&b, "]}");
    }
    rc |= eww_buf_puts(&b, "], \"collected_now\": ");
    rc |= freed < 0 ? eww_buf_puts(&b, "null") : eww_buf_printf(&b, "%lld", freed);
    rc |= eww_buf_printf(&b, ", \"collections\": %lld, \"collected\": %lld}\n", collections,
                         collected);
    return reply_buffer(r, &b, rc, "garbage");
}

static int garbage_python(reply *r, void *arg)
{
    const garbage_args *a = arg;
    int collect = a->collect;
    PyObject *gc = PyImport_ImportModule("gc");
    PyObject *uncollectable = gc ? PyObject_GetAttrString(gc, "garbage") : NULL;
    PyObject *found = uncollectable && PyList_Check(uncollectable) ? heap_cyclic_garbage() : NULL;
    gtype *g = NULL, *c = NULL;
    size_t ng = 0, nc = 0;
    if (!found || group_by_type(uncollectable, &g, &ng) < 0 || group_by_type(found, &c, &nc) < 0) {
        eww_free(g);
        eww_free(c);
        Py_XDECREF(found);
        Py_XDECREF(uncollectable);
        Py_XDECREF(gc);
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        return report_walk_error(r, "garbage");
    }
    if (a->json) {
        Py_ssize_t nu = PyList_GET_SIZE(uncollectable), ncy = PyList_GET_SIZE(found);
        Py_DECREF(found); /* before the collection: no reference of ours keeps it */
        Py_DECREF(uncollectable);
        long long freed = -1, collections, collected;
        if (collect) {
            PyObject *res = PyObject_CallMethod(gc, "collect", NULL);
            freed = res && PyLong_Check(res) ? PyLong_AsLongLong(res) : -1LL;
            Py_XDECREF(res);
            PyErr_Clear();
        }
        gc_totals(gc, &collections, &collected);
        Py_DECREF(gc);
        int status = garbage_json(r, g, ng, nu, c, nc, ncy, freed, collections, collected);
        eww_free(g);
        eww_free(c);
        return status;
    }
    if (ng) {
        reply_printf(r, "gc.garbage holds %zd uncollectable objects:\n",
                     PyList_GET_SIZE(uncollectable));
        int w = (int)name_width(g, ng);
        for (size_t i = 0; i < ng; i++)
            reply_printf(r, "  %-*s %9llu\n", w, g[i].name, (unsigned long long)g[i].n);
    } else {
        reply_printf(r, "gc.garbage is empty: nothing is uncollectable. (Since Python 3.4, PEP "
                        "442, objects with __del__\nin reference cycles are collected; they do "
                        "not end up in gc.garbage.)\n");
    }
    reply_printf(r, "\n");
    if (nc) {
        reply_printf(r,
                     "Cyclic garbage the collector has not freed yet (%zd objects; only the cycle "
                     "collector frees them):\n",
                     PyList_GET_SIZE(found));
        int w = (int)name_width(c, nc);
        for (size_t i = 0; i < nc; i++) {
            reply_printf(r, "  %-*s %9llu   e.g. %s", w, c[i].name, (unsigned long long)c[i].n,
                         c[i].ex[0]);
            for (int e = 1; e < c[i].nex; e++)
                reply_printf(r, ", %s", c[i].ex[e]);
            reply_printf(r, "\n");
        }
        if (!collect)
            reply_printf(r, "Nothing was freed: `chain ID` or `backrefs ID` shows a cycle; "
                            "`garbage --collect` frees them.\n");
    } else {
        reply_printf(r, "No cyclic garbage waiting for the collector.\n");
    }
    eww_free(g);
    eww_free(c);
    Py_DECREF(found); /* before the collection: no reference of ours keeps it */
    Py_DECREF(uncollectable);
    if (collect) {
        PyObject *freed = PyObject_CallMethod(gc, "collect", NULL);
        reply_printf(r, "gc.collect() freed %lld objects.\n",
                     freed && PyLong_Check(freed) ? PyLong_AsLongLong(freed) : -1LL);
        Py_XDECREF(freed);
        PyErr_Clear();
    }
    long long collections, collected;
    gc_totals(gc, &collections, &collected);
    reply_printf(r,
                 "\nSince the app started the cycle collector ran %lld times and freed %lld "
                 "objects.\n",
                 collections, collected);
    Py_DECREF(gc);
    return EWW_STATUS_OK;
}

int cmd_garbage(reply *r, int argc, const char **argv)
{
    garbage_args a = {0, 0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--collect") == 0)
            a.collect = 1;
        else if (strcmp(argv[i], "--json") == 0)
            a.json = 1;
        else
            return commands_bad_argument(r, "garbage", argv[i]);
    }
    /* Collecting is for the app itself: --collect runs in it. The listing alone runs on a
     * snapshot. */
    if (a.collect)
        return reply_with_python(r, garbage_python, &a);
    return reply_with_heap(r, "garbage", garbage_python, &a);
}
