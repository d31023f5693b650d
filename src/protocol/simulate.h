/*
 * simulate.h -- a simulation: one model integrated against one protocol, with measurements
 * taken the way a clinician takes them, on copies of the simulated body.
 */
#ifndef MK_PROTOCOL_SIMULATE_H
#define MK_PROTOCOL_SIMULATE_H

#include "body/anatomy.h"
#include "protocol/results.h"
#include "protocol/protocol.h"

/* mk_sim_opts and the opaque mk_result over mk_run_result: include/myoknot/run.h */
#include "myoknot/run.h"

/* Integrate abi against p from t = 0 to p->duration_s, stopping exactly at every input
 * change; record a row every p->output_every_s; take each measurement on a copy of the state
 * just before the input changes scheduled at the same instant.  On failure out is freed and
 * left empty. */
mk_status mk_simulate(const mk_model_abi *abi, const mk_protocol *p, const mk_anatomy *anat,
                      const mk_sim_opts *o, mk_run_result *out, mk_error *err);

/* The same simulation in steps (mk_simulate is begin, then end), for a caller that looks at a
 * run part-way (the trial's screening at baseline) or continues one run's start as another
 * run (a paired trial's arms).  Internal: one thread per mk_sim, no shared state. */
typedef struct mk_sim mk_sim;

/* Set up the run and take the measurements at t = 0: it is paused at 0 (below). */
mk_status mk_sim_begin(const mk_model_abi *abi, const mk_protocol *p, const mk_anatomy *anat,
                       const mk_sim_opts *o, mk_sim **out, mk_error *err);
/* Go on to the first stop of the solver (output time, input change or measurement time) at or
 * after until_s, and pause there once the measurements due are taken, before the changes due
 * (or stop at the end of the run).  The calls the solver sees do not depend on the pauses: a
 * run paused anywhere gives the same bits as one that is not. */
mk_status mk_sim_run(mk_sim *m, double until_s, mk_error *err);
/* Where the run is (paused or ended), and where it began (a fork's time). */
double mk_sim_time(const mk_sim *m);
double mk_sim_start_time(const mk_sim *m);
/* Measurement i of the protocol if taken yet (examiner noise included), else NULL. */
const mk_meas_result *mk_sim_meas(const mk_sim *m, int i);
/* Run to the end, hand over the result as mk_simulate's, free m (also on failure). */
mk_status mk_sim_end(mk_sim *m, mk_run_result *out, mk_error *err);
void mk_sim_free(mk_sim *m);
/* A run of protocol p continued from src, paused at t, instead of from 0: p must share src's
 * way there -- the initial state and parameters, every input change before t, every
 * measurement up to t (whose results it takes over), every output row before t -- and one of
 * p's own changes at t must switch an input, so that p's own run would restart the solver there
 * (solve/fork.h) and the continued run integrates its bits.  MK_ERR_INVALID (and nothing made)
 * when p does not qualify.  The fork's series begins at t; its conservation-law check goes on
 * from src's start. */
mk_status mk_sim_fork(const mk_sim *src, const mk_protocol *p, const mk_anatomy *anat, mk_sim **out, mk_error *err);

/* Whether two measurements read the same thing at the same time, two input changes set the
 * same input to the same value at the same time (what a fork's way there is held to). */
int mk_same_measurement(const mk_measurement *a, const mk_measurement *b);
int mk_same_change(const mk_input_change *a, const mk_input_change *b);

/* The pressure ramp of an algometer (exposed for tests): on a copy of the solver, raise
 * therapy.pressure at rate_kpa_s over area_cm2 until pain.evoked_margin reaches 1.  *ppt_kpa
 * is the threshold, or NaN with a note if none is reached by max_kpa. */
mk_status mk_measure_ppt(const mk_solver *s, double rate_kpa_s, double area_cm2, double max_kpa,
                         double *ppt_kpa, char *note, size_t note_size, mk_error *err);

#endif
