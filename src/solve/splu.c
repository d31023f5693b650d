/*
 * splu.c -- myoknot's own sparse LU for CVODE's Newton matrices (see splu.h).
 *
 * Storage: the factors live in a dense n x n array W (row-major, original row and column
 * numbers), of which only the structural entries of M and their fill are ever touched; at the
 * model's sizes (n about 50, W 20 KB) this keeps every index a multiplication away and needs no
 * symbolic data structure beyond two lists per pivot.  Pivot k is entry (prow[k], pcol[k]);
 * lrow[k] are the rows still to be eliminated that have a structural entry in column pcol[k]
 * (L's column k), ucol[k] the columns still to be eliminated that row prow[k] has (U's row k).
 * Factorising is then, for each k in turn, W[r][c] -= (W[r][pcol] /= pivot) * W[prow][c] over
 * lrow[k] x ucol[k]; solving is the forward and backward sweeps over the same lists.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sunmatrix/sunmatrix_sparse.h>
#include <nvector/nvector_serial.h>

#include "core/alloc.h"
#include "solve/fork.h"
#include "solve/splu.h"

#define THRESHOLD 0.1 /* a pivot at least this fraction of its column's largest active entry */

typedef struct splu {
    int n;
    int ordered;         /* prow/pcol and the lists hold an order for the current pattern */
    int recheck;         /* a (re)start: the next factorisation also checks the threshold */
    long pivotings;
    sunindextype last_flag;
    double *w;           /* n * n: the factors */
    double *y;           /* n: the solve's work vector */
    int *prow, *pcol;    /* n: pivot k is w[prow[k] * n + pcol[k]] */
    int *lptr, *lidx;    /* lptr[k] .. lptr[k+1]: rows of L's column k */
    int *uptr, *uidx;    /* uptr[k] .. uptr[k+1]: columns c of U's row k */
    int cap_l, cap_u;    /* sizes of lidx and uidx */
    int *fpos;           /* the factors' places in w (pivots, L, U): n + lptr[n] + uptr[n] */
    int cap_f;
    /* for the solve, gathered after each factorisation: L by rows in pivot order (lr_ptr[k] ..
     * lr_ptr[k+1]: the earlier pivots lr_step[] and values lv[] of row prow[k]), U's values uv[]
     * in uidx order, and the pivots' reciprocals.  Contiguous values and sums kept in a
     * register made the solve, a fifth of the integration, a third faster than the sweeps over W. */
    int *lr_ptr, *lr_step, *lr_pos, *upos;
    double *lv, *uv, *dinv;
    int cap_ls, cap_lp, cap_up, cap_lv, cap_uv;
    unsigned char *s;    /* n * n: structure while choosing the order */
    int *rdone, *cdone, *rcount, *ccount; /* n each, while choosing the order */
    int *crow, *clen;    /* n * n and n: the active rows of each column's entries, in the order
                          * they became entries (the search's ties go to the first) */
    /* the pattern the order was chosen for (CSC), to notice a changed one */
    sunindextype *pat_ptr, *pat_idx;
    sunindextype pat_nnz, pat_cap;
} splu;

#define CONTENT(S) ((splu *)(S)->content)

/* ---------------------------------------------------------------- the pattern */

static int same_pattern(const splu *f, SUNMatrix a)
{
    const sunindextype *ptr = SM_INDEXPTRS_S(a), *idx = SM_INDEXVALS_S(a);
    sunindextype nnz = ptr[f->n];
    if (!f->ordered || nnz != f->pat_nnz) return 0;
    return !memcmp(ptr, f->pat_ptr, (size_t)(f->n + 1) * sizeof *ptr) &&
           !memcmp(idx, f->pat_idx, (size_t)nnz * sizeof *idx);
}

static int keep_pattern(splu *f, SUNMatrix a)
{
    const sunindextype *ptr = SM_INDEXPTRS_S(a), *idx = SM_INDEXVALS_S(a);
    sunindextype nnz = ptr[f->n];
    if (nnz > f->pat_cap) {
        sunindextype *p = mk_realloc(f->pat_idx, (size_t)nnz * sizeof *p);
        if (!p) return -1;
        f->pat_idx = p, f->pat_cap = nnz;
    }
    memcpy(f->pat_ptr, ptr, (size_t)(f->n + 1) * sizeof *ptr);
    memcpy(f->pat_idx, idx, (size_t)nnz * sizeof *idx);
    f->pat_nnz = nnz;
    return 0;
}

/* W = the matrix's values at their places, zero elsewhere (fill starts at zero).  With an
 * order, only the factors' places are cleared: every entry of the matrix is one of them, and
 * nothing else is read. */
static void scatter(splu *f, SUNMatrix a, int clear_all)
{
    int n = f->n;
    const sunindextype *ptr = SM_INDEXPTRS_S(a), *idx = SM_INDEXVALS_S(a);
    const double *v = SM_DATA_S(a);
    if (!clear_all)
        for (int i = 0, m = n + f->lptr[n] + f->uptr[n]; i < m; i++) f->w[f->fpos[i]] = 0.0;
    else memset(f->w, 0, (size_t)n * (size_t)n * sizeof *f->w);
    for (int c = 0; c < n; c++)
        for (sunindextype k = ptr[c]; k < ptr[c + 1]; k++) f->w[(size_t)idx[k] * (size_t)n + (size_t)c] = v[k];
}

/* ---------------------------------------------------------------- choosing the order */

/* Markowitz: among the active entries at least THRESHOLD of their column's largest, the one
 * whose elimination can create the least fill, (row count - 1) x (column count - 1); ties go
 * to the diagonal, then to the larger magnitude.  Returns 0 and sets *pr, *pc, or -1 when no
 * active entry is nonzero (singular). */
static int choose_pivot(const splu *f, int *pr, int *pc)
{
    int n = f->n, best_r = -1, best_c = -1;
    long best_cost = -1;
    double best_mag = 0;
    for (int c = 0; c < n; c++) {
        if (f->cdone[c]) continue;
        const int *rows = f->crow + (size_t)c * n;
        double cmax = 0;
        for (int i = 0; i < f->clen[c]; i++) {
            double mag = fabs(f->w[(size_t)rows[i] * n + c]);
            if (mag > cmax) cmax = mag;
        }
        if (!(cmax > 0) || !isfinite(cmax)) continue;
        for (int i = 0; i < f->clen[c]; i++) {
            int r = rows[i];
            double mag = fabs(f->w[(size_t)r * n + c]);
            if (mag < THRESHOLD * cmax) continue;
            long cost = (long)(f->rcount[r] - 1) * (f->ccount[c] - 1);
            int better = best_cost < 0 || cost < best_cost ||
                         (cost == best_cost && (r == c) > (best_r == best_c)) ||
                         (cost == best_cost && (r == c) == (best_r == best_c) && mag > best_mag);
            if (better) best_cost = cost, best_r = r, best_c = c, best_mag = mag;
        }
    }
    if (best_r < 0) return -1;
    *pr = best_r, *pc = best_c;
    return 0;
}

/* a new structural entry (r, c) */
static void mark(splu *f, int r, int c)
{
    int n = f->n;
    f->s[r * n + c] = 1, f->rcount[r]++, f->ccount[c]++;
    f->crow[(size_t)c * n + f->clen[c]++] = r;
}

/* Row r is done: out of the columns' lists of active rows that the search still reads (the
 * others keep their order, so the search finds the same pivot as over all rows; choosing the
 * order was 6 % of 12 work weeks' integration, 120 orders, most of it over done rows). */
static void drop_row(splu *f, int r, int q)
{
    int n = f->n;
    for (int c = 0; c < n; c++) {
        if (!f->s[r * n + c] || (f->cdone[c] && c != q)) continue; /* q: L's column k, next */
        int *rows = f->crow + (size_t)c * n, len = f->clen[c], i = 0;
        while (i < len && rows[i] != r) i++;
        if (i == len) continue;
        memmove(rows + i, rows + i + 1, (size_t)(len - i - 1) * sizeof *rows);
        f->clen[c] = len - 1;
    }
}

static int grow(int **v, int *cap, int need)
{
    if (need <= *cap) return 0;
    int cap2 = *cap ? *cap : 256;
    while (cap2 < need) cap2 *= 2;
    int *p = mk_realloc(*v, (size_t)cap2 * sizeof *p);
    if (!p) return -1;
    *v = p, *cap = cap2;
    return 0;
}

/* The solve's arrays for the order just chosen (see struct splu). */
static int build_solve_lists(splu *f)
{
    int n = f->n, nl = f->lptr[n], nu = f->uptr[n];
    int *step_of_row = f->clen; /* free now: the order is chosen */
    for (int k = 0; k < n; k++) step_of_row[f->prow[k]] = k;
    if (grow(&f->lr_step, &f->cap_ls, nl) || grow(&f->lr_pos, &f->cap_lp, nl) || grow(&f->upos, &f->cap_up, nu))
        return -1;
    if (nl > f->cap_lv || nu > f->cap_uv) {
        double *lv = mk_realloc(f->lv, (size_t)(nl > 0 ? nl : 1) * sizeof *lv);
        if (lv) f->lv = lv;
        double *uv = mk_realloc(f->uv, (size_t)(nu > 0 ? nu : 1) * sizeof *uv);
        if (uv) f->uv = uv;
        if (!lv || !uv) return -1;
        f->cap_lv = nl, f->cap_uv = nu;
    }
    memset(f->lr_ptr, 0, (size_t)(n + 1) * sizeof *f->lr_ptr);
    for (int i = 0; i < nl; i++) f->lr_ptr[step_of_row[f->lidx[i]] + 1]++;
    for (int k = 0; k < n; k++) f->lr_ptr[k + 1] += f->lr_ptr[k];
    int *next = f->rcount; /* free too */
    for (int k = 0; k < n; k++) next[k] = f->lr_ptr[k];
    for (int j = 0; j < n; j++) /* by increasing earlier step: each row's sum runs in pivot order */
        for (int i = f->lptr[j]; i < f->lptr[j + 1]; i++) {
            int k = step_of_row[f->lidx[i]], at = next[k]++;
            f->lr_step[at] = j, f->lr_pos[at] = f->lidx[i] * n + f->pcol[j];
        }
    for (int k = 0; k < n; k++)
        for (int j = f->uptr[k]; j < f->uptr[k + 1]; j++) f->upos[j] = f->prow[k] * n + f->uidx[j];
    return 0;
}

static void gather(splu *f)
{
    int n = f->n;
    for (int i = 0, m = f->lptr[n]; i < m; i++) f->lv[i] = f->w[f->lr_pos[i]];
    for (int j = 0, m = f->uptr[n]; j < m; j++) f->uv[j] = f->w[f->upos[j]];
    for (int k = 0; k < n; k++) f->dinv[k] = 1.0 / f->w[f->prow[k] * n + f->pcol[k]];
}

/* Choose the order on the matrix in W (scattered) and factorise it on the way.  Returns
 * SUNLS_SUCCESS, SUNLS_LUFACT_FAIL (singular: CVODE may retry with another step) or
 * SUNLS_MEM_FAIL. */
static int choose_order(splu *f, SUNMatrix a)
{
    int n = f->n, nl = 0, nu = 0;
    const sunindextype *ptr = SM_INDEXPTRS_S(a), *idx = SM_INDEXVALS_S(a);
    memset(f->s, 0, (size_t)n * (size_t)n);
    memset(f->rcount, 0, (size_t)n * sizeof *f->rcount);
    memset(f->ccount, 0, (size_t)n * sizeof *f->ccount);
    memset(f->rdone, 0, (size_t)n * sizeof *f->rdone);
    memset(f->cdone, 0, (size_t)n * sizeof *f->cdone);
    memset(f->clen, 0, (size_t)n * sizeof *f->clen);
    for (int c = 0; c < n; c++)
        for (sunindextype k = ptr[c]; k < ptr[c + 1]; k++)
            if (!f->s[idx[k] * n + c]) mark(f, (int)idx[k], c);
    f->ordered = 0;
    f->pivotings++;
    for (int k = 0; k < n; k++) {
        int p, q;
        if (choose_pivot(f, &p, &q)) return SUNLS_LUFACT_FAIL;
        f->prow[k] = p, f->pcol[k] = q, f->rdone[p] = 1, f->cdone[q] = 1;
        f->lptr[k] = nl, f->uptr[k] = nu;
        drop_row(f, p, q);
        for (int i = 0; i < f->clen[q]; i++) {
            int r = f->crow[(size_t)q * n + i];
            if (grow(&f->lidx, &f->cap_l, nl + 1)) return SUNLS_MEM_FAIL;
            f->lidx[nl++] = r;
            f->rcount[r]--; /* the pivot column leaves the active submatrix */
        }
        for (int c = 0; c < n; c++) {
            if (f->cdone[c] || !f->s[p * n + c]) continue;
            if (grow(&f->uidx, &f->cap_u, nu + 1)) return SUNLS_MEM_FAIL;
            f->uidx[nu++] = c;
            f->ccount[c]--; /* so does the pivot row */
        }
        /* eliminate, and mark the fill in the structure */
        double *w = f->w, inv = 1.0 / w[(size_t)p * n + q];
        for (int i = f->lptr[k]; i < nl; i++) {
            int r = f->lidx[i];
            double *row = w + (size_t)r * n, l = (row[q] *= inv);
            for (int j = f->uptr[k]; j < nu; j++) {
                int c = f->uidx[j];
                row[c] -= l * w[(size_t)p * n + c];
                if (!f->s[r * n + c]) mark(f, r, c);
            }
        }
    }
    f->lptr[n] = nl, f->uptr[n] = nu;
    if (grow(&f->fpos, &f->cap_f, n + nl + nu)) return SUNLS_MEM_FAIL;
    int m = 0;
    for (int k = 0; k < n; k++) {
        f->fpos[m++] = f->prow[k] * n + f->pcol[k];
        for (int i = f->lptr[k]; i < f->lptr[k + 1]; i++) f->fpos[m++] = f->lidx[i] * n + f->pcol[k];
        for (int j = f->uptr[k]; j < f->uptr[k + 1]; j++) f->fpos[m++] = f->prow[k] * n + f->uidx[j];
    }
    if (build_solve_lists(f)) return SUNLS_MEM_FAIL;
    gather(f);
    f->ordered = 1;
    return SUNLS_SUCCESS;
}

/* ---------------------------------------------------------------- factorising in that order */

/* Returns 0, or 1 when the fixed order no longer suits this matrix.  With `threshold`, also
 * when a pivot is below THRESHOLD of its column's largest active entry, the test by which
 * choose_order picked it. */
static int refactor(splu *f, int threshold)
{
    int n = f->n;
    double *w = f->w, pmin = INFINITY, pmax = 0;
    for (int k = 0; k < n; k++) {
        const double *prow = w + (size_t)f->prow[k] * n;
        int q = f->pcol[k];
        double piv = prow[q], mag = fabs(piv);
        if (!(mag > 0) || !isfinite(mag)) return 1;
        if (mag < pmin) pmin = mag;
        if (mag > pmax) pmax = mag;
        double inv = 1.0 / piv;
        const int *u0 = f->uidx + f->uptr[k], *u1 = f->uidx + f->uptr[k + 1];
        if (threshold)
            for (const int *li = f->lidx + f->lptr[k], *l1 = f->lidx + f->lptr[k + 1]; li < l1; li++)
                if (!(mag >= THRESHOLD * fabs(w[(size_t)*li * n + q]))) return 1;
        for (const int *li = f->lidx + f->lptr[k], *l1 = f->lidx + f->lptr[k + 1]; li < l1; li++) {
            double *row = w + (size_t)*li * n, l = (row[q] *= inv);
            for (const int *uj = u0; uj < u1; uj++) row[*uj] -= l * prow[*uj];
        }
    }
    return pmin < pow(DBL_EPSILON, 2.0 / 3.0) * pmax;
}

/* ---------------------------------------------------------------- the SUNDIALS interface */

static SUNLinearSolver_Type splu_gettype(SUNLinearSolver S)
{
    (void)S;
    return SUNLINEARSOLVER_DIRECT;
}

static SUNLinearSolver_ID splu_getid(SUNLinearSolver S)
{
    (void)S;
    return SUNLINEARSOLVER_CUSTOM;
}

/* Every (re)start of CVODE: the order of the pattern is kept if the next matrix passes the
 * threshold test that chose it (every pivot at least THRESHOLD of its column's largest active
 * entry), so that it is as stable as a new choice; otherwise it is chosen again.  Choosing it
 * anew at every start cost 14 % of the default scenario's simulation (restarts at every input
 * switch and probe), keeping it changes the results at the tolerance's level, as any change of
 * rounding does. */
static int splu_initialize(SUNLinearSolver S)
{
    CONTENT(S)->recheck = 1;
    CONTENT(S)->last_flag = SUNLS_SUCCESS;
    return SUNLS_SUCCESS;
}

static int splu_setup(SUNLinearSolver S, SUNMatrix a)
{
    splu *f = CONTENT(S);
    if (SUNMatGetID(a) != SUNMATRIX_SPARSE || SM_SPARSETYPE_S(a) != CSC_MAT || SM_ROWS_S(a) != f->n ||
        SM_COLUMNS_S(a) != f->n)
        return (int)(f->last_flag = SUNLS_ILL_INPUT);
    int recheck = f->recheck;
    f->recheck = 0;
    if (same_pattern(f, a)) {
        scatter(f, a, 0);
        if (refactor(f, recheck) == 0) {
            gather(f);
            return (int)(f->last_flag = SUNLS_SUCCESS);
        }
    } else if (keep_pattern(f, a)) {
        return (int)(f->last_flag = SUNLS_MEM_FAIL);
    }
    scatter(f, a, 1);
    return (int)(f->last_flag = choose_order(f, a));
}

static int splu_solve(SUNLinearSolver S, SUNMatrix a, N_Vector x, N_Vector b, sunrealtype tol)
{
    (void)a, (void)tol;
    splu *f = CONTENT(S);
    int n = f->n;
    double *z = f->y, *xv = N_VGetArrayPointer(x);
    const double *bv = N_VGetArrayPointer(b), *lv = f->lv, *uv = f->uv;
    const int *lr_ptr = f->lr_ptr, *lr_step = f->lr_step, *uptr = f->uptr, *uidx = f->uidx;
    for (int k = 0; k < n; k++) { /* L z = P b: L is unit lower triangular in pivot order */
        double sum = bv[f->prow[k]];
        for (int i = lr_ptr[k]; i < lr_ptr[k + 1]; i++) sum -= lv[i] * z[lr_step[i]];
        z[k] = sum;
    }
    for (int k = n - 1; k >= 0; k--) { /* U x = z */
        double sum = z[k];
        for (int j = uptr[k]; j < uptr[k + 1]; j++) sum -= uv[j] * xv[uidx[j]];
        xv[f->pcol[k]] = sum * f->dinv[k];
    }
    return (int)(f->last_flag = SUNLS_SUCCESS);
}

static sunindextype splu_lastflag(SUNLinearSolver S) { return CONTENT(S)->last_flag; }

static void splu_free_content(splu *f)
{
    if (!f) return;
    free(f->w), free(f->y), free(f->prow), free(f->pcol), free(f->lptr), free(f->lidx);
    free(f->uptr), free(f->uidx), free(f->fpos), free(f->lr_ptr), free(f->lr_step), free(f->lr_pos),
         free(f->upos), free(f->lv), free(f->uv), free(f->dinv), free(f->s), free(f->rdone), free(f->cdone), free(f->rcount);
    free(f->ccount), free(f->crow), free(f->clen), free(f->pat_ptr), free(f->pat_idx);
    free(f);
}

static int splu_free(SUNLinearSolver S)
{
    if (!S) return SUNLS_SUCCESS;
    splu_free_content(S->content);
    S->content = NULL;
    SUNLinSolFreeEmpty(S);
    return SUNLS_SUCCESS;
}

SUNLinearSolver mk_splu_new(int n, SUNContext ctx)
{
    if (n <= 0) return NULL;
    splu *f = mk_calloc(1, sizeof *f);
    if (!f) return NULL;
    size_t un = (size_t)n;
    f->n = n;
    f->w = mk_malloc(un * un * sizeof *f->w);
    f->y = mk_malloc(un * sizeof *f->y);
    f->prow = mk_malloc(un * sizeof *f->prow), f->pcol = mk_malloc(un * sizeof *f->pcol);
    f->lptr = mk_malloc((un + 1) * sizeof *f->lptr), f->uptr = mk_malloc((un + 1) * sizeof *f->uptr);
    f->s = mk_malloc(un * un);
    f->rdone = mk_malloc(un * sizeof(int)), f->cdone = mk_malloc(un * sizeof(int));
    f->rcount = mk_malloc(un * sizeof(int)), f->ccount = mk_malloc(un * sizeof(int));
    f->crow = mk_malloc(un * un * sizeof(int)), f->clen = mk_malloc(un * sizeof(int));
    f->lr_ptr = mk_malloc((un + 1) * sizeof(int)), f->dinv = mk_malloc(un * sizeof(double));
    f->pat_ptr = mk_malloc((un + 1) * sizeof *f->pat_ptr);
    SUNLinearSolver S = NULL;
    if (!f->w || !f->y || !f->prow || !f->pcol || !f->lptr || !f->uptr || !f->s || !f->rdone || !f->cdone ||
        !f->rcount || !f->ccount || !f->crow || !f->clen || !f->lr_ptr || !f->dinv || !f->pat_ptr || !(S = SUNLinSolNewEmpty(ctx))) {
        splu_free_content(f);
        return NULL;
    }
    S->ops->gettype = splu_gettype;
    S->ops->getid = splu_getid;
    S->ops->initialize = splu_initialize;
    S->ops->setup = splu_setup;
    S->ops->solve = splu_solve;
    S->ops->lastflag = splu_lastflag;
    S->ops->free = splu_free;
    S->content = f;
    return S;
}

int mk_splu_out_of_memory(SUNLinearSolver S)
{
    return S && S->content && CONTENT(S)->last_flag == SUNLS_MEM_FAIL;
}

long mk_splu_pivotings(SUNLinearSolver S) { return S && S->content ? CONTENT(S)->pivotings : 0; }

/* dst (capacity cap elements) := n elements of src, grown when short; a statement that sets
 * rc to -1 when out of memory. */
#define COPY_ARRAY(rc, dst, cap, src, n)                                                        \
    do {                                                                                       \
        if ((rc) || (n) <= 0) break;                                                           \
        if (!(dst) || (n) > (cap)) {                                                           \
            void *p_ = mk_realloc((dst), (size_t)(n) * sizeof *(dst));                         \
            if (!p_) {                                                                         \
                (rc) = -1;                                                                     \
                break;                                                                         \
            }                                                                                  \
            (dst) = p_;                                                                        \
            (cap) = (n);                                                                       \
        }                                                                                      \
        memcpy((dst), (src), (size_t)(n) * sizeof *(dst));                                     \
    } while (0)

/* The whole state a restart keeps (solve/fork.h): the pattern, the order and its lists, the
 * factors.  The scratch of choosing an order is not state. */
int mk_splu_copy(SUNLinearSolver D, SUNLinearSolver S)
{
    splu *d = CONTENT(D);
    const splu *s = CONTENT(S);
    if (!d || !s || d->n != s->n) return -1;
    d->ordered = s->ordered, d->recheck = s->recheck, d->pivotings = s->pivotings, d->last_flag = s->last_flag;
    if (!s->ordered) return 0; /* nothing kept: the next setup chooses an order */
    int n = s->n, nl = s->lptr[n], nu = s->uptr[n];
    memcpy(d->w, s->w, (size_t)n * (size_t)n * sizeof *d->w);
    memcpy(d->prow, s->prow, (size_t)n * sizeof *d->prow);
    memcpy(d->pcol, s->pcol, (size_t)n * sizeof *d->pcol);
    memcpy(d->lptr, s->lptr, (size_t)(n + 1) * sizeof *d->lptr);
    memcpy(d->uptr, s->uptr, (size_t)(n + 1) * sizeof *d->uptr);
    memcpy(d->lr_ptr, s->lr_ptr, (size_t)(n + 1) * sizeof *d->lr_ptr);
    memcpy(d->dinv, s->dinv, (size_t)n * sizeof *d->dinv);
    memcpy(d->pat_ptr, s->pat_ptr, (size_t)(n + 1) * sizeof *d->pat_ptr);
    int rc = 0;
    COPY_ARRAY(rc, d->lidx, d->cap_l, s->lidx, nl);
    COPY_ARRAY(rc, d->uidx, d->cap_u, s->uidx, nu);
    COPY_ARRAY(rc, d->fpos, d->cap_f, s->fpos, n + nl + nu);
    COPY_ARRAY(rc, d->lr_step, d->cap_ls, s->lr_step, nl);
    COPY_ARRAY(rc, d->lr_pos, d->cap_lp, s->lr_pos, nl);
    COPY_ARRAY(rc, d->upos, d->cap_up, s->upos, nu);
    COPY_ARRAY(rc, d->lv, d->cap_lv, s->lv, nl);
    COPY_ARRAY(rc, d->uv, d->cap_uv, s->uv, nu);
    COPY_ARRAY(rc, d->pat_idx, d->pat_cap, s->pat_idx, s->pat_nnz);
    d->pat_nnz = s->pat_nnz;
    if (rc) d->ordered = 0;
    return rc ? -1 : 0;
}
