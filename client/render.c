/* render.c - what the client does with DATA and FILE payloads: charts and files.
 *
 * A chart arrives as DATA (docs/protocol.md), parsed by the core (eww_chart_data_parse,
 * fuzzed like the frame decoder). chart=svg is rendered with the core's SVG renderer and written in
 * the working directory; chart=terminal is drawn in braille on stdout, sized to the terminal. Files
 * are written under a temporary name without following symlinks, then renamed, so a reader never
 * sees half a file and an existing symlink is never followed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "chart.h"
#include "client.h"
#include "error.h"

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
    eww_chart_data d;
    int rc = eww_chart_data_parse(data, n, &d);
    if (rc < 0) {
        fprintf(stderr, "eww: malformed chart data from the console (%s)\n", eww_strerror(rc));
        return -1;
    }
    eww_buf out;
    eww_buf_init(&out, 256u << 20);
    if (strcmp(d.kind, "terminal") == 0) {
        int cols, rows;
        terminal_size(&cols, &rows);
        rows = rows - 4 < 8 ? 8 : rows - 4 > 30 ? 30 : rows - 4;
        rc = eww_chart_term(&out, &d.chart, cols > 200 ? 200 : cols, rows);
        if (rc == 0)
            fwrite(out.data, 1, out.len, stdout);
    } else if (strcmp(d.kind, "svg") == 0) {
        rc = eww_chart_svg(&out, &d.chart);
        if (rc == 0 && client_write_file(d.file, out.data, out.len) == 0)
            printf("Chart written to %s\n", d.file);
        else if (rc == 0)
            rc = -1; /* client_write_file said why */
    } else {
        rc = EWW_EPROTO;
    }
    if (rc < -1)
        fprintf(stderr, "eww: cannot draw the chart: %s\n", eww_strerror(rc));
    eww_buf_free(&out);
    eww_chart_data_free(&d);
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
