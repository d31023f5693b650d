/*
 * locate_run.h -- myoknot locate (src/body/locate.h) with the saline bolus simulated, and its
 * leave-one-out measurement on the classical training maps.
 */
#ifndef MK_ANALYSIS_LOCATE_RUN_H
#define MK_ANALYSIS_LOCATE_RUN_H

#include "analysis/referral_cv.h"
#include "body/locate.h"

#define MK_LOCATE_BINS 8

struct mk_locate_cv {
    int n_maps, n_located;                 /* training maps; those with an essential zone */
    int located[MK_REFERRAL_MAX_CASES];    /* 1: map m was drawn and located */
    int rank[MK_REFERRAL_MAX_CASES];       /* 1-based rank of the true candidate (muscle, right) */
    double p_true[MK_REFERRAL_MAX_CASES];
    char top[MK_REFERRAL_MAX_CASES][64];   /* the most probable candidate, "muscle_r" */
    int top1, top3, n_cand;
    double miss_mean, extra_mean;          /* over the folds */
    long bin_n[MK_LOCATE_BINS], bin_hit[MK_LOCATE_BINS];
    double bin_p[MK_LOCATE_BINS];          /* sum of the probabilities in the bin */
    double log_score;                      /* mean log posterior of the truth */
    char muscle[MK_REFERRAL_MAX_CASES][48];
};

/* The leave-one-out measurement on a finished referral cross-validation (its folds'
 * parameters, its bolus response): for make bench, which has run one already. */
mk_status mk_locate_cv_from(const mk_referral_cv_report *ref, mk_locate_cv **out, mk_error *err);

#endif
