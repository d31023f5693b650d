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

/* The declarations are public: include/myoknot/scenario.h (loading, the model named, compiling
 * with overrides, the protocol's accessors). */
#include "myoknot/scenario.h"

/* A trigger point of a scenario's `sites:` list (docs/site-composition.md). */
typedef struct mk_scn_site {
    char muscle[48];  /* anatomy muscle id */
    char side[2];     /* "r" or "l" */
    int key;          /* satellite_of: the index of its key site, -1 for none */
    int line, col;    /* the list item in the scenario */
} mk_scn_site;

/* The scenario's `sites:` list, `side: both` as two sites, into out (MK_MAX_SITES entries);
 * *n = 0 when the scenario has no `sites:`.  Errors at file:line:col: not a list of
 * {muscle, side}, an unknown muscle (did you mean), a site given twice, more than
 * MK_MAX_SITES, `site:` beside `sites:`, a `satellite_of:` that names no earlier site. */
mk_status mk_scenario_sites(const mk_scenario *s, const mk_anatomy *anat, mk_scn_site *out, int *n,
                            mk_error *err);

#endif
