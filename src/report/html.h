/*
 * html.h -- report.html: one self-contained page (figures as base64 data URIs, inline CSS, no
 * scripts, no external resources) that a clinician can read without the command line.
 */
#ifndef MK_REPORT_HTML_H
#define MK_REPORT_HTML_H

#include "protocol/results.h"
#include "report/figures.h"

/* Build the page into out.  The figures in figs are read from dir (where mk_figures_write put
 * them); figs may be NULL (no figures). */
mk_status mk_report_html(const mk_run_result *r, const char *dir, const mk_figure_set *figs, mk_buf *out,
                         mk_error *err);

/* Standard base64 (RFC 4648) of n bytes appended to out. */
void mk_base64_append(mk_buf *out, const unsigned char *data, size_t n);

#endif
