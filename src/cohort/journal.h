/*
 * journal.h -- a trial's checkpoint: every finished patient's record, one line each, so that
 * an interrupted trial resumes where it stopped and ends with the bytes of an uninterrupted
 * run (docs/trials.md, "Interrupted trials").
 *
 * The file is text (hexadecimal floating point, exact):
 *     myoknot trial journal 2
 *     fingerprint HHHHHHHHHHHHHHHH      what the records belong to (below)
 *     patients N
 *     record R                           numbers per patient (mk_trial_record_size)
 *     P I X1 .. XR FAILURE CHECK         one per finished patient, in patient order
 * FAILURE is the failure text percent-encoded ("-" for none) and CHECK the FNV-1a 64 of the
 * line before it.  The fingerprint hashes the myoknot version, the design file, every arm's
 * scenario file, the model's hash, the seed, the number of patients, the solver settings and
 * the process's rank and number of ranks (under MPI each rank keeps its own journal of its own
 * patients);
 * a journal whose fingerprint differs is refused, and so is a record whose sampled parameters
 * differ from the ones this run samples.  A last line cut short (the process was killed while
 * writing it) is dropped; any other damage is an error at file:line.  Records come in patient
 * order (the run writes them so), so resuming reads one line at a time: memory stays flat.
 */
#ifndef MK_COHORT_JOURNAL_H
#define MK_COHORT_JOURNAL_H

#include "cohort/trial.h"

typedef struct mk_journal mk_journal;

/* Given a journal's record of patient i (numbers v, failure text or NULL): take it into the
 * run; *why set (and MK_OK) when the record is not what this run would hold. */
typedef mk_status (*mk_journal_take)(void *ctx, int i, const double *v, const char *failure, const char **why,
                                     mk_error *err);

/* Open the journal at path for a run of n patients (nothing run yet).  Without resume the file
 * must not exist.  With resume an existing journal's records are read one line at a time and
 * handed to take (in patient order: they were written so), n_have of them, while the journal
 * is rewritten with exactly those records (a new file renamed into place); then it is opened
 * for appending.  A missing journal starts afresh. */
mk_status mk_journal_open(const char *path, int resume, const mk_trial_design *d, const mk_trial_opts *o, int n,
                          mk_journal_take take, void *ctx, int *n_have, mk_journal **out, mk_error *err);
/* Append patient pt's record (thread-safe); the line is flushed before this returns. */
mk_status mk_journal_append(mk_journal *j, const mk_trial_design *d, const mk_trial_patient *pt, mk_error *err);
/* Sync and close; the file stays (the caller removes it once the outputs are in place). */
mk_status mk_journal_close(mk_journal *j, mk_error *err);

#endif
