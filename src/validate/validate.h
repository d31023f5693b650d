/*
 * validate.h -- validation against published data (docs/validation.md).
 *
 * A validation *target* is one YAML file (data/validation/NN-name.yaml): one published
 * observation (value, uncertainty or range, unit, citation), the scenario that reproduces the
 * experiment (a file, or a mapping written inline in the scenario format), how the model's
 * number is extracted from the run (a small vocabulary: series statistics, measurements,
 * differences, ratios, orderings), the tolerance and its justification, and the comparison.
 *
 * Loading checks the whole file (keys, kinds, units, the embedded scenario's YAML) and names
 * file:line:column on every error; running compiles the scenario(s) against one model ABI,
 * simulates, extracts and compares.  The library never prints.
 */
#ifndef MK_VALIDATE_H
#define MK_VALIDATE_H

#include "body/anatomy.h"
#include "myoknot.h"

/* targets, results, verdicts: public, include/myoknot/validate.h */
#include "myoknot/validate.h"

/* ---------------------------------------------------------------- pieces, for tests */

/* A statistic of a sampled curve over [w0, w1] (NaN bounds: the whole curve).  stat: max,
 * min, mean, first, final, at, time_of_max, time_of_min, half_life, tau, first_above,
 * first_below, integral.  arg: the time for `at`, the threshold for first_above/below.
 * Times returned are measured from w0 (or the first sample).  NaN if undefined (no samples,
 * never crosses). */
double mk_vstat(const char *stat, const double *t, const double *v, int n, double w0, double w1,
                double arg);
/* 1 if stat is one of the names above. */
int mk_vstat_known(const char *stat);
/* 1 if the statistic returns a time (its unit is s whatever the curve's). */
int mk_vstat_is_time(const char *stat);

/* The comparison: within [lo, hi], above lo, below hi; ordinal: items strictly in the
 * direction (+1 increasing, -1 decreasing) by more than min_step each. */
int mk_vcompare(const char *compare, double model, double lo, double hi);
int mk_vordinal(const double *items, int n, int direction, double min_step);

/* How many dotted names COMPONENT.NAME in the target's role_why name a component of abi but no
 * parameter, state, input or variable of it (a parameter the model no longer has, e.g. from an
 * earlier version); why lists them.  Names whose component abi lacks (file names) are ignored. */
int mk_vtarget_stale_names(const mk_vtarget *t, const mk_model_abi *abi, char *why, size_t size);

/* How many of abi's parameters (or state initial values) were set from the target's own number
 * (the rules are in vcircular.c and docs/validation.md); why lists them.  tsrc is the target's
 * source text; state_var the state a series target reads ("" if none). */
int mk_vcircular(const char *tsrc, double value, double lo, double hi, const char *unit, const char *state_var,
                 const mk_model_abi *abi, char *why, size_t size);


#endif
