/*
 * check.c -- from syntax to a model that can be generated: names, units, completeness and
 * the order in which algebraic variables are computed.
 *
 * Units: every expression is given its coherent SI unit (units.h), which is also the unit
 * its value has in generated code.  Addition, comparison, min/max/clamp/if need operands of
 * one dimension; exp, log and friends a dimensionless argument; a dimensional base may only
 * be raised to a constant rational power.  A bare literal 0 adopts any unit, so `max(x, 0)`
 * needs no `0 [mM]`.  The right-hand side of d(x)/dt must have the unit of x per time.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/limits.h"
#include "core/map.h"
#include "core/text.h"
#include "lang/ast.h"
#include "lang/units.h"

typedef struct checker {
    mk_model *m;
    mk_error *err;
    mk_component *comp;    /* whose expressions are being checked */
    mk_decl **stack;       /* vars being visited, for cycle messages */
    int depth, cap;
    mk_decl **order;       /* vars in dependency order */
    int n_order;
    int nest;              /* recursion of infer, through expressions and the vars they read */
    mk_expr *call;         /* the outermost user-function call being expanded, for messages */
    /* Names are looked up in hash maps, so that checking stays linear in their number (a
     * list walked for every reference made 100,000 parameters take over a minute). */
    mk_map comps;          /* component name -> mk_component */
    mk_map decls;          /* qualified name "component.local" -> its declaration */
} checker;

/* The parser bounds one expression's depth; a chain of variables each reading the next deep
 * inside its expression could still exhaust the stack, so the whole recursion is bounded. */
enum { MAX_INFER_NEST = MK_MAX_VAR_CHAIN };

static const char *kind_word(mk_symbol_kind k)
{
    static const char *const w[] = {"parameter", "state", "input", "variable"};
    return w[k];
}

static const char *a_kind(mk_symbol_kind k)
{
    static const char *const w[] = {"a parameter", "a state", "an input", "a variable"};
    return w[k];
}

static mk_status oom(checker *c) { return mk_fail(c->err, MK_ERR_NOMEM, "out of memory"); }

/* The source text of an expression, shortened for messages. */
static void snip(const checker *c, const mk_expr *e, char *buf, size_t size)
{
    size_t n = e->end > e->start ? e->end - e->start : 0;
    const char *src = e->src ? e->src : c->m->source;
    if (n > 60) {
        snprintf(buf, size, "%.57s...", src + e->start);
    } else {
        snprintf(buf, size, "%.*s", (int)n, src + e->start);
    }
    for (char *p = buf; *p; p++)
        if (*p == '\n' || *p == '\t') *p = ' ';
}

static void unit_str(const ut_unit *u, char *buf, size_t size)
{
    if (!u) {
        snprintf(buf, size, "a truth value");
        return;
    }
    mk_units_format(u, buf, size);
}

/* The unit of an expression in a message: a declared name's as declared (the quoted text does
 * not show it), anything else in SI form (a literal's unit is in the quoted text already). */
static void expr_unit_str(const mk_expr *e, char *buf, size_t size)
{
    while (e->kind == E_ARG) e = e->a; /* a function's parameter: the argument's unit */
    if (e->kind == E_REF && e->decl && !e->is_bool)
        snprintf(buf, size, "%s", e->decl->unit_text);
    else
        unit_str(e->unit, buf, size);
}

static mk_status fail_expr(checker *c, const mk_expr *e, mk_status code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static mk_status fail_expr(checker *c, const mk_expr *e, mk_status code, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->call) { /* inside an expanded function: say which call gave the arguments */
        size_t n = strlen(msg);
        if (c->call->file == e->file)
            snprintf(msg + n, sizeof msg - n, " (in function '%s', called at line %d:%d)",
                     c->call->fn->name, c->call->line, c->call->col);
        else
            snprintf(msg + n, sizeof msg - n, " (in function '%s', called at %s:%d:%d)",
                     c->call->fn->name, c->call->file, c->call->line, c->call->col);
    }
    return mk_fail_at(c->err, code, e->file ? e->file : c->m->file, e->line, e->col, "%s", msg);
}

/* ---------------------------------------------------------------- names */


static mk_component *find_component(const checker *c, const char *name, size_t len)
{
    return mk_map_get(&c->comps, name, len);
}

/* The declaration of local in component k (among those collected so far), or NULL. */
static mk_decl *find_local(const checker *c, const mk_component *k, const char *local)
{
    char q[MK_MAX_QNAME_LEN + 1];
    size_t nk = strlen(k->name), nl = strlen(local);
    if (nk + 1 + nl > MK_MAX_QNAME_LEN) return NULL; /* longer than any declared name */
    memcpy(q, k->name, nk);
    q[nk] = '.';
    memcpy(q + nk + 1, local, nl);
    return mk_map_get(&c->decls, q, nk + 1 + nl);
}

/* A hint for an undefined name: a near miss here, or the same name in another component. */
static void suggest(checker *c, const char *name, char *buf, size_t size)
{
    buf[0] = 0;
    const char *dot = strchr(name, '.');
    const char *local = dot ? dot + 1 : name;
    for (mk_component *k = c->m->components; k; k = k->next) {
        mk_decl *d = find_local(c, k, local);
        if (d && k != c->comp) {
            snprintf(buf, size, " (did you mean '%s'?)", d->qname);
            return;
        }
    }
    int best = strlen(local) <= 2 ? 2 : 3;
    mk_component *scope = c->comp;
    if (dot) scope = find_component(c, name, (size_t)(dot - name));
    if (!scope) scope = c->comp;
    for (mk_decl *d = scope ? scope->first : NULL; d; d = d->next) {
        if (d->stmt != STMT_DECL) continue;
        int dist = mk_edit_distance(local, d->local);
        if (dist < best) {
            best = dist;
            snprintf(buf, size, " (did you mean '%s'?)", scope == c->comp ? d->local : d->qname);
        }
    }
    if (!buf[0]) {
        for (const mk_builtin_fn *f = mk_builtin_fns; f->name; f++)
            if (!strcmp(f->name, name)) {
                snprintf(buf, size, " ('%s' is a function: call it with parentheses)", name);
                return;
            }
    }
}

static mk_decl *resolve(checker *c, const char *name)
{
    const char *dot = strchr(name, '.');
    if (!dot) return c->comp ? find_local(c, c->comp, name) : NULL; /* model level: qualified only */
    return mk_map_get(&c->decls, name, strlen(name)); /* "component.local" is the key */
}

/* ---------------------------------------------------------------- declarations */

static mk_status check_declared_unit(checker *c, mk_decl *d)
{
    char why[256];
    ut_unit *u = NULL;
    mk_status urc = mk_units_parse(c->m->units, d->unit_text, &u, why, sizeof why);
    if (urc == MK_ERR_NOMEM) return oom(c);
    if (urc)
        return mk_fail_at(c->err, MK_ERR_UNIT, d->file, d->line, d->col,
                          "unit [%s] of %s '%s': %s", d->unit_text, kind_word(d->kind), d->local,
                          why);
    if (!(d->unit = mk_model_own_unit(c->m, u))) return oom(c);
    int canon_oom = 0;
    ut_unit *canon = mk_units_canonical(c->m->units, d->unit, &canon_oom);
    if (canon_oom) return oom(c);
    if (!canon)
        return mk_fail_at(c->err, MK_ERR_UNIT, d->file, d->line, d->col,
                          "unit [%s] of '%s' has no SI form (logarithmic and time-stamp units are "
                          "not supported)", d->unit_text, d->local);
    if (!(d->canon = mk_model_own_unit(c->m, canon))) return oom(c); /* not a unit error */
    mk_units_affine(d->unit, d->canon, &d->si_scale, &d->si_offset);
    return MK_OK;
}

static mk_status check_param(checker *c, mk_decl *d)
{
    const char *missing = !d->has_range ? "range" : !d->source ? "source" : !d->doc ? "doc" : NULL;
    if (missing)
        return mk_fail_at(c->err, MK_ERR_MODEL, d->file, d->line, d->col,
                          "parameter '%s' has no %s (every parameter needs range, source and doc; "
                          "where no source exists write source \"assumed: <why>\")", d->local,
                          missing);
    if (!(d->lo <= d->hi))
        return mk_fail_at(c->err, MK_ERR_MODEL, d->file, d->line, d->col,
                          "parameter '%s': range %g .. %g is empty (low end above high end)",
                          d->local, d->lo, d->hi);
    if (d->value < d->lo || d->value > d->hi)
        return mk_fail_at(c->err, MK_ERR_MODEL, d->file, d->line, d->col,
                          "parameter '%s': default %g [%s] lies outside its range %g .. %g",
                          d->local, d->value, d->unit_text, d->lo, d->hi);
    if (!d->source[0] || !d->doc[0])
        return mk_fail_at(c->err, MK_ERR_MODEL, d->file, d->line, d->col,
                          "parameter '%s' has an empty %s", d->local,
                          !d->source[0] ? "source" : "doc");
    /* "assumed" is allowed, but only with its reason: a bare word documents nothing */
    if (!strncasecmp(d->source, "assumed", 7)) {
        const char *r = strchr(d->source, ':'); /* "assumed: why" or "assumed mapping: why" */
        if (!r || !r[1 + strspn(r + 1, " ")])
            return mk_fail_at(c->err, MK_ERR_MODEL, d->file, d->line, d->col,
                              "parameter '%s': an assumed value needs its reason: write source "
                              "\"assumed: <why this value>\"", d->local);
    }
    return MK_OK;
}

/* First pass: names unique, qualified names built, units parsed, derivatives and output
 * flags attached to their declarations, counts made. */

/* A name declared twice in one component.  When the second comes from a variant's
 * `extend component`, the first is in the base: name its file, and say how a variant changes
 * a declaration instead of adding it again. */
static mk_status duplicate_decl(checker *c, const mk_decl *d, const mk_decl *old)
{
    if (old->file == d->file)
        return mk_fail_at(c->err, MK_ERR_NAME, d->file, d->line, d->col,
                          "'%s' is already declared in component '%s' at line %d", d->local,
                          d->comp->name, old->line);
    const char *how = old->kind == MK_SYM_VAR ? "replace var " : old->kind == MK_SYM_INPUT
                                                                 ? "replace component " : "set ";
    return mk_fail_at(c->err, MK_ERR_NAME, d->file, d->line, d->col,
                      "'%s' is already declared in component '%s' at %s:%d; a variant changes "
                      "it with %s%s%s%s, not by declaring it again", d->local, d->comp->name,
                      old->file, old->line, how, d->comp->name,
                      old->kind == MK_SYM_INPUT ? "" : ".", old->kind == MK_SYM_INPUT ? "" : d->local);
}

static mk_status collect(checker *c)
{
    mk_model *m = c->m;
    mk_status rc;
    for (mk_component *k = m->components; k; k = k->next) {
        void *old;
        if (mk_map_put(&c->comps, k->name, strlen(k->name), k, &old)) return oom(c);
        if (old)
            return mk_fail_at(c->err, MK_ERR_NAME, k->file, k->line, k->col,
                              "component '%s' is already defined at line %d", k->name,
                              ((mk_component *)old)->line);
        for (mk_decl *d = k->first; d; d = d->next) {
            if (d->stmt != STMT_DECL) continue;
            size_t n = strlen(k->name) + strlen(d->local) + 2;
            char *q = mk_arena_alloc(&m->arena, n);
            if (!q) return oom(c);
            snprintf(q, n, "%s.%s", k->name, d->local);
            if (mk_map_put(&c->decls, q, n - 1, d, &old)) return oom(c);
            if (old) return duplicate_decl(c, d, old);
            d->qname = q;
            if ((rc = check_declared_unit(c, d))) return rc;
            if (d->kind == MK_SYM_PARAM && (rc = check_param(c, d))) return rc;
            m->count[d->kind]++;
        }
        for (mk_decl *d = k->first; d; d = d->next) {
            if (d->stmt == STMT_DECL) continue;
            mk_decl *target = find_local(c, k, d->local);
            if (!target && d->stmt == STMT_DERIV)
                return mk_fail_at(c->err, MK_ERR_NAME, d->file, d->line, d->col,
                                  "d(%s)/dt: '%s' is not declared in component '%s'", d->local,
                                  d->local, k->name);
            if (!target)
                return mk_fail_at(c->err, MK_ERR_NAME, d->file, d->line, d->col,
                                  "output names '%s', which is not declared in component '%s'",
                                  d->local, k->name);
            if (d->stmt == STMT_DERIV) {
                if (target->kind != MK_SYM_STATE)
                    return mk_fail_at(c->err, MK_ERR_MODEL, d->file, d->line, d->col,
                                      "d(%s)/dt: '%s' is %s, not a state", d->local, d->local,
                                      a_kind(target->kind));
                if (target->deriv && target->deriv->file != d->deriv->file)
                    return mk_fail_at(c->err, MK_ERR_MODEL, d->file, d->deriv_line, d->deriv_col,
                                      "state '%s' already has an equation at %s:%d; a variant "
                                      "changes it with replace d(%s)/dt = ...", d->local,
                                      target->deriv->file, target->deriv_line, target->qname);
                if (target->deriv)
                    return mk_fail_at(c->err, MK_ERR_MODEL, d->file, d->deriv_line, d->deriv_col,
                                      "state '%s' already has an equation at line %d", d->local,
                                      target->deriv_line);
                target->deriv = d->deriv;
                target->deriv_line = d->deriv_line;
                target->deriv_col = d->deriv_col;
            } else {
                if (target->kind != MK_SYM_STATE && target->kind != MK_SYM_VAR)
                    return mk_fail_at(c->err, MK_ERR_MODEL, d->file, d->line, d->col,
                                      "only states and variables can be outputs; '%s' is %s",
                                      d->local, a_kind(target->kind));
                target->is_output = 1;
            }
        }
        for (mk_decl *d = k->first; d; d = d->next)
            if (d->stmt == STMT_DECL && d->kind == MK_SYM_STATE && !d->deriv)
                return mk_fail_at(c->err, MK_ERR_MODEL, d->file, d->line, d->col,
                                  "state '%s' has no equation: add d(%s)/dt = ...", d->local,
                                  d->local);
    }
    return MK_OK;
}

/* ---------------------------------------------------------------- expressions */

static mk_status infer(checker *c, mk_expr *e);
static mk_status visit_var(checker *c, mk_decl *d);

static ut_unit *own(checker *c, ut_unit *u) { return mk_model_own_unit(c->m, u); }

static mk_status need_number(checker *c, mk_expr *e, const char *where)
{
    if (!e->is_bool) return MK_OK;
    char s[80];
    snip(c, e, s, sizeof s);
    return fail_expr(c, e, MK_ERR_UNIT, "%s: '%s' is a truth value, not a number", where, s);
}

static mk_status need_dimensionless(checker *c, mk_expr *e, const char *where)
{
    mk_status rc = need_number(c, e, where);
    if (rc || mk_units_is_dimensionless(c->m->units, e->unit)) return rc;
    char s[80], u[128];
    snip(c, e, s, sizeof s);
    expr_unit_str(e, u, sizeof u);
    return fail_expr(c, e, MK_ERR_UNIT, "%s needs a dimensionless value, but '%s' has unit %s",
                     where, s, u);
}

/* Operands that must share a dimension (a bare 0 takes the other's).  Returns the unit. */
static mk_status same_dimension(checker *c, mk_expr *at, mk_expr **xs, int n, const char *what,
                                ut_unit **out)
{
    mk_expr *ref = NULL;
    for (int i = 0; i < n; i++) {
        mk_status rc = need_number(c, xs[i], what);
        if (rc) return rc;
        if (!ref && !xs[i]->is_zero_literal) ref = xs[i];
    }
    if (!ref) ref = xs[0];
    for (int i = 0; i < n; i++) {
        if (xs[i]->is_zero_literal || mk_units_same_dimension(xs[i]->unit, ref->unit)) continue;
        char s1[80], s2[80], u1[128], u2[128];
        snip(c, ref, s1, sizeof s1);
        snip(c, xs[i], s2, sizeof s2);
        expr_unit_str(ref, u1, sizeof u1);
        expr_unit_str(xs[i], u2, sizeof u2);
        return fail_expr(c, at, MK_ERR_UNIT, "%s: '%s' has unit %s but '%s' has unit %s", what,
                         s1, u1, s2, u2);
    }
    *out = ref->unit;
    return MK_OK;
}

/* The value of a constant exponent: numbers combined by + - * / and negation. */
static int constant_value(const mk_expr *e, double *v)
{
    if (e->kind == E_NUM && !e->unit_text) {
        *v = e->number;
        return 1;
    }
    if (e->kind == E_NEG && constant_value(e->a, v)) {
        *v = -*v;
        return 1;
    }
    double a, b;
    if (e->kind == E_BIN && constant_value(e->a, &a) && constant_value(e->b, &b)) {
        switch (e->op) { /* 1/3, 2*0.25, ... */
        case T_PLUS: *v = a + b; return 1;
        case T_MINUS: *v = a - b; return 1;
        case T_STAR: *v = a * b; return 1;
        case T_SLASH: *v = a / b; return b != 0;
        }
    }
    return 0;
}

static mk_status infer_power(checker *c, mk_expr *e, mk_expr *base, mk_expr *expo)
{
    mk_status rc;
    if ((rc = need_number(c, base, "the base of a power")) ||
        (rc = need_dimensionless(c, expo, "an exponent")))
        return rc;
    if (mk_units_is_dimensionless(c->m->units, base->unit)) {
        e->unit = c->m->units->one;
        return MK_OK;
    }
    double v;
    char s[80], u[128];
    snip(c, base, s, sizeof s);
    expr_unit_str(base, u, sizeof u);
    if (!constant_value(expo, &v))
        return fail_expr(c, e, MK_ERR_UNIT,
                         "'%s' has unit %s, so its exponent must be a constant number", s, u);
    /* UDUNITS raises to powers of at most 255; beyond, (int) of the power is not defined */
    for (int den = 1; den <= 12 && fabs(v) <= 255; den++) {
        double num = v * den;
        if (fabs(num - round(num)) > 1e-9) continue;
        ut_unit *root = den == 1 ? ut_clone(base->unit) : ut_root(base->unit, den);
        ut_unit *r = root ? ut_raise(root, (int)round(num)) : NULL;
        ut_free(root);
        if (!r) break;
        if (!(e->unit = own(c, r))) return oom(c);
        return MK_OK;
    }
    return fail_expr(c, e, MK_ERR_UNIT, "cannot raise '%s' (unit %s) to the power %g: no unit "
                     "has that dimension", s, u, v);
}

static mk_fn *find_fn(const mk_model *m, const char *name)
{
    for (mk_fn *f = m->fns; f; f = f->next)
        if (!strcmp(f->name, name)) return f;
    return NULL;
}

/* A copy of a function's body for one call: each parameter becomes an E_ARG standing for
 * that call's argument.  The copy is checked (so units are checked with this call's
 * arguments) and generated in place of the call. */
static mk_expr *expand(checker *c, const mk_fn *f, const mk_expr *e, mk_expr **args)
{
    mk_expr *x = mk_arena_alloc(&c->m->arena, sizeof *x);
    if (!x) return NULL;
    *x = *e;
    if (e->kind == E_REF && !strchr(e->name, '.'))
        for (int i = 0; i < f->nparams; i++)
            if (!strcmp(f->params[i], e->name)) {
                x->kind = E_ARG;
                x->a = args[i];
                return x;
            }
    if (e->a && !(x->a = expand(c, f, e->a, args))) return NULL;
    if (e->b && !(x->b = expand(c, f, e->b, args))) return NULL;
    if (e->nargs) {
        if (!(x->args = mk_arena_alloc(&c->m->arena, sizeof *x->args * (size_t)e->nargs)))
            return NULL;
        for (int i = 0; i < e->nargs; i++)
            if (!(x->args[i] = expand(c, f, e->args[i], args))) return NULL;
    }
    return x;
}

/* Names inside a function's body other than its parameters: a function reads nothing else. */
static mk_status check_fn_names(checker *c, const mk_fn *f, const mk_expr *e)
{
    if (!e || e->kind == E_ARG) return MK_OK; /* an argument is the caller's expression */
    if (e->kind == E_REF) {
        char hint[96] = "";
        int best = strlen(e->name) <= 2 ? 1 : 3; /* "k" is no typo of "x" */
        for (int i = 0; i < f->nparams; i++) {
            int d = mk_edit_distance(e->name, f->params[i]);
            if (d < best) {
                best = d;
                snprintf(hint, sizeof hint, " (did you mean '%s'?)", f->params[i]);
            }
        }
        return fail_expr(c, e, MK_ERR_NAME, "function '%s' can use only its parameters (%d "
                         "declared), found '%s'%s: pass the value as an argument", f->name,
                         f->nparams, e->name, hint);
    }
    if (e->kind == E_TIME)
        return fail_expr(c, e, MK_ERR_NAME, "function '%s' cannot read t: pass it as an argument",
                         f->name);
    mk_status rc;
    if ((rc = check_fn_names(c, f, e->a)) || (rc = check_fn_names(c, f, e->b))) return rc;
    for (int i = 0; i < e->nargs; i++)
        if ((rc = check_fn_names(c, f, e->args[i]))) return rc;
    return MK_OK;
}

static mk_status infer_user_call(checker *c, mk_expr *e, mk_fn *f)
{
    if (e->nargs != f->nparams)
        return fail_expr(c, e, MK_ERR_SYNTAX, "function '%s' takes %d argument%s (defined at "
                         "%s%s%d), found %d", f->name, f->nparams, f->nparams == 1 ? "" : "s",
                         f->file == e->file ? "line " : f->file, f->file == e->file ? "" : ":",
                         f->line, e->nargs);
    if (f->active)
        return fail_expr(c, e, MK_ERR_CYCLE, "function '%s' calls itself (directly or through "
                         "another function): functions are expanded inline and cannot recurse",
                         f->name);
    mk_status rc;
    for (int i = 0; i < e->nargs; i++)
        if ((rc = infer(c, e->args[i]))) return rc;
    e->fn = f;
    if (!(e->a = expand(c, f, f->body, e->args))) return oom(c);
    mk_expr *outer = c->call;
    if (!outer) c->call = e;
    /* the body is checked where it is written, except where an argument is read */
    mk_component *saved = c->comp;
    f->active = 1;
    rc = check_fn_names(c, f, e->a);
    if (!rc) rc = infer(c, e->a);
    f->active = 0;
    c->comp = saved;
    c->call = outer;
    if (rc) return rc;
    e->unit = e->a->unit;
    e->is_bool = e->a->is_bool;
    return MK_OK;
}

static mk_status infer_call(checker *c, mk_expr *e)
{
    const mk_builtin_fn *f = mk_builtin_fn_find(e->name);
    mk_fn *uf = f ? NULL : find_fn(c->m, e->name);
    if (uf) return infer_user_call(c, e, uf);
    if (!f) {
        mk_decl *decl = resolve(c, e->name);
        if (decl)
            return fail_expr(c, e, MK_ERR_NAME, "'%s' is %s, not a function (to multiply, "
                             "write %s * (...))", e->name, a_kind(decl->kind), e->name);
        char hint[96] = "";
        int best = strlen(e->name) <= 2 ? 2 : 3; /* "u" is no typo of "if" */
        for (const mk_builtin_fn *g = mk_builtin_fns; g->name; g++) {
            int d = mk_edit_distance(e->name, g->name);
            if (d < best) {
                best = d;
                snprintf(hint, sizeof hint, " (did you mean '%s'?)", g->name);
            }
        }
        for (const mk_fn *g = c->m->fns; g; g = g->next) {
            int d = mk_edit_distance(e->name, g->name);
            if (d < best) {
                best = d;
                snprintf(hint, sizeof hint, " (did you mean '%s'?)", g->name);
            }
        }
        return fail_expr(c, e, MK_ERR_NAME, "unknown function '%s'%s", e->name, hint);
    }
    if ((f->arity >= 0 && e->nargs != f->arity) || (f->arity < 0 && e->nargs < 2)) {
        if (f->arity < 0)
            return fail_expr(c, e, MK_ERR_SYNTAX, "%s takes 2 or more arguments, found %d",
                             f->name, e->nargs);
        return fail_expr(c, e, MK_ERR_SYNTAX, "%s takes %d argument%s, found %d", f->name,
                         f->arity, f->arity == 1 ? "" : "s", e->nargs);
    }
    mk_status rc;
    for (int i = 0; i < e->nargs; i++)
        if ((rc = infer(c, e->args[i]))) return rc;
    mk_expr **a = e->args;
    const char *n = f->name;
    char what[64];
    snprintf(what, sizeof what, "the arguments of %s", n);
    if (!strcmp(n, "if")) {
        if (!a[0]->is_bool) {
            char s[80];
            snip(c, a[0], s, sizeof s);
            return fail_expr(c, a[0], MK_ERR_UNIT,
                             "the condition of if must be a comparison, found '%s'", s);
        }
        return same_dimension(c, e, a + 1, 2, "the two branches of if", &e->unit);
    }
    if (!strcmp(n, "min") || !strcmp(n, "max") || !strcmp(n, "clamp"))
        return same_dimension(c, e, a, e->nargs, what, &e->unit);
    if (!strcmp(n, "abs") || !strcmp(n, "pos")) {
        e->unit = a[0]->unit;
        return need_number(c, a[0], n);
    }
    if (!strcmp(n, "sqrt")) {
        mk_expr half = {0};
        half.kind = E_NUM;
        half.number = 0.5;
        half.unit = c->m->units->one;
        return infer_power(c, e, a[0], &half);
    }
    if (!strcmp(n, "pow")) return infer_power(c, e, a[0], a[1]);
    if (!strcmp(n, "hill") || !strcmp(n, "sigmoid")) {
        ut_unit *u;
        int k = !strcmp(n, "hill") ? 2 : 3;
        if ((rc = same_dimension(c, e, a, k, what, &u))) return rc;
        if (k == 2 && (rc = need_dimensionless(c, a[2], "the Hill coefficient"))) return rc;
        e->unit = c->m->units->one;
        return MK_OK;
    }
    /* exp, log, log10, sin, cos, tanh, floor */
    snprintf(what, sizeof what, "%s", n);
    if ((rc = need_dimensionless(c, a[0], what))) return rc;
    e->unit = c->m->units->one;
    return MK_OK;
}

static mk_status infer_binary(checker *c, mk_expr *e)
{
    mk_status rc;
    if ((rc = infer(c, e->a)) || (rc = infer(c, e->b))) return rc;
    mk_expr *xs[2] = {e->a, e->b};
    switch (e->op) {
    case T_PLUS:
    case T_MINUS:
        return same_dimension(c, e, xs, 2, e->op == T_PLUS ? "cannot add" : "cannot subtract",
                              &e->unit);
    case T_STAR:
    case T_SLASH: {
        const char *what = e->op == T_STAR ? "cannot multiply" : "cannot divide";
        if ((rc = need_number(c, e->a, what)) || (rc = need_number(c, e->b, what))) return rc;
        e->unit = own(c, e->op == T_STAR ? ut_multiply(e->a->unit, e->b->unit)
                                         : ut_divide(e->a->unit, e->b->unit));
        return e->unit ? MK_OK : oom(c);
    }
    case T_CARET:
        return infer_power(c, e, e->a, e->b);
    case OP_AND:
    case OP_OR:
        for (int i = 0; i < 2; i++)
            if (!xs[i]->is_bool) {
                char s[80];
                snip(c, xs[i], s, sizeof s);
                return fail_expr(c, xs[i], MK_ERR_UNIT, "'%s' needs comparisons on both sides, "
                                 "found '%s'", e->op == OP_AND ? "and" : "or", s);
            }
        e->is_bool = 1;
        return MK_OK;
    default: { /* comparisons */
        ut_unit *u;
        if ((rc = same_dimension(c, e, xs, 2, "cannot compare", &u))) return rc;
        e->is_bool = 1;
        e->unit = NULL;
        return MK_OK;
    }
    }
}

static mk_status infer_node(checker *c, mk_expr *e);

static mk_status infer(checker *c, mk_expr *e)
{
    if (c->nest >= MAX_INFER_NEST)
        return fail_expr(c, e, MK_ERR_MODEL, "variables and the expressions that define them "
                         "nest more than %d levels deep here; introduce states or shorten the "
                         "chain", MAX_INFER_NEST);
    c->nest++;
    mk_status rc = infer_node(c, e);
    c->nest--;
    return rc;
}

static mk_status infer_node(checker *c, mk_expr *e)
{
    mk_status rc;
    switch (e->kind) {
    case E_NUM:
        if (!e->unit_text) {
            e->unit = c->m->units->one;
            e->si_value = e->number;
            e->is_zero_literal = e->number == 0.0;
            return MK_OK;
        } else {
            char why[256];
            ut_unit *u;
            mk_status urc = mk_units_parse(c->m->units, e->unit_text, &u, why, sizeof why);
            if (urc == MK_ERR_NOMEM) return oom(c);
            if (urc) return fail_expr(c, e, MK_ERR_UNIT, "unit [%s]: %s", e->unit_text, why);
            if (!own(c, u)) return oom(c);
            int canon_oom = 0;
            ut_unit *canon = mk_units_canonical(c->m->units, u, &canon_oom);
            if (canon_oom) return oom(c);
            if (!canon) return fail_expr(c, e, MK_ERR_UNIT, "unit [%s] has no SI form", e->unit_text);
            if (!(e->unit = own(c, canon))) return oom(c); /* not a unit error */
            double scale, offset;
            mk_units_affine(u, e->unit, &scale, &offset);
            e->si_value = scale * e->number + offset;
            return MK_OK;
        }
    case E_TIME:
        c->m->uses_time = 1;
        e->unit = c->m->units->second;
        return MK_OK;
    case E_REF: {
        mk_decl *d = resolve(c, e->name);
        if (!d) {
            char hint[128];
            suggest(c, e->name, hint, sizeof hint);
            return fail_expr(c, e, MK_ERR_NAME, "undefined name '%s'%s", e->name, hint);
        }
        e->decl = d;
        d->used = 1;
        e->unit = d->canon;
        if (d->kind == MK_SYM_VAR) return visit_var(c, d);
        return MK_OK;
    }
    case E_NEG:
        if ((rc = infer(c, e->a)) || (rc = need_number(c, e->a, "a minus sign"))) return rc;
        e->unit = e->a->unit;
        return MK_OK;
    case E_NOT:
        if ((rc = infer(c, e->a))) return rc;
        if (!e->a->is_bool) {
            char s[80];
            snip(c, e->a, s, sizeof s);
            return fail_expr(c, e, MK_ERR_UNIT, "'not' needs a comparison, found '%s'", s);
        }
        e->is_bool = 1;
        return MK_OK;
    case E_BIN:
        return infer_binary(c, e);
    case E_CALL:
        return infer_call(c, e);
    case E_ARG: /* inferred with the call's arguments */
        e->unit = e->a->unit;
        e->is_bool = e->a->is_bool;
        e->is_zero_literal = e->a->is_zero_literal;
        return MK_OK;
    }
    return MK_OK;
}

/* The value an expression must have: declared (var) or per second (derivative). */
static mk_status expect_unit(checker *c, mk_expr *e, const ut_unit *want, const char *want_text,
                             const char *what)
{
    if (e->is_bool) {
        char s[80];
        snip(c, e, s, sizeof s);
        return fail_expr(c, e, MK_ERR_UNIT, "%s: '%s' is a truth value, not a number", what, s);
    }
    if (e->is_zero_literal || mk_units_same_dimension(e->unit, want)) return MK_OK;
    char s[80], u[128], w[128];
    snip(c, e, s, sizeof s);
    expr_unit_str(e, u, sizeof u);
    unit_str(want, w, sizeof w);
    return fail_expr(c, e, MK_ERR_UNIT, "%s must have unit %s (%s), but '%s' has unit %s", what,
                     want_text, w, s, u);
}

/* Out of line, so that visit_var's frame stays small: it recurses once per variable. */
static __attribute__((noinline)) mk_status fail_cycle(checker *c, mk_decl *d)
{
    char path[600] = "";
    size_t n = 0;
    int from = c->depth - 1;
    while (from > 0 && c->stack[from] != d) from--;
    for (int i = from; i < c->depth && n < sizeof path - 80; i++)
        n += (size_t)snprintf(path + n, sizeof path - n, "%s -> ", c->stack[i]->qname);
    snprintf(path + n, sizeof path - n, "%s", d->qname);
    return mk_fail_at(c->err, MK_ERR_CYCLE, d->file, d->line, d->col,
                      "algebraic variables depend on each other in a loop: %s (break the "
                      "loop, e.g. by making one of them a state)", path);
}

static __attribute__((noinline)) mk_status check_var_unit(checker *c, mk_decl *d)
{
    char what[160];
    snprintf(what, sizeof what, "variable '%s'", d->local);
    return expect_unit(c, d->rhs, d->canon, d->unit_text, what);
}

static mk_status visit_var(checker *c, mk_decl *d)
{
    if (d->visit == 2) return MK_OK;
    if (d->visit == 1) return fail_cycle(c, d);
    if (c->depth == c->cap) {
        int cap = c->cap ? 2 * c->cap : 32;
        mk_decl **s = mk_realloc(c->stack, sizeof *s * (size_t)cap);
        if (!s) return oom(c);
        c->stack = s;
        c->cap = cap;
    }
    c->stack[c->depth++] = d;
    d->visit = 1;
    mk_component *saved = c->comp;
    c->comp = d->comp; /* names in d's expression are resolved in d's component */
    mk_status rc = infer(c, d->rhs);
    c->comp = saved;
    if (!rc) rc = check_var_unit(c, d);
    c->depth--;
    if (rc) return rc;
    d->visit = 2;
    d->index = c->n_order;
    c->order[c->n_order++] = d;
    return MK_OK;
}

static mk_status check_derivative(checker *c, mk_decl *d)
{
    c->comp = d->comp;
    mk_status rc = infer(c, d->deriv);
    if (rc) return rc;
    ut_unit *per_s = own(c, ut_divide(d->canon, c->m->units->second));
    if (!per_s) return oom(c);
    char want[160], what[160];
    snprintf(want, sizeof want, "%s/s", d->unit_text);
    snprintf(what, sizeof what, "the right-hand side of d(%s)/dt", d->local);
    return expect_unit(c, d->deriv, per_s, want, what);
}

/* ---------------------------------------------------------------- conservation laws */

/* What a law's expression reads, through variables: the states (each once), and the first
 * variable that is computed from a state, input or time. */
typedef struct law_deps {
    int *states;
    int n;
    const mk_decl *bad_var;     /* a variable read by the law that depends on a state */
    const mk_decl *bad_state;   /* ... on this state */
    const mk_decl *input;       /* an input read, directly or through a variable */
    int time;
} law_deps;

static void var_deps(const mk_expr *e, law_deps *d, int through_var)
{
    if (!e) return;
    if (e->kind == E_TIME) d->time = 1;
    if (e->kind == E_REF && e->decl) {
        const mk_decl *x = e->decl;
        if (x->kind == MK_SYM_INPUT && !d->input) d->input = x;
        if (x->kind == MK_SYM_STATE && through_var && !d->bad_state) d->bad_state = x;
        if (x->kind == MK_SYM_VAR) var_deps(x->rhs, d, 1);
    }
    var_deps(e->a, d, through_var);
    var_deps(e->b, d, through_var);
    for (int i = 0; i < e->nargs && !e->fn; i++) var_deps(e->args[i], d, through_var);
}

/* The states a law reads directly; a variable it reads must not depend on states. */
static void law_walk(const mk_expr *e, law_deps *d)
{
    if (!e) return;
    if (e->kind == E_TIME) d->time = 1;
    if (e->kind == E_REF && e->decl) {
        const mk_decl *x = e->decl;
        if (x->kind == MK_SYM_INPUT && !d->input) d->input = x;
        if (x->kind == MK_SYM_STATE) {
            int seen = 0;
            for (int i = 0; i < d->n; i++) seen |= d->states[i] == x->index;
            if (!seen) d->states[d->n++] = x->index;
        }
        if (x->kind == MK_SYM_VAR) {
            const mk_decl *saved = d->bad_state;
            var_deps(x->rhs, d, 1);
            if (d->bad_state != saved && !d->bad_var) d->bad_var = x;
        }
    }
    law_walk(e->a, d);
    law_walk(e->b, d);
    /* a user function's call: its expansion (in a) reads the arguments already */
    for (int i = 0; i < e->nargs && !e->fn; i++) law_walk(e->args[i], d);
}

static mk_status check_law(checker *c, mk_law_decl *l)
{
    mk_model *m = c->m;
    for (mk_law_decl *k = m->laws; k != l; k = k->next)
        if (!strcmp(k->name, l->name))
            return mk_fail_at(c->err, MK_ERR_NAME, l->file, l->line, l->col,
                              "conservation law '%s' is already declared at %s%s%d", l->name,
                              k->file == l->file ? "line " : k->file, k->file == l->file ? "" : ":",
                              k->line);
    char why[256];
    ut_unit *u = NULL;
    mk_status urc = mk_units_parse(m->units, l->unit_text, &u, why, sizeof why);
    if (urc == MK_ERR_NOMEM) return oom(c);
    if (urc)
        return mk_fail_at(c->err, MK_ERR_UNIT, l->file, l->line, l->col,
                          "unit [%s] of conservation law '%s': %s", l->unit_text, l->name, why);
    if (!(l->unit = mk_model_own_unit(m, u))) return oom(c);
    int canon_oom = 0;
    ut_unit *canon = mk_units_canonical(m->units, l->unit, &canon_oom);
    if (canon_oom) return oom(c);
    if (!(l->canon = mk_model_own_unit(m, canon)))
        return canon ? oom(c) : mk_fail_at(c->err, MK_ERR_UNIT, l->file, l->line, l->col,
                          "unit [%s] of '%s' has no SI form", l->unit_text, l->name);
    mk_units_affine(l->unit, l->canon, &l->si_scale, &l->si_offset);
    c->comp = l->comp;
    mk_status rc = infer(c, l->expr);
    char what[200];
    snprintf(what, sizeof what, "conservation law '%s'", l->name);
    if (!rc) rc = expect_unit(c, l->expr, l->canon, l->unit_text, what);
    if (rc) return rc;
    law_deps d = {0};
    if (!(d.states = mk_arena_alloc(&m->arena, sizeof(int) * (size_t)(m->count[MK_SYM_STATE] + 1))))
        return oom(c);
    law_walk(l->expr, &d);
    l->states = d.states;
    l->n_states = d.n;
    if (d.input || d.time)
        return mk_fail_at(c->err, MK_ERR_MODEL, l->file, l->line, l->col,
                          "conservation law '%s' reads %s%s: a conserved quantity is made of "
                          "states and parameters (count what crosses the boundary in a state, "
                          "d(moved)/dt = flux, and add it to the law)", l->name,
                          d.input ? "input " : "the time t", d.input ? d.input->qname : "");
    if (d.bad_var)
        return mk_fail_at(c->err, MK_ERR_MODEL, l->file, l->line, l->col,
                          "conservation law '%s' reads variable '%s', which is computed from "
                          "state '%s': a pool computed from the others holds by construction and "
                          "cannot fail; make '%s' a state with its own d/dt", l->name,
                          d.bad_var->qname, d.bad_state->qname, d.bad_var->qname);
    if (d.n < 2)
        return mk_fail_at(c->err, MK_ERR_MODEL, l->file, l->line, l->col,
                          "conservation law '%s' reads %s%s%s: a law says that states exchange "
                          "what it counts, so it needs at least two integrated states", l->name,
                          d.n ? "only state '" : "no state", d.n ? m->by_kind[MK_SYM_STATE][d.states[0]]->qname : "",
                          d.n ? "'" : "");
    return MK_OK;
}

/* ---------------------------------------------------------------- the interface */

static mk_status check_label(checker *c, mk_label_decl *l)
{
    l->decl = mk_map_get(&c->decls, l->target, strlen(l->target));
    if (l->decl) return MK_OK;
    char hint[160];
    c->comp = NULL;
    suggest(c, l->target, hint, sizeof hint);
    return mk_fail_at(c->err, MK_ERR_NAME, l->file, l->tline, l->tcol,
                      "label '%s' names '%s', which the model does not declare%s", l->name,
                      l->target, hint);
}

static const mk_label_decl *find_label(const mk_model *m, const char *name, size_t len)
{
    for (const mk_label_decl *l = m->labels; l; l = l->next)
        if (strlen(l->name) == len && !memcmp(l->name, name, len)) return l;
    return NULL;
}

/* A label a why reads must be recorded in every run: a state or an output. */
static mk_status why_label(checker *c, const mk_why_decl *w, const char *name, size_t len,
                           const mk_label_decl **out)
{
    const mk_label_decl *l = find_label(c->m, name, len);
    if (!l)
        return mk_fail_at(c->err, MK_ERR_NAME, w->file, w->line, w->col,
                          "why reads '%.*s', which is not a label of the interface", (int)len, name);
    if (l->decl->kind != MK_SYM_STATE && !(l->decl->kind == MK_SYM_VAR && l->decl->is_output))
        return mk_fail_at(c->err, MK_ERR_MODEL, w->file, w->line, w->col,
                          "why reads label '%s' (%s), which a run does not record: it must "
                          "name a state or an output", l->name, l->target);
    *out = l;
    return MK_OK;
}

/* The sentence's {LABEL}, {LABEL:.2f}, {LABEL:.1g} and {LABEL:%}. */
static mk_status check_why_text(checker *c, const mk_why_decl *w)
{
    for (const char *p = w->text; (p = strchr(p, '{')); p++) {
        const char *end = strchr(p, '}');
        const char *colon = memchr(p, ':', end ? (size_t)(end - p) : 0);
        if (!end)
            return mk_fail_at(c->err, MK_ERR_SYNTAX, w->file, w->line, w->col,
                              "why's sentence opens '{' without closing it");
        const mk_label_decl *l;
        mk_status rc = why_label(c, w, p + 1, (size_t)((colon ? colon : end) - p - 1), &l);
        if (rc) return rc;
        if (colon && !(end - colon == 2 && colon[1] == '%') &&
            !(end - colon == 4 && colon[1] == '.' && colon[2] >= '0' && colon[2] <= '6' &&
              (colon[3] == 'f' || colon[3] == 'g')))
            return mk_fail_at(c->err, MK_ERR_SYNTAX, w->file, w->line, w->col,
                              "why's sentence formats '%s' as '%.*s': expected :.Nf, :.Ng (N 0-6) "
                              "or :%% (per cent of 1)", l->name, (int)(end - colon - 1), colon + 1);
    }
    return MK_OK;
}

static mk_status check_interface(checker *c)
{
    mk_status rc = MK_OK;
    for (mk_label_decl *l = c->m->labels; l && !rc; l = l->next) rc = check_label(c, l);
    for (mk_why_decl *w = c->m->whys; w && !rc; w = w->next) {
        if (w->label) rc = why_label(c, w, w->label, strlen(w->label), &w->lab);
        if (!rc) rc = check_why_text(c, w);
    }
    return rc;
}

mk_status mk_check(mk_model *m, mk_error *err)
{
    checker c = {0};
    c.m = m;
    c.err = err;
    mk_status rc = collect(&c);
    for (int k = 0; k < 4 && !rc; k++) {
        m->by_kind[k] = mk_calloc((size_t)(m->count[k] ? m->count[k] : 1), sizeof(mk_decl *));
        if (!m->by_kind[k]) rc = oom(&c);
    }
    if (rc) {
        mk_map_free(&c.comps);
        mk_map_free(&c.decls);
        return rc;
    }
    c.order = m->by_kind[MK_SYM_VAR];
    int next[4] = {0};
    for (mk_component *k = m->components; k; k = k->next)
        for (mk_decl *d = k->first; d; d = d->next)
            if (d->stmt == STMT_DECL && d->kind != MK_SYM_VAR) {
                d->index = next[d->kind]++;
                m->by_kind[d->kind][d->index] = d;
            }
    for (mk_component *k = m->components; k && !rc; k = k->next)
        for (mk_decl *d = k->first; d && !rc; d = d->next)
            if (d->stmt == STMT_DECL && d->kind == MK_SYM_VAR) rc = visit_var(&c, d);
    for (mk_component *k = m->components; k && !rc; k = k->next)
        for (mk_decl *d = k->first; d && !rc; d = d->next)
            if (d->stmt == STMT_DECL && d->kind == MK_SYM_STATE) rc = check_derivative(&c, d);
    for (mk_law_decl *l = m->laws; l && !rc; l = l->next) rc = check_law(&c, l);
    if (!rc) rc = check_interface(&c);
    free(c.stack);
    mk_map_free(&c.comps);
    mk_map_free(&c.decls);
    return rc;
}
