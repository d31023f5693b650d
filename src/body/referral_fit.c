/* referral_fit.c -- scores, fit and cross-validation of the referral mechanism (referral_fit.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nlopt.h>

#include "core/alloc.h"
#include "body/anatomy_internal.h"
#include "body/referral.h"
#include "body/referral_fit.h"
#include "core/error.h"
#include "core/text.h"

extern const char mk_anatomy_referral_training_csv[];

int mk_region_set_count(const mk_region_set *s)
{
    return __builtin_popcountll(s->bit[0]) + __builtin_popcountll(s->bit[1]) + __builtin_popcountll(s->bit[2]);
}

/* ---------------------------------------------------------------- classical maps */

/* length of a region id without its side suffix ("temple_r" -> 6) */
static int side_free_len(const char *id)
{
    size_t n = strlen(id);
    return n > 2 && id[n - 2] == '_' && (id[n - 1] == 'r' || id[n - 1] == 'l') ? (int)n - 2 : (int)n;
}

/* a ';'-separated list of side-free ids into set (on `side`, midline regions as they are),
 * skipping the muscle's local regions; errors point into the field */
static mk_status add_regions(const mk_anatomy *a, const mk_muscle *m, const char *list, char side,
                             const char *file, int line, int col, mk_region_set *set, mk_error *err)
{
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ';');
        int len = e ? (int)(e - p) : (int)strlen(p);
        char base[48], id[64];
        if (len == 0 || len >= (int)sizeof base)
            return mk_fail_at(err, MK_ERR_SYNTAX, file, line, col + (int)(p - list),
                              "expected a region id between ';'");
        snprintf(base, sizeof base, "%.*s", len, p);
        const mk_region *g = mk_anatomy_region(a, base); /* a midline region */
        if (!g) {
            snprintf(id, sizeof id, "%s_%c", base, side);
            g = mk_anatomy_region(a, id);
        }
        if (!g) {
            snprintf(id, sizeof id, "%s_r", base);
            const char *hint = mk_anatomy_suggest(a, id, 0);
            return mk_fail_at(err, MK_ERR_NAME, file, line, col + (int)(p - list),
                              "unknown region '%s'%s%.*s%s (regions are in data/anatomy/body_regions.csv)",
                              base, hint ? " (did you mean '" : "", hint ? side_free_len(hint) : 0,
                              hint ? hint : "", hint ? "'?)" : "");
        }
        int local = 0;
        for (const char *q = m->local_regions; *q;) {
            const char *f = strchr(q, ';');
            size_t n = f ? (size_t)(f - q) : strlen(q);
            if (n == strlen(g->base) && !strncmp(q, g->base, n)) local = 1;
            q += n + (f != NULL);
        }
        if (!local) mk_region_set_add(set, (int)(g - a->regions));
        p += len + (e != NULL);
    }
    return MK_OK;
}

static int find_col(char (*h)[MK_CSV_FIELD], int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(h[i], name)) return i;
    return -1;
}

static mk_status parse_maps(const mk_anatomy *a, const char *file, const char *text, char (*f)[MK_CSV_FIELD],
                            mk_referral_maps *out, mk_error *err)
{
    enum { MAXF = 16 };
    int col[MAXF], bad = 0, line = 1;
    const char *p = text;
    int n = mk_body_csv_record(&p, f, col, MAXF, &bad);
    static const char *const need[] = {"muscle_id", "essential_zone_regions", "spillover_zone_regions",
                                       "contralateral_regions"};
    int c[4];
    for (int k = 0; k < 4; k++)
        if ((c[k] = n > 0 ? find_col(f, n, need[k]) : -1) < 0)
            return mk_fail_at(err, MK_ERR_SYNTAX, file, 1, 1, "the header lacks the column '%s'", need[k]);
    int width = n;
    while (*p) {
        line++;
        n = mk_body_csv_record(&p, f, col, MAXF, &bad);
        if (n < 0) return mk_fail_at(err, MK_ERR_SYNTAX, file, line, bad, "malformed record");
        if (n == 1 && !f[0][0]) continue;
        if (n != width)
            return mk_fail_at(err, MK_ERR_SYNTAX, file, line, 1, "%d fields, expected %d as in the header", n, width);
        const mk_muscle *m = mk_anatomy_muscle(a, f[c[0]]);
        if (!m) {
            const char *hint = mk_anatomy_suggest(a, f[c[0]], 1);
            return mk_fail_at(err, MK_ERR_NAME, file, line, col[c[0]], "unknown muscle '%s'%s%s%s", f[c[0]],
                              hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
        }
        if (out->n == MK_REFERRAL_MAX_CASES)
            return mk_fail_at(err, MK_ERR_INVALID, file, line, 1, "more than %d maps", MK_REFERRAL_MAX_CASES);
        for (int i = 0; i < out->n; i++)
            if (!strcmp(out->muscle[i], m->id))
                return mk_fail_at(err, MK_ERR_NAME, file, line, col[c[0]], "muscle '%s' listed twice", m->id);
        int i = out->n;
        snprintf(out->muscle[i], sizeof out->muscle[i], "%s", m->id);
        mk_status rc = add_regions(a, m, f[c[1]], 'r', file, line, col[c[1]], &out->essential[i], err);
        out->all[i] = out->essential[i];
        if (!rc) rc = add_regions(a, m, f[c[2]], 'r', file, line, col[c[2]], &out->all[i], err);
        if (!rc) rc = add_regions(a, m, f[c[3]], 'l', file, line, col[c[3]], &out->essential[i], err);
        if (!rc) rc = add_regions(a, m, f[c[3]], 'l', file, line, col[c[3]], &out->all[i], err);
        if (rc) return rc;
        out->n++;
    }
    return MK_OK;
}

mk_status mk_referral_maps_parse(const mk_anatomy *a, const char *file_name, const char *text,
                                 mk_referral_maps *out, mk_error *err)
{
    memset(out, 0, sizeof *out);
    char (*f)[MK_CSV_FIELD] = mk_calloc(16, sizeof *f);
    if (!f) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_status rc = parse_maps(a, file_name, text, f, out, err);
    free(f);
    if (rc) memset(out, 0, sizeof *out);
    return rc;
}

mk_status mk_referral_maps_training(const mk_anatomy *a, mk_referral_maps *out, mk_error *err)
{
    return mk_referral_maps_parse(a, "data/anatomy/referral_training.csv", mk_anatomy_referral_training_csv,
                                  out, err);
}

/* ---------------------------------------------------------------- response and scores */

void mk_referral_response_add(mk_referral_response *r, double pain, double cs)
{
    if (!(pain > 0) || !isfinite(pain) || !isfinite(cs)) return;
    for (int i = 0; i < r->n; i++)
        if (r->pain[i] >= pain && r->cs[i] >= cs) return; /* dominated */
    int k = 0;
    for (int i = 0; i < r->n; i++) /* drop what the new pair dominates */
        if (!(pain >= r->pain[i] && cs >= r->cs[i])) r->pain[k] = r->pain[i], r->cs[k] = r->cs[i], k++;
    r->n = k;
    if (r->n < MK_REFERRAL_MAX_RESPONSE) {
        r->pain[r->n] = pain;
        r->cs[r->n] = cs;
        r->n++;
    }
}

void mk_referral_response_thin(mk_referral_response *r, int keep)
{
    if (keep < 2 || r->n <= keep) return;
    /* on the front, pain falls as cs rises: sort by cs (insertion sort, n <= 1024) */
    for (int i = 1; i < r->n; i++)
        for (int j = i; j > 0 && r->cs[j] < r->cs[j - 1]; j--) {
            double t = r->cs[j]; r->cs[j] = r->cs[j - 1]; r->cs[j - 1] = t;
            t = r->pain[j]; r->pain[j] = r->pain[j - 1]; r->pain[j - 1] = t;
        }
    int n = r->n;
    for (int k = 0; k < keep; k++) {
        int j = (int)lround((double)k * (n - 1) / (keep - 1));
        r->pain[k] = r->pain[j];
        r->cs[k] = r->cs[j];
    }
    r->n = keep;
}

static void score_ratios(mk_referral_score *s)
{
    s->precision = s->tp + s->fp ? (double)s->tp / (double)(s->tp + s->fp) : 0;
    s->recall = s->tp + s->fn ? (double)s->tp / (double)(s->tp + s->fn) : 0;
    s->f1 = 2 * s->tp + s->fp + s->fn ? 2.0 * (double)s->tp / (double)(2 * s->tp + s->fp + s->fn) : 0;
}

void mk_referral_score_add(mk_referral_score *s, const mk_region_set *pred, const mk_region_set *map)
{
    for (int w = 0; w < 3; w++) {
        s->tp += __builtin_popcountll(pred->bit[w] & map->bit[w]);
        s->fp += __builtin_popcountll(pred->bit[w] & ~map->bit[w]);
        s->fn += __builtin_popcountll(~pred->bit[w] & map->bit[w]);
    }
    score_ratios(s);
}

/* each region's peak pain over the response (regions that are no target: 0) */
static mk_status peaks(const mk_anatomy *a, const mk_referral_params *p, const char *muscle,
                       const mk_referral_response *resp, double *peak, mk_error *err)
{
    mk_referral *r = NULL;
    mk_status rc = mk_referral_new_with(a, p, muscle, 'r', &r, err);
    if (rc) return rc;
    double pmax = 0;
    for (int i = 0; i < a->n_regions; i++) peak[i] = 0;
    for (int j = 0; j < resp->n; j++) pmax = fmax(pmax, resp->pain[j]);
    for (int k = 0; k < mk_referral_count(r); k++) {
        double best = 0;
        double w0 = mk_referral_weight(r, k, 0.0);
        if (mk_referral_weight(r, k, 1.0) == w0) /* no spread: the top pain decides */
            best = pmax * w0;
        else
            for (int j = 0; j < resp->n; j++) best = fmax(best, resp->pain[j] * mk_referral_weight(r, k, resp->cs[j]));
        peak[mk_referral_region_index(r, k)] = best;
    }
    mk_referral_free(r);
    return MK_OK;
}

mk_status mk_referral_predict(const mk_anatomy *a, const mk_referral_params *p, const char *muscle,
                              const mk_referral_response *resp, mk_region_set *pred, double *peak,
                              mk_error *err)
{
    double own[MK_MAX_REGIONS];
    double *pk = peak ? peak : own;
    memset(pred, 0, sizeof *pred);
    mk_status rc = peaks(a, p, muscle, resp, pk, err);
    for (int i = 0; !rc && i < a->n_regions; i++)
        if (pk[i] >= MK_REFERRAL_THRESHOLD) mk_region_set_add(pred, i);
    return rc;
}

/* ---------------------------------------------------------------- the fit */

void mk_referral_fit_opts_default(mk_referral_fit_opts *o)
{
    memset(o, 0, sizeof *o);
    o->starts = 8;
    o->max_evals = 400;
    o->softness = 0.25;
    o->spillover = 0;
    o->neutral_start = 0;
}

typedef struct fit_ctx {
    const mk_anatomy *a;
    const mk_referral_maps *maps;
    const int *use;
    const mk_referral_response *resp;
    const mk_referral_fit_opts *o;
    mk_referral_params p;      /* the point being evaluated */
    int idx[MK_RP_COUNT], n;   /* the fitted parameters */
    mk_status rc;
    mk_error *err;
} fit_ctx;

/* soft and exact F1 of the maps in use at the parameters in c->p */
static double evaluate(fit_ctx *c, double *exact)
{
    double tp = 0, fp = 0, fn = 0, peak[MK_MAX_REGIONS];
    mk_referral_score s = {0};
    const double lt = log(MK_REFERRAL_THRESHOLD);
    for (int m = 0; m < c->maps->n && !c->rc; m++) {
        if (c->use && !c->use[m]) continue;
        const mk_region_set *map = c->o->spillover ? &c->maps->all[m] : &c->maps->essential[m];
        if ((c->rc = peaks(c->a, &c->p, c->maps->muscle[m], c->resp, peak, c->err))) break;
        mk_region_set pred = {{0}};
        for (int i = 0; i < c->a->n_regions; i++) {
            double on = peak[i] > 0 ? 1 / (1 + exp(-(log(peak[i]) - lt) / c->o->softness)) : 0;
            int truth = mk_region_set_has(map, i);
            tp += truth * on;
            fp += (1 - truth) * on;
            fn += truth * (1 - on);
            if (peak[i] >= MK_REFERRAL_THRESHOLD) mk_region_set_add(&pred, i);
        }
        mk_referral_score_add(&s, &pred, map);
    }
    if (exact) *exact = s.f1;
    return 2 * tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : 0;
}

static double objective(unsigned n, const double *x, double *grad, void *data)
{
    (void)grad;
    fit_ctx *c = data;
    for (unsigned k = 0; k < n; k++) c->p.value[c->idx[k]] = x[k];
    if (c->rc) return 0;
    return evaluate(c, NULL);
}

/* the k-th point of the Halton sequence in dimension d (primes as bases) */
static double halton(int k, int d)
{
    static const int primes[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
    double f = 1, r = 0;
    int b = primes[d % 12];
    for (int i = k; i > 0; i /= b) {
        f /= b;
        r += f * (i % b);
    }
    return r;
}

/* one local search from x (in place); returns the exact F1 at its end */
static double local_search(fit_ctx *c, double *x, const double *lo, const double *hi, double *soft)
{
    nlopt_opt opt = nlopt_create(NLOPT_LN_SBPLX, (unsigned)c->n);
    if (!opt) {
        c->rc = mk_fail(c->err, MK_ERR_NOMEM, "out of memory (NLopt)");
        return 0;
    }
    double step[MK_RP_COUNT], f = 0, exact = 0;
    for (int k = 0; k < c->n; k++) step[k] = 0.1 * (hi[k] - lo[k]);
    nlopt_set_lower_bounds(opt, lo);
    nlopt_set_upper_bounds(opt, hi);
    nlopt_set_initial_step(opt, step);
    nlopt_set_max_objective(opt, objective, c);
    nlopt_set_maxeval(opt, c->o->max_evals);
    nlopt_set_xtol_rel(opt, 1e-4);
    nlopt_optimize(opt, x, &f); /* a stopped search (max evals) still leaves its best x */
    nlopt_destroy(opt);
    for (int k = 0; k < c->n; k++) c->p.value[c->idx[k]] = x[k];
    *soft = evaluate(c, &exact);
    return exact;
}

mk_status mk_referral_fit(const mk_anatomy *a, const mk_referral_maps *maps, const int *use,
                          const mk_referral_response *resp, const mk_referral_params *p,
                          const mk_referral_fit_opts *o, mk_referral_params *out, mk_error *err)
{
    mk_referral_fit_opts defaults;
    if (!o) mk_referral_fit_opts_default(&defaults), o = &defaults;
    fit_ctx c = {.a = a, .maps = maps, .use = use, .resp = resp, .o = o, .p = *p, .err = err};
    double lo[MK_RP_COUNT], hi[MK_RP_COUNT], x[MK_RP_COUNT], best_x[MK_RP_COUNT];
    for (int i = 0; i < MK_RP_COUNT; i++)
        if (p->fit[i]) lo[c.n] = p->min[i], hi[c.n] = p->max[i], c.idx[c.n++] = i;
    *out = *p;
    if (!c.n) return MK_OK;
    double best = -1, best_soft = -1;
    for (int s = 0; s < (o->starts > 0 ? o->starts : 1) && !c.rc; s++) {
        for (int k = 0; k < c.n; k++)
            x[k] = s > 0             ? lo[k] + (hi[k] - lo[k]) * halton(s, k)
                   : o->neutral_start ? 0.5 * (lo[k] + hi[k])
                                      : p->value[c.idx[k]];
        double soft = 0, exact = local_search(&c, x, lo, hi, &soft);
        if (exact > best || (exact == best && soft > best_soft)) {
            best = exact;
            best_soft = soft;
            memcpy(best_x, x, sizeof x);
        }
    }
    if (c.rc) return c.rc;
    for (int k = 0; k < c.n; k++) out->value[c.idx[k]] = best_x[k];
    return MK_OK;
}

/* ---------------------------------------------------------------- cross-validation */

static mk_status score_all(const mk_anatomy *a, const mk_referral_maps *maps, const mk_referral_response *resp,
                           const mk_referral_params *p, mk_referral_score *ess, mk_referral_score *all,
                           mk_error *err)
{
    memset(ess, 0, sizeof *ess);
    memset(all, 0, sizeof *all);
    for (int m = 0; m < maps->n; m++) {
        mk_region_set pred;
        mk_status rc = mk_referral_predict(a, p, maps->muscle[m], resp, &pred, NULL, err);
        if (rc) return rc;
        mk_referral_score_add(ess, &pred, &maps->essential[m]);
        mk_referral_score_add(all, &pred, &maps->all[m]);
    }
    return MK_OK;
}

mk_status mk_referral_cross_validate(const mk_anatomy *a, const mk_referral_maps *maps,
                                     const mk_referral_response *resp, const mk_referral_params *p,
                                     const mk_referral_fit_opts *o, mk_referral_cv *out, mk_error *err)
{
    memset(out, 0, sizeof *out);
    out->n = maps->n;
    int use[MK_REFERRAL_MAX_CASES];
    mk_referral_fit_opts fold_o;
    if (o) fold_o = *o;
    else mk_referral_fit_opts_default(&fold_o);
    fold_o.neutral_start = 1;
    mk_status rc = score_all(a, maps, resp, p, &out->start_essential, &out->start_all, err);
    for (int i = 0; !rc && i < maps->n; i++) {
        for (int m = 0; m < maps->n; m++) use[m] = m != i;
        rc = mk_referral_fit(a, maps, use, resp, p, &fold_o, &out->fold[i], err);
        if (!rc) rc = mk_referral_predict(a, &out->fold[i], maps->muscle[i], resp, &out->pred[i], NULL, err);
        if (rc) break;
        mk_referral_score_add(&out->cv_essential, &out->pred[i], &maps->essential[i]);
        mk_referral_score_add(&out->cv_all, &out->pred[i], &maps->all[i]);
        if (fold_o.progress) fold_o.progress(fold_o.progress_ctx, i + 1, maps->n + 1);
    }
    if (!rc) rc = mk_referral_fit(a, maps, NULL, resp, p, o, &out->fitted, err);
    if (!rc && fold_o.progress) fold_o.progress(fold_o.progress_ctx, maps->n + 1, maps->n + 1);
    if (!rc) rc = score_all(a, maps, resp, &out->fitted, &out->fit_essential, &out->fit_all, err);
    return rc;
}
