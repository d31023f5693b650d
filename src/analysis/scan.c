/*
 * scan.c -- quasi-static continuation: sweep up, sweep down, compare (see scan.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/alloc.h"
#include "analysis/common.h"
#include "analysis/scan.h"
#include "core/error.h"

void mk_scan_opts_default(mk_scan_opts *o)
{
    memset(o, 0, sizeof *o);
    o->kind = MK_SYM_PARAM;
    o->index = -1;
    o->steps = 20;
    o->settle_s = 6 * 3600.0;
    o->checks = 12;
    o->conv_tol = 1e-4;
    o->watch = NULL;
    o->hyst_tol = 0.1;
    o->abs_tol = 1e-6;
}

static void free_points(mk_scan_point *p, int n)
{
    if (!p) return;
    for (int i = 0; i < n; i++) {
        free(p[i].y);
        free(p[i].v);
    }
    free(p);
}

void mk_scan_result_clear(mk_scan_result *r)
{
    if (!r) return;
    free_points(r->fwd, r->n);
    free_points(r->back, r->n);
    free(r->rel_diff);
    memset(r, 0, sizeof *r);
}

void mk_scan_result_free(mk_scan_result *r)
{
    mk_scan_result_clear(r);
    free(r);
}

double mk_scan_get(const mk_scan_result *r, const mk_scan_point *p, const char *name, const char **unit)
{
    return mk_abi_point_value(r->abi, p->y, p->v, name, unit);
}

static void add_stats(mk_solver_stats *a, const mk_solver_stats *b)
{
    a->steps += b->steps;
    a->rhs_evals += b->rhs_evals;
    a->jac_evals += b->jac_evals;
    a->err_test_fails += b->err_test_fails;
    a->nonlin_conv_fails += b->nonlin_conv_fails;
}

/* Set the swept value, then integrate in check intervals until steady or settle_s is used. */
static mk_status settle(mk_solver *s, const mk_scan_opts *o, double value, mk_scan_point *pt, double *prev,
                        mk_error *err)
{
    const mk_model_abi *abi = mk_solver_abi(s);
    int ny = abi->n_states;
    mk_status rc = o->kind == MK_SYM_PARAM ? mk_solver_set_param(s, o->index, value, err)
                                           : mk_solver_set_input(s, o->index, value, err);
    if (rc) return rc;
    pt->value = value;
    pt->converged = 0;
    pt->rel_change = NAN;
    pt->slowest = -1;
    double t0 = mk_solver_time(s), dt = o->settle_s / o->checks;
    memcpy(prev, mk_solver_state(s), (size_t)ny * sizeof *prev);
    for (int k = 1; k <= o->checks; k++) {
        if ((rc = mk_solver_advance(s, t0 + dt * k, err))) {
            char msg[900];
            snprintf(msg, sizeof msg, "%.899s", err->message);
            return mk_fail(err, rc, "at %s = %g %s (%.4g h into the step): %s",
                           o->kind == MK_SYM_PARAM ? abi->params[o->index].name : abi->inputs[o->index].name, value,
                           o->kind == MK_SYM_PARAM ? abi->params[o->index].unit : abi->inputs[o->index].unit,
                           (mk_solver_time(s) - t0) / 3600, msg);
        }
        const double *y = mk_solver_state(s);
        double worst = 0;
        int iw = -1;
        for (int i = 0; i < ny; i++) {
            double floor_i = 1e-4 * fmax(1.0, fabs(abi->states[i].value));
            double scale = fmax(fmax(fabs(y[i]), fabs(prev[i])), floor_i);
            double d = fabs(y[i] - prev[i]) / scale;
            if (!(d <= worst)) worst = d, iw = i; /* NaN counts as worst */
        }
        memcpy(prev, y, (size_t)ny * sizeof *prev);
        pt->rel_change = worst;
        pt->slowest = iw;
        pt->settled_s = dt * k;
        if (worst < o->conv_tol) {
            pt->converged = 1;
            break;
        }
    }
    memcpy(pt->y, mk_solver_state(s), (size_t)ny * sizeof *pt->y);
    /* a NaN or infinite variable ends the scan with its time and name, as in a run */
    const double *v = NULL;
    rc = mk_solver_eval_vars(s, &v, err);
    if (rc) return rc;
    if (abi->n_vars) memcpy(pt->v, v, (size_t)abi->n_vars * sizeof *pt->v);
    return MK_OK;
}

static mk_status alloc_points(mk_scan_point **out, int n, const mk_model_abi *abi, mk_error *err)
{
    *out = mk_calloc((size_t)n, sizeof **out);
    if (!*out) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        (*out)[i].y = mk_calloc((size_t)abi->n_states + 1, sizeof(double));
        (*out)[i].v = mk_calloc((size_t)abi->n_vars + 1, sizeof(double));
        if (!(*out)[i].y || !(*out)[i].v) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    }
    return MK_OK;
}

static void compare(mk_scan_result *r)
{
    const mk_scan_opts *o = &r->opts;
    /* a difference counts when it exceeds hyst_tol relative and abs_tol absolute: the scale
     * never falls below abs_tol / hyst_tol, so values at the solver's noise level near zero
     * do not count as two states */
    double floor_abs = o->abs_tol > 0 && o->hyst_tol > 0 ? o->abs_tol / o->hyst_tol : 1e-300;
    r->n_ranges = 0;
    r->fold_fwd = r->fold_back = NAN;
    int open = 0, start = 0;
    for (int k = 0; k <= r->n; k++) {
        int differ = 0;
        if (k < r->n) {
            double a = mk_scan_get(r, &r->fwd[k], r->watch, NULL), b = mk_scan_get(r, &r->back[k], r->watch, NULL);
            double d = fabs(a - b) / fmax(fmax(fabs(a), fabs(b)), floor_abs);
            r->rel_diff[k] = d;
            differ = !(d <= o->hyst_tol); /* NaN: they differ (one branch is broken) */
        }
        if (differ && !open) open = 1, start = k;
        if (!differ && open) {
            open = 0;
            if (r->n_ranges < MK_SCAN_MAX_RANGES) {
                r->range_lo[r->n_ranges] = fmin(r->fwd[start].value, r->fwd[k - 1].value);
                r->range_hi[r->n_ranges] = fmax(r->fwd[start].value, r->fwd[k - 1].value);
                r->n_ranges++;
            }
        }
    }
    /* Folds: a step where a branch leaves a value at which the branches differ and covers
     * more than the remaining distance to the other branch (it falls onto it, even if that
     * one has not quite settled); of those, the largest relative jump.  A branch that never
     * does so does not fold inside the sweep (e.g. a knot that persists down to A). */
    double best_f = 0, best_b = 0;
    for (int k = 0; k + 1 < r->n; k++) {
        double d0 = r->rel_diff[k], d1 = r->rel_diff[k + 1];
        double a0 = mk_scan_get(r, &r->fwd[k], r->watch, NULL), a1 = mk_scan_get(r, &r->fwd[k + 1], r->watch, NULL);
        double b0 = mk_scan_get(r, &r->back[k], r->watch, NULL), b1 = mk_scan_get(r, &r->back[k + 1], r->watch, NULL);
        /* forward: from k to k + 1 */
        if (d0 > o->hyst_tol && fabs(a1 - a0) > fabs(a1 - b1)) {
            double jump = fabs(a1 - a0) / fmax(fmax(fabs(a0), fabs(a1)), floor_abs);
            if (jump > best_f) best_f = jump, r->fold_fwd = 0.5 * (r->fwd[k].value + r->fwd[k + 1].value);
        }
        /* backward: from k + 1 to k */
        if (d1 > o->hyst_tol && fabs(b0 - b1) > fabs(b0 - a0)) {
            double jump = fabs(b1 - b0) / fmax(fmax(fabs(b0), fabs(b1)), floor_abs);
            if (jump > best_b) best_b = jump, r->fold_back = 0.5 * (r->fwd[k].value + r->fwd[k + 1].value);
        }
    }
}

mk_status mk_scan_compute(const mk_solver *base, const mk_scan_opts *o, mk_scan_result *out, mk_error *err)
{
    memset(out, 0, sizeof *out);
    if (!base || !o) return mk_fail(err, MK_ERR_INVALID, "mk_scan_run: missing argument");
    const mk_model_abi *abi = mk_solver_abi(base);
    int nsym = o->kind == MK_SYM_PARAM ? abi->n_params : o->kind == MK_SYM_INPUT ? abi->n_inputs : 0;
    if (o->index < 0 || o->index >= nsym)
        return mk_fail(err, MK_ERR_INVALID, "mk_scan_run: the swept symbol must be a parameter or an input");
    if (o->steps < 1 || o->steps > 100000) return mk_fail(err, MK_ERR_INVALID, "steps must be 1 .. 100000, got %d", o->steps);
    if (!(o->settle_s > 0) || !isfinite(o->settle_s)) return mk_fail(err, MK_ERR_INVALID, "settle time must be positive");
    if (o->checks < 1) return mk_fail(err, MK_ERR_INVALID, "checks must be at least 1");
    if (!isfinite(o->from) || !isfinite(o->to) || o->from == o->to)
        return mk_fail(err, MK_ERR_INVALID, "the sweep needs two different finite end values");
    if (abi->n_states < 1) return mk_fail(err, MK_ERR_MODEL, "model '%s' has no states: nothing settles", abi->name);

    out->abi = abi;
    out->opts = *o;
    const mk_symbol *sym = o->kind == MK_SYM_PARAM ? &abi->params[o->index] : &abi->inputs[o->index];
    snprintf(out->name, sizeof out->name, "%s", sym->name);
    snprintf(out->unit, sizeof out->unit, "%s", sym->unit);
    const char *watch = o->watch;
    if (!watch) watch = mk_abi_label_symbol(abi, "core_ca"); /* the site's Ca2+, if it is a site */
    if (!watch) watch = abi->states[0].name;
    int wi = mk_abi_find(abi, MK_SYM_STATE, watch);
    out->watch_is_state = wi >= 0;
    if (wi < 0) wi = mk_abi_find(abi, MK_SYM_VAR, watch);
    if (wi < 0) return mk_fail(err, MK_ERR_NAME, "model '%s' has no state or variable '%s' to watch", abi->name, watch);
    out->watch_index = wi;
    snprintf(out->watch, sizeof out->watch, "%s", watch);
    snprintf(out->watch_unit, sizeof out->watch_unit, "%s",
             out->watch_is_state ? abi->states[wi].unit : abi->vars[wi].unit);
    out->opts.watch = NULL; /* the caller's string need not outlive the call */

    out->n = o->steps + 1;
    mk_solver *s = NULL;
    double *prev = mk_calloc((size_t)abi->n_states + 1, sizeof *prev);
    out->rel_diff = mk_calloc((size_t)out->n, sizeof *out->rel_diff);
    mk_status rc = !prev || !out->rel_diff ? mk_fail(err, MK_ERR_NOMEM, "out of memory") : MK_OK;
    if (!rc) rc = alloc_points(&out->fwd, out->n, abi, err);
    if (!rc) rc = alloc_points(&out->back, out->n, abi, err);
    double t_start = mk_monotonic_s();
    if (!rc) rc = mk_solver_clone(base, &s, err);
    double h = (o->to - o->from) / o->steps;
    for (int k = 0; !rc && k < out->n; k++) {
        double x = k == o->steps ? o->to : o->from + h * k;
        rc = settle(s, o, x, &out->fwd[k], prev, err);
    }
    for (int k = out->n - 1; !rc && k >= 0; k--) {
        double x = k == o->steps ? o->to : o->from + h * k;
        rc = settle(s, o, x, &out->back[k], prev, err);
    }
    if (s) {
        mk_solver_stats st;
        mk_solver_get_stats(s, &st);
        add_stats(&out->stats, &st);
    }
    mk_solver_free(s);
    free(prev);
    out->wall_s = mk_monotonic_s() - t_start;
    if (rc) {
        mk_scan_result_clear(out);
        return rc;
    }
    for (int k = 0; k < out->n; k++) out->n_unconverged += !out->fwd[k].converged + !out->back[k].converged;
    compare(out);
    return MK_OK;
}

mk_status mk_scan_run(const mk_solver *base, const mk_scan_opts *o, mk_scan_result **out, mk_error *err)
{
    if (!out) return mk_fail(err, MK_ERR_INVALID, "mk_scan_run: missing argument");
    *out = mk_calloc(1, sizeof **out);
    if (!*out) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_status rc = mk_scan_compute(base, o, *out, err);
    if (rc) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

/* ---------------------------------------------------------------- accessors */

const mk_model_abi *mk_scan_result_abi(const mk_scan_result *r) { return r ? r->abi : NULL; }
int mk_scan_result_points(const mk_scan_result *r) { return r ? r->n : 0; }
int mk_scan_result_ranges(const mk_scan_result *r) { return r ? r->n_ranges : 0; }
int mk_scan_result_unconverged(const mk_scan_result *r) { return r ? r->n_unconverged : 0; }
double mk_scan_result_wall_s(const mk_scan_result *r) { return r ? r->wall_s : NAN; }

const char *mk_scan_result_swept(const mk_scan_result *r, const char **unit)
{
    if (unit) *unit = r ? r->unit : "";
    return r ? r->name : "";
}

const char *mk_scan_result_watch(const mk_scan_result *r, const char **unit)
{
    if (unit) *unit = r ? r->watch_unit : "";
    return r ? r->watch : "";
}

void mk_scan_result_range(const mk_scan_result *r, int i, double *lo, double *hi)
{
    int ok = r && i >= 0 && i < r->n_ranges;
    if (lo) *lo = ok ? r->range_lo[i] : NAN;
    if (hi) *hi = ok ? r->range_hi[i] : NAN;
}

double mk_scan_result_fold(const mk_scan_result *r, int branch)
{
    return !r ? NAN : branch ? r->fold_back : r->fold_fwd;
}

void mk_scan_result_stats(const mk_scan_result *r, mk_solver_stats *st)
{
    if (st) *st = r ? r->stats : (mk_solver_stats){0};
}

static const mk_scan_point *point(const mk_scan_result *r, int branch, int k)
{
    if (!r || k < 0 || k >= r->n || (branch != 0 && branch != 1)) return NULL;
    return branch ? &r->back[k] : &r->fwd[k];
}

mk_status mk_scan_result_point(const mk_scan_result *r, int branch, int k, mk_scan_point_info *out, mk_error *err)
{
    const mk_scan_point *p = point(r, branch, k);
    if (!p || !out)
        return mk_fail(err, MK_ERR_INVALID, "scan point %d of branch %d: out of range (%d points, branches 0 and 1)",
                       k, branch, r ? r->n : 0);
    *out = (mk_scan_point_info){.value = p->value, .converged = p->converged, .settled_s = p->settled_s,
                                .rel_change = p->rel_change, .slowest = p->slowest, .rel_diff = r->rel_diff[k],
                                .differs = r->rel_diff[k] > r->opts.hyst_tol || isnan(r->rel_diff[k])};
    return MK_OK;
}

double mk_scan_result_get(const mk_scan_result *r, int branch, int k, const char *name, const char **unit)
{
    const mk_scan_point *p = point(r, branch, k);
    if (!p) {
        if (unit) *unit = "";
        return NAN;
    }
    return mk_scan_get(r, p, name, unit);
}

mk_status mk_scan_result_column(const mk_scan_result *r, int branch, const char *name, double *out, mk_error *err)
{
    if (!r || !out || (branch != 0 && branch != 1))
        return mk_fail(err, MK_ERR_INVALID, "mk_scan_result_column: missing argument or no branch %d", branch);
    if (name && mk_abi_find(r->abi, MK_SYM_STATE, name) < 0 && mk_abi_find(r->abi, MK_SYM_VAR, name) < 0)
        return mk_fail(err, MK_ERR_NAME, "model '%s' has no state or variable '%s'", r->abi->name, name);
    for (int k = 0; k < r->n; k++) {
        const mk_scan_point *p = point(r, branch, k);
        out[k] = name ? mk_scan_get(r, p, name, NULL) : p->value;
    }
    return MK_OK;
}

/* ---------------------------------------------------------------- output */

mk_status mk_scan_write_csv(const mk_scan_result *r, mk_buf *b, mk_error *err)
{
    const mk_model_abi *abi = r->abi;
    mk_buf_printf(b, "branch,step,%s [%s],converged,settled [s],max_rel_change,slowest_state,%s_rel_diff", r->name,
                  r->unit, r->watch);
    for (int i = 0; i < abi->n_states; i++) mk_buf_printf(b, ",%s [%s]", abi->states[i].name, abi->states[i].unit);
    for (int i = 0; i < abi->n_vars; i++)
        if (abi->vars[i].is_output) mk_buf_printf(b, ",%s [%s]", abi->vars[i].name, abi->vars[i].unit);
    mk_buf_puts(b, "\n");
    for (int br = 0; br < 2; br++)
        for (int j = 0; j < r->n; j++) {
            int k = br ? r->n - 1 - j : j; /* rows in the order they were computed */
            const mk_scan_point *p = br ? &r->back[k] : &r->fwd[k];
            mk_buf_printf(b, "%s,%d", br ? "backward" : "forward", j);
            mk_csv_num(b, p->value, 10);
            mk_buf_printf(b, ",%d", p->converged);
            mk_csv_num(b, p->settled_s, 10);
            mk_csv_num(b, p->rel_change, 10);
            mk_buf_printf(b, ",%s", p->slowest >= 0 ? abi->states[p->slowest].name : "");
            mk_csv_num(b, r->rel_diff[k], 10);
            for (int i = 0; i < abi->n_states; i++) mk_csv_num(b, p->y[i], 10);
            for (int i = 0; i < abi->n_vars; i++)
                if (abi->vars[i].is_output) mk_csv_num(b, p->v[i], 10);
            mk_buf_puts(b, "\n");
        }
    if (b->failed) return mk_fail(err, MK_ERR_NOMEM, "out of memory writing scan.csv");
    return MK_OK;
}

/* snprintf that may truncate on purpose (titles and labels) */
static void fit(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fit(char *dst, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, size, fmt, ap);
    va_end(ap);
}

static const char *fmt_g(double v, char *buf, size_t n)
{
    snprintf(buf, n, "%.4g", v);
    return buf;
}

void mk_scan_verdict(const mk_scan_result *r, mk_buf *b)
{
    char a1[32], a2[32], a3[32];
    const char *u = strcmp(r->unit, "1") ? r->unit : "";
    double lo = fmin(r->opts.from, r->opts.to), hi = fmax(r->opts.from, r->opts.to);
    double h = fabs(r->opts.to - r->opts.from) / r->opts.steps;
    if (r->n_ranges == 0) {
        mk_buf_printf(b, "no coexistence found in [%s, %s] %s: the forward and backward branches of %s agree within "
                         "%g %% at every one of the %d values (step %s %s).",
                      fmt_g(lo, a1, sizeof a1), fmt_g(hi, a2, sizeof a2), u, r->watch, 100 * r->opts.hyst_tol,
                      r->n, fmt_g(h, a3, sizeof a3), u);
    } else {
        mk_buf_printf(b, "coexistence: the branches of %s differ by more than %g %% for %s in ", r->watch,
                      100 * r->opts.hyst_tol, r->name);
        for (int i = 0; i < r->n_ranges; i++)
            mk_buf_printf(b, "%s[%s, %s]", i ? ", " : "", fmt_g(r->range_lo[i], a1, sizeof a1),
                          fmt_g(r->range_hi[i], a2, sizeof a2));
        mk_buf_printf(b, " %s (grid values; step %s).", u, fmt_g(h, a3, sizeof a3));
        if (isfinite(r->fold_fwd))
            mk_buf_printf(b, " The forward branch jumps at %s = %s +- %s.", r->name, fmt_g(r->fold_fwd, a1, sizeof a1),
                          fmt_g(h / 2, a2, sizeof a2));
        else mk_buf_printf(b, " The forward branch does not fall onto the backward one inside the sweep.");
        if (isfinite(r->fold_back))
            mk_buf_printf(b, " The backward branch jumps at %s = %s +- %s.", r->name, fmt_g(r->fold_back, a1, sizeof a1),
                          fmt_g(h / 2, a2, sizeof a2));
        else mk_buf_printf(b, " The backward branch does not return to the forward one inside the sweep: its state "
                              "persists all the way back to %s = %s %s.", r->name, fmt_g(r->opts.from, a1, sizeof a1), u);
        if (r->n_unconverged > 0)
            mk_buf_printf(b, " Caution: %d of %d steps did not settle, so part of the difference may be slow states "
                             "lagging behind rather than two steady states (try a longer settle time).",
                          r->n_unconverged, 2 * r->n);
    }
    if (r->n_ranges == 0 && r->n_unconverged > 0)
        mk_buf_printf(b, " %d of %d steps did not settle within %s h (see the 'conv' column).", r->n_unconverged,
                      2 * r->n, fmt_g(r->opts.settle_s / 3600, a1, sizeof a1));
}

/* outputs worth a panel, in order, when the model has them: labels of the site interface */
static const char *const k_key[] = {"core_ca",        "core_po2",   "core_pcr", "core_flow",
                                    "band_stiffness", "pain_local", "noci_sens"};

mk_status mk_scan_write_figure(const mk_scan_result *r, const char *path, mk_error *err)
{
    const mk_model_abi *abi = r->abi;
    int n = r->n;
    /* columns to draw: the watched output first, then the key outputs (or states and outputs) */
    const char *names[MK_PLOT_MAX_PANELS];
    int nn = 0;
    names[nn++] = r->watch;
    for (size_t i = 0; i < sizeof k_key / sizeof *k_key && nn < 7; i++) {
        const char *key = mk_abi_label_symbol(abi, k_key[i]);
        if (key && strcmp(key, r->watch) && !isnan(mk_scan_get(r, &r->fwd[0], key, NULL))) names[nn++] = key;
    }
    if (nn == 1) {
        for (int i = 0; i < abi->n_states && nn < 4; i++)
            if (strcmp(abi->states[i].name, r->watch)) names[nn++] = abi->states[i].name;
        for (int i = 0; i < abi->n_vars && nn < 4; i++)
            if (abi->vars[i].is_output && strcmp(abi->vars[i].name, r->watch)) names[nn++] = abi->vars[i].name;
    }
    double *buf = mk_calloc((size_t)(2 * nn + 1) * (size_t)n + 1, sizeof *buf);
    if (!buf) return mk_fail(err, MK_ERR_NOMEM, "out of memory for the scan figure");
    double *x = buf;
    for (int k = 0; k < n; k++) x[k] = r->fwd[k].value;
    mk_plot_xy *f = mk_calloc(1, sizeof *f);
    if (!f) {
        free(buf);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory for the scan figure");
    }
    int up = r->opts.to > r->opts.from;
    for (int i = 0; i < nn; i++) {
        double *yf = buf + (size_t)(1 + 2 * i) * (size_t)n, *yb = yf + n;
        const char *unit = "";
        for (int k = 0; k < n; k++) {
            yf[k] = mk_scan_get(r, &r->fwd[k], names[i], &unit);
            yb[k] = mk_scan_get(r, &r->back[k], names[i], NULL);
        }
        mk_plot_panel *p = &f->panel[f->n_panels++];
        if (unit[0] && strcmp(unit, "1")) fit(p->ylabel, sizeof p->ylabel, "%s (%s)", names[i], unit);
        else fit(p->ylabel, sizeof p->ylabel, "%s", names[i]);
        p->n_curves = 2;
        p->curve[0] = (mk_plot_curve){x, yf, n, MK_PC_VERMILLION, up ? "\xe2\x96\xb6" : "\xe2\x97\x80", ""};
        p->curve[1] = (mk_plot_curve){x, yb, n, MK_PC_BLUE, up ? "\xe2\x97\x80" : "\xe2\x96\xb6", ""};
        snprintf(p->curve[0].label, sizeof p->curve[0].label, "%s", up ? "increasing" : "decreasing");
        snprintf(p->curve[1].label, sizeof p->curve[1].label, "%s", up ? "decreasing" : "increasing");
    }
    char a1[32], a2[32];
    if (r->unit[0] && strcmp(r->unit, "1")) fit(f->xlabel, sizeof f->xlabel, "%s (%s)", r->name, r->unit);
    else fit(f->xlabel, sizeof f->xlabel, "%s", r->name);
    if (r->n_ranges == 0) {
        mk_buf_printf(&f->title, "No coexisting steady states for %s %s to %s %s: both sweeps give the same %s",
                 r->name, fmt_g(r->opts.from, a1, sizeof a1), fmt_g(r->opts.to, a2, sizeof a2), r->unit, r->watch);
    } else {
        double lo = r->range_lo[0], hi = r->range_hi[0];
        for (int i = 1; i < r->n_ranges; i++) lo = fmin(lo, r->range_lo[i]), hi = fmax(hi, r->range_hi[i]);
        mk_buf_printf(&f->title, "Two %s coexist for %s from %s to %s %s: hysteresis in %s",
            r->n_unconverged ? "states (not all settled)" : "steady states", r->name, fmt_g(lo, a1, sizeof a1),
            fmt_g(hi, a2, sizeof a2), r->unit, r->watch);
        f->shade = 1;
        f->shade_x0 = lo;
        f->shade_x1 = hi;
        if (isfinite(r->fold_fwd)) {
            f->mark_x[f->n_marks] = r->fold_fwd;
            fit(f->mark_label[f->n_marks++], sizeof f->mark_label[0], "fold %s", fmt_g(r->fold_fwd, a1, sizeof a1));
        }
        if (isfinite(r->fold_back)) {
            f->mark_x[f->n_marks] = r->fold_back;
            fit(f->mark_label[f->n_marks++], sizeof f->mark_label[0], "fold %s", fmt_g(r->fold_back, a1, sizeof a1));
        }
    }
    mk_status rc = mk_plot_xy_write(f, path, err);
    mk_buf_free(&f->title);
    free(f);
    free(buf);
    return rc;
}
