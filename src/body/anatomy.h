/*
 * anatomy.h -- body regions, muscles and spinal segments (data/anatomy/ CSV files, embedded in
 * the library at build time so a run needs no data files).
 *
 * Region ids are side-free in the data ("temple"); lateral regions exist as "temple_r" and
 * "temple_l", midline ones ("vertex", "throat", "sternum", "sacrum_coccyx") once.
 */
#ifndef MK_BODY_ANATOMY_H
#define MK_BODY_ANATOMY_H

#include "myoknot.h"

/* The declarations are public: include/myoknot/scenario.h. */
#include "myoknot/scenario.h"

/* For drawing body maps (internal): the regions in table order (lateral ones as _r then _l):
 * the number, and region i's id ("temple_r"), side ('r', 'l' or 'm') and centre on the
 * body-map figure (README 1.2: x 0..1 across, subject's right at x < 0.5 in the front view and
 * > 0.5 in the back view; y 0 at the vertex to 1 at the soles), xy = {x_front, y_front,
 * x_back, y_back}, -1 where the region is not drawn in that view.  NULL for an index out of
 * range. */
int mk_anatomy_region_count(const mk_anatomy *a);
const char *mk_anatomy_region_place(const mk_anatomy *a, int i, char *side, double xy[4]);
/* Index of a region id ("temple_r"), -1 if none. */
int mk_anatomy_region_index(const mk_anatomy *a, const char *id);
/* A region as a scenario or a design may write it, as an id: "temple_right" -> "temple_r",
 * "temple_left" -> "temple_l", anything else copied (truncated to size). */
void mk_anatomy_region_id(const char *in, char *out, size_t size);

/* Trigger points that share a dorsal horn (docs/site-composition.md): sites on one side whose
 * afferent segments overlap, directly or through another site, form one group.  For n sites
 * (muscle ids, sides "r"/"l"), group[i] is site i's group, numbered in order of first
 * appearance, and names[g] the group's name, "seg_r_c2_c5" (side, first and last segment of
 * the union).  Returns the number of groups, or -1 when a muscle is unknown. */
int mk_anatomy_segment_groups(const mk_anatomy *a, int n, const char *const *muscles,
                              const char *const *sides, int *group, char (*names)[40]);

#endif
