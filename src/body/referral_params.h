/*
 * referral_params.h -- the few parameters of the referral mechanism (src/body/referral.h):
 * data/anatomy/referral_params.csv, embedded at build time like the anatomy tables, or another
 * file of the same form.
 *
 * Columns: name,value,unit,min,max,fit,source,description.  Every parameter must appear once,
 * with the unit given below, min < max and min <= value <= max; `fit` (yes/no) says whether a
 * fit may vary it.  Errors name file:line:column and what was expected.
 */
#ifndef MK_BODY_REFERRAL_PARAMS_H
#define MK_BODY_REFERRAL_PARAMS_H

#include "myoknot.h"

typedef enum mk_rp {
    MK_RP_K_DERM,   /* dermatome weight relative to deep segments */
    MK_RP_K_TCC,    /* trigeminocervical convergence */
    MK_RP_K_TRIG,   /* intra-trigeminal convergence */
    MK_RP_K_ADJ,    /* adjacent cord segments at rest */
    MK_RP_K_SPREAD, /* adjacent cord segments, added at full central sensitisation */
    MK_RP_B_DISTAL, /* distal bias, per body height */
    MK_RP_K_ATT,    /* drive of the regions over the muscle's attachments and joints */
    MK_RP_K_MID,    /* midline regions */
    MK_RP_K_CROSS,  /* regions on the other side */
    MK_RP_GAIN,     /* scale before sharpening */
    MK_RP_GAMMA,    /* sharpening exponent */
    MK_RP_K_NORM,   /* competition: division by the best target's score to this power */
    MK_RP_COUNT
} mk_rp;

typedef struct mk_referral_params {
    double value[MK_RP_COUNT];
    double min[MK_RP_COUNT], max[MK_RP_COUNT];
    int fit[MK_RP_COUNT];     /* 1: a fit may vary it */
} mk_referral_params;

const char *mk_rp_name(int i);
const char *mk_rp_unit(int i);
/* Index of a parameter by name, -1 if none. */
int mk_rp_index(const char *name);

/* Parse CSV text; file_name is used in messages. */
mk_status mk_referral_params_parse(const char *file_name, const char *text,
                                   mk_referral_params *out, mk_error *err);
/* The embedded data/anatomy/referral_params.csv. */
mk_status mk_referral_params_default(mk_referral_params *out, mk_error *err);
mk_status mk_referral_params_load_file(const char *path, mk_referral_params *out, mk_error *err);

/* Body-internal: one CSV record (RFC 4180 quoting) from *pos into fields of MK_CSV_FIELD bytes
 * with their 1-based starting columns; returns the number of fields, -1 for an unterminated
 * or overlong field, -2 for more than max fields (*bad_col says where). */
#define MK_CSV_FIELD 1024
int mk_body_csv_record(const char **pos, char (*f)[MK_CSV_FIELD], int *col, int max, int *bad_col);

#endif
