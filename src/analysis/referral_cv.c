/* referral_cv.c -- leave-one-muscle-out cross-validation of the referral mechanism, with the
 * saline bolus simulated (see referral_cv.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "analysis/referral_cv.h"
#include "body/anatomy_internal.h"
#include "core/alloc.h"
#include "core/error.h"
#include "protocol/scenario.h"
#include "protocol/simulate.h"

/* The measurement convention of issue 10; onset at 1 min, 30 min lets the pain subside. */
static const char k_scenario[] =
    "name: referral_saline\n"
    "description: 1 mL of 5.8 %% hypertonic saline over 20 s into the right %s\n"
    "site: {muscle: %s, side: right}\n"
    "duration: 30 min\n"
    "output_every: 5 s\n"
    "timeline:\n"
    "  - {event: injection, at: 1 min, substance: hypertonic_saline, volume: 1 mL, over: 20 s}\n";

/* simulate the bolus into `muscle` with the anatomy (and referral parameters) given */
static mk_status bolus(const mk_anatomy *anat, mk_units *u, const char *muscle, mk_run_result *res, mk_error *err)
{
    char text[1024];
    snprintf(text, sizeof text, k_scenario, muscle, muscle);
    mk_scenario *scn = NULL;
    mk_protocol *proto = NULL;
    mk_status rc = mk_scenario_load_string("<referral convention>", text, &scn, err);
    const mk_model_abi *abi = rc ? NULL : mk_builtin_find(mk_scenario_model(scn));
    if (!rc && !abi) rc = mk_fail(err, MK_ERR_MODEL, "built-in model '%s' not found", mk_scenario_model(scn));
    if (!rc) rc = mk_scenario_compile(scn, abi, u, anat, NULL, 0, 0, NULL, &proto, err);
    if (!rc) rc = mk_simulate(abi, proto, anat, NULL, res, err);
    mk_protocol_free(proto);
    mk_scenario_free(scn);
    return rc;
}

static mk_status response_of(const mk_run_result *res, mk_referral_response *resp, double *peak_referred,
                             double *cs_max, mk_error *err)
{
    const mk_series *s = &res->series;
    const char *referred = mk_abi_label_symbol(res->abi, "pain_referred");
    const char *central = mk_abi_label_symbol(res->abi, "spinal_central_sens");
    int cp = referred ? mk_series_find(s, referred) : -1, cc = central ? mk_series_find(s, central) : -1;
    if (cp < 0)
        return mk_fail(err, MK_ERR_MODEL, "model '%s' lacks label pain_referred (the site interface, "
                       "docs/site-interface.md), needed for referral cross-validation", res->abi->name);
    for (int k = 0; k < s->n_rows; k++) {
        double pain = s->values[(size_t)k * (size_t)s->n_cols + (size_t)cp];
        double cs = cc >= 0 ? s->values[(size_t)k * (size_t)s->n_cols + (size_t)cc] : 0;
        mk_referral_response_add(resp, pain, cs);
        *peak_referred = fmax(*peak_referred, pain);
        *cs_max = fmax(*cs_max, cs);
    }
    mk_referral_response_thin(resp, 12);
    return MK_OK;
}

mk_status mk_referral_saline_response(const mk_anatomy *anat, mk_referral_response *resp, double *peak_referred,
                                      double *cs_max, mk_error *err)
{
    mk_units *u = NULL;
    mk_run_result res;
    memset(&res, 0, sizeof res);
    memset(resp, 0, sizeof *resp);
    *peak_referred = *cs_max = 0;
    mk_status rc = mk_units_new(&u, err);
    /* the site model does not depend on the muscle: one bolus gives the response */
    if (!rc) rc = bolus(anat, u, "upper_trapezius", &res, err);
    if (!rc) rc = response_of(&res, resp, peak_referred, cs_max, err);
    mk_run_result_free(&res);
    mk_units_free(u);
    return rc;
}

/* the regions whose recorded pain reaches the threshold in a full run, the muscle's local
 * regions (recorded as local pain) left out as in the maps */
static void real_set(const mk_anatomy *a, const char *muscle, const mk_run_result *res, mk_region_set *set)
{
    const mk_muscle *m = mk_anatomy_muscle(a, muscle);
    const mk_series *s = &res->series;
    char name[128];
    memset(set, 0, sizeof *set);
    for (int i = 0; i < a->n_regions; i++) {
        snprintf(name, sizeof name, "pain.region.%s", a->regions[i].id);
        int c = mk_series_find(s, name);
        const char *hit = m ? strstr(m->local_regions, a->regions[i].base) : NULL;
        size_t n = strlen(a->regions[i].base);
        if (hit && (hit == m->local_regions || hit[-1] == ';') && (hit[n] == ';' || hit[n] == 0)) continue;
        if (c < 0) continue;
        double peak = 0;
        for (int k = 0; k < s->n_rows; k++) peak = fmax(peak, s->values[(size_t)k * (size_t)s->n_cols + (size_t)c]);
        if (peak >= MK_REFERRAL_THRESHOLD) mk_region_set_add(set, i);
    }
}

/* the held-out muscles through full simulations with their folds' parameters */
static mk_status verify(mk_referral_cv_report *r, mk_units *u, mk_error *err)
{
    mk_anatomy *copy = mk_malloc(sizeof *copy);
    if (!copy) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_status rc = MK_OK;
    for (int i = 0; !rc && i < r->maps.n; i++) {
        *copy = *r->anat;
        copy->referral = r->cv.fold[i];
        mk_run_result res;
        if ((rc = bolus(copy, u, r->maps.muscle[i], &res, err))) break;
        real_set(copy, r->maps.muscle[i], &res, &r->real[i]);
        mk_run_result_free(&res);
        r->verified++;
        r->mismatches += memcmp(&r->real[i], &r->cv.pred[i], sizeof r->real[i]) != 0;
        mk_referral_score_add(&r->real_essential, &r->real[i], &r->maps.essential[i]);
        mk_referral_score_add(&r->real_all, &r->real[i], &r->maps.all[i]);
    }
    free(copy);
    return rc;
}

mk_status mk_referral_cv_run(const mk_referral_params *p, const mk_referral_fit_opts *o, int do_verify,
                             mk_referral_cv_report **out, mk_error *err)
{
    *out = NULL;
    mk_referral_cv_report *r = mk_calloc(1, sizeof *r);
    if (!r) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_units *u = NULL;
    mk_run_result res;
    memset(&res, 0, sizeof res);
    mk_status rc = mk_anatomy_load(&r->anat, err);
    if (!rc) rc = mk_units_new(&u, err);
    if (!rc) rc = mk_referral_maps_training(r->anat, &r->maps, err);
    /* the site model does not depend on the muscle: one bolus gives the response */
    if (!rc) rc = bolus(r->anat, u, "upper_trapezius", &res, err);
    if (!rc) rc = response_of(&res, &r->resp, &r->peak_referred, &r->cs_max, err);
    mk_run_result_free(&res);
    double t0 = mk_monotonic_s();
    if (!rc) rc = mk_referral_cross_validate(r->anat, &r->maps, &r->resp, p ? p : &r->anat->referral, o, &r->cv, err);
    r->seconds_fit = mk_monotonic_s() - t0;
    t0 = mk_monotonic_s();
    if (!rc && do_verify) rc = verify(r, u, err);
    r->seconds_verify = mk_monotonic_s() - t0;
    mk_units_free(u);
    if (rc) {
        mk_referral_cv_report_free(r);
        return rc;
    }
    *out = r;
    return MK_OK;
}

void mk_referral_cv_report_free(mk_referral_cv_report *r)
{
    if (!r) return;
    mk_anatomy_free(r->anat);
    free(r);
}

static void put_score(mk_buf *b, const char *what, const mk_referral_score *s)
{
    mk_buf_printf(b, "  %-44s precision %.2f  recall %.2f  F1 %.2f  (TP %ld, FP %ld, FN %ld)\n", what,
                  s->precision, s->recall, s->f1, s->tp, s->fp, s->fn);
}

static void put_set(mk_buf *b, const mk_anatomy *a, const mk_region_set *s, const mk_region_set *mark)
{
    int any = 0;
    for (int i = 0; i < a->n_regions; i++)
        if (mk_region_set_has(s, i)) {
            mk_buf_printf(b, "%s%s%s", any ? " " : "", a->regions[i].id, mark && !mk_region_set_has(mark, i) ? "*" : "");
            any = 1;
        }
    if (!any) mk_buf_puts(b, "-");
}

void mk_referral_cv_format(const mk_referral_cv_report *r, mk_buf *b)
{
    const mk_referral_cv *cv = &r->cv;
    mk_buf_printf(b, "referral: leave-one-muscle-out cross-validation on %d classical maps\n", r->maps.n);
    mk_buf_printf(b, "  bolus response: pain.referred peaks at %.2f/10, central sensitisation at most %.3f "
                  "(%d points of its front kept)\n", r->peak_referred, r->cs_max, r->resp.n);
    mk_buf_puts(b, "scores (pooled (muscle, region) pairs, local regions left out):\n");
    put_score(b, "file's values, in-sample, essential", &cv->start_essential);
    put_score(b, "fitted on all 26, in-sample, essential", &cv->fit_essential);
    put_score(b, "fitted on all 26, in-sample, essential+spill", &cv->fit_all);
    put_score(b, "cross-validated (fast path), essential", &cv->cv_essential);
    put_score(b, "cross-validated (fast path), essential+spill", &cv->cv_all);
    if (r->verified) {
        put_score(b, "cross-validated (simulated), essential", &r->real_essential);
        put_score(b, "cross-validated (simulated), essential+spill", &r->real_all);
        mk_buf_printf(b, "  simulated check: %d of %d held-out maps differ from the fast path\n", r->mismatches,
                      r->verified);
    }
    mk_buf_puts(b, "fitted on all maps (name value [min, max]):\n");
    for (int i = 0; i < MK_RP_COUNT; i++)
        mk_buf_printf(b, "  %-9s %9.4g  [%g, %g]%s\n", mk_rp_name(i), cv->fitted.value[i], cv->fitted.min[i],
                      cv->fitted.max[i], cv->fitted.fit[i] ? "" : "  (fixed)");
    mk_buf_puts(b, "held-out predictions (* = not in the essential zone); map: essential | spillover\n");
    for (int m = 0; m < r->maps.n; m++) {
        const mk_region_set *pred = r->verified ? &r->real[m] : &cv->pred[m];
        mk_buf_printf(b, "  %s\n    predicted: ", r->maps.muscle[m]);
        put_set(b, r->anat, pred, &r->maps.essential[m]);
        mk_buf_puts(b, "\n    map:       ");
        put_set(b, r->anat, &r->maps.essential[m], NULL);
        mk_region_set spill;
        for (int w = 0; w < 3; w++) spill.bit[w] = r->maps.all[m].bit[w] & ~r->maps.essential[m].bit[w];
        mk_buf_puts(b, " | ");
        put_set(b, r->anat, &spill, NULL);
        mk_buf_puts(b, "\n");
    }
    mk_buf_printf(b, "time: fit and cross-validation %.1f s, simulated check %.1f s\n", r->seconds_fit, r->seconds_verify);
}
