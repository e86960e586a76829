/* ptrset.h - a set of pointers for heap walks: "have I seen this object?".
 *
 * Two levels: a hash table of 1 MiB regions of the address space, each with a bitmap of one
 * bit per 8 bytes (16 KiB a region). Objects sit densely in a few hundred regions, so the
 * set costs well under a byte per object and a test is a hash probe on the region (cached
 * for the last one) and a bit test.
 *
 *     eww_ptrset s; eww_ptrset_init(&s);
 *     if (eww_ptrset_add(&s, p) == 1) { ...first time... }
 *     eww_ptrset_free(&s);
 */
#ifndef EWW_PTRSET_H
#define EWW_PTRSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct eww_ptrset {
    uintptr_t *keys; /* region numbers + 1 (0 = empty) */
    uint64_t **maps; /* their bitmaps */
    size_t cap, used;
    uintptr_t last_key; /* cache of the last region looked up */
    uint64_t *last_map;
    size_t bytes; /* memory held, for reports */
} eww_ptrset;

void eww_ptrset_init(eww_ptrset *s);
void eww_ptrset_free(eww_ptrset *s);
/* 1 when p was not in the set (now it is), 0 when it was, EWW_ENOMEM. */
int eww_ptrset_add(eww_ptrset *s, const void *p);
int eww_ptrset_has(eww_ptrset *s, const void *p);
/* Call fn(arg, p) for every pointer in the set (in no order); stops at the first non-zero
 * return and returns it, else 0. The set must not change meanwhile. */
int eww_ptrset_each(const eww_ptrset *s, int (*fn)(void *arg, void *p), void *arg);

#endif
