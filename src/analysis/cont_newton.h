/*
 * cont_newton.h -- the numerical kernel of cont.c: the bordered steady-state system, its
 * Jacobian by central differences, the KINSOL corrector, tangents and eigenvalues (LAPACK).
 * Private to src/analysis/cont*.c.
 *
 * Unknowns u = (y_free, p): the states that are not frozen, then the swept value.  Scaled
 * coordinates z_j = u_j / s_j put every unknown on a scale of one (s_j a typical magnitude of
 * the state, |B - A| for p), so that arclength, tangents and step sizes mean the same for
 * every model and unit.
 *
 * Conservation laws (cont_laws.c): a declared law L(y) makes dF/dy singular (a family of
 * steady states, one per value of L).  For each law one free unknown's equation F_j = 0 is
 * replaced by (L(y) - L0) / c = 0, L0 the law's value in the starting state, c = dL/dy_j;
 * every solve, tangent and convergence test sees this reduced system.  Stability comes from
 * the full dF/dy restricted to the laws' tangent space (Z^T J Z, Z an orthonormal basis of
 * the null space of dL/dy), so the laws' zero eigenvalues are not counted.
 */
#ifndef MK_ANALYSIS_CONT_NEWTON_H
#define MK_ANALYSIS_CONT_NEWTON_H

#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include "analysis/cont.h"

typedef struct mk_cont_ws {
    const mk_model_abi *abi;
    mk_symbol_kind kind;     /* of the swept symbol */
    int index;
    int ny, nf, n;           /* all states, free states, unknowns (nf + 1) */
    int *fidx;               /* nf: the state index of each free unknown */
    double *params, *inputs; /* copies the right-hand side is evaluated with */
    double *yfull;           /* ny: frozen states hold their value */
    double *ydot;            /* ny */
    double *f0, *f1;         /* nf */
    double *s;               /* n: scales, grown along a branch to the largest |u_j| met */
    double *s0;              /* n: the scales at the start (for the runaway test) */
    double *un, *dn;         /* n: projected Newton's last iterate and its step */
    double *tan, *zpred;     /* n: the corrector's hyperplane t . (z - zpred) = 0 */
    double *jac;             /* nf x n, column-major: dF/du */
    double *a, *b;           /* n x n and n: dense solves */
    double *wr, *wi, *work;  /* eigenvalues */
    int lwork;
    int *ipiv;
    double t_s;
    double tol;              /* convergence: scaled size of one more Newton step */
    long rhs_evals, iters;
    SUNContext ctx;
    void *kin;
    N_Vector u, uscale, fscale, cons;
    SUNMatrix J;
    SUNLinearSolver ls;
    char msg[480];           /* KINSOL's last error message */
    /* conservation laws (cont_laws.c); nl == 0: none applies */
    int nl;                  /* laws applied: every state they read is free, independent */
    int *law;                /* nl: the ABI index of each law applied */
    int *rep;                /* nl: the free unknown whose equation the law replaces */
    double *l0, *lc;         /* nl: the law's value to hold, and dL/dy at its unknown */
    double *lv, *lv2;        /* abi->n_laws: scratch values */
    double *lg;              /* nl x nf, column-major: dL/dy * s (scaled), and SVD scratch */
    double *vt, *zm, *lwk;   /* nf x nf: right singular vectors; nf x nf scratch; SVD work */
    int llwork;
    int raw;                 /* 1: eval_f gives F itself (the eigenvalues), no law rows */
} mk_cont_ws;

/* The result of a corrector solve. */
typedef struct mk_cont_solve {
    int converged, iters, flag;
    double residual, step;
} mk_cont_solve;

/* What the eigenvalues of dF/dy say about a point. */
typedef struct mk_cont_eig {
    int n_unstable, n_unstable_osc; /* Re > tolerance; of those, with an imaginary part */
    double max_re, slowest_s;
    double hopf_re, hopf_omega;     /* the complex pair nearest the imaginary axis (NaN: none) */
    int n_neutral;                  /* |Re| <= zero_re: neither stable nor unstable */
    double zero_re;                 /* the differencing noise of a real part, 1/s */
} mk_cont_eig;

mk_status mk_cont_ws_new(mk_cont_ws *w, const mk_model_abi *abi, const mk_solver *base, const mk_cont_opts *o,
                         const int *frozen, mk_error *err);
void mk_cont_ws_free(mk_cont_ws *w);

void mk_cont_set_p(mk_cont_ws *w, double p);
/* yfull (all states) -> u (free states and p), and back (yfull, and the swept value). */
void mk_cont_pack(const mk_cont_ws *w, const double *yfull, double p, double *u);
void mk_cont_unpack(mk_cont_ws *w, const double *u);
/* Clip u into the states' bounds, so that KINSOL's constraints hold for the first guess. */
void mk_cont_clip(const mk_cont_ws *w, double *u);

/* Solve the bordered system from the guess u (overwritten with the answer); the hyperplane
 * is w->tan, w->zpred.  Fixed p: tan = e_p, zpred_p = p / s_p (mk_cont_fix_p). */
mk_cont_solve mk_cont_correct(mk_cont_ws *w, double *u);
void mk_cont_fix_p(mk_cont_ws *w, double p);
/* The unit tangent at u in scaled coordinates, oriented along prev (n values).  0 or -1. */
int mk_cont_tangent(mk_cont_ws *w, const double *u, const double *prev, double *t);
/* Grow the scales to |u| (a state far above its starting magnitude would otherwise dominate
 * the arclength and shrink every step); 1 if one grew.  -1: a state ran away (above 1e6 times
 * its starting scale, or 1e6 if that is below one): the branch heads to infinity, with no steady state of bounded size. */
int mk_cont_rescale(mk_cont_ws *w, const double *u);
/* Eigenvalues of dF/dy at u (the Jacobian is recomputed), on the laws' tangent space.  0 or -1. */
int mk_cont_eigen(mk_cont_ws *w, const double *u, mk_cont_eig *e);

/* cont_laws.c.  Choose the laws that apply and the equations they replace, from the state
 * y0 (all states; L0 is taken there) and the frozen flags; after the scales are set. */
mk_status mk_cont_laws_new(mk_cont_ws *w, const double *y0, const int *frozen, mk_error *err);
void mk_cont_laws_free(mk_cont_ws *w);
/* Overwrite the replaced rows of f with the law rows, at w->yfull and w->params. */
void mk_cont_laws_rows(mk_cont_ws *w, double *f);
/* The matrix whose eigenvalues decide stability, from the full Jacobian w->jac at w->yfull:
 * into w->a, m x m; returns m (nf - nl), or -1. */
int mk_cont_laws_reduce(mk_cont_ws *w);

#endif
