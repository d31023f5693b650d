/*
 * test_jacobian.c -- the generated analytic Jacobian against finite differences of the
 * generated right-hand side, for every shipped model and for a model applying every function
 * of the language to states (tests/lang/jacobian/functions.myo, compiled at run time).
 *
 * At each of several points (the defaults; the states scattered by up to +-30 %; the inputs
 * raised by up to one declared unit too; the state reached after two simulated hours with those inputs) and for every
 * state j, with y_scale_j = max(|y_j|, |y0_j|, 1e-3) and h_j = 1e-6 y_scale_j:
 *   - an entry outside the sparsity pattern must be exactly zero: ydot_i does not change at
 *     all when y_j moves by h_j;
 *   - an entry in the pattern must match the central, the forward or the backward difference
 *     (one-sided ones for the kinks of min, max, clamp, if ...) at step h_j or at 100 h_j (the
 *     small step is limited by rounding where a row's terms nearly cancel, as in
 *     d(spinal.cpm)/dt, the large one by curvature): it is wrong when it differs from all six
 *     by more than 1e-4 relative AND by more than 1e-8 of the row's scale
 *     R_i = |ydot_i| + max_k |J_ik| y_scale_k (an entry far below the row's other terms is lost
 *     in the rounding of the differences).  Central differences at this step are accurate to
 *     about 1e-10 of R_i, so the tolerance leaves room for rounding and no more.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "myoknot.h"
#include "test_util.h"

enum { N_POINTS = 4 };

typedef struct point {
    double *y, *in;
} point;

static double frac(unsigned *seed) /* deterministic, in [0, 1) */
{
    *seed = *seed * 1103515245u + 12345u;
    return (double)((*seed >> 8) & 0xFFFF) / 65536.0;
}

/* ydot at y with y[j] moved by dy */
static void rhs_at(const mk_model_abi *a, const point *pt, const double *p, int j, double dy, double *out)
{
    double *y = malloc((size_t)a->n_states * sizeof *y);
    assert_non_null(y);
    memcpy(y, pt->y, (size_t)a->n_states * sizeof *y);
    if (j >= 0) y[j] += dy;
    a->rhs(600.0, y, out, pt->in, p, NULL);
    free(y);
}

/* the number of wrong entries at one point (each printed) */
static int check_point(const mk_model_abi *a, const point *pt, const double *p, const char *what)
{
    int n = a->n_states, wrong = 0;
    double *jv = calloc((size_t)a->jac_nnz + 1, sizeof *jv), *J = calloc((size_t)n * (size_t)n, sizeof *J);
    double *f0 = calloc((size_t)n, sizeof *f0), *fp = calloc((size_t)n, sizeof *fp), *fm = calloc((size_t)n, sizeof *fm);
    double *ys = calloc((size_t)n, sizeof *ys);
    double *fp2 = calloc((size_t)n, sizeof *fp2), *fm2 = calloc((size_t)n, sizeof *fm2);
    char *in_pattern = calloc((size_t)n * (size_t)n, 1);
    assert_true(jv && J && f0 && fp && fm && ys && fp2 && fm2 && in_pattern);
    a->jac(600.0, pt->y, pt->in, p, jv);
    for (int j = 0; j < n; j++)
        for (int k = a->jac_colptr[j]; k < a->jac_colptr[j + 1]; k++) {
            J[(size_t)a->jac_rows[k] * (size_t)n + (size_t)j] = jv[k];
            in_pattern[(size_t)a->jac_rows[k] * (size_t)n + (size_t)j] = 1;
        }
    rhs_at(a, pt, p, -1, 0, f0);
    for (int j = 0; j < n; j++) ys[j] = fmax(fmax(fabs(pt->y[j]), fabs(a->states[j].value)), 1e-3);
    for (int i = 0; i < n; i++) {
        assert_true(isfinite(f0[i]));
        for (int j = 0; j < n; j++) assert_true(isfinite(J[(size_t)i * (size_t)n + (size_t)j]));
    }
    for (int j = 0; j < n; j++) {
        double h = 1e-6 * ys[j];
        rhs_at(a, pt, p, j, h, fp);
        rhs_at(a, pt, p, j, -h, fm);
        rhs_at(a, pt, p, j, 100 * h, fp2);
        rhs_at(a, pt, p, j, -100 * h, fm2);
        for (int i = 0; i < n; i++) {
            double jij = J[(size_t)i * (size_t)n + (size_t)j];
            if (!in_pattern[(size_t)i * (size_t)n + (size_t)j]) {
                if (fp[i] != f0[i] || fm[i] != f0[i]) {
                    print_error("%s %s: d(d(%s)/dt)/d(%s) is not in the pattern, but ydot changes\n", a->name,
                                what, a->states[i].name, a->states[j].name);
                    wrong++;
                }
                continue;
            }
            double row = fabs(f0[i]);
            for (int k = 0; k < n; k++) row = fmax(row, fabs(J[(size_t)i * (size_t)n + (size_t)k]) * ys[k]);
            double h2 = 100 * h;
            double d[6] = {(fp[i] - fm[i]) / (2 * h),     (fp[i] - f0[i]) / h,   (f0[i] - fm[i]) / h,
                           (fp2[i] - fm2[i]) / (2 * h2), (fp2[i] - f0[i]) / h2, (f0[i] - fm2[i]) / h2};
            int ok = 0;
            for (int k = 0; k < 6 && !ok; k++) {
                double diff = fabs(jij - d[k]);
                ok = diff <= 1e-4 * fmax(fabs(jij), fabs(d[k])) || diff * ys[j] <= 1e-8 * row;
            }
            if (!ok) {
                print_error("%s %s: d(d(%s)/dt)/d(%s) = %.10g, finite differences %.10g (central), %.10g, "
                            "%.10g (one-sided); row scale %.3g\n", a->name, what, a->states[i].name,
                            a->states[j].name, jij, d[0], d[1], d[2], row);
                wrong++;
            }
        }
    }
    free(jv), free(J), free(f0), free(fp), free(fm), free(fp2), free(fm2), free(ys), free(in_pattern);
    return wrong;
}

/* the state after two simulated hours from the defaults with the point's inputs */
static void simulate_into(const mk_model_abi *a, point *pt, const double *p)
{
    mk_solver *s = NULL;
    mk_error err = {0};
    assert_int_equal(mk_solver_new(a, NULL, &s, &err), MK_OK);
    for (int i = 0; i < a->n_params; i++) assert_int_equal(mk_solver_set_param(s, i, p[i], &err), MK_OK);
    for (int i = 0; i < a->n_inputs; i++) assert_int_equal(mk_solver_set_input(s, i, pt->in[i], &err), MK_OK);
    mk_status rc = mk_solver_advance(s, 7200.0, &err);
    if (rc) print_error("%s: %s\n", a->name, err.message);
    assert_int_equal(rc, MK_OK);
    memcpy(pt->y, mk_solver_state(s), (size_t)a->n_states * sizeof *pt->y);
    mk_solver_free(s);
}

/* the number of wrong entries over all points */
static int check_model(const mk_model_abi *a)
{
    assert_non_null(a->jac);
    assert_true(a->jac_nnz >= a->n_states && a->jac_colptr[a->n_states] == a->jac_nnz);
    int n = a->n_states, wrong = 0;
    double *p = calloc((size_t)a->n_params + 1, sizeof *p);
    assert_non_null(p);
    for (int i = 0; i < a->n_params; i++) p[i] = a->params[i].value;
    unsigned seed = 12345u;
    static const char *const what[N_POINTS] = {"at the defaults", "at scattered states",
                                               "with inputs on", "after 2 h with inputs on"};
    for (int c = 0; c < N_POINTS; c++) {
        point pt = {calloc((size_t)n + 1, sizeof(double)), calloc((size_t)a->n_inputs + 1, sizeof(double))};
        assert_true(pt.y && pt.in);
        for (int i = 0; i < n; i++) pt.y[i] = a->states[i].value * (c ? 0.7 + 0.6 * frac(&seed) : 1.0);
        for (int i = 0; i < a->n_inputs; i++) /* inputs on: up to 1 declared unit above the default */
            pt.in[i] = a->inputs[i].value + (c >= 2 ? frac(&seed) : 0.0);
        if (c == 3) simulate_into(a, &pt, p);
        wrong += check_point(a, &pt, p, what[c]);
        free(pt.y), free(pt.in);
    }
    free(p);
    return wrong;
}

static void shipped_models(void **state)
{
    (void)state;
    int models = 0, wrong = 0;
    for (int i = 0; mk_builtin_at(i); i++) {
        const mk_model_abi *a = mk_builtin_at(i);
        if (!a->n_states) continue;
        wrong += check_model(a);
        models++;
    }
    assert_true(models >= 5); /* decay, oscillator, the three site models */
    assert_int_equal(wrong, 0);
}

/* every function of the language, compiled at run time */
static void every_function(void **state)
{
    (void)state;
    char path[1024];
    char *text = mk_test_slurp(mk_test_path(path, sizeof path, "tests/lang/jacobian/functions.myo"));
    assert_non_null(text);
    mk_model *m = NULL;
    mk_loaded *l = NULL;
    mk_error err = {0};
    mk_status rc = mk_model_parse_string("functions.myo", text, &m, &err);
    if (!rc) rc = mk_model_compile(m, NULL, &l, &err);
    if (rc) print_error("%s\n", err.message);
    assert_int_equal(rc, MK_OK);
    assert_int_equal(check_model(mk_loaded_abi(l)), 0);
    mk_loaded_free(l);
    mk_model_free(m);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shipped_models),
        cmocka_unit_test(every_function),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
