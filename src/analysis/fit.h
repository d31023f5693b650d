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

#include "myoknot.h" /* the declarations are public: include/myoknot/analysis.h */

/* The result's record, for the module and its unit tests; callers of the library have the
 * accessors of include/myoknot/analysis.h. */
struct mk_fit_result {
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
    double *cov_u;           /* k x k Laplace covariance in u: the Fisher information's
                              * pseudo-inverse; an undetermined parameter: 1/12 (uniform over
                              * its range), uncorrelated */
    int *identifiable;       /* k */
    char (*why)[128];        /* k: why not (empty when identifiable) */
    double wall_s;
    int jobs;
};

/* mk_fit_run into a record the caller owns (released with mk_fit_result_clear). */
mk_status mk_fit_compute(const mk_model_abi *abi, const mk_fit_param *p, int k, int n_res, mk_fit_residual_fn fn,
                         void *ctx, const mk_fit_opts *o, mk_fit_result *out, mk_error *err);
void mk_fit_result_clear(mk_fit_result *r);

struct mk_run_result;
/* (model - value) / sd for each observation: a measurement with that label (the one nearest in
 * time, within 60 s), or else a series column interpolated at the time.  An observation that
 * names neither, or a time outside the run, is an error at its line and column. */
mk_status mk_fit_data_residuals(const mk_fit_data *d, const struct mk_run_result *run, double *r, mk_error *err);

/* Identifiability at the optimum from res->jac (n_res x k, with res->k and res->n_res set):
 * fills sv, n_sv, se_u, corr, cov_u, identifiable and why (docs/fit.md); the caller frees them
 * with mk_fit_result_clear.  mk_fit_compute calls it; exposed for tests. */
mk_status mk_fit_identify(mk_fit_result *res, mk_error *err);

#endif
