/*
 * figures.c -- the figures of a run, drawn with PLplot's pngcairo device.
 *
 * Each figure is described first (panels, lines, points, shaded periods, a title computed from
 * the data) and only then rendered, so all PLplot calls sit in one place (render_body()).  The
 * PLplot session itself (lock, stream, style, fatal errors as an mk_status) is mk_plot_draw()
 * in report/plot.c, shared with the validation and analysis figures.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plplot.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/site.h"
#include "body/anatomy.h"
#include "body/referral.h"
#include "report/bodymap.h"
#include "report/figures.h"
#include "report/plot.h"

/* ---------------------------------------------------------------- small helpers */

mk_time_unit mk_time_unit_for_span(double span_s)
{
    static const mk_time_unit units[] = {
        {"s", "seconds", 1.0},
        {"min", "minutes", 60.0},
        {"h", "hours", 3600.0},
        {"d", "days", 86400.0},
    };
    if (!(span_s > 0) || span_s <= 180.0) return units[0];
    if (span_s <= 3.0 * 3600.0) return units[1];
    if (span_s <= 3.0 * 86400.0) return units[2];
    return units[3];
}

/* %g with 3 significant digits, but never in exponent form for ordinary magnitudes */
static const char *fmt_num(double v, char *buf, size_t size)
{
    if (!isfinite(v)) snprintf(buf, size, isnan(v) ? "n/a" : (v > 0 ? "inf" : "-inf"));
    else if (fabs(v) >= 1000.0 && fabs(v) < 1e9) snprintf(buf, size, "%.0f", v);
    else if (v != 0 && fabs(v) < 1e-3) snprintf(buf, size, "%.2e", v);
    else snprintf(buf, size, "%.3g", v);
    return buf;
}

const char *mk_format_duration(double s, char *buf, size_t size)
{
    char a[32];
    if (!buf || size == 0) return buf;
    if (!isfinite(s)) {
        snprintf(buf, size, "n/a");
    } else if (fabs(s) < 120.0) {
        snprintf(buf, size, "%s s", fmt_num(s, a, sizeof a));
    } else if (fabs(s) < 2 * 3600.0) {
        snprintf(buf, size, "%s min", fmt_num(s / 60.0, a, sizeof a));
    } else if (fabs(s) < 2 * 86400.0) {
        snprintf(buf, size, "%s h", fmt_num(s / 3600.0, a, sizeof a));
    } else {
        double d = floor(s / 86400.0);
        double h = floor((s - d * 86400.0) / 3600.0 + 0.5);
        if (h >= 24) {
            d += 1;
            h = 0;
        }
        if (h == 0) snprintf(buf, size, "%.0f d", d);
        else snprintf(buf, size, "%.0f d %.0f h", d, h);
    }
    return buf;
}

const char *mk_pretty_region(const char *id, char *buf, size_t size)
{
    if (!buf || size == 0) return buf;
    if (!id) id = "";
    size_t n = strlen(id);
    const char *side = NULL;
    if (n > 2 && id[n - 2] == '_' && (id[n - 1] == 'r' || id[n - 1] == 'l')) {
        side = id[n - 1] == 'r' ? " (right)" : " (left)";
        n -= 2;
    }
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < size; i++) buf[o++] = (id[i] == '_' || id[i] == '.') ? ' ' : id[i];
    buf[o] = 0;
    if (side) snprintf(buf + o, size - o, "%s", side);
    return buf;
}

/* snprintf that may truncate on purpose (titles built from clauses) */
static void fit(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fit(char *dst, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, size, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------------------- figure description */

/* the page's own colours after the shared palette (plot.h): translucent period shades */
enum { C_SHADE_THERAPY = MK_PC_NBASE, C_SHADE_EXPERIMENT, C_SHADE_OTHER, C_NSHADES = C_SHADE_OTHER + 1 - MK_PC_NBASE };
static const mk_plot_color shade_colors[C_NSHADES] = {{0, 158, 115, 0.16}, {230, 159, 0, 0.22}, {153, 153, 153, 0.14}};

#define MAX_LINES 12
/* the smallest y span relative to the values' magnitude (range_of) */
#define MIN_REL_SPAN 0.05
/* the PPT axis spans at least an algometer's minimal detectable change, 0.45 kg/cm2 = 44 kPa
 * (docs/scenarios.md; scenarios/stretching_programme.yaml): a smaller change looks small */
#define PPT_MDC_KPA 44.1
#define MAX_PANELS 6

typedef struct fig_line {
    const double *v; /* column c of the series: v[r * stride] */
    char label[96];
    int color, style;
} fig_line;

typedef struct fig_panel {
    char ylabel[256];           /* PLplot text, escaped */
    int n_lines;
    fig_line lines[MAX_LINES];
    int n_pts;                  /* measurement points, x already in time units */
    double *px, *py;
    char pt_label[96];
    int pt_color;
    int pt_connect;             /* draw a thin line through the points */
    int fixed;                  /* y range fixed (pain 0..10) */
    double min_span;            /* the y axis spans at least this much (0: MIN_REL_SPAN only) */
    int legend;                 /* draw a legend for the lines and points */
    double ymin, ymax;
} fig_panel;

typedef struct fig_shade {
    double x0, x1;              /* time units */
    int color;
    char label[96];
} fig_shade;

typedef struct fig_spec {
    char *title;                /* PLplot text (set_title), NULL: none */
    int width, height;
    mk_time_unit tu;
    double x0, x1;              /* time range in tu */
    const double *t_s;
    int n_rows, stride;
    int n_panels;
    fig_panel panel[MAX_PANELS];
    int n_shades;
    fig_shade *shades;
    int shade_legend;           /* which shade kinds appear: bit 0 therapy, 1 experiment */
} fig_spec;

typedef struct col_stats {
    int n;                      /* finite values */
    double first, last, min, max, t_min, t_max;
} col_stats;

static col_stats stats_of(const double *t, const double *v, int n_rows, int stride)
{
    col_stats s = {0, NAN, NAN, NAN, NAN, NAN, NAN};
    for (int r = 0; r < n_rows; r++) {
        double x = v[(size_t)r * (size_t)stride];
        if (!isfinite(x)) continue;
        if (s.n == 0) {
            s.first = s.min = s.max = x;
            s.t_min = s.t_max = t[r];
        }
        if (x < s.min) s.min = x, s.t_min = t[r];
        if (x > s.max) s.max = x, s.t_max = t[r];
        s.last = x;
        s.n++;
    }
    return s;
}

/* "falls from 32 to 6.1 mmHg", "peaks at 6.2 mmHg at 3.1 h, then returns to 2 mmHg", "stays
 * near 7.05"; with band > 0, a variation within band * scale reads "stays between a and b" */
static void describe_band(char *out, size_t size, const col_stats *s, const char *unit, mk_time_unit tu,
                          double band)
{
    char a[32], b[32], c[32];
    const char *sp = unit[0] && unit[0] != '/' ? " " : "";
    if (s->n == 0) {
        snprintf(out, size, "has no finite values");
        return;
    }
    double range = s->max - s->min;
    double scale = fmax(fmax(fabs(s->first), fabs(s->last)), range);
    if (range <= 0.03 * scale || range < 1e-12) {
        snprintf(out, size, "stays near %s%s%s", fmt_num(0.5 * (s->min + s->max), a, sizeof a), sp, unit);
    } else if (range <= band * scale) {
        snprintf(out, size, "stays between %s and %s%s%s", fmt_num(s->min, a, sizeof a), fmt_num(s->max, b, sizeof b),
                 sp, unit);
    } else if (fabs(s->last - s->first) >= 0.5 * range) {
        snprintf(out, size, "%s from %s to %s%s%s", s->last > s->first ? "rises" : "falls",
                 fmt_num(s->first, a, sizeof a), fmt_num(s->last, b, sizeof b), sp, unit);
    } else if (s->max - fmax(s->first, s->last) >= fmin(s->first, s->last) - s->min) {
        snprintf(out, size, "peaks at %s%s%s at %s %s, then returns to %s%s%s", fmt_num(s->max, a, sizeof a), sp,
                 unit, fmt_num(s->t_max / tu.seconds, b, sizeof b), tu.name, fmt_num(s->last, c, sizeof c), sp, unit);
    } else {
        snprintf(out, size, "dips to %s%s%s at %s %s, then recovers to %s%s%s", fmt_num(s->min, a, sizeof a), sp,
                 unit, fmt_num(s->t_min / tu.seconds, b, sizeof b), tu.name, fmt_num(s->last, c, sizeof c), sp, unit);
    }
}

static void describe(char *out, size_t size, const col_stats *s, const char *unit, mk_time_unit tu)
{
    describe_band(out, size, s, unit, tu, 0.0);
}

/* Add a line for series column `name` if the series has it; returns the column or -1. */
static int add_line(fig_spec *f, fig_panel *p, const mk_series *s, const char *name, const char *label,
                    int color, int style)
{
    int c = mk_series_find(s, name);
    if (c < 0 || p->n_lines >= MAX_LINES || s->n_rows <= 0) return -1;
    fig_line *l = &p->lines[p->n_lines++];
    l->v = s->values + c;
    col_stats st = stats_of(s->t_s, l->v, s->n_rows, s->n_cols);
    char text[96];
    snprintf(text, sizeof text, "%s%s", label, st.n ? "" : " (no values)");
    mk_plot_text(l->label, sizeof l->label, text);
    l->color = color;
    l->style = style;
    (void)f;
    return c;
}

static void set_ylabel(fig_panel *p, const char *what, const mk_series *s, int col, const char *fallback_unit)
{
    char u[64];
    mk_plot_unit(col >= 0 ? s->units[col] : fallback_unit, u, sizeof u);
    /* what may carry PLplot escapes (#d2#u) on purpose; the unit must not */
    char ue[100];
    mk_plot_text(ue, sizeof ue, u);
    if (ue[0]) snprintf(p->ylabel, sizeof p->ylabel, "%s (%s)", what, ue);
    else snprintf(p->ylabel, sizeof p->ylabel, "%s", what);
}

static void free_spec(fig_spec *f)
{
    for (int i = 0; i < f->n_panels; i++) {
        free(f->panel[i].px);
        free(f->panel[i].py);
    }
    free(f->shades);
    f->shades = NULL;
    free(f->title);
    f->title = NULL;
}

/* Common part: time axis from the series (and measurement times), shaded therapy and
 * experiment periods from the protocol's annotations. */
static mk_status spec_init(fig_spec *f, const mk_run_result *r, int width, int height, mk_error *err)
{
    memset(f, 0, sizeof *f);
    const mk_series *s = &r->series;
    double t0 = INFINITY, t1 = -INFINITY;
    for (int i = 0; i < s->n_rows; i++)
        if (isfinite(s->t_s[i])) t0 = fmin(t0, s->t_s[i]), t1 = fmax(t1, s->t_s[i]);
    for (int i = 0; i < r->n_meas; i++)
        if (isfinite(r->meas[i].t_s)) t0 = fmin(t0, r->meas[i].t_s), t1 = fmax(t1, r->meas[i].t_s);
    if (r->protocol && r->protocol->duration_s > 0) {
        t0 = fmin(t0, 0.0);
        t1 = fmax(t1, r->protocol->duration_s);
    }
    if (!(t0 <= t1)) t0 = 0, t1 = 1;
    if (t1 - t0 <= 0) t1 = t0 + 1;
    f->tu = mk_time_unit_for_span(t1 - t0);
    f->x0 = t0 / f->tu.seconds;
    f->x1 = t1 / f->tu.seconds;
    f->width = width;
    f->height = height;
    f->t_s = s->t_s;
    f->n_rows = s->n_rows;
    f->stride = s->n_cols;

    const mk_protocol *p = r->protocol;
    if (p && p->n_notes > 0) {
        f->shades = mk_calloc((size_t)p->n_notes, sizeof *f->shades);
        if (!f->shades) return mk_fail(err, MK_ERR_NOMEM, "out of memory for figure annotations");
        double min_w = 0.004 * (f->x1 - f->x0); /* a 90 s compression on a week-long axis stays visible */
        for (int i = 0; i < p->n_notes; i++) {
            const mk_annotation *a = &p->notes[i];
            int color;
            if (strcmp(a->kind, "therapy") == 0) color = C_SHADE_THERAPY, f->shade_legend |= 1;
            else if (strcmp(a->kind, "experiment") == 0) color = C_SHADE_EXPERIMENT, f->shade_legend |= 2;
            else continue;
            if (!isfinite(a->t0_s) || !isfinite(a->t1_s)) continue;
            fig_shade *sh = &f->shades[f->n_shades++];
            sh->x0 = a->t0_s / f->tu.seconds;
            sh->x1 = fmax(a->t1_s, a->t0_s) / f->tu.seconds;
            if (sh->x1 - sh->x0 < min_w) {
                double mid = 0.5 * (sh->x0 + sh->x1);
                sh->x0 = mid - 0.5 * min_w;
                sh->x1 = mid + 0.5 * min_w;
            }
            sh->color = color;
            mk_plot_text(sh->label, sizeof sh->label, a->label);
        }
    }
    return MK_OK;
}

/* The title for PLplot: escaped, "pO2" with a subscript, broken into two lines when long
 * (mk_plot_title sets a long line smaller rather than cutting it).  NULL when out of memory:
 * the figure is then drawn without a title. */
static void set_title(fig_spec *f, const char *plain)
{
    size_t n = strlen(plain);
    char *wrapped = mk_strdup(plain), *esc = mk_malloc(2 * n + 1);
    free(f->title);
    f->title = mk_malloc(7 * n + 1); /* every character escaped, or "pO2" -> "pO#d2#u" */
    if (wrapped && esc && f->title) {
        size_t best = mk_plot_break_at(wrapped, 72);
        if (best) wrapped[best] = '\n';
        mk_plot_text(esc, 2 * n + 1, wrapped);
        size_t o = 0;
        for (const char *c = esc; *c; c++) {
            if (c[0] == 'p' && c[1] == 'O' && c[2] == '2' && !(c[3] >= '0' && c[3] <= '9')) {
                memcpy(f->title + o, "pO#d2#u", 7);
                o += 7;
                c += 2;
            } else {
                f->title[o++] = *c;
            }
        }
        f->title[o] = 0;
    } else {
        free(f->title);
        f->title = NULL;
    }
    free(wrapped);
    free(esc);
}

/* ---------------------------------------------------------------- rendering (all PLplot here) */

static void range_of(const fig_spec *f, const fig_panel *p, double *lo, double *hi)
{
    double a = INFINITY, b = -INFINITY;
    for (int l = 0; l < p->n_lines; l++)
        for (int r = 0; r < f->n_rows; r++) mk_plot_span(&a, &b, p->lines[l].v[(size_t)r * (size_t)f->stride]);
    for (int i = 0; i < p->n_pts; i++) mk_plot_span(&a, &b, p->py[i]);
    if (p->fixed) {
        /* values outside the fixed range widen it */
        a = isfinite(a) ? fmin(a, p->ymin) : p->ymin;
        b = isfinite(b) ? fmax(b, p->ymax) : p->ymax;
        *lo = a;
        *hi = b;
        return;
    }
    /* Never magnify a change below a meaningful size: the span is at least MIN_REL_SPAN of the
     * values' magnitude (a 0.001 kPa wobble of a 5.81 kPa stiffness stays a flat line), or the
     * panel's own minimum (an algometer's smallest detectable change for PPT). */
    double min_span = fmax(p->min_span, MIN_REL_SPAN * fmax(fabs(a), fabs(b)));
    if (isfinite(a) && isfinite(b) && b - a < min_span) {
        double mid = 0.5 * (a + b), data_lo = a;
        a = mid - 0.5 * min_span, b = mid + 0.5 * min_span;
        if (data_lo >= 0 && a < 0) b -= a, a = 0; /* non-negative data: the axis starts at zero */
    }
    *lo = a, *hi = b;
    mk_plot_pad_range(lo, hi, 0.06, 1); /* non-negative quantities near zero: floor at zero */
}

/* draw one column as segments of finite points (PLplot does not skip NaN) */
static void draw_column(const fig_spec *f, const double *v, double *xs, double *ys)
{
    int n = 0;
    for (int r = 0; r <= f->n_rows; r++) {
        double y = r < f->n_rows ? v[(size_t)r * (size_t)f->stride] : NAN;
        double t = r < f->n_rows ? f->t_s[r] : NAN;
        if (isfinite(y) && isfinite(t)) {
            xs[n] = t / f->tu.seconds;
            ys[n] = y;
            n++;
            continue;
        }
        if (n == 1) plstring(1, xs, ys, "\xe2\x80\xa2"); /* a lone point: a dot */
        else if (n > 1) plline(n, xs, ys);
        n = 0;
    }
}

#define LINE_W MK_PLOT_LINE_W
#define AXIS_W MK_PLOT_AXIS_W
#define FS MK_PLOT_FS

static void legend_entry(double y, double h, int color, int style, int is_box, int is_point, const char *text)
{
    PLFLT lx[2] = {0.0, 0.13}, ly[2] = {y, y};
    if (is_box) {
        mk_plot_band(0.0, 0.13, y - 0.3 * h, y + 0.3 * h, color);
    } else if (is_point) {
        PLFLT px = 0.065;
        plcol0(color);
        plstring(1, &px, ly, "\xe2\x97\x8f");
    } else {
        plcol0(color);
        pllsty(style);
        plwidth(LINE_W);
        plline(2, lx, ly);
        pllsty(1);
    }
    plcol0(MK_PC_BLACK);
    plptex(0.17, y, 1.0, 0.0, 0.0, text);
}

static void render_body(const void *ctx, double *xs, double *ys)
{
    const fig_spec *f = ctx;
    /* margins in pixels, so they do not change with the figure's height */
    const double W = f->width, H = f->height;
    const double left = 230 / W, right = 1.0 - 400 / W, top = 1.0 - 170 / H, bottom = 115 / H, gap = 34 / H;
    double ph = (top - bottom - gap * (f->n_panels - 1)) / f->n_panels;

    if (f->title) mk_plot_title(f->title, W, H);

    for (int i = 0; i < f->n_panels; i++) {
        const fig_panel *p = &f->panel[i];
        double y1 = top - i * (ph + gap), y0 = y1 - ph;
        double lo, hi;
        range_of(f, p, &lo, &hi);

        if (f->n_panels > 1) { /* panel letter at the top left, outside the axes */
            char letter[4] = {(char)('A' + i), 0, 0, 0};
            mk_plot_letter(letter, 30 / W, y1 - 12 / H, 1.25);
        }

        plvpor(left, right, y0, y1);
        plwind(f->x0, f->x1, lo, hi);

        /* shaded periods under the data */
        for (int k = 0; k < f->n_shades; k++) {
            const fig_shade *sh = &f->shades[k];
            double a = fmax(sh->x0, f->x0), b = fmin(sh->x1, f->x1);
            if (a < b) mk_plot_band(a, b, lo, hi, sh->color);
        }

        plcol0(MK_PC_BLACK);
        plwidth(AXIS_W);
        int last = i == f->n_panels - 1;
        plbox(last ? "bnsti" : "bsti", 0.0, 0, "bnstiv", 0.0, 0);
        plmtex("l", 5.6, 0.5, 0.5, p->ylabel);
        if (p->n_lines == 0 && p->n_pts == 0) { /* cannot happen today: panels have data */
            plcol0(MK_PC_GREY);
            plptex(0.5 * (f->x0 + f->x1), 0.5 * (lo + hi), 1, 0, 0.5, "no data");
        }

        for (int l = 0; l < p->n_lines; l++) {
            plcol0(p->lines[l].color);
            pllsty(p->lines[l].style);
            plwidth(LINE_W);
            draw_column(f, p->lines[l].v, xs, ys);
            pllsty(1);
        }
        if (p->n_pts > 0) {
            int n = 0;
            for (int k = 0; k < p->n_pts; k++)
                if (isfinite(p->px[k]) && isfinite(p->py[k])) xs[n] = p->px[k], ys[n] = p->py[k], n++;
            plcol0(p->pt_color);
            if (p->pt_connect && n > 1) mk_plot_dashed(n, xs, ys, p->pt_color, 1.2);
            plschr(0.0, FS * 1.4);
            if (n > 0) plstring(n, xs, ys, "\xe2\x97\x8f");
            plschr(0.0, FS);
        }

        /* legend to the right of the panel: lines, points, and (first panel) the shades */
        int entries = p->n_lines + (p->n_pts > 0) +
                      (i == 0 ? ((f->shade_legend & 1) + ((f->shade_legend >> 1) & 1)) : 0);
        if (entries > 0 && (p->legend || (i == 0 && f->shade_legend))) {
            double panel_px = ph * H, dy = fmin(44.0 / panel_px, 0.95 / entries);
            plvpor(right + 25 / W, 1.0, y0, y1);
            plwind(0, 1, 0, 1);
            plschr(0.0, FS * 0.95);
            double y = 1.0 - 0.6 * dy;
            for (int l = 0; l < p->n_lines; l++, y -= dy)
                legend_entry(y, dy, p->lines[l].color, p->lines[l].style, 0, 0, p->lines[l].label);
            if (p->n_pts > 0) {
                legend_entry(y, dy, p->pt_color, 1, 0, 1, p->pt_label);
                y -= dy;
            }
            if (i == 0 && (f->shade_legend & 1)) {
                legend_entry(y, dy, C_SHADE_THERAPY, 1, 1, 0, "therapy");
                y -= dy;
            }
            if (i == 0 && (f->shade_legend & 2)) legend_entry(y, dy, C_SHADE_EXPERIMENT, 1, 1, 0, "experiment");
            plschr(0.0, FS);
        }
    }
    /* shared time axis label */
    {
        char xl[64];
        snprintf(xl, sizeof xl, "Time (%s)", f->tu.name);
        double y0 = top - (f->n_panels - 1) * (ph + gap) - ph;
        plvpor(left, right, y0, y0 + ph);
        plcol0(MK_PC_BLACK);
        plmtex("b", 3.4, 0.5, 0.5, xl);
    }
}

static mk_status render(const fig_spec *f, const char *path, mk_error *err)
{
    size_t n = (size_t)(f->n_rows > 0 ? f->n_rows : 1);
    for (int i = 0; i < f->n_panels; i++)
        if ((size_t)f->panel[i].n_pts > n) n = (size_t)f->panel[i].n_pts;
    mk_plot_page page = {path, f->width, f->height, shade_colors, C_NSHADES, n};
    return mk_plot_draw(&page, render_body, f, err);
}

/* ---------------------------------------------------------------- the figures of a run */

/* The series column name of an interface label: the model's symbol, or the label itself (no
 * column has it: columns are component.name) when the model lacks the label. */
static const char *sym(const mk_run_result *r, mk_site_label l)
{
    const char *n = r->abi ? mk_abi_label_symbol(r->abi, mk_site_label_name(l)) : NULL;
    return n ? n : mk_site_label_name(l);
}

static void add_caption_missing(mk_buf *cap, const mk_series *s, const char *const *names, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        if (mk_series_find(s, names[i]) < 0)
            mk_buf_printf(cap, "%s%s", k++ ? ", " : " Not in this model's output, so not shown: ", names[i]);
    if (k) mk_buf_puts(cap, ".");
}

static void add_caption_shades(mk_buf *cap, const fig_spec *f)
{
    if (!f->shade_legend) return;
    mk_buf_printf(cap, " Shaded: %s%s%s periods (very short ones are widened to stay visible).",
             (f->shade_legend & 1) ? "therapy (green)" : "", f->shade_legend == 3 ? " and " : "",
             (f->shade_legend & 2) ? "experiment (orange)" : "");
}

static mk_status fig_timecourses(const mk_run_result *r, fig_spec *f, mk_figure_info *info, int *drawn,
                                 mk_error *err)
{
    const mk_series *s = &r->series;
    const char *const want[] = {sym(r, MK_L_CORE_PO2), sym(r, MK_L_SURROUND_PO2), sym(r, MK_L_CORE_PH),
                                sym(r, MK_L_CORE_PCR), sym(r, MK_L_CORE_LACTATE), sym(r, MK_L_CORE_FLOW),
                                sym(r, MK_L_SURROUND_FLOW)};
    *drawn = 0;
    int any = 0;
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) any |= mk_series_find(s, want[i]) >= 0;
    if (!any || s->n_rows == 0) return MK_OK;
    mk_status rc = spec_init(f, r, 1500, 1900, err);
    if (rc) return rc;

    fig_panel *p;
    int c, c2;
    struct {
        const char *what, *core, *surr, *plain;
    } rows[] = {
        {"pO#d2#u", want[0], want[1], "O2 partial pressure"},
        {"Core pH", want[2], NULL, "intracellular pH"},
        {"Core PCr", want[3], NULL, "phosphocreatine"},
        {"Core lactate", want[4], NULL, "lactate"},
        {"Blood flow", want[5], want[6], "nutritive blood flow"},
    };
    char plain[512] = "";
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        if (mk_series_find(s, rows[i].core) < 0 && (!rows[i].surr || mk_series_find(s, rows[i].surr) < 0))
            continue;
        p = &f->panel[f->n_panels];
        c = add_line(f, p, s, rows[i].core, "knot core", MK_PC_VERMILLION, 1);
        c2 = rows[i].surr ? add_line(f, p, s, rows[i].surr, "surrounding muscle", MK_PC_BLUE, 1) : -1;
        p->legend = rows[i].surr != NULL;
        set_ylabel(p, rows[i].what, s, c >= 0 ? c : c2, "1");
        size_t l = strlen(plain);
        snprintf(plain + l, sizeof plain - l, "%s%c, %s", l ? "; " : "", 'A' + f->n_panels, rows[i].plain);
        f->n_panels++;
    }

    /* title: what happens to core O2 (or the first panel's first line) */
    char d1[160] = "", d2[160] = "";
    int cp = mk_series_find(s, want[0]), sp = mk_series_find(s, want[1]);
    if (cp >= 0) {
        col_stats st = stats_of(s->t_s, s->values + cp, s->n_rows, s->n_cols);
        describe(d1, sizeof d1, &st, s->units[cp], f->tu);
        if (sp >= 0) {
            col_stats st2 = stats_of(s->t_s, s->values + sp, s->n_rows, s->n_cols);
            describe_band(d2, sizeof d2, &st2, s->units[sp], f->tu, 0.25);
            mk_buf_printf(&info->title, "Knot core pO2 %s; in the surrounding muscle it %s", d1, d2);
        } else {
            mk_buf_printf(&info->title, "Knot core pO2 %s", d1);
        }
    } else {
        int col = -1;
        for (size_t i = 0; col < 0 && i < sizeof want / sizeof *want; i++) col = mk_series_find(s, want[i]);
        col_stats st = stats_of(s->t_s, s->values + col, s->n_rows, s->n_cols);
        describe(d1, sizeof d1, &st, s->units[col], f->tu);
        mk_buf_printf(&info->title, "%s %s", s->names[col], d1);
    }
    set_title(f, mk_figure_text(&info->title));
    snprintf(info->file, sizeof info->file, "fig1_timecourses.png");
    info->detail = 1; /* the mechanism: the report's second section */
    mk_buf_printf(&info->caption,
             "Time courses in the trigger point's core (vermillion) and in the surrounding muscle (blue): "
             "%s.", plain);
    add_caption_shades(&info->caption, f);
    add_caption_missing(&info->caption, s, want, (int)(sizeof want / sizeof *want));
    *drawn = 1;
    return MK_OK;
}

/* The mechanism, in the report's second section: Ca2+, the sensitising substances, the
 * nociceptors and the spinal stage, one panel each (issue 14 item 4). */
typedef struct mech_panel {
    const char *what;                /* the y label (PLplot text) */
    const char *plain;               /* for the caption */
    const char *cols[6], *labels[6]; /* the lines, NULL-terminated */
} mech_panel;

static const mech_panel k_mech[] = {
    {"Cytosolic Ca#u2+#d", "free cytosolic calcium in the knot core and its flank",
     {"core.ca_c", "core.ca_c_flank", NULL}, {"knot core", "flank", NULL}},
    {"Sensitising substances", "bradykinin, serotonin, prostaglandin E2, CGRP and substance P around the nociceptors",
     {"chem.bk", "chem.ht", "chem.pg", "chem.cgrp", "chem.sp", NULL},
     {"bradykinin", "serotonin", "prostaglandin E2", "CGRP", "substance P", NULL}},
    {"Nociceptor firing", "the firing rate of the knot's group III/IV nociceptors",
     {"noci.rate", NULL}, {"nociceptors", NULL}},
    {"Dorsal-horn output", "what the dorsal horn passes on", {"spinal.transmission", NULL}, {"transmission", NULL}},
    {"Spinal state", "central sensitisation, wind-up and the segmental gate",
     {"spinal.central_sens", "spinal.windup", "spinal.gate", NULL},
     {"central sensitisation", "wind-up", "gate", NULL}},
};

static mk_status fig_mechanism(const mk_run_result *r, fig_spec *f, mk_figure_info *info, int *drawn, mk_error *err)
{
    static const int colors[] = {MK_PC_VERMILLION, MK_PC_BLUE, MK_PC_GREEN, MK_PC_ORANGE, MK_PC_PURPLE, MK_PC_SKY};
    const mk_series *s = &r->series;
    *drawn = 0;
    int any = 0;
    for (size_t i = 0; i < sizeof k_mech / sizeof *k_mech; i++)
        for (int k = 0; k_mech[i].cols[k]; k++) any |= mk_series_find(s, k_mech[i].cols[k]) >= 0;
    if (!any || s->n_rows == 0) return MK_OK;
    mk_status rc = spec_init(f, r, 1500, 1900, err);
    if (rc) return rc;
    mk_buf_puts(&info->caption, "How the knot's pain comes about: ");
    for (size_t i = 0; i < sizeof k_mech / sizeof *k_mech; i++) {
        fig_panel *p = &f->panel[f->n_panels];
        int first = -1;
        for (int k = 0; k_mech[i].cols[k]; k++) {
            int c = add_line(f, p, s, k_mech[i].cols[k], k_mech[i].labels[k], colors[k], 1);
            if (first < 0) first = c;
        }
        if (!p->n_lines) continue;
        p->legend = p->n_lines > 1;
        set_ylabel(p, k_mech[i].what, s, first, "1");
        mk_buf_printf(&info->caption, "%s%c, %s", f->n_panels ? "; " : "", 'A' + f->n_panels, k_mech[i].plain);
        f->n_panels++;
    }
    mk_buf_puts(&info->caption, ". Dimensionless levels (1) are relative to the model's reference state.");
    add_caption_shades(&info->caption, f);
    /* the title: what the nociceptors and the spinal cord did */
    char d1[160] = "", d2[160] = "";
    /* the labelled columns, else the names the panels draw (a model without these labels) */
    int cn = mk_series_find(s, sym(r, MK_L_NOCI_RATE)), cc = mk_series_find(s, sym(r, MK_L_SPINAL_CENTRAL_SENS));
    if (cn < 0) cn = mk_series_find(s, "noci.rate");
    if (cc < 0) cc = mk_series_find(s, "spinal.central_sens");
    if (cn >= 0) {
        col_stats st = stats_of(s->t_s, s->values + cn, s->n_rows, s->n_cols);
        describe(d1, sizeof d1, &st, strcmp(s->units[cn], "1") ? s->units[cn] : "", f->tu);
    }
    if (cc >= 0) { /* a level relative to the reference state: no unit to print */
        col_stats st = stats_of(s->t_s, s->values + cc, s->n_rows, s->n_cols);
        describe(d2, sizeof d2, &st, strcmp(s->units[cc], "1") ? s->units[cc] : "", f->tu);
    }
    if (d1[0] && d2[0]) mk_buf_printf(&info->title, "Nociceptor firing %s; central sensitisation %s", d1, d2);
    else if (d1[0] || d2[0]) mk_buf_printf(&info->title, "%s %s", d1[0] ? "Nociceptor firing" : "Central sensitisation", d1[0] ? d1 : d2);
    else mk_buf_puts(&info->title, "Calcium and the sensitising substances in the knot");
    set_title(f, mk_figure_text(&info->title));
    snprintf(info->file, sizeof info->file, "fig4_mechanism.png");
    info->detail = 1;
    *drawn = 1;
    return MK_OK;
}

#define PAIN_TOP_REGIONS 3
#define PAIN_TOP_TEXT "three"

/* The pain.region.* columns with the highest peaks (at least 0.05/10), strongest first. */
static int strongest_regions(const mk_series *s, int top[PAIN_TOP_REGIONS])
{
    double peak[PAIN_TOP_REGIONS];
    int n = 0;
    for (int c = 0; c < s->n_cols; c++) {
        if (strncmp(s->names[c], "pain.region.", 12) != 0) continue;
        col_stats st = stats_of(s->t_s, s->values + c, s->n_rows, s->n_cols);
        if (st.n == 0 || !(st.max >= 0.05)) continue;
        int at = n < PAIN_TOP_REGIONS ? n++ : PAIN_TOP_REGIONS;
        while (at > 0 && peak[at - 1] < st.max) {
            if (at < PAIN_TOP_REGIONS) peak[at] = peak[at - 1], top[at] = top[at - 1];
            at--;
        }
        if (at < PAIN_TOP_REGIONS) peak[at] = st.max, top[at] = c;
    }
    return n;
}

static mk_status fig_pain(const mk_run_result *r, fig_spec *f, mk_figure_info *info, int *drawn, mk_error *err)
{
    const mk_series *s = &r->series;
    static const int region_colors[PAIN_TOP_REGIONS] = {MK_PC_ORANGE, MK_PC_SKY, MK_PC_GREEN};
    *drawn = 0;
    const char *local = sym(r, MK_L_PAIN_LOCAL), *referred = sym(r, MK_L_PAIN_REFERRED);
    int cl = mk_series_find(s, local), cr = mk_series_find(s, referred);
    int n_regions = 0;
    for (int c = 0; c < s->n_cols; c++)
        if (strncmp(s->names[c], "pain.region.", 12) == 0) n_regions++;
    int n_meas = 0;
    for (int i = 0; i < r->n_meas; i++)
        if (r->meas[i].spec && r->meas[i].spec->kind == MK_MEAS_PAIN) n_meas++;
    if ((cl < 0 && cr < 0 && n_regions == 0 && n_meas == 0) || (s->n_rows == 0 && n_meas == 0)) return MK_OK;
    mk_status rc = spec_init(f, r, 1500, 800, err);
    if (rc) return rc;
    fig_panel *p = &f->panel[f->n_panels++];
    /* only the few regions that hurt most, each named; then the trigger point's own line,
     * drawn last so that nothing hides it */
    int top[PAIN_TOP_REGIONS], n_top = strongest_regions(s, top);
    for (int k = 0; k < n_top; k++) {
        char reg[96];
        mk_pretty_region(s->names[top[k]] + 12, reg, sizeof reg);
        add_line(f, p, s, s->names[top[k]], reg, region_colors[k], 2 + k);
    }
    add_line(f, p, s, referred, "referred", MK_PC_PURPLE, 1);
    add_line(f, p, s, local, "at the trigger point", MK_PC_VERMILLION, 1);
    p->legend = 1;
    snprintf(p->ylabel, sizeof p->ylabel, "Pain (0\xe2\x80\x93" "10 NRS)");
    p->fixed = 1;
    p->ymin = 0;
    p->ymax = 10;
    if (n_meas > 0) {
        p->px = mk_malloc((size_t)n_meas * sizeof *p->px);
        p->py = mk_malloc((size_t)n_meas * sizeof *p->py);
        if (!p->px || !p->py) return mk_fail(err, MK_ERR_NOMEM, "out of memory for the pain figure");
        for (int i = 0; i < r->n_meas; i++)
            if (r->meas[i].spec && r->meas[i].spec->kind == MK_MEAS_PAIN) {
                p->px[p->n_pts] = r->meas[i].t_s / f->tu.seconds;
                p->py[p->n_pts] = r->meas[i].value;
                p->n_pts++;
            }
        p->pt_color = MK_PC_BLACK;
        snprintf(p->pt_label, sizeof p->pt_label, "rated (measurement)");
    }

    char d1[160] = "", d2[160] = "";
    if (cl >= 0) {
        col_stats st = stats_of(s->t_s, s->values + cl, s->n_rows, s->n_cols);
        if (st.n == 0)
            ; /* nothing to say */
        else if (st.max < 0.05) snprintf(d1, sizeof d1, "Pain at the trigger point stays at 0/10");
        else {
            char d[128];
            describe(d, sizeof d, &st, "/10", f->tu);
            snprintf(d1, sizeof d1, "Pain at the trigger point %s", d);
        }
    }
    if (cr >= 0) {
        col_stats st = stats_of(s->t_s, s->values + cr, s->n_rows, s->n_cols);
        char a[32], b[32];
        if (st.n > 0 && st.max >= 0.05)
            snprintf(d2, sizeof d2, "referred pain reaches %s/10 at %s %s", fmt_num(st.max, a, sizeof a),
                     fmt_num(st.t_max / f->tu.seconds, b, sizeof b), f->tu.name);
        else if (st.n > 0)
            snprintf(d2, sizeof d2, "no referred pain");
    }
    if (d1[0] && d2[0]) mk_buf_printf(&info->title, "%s; %s", d1, d2);
    else if (d1[0]) mk_buf_printf(&info->title, "%s", d1);
    else if (d2[0]) mk_buf_printf(&info->title, "%c%s", d2[0] == 'r' ? 'R' : 'N', d2 + 1);
    else mk_buf_printf(&info->title, "Pain ratings during the run");
    set_title(f, mk_figure_text(&info->title));
    snprintf(info->file, sizeof info->file, "fig2_pain.png");
    mk_buf_printf(&info->caption,
             "Perceived pain on the 0-10 numerical rating scale (NRS): at the trigger point (vermillion, "
             "spontaneous plus pressure-evoked, drawn on top), referred pain in a fully connected region "
             "(purple)%s%s.",
             n_top ? " and in the body regions that hurt most (dashed, at most " PAIN_TOP_TEXT "; every region is in "
                     "series.csv and on the body map)" : "",
             n_meas ? "; dots are the pain ratings the scenario asked for" : "");
    add_caption_shades(&info->caption, f);
    const char *const want[] = {local, referred};
    add_caption_missing(&info->caption, s, want, 2);
    *drawn = 1;
    return MK_OK;
}

static mk_status collect_meas(const mk_run_result *r, const fig_spec *f, fig_panel *p, mk_meas_kind kind,
                              const char **unit, mk_error *err)
{
    int n = 0;
    for (int i = 0; i < r->n_meas; i++)
        if (r->meas[i].spec && r->meas[i].spec->kind == kind) n++;
    if (n == 0) return MK_OK;
    p->px = mk_malloc((size_t)n * sizeof *p->px);
    p->py = mk_malloc((size_t)n * sizeof *p->py);
    if (!p->px || !p->py) {
        /* the panel is not counted yet, so free_spec would not free these */
        free(p->px);
        free(p->py);
        p->px = p->py = NULL;
        return mk_fail(err, MK_ERR_NOMEM, "out of memory for the measurement figure");
    }
    for (int i = 0; i < r->n_meas; i++)
        if (r->meas[i].spec && r->meas[i].spec->kind == kind) {
            if (p->n_pts == 0 && unit) *unit = r->meas[i].unit;
            p->px[p->n_pts] = r->meas[i].t_s / f->tu.seconds;
            p->py[p->n_pts] = r->meas[i].value;
            p->n_pts++;
        }
    return MK_OK;
}

static mk_status fig_band(const mk_run_result *r, fig_spec *f, mk_figure_info *info, int *drawn, mk_error *err)
{
    const mk_series *s = &r->series;
    *drawn = 0;
    const char *stiffness = sym(r, MK_L_BAND_STIFFNESS);
    int cs = s->n_rows > 0 ? mk_series_find(s, stiffness) : -1;
    int n_ppt = 0, n_stiff = 0;
    for (int i = 0; i < r->n_meas; i++) {
        if (!r->meas[i].spec) continue;
        n_ppt += r->meas[i].spec->kind == MK_MEAS_PPT;
        n_stiff += r->meas[i].spec->kind == MK_MEAS_STIFFNESS;
    }
    if (cs < 0 && n_ppt == 0 && n_stiff == 0) return MK_OK;
    mk_status rc = spec_init(f, r, 1500, 1150, err);
    if (rc) return rc;

    char d1[200] = "", d2[200] = "";
    char plain[256] = "";
    if (cs >= 0 || n_stiff > 0) {
        fig_panel *p = &f->panel[f->n_panels];
        add_line(f, p, s, stiffness, "model", MK_PC_BLACK, 1);
        const char *mu = NULL;
        if ((rc = collect_meas(r, f, p, MK_MEAS_STIFFNESS, &mu, err))) return rc;
        p->pt_color = MK_PC_VERMILLION;
        p->legend = p->n_pts > 0;
        snprintf(p->pt_label, sizeof p->pt_label, "palpated (measurement)");
        set_ylabel(p, "Taut-band stiffness", s, cs, mu ? mu : "kPa");
        if (cs >= 0) {
            col_stats st = stats_of(s->t_s, s->values + cs, s->n_rows, s->n_cols);
            char d[160];
            describe(d, sizeof d, &st, s->units[cs], f->tu);
            snprintf(d1, sizeof d1, "Taut-band stiffness %s", d);
        }
        snprintf(plain, sizeof plain, "%c, shear modulus of the taut band%s", 'A' + f->n_panels,
                 n_stiff ? " (line: model; dots: measurements)" : "");
        f->n_panels++;
    }
    if (n_ppt > 0) {
        fig_panel *p = &f->panel[f->n_panels];
        const char *mu = "kPa";
        if ((rc = collect_meas(r, f, p, MK_MEAS_PPT, &mu, err))) return rc;
        p->pt_color = MK_PC_BLUE;
        p->pt_connect = 1;
        snprintf(p->pt_label, sizeof p->pt_label, "algometer");
        set_ylabel(p, "PPT", s, -1, mu);
        if (!strcmp(mu, "kPa")) p->min_span = PPT_MDC_KPA;
        col_stats st = stats_of(p->px, p->py, p->n_pts, 1);
        char d[160], a[32], b[32];
        if (st.n == 1)
            snprintf(d2, sizeof d2, "PPT %s %s at %s %s", fmt_num(st.first, a, sizeof a), mu,
                     fmt_num(st.t_min, b, sizeof b), f->tu.name);
        else if (st.n > 1) {
            st.t_min *= f->tu.seconds; /* describe() wants seconds */
            st.t_max *= f->tu.seconds;
            describe(d, sizeof d, &st, mu, f->tu);
            snprintf(d2, sizeof d2, "PPT %s", d);
        } else
            snprintf(d2, sizeof d2, "no PPT threshold found");
        size_t l = strlen(plain);
        snprintf(plain + l, sizeof plain - l, "%s%c, pressure pain threshold measured by algometer ramp",
                 l ? "; " : "", 'A' + f->n_panels);
        f->n_panels++;
    }
    if (d1[0] && d2[0]) mk_buf_printf(&info->title, "%s; %s", d1, d2);
    else mk_buf_printf(&info->title, "%s", d1[0] ? d1 : d2);
    set_title(f, mk_figure_text(&info->title));
    snprintf(info->file, sizeof info->file, "fig3_band_ppt.png");
    mk_buf_printf(&info->caption,
             "%s.%s A lower pressure pain threshold (PPT) means a more sensitive spot.", plain,
             n_ppt ? " Dots are single measurements at the times the scenario set; the dashed line only joins them." : "");
    add_caption_shades(&info->caption, f);
    *drawn = 1;
    return MK_OK;
}

/* ---------------------------------------------------------------- the body map */

/* pain per anatomy region at row `row` (0 where the run has no column for a region) */
static void region_pain_at(const mk_series *s, const mk_anatomy *a, int row, double *pain)
{
    for (int k = 0; k < mk_anatomy_region_count(a); k++) pain[k] = 0;
    for (int c = 0; c < s->n_cols; c++) {
        if (strncmp(s->names[c], "pain.region.", 12) != 0) continue;
        int k = mk_anatomy_region_index(a, s->names[c] + 12);
        if (k >= 0) pain[k] = s->values[(size_t)row * s->n_cols + c];
    }
}

/* 1 if the region column c is one of the site's local regions */
static int is_local_col(const mk_series *s, int c, const char *locals)
{
    const char *id = s->names[c] + 12;
    size_t n = strlen(id);
    for (const char *p = locals; *p;) {
        const char *e = strchr(p, ';');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, id, n)) return 1;
        p = e ? e + 1 : p + len;
    }
    return 0;
}

/* the row where referred pain (the highest remote region) peaks, its value and region column */
static int referred_peak(const mk_series *s, const char *locals, double *peak, int *col)
{
    int best = -1;
    *peak = 0, *col = -1;
    for (int row = 0; row < s->n_rows; row++)
        for (int c = 0; c < s->n_cols; c++) {
            if (strncmp(s->names[c], "pain.region.", 12) != 0 || is_local_col(s, c, locals)) continue;
            double v = s->values[(size_t)row * s->n_cols + c];
            if (isfinite(v) && v > *peak) *peak = v, *col = c, best = row;
        }
    return best;
}

typedef struct bodymap_job {
    mk_anatomy *anat;
    double *pain;        /* two maps of region values */
    char locals[2048];   /* every site's local regions, ';'-separated (none of them is referral) */
    mk_buf sites;        /* the sites in words: "the upper trapezius (right) and the ..." */
    int n_sites;
    mk_buf title;        /* bm.title's text */
    mk_bodymap bm;
} bodymap_job;

static void bodymap_job_free(bodymap_job *j)
{
    mk_buf_free(&j->title);
    mk_buf_free(&j->sites);
    if (j->anat) mk_anatomy_free(j->anat);
    free(j->pain);
}

static void append(char *dst, size_t size, const char *sep, const char *s)
{
    size_t n = strlen(dst);
    if (n < size) snprintf(dst + n, size - n, "%s%s", n && s[0] ? sep : "", s);
}

/* Every trigger point of the run (the scenario's sites:, else its site:): the union of their
 * local regions, one marker group each in bm.trp_regions ('|' between them), their names. */
static mk_status bodymap_sites(const mk_protocol *p, bodymap_job *j, mk_error *err)
{
    int n = p->n_sites > 0 ? p->n_sites : 1;
    mk_status rc = MK_OK;
    for (int k = 0; !rc && k < n; k++) {
        const char *muscle = p->n_sites > 0 ? p->sites[k].muscle : p->muscle;
        char side = (p->n_sites > 0 ? p->sites[k].side[0] : p->side[0]) == 'l' ? 'l' : 'r';
        mk_referral *ref = NULL;
        if ((rc = mk_referral_new(j->anat, muscle, side, &ref, err))) break;
        const char *locals = mk_referral_local_regions(ref);
        append(j->locals, sizeof j->locals, ";", locals);
        if (k > 0) append(j->bm.trp_regions, sizeof j->bm.trp_regions, "", "|");
        append(j->bm.trp_regions, sizeof j->bm.trp_regions, "", locals);
        mk_referral_free(ref);
        char id[64], name[128];
        snprintf(id, sizeof id, "%.48s_%c", muscle, side);
        mk_pretty_region(id, name, sizeof name);
        mk_buf_printf(&j->sites, "%s%s", k == 0 ? "" : k == n - 1 ? " and the " : ", the ", name);
    }
    j->n_sites = n;
    if (!rc && j->sites.failed) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory for the body map");
    return rc;
}

/* count the remote regions at row with pain >= 0.5/10 (the "referred" threshold) */
static int n_referred_at(const mk_series *s, const char *locals, int row)
{
    int n = 0;
    for (int c = 0; c < s->n_cols; c++)
        if (!strncmp(s->names[c], "pain.region.", 12) && !is_local_col(s, c, locals) &&
            s->values[(size_t)row * s->n_cols + c] >= 0.5)
            n++;
    return n;
}

static void bodymap_words(const mk_run_result *r, bodymap_job *j, int peak_row, double peak, int peak_col,
                          mk_figure_info *info)
{
    const mk_series *s = &r->series;
    const char *locals = j->locals;
    int last = s->n_rows - 1;
    double t_end = s->t_s[last];
    char a[32], b[32], reg[96], site[160];
    /* three sites or fewer by name in the title; more are listed in the caption */
    if (j->n_sites <= 3) snprintf(site, sizeof site, "%s %s", j->n_sites > 1 ? "Trigger points in the" : "Trigger point in the",
                                  j->sites.data ? j->sites.data : "");
    else snprintf(site, sizeof site, "%d trigger points (listed below)", j->n_sites);
    const char *brk = j->n_sites > 1 ? ":\n" : ": "; /* several names fill the first line */
    double end_max = 0;
    for (int c = 0; c < s->n_cols; c++)
        if (!strncmp(s->names[c], "pain.region.", 12) && !is_local_col(s, c, locals))
            end_max = fmax(end_max, s->values[(size_t)last * s->n_cols + c]);
    if (peak_col >= 0 && peak >= 0.05) {
        mk_pretty_region(s->names[peak_col] + 12, reg, sizeof reg);
        int n = n_referred_at(s, locals, peak_row);
        char endw[64];
        if (end_max < 0.05) snprintf(endw, sizeof endw, "gone by the end");
        else snprintf(endw, sizeof endw, "%.1f/10 at most by the end", end_max);
        mk_buf_printf(&j->title, "%s%sreferred pain peaks at %.1f/10 in the %s at %s,%s"
                      "%d region%s at 0.5/10 or more; %s",
                      site, brk, peak, reg, mk_format_duration(s->t_s[peak_row] - s->t_s[0], b, sizeof b),
                      j->n_sites > 1 ? " " : "\n", n, n == 1 ? "" : "s", endw);
    } else {
        int cl = mk_series_find(s, sym(r, MK_L_PAIN_LOCAL));
        double local = cl >= 0 ? s->values[(size_t)peak_row * s->n_cols + cl] : NAN;
        mk_buf_printf(&j->title, "%s%sno referred pain (below 0.05/10); the pain stays at the site%s%s", site, brk,
                      j->n_sites > 1 ? "s" : "",
                      isfinite(local) ? (snprintf(reg, sizeof reg, " and peaks at %.1f/10%s", local,
                                                  j->n_sites > 1 ? " at the first" : ""), reg) : "");
    }
    snprintf(info->file, sizeof info->file, "body_map.png");
    j->bm.title = mk_figure_text(&j->title);
    mk_buf_puts(&info->title, j->bm.title);
    for (char *q = info->title.data; q && *q; q++)
        if (*q == '\n') *q = ' ';
    mk_buf_printf(&info->caption,
             "Body maps, front and back (subject's right on the viewer's left from the front, on the right "
             "from the back): each body region (data/anatomy/body_regions.csv) is the part of the outline "
             "nearer to its centre than to any other's (measured inside the body), coloured by its pain on the "
             "0-10 NRS: light grey below 0.05/10, otherwise viridis from dark purple (low) to yellow (10). %s "
             "the %s (%s local regions; referred pain is counted outside them). A: %s; B: at the end of the run (t = %s).",
             j->n_sites > 1 ? "A circled cross marks each trigger point, in" : "The circled cross marks the trigger point, in",
             j->sites.data ? j->sites.data : "", j->n_sites > 1 ? "their" : "its",
             j->bm.map[0].heading + 3, mk_format_duration(t_end - s->t_s[0], a, sizeof a));
}

static mk_status fig_bodymap(const mk_run_result *r, const char *dir, mk_figure_info *info, int *drawn,
                             mk_error *err)
{
    const mk_series *s = &r->series;
    const mk_protocol *p = r->protocol;
    if (!p || !p->muscle[0] || s->n_rows == 0) return MK_OK;
    bodymap_job j;
    memset(&j, 0, sizeof j);
    mk_buf_init(&j.sites);
    mk_buf_init(&j.title);
    mk_status rc = mk_anatomy_load(&j.anat, err);
    if (!rc) rc = bodymap_sites(p, &j, err);
    int n_reg = rc ? 0 : mk_anatomy_region_count(j.anat);
    if (!rc && !(j.pain = mk_calloc(2 * (size_t)n_reg + 1, sizeof *j.pain)))
        rc = mk_fail(err, MK_ERR_NOMEM, "out of memory for the body map");
    if (rc) {
        bodymap_job_free(&j);
        return rc;
    }
    const char *locals = j.locals;
    double peak;
    int peak_col, peak_row = referred_peak(s, locals, &peak, &peak_col), last = s->n_rows - 1;
    if (peak_row < 0 || peak < 0.05) { /* no referred pain: show the site at its worst */
        int cl = mk_series_find(s, sym(r, MK_L_PAIN_LOCAL));
        peak_row = last;
        for (int row = 0; cl >= 0 && row < s->n_rows; row++)
            if (s->values[(size_t)row * s->n_cols + cl] > s->values[(size_t)peak_row * s->n_cols + cl]) peak_row = row;
    }
    char a[32];
    region_pain_at(s, j.anat, peak_row, j.pain);
    region_pain_at(s, j.anat, last, j.pain + n_reg);
    j.bm.anat = j.anat;
    j.bm.n_maps = 2;
    j.bm.map[0].pain = j.pain;
    j.bm.map[1].pain = j.pain + n_reg;
    fit(j.bm.map[0].heading, sizeof j.bm.map[0].heading, "A  %s, t = %s",
        peak >= 0.05 ? "at peak referred pain" : "at peak local pain (no referred pain)",
        mk_format_duration(s->t_s[peak_row] - s->t_s[0], a, sizeof a));
    fit(j.bm.map[1].heading, sizeof j.bm.map[1].heading, "B  at the end, t = %s",
        mk_format_duration(s->t_s[last] - s->t_s[0], a, sizeof a));
    bodymap_words(r, &j, peak_row, peak, peak_col, info);
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, info->file) >= sizeof path)
        rc = mk_fail(err, MK_ERR_IO, "figure path too long under %s", dir);
    else rc = mk_bodymap_draw(&j.bm, path, err);
    if (!rc) *drawn = 1;
    bodymap_job_free(&j);
    return rc;
}

const char *mk_figure_text(const mk_buf *b) { return b->data && !b->failed ? b->data : ""; }

void mk_figure_set_free(mk_figure_set *set)
{
    if (!set) return;
    for (int i = 0; i < MK_FIGURES_MAX; i++) {
        mk_buf_free(&set->fig[i].title);
        mk_buf_free(&set->fig[i].caption);
    }
    set->n = 0;
}

mk_status mk_figures_write(const mk_run_result *r, const char *dir, mk_figure_set *out, mk_error *err)
{
    if (!r || !dir || !out) return mk_fail(err, MK_ERR_INVALID, "mk_figures_write: missing argument");
    memset(out, 0, sizeof *out);
    if (r->series.n_rows > 0 && (!r->series.t_s || !r->series.values || !r->series.names))
        return mk_fail(err, MK_ERR_INVALID, "mk_figures_write: malformed series");
    typedef mk_status (*fig_fn)(const mk_run_result *, fig_spec *, mk_figure_info *, int *, mk_error *);
    static const fig_fn figs[] = {fig_timecourses, fig_pain, fig_band, fig_mechanism};
    for (size_t i = 0; i < sizeof figs / sizeof *figs; i++) {
        fig_spec f;
        mk_figure_info *info = &out->fig[out->n];
        int drawn = 0;
        memset(&f, 0, sizeof f);
        mk_buf_free(&info->title); /* a figure not drawn may have begun its texts */
        mk_buf_free(&info->caption);
        mk_status rc = figs[i](r, &f, info, &drawn, err);
        if (rc == MK_OK && drawn) {
            char path[4096];
            int per_panel = f.n_panels == 1 ? 560 : f.n_panels == 2 ? 420 : 330;
            f.height = 170 + 115 + f.n_panels * per_panel + (f.n_panels - 1) * 34;
            if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, info->file) >= sizeof path)
                rc = mk_fail(err, MK_ERR_IO, "figure path too long under %s", dir);
            else rc = render(&f, path, err);
            if (rc == MK_OK) out->n++;
        }
        free_spec(&f);
        if (rc) return rc;
    }
    int drawn = 0;
    mk_figure_info *info = &out->fig[out->n];
    mk_buf_free(&info->title);
    mk_buf_free(&info->caption);
    mk_status rc = fig_bodymap(r, dir, info, &drawn, err);
    if (rc == MK_OK && drawn) out->n++;
    return rc;
}
