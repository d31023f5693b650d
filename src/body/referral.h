/*
 * referral.h -- referred pain from anatomy: which body regions share dorsal-horn neurons with
 * a site's nociceptive afferents, and how strongly.
 *
 * The model (models/tp_site.myo) computes `pain.referred`: the 0-10 rating a region would get
 * if all of its innervation came from the site's segments, after latent connections are
 * unmasked.  This layer scales it per region by a weight computed from the anatomy tables and
 * the parameters of data/anatomy/referral_params.csv (unit, range, source each; docs/referral.md)
 * -- no clinical referral map is used, and nothing is per muscle or per region:
 *
 *   1. convergence (eligibility): the site drives its afferent entry segments (muscles.csv)
 *      at 1; upper cervical input (C1-C3) drives the trigeminal divisions at k_tcc and
 *      trigeminal input drives C1-C3 likewise; one trigeminal division drives the other two at
 *      k_trig; the cord segments next to the entry segments are driven at
 *      k_adj + k_spread * cs (zones grow with central sensitisation cs, 0..1);
 *   2. a region's connectivity c is the driven share of its innervation, deep segments
 *      weighted 1 and dermatomes k_derm (deep over skin input);
 *   3. attachments: a region over the muscle's origin, insertion or a joint it crosses
 *      (muscles.csv attachment_regions, on its side; a midline one in full) gets k_att on top;
 *   4. selection: c is multiplied by exp(b_distal * (distality of the region - of the muscle))
 *      -- distance from the spinal axis along the body in body heights: up the head, out to
 *      the fingertips, down to the toes -- midline regions by k_mid, regions of the other side
 *      by k_cross; the score gain * (that + attachment drive) is divided by the best target's
 *      score to the power k_norm (competition);
 *   5. the weight is w = min(1, score)^gamma.  The site's own local regions (muscles.csv) are
 *      never referral targets, on either side.
 */
#ifndef MK_BODY_REFERRAL_H
#define MK_BODY_REFERRAL_H

#include "body/anatomy.h"
#include "body/referral_params.h"

typedef struct mk_referral mk_referral;

/* With the anatomy's parameters (the embedded referral_params.csv).  The anatomy must outlive
 * the referral (region ids are its). */
mk_status mk_referral_new(const mk_anatomy *a, const char *muscle, char side, mk_referral **out,
                          mk_error *err);
/* With other parameters (a fit, a sensitivity analysis). */
mk_status mk_referral_new_with(const mk_anatomy *a, const mk_referral_params *p, const char *muscle,
                               char side, mk_referral **out, mk_error *err);
void mk_referral_free(mk_referral *r);
/* Target regions (weight > 0 at full sensitisation), in anatomy order. */
int mk_referral_count(const mk_referral *r);
const char *mk_referral_region(const mk_referral *r, int k);
/* Its index among the anatomy's regions. */
int mk_referral_region_index(const mk_referral *r, int k);
/* The region's weight (0..1) at central sensitisation cs (0..1). */
double mk_referral_weight(const mk_referral *r, int k, double cs);
/* The site's own regions ("upper_shoulder_r;posterior_neck_r"), where local pain is felt. */
const char *mk_referral_local_regions(const mk_referral *r);

#endif
