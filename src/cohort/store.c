/*
 * store.c -- a trial's patients on disk, in patient order, and everything reduced from them
 * (trial.h): memory stays flat in the number of patients.
 *
 * The store is a temporary file, unlinked as soon as it is made (it vanishes with the process,
 * however it ends), in $TMPDIR or /tmp.  A record, native doubles (exact, no rounding):
 *     index, failure length L, mk_trial_record_size numbers, then L bytes of failure text.
 * Reading goes through a cursor (pread at its own offset: two cursors never disturb each
 * other).  The reductions read the store twice: the first pass sums (mean, counts), the second
 * the squared deviations from those means -- the same additions in the same order as
 * mk_stat_describe over an array of the values, so the statistics are the same bits as when
 * every patient was held in memory.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cohort/trial.h"
#include "core/alloc.h"
#include "core/error.h"

#define STORE_FAILURE_CAP 4096 /* longest failure text kept (bytes) */

/* ---------------------------------------------------------------- records */

size_t mk_trial_per_patient(const mk_trial_design *d)
{
    return (size_t)d->n_arms * (size_t)d->n_times * (size_t)d->n_outcomes;
}

size_t mk_trial_values_size(const mk_trial_design *d)
{
    return 2 * mk_trial_per_patient(d) + (size_t)d->n_arms * (size_t)d->n_times;
}

void mk_trial_patient_values(const mk_trial_design *d, mk_trial_patient *pt, double *block)
{
    size_t per = mk_trial_per_patient(d);
    pt->truth = block;
    pt->observed = block ? block + per : NULL;
    pt->expect = block ? block + 2 * per : NULL;
}

size_t mk_trial_record_size(const mk_trial_design *d)
{
    return MK_TRIAL_RECORD_HEAD + (size_t)d->n_params + mk_trial_values_size(d);
}

void mk_trial_pack_patient(const mk_trial_design *d, const mk_trial_patient *pt, double *out)
{
    size_t k = 0;
    out[k++] = pt->fate;
    out[k++] = pt->arm;
    out[k++] = pt->true_ppt;
    out[k++] = pt->true_pain;
    out[k++] = pt->screen_ppt;
    out[k++] = pt->screen_pain;
    out[k++] = pt->screen_palp;
    out[k++] = pt->sex;
    out[k++] = pt->retried;
    for (int p = 0; p < d->n_params; p++) out[k++] = pt->theta[p];
    memcpy(out + k, pt->truth, mk_trial_values_size(d) * sizeof *out); /* one block: truth, observed, expect */
}

mk_status mk_trial_unpack_patient(const mk_trial_design *d, const double *in, const char *failure,
                                  mk_trial_patient *pt, mk_error *err)
{
    size_t k = 0;
    pt->fate = (int)in[k++];
    pt->arm = (int)in[k++];
    pt->true_ppt = in[k++];
    pt->true_pain = in[k++];
    pt->screen_ppt = in[k++];
    pt->screen_pain = in[k++];
    pt->screen_palp = (int)in[k++];
    pt->sex = (int)in[k++];
    pt->retried = (int)in[k++];
    for (int p = 0; p < d->n_params; p++) pt->theta[p] = in[k++];
    memcpy(pt->truth, in + k, mk_trial_values_size(d) * sizeof *in);
    free(pt->failure);
    pt->failure = NULL;
    if (failure && failure[0] && !(pt->failure = mk_strdup(failure))) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    return MK_OK;
}

/* ---------------------------------------------------------------- the file */

static mk_status open_temp(FILE **out, mk_error *err)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/myoknot-trial-XXXXXX", dir && *dir && strlen(dir) < 4000 ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) return mk_fail_at(err, MK_ERR_IO, path, 0, 0, "cannot make the trial's patient store: %s", strerror(errno));
    unlink(path); /* gone with the process */
    if (!(*out = fdopen(fd, "w+b"))) {
        close(fd);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    }
    return MK_OK;
}

mk_status mk_trial_store_open(mk_trial_result *r, mk_error *err)
{
    r->n_stored = 0;
    return open_temp(&r->store, err);
}

static mk_status put(FILE *f, const mk_trial_design *d, const mk_trial_patient *pt, double *v, mk_error *err)
{
    size_t rec = mk_trial_record_size(d), len = pt->failure ? strlen(pt->failure) : 0;
    if (len > STORE_FAILURE_CAP) len = STORE_FAILURE_CAP;
    v[0] = pt->index;
    v[1] = (double)len;
    mk_trial_pack_patient(d, pt, v + 2);
    if (fwrite(v, sizeof *v, rec + 2, f) != rec + 2 || (len && fwrite(pt->failure, 1, len, f) != len))
        return mk_fail(err, MK_ERR_IO, "cannot write the trial's patient store: %s", strerror(errno));
    return MK_OK;
}

mk_status mk_trial_store_put(mk_trial_result *r, const mk_trial_patient *pt, mk_error *err)
{
    double *v = mk_calloc(mk_trial_record_size(r->d) + 2, sizeof *v);
    mk_status rc = v ? put(r->store, r->d, pt, v, err) : mk_fail(err, MK_ERR_NOMEM, "out of memory");
    free(v);
    r->n_stored += !rc;
    return rc;
}

/* ---------------------------------------------------------------- reading */

mk_status mk_trial_cursor_open(mk_trial_cursor *c, const mk_trial_result *r, mk_error *err)
{
    const mk_trial_design *d = r->d;
    memset(c, 0, sizeof *c);
    c->r = r;
    c->left = r->n_stored;
    c->v = mk_calloc(mk_trial_record_size(d) + 2, sizeof *c->v);
    c->pt.theta = mk_calloc((size_t)d->n_params + 1, sizeof(double));
    mk_trial_patient_values(d, &c->pt, mk_calloc(mk_trial_values_size(d) + 1, sizeof(double)));
    c->why_cap = STORE_FAILURE_CAP + 1;
    c->why = mk_malloc(c->why_cap);
    if (!c->v || !c->pt.theta || !c->pt.truth || !c->why) {
        mk_trial_cursor_close(c);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    }
    if (r->store && fflush(r->store)) {
        mk_trial_cursor_close(c);
        return mk_fail(err, MK_ERR_IO, "cannot write the trial's patient store: %s", strerror(errno));
    }
    return MK_OK;
}

static int read_at(mk_trial_cursor *c, void *buf, size_t len)
{
    if (!len) return 0;
    ssize_t got = pread(fileno(c->r->store), buf, len, (off_t)c->off);
    if (got != (ssize_t)len) {
        mk_fail(&c->err, MK_ERR_IO, "cannot read the trial's patient store: %s", got < 0 ? strerror(errno) : "cut short");
        return -1;
    }
    c->off += (long long)len;
    return 0;
}

int mk_trial_cursor_next(mk_trial_cursor *c)
{
    const mk_trial_design *d = c->r->d;
    size_t rec = mk_trial_record_size(d);
    if (c->left <= 0) return 0;
    if (read_at(c, c->v, (rec + 2) * sizeof *c->v)) return -1;
    size_t len = (size_t)c->v[1];
    if (len >= c->why_cap) return mk_fail(&c->err, MK_ERR_IO, "a damaged trial patient store"), -1;
    if (read_at(c, c->why, len)) return -1;
    c->why[len] = 0;
    c->pt.index = (int)c->v[0];
    /* the failure stays in the cursor's buffer: pt.failure points into it */
    mk_trial_patient *pt = &c->pt;
    pt->failure = NULL;
    mk_trial_unpack_patient(d, c->v + 2, NULL, pt, &c->err);
    pt->failure = len ? c->why : NULL;
    c->left--;
    return 1;
}

void mk_trial_cursor_close(mk_trial_cursor *c)
{
    free(c->v);
    free(c->pt.theta);
    free(c->pt.truth);
    free(c->why);
    c->v = NULL;
    c->pt.theta = c->pt.truth = NULL;
    c->pt.failure = c->why = NULL;
}

/* ---------------------------------------------------------------- between processes */

mk_status mk_trial_each(const mk_trial_result *r,
                        mk_status (*fn)(void *ctx, int i, const double *rec, const char *failure, mk_error *err),
                        void *ctx, mk_error *err)
{
    mk_trial_cursor c;
    mk_status rc = mk_trial_cursor_open(&c, r, err);
    int got = 0;
    while (!rc && (got = mk_trial_cursor_next(&c)) > 0)
        rc = fn(ctx, c.pt.index, c.v + 2, c.pt.failure ? c.pt.failure : "", err);
    if (!rc && got < 0) rc = (*err = c.err, err->code);
    mk_trial_cursor_close(&c);
    return rc;
}

/* Patient i from the other process into the scratch patient pt, then into the store f. */
static mk_status gather_other(mk_trial_result *r, FILE *f, int i, mk_trial_cursor *c,
                              mk_status (*get)(void *, int, double *, const char **, mk_error *), void *ctx,
                              mk_error *err)
{
    const char *failure = NULL;
    double *rec = c->v + 2; /* the cursor's scratch (its current record is already written) */
    mk_status rc = get(ctx, i, rec, &failure, err);
    mk_trial_patient *pt = &c->pt;
    pt->failure = NULL;
    if (!rc) rc = mk_trial_unpack_patient(r->d, rec, failure, pt, err);
    pt->index = i;
    if (!rc) rc = put(f, r->d, pt, c->v, err);
    free(pt->failure);
    pt->failure = NULL;
    return rc;
}

mk_status mk_trial_gather(mk_trial_result *r, int rank, int ranks,
                          mk_status (*get)(void *ctx, int i, double *rec, const char **failure, mk_error *err),
                          void *ctx, mk_error *err)
{
    FILE *f = NULL;
    mk_trial_cursor c;
    mk_status rc = open_temp(&f, err);
    if (rc) return rc;
    if ((rc = mk_trial_cursor_open(&c, r, err))) {
        fclose(f);
        return rc;
    }
    for (int i = 0; !rc && i < r->n; i++) {
        if (i % ranks != rank) {
            rc = gather_other(r, f, i, &c, get, ctx, err);
            continue;
        }
        int got = mk_trial_cursor_next(&c);
        if (got < 0) rc = (*err = c.err, err->code);
        else if (!got || c.pt.index != i) rc = mk_fail(err, MK_ERR_INVALID, "patient %d is missing from this process", i);
        else rc = put(f, r->d, &c.pt, c.v, err);
    }
    mk_trial_cursor_close(&c);
    if (rc) {
        fclose(f);
        return rc;
    }
    fclose(r->store);
    r->store = f;
    r->n_stored = r->n;
    return mk_trial_reduce(r, err);
}

/* ---------------------------------------------------------------- reductions (patient order) */

static int in_arm(const mk_trial_design *d, const mk_trial_patient *pt, int a)
{
    return pt->fate == MK_FATE_ANALYSED && (d->paired || pt->arm == a);
}

static double value(const mk_trial_design *d, const mk_trial_patient *pt, int a, int o, int t, int change)
{
    double v = pt->observed[mk_trial_slot(d, a, t, o)];
    return change ? v - pt->observed[mk_trial_slot(d, a, 0, o)] : v;
}

/* The sums of the two passes, per [change][arm][outcome][time]. */
typedef struct sums {
    double sum[2][MK_TRIAL_MAX_ARMS][MK_TRIAL_MAX_OUTCOMES][MK_TRIAL_MAX_TIMES];
    double ss[2][MK_TRIAL_MAX_ARMS][MK_TRIAL_MAX_OUTCOMES][MK_TRIAL_MAX_TIMES];
} sums;

/* The flow, the covariates, the first failures and the responders of one patient. */
static mk_status count(mk_trial_result *r, const mk_trial_patient *pt, mk_error *err)
{
    const mk_trial_design *d = r->d;
    mk_trial_tables *T = r->tab;
    r->n_rejected += pt->fate == MK_FATE_REJECTED;
    r->n_not_enrolled += pt->fate == MK_FATE_NOT_ENROLLED;
    r->n_failed += pt->fate == MK_FATE_FAILED;
    r->n_analysed += pt->fate == MK_FATE_ANALYSED;
    if (pt->fate == MK_FATE_FAILED) { /* before acceptance: no baseline value of its first arm */
        int first = d->paired ? 0 : pt->arm, any = 0;
        for (int o = 0; first >= 0 && o < d->n_outcomes; o++) any |= isfinite(pt->truth[mk_trial_slot(d, first, 0, o)]);
        T->failed_early += !any;
    }
    r->n_retried += pt->retried;
    if (pt->fate == MK_FATE_REJECTED) { /* which of the acceptance criteria (trial.c) rejected */
        int ppt = !mk_trial_in_range(&d->accept_ppt, pt->true_ppt), pain = !mk_trial_in_range(&d->accept_pain, pt->true_pain);
        T->rej_ppt += ppt && !pain;
        T->rej_pain += pain && !ppt;
        T->rej_both += ppt && pain;
    }
    if (pt->sex >= 0) {
        int acc = pt->fate != MK_FATE_REJECTED, ana = pt->fate == MK_FATE_ANALYSED;
        T->sex_n[0]++, T->sex_w[0] += pt->sex == 0;
        T->sex_n[1] += acc, T->sex_w[1] += acc && pt->sex == 0;
        T->sex_n[2] += ana, T->sex_w[2] += ana && pt->sex == 0;
    }
    if (pt->failure && T->n_failed_shown < 3) {
        int k = T->n_failed_shown++;
        T->failed_index[k] = pt->index;
        if (!(T->failed_why[k] = mk_strdup(pt->failure))) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    }
    if (pt->fate != MK_FATE_ANALYSED) return MK_OK;
    for (int a = 0; a < d->n_arms; a++) {
        r->per_arm[a] += d->paired || pt->arm == a;
        for (int o = 0; in_arm(d, pt, a) && o < d->n_outcomes; o++)
            for (int t = 1; t < d->n_times; t++) {
                double ch = value(d, pt, a, o, t, 1);
                if (!isfinite(ch)) continue;
                T->resp_n[a][o][t]++;
                T->resp[a][o][t] += (d->outcomes[o].higher_better ? ch : -ch) >= d->outcomes[o].mid;
            }
    }
    /* regression to the mean: screening, the baseline assessment and the truth of pain */
    double v = d->o_pain >= 0 ? pt->observed[mk_trial_slot(d, d->paired ? 0 : pt->arm, 0, d->o_pain)] : NAN;
    if (isfinite(v)) {
        T->rtm_screen += pt->screen_pain;
        T->rtm_truth += pt->true_pain;
        T->rtm_base += v;
        T->rtm_n++;
    }
    return MK_OK;
}

/* Pass 1 (ss == 0): sums and counts; pass 2: squared deviations from the means. */
static void accumulate(const mk_trial_result *r, const mk_trial_patient *pt, sums *S, int pass)
{
    const mk_trial_design *d = r->d;
    for (int ch = 0; ch < 2; ch++)
        for (int a = 0; a < d->n_arms; a++)
            for (int o = 0; in_arm(d, pt, a) && o < d->n_outcomes; o++)
                for (int t = 0; t < d->n_times; t++) {
                    double x = value(d, pt, a, o, t, ch);
                    if (!isfinite(x)) continue;
                    mk_stat_sample *s = &r->tab->arm[ch][a][o][t];
                    if (pass == 1) {
                        S->sum[ch][a][o][t] += x;
                        s->n++;
                    } else S->ss[ch][a][o][t] += (x - s->mean) * (x - s->mean);
                }
}

static void clear_tables(mk_trial_result *r)
{
    for (int k = 0; r->tab && k < r->tab->n_failed_shown; k++) free(r->tab->failed_why[k]);
    if (r->tab) memset(r->tab, 0, sizeof *r->tab);
    r->n_rejected = r->n_not_enrolled = r->n_failed = r->n_analysed = r->n_retried = 0;
    memset(r->per_arm, 0, sizeof r->per_arm);
}

static mk_status pass(mk_trial_result *r, sums *S, int which, mk_error *err)
{
    mk_trial_cursor c;
    mk_status rc = mk_trial_cursor_open(&c, r, err);
    int got = 0;
    while (!rc && (got = mk_trial_cursor_next(&c)) > 0) {
        if (which == 1) rc = count(r, &c.pt, err);
        accumulate(r, &c.pt, S, which);
    }
    if (!rc && got < 0) rc = (*err = c.err, err->code);
    mk_trial_cursor_close(&c);
    return rc;
}

mk_status mk_trial_reduce(mk_trial_result *r, mk_error *err)
{
    const mk_trial_design *d = r->d;
    if (!r->tab && !(r->tab = mk_calloc(1, sizeof *r->tab))) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    clear_tables(r);
    sums *S = mk_calloc(1, sizeof *S);
    if (!S) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_status rc = pass(r, S, 1, err);
    for (int ch = 0; ch < 2; ch++)
        for (int a = 0; a < d->n_arms; a++)
            for (int o = 0; o < d->n_outcomes; o++)
                for (int t = 0; t < d->n_times; t++) {
                    mk_stat_sample *s = &r->tab->arm[ch][a][o][t];
                    s->mean = s->n ? S->sum[ch][a][o][t] / s->n : NAN;
                }
    if (!rc) rc = pass(r, S, 2, err);
    for (int ch = 0; ch < 2; ch++)
        for (int a = 0; a < d->n_arms; a++)
            for (int o = 0; o < d->n_outcomes; o++)
                for (int t = 0; t < d->n_times; t++) {
                    mk_stat_sample *s = &r->tab->arm[ch][a][o][t];
                    s->sd = s->n > 1 ? sqrt(S->ss[ch][a][o][t] / (s->n - 1)) : NAN;
                }
    free(S);
    return rc;
}

void mk_trial_compare(const mk_trial_result *r, int c, int outcome, int time, int change, mk_stat_cmp *out)
{
    const mk_trial_tables *T = r->tab;
    int a = r->d->cmp[c][0], b = r->d->cmp[c][1];
    mk_stat_compare_summary(&T->arm[change][a][outcome][time], &T->arm[change][b][outcome][time], out);
}

void mk_trial_responders(const mk_trial_result *r, int arm, int outcome, int time, int *resp, int *n)
{
    *resp = r->tab->resp[arm][outcome][time];
    *n = r->tab->resp_n[arm][outcome][time];
}

void mk_trial_result_free(mk_trial_result *r)
{
    if (!r) return;
    clear_tables(r);
    free(r->tab);
    if (r->store) fclose(r->store);
    free(r);
}
