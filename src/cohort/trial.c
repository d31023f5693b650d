/*
 * trial.c -- running a trial's virtual patients (trial.h).
 *
 * Per patient i, in this order:
 *   1. parameters: Sobol point i (GSL, drawn as patient i is handed out -- in patient order,
 *      under the run's lock -- shifted by a random rotation of the seed: Cranley-Patterson)
 *      mapped through each parameter's truncated distribution;
 *   2. the phenotype's conditioning history with those parameters -> the start state;
 *   3. the first arm (paired) or the allocated one (randomised), up to its baseline time point
 *      only: the arm's compiled scenario from the patient's start state with the patient's
 *      parameters, stopped after its last baseline measurement;
 *   4. acceptance: the true PPT and spontaneous pain at the baseline time point (before any
 *      treatment) inside the population's ranges, else rejected (Britton et al. 2013);
 *   5. screening: the examiner's own noisy PPT, pain rating and palpation at baseline; the
 *      enrolment rule decides on those (so regression to the mean follows the selection);
 *   6. enrolled: that arm whole (paired: every arm), from the same start state; the outcomes
 *      are the scenario's measurements at the design's time points, recorded by the examiner.
 * A patient who is rejected or not enrolled costs the history and the arm's days before its
 * baseline, not the whole arm.  Nothing is simulated twice (arms_shared): the arm's run is
 * paused at its baseline for steps 4-5 and, for an enrolled patient, goes on from there; a
 * paired design's other arms continue the first arm's run from the input switch where they
 * part (their first session), since up to there they live the same life.  The results are the
 * same bits as running every arm from the start state (arms_apart, mk_trial_run_shared with
 * share 0): the pauses change no call the solver sees, and at an input switch the solver
 * restarts, carrying only what a fork copies (solve/fork.h).
 * A simulation that fails makes the patient "failed" with the reason; failed patients are
 * excluded from every comparison (the rule reported with the results).
 *
 * Workers (POSIX threads) take patients in order; each writes only its patient's record, whose
 * random numbers depend only on (seed, i), into a slot of a bounded window; finished patients
 * leave the window for the store (store.c) and the journal in patient order.  The reductions
 * run afterwards over the store in patient order, so the results are the same bits for any
 * number of workers, and memory does not grow with the number of patients.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_qrng.h>

#include "core/clock.h"
#include "cohort/journal.h"
#include "cohort/stream.h"
#include "cohort/trial.h"
#include "core/alloc.h"
#include "core/error.h"
#include "protocol/simulate.h"

void mk_trial_opts_default(mk_trial_opts *o)
{
    memset(o, 0, sizeof *o);
    o->patients = 0; /* the design's */
    o->threads = 1;
    o->seed = 1;
    mk_solver_opts_default(&o->solver);
    o->solver.rtol = 0; /* the design's, else MK_TRIAL_RTOL_DEFAULT */
}

double mk_trial_rtol(const mk_trial_design *d, const mk_trial_opts *o)
{
    if (o && o->solver.rtol > 0) return o->solver.rtol;
    return d->rtol > 0 ? d->rtol : MK_TRIAL_RTOL_DEFAULT;
}

/* ---------------------------------------------------------------- the population's parameters */

static double cdf(const mk_trial_param *p, double x)
{
    if (!isfinite(x)) return x > 0 ? 1 : 0;
    switch (p->dist) {
    case MK_DIST_UNIFORM: return x <= p->a ? 0 : x >= p->b ? 1 : (x - p->a) / (p->b - p->a);
    case MK_DIST_NORMAL: return gsl_cdf_gaussian_P(x - p->a, p->b);
    default: return x <= 0 ? 0 : gsl_cdf_lognormal_P(x, log(p->a), log(p->b));
    }
}

static double quantile(const mk_trial_param *p, double q)
{
    switch (p->dist) {
    case MK_DIST_UNIFORM: return p->a + q * (p->b - p->a);
    case MK_DIST_NORMAL: return p->a + gsl_cdf_gaussian_Pinv(q, p->b);
    default: return gsl_cdf_lognormal_Pinv(q, log(p->a), log(p->b));
    }
}

/* The distribution truncated to the plausible range: u in [0, 1) -> F^-1(F(lo) + u (F(hi) - F(lo))). */
static double draw_param(const mk_trial_param *p, double u)
{
    double f0 = cdf(p, p->lo), f1 = cdf(p, p->hi);
    double q = f0 + u * (f1 - f0);
    if (q <= 0) q = 1e-12;
    if (q >= 1) q = 1 - 1e-12;
    double x = quantile(p, q);
    if (isfinite(p->lo) && x < p->lo) x = p->lo;
    if (isfinite(p->hi) && x > p->hi) x = p->hi;
    return x;
}

/* The population's sampler: Sobol point i for patient i, in patient order (the sequence is
 * sequential; patients are handed out in order, so only the next point is ever needed). */
typedef struct sampler {
    gsl_qrng *q;
    int next;                          /* the index of the next point */
    double shift[MK_TRIAL_MAX_PARAMS]; /* the seed's rotation */
} sampler;

static mk_status sampler_init(sampler *sp, const mk_trial_design *d, unsigned long long seed, mk_error *err)
{
    memset(sp, 0, sizeof *sp);
    if (!d->n_params) return MK_OK;
    if (!(sp->q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)d->n_params)))
        return mk_fail(err, MK_ERR_NOMEM, "out of memory (Sobol generator)");
    mk_stream st;
    mk_stream_init(&st, seed, UINT64_MAX, 0);
    for (int k = 0; k < d->n_params; k++) sp->shift[k] = mk_stream_uniform(&st);
    return MK_OK;
}

/* Patient i's parameters (i at or after every index drawn before). */
static void sampler_draw(sampler *sp, const mk_trial_design *d, int i, double *theta)
{
    double u[MK_TRIAL_MAX_PARAMS] = {0};
    for (; d->n_params && sp->next <= i; sp->next++) gsl_qrng_get(sp->q, u);
    for (int k = 0; k < d->n_params; k++) {
        double v = u[k] + sp->shift[k];
        theta[k] = draw_param(&d->params[k], v - floor(v));
    }
}

/* ---------------------------------------------------------------- one patient */

/* A patient in flight: its record, and whether it has finished. */
typedef struct slot {
    mk_trial_patient pt;
    int ready;
} slot;

/* The run: this process's patients are i = rank + k ranks for k = 0, 1, ...  (k: the patient's
 * ordinal).  Workers take ordinals in order from `taken`; the one that finishes ordinal
 * `flushed` writes it and every finished one after it to the store (and the journal), so
 * records leave in patient order, and no worker takes ordinal k before k - window is written:
 * at most `window` patients are in memory, however many the trial has. */
typedef struct job {
    const mk_trial_design *d;
    const mk_anatomy *anat; /* the design's */
    const mk_trial_opts *o;
    mk_trial_result *r;
    int rank, ranks, own;       /* own: this process's patients */
    pthread_mutex_t lock;
    pthread_cond_t moved;       /* flushed advanced or the run stopped */
    int taken, flushed;         /* ordinals (under lock) */
    int stop;                   /* a write failed: no more patients (under lock) */
    mk_status stop_rc;
    mk_error stop_err;
    sampler sp;                 /* under lock */
    slot *slots;                /* [window] */
    int window;
    _Atomic int finished;       /* ordinals written, for progress */
    _Atomic int simulated;      /* patients this process ran */
    _Atomic long long model_s;  /* model time this process integrated (histories and arms), whole seconds */
    _Atomic long long covered_s; /* model time the patients' results cover (trial.h), whole seconds */
    int share;                  /* continue and share runs (mk_trial_run_shared) */
    mk_journal *journal;        /* NULL: no checkpoint */
} job;

/* Slot of parameter index in o[0..*n), appended (at the protocol's or the model's value) if absent. */
static int override_slot(mk_param_override *o, int *n, const mk_model_abi *abi, int index)
{
    for (int m = 0; m < *n; m++)
        if (o[m].param == index) return m;
    o[*n] = (mk_param_override){.param = index, .value = abi->params[index].value};
    return (*n)++;
}

/* The protocol's overrides with the patient's parameters on top (a fresh array), and for a
 * man each sex effect's factor, kept inside the parameter's plausible range. */
static mk_param_override *merge_params(const mk_protocol *p, const mk_trial_design *d, const double *theta, int sex,
                                       int *n)
{
    mk_param_override *o = mk_malloc((size_t)(p->n_params + d->n_params + d->n_men_fx + 1) * sizeof *o);
    if (!o) return NULL;
    if (p->n_params) memcpy(o, p->params, (size_t)p->n_params * sizeof *o);
    int k = p->n_params;
    for (int j = 0; j < d->n_params; j++) {
        if (d->params[j].event) continue; /* a scenario input: scale_inputs */
        int at = k;
        for (int m = 0; m < p->n_params; m++)
            if (o[m].param == d->params[j].index) at = m;
        o[at].param = d->params[j].index;
        o[at].value = theta[j];
        o[at].line = d->params[j].line;
        o[at].col = d->params[j].col;
        if (at == k) k++;
    }
    for (int e = 0; sex == 1 && e < d->n_men_fx; e++) {
        const mk_symbol *s = &d->abi->params[d->men_fx[e].index];
        int at = override_slot(o, &k, d->abi, d->men_fx[e].index);
        double v = o[at].value * d->men_fx[e].factor;
        o[at].value = isfinite(s->hi) && v > s->hi ? s->hi : isfinite(s->lo) && v < s->lo ? s->lo : v;
    }
    *n = k;
    return o;
}

/* The protocol's input changes with the patient's scenario inputs applied (population.inputs):
 * each factor multiplies what every event of its type writes to the input it scales (desk_load:
 * the load of every desk_work event), kept inside the input's range.  A fresh array, or NULL
 * with *changes left alone when the design varies no input. */
mk_status mk_trial_scale_inputs(const mk_trial_design *d, const mk_protocol *p, const double *theta,
                                mk_input_change **changes, mk_error *err)
{
    if (!d->n_inputs) return MK_OK;
    mk_input_change *c = mk_malloc((size_t)(p->n_changes + 1) * sizeof *c);
    if (!c) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    if (p->n_changes) memcpy(c, p->changes, (size_t)p->n_changes * sizeof *c);
    for (int k = d->n_params - d->n_inputs; k < d->n_params; k++) {
        const mk_trial_param *tp = &d->params[k];
        const mk_symbol *s = &d->abi->inputs[tp->index];
        /* an activation cannot exceed the maximal voluntary contraction */
        double hi = isfinite(s->hi) ? s->hi : s->unit && !strcmp(s->unit, "%") ? 100 : INFINITY;
        for (int m = 0; tp->event && m < p->n_changes; m++) {
            if (!c[m].event || strcmp(c[m].event, tp->event) || c[m].input != tp->index) continue;
            double v = c[m].value * theta[k];
            c[m].value = v > hi ? hi : v;
        }
    }
    *changes = c;
    return MK_OK;
}

/* p as the patient runs it: the patient's parameters, scenario inputs and start state, and
 * only its end recorded. */
typedef struct patient_proto {
    mk_protocol c;
    mk_input_change *scaled;
} patient_proto;

static void patient_proto_free(patient_proto *a)
{
    free(a->c.params);
    free(a->scaled);
    memset(a, 0, sizeof *a);
}

static mk_status patient_proto_make(const job *j, const mk_protocol *p, const mk_trial_patient *pt, const double *y0,
                                    patient_proto *a, mk_error *err)
{
    memset(a, 0, sizeof *a);
    a->c = *p;
    mk_status rs = mk_trial_scale_inputs(j->d, p, pt->theta, &a->scaled, err);
    if (rs) return rs;
    if (a->scaled) a->c.changes = a->scaled;
    a->c.params = merge_params(p, j->d, pt->theta, pt->sex, &a->c.n_params);
    if (!a->c.params) {
        patient_proto_free(a);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    }
    a->c.y0 = (double *)y0;
    a->c.output_every_s = a->c.duration_s;
    a->c.history = NULL;
    return MK_OK;
}

/* Simulate p (a copy: the patient's parameters, scenario inputs and start state) recording
 * only its end. */
static mk_status run_copy(job *j, const mk_protocol *p, const mk_trial_patient *pt, const mk_solver_opts *o,
                          const double *y0, mk_run_result *res, mk_error *err)
{
    patient_proto a;
    mk_status rc = patient_proto_make(j, p, pt, y0, &a, err);
    if (rc) return rc;
    mk_sim_opts so;
    mk_sim_opts_default(&so);
    so.solver = *o;
    rc = mk_simulate(j->d->abi, &a.c, j->anat, &so, res, err);
    if (!rc) atomic_fetch_add(&j->model_s, llround(a.c.duration_s));
    patient_proto_free(&a);
    return rc;
}

static void slot_reset(const mk_trial_design *d, mk_trial_patient *pt, int i);

/* The history with the patient's parameters -> the start state. */
static mk_status condition(job *j, mk_trial_patient *pt, const mk_solver_opts *o, double *y0, mk_error *err)
{
    const mk_trial_design *d = j->d;
    mk_run_result res;
    mk_status rc = run_copy(j, d->history, pt, o, NULL, &res, err);
    if (rc) return rc;
    const mk_series *s = &res.series;
    memcpy(y0, s->values + (size_t)(s->n_rows - 1) * (size_t)s->n_cols, (size_t)d->abi->n_states * sizeof *y0);
    mk_run_result_free(&res);
    return MK_OK;
}

int mk_trial_in_range(const mk_trial_range *r, double v)
{
    if (!r->set) return 1;
    if (!isfinite(v)) return 0;
    return !(v < r->lo) && !(v > r->hi);
}

static double nrs(double v)
{
    v = round(v);
    return v <= 0 ? 0 : v > 10 ? 10 : v; /* <= : round(-0.4) is -0, which would print "-0" */
}

/* The examiner at screening (stream purpose SCREEN): returns 1 to enrol. */
static int screen(const job *j, int i, mk_trial_patient *pt)
{
    const mk_trial_design *d = j->d;
    mk_stream st;
    mk_stream_init(&st, j->o->seed, (uint64_t)i, mk_stream_purpose(MK_PURPOSE_SCREEN, 0, 0, 0));
    pt->screen_ppt = pt->true_ppt + d->ppt_sem_kpa * mk_stream_normal(&st);
    pt->screen_pain = nrs(pt->true_pain + d->pain_sd * mk_stream_normal(&st));
    /* Palpation as a rater who recognises the truth with probability a = sqrt(kappa) and
     * otherwise guesses (positive with probability 1/2): two such raters agree with
     * kappa = a^2 beyond chance when half the patients are tender (docs/trials.md). */
    int truth = pt->true_ppt < d->tender_below_kpa;
    double know = mk_stream_uniform(&st), guess = mk_stream_uniform(&st);
    pt->screen_palp = know < sqrt(d->kappa) ? truth : guess < 0.5;
    return (!d->need_palpation || pt->screen_palp) && mk_trial_in_range(&d->enrol_pain, pt->screen_pain) &&
           mk_trial_in_range(&d->enrol_ppt, pt->screen_ppt);
}

/* The examiner records outcome o at time t of arm a (stream purpose ASSESS).  A pain rating
 * after the baseline carries the arm's expectation (placebo) response, counted once: the
 * site model has its own treatment expectation (site_expect, 0 .. 1, engaged by a session and
 * fading within hours; it lowers the true pain and PPT), from the same source as the arm's
 * input (Hrobjartsson & Gotzsche), so the arm's input applies only to the part the site no
 * longer carries: expectation x (1 - site_expect), the points run_arm records in pt->expect
 * (patients.csv, pain_expectation).  Right after a session the response is the site's
 * mechanism alone; weeks later it is the arm's input alone (docs/trials.md). */
static double assess(const job *j, int i, int a, int t, int o, double truth, double expect_points)
{
    const mk_trial_design *d = j->d;
    if (!isfinite(truth)) return NAN;
    mk_stream st;
    mk_stream_init(&st, j->o->seed, (uint64_t)i, mk_stream_purpose(MK_PURPOSE_ASSESS, (unsigned)a, (unsigned)t, (unsigned)o));
    double z = mk_stream_normal(&st);
    switch (d->outcomes[o].kind) {
    case MK_OUT_PPT: return truth + d->ppt_sem_kpa * z;
    case MK_OUT_PAIN: return nrs(truth + expect_points + d->pain_sd * z);
    /* referred pain: a 0-10 rating with the same examiner noise; the arm's expectation input is
     * sized on clinical (local) pain and not added here (docs/trials.md, "The examiner") */
    case MK_OUT_REFERRED: return nrs(truth + d->pain_sd * z);
    default: return truth; /* stiffness: the model's value (no clinical examiner error sourced) */
    }
}

/* Arm a's protocol cut after its last measurement at the first n_times time points (n_times
 * 1: its baseline; the measurements are in time order, so the arm's first ones up to that one,
 * and the run stops there), or whole. */
static mk_protocol arm_cut(const mk_trial_design *d, int a, int n_times)
{
    mk_protocol p = *d->arms[a].proto;
    if (n_times < d->n_times) {
        int last = 0;
        for (int t = 0; t < n_times; t++)
            for (int o = 0; o < d->n_outcomes; o++)
                if (d->arms[a].meas[t][o] > last) last = d->arms[a].meas[t][o];
        p.n_meas = last + 1;
        /* a baseline at the start is taken before the first step: a second's run still takes it */
        p.duration_s = p.meas[last].t_s > 0 ? p.meas[last].t_s : fmin(1.0, p.duration_s);
    }
    return p;
}

/* One past the last arm a patient whose first arm is `first` runs: every arm when paired, else
 * that one. */
static int arms_end(const mk_trial_design *d, int first) { return d->paired ? d->n_arms : first + 1; }

/* Record the outcomes of arm a at its first n_times time points from the arm's measurements. */
static void record_arm(const job *j, mk_trial_patient *pt, int a, int n_times, const mk_meas_result *meas)
{
    const mk_trial_design *d = j->d;
    int i = pt->index;
    for (int t = 0; t < n_times; t++) {
        int e = d->arms[a].expect_meas[t];
        double site_expect = e >= 0 && isfinite(meas[e].value) ? fmin(fmax(meas[e].value, 0), 1) : 0;
        double *ex = &pt->expect[(size_t)a * (size_t)d->n_times + (size_t)t];
        *ex = d->o_pain < 0 ? NAN : t > 0 ? d->arms[a].expectation * (1 - site_expect) : 0;
        for (int o = 0; o < d->n_outcomes; o++) {
            size_t k = mk_trial_slot(d, a, t, o);
            pt->truth[k] = meas[d->arms[a].meas[t][o]].value;
            pt->observed[k] = assess(j, i, a, t, o, pt->truth[k], *ex);
        }
    }
}

/* Run arm a (to its end, or with n_times 1 only up to its baseline: arm_cut) and record the
 * outcomes at its first n_times time points. */
static mk_status run_arm(job *j, mk_trial_patient *pt, const mk_solver_opts *so, int a, int n_times, const double *y0,
                         mk_error *err)
{
    mk_protocol p = arm_cut(j->d, a, n_times);
    mk_run_result res;
    mk_status rc = run_copy(j, &p, pt, so, y0, &res, err);
    if (rc) return rc;
    record_arm(j, pt, a, n_times, res.meas);
    mk_run_result_free(&res);
    return MK_OK;
}

/* Randomisation in permuted blocks of two per arm, in the order patients are sampled: block b
 * is a random permutation (Fisher-Yates on the stream keyed by the block's first patient), so
 * the allocation of patient i is a function of (seed, i) alone and the arms stay balanced
 * among the sampled patients (enrolment, after allocation, can still unbalance them a little). */
static int allocate_arm(int n_arms, unsigned long long seed, int i)
{
    int size = 2 * n_arms, first = i - i % size, perm[2 * MK_TRIAL_MAX_ARMS];
    for (int k = 0; k < size; k++) perm[k] = k % n_arms;
    mk_stream st;
    mk_stream_init(&st, seed, (uint64_t)first, mk_stream_purpose(MK_PURPOSE_ALLOC, 0, 0, 0));
    for (int k = size - 1; k > 0; k--) {
        int r = (int)(mk_stream_uniform(&st) * (k + 1)), t = perm[k];
        perm[k] = perm[r];
        perm[r] = t;
    }
    return perm[i % size];
}

/* The true PPT and pain at the baseline time point of arm a (acceptance and screening look
 * at the patient there, before any treatment). */
static void baseline_truth(const mk_trial_design *d, mk_trial_patient *pt, int a)
{
    pt->true_ppt = d->o_ppt >= 0 ? pt->truth[mk_trial_slot(d, a, 0, d->o_ppt)] : NAN;
    pt->true_pain = d->o_pain >= 0 ? pt->truth[mk_trial_slot(d, a, 0, d->o_pain)] : NAN;
}

/* Acceptance and screening at the baseline of arm `first` (its outcomes at time point 0
 * recorded): 1 to enrol, else 0 with the fate set. */
static int enrol(const job *j, mk_trial_patient *pt, int first)
{
    const mk_trial_design *d = j->d;
    baseline_truth(d, pt, first);
    if (!(mk_trial_in_range(&d->accept_ppt, pt->true_ppt) && mk_trial_in_range(&d->accept_pain, pt->true_pain))) {
        pt->fate = MK_FATE_REJECTED;
        return 0;
    }
    if (!screen(j, pt->index, pt)) {
        pt->fate = MK_FATE_NOT_ENROLLED;
        return 0;
    }
    return 1;
}

/* The runs as described at the top, each arm simulated from the start state to its end: the
 * first arm's baseline once to screen and again in the whole arm, a paired design's arms each
 * from the start (mk_trial_run_shared with share 0: the reference the shared runs are held
 * to, byte for byte). */
static mk_status arms_apart(job *j, mk_trial_patient *pt, const mk_solver_opts *o, const double *y0, int first,
                            mk_error *err)
{
    const mk_trial_design *d = j->d;
    /* the first (or allocated) arm: its baseline decides acceptance and enrolment */
    mk_status rc = run_arm(j, pt, o, first, 1, y0, err);
    if (rc || !enrol(j, pt, first)) return rc;
    for (int a = first; !rc && a < arms_end(d, first); a++) rc = run_arm(j, pt, o, a, d->n_times, y0, err);
    if (!rc) pt->fate = MK_FATE_ANALYSED;
    return rc;
}

/* Where the run of b can continue a's (mk_sim_fork): the latest input switch of b at which the
 * two have come the same way -- the same changes before it, the same measurements up to it,
 * the same output rows before it -- or -1 if none after the start.  Paired arms share
 * everyday life up to their first session, where they part. */
static double fork_time(const mk_model_abi *abi, const mk_protocol *a, const mk_protocol *b)
{
    int n = a->n_changes < b->n_changes ? a->n_changes : b->n_changes, k = 0;
    while (k < n && mk_same_change(&a->changes[k], &b->changes[k])) k++;
    double c_div = INFINITY, m_div = INFINITY, best = -1;
    if (k < a->n_changes) c_div = a->changes[k].t_s;
    if (k < b->n_changes) c_div = fmin(c_div, b->changes[k].t_s);
    n = a->n_meas < b->n_meas ? a->n_meas : b->n_meas, k = 0;
    while (k < n && mk_same_measurement(&a->meas[k], &b->meas[k])) k++;
    if (k < a->n_meas) m_div = a->meas[k].t_s;
    if (k < b->n_meas) m_div = fmin(m_div, b->meas[k].t_s);
    double *in = mk_calloc((size_t)abi->n_inputs + 1, sizeof *in);
    if (!in) return -1;
    for (int i = 0; i < abi->n_inputs; i++) in[i] = abi->inputs[i].value;
    for (int g = 0; g < b->n_changes && b->changes[g].t_s <= c_div;) {
        double t = b->changes[g].t_s;
        int switches = 0;
        for (; g < b->n_changes && b->changes[g].t_s == t; g++) {
            const mk_input_change *c = &b->changes[g];
            if (c->input < 0 || c->input >= abi->n_inputs) continue;
            switches |= in[c->input] != c->value;
            in[c->input] = c->value;
        }
        int rows = a->output_every_s == b->output_every_s || (a->output_every_s >= t && b->output_every_s >= t);
        int stop = 0; /* a's run stops there too, so it can pause there */
        for (int i = 0; !stop && i < a->n_changes; i++) stop = a->changes[i].t_s == t;
        for (int i = 0; !stop && i < a->n_meas; i++) stop = a->meas[i].t_s == t;
        if (switches && stop && t > 0 && t < m_div && t < a->duration_s && t < b->duration_s && rows) best = t;
    }
    free(in);
    return best;
}

/* The same runs without the waste (share 1): the first arm's run is paused at its baseline
 * for screening and, for an enrolled patient, goes on from there; a paired design's other arms
 * continue the first arm's run from the last input switch before they part (fork_time), where
 * the solver restarts anyway, instead of living the same everyday life again.  The solver sees
 * the same calls, so the outcomes are the same bits as arms_apart's (mk_sim_fork says why). */
static mk_status arms_shared(job *j, mk_trial_patient *pt, const mk_solver_opts *o, const double *y0, int first,
                             mk_error *err)
{
    const mk_trial_design *d = j->d;
    int n_arms = arms_end(d, first);
    patient_proto arm[MK_TRIAL_MAX_ARMS] = {0};
    mk_sim *sim[MK_TRIAL_MAX_ARMS] = {0};
    double t_fork[MK_TRIAL_MAX_ARMS];
    mk_sim_opts so;
    mk_sim_opts_default(&so);
    so.solver = *o;
    mk_status rc = MK_OK;
    for (int a = first; !rc && a < n_arms; a++) rc = patient_proto_make(j, d->arms[a].proto, pt, y0, &arm[a], err);
    if (!rc) rc = mk_sim_begin(d->abi, &arm[first].c, j->anat, &so, &sim[first], err);
    for (int a = first; a < n_arms; a++) t_fork[a] = a == first || rc ? -1 : fork_time(d->abi, &arm[first].c, &arm[a].c);
    /* the baseline: where arms_apart's screening run ends (its last baseline measurement) */
    mk_protocol cut = arm_cut(d, first, 1);
    double t_base = cut.meas[cut.n_meas - 1].t_s > 0 ? cut.meas[cut.n_meas - 1].t_s : 0;
    int screened = 0, enrolled = 0;
    while (!rc) {
        double next = screened ? INFINITY : t_base;
        for (int a = first + 1; a < n_arms; a++)
            if (t_fork[a] > 0) next = fmin(next, t_fork[a]);
        if (next == INFINITY) break;
        if ((rc = mk_sim_run(sim[first], next, err))) break;
        double t = mk_sim_time(sim[first]);
        if (!screened && t_base <= t) {
            screened = 1;
            record_arm(j, pt, first, 1, mk_sim_meas(sim[first], 0));
            if (!(enrolled = enrol(j, pt, first))) break;
        }
        for (int a = first + 1; !rc && a < n_arms; a++) {
            if (!(t_fork[a] > 0 && t_fork[a] <= t)) continue;
            t_fork[a] = -1;
            mk_error why = {0};
            mk_status fr = mk_sim_fork(sim[first], &arm[a].c, j->anat, &sim[a], &why);
            if (fr == MK_ERR_NOMEM) *err = why, rc = fr; /* any other refusal: the arm runs from the start */
        }
        if (t < next) break; /* the run ended before it: no more pauses */
    }
    if (!rc && !screened) { /* never paused there (the run ended first): its end holds the baseline */
        screened = 1;
        record_arm(j, pt, first, 1, mk_sim_meas(sim[first], 0));
        enrolled = enrol(j, pt, first);
    }
    if (!rc && !enrolled) atomic_fetch_add(&j->model_s, llround(mk_sim_time(sim[first])));
    for (int a = first; !rc && enrolled && a < n_arms; a++) {
        if (!sim[a]) rc = mk_sim_begin(d->abi, &arm[a].c, j->anat, &so, &sim[a], err);
        if (rc) break;
        double t0 = mk_sim_start_time(sim[a]);
        mk_run_result res;
        rc = mk_sim_end(sim[a], &res, err);
        sim[a] = NULL;
        if (rc) break;
        atomic_fetch_add(&j->model_s, llround(arm[a].c.duration_s - t0));
        record_arm(j, pt, a, d->n_times, res.meas);
        mk_run_result_free(&res);
    }
    if (!rc && enrolled) pt->fate = MK_FATE_ANALYSED;
    for (int a = first; a < n_arms; a++) {
        mk_sim_free(sim[a]);
        patient_proto_free(&arm[a]);
    }
    return rc;
}

static mk_status arms_after_history(job *j, mk_trial_patient *pt, const mk_solver_opts *o, const double *y0,
                                    mk_error *err)
{
    const mk_trial_design *d = j->d;
    int first = 0;
    if (!d->paired) first = pt->arm = allocate_arm(d->n_arms, j->o->seed, pt->index);
    return j->share ? arms_shared(j, pt, o, y0, first, err) : arms_apart(j, pt, o, y0, first, err);
}

/* The patient's sex (stream purpose COVARIATE): a woman with the design's share. */
static void draw_covariates(const job *j, int i, mk_trial_patient *pt)
{
    if (!j->d->has_sex) return;
    mk_stream st;
    mk_stream_init(&st, j->o->seed, (uint64_t)i, mk_stream_purpose(MK_PURPOSE_COVARIATE, 0, 0, 0));
    pt->sex = mk_stream_uniform(&st) < j->d->women_share ? 0 : 1;
}

/* The patient at the solver options o: history, then the arms. */
static mk_status simulate_patient(job *j, mk_trial_patient *pt, const mk_solver_opts *o, mk_error *err)
{
    const mk_trial_design *d = j->d;
    double *y0 = mk_calloc((size_t)d->abi->n_states + 1, sizeof *y0);
    if (!y0) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_status rc = condition(j, pt, o, y0, err);
    if (!rc) rc = arms_after_history(j, pt, o, y0, err);
    free(y0);
    return rc;
}

/* The model time a patient's results cover, however it was run (trial.h, covered_s): the
 * history, and the first arm to its baseline (rejected, not enrolled) or every arm whole
 * (analysed). */
static double covered_time(const mk_trial_design *d, const mk_trial_patient *pt)
{
    if (pt->fate != MK_FATE_REJECTED && pt->fate != MK_FATE_NOT_ENROLLED && pt->fate != MK_FATE_ANALYSED) return 0;
    int first = d->paired ? 0 : pt->arm;
    double covered = d->history->duration_s;
    if (pt->fate != MK_FATE_ANALYSED) return covered + arm_cut(d, first, 1).duration_s;
    for (int a = first; a < arms_end(d, first); a++) covered += d->arms[a].proto->duration_s;
    return covered;
}

/* A patient whose simulation fails at a tolerance looser than MK_TRIAL_RTOL_RETRY is run again,
 * whole, at that one: a loose tolerance must not fail patients a tight one solves (rare: one
 * in 300 in the accuracy study's largest run, CV_TOO_MUCH_WORK in a history at 1e-4).  The
 * rerun depends on the patient alone, so the results stay the same bytes for any number of
 * threads or ranks. */
static void run_patient(job *j, mk_trial_patient *pt)
{
    const mk_trial_design *d = j->d;
    mk_error err = {0};
    draw_covariates(j, pt->index, pt);
    mk_status rc = simulate_patient(j, pt, &j->o->solver, &err);
    if (rc && rc != MK_ERR_NOMEM && j->o->solver.rtol > MK_TRIAL_RTOL_RETRY) {
        mk_solver_opts tight = j->o->solver;
        tight.rtol = MK_TRIAL_RTOL_RETRY;
        mk_trial_patient keep = *pt;
        slot_reset(d, pt, pt->index);
        pt->theta = keep.theta, pt->sex = keep.sex;
        pt->retried = 1;
        err = (mk_error){0};
        rc = simulate_patient(j, pt, &tight, &err);
    }
    if (!rc) atomic_fetch_add(&j->covered_s, llround(covered_time(d, pt)));
    if (rc) {
        char buf[2200];
        pt->fate = MK_FATE_FAILED;
        pt->failure = mk_strdup(mk_error_format(&err, buf, sizeof buf));
    }
}

static void slot_reset(const mk_trial_design *d, mk_trial_patient *pt, int i)
{
    free(pt->failure);
    pt->failure = NULL;
    pt->index = i;
    pt->fate = 0;
    pt->retried = 0;
    pt->arm = pt->sex = -1;
    pt->screen_palp = 0;
    pt->true_ppt = pt->true_pain = pt->screen_ppt = pt->screen_pain = NAN;
    for (size_t k = 0; k < mk_trial_values_size(d); k++) pt->truth[k] = NAN;
}

/* Write finished patients from ordinal `flushed` on (under lock); a failure stops the run. */
static void flush_ready(job *j)
{
    for (slot *s; !j->stop && (s = &j->slots[j->flushed % j->window])->ready; j->flushed++) {
        mk_error e = {0};
        mk_status rc = mk_trial_store_put(j->r, &s->pt, &e);
        if (!rc && j->journal) rc = mk_journal_append(j->journal, j->d, &s->pt, &e);
        s->ready = 0;
        if (rc) {
            j->stop = 1;
            j->stop_rc = rc;
            j->stop_err = e;
            break;
        }
        atomic_fetch_add(&j->finished, 1);
    }
    pthread_cond_broadcast(&j->moved);
}

static void *worker(void *arg)
{
    job *j = arg;
    pthread_mutex_lock(&j->lock);
    for (;;) {
        while (!j->stop && j->taken < j->own && j->taken - j->flushed >= j->window) pthread_cond_wait(&j->moved, &j->lock);
        if (j->stop || j->taken >= j->own) break;
        int k = j->taken++, i = j->rank + k * j->ranks;
        slot *s = &j->slots[k % j->window];
        slot_reset(j->d, &s->pt, i);
        sampler_draw(&j->sp, j->d, i, s->pt.theta);
        pthread_mutex_unlock(&j->lock);
        run_patient(j, &s->pt);
        atomic_fetch_add(&j->simulated, 1);
        pthread_mutex_lock(&j->lock);
        s->ready = 1;
        flush_ready(j);
    }
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

/* ---------------------------------------------------------------- the trial */

static mk_status make_slots(job *j, int threads, mk_error *err)
{
    const mk_trial_design *d = j->d;
    /* enough that a slow patient rarely holds the others up; independent of the trial's size */
    j->window = 4 * threads + 4;
    j->slots = mk_calloc((size_t)j->window, sizeof *j->slots);
    if (!j->slots) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    for (int k = 0; k < j->window; k++) {
        mk_trial_patient *pt = &j->slots[k].pt;
        pt->theta = mk_calloc((size_t)d->n_params + 1, sizeof(double));
        mk_trial_patient_values(d, pt, mk_calloc(mk_trial_values_size(d) + 1, sizeof(double)));
        if (!pt->theta || !pt->truth) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    }
    return MK_OK;
}

static void free_slots(job *j)
{
    for (int k = 0; j->slots && k < j->window; k++) {
        free(j->slots[k].pt.theta);
        free(j->slots[k].pt.truth);
        free(j->slots[k].pt.failure);
    }
    free(j->slots);
}

static mk_status run_workers(job *j, int threads, mk_error *err)
{
    pthread_t tid[64];
    int started = 0;
    if (threads > 64) threads = 64;
    for (; started < threads; started++)
        if (pthread_create(&tid[started], NULL, worker, j)) break;
    if (!started) return mk_fail(err, MK_ERR_NOMEM, "cannot start a worker thread");
    double t0 = mk_monotonic_s();
    for (;;) {
        pthread_mutex_lock(&j->lock);
        int more = !j->stop && j->flushed < j->own;
        pthread_mutex_unlock(&j->lock);
        if (!more) break;
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
        if (j->o->progress) j->o->progress(j->o->progress_ctx, atomic_load(&j->finished), j->own, mk_monotonic_s() - t0);
    }
    for (int k = 0; k < started; k++) pthread_join(tid[k], NULL);
    j->r->threads = started;
    return j->stop ? (*err = j->stop_err, j->stop_rc) : MK_OK;
}

/* A journal's record of patient i: it must be this process's next patient with the
 * parameters this run samples; it goes to the store as if it had just been run. */
static mk_status take_record(void *ctx, int i, const double *v, const char *failure, const char **why, mk_error *err)
{
    job *j = ctx;
    *why = NULL;
    int k = j->flushed, want = j->rank + k * j->ranks;
    if (k >= j->own || i != want) {
        *why = "not the next patient of this process (records are in patient order)";
        return MK_OK;
    }
    mk_trial_patient *pt = &j->slots[0].pt;
    slot_reset(j->d, pt, i);
    sampler_draw(&j->sp, j->d, i, pt->theta);
    if (memcmp(v + MK_TRIAL_RECORD_HEAD, pt->theta, (size_t)j->d->n_params * sizeof *v)) {
        *why = "its patient's parameters differ from the ones this run samples";
        return MK_OK;
    }
    mk_status rc = mk_trial_unpack_patient(j->d, v, failure, pt, err);
    if (!rc) rc = mk_trial_store_put(j->r, pt, err);
    if (rc) return rc;
    j->taken = ++j->flushed;
    atomic_fetch_add(&j->finished, 1);
    return MK_OK;
}

/* The checkpoint: open (or resume) the journal; the patients it holds go to the store. */
static mk_status open_journal(job *j, mk_error *err)
{
    const mk_trial_opts *o = j->o;
    if (!o->journal) return MK_OK;
    return mk_journal_open(o->journal, o->resume, j->d, o, j->r->n, take_record, j, &j->r->n_resumed, &j->journal,
                           err);
}

static mk_status start(job *j, mk_error *err)
{
    const mk_trial_opts *o = j->o;
    mk_trial_result *r = j->r;
    j->ranks = o->ranks > 1 ? o->ranks : 1;
    j->rank = o->ranks > 1 ? o->rank : 0;
    if (j->rank < 0 || j->rank >= j->ranks) return mk_fail(err, MK_ERR_INVALID, "rank %d outside 0 .. %d", j->rank, j->ranks - 1);
    j->own = r->n > j->rank ? (r->n - j->rank + j->ranks - 1) / j->ranks : 0;
    mk_status rc = mk_trial_store_open(r, err);
    if (!rc) rc = make_slots(j, o->threads, err);
    if (!rc) rc = sampler_init(&j->sp, j->d, o->seed, err);
    if (!rc) rc = open_journal(j, err);
    r->window = j->window;
    return rc;
}

mk_status mk_trial_run(const mk_trial_design *d, const mk_trial_opts *opts, mk_trial_result **result, mk_error *err)
{
    return mk_trial_run_shared(d, opts, 1, result, err);
}

mk_status mk_trial_run_shared(const mk_trial_design *d, const mk_trial_opts *opts, int share, mk_trial_result **result,
                              mk_error *err)
{
    *result = NULL;
    /* the solver settings the patients run at (and the journal's fingerprint hashes) */
    mk_trial_opts eff = *opts;
    eff.solver.rtol = mk_trial_rtol(d, opts);
    const mk_trial_opts *o = &eff;
    if (!(eff.solver.rtol >= MK_TRIAL_RTOL_MIN && eff.solver.rtol <= MK_TRIAL_RTOL_MAX))
        return mk_fail(err, MK_ERR_INVALID, "the solver's relative tolerance must be in %g .. %g, found %g",
                       MK_TRIAL_RTOL_MIN, MK_TRIAL_RTOL_MAX, eff.solver.rtol);
    if (o->threads < 1) return mk_fail(err, MK_ERR_INVALID, "at least one worker thread is needed");
    mk_trial_result *out = mk_calloc(1, sizeof *out);
    if (!out) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    out->d = d;
    out->n = o->patients > 0 ? o->patients : d->default_patients;
    out->seed = o->seed;
    out->rtol = o->solver.rtol;
    out->rtol_from = opts->solver.rtol > 0 ? 2 : d->rtol > 0 ? 1 : 0;
    double t0 = mk_monotonic_s();
    job j = {.d = d, .anat = d->anat, .o = o, .r = out, .share = share};
    atomic_init(&j.finished, 0);
    atomic_init(&j.simulated, 0);
    atomic_init(&j.model_s, 0);
    atomic_init(&j.covered_s, 0);
    pthread_mutex_init(&j.lock, NULL);
    pthread_cond_init(&j.moved, NULL);
    mk_status rc = start(&j, err);
    if (!rc) rc = run_workers(&j, o->threads, err);
    mk_status closed = mk_journal_close(j.journal, rc ? &(mk_error){0} : err);
    if (!rc) rc = closed;
    if (!rc) rc = mk_trial_reduce(out, err);
    free_slots(&j);
    if (j.sp.q) gsl_qrng_free(j.sp.q);
    pthread_cond_destroy(&j.moved);
    pthread_mutex_destroy(&j.lock);
    if (rc) {
        mk_trial_result_free(out);
        return rc;
    }
    out->n_simulated = atomic_load(&j.simulated);
    out->model_s = (double)atomic_load(&j.model_s);
    out->covered_s = (double)atomic_load(&j.covered_s);
    out->wall_s = mk_monotonic_s() - t0;
    *result = out;
    return MK_OK;
}

int mk_trial_result_resumed(const mk_trial_result *r) { return r->n_resumed; }
int mk_trial_result_patients(const mk_trial_result *r) { return r->n; }
