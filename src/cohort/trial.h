/*
 * trial.h -- virtual patients and trials: the layer above the body and the site.
 *
 * A trial design (YAML, trials/NAME.yaml, docs/trials.md) names
 *   - a population: a phenotype (data/patients.yaml) whose parameters are varied per patient
 *     over distributions or plausible ranges, sampled quasi-randomly (Sobol, GSL's
 *     gsl_qrng_sobol), and an acceptance rule (the patient's true PPT and pain at the
 *     baseline time point inside published population ranges, Britton et al. 2013);
 *   - an examiner: algometer error, pain-rating noise, palpation agreement (kappa);
 *   - an enrolment rule on the examiner's noisy screening (regression to the mean follows);
 *   - arms, each a scenario file (a treatment schedule over everyday life) with an
 *     expectation (placebo) response that is a documented input, paired (every patient cloned
 *     into every arm) or randomised;
 *   - named time points (measurement labels of the scenarios) and outcomes with a minimal
 *     important difference; comparisons between arms.
 *
 * Loading compiles every arm's scenario once (units are parsed there, single-threaded);
 * running simulates the patients in K threads, each patient's random numbers a function of
 * (seed, patient index) only (cohort/stream.h), so the results are the same bits for any K.
 * Per patient only the measured values are kept (a few doubles), never a time series, and
 * only while the patient is in flight: finished patients go to a temporary file (store.c).
 */
#ifndef MK_COHORT_TRIAL_H
#define MK_COHORT_TRIAL_H

#include "body/anatomy.h"
#include "cohort/stats.h"
#include "myoknot.h"
#include "myoknot/scenario.h"
#include "myoknot/trial.h"
#include "protocol/protocol.h"

#define MK_TRIAL_MAX_ARMS 6
#define MK_TRIAL_MAX_TIMES 8
#define MK_TRIAL_MAX_OUTCOMES 6
#define MK_TRIAL_MAX_PARAMS 16
#define MK_TRIAL_MAX_CMP 8
#define MK_TRIAL_MAX_ANCHORS 16
/* A patient whose simulation fails at a trial tolerance looser than this is run again, whole,
 * at this one (docs/trials.md, "Solver tolerance"). */
#define MK_TRIAL_RTOL_RETRY 1e-6

typedef enum mk_dist_kind { MK_DIST_UNIFORM, MK_DIST_NORMAL, MK_DIST_LOGNORMAL } mk_dist_kind;

/* One varied parameter (or scenario input): uniform on [a, b], normal (mean a, sd b) or
 * log-normal (median a, geometric sd b), each truncated to the plausible range by the
 * quantile map. */
typedef struct mk_trial_param {
    char name[128];
    const char *event;    /* NULL: a model parameter; else a scenario input a population may vary
                             per patient (population.inputs, docs/trials.md): a factor on what
                             every event of this type writes, in the history and in every arm */
    int index;            /* into abi->params; with event: into abi->inputs (the input it scales) */
    mk_dist_kind dist;
    double a, b;          /* declared unit of the parameter */
    double lo, hi;        /* the plausible range the draw is kept inside */
    int line, col;
} mk_trial_param;

typedef struct mk_trial_range {
    int set;
    double lo, hi;        /* NaN: open */
} mk_trial_range;

/* MK_OUT_REFERRED: spontaneous pain rated in a body region (the outcome's region) through the
 * site's referral map (scenario 'measure: pain, region: REGION'), 0-10 like MK_OUT_PAIN. */
typedef enum mk_outcome_kind { MK_OUT_PPT, MK_OUT_PAIN, MK_OUT_STIFFNESS, MK_OUT_REFERRED } mk_outcome_kind;

typedef struct mk_trial_outcome {
    char name[32];
    mk_outcome_kind kind;
    double mid;           /* minimal important difference: kPa, points (0-10) or kPa */
    char unit[16];
    int higher_better;    /* PPT: a rise is an improvement; pain, stiffness, referred pain: a fall */
    char region[64];      /* MK_OUT_REFERRED: the body region ("occiput_r"); else "" */
} mk_trial_outcome;

typedef struct mk_trial_time {
    char name[32];
    char label[64];       /* a measurement label of every arm's scenario ("week 4") */
} mk_trial_time;

typedef struct mk_trial_arm {
    char name[32];
    char scenario[1024];  /* resolved path */
    mk_protocol *proto;   /* compiled once at load */
    double expectation;   /* added to reported pain at every time after the first, points, times
                             (1 - the site's own treatment expectation then): docs/trials.md */
    char expectation_source[800];
    int meas[MK_TRIAL_MAX_TIMES][MK_TRIAL_MAX_OUTCOMES]; /* index into proto->meas */
    /* the site's treatment expectation (label spinal_expect, 0 .. 1) read with the pain
     * outcome at time t: a probe added to proto->meas at load; -1 where not read (the first
     * time point, no pain outcome, or a model without the label) */
    int expect_meas[MK_TRIAL_MAX_TIMES];
} mk_trial_arm;

/* A published result the trial is meant to reproduce (for the report only). */
typedef struct mk_trial_anchor {
    int cmp, outcome, time;
    double md, md_lo, md_hi, smd, smd_lo, smd_hi; /* NaN where not published */
    char source[200];
} mk_trial_anchor;

struct mk_trial_design {
    char file[1024];
    char name[96];
    char description[600];
    const mk_model_abi *abi;
    /* The model every arm runs: chosen by the caller (mk_trial_load_model), by the design's
     * 'model:' key, or (model_from 0) the one the arms' scenarios name; model_ref owns it when
     * chosen (a built-in or a .myo file compiled at load). */
    mk_model_ref *model_ref;
    int model_from;                           /* 0 the scenarios, 1 the design, 2 the caller */
    char phenotype[64];
    int paired;                               /* 1: cloned into every arm; 0: randomised */
    mk_trial_param params[MK_TRIAL_MAX_PARAMS]; /* the model's parameters, then the inputs */
    int n_params;
    int n_inputs;                             /* of n_params, the scenario inputs (at the end) */
    /* the sex covariate (population.sex): the share of women and, for men, a factor on each
     * named parameter relative to its value for women (the model's calibration) */
    int has_sex;
    double women_share;
    struct { int index; double factor; } men_fx[MK_TRIAL_MAX_PARAMS];
    int n_men_fx;
    char sex_source[400];
    mk_trial_range accept_ppt, accept_pain;   /* true values at the end of the history */
    char accept_source[400];
    /* the examiner (sources in the design file) */
    double ppt_sem_kpa;                       /* algometer: normal error, kPa */
    double pain_sd;                           /* a pain rating's noise, points */
    double kappa;                             /* palpation agreement between examiners */
    double tender_below_kpa;                  /* palpation's truth: a tender spot */
    /* enrolment on the examiner's screening */
    int need_palpation;
    mk_trial_range enrol_pain, enrol_ppt;
    mk_trial_arm arms[MK_TRIAL_MAX_ARMS];
    int n_arms;
    mk_trial_time times[MK_TRIAL_MAX_TIMES];
    int n_times;
    mk_trial_outcome outcomes[MK_TRIAL_MAX_OUTCOMES];
    int n_outcomes;
    int cmp[MK_TRIAL_MAX_CMP][2];             /* arm a vs arm b: differences are a - b */
    int n_cmp;
    mk_trial_anchor anchors[MK_TRIAL_MAX_ANCHORS];
    int n_anchors;
    int default_patients;
    double rtol;                              /* solver.rtol (0: not given, MK_TRIAL_RTOL_DEFAULT) */
    int o_ppt, o_pain;                        /* the PPT and pain outcomes, -1 if none */
    mk_protocol *history;                     /* the phenotype's history (arm 0's) */
    mk_units *units;                          /* owned: the arms were compiled with them */
    mk_anatomy *anat;                         /* owned: regions, muscles, referral */
};

/* What happened to a patient (patient flow). */
typedef enum mk_patient_fate {
    MK_FATE_REJECTED = 1,     /* phenotype outside the population's ranges */
    MK_FATE_NOT_ENROLLED,     /* screened out by the examiner */
    MK_FATE_FAILED,           /* a simulation failed: excluded from every comparison */
    MK_FATE_ANALYSED
} mk_patient_fate;

/* One patient's record: a fixed number of doubles per patient, no series.  A run holds only
 * a bounded window of these in memory (the patients in flight); finished ones go to the
 * result's store (a temporary file) in patient order. */
typedef struct mk_trial_patient {
    int index;                /* the patient's number (0 .. n - 1) */
    int fate;
    int arm;                  /* randomised: the allocated arm; paired: -1 */
    int sex;                  /* 0 woman, 1 man; -1: the design has no sex covariate */
    double *theta;            /* [n_params] */
    double true_ppt, true_pain;      /* at the baseline time point (acceptance) */
    double screen_ppt, screen_pain;  /* the examiner at screening */
    int screen_palp;
    char *failure;            /* MK_FATE_FAILED: the reason */
    int retried;              /* 1: its simulation failed at the trial's tolerance and this record is
                                 its run at MK_TRIAL_RTOL_RETRY (trial.c, run_patient) */
    /* [arm][time][outcome]: true value, and what the examiner recorded; NaN if not run */
    double *truth, *observed;
    /* [arm][time]: the points the arm's expectation input added to the pain rating, before
     * the examiner's error and rounding (0 at the baseline; NaN if not run or no pain outcome) */
    double *expect;
} mk_trial_patient;

/* The reductions, made once in patient order by two passes over the store (the same sums in
 * the same order as mk_stat_describe over an array: the same bits): per arm, outcome and time
 * the sample of the observed values ([0]) and of the change from the first time point ([1]);
 * responders; what the account reports. */
typedef struct mk_trial_tables {
    mk_stat_sample arm[2][MK_TRIAL_MAX_ARMS][MK_TRIAL_MAX_OUTCOMES][MK_TRIAL_MAX_TIMES];
    int resp[MK_TRIAL_MAX_ARMS][MK_TRIAL_MAX_OUTCOMES][MK_TRIAL_MAX_TIMES];
    int resp_n[MK_TRIAL_MAX_ARMS][MK_TRIAL_MAX_OUTCOMES][MK_TRIAL_MAX_TIMES];
    double rtm_screen, rtm_base, rtm_truth; /* regression to the mean: sums of pain */
    int rtm_n;
    int sex_w[3], sex_n[3];                 /* women / all: sampled, accepted, analysed */
    int rej_ppt, rej_pain, rej_both;        /* rejected for the true PPT only, pain only, both */
    int failed_early;                       /* failed before acceptance (history or baseline run):
                                               never accepted, screened or enrolled */
    int failed_index[3];                    /* the first failures, for the account */
    char *failed_why[3];
    int n_failed_shown;
} mk_trial_tables;

struct mk_trial_result {
    const mk_trial_design *d;
    int n;
    /* every patient this process holds, in patient order: a temporary file (unlinked) of
     * records (store_put in trial.c); after a run split across processes only this
     * process's patients, until mk_trial_gather fills in the others */
    FILE *store;
    int n_stored;
    mk_trial_tables *tab;
    int n_rejected, n_not_enrolled, n_failed, n_analysed;
    int n_retried;                    /* re-run at MK_TRIAL_RTOL_RETRY after a solver failure */
    int per_arm[MK_TRIAL_MAX_ARMS];   /* analysed per arm */
    int threads;
    int n_resumed;                    /* patients read from the journal, not run */
    int n_simulated;                  /* patients this process simulated */
    double model_s;                   /* model time those simulations integrated (histories and arms; a
                                         patient not enrolled runs an arm only to its baseline; an
                                         arm continued from another's run counts from there) */
    double covered_s;                 /* model time their results cover, however run: the history, and
                                         every whole arm (enrolled) or the first arm to its baseline */
    int window;                       /* patients held in memory at most while running */
    double wall_s;
    unsigned long long seed;
    double rtol;                      /* the solver's relative tolerance the patients ran at */
    int rtol_from;                    /* chosen by: 0 the trials' default, 1 the design, 2 the caller */
};

/* Reading the store: one patient at a time, in patient order, into c->pt (owned by the
 * cursor).  mk_trial_cursor_next returns 1 with the next patient, 0 at the end, -1 on a read
 * error (in c->err). */
typedef struct mk_trial_cursor {
    const mk_trial_result *r;
    mk_trial_patient pt;
    double *v;
    char *why;
    size_t why_cap;
    long long off;
    int left;
    mk_error err;
} mk_trial_cursor;

/* mk_trial_run, which is this with share 1.  With share 0 every arm is simulated from the
 * patient's start state to its end, the first arm's baseline once more to screen (the runs
 * before branch nowaste); with share 1 the screening run goes on into the enrolled patient's
 * arm and a paired design's arms continue the first arm's run from where they part
 * (trial.c, arms_shared).  The results are the same bytes (tests/cohort: test_shared_runs). */
mk_status mk_trial_run_shared(const mk_trial_design *d, const mk_trial_opts *o, int share, mk_trial_result **out,
                              mk_error *err);

mk_status mk_trial_cursor_open(mk_trial_cursor *c, const mk_trial_result *r, mk_error *err);
int mk_trial_cursor_next(mk_trial_cursor *c);
void mk_trial_cursor_close(mk_trial_cursor *c);

/* The store (store.c): opened empty by the run; a patient's record appended in patient
 * order; the flow and the tables reduced from it (after the run and after a gather). */
mk_status mk_trial_store_open(mk_trial_result *r, mk_error *err);
mk_status mk_trial_store_put(mk_trial_result *r, const mk_trial_patient *pt, mk_error *err);
mk_status mk_trial_reduce(mk_trial_result *r, mk_error *err);

/* [arm][time][outcome] values per patient; a record's layout (mk_trial_record_size doubles):
 * MK_TRIAL_RECORD_HEAD numbers (fate, arm, true PPT and pain, screened PPT and pain,
 * palpation, sex, re-run mark), theta, then the values block (mk_trial_values_size doubles,
 * one allocation: truth, observed, expect). */
#define MK_TRIAL_RECORD_HEAD 9
size_t mk_trial_per_patient(const mk_trial_design *d);
size_t mk_trial_values_size(const mk_trial_design *d);
/* Points the values block of one allocation (values_size + 1 doubles) at pt's arrays. */
void mk_trial_patient_values(const mk_trial_design *d, mk_trial_patient *pt, double *block);
void mk_trial_pack_patient(const mk_trial_design *d, const mk_trial_patient *pt, double *out);
mk_status mk_trial_unpack_patient(const mk_trial_design *d, const double *in, const char *failure,
                                  mk_trial_patient *pt, mk_error *err);

/* The protocol's input changes with the patient's scenario inputs (theta's last n_inputs)
 * applied, a fresh array in *changes; *changes untouched when the design varies no input. */
mk_status mk_trial_scale_inputs(const mk_trial_design *d, const mk_protocol *p, const double *theta,
                                mk_input_change **changes, mk_error *err);

/* v inside the range (an unset range holds everything; NaN is outside a set one). */
int mk_trial_in_range(const mk_trial_range *r, double v);

/* Index of [arm][time][outcome] in a patient's truth/observed arrays. */
static inline size_t mk_trial_slot(const mk_trial_design *d, int arm, int time, int outcome)
{
    return ((size_t)arm * (size_t)d->n_times + (size_t)time) * (size_t)d->n_outcomes + (size_t)outcome;
}

/* The comparison of design comparison c for an outcome at a time over the analysed patients,
 * on the observed values; with change != 0, on the change from the first time point. */
void mk_trial_compare(const mk_trial_result *r, int c, int outcome, int time, int change,
                      mk_stat_cmp *out);
/* Responders (an improvement from the first time point of at least the MID) in arm at time. */
void mk_trial_responders(const mk_trial_result *r, int arm, int outcome, int time, int *resp,
                         int *n);

#endif
