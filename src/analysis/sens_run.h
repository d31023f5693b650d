/*
 * sens_run.h -- what Morris screening and Sobol indices share (internal to src/analysis):
 * the factors (parameters with a usable range, mapped from [0, 1]), the outputs (measurements
 * appended at the end of a copy of the protocol) and the evaluation of a batch of points in
 * forked workers (core/workers.h), gathered by index so that the result does not depend on
 * the number of workers.
 */
#ifndef MK_ANALYSIS_SENS_RUN_H
#define MK_ANALYSIS_SENS_RUN_H

#include "analysis/sensitivity.h"

typedef struct mk_sens_run {
    const mk_model_abi *abi;
    const mk_anatomy *anat;
    mk_solver_opts solver;
    mk_protocol p;            /* shallow copy of the caller's; meas and params are ours */
    mk_measurement *meas;
    mk_param_override *params;
    int n_fixed;              /* the scenario's overrides of parameters that are not factors */
    const mk_protocol *orig;
    int k;
    mk_morris_factor *factor;
    int n_skipped;
    int n_out;
    int meas_of[MK_MORRIS_MAX_OUTPUTS];
    char out_label[MK_MORRIS_MAX_OUTPUTS][32];
    char out_name[MK_MORRIS_MAX_OUTPUTS][128];
    char out_unit[MK_MORRIS_MAX_OUTPUTS][32];
    /* evaluation */
    int jobs;
    mk_morris_progress_fn progress;
    void *progress_ctx;
    double t0;
    int done, total;          /* runs reported, planned (for progress across batches) */
    int runs, failed;
    int first_fail_at;        /* design index of the first failure (by index, not by arrival) */
    char first_failure[512];
} mk_sens_run;

/* Factors from the globs, outputs from the list (see mk_morris_opts). */
mk_status mk_sens_run_init(mk_sens_run *s, const mk_model_abi *abi, const mk_protocol *p, const mk_anatomy *anat,
                           const char *params, const char *outputs, const mk_solver_opts *solver, int keep_output_rows,
                           mk_error *err);
void mk_sens_run_free(mk_sens_run *s);

double mk_sens_to_value(const mk_morris_factor *f, double u);

/* The columns every row of sensitivity.csv starts with: output o's label, name and unit, the
 * rank, and factor f (parameter s: name, unit, range, scale, default; numbers to `digits`). */
void mk_sens_csv_factor(mk_buf *b, const char *label, const char *name, const char *unit, int rank,
                        const mk_morris_factor *f, const mk_symbol *s, int digits);

/* A figure panel's heading "LABEL: NAME (UNIT)SUFFIX", the name shortened to fit its width. */
void mk_sens_panel_title(char *dst, size_t size, const char *label, const char *name, const char *unit,
                         const char *suffix);

/* Evaluate n points: row i of U (k unit coordinates; a row whose first coordinate is NaN means
 * every factor at the scenario's or the model's value) gives row i of Y (n_out outputs, NaN
 * where the run failed or gave no value).  Runs in s->jobs workers; progress as runs finish. */
mk_status mk_sens_run_eval(mk_sens_run *s, const double *U, int n, double *Y, mk_error *err);


#endif
