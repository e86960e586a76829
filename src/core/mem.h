/* mem.h - the memory every eww C file allocates through, and a sort that needs no libc
 * allocation.
 *
 * eww_malloc and friends are the C library's malloc until eww_mem_use_arena() is called.
 * That is done only in a snapshot child (src/ext/snapshot.c): a copy of the app made by a
 * raw clone(), where another thread of the app may have held a malloc lock at the moment of
 * the copy, so that the C library's malloc could wait forever. From then on every block
 * comes from an arena of mmap()ed memory that no lock guards (the child has one thread).
 * Blocks made before the switch stay valid: freeing one does nothing (the child is short
 * lived), growing one copies it into the arena.
 *
 * Not thread-safe once the arena is on; before that, exactly as safe as malloc.
 */
#ifndef EWW_MEM_H
#define EWW_MEM_H

#include <stddef.h>

void *eww_malloc(size_t n);
void *eww_calloc(size_t count, size_t size);
void *eww_realloc(void *p, size_t n);
void eww_free(void *p);
char *eww_strdup(const char *s);

/* Switch to the arena, for good (a snapshot child, single-threaded). */
void eww_mem_use_arena(void);
/* 1 once the arena is on. */
int eww_mem_arena_on(void);
/* Bytes the arena has taken from the system so far. */
size_t eww_mem_arena_bytes(void);
/* 1 when p is a block of the arena. */
int eww_mem_arena_owns(const void *p);
/* The usable size of a block made by the C library before the switch (for growing it). */
size_t eww_mem_foreign_size(const void *p);

/* qsort()'s contract with a context argument, stable, allocating (if at all) through
 * eww_malloc: glibc's qsort may call malloc, which a snapshot child must not. */
void eww_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *, void *),
              void *ctx);

#endif
