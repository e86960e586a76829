/* test_proto.c - frame decoder/encoder and payload helpers (src/core/proto.c). */
#include <stdlib.h>

#include "check.h"
#include "error.h"
#include "proto.h"

static void test_roundtrip(void)
{
    eww_buf b;
    eww_buf_init(&b, 1 << 21);
    CHECK_INT(eww_frame_encode(&b, EWW_FRAME_OUTPUT, 0, "hello", 5), 0);
    CHECK_INT(eww_frame_encode(&b, EWW_FRAME_FILE, EWW_FLAG_MORE, "a\0b", 3), 0);
    eww_frame f;
    CHECK_INT(eww_frame_decode((unsigned char *)b.data, b.len, EWW_FRAME_MAX, &f), 0);
    CHECK_INT(f.type, EWW_FRAME_OUTPUT);
    CHECK_INT(f.len, 5);
    CHECK_INT(f.size, EWW_FRAME_HEADER + 5);
    CHECK(memcmp(f.payload, "hello", 5) == 0);
    size_t off = f.size;
    CHECK_INT(eww_frame_decode((unsigned char *)b.data + off, b.len - off, EWW_FRAME_MAX, &f), 0);
    CHECK_INT(f.type, EWW_FRAME_FILE);
    CHECK_INT(f.flags, EWW_FLAG_MORE);
    CHECK_INT(f.len, 3);
    eww_buf_free(&b);
}

static void test_every_prefix_is_incomplete(void)
{
    eww_buf b;
    eww_buf_init(&b, 1024);
    eww_frame_encode(&b, EWW_FRAME_COMMAND, 0, "info\0", 5);
    eww_frame f;
    for (size_t n = 0; n < b.len; n++)
        CHECK_INT(eww_frame_decode((unsigned char *)b.data, n, EWW_FRAME_MAX, &f), EWW_EAGAIN);
    CHECK_INT(eww_frame_decode((unsigned char *)b.data, b.len, EWW_FRAME_MAX, &f), 0);
    eww_buf_free(&b);
}

static void test_bad_frames(void)
{
    eww_frame f;
    const unsigned char bad_magic[] = {'X', 'W', 1, 0, 0, 0, 0, 0};
    const unsigned char bad_type[] = {'E', 'W', 99, 0, 0, 0, 0, 0};
    const unsigned char zero_type[] = {'E', 'W', 0, 0, 0, 0, 0, 0};
    const unsigned char bad_flags[] = {'E', 'W', 1, 0x80, 0, 0, 0, 0};
    const unsigned char too_big[] = {'E', 'W', 1, 0, 0x00, 0x10, 0x00, 0x01};
    const unsigned char huge[] = {'E', 'W', 1, 0, 0xff, 0xff, 0xff, 0xff};
    CHECK_INT(eww_frame_decode(bad_magic, 8, EWW_FRAME_MAX, &f), EWW_EPROTO);
    CHECK_INT(eww_frame_decode(bad_magic, 1, EWW_FRAME_MAX, &f), EWW_EPROTO);
    CHECK_INT(eww_frame_decode(bad_type, 8, EWW_FRAME_MAX, &f), EWW_EPROTO);
    CHECK_INT(eww_frame_decode(bad_type, 3, EWW_FRAME_MAX, &f), EWW_EPROTO);
    CHECK_INT(eww_frame_decode(zero_type, 8, EWW_FRAME_MAX, &f), EWW_EPROTO);
    CHECK_INT(eww_frame_decode(bad_flags, 8, EWW_FRAME_MAX, &f), EWW_EPROTO);
    CHECK_INT(eww_frame_decode(too_big, 8, EWW_FRAME_MAX, &f), EWW_E2BIG);
    CHECK_INT(eww_frame_decode(huge, 8, EWW_FRAME_MAX, &f), EWW_E2BIG);
    /* A smaller limit of the caller is honoured; a larger one is capped. */
    const unsigned char k2[] = {'E', 'W', 1, 0, 0, 0, 0x08, 0x00};
    CHECK_INT(eww_frame_decode(k2, 8, 1024, &f), EWW_E2BIG);
    CHECK_INT(eww_frame_decode(too_big, 8, (size_t)-1, &f), EWW_E2BIG);
    eww_buf b;
    eww_buf_init(&b, 1 << 22);
    CHECK_INT(eww_frame_encode(&b, 0, 0, "", 0), EWW_EINVAL);
    CHECK_INT(eww_frame_encode(&b, EWW_FRAME_OUTPUT, 0x40, "", 0), EWW_EINVAL);
    char *big = calloc(1, EWW_FRAME_MAX + 1);
    CHECK_INT(eww_frame_encode(&b, EWW_FRAME_OUTPUT, 0, big, EWW_FRAME_MAX + 1), EWW_E2BIG);
    free(big);
    eww_buf_free(&b);
}

static void test_http_is_recognised(void)
{
    eww_frame f;
    const char *reqs[] = {"GET / HTTP/1.1\r\n",
                          "POST /x HTTP/1.0\r\n",
                          "HEAD / HTTP/1.1",
                          "PUT /a",
                          "OPTIONS * HTTP/1.1",
                          "PRI * HTTP/2.0",
                          "GET"};
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++)
        CHECK_INT(
            eww_frame_decode((const unsigned char *)reqs[i], strlen(reqs[i]), EWW_FRAME_MAX, &f),
            EWW_EHTTP);
    CHECK(!eww_looks_like_http((const unsigned char *)"GE", 2));
    CHECK(!eww_looks_like_http((const unsigned char *)"\x16\x03\x01", 3)); /* TLS hello */
    CHECK_INT(eww_frame_decode((const unsigned char *)"\x16\x03\x01", 3, EWW_FRAME_MAX, &f),
              EWW_EPROTO);
}

static void test_kv(void)
{
    eww_buf b;
    eww_buf_init(&b, 4096);
    CHECK_INT(eww_kv_put(&b, "proto", "1"), 0);
    CHECK_INT(eww_kv_put(&b, "program", "my\napp"), 0);
    CHECK_INT(eww_kv_put(&b, "empty", ""), 0);
    char v[16];
    CHECK_INT(eww_kv_get((unsigned char *)b.data, b.len, "proto", v, sizeof v), 0);
    CHECK_STR(v, "1");
    CHECK_INT(eww_kv_get((unsigned char *)b.data, b.len, "program", v, sizeof v), 0);
    CHECK_STR(v, "my app");
    CHECK_INT(eww_kv_get((unsigned char *)b.data, b.len, "empty", v, sizeof v), 0);
    CHECK_STR(v, "");
    CHECK_INT(eww_kv_get((unsigned char *)b.data, b.len, "prog", v, sizeof v), EWW_EINVAL);
    CHECK_INT(eww_kv_get((unsigned char *)b.data, b.len, "program", v, 3), EWW_E2BIG);
    /* The last line without its newline still counts. */
    CHECK_INT(eww_kv_get((const unsigned char *)"a=1\nb=22", 8, "b", v, sizeof v), 0);
    CHECK_STR(v, "22");
    eww_buf_free(&b);
}

static void test_argv(void)
{
    eww_buf b;
    eww_buf_init(&b, 4096);
    char *in[] = {"stats", "-g", "Memory Usage", ""};
    CHECK_INT(eww_argv_encode(&b, 4, in), 0);
    const char *argv[8];
    int argc;
    CHECK_INT(eww_argv_decode((unsigned char *)b.data, b.len, argv, 8, &argc), 0);
    CHECK_INT(argc, 4);
    CHECK_STR(argv[2], "Memory Usage");
    CHECK_STR(argv[3], "");
    CHECK_INT(eww_argv_decode((unsigned char *)b.data, b.len, argv, 3, &argc), EWW_E2BIG);
    CHECK_INT(eww_argv_decode((const unsigned char *)"abc", 3, argv, 8, &argc), EWW_EPROTO);
    CHECK_INT(eww_argv_decode((const unsigned char *)"", 0, argv, 8, &argc), 0);
    CHECK_INT(argc, 0);
    eww_buf_free(&b);
}

int main(void)
{
    RUN(test_roundtrip);
    RUN(test_every_prefix_is_incomplete);
    RUN(test_bad_frames);
    RUN(test_http_is_recognised);
    RUN(test_kv);
    RUN(test_argv);
    return check_failures != 0;
}
