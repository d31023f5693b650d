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
MK_API void mk_trial_free(mk_trial_design *d);
MK_API const char *mk_trial_name(const mk_trial_design *d);
MK_API int mk_trial_default_patients(const mk_trial_design *d);

typedef struct mk_trial_opts {
    int patients;             /* 0: the design's */
    int threads;              /* worker threads (default 1) */
    unsigned long long seed;  /* default 1 */
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

/* Outputs: patients.csv, trial_summary.csv, responders.csv, the account (summary.txt), the
 * HTML report (embedding the forest plot at forest_png, NULL: none) and the forest plot. */
MK_API mk_status mk_trial_write_patients(const mk_trial_result *r, mk_buf *out, mk_error *err);
/* patients.csv streamed to a file (the same bytes; memory flat in the number of patients) */
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
