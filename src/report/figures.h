/*
 * figures.h -- the figures of a run, drawn with PLplot (pngcairo) as journal figures: white
 * background, black open axes with units, the Okabe-Ito colour-blind-safe palette, and a
 * title computed from the data that says what the reader should see.
 *
 * Every figure is drawn through mk_plot_draw() (report/plot.h): a PLplot stream of its own
 * under the lock shared by every module that draws, the caller's current PLplot stream
 * restored afterwards, PLplot's fatal errors (which would exit the process) returned as an
 * mk_status.
 */
#ifndef MK_REPORT_FIGURES_H
#define MK_REPORT_FIGURES_H

#include "protocol/results.h"

#define MK_FIGURES_MAX 8

typedef struct mk_figure_info {
    char file[64];       /* name inside the directory, e.g. "fig1_timecourses.png" */
    mk_buf title;        /* the sentence printed above the figure (as long as it needs) */
    mk_buf caption;      /* what is plotted, in plain words (for the report) */
    int detail;          /* 0: a key figure, shown first; 1: the report's second section */
} mk_figure_info;

typedef struct mk_figure_set {
    int n;
    mk_figure_info fig[MK_FIGURES_MAX];
} mk_figure_set;

/* Draw every figure the run has data for into dir (which must exist) and describe them in
 * out.  A figure whose columns are all missing is skipped (not an error).  Release out's texts
 * with mk_figure_set_free, also after a failure. */
mk_status mk_figures_write(const mk_run_result *r, const char *dir, mk_figure_set *out,
                           mk_error *err);
void mk_figure_set_free(mk_figure_set *set);
/* A figure's title or caption text ("" when it has none or ran out of memory). */
const char *mk_figure_text(const mk_buf *b);

/* A time unit that suits a span: s, min, h or d. */
typedef struct mk_time_unit {
    const char *name;    /* "s", "min", "h", "d" */
    const char *word;    /* "seconds", "minutes", "hours", "days" */
    double seconds;      /* length of one unit in seconds */
} mk_time_unit;

mk_time_unit mk_time_unit_for_span(double span_s);
/* "90 s", "2.5 h", "3 d 4 h" -- a duration as a person writes it; returns buf. */
const char *mk_format_duration(double seconds, char *buf, size_t size);
/* A region or variable id made readable: "temple_r" -> "temple (right)". */
const char *mk_pretty_region(const char *id, char *buf, size_t size);

#endif
