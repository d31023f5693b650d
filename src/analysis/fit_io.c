/*
 * fit_io.c -- what myoknot fit reads and draws: the standardized residual of a calibration
 * target, a patient's measurements (CSV) and their residuals against a run, and the figure of
 * the objective's history (docs/fit.md).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plplot.h>

#include "analysis/common.h"
#include "analysis/fit.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/limits.h"
#include "core/text.h"
#include "protocol/results.h"
#include "validate/validate.h"

/* ---------------------------------------------------------------- a target's residual */

/* The scale of a one-sided or ordinal miss when the file states none: a tenth of the bound's
 * magnitude, or 0.1 (in the published unit) when the bound is zero. */
static double default_scale(double bound)
{
    double s = 0.1 * fabs(bound);
    return s > 0 ? s : 0.1;
}

static double half_range(const mk_vresult *r, int upper)
{
    if (isfinite(r->pub_lo) && isfinite(r->pub_hi) && isfinite(r->pub_value))
        return upper ? r->pub_hi - r->pub_value : r->pub_value - r->pub_lo;
    return NAN;
}

static double ordinal_residual(const mk_vresult *r, char *how, size_t hs)
{
    double mean = 0;
    for (int i = 0; i < r->n_items; i++) {
        if (!isfinite(r->items[i])) return NAN;
        mean += fabs(r->items[i]) / r->n_items;
    }
    double scale = r->min_step > 0 ? r->min_step : default_scale(mean), sum = 0;
    for (int i = 1; i < r->n_items; i++) {
        double step = r->direction > 0 ? r->items[i] - r->items[i - 1] : r->items[i - 1] - r->items[i];
        double miss = r->min_step - step;
        if (miss > 0) sum += (miss / scale) * (miss / scale);
    }
    if (how) snprintf(how, hs, "ordinal hinge, scale %.3g", scale);
    return sqrt(sum);
}

double mk_fit_target_residual(const mk_vresult *r, char *how, size_t hs)
{
    if (how && hs) how[0] = 0;
    if (r->verdict == MK_V_ERROR) return NAN;
    if (!strcmp(r->compare, "ordinal")) return ordinal_residual(r, how, hs);
    double m = r->model;
    if (!isfinite(m)) return NAN;
    if (!strcmp(r->compare, "within")) {
        int upper = m > r->pub_value;
        double s = half_range(r, upper);
        if (!(s > 0)) s = upper ? r->acc_hi - r->pub_value : r->pub_value - r->acc_lo;
        if (!(s > 0)) s = default_scale(r->pub_value);
        if (how) snprintf(how, hs, "(model - %.4g) / %.3g", r->pub_value, s);
        return (m - r->pub_value) / s;
    }
    int above = !strcmp(r->compare, "above");
    double bound = above ? r->acc_lo : r->acc_hi;
    double s = fabs(bound - r->pub_value); /* the stated slack */
    if (!(s > 0)) s = half_range(r, !above);
    if (!(s > 0)) s = default_scale(bound);
    double miss = above ? bound - m : m - bound;
    if (how) snprintf(how, hs, "%s hinge at %.4g, scale %.3g", above ? "above" : "below", bound, s);
    return miss > 0 ? miss / s : 0;
}

/* ---------------------------------------------------------------- a patient's measurements */

void mk_fit_data_free(mk_fit_data *d)
{
    if (!d) return;
    free(d->obs);
    memset(d, 0, sizeof *d);
}

/* Split one CSV line (no quoting) into at most max fields, trimmed; col[] are 1-based starts. */
static int split_fields(char *line, char **f, int *col, int max)
{
    int n = 0;
    char *s = line;
    for (;;) {
        char *e = strchr(s, ',');
        if (e) *e = 0;
        char *a = s;
        while (*a == ' ' || *a == '\t') a++;
        char *z = a + strlen(a);
        while (z > a && (z[-1] == ' ' || z[-1] == '\t' || z[-1] == '\r')) *--z = 0;
        if (n < max) f[n] = a, col[n] = (int)(a - line) + 1;
        n++;
        if (!e) break;
        s = e + 1;
    }
    return n;
}

static mk_status parse_number(const char *file, int line, int col, const char *what, const char *text, double *out,
                              mk_error *err)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (!*text || *end || errno || !isfinite(v))
        return mk_fail_at(err, MK_ERR_SYNTAX, file, line, col, "expected a finite number for '%s', found '%s'", what, text);
    *out = v;
    return MK_OK;
}

static mk_status data_row(const char *file, int ln, char **f, const int *col, mk_units *u, mk_fit_obs *o, mk_error *err)
{
    mk_error e = {0};
    double t;
    if (mk_units_convert_quantity(u, f[0], "s", &t, &e) || !isfinite(t) || t < 0)
        return mk_fail_at(err, MK_ERR_UNIT, file, ln, col[0],
                          "expected a time with its unit for 'time' (e.g. '14 d', '90 min'), found '%s'", f[0]);
    if (!f[1][0]) return mk_fail_at(err, MK_ERR_SYNTAX, file, ln, col[1], "empty 'variable'");
    if (strlen(f[1]) >= sizeof o->variable)
        return mk_fail_at(err, MK_ERR_SYNTAX, file, ln, col[1], "'variable' is longer than %zu characters", sizeof o->variable - 1);
    mk_status rc = parse_number(file, ln, col[2], "value", f[2], &o->value, err);
    if (!rc) rc = parse_number(file, ln, col[3], "sd", f[3], &o->sd, err);
    if (!rc && !(o->sd > 0))
        rc = mk_fail_at(err, MK_ERR_SYNTAX, file, ln, col[3], "'sd' must be positive (the measurement's standard deviation), found '%s'", f[3]);
    o->t_s = t;
    snprintf(o->variable, sizeof o->variable, "%s", f[1]);
    o->line = ln, o->col_var = col[1];
    return rc;
}

mk_status mk_fit_data_load_string(const char *file, const char *text, mk_units *u, mk_fit_data *out, mk_error *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->file, sizeof out->file, "%s", file);
    char *copy = mk_strdup(text ? text : "");
    if (!copy) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_status rc = MK_OK;
    int ln = 0, header = 0, header_line = 1, cap = 0;
    char *save = copy;
    for (char *line = copy; line && !rc; line = save) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        save = nl ? nl + 1 : NULL;
        ln++;
        char *p = line;
        while (*p == ' ' || *p == '\t' || *p == '\r') p++;
        if (!*p || *p == '#') continue;
        char *f[4];
        int col[4], end_col = (int)strlen(line) + 1; /* before split_fields cuts the line */
        int n = split_fields(line, f, col, 4);
        if (!header) {
            static const char *const want[4] = {"time", "variable", "value", "sd"};
            for (int i = 0; !rc && i < 4; i++)
                if (i >= n || strcmp(f[i], want[i]))
                    rc = mk_fail_at(err, MK_ERR_SYNTAX, file, ln, i < n ? col[i] : end_col,
                                    "expected the header 'time,variable,value,sd'; column %d should be '%s'", i + 1, want[i]);
            if (!rc && n != 4)
                rc = mk_fail_at(err, MK_ERR_SYNTAX, file, ln, 1, "expected 4 columns (time,variable,value,sd), found %d", n);
            header = 1, header_line = ln;
            continue;
        }
        if (n != 4) {
            rc = mk_fail_at(err, MK_ERR_SYNTAX, file, ln, n > 4 ? col[3] : end_col,
                            "expected 4 fields (time,variable,value,sd), found %d", n);
            break;
        }
        if (out->n == cap) {
            cap = cap ? 2 * cap : 16;
            mk_fit_obs *o = mk_realloc(out->obs, sizeof *o * (size_t)cap);
            if (!o) {
                rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
                break;
            }
            out->obs = o;
        }
        rc = data_row(file, ln, f, col, u, &out->obs[out->n], err);
        if (!rc) out->n++;
    }
    if (!rc && !header) rc = mk_fail_at(err, MK_ERR_SYNTAX, file, 1, 1, "empty file: expected the header 'time,variable,value,sd'");
    if (!rc && !out->n) rc = mk_fail_at(err, MK_ERR_SYNTAX, file, header_line, 1, "no measurements after the header");
    free(copy);
    if (rc) mk_fit_data_free(out);
    return rc;
}

mk_status mk_fit_data_load_file(const char *path, mk_units *u, mk_fit_data *out, mk_error *err)
{
    memset(out, 0, sizeof *out);
    static const mk_text_kind kind = {.what = "a measurement file", .max_len = MK_MAX_FIT_DATA_BYTES};
    char *text = NULL;
    mk_status rc = mk_read_text_file(path, &kind, &text, NULL, err);
    if (!rc) rc = mk_fit_data_load_string(path, text, u, out, err);
    free(text);
    return rc;
}

static double interpolate(const mk_series *s, int c, double t, int *ok)
{
    *ok = 0;
    if (s->n_rows < 1 || t < s->t_s[0] - 1e-9 || t > s->t_s[s->n_rows - 1] + 1e-9) return NAN;
    *ok = 1;
    int lo = 0, hi = s->n_rows - 1;
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (s->t_s[mid] <= t) lo = mid;
        else hi = mid;
    }
    double t0 = s->t_s[lo], t1 = s->t_s[hi];
    double v0 = s->values[(size_t)lo * (size_t)s->n_cols + (size_t)c], v1 = s->values[(size_t)hi * (size_t)s->n_cols + (size_t)c];
    if (!(t1 > t0)) return v0;
    double w = (t - t0) / (t1 - t0);
    w = w < 0 ? 0 : w > 1 ? 1 : w;
    return v0 + w * (v1 - v0);
}

mk_status mk_fit_data_residuals(const mk_fit_data *d, const mk_run_result *run, double *r, mk_error *err)
{
    for (int i = 0; i < d->n; i++) {
        const mk_fit_obs *o = &d->obs[i];
        int best = -1, any = 0;
        for (int q = 0; q < run->n_meas; q++) {
            if (!run->meas[q].spec || strcmp(run->meas[q].spec->label, o->variable)) continue;
            any = 1;
            if (best < 0 || fabs(run->meas[q].t_s - o->t_s) < fabs(run->meas[best].t_s - o->t_s)) best = q;
        }
        if (any) {
            if (fabs(run->meas[best].t_s - o->t_s) > 60)
                return mk_fail_at(err, MK_ERR_NAME, d->file, o->line, 1,
                                  "the scenario measures '%s' at %g s, none within 60 s of this row's %g s", o->variable,
                                  run->meas[best].t_s, o->t_s);
            r[i] = (run->meas[best].value - o->value) / o->sd;
            continue;
        }
        int c = mk_series_find(&run->series, o->variable), ok = 0;
        if (c < 0)
            return mk_fail_at(err, MK_ERR_NAME, d->file, o->line, o->col_var,
                              "'%s' is neither a measurement label of the scenario nor a state, variable or input of the model",
                              o->variable);
        double v = interpolate(&run->series, c, o->t_s, &ok);
        if (!ok)
            return mk_fail_at(err, MK_ERR_INVALID, d->file, o->line, 1, "time %g s is outside the scenario's run (0 .. %g s)",
                              o->t_s, run->series.n_rows ? run->series.t_s[run->series.n_rows - 1] : 0.0);
        r[i] = (v - o->value) / o->sd;
    }
    return MK_OK;
}

/* ---------------------------------------------------------------- the objective's history */

#define HIST_W 1500
#define HIST_H 900

static void history_draw(const void *ctx, double *xs, double *ys)
{
    const mk_fit_result *r = ((const void *const *)ctx)[0];
    const char *title = ((const void *const *)ctx)[1];
    const double W = HIST_W, H = HIST_H;
    char esc[512];
    mk_plot_text(esc, sizeof esc, title);
    mk_plot_title(esc, W, H);
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < r->n_hist; i++)
        if (r->hist[i] > 0 && isfinite(r->hist[i])) mk_plot_span(&lo, &hi, log10(r->hist[i]));
    if (!isfinite(lo)) lo = -1, hi = 1;
    lo = floor(lo), hi = ceil(hi);
    if (hi <= lo) hi = lo + 1;
    double x1 = r->n_hist > 1 ? r->n_hist : 2;
    plvpor(230 / W, 1.0 - 330 / W, 120 / H, 1.0 - 160 / H);
    plwind(0, x1 + 1, lo, hi);
    /* the design's part shaded: where the global stage ends and the polish begins */
    mk_plot_band(0, r->n_design + 0.5, lo, hi, MK_PC_NBASE);
    /* every evaluation as a dot */
    int n = 0;
    for (int i = 0; i < r->n_hist; i++)
        if (r->hist[i] > 0 && isfinite(r->hist[i])) xs[n] = i + 1, ys[n] = log10(r->hist[i]), n++;
    plcol0(MK_PC_GREY);
    plschr(0.0, MK_PLOT_FS * 0.7);
    if (n) plstring(n, xs, ys, "\xe2\x80\xa2");
    plschr(0.0, MK_PLOT_FS);
    /* the best so far */
    n = 0;
    double best = INFINITY;
    for (int i = 0; i < r->n_hist; i++) {
        if (r->hist[i] > 0 && r->hist[i] < best) best = r->hist[i];
        if (isfinite(best)) xs[n] = i + 1, ys[n] = log10(best), n++;
    }
    plcol0(MK_PC_BLUE);
    plwidth(MK_PLOT_LINE_W);
    if (n > 1) plline(n, xs, ys);
    plcol0(MK_PC_BLACK);
    plwidth(MK_PLOT_AXIS_W);
    plbox("bcnst", 0.0, 0, "bcnstlv", 1.0, 0);
    plmtex("b", 3.2, 0.5, 0.5, "evaluations");
    plmtex("l", 5.0, 0.5, 0.5, "objective (sum of squared standardized misses)");
    /* legend */
    plvpor(1.0 - 310 / W, 1.0, 120 / H, 1.0 - 160 / H);
    plwind(0, 1, 0, 1);
    PLFLT lx[2] = {0.02, 0.15}, ly[2] = {0.95, 0.95}, px = 0.085, py = 0.88;
    plcol0(MK_PC_BLUE);
    plwidth(MK_PLOT_LINE_W);
    plline(2, lx, ly);
    plcol0(MK_PC_GREY);
    plstring(1, &px, &py, "\xe2\x80\xa2");
    mk_plot_band(0.02, 0.15, 0.78, 0.84, MK_PC_NBASE);
    plcol0(MK_PC_BLACK);
    plptex(0.19, 0.95, 1, 0, 0, "best so far");
    plptex(0.19, 0.88, 1, 0, 0, "each evaluation");
    plptex(0.19, 0.81, 1, 0, 0, "global design;");
    plptex(0.19, 0.76, 1, 0, 0, "then each polish");
}

mk_status mk_fit_write_history(const mk_fit_result *r, const char *title, const char *path, mk_error *err)
{
    static const mk_plot_color shade = {153, 153, 153, 0.15};
    const void *ctx[2] = {r, title};
    mk_plot_page page = {path, HIST_W, HIST_H, &shade, 1, (size_t)r->n_hist + 2};
    return mk_plot_draw(&page, history_draw, ctx, err);
}
