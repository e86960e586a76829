/* chart.h - line charts of one series: axes, downsampling, SVG and terminal renderers.
 *
 * Shared by the client (which renders what `stats -g` / `stats -p` receive) and testable on
 * its own. Axes get round-number ticks (1, 2, 5 x 10^k; for byte counts the same in KiB,
 * MiB, GiB...), labels with SI suffixes (n, u, m, k, M, G, T) or binary units. Series with
 * more points than the chart has pixels (or braille dots) are downsampled with
 * largest-triangle-three-buckets, which keeps peaks and the overall shape.
 *
 *     eww_chart c = {.title = "Memory Usage", .pts = pts, .n = n, .bytes = 1};
 *     eww_buf b; eww_buf_init(&b, 1 << 24);
 *     if (eww_chart_svg(&b, &c) == 0) write(fd, b.data, b.len);
 */
#ifndef EWW_CHART_H
#define EWW_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "stats.h"

#define EWW_AXIS_MAX_TICKS 32

typedef struct eww_axis {
    double lo, hi; /* the drawn range: round numbers covering the data */
    double step;
    int n; /* number of ticks, lo + i * step */
    double ticks[EWW_AXIS_MAX_TICKS];
    double unit;        /* labels show v / unit */
    const char *suffix; /* and this after the number: "k", " MiB", "" */
    int decimals;
} eww_axis;

/* Axis for data in [min, max] with about `target` ticks (2..20). EWW_EINVAL for NaN or
 * infinite bounds. A zero-width range is widened around its value. */
int eww_axis_nice(double min, double max, int target, int bytes, eww_axis *out);
void eww_axis_format(const eww_axis *a, double v, char *out, size_t outlen);

/* Largest-triangle-three-buckets: at most `threshold` points (>= 3) of in, always keeping
 * the first and the last. Returns how many were written to out (which holds threshold). */
size_t eww_lttb(const eww_point *in, size_t n, eww_point *out, size_t threshold);

/* True when a graph of this name holds byte counts (its name mentions memory, rss, heap or
 * bytes): its y axis is then labelled in B/KiB/MiB/GiB. */
int eww_chart_is_bytes(const char *name);

typedef struct eww_chart {
    const char *title;
    const char *xlabel; /* NULL: "x" */
    const char *ylabel; /* NULL or "": the ticks' unit for bytes ("MiB"), else "y" */
    const eww_point *pts;
    size_t n;
    uint64_t dropped; /* points the ring had already dropped (shown in a footnote) */
    int bytes;
} eww_chart;

#define EWW_SVG_WIDTH      800
#define EWW_SVG_HEIGHT     450
#define EWW_SVG_PLOT_WIDTH 678 /* pixels across the plot: more points are downsampled */

/* SVG 1.1, self-contained (no external fonts, images or scripts). EWW_EINVAL when a point is
 * not finite. */
int eww_chart_svg(eww_buf *out, const eww_chart *c);

/* The chart in Unicode braille for a terminal of cols x rows (at least 30 x 8), UTF-8. */
int eww_chart_term(eww_buf *out, const eww_chart *c, int cols, int rows);

/* A chart as it travels in a DATA payload (docs/protocol.md): key=value lines, an empty line,
 * then "x y" lines. */
typedef struct eww_chart_data {
    char kind[16];  /* "svg" or "terminal" */
    char file[256]; /* svg: the file name to write ("" when absent) */
    char title[512];
    char xlabel[128];
    char ylabel[128]; /* "" when absent: the chart's default */
    eww_chart chart;  /* points in chart.pts (malloc'd), title/labels point into this struct */
} eww_chart_data;

/* Encode a chart payload into out. */
int eww_chart_data_encode(eww_buf *out, const char *kind, const char *file, const char *name,
                          const char *title, const char *xlabel, const char *ylabel, int bytes,
                          uint64_t dropped, const eww_point *pts, size_t n);
/* Parse one; EWW_EPROTO when malformed (missing keys, a bad or non-finite number, a point
 * count that does not match), EWW_E2BIG past EWW_STATS_POINTS_LIMIT points. Free with
 * eww_chart_data_free. */
int eww_chart_data_parse(const char *data, size_t n, eww_chart_data *out);
void eww_chart_data_free(eww_chart_data *d);

/* The chart's footnote: "500 points", "500 points, the 1500 oldest dropped" or "no data
 * points yet". */
void eww_chart_note(const eww_chart *c, char *out, size_t outlen);

/* Append text with the XML special characters escaped (& < > " '). */
int eww_xml_escape(eww_buf *out, const char *s);

#endif
