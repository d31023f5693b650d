/*
 * test_sensitivity.c -- Morris screening (src/analysis/sensitivity.c) on a model with a known
 * answer: tests/analysis/ranking.myo, where y relaxes in 1 s to 10 a + b + 0 c + 0 w (ranges
 * 0 .. 1, w 0.01 .. 10).  At the end of a 30 s protocol the elementary effects are exactly 10
 * for a, 1 for b and 0 for c and w, whatever the design.
 *
 * Sobol indices (src/analysis/sobol.c) are checked against the Ishigami function's analytic
 * indices: the estimators on a C function at large N, and end to end on tests/analysis/
 * ishigami.myo at a modest N.  Both methods give bit-identical results with 1 and 2 workers.
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
#include "analysis/sensitivity.h"

static mk_model *g_model;
static mk_loaded *g_loaded;
static const mk_model_abi *g_abi;

static int setup(void **state)
{
    (void)state;
    char path[1024];
    mk_error err = {0};
    if (mk_model_parse_file(mk_test_path(path, sizeof path, "tests/analysis/ranking.myo"), &g_model, &err) ||
        mk_model_compile(g_model, NULL, &g_loaded, &err)) {
        fprintf(stderr, "setup: %s\n", err.message);
        return -1;
    }
    g_abi = mk_loaded_abi(g_loaded);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mk_loaded_free(g_loaded);
    mk_model_free(g_model);
    return 0;
}

static mk_protocol *protocol(void)
{
    mk_protocol *p = calloc(1, sizeof *p);
    assert_non_null(p);
    snprintf(p->name, sizeof p->name, "relax");
    p->duration_s = 30;
    p->output_every_s = 1;
    return p;
}

static int factor_of(const mk_morris_result *r, const char *name)
{
    for (int i = 0; i < r->k; i++)
        if (!strcmp(r->abi->params[r->factor[i].param].name, name)) return i;
    return -1;
}

static double mu_star(const mk_morris_result *r, const char *name, int o)
{
    int i = factor_of(r, name);
    assert_true(i >= 0);
    return r->mu_star[(size_t)i * (size_t)r->n_out + (size_t)o];
}

static void known_ranking(void **state)
{
    (void)state;
    mk_protocol *p = protocol();
    mk_morris_opts o;
    mk_morris_opts_default(&o);
    o.trajectories = 6;
    o.outputs = "f.y,f.target";
    o.seed = 42;
    mk_morris_result r;
    mk_error err = {0};
    mk_status rc = mk_morris_compute(g_abi, p, NULL, &o, &r, &err);
    if (rc) print_error("morris: %s\n", err.message);
    assert_int_equal(rc, MK_OK);
    assert_int_equal(r.k, 4);          /* a, b, c, w; tau has an empty range */
    assert_int_equal(r.n_skipped, 1);
    assert_int_equal(r.runs, 1 + 6 * 5);
    assert_int_equal(r.failed, 0);
    assert_int_equal(r.factor[factor_of(&r, "f.a")].log_scale, 0);
    assert_int_equal(r.factor[factor_of(&r, "f.w")].log_scale, 1); /* 0.01 .. 10: a factor of 1000 */
    assert_true(fabs(r.base[0] - 5.5) < 1e-4);                     /* 10 * 0.5 + 0.5 */
    for (int out = 0; out < 2; out++) {
        double tol = out == 0 ? 1e-4 : 1e-9; /* y is 30 time constants from its target */
        assert_true(fabs(mu_star(&r, "f.a", out) - 10) < 10 * tol);
        assert_true(fabs(mu_star(&r, "f.b", out) - 1) < tol);
        assert_true(mu_star(&r, "f.c", out) < tol);
        assert_true(mu_star(&r, "f.w", out) < tol);
        int i_a = factor_of(&r, "f.a");
        size_t at = (size_t)i_a * 2 + (size_t)out;
        assert_true(fabs(r.mu[at] - 10) < 10 * tol); /* positive effect */
        assert_true(r.sigma[at] < 10 * tol);         /* linear: no spread */
        assert_int_equal(r.n_ee[at], 6);
        int *rank = mk_morris_rank(&r, out);
        assert_non_null(rank);
        assert_int_equal(rank[0], i_a);
        assert_int_equal(rank[1], factor_of(&r, "f.b"));
        free(rank);
    }
    mk_buf b;
    mk_buf_init(&b);
    assert_int_equal(mk_morris_write_csv(&r, &b, &err), MK_OK);
    assert_non_null(strstr(b.data, "f.y,\"f.y at the end\",1,1,f.a,1,0,1,linear"));
    assert_non_null(strstr(b.data, ",f.w,1,0.01,10,log,"));
    mk_buf_free(&b);
    mk_morris_result_clear(&r);
    mk_protocol_free(p);
}

static void globs_and_determinism(void **state)
{
    (void)state;
    mk_protocol *p = protocol();
    mk_morris_opts o;
    mk_morris_opts_default(&o);
    o.trajectories = 3;
    o.outputs = "f.y";
    o.params = "f.a, f.c";
    mk_morris_result r1, r2;
    mk_error err = {0};
    assert_int_equal(mk_morris_compute(g_abi, p, NULL, &o, &r1, &err), MK_OK);
    assert_int_equal(r1.k, 2);
    assert_int_equal(mk_morris_compute(g_abi, p, NULL, &o, &r2, &err), MK_OK);
    for (int i = 0; i < r1.k * r1.n_out; i++) {
        assert_true(r1.mu[i] == r2.mu[i] || (isnan(r1.mu[i]) && isnan(r2.mu[i])));
        assert_true(r1.sigma[i] == r2.sigma[i] || (isnan(r1.sigma[i]) && isnan(r2.sigma[i])));
    }
    mk_morris_result_clear(&r1);
    mk_morris_result_clear(&r2);

    o.params = "nothing.*";
    assert_int_equal(mk_morris_compute(g_abi, p, NULL, &o, &r1, &err), MK_ERR_NAME);
    o.params = "f.tau";
    assert_int_equal(mk_morris_compute(g_abi, p, NULL, &o, &r1, &err), MK_ERR_INVALID);
    o.params = NULL;
    o.outputs = "f.nothing";
    assert_int_equal(mk_morris_compute(g_abi, p, NULL, &o, &r1, &err), MK_ERR_NAME);
    o.outputs = "ppt"; /* the model has no algometer inputs */
    assert_int_equal(mk_morris_compute(g_abi, p, NULL, &o, &r1, &err), MK_ERR_MODEL);
    o.outputs = "f.y";
    o.levels = 3;
    assert_int_equal(mk_morris_compute(g_abi, p, NULL, &o, &r1, &err), MK_ERR_INVALID);
    mk_protocol_free(p);
}

static void rng(void **state)
{
    (void)state;
    mk_rng a, b, c;
    mk_rng_seed(&a, 7);
    mk_rng_seed(&b, 7);
    mk_rng_seed(&c, 8);
    int same = 1, counts[4] = {0};
    for (int i = 0; i < 4000; i++) {
        unsigned long long x = mk_rng_next(&a);
        assert_true(x == mk_rng_next(&b));
        same &= x == mk_rng_next(&c);
        int k = mk_rng_below(&a, 4);
        assert_true(k >= 0 && k < 4);
        counts[k]++;
        mk_rng_below(&b, 4);
    }
    assert_false(same);
    for (int k = 0; k < 4; k++) assert_true(counts[k] > 850 && counts[k] < 1150);
}

/* ---------------------------------------------------------------- Sobol on Ishigami */

/* Ishigami and Homma (1990), a = 7, b = 0.1, x uniform on [-pi, pi]^3; the analytic indices. */
static const double k_s1[3] = {0.3139, 0.4424, 0.0}, k_st[3] = {0.5576, 0.4424, 0.2437};

static double ishigami(const double *u)
{
    double x1 = -M_PI + 2 * M_PI * u[0], x2 = -M_PI + 2 * M_PI * u[1], x3 = -M_PI + 2 * M_PI * u[2];
    return sin(x1) + 7 * sin(x2) * sin(x2) + 0.1 * pow(x3, 4) * sin(x1);
}

static void sobol_estimator_ishigami(void **state)
{
    (void)state;
    enum { N = 8192, K = 3 };
    double *A = malloc(sizeof *A * N * K), *B = malloc(sizeof *B * N * K), *yA = malloc(sizeof *yA * N),
           *yB = malloc(sizeof *yB * N), *yAB = malloc(sizeof *yAB * N * K);
    assert_non_null(A), assert_non_null(B), assert_non_null(yA), assert_non_null(yB), assert_non_null(yAB);
    mk_error err = {0};
    assert_int_equal(mk_sobol_sample(N, K, A, B, &err), MK_OK);
    for (int j = 0; j < N; j++) {
        yA[j] = ishigami(A + j * K);
        yB[j] = ishigami(B + j * K);
        for (int i = 0; i < K; i++) {
            double ab[K];
            memcpy(ab, A + j * K, sizeof ab);
            ab[i] = B[j * K + i];
            yAB[i * N + j] = ishigami(ab);
        }
    }
    double s1[K], st[K], s1l[K], s1h[K], stl[K], sth[K], mean, var;
    int used = 0;
    assert_int_equal(mk_sobol_estimate(N, K, yA, yB, yAB, 200, 3, s1, st, s1l, s1h, stl, sth, &used, NULL, &mean, &var, &err),
                     MK_OK);
    assert_int_equal(used, N);
    /* the analytic variance: a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2 = 13.845 */
    assert_true(fabs(var - 13.845) < 0.2);
    for (int i = 0; i < K; i++) {
        assert_true(fabs(s1[i] - k_s1[i]) < 0.02);
        assert_true(fabs(st[i] - k_st[i]) < 0.02);
        /* the intervals bracket the estimate and are narrow at this N */
        assert_true(s1l[i] <= s1[i] && s1[i] <= s1h[i] && s1h[i] - s1l[i] < 0.1);
        assert_true(stl[i] <= st[i] && st[i] <= sth[i] && sth[i] - stl[i] < 0.1);
    }
    /* an output far from zero against its spread (Ishigami + 1000): the same indices; an
     * estimator that does not centre f(B) is off by about 2 here */
    for (int j = 0; j < N; j++) {
        yA[j] += 1000, yB[j] += 1000;
        for (int i = 0; i < K; i++) yAB[i * N + j] += 1000;
    }
    assert_int_equal(mk_sobol_estimate(N, K, yA, yB, yAB, 0, 3, s1, st, NULL, NULL, NULL, NULL, &used, NULL, NULL, NULL,
                                       &err),
                     MK_OK);
    for (int i = 0; i < K; i++) assert_true(fabs(s1[i] - k_s1[i]) < 0.02 && fabs(st[i] - k_st[i]) < 0.02);
    /* a failed f(AB_1) leaves its row out of factor 1's sums only; a failed f(A) the whole row */
    int rows[K];
    yAB[1 * N + 5] = NAN;
    yA[9] = NAN;
    assert_int_equal(mk_sobol_estimate(N, K, yA, yB, yAB, 0, 3, s1, st, NULL, NULL, NULL, NULL, &used, rows, NULL, NULL,
                                       &err),
                     MK_OK);
    assert_int_equal(used, N - 1);
    assert_int_equal(rows[0], N - 1);
    assert_int_equal(rows[1], N - 2);
    assert_int_equal(rows[2], N - 1);
    for (int i = 0; i < K; i++) assert_true(fabs(st[i] - k_st[i]) < 0.02 && fabs(s1[i] - k_s1[i]) < 0.02);
    /* a constant output has no variance to share out */
    for (int j = 0; j < N; j++) yA[j] = yB[j] = 1, yAB[j] = yAB[N + j] = yAB[2 * N + j] = 1;
    assert_int_equal(mk_sobol_estimate(N, K, yA, yB, yAB, 0, 3, s1, st, NULL, NULL, NULL, NULL, &used, NULL, NULL, NULL,
                                       &err),
                     MK_OK);
    assert_true(isnan(s1[0]) && isnan(st[2]));
    /* GSL's sequence has 40 dimensions: two per factor */
    assert_int_equal(mk_sobol_sample(4, MK_SOBOL_MAX_FACTORS + 1, A, B, &err), MK_ERR_INVALID);
    free(A), free(B), free(yA), free(yB), free(yAB);
}

static void sobol_model_ishigami(void **state)
{
    (void)state;
    char path[1024];
    mk_error err = {0};
    mk_model *m = NULL;
    mk_loaded *ld = NULL;
    if (mk_model_parse_file(mk_test_path(path, sizeof path, "tests/analysis/ishigami.myo"), &m, &err) ||
        mk_model_compile(m, NULL, &ld, &err))
        fail_msg("ishigami.myo: %s", err.message);
    const mk_model_abi *abi = mk_loaded_abi(ld);
    mk_protocol *p = protocol();
    p->duration_s = 1;
    mk_sobol_opts o;
    mk_sobol_opts_default(&o);
    o.samples = 512;
    o.bootstrap = 100;
    o.outputs = "ish.y";
    mk_sobol_result r1, r2;
    mk_status rc = mk_sobol_compute(abi, p, NULL, &o, &r1, &err);
    if (rc) print_error("sobol: %s\n", err.message);
    assert_int_equal(rc, MK_OK);
    assert_int_equal(r1.k, 3);
    assert_int_equal(r1.runs, 1 + 512 * 5);
    assert_int_equal(r1.failed, 0);
    assert_true(fabs(r1.base[0]) < 1e-12); /* every x at 0 */
    for (int i = 0; i < 3; i++) {
        assert_true(fabs(r1.s1[i] - k_s1[i]) < 0.05);
        assert_true(fabs(r1.st[i] - k_st[i]) < 0.05);
    }
    int *rank = mk_sobol_rank(&r1, 0);
    assert_non_null(rank);
    assert_int_equal(rank[0], 0); /* ST: x1 > x2 > x3 */
    assert_int_equal(rank[1], 1);
    free(rank);
    /* the same result with two workers, to the bit */
    o.jobs = 2;
    assert_int_equal(mk_sobol_compute(abi, p, NULL, &o, &r2, &err), MK_OK);
    assert_int_equal(r2.jobs, 2);
    assert_memory_equal(r1.s1, r2.s1, 3 * sizeof *r1.s1);
    assert_memory_equal(r1.st_lo, r2.st_lo, 3 * sizeof *r1.st_lo);
    assert_memory_equal(r1.s1_hi, r2.s1_hi, 3 * sizeof *r1.s1_hi);
    mk_buf b;
    mk_buf_init(&b);
    assert_int_equal(mk_sobol_write_csv(&r1, &b, &err), MK_OK);
    assert_non_null(strstr(b.data, "ish.y,\"ish.y at the end\",1,1,ish.x1,1,-3.14159,3.14159,linear,0,"));
    mk_buf_free(&b);
    mk_sobol_result_clear(&r1);
    mk_sobol_result_clear(&r2);
    mk_protocol_free(p);
    mk_loaded_free(ld);
    mk_model_free(m);
}

/* Morris: the same design and results with 1 and 3 workers. */
static void morris_jobs(void **state)
{
    (void)state;
    mk_protocol *p = protocol();
    mk_morris_opts o;
    mk_morris_opts_default(&o);
    o.trajectories = 5;
    o.outputs = "f.y";
    o.seed = 9;
    mk_morris_result r1, r2;
    mk_error err = {0};
    assert_int_equal(mk_morris_compute(g_abi, p, NULL, &o, &r1, &err), MK_OK);
    o.jobs = 3;
    assert_int_equal(mk_morris_compute(g_abi, p, NULL, &o, &r2, &err), MK_OK);
    assert_int_equal(r2.jobs, 3);
    assert_int_equal(r1.runs, r2.runs);
    assert_memory_equal(r1.mu, r2.mu, (size_t)r1.k * sizeof *r1.mu);
    assert_memory_equal(r1.mu_star, r2.mu_star, (size_t)r1.k * sizeof *r1.mu_star);
    assert_memory_equal(r1.sigma, r2.sigma, (size_t)r1.k * sizeof *r1.sigma);
    mk_morris_result_clear(&r1);
    mk_morris_result_clear(&r2);
    mk_protocol_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_ranking),
        cmocka_unit_test(globs_and_determinism),
        cmocka_unit_test(rng),
        cmocka_unit_test(sobol_estimator_ishigami),
        cmocka_unit_test(sobol_model_ishigami),
        cmocka_unit_test(morris_jobs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
