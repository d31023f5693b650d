/*
 * protocol.h -- what happens to the simulated body over time, compiled from a scenario.
 *
 * A scenario (YAML, src/protocol/scenario.c) speaks the user's vocabulary: desk work, a
 * stressful week, ischaemic compression at 2.5 kg/cm2 for 90 s, an algometer measurement.
 * Compiling it against a model gives this protocol: piecewise-constant input changes (in
 * each input's declared unit, sorted by time: every change is a solver breakpoint), parameter
 * overrides, and measurements to take on copies of the state.  The simulation engine
 * (src/protocol/simulate.c) consumes it; nothing here knows about the solver.
 */
#ifndef MK_PROTOCOL_H
#define MK_PROTOCOL_H

#include "core/limits.h"
#include "myoknot.h"

/* A value change of one model input at one time; it holds until the next change. */
typedef struct mk_input_change {
    double t_s;
    int input;      /* index into abi->inputs */
    double value;   /* declared unit of that input */
    const char *event; /* the type of the event whose occurrence starts this value, the
                          vocabulary's static name ("desk_work", "stress", ...); NULL for a
                          baseline and for a return to it.  A trial's population may scale
                          what one event type writes (src/cohort, population.inputs). */
} mk_input_change;

typedef enum mk_meas_kind {
    MK_MEAS_PPT,        /* pressure pain threshold by algometer ramp; result in kPa */
    MK_MEAS_PAIN,       /* pain 0-10 in a body region (or "local"); arg: evoked pressure kPa, 0 = spontaneous */
    MK_MEAS_STIFFNESS,  /* taut band shear modulus, kPa */
    MK_MEAS_NOISE,      /* endplate noise (spontaneous electrical activity) */
    MK_MEAS_OUTPUT      /* any state or variable of the model by name */
} mk_meas_kind;

typedef struct mk_measurement {
    double t_s;
    mk_meas_kind kind;
    char label[64];      /* as the scenario names it, e.g. "PPT before" */
    char region[64];     /* MK_MEAS_PAIN: region id ("local", "temple_r", ...) */
    char output[128];    /* MK_MEAS_OUTPUT: qualified model name */
    double arg;          /* PPT: ramp rate in kPa/s; PAIN: applied pressure in kPa (0: none) */
    double area_cm2;     /* PPT/PAIN: probe area */
    /* With `sites:`, the site measured (`site:` on the event): its prefix ("levator_scapulae_r")
     * and index in the protocol's sites; "" and 0: the first site, by the unprefixed labels. */
    char site[64];
    int site_index;
    int line, col;       /* in the scenario file */
} mk_measurement;

typedef struct mk_param_override {
    int param;           /* index into abi->params */
    double value;        /* declared unit */
    int line, col;
} mk_param_override;

/* A labelled interval for figures and the report ("ischaemic compression 1/3"). */
typedef struct mk_annotation {
    double t0_s, t1_s;
    char label[96];
    char kind[32];       /* "load", "life", "experiment", "therapy" */
} mk_annotation;

typedef struct mk_protocol {
    char name[96];
    char description[512];
    char model[1024];          /* built-in model name or path of a .myo file */
    char file[1024];           /* the scenario file */
    char muscle[64];           /* site: anatomy muscle id, e.g. "upper_trapezius" */
    char side[8];              /* "r" or "l" */
    /* `sites:` (several trigger points in one composed model, docs/site-composition.md): each
     * site's muscle and side, the first the same as muscle and side above; 0 without. */
    int n_sites;
    int sites_line, sites_col; /* the scenario's sites: key (errors about the sites point there) */
    struct {
        char muscle[48];
        char side[2];
    } sites[MK_MAX_SITES];
    double duration_s;
    double output_every_s;
    unsigned long seed;
    /* The simulated examiner's algometer error: the SD of a PPT reading about the model's
     * threshold, drawn from `seed` (0: readings are exact, the default).  Scenario key
     * `examiner: {algometer_sem: Q}`, or --set examiner.algometer_sem=Q. */
    double algometer_sem_kpa;
    mk_param_override *params;
    int n_params;
    mk_input_change *changes; /* sorted by t_s (stable) */
    int n_changes;
    mk_measurement *meas;     /* sorted by t_s */
    int n_meas;
    mk_annotation *notes;
    int n_notes;
    char *yaml_text;          /* the scenario as read, for the manifest */
    /* The starting state (abi->n_states values in declared units), NULL for the model's
     * initial values; set by `patient:` (a phenotype's conditioning history, simulated) or
     * `start:` (a run's checkpoint).  `start` says which, for the manifest and the report. */
    double *y0;
    char start[1200];         /* "" or e.g. "patient active_trp" or "checkpoint DIR/checkpoint.json" */
    /* With `patient:`, the phenotype's conditioning history as compiled (the person's
     * parameters, one output row at its end, no measurements), kept so that a cohort
     * (src/cohort) can re-run it with each virtual patient's parameters; else NULL. */
    struct mk_protocol *history;
} mk_protocol;

void mk_protocol_free(mk_protocol *p);

#endif
