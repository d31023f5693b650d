/*
 * workers.h -- evaluate n independent tasks in K forked worker processes (myoknot fit,
 * sensitivity and validate --audit).
 *
 * Task t runs in worker t % K (a fixed assignment: which worker runs a task never depends on
 * timing).  A task reports through fixed-size records written to its worker's pipe; the parent
 * hands every record to a callback as it arrives.  Records carry whatever index the caller
 * needs, so results gathered by index are the same whatever K is.  Workers are processes, not
 * threads: the scenario compiler's unit parsing (UDUNITS) and PLplot are not thread safe, and a
 * task may change process-wide state (a model's compiled code) that the parent must not see.
 * For that reason the tasks run in a forked worker also when K is 1.
 */
#ifndef MK_CORE_WORKERS_H
#define MK_CORE_WORKERS_H

#include <stddef.h>

#include "myoknot.h"

/* MK_WORKERS_MAX, the most worker processes an analysis uses: include/myoknot/analysis.h */

/* In the worker: run task t; write its records with mk_worker_send(fd, ...).  A task that
 * cannot go on calls _exit with a non-zero status (the run then fails). */
typedef void (*mk_worker_task_fn)(void *ctx, int t, int fd);
/* In the parent: one record of rec_size bytes. */
typedef void (*mk_worker_record_fn)(void *ctx, const void *rec);

/* Write one record (rec_size bytes, as given to mk_workers_run); 0 on success. */
int mk_worker_send(int fd, const void *rec, size_t rec_size);

/* Run tasks 0 .. n-1 in min(jobs, n) workers (jobs clamped to 1 .. MK_WORKERS_MAX).  who names
 * the workers in the error ("the fit workers failed ..."). */
mk_status mk_workers_run(int n, int jobs, size_t rec_size, mk_worker_task_fn task, void *task_ctx,
                         mk_worker_record_fn on_rec, void *rec_ctx, const char *who, mk_error *err);

#endif
