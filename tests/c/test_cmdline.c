/* test_cmdline.c - shell-like splitting (src/core/cmdline.c). */
#include "check.h"
#include "cmdline.h"
#include "error.h"

static int split(const char *line, const char **argv, char *store, const char **why)
{
    int argc;
    int rc = eww_split_args(line, store, 256, argv, 16, &argc, why);
    return rc < 0 ? rc : argc;
}

static void test_quoting(void)
{
    const char *argv[16], *why;
    char store[256];
    CHECK_INT(split("stats -g 'Memory Usage'", argv, store, &why), 3);
    CHECK_STR(argv[2], "Memory Usage");
    CHECK_INT(split("  a   b\t c  ", argv, store, &why), 3);
    CHECK_STR(argv[2], "c");
    CHECK_INT(split("\"x \\\"y\\\" $z\"", argv, store, &why), 1);
    CHECK_STR(argv[0], "x \"y\" $z");
    CHECK_INT(split("a\\ b 'it'\\''s' \"\\n\"", argv, store, &why), 3);
    CHECK_STR(argv[0], "a b");
    CHECK_STR(argv[1], "it's");
    CHECK_STR(argv[2], "\\n");
    CHECK_INT(split("''", argv, store, &why), 1);
    CHECK_STR(argv[0], "");
    CHECK_INT(split("pre'mid'post", argv, store, &why), 1);
    CHECK_STR(argv[0], "premidpost");
    CHECK_INT(split("", argv, store, &why), 0);
    CHECK_INT(split("   ", argv, store, &why), 0);
}

static void test_errors(void)
{
    const char *argv[16], *why;
    char store[256];
    CHECK_INT(split("stats -g 'Memory", argv, store, &why), EWW_EINVAL);
    CHECK_STR(why, "unterminated single quote");
    CHECK_INT(split("\"abc", argv, store, &why), EWW_EINVAL);
    CHECK_STR(why, "unterminated double quote");
    CHECK_INT(split("abc\\", argv, store, &why), EWW_EINVAL);
    CHECK_STR(why, "trailing backslash");
    CHECK_INT(split("a b c d e f g h i j k l m n o p q", argv, store, &why), EWW_E2BIG);
    int argc;
    CHECK_INT(eww_split_args("abcdef", store, 3, argv, 16, &argc, &why), EWW_E2BIG);
}

static void test_rest_of_line(void)
{
    CHECK_STR(eww_rest_of_line("exec import sys; print(sys.path)", "exec"),
              "import sys; print(sys.path)");
    CHECK_STR(eww_rest_of_line("  exec \t x = 'it''s'  ", "exec"), "x = 'it''s'  ");
    CHECK(eww_rest_of_line("exec", "exec") == NULL);
    CHECK(eww_rest_of_line("exec   ", "exec") == NULL);
    CHECK(eww_rest_of_line("executive x", "exec") == NULL);
    CHECK(eww_rest_of_line("stats exec", "exec") == NULL);
}

static void test_strip_escapes(void)
{
    char a[] = "\033[Ainfo\033[D\033[1;5C";
    CHECK_INT((int)eww_strip_escapes(a), 4);
    CHECK_STR(a, "info");
    char b[] = "1\033OP+\033b1\033[15~";
    eww_strip_escapes(b);
    CHECK_STR(b, "1+1");
    char c[] = "x\033";
    eww_strip_escapes(c); /* cut short: nothing read past the end */
    CHECK_STR(c, "x");
    char d[] = "\033[12";
    eww_strip_escapes(d);
    CHECK_STR(d, "");
    char e[] = "print('caf\xc3\xa9')";
    eww_strip_escapes(e);
    CHECK_STR(e, "print('caf\xc3\xa9')");
}

int main(void)
{
    RUN(test_strip_escapes);
    RUN(test_quoting);
    RUN(test_rest_of_line);
    RUN(test_errors);
    return check_failures != 0;
}
