/* stats.c - the stats store; see stats.h.
 *
 * Layout: an open-addressed table of EWW_STATS_NAMES_LIMIT * 2 (rounded to a power of two)
 * slots, allocated zeroed (untouched pages cost no memory), plus an array of the entries in
 * the order their names were first used.
 *
 * States of a slot:
 *   empty      name == NULL. Only an inserter holding insert_lock may fill it.
 *   published  name != NULL (stored with release order after hash, len and kind were
 *              written). From then on hash, len and name never change and the slot is never
 *              emptied, so a lookup may read them without any lock.
 * The value fields of a published entry are guarded by its spinlock `busy`.
 *
 * Not here: anything about Python. The binding (src/ext/stats_api.c) converts arguments.
 */
#include "stats.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "error.h"

typedef struct entry {
    _Atomic(const char *) name; /* NULL: empty slot */
    uint64_t hash;
    uint32_t len;
    atomic_flag busy; /* spinlock for everything below */
    int kind;
    int64_t i;
    double f;
    eww_point *ring; /* graph: cap points, oldest at head */
    size_t cap, count, head;
    uint64_t dropped;
} entry;

struct eww_stats {
    entry *slots;
    size_t mask;
    pthread_mutex_t insert_lock; /* serialises inserts and limit changes */
    entry **order;               /* insert_lock for writing; published by n_names */
    _Atomic size_t n_names;
    _Atomic size_t max_names;
    _Atomic size_t max_points;
};

static void lock(entry *e)
{
    int spins = 0;
    while (atomic_flag_test_and_set_explicit(&e->busy, memory_order_acquire)) {
        /* Held only for a few instructions, or one copy by a reader; if its holder was
         * preempted, let it run. */
        if (++spins > 100) {
            sched_yield();
            spins = 0;
        }
    }
}

static void unlock(entry *e)
{
    atomic_flag_clear_explicit(&e->busy, memory_order_release);
}

/* A fast, well-mixed hash of a short byte string (8 bytes a step). */
static uint64_t hash_name(const char *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xff51afd7ed558ccdull);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
        p += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, n);
    h = (h ^ w) * 0x94d049bb133111ebull;
    h ^= h >> 29;
    return h;
}

eww_stats *eww_stats_new(size_t max_names, size_t max_points)
{
    if (max_names < 1 || max_names > EWW_STATS_NAMES_LIMIT || max_points < 1 ||
        max_points > EWW_STATS_POINTS_LIMIT)
        return NULL;
    eww_stats *s = eww_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    size_t nslots = 1;
    while (nslots < 2 * EWW_STATS_NAMES_LIMIT)
        nslots <<= 1;
    s->slots = eww_calloc(nslots, sizeof *s->slots);
    s->order = eww_calloc(EWW_STATS_NAMES_LIMIT, sizeof *s->order);
    if (!s->slots || !s->order) {
        eww_free(s->slots);
        eww_free(s->order);
        eww_free(s);
        return NULL;
    }
    s->mask = nslots - 1;
    pthread_mutex_init(&s->insert_lock, NULL);
    atomic_init(&s->n_names, 0);
    atomic_init(&s->max_names, max_names);
    atomic_init(&s->max_points, max_points);
    for (size_t k = 0; k < nslots; k++)
        atomic_flag_clear(&s->slots[k].busy);
    return s;
}

void eww_stats_free(eww_stats *s)
{
    if (!s)
        return;
    size_t n = atomic_load(&s->n_names);
    for (size_t k = 0; k < n; k++) {
        eww_free((char *)atomic_load(&s->order[k]->name));
        eww_free(s->order[k]->ring);
    }
    pthread_mutex_destroy(&s->insert_lock);
    eww_free(s->order);
    eww_free(s->slots);
    eww_free(s);
}

/* The published entry for name, or NULL. Lock-free. */
static entry *find(eww_stats *s, const char *name, size_t len, uint64_t h)
{
    for (size_t k = h & s->mask;; k = (k + 1) & s->mask) {
        entry *e = &s->slots[k];
        const char *en = atomic_load_explicit(&e->name, memory_order_acquire);
        if (!en)
            return NULL;
        if (e->hash == h && e->len == len && memcmp(en, name, len) == 0)
            return e;
    }
}

static int check_name(const char *name, size_t len)
{
    if (len == 0)
        return EWW_EINVAL;
    if (len > EWW_STATS_NAME_MAX)
        return EWW_E2BIG;
    return memchr(name, '\0', len) ? EWW_EINVAL : 0;
}

/* Find or create the entry; *created tells which. */
static int get(eww_stats *s, const char *name, size_t len, int kind, entry **out)
{
    uint64_t h = hash_name(name, len);
    entry *e = find(s, name, len, h);
    if (e) {
        *out = e;
        return 0;
    }
    int rc = check_name(name, len);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&s->insert_lock);
    size_t k = h & s->mask;
    for (;; k = (k + 1) & s->mask) {
        e = &s->slots[k];
        const char *en = atomic_load_explicit(&e->name, memory_order_relaxed);
        if (!en)
            break;
        if (e->hash == h && e->len == len && memcmp(en, name, len) == 0)
            goto done; /* another thread created it meanwhile */
    }
    size_t n = atomic_load_explicit(&s->n_names, memory_order_relaxed);
    if (n >= atomic_load(&s->max_names)) {
        pthread_mutex_unlock(&s->insert_lock);
        return EWW_EFULL;
    }
    char *copy = eww_malloc(len + 1);
    if (!copy) {
        pthread_mutex_unlock(&s->insert_lock);
        return EWW_ENOMEM;
    }
    memcpy(copy, name, len);
    copy[len] = '\0';
    e->hash = h;
    e->len = (uint32_t)len;
    e->kind = kind;
    atomic_store_explicit(&e->name, copy, memory_order_release);
    s->order[n] = e;
    atomic_store_explicit(&s->n_names, n + 1, memory_order_release);
done:
    pthread_mutex_unlock(&s->insert_lock);
    *out = e;
    return 0;
}

int eww_stats_incr(eww_stats *s, const char *name, size_t len, int64_t delta)
{
    entry *e;
    int rc = get(s, name, len, EWW_STAT_INT, &e);
    if (rc < 0)
        return rc;
    lock(e);
    if (e->kind == EWW_STAT_INT) {
        int64_t sum;
        if (__builtin_add_overflow(e->i, delta, &sum))
            rc = EWW_ERANGE; /* the counter keeps its value */
        else
            e->i = sum;
    } else if (e->kind == EWW_STAT_FLOAT) {
        e->f += (double)delta;
    } else {
        rc = EWW_EKIND;
    }
    unlock(e);
    return rc;
}

/* Set a counter to an int (kind EWW_STAT_INT) or a float (EWW_STAT_FLOAT). */
static int put(eww_stats *s, const char *name, size_t len, int kind, int64_t i, double f)
{
    entry *e;
    int rc = get(s, name, len, kind, &e);
    if (rc < 0)
        return rc;
    lock(e);
    if (e->kind == EWW_STAT_GRAPH) {
        rc = EWW_EKIND;
    } else {
        e->kind = kind;
        e->i = i;
        e->f = f;
    }
    unlock(e);
    return rc;
}

int eww_stats_put_int(eww_stats *s, const char *name, size_t len, int64_t value)
{
    return put(s, name, len, EWW_STAT_INT, value, 0);
}

int eww_stats_put_float(eww_stats *s, const char *name, size_t len, double value)
{
    return isfinite(value) ? put(s, name, len, EWW_STAT_FLOAT, 0, value) : EWW_EINVAL;
}

int eww_stats_graph(eww_stats *s, const char *name, size_t len, double x, double y)
{
    if (!isfinite(x) || !isfinite(y))
        return EWW_EINVAL;
    entry *e;
    int rc = get(s, name, len, EWW_STAT_GRAPH, &e);
    if (rc < 0)
        return rc;
    lock(e);
    if (e->kind != EWW_STAT_GRAPH) {
        rc = EWW_EKIND;
    } else {
        if (!e->ring) {
            size_t cap = atomic_load_explicit(&s->max_points, memory_order_relaxed);
            e->ring = eww_malloc(cap * sizeof *e->ring);
            if (!e->ring) {
                unlock(e);
                return EWW_ENOMEM;
            }
            e->cap = cap;
        }
        size_t at = (e->head + e->count) % e->cap;
        e->ring[at].x = x;
        e->ring[at].y = y;
        if (e->count < e->cap) {
            e->count++;
        } else {
            e->head = (e->head + 1) % e->cap;
            e->dropped++;
        }
    }
    unlock(e);
    return rc;
}

/* Copy of a graph's ring, oldest first; the entry is locked. */
static int copy_ring(const entry *e, eww_point **pts)
{
    *pts = NULL;
    if (e->count == 0)
        return 0;
    eww_point *p = eww_malloc(e->count * sizeof *p);
    if (!p)
        return EWW_ENOMEM;
    size_t first = e->cap - e->head < e->count ? e->cap - e->head : e->count;
    memcpy(p, e->ring + e->head, first * sizeof *p);
    memcpy(p + first, e->ring, (e->count - first) * sizeof *p);
    *pts = p;
    return 0;
}

int eww_stats_set_max_points(eww_stats *s, size_t max_points)
{
    if (max_points < 1 || max_points > EWW_STATS_POINTS_LIMIT)
        return EWW_EINVAL;
    pthread_mutex_lock(&s->insert_lock);
    atomic_store(&s->max_points, max_points);
    size_t n = atomic_load(&s->n_names);
    int rc = 0;
    for (size_t k = 0; k < n && rc == 0; k++) {
        entry *e = s->order[k];
        lock(e);
        if (e->ring && e->cap != max_points) {
            eww_point *old;
            rc = copy_ring(e, &old);
            eww_point *ring = rc == 0 ? eww_malloc(max_points * sizeof *ring) : NULL;
            if (rc == 0 && ring) {
                size_t keep = e->count < max_points ? e->count : max_points;
                if (keep)
                    memcpy(ring, old + (e->count - keep), keep * sizeof *ring);
                e->dropped += e->count - keep;
                eww_free(e->ring);
                e->ring = ring;
                e->cap = max_points;
                e->head = 0;
                e->count = keep;
            } else {
                rc = EWW_ENOMEM;
            }
            eww_free(old);
        }
        unlock(e);
    }
    pthread_mutex_unlock(&s->insert_lock);
    return rc;
}

int eww_stats_set_max_names(eww_stats *s, size_t max_names)
{
    if (max_names < 1 || max_names > EWW_STATS_NAMES_LIMIT)
        return EWW_EINVAL;
    pthread_mutex_lock(&s->insert_lock);
    int rc = max_names < atomic_load(&s->n_names) ? EWW_EINVAL : 0;
    if (rc == 0)
        atomic_store(&s->max_names, max_names);
    pthread_mutex_unlock(&s->insert_lock);
    return rc;
}

void eww_stats_fork_prepare(eww_stats *s)
{
    pthread_mutex_lock(&s->insert_lock);
}
void eww_stats_fork_parent(eww_stats *s)
{
    pthread_mutex_unlock(&s->insert_lock);
}

void eww_stats_fork_child(eww_stats *s)
{
    pthread_mutex_unlock(&s->insert_lock);
    size_t n = atomic_load(&s->n_names);
    for (size_t k = 0; k < n; k++)
        atomic_flag_clear(&s->order[k]->busy);
}

size_t eww_stats_max_points(eww_stats *s)
{
    return atomic_load(&s->max_points);
}
size_t eww_stats_max_names(eww_stats *s)
{
    return atomic_load(&s->max_names);
}

static void fill_info(entry *e, eww_stat_info *out)
{
    memcpy(out->name, atomic_load(&e->name), e->len + 1);
    lock(e);
    out->kind = e->kind;
    out->i = e->i;
    out->f = e->f;
    out->points = e->count;
    out->dropped = e->dropped;
    unlock(e);
}

int eww_stats_list(eww_stats *s, eww_stat_info **out, size_t *n)
{
    size_t k = atomic_load_explicit(&s->n_names, memory_order_acquire);
    *n = 0;
    *out = eww_calloc(k ? k : 1, sizeof **out);
    if (!*out)
        return EWW_ENOMEM;
    for (size_t j = 0; j < k; j++)
        fill_info(s->order[j], &(*out)[j]);
    *n = k;
    return 0;
}

int eww_stats_info(eww_stats *s, const char *name, size_t len, eww_stat_info *out)
{
    entry *e = find(s, name, len, hash_name(name, len));
    if (!e)
        return EWW_EINVAL;
    fill_info(e, out);
    return 0;
}

int eww_stats_series(eww_stats *s, const char *name, size_t len, eww_point **pts, size_t *n,
                     uint64_t *dropped)
{
    *pts = NULL;
    *n = 0;
    *dropped = 0;
    entry *e = find(s, name, len, hash_name(name, len));
    if (!e)
        return EWW_EINVAL;
    lock(e);
    int rc = e->kind == EWW_STAT_GRAPH ? copy_ring(e, pts) : EWW_EKIND;
    if (rc == 0) {
        *n = e->count;
        *dropped = e->dropped;
    }
    unlock(e);
    return rc;
}
