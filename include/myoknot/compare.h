/*
 * myoknot/compare.h -- runs side by side (myoknot compare) and a scenario across values of one
 * setting (myoknot sweep).
 *
 * compare: reads each run directory's measurements.csv and series.csv (long format) and
 * manifest.json's scenario name; gives the measurements as one table with a column per run and
 * each run's difference from the first (rows matched by label, kind, region and site), and a
 * figure overlaying local pain and taut-band stiffness over time with the measured PPT as
 * points.  The first run is the reference ("the control" or "before").  A run of several sites
 * (`sites:`) is drawn at its first site, the one its unprefixed labels name; its table holds
 * the measurements of every site.
 *
 * sweep: a treatment setting is changed in the scenario's own text (every timeline event of
 * that type), so the scenario compiles exactly as if the user had edited it; each run's
 * outcomes are a fixed set of numbers, drawn against the setting.
 */
#ifndef MYOKNOT_COMPARE_H
#define MYOKNOT_COMPARE_H

#include "myoknot.h"

/* ---------------------------------------------------------------- compare */

#define MK_COMPARE_MAX_RUNS 4 /* curves per panel of the figure */

typedef struct mk_compare_run {
    char *dir, *name;          /* the folder as given; the scenario's name (or the folder's) */
    int n;                     /* series rows */
    double *t_s, *pain, *stiff; /* pain.local and band.stiffness (NaN when absent) */
    char stiff_unit[32];
    double duration_s;         /* the last series time */
    int n_sites;               /* manifest.json's scenario.sites (0 or 1: one site) */
    char first_site[64];       /* with several sites: the first, the one drawn ("upper_trapezius_r") */
} mk_compare_run;

typedef struct mk_compare_row {
    char *label, *kind, *region, *site, *unit;   /* site: "" for the first (or only) site */
    double t_s;                /* in the first run that has it */
    double *value;             /* per run, NaN where the run has no such measurement */
} mk_compare_row;

typedef struct mk_compare {
    int n_runs;
    mk_compare_run run[MK_COMPARE_MAX_RUNS];
    int n_rows, cap_rows;
    mk_compare_row *row;
} mk_compare;

/* The marker of a compare output folder (compare.csv). */
MK_API extern const mk_outdir_kind mk_outdir_kind_compare;

/* Read n (2 .. MK_COMPARE_MAX_RUNS) run directories.  Errors name the file (and line). */
MK_API mk_status mk_compare_load(const char *const *dirs, int n, mk_compare *out, mk_error *err);
/* The table for a terminal (text) and as CSV (one row per measurement: label, kind, region,
 * site, unit, time, each run's value, each later run's difference from the first). */
MK_API void mk_compare_table(const mk_compare *c, mk_buf *text, mk_buf *csv);
/* The overlay figure (PNG) at path. */
MK_API mk_status mk_compare_figure(const mk_compare *c, const char *path, mk_error *err);
MK_API void mk_compare_free(mk_compare *c);


/* ---------------------------------------------------------------- sweep */

/* The number of timeline events of type `event` in the scenario text (0 if none; -1 and err
 * filled if the text is no scenario). */
MK_API int mk_scenario_count_events(const char *file, const char *text, const char *event, mk_error *err);

/* *out (free() it): text with `field` of every `event` event set to value (quoted).  Fails
 * (MK_ERR_NAME) when no such event sets that field, naming file and the first such event. */
MK_API mk_status mk_scenario_vary_text(const char *file, const char *text, const char *event, const char *field,
                                const char *value, char **out, mk_error *err);

/* The scenario's own `sweep: {vary: "NAME=A..B UNIT", steps: N}`, if it has one: *vary (NULL
 * when the scenario has no sweep: section) points into a copy the caller frees (free(*vary));
 * *steps is left alone when not given.  Errors name file:line:col. */
MK_API mk_status mk_scenario_sweep_spec(const char *file, const char *text, char **vary, int *steps, mk_error *err);


/* What a sweep records of one run: the first and last measured PPT (kPa), the peak and final
 * local pain (0-10), the final taut-band stiffness (kPa); NaN where the run has none. */
enum { MK_SWEEP_PPT_FIRST, MK_SWEEP_PPT_LAST, MK_SWEEP_PAIN_PEAK, MK_SWEEP_PAIN_END, MK_SWEEP_STIFF_END, MK_SWEEP_N_OUT };
MK_API const char *mk_sweep_out_name(int i); /* the CSV column of outcome i, "" out of range */
MK_API void mk_sweep_outcomes(const mk_result *r, double out[MK_SWEEP_N_OUT]);
/* The figure: the outcomes (n rows of MK_SWEEP_N_OUT, row-major) against the n values x of
 * target (in unit); axes never magnify a change below a meaningful span. */
MK_API mk_status mk_sweep_write_figure(const char *target, const char *unit, int n, const double *x,
                                       const double *out, const char *path, mk_error *err);

/* Run the n protocols of a sweep (one per value) against abi in jobs forked workers (clamped to
 * 1 .. MK_WORKERS_MAX; UDUNITS and PLplot are not thread safe), each run's outcomes into res[k].
 * A run that fails fails the sweep: MK_ERR_SOLVER with the run's message and its index in
 * *failed_at (when given). */
typedef struct mk_sweep_opts {
    int jobs;
    void (*progress)(void *ctx, int done, int total); /* in the calling process (may be NULL) */
    void *progress_ctx;
    int *failed_at;                                   /* the failed value's index (may be NULL) */
} mk_sweep_opts;
MK_API mk_status mk_sweep_run(const mk_model_abi *abi, mk_protocol *const *protos, int n, const mk_anatomy *anat,
                              const mk_sweep_opts *o, double (*res)[MK_SWEEP_N_OUT], mk_error *err);

#endif
