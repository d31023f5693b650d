/*
 * html.c -- report.html, one self-contained page for a clinician or researcher: what was
 * simulated in plain words, the summary and measurement tables, the figures (embedded as
 * base64 PNG data URIs), how to read them, and where the numbers come from.  Inline CSS only:
 * no scripts, no fonts or images fetched from anywhere.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/site.h"
#include "report/html.h"

void mk_base64_append(mk_buf *out, const unsigned char *d, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char chunk[4 * 1024 + 1];
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16;
        if (i + 1 < n) v |= (unsigned)d[i + 1] << 8;
        if (i + 2 < n) v |= d[i + 2];
        chunk[o++] = tab[(v >> 18) & 63];
        chunk[o++] = tab[(v >> 12) & 63];
        chunk[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        chunk[o++] = i + 2 < n ? tab[v & 63] : '=';
        if (o + 4 >= sizeof chunk) {
            chunk[o] = 0;
            mk_buf_puts(out, chunk);
            o = 0;
        }
    }
    chunk[o] = 0;
    mk_buf_puts(out, chunk);
}

static void esc(mk_buf *b, const char *s)
{
    if (!s) return;
    char tmp[512];
    size_t o = 0;
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: break;
        }
        size_t need = rep ? strlen(rep) : 1;
        if (o + need + 1 >= sizeof tmp) {
            tmp[o] = 0;
            mk_buf_puts(b, tmp);
            o = 0;
        }
        if (rep) {
            memcpy(tmp + o, rep, need);
            o += need;
        } else {
            tmp[o++] = *s;
        }
    }
    tmp[o] = 0;
    mk_buf_puts(b, tmp);
}

static const char *kind_name(mk_meas_kind k)
{
    switch (k) {
    case MK_MEAS_PPT: return "pressure pain threshold";
    case MK_MEAS_PAIN: return "pain rating";
    case MK_MEAS_STIFFNESS: return "taut-band stiffness";
    case MK_MEAS_NOISE: return "endplate noise";
    case MK_MEAS_OUTPUT: return "model output";
    }
    return "measurement";
}

static const char *num(double v, char *buf, size_t size)
{
    if (isnan(v)) snprintf(buf, size, "&ndash;");
    else if (fabs(v) >= 1e5 || (v != 0 && fabs(v) < 1e-3)) snprintf(buf, size, "%.3e", v);
    else snprintf(buf, size, "%.4g", v);
    return buf;
}

void mk_html_escape(mk_buf *b, const char *s) { esc(b, s); }

/* The one PNG reader of the reports (this page's figures, the validation page's). */
mk_status mk_html_png_uri(mk_buf *b, const char *path, mk_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return mk_fail(err, MK_ERR_IO, "cannot read figure %s: %s", path, strerror(errno));
    unsigned char *data = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            size_t nc = cap ? cap * 2 : 65536;
            unsigned char *p = mk_realloc(data, nc);
            if (!p) {
                free(data);
                fclose(f);
                return mk_fail(err, MK_ERR_NOMEM, "out of memory reading %s", path);
            }
            data = p;
            cap = nc;
        }
        size_t got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(data);
        return mk_fail(err, MK_ERR_IO, "cannot read figure %s", path);
    }
    mk_buf_puts(b, "data:image/png;base64,");
    mk_base64_append(b, data, len);
    free(data);
    return MK_OK;
}

static mk_status embed_png(mk_buf *b, const char *dir, const char *file, mk_error *err)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path)
        return mk_fail(err, MK_ERR_IO, "figure path too long under %s", dir);
    return mk_html_png_uri(b, path, err);
}

static const char *CSS =
    "body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;color:#111;background:#fff;"
    "max-width:60rem;margin:2rem auto;padding:0 1.2rem;line-height:1.5}"
    "h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;"
    "border-bottom:1px solid #ccc;padding-bottom:.2rem}"
    ".sub{color:#444;margin-top:0}"
    "table{border-collapse:collapse;margin:.6rem 0;font-size:.92rem}"
    "th,td{border-bottom:1px solid #ddd;padding:.25rem .7rem;text-align:left;vertical-align:top}"
    "th{border-bottom:2px solid #111}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "pre{background:#f6f6f6;padding:.7rem;overflow-x:auto;font-size:.82rem;line-height:1.3}"
    "figure{margin:1.5rem 0}figure img{width:100%;height:auto;border:0}"
    "figcaption{font-size:.92rem;color:#222}"
    ".note{background:#fff8e6;border-left:4px solid #E69F00;padding:.5rem .8rem}"
    "dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dt{font-weight:bold}dd{margin:0}"
    "@media print{body{max-width:none}}";

/* The first and last finite value of a column, its peak and when. */
typedef struct col_run {
    int ok;
    double first, last, peak, t_peak;
} col_run;

static col_run col_of(const mk_series *s, const char *name)
{
    col_run c = {0, NAN, NAN, NAN, NAN};
    int k = mk_series_find(s, name);
    for (int i = 0; k >= 0 && i < s->n_rows; i++) {
        double v = s->values[(size_t)i * (size_t)s->n_cols + (size_t)k];
        if (!isfinite(v)) continue;
        if (!c.ok) c.first = v, c.peak = v, c.t_peak = s->t_s[i], c.ok = 1;
        if (v > c.peak) c.peak = v, c.t_peak = s->t_s[i];
        c.last = v;
    }
    return c;
}

/* The column of a site label (docs/site-interface.md) in the model under run: not ok if the
 * model lacks the label or the run did not record it. */
static col_run col_label(const mk_run_result *r, mk_site_label l)
{
    mk_site site;
    mk_site_resolve(r->abi, &site);
    const char *name = mk_site_symbol(&site, l);
    if (!name) return (col_run){0, NAN, NAN, NAN, NAN};
    return col_of(&r->series, name);
}

/* "What happened": the few sentences a reader came for, from the run's own numbers. */
static void what_happened(mk_buf *b, const mk_run_result *r, double span)
{
    const mk_protocol *p = r->protocol;
    char a[64], c[64];
    mk_buf_printf(b, "<h2>What happened</h2>\n<p>Over %s", mk_format_duration(span, a, sizeof a));
    int n_ther = 0;
    for (int i = 0; p && i < p->n_notes; i++) n_ther += !strcmp(p->notes[i].kind, "therapy");
    if (n_ther) mk_buf_printf(b, ", with %d treatment period%s (shaded green in the figures)", n_ther, n_ther == 1 ? "" : "s");
    mk_buf_puts(b, ": ");
    const mk_meas_result *first = NULL, *last = NULL;
    for (int i = 0; i < r->n_meas; i++)
        if (r->meas[i].spec && r->meas[i].spec->kind == MK_MEAS_PPT && isfinite(r->meas[i].value)) {
            if (!first) first = &r->meas[i];
            last = &r->meas[i];
        }
    if (first && last != first)
    {
        char a2[64], c2[64]; /* each number its own buffer: they are printed together */
        mk_buf_printf(b, "the pressure pain threshold went from %s %s (at %s) to %s %s (at %s, %+.3g %s); ",
                      num(first->value, a, sizeof a), first->unit, mk_format_duration(first->t_s, c, sizeof c),
                      num(last->value, a2, sizeof a2), last->unit, mk_format_duration(last->t_s, c2, sizeof c2),
                      last->value - first->value, last->unit);
    }
    else if (first)
        mk_buf_printf(b, "the pressure pain threshold was %s %s (at %s); ", num(first->value, a, sizeof a), first->unit,
                      mk_format_duration(first->t_s, c, sizeof c));
    col_run loc = col_label(r, MK_L_PAIN_LOCAL), ref = col_label(r, MK_L_PAIN_REFERRED);
    const mk_annotation *during = NULL; /* a peak inside a treatment or an experiment is evoked by it */
    for (int i = 0; loc.ok && p && i < p->n_notes && !during; i++)
        if (strcmp(p->notes[i].kind, "load") && strcmp(p->notes[i].kind, "life") && loc.t_peak >= p->notes[i].t0_s &&
            loc.t_peak <= p->notes[i].t1_s)
            during = &p->notes[i];
    if (loc.ok && loc.peak >= 0.05 && during) {
        mk_buf_printf(b, "pain at the trigger point peaked at %.2g/10 (at %s, during ", loc.peak,
                      mk_format_duration(loc.t_peak, a, sizeof a));
        esc(b, during->label); /* the scenario's text: escaped like every user string */
        mk_buf_printf(b, ": evoked by it, not spontaneous) and ended at %.2g/10; ", loc.last);
    }
    else if (loc.ok && loc.peak >= 0.05)
        mk_buf_printf(b, "pain at the trigger point peaked at %.2g/10 (at %s) and ended at %.2g/10; ", loc.peak,
                      mk_format_duration(loc.t_peak, a, sizeof a), loc.last);
    else if (loc.ok)
        mk_buf_puts(b, "there was no pain at the trigger point (below 0.05/10); ");
    if (ref.ok && ref.peak >= 0.05)
        mk_buf_printf(b, "referred pain peaked at %.2g/10 (at %s).", ref.peak, mk_format_duration(ref.t_peak, a, sizeof a));
    else if (ref.ok)
        mk_buf_puts(b, "there was no referred pain.");
    else
        mk_buf_puts(b, "see the figures below.");
    mk_buf_puts(b, "</p>\n");
}

/* The key figures (detail 0) or the second section's (detail 1). */
static mk_status figures(mk_buf *b, const char *dir, const mk_figure_set *figs, int detail, int *number, mk_error *err)
{
    for (int i = 0; figs && i < figs->n; i++) {
        const mk_figure_info *f = &figs->fig[i];
        if (f->detail != detail) continue;
        mk_buf_puts(b, "<figure>\n<img alt=\"");
        esc(b, mk_figure_text(&f->title));
        mk_buf_puts(b, "\" src=\"");
        mk_status rc = embed_png(b, dir, f->file, err);
        if (rc) return rc;
        mk_buf_printf(b, "\">\n<figcaption><b>Figure %d.</b> ", ++*number);
        esc(b, mk_figure_text(&f->title));
        mk_buf_puts(b, ". ");
        esc(b, mk_figure_text(&f->caption));
        mk_buf_puts(b, "</figcaption>\n</figure>\n");
    }
    return MK_OK;
}

static int count_detail(const mk_figure_set *figs, int detail)
{
    int n = 0;
    for (int i = 0; figs && i < figs->n; i++) n += figs->fig[i].detail == detail;
    return n;
}

mk_status mk_report_html(const mk_run_result *r, const char *dir, const mk_figure_set *figs, mk_buf *b,
                         mk_error *err)
{
    if (!r || !b || (figs && figs->n > 0 && !dir))
        return mk_fail(err, MK_ERR_INVALID, "mk_report_html: missing argument");
    const mk_protocol *p = r->protocol;
    const mk_model_abi *abi = r->abi;
    const mk_series *s = &r->series;
    char a[64], c[64];

    double span = p && p->duration_s > 0 ? p->duration_s
                  : s->n_rows > 1      ? s->t_s[s->n_rows - 1] - s->t_s[0]
                                       : 0;
    mk_time_unit tu = mk_time_unit_for_span(span);
    const char *name = p && p->name[0] ? p->name : "simulation";

    mk_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>myoknot: ");
    esc(b, name);
    mk_buf_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>Simulated trigger point: ", CSS);
    esc(b, name);
    mk_buf_puts(b, "</h1>\n");
    if (p && p->description[0]) {
        mk_buf_puts(b, "<p class=\"sub\">");
        esc(b, p->description);
        mk_buf_puts(b, "</p>\n");
    }
    mk_buf_puts(b, "<p class=\"note\">This is a computer simulation of a mechanistic model, for research and "
                   "teaching. It is not a measurement of a patient and not a diagnosis.</p>\n");

    /* ---- what happened, then the key figures: what the reader came for (issue 14 item 4) */
    what_happened(b, r, span);
    int fig_no = 0;
    mk_status frc = figures(b, dir, figs, 0, &fig_no, err);
    if (frc) return frc;

    /* ---- measurements */
    mk_buf_puts(b, "<h2>Measurements</h2>\n");
    if (r->n_meas == 0) {
        mk_buf_puts(b, "<p>The scenario asked for no measurements.</p>\n");
    } else {
        mk_buf_printf(b, "<p>Each measurement probes a copy of the simulated body the way a clinician would, "
                         "without disturbing it.</p>\n<table>\n<tr><th>Time (%s)</th><th>Measurement</th>"
                         "<th>Kind</th><th>Where</th><th>Value</th><th>Unit</th><th>Note</th></tr>\n", tu.name);
        for (int i = 0; i < r->n_meas; i++) {
            const mk_meas_result *m = &r->meas[i];
            mk_buf_printf(b, "<tr><td class=\"n\">%s</td><td>", num(m->t_s / tu.seconds, a, sizeof a));
            esc(b, m->spec ? m->spec->label : "");
            mk_buf_printf(b, "</td><td>%s</td><td>", m->spec ? kind_name(m->spec->kind) : "");
            if (m->spec && m->spec->kind == MK_MEAS_PAIN && m->spec->region[0]) {
                char reg[96];
                esc(b, strcmp(m->spec->region, "local") == 0 ? "at the trigger point"
                                                               : mk_pretty_region(m->spec->region, reg, sizeof reg));
            } else if (m->spec && m->spec->kind == MK_MEAS_OUTPUT) {
                esc(b, m->spec->output);
            } else {
                mk_buf_puts(b, "at the trigger point");
            }
            mk_buf_printf(b, "</td><td class=\"n\">%s</td><td>", num(m->value, a, sizeof a));
            if (m->spec && m->spec->kind == MK_MEAS_PAIN && (!m->unit[0] || strcmp(m->unit, "1") == 0))
                mk_buf_puts(b, "/10");
            else if (strcmp(m->unit, "1") != 0)
                esc(b, m->unit);
            mk_buf_puts(b, "</td><td>");
            esc(b, m->note);
            mk_buf_puts(b, "</td></tr>\n");
        }
        mk_buf_puts(b, "</table>\n");
    }

    /* ---- inside the trigger point: the mechanism's figures */
    if (count_detail(figs, 1) > 0) {
        mk_buf_puts(b, "<h2>Inside the trigger point</h2>\n<p>The mechanism behind the figures above: "
                       "circulation and energy, calcium, the sensitising substances, the nociceptors and "
                       "the spinal cord.</p>\n");
        if ((frc = figures(b, dir, figs, 1, &fig_no, err))) return frc;
    }

    /* ---- what was simulated */
    mk_buf_puts(b, "<h2>What was simulated</h2>\n<p>");
    char muscle[96] = "", side[16] = "";
    if (p && p->muscle[0]) mk_pretty_region(p->muscle, muscle, sizeof muscle);
    if (p && p->side[0]) snprintf(side, sizeof side, "%s", p->side[0] == 'l' ? "left" : "right");
    mk_buf_puts(b, "One myofascial trigger point");
    if (muscle[0]) {
        mk_buf_puts(b, " in the ");
        if (side[0]) mk_buf_printf(b, "%s ", side);
        esc(b, muscle);
    }
    mk_buf_printf(b, " was followed for %s", mk_format_duration(span, a, sizeof a));
    if (p && p->output_every_s > 0) mk_buf_printf(b, ", with a value every %s", mk_format_duration(p->output_every_s, c, sizeof c));
    mk_buf_puts(b, ". The physiology comes from the model <b>");
    esc(b, abi && abi->name ? abi->name : "?");
    mk_buf_puts(b, "</b>");
    if (abi && abi->doc && abi->doc[0]) {
        mk_buf_puts(b, " (");
        esc(b, abi->doc);
        mk_buf_puts(b, ")");
    }
    mk_buf_puts(b, ".</p>\n");
    if (p && p->n_notes > 0) {
        mk_buf_printf(b, "<details><summary>The scenario's %d events, in order</summary>\n<table>\n"
                         "<tr><th>Start (%s)</th><th>Lasting</th><th>Event</th><th>Kind</th></tr>\n",
                      p->n_notes, tu.name);
        for (int i = 0; i < p->n_notes; i++) {
            const mk_annotation *n = &p->notes[i];
            mk_buf_printf(b, "<tr><td class=\"n\">%s</td>", num(n->t0_s / tu.seconds, a, sizeof a));
            mk_buf_printf(b, "<td>%s</td><td>", mk_format_duration(n->t1_s - n->t0_s, c, sizeof c));
            esc(b, n->label);
            mk_buf_puts(b, "</td><td>");
            esc(b, n->kind);
            mk_buf_puts(b, "</td></tr>\n");
        }
        mk_buf_puts(b, "</table>\n</details>\n");
    }
    if (p && p->n_params > 0 && abi) {
        mk_buf_puts(b, "<p>Model parameters changed by the scenario:</p>\n<table>\n"
                       "<tr><th>Parameter</th><th>Value</th><th>Model default</th><th>Unit</th></tr>\n");
        for (int i = 0; i < p->n_params; i++) {
            int k = p->params[i].param;
            if (k < 0 || k >= abi->n_params) continue;
            mk_buf_puts(b, "<tr><td>");
            esc(b, abi->params[k].name);
            mk_buf_printf(b, "</td><td class=\"n\">%s</td>", num(p->params[i].value, a, sizeof a));
            mk_buf_printf(b, "<td class=\"n\">%s</td><td>", num(abi->params[k].value, c, sizeof c));
            esc(b, abi->params[k].unit);
            mk_buf_puts(b, "</td></tr>\n");
        }
        mk_buf_puts(b, "</table>\n");
    }

    /* ---- summary */
    if (r->summary && r->summary[0]) {
        mk_buf_puts(b, "<details><summary>The summary table (as <code>myoknot run</code> prints it)</summary>\n<pre>");
        esc(b, r->summary);
        mk_buf_puts(b, "</pre>\n</details>\n");
    }

    /* ---- how to read */
    mk_buf_puts(b,
                "<h2>How to read this</h2>\n<ul>\n"
                "<li><b>Core and surround.</b> The <i>core</i> is the knot itself (contracted sarcomeres at the "
                "motor endplate); the <i>surround</i> is the muscle around it. A trigger point is thought to be an "
                "energy crisis: low oxygen (pO<sub>2</sub>) and blood flow in the core, acid (pH falling below about "
                "7.0), phosphocreatine (PCr, the muscle's energy buffer) used up and lactate building up.</li>\n"
                "<li><b>Pain</b> is on the 0&ndash;10 numerical rating scale. <i>Local</i> pain is felt at the "
                "spot; <i>referred</i> pain is felt elsewhere, in a pattern that depends on the muscle (for the "
                "upper trapezius, typically the side of the neck and the temple).</li>\n"
                "<li><b>Pressure pain threshold (PPT)</b> is the pressure at which pressing with an algometer "
                "first becomes painful: the <i>lower</i> the PPT, the more sensitive the spot.</li>\n"
                "<li><b>Taut-band stiffness</b> (shear modulus, kPa) is what a clinician palpates as a tight band; "
                "elastography measures the same quantity.</li>\n"
                "<li>Shaded periods in the figures mark treatments (green) and experiments (orange) from the "
                "scenario.</li>\n"
                "<li>Numbers come from a model with assumed parameters; compare conditions within one model "
                "rather than reading absolute values as predictions for a person.</li>\n"
                "</ul>\n");

    /* ---- provenance */
    mk_buf_puts(b, "<h2>Provenance</h2>\n<dl>\n");
    mk_buf_printf(b, "<dt>myoknot</dt><dd>%s</dd>\n", MK_VERSION);
    if (abi) {
        mk_buf_puts(b, "<dt>Model</dt><dd>");
        esc(b, abi->name);
        mk_buf_puts(b, "</dd>\n<dt>Model hash</dt><dd><code>");
        esc(b, abi->hash ? abi->hash : "");
        mk_buf_puts(b, "</code></dd>\n<dt>Generated by</dt><dd>");
        esc(b, abi->generator ? abi->generator : "");
        mk_buf_puts(b, "</dd>\n");
    }
    if (p) {
        mk_buf_puts(b, "<dt>Scenario file</dt><dd><code>");
        esc(b, p->file[0] ? p->file : "(built in)");
        mk_buf_puts(b, "</code></dd>\n");
        mk_buf_printf(b, "<dt>Seed</dt><dd>%lu</dd>\n", p->seed);
    }
    mk_buf_printf(b, "<dt>Solver</dt><dd>%ld steps, %ld right-hand-side evaluations, %ld Jacobians, "
                     "%ld error-test failures</dd>\n",
                  r->stats.steps, r->stats.rhs_evals, r->stats.jac_evals, r->stats.err_test_fails);
    mk_buf_printf(b, "<dt>Wall time</dt><dd>%.3g s</dd>\n", r->wall_s);
    mk_buf_puts(b, "<dt>Data</dt><dd><code>series.csv</code> (every output over time), "
                   "<code>measurements.csv</code>, <code>manifest.json</code> (all parameters with units, "
                   "the full scenario) in this directory</dd>\n</dl>\n");
    if (p && p->yaml_text && p->yaml_text[0]) {
        mk_buf_puts(b, "<details><summary>The scenario as written</summary>\n<pre>");
        esc(b, p->yaml_text);
        mk_buf_puts(b, "</pre></details>\n");
    }
    mk_buf_puts(b, "</body>\n</html>\n");
    if (b->failed) return mk_fail(err, MK_ERR_NOMEM, "out of memory building report.html");
    return MK_OK;
}
