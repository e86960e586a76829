/* fmt.h - human-readable numbers shared by the console and the client. */
#ifndef EWW_FMT_H
#define EWW_FMT_H

#include <stddef.h>

/* 1536 -> "1.5 KiB"; negative -> "?" */
void eww_fmt_bytes(char *out, size_t outlen, long long bytes);
/* 3725 -> "1h 02m 05s"; 90061 -> "1d 01h 01m"; negative -> "?" */
void eww_fmt_duration(char *out, size_t outlen, double seconds);

/* 10000 -> "10,000" (digits grouped by thousands); returns out. */
char *eww_fmt_count(char *out, size_t outlen, unsigned long long v);

/* The shortest text that reads back as the same double ("0.1", "2.5e-09", "1e+20"). */
void eww_fmt_double(char *out, size_t outlen, double v);

#endif
