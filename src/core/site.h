/*
 * site.h -- the site interface as the library sees it: labels, not component.name strings.
 *
 * A model declares its interface (`interface { core_po2 = core.po2 ... }`, docs/site-interface.md);
 * check.c binds every label to its symbol and the generated code carries the bindings
 * (mk_model_abi.labels).  The library names what it reads and writes by the labels below and
 * resolves them once per model into a mk_site of indices; which labels a task needs is the
 * task's business (a scenario needs those its events and measurements use; a generic model
 * such as models/decay.myo declares none and still runs), and every missing one is reported
 * in one error.
 */
#ifndef MK_CORE_SITE_H
#define MK_CORE_SITE_H

#include "myoknot.h"

/* X(ENUM, label): inputs, then outputs. */
#define MK_SITE_LABELS(X)                                                                  \
    X(LOAD_ACTIVATION, "load_activation") X(LOAD_STRETCH, "load_stretch")                  \
    X(LIFE_STRESS, "life_stress") X(LIFE_SLEEP, "life_sleep")                              \
    X(LIFE_DEHYDRATION, "life_dehydration") X(LIFE_HEAT, "life_heat")                      \
    X(EXP_CUFF, "exp_cuff") X(EXP_SALINE_RATE, "exp_saline_rate")                          \
    X(EXP_ACID_RATE, "exp_acid_rate") X(EXP_BK5HT_RATE, "exp_bk5ht_rate")                  \
    X(EXP_GLUTAMATE_RATE, "exp_glutamate_rate") X(EXP_ESTIM_RATE, "exp_estim_rate")        \
    X(EXP_ESTIM_INTENSITY, "exp_estim_intensity") X(THERAPY_PRESSURE, "therapy_pressure")  \
    X(THERAPY_AREA, "therapy_area") X(THERAPY_TOUCH, "therapy_touch")                      \
    X(THERAPY_NEEDLE_RATE, "therapy_needle_rate") X(THERAPY_SHAM_RATE, "therapy_sham_rate") \
    X(THERAPY_NSAID, "therapy_nsaid") X(THERAPY_CENTRAL_ANALGESIC, "therapy_central_analgesic") \
    X(THERAPY_ANAESTHETIC_RATE, "therapy_anaesthetic_rate") X(THERAPY_SESSION, "therapy_session") \
    X(CORE_PO2, "core_po2") X(CORE_PH, "core_ph") X(CORE_PCR, "core_pcr")                  \
    X(CORE_LACTATE, "core_lactate") X(CORE_FLOW, "core_flow") X(CORE_CA, "core_ca")        \
    X(CORE_DG_ATP, "core_dg_atp") X(SURROUND_PO2, "surround_po2")                          \
    X(SURROUND_FLOW, "surround_flow") X(BAND_STIFFNESS, "band_stiffness")                  \
    X(ENDPLATE_NOISE, "endplate_noise") X(NOCI_RATE, "noci_rate") X(NOCI_SENS, "noci_sens") \
    X(PAIN_LOCAL, "pain_local") X(PAIN_EVOKED_MARGIN, "pain_evoked_margin")                \
    X(PAIN_REFERRED, "pain_referred") X(SPINAL_UNMASK, "spinal_unmask")                    \
    X(SPINAL_CENTRAL_SENS, "spinal_central_sens") X(MOTOR_DRIVE, "motor_drive")            \
    X(SPINAL_EXPECT, "spinal_expect")

#define MK_SITE_ENUM_(e, s) MK_L_##e,
typedef enum mk_site_label { MK_SITE_LABELS(MK_SITE_ENUM_) MK_L_COUNT } mk_site_label;
#undef MK_SITE_ENUM_

/* A set of labels, one bit each (MK_L_COUNT <= 64). */
typedef unsigned long long mk_site_set;
#define MK_SITE_BIT(l) (1ULL << (l))

/* The model's binding of each label: its kind and index, index -1 where the model lacks it. */
typedef struct mk_site {
    const mk_model_abi *abi;
    int kind[MK_L_COUNT];
    int index[MK_L_COUNT];
} mk_site;

/* "core_po2" */
const char *mk_site_label_name(mk_site_label l);
/* Bind every label the model declares; never fails (a missing label is index -1). */
void mk_site_resolve(const mk_model_abi *abi, mk_site *site);
/* The labels of one site of a composed model (lang/compose.h): "PREFIX_core_po2" bound as
 * core_po2 (a site's segment and the person under every site reading them). */
void mk_site_resolve_prefix(const mk_model_abi *abi, const char *prefix, mk_site *site);
int mk_site_has(const mk_site *site, mk_site_label l);
/* The labels of need the model lacks. */
mk_site_set mk_site_missing(const mk_site *site, mk_site_set need);
/* One error naming every label of need the model lacks, needed for what ("a PPT measurement");
 * MK_OK if it has them all.  Located at file:line:col when file is given (the scenario line
 * that needs them), else at the model's file. */
mk_status mk_site_require(const mk_site *site, mk_site_set need, const char *what,
                          const char *file, int line, int col, mk_error *err);
/* The qualified name of the labelled symbol ("core.po2"): the column a run's series records
 * it under.  NULL if the model lacks the label. */
const char *mk_site_symbol(const mk_site *site, mk_site_label l);
/* Its index as a state or a variable (for the series or mk_solver_eval_vars): -1 if the
 * label is absent or of another kind. */
int mk_site_var(const mk_site *site, mk_site_label l);
int mk_site_input(const mk_site *site, mk_site_label l);
/* The labelled symbol's value now, whichever kind it is: a state from y, a variable from v
 * (spinal_central_sens is a state in tp_site, a variable in other models); dflt if the model
 * lacks the label or it names an input. */
double mk_site_value(const mk_site *site, mk_site_label l, const double *y, const double *v, double dflt);

#endif
