/* svg.c - a line chart as a self-contained SVG 1.1 document; see chart.h.
 *
 * Layout (pixels): 800 x 450; the plot spans x 92..770, y 50..390; title above, x labels
 * and axis name below, y labels and axis name on the left, a footnote with the number of
 * points bottom right. Only generic font families, no external resources, no scripts, so it
 * renders the same in browsers and in rsvg-convert.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "mem.h"
#include "error.h"

#define X0 92.0
#define X1 770.0
#define Y0 50.0
#define Y1 390.0

static double sx(const eww_axis *a, double x)
{
    return X0 + (x - a->lo) / (a->hi - a->lo) * (X1 - X0);
}
static double sy(const eww_axis *a, double y)
{
    return Y1 - (y - a->lo) / (a->hi - a->lo) * (Y1 - Y0);
}

/* Data bounds; [0, 1] when there are no points. */
static int bounds(const eww_chart *c, double *x0, double *x1, double *y0, double *y1)
{
    *x0 = *y0 = INFINITY;
    *x1 = *y1 = -INFINITY;
    for (size_t i = 0; i < c->n; i++) {
        if (!isfinite(c->pts[i].x) || !isfinite(c->pts[i].y))
            return EWW_EINVAL;
        *x0 = fmin(*x0, c->pts[i].x);
        *x1 = fmax(*x1, c->pts[i].x);
        *y0 = fmin(*y0, c->pts[i].y);
        *y1 = fmax(*y1, c->pts[i].y);
    }
    if (c->n == 0) {
        *x0 = *y0 = 0;
        *x1 = *y1 = 1;
    }
    return 0;
}

static int text(eww_buf *b, double x, double y, const char *anchor, const char *extra,
                const char *s)
{
    int rc =
        eww_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>", x, y, anchor, extra);
    if (rc == 0)
        rc = eww_xml_escape(b, s);
    if (rc == 0)
        rc = eww_buf_puts(b, "</text>\n");
    return rc;
}

int eww_chart_svg(eww_buf *b, const eww_chart *c)
{
    double x0, x1, y0, y1;
    if (bounds(c, &x0, &x1, &y0, &y1) < 0)
        return EWW_EINVAL;
    eww_axis ax, ay;
    if (eww_axis_nice(x0, x1, 8, 0, &ax) < 0 || eww_axis_nice(y0, y1, 6, c->bytes, &ay) < 0)
        return EWW_EINVAL;
    const char *title = c->title ? c->title : "";
    int rc =
        eww_buf_printf(b,
                       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
                       "height=\"%d\" viewBox=\"0 0 %d %d\">\n<title>",
                       EWW_SVG_WIDTH, EWW_SVG_HEIGHT, EWW_SVG_WIDTH, EWW_SVG_HEIGHT);
    rc = rc ? rc : eww_xml_escape(b, title);
    rc = rc ? rc
            : eww_buf_printf(b,
                             "</title>\n<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n"
                             "<g font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" "
                             "fill=\"#222222\">\n",
                             EWW_SVG_WIDTH, EWW_SVG_HEIGHT);
    rc = rc ? rc
            : text(b, EWW_SVG_WIDTH / 2.0, 30, "middle", " font-size=\"18\" font-weight=\"bold\"",
                   title);

    /* Grid, ticks and labels. */
    char label[64];
    rc = rc ? rc : eww_buf_puts(b, "<g stroke=\"#e6e6e6\" stroke-width=\"1\">\n");
    for (int i = 0; rc == 0 && i < ay.n; i++)
        rc = eww_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", X0,
                            sy(&ay, ay.ticks[i]), X1, sy(&ay, ay.ticks[i]));
    for (int i = 0; rc == 0 && i < ax.n; i++)
        rc = eww_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                            sx(&ax, ax.ticks[i]), Y0, sx(&ax, ax.ticks[i]), Y1);
    rc = rc ? rc : eww_buf_puts(b, "</g>\n<g font-size=\"12\">\n");
    for (int i = 0; rc == 0 && i < ay.n; i++) {
        eww_axis_format(&ay, ay.ticks[i], label, sizeof label);
        rc = text(b, X0 - 8, sy(&ay, ay.ticks[i]) + 4, "end", "", label);
    }
    for (int i = 0; rc == 0 && i < ax.n; i++) {
        eww_axis_format(&ax, ax.ticks[i], label, sizeof label);
        rc = text(b, sx(&ax, ax.ticks[i]), Y1 + 18, "middle", "", label);
    }
    rc = rc ? rc : eww_buf_puts(b, "</g>\n");

    /* Axes and their names. */
    rc = rc ? rc
            : eww_buf_printf(b,
                             "<path d=\"M%.1f %.1fV%.1fH%.1f\" fill=\"none\" stroke=\"#444444\" "
                             "stroke-width=\"1\"/>\n",
                             X0, Y0, Y1, X1);
    /* The y title: the one asked for, else the unit the tick labels use ("MiB"). */
    char unit[16];
    snprintf(unit, sizeof unit, "%s", ay.suffix ? ay.suffix + strspn(ay.suffix, " ") : "");
    const char *ylabel = c->ylabel && *c->ylabel ? c->ylabel
                         : c->bytes              ? (!unit[0] || !strcmp(unit, "B") ? "bytes" : unit)
                                                 : "y";
    rc = rc ? rc
            : text(b, (X0 + X1) / 2, Y1 + 42, "middle", " font-size=\"13\"",
                   c->xlabel ? c->xlabel : "x");
    rc = rc ? rc
            : eww_buf_printf(b,
                             "<text x=\"0\" y=\"0\" text-anchor=\"middle\" font-size=\"13\" "
                             "transform=\"translate(16 %.1f) rotate(-90)\">",
                             (Y0 + Y1) / 2);
    rc = rc ? rc : eww_xml_escape(b, ylabel);
    rc = rc ? rc : eww_buf_puts(b, "</text>\n");

    /* The line, downsampled to the plot's width in pixels. */
    eww_point *pts = NULL;
    size_t n = c->n;
    if (rc == 0 && n > EWW_SVG_PLOT_WIDTH) {
        pts = eww_malloc(EWW_SVG_PLOT_WIDTH * sizeof *pts);
        if (!pts)
            rc = EWW_ENOMEM;
        else
            n = eww_lttb(c->pts, c->n, pts, EWW_SVG_PLOT_WIDTH);
    }
    const eww_point *p = pts ? pts : c->pts;
    if (rc == 0 && n > 0) {
        rc = eww_buf_puts(b, "<polyline fill=\"none\" stroke=\"#1f6fb4\" stroke-width=\"2\" "
                             "stroke-linejoin=\"round\" stroke-linecap=\"round\" points=\"");
        for (size_t i = 0; rc == 0 && i < n; i++)
            rc = eww_buf_printf(b, "%s%.1f,%.1f", i ? " " : "", sx(&ax, p[i].x), sy(&ay, p[i].y));
        rc = rc ? rc : eww_buf_puts(b, "\"/>\n");
        if (rc == 0 && n == 1)
            rc = eww_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#1f6fb4\"/>\n",
                                sx(&ax, p[0].x), sy(&ay, p[0].y));
    }
    eww_free(pts);

    /* Footnote: how many points, and what the ring dropped. */
    char note[160];
    eww_chart_note(c, note, sizeof note);
    rc = rc ? rc
            : text(b, X1, EWW_SVG_HEIGHT - 10, "end", " font-size=\"11\" fill=\"#777777\"", note);
    rc = rc ? rc : eww_buf_puts(b, "</g>\n</svg>\n");
    return rc;
}
