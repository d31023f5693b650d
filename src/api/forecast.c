/*
 * forecast.c -- `myoknot run --params FILE --forecast N` (include/myoknot/analysis.h, docs/fit.md):
 * a fitted patient's measurements forecast with uncertainty.
 *
 * The parameter file's `covariance:` block (myoknot fit writes it) is the Laplace approximation
 * of the fit: the parameters are normal in the fitted coordinates (ln of the value for a
 * log-scale parameter, the value otherwise) about the study's values, with that covariance.
 * Each of N draws comes from its own counter-based stream (seed, draw, MK_PURPOSE_FORECAST), so
 * draw d is the same whatever else is drawn; a draw outside a parameter's plausible range is
 * drawn again (a truncated normal), up to MAX_TRIES times, then clamped.  Each draw runs the
 * study's protocol with the drawn values as overrides; per measurement the forecast keeps the
 * median and the 5 % and 95 % quantiles over the draws.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort/stream.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/limits.h"
#include "core/text.h"
#include "io/ytree.h"
#include "protocol/results.h"
#include "protocol/simulate.h"

#define MAX_TRIES 100
/* The forecast's random numbers: apart from the trial's purposes (cohort/stream.h). */
#define MK_PURPOSE_FORECAST 16u

typedef struct cov_spec {
    int k;
    int *param;     /* k: index into abi->params */
    int *log_scale; /* k */
    double *mat;    /* k x k, row-major */
    double *chol;   /* k x k lower factor: mat = L L^T */
} cov_spec;

static void cov_free(cov_spec *c)
{
    free(c->param), free(c->log_scale), free(c->mat), free(c->chol);
    memset(c, 0, sizeof *c);
}

static const mk_yformat k_format = {
    .max_depth = 8,
    .alias_msg = "YAML aliases are not supported in parameter files: write the value out",
    .dup_key_msg = "key '%s' given twice (first at line %d)",
    .bad_key_msg = "expected a key, found %s",
    .empty_msg = "the parameter file is empty: expected 'parameters:' and 'covariance:'",
    .top_msg = "expected a mapping at the top level, found %s",
    .unknown_key_code = MK_ERR_SYNTAX,
    .list_allowed_keys = 1,
};

/* The list under key in cov: k items (k < 0: any number, set to the count). */
static mk_status cov_list(const char *path, const mk_ynode *cov, const char *key, int *k, const mk_ynode **out,
                          mk_error *err)
{
    const mk_ypair *pp = mk_yfind(cov, key);
    if (!pp) return mk_fail_at(err, MK_ERR_SYNTAX, path, cov->line, cov->col, "'covariance' needs '%s'", key);
    const mk_ynode *n = pp->val;
    if (n->kind != MK_Y_SEQ || n->n < 1)
        return mk_fail_at(err, MK_ERR_SYNTAX, path, n->line, n->col, "expected a non-empty list under '%s', found %s", key,
                          mk_ykind_name(n));
    if (*k >= 0 && n->n != *k)
        return mk_fail_at(err, MK_ERR_SYNTAX, path, n->line, n->col, "'%s' has %d entries; expected %d, one per parameter",
                          key, n->n, *k);
    *k = n->n;
    *out = n;
    return MK_OK;
}

static mk_status cov_names(const char *path, const mk_model_abi *abi, const mk_ynode *names, const mk_ynode *space,
                           cov_spec *c, mk_error *err)
{
    for (int j = 0; j < c->k; j++) {
        const mk_ynode *a = names->items[j], *b = space->items[j];
        if (a->kind != MK_Y_SCALAR)
            return mk_fail_at(err, MK_ERR_SYNTAX, path, a->line, a->col, "expected a parameter name, found %s",
                              mk_ykind_name(a));
        c->param[j] = mk_abi_find(abi, MK_SYM_PARAM, a->text);
        if (c->param[j] < 0)
            return mk_fail_at(err, MK_ERR_NAME, path, a->line, a->col, "model '%s' has no parameter '%s'", abi->name,
                              a->text);
        for (int i = 0; i < j; i++)
            if (c->param[i] == c->param[j])
                return mk_fail_at(err, MK_ERR_SYNTAX, path, a->line, a->col, "parameter '%s' listed twice", a->text);
        const mk_symbol *s = &abi->params[c->param[j]];
        if (b->kind != MK_Y_SCALAR || (strcmp(b->text, "log") && strcmp(b->text, "linear")))
            return mk_fail_at(err, MK_ERR_SYNTAX, path, b->line, b->col, "expected 'log' or 'linear', found '%s'",
                              b->kind == MK_Y_SCALAR ? b->text : mk_ykind_name(b));
        c->log_scale[j] = !strcmp(b->text, "log");
        if (c->log_scale[j] && !(s->lo > 0))
            return mk_fail_at(err, MK_ERR_INVALID, path, b->line, b->col,
                              "'%s' cannot be in log space: its range %g .. %g is not positive", s->name, s->lo, s->hi);
    }
    return MK_OK;
}

static mk_status cov_matrix(const char *path, const mk_ynode *m, cov_spec *c, mk_error *err)
{
    int k = c->k;
    for (int i = 0; i < k; i++) {
        const mk_ynode *row = m->items[i];
        if (row->kind != MK_Y_SEQ || row->n != k)
            return mk_fail_at(err, MK_ERR_SYNTAX, path, row->line, row->col,
                              "row %d of 'matrix': expected a list of %d numbers, found %s%s", i + 1, k,
                              row->kind == MK_Y_SEQ ? "a list of " : mk_ykind_name(row),
                              row->kind == MK_Y_SEQ ? (row->n < k ? "fewer" : "more") : "");
        for (int j = 0; j < k; j++) {
            const mk_ynode *v = row->items[j];
            char *end = NULL;
            double x = v->kind == MK_Y_SCALAR ? strtod(v->text, &end) : NAN;
            if (v->kind != MK_Y_SCALAR || end == v->text || *end || !isfinite(x))
                return mk_fail_at(err, MK_ERR_SYNTAX, path, v->line, v->col, "expected a finite number, found '%s'",
                                  v->kind == MK_Y_SCALAR ? v->text : mk_ykind_name(v));
            c->mat[(size_t)i * (size_t)k + (size_t)j] = x;
        }
    }
    for (int i = 0; i < k; i++)
        for (int j = 0; j < i; j++) {
            double a = c->mat[(size_t)i * (size_t)k + (size_t)j], b = c->mat[(size_t)j * (size_t)k + (size_t)i];
            if (fabs(a - b) > 1e-9 * (fabs(a) + fabs(b)) + 1e-300) {
                const mk_ynode *v = m->items[i]->items[j];
                return mk_fail_at(err, MK_ERR_INVALID, path, v->line, v->col,
                                  "the covariance is not symmetric: row %d column %d is %g, row %d column %d is %g", i + 1,
                                  j + 1, a, j + 1, i + 1, b);
            }
        }
    return MK_OK;
}

/* Cholesky for a positive semi-definite matrix: a pivot within a relative 1e-10 of zero is a
 * direction without variance (its column of L stays zero); a negative one is an error. */
static mk_status cov_factor(const char *path, const mk_ynode *m, const mk_model_abi *abi, cov_spec *c, mk_error *err)
{
    int k = c->k;
    double dmax = 0;
    for (int i = 0; i < k; i++) {
        double d = c->mat[(size_t)i * (size_t)k + (size_t)i];
        if (d < 0) {
            const mk_ynode *v = m->items[i]->items[i];
            return mk_fail_at(err, MK_ERR_INVALID, path, v->line, v->col,
                              "the covariance is not positive semi-definite: the variance of %s is %g < 0",
                              abi->params[c->param[i]].name, d);
        }
        if (d > dmax) dmax = d;
    }
    double tol = 1e-10 * dmax;
    for (int j = 0; j < k; j++) {
        double d = c->mat[(size_t)j * (size_t)k + (size_t)j];
        for (int q = 0; q < j; q++) d -= c->chol[(size_t)j * (size_t)k + (size_t)q] * c->chol[(size_t)j * (size_t)k + (size_t)q];
        if (d < -tol)
            return mk_fail_at(err, MK_ERR_INVALID, path, m->line, m->col,
                              "the covariance is not positive semi-definite (Cholesky pivot %d, %s, is %g < 0): "
                              "a correlation beyond -1 .. 1?", j + 1, abi->params[c->param[j]].name, d);
        double ljj = d > tol ? sqrt(d) : 0.0;
        c->chol[(size_t)j * (size_t)k + (size_t)j] = ljj;
        for (int i = j + 1; i < k; i++) {
            double s = c->mat[(size_t)i * (size_t)k + (size_t)j];
            for (int q = 0; q < j; q++) s -= c->chol[(size_t)i * (size_t)k + (size_t)q] * c->chol[(size_t)j * (size_t)k + (size_t)q];
            if (ljj > 0) c->chol[(size_t)i * (size_t)k + (size_t)j] = s / ljj;
            else if (fabs(s) > sqrt(tol) * sqrt(fabs(c->mat[(size_t)i * (size_t)k + (size_t)i])) + tol)
                return mk_fail_at(err, MK_ERR_INVALID, path, m->line, m->col,
                                  "the covariance is not positive semi-definite: %s has no variance left but covaries "
                                  "with %s", abi->params[c->param[j]].name, abi->params[c->param[i]].name);
        }
    }
    return MK_OK;
}

static mk_status cov_parse(const char *path, const mk_ynode *root, const mk_model_abi *abi, cov_spec *c, mk_error *err)
{
    static const char *const top[] = {"parameters", "covariance", NULL}, *const keys[] = {"parameters", "space", "matrix", NULL};
    mk_status st = mk_ycheck_keys(path, &k_format, root, top, "in a parameter file", err);
    if (st) return st;
    const mk_ypair *cp = mk_yfind(root, "covariance");
    if (!cp)
        return mk_fail_at(err, MK_ERR_SYNTAX, path, root->line, root->col,
                          "no 'covariance:' block: a forecast needs one (myoknot fit writes it; docs/fit.md)");
    const mk_ynode *cov = cp->val, *names, *space, *mat;
    if (cov->kind != MK_Y_MAP)
        return mk_fail_at(err, MK_ERR_SYNTAX, path, cov->line, cov->col,
                          "expected a mapping with 'parameters', 'space' and 'matrix' under 'covariance', found %s",
                          mk_ykind_name(cov));
    if ((st = mk_ycheck_keys(path, &k_format, cov, keys, "under 'covariance'", err))) return st;
    int k = -1;
    if ((st = cov_list(path, cov, "parameters", &k, &names, err)) || (st = cov_list(path, cov, "space", &k, &space, err)) ||
        (st = cov_list(path, cov, "matrix", &k, &mat, err)))
        return st;
    c->k = k;
    c->param = mk_calloc((size_t)k, sizeof *c->param);
    c->log_scale = mk_calloc((size_t)k, sizeof *c->log_scale);
    c->mat = mk_calloc((size_t)k * (size_t)k, sizeof *c->mat);
    c->chol = mk_calloc((size_t)k * (size_t)k, sizeof *c->chol);
    if (!c->param || !c->log_scale || !c->mat || !c->chol) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    if ((st = cov_names(path, abi, names, space, c, err)) || (st = cov_matrix(path, mat, c, err))) return st;
    return cov_factor(path, mat, abi, c, err);
}

static mk_status cov_read(const char *path, const mk_model_abi *abi, cov_spec *c, mk_error *err)
{
    static const mk_text_kind kind = {.what = "a parameter file", .max_len = MK_MAX_PARAMS_FILE_BYTES};
    char *text = NULL;
    mk_ynode *root = NULL;
    mk_status st = mk_read_text_file(path, &kind, &text, NULL, err);
    if (!st && !(st = mk_yparse(path, text, &k_format, &root, err))) st = cov_parse(path, root, abi, c, err);
    mk_yfree(root);
    free(text);
    if (st) cov_free(c);
    return st;
}

/* ---------------------------------------------------------------- draws */

/* The protocol of one draw: the study's, with room for an override of every covariance
 * parameter (slot[j] is the one of parameter j); mean[j] its value in the study. */
typedef struct draw_proto {
    mk_protocol p;
    int *slot;
    double *mean;
} draw_proto;

static mk_status draw_proto_new(const mk_protocol *base, const mk_model_abi *abi, const cov_spec *c, draw_proto *d,
                                mk_error *err)
{
    d->p = *base; /* shares the study's arrays except params: the study outlives it */
    d->p.params = mk_calloc((size_t)(base->n_params + c->k), sizeof *d->p.params);
    d->slot = mk_calloc((size_t)c->k, sizeof *d->slot);
    d->mean = mk_calloc((size_t)c->k, sizeof *d->mean);
    if (!d->p.params || !d->slot || !d->mean) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    if (base->n_params) memcpy(d->p.params, base->params, (size_t)base->n_params * sizeof *base->params);
    for (int j = 0; j < c->k; j++) {
        d->slot[j] = -1;
        for (int i = 0; i < d->p.n_params; i++)
            if (d->p.params[i].param == c->param[j]) d->slot[j] = i;
        if (d->slot[j] < 0) {
            d->slot[j] = d->p.n_params++;
            d->p.params[d->slot[j]].param = c->param[j];
            d->p.params[d->slot[j]].value = abi->params[c->param[j]].value;
        }
        d->mean[j] = d->p.params[d->slot[j]].value;
    }
    return MK_OK;
}

static void draw_proto_free(draw_proto *d)
{
    free(d->p.params), free(d->slot), free(d->mean);
}

/* Draw number `draw`: x = mean + L z in the fitted coordinates, redrawn while outside a range.
 * A coordinate the draw leaves unchanged keeps the mean's exact value (no exp(ln x) round
 * trip), so a zero covariance reproduces the plain run bit for bit. */
static void draw_values(const cov_spec *c, const mk_model_abi *abi, const draw_proto *d, unsigned long long seed, int draw,
                        double *z, double *x)
{
    mk_stream st;
    mk_stream_init(&st, seed, (uint64_t)draw, MK_PURPOSE_FORECAST);
    int k = c->k;
    for (int tries = 0; tries < MAX_TRIES; tries++) {
        for (int j = 0; j < k; j++) z[j] = mk_stream_normal(&st);
        int inside = 1;
        for (int i = 0; i < k; i++) {
            double dx = 0;
            for (int j = 0; j <= i; j++) dx += c->chol[(size_t)i * (size_t)k + (size_t)j] * z[j];
            double m = d->mean[i];
            x[i] = dx == 0 ? m : c->log_scale[i] ? exp(log(m) + dx) : m + dx;
            const mk_symbol *s = &abi->params[c->param[i]];
            if (!(x[i] >= s->lo && x[i] <= s->hi)) inside = 0;
        }
        if (inside) return;
    }
    for (int i = 0; i < k; i++) {
        const mk_symbol *s = &abi->params[c->param[i]];
        x[i] = x[i] < s->lo ? s->lo : x[i] > s->hi ? s->hi : x[i];
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The q quantile of the n sorted values v (linear between order statistics). */
static double quantile(const double *v, int n, double q)
{
    if (n < 1) return NAN;
    double h = q * (n - 1);
    int i = (int)floor(h);
    if (i >= n - 1) return v[n - 1];
    return v[i] + (h - i) * (v[i + 1] - v[i]);
}

/* The rows of the forecast from the plain run: one per measurement. */
static mk_status rows_from_plain(const mk_run_result *plain, mk_forecast *f, mk_error *err)
{
    f->n_rows = plain->n_meas;
    f->rows = mk_calloc((size_t)(plain->n_meas ? plain->n_meas : 1), sizeof *f->rows);
    if (!f->rows) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    for (int i = 0; i < plain->n_meas; i++) {
        mk_forecast_row *r = &f->rows[i];
        const mk_meas_result *m = &plain->meas[i];
        r->t_s = m->t_s;
        snprintf(r->quantity, sizeof r->quantity, "%s", m->spec->label);
        snprintf(r->unit, sizeof r->unit, "%s", m->unit);
        r->plain = m->value;
        r->median = r->p5 = r->p95 = NAN;
    }
    return MK_OK;
}

static void summarise(mk_forecast *f, double *vals, int n)
{
    for (int i = 0; i < f->n_rows; i++) {
        double *v = vals + (size_t)i * (size_t)n;
        int m = 0;
        for (int d = 0; d < n; d++)
            if (isfinite(v[d])) v[m++] = v[d];
        qsort(v, (size_t)m, sizeof *v, cmp_double);
        mk_forecast_row *r = &f->rows[i];
        r->n = m;
        r->median = quantile(v, m, 0.5), r->p5 = quantile(v, m, 0.05), r->p95 = quantile(v, m, 0.95);
    }
}

static mk_status run_draws(const mk_study *s, const cov_spec *c, const mk_forecast_opts *o, mk_forecast *f, double *vals,
                           mk_error *err)
{
    const mk_model_abi *abi = mk_study_abi(s);
    draw_proto d = {0};
    double *z = mk_calloc((size_t)c->k, sizeof *z), *x = mk_calloc((size_t)c->k, sizeof *x);
    mk_status st = !z || !x ? mk_fail(err, MK_ERR_NOMEM, "out of memory") : draw_proto_new(mk_study_protocol(s), abi, c, &d, err);
    mk_sim_opts so = o->sim;
    unsigned long long seed = o->seed ? o->seed : mk_study_protocol(s)->seed;
    for (int n = 0; !st && n < o->n; n++) {
        draw_values(c, abi, &d, seed, n, z, x);
        for (int j = 0; j < c->k; j++) d.p.params[d.slot[j]].value = x[j];
        mk_run_result run;
        mk_error e = {0};
        /* a draw the solver cannot finish counts as failed; the others still make the band */
        if (mk_simulate(abi, &d.p, mk_study_anatomy(s), &so, &run, &e)) {
            f->failed++;
            for (int i = 0; i < f->n_rows; i++) vals[(size_t)i * (size_t)o->n + (size_t)n] = NAN;
            continue;
        }
        for (int i = 0; i < f->n_rows; i++)
            vals[(size_t)i * (size_t)o->n + (size_t)n] = i < run.n_meas ? run.meas[i].value : NAN;
        mk_run_result_free(&run);
    }
    draw_proto_free(&d);
    free(z), free(x);
    return st;
}

void mk_forecast_opts_default(mk_forecast_opts *o)
{
    memset(o, 0, sizeof *o);
    o->n = 100;
    mk_sim_opts_default(&o->sim);
}

mk_status mk_forecast_run(const mk_study *s, const char *params_path, const mk_forecast_opts *o, mk_forecast *out,
                          mk_error *err)
{
    if (!s || !params_path || !o || !out) return mk_fail(err, MK_ERR_INVALID, "mk_forecast_run: bad arguments");
    memset(out, 0, sizeof *out);
    if (o->n < 1 || o->n > MK_FORECAST_MAX_DRAWS)
        return mk_fail(err, MK_ERR_INVALID, "the forecast takes 1 .. %d draws, asked for %d", MK_FORECAST_MAX_DRAWS, o->n);
    const mk_model_abi *abi = mk_study_abi(s);
    cov_spec c = {0};
    mk_status st = cov_read(params_path, abi, &c, err);
    if (st) return st;
    mk_run_result plain;
    mk_sim_opts so = o->sim;
    if ((st = mk_simulate(abi, mk_study_protocol(s), mk_study_anatomy(s), &so, &plain, err))) {
        cov_free(&c);
        return st;
    }
    st = rows_from_plain(&plain, out, err);
    mk_run_result_free(&plain);
    out->draws = o->n;
    out->k = c.k;
    double *vals = st ? NULL : mk_calloc((size_t)(out->n_rows ? out->n_rows : 1) * (size_t)o->n, sizeof *vals);
    if (!st && !vals) st = mk_fail(err, MK_ERR_NOMEM, "out of memory");
    if (!st) st = run_draws(s, &c, o, out, vals, err);
    if (!st) summarise(out, vals, o->n);
    free(vals);
    cov_free(&c);
    if (st) mk_forecast_free(out);
    return st;
}

void mk_forecast_free(mk_forecast *f)
{
    if (!f) return;
    free(f->rows);
    memset(f, 0, sizeof *f);
}

mk_status mk_forecast_csv(const mk_forecast *f, mk_buf *b, mk_error *err)
{
    mk_buf_puts(b, "t_s,quantity,unit,plain,median,p5,p95,draws\n");
    for (int i = 0; i < f->n_rows; i++) {
        const mk_forecast_row *r = &f->rows[i];
        mk_buf_printf(b, "%.10g,\"", r->t_s);
        for (const char *q = r->quantity; *q; q++) mk_buf_printf(b, *q == '"' ? "\"\"" : "%c", *q);
        mk_buf_printf(b, "\",%s,%.10g,%.10g,%.10g,%.10g,%d\n", r->unit, r->plain, r->median, r->p5, r->p95, r->n);
    }
    return b->failed ? mk_fail(err, MK_ERR_NOMEM, "out of memory") : MK_OK;
}
