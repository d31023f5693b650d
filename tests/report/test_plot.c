/*
 * test_plot.c -- the shared PLplot session (src/report/plot.c): a PNG is written, PLplot's
 * fatal errors (plexit) and non-fatal ones (plabort) come back as an mk_status instead of
 * ending the process, the caller's current stream survives, and the session works again
 * afterwards; and the helpers (escaping, units, axis ranges, title breaks).
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
#include <plplot.h>

#include "report/plot.h"

/* PLplot's own error entry points: exported by libplplot, declared in its private plplotP.h */
void plexit(PLCHAR_VECTOR errormsg);
void plabort(PLCHAR_VECTOR errormsg);

static char g_dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "%s/mk_plot_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void png_path(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", g_dir, name);
}

static void assert_png(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char sig[8] = {0};
    size_t n = fread(sig, 1, sizeof sig, f);
    fclose(f);
    assert_int_equal(n, 8);
    assert_memory_equal(sig, "\x89PNG\r\n\x1a\n", 8);
}

static int g_calls;

static void draw_ok(const void *ctx, double *xs, double *ys)
{
    const int *n = ctx;
    for (int i = 0; i < *n; i++) xs[i] = i, ys[i] = (double)i * i;
    plvpor(0.15, 0.95, 0.15, 0.9);
    plwind(0, *n - 1, 0, (double)(*n - 1) * (*n - 1));
    mk_plot_band(1, 2, 0, 4, MK_PC_NBASE);
    plcol0(MK_PC_BLACK);
    plbox("bnst", 0, 0, "bnstv", 0, 0);
    plcol0(MK_PC_VERMILLION);
    plline(*n, xs, ys);
    mk_plot_title("A title\nin two lines", 600, 400);
    mk_plot_letter("A", 0.02, 0.9, 1.25);
    g_calls++;
}

static void draw_fatal(const void *ctx, double *xs, double *ys)
{
    (void)ctx, (void)xs, (void)ys;
    plexit("test: a fatal error");
    fail_msg("plexit returned");
}

static void draw_abort(const void *ctx, double *xs, double *ys)
{
    (void)ctx, (void)xs, (void)ys;
    plabort("test: a recoverable error");
    plabort("test: a second one");
    g_calls++;
}

static const mk_plot_color shade = {120, 120, 120, 0.2};

static void test_draws_png(void **state)
{
    (void)state;
    char path[400];
    png_path(path, sizeof path, "ok.png");
    int n = 20;
    mk_plot_page page = {path, 600, 400, &shade, 1, (size_t)n};
    mk_error err = {0};
    g_calls = 0;
    assert_int_equal(mk_plot_draw(&page, draw_ok, &n, &err), MK_OK);
    assert_int_equal(g_calls, 1);
    assert_png(path);
}

static void test_fatal_error_is_a_status(void **state)
{
    (void)state;
    char path[400];
    png_path(path, sizeof path, "fatal.png");
    PLINT before = -1, after = -2;
    plgstrm(&before);
    mk_plot_page page = {path, 600, 400, NULL, 0, 1};
    mk_error err = {0};
    assert_int_equal(mk_plot_draw(&page, draw_fatal, NULL, &err), MK_ERR_IO);
    assert_non_null(strstr(err.message, "test: a fatal error"));
    assert_non_null(strstr(err.message, "fatal.png"));
    plgstrm(&after);
    assert_int_equal(before, after);

    /* the session recovers: the next figure is drawn */
    png_path(path, sizeof path, "after_fatal.png");
    int n = 5;
    mk_plot_page ok = {path, 600, 400, &shade, 1, (size_t)n};
    memset(&err, 0, sizeof err);
    assert_int_equal(mk_plot_draw(&ok, draw_ok, &n, &err), MK_OK);
    assert_png(path);
}

static void test_abort_is_a_status(void **state)
{
    (void)state;
    char path[400];
    png_path(path, sizeof path, "abort.png");
    mk_plot_page page = {path, 600, 400, NULL, 0, 1};
    mk_error err = {0};
    g_calls = 0;
    assert_int_equal(mk_plot_draw(&page, draw_abort, NULL, &err), MK_ERR_IO);
    assert_int_equal(g_calls, 1); /* plabort does not interrupt the drawing */
    assert_non_null(strstr(err.message, "test: a recoverable error"));
    assert_null(strstr(err.message, "second"));
}

static void test_bad_arguments(void **state)
{
    (void)state;
    mk_error err = {0};
    int n = 3;
    char path[400];
    png_path(path, sizeof path, "x.png");
    mk_plot_page none = {NULL, 600, 400, NULL, 0, 1};
    assert_int_equal(mk_plot_draw(&none, draw_ok, &n, &err), MK_ERR_INVALID);
    mk_plot_page too_many = {path, 600, 400, &shade, MK_PLOT_MAX_EXTRA + 1, 1};
    assert_int_equal(mk_plot_draw(&too_many, draw_ok, &n, &err), MK_ERR_INVALID);
    mk_plot_page no_extra = {path, 600, 400, NULL, 1, 1};
    assert_int_equal(mk_plot_draw(&no_extra, draw_ok, &n, &err), MK_ERR_INVALID);
    mk_plot_page ok = {path, 600, 400, NULL, 0, 3};
    assert_int_equal(mk_plot_draw(&ok, NULL, &n, &err), MK_ERR_INVALID);
    /* a file PLplot could not open is found before PLplot is asked (it would exit) */
    mk_plot_page nodir = {"/nonexistent-dir-mk/x.png", 600, 400, NULL, 0, 3};
    g_calls = 0;
    assert_int_equal(mk_plot_draw(&nodir, draw_ok, &n, &err), MK_ERR_IO);
    assert_int_equal(g_calls, 0);
    assert_non_null(strstr(err.message, "cannot write figure"));
}

static void test_text_and_units(void **state)
{
    (void)state;
    char out[16];
    mk_plot_text(out, sizeof out, "a#b");
    assert_string_equal(out, "a##b");
    mk_plot_text(out, 5, "abcdefgh");
    assert_string_equal(out, "abc");
    mk_plot_text(out, 5, "ab#c");
    assert_string_equal(out, "ab##"); /* an escape is never cut in half */
    mk_plot_text(out, 4, "ab#c");
    assert_string_equal(out, "ab");

    char u[32];
    assert_string_equal(mk_plot_unit("uM", u, sizeof u), "\xc2\xb5M");
    assert_string_equal(mk_plot_unit("u", u, sizeof u), "u");
    assert_string_equal(mk_plot_unit("uX", u, sizeof u), "uX");
    assert_string_equal(mk_plot_unit("1", u, sizeof u), "");
    assert_string_equal(mk_plot_unit("", u, sizeof u), "");
    assert_string_equal(mk_plot_unit(NULL, u, sizeof u), "");
    assert_string_equal(mk_plot_unit("mmHg", u, sizeof u), "mmHg");
}

static void test_ranges(void **state)
{
    (void)state;
    double lo = INFINITY, hi = -INFINITY;
    mk_plot_span(&lo, &hi, NAN);
    mk_plot_span(&lo, &hi, INFINITY);
    mk_plot_pad_range(&lo, &hi, 0.06, 1);
    assert_true(lo == 0 && hi == 1); /* no finite value */

    lo = INFINITY, hi = -INFINITY;
    mk_plot_span(&lo, &hi, 0.2);
    mk_plot_span(&lo, &hi, 10.2);
    assert_true(lo == 0.2 && hi == 10.2);
    mk_plot_pad_range(&lo, &hi, 0.06, 1);
    assert_true(lo == 0); /* a non-negative quantity does not go below zero */
    assert_true(fabs(hi - 10.8) < 1e-12);

    lo = 1, hi = 11;
    mk_plot_pad_range(&lo, &hi, 0.08, 0);
    assert_true(fabs(lo - 0.2) < 1e-12 && fabs(hi - 11.8) < 1e-12);

    lo = hi = 5; /* a constant is centred */
    mk_plot_pad_range(&lo, &hi, 0.06, 1);
    assert_true(fabs(lo - 4.5) < 1e-12 && fabs(hi - 5.5) < 1e-12);
    lo = hi = 0;
    mk_plot_pad_range(&lo, &hi, 0.06, 1);
    assert_true(lo == -1 && hi == 1);
}

static void test_title_break(void **state)
{
    (void)state;
    assert_int_equal(mk_plot_break_at("short title", 72), 0);
    const char *t = "Knot core pO2 falls from 32 to 6.1 mmHg; in the surrounding muscle it stays near 40 mmHg";
    size_t b = mk_plot_break_at(t, 72);
    assert_true(b > 0);
    assert_int_equal(t[b], ' ');
    assert_int_equal(t[b - 1], ';'); /* "; " is preferred near the middle */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_draws_png),
        cmocka_unit_test(test_fatal_error_is_a_status),
        cmocka_unit_test(test_abort_is_a_status),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_text_and_units),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_title_break),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
