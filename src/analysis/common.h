/*
 * common.h -- what the analyses (scan, sensitivity) share: an output directory written
 * atomically, and two journal-style figure kinds drawn with PLplot's pngcairo device (curves
 * against a swept value; horizontal bars).
 *
 * The figures are drawn through mk_plot_draw() (src/report/plot.h): a fresh PLplot stream
 * under the one lock every module that draws shares, the caller's stream restored, PLplot's
 * fatal errors returned as an mk_status.
 */
#ifndef MK_ANALYSIS_COMMON_H
#define MK_ANALYSIS_COMMON_H

#include "myoknot.h"
#include "report/plot.h"

/* ---------------------------------------------------------------- output directory */

/* A directory written as DIR.tmp-PID and renamed to DIR by mk_outdir_commit, so that a
 * reader never sees half of it.  An existing DIR is replaced only if it is empty or holds
 * `marker` (a file only our analysis writes, e.g. "scan.csv"). */
typedef struct mk_outdir {
    char dir[4096];
    char tmp[4200];
    char marker[64];
    int replace;
} mk_outdir;

mk_status mk_outdir_begin(mk_outdir *o, const char *dir, const char *marker, mk_error *err);
/* path of a file inside the temporary directory */
mk_status mk_outdir_path(const mk_outdir *o, const char *name, char *out, size_t size, mk_error *err);
mk_status mk_outdir_write(const mk_outdir *o, const char *name, const char *text, size_t len, mk_error *err);
mk_status mk_outdir_commit(mk_outdir *o, mk_error *err);
/* remove the temporary directory (after a failure) */
void mk_outdir_abort(mk_outdir *o);

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

typedef struct mk_plot_panel {
    char ylabel[160];
    int n_curves;
    mk_plot_curve curve[MK_PLOT_MAX_CURVES];
} mk_plot_panel;

typedef struct mk_plot_xy {
    char title[256];          /* plain text; '#' is escaped for PLplot */
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
 * drawn as a dot on the same row (sigma next to mu*). */
typedef struct mk_plot_bar_panel {
    char title[160];          /* panel heading, e.g. "pain.local (0-10)" */
    int n;
    const char *const *names;
    const double *value;      /* bar length */
    const double *second;     /* dot; may be NULL */
} mk_plot_bar_panel;

typedef struct mk_plot_bars {
    char title[256];
    char value_label[64];     /* legend for the bars, e.g. "mu*" */
    char second_label[64];    /* legend for the dots, e.g. "sigma" */
    int n_panels;
    mk_plot_bar_panel panel[MK_PLOT_MAX_PANELS];
} mk_plot_bars;

mk_status mk_plot_bars_write(const mk_plot_bars *f, const char *path, mk_error *err);

#endif
