/*
 * regions.h -- pain per body region in a run with several trigger points (a scenario's
 * `sites:`, docs/site-composition.md).
 *
 * Each site refers by its own map (body/referral.h: its muscle, its side) from its own
 * segment's referred pain and central sensitisation, read through its prefixed labels
 * (mk_site_resolve_prefix); its local pain is felt in its own local regions.  A region's pain
 * is the largest any site gives it: the summation across sites happens in the dorsal horn they
 * share (the composed model's segment sums their afferent drive), not once more on the
 * 0-10 scale.  The columns are the union over the sites: local regions first, then referred
 * ones felt at all (weight > 0.02 at full sensitisation), as for one site.
 */
#ifndef MK_PROTOCOL_REGIONS_H
#define MK_PROTOCOL_REGIONS_H

#include "body/anatomy.h"
#include "protocol/protocol.h"

typedef struct mk_regions mk_regions;

/* For p's sites (p->n_sites >= 1) in the composed model abi; fails if a site lacks the
 * labels pain_local and pain_referred. */
mk_status mk_regions_new(const mk_model_abi *abi, const mk_anatomy *anat, const mk_protocol *p,
                         mk_regions **out, mk_error *err);
void mk_regions_free(mk_regions *r);
int mk_regions_count(const mk_regions *r);
const char *mk_regions_name(const mk_regions *r, int j); /* "temple_r" */
/* Each region's pain (0-10) from the model's states and variables. */
void mk_regions_eval(const mk_regions *r, const double *states, const double *vars, double *out);

#endif
