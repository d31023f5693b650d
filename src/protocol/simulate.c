/*
 * simulate.c -- the simulation loop and the clinician's measurements.
 *
 * Inputs are piecewise constant, so the loop advances the solver exactly to each input
 * change (a restart), each output time and each measurement time; nothing is interpolated
 * across a discontinuity.  Measurements that apply a stimulus (the algometer ramp, pain under
 * pressure) run on a clone of the solver, so measuring never changes the patient.
 * A simulation can be run in steps (mk_sim_begin / mk_sim_run / mk_sim_end): paused at an
 * instant and read, then continued, or continued as another protocol's run (mk_sim_fork).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "body/referral.h"
#include "core/error.h"
#include "core/site.h"
#include "protocol/regions.h"
#include "protocol/simulate.h"
#include "solve/fork.h"

void mk_sim_opts_default(mk_sim_opts *o)
{
    memset(o, 0, sizeof *o);
    mk_solver_opts_default(&o->solver);
}

/* ---------------------------------------------------------------- measurements */

/* The labels a measurement needs at the site named prefix ("" or NULL: the unprefixed labels,
 * the first site), all present, or one error naming every missing one; a label of the wrong
 * kind (an output bound to a parameter) counts as missing. */
static mk_status need(const mk_model_abi *abi, const char *prefix, mk_site *site, mk_site_set labels,
                      const char *what, mk_error *err)
{
    if (prefix && *prefix) mk_site_resolve_prefix(abi, prefix, site);
    else mk_site_resolve(abi, site);
    for (int l = 0; l < MK_L_COUNT; l++) {
        if (!(labels & MK_SITE_BIT(l))) continue;
        int want = l < MK_L_CORE_PO2 ? MK_SYM_INPUT : MK_SYM_VAR;
        if (site->kind[l] != want && !(want == MK_SYM_VAR && site->kind[l] == MK_SYM_STATE))
            site->index[l] = -1;
    }
    return mk_site_require(site, labels, what, "", 0, 0, err); /* take() adds the scenario line */
}

static mk_status measure_ppt_at(const mk_solver *s0, const char *prefix, double rate_kpa_s,
                                double area_cm2, double max_kpa, double *ppt_kpa, char *note,
                                size_t note_size, mk_error *err);

mk_status mk_measure_ppt(const mk_solver *s0, double rate_kpa_s, double area_cm2, double max_kpa,
                         double *ppt_kpa, char *note, size_t note_size, mk_error *err)
{
    return measure_ppt_at(s0, NULL, rate_kpa_s, area_cm2, max_kpa, ppt_kpa, note, note_size, err);
}

/* mk_measure_ppt at the site named prefix (NULL: the first site). */
static mk_status measure_ppt_at(const mk_solver *s0, const char *prefix, double rate_kpa_s,
                                double area_cm2, double max_kpa, double *ppt_kpa, char *note,
                                size_t note_size, mk_error *err)
{
    const mk_model_abi *abi = NULL;
    mk_solver *s = NULL;
    mk_site site;
    int i_p, i_a, i_m;
    *ppt_kpa = NAN;
    note[0] = 0;
    mk_status rc = mk_solver_clone(s0, &s, err);
    if (rc) return rc;
    abi = mk_solver_abi(s);
    if ((rc = need(abi, prefix, &site, MK_SITE_BIT(MK_L_THERAPY_PRESSURE) | MK_SITE_BIT(MK_L_THERAPY_AREA) |
                                   MK_SITE_BIT(MK_L_PAIN_EVOKED_MARGIN),
                   "a pressure pain threshold", err)))
        goto done;
    i_p = site.index[MK_L_THERAPY_PRESSURE];
    i_a = site.index[MK_L_THERAPY_AREA];
    if ((i_m = mk_site_var(&site, MK_L_PAIN_EVOKED_MARGIN)) < 0) {
        rc = mk_fail(err, MK_ERR_MODEL, "label pain_evoked_margin of model '%s' must name a "
                     "variable", abi->name);
        goto done;
    }
    /* the probe replaces whatever pressure the scenario applies, starting from none */
    if ((rc = mk_solver_set_input(s, i_a, area_cm2, err)) || (rc = mk_solver_set_input(s, i_p, 0.0, err)))
        goto done;
    /* The ramp in steps of 0.1 s (about 10 kPa at the standard 1 kg/cm2/s): inputs are
     * piecewise constant, and the threshold is interpolated between steps. */
    const double dt = 0.1;
    const double *v;
    if ((rc = mk_solver_eval_vars(s, &v, err))) goto done;
    /* The threshold is where the pain the probe evokes reaches the pain threshold: the
     * margin's rise over its value before the probe reaches 1.  A site already painful
     * before the probe (an active trigger point's ongoing ache) still has a pressure pain
     * threshold, as patients' algometry shows, and ongoing pain below threshold does not
     * lower it; PPT and spontaneous pain are separate outputs (neuro-clinical.md section 11,
     * point 5; docs/tp-site-model.md, "Pressure pain threshold"). */
    double t0 = mk_solver_time(s), p_prev = 0, m0 = v[i_m], m_prev = 0;
    for (int k = 1; !rc; k++) {
        double p = rate_kpa_s * dt * k;
        if (p > max_kpa) {
            snprintf(note, note_size, "no pain up to %g kPa", max_kpa);
            break;
        }
        if ((rc = mk_solver_set_input(s, i_p, p, err)) || (rc = mk_solver_advance(s, t0 + dt * k, err)) ||
            (rc = mk_solver_eval_vars(s, &v, err)))
            break;
        double m = v[i_m] - m0;
        if (m >= 1) {
            *ppt_kpa = p_prev + (p - p_prev) * (1 - m_prev) / (m - m_prev);
            break;
        }
        p_prev = p;
        m_prev = m;
    }
done:
    mk_solver_free(s);
    return rc;
}

/* Pain in a region, optionally under pressure held for 2 s on a copy. */
static mk_status measure_pain(const mk_solver *s0, const mk_measurement *spec,
                              const mk_referral *ref, double *out, mk_error *err)
{
    const mk_model_abi *abi = mk_solver_abi(s0);
    mk_site site;
    int k_region = -1;
    int local = !strcmp(spec->region, "local");
    if (!local && ref) {
        const char *locals = mk_referral_local_regions(ref);
        const char *hit = strstr(locals, spec->region);
        size_t n = strlen(spec->region);
        local = hit && (hit == locals || hit[-1] == ';') && (hit[n] == ';' || hit[n] == 0);
        for (int k = 0; !local && k < mk_referral_count(ref); k++)
            if (!strcmp(mk_referral_region(ref, k), spec->region)) k_region = k;
    }
    mk_site_set want = MK_SITE_BIT(MK_L_PAIN_LOCAL);
    if (!local) want |= MK_SITE_BIT(MK_L_PAIN_REFERRED);
    if (spec->arg > 0) want |= MK_SITE_BIT(MK_L_THERAPY_PRESSURE) | MK_SITE_BIT(MK_L_THERAPY_AREA);
    mk_status rc = need(abi, spec->site, &site, want, spec->arg > 0 ? "pain under pressure" : "a pain rating", err);
    if (rc) return rc;
    int i_local = mk_site_var(&site, MK_L_PAIN_LOCAL), i_ref = mk_site_var(&site, MK_L_PAIN_REFERRED);
    if (i_local < 0 || (!local && i_ref < 0))
        return mk_fail(err, MK_ERR_MODEL, "labels pain_local and pain_referred of model '%s' "
                       "must name variables", abi->name);
    mk_solver *s = NULL;
    if ((rc = mk_solver_clone(s0, &s, err))) return rc;
    if (spec->arg > 0) {
        int i_p = site.index[MK_L_THERAPY_PRESSURE], i_a = site.index[MK_L_THERAPY_AREA];
        if ((rc = mk_solver_set_input(s, i_a, spec->area_cm2 > 0 ? spec->area_cm2 : 1.0, err)) ||
            (rc = mk_solver_set_input(s, i_p, spec->arg, err)) ||
            (rc = mk_solver_advance(s, mk_solver_time(s) + 2.0, err))) {
            mk_solver_free(s);
            return rc;
        }
    }
    const double *v;
    if ((rc = mk_solver_eval_vars(s, &v, err))) {
        mk_solver_free(s);
        return rc;
    }
    if (local) {
        *out = v[i_local];
    } else {
        double cs = mk_site_value(&site, MK_L_SPINAL_CENTRAL_SENS, mk_solver_state(s), v, 0);
        *out = k_region >= 0 ? v[i_ref] * mk_referral_weight(ref, k_region, cs) : 0.0;
    }
    mk_solver_free(s);
    return MK_OK;
}

static mk_status take(mk_solver *s, const mk_measurement *spec, const mk_referral *ref,
                      mk_meas_result *r, mk_error *err)
{
    const mk_model_abi *abi = mk_solver_abi(s);
    const double *v;
    int i;
    mk_status rc = MK_OK;
    r->spec = spec;
    r->t_s = mk_solver_time(s);
    switch (spec->kind) {
    case MK_MEAS_PPT:
        snprintf(r->unit, sizeof r->unit, "kPa");
        rc = measure_ppt_at(s, spec->site, spec->arg > 0 ? spec->arg : 98.0665,
                            spec->area_cm2 > 0 ? spec->area_cm2 : 1.0, 1500.0, &r->value, r->note,
                            sizeof r->note, err);
        break;
    case MK_MEAS_PAIN:
        snprintf(r->unit, sizeof r->unit, "0-10");
        rc = measure_pain(s, spec, ref, &r->value, err);
        break;
    case MK_MEAS_STIFFNESS:
    case MK_MEAS_NOISE:
    case MK_MEAS_OUTPUT: {
        mk_site site;
        const char *name = spec->output;
        if (spec->kind != MK_MEAS_OUTPUT) {
            mk_site_label l = spec->kind == MK_MEAS_STIFFNESS ? MK_L_BAND_STIFFNESS : MK_L_ENDPLATE_NOISE;
            if ((rc = need(abi, spec->site, &site, MK_SITE_BIT(l), spec->label, err))) break;
            name = mk_site_symbol(&site, l);
        }
        if ((i = mk_abi_find(abi, MK_SYM_STATE, name)) >= 0) {
            r->value = mk_solver_state(s)[i];
            snprintf(r->unit, sizeof r->unit, "%s", abi->states[i].unit);
        } else if ((i = mk_abi_find(abi, MK_SYM_VAR, name)) < 0) {
            rc = mk_fail(err, MK_ERR_MODEL, "model '%s' has no output '%s', needed for %s",
                         abi->name, name, spec->label);
        } else if (!(rc = mk_solver_eval_vars(s, &v, err))) {
            r->value = v[i];
            snprintf(r->unit, sizeof r->unit, "%s", abi->vars[i].unit);
        }
        break;
    }
    }
    if (rc && err->line == 0 && spec->line > 0) {
        /* name the scenario line that asked for it */
        char msg[700];
        snprintf(msg, sizeof msg, "%.699s", err->message);
        snprintf(err->message, sizeof err->message, "measurement '%.60s' at t = %g s: %s",
                 spec->label, r->t_s, msg);
        err->line = spec->line;
        err->column = spec->col;
    }
    return rc;
}

/* ---------------------------------------------------------------- the examiner */

/* SplitMix64 (Steele, Lea & Flood 2014): a counter-based generator, so reading i's error is a
 * pure function of (seed, i) -- no state, the same in any thread and in any order. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* uniform in (0, 1), never 0 */
static double unit_at(uint64_t seed, uint64_t i, uint64_t draw)
{
    uint64_t h = mix64(mix64(mix64(seed) ^ i) ^ draw);
    return ((double)(h >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* The simulated examiner: each PPT reading is the model's threshold plus a normal error of SD
 * algometer_sem_kpa (Box-Muller), drawn from (seed, the reading's index i); never below 0.
 * With no examiner error the readings are the model's thresholds, untouched.  Applied as
 * each reading is taken (a paused run's readings are as the end's). */
static void examiner_noise(const mk_protocol *p, int i, mk_meas_result *m)
{
    if (!(p->algometer_sem_kpa > 0)) return;
    if (m->spec->kind != MK_MEAS_PPT || !isfinite(m->value)) return;
    double u1 = unit_at(p->seed, (uint64_t)i, 0), u2 = unit_at(p->seed, (uint64_t)i, 1);
    double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
    double truth = m->value;
    m->value = fmax(0.0, truth + p->algometer_sem_kpa * z);
    size_t l = strlen(m->note);
    snprintf(m->note + l, sizeof m->note - l, "%sread by the examiner (SEM %.3g kPa); model %.1f kPa",
             l ? "; " : "", p->algometer_sem_kpa, truth);
}

/* ---------------------------------------------------------------- the series */

typedef struct columns {
    int n_states, n_outputs, n_inputs, n_local, n_ref;
    int *outputs;           /* var indices of outputs */
    int *ref;               /* referral indices shown */
    int i_local, i_referred;
    mk_site site;              /* the labels: central sensitisation is a state in tp_site */
    const mk_regions *regions; /* several sites: the regions of all (then n_local = n_ref = 0) */
} columns;

static mk_status setup_columns(const mk_model_abi *abi, const mk_referral *ref, columns *c,
                               mk_series *s, mk_error *err)
{
    const mk_regions *rg = c->regions;
    memset(c, 0, sizeof *c);
    c->regions = rg;
    if (rg) ref = NULL;
    c->outputs = mk_calloc((size_t)abi->n_vars + 1, sizeof(int));
    c->ref = mk_calloc(ref ? (size_t)mk_referral_count(ref) + 1 : 1, sizeof(int));
    if (!c->outputs || !c->ref) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    for (int i = 0; i < abi->n_vars; i++)
        if (abi->vars[i].is_output) c->outputs[c->n_outputs++] = i;
    c->n_states = abi->n_states;
    c->n_inputs = abi->n_inputs;
    mk_site_resolve(abi, &c->site);
    c->i_local = mk_site_var(&c->site, MK_L_PAIN_LOCAL);
    c->i_referred = mk_site_var(&c->site, MK_L_PAIN_REFERRED);
    char locals[512] = "";
    if (ref && c->i_local >= 0) {
        snprintf(locals, sizeof locals, "%s", mk_referral_local_regions(ref));
        for (const char *p = locals; *p; p++) c->n_local += *p == ';';
        c->n_local += locals[0] != 0;
    }
    if (ref && c->i_referred >= 0)
        for (int k = 0; k < mk_referral_count(ref); k++)
            if (mk_referral_weight(ref, k, 1.0) > 0.02) c->ref[c->n_ref++] = k; /* felt at all */
    int n = c->n_states + c->n_outputs + c->n_inputs + c->n_local + c->n_ref + mk_regions_count(rg);
    mk_status rc = mk_series_init(s, n, err);
    int col = 0;
    for (int i = 0; !rc && i < abi->n_states; i++)
        rc = mk_series_set_column(s, col++, abi->states[i].name, abi->states[i].unit, err);
    for (int i = 0; !rc && i < c->n_outputs; i++)
        rc = mk_series_set_column(s, col++, abi->vars[c->outputs[i]].name, abi->vars[c->outputs[i]].unit, err);
    for (int i = 0; !rc && i < abi->n_inputs; i++)
        rc = mk_series_set_column(s, col++, abi->inputs[i].name, abi->inputs[i].unit, err);
    char name[128], *save = NULL; /* strtok_r: no hidden state, two runs in two threads */
    for (char *tok = strtok_r(locals, ";", &save); !rc && tok; tok = strtok_r(NULL, ";", &save)) {
        snprintf(name, sizeof name, "pain.region.%s", tok);
        rc = mk_series_set_column(s, col++, name, "0-10", err);
    }
    for (int k = 0; !rc && k < c->n_ref; k++) {
        snprintf(name, sizeof name, "pain.region.%s", mk_referral_region(ref, c->ref[k]));
        rc = mk_series_set_column(s, col++, name, "0-10", err);
    }
    for (int j = 0; !rc && j < mk_regions_count(rg); j++) {
        snprintf(name, sizeof name, "pain.region.%s", mk_regions_name(rg, j));
        rc = mk_series_set_column(s, col++, name, "0-10", err);
    }
    return rc;
}

static mk_status record(mk_solver *s, const columns *c, const mk_referral *ref, mk_series *series,
                        double *row, mk_error *err)
{
    const double *y = mk_solver_state(s), *v;
    mk_status rc = mk_solver_eval_vars(s, &v, err);
    if (rc) return rc;
    int col = 0;
    for (int i = 0; i < c->n_states; i++) row[col++] = y[i];
    for (int i = 0; i < c->n_outputs; i++) row[col++] = v[c->outputs[i]];
    for (int i = 0; i < c->n_inputs; i++) row[col++] = mk_solver_input(s, i);
    for (int i = 0; i < c->n_local; i++) row[col++] = v[c->i_local];
    double cs = mk_site_value(&c->site, MK_L_SPINAL_CENTRAL_SENS, y, v, 0);
    for (int k = 0; k < c->n_ref; k++) row[col++] = v[c->i_referred] * mk_referral_weight(ref, c->ref[k], cs);
    if (c->regions) {
        mk_regions_eval(c->regions, y, v, row + col);
        col += mk_regions_count(c->regions);
    }
    /* states and variables are checked above; this catches a derived column (a region's pain) */
    for (int i = 0; i < col; i++)
        if (!isfinite(row[i]))
            return mk_fail(err, MK_ERR_SOLVER, "at t = %.9g s, column '%s' of the series is %g",
                           mk_solver_time(s), series->names[i], row[i]);
    return mk_series_append(series, mk_solver_time(s), row, err);
}

/* ---------------------------------------------------------------- the loop */

/* A simulation in progress (simulate.h).  The loop stops the solver exactly at every output
 * time, input change and measurement time; at each such instant t it takes the measurements
 * due by t, then applies the changes due by t, then records the row if t is an output time.
 * A pause (mk_sim_run) falls between the measurements and the changes. */
struct mk_sim {
    const mk_model_abi *abi;
    const mk_protocol *p;
    mk_sim_opts o;
    mk_solver *s;
    mk_referral *ref;                    /* the first site's map */
    mk_referral *site_ref[MK_MAX_SITES]; /* [0] is ref */
    mk_regions *regions;
    columns cols;
    double *row;
    mk_law_check *laws;
    int ci, mi;   /* the next input change and measurement */
    long k_out;   /* the next output row */
    double t, t0; /* now, and where this simulation started (a fork: the fork's time) */
    int pending;  /* at t: the measurements are taken, the changes and the row are not */
    mk_run_result out;
};

void mk_sim_free(mk_sim *m)
{
    if (!m) return;
    free(m->row);
    mk_law_check_free(m->laws);
    free(m->cols.outputs);
    free(m->cols.ref);
    mk_regions_free(m->regions);
    for (int k = 1; k < MK_MAX_SITES; k++) mk_referral_free(m->site_ref[k]);
    mk_referral_free(m->ref);
    mk_solver_free(m->s);
    mk_run_result_free(&m->out);
    free(m);
}

/* Everything but the solver and the law check: referral maps, columns, the result's arrays. */
static mk_status sim_frame(mk_sim *m, const mk_anatomy *anat, mk_error *err)
{
    const mk_model_abi *abi = m->abi;
    const mk_protocol *p = m->p;
    mk_status rc = MK_OK;
    if (anat && p->muscle[0]) rc = mk_referral_new(anat, p->muscle, p->side[0] ? p->side[0] : 'r', &m->ref, err);
    /* several sites: each refers by its own map (protocol/regions.h) */
    if (!rc && anat && p->n_sites > 1) rc = mk_regions_new(abi, anat, p, &m->regions, err);
    /* a measurement at another site rates regions by that site's map */
    m->site_ref[0] = m->ref;
    for (int i = 0; !rc && anat && i < p->n_meas; i++) {
        int k = p->meas[i].site_index;
        if (k > 0 && k < p->n_sites && k < MK_MAX_SITES && !m->site_ref[k])
            rc = mk_referral_new(anat, p->sites[k].muscle, p->sites[k].side[0], &m->site_ref[k], err);
    }
    m->cols.regions = m->regions;
    if (!rc) rc = setup_columns(abi, m->ref, &m->cols, &m->out.series, err);
    if (!rc) {
        m->out.params = mk_calloc((size_t)abi->n_params + 1, sizeof(double));
        m->out.meas = mk_calloc((size_t)p->n_meas + 1, sizeof *m->out.meas);
        m->row = mk_calloc((size_t)m->out.series.n_cols + 1, sizeof(double));
        if (!m->out.params || !m->out.meas || !m->row) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; !rc && i < abi->n_params; i++) m->out.params[i] = abi->params[i].value;
    for (int i = 0; !rc && i < p->n_params; i++) m->out.params[p->params[i].param] = p->params[i].value;
    return rc;
}

static mk_status take_due(mk_sim *m, mk_error *err)
{
    mk_status rc = MK_OK;
    const mk_protocol *p = m->p;
    while (!rc && m->mi < p->n_meas && p->meas[m->mi].t_s <= m->t) {
        int i = m->mi++;
        rc = take(m->s, &p->meas[i], m->site_ref[p->meas[i].site_index], &m->out.meas[i], err);
        if (!rc) examiner_noise(p, i, &m->out.meas[i]);
    }
    m->out.n_meas = m->mi;
    m->pending = 1;
    return rc;
}

/* The rest of the instant t: its changes, then its row. */
static mk_status finish_instant(mk_sim *m, mk_error *err)
{
    const mk_protocol *p = m->p;
    mk_status rc = MK_OK;
    while (!rc && m->ci < p->n_changes && p->changes[m->ci].t_s <= m->t)
        rc = mk_solver_set_input(m->s, p->changes[m->ci].input, p->changes[m->ci].value, err), m->ci++;
    double t_out = m->k_out * p->output_every_s;
    if (t_out > p->duration_s) t_out = p->duration_s;
    if (!rc && m->t == t_out) {
        rc = record(m->s, &m->cols, m->ref, &m->out.series, m->row, err);
        if (!rc) rc = mk_law_check_now(m->laws, m->s, err);
        if (!rc && m->k_out > 0 && m->o.progress) m->o.progress(m->o.progress_ctx, m->t, p->duration_s);
        m->k_out++;
    }
    m->pending = 0;
    return rc;
}

static mk_status check_run(const mk_model_abi *abi, const mk_protocol *p, mk_error *err)
{
    if (!(p->duration_s > 0) || !(p->output_every_s > 0) || !isfinite(p->duration_s))
        return mk_fail(err, MK_ERR_INVALID, "duration and output interval must be positive");
    /* Guards against a run that would never end or fill the memory: a typo such as
     * "1e300 h" or "1e-9 s" must be an error, not a machine brought to its knees. */
    const double max_duration_s = 10 * 365.25 * 86400;
    if (p->duration_s > max_duration_s)
        return mk_fail(err, MK_ERR_INVALID, "duration %g s is longer than 10 years, the longest run "
                       "myoknot accepts", p->duration_s);
    double values = (p->duration_s / p->output_every_s + 1) * (abi->n_states + abi->n_vars + abi->n_inputs + 64);
    if (values > 2e7)
        return mk_fail(err, MK_ERR_INVALID, "an output every %g s over %g s would record about %.3g "
                       "values (%.0f MB); raise output_every (at most 2e7 values)",
                       p->output_every_s, p->duration_s, values, values * 8 / 1e6);
    return MK_OK;
}

mk_status mk_sim_begin(const mk_model_abi *abi, const mk_protocol *p, const mk_anatomy *anat,
                       const mk_sim_opts *o, mk_sim **out, mk_error *err)
{
    *out = NULL;
    mk_status rc = check_run(abi, p, err);
    if (rc) return rc;
    mk_sim *m = mk_calloc(1, sizeof *m);
    if (!m) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    m->abi = abi;
    m->p = p;
    if (o) m->o = *o;
    else mk_sim_opts_default(&m->o);
    m->out.abi = abi;
    m->out.protocol = p;
    rc = mk_solver_new(abi, &m->o.solver, &m->s, err);
    for (int i = 0; !rc && i < p->n_params; i++) rc = mk_solver_set_param(m->s, p->params[i].param, p->params[i].value, err);
    /* a patient or a checkpoint: start from its state instead of the model's initial values */
    if (!rc && p->y0) rc = mk_solver_reset(m->s, 0.0, p->y0, err);
    if (!rc) rc = sim_frame(m, anat, err);
    /* the declared conservation laws, at every output row: one evaluation per law per row
     * against thousands of right-hand sides, cheap enough for every run */
    if (!rc) rc = mk_law_check_new(m->s, &m->laws, err);
    /* measurements at t = 0 see the initial state, before the first changes */
    if (!rc) rc = take_due(m, err);
    if (rc) {
        mk_sim_free(m);
        return rc;
    }
    *out = m;
    return MK_OK;
}

mk_status mk_sim_run(mk_sim *m, double until_s, mk_error *err)
{
    const mk_protocol *p = m->p;
    mk_status rc = MK_OK;
    for (;;) {
        if (m->pending) {
            if (m->t >= until_s) return MK_OK;
            if ((rc = finish_instant(m, err))) return rc;
        }
        if (!(m->t < p->duration_s)) return MK_OK;
        double t_out = m->k_out * p->output_every_s;
        if (t_out > p->duration_s) t_out = p->duration_s;
        double t_next = t_out;
        if (m->ci < p->n_changes && p->changes[m->ci].t_s < t_next) t_next = p->changes[m->ci].t_s;
        if (m->mi < p->n_meas && p->meas[m->mi].t_s < t_next) t_next = p->meas[m->mi].t_s;
        if ((rc = mk_solver_advance(m->s, t_next, err))) return rc;
        m->t = t_next;
        if ((rc = take_due(m, err))) return rc;
    }
}

double mk_sim_time(const mk_sim *m) { return m->t; }

double mk_sim_start_time(const mk_sim *m) { return m->t0; }

const mk_meas_result *mk_sim_meas(const mk_sim *m, int i)
{
    return i >= 0 && i < m->mi ? &m->out.meas[i] : NULL;
}

mk_status mk_sim_end(mk_sim *m, mk_run_result *out, mk_error *err)
{
    memset(out, 0, sizeof *out);
    mk_status rc = mk_sim_run(m, INFINITY, err);
    if (!rc) {
        mk_solver_get_stats(m->s, &m->out.stats);
        m->out.law_checks = mk_law_check_count(m->laws);
        m->out.law_drift_max = mk_law_check_drift_max(m->laws);
        *out = m->out;
        memset(&m->out, 0, sizeof m->out);
    }
    mk_sim_free(m);
    return rc;
}

int mk_same_measurement(const mk_measurement *a, const mk_measurement *b)
{
    return a->t_s == b->t_s && a->kind == b->kind && a->arg == b->arg && a->area_cm2 == b->area_cm2 &&
           a->site_index == b->site_index && !strcmp(a->region, b->region) && !strcmp(a->output, b->output) &&
           !strcmp(a->site, b->site);
}

int mk_same_change(const mk_input_change *a, const mk_input_change *b)
{
    return a->t_s == b->t_s && a->input == b->input && a->value == b->value;
}

/* Whether p starts with src's parameters: 1 yes, 0 no, -1 out of memory. */
static int same_params(const mk_sim *src, const mk_protocol *p)
{
    const mk_model_abi *abi = src->abi;
    double *par = mk_calloc((size_t)abi->n_params + 1, sizeof *par);
    if (!par) return -1;
    for (int i = 0; i < abi->n_params; i++) par[i] = abi->params[i].value;
    for (int i = 0; i < p->n_params; i++) par[p->params[i].param] = p->params[i].value;
    int same = !memcmp(par, mk_solver_params(src->s), (size_t)abi->n_params * sizeof *par);
    free(par);
    return same;
}

/* Whether p's own run would restart the solver at src's time: src's solver is due to, or one of
 * p's changes at that time (from its change ci on) switches an input.  1 yes, 0 no, -1 out of
 * memory. */
static int restarts_here(const mk_sim *src, const mk_protocol *p, int ci)
{
    if (mk_solver_restart_pending(src->s)) return 1;
    const mk_model_abi *abi = src->abi;
    double *in = mk_calloc((size_t)abi->n_inputs + 1, sizeof *in);
    if (!in) return -1;
    for (int i = 0; i < abi->n_inputs; i++) in[i] = mk_solver_input(src->s, i);
    int restart = 0;
    for (int i = ci; i < p->n_changes && p->changes[i].t_s <= src->t; i++) {
        const mk_input_change *c = &p->changes[i];
        if (c->input >= 0 && c->input < abi->n_inputs && in[c->input] != c->value) restart = 1, in[c->input] = c->value;
    }
    free(in);
    return restart;
}

mk_status mk_sim_fork(const mk_sim *src, const mk_protocol *p, const mk_anatomy *anat, mk_sim **out, mk_error *err)
{
    *out = NULL;
    const mk_model_abi *abi = src->abi;
    const mk_protocol *q = src->p;
    double t = src->t;
#define REFUSE(why) return mk_fail(err, MK_ERR_INVALID, "cannot fork at t = %.9g s: %s", t, why)
    mk_status rc = check_run(abi, p, err);
    if (rc) return rc;
    if (!src->pending) REFUSE("the run is not paused");
    if (!(t > 0) || !(t < p->duration_s)) REFUSE("not inside the run");
    /* the same start: initial state and parameters */
    if ((!p->y0) != (!q->y0) || (p->y0 && memcmp(p->y0, q->y0, (size_t)abi->n_states * sizeof *p->y0)))
        REFUSE("another initial state");
    int same = same_params(src, p);
    if (same < 0) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    if (!same) REFUSE("other parameters");
    /* the same way there: every change before t, every measurement up to t, every output row
     * before t (each a stop of the solver) */
    int ci = 0, mi = 0;
    while (ci < p->n_changes && p->changes[ci].t_s < t) ci++;
    while (mi < p->n_meas && p->meas[mi].t_s <= t) mi++;
    if (ci != src->ci || mi != src->mi) REFUSE("other events before it");
    for (int i = 0; i < ci; i++)
        if (!mk_same_change(&p->changes[i], &q->changes[i])) REFUSE("other input changes before it");
    for (int i = 0; i < mi; i++)
        if (!mk_same_measurement(&p->meas[i], &q->meas[i])) REFUSE("other measurements before it");
    if (mi && (strcmp(p->muscle, q->muscle) || p->side[0] != q->side[0] || p->algometer_sem_kpa != q->algometer_sem_kpa ||
               p->seed != q->seed || p->n_sites > 1 || q->n_sites > 1))
        REFUSE("its measurements read another site or examiner");
    if (!(p->output_every_s == q->output_every_s || (p->output_every_s >= t && q->output_every_s >= t)))
        REFUSE("other output rows before it");
    /* CVODE's history must end here in p's own run: one of p's changes at t switches an input */
    int restart = restarts_here(src, p, ci);
    if (restart < 0) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    if (!restart) REFUSE("no input switches there, so the solver's history would go on");
#undef REFUSE
    mk_sim *m = mk_calloc(1, sizeof *m);
    if (!m) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    m->abi = abi;
    m->p = p;
    m->o = src->o;
    m->out.abi = abi;
    m->out.protocol = p;
    rc = mk_solver_fork(src->s, &m->s, err);
    if (!rc) rc = sim_frame(m, anat, err);
    if (!rc) rc = mk_law_check_fork(src->laws, m->s, &m->laws, err);
    if (!rc) {
        for (int i = 0; i < mi; i++) {
            m->out.meas[i] = src->out.meas[i];
            m->out.meas[i].spec = &p->meas[i];
        }
        m->ci = ci, m->mi = mi, m->out.n_meas = mi;
        m->k_out = src->k_out;
        m->t = m->t0 = t;
        m->pending = 1;
    }
    if (rc) {
        mk_sim_free(m);
        return rc;
    }
    *out = m;
    return MK_OK;
}

mk_status mk_simulate(const mk_model_abi *abi, const mk_protocol *p, const mk_anatomy *anat,
                      const mk_sim_opts *o, mk_run_result *out, mk_error *err)
{
    memset(out, 0, sizeof *out);
    mk_sim *m = NULL;
    mk_status rc = mk_sim_begin(abi, p, anat, o, &m, err);
    if (!rc) rc = mk_sim_end(m, out, err);
    return rc;
}
