/*
 * jacgen.c -- the analytic Jacobian of a model's right-hand side, as readable generated C.
 *
 * CVODE's BDF needs d(ydot)/dy.  Without it CVODE forms it by finite differences, one
 * right-hand-side evaluation per state, and its accuracy is that of the difference quotient.
 * Here every expression is differentiated symbolically, once, at translation time:
 *
 *   - each variable's expression is differentiated with respect to each state or variable it
 *     reads directly (the partials pd_V__R), and the chain rule runs forward through the
 *     dependency order (d_V__S: the total derivative of variable V with respect to state S);
 *   - each derivative equation likewise (pdt_X__R), and the entries of the Jacobian are the
 *     sums of partial times total derivative, converted from SI to declared units.
 *
 * Only the entries a state equation can reach through its variables are generated (the
 * structural nonzeros, the diagonal always among them), in compressed sparse column order, so
 * the same values fill a dense or a sparse (KLU) matrix.  Non-smooth functions take a
 * one-sided derivative: min/max/clamp/pos/abs that of the branch they take and, where two
 * branches meet, the right derivative (the quantity differentiated by moving up); if() that of
 * the branch taken; floor 0; hill 0 for x < 0.
 *
 * Local names cannot collide with the right-hand side's: those are component__local (two
 * parts), these pd_A__B, pdt_A__B and d_A__B (four parts); names never contain "__".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/limits.h"
#include "lang/ast.h"
#include "lang/codegen.h"

enum { CNAME_SIZE = 2 * MK_MAX_NAME_LEN + 3 };

typedef struct jac_gen {
    const mk_model *m;
    char *marks[4];   /* by kind and index: the value of this quantity is read */
} jac_gen;

/* The derivatives of the function library, given the derivatives of their arguments.  At a
 * kink (where branches meet) the right derivative: that of the state moving up, which is
 * what a state resting on its bound of 0 sees. */
static const char k_jac_prelude[] =
    "/* Derivatives of the function library, given those of the arguments (for the Jacobian);\n"
    " * at a kink, the right derivative (the argument of differentiation moving up). */\n"
    "static inline double mk_d_hill(double x, double k, double n, double dx, double dk, double dn)\n"
    "{\n"
    "    if (x < 0.0 || (x == 0.0 && !(dx > 0.0 && n == 1.0))) return 0.0; /* hill is 0 for x <= 0 */\n"
    "    if (x == 0.0) return dx / k; /* n = 1, from the right: x/(k+x) */\n"
    "    double r = pow(k / x, n), h = 1.0 / (1.0 + r);\n"
    "    /* h = 1/(1+r), r = (k/x)^n: dh = -h^2 dr = -h (1 - h) dr / r, dr / r = n (dk/k - dx/x) + log(k/x) dn */\n"
    "    double dlogr = n * (dk / k - dx / x) + (dn != 0.0 ? log(k / x) * dn : 0.0);\n"
    "    return -h * (1.0 - h) * dlogr;\n"
    "}\n"
    "static inline double mk_d_sigmoid(double x, double x50, double w, double dx, double dx50, double dw)\n"
    "{\n"
    "    double s = 1.0 / (1.0 + exp(-(x - x50) / w));\n"
    "    double dz = (dx - dx50) / w - (dw != 0.0 ? (x - x50) * dw / (w * w) : 0.0);\n"
    "    return s * (1.0 - s) * dz;\n"
    "}\n"
    "static inline double mk_d_pos(double x, double dx) { return x > 0.0 || (x == 0.0 && dx > 0.0) ? dx : 0.0; }\n"
    "static inline double mk_d_abs(double x, double dx) { return x > 0.0 ? dx : x < 0.0 ? -dx : fabs(dx); }\n"
    "static inline double mk_d_min(double a, double b, double da, double db) { return a < b ? da : a > b ? db : fmin(da, db); }\n"
    "static inline double mk_d_max(double a, double b, double da, double db) { return a > b ? da : a < b ? db : fmax(da, db); }\n"
    "static inline double mk_d_clamp(double x, double lo, double hi, double dx, double dlo, double dhi)\n"
    "{\n"
    "    if (x < lo || (x == lo && dlo > dx)) return dlo; /* mk_clamp is lo below lo, hi above hi, else x */\n"
    "    if (x > hi || (x == hi && dhi < dx)) return dhi;\n"
    "    return dx;\n"
    "}\n\n";

/* ---------------------------------------------------------------- reading expressions */

/* Does e read r directly (a variable read by e counts as itself, not as what it reads)? */
static int depends(const mk_expr *e, const mk_decl *r)
{
    if (!e) return 0;
    if (e->kind == E_REF) return e->decl == r;
    if (e->kind == E_CALL) {
        if (e->fn) return depends(e->a, r);
        for (int i = 0; i < e->nargs; i++)
            if (depends(e->args[i], r)) return 1;
        return 0;
    }
    return depends(e->a, r) || depends(e->b, r);
}

/* The value of e is read: mark what it reads, through variables. */
static void mark(jac_gen *g, const mk_expr *e)
{
    if (!e) return;
    if (e->kind == E_REF && e->decl && !g->marks[e->decl->kind][e->decl->index]) {
        g->marks[e->decl->kind][e->decl->index] = 1;
        if (e->decl->kind == MK_SYM_VAR) mark(g, e->decl->rhs);
    }
    mark(g, e->a);
    mark(g, e->b);
    for (int i = 0; i < e->nargs && !e->fn; i++) mark(g, e->args[i]);
}

/* The states and variables e reads directly, each once, in the order first read. */
typedef struct ref_list {
    const mk_decl **at;
    int n, cap;
} ref_list;

static int collect_refs(const mk_expr *e, ref_list *l)
{
    if (!e) return 0;
    if (e->kind == E_REF && e->decl &&
        (e->decl->kind == MK_SYM_STATE || e->decl->kind == MK_SYM_VAR)) {
        for (int i = 0; i < l->n; i++)
            if (l->at[i] == e->decl) return 0;
        if (l->n == l->cap) {
            int cap = l->cap ? 2 * l->cap : 8;
            const mk_decl **at = mk_realloc(l->at, (size_t)cap * sizeof *at);
            if (!at) return -1;
            l->at = at, l->cap = cap;
        }
        l->at[l->n++] = e->decl;
        return 0;
    }
    if (e->kind == E_CALL && !e->fn) {
        for (int i = 0; i < e->nargs; i++)
            if (collect_refs(e->args[i], l)) return -1;
        return 0;
    }
    return collect_refs(e->a, l) || collect_refs(e->b, l) ? -1 : 0;
}

/* ---------------------------------------------------------------- differentiation */

static void put_buf(mk_buf *b, mk_buf *t)
{
    if (t->data) mk_buf_puts(b, t->data);
    if (t->failed) b->failed = 1;
    mk_buf_free(t);
}

/* values, read */
static void val(mk_buf *b, jac_gen *g, const mk_expr *e)
{
    mark(g, e);
    mk_cg_emit_factor(b, e);
}

static void arg(mk_buf *b, jac_gen *g, const mk_expr *e) /* inside a call's parentheses */
{
    mark(g, e);
    mk_cg_emit(b, e);
}

static int deriv(mk_buf *b, jac_gen *g, const mk_expr *e, const mk_decl *r);

/* d(e)/dr as a factor, "0.0" when e does not read r */
static void deriv_or_0(mk_buf *b, jac_gen *g, const mk_expr *e, const mk_decl *r)
{
    if (!deriv(b, g, e, r)) mk_buf_puts(b, "0.0");
}

/* "(PRE a POST * da)": the chain rule for a function of one argument whose derivative is
 * PRE a POST; the factor is left out when da is 1. */
static void chain(mk_buf *b, jac_gen *g, const char *pre, const mk_expr *a, const char *post,
                  const mk_decl *r)
{
    mk_buf d;
    mk_buf_init(&d);
    int one = deriv(&d, g, a, r) == 1;
    mk_buf_printf(b, "(%s", pre);
    if (pre[strlen(pre) - 1] == '(') arg(b, g, a);
    else val(b, g, a);
    mk_buf_puts(b, post);
    if (!one) {
        mk_buf_puts(b, " * ");
        put_buf(b, &d);
    } else {
        mk_buf_free(&d);
    }
    mk_buf_puts(b, ")");
}

/* x^n: pow(x, n) */
static void deriv_pow(mk_buf *b, jac_gen *g, const mk_expr *x, const mk_expr *n, const mk_decl *r)
{
    int dx = depends(x, r), dn = depends(n, r);
    mk_buf_puts(b, "(");
    if (dx && !dn) { /* n x^(n-1) dx */
        val(b, g, n);
        mk_buf_puts(b, " * pow(");
        arg(b, g, x);
        if (n->kind == E_NUM) {
            char num[40];
            mk_cg_fmt_double(num, sizeof num, n->si_value - 1.0);
            mk_buf_printf(b, ", %s)", num);
        } else {
            mk_buf_puts(b, ", ");
            val(b, g, n);
            mk_buf_puts(b, " - 1.0)");
        }
    } else { /* x^n (log(x) dn + n dx / x) */
        mk_buf_puts(b, "pow(");
        arg(b, g, x);
        mk_buf_puts(b, ", ");
        arg(b, g, n);
        mk_buf_puts(b, ") * (log(");
        arg(b, g, x);
        mk_buf_puts(b, ") * ");
        deriv(b, g, n, r);
        if (dx) {
            mk_buf_puts(b, " + ");
            val(b, g, n);
            mk_buf_puts(b, " / ");
            val(b, g, x);
        }
    }
    if (dx) {
        mk_buf_puts(b, " * ");
        deriv(b, g, x, r);
    }
    if (!(dx && !dn)) mk_buf_puts(b, ")");
    mk_buf_puts(b, ")");
}

/* min/max of n: nested pairs, fmin(fmin(a, b), c); the value of the first k + 1 */
static void minmax_val(mk_buf *b, jac_gen *g, const mk_expr *e, const char *c_name, int k)
{
    for (int i = 0; i < k; i++) mk_buf_printf(b, "%s(", c_name);
    arg(b, g, e->args[0]);
    for (int i = 1; i <= k; i++) {
        mk_buf_puts(b, ", ");
        arg(b, g, e->args[i]);
        mk_buf_puts(b, ")");
    }
}

static void minmax_deriv(mk_buf *b, jac_gen *g, const mk_expr *e, int is_min, int k,
                         const mk_decl *r)
{
    if (k == 0) {
        deriv_or_0(b, g, e->args[0], r);
        return;
    }
    mk_buf_puts(b, is_min ? "mk_d_min(" : "mk_d_max(");
    minmax_val(b, g, e, is_min ? "fmin" : "fmax", k - 1);
    mk_buf_puts(b, ", ");
    arg(b, g, e->args[k]);
    mk_buf_puts(b, ", ");
    minmax_deriv(b, g, e, is_min, k - 1, r);
    mk_buf_puts(b, ", ");
    deriv_or_0(b, g, e->args[k], r);
    mk_buf_puts(b, ")");
}

/* f(a, ..., da, ...): a helper of the prelude, with the derivatives of the first n arguments */
static void helper(mk_buf *b, jac_gen *g, const char *fn, const mk_expr *e, int n, const mk_decl *r)
{
    mk_buf_printf(b, "%s(", fn);
    for (int i = 0; i < n; i++) {
        arg(b, g, e->args[i]);
        mk_buf_puts(b, ", ");
    }
    for (int i = 0; i < n; i++) {
        if (i) mk_buf_puts(b, ", ");
        deriv_or_0(b, g, e->args[i], r);
    }
    mk_buf_puts(b, ")");
}

static void deriv_call(mk_buf *b, jac_gen *g, const mk_expr *e, const mk_decl *r)
{
    const char *f = e->name;
    const mk_expr *a = e->args[0];
    if (!strcmp(f, "exp")) chain(b, g, "exp(", a, ")", r);
    else if (!strcmp(f, "log")) chain(b, g, "1.0 / ", a, "", r);
    else if (!strcmp(f, "log10")) chain(b, g, "1.0 / (log(10.0) * ", a, ")", r);
    else if (!strcmp(f, "sqrt")) chain(b, g, "0.5 / sqrt(", a, ")", r);
    else if (!strcmp(f, "sin")) chain(b, g, "cos(", a, ")", r);
    else if (!strcmp(f, "cos")) chain(b, g, "-sin(", a, ")", r);
    else if (!strcmp(f, "tanh")) {
        mk_buf_puts(b, "((1.0 - tanh(");
        arg(b, g, a);
        mk_buf_puts(b, ") * tanh(");
        arg(b, g, a);
        mk_buf_puts(b, ")) * ");
        deriv(b, g, a, r);
        mk_buf_puts(b, ")");
    } else if (!strcmp(f, "abs")) {
        helper(b, g, "mk_d_abs", e, 1, r);
    } else if (!strcmp(f, "floor")) {
        mk_buf_puts(b, "0.0");
    } else if (!strcmp(f, "min") || !strcmp(f, "max")) {
        minmax_deriv(b, g, e, !strcmp(f, "min"), e->nargs - 1, r);
    } else if (!strcmp(f, "pos")) {
        helper(b, g, "mk_d_pos", e, 1, r);
    } else if (!strcmp(f, "clamp")) {
        helper(b, g, "mk_d_clamp", e, 3, r);
    } else if (!strcmp(f, "pow")) {
        deriv_pow(b, g, a, e->args[1], r);
    } else if (!strcmp(f, "hill")) {
        helper(b, g, "mk_d_hill", e, 3, r);
    } else if (!strcmp(f, "sigmoid")) {
        helper(b, g, "mk_d_sigmoid", e, 3, r);
    } else if (!strcmp(f, "if")) {
        mk_buf_puts(b, "(");
        val(b, g, a);
        mk_buf_puts(b, " ? ");
        deriv_or_0(b, g, e->args[1], r);
        mk_buf_puts(b, " : ");
        deriv_or_0(b, g, e->args[2], r);
        mk_buf_puts(b, ")");
    } else {
        /* a function added to the library without a rule here: a NaN, which the test of
         * every shipped model against finite differences reports */
        mk_buf_puts(b, "NAN");
    }
}

/* A derivative is written as a sum only in parentheses; a product or quotient stands bare
 * (it is only ever multiplied, divided or negated as a whole, never divided by). */
static int deriv_bin(mk_buf *b, jac_gen *g, const mk_expr *e, const mk_decl *r)
{
    const mk_expr *x = e->a, *y = e->b;
    int dx = depends(x, r), dy = depends(y, r), both = dx && dy;
    mk_buf d;
    switch (e->op) {
    case T_PLUS:
    case T_MINUS:
        if (!dy) return deriv(b, g, x, r);
        if (!dx && e->op == T_PLUS) return deriv(b, g, y, r);
        mk_buf_puts(b, "(");
        if (dx) deriv(b, g, x, r);
        mk_buf_puts(b, !dx ? "-" : e->op == T_PLUS ? " + " : " - ");
        deriv(b, g, y, r);
        mk_buf_puts(b, ")");
        return 2;
    case T_STAR:
        if (both) mk_buf_puts(b, "(");
        if (dx) {
            mk_buf_init(&d);
            if (deriv(&d, g, x, r) == 1) mk_buf_free(&d);
            else put_buf(b, &d), mk_buf_puts(b, " * ");
            val(b, g, y);
        }
        if (dy) {
            if (dx) mk_buf_puts(b, " + ");
            val(b, g, x);
            mk_buf_init(&d);
            if (deriv(&d, g, y, r) == 1) mk_buf_free(&d);
            else mk_buf_puts(b, " * "), put_buf(b, &d);
        }
        if (both) mk_buf_puts(b, ")");
        return 2;
    case T_SLASH: /* dx / y - x dy / y^2 */
        if (!dx) mk_buf_puts(b, "(");
        if (both) mk_buf_puts(b, "(");
        if (dx) {
            deriv(b, g, x, r);
            mk_buf_puts(b, " / ");
            val(b, g, y);
        }
        if (dy) {
            mk_buf_puts(b, dx ? " - " : "-");
            val(b, g, x);
            mk_buf_puts(b, " * ");
            deriv(b, g, y, r);
            mk_buf_puts(b, " / (");
            val(b, g, y);
            mk_buf_puts(b, " * ");
            val(b, g, y);
            mk_buf_puts(b, ")");
        }
        if (both || !dx) mk_buf_puts(b, ")");
        return 2;
    case T_CARET:
        deriv_pow(b, g, x, y, r);
        return 2;
    default: /* comparisons, and, or: booleans, read only by if() conditions */
        mk_buf_puts(b, "0.0");
        return 2;
    }
}

/* d(e)/dr, written as a factor.  0: e does not read r (nothing written); 1: the derivative
 * is exactly 1 (written "1.0"); 2: anything else. */
static int deriv(mk_buf *b, jac_gen *g, const mk_expr *e, const mk_decl *r)
{
    if (!depends(e, r)) return 0;
    switch (e->kind) {
    case E_REF:
        mk_buf_puts(b, "1.0");
        return 1;
    case E_ARG:
        return deriv(b, g, e->a, r);
    case E_NEG:
        mk_buf_puts(b, "(-");
        deriv(b, g, e->a, r);
        mk_buf_puts(b, ")");
        return 2;
    case E_CALL:
        if (e->fn) return deriv(b, g, e->a, r);
        deriv_call(b, g, e, r);
        return 2;
    case E_BIN:
        return deriv_bin(b, g, e, r);
    default:
        mk_buf_puts(b, "0.0");
        return 2;
    }
}

/* ---------------------------------------------------------------- the function */

/* Every state's and variable's set of states it depends on (through variables), and which
 * variables the state equations need derivatives of. */
typedef struct jac_deps {
    int n, nv;
    char *var_states;   /* nv x n */
    char *eq_states;    /* n x n: state equation i reads state j */
    char *var_needed;   /* nv */
    ref_list *var_refs; /* nv */
    ref_list *eq_refs;  /* n */
} jac_deps;

static const char *states_of(const jac_deps *d, const mk_decl *x)
{
    return x->kind == MK_SYM_VAR ? d->var_states + (size_t)x->index * (size_t)d->n : NULL;
}

static void deps_free(jac_deps *d)
{
    free(d->var_states), free(d->eq_states), free(d->var_needed);
    for (int i = 0; d->var_refs && i < d->nv; i++) free(d->var_refs[i].at);
    for (int i = 0; d->eq_refs && i < d->n; i++) free(d->eq_refs[i].at);
    free(d->var_refs), free(d->eq_refs);
}

/* union of what the direct references read into set */
static void union_refs(jac_deps *d, const ref_list *l, char *set)
{
    for (int k = 0; k < l->n; k++) {
        const mk_decl *x = l->at[k];
        if (x->kind == MK_SYM_STATE) set[x->index] = 1;
        else for (int j = 0; j < d->n; j++) set[j] |= states_of(d, x)[j];
    }
}

static int deps_build(jac_deps *d, const mk_model *m)
{
    int n = d->n = m->count[MK_SYM_STATE], nv = d->nv = m->count[MK_SYM_VAR];
    d->var_states = mk_calloc((size_t)nv * (size_t)n + 1, 1);
    d->eq_states = mk_calloc((size_t)n * (size_t)n + 1, 1);
    d->var_needed = mk_calloc((size_t)nv + 1, 1);
    d->var_refs = mk_calloc((size_t)nv + 1, sizeof *d->var_refs);
    d->eq_refs = mk_calloc((size_t)n + 1, sizeof *d->eq_refs);
    if (!d->var_states || !d->eq_states || !d->var_needed || !d->var_refs || !d->eq_refs) return -1;
    for (int k = 0; k < nv; k++) { /* dependency order: what a variable reads comes first */
        if (collect_refs(m->by_kind[MK_SYM_VAR][k]->rhs, &d->var_refs[k])) return -1;
        union_refs(d, &d->var_refs[k], d->var_states + (size_t)k * (size_t)n);
    }
    for (int i = 0; i < n; i++) {
        if (collect_refs(m->by_kind[MK_SYM_STATE][i]->deriv, &d->eq_refs[i])) return -1;
        union_refs(d, &d->eq_refs[i], d->eq_states + (size_t)i * (size_t)n);
        d->eq_states[(size_t)i * (size_t)n + (size_t)i] = 1; /* the diagonal, for I - gamma J */
        for (int k = 0; k < d->eq_refs[i].n; k++)
            if (d->eq_refs[i].at[k]->kind == MK_SYM_VAR) d->var_needed[d->eq_refs[i].at[k]->index] = 1;
    }
    for (int k = nv - 1; k >= 0; k--) /* reverse dependency order: consumers first */
        for (int r = 0; d->var_needed[k] && r < d->var_refs[k].n; r++)
            if (d->var_refs[k].at[r]->kind == MK_SYM_VAR) d->var_needed[d->var_refs[k].at[r]->index] = 1;
    return 0;
}

static int any_state(const jac_deps *d, const mk_decl *x)
{
    if (x->kind == MK_SYM_STATE) return 1;
    const char *s = d->var_states + (size_t)x->index * (size_t)d->n;
    for (int j = 0; j < d->n; j++)
        if (s[j]) return 1;
    return 0;
}

/* The partials of one expression (prefix pd or pdt, owner's C name) with respect to what it
 * reads; one[r] is set where the partial is exactly 1 and so has no local. */
static void emit_partials(mk_buf *b, jac_gen *g, const jac_deps *d, const char *prefix,
                          const char *owner, const mk_expr *e, const ref_list *l, char *one)
{
    char rn[CNAME_SIZE];
    for (int k = 0; k < l->n; k++) {
        one[k] = 0;
        if (!any_state(d, l->at[k])) continue;
        mk_buf t;
        mk_buf_init(&t);
        if (deriv(&t, g, e, l->at[k]) == 1) {
            one[k] = 1;
            mk_buf_free(&t);
            continue;
        }
        mk_cg_cname(l->at[k], rn, sizeof rn);
        mk_buf_printf(b, "    const double %s_%s__%s = ", prefix, owner, rn);
        put_buf(b, &t);
        mk_buf_puts(b, ";\n");
    }
}

/* sum over what e reads of partial x (total) derivative with respect to state s */
static void emit_total(mk_buf *b, const jac_deps *d, const char *prefix, const char *owner,
                       const ref_list *l, const char *one, const mk_decl *s)
{
    char rn[CNAME_SIZE], sn[CNAME_SIZE];
    mk_cg_cname(s, sn, sizeof sn);
    int terms = 0;
    for (int k = 0; k < l->n; k++) {
        const mk_decl *x = l->at[k];
        int direct = x == s, through = x->kind == MK_SYM_VAR && states_of(d, x)[s->index];
        if (!direct && !through) continue;
        mk_cg_cname(x, rn, sizeof rn);
        mk_buf_puts(b, terms++ ? " + " : "");
        if (!one[k]) mk_buf_printf(b, "%s_%s__%s", prefix, owner, rn);
        if (through) mk_buf_printf(b, "%sd_%s__%s", one[k] ? "" : " * ", rn, sn);
        else if (one[k]) mk_buf_puts(b, "1.0");
    }
    if (!terms) mk_buf_puts(b, "0.0");
}

static mk_status jac_fail(mk_error *err)
{
    return mk_fail(err, MK_ERR_NOMEM, "out of memory while generating the Jacobian");
}

/* The CSC position of entry (row i, column j), or -1 */
static int position(const int *colptr, const int *rows, int i, int j)
{
    for (int k = colptr[j]; k < colptr[j + 1]; k++)
        if (rows[k] == i) return k;
    return -1;
}

/* Partials and chain rule of every variable a state equation needs, then each equation's
 * partials and its row of the Jacobian (declared units: times scale_j / scale_i). */
static int emit_body(mk_buf *b, jac_gen *g, const jac_deps *d, const int *colptr, const int *rows)
{
    const mk_model *m = g->m;
    char name[CNAME_SIZE], sn[CNAME_SIZE], sc[40];
    mk_buf_puts(b, "    /* the variables' derivatives: partials, then the chain rule (SI) */\n");
    for (int k = 0; k < d->nv; k++) {
        const mk_decl *v = m->by_kind[MK_SYM_VAR][k];
        if (!d->var_needed[k] || !any_state(d, v)) continue;
        char *one = mk_calloc((size_t)d->var_refs[k].n + 1, 1);
        if (!one) return -1;
        mk_cg_cname(v, name, sizeof name);
        emit_partials(b, g, d, "pd", name, v->rhs, &d->var_refs[k], one);
        for (int j = 0; j < d->n; j++) {
            if (!states_of(d, v)[j]) continue;
            const mk_decl *s = m->by_kind[MK_SYM_STATE][j];
            mk_cg_cname(s, sn, sizeof sn);
            mk_buf_printf(b, "    const double d_%s__%s = ", name, sn);
            emit_total(b, d, "pd", name, &d->var_refs[k], one, s);
            mk_buf_puts(b, ";\n");
        }
        free(one);
    }
    mk_buf_puts(b, "    /* the Jacobian, row by row: partials of d(x)/dt (SI), then the entries in\n"
                   "     * declared units (times scale of y[j] / scale of y[i]) */\n");
    for (int i = 0; i < d->n; i++) {
        const mk_decl *x = m->by_kind[MK_SYM_STATE][i];
        char *one = mk_calloc((size_t)d->eq_refs[i].n + 1, 1);
        if (!one) return -1;
        mk_cg_cname(x, name, sizeof name);
        emit_partials(b, g, d, "pdt", name, x->deriv, &d->eq_refs[i], one);
        for (int j = 0; j < d->n; j++) {
            if (!d->eq_states[(size_t)i * (size_t)d->n + (size_t)j]) continue;
            const mk_decl *s = m->by_kind[MK_SYM_STATE][j];
            mk_buf_printf(b, "    jv[%d] = ", position(colptr, rows, i, j));
            double ratio = s->si_scale / x->si_scale;
            if (ratio != 1.0) {
                mk_cg_fmt_double(sc, sizeof sc, ratio);
                mk_buf_printf(b, "%s * (", sc);
            }
            emit_total(b, d, "pdt", name, &d->eq_refs[i], one, s);
            mk_buf_printf(b, "%s; /* d(d(%s)/dt)/d(%s) */\n", ratio != 1.0 ? ")" : "", x->qname, s->qname);
        }
        free(one);
    }
    return 0;
}

/* the locals the body reads: loads and variables, as in the right-hand side */
static void emit_values(mk_buf *b, jac_gen *g)
{
    const mk_model *m = g->m;
    const char *arrays[3] = {"p", "y", "in"};
    for (int k = MK_SYM_PARAM; k <= MK_SYM_INPUT; k++)
        for (int i = 0; i < m->count[k]; i++) {
            if (!g->marks[k][i]) continue;
            mk_decl copy = *m->by_kind[k][i];
            copy.used = 1;
            mk_cg_emit_load(b, &copy, arrays[k]);
        }
    for (int i = 0; i < m->count[MK_SYM_VAR]; i++) {
        const mk_decl *d = m->by_kind[MK_SYM_VAR][i];
        if (!g->marks[MK_SYM_VAR][i]) continue;
        char name[CNAME_SIZE];
        mk_cg_cname(d, name, sizeof name);
        mk_buf_printf(b, "    const double %s = ", name);
        mk_cg_emit(b, d->rhs);
        mk_buf_puts(b, "; /* [");
        mk_cg_put_comment(b, d->unit_text);
        mk_buf_puts(b, "] */\n");
    }
}

static void emit_pattern(mk_buf *b, const jac_deps *d, const int *colptr, const int *rows)
{
    mk_buf_printf(b, "/* The Jacobian's structural nonzeros, compressed sparse columns: the rows of column j\n"
                     " * are k_jac_rows[k_jac_colptr[j] .. k_jac_colptr[j + 1] - 1]. */\n"
                     "static const int k_jac_colptr[%d] = {", d->n + 1);
    for (int j = 0; j <= d->n; j++) mk_buf_printf(b, "%s%d", j ? ", " : "", colptr[j]);
    mk_buf_printf(b, "};\nstatic const int k_jac_rows[%d] = {", colptr[d->n]);
    for (int k = 0; k < colptr[d->n]; k++) mk_buf_printf(b, "%s%s%d", k ? "," : "", k % 20 ? " " : "\n    ", rows[k]);
    mk_buf_puts(b, "\n};\n\n");
}

static mk_status generate(mk_buf *b, jac_gen *g, const jac_deps *d, int *nnz, mk_error *err)
{
    int n = d->n, count = 0;
    for (size_t k = 0; k < (size_t)n * (size_t)n; k++) count += d->eq_states[k];
    int *colptr = mk_calloc((size_t)n + 1, sizeof *colptr), *rows = mk_calloc((size_t)count + 1, sizeof *rows);
    mk_buf body;
    mk_buf_init(&body);
    int failed = !colptr || !rows;
    for (int j = 0, k = 0; !failed && j < n; j++) {
        for (int i = 0; i < n; i++)
            if (d->eq_states[(size_t)i * (size_t)n + (size_t)j]) rows[k++] = i;
        colptr[j + 1] = k;
    }
    if (!failed) failed = emit_body(&body, g, d, colptr, rows);
    if (!failed) {
        emit_pattern(b, d, colptr, rows);
        mk_buf_puts(b, k_jac_prelude);
        mk_buf_printf(b, "/* The Jacobian d(ydot)/dy of %s_rhs, in the order of k_jac_rows, declared units. */\n"
                         "static void %s_jac(double t_s, const double *y, const double *in, const double *p, "
                         "double *jv)\n{\n    (void)t_s;\n    (void)y;\n    (void)in;\n    (void)p;\n",
                      g->m->name, g->m->name);
        emit_values(b, g);
        put_buf(b, &body);
        mk_buf_puts(b, "}\n\n");
        *nnz = count;
    }
    mk_buf_free(&body);
    free(colptr), free(rows);
    return failed ? jac_fail(err) : MK_OK;
}

mk_status mk_jac_generate(const mk_model *m, mk_buf *b, int *nnz, mk_error *err)
{
    *nnz = 0;
    if (!m->count[MK_SYM_STATE]) return MK_OK;
    jac_gen g = {.m = m};
    jac_deps d = {0};
    mk_status rc = MK_OK;
    for (int k = 0; k < 4; k++)
        if (!(g.marks[k] = mk_calloc((size_t)m->count[k] + 1, 1))) rc = jac_fail(err);
    if (!rc && deps_build(&d, m)) rc = jac_fail(err);
    if (!rc) rc = generate(b, &g, &d, nnz, err);
    deps_free(&d);
    for (int k = 0; k < 4; k++) free(g.marks[k]);
    return rc;
}
