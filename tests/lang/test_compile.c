/*
 * test_compile.c -- generated models, end to end: run-time compilation agrees with the
 * built-in (build-time) translation, generated C is warning-free under strict flags, a
 * failing compiler is reported, and the generated verification models integrate to their
 * analytic solutions with an error that shrinks with the tolerance.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "myoknot.h"
#include "test_util.h"

static mk_model *parse(const char *rel)
{
    char path[1024];
    mk_model *m = NULL;
    mk_error err = {0};
    mk_status rc = mk_model_parse_file(mk_test_path(path, sizeof path, rel), &m, &err);
    if (rc) print_error("%s: %s\n", rel, err.message);
    assert_int_equal(rc, MK_OK);
    return m;
}

static void runtime_matches_builtin(void **state)
{
    (void)state;
    mk_model *m = parse("models/decay.myo");
    mk_loaded *l = NULL;
    mk_error err = {0};
    assert_int_equal(mk_model_compile(m, NULL, &l, &err), MK_OK);
    const mk_model_abi *rt = mk_loaded_abi(l), *bi = mk_builtin_find("decay");
    assert_non_null(bi);
    assert_string_equal(rt->hash, bi->hash);
    assert_int_equal(rt->n_states, bi->n_states);
    double y[1] = {0.7}, in[1] = {0.2}, p[1] = {0.3}, d1[1], d2[1], v1[1], v2[1];
    rt->rhs(1.0, y, d1, in, p, v1);
    bi->rhs(1.0, y, d2, in, p, v2);
    assert_true(d1[0] == d2[0] && v1[0] == v2[0]);
    assert_true(fabs(d1[0] - (0.2 - 0.3 * 0.7)) < 1e-15);
    mk_loaded_free(l);
    mk_model_free(m);
}

/* Built-in models are compiled with -Werror; user models must not fare worse. */
static void generated_code_is_warning_free(void **state)
{
    (void)state;
    static const char *const files[] = {"models/decay.myo", "models/oscillator.myo",
                                        "tests/lang/golden/features.myo", NULL};
    mk_compile_opts o = {.cc = "cc -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wpedantic"};
    for (int i = 0; files[i]; i++) {
        mk_model *m = parse(files[i]);
        mk_loaded *l = NULL;
        mk_error err = {0};
        mk_status rc = mk_model_compile(m, &o, &l, &err);
        if (rc) print_error("%s: %s\n", files[i], err.message);
        assert_int_equal(rc, MK_OK);
        mk_loaded_free(l);
        mk_model_free(m);
    }
}

/* Names that once made invalid C: a component named like a math.h macro prefix (M.PI ->
 * M_PI), one named like the generated helpers (mk.pos -> mk_pos), names that differ only in
 * where the component ends (a_b.c vs a.b_c), and a doc string that closes a C comment. */
static void awkward_names_compile(void **state)
{
    (void)state;
    static const char text[] =
        "model awkward { doc \"names that collide in a naive translation */ #error\" }\n"
        "component M { param PI = 3 [1] { range 0 .. 4 source \"assumed: test\" doc \"pi */ #error\" } }\n"
        "component mk { param pos = 1 [1] { range 0 .. 2 source \"assumed: test\" doc \"d\" }\n"
        "  output y [1] = pos(pos - 2) + M.PI }\n"
        "component a_b { var c [1] = 1 }\n"
        "component a { var b_c [1] = 2 }\n"
        "component HUGE { output VAL [1] = a_b.c + a.b_c + mk.y }\n";
    mk_model *m = NULL;
    mk_loaded *l = NULL;
    mk_error err = {0};
    mk_compile_opts o = {.cc = "cc -Wall -Wextra -Werror"};
    mk_status rc = mk_model_parse_string("awkward.myo", text, &m, &err);
    if (!rc) rc = mk_model_compile(m, &o, &l, &err);
    if (rc) print_error("%s\n", err.message);
    assert_int_equal(rc, MK_OK);
    const mk_model_abi *a = mk_loaded_abi(l);
    double v[8], ydot[1], p[2] = {3, 1};
    a->rhs(0, NULL, ydot, NULL, p, v);
    /* y = pos(1 - 2) + 3 = 3; VAL = 1 + 2 + 3 */
    assert_true(v[mk_abi_find(a, MK_SYM_VAR, "HUGE.VAL")] == 6.0);
    mk_loaded_free(l);
    mk_model_free(m);
}

/* `bound` from the model file to the solver: each comparison becomes CVODE's constraint code in
 * the generated table, and a saturable drain whose free solution runs below zero (see
 * test_solver.c) stays at or above it when compiled from the language. */
static void bounds_reach_the_solver(void **state)
{
    (void)state;
    static const char text[] =
        "model bounded { doc \"one state per kind of bound\" }\n"
        "component c {\n"
        "  param v = 1 [mM/s] { range 0 .. 2; source \"assumed: test\"; doc \"max rate\" }\n"
        "  param km = 1e-6 [mM] { range 0 .. 1; source \"assumed: test\"; doc \"half-saturation\" }\n"
        "  state x = 1 [mM] { doc \"drained pool\"; bound >= 0 }\n"
        "  state p = 1 [kPa] { bound > 0 }\n"
        "  state n = -1 [mV] { bound <= 0 }\n"
        "  state m = -1 [1] { bound < 0 }\n"
        "  state f = 0 [1]\n"
        "  d(x)/dt = -v * x / (x + km)\n"
        "  d(p)/dt = -p / 1 [s]\n"
        "  d(n)/dt = 0\n"
        "  d(m)/dt = 0\n"
        "  d(f)/dt = 0\n"
        "}\n";
    mk_model *m = NULL;
    mk_loaded *l = NULL;
    mk_error err = {0};
    mk_status rc = mk_model_parse_string("bounded.myo", text, &m, &err);
    if (!rc) rc = mk_model_compile(m, NULL, &l, &err);
    if (rc) print_error("%s\n", err.message);
    assert_int_equal(rc, MK_OK);
    const mk_model_abi *a = mk_loaded_abi(l);
    static const struct { const char *name; int code; } want[] = {
        {"c.x", 1}, {"c.p", 2}, {"c.n", -1}, {"c.m", -2}, {"c.f", 0}};
    for (int i = 0; i < 5; i++) {
        int k = mk_abi_find(a, MK_SYM_STATE, want[i].name);
        assert_true(k >= 0);
        assert_int_equal(a->states[k].constraint, want[i].code);
    }
    mk_solver_opts o;
    mk_solver_opts_default(&o);
    o.rtol = 1e-4;
    o.atol = 1e-6;
    mk_solver *s = NULL;
    assert_int_equal(mk_solver_new(a, &o, &s, &err), MK_OK);
    int ix = mk_abi_find(a, MK_SYM_STATE, "c.x");
    double lo = INFINITY;
    for (int k = 1; k <= 30; k++) {
        rc = mk_solver_advance(s, 0.1 * k, &err);
        if (rc) print_error("%s\n", err.message);
        assert_int_equal(rc, MK_OK);
        lo = fmin(lo, mk_solver_state(s)[ix]);
    }
    assert_true(lo >= 0.0);
    mk_solver_free(s);
    mk_loaded_free(l);
    mk_model_free(m);
}

static void failing_compiler_is_reported(void **state)
{
    (void)state;
    mk_model *m = parse("models/decay.myo");
    mk_loaded *l = (mk_loaded *)1;
    mk_error err = {0};
    mk_compile_opts o = {.cc = "cc -DMK_TEST_BROKEN -include /nonexistent/header.h"};
    assert_int_equal(mk_model_compile(m, &o, &l, &err), MK_ERR_COMPILE);
    assert_null(l);
    assert_non_null(strstr(err.message, "compiling model 'decay'"));
    assert_non_null(strstr(err.message, "/nonexistent/header.h")); /* the compiler's own words */

    mk_compile_opts none = {.cc = "/nonexistent/bin/cc"};
    assert_int_equal(mk_model_compile(m, &none, &l, &err), MK_ERR_COMPILE);
    assert_non_null(strstr(err.message, "cannot run"));
    mk_model_free(m);
}

/* max relative error at t_end of the generated decay model with a constant inflow */
static double decay_error(double rtol)
{
    const mk_model_abi *a = mk_builtin_find("decay");
    mk_solver_opts o;
    mk_solver_opts_default(&o);
    o.rtol = rtol;
    o.atol = rtol * 1e-3;
    mk_solver *s = NULL;
    mk_error err = {0};
    assert_int_equal(mk_solver_new(a, &o, &s, &err), MK_OK);
    const double k = 0.8, u = 0.25, x0 = 1.0; /* 1/s, mM/s, mM */
    assert_int_equal(mk_solver_set_param(s, mk_abi_find(a, MK_SYM_PARAM, "pool.k"), k, &err), MK_OK);
    assert_int_equal(mk_solver_set_input(s, mk_abi_find(a, MK_SYM_INPUT, "pool.inflow"), u, &err), MK_OK);
    double worst = 0;
    for (int i = 1; i <= 20; i++) {
        double t = 0.5 * i;
        assert_int_equal(mk_solver_advance(s, t, &err), MK_OK);
        double exact = x0 * exp(-k * t) + u / k * (1 - exp(-k * t));
        double e = fabs(mk_solver_state(s)[0] - exact) / exact;
        if (e > worst) worst = e;
    }
    mk_solver_free(s);
    return worst;
}

static double oscillator_error(double rtol)
{
    const mk_model_abi *a = mk_builtin_find("oscillator");
    mk_solver_opts o;
    mk_solver_opts_default(&o);
    o.rtol = rtol;
    o.atol = rtol * 1e-3;
    mk_solver *s = NULL;
    mk_error err = {0};
    assert_int_equal(mk_solver_new(a, &o, &s, &err), MK_OK);
    const double w = a->params[0].value, z = a->params[1].value, x0 = a->states[0].value;
    const double wd = w * sqrt(1 - z * z);
    double worst = 0;
    for (int i = 1; i <= 40; i++) {
        double t = 0.25 * i;
        assert_int_equal(mk_solver_advance(s, t, &err), MK_OK);
        double exact = x0 * exp(-z * w * t) * (cos(wd * t) + z * w / wd * sin(wd * t));
        double e = fabs(mk_solver_state(s)[0] - exact) / x0;
        if (e > worst) worst = e;
    }
    mk_solver_free(s);
    return worst;
}

static void error_shrinks_with_tolerance(void **state)
{
    (void)state;
    double (*const fns[2])(double) = {decay_error, oscillator_error};
    const char *names[2] = {"decay", "oscillator"};
    for (int f = 0; f < 2; f++) {
        double e4 = fns[f](1e-4), e6 = fns[f](1e-6), e8 = fns[f](1e-8);
        print_message("%s: max error %.3g (rtol 1e-4), %.3g (1e-6), %.3g (1e-8)\n", names[f], e4, e6, e8);
        assert_true(e6 < e4 / 5);
        assert_true(e8 < e6 / 5);
        assert_true(e8 < 1e-6);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(runtime_matches_builtin),
        cmocka_unit_test(generated_code_is_warning_free),
        cmocka_unit_test(awkward_names_compile),
        cmocka_unit_test(failing_compiler_is_reported),
        cmocka_unit_test(bounds_reach_the_solver),
        cmocka_unit_test(error_shrinks_with_tolerance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
