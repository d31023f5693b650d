/*
 * trial.c -- running a trial's virtual patients (trial.h).
 *
 * Per patient i, in this order:
 *   1. parameters: Sobol point i (GSL, drawn before the parallel part, shifted by a random
 *      rotation of the seed: Cranley-Patterson) mapped through each parameter's truncated
 *      distribution;
 *   2. the phenotype's conditioning history with those parameters -> the start state;
 *   3. the first arm (paired) or the allocated one (randomised): the arm's compiled scenario
 *      from the patient's start state with the patient's parameters; the outcomes are the
 *      scenario's measurements at the design's time points, recorded by the examiner;
 *   4. acceptance: the true PPT and spontaneous pain at the baseline time point (before any
 *      treatment) inside the population's ranges, else rejected (Britton et al. 2013);
 *   5. screening: the examiner's own noisy PPT, pain rating and palpation at baseline; the
 *      enrolment rule decides on those (so regression to the mean follows the selection);
 *   6. paired: the other arms, from the same start state.
 * A simulation that fails makes the patient "failed" with the reason; failed patients are
 * excluded from every comparison (the rule reported with the results).
 *
 * Workers (POSIX threads) take patients from a shared counter; each writes only its patient's
 * record, whose random numbers depend only on (seed, i).  The reductions run afterwards in
 * patient order, so the results are the same bits for any number of workers.
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

static mk_status sample_population(const mk_trial_design *d, unsigned long long seed, mk_trial_result *r,
                                   mk_error *err)
{
    if (!d->n_params) return MK_OK;
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)d->n_params);
    if (!q) return mk_fail(err, MK_ERR_NOMEM, "out of memory (Sobol generator)");
    double shift[MK_TRIAL_MAX_PARAMS], u[MK_TRIAL_MAX_PARAMS];
    mk_stream st;
    mk_stream_init(&st, seed, UINT64_MAX, 0);
    for (int k = 0; k < d->n_params; k++) shift[k] = mk_stream_uniform(&st);
    for (int i = 0; i < r->n; i++) {
        gsl_qrng_get(q, u);
        for (int k = 0; k < d->n_params; k++) {
            double v = u[k] + shift[k];
            r->pt[i].theta[k] = draw_param(&d->params[k], v - floor(v));
        }
    }
    gsl_qrng_free(q);
    return MK_OK;
}

/* ---------------------------------------------------------------- one patient */

typedef struct job {
    const mk_trial_design *d;
    const mk_anatomy *anat; /* the design's */
    const mk_trial_opts *o;
    mk_trial_result *r;
    _Atomic int next, done;
    _Atomic int simulated;      /* patients this process ran */
    mk_journal *journal;        /* NULL: no checkpoint */
    const unsigned char *have;  /* [n]: patients the journal already held (not run again) */
    _Atomic int journal_failed; /* the first failure to append wins journal_err */
    mk_error journal_err;
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

/* Simulate p (a copy: the patient's parameters and start state) recording only its end. */
static mk_status run_copy(const job *j, const mk_protocol *p, const mk_trial_patient *pt, const double *y0,
                          mk_run_result *res, mk_error *err)
{
    mk_protocol c = *p;
    c.params = merge_params(p, j->d, pt->theta, pt->sex, &c.n_params);
    if (!c.params) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    c.y0 = (double *)y0;
    c.output_every_s = c.duration_s;
    c.history = NULL;
    mk_sim_opts so;
    mk_sim_opts_default(&so);
    so.solver = j->o->solver;
    mk_status rc = mk_simulate(j->d->abi, &c, j->anat, &so, res, err);
    free(c.params);
    return rc;
}

/* The history with the patient's parameters -> the start state. */
static mk_status condition(const job *j, mk_trial_patient *pt, double *y0, mk_error *err)
{
    const mk_trial_design *d = j->d;
    mk_run_result res;
    mk_status rc = run_copy(j, d->history, pt, NULL, &res, err);
    if (rc) return rc;
    const mk_series *s = &res.series;
    memcpy(y0, s->values + (size_t)(s->n_rows - 1) * (size_t)s->n_cols, (size_t)d->abi->n_states * sizeof *y0);
    mk_run_result_free(&res);
    return MK_OK;
}

static int in_range(const mk_trial_range *r, double v)
{
    if (!r->set) return 1;
    if (!isfinite(v)) return 0;
    return !(v < r->lo) && !(v > r->hi);
}

static double nrs(double v)
{
    v = round(v);
    return v < 0 ? 0 : v > 10 ? 10 : v;
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
    return (!d->need_palpation || pt->screen_palp) && in_range(&d->enrol_pain, pt->screen_pain) &&
           in_range(&d->enrol_ppt, pt->screen_ppt);
}

/* The examiner records outcome o at time t of arm a (stream purpose ASSESS). */
static double assess(const job *j, int i, int a, int t, int o, double truth)
{
    const mk_trial_design *d = j->d;
    if (!isfinite(truth)) return NAN;
    mk_stream st;
    mk_stream_init(&st, j->o->seed, (uint64_t)i, mk_stream_purpose(MK_PURPOSE_ASSESS, (unsigned)a, (unsigned)t, (unsigned)o));
    double z = mk_stream_normal(&st);
    switch (d->outcomes[o].kind) {
    case MK_OUT_PPT: return truth + d->ppt_sem_kpa * z;
    case MK_OUT_PAIN: return nrs(truth + (t > 0 ? d->arms[a].expectation : 0) + d->pain_sd * z);
    default: return truth; /* stiffness: the model's value (no clinical examiner error sourced) */
    }
}

static mk_status run_arm(const job *j, int i, int a, const double *y0, mk_error *err)
{
    const mk_trial_design *d = j->d;
    mk_trial_patient *pt = &j->r->pt[i];
    mk_run_result res;
    mk_status rc = run_copy(j, d->arms[a].proto, pt, y0, &res, err);
    if (rc) return rc;
    for (int t = 0; t < d->n_times; t++)
        for (int o = 0; o < d->n_outcomes; o++) {
            size_t k = mk_trial_slot(d, a, t, o);
            pt->truth[k] = res.meas[d->arms[a].meas[t][o]].value;
            pt->observed[k] = assess(j, i, a, t, o, pt->truth[k]);
        }
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

static mk_status arms_after_history(job *j, int i, const double *y0, mk_error *err)
{
    const mk_trial_design *d = j->d;
    mk_trial_patient *pt = &j->r->pt[i];
    int first = 0;
    if (!d->paired) first = pt->arm = allocate_arm(d->n_arms, j->o->seed, i);
    /* the first (or allocated) arm: its baseline decides acceptance and enrolment */
    mk_status rc = run_arm(j, i, first, y0, err);
    if (rc) return rc;
    baseline_truth(d, pt, first);
    if (!(in_range(&d->accept_ppt, pt->true_ppt) && in_range(&d->accept_pain, pt->true_pain))) {
        pt->fate = MK_FATE_REJECTED;
        return MK_OK;
    }
    if (!screen(j, i, pt)) {
        pt->fate = MK_FATE_NOT_ENROLLED;
        return MK_OK;
    }
    for (int a = first + 1; !rc && d->paired && a < d->n_arms; a++) rc = run_arm(j, i, a, y0, err);
    if (!rc) pt->fate = MK_FATE_ANALYSED;
    return rc;
}

/* The patient's sex (stream purpose COVARIATE): a woman with the design's share. */
static void draw_covariates(const job *j, int i, mk_trial_patient *pt)
{
    if (!j->d->has_sex) return;
    mk_stream st;
    mk_stream_init(&st, j->o->seed, (uint64_t)i, mk_stream_purpose(MK_PURPOSE_COVARIATE, 0, 0, 0));
    pt->sex = mk_stream_uniform(&st) < j->d->women_share ? 0 : 1;
}

static void run_patient(job *j, int i)
{
    const mk_trial_design *d = j->d;
    mk_trial_patient *pt = &j->r->pt[i];
    mk_error err = {0};
    draw_covariates(j, i, pt);
    double *y0 = mk_calloc((size_t)d->abi->n_states + 1, sizeof *y0);
    mk_status rc = y0 ? condition(j, pt, y0, &err) : mk_fail(&err, MK_ERR_NOMEM, "out of memory");
    if (!rc) rc = arms_after_history(j, i, y0, &err);
    if (rc) {
        char buf[2200];
        pt->fate = MK_FATE_FAILED;
        pt->failure = mk_strdup(mk_error_format(&err, buf, sizeof buf));
    }
    free(y0);
}

static void *worker(void *arg)
{
    job *j = arg;
    for (;;) {
        int i = atomic_fetch_add(&j->next, 1);
        if (i >= j->r->n) break;
        int ranks = j->o->ranks > 0 ? j->o->ranks : 1;
        /* another process's patient, or one the journal holds, is not run here */
        if (i % ranks == j->o->rank && !(j->have && j->have[i]) && !atomic_load(&j->journal_failed)) {
            run_patient(j, i);
            atomic_fetch_add(&j->simulated, 1);
            mk_error e = {0};
            if (j->journal && mk_journal_append(j->journal, j->r, i, &e) && !atomic_exchange(&j->journal_failed, 1))
                j->journal_err = e;
        }
        atomic_fetch_add(&j->done, 1);
    }
    return NULL;
}

/* ---------------------------------------------------------------- the trial */

static mk_status allocate(const mk_trial_design *d, mk_trial_result *r, mk_error *err)
{
    size_t per = (size_t)d->n_arms * (size_t)d->n_times * (size_t)d->n_outcomes;
    r->pt = mk_calloc((size_t)r->n, sizeof *r->pt);
    double *theta = mk_calloc((size_t)r->n * (size_t)(d->n_params + 1), sizeof(double));
    double *vals = mk_calloc((size_t)r->n * per * 2, sizeof(double));
    if (!r->pt || !theta || !vals) {
        free(theta);
        free(vals);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory (%d patients)", r->n);
    }
    for (int i = 0; i < r->n; i++) {
        mk_trial_patient *pt = &r->pt[i];
        pt->theta = theta + (size_t)i * (size_t)(d->n_params + 1);
        pt->truth = vals + (size_t)i * per * 2;
        pt->observed = pt->truth + per;
        for (size_t k = 0; k < 2 * per; k++) pt->truth[k] = NAN;
        pt->true_ppt = pt->true_pain = pt->screen_ppt = pt->screen_pain = NAN;
        pt->arm = -1;
        pt->sex = -1;
    }
    return MK_OK;
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
    while (atomic_load(&j->done) < j->r->n) {
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
        if (j->o->progress) j->o->progress(j->o->progress_ctx, atomic_load(&j->done), j->r->n, mk_monotonic_s() - t0);
    }
    for (int k = 0; k < started; k++) pthread_join(tid[k], NULL);
    j->r->threads = started;
    return MK_OK;
}

/* The checkpoint: open (or resume) the journal; the patients it holds are filled in. */
static mk_status open_journal(job *j, unsigned char **have, mk_error *err)
{
    const mk_trial_opts *o = j->o;
    if (!o->journal) return MK_OK;
    if (o->ranks > 1) return mk_fail(err, MK_ERR_INVALID, "a trial journal (--resume) needs one process, not MPI ranks");
    if (!(*have = mk_calloc((size_t)j->r->n + 1, 1))) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    j->have = *have;
    return mk_journal_open(o->journal, o->resume, j->d, o, j->r, *have, &j->r->n_resumed, &j->journal, err);
}

mk_status mk_trial_run(const mk_trial_design *d, const mk_trial_opts *o, mk_trial_result **result, mk_error *err)
{
    *result = NULL;
    mk_trial_result *out = mk_calloc(1, sizeof *out);
    if (!out) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    out->d = d;
    out->n = o->patients > 0 ? o->patients : d->default_patients;
    out->seed = o->seed;
    if (o->threads < 1) {
        free(out);
        return mk_fail(err, MK_ERR_INVALID, "at least one worker thread is needed");
    }
    double t0 = mk_monotonic_s();
    unsigned char *have = NULL;
    job j = {.d = d, .anat = d->anat, .o = o, .r = out};
    atomic_init(&j.next, 0);
    atomic_init(&j.done, 0);
    atomic_init(&j.journal_failed, 0);
    atomic_init(&j.simulated, 0);
    mk_status rc = allocate(d, out, err);
    if (!rc) rc = sample_population(d, o->seed, out, err);
    if (!rc) rc = open_journal(&j, &have, err);
    if (!rc) rc = run_workers(&j, o->threads, err);
    if (!rc && atomic_load(&j.journal_failed)) rc = (*err = j.journal_err, err->code);
    mk_status closed = mk_journal_close(j.journal, rc ? &(mk_error){0} : err);
    if (!rc) rc = closed;
    free(have);
    if (rc) {
        mk_trial_result_free(out);
        return rc;
    }
    mk_trial_tally(out);
    out->n_simulated = atomic_load(&j.simulated);
    out->wall_s = mk_monotonic_s() - t0;
    *result = out;
    return MK_OK;
}

int mk_trial_result_resumed(const mk_trial_result *r) { return r->n_resumed; }
int mk_trial_result_patients(const mk_trial_result *r) { return r->n; }
const char *mk_trial_result_failure(const mk_trial_result *r, int i)
{
    return i >= 0 && i < r->n ? r->pt[i].failure : NULL;
}

void mk_trial_tally(mk_trial_result *r)
{
    const mk_trial_design *d = r->d;
    r->n_rejected = r->n_not_enrolled = r->n_failed = r->n_analysed = 0;
    memset(r->per_arm, 0, sizeof r->per_arm);
    for (int i = 0; i < r->n; i++) {
        const mk_trial_patient *pt = &r->pt[i];
        r->n_rejected += pt->fate == MK_FATE_REJECTED;
        r->n_not_enrolled += pt->fate == MK_FATE_NOT_ENROLLED;
        r->n_failed += pt->fate == MK_FATE_FAILED;
        r->n_analysed += pt->fate == MK_FATE_ANALYSED;
        for (int a = 0; pt->fate == MK_FATE_ANALYSED && a < d->n_arms; a++) r->per_arm[a] += d->paired || pt->arm == a;
    }
}

/* ---------------------------------------------------------------- records between processes */

static size_t per_patient(const mk_trial_design *d)
{
    return (size_t)d->n_arms * (size_t)d->n_times * (size_t)d->n_outcomes;
}

size_t mk_trial_record_size(const mk_trial_design *d)
{
    return 8 + (size_t)d->n_params + 2 * per_patient(d);
}

void mk_trial_pack(const mk_trial_result *r, int i, double *out)
{
    const mk_trial_design *d = r->d;
    const mk_trial_patient *pt = &r->pt[i];
    size_t k = 0, per = per_patient(d);
    out[k++] = pt->fate;
    out[k++] = pt->arm;
    out[k++] = pt->true_ppt;
    out[k++] = pt->true_pain;
    out[k++] = pt->screen_ppt;
    out[k++] = pt->screen_pain;
    out[k++] = pt->screen_palp;
    out[k++] = pt->sex;
    for (int p = 0; p < d->n_params; p++) out[k++] = pt->theta[p];
    memcpy(out + k, pt->truth, 2 * per * sizeof *out); /* truth and observed are adjacent */
}

mk_status mk_trial_unpack(mk_trial_result *r, int i, const double *in, const char *failure, mk_error *err)
{
    const mk_trial_design *d = r->d;
    mk_trial_patient *pt = &r->pt[i];
    size_t k = 0, per = per_patient(d);
    pt->fate = (int)in[k++];
    pt->arm = (int)in[k++];
    pt->true_ppt = in[k++];
    pt->true_pain = in[k++];
    pt->screen_ppt = in[k++];
    pt->screen_pain = in[k++];
    pt->screen_palp = (int)in[k++];
    pt->sex = (int)in[k++];
    for (int p = 0; p < d->n_params; p++) pt->theta[p] = in[k++];
    memcpy(pt->truth, in + k, 2 * per * sizeof *in);
    free(pt->failure);
    pt->failure = NULL;
    if (failure && failure[0] && !(pt->failure = mk_strdup(failure))) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    return MK_OK;
}

void mk_trial_result_free(mk_trial_result *r)
{
    if (!r) return;
    if (r->pt) {
        free(r->pt[0].theta);
        free(r->pt[0].truth);
        for (int i = 0; i < r->n; i++) free(r->pt[i].failure);
        free(r->pt);
    }
    free(r);
}

/* ---------------------------------------------------------------- reductions (patient order) */

static int in_arm(const mk_trial_result *r, int i, int a)
{
    const mk_trial_patient *pt = &r->pt[i];
    return pt->fate == MK_FATE_ANALYSED && (r->d->paired || pt->arm == a);
}

static double value(const mk_trial_result *r, int i, int a, int o, int t, int change)
{
    const double *obs = r->pt[i].observed;
    double v = obs[mk_trial_slot(r->d, a, t, o)];
    return change ? v - obs[mk_trial_slot(r->d, a, 0, o)] : v;
}

void mk_trial_compare(const mk_trial_result *r, int c, int outcome, int time, int change, mk_stat_cmp *out)
{
    int a = r->d->cmp[c][0], b = r->d->cmp[c][1];
    double *xa = mk_calloc((size_t)r->n + 1, sizeof *xa), *xb = mk_calloc((size_t)r->n + 1, sizeof *xb);
    int na = 0, nb = 0;
    for (int i = 0; xa && xb && i < r->n; i++) {
        if (in_arm(r, i, a)) xa[na++] = value(r, i, a, outcome, time, change);
        if (in_arm(r, i, b)) xb[nb++] = value(r, i, b, outcome, time, change);
    }
    mk_stat_compare(xa, na, xb, nb, out);
    free(xa);
    free(xb);
}

void mk_trial_responders(const mk_trial_result *r, int arm, int outcome, int time, int *resp, int *n)
{
    const mk_trial_outcome *o = &r->d->outcomes[outcome];
    *resp = *n = 0;
    for (int i = 0; i < r->n; i++) {
        if (!in_arm(r, i, arm)) continue;
        double ch = value(r, i, arm, outcome, time, 1);
        if (!isfinite(ch)) continue;
        (*n)++;
        *resp += (o->higher_better ? ch : -ch) >= o->mid;
    }
}
