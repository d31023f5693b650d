/*
 * solver.c -- the ODE seam: one model (mk_model_abi) integrated by SUNDIALS CVODE.
 *
 * Choices, and why:
 *   - BDF with a dense direct linear solver and CVODE's finite-difference Jacobian: the
 *     models are small (tens of states) and stiff (fast ion kinetics beside slow
 *     metabolism), and a generated model has no analytic Jacobian.
 *   - The state lives in an array the solver owns; the CVODE vector wraps it
 *     (N_VMake_Serial), so mk_solver_state hands out the very numbers CVODE returned.
 *   - Every advance sets a stop time at t_out: protocol events (an input switched on, a
 *     parameter changed) happen exactly at t_out, and CVODE must neither step nor evaluate
 *     the right-hand side beyond it.
 *   - Any change of input, parameter or state is a discontinuity: CVODE's history (the
 *     Nordsieck array) describes the old right-hand side, so the next advance restarts it
 *     with CVodeReInit from the current time and state.
 *   - One SUNContext per solver, no globals: two solvers may run in two threads.
 *   - CVODE's messages go to a handler that keeps the last one in the solver, so they end
 *     up in an mk_error instead of on stderr.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvode/cvode.h>
#include <cvode/cvode_ls.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sundials/sundials_types.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include "core/alloc.h"
#include "core/error.h"
#include "myoknot.h"

/* Our arrays are double and CVODE wraps them without copying. */
#if !defined(SUNDIALS_DOUBLE_PRECISION)
#error "myoknot needs SUNDIALS built with double precision (sunrealtype == double)"
#endif

/* The last non-finite number seen in the right-hand side during one advance. */
typedef struct nonfinite_note {
    int seen;
    int index;          /* state index */
    int in_derivative;  /* 1: ydot[index] was non-finite; 0: y[index] itself was */
    double t_s;
    double state_value; /* y[index] at that evaluation */
    double deriv_value; /* ydot[index] at that evaluation (NaN when in_derivative == 0) */
} nonfinite_note;

/* CVODE's step size fell below the resolution of the time axis ("t + h = t"): the solution
 * changes faster than a double can tell two times apart, which is what a singularity (a
 * state running to infinity, a division by a state reaching zero) looks like from inside
 * the integrator.  CVODE only warns and carries on, and its next steps are meaningless: it
 * has been seen to jump through the pole of d(y)/dt = -1/y and report 1e8.  So the next
 * evaluation of the right-hand side fails unrecoverably, and this note says where. */
typedef struct stall_note {
    int pending;        /* the warning came; the next evaluation stops CVODE */
    int seen;           /* the evaluation did: t_s and index are set */
    int index;          /* the state changing fastest relative to its tolerance */
    double t_s, state_value, deriv_value;
} stall_note;

/* CVODE counters as last read since the latest (re)initialisation; CVodeReInit zeroes
 * CVODE's own counters, so totals are accumulated from differences. */
typedef struct cvode_counts {
    long steps, jac_evals, err_test_fails, nonlin_conv_fails;
} cvode_counts;

struct mk_solver {
    const mk_model_abi *abi;
    mk_solver_opts opts;
    int n_states;

    double t_s;        /* current time, exactly the last t_out reached */
    double *y;         /* n_states (at least 1, so pointers are never NULL) */
    double *params;    /* n_params */
    double *inputs;    /* n_inputs */
    double *vars;      /* n_vars */
    double *ydot;      /* scratch for right-hand-side evaluations outside CVODE */

    /* CVODE machinery; all NULL when the model has no states. */
    SUNContext sunctx;
    void *cvode;
    N_Vector nv_y;     /* wraps y */
    SUNMatrix jac;
    SUNLinearSolver linsol;

    int restart_pending;   /* CVodeReInit before the next step */
    long rhs_evals;        /* every call of the model by CVODE, DQ Jacobian included */
    mk_solver_stats totals;
    cvode_counts seen;

    /* Diagnostics for the advance in progress. */
    char cvode_msg[480];
    nonfinite_note bad;
    stall_note stall;
};

/* ------------------------------------------------------------------ small helpers */

static size_t at_least_one(int n) { return n > 0 ? (size_t)n : 1; }

/* Copy symbol values (defaults) into a fresh buffer of at least one element. */
static double *copy_values(const mk_symbol *syms, int n)
{
    double *v = mk_calloc(at_least_one(n), sizeof *v);
    if (!v) return NULL;
    for (int i = 0; i < n; i++) v[i] = syms[i].value;
    return v;
}

static const char *unit_of(const mk_symbol *sym)
{
    return sym->unit ? sym->unit : "";
}

static const char *name_of(const mk_symbol *sym)
{
    return sym->name ? sym->name : "?";
}

/* ------------------------------------------------------------------ CVODE callbacks */

/* Remember the first non-finite state or derivative of this evaluation, if any. */
static int note_nonfinite(mk_solver *s, double t_s, const double *y, const double *ydot)
{
    for (int i = 0; i < s->n_states; i++) {
        int bad_y = !isfinite(y[i]);
        if (!bad_y && isfinite(ydot[i])) continue;
        s->bad = (nonfinite_note){.seen = 1, .index = i, .in_derivative = !bad_y,
                                  .t_s = t_s, .state_value = y[i],
                                  .deriv_value = bad_y ? NAN : ydot[i]};
        return 1;
    }
    return 0;
}

/* A non-finite derivative is reported as recoverable (positive return): CVODE then retries
 * with a smaller step, which is what a too-bold step into an overflow needs.  If it keeps
 * happening CVODE gives up and the note says where. */
/* The state whose derivative is largest against its error weight (rtol |y| + atol): the
 * one that drove the step size down. */
static void note_stall(mk_solver *s, double t_s, const double *y, const double *ydot)
{
    int worst = 0;
    double worst_rate = -1.0;
    for (int i = 0; i < s->n_states; i++) {
        double rate = fabs(ydot[i]) / (s->opts.rtol * fabs(y[i]) + s->opts.atol);
        if (!(rate <= worst_rate)) worst = i, worst_rate = rate;
    }
    s->stall = (stall_note){.pending = 1, .seen = 1, .index = worst, .t_s = t_s,
                            .state_value = y[worst], .deriv_value = ydot[worst]};
}

static int cvode_rhs(sunrealtype t_s, N_Vector y, N_Vector ydot, void *user_data)
{
    mk_solver *s = user_data;
    const double *yv = N_VGetArrayPointer(y);
    double *dv = N_VGetArrayPointer(ydot);
    s->rhs_evals++;
    s->abi->rhs(t_s, yv, dv, s->inputs, s->params, NULL);
    if (s->stall.pending) {
        note_stall(s, t_s, yv, dv);
        return -1; /* unrecoverable: CVODE stops with CV_RHSFUNC_FAIL */
    }
    return note_nonfinite(s, t_s, yv, dv) ? 1 : 0;
}

/* Keep CVODE's last error message for our mk_error; never print.  Warnings (such as
 * "t + h = t") are dropped: they do not stop the integration and the library is silent. */
static void cvode_error_handler(int error_code, const char *module, const char *function,
                                char *msg, void *user_data)
{
    mk_solver *s = user_data;
    (void)module;
    /* SUNDIALS 6 has no flag for it, only this warning text (MSGCV_HNIL in cvode_impl.h). */
    if (error_code == CV_WARNING && msg && strstr(msg, "t + h = t")) s->stall.pending = 1;
    if (error_code == CV_WARNING) return;
    snprintf(s->cvode_msg, sizeof s->cvode_msg, "%s: %s", function ? function : "CVODE",
             msg ? msg : "");
}

/* ------------------------------------------------------------------ errors */

static mk_status cvode_setup_failed(mk_solver *s, int flag, const char *what, mk_error *err)
{
    if (flag == CV_MEM_FAIL) return mk_fail(err, MK_ERR_NOMEM, "out of memory in %s", what);
    char *flag_name = CVodeGetReturnFlagName(flag); /* malloc'd by SUNDIALS */
    mk_status st = mk_fail(err, MK_ERR_SOLVER, "%s failed for model '%s': %s%s%s", what,
                           s->abi->name ? s->abi->name : "?",
                           flag_name ? flag_name : "unknown flag",
                           s->cvode_msg[0] ? " -- " : "", s->cvode_msg);
    free(flag_name);
    return st;
}

/* Describe the first non-finite state at the current point or, failing that, the last
 * non-finite value the right-hand side produced; "" when everything was finite. */
static void describe_nonfinite(const mk_solver *s, char *buf, size_t size)
{
    buf[0] = '\0';
    if (s->stall.seen && !s->bad.seen) { /* a non-finite value is the better diagnosis */
        const mk_symbol *sym = &s->abi->states[s->stall.index];
        snprintf(buf, size,
                 ": the step size fell below the resolution of time (t + h = t) at t = %.9g s, "
                 "where d(%s)/dt = %g [%s]/s with %s = %.9g [%s]: a singularity (a quantity running "
                 "to infinity, a division by a quantity reaching zero) or a jump the model "
                 "cannot resolve",
                 s->stall.t_s, name_of(sym), s->stall.deriv_value, unit_of(sym), name_of(sym),
                 s->stall.state_value, unit_of(sym));
        return;
    }
    for (int i = 0; i < s->n_states; i++) {
        if (isfinite(s->y[i])) continue;
        const mk_symbol *sym = &s->abi->states[i];
        snprintf(buf, size, "; state '%s' is %g %s", name_of(sym), s->y[i], unit_of(sym));
        return;
    }
    if (!s->bad.seen) return;
    const mk_symbol *sym = &s->abi->states[s->bad.index];
    if (s->bad.in_derivative)
        snprintf(buf, size,
                 "; the right-hand side gave d(%s)/dt = %g %s/s (with %s = %.9g %s) at t = "
                 "%.9g s",
                 name_of(sym), s->bad.deriv_value, unit_of(sym), name_of(sym),
                 s->bad.state_value, unit_of(sym), s->bad.t_s);
    else
        snprintf(buf, size, "; state '%s' became %g %s at t = %.9g s", name_of(sym),
                 s->bad.state_value, unit_of(sym), s->bad.t_s);
}

static mk_status integration_failed(const mk_solver *s, int flag, double t_out_s,
                                    mk_error *err)
{
    char where[640];
    describe_nonfinite(s, where, sizeof where);
    if (s->stall.seen && !s->bad.seen) /* CVODE's own words ("the right-hand side failed") would mislead */
        return mk_fail(err, MK_ERR_SOLVER, "model '%s': integration stopped at t = %.9g s (on "
                       "the way to %.9g s)%s", s->abi->name ? s->abi->name : "?", s->t_s,
                       t_out_s, where);
    char *flag_name = CVodeGetReturnFlagName(flag); /* malloc'd by SUNDIALS */
    mk_status st = mk_fail(err, MK_ERR_SOLVER,
                           "model '%s': integration failed at t = %.9g s (on the way to "
                           "%.9g s): %s%s%s%s",
                           s->abi->name ? s->abi->name : "?", s->t_s, t_out_s,
                           flag_name ? flag_name : "unknown CVODE flag",
                           s->cvode_msg[0] ? " -- " : "", s->cvode_msg, where);
    free(flag_name);
    return st;
}

/* ------------------------------------------------------------------ options */

void mk_solver_opts_default(mk_solver_opts *o)
{
    if (!o) return;
    o->rtol = 1e-6;
    o->atol = 1e-9;
    o->max_steps = 100000;
    o->max_step_s = 0.0;
}

static mk_status check_opts(const mk_solver_opts *o, mk_error *err)
{
    if (!isfinite(o->rtol) || o->rtol < 0)
        return mk_fail(err, MK_ERR_INVALID, "relative tolerance must be >= 0, not %g", o->rtol);
    if (!isfinite(o->atol) || o->atol < 0)
        return mk_fail(err, MK_ERR_INVALID, "absolute tolerance must be >= 0, not %g", o->atol);
    if (o->rtol == 0 && o->atol == 0)
        return mk_fail(err, MK_ERR_INVALID,
                       "relative and absolute tolerance cannot both be zero");
    if (o->max_steps <= 0)
        return mk_fail(err, MK_ERR_INVALID, "max_steps must be positive, not %ld",
                       o->max_steps);
    if (!isfinite(o->max_step_s) || o->max_step_s < 0)
        return mk_fail(err, MK_ERR_INVALID,
                       "max_step_s must be >= 0 seconds (0: no limit), not %g", o->max_step_s);
    return MK_OK;
}

static mk_status check_abi(const mk_model_abi *abi, mk_error *err)
{
    if (!abi) return mk_fail(err, MK_ERR_INVALID, "no model given to the solver");
    if (abi->abi_version != MK_MODEL_ABI_VERSION)
        return mk_fail(err, MK_ERR_INVALID,
                       "model '%s' was generated for ABI version %d, this library speaks %d",
                       abi->name ? abi->name : "?", abi->abi_version, MK_MODEL_ABI_VERSION);
    if (!abi->rhs) return mk_fail(err, MK_ERR_INVALID, "model '%s' has no right-hand side",
                                  abi->name ? abi->name : "?");
    for (int i = 0; abi->states && i < abi->n_states; i++) {
        int c = abi->states[i].constraint;
        if (c < -2 || c > 2)
            return mk_fail(err, MK_ERR_INVALID, "model '%s': state '%s' has constraint code %d "
                           "(0, 1, 2, -1 or -2 expected)", abi->name ? abi->name : "?",
                           name_of(&abi->states[i]), c);
    }
    if (abi->n_params < 0 || abi->n_states < 0 || abi->n_inputs < 0 || abi->n_vars < 0 ||
        (abi->n_params > 0 && !abi->params) || (abi->n_states > 0 && !abi->states) ||
        (abi->n_inputs > 0 && !abi->inputs) || (abi->n_vars > 0 && !abi->vars))
        return mk_fail(err, MK_ERR_INVALID, "model '%s' has inconsistent symbol tables",
                       abi->name ? abi->name : "?");
    return MK_OK;
}

/* ------------------------------------------------------------------ life cycle */

/* The bounds the model declares (`bound >= 0`), as CVODE constraints: CVODE then rejects and
 * shrinks any step that would take a state across its bound, so a concentration cannot go
 * negative through a too-bold step.  CVODE copies the vector, so ours is freed at once. */
static mk_status set_constraints(mk_solver *s, mk_error *err)
{
    int any = 0;
    for (int i = 0; i < s->n_states; i++) any |= s->abi->states[i].constraint != 0;
    if (!any) return MK_OK;
    N_Vector c = N_VNew_Serial((sunindextype)s->n_states, s->sunctx);
    if (!c) return mk_fail(err, MK_ERR_NOMEM, "out of memory setting the states' bounds");
    double *cv = N_VGetArrayPointer(c);
    for (int i = 0; i < s->n_states; i++) cv[i] = s->abi->states[i].constraint;
    int flag = CVodeSetConstraints(s->cvode, c);
    N_VDestroy(c);
    if (flag != CV_SUCCESS) return cvode_setup_failed(s, flag, "setting the states' bounds", err);
    return MK_OK;
}

static mk_status setup_cvode(mk_solver *s, mk_error *err)
{
    sunindextype n = (sunindextype)s->n_states;
    if (SUNContext_Create(NULL, &s->sunctx) != 0) {
        s->sunctx = NULL;
        return mk_fail(err, MK_ERR_NOMEM, "out of memory creating the SUNDIALS context");
    }
    s->nv_y = N_VMake_Serial(n, s->y, s->sunctx);
    s->cvode = CVodeCreate(CV_BDF, s->sunctx);
    s->jac = SUNDenseMatrix(n, n, s->sunctx);
    if (!s->nv_y || !s->cvode || !s->jac)
        return mk_fail(err, MK_ERR_NOMEM, "out of memory creating the CVODE integrator");
    s->linsol = SUNLinSol_Dense(s->nv_y, s->jac, s->sunctx);
    if (!s->linsol)
        return mk_fail(err, MK_ERR_NOMEM, "out of memory creating the dense linear solver");

    /* The handler first, so that every later complaint is caught rather than printed. */
    int flag = CVodeSetErrHandlerFn(s->cvode, cvode_error_handler, s);
    if (flag == CV_SUCCESS) flag = CVodeInit(s->cvode, cvode_rhs, s->t_s, s->nv_y);
    if (flag == CV_SUCCESS) flag = CVodeSetUserData(s->cvode, s);
    if (flag == CV_SUCCESS) flag = CVodeSStolerances(s->cvode, s->opts.rtol, s->opts.atol);
    if (flag == CV_SUCCESS) flag = CVodeSetMaxNumSteps(s->cvode, s->opts.max_steps);
    if (flag == CV_SUCCESS) flag = CVodeSetMaxStep(s->cvode, s->opts.max_step_s);
    if (flag != CV_SUCCESS) return cvode_setup_failed(s, flag, "setting up CVODE", err);
    mk_status rc = set_constraints(s, err);
    if (rc != MK_OK) return rc;

    /* The linear-solver interface speaks its own flags (CVLS_*). */
    flag = CVodeSetLinearSolver(s->cvode, s->linsol, s->jac);
    if (flag == CVLS_MEM_FAIL)
        return mk_fail(err, MK_ERR_NOMEM, "out of memory attaching the dense linear solver");
    if (flag != CVLS_SUCCESS) {
        char *flag_name = CVodeGetLinReturnFlagName(flag); /* malloc'd by SUNDIALS */
        mk_status st = mk_fail(err, MK_ERR_SOLVER, "attaching the dense linear solver failed: "
                               "%s%s%s", flag_name ? flag_name : "unknown flag",
                               s->cvode_msg[0] ? " -- " : "", s->cvode_msg);
        free(flag_name);
        return st;
    }
    return MK_OK;
}

mk_status mk_solver_new(const mk_model_abi *abi, const mk_solver_opts *opts, mk_solver **out,
                        mk_error *err)
{
    if (!out) return mk_fail(err, MK_ERR_INVALID, "mk_solver_new: out must not be NULL");
    *out = NULL;
    mk_status st = check_abi(abi, err);
    if (st != MK_OK) return st;
    mk_solver_opts o;
    mk_solver_opts_default(&o);
    if (opts) o = *opts;
    st = check_opts(&o, err);
    if (st != MK_OK) return st;

    mk_solver *s = mk_calloc(1, sizeof *s);
    if (!s) return mk_fail(err, MK_ERR_NOMEM, "out of memory creating a solver");
    s->abi = abi;
    s->opts = o;
    s->n_states = abi->n_states;
    s->t_s = 0.0;
    s->y = copy_values(abi->states, abi->n_states);
    s->params = copy_values(abi->params, abi->n_params);
    s->inputs = copy_values(abi->inputs, abi->n_inputs);
    s->vars = mk_calloc(at_least_one(abi->n_vars), sizeof *s->vars);
    s->ydot = mk_calloc(at_least_one(abi->n_states), sizeof *s->ydot);
    if (!s->y || !s->params || !s->inputs || !s->vars || !s->ydot) {
        mk_solver_free(s);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory creating a solver");
    }
    if (s->n_states > 0) {
        st = setup_cvode(s, err);
        if (st != MK_OK) {
            mk_solver_free(s);
            return st;
        }
    }
    *out = s;
    return MK_OK;
}

void mk_solver_free(mk_solver *s)
{
    if (!s) return;
    /* CVODE before the objects it uses, the context last of all. */
    if (s->cvode) CVodeFree(&s->cvode);
    if (s->linsol) SUNLinSolFree(s->linsol);
    if (s->jac) SUNMatDestroy(s->jac);
    if (s->nv_y) N_VDestroy(s->nv_y); /* does not free s->y: N_VMake_Serial borrows it */
    if (s->sunctx) SUNContext_Free(&s->sunctx);
    free(s->y);
    free(s->params);
    free(s->inputs);
    free(s->vars);
    free(s->ydot);
    free(s);
}

/* ------------------------------------------------------------------ changing the problem */

mk_status mk_solver_reset(mk_solver *s, double t_s, const double *y, mk_error *err)
{
    if (!s) return mk_fail(err, MK_ERR_INVALID, "mk_solver_reset: no solver");
    if (!isfinite(t_s))
        return mk_fail(err, MK_ERR_INVALID, "cannot restart at time %g s", t_s);
    if (y) {
        for (int i = 0; i < s->n_states; i++)
            if (!isfinite(y[i]))
                return mk_fail(err, MK_ERR_INVALID, "cannot restart with state '%s' = %g %s",
                               name_of(&s->abi->states[i]), y[i],
                               unit_of(&s->abi->states[i]));
        memcpy(s->y, y, (size_t)s->n_states * sizeof *y);
    }
    s->t_s = t_s;
    s->restart_pending = 1;
    return MK_OK;
}

/* Shared by set_param and set_input: both are a jump in the right-hand side. */
static mk_status set_value(mk_solver *s, const char *what, double *values, const mk_symbol *syms,
                           int n, int index, double value, mk_error *err)
{
    if (index < 0 || index >= n)
        return mk_fail(err, MK_ERR_INVALID, "%s index %d is out of range: model '%s' has %d",
                       what, index, s->abi->name ? s->abi->name : "?", n);
    if (!isfinite(value))
        return mk_fail(err, MK_ERR_INVALID, "%s '%s' cannot be set to %g", what,
                       name_of(&syms[index]), value);
    /* Setting the same value again is no discontinuity; restarting CVODE would only cost. */
    if (values[index] != value) {
        values[index] = value;
        s->restart_pending = 1;
    }
    return MK_OK;
}

mk_status mk_solver_set_param(mk_solver *s, int index, double value, mk_error *err)
{
    if (!s) return mk_fail(err, MK_ERR_INVALID, "mk_solver_set_param: no solver");
    return set_value(s, "parameter", s->params, s->abi->params, s->abi->n_params, index, value,
                     err);
}

mk_status mk_solver_set_input(mk_solver *s, int index, double value, mk_error *err)
{
    if (!s) return mk_fail(err, MK_ERR_INVALID, "mk_solver_set_input: no solver");
    return set_value(s, "input", s->inputs, s->abi->inputs, s->abi->n_inputs, index, value,
                     err);
}

/* ------------------------------------------------------------------ integration */

/* Fold CVODE's counters (zeroed by every re-initialisation) into the running totals. */
static void collect_counts(mk_solver *s)
{
    cvode_counts now = {0, 0, 0, 0};
    CVodeGetNumSteps(s->cvode, &now.steps);
    CVodeGetNumJacEvals(s->cvode, &now.jac_evals);
    CVodeGetNumErrTestFails(s->cvode, &now.err_test_fails);
    CVodeGetNumNonlinSolvConvFails(s->cvode, &now.nonlin_conv_fails);
    s->totals.steps += now.steps - s->seen.steps;
    s->totals.jac_evals += now.jac_evals - s->seen.jac_evals;
    s->totals.err_test_fails += now.err_test_fails - s->seen.err_test_fails;
    s->totals.nonlin_conv_fails += now.nonlin_conv_fails - s->seen.nonlin_conv_fails;
    s->seen = now;
}

/* CVODE refuses to start when t_out is within a few roundoffs of the start time
 * (CV_TOO_CLOSE).  Such a gap is bridged with one explicit Euler step, exact to rounding;
 * CVODE stays due for a restart at the new time. */
static int gap_too_small_for_cvode(double t_s, double t_out_s)
{
    double scale = fmax(fabs(t_s), fabs(t_out_s));
    return t_out_s - t_s <= 4.0 * DBL_EPSILON * scale;
}

/* CVODE accepts only steps that keep each bounded state on its side of 0, but the state it
 * returns at t_out is interpolated between steps and may miss by a rounding error (-6e-102 mM
 * was seen), as may the Euler bridge; CVODE then refuses to restart from it ("y0 fails to
 * satisfy constraints").  Such a value is 0 within the tolerance, so it is set to 0.  Strict
 * bounds (> 0, < 0) are left alone: 0 would violate them too. */
static void hold_bounds(mk_solver *s)
{
    for (int i = 0; i < s->n_states; i++) {
        int c = s->abi->states[i].constraint;
        if ((c == 1 && s->y[i] < 0.0) || (c == -1 && s->y[i] > 0.0)) s->y[i] = 0.0;
    }
}

static mk_status euler_bridge(mk_solver *s, double t_out_s, mk_error *err)
{
    s->rhs_evals++;
    s->abi->rhs(s->t_s, s->y, s->ydot, s->inputs, s->params, NULL);
    if (note_nonfinite(s, s->t_s, s->y, s->ydot))
        return integration_failed(s, CV_FIRST_RHSFUNC_ERR, t_out_s, err);
    double dt_s = t_out_s - s->t_s;
    for (int i = 0; i < s->n_states; i++) s->y[i] += dt_s * s->ydot[i];
    hold_bounds(s);
    s->t_s = t_out_s;
    return MK_OK;
}

static mk_status restart_cvode(mk_solver *s, mk_error *err)
{
    int flag = CVodeReInit(s->cvode, s->t_s, s->nv_y);
    if (flag != CV_SUCCESS) return cvode_setup_failed(s, flag, "restarting CVODE", err);
    s->seen = (cvode_counts){0, 0, 0, 0};
    s->restart_pending = 0;
    return MK_OK;
}

/* The tail of a failed CVode call: CVODE left y at the last good point, so keep the time
 * consistent with it.  Running out of steps leaves CVODE's history sound and the next
 * advance simply goes on (each call has its own budget); any other failure restarts. */
static mk_status cvode_failed(mk_solver *s, int flag, double t_reached_s, double t_out_s,
                              mk_error *err)
{
    if (isfinite(t_reached_s) && t_reached_s >= s->t_s && t_reached_s <= t_out_s)
        s->t_s = t_reached_s;
    if (flag != CV_TOO_MUCH_WORK) s->restart_pending = 1;
    if (flag == CV_MEM_FAIL)
        return mk_fail(err, MK_ERR_NOMEM, "out of memory integrating model '%s' at t = %.9g s",
                       s->abi->name ? s->abi->name : "?", s->t_s);
    return integration_failed(s, flag, t_out_s, err);
}

/* Integrate from s->t_s to t_out_s > s->t_s with at least one state. */
static mk_status integrate_to(mk_solver *s, double t_out_s, mk_error *err)
{
    s->cvode_msg[0] = '\0';
    s->bad.seen = 0;
    s->stall = (stall_note){0};
    if (s->restart_pending && gap_too_small_for_cvode(s->t_s, t_out_s))
        return euler_bridge(s, t_out_s, err);
    if (s->restart_pending) {
        mk_status st = restart_cvode(s, err);
        if (st != MK_OK) return st;
    }

    int flag = CVodeSetStopTime(s->cvode, t_out_s);
    if (flag != CV_SUCCESS) return cvode_setup_failed(s, flag, "setting the stop time", err);
    sunrealtype t_reached_s = s->t_s;
    flag = CVode(s->cvode, t_out_s, s->nv_y, &t_reached_s, CV_NORMAL);
    collect_counts(s);
    if (flag < 0) return cvode_failed(s, flag, t_reached_s, t_out_s, err);
    /* CV_SUCCESS or CV_TSTOP_RETURN: CVODE returned y at t_out exactly (interpolated or
     * stepped onto the stop time); record the requested time bit for bit. */
    hold_bounds(s);
    s->t_s = t_out_s;
    return MK_OK;
}

mk_status mk_solver_advance(mk_solver *s, double t_out_s, mk_error *err)
{
    if (!s) return mk_fail(err, MK_ERR_INVALID, "mk_solver_advance: no solver");
    if (!isfinite(t_out_s))
        return mk_fail(err, MK_ERR_INVALID, "cannot advance to t = %g s", t_out_s);
    if (t_out_s < s->t_s)
        return mk_fail(err, MK_ERR_INVALID,
                       "cannot advance backwards: t_out = %.17g s is before the current time "
                       "%.17g s (use mk_solver_reset to restart earlier)",
                       t_out_s, s->t_s);
    if (t_out_s == s->t_s) return MK_OK;
    if (s->n_states == 0) { /* nothing evolves: only the clock moves */
        s->t_s = t_out_s;
        return MK_OK;
    }
    return integrate_to(s, t_out_s, err);
}

/* ------------------------------------------------------------------ queries */

double mk_solver_time(const mk_solver *s) { return s ? s->t_s : NAN; }

const double *mk_solver_state(const mk_solver *s) { return s ? s->y : NULL; }

const double *mk_solver_vars(mk_solver *s)
{
    if (!s) return NULL;
    /* The model writes every algebraic variable as a side product of its right-hand side. */
    s->abi->rhs(s->t_s, s->y, s->ydot, s->inputs, s->params, s->vars);
    return s->vars;
}

mk_status mk_solver_eval_vars(mk_solver *s, const double **vars, mk_error *err)
{
    *vars = NULL;
    if (!s) return mk_fail(err, MK_ERR_INVALID, "mk_solver_eval_vars: no solver");
    const double *v = mk_solver_vars(s);
    const mk_model_abi *abi = s->abi;
    for (int k = 0; k < 2; k++) {
        int n = k ? abi->n_vars : abi->n_states;
        const double *x = k ? v : s->y;
        for (int i = 0; i < n; i++) {
            if (isfinite(x[i])) continue;
            const mk_symbol *sym = k ? &abi->vars[i] : &abi->states[i];
            return mk_fail(err, MK_ERR_SOLVER,
                           "model '%s': at t = %.9g s, %s '%s' is %g [%s] (a division by zero, "
                           "an overflow or a function outside its domain; check the parameters "
                           "it depends on)", abi->name ? abi->name : "?", s->t_s,
                           k ? "variable" : "state", name_of(sym), x[i], unit_of(sym));
        }
    }
    *vars = v;
    return MK_OK;
}

void mk_solver_get_stats(const mk_solver *s, mk_solver_stats *st)
{
    if (!st) return;
    memset(st, 0, sizeof *st);
    if (!s) return;
    *st = s->totals;
    st->rhs_evals = s->rhs_evals;
}

mk_status mk_solver_clone(const mk_solver *src, mk_solver **out, mk_error *err)
{
    *out = NULL;
    mk_solver *s = NULL;
    mk_status rc = mk_solver_new(src->abi, &src->opts, &s, err);
    const mk_model_abi *abi = src->abi;
    for (int i = 0; !rc && i < abi->n_params; i++) rc = mk_solver_set_param(s, i, src->params[i], err);
    for (int i = 0; !rc && i < abi->n_inputs; i++) rc = mk_solver_set_input(s, i, src->inputs[i], err);
    if (!rc) rc = mk_solver_reset(s, src->t_s, src->y, err);
    if (rc) {
        mk_solver_free(s);
        return rc;
    }
    *out = s;
    return MK_OK;
}

const double *mk_solver_params(const mk_solver *s) { return s->params; }

double mk_solver_input(const mk_solver *s, int index)
{
    return s && index >= 0 && index < s->abi->n_inputs ? s->inputs[index] : NAN;
}

double mk_solver_param(const mk_solver *s, int index)
{
    return s && index >= 0 && index < s->abi->n_params ? s->params[index] : NAN;
}

const mk_model_abi *mk_solver_abi(const mk_solver *s) { return s ? s->abi : NULL; }

#ifndef MK_SUNDIALS_BUILD
#define MK_SUNDIALS_BUILD "SUNDIALS build not recorded"
#endif
const char *mk_solver_build(void) { return MK_SUNDIALS_BUILD; }
