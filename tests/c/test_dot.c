/* test_dot.c - DOT quoting and the graph DATA payload (dot.c). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dot.h"
#include "error.h"

static void test_quote(void)
{
    eww_buf b;
    eww_buf_init(&b, 1024);
    CHECK_INT(eww_dot_quote(&b, "a\"b\\c\nd\x01\x7f \xff é", 100), 0);
    CHECK_STR(b.data, "a\\\"b\\\\c\\nd?? ? é");
    eww_buf_free(&b);
}

static void test_quote_cut(void)
{
    eww_buf b;
    eww_buf_init(&b, 1024);
    /* Characters, not bytes: a two-byte character is never cut in half. */
    CHECK_INT(eww_dot_quote(&b, "ééééé", 3), 0);
    CHECK_STR(b.data, "ééé...");
    eww_buf_reset(&b);
    CHECK_INT(eww_dot_quote(&b, "abc", 3), 0);
    CHECK_STR(b.data, "abc");
    eww_buf_reset(&b);
    /* A megabyte in, a short label out. */
    char *big = malloc(1u << 20);
    memset(big, 'x', (1u << 20) - 1);
    big[(1u << 20) - 1] = '\0';
    CHECK_INT(eww_dot_quote(&b, big, 40), 0);
    CHECK_INT((long)b.len, 43);
    free(big);
    eww_buf_free(&b);
}

static void test_payload(void)
{
    eww_buf b;
    eww_buf_init(&b, 1024);
    CHECK_INT(eww_graph_data_header(&b, "backrefs.svg", 12), 0);
    CHECK_INT(eww_buf_puts(&b, "digraph g { a -> b; }\n"), 0);
    eww_graph_data g;
    CHECK_INT(eww_graph_data_parse(b.data, b.len, &g), 0);
    CHECK_STR(g.file, "backrefs.svg");
    CHECK_INT((long)g.nodes, 12);
    CHECK_INT((long)g.dot_len, (long)strlen("digraph g { a -> b; }\n"));
    CHECK(memcmp(g.dot, "digraph", 7) == 0);
    eww_buf_free(&b);

    const char *bad[] = {
        "graph=dot\nfile=x\n",                /* no end of header */
        "chart=svg\nfile=x\n\ndigraph {}",    /* not a graph */
        "graph=dot\nnodes=-1\n\ndigraph {}",  /* a negative count */
        "graph=dot\nnodes=12x\n\ndigraph {}", /* not a number */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_INT(eww_graph_data_parse(bad[i], strlen(bad[i]), &g), EWW_EPROTO);
    const char nul[] = "graph=dot\n\ndigraph {\0}";
    CHECK_INT(eww_graph_data_parse(nul, sizeof nul - 1, &g), EWW_EPROTO);
}

int main(void)
{
    RUN(test_quote);
    RUN(test_quote_cut);
    RUN(test_payload);
    return check_failures != 0;
}
