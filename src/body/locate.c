/* locate.c -- a pain drawing traced back to candidate trigger points (locate.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body/locate.h"
#include "body/referral.h"
#include "core/error.h"
#include "core/text.h"
#include "io/ytree.h"

/* 1 if base is one of the ';'-separated ids in list */
static int in_list(const char *list, const char *base)
{
    size_t n = strlen(base);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ';');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, base, n)) return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

/* ---------------------------------------------------------------- the drawing */

/* region id and intensity text into d; where (file, line, col of the id and of the value) for
 * messages, file NULL for a command-line item `item` */
typedef struct where {
    const char *file;
    int line, col, vline, vcol;
    int item;
} where;

static mk_status bad(mk_error *err, mk_status code, const where *w, int at_value, const char *fmt, const char *a1,
                     const char *a2)
{
    char msg[400];
    snprintf(msg, sizeof msg, fmt, a1, a2);
    if (w->file)
        return mk_fail_at(err, code, w->file, at_value ? w->vline : w->line, at_value ? w->vcol : w->col, "%s", msg);
    return mk_fail(err, code, "argument %d: %s", w->item, msg);
}

static mk_status add_region(const mk_anatomy *a, const char *id, const char *value, const where *w, mk_drawing *d,
                            mk_error *err)
{
    int r = mk_anatomy_region_index(a, id);
    if (r < 0) {
        const char *hint = mk_anatomy_suggest(a, id, 0);
        char h[96] = "";
        if (hint) snprintf(h, sizeof h, " (did you mean '%s'?)", hint);
        return bad(err, MK_ERR_NAME, w, 0, "unknown region '%s'%s; regions are in data/anatomy/body_regions.csv, "
                   "lateral ones with _r or _l", id, h);
    }
    for (int k = 0; k < d->n; k++)
        if (d->region[k] == r) return bad(err, MK_ERR_NAME, w, 0, "region '%s' given twice%s", id, "");
    char *end;
    double v = strtod(value, &end);
    while (*end == ' ') end++;
    if (!*value || *end || !isfinite(v))
        return bad(err, MK_ERR_SYNTAX, w, 1, "expected an intensity 0 .. 10 (NRS) for '%s', found '%s'", id, value);
    if (v < 0 || v > 10)
        return bad(err, MK_ERR_INVALID, w, 1, "intensity of '%s' must be 0 .. 10 (NRS), found %s", id, value);
    if (v == 0) return MK_OK; /* drawn as painless: not part of the drawing */
    d->region[d->n] = r;
    d->intensity[d->n] = v;
    d->n++;
    return MK_OK;
}

mk_status mk_drawing_parse_args(const mk_anatomy *a, int n, const char *const *items, mk_drawing *out, mk_error *err)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < n; i++) {
        where w = {.item = i + 1};
        const char *eq = strchr(items[i], '=');
        char id[64];
        if (!eq || eq == items[i] || (size_t)(eq - items[i]) >= sizeof id)
            return bad(err, MK_ERR_SYNTAX, &w, 0, "expected REGION=INTENSITY (e.g. temple_r=6), found '%s'%s",
                       items[i], "");
        snprintf(id, sizeof id, "%.*s", (int)(eq - items[i]), items[i]);
        mk_status rc = add_region(a, id, eq + 1, &w, out, err);
        if (rc) return rc;
    }
    if (out->n == 0)
        return mk_fail(err, MK_ERR_INVALID, "the pain drawing is empty: give regions with intensities above 0, "
                       "e.g. temple_r=6 posterior_neck_r=3");
    return MK_OK;
}

static const mk_yformat k_drawing_format = {
    .max_depth = 8,
    .alias_msg = "YAML aliases are not supported in pain drawings: write the value out",
    .dup_key_msg = "region '%s' given twice (first at line %d)",
    .bad_key_msg = "expected a key (a plain word), found %s",
    .empty_msg = "the pain drawing is empty: expected 'regions:' with region ids and 0-10 intensities",
    .top_msg = "expected a mapping with 'regions:' at the top level, found %s",
    .unknown_key_code = MK_ERR_SYNTAX,
    .list_allowed_keys = 1,
};

static mk_status drawing_tree(const mk_anatomy *a, const char *file, const mk_ynode *root, mk_drawing *out,
                              mk_error *err)
{
    static const char *const keys[] = {"regions", "note", NULL};
    mk_status rc = mk_ycheck_keys(file, &k_drawing_format, root, keys, "in a pain drawing", err);
    if (rc) return rc;
    const mk_ypair *reg = mk_yfind(root, "regions");
    if (!reg)
        return mk_fail_at(err, MK_ERR_SYNTAX, file, root->line, root->col,
                          "a pain drawing needs 'regions:' (region ids with 0-10 intensities)");
    if (reg->val->kind != MK_Y_MAP)
        return mk_fail_at(err, MK_ERR_SYNTAX, file, reg->val->line, reg->val->col,
                          "expected region ids with 0-10 intensities under 'regions:', found %s",
                          mk_ykind_name(reg->val));
    for (int i = 0; i < reg->val->n; i++) {
        const mk_ypair *q = &reg->val->pairs[i];
        where w = {.file = file, .line = q->line, .col = q->col, .vline = q->val->line, .vcol = q->val->col};
        if (q->val->kind != MK_Y_SCALAR)
            return mk_fail_at(err, MK_ERR_SYNTAX, file, q->val->line, q->val->col,
                              "expected an intensity 0 .. 10 for '%s', found %s", q->key, mk_ykind_name(q->val));
        if ((rc = add_region(a, q->key, q->val->text, &w, out, err))) return rc;
    }
    if (out->n == 0)
        return mk_fail_at(err, MK_ERR_INVALID, file, reg->line, reg->col,
                          "the pain drawing is empty: expected regions with intensities above 0");
    return MK_OK;
}

mk_status mk_drawing_parse_yaml(const mk_anatomy *a, const char *file, const char *text, mk_drawing *out,
                                mk_error *err)
{
    memset(out, 0, sizeof *out);
    mk_ynode *root = NULL;
    mk_status rc = mk_yparse(file, text, &k_drawing_format, &root, err);
    if (!rc) rc = drawing_tree(a, file, root, out, err);
    mk_yfree(root);
    if (rc) memset(out, 0, sizeof *out);
    return rc;
}

/* ---------------------------------------------------------------- the observation model */

void mk_locate_obs_default(mk_locate_obs *o)
{
    memset(o, 0, sizeof *o);
    o->miss = 0.5;   /* replaced by the measured rate (mk_locate_obs_measure) */
    o->extra = 0.01; /* likewise */
    /* assumed: whether a patient shades the spot of the trigger point itself is a coin toss as
     * far as the repository knows -- the classical maps leave local pain out entirely */
    o->local = 0.5;
    /* assumed: NRS test-retest differences of 1-2 points at 4-6/10 are 0.2-0.4 in log; doubled
     * because the mechanism's intensities were never compared with any drawing (the maps have
     * none) */
    o->sigma = 0.7;
}

mk_status mk_locate_obs_measure(const mk_anatomy *a, const mk_referral_params *p, const mk_referral_response *resp,
                                const mk_referral_maps *maps, const int *use, mk_locate_obs *o, mk_error *err)
{
    o->tp = o->fn = o->fp = o->tn = 0;
    o->n_maps = 0;
    for (int m = 0; m < maps->n; m++) {
        if (use && !use[m]) continue;
        const mk_muscle *mu = mk_anatomy_muscle(a, maps->muscle[m]);
        mk_region_set pred;
        mk_status rc = mk_referral_predict(a, p, maps->muscle[m], resp, &pred, NULL, err);
        if (rc) return rc;
        for (int i = 0; i < a->n_regions; i++) {
            if (mu && in_list(mu->local_regions, a->regions[i].base)) continue;
            int pr = mk_region_set_has(&pred, i), tr = mk_region_set_has(&maps->essential[m], i);
            o->tp += pr && tr, o->fn += !pr && tr, o->fp += pr && !tr, o->tn += !pr && !tr;
        }
        o->n_maps++;
    }
    o->miss = (double)(o->fn + 1) / (double)(o->tp + o->fn + 2);
    o->extra = (double)(o->fp + 1) / (double)(o->fp + o->tn + 2);
    return MK_OK;
}

/* ---------------------------------------------------------------- candidates */

/* each region's peak pain for the muscle on `side` over the response (referral_fit.c's peaks,
 * for either side) */
static mk_status cand_map(const mk_anatomy *a, const mk_referral_params *p, const mk_referral_response *resp,
                          mk_locate_cand *c, mk_error *err)
{
    mk_referral *r = NULL;
    const mk_muscle *mu = &a->muscles[c->muscle];
    mk_status rc = mk_referral_new_with(a, p, mu->id, c->side, &r, err);
    if (rc) return rc;
    for (int k = 0; k < mk_referral_count(r); k++) {
        double best = 0;
        for (int j = 0; j < resp->n; j++) best = fmax(best, resp->pain[j] * mk_referral_weight(r, k, resp->cs[j]));
        int i = mk_referral_region_index(r, k);
        c->peak[i] = best;
        if (best >= MK_REFERRAL_THRESHOLD) mk_region_set_add(&c->pred, i);
    }
    for (int i = 0; i < a->n_regions; i++)
        if (a->regions[i].side == c->side && in_list(mu->local_regions, a->regions[i].base))
            mk_region_set_add(&c->local, i);
    mk_referral_free(r);
    return MK_OK;
}

mk_status mk_locate_model_build(const mk_anatomy *a, const mk_referral_params *p, const mk_referral_response *resp,
                                const int *only, mk_locate_model *m, mk_error *err)
{
    memset(m, 0, sizeof *m);
    for (int i = 0; i < a->n_muscles; i++) {
        if (only && !only[i]) continue;
        for (int s = 0; s < 2; s++) {
            mk_locate_cand *c = &m->cand[m->n++];
            c->muscle = i;
            c->side = s ? 'l' : 'r';
            mk_status rc = cand_map(a, p, resp, c, err);
            if (rc) return rc;
        }
    }
    return MK_OK;
}

/* ---------------------------------------------------------------- the posterior */

static double cand_log_lik(const mk_anatomy *a, const mk_locate_obs *o, const mk_drawing *d,
                           const mk_locate_cand *c)
{
    double drawn[MK_MAX_REGIONS];
    for (int i = 0; i < a->n_regions; i++) drawn[i] = 0;
    for (int k = 0; k < d->n; k++) drawn[d->region[k]] = d->intensity[k] < 0 ? -1 : d->intensity[k];
    double ll = 0, sum = 0, sum2 = 0;
    int n_int = 0;
    for (int i = 0; i < a->n_regions; i++) {
        int is_drawn = drawn[i] != 0, known = drawn[i] > 0;
        double q;
        if (mk_region_set_has(&c->local, i)) q = o->local;
        else if (mk_region_set_has(&c->pred, i)) q = 1 - o->miss;
        else q = o->extra;
        ll += log(is_drawn ? q : 1 - q);
        if (!known) continue;
        if (mk_region_set_has(&c->pred, i) && !mk_region_set_has(&c->local, i)) {
            double e = log(drawn[i]) - log(c->peak[i]); /* = log scale + noise */
            sum += e, sum2 += e * e, n_int++;
        } else {
            ll -= log(MK_LOCATE_LOG_RANGE); /* an intensity the map says nothing about */
        }
    }
    if (n_int > 0) { /* the scale integrated out, flat over the log range */
        double ss = fmax(0, sum2 - sum * sum / n_int), s2 = o->sigma * o->sigma;
        ll += -log(MK_LOCATE_LOG_RANGE) - 0.5 * (n_int - 1) * log(2 * M_PI * s2) - 0.5 * log(n_int) - ss / (2 * s2);
    }
    return ll;
}

void mk_locate_posterior(const mk_anatomy *a, const mk_locate_obs *o, const mk_drawing *d, mk_locate_model *m)
{
    double top = -INFINITY, z = 0;
    for (int k = 0; k < m->n; k++) { /* the uniform prior cancels */
        m->cand[k].log_lik = cand_log_lik(a, o, d, &m->cand[k]);
        top = fmax(top, m->cand[k].log_lik);
    }
    for (int k = 0; k < m->n; k++) z += exp(m->cand[k].log_lik - top);
    for (int k = 0; k < m->n; k++) m->cand[k].post = exp(m->cand[k].log_lik - top) / z;
}

void mk_locate_rank(const mk_locate_model *m, int *order)
{
    for (int k = 0; k < m->n; k++) order[k] = k;
    for (int i = 1; i < m->n; i++) /* insertion sort, stable: n <= 160 */
        for (int j = i; j > 0 && m->cand[order[j]].post > m->cand[order[j - 1]].post; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
}

static void put_segments(uint64_t mask, char *out, size_t size, size_t *n)
{
    for (uint64_t b = mask; b && *n < size; b &= b - 1)
        *n += (size_t)snprintf(out + *n, size - *n, "%s%s", *n ? " " : "", mk_segment_name(__builtin_ctzll(b)));
}

void mk_locate_explain(const mk_anatomy *a, const mk_locate_cand *c, int r, char *out, size_t size)
{
    const mk_muscle *mu = &a->muscles[c->muscle];
    const mk_region *g = &a->regions[r];
    const uint64_t trig = 0x7, c13 = (uint64_t)0x7 << MK_FIRST_CORD;
    const uint64_t cord = ~(uint64_t)0 << MK_FIRST_CORD;
    uint64_t segs = g->deep | g->dermatomes, aff = mu->afferent;
    uint64_t adj = (((aff & cord) << 1) | ((aff & cord) >> 1)) & cord & ~aff;
    size_t n = 0;
    out[0] = 0;
    if (segs & aff) put_segments(segs & aff, out, size, &n);
    else if ((aff & c13) && (segs & trig)) {
        n += (size_t)snprintf(out + n, size - n, "trigeminocervical: ");
        put_segments(aff & c13, out, size, &n);
        n += (size_t)snprintf(out + n, size - n, " to");
        put_segments(segs & trig, out, size, &n);
    } else if ((aff & trig) && (segs & (trig | c13))) {
        n += (size_t)snprintf(out + n, size - n, "%s: ", segs & trig ? "trigeminal" : "trigeminocervical");
        put_segments(aff & trig, out, size, &n);
        n += (size_t)snprintf(out + n, size - n, " to");
        put_segments(segs & (trig | c13), out, size, &n);
    } else if (segs & adj) {
        n += (size_t)snprintf(out + n, size - n, "adjacent segment ");
        put_segments(segs & adj, out, size, &n);
    }
    if ((g->side == c->side || g->side == 'm') && in_list(mu->attachments, g->base))
        snprintf(out + n, n < size ? size - n : 0, "%sattachment", n ? ", " : "");
    if (!out[0]) snprintf(out, size, "-");
}
