/*
 * referral_fit.h -- scoring the referral mechanism against classical referral maps, fitting
 * its few parameters, and leave-one-muscle-out cross-validation.
 *
 * Measurement convention (issue 10): a stimulus into the muscle on the right; a region counts
 * as referred when its peak pain reaches 0.5/10; the muscle's own local regions (muscles.csv)
 * are left out of both the prediction and the map.  A region's pain is pain.referred(t) times
 * its weight at the central sensitisation cs(t) of that moment (referral.h), so the site's
 * response to the stimulus -- the (pain.referred, cs) pairs over time -- is all a prediction
 * needs: the site model does not depend on which muscle it sits in.  Only the pairs no other
 * pair dominates (higher pain and higher cs) can give a peak, so the response keeps those.
 *
 * Scores pool (muscle, region) pairs over muscles: precision = TP / (TP + FP), recall =
 * TP / (TP + FN), F1 = 2 TP / (2 TP + FP + FN) (0 where a denominator is 0).
 */
#ifndef MK_BODY_REFERRAL_FIT_H
#define MK_BODY_REFERRAL_FIT_H

#include <stdint.h>

#include "body/anatomy.h"
#include "body/referral_params.h"

#define MK_REFERRAL_MAX_CASES 64
#define MK_REFERRAL_MAX_RESPONSE 1024
#define MK_REFERRAL_THRESHOLD 0.5 /* 0-10 rating at which a region counts as referred */

/* A set of the anatomy's regions (bit i = region i, up to 192). */
typedef struct mk_region_set {
    uint64_t bit[3];
} mk_region_set;

static inline void mk_region_set_add(mk_region_set *s, int i) { s->bit[i >> 6] |= (uint64_t)1 << (i & 63); }
static inline int mk_region_set_has(const mk_region_set *s, int i) { return (int)((s->bit[i >> 6] >> (i & 63)) & 1); }
int mk_region_set_count(const mk_region_set *s);

/* Classical maps: essential and essential + spillover zones, local regions already removed. */
typedef struct mk_referral_maps {
    int n;
    char muscle[MK_REFERRAL_MAX_CASES][48];
    mk_region_set essential[MK_REFERRAL_MAX_CASES], all[MK_REFERRAL_MAX_CASES];
} mk_referral_maps;

/* referral_training.csv (muscle_id, essential_zone_regions, spillover_zone_regions,
 * contralateral_regions, ...): side-free ids on the right side, contralateral ones on the
 * left.  Unknown muscles and regions are errors at file:line:col with a did-you-mean. */
mk_status mk_referral_maps_parse(const mk_anatomy *a, const char *file_name, const char *text,
                                 mk_referral_maps *out, mk_error *err);
/* The embedded data/anatomy/referral_training.csv. */
mk_status mk_referral_maps_training(const mk_anatomy *a, mk_referral_maps *out, mk_error *err);

/* The site's response to the stimulus (see above). */
typedef struct mk_referral_response {
    int n;
    double pain[MK_REFERRAL_MAX_RESPONSE], cs[MK_REFERRAL_MAX_RESPONSE];
} mk_referral_response;

void mk_referral_response_add(mk_referral_response *r, double pain_referred, double cs);
/* Keep `keep` points of the front evenly spread in cs, the first (the highest pain) and the
 * last among them: an approximation for speed, which the simulated check measures. */
void mk_referral_response_thin(mk_referral_response *r, int keep);

/* Pooled counts and scores. */
typedef struct mk_referral_score {
    long tp, fp, fn;
    double precision, recall, f1;
} mk_referral_score;

/* Add one muscle's predicted set against its map, and update the ratios. */
void mk_referral_score_add(mk_referral_score *s, const mk_region_set *pred, const mk_region_set *map);

/* The regions a muscle (right side) refers to, and each region's peak pain (peak may be NULL;
 * otherwise the anatomy's region count long). */
mk_status mk_referral_predict(const mk_anatomy *a, const mk_referral_params *p, const char *muscle,
                              const mk_referral_response *resp, mk_region_set *pred, double *peak,
                              mk_error *err);

/* mk_referral_fit_opts: public, include/myoknot/body.h */

/* Fit the parameters marked fit=yes, within their ranges, to the maps whose use[i] is set (NULL:
 * all): NLopt's SBPLX on a smooth surrogate of F1 from several deterministic starts; the start
 * that ends with the best exact F1 wins.  *out is p with the fitted values. */
mk_status mk_referral_fit(const mk_anatomy *a, const mk_referral_maps *maps, const int *use,
                          const mk_referral_response *resp, const mk_referral_params *p,
                          const mk_referral_fit_opts *o, mk_referral_params *out, mk_error *err);

/* Leave-one-muscle-out cross-validation: fold i fits on every map but i and predicts i; the
 * folds start from the middle of the ranges (neutral_start), never from the file's values. */
typedef struct mk_referral_cv {
    int n;
    mk_referral_params fold[MK_REFERRAL_MAX_CASES];
    mk_region_set pred[MK_REFERRAL_MAX_CASES];       /* the held-out muscle's predicted regions */
    mk_referral_score cv_essential, cv_all;          /* pooled over the held-out predictions */
    mk_referral_params fitted;                       /* fitted on all maps */
    mk_referral_score fit_essential, fit_all;        /* in-sample, with `fitted` */
    mk_referral_score start_essential, start_all;    /* in-sample, with the file's values */
} mk_referral_cv;

mk_status mk_referral_cross_validate(const mk_anatomy *a, const mk_referral_maps *maps,
                                     const mk_referral_response *resp, const mk_referral_params *p,
                                     const mk_referral_fit_opts *o, mk_referral_cv *out, mk_error *err);

#endif
