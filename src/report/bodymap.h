/*
 * bodymap.h -- body-map figures: a standing figure seen from the front and from the back, each
 * body region of data/anatomy/body_regions.csv a filled patch coloured by its pain on the
 * viridis scale (perceptually uniform, readable with colour-vision deficiency and in grey),
 * a labelled colour bar, and the trigger point marked.
 *
 * The patches are a partition of the body outline: every point inside the outline belongs to
 * the nearest region centre (README 1.2 coordinates), the distance measured inside the body
 * (a path may not cross the gap between arm and trunk or between the legs), so a region's
 * patch never jumps from the hand to the thigh.  The outline is a fixed standing adult drawn
 * to the same proportions as the coordinates (README 1.2 landmarks).
 */
#ifndef MK_REPORT_BODYMAP_H
#define MK_REPORT_BODYMAP_H

#include "body/anatomy.h"
#include "myoknot.h"

#define MK_BODYMAP_MAX_MAPS 4
#define MK_BODYMAP_MAX_TRPS 16 /* trigger points marked per view (a scenario has at most MK_MAX_SITES) */

typedef struct mk_bodymap_map {
    const double *pain;   /* 0..10 per anatomy region (mk_anatomy_region_count); NULL = none */
    char heading[160];    /* printed above the front and back views, e.g. "at peak referred pain" */
    char trp_regions[512]; /* this map's trigger points, as bm.trp_regions ("": the figure's) */
} mk_bodymap_map;

typedef struct mk_bodymap {
    const mk_anatomy *anat;
    int n_maps;                       /* 1..MK_BODYMAP_MAX_MAPS, each drawn as front + back */
    mk_bodymap_map map[MK_BODYMAP_MAX_MAPS];
    /* where the trigger points lie: each one's region ids ';'-separated, '|' between trigger
     * points ("upper_trapezius_region_r;lateral_neck_r|..."); each gets its own marker at the
     * mean of its regions' centres ("" = none) */
    char trp_regions[2048];
    const char *title;                /* what the reader should see; '\n' splits two lines */
} mk_bodymap;

/* The partition of the outline into region patches, for both views (computed afresh by
 * mk_bodymap_draw; exposed so that its geometry can be checked). */
typedef struct mk_bodymap_partition mk_bodymap_partition;
mk_status mk_bodymap_partition_new(const mk_anatomy *a, mk_bodymap_partition **out, mk_error *err);
void mk_bodymap_partition_free(mk_bodymap_partition *p);
/* The anatomy region index drawn at (x, y) of the figure (README 1.2 coordinates) in view 0
 * (front) or 1 (back); -1 outside the body outline. */
int mk_bodymap_region_at(const mk_bodymap_partition *p, int view, double x, double y);

/* The markers of the trigger points in list (as mk_bodymap.trp_regions) in view 0 (front) or 1
 * (back): up to max (x, y) pairs into xy (README 1.2 coordinates), one per trigger point with a
 * region visible in that view; returns how many. */
int mk_bodymap_markers(const mk_anatomy *anat, int view, const char *list, double *xy, int max);

/* Draw the figure as a PNG at path (written atomically: mk_plot_draw). */
mk_status mk_bodymap_draw(const mk_bodymap *bm, const char *path, mk_error *err);

#endif
