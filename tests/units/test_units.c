/*
 * test_units.c -- the units layer: UDUNITS-2 plus our field's units, and the quantities a
 * scenario or the command line writes.  Each pitfall of Debian's UDUNITS-2 named in the
 * foundation issue has a case here.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lang/units.h"
#include "myoknot.h"

static int setup(void **state)
{
    mk_units *u = NULL;
    mk_error err;
    if (mk_units_new(&u, &err)) return -1;
    *state = u;
    return 0;
}

static int teardown(void **state)
{
    mk_units_free(*state);
    return 0;
}

/* value of `quantity` in `target`, asserting success */
static double q(mk_units *u, const char *quantity, const char *target)
{
    double v = NAN;
    mk_error err = {0};
    mk_status rc = mk_units_convert_quantity(u, quantity, target, &v, &err);
    if (rc) print_error("'%s' -> %s failed: %s\n", quantity, target, err.message);
    assert_int_equal(rc, MK_OK);
    return v;
}

static void close_to(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want))) print_error("got %.12g, want %.12g\n", got, want);
    assert_true(fabs(got - want) <= rel * fabs(want));
}

static void scenario_quantities(void **state)
{
    mk_units *u = *state;
    close_to(q(u, "90 s", "s"), 90, 1e-15);
    close_to(q(u, "1.5 min", "s"), 90, 1e-15);
    close_to(q(u, "2 h", "s"), 7200, 1e-15);
    close_to(q(u, "1 week", "d"), 7, 1e-15);
    close_to(q(u, "40 mmHg", "kPa"), 5.33289549, 1e-8);
    close_to(q(u, "40 mmHg", "Pa"), 40 * 133.322387415, 1e-12);
    close_to(q(u, "10 cmH2O", "Pa"), 980.665, 1e-12);
    close_to(q(u, "5 mM", "mol/m3"), 5, 1e-15);
    close_to(q(u, "5 mM", "uM"), 5000, 1e-15);
    close_to(q(u, "0.5 1/s", "Hz"), 0.5, 1e-15);
    close_to(q(u, "0.5 1/s", "1/min"), 30, 1e-15);
    close_to(q(u, "37 degC", "K"), 310.15, 1e-12);
    close_to(q(u, "30 %", "1"), 0.3, 1e-15);
}

/* An algometer's kg/cm2 is kilogram-force per cm2: 1 kg/cm2 = 98.0665 kPa.  UDUNITS alone
 * reads mass per area. */
static void kg_per_cm2_is_pressure(void **state)
{
    mk_units *u = *state;
    close_to(q(u, "2.5 kg/cm2", "kPa"), 2.5 * 98.0665, 1e-12);
    close_to(q(u, "1 kg/cm^2", "kPa"), 98.0665, 1e-12);
    close_to(q(u, "1 kg / cm2", "kPa"), 98.0665, 1e-12);
    close_to(q(u, "1 kgf/cm2", "kPa"), 98.0665, 1e-12);
    close_to(q(u, "270 kPa", "kg/cm2"), 270 / 98.0665, 1e-12);
    close_to(q(u, "1 kg/cm2", "mmHg"), 98066.5 / 133.322387415, 1e-9);
}

/* Perfusion: 3 mL/100g/min means 3 mL per (100 g) per minute = 5e-7 m3/kg/s.  UDUNITS alone
 * reads (mL/100)·g/min. */
static void perfusion_per_100g(void **state)
{
    mk_units *u = *state;
    double want = 3e-6 / 0.1 / 60; /* m3 kg-1 s-1 */
    close_to(q(u, "3 mL/100g/min", "m3/kg/s"), want, 1e-12);
    close_to(q(u, "3 mL/100 g/min", "m3/kg/s"), want, 1e-12);
    close_to(q(u, "3 mL/(100 g)/min", "m3/kg/s"), want, 1e-12);
    close_to(q(u, "3 mL/100g/min", "mL/(100 g)/min"), 3, 1e-12);
    close_to(q(u, "30 mL/kg/min", "mL/100g/min"), 3, 1e-12);
}

static void molar_and_friends(void **state)
{
    mk_units *u = *state;
    close_to(q(u, "1 M", "mol/L"), 1, 1e-15);
    close_to(q(u, "1 mM", "mol/m3"), 1, 1e-15);
    close_to(q(u, "250 uM", "mM"), 0.25, 1e-15);
    close_to(q(u, "3 nM", "uM"), 0.003, 1e-15);
    close_to(q(u, "3 \xc2\xb5M", "nM"), 3000, 1e-15); /* µM */
    close_to(q(u, "3 cP", "Pa s"), 0.003, 1e-15);
    close_to(q(u, "3 cP", "P"), 0.03, 1e-15);
    close_to(q(u, "290 mOsm", "mmol"), 290, 1e-15);
    close_to(q(u, "5 AU", "arb"), 5, 1e-15);
}

static void units_in_expressions(void **state)
{
    mk_units *u = *state;
    close_to(q(u, "1 m2/s", "cm^2/s"), 1e4, 1e-15);
    close_to(q(u, "1 m^2 s^-1", "cm2/s"), 1e4, 1e-15);
    close_to(q(u, "1 kg.m/s2", "N"), 1, 1e-15);
    close_to(q(u, "1 kg*m/s^2", "N"), 1, 1e-15);
    close_to(q(u, "1 (m/s)^2", "m2/s2"), 1, 1e-15);
    close_to(q(u, "1 mL/min", "m3/s"), 1e-6 / 60, 1e-12);
    close_to(q(u, "2 1/(mM s)", "1/(M s)"), 2000, 1e-12);
}

static void expect_unit_error(mk_units *u, const char *quantity, const char *target,
                              mk_status code, const char *fragment)
{
    mk_error err = {0};
    double v = 42;
    mk_status rc = mk_units_convert_quantity(u, quantity, target, &v, &err);
    if (rc != code || !strstr(err.message, fragment))
        print_error("'%s' -> %s: rc %d, message '%s'; wanted %d with '%s'\n", quantity, target,
                    rc, err.message, code, fragment);
    assert_int_equal(rc, code);
    assert_non_null(strstr(err.message, fragment));
    assert_true(v == 42); /* untouched on failure */
}

static void bad_quantities(void **state)
{
    mk_units *u = *state;
    expect_unit_error(u, "90", "s", MK_ERR_UNIT, "has no unit");
    expect_unit_error(u, "s", "s", MK_ERR_UNIT, "expected a number");
    expect_unit_error(u, "90 parsecs_per_fortnight", "s", MK_ERR_UNIT, "unknown unit");
    expect_unit_error(u, "90 mmHg", "s", MK_ERR_UNIT, "different dimensions");
    expect_unit_error(u, "5 mM", "mg", MK_ERR_UNIT, "different dimensions");
    expect_unit_error(u, "5 AU", "1", MK_ERR_UNIT, "different dimensions"); /* arbitrary is not 1 */
    expect_unit_error(u, "nan s", "s", MK_ERR_INVALID, "not a finite number");
    expect_unit_error(u, "inf s", "s", MK_ERR_INVALID, "not a finite number");
    expect_unit_error(u, "3 mL/(100 g", "m3/kg", MK_ERR_UNIT, "expected ')'");
    expect_unit_error(u, "3 m//s", "m/s", MK_ERR_UNIT, "unexpected '/'");
    expect_unit_error(u, "3 m/", "m", MK_ERR_UNIT, "ends where a unit was expected");
    expect_unit_error(u, "3 -2 m", "m", MK_ERR_UNIT, "unexpected '-'");
    expect_unit_error(u, "3 0 m", "m", MK_ERR_UNIT, "positive");
}

/* UDUNITS converts between reciprocal units (s and 1/s, x -> 1/x); a time given for a rate is
 * a different quantity, not another unit of it.  It used to come out as NaN. */
static void reciprocal_units_differ(void **state)
{
    mk_units *u = *state;
    expect_unit_error(u, "5 s", "1/s", MK_ERR_UNIT, "different dimensions");
    expect_unit_error(u, "5 Hz", "min", MK_ERR_UNIT, "different dimensions");
    expect_unit_error(u, "2 L/mol", "mM", MK_ERR_UNIT, "different dimensions");
    close_to(q(u, "6 1/min", "Hz"), 0.1, 1e-15); /* the same dimension still converts */
    char why[256];
    ut_unit *s, *hz;
    assert_int_equal(mk_units_parse(u, "s", &s, why, sizeof why), MK_OK);
    assert_int_equal(mk_units_parse(u, "Hz", &hz, why, sizeof why), MK_OK);
    assert_false(mk_units_same_dimension(s, hz)); /* what the model checker asks */
    double scale = 42, offset = 42;
    assert_false(mk_units_affine(s, hz, &scale, &offset));
    ut_free(s);
    ut_free(hz);
}

/* The canonical SI form is what values in generated code are measured in. */
static void canonical_form(void **state)
{
    mk_units *u = *state;
    char why[256], buf[128];
    ut_unit *mmhg, *canon;
    assert_int_equal(mk_units_parse(u, "mmHg", &mmhg, why, sizeof why), MK_OK);
    canon = mk_units_canonical(u, mmhg, NULL);
    assert_non_null(canon);
    mk_units_format(canon, buf, sizeof buf);
    assert_string_equal(buf, "Pa"); /* UDUNITS names m-1.kg.s-2 */
    double scale, offset;
    assert_true(mk_units_affine(mmhg, canon, &scale, &offset));
    close_to(scale, 133.322387415, 1e-12);
    assert_true(offset == 0);
    ut_free(mmhg);
    ut_free(canon);

    ut_unit *degc;
    assert_int_equal(mk_units_parse(u, "degC", &degc, why, sizeof why), MK_OK);
    canon = mk_units_canonical(u, degc, NULL);
    mk_units_format(canon, buf, sizeof buf);
    assert_string_equal(buf, "K");
    assert_true(mk_units_affine(degc, canon, &scale, &offset));
    close_to(offset, 273.15, 1e-12);
    ut_free(degc);
    ut_free(canon);

    ut_unit *pct;
    assert_int_equal(mk_units_parse(u, "%", &pct, why, sizeof why), MK_OK);
    assert_true(mk_units_is_dimensionless(u, pct));
    ut_free(pct);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scenario_quantities),
        cmocka_unit_test(kg_per_cm2_is_pressure),
        cmocka_unit_test(perfusion_per_100g),
        cmocka_unit_test(molar_and_friends),
        cmocka_unit_test(units_in_expressions),
        cmocka_unit_test(bad_quantities),
        cmocka_unit_test(canonical_form),
        cmocka_unit_test(reciprocal_units_differ),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
