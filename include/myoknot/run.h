/*
 * myoknot/run.h -- simulations, their results and run directories.
 *
 * A simulation integrates a model against a protocol, stopping exactly at every input
 * change, records a row of outputs every output interval and takes each measurement on a
 * copy of the simulated body.  The result is an opaque handle read through accessors (the
 * time series as columns with names and units, the measurements, the summary table).
 * Simulations share nothing: two threads may simulate at once (figures are drawn under one
 * lock, and unit conversion belongs to the one thread that opened the study).
 */
#ifndef MYOKNOT_RUN_H
#define MYOKNOT_RUN_H

#include "myoknot.h"
#include "myoknot/output.h"
#include "myoknot/scenario.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*mk_progress_fn)(void *ctx, double t_s, double t_end_s);

typedef struct mk_sim_opts {
    mk_solver_opts solver;
    mk_progress_fn progress;  /* called after each output row; may be NULL */
    void *progress_ctx;
} mk_sim_opts;

MK_API void mk_sim_opts_default(mk_sim_opts *o);

typedef struct mk_result mk_result;

/* Simulate abi against p (anat may be NULL: no referred pain), opts may be NULL. */
MK_API mk_status mk_result_simulate(const mk_model_abi *abi, const mk_protocol *p,
                                    const mk_anatomy *anat, const mk_sim_opts *opts,
                                    mk_result **out, mk_error *err);
/* The same for an open study. */
MK_API mk_status mk_study_run(const mk_study *s, const mk_sim_opts *opts, mk_result **out,
                              mk_error *err);
MK_API void mk_result_free(mk_result *r);

/* The time series: n_rows rows at mk_result_time(r)[row] seconds, n_cols named columns. */
MK_API int mk_result_rows(const mk_result *r);
MK_API int mk_result_cols(const mk_result *r);
MK_API const char *mk_result_col_name(const mk_result *r, int col); /* "pain.local" */
MK_API const char *mk_result_col_unit(const mk_result *r, int col); /* "1", "kPa" */
MK_API int mk_result_col_find(const mk_result *r, const char *name); /* -1 if absent */
MK_API const double *mk_result_time(const mk_result *r);
MK_API double mk_result_value(const mk_result *r, int row, int col); /* NaN out of range */
/* Column col into out[0 .. n_rows-1]. */
MK_API mk_status mk_result_col_copy(const mk_result *r, int col, double *out, mk_error *err);

/* The measurements, in time order. */
MK_API int mk_result_meas_count(const mk_result *r);
typedef struct mk_meas_info {
    const char *label;        /* as the scenario names it, "PPT before" */
    double t_s;
    double value;             /* NaN with a note when none was found (a ramp without pain) */
    const char *unit;
    const char *note;         /* "" if none */
} mk_meas_info;
MK_API mk_status mk_result_meas(const mk_result *r, int i, mk_meas_info *out, mk_error *err);

/* The table `myoknot run` prints: key outputs over time, measurements, what changed. */
MK_API const char *mk_result_summary(const mk_result *r);
MK_API void mk_result_stats(const mk_result *r, mk_solver_stats *st);
MK_API double mk_result_wall_s(const mk_result *r); /* wall-clock time of the simulation */
MK_API const mk_model_abi *mk_result_abi(const mk_result *r);
MK_API const mk_protocol *mk_result_protocol(const mk_result *r);

/* Fill an open output folder (mk_outdir_new with mk_rundir_kind) with the run directory:
 * series.csv, measurements.csv, manifest.json, figures, report.html; then the caller commits.
 * Figures are drawn under the library's one PLplot lock. */
MK_API mk_status mk_result_write_rundir(const mk_result *r, mk_outdir *o, mk_error *err);

/* What a run directory's data files hold (docs/output.md). */
typedef struct mk_rundir_opts {
    double every_s; /* 0: every row the simulation recorded; else only the rows at multiples of
                       every_s, and the last: a multiple of the run's output interval, so the
                       rows kept are the run's own, unchanged (the figures still draw all) */
    int wide;       /* series.csv wide: t_s,day,clock and a column "name [unit]" per variable,
                       instead of long (t_s,variable,unit,value) */
    int hdf5;       /* also series.h5: the same rows, names, units and the run's provenance */
} mk_rundir_opts;
/* mk_result_write_rundir with options (NULL: the defaults). */
MK_API mk_status mk_result_write_rundir_opts(const mk_result *r, mk_outdir *o, const mk_rundir_opts *opts,
                                             mk_error *err);
/* Can a run of p write rows every every_s (0, or a multiple of its output interval)?  For
 * checking a command line before the simulation; MK_ERR_INVALID saying what would do. */
MK_API mk_status mk_protocol_check_every(const mk_protocol *p, double every_s, mk_error *err);

#ifdef __cplusplus
}
#endif
#endif /* MYOKNOT_RUN_H */
