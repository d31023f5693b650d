/* referral.c -- region weights for referred pain; the method is described in referral.h,
 * its parameters (unit, range, source) are in data/anatomy/referral_params.csv. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "body/anatomy_internal.h"
#include "body/referral.h"
#include "core/error.h"

struct mk_referral {
    int n;
    const mk_anatomy *a;         /* region ids are the anatomy's: it must outlive this */
    int index[MK_MAX_REGIONS];   /* in the anatomy */
    double z0[MK_MAX_REGIONS], z1[MK_MAX_REGIONS]; /* score = z0 + cs * z1 */
    double gamma;
    char local[512];
};

static const uint64_t k_trigeminal = 0x7;                                /* CN V1, V2, V3 */
static const uint64_t k_upper_cervical = (uint64_t)0x7 << MK_FIRST_CORD; /* C1-C3 */

/* Body-map landmarks (data/anatomy/README.md 1.2), anatomical constants of the distal-bias
 * geometry, not fitted: heights in body heights -- the skull base / C1 just above the chin
 * (0.10), the acromion where the arm hangs from (0.18), the greater trochanter (0.49); widths
 * in image widths -- a region more than 0.27 from the midline above the trochanter is on the
 * arm, and below it only the hanging hand lies more than 0.33 out (the lateral hip, 0.28, and
 * the thigh, within 0.25, do not).  The image is 0.34 body heights wide, which turns widths
 * into body heights. */
#define Y_SKULL_BASE 0.10
#define Y_ACROMION 0.18
#define Y_HIP 0.49
#define X_ARM 0.27
#define X_HAND 0.33
#define IMAGE_WIDTH 0.34

/* drive per segment for a site with afferent mask aff; neighbours of the entry segments
 * (cord only: the cranial/C1 boundary is not an adjacency) at `adj` */
static void drive(uint64_t aff, const mk_referral_params *p, double adj, double d[MK_N_SEGMENTS])
{
    const double *v = p->value;
    for (int s = 0; s < MK_N_SEGMENTS; s++) d[s] = (aff >> s) & 1 ? 1.0 : 0.0;
    if (aff & k_upper_cervical)
        for (int s = 0; s < 3; s++) d[s] = fmax(d[s], v[MK_RP_K_TCC]);
    if (aff & k_trigeminal) {
        for (int s = MK_FIRST_CORD; s < MK_FIRST_CORD + 3; s++) d[s] = fmax(d[s], v[MK_RP_K_TCC]);
        for (int s = 0; s < 3; s++)
            if (!((aff >> s) & 1)) d[s] = fmax(d[s], v[MK_RP_K_TRIG]);
    }
    if (adj > 1) adj = 1;
    for (int s = MK_FIRST_CORD; s < MK_N_SEGMENTS; s++) {
        if (!((aff >> s) & 1)) continue;
        if (s > MK_FIRST_CORD && d[s - 1] < adj) d[s - 1] = adj;
        if (s + 1 < MK_N_SEGMENTS && d[s + 1] < adj) d[s + 1] = adj;
    }
}

/* the driven share of a region's innervation, deep segments weighted 1, dermatomes k_derm */
static double connectivity(const mk_region *r, double k_derm, const double d[MK_N_SEGMENTS])
{
    double num = 0, den = 0;
    for (uint64_t b = r->deep; b; b &= b - 1) { /* the set bits only: a region has a few segments */
        int s = __builtin_ctzll(b);
        num += d[s];
        den += 1;
    }
    for (uint64_t b = r->dermatomes; b; b &= b - 1) {
        int s = __builtin_ctzll(b);
        num += k_derm * d[s];
        den += k_derm;
    }
    return den > 0 ? num / den : 0.0;
}

/* a region's centre as (distance from the midline, height from the vertex), from whichever
 * views draw it; 0 if none */
static int centre(const mk_region *r, double *x, double *y)
{
    double sx = 0, sy = 0;
    int n = 0;
    if (r->x_front >= 0 && r->y_front >= 0) sx += fabs(r->x_front - 0.5), sy += r->y_front, n++;
    if (r->x_back >= 0 && r->y_back >= 0) sx += fabs(r->x_back - 0.5), sy += r->y_back, n++;
    if (!n) return 0;
    *x = sx / n;
    *y = sy / n;
    return 1;
}

/* distance from the spinal axis along the body, in body heights: up the head, out along the
 * hanging arm to the fingertips, down the leg, sideways on the trunk.  The arm is tested first:
 * the hand hangs below the trochanter's level, and the leg's formula made the hand and fingers
 * less distal than the elbow. */
static double distality(double x, double y)
{
    double w = IMAGE_WIDTH * x;
    if (x > X_ARM && (y < Y_HIP || x > X_HAND)) return w + (y - Y_ACROMION);
    if (y < Y_SKULL_BASE) return w + (Y_SKULL_BASE - y);
    if (y > Y_HIP) return w + (y - Y_HIP);
    return w;
}

/* 1 if base is one of the ';'-separated ids in list */
static int in_list(const char *list, const char *base)
{
    size_t n = strlen(base);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ';');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, base, n)) return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

/* the muscle's centre: the mean of its local regions' centres */
static int muscle_centre(const mk_anatomy *a, const mk_muscle *m, double *x, double *y)
{
    double sx = 0, sy = 0, rx, ry;
    int n = 0;
    for (int i = 0; i < a->n_regions; i++) {
        const mk_region *g = &a->regions[i];
        if (g->side == 'l' || !in_list(m->local_regions, g->base) || !centre(g, &rx, &ry)) continue;
        sx += rx, sy += ry, n++;
    }
    if (!n) return 0;
    *x = sx / n;
    *y = sy / n;
    return 1;
}

static void local_list(const mk_muscle *m, char side, char *out, size_t size)
{
    size_t n = 0;
    out[0] = 0;
    for (const char *p = m->local_regions; p && *p && n < size;) {
        const char *e = strchr(p, ';');
        int len = e ? (int)(e - p) : (int)strlen(p);
        n += (size_t)snprintf(out + n, size - n, "%s%.*s_%c", n ? ";" : "", len, p, side);
        p = e ? e + 1 : NULL;
    }
}

mk_status mk_referral_new_with(const mk_anatomy *a, const mk_referral_params *p, const char *muscle,
                               char side, mk_referral **out, mk_error *err)
{
    *out = NULL;
    const mk_muscle *m = mk_anatomy_muscle(a, muscle);
    if (!m) return mk_fail(err, MK_ERR_INVALID, "unknown muscle '%s'", muscle);
    if (side != 'r' && side != 'l') return mk_fail(err, MK_ERR_INVALID, "side must be 'r' or 'l'");
    mk_referral *r = mk_calloc(1, sizeof *r);
    if (!r) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    const double *v = p->value;
    double d0[MK_N_SEGMENTS], d1[MK_N_SEGMENTS];
    drive(m->afferent, p, v[MK_RP_K_ADJ], d0);
    drive(m->afferent, p, v[MK_RP_K_ADJ] + v[MK_RP_K_SPREAD], d1);
    double mx = 0.5, my = 0.5, rx, ry;
    int placed = muscle_centre(a, m, &mx, &my);
    double m_dist = distality(mx, my);
    local_list(m, side, r->local, sizeof r->local);
    r->a = a;
    r->gamma = v[MK_RP_GAMMA];
    for (int i = 0; i < a->n_regions; i++) {
        const mk_region *g = &a->regions[i];
        if (in_list(m->local_regions, g->base)) continue; /* local pain, on both sides */
        double c0 = connectivity(g, v[MK_RP_K_DERM], d0), c1 = connectivity(g, v[MK_RP_K_DERM], d1) - c0;
        /* the deep tissue the muscle pulls on and moves: its attachments and joints, on its
         * own side (a midline attachment, the sternum or sacrum, counts in full) */
        double att = (g->side == side || g->side == 'm') && in_list(m->attachments, g->base) ? v[MK_RP_K_ATT] : 0;
        if (c0 + c1 <= 0 && att <= 0) continue;
        double sel = 1;
        if (g->side == 'm') sel *= v[MK_RP_K_MID];
        else if (g->side != side) sel *= v[MK_RP_K_CROSS];
        if (placed && centre(g, &rx, &ry)) sel *= exp(v[MK_RP_B_DISTAL] * (distality(rx, ry) - m_dist));
        double z0 = v[MK_RP_GAIN] * (sel * c0 + att), z1 = v[MK_RP_GAIN] * sel * c1;
        if (!(z0 + z1 > 0)) continue;
        r->index[r->n] = i;
        r->z0[r->n] = z0;
        r->z1[r->n] = z1;
        r->n++;
    }
    /* competition: divided by the best-connected target's score to the power k_norm, so
     * that a muscle whose segments reach many regions does not light them all */
    double zmax = 0;
    for (int k = 0; k < r->n; k++) zmax = fmax(zmax, r->z0[k]);
    double scale = zmax > 0 ? pow(zmax, -v[MK_RP_K_NORM]) : 1;
    for (int k = 0; k < r->n; k++) r->z0[k] *= scale, r->z1[k] *= scale;
    *out = r;
    return MK_OK;
}

mk_status mk_referral_new(const mk_anatomy *a, const char *muscle, char side, mk_referral **out,
                          mk_error *err)
{
    return mk_referral_new_with(a, &a->referral, muscle, side, out, err);
}

void mk_referral_free(mk_referral *r) { free(r); }
int mk_referral_count(const mk_referral *r) { return r->n; }
const char *mk_referral_region(const mk_referral *r, int k) { return r->a->regions[r->index[k]].id; }
const char *mk_referral_local_regions(const mk_referral *r) { return r->local; }
int mk_referral_region_index(const mk_referral *r, int k) { return r->index[k]; }

double mk_referral_weight(const mk_referral *r, int k, double cs)
{
    if (cs < 0) cs = 0;
    if (cs > 1) cs = 1;
    double z = r->z0[k] + cs * r->z1[k];
    return pow(z < 1 ? z : 1, r->gamma);
}
