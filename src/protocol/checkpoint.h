/*
 * checkpoint.h -- a run's final state, saved in its run directory as checkpoint.json so that
 * a scenario can start from it (`start: RUN_DIR`, docs/scenarios.md).
 *
 * The file records who wrote it (myoknot version, model name and hash, ABI version), the time
 * the state was taken (in the writing run's clock), every state by name and unit, the inputs
 * as they stood at the end, and the parameters that differ from the model's defaults.  Numbers
 * are written so that they read back bit for bit (cJSON prints %.17g where %.15g would lose a
 * digit), so a restart continues from exactly the state the first run ended in.
 *
 * Reading checks the file against the model that will run it: a state only means something
 * to the model (and the version of myoknot) that produced it, so any difference is refused.
 */
#ifndef MK_PROTOCOL_CHECKPOINT_H
#define MK_PROTOCOL_CHECKPOINT_H

#include "protocol/results.h"
#include "myoknot.h"

#define MK_CHECKPOINT_FILE "checkpoint.json"

/* A checkpoint read and checked against one model: arrays in the model's order. */
typedef struct mk_checkpoint {
    double t_s;          /* when the state was taken, in the writing run's clock */
    double *states;      /* abi->n_states, declared units */
    double *inputs;      /* abi->n_inputs, declared units */
    double *params;      /* abi->n_params: the values in force (defaults where none was set) */
    char scenario[96];   /* the name of the scenario that wrote it */
} mk_checkpoint;

/* The JSON text of a run's checkpoint (its last series row, which the simulation records at
 * the end of the run).  MK_ERR_INVALID if the series lacks a state or input column. */
mk_status mk_checkpoint_json(const mk_run_result *r, char **out, mk_error *err);

/* Read DIR/checkpoint.json and check it against abi.  Errors name `where` (the scenario file)
 * at line:col (the `start:` value) and say what is wrong: no such file, not a checkpoint,
 * another model (name or hash), another myoknot or ABI version, a missing or non-finite
 * state. */
mk_status mk_checkpoint_load(const char *dir, const mk_model_abi *abi, const char *where,
                             int line, int col, mk_checkpoint *out, mk_error *err);
void mk_checkpoint_free(mk_checkpoint *c);

#endif
