/*
 * test_splu.c -- myoknot's own sparse LU (src/solve/splu.c) on small systems whose solutions
 * are known: a pivot off the diagonal, a later matrix on which the fixed order fails, a new
 * pattern, a singular matrix.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include "solve/splu.h"

#define N 5

typedef struct fixture {
    SUNContext ctx;
    SUNLinearSolver ls;
    N_Vector x, b;
} fixture;

static int setup(void **state)
{
    static fixture fx;
    memset(&fx, 0, sizeof fx);
    if (SUNContext_Create(NULL, &fx.ctx)) return -1;
    fx.ls = mk_splu_new(N, fx.ctx);
    fx.x = N_VNew_Serial(N, fx.ctx);
    fx.b = N_VNew_Serial(N, fx.ctx);
    if (!fx.ls || !fx.x || !fx.b) return -1;
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    SUNLinSolFree(fx->ls);
    N_VDestroy(fx->x);
    N_VDestroy(fx->b);
    SUNContext_Free(&fx->ctx);
    return 0;
}

/* A dense row-major N x N matrix as CSC with its nonzeros only. */
static SUNMatrix csc_of(SUNContext ctx, const double a[N][N])
{
    int nnz = 0;
    for (int r = 0; r < N; r++)
        for (int c = 0; c < N; c++) nnz += a[r][c] != 0.0;
    SUNMatrix m = SUNSparseMatrix(N, N, nnz, CSC_MAT, ctx);
    assert_non_null(m);
    sunindextype *ptr = SM_INDEXPTRS_S(m), *idx = SM_INDEXVALS_S(m);
    double *v = SM_DATA_S(m);
    int k = 0;
    for (int c = 0; c < N; c++) {
        ptr[c] = k;
        for (int r = 0; r < N; r++)
            if (a[r][c] != 0.0) idx[k] = r, v[k] = a[r][c], k++;
    }
    ptr[N] = k;
    return m;
}

/* factorise a, solve a x = a x_true, compare */
static void solves(fixture *fx, const double a[N][N])
{
    static const double x_true[N] = {1.0, -2.0, 0.5, 3.0, -0.25};
    double *b = N_VGetArrayPointer(fx->b);
    for (int r = 0; r < N; r++) {
        b[r] = 0;
        for (int c = 0; c < N; c++) b[r] += a[r][c] * x_true[c];
    }
    SUNMatrix m = csc_of(fx->ctx, a);
    assert_int_equal(SUNLinSolSetup(fx->ls, m), SUNLS_SUCCESS);
    assert_int_equal(SUNLinSolSolve(fx->ls, m, fx->x, fx->b, 0.0), SUNLS_SUCCESS);
    const double *x = N_VGetArrayPointer(fx->x);
    for (int i = 0; i < N; i++) assert_true(fabs(x[i] - x_true[i]) < 1e-12);
    SUNMatDestroy(m);
}

/* Row 0 has no diagonal entry: the pivot of column 0 must come from another row. */
static const double k_offdiag[N][N] = {
    {0, 2, 0, 0, 1}, {3, 1, 0, 0, 0}, {0, 0, 4, 1, 0}, {1, 0, 1, 5, 0}, {0, 1, 0, 0, 2}};

static void test_pivot_off_the_diagonal(void **state)
{
    fixture *fx = *state;
    assert_int_equal(SUNLinSolInitialize(fx->ls), SUNLS_SUCCESS);
    solves(fx, k_offdiag);
    long p = mk_splu_pivotings(fx->ls);
    assert_true(p >= 1);
    solves(fx, k_offdiag); /* the same pattern: refactorised in the order chosen */
    assert_int_equal(mk_splu_pivotings(fx->ls), p);
}

/* The same pattern, but the entry that was the first pivot is now tiny (1e-14 of its row):
 * the fixed order would divide by it, so the order is chosen again, and the answer stays exact. */
static void test_repivots_when_the_order_fails(void **state)
{
    fixture *fx = *state;
    static const double a[N][N] = {
        {4, 1, 0, 0, 0}, {1, 4, 1, 0, 0}, {0, 1, 4, 1, 0}, {0, 0, 1, 4, 1}, {0, 0, 0, 1, 4}};
    assert_int_equal(SUNLinSolInitialize(fx->ls), SUNLS_SUCCESS);
    solves(fx, a);
    long p = mk_splu_pivotings(fx->ls);
    double b[N][N];
    memcpy(b, a, sizeof b);
    b[0][0] = 1e-14; /* Markowitz's first choice on a: fewest entries, the diagonal, first */
    solves(fx, b);
    assert_true(mk_splu_pivotings(fx->ls) > p);
}

/* A (re)start of CVODE (SUNLinSolInitialize) keeps the order when the next matrix of the same
 * pattern passes the threshold test that chose it; a matrix whose kept first pivot fell below
 * THRESHOLD (0.1) of its column's largest entry, though far above the pivot-ratio test's
 * uround^(2/3), has it chosen again, with the right answer. */
static void test_restart_keeps_a_passing_order(void **state)
{
    fixture *fx = *state;
    static const double a[N][N] = {
        {4, 1, 0, 0, 0}, {1, 4, 1, 0, 0}, {0, 1, 4, 1, 0}, {0, 0, 1, 4, 1}, {0, 0, 0, 1, 4}};
    assert_int_equal(SUNLinSolInitialize(fx->ls), SUNLS_SUCCESS);
    solves(fx, k_offdiag); /* another pattern first: the order of a's is chosen on a */
    solves(fx, a);
    long p = mk_splu_pivotings(fx->ls);
    double b[N][N];
    memcpy(b, a, sizeof b);
    b[0][0] = 3.0, b[2][2] = 5.0; /* other values, every pivot still the largest of its column */
    assert_int_equal(SUNLinSolInitialize(fx->ls), SUNLS_SUCCESS);
    solves(fx, b);
    assert_int_equal(mk_splu_pivotings(fx->ls), p);
    b[0][0] = 0.05; /* the first pivot (0, 0): 0.05 < 0.1 x |b[1][0]| */
    assert_int_equal(SUNLinSolInitialize(fx->ls), SUNLS_SUCCESS);
    solves(fx, b);
    assert_int_equal(mk_splu_pivotings(fx->ls), p + 1);
}

/* A new pattern after the first: a new order, the right answer. */
static void test_new_pattern(void **state)
{
    fixture *fx = *state;
    static const double a[N][N] = {
        {2, 0, 0, 0, 0}, {0, 3, 0, 0, 0}, {0, 0, 4, 0, 0}, {0, 0, 0, 5, 0}, {0, 0, 0, 0, 6}};
    assert_int_equal(SUNLinSolInitialize(fx->ls), SUNLS_SUCCESS);
    solves(fx, a);
    long p = mk_splu_pivotings(fx->ls);
    solves(fx, k_offdiag);
    assert_int_equal(mk_splu_pivotings(fx->ls), p + 1);
}

/* A singular matrix is a recoverable failure (CVODE tries a smaller step), not a crash. */
static void test_singular(void **state)
{
    fixture *fx = *state;
    static const double a[N][N] = {
        {1, 2, 0, 0, 0}, {2, 4, 0, 0, 0}, {0, 0, 1, 0, 0}, {0, 0, 0, 1, 0}, {0, 0, 0, 0, 1}};
    assert_int_equal(SUNLinSolInitialize(fx->ls), SUNLS_SUCCESS);
    SUNMatrix m = csc_of(fx->ctx, a);
    int rc = SUNLinSolSetup(fx->ls, m);
    assert_true(rc > 0);
    SUNMatDestroy(m);
    solves(fx, k_offdiag); /* and it recovers on the next matrix */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pivot_off_the_diagonal),
        cmocka_unit_test(test_repivots_when_the_order_fails),
        cmocka_unit_test(test_restart_keeps_a_passing_order),
        cmocka_unit_test(test_new_pattern),
        cmocka_unit_test(test_singular),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
