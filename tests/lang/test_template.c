/*
 * test_template.c -- `template NAME { ... }` and `use NAME`: declarations written once and
 * read into every component that uses them.  A model written with a template must be the
 * same model as the one written out by hand: the same states, parameters and variables in
 * the same order, and the same right-hand side at the same point.  The error cases (unknown,
 * unused, unclosed, nested, doc inside, defined twice, an error inside the body reported at
 * the template's own line) are in the error corpus, tests/lang/bad/112..118.
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

#define POOL_PARAM "  param tau = 10 [s] { range 1 .. 100 source \"assumed: test\" doc \"time constant\" }\n"
#define POOL_STATE "  state a = 1 [mM] { doc \"amount\"; bound >= 0 }\n"
#define POOL_EQ "  d(a)/dt = (a_in - a) / tau\n  output a\n"

static const char k_with_template[] =
    "model pools {}\n"
    "template pool {\n  doc \"a first-order pool\"\n" POOL_PARAM POOL_STATE POOL_EQ "}\n"
    "component left {\n  var a_in [mM] = 2 [mM] { doc \"target\" }\n  use pool\n}\n"
    "component right {\n  use pool\n  var a_in [mM] = 3 * left.a { doc \"follows the left\" }\n}\n";

static const char k_written_out[] =
    "model pools {}\n"
    "component left {\n  var a_in [mM] = 2 [mM] { doc \"target\" }\n" POOL_PARAM POOL_STATE POOL_EQ "}\n"
    "component right {\n" POOL_PARAM POOL_STATE POOL_EQ
    "  var a_in [mM] = 3 * left.a { doc \"follows the left\" }\n}\n";

static const mk_model_abi *compile(const char *name, const char *text, mk_model **m, mk_loaded **l)
{
    mk_error err = {0};
    mk_status rc = mk_model_parse_string(name, text, m, &err);
    if (!rc) rc = mk_model_compile(*m, NULL, l, &err);
    if (rc) print_error("%s: %s\n", name, err.message);
    assert_int_equal(rc, MK_OK);
    return mk_loaded_abi(*l);
}

static void same_symbols(const mk_symbol *a, const mk_symbol *b, int n)
{
    for (int i = 0; i < n; i++) {
        assert_string_equal(a[i].name, b[i].name);
        assert_string_equal(a[i].unit, b[i].unit);
        assert_true(a[i].value == b[i].value || (isnan(a[i].value) && isnan(b[i].value)));
    }
}

static void template_is_the_written_out_model(void **state)
{
    (void)state;
    mk_model *mt = NULL, *mw = NULL;
    mk_loaded *lt = NULL, *lw = NULL;
    const mk_model_abi *t = compile("with_template.myo", k_with_template, &mt, &lt);
    const mk_model_abi *w = compile("written_out.myo", k_written_out, &mw, &lw);
    assert_int_equal(t->n_states, 2);
    assert_int_equal(t->n_states, w->n_states);
    assert_int_equal(t->n_params, w->n_params);
    assert_int_equal(t->n_vars, w->n_vars);
    same_symbols(t->states, w->states, t->n_states);
    same_symbols(t->params, w->params, t->n_params);
    same_symbols(t->vars, w->vars, t->n_vars);
    /* each component has its own copy: right.tau is a parameter of its own */
    assert_true(mk_abi_find(t, MK_SYM_PARAM, "left.tau") >= 0);
    assert_true(mk_abi_find(t, MK_SYM_PARAM, "right.tau") >= 0);
    double y[2] = {0.7, 1.9}, p[2], d1[2], d2[2], v1[32], v2[32];
    assert_true(t->n_vars <= 32 && t->n_params == 2);
    for (int i = 0; i < t->n_params; i++) p[i] = t->params[i].value;
    p[mk_abi_find(t, MK_SYM_PARAM, "right.tau")] = 4; /* the copies are independent */
    t->rhs(0.0, y, d1, NULL, p, v1);
    w->rhs(0.0, y, d2, NULL, p, v2);
    for (int i = 0; i < 2; i++) assert_true(d1[i] == d2[i]);
    int il = mk_abi_find(t, MK_SYM_STATE, "left.a"), ir = mk_abi_find(t, MK_SYM_STATE, "right.a");
    assert_true(fabs(d1[il] - (2 - 0.7) / 10) < 1e-15);
    assert_true(fabs(d1[ir] - (3 * 0.7 - 1.9) / 4) < 1e-15);
    mk_loaded_free(lt);
    mk_loaded_free(lw);
    mk_model_free(mt);
    mk_model_free(mw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(template_is_the_written_out_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
