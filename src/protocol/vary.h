/*
 * vary.h -- one treatment setting of a scenario changed in its text (myoknot sweep).
 *
 * A sweep runs a scenario at several values of an event's field (ischemic_compression.pressure,
 * stretch.strain, desk_work.load).  The value is written into the scenario's own text, in place
 * of the field's value in every timeline event of that type, so the scenario compiles exactly
 * as if the user had edited it: same checks, same messages, the same line:column.
 */
#ifndef MK_PROTOCOL_VARY_H
#define MK_PROTOCOL_VARY_H

#include "myoknot.h"

/* The number of timeline events of type `event` in the scenario text (0 if none; -1 and err
 * filled if the text is no scenario). */
int mk_scenario_count_events(const char *file, const char *text, const char *event, mk_error *err);

/* *out (free() it): text with `field` of every `event` event set to value (quoted).  Fails
 * (MK_ERR_NAME) when no such event sets that field, naming file and the first such event. */
mk_status mk_scenario_vary_text(const char *file, const char *text, const char *event, const char *field,
                                const char *value, char **out, mk_error *err);

/* The scenario's own `sweep: {vary: "NAME=A..B UNIT", steps: N}`, if it has one: *vary (NULL
 * when the scenario has no sweep: section) points into a copy the caller frees (free(*vary));
 * *steps is left alone when not given.  Errors name file:line:col. */
mk_status mk_scenario_sweep_spec(const char *file, const char *text, char **vary, int *steps, mk_error *err);

#endif
