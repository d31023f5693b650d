/*
 * ast.h -- the in-memory form of a model file (internal to src/lang).
 *
 * A model is parsed into components holding declarations (params, states, inputs, vars) and
 * derivative equations; check.c then resolves names, orders variables and assigns every
 * expression its unit.  Everything lives in one arena owned by the mk_model, so error paths
 * never leak and freeing is one call.
 */
#ifndef MK_LANG_AST_H
#define MK_LANG_AST_H

#include <stddef.h>
#include <udunits2.h>

#include "myoknot.h"

/* ---------------------------------------------------------------- arena */

typedef struct mk_arena_block mk_arena_block;
typedef struct mk_arena {
    mk_arena_block *head;
    int failed;
} mk_arena;

void *mk_arena_alloc(mk_arena *a, size_t size); /* zeroed; NULL and a->failed on OOM */
char *mk_arena_strndup(mk_arena *a, const char *s, size_t n);
void mk_arena_free(mk_arena *a);

/* ---------------------------------------------------------------- tokens */

typedef enum mk_tok {
    T_EOF = 0,
    T_IDENT,
    T_NUMBER,
    T_STRING,
    T_UNIT,    /* [ ... ]: the text between the brackets */
    T_LPAREN, T_RPAREN, T_LBRACE, T_RBRACE, T_COMMA, T_SEMI, T_DOT, T_DOTDOT,
    T_ASSIGN,  /* = */
    T_PLUS, T_MINUS, T_STAR, T_SLASH, T_CARET,
    T_LT, T_LE, T_GT, T_GE, T_EQ, T_NE,
    T_ERROR    /* lexical error; text holds the message */
} mk_tok;

typedef struct mk_token {
    mk_tok kind;
    const char *text; /* points into the source (or the message for T_ERROR) */
    size_t len;
    double number;
    int line, col;
    size_t offset;    /* byte offset of the first character */
} mk_token;

typedef struct mk_lexer {
    const char *src;
    size_t pos;
    int line, col;
    char msg[160];
} mk_lexer;

void mk_lexer_init(mk_lexer *lx, const char *src);
mk_token mk_lexer_next(mk_lexer *lx);
const char *mk_tok_name(mk_tok kind);

/* ---------------------------------------------------------------- expressions */

typedef enum mk_expr_kind {
    E_NUM,    /* number, optionally with a unit: 40 [mmHg] */
    E_REF,    /* a declared name */
    E_TIME,   /* t */
    E_NEG,    /* -a */
    E_NOT,    /* not a */
    E_BIN,    /* a op b; op is a token kind or E_AND/E_OR below */
    E_CALL,   /* f(args); a user function's call holds its expanded body in a */
    E_ARG     /* inside an expanded function body: the argument it stands for, in a */
} mk_expr_kind;

enum { OP_AND = 1000, OP_OR = 1001 };

typedef struct mk_decl mk_decl;
typedef struct mk_fn mk_fn;

typedef struct mk_expr {
    mk_expr_kind kind;
    int op;
    double number;          /* E_NUM: as written */
    const char *unit_text;  /* E_NUM: NULL if dimensionless */
    const char *name;       /* E_REF: as written; E_CALL: function name */
    mk_decl *decl;          /* E_REF: resolved */
    struct mk_expr *a, *b;
    struct mk_expr **args;
    int nargs;
    int line, col;
    size_t start, end;      /* source span, for messages and documentation */
    const char *file;       /* the file the expression is written in (a base or a delta) */
    const char *src;        /* that file's text: start and end index it */
    mk_fn *fn;              /* E_CALL of a user function (check.c) */
    /* set by check.c */
    ut_unit *unit;          /* canonical SI unit; NULL for booleans */
    int is_bool;
    int is_zero_literal;    /* a bare 0 adopts any unit */
    double si_value;        /* E_NUM in SI */
} mk_expr;

/* ---------------------------------------------------------------- declarations */

typedef struct mk_component mk_component;

/* Which part of a site model a component, or a declaration, belongs to when the model is
 * composed per site (`part tissue|segment|person`, docs/site-composition.md): NONE in a
 * component is tissue; in a declaration it is its component's part. */
enum { MK_PART_NONE = 0, MK_PART_TISSUE, MK_PART_SEGMENT, MK_PART_PERSON };

/* What a statement in a component is: most declare a symbol; `output x` flags one declared
 * elsewhere in the component, and `d(x)/dt = ...` gives a state its equation. */
enum { STMT_DECL = 0, STMT_OUTPUT_REF, STMT_DERIV };

struct mk_decl {
    int stmt;
    mk_symbol_kind kind;
    mk_component *comp;
    const char *local;      /* name inside its component */
    const char *qname;      /* component.local */
    const char *unit_text;
    const char *doc, *source;
    double value, lo, hi;   /* declared units */
    int has_range;
    double diffusion_m2_s;  /* NaN if none */
    int constraint;         /* states: `bound`, as a CVODE constraint code (mk_symbol.constraint) */
    int bound_line, bound_col;
    int is_output;
    int part;               /* MK_PART_*: an input of the person declared in a tissue component */
    mk_expr *rhs;           /* var: its expression */
    mk_expr *deriv;         /* state: d(x)/dt */
    int line, col;
    int deriv_line, deriv_col;
    const char *file;       /* where line and col are (a `set` moves them to the delta) */
    /* set by check.c */
    ut_unit *unit;          /* declared */
    ut_unit *canon;         /* canonical SI */
    double si_scale, si_offset;
    int index;              /* within its kind; vars in dependency order */
    int visit;              /* topological sort marks */
    int used;               /* referenced by some expression */
    mk_decl *next;          /* in its component, in file order */
};

struct mk_component {
    const char *name;
    const char *doc;
    const char *file;       /* the file that defines it: the base, or the delta replacing it */
    int line, col;
    int part;               /* MK_PART_*: `part segment` in its body; a replacement keeps it */
    mk_decl *first, *last;
    mk_component *next;
};

/* function NAME(a, b) = EXPR: expanded inline at every call, and checked there, with the
 * units of that call's arguments. */
struct mk_fn {
    const char *name;
    const char **params;
    int nparams;
    mk_expr *body;
    const char *file;
    int line, col;
    int active;             /* being expanded: a call to it now is recursion */
    mk_fn *next;
};

/* template NAME { items }: declarations written once and spliced into every component that
 * says `use NAME` (the core and the surround share their energetics).  Kept as the place in
 * its file where the body starts; each use parses the body again inside the using component,
 * so its names resolve there and its errors point at the template's own lines. */
typedef struct mk_template {
    const char *name;
    const char *doc;
    const char *file, *src;
    int line, col;
    mk_lexer lx;            /* positioned after the body's first token */
    mk_token first;         /* the body's first token */
    int uses;
    struct mk_template *next;
} mk_template;

/* conserve NAME [UNIT] = EXPR { doc tol scale }: a quantity the equations must keep. */
typedef struct mk_law_decl {
    const char *name;       /* qualified like a declaration when inside a component */
    const char *unit_text;
    const char *doc;
    double tol;             /* relative; NaN: the default */
    double scale;           /* declared unit; NaN: none */
    mk_expr *expr;
    mk_component *comp;     /* NULL at model level */
    const char *file;
    int line, col;
    /* set by check.c */
    ut_unit *unit, *canon;
    double si_scale, si_offset;
    int *states;            /* indices of the states it reads (through variables too) */
    int n_states;
    struct mk_law_decl *next;
} mk_law_decl;

/* The default tolerance of a conservation law, relative to max(|value at t0|, scale). */
#define MK_LAW_DEFAULT_TOL 1e-6

/* interface { LABEL = component.name { doc "..." } ... }: the name the C code knows a
 * quantity by (docs/site-interface.md), bound to the declaration that is it in this model. */
typedef struct mk_label_decl {
    const char *name;       /* the label: an identifier, e.g. core_po2 */
    const char *target;     /* component.name as written */
    const char *doc;
    const char *file;
    int line, col;          /* of the label */
    int tline, tcol;        /* of the target */
    int depth;              /* 0: the model's own file, 1: its base, ... */
    mk_decl *decl;          /* set by check.c */
    struct mk_label_decl *next;
} mk_label_decl;

/* why LABEL < NUMBER "sentence" | why LABEL > NUMBER "sentence" | why otherwise "sentence":
 * the report's explanation of a run's end state, in the model's own words.  The sentence may
 * quote labels' values: {LABEL} (%.3g), {LABEL:.2f}, {LABEL:.1g}, {LABEL:%} (100 x, %.0f). */
typedef struct mk_why_decl {
    const char *label;      /* NULL: otherwise */
    int op;                 /* T_LT or T_GT; 0 for otherwise */
    double threshold;       /* in the labelled declaration's unit */
    const char *text;
    const char *file;
    int line, col;
    int depth;
    const mk_label_decl *lab; /* set by check.c */
    struct mk_why_decl *next;
} mk_why_decl;

/* A file the model is read from: its own first, then its bases (extends). */
typedef struct mk_srcfile {
    const char *name, *text;
    struct mk_srcfile *next;
} mk_srcfile;

/* The model file. */
struct mk_model {
    mk_arena arena;
    mk_units *units;
    const char *file;       /* as given, for messages */
    const char *source;     /* whole text */
    const char *name;
    const char *doc;
    char hash[17];
    mk_component *components;
    mk_srcfile *files;      /* every file read, the model's own first */
    mk_model_base_fn base_fn; /* finds a built-in base for extends NAME; may be NULL */
    void *base_ctx;
    mk_fn *fns;
    mk_template *templates;
    mk_law_decl *laws;
    int n_laws;
    mk_label_decl *labels;  /* the model's own and its bases' (check.c drops overridden ones) */
    int n_labels;
    mk_why_decl *whys;      /* the nearest file's that has any: a variant explains itself */
    int n_whys;
    int uses_time;          /* some expression reads t */
    int count[4];           /* by mk_symbol_kind */
    mk_decl **by_kind[4];   /* index -> decl; vars in dependency order */
    ut_unit **owned_units;  /* every ut_unit created, freed with the model */
    int n_owned, cap_owned;
};

/* Keep a ut_unit alive as long as the model (frees it and returns NULL on failure). */
ut_unit *mk_model_own_unit(mk_model *m, ut_unit *u);

/* parser.c: text -> components and declarations (syntax only). */
mk_status mk_parse(mk_model *m, mk_error *err);
/* check.c: names, units, completeness, ordering. */
mk_status mk_check(mk_model *m, mk_error *err);

/* The built-in function library: name, arity (-1: 2 or more). */
typedef struct mk_builtin_fn {
    const char *name;
    int arity;
    const char *c_name;     /* in generated code */
    const char *doc;
} mk_builtin_fn;
const mk_builtin_fn *mk_builtin_fn_find(const char *name);
extern const mk_builtin_fn mk_builtin_fns[];

#endif
