/*
 * test_cont.c -- Newton continuation (src/analysis/cont*.c) on models with a known answer:
 *   fold.myo      dy/dt = p + y - y^3/3: folds at p = -+2/3, middle branch unstable;
 *   bistable.myo  dx/dt = r + x - x^3: folds at r = -+2/(3 sqrt 3);
 *   hopf.myo      Hopf normal form: a Hopf point at mu = 0.3 with omega = 2 rad/s;
 *   adapt.myo     fast bistable x, slow a: frozen a = 0.5 gives folds at 0.5 -+ 2/3, free a
 *                 gives no fold and Hopf points at p = +-0.284605 (omega 0.3 rad/s);
 *   runaway.myo   steady states only for p < 1: unconverged points beyond, no verdict there;
 *   decay         (built in) with k = 0 and an inflow: no steady state at all;
 *   exchange.myo  a <-> b with a + b conserved (a singular dF/dy) and a cubic flux in b - a:
 *                 on a + b = 4, folds at p = -+2/3, middle branch unstable, the law's zero
 *                 eigenvalue not counted;
 *   atbound.myo   y = p^2 and a state g >= 0 that rests at its bound 0 on the branch, with a
 *                 Newton step pointing below it from every point off the branch;
 *   slowmode.myo  eigenvalues -1000 and -1e-8 1/s: the slow one within the differencing noise
 *                 of zero, neither stable nor unstable, and said so.
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
#include "analysis/cont.h"

enum { FOLD, BISTABLE, HOPF, ADAPT, RUNAWAY, EXCHANGE, ATBOUND, SLOWMODE, N_MODELS };
static const char *const k_files[N_MODELS] = {"fold", "bistable", "hopf", "adapt", "runaway", "exchange", "atbound", "slowmode"};
static mk_model *g_model[N_MODELS];
static mk_loaded *g_loaded[N_MODELS];
static const mk_model_abi *g_abi[N_MODELS];

static int setup(void **state)
{
    (void)state;
    for (int i = 0; i < N_MODELS; i++) {
        char path[1024], rel[128];
        mk_error err = {0};
        snprintf(rel, sizeof rel, "tests/analysis/%s.myo", k_files[i]);
        if (mk_model_parse_file(mk_test_path(path, sizeof path, rel), &g_model[i], &err) ||
            mk_model_compile(g_model[i], NULL, &g_loaded[i], &err)) {
            fprintf(stderr, "setup: %s\n", err.message);
            return -1;
        }
        g_abi[i] = mk_loaded_abi(g_loaded[i]);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < N_MODELS; i++) {
        mk_loaded_free(g_loaded[i]);
        mk_model_free(g_model[i]);
    }
    return 0;
}

static void opts(mk_cont_opts *o, const mk_model_abi *abi, const char *param, double from, double to)
{
    mk_cont_opts_default(o);
    o->kind = MK_SYM_PARAM;
    o->index = mk_abi_find(abi, MK_SYM_PARAM, param);
    assert_true(o->index >= 0);
    o->from = from;
    o->to = to;
    o->settle_s = 200;
}

static void run(const mk_model_abi *abi, const mk_cont_opts *o, mk_cont_result *r)
{
    mk_solver *s = NULL;
    mk_error err = {0};
    assert_int_equal(mk_solver_new(abi, NULL, &s, &err), MK_OK);
    mk_status rc = mk_cont_compute(s, o, r, &err);
    if (rc) print_error("continuation: %s\n", err.message);
    assert_int_equal(rc, MK_OK);
    mk_solver_free(s);
}

/* the located special points of a kind, sorted as found; returns their number */
static int specials(const mk_cont_result *r, int kind, const mk_cont_point **out, int max)
{
    int n = 0;
    for (int k = 0; k < r->n; k++)
        if (r->pt[k].info.kind == kind && r->pt[k].info.converged && n < max) out[n++] = &r->pt[k];
    return n;
}

static char *report(const mk_cont_result *r)
{
    mk_buf b;
    mk_buf_init(&b);
    mk_cont_report(r, &b);
    return b.data; /* freed by the caller */
}

static void fold_normal_form(void **state)
{
    (void)state;
    mk_cont_opts o;
    opts(&o, g_abi[FOLD], "cubic.p", -2, 2);
    mk_cont_result r;
    run(g_abi[FOLD], &o, &r);
    const mk_cont_point *f[4];
    assert_int_equal(specials(&r, MK_CONT_FOLD, f, 4), 2);
    /* the lower branch folds first at p = 2/3 (y = -1), then the middle one at -2/3 (y = 1) */
    assert_true(fabs(f[0]->info.p - 2.0 / 3) < 1e-6 && fabs(f[0]->y[0] + 1) < 1e-3);
    assert_true(fabs(f[1]->info.p + 2.0 / 3) < 1e-6 && fabs(f[1]->y[0] - 1) < 1e-3);
    assert_int_equal(r.n_unconverged, 0);
    assert_int_equal(r.n_hopf, 0);
    for (int k = 0; k < r.n; k++) {
        const mk_cont_point *p = &r.pt[k];
        double y = p->y[0];
        assert_true(fabs(p->info.p + y - y * y * y / 3) < 1e-6); /* a steady state, to newton_tol */
        if (p->info.kind == MK_CONT_REGULAR) assert_int_equal(p->info.n_unstable, fabs(y) < 1 ? 1 : 0);
    }
    /* the whole S is one branch from A to B; the seed at B lies on it */
    assert_int_equal(r.n_branches, 1);
    assert_int_equal(r.n_seeds_skipped, 1);
    double lo[2], hi[2], cov = 0;
    assert_int_equal(mk_cont_coexistence(&r, lo, hi, 2, &cov), 1);
    assert_true(fabs(lo[0] + 2.0 / 3) < 1e-6 && fabs(hi[0] - 2.0 / 3) < 1e-6);
    assert_true(fabs(cov - 1) < 1e-12);
    char *text = report(&r);
    assert_non_null(strstr(text, "2 stable steady states coexist (3 steady states in all)"));
    assert_non_null(strstr(text, "none frozen"));
    free(text);
    mk_cont_result_clear(&r);
}

static void bistable_folds_downwards(void **state)
{
    (void)state;
    const double rf = 0.38490017945975050; /* 2 / (3 sqrt 3) */
    mk_cont_opts o;
    opts(&o, g_abi[BISTABLE], "cusp.r", 1, -1); /* swept downwards */
    mk_cont_result r;
    run(g_abi[BISTABLE], &o, &r);
    const mk_cont_point *f[4];
    assert_int_equal(specials(&r, MK_CONT_FOLD, f, 4), 2);
    assert_true(fabs(fabs(f[0]->info.p) - rf) < 1e-6 && fabs(fabs(f[1]->info.p) - rf) < 1e-6);
    assert_true(f[0]->info.p < 0 && f[1]->info.p > 0); /* downwards: the upper branch folds at -rf first */
    mk_cont_result_clear(&r);
}

static void hopf_normal_form(void **state)
{
    (void)state;
    mk_cont_opts o;
    opts(&o, g_abi[HOPF], "osc.mu", -1, 1);
    mk_cont_result r;
    run(g_abi[HOPF], &o, &r);
    const mk_cont_point *h[4];
    assert_int_equal(specials(&r, MK_CONT_HOPF, h, 4), 1);
    assert_true(fabs(h[0]->info.p - 0.3) < 1e-6);
    assert_true(fabs(h[0]->info.omega - 2) < 1e-4);
    assert_int_equal(r.n_folds, 0);
    for (int k = 0; k < r.n; k++) {
        const mk_cont_point *p = &r.pt[k];
        assert_true(p->info.converged);
        assert_true(fabs(p->y[0] - 1) < 1e-9 && fabs(p->y[1]) < 1e-9);
        if (p->info.kind != MK_CONT_HOPF) assert_int_equal(p->info.n_unstable, p->info.p > 0.3 ? 2 : 0);
    }
    char *text = report(&r);
    assert_non_null(strstr(text, "Hopf point at osc.mu = 0.3"));
    assert_non_null(strstr(text, "no stable steady state (1 unstable)"));
    free(text);
    mk_cont_result_clear(&r);
}

static void slow_state_free_or_frozen(void **state)
{
    (void)state;
    mk_cont_opts o;
    mk_cont_result r;
    const mk_cont_point *s[4];
    /* free: a true steady state, no fold, two Hopf points */
    opts(&o, g_abi[ADAPT], "fs.p", -2, 2);
    run(g_abi[ADAPT], &o, &r);
    assert_int_equal(r.n_folds, 0);
    assert_int_equal(specials(&r, MK_CONT_HOPF, s, 4), 2);
    assert_true(fabs(s[0]->info.p + 0.284605) < 1e-5 && fabs(s[1]->info.p - 0.284605) < 1e-5);
    assert_true(fabs(s[0]->info.omega - 0.3) < 1e-4);
    assert_int_equal(r.n_frozen, 0);
    mk_cont_result_clear(&r);
    /* frozen at 0.5: a quasi-steady state with folds at 0.5 -+ 2/3 */
    opts(&o, g_abi[ADAPT], "fs.p", -2, 2);
    o.freeze = "fs.a=0.5";
    run(g_abi[ADAPT], &o, &r);
    assert_int_equal(r.n_frozen, 1);
    assert_int_equal(specials(&r, MK_CONT_FOLD, s, 4), 2);
    assert_true(fabs(s[0]->info.p - (0.5 + 2.0 / 3)) < 1e-6 && fabs(s[1]->info.p - (0.5 - 2.0 / 3)) < 1e-6);
    for (int k = 0; k < r.n; k++) assert_true(r.pt[k].y[1] == 0.5);
    char *text = report(&r);
    assert_non_null(strstr(text, "1 of 2 frozen"));
    assert_non_null(strstr(text, "fs.a = 0.5"));
    free(text);
    mk_cont_result_clear(&r);
}

static void unconverged_points_give_no_verdict(void **state)
{
    (void)state;
    mk_cont_opts o;
    opts(&o, g_abi[RUNAWAY], "drift.p", 0, 2);
    mk_cont_result r;
    run(g_abi[RUNAWAY], &o, &r);
    assert_true(r.n_unconverged >= 5); /* the grid values above p = 1 */
    for (int k = 0; k < r.n; k++) {
        const mk_cont_point *p = &r.pt[k];
        if (p->info.converged) assert_true(p->info.p < 1 && fabs(p->y[0] - p->info.p / (1 - p->info.p)) < 1e-6 * fmax(1, p->y[0]));
        else assert_true(p->info.p >= 1 && p->info.n_unstable == -1);
    }
    double cov = 0;
    assert_int_equal(mk_cont_coexistence(&r, NULL, NULL, 0, &cov), 0);
    assert_true(cov > 0.45 && cov < 0.5 + 1e-9); /* converged only below p = 1 */
    char *text = report(&r);
    assert_non_null(strstr(text, "no converged steady state found: no verdict here"));
    assert_null(strstr(text, "none on the branches found")); /* no sweeping statement */
    free(text);
    mk_cont_result_clear(&r);

    /* decay with k = 0 and an inflow: nothing converges, no verdict at all */
    const mk_model_abi *decay = mk_builtin_find("decay");
    assert_non_null(decay);
    mk_cont_opts_default(&o);
    o.kind = MK_SYM_INPUT;
    o.index = 0;
    o.from = 1, o.to = 2, o.steps = 4, o.settle_s = 10;
    mk_solver *s = NULL;
    mk_error err = {0};
    assert_int_equal(mk_solver_new(decay, NULL, &s, &err), MK_OK);
    assert_int_equal(mk_solver_set_param(s, mk_abi_find(decay, MK_SYM_PARAM, "pool.k"), 0, &err), MK_OK);
    assert_int_equal(mk_cont_compute(s, &o, &r, &err), MK_OK);
    mk_solver_free(s);
    assert_int_equal(r.n_unconverged, r.n);
    assert_true(r.n >= 5);
    text = report(&r);
    assert_non_null(strstr(text, "Verdict: none"));
    free(text);
    mk_cont_result_clear(&r);
}

/* A conserved total: Newton converges on the run's family member (a + b = 4), the folds and
 * the unstable middle branch are those of the reduced cubic, and the stable branches count no
 * unstable or neutral direction for the law (their slowest relaxation is finite). */
static void conserved_total(void **state)
{
    (void)state;
    mk_cont_opts o;
    opts(&o, g_abi[EXCHANGE], "pools.p", -2, 2);
    mk_cont_result r;
    run(g_abi[EXCHANGE], &o, &r);
    assert_int_equal(r.n_unconverged, 0);
    assert_true(r.n > 20);
    const mk_cont_point *f[4];
    assert_int_equal(specials(&r, MK_CONT_FOLD, f, 4), 2);
    assert_true(fabs(f[0]->info.p - 2.0 / 3) < 1e-6 && fabs(f[1]->info.p + 2.0 / 3) < 1e-6);
    for (int k = 0; k < r.n; k++) {
        const mk_cont_point *p = &r.pt[k];
        double a = p->y[0], b = p->y[1], x = b - a;
        assert_true(fabs(a + b - 4) < 1e-9);                  /* the run's total, not another one */
        assert_true(fabs(p->info.p + x - x * x * x / 3) < 1e-6);  /* a steady state */
        if (p->info.kind != MK_CONT_REGULAR) continue;
        assert_int_equal(p->info.n_unstable, fabs(x) < 1 ? 1 : 0);
        /* the one eigenvalue on a + b = 4 is 2 (1 - x^2) / tau */
        assert_true(fabs(p->info.max_re - 2 * (1 - x * x)) < 1e-5 * fmax(1, fabs(p->info.max_re)));
        if (fabs(x) > 1.01) assert_true(isfinite(p->info.slowest_s) && fabs(p->info.slowest_s * 2 * (x * x - 1) - 1) < 1e-4);
    }
    double lo[2], hi[2], cov = 0;
    assert_int_equal(mk_cont_coexistence(&r, lo, hi, 2, &cov), 1);
    assert_true(fabs(lo[0] + 2.0 / 3) < 1e-6 && fabs(hi[0] - 2.0 / 3) < 1e-6);
    mk_cont_result_clear(&r);
}

/* A state that rests at its bound: the corrector must not stall on the Newton component that
 * points below the bound (KINSOL alone scaled the whole step to nothing there, and the branch
 * crawled through the budget of 2000 points to p = 0.25, then left gaps). */
static void state_resting_at_its_bound(void **state)
{
    (void)state;
    mk_cont_opts o;
    opts(&o, g_abi[ATBOUND], "rest.p", 0, 2);
    mk_cont_result r;
    run(g_abi[ATBOUND], &o, &r);
    assert_int_equal(r.n_unconverged, 0);
    assert_int_equal(r.n_branches, 1);
    assert_int_equal(r.n_seeds_skipped, 1);
    assert_true(r.n < 100); /* about 50 with the default 20 steps */
    for (int k = 0; k < r.n; k++) {
        const mk_cont_point *p = &r.pt[k];
        double y = mk_cont_get(&r, p, "rest.y", NULL), g = mk_cont_get(&r, p, "rest.g", NULL);
        /* a steady state: newton_tol (1e-6) bounds the next scaled step of the bordered system,
         * which is shorter than the distance at fixed p where the branch is steep (dp/ds 0.4) */
        assert_true(fabs(y - p->info.p * p->info.p) < 1e-5 * fmax(1, y));
        assert_true(g >= 0 && g < 1e-9);
        assert_int_equal(p->info.n_unstable, 0);
    }
    double cov = 0;
    assert_int_equal(mk_cont_coexistence(&r, NULL, NULL, 0, &cov), 0);
    assert_true(fabs(cov - 1) < 1e-12); /* converged over the whole range */
    mk_cont_result_clear(&r);
}

/* An eigenvalue below the differencing noise (1e-9 of the largest |eigenvalue|) has no sign: it
 * is counted neither stable nor unstable and is left out of the slowest relaxation; the report
 * says that such eigenvalues exist and how slow they are at least, instead of giving the fast
 * state's millisecond as the slowest relaxation and nothing else. */
static void eigenvalue_within_noise_of_zero(void **state)
{
    (void)state;
    mk_cont_opts o;
    opts(&o, g_abi[SLOWMODE], "fs.p", 0, 1);
    o.settle_s = 1;
    mk_cont_result r;
    run(g_abi[SLOWMODE], &o, &r);
    assert_int_equal(r.n_unconverged, 0);
    for (int k = 0; k < r.n; k++) {
        const mk_cont_point *p = &r.pt[k];
        assert_int_equal(p->info.n_unstable, 0);
        assert_int_equal(p->info.n_neutral, 1);
        assert_true(fabs(p->info.zero_re - 1e-6) < 1e-9);          /* 1e-9 of |-1000| */
        assert_true(fabs(p->info.slowest_s - 1e-3) < 1e-8);        /* the fast state only */
        assert_true(fabs(mk_cont_get(&r, p, "fs.a", NULL) - p->info.p) < 1e-6); /* a steady state all the same */
    }
    char *text = report(&r);
    assert_non_null(strstr(text, "Eigenvalues within the noise of zero: up to 1 per stable point with |Re| at most 1e-06 1/s"));
    assert_non_null(strstr(text, "slower than 1e+06 s (11.6 days)"));
    free(text);
    mk_cont_result_clear(&r);
}

static void bad_options_are_refused(void **state)
{
    (void)state;
    mk_cont_opts o;
    mk_cont_result r;
    mk_solver *s = NULL;
    mk_error err = {0};
    assert_int_equal(mk_solver_new(g_abi[ADAPT], NULL, &s, &err), MK_OK);
    opts(&o, g_abi[ADAPT], "fs.p", -2, 2);
    o.freeze = "fs.*";
    assert_int_equal(mk_cont_compute(s, &o, &r, &err), MK_ERR_INVALID);
    assert_non_null(strstr(err.message, "every state"));
    o.freeze = "fs.nothing";
    assert_int_equal(mk_cont_compute(s, &o, &r, &err), MK_ERR_NAME);
    assert_non_null(strstr(err.message, "no state of model 'adapt' matches 'fs.nothing'"));
    o.freeze = "fs.a=abc";
    assert_int_equal(mk_cont_compute(s, &o, &r, &err), MK_ERR_INVALID);
    o.freeze = NULL;
    o.to = o.from;
    assert_int_equal(mk_cont_compute(s, &o, &r, &err), MK_ERR_INVALID);
    mk_solver_free(s);
}

/* The public handle (mk_cont_run and the accessors) gives what the record holds: every point's
 * fields, states and variables, the counts, the frozen states; out of range is refused. */
static void handle_matches_record(void **state)
{
    (void)state;
    mk_cont_opts o;
    opts(&o, g_abi[ADAPT], "fs.p", -2, 2);
    o.freeze = "fs.a=0.5";
    mk_cont_result rec;
    run(g_abi[ADAPT], &o, &rec);
    mk_solver *s = NULL;
    mk_error err = {0};
    mk_cont_result *h = NULL;
    assert_int_equal(mk_solver_new(g_abi[ADAPT], NULL, &s, &err), MK_OK);
    assert_int_equal(mk_cont_run(s, &o, &h, &err), MK_OK);
    mk_solver_free(s);
    assert_ptr_equal(mk_cont_result_abi(h), g_abi[ADAPT]);
    assert_int_equal(mk_cont_result_points(h), rec.n);
    assert_true(rec.n > 10);
    const char *unit = NULL;
    assert_string_equal(mk_cont_result_swept(h, &unit), "fs.p");
    assert_string_equal(unit, rec.unit);
    assert_string_equal(mk_cont_result_watch(h, &unit), rec.watch);
    assert_string_equal(unit, rec.watch_unit);
    assert_int_equal(mk_cont_result_branches(h), rec.n_branches);
    assert_int_equal(mk_cont_result_seeds_skipped(h), rec.n_seeds_skipped);
    assert_int_equal(mk_cont_result_unconverged(h), rec.n_unconverged);
    assert_int_equal(mk_cont_result_folds(h), 2);
    assert_int_equal(mk_cont_result_hopf(h), rec.n_hopf);
    long it = -1, ev = -1;
    mk_cont_result_cost(h, &it, &ev);
    assert_true(it > 0 && ev > it);
    assert_true(mk_cont_result_wall_s(h) >= 0);
    int ia = mk_abi_find(g_abi[ADAPT], MK_SYM_STATE, "fs.a"), ix = mk_abi_find(g_abi[ADAPT], MK_SYM_STATE, "fs.x");
    double fv = 0;
    assert_int_equal(mk_cont_result_frozen(h, ia, &fv), 1);
    assert_true(fv == 0.5);
    assert_int_equal(mk_cont_result_frozen(h, ix, &fv), 0);
    assert_int_equal(mk_cont_result_frozen(h, 99, NULL), 0);
    double *col = malloc((size_t)rec.n * sizeof *col), *ps = malloc((size_t)rec.n * sizeof *ps);
    assert_int_equal(mk_cont_result_column(h, "fs.x", col, &err), MK_OK);
    assert_int_equal(mk_cont_result_column(h, NULL, ps, &err), MK_OK);
    for (int k = 0; k < rec.n; k++) {
        mk_cont_point_info p;
        const mk_cont_point *q = &rec.pt[k];
        assert_int_equal(mk_cont_result_point(h, k, &p, &err), MK_OK);
        assert_int_equal(p.branch, q->info.branch);
        assert_int_equal(p.segment, q->info.segment);
        assert_int_equal(p.kind, q->info.kind);
        assert_int_equal(p.converged, q->info.converged);
        assert_int_equal(p.n_unstable, q->info.n_unstable);
        assert_true(p.p == q->info.p && ps[k] == q->info.p);
        assert_true(p.newton_step == q->info.newton_step);
        assert_true(col[k] == q->y[ix]);
        assert_true(mk_cont_result_get(h, k, "fs.x", &unit) == q->y[ix]);
    }
    free(col);
    free(ps);
    mk_cont_point_info p;
    assert_int_equal(mk_cont_result_point(h, rec.n, &p, &err), MK_ERR_INVALID);
    assert_int_equal(mk_cont_result_point(h, -1, &p, &err), MK_ERR_INVALID);
    assert_true(isnan(mk_cont_result_get(h, rec.n, "fs.x", NULL)));
    assert_true(isnan(mk_cont_result_get(h, 0, "fs.nothing", NULL)));
    assert_int_equal(mk_cont_result_column(h, "fs.nothing", &fv, &err), MK_ERR_NAME);
    assert_non_null(strstr(err.message, "fs.nothing"));
    char *a = report(&rec), *b = NULL;
    mk_buf hb;
    mk_buf_init(&hb);
    mk_cont_report(h, &hb);
    b = hb.data;
    assert_string_equal(a, b);
    free(a);
    free(b);
    mk_cont_result_free(h);
    mk_cont_result_clear(&rec);
    mk_cont_result_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fold_normal_form),
        cmocka_unit_test(bistable_folds_downwards),
        cmocka_unit_test(hopf_normal_form),
        cmocka_unit_test(slow_state_free_or_frozen),
        cmocka_unit_test(unconverged_points_give_no_verdict),
        cmocka_unit_test(conserved_total),
        cmocka_unit_test(state_resting_at_its_bound),
        cmocka_unit_test(eigenvalue_within_noise_of_zero),
        cmocka_unit_test(bad_options_are_refused),
        cmocka_unit_test(handle_matches_record),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
