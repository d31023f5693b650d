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

/* The pressure ramp of an algometer (exposed for tests): on a copy of the solver, raise
 * therapy.pressure at rate_kpa_s over area_cm2 until pain.evoked_margin reaches 1.  *ppt_kpa
 * is the threshold, or NaN with a note if none is reached by max_kpa. */
mk_status mk_measure_ppt(const mk_solver *s, double rate_kpa_s, double area_cm2, double max_kpa,
                         double *ppt_kpa, char *note, size_t note_size, mk_error *err);

#endif
