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
 * PLplot has process-wide state and is not thread safe.  As in figures.c, every figure gets
 * a stream of its own under a lock, the caller's stream is restored, and PLplot's fatal
 * errors longjmp back as an mk_status instead of exiting.  The lock is private to this file:
 * do not draw run figures (mk_figures_write) and validation figures from two threads at once.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plplot.h>

#include "core/error.h"
#include "validate/validate.h"

enum { C_WHITE, C_BLACK, C_ORANGE, C_SKY, C_GREEN, C_YELLOW, C_BLUE, C_VERMILLION, C_PURPLE, C_GREY,
       C_BAND, C_PUB, C_WINDOW, C_N };

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static jmp_buf g_jmp;
static char g_msg[512];
static int g_aborted;

static int on_exit_pl(PLCHAR_VECTOR msg)
{
    snprintf(g_msg, sizeof g_msg, "%s", msg ? msg : "fatal error");
    longjmp(g_jmp, 1);
    return 1;
}

static void on_abort_pl(PLCHAR_VECTOR msg)
{
    if (!g_aborted) snprintf(g_msg, sizeof g_msg, "%s", msg ? msg : "error");
    g_aborted = 1;
}

static int have_pngcairo(void)
{
    const char *menu[128], *names[128];
    int n = 128;
    const char **pm = menu, **pn = names;
    plgDevs(&pm, &pn, &n);
    for (int i = 0; i < n; i++)
        if (names[i] && !strcmp(names[i], "pngcairo")) return 1;
    return 0;
}

/* PLplot text: '#' is its escape character. */
static void esc(char *out, size_t size, const char *in)
{
    size_t o = 0;
    for (; *in && o + 2 < size; in++) {
        if (*in == '#') out[o++] = '#';
        out[o++] = *in;
    }
    out[o] = 0;
}

static const char *pretty_unit(const char *u)
{
    if (!u[0] || !strcmp(u, "1")) return "";
    return u;
}

static void hband(double x0, double x1, double y0, double y1, int color)
{
    PLFLT bx[4] = {x0, x1, x1, x0}, by[4] = {y0, y0, y1, y1};
    plcol0(color);
    plfill(4, bx, by);
}

static void span(double *lo, double *hi, double v)
{
    if (!isfinite(v)) return;
    if (v < *lo) *lo = v;
    if (v > *hi) *hi = v;
}

static void pad(double *lo, double *hi)
{
    if (!(*lo <= *hi)) *lo = 0, *hi = 1;
    double s = *hi - *lo, m = fmax(fabs(*lo), fabs(*hi));
    if (s <= 1e-12 * fmax(m, 1e-300)) {
        double p = m > 0 ? 0.1 * m : 1;
        *lo -= p, *hi += p;
    } else {
        *lo -= 0.08 * s, *hi += 0.08 * s;
    }
}

static void body(const mk_vresult *r, const char *path, double *xs, double *ys)
{
    static const PLINT R[C_N] = {255, 0, 230, 86, 0, 240, 0, 213, 204, 153, 86, 0, 120};
    static const PLINT G[C_N] = {255, 0, 159, 180, 158, 228, 114, 94, 121, 153, 180, 0, 120};
    static const PLINT B[C_N] = {255, 0, 0, 233, 115, 66, 178, 0, 167, 153, 233, 0, 120};
    static const PLFLT A[C_N] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.28, 0.12, 0.12};
    const int W = 1200, H = r->curve.n > 0 ? 820 : 430;
    plsdev("pngcairo");
    plsfnam(path);
    plspage(150.0, 150.0, W, H, 0, 0);
    plscmap0a(R, G, B, A, C_N);
    plsfont(PL_FCI_SANS, PL_FCI_UPRIGHT, PL_FCI_MEDIUM);
    plinit();
    pladv(0);
    const double FS = 0.62;
    plschr(0.0, FS);
    plsmaj(0.0, 0.9);
    plsmin(0.0, 0.5);
    const char *us = pretty_unit(r->unit);
    char t[700], e[1400];

    /* title */
    plvpor(0, 1, 0, 1);
    plwind(0, 1, 0, 1);
    plcol0(C_BLACK);
    plschr(0.0, FS * 1.15);
    snprintf(t, sizeof t, "%s: model %s, published %s (%s)", r->name, r->model_text, r->published, mk_verdict_name(r->verdict));
    esc(e, sizeof e, t);
    plptex(25.0 / W, 1.0 - 45.0 / H, 1.0, 0.0, 0.0, e);
    plschr(0.0, FS);

    const double left = 200.0 / W, right = 1.0 - 60.0 / W;
    double nl_top = r->curve.n > 0 ? 300.0 / H : 1.0 - 120.0 / H, nl_bot = 95.0 / H;

    /* A: the curve */
    if (r->curve.n > 0) {
        const mk_vcurve *c = &r->curve;
        double t0 = INFINITY, t1 = -INFINITY, lo = INFINITY, hi = -INFINITY;
        for (int i = 0; i < c->n; i++) {
            span(&t0, &t1, c->t_s[i]);
            span(&lo, &hi, c->v[i]);
        }
        if (c->band_applies) {
            span(&lo, &hi, r->acc_lo);
            span(&lo, &hi, r->acc_hi);
            span(&lo, &hi, r->pub_value);
        }
        if (!(t0 < t1)) {
            double mid = isfinite(t0) ? t0 : 0;
            t0 = mid - 60, t1 = mid + 60;
        }
        double span_s = t1 - t0, tu = span_s <= 180 ? 1 : span_s <= 3 * 3600 ? 60 : span_s <= 3 * 86400 ? 3600 : 86400;
        const char *tun = tu == 1 ? "s" : tu == 60 ? "min" : tu == 3600 ? "h" : "d";
        pad(&lo, &hi);
        double y0 = 420.0 / H, y1 = 1.0 - 110.0 / H;
        plvpor(left, right, y0, y1);
        plwind(t0 / tu, t1 / tu, lo, hi);
        double w0 = isnan(c->w0_s) ? t0 : c->w0_s, w1 = isnan(c->w1_s) ? t1 : c->w1_s;
        if (!isnan(c->w0_s) || !isnan(c->w1_s)) hband(w0 / tu, w1 / tu, lo, hi, C_WINDOW);
        if (c->band_applies) {
            double a = isfinite(r->acc_lo) ? r->acc_lo : lo, b = isfinite(r->acc_hi) ? r->acc_hi : hi;
            hband(t0 / tu, t1 / tu, a, b, C_BAND);
            if (isfinite(r->pub_value)) {
                PLFLT lx[2] = {t0 / tu, t1 / tu}, ly[2] = {r->pub_value, r->pub_value};
                plcol0(C_BLACK);
                pllsty(2);
                plwidth(1.4);
                plline(2, lx, ly);
                pllsty(1);
            }
        }
        plcol0(C_BLACK);
        plwidth(1.4);
        plbox("bnsti", 0, 0, "bnstiv", 0, 0);
        snprintf(t, sizeof t, "Time (%s)", tun);
        plmtex("b", 3.2, 0.5, 0.5, t);
        char lab[200];
        snprintf(lab, sizeof lab, "%s%s%s%s", c->label, pretty_unit(c->unit)[0] ? " (" : "", pretty_unit(c->unit),
                 pretty_unit(c->unit)[0] ? ")" : "");
        esc(e, sizeof e, lab);
        plmtex("l", 5.4, 0.5, 0.5, e);
        for (int i = 0; i < c->n; i++) xs[i] = c->t_s[i] / tu, ys[i] = c->v[i];
        plcol0(C_BLUE);
        plwidth(2.4);
        if (c->n > 1 && strstr(c->label, "(measurements)") == NULL) plline(c->n, xs, ys);
        else {
            plschr(0.0, FS * 1.4);
            plstring(c->n, xs, ys, "\xe2\x97\x8f");
            plschr(0.0, FS);
        }
        plvpor(0, 1, 0, 1);
        plwind(0, 1, 0, 1);
        plcol0(C_BLACK);
        plsfont(PL_FCI_SANS, PL_FCI_UPRIGHT, PL_FCI_BOLD);
        plptex(25.0 / W, y1 - 10.0 / H, 1, 0, 0, "A");
        plsfont(PL_FCI_SANS, PL_FCI_UPRIGHT, PL_FCI_MEDIUM);
    }

    /* B: the number line */
    double lo = INFINITY, hi = -INFINITY;
    span(&lo, &hi, r->pub_value);
    span(&lo, &hi, r->pub_lo);
    span(&lo, &hi, r->pub_hi);
    span(&lo, &hi, r->acc_lo);
    span(&lo, &hi, r->acc_hi);
    span(&lo, &hi, r->model);
    for (int i = 0; i < r->n_items; i++) span(&lo, &hi, r->items[i]);
    pad(&lo, &hi);
    plvpor(left, right, nl_bot, nl_top);
    plwind(lo, hi, 0, 1);
    if (isfinite(r->acc_lo) || isfinite(r->acc_hi))
        hband(isfinite(r->acc_lo) ? r->acc_lo : lo, isfinite(r->acc_hi) ? r->acc_hi : hi, 0.05, 0.95, C_BAND);
    if (isfinite(r->pub_lo)) hband(r->pub_lo, r->pub_hi, 0.35, 0.65, C_PUB);
    if (isfinite(r->pub_value)) {
        PLFLT lx[2] = {r->pub_value, r->pub_value}, ly[2] = {0.05, 0.95};
        plcol0(C_BLACK);
        pllsty(2);
        plwidth(1.6);
        plline(2, lx, ly);
        pllsty(1);
    }
    plcol0(C_BLACK);
    plwidth(1.4);
    plbox("bnsti", 0, 0, "b", 0, 0);
    snprintf(t, sizeof t, "%s%s%s%s", r->n_items ? "model items" : "value", us[0] ? " (" : "", us, us[0] ? ")" : "");
    esc(e, sizeof e, t);
    plmtex("b", 3.2, 0.5, 0.5, e);
    plschr(0.0, FS * 1.6);
    if (r->n_items == 0 && isfinite(r->model)) {
        PLFLT px = r->model, py = 0.5;
        plcol0(C_VERMILLION);
        plstring(1, &px, &py, "\xe2\x97\x8f");
    }
    for (int i = 0; i < r->n_items; i++) {
        PLFLT px = r->items[i], py = 0.2 + 0.6 * (r->n_items > 1 ? (double)i / (r->n_items - 1) : 0.5);
        if (!isfinite(px)) continue;
        plcol0(C_VERMILLION);
        plstring(1, &px, &py, "\xe2\x97\x8f");
        plschr(0.0, FS * 0.9);
        plcol0(C_BLACK);
        esc(e, sizeof e, r->item_labels[i]);
        plptex(px, py + 0.09, 1, 0, 0.5, e);
        plschr(0.0, FS * 1.6);
    }
    plschr(0.0, FS * 0.9);
    plvpor(0, 1, 0, 1);
    plwind(0, 1, 0, 1);
    plcol0(C_BLACK);
    plptex(25.0 / W, nl_top + 18.0 / H, 1, 0, 0,
           r->n_items ? "B  model items (dots); required order in the title"
                      : "B  model (dot), published value (dashed), published range (dark), accepted band (blue)");
}

mk_status mk_vfigure_write(const mk_vresult *r, const char *path, mk_error *err)
{
    FILE *probe = fopen(path, "wb");
    if (!probe) return mk_fail(err, MK_ERR_IO, "cannot write figure %s: %s", path, strerror(errno));
    fclose(probe);
    size_t n = (size_t)(r->curve.n > 0 ? r->curve.n : 1);
    double *xs = malloc(n * sizeof *xs), *ys = malloc(n * sizeof *ys);
    if (!xs || !ys) {
        free(xs);
        free(ys);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory drawing %s", path);
    }
    mk_status rc = MK_OK;
    pthread_mutex_lock(&g_lock);
    if (!have_pngcairo()) {
        rc = mk_fail(err, MK_ERR_IO, "cannot draw %s: PLplot's pngcairo device is not available (install the Debian "
                                     "package plplot-driver-cairo)", path);
    } else {
        PLINT old = 0, strm = -1;
        plgstrm(&old);
        g_msg[0] = 0;
        g_aborted = 0;
        plsabort(on_abort_pl);
        plmkstrm(&strm);
        if (strm < 0) {
            rc = mk_fail(err, MK_ERR_IO, "cannot draw %s: no free PLplot stream", path);
        } else if (setjmp(g_jmp) == 0) {
            plsexit(on_exit_pl);
            body(r, path, xs, ys);
            plend1();
            if (g_aborted) rc = mk_fail(err, MK_ERR_IO, "PLplot failed drawing %s: %s", path, g_msg);
        } else {
            static int cleaning;
            if (!cleaning) {
                cleaning = 1;
                if (setjmp(g_jmp) == 0) plend1();
            }
            cleaning = 0;
            rc = mk_fail(err, MK_ERR_IO, "PLplot failed drawing %s: %s", path, g_msg);
        }
        plsexit(NULL);
        plsabort(NULL);
        plsstrm(old);
    }
    pthread_mutex_unlock(&g_lock);
    free(xs);
    free(ys);
    return rc;
}
