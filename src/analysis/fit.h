/*
 * fit.h -- parameter estimation (myoknot fit, docs/fit.md).
 *
 * A fit chooses k parameters of a model, each within its plausible range, and minimises the
 * sum of squared standardized residuals a caller computes for a parameter set (the
 * calibration targets' misses in units of their published uncertainty, or a patient's
 * measurements in units of their SD).  Parameters move in normalised coordinates u in [0, 1]:
 * linearly over [lo, hi], or over [ln lo, ln hi] for a positive parameter whose range spans
 * more than a factor of 10 (or every positive one when asked).
 *
 * The search: a global stage, a Latin-hypercube design of N points (the model's own values are
 * point 0) evaluated in parallel; then a local polish (NLopt's BOBYQA) from the S best design
 * points, each polish in its own worker process; then a finite-difference Jacobian of the
 * residuals at the optimum (k + 1 runs, in parallel) whose SVD gives the Fisher information's
 * pseudo-inverse: approximate standard errors, the parameter correlation matrix and which
 * parameters the data pin down.  Workers are fork(2)ed processes, not threads: the scenario
 * compiler's unit parsing (UDUNITS) and PLplot are not thread safe.  Every random number comes
 * from the seed, every polish is deterministic and results are gathered by index, so the same
 * seed gives the same result whatever the number of workers.
 *
 * The library never prints: progress goes to the caller's callback.
 */
#ifndef MK_ANALYSIS_FIT_H
#define MK_ANALYSIS_FIT_H

#include "myoknot.h"

#define MK_FIT_MAX_JOBS 64
/* The residual that stands for a target the run could not compute (a solver failure, an
 * undefined statistic): 100 standard deviations, so that the search avoids such parameter
 * sets without the objective becoming NaN. */
#define MK_FIT_FAIL_RESIDUAL 100.0

typedef struct mk_fit_param {
    int param;       /* index into abi->params */
    double lo, hi;   /* the plausible range, declared unit */
    int log_scale;
} mk_fit_param;

/* The parameters to fit: globs (comma-separated fnmatch patterns over qualified names) or, when
 * NULL, every parameter whose source says "assumed"; in both cases only those with a usable
 * range (finite, lo < hi).  force_log: every positive range in log space.  MK_ERR_NAME when
 * nothing matches.  Caller frees *out. */
mk_status mk_fit_select(const mk_model_abi *abi, const char *globs, int force_log, mk_fit_param **out, int *n,
                        mk_error *err);
double mk_fit_to_value(const mk_fit_param *p, double u);
double mk_fit_to_unit(const mk_fit_param *p, double value);

/* Fill r[0..n_res-1] with the standardized residuals of abi (a copy of the model whose
 * parameters hold the candidate); NaN for one that could not be computed.  An error return
 * makes every residual a failure. */
typedef mk_status (*mk_fit_residual_fn)(void *ctx, const mk_model_abi *abi, double *r, mk_error *err);

typedef enum mk_fit_stage { MK_FIT_DESIGN, MK_FIT_POLISH, MK_FIT_JACOBIAN } mk_fit_stage;
/* After each evaluation: stage, evaluations done and planned in it, the best objective so far,
 * 1 if this evaluation improved it. */
typedef void (*mk_fit_progress_fn)(void *ctx, mk_fit_stage stage, int done, int total, double best, int improved);

typedef struct mk_fit_opts {
    unsigned long long seed; /* default 1 */
    int design;              /* points of the global design, the model's own values included (default 8 + 4k) */
    int starts;              /* local polishes from the best design points (default 4) */
    int local_evals;         /* evaluations per polish (default 20 + 10k) */
    int jobs;                /* worker processes (default 1) */
    double fd_step;          /* Jacobian step in u (default 0.01 of the range) */
    mk_fit_progress_fn progress;
    void *progress_ctx;
} mk_fit_opts;

void mk_fit_opts_default(mk_fit_opts *o);

typedef struct mk_fit_result {
    int k, n_res;
    double *u0, *u;          /* k: the model's own values and the optimum, normalised */
    double *x0, *x;          /* k: the same in declared units */
    double f0, f;            /* objective before and after */
    double *r0, *r;          /* n_res residuals before and after (NaN: failed) */
    int n_hist, n_design;    /* objective of every evaluation, in order: design, then each polish */
    double *hist;
    int *polish_len;         /* evaluations of each polish (starts) */
    int starts;
    int failed_evals;        /* evaluations with at least one failed residual */
    /* identifiability at the optimum */
    double *jac;             /* n_res x k, row-major: d r_i / d u_j (NaN column: a step failed) */
    double *sv;              /* min(n_res, k) singular values of jac, largest first */
    int n_sv;
    double *se_u;            /* k: approximate standard error in u (INFINITY: not determined) */
    double *corr;            /* k x k correlations (NaN where undetermined) */
    int *identifiable;       /* k */
    char (*why)[128];        /* k: why not (empty when identifiable) */
    double wall_s;
    int jobs;
} mk_fit_result;

mk_status mk_fit_run(const mk_model_abi *abi, const mk_fit_param *p, int k, int n_res, mk_fit_residual_fn fn,
                     void *ctx, const mk_fit_opts *o, mk_fit_result *out, mk_error *err);
void mk_fit_result_free(mk_fit_result *r);

/* The objective of residuals r: sum of r_i^2, a NaN counted as MK_FIT_FAIL_RESIDUAL. */
double mk_fit_objective(const double *r, int n);

/* The natural-unit standard error of parameter j: for a log-scale parameter the factor
 * exp(SE of ln p) (the value is known within x / f .. x * f), otherwise the SE in its unit. */
double mk_fit_se_natural(const mk_fit_param *p, double se_u);

/* objective.png: every evaluation's objective (log axis) and the best so far. */
mk_status mk_fit_write_history(const mk_fit_result *r, const char *title, const char *path, mk_error *err);

/* ---------------------------------------------------------------- residuals */

struct mk_vresult;
/* A validation result's standardized residual (docs/fit.md): within: (model - value) / the
 * published half-range on the side of the miss; above/below and ordinal: hinge penalties
 * (0 when satisfied).  NaN when the model's value could not be computed.  how (may be NULL):
 * the scale used, for the table. */
double mk_fit_target_residual(const struct mk_vresult *r, char *how, size_t how_size);

/* A patient's measurements: CSV with the header time,variable,value,sd (docs/fit.md). */
typedef struct mk_fit_obs {
    double t_s;
    char variable[128];
    double value, sd;
    int line, col_var;       /* in the CSV, for messages */
} mk_fit_obs;

typedef struct mk_fit_data {
    char file[1024];
    int n;
    mk_fit_obs *obs;
} mk_fit_data;

/* Parse the CSV; errors name file:line:col.  u converts the times ("3 d", "90 min"). */
mk_status mk_fit_data_load_string(const char *file, const char *text, mk_units *u, mk_fit_data *out, mk_error *err);
mk_status mk_fit_data_load_file(const char *path, mk_units *u, mk_fit_data *out, mk_error *err);
void mk_fit_data_free(mk_fit_data *d);

struct mk_run_result;
/* (model - value) / sd for each observation: a measurement with that label (the one nearest in
 * time, within 60 s), or else a series column interpolated at the time.  An observation that
 * names neither, or a time outside the run, is an error at its line and column. */
mk_status mk_fit_data_residuals(const mk_fit_data *d, const struct mk_run_result *run, double *r, mk_error *err);

#endif
