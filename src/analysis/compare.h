/*
 * compare.h -- two or more run directories side by side (myoknot compare).
 *
 * Reads each run's measurements.csv and series.csv (long format, src/io/rundir.c) and
 * manifest.json's scenario name; gives the measurements as one table with a column per run
 * and each run's difference from the first (rows matched by label, kind and region), and a
 * figure overlaying the key figures: local pain and taut-band stiffness over time, the
 * measured PPT as points.  The first run is the reference ("the control" or "before").
 */
#ifndef MK_ANALYSIS_COMPARE_H
#define MK_ANALYSIS_COMPARE_H

#include "io/outdir.h"
#include "myoknot.h"

#define MK_COMPARE_MAX_RUNS 4 /* curves per panel of the figure */

typedef struct mk_compare_run {
    char *dir, *name;          /* the folder as given; the scenario's name (or the folder's) */
    int n;                     /* series rows */
    double *t_s, *pain, *stiff; /* pain.local and band.stiffness (NaN when absent) */
    char stiff_unit[32];
    double duration_s;         /* the last series time */
} mk_compare_run;

typedef struct mk_compare_row {
    char *label, *kind, *region, *unit;
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
extern const mk_outdir_kind mk_outdir_kind_compare;

/* Read n (2 .. MK_COMPARE_MAX_RUNS) run directories.  Errors name the file (and line). */
mk_status mk_compare_load(const char *const *dirs, int n, mk_compare *out, mk_error *err);
/* The table for a terminal (text) and as CSV (one row per measurement: label, kind, region,
 * unit, time, each run's value, each later run's difference from the first). */
void mk_compare_table(const mk_compare *c, mk_buf *text, mk_buf *csv);
/* The overlay figure (PNG) at path. */
mk_status mk_compare_figure(const mk_compare *c, const char *path, mk_error *err);
void mk_compare_free(mk_compare *c);

#endif
