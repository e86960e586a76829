/* memstat.c - memory accounting of this process; see memstat.h. Linux and glibc first;
 * elsewhere the fields it cannot read stay -1. */
#include "memstat.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef EWW_HAVE_MALLINFO2
#include <malloc.h>
#endif

#include "proc.h"

/* "Key:   1234 kB" from a /proc file, in bytes; -1 when absent. */
static long long kb_field(const char *text, const char *key)
{
    size_t klen = strlen(key);
    for (const char *line = text; line; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        if (strncmp(line, key, klen) == 0 && line[klen] == ':')
            return strtoll(line + klen + 1, NULL, 10) * 1024;
    }
    return -1;
}

void eww_memstat_read(eww_memstat *m)
{
    eww_proc_info p;
    eww_proc_read(getpid(), &p);
    m->rss = p.rss;
    m->peak_rss = p.peak_rss;
    m->uss = m->pss = m->swap = -1;
    char buf[4096];
    int fd = open("/proc/self/smaps_rollup", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n > 0) {
            buf[n] = '\0';
            long long pc = kb_field(buf, "Private_Clean");
            long long pd = kb_field(buf, "Private_Dirty");
            m->uss = pc >= 0 && pd >= 0 ? pc + pd : -1;
            m->pss = kb_field(buf, "Pss");
            m->swap = kb_field(buf, "Swap");
        }
    }
#ifdef EWW_HAVE_MALLINFO2
    struct mallinfo2 mi = mallinfo2();
    m->malloc_heap = (long long)mi.arena;
    m->malloc_in_use = (long long)(mi.uordblks + mi.hblkhd);
    m->malloc_free = (long long)mi.fordblks;
    m->malloc_mmap = (long long)mi.hblkhd;
    m->malloc_trimmable = (long long)mi.keepcost;
#else
    m->malloc_heap = m->malloc_in_use = m->malloc_free = m->malloc_mmap = -1;
    m->malloc_trimmable = -1;
#endif
}
