/* chart.c - axes with round-number ticks, labels, and LTTB downsampling; see chart.h.
 * The renderers are svg.c and termchart.c.
 */
#include "chart.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "error.h"
#include "fmt.h"
#include "proto.h"

/* The smallest of 1, 2, 2.5, 5 x 10^k that is >= x (x > 0). */
static double nice_step(double x)
{
    double p = pow(10, floor(log10(x)));
    double m = x / p;
    double f = m <= 1.0000001   ? 1
               : m <= 2.0000001 ? 2
               : m <= 2.5000001 ? 2.5
               : m <= 5.0000001 ? 5
                                : 10;
    return f * p;
}

int eww_axis_nice(double min, double max, int target, int bytes, eww_axis *a)
{
    if (!isfinite(min) || !isfinite(max) || min > max || !isfinite(max - min))
        return EWW_EINVAL;
    if (target < 2)
        target = 2;
    if (target > 20)
        target = 20;
    if (max - min <= fabs(max) * 1e-12) {
        /* One value (or one point): show it in the middle of a small range. */
        double pad = fabs(max) > 0 ? fabs(max) * 0.1 : 1;
        min -= pad;
        max += pad;
        if (bytes && min < 0 && max - 2 * pad >= 0)
            min = 0;
    }
    double mag = fmax(fabs(min), fabs(max));
    a->unit = 1;
    a->suffix = "";
    if (bytes) {
        static const char *const units[] = {" B", " KiB", " MiB", " GiB", " TiB", " PiB"};
        int p = 0;
        while (p < 5 && mag >= pow(1024, p + 1))
            p++;
        a->unit = pow(1024, p);
        a->suffix = units[p];
    } else if (mag >= 1e3 || (mag < 1 && mag > 0)) {
        static const char *const si[] = {"p", "n", "u", "m", "", "k", "M", "G", "T", "P"};
        int p = (int)floor(log10(mag) / 3);
        if (p < -4)
            p = -4;
        if (p > 5)
            p = 5;
        a->unit = pow(1000, p);
        a->suffix = si[p + 4];
    }
    /* Round steps in the label's unit, so that "20 MiB" steps stay round in MiB. */
    double step = nice_step((max - min) / a->unit / (target - 1)) * a->unit;
    a->step = step;
    a->lo = floor(min / step + 1e-9) * step;
    a->hi = ceil(max / step - 1e-9) * step;
    if (a->hi <= a->lo)
        a->hi = a->lo + step;
    a->n = (int)llround((a->hi - a->lo) / step) + 1;
    if (a->n > EWW_AXIS_MAX_TICKS)
        a->n = EWW_AXIS_MAX_TICKS;
    for (int i = 0; i < a->n; i++) {
        double t = a->lo + i * step;
        a->ticks[i] = fabs(t) < step * 1e-9 ? 0 : t;
    }
    /* As many decimals as the step has: 2.5 needs one, 0.25 two, 20 none. */
    double s = step / a->unit;
    for (a->decimals = 0; a->decimals < 9; a->decimals++) {
        double scaled = s * pow(10, a->decimals);
        if (fabs(scaled - round(scaled)) < 1e-6 * fmax(1, scaled))
            break;
    }
    return 0;
}

void eww_axis_format(const eww_axis *a, double v, char *out, size_t outlen)
{
    double x = v / a->unit;
    if (fabs(x) < 0.5 * pow(10, -a->decimals)) {
        snprintf(out, outlen, "0"); /* zero needs no unit (and never "-0") */
        return;
    }
    snprintf(out, outlen, "%.*f%s", a->decimals, x, a->suffix);
}

size_t eww_lttb(const eww_point *in, size_t n, eww_point *out, size_t threshold)
{
    if (threshold < 3)
        threshold = 3;
    if (n <= threshold) {
        memcpy(out, in, n * sizeof *in);
        return n;
    }
    size_t k = 0;
    out[k++] = in[0];
    double every = (double)(n - 2) / (double)(threshold - 2);
    size_t a = 0;
    for (size_t i = 0; i < threshold - 2; i++) {
        /* The average of the next bucket is the third corner of the triangles. */
        size_t nb = (size_t)((double)(i + 1) * every) + 1;
        size_t ne = (size_t)((double)(i + 2) * every) + 1;
        if (ne > n)
            ne = n;
        double ax = 0, ay = 0;
        for (size_t j = nb; j < ne; j++) {
            ax += in[j].x;
            ay += in[j].y;
        }
        double cnt = (double)(ne > nb ? ne - nb : 1);
        ax /= cnt;
        ay /= cnt;
        size_t b = (size_t)((double)i * every) + 1;
        size_t e = (size_t)((double)(i + 1) * every) + 1;
        double best = -1;
        size_t pick = b;
        for (size_t j = b; j < e && j < n - 1; j++) {
            double area =
                fabs((in[a].x - ax) * (in[j].y - in[a].y) - (in[a].x - in[j].x) * (ay - in[a].y));
            if (area > best) {
                best = area;
                pick = j;
            }
        }
        out[k++] = in[pick];
        a = pick;
    }
    out[k++] = in[n - 1];
    return k;
}

int eww_chart_is_bytes(const char *name)
{
    static const char *const words[] = {"memory", "rss", "heap", "bytes"};
    char low[EWW_STATS_NAME_MAX + 1];
    size_t i = 0;
    for (; name[i] && i < sizeof low - 1; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    low[i] = '\0';
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++)
        if (strstr(low, words[w]))
            return 1;
    return 0;
}

void eww_chart_note(const eww_chart *c, char *out, size_t outlen)
{
    if (c->n == 0)
        snprintf(out, outlen, "no data points yet");
    else if (c->dropped)
        snprintf(out, outlen, "%zu points, the %llu oldest dropped", c->n,
                 (unsigned long long)c->dropped);
    else
        snprintf(out, outlen, "%zu point%s", c->n, c->n == 1 ? "" : "s");
}

int eww_xml_escape(eww_buf *out, const char *s)
{
    int rc = 0;
    for (; rc == 0 && *s; s++) {
        switch (*s) {
        case '&': rc = eww_buf_puts(out, "&amp;"); break;
        case '<': rc = eww_buf_puts(out, "&lt;"); break;
        case '>': rc = eww_buf_puts(out, "&gt;"); break;
        case '"': rc = eww_buf_puts(out, "&quot;"); break;
        case '\'': rc = eww_buf_puts(out, "&apos;"); break;
        default:
            /* Control characters are not allowed in XML 1.0: drop them. */
            rc = (unsigned char)*s < 0x20 && *s != '\t' ? 0 : eww_buf_putc(out, *s);
        }
    }
    return rc;
}

int eww_chart_data_encode(eww_buf *b, const char *kind, const char *file, const char *name,
                          const char *title, const char *xlabel, const char *ylabel, int bytes,
                          uint64_t dropped, const eww_point *pts, size_t n)
{
    char num[32], x[40], y[40];
    int rc = eww_kv_put(b, "chart", kind);
    if (rc == 0 && file)
        rc = eww_kv_put(b, "file", file);
    if (rc == 0)
        rc = eww_kv_put(b, "name", name);
    if (rc == 0)
        rc = eww_kv_put(b, "title", title);
    if (rc == 0)
        rc = eww_kv_put(b, "xlabel", xlabel);
    if (rc == 0 && ylabel && *ylabel)
        rc = eww_kv_put(b, "ylabel", ylabel);
    if (rc == 0)
        rc = eww_kv_put(b, "bytes", bytes ? "1" : "0");
    snprintf(num, sizeof num, "%llu", (unsigned long long)dropped);
    if (rc == 0)
        rc = eww_kv_put(b, "dropped", num);
    snprintf(num, sizeof num, "%zu", n);
    if (rc == 0)
        rc = eww_kv_put(b, "points", num);
    if (rc == 0)
        rc = eww_buf_putc(b, '\n');
    for (size_t i = 0; rc == 0 && i < n; i++) {
        eww_fmt_double(x, sizeof x, pts[i].x);
        eww_fmt_double(y, sizeof y, pts[i].y);
        rc = eww_buf_printf(b, "%s %s\n", x, y);
    }
    return rc;
}

void eww_chart_data_free(eww_chart_data *d)
{
    eww_free((eww_point *)d->chart.pts);
    d->chart.pts = NULL;
    d->chart.n = 0;
}

/* A decimal number from [p, end) up to a space or newline; 0 or EWW_EPROTO. */
static int parse_number(const char **p, const char *end, char stop, double *v)
{
    char tmp[64];
    size_t k = 0;
    while (*p < end && **p != stop && k < sizeof tmp - 1)
        tmp[k++] = *(*p)++;
    tmp[k] = '\0';
    if (*p >= end || **p != stop || k == 0)
        return EWW_EPROTO;
    (*p)++;
    char *e;
    *v = strtod(tmp, &e);
    return *e == '\0' && isfinite(*v) ? 0 : EWW_EPROTO;
}

int eww_chart_data_parse(const char *data, size_t n, eww_chart_data *d)
{
    memset(d, 0, sizeof *d);
    size_t hlen = eww_kv_header_len(data, n);
    if (!hlen)
        return EWW_EPROTO;
    const unsigned char *h = (const unsigned char *)data;
    const char *body = data + hlen;
    char num[32];
    if (eww_kv_get(h, hlen, "chart", d->kind, sizeof d->kind) < 0 ||
        eww_kv_get(h, hlen, "title", d->title, sizeof d->title) < 0 ||
        eww_kv_get(h, hlen, "points", num, sizeof num) < 0)
        return EWW_EPROTO;
    char *e;
    unsigned long long cap = strtoull(num, &e, 10);
    if (*e || num[0] == '-' || !num[0])
        return EWW_EPROTO;
    if (cap > EWW_STATS_POINTS_LIMIT)
        return EWW_E2BIG;
    if (eww_kv_get(h, hlen, "file", d->file, sizeof d->file) < 0)
        d->file[0] = '\0';
    if (eww_kv_get(h, hlen, "xlabel", d->xlabel, sizeof d->xlabel) < 0)
        snprintf(d->xlabel, sizeof d->xlabel, "x");
    if (eww_kv_get(h, hlen, "ylabel", d->ylabel, sizeof d->ylabel) < 0)
        d->ylabel[0] = '\0';
    d->chart.title = d->title;
    d->chart.xlabel = d->xlabel;
    d->chart.ylabel = d->ylabel;
    if (eww_kv_get(h, hlen, "bytes", num, sizeof num) == 0)
        d->chart.bytes = strcmp(num, "1") == 0;
    if (eww_kv_get(h, hlen, "dropped", num, sizeof num) == 0)
        d->chart.dropped = strtoull(num, NULL, 10);
    eww_point *pts = eww_malloc((cap ? cap : 1) * sizeof *pts);
    if (!pts)
        return EWW_ENOMEM;
    const char *p = body, *end = data + n;
    size_t k = 0;
    while (k < cap && parse_number(&p, end, ' ', &pts[k].x) == 0 &&
           parse_number(&p, end, '\n', &pts[k].y) == 0)
        k++;
    if (k != cap || p != end) {
        eww_free(pts);
        return EWW_EPROTO;
    }
    d->chart.pts = pts;
    d->chart.n = k;
    return 0;
}
