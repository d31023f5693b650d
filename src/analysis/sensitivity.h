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
#include "myoknot.h"
#include "protocol/protocol.h"

#define MK_MORRIS_MAX_OUTPUTS 8

typedef void (*mk_morris_progress_fn)(void *ctx, int done, int total, double elapsed_s);

typedef struct mk_morris_opts {
    int trajectories;          /* R (default 4) */
    int levels;                /* p, even (default 4) */
    unsigned long long seed;   /* default 1 */
    const char *params;        /* comma-separated globs over parameter names; NULL or "all": every
                                  parameter with a usable range */
    const char *outputs;       /* comma-separated: pain (pain.local at the end), ppt (the last PPT
                                  measurement, or an algometer ramp at the end), stiffness
                                  (band.stiffness at the end), or any state or variable name;
                                  NULL: "pain,ppt,stiffness" */
    mk_solver_opts solver;
    int keep_output_rows;      /* 0: record only the first and last row (faster; the outputs are
                                  end values and measurements, so nothing is lost) */
    int jobs;                  /* worker processes (default 1; the CLI uses every core) */
    mk_morris_progress_fn progress;   /* in the calling process, as each run finishes */
    void *progress_ctx;
} mk_morris_opts;

void mk_morris_opts_default(mk_morris_opts *o);

typedef struct mk_morris_factor {
    int param;                 /* index into abi->params */
    double lo, hi;
    int log_scale;
} mk_morris_factor;

typedef struct mk_morris_result {
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
} mk_morris_result;

/* Screen abi's parameters against the protocol p (its parameter overrides hold for the
 * parameters that are not screened; a screened parameter takes the design's value). */
mk_status mk_morris_run(const mk_model_abi *abi, const mk_protocol *p, const mk_anatomy *anat,
                        const mk_morris_opts *o, mk_morris_result *out, mk_error *err);
void mk_morris_result_free(mk_morris_result *r);

/* Factor indices sorted by mu* of output o, largest first (caller frees). */
int *mk_morris_rank(const mk_morris_result *r, int o);

/* sensitivity.csv: one row per output and factor, ranked. */
mk_status mk_morris_write_csv(const mk_morris_result *r, mk_buf *out, mk_error *err);
/* sensitivity.png: bars of mu* (and dots of sigma) for the top factors of each output. */
mk_status mk_morris_write_figure(const mk_morris_result *r, int top, const char *path, mk_error *err);

/* ---------------------------------------------------------------- Sobol indices */

/* Variance-based indices by Saltelli's scheme (Saltelli et al. 2010): two N x k matrices A and B
 * of quasi-random points (GSL's Sobol sequence in 2k dimensions: A the first k coordinates,
 * B the last k), and k matrices AB_i = A with column i taken from B; N (k + 2) runs, plus one
 * baseline.  With V the variance of the outputs of A and B together:
 *   first order  S_i  = mean((f(B) - f0) (f(AB_i) - f(A))) / V      (Saltelli 2010, f(B) centred)
 *   total order  ST_i = mean((f(A) - f(AB_i))^2) / (2 V)             (Jansen 1999)
 * and 95 % bootstrap percentile intervals (resampling the N rows).  GSL's sequence has at most
 * 40 dimensions, so at most 20 factors: more are refused with a pointer to Morris screening.
 * The points do not depend on the seed; the seed drives the bootstrap only. */
#define MK_SOBOL_MAX_FACTORS 20

typedef struct mk_sobol_opts {
    int samples;               /* N (default 256; a power of 2 keeps the sequence balanced) */
    int bootstrap;             /* resamples for the intervals (default 1000; 0: none) */
    unsigned long long seed;   /* default 1 */
    const char *params, *outputs; /* as for Morris */
    mk_solver_opts solver;
    int keep_output_rows;
    int jobs;
    mk_morris_progress_fn progress;
    void *progress_ctx;
} mk_sobol_opts;

void mk_sobol_opts_default(mk_sobol_opts *o);

typedef struct mk_sobol_result {
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
} mk_sobol_result;

mk_status mk_sobol_run(const mk_model_abi *abi, const mk_protocol *p, const mk_anatomy *anat,
                       const mk_sobol_opts *o, mk_sobol_result *out, mk_error *err);
void mk_sobol_result_free(mk_sobol_result *r);

/* The base samples: A and B (n x k each, row-major) from the Sobol sequence in 2k dimensions. */
mk_status mk_sobol_sample(int n, int k, double *A, double *B, mk_error *err);

/* The estimators on one output: yA, yB (n) and yAB (k x n: row i is f(AB_i)).  A row whose
 * f(A) or f(B) is not finite (a failed run) is left out (*n_used: the rows kept; V comes from
 * them); a row whose f(AB_i) is not finite is left out of factor i's sums only (n_rows[i], may
 * be NULL).  s1, st (k) and, when n_boot > 0, their 95 % percentile intervals s1_lo .. s1_hi,
 * st_lo .. st_hi (k each; may be NULL when n_boot is 0).  Bootstrap rows are drawn from mk_rng
 * seeded with seed. */
mk_status mk_sobol_estimate(int n, int k, const double *yA, const double *yB, const double *yAB, int n_boot,
                            unsigned long long seed, double *s1, double *st, double *s1_lo, double *s1_hi,
                            double *st_lo, double *st_hi, int *n_used, int *n_rows, double *mean, double *var,
                            mk_error *err);

/* Factor indices sorted by ST of output o, largest first (caller frees). */
int *mk_sobol_rank(const mk_sobol_result *r, int o);
mk_status mk_sobol_write_csv(const mk_sobol_result *r, mk_buf *out, mk_error *err);
/* sensitivity.png: S1 and ST with their intervals for the top factors of each output. */
mk_status mk_sobol_write_figure(const mk_sobol_result *r, int top, const char *path, mk_error *err);

/* The generator of the design (xoshiro256**, seeded by splitmix64), exposed for tests. */
typedef struct mk_rng {
    unsigned long long s[4];
} mk_rng;
void mk_rng_seed(mk_rng *g, unsigned long long seed);
unsigned long long mk_rng_next(mk_rng *g);
/* uniform integer in [0, n) */
int mk_rng_below(mk_rng *g, int n);

#endif
