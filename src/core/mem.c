/* mem.c - eww's allocation functions and the snapshot child's arena; see mem.h.
 *
 * The arena: every block has a 16-byte header (a tag, a constant xor the block's address,
 * and its size class). Whether a pointer is the arena's is decided by address: a sorted
 * table of the arena's mappings (never by reading memory in front of a foreign block). Small blocks
 * (up to 64 KiB) come in power-of-two classes from 1 MiB chunks, with a free list per class; larger
 * ones are mappings of their own (mremap() grows them without copying).
 */
#include "mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#elif defined(__APPLE__)
#include <malloc/malloc.h>
#endif

#define TAG       0x9e3779b97f4a7c15ull
#define HEADER    16
#define MIN_SHIFT 4  /* 16 bytes */
#define MAX_SHIFT 16 /* 64 KiB */
#define NCLASSES  (MAX_SHIFT - MIN_SHIFT + 1)
#define CHUNK     (1u << 20)
#define LARGE     (1ull << 63) /* in `info`: a mapping of its own, size in the low bits */

typedef struct header {
    uint64_t tag;
    uint64_t info; /* class index, or LARGE | mapping size */
} header;

typedef struct range {
    uintptr_t lo, hi;
} range;

static struct {
    int on;
    range *ranges; /* sorted by lo; an mmap()ed table of its own */
    size_t nranges, rcap;
    char *bump, *end; /* the chunk small blocks are cut from */
    void *free_list[NCLASSES];
    size_t mapped;
} A;

static size_t find(uintptr_t a) /* index of the first range with lo > a */
{
    size_t lo = 0, hi = A.nranges;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (A.ranges[mid].lo <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int room_for_range(void)
{
    if (A.nranges == A.rcap) {
        size_t cap = A.rcap ? A.rcap * 2 : 4096;
        void *t = mmap(NULL, cap * sizeof(range), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (t == MAP_FAILED)
            return -1;
        if (A.ranges) {
            memcpy(t, A.ranges, A.nranges * sizeof(range));
            munmap(A.ranges, A.rcap * sizeof(range));
        }
        A.ranges = t;
        A.rcap = cap;
    }
    return 0;
}

static int add_range(void *p, size_t n)
{
    if (room_for_range() < 0)
        return -1;
    size_t i = find((uintptr_t)p);
    memmove(A.ranges + i + 1, A.ranges + i, (A.nranges - i) * sizeof(range));
    A.ranges[i] = (range){(uintptr_t)p, (uintptr_t)p + n};
    A.nranges++;
    return 0;
}

static void drop_range(void *p)
{
    size_t i = find((uintptr_t)p);
    if (i > 0 && A.ranges[i - 1].lo == (uintptr_t)p) {
        memmove(A.ranges + i - 1, A.ranges + i, (A.nranges - i) * sizeof(range));
        A.nranges--;
    }
}

static void *map(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    if (add_range(p, n) < 0) {
        munmap(p, n);
        return NULL;
    }
    A.mapped += n;
    return p;
}

static size_t page_round(size_t n)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    return (n + pg - 1) / pg * pg;
}

static header *head_of(const void *p)
{
    return (header *)((char *)(uintptr_t)p - HEADER);
}

int eww_mem_arena_owns(const void *p)
{
    if (!A.on || !p)
        return 0;
    size_t i = find((uintptr_t)p);
    return i > 0 && (uintptr_t)p < A.ranges[i - 1].hi;
}

static int class_of(size_t n)
{
    int c = 0;
    while (((size_t)1 << (c + MIN_SHIFT)) < n)
        c++;
    return c;
}

static void *arena_alloc(size_t n)
{
    char *block;
    uint64_t info;
    if (n > ((size_t)1 << MAX_SHIFT)) {
        if (n > SIZE_MAX / 2)
            return NULL;
        size_t len = page_round(n + HEADER);
        block = map(len);
        if (!block)
            return NULL;
        info = LARGE | len;
    } else {
        int c = class_of(n);
        size_t size = (size_t)1 << (c + MIN_SHIFT);
        if (A.free_list[c]) {
            char *p = A.free_list[c];
            memcpy(&A.free_list[c], p, sizeof(void *));
            return p;
        }
        if ((size_t)(A.end - A.bump) < size + HEADER) {
            char *chunk = map(CHUNK);
            if (!chunk)
                return NULL;
            A.bump = chunk;
            A.end = chunk + CHUNK;
        }
        block = A.bump;
        A.bump += size + HEADER;
        info = (uint64_t)c;
    }
    char *p = block + HEADER;
    header *h = (header *)block;
    h->tag = TAG ^ (uintptr_t)p;
    h->info = info;
    return p;
}

static size_t usable(const header *h)
{
    if (h->info & LARGE)
        return (size_t)(h->info & ~LARGE) - HEADER;
    return (size_t)1 << (h->info + MIN_SHIFT);
}

static void arena_free(void *p)
{
    header *h = head_of(p);
    if (h->info & LARGE) {
        size_t len = (size_t)(h->info & ~LARGE);
        h->tag = 0;
        drop_range(h);
        munmap(h, len);
        A.mapped -= len;
        return;
    }
    int c = (int)h->info;
    memcpy(p, &A.free_list[c], sizeof(void *));
    A.free_list[c] = p;
}

size_t eww_mem_foreign_size(const void *p)
{
#if defined(__GLIBC__)
    return malloc_usable_size((void *)(uintptr_t)p);
#elif defined(__APPLE__)
    return malloc_size(p);
#else
    (void)p;
    return 0;
#endif
}

static void *arena_realloc(void *p, size_t n)
{
    if (!p)
        return arena_alloc(n);
    if (!eww_mem_arena_owns(p)) {
        /* A block of the C library's, made before the switch: copy it; never free it. */
        void *q = arena_alloc(n ? n : 1);
        size_t old = eww_mem_foreign_size(p);
        if (q)
            memcpy(q, p, old < n ? old : n);
        return q;
    }
    header *h = head_of(p);
    size_t have = usable(h);
    if (n <= have && !((h->info & LARGE) && n <= have / 2))
        return p;
#ifdef __linux__
    if ((h->info & LARGE) && n > ((size_t)1 << MAX_SHIFT)) {
        size_t oldlen = (size_t)(h->info & ~LARGE), len = page_round(n + HEADER);
        if (room_for_range() < 0)
            return NULL;
        void *m = mremap(h, oldlen, len, MREMAP_MAYMOVE);
        if (m == MAP_FAILED)
            return NULL;
        drop_range(h);
        add_range(m, len); /* cannot fail: room was made */
        A.mapped += len - oldlen;
        header *nh = m;
        char *np = (char *)m + HEADER;
        nh->tag = TAG ^ (uintptr_t)np;
        nh->info = LARGE | len;
        return np;
    }
#endif
    void *q = arena_alloc(n);
    if (!q)
        return NULL;
    memcpy(q, p, have < n ? have : n);
    arena_free(p);
    return q;
}

void *eww_malloc(size_t n)
{
    return A.on ? arena_alloc(n ? n : 1) : malloc(n);
}

void *eww_calloc(size_t count, size_t size)
{
    if (!A.on)
        return calloc(count, size);
    if (size && count > SIZE_MAX / size)
        return NULL;
    size_t n = count * size;
    void *p = arena_alloc(n ? n : 1);
    if (p)
        memset(p, 0, n); /* a free-list block is not zero */
    return p;
}

void *eww_realloc(void *p, size_t n)
{
    return A.on ? arena_realloc(p, n ? n : 1) : realloc(p, n);
}

void eww_free(void *p)
{
    if (!A.on) {
        free(p);
        return;
    }
    if (eww_mem_arena_owns(p))
        arena_free(p);
    /* else: the C library's, from before the switch; left alone */
}

char *eww_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = eww_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void eww_mem_use_arena(void)
{
    A.on = 1;
}

int eww_mem_arena_on(void)
{
    return A.on;
}

size_t eww_mem_arena_bytes(void)
{
    return A.mapped;
}

/* ---- sort -------------------------------------------------------------------------- */

typedef int (*cmp_fn)(const void *, const void *, void *);

static void insertion(char *b, size_t n, size_t size, cmp_fn cmp, void *ctx, char *tmp)
{
    for (size_t i = 1; i < n; i++) {
        size_t j = i;
        memcpy(tmp, b + i * size, size);
        while (j > 0 && cmp(b + (j - 1) * size, tmp, ctx) > 0) {
            memcpy(b + j * size, b + (j - 1) * size, size);
            j--;
        }
        if (j != i)
            memcpy(b + j * size, tmp, size);
    }
}

static void merge_sort(char *b, char *t, size_t n, size_t size, cmp_fn cmp, void *ctx)
{
    if (n <= 12) {
        insertion(b, n, size, cmp, ctx, t);
        return;
    }
    size_t h = n / 2;
    merge_sort(b, t, h, size, cmp, ctx);
    merge_sort(b + h * size, t, n - h, size, cmp, ctx);
    if (cmp(b + (h - 1) * size, b + h * size, ctx) <= 0)
        return; /* already in order */
    memcpy(t, b, h * size);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        if (cmp(b + j * size, t + i * size, ctx) < 0)
            memcpy(b + k++ * size, b + j++ * size, size);
        else
            memcpy(b + k++ * size, t + i++ * size, size);
    }
    memcpy(b + k * size, t + i * size, (h - i) * size);
}

void eww_sort(void *base, size_t n, size_t size, cmp_fn cmp, void *ctx)
{
    if (n < 2 || size == 0)
        return;
    char small[4096];
    size_t need = (n / 2 + 1) * size;
    char *tmp = need <= sizeof small ? small : eww_malloc(need);
    if (!tmp) {
        /* No memory for the merge: sort in place, slowly (an element's worth of room). */
        char *one = size <= sizeof small ? small : eww_malloc(size);
        if (one)
            insertion(base, n, size, cmp, ctx, one);
        if (one && one != small)
            eww_free(one);
        return;
    }
    merge_sort(base, tmp, n, size, cmp, ctx);
    if (tmp != small)
        eww_free(tmp);
}
