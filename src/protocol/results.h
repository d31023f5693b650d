/*
 * results.h -- what a run produced, handed to the writers (run directory, report).
 */
#ifndef MK_PROTOCOL_RESULTS_H
#define MK_PROTOCOL_RESULTS_H

#include "myoknot.h"
#include "protocol/protocol.h"

/* A table of time series: row r holds values[r * n_cols + c] at t_s[r]. */
typedef struct mk_series {
    int n_cols;
    char **names;      /* "core.po2", "pain.region.temple_r", ... */
    char **units;      /* "mmHg", "1", ... */
    int n_rows, cap_rows;
    double *t_s;
    double *values;
} mk_series;

typedef struct mk_meas_result {
    double t_s;
    const mk_measurement *spec;
    double value;
    char unit[32];
    char note[128];    /* e.g. "no pain up to 1000 kPa" when a ramp found no threshold */
} mk_meas_result;

typedef struct mk_run_result {
    const mk_model_abi *abi;
    const mk_protocol *protocol;
    double *params;            /* the values used (abi->n_params, declared units) */
    mk_series series;
    mk_meas_result *meas;
    int n_meas;
    mk_solver_stats stats;
    double wall_s;
    long law_checks;           /* conservation laws checked, summed over output rows */
    double law_drift_max;      /* the largest relative drift of any law (0 without laws) */
    char *summary;             /* the table `myoknot run` prints (NULL until written) */
} mk_run_result;

mk_status mk_series_init(mk_series *s, int n_cols, mk_error *err);
mk_status mk_series_set_column(mk_series *s, int col, const char *name, const char *unit, mk_error *err);
mk_status mk_series_append(mk_series *s, double t_s, const double *row, mk_error *err);
/* Column index by name, -1 if absent. */
int mk_series_find(const mk_series *s, const char *name);
void mk_series_free(mk_series *s);
/* The series as tidy CSV (t_s,variable,unit,value; numbers as "%.10g"), written atomically
 * to path: series.csv of a run directory. */
mk_status mk_series_write_csv(const mk_series *s, const char *path, mk_error *err);
/* The same, only the rows i with keep[i] (keep NULL: all): report/series_out.c makes the mask. */
mk_status mk_series_write_csv_rows(const mk_series *s, const unsigned char *keep, const char *path, mk_error *err);
void mk_run_result_free(mk_run_result *r);

/* Writing it as a run directory: report/rundir.h. */

#endif
