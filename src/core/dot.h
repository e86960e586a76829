/* dot.h - what the core knows of Graphviz's DOT language: quoting text for it, and the DATA
 * payload that carries a graph from the console to the client (docs/protocol.md):
 *
 *     graph=dot\n
 *     file=backrefs.svg\n      (what the user asked for with -f, or the default name)
 *     nodes=12\n
 *     \n
 *     digraph backrefs { ... }  (the DOT text, to the end of the payload)
 */
#ifndef EWW_DOT_H
#define EWW_DOT_H

#include <stddef.h>

#include "buf.h"

/* Append s (NUL-terminated) as the inside of a DOT double-quoted string: '\' and '"' escaped,
 * a newline as \n (a line break in a label), other control characters and bytes that are not
 * UTF-8 as '?'. At most max_chars characters are kept; a longer text ends in "...". */
int eww_dot_quote(eww_buf *b, const char *s, size_t max_chars);

typedef struct eww_graph_data {
    char file[256]; /* as sent: may be empty or unsafe; the client checks it */
    unsigned long nodes;
    const char *dot; /* points into the payload */
    size_t dot_len;
} eww_graph_data;

/* Parse a graph=dot DATA payload (untrusted). 0, or EWW_EPROTO. */
int eww_graph_data_parse(const char *data, size_t n, eww_graph_data *g);
/* The payload's header, to be followed by the DOT text. */
int eww_graph_data_header(eww_buf *b, const char *file, unsigned long nodes);

#endif
