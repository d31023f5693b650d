/*
 * result.c -- a simulation's result behind an opaque handle (include/myoknot/run.h): the
 * run (protocol/simulate.c), its summary (report/summary.c) and its run directory
 * (io/rundir.c) in the calls a program or a binding makes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/alloc.h"
#include "core/error.h"
#include "io/outdir.h"
#include "protocol/results.h"
#include "report/rundir.h"
#include "protocol/simulate.h"
#include "report/summary.h"

struct mk_result {
    mk_run_result r;
};

mk_status mk_result_simulate(const mk_model_abi *abi, const mk_protocol *p, const mk_anatomy *anat,
                             const mk_sim_opts *opts, mk_result **out, mk_error *err)
{
    if (!out || !abi || !p) return mk_fail(err, MK_ERR_INVALID, "mk_result_simulate: no model or protocol");
    *out = NULL;
    mk_sim_opts dflt;
    if (!opts) {
        mk_sim_opts_default(&dflt);
        opts = &dflt;
    }
    mk_result *res = mk_calloc(1, sizeof *res);
    if (!res) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    double t0 = mk_monotonic_s();
    mk_status st = mk_simulate(abi, p, anat, opts, &res->r, err);
    if (st) {
        /* a failure at a line of the timeline names the scenario file */
        if (err && !err->file[0] && err->line > 0) snprintf(err->file, sizeof err->file, "%s", p->file);
        free(res);
        return st;
    }
    res->r.wall_s = mk_monotonic_s() - t0;
    if ((st = mk_summary_write(&res->r, err))) {
        mk_run_result_free(&res->r);
        free(res);
        return st;
    }
    *out = res;
    return MK_OK;
}

mk_status mk_study_run(const mk_study *s, const mk_sim_opts *opts, mk_result **out, mk_error *err)
{
    if (!s) return mk_fail(err, MK_ERR_INVALID, "mk_study_run: no study");
    return mk_result_simulate(mk_study_abi(s), mk_study_protocol(s), mk_study_anatomy(s), opts, out, err);
}

void mk_result_free(mk_result *r)
{
    if (!r) return;
    mk_run_result_free(&r->r);
    free(r);
}

int mk_result_rows(const mk_result *r) { return r ? r->r.series.n_rows : 0; }
int mk_result_cols(const mk_result *r) { return r ? r->r.series.n_cols : 0; }

const char *mk_result_col_name(const mk_result *r, int col)
{
    return r && col >= 0 && col < r->r.series.n_cols ? r->r.series.names[col] : NULL;
}

const char *mk_result_col_unit(const mk_result *r, int col)
{
    return r && col >= 0 && col < r->r.series.n_cols ? r->r.series.units[col] : NULL;
}

int mk_result_col_find(const mk_result *r, const char *name)
{
    return r && name ? mk_series_find(&r->r.series, name) : -1;
}

const double *mk_result_time(const mk_result *r) { return r ? r->r.series.t_s : NULL; }

double mk_result_value(const mk_result *r, int row, int col)
{
    const mk_series *s = r ? &r->r.series : NULL;
    if (!s || row < 0 || row >= s->n_rows || col < 0 || col >= s->n_cols) return NAN;
    return s->values[(size_t)row * (size_t)s->n_cols + (size_t)col];
}

mk_status mk_result_col_copy(const mk_result *r, int col, double *out, mk_error *err)
{
    if (!r || !out || col < 0 || col >= r->r.series.n_cols)
        return mk_fail(err, MK_ERR_INVALID, "mk_result_col_copy: no column %d", col);
    for (int i = 0; i < r->r.series.n_rows; i++) out[i] = mk_result_value(r, i, col);
    return MK_OK;
}

int mk_result_meas_count(const mk_result *r) { return r ? r->r.n_meas : 0; }

mk_status mk_result_meas(const mk_result *r, int i, mk_meas_info *out, mk_error *err)
{
    if (!r || !out || i < 0 || i >= r->r.n_meas)
        return mk_fail(err, MK_ERR_INVALID, "mk_result_meas: no measurement %d", i);
    const mk_meas_result *m = &r->r.meas[i];
    out->label = m->spec ? m->spec->label : "";
    out->t_s = m->t_s;
    out->value = m->value;
    out->unit = m->unit;
    out->note = m->note;
    return MK_OK;
}

const char *mk_result_summary(const mk_result *r) { return r ? r->r.summary : ""; }

void mk_result_stats(const mk_result *r, mk_solver_stats *st)
{
    if (!st) return;
    if (r) *st = r->r.stats;
    else memset(st, 0, sizeof *st);
}

double mk_result_wall_s(const mk_result *r) { return r ? r->r.wall_s : 0.0; }
const mk_model_abi *mk_result_abi(const mk_result *r) { return r ? r->r.abi : NULL; }
const mk_protocol *mk_result_protocol(const mk_result *r) { return r ? r->r.protocol : NULL; }

mk_status mk_result_write_rundir(const mk_result *r, mk_outdir *o, mk_error *err)
{
    if (!r || !o) return mk_fail(err, MK_ERR_INVALID, "mk_result_write_rundir: no result or folder");
    return mk_rundir_fill(&r->r, o, err);
}

mk_status mk_result_write_rundir_opts(const mk_result *r, mk_outdir *o, const mk_rundir_opts *opts, mk_error *err)
{
    if (!r || !o) return mk_fail(err, MK_ERR_INVALID, "mk_result_write_rundir_opts: no result or folder");
    return mk_rundir_fill_opts(&r->r, o, opts, err);
}

mk_status mk_protocol_check_every(const mk_protocol *p, double every_s, mk_error *err)
{
    if (!p) return mk_fail(err, MK_ERR_INVALID, "mk_protocol_check_every: no protocol");
    return mk_every_check(mk_protocol_output_every_s(p), every_s, err);
}

/* myoknot sweep's outcomes of one run (myoknot/compare.h) */
void mk_sweep_outcomes(const mk_result *res, double out[MK_SWEEP_N_OUT])
{
    for (int i = 0; i < MK_SWEEP_N_OUT; i++) out[i] = NAN;
    const mk_run_result *r = &res->r;
    for (int i = 0; i < r->n_meas; i++) {
        const mk_meas_result *m = &r->meas[i];
        if (m->spec->kind != MK_MEAS_PPT || isnan(m->value)) continue;
        if (isnan(out[MK_SWEEP_PPT_FIRST])) out[MK_SWEEP_PPT_FIRST] = m->value;
        out[MK_SWEEP_PPT_LAST] = m->value;
    }
    const mk_series *s = &r->series;
    const char *pain = r->abi ? mk_abi_label_symbol(r->abi, "pain_local") : NULL;
    const char *stiff = r->abi ? mk_abi_label_symbol(r->abi, "band_stiffness") : NULL;
    int cp = pain ? mk_series_find(s, pain) : -1, cs = stiff ? mk_series_find(s, stiff) : -1;
    for (int i = 0; cp >= 0 && i < s->n_rows; i++) {
        double v = s->values[(size_t)i * (size_t)s->n_cols + (size_t)cp];
        if (isnan(out[MK_SWEEP_PAIN_PEAK]) || v > out[MK_SWEEP_PAIN_PEAK]) out[MK_SWEEP_PAIN_PEAK] = v;
        out[MK_SWEEP_PAIN_END] = v;
    }
    if (cs >= 0 && s->n_rows)
        out[MK_SWEEP_STIFF_END] = s->values[(size_t)(s->n_rows - 1) * (size_t)s->n_cols + (size_t)cs];
}
