/*
 * common.h -- what the analyses (scan, sensitivity) share: the kinds of their output
 * folders, and two journal-style figure kinds drawn with PLplot's pngcairo device (curves
 * against a swept value; horizontal bars).
 *
 * The figures are drawn through mk_plot_draw() (src/report/plot.h): a fresh PLplot stream
 * under the one lock every module that draws shares, the caller's stream restored, PLplot's
 * fatal errors returned as an mk_status.
 */
#ifndef MK_ANALYSIS_COMMON_H
#define MK_ANALYSIS_COMMON_H

#include "io/outdir.h"
#include "myoknot.h"
#include "report/plot.h"

/* ---------------------------------------------------------------- output directory */

/* The output folders of the analyses are mk_outdirs (io/outdir.h); a previous one holds
 * scan.csv or sensitivity.csv. */
extern const mk_outdir_kind mk_outdir_kind_scan, mk_outdir_kind_sensitivity;

/* Row indices 0 .. k-1 of the column o of a k x n_out row-major matrix, by value, largest
 * first, NaN last, ties in index order (a stable insertion sort: no static context as qsort
 * would need).  Caller frees; NULL when out of memory.  Ranks Morris mu* and Sobol ST. */
int *mk_rank_column(const double *m, int k, int n_out, int o);

/* A CSV cell ",V": V to `digits` significant digits, nothing after the comma when V is NaN
 * (scan, continuation, Morris and Sobol tables). */
void mk_csv_num(mk_buf *b, double v, int digits);

/* The value of a state (from y) or variable (from v) by name, its unit into *unit (may be
 * NULL); NaN and "" for a name the model does not have.  Reads scan and continuation points. */
double mk_abi_point_value(const mk_model_abi *abi, const double *y, const double *v, const char *name,
                          const char **unit);

/* ---------------------------------------------------------------- figures */

/* Curve colours are the shared palette's slots (MK_PC_*, report/plot.h); the analyses' figures
 * add one: the translucent grey of a shaded range. */
enum { MK_PC_SHADE = MK_PC_NBASE };

#define MK_PLOT_MAX_PANELS 8
#define MK_PLOT_MAX_CURVES 4
#define MK_PLOT_MAX_MARKS 4

typedef struct mk_plot_curve {
    const double *x, *y;      /* n points; non-finite ones break the line */
    int n;
    int color;
    const char *glyph;        /* UTF-8 marker drawn at each point, NULL for none */
    char label[96];
} mk_plot_curve;

/* How a curve is drawn (mk_plot_panel.style; zero, the default, is a solid line). */
enum { MK_PLOT_SOLID = 0, MK_PLOT_DASHED = 1, MK_PLOT_MARKS = 2 };

typedef struct mk_plot_panel {
    char ylabel[160];
    int n_curves;
    mk_plot_curve curve[MK_PLOT_MAX_CURVES];
    int style[MK_PLOT_MAX_CURVES];    /* MK_PLOT_SOLID, _DASHED (an unstable branch), _MARKS */
    double min_span;                  /* the y axis spans at least this (0: fit the data) */
} mk_plot_panel;

typedef struct mk_plot_xy {
    mk_buf title;             /* plain text, grows as needed; '#' is escaped for PLplot */
    char xlabel[160];
    int n_panels;
    mk_plot_panel panel[MK_PLOT_MAX_PANELS];
    int n_marks;              /* vertical dashed lines across every panel (fold points) */
    double mark_x[MK_PLOT_MAX_MARKS];
    char mark_label[MK_PLOT_MAX_MARKS][64];
    int shade;                /* shade [shade_x0, shade_x1] (a coexistence range) */
    double shade_x0, shade_x1;
} mk_plot_xy;

mk_status mk_plot_xy_write(const mk_plot_xy *f, const char *path, mk_error *err);

/* Horizontal bars, one panel per group, longest first: value (filled) and a second value
 * drawn as a dot on the same row (sigma next to mu*), or as a second, thinner bar
 * (second_bar: S1 next to ST).  Either may carry an interval (whiskers); with intervals the
 * axis starts below zero when an interval does (an estimate of a share near 0 can be
 * negative). */
typedef struct mk_plot_bar_panel {
    char title[160];          /* panel heading, e.g. "pain.local (0-10)" */
    int n;
    const char *const *names;
    const double *value;      /* bar length */
    const double *second;     /* dot; may be NULL */
    const double *value_lo, *value_hi;    /* interval of value; may be NULL */
    const double *second_lo, *second_hi;  /* interval of second; may be NULL */
    int second_bar;           /* draw second as a bar below value's, not a dot */
} mk_plot_bar_panel;

typedef struct mk_plot_bars {
    mk_buf title;             /* grows as needed */
    char value_label[64];     /* legend for the bars, e.g. "mu*" */
    char second_label[64];    /* legend for the dots, e.g. "sigma" */
    int n_panels;
    mk_plot_bar_panel panel[MK_PLOT_MAX_PANELS];
} mk_plot_bars;

mk_status mk_plot_bars_write(const mk_plot_bars *f, const char *path, mk_error *err);

#endif
