/*
 * summary.c -- the run's story in a few lines of text.
 *
 * Rows are taken from the recorded series at up to ten evenly spaced times (the first and
 * the last included); columns are the site outputs of docs/site-interface.md that the model
 * has.  "What changed" compares the first and last rows and names the mechanisms that are
 * active at the end, read from the same outputs (thresholds below are for wording only).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "report/figures.h"
#include "report/summary.h"

static const struct {
    const char *name, *head;
} k_cols[] = {
    {"pain.local", "pain"},       {"band.stiffness", "stiff kPa"}, {"core.po2", "PO2 mmHg"},
    {"core.ph", "pH"},            {"core.pcr", "PCr mM"},          {"core.flow", "flow"},
    {"noci.rate", "noci Hz"},     {"spinal.central_sens", "central"},
};

static const char *clock(double t_s, char *buf, size_t size)
{
    double day = floor(t_s / 86400);
    double rem = t_s - day * 86400;
    int h = (int)(rem / 3600), m = (int)fmod(rem / 60, 60), s = (int)fmod(rem, 60);
    if (s) snprintf(buf, size, "d%-2.0f %02d:%02d:%02d", day + 1, h, m, s);
    else snprintf(buf, size, "d%-2.0f %02d:%02d", day + 1, h, m);
    return buf;
}

/* the referred region with the highest value in a row, or -1 */
static int worst_region(const mk_series *s, int row, const char *locals_skip)
{
    int best = -1;
    double v = 0;
    (void)locals_skip;
    for (int c = 0; c < s->n_cols; c++) {
        if (strncmp(s->names[c], "pain.region.", 12)) continue;
        double x = s->values[(size_t)row * s->n_cols + c];
        if (x > v && strcmp(s->units[c], "0-10") == 0) {
            /* local regions repeat pain.local; skip them when they equal it */
            int local = mk_series_find(s, "pain.local");
            if (local >= 0 && x == s->values[(size_t)row * s->n_cols + local]) continue;
            v = x;
            best = c;
        }
    }
    return best;
}

/* the last recorded row at or before t (rows are at output times; a measurement may fall
 * between two) */
static int nearest_row(const mk_series *s, double t)
{
    int lo = 0;
    for (int i = 0; i < s->n_rows && s->t_s[i] <= t + 1e-9; i++) lo = i;
    return lo;
}

static double at(const mk_series *s, int row, int col)
{
    return col < 0 ? NAN : s->values[(size_t)row * s->n_cols + col];
}

/* The table over time: the start, the measurement times, the worst and stiffest moments, the
 * end. */
static void write_rows(mk_buf *o, const mk_run_result *r, const int *idx)
{
    const mk_series *s = &r->series;
    mk_buf_printf(o, "%-12s", "time");
    for (size_t k = 0; k < 8; k++)
        if (idx[k] >= 0) mk_buf_printf(o, " %9s", k_cols[k].head);
    mk_buf_printf(o, "  worst referred\n");
    /* rows: the start, every distinct measurement time (the moments the scenario cares
     * about), the end; evenly spaced times when there are too few or too many of those */
    int pick[21], rows = 0, overflow = 0;
    pick[rows++] = 0;
    for (int i = 0; i < r->n_meas; i++) {
        int row = nearest_row(s, r->meas[i].t_s);
        if (row == pick[rows - 1]) continue;
        if (rows == 16) overflow = 1;
        else pick[rows++] = row;
    }
    /* and the moment of worst local pain, which measurements at rest may miss */
    int c_pain = mk_series_find(s, "pain.local"), worst = -1;
    for (int i = 0; c_pain >= 0 && i < s->n_rows; i++)
        if (worst < 0 || at(s, i, c_pain) > at(s, worst, c_pain)) worst = i;
    if (worst > 0 && rows < 18) pick[rows++] = worst;
    /* and the stiffest moment: the contracture of the band at work */
    int c_stiff = mk_series_find(s, "band.stiffness"), stiffest = -1;
    for (int i = 0; c_stiff >= 0 && i < s->n_rows; i++)
        if (stiffest < 0 || at(s, i, c_stiff) > at(s, stiffest, c_stiff)) stiffest = i;
    if (stiffest > 0 && rows < 18) pick[rows++] = stiffest;
    pick[rows++] = s->n_rows - 1;
    /* sort and drop repeats */
    for (int a = 1; a < rows; a++)
        for (int b = a; b > 0 && pick[b] < pick[b - 1]; b--) {
            int tmp = pick[b];
            pick[b] = pick[b - 1];
            pick[b - 1] = tmp;
        }
    int u = 0;
    for (int a = 0; a < rows; a++)
        if (!u || pick[a] != pick[u - 1]) pick[u++] = pick[a];
    rows = u;
    if (rows < 4 || overflow) {
        rows = s->n_rows < 10 ? s->n_rows : 10;
        for (int k = 0; k < rows; k++)
            pick[k] = rows == 1 ? 0 : (int)((double)k * (s->n_rows - 1) / (rows - 1) + 0.5);
    }
    for (int k = 0; k < rows; k++) {
        int row = pick[k];
        char tb[32];
        mk_buf_printf(o, "%-12s", clock(s->t_s[row], tb, sizeof tb));
        for (size_t c = 0; c < 8; c++) {
            if (idx[c] < 0) continue;
            double x = at(s, row, idx[c]);
            if (fabs(x) < 1e-6) x = 0; /* 4e-30 mL/100g/min is no flow */
            mk_buf_printf(o, c == 0 ? " %9.2f" : " %9.3g", x);
        }
        int w = worst_region(s, row, NULL);
        char pretty[96];
        if (w >= 0 && at(s, row, w) >= 0.05)
            mk_buf_printf(o, "  %.1f %s", at(s, row, w), mk_pretty_region(s->names[w] + 12, pretty, sizeof pretty));
        mk_buf_puts(o, "\n");
    }
}

/* every measurement, at its time */
static void write_measurements(mk_buf *o, const mk_run_result *r)
{
    if (r->n_meas) {
        mk_buf_printf(o, "\nmeasurements (on a copy of the simulated patient):\n");
        for (int i = 0; i < r->n_meas; i++) {
            const mk_meas_result *m = &r->meas[i];
            char tb[32];
            mk_buf_printf(o, "  %-12s %-28.28s ", clock(m->t_s, tb, sizeof tb), m->spec->label);
            if (isnan(m->value)) mk_buf_printf(o, "%s\n", m->note[0] ? m->note : "no value");
            else if (m->spec->kind == MK_MEAS_PPT) mk_buf_printf(o, "%7.1f kPa (%.2f kg/cm2)%s%s\n", m->value, m->value / 98.0665, m->note[0] ? "  " : "", m->note);
            else mk_buf_printf(o, "%7.3g %s\n", m->value, m->unit);
        }
    }
}

/* what changed, and the mechanisms active at the end */
static void write_changes(mk_buf *o, const mk_run_result *r, const int *idx)
{
    const mk_series *s = &r->series;
    int last = s->n_rows - 1;
    mk_buf_printf(o, "\nwhat changed from start to end:\n");
    int any = 0;
    for (size_t c = 0; c < 8; c++) {
        if (idx[c] < 0) continue;
        double a = at(s, 0, idx[c]), b = at(s, last, idx[c]);
        double scale = fmax(fabs(a), fabs(b));
        if (!(scale > 0) || fabs(b - a) < 0.05 * scale) continue;
        mk_buf_printf(o, "  %-20s %9.3g -> %-9.3g (%s)\n", k_cols[c].name, a, b, b > a ? "up" : "down");
        any = 1;
    }
    /* the measured threshold: the first and the last PPT of the run */
    const mk_meas_result *ppt0 = NULL, *ppt1 = NULL;
    for (int i = 0; i < r->n_meas; i++)
        if (r->meas[i].spec->kind == MK_MEAS_PPT && !isnan(r->meas[i].value)) {
            if (!ppt0) ppt0 = &r->meas[i];
            ppt1 = &r->meas[i];
        }
    if (ppt0 && ppt1 != ppt0 && fabs(ppt1->value - ppt0->value) >= 0.05 * ppt0->value) {
        mk_buf_printf(o, "  %-20s %9.1f -> %-9.1f kPa (%s)\n", "PPT (measured)", ppt0->value, ppt1->value,
            ppt1->value > ppt0->value ? "up: less tender" : "down: more tender");
        any = 1;
    }
    if (!any) mk_buf_printf(o, "  nothing moved by more than 5 %%\n");
    double po2 = at(s, last, mk_series_find(s, "core.po2"));
    double ph = at(s, last, mk_series_find(s, "core.ph"));
    double flow = at(s, last, mk_series_find(s, "core.flow"));
    double cs = at(s, last, mk_series_find(s, "spinal.central_sens"));
    double unmask = at(s, last, mk_series_find(s, "spinal.unmask"));
    mk_buf_printf(o, "why, at the end:\n");
    any = 0;
    if (po2 < 10) {
        mk_buf_printf(o, "  the knot core is hypoxic (PO2 %.1f mmHg, flow %.2g mL/100g/min): its capillaries are compressed\n", po2, flow);
        any = 1;
    }
    if (ph < 7.0) {
        mk_buf_printf(o, "  the core is acidic (pH %.2f): H+ with lactate and ATP drives the nociceptors\n", ph);
        any = 1;
    }
    double sens = at(s, last, mk_series_find(s, "noci.sens"));
    if (sens > 0.05) {
        mk_buf_printf(o, "  peripheral sensitisation is %.0f %% of its maximum: the nociceptors respond to less "
                "pressure (a tender site)\n", 100 * sens);
        any = 1;
    }
    if (cs > 0.2) {
        mk_buf_printf(o, "  central sensitisation is %.0f %% of its maximum: the dorsal horn amplifies input\n", 100 * cs);
        any = 1;
    }
    if (unmask > 0.2) {
        mk_buf_printf(o, "  %.0f %% of latent convergent connections are unmasked: pain is referred\n", 100 * unmask);
        any = 1;
    }
    if (!any) mk_buf_printf(o, "  no energy crisis, no sensitisation, no referral: a healthy state\n");
}

mk_status mk_summary_write(mk_run_result *r, mk_error *err)
{
    const mk_series *s = &r->series;
    free(r->summary);
    r->summary = NULL;
    mk_buf o;
    mk_buf_init(&o);
    mk_buf_puts(&o, "");
    if (s->n_rows > 0) {
        int idx[8];
        for (size_t k = 0; k < 8; k++) idx[k] = mk_series_find(s, k_cols[k].name);
        write_rows(&o, r, idx);
        write_measurements(&o, r);
        write_changes(&o, r, idx);
    }
    if (o.failed) {
        mk_buf_free(&o);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory writing the summary");
    }
    r->summary = o.data;
    return MK_OK;
}
