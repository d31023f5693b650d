/*
 * test_scan.c -- quasi-static continuation (src/analysis/scan.c) on models with a known
 * answer:
 *   tests/analysis/bistable.myo  dx/dt = r + x - x^3: folds at r = +-2/(3 sqrt 3) = +-0.3849,
 *                                two stable states for |r| < 0.3849;
 *   decay (built in)             dx/dt = inflow - k x: one steady state for every k, inflow.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../lang/test_util.h"
#include "analysis/scan.h"

static mk_model *g_model;
static mk_loaded *g_loaded;
static const mk_model_abi *g_cusp, *g_decay;

#define R_FOLD 0.38490017945975050 /* 2 / (3 sqrt 3) */

static int setup(void **state)
{
    (void)state;
    char path[1024];
    mk_error err = {0};
    if (mk_model_parse_file(mk_test_path(path, sizeof path, "tests/analysis/bistable.myo"), &g_model, &err) ||
        mk_model_compile(g_model, NULL, &g_loaded, &err)) {
        fprintf(stderr, "setup: %s\n", err.message);
        return -1;
    }
    g_cusp = mk_loaded_abi(g_loaded);
    g_decay = mk_builtin_find("decay");
    return g_decay ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mk_loaded_free(g_loaded);
    mk_model_free(g_model);
    return 0;
}

static void scan(const mk_model_abi *abi, mk_scan_opts *o, mk_scan_result *r)
{
    mk_solver *s = NULL;
    mk_error err = {0};
    assert_int_equal(mk_solver_new(abi, NULL, &s, &err), MK_OK);
    mk_status rc = mk_scan_compute(s, o, r, &err);
    if (rc) print_error("scan: %s\n", err.message);
    assert_int_equal(rc, MK_OK);
    mk_solver_free(s);
}

static void cusp_opts(mk_scan_opts *o, double from, double to, int steps)
{
    mk_scan_opts_default(o);
    o->kind = MK_SYM_PARAM;
    o->index = mk_abi_find(g_cusp, MK_SYM_PARAM, "cusp.r");
    assert_true(o->index >= 0);
    o->from = from;
    o->to = to;
    o->steps = steps;
    o->settle_s = 200; /* tau = 1 s: 200 s settles everything but the bottleneck at a fold */
}

/* the coexistence range is [-R_FOLD, R_FOLD] to within one step, and the folds to half a step */
static void check_cusp(const mk_scan_result *r, double h)
{
    assert_int_equal(r->n_ranges, 1);
    assert_true(r->range_lo[0] >= -R_FOLD - 1e-12 && r->range_lo[0] <= -R_FOLD + h);
    assert_true(r->range_hi[0] <= R_FOLD + 1e-12 && r->range_hi[0] >= R_FOLD - h);
    double up = r->opts.to > r->opts.from ? r->fold_fwd : r->fold_back;
    double down = r->opts.to > r->opts.from ? r->fold_back : r->fold_fwd;
    assert_true(fabs(up - R_FOLD) <= h / 2 + 1e-12);
    assert_true(fabs(down + R_FOLD) <= h / 2 + 1e-12);
    assert_int_equal(r->n_unconverged, 0);
    /* the branches: the lower one below -1/sqrt 3 until the fold, the upper one above */
    for (int k = 0; k < r->n; k++) {
        double x = r->fwd[k].value, y = r->fwd[k].y[0];
        assert_true(fabs(x + y - y * y * y) < 1e-4); /* a steady state */
    }
}

static void finds_the_folds(void **state)
{
    (void)state;
    mk_scan_opts o;
    cusp_opts(&o, -1, 1, 40);
    mk_scan_result r;
    scan(g_cusp, &o, &r);
    check_cusp(&r, 0.05);
    assert_string_equal(r.watch, "cusp.x"); /* no core.ca: the first state */
    mk_buf b;
    mk_buf_init(&b);
    mk_scan_verdict(&r, &b);
    assert_non_null(strstr(b.data, "coexistence: the branches of cusp.x differ"));
    assert_non_null(strstr(b.data, "jumps at cusp.r = 0.375"));
    mk_buf_free(&b);
    mk_scan_result_clear(&r);
}

static void finds_the_folds_downwards_and_finely(void **state)
{
    (void)state;
    mk_scan_opts o;
    cusp_opts(&o, 1, -1, 200);
    o.watch = "cusp.x";
    mk_scan_result r;
    scan(g_cusp, &o, &r);
    check_cusp(&r, 0.01);
    mk_scan_result_clear(&r);
}

static void a_one_sided_sweep_has_no_coexistence(void **state)
{
    (void)state;
    mk_scan_opts o;
    cusp_opts(&o, 0.5, 1, 10); /* only the upper branch exists there */
    mk_scan_result r;
    scan(g_cusp, &o, &r);
    assert_int_equal(r.n_ranges, 0);
    assert_true(isnan(r.fold_fwd) && isnan(r.fold_back));
    mk_scan_result_clear(&r);
}

static void decay_has_one_steady_state(void **state)
{
    (void)state;
    for (int pass = 0; pass < 2; pass++) {
        mk_scan_opts o;
        mk_scan_opts_default(&o);
        if (pass == 0) { /* a parameter */
            o.kind = MK_SYM_PARAM;
            o.index = mk_abi_find(g_decay, MK_SYM_PARAM, "pool.k");
            o.from = 0.05;
            o.to = 5;
        } else { /* an input */
            o.kind = MK_SYM_INPUT;
            o.index = mk_abi_find(g_decay, MK_SYM_INPUT, "pool.inflow");
            o.from = 0;
            o.to = 2;
        }
        assert_true(o.index >= 0);
        o.steps = 10;
        o.settle_s = 600;
        mk_scan_result r;
        scan(g_decay, &o, &r);
        assert_int_equal(r.n_ranges, 0);
        assert_int_equal(r.n_unconverged, 0);
        for (int k = 0; k < r.n; k++) {
            double want = pass == 0 ? 0.0 : r.fwd[k].value / 0.5; /* x = inflow / k */
            assert_true(fabs(r.fwd[k].y[0] - want) < 1e-5);
            assert_true(fabs(r.back[k].y[0] - want) < 1e-5);
        }
        mk_buf b;
        mk_buf_init(&b);
        mk_scan_verdict(&r, &b);
        assert_non_null(strstr(b.data, "no coexistence found in ["));
        mk_buf_free(&b);
        mk_buf_init(&b);
        mk_error err = {0};
        assert_int_equal(mk_scan_write_csv(&r, &b, &err), MK_OK);
        assert_non_null(strstr(b.data, "branch,step,"));
        int lines = 0;
        for (const char *c = b.data; *c; c++) lines += *c == '\n';
        assert_int_equal(lines, 1 + 2 * r.n);
        mk_buf_free(&b);
        mk_scan_result_clear(&r);
    }
}

static void non_convergence_is_reported(void **state)
{
    (void)state;
    mk_scan_opts o;
    mk_scan_opts_default(&o);
    o.kind = MK_SYM_PARAM;
    o.index = mk_abi_find(g_decay, MK_SYM_PARAM, "pool.k");
    o.from = 0.001; /* a time constant of 1000 s */
    o.to = 0.002;
    o.steps = 2;
    o.settle_s = 10; /* far too short */
    mk_scan_result r;
    scan(g_decay, &o, &r);
    assert_int_equal(r.n_unconverged, 2 * r.n);
    assert_int_equal(r.fwd[0].slowest, 0);
    mk_buf b;
    mk_buf_init(&b);
    mk_scan_verdict(&r, &b);
    assert_non_null(strstr(b.data, "did not settle"));
    mk_buf_free(&b);
    mk_scan_result_clear(&r);
}

static void bad_arguments(void **state)
{
    (void)state;
    mk_solver *s = NULL;
    mk_error err = {0};
    assert_int_equal(mk_solver_new(g_decay, NULL, &s, &err), MK_OK);
    mk_scan_opts o;
    mk_scan_opts_default(&o);
    mk_scan_result r;
    o.index = 5; /* decay has one parameter */
    o.from = 0;
    o.to = 1;
    assert_int_equal(mk_scan_compute(s, &o, &r, &err), MK_ERR_INVALID);
    o.index = 0;
    o.steps = 0;
    assert_int_equal(mk_scan_compute(s, &o, &r, &err), MK_ERR_INVALID);
    o.steps = 5;
    o.to = 0;
    assert_int_equal(mk_scan_compute(s, &o, &r, &err), MK_ERR_INVALID);
    o.to = 1;
    o.watch = "pool.nothing";
    assert_int_equal(mk_scan_compute(s, &o, &r, &err), MK_ERR_NAME);
    mk_solver_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_the_folds),
        cmocka_unit_test(finds_the_folds_downwards_and_finely),
        cmocka_unit_test(a_one_sided_sweep_has_no_coexistence),
        cmocka_unit_test(decay_has_one_steady_state),
        cmocka_unit_test(non_convergence_is_reported),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
