/* test_chart.c - axes, ticks, LTTB and the SVG / terminal renderers (chart.c, svg.c,
 * termchart.c). */
#include <math.h>
#include <stdlib.h>

#include "chart.h"
#include "check.h"
#include "error.h"

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* Every tick is a whole multiple of the step and the ticks cover [min, max]. */
static void check_axis(double min, double max, int bytes)
{
    eww_axis a;
    CHECK_INT(eww_axis_nice(min, max, 6, bytes, &a), 0);
    CHECK(a.n >= 2 && a.n <= 8);
    CHECK(a.lo <= min && a.hi >= max);
    CHECK(a.step > 0);
    for (int i = 0; i < a.n; i++) {
        double k = a.ticks[i] / a.step;
        CHECK(fabs(k - round(k)) < 1e-6);
    }
}

static void test_ticks_for_awkward_ranges(void)
{
    check_axis(0, 100, 0);
    check_axis(-37, 12, 0);
    check_axis(1e-9, 3.7e-9, 0);
    check_axis(1e12, 7.3e12, 0);
    check_axis(42, 42, 0); /* all points equal */
    check_axis(0, 0, 0);
    check_axis(-5, -5, 0);
    check_axis(0, 123456789, 1);
    check_axis(3 << 20, 3 << 20, 1);

    eww_axis a;
    char s[64];
    CHECK_INT(eww_axis_nice(0, 100, 6, 0, &a), 0);
    CHECK(a.lo == 0 && a.hi == 100 && a.step == 20);
    eww_axis_format(&a, 40, s, sizeof s);
    CHECK_STR(s, "40");
    CHECK_INT(eww_axis_nice(42, 42, 6, 0, &a), 0);
    CHECK(a.lo < 42 && a.hi > 42);
    CHECK_INT(eww_axis_nice(1e-9, 3e-9, 5, 0, &a), 0);
    eww_axis_format(&a, 2e-9, s, sizeof s);
    CHECK_STR(s, "2.0n");
    CHECK_INT(eww_axis_nice(0, 5e12, 6, 0, &a), 0);
    eww_axis_format(&a, 4e12, s, sizeof s);
    CHECK_STR(s, "4T");
    CHECK_INT(eww_axis_nice(-30, 10, 5, 0, &a), 0);
    CHECK(a.lo == -30 && a.hi == 10);
    eww_axis_format(&a, -20, s, sizeof s);
    CHECK_STR(s, "-20");
    /* bytes: round numbers of MiB */
    CHECK_INT(eww_axis_nice(10 << 20, 95 << 20, 6, 1, &a), 0);
    eww_axis_format(&a, a.ticks[1], s, sizeof s);
    CHECK(strstr(s, " MiB") != NULL);
    CHECK(fmod(a.step, 1 << 20) == 0);
    /* a step of 2.5 units needs a decimal: no label may be rounded to a wrong value */
    CHECK_INT(eww_axis_nice(48.0 * (1 << 20), 62.0 * (1 << 20), 7, 1, &a), 0);
    CHECK(a.step == 2.5 * (1 << 20));
    for (int i = 0; i < a.n; i++) {
        eww_axis_format(&a, a.ticks[i], s, sizeof s);
        CHECK(fabs(strtod(s, NULL) * (1 << 20) - a.ticks[i]) < 1);
    }
    CHECK_INT(eww_axis_nice(0, 1, 5, 0, &a), 0);
    eww_axis_format(&a, a.ticks[1], s, sizeof s);
    CHECK_STR(s, "0.25");
    CHECK_INT(eww_axis_nice(NAN, 1, 6, 0, &a), EWW_EINVAL);
    CHECK_INT(eww_axis_nice(0, INFINITY, 6, 0, &a), EWW_EINVAL);
    CHECK_INT(eww_axis_nice(2, 1, 6, 0, &a), EWW_EINVAL);
}

static void test_lttb(void)
{
    enum { N = 10000 };
    eww_point *in = malloc(N * sizeof *in), out[100];
    for (int i = 0; i < N; i++) {
        in[i].x = i;
        in[i].y = i == 4321 ? 1000 : sin(i / 100.0);
    }
    size_t n = eww_lttb(in, N, out, 100);
    CHECK_INT(n, 100);
    CHECK(out[0].x == 0 && out[99].x == N - 1);
    int peak = 0;
    for (size_t i = 0; i < n; i++) {
        peak |= out[i].y == 1000;
        if (i)
            CHECK(out[i].x > out[i - 1].x);
    }
    CHECK(peak); /* the spike survives downsampling */
    CHECK_INT(eww_lttb(in, 50, out, 100), 50);
    free(in);
}

static eww_point *ramp(size_t n)
{
    eww_point *p = malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++) {
        p[i].x = (double)i;
        p[i].y = 1e6 + (double)i * 4096;
    }
    return p;
}

static void test_svg(void)
{
    eww_buf b;
    eww_point *p = ramp(5000);
    eww_chart c = {.title = "Memory <Usage> & 'more' \"quoted\"", .pts = p, .n = 500, .bytes = 1};
    eww_buf_init(&b, 1 << 22);
    CHECK_INT(eww_chart_svg(&b, &c), 0);
    CHECK(strncmp(b.data, "<?xml", 5) == 0);
    CHECK(strstr(b.data, "version=\"1.1\"") != NULL);
    CHECK(strstr(b.data, "Memory &lt;Usage&gt; &amp; &apos;more&apos; &quot;quoted&quot;") != NULL);
    CHECK(strstr(b.data, "<Usage>") == NULL);
    CHECK(strstr(b.data, " MiB</text>") != NULL);
    CHECK(strstr(b.data, "500 points") != NULL);
    CHECK_INT(count(b.data, "<polyline"), 1);
    const char *pts = strstr(b.data, "points=\"");
    CHECK(pts != NULL);
    if (pts) {
        const char *end = strchr(pts + 8, '"');
        int commas = 0;
        for (const char *q = pts + 8; q < end; q++)
            commas += *q == ',';
        CHECK_INT(commas, 500);
    }
    CHECK_INT(count(b.data, "http"), 1); /* the SVG namespace; nothing is loaded from anywhere */
    CHECK(strstr(b.data, "http://www.w3.org/2000/svg") != NULL);
    CHECK_INT(count(b.data, "<script"), 0);
    eww_buf_free(&b);

    /* more points than pixels: downsampled to the plot width */
    c.n = 5000;
    c.dropped = 123;
    eww_buf_init(&b, 1 << 22);
    CHECK_INT(eww_chart_svg(&b, &c), 0);
    const char *q = strstr(b.data, "points=\"");
    int commas = 0;
    for (q = q + 8; *q != '"'; q++)
        commas += *q == ',';
    CHECK_INT(commas, EWW_SVG_PLOT_WIDTH);
    CHECK(strstr(b.data, "5000 points, the 123 oldest dropped") != NULL);
    eww_buf_free(&b);

    /* one point, no points, UTF-8 names, NaN */
    eww_point one = {3, 7};
    eww_chart c1 = {.title = "Mémoire ☃ 内存", .pts = &one, .n = 1};
    eww_buf_init(&b, 1 << 20);
    CHECK_INT(eww_chart_svg(&b, &c1), 0);
    CHECK(strstr(b.data, "Mémoire ☃ 内存") != NULL);
    CHECK_INT(count(b.data, "<circle"), 1);
    eww_buf_free(&b);
    eww_chart c0 = {.title = "empty"};
    eww_buf_init(&b, 1 << 20);
    CHECK_INT(eww_chart_svg(&b, &c0), 0);
    CHECK(strstr(b.data, "no data points yet") != NULL);
    eww_buf_free(&b);
    eww_point bad[2] = {{0, 1}, {1, NAN}};
    eww_chart cn = {.title = "nan", .pts = bad, .n = 2};
    eww_buf_init(&b, 1 << 20);
    CHECK_INT(eww_chart_svg(&b, &cn), EWW_EINVAL);
    eww_buf_free(&b);
    free(p);
}

static void test_terminal(void)
{
    eww_buf b;
    eww_point *p = ramp(2000);
    eww_chart c = {.title = "Memory Usage", .pts = p, .n = 2000, .bytes = 1, .xlabel = "x"};
    eww_buf_init(&b, 1 << 20);
    CHECK_INT(eww_chart_term(&b, &c, 80, 20), 0);
    CHECK_INT(count(b.data, "\n"), 20);
    CHECK(strstr(b.data, "Memory Usage  (2000 points)") != NULL);
    CHECK(strstr(b.data, "MiB") != NULL);
    CHECK(strstr(b.data, "└") != NULL);
    /* every line fits in 80 columns (braille and box characters are one column wide) */
    const char *line = b.data;
    while (*line) {
        const char *nl = strchr(line, '\n');
        int cols = 0;
        for (const char *q = line; q < nl; q++)
            cols += ((unsigned char)*q & 0xC0) != 0x80;
        CHECK(cols <= 80);
        line = nl + 1;
    }
    eww_buf_free(&b);
    p[5].y = INFINITY;
    eww_buf_init(&b, 1 << 20);
    CHECK_INT(eww_chart_term(&b, &c, 80, 20), EWW_EINVAL);
    eww_buf_free(&b);
    free(p);
    /* tick labels wider than the window (1e106 bytes, 30 columns; found by fuzz_chart): a
     * chart that is wider than asked, not a negative plot size */
    eww_point big[] = {{0, 1}, {1, 2.5}, {2, 1e106}};
    eww_chart w = {.title = "m", .pts = big, .n = 3, .bytes = 1, .xlabel = "x"};
    eww_buf_init(&b, 1 << 20);
    CHECK_INT(eww_chart_term(&b, &w, 30, 8), 0);
    CHECK(b.data && strstr(b.data, "\n") != NULL);
    eww_buf_free(&b);
}

static void test_names_that_mean_bytes(void)
{
    CHECK(eww_chart_is_bytes("Memory Usage"));
    CHECK(eww_chart_is_bytes("memory"));
    CHECK(eww_chart_is_bytes("worker RSS"));
    CHECK(!eww_chart_is_bytes("requests"));
}

static void test_chart_data_roundtrip_and_errors(void)
{
    eww_point pts[3] = {{0, 17018880}, {1.5, 0.1}, {-2, 1e-9}};
    eww_buf b;
    eww_buf_init(&b, 1 << 20);
    CHECK_INT(eww_chart_data_encode(&b, "svg", "Memory Usage.svg", "Memory Usage", "T", "x", NULL,
                                    1, 7, pts, 3),
              0);
    eww_chart_data d;
    CHECK_INT(eww_chart_data_parse(b.data, b.len, &d), 0);
    CHECK_STR(d.kind, "svg");
    CHECK_STR(d.file, "Memory Usage.svg");
    CHECK_STR(d.chart.title, "T");
    CHECK_INT(d.chart.bytes, 1);
    CHECK_INT(d.chart.dropped, 7);
    CHECK_INT(d.chart.n, 3);
    for (int i = 0; i < 3; i++)
        CHECK(d.chart.pts[i].x == pts[i].x && d.chart.pts[i].y == pts[i].y);
    eww_chart_data_free(&d);
    eww_buf_free(&b);

    const char *bad[] = {
        "chart=svg\ntitle=t\npoints=1\n\n1 nan\n",    /* not finite */
        "chart=svg\ntitle=t\npoints=2\n\n1 2\n",      /* fewer points than said */
        "chart=svg\ntitle=t\npoints=1\n\n1 2\n3 4\n", /* more */
        "chart=svg\ntitle=t\npoints=1\n\n1 2",        /* no final newline */
        "chart=svg\ntitle=t\npoints=1\n\n1x 2\n",     /* junk in a number */
        "chart=svg\npoints=1\n\n1 2\n",               /* no title */
        "chart=svg\ntitle=t\npoints=-1\n\n",          /* negative count */
        "chart=svg\ntitle=t\npoints=1\n1 2\n",        /* no empty line */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT(eww_chart_data_parse(bad[i], strlen(bad[i]), &d), EWW_EPROTO);
    const char *huge = "chart=svg\ntitle=t\npoints=99999999999\n\n";
    CHECK_INT(eww_chart_data_parse(huge, strlen(huge), &d), EWW_E2BIG);
}

int main(void)
{
    RUN(test_chart_data_roundtrip_and_errors);
    RUN(test_ticks_for_awkward_ranges);
    RUN(test_lttb);
    RUN(test_svg);
    RUN(test_terminal);
    RUN(test_names_that_mean_bytes);
    return check_failures != 0;
}
