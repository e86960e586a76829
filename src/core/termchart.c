/* termchart.c - a line chart drawn with Unicode braille for a terminal; see chart.h.
 *
 * Each character cell holds 2 x 4 dots (U+2800 + bit pattern), so a chart of C x R cells
 * plots 2C x 4R points. The series is downsampled to the dot width, consecutive points are
 * joined with Bresenham lines; y labels on the left, x labels below, title on top.
 */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "mem.h"
#include "error.h"

/* Bit of the dot at (dx, dy) inside a braille cell. */
static const uint8_t dot_bit[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};

typedef struct canvas {
    int w, h; /* in dots */
    int cols;
    uint8_t *cells;
} canvas;

static void plot(canvas *cv, int x, int y)
{
    if (x < 0 || y < 0 || x >= cv->w || y >= cv->h)
        return;
    cv->cells[(y / 4) * cv->cols + x / 2] |= dot_bit[y % 4][x % 2];
}

static void line(canvas *cv, int x0, int y0, int x1, int y1)
{
    int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
    int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    for (;;) {
        plot(cv, x0, y0);
        if (x0 == x1 && y0 == y1)
            return;
        int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

static int put_braille(eww_buf *b, uint8_t bits)
{
    if (!bits)
        return eww_buf_putc(b, ' ');
    unsigned cp = 0x2800u + bits;
    char u[3] = {(char)(0xE0 | (cp >> 12)), (char)(0x80 | ((cp >> 6) & 0x3F)),
                 (char)(0x80 | (cp & 0x3F))};
    return eww_buf_append(b, u, 3);
}

static int repeat(eww_buf *b, const char *s, int n)
{
    int rc = 0;
    for (int i = 0; rc == 0 && i < n; i++)
        rc = eww_buf_puts(b, s);
    return rc;
}

int eww_chart_term(eww_buf *b, const eww_chart *c, int cols, int rows)
{
    if (cols < 30)
        cols = 30;
    if (rows < 8)
        rows = 8;
    double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
    for (size_t i = 0; i < c->n; i++) {
        if (!isfinite(c->pts[i].x) || !isfinite(c->pts[i].y))
            return EWW_EINVAL;
        x0 = i ? fmin(x0, c->pts[i].x) : c->pts[i].x;
        x1 = i ? fmax(x1, c->pts[i].x) : c->pts[i].x;
        y0 = i ? fmin(y0, c->pts[i].y) : c->pts[i].y;
        y1 = i ? fmax(y1, c->pts[i].y) : c->pts[i].y;
    }
    int pr = rows - 3;
    eww_axis ax, ay;
    if (eww_axis_nice(y0, y1, pr / 3 < 3 ? 3 : pr / 3 > 6 ? 6 : pr / 3, c->bytes, &ay) < 0)
        return EWW_EINVAL;
    char label[64];
    int lw = 1;
    for (int i = 0; i < ay.n; i++) {
        eww_axis_format(&ay, ay.ticks[i], label, sizeof label);
        int len = (int)strlen(label);
        lw = len > lw ? len : lw;
    }
    int pc = cols - lw - 2;
    if (pc < 16) /* labels wider than the window (found by fuzz_chart): a wider chart */
        pc = 16;
    if (eww_axis_nice(x0, x1, pc / 8 < 2 ? 2 : pc / 8, 0, &ax) < 0)
        return EWW_EINVAL;

    canvas cv = {.w = 2 * pc, .h = 4 * pr, .cols = pc, .cells = eww_calloc((size_t)(pc * pr), 1)};
    eww_point *pts = NULL;
    size_t n = c->n;
    if (cv.cells && n > (size_t)cv.w) {
        pts = eww_malloc((size_t)cv.w * sizeof *pts);
        if (pts)
            n = eww_lttb(c->pts, c->n, pts, (size_t)cv.w);
    }
    if (!cv.cells || (c->n > (size_t)cv.w && !pts)) {
        eww_free(cv.cells);
        eww_free(pts);
        return EWW_ENOMEM;
    }
    const eww_point *p = pts ? pts : c->pts;
    int px = 0, py = 0;
    for (size_t i = 0; i < n; i++) {
        int x = (int)lround((p[i].x - ax.lo) / (ax.hi - ax.lo) * (cv.w - 1));
        int y = (int)lround((ay.hi - p[i].y) / (ay.hi - ay.lo) * (cv.h - 1));
        if (i)
            line(&cv, px, py, x, y);
        else
            plot(&cv, x, y);
        px = x;
        py = y;
    }
    eww_free(pts);

    /* Where the x labels go (skipping labels that would overlap). */
    int tickcol[EWW_AXIS_MAX_TICKS], labelat[EWW_AXIS_MAX_TICKS];
    int at = 0; /* columns the label line takes */
    for (int i = 0; i < ax.n; i++) {
        tickcol[i] = (int)lround((ax.ticks[i] - ax.lo) / (ax.hi - ax.lo) * (cv.w - 1)) / 2;
        eww_axis_format(&ax, ax.ticks[i], label, sizeof label);
        int len = (int)strlen(label);
        int start = lw + 2 + tickcol[i] - len / 2;
        if (start + len > cols)
            start = cols - len; /* the last label ends at the right edge */
        labelat[i] = start < at + (at ? 1 : 0) ? -1 : start;
        if (labelat[i] >= 0)
            at = start + len;
    }
    const char *xlabel = c->xlabel && *c->xlabel ? c->xlabel : NULL;

    /* Title, centred, with the number of points and the axes' titles (the tick labels carry
     * their unit; the last x label ends at the right edge, leaving no room for one there). */
    char note[96], head[1024];
    eww_chart_note(c, note, sizeof note);
    const char *title = c->title ? c->title : "";
    const char *ylabel = c->ylabel && *c->ylabel ? c->ylabel : NULL;
    int hx = xlabel && strcmp(xlabel, "x") != 0; /* "x": no title given */
    char axes[300] = "";
    if (ylabel)
        snprintf(axes, sizeof axes, "y: %.120s", ylabel);
    if (hx)
        snprintf(axes + strlen(axes), sizeof axes - strlen(axes), "%sx: %.120s", ylabel ? ", " : "",
                 xlabel);
    snprintf(head, sizeof head, "%.600s  (%s%s%s)", title, axes, *axes ? "; " : "", note);
    int tlen = (int)strlen(head);
    int rc = repeat(b, " ", (cols - tlen) / 2 > 0 ? (cols - tlen) / 2 : 0);
    rc = rc ? rc : eww_buf_printf(b, "%s\n", head);

    /* Rows of the plot, with y labels at the rows of their ticks. */
    for (int r = 0; rc == 0 && r < pr; r++) {
        const char *mark = "│";
        label[0] = '\0';
        for (int i = 0; i < ay.n; i++) {
            int tr = (int)lround((ay.hi - ay.ticks[i]) / (ay.hi - ay.lo) * (cv.h - 1)) / 4;
            if (tr == r) {
                eww_axis_format(&ay, ay.ticks[i], label, sizeof label);
                mark = "┤";
            }
        }
        rc = eww_buf_printf(b, "%*s %s", lw, label, mark);
        for (int col = 0; rc == 0 && col < pc; col++)
            rc = put_braille(b, cv.cells[r * pc + col]);
        rc = rc ? rc : eww_buf_putc(b, '\n');
    }

    /* The x axis, its tick marks and labels. */
    rc = rc ? rc : eww_buf_printf(b, "%*s └", lw, "");
    for (int col = 0; rc == 0 && col < pc; col++) {
        int tick = 0;
        for (int i = 0; i < ax.n; i++)
            tick |= tickcol[i] == col;
        rc = eww_buf_puts(b, tick ? "┬" : "─");
    }
    rc = rc ? rc : eww_buf_putc(b, '\n');
    at = 0;
    for (int i = 0; rc == 0 && i < ax.n; i++) {
        if (labelat[i] < 0)
            continue;
        eww_axis_format(&ax, ax.ticks[i], label, sizeof label);
        rc = repeat(b, " ", labelat[i] - at);
        rc = rc ? rc : eww_buf_puts(b, label);
        at = labelat[i] + (int)strlen(label);
    }
    rc = rc ? rc : eww_buf_putc(b, '\n');
    eww_free(cv.cells);
    return rc;
}
