/*
 * referral.h -- referred pain from anatomy: which body regions share dorsal-horn neurons with
 * a site's nociceptive afferents, and how strongly.
 *
 * The model (models/tp_site.myo) computes `pain.referred`: the 0-10 rating a region would get
 * if all of its innervation came from the site's segments, after latent connections are
 * unmasked.  This layer scales it per region by a connectivity weight computed from the
 * anatomy tables -- no clinical referral map is used:
 *
 *   1. the site drives its afferent entry segments (muscles.csv, afferent_segments) equally;
 *   2. trigeminocervical convergence: upper cervical input (C1-C3) also drives the trigeminal
 *      nucleus (CN V1-V3) at k_tcc, and trigeminal input drives C1-C3 likewise;
 *   3. spread: with central sensitisation cs (0..1) the neighbouring cord segments are driven
 *      at k_spread * cs (referral zones grow in chronic states);
 *   4. a region's connectivity c is the driven share of its innervation, deep segments
 *      weighted 1 and dermatomes k_derm (muscle afferents converge mainly onto neurons with
 *      deep receptive fields);
 *   5. segmental eligibility alone is far too permissive, so the weight is sharpened, w = c^gamma;
 *      only regions on the site's side (midline at half weight) and not the site's own local
 *      regions are referral targets.
 * Constants and their status are in referral.c.
 */
#ifndef MK_BODY_REFERRAL_H
#define MK_BODY_REFERRAL_H

#include "body/anatomy.h"

typedef struct mk_referral mk_referral;

mk_status mk_referral_new(const mk_anatomy *a, const char *muscle, char side, mk_referral **out,
                          mk_error *err);
void mk_referral_free(mk_referral *r);
/* Target regions (weight > 0 at full sensitisation), in anatomy order. */
int mk_referral_count(const mk_referral *r);
const char *mk_referral_region(const mk_referral *r, int k);
/* The region's weight (0..1) at central sensitisation cs (0..1). */
double mk_referral_weight(const mk_referral *r, int k, double cs);
/* The site's own regions ("upper_shoulder_r;posterior_neck_r"), where local pain is felt. */
const char *mk_referral_local_regions(const mk_referral *r);

#endif
