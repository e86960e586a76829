/* dot.c - DOT quoting and the graph DATA payload; see dot.h. */
#include "dot.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json.h"
#include "proto.h"

int eww_dot_quote(eww_buf *b, const char *str, size_t max_chars)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t chars = 0;
    int rc = 0;
    while (rc == 0 && *s) {
        if (chars == max_chars)
            return eww_buf_puts(b, "...");
        chars++;
        if (*s == '"' || *s == '\\') {
            char esc[2] = {'\\', (char)*s++};
            rc = eww_buf_append(b, esc, 2);
        } else if (*s == '\n') {
            rc = eww_buf_puts(b, "\\n");
            s++;
        } else if (*s < 0x20 || *s == 0x7f) {
            rc = eww_buf_putc(b, '?');
            s++;
        } else {
            size_t n = eww_utf8_len(s);
            if (n == 0) {
                rc = eww_buf_putc(b, '?');
                s++;
            } else {
                rc = eww_buf_append(b, s, n);
                s += n;
            }
        }
    }
    return rc;
}

int eww_graph_data_header(eww_buf *b, const char *file, unsigned long nodes)
{
    return eww_buf_printf(b, "graph=dot\nfile=%s\nnodes=%lu\n\n", file, nodes);
}

int eww_graph_data_parse(const char *data, size_t n, eww_graph_data *g)
{
    memset(g, 0, sizeof *g);
    size_t hlen = eww_kv_header_len(data, n);
    if (!hlen)
        return EWW_EPROTO;
    const unsigned char *h = (const unsigned char *)data;
    const char *body = data + hlen;
    char v[32];
    if (eww_kv_get(h, hlen, "graph", v, sizeof v) < 0 || strcmp(v, "dot") != 0)
        return EWW_EPROTO;
    if (eww_kv_get(h, hlen, "file", g->file, sizeof g->file) < 0)
        g->file[0] = '\0';
    if (eww_kv_get(h, hlen, "nodes", v, sizeof v) == 0) {
        char *e;
        g->nodes = strtoul(v, &e, 10);
        if (*e || v[0] == '-' || !v[0])
            return EWW_EPROTO;
    }
    g->dot = body;
    g->dot_len = (size_t)(data + n - body);
    if (memchr(g->dot, '\0', g->dot_len))
        return EWW_EPROTO; /* DOT is text */
    return 0;
}
