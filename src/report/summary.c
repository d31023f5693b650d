/*
 * summary.c -- the run's story in a few lines of text.
 *
 * Rows are taken from the recorded series at up to ten evenly spaced times (the first and
 * the last included); columns are the site outputs of docs/site-interface.md that the model
 * labels.  "What changed" compares the first and last rows; "why" is the model's own
 * explanation of the end state (its `why` sentences), so a hypothesis variant explains
 * itself and a model without them says nothing it cannot know.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/site.h"
#include "report/figures.h"
#include "report/summary.h"

static const struct {
    mk_site_label label;
    const char *head;
} k_cols[] = {
    {MK_L_PAIN_LOCAL, "pain"},   {MK_L_BAND_STIFFNESS, "stiff kPa"}, {MK_L_CORE_PO2, "PO2 mmHg"},
    {MK_L_CORE_PH, "pH"},        {MK_L_CORE_PCR, "PCr mM"},          {MK_L_CORE_FLOW, "flow"},
    {MK_L_NOCI_RATE, "noci Hz"}, {MK_L_SPINAL_CENTRAL_SENS, "central"},
};

/* The series column of a label, -1 if the model lacks it (or the run did not record it). */
static int column(const mk_series *s, const mk_site *site, mk_site_label l)
{
    const char *name = mk_site_symbol(site, l);
    return name ? mk_series_find(s, name) : -1;
}

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
static int worst_region(const mk_series *s, int row, int local)
{
    int best = -1;
    double v = 0;
    for (int c = 0; c < s->n_cols; c++) {
        if (strncmp(s->names[c], "pain.region.", 12)) continue;
        double x = s->values[(size_t)row * s->n_cols + c];
        if (x > v && strcmp(s->units[c], "0-10") == 0) {
            /* local regions repeat the local pain; skip them when they equal it */
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
static void write_rows(mk_buf *o, const mk_run_result *r, const mk_site *site, const int *idx)
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
    int c_pain = column(s, site, MK_L_PAIN_LOCAL), worst = -1;
    for (int i = 0; c_pain >= 0 && i < s->n_rows; i++)
        if (worst < 0 || at(s, i, c_pain) > at(s, worst, c_pain)) worst = i;
    if (worst > 0 && rows < 18) pick[rows++] = worst;
    /* and the stiffest moment: the contracture of the band at work */
    int c_stiff = column(s, site, MK_L_BAND_STIFFNESS), stiffest = -1;
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
        int w = worst_region(s, row, c_pain);
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
/* A why sentence with its {LABEL[:fmt]} quoted from the row (check.c vetted the formats). */
static void say(mk_buf *o, const mk_model_abi *abi, const mk_series *s, int row, const char *text)
{
    mk_buf_puts(o, "  ");
    for (const char *p = text; *p; p++) {
        const char *end = *p == '{' ? strchr(p, '}') : NULL;
        if (!end) {
            mk_buf_printf(o, "%c", *p);
            continue;
        }
        const char *colon = memchr(p, ':', (size_t)(end - p));
        size_t n = (size_t)((colon ? colon : end) - p - 1);
        double x = NAN;
        for (int i = 0; i < abi->n_labels; i++) {
            const mk_label_def *l = &abi->labels[i];
            if (strlen(l->name) != n || memcmp(l->name, p + 1, n)) continue;
            const mk_symbol *sym = l->kind == MK_SYM_STATE ? &abi->states[l->index] : &abi->vars[l->index];
            x = at(s, row, mk_series_find(s, sym->name));
        }
        if (!colon) mk_buf_printf(o, "%.3g", x);
        else if (colon[1] == '%') mk_buf_printf(o, "%.0f", 100 * x);
        else if (colon[3] == 'f') mk_buf_printf(o, "%.*f", colon[2] - '0', x);
        else mk_buf_printf(o, "%.*g", colon[2] - '0', x);
        p = end;
    }
    mk_buf_puts(o, "\n");
}

/* The model's why sentences whose condition holds at the last row; otherwise its `otherwise`. */
static void write_why(mk_buf *o, const mk_model_abi *abi, const mk_series *s, int last)
{
    if (!abi || abi->n_whys == 0) return;
    mk_buf_printf(o, "why, at the end:\n");
    int any = 0;
    for (int i = 0; i < abi->n_whys; i++) {
        const mk_why_def *w = &abi->whys[i];
        if (w->op == 0) continue;
        const mk_label_def *l = &abi->labels[w->label];
        const mk_symbol *sym = l->kind == MK_SYM_STATE ? &abi->states[l->index] : &abi->vars[l->index];
        double x = at(s, last, mk_series_find(s, sym->name));
        if (w->op < 0 ? x < w->threshold : x > w->threshold) {
            say(o, abi, s, last, w->text);
            any = 1;
        }
    }
    for (int i = 0; i < abi->n_whys && !any; i++)
        if (abi->whys[i].op == 0) {
            say(o, abi, s, last, abi->whys[i].text);
            any = 1;
        }
}

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
        mk_buf_printf(o, "  %-20s %9.3g -> %-9.3g (%s)\n", s->names[idx[c]], a, b, b > a ? "up" : "down");
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
    write_why(o, r->abi, s, last);
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
        mk_site site;
        mk_site_resolve(r->abi, &site);
        for (size_t k = 0; k < 8; k++) idx[k] = column(s, &site, k_cols[k].label);
        write_rows(&o, r, &site, idx);
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
