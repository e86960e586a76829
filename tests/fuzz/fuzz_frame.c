/* fuzz_frame.c - libFuzzer target for the frame decoder and the payload parsers.
 *
 * Treats the input as a byte stream from an untrusted peer: decodes frames one after the
 * other the way eww_conn_recv does, and runs every payload through the parsers the console
 * and the client use (key=value, argument lists, chart data and its renderers, graph data).
 * Any out-of-bounds read, overflow or undefined behaviour is a crash under ASan/UBSan.
 *
 *     CC=clang meson setup build/fuzz -Dfuzz=true -Db_sanitize=address,undefined
 *     ninja -C build/fuzz && build/fuzz/tests/fuzz/fuzz_frame -max_total_time=60
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chart.h"
#include "dot.h"
#include "error.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    while (off < size) {
        eww_frame f;
        /* Exercise a small caller limit too: derived from the input, stable per input. */
        size_t limit = (size && (data[0] & 1)) ? 64 : EWW_FRAME_MAX;
        int rc = eww_frame_decode(data + off, size - off, limit, &f);
        if (rc != 0)
            break;
        if (f.size < EWW_FRAME_HEADER || f.size > size - off)
            __builtin_trap();
        char v[64];
        eww_kv_get(f.payload, f.len, "proto", v, sizeof v);
        eww_kv_get(f.payload, f.len, "program", v, sizeof v);
        const char *argv[32];
        int argc;
        if (eww_argv_decode(f.payload, f.len, argv, 32, &argc) == 0) {
            for (int i = 0; i < argc; i++)
                if (strlen(argv[i]) > f.len)
                    __builtin_trap();
        }
        /* A DATA payload goes through the chart parser and, when it parses, the renderers. */
        if (f.type == EWW_FRAME_DATA) {
            eww_chart_data d;
            if (eww_chart_data_parse((const char *)f.payload, f.len, &d) == 0) {
                eww_buf out;
                eww_buf_init(&out, 1u << 26);
                eww_chart_svg(&out, &d.chart);
                eww_buf_reset(&out);
                eww_chart_term(&out, &d.chart, 40, 10);
                eww_buf_free(&out);
                eww_chart_data_free(&d);
            }
            /* ... and through the graph parser; its DOT text must lie inside the payload,
             * and quoting any text for DOT stays bounded. */
            eww_graph_data g;
            if (eww_graph_data_parse((const char *)f.payload, f.len, &g) == 0) {
                if (g.dot < (const char *)f.payload ||
                    g.dot + g.dot_len > (const char *)f.payload + f.len)
                    __builtin_trap();
                if (g.dot_len > 0 && g.dot_len < 4096) {
                    char text[4096];
                    memcpy(text, g.dot, g.dot_len);
                    text[g.dot_len] = '\0';
                    eww_buf q;
                    eww_buf_init(&q, 1u << 16);
                    eww_dot_quote(&q, text, 40);
                    if (q.len > 40 * 4 + 3 && q.data)
                        __builtin_trap();
                    eww_buf_free(&q);
                }
            }
        }
        /* Re-encoding a decoded frame reproduces its bytes exactly. */
        eww_buf b;
        eww_buf_init(&b, EWW_FRAME_HEADER + EWW_FRAME_MAX);
        if (eww_frame_encode(&b, f.type, f.flags, f.payload, f.len) == 0) {
            if (b.len != f.size || memcmp(b.data, data + off, f.size) != 0)
                __builtin_trap();
        }
        eww_buf_free(&b);
        off += f.size;
    }
    return 0;
}
