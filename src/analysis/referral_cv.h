/*
 * referral_cv.h -- the referral mechanism measured against the classical maps of
 * data/anatomy/referral_training.csv, as issue 10 defines it: 1 mL of 5.8 % hypertonic saline
 * over 20 s into the muscle (right side) of the default patient (a scenario with no
 * `patient:` key, model tp_site); a region is referred when its peak pain reaches 0.5/10;
 * the muscle's local regions are left out of both sides.
 *
 * The fit evaluates the fast path (src/body/referral_fit.h: the site's response to the
 * bolus, simulated once, times the region weights); the held-out predictions are then
 * checked through the real path -- a full simulation of each muscle's scenario with its
 * fold's parameters -- and the scores reported are the real path's.
 */
#ifndef MK_ANALYSIS_REFERRAL_CV_H
#define MK_ANALYSIS_REFERRAL_CV_H

#include "body/referral_fit.h"
#include "myoknot.h"

typedef struct mk_referral_cv_report {
    mk_anatomy *anat;
    mk_referral_maps maps;
    mk_referral_response resp;
    double peak_referred, cs_max;     /* of the bolus response */
    mk_referral_cv cv;
    mk_region_set real[MK_REFERRAL_MAX_CASES]; /* held-out predictions through mk_simulate */
    int verified, mismatches;         /* muscles checked, and whose real set differs */
    mk_referral_score real_essential, real_all;
    double seconds_fit, seconds_verify;
} mk_referral_cv_report;

/* mk_referral_cv_run, _free, _format: public, include/myoknot/body.h */

/* The site's response to the convention's bolus (one simulation, thinned to 12 points of its
 * front), the peak of pain.referred and of central sensitisation: what every muscle's
 * predicted map is computed from (mk_referral_predict). */
mk_status mk_referral_saline_response(const mk_anatomy *anat, mk_referral_response *resp, double *peak_referred,
                                      double *cs_max, mk_error *err);

#endif
