/*
 * test_solver.c -- the CVODE seam checked against problems with known solutions.
 *
 * The models are written by hand here (not generated) so that a failure points at the
 * solver and nothing else:
 *   decay   x' = -k x                      x(t) = x0 e^{-k t}
 *   osc     x'' + 2 zeta omega x' + omega^2 x = 0, underdamped, from rest
 *   drive   x' = u - k x, u piecewise constant: x relaxes to u/k on each piece
 *   bad     a right-hand side that turns NaN
 *   clock   no states at all, one algebraic variable
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "myoknot.h"

/* ------------------------------------------------------------------ symbol helpers */

#define SYM(NAME, UNIT, VALUE) \
    {.name = NAME, .unit = UNIT, .doc = "", .source = "test", .value = VALUE, .lo = NAN, \
     .hi = NAN, .diffusion_m2_s = NAN, .si_scale = 1.0, .si_offset = 0.0, .is_output = 0, \
     .line = 0}

#define COUNT(A) ((int)(sizeof(A) / sizeof((A)[0])))

/* Symbol tables of the model; a kind the model lacks is given as NULL with count 0. */
#define ABI(NAME, P, NP, S, NS, I, NI, V, NV, RHS)                                          \
    {.abi_version = MK_MODEL_ABI_VERSION, .name = NAME, .doc = "test model", .hash = "0",  \
     .source = "", .generator = "test_solver.c", .n_params = NP, .n_states = NS,          \
     .n_inputs = NI, .n_vars = NV, .params = P, .states = S, .inputs = I, .vars = V,      \
     .rhs = RHS}

/* ------------------------------------------------------------------ decay: x' = -k x */

static const mk_symbol decay_params[] = {SYM("decay.k", "1/s", 0.5)};
static const mk_symbol decay_states[] = {SYM("decay.x", "mM", 1.0)};
static const mk_symbol decay_vars[] = {SYM("decay.rate", "mM/s", NAN)};

static void decay_rhs(double t_s, const double *y, double *ydot, const double *inputs,
                      const double *params, double *vars)
{
    (void)t_s;
    (void)inputs;
    ydot[0] = -params[0] * y[0];
    if (vars) vars[0] = params[0] * y[0]; /* rate of loss, positive */
}

static const mk_model_abi decay_abi =
    ABI("decay", decay_params, COUNT(decay_params), decay_states, COUNT(decay_states), NULL, 0,
        decay_vars, COUNT(decay_vars), decay_rhs);

static double decay_exact(double x0, double k_per_s, double t_s)
{
    return x0 * exp(-k_per_s * t_s);
}

/* ------------------------------------------------------------------ damped oscillator */

static const mk_symbol osc_params[] = {SYM("osc.omega", "1/s", 2.0), SYM("osc.zeta", "1", 0.1)};
static const mk_symbol osc_states[] = {SYM("osc.x", "m", 1.0), SYM("osc.v", "m/s", 0.0)};

static void osc_rhs(double t_s, const double *y, double *ydot, const double *inputs,
                    const double *params, double *vars)
{
    (void)t_s;
    (void)inputs;
    (void)vars;
    double omega = params[0], zeta = params[1];
    ydot[0] = y[1];
    ydot[1] = -2.0 * zeta * omega * y[1] - omega * omega * y[0];
}

static const mk_model_abi osc_abi = ABI("osc", osc_params, COUNT(osc_params), osc_states,
                                        COUNT(osc_states), NULL, 0, NULL, 0, osc_rhs);

/* Underdamped, x(0) = 1, v(0) = 0. */
static double osc_exact_x(double t_s)
{
    const double omega = 2.0, zeta = 0.1;
    double wd = omega * sqrt(1.0 - zeta * zeta);
    return exp(-zeta * omega * t_s) * (cos(wd * t_s) + zeta * omega / wd * sin(wd * t_s));
}

/* ------------------------------------------------------------------ drive: x' = u - k x */

/* The latest time at which the drive model was evaluated: the one place where a test needs
 * to look inside the integrator (it must never look beyond a breakpoint). */
static double g_drive_max_t_s = -INFINITY;

static const mk_symbol drive_params[] = {SYM("drive.k", "1/s", 0.5)};
static const mk_symbol drive_states[] = {SYM("drive.x", "mM", 0.0)};
static const mk_symbol drive_inputs[] = {SYM("drive.u", "mM/s", 0.0)};

static void drive_rhs(double t_s, const double *y, double *ydot, const double *inputs,
                      const double *params, double *vars)
{
    (void)vars;
    if (t_s > g_drive_max_t_s) g_drive_max_t_s = t_s;
    ydot[0] = inputs[0] - params[0] * y[0];
}

static const mk_model_abi drive_abi =
    ABI("drive", drive_params, COUNT(drive_params), drive_states, COUNT(drive_states),
        drive_inputs, COUNT(drive_inputs), NULL, 0, drive_rhs);

/* x on one constant piece: relaxes from x0 towards u/k. */
static double drive_exact(double x0, double u, double k_per_s, double dt_s)
{
    double x_inf = u / k_per_s;
    return x_inf + (x0 - x_inf) * exp(-k_per_s * dt_s);
}

/* ------------------------------------------------------------------ bad: NaN after t = 0.5 */

static const mk_symbol bad_params[] = {SYM("bad.t_nan", "s", 0.5)};
static const mk_symbol bad_states[] = {SYM("bad.x", "mM", 1.0)};

static void bad_rhs(double t_s, const double *y, double *ydot, const double *inputs,
                    const double *params, double *vars)
{
    (void)inputs;
    (void)vars;
    ydot[0] = t_s >= params[0] ? NAN : -y[0];
}

static const mk_model_abi bad_abi = ABI("bad", bad_params, COUNT(bad_params), bad_states,
                                        COUNT(bad_states), NULL, 0, NULL, 0, bad_rhs);

/* ------------------------------------------------------------------ pole: y' = -1/y */

/* y(0) = 1: y = sqrt(1 - 2 t) reaches 0 at t = 0.5 s with an infinite slope.  The derivative
 * stays finite at every point CVODE can evaluate, so only the collapse of the step size
 * shows the singularity; CVODE used to step through it and report y = 1e8 at t = 1 s. */
static const mk_symbol pole_states[] = {SYM("pole.y", "1", 1.0)};

static void pole_rhs(double t_s, const double *y, double *ydot, const double *inputs,
                     const double *params, double *vars)
{
    (void)t_s;
    (void)inputs;
    (void)params;
    (void)vars;
    ydot[0] = -1.0 / y[0];
}

static const mk_model_abi pole_abi = ABI("pole", NULL, 0, pole_states, COUNT(pole_states), NULL,
                                         0, NULL, 0, pole_rhs);

/* ------------------------------------------------------------------ ratio: a divisor of 0 */

/* The state is sane whatever k is; the variable x / k is not when k = 0. */
static const mk_symbol ratio_params[] = {SYM("ratio.k", "1/s", 1.0)};
static const mk_symbol ratio_states[] = {SYM("ratio.x", "mM", 1.0)};
static const mk_symbol ratio_vars[] = {SYM("ratio.per_k", "mM.s", NAN)};

static void ratio_rhs(double t_s, const double *y, double *ydot, const double *inputs,
                      const double *params, double *vars)
{
    (void)t_s;
    (void)inputs;
    ydot[0] = -y[0];
    if (vars) vars[0] = y[0] / params[0];
}

static const mk_model_abi ratio_abi =
    ABI("ratio", ratio_params, COUNT(ratio_params), ratio_states, COUNT(ratio_states), NULL, 0,
        ratio_vars, COUNT(ratio_vars), ratio_rhs);

/* ------------------------------------------------------------------ drain: a bounded state */

/* x' = -v x / (x + km) with km tiny: x falls linearly to about 0 at t = 1 s and then decays
 * like exp(-t / km), never below 0.  A step of CVODE that lands below -km finds x' = -v
 * there and runs away to minus infinity; with the state bound >= 0 CVODE refuses such steps. */
#define SYM_BOUND(NAME, UNIT, VALUE, CODE) \
    {.name = NAME, .unit = UNIT, .doc = "", .source = "test", .value = VALUE, .lo = NAN, \
     .hi = NAN, .diffusion_m2_s = NAN, .si_scale = 1.0, .si_offset = 0.0, .is_output = 0, \
     .line = 0, .constraint = CODE}

static const mk_symbol drain_params[] = {SYM("drain.v", "mM/s", 1.0), SYM("drain.km", "mM", 1e-6)};
static const mk_symbol drain_free[] = {SYM("drain.x", "mM", 1.0)};
static const mk_symbol drain_bounded[] = {SYM_BOUND("drain.x", "mM", 1.0, 1)};
static const mk_symbol drain_bad_code[] = {SYM_BOUND("drain.x", "mM", 1.0, 3)};

static void drain_rhs(double t_s, const double *y, double *ydot, const double *inputs,
                      const double *params, double *vars)
{
    (void)t_s;
    (void)inputs;
    (void)vars;
    ydot[0] = -params[0] * y[0] / (y[0] + params[1]);
}

static const mk_model_abi drain_free_abi =
    ABI("drain", drain_params, COUNT(drain_params), drain_free, 1, NULL, 0, NULL, 0, drain_rhs);
static const mk_model_abi drain_bounded_abi =
    ABI("drain", drain_params, COUNT(drain_params), drain_bounded, 1, NULL, 0, NULL, 0, drain_rhs);
static const mk_model_abi drain_bad_code_abi =
    ABI("drain", drain_params, COUNT(drain_params), drain_bad_code, 1, NULL, 0, NULL, 0, drain_rhs);

/* ------------------------------------------------------------------ clock: no states */

static const mk_symbol clock_params[] = {SYM("clock.rate", "1/s", 3.0)};
static const mk_symbol clock_vars[] = {SYM("clock.phase", "1", NAN)};

static void clock_rhs(double t_s, const double *y, double *ydot, const double *inputs,
                      const double *params, double *vars)
{
    (void)y;
    (void)ydot;
    (void)inputs;
    if (vars) vars[0] = params[0] * t_s;
}

static const mk_model_abi clock_abi = {
    .abi_version = MK_MODEL_ABI_VERSION, .name = "clock", .doc = "", .hash = "0", .source = "",
    .generator = "test_solver.c", .n_params = 1, .n_states = 0, .n_inputs = 0, .n_vars = 1,
    .params = clock_params, .states = NULL, .inputs = NULL, .vars = clock_vars,
    .rhs = clock_rhs};

/* ------------------------------------------------------------------ helpers */

static mk_solver *new_solver(const mk_model_abi *abi, double rtol, double atol)
{
    mk_solver_opts o;
    mk_solver_opts_default(&o);
    o.rtol = rtol;
    o.atol = atol;
    mk_solver *s = NULL;
    mk_error err = {0};
    mk_status st = mk_solver_new(abi, &o, &s, &err);
    if (st != MK_OK) print_message("mk_solver_new: %s\n", err.message);
    assert_int_equal(st, MK_OK);
    assert_non_null(s);
    return s;
}

static void advance_ok(mk_solver *s, double t_out_s)
{
    mk_error err = {0};
    mk_status st = mk_solver_advance(s, t_out_s, &err);
    if (st != MK_OK) print_message("mk_solver_advance(%g): %s\n", t_out_s, err.message);
    assert_int_equal(st, MK_OK);
}

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static double rel_err(double got, double want) { return fabs(got - want) / fabs(want); }

/* ------------------------------------------------------------------ accuracy */

static double decay_error_at_10s(double rtol)
{
    mk_solver *s = new_solver(&decay_abi, rtol, rtol * 1e-2);
    advance_ok(s, 10.0);
    double e = rel_err(mk_solver_state(s)[0], decay_exact(1.0, 0.5, 10.0));
    mk_solver_free(s);
    return e;
}

static double osc_error_at_10s(double rtol)
{
    mk_solver *s = new_solver(&osc_abi, rtol, rtol * 1e-2);
    advance_ok(s, 10.0);
    double e = rel_err(mk_solver_state(s)[0], osc_exact_x(10.0));
    mk_solver_free(s);
    return e;
}

/* Convergence, not just smallness: a solver that ignored the tolerance would pass a single
 * threshold but not a monotone decrease over four decades. */
static void check_convergence(const char *what, double (*error_at)(double))
{
    const double rtols[] = {1e-4, 1e-6, 1e-8};
    double errs[3];
    for (int i = 0; i < 3; i++) {
        errs[i] = error_at(rtols[i]);
        print_message("%s: rtol %.0e -> relative error at t = 10 s: %.3e\n", what, rtols[i],
                      errs[i]);
        assert_true(isfinite(errs[i]));
    }
    assert_true(errs[1] < errs[0]);
    assert_true(errs[2] < errs[1]);
    assert_true(errs[0] < 1e-2); /* even the loosest run is in the right place */
    assert_true(errs[2] < 1e-6);
}

static void test_decay_converges(void **state)
{
    (void)state;
    check_convergence("decay", decay_error_at_10s);
}

static void test_oscillator_converges(void **state)
{
    (void)state;
    check_convergence("oscillator", osc_error_at_10s);
}

/* ------------------------------------------------------------------ exact stops */

static void test_advance_stops_exactly(void **state)
{
    (void)state;
    mk_solver *s = new_solver(&decay_abi, 1e-8, 1e-10);
    /* Times that binary floating point cannot represent exactly, reached one after the
     * other without any restart in between. */
    for (int i = 1; i <= 30; i++) {
        double t_out_s = i * 0.1;
        advance_ok(s, t_out_s);
        assert_true(same_bits(mk_solver_time(s), t_out_s));
        assert_true(rel_err(mk_solver_state(s)[0], decay_exact(1.0, 0.5, t_out_s)) < 1e-6);
    }
    double t_third_s = 10.0 / 3.0;
    advance_ok(s, t_third_s);
    assert_true(same_bits(mk_solver_time(s), t_third_s));

    /* Advancing to the current time is a no-op that keeps the time. */
    double x_before = mk_solver_state(s)[0];
    advance_ok(s, t_third_s);
    assert_true(same_bits(mk_solver_time(s), t_third_s));
    assert_true(same_bits(mk_solver_state(s)[0], x_before));

    /* A restart followed by a step of one ulp: too short for CVODE to start, must still
     * land exactly and move on normally afterwards. */
    mk_error err = {0};
    assert_int_equal(mk_solver_set_param(s, 0, 0.7, &err), MK_OK);
    double t_next_s = nextafter(t_third_s, INFINITY);
    advance_ok(s, t_next_s);
    assert_true(same_bits(mk_solver_time(s), t_next_s));
    advance_ok(s, 4.0);
    assert_true(same_bits(mk_solver_time(s), 4.0));
    double want = decay_exact(decay_exact(1.0, 0.5, t_third_s), 0.7, 4.0 - t_third_s);
    assert_true(rel_err(mk_solver_state(s)[0], want) < 1e-6);
    mk_solver_free(s);
}

/* ------------------------------------------------------------------ inputs and parameters */

static void test_piecewise_input(void **state)
{
    (void)state;
    const double k = 0.5;
    mk_solver *s = new_solver(&drive_abi, 1e-9, 1e-11);
    mk_error err = {0};
    g_drive_max_t_s = -INFINITY;

    /* u = 1 on [0, 2), 3 on [2, 5), 0 on [5, 8]. */
    assert_int_equal(mk_solver_set_input(s, 0, 1.0, &err), MK_OK);
    advance_ok(s, 2.0);
    assert_true(g_drive_max_t_s <= 2.0); /* never looked past the breakpoint */
    double x2 = drive_exact(0.0, 1.0, k, 2.0);
    assert_true(rel_err(mk_solver_state(s)[0], x2) < 1e-7);

    assert_int_equal(mk_solver_set_input(s, 0, 3.0, &err), MK_OK);
    advance_ok(s, 5.0);
    assert_true(g_drive_max_t_s <= 5.0);
    double x5 = drive_exact(x2, 3.0, k, 3.0);
    assert_true(rel_err(mk_solver_state(s)[0], x5) < 1e-7);

    assert_int_equal(mk_solver_set_input(s, 0, 0.0, &err), MK_OK);
    advance_ok(s, 8.0);
    double x8 = drive_exact(x5, 0.0, k, 3.0);
    assert_true(rel_err(mk_solver_state(s)[0], x8) < 1e-7);
    assert_true(same_bits(mk_solver_time(s), 8.0));
    mk_solver_free(s);
}

static void test_set_param_takes_effect(void **state)
{
    (void)state;
    mk_solver *s = new_solver(&decay_abi, 1e-9, 1e-11);
    mk_error err = {0};
    advance_ok(s, 1.0);
    assert_int_equal(mk_solver_set_param(s, 0, 2.0, &err), MK_OK);
    advance_ok(s, 2.0);
    double want = exp(-0.5 * 1.0) * exp(-2.0 * 1.0);
    assert_true(rel_err(mk_solver_state(s)[0], want) < 1e-7);
    /* Had the change been ignored the answer would be e^-1, far away. */
    assert_true(rel_err(mk_solver_state(s)[0], exp(-1.0)) > 0.5);
    mk_solver_free(s);
}

static void test_reset_restarts(void **state)
{
    (void)state;
    mk_solver *s = new_solver(&decay_abi, 1e-9, 1e-11);
    mk_error err = {0};
    advance_ok(s, 3.0);
    const double y0[] = {2.0};
    assert_int_equal(mk_solver_reset(s, 1.0, y0, &err), MK_OK); /* back in time is allowed */
    assert_true(same_bits(mk_solver_time(s), 1.0));
    advance_ok(s, 2.0);
    assert_true(rel_err(mk_solver_state(s)[0], 2.0 * exp(-0.5)) < 1e-7);
    /* NULL keeps the current state and only moves the clock. */
    double x = mk_solver_state(s)[0];
    assert_int_equal(mk_solver_reset(s, 0.0, NULL, &err), MK_OK);
    assert_true(same_bits(mk_solver_state(s)[0], x));
    advance_ok(s, 1.0);
    assert_true(rel_err(mk_solver_state(s)[0], x * exp(-0.5)) < 1e-7);
    mk_solver_free(s);
}

/* ------------------------------------------------------------------ invalid arguments */

/* ------------------------------------------------------------------ Jacobian and linear solver */

/* The generated decay model (built in, with its analytic Jacobian) against its exact solution
 * under every Jacobian and linear solver: the same answer to the tolerance. */
static void test_jacobian_and_linear_solvers_agree(void **state)
{
    (void)state;
    const mk_model_abi *decay = mk_builtin_find("decay");
    assert_non_null(decay);
    assert_non_null(decay->jac);
    static const int configs[][2] = {{MK_JAC_DIFFERENCES, MK_LINSOL_DENSE}, {MK_JAC_AUTO, MK_LINSOL_DENSE},
                                     {MK_JAC_AUTO, MK_LINSOL_KLU}, {MK_JAC_AUTO, MK_LINSOL_SPLU},
                                     {MK_JAC_AUTO, MK_LINSOL_AUTO}};
    for (size_t c = 0; c < sizeof configs / sizeof *configs; c++) {
        mk_solver_opts o;
        mk_solver_opts_default(&o);
        o.rtol = 1e-8, o.atol = 1e-12, o.jacobian = configs[c][0], o.linear_solver = configs[c][1];
        mk_solver *s = NULL;
        mk_error err = {0};
        assert_int_equal(mk_solver_new(decay, &o, &s, &err), MK_OK);
        advance_ok(s, 10.0);
        double k = decay->params[0].value, x0 = decay->states[0].value;
        double e = rel_err(mk_solver_state(s)[0], decay_exact(x0, k, 10.0));
        print_message("decay, jacobian %d, linear solver %d: relative error %.2e\n", configs[c][0], configs[c][1], e);
        assert_true(e < 1e-6);
        mk_solver_stats st;
        mk_solver_get_stats(s, &st);
        assert_true(st.jac_evals > 0);
        mk_solver_free(s);
    }
}

/* The analytic Jacobian is what CVODE uses: on the site model it saves the n right-hand-side
 * evaluations of each finite-difference Jacobian. */
static void test_analytic_jacobian_saves_rhs(void **state)
{
    (void)state;
    const mk_model_abi *site = mk_builtin_find("tp_site");
    assert_non_null(site);
    int act = mk_abi_find(site, MK_SYM_INPUT, "load.activation");
    assert_true(act >= 0);
    long evals[2], jacs[2];
    for (int c = 0; c < 2; c++) {
        mk_solver_opts o;
        mk_solver_opts_default(&o);
        o.jacobian = c ? MK_JAC_AUTO : MK_JAC_DIFFERENCES;
        o.linear_solver = MK_LINSOL_DENSE;
        mk_solver *s = NULL;
        mk_error err = {0};
        assert_int_equal(mk_solver_new(site, &o, &s, &err), MK_OK);
        assert_int_equal(mk_solver_set_input(s, act, 5.0, &err), MK_OK);
        advance_ok(s, 3600.0);
        mk_solver_stats st;
        mk_solver_get_stats(s, &st);
        evals[c] = st.rhs_evals, jacs[c] = st.jac_evals;
        mk_solver_free(s);
    }
    print_message("tp_site, 1 h: %ld rhs evaluations (%ld Jacobians) with differences, %ld (%ld) analytic\n",
                  evals[0], jacs[0], evals[1], jacs[1]);
    assert_true(jacs[0] > 0 && jacs[1] > 0);
    /* differences cost n_states evaluations per Jacobian; analytic ones none */
    assert_true(evals[1] < evals[0] - (long)site->n_states * jacs[0] / 2);
}

/* The site model through a work day (8 h loaded, 16 h rest, a restart at each switch) with
 * myoknot's own sparse LU and with KLU: different pivots and rounding, the same states to well
 * within the tolerance (rtol 1e-6). */
static void test_own_sparse_lu_agrees_with_klu(void **state)
{
    (void)state;
    const mk_model_abi *site = mk_builtin_find("tp_site");
    assert_non_null(site);
    int act = mk_abi_find(site, MK_SYM_INPUT, "load.activation");
    assert_true(act >= 0);
    double *y[2] = {NULL, NULL};
    long steps[2];
    for (int c = 0; c < 2; c++) {
        mk_solver_opts o;
        mk_solver_opts_default(&o);
        o.linear_solver = c ? MK_LINSOL_SPLU : MK_LINSOL_KLU;
        mk_solver *s = NULL;
        mk_error err = {0};
        assert_int_equal(mk_solver_new(site, &o, &s, &err), MK_OK);
        assert_int_equal(mk_solver_set_input(s, act, 5.0, &err), MK_OK);
        advance_ok(s, 8 * 3600.0);
        assert_int_equal(mk_solver_set_input(s, act, 0.0, &err), MK_OK);
        advance_ok(s, 24 * 3600.0);
        y[c] = malloc((size_t)site->n_states * sizeof(double));
        assert_non_null(y[c]);
        memcpy(y[c], mk_solver_state(s), (size_t)site->n_states * sizeof(double));
        mk_solver_stats st;
        mk_solver_get_stats(s, &st);
        steps[c] = st.steps;
        mk_solver_free(s);
    }
    double worst = 0;
    for (int i = 0; i < site->n_states; i++)
        worst = fmax(worst, fabs(y[1][i] - y[0][i]) / (fabs(y[0][i]) + 1e-6));
    print_message("tp_site, one work day: KLU %ld steps, own LU %ld; largest state difference %.2e\n", steps[0],
                  steps[1], worst);
    assert_true(worst < 1e-5);
    assert_true(labs(steps[1] - steps[0]) < steps[0] / 20);
    free(y[0]), free(y[1]);
}

/* KLU needs the analytic Jacobian: asked for without one, a clear error. */
static void test_klu_needs_analytic_jacobian(void **state)
{
    (void)state;
    mk_solver *s = NULL;
    mk_error err = {0};
    mk_solver_opts o;
    mk_solver_opts_default(&o);
    o.linear_solver = MK_LINSOL_KLU;
    assert_int_equal(mk_solver_new(&decay_abi, &o, &s, &err), MK_ERR_INVALID); /* hand-written: no jac */
    assert_non_null(strstr(err.message, "no analytic Jacobian"));
    assert_null(s);
    o.jacobian = MK_JAC_DIFFERENCES;
    assert_int_equal(mk_solver_new(mk_builtin_find("decay"), &o, &s, &err), MK_ERR_INVALID);
    assert_non_null(strstr(err.message, "needs the analytic Jacobian"));
    o.linear_solver = MK_LINSOL_SPLU; /* so does myoknot's own sparse LU */
    assert_int_equal(mk_solver_new(mk_builtin_find("decay"), &o, &s, &err), MK_ERR_INVALID);
    assert_non_null(strstr(err.message, "needs the analytic Jacobian"));
    mk_solver_opts_default(&o);
    o.linear_solver = MK_LINSOL_SPLU;
    assert_int_equal(mk_solver_new(&decay_abi, &o, &s, &err), MK_ERR_INVALID);
    assert_non_null(strstr(err.message, "no analytic Jacobian"));
    mk_solver_opts_default(&o);
    o.linear_solver = 7;
    assert_int_equal(mk_solver_new(&decay_abi, &o, &s, &err), MK_ERR_INVALID);
    assert_non_null(strstr(err.message, "linear_solver"));
    mk_solver_opts_default(&o);
    o.jacobian = -1;
    assert_int_equal(mk_solver_new(&decay_abi, &o, &s, &err), MK_ERR_INVALID);
    assert_non_null(strstr(err.message, "jacobian"));
}

static void test_invalid_new(void **state)
{
    (void)state;
    mk_solver *s = NULL;
    mk_error err = {0};
    mk_solver_opts o;

    assert_int_equal(mk_solver_new(NULL, NULL, &s, &err), MK_ERR_INVALID);
    assert_null(s);
    assert_int_equal(mk_solver_new(&decay_abi, NULL, NULL, &err), MK_ERR_INVALID);

    mk_solver_opts_default(&o);
    o.rtol = -1e-6;
    assert_int_equal(mk_solver_new(&decay_abi, &o, &s, &err), MK_ERR_INVALID);
    assert_non_null(strstr(err.message, "relative tolerance"));
    assert_null(s);

    mk_solver_opts_default(&o);
    o.atol = -1e-9;
    assert_int_equal(mk_solver_new(&decay_abi, &o, &s, &err), MK_ERR_INVALID);
    assert_non_null(strstr(err.message, "absolute tolerance"));

    mk_solver_opts_default(&o);
    o.rtol = NAN;
    assert_int_equal(mk_solver_new(&decay_abi, &o, &s, &err), MK_ERR_INVALID);

    mk_solver_opts_default(&o);
    o.rtol = 0;
    o.atol = 0;
    assert_int_equal(mk_solver_new(&decay_abi, &o, &s, &err), MK_ERR_INVALID);

    mk_solver_opts_default(&o);
    o.max_steps = 0;
    assert_int_equal(mk_solver_new(&decay_abi, &o, &s, &err), MK_ERR_INVALID);

    mk_solver_opts_default(&o);
    o.max_step_s = -1;
    assert_int_equal(mk_solver_new(&decay_abi, &o, &s, &err), MK_ERR_INVALID);

    mk_model_abi wrong_version = decay_abi;
    wrong_version.abi_version = MK_MODEL_ABI_VERSION + 1;
    assert_int_equal(mk_solver_new(&wrong_version, NULL, &s, &err), MK_ERR_INVALID);
    assert_null(s);

    /* NULL options mean the defaults. */
    assert_int_equal(mk_solver_new(&decay_abi, NULL, &s, &err), MK_OK);
    assert_non_null(s);
    mk_solver_free(s);
    mk_solver_free(NULL); /* a no-op */
}

static void test_invalid_calls(void **state)
{
    (void)state;
    mk_solver *s = new_solver(&decay_abi, 1e-6, 1e-9);
    mk_error err = {0};

    assert_int_equal(mk_solver_set_param(s, -1, 1.0, &err), MK_ERR_INVALID);
    assert_int_equal(err.code, MK_ERR_INVALID);
    assert_non_null(strstr(err.message, "out of range"));
    assert_int_equal(mk_solver_set_param(s, 1, 1.0, &err), MK_ERR_INVALID);
    assert_int_equal(mk_solver_set_param(s, 0, NAN, &err), MK_ERR_INVALID);
    assert_non_null(strstr(err.message, "decay.k"));
    assert_int_equal(mk_solver_set_param(s, 0, INFINITY, &err), MK_ERR_INVALID);
    assert_int_equal(mk_solver_set_input(s, 0, 1.0, &err), MK_ERR_INVALID); /* no inputs */

    advance_ok(s, 2.0);
    assert_int_equal(mk_solver_advance(s, 1.0, &err), MK_ERR_INVALID);
    assert_non_null(strstr(err.message, "backwards"));
    assert_int_equal(mk_solver_advance(s, NAN, &err), MK_ERR_INVALID);
    assert_int_equal(mk_solver_advance(s, INFINITY, &err), MK_ERR_INVALID);
    assert_true(same_bits(mk_solver_time(s), 2.0)); /* refused calls change nothing */

    const double nan_state[] = {NAN};
    assert_int_equal(mk_solver_reset(s, 0.0, nan_state, &err), MK_ERR_INVALID);
    assert_non_null(strstr(err.message, "decay.x"));
    assert_int_equal(mk_solver_reset(s, NAN, NULL, &err), MK_ERR_INVALID);
    assert_true(same_bits(mk_solver_time(s), 2.0));

    assert_int_equal(mk_solver_advance(NULL, 1.0, &err), MK_ERR_INVALID);
    /* err may be NULL: the code alone comes back. */
    assert_int_equal(mk_solver_set_param(NULL, 0, 1.0, NULL), MK_ERR_INVALID);
    assert_true(isnan(mk_solver_time(NULL)));
    assert_null(mk_solver_state(NULL));
    assert_null(mk_solver_vars(NULL));
    mk_solver_free(s);
}

/* ------------------------------------------------------------------ failures */

/* Run f with stderr sent to a temporary file; return how many bytes were written to it. */
static long stderr_bytes_during(mk_status (*f)(mk_solver *, mk_error *), mk_solver *s,
                                mk_error *err, mk_status *st)
{
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
    *st = f(s, err);
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    fseek(tmp, 0, SEEK_END);
    long n = ftell(tmp);
    fclose(tmp);
    return n;
}

static mk_status advance_to_1s(mk_solver *s, mk_error *err)
{
    return mk_solver_advance(s, 1.0, err);
}

static void test_nan_rhs_fails_with_state_name(void **state)
{
    (void)state;
    mk_solver *s = new_solver(&bad_abi, 1e-6, 1e-9);
    mk_error err = {0};
    mk_status st;
    long printed = stderr_bytes_during(advance_to_1s, s, &err, &st);
    assert_int_equal(st, MK_ERR_SOLVER);
    assert_int_equal(err.code, MK_ERR_SOLVER);
    print_message("NaN after 0.5 s: %s\n", err.message);
    assert_non_null(strstr(err.message, "bad.x"));
    assert_non_null(strstr(err.message, "CV_"));       /* CVODE's flag name */
    assert_non_null(strstr(err.message, "nan"));
    assert_int_equal(printed, 0);                      /* SUNDIALS kept quiet */
    /* Stopped at the last good point, short of the poison. */
    assert_true(mk_solver_time(s) > 0.0 && mk_solver_time(s) <= 0.5);
    assert_true(isfinite(mk_solver_state(s)[0]));
    assert_true(rel_err(mk_solver_state(s)[0], exp(-mk_solver_time(s))) < 1e-4);

    /* Once the model is sane again the same solver carries on. */
    assert_int_equal(mk_solver_set_param(s, 0, 100.0, &err), MK_OK);
    advance_ok(s, 1.0);
    assert_true(rel_err(mk_solver_state(s)[0], exp(-1.0)) < 1e-4);
    mk_solver_free(s);

    /* NaN from the very first evaluation. */
    s = new_solver(&bad_abi, 1e-6, 1e-9);
    assert_int_equal(mk_solver_set_param(s, 0, -1.0, &err), MK_OK);
    assert_int_equal(mk_solver_advance(s, 1.0, &err), MK_ERR_SOLVER);
    print_message("NaN from the start: %s\n", err.message);
    assert_non_null(strstr(err.message, "bad.x"));
    assert_non_null(strstr(err.message, "CV_FIRST_RHSFUNC_ERR"));
    assert_true(same_bits(mk_solver_time(s), 0.0));
    mk_solver_free(s);
}

static void test_too_much_work(void **state)
{
    (void)state;
    mk_solver_opts o;
    mk_solver_opts_default(&o);
    o.max_steps = 5;
    mk_solver *s = NULL;
    mk_error err = {0};
    assert_int_equal(mk_solver_new(&osc_abi, &o, &s, &err), MK_OK);
    assert_int_equal(mk_solver_advance(s, 1000.0, &err), MK_ERR_SOLVER);
    print_message("max_steps = 5: %s\n", err.message);
    assert_non_null(strstr(err.message, "CV_TOO_MUCH_WORK"));
    double t_s = mk_solver_time(s);
    assert_true(t_s > 0.0 && t_s < 1000.0);
    assert_true(fabs(mk_solver_state(s)[0] - osc_exact_x(t_s)) < 1e-4);
    /* Each advance has its own budget of steps and carries on from where the last one ran
     * out (no restart, so the step size it had reached is kept): enough calls get there. */
    mk_status st = MK_ERR_SOLVER;
    int calls = 0;
    for (; calls < 1000 && st != MK_OK; calls++) {
        double t_before_s = mk_solver_time(s);
        st = mk_solver_advance(s, 10.0, &err);
        assert_true(st == MK_OK || st == MK_ERR_SOLVER);
        assert_true(mk_solver_time(s) > t_before_s); /* progress every time */
    }
    assert_int_equal(st, MK_OK);
    assert_true(calls > 1);
    assert_true(same_bits(mk_solver_time(s), 10.0));
    assert_true(fabs(mk_solver_state(s)[0] - osc_exact_x(10.0)) < 1e-4);
    mk_solver_free(s);
}

/* ------------------------------------------------------------------ vars, stats, no states */

static void test_vars(void **state)
{
    (void)state;
    mk_solver *s = new_solver(&decay_abi, 1e-9, 1e-11);
    const double *v = mk_solver_vars(s);
    assert_non_null(v);
    assert_true(same_bits(v[0], 0.5 * 1.0)); /* k * x0 at t = 0 */
    advance_ok(s, 3.0);
    v = mk_solver_vars(s);
    assert_true(same_bits(v[0], 0.5 * mk_solver_state(s)[0])); /* the current state, exactly */
    assert_true(rel_err(v[0], 0.5 * decay_exact(1.0, 0.5, 3.0)) < 1e-7);
    mk_error err = {0};
    assert_int_equal(mk_solver_set_param(s, 0, 4.0, &err), MK_OK);
    v = mk_solver_vars(s); /* parameters are seen at once, without advancing */
    assert_true(same_bits(v[0], 4.0 * mk_solver_state(s)[0]));
    mk_solver_free(s);
}

static void test_stats_accumulate(void **state)
{
    (void)state;
    mk_solver *s = new_solver(&osc_abi, 1e-6, 1e-8);
    mk_solver_stats st0, st1, st2;
    mk_solver_get_stats(s, &st0);
    assert_int_equal(st0.steps, 0);
    assert_int_equal(st0.rhs_evals, 0);

    advance_ok(s, 5.0);
    mk_solver_get_stats(s, &st1);
    assert_true(st1.steps > 0);
    assert_true(st1.rhs_evals > st1.steps); /* at least one call per step, plus Jacobians */
    assert_true(st1.jac_evals > 0);

    /* A parameter change restarts CVODE, whose own counters start again from zero; ours
     * must keep counting.  The hop after the restart is short, so it takes far fewer steps
     * than the first five seconds did: a total that forgot them would go down. */
    mk_error err = {0};
    assert_int_equal(mk_solver_set_param(s, 1, 0.2, &err), MK_OK);
    advance_ok(s, 5.05);
    mk_solver_get_stats(s, &st2);
    assert_true(st2.steps > st1.steps);
    assert_true(st2.rhs_evals > st1.rhs_evals);
    assert_true(st2.jac_evals > st1.jac_evals); /* a restart sets up a fresh Jacobian */
    assert_true(st2.err_test_fails >= st1.err_test_fails);
    assert_true(st2.nonlin_conv_fails >= st1.nonlin_conv_fails);
    mk_solver_free(s);

    mk_solver_stats none;
    memset(&none, 0xff, sizeof none);
    mk_solver_get_stats(NULL, &none);
    assert_int_equal(none.steps, 0);
}

static void test_no_states(void **state)
{
    (void)state;
    mk_solver *s = new_solver(&clock_abi, 1e-6, 1e-9);
    assert_non_null(mk_solver_state(s));
    advance_ok(s, 2.5);
    assert_true(same_bits(mk_solver_time(s), 2.5));
    const double *v = mk_solver_vars(s);
    assert_true(same_bits(v[0], 3.0 * 2.5));
    mk_error err = {0};
    assert_int_equal(mk_solver_advance(s, 1.0, &err), MK_ERR_INVALID);
    mk_solver_stats st;
    mk_solver_get_stats(s, &st);
    assert_int_equal(st.rhs_evals, 0);
    mk_solver_free(s);
}

/* ------------------------------------------------------------------ wrong numbers */

static void test_singularity_fails_at_its_time(void **state)
{
    (void)state;
    mk_solver *s = new_solver(&pole_abi, 1e-6, 1e-9);
    mk_error err = {0};
    assert_int_equal(mk_solver_advance(s, 0.4, &err), MK_OK); /* before the pole: exact */
    assert_true(rel_err(mk_solver_state(s)[0], sqrt(1.0 - 0.8)) < 1e-4);
    mk_status st = mk_solver_advance(s, 1.0, &err);
    print_message("pole: %s\n", err.message);
    assert_int_equal(st, MK_ERR_SOLVER);
    assert_non_null(strstr(err.message, "pole.y"));
    assert_non_null(strstr(err.message, "t + h = t"));
    assert_non_null(strstr(err.message, "at t = 0.4999")); /* the time of the pole */
    /* stopped at the last good point, just short of it, with y still on the true curve */
    double t = mk_solver_time(s);
    assert_true(t > 0.49 && t < 0.5);
    assert_true(mk_solver_state(s)[0] >= 0.0 && mk_solver_state(s)[0] < 0.01);
    mk_solver_free(s);
}

static void test_nonfinite_variable_is_an_error(void **state)
{
    (void)state;
    mk_solver *s = new_solver(&ratio_abi, 1e-6, 1e-9);
    mk_error err = {0};
    const double *v = NULL;
    advance_ok(s, 0.25);
    assert_int_equal(mk_solver_eval_vars(s, &v, &err), MK_OK);
    assert_non_null(v);
    assert_true(rel_err(v[0], exp(-0.25)) < 1e-4);
    assert_int_equal(mk_solver_set_param(s, 0, 0.0, &err), MK_OK); /* k = 0 divides */
    assert_int_equal(mk_solver_eval_vars(s, &v, &err), MK_ERR_SOLVER);
    print_message("k = 0: %s\n", err.message);
    assert_null(v);
    assert_non_null(strstr(err.message, "at t = 0.25 s"));
    assert_non_null(strstr(err.message, "variable 'ratio.per_k' is inf [mM.s]"));
    mk_solver_free(s);
}

static double drain_min_over_3s(const mk_model_abi *abi)
{
    mk_solver *s = new_solver(abi, 1e-4, 1e-6);
    double lo = INFINITY;
    for (int k = 1; k <= 30; k++) {
        advance_ok(s, 0.1 * k);
        lo = fmin(lo, mk_solver_state(s)[0]);
    }
    mk_solver_free(s);
    return lo;
}

static void test_bound_keeps_state_nonnegative(void **state)
{
    (void)state;
    /* the control: without the bound this problem does go negative */
    double free_min = drain_min_over_3s(&drain_free_abi);
    print_message("drain: min x without bound %g mM, ", free_min);
    assert_true(free_min < -0.5);
    double bounded_min = drain_min_over_3s(&drain_bounded_abi);
    print_message("with bound >= 0 %g mM\n", bounded_min);
    assert_true(bounded_min >= 0.0);

    mk_solver *s = NULL;
    mk_error err = {0};
    assert_int_equal(mk_solver_new(&drain_bad_code_abi, NULL, &s, &err), MK_ERR_INVALID);
    assert_null(s);
    assert_non_null(strstr(err.message, "constraint code 3"));
}


/* mk_solver_sample (run's quick mode): a row at 0, every interval, the last at the end even
 * when the interval does not divide it, each equal to the analytic washout; a too long or too
 * small interval is refused as the caller's argument. */
typedef struct sample_rows {
    int n;
    double t[16], x[16];
} sample_rows;

static void take_row(void *ctx, double t_s, const double *y, const double *v)
{
    (void)v;
    sample_rows *r = ctx;
    if (r->n < 16) r->t[r->n] = t_s, r->x[r->n] = y[0];
    r->n++;
}

static void test_sample_rows(void **state)
{
    (void)state;
    const mk_model_abi *decay = mk_builtin_find("decay");
    mk_solver_opts o;
    mk_solver_opts_default(&o);
    o.rtol = 1e-10;
    o.atol = 1e-12;
    mk_solver *s = NULL;
    mk_error err = {0};
    assert_int_equal(mk_solver_new(decay, &o, &s, &err), MK_OK);
    sample_rows r = {0};
    assert_int_equal(mk_solver_sample(s, 1.0, 0.3, take_row, &r, &err), MK_OK);
    assert_int_equal(r.n, 5);
    const double want_t[] = {0, 0.3, 0.6, 0.9, 1.0};
    for (int i = 0; i < 5; i++) {
        assert_true(fabs(r.t[i] - want_t[i]) < 1e-12);
        assert_true(fabs(r.x[i] - exp(-0.5 * want_t[i])) < 1e-7); /* x0 1 mM, k 0.5 /s, no inflow */
    }
    r.n = 0;
    assert_int_equal(mk_solver_sample(s, 1.0, 2.0, take_row, &r, &err), MK_ERR_INVALID);
    assert_int_equal(err.origin, MK_ORIGIN_ARGUMENT);
    assert_int_equal(mk_solver_sample(s, 1e7, 1.0, take_row, &r, &err), MK_ERR_INVALID);
    assert_int_equal(r.n, 0);
    mk_solver_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decay_converges),
        cmocka_unit_test(test_sample_rows),
        cmocka_unit_test(test_oscillator_converges),
        cmocka_unit_test(test_advance_stops_exactly),
        cmocka_unit_test(test_piecewise_input),
        cmocka_unit_test(test_set_param_takes_effect),
        cmocka_unit_test(test_reset_restarts),
        cmocka_unit_test(test_jacobian_and_linear_solvers_agree),
        cmocka_unit_test(test_analytic_jacobian_saves_rhs),
        cmocka_unit_test(test_own_sparse_lu_agrees_with_klu),
        cmocka_unit_test(test_klu_needs_analytic_jacobian),
        cmocka_unit_test(test_invalid_new),
        cmocka_unit_test(test_invalid_calls),
        cmocka_unit_test(test_nan_rhs_fails_with_state_name),
        cmocka_unit_test(test_too_much_work),
        cmocka_unit_test(test_vars),
        cmocka_unit_test(test_stats_accumulate),
        cmocka_unit_test(test_no_states),
        cmocka_unit_test(test_singularity_fails_at_its_time),
        cmocka_unit_test(test_nonfinite_variable_is_an_error),
        cmocka_unit_test(test_bound_keeps_state_nonnegative),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
