/*
 * rundir.h -- a run's results written as a run directory (series, measurements, manifest,
 * figures, report.html): the report layer's output over protocol/results.h.
 */
#ifndef MK_REPORT_RUNDIR_H
#define MK_REPORT_RUNDIR_H

#include "io/outdir.h"
#include "protocol/results.h"

/* Write the run directory: series.csv (tidy), measurements.csv, manifest.json, figures
 * (PNG via PLplot), report.html.  DIR is an mk_outdir (io/outdir.h): locked, written into a
 * temporary folder that replaces DIR at the end, so a failure leaves nothing half-written.
 * mk_rundir_write does it all; a command that checks its output folder before computing
 * opens it with mk_outdir_open(&o, dir, &mk_rundir_kind, ...), later fills it with
 * mk_rundir_fill and then calls mk_outdir_commit (or mk_outdir_abort). */
extern const mk_outdir_kind mk_rundir_kind;
mk_status mk_rundir_write(const mk_run_result *r, const char *dir, mk_error *err);
mk_status mk_rundir_fill(const mk_run_result *r, const mk_outdir *o, mk_error *err);

#endif
