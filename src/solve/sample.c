/*
 * sample.c -- a model run at constant inputs, sampled at a fixed interval (myoknot run's quick
 * mode for model developers: no scenario, the present parameters and inputs held).
 *
 * A row at the start and every every_s after it, the last one at duration_s even when the
 * interval does not divide it; every row's states and variables checked finite
 * (mk_solver_eval_vars) and the model's conservation laws checked at each, so a row that
 * reaches the caller is a valid one.
 */
#include <math.h>

#include "core/error.h"
#include "myoknot.h"

/* Relative slack when comparing the row times with the end: k * every lands on duration_s up
 * to rounding. */
static const double k_time_rel_tol = 1e-12;
/* The most rows a sampling may give (a guard against an interval far too small). */
static const double k_rows_max = 1e6;

mk_status mk_solver_sample(mk_solver *s, double duration_s, double every_s, mk_sample_row_fn row, void *ctx, mk_error *err)
{
    if (!s || !row) return mk_fail(err, MK_ERR_INVALID, "mk_solver_sample: missing argument");
    if (!(duration_s > 0) || !isfinite(duration_s) || !(every_s > 0) || !isfinite(every_s))
        return mk_error_from(err, MK_ORIGIN_ARGUMENT, mk_fail(err, MK_ERR_INVALID, "the duration and the interval must be positive and finite"));
    if (every_s > duration_s)
        return mk_error_from(err, MK_ORIGIN_ARGUMENT,
                             mk_fail(err, MK_ERR_INVALID, "the interval (%g s) is longer than the duration (%g s)", every_s, duration_s));
    if (duration_s / every_s > k_rows_max)
        return mk_error_from(err, MK_ORIGIN_ARGUMENT,
                             mk_fail(err, MK_ERR_INVALID, "the interval is too small: more than %g output rows", k_rows_max));
    mk_law_check *laws = NULL;
    const double *v = NULL;
    double t0 = mk_solver_time(s);
    mk_status rc = mk_law_check_new(s, &laws, err);
    if (!rc) rc = mk_solver_eval_vars(s, &v, err);
    if (!rc) row(ctx, 0, mk_solver_state(s), v);
    for (long k = 1; !rc; k++) {
        double t = (double)k * every_s;
        if (t > duration_s * (1 + k_time_rel_tol)) {
            if ((double)(k - 1) * every_s >= duration_s * (1 - k_time_rel_tol)) break;
            t = duration_s;
        }
        if (t > duration_s) t = duration_s;
        if (!(rc = mk_solver_advance(s, t0 + t, err)) && !(rc = mk_solver_eval_vars(s, &v, err)) &&
            !(rc = mk_law_check_now(laws, s, err)))
            row(ctx, t, mk_solver_state(s), v);
    }
    mk_law_check_free(laws);
    return rc;
}
