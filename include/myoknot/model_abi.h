/*
 * myoknot/model_abi.h -- the contract between a generated model and the library.
 *
 * Every model file (models/NAME.myo or a user's own) is translated into C that fills one
 * mk_model_abi.  Built-in models are compiled into libmyoknot; a user's model is compiled at
 * run time with the system cc and loaded with dlopen.  Both paths meet here, so this header
 * must stay self-contained (only <stddef.h>) and its layout changes only with
 * MK_MODEL_ABI_VERSION.
 *
 * Values cross this boundary in the unit each symbol declares (mM stays mM), never in SI:
 * that is what a user reads and writes.  si_scale and si_offset convert one to SI
 * (value_si = si_scale * value + si_offset) for code that needs it.
 */
#ifndef MYOKNOT_MODEL_ABI_H
#define MYOKNOT_MODEL_ABI_H

#include <stddef.h>

/* 2: mk_symbol.constraint added (a field at the end; every other field is unchanged).
 * 3: conservation laws (n_laws, laws, eval_laws) and the model's files (n_files, files)
 *    added at the end of mk_model_abi.
 * 4: the interface (n_labels, labels, n_whys, whys) added at the end of mk_model_abi.
 * 5: the analytic Jacobian (jac_nnz, jac_colptr, jac_rows, jac) added at the end. */
#define MK_MODEL_ABI_VERSION 5

/* How the generated code was compiled, recorded in its `generator` (and so in a run's
 * manifest.json): the numbers depend on it.  The build passes MK_MODEL_CFLAGS. */
#ifndef MK_MODEL_CFLAGS
#define MK_MODEL_CFLAGS "flags not recorded"
#endif
#if defined(__clang__)
#define MK_MODEL_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define MK_MODEL_COMPILER "gcc " __VERSION__
#else
#define MK_MODEL_COMPILER "unknown compiler"
#endif
#define MK_MODEL_BUILD MK_MODEL_COMPILER "; " MK_MODEL_CFLAGS

typedef enum mk_symbol_kind {
    MK_SYM_PARAM = 0,
    MK_SYM_STATE = 1,
    MK_SYM_INPUT = 2,
    MK_SYM_VAR = 3
} mk_symbol_kind;

/* One declared quantity.  Fields that do not apply to a kind are NULL or NaN. */
typedef struct mk_symbol {
    const char *name;       /* qualified: "component.local" */
    const char *unit;       /* as written in the model file, e.g. "mL/(100 g)/min" */
    const char *doc;        /* one line */
    const char *source;     /* parameters: where the number comes from ("assumed: ..." allowed) */
    double value;           /* parameter default, state initial value, input default; NaN for vars */
    double lo, hi;          /* parameters: plausible range in the declared unit; NaN otherwise */
    double diffusion_m2_s;  /* states: diffusion coefficient for spatial solvers; NaN if none */
    double si_scale;        /* value_si = si_scale * value + si_offset */
    double si_offset;
    int is_output;          /* vars and states flagged `output` in the model file */
    int line;               /* where it is declared in the model file */
    int constraint;         /* states: the sign the solver keeps the value to (a `bound`), as
                             * CVODE's constraint codes: 0 none, 1 >= 0, 2 > 0, -1 <= 0, -2 < 0 */
} mk_symbol;

/*
 * The right-hand side.  y, inputs and params are in declared units; ydot in declared unit of
 * the state per second.  vars may be NULL; if not, every algebraic variable is written to it
 * (declared units) in dependency order.  Pure: no state, no allocation, thread safe.
 */
typedef void (*mk_rhs_fn)(double t_s, const double *y, double *ydot, const double *inputs,
                          const double *params, double *vars);

/* A declared conservation law (`conserve NAME [UNIT] = EXPR`): a quantity made of states
 * (at least two, each integrated) and parameters that the equations must keep constant. */
typedef struct mk_law {
    const char *name;       /* "component.name", or "name" for a law at model level */
    const char *unit;       /* as written */
    const char *doc;
    double tol;             /* relative: |E(t) - E(0)| <= tol * max(|E(0)|, scale) */
    double scale;           /* declared unit; 0 if none */
    int line;               /* in the file that declares it */
    int n_states;
    const int *states;      /* indices of the states it reads */
} mk_law;

/* Every law's value, in its declared unit, from the states and parameters (declared units). */
typedef void (*mk_laws_fn)(const double *y, const double *params, double *out);

/* The Jacobian d(ydot)/dy of the right-hand side (the same units: declared unit of ydot[i] per
 * declared unit of y[j]), its structural nonzeros in compressed sparse column order: column j
 * holds rows jac_rows[jac_colptr[j] .. jac_colptr[j + 1] - 1], and values[k] is the entry of
 * jac_rows[k] in that column.  The diagonal is always among them.  Pure, like the rhs. */
typedef void (*mk_jac_fn)(double t_s, const double *y, const double *inputs, const double *params,
                          double *values);

/* A file the model was read from: its own, then each base it extends. */
typedef struct mk_model_file {
    const char *name;
    const char *text;
} mk_model_file;

/* A label of the model's interface (`interface { core_po2 = core.po2 }`): the name the library
 * knows a quantity by, bound to this model's symbol (docs/site-interface.md). */
typedef struct mk_label_def {
    const char *name;       /* "core_po2" */
    int kind;               /* mk_symbol_kind of the symbol */
    int index;              /* within that kind */
    const char *doc;        /* "" if none */
    int line;               /* where the label is given */
} mk_label_def;

/* A sentence of the report's "why" (`why core_po2 < 10 "..."`): said when the labelled value
 * at the end of a run is below (op -1) or above (op 1) threshold; op 0: when no other is. */
typedef struct mk_why_def {
    int label;              /* index into labels; -1 for otherwise */
    int op;
    double threshold;       /* the labelled symbol's declared unit */
    const char *text;       /* {LABEL}, {LABEL:.2f}, {LABEL:.1g}, {LABEL:%} quote values */
    int line;
} mk_why_def;

typedef struct mk_model_abi {
    int abi_version;        /* MK_MODEL_ABI_VERSION at generation time */
    const char *name;
    const char *doc;
    const char *hash;       /* FNV-1a 64 of the model source, hex */
    const char *source;     /* the model file's text, so a built-in model can be shown */
    const char *generator;  /* "myoknot X.Y.Z; COMPILER VERSION; FLAGS" (MK_MODEL_BUILD) */
    int n_params, n_states, n_inputs, n_vars;
    const mk_symbol *params;
    const mk_symbol *states;
    const mk_symbol *inputs;
    const mk_symbol *vars;
    mk_rhs_fn rhs;
    /* ABI 3 */
    int n_laws;
    const mk_law *laws;
    mk_laws_fn eval_laws;   /* NULL if n_laws == 0 */
    int n_files;            /* files[0].text == source; more when the model extends a base */
    const mk_model_file *files;
    /* ABI 4 */
    int n_labels;
    const mk_label_def *labels;
    int n_whys;
    const mk_why_def *whys;
    /* ABI 5 */
    int jac_nnz;            /* structural nonzeros of the Jacobian; 0 without states */
    const int *jac_colptr;  /* n_states + 1 */
    const int *jac_rows;    /* jac_nnz */
    mk_jac_fn jac;          /* generated from the model's expressions; NULL: none */
} mk_model_abi;

#endif /* MYOKNOT_MODEL_ABI_H */
