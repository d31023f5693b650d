/*
 * myoknot/scenario.h -- models by name, the anatomy, scenarios and the protocols compiled
 * from them, and the study: a scenario made ready against its model.
 *
 * A scenario (YAML, docs/scenarios.md) speaks the user's vocabulary; compiling it against one
 * model and the anatomy gives a protocol (input changes, parameter overrides, measurements).
 * Every error names file:line:column; an error in a caller's override list ("name=value
 * unit") has origin MK_ORIGIN_OVERRIDE and no file.
 */
#ifndef MYOKNOT_SCENARIO_H
#define MYOKNOT_SCENARIO_H

#include "myoknot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- models by name */

/* A model named by the user: a built-in name ("tp_site") gives the built-in ABI and its parsed
 * source; a path (with a '/', ending in .myo, or naming an existing file) is parsed and, when
 * compile is non-zero, compiled and loaded (mk_model_compile) through the user's model cache
 * ($MYOKNOT_CACHE, else $XDG_CACHE_HOME/myoknot, else ~/.cache/myoknot; MYOKNOT_CACHE=off:
 * none; docs/install.md).  An unknown name is an
 * MK_ERR_NAME error with a did-you-mean, listing the built-in models. */
typedef struct mk_model_ref mk_model_ref;
/* 1 when NAME is a path to a model file rather than a built-in name: it holds a '/' or ends in
 * .myo (how mk_model_open, a scenario's 'model:' and a trial design's tell them apart). */
MK_API int mk_model_names_file(const char *name);
MK_API mk_status mk_model_open(const char *name_or_path, int compile, mk_model_ref **out,
                               mk_error *err);
MK_API const mk_model_abi *mk_model_ref_abi(const mk_model_ref *r); /* NULL if not compiled */
MK_API const mk_model *mk_model_ref_model(const mk_model_ref *r);
MK_API void mk_model_ref_free(mk_model_ref *r);

/* ---------------------------------------------------------------- anatomy */

/* Body regions, muscles and spinal segments (embedded in the library; no data files). */
typedef struct mk_anatomy mk_anatomy;
MK_API mk_status mk_anatomy_load(mk_anatomy **out, mk_error *err);
MK_API void mk_anatomy_free(mk_anatomy *a);
/* 1 if id names a region as scenarios use them: "local", "temple_r", "vertex", ... */
MK_API int mk_anatomy_has_region(const mk_anatomy *a, const char *id);
/* 1 if id names a muscle of muscles.csv ("upper_trapezius") */
MK_API int mk_anatomy_has_muscle(const mk_anatomy *a, const char *id);
/* A suggestion for a misspelt region (muscles = 0) or muscle id, or NULL. */
MK_API const char *mk_anatomy_suggest(const mk_anatomy *a, const char *id, int muscles);

/* ---------------------------------------------------------------- scenarios and protocols */

typedef struct mk_scenario mk_scenario; /* parsed YAML, every node with line:column */
typedef struct mk_protocol mk_protocol; /* a scenario compiled against one model */

MK_API mk_status mk_scenario_load_file(const char *path, mk_scenario **out, mk_error *err);
/* file_name is used in messages and to resolve a relative `model:` path. */
MK_API mk_status mk_scenario_load_string(const char *file_name, const char *text,
                                         mk_scenario **out, mk_error *err);
/* The scenario built into the library (scenarios/default.yaml), as `myoknot run` runs it. */
MK_API mk_status mk_scenario_load_default(mk_scenario **out, mk_error *err);
/* The built-in model name (default "tp_site"), or the .myo path resolved relative to the
 * scenario file's folder. */
MK_API const char *mk_scenario_model(const mk_scenario *s);
/* 1 if the scenario's `model:` names a file (ends in .myo or has a '/'). */
MK_API int mk_scenario_model_is_file(const mk_scenario *s);
/* Compile against a model.  anat may be NULL (regions and muscles then unchecked).  sets:
 * n_sets overrides "name=value unit" (a parameter, an input's baseline, or duration,
 * output_every, seed).  A parameter outside its plausible range appends a line
 * "FILE:LINE:COL: warning: ...\n" (or "override: warning: ...") to warnings (may be NULL),
 * or fails when strict. */
MK_API mk_status mk_scenario_compile(const mk_scenario *s, const mk_model_abi *abi, mk_units *u,
                                     const mk_anatomy *anat, const char *const *sets, int n_sets,
                                     int strict, mk_buf *warnings, mk_protocol **out,
                                     mk_error *err);
MK_API void mk_scenario_free(mk_scenario *s);

MK_API const char *mk_protocol_name(const mk_protocol *p);
MK_API const char *mk_protocol_file(const mk_protocol *p);   /* the scenario file */
MK_API const char *mk_protocol_muscle(const mk_protocol *p); /* "upper_trapezius" */
MK_API const char *mk_protocol_side(const mk_protocol *p);   /* "r" or "l" */
MK_API double mk_protocol_duration_s(const mk_protocol *p);
MK_API double mk_protocol_output_every_s(const mk_protocol *p);
MK_API void mk_protocol_free(mk_protocol *p);

/* ---------------------------------------------------------------- studies */

/* A study: a scenario (a file, or the built-in default), its model (or another), the unit
 * system and the anatomy, compiled with a caller's overrides into a protocol: everything a
 * simulation needs, opened in one call.  A study is read-only once open: several threads may
 * run simulations of one study at the same time (mk_study_run). */
typedef struct mk_study mk_study;

typedef struct mk_study_opts {
    const char *model;           /* NULL: the scenario's own; else a built-in name or a path */
    const char *const *sets;     /* overrides "name=value unit", applied after the file's */
    int n_sets;
    const char *params_file;     /* NULL, or a parameter file ('parameters:' with
                                    'component.name: value unit', as myoknot fit writes it),
                                    applied before sets */
    int strict;                  /* parameters outside their plausible range are errors */
} mk_study_opts;

/* scenario_path NULL: the built-in default scenario.  opts may be NULL. */
MK_API mk_status mk_study_open(const char *scenario_path, const mk_study_opts *opts,
                               mk_study **out, mk_error *err);
MK_API void mk_study_free(mk_study *s);
/* The compile's warnings ("" if none), one per line. */
MK_API const char *mk_study_warnings(const mk_study *s);
MK_API const mk_protocol *mk_study_protocol(const mk_study *s);
MK_API const mk_model_abi *mk_study_abi(const mk_study *s);
MK_API const mk_model *mk_study_model(const mk_study *s);
MK_API const mk_anatomy *mk_study_anatomy(const mk_study *s);
/* The study's unit system.  UDUNITS-2 is not thread-safe: convert only from one thread. */
MK_API mk_units *mk_study_units(const mk_study *s);

/* A parameter file as overrides "name=value unit": *sets (n entries) is allocated, free it
 * with mk_strings_free. */
MK_API mk_status mk_params_file_read(const char *path, char ***sets, int *n, mk_error *err);
MK_API void mk_strings_free(char **list, int n);

#ifdef __cplusplus
}
#endif
#endif /* MYOKNOT_SCENARIO_H */
