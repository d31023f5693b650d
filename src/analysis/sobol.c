/*
 * sobol.c -- variance-based sensitivity indices by Saltelli's sampling scheme (see
 * sensitivity.h).  The runs go through the same factors, outputs and forked workers as Morris
 * screening (sens_run.h).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_qrng.h>

#include "core/clock.h"
#include "analysis/common.h"
#include "analysis/sens_run.h"
#include "analysis/sensitivity.h"
#include "core/alloc.h"
#include "core/error.h"

void mk_sobol_opts_default(mk_sobol_opts *o)
{
    memset(o, 0, sizeof *o);
    o->samples = 256;
    o->bootstrap = 1000;
    o->seed = 1;
    o->jobs = 1;
    mk_solver_opts_default(&o->solver);
}

void mk_sobol_result_clear(mk_sobol_result *r)
{
    if (!r) return;
    free(r->factor);
    free(r->s1), free(r->s1_lo), free(r->s1_hi), free(r->st), free(r->st_lo), free(r->st_hi);
    free(r->n_rows);
    memset(r, 0, sizeof *r);
}

mk_status mk_sobol_sample(int n, int k, double *A, double *B, mk_error *err)
{
    if (n < 1 || k < 1) return mk_fail(err, MK_ERR_INVALID, "mk_sobol_sample: n and k must be positive");
    if (k > MK_SOBOL_MAX_FACTORS)
        return mk_fail(err, MK_ERR_INVALID, "Sobol indices take at most %d parameters (GSL's Sobol sequence has %d "
                       "dimensions, two per parameter), found %d", MK_SOBOL_MAX_FACTORS, 2 * MK_SOBOL_MAX_FACTORS, k);
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)(2 * k));
    double x[2 * MK_SOBOL_MAX_FACTORS];
    if (!q) return mk_fail(err, MK_ERR_NOMEM, "out of memory for the Sobol sequence");
    /* GSL's sequence starts at (1/2, ..., 1/2), not at the origin: nothing to skip */
    for (int j = 0; j < n; j++) {
        gsl_qrng_get(q, x);
        memcpy(A + (size_t)j * (size_t)k, x, (size_t)k * sizeof *x);
        memcpy(B + (size_t)j * (size_t)k, x + k, (size_t)k * sizeof *x);
    }
    gsl_qrng_free(q);
    return MK_OK;
}

/* ---------------------------------------------------------------- estimators */

/* The indices from the m rows rows[0..m-1] (indices into yA, yB and yAB's rows, each with f(A)
 * and f(B) finite): V from all of them, factor i's sums over those whose f(AB_i) is finite too
 * (cnt[i] of them, may be NULL); NaN when the outputs do not vary. */
static void indices(int n, int k, const double *yA, const double *yB, const double *yAB, const int *rows, int m,
                    double *s1, double *st, int *cnt, double *mean_out, double *var_out)
{
    double sum = 0;
    for (int r = 0; r < m; r++) sum += yA[rows[r]] + yB[rows[r]];
    double mean = sum / (2.0 * m), var, c = 0;
    /* centred: no cancellation when the mean is large against the spread */
    for (int r = 0; r < m; r++) {
        double a = yA[rows[r]] - mean, b = yB[rows[r]] - mean;
        c += a * a + b * b;
    }
    var = c / (2.0 * m);
    if (mean_out) *mean_out = mean;
    if (var_out) *var_out = var;
    for (int i = 0; i < k; i++) {
        const double *y = yAB + (size_t)i * (size_t)n;
        double f = 0, t = 0;
        int mi = 0;
        for (int r = 0; r < m; r++) {
            int j = rows[r];
            if (!isfinite(y[j])) continue;
            /* f(B) centred: the same expectation (E[f(AB_i) - f(A)] = 0), far less variance
             * when the mean is large against the spread (SALib standardises for the same reason) */
            f += (yB[j] - mean) * (y[j] - yA[j]);
            t += (yA[j] - y[j]) * (yA[j] - y[j]);
            mi++;
        }
        int ok = mi > 1 && var > 0 && isfinite(var);
        s1[i] = ok ? f / mi / var : NAN;
        st[i] = ok ? t / (2.0 * mi) / var : NAN;
        if (cnt) cnt[i] = mi;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* the p-quantile of the n sorted finite values in v (linear interpolation), NaN if none */
static double quantile(double *v, int n, double p)
{
    int m = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) v[m++] = v[i];
    if (m == 0) return NAN;
    qsort(v, (size_t)m, sizeof *v, cmp_double);
    double x = p * (m - 1);
    int lo = (int)floor(x), hi = lo + 1 < m ? lo + 1 : lo;
    return v[lo] + (x - lo) * (v[hi] - v[lo]);
}

mk_status mk_sobol_estimate(int n, int k, const double *yA, const double *yB, const double *yAB, int n_boot,
                            unsigned long long seed, double *s1, double *st, double *s1_lo, double *s1_hi,
                            double *st_lo, double *st_hi, int *n_used, int *n_rows, double *mean, double *var,
                            mk_error *err)
{
    if (n < 1 || k < 1 || !yA || !yB || !yAB || !s1 || !st)
        return mk_fail(err, MK_ERR_INVALID, "mk_sobol_estimate: bad arguments");
    if (n_boot > 0 && (!s1_lo || !s1_hi || !st_lo || !st_hi))
        return mk_fail(err, MK_ERR_INVALID, "mk_sobol_estimate: intervals asked for without room for them");
    int *rows = mk_malloc(((size_t)n + 1) * sizeof *rows), *pick = mk_malloc(((size_t)n + 1) * sizeof *pick);
    double *bs1 = n_boot > 0 ? mk_malloc((size_t)n_boot * (size_t)k * sizeof *bs1) : NULL;
    double *bst = n_boot > 0 ? mk_malloc((size_t)n_boot * (size_t)k * sizeof *bst) : NULL;
    double *t1 = mk_malloc((size_t)k * sizeof *t1), *tt = mk_malloc((size_t)k * sizeof *tt);
    double *col = n_boot > 0 ? mk_malloc((size_t)n_boot * sizeof *col) : NULL;
    mk_status rc = MK_OK;
    if (!rows || !pick || !t1 || !tt || (n_boot > 0 && (!bs1 || !bst || !col))) {
        rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* the rows with f(A) and f(B); a failed f(AB_i) leaves the row out of factor i's sums only */
    int m = 0;
    for (int j = 0; j < n; j++)
        if (isfinite(yA[j]) && isfinite(yB[j])) rows[m++] = j;
    if (n_used) *n_used = m;
    double mu = NAN, v = NAN;
    if (m > 0) indices(n, k, yA, yB, yAB, rows, m, s1, st, n_rows, &mu, &v);
    for (int i = 0; m == 0 && i < k; i++) {
        s1[i] = st[i] = NAN;
        if (n_rows) n_rows[i] = 0;
    }
    if (mean) *mean = mu;
    if (var) *var = v;
    if (n_boot <= 0) goto done;
    mk_rng g;
    mk_rng_seed(&g, seed);
    for (int b = 0; b < n_boot; b++) {
        for (int r = 0; r < m; r++) pick[r] = rows[mk_rng_below(&g, m)];
        if (m > 0) indices(n, k, yA, yB, yAB, pick, m, t1, tt, NULL, NULL, NULL);
        for (int i = 0; i < k; i++) {
            bs1[(size_t)i * (size_t)n_boot + (size_t)b] = m > 0 ? t1[i] : NAN;
            bst[(size_t)i * (size_t)n_boot + (size_t)b] = m > 0 ? tt[i] : NAN;
        }
    }
    for (int i = 0; i < k; i++) {
        memcpy(col, bs1 + (size_t)i * (size_t)n_boot, (size_t)n_boot * sizeof *col);
        s1_lo[i] = quantile(col, n_boot, 0.025);
        memcpy(col, bs1 + (size_t)i * (size_t)n_boot, (size_t)n_boot * sizeof *col);
        s1_hi[i] = quantile(col, n_boot, 0.975);
        memcpy(col, bst + (size_t)i * (size_t)n_boot, (size_t)n_boot * sizeof *col);
        st_lo[i] = quantile(col, n_boot, 0.025);
        memcpy(col, bst + (size_t)i * (size_t)n_boot, (size_t)n_boot * sizeof *col);
        st_hi[i] = quantile(col, n_boot, 0.975);
    }
done:
    free(rows), free(pick), free(bs1), free(bst), free(t1), free(tt), free(col);
    return rc;
}

/* ---------------------------------------------------------------- the runs */

/* Rows of the design: 0 the baseline, then A (N rows), B (N), AB_1 .. AB_k (N each). */
static void saltelli_design(int N, int k, const double *A, const double *B, double *U)
{
    for (int i = 0; i < k; i++) U[i] = NAN;
    double *u = U + k;
    memcpy(u, A, (size_t)N * (size_t)k * sizeof *u);
    memcpy(u + (size_t)N * (size_t)k, B, (size_t)N * (size_t)k * sizeof *u);
    for (int i = 0; i < k; i++) {
        double *ab = u + (size_t)(2 + i) * (size_t)N * (size_t)k;
        memcpy(ab, A, (size_t)N * (size_t)k * sizeof *ab);
        for (int j = 0; j < N; j++) ab[(size_t)j * (size_t)k + (size_t)i] = B[(size_t)j * (size_t)k + (size_t)i];
    }
}

static mk_status alloc_indices(mk_sobol_result *r)
{
    size_t n = (size_t)r->k * (size_t)r->n_out + 1;
    r->s1 = mk_calloc(n, sizeof *r->s1), r->s1_lo = mk_calloc(n, sizeof *r->s1_lo);
    r->s1_hi = mk_calloc(n, sizeof *r->s1_hi), r->st = mk_calloc(n, sizeof *r->st);
    r->st_lo = mk_calloc(n, sizeof *r->st_lo), r->st_hi = mk_calloc(n, sizeof *r->st_hi);
    r->n_rows = mk_calloc(n, sizeof *r->n_rows);
    return r->s1 && r->s1_lo && r->s1_hi && r->st && r->st_lo && r->st_hi && r->n_rows ? MK_OK : MK_ERR_NOMEM;
}

/* The indices of output q from the runs' outputs Y (rows as in saltelli_design). */
static mk_status estimate_output(mk_sobol_result *r, const double *Y, int q, mk_error *err)
{
    int N = r->samples, k = r->k, no = r->n_out;
    double *yA = mk_malloc((size_t)N * sizeof *yA), *yB = mk_malloc((size_t)N * sizeof *yB);
    double *yAB = mk_malloc((size_t)N * (size_t)k * sizeof *yAB);
    double *buf = mk_malloc(6 * (size_t)k * sizeof *buf);
    int *cnt = mk_malloc(((size_t)k + 1) * sizeof *cnt);
    mk_status rc = MK_OK;
    if (!yA || !yB || !yAB || !buf || !cnt) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
    for (int j = 0; !rc && j < N; j++) {
        yA[j] = Y[(size_t)(1 + j) * (size_t)no + (size_t)q];
        yB[j] = Y[(size_t)(1 + N + j) * (size_t)no + (size_t)q];
        for (int i = 0; i < k; i++)
            yAB[(size_t)i * (size_t)N + (size_t)j] = Y[(size_t)(1 + (2 + i) * N + j) * (size_t)no + (size_t)q];
    }
    double *b = buf;
    /* each output its own bootstrap stream, from the seed */
    if (!rc)
        rc = mk_sobol_estimate(N, k, yA, yB, yAB, r->bootstrap, r->seed + 0x9e3779b97f4a7c15ULL * (unsigned)q, b,
                               b + k, b + 2 * k, b + 3 * k, b + 4 * k, b + 5 * k, &r->n_used[q], cnt, &r->mean[q],
                               &r->var[q], err);
    for (int i = 0; !rc && i < k; i++) {
        size_t at = (size_t)i * (size_t)no + (size_t)q;
        r->s1[at] = b[i], r->st[at] = b[k + i], r->n_rows[at] = cnt[i];
        r->s1_lo[at] = r->bootstrap > 0 ? b[2 * k + i] : NAN, r->s1_hi[at] = r->bootstrap > 0 ? b[3 * k + i] : NAN;
        r->st_lo[at] = r->bootstrap > 0 ? b[4 * k + i] : NAN, r->st_hi[at] = r->bootstrap > 0 ? b[5 * k + i] : NAN;
    }
    free(yA), free(yB), free(yAB), free(buf), free(cnt);
    return rc;
}

mk_status mk_sobol_compute(const mk_model_abi *abi, const mk_protocol *p, const mk_anatomy *anat,
                           const mk_sobol_opts *o, mk_sobol_result *out, mk_error *err)
{
    memset(out, 0, sizeof *out);
    if (!abi || !p || !o) return mk_fail(err, MK_ERR_INVALID, "mk_sobol_run: missing argument");
    if (o->samples < 2) return mk_fail(err, MK_ERR_INVALID, "at least 2 base samples are needed, got %d", o->samples);
    if (o->bootstrap < 0) return mk_fail(err, MK_ERR_INVALID, "the number of bootstrap resamples cannot be negative");
    mk_sens_run s;
    mk_status rc = mk_sens_run_init(&s, abi, p, anat, o->params, o->outputs, &o->solver, o->keep_output_rows, err);
    if (rc) return rc;
    if (s.k > MK_SOBOL_MAX_FACTORS) {
        rc = mk_fail(err, MK_ERR_INVALID,
                     "Sobol indices take at most %d parameters (GSL's Sobol sequence has %d dimensions, two per "
                     "parameter), and %d match '%s': screen them first with Morris (--method morris) and pass the "
                     "leading ones with --params",
                     MK_SOBOL_MAX_FACTORS, 2 * MK_SOBOL_MAX_FACTORS, s.k, o->params ? o->params : "all");
        mk_sens_run_free(&s);
        return rc;
    }
    out->abi = abi;
    out->k = s.k, out->n_skipped = s.n_skipped, out->n_out = s.n_out;
    memcpy(out->out_label, s.out_label, sizeof out->out_label);
    memcpy(out->out_name, s.out_name, sizeof out->out_name);
    memcpy(out->out_unit, s.out_unit, sizeof out->out_unit);
    out->samples = o->samples, out->bootstrap = o->bootstrap, out->seed = o->seed;
    out->jobs = o->jobs < 1 ? 1 : o->jobs;
    int N = o->samples, k = s.k, no = s.n_out;
    size_t n = 1 + (size_t)N * (size_t)(k + 2);
    if (n > 100000000) {
        rc = mk_fail(err, MK_ERR_INVALID, "%zu runs is too many", n);
        mk_sens_run_free(&s);
        return rc;
    }
    out->factor = mk_malloc(((size_t)k + 1) * sizeof *out->factor);
    double *A = mk_malloc((size_t)N * (size_t)k * sizeof *A), *B = mk_malloc((size_t)N * (size_t)k * sizeof *B);
    double *U = mk_malloc(n * (size_t)k * sizeof *U), *Y = mk_malloc(n * (size_t)no * sizeof *Y);
    if (!out->factor || !A || !B || !U || !Y || alloc_indices(out)) {
        rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
        goto done;
    }
    memcpy(out->factor, s.factor, (size_t)k * sizeof *out->factor);
    if ((rc = mk_sobol_sample(N, k, A, B, err))) goto done;
    saltelli_design(N, k, A, B, U);
    s.jobs = out->jobs;
    s.progress = o->progress, s.progress_ctx = o->progress_ctx;
    s.total = (int)n;
    s.t0 = mk_monotonic_s();
    if ((rc = mk_sens_run_eval(&s, U, (int)n, Y, err))) goto done;
    if (!isfinite(Y[0]) && s.first_fail_at == 0) {
        rc = mk_fail(err, MK_ERR_SOLVER, "the baseline run failed: %s", s.first_failure);
        goto done;
    }
    for (int q = 0; q < no; q++) out->base[q] = Y[q];
    out->runs = s.runs, out->failed = s.failed;
    snprintf(out->first_failure, sizeof out->first_failure, "%s", s.first_failure);
    for (int q = 0; !rc && q < no; q++) rc = estimate_output(out, Y, q, err);
    out->wall_s = mk_monotonic_s() - s.t0;
done:
    mk_sens_run_free(&s);
    free(A), free(B), free(U), free(Y);
    if (rc) mk_sobol_result_clear(out);
    return rc;
}

/* ---------------------------------------------------------------- ranking and output */

int *mk_sobol_rank(const mk_sobol_result *r, int o)
{
    return mk_rank_column(r->st, r->k, r->n_out, o);
}

mk_status mk_sobol_write_csv(const mk_sobol_result *r, mk_buf *b, mk_error *err)
{
    mk_buf_puts(b, "output,measured,output_unit,rank,parameter,unit,lo,hi,scale,default,S1,S1_lo,S1_hi,ST,ST_lo,ST_hi,"
                   "rows,variance\n");
    for (int o = 0; o < r->n_out; o++) {
        int *idx = mk_sobol_rank(r, o);
        if (!idx) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
        for (int n = 0; n < r->k; n++) {
            int i = idx[n];
            const mk_morris_factor *f = &r->factor[i];
            const mk_symbol *s = &r->abi->params[f->param];
            size_t at = (size_t)i * (size_t)r->n_out + (size_t)o;
            mk_sens_csv_factor(b, r->out_label[o], r->out_name[o], r->out_unit[o], n + 1, f, s, 6);
            mk_csv_num(b, r->s1[at], 6);
            mk_csv_num(b, r->s1_lo[at], 6);
            mk_csv_num(b, r->s1_hi[at], 6);
            mk_csv_num(b, r->st[at], 6);
            mk_csv_num(b, r->st_lo[at], 6);
            mk_csv_num(b, r->st_hi[at], 6);
            mk_buf_printf(b, ",%d", r->n_rows[at]);
            mk_csv_num(b, r->var[o], 6);
            mk_buf_puts(b, "\n");
        }
        free(idx);
    }
    if (b->failed) return mk_fail(err, MK_ERR_NOMEM, "out of memory writing sensitivity.csv");
    return MK_OK;
}

mk_status mk_sobol_write_figure(const mk_sobol_result *r, int top, const char *path, mk_error *err)
{
    int n_show = r->k < top ? r->k : top;
    if (n_show < 1) n_show = 1;
    size_t cells = (size_t)r->n_out * (size_t)n_show + 1;
    mk_plot_bars *f = mk_calloc(1, sizeof *f);
    const char **names = mk_calloc(cells, sizeof *names);
    double *v = mk_calloc(6 * cells, sizeof *v);
    mk_status rc = MK_OK;
    if (!f || !names || !v) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory for the sensitivity figure");
    for (int o = 0; !rc && o < r->n_out && o < MK_PLOT_MAX_PANELS; o++) {
        int *idx = mk_sobol_rank(r, o);
        if (!idx) {
            rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
            break;
        }
        mk_plot_bar_panel *p = &f->panel[f->n_panels++];
        size_t off = (size_t)o * (size_t)n_show;
        double *s1 = v + off, *s1l = v + cells + off, *s1h = v + 2 * cells + off;
        double *st = v + 3 * cells + off, *stl = v + 4 * cells + off, *sth = v + 5 * cells + off;
        p->n = r->k < n_show ? r->k : n_show;
        for (int n = 0; n < p->n; n++) {
            size_t at = (size_t)idx[n] * (size_t)r->n_out + (size_t)o;
            names[off + n] = r->abi->params[r->factor[idx[n]].param].name;
            s1[n] = r->s1[at], s1l[n] = r->s1_lo[at], s1h[n] = r->s1_hi[at];
            st[n] = r->st[at], stl[n] = r->st_lo[at], sth[n] = r->st_hi[at];
        }
        p->names = names + off;
        p->value = st, p->value_lo = stl, p->value_hi = sth;
        p->second = s1, p->second_lo = s1l, p->second_hi = s1h;
        p->second_bar = 1;
        char var[48];
        snprintf(var, sizeof var, ", variance %.3g", r->var[o]);
        mk_sens_panel_title(p->title, sizeof p->title, r->out_label[o], r->out_name[o], r->out_unit[o], var);
        free(idx);
    }
    if (!rc) {
        mk_buf_printf(&f->title,
                 "Sobol indices of %d parameters, N = %d (%d runs): the share of the output's variance each "
                 "explains alone (S1) and with its interactions (ST), 95%% bootstrap intervals",
                 r->k, r->samples, r->runs);
        if (r->n_out > MK_PLOT_MAX_PANELS)
            mk_buf_printf(&f->title, " (the first %d of %d outputs; every output in sensitivity.csv)", MK_PLOT_MAX_PANELS,
                          r->n_out);
        snprintf(f->value_label, sizeof f->value_label, "total ST");
        snprintf(f->second_label, sizeof f->second_label, "first order S1");
        rc = mk_plot_bars_write(f, path, err);
    }
    mk_buf_free(&f->title);
    free(f);
    free(names);
    free(v);
    return rc;
}
