/*
 * anatomy.c -- body regions and muscles from data/anatomy/ CSV files (embedded at build time by
 * cmake/embed.cmake) with their spinal and cranial segments as bit masks.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "body/anatomy_internal.h"
#include "core/error.h"
#include "core/text.h"

extern const char mk_anatomy_regions_csv[];
extern const char mk_anatomy_muscles_csv[];

/* Segment order: cranial nerves first, then the cord from C1 down; adjacent bits are
 * adjacent segments (used for spread), except across the cranial/C1 boundary. */
static const char *const k_segments[MK_N_SEGMENTS] = {
    "CN V1", "CN V2", "CN V3", "CN VII", "CN IX", "CN X", "CN XI",
    "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8",
    "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10", "T11", "T12",
    "L1", "L2", "L3", "L4", "L5", "S1", "S2", "S3", "S4", "S5", "Co1"};

const char *mk_segment_name(int i) { return i >= 0 && i < MK_N_SEGMENTS ? k_segments[i] : "?"; }

int mk_segment_index(const char *token)
{
    for (int i = 0; i < MK_N_SEGMENTS; i++)
        if (!strcmp(k_segments[i], token)) return i;
    return -1;
}

/* ---------------------------------------------------------------- CSV (RFC 4180 subset) */

/* Split one record starting at *pos into fields (quoted fields may hold commas and ""),
 * advancing *pos past the line end.  Returns the number of fields. */
static int csv_record(const char **pos, char (*fields)[512], int max)
{
    const char *p = *pos;
    int n = 0;
    for (;;) {
        char *out = fields[n];
        size_t len = 0;
        if (*p == '"') {
            p++;
            while (*p && !(*p == '"' && p[1] != '"')) {
                if (*p == '"') p++; /* "" */
                if (len < 511) out[len++] = *p;
                p++;
            }
            if (*p == '"') p++;
        }
        while (*p && *p != ',' && *p != '\n' && *p != '\r') {
            if (len < 511) out[len++] = *p;
            p++;
        }
        out[len] = 0;
        if (n < max - 1) n++;
        if (*p == ',') {
            p++;
            continue;
        }
        while (*p == '\r' || *p == '\n') p++;
        break;
    }
    *pos = p;
    return n;
}

/* Copy a CSV field into a fixed buffer, cutting it if need be (ids and names are short). */
static void copy_field(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size) n = size - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static uint64_t segment_mask(const char *list)
{
    uint64_t mask = 0;
    char tok[64];
    for (const char *p = list; *p;) { /* no strtok: loading must be safe from several threads */
        size_t n = strcspn(p, ";");
        while (n && *p == ' ') p++, n--;
        snprintf(tok, sizeof tok, "%.*s", (int)(n < sizeof tok ? n : sizeof tok - 1), p);
        int i = mk_segment_index(tok);
        if (i >= 0) mask |= (uint64_t)1 << i;
        p += n + (p[n] == ';');
    }
    return mask;
}

static int column(char (*header)[512], int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(header[i], name)) return i;
    return -1;
}

#define MAX_FIELDS 20

typedef char field[512];

static mk_status load_regions(mk_anatomy *a, field *f, field *h, mk_error *err)
{
    const char *p = mk_anatomy_regions_csv;
    int nh = csv_record(&p, h, MAX_FIELDS);
    int c_id = column(h, nh, "id"), c_name = column(h, nh, "name"), c_lat = column(h, nh, "laterality");
    int c_derm = column(h, nh, "dermatomes"), c_deep = column(h, nh, "deep_segments");
    int c_xf = column(h, nh, "x_front"), c_yf = column(h, nh, "y_front");
    int c_xb = column(h, nh, "x_back"), c_yb = column(h, nh, "y_back");
    if (c_id < 0 || c_name < 0 || c_lat < 0 || c_derm < 0 || c_deep < 0 || c_xf < 0 || c_yb < 0)
        return mk_fail(err, MK_ERR_IO, "body_regions.csv lacks an expected column");
    while (*p) {
        int n = csv_record(&p, f, MAX_FIELDS);
        if (n <= c_deep || !f[c_id][0]) continue;
        int lateral = !strcmp(f[c_lat], "lateral");
        for (int side = 0; side < (lateral ? 2 : 1); side++) {
            if (a->n_regions == MK_MAX_REGIONS) return mk_fail(err, MK_ERR_IO, "too many regions");
            mk_region *r = &a->regions[a->n_regions++];
            copy_field(r->base, sizeof r->base, f[c_id]);
            copy_field(r->id, sizeof r->id - 2, r->base);
            if (lateral) strcat(r->id, side ? "_l" : "_r");
            copy_field(r->name, sizeof r->name, f[c_name]);
            r->side = lateral ? (side ? 'l' : 'r') : 'm';
            r->dermatomes = segment_mask(f[c_derm]);
            r->deep = segment_mask(f[c_deep]);
            double xf = f[c_xf][0] ? atof(f[c_xf]) : -1, xb = f[c_xb][0] ? atof(f[c_xb]) : -1;
            /* the file gives the right side; the left mirrors it (README §1.2) */
            r->x_front = (side && xf >= 0) ? 1 - xf : xf;
            r->x_back = (side && xb >= 0) ? 1 - xb : xb;
            r->y_front = f[c_yf][0] ? atof(f[c_yf]) : -1;
            r->y_back = f[c_yb][0] ? atof(f[c_yb]) : -1;
        }
    }
    return MK_OK;
}

static mk_status load_muscles(mk_anatomy *a, field *f, field *h, mk_error *err)
{
    const char *p = mk_anatomy_muscles_csv;
    int nh = csv_record(&p, h, MAX_FIELDS);
    int c_id = column(h, nh, "id"), c_name = column(h, nh, "name");
    int c_aff = column(h, nh, "afferent_segments"), c_loc = column(h, nh, "local_regions");
    int c_att = column(h, nh, "attachment_regions"); /* optional: older tables lack it */
    if (c_id < 0 || c_name < 0 || c_aff < 0 || c_loc < 0)
        return mk_fail(err, MK_ERR_IO, "muscles.csv lacks an expected column");
    while (*p) {
        int n = csv_record(&p, f, MAX_FIELDS);
        if (n <= c_loc || !f[c_id][0]) continue;
        if (a->n_muscles == MK_MAX_MUSCLES) return mk_fail(err, MK_ERR_IO, "too many muscles");
        mk_muscle *m = &a->muscles[a->n_muscles++];
        copy_field(m->id, sizeof m->id, f[c_id]);
        copy_field(m->name, sizeof m->name, f[c_name]);
        copy_field(m->local_regions, sizeof m->local_regions, f[c_loc]);
        if (c_att >= 0 && c_att < n) copy_field(m->attachments, sizeof m->attachments, f[c_att]);
        m->afferent = segment_mask(f[c_aff]);
    }
    return MK_OK;
}

mk_status mk_anatomy_load(mk_anatomy **out, mk_error *err)
{
    *out = NULL;
    /* CSV scratch on the heap, per call: loading is safe from several threads */
    mk_anatomy *a = mk_calloc(1, sizeof *a);
    field *scratch = mk_calloc(2 * MAX_FIELDS, sizeof *scratch);
    if (!a || !scratch) {
        free(a);
        free(scratch);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    }
    mk_status rc = load_regions(a, scratch, scratch + MAX_FIELDS, err);
    if (!rc) rc = load_muscles(a, scratch, scratch + MAX_FIELDS, err);
    if (!rc) rc = mk_referral_params_default(&a->referral, err);
    free(scratch);
    if (rc) {
        free(a);
        return rc;
    }
    *out = a;
    return MK_OK;
}

void mk_anatomy_free(mk_anatomy *a) { free(a); }

const mk_region *mk_anatomy_region(const mk_anatomy *a, const char *id)
{
    for (int i = 0; i < a->n_regions; i++)
        if (!strcmp(a->regions[i].id, id)) return &a->regions[i];
    return NULL;
}

const mk_muscle *mk_anatomy_muscle(const mk_anatomy *a, const char *id)
{
    for (int i = 0; i < a->n_muscles; i++)
        if (!strcmp(a->muscles[i].id, id)) return &a->muscles[i];
    return NULL;
}

int mk_anatomy_region_count(const mk_anatomy *a) { return a->n_regions; }

const char *mk_anatomy_region_place(const mk_anatomy *a, int i, char *side, double xy[4])
{
    if (i < 0 || i >= a->n_regions) return NULL;
    const mk_region *r = &a->regions[i];
    if (side) *side = r->side;
    if (xy) xy[0] = r->x_front, xy[1] = r->y_front, xy[2] = r->x_back, xy[3] = r->y_back;
    return r->id;
}

int mk_anatomy_region_index(const mk_anatomy *a, const char *id)
{
    const mk_region *r = mk_anatomy_region(a, id);
    return r ? (int)(r - a->regions) : -1;
}

void mk_anatomy_region_id(const char *in, char *out, size_t size)
{
    snprintf(out, size, "%s", in);
    size_t n = strlen(out);
    if (n > 6 && strcmp(out + n - 6, "_right") == 0) out[n - 4] = 0;
    else if (n > 5 && strcmp(out + n - 5, "_left") == 0) out[n - 3] = 0;
}

int mk_anatomy_has_region(const mk_anatomy *a, const char *id)
{
    return !strcmp(id, "local") || mk_anatomy_region(a, id) != NULL;
}

int mk_anatomy_has_muscle(const mk_anatomy *a, const char *id)
{
    return mk_anatomy_muscle(a, id) != NULL;
}


const char *mk_anatomy_suggest(const mk_anatomy *a, const char *id, int muscles)
{
    const char *best = NULL;
    int best_d = 4;
    int n = muscles ? a->n_muscles : a->n_regions;
    for (int i = 0; i < n; i++) {
        const char *cand = muscles ? a->muscles[i].id : a->regions[i].id;
        int d = mk_edit_distance(id, cand);
        if (d < best_d) {
            best_d = d;
            best = cand;
        }
    }
    return best;
}

/* ---------------------------------------------------------------- sites sharing segments */

/* "CN V3" -> "cnv3", "C2" -> "c2" */
static void segment_token(int i, char *buf, size_t size)
{
    size_t k = 0;
    for (const char *p = mk_segment_name(i); *p && k + 1 < size; p++)
        if (isalnum((unsigned char)*p)) buf[k++] = (char)tolower((unsigned char)*p);
    buf[k] = 0;
}

int mk_anatomy_segment_groups(const mk_anatomy *a, int n, const char *const *muscles,
                              const char *const *sides, int *group, char (*names)[40])
{
    uint64_t mask[64];
    if (n > 64) return -1;
    for (int i = 0; i < n; i++) {
        const mk_muscle *m = mk_anatomy_muscle(a, muscles[i]);
        if (!m) return -1;
        mask[i] = m->afferent;
        group[i] = i;
    }
    /* merge until nothing changes: a site joins the lowest group it overlaps */
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (group[j] < group[i] && !strcmp(sides[i], sides[j]) && (mask[i] & mask[j])) {
                    int old = group[i];
                    for (int k = 0; k < n; k++)
                        if (group[k] == old) group[k] = group[j];
                    changed = 1;
                }
        for (int g = 0; g < n; g++) { /* the union of a group's masks */
            uint64_t u = 0;
            for (int k = 0; k < n; k++)
                if (group[k] == g) u |= mask[k];
            for (int k = 0; k < n; k++)
                if (group[k] == g) mask[k] = u;
        }
    }
    int n_groups = 0, renum[64];
    for (int g = 0; g < n; g++) renum[g] = -1;
    for (int i = 0; i < n; i++) {
        int g = group[i];
        if (renum[g] < 0) {
            renum[g] = n_groups++;
            int lo = 0, hi = MK_N_SEGMENTS - 1;
            while (lo < MK_N_SEGMENTS && !(mask[i] >> lo & 1)) lo++;
            while (hi > 0 && !(mask[i] >> hi & 1)) hi--;
            char first[16] = "none", last[16] = "none";
            if (lo <= hi) {
                segment_token(lo, first, sizeof first);
                segment_token(hi, last, sizeof last);
            }
            if (lo == hi)
                snprintf(names[renum[g]], 40, "seg_%s_%s", sides[i], first);
            else
                snprintf(names[renum[g]], 40, "seg_%s_%s_%s", sides[i], first, last);
            for (int h = 0; h < renum[g]; h++) /* disjoint groups over one range: numbered */
                if (!strcmp(names[h], names[renum[g]])) {
                    size_t len = strlen(names[renum[g]]);
                    snprintf(names[renum[g]] + len, 40 - len, "_%d", renum[g] + 1);
                    break;
                }
        }
    }
    for (int i = 0; i < n; i++) group[i] = renum[group[i]];
    return n_groups;
}
