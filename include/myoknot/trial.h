/*
 * myoknot/trial.h -- virtual patients and trials (src/cohort, docs/trials.md).
 *
 * A trial design (YAML) names a population (a phenotype whose parameters are sampled by a
 * Sobol sequence, kept where its baseline lies inside published ranges), a noisy examiner, an
 * enrolment rule, arms (scenario files with a documented expectation response), time points,
 * outcomes with a MID and comparisons.  mk_trial_load reads it and compiles the arms (units
 * parsed, single-threaded); mk_trial_run runs the patients in threads, every random number a
 * function of (seed, patient index), so the results are the same bytes for any thread count
 * and, through mk_trial_each / mk_trial_gather, any split across processes.  Memory does not
 * grow with the number of patients: finished patients go to a temporary file in patient order
 * (a bounded window of patients in flight), and every statistic is reduced from that file.
 */
#ifndef MYOKNOT_TRIAL_H
#define MYOKNOT_TRIAL_H

#include "myoknot.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mk_trial_design mk_trial_design;
typedef struct mk_trial_result mk_trial_result;

/* Read and check a design (every error at file:line:col), compile its arms' scenarios. */
MK_API mk_status mk_trial_load(const char *path, mk_trial_design **out, mk_error *err);
/* The same with the model every arm runs chosen by the caller: a built-in name or a .myo file
 * (a hypothesis variant, docs/hypothesis-variants.md); NULL: the design's 'model:' key, else
 * the arms' scenarios' model.  An unknown name is refused with origin MK_ORIGIN_ARGUMENT. */
MK_API mk_status mk_trial_load_model(const char *path, const char *model, mk_trial_design **out, mk_error *err);
/* The model the arms run (its name) and its source's hash (FNV-1a 64, hex; "" if none) and
 * who chose it ("the caller", "the design", "the arms' scenarios"); either pointer may be NULL. */
MK_API const char *mk_trial_model(const mk_trial_design *d, const char **hash, const char **chosen_by);
MK_API void mk_trial_free(mk_trial_design *d);
MK_API const char *mk_trial_name(const mk_trial_design *d);
MK_API int mk_trial_default_patients(const mk_trial_design *d);

typedef struct mk_trial_opts {
    int patients;             /* 0: the design's */
    int threads;              /* worker threads (default 1) */
    unsigned long long seed;  /* default 1 */
    /* The solver's settings; solver.rtol 0 (mk_trial_opts_default's) means the design's
     * 'solver: {rtol: ...}', else MK_TRIAL_RTOL_DEFAULT (docs/trials.md, "Solver tolerance") */
    mk_solver_opts solver;
    /* Split across processes (MPI ranks): this process runs the patients i with
     * i % ranks == rank and leaves the others for mk_trial_gather; ranks 0 means 1. */
    int rank, ranks;
    /* called from the calling thread about every 0.1 s while patients run */
    void (*progress)(void *ctx, int done, int total, double elapsed_s);
    void *progress_ctx;
    /* Checkpoint (one journal per process: under MPI each rank its own file, whose fingerprint
     * includes the rank and the number of ranks): with journal set, every finished patient's
     * record is appended to that file, in patient order (docs/trials.md, "Interrupted
     * trials").  Without resume the file must not exist; with resume the patients an existing journal holds (same design,
     * scenarios, model, seed, patients and solver settings, else an error) are not run again,
     * and the result is the one an uninterrupted run gives, byte for byte.  The journal stays
     * after the run: the caller removes it once its outputs are safe. */
    const char *journal;
    int resume;
} mk_trial_opts;

MK_API void mk_trial_opts_default(mk_trial_opts *o);
/* The relative tolerance a trial integrates at when neither the design nor the caller sets
 * one; chosen by the accuracy study of docs/trials.md ("Solver tolerance",
 * bench/trial_tolerance.py), looser than a single run's 1e-6 because a trial's outcomes are
 * read through a noisy examiner. */
#define MK_TRIAL_RTOL_DEFAULT 1e-4
/* The relative tolerances a design, the command line or a caller may choose. */
#define MK_TRIAL_RTOL_MIN 1e-12
#define MK_TRIAL_RTOL_MAX 1e-2
/* The relative tolerance a run of d with opts o integrates at (o may be NULL). */
MK_API double mk_trial_rtol(const mk_trial_design *d, const mk_trial_opts *o);

/* Run the trial; *out is freed with mk_trial_result_free. */
MK_API mk_status mk_trial_run(const mk_trial_design *d, const mk_trial_opts *o, mk_trial_result **out,
                              mk_error *err);
MK_API void mk_trial_result_free(mk_trial_result *r);
MK_API int mk_trial_result_patients(const mk_trial_result *r);
/* Patients taken from a resumed journal instead of being run. */
MK_API int mk_trial_result_resumed(const mk_trial_result *r);
/* Every failed patient's number (decimal) and reason, each ended by a NUL byte, in patient order
 * (one pass over the stored patients: for bindings, which cannot look a patient up cheaply). */
MK_API mk_status mk_trial_write_failures(const mk_trial_result *r, mk_buf *out, mk_error *err);

/* ---------------------------------------------------------------- the numbers
 * What the outputs print, as numbers: the design's arms, outcomes, time points and
 * comparisons by index, and per index the patient flow, each arm's sample, each comparison's
 * effect sizes and the responders.  `change` 0: the observed values at the time point; 1: their
 * change from the first time point (time 1 and later).  Out of range: MK_ERR_INVALID. */
MK_API int mk_trial_arms(const mk_trial_design *d);
MK_API const char *mk_trial_arm_name(const mk_trial_design *d, int arm);          /* "" out of range */
MK_API int mk_trial_outcomes(const mk_trial_design *d);
/* The outcome's name ("ppt", "pain"); its unit and minimal important difference into *unit
 * and *mid (either may be NULL). */
MK_API const char *mk_trial_outcome_name(const mk_trial_design *d, int outcome, const char **unit, double *mid);
MK_API int mk_trial_times(const mk_trial_design *d);
MK_API const char *mk_trial_time_name(const mk_trial_design *d, int time);        /* "week 4" */
MK_API int mk_trial_comparisons(const mk_trial_design *d);
/* Comparison c is arm *a versus arm *b (differences are a - b). */
MK_API mk_status mk_trial_comparison_arms(const mk_trial_design *d, int c, int *a, int *b, mk_error *err);

typedef struct mk_trial_flow {
    int sampled;        /* virtual patients drawn */
    int rejected;       /* phenotype outside the population's ranges */
    int not_enrolled;   /* screened out by the examiner */
    int failed;         /* a simulation failed: left out of every comparison */
    int analysed;
} mk_trial_flow;
MK_API void mk_trial_result_flow(const mk_trial_result *r, mk_trial_flow *out);
/* Analysed patients in arm (paired designs: every analysed patient is in every arm). */
MK_API int mk_trial_result_arm_n(const mk_trial_result *r, int arm);

/* One arm's sample of an outcome at a time point (the examiner's values; NaN: undefined). */
typedef struct mk_trial_sample {
    int n;
    double mean, sd;    /* sd with n - 1 */
} mk_trial_sample;
MK_API mk_status mk_trial_result_sample(const mk_trial_result *r, int arm, int outcome, int time, int change,
                                        mk_trial_sample *out, mk_error *err);

/* A comparison's effect sizes at a time point, as trial_summary.csv gives them (NaN where
 * undefined): the mean difference a - b with its 95 % interval (Welch), Hedges' g with its 95 %
 * interval, Welch's t, df and two-sided p; a and b the arms' samples. */
typedef struct mk_trial_effect {
    mk_trial_sample a, b;
    double md, md_lo, md_hi;
    double smd, smd_lo, smd_hi;
    double df, t, p;
} mk_trial_effect;
MK_API mk_status mk_trial_result_effect(const mk_trial_result *r, int c, int outcome, int time, int change,
                                        mk_trial_effect *out, mk_error *err);
/* Responders in arm at time (1 and later): an improvement from the first time point of at least
 * the outcome's MID; *n the arm's patients with both values. */
MK_API mk_status mk_trial_result_responders(const mk_trial_result *r, int arm, int outcome, int time, int *responders,
                                            int *n, mk_error *err);

/* Outputs: patients.csv, trial_summary.csv, responders.csv, the account (summary.txt), the
 * HTML report (embedding the forest plot at forest_png, NULL: none) and the forest plot. */
MK_API mk_status mk_trial_write_patients(const mk_trial_result *r, mk_buf *out, mk_error *err);
/* patients.csv streamed to a file (the same bytes; memory flat in the number of patients),
 * through a temporary file renamed into place: a failed write leaves the old file. */
MK_API mk_status mk_trial_write_patients_file(const mk_trial_result *r, const char *path, mk_error *err);
MK_API mk_status mk_trial_write_summary(const mk_trial_result *r, mk_buf *out, mk_error *err);
MK_API mk_status mk_trial_write_responders(const mk_trial_result *r, mk_buf *out, mk_error *err);
MK_API void mk_trial_write_text(const mk_trial_result *r, mk_buf *out);
MK_API mk_status mk_trial_write_html(const mk_trial_result *r, const char *forest_png, mk_buf *out, mk_error *err);
MK_API mk_status mk_trial_write_forest(const mk_trial_result *r, const char *path, mk_error *err);

/* Power by simulation: `replicates` whole trials with seeds seed + 1 .. seed + replicates;
 * power.csv (share with Welch p < 0.05, mean MD and g per comparison, outcome and time). */
MK_API mk_status mk_trial_power(const mk_trial_design *d, const mk_trial_opts *o, int replicates, mk_buf *out,
                                mk_error *err);

/* Patients' records between processes: mk_trial_record_size doubles each plus the failure
 * text; exact (no rounding).  mk_trial_each calls fn for every patient this process holds, in
 * patient order (failure "" for none; a non-zero status stops it).  mk_trial_gather makes a
 * result of a split run whole: every patient not this process's (i % ranks != rank) is asked
 * of get, in patient order (*failure: the reason or "", valid until the next call), and the
 * flow and statistics are recomputed. */
MK_API size_t mk_trial_record_size(const mk_trial_design *d);
MK_API mk_status mk_trial_each(const mk_trial_result *r,
                               mk_status (*fn)(void *ctx, int i, const double *rec, const char *failure, mk_error *err),
                               void *ctx, mk_error *err);
MK_API mk_status mk_trial_gather(mk_trial_result *r, int rank, int ranks,
                                 mk_status (*get)(void *ctx, int i, double *rec, const char **failure, mk_error *err),
                                 void *ctx, mk_error *err);

#ifdef __cplusplus
}
#endif
#endif /* MYOKNOT_TRIAL_H */
