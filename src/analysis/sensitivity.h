/*
 * sensitivity.h -- Morris screening (elementary effects) of a model's parameters against
 * outputs at the end of a scenario.
 *
 * Each parameter (a "factor") is mapped from [0, 1] onto its plausible range [lo, hi]: on a
 * log scale when lo > 0 and hi/lo > 100, linearly otherwise.  A trajectory starts at a random
 * point of a p-level grid and moves one factor at a time by delta = p / (2 (p - 1)), in random
 * order and direction (Morris 1991); k factors cost k + 1 runs per trajectory.  The elementary
 * effect of factor i on output y is EE = (y(x + delta e_i) - y(x)) / delta, in the output's
 * unit per whole plausible range.  mu* = mean |EE| ranks the factors (Campolongo et al. 2007),
 * mu = mean EE gives the sign, sigma (standard deviation of EE) flags interactions and
 * non-linearity.
 *
 * The whole design is drawn first from a generator seeded by the caller (no global state); its
 * runs are independent and are evaluated in `jobs` forked worker processes (analysis/workers.h),
 * gathered by index, so the same seed gives the same result whatever the number of workers.
 */
#ifndef MK_ANALYSIS_SENSITIVITY_H
#define MK_ANALYSIS_SENSITIVITY_H

#include "body/anatomy.h"
#include "myoknot.h" /* the declarations are public: include/myoknot/analysis.h */
#include "protocol/protocol.h"

/* The generator of the design (xoshiro256**, seeded by splitmix64), exposed for tests. */
typedef struct mk_rng {
    unsigned long long s[4];
} mk_rng;
void mk_rng_seed(mk_rng *g, unsigned long long seed);
unsigned long long mk_rng_next(mk_rng *g);
/* uniform integer in [0, n) */
int mk_rng_below(mk_rng *g, int n);

#endif
