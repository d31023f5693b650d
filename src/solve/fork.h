/*
 * fork.h -- continuing one run's solver as another's at an input switch (internal).
 *
 * The trial (src/cohort/trial.c) runs arms that share a start: a paired design's arms live the
 * same everyday life up to their first session.  A solver at a point where the next advance
 * restarts CVODE (an input switch: CVodeReInit drops the history) carries across that point
 * only its time, state, parameters and inputs, and the own sparse LU's pivot order
 * (splu.c: kept from start to start while it passes its threshold test).  A fork copies exactly
 * that, so a run continued from the fork integrates the same numbers, to the bit, as a run
 * that had come the whole way itself and restarted there.  Forking anywhere else (CVODE's
 * history alive) would not: mk_solver_fork itself does not check it (the fork always restarts
 * on its next advance); its caller, mk_sim_fork (protocol/simulate.c), forks only where the
 * other protocol's own run would restart.
 */
#ifndef MK_SOLVE_FORK_H
#define MK_SOLVE_FORK_H

#include <sundials/sundials_linearsolver.h>

#include "myoknot.h"

/* Whether the next advance of s re-initialises CVODE (an input, parameter or state changed
 * since its last step). */
int mk_solver_restart_pending(const mk_solver *s);

/* A new solver at src's time, state, parameters, inputs and pivot order, due to restart on its
 * next advance, with src's counters.  MK_ERR_INVALID when src's linear solver keeps more than
 * that across a restart (KLU's symbolic analysis). */
mk_status mk_solver_fork(const mk_solver *src, mk_solver **out, mk_error *err);

/* The conservation-law check of src (its values at the run's start, counts and drift), now
 * reading the solver s. */
mk_status mk_law_check_fork(const mk_law_check *src, const mk_solver *s, mk_law_check **out, mk_error *err);

/* Copy the pivot order and factors of src into dst (same n): 0, or -1 out of memory. */
int mk_splu_copy(SUNLinearSolver dst, SUNLinearSolver src);

#endif
