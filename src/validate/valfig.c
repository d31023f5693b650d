/*
 * valfig.c -- one small figure per validation target (PLplot, pngcairo), in the style of
 * src/report/figures.c: white background, open black axes with units, Okabe-Ito colours.
 *
 * Panel A (when the number comes from a curve): the model's time course, the window the
 * statistic used shaded grey and, when the statistic is in the curve's own terms (max, min,
 * at, a measurement), the accepted band shaded blue with the published value dashed.
 * Panel B: a number line with the published range, the accepted band, the published value
 * and the model's number (or, for an ordinal target, each item's value).
 *
 * The PLplot session (one lock for every module that draws, a stream of its own, the caller's
 * stream restored, PLplot's fatal errors as an mk_status) is mk_plot_draw() in report/plot.c.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <plplot.h>

#include "core/error.h"
#include "report/figures.h"
#include "report/plot.h"
#include "validate/validate.h"

/* the page's own colours after the shared palette (plot.h) */
enum { C_BAND = MK_PC_NBASE, C_PUB, C_WINDOW, C_NEXTRA = C_WINDOW + 1 - MK_PC_NBASE };
static const mk_plot_color extra_colors[C_NEXTRA] = {{86, 180, 233, 0.28}, {0, 0, 0, 0.12}, {120, 120, 120, 0.12}};

#define FIG_W 1200
#define FIG_H(r) ((r)->curve.n > 0 ? 820 : 430)

/* Panel A: the model's time course the number came from, the statistic's window and (when the
 * statistic is in the curve's terms) the accepted band with the published value. */
static void panel_curve(const mk_vresult *r, double left, double right, double *xs, double *ys)
{
    const int W = FIG_W, H = FIG_H(r);
    const double FS = MK_PLOT_FS;
    char t[700], e[1400];
    const mk_vcurve *c = &r->curve;
    double t0 = INFINITY, t1 = -INFINITY, lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < c->n; i++) {
        mk_plot_span(&t0, &t1, c->t_s[i]);
        mk_plot_span(&lo, &hi, c->v[i]);
    }
    if (c->band_applies) {
        mk_plot_span(&lo, &hi, r->acc_lo);
        mk_plot_span(&lo, &hi, r->acc_hi);
        mk_plot_span(&lo, &hi, r->pub_value);
    }
    if (!(t0 < t1)) {
        double mid = isfinite(t0) ? t0 : 0;
        t0 = mid - 60, t1 = mid + 60;
    }
    mk_time_unit tun = mk_time_unit_for_span(t1 - t0);
    double tu = tun.seconds;
    mk_plot_pad_range(&lo, &hi, 0.08, 0);
    double y0 = 420.0 / H, y1 = 1.0 - 110.0 / H;
    plvpor(left, right, y0, y1);
    plwind(t0 / tu, t1 / tu, lo, hi);
    double w0 = isnan(c->w0_s) ? t0 : c->w0_s, w1 = isnan(c->w1_s) ? t1 : c->w1_s;
    if (!isnan(c->w0_s) || !isnan(c->w1_s)) mk_plot_band(w0 / tu, w1 / tu, lo, hi, C_WINDOW);
    if (c->band_applies) {
        double a = isfinite(r->acc_lo) ? r->acc_lo : lo, b = isfinite(r->acc_hi) ? r->acc_hi : hi;
        mk_plot_band(t0 / tu, t1 / tu, a, b, C_BAND);
        if (isfinite(r->pub_value)) {
            PLFLT lx[2] = {t0 / tu, t1 / tu}, ly[2] = {r->pub_value, r->pub_value};
            mk_plot_dashed(2, lx, ly, MK_PC_BLACK, 1.4);
        }
    }
    plcol0(MK_PC_BLACK);
    plwidth(MK_PLOT_AXIS_W);
    plbox("bnsti", 0, 0, "bnstiv", 0, 0);
    snprintf(t, sizeof t, "Time (%s)", tun.name);
    plmtex("b", 3.2, 0.5, 0.5, t);
    char lab[200], cu[64];
    mk_plot_unit(c->unit, cu, sizeof cu);
    snprintf(lab, sizeof lab, "%s%s%s%s", c->label, cu[0] ? " (" : "", cu, cu[0] ? ")" : "");
    mk_plot_text(e, sizeof e, lab);
    plmtex("l", 5.4, 0.5, 0.5, e);
    for (int i = 0; i < c->n; i++) xs[i] = c->t_s[i] / tu, ys[i] = c->v[i];
    plcol0(MK_PC_BLUE);
    plwidth(MK_PLOT_LINE_W);
    if (c->n > 1 && strstr(c->label, "(measurements)") == NULL) plline(c->n, xs, ys);
    else {
        plschr(0.0, FS * 1.4);
        plstring(c->n, xs, ys, "\xe2\x97\x8f");
        plschr(0.0, FS);
    }
    mk_plot_letter("A", 25.0 / W, y1 - 10.0 / H, 1.0);
}

/* Panel B: a number line with the published range, the accepted band, the published value and
 * the model's number (or each item's value of an ordinal target). */
static void panel_number_line(const mk_vresult *r, double left, double right, double nl_bot, double nl_top)
{
    const int W = FIG_W, H = FIG_H(r);
    const double FS = MK_PLOT_FS;
    char us[64], t[700], e[1400];
    mk_plot_unit(r->unit, us, sizeof us);
    double lo = INFINITY, hi = -INFINITY;
    mk_plot_span(&lo, &hi, r->pub_value);
    mk_plot_span(&lo, &hi, r->pub_lo);
    mk_plot_span(&lo, &hi, r->pub_hi);
    mk_plot_span(&lo, &hi, r->acc_lo);
    mk_plot_span(&lo, &hi, r->acc_hi);
    mk_plot_span(&lo, &hi, r->model);
    for (int i = 0; i < r->n_items; i++) mk_plot_span(&lo, &hi, r->items[i]);
    mk_plot_pad_range(&lo, &hi, 0.08, 0);
    plvpor(left, right, nl_bot, nl_top);
    plwind(lo, hi, 0, 1);
    if (isfinite(r->acc_lo) || isfinite(r->acc_hi))
        mk_plot_band(isfinite(r->acc_lo) ? r->acc_lo : lo, isfinite(r->acc_hi) ? r->acc_hi : hi, 0.05, 0.95, C_BAND);
    if (isfinite(r->pub_lo)) mk_plot_band(r->pub_lo, r->pub_hi, 0.35, 0.65, C_PUB);
    if (isfinite(r->pub_value)) {
        PLFLT lx[2] = {r->pub_value, r->pub_value}, ly[2] = {0.05, 0.95};
        mk_plot_dashed(2, lx, ly, MK_PC_BLACK, 1.6);
    }
    plcol0(MK_PC_BLACK);
    plwidth(MK_PLOT_AXIS_W);
    plbox("bnsti", 0, 0, "b", 0, 0);
    snprintf(t, sizeof t, "%s%s%s%s", r->n_items ? "model items" : "value", us[0] ? " (" : "", us, us[0] ? ")" : "");
    mk_plot_text(e, sizeof e, t);
    plmtex("b", 3.2, 0.5, 0.5, e);
    plschr(0.0, FS * 1.6);
    if (r->n_items == 0 && isfinite(r->model)) {
        PLFLT px = r->model, py = 0.5;
        plcol0(MK_PC_VERMILLION);
        plstring(1, &px, &py, "\xe2\x97\x8f");
    }
    for (int i = 0; i < r->n_items; i++) {
        PLFLT px = r->items[i], py = 0.2 + 0.6 * (r->n_items > 1 ? (double)i / (r->n_items - 1) : 0.5);
        if (!isfinite(px)) continue;
        plcol0(MK_PC_VERMILLION);
        plstring(1, &px, &py, "\xe2\x97\x8f");
        plschr(0.0, FS * 0.9);
        plcol0(MK_PC_BLACK);
        mk_plot_text(e, sizeof e, r->item_labels[i]);
        plptex(px, py + 0.09, 1, 0, 0.5, e);
        plschr(0.0, FS * 1.6);
    }
    plschr(0.0, FS * 0.9);
    plvpor(0, 1, 0, 1);
    plwind(0, 1, 0, 1);
    plcol0(MK_PC_BLACK);
    plptex(25.0 / W, nl_top + 18.0 / H, 1, 0, 0,
           r->n_items ? "B  model items (dots); required order in the title"
                      : "B  model (dot), published value (dashed), published range (dark), accepted band (blue)");
}

static void body(const void *ctx, double *xs, double *ys)
{
    const mk_vresult *r = ctx;
    const int W = FIG_W, H = FIG_H(r);
    const double FS = MK_PLOT_FS;
    char t[700], e[1400];

    /* title */
    plvpor(0, 1, 0, 1);
    plwind(0, 1, 0, 1);
    plcol0(MK_PC_BLACK);
    plschr(0.0, FS * 1.15);
    snprintf(t, sizeof t, "%s: model %s, published %s (%s)", r->name, r->model_text, r->published, mk_verdict_name(r->verdict));
    mk_plot_text(e, sizeof e, t);
    plptex(25.0 / W, 1.0 - 45.0 / H, 1.0, 0.0, 0.0, e);
    plschr(0.0, FS);

    const double left = 200.0 / W, right = 1.0 - 60.0 / W;
    double nl_top = r->curve.n > 0 ? 300.0 / H : 1.0 - 120.0 / H, nl_bot = 95.0 / H;
    if (r->curve.n > 0) panel_curve(r, left, right, xs, ys);
    panel_number_line(r, left, right, nl_bot, nl_top);
}

mk_status mk_vfigure_write(const mk_vresult *r, const char *path, mk_error *err)
{
    mk_plot_page page = {path, FIG_W, FIG_H(r), extra_colors, C_NEXTRA, (size_t)(r->curve.n > 0 ? r->curve.n : 1)};
    return mk_plot_draw(&page, body, r, err);
}
