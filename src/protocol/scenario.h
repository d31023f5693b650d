/*
 * scenario.h -- scenario files (YAML) compiled against a model into an mk_protocol.
 *
 * A scenario speaks the user's vocabulary (docs/scenarios.md): desk work, a stressful week,
 * ischaemic compression at 2.5 kg/cm2 for 90 s, an algometer measurement.  Loading reads the
 * YAML into a tree whose every node keeps its line and column; compiling checks it against
 * one model (names, units, ranges) and the anatomy (regions, muscles) and produces the
 * protocol: input changes in time order, parameter overrides, measurements, annotations.
 *
 * Every error names file:line:column, what was expected and what was found; a failed call
 * leaves *out NULL (there is no partial protocol).
 */
#ifndef MK_PROTOCOL_SCENARIO_H
#define MK_PROTOCOL_SCENARIO_H

#include "body/anatomy.h"
#include "myoknot.h"
#include "protocol/protocol.h"

typedef struct mk_scenario mk_scenario; /* parsed YAML, every node with line:column */

mk_status mk_scenario_load_file(const char *path, mk_scenario **out, mk_error *err);
/* file_name is used in messages and to resolve a relative `model:` path. */
mk_status mk_scenario_load_string(const char *file_name, const char *text, mk_scenario **out,
                                  mk_error *err);
/* The built-in model name (default "tp_site"), or the .myo path resolved relative to the
 * scenario file's directory. */
const char *mk_scenario_model(const mk_scenario *s);
/* The scenario's `model:` as written: 1 if it names a file (ends in .myo or has a '/'). */
int mk_scenario_model_is_file(const mk_scenario *s);

/*
 * Compile against a model.  anat may be NULL (then regions and muscles are not checked).
 * sets: n_sets command-line overrides "name=value unit" (a parameter, an input's baseline, or
 * duration / output_every / seed).  Parameter values outside their plausible range append a
 * warning line ("file:line:col: warning: ...\n") to warnings (may be NULL), or fail if strict.
 */
mk_status mk_scenario_compile(const mk_scenario *s, const mk_model_abi *abi, mk_units *u,
                              const mk_anatomy *anat, const char *const *sets, int n_sets,
                              int strict, mk_buf *warnings, mk_protocol **out, mk_error *err);
void mk_scenario_free(mk_scenario *s);

#endif
