/* test_mem.c - the allocation functions, the snapshot child's arena and eww_sort
 * (src/core/mem.c). The arena is switched on for good, so it is tested last. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mem.h"

static int cmp_int(const void *a, const void *b, void *ctx)
{
    int x = *(const int *)a, y = *(const int *)b;
    (void)ctx;
    return x < y ? -1 : x > y;
}

typedef struct {
    int key, seq;
} pair;

static int cmp_key(const void *a, const void *b, void *ctx)
{
    const pair *x = a, *y = b;
    int dir = *(const int *)ctx;
    return dir * (x->key < y->key ? -1 : x->key > y->key);
}

static void test_sort(void)
{
    for (size_t n = 0; n < 3000; n = n * 2 + 1) {
        int *v = malloc((n + 1) * sizeof *v);
        unsigned seed = 12345u + (unsigned)n;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            v[i] = (int)(seed >> 16) % 100;
        }
        eww_sort(v, n, sizeof *v, cmp_int, NULL);
        for (size_t i = 1; i < n; i++)
            CHECK(v[i - 1] <= v[i]);
        free(v);
    }
    /* stable, and the context reaches the comparison (descending here) */
    enum { N = 5000 };
    pair *p = malloc(N * sizeof *p);
    for (int i = 0; i < N; i++)
        p[i] = (pair){i % 10, i};
    int dir = -1;
    eww_sort(p, N, sizeof *p, cmp_key, &dir);
    for (int i = 1; i < N; i++) {
        CHECK(p[i - 1].key >= p[i].key);
        if (p[i - 1].key == p[i].key)
            CHECK(p[i - 1].seq < p[i].seq);
    }
    free(p);
}

static void test_arena(void)
{
    /* Blocks of the C library's, made before the switch. */
    char *before = eww_malloc(100);
    memset(before, 'b', 100);
    char *grown_later = eww_malloc(50);
    memcpy(grown_later, "made by malloc", 15);
    CHECK(!eww_mem_arena_on());
    CHECK(!eww_mem_arena_owns(before));

    eww_mem_use_arena();
    CHECK(eww_mem_arena_on());
    CHECK(!eww_mem_arena_owns(before));
    eww_free(before); /* a no-op on a block of the C library's */
    CHECK(before[99] == 'b');
    char *copy = eww_realloc(grown_later, 200000); /* copied into the arena */
    CHECK(eww_mem_arena_owns(copy));
    CHECK_STR(copy, "made by malloc");
    CHECK(grown_later[0] == 'm'); /* the C library's block is left as it was */
    /* In a snapshot child the C library's blocks die with the process; here
       the test gives them back itself, so that LeakSanitizer stays quiet. */
    free(before);
    free(grown_later);

    /* every size class, and large blocks; contents survive growth and reuse */
    enum { N = 2000 };
    char **b = eww_malloc(N * sizeof *b);
    for (int i = 0; i < N; i++) {
        size_t n = (size_t)1 + ((size_t)i * 977) % 150000;
        b[i] = eww_malloc(n);
        CHECK(b[i] != NULL && eww_mem_arena_owns(b[i]));
        CHECK(((uintptr_t)b[i] & 15) == 0);
        memset(b[i], i & 0xff, n);
    }
    for (int i = 0; i < N; i += 2) {
        size_t n = (size_t)1 + ((size_t)i * 977) % 150000;
        char *g = eww_realloc(b[i], n * 3 + 10);
        CHECK(g != NULL);
        for (size_t k = 0; k < n; k += 97)
            CHECK((unsigned char)g[k] == (unsigned)(i & 0xff));
        b[i] = g;
    }
    size_t mapped = eww_mem_arena_bytes();
    CHECK(mapped > 0);
    for (int i = 0; i < N; i++)
        eww_free(b[i]);
    for (int i = 0; i < N / 2; i++) { /* freed small blocks are reused */
        char *p = eww_calloc(1, 64);
        CHECK(p != NULL);
        for (int k = 0; k < 64; k++)
            CHECK(p[k] == 0);
    }
    CHECK(eww_mem_arena_bytes() <= mapped);
    CHECK(eww_calloc(SIZE_MAX / 2, 4) == NULL); /* overflow */
    char *s = eww_strdup("snapshot");
    CHECK(eww_mem_arena_owns(s));
    CHECK_STR(s, "snapshot");
    eww_free(b);
    test_sort(); /* the sort's buffers come from the arena too */
}

int main(void)
{
    RUN(test_sort);
    RUN(test_arena);
    return check_failures != 0;
}
