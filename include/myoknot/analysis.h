/*
 * myoknot/analysis.h -- the analyses over a model: scans (steady states by simulation),
 * continuation (Newton on the steady-state equations, eigenvalues), Morris sensitivity
 * screening, and fitting parameters to calibration targets or a patient's measurements.
 * Each section below starts with the module's own description.
 */
#ifndef MYOKNOT_ANALYSIS_H
#define MYOKNOT_ANALYSIS_H

#include "myoknot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- scan
 *
 * scan.h -- steady states, folds and hysteresis by quasi-static continuation.
 *
 * One parameter or input is swept from A to B and back in equal steps.  At each value the
 * model is integrated with constant inputs until its state stops changing (a relative change
 * per check interval below a tolerance) or the settle time runs out, each step starting from
 * the state the previous one ended in.  Where the two branches end in different states at the
 * same value, two steady states coexist (bistability) and the sweep shows hysteresis; the
 * jumps of each branch bracket the fold points to within one step.
 *
 * Natural-parameter continuation by simulation, not pseudo-arclength: it finds the stable
 * branches only (the unstable middle branch is never visited) and the folds to within the step.
 */
typedef struct mk_scan_opts {
    mk_symbol_kind kind;  /* MK_SYM_PARAM or MK_SYM_INPUT */
    int index;            /* of the swept symbol */
    double from, to;      /* in the symbol's declared unit */
    int steps;            /* intervals: steps + 1 values per branch (default 20) */
    double settle_s;      /* longest simulated time per value (default 6 h) */
    int checks;           /* convergence checks per settle time (default 12) */
    double conv_tol;      /* steady: every state changed by less than this, relative, over one
                             check interval (default 1e-4) */
    const char *watch;    /* state or variable compared between branches (NULL: core.ca if the
                             model has it, else the first state) */
    double hyst_tol;      /* branches differ: relative difference above this (default 0.1) */
    double abs_tol;       /* ... and absolute difference above this, in the watched output's
                             unit (default 1e-6: near zero, solver noise is not a second state) */
} mk_scan_opts;

MK_API void mk_scan_opts_default(mk_scan_opts *o);

/* The result: an opaque handle, read through the accessors below.  Branch 0 is the forward
 * sweep (A to B), 1 the backward; point k of either branch is at the k-th value from A. */
typedef struct mk_scan_result mk_scan_result;

/* Sweep on a clone of base (its parameters, inputs and state are the starting point); *out is
 * freed with mk_scan_result_free. */
MK_API mk_status mk_scan_run(const mk_solver *base, const mk_scan_opts *o, mk_scan_result **out, mk_error *err);
MK_API void mk_scan_result_free(mk_scan_result *r);

MK_API const mk_model_abi *mk_scan_result_abi(const mk_scan_result *r);
MK_API int mk_scan_result_points(const mk_scan_result *r);  /* values per branch */
/* The swept symbol's name (its unit into *unit; unit may be NULL). */
MK_API const char *mk_scan_result_swept(const mk_scan_result *r, const char **unit);
/* The watched output compared between the branches (its unit into *unit, may be NULL). */
MK_API const char *mk_scan_result_watch(const mk_scan_result *r, const char **unit);

typedef struct mk_scan_point_info {
    double value;         /* the swept value */
    int converged;        /* 1 if steady within the settle time */
    double settled_s;     /* simulated time spent at this value */
    double rel_change;    /* largest relative state change over the last check interval */
    int slowest;          /* the state with that change (index into abi->states; -1: none) */
    double rel_diff;      /* |fwd - back| / scale of the watched output at this value */
    int differs;          /* 1 if the branches differ here (rel_diff above hyst_tol, or NaN) */
} mk_scan_point_info;
/* Point k (0 .. points-1) of branch (0 forward, 1 backward); MK_ERR_INVALID out of range. */
MK_API mk_status mk_scan_result_point(const mk_scan_result *r, int branch, int k, mk_scan_point_info *out,
                                      mk_error *err);
/* A state or variable at point k of branch by name; NaN if the model has none or k is out of
 * range.  unit may be NULL. */
MK_API double mk_scan_result_get(const mk_scan_result *r, int branch, int k, const char *name, const char **unit);
/* A whole branch of a state or variable (NULL: the swept value) into out[0 .. points-1];
 * MK_ERR_NAME naming the output if the model has none. */
MK_API mk_status mk_scan_result_column(const mk_scan_result *r, int branch, const char *name, double *out,
                                       mk_error *err);
/* Contiguous ranges of values where the branches differ: their number; range i's ends into
 * *lo and *hi with mk_scan_result_range. */
MK_API int mk_scan_result_ranges(const mk_scan_result *r);
MK_API void mk_scan_result_range(const mk_scan_result *r, int i, double *lo, double *hi);
/* Fold estimates (NaN if none): where the forward (backward) branch leaves a value where the
 * branches differ and jumps further than its remaining distance to the other branch, the
 * largest such jump; midway between the two values, to within half a step.  NaN: the branch
 * holds on to the end of the sweep (no fold inside [A, B]). */
MK_API double mk_scan_result_fold(const mk_scan_result *r, int branch);
MK_API int mk_scan_result_unconverged(const mk_scan_result *r);
MK_API void mk_scan_result_stats(const mk_scan_result *r, mk_solver_stats *st);
MK_API double mk_scan_result_wall_s(const mk_scan_result *r);

/* scan.csv: one row per branch and value, every state and output variable. */
MK_API mk_status mk_scan_write_csv(const mk_scan_result *r, mk_buf *out, mk_error *err);
/* scan.png: the watched output and key outputs against the swept value, both branches. */
MK_API mk_status mk_scan_write_figure(const mk_scan_result *r, const char *path, mk_error *err);
/* The verdict in one paragraph ("no coexistence found in [A, B]" or the ranges and folds). */
MK_API void mk_scan_verdict(const mk_scan_result *r, mk_buf *out);

/* ---------------------------------------------------------------- cont
 *
 * cont.h -- steady states by Newton's method and pseudo-arclength continuation along one
 * parameter or input, with stability, folds and Hopf points.
 *
 * A steady state solves F(y; p) = rhs(y; p, inputs) = 0.  It is found by SUNDIALS KINSOL
 * (Newton with a line search, a dense direct linear solver, the Jacobian by central
 * differences) from a guess that a time run gives (the settle of scan.h), and followed in p
 * by pseudo-arclength continuation: a tangent predictor and a corrector that solves the
 * bordered system [F(y, p) = 0; t . (z - z_pred) = 0] of size n + 1 in scaled coordinates
 * z = (y / s, p / |B - A|).  The branch may turn back at a fold (dp/ds changes sign), so the
 * unstable middle branch of an S-curve is followed too.
 *
 * Stability comes from the eigenvalues of the Jacobian dF/dy (LAPACK dgeev): a steady state
 * is stable when every eigenvalue has a negative real part.  Folds (a real eigenvalue
 * through zero, dp/ds = 0) and Hopf points (a complex pair through the imaginary axis) are
 * located by a secant search along the branch, not guessed from the grid.
 *
 * A point is converged only when one more Newton step of the bordered system would change
 * no scaled coordinate by more than newton_tol; otherwise it is kept, flagged, and never used
 * for a verdict.  Where the corrector fails, the branch is bridged by time runs on the grid of
 * `steps` values: each grid value is settled and polished by Newton; those that do not
 * converge are unconverged points, and continuation starts again from the next that does.
 *
 * Slow states: by default every state is part of the problem (a true steady state, however
 * long it takes to reach).  States matching `freeze` (comma-separated globs) are held at a
 * fixed value instead (a quasi-steady state for those values): the value at the start of the
 * scan (the model's initial value or the caller's), or the one given as GLOB=VALUE.
 */
typedef struct mk_cont_opts {
    mk_symbol_kind kind;  /* MK_SYM_PARAM or MK_SYM_INPUT */
    int index;            /* of the swept symbol */
    double from, to;      /* in the symbol's declared unit */
    int steps;            /* the grid for step sizes and bridges: largest step |B - A| / steps
                             in p on a flat branch (default 20) */
    double settle_s;      /* time run for the first guess (default 6 h) */
    const char *freeze;   /* comma-separated globs, each optionally =VALUE; NULL: none */
    double newton_tol;    /* converged: scaled size of one more Newton step (default 1e-6) */
    int max_points;       /* per branch (default 2000) */
    const char *watch;    /* output named in the verdict (NULL: core.ca if present, else the
                             first state) */
} mk_cont_opts;

MK_API void mk_cont_opts_default(mk_cont_opts *o);

enum { MK_CONT_REGULAR = 0, MK_CONT_FOLD = 1, MK_CONT_HOPF = 2, MK_CONT_END = 3 };

/* One point of a result, as mk_cont_result_point gives it (the states and variables through
 * mk_cont_result_get and mk_cont_result_column). */
typedef struct mk_cont_point_info {
    int branch;           /* 1-based; a seed starts a branch */
    int segment;          /* 1-based within the result; a bridge starts a new segment */
    int kind;             /* MK_CONT_REGULAR, FOLD or HOPF (located), END (range boundary) */
    double p;             /* the swept value */
    int converged;
    int iters;            /* Newton iterations of the last solve */
    double residual;      /* max_i |F_i| / s_i, per second */
    double newton_step;   /* scaled size of one more Newton step (the convergence test) */
    int n_unstable;       /* eigenvalues with a positive real part; -1 if unknown */
    double max_re;        /* largest real part of an eigenvalue, 1/s */
    double slowest_s;     /* 1 / smallest |real part| above zero_re: the slowest relaxation time, s */
    int n_neutral;        /* eigenvalues with |real part| <= zero_re (within the differencing noise
                             of zero): a neutral direction or a relaxation slower than 1 / zero_re,
                             counted neither stable nor unstable; -1 if unknown */
    double zero_re;       /* that noise level: 1e-9 of the largest |eigenvalue|, 1/s */
    double omega;         /* Hopf points: |imaginary part| of the critical pair, rad/s */
    double dpds;          /* p-component of the unit tangent in scaled coordinates */
} mk_cont_point_info;

/* The result: an opaque handle, read through the accessors below.  Its points are in the order
 * they were found, branch by branch. */
typedef struct mk_cont_result mk_cont_result;

/* Continue on a clone of base (its parameters, inputs and state are the starting point); *out is
 * freed with mk_cont_result_free. */
MK_API mk_status mk_cont_run(const mk_solver *base, const mk_cont_opts *o, mk_cont_result **out, mk_error *err);
MK_API void mk_cont_result_free(mk_cont_result *r);

MK_API const mk_model_abi *mk_cont_result_abi(const mk_cont_result *r);
MK_API int mk_cont_result_points(const mk_cont_result *r);
/* The swept symbol's name (its unit into *unit; unit may be NULL). */
MK_API const char *mk_cont_result_swept(const mk_cont_result *r, const char **unit);
/* The output named in the verdict (its unit into *unit, may be NULL). */
MK_API const char *mk_cont_result_watch(const mk_cont_result *r, const char **unit);
/* Point k (0 .. points-1); MK_ERR_INVALID out of range. */
MK_API mk_status mk_cont_result_point(const mk_cont_result *r, int k, mk_cont_point_info *out, mk_error *err);
/* A state or variable at point k by name; NaN if the model has none or k is out of range.
 * unit may be NULL. */
MK_API double mk_cont_result_get(const mk_cont_result *r, int k, const char *name, const char **unit);
/* A state or variable (NULL: the swept value) at every point into out[0 .. points-1];
 * MK_ERR_NAME naming the output if the model has none. */
MK_API mk_status mk_cont_result_column(const mk_cont_result *r, const char *name, double *out, mk_error *err);
MK_API int mk_cont_result_branches(const mk_cont_result *r);
/* Seeds whose steady state lay on a branch already found. */
MK_API int mk_cont_result_seeds_skipped(const mk_cont_result *r);
MK_API int mk_cont_result_unconverged(const mk_cont_result *r);
MK_API int mk_cont_result_folds(const mk_cont_result *r);
MK_API int mk_cont_result_hopf(const mk_cont_result *r);
/* 1 if state i (index into abi->states) is held fixed, its value into *value (may be NULL);
 * 0 if it is solved for or i is out of range. */
MK_API int mk_cont_result_frozen(const mk_cont_result *r, int i, double *value);
/* The cost: Newton iterations and right-hand-side evaluations (either may be NULL). */
MK_API void mk_cont_result_cost(const mk_cont_result *r, long *newton_iters, long *rhs_evals);
MK_API double mk_cont_result_wall_s(const mk_cont_result *r);

/* Ranges of p where at least two converged stable steady states coexist, from converged
 * points only; returns their number (at most max).  covered_out: the fraction of [A, B]
 * on which some converged branch lies. */
MK_API int mk_cont_coexistence(const mk_cont_result *r, double *lo, double *hi, int max, double *covered_out);

/* branches.csv: one row per point, every state and output. */
MK_API mk_status mk_cont_write_csv(const mk_cont_result *r, mk_buf *out, mk_error *err);
/* The figure: stable solid, unstable dashed, unconverged x, folds and Hopf points marked. */
MK_API mk_status mk_cont_write_figure(const mk_cont_result *r, const char *path, mk_error *err);
/* The report: what is frozen, branches and their stability, folds, Hopf points, and a verdict
 * drawn from converged points only. */
MK_API void mk_cont_report(const mk_cont_result *r, mk_buf *out);

/* ---------------------------------------------------------------- sensitivity
 *
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
 * Runs are independent and done one after another (no threads); the random numbers come from
 * a generator seeded by the caller (no global state), so the same seed gives the same design.
 */
/* The most worker processes an analysis (Morris, Sobol, fit) forks; --jobs is clamped to it. */
#define MK_WORKERS_MAX 64

/* three per site of the largest body (pain, ppt and stiffness at each of MK_MAX_SITES, 12) */
#define MK_MORRIS_MAX_OUTPUTS 36

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

MK_API void mk_morris_opts_default(mk_morris_opts *o);

typedef struct mk_morris_factor {
    int param;                 /* index into abi->params */
    double lo, hi;
    int log_scale;
} mk_morris_factor;

/* The result: an opaque handle, read through the accessors below (the factors and outputs as
 * for Sobol indices, mk_sens_*). */
typedef struct mk_morris_result mk_morris_result;

/* Screen abi's parameters against the protocol p (its parameter overrides hold for the
 * parameters that are not screened; a screened parameter takes the design's value); *out is
 * freed with mk_morris_result_free. */
MK_API mk_status mk_morris_run(const mk_model_abi *abi, const mk_protocol *p, const mk_anatomy *anat,
                        const mk_morris_opts *o, mk_morris_result **out, mk_error *err);
MK_API void mk_morris_result_free(mk_morris_result *r);

MK_API int mk_morris_result_factors(const mk_morris_result *r);  /* k */
/* Factor i (0 .. k-1): its parameter, range and scale; MK_ERR_INVALID out of range. */
MK_API mk_status mk_morris_result_factor(const mk_morris_result *r, int i, mk_morris_factor *out, mk_error *err);
MK_API int mk_morris_result_outputs(const mk_morris_result *r);
/* Output o's label ("pain", "ppt", "core.ca"); what is measured into *name ("pain.local",
 * "PPT") and its unit into *unit (either may be NULL); NULL out of range. */
MK_API const char *mk_morris_result_output(const mk_morris_result *r, int o, const char **name, const char **unit);
/* Output o with every parameter at its value (NaN out of range). */
MK_API double mk_morris_result_base(const mk_morris_result *r, int o);
/* mu*, mu, sigma and the number of finite elementary effects of every factor on output o, each
 * into an array of k (any may be NULL). */
MK_API mk_status mk_morris_result_effects(const mk_morris_result *r, int o, double *mu_star, double *mu,
                                          double *sigma, int *n_ee, mk_error *err);
/* Runs made and (into *failed, may be NULL) those that failed; wall-clock time. */
MK_API int mk_morris_result_runs(const mk_morris_result *r, int *failed);
MK_API double mk_morris_result_wall_s(const mk_morris_result *r);
/* The account `myoknot sensitivity` prints and writes to summary.txt: the design, one table
 * per output of the top factors by mu*, the runs (p: the protocol screened). */
MK_API void mk_morris_write_text(const mk_morris_result *r, const mk_protocol *p, int top, mk_buf *out);

/* Factor indices sorted by mu* of output o, largest first (caller frees). */
MK_API int *mk_morris_rank(const mk_morris_result *r, int o);

/* sensitivity.csv: one row per output and factor, ranked. */
MK_API mk_status mk_morris_write_csv(const mk_morris_result *r, mk_buf *out, mk_error *err);
/* sensitivity.png: bars of mu* (and dots of sigma) for the top factors of each output. */
MK_API mk_status mk_morris_write_figure(const mk_morris_result *r, int top, const char *path, mk_error *err);

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

MK_API void mk_sobol_opts_default(mk_sobol_opts *o);

/* The result: an opaque handle, read through the accessors below. */
typedef struct mk_sobol_result mk_sobol_result;

/* *out is freed with mk_sobol_result_free. */
MK_API mk_status mk_sobol_run(const mk_model_abi *abi, const mk_protocol *p, const mk_anatomy *anat,
                       const mk_sobol_opts *o, mk_sobol_result **out, mk_error *err);
MK_API void mk_sobol_result_free(mk_sobol_result *r);

MK_API int mk_sobol_result_factors(const mk_sobol_result *r);  /* k */
MK_API mk_status mk_sobol_result_factor(const mk_sobol_result *r, int i, mk_morris_factor *out, mk_error *err);
MK_API int mk_sobol_result_outputs(const mk_sobol_result *r);
/* As mk_morris_result_output. */
MK_API const char *mk_sobol_result_output(const mk_sobol_result *r, int o, const char **name, const char **unit);
MK_API double mk_sobol_result_base(const mk_sobol_result *r, int o);
/* S1, ST and their 95 % intervals, and the rows behind each, of every factor on output o, each
 * into an array of k (any may be NULL); NaN where undefined (no variance, too few rows). */
MK_API mk_status mk_sobol_result_indices(const mk_sobol_result *r, int o, double *s1, double *s1_lo, double *s1_hi,
                                         double *st, double *st_lo, double *st_hi, int *n_rows, mk_error *err);
MK_API int mk_sobol_result_runs(const mk_sobol_result *r, int *failed);
MK_API double mk_sobol_result_wall_s(const mk_sobol_result *r);
/* The account `myoknot sensitivity --method sobol` prints: the design, a table per output of
 * the top factors by ST, the runs. */
MK_API void mk_sobol_write_text(const mk_sobol_result *r, const mk_protocol *p, int top, mk_buf *out);

/* The base samples: A and B (n x k each, row-major) from the Sobol sequence in 2k dimensions. */
MK_API mk_status mk_sobol_sample(int n, int k, double *A, double *B, mk_error *err);

/* The estimators on one output: yA, yB (n) and yAB (k x n: row i is f(AB_i)).  A row whose
 * f(A) or f(B) is not finite (a failed run) is left out (*n_used: the rows kept; V comes from
 * them); a row whose f(AB_i) is not finite is left out of factor i's sums only (n_rows[i], may
 * be NULL).  s1, st (k) and, when n_boot > 0, their 95 % percentile intervals s1_lo .. s1_hi,
 * st_lo .. st_hi (k each; may be NULL when n_boot is 0).  Bootstrap rows are drawn from mk_rng
 * seeded with seed. */
MK_API mk_status mk_sobol_estimate(int n, int k, const double *yA, const double *yB, const double *yAB, int n_boot,
                            unsigned long long seed, double *s1, double *st, double *s1_lo, double *s1_hi,
                            double *st_lo, double *st_hi, int *n_used, int *n_rows, double *mean, double *var,
                            mk_error *err);

/* Factor indices sorted by ST of output o, largest first (caller frees). */
MK_API int *mk_sobol_rank(const mk_sobol_result *r, int o);
MK_API mk_status mk_sobol_write_csv(const mk_sobol_result *r, mk_buf *out, mk_error *err);
/* sensitivity.png: S1 and ST with their intervals for the top factors of each output. */
MK_API mk_status mk_sobol_write_figure(const mk_sobol_result *r, int top, const char *path, mk_error *err);



/* ---------------------------------------------------------------- fit
 *
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
MK_API mk_status mk_fit_select(const mk_model_abi *abi, const char *globs, int force_log, mk_fit_param **out, int *n,
                        mk_error *err);
MK_API double mk_fit_to_value(const mk_fit_param *p, double u);
MK_API double mk_fit_to_unit(const mk_fit_param *p, double value);

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

MK_API void mk_fit_opts_default(mk_fit_opts *o);

/* The result: an opaque handle, read through the accessors below. */
typedef struct mk_fit_result mk_fit_result;

/* *out is freed with mk_fit_result_free. */
MK_API mk_status mk_fit_run(const mk_model_abi *abi, const mk_fit_param *p, int k, int n_res, mk_fit_residual_fn fn,
                     void *ctx, const mk_fit_opts *o, mk_fit_result **out, mk_error *err);
MK_API void mk_fit_result_free(mk_fit_result *r);

/* The counts of a fit. */
typedef struct mk_fit_summary {
    int k, n_res;            /* parameters fitted, residuals */
    double f0, f;            /* objective before (the model's own values) and after */
    int n_hist, n_design;    /* evaluations in all, and of the global design */
    int starts;              /* local polishes */
    int failed_evals;        /* evaluations with at least one failed residual */
    int n_sv;                /* singular values of the Jacobian at the optimum */
    int jobs;
    double wall_s;
} mk_fit_summary;
MK_API void mk_fit_result_summary(const mk_fit_result *r, mk_fit_summary *out);
/* Arrays out (each may be NULL): the parameters before and after, in declared units (x0, x)
 * and normalised (u0, u), k each. */
MK_API void mk_fit_result_values(const mk_fit_result *r, double *x0, double *x, double *u0, double *u);
/* The residuals before and after, n_res each (NaN: failed). */
MK_API void mk_fit_result_residuals(const mk_fit_result *r, double *before, double *after);
/* The objective of every evaluation in order (n_hist: design, then each polish) and the
 * length of each polish (starts). */
MK_API void mk_fit_result_history(const mk_fit_result *r, double *hist, int *polish_len);
/* Identifiability at the optimum: approximate standard errors in u (k; INFINITY: not
 * determined), 1 where identifiable (k), correlations and the Laplace covariance in u (k x k,
 * row-major; see mk_fit_covariance), singular values (n_sv). */
MK_API void mk_fit_result_identifiability(const mk_fit_result *r, double *se_u, int *identifiable, double *corr,
                                          double *cov_u, double *sv);
/* Why parameter j is not identifiable ("" when it is, NULL out of range). */
MK_API const char *mk_fit_result_why(const mk_fit_result *r, int j);

/* The objective of residuals r: sum of r_i^2, a NaN counted as MK_FIT_FAIL_RESIDUAL. */
MK_API double mk_fit_objective(const double *r, int n);

/* The natural-unit standard error of parameter j: for a log-scale parameter the factor
 * exp(SE of ln p) (the value is known within x / f .. x * f), otherwise the SE in its unit. */
MK_API double mk_fit_se_natural(const mk_fit_param *p, double se_u);

/* The Laplace covariance (k x k, row-major) in the fitted coordinates: ln(value) for a
 * log-scale parameter, the value in its declared unit otherwise (params.yaml's covariance). */
MK_API void mk_fit_covariance(const mk_fit_param *p, const mk_fit_result *r, double *cov);

/* objective.png: every evaluation's objective (log axis) and the best so far. */
MK_API mk_status mk_fit_write_history(const mk_fit_result *r, const char *title, const char *path, mk_error *err);

/* ---------------------------------------------------------------- residuals */

struct mk_vresult;
/* A validation result's standardized residual (docs/fit.md): within: (model - value) / the
 * published half-range on the side of the miss; above/below and ordinal: hinge penalties
 * (0 when satisfied).  NaN when the model's value could not be computed.  how (may be NULL):
 * the scale used, for the table. */
MK_API double mk_fit_target_residual(const struct mk_vresult *r, char *how, size_t how_size);

/* The calibration targets a fit uses (myoknot fit --targets), with their own unit system and
 * anatomy: an opaque handle. */
typedef struct mk_fit_targets mk_fit_targets;
/* The targets of dir (mk_vtarget_list) whose names match globs (comma-separated fnmatch(3)
 * patterns; NULL: every calibration target).  Fails, with origin MK_ORIGIN_ARGUMENT, with
 * MK_ERR_INVALID when a named target is a validation target (fitting to it would make its pass
 * circular) or globs names nothing, MK_ERR_NAME when a glob matches no target, MK_ERR_IO
 * when dir cannot be read or holds no targets or no calibration target; a target
 * file that does not load fails with its own error (file:line:column). */
MK_API mk_status mk_fit_targets_load(const char *dir, const char *globs, mk_fit_targets **out, mk_error *err);
MK_API void mk_fit_targets_free(mk_fit_targets *ts);
MK_API int mk_fit_targets_count(const mk_fit_targets *ts);
MK_API const char *mk_fit_targets_name(const mk_fit_targets *ts, int i); /* "" out of range */
/* An mk_fit_residual_fn (ctx: the mk_fit_targets *): each target's standardized residual
 * (mk_fit_target_residual) against abi, in the targets' order; count residuals. */
MK_API mk_status mk_fit_targets_residuals(void *ctx, const mk_model_abi *abi, double *r, mk_error *err);
/* The fit's per-target table from fresh runs of every target against abi and against abi with
 * p[j]'s parameter at after[j]: residuals.csv (a header and a row per target) into csv, the
 * report's table into txt. */
MK_API mk_status mk_fit_targets_table(const mk_fit_targets *ts, const mk_model_abi *abi, const mk_fit_param *p, int k,
                                      const double *after, mk_buf *csv, mk_buf *txt, mk_error *err);

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
MK_API mk_status mk_fit_data_load_string(const char *file, const char *text, mk_units *u, mk_fit_data *out, mk_error *err);
MK_API mk_status mk_fit_data_load_file(const char *path, mk_units *u, mk_fit_data *out, mk_error *err);
MK_API void mk_fit_data_free(mk_fit_data *d);

/* A patient's measurements (mk_fit_data) and the protocol they came from (a study's), as a
 * fit's residual function: mk_fit_dataset_residuals has the type mk_fit_residual_fn, with the
 * data set as its ctx.  The study must outlive the data set. */
typedef struct mk_fit_dataset mk_fit_dataset;
MK_API mk_status mk_fit_dataset_new(const mk_study *s, const char *csv_path, mk_fit_dataset **out,
                                    mk_error *err);
MK_API void mk_fit_dataset_free(mk_fit_dataset *d);
MK_API const mk_fit_data *mk_fit_dataset_data(const mk_fit_dataset *d);
/* The scenario's own values of the fitted parameters would hide the fit: drop them, with a
 * line "the scenario sets NAME; the fit estimates it instead" per dropped one in notes. */
MK_API mk_status mk_fit_dataset_drop_overrides(mk_fit_dataset *d, const mk_model_abi *abi,
                                               const mk_fit_param *p, int k, mk_buf *notes,
                                               mk_error *err);
MK_API mk_status mk_fit_dataset_residuals(void *dataset, const mk_model_abi *abi, double *r,
                                          mk_error *err);

/* ---------------------------------------------------------------- forecast (docs/fit.md)
 *
 * A fitted patient forecast with uncertainty: N parameter sets drawn from the Laplace
 * approximation in a parameter file's `covariance:` block (myoknot fit writes it), normal in
 * the fitted coordinates about the study's values (its overrides: the file's `parameters:`),
 * truncated to the plausible ranges; each runs the study's protocol; per measurement the
 * median and the 5 % and 95 % quantiles.  Draw d uses the counter-based stream (seed, d), so
 * the same seed gives the same bytes. */
#define MK_FORECAST_MAX_DRAWS 100000

typedef struct mk_forecast_opts {
    int n;                      /* draws (default 100) */
    unsigned long long seed;    /* 0: the scenario's seed */
    mk_sim_opts sim;
} mk_forecast_opts;

typedef struct mk_forecast_row {
    double t_s;
    char quantity[96];          /* the measurement's label */
    char unit[32];
    double plain;               /* the run at the study's own values */
    double median, p5, p95;     /* over the draws that gave a value */
    int n;                      /* those draws */
} mk_forecast_row;

typedef struct mk_forecast {
    int n_rows;                 /* one per measurement of the scenario, in time order */
    mk_forecast_row *rows;
    int draws, failed;          /* draws run, and those the solver could not finish */
    int k;                      /* parameters drawn */
} mk_forecast;

MK_API void mk_forecast_opts_default(mk_forecast_opts *o);
/* Errors in the covariance block (missing, wrong size, unknown parameter, not symmetric or
 * not positive semi-definite) name params_path:line:col. */
MK_API mk_status mk_forecast_run(const mk_study *s, const char *params_path, const mk_forecast_opts *o,
                                 mk_forecast *out, mk_error *err);
MK_API void mk_forecast_free(mk_forecast *f);
/* forecast.csv: t_s,quantity,unit,plain,median,p5,p95,draws */
MK_API mk_status mk_forecast_csv(const mk_forecast *f, mk_buf *b, mk_error *err);
/* The band over time, one panel per unit of measurement, at most 4. */
MK_API mk_status mk_forecast_write_figure(const mk_forecast *f, const char *title, const char *path, mk_error *err);

#ifdef __cplusplus
}
#endif
#endif /* MYOKNOT_ANALYSIS_H */
