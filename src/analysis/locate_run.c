/* locate_run.c -- myoknot locate and its leave-one-out measurement (locate_run.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/locate_run.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/file.h"
#include "report/bodymap.h"

struct mk_locate_report {
    mk_anatomy *anat;
    mk_referral_response resp;
    double peak_referred, cs_max;
    mk_referral_maps maps;
    mk_locate_obs obs;
    mk_drawing drawing;
    char source[256];            /* "the command line" or the file */
    mk_locate_model *model;
    int order[MK_LOCATE_MAX_CAND];
    int top;
};

/* the muscles to consider: only[i] for anatomy muscle i; unknown and repeated names refused */
static mk_status pick_muscles(const mk_anatomy *a, const mk_locate_request *q, int *only, mk_error *err)
{
    for (int i = 0; i < a->n_muscles; i++) only[i] = q->n_muscles == 0;
    for (int k = 0; k < q->n_muscles; k++) {
        const mk_muscle *m = mk_anatomy_muscle(a, q->muscles[k]);
        if (!m) {
            const char *hint = mk_anatomy_suggest(a, q->muscles[k], 1);
            return mk_fail(err, MK_ERR_NAME, "unknown muscle '%s'%s%s%s (muscles are in data/anatomy/muscles.csv)",
                           q->muscles[k], hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
        }
        int i = (int)(m - a->muscles);
        if (only[i]) return mk_fail(err, MK_ERR_NAME, "muscle '%s' given twice", m->id);
        only[i] = 1;
    }
    return MK_OK;
}

static mk_status read_drawing(mk_locate_report *r, const mk_locate_request *q, mk_error *err)
{
    if (q->drawing_file && q->n_items > 0)
        return mk_fail(err, MK_ERR_INVALID, "give the pain drawing as REGION=INTENSITY items or as a file, not both");
    if (!q->drawing_file) {
        snprintf(r->source, sizeof r->source, "the command line");
        return mk_drawing_parse_args(r->anat, q->n_items, q->items, &r->drawing, err);
    }
    snprintf(r->source, sizeof r->source, "%s", q->drawing_file);
    char *text = NULL;
    mk_status rc = mk_read_text_file(q->drawing_file, NULL, &text, NULL, err);
    if (!rc) rc = mk_drawing_parse_yaml(r->anat, q->drawing_file, text, &r->drawing, err);
    free(text);
    return rc;
}

mk_status mk_locate_run(const mk_locate_request *q, mk_locate_report **out, mk_error *err)
{
    *out = NULL;
    mk_locate_report *r = mk_calloc(1, sizeof *r);
    int only[MK_MAX_MUSCLES];
    if (!r || !(r->model = mk_malloc(sizeof *r->model))) {
        free(r);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    }
    r->top = q->top > 0 ? q->top : 5;
    mk_status rc = mk_anatomy_load(&r->anat, err);
    /* the input first: a bad drawing costs no simulation */
    if (!rc) rc = read_drawing(r, q, err);
    if (!rc) rc = pick_muscles(r->anat, q, only, err);
    if (!rc) rc = mk_referral_saline_response(r->anat, &r->resp, &r->peak_referred, &r->cs_max, err);
    if (!rc) rc = mk_referral_maps_training(r->anat, &r->maps, err);
    mk_locate_obs_default(&r->obs);
    if (!rc) rc = mk_locate_obs_measure(r->anat, &r->anat->referral, &r->resp, &r->maps, NULL, &r->obs, err);
    if (!rc) rc = mk_locate_model_build(r->anat, &r->anat->referral, &r->resp, only, r->model, err);
    if (rc) {
        mk_locate_report_free(r);
        return rc;
    }
    mk_locate_posterior(r->anat, &r->obs, &r->drawing, r->model);
    mk_locate_rank(r->model, r->order);
    *out = r;
    return MK_OK;
}

void mk_locate_report_free(mk_locate_report *r)
{
    if (!r) return;
    mk_anatomy_free(r->anat);
    free(r->model);
    free(r);
}

/* ---------------------------------------------------------------- text */

static const char *side_word(char s) { return s == 'l' ? "left" : "right"; }

static double drawn_at(const mk_drawing *d, int i)
{
    for (int k = 0; k < d->n; k++)
        if (d->region[k] == i) return d->intensity[k];
    return 0;
}

static void put_obs(mk_buf *b, const mk_locate_obs *o)
{
    mk_buf_printf(b, "observation model (how a patient draws, given a candidate's predicted map):\n"
                  "  miss  %.3f  P(a referred region is not drawn): measured, %ld of %ld essential-zone regions of %d "
                  "training maps not predicted (+1 of +2)\n"
                  "  extra %.4f P(a region outside the map is drawn): measured, %ld of the %ld regions outside the "
                  "essential zones predicted (+1 of +2)\n"
                  "  local %.2f  P(one of the candidate's own local regions is drawn): assumed (the maps leave local "
                  "pain out)\n"
                  "  sigma %.2f  sd of log intensity around the predicted pattern, scale integrated out: assumed "
                  "(NRS test-retest, doubled)\n",
                  o->miss, o->fn, o->tp + o->fn, o->n_maps, o->extra, o->fp, o->fp + o->tn, o->local, o->sigma);
}

static void put_candidate(mk_buf *b, const mk_locate_report *r, int rank, const mk_locate_cand *c)
{
    const mk_anatomy *a = r->anat;
    char why[160];
    mk_buf_printf(b, "%d. %s, %s: probability %.3f\n   predicted map (peak pain /10 after the bolus; drawn?; why):",
                  rank, a->muscles[c->muscle].id, side_word(c->side), c->post);
    int any = 0;
    for (int i = 0; i < a->n_regions; i++) {
        if (!mk_region_set_has(&c->pred, i)) continue;
        mk_locate_explain(a, c, i, why, sizeof why);
        double d = drawn_at(&r->drawing, i);
        mk_buf_printf(b, "\n     %-28s %4.2f  %-9s %s", a->regions[i].id, c->peak[i], d ? "drawn" : "not drawn", why);
        any = 1;
    }
    if (!any) mk_buf_puts(b, " none (no region reaches 0.5/10)");
    mk_buf_puts(b, "\n   drawn, outside the map:");
    any = 0;
    for (int k = 0; k < r->drawing.n; k++) {
        int i = r->drawing.region[k];
        if (mk_region_set_has(&c->pred, i)) continue;
        mk_buf_printf(b, " %s (%s)", a->regions[i].id, mk_region_set_has(&c->local, i) ? "local" : "extra");
        any = 1;
    }
    if (!any) mk_buf_puts(b, " -");
    mk_buf_puts(b, "\n");
}

void mk_locate_format(const mk_locate_report *r, mk_buf *b)
{
    const mk_anatomy *a = r->anat;
    const mk_locate_model *m = r->model;
    mk_buf_printf(b, "locate: a pain drawing of %d region%s from %s:", r->drawing.n, r->drawing.n == 1 ? "" : "s",
                  r->source);
    for (int k = 0; k < r->drawing.n; k++)
        mk_buf_printf(b, " %s %g", a->regions[r->drawing.region[k]].id, r->drawing.intensity[k]);
    mk_buf_printf(b, "\npredicted maps: the referral mechanism (data/anatomy/referral_params.csv) after 1 mL of 5.8 %% "
                  "saline (pain.referred peaks at %.2f/10); a region is in the map at 0.5/10\n", r->peak_referred);
    put_obs(b, &r->obs);
    mk_buf_printf(b, "prior: uniform over %d candidates (%d muscles, right and left): no prevalence table per muscle\n",
                  m->n, m->n / 2);
    mk_buf_puts(b, "rank  probability  muscle                            side\n");
    int shown = m->n < 10 ? m->n : 10;
    for (int k = 0; k < shown; k++) {
        const mk_locate_cand *c = &m->cand[r->order[k]];
        mk_buf_printf(b, "%4d  %11.3f  %-32s  %s\n", k + 1, c->post, a->muscles[c->muscle].id, side_word(c->side));
    }
    if (shown < m->n) mk_buf_printf(b, "  (%d more: --csv FILE lists all)\n", m->n - shown);
    int top = r->top < m->n ? r->top : m->n;
    mk_buf_printf(b, "the %d most probable, with the segments that explain their maps:\n", top);
    for (int k = 0; k < top; k++) put_candidate(b, r, k + 1, &m->cand[r->order[k]]);
}

mk_status mk_locate_write_csv(const mk_locate_report *r, const char *path, mk_error *err)
{
    mk_buf b;
    mk_buf_init(&b);
    mk_buf_puts(&b, "rank,muscle,side,probability\n");
    for (int k = 0; k < r->model->n; k++) {
        const mk_locate_cand *c = &r->model->cand[r->order[k]];
        mk_buf_printf(&b, "%d,%s,%s,%.6g\n", k + 1, r->anat->muscles[c->muscle].id, side_word(c->side), c->post);
    }
    mk_status rc = b.failed ? mk_fail(err, MK_ERR_NOMEM, "out of memory") : mk_file_write(path, b.data, b.len, err);
    mk_buf_free(&b);
    return rc;
}

/* ---------------------------------------------------------------- figure */

mk_status mk_locate_write_figure(const mk_locate_report *r, const char *path, mk_error *err)
{
    const mk_anatomy *a = r->anat;
    int n_reg = a->n_regions, n_top = r->model->n < 3 ? r->model->n : 3;
    double *pain = mk_calloc((size_t)(n_top + 1) * (size_t)n_reg + 1, sizeof *pain);
    mk_bodymap *bm = mk_calloc(1, sizeof *bm);
    if (!pain || !bm) {
        free(pain);
        free(bm);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory for the body map");
    }
    double dmax = 0;
    for (int k = 0; k < r->drawing.n; k++) {
        pain[r->drawing.region[k]] = r->drawing.intensity[k];
        dmax = fmax(dmax, r->drawing.intensity[k]);
    }
    bm->anat = a;
    bm->n_maps = n_top + 1;
    bm->map[0].pain = pain;
    snprintf(bm->map[0].heading, sizeof bm->map[0].heading, "A  the pain drawing");
    for (int j = 0; j < n_top; j++) {
        const mk_locate_cand *c = &r->model->cand[r->order[j]];
        double *p = pain + (size_t)(j + 1) * (size_t)n_reg, cmax = 0;
        for (int i = 0; i < n_reg; i++) cmax = fmax(cmax, mk_region_set_has(&c->pred, i) ? c->peak[i] : 0);
        /* the map's own scale is the bolus's; drawn to the drawing's highest intensity */
        for (int i = 0; i < n_reg; i++)
            p[i] = cmax > 0 && mk_region_set_has(&c->pred, i) ? c->peak[i] * dmax / cmax : 0;
        bm->map[j + 1].pain = p;
        snprintf(bm->map[j + 1].heading, sizeof bm->map[j + 1].heading, "%c  %d. %s, %s: p = %.2f", 'B' + j, j + 1,
                 a->muscles[c->muscle].id, side_word(c->side), c->post);
        size_t n = 0;
        for (int i = 0; i < n_reg && n < sizeof bm->map[j + 1].trp_regions; i++)
            if (mk_region_set_has(&c->local, i))
                n += (size_t)snprintf(bm->map[j + 1].trp_regions + n, sizeof bm->map[j + 1].trp_regions - n, "%s%s",
                                      n ? ";" : "", a->regions[i].id);
    }
    char title[320];
    bm->title = title;
    snprintf(title, sizeof title,
             "Pain drawing and the %d most probable trigger points (myoknot locate)\n"
             "their predicted referral maps, scaled to the drawing's highest intensity; x = the candidate's site",
             n_top);
    mk_status rc = mk_bodymap_draw(bm, path, err);
    free(pain);
    free(bm);
    return rc;
}

/* ---------------------------------------------------------------- leave-one-out */

static const double k_bin_hi[MK_LOCATE_BINS] = {0.01, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0001};

static int bin_of(double p)
{
    int b = 0;
    while (b < MK_LOCATE_BINS - 1 && p >= k_bin_hi[b]) b++;
    return b;
}

/* fold i: its parameters, its rates, the drawing of map i located among all candidates */
static mk_status locate_fold(const mk_referral_cv_report *ref, int i, mk_locate_model *m, mk_locate_cv *c,
                             mk_error *err)
{
    const mk_anatomy *a = ref->anat;
    const mk_referral_params *p = &ref->cv.fold[i];
    int use[MK_REFERRAL_MAX_CASES], order[MK_LOCATE_MAX_CAND];
    for (int k = 0; k < ref->maps.n; k++) use[k] = k != i;
    mk_locate_obs o;
    mk_locate_obs_default(&o);
    mk_status rc = mk_locate_obs_measure(a, p, &ref->resp, &ref->maps, use, &o, err);
    if (!rc) rc = mk_locate_model_build(a, p, &ref->resp, NULL, m, err);
    if (rc) return rc;
    mk_drawing d = {0};
    for (int r = 0; r < a->n_regions; r++)
        if (mk_region_set_has(&ref->maps.essential[i], r)) d.region[d.n] = r, d.intensity[d.n++] = -1;
    if (d.n == 0) return MK_OK; /* nothing to draw */
    c->located[i] = 1;
    c->n_located++;
    c->n_cand = m->n;
    c->miss_mean += o.miss, c->extra_mean += o.extra;
    for (int v = 0; v < 2; v++) {
        mk_locate_cv_score *sc = &c->score[v];
        o.local = v == 0 ? o.extra : 0.5;
        mk_locate_posterior(a, &o, &d, m);
        mk_locate_rank(m, order);
        for (int k = 0; k < m->n; k++) {
            const mk_locate_cand *q = &m->cand[order[k]];
            int hit = q->side == 'r' && !strcmp(a->muscles[q->muscle].id, ref->maps.muscle[i]);
            int b = bin_of(q->post);
            sc->bin_n[b]++, sc->bin_hit[b] += hit, sc->bin_p[b] += q->post;
            if (k == 0) snprintf(sc->top[i], sizeof sc->top[i], "%s_%c", a->muscles[q->muscle].id, q->side);
            if (!hit) continue;
            sc->rank[i] = k + 1;
            sc->p_true[i] = q->post;
            sc->top1 += k == 0, sc->top3 += k < 3;
            sc->log_score += log(fmax(q->post, 1e-300));
        }
    }
    return MK_OK;
}

mk_status mk_locate_cv_from(const mk_referral_cv_report *ref, mk_locate_cv **out, mk_error *err)
{
    *out = NULL;
    mk_locate_cv *c = mk_calloc(1, sizeof *c);
    mk_locate_model *m = mk_malloc(sizeof *m);
    if (!c || !m) {
        free(c);
        free(m);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    }
    c->n_maps = ref->maps.n;
    mk_status rc = MK_OK;
    for (int i = 0; !rc && i < ref->maps.n; i++) {
        snprintf(c->muscle[i], sizeof c->muscle[i], "%s", ref->maps.muscle[i]);
        rc = locate_fold(ref, i, m, c, err);
    }
    free(m);
    if (rc) {
        free(c);
        return rc;
    }
    if (c->n_located) {
        c->miss_mean /= c->n_located, c->extra_mean /= c->n_located;
        for (int v = 0; v < 2; v++) c->score[v].log_score /= c->n_located;
    }
    *out = c;
    return MK_OK;
}

mk_status mk_locate_cv_run(const mk_referral_fit_opts *o, mk_locate_cv **out, mk_error *err)
{
    *out = NULL;
    mk_referral_cv_report *ref = NULL;
    mk_status rc = mk_referral_cv_run(NULL, o, 0, &ref, err);
    if (!rc) rc = mk_locate_cv_from(ref, out, err);
    mk_referral_cv_report_free(ref);
    return rc;
}

void mk_locate_cv_free(mk_locate_cv *c) { free(c); }

static void put_cv_score(mk_buf *b, const mk_locate_cv *c, const mk_locate_cv_score *sc)
{
    int n = c->n_located;
    mk_buf_printf(b, "  top-1 accuracy %d/%d = %.2f   top-3 accuracy %d/%d = %.2f   (chance %.3f and %.3f)\n", sc->top1,
                  n, n ? (double)sc->top1 / n : 0, sc->top3, n, n ? (double)sc->top3 / n : 0,
                  c->n_cand ? 1.0 / c->n_cand : 0, c->n_cand ? 3.0 / c->n_cand : 0);
    mk_buf_printf(b, "  mean log probability of the true candidate %.2f (uniform: %.2f)\n", sc->log_score,
                  c->n_cand ? -log((double)c->n_cand) : 0);
    mk_buf_puts(b, "  reliability (every candidate of every fold, binned by its probability):\n"
                   "    probability   candidates  mean p   came true  observed\n");
    double lo = 0;
    for (int k = 0; k < MK_LOCATE_BINS; k++) {
        double hi = fmin(k_bin_hi[k], 1.0);
        if (sc->bin_n[k])
            mk_buf_printf(b, "    %.2f-%.2f   %10ld  %7.3f  %9ld  %8.3f\n", lo, hi, sc->bin_n[k],
                          sc->bin_p[k] / sc->bin_n[k], sc->bin_hit[k], (double)sc->bin_hit[k] / sc->bin_n[k]);
        else mk_buf_printf(b, "    %.2f-%.2f   %10d        -          -         -\n", lo, hi, 0);
        lo = hi;
    }
}

void mk_locate_cv_format(const mk_locate_cv *c, mk_buf *b)
{
    mk_buf_printf(b, "locate: leave-one-out on %d training maps (drawing = the essential zone, no intensities; %d maps "
                  "without an essential region left out), %d candidates each\n", c->n_located, c->n_maps - c->n_located,
                  c->n_cand);
    mk_buf_printf(b, "  referral parameters and miss/extra rates of the fold that left the muscle out "
                  "(mean miss %.3f, extra %.4f)\n", c->miss_mean, c->extra_mean);
    mk_buf_puts(b, "A. local = extra (the maps leave every local region out, so a drawn local region is like any "
                   "region outside the map):\n");
    put_cv_score(b, c, &c->score[0]);
    mk_buf_puts(b, "B. local = 0.5 (as for a patient's drawing, which these maps are not):\n");
    put_cv_score(b, c, &c->score[1]);
    mk_buf_puts(b, "held-out muscles: rank of the true candidate, its probability, the most probable (A | B):\n");
    for (int i = 0; i < c->n_maps; i++) {
        if (!c->located[i]) {
            mk_buf_printf(b, "  %-32s  -    (no essential region outside its local ones)\n", c->muscle[i]);
            continue;
        }
        mk_buf_printf(b, "  %-32s %3d  %.3f  %-34s | %3d  %.3f  %s\n", c->muscle[i], c->score[0].rank[i],
                      c->score[0].p_true[i], c->score[0].top[i], c->score[1].rank[i], c->score[1].p_true[i],
                      c->score[1].top[i]);
    }
}
