/* cmd_stats.c - the `stats` and `memory` commands.
 *
 * `stats` reads the stats store without the GIL. For charts (-g, -p) it sends the points as
 * a DATA frame and the client renders them (SVG written in the client's directory, or
 * braille on its terminal): the app never writes a file.
 *
 * `memory` reads the kernel's and malloc's numbers without the GIL, sends them, and only then
 * takes the GIL for the one number that needs it (sys.getallocatedblocks()).
 */
#include "pycompat.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "buf.h"
#include "chart.h"
#include "commands.h"
#include "fmt.h"
#include "json.h"
#include "memstat.h"
#include "proto.h"
#include "stats.h"
#include "stats_api.h"

/* ---- stats ------------------------------------------------------------------------- */

/* Graphs eww records itself against time: the memory sampler's, and track's. */
static int timed(const char *name)
{
    return strcmp(name, "memory") == 0 || strncmp(name, "track:", 6) == 0;
}

static void value_text(const eww_stat_info *i, char *out, size_t n)
{
    if (i->kind == EWW_STAT_INT)
        snprintf(out, n, "%lld", (long long)i->i);
    else
        eww_fmt_double(out, n, i->f);
}

static int stats_list(reply *r, int json)
{
    eww_stat_info *all;
    size_t n;
    if (eww_stats_list(stats_store(), &all, &n) < 0) {
        reply_error(r, "stats: out of memory");
        return EWW_STATUS_FAILED;
    }
    eww_buf b;
    eww_buf_init(&b, 16u << 20);
    char v[64];
    int rc = 0;
    if (json) {
        rc |= eww_buf_puts(&b, "{\"counters\": {");
        for (size_t i = 0, k = 0; i < n; i++) {
            if (all[i].kind == EWW_STAT_GRAPH)
                continue;
            value_text(&all[i], v, sizeof v);
            rc |= eww_buf_puts(&b, k++ ? ", " : "");
            rc |= eww_json_str(&b, all[i].name);
            rc |= eww_buf_printf(&b, ": %s", v);
        }
        rc |= eww_buf_puts(&b, "}, \"graphs\": {");
        for (size_t i = 0, k = 0; i < n; i++) {
            if (all[i].kind != EWW_STAT_GRAPH)
                continue;
            rc |= eww_buf_puts(&b, k++ ? ", " : "");
            rc |= eww_json_str(&b, all[i].name);
            rc |= eww_buf_printf(&b, ": {\"points\": %zu, \"dropped\": %llu}", all[i].points,
                                 (unsigned long long)all[i].dropped);
        }
        rc |= eww_buf_printf(&b, "}, \"max_datapoints\": %zu}\n",
                             eww_stats_max_points(stats_store()));
    } else {
        int any = 0;
        rc |= eww_buf_puts(&b, "Counters:\n");
        for (size_t i = 0; i < n; i++) {
            if (all[i].kind == EWW_STAT_GRAPH)
                continue;
            value_text(&all[i], v, sizeof v);
            rc |= eww_buf_printf(&b, "  %s:%s\n", all[i].name, v);
            any = 1;
        }
        rc |= any ? 0 : eww_buf_puts(&b, "  (none yet: eww.incr(name), eww.put(name, value))\n");
        any = 0;
        rc |= eww_buf_puts(&b, "Graphs:\n");
        for (size_t i = 0; i < n; i++) {
            if (all[i].kind != EWW_STAT_GRAPH)
                continue;
            rc |= eww_buf_printf(&b, "  %s:%zu", all[i].name, all[i].points);
            if (all[i].dropped)
                rc |= eww_buf_printf(&b, " (%llu older points dropped)",
                                     (unsigned long long)all[i].dropped);
            rc |= eww_buf_putc(&b, '\n');
            any = 1;
        }
        rc |= any ? 0 : eww_buf_puts(&b, "  (none yet: eww.graph(name, (x, y)))\n");
    }
    eww_free(all);
    return reply_buffer(r, &b, rc, "stats");
}

/* Look a name up; errors are reported. */
static int find_stat(reply *r, const char *name, eww_stat_info *info)
{
    if (eww_stats_info(stats_store(), name, strlen(name), info) < 0) {
        reply_error(r, "stats: no stat named '%s' (type 'stats' to list them)", name);
        return -1;
    }
    return 0;
}

/* A graph's points (malloc'd: the caller frees them). 0, or -1 after saying so. */
static int graph_series(reply *r, const char *name, eww_point **pts, size_t *n, uint64_t *dropped)
{
    if (eww_stats_series(stats_store(), name, strlen(name), pts, n, dropped) < 0) {
        reply_error(r, "stats: out of memory");
        return -1;
    }
    return 0;
}

static int stats_one(reply *r, const char *name, int json)
{
    eww_stat_info info;
    if (find_stat(r, name, &info) < 0)
        return EWW_STATUS_FAILED;
    char v[64], x[64];
    eww_buf b;
    eww_buf_init(&b, 64u << 20);
    int rc = 0;
    if (info.kind != EWW_STAT_GRAPH) {
        value_text(&info, v, sizeof v);
        if (json) {
            rc |= eww_buf_puts(&b, "{\"name\": ");
            rc |= eww_json_str(&b, name);
            rc |= eww_buf_printf(&b, ", \"kind\": \"counter\", \"value\": %s}\n", v);
        } else {
            rc |= eww_buf_printf(&b, "%s:%s\n", name, v);
        }
    } else {
        eww_point *pts;
        size_t n;
        uint64_t dropped;
        if (graph_series(r, name, &pts, &n, &dropped) < 0)
            return EWW_STATUS_FAILED;
        if (json) {
            rc |= eww_buf_puts(&b, "{\"name\": ");
            rc |= eww_json_str(&b, name);
            rc |= eww_buf_printf(&b, ", \"kind\": \"graph\", \"dropped\": %llu, \"points\": [",
                                 (unsigned long long)dropped);
        } else {
            rc |= eww_buf_printf(&b, "# %s: %zu points", name, n);
            rc |= dropped ? eww_buf_printf(&b, " (%llu older points dropped)",
                                           (unsigned long long)dropped)
                          : 0;
            rc |= eww_buf_puts(&b, "\n# x y\n");
        }
        for (size_t i = 0; i < n; i++) {
            eww_fmt_double(x, sizeof x, pts[i].x);
            eww_fmt_double(v, sizeof v, pts[i].y);
            rc |= json ? eww_buf_printf(&b, "%s[%s, %s]", i ? ", " : "", x, v)
                       : eww_buf_printf(&b, "%s %s\n", x, v);
        }
        rc |= json ? eww_buf_puts(&b, "]}\n") : 0;
        eww_free(pts);
    }
    return reply_buffer(r, &b, rc, "stats");
}

/* The chart's file name: -f FILE or the graph's name, made plain; ".svg" is added unless it
 * is there. Errors are reported. */
static int chart_file(reply *r, const char *file, const char *name, char *out, size_t outlen)
{
    if (commands_file_name(r, "stats", file, name, out, outlen - 4) < 0)
        return -1;
    size_t n = strlen(out);
    if (!(n > 4 && strcasecmp(out + n - 4, ".svg") == 0))
        snprintf(out + n, outlen - n, ".svg");
    return 0;
}

/* -g / -p: send the points; the client renders them. */
static int stats_chart(reply *r, const char *name, const char *file, const char *title,
                       const char *xlabel, const char *ylabel, int terminal)
{
    eww_stat_info info;
    if (find_stat(r, name, &info) < 0)
        return EWW_STATUS_FAILED;
    if (info.kind != EWW_STAT_GRAPH) {
        reply_error(r, "stats: '%s' is a counter; only graphs can be charted", name);
        return EWW_STATUS_FAILED;
    }
    char fname[256] = "";
    if (!terminal && chart_file(r, file, name, fname, sizeof fname) < 0)
        return EWW_STATUS_FAILED;
    eww_point *pts;
    size_t n;
    uint64_t dropped;
    if (graph_series(r, name, &pts, &n, &dropped) < 0)
        return EWW_STATUS_FAILED;
    eww_buf b;
    eww_buf_init(&b, 128u << 20);
    int rc = eww_chart_data_encode(&b, terminal ? "terminal" : "svg", terminal ? NULL : fname, name,
                                   title ? title : name,
                                   xlabel        ? xlabel
                                   : timed(name) ? "seconds"
                                                 : "x",
                                   ylabel, eww_chart_is_bytes(name), dropped, pts, n);
    eww_free(pts);
    if (rc != 0) {
        eww_buf_free(&b);
        reply_error(r, "stats: out of memory");
        return EWW_STATUS_FAILED;
    }
    reply_data(r, b.data, b.len);
    eww_buf_free(&b);
    return EWW_STATUS_OK;
}

int cmd_stats(reply *r, int argc, const char **argv)
{
    const char *graph = NULL, *plot = NULL, *file = NULL, *title = NULL, *name = NULL;
    const char *xlabel = NULL, *ylabel = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (!strcmp(a, "-g") || !strcmp(a, "--graph"))
            slot = &graph;
        else if (!strcmp(a, "-p") || !strcmp(a, "--plot"))
            slot = &plot;
        else if (!strcmp(a, "-f") || !strcmp(a, "--file"))
            slot = &file;
        else if (!strcmp(a, "-t") || !strcmp(a, "--title"))
            slot = &title;
        else if (!strcmp(a, "-x") || !strcmp(a, "--xlabel"))
            slot = &xlabel;
        else if (!strcmp(a, "-y") || !strcmp(a, "--ylabel"))
            slot = &ylabel;
        else if (!strcmp(a, "--json"))
            json = 1;
        else if (a[0] == '-' && a[1])
            return commands_bad_argument(r, "stats", a);
        else if (!name)
            name = a;
        else
            return commands_usage_error(r, "stats", "unexpected argument", a);
        if (slot) {
            if (i + 1 >= argc)
                return commands_usage_error(r, "stats", "missing value after", a);
            *slot = argv[++i];
        }
    }
    if (graph && plot)
        return commands_usage_error(r, "stats", "choose one of -g and -p, not both:", "-p");
    if ((graph || plot) && (name || json))
        return commands_usage_error(
            r, "stats", "a chart takes no other name or --json:", name ? name : "--json");
    if (file && !graph)
        return commands_usage_error(r, "stats", "-f goes with -g:", file);
    if (title && !graph && !plot)
        return commands_usage_error(r, "stats", "-t goes with -g or -p:", title);
    if ((xlabel || ylabel) && !graph && !plot)
        return commands_usage_error(r, "stats",
                                    "-x and -y go with -g or -p:", xlabel ? xlabel : ylabel);
    if (graph || plot)
        return stats_chart(r, graph ? graph : plot, file, title, xlabel, ylabel, plot != NULL);
    return name ? stats_one(r, name, json) : stats_list(r, json);
}

/* ---- memory ------------------------------------------------------------------------ */

static void row(eww_buf *b, const char *label, long long bytes, const char *note)
{
    char v[32];
    eww_fmt_bytes(v, sizeof v, bytes);
    eww_buf_printf(b, "  %-18s %12s   %s\n", label, bytes < 0 ? "n/a" : v, note);
}

typedef struct memory_args {
    int json;
} memory_args;

/* The part that needs the GIL: sys.getallocatedblocks(). */
static int memory_python(reply *r, void *arg)
{
    memory_args *m = arg;
    long long blocks = -1;
    PyObject *v = PySys_GetObject("getallocatedblocks"); /* borrowed */
    PyObject *res = v ? PyObject_CallNoArgs(v) : NULL;
    if (res)
        blocks = PyLong_AsLongLong(res);
    Py_XDECREF(res);
    if (blocks == -1)
        PyErr_Clear();
    if (m->json)
        reply_printf(r, ", \"allocated_blocks\": %lld}\n", blocks);
    else
        reply_printf(r, "  %-18s %12lld   %s\n", "allocated blocks", blocks,
                     blocks == 0 ? "pymalloc is not in use (PYTHONMALLOC=malloc?)"
                                 : "objects and other blocks Python has allocated");
    return EWW_STATUS_OK;
}

int cmd_memory(reply *r, int argc, const char **argv)
{
    memory_args m = {0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            m.json = 1;
        else
            return commands_bad_argument(r, "memory", argv[i]);
    }
    eww_memstat ms;
    eww_memstat_read(&ms);
    long long arenas, arena_bytes;
    stats_arenas(&arenas, &arena_bytes);
    eww_buf b;
    eww_buf_init(&b, 64 * 1024);
    if (m.json) {
        eww_buf_printf(&b,
                       "{\"rss_bytes\": %lld, \"peak_rss_bytes\": %lld, \"uss_bytes\": %lld, "
                       "\"pss_bytes\": %lld, \"swap_bytes\": %lld, \"malloc\": {\"heap_bytes\": "
                       "%lld, \"in_use_bytes\": %lld, \"free_bytes\": %lld, \"mmap_bytes\": "
                       "%lld, \"trimmable_bytes\": %lld}, "
                       "\"pymalloc_arenas\": %lld, \"pymalloc_arena_bytes\": %lld",
                       ms.rss, ms.peak_rss, ms.uss, ms.pss, ms.swap, ms.malloc_heap,
                       ms.malloc_in_use, ms.malloc_free, ms.malloc_mmap, ms.malloc_trimmable,
                       arenas, arena_bytes);
    } else {
        eww_buf_puts(&b, "Process (kernel)\n");
        row(&b, "RSS now", ms.rss, "resident memory right now");
        row(&b, "RSS peak", ms.peak_rss, "the most it has ever been");
        row(&b, "USS", ms.uss, "resident and not shared: freed if the process ended");
        row(&b, "PSS", ms.pss, "its share of resident memory, counting shared pages");
        row(&b, "swap", ms.swap, "swapped out");
        eww_buf_puts(&b, "C heap (glibc malloc)\n");
        row(&b, "in use", ms.malloc_in_use, "handed out by malloc (objects live here)");
        row(&b, "free, kept", ms.malloc_free, "freed but kept by malloc: fragmentation if large");
        row(&b, "mmap'd chunks", ms.malloc_mmap, "large blocks, returned to the system on free");
        row(&b, "trimmable", ms.malloc_trimmable, "malloc could give this back now");
        char v[32];
        eww_fmt_bytes(v, sizeof v, arena_bytes);
        eww_buf_puts(&b, "Python heap\n");
        eww_buf_printf(&b, "  %-18s %12lld   %s in arenas allocated since eww was imported\n",
                       "pymalloc arenas", arenas, v);
    }
    if (b.data == NULL) {
        reply_error(r, "memory: out of memory");
        return EWW_STATUS_FAILED;
    }
    reply_write(r, b.data, b.len);
    eww_buf_free(&b);
    int status = reply_with_python(r, memory_python, &m);
    if (status == EWW_STATUS_OK && !m.json)
        reply_printf(r, "\nA leak of live objects makes 'allocated blocks' and 'in use' grow; "
                        "fragmentation makes\n'free, kept' grow while they do not. Watch them "
                        "over time: stats -p memory\n(with eww.embed(sample_memory=SECONDS)).\n");
    return status;
}
