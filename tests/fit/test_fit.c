/*
 * test_fit.c -- myoknot fit's engine (src/analysis/fit.c) and inputs (src/analysis/fit_io.c)
 * on a model with a known answer: tests/fit/toy.myo, where y(t) = L (1 - exp(-k t)) and the
 * data tests/fit/toy_visits.csv were generated with k = 1.3 1/s, L = 7.2 (c has no effect).
 * The fit must recover k and L, call them identifiable and c not, give the same result for the
 * same seed whatever the number of workers, and reject bad data files at file:line:col.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../lang/test_util.h"
#include "analysis/fit.h"
#include "protocol/results.h"
#include "protocol/scenario.h"
#include "protocol/simulate.h"
#include "validate/validate.h"

static mk_model *g_model;
static mk_loaded *g_loaded;
static const mk_model_abi *g_abi;
static mk_units *g_units;
static mk_protocol *g_proto;
static mk_fit_data g_data;

static int setup(void **state)
{
    (void)state;
    char path[1024];
    mk_error err = {0};
    mk_scenario *scn = NULL;
    int bad = mk_model_parse_file(mk_test_path(path, sizeof path, "tests/fit/toy.myo"), &g_model, &err) ||
              mk_model_compile(g_model, NULL, &g_loaded, &err) || mk_units_new(&g_units, &err);
    if (!bad) g_abi = mk_loaded_abi(g_loaded);
    bad = bad || mk_scenario_load_file(mk_test_path(path, sizeof path, "tests/fit/toy.yaml"), &scn, &err) ||
          mk_scenario_compile(scn, g_abi, g_units, NULL, NULL, 0, 0, NULL, &g_proto, &err) ||
          mk_fit_data_load_file(mk_test_path(path, sizeof path, "tests/fit/toy_visits.csv"), g_units, &g_data, &err);
    mk_scenario_free(scn);
    if (bad) fprintf(stderr, "setup: %s:%d:%d: %s\n", err.file, err.line, err.column, err.message);
    return bad ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    mk_fit_data_free(&g_data);
    mk_protocol_free(g_proto);
    mk_units_free(g_units);
    mk_loaded_free(g_loaded);
    mk_model_free(g_model);
    return 0;
}

static mk_status toy_residuals(void *ctx, const mk_model_abi *abi, double *r, mk_error *err)
{
    (void)ctx;
    mk_sim_opts so;
    mk_sim_opts_default(&so);
    mk_run_result run;
    mk_status rc = mk_simulate(abi, g_proto, NULL, &so, &run, err);
    if (rc) return rc;
    rc = mk_fit_data_residuals(&g_data, &run, r, err);
    mk_run_result_free(&run);
    return rc;
}

static int index_of(const mk_fit_param *p, int k, const char *name)
{
    for (int j = 0; j < k; j++)
        if (!strcmp(g_abi->params[p[j].param].name, name)) return j;
    return -1;
}

static void fit_toy(int jobs, unsigned long long seed, mk_fit_param **p, int *k, mk_fit_result *r)
{
    mk_error err = {0};
    assert_int_equal(mk_fit_select(g_abi, NULL, 0, p, k, &err), MK_OK);
    mk_fit_opts o;
    mk_fit_opts_default(&o);
    o.jobs = jobs;
    o.seed = seed;
    o.design = 12;
    o.starts = 2;
    o.local_evals = 120;
    assert_int_equal(mk_fit_compute(g_abi, *p, *k, g_data.n, toy_residuals, NULL, &o, r, &err), MK_OK);
}

/* The default choice: the three 'assumed' parameters, k in log space (two decades), not 'fixed'. */
static void selects_assumed(void **state)
{
    (void)state;
    mk_fit_param *p = NULL;
    int k = 0;
    mk_error err = {0};
    assert_int_equal(mk_fit_select(g_abi, NULL, 0, &p, &k, &err), MK_OK);
    assert_int_equal(k, 3);
    assert_true(index_of(p, k, "f.fixed") < 0);
    assert_true(p[index_of(p, k, "f.k")].log_scale);
    assert_false(p[index_of(p, k, "f.L")].log_scale);
    free(p);
    assert_int_equal(mk_fit_select(g_abi, "f.fix*", 1, &p, &k, &err), MK_OK);
    assert_int_equal(k, 1);
    assert_true(p[0].log_scale); /* --log: every positive range */
    free(p);
    assert_int_equal(mk_fit_select(g_abi, "nothing.*", 0, &p, &k, &err), MK_ERR_NAME);
    assert_non_null(strstr(err.message, "matches 'nothing.*'"));
}

static void recovers_known_parameters(void **state)
{
    (void)state;
    mk_fit_param *p;
    int k;
    mk_fit_result r;
    fit_toy(2, 7, &p, &k, &r);
    int jk = index_of(p, k, "f.k"), jl = index_of(p, k, "f.L"), jc = index_of(p, k, "f.c");
    assert_true(fabs(r.x[jk] - 1.3) < 0.01 * 1.3);
    assert_true(fabs(r.x[jl] - 7.2) < 0.01 * 7.2);
    assert_true(r.f < 1e-2 && r.f0 > 100); /* the model's own values (k 0.5, L 5) miss by far */
    assert_true(r.identifiable[jk] && r.identifiable[jl]);
    assert_false(r.identifiable[jc]);
    assert_false(isfinite(r.se_u[jc]));
    assert_true(isfinite(r.se_u[jk]) && r.se_u[jk] < 0.05);
    /* the Laplace covariance (params.yaml's covariance:): the SEs squared on the diagonal, the
     * undetermined c uniform over its range (1/12 in u) and uncorrelated */
    assert_non_null(r.cov_u);
    assert_true(fabs(r.cov_u[jk * k + jk] - r.se_u[jk] * r.se_u[jk]) < 1e-12);
    assert_true(fabs(r.cov_u[jl * k + jl] - r.se_u[jl] * r.se_u[jl]) < 1e-12);
    assert_true(r.cov_u[jk * k + jl] == r.cov_u[jl * k + jk] && r.cov_u[jk * k + jl] < 0); /* k and L trade off */
    assert_true(r.cov_u[jc * k + jc] == 1.0 / 12.0 && r.cov_u[jc * k + jk] == 0 && r.cov_u[jl * k + jc] == 0);
    double cov[9];
    assert_true(k <= 3);
    mk_fit_covariance(p, &r, cov);
    double wk = log(p[jk].hi) - log(p[jk].lo);
    assert_true(p[jk].log_scale && fabs(cov[jk * k + jk] - r.cov_u[jk * k + jk] * wk * wk) < 1e-15);
    assert_int_equal(r.n_design, 12);
    assert_true(r.n_hist > r.n_design);
    mk_fit_result_clear(&r);
    free(p);
}

static void deterministic(void **state)
{
    (void)state;
    mk_fit_param *p1, *p2, *p3;
    int k1, k2, k3;
    mk_fit_result a, b, c;
    fit_toy(1, 3, &p1, &k1, &a);
    fit_toy(2, 3, &p2, &k2, &b);
    fit_toy(2, 4, &p3, &k3, &c);
    assert_int_equal(a.n_hist, b.n_hist);
    assert_memory_equal(a.x, b.x, sizeof *a.x * (size_t)a.k);
    assert_memory_equal(a.hist, b.hist, sizeof *a.hist * (size_t)a.n_hist);
    /* another seed, another design */
    assert_memory_not_equal(a.hist + 1, c.hist + 1, sizeof *a.hist * (size_t)(a.n_design - 1));
    mk_fit_result_clear(&a), mk_fit_result_clear(&b), mk_fit_result_clear(&c);
    free(p1), free(p2), free(p3);
}

static void bad_data(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"", "v.csv:1:1: empty file"},
        {"time,variable,value\n1 s,f.y,1\n", "v.csv:1:20: expected the header 'time,variable,value,sd'; column 4 should be 'sd'"},
        {"time,var,value,sd\n", "v.csv:1:6: expected the header"},
        {"time,variable,value,sd\n", "v.csv:1:1: no measurements after the header"},
        {"time,variable,value,sd\n1,f.y,1,0.1\n", "v.csv:2:1: expected a time with its unit"},
        {"time,variable,value,sd\n1 s,f.y,1,0.1\n2 s, f.y, x1, 0.1\n", "v.csv:3:11: expected a finite number for 'value', found 'x1'"},
        {"# a comment\ntime,variable,value,sd\n1 s,f.y,1,0\n", "v.csv:3:11: 'sd' must be positive"},
        {"time,variable,value,sd\n1 s,f.y,1\n", "v.csv:2:10: expected 4 fields"},
        {"time,variable,value,sd\n1 s,,1,1\n", "v.csv:2:5: empty 'variable'"},
        {"time,variable,value,sd\n1 kg,f.y,1,1\n", "v.csv:2:1: expected a time"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mk_fit_data d;
        mk_error err = {0};
        char msg[2300];
        assert_int_not_equal(mk_fit_data_load_string("v.csv", cases[i].text, g_units, &d, &err), MK_OK);
        mk_error_format(&err, msg, sizeof msg);
        if (!strstr(msg, cases[i].want)) fail_msg("case %zu: got '%s', want '%s'", i, msg, cases[i].want);
        assert_null(d.obs);
    }
    /* a name the run does not know, at its line and column */
    mk_fit_data d;
    mk_error err = {0};
    assert_int_equal(mk_fit_data_load_string("v.csv", "time,variable,value,sd\n1 s,f.y,1,1\n2 s,f.nope,1,1\n", g_units, &d, &err), MK_OK);
    mk_sim_opts so;
    mk_sim_opts_default(&so);
    mk_run_result run;
    assert_int_equal(mk_simulate(g_abi, g_proto, NULL, &so, &run, &err), MK_OK);
    double r[2];
    assert_int_equal(mk_fit_data_residuals(&d, &run, r, &err), MK_ERR_NAME);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 5);
    mk_run_result_free(&run);
    mk_fit_data_free(&d);
}

/* The standardized residual of a target: in units of the published half-range on the side of
 * the miss; hinges for one-sided and ordinal targets; NaN for a run that failed. */
static void target_residuals(void **state)
{
    (void)state;
    mk_vresult v;
    memset(&v, 0, sizeof v);
    snprintf(v.compare, sizeof v.compare, "within");
    v.pub_value = 10, v.pub_lo = 8, v.pub_hi = 16, v.acc_lo = 8, v.acc_hi = 16;
    v.model = 19;
    assert_true(fabs(mk_fit_target_residual(&v, NULL, 0) - 1.5) < 1e-12);
    v.model = 7;
    assert_true(fabs(mk_fit_target_residual(&v, NULL, 0) + 1.5) < 1e-12);
    v.model = NAN;
    assert_true(isnan(mk_fit_target_residual(&v, NULL, 0)));
    v.model = 10;
    v.verdict = MK_V_ERROR;
    assert_true(isnan(mk_fit_target_residual(&v, NULL, 0)));
    v.verdict = MK_V_PASS;
    snprintf(v.compare, sizeof v.compare, "below");
    v.pub_value = 0, v.pub_lo = v.pub_hi = NAN, v.acc_hi = 0.2;
    v.model = 0.1;
    assert_true(mk_fit_target_residual(&v, NULL, 0) == 0);
    v.model = 0.6;
    assert_true(fabs(mk_fit_target_residual(&v, NULL, 0) - 2) < 1e-12); /* 0.4 beyond, slack 0.2 */
    snprintf(v.compare, sizeof v.compare, "above");
    v.pub_value = 1, v.acc_lo = 1, v.model = 0.8;
    assert_true(fabs(mk_fit_target_residual(&v, NULL, 0) - 2) < 1e-12); /* no slack: a tenth of the bound */
    snprintf(v.compare, sizeof v.compare, "ordinal");
    v.direction = 1, v.min_step = 0, v.n_items = 3;
    v.items[0] = 1, v.items[1] = 2, v.items[2] = 3;
    assert_true(mk_fit_target_residual(&v, NULL, 0) == 0);
    v.items[2] = 1.8; /* one step 0.2 the wrong way; scale a tenth of the mean magnitude (0.16) */
    assert_true(fabs(mk_fit_target_residual(&v, NULL, 0) - 0.2 / (0.1 * 4.8 / 3)) < 1e-9);
    v.items[1] = NAN;
    assert_true(isnan(mk_fit_target_residual(&v, NULL, 0)));
}

/* Identifiability on a toy Jacobian: y(t) = A B (1 - exp(-k t)) measured at four times with
 * SD 0.01, in ln k, ln A, ln B at k = 1, A B = 2.  k is identifiable; A and B only as the
 * product A B (their columns are equal: a null direction along which both cross their whole
 * range).  nudge adds nudge x k's column to B's (B also acts a little like k): at 0.05, k can
 * still move only 5 % of its range along the null direction while A and B cross theirs, so it
 * stays identifiable (with that 5 % in its SE); at 0.5 it moves half its range: not identifiable. */
static void identify_toy(double nudge, mk_fit_result *r)
{
    static const double t[4] = {0.5, 1, 2, 4};
    memset(r, 0, sizeof *r);
    r->k = 3, r->n_res = 4;
    r->jac = malloc(sizeof(double) * 12);
    assert_non_null(r->jac);
    for (int i = 0; i < 4; i++) {
        double dk = 2 * t[i] * exp(-t[i]) / 0.01, dab = 2 * (1 - exp(-t[i])) / 0.01;
        r->jac[i * 3 + 0] = dk, r->jac[i * 3 + 1] = dab, r->jac[i * 3 + 2] = dab + nudge * dk;
    }
    mk_error e = {0};
    assert_int_equal(mk_fit_identify(r, &e), MK_OK);
}

static void identifies_products(void **state)
{
    (void)state;
    mk_fit_result r;
    identify_toy(0, &r);
    assert_true(r.identifiable[0]);
    assert_true(isfinite(r.se_u[0]) && r.se_u[0] < 0.05);
    assert_false(r.identifiable[1]);
    assert_false(r.identifiable[2]);
    assert_non_null(strstr(r.why[1], "free over 100% of its range"));
    assert_non_null(strstr(r.why[2], "free over 100% of its range"));
    double se_pure = r.se_u[0];
    mk_fit_result_clear(&r);

    identify_toy(0.05, &r);
    assert_true(r.identifiable[0]);
    assert_false(r.identifiable[1]);
    assert_false(r.identifiable[2]);
    /* the 5 % of travel is in the SE: at least 0.05 / sqrt(12) */
    assert_true(r.se_u[0] >= 0.05 / sqrt(12.0) && r.se_u[0] > se_pure);
    mk_fit_result_clear(&r);

    identify_toy(0.5, &r);
    assert_false(r.identifiable[0]);
    assert_non_null(strstr(r.why[0], "free over 50% of its range"));
    assert_false(r.identifiable[1]);
    assert_false(r.identifiable[2]);
    mk_fit_result_clear(&r);
}

/* The calibration targets of a folder: chosen by glob, a validation target refused, a glob
 * that matches nothing named, each error an argument's; the residual function gives each
 * target's standardized residual, and the table a row per target. */
static void calibration_targets(void **state)
{
    (void)state;
    const char *root = getenv("MK_SOURCE_DIR");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/data/validation", root ? root : ".");
    mk_fit_targets *ts = NULL;
    mk_error err = {0};
    assert_int_equal(mk_fit_targets_load(dir, "healthy-ppt", &ts, &err), MK_OK);
    assert_int_equal(mk_fit_targets_count(ts), 1);
    assert_string_equal(mk_fit_targets_name(ts, 0), "healthy-ppt");
    assert_string_equal(mk_fit_targets_name(ts, 1), "");
    const mk_model_abi *abi = mk_builtin_find("tp_site");
    double r = NAN;
    assert_int_equal(mk_fit_targets_residuals(ts, abi, &r, &err), MK_OK);
    assert_true(isfinite(r) && fabs(r) < 1);
    mk_fit_param *p = NULL;
    int k = 0;
    assert_int_equal(mk_fit_select(abi, "noci.p_mech50", 0, &p, &k, &err), MK_OK);
    double after = 4000;
    mk_buf csv, txt;
    mk_buf_init(&csv);
    mk_buf_init(&txt);
    assert_int_equal(mk_fit_targets_table(ts, abi, p, k, &after, &csv, &txt, &err), MK_OK);
    assert_non_null(strstr(csv.data, "\nhealthy-ppt,calibration,"));
    assert_non_null(strstr(txt.data, "healthy-ppt"));
    mk_buf_free(&csv);
    mk_buf_free(&txt);
    free(p);
    mk_fit_targets_free(ts);

    /* every calibration target by default, none of the validation ones */
    assert_int_equal(mk_fit_targets_load(dir, NULL, &ts, &err), MK_OK);
    assert_true(mk_fit_targets_count(ts) > 10);
    mk_fit_targets_free(ts);

    ts = (mk_fit_targets *)&err; /* set to NULL on failure */
    assert_int_equal(mk_fit_targets_load(dir, "healthy-ppt,active-trp-ppt-deficit", &ts, &err), MK_ERR_INVALID);
    assert_null(ts);
    assert_int_equal(err.origin, MK_ORIGIN_ARGUMENT);
    assert_non_null(strstr(err.message, "refusing validation target active-trp-ppt-deficit"));
    assert_int_equal(mk_fit_targets_load(dir, "healthy-ppt,no-such-*", &ts, &err), MK_ERR_NAME);
    assert_int_equal(err.origin, MK_ORIGIN_ARGUMENT);
    assert_non_null(strstr(err.message, "matches 'no-such-*'"));
    assert_int_equal(mk_fit_targets_load(dir, " , ", &ts, &err), MK_ERR_INVALID);
    assert_int_equal(mk_fit_targets_load("/nonexistent/folder", NULL, &ts, &err), MK_ERR_IO);
    assert_int_equal(err.origin, MK_ORIGIN_ARGUMENT);
    mk_fit_targets_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(selects_assumed),
        cmocka_unit_test(recovers_known_parameters),
        cmocka_unit_test(deterministic),
        cmocka_unit_test(bad_data),
        cmocka_unit_test(target_residuals),
        cmocka_unit_test(identifies_products),
        cmocka_unit_test(calibration_targets),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
