/*
 * test_start.c -- where a scenario starts (src/protocol/start.c, src/protocol/checkpoint.c):
 *   - a run restarted from its checkpoint reproduces the continuous run to solver tolerance
 *     (a 2-day scenario against day 1, checkpoint, day 2 from the checkpoint), the restored
 *     state is the saved one bit for bit, and parameters and baselines carry over;
 *   - bad input: a checkpoint of another model or myoknot version, a damaged one, a missing
 *     run directory or file, an unknown phenotype (did-you-mean), `patient` and `start`
 *     together -- each a clear error at the `start:`/`patient:` value's line and column;
 *   - the phenotypes of data/patients.yaml compile, simulate, apply their parameters and keep
 *     their order against the default model.
 * The built-in tp_site is used: a restart must restore everything of the real model.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../lang/test_util.h"
#include "core/file.h"
#include "protocol/checkpoint.h"
#include "protocol/scenario.h"
#include "protocol/simulate.h"

static const mk_model_abi *g_abi;
static mk_units *g_u;
static char g_tmp[256];

static int setup(void **state)
{
    (void)state;
    mk_error err = {0};
    g_abi = mk_builtin_find("tp_site");
    snprintf(g_tmp, sizeof g_tmp, "/tmp/mk_test_start.XXXXXX");
    if (!g_abi || mk_units_new(&g_u, &err) || !mkdtemp(g_tmp)) {
        fprintf(stderr, "setup: %s\n", err.message);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mk_units_free(g_u);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tmp);
    return system(cmd) == 0 ? 0 : -1;
}

/* Compile text (as the file g_tmp/NAME) against abi; NULL with err filled on failure. */
static mk_protocol *compile_as(const mk_model_abi *abi, const char *name, const char *text,
                               mk_error *err)
{
    char file[512];
    snprintf(file, sizeof file, "%s/%s", g_tmp, name);
    mk_scenario *s = NULL;
    mk_protocol *p = NULL;
    if (mk_scenario_load_string(file, text, &s, err) == MK_OK)
        mk_scenario_compile(s, abi, g_u, NULL, NULL, 0, 0, NULL, &p, err);
    mk_scenario_free(s);
    return p;
}

static void run_tol(const mk_protocol *p, mk_run_result *r, double rtol, double atol)
{
    mk_error err = {0};
    mk_sim_opts so;
    mk_sim_opts_default(&so);
    if (rtol > 0) so.solver.rtol = rtol, so.solver.atol = atol;
    mk_status rc = mk_simulate(g_abi, p, NULL, &so, r, &err);
    if (rc) print_error("simulate: %s\n", err.message);
    assert_int_equal(rc, MK_OK);
}

static void run(const mk_protocol *p, mk_run_result *r) { run_tol(p, r, 0, 0); }

/* Save r's checkpoint into g_tmp/DIR (created). */
static void save(const mk_run_result *r, const char *dir)
{
    char path[512], *text = NULL;
    mk_error err = {0};
    snprintf(path, sizeof path, "%s/%s", g_tmp, dir);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/%s/%s", g_tmp, dir, MK_CHECKPOINT_FILE);
    assert_int_equal(mk_checkpoint_json(r, &text, &err), MK_OK);
    assert_int_equal(mk_file_write(path, text, strlen(text), &err), MK_OK);
    free(text);
}

/* Day 1 and day 2 share a background activation (a baseline) and a parameter; day 2 starts
 * with a stress event at exactly 1 d, an input breakpoint, where the continuous run restarts
 * its integrator too (CVODE's history then plays no part). */
#define COMMON "output_every: 30 min\nbaseline: {load.activation: 1 %}\n"
#define PARAMS "parameters: {motor.gap_rest: 0.12}\n"
#define DAY1                                                                                    \
    "  - {event: sleep, at: day 1 00:00, duration: 7 h}\n"                                     \
    "  - {event: desk_work, at: day 1 09:00, load: 5 %, duration: 8 h}\n"                      \
    "  - {event: stress, at: day 1 09:00, level: 0.6, duration: 8 h}\n"
#define DAY2(D)                                                                                 \
    "  - {event: stress, at: day " D " 00:00, level: 0.2, duration: 1 h}\n"                    \
    "  - {event: sleep, at: day " D " 01:00, duration: 6 h}\n"                                 \
    "  - {event: desk_work, at: day " D " 09:00, load: 6 %, duration: 8 h}\n"                  \
    "  - event: ischemic_compression\n"                                                          \
    "    at: day " D " 18:00\n"                                                                  \
    "    pressure: 2.5 kg/cm2\n"                                                                 \
    "    hold: 90 s\n"                                                                           \
    "    repeats: 3\n"

/* How far the restarted day 2 is from the continuous one, per state over the whole day:
 * max_k |a - b| in units of the continuous run's own global error on that state over the day,
 * max_k |a - y_ref| (y_ref: a run 1000 times tighter) + rtol max_k |a| + atol.  Returned; the
 * worst state's max_k |a - b| / max_k |a| (over states above 1000 atol) goes into *rel_out.
 *
 * Per state over the day, not per row: the global error of a BDF run changes sign as events
 * come and go, so at some row it is near zero while the other run's is not (under v2 at rtol
 * 1e-9 the continuous run's noci.sens error was -1.2e-11 at 18:00 on day 2, the restarted
 * run's -1.05e-9, and half an hour later +3.7e-9 and +1.3e-9: both runs had the same error
 * budget, a per-row ratio was 21.5).  A lost state, input or parameter makes the restarted
 * run wrong by far more than the continuous run's error and, unlike that error, does not
 * shrink with the tolerance; both are asserted by the caller. */
static double restart_gap(double rtol, double atol, double *rel_out)
{
    mk_error err = {0};
    mk_protocol *pa = compile_as(g_abi, "a.yaml",
                                 "duration: 2 d\n" COMMON PARAMS "timeline:\n" DAY1 DAY2("2"), &err);
    mk_protocol *p1 = compile_as(g_abi, "b1.yaml", "duration: 1 d\n" COMMON PARAMS "timeline:\n" DAY1, &err);
    assert_non_null(pa);
    assert_non_null(p1);
    mk_run_result ra, r1, r2, rref;
    run_tol(pa, &ra, rtol, atol);
    run_tol(pa, &rref, rtol / 1000, atol / 1000);
    run_tol(p1, &r1, rtol, atol);
    save(&r1, "day1");
    /* day 2 names neither the parameter nor the baseline: both come from the checkpoint */
    mk_protocol *p2 = compile_as(g_abi, "b2.yaml",
                                 "duration: 1 d\noutput_every: 30 min\nstart: day1\ntimeline:\n" DAY2("1"), &err);
    if (!p2) print_error("%s:%d:%d: %s\n", err.file, err.line, err.column, err.message);
    assert_non_null(p2);
    assert_non_null(strstr(p2->start, "day1/checkpoint.json"));
    run_tol(p2, &r2, rtol, atol);

    const mk_series *sa = &ra.series, *s1 = &r1.series, *s2 = &r2.series;
    int n = g_abi->n_states;
    assert_int_equal(sa->n_rows, 97);
    assert_int_equal(s2->n_rows, 49);
    /* the restored state is the saved one, bit for bit, and the continuous run passed the
     * same state at the split (day 1 integrated alike in both) */
    const double *end1 = s1->values + (size_t)(s1->n_rows - 1) * (size_t)s1->n_cols;
    const double *mid = sa->values + (size_t)48 * (size_t)sa->n_cols;
    for (int i = 0; i < n; i++) {
        if (s2->values[i] != end1[i] || mid[i] != end1[i])
            print_error("%s: %.17g, %.17g, %.17g\n", g_abi->states[i].name, s2->values[i],
                        end1[i], mid[i]);
        assert_true(s2->values[i] == end1[i]);
        assert_true(mid[i] == end1[i]);
    }
    /* the parameter and the background activation carried over */
    int ip = mk_abi_find(g_abi, MK_SYM_PARAM, "motor.gap_rest");
    assert_true(r2.params[ip] == 0.12);
    int ca = mk_series_find(s2, "load.activation");
    assert_true(ca >= 0 && s2->values[ca] == 1.0);

    /* every state over day 2 against the continuous run */
    double worst = 0, worst_rel = 0;
    const char *worst_name = "";
    for (int k = 0; k < s2->n_rows; k++)
        assert_true(fabs(s2->t_s[k] + 86400.0 - sa->t_s[48 + k]) < 1e-6);
    for (int i = 0; i < n; i++) {
        double diff = 0, gerr = 0, mag = 0;
        for (int k = 0; k < s2->n_rows; k++) {
            const double *a = sa->values + (size_t)(48 + k) * (size_t)sa->n_cols;
            const double *b = s2->values + (size_t)k * (size_t)s2->n_cols;
            const double *ref = rref.series.values + (size_t)(48 + k) * (size_t)rref.series.n_cols;
            diff = fmax(diff, fabs(a[i] - b[i]));
            gerr = fmax(gerr, fabs(a[i] - ref[i]));
            mag = fmax(mag, fabs(a[i]));
        }
        double gap = diff / (gerr + rtol * mag + atol);
        if (getenv("MK_TEST_VERBOSE"))
            print_message("  %-22s |a-b| %.3g  global error %.3g  max |y| %.3g  -> %.3g\n",
                          g_abi->states[i].name, diff, gerr, mag, gap);
        if (gap > worst) worst = gap, worst_name = g_abi->states[i].name;
        if (mag > 1e3 * atol && diff / mag > worst_rel) worst_rel = diff / mag;
    }
    print_message("restart vs continuous at rtol %g, atol %g: worst max|difference| = %.3g x "
                  "(the continuous run's max global error + rtol max|y| + atol) (%s); "
                  "max|difference| / max|y| %.3g\n",
                  rtol, atol, worst, worst_name, worst_rel);
    *rel_out = worst_rel;
    mk_run_result_free(&ra);
    mk_run_result_free(&rref);
    mk_run_result_free(&r1);
    mk_run_result_free(&r2);
    mk_protocol_free(pa);
    mk_protocol_free(p1);
    mk_protocol_free(p2);
    return worst;
}

static void restart_reproduces_continuous_run(void **state)
{
    (void)state;
    /* Solver tolerance: on every state the restarted day 2 is within 4 x the continuous run's
     * own measured global error at the default tolerances and 6 x at 1000 times tighter ones
     * (measured under v2 with the finite-difference Jacobian and dense LU: at most 1.4 x; with
     * the analytic Jacobian, dense LU 0.8 x and 2.2 x; with KLU, the default, 1.6 x and 4.3 to
     * 4.6 x, on a different state each time: at 1e-9 the ratio divides two errors of a few
     * 1e-9 and changes with the rounding of the linear algebra, while the difference itself,
     * 2e-8 to 6e-8 of max |y|, is the same for all three); and the difference shrinks with the
     * tolerance (measured: 1e-6 -> 1e-9 shrinks it 130 to 390 times, 1e-11 a further 60 times).
     * A state, a parameter or an input the checkpoint lost would be many error budgets off and
     * would not shrink. */
    double rel6, rel9;
    assert_true(restart_gap(1e-6, 1e-9, &rel6) <= 4);
    assert_true(restart_gap(1e-9, 1e-12, &rel9) <= 6);
    assert_true(rel9 < rel6 / 30);
    assert_true(rel9 < 1e-6);
}

/* A checkpoint of a 1 h run, in g_tmp/DIR, returned as text (free it). */
static char *make_checkpoint(const char *dir)
{
    mk_error err = {0};
    mk_protocol *p = compile_as(g_abi, "short.yaml", "duration: 1 h\n", &err);
    assert_non_null(p);
    mk_run_result r;
    run(p, &r);
    save(&r, dir);
    mk_run_result_free(&r);
    mk_protocol_free(p);
    char path[512];
    snprintf(path, sizeof path, "%s/%s/%s", g_tmp, dir, MK_CHECKPOINT_FILE);
    return mk_test_slurp(path);
}

static void put(const char *dir, const char *text)
{
    char path[512];
    mk_error err = {0};
    snprintf(path, sizeof path, "%s/%s", g_tmp, dir);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/%s/%s", g_tmp, dir, MK_CHECKPOINT_FILE);
    assert_int_equal(mk_file_write(path, text, strlen(text), &err), MK_OK);
}

/* Compiling "start: DIR" against abi fails at 2:8 with a message containing want. */
static void refused(const mk_model_abi *abi, const char *dir, const char *want)
{
    char text[256];
    snprintf(text, sizeof text, "duration: 1 h\nstart: %s\n", dir);
    mk_error err = {0};
    mk_protocol *p = compile_as(abi, "s.yaml", text, &err);
    if (p || !strstr(err.message, want) || err.line != 2 || err.column != 8 ||
        !strstr(err.file, "s.yaml"))
        print_error("start: %s\n  want 2:8: ...%s...\n  got  %s:%d:%d: %s\n", dir, want, err.file,
                    err.line, err.column, err.message);
    assert_null(p);
    assert_non_null(strstr(err.message, want));
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 8);
}

static char *replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    assert_non_null(at);
    size_t n = strlen(text) + strlen(to) + 1;
    char *out = malloc(n);
    assert_non_null(out);
    snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    return out;
}

static void bad_checkpoints(void **state)
{
    (void)state;
    char *good = make_checkpoint("good");
    assert_non_null(good);
    /* the good one is accepted (so the refusals below are about what was changed) */
    mk_error err = {0};
    mk_protocol *p = compile_as(g_abi, "s.yaml", "duration: 1 h\nstart: good\n", &err);
    assert_non_null(p);
    mk_protocol_free(p);

    /* another model: tp_site_central is a different model (name kept, hash differs) */
    const mk_model_abi *central = mk_builtin_find("tp_site_central");
    assert_non_null(central);
    refused(central, "good", "written by model 'tp_site' (hash ");
    char *other = replace(good, g_abi->hash, "0123456789abcdef");
    put("other_hash", other);
    refused(g_abi, "other_hash", "hash 0123456789abcdef), but this scenario runs model 'tp_site'");
    /* another myoknot version */
    char *old = replace(good, "\"myoknot_version\":\t\"" MK_VERSION "\"", "\"myoknot_version\":\t\"0.0.9\"");
    put("old_version", old);
    refused(g_abi, "old_version", "written by myoknot 0.0.9, this is myoknot " MK_VERSION);
    /* damaged: cut in half, and not a checkpoint at all */
    good[strlen(good) / 2] = 0;
    put("cut", good);
    refused(g_abi, "cut", "not valid JSON");
    put("foreign", "{\"format\": \"something else\"}\n");
    refused(g_abi, "foreign", "not a myoknot checkpoint");
    /* a state missing */
    char *less = replace(other, "\"core.ca_c\"", "\"core.cx\"");
    char *less2 = replace(less, "0123456789abcdef", g_abi->hash);
    put("renamed_state", less2);
    refused(g_abi, "renamed_state", "'core.cx' in \"states\" is not one of model 'tp_site'");
    /* missing: no such folder, a folder without the file */
    refused(g_abi, "no_such_run", "no such run directory");
    char path[512];
    snprintf(path, sizeof path, "%s/empty_dir", g_tmp);
    mkdir(path, 0777);
    refused(g_abi, "empty_dir", "is not a run directory with a checkpoint");
    free(good);
    free(other);
    free(old);
    free(less);
    free(less2);
}

static void bad_patient(void **state)
{
    (void)state;
    mk_error err = {0};
    mk_protocol *p = compile_as(g_abi, "s.yaml", "duration: 1 h\npatient: activ_trp\n", &err);
    assert_null(p);
    assert_string_equal(err.message, "unknown patient 'activ_trp' (did you mean 'active_trp'?)");
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 10);
    p = compile_as(g_abi, "s.yaml", "duration: 1 h\npatient: someone\n", &err);
    assert_null(p);
    assert_string_equal(err.message,
                        "unknown patient 'someone' (expected one of: healthy, latent_trp, active_trp)");
    /* both: refused at the later key */
    p = compile_as(g_abi, "s.yaml", "duration: 1 h\npatient: healthy\nstart: good\n", &err);
    assert_null(p);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 1);
    assert_non_null(strstr(err.message, "give 'patient' or 'start', not both"));
    /* a phenotype's parameters are checked like the scenario's */
    p = compile_as(g_abi, "s.yaml", "duration: 1 h\npatient: [a]\n", &err);
    assert_null(p);
    assert_non_null(strstr(err.message, "expected a phenotype name for 'patient'"));
}

/* Every phenotype compiles and simulates against the default model; the conditioning takes a
 * bounded time (it runs on every compile), ran (the start state is not the model's initial
 * one), applied the phenotype's documented parameters, and leaves the phenotypes in the order
 * they are defined by.  What each state looks like against the published numbers (an active
 * TrP's spontaneous pain, its PPT deficit, the latent PPT) is the validation set's to judge
 * (targets 17, 32, 45, 46; under site model v2 the active phenotype has no spontaneous pain,
 * an expected failure there, docs/scenarios.md "Starting state"): asserting those numbers here
 * would turn a model miss into a broken unit test, or invite tuning the phenotype to them. */
static void phenotypes(void **state)
{
    (void)state;
    const char *names[] = {"healthy", "latent_trp", "active_trp"};
    const double gap_rest[] = {NAN, 0.10, 0.10}; /* data/patients.yaml; NAN: not set */
    int ip = mk_abi_find(g_abi, MK_SYM_PARAM, "motor.gap_rest");
    int id = mk_abi_find(g_abi, MK_SYM_STATE, "spinal.debt");
    int ig = mk_abi_find(g_abi, MK_SYM_STATE, "core.glycogen");
    assert_true(ip >= 0 && id >= 0 && ig >= 0);
    double ppt[3], pain[3], debt[3], glycogen[3];
    for (int k = 0; k < 3; k++) {
        char text[256];
        snprintf(text, sizeof text,
                 "duration: 1 h\npatient: %s\ntimeline:\n"
                 "  - {event: measure, at: 0 s, what: [ppt, pain]}\n",
                 names[k]);
        mk_error err = {0};
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        mk_protocol *p = compile_as(g_abi, "s.yaml", text, &err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (!p) print_error("%s: %s:%d:%d: %s\n", names[k], err.file, err.line, err.column, err.message);
        assert_non_null(p);
        assert_non_null(p->y0);
        double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        print_message("patient %s: conditioning %.3f s\n", names[k], secs);
        assert_true(secs < 30);
        /* the conditioning ran: the slow states left the model's initial values */
        assert_true(p->y0[id] != g_abi->states[id].value);
        assert_true(p->y0[ig] != g_abi->states[ig].value);
        debt[k] = p->y0[id];
        glycogen[k] = p->y0[ig];
        mk_run_result r;
        run(p, &r);
        /* the phenotype's parameters, and only those, reached the run */
        if (isnan(gap_rest[k]))
            assert_true(r.params[ip] == g_abi->params[ip].value);
        else
            assert_true(r.params[ip] == gap_rest[k]);
        ppt[k] = r.meas[0].value;
        pain[k] = r.meas[1].value;
        mk_run_result_free(&r);
        mk_protocol_free(p);
    }
    print_message("PPT healthy %.1f latent %.1f active %.1f kPa; pain %.3g %.3g %.3g; sleep debt "
                  "%.3g %.3g %.3g; glycogen %.3g %.3g %.3g mM\n",
                  ppt[0], ppt[1], ppt[2], pain[0], pain[1], pain[2], debt[0], debt[1], debt[2],
                  glycogen[0], glycogen[1], glycogen[2]);
    /* the order the phenotypes are defined by: healthy > latent > active PPT and spontaneous
     * pain; no spontaneous pain but when active (a latent TrP is not painful by definition) */
    assert_true(ppt[0] > ppt[1] && ppt[1] > ppt[2]);
    assert_true(pain[0] < pain[1] && pain[1] < pain[2]);
    assert_true(pain[0] < 1 && pain[1] < 1);
    /* the histories differ as written: the active person slept 5 h on work nights, worked
     * longer days than the latent one (more glycogen used), and the healthy one did no work */
    assert_true(debt[2] > debt[1] && debt[2] > debt[0]);
    assert_true(glycogen[2] < glycogen[1] && glycogen[1] < glycogen[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(restart_reproduces_continuous_run),
        cmocka_unit_test(bad_checkpoints),
        cmocka_unit_test(bad_patient),
        cmocka_unit_test(phenotypes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
