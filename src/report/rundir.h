/*
 * rundir.h -- a run's results written as a run directory (series, measurements, manifest,
 * figures, report.html): the report layer's output over protocol/results.h.
 */
#ifndef MK_REPORT_RUNDIR_H
#define MK_REPORT_RUNDIR_H

#include "io/outdir.h"
#include "myoknot/run.h" /* mk_rundir_opts */
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
/* The same with the output options (myoknot/run.h, mk_rundir_opts; NULL: the defaults). */
mk_status mk_rundir_fill_opts(const mk_run_result *r, const mk_outdir *o, const mk_rundir_opts *opts, mk_error *err);

/* The rows of s at multiples of every_s, and the last (every_s 0: all, *keep NULL); every_s must
 * be a multiple of the run's output interval (mk_every_check).  *keep is freed by the caller. */
mk_status mk_series_keep_every(const mk_series *s, double output_every_s, double every_s, unsigned char **keep,
                               int *n_kept, mk_error *err);
mk_status mk_every_check(double output_every_s, double every_s, mk_error *err);
/* series.csv wide: t_s,day,clock then one column "name [unit]" per variable; rows with keep[i]. */
mk_status mk_series_write_wide_csv(const mk_series *s, const unsigned char *keep, const char *path, mk_error *err);
/* series.h5 (report/h5out.c): the kept rows and the run's provenance as attributes. */
mk_status mk_series_write_h5(const mk_run_result *r, const unsigned char *keep, const char *path, mk_error *err);

#endif
