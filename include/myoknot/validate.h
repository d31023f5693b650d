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
/* The target files of dir (*.yaml, hidden files left out) as "dir/NAME.yaml", sorted by name:
 * *out is NULL-terminated, its strings and the array are released with free().  MK_ERR_IO
 * (origin MK_ORIGIN_ARGUMENT) naming dir if it cannot be read; an empty folder is no error. */
MK_API mk_status mk_vtarget_list(const char *dir, char ***out, int *n, mk_error *err);
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

/* A target's result against one model: an opaque handle, read through the accessors below
 * (the texts are the ones the suite's table, page and CSV print). */
typedef struct mk_vresult mk_vresult;

/*
 * Run target t against abi (the model under test; the scenario's own `model:` is ignored).
 * Errors of the target file that only show against a model (an unknown event field, an output
 * the model lacks) and solver failures give verdict MK_V_ERROR with the message in the note and
 * return MK_OK; only out-of-memory and invalid arguments return an error (then *out is NULL).
 * Free *out with mk_vresult_free.
 */
MK_API mk_status mk_vtarget_run(mk_vtarget *t, const mk_model_abi *abi, mk_units *u,
                         const mk_anatomy *anat, mk_vresult **out, mk_error *err);
MK_API void mk_vresult_free(mk_vresult *r);

MK_API mk_verdict mk_vresult_verdict(const mk_vresult *r);
MK_API const char *mk_vresult_name(const mk_vresult *r);
MK_API const char *mk_vresult_file(const mk_vresult *r);
MK_API const char *mk_vresult_quantity(const mk_vresult *r);
MK_API const char *mk_vresult_source(const mk_vresult *r);
MK_API const char *mk_vresult_published(const mk_vresult *r);  /* "270 (88..574) kPa", as printed */
MK_API const char *mk_vresult_unit(const mk_vresult *r);       /* the published unit of the values */
MK_API const char *mk_vresult_compare(const mk_vresult *r);    /* within, above, below, ordinal */
MK_API const char *mk_vresult_tolerance(const mk_vresult *r);  /* "240..300 kPa", "> 12 s", ... */
MK_API const char *mk_vresult_why(const mk_vresult *r);        /* the tolerance's justification */
MK_API const char *mk_vresult_role(const mk_vresult *r);       /* calibration or validation */
MK_API const char *mk_vresult_role_why(const mk_vresult *r);   /* "" if the file gives no reason */
/* The model's parameters set from this target's number ("" if none). */
MK_API const char *mk_vresult_circular(const mk_vresult *r);
/* The expected_failure reason for this model ("" if none). */
MK_API const char *mk_vresult_expected(const mk_vresult *r);
MK_API const char *mk_vresult_model_text(const mk_vresult *r); /* the model's answer as printed */
MK_API const char *mk_vresult_note(const mk_vresult *r);       /* why it failed, or what the run said */
/* The model's number in the published unit; NaN when ordinal or on error. */
MK_API double mk_vresult_model(const mk_vresult *r);
/* The published value (NaN for ordinal); its uncertainty or range into *lo, *hi (NaN if none;
 * either may be NULL). */
MK_API double mk_vresult_published_value(const mk_vresult *r, double *lo, double *hi);
/* The accepted band (within), or the bound (above: *lo, below: *hi); NaN where none. */
MK_API void mk_vresult_accepted(const mk_vresult *r, double *lo, double *hi);
/* Ordinal targets: the number of items; item i's value (published unit) and label (may be
 * NULL; NaN and "" out of range); the direction (+1 increasing, -1 decreasing, 0 not ordinal)
 * and the step each must exceed (*min_step, may be NULL). */
MK_API int mk_vresult_items(const mk_vresult *r);
MK_API double mk_vresult_item(const mk_vresult *r, int i, const char **label);
MK_API int mk_vresult_direction(const mk_vresult *r, double *min_step);
/* An expected failure's recorded model value(s): their number (ordinal: one per item), the
 * first max into values (may be NULL), and how far the value may move from them (*drift, NaN
 * if none; may be NULL). */
MK_API int mk_vresult_recorded(const mk_vresult *r, double *values, int max, double *drift);
MK_API double mk_vresult_wall_s(const mk_vresult *r);

/* The curve behind the number, for a figure: one variable (or measurement) over time.  The
 * pointers stay valid while the result lives. */
typedef struct mk_vcurve_info {
    const char *label;    /* "core.flow", "PPT" */
    const char *unit;     /* the unit of v (converted to the published unit when it can be) */
    int n;
    const double *t_s, *v;
    double w0_s, w1_s;    /* the window the statistic used (NaN: whole run) */
    int band_applies;     /* the published band is in the curve's terms (max, min, at, ...) */
} mk_vcurve_info;
MK_API void mk_vresult_curve(const mk_vresult *r, mk_vcurve_info *out);

/* Draw r's figure (curve and published band, number line) as a PNG at path. */
MK_API mk_status mk_vfigure_write(const mk_vresult *r, const char *path, mk_error *err);

/* ---------------------------------------------------------------- a suite's page */

/* One row of a validation suite: a target file and its results against each model. */
typedef struct mk_vsuite_row {
    const char *file;            /* the target file */
    const char *load_error;      /* non-empty: the file did not load (res is not read) */
    const mk_vresult *const *res; /* the results, one per model in the page's order */
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

/* ---------------------------------------------------------------- running a suite */

/*
 * A suite: the target files of a folder (or those named), loaded first and sorted validation
 * before calibration (a file that does not load becomes a row with its error), each run against
 * every model, the last audit's marks (DIR/audit.csv) read back and the verdicts counted per
 * role and model.  The callbacks (each may be NULL) let a caller show the table as it fills.
 */
#define MK_VSUITE_MAX_MODELS 8
typedef struct mk_vsuite_run mk_vsuite_run;

typedef struct mk_vsuite_opts {
    const char *dir;                     /* the targets' folder */
    const char *const *only;             /* n_only names (mk_vtarget_selected); none: all */
    int n_only;
    int n_models;                        /* 1 .. MK_VSUITE_MAX_MODELS */
    const mk_model_abi *const *models;   /* read during the run only */
    void (*load_error)(void *ctx, const mk_error *e);           /* a selected file that did not load */
    void (*loaded)(void *ctx, const mk_vsuite_run *s);          /* every row known, none run yet */
    void (*row_started)(void *ctx, const mk_vsuite_run *s, int row);
    void (*result)(void *ctx, const mk_vsuite_run *s, int row, int model);
    void *ctx;
} mk_vsuite_opts;

/* Run the suite; *out freed with mk_vsuite_run_free.  Files that do not load are rows, not
 * errors; an unreadable folder, an empty one and an --only that matches nothing are errors of
 * origin MK_ORIGIN_ARGUMENT. */
MK_API mk_status mk_vsuite_run_new(const mk_vsuite_opts *o, mk_vsuite_run **out, mk_error *err);
MK_API void mk_vsuite_run_free(mk_vsuite_run *s);
MK_API int mk_vsuite_run_n_rows(const mk_vsuite_run *s);
MK_API int mk_vsuite_run_n_models(const mk_vsuite_run *s);
MK_API const char *mk_vsuite_run_model(const mk_vsuite_run *s, int m);    /* the model's name */
MK_API int mk_vsuite_run_load_errors(const mk_vsuite_run *s);
MK_API double mk_vsuite_run_wall_s(const mk_vsuite_run *s);               /* simulation and extraction */
/* Row i: its file; its error if it did not load ("" otherwise); the target's name and role ("" if
 * it did not load); its result against model m (NULL if not run); the audit's mark for it against
 * model m ("insensitive" or ""). */
MK_API const char *mk_vsuite_run_file(const mk_vsuite_run *s, int i);
MK_API const char *mk_vsuite_run_load_error(const mk_vsuite_run *s, int i);
MK_API const char *mk_vsuite_run_name(const mk_vsuite_run *s, int i);
MK_API const char *mk_vsuite_run_role(const mk_vsuite_run *s, int i);
MK_API const mk_vresult *mk_vsuite_run_result(const mk_vsuite_run *s, int i, int m);
MK_API const char *mk_vsuite_run_mark(const mk_vsuite_run *s, int i, int m);
/* How many of the validation (calibration 0) or calibration (1) targets got verdict v with model m. */
MK_API int mk_vsuite_run_count(const mk_vsuite_run *s, int calibration, int m, mk_verdict v);
/* The audit marks file's header line ("" if none) and how many targets it marks (*n_marked). */
MK_API const char *mk_vsuite_run_audit(const mk_vsuite_run *s, int *n_marked);
/* The page (mk_vsuite_write: validation.csv, validation.html, figures) into o. */
MK_API mk_status mk_vsuite_run_write(const mk_vsuite_run *s, mk_outdir *o, mk_error *err);

/* ---------------------------------------------------------------- the audit: can a target fail? */

/* Is the target file at path (named name) among only[0 .. n_only-1]?  A name matches the
 * target's name, its file name, or its file name without ".yaml"; no names select every file. */
MK_API int mk_vtarget_selected(const char *const *only, int n_only, const char *path, const char *name);

/*
 * The audit (docs/validation.md, "Audit"): every parameter of the model with a plausible range
 * is moved to each end of it, one at a time, and every selected target runs against every such
 * variant.  A target that passes with the model and for every variant that ran, or all but one,
 * is *insensitive*: its pass does not depend on the model getting anything right.  A variant
 * whose run fails is counted apart, never as a flip.  The variants run in forked worker
 * processes (UDUNITS, which compiling a scenario uses, is not thread safe).
 */
typedef struct mk_audit mk_audit;

typedef struct mk_audit_opts {
    const char *dir;              /* the targets' folder */
    const char *const *only;      /* n_only names (mk_vtarget_selected); none: every target */
    int n_only;
    int jobs;                     /* worker processes, clamped to 1 .. MK_WORKERS_MAX */
    /* in the calling process, before the variants run (may be NULL) */
    void (*started)(void *ctx, int n_targets, int n_variants, int n_ranged, int jobs);
    void (*progress)(void *ctx, int done, int total); /* as each variant finishes (may be NULL) */
    void *progress_ctx;
} mk_audit_opts;

/* Run the audit of abi (read during the call only); *out freed with mk_audit_free.  The folder,
 * a target that does not load and an --only that matches nothing are errors of origin
 * MK_ORIGIN_ARGUMENT or the file's. */
MK_API mk_status mk_audit_run(const mk_model_abi *abi, const mk_audit_opts *o, mk_audit **out, mk_error *err);
MK_API void mk_audit_free(mk_audit *a);
MK_API int mk_audit_n_targets(const mk_audit *a);
MK_API int mk_audit_n_variants(const mk_audit *a);
MK_API int mk_audit_n_ranged(const mk_audit *a);   /* parameters with a plausible range */
MK_API int mk_audit_jobs(const mk_audit *a);
MK_API double mk_audit_wall_s(const mk_audit *a);  /* the variants' wall time */

/* Target t's line of the table. */
typedef struct mk_audit_row_info {
    const char *name, *role;
    const char *model;   /* the model's own verdict: "pass", "fail" or "error" */
    int passes, ran, failed; /* variants that pass, that ran, whose run failed */
    int insensitive;
} mk_audit_row_info;
MK_API void mk_audit_row(const mk_audit *a, int t, mk_audit_row_info *out);
/* The parameter ends ("name=lo name=hi ...") of the variants whose verdict on target t differs
 * from the model's (failed 0) or whose run failed (failed 1), as much as fits into buf (may be
 * NULL); returns how many there are. */
MK_API int mk_audit_variants(const mk_audit *a, int t, int failed, char *buf, size_t size);

/* audit-table.csv (every target with its flipping and failed variants) into the output folder
 * o (the caller commits it). */
MK_API mk_status mk_audit_write_table(const mk_audit *a, const mk_outdir *o, mk_error *err);
/* The marks, DIR/audit.csv, which the suite reads, written whole or not at all; refused for an
 * audit of some targets only. */
MK_API mk_status mk_audit_write_marks(const mk_audit *a, const char *dir, mk_error *err);

#ifdef __cplusplus
}
#endif
#endif /* MYOKNOT_VALIDATE_H */
