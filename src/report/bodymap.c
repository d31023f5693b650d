/*
 * bodymap.c -- body-map figures (see bodymap.h).
 *
 * Each view is a raster of square cells over the figure (x 0..1 across, y 0..1 from vertex to
 * soles, the width 0.34 body heights as in README 1.2).  Cells inside the outline are labelled
 * with the region whose centre is nearest along a path inside the body: Dijkstra from every
 * region centre at once over the 8-connected cells.  The raster is computed before drawing
 * (draw functions must not allocate, plot.h); the draw function fills runs of equal cells with
 * the region's colour, strokes the borders between regions and the outline on top.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plplot.h>

#include "core/alloc.h"
#include "core/error.h"
#include "report/bodymap.h"
#include "report/plot.h"

#define ASPECT 0.34        /* figure width / body height (README 1.2) */
#define NY 660             /* raster rows: one cell is 1/660 of body height (2.7 mm), 1.5 px of the figure */
#define NX 224             /* NY * ASPECT, so that cells are square */
#define N_CELLS (NX * NY)
#define NO_PAIN 0.05       /* below this a region is drawn as painless (light grey) */
#define C_NONE MK_PC_NBASE /* the page's own colour slots: painless regions */
#define C_BORDER (MK_PC_NBASE + 1) /* borders between regions */
/* the colours of those two slots */
static const mk_plot_color k_extra[2] = {{225, 225, 225, 1}, {165, 165, 165, 1}};

/* The viewer's left half of a standing adult in anatomical position (front view; the back
 * view is its mirror image, the same shape), from the vertex down the outer side, round the
 * hand, up the inner arm to the axilla, down the trunk and the outer leg, round the foot and up
 * the inner leg to the crotch.  Built on the README 1.2 landmarks (chin 0.11, acromion 0.18,
 * umbilicus 0.40, trochanter 0.49, knee 0.72, malleoli 0.95) so that the region centres that
 * README puts on the outline (temple, lateral shoulder, elbow, hip, knee, ankle) lie on it. */
static const double k_half[][2] = {
    /* head: an ellipse arc from the vertex to the jaw, then the neck */
    {0.500, 0.000}, {0.459, 0.004}, {0.422, 0.016}, {0.396, 0.033}, {0.384, 0.052}, {0.383, 0.068},
    {0.389, 0.083}, {0.398, 0.097}, {0.410, 0.108}, {0.424, 0.118}, {0.426, 0.140},
    /* trapezius slope, shoulder */
    {0.400, 0.149}, {0.350, 0.158}, {0.300, 0.165}, {0.240, 0.171}, {0.196, 0.177}, {0.166, 0.186},
    {0.143, 0.201}, {0.129, 0.225},
    /* outer arm and forearm (radial side) */
    {0.119, 0.262}, {0.106, 0.300}, {0.092, 0.340}, {0.082, 0.370}, {0.068, 0.410}, {0.059, 0.450},
    {0.055, 0.492},
    /* hand, palm forward, thumb out */
    {0.046, 0.512}, {0.038, 0.538}, {0.041, 0.566}, {0.055, 0.594}, {0.080, 0.610}, {0.112, 0.612},
    {0.138, 0.602}, {0.156, 0.582}, {0.164, 0.552}, {0.166, 0.522}, {0.171, 0.497},
    /* inner forearm and arm (ulnar side) up to the axilla */
    {0.185, 0.460}, {0.200, 0.422}, {0.216, 0.386}, {0.229, 0.356}, {0.235, 0.318}, {0.238, 0.280},
    {0.240, 0.246},
    /* trunk side: chest, waist, hip */
    {0.248, 0.238}, {0.256, 0.252}, {0.258, 0.300}, {0.268, 0.350}, {0.279, 0.390}, {0.272, 0.420},
    {0.256, 0.450}, {0.240, 0.472}, {0.228, 0.496},
    /* outer thigh, knee, leg, ankle */
    {0.226, 0.525}, {0.231, 0.570}, {0.240, 0.620}, {0.254, 0.670}, {0.268, 0.720}, {0.275, 0.748},
    {0.289, 0.792}, {0.301, 0.840}, {0.309, 0.890}, {0.314, 0.940}, {0.309, 0.962},
    /* foot, seen from the front */
    {0.303, 0.985}, {0.315, 0.999}, {0.400, 0.999}, {0.428, 0.990}, {0.434, 0.970},
    /* inner ankle, calf, knee, thigh, crotch */
    {0.430, 0.950}, {0.432, 0.900}, {0.440, 0.840}, {0.441, 0.790}, {0.433, 0.750}, {0.430, 0.720},
    {0.440, 0.680}, {0.458, 0.620}, {0.478, 0.560}, {0.494, 0.522}, {0.500, 0.516},
};
#define N_HALF ((int)(sizeof k_half / sizeof *k_half))

typedef struct view_raster {
    int label[N_CELLS];    /* region index, -1 outside the body */
    double *bx, *by;       /* borders between regions: polylines in figure coordinates, NAN ends one */
    int n_border;
} view_raster;

/* the partition (mk_bodymap_partition in bodymap.h) and, while drawing, the figure */
typedef struct mk_bodymap_partition {
    const mk_anatomy *anat;
    const mk_bodymap *bm;  /* set only while drawing */
    view_raster view[2];   /* 0 front, 1 back */
    double ox[2 * N_HALF], oy[2 * N_HALF];
    int n_outline;
    int n_regions;
} bm_ctx;

/* ---------------------------------------------------------------- geometry */

static int outline_build(double *x, double *y)
{
    int n = 0;
    for (int i = 0; i < N_HALF; i++) x[n] = k_half[i][0], y[n] = k_half[i][1], n++;
    /* the other half mirrored, from the crotch back to the vertex (skipping the shared ends) */
    for (int i = N_HALF - 2; i > 0; i--) x[n] = 1.0 - k_half[i][0], y[n] = k_half[i][1], n++;
    return n;
}

static int inside(const double *px, const double *py, int n, double x, double y)
{
    int c = 0;
    for (int i = 0, j = n - 1; i < n; j = i++)
        if ((py[i] > y) != (py[j] > y) && x < (px[j] - px[i]) * (y - py[i]) / (py[j] - py[i]) + px[i]) c = !c;
    return c;
}

static double cell_x(int i) { return (i + 0.5) / NX; }
static double cell_y(int j) { return (j + 0.5) / NY; }

/* inside() for every cell of row j into label (-2 inside, -1 outside): the crossings of the
 * row's line with the outline's edges are computed once per row (into xc, n doubles) instead of
 * once per cell, with the same arithmetic, so the answer is the same.  Testing every cell
 * against every edge was a tenth of `myoknot run`. */
static void label_row(const bm_ctx *c, int j, double *xc, int *label)
{
    const double *px = c->ox, *py = c->oy, y = cell_y(j);
    int n = c->n_outline, m = 0;
    for (int i = 0, k = n - 1; i < n; k = i++)
        if ((py[i] > y) != (py[k] > y)) xc[m++] = (px[k] - px[i]) * (y - py[i]) / (py[k] - py[i]) + px[i];
    for (int i = 0; i < NX; i++) {
        double x = cell_x(i);
        int in = 0;
        for (int q = 0; q < m; q++) in ^= x < xc[q];
        label[i] = in ? -2 : -1;
    }
}

/* ---------------------------------------------------------------- Dijkstra over the cells */

typedef struct heap_item {
    double d;
    int cell;
} heap_item;

typedef struct heap {
    heap_item *v;
    int n, cap;
} heap;

static int heap_push(heap *h, double d, int cell)
{
    if (h->n == h->cap) {
        int cap = h->cap ? 2 * h->cap : 4096;
        heap_item *v = mk_realloc(h->v, (size_t)cap * sizeof *v);
        if (!v) return -1;
        h->v = v, h->cap = cap;
    }
    int i = h->n++;
    while (i > 0 && h->v[(i - 1) / 2].d > d) {
        h->v[i] = h->v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->v[i] = (heap_item){d, cell};
    return 0;
}

static heap_item heap_pop(heap *h)
{
    heap_item top = h->v[0], last = h->v[--h->n];
    int i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && h->v[c + 1].d < h->v[c].d) c++;
        if (h->v[c].d >= last.d) break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n > 0) h->v[i] = last;
    return top;
}

/* the inside cell nearest to (x, y), the first in cell order of equally near ones; -1 if the
 * body is empty */
static int snap_scan(const int *label, double x, double y)
{
    int best = -1;
    double bd = 1e300;
    for (int c = 0; c < N_CELLS; c++) {
        if (label[c] == -1) continue;
        double dx = (cell_x(c % NX) - x) * ASPECT, dy = cell_y(c / NX) - y;
        if (dx * dx + dy * dy < bd) bd = dx * dx + dy * dy, best = c;
    }
    return best;
}

/* snap_scan's answer, searched in square rings of cells round the one holding (x, y): a cell
 * r rings out is at least (r - 0.5) cell widths away, so the search stops a ring after no
 * nearer or equally near cell can be left.  Region centres on the outline (temple, shoulder,
 * elbow, ...) fall just outside it: scanning all 148,000 cells for each of them was a fifth
 * of the partition's time. */
static int snap(const int *label, double x, double y)
{
    int i0 = (int)floor(x * NX), j0 = (int)floor(y * NY);
    if (!(i0 >= 0 && i0 < NX && j0 >= 0 && j0 < NY)) return snap_scan(label, x, y);
    if (label[j0 * NX + i0] != -1) return j0 * NX + i0;
    int best = -1;
    double bd = 1e300, h = fmin(ASPECT / NX, 1.0 / NY);
    for (int r = 1; r < NX + NY; r++) {
        double lb = (r - 1.5) * h; /* a ring of slack below (r - 0.5) h */
        if (best >= 0 && lb > 0 && lb * lb > bd) break;
        for (int j = j0 - r; j <= j0 + r; j++) {
            if (j < 0 || j >= NY) continue;
            int step = j == j0 - r || j == j0 + r ? 1 : 2 * r; /* the ring's top and bottom rows whole */
            for (int i = i0 - r; i <= i0 + r; i += step) {
                int c = j * NX + i;
                if (i < 0 || i >= NX || label[c] == -1) continue;
                double dx = (cell_x(c % NX) - x) * ASPECT, dy = cell_y(c / NX) - y;
                double d = dx * dx + dy * dy;
                if (d < bd || (d == bd && c < best)) bd = d, best = c;
            }
        }
    }
    return best;
}

static mk_status build_borders(view_raster *vr, mk_error *err);

/* Label the cells of one view (0 front, 1 back); dist is scratch of N_CELLS doubles. */
static mk_status label_view(bm_ctx *c, int v, double *dist, mk_error *err)
{
    view_raster *vr = &c->view[v];
    for (int j = 0; j < NY; j++) label_row(c, j, dist, vr->label + j * NX); /* dist: scratch here */
    heap h = {0};
    int oom = 0;
    for (int k = 0; k < N_CELLS; k++) dist[k] = INFINITY;
    for (int r = 0; r < c->n_regions && !oom; r++) {
        double xy[4];
        mk_anatomy_region_place(c->anat, r, NULL, xy);
        double x = xy[2 * v], y = xy[2 * v + 1];
        if (x < 0 || y < 0) continue;
        int cell = snap(vr->label, x, y);
        if (cell < 0 || dist[cell] == 0) continue; /* two centres in one cell: the first keeps it */
        dist[cell] = 0;
        vr->label[cell] = r;
        oom = heap_push(&h, 0, cell);
    }
    /* 16 neighbours (the knight's moves too): path lengths within 3 % of straight lines, so
     * borders between regions come out close to the bisectors of their centres */
    static const int di[16] = {1, -1, 0, 0, 1, 1, -1, -1, 1, 1, -1, -1, 2, 2, -2, -2};
    static const int dj[16] = {0, 0, 1, -1, 1, -1, 1, -1, 2, -2, 2, -2, 1, -1, 1, -1};
    while (h.n > 0 && !oom) {
        heap_item it = heap_pop(&h);
        if (it.d > dist[it.cell]) continue;
        int i = it.cell % NX, j = it.cell / NX;
        for (int k = 0; k < 16 && !oom; k++) {
            int ni = i + di[k], nj = j + dj[k];
            if (ni < 0 || ni >= NX || nj < 0 || nj >= NY) continue;
            int n = nj * NX + ni;
            double d = it.d + (k < 4 ? 1.0 : k < 8 ? M_SQRT2 : 2.2360679774997898);
            if (vr->label[n] == -1 || d >= dist[n]) continue;
            dist[n] = d;
            vr->label[n] = vr->label[it.cell];
            oom = heap_push(&h, d, n);
        }
    }
    free(h.v);
    if (oom) return mk_fail(err, MK_ERR_NOMEM, "out of memory labelling the body map");
    for (int k = 0; k < N_CELLS; k++)
        if (vr->label[k] == -2) vr->label[k] = -1; /* unreachable: no region centre in that part */

    mk_status rc = build_borders(vr, err);
    /* for the fill only: cells just outside take a neighbour's region, so that the patches
     * reach the outline everywhere (the white mask trims them to it) */
    for (int k = 0; k < N_CELLS; k++) dist[k] = vr->label[k];
    for (int j = 0; j < NY; j++)
        for (int i = 0; i < NX; i++) {
            if (vr->label[j * NX + i] >= 0) continue;
            for (int q = 0; q < 8; q++) {
                int ni = i + di[q], nj = j + dj[q];
                if (ni >= 0 && ni < NX && nj >= 0 && nj < NY && dist[nj * NX + ni] >= 0) {
                    vr->label[j * NX + i] = (int)dist[nj * NX + ni];
                    break;
                }
            }
        }
    return rc;
}

/* the trigger point in view v: the mean centre of its regions (';'-separated ids) drawn there;
 * *tx < 0 when none is */
static void trp_place(const mk_anatomy *anat, int v, const char *list, size_t list_len, double *tx, double *ty)
{
    double sx = 0, sy = 0;
    int n = 0;
    for (const char *p = list, *end = list + list_len; p < end;) {
        const char *e = memchr(p, ';', (size_t)(end - p));
        size_t len = e ? (size_t)(e - p) : (size_t)(end - p);
        char id[64];
        snprintf(id, sizeof id, "%.*s", (int)(len < sizeof id ? len : sizeof id - 1), p);
        int r = mk_anatomy_region_index(anat, id);
        double xy[4];
        if (r >= 0 && mk_anatomy_region_place(anat, r, NULL, xy) && xy[2 * v] >= 0 && xy[2 * v + 1] >= 0)
            sx += xy[2 * v], sy += xy[2 * v + 1], n++;
        p = e ? e + 1 : end;
    }
    *tx = n ? sx / n : -1;
    *ty = n ? sy / n : -1;
}

int mk_bodymap_markers(const mk_anatomy *anat, int view, const char *list, double *xy, int max)
{
    int n = 0;
    if (!anat || view < 0 || view > 1 || !list) return 0;
    for (const char *p = list; *p;) {
        const char *e = strchr(p, '|');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        double tx, ty;
        trp_place(anat, view, p, len, &tx, &ty);
        if (tx >= 0 && n < max) xy[2 * n] = tx, xy[2 * n + 1] = ty, n++;
        p = e ? e + 1 : p + len;
    }
    return n;
}

/* ---------------------------------------------------------------- borders */

/* The cell edges between two regions, as points in cell units, smoothed into polylines: the
 * raw edges form stair steps; sorted along the border's main direction and averaged over a few
 * neighbours (fewer at the ends, so a border still meets the outline and the other borders) they
 * give the straight or gently curved line the partition really has. */
typedef struct edge_pt {
    int a, b;       /* the two regions, a < b */
    double x, y, t; /* midpoint of the edge (cells), its position along the border */
} edge_pt;

static int cmp_pair(const void *p, const void *q)
{
    const edge_pt *u = p, *v = q;
    if (u->a != v->a) return u->a < v->a ? -1 : 1;
    if (u->b != v->b) return u->b < v->b ? -1 : 1;
    return (u->t > v->t) - (u->t < v->t);
}

static int collect_edges(const int *lab, edge_pt *e)
{
    int n = 0;
    for (int j = 0; j < NY; j++)
        for (int i = 0; i < NX; i++) {
            int c = lab[j * NX + i];
            if (c < 0) continue;
            if (i > 0 && lab[j * NX + i - 1] >= 0 && lab[j * NX + i - 1] != c) {
                int o = lab[j * NX + i - 1];
                e[n++] = (edge_pt){c < o ? c : o, c < o ? o : c, i, j + 0.5, 0};
            }
            if (j > 0 && lab[(j - 1) * NX + i] >= 0 && lab[(j - 1) * NX + i] != c) {
                int o = lab[(j - 1) * NX + i];
                e[n++] = (edge_pt){c < o ? c : o, c < o ? o : c, i + 0.5, j, 0};
            }
        }
    return n;
}

/* smooth one pair's points e[0..n) (sorted by t) into out, breaking where the border has a gap */
static int smooth_border(const edge_pt *e, int n, double *ox, double *oy)
{
    int m = 0;
    for (int k = 0; k < n; k++) {
        if (k > 0 && e[k].t - e[k - 1].t > 2.5) ox[m] = NAN, oy[m] = NAN, m++;
        int lo = k, hi = k; /* the run this point belongs to */
        while (lo > 0 && e[lo].t - e[lo - 1].t <= 2.5) lo--;
        while (hi + 1 < n && e[hi + 1].t - e[hi].t <= 2.5) hi++;
        int w = 4;
        if (k - lo < w) w = k - lo;
        if (hi - k < w) w = hi - k;
        double sx = 0, sy = 0;
        for (int q = k - w; q <= k + w; q++) sx += e[q].x, sy += e[q].y;
        ox[m] = sx / (2 * w + 1) / NX, oy[m] = 1.0 - sy / (2 * w + 1) / NY, m++;
    }
    ox[m] = NAN, oy[m] = NAN, m++;
    return m;
}

static mk_status build_borders(view_raster *vr, mk_error *err)
{
    edge_pt *e = mk_malloc(2 * (size_t)N_CELLS * sizeof *e);
    if (!e) return mk_fail(err, MK_ERR_NOMEM, "out of memory for the body map");
    int n = collect_edges(vr->label, e);
    qsort(e, (size_t)n, sizeof *e, cmp_pair); /* each pair's points together (t is 0 yet) */
    vr->bx = mk_malloc(2 * ((size_t)n + 1) * sizeof(double));
    vr->by = mk_malloc(2 * ((size_t)n + 1) * sizeof(double));
    if (!vr->bx || !vr->by) {
        free(e);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory for the body map");
    }
    int m = 0;
    for (int s = 0; s < n;) {
        int t = s;
        while (t < n && e[t].a == e[s].a && e[t].b == e[s].b) t++;
        double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
        for (int k = s; k < t; k++) mx += e[k].x, my += e[k].y;
        mx /= t - s, my /= t - s;
        for (int k = s; k < t; k++) {
            double dx = e[k].x - mx, dy = e[k].y - my;
            sxx += dx * dx, syy += dy * dy, sxy += dx * dy;
        }
        double ang = 0.5 * atan2(2 * sxy, sxx - syy), ux = cos(ang), uy = sin(ang);
        for (int k = s; k < t; k++) e[k].t = (e[k].x - mx) * ux + (e[k].y - my) * uy;
        qsort(e + s, (size_t)(t - s), sizeof *e, cmp_pair);
        m += smooth_border(e + s, t - s, vr->bx + m, vr->by + m);
        s = t;
    }
    vr->n_border = m;
    free(e);
    return MK_OK;
}

/* ---------------------------------------------------------------- drawing */

/* viridis (van der Walt & Smith 2015), 9 stops; PLplot interpolates in RGB between them */
static const double k_vir_pos[9] = {0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1};
static const double k_vir_r[9] = {68, 72, 59, 44, 33, 40, 94, 170, 253};
static const double k_vir_g[9] = {1, 36, 82, 114, 145, 174, 201, 220, 231};
static const double k_vir_b[9] = {84, 117, 139, 142, 140, 128, 98, 50, 37};
#define N_CMAP1 256

static void set_viridis(void)
{
    PLFLT rr[9], gg[9], bb[9], pp[9];
    for (int i = 0; i < 9; i++)
        rr[i] = k_vir_r[i] / 255, gg[i] = k_vir_g[i] / 255, bb[i] = k_vir_b[i] / 255, pp[i] = k_vir_pos[i];
    plscmap1n(N_CMAP1);
    plscmap1l(1, 9, pp, rr, gg, bb, NULL);
}

/* The colour plcol1(v) gives after set_viridis(), with PLplot's own arithmetic (plcol1 picks
 * cell (int)(v * 256); plcmap1_calc interpolates the stops in RGB for each cell and truncates
 * 256 * value), so the painted patches match the colour bar PLplot draws. */
static void viridis_rgb(double v, unsigned char rgb[3])
{
    int cell = (int)(v * N_CMAP1);
    cell = cell < 0 ? 0 : cell > N_CMAP1 - 1 ? N_CMAP1 - 1 : cell;
    double p = (double)cell / (N_CMAP1 - 1.0);
    const double *stop[3] = {k_vir_r, k_vir_g, k_vir_b};
    for (int n = 0; n < 8; n++) { /* as PLplot: every segment holding p, the last one wins */
        if (p < k_vir_pos[n] || p > k_vir_pos[n + 1]) continue;
        double delta = (p - k_vir_pos[n]) / (k_vir_pos[n + 1] - k_vir_pos[n]);
        for (int k = 0; k < 3; k++) {
            double c0 = stop[k][n] / 255, c1 = stop[k][n + 1] / 255;
            int q = (int)(256 * (c0 + (c1 - c0) * delta));
            rgb[k] = (unsigned char)(q < 0 ? 0 : q > 255 ? 255 : q);
        }
    }
}

static double pain_of(const mk_bodymap_map *m, int region)
{
    if (!m->pain || region < 0) return 0;
    double p = m->pain[region];
    return isfinite(p) ? fmin(fmax(p, 0), 10) : 0;
}

/* borders between regions, thin and mid grey: they separate the patches, painless or not,
 * without competing with them */
static void draw_borders(const view_raster *vr)
{
    plcol0(C_BORDER);
    plwidth(0.7);
    for (int k = 0; k < vr->n_border;) {
        int e = k;
        while (e < vr->n_border && !isnan(vr->bx[e])) e++;
        if (e - k >= 2) plline(e - k, vr->bx + k, vr->by + k);
        k = e + 1;
    }
}

/* a circled cross: white disc, black ring and cross -- a shape, not only a colour */
static void draw_marker(double x, double y, double r_x, double r_y, double *xs, double *ys)
{
    int n = 40;
    for (int k = 0; k < n; k++) {
        double a = 2 * M_PI * k / n;
        xs[k] = x + r_x * cos(a), ys[k] = y + r_y * sin(a);
    }
    plcol0(MK_PC_WHITE);
    plfill(n, xs, ys);
    xs[n] = xs[0], ys[n] = ys[0];
    plcol0(MK_PC_BLACK);
    plwidth(1.6);
    plline(n + 1, xs, ys);
    double q = 0.62;
    pljoin(x - q * r_x, y - q * r_y, x + q * r_x, y + q * r_y);
    pljoin(x - q * r_x, y + q * r_y, x + q * r_x, y - q * r_y);
}

typedef struct layout {
    double W, H;          /* page, px */
    double top, body_h;   /* px from the top to the bodies, their height */
    double body_w, gap_in, gap_out, left;
    double maps_w;        /* px taken by the bodies, from the left edge */
} layout;

static void view_port(const layout *L, int map, int v, double *x0, double *x1, double *y0, double *y1)
{
    double left = L->left + map * (2 * L->body_w + L->gap_in + L->gap_out) + v * (L->body_w + L->gap_in);
    *x0 = left / L->W, *x1 = (left + L->body_w) / L->W;
    *y1 = 1.0 - L->top / L->H, *y0 = 1.0 - (L->top + L->body_h) / L->H;
}

static void draw_view(const bm_ctx *c, const layout *L, int map, int v, double *xs, double *ys)
{
    double x0, x1, y0, y1;
    view_port(L, map, v, &x0, &x1, &y0, &y1);
    plvpor(x0, x1, y0, y1);
    plwind(0, 1, 0, 1);
    const view_raster *vr = &c->view[v];
    draw_borders(vr); /* over the patches, which bm_paint has put on the page */
    /* white outside the outline (a keyhole polygon: the panel's frame, a cut to the vertex, the
     * outline), so the cells' stair steps end exactly at the outline, then the outline itself */
    int n = 0;
    xs[n] = 0.5, ys[n++] = 1.02;
    xs[n] = -0.02, ys[n++] = 1.02;
    xs[n] = -0.02, ys[n++] = -0.02;
    xs[n] = 1.02, ys[n++] = -0.02;
    xs[n] = 1.02, ys[n++] = 1.02;
    xs[n] = 0.5, ys[n++] = 1.02;
    for (int k = c->n_outline; k >= 0; k--) /* the other way round: a hole under either fill rule */
        xs[n] = c->ox[k % c->n_outline], ys[n++] = 1.0 - c->oy[k % c->n_outline];
    plcol0(MK_PC_WHITE);
    plfill(n, xs, ys);
    for (int k = 0; k < c->n_outline; k++) xs[k] = c->ox[k], ys[k] = 1.0 - c->oy[k];
    xs[c->n_outline] = xs[0], ys[c->n_outline] = ys[0];
    plcol0(MK_PC_BLACK);
    plwidth(1.5);
    plline(c->n_outline + 1, xs, ys);
    /* every trigger point of this map (its own list, else the figure's), one marker each */
    const char *own = c->bm->map[map].trp_regions;
    double at[2 * MK_BODYMAP_MAX_TRPS];
    int n_trp = mk_bodymap_markers(c->anat, v, own[0] ? own : c->bm->trp_regions, at, MK_BODYMAP_MAX_TRPS);
    for (int k = 0; k < n_trp; k++) {
        double r_px = 11;
        draw_marker(at[2 * k], 1.0 - at[2 * k + 1], r_px / L->body_w, r_px / L->body_h, xs, ys);
    }
    /* which side is which: the subject's right is on the viewer's left from the front */
    plcol0(MK_PC_BLACK);
    plschr(0.0, MK_PLOT_FS * 0.9);
    plptex(0.03, 0.985, 1, 0, 0, v == 0 ? "R" : "L");
    plptex(0.97, 0.985, 1, 0, 1, v == 0 ? "L" : "R");
    plmtex("b", 1.2, 0.5, 0.5, v == 0 ? "front" : "back");
    plschr(0.0, MK_PLOT_FS);
}

static void draw_colorbar(const layout *L, double x_px, double *xs, double *ys)
{
    double w = 26, x0 = x_px / L->W, x1 = (x_px + w) / L->W;
    double y1 = 1.0 - (L->top + 0.12 * L->body_h) / L->H, y0 = 1.0 - (L->top + 0.72 * L->body_h) / L->H;
    plvpor(x0, x1, y0, y1);
    plwind(0, 1, 0, 10);
    for (int k = 0; k < 100; k++) {
        plcol1((k + 0.5) / 100.0);
        xs[0] = 0, xs[1] = 1, xs[2] = 1, xs[3] = 0;
        ys[0] = ys[1] = k * 0.1 - 0.01, ys[2] = ys[3] = (k + 1) * 0.1 + 0.01;
        plfill(4, xs, ys);
    }
    plcol0(MK_PC_BLACK);
    plwidth(MK_PLOT_AXIS_W);
    plbox("bc", 0, 0, "bcmstv", 2, 2);
    plmtex("r", 4.2, 0.5, 0.5, "pain (0-10 NRS)");
}

static void draw_legend(const layout *L, double x_px, int trp, double *xs, double *ys)
{
    double y_px = L->top + 0.80 * L->body_h;
    plvpor(0, 1, 0, 1);
    plwind(0, L->W, L->H, 0); /* pixels, from the top */
    plcol0(MK_PC_BLACK);
    plschr(0.0, MK_PLOT_FS * 0.95);
    if (trp) {
        draw_marker(x_px + 13, y_px, 11, 11, xs, ys);
        plcol0(MK_PC_BLACK);
        plptex(x_px + 32, y_px + 6, 1, 0, 0, "trigger point");
    }
    y_px += 40;
    xs[0] = x_px, xs[1] = x_px + 26, xs[2] = x_px + 26, xs[3] = x_px;
    ys[0] = ys[1] = y_px - 11, ys[2] = ys[3] = y_px + 11;
    plcol0(C_NONE);
    plfill(4, xs, ys);
    plcol0(MK_PC_BLACK);
    plwidth(1.0);
    xs[4] = xs[0], ys[4] = ys[0];
    plline(5, xs, ys);
    plptex(x_px + 32, y_px + 6, 1, 0, 0, "no pain (< 0.05)");
    plschr(0.0, MK_PLOT_FS);
}

/* the bodies keep their size; fewer maps make a narrower page */
static layout page_layout(int n_maps)
{
    layout L = {.top = 200, .body_h = 980, .gap_in = 40, .gap_out = 110, .left = 40};
    L.body_w = ASPECT * L.body_h;
    L.H = L.top + L.body_h + 70;
    L.maps_w = L.left + n_maps * (2 * L.body_w + L.gap_in) + (n_maps - 1) * L.gap_out;
    /* 300 px hold the legend on a page of two maps (1862 px); PLplot's text grows with the
     * page, so a wider page (four maps: myoknot locate) keeps the legend's share of it */
    L.W = fmax(L.maps_w + 300, L.maps_w / (1 - 300.0 / 1862.0));
    return L;
}

/* The patches: every pixel of a view's frame takes the colour of the raster cell under its
 * centre (cells just outside the outline have a neighbour's region, and the white mask that
 * bm_draw lays over them trims the patches to the outline, antialiased).  Painted straight
 * into the page: as PLplot fills (a rectangle per run of equal cells in a row) they were some
 * 13,000 Cairo paths, most of the body map's drawing time. */
static void bm_paint(const void *ctx, unsigned char *pix, int w, int h, int stride)
{
    const bm_ctx *c = ctx;
    layout L = page_layout(c->bm->n_maps);
    for (int m = 0; m < c->bm->n_maps; m++)
        for (int v = 0; v < 2; v++) {
            double x0, x1, y0, y1;
            view_port(&L, m, v, &x0, &x1, &y0, &y1);
            const int *label = c->view[v].label;
            int px0 = (int)floor(x0 * w), px1 = (int)ceil(x1 * w), py0 = (int)floor((1 - y1) * h),
                py1 = (int)ceil((1 - y0) * h);
            int last = -1; /* the region whose colour col holds: a row is a few runs of one region */
            unsigned char col[3] = {0, 0, 0};
            /* the raster column under each pixel column, the same for every row: computed once
             * (a body is about 335 px wide; a wider frame computes it per pixel) */
            int cols[1024], qa = px0 < 0 ? 0 : px0, qb = px1 < w ? px1 : w, ncol = qb - qa;
            for (int px = qa; px < qb && ncol <= 1024; px++)
                cols[px - qa] = (int)floor(((px + 0.5) / w - x0) / (x1 - x0) * NX);
            for (int py = py0 < 0 ? 0 : py0; py < py1 && py < h; py++) {
                double wy = (1.0 - (py + 0.5) / h - y0) / (y1 - y0); /* window y, 0..1 upwards */
                int j = (int)floor((1.0 - wy) * NY);
                if (j < 0 || j >= NY) continue;
                unsigned char *row = pix + (size_t)py * (size_t)stride;
                for (int px = qa; px < qb; px++) {
                    int i = ncol <= 1024 ? cols[px - qa] : (int)floor(((px + 0.5) / w - x0) / (x1 - x0) * NX);
                    int lab = i >= 0 && i < NX ? label[j * NX + i] : -1;
                    if (lab < 0) continue;
                    if (lab != last) {
                        double p = pain_of(&c->bm->map[m], lab);
                        if (p < NO_PAIN)
                            col[0] = (unsigned char)k_extra[0].r, col[1] = (unsigned char)k_extra[0].g,
                            col[2] = (unsigned char)k_extra[0].b;
                        else viridis_rgb(p / 10.0, col);
                        last = lab;
                    }
                    mk_plot_pixel(row + 4 * (size_t)px, col[0], col[1], col[2]);
                }
            }
        }
}

static void bm_draw(const void *ctx, double *xs, double *ys)
{
    const bm_ctx *c = ctx;
    const mk_bodymap *bm = c->bm;
    layout L = page_layout(bm->n_maps);
    double maps_w = L.maps_w;
    set_viridis();
    if (bm->title) mk_plot_title(bm->title, L.W, L.H);
    for (int m = 0; m < bm->n_maps; m++) {
        double x0, x1, y0, y1, x0b, x1b;
        view_port(&L, m, 0, &x0, &x1, &y0, &y1);
        view_port(&L, m, 1, &x0b, &x1b, &y0, &y1);
        char h[200];
        mk_plot_text(h, sizeof h, bm->map[m].heading);
        plvpor(0, 1, 0, 1);
        plwind(0, 1, 0, 1);
        plcol0(MK_PC_BLACK);
        plschr(0.0, MK_PLOT_FS * fmin(1.0, sqrt(1862.0 / L.W))); /* text grows with a wider page: headings still fit */
        plptex((x0 + x1b) / 2, y1 + 40 / L.H, 1, 0, 0.5, h);
        for (int v = 0; v < 2; v++) draw_view(c, &L, m, v, xs, ys);
    }
    draw_colorbar(&L, maps_w + 40, xs, ys);
    int trp = bm->trp_regions[0] != 0;
    for (int m = 0; m < bm->n_maps; m++) trp |= bm->map[m].trp_regions[0] != 0;
    draw_legend(&L, maps_w + 30, trp, xs, ys);
}

mk_status mk_bodymap_partition_new(const mk_anatomy *a, mk_bodymap_partition **out, mk_error *err)
{
    *out = NULL;
    if (!a) return mk_fail(err, MK_ERR_INVALID, "mk_bodymap_partition_new: no anatomy");
    bm_ctx *c = mk_calloc(1, sizeof *c);
    double *dist = mk_malloc(N_CELLS * sizeof *dist);
    if (!c || !dist) {
        free(c);
        free(dist);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory for the body map");
    }
    c->anat = a;
    c->n_regions = mk_anatomy_region_count(a);
    c->n_outline = outline_build(c->ox, c->oy);
    mk_status rc = label_view(c, 0, dist, err);
    if (!rc) rc = label_view(c, 1, dist, err);
    free(dist);
    if (rc) {
        mk_bodymap_partition_free(c);
        return rc;
    }
    *out = c;
    return MK_OK;
}

void mk_bodymap_partition_free(mk_bodymap_partition *c)
{
    if (!c) return;
    for (int v = 0; v < 2; v++) free(c->view[v].bx), free(c->view[v].by);
    free(c);
}

int mk_bodymap_region_at(const mk_bodymap_partition *c, int view, double x, double y)
{
    if (view < 0 || view > 1 || !(x >= 0 && x < 1 && y >= 0 && y < 1)) return -1;
    if (!inside(c->ox, c->oy, c->n_outline, x, y)) return -1;
    return c->view[view].label[(int)(y * NY) * NX + (int)(x * NX)];
}

mk_status mk_bodymap_draw(const mk_bodymap *bm, const char *path, mk_error *err)
{
    if (!bm || !bm->anat || !path || bm->n_maps < 1 || bm->n_maps > MK_BODYMAP_MAX_MAPS)
        return mk_fail(err, MK_ERR_INVALID, "mk_bodymap_draw: bad arguments");
    bm_ctx *c = NULL;
    mk_status rc = mk_bodymap_partition_new(bm->anat, &c, err);
    if (rc) return rc;
    c->bm = bm;
    layout L = page_layout(bm->n_maps);
    mk_plot_page page = {.path = path, .width_px = (int)L.W, .height_px = (int)L.H, .extra = k_extra, .n_extra = 2,
                         .n_scratch = 2 * N_HALF + 64};
    rc = mk_plot_draw_painted(&page, bm_paint, bm_draw, c, err);
    mk_bodymap_partition_free(c);
    return rc;
}
