/* referral.c -- region weights for referred pain; the method is described in referral.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "body/anatomy_internal.h"
#include "body/referral.h"
#include "core/error.h"

/* Assumed: convergence of upper cervical and trigeminal input in the trigeminocervical
 * complex is established (Bartsch & Goadsby 2003; Bogduk 2001; anatomy README §4) but its
 * strength relative to a segment's own input is not measured; half is a neutral guess. */
#define K_TCC 0.5
/* Assumed: how far referral zones spread with central sensitisation (README §4.4: "let
 * spread to adjacent segments grow with sensitisation"); half a segment's drive at full cs. */
#define K_SPREAD 0.5
/* Deep segments at least as strong as dermatomes (README §4.2); dermatomes at half weight
 * is an assumption. */
#define K_DERM 0.5
/* Selection factor (README §4.5: an open question).  gamma = 3 keeps only regions most of
 * whose innervation is shared with the site; assumed, a switch for sensitivity analysis. */
#define GAMMA 3.0

struct mk_referral {
    int n;
    char id[MK_MAX_REGIONS][64];
    double c0[MK_MAX_REGIONS], c1[MK_MAX_REGIONS]; /* connectivity = c0 + cs * c1 */
    char local[512];
};

static const uint64_t k_trigeminal = 0x7;                         /* CN V1, V2, V3 */
static const uint64_t k_upper_cervical = (uint64_t)0x7 << MK_FIRST_CORD; /* C1-C3 */

/* drive per segment for a site with afferent mask aff; spread adds neighbours at `spread` */
static void drive(uint64_t aff, double spread, double d[MK_N_SEGMENTS])
{
    for (int s = 0; s < MK_N_SEGMENTS; s++) d[s] = (aff >> s) & 1 ? 1.0 : 0.0;
    if (aff & k_upper_cervical)
        for (int s = 0; s < 3; s++) d[s] = fmax(d[s], K_TCC);
    if (aff & k_trigeminal)
        for (int s = MK_FIRST_CORD; s < MK_FIRST_CORD + 3; s++) d[s] = fmax(d[s], K_TCC);
    for (int s = MK_FIRST_CORD; s < MK_N_SEGMENTS; s++) {
        if (!((aff >> s) & 1)) continue;
        if (s > MK_FIRST_CORD && d[s - 1] < spread) d[s - 1] = spread;
        if (s + 1 < MK_N_SEGMENTS && d[s + 1] < spread) d[s + 1] = spread;
    }
}

static double connectivity(const mk_region *r, const double d[MK_N_SEGMENTS])
{
    double num = 0, den = 0;
    for (int s = 0; s < MK_N_SEGMENTS; s++) {
        double w = ((r->deep >> s) & 1 ? 1.0 : 0.0) + ((r->dermatomes >> s) & 1 ? K_DERM : 0.0);
        num += w * d[s];
        den += w;
    }
    return den > 0 ? num / den : 0.0;
}

static int is_local(const char *locals, const char *base)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", locals);
    for (char *tok = strtok(buf, ";"); tok; tok = strtok(NULL, ";"))
        if (!strcmp(tok, base)) return 1;
    return 0;
}

mk_status mk_referral_new(const mk_anatomy *a, const char *muscle, char side, mk_referral **out,
                          mk_error *err)
{
    *out = NULL;
    const mk_muscle *m = mk_anatomy_muscle(a, muscle);
    if (!m) return mk_fail(err, MK_ERR_INVALID, "unknown muscle '%s'", muscle);
    if (side != 'r' && side != 'l') return mk_fail(err, MK_ERR_INVALID, "side must be 'r' or 'l'");
    mk_referral *r = mk_calloc(1, sizeof *r);
    if (!r) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    double d0[MK_N_SEGMENTS], d1[MK_N_SEGMENTS];
    drive(m->afferent, 0.0, d0);
    drive(m->afferent, K_SPREAD, d1);
    size_t n = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", m->local_regions);
    for (char *tok = strtok(buf, ";"); tok; tok = strtok(NULL, ";"))
        n += (size_t)snprintf(r->local + n, sizeof r->local - n, "%s%s_%c", n ? ";" : "", tok, side);
    for (int i = 0; i < a->n_regions; i++) {
        const mk_region *g = &a->regions[i];
        if ((g->side != 'm' && g->side != side) || is_local(m->local_regions, g->base)) continue;
        double half = g->side == 'm' ? 0.5 : 1.0;
        double c0 = half * connectivity(g, d0), c1 = half * connectivity(g, d1) - c0;
        if (c0 + c1 <= 0) continue;
        snprintf(r->id[r->n], sizeof r->id[r->n], "%s", g->id);
        r->c0[r->n] = c0;
        r->c1[r->n] = c1;
        r->n++;
    }
    *out = r;
    return MK_OK;
}

void mk_referral_free(mk_referral *r) { free(r); }
int mk_referral_count(const mk_referral *r) { return r->n; }
const char *mk_referral_region(const mk_referral *r, int k) { return r->id[k]; }
const char *mk_referral_local_regions(const mk_referral *r) { return r->local; }

double mk_referral_weight(const mk_referral *r, int k, double cs)
{
    if (cs < 0) cs = 0;
    if (cs > 1) cs = 1;
    double c = r->c0[k] + cs * r->c1[k];
    return pow(c, GAMMA);
}
