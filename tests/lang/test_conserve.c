/*
 * test_conserve.c -- conservation laws (`conserve`) end to end, data-driven.
 *
 * - Every model in tests/lang/conserve/ is compiled at run time and integrated with its laws
 *   checked at every output row: a model named broken*.myo must fail, naming the law, the
 *   time and the drift; every other must pass, having checked at least one law.
 * - Every shipped scenario (every .yaml in scenarios/) runs through mk_simulate, which checks every
 *   law its model declares at every output row; the number of checks must equal laws x rows,
 *   so a model helper's laws are picked up without touching this file.
 * - A law that does not move when one of its states moves is refused before a run.
 */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "myoknot.h"
#include "protocol/scenario.h"
#include "protocol/simulate.h"
#include "test_util.h"

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of dir ending in ext, sorted; *n their number. */
static char **list(const char *dir, const char *ext, int *n)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    char **names = calloc(256, sizeof *names);
    assert_non_null(names);
    *n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && *n < 256) {
        size_t len = strlen(e->d_name), el = strlen(ext);
        if (len > el && !strcmp(e->d_name + len - el, ext)) names[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)*n, sizeof *names, by_name);
    return names;
}

/* Integrate for 200 s with a row every 10 s, checking the laws; returns the status. */
static mk_status run_checked(const mk_model_abi *abi, long *checks, mk_error *err)
{
    mk_solver *s = NULL;
    mk_law_check *c = NULL;
    mk_status rc = mk_solver_new(abi, NULL, &s, err);
    if (!rc) rc = mk_law_check_new(s, &c, err);
    for (int k = 1; !rc && k <= 20; k++) {
        rc = mk_solver_advance(s, 10.0 * k, err);
        if (!rc) rc = mk_law_check_now(c, s, err);
    }
    *checks = mk_law_check_count(c);
    mk_law_check_free(c);
    mk_solver_free(s);
    return rc;
}

static void test_models(void **state)
{
    (void)state;
    char dir[1024];
    mk_test_path(dir, sizeof dir, "tests/lang/conserve");
    int n = 0, laws = 0, broken = 0;
    char **names = list(dir, ".myo", &n);
    assert_true(n >= 2);
    for (int i = 0; i < n; i++) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        mk_model *m = NULL;
        mk_loaded *l = NULL;
        mk_error err = {0};
        mk_status rc = mk_model_parse_file(path, &m, &err);
        if (!rc) rc = mk_model_compile(m, NULL, &l, &err);
        if (rc) print_error("%s: %s\n", names[i], err.message);
        assert_int_equal(rc, MK_OK);
        const mk_model_abi *abi = mk_loaded_abi(l);
        assert_true(abi->n_laws > 0);
        laws += abi->n_laws;
        long checks = 0;
        rc = run_checked(abi, &checks, &err);
        if (!strncmp(names[i], "broken", 6)) {
            broken++;
            print_message("%s: %s\n", names[i], err.message);
            assert_int_equal(rc, MK_ERR_SOLVER);
            /* the law, the time and the drift */
            assert_non_null(strstr(err.message, "conservation law 'cell.ca_total' drifted by"));
            assert_non_null(strstr(err.message, "at t = 10 s"));
        } else {
            if (rc) print_error("%s: %s\n", names[i], err.message);
            assert_int_equal(rc, MK_OK);
            assert_int_equal(checks, 20L * abi->n_laws); /* 20 rows after the start */
        }
        mk_loaded_free(l);
        mk_model_free(m);
        free(names[i]);
    }
    free(names);
    print_message("%d test models, %d laws, %d broken\n", n, laws, broken);
    assert_true(broken >= 1 && laws >= 3);
}

static void test_scenarios(void **state)
{
    (void)state;
    char dir[1024];
    mk_test_path(dir, sizeof dir, "scenarios");
    int n = 0, with_laws = 0;
    char **names = list(dir, ".yaml", &n);
    assert_true(n >= 9);
    mk_units *u = NULL;
    mk_error err = {0};
    assert_int_equal(mk_units_new(&u, &err), MK_OK);
    for (int i = 0; i < n; i++) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        mk_scenario *sc = NULL;
        mk_protocol *p = NULL;
        mk_model *m = NULL;
        mk_loaded *l = NULL;
        const mk_model_abi *abi = NULL;
        mk_status rc = mk_scenario_load_file(path, &sc, &err);
        /* several sites: the model composed from them (the laws per instance) */
        mk_scn_site sites[MK_MAX_SITES];
        int n_sites = 0;
        mk_study *st = NULL;
        if (!rc) rc = mk_scenario_sites(sc, NULL, sites, &n_sites, &err);
        if (!rc && n_sites) {
            rc = mk_study_open(path, NULL, &st, &err);
            if (!rc) abi = mk_study_abi(st);
        } else if (!rc && mk_scenario_model_is_file(sc)) {
            rc = mk_model_parse_file(mk_scenario_model(sc), &m, &err);
            if (!rc) rc = mk_model_compile(m, NULL, &l, &err);
            if (!rc) abi = mk_loaded_abi(l);
        } else if (!rc) {
            abi = mk_builtin_find(mk_scenario_model(sc));
            assert_non_null(abi);
        }
        if (!rc) rc = mk_scenario_compile(sc, abi, u, NULL, NULL, 0, 0, NULL, &p, &err);
        mk_run_result res;
        if (!rc) rc = mk_simulate(abi, p, NULL, NULL, &res, &err);
        if (rc) print_error("%s: %s\n", names[i], err.message);
        assert_int_equal(rc, MK_OK);
        /* every law at every row: a law the run skipped would go unnoticed otherwise */
        assert_int_equal(res.law_checks, (long)abi->n_laws * res.series.n_rows);
        print_message("%s: model %s, %d laws, %ld checks, largest drift %.3g\n", names[i],
                      abi->name, abi->n_laws, res.law_checks, res.law_drift_max);
        with_laws += abi->n_laws > 0;
        mk_run_result_free(&res);
        mk_protocol_free(p);
        mk_study_free(st);
        mk_scenario_free(sc);
        mk_loaded_free(l);
        mk_model_free(m);
        free(names[i]);
    }
    free(names);
    mk_units_free(u);
    print_message("%d scenarios, %d with conservation laws\n", n, with_laws);
}

/* a - a + b: two states on paper, but the law does not move with a: it checks nothing */
static void test_law_that_cannot_fail(void **state)
{
    (void)state;
    static const char text[] =
        "model idle {}\n"
        "component c {\n"
        "  state a = 1 [mM] { doc \"a\" }\n"
        "  state b = 2 [mM] { doc \"b\" }\n"
        "  d(a)/dt = 1 [mM/s]\n"
        "  d(b)/dt = -b / 1 [s]\n"
        "  conserve fake [mM] = a - a + b\n"
        "}\n";
    mk_model *m = NULL;
    mk_loaded *l = NULL;
    mk_error err = {0};
    assert_int_equal(mk_model_parse_string("idle.myo", text, &m, &err), MK_OK);
    assert_int_equal(mk_model_compile(m, NULL, &l, &err), MK_OK);
    long checks = 0;
    assert_int_equal(run_checked(mk_loaded_abi(l), &checks, &err), MK_ERR_MODEL);
    assert_string_equal(err.message, "model 'idle': conservation law 'c.fake' does not change "
                                     "when state 'c.a' does: it holds whatever the equations do "
                                     "and checks nothing");
    mk_loaded_free(l);
    mk_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_models),
        cmocka_unit_test(test_law_that_cannot_fail),
        cmocka_unit_test(test_scenarios),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
