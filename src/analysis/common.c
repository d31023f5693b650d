/*
 * common.c -- the kinds of the analyses' output folders and the figures of the analyses (see common.h).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <plplot.h>

#include "analysis/common.h"
#include "core/alloc.h"
#include "core/error.h"
#include "report/plot.h"

/* ---------------------------------------------------------------- output directory */

const mk_outdir_kind mk_outdir_kind_scan = {"an output of this analysis (no scan.csv)", "scan.csv", NULL};
const mk_outdir_kind mk_outdir_kind_sensitivity = {"an output of this analysis (no sensitivity.csv)",
                                                   "sensitivity.csv", NULL};

/* ---------------------------------------------------------------- figures (session: report/plot.c) */

#define LINE_W MK_PLOT_LINE_W
#define AXIS_W MK_PLOT_AXIS_W
#define FS MK_PLOT_FS
#define FIG_W 1500

/* the page's own colour after the shared palette: the translucent grey of a shaded range */
static const mk_plot_color shade_color = {153, 153, 153, 0.18};

static void draw_title(const char *title, double W, double H)
{
    char esc[512];
    mk_plot_text(esc, sizeof esc, title);
    size_t best = mk_plot_break_at(esc, 80);
    if (best) esc[best] = '\n';
    mk_plot_title(esc, W, H);
}

/* ---------------------------------------------------------------- curves against a swept value */

static void legend_entry(double y, double h, const mk_plot_curve *cv, int style, const char *text)
{
    (void)h;
    int color = cv->color;
    const char *glyph = cv->glyph;
    PLFLT lx[2] = {0.0, 0.13}, ly[2] = {y, y};
    plcol0(color);
    plwidth(LINE_W);
    if (style == MK_PLOT_DASHED) mk_plot_dashed(2, lx, ly, color, LINE_W);
    else if (style != MK_PLOT_MARKS) plline(2, lx, ly);
    plcol0(color);
    if (glyph) {
        PLFLT px = 0.065;
        plstring(1, &px, ly, glyph);
    }
    plcol0(MK_PC_BLACK);
    plptex(0.17, y, 1.0, 0.0, 0.0, text);
}

static int xy_height(const mk_plot_xy *f)
{
    int per = f->n_panels == 1 ? 560 : f->n_panels == 2 ? 420 : 300;
    return 170 + 115 + f->n_panels * per + (f->n_panels - 1) * 34;
}

/* The x range shared by every panel: all curves' finite x, padded by 3 %. */
static void xy_xrange(const mk_plot_xy *f, double *x0, double *x1)
{
    *x0 = INFINITY, *x1 = -INFINITY;
    for (int i = 0; i < f->n_panels; i++)
        for (int c = 0; c < f->panel[i].n_curves; c++)
            for (int k = 0; k < f->panel[i].curve[c].n; k++) mk_plot_span(x0, x1, f->panel[i].curve[c].x[k]);
    if (!(*x0 < *x1)) *x0 = isfinite(*x0) ? *x0 - 1 : 0, *x1 = isfinite(*x1) ? *x1 + 1 : 1;
    double pad = 0.03 * (*x1 - *x0);
    *x0 -= pad, *x1 += pad;
}

/* A panel's y range: its curves' finite y; a change below the panel's meaningful span is drawn
 * flat, not magnified. */
static void xy_yrange(const mk_plot_panel *p, double *lo, double *hi)
{
    *lo = INFINITY, *hi = -INFINITY;
    for (int c = 0; c < p->n_curves; c++)
        for (int k = 0; k < p->curve[c].n; k++) mk_plot_span(lo, hi, p->curve[c].y[k]);
    if (p->min_span > 0 && *hi >= *lo && *hi - *lo < p->min_span) {
        double mid = 0.5 * (*lo + *hi);
        int nonneg = *lo >= 0;
        *lo = mid - 0.5 * p->min_span, *hi = mid + 0.5 * p->min_span;
        if (nonneg && *lo < 0) *hi -= *lo, *lo = 0; /* a non-negative quantity stays above zero */
    }
    mk_plot_pad_range(lo, hi, 0.06, 1);
}

/* The shaded x interval, at least 0.4 % of the axis wide so that a moment stays visible. */
static void xy_shade(const mk_plot_xy *f, double x0, double x1, double lo, double hi)
{
    if (!f->shade || f->shade_x1 < f->shade_x0) return;
    double sa = fmax(f->shade_x0, x0), sb = fmin(f->shade_x1, x1);
    if (sb - sa < 0.004 * (x1 - x0)) {
        double m = 0.5 * (sa + sb);
        sa = m - 0.002 * (x1 - x0), sb = m + 0.002 * (x1 - x0);
    }
    mk_plot_band(sa, sb, lo, hi, MK_PC_SHADE);
}

/* The dashed vertical marks, labelled in the top panel only. */
static void xy_marks(const mk_plot_xy *f, int panel, double lo, double hi)
{
    for (int m = 0; m < f->n_marks; m++) {
        if (!isfinite(f->mark_x[m])) continue;
        PLFLT mx[2] = {f->mark_x[m], f->mark_x[m]}, my[2] = {lo, hi};
        mk_plot_dashed(2, mx, my, MK_PC_BLACK, 1.2);
        if (panel == 0) {
            char ml[128];
            mk_plot_text(ml, sizeof ml, f->mark_label[m]);
            plschr(0.0, FS * 0.85);
            plptex(f->mark_x[m], hi - 0.04 * (hi - lo) - 0.08 * m * (hi - lo), 1.0, 0.0, -0.04, ml);
            plschr(0.0, FS);
        }
    }
}

/* A panel's curves, each broken where a point is not finite (xs, ys: scratch of the longest). */
static void xy_curves(const mk_plot_panel *p, double *xs, double *ys)
{
    for (int c = 0; c < p->n_curves; c++) {
        const mk_plot_curve *cv = &p->curve[c];
        plcol0(cv->color);
        plwidth(LINE_W);
        int n = 0;
        for (int k = 0; k <= cv->n; k++) {
            int ok = k < cv->n && isfinite(cv->x[k]) && isfinite(cv->y[k]);
            if (ok) {
                xs[n] = cv->x[k], ys[n] = cv->y[k], n++;
                continue;
            }
            if (n > 1 && p->style[c] != MK_PLOT_MARKS) {
                if (p->style[c] == MK_PLOT_DASHED) mk_plot_dashed(n, xs, ys, cv->color, LINE_W);
                else plline(n, xs, ys);
            }
            if (cv->glyph && n > 0) plstring(n, xs, ys, cv->glyph);
            n = 0;
        }
    }
}

/* A panel's legend, right of it (viewport from x = left_edge to the page's right edge). */
static void xy_legend(const mk_plot_panel *p, double left_edge, double y0, double y1, double panel_px)
{
    if (p->n_curves <= 0) return;
    double dy = fmin(44.0 / panel_px, 0.95 / p->n_curves);
    plvpor(left_edge, 1.0, y0, y1);
    plwind(0, 1, 0, 1);
    plschr(0.0, FS * 0.95);
    double y = 1.0 - 0.6 * dy;
    for (int c = 0; c < p->n_curves; c++, y -= dy) {
        char lab[200];
        mk_plot_text(lab, sizeof lab, p->curve[c].label);
        legend_entry(y, dy, &p->curve[c], p->style[c], lab);
    }
    plschr(0.0, FS);
}

static void xy_draw(const void *ctx, double *xs, double *ys)
{
    const mk_plot_xy *f = ctx;
    const double W = FIG_W, H = xy_height(f);
    draw_title(f->title.data ? f->title.data : "", W, H);

    const double left = 230 / W, right = 1.0 - 400 / W, top = 1.0 - 170 / H, bottom = 115 / H, gap = 34 / H;
    double ph = (top - bottom - gap * (f->n_panels - 1)) / f->n_panels;
    double x0, x1;
    xy_xrange(f, &x0, &x1);

    for (int i = 0; i < f->n_panels; i++) {
        const mk_plot_panel *p = &f->panel[i];
        double y1 = top - i * (ph + gap), y0 = y1 - ph;
        double lo, hi;
        xy_yrange(p, &lo, &hi);
        if (f->n_panels > 1) {
            char letter[4] = {(char)('A' + i), 0, 0, 0};
            mk_plot_letter(letter, 30 / W, y1 - 12 / H, 1.25);
        }
        plvpor(left, right, y0, y1);
        plwind(x0, x1, lo, hi);
        xy_shade(f, x0, x1, lo, hi);
        plcol0(MK_PC_BLACK);
        plwidth(AXIS_W);
        int last = i == f->n_panels - 1;
        plbox(last ? "bnsti" : "bsti", 0.0, 0, "bnstiv", 0.0, 0);
        char yl[320];
        mk_plot_text(yl, sizeof yl, p->ylabel);
        if (strlen(yl) > 20) plschr(0.0, FS * 0.8); /* long units must fit the panel's height */
        plmtex("l", 5.6, 0.5, 0.5, yl);
        plschr(0.0, FS);
        xy_marks(f, i, lo, hi);
        xy_curves(p, xs, ys);
        xy_legend(p, right + 25 / W, y0, y1, ph * H);
    }
    char xl[320];
    mk_plot_text(xl, sizeof xl, f->xlabel);
    double y0 = top - (f->n_panels - 1) * (ph + gap) - ph;
    plvpor(left, right, y0, y0 + ph);
    plwind(0, 1, 0, 1);
    plcol0(MK_PC_BLACK);
    plmtex("b", 3.4, 0.5, 0.5, xl);
}

mk_status mk_plot_xy_write(const mk_plot_xy *f, const char *path, mk_error *err)
{
    if (!f || f->n_panels < 1 || f->n_panels > MK_PLOT_MAX_PANELS)
        return mk_fail(err, MK_ERR_INVALID, "mk_plot_xy_write: bad figure");
    size_t n = 1;
    for (int i = 0; i < f->n_panels; i++)
        for (int c = 0; c < f->panel[i].n_curves; c++)
            if ((size_t)f->panel[i].curve[c].n > n) n = (size_t)f->panel[i].curve[c].n;
    mk_plot_page page = {path, FIG_W, xy_height(f), &shade_color, 1, n + 1};
    return mk_plot_draw(&page, xy_draw, f, err);
}

/* ---------------------------------------------------------------- horizontal bars */

#define BAR_ROW 30.0

static int bars_height(const mk_plot_bars *f)
{
    int h = 170 + 60;
    for (int i = 0; i < f->n_panels; i++) h += 90 + (int)(BAR_ROW * (f->panel[i].n > 0 ? f->panel[i].n : 1)) + 50;
    return h;
}

/* the interval lo[k] .. hi[k] as a whisker with end caps at height y (nothing if absent) */
static void bar_whisker(const double *lo, const double *hi, int k, double y)
{
    if (!lo || !hi || !isfinite(lo[k]) || !isfinite(hi[k])) return;
    PLFLT wx[2] = {lo[k], hi[k]}, wy[2] = {y, y};
    plcol0(MK_PC_BLACK);
    plwidth(1.2);
    plline(2, wx, wy);
    for (int e = 0; e < 2; e++) {
        PLFLT cx[2] = {wx[e], wx[e]}, cy[2] = {y - 0.1, y + 0.1};
        plline(2, cx, cy);
    }
}

static void bars_draw(const void *ctx, double *xs, double *ys)
{
    (void)xs;
    (void)ys;
    const mk_plot_bars *f = ctx;
    const double W = FIG_W, H = bars_height(f);
    draw_title(f->title.data ? f->title.data : "", W, H);
    const double left = 420 / W, right = 1.0 - 260 / W;
    double ytop = H - 170; /* pixels from the bottom */
    for (int i = 0; i < f->n_panels; i++) {
        const mk_plot_bar_panel *p = &f->panel[i];
        int n = p->n > 0 ? p->n : 1;
        double hpx = BAR_ROW * n;
        double y1 = (ytop - 40) / H, y0 = (ytop - 40 - hpx) / H;
        ytop -= 90 + hpx + 50;
        double vmin = 0, vmax = 0;
        for (int k = 0; k < p->n; k++) {
            const double *all[6] = {p->value, p->second, p->value_lo, p->value_hi, p->second_lo, p->second_hi};
            for (int a = 0; a < 6; a++)
                if (all[a] && isfinite(all[a][k])) vmin = fmin(vmin, all[a][k]), vmax = fmax(vmax, all[a][k]);
        }
        if (!(vmax > 0)) vmax = 1;
        if (vmin < 0) vmin -= 0.03 * (vmax - vmin);
        plvpor(left, right, y0, y1);
        plwind(vmin, vmax * 1.05, 0, n);
        /* panel heading */
        char t[320];
        mk_plot_text(t, sizeof t, p->title);
        plcol0(MK_PC_BLACK);
        plsfont(PL_FCI_SANS, PL_FCI_UPRIGHT, PL_FCI_BOLD);
        plmtex("t", 1.2, 0.0, 0.0, t);
        plsfont(PL_FCI_SANS, PL_FCI_UPRIGHT, PL_FCI_MEDIUM);
        for (int k = 0; k < p->n; k++) {
            double yc = n - k - 0.5;
            double v = isfinite(p->value[k]) ? p->value[k] : 0;
            if (p->second_bar) { /* value above, second below, each with its interval */
                mk_plot_band(fmin(0, v), fmax(0, v), yc + 0.02, yc + 0.34, MK_PC_BLUE);
                bar_whisker(p->value_lo, p->value_hi, k, yc + 0.18);
                double s = p->second && isfinite(p->second[k]) ? p->second[k] : 0;
                mk_plot_band(fmin(0, s), fmax(0, s), yc - 0.34, yc - 0.02, MK_PC_VERMILLION);
                bar_whisker(p->second_lo, p->second_hi, k, yc - 0.18);
            } else {
                mk_plot_band(fmin(0, v), fmax(0, v), yc - 0.32, yc + 0.32, MK_PC_BLUE);
                bar_whisker(p->value_lo, p->value_hi, k, yc);
                if (p->second && isfinite(p->second[k])) {
                    PLFLT px = p->second[k], py = yc;
                    plcol0(MK_PC_VERMILLION);
                    plschr(0.0, FS * 1.3);
                    plstring(1, &px, &py, "\xe2\x97\x8f");
                    plschr(0.0, FS);
                }
            }
            char name[200];
            mk_plot_text(name, sizeof name, p->names[k]);
            plcol0(MK_PC_BLACK);
            plmtex("lv", 0.6, yc / n, 1.0, name); /* outside the axes: plptex would be clipped */
        }
        if (vmin < 0) { /* the zero line, when the axis starts below it */
            PLFLT zx[2] = {0, 0}, zy[2] = {0, n};
            plcol0(MK_PC_GREY);
            plwidth(1.0);
            plline(2, zx, zy);
        }
        plcol0(MK_PC_BLACK);
        plwidth(AXIS_W);
        plbox("bnsti", 0.0, 0, "b", 0.0, 0);
        if (i == 0) { /* legend at the right of the first panel */
            /* two rows of the bars' own height from the panel's top: the entries stay apart
             * however few rows the panel has */
            plvpor(right + 20 / W, 1.0, y1 - 2 * BAR_ROW / H, y1);
            char l[140];
            plwind(0, 1, 0, 2);
            double yc = 1.5;
            mk_plot_band(0.0, 0.13, yc - 0.16, yc + 0.16, MK_PC_BLUE);
            plcol0(MK_PC_BLACK);
            mk_plot_text(l, sizeof l, f->value_label);
            plptex(0.17, yc, 1.0, 0.0, 0.0, l);
            if (f->second_label[0]) {
                if (p->second_bar) mk_plot_band(0.0, 0.13, yc - 1.16, yc - 0.84, MK_PC_VERMILLION);
                else {
                    PLFLT px = 0.065, py = yc - 1;
                    plcol0(MK_PC_VERMILLION);
                    plstring(1, &px, &py, "\xe2\x97\x8f");
                }
                plcol0(MK_PC_BLACK);
                mk_plot_text(l, sizeof l, f->second_label);
                plptex(0.17, yc - 1, 1.0, 0.0, 0.0, l);
            }
        }
    }
}

mk_status mk_plot_bars_write(const mk_plot_bars *f, const char *path, mk_error *err)
{
    if (!f || f->n_panels < 1 || f->n_panels > MK_PLOT_MAX_PANELS)
        return mk_fail(err, MK_ERR_INVALID, "mk_plot_bars_write: bad figure");
    mk_plot_page page = {path, FIG_W, bars_height(f), &shade_color, 1, 2};
    return mk_plot_draw(&page, bars_draw, f, err);
}

void mk_csv_num(mk_buf *b, double v, int digits)
{
    if (isnan(v)) mk_buf_puts(b, ",");
    else mk_buf_printf(b, ",%.*g", digits, v);
}

int *mk_rank_column(const double *m, int k, int n_out, int o)
{
    int *idx = mk_calloc((size_t)k + 1, sizeof *idx);
    if (!idx) return NULL;
    for (int i = 0; i < k; i++) idx[i] = i;
    for (int a = 1; a < k; a++) {
        int v = idx[a], b = a - 1;
        double x = m[(size_t)v * (size_t)n_out + (size_t)o];
        if (isnan(x)) x = -INFINITY;
        while (b >= 0) {
            double w = m[(size_t)idx[b] * (size_t)n_out + (size_t)o];
            if (isnan(w)) w = -INFINITY;
            if (w >= x) break;
            idx[b + 1] = idx[b];
            b--;
        }
        idx[b + 1] = v;
    }
    return idx;
}

double mk_abi_point_value(const mk_model_abi *abi, const double *y, const double *v, const char *name,
                          const char **unit)
{
    int i = mk_abi_find(abi, MK_SYM_STATE, name);
    if (i >= 0) {
        if (unit) *unit = abi->states[i].unit;
        return y[i];
    }
    i = mk_abi_find(abi, MK_SYM_VAR, name);
    if (i >= 0) {
        if (unit) *unit = abi->vars[i].unit;
        return v[i];
    }
    if (unit) *unit = "";
    return NAN;
}
