/*
 * test_extends.c -- variants as deltas: `extends`, `set`, `replace component`, and the finer
 * amendments `extend component`, `replace var`, `replace d(x)/dt` and `set` of a state.
 *
 * The variants in tests/lang/extends/ are parsed, generated, compiled and run; errors are
 * provoked in small file trees written to a temporary directory, and each must name the
 * right file (the delta's or the base's), line and column.
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

#include "myoknot.h"
#include "test_util.h"

static const mk_model_abi *compile(const char *rel, mk_model **m, mk_loaded **l)
{
    char path[1024];
    mk_error err = {0};
    mk_status rc = mk_model_parse_file(mk_test_path(path, sizeof path, rel), m, &err);
    if (!rc) rc = mk_model_compile(*m, NULL, l, &err);
    if (rc) print_error("%s: %s\n", rel, err.message);
    assert_int_equal(rc, MK_OK);
    return mk_loaded_abi(*l);
}

static void test_variant(void **state)
{
    (void)state;
    mk_model *mb, *mv, *m2;
    mk_loaded *lb, *lv, *l2;
    const mk_model_abi *b = compile("tests/lang/extends/base.myo", &mb, &lb);
    const mk_model_abi *v = compile("tests/lang/extends/variant.myo", &mv, &lv);
    const mk_model_abi *v2 = compile("tests/lang/extends/variant2.myo", &m2, &l2);
    assert_string_equal(v->name, "variant");
    assert_string_not_equal(v->hash, b->hash);
    /* set: the new default (0.03 mM/s is 1.8 mM/min), its source, the range restated */
    int i = mk_abi_find(v, MK_SYM_PARAM, "pool.k_in");
    assert_true(fabs(v->params[i].value - 1.8) < 1e-12);
    assert_true(v->params[i].hi == 20);
    assert_string_equal(v->params[i].source, "assumed: test of set with a unit conversion and a new range");
    i = mk_abi_find(v, MK_SYM_PARAM, "pool.tau");
    assert_true(v->params[i].value == 2 && v->params[i].hi == 60);
    /* replace: the sensor is the variant's; add: alarm; the base's law is inherited */
    i = mk_abi_find(v, MK_SYM_PARAM, "sensor.k_half");
    assert_true(v->params[i].value == 2);
    assert_true(mk_abi_find(v, MK_SYM_VAR, "alarm.on") >= 0);
    assert_true(mk_abi_find(b, MK_SYM_VAR, "alarm.on") < 0);
    assert_int_equal(v->n_laws, 1);
    assert_string_equal(v->laws[0].name, "pool.balance");
    /* both files embedded, the model's own first; a chain of two gives three */
    assert_int_equal(b->n_files, 1);
    assert_int_equal(v->n_files, 2);
    assert_string_equal(v->files[0].name, "variant.myo");
    assert_string_equal(v->files[1].name, "base.myo");
    assert_string_equal(v->files[0].text, v->source);
    assert_int_equal(v2->n_files, 3);
    assert_true(v2->params[mk_abi_find(v2, MK_SYM_PARAM, "sensor.k_half")].value == 3);
    /* the variant's equations: faster drain, steeper sensor; the law holds in both */
    double y[3] = {3, 0, 0}, dy[3], dyb[3], vars[4], varsb[4];
    v->rhs(0, y, dy, NULL, (double[]){1.8, 2, 2}, vars);
    b->rhs(0, y, dyb, NULL, (double[]){2, 5, 4}, varsb);
    assert_true(fabs(dy[0] - (1.8 - 3.0 / 2) / 60) < 1e-15);
    assert_true(fabs(dyb[0] - (2.0 - 3.0 / 5) / 60) < 1e-15);
    mk_loaded_free(lb);
    mk_loaded_free(lv);
    mk_loaded_free(l2);
    mk_model_free(mb);
    mk_model_free(mv);
    mk_model_free(m2);
}

/* The amendments: what extend adds, what replace var and replace d(x)/dt rewrite, what set
 * gives a state; everything else the base's, in the base's order. */
static void test_amend(void **state)
{
    (void)state;
    mk_model *mb, *ma;
    mk_loaded *lb, *la;
    const mk_model_abi *b = compile("tests/lang/extends/base.myo", &mb, &lb);
    const mk_model_abi *a = compile("tests/lang/extends/amend.myo", &ma, &la);
    assert_int_equal(a->n_params, b->n_params + 1);
    assert_int_equal(a->n_states, b->n_states + 1);
    assert_int_equal(a->n_vars, b->n_vars + 1);
    /* the base's declarations keep their places; the added ones follow their component's */
    assert_int_equal(mk_abi_find(a, MK_SYM_STATE, "pool.c"), mk_abi_find(b, MK_SYM_STATE, "pool.c"));
    int k_leak = mk_abi_find(a, MK_SYM_PARAM, "pool.k_leak");
    assert_int_equal(k_leak, 2);
    assert_string_equal(a->params[k_leak].source, "assumed: test of extend");
    int c = mk_abi_find(a, MK_SYM_STATE, "pool.c"), seen = mk_abi_find(a, MK_SYM_STATE, "sensor.seen");
    assert_true(seen == 3);
    /* set of a state: 3000 uM converted to the declared mM; the base starts at 1 */
    assert_true(a->states[c].value == 3.0);
    assert_true(b->states[c].value == 1.0);
    assert_int_equal(a->states[c].constraint, 1); /* the base's bound stays */
    double p[8], y[8], dy[8], vars[8];
    for (int i = 0; i < a->n_params; i++) p[i] = a->params[i].value;
    for (int i = 0; i < a->n_states; i++) y[i] = a->states[i].value;
    a->rhs(0, y, dy, NULL, p, vars);
    /* d(c)/dt = (k_in - c/tau - k_leak c) / 60 s: 2 - 0.6 - 1.5 = -0.1 mM/min */
    assert_true(fabs(dy[c] - (2.0 - 3.0 / 5 - 0.5 * 3.0) / 60) < 1e-15);
    int drained = mk_abi_find(a, MK_SYM_STATE, "pool.drained");
    assert_true(fabs(dy[drained] - (3.0 / 5 + 0.5 * 3.0) / 60) < 1e-15);
    /* the replaced drive: hill(3, 4, 3) = 27 / 91; the added state integrates it per minute */
    int drive = mk_abi_find(a, MK_SYM_VAR, "sensor.drive");
    assert_true(fabs(vars[drive] - 27.0 / 91) < 1e-15);
    assert_true(fabs(dy[seen] - 27.0 / 91 / 60) < 1e-15);
    assert_string_equal(a->vars[drive].doc, "steeper sensor drive");
    /* the base's law still holds with the leak counted as drained: d(c + drained - fed) = 0 */
    int fed = mk_abi_find(a, MK_SYM_STATE, "pool.fed");
    assert_true(fabs(dy[c] + dy[drained] - dy[fed]) < 1e-15);
    mk_loaded_free(lb);
    mk_loaded_free(la);
    mk_model_free(mb);
    mk_model_free(ma);
}

/* Write files into a fresh directory and parse the first; returns the error. */
typedef struct tree {
    char dir[256];
} tree;

static void put(tree *t, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", t->dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static mk_status parse_in(tree *t, const char *name, mk_error *err)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", t->dir, name);
    mk_model *m = NULL;
    memset(err, 0, sizeof *err);
    mk_status rc = mk_model_parse_file(path, &m, err);
    mk_model_free(m);
    return rc;
}

static void expect(tree *t, const char *name, const char *file, int line, int col, const char *msg)
{
    mk_error err;
    mk_status rc = parse_in(t, name, &err);
    char want[512];
    snprintf(want, sizeof want, "%s/%s", t->dir, file);
    if (rc == MK_OK || strcmp(err.file, want) || err.line != line || err.column != col ||
        strcmp(err.message, msg))
        print_error("%s: got %s:%d:%d: %s\n", name, err.file, err.line, err.column, err.message);
    assert_int_not_equal(rc, MK_OK);
    assert_string_equal(err.file, want);
    assert_int_equal(err.line, line);
    assert_int_equal(err.column, col);
    assert_string_equal(err.message, msg);
}

static const char k_base[] =
    "model base {}\n"
    "component pool {\n"
    "  param tau = 5 [min] { range 1 .. 60 source \"assumed: t\" doc \"d\" }\n"
    "  state a = 1 [mM] { doc \"a\" }\n"
    "  state b = 0 [mM] { doc \"b\" }\n"
    "  d(a)/dt = -a / tau\n"
    "  d(b)/dt = a / tau\n"
    "  conserve total [mM] = a + b\n"
    "}\n";

static void test_errors(void **state)
{
    (void)state;
    tree t;
    char msg[700];
    snprintf(t.dir, sizeof t.dir, "/tmp/mk_extends_XXXXXX");
    assert_non_null(mkdtemp(t.dir));
    put(&t, "base.myo", k_base);
    put(&t, "typo.myo", "model v extends base {}\nset pool.tua = 2 [min] { source \"assumed: t\" }\n");
    expect(&t, "typo.myo", "typo.myo", 2, 5,
           "set names 'pool.tua', which is not declared (did you mean 'pool.tau'?)");
    put(&t, "comp.myo", "model v extends base {}\nreplace component pol { }\n");
    expect(&t, "comp.myo", "comp.myo", 2, 19,
           "cannot replace component 'pol': the base has no such component (did you mean 'pool'?)");
    put(&t, "dup.myo", "model v extends \"base.myo\" {}\ncomponent pool { }\n");
    snprintf(msg, sizeof msg, "component 'pool' is already defined in the base (%s/base.myo:2); "
                              "write 'replace component pool' to replace it", t.dir);
    expect(&t, "dup.myo", "dup.myo", 2, 11, msg);
    put(&t, "wide.myo", "model v extends base {}\nset pool.tau = 2 [h] { source \"assumed: t\" }\n");
    expect(&t, "wide.myo", "wide.myo", 2, 5,
           "set pool.tau = 120 [min] lies outside the base's range 1 .. 60: a variant does not "
           "widen a range silently; restate it with { range LO .. HI }");
    put(&t, "nosrc.myo", "model v extends base {}\nset pool.tau = 2 [min] { doc \"x\" }\n");
    expect(&t, "nosrc.myo", "nosrc.myo", 2, 5,
           "set pool.tau needs the source of its new default: add { source \"...\" } (or "
           "\"assumed: <why>\")");
    /* amendments: each error names the delta's file, line and column, with a did-you-mean */
    put(&t, "ext.myo", "model v extends base {}\nextend component pol { param k = 1 [1] "
                       "{ range 0 .. 2 source \"assumed: t\" doc \"d\" } }\n");
    expect(&t, "ext.myo", "ext.myo", 2, 18,
           "cannot extend component 'pol': the model has no such component (did you mean 'pool'?)");
    put(&t, "rvar.myo", "model v extends base {}\nextend component pool { var rate [mM/min] = a / tau }\n"
                        "replace var pool.rat = 2 * a / tau\n");
    expect(&t, "rvar.myo", "rvar.myo", 3, 13,
           "replace var names 'pool.rat', which is not declared (did you mean 'pool.rate'?) (to add "
           "a variable write extend component pool { var ... })");
    put(&t, "rpar.myo", "model v extends base {}\nreplace var pool.tau = 2 [min]\n");
    expect(&t, "rpar.myo", "rpar.myo", 2, 13,
           "replace var pool.tau: 'tau' is a parameter, not a variable (a parameter changes with "
           "set, an equation with replace d(pool.tau)/dt)");
    put(&t, "rder.myo", "model v extends base {}\nreplace d(pool.aa)/dt = 0\n");
    expect(&t, "rder.myo", "rder.myo", 2, 11,
           "replace d(pool.aa)/dt: component 'pool' has no equation of a state 'aa' (did you mean "
           "'pool.a'?)");
    put(&t, "rcomp.myo", "model v extends base {}\nreplace d(poll.a)/dt = 0\n");
    expect(&t, "rcomp.myo", "rcomp.myo", 2, 11,
           "replace d(...)/dt names component 'poll', which the model does not have (did you mean "
           "'pool'?)");
    put(&t, "edup.myo", "model v extends base {}\nextend component pool {\n"
                        "  param tau = 2 [min] { range 1 .. 60 source \"assumed: t\" doc \"d\" }\n}\n");
    snprintf(msg, sizeof msg, "'tau' is already declared in component 'pool' at %s/base.myo:3; a "
                              "variant changes it with set pool.tau, not by declaring it again", t.dir);
    expect(&t, "edup.myo", "edup.myo", 3, 9, msg);
    put(&t, "edeq.myo", "model v extends base {}\nextend component pool { d(a)/dt = 0 }\n");
    snprintf(msg, sizeof msg, "state 'a' already has an equation at %s/base.myo:6; a variant "
                              "changes it with replace d(pool.a)/dt = ...", t.dir);
    expect(&t, "edeq.myo", "edeq.myo", 2, 25, msg);
    put(&t, "edoc.myo", "model v extends base {}\nextend component pool { doc \"x\" }\n");
    expect(&t, "edoc.myo", "edoc.myo", 2, 25,
           "extend component pool adds declarations; the component's doc stays the base's (a "
           "declaration's doc goes in braces after it)");
    put(&t, "base2.myo", "model base2 {}\ncomponent pool {\n  state a = 1 [mM] { bound >= 0 }\n"
                         "  d(a)/dt = -a / 1 [s]\n}\n");
    put(&t, "sneg.myo", "model v extends base2 {}\nset pool.a = -1 [mM]\n");
    expect(&t, "sneg.myo", "sneg.myo", 2, 5, "set pool.a = -1 [mM] lies outside the state's bound >= 0");
    put(&t, "ssrc.myo", "model v extends base {}\nset pool.a = 2 [mM] { source \"x\" }\n");
    expect(&t, "ssrc.myo", "ssrc.myo", 2, 5,
           "set pool.a gives a state a new initial value: a state has no source (only { doc \"...\" } "
           "may be restated)");
    put(&t, "norep.myo", "model v {}\nextend component pool { }\n");
    expect(&t, "norep.myo", "norep.myo", 2, 1,
           "'extend' changes a base model: the header must name one (model NAME extends BASE { ... })");
    /* the law of the base speaks of a state the replacement dropped: reported in the base */
    put(&t, "drop.myo", "model v extends base {}\nreplace component pool {\n"
                        "  state a = 1 [mM] { doc \"a\" }\n  d(a)/dt = 0\n}\n");
    expect(&t, "drop.myo", "base.myo", 8, 29, "undefined name 'b' (did you mean 'a'?)");
    /* an error inside the base names the base */
    put(&t, "bad.myo", "model bad {}\ncomponent c { state x = 1 [mM] }\n");
    put(&t, "onbad.myo", "model v extends bad {}\n");
    expect(&t, "onbad.myo", "bad.myo", 2, 21, "state 'x' has no equation: add d(x)/dt = ...");
    /* cycles and depth */
    put(&t, "a.myo", "model a extends b {}\n");
    put(&t, "b.myo", "model b extends a {}\n");
    snprintf(msg, sizeof msg, "extends makes a cycle: %s/b.myo extends %s/a.myo, which is already "
                              "being read (a model cannot be its own base)", t.dir, t.dir);
    expect(&t, "a.myo", "b.myo", 1, 17, msg);
    for (int i = 0; i < 10; i++) {
        char name[32], text[64];
        snprintf(name, sizeof name, "d%d.myo", i);
        snprintf(text, sizeof text, "model d%d extends d%d {}\n", i, i + 1);
        put(&t, name, text);
    }
    put(&t, "d10.myo", k_base);
    expect(&t, "d0.myo", "d8.myo", 1, 18, "extends chains more than 8 models deep");
    snprintf(msg, sizeof msg, "extends \"nothere.myo\": no file %s/nothere.myo", t.dir);
    put(&t, "missing.myo", "model v extends \"nothere.myo\" {}\n");
    expect(&t, "missing.myo", "missing.myo", 1, 17, msg);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t.dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_variant),
        cmocka_unit_test(test_amend),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
