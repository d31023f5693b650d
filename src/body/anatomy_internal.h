/* anatomy_internal.h -- the anatomy tables, for the body layer (src/body/). */
#ifndef MK_BODY_ANATOMY_INTERNAL_H
#define MK_BODY_ANATOMY_INTERNAL_H

#include <stdint.h>

#include "body/anatomy.h"
#include "body/referral_params.h"

#define MK_N_SEGMENTS 38   /* CN V1..CN XI, C1..Co1 */
#define MK_FIRST_CORD 7    /* index of C1 */
#define MK_MAX_REGIONS 160
#define MK_MAX_MUSCLES 80

typedef struct mk_region {
    char id[64];          /* with side: "temple_r"; midline: "vertex" */
    char base[48];        /* as in the CSV: "temple" */
    char name[128];
    char side;            /* 'r', 'l' or 'm' */
    uint64_t dermatomes;  /* skin segments, bit i = segment i */
    uint64_t deep;        /* segments of the deep tissues under the region */
    double x_front, y_front, x_back, y_back; /* body map, -1 where not drawn */
} mk_region;

typedef struct mk_muscle {
    char id[48];
    char name[128];
    uint64_t afferent;       /* segments where its nociceptive afferents enter */
    char local_regions[256]; /* ';'-separated side-free region ids */
    char attachments[256];   /* the regions over its origin, insertion and the joints it crosses
                              * (muscles.csv attachment_regions; "" if the column is absent) */
} mk_muscle;

struct mk_anatomy {
    mk_region regions[MK_MAX_REGIONS];
    int n_regions;
    mk_muscle muscles[MK_MAX_MUSCLES];
    int n_muscles;
    mk_referral_params referral; /* data/anatomy/referral_params.csv */
};

const char *mk_segment_name(int i);
int mk_segment_index(const char *token);
const mk_region *mk_anatomy_region(const mk_anatomy *a, const char *id);
const mk_muscle *mk_anatomy_muscle(const mk_anatomy *a, const char *id);

#endif
