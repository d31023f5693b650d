/*
 * test_extends.c -- variants as deltas: `extends`, `set`, `replace component`.
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
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
