/* fmt.h - human-readable numbers shared by the console and the client. */
#ifndef EWW_FMT_H
#define EWW_FMT_H

#include <stddef.h>

/* 1536 -> "1.5 KiB"; negative -> "?" */
void eww_fmt_bytes(char *out, size_t outlen, long long bytes);
/* 3725 -> "1h 02m 05s"; 90061 -> "1d 01h 01m"; negative -> "?" */
void eww_fmt_duration(char *out, size_t outlen, double seconds);

#endif
