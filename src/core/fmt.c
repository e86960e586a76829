/* fmt.c - human-readable sizes and durations; see fmt.h. */
#include "fmt.h"

#include <stdio.h>
#include <stdlib.h>

void eww_fmt_bytes(char *out, size_t outlen, long long bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    if (bytes < 0) {
        snprintf(out, outlen, "?");
        return;
    }
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024 && u < 5) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(out, outlen, "%lld B", bytes);
    else
        snprintf(out, outlen, "%.1f %s", v, units[u]);
}

void eww_fmt_duration(char *out, size_t outlen, double seconds)
{
    if (seconds < 0) {
        snprintf(out, outlen, "?");
        return;
    }
    long long s = (long long)seconds;
    long long d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
    if (d > 0)
        snprintf(out, outlen, "%lldd %02lldh %02lldm", d, h, m);
    else if (h > 0)
        snprintf(out, outlen, "%lldh %02lldm %02llds", h, m, sec);
    else if (m > 0)
        snprintf(out, outlen, "%lldm %02llds", m, sec);
    else
        snprintf(out, outlen, "%llds", sec);
}

void eww_fmt_double(char *out, size_t outlen, double v)
{
    if (!out || outlen == 0)
        return;
    /* Range first: converting a double beyond long long's range is undefined. */
    if (v > -1e16 && v < 1e16 && v == (double)(long long)v) {
        snprintf(out, outlen, "%.0f", v); /* whole numbers as such: 150, not 1.5e+02 */
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, outlen, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

char *eww_fmt_count(char *out, size_t outlen, unsigned long long v)
{
    char raw[32];
    int len = snprintf(raw, sizeof raw, "%llu", v);
    size_t o = 0;
    for (int i = 0; i < len && o + 2 < outlen; i++) {
        if (i && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = raw[i];
    }
    if (outlen)
        out[o < outlen ? o : outlen - 1] = '\0';
    return out;
}
