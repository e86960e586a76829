/* fuzz_graph.c - libFuzzer target for the graph payload (DATA graph=dot) and DOT quoting:
 * the DOT text found must lie inside the payload, and quoting any text stays bounded. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eww_graph_data g;
    if (eww_graph_data_parse((const char *)data, size, &g) == 0 &&
        (g.dot < (const char *)data || g.dot + g.dot_len > (const char *)data + size))
        __builtin_trap();
    /* quoting: the input as a C string, cut at a length the input chooses */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    size_t max = size ? (size_t)data[0] : 40;
    eww_buf q;
    eww_buf_init(&q, 1u << 20);
    if (eww_dot_quote(&q, text, max) == 0 && q.len > max * 4 + 3)
        __builtin_trap();
    eww_buf_free(&q);
    free(text);
    return 0;
}
