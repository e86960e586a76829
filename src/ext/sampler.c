/* sampler.c - the memory sampler thread; see sampler.h.
 *
 * eww-sampler sleeps on a condition variable with a deadline (the only eww thread that wakes
 * up periodically, and only when the app asked for it), reads /proc/self/statm and appends
 * (seconds since sampling started, RSS bytes) to the graph "memory" of the stats store.
 * It never touches Python.
 */
#include "sampler.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "proc.h"
#include "stats.h"
#include "stats_api.h"

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* lock: signalled to stop */
    int running;         /* lock */
    double seconds;
    pthread_t thread;
    struct timespec t0;
} smp = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int atfork_done; /* protected by the GIL */

static double since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void *sampler_main(void *arg)
{
    (void)arg;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    pthread_mutex_lock(&smp.lock);
    while (smp.running) {
        pthread_mutex_unlock(&smp.lock);
        long long rss = eww_proc_self_rss();
        if (rss >= 0)
            eww_stats_graph(stats_store(), "memory", 6, since(&smp.t0), (double)rss);
        double whole;
        double frac = modf(smp.seconds, &whole);
        next.tv_sec += (time_t)whole;
        next.tv_nsec += (long)(frac * 1e9);
        if (next.tv_nsec >= 1000000000L) {
            next.tv_sec++;
            next.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&smp.lock);
        while (smp.running && pthread_cond_timedwait(&smp.wake, &smp.lock, &next) == 0) {
        }
    }
    pthread_mutex_unlock(&smp.lock);
    return NULL;
}

static void init_cond(void)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&smp.wake, &a);
    pthread_condattr_destroy(&a);
}

static void atfork_prepare(void)
{
    pthread_mutex_lock(&smp.lock);
}
static void atfork_parent(void)
{
    pthread_mutex_unlock(&smp.lock);
}
/* No thread survives fork(); the child's console starts a sampler of its own. */
static void atfork_child(void)
{
    init_cond();
    smp.running = 0;
    pthread_mutex_unlock(&smp.lock);
}

static int spawn(char *err, size_t errlen)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    smp.running = 1;
    clock_gettime(CLOCK_MONOTONIC, &smp.t0);
    int rc = pthread_create(&smp.thread, NULL, sampler_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
#ifdef __linux__
    if (rc == 0) /* named here, so it has its name as soon as embed() returns */
        pthread_setname_np(smp.thread, "eww-sampler");
#endif
    if (rc != 0) {
        smp.running = 0;
        snprintf(err, errlen, "cannot start the memory sampler thread: %s", strerror(rc));
        return -1;
    }
    return 0;
}

int sampler_start(double seconds, char *err, size_t errlen)
{
    if (!atfork_done) {
        init_cond();
        pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
        atfork_done = 1;
    }
    if (seconds <= 0 || smp.running)
        return 0;
    smp.seconds = seconds;
    return spawn(err, errlen);
}

void sampler_stop(void)
{
    pthread_mutex_lock(&smp.lock);
    int was = smp.running;
    smp.running = 0;
    pthread_cond_broadcast(&smp.wake);
    pthread_mutex_unlock(&smp.lock);
    if (was)
        pthread_join(smp.thread, NULL);
}
