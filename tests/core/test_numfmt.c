/* test_numfmt.c -- mk_fmt_g10 writes exactly what printf's "%.10g" writes.
 *
 * series.csv must be byte-identical between builds and to what it was before the fast
 * formatter (same_numbers, the golden runs), so the check is equality with snprintf on
 * values of every kind: random bit patterns over the whole range, decimals as a simulation
 * produces them, integers, ties and near-ties at the tenth digit, powers of ten and their
 * neighbours (where the digit count changes), and the special values. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/numfmt.h"

/* xorshift64*: deterministic, no hidden state */
static uint64_t next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static long g_checked, g_failed;

static void check(double v)
{
    char want[64], got[MK_FMT_G10_SIZE];
    snprintf(want, sizeof want, "%.10g", v);
    size_t n = mk_fmt_g10(v, got);
    g_checked++;
    if (strcmp(want, got) != 0 || n != strlen(want)) {
        if (g_failed++ < 10) print_error("%.17g: printf '%s', mk_fmt_g10 '%s'\n", v, want, got);
    }
}

static void check_both(double v)
{
    check(v);
    check(-v);
}

static void test_special(void **state)
{
    (void)state;
    g_checked = g_failed = 0;
    double vals[] = {0.0, -0.0, NAN, INFINITY, -INFINITY, 1.0, 0.1, 0.5, 1e-5, 1e-4, 9.99999999949999e-5,
                     1e10, 9999999999.0, 9999999999.5, 99999999995.0, 1e9, 123456789012.0,
                     4.9e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1e-290, 1e290,
                     0.037, 33.0, 3600.0, 1209600.0, 86400.0 * 14, 1.00000000005, 0.12345678905};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) check_both(vals[i]);
    for (int e = -320; e <= 308; e++) { /* powers of ten and their neighbours */
        double p = pow(10.0, e);
        check_both(p);
        check_both(nextafter(p, 0.0));
        check_both(nextafter(p, INFINITY));
        check_both(p * 9.9999999995); /* rounds up to the next power */
        check_both(p * 9.99999999949);
    }
    assert_int_equal(g_failed, 0);
}

static void test_random_bits(void **state)
{
    (void)state;
    g_checked = g_failed = 0;
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (long i = 0; i < 1000000; i++) {
        uint64_t bits = next(&s);
        double v;
        memcpy(&v, &bits, sizeof v);
        check(v);
    }
    assert_int_equal(g_failed, 0);
}

static void test_decimals_and_ties(void **state)
{
    (void)state;
    g_checked = g_failed = 0;
    uint64_t s = 12345;
    for (long i = 0; i < 300000; i++) {
        int e = (int)(next(&s) % 40) - 20;
        uint64_t d10 = 1000000000u + next(&s) % 9000000000u; /* ten digits */
        double p = pow(10.0, e);
        check_both((double)d10 * p);                      /* a decimal of ten digits */
        check_both(((double)d10 + 0.5) * p);              /* a tie at the tenth digit */
        check_both((double)(next(&s) % 100000000000u) * p * 1e-3); /* up to eleven digits */
        check_both((double)(next(&s) % 20000000000u));    /* integers */
        check_both((double)(next(&s) >> 11) / 9007199254740992.0); /* uniform in [0, 1) */
    }
    assert_int_equal(g_failed, 0);
    assert_true(g_checked > 2000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_special),
        cmocka_unit_test(test_random_bits),
        cmocka_unit_test(test_decimals_and_ties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
