/* test_stats.c - the stats store (src/core/stats.c): counters, rings at their bound, limits,
 * kinds, and exact sums from 8 threads at once. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "check.h"
#include "error.h"
#include "stats.h"

#define S(name) name, strlen(name)

static void test_counters(void)
{
    eww_stats *s = eww_stats_new(100, 10);
    CHECK_INT(eww_stats_incr(s, S("requests"), 1), 0);
    CHECK_INT(eww_stats_incr(s, S("requests"), 41), 0);
    CHECK_INT(eww_stats_incr(s, S("errors"), -3), 0);
    CHECK_INT(eww_stats_put_float(s, S("load"), 0.5), 0);
    CHECK_INT(eww_stats_incr(s, S("load"), 2), 0);
    CHECK_INT(eww_stats_put_int(s, S("workers"), 8), 0);
    eww_stat_info i;
    CHECK_INT(eww_stats_info(s, S("requests"), &i), 0);
    CHECK_INT(i.kind, EWW_STAT_INT);
    CHECK_INT(i.i, 42);
    CHECK_INT(eww_stats_info(s, S("errors"), &i), 0);
    CHECK_INT(i.i, -3);
    CHECK_INT(eww_stats_info(s, S("load"), &i), 0);
    CHECK_INT(i.kind, EWW_STAT_FLOAT);
    CHECK(i.f == 2.5);
    /* put of a float turns an int counter into a float one */
    CHECK_INT(eww_stats_put_float(s, S("workers"), 7.5), 0);
    CHECK_INT(eww_stats_info(s, S("workers"), &i), 0);
    CHECK_INT(i.kind, EWW_STAT_FLOAT);
    CHECK_INT(eww_stats_info(s, S("nope"), &i), EWW_EINVAL);
    /* insertion order */
    eww_stat_info *all;
    size_t n;
    CHECK_INT(eww_stats_list(s, &all, &n), 0);
    CHECK_INT(n, 4);
    CHECK_STR(all[0].name, "requests");
    CHECK_STR(all[3].name, "workers");
    free(all);
    eww_stats_free(s);
}

static void test_errors(void)
{
    eww_stats *s = eww_stats_new(3, 10);
    char big[EWW_STATS_NAME_MAX + 2];
    memset(big, 'a', sizeof big);
    CHECK_INT(eww_stats_incr(s, big, EWW_STATS_NAME_MAX + 1, 1), EWW_E2BIG);
    CHECK_INT(eww_stats_incr(s, big, EWW_STATS_NAME_MAX, 1), 0);
    CHECK_INT(eww_stats_incr(s, "", 0, 1), EWW_EINVAL);
    CHECK_INT(eww_stats_incr(s, "a\0b", 3, 1), EWW_EINVAL);
    CHECK_INT(eww_stats_graph(s, S("g"), 1, 2), 0);
    CHECK_INT(eww_stats_incr(s, S("g"), 1), EWW_EKIND);
    CHECK_INT(eww_stats_put_int(s, S("g"), 1), EWW_EKIND);
    CHECK_INT(eww_stats_put_int(s, S("c"), INT64_MAX), 0);
    CHECK_INT(eww_stats_graph(s, S("c"), 1, 2), EWW_EKIND);
    CHECK_INT(eww_stats_incr(s, S("c"), 1), EWW_ERANGE);
    CHECK_INT(eww_stats_graph(s, S("g"), NAN, 2), EWW_EINVAL);
    CHECK_INT(eww_stats_graph(s, S("g"), 1, INFINITY), EWW_EINVAL);
    CHECK_INT(eww_stats_put_float(s, S("f"), NAN), EWW_EINVAL);
    /* three names are in use; a fourth is refused, the existing ones still work */
    CHECK_INT(eww_stats_incr(s, S("fourth"), 1), EWW_EFULL);
    CHECK_INT(eww_stats_incr(s, S("c"), -1), 0);
    CHECK_INT(eww_stats_set_max_names(s, 2), EWW_EINVAL);
    CHECK_INT(eww_stats_set_max_names(s, 4), 0);
    CHECK_INT(eww_stats_incr(s, S("fourth"), 1), 0);
    CHECK(eww_stats_new(0, 10) == NULL);
    CHECK(eww_stats_new(10, 0) == NULL);
    CHECK(eww_stats_new(EWW_STATS_NAMES_LIMIT + 1, 10) == NULL);
    eww_stats_free(s);
}

static void test_ring_at_its_bound(void)
{
    eww_stats *s = eww_stats_new(10, 5);
    for (int i = 0; i < 12; i++)
        CHECK_INT(eww_stats_graph(s, S("Memory Usage"), i, i * 10.0), 0);
    eww_point *p;
    size_t n;
    uint64_t dropped;
    CHECK_INT(eww_stats_series(s, S("Memory Usage"), &p, &n, &dropped), 0);
    CHECK_INT(n, 5);
    CHECK_INT(dropped, 7);
    for (size_t i = 0; i < n; i++) {
        CHECK(p[i].x == 7.0 + (double)i);
        CHECK(p[i].y == (7.0 + (double)i) * 10);
    }
    free(p);
    /* shrinking keeps the newest points and counts the rest as dropped */
    CHECK_INT(eww_stats_set_max_points(s, 3), 0);
    CHECK_INT(eww_stats_series(s, S("Memory Usage"), &p, &n, &dropped), 0);
    CHECK_INT(n, 3);
    CHECK_INT(dropped, 9);
    CHECK(p[0].x == 9 && p[2].x == 11);
    free(p);
    /* growing keeps them all and makes room */
    CHECK_INT(eww_stats_set_max_points(s, 6), 0);
    for (int i = 12; i < 15; i++)
        eww_stats_graph(s, S("Memory Usage"), i, 0);
    CHECK_INT(eww_stats_series(s, S("Memory Usage"), &p, &n, &dropped), 0);
    CHECK_INT(n, 6);
    CHECK_INT(dropped, 9);
    CHECK(p[0].x == 9 && p[5].x == 14);
    free(p);
    eww_stat_info i;
    CHECK_INT(eww_stats_info(s, S("Memory Usage"), &i), 0);
    CHECK_INT(i.kind, EWW_STAT_GRAPH);
    CHECK_INT(i.points, 6);
    CHECK_INT(i.dropped, 9);
    CHECK_INT(eww_stats_series(s, S("missing"), &p, &n, &dropped), EWW_EINVAL);
    eww_stats_incr(s, S("counter"), 1);
    CHECK_INT(eww_stats_series(s, S("counter"), &p, &n, &dropped), EWW_EKIND);
    eww_stats_free(s);
}

#define THREADS    8
#define PER_THREAD 200000

static eww_stats *shared;

static void *hammer(void *arg)
{
    long id = (long)arg;
    char own[32];
    snprintf(own, sizeof own, "thread-%ld", id);
    for (int i = 0; i < PER_THREAD; i++) {
        eww_stats_incr(shared, S("total"), 1);
        eww_stats_incr(shared, own, strlen(own), 2);
        if (i % 100 == 0)
            eww_stats_graph(shared, S("g"), i, (double)id);
    }
    return NULL;
}

static void test_eight_threads_sum_exactly(void)
{
    shared = eww_stats_new(100, 50);
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, hammer, (void *)i);
    /* a reader copying while they write */
    for (int k = 0; k < 1000; k++) {
        eww_stat_info *all;
        size_t n;
        if (eww_stats_list(shared, &all, &n) == 0)
            free(all);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    eww_stat_info info;
    CHECK_INT(eww_stats_info(shared, S("total"), &info), 0);
    CHECK_INT(info.i, (int64_t)THREADS * PER_THREAD);
    for (int i = 0; i < THREADS; i++) {
        char own[32];
        snprintf(own, sizeof own, "thread-%d", i);
        CHECK_INT(eww_stats_info(shared, own, strlen(own), &info), 0);
        CHECK_INT(info.i, 2 * PER_THREAD);
    }
    CHECK_INT(eww_stats_info(shared, S("g"), &info), 0);
    CHECK_INT(info.points + info.dropped, THREADS * (PER_THREAD / 100));
    eww_stats_free(shared);
}

int main(void)
{
    RUN(test_counters);
    RUN(test_errors);
    RUN(test_ring_at_its_bound);
    RUN(test_eight_threads_sum_exactly);
    return check_failures != 0;
}
