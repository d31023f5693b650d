/*
 * forecast_plot.c -- the forecast's figure (mk_forecast_write_figure, docs/fit.md): per
 * quantity, the 5-95 % band over the draws, their median and the plain run, against time.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <plplot.h>

#include "myoknot.h"
#include "core/error.h"
#include "report/plot.h"

#define FC_W 1500
#define FC_PANEL_H 520
#define FC_MAX_PANELS 4

typedef struct fc_plot {
    const mk_forecast *f;
    const char *title;
    char group[FC_MAX_PANELS][32];  /* the unit of each panel */
    char name[FC_MAX_PANELS][96];   /* what its measurements have in common ("PPT") */
    int n_groups;
    double t_scale;                /* seconds per unit of the time axis */
    const char *t_unit;
} fc_plot;

/* A label without a trailing " k/n" (a repeated measurement's number). */
static void group_name(const char *label, char *out, size_t size)
{
    snprintf(out, size, "%s", label);
    char *sp = strrchr(out, ' ');
    int k, n;
    char tail;
    if (sp && sscanf(sp + 1, "%d/%d%c", &k, &n, &tail) == 2) *sp = 0;
}

static int row_in(const fc_plot *c, int g, int i) { return !strcmp(c->f->rows[i].unit, c->group[g]); }

/* The common start of a and b, cut back to a whole word. */
static void common_name(char *a, const char *b)
{
    size_t n = 0;
    while (a[n] && a[n] == b[n]) n++;
    if (a[n] || (b[n] && b[n] != ' '))
        while (n > 0 && a[n - 1] != ' ') n--;
    while (n > 0 && a[n - 1] == ' ') n--;
    a[n] = 0;
}

static void panel(const fc_plot *c, int g, double y0, double y1, double *xs, double *ys)
{
    const mk_forecast *f = c->f;
    const double W = FC_W;
    double tlo = INFINITY, thi = -INFINITY, lo = INFINITY, hi = -INFINITY;
    int n = 0;
    const char *unit = "";
    for (int i = 0; i < f->n_rows; i++) {
        if (!row_in(c, g, i)) continue;
        const mk_forecast_row *r = &f->rows[i];
        mk_plot_span(&tlo, &thi, r->t_s / c->t_scale);
        mk_plot_span(&lo, &hi, r->p5), mk_plot_span(&lo, &hi, r->p95), mk_plot_span(&lo, &hi, r->plain);
        unit = r->unit;
        n++;
    }
    mk_plot_pad_range(&lo, &hi, 0.08, 0);
    tlo = 0; /* the scenario's start: where in its course the measurements are */
    if (!(thi > tlo)) thi = 1;
    double pad = 0.04 * (thi - tlo);
    plvpor(230 / W, 1.0 - 330 / W, y0, y1);
    plwind(tlo - pad, thi + pad, lo, hi);
    /* the band: a polygon along p95 and back along p5 */
    int m = 0;
    for (int i = 0; i < f->n_rows; i++)
        if (row_in(c, g, i) && isfinite(f->rows[i].p95)) xs[m] = f->rows[i].t_s / c->t_scale, ys[m] = f->rows[i].p95, m++;
    for (int i = f->n_rows - 1; i >= 0; i--)
        if (row_in(c, g, i) && isfinite(f->rows[i].p5)) xs[m] = f->rows[i].t_s / c->t_scale, ys[m] = f->rows[i].p5, m++;
    plcol0(MK_PC_NBASE);
    if (m >= 3) plfill(m, xs, ys);
    /* each time's interval as a bar, visible even where the band is one point wide */
    plcol0(MK_PC_BLUE);
    plwidth(MK_PLOT_AXIS_W);
    for (int i = 0; i < f->n_rows; i++)
        if (row_in(c, g, i) && isfinite(f->rows[i].p5)) {
            PLFLT bx[2] = {f->rows[i].t_s / c->t_scale, f->rows[i].t_s / c->t_scale}, by[2] = {f->rows[i].p5, f->rows[i].p95};
            plline(2, bx, by);
        }
    m = 0;
    for (int i = 0; i < f->n_rows; i++)
        if (row_in(c, g, i) && isfinite(f->rows[i].median)) xs[m] = f->rows[i].t_s / c->t_scale, ys[m] = f->rows[i].median, m++;
    plwidth(MK_PLOT_LINE_W);
    if (m > 1) plline(m, xs, ys);
    if (m) plstring(m, xs, ys, "\xe2\x80\xa2");
    m = 0;
    for (int i = 0; i < f->n_rows; i++)
        if (row_in(c, g, i) && isfinite(f->rows[i].plain)) xs[m] = f->rows[i].t_s / c->t_scale, ys[m] = f->rows[i].plain, m++;
    if (m > 1) mk_plot_dashed(m, xs, ys, MK_PC_VERMILLION, MK_PLOT_LINE_W);
    plcol0(MK_PC_VERMILLION);
    if (m) plstring(m, xs, ys, "\xc3\x97");
    plcol0(MK_PC_BLACK);
    plwidth(MK_PLOT_AXIS_W);
    plbox("bcnst", 0.0, 0, "bcnstv", 0.0, 0);
    char ub[64], label[256], esc[512];
    mk_plot_unit(unit, ub, sizeof ub);
    snprintf(label, sizeof label, "%s%s%s%s", c->name[g][0] ? c->name[g] : "measured", ub[0] ? " [" : " [1", ub, "]");
    mk_plot_text(esc, sizeof esc, label);
    plmtex("l", 6.0, 0.5, 0.5, esc);
    snprintf(label, sizeof label, "time [%s]", c->t_unit);
    plmtex("b", 3.2, 0.5, 0.5, label);
    (void)n;
}

static void legend(double y1)
{
    const double W = FC_W;
    plvpor(1.0 - 310 / W, 1.0, y1 - 0.25, y1);
    plwind(0, 1, 0, 1);
    mk_plot_band(0.02, 0.15, 0.78, 0.90, MK_PC_NBASE);
    PLFLT lx[2] = {0.02, 0.15}, ly[2] = {0.6, 0.6}, dy[2] = {0.4, 0.4};
    plcol0(MK_PC_BLUE);
    plwidth(MK_PLOT_LINE_W);
    plline(2, lx, ly);
    mk_plot_dashed(2, lx, dy, MK_PC_VERMILLION, MK_PLOT_LINE_W);
    plcol0(MK_PC_BLACK);
    plptex(0.19, 0.84, 1, 0, 0, "5-95 % of draws");
    plptex(0.19, 0.60, 1, 0, 0, "median of draws");
    plptex(0.19, 0.40, 1, 0, 0, "fitted values");
}

static void draw(const void *ctx, double *xs, double *ys)
{
    const fc_plot *c = ctx;
    double H = FC_PANEL_H * c->n_groups + 200.0;
    char esc[512];
    mk_plot_text(esc, sizeof esc, c->title);
    mk_plot_title(esc, FC_W, H);
    double top = 1.0 - 160 / H, step = (top - 60 / H) / c->n_groups;
    for (int g = 0; g < c->n_groups; g++) {
        double y1 = top - g * step, y0 = y1 - step + 110 / H;
        panel(c, g, y0, y1, xs, ys);
        if (g == 0) legend(y1);
    }
}

mk_status mk_forecast_write_figure(const mk_forecast *f, const char *title, const char *path, mk_error *err)
{
    static const mk_plot_color shade = {0, 114, 178, 0.25}; /* Okabe-Ito blue, translucent */
    fc_plot c = {.f = f, .title = title};
    double t_end = 0;
    /* one panel per unit: a quantity measured at several visits shares its axis */
    for (int i = 0; i < f->n_rows; i++) {
        char name[96];
        group_name(f->rows[i].quantity, name, sizeof name);
        int g = 0;
        while (g < c.n_groups && strcmp(c.group[g], f->rows[i].unit)) g++;
        if (g < c.n_groups) common_name(c.name[g], name);
        else if (c.n_groups < FC_MAX_PANELS) {
            snprintf(c.group[g], sizeof c.group[0], "%s", f->rows[i].unit);
            snprintf(c.name[g], sizeof c.name[0], "%s", name);
            c.n_groups++;
        }
    }
    for (int i = 0; i < f->n_rows; i++)
        if (f->rows[i].t_s > t_end) t_end = f->rows[i].t_s;
    if (!c.n_groups) return mk_fail(err, MK_ERR_INVALID, "the forecast has no measurements to draw");
    c.t_scale = t_end > 2 * 86400 ? 86400 : t_end > 2 * 3600 ? 3600 : t_end > 120 ? 60 : 1;
    c.t_unit = t_end > 2 * 86400 ? "d" : t_end > 2 * 3600 ? "h" : t_end > 120 ? "min" : "s";
    mk_plot_page page = {path, FC_W, FC_PANEL_H * c.n_groups + 200, &shade, 1, 2 * (size_t)f->n_rows + 4};
    return mk_plot_draw(&page, draw, &c, err);
}
