/* buf.h - a growable byte buffer with a hard ceiling.
 *
 * Every buffer has a maximum size. An append that would pass it, or that cannot get memory,
 * fails with EWW_E2BIG or EWW_ENOMEM and frees the buffer: a caller never continues with
 * silently truncated data. The data is always NUL-terminated (not counted in len) so text
 * can be used in place.
 *
 *     eww_buf b;
 *     eww_buf_init(&b, 1 << 20);
 *     if (eww_buf_printf(&b, "pid %d\n", pid) < 0) goto error;   // b is already freed
 *     ...
 *     eww_buf_free(&b);
 */
#ifndef EWW_BUF_H
#define EWW_BUF_H

#include <stddef.h>

typedef struct eww_buf {
    char *data; /* NULL until the first append */
    size_t len; /* bytes used */
    size_t cap; /* bytes allocated */
    size_t max; /* ceiling for len */
} eww_buf;

void eww_buf_init(eww_buf *b, size_t max);
void eww_buf_free(eww_buf *b);
int eww_buf_append(eww_buf *b, const void *p, size_t n);
int eww_buf_putc(eww_buf *b, char c);
int eww_buf_puts(eww_buf *b, const char *s);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int eww_buf_printf(eww_buf *b, const char *fmt, ...);
/* Drop the first n bytes (n <= len). */
void eww_buf_consume(eww_buf *b, size_t n);
/* Forget the contents, keep the memory. */
void eww_buf_reset(eww_buf *b);

#endif
