/*
 * myoknot.h -- the public C API of libmyoknot.
 *
 * Conventions (as in SQLite and SUNDIALS):
 *   - every fallible function returns an mk_status (MK_OK == 0) and, on failure, fills the
 *     caller's mk_error with a message that names the place at fault (file:line:column when
 *     input is to blame);
 *   - the library never prints and never exits; the command-line client reports;
 *   - objects are opaque handles created by mk_X_new or mk_X_load and released by mk_X_free (NULL is a
 *     no-op);
 *   - there is no global mutable state: two threads may use two handles freely.
 */
#ifndef MYOKNOT_H
#define MYOKNOT_H

#include <stddef.h>
#include "myoknot/model_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MK_VERSION "0.1.0"
/* The shared library's ABI (its soname, libmyoknot.so.N; CMakeLists.txt reads it from here):
 * raised whenever a public record's layout or a function's signature changes, so that a
 * program built against the old headers is not run against an incompatible library.
 * 1: the results of scans, sensitivity analyses and fits became opaque handles.
 * 2: continuation and validation results became opaque handles. */
#define MK_SOVERSION 2

/* What the shared library exports: the declarations marked MK_API in include/ and nothing
 * else (it is built with -fvisibility=hidden; tests/cli/api_symbols.sh checks). */
#if defined(__GNUC__)
#define MK_API __attribute__((visibility("default")))
#else
#define MK_API
#endif

/* ---------------------------------------------------------------- errors */

typedef enum mk_status {
    MK_OK = 0,
    MK_ERR_NOMEM,     /* out of memory */
    MK_ERR_IO,        /* a file could not be read or written */
    MK_ERR_SYNTAX,    /* model or scenario text does not parse */
    MK_ERR_UNIT,      /* unknown unit or dimensional mismatch */
    MK_ERR_NAME,      /* undefined, duplicate or reserved name */
    MK_ERR_CYCLE,     /* algebraic variables depend on each other in a loop */
    MK_ERR_MODEL,     /* a model is incomplete (state without equation, ...) */
    MK_ERR_COMPILE,   /* the system C compiler or the dynamic loader failed */
    MK_ERR_SOLVER,    /* the integrator failed */
    MK_ERR_INVALID    /* an argument is out of its domain */
} mk_status;

/* Where an error comes from, so that a caller decides what to do (a command's exit code, a
 * binding's exception class) without comparing message text.  An error names a file (and
 * line) when a file is at fault; the origin says which kind of input it is.  Errors that no
 * caller needs to tell apart stay MK_ORIGIN_LIBRARY. */
typedef enum mk_origin {
    MK_ORIGIN_LIBRARY = 0, /* the library itself or the system (memory, files, the solver) */
    MK_ORIGIN_OVERRIDE,    /* an entry of a caller's override list ("name=value unit") */
    MK_ORIGIN_ARGUMENT     /* another argument a caller passed (an option's value) */
} mk_origin;

typedef struct mk_error {
    mk_status code;
    mk_origin origin;
    char file[1024];  /* input at fault, "" if none */
    int line, column; /* 1-based; 0 if not applicable */
    char message[1024];
} mk_error;

/* "file:line:col: message" (or just the message) into buf; returns buf. */
MK_API const char *mk_error_format(const mk_error *err, char *buf, size_t size);
MK_API const char *mk_status_name(mk_status code);
MK_API const char *mk_origin_name(mk_origin origin); /* "library", "override", "argument" */
MK_API const char *mk_version(void);

/* ---------------------------------------------------------------- fault injection */

/* For tests (as SQLite's fault-injection harness): after n more successful allocations, every
 * allocation libmyoknot makes fails until the next call; n < 0 disarms.  The only process-wide
 * setting in the library: set it before threads start.  mk_alloc_failures() counts the
 * allocations refused since the last call. */
MK_API void mk_alloc_fail_after(long n);
MK_API long mk_alloc_failures(void);

/* The library's allocator: every allocation of libmyoknot (and of the myoknot command) goes
 * through it, so that the fault injection above reaches it.  What it returns, and every
 * string or list the API hands over, is released with free(). */
MK_API void *mk_malloc(size_t size);
MK_API void *mk_calloc(size_t count, size_t size);
MK_API void *mk_realloc(void *ptr, size_t size);
MK_API char *mk_strdup(const char *s);

/* ---------------------------------------------------------------- growable text buffer */

typedef struct mk_buf {
    char *data;
    size_t len, cap;
    int failed;       /* set once an allocation fails; further appends are ignored */
} mk_buf;

MK_API void mk_buf_init(mk_buf *b);
MK_API void mk_buf_free(mk_buf *b);
MK_API void mk_buf_puts(mk_buf *b, const char *s);
MK_API void mk_buf_printf(mk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---------------------------------------------------------------- units */

/* A unit system: UDUNITS-2's SI database extended with the units of our field (molar, poise,
 * arbitrary units, clinical aliases such as kg/cm2 meaning kilogram-force per cm2). */
typedef struct mk_units mk_units;

MK_API mk_status mk_units_new(mk_units **out, mk_error *err);
MK_API void mk_units_free(mk_units *u);
/* Convert "value unit" text (e.g. "2.5 kg/cm2") into target_unit (e.g. "kPa"). */
MK_API mk_status mk_units_convert_quantity(mk_units *u, const char *quantity, const char *target_unit,
                                    double *value_out, mk_error *err);
/* Convert a number from one unit to another. */
MK_API mk_status mk_units_convert(mk_units *u, double value, const char *from, const char *to,
                           double *value_out, mk_error *err);

/* ---------------------------------------------------------------- model language */

typedef struct mk_model mk_model; /* a parsed, name-resolved, unit-checked model file */

/* Parse and check.  file_name is used in messages. */
MK_API mk_status mk_model_parse_file(const char *path, mk_model **out, mk_error *err);
MK_API mk_status mk_model_parse_string(const char *file_name, const char *text, mk_model **out,
                                mk_error *err);
/* With `extends NAME` a model names its base: base_fn(ctx, NAME) (if given) may return the
 * text of a model built in, else NAME.myo beside the file is read; `extends "path.myo"` is
 * always that file, relative to the model's file (file_name). */
typedef const char *(*mk_model_base_fn)(void *ctx, const char *name);
MK_API mk_status mk_model_parse_with(const char *file_name, const char *text, mk_model_base_fn base_fn,
                              void *ctx, mk_model **out, mk_error *err);
MK_API mk_status mk_model_parse_file_with(const char *path, mk_model_base_fn base_fn, void *ctx,
                                   mk_model **out, mk_error *err);
MK_API void mk_model_free(mk_model *m);

MK_API const char *mk_model_name(const mk_model *m);
MK_API int mk_model_count(const mk_model *m, mk_symbol_kind kind);
MK_API int mk_model_count_outputs(const mk_model *m);

/* Readable C implementing mk_model_abi; exported symbol "mk_model_<name>". */
MK_API mk_status mk_model_generate_c(const mk_model *m, mk_buf *out, mk_error *err);
/* The model as a standalone Python module (math only): PARAMS, STATES, INPUTS, VARS with
 * units, y0() and rhs(t_s, y, inputs, params) -- the generated C's right-hand side, for
 * cross-checks with SciPy (`myoknot model py`). */
MK_API mk_status mk_model_generate_py(const mk_model *m, mk_buf *out, mk_error *err);
/* Equations as Markdown with LaTeX maths, parameter table, dependency order. */
MK_API mk_status mk_model_write_markdown(const mk_model *m, mk_buf *out, mk_error *err);
/* The model as SBML Level 3 Version 2 (libsbml; `myoknot model sbml`, docs/sbml.md): every
 * quantity a <parameter> in coherent SI with its units, rate rules for the states, assignment
 * rules for the variables in dependency order, the declared unit, value, range, source and
 * description in an annotation per parameter. */
MK_API mk_status mk_model_write_sbml(const mk_model *m, mk_buf *out, mk_error *err);

/* ---------------------------------------------------------------- loaded models */

/* A runnable model: built in, or compiled from a file at run time (generate, cc, dlopen). */
typedef struct mk_loaded mk_loaded;

typedef struct mk_compile_opts {
    const char *cc;        /* compiler command; NULL: $CC or "cc" */
    const char *work_dir;  /* where to build; NULL: a fresh directory under $TMPDIR */
    int keep_files;        /* leave the generated C and the shared object behind */
    const char *cache_dir; /* NULL: compile every time; else reuse and keep compiled objects
                              there, keyed by the generated code, compiler and flags (a private
                              folder; mk_model_open uses the user's, docs/install.md) */
} mk_compile_opts;

MK_API mk_status mk_model_compile(const mk_model *m, const mk_compile_opts *opts, mk_loaded **out,
                           mk_error *err);
/* A model compiled into the library, by name; NULL if none. */
MK_API const mk_model_abi *mk_builtin_find(const char *name);
/* The i-th built-in model (0-based), NULL past the end. */
MK_API const mk_model_abi *mk_builtin_at(int i);
MK_API const mk_model_abi *mk_loaded_abi(const mk_loaded *l);
MK_API void mk_loaded_free(mk_loaded *l);

/* Index of a symbol by qualified name, -1 if absent. */
MK_API int mk_abi_find(const mk_model_abi *abi, mk_symbol_kind kind, const char *name);
/* The symbol a label of the model's interface names (`interface { core_po2 = core.po2 }`,
 * docs/site-interface.md): its qualified name, the column a run's series records it under;
 * NULL if the model has no such label. */
MK_API const char *mk_abi_label_symbol(const mk_model_abi *abi, const char *label);

/* ---------------------------------------------------------------- integration */

typedef struct mk_solver mk_solver;

typedef struct mk_solver_opts {
    double rtol;           /* relative tolerance (default 1e-6) */
    double atol;           /* absolute tolerance, in each state's declared unit (default 1e-9) */
    long max_steps;        /* per call to mk_solver_advance (default 100000) */
    double max_step_s;     /* 0: no limit */
    int jacobian;          /* MK_JAC_AUTO (0, the default): the model's analytic Jacobian when it
                            * has one; MK_JAC_DIFFERENCES: CVODE's finite differences */
    int linear_solver;     /* MK_LINSOL_AUTO (0, the default: myoknot's own sparse LU with the
                            * analytic Jacobian, KLU above 200 states, dense with finite
                            * differences), MK_LINSOL_DENSE,
                            * MK_LINSOL_KLU (SuiteSparse's sparse LU) or MK_LINSOL_SPLU (myoknot's
                            * sparse LU, pivot order chosen on a pattern's first matrix); both sparse ones need
                            * the model's analytic Jacobian */
} mk_solver_opts;

enum { MK_JAC_AUTO = 0, MK_JAC_DIFFERENCES = 1 };
enum { MK_LINSOL_AUTO = 0, MK_LINSOL_DENSE = 1, MK_LINSOL_KLU = 2, MK_LINSOL_SPLU = 3 };

typedef struct mk_solver_stats {
    long steps, rhs_evals, jac_evals, err_test_fails, nonlin_conv_fails;
} mk_solver_stats;

MK_API void mk_solver_opts_default(mk_solver_opts *o);
/* opts may be NULL (defaults).  Parameters, inputs and states start at the model's defaults. */
MK_API mk_status mk_solver_new(const mk_model_abi *abi, const mk_solver_opts *opts, mk_solver **out,
                        mk_error *err);
MK_API void mk_solver_free(mk_solver *s);
/* Restart from y (declared units; NULL keeps the current state) at t_s. */
MK_API mk_status mk_solver_reset(mk_solver *s, double t_s, const double *y, mk_error *err);
MK_API mk_status mk_solver_set_param(mk_solver *s, int index, double value, mk_error *err);
/* Inputs are piecewise constant: set them, then reset or advance (a change of input is a
 * breakpoint, so the solver restarts itself). */
MK_API mk_status mk_solver_set_input(mk_solver *s, int index, double value, mk_error *err);
/* Integrate exactly to t_out_s (never past it). */
MK_API mk_status mk_solver_advance(mk_solver *s, double t_out_s, mk_error *err);
MK_API double mk_solver_time(const mk_solver *s);
/* The pointers below stay valid until the next advance, reset, vars call or free. */
MK_API const double *mk_solver_state(const mk_solver *s);
/* Algebraic variables at the current time (declared units), computed on demand. */
MK_API const double *mk_solver_vars(mk_solver *s);
/* The same, checked: a state or variable that is not finite (a division by zero, a function
 * outside its domain) is an MK_ERR_SOLVER error naming the time, the quantity and its value,
 * so that no NaN or infinity reaches a table, a measurement or a file. */
MK_API mk_status mk_solver_eval_vars(mk_solver *s, const double **vars, mk_error *err);
MK_API double mk_solver_input(const mk_solver *s, int index);
MK_API const double *mk_solver_params(const mk_solver *s); /* declared units */
/* A parameter's current value (declared unit); NaN for an index out of range. */
MK_API double mk_solver_param(const mk_solver *s, int index);
MK_API const mk_model_abi *mk_solver_abi(const mk_solver *s);
MK_API void mk_solver_get_stats(const mk_solver *s, mk_solver_stats *st);
/* Which SUNDIALS build integrates (Debian's binary or ours from its source at -O2), for the
 * manifest: the numbers are the same, the speed is not. */
MK_API const char *mk_solver_build(void);
/* An independent copy at the same time, state, parameters and inputs (statistics start at
 * zero): measurements probe the copy so that measuring changes nothing. */
MK_API mk_status mk_solver_clone(const mk_solver *src, mk_solver **out, mk_error *err);

/* The model's conservation laws (`conserve`, docs/model-language.md), checked as a run goes.
 * new records each law's value at the solver's present state and parameters (the start of a
 * run), refusing a law that is not finite, is 0 without a scale, or does not move when one of
 * its states does; check compares the present value with it, failing (MK_ERR_SOLVER) with the
 * law, the time and the relative drift once the drift exceeds the law's tol.  A model without
 * laws gives a checker that checks nothing. */
typedef struct mk_law_check mk_law_check;
MK_API mk_status mk_law_check_new(const mk_solver *s, mk_law_check **out, mk_error *err);
MK_API mk_status mk_law_check_now(mk_law_check *c, const mk_solver *s, mk_error *err);
MK_API long mk_law_check_count(const mk_law_check *c);       /* law evaluations compared so far */
MK_API double mk_law_check_drift_max(const mk_law_check *c); /* the largest relative drift seen */
MK_API void mk_law_check_free(mk_law_check *c);

/* The model at its present parameters and inputs, held, from the solver's present time and
 * state: a row at the start (t 0) and every every_s after it, the last at duration_s even when
 * the interval does not divide it; each row's states and variables are checked finite and the
 * conservation laws checked before row() sees them (t counts from the start, declared units).
 * An interval longer than the duration or giving more than 10^6 rows is refused (origin
 * MK_ORIGIN_ARGUMENT). */
typedef void (*mk_sample_row_fn)(void *ctx, double t_s, const double *states, const double *vars);
MK_API mk_status mk_solver_sample(mk_solver *s, double duration_s, double every_s, mk_sample_row_fn row, void *ctx,
                                  mk_error *err);

#ifdef __cplusplus
}
#endif

/* The layers above the model and the solver (docs/api.md lists everything): */
/* ---------------------------------------------------------------- names and text files */

/* The closest of n candidates (NULL entries skipped; n < 0: the list ends at a NULL) within
 * mk_hint_limit, or NULL. */
MK_API const char *mk_suggest(const char *name, const char *const *cands, int n);

/* What kind of text file mk_read_text_file reads, for its limit and messages. */
typedef struct mk_text_kind {
    const char *what;     /* "a scenario": "larger than the limit of N bytes for a scenario" */
    size_t max_len;       /* longest text accepted, in bytes; 0: no limit */
    const char *nul_msg;  /* a NUL byte in the file; NULL: "not a text file (contains NUL bytes)" */
    const char *read_msg; /* a read error; NULL: "cannot read" */
} mk_text_kind;

/* Read a whole text file into *out (NUL-ended; free() it) and its length into *len (len may
 * be NULL).  kind may be NULL (no limit, the default messages).  Every file myoknot reads as
 * input comes through here: it is opened without blocking and must be a regular file, so a
 * FIFO, a device or a folder is refused at once instead of hanging or being read forever.
 * Fails naming the path: MK_ERR_IO "cannot open: <why>", not a regular file, a read error or
 * a text over the limit (checked before reading), MK_ERR_SYNTAX a NUL byte. */
MK_API mk_status mk_read_text_file(const char *path, const mk_text_kind *kind, char **out, size_t *len,
                            mk_error *err);


#include "myoknot/output.h"   /* atomic files, output folders */
#include "myoknot/scenario.h" /* models by name, anatomy, scenarios, protocols, studies */
#include "myoknot/run.h"      /* simulations, results, run directories */
#include "myoknot/validate.h" /* validation targets against published data */
#include "myoknot/body.h"     /* referred pain: parameters, cross-validation */
#include "myoknot/analysis.h" /* scans, continuation, sensitivity, fitting */
#include "myoknot/compare.h"  /* runs side by side, sweeps of a setting */
#include "myoknot/trial.h"    /* virtual patients and trials */

#endif /* MYOKNOT_H */
