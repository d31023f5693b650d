/*
 * cont_newton.c -- the bordered steady-state system and its solution (see cont_newton.h).
 *
 * Choices, and why:
 *   - KINSOL Newton with a line search (KIN_LINESEARCH) and a fresh Jacobian at every
 *     iteration (KINSetMaxSetupCalls 1): the systems are small (tens of unknowns), so an
 *     exact Newton costs little and converges quadratically where a modified one stalls.
 *   - Our own Jacobian by central differences, handed to KINSOL's dense solver: the same
 *     matrix gives the eigenvalues, the tangent and the convergence test, and central
 *     differences place the eigenvalues that decide stability accurately (O(h^2)).  A state
 *     at its bound (a concentration at 0) is differenced one-sidedly, into the allowed side.
 *   - Rows scaled by 1 / (s_i |J_ii|): a residual then reads roughly as a relative distance to
 *     the steady state, whether the state relaxes in a millisecond or in a month.  With rows
 *     scaled by 1 / s_i only, a slow state's residual is tiny long before it is solved.
 *   - Converged means: one more Newton step of the bordered system would move no scaled
 *     coordinate by more than tol.  KINSOL's own flags are not trusted for this (it reports
 *     line-search failures at points that are solved to rounding, and success by a residual
 *     norm whose meaning depends on the scaling).
 *   - KINSOL's messages go to a handler that keeps the last one: the library never prints.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinsol/kinsol.h>
#include <kinsol/kinsol_ls.h>

#include "analysis/cont_newton.h"
#include "core/alloc.h"
#include "core/error.h"

/* LAPACK (liblapack-dev ships no C header; these are the Fortran entry points). */
extern void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv, double *b, const int *ldb,
                   int *info);
extern void dgeev_(const char *jobvl, const char *jobvr, const int *n, double *a, const int *lda, double *wr,
                   double *wi, double *vl, const int *ldvl, double *vr, const int *ldvr, double *work,
                   const int *lwork, int *info);

#define FD_REL 6e-6 /* about eps^(1/3): the central-difference step that balances truncation and rounding */

void mk_cont_set_p(mk_cont_ws *w, double p)
{
    if (w->kind == MK_SYM_PARAM) w->params[w->index] = p;
    else w->inputs[w->index] = p;
}

void mk_cont_pack(const mk_cont_ws *w, const double *yfull, double p, double *u)
{
    for (int j = 0; j < w->nf; j++) u[j] = yfull[w->fidx[j]];
    u[w->nf] = p;
}

void mk_cont_unpack(mk_cont_ws *w, const double *u)
{
    for (int j = 0; j < w->nf; j++) w->yfull[w->fidx[j]] = u[j];
    mk_cont_set_p(w, u[w->nf]);
}

static int constraint_of(const mk_cont_ws *w, int j)
{
    return j < w->nf ? w->abi->states[w->fidx[j]].constraint : 0;
}

void mk_cont_clip(const mk_cont_ws *w, double *u)
{
    for (int j = 0; j < w->nf; j++) {
        int c = constraint_of(w, j);
        double tiny = 1e-12 * w->s[j];
        if (c == 1 && u[j] < 0) u[j] = 0;
        else if (c == 2 && u[j] <= 0) u[j] = tiny;
        else if (c == -1 && u[j] > 0) u[j] = 0;
        else if (c == -2 && u[j] >= 0) u[j] = -tiny;
    }
}

/* F(u) into f (nf values), with the law rows in place of the equations they replace (unless
 * w->raw); 0, or -1 if a value is not finite. */
static int eval_f(mk_cont_ws *w, const double *u, double *f)
{
    mk_cont_unpack(w, u);
    w->rhs_evals++;
    w->abi->rhs(w->t_s, w->yfull, w->ydot, w->inputs, w->params, NULL);
    int bad = 0;
    for (int j = 0; j < w->nf; j++) f[j] = w->ydot[w->fidx[j]];
    mk_cont_laws_rows(w, f);
    for (int j = 0; j < w->nf; j++) bad |= !isfinite(f[j]);
    return bad ? -1 : 0;
}

/* dF/du by central differences into w->jac; one-sided into the allowed side at a bound. */
static int jacobian(mk_cont_ws *w, const double *u)
{
    double *up = w->b; /* n scratch values; b is free outside the dense solves */
    memcpy(up, u, (size_t)w->n * sizeof *up);
    double *fc = w->wr; /* nf scratch: the centre, for one-sided differences */
    int bad = eval_f(w, u, fc);
    for (int j = 0; j < w->n && !bad; j++) {
        double h = FD_REL * fmax(fabs(u[j]), w->s[j]);
        int c = constraint_of(w, j);
        int down = !(c == 1 && u[j] - h < 0) && !(c == 2 && u[j] - h <= 0);
        int up_ok = !(c == -1 && u[j] + h > 0) && !(c == -2 && u[j] + h >= 0);
        const double *hi = fc, *lo = fc;
        double span = 0;
        if (up_ok) {
            up[j] = u[j] + h;
            bad |= eval_f(w, up, w->f1);
            hi = w->f1, span += h;
        }
        if (down) {
            up[j] = u[j] - h;
            bad |= eval_f(w, up, w->f0);
            lo = w->f0, span += h;
        }
        double *col = w->jac + (size_t)w->nf * (size_t)j;
        for (int i = 0; i < w->nf; i++) col[i] = span > 0 ? (hi[i] - lo[i]) / span : 0;
        up[j] = u[j];
    }
    mk_cont_unpack(w, u);
    return bad ? -1 : 0;
}

/* G(u) = [F(u); t . (u / s - zpred)] */
static int eval_g(mk_cont_ws *w, const double *u, double *g)
{
    int rc = eval_f(w, u, g);
    double c = 0;
    for (int j = 0; j < w->n; j++) c += w->tan[j] * (u[j] / w->s[j] - w->zpred[j]);
    g[w->nf] = c;
    return rc;
}

static int kin_sys(N_Vector uu, N_Vector fval, void *user)
{
    mk_cont_ws *w = user;
    return eval_g(w, N_VGetArrayPointer(uu), N_VGetArrayPointer(fval)) ? 1 : 0;
}

static void fill_bordered(const mk_cont_ws *w, double *a)
{
    int n = w->n;
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < w->nf; i++) a[i + (size_t)n * j] = w->jac[i + (size_t)w->nf * j];
        a[w->nf + (size_t)n * j] = w->tan[j] / w->s[j];
    }
}

static int kin_jac(N_Vector uu, N_Vector fu, SUNMatrix J, void *user, N_Vector t1, N_Vector t2)
{
    (void)fu, (void)t1, (void)t2;
    mk_cont_ws *w = user;
    if (jacobian(w, N_VGetArrayPointer(uu))) return 1;
    fill_bordered(w, w->a);
    for (int j = 0; j < w->n; j++) memcpy(SUNDenseMatrix_Column(J, j), w->a + (size_t)w->n * j, (size_t)w->n * sizeof(double));
    return 0;
}

static void kin_error(int code, const char *module, const char *function, char *msg, void *user)
{
    (void)code, (void)module;
    mk_cont_ws *w = user;
    snprintf(w->msg, sizeof w->msg, "%s: %s", function ? function : "KINSOL", msg ? msg : "");
}

/* Solve a (n x n, overwritten) x = b (overwritten with x); 0 or -1 if singular. */
static int dense_solve(mk_cont_ws *w, double *a, double *b)
{
    int n = w->n, one = 1, info = 0;
    dgesv_(&n, &one, a, &n, w->ipiv, b, &n, &info);
    return info == 0 ? 0 : -1;
}

/* The scaled size of one more Newton step and the residual max |F_i| / s_i at u. */
static int newton_check(mk_cont_ws *w, const double *u, double *step, double *residual)
{
    *step = *residual = INFINITY;
    if (jacobian(w, u)) return -1;
    double *g = w->work; /* lwork >= n */
    if (eval_g(w, u, g)) return -1;
    double res = 0;
    for (int i = 0; i < w->nf; i++) res = fmax(res, fabs(g[i]) / w->s[i]);
    *residual = res;
    fill_bordered(w, w->a);
    memcpy(w->b, g, (size_t)w->n * sizeof *g);
    if (dense_solve(w, w->a, w->b)) return -1;
    double st = 0;
    for (int j = 0; j < w->n; j++) st = fmax(st, fabs(w->b[j]) / w->s[j]);
    *step = st;
    return isfinite(st) ? 0 : -1;
}

/* Row scales 1 / (s_i d_i), d_i the diagonal |dF_i/dy_i| or, where that is zero, the
 * largest scaled entry of the row. */
static void row_scales(mk_cont_ws *w, double *fs)
{
    for (int i = 0; i < w->nf; i++) {
        double d = fabs(w->jac[i + (size_t)w->nf * i]);
        if (!(d > 0)) {
            for (int j = 0; j < w->n; j++) d = fmax(d, fabs(w->jac[i + (size_t)w->nf * j]) * w->s[j] / w->s[i]);
        }
        fs[i] = d > 0 && isfinite(d) ? 1.0 / (w->s[i] * d) : 1.0 / w->s[i];
    }
    for (int k = 0; k < w->nl; k++) fs[w->rep[k]] = 1.0 / w->s[w->rep[k]]; /* a law row is a relative error already */
    fs[w->nf] = 1.0;
}

/* Newton steps of the bordered system from u, each iterate projected into the states' bounds
 * component by component (mk_cont_clip), while the scaled Newton step contracts; u and *r
 * (step, residual, iterations) are updated to the last accepted iterate.
 *
 * Why: KINSOL keeps its iterates inside the bounds by scaling the WHOLE step back until no
 * state leaves its bound.  A state whose steady state is its bound (a concentration or a slow
 * gate resting at 0; after KINSOL's scalings it sits at 1e-26) gets a Newton component of
 * rounding size pointing out (-1e-20), and that scales every other component to nothing:
 * KINSOL stops after one iteration (line search failure, or a step below its tolerance) with
 * the true Newton step still ~1e-6.  In tp_site (spinal.gate, endplate.damage, chem.ht at 0)
 * this shrank the continuation steps to ~1e-3 of the range and then failed in the middle of
 * it.  Clipping only the component that leaves its bound keeps the full step elsewhere.
 * Accepted: the next scaled Newton step at least halves (the step of a converging Newton
 * iteration shrinks quadratically; halving is met with a margin), with the step shortened to
 * 1/2 and 1/4 before giving up. */
static void projected_newton(mk_cont_ws *w, double *u, mk_cont_solve *r)
{
    double *u0 = w->un, *d0 = w->dn;
    for (int k = 0; k < 20 && r->step >= w->tol; k++) {
        memcpy(u0, u, (size_t)w->n * sizeof *u0);
        memcpy(d0, w->b, (size_t)w->n * sizeof *d0); /* the Newton step newton_check left: J^-1 G */
        double step0 = r->step, res0 = r->residual, step = INFINITY, res = INFINITY;
        int ok = 0;
        for (double lambda = 1; !ok && lambda >= 0.25; lambda *= 0.5) {
            for (int j = 0; j < w->n; j++) u[j] = u0[j] - lambda * d0[j];
            mk_cont_clip(w, u);
            w->iters++, r->iters++;
            ok = !newton_check(w, u, &step, &res) && step <= 0.5 * step0;
        }
        if (!ok) {
            memcpy(u, u0, (size_t)w->n * sizeof *u);
            r->step = step0, r->residual = res0;
            return;
        }
        r->step = step, r->residual = res;
    }
}

mk_cont_solve mk_cont_correct(mk_cont_ws *w, double *u)
{
    mk_cont_solve r = {0, 0, 0, INFINITY, INFINITY};
    mk_cont_clip(w, u);
    if (jacobian(w, u)) return r;
    row_scales(w, N_VGetArrayPointer(w->fscale));
    memcpy(N_VGetArrayPointer(w->u), u, (size_t)w->n * sizeof *u);
    w->msg[0] = 0;
    r.flag = KINSol(w->kin, w->u, KIN_LINESEARCH, w->uscale, w->fscale);
    long it = 0;
    KINGetNumNonlinSolvIters(w->kin, &it);
    r.iters = (int)it;
    w->iters += it;
    memcpy(u, N_VGetArrayPointer(w->u), (size_t)w->n * sizeof *u);
    for (int j = 0; j < w->n; j++)
        if (!isfinite(u[j])) return r;
    if (newton_check(w, u, &r.step, &r.residual)) return r;
    projected_newton(w, u, &r); /* where KINSOL stalled at a bound */
    r.converged = r.step < w->tol;
    return r;
}

void mk_cont_fix_p(mk_cont_ws *w, double p)
{
    memset(w->tan, 0, (size_t)w->n * sizeof *w->tan);
    memset(w->zpred, 0, (size_t)w->n * sizeof *w->zpred);
    w->tan[w->nf] = 1;
    w->zpred[w->nf] = p / w->s[w->nf];
}

int mk_cont_tangent(mk_cont_ws *w, const double *u, const double *prev, double *t)
{
    if (jacobian(w, u)) return -1;
    int n = w->n;
    /* [J S; prev] t = e_n in scaled coordinates: columns times s_j, rows over s_i */
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < w->nf; i++) w->a[i + (size_t)n * j] = w->jac[i + (size_t)w->nf * j] * w->s[j] / w->s[i];
        w->a[w->nf + (size_t)n * j] = prev[j];
    }
    memset(w->b, 0, (size_t)n * sizeof *w->b);
    w->b[w->nf] = 1;
    if (dense_solve(w, w->a, w->b)) return -1;
    double norm = 0;
    for (int j = 0; j < n; j++) norm += w->b[j] * w->b[j];
    norm = sqrt(norm);
    if (!(norm > 0) || !isfinite(norm)) return -1;
    for (int j = 0; j < n; j++) t[j] = w->b[j] / norm;
    return 0;
}

int mk_cont_eigen(mk_cont_ws *w, const double *u, mk_cont_eig *e)
{
    *e = (mk_cont_eig){-1, -1, NAN, NAN, NAN, NAN, -1, NAN};
    w->raw = 1; /* dF/dy itself, without the law rows */
    int bad = jacobian(w, u);
    w->raw = 0;
    if (bad) return -1;
    int nf = mk_cont_laws_reduce(w), one = 1, info = 0; /* the dynamics on the laws' manifold */
    if (nf <= 0) return -1;
    double dummy = 0;
    dgeev_("N", "N", &nf, w->a, &nf, w->wr, w->wi, &dummy, &one, &dummy, &one, w->work, &w->lwork, &info);
    if (info != 0) return -1;
    double big = 0;
    for (int i = 0; i < nf; i++) big = fmax(big, hypot(w->wr[i], w->wi[i]));
    /* differencing noise is about 1e-10 of the largest eigenvalue: below that, a real part
     * is zero (a neutral direction), not an instability */
    double tol = e->zero_re = 1e-9 * big;
    e->n_unstable = e->n_unstable_osc = e->n_neutral = 0;
    e->max_re = -INFINITY;
    double slowest = INFINITY, near = INFINITY;
    for (int i = 0; i < nf; i++) {
        double re = w->wr[i], im = fabs(w->wi[i]);
        int osc = im > 1e-9 * big;
        e->max_re = fmax(e->max_re, re);
        if (re > tol) e->n_unstable++, e->n_unstable_osc += osc;
        if (fabs(re) > tol) slowest = fmin(slowest, fabs(re));
        else e->n_neutral++;
        if (osc && fabs(re) < near) near = fabs(re), e->hopf_re = re, e->hopf_omega = im;
    }
    e->slowest_s = isfinite(slowest) ? 1.0 / slowest : INFINITY;
    return 0;
}

int mk_cont_rescale(mk_cont_ws *w, const double *u)
{
    int grew = 0;
    double *us = N_VGetArrayPointer(w->uscale);
    for (int j = 0; j < w->nf; j++) {
        if (fabs(u[j]) > 1e6 * fmax(w->s0[j], 1.0)) return -1;
        if (fabs(u[j]) > w->s[j]) w->s[j] = fabs(u[j]), us[j] = 1.0 / w->s[j], grew = 1;
    }
    return grew;
}

/* ---------------------------------------------------------------- set-up */

static mk_status kin_setup(mk_cont_ws *w, mk_error *err)
{
    int n = w->n;
    if (SUNContext_Create(NULL, &w->ctx)) return mk_fail(err, MK_ERR_NOMEM, "out of memory (SUNDIALS context)");
    w->u = N_VNew_Serial(n, w->ctx);
    w->uscale = N_VNew_Serial(n, w->ctx);
    w->fscale = N_VNew_Serial(n, w->ctx);
    w->cons = N_VNew_Serial(n, w->ctx);
    w->J = SUNDenseMatrix(n, n, w->ctx);
    w->kin = KINCreate(w->ctx);
    if (!w->u || !w->uscale || !w->fscale || !w->cons || !w->J || !w->kin)
        return mk_fail(err, MK_ERR_NOMEM, "out of memory (KINSOL)");
    w->ls = SUNLinSol_Dense(w->u, w->J, w->ctx);
    if (!w->ls) return mk_fail(err, MK_ERR_NOMEM, "out of memory (KINSOL linear solver)");
    double *us = N_VGetArrayPointer(w->uscale), *cs = N_VGetArrayPointer(w->cons);
    for (int j = 0; j < n; j++) us[j] = 1.0 / w->s[j], cs[j] = constraint_of(w, j);
    int f = KINSetErrHandlerFn(w->kin, kin_error, w);
    f = f ? f : KINInit(w->kin, kin_sys, w->u);
    f = f ? f : KINSetUserData(w->kin, w);
    f = f ? f : KINSetLinearSolver(w->kin, w->ls, w->J);
    f = f ? f : KINSetJacFn(w->kin, kin_jac);
    f = f ? f : KINSetConstraints(w->kin, w->cons);
    f = f ? f : KINSetMaxSetupCalls(w->kin, 1);
    f = f ? f : KINSetNumMaxIters(w->kin, 60);
    f = f ? f : KINSetFuncNormTol(w->kin, 0.1 * w->tol);
    f = f ? f : KINSetScaledStepTol(w->kin, 0.1 * w->tol);
    if (f) return mk_fail(err, MK_ERR_SOLVER, "KINSOL set-up failed (flag %d): %s", f, w->msg);
    return MK_OK;
}

/* Scales: a typical magnitude of each state (its value now or its initial value, at least
 * 1e-3 of its unit, so that a state that rests at zero does not dominate the arclength). */
static void set_scales(mk_cont_ws *w, const mk_solver *base, const mk_cont_opts *o)
{
    const double *y = mk_solver_state(base);
    for (int j = 0; j < w->nf; j++) {
        int i = w->fidx[j];
        w->s[j] = fmax(fmax(fabs(y[i]), fabs(w->abi->states[i].value)), 1e-3);
    }
    w->s[w->nf] = fabs(o->to - o->from);
}

mk_status mk_cont_ws_new(mk_cont_ws *w, const mk_model_abi *abi, const mk_solver *base, const mk_cont_opts *o,
                         const int *frozen, mk_error *err)
{
    memset(w, 0, sizeof *w);
    w->abi = abi;
    w->kind = o->kind;
    w->index = o->index;
    w->ny = abi->n_states;
    w->tol = o->newton_tol;
    for (int i = 0; i < w->ny; i++) w->nf += !frozen[i];
    if (w->nf < 1) return mk_fail(err, MK_ERR_INVALID, "every state of model '%s' is frozen: nothing to solve", abi->name);
    int n = w->n = w->nf + 1;
    size_t nn = (size_t)n * (size_t)n;
    w->lwork = 8 * n + 64;
    w->fidx = mk_calloc((size_t)n, sizeof *w->fidx);
    w->ipiv = mk_calloc((size_t)n, sizeof *w->ipiv);
    w->params = mk_calloc((size_t)abi->n_params + 1, sizeof(double));
    w->inputs = mk_calloc((size_t)abi->n_inputs + 1, sizeof(double));
    w->yfull = mk_calloc((size_t)w->ny + 1, sizeof(double));
    w->ydot = mk_calloc((size_t)w->ny + 1, sizeof(double));
    double *blk = mk_calloc(9 * (size_t)n + 2 * nn + (size_t)w->lwork + 2 * (size_t)n, sizeof(double));
    if (!w->fidx || !w->ipiv || !w->params || !w->inputs || !w->yfull || !w->ydot || !blk) {
        free(blk);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory for continuation");
    }
    w->f0 = blk, w->f1 = blk + n, w->s = blk + 2 * n, w->tan = blk + 3 * n, w->zpred = blk + 4 * n;
    w->b = blk + 5 * n, w->jac = blk + 6 * n, w->a = w->jac + nn, w->work = w->a + nn;
    w->wr = w->work + w->lwork, w->wi = w->wr + n, w->s0 = w->wi + n;
    w->un = w->s0 + n, w->dn = w->un + n;
    for (int i = 0, j = 0; i < w->ny; i++)
        if (!frozen[i]) w->fidx[j++] = i;
    for (int i = 0; i < abi->n_params; i++) w->params[i] = mk_solver_param(base, i);
    for (int i = 0; i < abi->n_inputs; i++) w->inputs[i] = mk_solver_input(base, i);
    memcpy(w->yfull, mk_solver_state(base), (size_t)w->ny * sizeof(double));
    w->t_s = mk_solver_time(base);
    set_scales(w, base, o);
    memcpy(w->s0, w->s, (size_t)n * sizeof *w->s0);
    mk_status rc = mk_cont_laws_new(w, mk_solver_state(base), frozen, err);
    return rc ? rc : kin_setup(w, err);
}

void mk_cont_ws_free(mk_cont_ws *w)
{
    if (w->kin) KINFree(&w->kin);
    if (w->ls) SUNLinSolFree(w->ls);
    if (w->J) SUNMatDestroy(w->J);
    if (w->u) N_VDestroy(w->u);
    if (w->uscale) N_VDestroy(w->uscale);
    if (w->fscale) N_VDestroy(w->fscale);
    if (w->cons) N_VDestroy(w->cons);
    if (w->ctx) SUNContext_Free(&w->ctx);
    mk_cont_laws_free(w);
    free(w->f0);
    free(w->fidx);
    free(w->ipiv);
    free(w->params);
    free(w->inputs);
    free(w->yfull);
    free(w->ydot);
    memset(w, 0, sizeof *w);
}
