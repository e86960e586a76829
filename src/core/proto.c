/* proto.c - frame decoder/encoder and payload helpers; see proto.h for the format.
 *
 * Pure functions: no I/O, no allocation except into the caller's eww_buf. The decoder is the
 * code that parses bytes from untrusted peers, so it checks every length before reading and
 * is the target of tests/fuzz/fuzz_frame.c.
 */
#include "proto.h"

#include <string.h>

#include "error.h"

static const char *const frame_names[] = {
    [EWW_FRAME_HELLO] = "HELLO",         [EWW_FRAME_COMMAND] = "COMMAND",
    [EWW_FRAME_OUTPUT] = "OUTPUT",       [EWW_FRAME_ERROR] = "ERROR",
    [EWW_FRAME_DONE] = "DONE",           [EWW_FRAME_FILE] = "FILE",
    [EWW_FRAME_PROMPT] = "PROMPT",       [EWW_FRAME_INPUT] = "INPUT",
    [EWW_FRAME_INTERRUPT] = "INTERRUPT", [EWW_FRAME_EOF] = "EOF",
    [EWW_FRAME_PROGRESS] = "PROGRESS",   [EWW_FRAME_DATA] = "DATA",
    [EWW_FRAME_COMPLETE] = "COMPLETE",   [EWW_FRAME_STATE] = "STATE",
};

const char *eww_frame_name(int type)
{
    if (type < 1 || type > EWW_FRAME_TYPE_MAX)
        return "UNKNOWN";
    return frame_names[type];
}

int eww_looks_like_http(const unsigned char *data, size_t len)
{
    static const char *const methods[] = {"GET ",     "POST ",    "HEAD ",  "PUT ",   "DELETE ",
                                          "OPTIONS ", "CONNECT ", "PATCH ", "TRACE ", "PRI * HTTP"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        size_t m = strlen(methods[i]);
        size_t k = len < m ? len : m;
        /* Four bytes are enough to be sure; fewer count when they are all there is. */
        if (k >= 3 && memcmp(data, methods[i], k) == 0)
            return 1;
    }
    return 0;
}

int eww_frame_decode(const unsigned char *data, size_t len, size_t max_payload, eww_frame *f)
{
    if (max_payload > EWW_FRAME_MAX)
        max_payload = EWW_FRAME_MAX;
    if (len >= 1 && data[0] != 'E')
        return eww_looks_like_http(data, len) ? EWW_EHTTP : EWW_EPROTO;
    if (len >= 2 && data[1] != 'W')
        return EWW_EPROTO;
    if (len >= 3 && (data[2] < 1 || data[2] > EWW_FRAME_TYPE_MAX))
        return EWW_EPROTO;
    if (len >= 4 && (data[3] & ~EWW_FLAG_ALL) != 0)
        return EWW_EPROTO;
    if (len < EWW_FRAME_HEADER)
        return EWW_EAGAIN;
    uint32_t n = ((uint32_t)data[4] << 24) | ((uint32_t)data[5] << 16) | ((uint32_t)data[6] << 8) |
                 (uint32_t)data[7];
    if (n > max_payload)
        return EWW_E2BIG;
    if (len - EWW_FRAME_HEADER < n)
        return EWW_EAGAIN;
    f->type = data[2];
    f->flags = data[3];
    f->payload = data + EWW_FRAME_HEADER;
    f->len = n;
    f->size = EWW_FRAME_HEADER + (size_t)n;
    return 0;
}

int eww_frame_header(unsigned char h[EWW_FRAME_HEADER], int type, int flags, size_t n)
{
    if (type < 1 || type > EWW_FRAME_TYPE_MAX || (flags & ~EWW_FLAG_ALL))
        return EWW_EINVAL;
    if (n > EWW_FRAME_MAX)
        return EWW_E2BIG;
    h[0] = 'E';
    h[1] = 'W';
    h[2] = (unsigned char)type;
    h[3] = (unsigned char)flags;
    h[4] = (unsigned char)(n >> 24);
    h[5] = (unsigned char)(n >> 16);
    h[6] = (unsigned char)(n >> 8);
    h[7] = (unsigned char)n;
    return 0;
}

int eww_frame_encode(eww_buf *out, int type, int flags, const void *payload, size_t n)
{
    unsigned char h[EWW_FRAME_HEADER];
    int rc = eww_frame_header(h, type, flags, n);
    if (rc == 0)
        rc = eww_buf_append(out, h, sizeof h);
    if (rc == 0 && n)
        rc = eww_buf_append(out, payload, n);
    return rc;
}

int eww_kv_put(eww_buf *out, const char *key, const char *value)
{
    /* A value cannot hold a newline: replace it rather than corrupt the next line. */
    int rc = eww_buf_printf(out, "%s=", key);
    for (const char *s = value; rc == 0 && *s; s++)
        rc = eww_buf_putc(out, *s == '\n' ? ' ' : *s);
    if (rc == 0)
        rc = eww_buf_putc(out, '\n');
    return rc;
}

int eww_kv_get(const unsigned char *p, size_t n, const char *key, char *out, size_t outlen)
{
    size_t klen = strlen(key);
    size_t i = 0;
    while (i < n) {
        size_t end = i;
        while (end < n && p[end] != '\n')
            end++;
        if (end - i > klen && memcmp(p + i, key, klen) == 0 && p[i + klen] == '=') {
            size_t vlen = end - i - klen - 1;
            if (vlen + 1 > outlen)
                return EWW_E2BIG;
            memcpy(out, p + i + klen + 1, vlen);
            out[vlen] = '\0';
            return 0;
        }
        i = end + 1;
    }
    return EWW_EINVAL;
}

int eww_argv_encode(eww_buf *out, int argc, char *const *argv)
{
    for (int i = 0; i < argc; i++) {
        int rc = eww_buf_append(out, argv[i], strlen(argv[i]) + 1);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int eww_argv_decode(const unsigned char *p, size_t n, const char **argv, int max, int *argc)
{
    *argc = 0;
    if (n == 0)
        return 0;
    if (p[n - 1] != '\0')
        return EWW_EPROTO;
    size_t i = 0;
    while (i < n) {
        if (*argc >= max)
            return EWW_E2BIG;
        argv[(*argc)++] = (const char *)p + i;
        i += strlen((const char *)p + i) + 1;
    }
    return 0;
}

size_t eww_kv_header_len(const char *data, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (data[i] == '\n' && data[i + 1] == '\n')
            return i + 2;
    return 0;
}
