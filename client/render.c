/* render.c - what the client does with DATA and FILE payloads: charts and files.
 *
 * A chart arrives as DATA: "key=value" lines, an empty line, then one "x y" pair a line
 * (docs/protocol.md). chart=svg is rendered with the core's SVG renderer and written in the
 * working directory; chart=terminal is drawn in braille on stdout, sized to the terminal.
 * Files are written under a temporary name without following symlinks, then renamed, so a
 * reader never sees half a file and an existing symlink is never followed.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "chart.h"
#include "client.h"
#include "proto.h"

static int safe_name(const char *name)
{
    return name[0] && name[0] != '.' && !strchr(name, '/') && strlen(name) < 256;
}

int client_write_file(const char *name, const char *data, size_t n)
{
    if (!safe_name(name)) {
        fprintf(stderr, "eww: refusing to write a file named '%s' (not a plain name)\n", name);
        return -1;
    }
    char tmp[300];
    snprintf(tmp, sizeof tmp, ".%s.%ld.tmp", name, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "eww: cannot write %s: %s\n", name, strerror(errno));
        return -1;
    }
    int ok = 1;
    while (ok && n > 0) {
        ssize_t k = write(fd, data, n);
        if (k < 0 && errno == EINTR)
            continue;
        ok = k > 0;
        if (ok) {
            data += k;
            n -= (size_t)k;
        }
    }
    int e = errno;
    if (close(fd) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (!ok || rename(tmp, name) != 0) {
        if (ok)
            e = errno;
        fprintf(stderr, "eww: cannot write %s: %s\n", name, strerror(e));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static void terminal_size(int *cols, int *rows)
{
    struct winsize ws;
    *cols = 80;
    *rows = 24;
    if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
        *cols = ws.ws_col;
        *rows = ws.ws_row;
    } else {
        const char *c = getenv("COLUMNS"), *l = getenv("LINES");
        if (c && atoi(c) > 0)
            *cols = atoi(c);
        if (l && atoi(l) > 0)
            *rows = atoi(l);
    }
}

static int render_chart(const char *data, size_t n)
{
    const char *body = NULL;
    for (size_t i = 0; i + 1 < n; i++) {
        if (data[i] == '\n' && data[i + 1] == '\n') {
            body = data + i + 2;
            break;
        }
    }
    if (!body) {
        fprintf(stderr, "eww: malformed chart data from the console\n");
        return -1;
    }
    size_t hlen = (size_t)(body - data);
    const unsigned char *h = (const unsigned char *)data;
    char kind[32], file[256] = "", title[512] = "", xlabel[128] = "x", num[32];
    if (eww_kv_get(h, hlen, "chart", kind, sizeof kind) < 0 ||
        eww_kv_get(h, hlen, "title", title, sizeof title) < 0) {
        fprintf(stderr, "eww: malformed chart data from the console\n");
        return -1;
    }
    eww_kv_get(h, hlen, "file", file, sizeof file);
    eww_kv_get(h, hlen, "xlabel", xlabel, sizeof xlabel);
    eww_chart c = {.title = title, .xlabel = xlabel};
    if (eww_kv_get(h, hlen, "bytes", num, sizeof num) == 0)
        c.bytes = atoi(num);
    if (eww_kv_get(h, hlen, "dropped", num, sizeof num) == 0)
        c.dropped = strtoull(num, NULL, 10);
    size_t cap = 0;
    if (eww_kv_get(h, hlen, "points", num, sizeof num) == 0)
        cap = strtoull(num, NULL, 10);
    if (cap > EWW_STATS_POINTS_LIMIT) {
        fprintf(stderr, "eww: the console sent too many points\n");
        return -1;
    }
    eww_point *pts = malloc((cap ? cap : 1) * sizeof *pts);
    if (!pts) {
        fprintf(stderr, "eww: out of memory\n");
        return -1;
    }
    const char *p = body, *end = data + n;
    while (p < end && c.n < cap) {
        char *e1, *e2;
        double x = strtod(p, &e1);
        double y = strtod(e1, &e2);
        if (e1 == p || e2 == e1 || !isfinite(x) || !isfinite(y))
            break;
        pts[c.n].x = x;
        pts[c.n].y = y;
        c.n++;
        p = memchr(e2, '\n', (size_t)(end - e2));
        if (!p)
            break;
        p++;
    }
    if (c.n != cap) {
        free(pts);
        fprintf(stderr, "eww: malformed chart data from the console\n");
        return -1;
    }
    c.pts = pts;
    eww_buf out;
    eww_buf_init(&out, 256u << 20);
    int rc;
    if (strcmp(kind, "terminal") == 0) {
        int cols, rows;
        terminal_size(&cols, &rows);
        rows = rows - 4 < 8 ? 8 : rows - 4 > 30 ? 30 : rows - 4;
        rc = eww_chart_term(&out, &c, cols > 200 ? 200 : cols, rows);
        if (rc == 0)
            fwrite(out.data, 1, out.len, stdout);
    } else {
        rc = eww_chart_svg(&out, &c);
        if (rc == 0) {
            rc = client_write_file(file, out.data, out.len);
            if (rc == 0)
                printf("Chart written to %s\n", file);
        }
    }
    if (rc < 0 && rc != -1)
        fprintf(stderr, "eww: cannot draw the chart\n");
    eww_buf_free(&out);
    free(pts);
    return rc < 0 ? -1 : 0;
}

int client_render_data(const char *data, size_t n)
{
    if (n >= 6 && memcmp(data, "chart=", 6) == 0)
        return render_chart(data, n);
    fprintf(stderr, "eww: the console sent data this client does not know how to show; "
                    "is it a newer eww?\n");
    return -1;
}
