/*
 * vsuite.c -- a validation suite's page: validation.csv (one row per target and model) and
 * validation.html (the table, then a section per target with its figures embedded), written
 * into an output folder (include/myoknot/validate.h).  It was the `myoknot validate`
 * command's own report writer; in the library, every client gets the same page.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "io/outdir.h"
#include "validate/validate.h"

static void csv_field(mk_buf *b, const char *s)
{
    mk_buf_puts(b, "\"");
    for (; *s; s++) {
        if (*s == '"') mk_buf_puts(b, "\"\"");
        else {
            char c[2] = {*s, 0};
            mk_buf_puts(b, c);
        }
    }
    mk_buf_puts(b, "\"");
}

static const char *mark_of(const mk_vsuite_row *r, int m) { return r->marks && r->marks[m] ? r->marks[m] : ""; }
static int failed_to_load(const mk_vsuite_row *r) { return r->load_error && r->load_error[0]; }

static void csv_rows(const mk_vsuite_page *pg, const mk_vsuite_row *rows, int n_rows, mk_buf *csv)
{
    mk_buf_puts(csv, "target,file,model,role,quantity,source,published,unit,compare,accepted,model_value,model_text,verdict,"
                     "audit,circular,expected_failure,note,why,role_why\n");
    for (int i = 0; i < n_rows; i++) {
        const mk_vsuite_row *r = &rows[i];
        if (failed_to_load(r)) {
            csv_field(csv, "");
            mk_buf_puts(csv, ",");
            csv_field(csv, r->file);
            mk_buf_puts(csv, ",,,,,,,,,,,ERROR,,,,");
            csv_field(csv, r->load_error);
            mk_buf_puts(csv, ",,\n");
            continue;
        }
        for (int m = 0; m < pg->n_models; m++) {
            const mk_vresult *res = r->res[m];
            char num[64];
            snprintf(num, sizeof num, "%.6g", res->model);
            const char *fields[] = {res->name, r->file, pg->models[m], res->role, res->quantity, res->source,
                                    res->published, res->unit, res->compare, res->tolerance, isfinite(res->model) ? num : "",
                                    res->model_text, mk_verdict_name(res->verdict), mark_of(r, m),
                                    res->circular, res->expected, res->note, res->why, res->role_why};
            for (size_t k = 0; k < sizeof fields / sizeof *fields; k++) {
                if (k) mk_buf_puts(csv, ",");
                csv_field(csv, fields[k]);
            }
            mk_buf_puts(csv, "\n");
        }
    }
}

/* The head of the page: what was run, and the counts per role, model and verdict. */
static void html_head(const mk_vsuite_page *pg, const mk_vsuite_row *rows, int n_rows, mk_buf *html)
{
    mk_buf_puts(html, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>myoknot validation</title>\n"
                      "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}"
                      "table{border-collapse:collapse;font-size:90%}td,th{border-bottom:1px solid #ccc;padding:3px 6px;"
                      "text-align:left;vertical-align:top}.pass{color:#007a4d}.FAIL,.ERROR{color:#c0392b;font-weight:bold}"
                      ".expected-fail{color:#a66a00}.UNEXPECTED-PASS{color:#fff;background:#c0392b;font-weight:bold}"
                      "img{max-width:100%}section{margin-top:2em;border-top:2px solid #ddd}</style></head><body>\n");
    mk_buf_printf(html, "<h1>Validation against published data</h1>\n<p>myoknot %s, targets in <code>", mk_version());
    mk_html_escape(html, pg->targets_dir);
    mk_buf_puts(html, "</code>, ");
    for (int m = 0; m < pg->n_models; m++) {
        int counts[2][MK_V_N] = {{0}}; /* role 0 validation, 1 calibration */
        for (int i = 0; i < n_rows; i++)
            if (!failed_to_load(&rows[i])) counts[strcmp(rows[i].res[m]->role, "validation") != 0][rows[i].res[m]->verdict]++;
        mk_buf_puts(html, m ? ", " : "model ");
        mk_html_escape(html, pg->models[m]);
        for (int g = 0; g < 2; g++)
            mk_buf_printf(html, "%s%s %d pass, %d fail, %d expected-fail, %d drift, %d unexpected-pass, %d error",
                          g ? "; " : ": ", g ? "calibration" : "validation", counts[g][MK_V_PASS], counts[g][MK_V_FAIL],
                          counts[g][MK_V_XFAIL], counts[g][MK_V_DRIFT], counts[g][MK_V_XPASS], counts[g][MK_V_ERROR]);
    }
    mk_buf_printf(html, ". The whole suite ran in %.1f s.</p>\n", pg->wall_s);
}

static void html_table(const mk_vsuite_page *pg, const mk_vsuite_row *rows, int n_rows, mk_buf *html)
{
    mk_buf_puts(html, "<table><tr><th>target</th><th>role</th><th>published</th>");
    for (int m = 0; m < pg->n_models; m++) {
        mk_buf_puts(html, "<th>");
        mk_html_escape(html, pg->models[m]);
        mk_buf_puts(html, "</th>");
    }
    mk_buf_puts(html, "</tr>\n");
    for (int i = 0; i < n_rows; i++) {
        const mk_vsuite_row *r = &rows[i];
        mk_buf_puts(html, "<tr><td>");
        if (failed_to_load(r)) {
            mk_html_escape(html, r->file);
            mk_buf_puts(html, "</td><td colspan=\"9\" class=\"ERROR\">");
            mk_html_escape(html, r->load_error);
            mk_buf_puts(html, "</td></tr>\n");
            continue;
        }
        mk_buf_printf(html, "<a href=\"#t%d\">", i);
        mk_html_escape(html, r->res[0]->name);
        mk_buf_puts(html, "</a></td><td>");
        mk_html_escape(html, r->res[0]->role);
        if (r->res[0]->circular[0]) mk_buf_puts(html, " (circular)");
        mk_buf_puts(html, "</td><td>");
        mk_html_escape(html, r->res[0]->published);
        mk_buf_puts(html, "</td>");
        for (int m = 0; m < pg->n_models; m++) {
            const mk_vresult *res = r->res[m];
            mk_buf_printf(html, "<td class=\"%s\">", mk_verdict_name(res->verdict));
            mk_html_escape(html, res->model_text);
            const char *mark = mark_of(r, m);
            mk_buf_printf(html, " (%s)%s%s</td>", mk_verdict_name(res->verdict), mark[0] ? " " : "", mark);
        }
        mk_buf_puts(html, "</tr>\n");
    }
    mk_buf_puts(html, "</table>\n");
}

/* A target's section: what was compared and why, then per model the verdict and the figure
 * (drawn into the folder as figNN_M.png, embedded as a data URI). */
static mk_status html_section(const mk_vsuite_page *pg, const mk_vsuite_row *r, int i, const mk_outdir *o,
                              mk_buf *html, mk_error *err)
{
    const mk_vresult *r0 = r->res[0];
    mk_buf_printf(html, "<section id=\"t%d\"><h2>", i);
    mk_html_escape(html, r0->name);
    mk_buf_puts(html, "</h2>\n<p><b>Quantity.</b> ");
    mk_html_escape(html, r0->quantity);
    mk_buf_puts(html, "<br><b>Source.</b> ");
    mk_html_escape(html, r0->source);
    mk_buf_puts(html, "<br><b>Published.</b> ");
    mk_html_escape(html, r0->published);
    mk_buf_puts(html, "<br><b>Accepted (");
    mk_html_escape(html, r0->compare);
    mk_buf_puts(html, ").</b> ");
    mk_html_escape(html, r0->tolerance);
    mk_buf_puts(html, "<br><b>Why this tolerance.</b> ");
    mk_html_escape(html, r0->why);
    mk_buf_puts(html, "<br><b>File.</b> <code>");
    mk_html_escape(html, r->file);
    mk_buf_puts(html, "</code></p>\n");
    for (int m = 0; m < pg->n_models; m++) {
        const mk_vresult *res = r->res[m];
        mk_buf_printf(html, "<p><b>");
        mk_html_escape(html, pg->models[m]);
        mk_buf_printf(html, ":</b> <span class=\"%s\">", mk_verdict_name(res->verdict));
        mk_html_escape(html, res->model_text);
        mk_buf_printf(html, " (%s)</span>", mk_verdict_name(res->verdict));
        if (res->note[0]) {
            mk_buf_puts(html, " &mdash; ");
            mk_html_escape(html, res->note);
        }
        mk_buf_puts(html, "</p>\n");
        if (res->verdict == MK_V_ERROR) continue;
        char png[MK_OUTDIR_CAP + 200], name[128];
        snprintf(name, sizeof name, "fig%02d_%d.png", i + 1, m);
        mk_status st;
        if ((st = mk_outdir_path(o, name, png, sizeof png, err)) || (st = mk_vfigure_write(res, png, err))) return st;
        mk_buf_puts(html, "<img alt=\"figure\" src=\"");
        if ((st = mk_html_png_uri(html, png, err))) return st;
        mk_buf_puts(html, "\">\n");
    }
    mk_buf_puts(html, "</section>\n");
    return MK_OK;
}

mk_status mk_vsuite_write(const mk_vsuite_page *pg, const mk_vsuite_row *rows, int n_rows, mk_outdir *o, mk_error *err)
{
    if (!pg || !o || n_rows < 0 || (n_rows && !rows) || pg->n_models < 1 || !pg->models)
        return mk_fail(err, MK_ERR_INVALID, "mk_vsuite_write: bad arguments");
    mk_buf csv, html;
    mk_buf_init(&csv);
    mk_buf_init(&html);
    csv_rows(pg, rows, n_rows, &csv);
    html_head(pg, rows, n_rows, &html);
    html_table(pg, rows, n_rows, &html);
    mk_status st = MK_OK;
    for (int i = 0; i < n_rows && !st; i++)
        if (!failed_to_load(&rows[i])) st = html_section(pg, &rows[i], i, o, &html, err);
    mk_buf_puts(&html, "</body></html>\n");
    if (!st && (csv.failed || html.failed)) st = mk_fail(err, MK_ERR_NOMEM, "out of memory writing the validation report");
    if (!st) st = mk_outdir_write(o, "validation.csv", csv.data, csv.len, err);
    if (!st) st = mk_outdir_write(o, "validation.html", html.data, html.len, err);
    mk_buf_free(&csv);
    mk_buf_free(&html);
    return st;
}
