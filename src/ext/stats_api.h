/* stats_api.h - the process's stats store and its Python recording functions. */
#ifndef EWW_STATS_API_H
#define EWW_STATS_API_H

#include "pycompat.h"

#include "stats.h"

#define STATS_DEFAULT_NAMES  1000
#define STATS_DEFAULT_POINTS 500

/* Create the store (once per process) and start counting pymalloc arenas. GIL held. */
int stats_api_init(void);
/* The store; valid after stats_api_init(), readable from any thread without the GIL. */
eww_stats *stats_store(void);
/* pymalloc arenas allocated since eww was imported and not yet freed. Any thread. */
void stats_arenas(long long *count, long long *bytes);

extern PyMethodDef stats_api_methods[];

#endif
