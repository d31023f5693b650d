/*
 * vresult.c -- a validation result as a handle: mk_vtarget_run allocates the record that
 * validate.c fills, and the accessors of include/myoknot/validate.h read it, so that the
 * record's layout is free to change without changing the library's ABI.
 */
#include <math.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/error.h"
#include "validate/validate.h"

mk_status mk_vtarget_run(mk_vtarget *t, const mk_model_abi *abi, mk_units *u, const mk_anatomy *anat, mk_vresult **out,
                         mk_error *err)
{
    if (!out) return mk_fail(err, MK_ERR_INVALID, "mk_vtarget_run: missing result");
    *out = mk_calloc(1, sizeof **out);
    if (!*out) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_status rc = mk_vtarget_compute(t, abi, u, anat, *out, err);
    if (rc) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

void mk_vresult_free(mk_vresult *r)
{
    mk_vresult_clear(r);
    free(r);
}

mk_verdict mk_vresult_verdict(const mk_vresult *r) { return r ? r->verdict : MK_V_ERROR; }
const char *mk_vresult_name(const mk_vresult *r) { return r ? r->name : ""; }
const char *mk_vresult_file(const mk_vresult *r) { return r ? r->file : ""; }
const char *mk_vresult_quantity(const mk_vresult *r) { return r ? r->quantity : ""; }
const char *mk_vresult_source(const mk_vresult *r) { return r ? r->source : ""; }
const char *mk_vresult_published(const mk_vresult *r) { return r ? r->published : ""; }
const char *mk_vresult_unit(const mk_vresult *r) { return r ? r->unit : ""; }
const char *mk_vresult_compare(const mk_vresult *r) { return r ? r->compare : ""; }
const char *mk_vresult_tolerance(const mk_vresult *r) { return r ? r->tolerance : ""; }
const char *mk_vresult_why(const mk_vresult *r) { return r ? r->why : ""; }
const char *mk_vresult_role(const mk_vresult *r) { return r ? r->role : ""; }
const char *mk_vresult_role_why(const mk_vresult *r) { return r ? r->role_why : ""; }
const char *mk_vresult_circular(const mk_vresult *r) { return r ? r->circular : ""; }
const char *mk_vresult_expected(const mk_vresult *r) { return r ? r->expected : ""; }
const char *mk_vresult_model_text(const mk_vresult *r) { return r ? r->model_text : ""; }
const char *mk_vresult_note(const mk_vresult *r) { return r ? r->note : ""; }
double mk_vresult_model(const mk_vresult *r) { return r ? r->model : NAN; }
double mk_vresult_wall_s(const mk_vresult *r) { return r ? r->wall_s : NAN; }
int mk_vresult_items(const mk_vresult *r) { return r ? r->n_items : 0; }

double mk_vresult_published_value(const mk_vresult *r, double *lo, double *hi)
{
    if (lo) *lo = r ? r->pub_lo : NAN;
    if (hi) *hi = r ? r->pub_hi : NAN;
    return r ? r->pub_value : NAN;
}

void mk_vresult_accepted(const mk_vresult *r, double *lo, double *hi)
{
    if (lo) *lo = r ? r->acc_lo : NAN;
    if (hi) *hi = r ? r->acc_hi : NAN;
}

double mk_vresult_item(const mk_vresult *r, int i, const char **label)
{
    int ok = r && i >= 0 && i < r->n_items;
    if (label) *label = ok ? r->item_labels[i] : "";
    return ok ? r->items[i] : NAN;
}

int mk_vresult_direction(const mk_vresult *r, double *min_step)
{
    if (min_step) *min_step = r ? r->min_step : NAN;
    return r ? r->direction : 0;
}

int mk_vresult_recorded(const mk_vresult *r, double *values, int max, double *drift)
{
    if (drift) *drift = r ? r->drift : NAN;
    if (!r) return 0;
    for (int k = 0; values && k < r->n_recorded && k < max; k++) values[k] = r->recorded[k];
    return r->n_recorded;
}

void mk_vresult_curve(const mk_vresult *r, mk_vcurve_info *out)
{
    if (!out) return;
    if (!r) {
        *out = (mk_vcurve_info){.label = "", .unit = "", .w0_s = NAN, .w1_s = NAN};
        return;
    }
    const mk_vcurve *c = &r->curve;
    *out = (mk_vcurve_info){.label = c->label, .unit = c->unit, .n = c->n, .t_s = c->t_s, .v = c->v,
                            .w0_s = c->w0_s, .w1_s = c->w1_s, .band_applies = c->band_applies};
}
