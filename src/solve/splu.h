/*
 * splu.h -- myoknot's own sparse LU for CVODE's Newton matrices (a SUNDIALS linear solver).
 *
 * The matrices M = I - gamma J of one model all have the pattern of its generated Jacobian
 * (plus the diagonal) and are small (tens of states, a quarter nonzero).  KLU, a general sparse
 * solver, spends most of its time there on bookkeeping: per-column loops, permutation and
 * scaling passes, 64-bit indices.  This solver chooses a pivot order by Markowitz's rule with
 * threshold partial pivoting on the first matrix of a pattern, and records for each pivot the
 * rows below it and the columns right of it (fill included); every later factorisation and
 * solve runs those lists straight through on a dense n x n work array.  When a later matrix
 * makes the fixed order unsafe (a pivot zero or not finite, or the smallest pivot below
 * uround^(2/3) of the largest, KLU's own test for re-pivoting in SUNDIALS), or the first
 * matrix after a (re)start of the integrator fails the threshold test that chose the order,
 * the order is chosen again on that matrix.
 */
#ifndef MK_SOLVE_SPLU_H
#define MK_SOLVE_SPLU_H

#include <sundials/sundials_linearsolver.h>
#include <sundials/sundials_matrix.h>
#include <sundials/sundials_nvector.h>

/* A linear solver for SUNDIALS' compressed-sparse-column matrices of n rows; NULL when out of
 * memory.  SUNLinSolFree frees it. */
SUNLinearSolver mk_splu_new(int n, SUNContext ctx);

/* Whether the last setup failed for want of memory (CVODE reports it only as a failed setup). */
int mk_splu_out_of_memory(SUNLinearSolver s);

/* For tests: pivot choices made so far (the first factorisation of a pattern, and re-pivots). */
long mk_splu_pivotings(SUNLinearSolver s);

#endif
