/*
 * regions.c -- pain per body region from several sites' own referral (protocol/regions.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body/referral.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/site.h"
#include "protocol/regions.h"

typedef struct region_col {
    char name[64];
    int local[MK_MAX_SITES];  /* the region is site s's own */
    int k[MK_MAX_SITES];      /* its index in site s's referral, -1 if none */
} region_col;

struct mk_regions {
    int n_sites;
    mk_referral *ref[MK_MAX_SITES];
    int i_local[MK_MAX_SITES], i_ref[MK_MAX_SITES];
    mk_site site[MK_MAX_SITES]; /* central sensitisation: a state in tp_site, a variable elsewhere */
    region_col *cols;
    int n, cap;
};

void mk_regions_free(mk_regions *r)
{
    if (!r) return;
    for (int s = 0; s < r->n_sites; s++) mk_referral_free(r->ref[s]);
    free(r->cols);
    free(r);
}

int mk_regions_count(const mk_regions *r) { return r ? r->n : 0; }
const char *mk_regions_name(const mk_regions *r, int j) { return r->cols[j].name; }

/* The column of region id, added if new. */
static region_col *column(mk_regions *r, const char *id)
{
    for (int j = 0; j < r->n; j++)
        if (!strcmp(r->cols[j].name, id)) return &r->cols[j];
    if (r->n == r->cap) {
        int cap = r->cap ? 2 * r->cap : 32;
        region_col *c = mk_realloc(r->cols, (size_t)cap * sizeof *c);
        if (!c) return NULL;
        r->cols = c;
        r->cap = cap;
    }
    region_col *c = &r->cols[r->n++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", id);
    for (int s = 0; s < MK_MAX_SITES; s++) c->k[s] = -1;
    return c;
}

/* Site s's labels and map; its local regions as columns. */
static mk_status add_site(mk_regions *r, const mk_model_abi *abi, const mk_anatomy *anat,
                          const mk_protocol *p, int s, mk_error *err)
{
    char prefix[64], locals[512];
    snprintf(prefix, sizeof prefix, "%.48s_%.1s", p->sites[s].muscle, p->sites[s].side);
    mk_site_resolve_prefix(abi, prefix, &r->site[s]);
    r->i_local[s] = mk_site_var(&r->site[s], MK_L_PAIN_LOCAL);
    r->i_ref[s] = mk_site_var(&r->site[s], MK_L_PAIN_REFERRED);
    if (r->i_local[s] < 0 || r->i_ref[s] < 0)
        return mk_fail(err, MK_ERR_MODEL, "model '%s' lacks the labels %s_pain_local and "
                       "%s_pain_referred (variables) for its site %s", abi->name, prefix, prefix, prefix);
    mk_status rc = mk_referral_new(anat, p->sites[s].muscle, p->sites[s].side[0], &r->ref[s], err);
    if (rc) return rc;
    snprintf(locals, sizeof locals, "%s", mk_referral_local_regions(r->ref[s]));
    char *save = NULL; /* strtok_r: no hidden state */
    for (char *tok = strtok_r(locals, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        region_col *c = column(r, tok);
        if (!c) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
        c->local[s] = 1;
    }
    return MK_OK;
}

mk_status mk_regions_new(const mk_model_abi *abi, const mk_anatomy *anat, const mk_protocol *p,
                         mk_regions **out, mk_error *err)
{
    *out = NULL;
    mk_regions *r = mk_calloc(1, sizeof *r);
    if (!r) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_status rc = MK_OK;
    for (int s = 0; !rc && s < p->n_sites && s < MK_MAX_SITES; s++) {
        rc = add_site(r, abi, anat, p, s, err);
        r->n_sites = s + 1;
    }
    /* then the referred regions, felt at all, of every site, in each site's anatomy order */
    for (int s = 0; !rc && s < r->n_sites; s++)
        for (int k = 0; !rc && k < mk_referral_count(r->ref[s]); k++) {
            const char *id = mk_referral_region(r->ref[s], k);
            if (mk_referral_weight(r->ref[s], k, 1.0) <= 0.02) continue;
            region_col *c = column(r, id);
            if (!c) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
            else c->k[s] = k;
        }
    if (rc) {
        mk_regions_free(r);
        return rc;
    }
    *out = r;
    return MK_OK;
}

void mk_regions_eval(const mk_regions *r, const double *y, const double *v, double *out)
{
    for (int j = 0; j < r->n; j++) {
        const region_col *c = &r->cols[j];
        double best = 0;
        for (int s = 0; s < r->n_sites; s++) {
            double x = c->local[s] ? v[r->i_local[s]] : 0;
            if (c->k[s] >= 0) {
                double cs = mk_site_value(&r->site[s], MK_L_SPINAL_CENTRAL_SENS, y, v, 0);
                double ref = v[r->i_ref[s]] * mk_referral_weight(r->ref[s], c->k[s], cs);
                if (ref > x) x = ref;
            }
            if (x > best) best = x;
        }
        out[j] = best;
    }
}
