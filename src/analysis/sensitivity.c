/*
 * sensitivity.c -- Morris elementary effects (see sensitivity.h).
 */
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "analysis/common.h"
#include "analysis/sens_run.h"
#include "analysis/sensitivity.h"
#include "core/workers.h"
#include "core/error.h"
#include "core/site.h"
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
    o->jobs = 1;
    mk_solver_opts_default(&o->solver);
}

void mk_morris_result_clear(mk_morris_result *r)
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

double mk_sens_to_value(const mk_morris_factor *f, double u)
{
    if (f->log_scale) return exp(log(f->lo) + u * (log(f->hi) - log(f->lo)));
    return f->lo + u * (f->hi - f->lo);
}

/* Output o as the value of state or variable sym at the end: measurement m, named and with
 * its unit (out_label[o] already set: it labels the measurement). */
static void output_meas(const mk_model_abi *abi, const char *sym, mk_measurement *m, mk_sens_run *rs, int o)
{
    int is = mk_abi_find(abi, MK_SYM_STATE, sym), iv = mk_abi_find(abi, MK_SYM_VAR, sym);
    m->kind = MK_MEAS_OUTPUT;
    snprintf(m->output, sizeof m->output, "%s", sym);
    snprintf(m->label, sizeof m->label, "%.63s", rs->out_label[o]);
    snprintf(rs->out_name[o], sizeof rs->out_name[o], "%s at the end", sym);
    snprintf(rs->out_unit[o], sizeof rs->out_unit[o], "%.31s",
             is >= 0 ? abi->states[is].unit : iv >= 0 ? abi->vars[iv].unit : "");
}

/* One output of a named kind (ppt, pain, stiffness) at site i of a scenario with several sites
 * (prefix "levator_scapulae_r"), or at the only site (prefix ""): appended to rs.  The PPT is
 * the scenario's last PPT measurement at that site, or else an algometer ramp there at the end;
 * pain and stiffness are the site's own variables at the end. */
static mk_status add_site_output(const mk_model_abi *abi, const mk_protocol *p, const char *kind, int i,
                                 const char *prefix, mk_sens_run *rs, int *n_extra, mk_error *err)
{
    if (rs->n_out == MK_MORRIS_MAX_OUTPUTS)
        return mk_fail(err, MK_ERR_INVALID, "at most %d outputs", MK_MORRIS_MAX_OUTPUTS);
    int o = rs->n_out, is_ppt = !strcmp(kind, "ppt");
    if (prefix[0]) snprintf(rs->out_label[o], sizeof rs->out_label[o], "%s %.22s", kind, prefix);
    else snprintf(rs->out_label[o], sizeof rs->out_label[o], "%.31s", kind);
    int last_ppt = -1;
    for (int j = 0; is_ppt && j < p->n_meas; j++)
        if (p->meas[j].kind == MK_MEAS_PPT && p->meas[j].site_index == i) last_ppt = j;
    if (last_ppt >= 0) {
        rs->meas_of[o] = last_ppt;
        snprintf(rs->out_name[o], sizeof rs->out_name[o], "PPT '%.100s'", p->meas[last_ppt].label);
        snprintf(rs->out_unit[o], sizeof rs->out_unit[o], "kPa");
        rs->n_out++;
        return MK_OK;
    }
    mk_site site;
    if (prefix[0]) mk_site_resolve_prefix(abi, prefix, &site);
    else mk_site_resolve(abi, &site);
    mk_site_label l = is_ppt ? MK_L_PAIN_EVOKED_MARGIN : !strcmp(kind, "pain") ? MK_L_PAIN_LOCAL : MK_L_BAND_STIFFNESS;
    unsigned need = MK_SITE_BIT(l) | (is_ppt ? MK_SITE_BIT(MK_L_THERAPY_PRESSURE) | MK_SITE_BIT(MK_L_THERAPY_AREA) : 0);
    char what[96];
    snprintf(what, sizeof what, "output '%s'%s%s", kind, is_ppt ? " (an algometer ramp)" : "", prefix[0] ? " at a site" : "");
    mk_status rc = mk_site_require(&site, need, what, NULL, 0, 0, err);
    if (rc) return rc;
    mk_measurement *m = &rs->meas[p->n_meas + *n_extra];
    memset(m, 0, sizeof *m);
    m->t_s = p->duration_s;
    snprintf(m->site, sizeof m->site, "%s", prefix);
    m->site_index = i;
    const char *sym = mk_site_symbol(&site, l);
    if (is_ppt) {
        m->kind = MK_MEAS_PPT;
        m->arg = 98.0665; /* 1 kg/cm2/s */
        m->area_cm2 = 1.0;
        snprintf(m->label, sizeof m->label, "PPT at the end%s%.40s", prefix[0] ? " at " : "", prefix);
        snprintf(rs->out_name[o], sizeof rs->out_name[o], "PPT at the end (algometer ramp)%s%.60s",
                 prefix[0] ? " at " : "", prefix);
        snprintf(rs->out_unit[o], sizeof rs->out_unit[o], "kPa");
    } else {
        output_meas(abi, sym, m, rs, o);
    }
    rs->meas_of[o] = p->n_meas + (*n_extra)++;
    rs->n_out++;
    return MK_OK;
}

/* A state or variable named by the user, at the end. */
static mk_status add_named_output(const mk_model_abi *abi, const mk_protocol *p, const char *name, mk_sens_run *rs,
                                  int *n_extra, mk_error *err)
{
    if (rs->n_out == MK_MORRIS_MAX_OUTPUTS)
        return mk_fail(err, MK_ERR_INVALID, "at most %d outputs", MK_MORRIS_MAX_OUTPUTS);
    if (mk_abi_find(abi, MK_SYM_STATE, name) < 0 && mk_abi_find(abi, MK_SYM_VAR, name) < 0)
        return mk_fail(err, MK_ERR_NAME, "output '%s': model '%s' has no state or variable '%s'", name, abi->name,
                       name);
    int o = rs->n_out;
    mk_measurement *m = &rs->meas[p->n_meas + *n_extra];
    memset(m, 0, sizeof *m);
    m->t_s = p->duration_s;
    snprintf(rs->out_label[o], sizeof rs->out_label[o], "%.31s", name);
    output_meas(abi, name, m, rs, o);
    rs->meas_of[o] = p->n_meas + (*n_extra)++;
    rs->n_out++;
    return MK_OK;
}

/* The protocol of every run: the scenario's, with the outputs appended as measurements at
 * the end and (unless asked) a single output interval.  The outputs pain, stiffness and ppt
 * are a site's: with several sites each stands for one output per site. */
static mk_status setup_outputs(const mk_model_abi *abi, const mk_protocol *p, const char *list, mk_sens_run *rs,
                               mk_error *err)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", list && list[0] ? list : "pain,ppt,stiffness");
    int n_extra = 0;
    rs->meas = mk_calloc((size_t)p->n_meas + MK_MORRIS_MAX_OUTPUTS + 1, sizeof *rs->meas);
    if (!rs->meas) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    if (p->n_meas) memcpy(rs->meas, p->meas, (size_t)p->n_meas * sizeof *rs->meas);
    char *save = NULL;
    mk_status rc = MK_OK;
    for (char *tok = strtok_r(buf, ",", &save); !rc && tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') tok++;
        if (!*tok) continue;
        if (strcmp(tok, "ppt") && strcmp(tok, "pain") && strcmp(tok, "stiffness")) {
            rc = add_named_output(abi, p, tok, rs, &n_extra, err);
            continue;
        }
        if (p->n_sites < 2) {
            rc = add_site_output(abi, p, tok, 0, "", rs, &n_extra, err);
            continue;
        }
        for (int i = 0; !rc && i < p->n_sites && i < MK_MAX_SITES; i++) {
            char prefix[64];
            snprintf(prefix, sizeof prefix, "%.48s_%.1s", p->sites[i].muscle, p->sites[i].side);
            rc = add_site_output(abi, p, tok, i, prefix, rs, &n_extra, err);
        }
    }
    if (rc) return rc;
    if (rs->n_out == 0) return mk_fail(err, MK_ERR_INVALID, "no outputs named");
    rs->p.meas = rs->meas;
    rs->p.n_meas = p->n_meas + n_extra;
    return MK_OK;
}

static mk_status setup_factors(const mk_model_abi *abi, const char *params, mk_sens_run *s, mk_error *err)
{
    s->factor = mk_calloc((size_t)abi->n_params + 1, sizeof *s->factor);
    if (!s->factor) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    int matched = 0;
    for (int i = 0; i < abi->n_params; i++) {
        const mk_symbol *sym = &abi->params[i];
        if (!matches(params, sym->name)) continue;
        matched++;
        if (!isfinite(sym->lo) || !isfinite(sym->hi) || !(sym->hi > sym->lo)) {
            s->n_skipped++;
            continue;
        }
        mk_morris_factor *f = &s->factor[s->k++];
        f->param = i;
        f->lo = sym->lo;
        f->hi = sym->hi;
        f->log_scale = sym->lo > 0 && sym->hi / sym->lo > 100;
    }
    if (matched == 0)
        return mk_fail(err, MK_ERR_NAME, "no parameter of model '%s' matches '%s'", abi->name, params ? params : "all");
    if (s->k == 0) return mk_fail(err, MK_ERR_INVALID, "none of the %d matching parameters has a usable range", matched);
    return MK_OK;
}

void mk_sens_run_free(mk_sens_run *s)
{
    if (!s) return;
    free(s->meas);
    free(s->params);
    free(s->factor);
    memset(s, 0, sizeof *s);
}

mk_status mk_sens_run_init(mk_sens_run *s, const mk_model_abi *abi, const mk_protocol *p, const mk_anatomy *anat,
                           const char *params, const char *outputs, const mk_solver_opts *solver, int keep_output_rows,
                           mk_error *err)
{
    memset(s, 0, sizeof *s);
    s->abi = abi;
    s->anat = anat;
    s->solver = *solver;
    s->orig = p;
    s->p = *p;
    s->jobs = 1;
    mk_status rc = setup_factors(abi, params, s, err);
    if (!rc) rc = setup_outputs(abi, p, outputs, s, err);
    if (!rc && !keep_output_rows) s->p.output_every_s = p->duration_s;
    /* parameter overrides: the scenario's for parameters that are not factors, then the factors */
    if (!rc) {
        s->params = mk_calloc((size_t)p->n_params + (size_t)s->k + 1, sizeof *s->params);
        if (!s->params) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
    }
    for (int j = 0; !rc && j < p->n_params; j++) {
        int varied = 0;
        for (int i = 0; i < s->k; i++) varied |= s->factor[i].param == p->params[j].param;
        if (!varied) s->params[s->n_fixed++] = p->params[j];
    }
    s->p.params = s->params;
    s->p.n_params = s->n_fixed + s->k;
    if (rc) mk_sens_run_free(s);
    return rc;
}

/* A worker's report of one run. */
typedef struct sens_rec {
    int32_t index, ok;
    double y[MK_MORRIS_MAX_OUTPUTS];
    char fail[240];
} sens_rec;

typedef struct sens_batch {
    mk_sens_run *s;
    const double *U;
    double *Y;
    char *got;
} sens_batch;

/* In a worker: one run with the factors at row t of U. */
static void sens_task(void *ctx, int t, int fd)
{
    sens_batch *b = ctx;
    mk_sens_run *s = b->s;
    const double *u = b->U + (size_t)t * (size_t)s->k;
    for (int i = 0; i < s->k; i++) {
        mk_param_override *po = &s->params[s->n_fixed + i];
        double v = isnan(u[0]) ? s->abi->params[s->factor[i].param].value : mk_sens_to_value(&s->factor[i], u[i]);
        if (isnan(u[0])) /* the baseline: the scenario's override where it has one */
            for (int j = 0; j < s->orig->n_params; j++)
                if (s->orig->params[j].param == s->factor[i].param) v = s->orig->params[j].value;
        po->param = s->factor[i].param;
        po->value = v;
        po->line = po->col = 0;
    }
    mk_sim_opts so;
    mk_sim_opts_default(&so);
    so.solver = s->solver;
    mk_run_result res;
    mk_error err = {0};
    sens_rec r;
    memset(&r, 0, sizeof r);
    r.index = t;
    r.ok = mk_simulate(s->abi, &s->p, s->anat, &so, &res, &err) == MK_OK;
    for (int q = 0; q < s->n_out; q++) {
        int m = s->meas_of[q];
        r.y[q] = r.ok && m < res.n_meas ? res.meas[m].value : NAN;
    }
    if (r.ok) mk_run_result_free(&res);
    else snprintf(r.fail, sizeof r.fail, "%.239s", err.message);
    if (mk_worker_send(fd, &r, sizeof r)) _exit(4);
}

/* In the parent, as each run finishes. */
static void sens_record(void *ctx, const void *rec)
{
    sens_batch *b = ctx;
    mk_sens_run *s = b->s;
    sens_rec r;
    memcpy(&r, rec, sizeof r);
    if (r.index < 0 || b->got[r.index]) return;
    b->got[r.index] = 1;
    memcpy(b->Y + (size_t)r.index * (size_t)s->n_out, r.y, (size_t)s->n_out * sizeof *r.y);
    s->runs++;
    if (!r.ok) {
        s->failed++;
        /* the first failure in design order, not in order of arrival: the same whatever the jobs */
        if (!s->first_failure[0] || r.index < s->first_fail_at) {
            s->first_fail_at = r.index;
            snprintf(s->first_failure, sizeof s->first_failure, "%.239s", r.fail);
        }
    }
    s->done++;
    if (s->progress) s->progress(s->progress_ctx, s->done, s->total, mk_monotonic_s() - s->t0);
}

mk_status mk_sens_run_eval(mk_sens_run *s, const double *U, int n, double *Y, mk_error *err)
{
    sens_batch b = {s, U, Y, mk_calloc((size_t)n + 1, 1)};
    if (!b.got) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_status rc = mk_workers_run(n, s->jobs, sizeof(sens_rec), sens_task, &b, sens_record, &b, "sensitivity", err);
    for (int i = 0; !rc && i < n; i++)
        if (!b.got[i]) rc = mk_fail(err, MK_ERR_IO, "a sensitivity worker did not report run %d", i);
    free(b.got);
    return rc;
}

/* ---------------------------------------------------------------- Morris */

/* The design: the baseline (row 0), then R trajectories of k + 1 points each, drawn in the
 * same order as ever (the same seed gives the same design as the sequential code did). */
static void morris_design(const mk_morris_opts *o, int k, double delta, double *U, int *moved)
{
    mk_rng g;
    mk_rng_seed(&g, o->seed);
    int half = o->levels / 2;
    double step = 1.0 / (o->levels - 1);
    for (int i = 0; i < k; i++) U[i] = NAN;
    double *u = U + k;
    for (int t = 0; t < o->trajectories; t++) {
        int *order = moved + (size_t)t * (size_t)k;
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
        for (int st = 0; st < k; st++) {
            double *next = u + k;
            memcpy(next, u, (size_t)k * sizeof *u);
            int i = order[st];
            /* every base lies below delta (base <= 1 - delta < delta): a coordinate at its base
             * moves up by delta, one at base + delta moves down */
            next[i] = u[i] < delta - 1e-12 ? u[i] + delta : u[i] - delta;
            u = next;
        }
        u += k;
    }
}

static void morris_effects(mk_morris_result *out, const double *U, const double *Y, const int *moved, int R)
{
    int k = out->k, no = out->n_out;
    for (int t = 0; t < R; t++) {
        size_t row0 = 1 + (size_t)t * (size_t)(k + 1);
        for (int st = 0; st < k; st++) {
            size_t a = row0 + (size_t)st, b = a + 1;
            int i = moved[(size_t)t * (size_t)k + (size_t)st];
            double du = U[b * (size_t)k + (size_t)i] - U[a * (size_t)k + (size_t)i];
            for (int q = 0; q < no; q++) {
                double ee = (Y[b * (size_t)no + (size_t)q] - Y[a * (size_t)no + (size_t)q]) / du;
                if (!isfinite(ee)) continue;
                size_t at = (size_t)i * (size_t)no + (size_t)q;
                out->mu[at] += ee;
                out->sigma[at] += ee * ee; /* the sum of squares until the end */
                out->mu_star[at] += fabs(ee);
                out->n_ee[at]++;
            }
        }
    }
    for (size_t at = 0; at < (size_t)k * (size_t)no; at++) {
        int n = out->n_ee[at];
        if (n == 0) {
            out->mu[at] = out->mu_star[at] = out->sigma[at] = NAN;
            continue;
        }
        double sumsq = out->sigma[at];
        out->mu[at] /= n;
        out->mu_star[at] /= n;
        double var = n > 1 ? (sumsq - n * out->mu[at] * out->mu[at]) / (n - 1) : NAN;
        out->sigma[at] = n > 1 ? sqrt(fmax(var, 0.0)) : NAN;
    }
}

mk_status mk_morris_compute(const mk_model_abi *abi, const mk_protocol *p, const mk_anatomy *anat,
                            const mk_morris_opts *o, mk_morris_result *out, mk_error *err)
{
    memset(out, 0, sizeof *out);
    if (!abi || !p || !o) return mk_fail(err, MK_ERR_INVALID, "mk_morris_run: missing argument");
    if (o->trajectories < 1) return mk_fail(err, MK_ERR_INVALID, "at least one trajectory is needed");
    if (o->levels < 2 || o->levels % 2) return mk_fail(err, MK_ERR_INVALID, "levels must be even and at least 2, got %d", o->levels);
    mk_sens_run s;
    mk_status rc = mk_sens_run_init(&s, abi, p, anat, o->params, o->outputs, &o->solver, o->keep_output_rows, err);
    if (rc) return rc;
    out->abi = abi;
    out->trajectories = o->trajectories;
    out->levels = o->levels;
    out->delta = o->levels / (2.0 * (o->levels - 1));
    out->seed = o->seed;
    out->jobs = o->jobs < 1 ? 1 : o->jobs;
    out->k = s.k;
    out->n_skipped = s.n_skipped;
    out->n_out = s.n_out;
    memcpy(out->out_label, s.out_label, sizeof out->out_label);
    memcpy(out->out_name, s.out_name, sizeof out->out_name);
    memcpy(out->out_unit, s.out_unit, sizeof out->out_unit);
    int k = s.k, no = s.n_out, n = 1 + o->trajectories * (k + 1);
    out->factor = s.factor; /* the result owns the factors */
    s.factor = NULL;
    double *U = mk_malloc((size_t)n * (size_t)k * sizeof *U), *Y = mk_malloc((size_t)n * (size_t)no * sizeof *Y);
    int *moved = mk_malloc((size_t)o->trajectories * (size_t)k * sizeof *moved);
    out->mu = mk_calloc((size_t)k * (size_t)no + 1, sizeof *out->mu);
    out->mu_star = mk_calloc((size_t)k * (size_t)no + 1, sizeof *out->mu_star);
    out->sigma = mk_calloc((size_t)k * (size_t)no + 1, sizeof *out->sigma);
    out->n_ee = mk_calloc((size_t)k * (size_t)no + 1, sizeof *out->n_ee);
    if (!U || !Y || !moved || !out->mu || !out->mu_star || !out->sigma || !out->n_ee) {
        rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
        goto done;
    }
    s.factor = out->factor; /* borrowed back for the runs */
    morris_design(o, k, out->delta, U, moved);
    s.jobs = out->jobs;
    s.progress = o->progress;
    s.progress_ctx = o->progress_ctx;
    s.total = n;
    s.t0 = mk_monotonic_s();
    rc = mk_sens_run_eval(&s, U, n, Y, err);
    s.factor = NULL;
    if (rc) goto done;
    if (!isfinite(Y[0]) && s.first_fail_at == 0) {
        rc = mk_fail(err, MK_ERR_SOLVER, "the baseline run failed: %s", s.first_failure);
        goto done;
    }
    for (int q = 0; q < no; q++) out->base[q] = Y[q];
    out->runs = s.runs;
    out->failed = s.failed;
    snprintf(out->first_failure, sizeof out->first_failure, "%s", s.first_failure);
    morris_effects(out, U, Y, moved, o->trajectories);
    out->wall_s = mk_monotonic_s() - s.t0;
done:
    mk_sens_run_free(&s);
    free(U);
    free(Y);
    free(moved);
    if (rc) mk_morris_result_clear(out);
    return rc;
}

/* ---------------------------------------------------------------- ranking and output */

int *mk_morris_rank(const mk_morris_result *r, int o)
{
    return mk_rank_column(r->mu_star, r->k, r->n_out, o);
}

void mk_sens_csv_factor(mk_buf *b, const char *label, const char *name, const char *unit, int rank,
                        const mk_morris_factor *f, const mk_symbol *s, int digits)
{
    mk_buf_printf(b, "%s,\"%s\",%s,%d,%s,%s", label, name, unit, rank, s->name, s->unit);
    mk_csv_num(b, f->lo, digits);
    mk_csv_num(b, f->hi, digits);
    mk_buf_printf(b, ",%s", f->log_scale ? "log" : "linear");
    mk_csv_num(b, s->value, digits);
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
            mk_sens_csv_factor(b, r->out_label[o], r->out_name[o], r->out_unit[o], n + 1, f, s, 8);
            mk_csv_num(b, r->mu_star[at], 8);
            mk_csv_num(b, r->mu[at], 8);
            mk_csv_num(b, r->sigma[at], 8);
            mk_buf_printf(b, ",%d", r->n_ee[at]);
            mk_csv_num(b, top > 0 ? r->mu_star[at] / top : NAN, 8);
            mk_buf_puts(b, "\n");
        }
        free(idx);
    }
    if (b->failed) return mk_fail(err, MK_ERR_NOMEM, "out of memory writing sensitivity.csv");
    return MK_OK;
}

/* A panel heading "LABEL: NAME (UNIT)SUFFIX" that fits the panel's width (about 70 characters
 * at the figures' type size): the name, the longest part, is shortened with "..." first. */
void mk_sens_panel_title(char *dst, size_t size, const char *label, const char *name, const char *unit,
                         const char *suffix)
{
    enum { WIDTH = 70 };
    char u[48] = "";
    if (unit[0] && strcmp(unit, "1")) snprintf(u, sizeof u, " (%.40s)", unit);
    int budget = WIDTH - (int)strlen(label) - 2 - (int)strlen(u) - (int)strlen(suffix);
    int n = (int)strlen(name);
    if (budget < 8) snprintf(dst, size, "%s%s%s", label, u, suffix);
    else if (n <= budget) snprintf(dst, size, "%s: %s%s%s", label, name, u, suffix);
    else snprintf(dst, size, "%s: %.*s...%s%s", label, budget - 3, name, u, suffix);
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
        mk_sens_panel_title(p->title, sizeof p->title, r->out_label[o], r->out_name[o], r->out_unit[o], "");
        free(idx);
    }
    if (!rc) {
        mk_buf_printf(&f->title,
            "Morris screening of %d parameters, %d trajectories (%d runs): the top %d by mu*, the mean absolute effect "
            "of a parameter across its plausible range",
            r->k, r->trajectories, r->runs, n_show);
        if (r->n_out > MK_PLOT_MAX_PANELS)
            mk_buf_printf(&f->title, " (the first %d of %d outputs; every output in sensitivity.csv)", MK_PLOT_MAX_PANELS,
                          r->n_out);
        snprintf(f->value_label, sizeof f->value_label, "mu*");
        snprintf(f->second_label, sizeof f->second_label, "sigma");
        rc = mk_plot_bars_write(f, path, err);
    }
    mk_buf_free(&f->title);
    free(f);
    free(names);
    free(val);
    free(sec);
    return rc;
}
