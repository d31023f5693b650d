/*
 * test_codegen.c -- the generated right-hand side against values computed by hand.
 *
 * tests/lang/golden/features.myo uses every construct of the language with numbers chosen
 * so that each algebraic variable and derivative can be worked out on paper (the working is
 * in the comments).  The model is compiled at run time, so this also exercises
 * generate -> cc -> dlopen.
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

typedef struct fixture {
    mk_model *model;
    mk_loaded *loaded;
    const mk_model_abi *abi;
} fixture;

static int setup(void **state)
{
    static fixture fx;
    char path[1024];
    mk_error err = {0};
    if (mk_model_parse_file(mk_test_path(path, sizeof path, "tests/lang/golden/features.myo"),
                            &fx.model, &err) ||
        mk_model_compile(fx.model, NULL, &fx.loaded, &err)) {
        fprintf(stderr, "setup: %s\n", err.message);
        return -1;
    }
    fx.abi = mk_loaded_abi(fx.loaded);
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    mk_loaded_free(fx->loaded);
    mk_model_free(fx->model);
    return 0;
}

static int idx(const mk_model_abi *a, mk_symbol_kind k, const char *name)
{
    int i = mk_abi_find(a, k, name);
    if (i < 0) print_error("no symbol %s\n", name);
    assert_true(i >= 0);
    return i;
}

static void near(const char *what, double got, double want)
{
    double tol = 1e-12 * (fabs(want) > 1 ? fabs(want) : 1);
    if (!(fabs(got - want) <= tol)) print_error("%s: got %.15g, want %.15g\n", what, got, want);
    assert_true(fabs(got - want) <= tol);
}

/* Evaluate at the defaults with one parameter/state/input changed by name (NULL: none). */
typedef struct eval {
    double y[8], ydot[8], in[8], p[8], v[16];
} eval;

static void defaults(const mk_model_abi *a, eval *e)
{
    memset(e, 0, sizeof *e);
    for (int i = 0; i < a->n_params; i++) e->p[i] = a->params[i].value;
    for (int i = 0; i < a->n_states; i++) e->y[i] = a->states[i].value;
    for (int i = 0; i < a->n_inputs; i++) e->in[i] = a->inputs[i].value;
}

static void at_defaults(void **state)
{
    const mk_model_abi *a = ((fixture *)*state)->abi;
    assert_int_equal(a->n_states, 2);
    assert_int_equal(a->n_params, 6);
    assert_int_equal(a->n_vars, 9);
    eval e;
    defaults(a, &e);
    /* t = 15 s puts sin(2 pi t / 60 s) at its peak: the production factor is 1 + 0.5 = 1.5 */
    a->rhs(15.0, e.y, e.ydot, e.in, e.p, e.v);
    near("q10 = 2^((37 degC - 37 degC)/10 K)", e.v[idx(a, MK_SYM_VAR, "tissue.q10")], 1.0);
    near("occupancy = 4^2/(2^2+4^2)", e.v[idx(a, MK_SYM_VAR, "tissue.occupancy")], 0.8);
    near("switch = 1/(1+exp(-(30-40)/5))", e.v[idx(a, MK_SYM_VAR, "tissue.switch")], 1.0 / (1.0 + exp(2.0)));
    near("loss = 6/min * 4 uM = 0.4 uM/s", e.v[idx(a, MK_SYM_VAR, "tissue.loss")], 0.4);
    near("gate: 30 > 20 mmHg and not 20% >= 50%", e.v[idx(a, MK_SYM_VAR, "tissue.gate")], 1.0);
    near("root = sqrt(4*2) + (4^3)^(1/3) - |-4|", e.v[idx(a, MK_SYM_VAR, "tissue.root")], sqrt(8.0));
    near("bounded at q = 0", e.v[idx(a, MK_SYM_VAR, "tissue.bounded")], 0.0);
    near("production = 0.3 * 0.8 * 1.5", e.v[idx(a, MK_SYM_VAR, "muscle.production")], 0.36);
    near("total = 0.4 + 0.36", e.v[idx(a, MK_SYM_VAR, "tissue.total")], 0.76);
    near("dc/dt = 0.36 * (1 - 0.2) - 0.4 uM/s", e.ydot[idx(a, MK_SYM_STATE, "tissue.c")], -0.112);
    near("dq/dt = (30 - 0) mmHg / 10 s", e.ydot[idx(a, MK_SYM_STATE, "tissue.q")], 3.0);
}

static void elsewhere(void **state)
{
    const mk_model_abi *a = ((fixture *)*state)->abi;
    eval e;
    defaults(a, &e);
    e.p[idx(a, MK_SYM_PARAM, "tissue.temp")] = 47;  /* degC: q10 = 2 */
    e.p[idx(a, MK_SYM_PARAM, "tissue.load")] = 60;  /* %: not(60% >= 50%) is false */
    e.y[idx(a, MK_SYM_STATE, "tissue.q")] = 50;     /* mmHg, above p_ext */
    e.in[idx(a, MK_SYM_INPUT, "tissue.drive")] = 2;
    a->rhs(0.0, e.y, e.ydot, e.in, e.p, e.v);       /* t = 0: sin term 0, production factor 1 */
    near("q10 at 47 degC", e.v[idx(a, MK_SYM_VAR, "tissue.q10")], 2.0);
    near("loss = 0.1/s * 4 uM * 2", e.v[idx(a, MK_SYM_VAR, "tissue.loss")], 0.8);
    near("gate closed", e.v[idx(a, MK_SYM_VAR, "tissue.gate")], 0.0);
    /* clamp(50,0,30) + min(50,30,100) - max(50,0) + pos(-50) = 30 + 30 - 50 + 0 */
    near("bounded", e.v[idx(a, MK_SYM_VAR, "tissue.bounded")], 10.0);
    near("production = 0.3 * 0.8", e.v[idx(a, MK_SYM_VAR, "muscle.production")], 0.24);
    near("total = 0.8 + 0.24 * 2", e.v[idx(a, MK_SYM_VAR, "tissue.total")], 1.28);
    near("dc/dt = 0.24*2*(1-0.6) - 0.8", e.ydot[idx(a, MK_SYM_STATE, "tissue.c")], 0.48 * 0.4 - 0.8);
    near("dq/dt = (30 - 50)/10", e.ydot[idx(a, MK_SYM_STATE, "tissue.q")], -2.0);
}

static void vars_null_is_allowed(void **state)
{
    const mk_model_abi *a = ((fixture *)*state)->abi;
    eval e;
    defaults(a, &e);
    a->rhs(15.0, e.y, e.ydot, e.in, e.p, NULL);
    near("dc/dt without vars", e.ydot[0], -0.112);
}

static void metadata(void **state)
{
    const mk_model_abi *a = ((fixture *)*state)->abi;
    assert_int_equal(a->abi_version, MK_MODEL_ABI_VERSION);
    assert_string_equal(a->name, "features");
    const mk_symbol *km = &a->params[idx(a, MK_SYM_PARAM, "tissue.km")];
    assert_string_equal(km->unit, "uM");
    assert_string_equal(km->source, "assumed: test value");
    assert_string_equal(km->doc, "half-saturation concentration");
    near("km default", km->value, 2);
    near("km lo", km->lo, 0.1);
    near("km hi", km->hi, 100);
    near("uM to SI (mol/m3)", km->si_scale, 1e-3);
    const mk_symbol *temp = &a->params[idx(a, MK_SYM_PARAM, "tissue.temp")];
    near("degC offset", temp->si_offset, 273.15);
    const mk_symbol *c = &a->states[idx(a, MK_SYM_STATE, "tissue.c")];
    near("diffusion 1e-5 cm2/s in m2/s", c->diffusion_m2_s, 1e-9);
    assert_true(isnan(a->states[idx(a, MK_SYM_STATE, "tissue.q")].diffusion_m2_s));
    assert_int_equal(a->vars[idx(a, MK_SYM_VAR, "tissue.occupancy")].is_output, 1);
    assert_int_equal(a->vars[idx(a, MK_SYM_VAR, "tissue.total")].is_output, 1);
    assert_int_equal(a->vars[idx(a, MK_SYM_VAR, "tissue.loss")].is_output, 0);
    /* dependency order: occupancy before production before total */
    assert_true(idx(a, MK_SYM_VAR, "tissue.occupancy") < idx(a, MK_SYM_VAR, "muscle.production"));
    assert_true(idx(a, MK_SYM_VAR, "muscle.production") < idx(a, MK_SYM_VAR, "tissue.total"));
    assert_non_null(strstr(a->source, "model features"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(at_defaults),
        cmocka_unit_test(elsewhere),
        cmocka_unit_test(vars_null_is_allowed),
        cmocka_unit_test(metadata),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
