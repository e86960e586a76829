/* test_ptrset.c - the pointer set of heap walks (src/core/ptrset.c). */
#include <stdlib.h>

#include "check.h"
#include "ptrset.h"

static void test_add_and_has(void)
{
    eww_ptrset s;
    eww_ptrset_init(&s);
    enum { N = 200000 };
    char **blocks = malloc(N * sizeof *blocks);
    for (int i = 0; i < N; i++)
        blocks[i] = malloc(16 + (size_t)(i % 7) * 8);
    for (int i = 0; i < N; i++)
        CHECK_INT(eww_ptrset_add(&s, blocks[i]), 1);
    for (int i = 0; i < N; i++) {
        CHECK_INT(eww_ptrset_add(&s, blocks[i]), 0);
        CHECK(eww_ptrset_has(&s, blocks[i]));
        CHECK(!eww_ptrset_has(&s, blocks[i] + 8) || (i % 7) == 0);
    }
    /* far apart addresses, neighbours 8 bytes apart, region edges */
    static char statics[64];
    CHECK_INT(eww_ptrset_add(&s, statics), 1);
    CHECK_INT(eww_ptrset_add(&s, statics + 8), 1);
    CHECK(eww_ptrset_has(&s, statics));
    CHECK(!eww_ptrset_has(&s, (void *)(uintptr_t)0x7fff00000000ull));
    CHECK_INT(eww_ptrset_add(&s, (void *)(uintptr_t)(1ull << 20)), 1);
    CHECK_INT(eww_ptrset_add(&s, (void *)(uintptr_t)((1ull << 20) - 8)), 1);
    CHECK(s.bytes < (size_t)N * 2); /* well under a byte per object at this density */
    for (int i = 0; i < N; i++)
        free(blocks[i]);
    free(blocks);
    eww_ptrset_free(&s);
}

static int count_and_check(void *arg, void *p)
{
    size_t *n = arg;
    n[0]++;
    if ((uintptr_t)p % 8 != 0)
        n[1]++;
    return 0;
}

static int stop_at_three(void *arg, void *p)
{
    (void)p;
    return ++*(int *)arg == 3 ? 7 : 0;
}

static void test_each(void)
{
    eww_ptrset s;
    eww_ptrset_init(&s);
    enum { N = 50000 };
    char **blocks = malloc(N * sizeof *blocks);
    for (int i = 0; i < N; i++) {
        blocks[i] = malloc(24);
        eww_ptrset_add(&s, blocks[i]);
    }
    eww_ptrset_add(&s, (void *)(uintptr_t)(1ull << 20));
    eww_ptrset_add(&s, (void *)(uintptr_t)((1ull << 20) - 8));
    size_t n[2] = {0, 0};
    CHECK_INT(eww_ptrset_each(&s, count_and_check, n), 0);
    CHECK_INT((int)n[0], N + 2); /* each pointer once, aligned as added */
    CHECK_INT((int)n[1], 0);
    int calls = 0;
    CHECK_INT(eww_ptrset_each(&s, stop_at_three, &calls), 7);
    CHECK_INT(calls, 3);
    for (int i = 0; i < N; i++)
        free(blocks[i]);
    free(blocks);
    eww_ptrset_free(&s);
}

int main(void)
{
    RUN(test_add_and_has);
    RUN(test_each);
    return check_failures != 0;
}
