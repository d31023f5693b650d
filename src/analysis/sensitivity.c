/*
 * sensitivity.c -- Morris elementary effects (see sensitivity.h).
 */
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "analysis/common.h"
#include "analysis/sensitivity.h"
#include "core/error.h"
#include "protocol/results.h"
#include "protocol/simulate.h"

/* ---------------------------------------------------------------- random numbers */

static unsigned long long splitmix64(unsigned long long *x)
{
    unsigned long long z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void mk_rng_seed(mk_rng *g, unsigned long long seed)
{
    unsigned long long x = seed;
    for (int i = 0; i < 4; i++) g->s[i] = splitmix64(&x);
}

static unsigned long long rotl(unsigned long long x, int k)
{
    return (x << k) | (x >> (64 - k));
}

unsigned long long mk_rng_next(mk_rng *g)
{
    unsigned long long *s = g->s;
    unsigned long long r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

int mk_rng_below(mk_rng *g, int n)
{
    if (n <= 1) return 0;
    /* rejection sampling: no modulo bias */
    unsigned long long lim = ~0ULL - (~0ULL % (unsigned long long)n);
    unsigned long long x;
    do x = mk_rng_next(g);
    while (x >= lim);
    return (int)(x % (unsigned long long)n);
}

/* ---------------------------------------------------------------- setup */

void mk_morris_opts_default(mk_morris_opts *o)
{
    memset(o, 0, sizeof *o);
    o->trajectories = 4;
    o->levels = 4;
    o->seed = 1;
    mk_solver_opts_default(&o->solver);
}

void mk_morris_result_free(mk_morris_result *r)
{
    if (!r) return;
    free(r->factor);
    free(r->mu);
    free(r->mu_star);
    free(r->sigma);
    free(r->n_ee);
    memset(r, 0, sizeof *r);
}

static int matches(const char *globs, const char *name)
{
    if (!globs || !globs[0] || !strcmp(globs, "all")) return 1;
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

static double to_value(const mk_morris_factor *f, double u)
{
    if (f->log_scale) return exp(log(f->lo) + u * (log(f->hi) - log(f->lo)));
    return f->lo + u * (f->hi - f->lo);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The protocol of every run: the scenario's, with the outputs appended as measurements at
 * the end and (unless asked) a single output interval. */
typedef struct run_setup {
    mk_protocol p;            /* shallow copy; meas and params are ours */
    mk_measurement *meas;
    mk_param_override *params;
    int n_fixed;              /* overrides of the scenario that are kept */
    int meas_of[MK_MORRIS_MAX_OUTPUTS]; /* measurement index that gives output o */
} run_setup;

static mk_status setup_outputs(const mk_model_abi *abi, const mk_protocol *p, const char *list, run_setup *rs,
                               mk_morris_result *out, mk_error *err)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", list && list[0] ? list : "pain,ppt,stiffness");
    int n_extra = 0, last_ppt = -1;
    for (int i = 0; i < p->n_meas; i++)
        if (p->meas[i].kind == MK_MEAS_PPT) last_ppt = i;
    rs->meas = mk_calloc((size_t)p->n_meas + MK_MORRIS_MAX_OUTPUTS + 1, sizeof *rs->meas);
    if (!rs->meas) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    if (p->n_meas) memcpy(rs->meas, p->meas, (size_t)p->n_meas * sizeof *rs->meas);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') tok++;
        if (!*tok) continue;
        if (out->n_out == MK_MORRIS_MAX_OUTPUTS)
            return mk_fail(err, MK_ERR_INVALID, "at most %d outputs", MK_MORRIS_MAX_OUTPUTS);
        int o = out->n_out;
        snprintf(out->out_label[o], sizeof out->out_label[o], "%.31s", tok);
        if (!strcmp(tok, "ppt") && last_ppt >= 0) {
            rs->meas_of[o] = last_ppt;
            snprintf(out->out_name[o], sizeof out->out_name[o], "PPT '%.100s'", p->meas[last_ppt].label);
            snprintf(out->out_unit[o], sizeof out->out_unit[o], "kPa");
            out->n_out++;
            continue;
        }
        mk_measurement *m = &rs->meas[p->n_meas + n_extra];
        memset(m, 0, sizeof *m);
        m->t_s = p->duration_s;
        if (!strcmp(tok, "ppt")) {
            if (mk_abi_find(abi, MK_SYM_INPUT, "therapy.pressure") < 0 || mk_abi_find(abi, MK_SYM_INPUT, "therapy.area") < 0 ||
                mk_abi_find(abi, MK_SYM_VAR, "pain.evoked_margin") < 0)
                return mk_fail(err, MK_ERR_MODEL,
                               "output 'ppt': model '%s' lacks therapy.pressure, therapy.area or pain.evoked_margin",
                               abi->name);
            m->kind = MK_MEAS_PPT;
            m->arg = 98.0665; /* 1 kg/cm2/s */
            m->area_cm2 = 1.0;
            snprintf(m->label, sizeof m->label, "PPT at the end");
            snprintf(out->out_name[o], sizeof out->out_name[o], "PPT at the end (algometer ramp)");
            snprintf(out->out_unit[o], sizeof out->out_unit[o], "kPa");
        } else {
            const char *name = !strcmp(tok, "pain") ? "pain.local" : !strcmp(tok, "stiffness") ? "band.stiffness" : tok;
            int is = mk_abi_find(abi, MK_SYM_STATE, name), iv = mk_abi_find(abi, MK_SYM_VAR, name);
            if (is < 0 && iv < 0)
                return mk_fail(err, MK_ERR_NAME, "output '%s': model '%s' has no state or variable '%s'", tok, abi->name,
                               name);
            m->kind = MK_MEAS_OUTPUT;
            snprintf(m->output, sizeof m->output, "%s", name);
            snprintf(m->label, sizeof m->label, "%.63s", tok);
            snprintf(out->out_name[o], sizeof out->out_name[o], "%s at the end", name);
            snprintf(out->out_unit[o], sizeof out->out_unit[o], "%.31s", is >= 0 ? abi->states[is].unit : abi->vars[iv].unit);
        }
        rs->meas_of[o] = p->n_meas + n_extra;
        n_extra++;
        out->n_out++;
    }
    if (out->n_out == 0) return mk_fail(err, MK_ERR_INVALID, "no outputs named");
    rs->p.meas = rs->meas;
    rs->p.n_meas = p->n_meas + n_extra;
    return MK_OK;
}

/* one run with the factors at u (unit coordinates); y[o] NaN where it failed */
static int one_run(const mk_model_abi *abi, run_setup *rs, const mk_anatomy *anat, const mk_morris_opts *o,
                   const mk_morris_result *r, const double *u, double *y, char *fail, size_t fail_size)
{
    for (int i = 0; i < r->k; i++) {
        mk_param_override *po = &rs->params[rs->n_fixed + i];
        po->param = r->factor[i].param;
        po->value = to_value(&r->factor[i], u[i]);
        po->line = po->col = 0;
    }
    mk_sim_opts so;
    mk_sim_opts_default(&so);
    so.solver = o->solver;
    mk_run_result res;
    mk_error err = {0};
    int ok = mk_simulate(abi, &rs->p, anat, &so, &res, &err) == MK_OK;
    for (int k = 0; k < r->n_out; k++) {
        int m = rs->meas_of[k];
        y[k] = ok && m < res.n_meas ? res.meas[m].value : NAN;
    }
    if (ok) mk_run_result_free(&res);
    else if (fail && !fail[0]) snprintf(fail, fail_size, "%.500s", err.message);
    return ok;
}

mk_status mk_morris_run(const mk_model_abi *abi, const mk_protocol *p, const mk_anatomy *anat,
                        const mk_morris_opts *o, mk_morris_result *out, mk_error *err)
{
    memset(out, 0, sizeof *out);
    if (!abi || !p || !o) return mk_fail(err, MK_ERR_INVALID, "mk_morris_run: missing argument");
    if (o->trajectories < 1) return mk_fail(err, MK_ERR_INVALID, "at least one trajectory is needed");
    if (o->levels < 2 || o->levels % 2) return mk_fail(err, MK_ERR_INVALID, "levels must be even and at least 2, got %d", o->levels);
    out->abi = abi;
    out->trajectories = o->trajectories;
    out->levels = o->levels;
    out->delta = o->levels / (2.0 * (o->levels - 1));
    out->seed = o->seed;

    run_setup rs;
    memset(&rs, 0, sizeof rs);
    rs.p = *p;
    mk_status rc = MK_OK;
    double *u = NULL, *y_prev = NULL, *y = NULL, *sum = NULL, *sumsq = NULL;
    int *order = NULL;

    /* the factors */
    out->factor = mk_calloc((size_t)abi->n_params + 1, sizeof *out->factor);
    if (!out->factor) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
    int matched = 0;
    for (int i = 0; !rc && i < abi->n_params; i++) {
        const mk_symbol *s = &abi->params[i];
        if (!matches(o->params, s->name)) continue;
        matched++;
        if (!isfinite(s->lo) || !isfinite(s->hi) || !(s->hi > s->lo)) {
            out->n_skipped++;
            continue;
        }
        mk_morris_factor *f = &out->factor[out->k++];
        f->param = i;
        f->lo = s->lo;
        f->hi = s->hi;
        f->log_scale = s->lo > 0 && s->hi / s->lo > 100;
    }
    if (!rc && matched == 0)
        rc = mk_fail(err, MK_ERR_NAME, "no parameter of model '%s' matches '%s'", abi->name, o->params ? o->params : "all");
    if (!rc && out->k == 0) rc = mk_fail(err, MK_ERR_INVALID, "none of the %d matching parameters has a usable range", matched);
    if (!rc) rc = setup_outputs(abi, p, o->outputs, &rs, out, err);
    if (!rc && !o->keep_output_rows) rs.p.output_every_s = p->duration_s;

    /* parameter overrides: the scenario's for parameters not screened, then the factors */
    if (!rc) {
        rs.params = mk_calloc((size_t)p->n_params + (size_t)out->k + 1, sizeof *rs.params);
        if (!rs.params) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
    }
    for (int j = 0; !rc && j < p->n_params; j++) {
        int screened = 0;
        for (int i = 0; i < out->k; i++) screened |= out->factor[i].param == p->params[j].param;
        if (!screened) rs.params[rs.n_fixed++] = p->params[j];
    }
    rs.p.params = rs.params;
    rs.p.n_params = rs.n_fixed + out->k;

    int k = out->k, no = out->n_out;
    if (!rc) {
        u = mk_calloc((size_t)k + 1, sizeof *u);
        order = mk_calloc((size_t)k + 1, sizeof *order);
        y_prev = mk_calloc(MK_MORRIS_MAX_OUTPUTS, sizeof *y_prev);
        y = mk_calloc(MK_MORRIS_MAX_OUTPUTS, sizeof *y);
        sum = mk_calloc((size_t)k * (size_t)no + 1, sizeof *sum);
        sumsq = mk_calloc((size_t)k * (size_t)no + 1, sizeof *sumsq);
        out->mu = mk_calloc((size_t)k * (size_t)no + 1, sizeof *out->mu);
        out->mu_star = mk_calloc((size_t)k * (size_t)no + 1, sizeof *out->mu_star);
        out->sigma = mk_calloc((size_t)k * (size_t)no + 1, sizeof *out->sigma);
        out->n_ee = mk_calloc((size_t)k * (size_t)no + 1, sizeof *out->n_ee);
        if (!u || !order || !y_prev || !y || !sum || !sumsq || !out->mu || !out->mu_star || !out->sigma ||
            !out->n_ee)
            rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
    }
    if (rc) goto done;

    double t0 = now_s();
    int total = 1 + o->trajectories * (k + 1), done_runs = 0;
    /* the baseline: every parameter at the scenario's (or the model's) value */
    {
        /* factors at their defaults, the scenario's override where it has one */
        for (int i = 0; i < k; i++) {
            double v = abi->params[out->factor[i].param].value;
            for (int j = 0; j < p->n_params; j++)
                if (p->params[j].param == out->factor[i].param) v = p->params[j].value;
            rs.params[rs.n_fixed + i].param = out->factor[i].param;
            rs.params[rs.n_fixed + i].value = v;
        }
        mk_sim_opts so;
        mk_sim_opts_default(&so);
        so.solver = o->solver;
        mk_run_result res;
        mk_error e2 = {0};
        if (mk_simulate(abi, &rs.p, anat, &so, &res, &e2)) {
            rc = mk_fail(err, e2.code ? e2.code : MK_ERR_SOLVER, "the baseline run failed: %s", e2.message);
            goto done;
        }
        for (int q = 0; q < no; q++) out->base[q] = rs.meas_of[q] < res.n_meas ? res.meas[rs.meas_of[q]].value : NAN;
        mk_run_result_free(&res);
        out->runs++;
        done_runs++;
        if (o->progress) o->progress(o->progress_ctx, done_runs, total, now_s() - t0);
    }

    mk_rng g;
    mk_rng_seed(&g, o->seed);
    int half = o->levels / 2;
    double step = 1.0 / (o->levels - 1), delta = out->delta;
    for (int t = 0; t < o->trajectories; t++) {
        /* base point on the grid {0, 1/(p-1), ..., 1 - delta}, direction and order at random */
        for (int i = 0; i < k; i++) {
            double base = mk_rng_below(&g, half) * step;
            u[i] = mk_rng_below(&g, 2) ? base : base + delta;
            order[i] = i;
        }
        for (int i = k - 1; i > 0; i--) { /* Fisher-Yates */
            int j = mk_rng_below(&g, i + 1), tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        out->failed += !one_run(abi, &rs, anat, o, out, u, y_prev, out->first_failure, sizeof out->first_failure);
        out->runs++;
        done_runs++;
        if (o->progress) o->progress(o->progress_ctx, done_runs, total, now_s() - t0);
        for (int s = 0; s < k; s++) {
            int i = order[s];
            double before = u[i];
            /* every base lies below delta (base <= 1 - delta < delta): a coordinate at its base
             * moves up by delta, one at base + delta moves down */
            u[i] = before < delta - 1e-12 ? before + delta : before - delta;
            double du = u[i] - before;
            out->failed += !one_run(abi, &rs, anat, o, out, u, y, out->first_failure, sizeof out->first_failure);
            out->runs++;
            done_runs++;
            if (o->progress) o->progress(o->progress_ctx, done_runs, total, now_s() - t0);
            for (int q = 0; q < no; q++) {
                double ee = (y[q] - y_prev[q]) / du;
                if (!isfinite(ee)) continue;
                size_t at = (size_t)i * (size_t)no + (size_t)q;
                sum[at] += ee;
                sumsq[at] += ee * ee;
                out->mu_star[at] += fabs(ee);
                out->n_ee[at]++;
            }
            memcpy(y_prev, y, MK_MORRIS_MAX_OUTPUTS * sizeof *y);
        }
    }
    for (size_t at = 0; at < (size_t)k * (size_t)no; at++) {
        int n = out->n_ee[at];
        if (n == 0) {
            out->mu[at] = out->mu_star[at] = out->sigma[at] = NAN;
            continue;
        }
        out->mu[at] = sum[at] / n;
        out->mu_star[at] /= n;
        double var = n > 1 ? (sumsq[at] - n * out->mu[at] * out->mu[at]) / (n - 1) : NAN;
        out->sigma[at] = n > 1 ? sqrt(fmax(var, 0.0)) : NAN;
    }
    out->wall_s = now_s() - t0;
done:
    free(rs.meas);
    free(rs.params);
    free(u);
    free(order);
    free(y_prev);
    free(y);
    free(sum);
    free(sumsq);
    if (rc) mk_morris_result_free(out);
    return rc;
}

/* ---------------------------------------------------------------- ranking and output */

int *mk_morris_rank(const mk_morris_result *r, int o)
{
    int *idx = mk_calloc((size_t)r->k + 1, sizeof *idx);
    if (!idx) return NULL;
    for (int i = 0; i < r->k; i++) idx[i] = i;
    /* insertion sort, stable, NaN last; no static context as qsort would need */
    for (int a = 1; a < r->k; a++) {
        int v = idx[a], b = a - 1;
        double x = r->mu_star[(size_t)v * (size_t)r->n_out + (size_t)o];
        if (isnan(x)) x = -1;
        while (b >= 0) {
            double w = r->mu_star[(size_t)idx[b] * (size_t)r->n_out + (size_t)o];
            if (isnan(w)) w = -1;
            if (w >= x) break;
            idx[b + 1] = idx[b];
            b--;
        }
        idx[b + 1] = v;
    }
    return idx;
}

static void csv_num(mk_buf *b, double v)
{
    if (isnan(v)) mk_buf_puts(b, ",");
    else mk_buf_printf(b, ",%.8g", v);
}

mk_status mk_morris_write_csv(const mk_morris_result *r, mk_buf *b, mk_error *err)
{
    mk_buf_puts(b, "output,measured,output_unit,rank,parameter,unit,lo,hi,scale,default,mu_star,mu,sigma,n_ee,"
                   "mu_star_normalised\n");
    for (int o = 0; o < r->n_out; o++) {
        int *idx = mk_morris_rank(r, o);
        if (!idx) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
        double top = r->k > 0 ? r->mu_star[(size_t)idx[0] * (size_t)r->n_out + (size_t)o] : NAN;
        for (int n = 0; n < r->k; n++) {
            int i = idx[n];
            const mk_morris_factor *f = &r->factor[i];
            const mk_symbol *s = &r->abi->params[f->param];
            size_t at = (size_t)i * (size_t)r->n_out + (size_t)o;
            mk_buf_printf(b, "%s,\"%s\",%s,%d,%s,%s", r->out_label[o], r->out_name[o], r->out_unit[o], n + 1, s->name,
                          s->unit);
            csv_num(b, f->lo);
            csv_num(b, f->hi);
            mk_buf_printf(b, ",%s", f->log_scale ? "log" : "linear");
            csv_num(b, s->value);
            csv_num(b, r->mu_star[at]);
            csv_num(b, r->mu[at]);
            csv_num(b, r->sigma[at]);
            mk_buf_printf(b, ",%d", r->n_ee[at]);
            csv_num(b, top > 0 ? r->mu_star[at] / top : NAN);
            mk_buf_puts(b, "\n");
        }
        free(idx);
    }
    if (b->failed) return mk_fail(err, MK_ERR_NOMEM, "out of memory writing sensitivity.csv");
    return MK_OK;
}

static void fit(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fit(char *dst, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, size, fmt, ap);
    va_end(ap);
}

mk_status mk_morris_write_figure(const mk_morris_result *r, int top, const char *path, mk_error *err)
{
    int n_show = r->k < top ? r->k : top;
    if (n_show < 1) n_show = 1;
    mk_plot_bars *f = mk_calloc(1, sizeof *f);
    const char **names = mk_calloc((size_t)r->n_out * (size_t)n_show + 1, sizeof *names);
    double *val = mk_calloc((size_t)r->n_out * (size_t)n_show + 1, sizeof *val);
    double *sec = mk_calloc((size_t)r->n_out * (size_t)n_show + 1, sizeof *sec);
    mk_status rc = MK_OK;
    if (!f || !names || !val || !sec) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory for the sensitivity figure");
    for (int o = 0; !rc && o < r->n_out && o < MK_PLOT_MAX_PANELS; o++) {
        int *idx = mk_morris_rank(r, o);
        if (!idx) {
            rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
            break;
        }
        mk_plot_bar_panel *p = &f->panel[f->n_panels++];
        size_t off = (size_t)o * (size_t)n_show;
        p->n = r->k < n_show ? r->k : n_show;
        for (int n = 0; n < p->n; n++) {
            size_t at = (size_t)idx[n] * (size_t)r->n_out + (size_t)o;
            names[off + n] = r->abi->params[r->factor[idx[n]].param].name;
            val[off + n] = r->mu_star[at];
            sec[off + n] = r->sigma[at];
        }
        p->names = names + off;
        p->value = val + off;
        p->second = sec + off;
        if (r->out_unit[o][0] && strcmp(r->out_unit[o], "1"))
            fit(p->title, sizeof p->title, "%s: %s (%s)", r->out_label[o], r->out_name[o], r->out_unit[o]);
        else fit(p->title, sizeof p->title, "%s: %s", r->out_label[o], r->out_name[o]);
        free(idx);
    }
    if (!rc) {
        fit(f->title, sizeof f->title,
            "Morris screening of %d parameters, %d trajectories (%d runs): the top %d by mu*, the mean absolute effect "
            "of a parameter across its plausible range",
            r->k, r->trajectories, r->runs, n_show);
        snprintf(f->value_label, sizeof f->value_label, "mu*");
        snprintf(f->second_label, sizeof f->second_label, "sigma");
        rc = mk_plot_bars_write(f, path, err);
    }
    free(f);
    free(names);
    free(val);
    free(sec);
    return rc;
}
