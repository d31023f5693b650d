/*
 * fit.c -- the search and the identifiability analysis of myoknot fit (see fit.h).
 */
#include <ctype.h>
#include <fnmatch.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nlopt.h>

#include "core/clock.h"
#include "analysis/fit.h"
#include "analysis/sensitivity.h"
#include "core/workers.h"
#include "core/alloc.h"
#include "core/error.h"

/* LAPACK (liblapack-dev), the Fortran interface */
extern void dgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, double *a, const int *lda,
                    double *s, double *u, const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork,
                    int *info);

/* ---------------------------------------------------------------- parameters */

static int glob_match(const char *globs, const char *name)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", globs);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') tok++;
        size_t n = strlen(tok);
        while (n > 0 && tok[n - 1] == ' ') tok[--n] = 0;
        if (n && fnmatch(tok, name, 0) == 0) return 1;
    }
    return 0;
}

static int says_assumed(const char *source)
{
    if (!source) return 0;
    for (const char *s = source; *s; s++)
        if (!strncasecmp(s, "assumed", 7)) return 1;
    return 0;
}

mk_status mk_fit_select(const mk_model_abi *abi, const char *globs, int force_log, mk_fit_param **out, int *n,
                        mk_error *err)
{
    *out = NULL;
    *n = 0;
    mk_fit_param *p = mk_calloc((size_t)abi->n_params + 1, sizeof *p);
    if (!p) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    int k = 0, matched = 0;
    for (int i = 0; i < abi->n_params; i++) {
        const mk_symbol *s = &abi->params[i];
        if (globs ? !glob_match(globs, s->name) : !says_assumed(s->source)) continue;
        matched++;
        if (!(isfinite(s->lo) && isfinite(s->hi) && s->lo < s->hi)) continue;
        p[k] = (mk_fit_param){i, s->lo, s->hi, s->lo > 0 && (force_log || s->hi / s->lo > 10)};
        k++;
    }
    if (!k) {
        free(p);
        if (globs && matched)
            return mk_fail(err, MK_ERR_NAME, "the parameters of model '%s' matching '%s' have no plausible range to fit within",
                           abi->name, globs);
        return mk_fail(err, MK_ERR_NAME, "no parameter of model '%s' matches %s%s%s", abi->name, globs ? "'" : "",
                       globs ? globs : "the default (a source saying \"assumed\")", globs ? "'" : "");
    }
    *out = p;
    *n = k;
    return MK_OK;
}

double mk_fit_to_value(const mk_fit_param *p, double u)
{
    if (p->log_scale) return exp(log(p->lo) + u * (log(p->hi) - log(p->lo)));
    return p->lo + u * (p->hi - p->lo);
}

double mk_fit_to_unit(const mk_fit_param *p, double value)
{
    double u = p->log_scale ? (log(value) - log(p->lo)) / (log(p->hi) - log(p->lo)) : (value - p->lo) / (p->hi - p->lo);
    return u < 0 ? 0 : u > 1 ? 1 : isfinite(u) ? u : 0.5;
}

double mk_fit_se_natural(const mk_fit_param *p, double se_u)
{
    if (!isfinite(se_u)) return INFINITY;
    if (p->log_scale) return exp(se_u * (log(p->hi) - log(p->lo)));
    return se_u * (p->hi - p->lo);
}

void mk_fit_covariance(const mk_fit_param *p, const mk_fit_result *r, double *cov)
{
    int k = r->k;
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++) {
            /* d(ln x)/du or dx/du: the width of the range in the fitted coordinate */
            double wi = p[i].log_scale ? log(p[i].hi) - log(p[i].lo) : p[i].hi - p[i].lo;
            double wj = p[j].log_scale ? log(p[j].hi) - log(p[j].lo) : p[j].hi - p[j].lo;
            cov[(size_t)i * (size_t)k + (size_t)j] = r->cov_u ? r->cov_u[(size_t)i * (size_t)k + (size_t)j] * wi * wj : 0.0;
        }
}

double mk_fit_objective(const double *r, int n)
{
    double f = 0;
    for (int i = 0; i < n; i++) f += isfinite(r[i]) ? r[i] * r[i] : MK_FIT_FAIL_RESIDUAL * MK_FIT_FAIL_RESIDUAL;
    return f;
}

void mk_fit_opts_default(mk_fit_opts *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->starts = 4;
    o->jobs = 1;
    o->fd_step = 0.01;
}

void mk_fit_result_clear(mk_fit_result *r)
{
    if (!r) return;
    free(r->u0), free(r->u), free(r->x0), free(r->x), free(r->r0), free(r->r), free(r->hist);
    free(r->polish_len), free(r->jac), free(r->sv), free(r->se_u), free(r->corr), free(r->cov_u), free(r->identifiable), free(r->why);
    memset(r, 0, sizeof *r);
}

/* ---------------------------------------------------------------- evaluation */

typedef struct fit_ctx {
    const mk_model_abi *abi;
    const mk_fit_param *p;
    int k, n_res;
    mk_fit_residual_fn fn;
    void *ctx;
    const mk_fit_opts *o;
    mk_symbol *params;       /* scratch copy of abi->params (one per process) */
    double *rbuf;            /* n_res */
    /* records: {int32 kind, int32 index, double f, double payload[m]} */
    int m;
    /* polish, in a worker */
    int fd, start;
    /* progress in the parent */
    double best;
    int done, total;
    mk_fit_stage stage;
} fit_ctx;

enum { REC_POINT = 1, REC_EVAL = 2, REC_DONE = 3 };

static size_t rec_size(const fit_ctx *c)
{
    return 16 + 8 * (size_t)c->m;
}

/* Residuals of the point u (k normalised coordinates) into c->rbuf; returns the objective. */
static double evaluate(fit_ctx *c, const double *u)
{
    memcpy(c->params, c->abi->params, (size_t)c->abi->n_params * sizeof *c->params);
    for (int j = 0; j < c->k; j++) c->params[c->p[j].param].value = mk_fit_to_value(&c->p[j], u[j]);
    mk_model_abi abi = *c->abi;
    abi.params = c->params;
    mk_error e = {0};
    if (c->fn(c->ctx, &abi, c->rbuf, &e))
        for (int i = 0; i < c->n_res; i++) c->rbuf[i] = NAN;
    return mk_fit_objective(c->rbuf, c->n_res);
}

static int send_rec(fit_ctx *c, int fd, int kind, int index, double f, const double *payload, int n)
{
    unsigned char buf[16 + 8 * 1024];
    size_t sz = rec_size(c);
    if (sz > sizeof buf) return -1;
    memset(buf, 0, sz);
    int32_t h[2] = {kind, index};
    memcpy(buf, h, 8);
    memcpy(buf + 8, &f, 8);
    if (payload && n) memcpy(buf + 16, payload, 8 * (size_t)n);
    return mk_worker_send(fd, buf, sz);
}

typedef void (*task_fn)(fit_ctx *c, int task, int fd, const void *arg);
typedef void (*record_fn)(fit_ctx *c, int kind, int index, double f, const double *payload, void *arg);

/* A fit's tasks and records through the shared workers (core/workers.h). */
typedef struct task_call {
    fit_ctx *c;
    task_fn task;
    const void *targ;
    record_fn on_rec;
    void *rarg;
    double *payload; /* m doubles, aligned: the record's bytes are not */
} task_call;

static void task_tramp(void *ctx, int t, int fd)
{
    task_call *tc = ctx;
    tc->task(tc->c, t, fd, tc->targ);
}

static void rec_tramp(void *ctx, const void *rec)
{
    task_call *tc = ctx;
    const unsigned char *b = rec;
    int32_t h[2];
    double f;
    memcpy(h, b, 8);
    memcpy(&f, b + 8, 8);
    memcpy(tc->payload, b + 16, 8 * (size_t)tc->c->m);
    tc->on_rec(tc->c, h[0], h[1], f, tc->payload, tc->rarg);
}

/* Run n tasks in forked workers (task t in worker t % jobs), also when jobs is 1 (the residual
 * function may change process-wide state, e.g. a model's compiled code: the parent stays as it
 * was).  Each task writes records that on_rec receives in the parent. */
static mk_status run_tasks(fit_ctx *c, int n, task_fn task, const void *targ, record_fn on_rec, void *rarg,
                           mk_error *err)
{
    task_call tc = {c, task, targ, on_rec, rarg, mk_malloc(8 * (size_t)c->m + 8)};
    if (!tc.payload) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_status rc = mk_workers_run(n, c->o->jobs, rec_size(c), task_tramp, &tc, rec_tramp, &tc, "fit", err);
    free(tc.payload);
    return rc;
}

static void progress(fit_ctx *c, double f)
{
    c->done++;
    int improved = f < c->best;
    if (improved) c->best = f;
    if (c->o->progress) c->o->progress(c->o->progress_ctx, c->stage, c->done, c->total, c->best, improved);
}

/* ---------------------------------------------------------------- batches of points */

typedef struct batch {
    const double *U;    /* n x k */
    double *R;          /* n x n_res */
    double *F;          /* n */
} batch;

static void point_task(fit_ctx *c, int t, int fd, const void *arg)
{
    const batch *b = arg;
    double f = evaluate(c, b->U + (size_t)t * (size_t)c->k);
    if (send_rec(c, fd, REC_POINT, t, f, c->rbuf, c->n_res)) _exit(4);
}

static void point_rec(fit_ctx *c, int kind, int index, double f, const double *payload, void *arg)
{
    batch *b = arg;
    if (kind != REC_POINT) return;
    b->F[index] = f;
    memcpy(b->R + (size_t)index * (size_t)c->n_res, payload, 8 * (size_t)c->n_res);
    progress(c, f);
}

static mk_status eval_batch(fit_ctx *c, const double *U, int n, double *R, double *F, mk_error *err)
{
    batch b = {U, R, F};
    for (int i = 0; i < n; i++) F[i] = NAN;
    mk_status rc = run_tasks(c, n, point_task, &b, point_rec, &b, err);
    for (int i = 0; !rc && i < n; i++)
        if (isnan(F[i])) rc = mk_fail(err, MK_ERR_IO, "a fit worker did not report point %d", i);
    return rc;
}

/* ---------------------------------------------------------------- the local polish */

static double nl_objective(unsigned n, const double *u, double *grad, void *data)
{
    (void)n;
    (void)grad; /* BOBYQA is derivative free */
    fit_ctx *c = data;
    double f = evaluate(c, u);
    if (send_rec(c, c->fd, REC_EVAL, c->start, f, NULL, 0)) _exit(4);
    return f;
}

typedef struct polish {
    const double *U0;   /* starts x k */
    double *U;          /* starts x k: each polish's end point */
    double *F;          /* starts */
    double **hist;      /* per start: objective of each evaluation */
    int *len, *cap;
    int fail;
} polish;

static void polish_task(fit_ctx *c, int t, int fd, const void *arg)
{
    const polish *pl = arg;
    double *u = mk_malloc(8 * (size_t)c->k), *lo = mk_calloc((size_t)c->k, 8), *hi = mk_malloc(8 * (size_t)c->k),
           *step = mk_malloc(8 * (size_t)c->k);
    if (!u || !lo || !hi || !step) _exit(3);
    memcpy(u, pl->U0 + (size_t)t * (size_t)c->k, 8 * (size_t)c->k);
    for (int j = 0; j < c->k; j++) {
        hi[j] = 1;
        /* a tenth of the range, towards the interior when a start sits on a bound */
        step[j] = 0.1;
    }
    c->fd = fd;
    c->start = t;
    nlopt_srand(c->o->seed + (unsigned long long)t);
    nlopt_opt opt = nlopt_create(NLOPT_LN_BOBYQA, (unsigned)c->k);
    if (!opt) _exit(3);
    nlopt_set_lower_bounds(opt, lo);
    nlopt_set_upper_bounds(opt, hi);
    nlopt_set_initial_step(opt, step);
    nlopt_set_min_objective(opt, nl_objective, c);
    nlopt_set_maxeval(opt, c->o->local_evals);
    nlopt_set_xtol_rel(opt, 1e-4);
    nlopt_set_ftol_abs(opt, 1e-8);
    double f = INFINITY;
    nlopt_optimize(opt, u, &f); /* a search stopped by its budget still leaves its best point */
    nlopt_destroy(opt);
    if (!isfinite(f)) f = evaluate(c, u);
    if (send_rec(c, fd, REC_DONE, t, f, u, c->k)) _exit(4);
    free(u), free(lo), free(hi), free(step);
}

static void polish_rec(fit_ctx *c, int kind, int index, double f, const double *payload, void *arg)
{
    polish *pl = arg;
    if (index < 0) return;
    if (kind == REC_EVAL) {
        if (pl->len[index] == pl->cap[index]) {
            int cap = pl->cap[index] ? 2 * pl->cap[index] : 64;
            double *h = mk_realloc(pl->hist[index], 8 * (size_t)cap);
            if (!h) {
                pl->fail = 1;
                return;
            }
            pl->hist[index] = h, pl->cap[index] = cap;
        }
        pl->hist[index][pl->len[index]++] = f;
        progress(c, f);
    } else if (kind == REC_DONE) {
        pl->F[index] = f;
        memcpy(pl->U + (size_t)index * (size_t)c->k, payload, 8 * (size_t)c->k);
    }
}

/* ---------------------------------------------------------------- the design */

/* A Latin hypercube: each coordinate's N strata used once, in a random order, with a random
 * point in each stratum.  (Halton's and Sobol's high dimensions are strongly correlated at
 * small N, and a fit may have a hundred parameters and a few dozen points.) */
static void latin_hypercube(mk_rng *g, int n, int k, double *U)
{
    int *perm = mk_malloc(sizeof *perm * (size_t)n);
    if (!perm) return;
    for (int j = 0; j < k; j++) {
        for (int i = 0; i < n; i++) perm[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int r = mk_rng_below(g, i + 1), tmp = perm[i];
            perm[i] = perm[r], perm[r] = tmp;
        }
        for (int i = 0; i < n; i++) {
            double v = (double)(mk_rng_next(g) >> 11) * 0x1.0p-53;
            U[(size_t)i * (size_t)k + (size_t)j] = (perm[i] + v) / n;
        }
    }
    free(perm);
}

/* Indices of the s best of F (ties: lower index first). */
static void best_indices(const double *F, int n, int s, int *out)
{
    char *used = mk_calloc((size_t)n + 1, 1);
    if (!used) return;
    for (int q = 0; q < s; q++) {
        int b = -1;
        for (int i = 0; i < n; i++)
            if (!used[i] && (b < 0 || F[i] < F[b])) b = i;
        out[q] = b;
        if (b >= 0) used[b] = 1;
    }
    free(used);
}

/* ---------------------------------------------------------------- identifiability */

/* A parameter's free travel (docs/fit.md, Identifiability): along a null direction of J the
 * targets do not change, so parameter i can move as far as the parameters that move with it stay
 * inside their ranges.  The null direction that moves i most is P e_i (P the projector onto the
 * null space), along which j moves P_ij per P_ii of i; the one that moves most can cross its whole
 * range, so i travels P_ii / max_j |P_ij| of its range (1: i itself moves most, free over its
 * whole range; near 0: the direction hardly involves i).  A parameter that travels more than
 * MK_FIT_FREE_MAX of its range is not identifiable; one that travels less is, with that travel
 * counted in its SE as a uniform spread (variance f^2 / 12 in u). */
#define MK_FIT_NULL_RTOL 1e-6 /* a singular value at or below this fraction of the largest: a null direction */
#define MK_FIT_FREE_MAX 0.1

static void free_travel(const double *vt, const double *sv, int k, int ns, double tol, double *freef)
{
    for (int i = 0; i < k; i++) {
        double pii = 0, pmax = 0;
        for (int j = 0; j < k; j++) {
            double pij = 0;
            for (int r = 0; r < k; r++) {
                double s = r < ns ? sv[r] : 0;
                if (s > tol && s > 0) continue;
                pij += vt[(size_t)r + (size_t)i * (size_t)k] * vt[(size_t)r + (size_t)j * (size_t)k];
            }
            if (j == i) pii = pij;
            if (fabs(pij) > pmax) pmax = fabs(pij);
        }
        freef[i] = pii > 1e-300 && pmax > 0 ? pii / pmax : 0;
    }
}

/* SVD of J (n_res x k): standard errors (pseudo-inverse of J^T J), correlations and which
 * parameters the targets pin down (free_travel above).  Exposed for tests in fit.h. */
mk_status mk_fit_identify(mk_fit_result *res, mk_error *err)
{
    int m = res->n_res, k = res->k, ns = m < k ? m : k;
    res->se_u = mk_malloc(8 * (size_t)k);
    res->corr = mk_malloc(8 * (size_t)k * (size_t)k);
    res->cov_u = mk_calloc((size_t)k * (size_t)k, 8);
    res->identifiable = mk_calloc((size_t)k, sizeof *res->identifiable);
    res->why = mk_calloc((size_t)k, sizeof *res->why);
    res->sv = mk_calloc((size_t)ns + 1, 8);
    double *a = mk_malloc(8 * (size_t)m * (size_t)k + 8), *vt = mk_malloc(8 * (size_t)k * (size_t)k),
           *cov = mk_calloc((size_t)k * (size_t)k, 8), *freef = mk_calloc((size_t)k, 8);
    int *bad_col = mk_calloc((size_t)k, sizeof *bad_col);
    mk_status rc = MK_OK;
    if (!res->se_u || !res->corr || !res->cov_u || !res->identifiable || !res->why || !res->sv || !a || !vt || !cov || !freef || !bad_col) {
        rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* column-major copy; a column with a failed step is left out (zero) and flagged */
    for (int j = 0; j < k; j++)
        for (int i = 0; i < m; i++) {
            double v = res->jac[(size_t)i * (size_t)k + (size_t)j];
            if (!isfinite(v)) bad_col[j] = 1;
        }
    for (int j = 0; j < k; j++)
        for (int i = 0; i < m; i++)
            a[(size_t)j * (size_t)m + (size_t)i] = bad_col[j] ? 0 : res->jac[(size_t)i * (size_t)k + (size_t)j];
    int lwork = -1, info = 0, one = 1;
    double wq = 0, dummy = 0;
    dgesvd_("N", "A", &m, &k, a, &m, res->sv, &dummy, &one, vt, &k, &wq, &lwork, &info);
    lwork = info == 0 && wq > 0 ? (int)wq : 5 * (m + k);
    double *work = mk_malloc(8 * (size_t)lwork);
    if (!work) {
        rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
        goto done;
    }
    dgesvd_("N", "A", &m, &k, a, &m, res->sv, &dummy, &one, vt, &k, work, &lwork, &info);
    free(work);
    if (info != 0) {
        rc = mk_fail(err, MK_ERR_INVALID, "the SVD of the Jacobian did not converge (LAPACK dgesvd info %d)", info);
        goto done;
    }
    res->n_sv = ns;
    /* V = vt^T; vt is k x k column-major: vt[r + c*k] = V[c][r] (row r of V^T) */
    double smax = ns > 0 ? res->sv[0] : 0, tol = smax * MK_FIT_NULL_RTOL;
    for (int r = 0; r < k; r++) {
        double s = r < ns ? res->sv[r] : 0;
        if (!(s > tol) || !(s > 0)) continue;
        for (int i = 0; i < k; i++) {
            double vi = vt[(size_t)r + (size_t)i * (size_t)k];
            for (int j = 0; j < k; j++) cov[(size_t)i * (size_t)k + (size_t)j] += vi * vt[(size_t)r + (size_t)j * (size_t)k] / (s * s);
        }
    }
    free_travel(vt, res->sv, k, ns, tol, freef);
    for (int i = 0; i < k; i++) {
        int det = !bad_col[i] && freef[i] <= MK_FIT_FREE_MAX;
        cov[(size_t)i * (size_t)k + (size_t)i] += det ? freef[i] * freef[i] / 12 : 0;
        res->se_u[i] = det ? sqrt(cov[(size_t)i * (size_t)k + (size_t)i]) : INFINITY;
    }
    /* the Laplace covariance a forecast draws from: the pseudo-inverse between determined
     * parameters; one the data do not determine gets the variance of a uniform draw over its
     * range (1/12 in u) and no correlation, so the matrix stays positive semi-definite */
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++) {
            size_t ij = (size_t)i * (size_t)k + (size_t)j;
            int di = isfinite(res->se_u[i]), dj = isfinite(res->se_u[j]);
            res->cov_u[ij] = di && dj ? cov[ij] : i == j ? 1.0 / 12.0 : 0.0;
        }
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++) {
            double si = res->se_u[i], sj = res->se_u[j];
            res->corr[(size_t)i * (size_t)k + (size_t)j] =
                isfinite(si) && isfinite(sj) && si > 0 && sj > 0 ? cov[(size_t)i * (size_t)k + (size_t)j] / (si * sj) : NAN;
        }
    for (int i = 0; i < k; i++) {
        double worst = 0;
        for (int j = 0; j < k; j++) {
            double cij = res->corr[(size_t)i * (size_t)k + (size_t)j];
            if (j != i && isfinite(cij) && fabs(cij) > worst) worst = fabs(cij);
        }
        if (bad_col[i]) snprintf(res->why[i], sizeof res->why[i], "a run failed at the finite-difference step");
        else if (!isfinite(res->se_u[i]))
            snprintf(res->why[i], sizeof res->why[i], "the targets leave it free over %.0f%% of its range (a null direction of the Jacobian)",
                     100 * freef[i]);
        else if (1.96 * res->se_u[i] >= 0.5)
            snprintf(res->why[i], sizeof res->why[i], "large SE: the 95%% interval spans %.0f%% of its range", 2 * 196 * res->se_u[i]);
        else if (worst > 0.95) snprintf(res->why[i], sizeof res->why[i], "correlated with another fitted parameter (|r| = %.3f)", worst);
        res->identifiable[i] = !res->why[i][0];
    }
done:
    free(a), free(vt), free(cov), free(freef), free(bad_col);
    return rc;
}

/* ---------------------------------------------------------------- the whole fit */

static mk_status alloc_result(mk_fit_result *r, int k, int n_res)
{
    r->k = k, r->n_res = n_res;
    r->u0 = mk_malloc(8 * (size_t)k), r->u = mk_malloc(8 * (size_t)k);
    r->x0 = mk_malloc(8 * (size_t)k), r->x = mk_malloc(8 * (size_t)k);
    r->r0 = mk_malloc(8 * (size_t)n_res), r->r = mk_malloc(8 * (size_t)n_res);
    r->jac = mk_malloc(8 * (size_t)n_res * (size_t)k);
    return r->u0 && r->u && r->x0 && r->x && r->r0 && r->r && r->jac ? MK_OK : MK_ERR_NOMEM;
}

/* Design, then polish; fills u, f, the history. */
static mk_status search(fit_ctx *c, mk_fit_result *res, int n_design, int starts, mk_error *err)
{
    int k = c->k;
    double *U = mk_malloc(8 * (size_t)n_design * (size_t)k), *R = mk_malloc(8 * (size_t)n_design * (size_t)c->n_res),
           *F = mk_malloc(8 * (size_t)n_design);
    int *best = mk_malloc(sizeof *best * (size_t)starts);
    polish pl = {0};
    pl.U = mk_malloc(8 * (size_t)starts * (size_t)k), pl.F = mk_malloc(8 * (size_t)starts);
    pl.hist = mk_calloc((size_t)starts, sizeof *pl.hist);
    pl.len = mk_calloc((size_t)starts, sizeof *pl.len), pl.cap = mk_calloc((size_t)starts, sizeof *pl.cap);
    double *U0 = mk_malloc(8 * (size_t)starts * (size_t)k);
    mk_status rc = MK_OK;
    if (!U || !R || !F || !best || !pl.U || !pl.F || !pl.hist || !pl.len || !pl.cap || !U0) {
        rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
        goto done;
    }
    mk_rng g;
    mk_rng_seed(&g, c->o->seed);
    latin_hypercube(&g, n_design, k, U);
    memcpy(U, res->u0, 8 * (size_t)k); /* point 0: the model as it is */
    c->stage = MK_FIT_DESIGN, c->done = 0, c->total = n_design, c->best = INFINITY;
    if ((rc = eval_batch(c, U, n_design, R, F, err))) goto done;
    res->f0 = F[0];
    memcpy(res->r0, R, 8 * (size_t)c->n_res);
    best_indices(F, n_design, starts, best);
    for (int s = 0; s < starts; s++) memcpy(U0 + (size_t)s * (size_t)k, U + (size_t)best[s] * (size_t)k, 8 * (size_t)k);
    pl.U0 = U0;
    for (int s = 0; s < starts; s++) pl.F[s] = NAN;
    c->stage = MK_FIT_POLISH, c->done = 0, c->total = starts * c->o->local_evals;
    if ((rc = run_tasks(c, starts, polish_task, &pl, polish_rec, &pl, err))) goto done;
    if (pl.fail) {
        rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* the best of the polishes (and of the design: a polish never ends worse than its start,
     * but a failed one would) */
    int bs = -1;
    for (int s = 0; s < starts; s++)
        if (isfinite(pl.F[s]) && (bs < 0 || pl.F[s] < pl.F[bs])) bs = s;
    if (bs >= 0 && pl.F[bs] <= F[best[0]]) memcpy(res->u, pl.U + (size_t)bs * (size_t)k, 8 * (size_t)k), res->f = pl.F[bs];
    else memcpy(res->u, U + (size_t)best[0] * (size_t)k, 8 * (size_t)k), res->f = F[best[0]];
    /* the history: the design, then each polish in start order */
    size_t nh = (size_t)n_design;
    for (int s = 0; s < starts; s++) nh += (size_t)pl.len[s];
    res->hist = mk_malloc(8 * nh + 8);
    res->polish_len = mk_malloc(sizeof *res->polish_len * (size_t)starts);
    if (!res->hist || !res->polish_len) {
        rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
        goto done;
    }
    memcpy(res->hist, F, 8 * (size_t)n_design);
    res->n_hist = n_design, res->n_design = n_design, res->starts = starts;
    for (int s = 0; s < starts; s++) {
        memcpy(res->hist + res->n_hist, pl.hist[s], 8 * (size_t)pl.len[s]);
        res->n_hist += pl.len[s];
        res->polish_len[s] = pl.len[s];
    }
    for (int i = 0; i < n_design; i++)
        for (int q = 0; q < c->n_res; q++)
            if (!isfinite(R[(size_t)i * (size_t)c->n_res + (size_t)q])) {
                res->failed_evals++;
                break;
            }
done:
    for (int s = 0; pl.hist && s < starts; s++) free(pl.hist[s]);
    free(pl.hist), free(pl.len), free(pl.cap), free(pl.U), free(pl.F), free(U0);
    free(U), free(R), free(F), free(best);
    return rc;
}

/* The Jacobian at the optimum: one forward step per parameter (backwards at the upper bound). */
static mk_status jacobian(fit_ctx *c, mk_fit_result *res, mk_error *err)
{
    int k = c->k, n = k + 1;
    double *U = mk_malloc(8 * (size_t)n * (size_t)k), *R = mk_malloc(8 * (size_t)n * (size_t)c->n_res),
           *F = mk_malloc(8 * (size_t)n);
    mk_status rc = MK_OK;
    if (!U || !R || !F) {
        rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
        goto done;
    }
    double h = c->o->fd_step > 0 ? c->o->fd_step : 0.01;
    for (int i = 0; i < n; i++) {
        memcpy(U + (size_t)i * (size_t)k, res->u, 8 * (size_t)k);
        if (i > 0) U[(size_t)i * (size_t)k + (size_t)(i - 1)] += res->u[i - 1] + h > 1 ? -h : h;
    }
    c->stage = MK_FIT_JACOBIAN, c->done = 0, c->total = n;
    if ((rc = eval_batch(c, U, n, R, F, err))) goto done;
    memcpy(res->r, R, 8 * (size_t)c->n_res);
    res->f = F[0];
    for (int j = 0; j < k; j++) {
        double step = U[(size_t)(j + 1) * (size_t)k + (size_t)j] - res->u[j];
        for (int i = 0; i < c->n_res; i++) {
            double r1 = R[(size_t)(j + 1) * (size_t)c->n_res + (size_t)i], r0 = R[i];
            res->jac[(size_t)i * (size_t)k + (size_t)j] = isfinite(r1) && isfinite(r0) ? (r1 - r0) / step : NAN;
        }
    }
done:
    free(U), free(R), free(F);
    return rc;
}

mk_status mk_fit_compute(const mk_model_abi *abi, const mk_fit_param *p, int k, int n_res, mk_fit_residual_fn fn,
                         void *ctx, const mk_fit_opts *o, mk_fit_result *out, mk_error *err)
{
    memset(out, 0, sizeof *out);
    if (!abi || !p || k < 1 || n_res < 1 || !fn || !o) return mk_fail(err, MK_ERR_INVALID, "mk_fit_run: bad arguments");
    mk_fit_opts opts = *o;
    if (opts.design < 2) opts.design = 8 + 4 * k;
    if (opts.starts < 1) opts.starts = 1;
    if (opts.starts > opts.design) opts.starts = opts.design;
    if (opts.local_evals < 1) opts.local_evals = 20 + 10 * k;
    int m = n_res > k ? n_res : k;
    if (m > 1024) return mk_fail(err, MK_ERR_INVALID, "a fit takes at most 1024 parameters and residuals");
    double t0 = mk_monotonic_s();
    fit_ctx c = {.abi = abi, .p = p, .k = k, .n_res = n_res, .fn = fn, .ctx = ctx, .o = &opts, .m = m};
    c.params = mk_malloc(sizeof *c.params * (size_t)abi->n_params + 1);
    c.rbuf = mk_malloc(8 * (size_t)n_res);
    mk_status rc = c.params && c.rbuf ? alloc_result(out, k, n_res) : MK_ERR_NOMEM;
    if (rc) {
        rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
        goto done;
    }
    out->jobs = opts.jobs < 1 ? 1 : opts.jobs;
    for (int j = 0; j < k; j++) out->u0[j] = mk_fit_to_unit(&p[j], abi->params[p[j].param].value);
    if ((rc = search(&c, out, opts.design, opts.starts, err))) goto done;
    if ((rc = jacobian(&c, out, err))) goto done;
    for (int j = 0; j < k; j++) out->x0[j] = abi->params[p[j].param].value, out->x[j] = mk_fit_to_value(&p[j], out->u[j]);
    rc = mk_fit_identify(out, err);
done:
    free(c.params);
    free(c.rbuf);
    out->wall_s = mk_monotonic_s() - t0;
    if (rc) mk_fit_result_clear(out);
    return rc;
}

/* ---------------------------------------------------------------- the handle */

mk_status mk_fit_run(const mk_model_abi *abi, const mk_fit_param *p, int k, int n_res, mk_fit_residual_fn fn,
                     void *ctx, const mk_fit_opts *o, mk_fit_result **out, mk_error *err)
{
    if (!out) return mk_fail(err, MK_ERR_INVALID, "mk_fit_run: bad arguments");
    *out = mk_calloc(1, sizeof **out);
    if (!*out) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_status rc = mk_fit_compute(abi, p, k, n_res, fn, ctx, o, *out, err);
    if (rc) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

void mk_fit_result_free(mk_fit_result *r)
{
    mk_fit_result_clear(r);
    free(r);
}

void mk_fit_result_summary(const mk_fit_result *r, mk_fit_summary *out)
{
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (!r) return;
    *out = (mk_fit_summary){.k = r->k, .n_res = r->n_res, .f0 = r->f0, .f = r->f, .n_hist = r->n_hist,
                            .n_design = r->n_design, .starts = r->starts, .failed_evals = r->failed_evals,
                            .n_sv = r->n_sv, .jobs = r->jobs, .wall_s = r->wall_s};
}

/* n values of src into dst, when both are there */
static void copy_out(double *dst, const double *src, int n)
{
    if (dst && src && n > 0) memcpy(dst, src, sizeof *dst * (size_t)n);
}

void mk_fit_result_values(const mk_fit_result *r, double *x0, double *x, double *u0, double *u)
{
    if (!r) return;
    copy_out(x0, r->x0, r->k), copy_out(x, r->x, r->k), copy_out(u0, r->u0, r->k), copy_out(u, r->u, r->k);
}

void mk_fit_result_residuals(const mk_fit_result *r, double *before, double *after)
{
    if (!r) return;
    copy_out(before, r->r0, r->n_res), copy_out(after, r->r, r->n_res);
}

void mk_fit_result_history(const mk_fit_result *r, double *hist, int *polish_len)
{
    if (!r) return;
    copy_out(hist, r->hist, r->n_hist);
    if (polish_len && r->polish_len) memcpy(polish_len, r->polish_len, sizeof *polish_len * (size_t)r->starts);
}

void mk_fit_result_identifiability(const mk_fit_result *r, double *se_u, int *identifiable, double *corr,
                                   double *cov_u, double *sv)
{
    if (!r) return;
    copy_out(se_u, r->se_u, r->k);
    if (identifiable && r->identifiable) memcpy(identifiable, r->identifiable, sizeof *identifiable * (size_t)r->k);
    copy_out(corr, r->corr, r->k * r->k), copy_out(cov_u, r->cov_u, r->k * r->k), copy_out(sv, r->sv, r->n_sv);
}

const char *mk_fit_result_why(const mk_fit_result *r, int j)
{
    return r && r->why && j >= 0 && j < r->k ? r->why[j] : NULL;
}
