/*
 * sens_result.c -- the results of Morris screening and Sobol indices as opaque handles: the
 * public run functions, accessors and the text account the command prints (moved here from
 * the command, so that every client gets the same account from the same numbers).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/sensitivity.h"
#include "core/alloc.h"
#include "core/error.h"

/* ---------------------------------------------------------------- Morris */

mk_status mk_morris_run(const mk_model_abi *abi, const mk_protocol *p, const mk_anatomy *anat,
                        const mk_morris_opts *o, mk_morris_result **out, mk_error *err)
{
    if (!out) return mk_fail(err, MK_ERR_INVALID, "mk_morris_run: missing argument");
    *out = mk_calloc(1, sizeof **out);
    if (!*out) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_status rc = mk_morris_compute(abi, p, anat, o, *out, err);
    if (rc) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

void mk_morris_result_free(mk_morris_result *r)
{
    mk_morris_result_clear(r);
    free(r);
}

int mk_morris_result_factors(const mk_morris_result *r) { return r ? r->k : 0; }
int mk_morris_result_outputs(const mk_morris_result *r) { return r ? r->n_out : 0; }
double mk_morris_result_wall_s(const mk_morris_result *r) { return r ? r->wall_s : NAN; }

double mk_morris_result_base(const mk_morris_result *r, int o)
{
    return r && o >= 0 && o < r->n_out ? r->base[o] : NAN;
}

int mk_morris_result_runs(const mk_morris_result *r, int *failed)
{
    if (failed) *failed = r ? r->failed : 0;
    return r ? r->runs : 0;
}

mk_status mk_morris_result_factor(const mk_morris_result *r, int i, mk_morris_factor *out, mk_error *err)
{
    if (!r || !out || i < 0 || i >= r->k)
        return mk_fail(err, MK_ERR_INVALID, "factor %d: out of range (%d factors)", i, r ? r->k : 0);
    *out = r->factor[i];
    return MK_OK;
}

/* output o's label, name and unit from the three tables both results carry */
static const char *output(int n_out, const char (*label)[32], const char (*name)[128], const char (*unit)[32], int o,
                          const char **name_out, const char **unit_out)
{
    int ok = o >= 0 && o < n_out;
    if (name_out) *name_out = ok ? name[o] : NULL;
    if (unit_out) *unit_out = ok ? unit[o] : NULL;
    return ok ? label[o] : NULL;
}

const char *mk_morris_result_output(const mk_morris_result *r, int o, const char **name, const char **unit)
{
    if (!r) return output(0, NULL, NULL, NULL, o, name, unit);
    return output(r->n_out, r->out_label, r->out_name, r->out_unit, o, name, unit);
}

mk_status mk_morris_result_effects(const mk_morris_result *r, int o, double *mu_star, double *mu, double *sigma,
                                   int *n_ee, mk_error *err)
{
    if (!r || o < 0 || o >= r->n_out)
        return mk_fail(err, MK_ERR_INVALID, "output %d: out of range (%d outputs)", o, r ? r->n_out : 0);
    for (int i = 0; i < r->k; i++) {
        size_t at = (size_t)i * (size_t)r->n_out + (size_t)o;
        if (mu_star) mu_star[i] = r->mu_star[at];
        if (mu) mu[i] = r->mu[at];
        if (sigma) sigma[i] = r->sigma[at];
        if (n_ee) n_ee[i] = r->n_ee[at];
    }
    return MK_OK;
}

static void morris_table(const mk_morris_result *r, int o, int top, mk_buf *b)
{
    int *idx = mk_morris_rank(r, o);
    if (!idx) return;
    mk_buf_printf(b, "\n%s: %s [%s]; baseline %.4g\n", r->out_label[o], r->out_name[o], r->out_unit[o], r->base[o]);
    mk_buf_printf(b, "  %4s  %-28s %12s %12s %12s %3s  %-6s  %s\n", "rank", "parameter", "mu*", "mu", "sigma", "n",
                  "scale", "range");
    int n = r->k < top ? r->k : top;
    for (int j = 0; j < n; j++) {
        int i = idx[j];
        size_t at = (size_t)i * (size_t)r->n_out + (size_t)o;
        const mk_morris_factor *f = &r->factor[i];
        const mk_symbol *s = &r->abi->params[f->param];
        mk_buf_printf(b, "  %4d  %-28s %12.4g %12.4g %12.4g %3d  %-6s  %g .. %g %s\n", j + 1, s->name, r->mu_star[at],
                      r->mu[at], r->sigma[at], r->n_ee[at], f->log_scale ? "log" : "linear", f->lo, f->hi, s->unit);
    }
    free(idx);
}

void mk_morris_write_text(const mk_morris_result *r, const mk_protocol *p, int top, mk_buf *text)
{
    int nl = 0;
    for (int i = 0; i < r->k; i++) nl += r->factor[i].log_scale;
    mk_buf_printf(text, "Morris screening of %d parameters (%d on a log scale, %d linear%s), %d trajectories of %d "
                        "levels (delta %.3g of the range), seed %llu\n",
                  r->k, nl, r->k - nl, r->n_skipped ? "; some without a usable range skipped" : "", r->trajectories,
                  r->levels, r->delta, r->seed);
    if (r->n_skipped) mk_buf_printf(text, "  %d matching parameters have no usable range and were not varied\n", r->n_skipped);
    mk_buf_printf(text, "scenario '%s', model %s; effects in each output's unit per whole plausible range; n: the\n"
                        "elementary effects behind each row (runs that failed or gave no value are left out)\n",
                  mk_protocol_name(p), r->abi->name);
    for (int o = 0; o < r->n_out; o++) morris_table(r, o, top, text);
    mk_buf_printf(text, "\nruns: %d (%d failed and left out) in %.1f s on %d worker%s, %.3f s per run\n", r->runs,
                  r->failed, r->wall_s, r->jobs, r->jobs == 1 ? "" : "s", r->runs ? r->wall_s / r->runs : 0.0);
    if (r->failed) mk_buf_printf(text, "first failure: %s\n", r->first_failure);
}

/* ---------------------------------------------------------------- Sobol */

mk_status mk_sobol_run(const mk_model_abi *abi, const mk_protocol *p, const mk_anatomy *anat,
                       const mk_sobol_opts *o, mk_sobol_result **out, mk_error *err)
{
    if (!out) return mk_fail(err, MK_ERR_INVALID, "mk_sobol_run: missing argument");
    *out = mk_calloc(1, sizeof **out);
    if (!*out) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_status rc = mk_sobol_compute(abi, p, anat, o, *out, err);
    if (rc) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

void mk_sobol_result_free(mk_sobol_result *r)
{
    mk_sobol_result_clear(r);
    free(r);
}

int mk_sobol_result_factors(const mk_sobol_result *r) { return r ? r->k : 0; }
int mk_sobol_result_outputs(const mk_sobol_result *r) { return r ? r->n_out : 0; }
double mk_sobol_result_wall_s(const mk_sobol_result *r) { return r ? r->wall_s : NAN; }

double mk_sobol_result_base(const mk_sobol_result *r, int o)
{
    return r && o >= 0 && o < r->n_out ? r->base[o] : NAN;
}

int mk_sobol_result_runs(const mk_sobol_result *r, int *failed)
{
    if (failed) *failed = r ? r->failed : 0;
    return r ? r->runs : 0;
}

mk_status mk_sobol_result_factor(const mk_sobol_result *r, int i, mk_morris_factor *out, mk_error *err)
{
    if (!r || !out || i < 0 || i >= r->k)
        return mk_fail(err, MK_ERR_INVALID, "factor %d: out of range (%d factors)", i, r ? r->k : 0);
    *out = r->factor[i];
    return MK_OK;
}

const char *mk_sobol_result_output(const mk_sobol_result *r, int o, const char **name, const char **unit)
{
    if (!r) return output(0, NULL, NULL, NULL, o, name, unit);
    return output(r->n_out, r->out_label, r->out_name, r->out_unit, o, name, unit);
}

mk_status mk_sobol_result_indices(const mk_sobol_result *r, int o, double *s1, double *s1_lo, double *s1_hi,
                                  double *st, double *st_lo, double *st_hi, int *n_rows, mk_error *err)
{
    if (!r || o < 0 || o >= r->n_out)
        return mk_fail(err, MK_ERR_INVALID, "output %d: out of range (%d outputs)", o, r ? r->n_out : 0);
    for (int i = 0; i < r->k; i++) {
        size_t at = (size_t)i * (size_t)r->n_out + (size_t)o;
        if (s1) s1[i] = r->s1[at];
        if (s1_lo) s1_lo[i] = r->s1_lo[at];
        if (s1_hi) s1_hi[i] = r->s1_hi[at];
        if (st) st[i] = r->st[at];
        if (st_lo) st_lo[i] = r->st_lo[at];
        if (st_hi) st_hi[i] = r->st_hi[at];
        if (n_rows) n_rows[i] = r->n_rows[at];
    }
    return MK_OK;
}

static void sobol_table(const mk_sobol_result *r, int o, int top, mk_buf *b)
{
    int *idx = mk_sobol_rank(r, o);
    if (!idx) return;
    mk_buf_printf(b, "\n%s: %s [%s]; baseline %.4g, mean %.4g, variance %.4g (%d of %d rows with f(A) and f(B))\n",
                  r->out_label[o],
                  r->out_name[o], r->out_unit[o], r->base[o], r->mean[o], r->var[o], r->n_used[o], r->samples);
    mk_buf_printf(b, "  %4s  %-28s %8s %19s %8s %19s %5s  %-6s  %s\n", "rank", "parameter", "S1", "95% interval", "ST",
                  "95% interval", "rows", "scale", "range");
    int n = r->k < top ? r->k : top;
    for (int j = 0; j < n; j++) {
        int i = idx[j];
        size_t at = (size_t)i * (size_t)r->n_out + (size_t)o;
        const mk_morris_factor *f = &r->factor[i];
        const mk_symbol *s = &r->abi->params[f->param];
        mk_buf_printf(b, "  %4d  %-28s %8.3f  [%7.3f, %7.3f] %8.3f  [%7.3f, %7.3f] %5d  %-6s  %g .. %g %s\n", j + 1,
                      s->name, r->s1[at], r->s1_lo[at], r->s1_hi[at], r->st[at], r->st_lo[at], r->st_hi[at],
                      r->n_rows[at], f->log_scale ? "log" : "linear", f->lo, f->hi, s->unit);
    }
    free(idx);
}

void mk_sobol_write_text(const mk_sobol_result *r, const mk_protocol *p, int top, mk_buf *text)
{
    int nl = 0;
    for (int i = 0; i < r->k; i++) nl += r->factor[i].log_scale;
    mk_buf_printf(text, "Sobol indices of %d parameters (%d on a log scale, %d linear), N = %d base samples of GSL's "
                        "Sobol sequence, %d bootstrap resamples (seed %llu)\n",
                  r->k, nl, r->k - nl, r->samples, r->bootstrap, r->seed);
    if (r->n_skipped) mk_buf_printf(text, "  %d matching parameters have no usable range and were not varied\n", r->n_skipped);
    mk_buf_printf(text, "scenario '%s', model %s; S1: share of the output's variance a parameter explains alone\n"
                        "(Saltelli 2010), ST: with all its interactions (Jansen); 95 %% bootstrap percentile intervals;\n"
                        "rows: the base samples behind each (a failed run leaves its row out)\n",
                  mk_protocol_name(p), r->abi->name);
    for (int o = 0; o < r->n_out; o++) sobol_table(r, o, top, text);
    mk_buf_printf(text, "\nruns: %d (%d failed) in %.1f s on %d worker%s, %.3f s per run\n", r->runs, r->failed,
                  r->wall_s, r->jobs, r->jobs == 1 ? "" : "s", r->runs ? r->wall_s / r->runs : 0.0);
    if (r->failed) mk_buf_printf(text, "first failure: %s\n", r->first_failure);
}
