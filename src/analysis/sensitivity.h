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
 * runs are independent and are evaluated in `jobs` forked worker processes (core/workers.h),
 * gathered by index, so the same seed gives the same result whatever the number of workers.
 */
#ifndef MK_ANALYSIS_SENSITIVITY_H
#define MK_ANALYSIS_SENSITIVITY_H

#include "body/anatomy.h"
#include "myoknot.h" /* the declarations are public: include/myoknot/analysis.h */
#include "protocol/protocol.h"

/* The results' records, for the modules and their unit tests; callers of the library have the
 * accessors of include/myoknot/analysis.h. */
struct mk_morris_result {
    const mk_model_abi *abi;
    int k;                     /* factors */
    mk_morris_factor *factor;
    int n_out;
    char out_label[MK_MORRIS_MAX_OUTPUTS][32];   /* "pain", "ppt", "core.ca" */
    char out_name[MK_MORRIS_MAX_OUTPUTS][128];   /* what is measured: "pain.local", "PPT" */
    char out_unit[MK_MORRIS_MAX_OUTPUTS][32];
    double *mu, *mu_star, *sigma;                /* [i * n_out + o] */
    int *n_ee;                                   /* finite elementary effects behind them */
    double base[MK_MORRIS_MAX_OUTPUTS];          /* outputs with every parameter at its value */
    int n_skipped;                               /* matched parameters without a usable range */
    int trajectories, levels;
    double delta;
    unsigned long long seed;
    int runs, failed;
    double wall_s;
    int jobs;
    char first_failure[512];                     /* of the first failed run in design order */
};

struct mk_sobol_result {
    const mk_model_abi *abi;
    int k;
    mk_morris_factor *factor;
    int n_skipped;
    int n_out;
    char out_label[MK_MORRIS_MAX_OUTPUTS][32];
    char out_name[MK_MORRIS_MAX_OUTPUTS][128];
    char out_unit[MK_MORRIS_MAX_OUTPUTS][32];
    double base[MK_MORRIS_MAX_OUTPUTS];
    /* [i * n_out + o]; NaN where undefined (no variance, too few complete rows) */
    double *s1, *s1_lo, *s1_hi, *st, *st_lo, *st_hi;
    double mean[MK_MORRIS_MAX_OUTPUTS], var[MK_MORRIS_MAX_OUTPUTS];
    int n_used[MK_MORRIS_MAX_OUTPUTS];           /* rows with f(A) and f(B) (V's rows) */
    int *n_rows;                                 /* [i * n_out + o]: of those, with f(AB_i) too */
    int samples, bootstrap;
    unsigned long long seed;
    int runs, failed, jobs;
    double wall_s;
    char first_failure[512];
};

/* mk_morris_run and mk_sobol_run into records the caller owns (released with _clear). */
mk_status mk_morris_compute(const mk_model_abi *abi, const mk_protocol *p, const mk_anatomy *anat,
                            const mk_morris_opts *o, mk_morris_result *out, mk_error *err);
void mk_morris_result_clear(mk_morris_result *r);
mk_status mk_sobol_compute(const mk_model_abi *abi, const mk_protocol *p, const mk_anatomy *anat,
                           const mk_sobol_opts *o, mk_sobol_result *out, mk_error *err);
void mk_sobol_result_clear(mk_sobol_result *r);

/* The generator of the design (xoshiro256**, seeded by splitmix64), exposed for tests. */
typedef struct mk_rng {
    unsigned long long s[4];
} mk_rng;
void mk_rng_seed(mk_rng *g, unsigned long long seed);
unsigned long long mk_rng_next(mk_rng *g);
/* uniform integer in [0, n) */
int mk_rng_below(mk_rng *g, int n);

#endif
