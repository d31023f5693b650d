/*
 * fit_data.c -- a patient's measurements and the protocol they came from, as a fit's residual
 * function (include/myoknot/analysis.h): what `myoknot fit --data` needs, in the library.
 */
#include <stdlib.h>
#include <string.h>

#include "analysis/fit.h"
#include "core/alloc.h"
#include "core/error.h"
#include "protocol/results.h"
#include "protocol/simulate.h"

struct mk_fit_dataset {
    mk_protocol proto;        /* the study's, with its own parameter overrides (owned) */
    const mk_anatomy *anat;
    mk_fit_data data;
};

mk_status mk_fit_dataset_new(const mk_study *s, const char *csv_path, mk_fit_dataset **out, mk_error *err)
{
    if (!out || !s || !csv_path) return mk_fail(err, MK_ERR_INVALID, "mk_fit_dataset_new: bad arguments");
    *out = NULL;
    const mk_protocol *p = mk_study_protocol(s);
    mk_fit_dataset *d = mk_calloc(1, sizeof *d);
    if (!d) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    d->proto = *p; /* shares the study's arrays, except params (below): the study outlives it */
    d->anat = mk_study_anatomy(s);
    d->proto.params = mk_calloc((size_t)p->n_params + 1, sizeof *d->proto.params);
    if (!d->proto.params) {
        free(d);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    }
    if (p->n_params) memcpy(d->proto.params, p->params, (size_t)p->n_params * sizeof *p->params);
    mk_status st = mk_fit_data_load_file(csv_path, mk_study_units(s), &d->data, err);
    if (st) {
        mk_fit_dataset_free(d);
        return st;
    }
    *out = d;
    return MK_OK;
}

void mk_fit_dataset_free(mk_fit_dataset *d)
{
    if (!d) return;
    free(d->proto.params);
    mk_fit_data_free(&d->data);
    free(d);
}

const mk_fit_data *mk_fit_dataset_data(const mk_fit_dataset *d) { return d ? &d->data : NULL; }

mk_status mk_fit_dataset_drop_overrides(mk_fit_dataset *d, const mk_model_abi *abi, const mk_fit_param *p, int k,
                                        mk_buf *notes, mk_error *err)
{
    if (!d || !abi || (k > 0 && !p)) return mk_fail(err, MK_ERR_INVALID, "mk_fit_dataset_drop_overrides: bad arguments");
    mk_protocol *pr = &d->proto;
    int n = 0;
    for (int i = 0; i < pr->n_params; i++) {
        int fitted = 0;
        for (int j = 0; j < k; j++) fitted |= p[j].param == pr->params[i].param;
        if (fitted && notes)
            mk_buf_printf(notes, "the scenario sets %s; the fit estimates it instead\n", abi->params[pr->params[i].param].name);
        if (!fitted) pr->params[n++] = pr->params[i];
    }
    pr->n_params = n;
    return MK_OK;
}

mk_status mk_fit_dataset_residuals(void *ctx, const mk_model_abi *abi, double *r, mk_error *err)
{
    const mk_fit_dataset *d = ctx;
    mk_sim_opts so;
    mk_sim_opts_default(&so);
    mk_run_result run;
    mk_status rc = mk_simulate(abi, &d->proto, d->anat, &so, &run, err);
    if (rc) return rc;
    rc = mk_fit_data_residuals(&d->data, &run, r, err);
    mk_run_result_free(&run);
    return rc;
}
