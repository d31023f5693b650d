/*
 * locate.h -- from a pain drawing back to the trigger points that could cause it (issue 10
 * item 3; docs/referral.md "Locating a trigger point from a pain drawing").
 *
 * Every candidate is a muscle of data/anatomy/muscles.csv on the right or the left.  Its
 * predicted map is the referral mechanism's (referral.h) answer to the saline bolus of the
 * measurement convention: each region's peak pain, referred where it reaches 0.5/10.  The
 * posterior of a candidate is its prior times the likelihood of the drawing under an explicit
 * observation model of how a patient draws, region by region, independently:
 *
 *   a region the map refers to   is drawn with probability 1 - miss;
 *   a region it does not refer to  is drawn with probability extra;
 *   one of the candidate's own local regions (muscles.csv, its side) with probability local;
 *   the drawn intensities (where given) of the referred regions are the predicted ones times a
 *   scale the patient chooses, with log-normal noise of sd sigma: the scale is integrated out
 *   (flat in log over [0.5, 10]/10, width R = ln 20), so only the pattern of intensities
 *   counts, not the level a bolus gives; any other drawn intensity is flat in log over R.
 *
 * miss and extra are not assumed: they are the rates at which the mechanism's maps disagree
 * with the classical training maps (pooled region by region, local regions left out, with one
 * added success and failure each -- Laplace), so they carry the model's error as well as the
 * patient's.  local and sigma are assumed (values and reasons in mk_locate_obs_default).  The
 * prior is uniform over the candidates: no table in the repository gives how often each
 * muscle harbours the trigger point behind a pain complaint.
 */
#ifndef MK_BODY_LOCATE_H
#define MK_BODY_LOCATE_H

#include "body/anatomy_internal.h"
#include "body/referral_fit.h"

#define MK_LOCATE_MAX_CAND (2 * MK_MAX_MUSCLES)
#define MK_LOCATE_LOG_RANGE 2.995732273553991 /* ln 20: log ratings 0.5 .. 10 */

/* A pain drawing: regions (anatomy indices) and 0-10 intensities (-1: not given, as in the
 * classical maps, which have none). */
typedef struct mk_drawing {
    int n;
    int region[MK_MAX_REGIONS];
    double intensity[MK_MAX_REGIONS];
} mk_drawing;

/* "temple_r=6" items from the command line; errors name the item ("argument 2") */
mk_status mk_drawing_parse_args(const mk_anatomy *a, int n, const char *const *items, mk_drawing *out,
                                mk_error *err);
/* A YAML pain drawing ("regions:" mapping region ids to 0-10 intensities; "note:" free text);
 * errors at file:line:col. */
mk_status mk_drawing_parse_yaml(const mk_anatomy *a, const char *file, const char *text, mk_drawing *out,
                                mk_error *err);

/* The observation model's parameters. */
typedef struct mk_locate_obs {
    double miss;   /* P(a region the map refers to is not drawn) */
    double extra;  /* P(a region the map does not refer to is drawn) */
    double local;  /* P(a local region of the candidate is drawn) */
    double sigma;  /* sd of log drawn intensity around the scaled prediction */
    long tp, fn, fp, tn; /* the region counts miss and extra come from (0: defaults) */
    int n_maps;
} mk_locate_obs;

void mk_locate_obs_default(mk_locate_obs *o);
/* miss and extra from the training maps in use (use NULL: all) under parameters p:
 * miss = (FN + 1) / (TP + FN + 2), extra = (FP + 1) / (FP + TN + 2), over every region but
 * the muscle's local ones. */
mk_status mk_locate_obs_measure(const mk_anatomy *a, const mk_referral_params *p, const mk_referral_response *resp,
                                const mk_referral_maps *maps, const int *use, mk_locate_obs *o, mk_error *err);

typedef struct mk_locate_cand {
    int muscle;                   /* anatomy index */
    char side;                    /* 'r' or 'l' */
    double peak[MK_MAX_REGIONS];  /* predicted peak pain per region, 0..10 */
    mk_region_set pred, local;    /* referred (peak >= 0.5) and local regions */
    double log_lik, post;
} mk_locate_cand;

/* The candidates' predicted maps; only[i] set: muscle i is a candidate (NULL: all). */
typedef struct mk_locate_model {
    int n;
    mk_locate_cand cand[MK_LOCATE_MAX_CAND];
} mk_locate_model;

mk_status mk_locate_model_build(const mk_anatomy *a, const mk_referral_params *p, const mk_referral_response *resp,
                                const int *only, mk_locate_model *m, mk_error *err);
/* Posterior of every candidate (uniform prior): sets log_lik and post (summing to 1). */
void mk_locate_posterior(const mk_anatomy *a, const mk_locate_obs *o, const mk_drawing *d, mk_locate_model *m);
/* Candidate indices by decreasing posterior (ties: table order). */
void mk_locate_rank(const mk_locate_model *m, int *order);
/* Why candidate c's map holds region r: the shared segments ("C2 C3"), a trigeminocervical or
 * adjacent-segment link, or the muscle's attachment ("attachment"). */
void mk_locate_explain(const mk_anatomy *a, const mk_locate_cand *c, int r, char *out, size_t size);

#endif
