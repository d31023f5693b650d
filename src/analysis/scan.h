/*
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
#ifndef MK_ANALYSIS_SCAN_H
#define MK_ANALYSIS_SCAN_H

#include "myoknot.h" /* the declarations are public: include/myoknot/analysis.h */

/* The result's record, for the module and its unit tests; callers of the library have the
 * accessors of include/myoknot/analysis.h. */
typedef struct mk_scan_point {
    double value;         /* the swept value */
    int converged;        /* 1 if steady within the settle time */
    double settled_s;     /* simulated time spent at this value */
    double rel_change;    /* largest relative state change over the last check interval */
    int slowest;          /* the state with that change */
    double *y;            /* states at the end (abi->n_states) */
    double *v;            /* variables at the end (abi->n_vars) */
} mk_scan_point;

#define MK_SCAN_MAX_RANGES 16

struct mk_scan_result {
    const mk_model_abi *abi;
    mk_scan_opts opts;
    char name[128], unit[64];           /* the swept symbol */
    int n;                              /* values per branch */
    mk_scan_point *fwd, *back;          /* fwd[k] and back[k] both at the k-th value from A */
    char watch[128], watch_unit[64];
    int watch_is_state, watch_index;
    double *rel_diff;                   /* per value: |fwd - back| / scale of the watched output */
    int n_ranges;                       /* contiguous runs of values where the branches differ */
    double range_lo[MK_SCAN_MAX_RANGES], range_hi[MK_SCAN_MAX_RANGES];
    /* fold estimates (NaN if none): the step at which the forward (backward) branch leaves a
     * value where the branches differ and jumps further than its remaining distance to the
     * other branch, the largest such jump; midway between the two values, to within half a
     * step.  NaN: the branch holds on to the end of the sweep (no fold inside [A, B]) */
    double fold_fwd, fold_back;
    int n_unconverged;
    mk_solver_stats stats;
    double wall_s;
};

/* mk_scan_run into a record the caller owns (released with mk_scan_result_clear). */
mk_status mk_scan_compute(const mk_solver *base, const mk_scan_opts *o, mk_scan_result *out, mk_error *err);
void mk_scan_result_clear(mk_scan_result *r);

/* A state or variable of a point by name; NaN if the model has none.  unit may be NULL. */
double mk_scan_get(const mk_scan_result *r, const mk_scan_point *p, const char *name, const char **unit);

#endif
