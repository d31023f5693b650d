/*
 * test_forecast.c -- `run --params --forecast` (mk_forecast_run, docs/fit.md) on the toy model
 * (tests/fit/toy.myo, y = L (1 - exp(-k t)), measured twelve times by toy_forecast.yaml):
 * a zero covariance collapses the band onto the plain run; a nonzero one contains it and a
 * larger one widens it; the same seed gives the same bytes; bad covariance blocks are errors
 * at file:line:col.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../lang/test_util.h"
#include "myoknot.h"

static char g_dir[64];

/* A parameter file: the fitted values and a covariance block with the given matrix rows. */
static const char *write_params(const char *name, const char *text)
{
    static char path[256]; /* test-only: one file at a time */
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static const char *params_with(const char *name, double vk, double ckl, double vl)
{
    char text[1024];
    snprintf(text, sizeof text,
             "parameters:\n  f.k: \"1.3 1/s\"\n  f.L: \"7.2\"\n"
             "covariance:\n  parameters: [f.k, f.L]\n  space: [log, linear]\n  matrix:\n"
             "    - [%.10g, %.10g]\n    - [%.10g, %.10g]\n",
             vk, ckl, ckl, vl);
    return write_params(name, text);
}

static mk_status forecast(const char *params, int n, unsigned long long seed, mk_forecast *f, mk_error *err)
{
    char scn[1024];
    mk_study_opts so = {.params_file = params};
    mk_study *s = NULL;
    mk_status st = mk_study_open(mk_test_path(scn, sizeof scn, "tests/fit/toy_forecast.yaml"), &so, &s, err);
    if (st) return st;
    mk_forecast_opts o;
    mk_forecast_opts_default(&o);
    o.n = n;
    o.seed = seed;
    st = mk_forecast_run(s, params, &o, f, err);
    mk_study_free(s);
    return st;
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/mk_forecast_XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void zero_covariance_collapses(void **state)
{
    (void)state;
    mk_error err = {0};
    mk_forecast f;
    assert_int_equal(forecast(params_with("zero.yaml", 0, 0, 0), 20, 1, &f, &err), MK_OK);
    assert_int_equal(f.n_rows, 12);
    assert_int_equal(f.failed, 0);
    for (int i = 0; i < f.n_rows; i++) {
        assert_true(isfinite(f.rows[i].plain) && f.rows[i].plain > 3);
        assert_true(f.rows[i].p5 == f.rows[i].plain && f.rows[i].median == f.rows[i].plain && f.rows[i].p95 == f.rows[i].plain);
        assert_int_equal(f.rows[i].n, 20);
    }
    mk_forecast_free(&f);
}

/* The toy fit's own covariance (params.yaml of `fit --data toy_visits.csv`), and four times
 * it: the band holds the plain run and doubles in width (the model is nearly linear in the
 * parameters at this spread). */
static void band_contains_and_widens(void **state)
{
    (void)state;
    mk_error err = {0};
    mk_forecast a, b;
    assert_int_equal(forecast(params_with("one.yaml", 2.2e-4, -2.3e-4, 6.4e-4), 400, 5, &a, &err), MK_OK);
    assert_int_equal(forecast(params_with("four.yaml", 8.8e-4, -9.2e-4, 2.56e-3), 400, 5, &b, &err), MK_OK);
    for (int i = 0; i < a.n_rows; i++) {
        const mk_forecast_row *r = &a.rows[i], *q = &b.rows[i];
        assert_true(r->p5 < r->plain && r->plain < r->p95);
        assert_true(q->p5 < q->plain && q->plain < q->p95);
        double wa = r->p95 - r->p5, wb = q->p95 - q->p5;
        assert_true(wa > 0.01);        /* SE of L 0.025: a 90 % width near 0.08 late on */
        assert_true(wb > 1.6 * wa && wb < 2.4 * wa);
    }
    /* late on y is L: the band is L's, 2 x 1.645 x 0.0253 wide within sampling error */
    double w = a.rows[11].p95 - a.rows[11].p5;
    assert_true(fabs(w - 2 * 1.645 * sqrt(6.4e-4)) < 0.2 * w);
    mk_forecast_free(&a);
    mk_forecast_free(&b);
}

static void same_seed_same_bytes(void **state)
{
    (void)state;
    mk_error err = {0};
    mk_forecast f[3];
    mk_buf b[3];
    const char *p = params_with("seed.yaml", 2.2e-4, -2.3e-4, 6.4e-4);
    unsigned long long seeds[3] = {9, 9, 10};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(forecast(p, 50, seeds[i], &f[i], &err), MK_OK);
        mk_buf_init(&b[i]);
        assert_int_equal(mk_forecast_csv(&f[i], &b[i], &err), MK_OK);
    }
    assert_int_equal(b[0].len, b[1].len);
    assert_memory_equal(b[0].data, b[1].data, b[0].len);
    assert_true(b[0].len != b[2].len || memcmp(b[0].data, b[2].data, b[0].len) != 0);
    for (int i = 0; i < 3; i++) mk_buf_free(&b[i]), mk_forecast_free(&f[i]);
}

static void expect_error(const char *name, const char *text, const char *where, const char *what)
{
    const char *path = write_params(name, text);
    mk_error err = {0};
    mk_forecast f;
    char want[512];
    snprintf(want, sizeof want, "%s:%s", path, where);
    mk_status st = forecast(path, 5, 1, &f, &err);
    char msg[2200];
    mk_error_format(&err, msg, sizeof msg);
    if (st == MK_OK || !strstr(msg, want) || !strstr(msg, what))
        fail_msg("%s: got status %d, message '%s'; wanted '%s' and '%s'", name, st, msg, want, what);
}

#define HEAD "parameters:\n  f.k: \"1.3 1/s\"\n  f.L: \"7.2\"\ncovariance:\n"

static void bad_covariance(void **state)
{
    (void)state;
    /* a correlation of 2: not positive semi-definite */
    expect_error("notpsd.yaml", HEAD "  parameters: [f.k, f.L]\n  space: [log, linear]\n  matrix:\n    - [1e-4, 2e-4]\n    - [2e-4, 1e-4]\n",
                 "8:5:", "not positive semi-definite");
    expect_error("negvar.yaml", HEAD "  parameters: [f.k, f.L]\n  space: [log, linear]\n  matrix:\n    - [1e-4, 0]\n    - [0, -1e-4]\n",
                 "9:11:", "not positive semi-definite");
    expect_error("size.yaml", HEAD "  parameters: [f.k, f.L]\n  space: [log, linear]\n  matrix:\n    - [1e-4, 0]\n",
                 "8:5:", "'matrix' has 1 entries; expected 2");
    expect_error("row.yaml", HEAD "  parameters: [f.k, f.L]\n  space: [log, linear]\n  matrix:\n    - [1e-4, 0]\n    - [0]\n",
                 "9:7:", "row 2 of 'matrix': expected a list of 2 numbers");
    expect_error("unknown.yaml", HEAD "  parameters: [f.k, f.Q]\n  space: [log, linear]\n  matrix:\n    - [1e-4, 0]\n    - [0, 1e-4]\n",
                 "5:21:", "model 'toy' has no parameter 'f.Q'");
    expect_error("asym.yaml", HEAD "  parameters: [f.k, f.L]\n  space: [log, linear]\n  matrix:\n    - [1e-4, 0]\n    - [1e-5, 1e-4]\n",
                 "9:8:", "not symmetric");
    expect_error("space.yaml", HEAD "  parameters: [f.k, f.L]\n  space: [log, lin]\n  matrix:\n    - [1e-4, 0]\n    - [0, 1e-4]\n",
                 "6:16:", "expected 'log' or 'linear'");
    expect_error("none.yaml", "parameters:\n  f.k: \"1.3 1/s\"\n", "1:1:", "no 'covariance:' block");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zero_covariance_collapses),
        cmocka_unit_test(band_contains_and_widens),
        cmocka_unit_test(same_seed_same_bytes),
        cmocka_unit_test(bad_covariance),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
