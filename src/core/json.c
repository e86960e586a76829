/* json.c - JSON string escaping; see json.h. */
#include "json.h"

#include <string.h>

size_t eww_utf8_len(const unsigned char *s)
{
    size_t n;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xE0) == 0xC0 && s[0] >= 0xC2)
        n = 2;
    else if ((s[0] & 0xF0) == 0xE0)
        n = 3;
    else if ((s[0] & 0xF8) == 0xF0 && s[0] <= 0xF4)
        n = 4;
    else
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

int eww_json_str(eww_buf *b, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    int rc = eww_buf_putc(b, '"');
    while (rc == 0 && *s) {
        if (*s == '"' || *s == '\\') {
            char esc[2] = {'\\', (char)*s};
            rc = eww_buf_append(b, esc, 2);
            s++;
        } else if (*s < 0x20) {
            rc = eww_buf_printf(b, "\\u%04x", *s);
            s++;
        } else {
            size_t n = eww_utf8_len(s);
            if (n == 0) {
                rc = eww_buf_puts(b, "\\ufffd");
                s++;
            } else {
                rc = eww_buf_append(b, s, n);
                s += n;
            }
        }
    }
    if (rc == 0)
        rc = eww_buf_putc(b, '"');
    return rc;
}
