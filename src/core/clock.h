/* clock.h -- wall time for progress lines and reported durations (never for results). */
#ifndef MK_CORE_CLOCK_H
#define MK_CORE_CLOCK_H

#include <time.h>

/* Seconds on the monotonic clock, from an arbitrary origin. */
static inline double mk_monotonic_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#endif
