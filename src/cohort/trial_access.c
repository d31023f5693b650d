/*
 * trial_access.c -- a trial's numbers through the accessors of include/myoknot/trial.h: the
 * design's arms, outcomes, time points and comparisons by index, and the result's flow,
 * samples, effect sizes and responders, read from the tables the writers print (store.c).
 */
#include <math.h>
#include <stdio.h> /* FILE, in cohort/trial.h */

#include "cohort/stats.h"
#include "cohort/trial.h"
#include "core/error.h"

int mk_trial_arms(const mk_trial_design *d) { return d ? d->n_arms : 0; }
int mk_trial_outcomes(const mk_trial_design *d) { return d ? d->n_outcomes : 0; }
int mk_trial_times(const mk_trial_design *d) { return d ? d->n_times : 0; }
int mk_trial_comparisons(const mk_trial_design *d) { return d ? d->n_cmp : 0; }

const char *mk_trial_arm_name(const mk_trial_design *d, int arm)
{
    return d && arm >= 0 && arm < d->n_arms ? d->arms[arm].name : "";
}

const char *mk_trial_time_name(const mk_trial_design *d, int time)
{
    return d && time >= 0 && time < d->n_times ? d->times[time].name : "";
}

const char *mk_trial_outcome_name(const mk_trial_design *d, int outcome, const char **unit, double *mid)
{
    int ok = d && outcome >= 0 && outcome < d->n_outcomes;
    if (unit) *unit = ok ? d->outcomes[outcome].unit : "";
    if (mid) *mid = ok ? d->outcomes[outcome].mid : NAN;
    return ok ? d->outcomes[outcome].name : "";
}

mk_status mk_trial_comparison_arms(const mk_trial_design *d, int c, int *a, int *b, mk_error *err)
{
    if (!d || c < 0 || c >= d->n_cmp)
        return mk_fail(err, MK_ERR_INVALID, "no comparison %d (the design has %d)", c, d ? d->n_cmp : 0);
    if (a) *a = d->cmp[c][0];
    if (b) *b = d->cmp[c][1];
    return MK_OK;
}

void mk_trial_result_flow(const mk_trial_result *r, mk_trial_flow *out)
{
    if (!out) return;
    *out = r ? (mk_trial_flow){r->n, r->n_rejected, r->n_not_enrolled, r->n_failed, r->n_analysed} : (mk_trial_flow){0};
}

int mk_trial_result_arm_n(const mk_trial_result *r, int arm)
{
    return r && arm >= 0 && arm < r->d->n_arms ? r->per_arm[arm] : 0;
}

/* arm, outcome and time (from `first`) in range for r's design, and change 0 or 1 */
static mk_status check(const mk_trial_result *r, int arm, int n_arm, int outcome, int time, int first, int change,
                       mk_error *err)
{
    if (!r || !r->tab) return mk_fail(err, MK_ERR_INVALID, "missing trial result");
    const mk_trial_design *d = r->d;
    if (change != 0 && change != 1) return mk_fail(err, MK_ERR_INVALID, "change must be 0 or 1, got %d", change);
    if (arm < 0 || arm >= n_arm) return mk_fail(err, MK_ERR_INVALID, "no arm or comparison %d (there are %d)", arm, n_arm);
    if (outcome < 0 || outcome >= d->n_outcomes)
        return mk_fail(err, MK_ERR_INVALID, "no outcome %d (the design has %d)", outcome, d->n_outcomes);
    if (time < first || time >= d->n_times)
        return mk_fail(err, MK_ERR_INVALID, "time point %d: expected %d .. %d", time, first, d->n_times - 1);
    return MK_OK;
}

static mk_trial_sample sample_of(const mk_stat_sample *s) { return (mk_trial_sample){s->n, s->mean, s->sd}; }

mk_status mk_trial_result_sample(const mk_trial_result *r, int arm, int outcome, int time, int change,
                                 mk_trial_sample *out, mk_error *err)
{
    mk_status rc = check(r, arm, r ? r->d->n_arms : 0, outcome, time, change, change, err);
    if (rc) return rc;
    if (!out) return mk_fail(err, MK_ERR_INVALID, "mk_trial_result_sample: missing output");
    *out = sample_of(&r->tab->arm[change][arm][outcome][time]);
    return MK_OK;
}

mk_status mk_trial_result_effect(const mk_trial_result *r, int c, int outcome, int time, int change,
                                 mk_trial_effect *out, mk_error *err)
{
    mk_status rc = check(r, c, r ? r->d->n_cmp : 0, outcome, time, change, change, err);
    if (rc) return rc;
    if (!out) return mk_fail(err, MK_ERR_INVALID, "mk_trial_result_effect: missing output");
    mk_stat_cmp s;
    mk_trial_compare(r, c, outcome, time, change, &s);
    *out = (mk_trial_effect){sample_of(&s.a), sample_of(&s.b), s.md, s.md_lo, s.md_hi, s.smd, s.smd_lo, s.smd_hi,
                             s.df, s.t, s.p};
    return MK_OK;
}

mk_status mk_trial_result_responders(const mk_trial_result *r, int arm, int outcome, int time, int *responders,
                                     int *n, mk_error *err)
{
    mk_status rc = check(r, arm, r ? r->d->n_arms : 0, outcome, time, 1, 0, err);
    if (rc) return rc;
    int resp = 0, nn = 0;
    mk_trial_responders(r, arm, outcome, time, &resp, &nn);
    if (responders) *responders = resp;
    if (n) *n = nn;
    return MK_OK;
}
