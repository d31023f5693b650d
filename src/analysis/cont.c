/*
 * cont.c -- seeds, pseudo-arclength continuation, bridges and the location of folds and Hopf
 * points (see cont.h; the numerical kernel is cont_newton.c, the outputs cont_report.c).
 *
 * The branches are followed from two seeds: the steady state that a time run reaches at A
 * from the starting state, and the one a time run reaches at B from there (the two ends of
 * the old up-and-down sweep).  A seed whose steady state lies on a branch already followed
 * is skipped.  A branch that is not connected to either seed is not found; the report says
 * so.
 */
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/common.h"
#include "core/clock.h"
#include "analysis/cont.h"
#include "analysis/cont_newton.h"
#include "core/alloc.h"
#include "core/error.h"

void mk_cont_opts_default(mk_cont_opts *o)
{
    memset(o, 0, sizeof *o);
    o->kind = MK_SYM_PARAM;
    o->index = -1;
    o->steps = 20;
    o->settle_s = 6 * 3600.0;
    o->newton_tol = 1e-6;
    o->max_points = 2000;
}

void mk_cont_result_clear(mk_cont_result *r)
{
    if (!r) return;
    for (int i = 0; i < r->n; i++) {
        free(r->pt[i].y);
        free(r->pt[i].v);
    }
    free(r->pt);
    free(r->frozen);
    free(r->frozen_value);
    memset(r, 0, sizeof *r);
}

double mk_cont_get(const mk_cont_result *r, const mk_cont_point *p, const char *name, const char **unit)
{
    return mk_abi_point_value(r->abi, p->y, p->v, name, unit);
}

/* ---------------------------------------------------------------- frozen states */

/* "GLOB[=VALUE],..." -> frozen flags and values (a bare number in the state's unit; without
 * one, the state's value in the starting state y). */
static mk_status parse_freeze(mk_cont_result *r, const char *spec, const double *y, mk_error *err)
{
    const mk_model_abi *abi = r->abi;
    for (int i = 0; i < abi->n_states; i++) r->frozen_value[i] = y[i];
    if (!spec || !spec[0]) return MK_OK;
    const char *p = spec;
    while (*p) {
        size_t len = strcspn(p, ",");
        char tok[256];
        if (len == 0 || len >= sizeof tok)
            return mk_error_from(err, MK_ORIGIN_ARGUMENT,
                                 mk_fail(err, MK_ERR_INVALID, "freeze: expected GLOB or GLOB=VALUE, found '%.*s'", (int)len, p));
        memcpy(tok, p, len);
        tok[len] = 0;
        char *eq = strchr(tok, '=');
        double value = NAN;
        if (eq) {
            *eq = 0;
            char *end;
            value = strtod(eq + 1, &end);
            if (end == eq + 1 || *end || !isfinite(value))
                return mk_error_from(err, MK_ORIGIN_ARGUMENT,
                                     mk_fail(err, MK_ERR_INVALID, "freeze %s: expected a number after '=', found '%s'", tok, eq + 1));
        }
        int hits = 0;
        for (int i = 0; i < abi->n_states; i++) {
            if (fnmatch(tok, abi->states[i].name, 0)) continue;
            hits++;
            r->frozen[i] = 1;
            if (eq) r->frozen_value[i] = value;
        }
        if (!hits)
            return mk_error_from(err, MK_ORIGIN_ARGUMENT,
                                 mk_fail(err, MK_ERR_NAME, "freeze: no state of model '%s' matches '%s' (see myoknot model show %s)",
                                         abi->name, tok, abi->name));
        p += len;
        if (*p == ',') p++;
    }
    for (int i = 0; i < abi->n_states; i++) r->n_frozen += r->frozen[i];
    return MK_OK;
}

/* ---------------------------------------------------------------- the tracer */

typedef struct tracer {
    mk_cont_result *r;
    mk_cont_ws w;
    mk_solver *sim;               /* time runs: first guesses and bridges */
    const mk_cont_opts *o;
    double lo, hi, h;             /* the range of p and the grid step */
    int branch, segment, budget;  /* budget: points and grid values left for this branch */
    double *u, *un, *t, *tn, *tk, *ug, *tg, *us; /* n each */
    double *ysim, *ystart;                    /* ny each */
    mk_cont_eig e, en;
} tracer;

static mk_status grow(mk_cont_result *r, mk_error *err)
{
    if (r->n < r->cap) return MK_OK;
    int cap = r->cap ? 2 * r->cap : 64;
    mk_cont_point *pt = mk_realloc(r->pt, (size_t)cap * sizeof *pt);
    if (!pt) return mk_fail(err, MK_ERR_NOMEM, "out of memory for continuation points");
    r->pt = pt;
    r->cap = cap;
    return MK_OK;
}

/* Append a point at u (converged or not), with its stability when e is given. */
static mk_status add_point(tracer *T, const double *u, int kind, const mk_cont_solve *sol, double dpds,
                           const mk_cont_eig *e, mk_error *err)
{
    mk_cont_result *r = T->r;
    const mk_model_abi *abi = r->abi;
    if (grow(r, err)) return err->code;
    mk_cont_point *p = &r->pt[r->n];
    memset(p, 0, sizeof *p);
    p->y = mk_calloc((size_t)abi->n_states + 1, sizeof *p->y);
    p->v = mk_calloc((size_t)abi->n_vars + 1, sizeof *p->v);
    if (!p->y || !p->v) {
        free(p->y);
        free(p->v);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory for continuation points");
    }
    r->n++;
    T->budget--;
    mk_cont_unpack(&T->w, u);
    memcpy(p->y, T->w.yfull, (size_t)abi->n_states * sizeof *p->y);
    abi->rhs(T->w.t_s, T->w.yfull, T->w.ydot, T->w.inputs, T->w.params, p->v);
    p->info.branch = T->branch;
    p->info.segment = T->segment;
    p->info.kind = kind;
    p->info.p = u[T->w.nf];
    p->info.converged = sol->converged;
    p->info.iters = sol->iters;
    p->info.residual = sol->residual;
    p->info.newton_step = sol->step;
    p->info.dpds = dpds;
    p->info.n_unstable = p->info.n_neutral = -1;
    p->info.max_re = p->info.slowest_s = p->info.omega = p->info.zero_re = NAN;
    if (e && sol->converged) {
        p->info.n_unstable = e->n_unstable;
        p->info.n_neutral = e->n_neutral;
        p->info.zero_re = e->zero_re;
        p->info.max_re = e->max_re;
        p->info.slowest_s = e->slowest_s;
        if (kind == MK_CONT_HOPF) p->info.omega = e->hopf_omega;
    }
    r->n_unconverged += !p->info.converged;
    r->n_folds += kind == MK_CONT_FOLD && p->info.converged;
    r->n_hopf += kind == MK_CONT_HOPF && p->info.converged;
    return MK_OK;
}

/* Correct from z_k + sigma t_k on the hyperplane through it; the test function there
 * (dp/ds for a fold, the real part of the critical pair for a Hopf point), NaN if the
 * corrector fails.  Leaves the point in T->ug, its tangent in T->tg, its eigenvalues in *e. */
static double test_at(tracer *T, double sigma, int kind, mk_cont_solve *sol, mk_cont_eig *e)
{
    mk_cont_ws *w = &T->w;
    for (int j = 0; j < w->n; j++) {
        w->tan[j] = T->tk[j];
        w->zpred[j] = T->u[j] / w->s[j] + sigma * T->tk[j];
        T->ug[j] = w->zpred[j] * w->s[j];
    }
    *sol = mk_cont_correct(w, T->ug);
    if (!sol->converged || mk_cont_tangent(w, T->ug, T->tk, T->tg) || mk_cont_eigen(w, T->ug, e)) return NAN;
    return kind == MK_CONT_FOLD ? T->tg[w->nf] : e->hopf_re;
}

/* A fold or Hopf point between u (sigma = 0) and un (sigma = s_hi) by the Illinois variant
 * of regula falsi along the predictor line; added to the branch when found. */
static mk_status locate(tracer *T, int kind, double s_hi, double ga, double gb, mk_error *err)
{
    if (!(ga * gb < 0)) return MK_OK; /* a pair that changed identity: not a crossing */
    memcpy(T->tk, T->t, (size_t)T->w.n * sizeof *T->tk);
    double a = 0, b = s_hi, gc = NAN;
    mk_cont_solve sol = {0};
    mk_cont_eig e = {0};
    int side = 0;
    for (int it = 0; it < 60; it++) {
        double c = b - gb * (b - a) / (gb - ga);
        gc = test_at(T, c, kind, &sol, &e);
        if (isnan(gc)) break;
        if (fabs(gc) < 1e-11 || fabs(b - a) < 1e-13) break;
        if (gc * gb < 0) a = b, ga = gb, side = 0;
        else if (side++) ga *= 0.5; /* Illinois: halve the stale end after two on one side */
        b = c, gb = gc;
    }
    memcpy(T->t, T->tk, (size_t)T->w.n * sizeof *T->t); /* test_at does not touch t; keep it so */
    if (isnan(gc)) return MK_OK;
    return add_point(T, T->ug, kind, &sol, T->tg[T->w.nf], &e, err);
}

/* Solve at the boundary pb of the range, from the secant between u and un. */
static mk_status finish_at(tracer *T, double pb, mk_error *err)
{
    mk_cont_ws *w = &T->w;
    int nf = w->nf;
    double f = (pb - T->u[nf]) / (T->un[nf] - T->u[nf]);
    for (int j = 0; j < w->n; j++) T->ug[j] = T->u[j] + f * (T->un[j] - T->u[j]);
    T->ug[nf] = pb;
    mk_cont_fix_p(w, pb);
    mk_cont_solve sol = mk_cont_correct(w, T->ug);
    mk_cont_eig e;
    double *tg = T->tg;
    if (sol.converged && !mk_cont_eigen(w, T->ug, &e) && !mk_cont_tangent(w, T->ug, T->t, tg))
        return add_point(T, T->ug, MK_CONT_END, &sol, tg[nf], &e, err);
    return add_point(T, T->ug, MK_CONT_END, &sol, NAN, NULL, err);
}

/* One predictor-corrector step of size *ds from (u, t); the new point in un, tn, en.
 * Halves the step until the corrector converges without jumping; 0, or -1 below ds_min. */
static int step(tracer *T, double *ds, mk_cont_solve *sol)
{
    mk_cont_ws *w = &T->w;
    int n = w->n;
    const double ds_min = 1e-7;
    for (; *ds >= ds_min; *ds *= 0.5) {
        for (int j = 0; j < n; j++) {
            w->tan[j] = T->t[j];
            w->zpred[j] = T->u[j] / w->s[j] + *ds * T->t[j];
            T->un[j] = w->zpred[j] * w->s[j];
        }
        *sol = mk_cont_correct(w, T->un);
        if (!sol->converged) continue;
        double d2 = 0, dot = 0;
        for (int j = 0; j < n; j++) d2 += pow((T->un[j] - T->u[j]) / w->s[j], 2);
        if (sqrt(d2) > 3 * *ds) continue; /* the corrector ran off to another branch */
        if (mk_cont_tangent(w, T->un, T->t, T->tn) || mk_cont_eigen(w, T->un, &T->en)) continue;
        for (int j = 0; j < n; j++) dot += T->t[j] * T->tn[j];
        if (dot < 0.8) continue; /* the branch turns too sharply for this step */
        return 0;
    }
    return -1;
}

/* Grow the scales at the new point; the tangent follows (same direction, new coordinates).
 * 1 if the branch runs away or the tangent cannot be had. */
static int rescale(tracer *T)
{
    mk_cont_ws *w = &T->w;
    for (int j = 0; j < w->n; j++) T->tg[j] = T->t[j] * w->s[j]; /* unscaled direction */
    int rc = mk_cont_rescale(w, T->u);
    if (rc <= 0) return rc < 0;
    for (int j = 0; j < w->n; j++) T->tg[j] /= w->s[j];
    return mk_cont_tangent(w, T->u, T->tg, T->t) ? 1 : 0;
}

/* The number of unstable eigenvalues changed between u and un, but neither a fold (dp/ds
 * changes sign) nor a Hopf point (a complex pair at both ends, its real part changing sign)
 * brackets the change: the points are too far apart to tell (a pair may be real at one end),
 * or a real eigenvalue crossed zero without a fold (a branch point). */
static int unexplained(const tracer *T)
{
    int nf = T->w.nf;
    if (T->en.n_unstable == T->e.n_unstable || T->t[nf] * T->tn[nf] < 0) return 0;
    int d_osc = T->en.n_unstable_osc - T->e.n_unstable_osc, d_all = T->en.n_unstable - T->e.n_unstable;
    return !(d_osc && d_osc == d_all && T->e.hopf_re * T->en.hopf_re < 0);
}

/* Follow the branch from the converged point T->u in the direction dir of p until it leaves
 * the range (0) or the corrector fails (1, *pdir: the direction p was moving in) or the
 * budget is spent (0). */
static int trace(tracer *T, double dir, double *pdir, mk_error *err)
{
    mk_cont_ws *w = &T->w;
    int nf = w->nf, n = w->n;
    memset(T->tg, 0, (size_t)n * sizeof *T->tg);
    T->tg[nf] = dir;
    *pdir = dir;
    if (mk_cont_rescale(w, T->u) < 0) return 1;
    if (mk_cont_tangent(w, T->u, T->tg, T->t) || mk_cont_eigen(w, T->u, &T->e)) return 1;
    double ds = 0.5 / T->o->steps;
    while (T->budget > 0) {
        ds = fmin(ds, 1.0 / (T->o->steps * fmax(fabs(T->t[nf]), 0.05)));
        mk_cont_solve sol;
        if (step(T, &ds, &sol)) {
            *pdir = T->t[nf] >= 0 ? 1 : -1;
            return 1;
        }
        if (unexplained(T) && ds > 1e-5) { /* retry shorter: a crossing between too distant points */
            ds *= 0.5;
            continue;
        }
        double pn = T->un[nf];
        if (pn > T->hi || pn < T->lo) {
            if (finish_at(T, pn > T->hi ? T->hi : T->lo, err)) return -1;
            return 0;
        }
        if (T->t[nf] * T->tn[nf] < 0 && locate(T, MK_CONT_FOLD, ds, T->t[nf], T->tn[nf], err)) return -1;
        int d_osc = T->en.n_unstable_osc - T->e.n_unstable_osc, d_all = T->en.n_unstable - T->e.n_unstable;
        if (d_osc && d_osc == d_all && T->e.hopf_re * T->en.hopf_re < 0 && locate(T, MK_CONT_HOPF, ds, T->e.hopf_re, T->en.hopf_re, err)) return -1;
        if (add_point(T, T->un, MK_CONT_REGULAR, &sol, T->tn[nf], &T->en, err)) return -1;
        memcpy(T->u, T->un, (size_t)n * sizeof *T->u);
        memcpy(T->t, T->tn, (size_t)n * sizeof *T->t);
        T->e = T->en;
        if (rescale(T)) {
            *pdir = T->t[nf] >= 0 ? 1 : -1;
            return 1;
        }
        ds *= sol.iters <= 3 ? 1.5 : sol.iters > 6 ? 0.7 : 1.0;
    }
    return 0;
}

/* ---------------------------------------------------------------- time runs and bridges */

/* Integrate the time-run solver at p for the settle time; its state into T->ysim with the
 * frozen states at their values.  A failed run leaves the state it started from. */
static void settle(tracer *T, double p, const double *y0)
{
    mk_error err = {0};
    mk_solver *s = T->sim;
    const mk_model_abi *abi = T->r->abi;
    double t0 = mk_solver_time(s);
    int ok = !mk_solver_reset(s, t0, y0, &err) &&
             !(T->o->kind == MK_SYM_PARAM ? mk_solver_set_param(s, T->o->index, p, &err)
                                          : mk_solver_set_input(s, T->o->index, p, &err));
    for (int k = 1; ok && T->o->settle_s > 0 && k <= 12; k++) ok = !mk_solver_advance(s, t0 + T->o->settle_s * k / 12, &err);
    memcpy(T->ysim, ok ? mk_solver_state(s) : y0, (size_t)abi->n_states * sizeof *T->ysim);
    for (int i = 0; i < abi->n_states; i++)
        if (T->r->frozen[i]) T->ysim[i] = T->r->frozen_value[i];
}

/* Extra settle times a seed may take when Newton fails from the settled state (Newton's basin
 * in tp_site v2 is narrow: in analysis_smoke it failed from the 6 h state at 0 % MVC after the
 * CPM state was added and converged from the 12 h one). */
#define CONT_RESETTLE_MAX 2

/* Newton at fixed p from the settled state; where it fails, the time run goes on (up to
 * CONT_RESETTLE_MAX more settle times) and Newton tries again.  The solution (or the last
 * settled state) in T->u. */
static mk_cont_solve solve_fixed(tracer *T, double p)
{
    mk_cont_solve sol;
    for (int attempt = 0;; attempt++) {
        mk_cont_pack(&T->w, T->ysim, p, T->u);
        mk_cont_fix_p(&T->w, p);
        sol = mk_cont_correct(&T->w, T->u);
        if (sol.converged || attempt == CONT_RESETTLE_MAX || T->o->settle_s <= 0) break;
        memcpy(T->ystart, T->ysim, (size_t)T->w.ny * sizeof *T->ystart);
        settle(T, p, T->ystart);
    }
    if (!sol.converged) mk_cont_pack(&T->w, T->ysim, p, T->u); /* mark it where the time run ended */
    return sol;
}

/* Is the converged point u the same steady state as a converged point already found at the
 * same p?  (Scaled distance below 1e-4.) */
static int known(const tracer *T, const double *u)
{
    const mk_cont_ws *w = &T->w;
    double pscale = w->s[w->nf];
    for (int k = 0; k < T->r->n; k++) {
        const mk_cont_point *q = &T->r->pt[k];
        if (!q->info.converged || fabs(q->info.p - u[w->nf]) > 1e-9 * pscale) continue;
        double d = 0;
        for (int j = 0; j < w->nf; j++) d = fmax(d, fabs(q->y[w->fidx[j]] - u[j]) / w->s[j]);
        if (d < 1e-4) return 1;
    }
    return 0;
}

/* The point just added follows unconverged points of this branch: the bridge left a gap. */
static int gap_behind(const tracer *T)
{
    const mk_cont_result *r = T->r;
    return r->n >= 2 && !r->pt[r->n - 2].info.converged && r->pt[r->n - 2].info.branch == T->branch;
}

/* Follow a branch from p0 in direction pdir: settle and solve at p0 (and, where Newton fails,
 * at the next grid values), continue from every converged solution, bridge over failures.
 * seed_b: the second seed, dropped if its steady state is known, ended if it fails. */
static mk_status follow(tracer *T, double p0, double pdir, const double *y0, int seed_b, mk_error *err)
{
    mk_cont_ws *w = &T->w;
    int nf = w->nf, first = 1;
    double p = p0, tiny = 1e-12 * (T->hi - T->lo);
    memcpy(T->ysim, y0, (size_t)w->ny * sizeof *T->ysim);
    T->budget = T->o->max_points;
    while (T->budget > 0) {
        if (!first) {
            /* the next value of the grid lo + k h beyond p */
            double k = pdir > 0 ? floor((p - T->lo) / T->h + 1e-6) + 1 : ceil((p - T->lo) / T->h - 1e-6) - 1;
            double next = T->lo + k * T->h;
            if ((pdir > 0 && p >= T->hi - tiny) || (pdir < 0 && p <= T->lo + tiny)) break;
            p = fmin(fmax(next, T->lo), T->hi);
        }
        memcpy(T->ystart, T->ysim, (size_t)w->ny * sizeof *T->ystart); /* settle from the last state */
        settle(T, p, T->ystart);
        mk_cont_solve sol = solve_fixed(T, p);
        if (first && seed_b && sol.converged && known(T, T->u)) {
            T->r->n_seeds_skipped++;
            return MK_OK;
        }
        int was_first = first;
        if (first) T->branch = ++T->r->n_branches;
        first = 0;
        T->segment++;
        if (!sol.converged) {
            if (add_point(T, T->u, MK_CONT_REGULAR, &sol, NAN, NULL, err)) return err->code;
            if (seed_b && was_first) break; /* the second seed gives nothing new to follow */
            continue;
        }
        mk_cont_eig e;
        int have_e = !mk_cont_eigen(w, T->u, &e), at_end = p == T->lo || p == T->hi;
        if (add_point(T, T->u, at_end ? MK_CONT_END : MK_CONT_REGULAR, &sol, NAN, have_e ? &e : NULL, err))
            return err->code;
        if (!at_end && gap_behind(T)) { /* follow the branch back into the gap the bridge crossed */
            memcpy(T->us, T->u, (size_t)w->n * sizeof *T->us);
            double back = -pdir;
            if (trace(T, -pdir, &back, err) < 0) return err->code;
            memcpy(T->u, T->us, (size_t)w->n * sizeof *T->u);
            T->segment++;
            if (add_point(T, T->u, MK_CONT_REGULAR, &sol, NAN, have_e ? &e : NULL, err)) return err->code;
        }
        int rc = trace(T, pdir, &pdir, err);
        if (rc < 0) return err->code;
        if (rc == 0) break;
        p = T->u[nf]; /* bridge on from the last converged point */
        mk_cont_unpack(w, T->u);
        memcpy(T->ysim, w->yfull, (size_t)w->ny * sizeof *T->ysim);
    }
    return MK_OK;
}

/* ---------------------------------------------------------------- the run */

static mk_status check_opts(const mk_model_abi *abi, const mk_cont_opts *o, mk_error *err)
{
    int nsym = o->kind == MK_SYM_PARAM ? abi->n_params : o->kind == MK_SYM_INPUT ? abi->n_inputs : 0;
    if (o->index < 0 || o->index >= nsym)
        return mk_fail(err, MK_ERR_INVALID, "mk_cont_run: the swept symbol must be a parameter or an input");
    if (o->steps < 1 || o->steps > 100000) return mk_fail(err, MK_ERR_INVALID, "steps must be 1 .. 100000, got %d", o->steps);
    if (!(o->settle_s >= 0) || !isfinite(o->settle_s)) return mk_fail(err, MK_ERR_INVALID, "settle time must be >= 0");
    if (!(o->newton_tol > 0) || o->newton_tol > 0.1)
        return mk_fail(err, MK_ERR_INVALID, "the Newton tolerance must be in (0, 0.1], got %g", o->newton_tol);
    if (o->max_points < 2) return mk_fail(err, MK_ERR_INVALID, "max_points must be at least 2");
    if (!isfinite(o->from) || !isfinite(o->to) || o->from == o->to)
        return mk_fail(err, MK_ERR_INVALID, "the sweep needs two different finite end values");
    if (abi->n_states < 1) return mk_fail(err, MK_ERR_MODEL, "model '%s' has no states: nothing is steady", abi->name);
    return MK_OK;
}

static mk_status set_names(mk_cont_result *r, const mk_cont_opts *o, mk_error *err)
{
    const mk_model_abi *abi = r->abi;
    const mk_symbol *sym = o->kind == MK_SYM_PARAM ? &abi->params[o->index] : &abi->inputs[o->index];
    snprintf(r->name, sizeof r->name, "%s", sym->name);
    snprintf(r->unit, sizeof r->unit, "%s", sym->unit);
    const char *watch = o->watch;
    if (!watch) watch = mk_abi_label_symbol(abi, "core_ca"); /* the site's Ca2+, if it is a site */
    if (!watch) watch = abi->states[0].name;
    int wi = mk_abi_find(abi, MK_SYM_STATE, watch);
    const char *wu = wi >= 0 ? abi->states[wi].unit : NULL;
    if (wi < 0 && (wi = mk_abi_find(abi, MK_SYM_VAR, watch)) >= 0) wu = abi->vars[wi].unit;
    if (wi < 0) return mk_fail(err, MK_ERR_NAME, "model '%s' has no state or variable '%s' to watch", abi->name, watch);
    snprintf(r->watch, sizeof r->watch, "%s", watch);
    snprintf(r->watch_unit, sizeof r->watch_unit, "%s", wu);
    r->opts.watch = NULL; /* the caller's strings need not outlive the call */
    r->opts.freeze = NULL;
    return MK_OK;
}

static mk_status tracer_alloc(tracer *T, mk_error *err)
{
    size_t n = (size_t)T->w.n, ny = (size_t)T->w.ny;
    double *blk = mk_calloc(8 * n + 2 * ny + 1, sizeof *blk);
    if (!blk) return mk_fail(err, MK_ERR_NOMEM, "out of memory for continuation");
    T->u = blk, T->un = blk + n, T->t = blk + 2 * n, T->tn = blk + 3 * n, T->tk = blk + 4 * n;
    T->ug = blk + 5 * n, T->tg = blk + 6 * n, T->us = blk + 7 * n;
    T->ysim = blk + 8 * n, T->ystart = T->ysim + ny;
    return MK_OK;
}

static mk_status run_seeds(tracer *T, const mk_solver *base, mk_error *err)
{
    const mk_cont_opts *o = T->o;
    const mk_model_abi *abi = T->r->abi;
    double dir = o->to > o->from ? 1 : -1;
    double *ya = mk_calloc((size_t)abi->n_states + 1, sizeof *ya);
    if (!ya) return mk_fail(err, MK_ERR_NOMEM, "out of memory for continuation");
    /* seed A: the time run at A from the starting state; its end is the guess at A and the
     * start of the time run at B (seed B) */
    memcpy(ya, mk_solver_state(base), (size_t)abi->n_states * sizeof *ya);
    mk_status rc = follow(T, o->from, dir, ya, 0, err);
    if (!rc) {
        settle(T, o->from, ya);
        memcpy(ya, T->ysim, (size_t)abi->n_states * sizeof *ya);
        rc = follow(T, o->to, -dir, ya, 1, err);
    }
    free(ya);
    return rc;
}

mk_status mk_cont_compute(const mk_solver *base, const mk_cont_opts *o, mk_cont_result *out, mk_error *err)
{
    if (!out) return mk_fail(err, MK_ERR_INVALID, "mk_cont_run: missing argument");
    memset(out, 0, sizeof *out);
    if (!base || !o) return mk_fail(err, MK_ERR_INVALID, "mk_cont_run: missing argument");
    const mk_model_abi *abi = mk_solver_abi(base);
    mk_status rc = check_opts(abi, o, err);
    if (rc) return rc;
    out->abi = abi;
    out->opts = *o;
    double t_start = mk_monotonic_s();
    tracer T;
    memset(&T, 0, sizeof T);
    T.r = out, T.o = o;
    T.lo = fmin(o->from, o->to), T.hi = fmax(o->from, o->to), T.h = (T.hi - T.lo) / o->steps;
    out->frozen = mk_calloc((size_t)abi->n_states + 1, sizeof *out->frozen);
    out->frozen_value = mk_calloc((size_t)abi->n_states + 1, sizeof *out->frozen_value);
    rc = !out->frozen || !out->frozen_value ? mk_fail(err, MK_ERR_NOMEM, "out of memory") : MK_OK;
    if (!rc) rc = set_names(out, o, err);
    if (!rc) rc = parse_freeze(out, o->freeze, mk_solver_state(base), err);
    if (!rc) rc = mk_solver_clone(base, &T.sim, err);
    if (!rc) rc = mk_cont_ws_new(&T.w, abi, base, o, out->frozen, err);
    for (int i = 0; !rc && i < abi->n_states; i++)
        if (out->frozen[i]) T.w.yfull[i] = out->frozen_value[i];
    if (!rc) rc = tracer_alloc(&T, err);
    if (!rc) rc = run_seeds(&T, base, err);
    out->rhs_evals = T.w.rhs_evals;
    out->newton_iters = T.w.iters;
    if (T.sim) {
        mk_solver_stats st;
        mk_solver_get_stats(T.sim, &st);
        out->rhs_evals += st.rhs_evals;
    }
    mk_cont_ws_free(&T.w);
    mk_solver_free(T.sim);
    free(T.u);
    out->wall_s = mk_monotonic_s() - t_start;
    if (rc) mk_cont_result_clear(out);
    return rc;
}

mk_status mk_cont_run(const mk_solver *base, const mk_cont_opts *o, mk_cont_result **out, mk_error *err)
{
    if (!out) return mk_fail(err, MK_ERR_INVALID, "mk_cont_run: missing argument");
    *out = mk_calloc(1, sizeof **out);
    if (!*out) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_status rc = mk_cont_compute(base, o, *out, err);
    if (rc) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

void mk_cont_result_free(mk_cont_result *r)
{
    mk_cont_result_clear(r);
    free(r);
}

/* ---------------------------------------------------------------- accessors */

const mk_model_abi *mk_cont_result_abi(const mk_cont_result *r) { return r ? r->abi : NULL; }
int mk_cont_result_points(const mk_cont_result *r) { return r ? r->n : 0; }
int mk_cont_result_branches(const mk_cont_result *r) { return r ? r->n_branches : 0; }
int mk_cont_result_seeds_skipped(const mk_cont_result *r) { return r ? r->n_seeds_skipped : 0; }
int mk_cont_result_unconverged(const mk_cont_result *r) { return r ? r->n_unconverged : 0; }
int mk_cont_result_folds(const mk_cont_result *r) { return r ? r->n_folds : 0; }
int mk_cont_result_hopf(const mk_cont_result *r) { return r ? r->n_hopf : 0; }
double mk_cont_result_wall_s(const mk_cont_result *r) { return r ? r->wall_s : NAN; }

const char *mk_cont_result_swept(const mk_cont_result *r, const char **unit)
{
    if (unit) *unit = r ? r->unit : "";
    return r ? r->name : "";
}

const char *mk_cont_result_watch(const mk_cont_result *r, const char **unit)
{
    if (unit) *unit = r ? r->watch_unit : "";
    return r ? r->watch : "";
}

int mk_cont_result_frozen(const mk_cont_result *r, int i, double *value)
{
    if (!r || !r->frozen || i < 0 || i >= r->abi->n_states || !r->frozen[i]) return 0;
    if (value) *value = r->frozen_value[i];
    return 1;
}

void mk_cont_result_cost(const mk_cont_result *r, long *newton_iters, long *rhs_evals)
{
    if (newton_iters) *newton_iters = r ? r->newton_iters : 0;
    if (rhs_evals) *rhs_evals = r ? r->rhs_evals : 0;
}

mk_status mk_cont_result_point(const mk_cont_result *r, int k, mk_cont_point_info *out, mk_error *err)
{
    if (!r || !out || k < 0 || k >= r->n)
        return mk_fail(err, MK_ERR_INVALID, "mk_cont_result_point: no point %d (the result has %d)", k, r ? r->n : 0);
    const mk_cont_point *p = &r->pt[k];
    *out = p->info;
    return MK_OK;
}

double mk_cont_result_get(const mk_cont_result *r, int k, const char *name, const char **unit)
{
    if (!r || k < 0 || k >= r->n) {
        if (unit) *unit = "";
        return NAN;
    }
    return mk_cont_get(r, &r->pt[k], name, unit);
}

mk_status mk_cont_result_column(const mk_cont_result *r, const char *name, double *out, mk_error *err)
{
    if (!r || !out) return mk_fail(err, MK_ERR_INVALID, "mk_cont_result_column: missing argument");
    if (name && mk_abi_find(r->abi, MK_SYM_STATE, name) < 0 && mk_abi_find(r->abi, MK_SYM_VAR, name) < 0)
        return mk_fail(err, MK_ERR_NAME, "model '%s' has no state or variable '%s'", r->abi->name, name);
    for (int k = 0; k < r->n; k++) out[k] = name ? mk_cont_get(r, &r->pt[k], name, NULL) : r->pt[k].info.p;
    return MK_OK;
}
