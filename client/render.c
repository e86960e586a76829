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
#include <spawn.h>
#include <strings.h>
#include <sys/wait.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "chart.h"
#include "client.h"
#include "dot.h"
#include "error.h"

extern char **environ;

int client_notes_to_stderr;

/* What the client says about a file it wrote: on stdout, or on stderr when stdout carries
 * the command's JSON. */
void client_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(client_notes_to_stderr ? stderr : stdout, fmt, ap);
    va_end(ap);
}

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
            client_note("Chart written to %s\n", d.file);
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

/* Whether a program is an executable file in one of PATH's directories. */
static int on_path(const char *prog)
{
    const char *path = getenv("PATH");
    while (path && *path) {
        const char *end = strchr(path, ':');
        size_t len = end ? (size_t)(end - path) : strlen(path);
        char full[4096];
        if (len > 0 && len + strlen(prog) + 2 < sizeof full) {
            snprintf(full, sizeof full, "%.*s/%s", (int)len, path, prog);
            if (access(full, X_OK) == 0)
                return 1;
        }
        path = end ? end + 1 : NULL;
    }
    return 0;
}

/* Run `dot -T<format>` on the DOT text; its output into out. 0, or -1 (dot's own errors went
 * to stderr; *status says how it ended). */
static int run_dot(const char *dot, size_t n, const char *format, eww_buf *out, int *status)
{
    FILE *in = tmpfile();
    int pipefd[2] = {-1, -1};
    *status = -1;
    if (!in || fwrite(dot, 1, n, in) != n || fflush(in) != 0 || fseek(in, 0, SEEK_SET) != 0 ||
        pipe(pipefd) != 0) {
        if (in)
            fclose(in);
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fileno(in), 0);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_addclose(&fa, pipefd[0]);
    char fmt[32];
    snprintf(fmt, sizeof fmt, "-T%s", format);
    char *argv[] = {"dot", fmt, NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, "dot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    fclose(in);
    if (rc != 0) {
        close(pipefd[0]);
        return -1;
    }
    char chunk[65536];
    int ok = 1;
    for (;;) {
        ssize_t k = read(pipefd[0], chunk, sizeof chunk);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        if (ok && eww_buf_append(out, chunk, (size_t)k) < 0)
            ok = 0; /* keep reading, so that dot is not stuck on a full pipe */
    }
    close(pipefd[0]);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    return ok && WIFEXITED(*status) && WEXITSTATUS(*status) == 0 ? 0 : -1;
}

static int has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e && strcasecmp(name + n - e, ext) == 0;
}

/* graph=dot: NAME.dot as DOT text; NAME.svg, .png or .pdf drawn by dot; a name without one
 * of those gets .svg; "-" prints the DOT text. Without dot, the text goes to NAME.dot. */
static int render_graph(const char *data, size_t n)
{
    eww_graph_data g;
    if (eww_graph_data_parse(data, n, &g) < 0) {
        fprintf(stderr, "eww: malformed graph data from the console\n");
        return -1;
    }
    if (strcmp(g.file, "-") == 0) {
        fwrite(g.dot, 1, g.dot_len, stdout);
        return 0;
    }
    char base[300], name[310];
    snprintf(base, sizeof base, "%s", g.file);
    const char *format = "svg";
    static const char *const formats[] = {"svg", "png", "pdf", "dot"};
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++) {
        char ext[8];
        snprintf(ext, sizeof ext, ".%s", formats[i]);
        if (has_ext(base, ext)) {
            format = formats[i];
            base[strlen(base) - strlen(ext)] = '\0';
        }
    }
    if (strcmp(format, "dot") != 0 && on_path("dot")) {
        eww_buf img;
        eww_buf_init(&img, 512u << 20);
        int status;
        snprintf(name, sizeof name, "%s.%s", base, format);
        if (run_dot(g.dot, g.dot_len, format, &img, &status) == 0) {
            int rc = client_write_file(name, img.data ? img.data : "", img.len);
            if (rc == 0)
                client_note("Graph written to %s (%lu node%s)\n", name, g.nodes,
                            g.nodes == 1 ? "" : "s");
            eww_buf_free(&img);
            return rc;
        }
        eww_buf_free(&img);
        if (WIFSIGNALED(status))
            fprintf(stderr, "eww: Graphviz's dot was stopped by signal %d\n", WTERMSIG(status));
        else
            fprintf(stderr, "eww: Graphviz's dot failed (exit status %d)\n",
                    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        snprintf(name, sizeof name, "%s.dot", base);
        if (client_write_file(name, g.dot, g.dot_len) < 0)
            return -1;
        client_note("The DOT text is in %s (%lu node%s)\n", name, g.nodes, g.nodes == 1 ? "" : "s");
        return -1;
    }
    snprintf(name, sizeof name, "%s.dot", base);
    if (client_write_file(name, g.dot, g.dot_len) < 0)
        return -1;
    if (strcmp(format, "dot") == 0)
        client_note("Graph written to %s (%lu node%s)\n", name, g.nodes, g.nodes == 1 ? "" : "s");
    else
        client_note(
            "Graph written to %s (%lu node%s). Graphviz's dot is not installed here; draw it "
            "with\n  dot -T%s %s -o %s.%s\n(Graphviz: apt install graphviz, brew install "
            "graphviz, https://graphviz.org)\n",
            name, g.nodes, g.nodes == 1 ? "" : "s", format, name, base, format);
    return 0;
}

int client_render_data(const char *data, size_t n)
{
    if (n >= 6 && memcmp(data, "chart=", 6) == 0)
        return render_chart(data, n);
    if (n >= 6 && memcmp(data, "graph=", 6) == 0)
        return render_graph(data, n);
    fprintf(stderr, "eww: the console sent data this client does not know how to show; "
                    "is it a newer eww?\n");
    return -1;
}
