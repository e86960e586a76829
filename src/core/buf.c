/* buf.c - growable byte buffer with a ceiling; see buf.h.
 *
 * Not thread-safe: a buffer belongs to one thread at a time. Does not shrink.
 */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "error.h"

void eww_buf_init(eww_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void eww_buf_free(eww_buf *b)
{
    eww_free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

/* Make room for n more bytes plus the terminating NUL. */
static int buf_reserve(eww_buf *b, size_t n)
{
    if (n > b->max || b->len > b->max - n) {
        eww_buf_free(b);
        return EWW_E2BIG;
    }
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
    /* Never allocate past the ceiling (+1 for the NUL), minding max == SIZE_MAX. */
    if (b->max < (size_t)-1 && cap > b->max + 1)
        cap = b->max + 1;
    char *p = eww_realloc(b->data, cap);
    if (p == NULL) {
        eww_buf_free(b);
        return EWW_ENOMEM;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int eww_buf_append(eww_buf *b, const void *p, size_t n)
{
    int rc = buf_reserve(b, n);
    if (rc < 0)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int eww_buf_putc(eww_buf *b, char c)
{
    return eww_buf_append(b, &c, 1);
}

int eww_buf_puts(eww_buf *b, const char *s)
{
    return eww_buf_append(b, s, strlen(s));
}

int eww_buf_printf(eww_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        eww_buf_free(b);
        return EWW_EINVAL;
    }
    int rc = buf_reserve(b, (size_t)n);
    if (rc < 0)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void eww_buf_consume(eww_buf *b, size_t n)
{
    if (n >= b->len) {
        eww_buf_reset(b);
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

void eww_buf_reset(eww_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}
