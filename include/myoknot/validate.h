/*
 * myoknot/validate.h -- validation against published data (docs/validation.md).
 *
 * A validation *target* is one YAML file (data/validation/NN-name.yaml): one published
 * observation (value, uncertainty or range, unit, citation), the scenario that reproduces the
 * experiment (a file, or a mapping written inline in the scenario format), how the model's
 * number is extracted from the run (a small vocabulary: series statistics, measurements,
 * differences, ratios, orderings), the tolerance and its justification, and the comparison.
 *
 * Loading checks the whole file (keys, kinds, units, the embedded scenario's YAML) and names
 * file:line:column on every error; running compiles the scenario(s) against one model ABI,
 * simulates, extracts and compares.  The library never prints.
 */
#ifndef MYOKNOT_VALIDATE_H
#define MYOKNOT_VALIDATE_H

#include "myoknot.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mk_vtarget mk_vtarget;

MK_API mk_status mk_vtarget_load_file(const char *path, mk_vtarget **out, mk_error *err);
/* file_name: used in messages and to resolve a scenario path (relative to its directory). */
MK_API mk_status mk_vtarget_load_string(const char *file_name, const char *text, mk_vtarget **out,
                                 mk_error *err);
MK_API void mk_vtarget_free(mk_vtarget *t);
MK_API const char *mk_vtarget_name(const mk_vtarget *t);
/* "calibration" (may be used to set parameters) or "validation" (never). */
MK_API const char *mk_vtarget_role(const mk_vtarget *t);
/* Check the units written in the file (published unit, times) once a unit system exists;
 * mk_vtarget_run does this itself. */
MK_API mk_status mk_vtarget_check_units(mk_vtarget *t, mk_units *u, mk_error *err);

typedef enum mk_verdict {
    MK_V_PASS,        /* within / on the right side / in the right order */
    MK_V_FAIL,        /* an unexpected failure */
    MK_V_XFAIL,       /* a failure the file expects (expected_failure) */
    MK_V_XPASS,       /* a pass although the file expects a failure: remove the mark */
    MK_V_ERROR,       /* the target could not be run against this model */
    MK_V_DRIFT,       /* an expected failure whose value moved beyond its recorded drift */
    MK_V_N
} mk_verdict;

MK_API const char *mk_verdict_name(mk_verdict v); /* "pass", "FAIL", "expected-fail", ... */

/* The curve behind a number, for the figure: one variable (or measurement) over time. */
typedef struct mk_vcurve {
    char label[128];   /* "core.flow", "PPT" */
    char unit[32];     /* the unit of v (converted to the published unit when it can be) */
    int n;
    double *t_s, *v;
    double w0_s, w1_s; /* the window the statistic used (NaN: whole run) */
    int band_applies;  /* the published band is in the curve's terms (max, min, at, ...) */
} mk_vcurve;

#define MK_V_MAX_ITEMS 8

typedef struct mk_vresult {
    char name[96];
    char file[512];
    char quantity[256];
    char source[512];
    char published[160];   /* "270 (88 .. 574) kPa", as written */
    char unit[32];         /* the published unit, in which model values are given */
    char compare[16];      /* within, above, below, ordinal */
    char tolerance[160];   /* "accepted 240 .. 300 kPa", "any order step > 0" */
    char why[1024];
    char role[16];         /* calibration or validation */
    char role_why[512];    /* why the target has that role ("" if the file gives no reason) */
    char circular[512];    /* the model's parameters set from this target's number ("" if none) */
    char expected[1024];   /* expected_failure reason for this model, "" if none */
    int n_recorded;        /* the recorded model value(s) of an expected failure (ordinal: items) */
    double recorded[MK_V_MAX_ITEMS];
    double drift;          /* how far the value may move from the record (published unit) */
    double pub_value;      /* NaN for ordinal */
    double pub_lo, pub_hi; /* the published uncertainty or range (NaN if none) */
    double acc_lo, acc_hi; /* the accepted band (within), or the bound (above/below) */
    double model;          /* the model's number in `unit`; NaN when ordinal or on error */
    int n_items;           /* ordinal: the items' values, in order */
    double items[MK_V_MAX_ITEMS];
    int direction;         /* ordinal: +1 increasing, -1 decreasing (0 otherwise) */
    double min_step;       /* ordinal: each step must exceed it */
    char item_labels[MK_V_MAX_ITEMS][48];
    char model_text[160];  /* the model's answer as printed */
    mk_verdict verdict;
    char note[1024];       /* why it failed, or what the run said */
    mk_vcurve curve;
    double wall_s;
} mk_vresult;

/*
 * Run target t against abi (the model under test; the scenario's own `model:` is ignored).
 * Errors of the target file that only show against a model (an unknown event field, an output
 * the model lacks) and solver failures give verdict MK_V_ERROR with the message in note and
 * return MK_OK; only out-of-memory and invalid arguments return an error.  Free with
 * mk_vresult_free.
 */
MK_API mk_status mk_vtarget_run(mk_vtarget *t, const mk_model_abi *abi, mk_units *u,
                         const mk_anatomy *anat, mk_vresult *out, mk_error *err);
MK_API void mk_vresult_free(mk_vresult *r);

/* Draw r's figure (curve and published band, number line) as a PNG at path. */
MK_API mk_status mk_vfigure_write(const mk_vresult *r, const char *path, mk_error *err);

/* ---------------------------------------------------------------- a suite's page */

/* One row of a validation suite: a target file and its results against each model. */
typedef struct mk_vsuite_row {
    const char *file;            /* the target file */
    const char *load_error;      /* non-empty: the file did not load (res is not read) */
    const mk_vresult *res;       /* the results, one per model in the page's order */
    const char *const *marks;    /* per model: an audit mark ("insensitive") or ""; may be NULL */
} mk_vsuite_row;

typedef struct mk_vsuite_page {
    const char *targets_dir;     /* where the targets came from, for the page */
    int n_models;
    const char *const *models;   /* the models' names */
    double wall_s;               /* the suite's time */
} mk_vsuite_page;

/* validation.csv (a row per target and model) and validation.html (the table, then a section
 * per target with its figures, drawn as figNN_M.png and embedded) into the output folder o
 * (myoknot/output.h; the caller commits it). */
MK_API mk_status mk_vsuite_write(const mk_vsuite_page *page, const mk_vsuite_row *rows, int n_rows,
                                 mk_outdir *o, mk_error *err);

#ifdef __cplusplus
}
#endif
#endif /* MYOKNOT_VALIDATE_H */
