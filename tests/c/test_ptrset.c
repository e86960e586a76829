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

int main(void)
{
    RUN(test_add_and_has);
    return check_failures != 0;
}
