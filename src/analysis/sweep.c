/* sweep.c -- myoknot sweep's figure: a run's outcomes against the swept setting
 * (myoknot/compare.h; the outcomes themselves: mk_sweep_outcomes in src/api/result.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/common.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/workers.h"
#include "myoknot/compare.h"

const char *mk_sweep_out_name(int i)
{
    static const char *const names[MK_SWEEP_N_OUT] = {"ppt_first_kPa", "ppt_last_kPa", "pain_peak", "pain_end",
                                                      "stiffness_end_kPa"};
    return i >= 0 && i < MK_SWEEP_N_OUT ? names[i] : "";
}

/* The figure: PPT (first and last), pain (peak and end), stiffness at the end, against x */
mk_status mk_sweep_write_figure(const char *target, const char *unit, int n, const double *x,
                                 const double *out, const char *path, mk_error *err)
{
    mk_plot_xy *f = mk_calloc(1, sizeof *f);
    double *col[MK_SWEEP_N_OUT] = {0};
    mk_status rc = f ? MK_OK : mk_fail(err, MK_ERR_NOMEM, "out of memory");
    for (int i = 0; i < MK_SWEEP_N_OUT; i++) {
        col[i] = mk_malloc((size_t)n * sizeof *col[i]);
        if (!col[i]) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
        for (int k = 0; col[i] && k < n; k++) col[i][k] = out[(size_t)k * MK_SWEEP_N_OUT + (size_t)i];
    }
    if (!rc) {
        /* the title names the outcome that moves most (relative to its size) across the sweep */
        static const int cand[] = {MK_SWEEP_PPT_LAST, MK_SWEEP_PAIN_PEAK, MK_SWEEP_STIFF_END};
        static const char *const what[] = {"Last PPT (kPa)", "Peak local pain", "Final band stiffness (kPa)"};
        int best = -1;
        double best_rel = -1;
        for (int q = 0; q < 3; q++) {
            double lo = INFINITY, hi = -INFINITY;
            for (int k = 0; k < n; k++) mk_plot_span(&lo, &hi, col[cand[q]][k]);
            double rel = hi >= lo ? (hi - lo) / fmax(fabs(hi), fabs(lo)) : -1;
            if (rel > best_rel) best_rel = rel, best = q;
        }
        if (best >= 0) {
            const double a = col[cand[best]][0], b = col[cand[best]][n - 1];
            mk_buf_printf(&f->title, "%s %s from %.3g to %.3g as %s goes from %g to %g %s", what[best],
                     b > a ? "rises" : b < a ? "falls" : "stays", a, b, target, x[0], x[n - 1], unit);
        }
        snprintf(f->xlabel, sizeof f->xlabel, "%.100s (%.50s)", target, unit);
        static const char *const dot = "\xe2\x97\x8f";
        /* the smallest span an axis shows: an algometer's SEM (about 20 kPa), a point of the
         * 0-10 scale, a tenth of resting band stiffness -- less is drawn flat, not magnified */
        struct {
            const char *ylabel;
            int a, b;
            const char *la, *lb;
            double min_span;
        } panels[] = {
            {"PPT (kPa)", MK_SWEEP_PPT_LAST, MK_SWEEP_PPT_FIRST, "last measured", "first measured", 20},
            {"Local pain (0-10)", MK_SWEEP_PAIN_PEAK, MK_SWEEP_PAIN_END, "peak", "at the end", 1},
            {"Band stiffness (kPa)", MK_SWEEP_STIFF_END, -1, "at the end", NULL, 0.5},
        };
        for (size_t q = 0; q < sizeof panels / sizeof *panels; q++) {
            int any = 0;
            for (int k = 0; k < n; k++) any |= !isnan(col[panels[q].a][k]);
            if (!any) continue; /* no PPT measured in this scenario */
            mk_plot_panel *p = &f->panel[f->n_panels++];
            snprintf(p->ylabel, sizeof p->ylabel, "%s", panels[q].ylabel);
            p->min_span = panels[q].min_span;
            p->curve[p->n_curves] = (mk_plot_curve){x, col[panels[q].a], n, MK_PC_VERMILLION, dot, ""};
            snprintf(p->curve[p->n_curves++].label, sizeof p->curve[0].label, "%s", panels[q].la);
            if (panels[q].b >= 0) {
                p->curve[p->n_curves] = (mk_plot_curve){x, col[panels[q].b], n, MK_PC_BLUE, dot, ""};
                snprintf(p->curve[p->n_curves].label, sizeof p->curve[0].label, "%s", panels[q].lb);
                p->style[p->n_curves++] = MK_PLOT_DASHED;
            }
        }
        rc = mk_plot_xy_write(f, path, err);
    }
    for (int i = 0; i < MK_SWEEP_N_OUT; i++) free(col[i]);
    mk_buf_free(&f->title);
    free(f);
    return rc;
}


/* ---------------------------------------------------------------- running the values */

/* A worker's record: value k's outcomes, or why its run failed (failed 1). */
typedef struct sweep_rec {
    int k, failed;
    double out[MK_SWEEP_N_OUT];
    char why[1024];
} sweep_rec;

typedef struct sweep_job {
    const mk_model_abi *abi;
    mk_protocol *const *protos;
    const mk_anatomy *anat;
    double (*res)[MK_SWEEP_N_OUT];
    int n, have, failed_k;
    char why[1024];
    const mk_sweep_opts *o;
} sweep_job;

static void sweep_task(void *ctx, int k, int fd)
{
    const sweep_job *j = ctx;
    sweep_rec rec = {.k = k};
    mk_sim_opts so;
    mk_sim_opts_default(&so);
    mk_result *r = NULL;
    mk_error err = {0};
    if (mk_result_simulate(j->abi, j->protos[k], j->anat, &so, &r, &err)) {
        rec.failed = 1;
        snprintf(rec.why, sizeof rec.why, "%s", err.message);
    } else {
        mk_sweep_outcomes(r, rec.out);
    }
    mk_result_free(r);
    if (mk_worker_send(fd, &rec, sizeof rec)) _exit(4);
}

static void sweep_record(void *ctx, const void *p)
{
    sweep_job *j = ctx;
    sweep_rec rec;
    memcpy(&rec, p, sizeof rec);
    if (rec.k < 0 || rec.k >= j->n) return;
    if (rec.failed) {
        if (j->failed_k < 0) j->failed_k = rec.k, snprintf(j->why, sizeof j->why, "%s", rec.why);
        return;
    }
    memcpy(j->res[rec.k], rec.out, sizeof rec.out);
    j->have++;
    if (j->o->progress) j->o->progress(j->o->progress_ctx, j->have, j->n);
}

mk_status mk_sweep_run(const mk_model_abi *abi, mk_protocol *const *protos, int n, const mk_anatomy *anat,
                       const mk_sweep_opts *o, double (*res)[MK_SWEEP_N_OUT], mk_error *err)
{
    if (!abi || !protos || n < 1 || !anat || !o || !res) return mk_fail(err, MK_ERR_INVALID, "mk_sweep_run: missing argument");
    for (int k = 0; k < n; k++)
        for (int i = 0; i < MK_SWEEP_N_OUT; i++) res[k][i] = NAN;
    sweep_job j = {.abi = abi, .protos = protos, .anat = anat, .res = res, .n = n, .failed_k = -1, .o = o};
    mk_status rc = mk_workers_run(n, o->jobs, sizeof(sweep_rec), sweep_task, &j, sweep_record, &j, "sweep", err);
    if (!rc && j.failed_k >= 0) {
        rc = mk_fail(err, MK_ERR_SOLVER, "%s", j.why);
        if (o->failed_at) *o->failed_at = j.failed_k;
    }
    if (!rc && j.have != n) rc = mk_fail(err, MK_ERR_IO, "the sweep's workers reported %d of %d values", j.have, n);
    return rc;
}
