/*
 * laws.c -- checking a model's declared conservation laws as a run goes.
 *
 * The checker (check.c) already refuses a law that holds by construction on paper (one read
 * through a pool computed from the others, or over fewer than two states).  Here the law is
 * held to the numbers: its value at the start is recorded, a law that does not move when one
 * of its states moves (a - a + b - b) is refused, and at every check the relative drift
 * |E(t) - E(0)| / max(|E(0)|, scale) must stay within the law's tol.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "myoknot.h"
#include "solve/fork.h"

struct mk_law_check {
    const mk_model_abi *abi;
    const double *params;
    double *e0, *e;
    long count;
    double drift_max;
};

static double magnitude(const mk_law *l, double e0)
{
    return fabs(e0) > l->scale ? fabs(e0) : l->scale;
}

/* A law whose value does not change when one of its states changes cannot fail, whatever
 * the equations do. */
static mk_status check_moves(mk_law_check *c, const double *y0, mk_error *err)
{
    const mk_model_abi *abi = c->abi;
    double *y = mk_calloc((size_t)abi->n_states + 1, sizeof *y);
    if (!y) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    memcpy(y, y0, sizeof *y * (size_t)abi->n_states);
    mk_status rc = MK_OK;
    for (int k = 0; !rc && k < abi->n_laws; k++) {
        const mk_law *l = &abi->laws[k];
        if (!isfinite(c->e0[k]))
            rc = mk_fail(err, MK_ERR_SOLVER, "model '%s': conservation law '%s' is %g [%s] at "
                         "the start", abi->name, l->name, c->e0[k], l->unit);
        else if (magnitude(l, c->e0[k]) == 0)
            rc = mk_fail(err, MK_ERR_MODEL, "model '%s': conservation law '%s' is 0 at the "
                         "start, so no drift is small relative to it: give the law a scale (its "
                         "typical magnitude, in [%s])", abi->name, l->name, l->unit);
        for (int j = 0; !rc && j < l->n_states; j++) {
            int i = l->states[j];
            y[i] = y0[i] + 1e-3 * (fabs(y0[i]) > 1 ? fabs(y0[i]) : 1);
            abi->eval_laws(y, c->params, c->e);
            y[i] = y0[i];
            if (c->e[k] == c->e0[k])
                rc = mk_fail(err, MK_ERR_MODEL, "model '%s': conservation law '%s' does not "
                             "change when state '%s' does: it holds whatever the equations do "
                             "and checks nothing", abi->name, l->name, abi->states[i].name);
        }
    }
    free(y);
    return rc;
}

mk_status mk_law_check_new(const mk_solver *s, mk_law_check **out, mk_error *err)
{
    *out = NULL;
    mk_law_check *c = mk_calloc(1, sizeof *c);
    if (!c) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    c->abi = mk_solver_abi(s);
    c->params = mk_solver_params(s);
    if (c->abi->n_laws <= 0 || !c->abi->eval_laws) {
        *out = c;
        return MK_OK;
    }
    c->e0 = mk_calloc((size_t)c->abi->n_laws, sizeof(double));
    c->e = mk_calloc((size_t)c->abi->n_laws, sizeof(double));
    mk_status rc = !c->e0 || !c->e ? mk_fail(err, MK_ERR_NOMEM, "out of memory") : MK_OK;
    if (!rc) {
        c->abi->eval_laws(mk_solver_state(s), c->params, c->e0);
        rc = check_moves(c, mk_solver_state(s), err);
    }
    if (rc) {
        mk_law_check_free(c);
        return rc;
    }
    *out = c;
    return MK_OK;
}

mk_status mk_law_check_now(mk_law_check *c, const mk_solver *s, mk_error *err)
{
    const mk_model_abi *abi = c->abi;
    if (!c->e0) return MK_OK;
    abi->eval_laws(mk_solver_state(s), mk_solver_params(s), c->e);
    for (int k = 0; k < abi->n_laws; k++) {
        const mk_law *l = &abi->laws[k];
        double drift = fabs(c->e[k] - c->e0[k]) / magnitude(l, c->e0[k]);
        c->count++;
        if (!(drift <= c->drift_max)) c->drift_max = drift;
        if (!(drift <= l->tol))
            return mk_fail(err, MK_ERR_SOLVER, "model '%s': conservation law '%s' drifted by "
                           "%.3g (relative; tol %g) at t = %.9g s: %.9g [%s] at the start, %.9g "
                           "now", abi->name, l->name, drift, l->tol, mk_solver_time(s), c->e0[k],
                           l->unit, c->e[k]);
    }
    return MK_OK;
}

long mk_law_check_count(const mk_law_check *c) { return c ? c->count : 0; }
double mk_law_check_drift_max(const mk_law_check *c) { return c ? c->drift_max : 0; }

void mk_law_check_free(mk_law_check *c)
{
    if (!c) return;
    free(c->e0);
    free(c->e);
    free(c);
}

mk_status mk_law_check_fork(const mk_law_check *src, const mk_solver *s, mk_law_check **out, mk_error *err)
{
    *out = NULL;
    mk_law_check *c = mk_calloc(1, sizeof *c);
    if (!c) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    *c = *src;
    c->params = mk_solver_params(s);
    c->e0 = c->e = NULL;
    if (src->e0) {
        size_t n = (size_t)src->abi->n_laws;
        c->e0 = mk_malloc(n * sizeof(double));
        c->e = mk_calloc(n, sizeof(double));
        if (!c->e0 || !c->e) {
            mk_law_check_free(c);
            return mk_fail(err, MK_ERR_NOMEM, "out of memory");
        }
        memcpy(c->e0, src->e0, n * sizeof(double));
    }
    *out = c;
    return MK_OK;
}
