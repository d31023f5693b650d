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

/* ---------------------------------------------------------------- the result's record
 * for the module, the fit's residuals and the unit tests; callers of the library have the
 * accessors of include/myoknot/validate.h. */

typedef struct mk_vcurve {
    char label[128];   /* "core.flow", "PPT" */
    char unit[32];     /* the unit of v (converted to the published unit when it can be) */
    int n;
    double *t_s, *v;
    double w0_s, w1_s; /* the window the statistic used (NaN: whole run) */
    int band_applies;  /* the published band is in the curve's terms (max, min, at, ...) */
} mk_vcurve;

#define MK_V_MAX_ITEMS 8

struct mk_vresult {
    char name[96];
    char file[512];
    char quantity[256];
    char source[512];
    char published[160];   /* "270 (88 .. 574) kPa", as written */
    char unit[32];         /* the published unit, in which model values are given */
    char compare[16];      /* within, above, below, ordinal */
    char tolerance[160];   /* "accepted 240 .. 300 kPa", "any order step > 0" */
    char why[1024];
    char role[16];         /* calibration or validation */
    char role_why[512];    /* why the target has that role ("" if the file gives no reason) */
    char circular[512];    /* the model's parameters set from this target's number ("" if none) */
    char expected[1024];   /* expected_failure reason for this model, "" if none */
    int n_recorded;        /* the recorded model value(s) of an expected failure (ordinal: items) */
    double recorded[MK_V_MAX_ITEMS];
    double drift;          /* how far the value may move from the record (published unit) */
    double pub_value;      /* NaN for ordinal */
    double pub_lo, pub_hi; /* the published uncertainty or range (NaN if none) */
    double acc_lo, acc_hi; /* the accepted band (within), or the bound (above/below) */
    double model;          /* the model's number in `unit`; NaN when ordinal or on error */
    int n_items;           /* ordinal: the items' values, in order */
    double items[MK_V_MAX_ITEMS];
    int direction;         /* ordinal: +1 increasing, -1 decreasing (0 otherwise) */
    double min_step;       /* ordinal: each step must exceed it */
    char item_labels[MK_V_MAX_ITEMS][48];
    char model_text[160];  /* the model's answer as printed */
    mk_verdict verdict;
    char note[1024];       /* why it failed, or what the run said */
    mk_vcurve curve;
    double wall_s;
};

/* mk_vtarget_run into a record the caller owns (released with mk_vresult_clear). */
mk_status mk_vtarget_compute(mk_vtarget *t, const mk_model_abi *abi, mk_units *u, const mk_anatomy *anat,
                             mk_vresult *out, mk_error *err);
void mk_vresult_clear(mk_vresult *r);

/* ---------------------------------------------------------------- pieces, for tests */

/* A statistic of a sampled curve over [w0, w1] (NaN bounds: the whole curve).  stat: max,
 * min, mean, first, final, at, time_of_max, time_of_min, half_life, tau, first_above,
 * first_below, integral (gated_tau: mk_vstat_gated).  arg: the time for `at`, the threshold
 * for first_above/below.
 * Times returned are measured from w0 (or the first sample).  NaN if undefined (no samples,
 * never crosses). */
double mk_vstat(const char *stat, const double *t, const double *v, int n, double w0, double w1,
                double arg);
/* Slade et al. 2006's gated PCr-recovery time constant of a curve that drops in each of a train of
 * brief contractions starting every `period` s from w0 to w1 (whole periods only): Q the mean
 * drop from a contraction's onset to the lowest value before the next onset, D the mean steady
 * drop of the onset values below the value at t_rest, tau = -period / ln(D / (D + Q)).  NaN when
 * undefined (no whole period, no drop, no steady drop, more than MK_V_MAX_PERIODS periods). */
#define MK_V_MAX_PERIODS 10000
double mk_vstat_gated(const double *t, const double *v, int n, double w0, double w1, double t_rest, double period);
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
