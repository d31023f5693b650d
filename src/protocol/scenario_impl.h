/*
 * scenario_impl.h -- shared between scenario.c (the positioned YAML tree, top-level keys,
 * values with units, assembling the protocol) and vocabulary.c (event types to input
 * changes).  Internal to src/protocol.
 */
#ifndef MK_PROTOCOL_SCENARIO_IMPL_H
#define MK_PROTOCOL_SCENARIO_IMPL_H

#include "core/site.h"
#include "io/ytree.h"
#include "protocol/scenario.h"

struct mk_scenario {
    char *file;      /* as given, for messages */
    char *text;      /* the YAML as read */
    char model[1024];
    int model_is_file;
    mk_ynode *root;   /* a mapping */
    int is_history;   /* a patient's conditioning history (start.c): no patient/start of its own */
};

/* ---------------------------------------------------------------- compiling */

/* One input held at value over [t0, t1); it reverts to the baseline at t1. */
typedef struct sc_seg {
    int input;
    double t0, t1, value;
    const mk_ynode *ev; /* the event that sets it */
    const char *event;  /* its type, the vocabulary's own static name (e.g. "desk_work") */
    int flag;           /* a 0/1 flag (therapy_session): overlapping holds of it are one hold,
                           their union, where any other input's overlap is an error */
} sc_seg;

/* What one occurrence of an event does, relative to its start. */
typedef struct sc_plan {
    sc_seg *segs;
    int n, cap;
    double length;          /* end of the last segment (0 for measurements) */
    mk_measurement *meas;   /* t_s relative */
    int n_meas, cap_meas;
    const char *kind;       /* annotation kind, NULL for measurements */
} sc_plan;

typedef struct sc_ctx {
    const mk_scenario *s;
    const mk_model_abi *abi;
    mk_units *u;
    const mk_anatomy *anat;
    int strict;
    mk_buf *warnings;
    mk_error *err;
    double duration;
    sc_seg *segs;
    int n_segs, cap_segs;
    mk_measurement *meas;
    int n_meas, cap_meas;
    mk_annotation *notes;
    int n_notes, cap_notes;
    /* start.c: where the patient starts (`patient:` or `start:`) */
    mk_ynode *patients;        /* the phenotype file's tree, while compiling */
    const mk_ynode *phenotype; /* the chosen phenotype's mapping in it */
    const mk_ypair *start_key; /* the `patient:` or `start:` pair */
    double *start_inputs;      /* the inputs at the start state (abi->n_inputs) */
    /* vocabulary.c: the model's interface labels, and those the timeline needs but the model
     * lacks (reported together once the whole timeline is read) */
    mk_site site;
    char site_prefix[64];      /* the event's `site:` while it is built ("" for the first) */
    int site_index;
    mk_site_set missing;
    int miss_line, miss_col;   /* the first event that needs a missing label */
    char miss_what[64];        /* what it needs them for */
} sc_ctx;

/* Flags for sc_quantity. */
enum {
    SQ_POSITIVE = 1,  /* > 0 */
    SQ_NONNEG = 2,    /* >= 0 */
    SQ_BARE = 4,      /* a bare number is allowed (dimensionless target) */
    SQ_DELTA = 8,     /* a temperature difference: degC means K */
    SQ_CLOCK = 16     /* a time that may be written "day N HH:MM" */
};

mk_status sc_fail(sc_ctx *cx, int line, int col, mk_status code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* mk_ykind_name, but "nothing" for an empty scalar */
const char *sc_kind_name(const mk_ynode *n);
/* Unknown keys of a mapping are errors, with a did-you-mean over `allowed` (NULL-ended). */
mk_status sc_check_keys(sc_ctx *cx, const mk_ynode *map, const char *const *allowed,
                        const char *where);
/* Fails naming the missing key at the mapping; hint: e.g. "a time, e.g. 'hold: 90 s'". */
mk_status sc_missing(sc_ctx *cx, const mk_ynode *map, const char *key, const char *where,
                     const char *hint);
/* A "value unit" scalar converted to target; what: "a time", "a pressure"; lo..hi inclusive
 * (NaN: no bound) in target units. */
mk_status sc_quantity(sc_ctx *cx, const mk_ypair *p, const char *target, const char *what,
                      int flags, double lo, double hi, double *out);
mk_status sc_int(sc_ctx *cx, const mk_ypair *p, long lo, long hi, long *out);
mk_status sc_bool(sc_ctx *cx, const mk_ypair *p, int *out);
/* Index into options (NULL-ended) of a scalar; `what` names the thing ("substance"). */
mk_status sc_enum(sc_ctx *cx, const mk_ypair *p, const char *const *options, const char *what,
                  int *out);
mk_status sc_string(sc_ctx *cx, const mk_ypair *p, char *buf, size_t size);
/* kind: an mk_symbol_kind, or -1 for states and variables together */
const char *sc_suggest_symbols(const mk_model_abi *abi, int kind, const char *name);

/* "day 2 02:00 (t = 93600 s)" */
const char *sc_fmt_time(double t, char *buf, size_t size);

/* scenario.c: a parameter override (replacing an earlier one of the same parameter), and a
 * `parameters:` mapping read into overrides (errors name cx->s->file). */
mk_status sc_set_param(sc_ctx *cx, mk_protocol *pr, int idx, double v, int line, int col);
mk_status sc_parameters(sc_ctx *cx, mk_protocol *pr, const mk_ypair *p);

/* start.c: the starting state.  sc_start_params (before the scenario's own parameters) checks
 * `patient:` and `start:` and takes the phenotype's or checkpoint's parameters;
 * sc_start_state (after every parameter and baseline is known) computes the phenotype's
 * state by simulating its conditioning history, or reads the checkpoint's, into pr->y0, and
 * makes the start's inputs the baseline of every input the scenario leaves unset.
 * sc_start_free releases what they kept in cx. */
mk_status sc_start_params(sc_ctx *cx, mk_protocol *pr);
mk_status sc_start_state(sc_ctx *cx, mk_protocol *pr, double *base, int *has_base);
void sc_start_free(sc_ctx *cx);

/* vocabulary.c: the timeline (a list of events) into cx->segs, cx->meas and cx->notes. */
mk_status sc_timeline(sc_ctx *cx, const mk_ynode *timeline);

#endif
