/* test_buf.c - the bounded buffer (src/core/buf.c). */
#include <stdlib.h>

#include "buf.h"
#include "check.h"
#include "error.h"

static void test_append_and_consume(void)
{
    eww_buf b;
    eww_buf_init(&b, 100);
    CHECK_INT(eww_buf_puts(&b, "hello "), 0);
    CHECK_INT(eww_buf_printf(&b, "%s %d", "world", 42), 0);
    CHECK_STR(b.data, "hello world 42");
    eww_buf_consume(&b, 6);
    CHECK_STR(b.data, "world 42");
    CHECK_INT(b.len, 8);
    eww_buf_consume(&b, 100);
    CHECK_INT(b.len, 0);
    CHECK_STR(b.data, "");
    eww_buf_free(&b);
}

static void test_ceiling_fails_loudly_and_frees(void)
{
    eww_buf b;
    eww_buf_init(&b, 10);
    CHECK_INT(eww_buf_append(&b, "0123456789", 10), 0);
    CHECK_INT(eww_buf_putc(&b, 'x'), EWW_E2BIG);
    CHECK(b.data == NULL);
    CHECK_INT(b.len, 0);
    eww_buf_init(&b, 10);
    CHECK_INT(eww_buf_printf(&b, "%020d", 1), EWW_E2BIG);
    CHECK(b.data == NULL);
    /* A length that would overflow size_t is refused, not wrapped. */
    eww_buf_init(&b, (size_t)-1);
    CHECK_INT(eww_buf_putc(&b, 'a'), 0);
    CHECK_INT(eww_buf_append(&b, "x", (size_t)-1), EWW_E2BIG);
    CHECK(b.data == NULL);
}

static void test_growth_keeps_content(void)
{
    eww_buf b;
    eww_buf_init(&b, 1 << 20);
    for (int i = 0; i < 10000; i++)
        CHECK_INT(eww_buf_putc(&b, (char)('a' + i % 26)), 0);
    CHECK_INT(b.len, 10000);
    CHECK(b.data[9999] == (char)('a' + 9999 % 26));
    CHECK(b.data[10000] == '\0');
    eww_buf_free(&b);
}

int main(void)
{
    RUN(test_append_and_consume);
    RUN(test_ceiling_fails_loudly_and_frees);
    RUN(test_growth_keeps_content);
    return check_failures != 0;
}
