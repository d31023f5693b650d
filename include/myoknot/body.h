/*
 * myoknot/body.h -- the body layer: referred pain from a trigger point to skin regions
 * (src/body/referral.c), its parameters, and their cross-validation against the classical
 * referral maps (leave one muscle out).
 */
#ifndef MYOKNOT_BODY_H
#define MYOKNOT_BODY_H

#include "myoknot.h"

#ifdef __cplusplus
extern "C" {
#endif

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

MK_API const char *mk_rp_name(int i);
MK_API const char *mk_rp_unit(int i);
/* Index of a parameter by name, -1 if none. */
MK_API int mk_rp_index(const char *name);

/* Parse CSV text; file_name is used in messages. */
MK_API mk_status mk_referral_params_parse(const char *file_name, const char *text,
                                   mk_referral_params *out, mk_error *err);
/* The embedded data/anatomy/referral_params.csv. */
MK_API mk_status mk_referral_params_default(mk_referral_params *out, mk_error *err);
MK_API mk_status mk_referral_params_load_file(const char *path, mk_referral_params *out, mk_error *err);

typedef struct mk_referral_fit_opts {
    int starts;        /* local searches from the file's values and starts-1 Halton points (8) */
    int max_evals;     /* per local search (400) */
    double softness;   /* width of the smooth F1 surrogate's step, in log rating (0.25) */
    int spillover;     /* 1: fit essential + spillover zones instead of essential */
    int neutral_start; /* 1: the first start is the middle of each range, not the file's value
                        * (cross-validation folds: the file's values may have been fitted on
                        * all maps, the held-out one included, and must not leak into a fold) */
    /* cross-validation: called from the calling thread after each fold (done of total folds,
     * the final fit on all maps counted as the last); NULL: silent */
    void (*progress)(void *ctx, int done, int total);
    void *progress_ctx;
} mk_referral_fit_opts;

MK_API void mk_referral_fit_opts_default(mk_referral_fit_opts *o);

/* The cross-validation of the referral mechanism (myoknot referral --cv): fit on all maps
 * but one, predict the one left out; with verify, the predictions are also checked by
 * simulating the site model.  p NULL: the embedded parameters. */
typedef struct mk_referral_cv_report mk_referral_cv_report;
MK_API mk_status mk_referral_cv_run(const mk_referral_params *p, const mk_referral_fit_opts *o, int verify,
                             mk_referral_cv_report **out, mk_error *err);
MK_API void mk_referral_cv_report_free(mk_referral_cv_report *r);
/* The report as text: scores, the fitted parameters, the regions predicted per muscle. */
MK_API void mk_referral_cv_format(const mk_referral_cv_report *r, mk_buf *out);

/* myoknot locate: a pain drawing traced back to the trigger points that could cause it
 * (docs/referral.md): every muscle on either side is a candidate, ranked by its posterior
 * probability under the referral mechanism's predicted maps, an explicit model of how a
 * patient draws (missed and extra regions, intensity noise) and a uniform prior. */
typedef struct mk_locate_request {
    const char *const *items;  /* "temple_r=6" ..., or NULL */
    int n_items;
    const char *drawing_file;  /* a YAML pain drawing instead of items, or NULL */
    const char *const *muscles; /* consider only these muscles (NULL: all) */
    int n_muscles;
    int top;                   /* candidates described in full by mk_locate_format (5) */
} mk_locate_request;

typedef struct mk_locate_report mk_locate_report;
/* Read and check the drawing (errors: unknown region or muscle with did-you-mean, a region
 * given twice, an intensity outside 0..10, an empty drawing; file:line:col from a file), then
 * compute every candidate's posterior. */
MK_API mk_status mk_locate_run(const mk_locate_request *q, mk_locate_report **out, mk_error *err);
MK_API void mk_locate_report_free(mk_locate_report *r);
/* The ranking, the observation model, the top candidates' maps and their segments. */
MK_API void mk_locate_format(const mk_locate_report *r, mk_buf *out);
/* rank,muscle,side,probability for every candidate (written atomically). */
MK_API mk_status mk_locate_write_csv(const mk_locate_report *r, const char *path, mk_error *err);
/* A body-map PNG: the drawing beside the three most probable candidates' predicted maps. */
MK_API mk_status mk_locate_write_figure(const mk_locate_report *r, const char *path, mk_error *err);

/* Leave-one-out: each training muscle's essential zone drawn, located with the referral
 * parameters and observation rates of the fold that left it out (myoknot locate --cv). */
typedef struct mk_locate_cv mk_locate_cv;
MK_API mk_status mk_locate_cv_run(const mk_referral_fit_opts *o, mk_locate_cv **out, mk_error *err);
MK_API void mk_locate_cv_free(mk_locate_cv *c);
/* Top-1 and top-3 accuracy, the reliability table, the rank of each held-out muscle. */
MK_API void mk_locate_cv_format(const mk_locate_cv *c, mk_buf *out);

#ifdef __cplusplus
}
#endif
#endif /* MYOKNOT_BODY_H */
