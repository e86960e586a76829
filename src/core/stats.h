/* stats.h - the stats store: named counters and graphs (rings of points).
 *
 * Counters hold an int64 or a double; graphs hold the newest max_points (x, y) points and
 * count the ones they dropped. Names are UTF-8, at most EWW_STATS_NAME_MAX bytes; the number
 * of names is bounded (EWW_EFULL past it).
 *
 * Thread-safe for any number of writers and readers, without any global lock on the
 * recording path: lookups are lock-free (entries are never moved nor removed; a new entry is
 * published with a release store), and each entry has a tiny spinlock held for a few
 * instructions by writers and for one copy by readers.
 *
 *     eww_stats *s = eww_stats_new(1000, 500);
 *     eww_stats_incr(s, "requests", 8, 1);
 *     eww_stats_graph(s, "Memory Usage", 12, 1.0, 4096.0);
 *     ...
 *     eww_stats_free(s);
 */
#ifndef EWW_STATS_H
#define EWW_STATS_H

#include <stddef.h>
#include <stdint.h>

#define EWW_STATS_NAME_MAX     200
#define EWW_STATS_NAMES_LIMIT  10000   /* the largest max_names */
#define EWW_STATS_POINTS_LIMIT 1000000 /* the largest max_points */

enum { EWW_STAT_INT = 1, EWW_STAT_FLOAT = 2, EWW_STAT_GRAPH = 3 };

typedef struct eww_point {
    double x, y;
} eww_point;

typedef struct eww_stats eww_stats;

/* NULL when out of memory or the limits are out of range. */
eww_stats *eww_stats_new(size_t max_names, size_t max_points);
void eww_stats_free(eww_stats *s);

/* Change the limits. max_points applies to every graph at once (rings shrink to their newest
 * points, counting the rest as dropped); max_names cannot go below the names in use. */
int eww_stats_set_max_points(eww_stats *s, size_t max_points);
int eww_stats_set_max_names(eww_stats *s, size_t max_names);
size_t eww_stats_max_points(eww_stats *s);
size_t eww_stats_max_names(eww_stats *s);

/* Recording. Errors: EWW_E2BIG (name too long), EWW_EINVAL (empty name, NaN or infinity),
 * EWW_EKIND (a counter operation on a graph, or the reverse), EWW_EFULL (too many names),
 * EWW_ERANGE (an int counter would overflow int64), EWW_ENOMEM. */
int eww_stats_incr(eww_stats *s, const char *name, size_t len, int64_t delta);
int eww_stats_put_int(eww_stats *s, const char *name, size_t len, int64_t value);
int eww_stats_put_float(eww_stats *s, const char *name, size_t len, double value);
int eww_stats_graph(eww_stats *s, const char *name, size_t len, double x, double y);

/* fork() safety, for a pthread_atfork handler: prepare takes the insert lock so no insert is
 * half done; parent releases it; child releases it and clears every entry lock (a thread
 * that held one in the parent does not exist in the child). */
void eww_stats_fork_prepare(eww_stats *s);
void eww_stats_fork_parent(eww_stats *s);
void eww_stats_fork_child(eww_stats *s);

/* Reading. */
typedef struct eww_stat_info {
    char name[EWW_STATS_NAME_MAX + 1];
    int kind;
    int64_t i;        /* EWW_STAT_INT */
    double f;         /* EWW_STAT_FLOAT */
    size_t points;    /* EWW_STAT_GRAPH: points held */
    uint64_t dropped; /* EWW_STAT_GRAPH: points dropped from the ring so far */
} eww_stat_info;

/* Every entry, in the order the names were first used. *out is malloc'd (free() it). */
int eww_stats_list(eww_stats *s, eww_stat_info **out, size_t *n);
/* One entry; EWW_EINVAL when no such name. */
int eww_stats_info(eww_stats *s, const char *name, size_t len, eww_stat_info *out);
/* A graph's points, oldest first. *pts is malloc'd (free() it; NULL when n == 0). */
int eww_stats_series(eww_stats *s, const char *name, size_t len, eww_point **pts, size_t *n,
                     uint64_t *dropped);

#endif
