/* memstat.h - where this process's memory is, from the kernel's and malloc's point of view.
 *
 * RSS and peak from /proc/self/status, USS/PSS/swap from /proc/self/smaps_rollup (Linux
 * 4.14+), and glibc malloc's own accounting (mallinfo2) when the C library has it. Every
 * field is -1 when it cannot be read. No Python, no locks of ours: any thread may call it.
 */
#ifndef EWW_MEMSTAT_H
#define EWW_MEMSTAT_H

typedef struct eww_memstat {
    long long rss, peak_rss;    /* resident now, and the high-water mark */
    long long uss, pss, swap;   /* private (unique) resident, proportional share, swapped */
    long long malloc_heap;      /* bytes malloc got from the system (main and other arenas) */
    long long malloc_in_use;    /* bytes handed out by malloc (including mmap'd chunks) */
    long long malloc_free;      /* free bytes malloc holds in its heaps (fragmentation) */
    long long malloc_mmap;      /* bytes in large chunks malloc mmap'd */
    long long malloc_trimmable; /* free bytes at the top of the heap malloc could return */
} eww_memstat;

void eww_memstat_read(eww_memstat *m);

#endif
