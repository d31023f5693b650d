/*
 * trial_report.c -- what a trial writes (trial.h): per-patient rows, trial_summary.csv,
 * responders.csv, a plain-text account, the HTML report with the patient flow, and the
 * forest plot.  Everything is reduced in patient order, so equal results give equal bytes.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plplot.h>

#include "cohort/trial.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/file.h"
#include "report/html.h"
#include "report/plot.h"

static const char *const k_fate[] = {"", "rejected", "not_enrolled", "failed", "analysed"};

static void num(mk_buf *b, double v)
{
    if (isfinite(v)) mk_buf_printf(b, ",%.6g", v);
    else mk_buf_puts(b, ",");
}

static mk_status done(mk_buf *b, const char *what, mk_error *err)
{
    return b->failed ? mk_fail(err, MK_ERR_NOMEM, "out of memory writing %s", what) : MK_OK;
}

static void patients_header(const mk_trial_design *d, mk_buf *b)
{
    mk_buf_puts(b, d->has_sex ? "patient,fate,arm,time,sex" : "patient,fate,arm,time");
    for (int k = 0; k < d->n_params; k++) mk_buf_printf(b, ",%s", d->params[k].name);
    mk_buf_puts(b, ",phenotype_ppt_kPa,phenotype_pain,screen_ppt_kPa,screen_pain,screen_palpation");
    for (int o = 0; o < d->n_outcomes; o++) mk_buf_printf(b, ",%s_true,%s_observed", d->outcomes[o].name, d->outcomes[o].name);
    if (d->o_pain >= 0) mk_buf_puts(b, ",pain_expectation");
    mk_buf_puts(b, ",reason\n");
}

/* One patient's rows: one per arm and time point it ran, or one if it never reached the arms. */
static void patient_rows(const mk_trial_design *d, const mk_trial_patient *pt, mk_buf *b)
{
    for (int a = 0; a < d->n_arms; a++) {
        int ran = pt->fate == MK_FATE_ANALYSED && (d->paired || pt->arm == a);
        if (!ran && (pt->fate == MK_FATE_ANALYSED || a > 0)) continue;
        for (int t = 0; t < (ran ? d->n_times : 1); t++) {
            mk_buf_printf(b, "%d,%s,%s,%s", pt->index, k_fate[pt->fate], ran ? d->arms[a].name : "", ran ? d->times[t].name : "");
            if (d->has_sex) mk_buf_puts(b, pt->sex == 0 ? ",F" : pt->sex == 1 ? ",M" : ",");
            for (int k = 0; k < d->n_params; k++) num(b, pt->theta[k]);
            num(b, pt->true_ppt);
            num(b, pt->true_pain);
            num(b, pt->screen_ppt);
            num(b, pt->screen_pain);
            mk_buf_printf(b, ",%s", isfinite(pt->screen_ppt) ? (pt->screen_palp ? "positive" : "negative") : "");
            for (int o = 0; o < d->n_outcomes; o++) {
                size_t k = mk_trial_slot(d, a, t, o);
                num(b, ran ? pt->truth[k] : NAN);
                num(b, ran ? pt->observed[k] : NAN);
            }
            if (d->o_pain >= 0) num(b, ran ? pt->expect[(size_t)a * (size_t)d->n_times + (size_t)t] : NAN);
            mk_buf_puts(b, ",");
            if (pt->retried && !pt->failure)
                mk_buf_printf(b, "re-run at rtol %g after a solver failure at the trial's tolerance", MK_TRIAL_RTOL_RETRY);
            if (pt->failure) {
                mk_buf_puts(b, "\"");
                for (const char *c = pt->failure; *c; c++) mk_buf_printf(b, "%s", *c == '"' ? "\"\"" : *c == '\n' ? " " : (char[2]){*c, 0});
                mk_buf_puts(b, "\"");
            }
            mk_buf_puts(b, "\n");
        }
    }
}

/* patients.csv into b, or (f set) through b into f a patient at a time (f's sticky writer
 * keeps the first failed write's errno for mk_file_commit). */
static mk_status patients_csv(const mk_trial_result *r, mk_buf *b, mk_file_out *f, mk_error *err)
{
    mk_trial_cursor c;
    patients_header(r->d, b);
    mk_status rc = mk_trial_cursor_open(&c, r, err);
    for (int got = 1; !rc && got > 0;) {
        if ((got = mk_trial_cursor_next(&c)) < 0) rc = (*err = c.err, err->code);
        else if (got) patient_rows(r->d, &c.pt, b);
        if (!rc && (rc = done(b, "patients.csv", err)) == MK_OK && f && b->len) {
            mk_file_put(f, b->data, b->len);
            b->len = 0;
            if (f->error) break; /* the rest would be skipped: the commit reports it */
        }
    }
    mk_trial_cursor_close(&c);
    return rc;
}

mk_status mk_trial_write_patients(const mk_trial_result *r, mk_buf *b, mk_error *err)
{
    return patients_csv(r, b, NULL, err);
}

/* Through a temporary file renamed into place (core/file.h): a failure half-way leaves the old
 * file, not a truncated one. */
mk_status mk_trial_write_patients_file(const mk_trial_result *r, const char *path, mk_error *err)
{
    mk_file_out f;
    mk_status rc = mk_file_begin(&f, path, err);
    if (rc) return rc;
    mk_buf b;
    mk_buf_init(&b);
    rc = patients_csv(r, &b, &f, err);
    mk_buf_free(&b);
    if (rc) {
        mk_file_abort(&f);
        return rc;
    }
    return mk_file_commit(&f, err);
}

mk_status mk_trial_write_failures(const mk_trial_result *r, mk_buf *b, mk_error *err)
{
    mk_trial_cursor c;
    mk_status rc = mk_trial_cursor_open(&c, r, err);
    int got = 0;
    while (!rc && (got = mk_trial_cursor_next(&c)) > 0) {
        if (!c.pt.failure) continue;
        mk_buf_printf(b, "%d%c%s%c", c.pt.index, 0, c.pt.failure, 0); /* vsnprintf counts a %c NUL */
    }
    if (!rc && got < 0) rc = (*err = c.err, err->code);
    mk_trial_cursor_close(&c);
    return rc ? rc : done(b, "the failures", err);
}

/* Rows: every comparison x outcome x time on the values, then on the change from baseline. */
mk_status mk_trial_write_summary(const mk_trial_result *r, mk_buf *b, mk_error *err)
{
    const mk_trial_design *d = r->d;
    mk_buf_puts(b, "comparison,outcome,time,n_a,n_b,md,md_lo,md_hi,smd,smd_lo,smd_hi,p\n");
    for (int change = 0; change < 2; change++)
        for (int c = 0; c < d->n_cmp; c++)
            for (int o = 0; o < d->n_outcomes; o++)
                for (int t = change; t < d->n_times; t++) {
                    mk_stat_cmp s;
                    mk_trial_compare(r, c, o, t, change, &s);
                    mk_buf_printf(b, "%s vs %s,%s%s,%s,%d,%d", d->arms[d->cmp[c][0]].name, d->arms[d->cmp[c][1]].name,
                                  d->outcomes[o].name, change ? " change" : "", d->times[t].name, s.a.n, s.b.n);
                    num(b, s.md);
                    num(b, s.md_lo);
                    num(b, s.md_hi);
                    num(b, s.smd);
                    num(b, s.smd_lo);
                    num(b, s.smd_hi);
                    num(b, s.p);
                    mk_buf_puts(b, "\n");
                }
    return done(b, "trial_summary.csv", err);
}

mk_status mk_trial_write_responders(const mk_trial_result *r, mk_buf *b, mk_error *err)
{
    const mk_trial_design *d = r->d;
    mk_buf_puts(b, "arm,outcome,time,mid,unit,responders,n,rate\n");
    for (int a = 0; a < d->n_arms; a++)
        for (int o = 0; o < d->n_outcomes; o++)
            for (int t = 1; t < d->n_times; t++) {
                int resp, n;
                mk_trial_responders(r, a, o, t, &resp, &n);
                mk_buf_printf(b, "%s,%s,%s,%.6g,%s,%d,%d", d->arms[a].name, d->outcomes[o].name, d->times[t].name,
                              d->outcomes[o].mid, d->outcomes[o].unit, resp, n);
                num(b, n ? (double)resp / n : NAN);
                mk_buf_puts(b, "\n");
            }
    return done(b, "responders.csv", err);
}

/* ---------------------------------------------------------------- text */

/* " in [a, b] unit", " up to b unit" or " from a unit" (an open end is NaN) */
static void range_text(mk_buf *b, const mk_trial_range *r, const char *unit)
{
    if (isfinite(r->lo) && isfinite(r->hi)) mk_buf_printf(b, " in [%g, %g]%s", r->lo, r->hi, unit);
    else if (isfinite(r->hi)) mk_buf_printf(b, " up to %g%s", r->hi, unit);
    else if (isfinite(r->lo)) mk_buf_printf(b, " from %g%s", r->lo, unit);
    else mk_buf_puts(b, " (any)");
}

/* The sex covariate: women among the sampled, the accepted and the analysed. */
static void sex_text(const mk_trial_result *r, mk_buf *b)
{
    const mk_trial_design *d = r->d;
    if (!d->has_sex) return;
    const int *w = r->tab->sex_w, *n = r->tab->sex_n; /* sampled (and run), accepted, analysed */
    mk_buf_printf(b, "  sex (women %.0f %% of those sampled, by design; men's parameters:", 100 * d->women_share);
    for (int e = 0; e < d->n_men_fx; e++)
        mk_buf_printf(b, " %s x %g%s", d->abi->params[d->men_fx[e].index].name, d->men_fx[e].factor,
                      e + 1 < d->n_men_fx ? "," : "");
    mk_buf_printf(b, "%s): women %d of %d sampled, %d of %d accepted, %d of %d analysed\n", d->n_men_fx ? "" : " none",
                  w[0], n[0], w[1], n[1], w[2], n[2]);
}

static void flow_text(const mk_trial_result *r, mk_buf *b)
{
    const mk_trial_design *d = r->d;
    /* a patient who failed before acceptance was never accepted, screened or enrolled */
    int early = r->tab->failed_early, sampled = r->n, accepted = r->n - r->n_rejected - early;
    mk_buf_printf(b, "patient flow: %d virtual patients sampled; ", sampled);
    if (early) mk_buf_printf(b, "%d failed before acceptance (excluded); ", early);
    mk_buf_printf(b, "%d inside the population's ranges (acceptance %.1f %%); %d screened out by the examiner; %d "
                     "enrolled; %d failed (excluded)%s; %d analysed\n",
                  accepted, sampled - early ? 100.0 * accepted / (sampled - early) : 0.0, r->n_not_enrolled,
                  accepted - r->n_not_enrolled, r->n_failed - early, early ? " after enrolment" : "", r->n_analysed);
    if (r->n_retried)
        mk_buf_printf(b, "  %d patient%s re-run, whole, at rtol %g after a solver failure at rtol %g (their records are "
                         "those runs'; patients.csv's reason column marks them)\n",
                      r->n_retried, r->n_retried == 1 ? "" : "s", MK_TRIAL_RTOL_RETRY, r->rtol);
    /* regression to the mean: the enrolled were chosen on a noisy screening; their baseline
     * assessment (the same true state, a fresh error) is on average closer to the mean */
    const mk_trial_tables *T = r->tab;
    if (r->n_rejected && d->accept_ppt.set && d->accept_pain.set) {
        mk_buf_puts(b, "  rejected on the true baseline: PPT");
        range_text(b, &d->accept_ppt, " kPa");
        mk_buf_printf(b, " not met (pain met) %d, pain", T->rej_ppt);
        range_text(b, &d->accept_pain, "");
        mk_buf_printf(b, " not met (PPT met) %d, both not met %d\n", T->rej_pain, T->rej_both);
    }
    if (!r->n_analysed)
        mk_buf_printf(b, "  no patient was analysed: every comparison below has n 0 and no effect can be estimated "
                         "(%s)\n", r->n_rejected == r->n ? "every sampled patient lies outside the population's ranges"
                                   : r->n_failed == r->n ? "every patient's simulation failed"
                                                         : "see the flow above");
    double screen = T->rtm_screen, base = T->rtm_base, truth = T->rtm_truth;
    int n = T->rtm_n;
    if (n)
        mk_buf_printf(b, "  regression to the mean: the analysed patients' pain was %.2f at screening and %.2f at the "
                         "baseline assessment (true mean %.2f)\n",
                      screen / n, base / n, truth / n);
    sex_text(r, b);
    mk_buf_printf(b, "  arms (%s):", d->paired ? "paired: every patient cloned into every arm" : "randomised");
    for (int a = 0; a < d->n_arms; a++) mk_buf_printf(b, " %s %d%s", d->arms[a].name, r->per_arm[a], a + 1 < d->n_arms ? "," : "\n");
}

static void rules_text(const mk_trial_design *d, mk_buf *b)
{
    mk_buf_printf(b, "inclusion: phenotype %s, at the baseline time point (before treatment)", d->phenotype);
    if (d->accept_ppt.set) {
        mk_buf_puts(b, " with true PPT");
        range_text(b, &d->accept_ppt, " kPa");
    }
    if (d->accept_pain.set) {
        mk_buf_printf(b, "%s true spontaneous pain", d->accept_ppt.set ? " and" : " with");
        range_text(b, &d->accept_pain, "");
    }
    if (!d->accept_ppt.set && !d->accept_pain.set) mk_buf_puts(b, " no range (every patient accepted)");
    mk_buf_printf(b, "; enrolment on the examiner's screening:%s", d->need_palpation ? " palpation positive" : "");
    if (d->enrol_pain.set) {
        mk_buf_puts(b, " pain rating");
        range_text(b, &d->enrol_pain, "");
    }
    if (d->enrol_ppt.set) {
        mk_buf_puts(b, " PPT");
        range_text(b, &d->enrol_ppt, " kPa");
    }
    if (!d->need_palpation && !d->enrol_pain.set && !d->enrol_ppt.set) mk_buf_puts(b, " none (all enrolled)");
    mk_buf_puts(b, "\nexclusion: a patient whose simulation fails (history or any arm) is left out of every comparison\n");
    for (int o = 0; o < d->n_outcomes; o++)
        if (d->outcomes[o].kind == MK_OUT_REFERRED)
            mk_buf_printf(b, "outcome %s: spontaneous pain rated in %s (the site's referral map), 0-10 with the pain "
                          "rating's examiner noise, without the arms' expectation input\n", d->outcomes[o].name,
                          d->outcomes[o].region);
}

void mk_trial_write_text(const mk_trial_result *r, mk_buf *b)
{
    const mk_trial_design *d = r->d;
    mk_buf_printf(b, "trial '%s' (%s), %d patients, seed %llu, %d worker thread%s, %.1f s (%.2f patients/s)\n", d->name,
                  d->file, r->n, r->seed, r->threads, r->threads == 1 ? "" : "s", r->wall_s,
                  r->wall_s > 0 ? r->n / r->wall_s : 0.0);
    const char *hash, *by, *model = mk_trial_model(d, &hash, &by);
    mk_buf_printf(b, "model: %s (hash %s), chosen by %s\n", model, hash, by);
    mk_buf_printf(b, "solver: relative tolerance %g (%s)\n", r->rtol,
                  r->rtol_from == 2 ? "the caller's" : r->rtol_from == 1 ? "the design's" : "the trials' default");
    if (r->n_simulated > 0)
        mk_buf_printf(b, "model time simulated: %.1f days (histories and arms), %.1f days per patient simulated here\n",
                      r->model_s / 86400, r->model_s / 86400 / r->n_simulated);
    rules_text(d, b);
    flow_text(r, b);
    mk_buf_printf(b, "\n%-24s %-14s %-12s %5s %5s %9s %20s %7s %18s %8s\n", "comparison", "outcome", "time", "n_a", "n_b",
                  "MD", "95 % CI", "g", "95 % CI", "p");
    for (int change = 0; change < 2; change++)
        for (int c = 0; c < d->n_cmp; c++)
            for (int o = 0; o < d->n_outcomes; o++)
                for (int t = 1; t < d->n_times; t++) {
                    mk_stat_cmp s;
                    mk_trial_compare(r, c, o, t, change, &s);
                    char cmp[80], out[48], ci[48], gci[48];
                    snprintf(cmp, sizeof cmp, "%s vs %s", d->arms[d->cmp[c][0]].name, d->arms[d->cmp[c][1]].name);
                    snprintf(out, sizeof out, "%s%s", d->outcomes[o].name, change ? " change" : "");
                    snprintf(ci, sizeof ci, "%.3g to %.3g", s.md_lo, s.md_hi);
                    snprintf(gci, sizeof gci, "%.2f to %.2f", s.smd_lo, s.smd_hi);
                    mk_buf_printf(b, "%-24s %-14s %-12s %5d %5d %9.3g %20s %7.2f %18s %8.3g\n", cmp, out,
                                  d->times[t].name, s.a.n, s.b.n, s.md, ci, s.smd, gci, s.p);
                }
    mk_buf_puts(b, "\nresponders (improvement from baseline of at least the MID):\n");
    for (int o = 0; o < d->n_outcomes; o++)
        for (int t = 1; t < d->n_times; t++) {
            mk_buf_printf(b, "  %s (MID %g %s) at %s:", d->outcomes[o].name, d->outcomes[o].mid,
                          !strcmp(d->outcomes[o].unit, "0-10") ? "points" : d->outcomes[o].unit, d->times[t].name);
            for (int a = 0; a < d->n_arms; a++) {
                int resp, n;
                mk_trial_responders(r, a, o, t, &resp, &n);
                mk_buf_printf(b, " %s %d/%d", d->arms[a].name, resp, n);
                if (n) mk_buf_printf(b, " (%.0f %%)", 100.0 * resp / n);
                mk_buf_puts(b, a + 1 < d->n_arms ? "," : "\n");
            }
        }
    if (d->n_anchors) mk_buf_puts(b, "\npublished (the trial's anchors) and simulated:\n");
    for (int k = 0; k < d->n_anchors; k++) {
        const mk_trial_anchor *an = &d->anchors[k];
        mk_stat_cmp s;
        mk_trial_compare(r, an->cmp, an->outcome, an->time, 0, &s);
        mk_buf_printf(b, "  %s vs %s, %s at %s [%s]\n", d->arms[d->cmp[an->cmp][0]].name, d->arms[d->cmp[an->cmp][1]].name,
                      d->outcomes[an->outcome].name, d->times[an->time].name, an->source);
        mk_buf_puts(b, "    published:");
        if (isfinite(an->md)) mk_buf_printf(b, " MD %.3g", an->md);
        if (isfinite(an->md_lo)) mk_buf_printf(b, " (%.3g to %.3g)", an->md_lo, an->md_hi);
        if (isfinite(an->smd)) mk_buf_printf(b, " g %.2f", an->smd);
        if (isfinite(an->smd_lo)) mk_buf_printf(b, " (%.2f to %.2f)", an->smd_lo, an->smd_hi);
        mk_buf_printf(b, "\n    simulated: MD %.3g (%.3g to %.3g) g %.2f (%.2f to %.2f), p %.3g, n %d / %d\n", s.md,
                      s.md_lo, s.md_hi, s.smd, s.smd_lo, s.smd_hi, s.p, s.a.n, s.b.n);
    }
    for (int k = 0; k < r->tab->n_failed_shown; k++)
        mk_buf_printf(b, "%spatient %d failed: %s\n", k ? "" : "\n", r->tab->failed_index[k], r->tab->failed_why[k]);
}

/* ---------------------------------------------------------------- HTML */

static void esc(mk_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '<') mk_buf_puts(b, "&lt;");
        else if (*s == '>') mk_buf_puts(b, "&gt;");
        else if (*s == '&') mk_buf_puts(b, "&amp;");
        else if (*s == '"') mk_buf_puts(b, "&quot;");
        else mk_buf_printf(b, "%c", *s);
    }
}

static void html_table(const mk_trial_result *r, mk_buf *b)
{
    const mk_trial_design *d = r->d;
    mk_buf_puts(b, "<table><tr><th>comparison</th><th>outcome</th><th>time</th><th>n</th><th>MD (95 % CI)</th>"
                   "<th>Hedges' g (95 % CI)</th><th>p (Welch)</th></tr>\n");
    for (int change = 0; change < 2; change++)
        for (int c = 0; c < d->n_cmp; c++)
            for (int o = 0; o < d->n_outcomes; o++)
                for (int t = 1; t < d->n_times; t++) {
                    mk_stat_cmp s;
                    mk_trial_compare(r, c, o, t, change, &s);
                    mk_buf_puts(b, "<tr><td>");
                    esc(b, d->arms[d->cmp[c][0]].name);
                    mk_buf_puts(b, " vs ");
                    esc(b, d->arms[d->cmp[c][1]].name);
                    mk_buf_puts(b, "</td><td>");
                    esc(b, d->outcomes[o].name);
                    mk_buf_printf(b, "%s (%s)</td><td>", change ? " change" : "", d->outcomes[o].unit);
                    esc(b, d->times[t].name);
                    mk_buf_printf(b, "</td><td>%d / %d</td><td>%.3g (%.3g to %.3g)</td><td>%.2f (%.2f to %.2f)</td>"
                                     "<td>%.3g</td></tr>\n",
                                  s.a.n, s.b.n, s.md, s.md_lo, s.md_hi, s.smd, s.smd_lo, s.smd_hi, s.p);
                }
    mk_buf_puts(b, "</table>\n");
}

mk_status mk_trial_write_html(const mk_trial_result *r, const char *forest_png, mk_buf *b, mk_error *err)
{
    const mk_trial_design *d = r->d;
    mk_buf_puts(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
    esc(b, d->name);
    mk_buf_puts(b, "</title><style>body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}"
                   "table{border-collapse:collapse}td,th{border-bottom:1px solid #ccc;padding:0.2em 0.6em;"
                   "text-align:left}.flow{display:flex;flex-direction:column;gap:0.3em;max-width:30em}"
                   ".box{border:1px solid #444;padding:0.4em}.out{margin-left:3em;color:#555}</style></head><body>\n<h1>Trial ");
    esc(b, d->name);
    mk_buf_puts(b, "</h1>\n<p>");
    esc(b, d->description);
    const char *hash, *by, *model = mk_trial_model(d, &hash, &by);
    mk_buf_printf(b, "</p>\n<p>%d virtual patients, seed %llu, solver relative tolerance %g, %s design; model ", r->n,
                  r->seed, r->rtol, d->paired ? "paired (every patient cloned into every arm)" : "randomised");
    esc(b, model);
    mk_buf_printf(b, " (hash %s, chosen by %s).</p>\n<h2>Patient flow</h2>\n<div class=\"flow\">", hash, by);
    int early = r->tab->failed_early, accepted = r->n - r->n_rejected - early, enrolled = accepted - r->n_not_enrolled;
    mk_buf_printf(b, "<div class=\"box\">Sampled (Sobol): %d</div>", r->n);
    if (early) mk_buf_printf(b, "<div class=\"out\">Simulation failed before acceptance (excluded): %d</div>", early);
    mk_buf_printf(b, "<div class=\"out\">Outside the population's ranges: %d "
                     "(acceptance %.1f %%)</div><div class=\"box\">Screened: %d</div><div class=\"out\">Not enrolled "
                     "(examiner's screening): %d</div><div class=\"box\">Enrolled: %d</div><div class=\"out\">Simulation "
                     "failed (excluded): %d</div>",
                  r->n_rejected, r->n - early ? 100.0 * accepted / (r->n - early) : 0.0, accepted, r->n_not_enrolled,
                  enrolled, r->n_failed - early);
    for (int a = 0; a < d->n_arms; a++) {
        mk_buf_puts(b, "<div class=\"box\">Analysed in ");
        esc(b, d->arms[a].name);
        mk_buf_printf(b, ": %d</div>", r->per_arm[a]);
    }
    mk_buf_puts(b, "</div>\n<h2>Rules</h2>\n<pre>");
    mk_buf rules;
    mk_buf_init(&rules);
    rules_text(d, &rules);
    if (rules.data) esc(b, rules.data);
    mk_buf_free(&rules);
    mk_buf_puts(b, "</pre>\n<h2>Arms and expectation</h2>\n<ul>");
    for (int a = 0; a < d->n_arms; a++) {
        mk_buf_puts(b, "<li><b>");
        esc(b, d->arms[a].name);
        mk_buf_printf(b, "</b>: %s; expectation on reported pain %+g points (", d->arms[a].scenario, d->arms[a].expectation);
        esc(b, d->arms[a].expectation_source);
        mk_buf_puts(b, ")</li>");
    }
    mk_buf_puts(b, "</ul>\n<h2>Effects</h2>\n");
    html_table(r, b);
    FILE *f = forest_png ? fopen(forest_png, "rb") : NULL;
    if (f) {
        mk_buf_puts(b, "<h2>Forest plot</h2>\n<img alt=\"forest plot\" style=\"max-width:100%\" src=\"data:image/png;base64,");
        unsigned char chunk[3 * 4096];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) mk_base64_append(b, chunk, n);
        fclose(f);
        mk_buf_puts(b, "\">\n");
    }
    mk_buf_puts(b, "<h2>Account</h2>\n<pre>");
    mk_buf txt;
    mk_buf_init(&txt);
    mk_trial_write_text(r, &txt);
    if (txt.data) esc(b, txt.data);
    mk_buf_free(&txt);
    mk_buf_puts(b, "</pre>\n</body></html>\n");
    return done(b, "report.html", err);
}

/* ---------------------------------------------------------------- forest plot */

#define FOREST_MAX 64

typedef struct forest {
    int n;
    char label[FOREST_MAX][120];
    double g[FOREST_MAX], lo[FOREST_MAX], hi[FOREST_MAX];
    double pub[FOREST_MAX], pub_lo[FOREST_MAX], pub_hi[FOREST_MAX];
    char title[512];          /* the design's name is at most 95 characters: never cut */
} forest;

static void forest_draw(const void *ctx, double *xs, double *ys)
{
    (void)xs;
    (void)ys;
    const forest *f = ctx;
    double xmin = -0.5, xmax = 0.5;
    for (int k = 0; k < f->n; k++) {
        mk_plot_span(&xmin, &xmax, f->lo[k]);
        mk_plot_span(&xmin, &xmax, f->hi[k]);
        mk_plot_span(&xmin, &xmax, f->pub_lo[k]);
        mk_plot_span(&xmin, &xmax, f->pub_hi[k]);
    }
    mk_plot_pad_range(&xmin, &xmax, 0.05, 0);
    double H = 200 + 44.0 * f->n;
    mk_plot_title(f->title, 1500, H);
    plvpor(0.36, 0.97, 90 / H, (H - 110) / H);
    plwind(xmin, xmax, 0, f->n);
    PLFLT zx[2] = {0, 0}, zy[2] = {0, f->n};
    mk_plot_dashed(2, zx, zy, MK_PC_GREY, MK_PLOT_AXIS_W);
    for (int k = 0; k < f->n; k++) {
        double y = f->n - k - 0.5;
        if (isfinite(f->pub[k])) { /* published: grey bar and open diamond, just below */
            PLFLT lx[2] = {f->pub_lo[k], f->pub_hi[k]}, ly[2] = {y - 0.22, y - 0.22};
            plcol0(MK_PC_ORANGE);
            plwidth(MK_PLOT_LINE_W);
            if (isfinite(lx[0]) && isfinite(lx[1])) plline(2, lx, ly);
            PLFLT px = f->pub[k], py = y - 0.22;
            plschr(0.0, MK_PLOT_FS * 1.8);
            plstring(1, &px, &py, "\xe2\x97\x86");
            plschr(0.0, MK_PLOT_FS);
        }
        if (isfinite(f->g[k])) {
            PLFLT lx[2] = {f->lo[k], f->hi[k]}, ly[2] = {y + 0.1, y + 0.1};
            plcol0(MK_PC_BLUE);
            plwidth(MK_PLOT_LINE_W);
            plline(2, lx, ly);
            PLFLT px = f->g[k], py = y + 0.1;
            plstring(1, &px, &py, "\xe2\x96\xa0");
        }
        char t[240];
        mk_plot_text(t, sizeof t, f->label[k]);
        plcol0(MK_PC_BLACK);
        plmtex("lv", 0.8, y / f->n, 1.0, t);
    }
    plcol0(MK_PC_BLACK);
    plwidth(MK_PLOT_AXIS_W);
    plbox("bnst", 0.0, 0, "", 0.0, 0);
    plmtex("b", 3.4, 0.5, 0.5, "Hedges' g (95 % CI): simulated (blue squares), published (orange diamonds)");
}

mk_status mk_trial_write_forest(const mk_trial_result *r, const char *path, mk_error *err)
{
    const mk_trial_design *d = r->d;
    forest *f = mk_calloc(1, sizeof *f);
    if (!f) return mk_fail(err, MK_ERR_NOMEM, "out of memory for the forest plot");
    for (int c = 0; c < d->n_cmp; c++)
        for (int o = 0; o < d->n_outcomes; o++)
            for (int t = 1; t < d->n_times && f->n < FOREST_MAX; t++) {
                mk_stat_cmp s;
                mk_trial_compare(r, c, o, t, 0, &s);
                int k = f->n++;
                snprintf(f->label[k], sizeof f->label[k], "%.30s vs %.30s, %.20s, %.20s", d->arms[d->cmp[c][0]].name,
                         d->arms[d->cmp[c][1]].name, d->outcomes[o].name, d->times[t].name);
                f->g[k] = s.smd;
                f->lo[k] = s.smd_lo;
                f->hi[k] = s.smd_hi;
                f->pub[k] = f->pub_lo[k] = f->pub_hi[k] = NAN;
                for (int a = 0; a < d->n_anchors; a++)
                    if (d->anchors[a].cmp == c && d->anchors[a].outcome == o && d->anchors[a].time == t) {
                        f->pub[k] = d->anchors[a].smd;
                        f->pub_lo[k] = d->anchors[a].smd_lo;
                        f->pub_hi[k] = d->anchors[a].smd_hi;
                    }
            }
    char t[256];
    snprintf(t, sizeof t, "Trial %s: %d virtual patients analysed of %d sampled; between-arm difference at each time",
             d->name, r->n_analysed, r->n);
    mk_plot_text(f->title, sizeof f->title, t);
    mk_plot_page page = {path, 1500, (int)(200 + 44.0 * f->n), NULL, 0, 1};
    mk_status rc = mk_plot_draw(&page, forest_draw, f, err);
    free(f);
    return rc;
}

/* ---------------------------------------------------------------- power by simulation */

typedef struct power_acc {
    int sig, n;
    double md, smd;
} power_acc;

static void power_add(const mk_trial_result *r, power_acc *acc)
{
    const mk_trial_design *d = r->d;
    int k = 0;
    for (int c = 0; c < d->n_cmp; c++)
        for (int o = 0; o < d->n_outcomes; o++)
            for (int t = 1; t < d->n_times; t++, k++) {
                mk_stat_cmp s;
                mk_trial_compare(r, c, o, t, 0, &s);
                if (!isfinite(s.p)) continue;
                acc[k].n++;
                acc[k].sig += s.p < 0.05;
                acc[k].md += s.md;
                acc[k].smd += isfinite(s.smd) ? s.smd : 0;
            }
}

mk_status mk_trial_power(const mk_trial_design *d, const mk_trial_opts *o, int replicates, mk_buf *b, mk_error *err)
{
    int cells = d->n_cmp * d->n_outcomes * d->n_times;
    power_acc *acc = mk_calloc((size_t)cells + 1, sizeof *acc);
    if (!acc) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_trial_opts ro = *o;
    ro.journal = NULL; /* replicates are not checkpointed */
    ro.progress = NULL; /* per replicate, not per patient */
    mk_status rc = MK_OK;
    for (int k = 1; !rc && k <= replicates; k++) {
        mk_trial_result *r = NULL;
        ro.seed = o->seed + (unsigned long long)k;
        if ((rc = mk_trial_run(d, &ro, &r, err))) break;
        power_add(r, acc);
        mk_trial_result_free(r);
        if (o->progress) o->progress(o->progress_ctx, k, replicates, 0);
    }
    mk_buf_puts(b, "comparison,outcome,time,replicates,significant,power,mean_md,mean_smd\n");
    int k = 0;
    for (int c = 0; !rc && c < d->n_cmp; c++)
        for (int oo = 0; oo < d->n_outcomes; oo++)
            for (int t = 1; t < d->n_times; t++, k++) {
                mk_buf_printf(b, "%s vs %s,%s,%s,%d,%d", d->arms[d->cmp[c][0]].name, d->arms[d->cmp[c][1]].name,
                              d->outcomes[oo].name, d->times[t].name, acc[k].n, acc[k].sig);
                num(b, acc[k].n ? (double)acc[k].sig / acc[k].n : NAN);
                num(b, acc[k].n ? acc[k].md / acc[k].n : NAN);
                num(b, acc[k].n ? acc[k].smd / acc[k].n : NAN);
                mk_buf_puts(b, "\n");
            }
    free(acc);
    if (!rc) rc = done(b, "power.csv", err);
    return rc;
}
