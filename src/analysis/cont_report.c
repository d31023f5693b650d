/*
 * cont_report.c -- what continuation found, in words, a table and a figure (see cont.h).
 *
 * Every statement about how many steady states there are, and whether they are stable, is
 * drawn from converged points only: the p-axis is cut at the p of every converged point, and
 * on each piece the segments of branch between two neighbouring converged points that cross
 * it are counted.  A piece that no such segment crosses has no verdict, whatever the
 * unconverged points there suggest.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/common.h"
#include "analysis/cont.h"
#include "core/alloc.h"
#include "core/error.h"

/* k and k + 1: neighbours on one segment, both converged */
static int pair_ok(const mk_cont_result *r, int k)
{
    const mk_cont_point *a = &r->pt[k], *b = &r->pt[k + 1];
    return a->info.converged && b->info.converged && a->info.segment == b->info.segment && a->info.n_unstable >= 0 && b->info.n_unstable >= 0;
}

/* unstable eigenvalues on the segment between k and k + 1: a fold or Hopf point has a zero
 * real part, so the other end speaks for the segment */
static int pair_unstable(const mk_cont_result *r, int k)
{
    const mk_cont_point *a = &r->pt[k], *b = &r->pt[k + 1];
    int sa = a->info.kind == MK_CONT_FOLD || a->info.kind == MK_CONT_HOPF, sb = b->info.kind == MK_CONT_FOLD || b->info.kind == MK_CONT_HOPF;
    if (sa && !sb) return b->info.n_unstable;
    if (sb && !sa) return a->info.n_unstable;
    return a->info.n_unstable > b->info.n_unstable ? a->info.n_unstable : b->info.n_unstable;
}

typedef struct piece {
    double lo, hi;
    int stable, total; /* segments crossing the piece; total -1: none (no verdict) */
} piece;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The range cut at every converged p; merged pieces of equal (stable, any) counts. */
static piece *pieces(const mk_cont_result *r, int *np)
{
    double lo = fmin(r->opts.from, r->opts.to), hi = fmax(r->opts.from, r->opts.to);
    double *cut = mk_calloc((size_t)r->n + 2, sizeof *cut);
    piece *out = mk_calloc((size_t)r->n + 2, sizeof *out);
    *np = 0;
    if (!cut || !out) {
        free(cut);
        free(out);
        return NULL;
    }
    int nc = 0;
    cut[nc++] = lo, cut[nc++] = hi;
    for (int k = 0; k < r->n; k++)
        if (r->pt[k].info.converged && r->pt[k].info.p > lo && r->pt[k].info.p < hi) cut[nc++] = r->pt[k].info.p;
    qsort(cut, (size_t)nc, sizeof *cut, cmp_double);
    for (int i = 0; i + 1 < nc; i++) {
        if (!(cut[i + 1] > cut[i])) continue;
        double q = 0.5 * (cut[i] + cut[i + 1]);
        int stable = 0, total = 0;
        for (int k = 0; k + 1 < r->n; k++) {
            if (!pair_ok(r, k)) continue;
            double a = r->pt[k].info.p, b = r->pt[k + 1].info.p;
            if (q > fmin(a, b) && q < fmax(a, b)) total++, stable += pair_unstable(r, k) == 0;
        }
        if (total == 0) total = -1;
        if (*np && out[*np - 1].stable == stable && out[*np - 1].total == total) out[*np - 1].hi = cut[i + 1];
        else out[(*np)++] = (piece){cut[i], cut[i + 1], stable, total};
    }
    free(cut);
    return out;
}

int mk_cont_coexistence(const mk_cont_result *r, double *lo, double *hi, int max, double *covered_out)
{
    int np = 0, n = 0;
    piece *pc = pieces(r, &np);
    double covered = 0, span = fabs(r->opts.to - r->opts.from);
    for (int i = 0; i < np; i++) {
        if (pc[i].total > 0) covered += pc[i].hi - pc[i].lo;
        if (pc[i].stable < 2) continue;
        if (n && lo && hi && hi[n - 1] == pc[i].lo) hi[n - 1] = pc[i].hi;
        else if (n < max) {
            if (lo) lo[n] = pc[i].lo;
            if (hi) hi[n] = pc[i].hi;
            n++;
        }
    }
    free(pc);
    if (covered_out) *covered_out = span > 0 ? covered / span : 0;
    return n;
}

/* ---------------------------------------------------------------- the table */

static const char *kind_name(int kind)
{
    return kind == MK_CONT_FOLD ? "fold" : kind == MK_CONT_HOPF ? "hopf" : kind == MK_CONT_END ? "end" : "";
}

mk_status mk_cont_write_csv(const mk_cont_result *r, mk_buf *b, mk_error *err)
{
    const mk_model_abi *abi = r->abi;
    mk_buf_printf(b, "branch,segment,point,%s [%s],converged,stable,n_unstable,n_neutral,max_re [1/s],slowest [s],"
                     "special,omega [rad/s],dp/ds,residual [1/s],newton_step,iterations",
                  r->name, r->unit);
    for (int i = 0; i < abi->n_states; i++)
        mk_buf_printf(b, ",%s [%s]%s", abi->states[i].name, abi->states[i].unit, r->frozen[i] ? " (frozen)" : "");
    for (int i = 0; i < abi->n_vars; i++)
        if (abi->vars[i].is_output) mk_buf_printf(b, ",%s [%s]", abi->vars[i].name, abi->vars[i].unit);
    mk_buf_puts(b, "\n");
    for (int k = 0; k < r->n; k++) {
        const mk_cont_point *p = &r->pt[k];
        mk_buf_printf(b, "%d,%d,%d", p->info.branch, p->info.segment, k);
        mk_csv_num(b, p->info.p, 10);
        mk_buf_printf(b, ",%d,%s,%d,%d", p->info.converged, !p->info.converged ? "" : p->info.n_unstable == 0 ? "yes" : "no",
                      p->info.n_unstable, p->info.n_neutral);
        mk_csv_num(b, p->info.max_re, 10);
        mk_csv_num(b, isfinite(p->info.slowest_s) ? p->info.slowest_s : NAN, 10);
        mk_buf_printf(b, ",%s", kind_name(p->info.kind));
        mk_csv_num(b, p->info.omega, 10);
        mk_csv_num(b, p->info.dpds, 10);
        mk_csv_num(b, isfinite(p->info.residual) ? p->info.residual : NAN, 10);
        mk_csv_num(b, isfinite(p->info.newton_step) ? p->info.newton_step : NAN, 10);
        mk_buf_printf(b, ",%d", p->info.iters);
        for (int i = 0; i < abi->n_states; i++) mk_csv_num(b, p->y[i], 10);
        for (int i = 0; i < abi->n_vars; i++)
            if (abi->vars[i].is_output) mk_csv_num(b, p->v[i], 10);
        mk_buf_puts(b, "\n");
    }
    if (b->failed) return mk_fail(err, MK_ERR_NOMEM, "out of memory writing branches.csv");
    return MK_OK;
}

/* ---------------------------------------------------------------- the report */

/* a unit to print after a number: none for a dimensionless "1" */
static const char *ut(const char *unit)
{
    return unit && strcmp(unit, "1") ? unit : "";
}

static const char *g4(double v, char *buf, size_t n)
{
    snprintf(buf, n, "%.4g", v);
    return buf;
}

static void report_frozen(const mk_cont_result *r, mk_buf *b)
{
    const mk_model_abi *abi = r->abi;
    if (!r->n_frozen) {
        mk_buf_printf(b, "Slow states: none frozen -- all %d states are part of the steady-state problem, so these "
                         "are true steady states, however long they take to reach (see the slowest relaxation "
                         "time below).\n",
                      abi->n_states);
        return;
    }
    mk_buf_printf(b, "Slow states: %d of %d frozen (quasi-steady states for these values, not true steady states):",
                  r->n_frozen, abi->n_states);
    for (int i = 0; i < abi->n_states; i++)
        if (r->frozen[i]) mk_buf_printf(b, " %s = %.6g %s;", abi->states[i].name, r->frozen_value[i], ut(abi->states[i].unit));
    mk_buf_puts(b, "\n");
}

/* Each branch as runs of stable / unstable segments between converged points. */
static void report_branches(const mk_cont_result *r, mk_buf *b)
{
    char a1[32], a2[32], a3[32], a4[32];
    for (int k = 0; k + 1 < r->n; k++) {
        if (!pair_ok(r, k)) continue;
        int un = pair_unstable(r, k), j = k;
        while (j + 2 < r->n && pair_ok(r, j + 1) && (pair_unstable(r, j + 1) == 0) == (un == 0)) j++;
        const mk_cont_point *p0 = &r->pt[k], *p1 = &r->pt[j + 1];
        double w0 = mk_cont_get(r, p0, r->watch, NULL), w1 = mk_cont_get(r, p1, r->watch, NULL);
        mk_buf_printf(b, "  branch %d: %-8s %s from %s to %s (%s from %s to %s %s, %d points)\n", p0->info.branch,
                      un == 0 ? "stable" : "UNSTABLE", r->name, g4(p0->info.p, a1, sizeof a1), g4(p1->info.p, a2, sizeof a2),
                      r->watch, g4(w0, a3, sizeof a3), g4(w1, a4, sizeof a4), ut(r->watch_unit), j + 2 - k);
        k = j;
    }
}

static void report_specials(const mk_cont_result *r, mk_buf *b)
{
    char a1[32], a2[32], a3[32];
    for (int k = 0; k < r->n; k++) {
        const mk_cont_point *p = &r->pt[k];
        if (!p->info.converged || (p->info.kind != MK_CONT_FOLD && p->info.kind != MK_CONT_HOPF)) continue;
        double wv = mk_cont_get(r, p, r->watch, NULL);
        if (p->info.kind == MK_CONT_FOLD)
            mk_buf_printf(b, "  fold at %s = %s (%s = %s %s), branch %d\n", r->name, g4(p->info.p, a1, sizeof a1), r->watch,
                          g4(wv, a2, sizeof a2), ut(r->watch_unit), p->info.branch);
        else
            mk_buf_printf(b, "  Hopf point at %s = %s (%s = %s %s), period 2 pi / omega = %s s, branch %d\n", r->name,
                          g4(p->info.p, a1, sizeof a1), r->watch, g4(wv, a2, sizeof a2), ut(r->watch_unit),
                          g4(2 * M_PI / p->info.omega, a3, sizeof a3), p->info.branch);
    }
    if (!r->n_folds && !r->n_hopf) mk_buf_puts(b, "  no fold and no Hopf point on the branches found\n");
}

static void report_unconverged(const mk_cont_result *r, mk_buf *b)
{
    if (!r->n_unconverged) return;
    char a1[32];
    mk_buf_printf(b, "Not converged: %d point(s), marked x in the figure and left out of every verdict, at %s =",
                  r->n_unconverged, r->name);
    int shown = 0;
    for (int k = 0; k < r->n && shown < 12; k++)
        if (!r->pt[k].info.converged) mk_buf_printf(b, "%s %s", shown++ ? "," : "", g4(r->pt[k].info.p, a1, sizeof a1));
    if (r->n_unconverged > shown) mk_buf_puts(b, ", ...");
    mk_buf_puts(b, "\n");
}

static void report_verdict(const mk_cont_result *r, mk_buf *b)
{
    char a1[32], a2[32];
    const char *u = strcmp(r->unit, "1") ? r->unit : "";
    int np = 0, nconv = 0, coexist = 0, gap = 0;
    for (int k = 0; k < r->n; k++) nconv += r->pt[k].info.converged;
    piece *pc = pieces(r, &np);
    if (!nconv || !pc) {
        mk_buf_printf(b, "Verdict: none. No steady state converged anywhere in the sweep, so nothing is said about "
                         "how many there are.\n");
        free(pc);
        return;
    }
    mk_buf_puts(b, "Verdict, from converged points only:\n");
    for (int i = 0; i < np; i++) {
        mk_buf_printf(b, "  %s in [%s, %s] %s: ", r->name, g4(pc[i].lo, a1, sizeof a1), g4(pc[i].hi, a2, sizeof a2), u);
        if (pc[i].total < 0) gap = 1, mk_buf_puts(b, "no converged steady state found: no verdict here\n");
        else if (pc[i].stable >= 2)
            coexist = 1, mk_buf_printf(b, "%d stable steady states coexist (%d steady states in all)\n", pc[i].stable,
                                       pc[i].total);
        else if (pc[i].stable == 1) mk_buf_printf(b, "one stable steady state (%d in all)\n", pc[i].total);
        else mk_buf_printf(b, "no stable steady state (%d unstable)\n", pc[i].total);
    }
    free(pc);
    mk_buf_printf(b, "%s", coexist ? "Coexisting stable steady states: yes (on the ranges above).\n"
                           : gap   ? "Coexisting stable steady states: none where converged branches lie; no verdict "
                                     "where none does.\n"
                                   : "Coexisting stable steady states: none on the branches found.\n");
    mk_buf_puts(b, "The branches were followed from two seeds (the time-run states at both ends of the sweep); a "
                   "branch connected to neither is not seen.\n");
}

static void report_slowest(const mk_cont_result *r, mk_buf *b)
{
    double slow = 0, zero_re = 0;
    int neutral = 0;
    for (int k = 0; k < r->n; k++) {
        const mk_cont_point *p = &r->pt[k];
        if (!p->info.converged || p->info.n_unstable != 0) continue;
        if (isfinite(p->info.slowest_s)) slow = fmax(slow, p->info.slowest_s);
        if (p->info.n_neutral > neutral) neutral = p->info.n_neutral;
        if (p->info.n_neutral > 0) zero_re = fmax(zero_re, p->info.zero_re);
    }
    if (slow > 0)
        mk_buf_printf(b, "Slowest relaxation on the stable branches: %.3g s (%.3g days): a time run must last several "
                         "times this to reach these states.\n",
                      slow, slow / 86400);
    /* real parts within the differencing noise of zero have no sign; they are not in the
     * count of unstable directions nor in the slowest relaxation, so the report says so */
    if (neutral > 0)
        mk_buf_printf(b, "Eigenvalues within the noise of zero: up to %d per stable point with |Re| at most %.2g 1/s, "
                         "the differencing noise (1e-9 of the largest |eigenvalue|): neutral directions or "
                         "relaxations slower than %.3g s (%.3g days), counted neither stable nor unstable and not "
                         "in the slowest relaxation.\n",
                      neutral, zero_re, 1 / zero_re, 1 / zero_re / 86400);
}

void mk_cont_report(const mk_cont_result *r, mk_buf *b)
{
    mk_buf_printf(b, "Steady states by Newton's method (KINSOL) with pseudo-arclength continuation in %s; stability "
                     "from the eigenvalues of the Jacobian (LAPACK dgeev).\n",
                  r->name);
    report_frozen(r, b);
    mk_buf_printf(b, "Branches: %d (%d seed(s) fell on a branch already found); %d points, %d converged.\n",
                  r->n_branches, r->n_seeds_skipped, r->n, r->n - r->n_unconverged);
    report_branches(r, b);
    mk_buf_puts(b, "Folds and Hopf points:\n");
    report_specials(r, b);
    report_unconverged(r, b);
    report_slowest(r, b);
    report_verdict(r, b);
}

/* ---------------------------------------------------------------- the figure */

/* snprintf that may truncate on purpose (titles and labels) */
static void fit(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fit(char *dst, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, size, fmt, ap);
    va_end(ap);
}

/* Point indices of the stable (want 0) or unstable (want 1) curve, -1 between pieces. */
static int curve_indices(const mk_cont_result *r, int want, int *idx)
{
    int m = 0, last = -2;
    for (int k = 0; k + 1 < r->n; k++) {
        if (!pair_ok(r, k) || (pair_unstable(r, k) > 0) != want) continue;
        if (last != k) {
            if (m) idx[m++] = -1;
            idx[m++] = k;
        }
        idx[m++] = k + 1;
        last = k + 1;
    }
    return m;
}

/* labels of the site interface worth a panel, when the model has them */
static const char *const k_key[] = {"core_ca", "core_po2", "core_pcr", "band_stiffness", "pain_local", "noci_sens"};

static int panel_names(const mk_cont_result *r, const char **names)
{
    int nn = 0;
    names[nn++] = r->watch;
    for (size_t i = 0; i < sizeof k_key / sizeof *k_key && nn < 5; i++) {
        const char *key = mk_abi_label_symbol(r->abi, k_key[i]);
        if (key && strcmp(key, r->watch) && r->n && !isnan(mk_cont_get(r, &r->pt[0], key, NULL))) names[nn++] = key;
    }
    for (int i = 0; nn == 1 && i < r->abi->n_states && nn < 3; i++)
        if (strcmp(r->abi->states[i].name, r->watch)) names[nn++] = r->abi->states[i].name;
    return nn;
}

static void figure_title(const mk_cont_result *r, mk_plot_xy *f)
{
    char a1[32], a2[32];
    double lo[4], hi[4], cov = 0;
    int nco = mk_cont_coexistence(r, lo, hi, 4, &cov);
    int nconv = r->n - r->n_unconverged;
    const char *fz = r->n_frozen ? " (slow states frozen)" : "";
    if (!nconv) mk_buf_printf(&f->title, "No steady state converged for %s: no verdict%s", r->name, fz);
    else if (nco)
        mk_buf_printf(&f->title, "Two stable steady states coexist for %s from %s to %s %s%s", r->name,
            g4(lo[0], a1, sizeof a1), g4(hi[0], a2, sizeof a2), ut(r->unit), fz);
    else if (cov < 1 - 1e-9)
        mk_buf_printf(&f->title, "Steady states along %s: converged branches cover %.0f %% of the sweep%s", r->name,
            100 * cov, fz);
    else mk_buf_printf(&f->title, "One stable steady state at each %s on the branches found%s", r->name, fz);
    if (r->unit[0] && strcmp(r->unit, "1")) fit(f->xlabel, sizeof f->xlabel, "%s (%s)", r->name, r->unit);
    else fit(f->xlabel, sizeof f->xlabel, "%s", r->name);
    for (int k = 0; k < r->n && f->n_marks < MK_PLOT_MAX_MARKS; k++) {
        const mk_cont_point *p = &r->pt[k];
        if (!p->info.converged || (p->info.kind != MK_CONT_FOLD && p->info.kind != MK_CONT_HOPF)) continue;
        f->mark_x[f->n_marks] = p->info.p;
        fit(f->mark_label[f->n_marks++], sizeof f->mark_label[0], "%s %s", p->info.kind == MK_CONT_FOLD ? "fold" : "Hopf",
            g4(p->info.p, a1, sizeof a1));
    }
}

/* x and y of the point indices idx (-1: a break). */
static void fill(const mk_cont_result *r, const int *idx, int m, const char *name, double *x, double *y)
{
    for (int i = 0; i < m; i++) {
        x[i] = idx[i] < 0 ? NAN : r->pt[idx[i]].info.p;
        y[i] = idx[i] < 0 ? NAN : mk_cont_get(r, &r->pt[idx[i]], name, NULL);
    }
}

mk_status mk_cont_write_figure(const mk_cont_result *r, const char *path, mk_error *err)
{
    const char *names[MK_PLOT_MAX_PANELS];
    int nn = panel_names(r, names), cap = 3 * r->n + 4, m[4] = {0};
    int *idx = mk_calloc(4 * (size_t)cap, sizeof *idx);
    double *buf = mk_calloc((size_t)(8 * nn) * (size_t)cap, sizeof *buf);
    mk_plot_xy *f = mk_calloc(1, sizeof *f);
    if (!idx || !buf || !f) {
        free(idx), free(buf), mk_buf_free(&f->title), free(f);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory for the continuation figure");
    }
    m[0] = curve_indices(r, 0, idx), m[1] = curve_indices(r, 1, idx + cap);
    for (int k = 0; k < r->n; k++) {
        if (!r->pt[k].info.converged) idx[2 * cap + m[2]++] = k;
        else if (r->pt[k].info.kind == MK_CONT_FOLD || r->pt[k].info.kind == MK_CONT_HOPF) idx[3 * cap + m[3]++] = k;
    }
    static const char *const label[4] = {"stable", "unstable", "not converged", "fold / Hopf"};
    static const char *const glyph[4] = {NULL, NULL, "\xc3\x97", "\xe2\x97\x8f"};
    static const int color[4] = {MK_PC_BLUE, MK_PC_VERMILLION, MK_PC_BLACK, MK_PC_BLACK};
    for (int i = 0; i < nn; i++) {
        mk_plot_panel *p = &f->panel[f->n_panels++];
        const char *unit = "";
        if (r->n) mk_cont_get(r, &r->pt[0], names[i], &unit);
        if (unit[0] && strcmp(unit, "1")) fit(p->ylabel, sizeof p->ylabel, "%s (%s)", names[i], unit);
        else fit(p->ylabel, sizeof p->ylabel, "%s", names[i]);
        for (int c = 0; c < 4; c++) {
            if (!m[c]) continue;
            double *x = buf + (size_t)(8 * i + 2 * c) * (size_t)cap, *y = x + cap;
            fill(r, idx + (size_t)c * (size_t)cap, m[c], names[i], x, y);
            p->style[p->n_curves] = c == 0 ? MK_PLOT_SOLID : c == 1 ? MK_PLOT_DASHED : MK_PLOT_MARKS;
            mk_plot_curve *cv = &p->curve[p->n_curves++];
            *cv = (mk_plot_curve){x, y, m[c], color[c], glyph[c], ""};
            snprintf(cv->label, sizeof cv->label, "%s", label[c]);
        }
    }
    figure_title(r, f);
    mk_status rc = mk_plot_xy_write(f, path, err);
    free(idx), free(buf), mk_buf_free(&f->title), free(f);
    return rc;
}
