/*
 * cont_laws.c -- steady states of a model with conservation laws (see cont_newton.h).
 *
 * A law L(y) that the equations keep constant makes the steady states a family, one per value
 * of L: dF/dy is singular (grad L . F = 0 for every y, so grad L is a left null vector) and
 * Newton has no isolated root to converge to.  The member is fixed by the run: L0, the law's
 * value in the starting state (the one every time run of the scan starts from and keeps).
 *
 * Choices, and why:
 *   - Which equation a law replaces: the rows of dF/dy that are left must be independent,
 *     i.e. the columns of the law gradients at the replaced unknowns must form a nonsingular
 *     nl x nl block.  Taking for each law its largest coefficient is not enough when laws share
 *     states (tp_site: creatine = PCr + Cr, adenine = ATP + ADP + AMP and phosphoryl = PCr + Pi +
 *     3 ATP + 2 ADP + AMP; the first two take PCr and ATP, and phosphoryl's own largest
 *     coefficients are on those).  So the scaled gradients (dL/dy_j * s_j) are eliminated
 *     in turn, Gaussian elimination with the largest remaining entry as pivot: each law takes
 *     the unknown where it is largest after the laws before it are taken out.  A law whose
 *     remaining row is zero (to 1e-8 of its size) follows from the others and is not applied.
 *   - A law applies only when every state it reads is free: with one of them frozen, the free
 *     states alone do not keep it, and their Jacobian is not singular on its account.
 *   - The law row is (L - L0) / c, c = max_j |dL/dy_j| s_j / s_r (r the replaced unknown):
 *     its residual over s_r is the law's relative error, as an ordinary row's reads as a
 *     relative distance to the steady state.
 *   - Gradients by central differences on eval_laws (exact for the linear laws models
 *     declare, to rounding): no symbolic derivative is needed from the generated code.
 *   - Stability on the manifold L = L0: J maps every direction into the laws' tangent space T
 *     (grad L . J = 0), so the eigenvalues of J are those of J on T and one zero per law.  With
 *     Z an orthonormal basis of T (the right singular vectors of the scaled gradient matrix
 *     beyond its rank, LAPACK dgesvd), J Z = Z (Z^T J Z): the eigenvalues of Z^T J Z are
 *     exactly the dynamics' on the manifold, with no zero to tell apart from a fold's.  All in
 *     scaled coordinates (S^-1 J S), which leaves the eigenvalues unchanged and keeps states
 *     in uM and mM on one footing for the SVD.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/cont_newton.h"
#include "core/alloc.h"
#include "core/error.h"

extern void dgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, double *a, const int *lda,
                    double *s, double *u, const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork,
                    int *info);

/* dL/dy_j * s_j at w->yfull for the nk laws listed, into g (nk x nf, column-major). */
static void gradient(mk_cont_ws *w, const int *laws, int nk, double *g)
{
    const mk_model_abi *abi = w->abi;
    for (int j = 0; j < w->nf; j++) {
        int i = w->fidx[j];
        double y = w->yfull[i], h = 1e-6 * fmax(fabs(y), w->s[j]);
        w->yfull[i] = y + h;
        abi->eval_laws(w->yfull, w->params, w->lv);
        w->yfull[i] = y - h;
        abi->eval_laws(w->yfull, w->params, w->lv2);
        w->yfull[i] = y;
        for (int k = 0; k < nk; k++) g[k + (size_t)nk * j] = (w->lv[laws[k]] - w->lv2[laws[k]]) / (2 * h) * w->s[j];
    }
}

/* The laws whose states are all free, into w->law; their number. */
static int candidates(mk_cont_ws *w, const int *frozen)
{
    int nc = 0;
    for (int l = 0; l < w->abi->n_laws; l++) {
        const mk_law *law = &w->abi->laws[l];
        int ok = law->n_states > 0;
        for (int k = 0; k < law->n_states; k++) ok &= !frozen[law->states[k]];
        if (ok) w->law[nc++] = l;
    }
    return nc;
}

/* Gaussian elimination on the nc scaled gradient rows in w->lg; the independent laws are
 * compacted to the front of w->law with their pivot unknowns in w->rep. */
static void choose(mk_cont_ws *w, int nc)
{
    int nf = w->nf;
    double *row = w->zm;      /* nf: the law being reduced */
    double *piv = w->zm + nf; /* nl rows of nf: the reduced rows taken (zm holds nf x nf >= (nl + 1) nf) */
    w->nl = 0;
    for (int k = 0; k < nc; k++) {
        double big = 0;
        for (int j = 0; j < nf; j++) row[j] = w->lg[k + (size_t)nc * j], big = fmax(big, fabs(row[j]));
        for (int q = 0; q < w->nl; q++) {
            const double *p = piv + (size_t)nf * q;
            double f = row[w->rep[q]] / p[w->rep[q]];
            for (int j = 0; j < nf; j++) row[j] -= f * p[j];
        }
        int jm = -1;
        double best = 1e-8 * big;
        for (int j = 0; j < nf; j++)
            if (fabs(row[j]) > best) best = fabs(row[j]), jm = j;
        if (jm < 0 || w->nl + 1 >= nf) continue; /* follows from the laws taken (or nothing left to solve) */
        memcpy(piv + (size_t)nf * w->nl, row, (size_t)nf * sizeof *row);
        w->law[w->nl] = w->law[k];
        w->rep[w->nl] = jm;
        w->lc[w->nl] = big / w->s[jm];
        w->nl++;
    }
}

mk_status mk_cont_laws_new(mk_cont_ws *w, const double *y0, const int *frozen, mk_error *err)
{
    const mk_model_abi *abi = w->abi;
    w->nl = 0;
    if (abi->n_laws <= 0 || !abi->eval_laws) return MK_OK;
    size_t L = (size_t)abi->n_laws, nf = (size_t)w->nf;
    w->llwork = 5 * (int)(nf + L) + 64;
    w->law = mk_calloc(2 * L, sizeof *w->law);
    double *blk = mk_calloc(4 * L + L * nf + 2 * nf * nf + (size_t)w->llwork + nf + 1, sizeof *blk);
    if (!w->law || !blk) {
        free(blk);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory for conservation laws");
    }
    w->rep = w->law + L;
    w->l0 = blk, w->lc = blk + L, w->lv = blk + 2 * L, w->lv2 = blk + 3 * L, w->lg = blk + 4 * L;
    w->vt = w->lg + L * nf, w->zm = w->vt + nf * nf, w->lwk = w->zm + nf * nf;
    memcpy(w->yfull, y0, (size_t)w->ny * sizeof *y0);
    int nc = candidates(w, frozen);
    if (nc == 0) return MK_OK;
    gradient(w, w->law, nc, w->lg);
    choose(w, nc);
    abi->eval_laws(w->yfull, w->params, w->lv);
    for (int k = 0; k < w->nl; k++) w->l0[k] = w->lv[w->law[k]];
    return MK_OK;
}

void mk_cont_laws_free(mk_cont_ws *w)
{
    free(w->law);
    free(w->l0);
    w->law = w->rep = NULL;
    w->l0 = NULL;
    w->nl = 0;
}

void mk_cont_laws_rows(mk_cont_ws *w, double *f)
{
    if (w->nl == 0 || w->raw) return;
    w->abi->eval_laws(w->yfull, w->params, w->lv);
    for (int k = 0; k < w->nl; k++) f[w->rep[k]] = (w->lv[w->law[k]] - w->l0[k]) / w->lc[k];
}

int mk_cont_laws_reduce(mk_cont_ws *w)
{
    int nf = w->nf, nl = w->nl, m = nf - nl, one = 1, info = 0;
    if (nl == 0) {
        memcpy(w->a, w->jac, (size_t)nf * (size_t)nf * sizeof *w->a);
        return nf;
    }
    gradient(w, w->law, nl, w->lg);
    double dummy = 0, *sv = w->f0; /* f0 is free outside the Jacobian */
    dgesvd_("N", "A", &nl, &nf, w->lg, &nl, sv, &dummy, &one, w->vt, &nf, w->lwk, &w->llwork, &info);
    if (info != 0 || !(sv[nl - 1] > 1e-10 * sv[0])) return -1;
    /* Z: column c is row nl + c of vt.  zm = (S^-1 J S) Z (nf x m), a = Z^T zm (m x m) */
    for (int c = 0; c < m; c++)
        for (int i = 0; i < nf; i++) {
            double acc = 0;
            for (int j = 0; j < nf; j++) acc += w->jac[i + (size_t)nf * j] * w->s[j] * w->vt[(nl + c) + (size_t)nf * j];
            w->zm[i + (size_t)nf * c] = acc / w->s[i];
        }
    for (int c = 0; c < m; c++)
        for (int r = 0; r < m; r++) {
            double acc = 0;
            for (int i = 0; i < nf; i++) acc += w->vt[(nl + r) + (size_t)nf * i] * w->zm[i + (size_t)nf * c];
            w->a[r + (size_t)m * c] = acc;
        }
    return m;
}
