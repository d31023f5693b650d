/*
 * test_referral_fit.c -- the referral mechanism's parameter file (errors at file:line:col),
 * the classical-map table, and the cross-validation scorer on a hand-made case whose
 * precision and recall are known.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "body/anatomy_internal.h"
#include "body/referral_fit.h"
#include "body/referral_params.h"

static const char k_header[] = "name,value,unit,min,max,fit,source,description\n";

/* a valid file with `row` replacing the line of parameter `name` (NULL: unchanged) */
static void params_text(char *out, size_t size, const char *name, const char *row)
{
    mk_referral_params p;
    mk_error err;
    assert_int_equal(mk_referral_params_default(&p, &err), MK_OK);
    size_t n = (size_t)snprintf(out, size, "%s", k_header);
    for (int i = 0; i < MK_RP_COUNT; i++) {
        if (name && !strcmp(name, mk_rp_name(i))) {
            if (row) n += (size_t)snprintf(out + n, size - n, "%s\n", row);
            continue;
        }
        n += (size_t)snprintf(out + n, size - n, "%s,%g,%s,%g,%g,%s,assumed,\"a, b\"\n", mk_rp_name(i), p.value[i],
                              mk_rp_unit(i), p.min[i], p.max[i], p.fit[i] ? "yes" : "no");
    }
}

static void expect_error(const char *name, const char *row, int line, int col, const char *fragment)
{
    char text[8192];
    params_text(text, sizeof text, name, row);
    mk_referral_params p;
    mk_error err;
    memset(&err, 0, sizeof err);
    assert_int_not_equal(mk_referral_params_parse("rp.csv", text, &p, &err), MK_OK);
    print_message("%s:%d:%d: %s\n", err.file, err.line, err.column, err.message);
    assert_string_equal(err.file, "rp.csv");
    assert_int_equal(err.line, line);
    assert_int_equal(err.column, col);
    assert_non_null(strstr(err.message, fragment));
}

static void params_file(void **state)
{
    (void)state;
    mk_referral_params p;
    mk_error err;
    char text[8192];
    /* the embedded file: every parameter, within its range, with a source */
    assert_int_equal(mk_referral_params_default(&p, &err), MK_OK);
    for (int i = 0; i < MK_RP_COUNT; i++) assert_true(p.min[i] <= p.value[i] && p.value[i] <= p.max[i]);
    params_text(text, sizeof text, NULL, NULL);
    assert_int_equal(mk_referral_params_parse("rp.csv", text, &p, &err), MK_OK);
    /* k_derm is the first data row (line 2) */
    expect_error("k_derm", "k_drem,0.5,1,0,1,yes,assumed,x", 2, 1, "did you mean 'k_derm'");
    expect_error("k_derm", "k_derm,1.5,1,0,1,yes,assumed,x", 2, 8, "outside its range");
    expect_error("k_derm", "k_derm,abc,1,0,1,yes,assumed,x", 2, 8, "expected a finite number");
    expect_error("k_derm", "k_derm,0.5,mm,0,1,yes,assumed,x", 2, 12, "expected '1'");
    expect_error("k_derm", "k_derm,0.5,1,1,0,yes,assumed,x", 2, 14, "must be below");
    expect_error("k_derm", "k_derm,0.5,1,0,1,maybe,assumed,x", 2, 18, "yes or no");
    expect_error("k_derm", "k_derm,0.5,1,0,1,yes,,x", 2, 22, "no source");
    expect_error("k_derm", "k_derm,0.5,1,0,1,yes,assumed", 2, 29, "7 fields, expected 8");
    expect_error("k_derm", "k_tcc,0.5,1,0,1,yes,assumed,x", 3, 1, "given twice (first on line 2)");
    expect_error("k_derm", NULL, 12, 1, "'k_derm' is missing");
    /* a bad header names the column */
    memset(&err, 0, sizeof err);
    assert_int_not_equal(mk_referral_params_parse("rp.csv", "name,valu,unit\n", &p, &err), MK_OK);
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 6);
}

static void scorer(void **state)
{
    (void)state;
    /* muscle 1: predicted {1,2,3}, map {2,3,4,5}: TP 2, FP 1, FN 2.
     * muscle 2: predicted nothing, map {7}: FN 1.  Pooled: P = 2/3, R = 2/5, F1 = 4/8. */
    mk_region_set pred1 = {{0}}, map1 = {{0}}, pred2 = {{0}}, map2 = {{0}};
    mk_region_set_add(&pred1, 1), mk_region_set_add(&pred1, 2), mk_region_set_add(&pred1, 3);
    mk_region_set_add(&map1, 2), mk_region_set_add(&map1, 3), mk_region_set_add(&map1, 4);
    mk_region_set_add(&map1, 5);
    mk_region_set_add(&map2, 7);
    mk_referral_score s = {0};
    mk_referral_score_add(&s, &pred1, &map1);
    assert_true(fabs(s.precision - 2.0 / 3) < 1e-12);
    assert_true(fabs(s.recall - 0.5) < 1e-12);
    assert_true(fabs(s.f1 - 4.0 / 7) < 1e-12);
    mk_referral_score_add(&s, &pred2, &map2);
    assert_int_equal(s.tp, 2);
    assert_int_equal(s.fp, 1);
    assert_int_equal(s.fn, 3);
    assert_true(fabs(s.precision - 2.0 / 3) < 1e-12);
    assert_true(fabs(s.recall - 0.4) < 1e-12);
    assert_true(fabs(s.f1 - 0.5) < 1e-12);
    /* regions in the upper words of the set count too */
    mk_region_set hi = {{0}};
    mk_region_set_add(&hi, 150);
    mk_referral_score t = {0};
    mk_referral_score_add(&t, &hi, &hi);
    assert_int_equal(t.tp, 1);
    assert_true(fabs(t.f1 - 1) < 1e-12);
}

static void maps_table(void **state)
{
    (void)state;
    mk_anatomy *a;
    mk_error err;
    assert_int_equal(mk_anatomy_load(&a, &err), MK_OK);
    mk_referral_maps *m = malloc(sizeof *m);
    assert_non_null(m);
    assert_int_equal(mk_referral_maps_training(a, m, &err), MK_OK);
    assert_int_equal(m->n, 26);
    /* deltoid's essential zone is its own three shoulder regions: nothing remote remains */
    int d = -1;
    for (int i = 0; i < m->n; i++)
        if (!strcmp(m->muscle[i], "deltoid")) d = i;
    assert_true(d >= 0);
    assert_int_equal(mk_region_set_count(&m->essential[d]), 0);
    const char *bad = "muscle_id,essential_zone_regions,spillover_zone_regions,contralateral_regions\n"
                      "masseter,teeth_upper;tempel,,\n";
    memset(&err, 0, sizeof err);
    assert_int_not_equal(mk_referral_maps_parse(a, "maps.csv", bad, m, &err), MK_OK);
    print_message("%s:%d:%d: %s\n", err.file, err.line, err.column, err.message);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 22);
    assert_non_null(strstr(err.message, "did you mean 'temple'"));
    free(m);
    mk_anatomy_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(params_file),
        cmocka_unit_test(scorer),
        cmocka_unit_test(maps_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
