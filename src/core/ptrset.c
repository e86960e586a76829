/* ptrset.c - the pointer set of heap walks; see ptrset.h. */
#include "ptrset.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "error.h"

#define REGION_BITS 20                               /* 1 MiB regions */
#define WORDS       ((1u << (REGION_BITS - 3)) / 64) /* one bit per 8 bytes */

void eww_ptrset_init(eww_ptrset *s)
{
    memset(s, 0, sizeof *s);
}

void eww_ptrset_free(eww_ptrset *s)
{
    for (size_t i = 0; i < s->cap; i++)
        eww_free(s->maps[i]);
    eww_free(s->keys);
    eww_free(s->maps);
    memset(s, 0, sizeof *s);
}

static size_t slot_of(uintptr_t key, size_t cap)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1);
}

static int grow(eww_ptrset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    uintptr_t *keys = eww_calloc(cap, sizeof *keys);
    uint64_t **maps = eww_calloc(cap, sizeof *maps);
    if (!keys || !maps) {
        eww_free(keys);
        eww_free(maps);
        return EWW_ENOMEM;
    }
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->keys[i])
            continue;
        size_t k = slot_of(s->keys[i], cap);
        while (keys[k])
            k = (k + 1) & (cap - 1);
        keys[k] = s->keys[i];
        maps[k] = s->maps[i];
    }
    s->bytes += (cap - s->cap) * (sizeof *keys + sizeof *maps);
    eww_free(s->keys);
    eww_free(s->maps);
    s->keys = keys;
    s->maps = maps;
    s->cap = cap;
    return 0;
}

/* The bitmap of p's region; created when create is set. */
static uint64_t *region(eww_ptrset *s, uintptr_t key, int create)
{
    if (key == s->last_key && s->last_map)
        return s->last_map;
    if (s->cap) {
        for (size_t k = slot_of(key, s->cap); s->keys[k]; k = (k + 1) & (s->cap - 1)) {
            if (s->keys[k] == key) {
                s->last_key = key;
                s->last_map = s->maps[k];
                return s->maps[k];
            }
        }
    }
    if (!create)
        return NULL;
    if ((s->used + 1) * 2 > s->cap && grow(s) < 0)
        return NULL;
    uint64_t *map = eww_calloc(WORDS, sizeof *map);
    if (!map)
        return NULL;
    size_t k = slot_of(key, s->cap);
    while (s->keys[k])
        k = (k + 1) & (s->cap - 1);
    s->keys[k] = key;
    s->maps[k] = map;
    s->used++;
    s->bytes += WORDS * sizeof *map;
    s->last_key = key;
    s->last_map = map;
    return map;
}

int eww_ptrset_add(eww_ptrset *s, const void *p)
{
    uintptr_t a = (uintptr_t)p;
    uint64_t *map = region(s, (a >> REGION_BITS) + 1, 1);
    if (!map)
        return EWW_ENOMEM;
    size_t bit = (a & ((1u << REGION_BITS) - 1)) >> 3;
    uint64_t m = 1ull << (bit & 63);
    if (map[bit >> 6] & m)
        return 0;
    map[bit >> 6] |= m;
    return 1;
}

int eww_ptrset_has(eww_ptrset *s, const void *p)
{
    uintptr_t a = (uintptr_t)p;
    uint64_t *map = region(s, (a >> REGION_BITS) + 1, 0);
    if (!map)
        return 0;
    size_t bit = (a & ((1u << REGION_BITS) - 1)) >> 3;
    return (map[bit >> 6] >> (bit & 63)) & 1;
}

int eww_ptrset_each(const eww_ptrset *s, int (*fn)(void *arg, void *p), void *arg)
{
    for (size_t k = 0; k < s->cap; k++) {
        if (!s->keys[k])
            continue;
        uintptr_t base = (s->keys[k] - 1) << REGION_BITS;
        for (size_t w = 0; w < WORDS; w++) {
            for (uint64_t bits = s->maps[k][w]; bits; bits &= bits - 1) {
                size_t bit = w * 64 + (size_t)__builtin_ctzll(bits);
                int rc = fn(arg, (void *)(base + (bit << 3)));
                if (rc)
                    return rc;
            }
        }
    }
    return 0;
}
