/* sampler.h - embed(sample_memory=SECONDS): a native thread records the RSS into the graph
 * "memory" every SECONDS, with no GIL and no app code. */
#ifndef EWW_SAMPLER_H
#define EWW_SAMPLER_H

#include <stddef.h>

/* Start sampling (seconds > 0), or do nothing (seconds <= 0). GIL not needed. */
int sampler_start(double seconds, char *err, size_t errlen);
/* Stop and join the thread; harmless when it is not running. */
void sampler_stop(void);

#endif
