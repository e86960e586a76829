/* fuzz_chart.c - libFuzzer target for the chart payload (DATA graph=chart) and its two
 * renderers: the input is the payload itself, as a console (or anyone on the socket) could
 * send it to the client. */
#include <stddef.h>
#include <stdint.h>

#include "chart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eww_chart_data d;
    if (eww_chart_data_parse((const char *)data, size, &d) != 0)
        return 0;
    eww_buf out;
    eww_buf_init(&out, 1u << 26);
    eww_chart_svg(&out, &d.chart);
    eww_buf_reset(&out);
    eww_chart_term(&out, &d.chart, size && (data[0] & 1) ? 3 : 80, size > 1 ? data[1] % 40 : 10);
    eww_buf_free(&out);
    eww_chart_data_free(&d);
    return 0;
}
