/*
 * locate_run.h -- myoknot locate (src/body/locate.h) with the saline bolus simulated, and its
 * leave-one-out measurement on the classical training maps.
 */
#ifndef MK_ANALYSIS_LOCATE_RUN_H
#define MK_ANALYSIS_LOCATE_RUN_H

#include "analysis/referral_cv.h"
#include "body/locate.h"

#define MK_LOCATE_BINS 8

/* one way of scoring the drawings: the candidates' local regions drawn with P = local */
typedef struct mk_locate_cv_score {
    int rank[MK_REFERRAL_MAX_CASES];       /* 1-based rank of the true candidate (muscle, right) */
    double p_true[MK_REFERRAL_MAX_CASES];
    char top[MK_REFERRAL_MAX_CASES][64];   /* the most probable candidate, "muscle_r" */
    int top1, top3;
    long bin_n[MK_LOCATE_BINS], bin_hit[MK_LOCATE_BINS];
    double bin_p[MK_LOCATE_BINS];          /* sum of the probabilities in the bin */
    double log_score;                      /* mean log posterior of the truth */
} mk_locate_cv_score;

/* Two scorings: [0] local = the fold's extra rate (the maps leave local pain out by
 * construction, so a local region of the truth is never drawn: local regions are then like any
 * region outside the map); [1] local = 0.5, as for a patient's drawing. */
struct mk_locate_cv {
    int n_maps, n_located;                 /* training maps; those with an essential zone */
    int located[MK_REFERRAL_MAX_CASES];    /* 1: map m was drawn and located */
    int n_cand;
    double miss_mean, extra_mean;          /* over the folds */
    mk_locate_cv_score score[2];
    char muscle[MK_REFERRAL_MAX_CASES][48];
};

/* The leave-one-out measurement on a finished referral cross-validation (its folds'
 * parameters, its bolus response): for make bench, which has run one already. */
mk_status mk_locate_cv_from(const mk_referral_cv_report *ref, mk_locate_cv **out, mk_error *err);

#endif
