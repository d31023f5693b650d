/*
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
#ifndef MK_ANALYSIS_CONT_H
#define MK_ANALYSIS_CONT_H

#include "myoknot.h" /* the declarations are public: include/myoknot/analysis.h */

/* The result's record, for the module and its unit tests; callers of the library have the
 * accessors of include/myoknot/analysis.h. */
typedef struct mk_cont_point {
    mk_cont_point_info info; /* what mk_cont_result_point gives (include/myoknot/analysis.h) */
    double *y;               /* all states (frozen ones included), abi->n_states */
    double *v;               /* algebraic variables, abi->n_vars */
} mk_cont_point;

struct mk_cont_result {
    const mk_model_abi *abi;
    mk_cont_opts opts;
    char name[128], unit[64];          /* the swept symbol */
    char watch[128], watch_unit[64];
    int n, cap;
    mk_cont_point *pt;
    int n_branches;
    int n_seeds_skipped;               /* seeds whose steady state lay on a branch already found */
    int *frozen;                       /* per state: 1 if held fixed */
    double *frozen_value;              /* per state: the value it is held at */
    int n_frozen;
    int n_unconverged, n_folds, n_hopf;
    long rhs_evals, newton_iters;
    double wall_s;
};

/* mk_cont_run into a record the caller owns (released with mk_cont_result_clear). */
mk_status mk_cont_compute(const mk_solver *base, const mk_cont_opts *o, mk_cont_result *out, mk_error *err);
void mk_cont_result_clear(mk_cont_result *r);

/* A state or variable of a point by name; NaN if the model has none.  unit may be NULL. */
double mk_cont_get(const mk_cont_result *r, const mk_cont_point *p, const char *name, const char **unit);

#endif
