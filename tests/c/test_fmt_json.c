/* test_fmt_json.c - human-readable numbers (fmt.c) and JSON strings (json.c). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "fmt.h"
#include "json.h"

static void test_bytes(void)
{
    char s[32];
    eww_fmt_bytes(s, sizeof s, 0);
    CHECK_STR(s, "0 B");
    eww_fmt_bytes(s, sizeof s, 1023);
    CHECK_STR(s, "1023 B");
    eww_fmt_bytes(s, sizeof s, 1536);
    CHECK_STR(s, "1.5 KiB");
    eww_fmt_bytes(s, sizeof s, 5LL << 30);
    CHECK_STR(s, "5.0 GiB");
    eww_fmt_bytes(s, sizeof s, -1);
    CHECK_STR(s, "?");
}

static void test_duration(void)
{
    char s[32];
    eww_fmt_duration(s, sizeof s, 5.9);
    CHECK_STR(s, "5s");
    eww_fmt_duration(s, sizeof s, 125);
    CHECK_STR(s, "2m 05s");
    eww_fmt_duration(s, sizeof s, 3725);
    CHECK_STR(s, "1h 02m 05s");
    eww_fmt_duration(s, sizeof s, 90061);
    CHECK_STR(s, "1d 01h 01m");
    eww_fmt_duration(s, sizeof s, -1);
    CHECK_STR(s, "?");
}

static void test_count(void)
{
    char s[32];
    CHECK_STR(eww_fmt_count(s, sizeof s, 0), "0");
    CHECK_STR(eww_fmt_count(s, sizeof s, 999), "999");
    CHECK_STR(eww_fmt_count(s, sizeof s, 1000), "1,000");
    CHECK_STR(eww_fmt_count(s, sizeof s, 9998), "9,998");
    CHECK_STR(eww_fmt_count(s, sizeof s, 1234567), "1,234,567");
    CHECK_STR(eww_fmt_count(s, sizeof s, 18446744073709551615ull), "18,446,744,073,709,551,615");
    char tiny[4];
    CHECK(strlen(eww_fmt_count(tiny, sizeof tiny, 123456)) < sizeof tiny); /* never overruns */
}

static void test_double(void)
{
    char s[64];
    eww_fmt_double(s, sizeof s, 150);
    CHECK_STR(s, "150");
    eww_fmt_double(s, sizeof s, -3);
    CHECK_STR(s, "-3");
    eww_fmt_double(s, sizeof s, 0.1);
    CHECK_STR(s, "0.1");
    eww_fmt_double(s, sizeof s, 2.5e-9);
    CHECK_STR(s, "2.5e-09");
    eww_fmt_double(s, sizeof s, 1e20);
    CHECK_STR(s, "1e+20");
    eww_fmt_double(s, sizeof s, -1e300);
    CHECK_STR(s, "-1e+300");
    eww_fmt_double(s, sizeof s, 1.0 / 3);
    CHECK(strtod(s, NULL) == 1.0 / 3);
}

static void test_json(void)
{
    eww_buf b;
    eww_buf_init(&b, 1024);
    CHECK_INT(eww_json_str(&b, "a\"b\\c\n\x01 é \xff"), 0);
    CHECK_STR(b.data, "\"a\\\"b\\\\c\\u000a\\u0001 é \\ufffd\"");
    eww_buf_free(&b);
}

int main(void)
{
    RUN(test_bytes);
    RUN(test_duration);
    RUN(test_count);
    RUN(test_double);
    RUN(test_json);
    return check_failures != 0;
}
