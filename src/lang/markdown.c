/*
 * markdown.c -- a model as a document: equations in LaTeX, tables of parameters with their
 * units, ranges and sources, and the order in which variables are computed.  This is what
 * `myoknot model show` prints and what a methods section can quote.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "lang/ast.h"

/* Markdown table cells: no pipes or newlines. */
static void cell(mk_buf *b, const char *s)
{
    for (const char *c = s ? s : ""; *c; c++) {
        if (*c == '|') mk_buf_puts(b, "\\|");
        else if (*c == '\n') mk_buf_puts(b, " ");
        else mk_buf_printf(b, "%c", *c);
    }
}

/* A name in LaTeX: \mathrm{k}, underscores escaped; other components' names qualified. */
static void tex_name(mk_buf *b, const mk_decl *d, const mk_component *here)
{
    const char *s = d->comp == here ? d->local : d->qname;
    mk_buf_puts(b, "\\mathrm{");
    for (const char *c = s; *c; c++) {
        if (*c == '_') mk_buf_puts(b, "\\_");
        else mk_buf_printf(b, "%c", *c);
    }
    mk_buf_puts(b, "}");
}

static void tex_unit(mk_buf *b, const char *u)
{
    mk_buf_puts(b, "\\,\\mathrm{");
    for (const char *c = u; *c; c++) {
        if (*c == '%') mk_buf_puts(b, "\\%");
        else if (*c == '_') mk_buf_puts(b, "\\_");
        else if (*c == ' ') mk_buf_puts(b, "\\ ");
        else mk_buf_printf(b, "%c", *c);
    }
    mk_buf_puts(b, "}");
}

enum { P_OR = 1, P_AND, P_CMP, P_ADD, P_MUL, P_UNARY, P_POW, P_ATOM };

static int prec(const mk_expr *e)
{
    if (e->kind == E_NEG || e->kind == E_NOT) return P_UNARY;
    if (e->kind == E_NUM && e->number < 0) return P_UNARY;
    if (e->kind != E_BIN) return P_ATOM;
    switch (e->op) {
    case OP_OR: return P_OR;
    case OP_AND: return P_AND;
    case T_PLUS: case T_MINUS: return P_ADD;
    case T_STAR: return P_MUL;
    case T_SLASH: return P_ATOM; /* \frac groups itself */
    case T_CARET: return P_POW;
    default: return P_CMP;
    }
}

static void tex(mk_buf *b, const mk_expr *e, const mk_component *here);

static void tex_child(mk_buf *b, const mk_expr *e, int parent, int right, const mk_component *here)
{
    int p = prec(e);
    int paren = p < parent || (right && p == parent && parent != P_MUL) ||
                (parent == P_OR && p == P_AND); /* a reader should not need precedence rules */
    if (paren) mk_buf_puts(b, "\\left(");
    tex(b, e, here);
    if (paren) mk_buf_puts(b, "\\right)");
}

static void tex_args(mk_buf *b, const mk_expr *e, const mk_component *here)
{
    mk_buf_puts(b, "\\left(");
    for (int i = 0; i < e->nargs; i++) {
        if (i) mk_buf_puts(b, ", ");
        tex(b, e->args[i], here);
    }
    mk_buf_puts(b, "\\right)");
}

static void tex(mk_buf *b, const mk_expr *e, const mk_component *here)
{
    static const char *const known[] = {"exp", "log", "sin", "cos", "tanh", "min", "max", NULL};
    switch (e->kind) {
    case E_NUM:
        mk_buf_printf(b, "%g", e->number);
        if (e->unit_text) tex_unit(b, e->unit_text);
        return;
    case E_REF: tex_name(b, e->decl, here); return;
    case E_TIME: mk_buf_puts(b, "t"); return;
    case E_NEG:
        mk_buf_puts(b, "-");
        tex_child(b, e->a, P_UNARY + 1, 0, here);
        return;
    case E_NOT:
        mk_buf_puts(b, "\\lnot ");
        tex_child(b, e->a, P_UNARY + 1, 0, here);
        return;
    case E_CALL:
        if (!strcmp(e->name, "if")) {
            mk_buf_puts(b, "\\begin{cases}");
            tex(b, e->args[1], here);
            mk_buf_puts(b, " & \\text{if } ");
            tex(b, e->args[0], here);
            mk_buf_puts(b, " \\\\ ");
            tex(b, e->args[2], here);
            mk_buf_puts(b, " & \\text{otherwise}\\end{cases}");
            return;
        }
        if (!strcmp(e->name, "sqrt")) {
            mk_buf_puts(b, "\\sqrt{");
            tex(b, e->args[0], here);
            mk_buf_puts(b, "}");
            return;
        }
        if (!strcmp(e->name, "abs")) {
            mk_buf_puts(b, "\\left|");
            tex(b, e->args[0], here);
            mk_buf_puts(b, "\\right|");
            return;
        }
        for (int i = 0; known[i]; i++)
            if (!strcmp(known[i], e->name)) {
                mk_buf_printf(b, "\\%s", e->name);
                tex_args(b, e, here);
                return;
            }
        mk_buf_puts(b, "\\operatorname{");
        for (const char *c = e->name; *c; c++) { /* a user function's name may hold '_' */
            if (*c == '_') mk_buf_puts(b, "\\_");
            else mk_buf_printf(b, "%c", *c);
        }
        mk_buf_puts(b, "}");
        tex_args(b, e, here);
        return;
    case E_ARG:
        tex(b, e->a, here);
        return;
    case E_BIN:
        break;
    }
    int p = prec(e);
    switch (e->op) {
    case T_SLASH:
        mk_buf_puts(b, "\\frac{");
        tex(b, e->a, here);
        mk_buf_puts(b, "}{");
        tex(b, e->b, here);
        mk_buf_puts(b, "}");
        return;
    case T_CARET:
        mk_buf_puts(b, "{");
        tex_child(b, e->a, P_ATOM, 0, here);
        mk_buf_puts(b, "}^{");
        tex(b, e->b, here);
        mk_buf_puts(b, "}");
        return;
    default: {
        const char *op = " ? ";
        switch (e->op) {
        case T_PLUS: op = " + "; break;
        case T_MINUS: op = " - "; break;
        case T_STAR: op = " \\cdot "; break;
        case T_LT: op = " < "; break;
        case T_LE: op = " \\le "; break;
        case T_GT: op = " > "; break;
        case T_GE: op = " \\ge "; break;
        case T_EQ: op = " = "; break;
        case T_NE: op = " \\ne "; break;
        case OP_AND: op = " \\land "; break;
        case OP_OR: op = " \\lor "; break;
        }
        tex_child(b, e->a, p == P_CMP ? P_CMP + 1 : p, 0, here);
        mk_buf_puts(b, op);
        tex_child(b, e->b, p == P_CMP ? P_CMP + 1 : p, 1, here);
    }
    }
}

/* The declarations an expression reads, as "a, b, c" (each once). */
static void list_deps(mk_buf *b, const mk_expr *e, const mk_decl **seen, int *n, int max)
{
    if (!e) return;
    if (e->kind == E_REF) {
        for (int i = 0; i < *n; i++)
            if (seen[i] == e->decl) return;
        if (*n < max) seen[(*n)++] = e->decl;
        mk_buf_printf(b, "%s`%s`", *n > 1 ? ", " : "", e->decl->qname);
    }
    list_deps(b, e->a, seen, n, max);
    list_deps(b, e->b, seen, n, max);
    for (int i = 0; i < e->nargs; i++) list_deps(b, e->args[i], seen, n, max);
}

static void param_table(mk_buf *b, const mk_component *k)
{
    int any = 0;
    for (const mk_decl *d = k->first; d; d = d->next) {
        if (d->stmt != STMT_DECL || d->kind != MK_SYM_PARAM) continue;
        if (!any++)
            mk_buf_puts(b, "\n**Parameters**\n\n| name | default | unit | plausible range | "
                           "description | source |\n|---|---|---|---|---|---|\n");
        mk_buf_printf(b, "| `%s` | %g | ", d->local, d->value);
        cell(b, d->unit_text);
        mk_buf_printf(b, " | %g .. %g | ", d->lo, d->hi);
        cell(b, d->doc);
        mk_buf_puts(b, " | ");
        cell(b, d->source);
        mk_buf_puts(b, " |\n");
    }
}

static void symbol_table(mk_buf *b, const mk_component *k, mk_symbol_kind kind, const char *title,
                         const char *value_title)
{
    int any = 0;
    for (const mk_decl *d = k->first; d; d = d->next) {
        if (d->stmt != STMT_DECL || d->kind != kind) continue;
        if (!any++)
            mk_buf_printf(b, "\n**%s**\n\n| name | %s | unit | output | description |\n"
                             "|---|---|---|---|---|\n", title, value_title);
        mk_buf_printf(b, "| `%s` | ", d->local);
        if (kind == MK_SYM_VAR) mk_buf_puts(b, "(equation)");
        else mk_buf_printf(b, "%g", d->value);
        mk_buf_puts(b, " | ");
        cell(b, d->unit_text);
        mk_buf_printf(b, " | %s | ", d->is_output ? "yes" : "");
        cell(b, d->doc);
        if (!isnan(d->diffusion_m2_s)) mk_buf_printf(b, " (diffuses, D = %g m²/s)", d->diffusion_m2_s);
        if (d->constraint) /* the bound, as written */
            mk_buf_printf(b, " (kept %s 0)", d->constraint == 1 ? "≥" : d->constraint == 2 ? ">"
                                             : d->constraint == -1 ? "≤" : "<");
        mk_buf_puts(b, " |\n");
    }
}

mk_status mk_model_write_markdown(const mk_model *m, mk_buf *b, mk_error *err)
{
    mk_buf_printf(b, "# Model `%s`\n\n", m->name);
    if (m->doc) mk_buf_printf(b, "%s\n\n", m->doc);
    mk_buf_printf(b, "Source `%s`, hash fnv1a64:%s. %d states, %d parameters, %d inputs, "
                     "%d algebraic variables, %d outputs. Time $t$ in seconds.\n",
                  m->file, m->hash, m->count[MK_SYM_STATE], m->count[MK_SYM_PARAM],
                  m->count[MK_SYM_INPUT], m->count[MK_SYM_VAR], mk_model_count_outputs(m));
    for (const mk_component *k = m->components; k; k = k->next) {
        mk_buf_printf(b, "\n## Component `%s`\n\n", k->name);
        if (k->doc) mk_buf_printf(b, "%s\n", k->doc);
        int eqs = 0;
        for (const mk_decl *d = k->first; d; d = d->next) {
            if (d->stmt != STMT_DECL) continue;
            if (d->kind == MK_SYM_STATE) {
                if (!eqs++) mk_buf_puts(b, "\n**Equations**\n\n");
                mk_buf_puts(b, "$$\\frac{d");
                tex_name(b, d, k);
                mk_buf_puts(b, "}{dt} = ");
                tex(b, d->deriv, k);
                mk_buf_puts(b, "$$\n\n");
            } else if (d->kind == MK_SYM_VAR) {
                if (!eqs++) mk_buf_puts(b, "\n**Equations**\n\n");
                mk_buf_puts(b, "$$");
                tex_name(b, d, k);
                mk_buf_puts(b, " = ");
                tex(b, d->rhs, k);
                mk_buf_puts(b, "$$\n\n");
            }
        }
        param_table(b, k);
        symbol_table(b, k, MK_SYM_STATE, "States", "initial value");
        symbol_table(b, k, MK_SYM_INPUT, "Inputs", "default");
        symbol_table(b, k, MK_SYM_VAR, "Algebraic variables", "value");
    }
    if (m->labels) { /* only models that declare an interface: the goldens of others stay */
        mk_buf_puts(b, "\n## Interface\n\nThe labels the program names this model's quantities by "
                       "(docs/site-interface.md).\n\n| label | quantity | doc |\n|---|---|---|\n");
        for (const mk_label_decl *l = m->labels; l; l = l->next)
            mk_buf_printf(b, "| `%s` | `%s` | %s |\n", l->name, l->target, l->doc ? l->doc : "");
        for (const mk_why_decl *w = m->whys; w; w = w->next) {
            if (w == m->whys) mk_buf_puts(b, "\n**Why** (the report's explanation of an end state)\n\n");
            if (w->label) mk_buf_printf(b, "- `%s %s %g`: %s\n", w->label, w->op == T_LT ? "<" : ">", w->threshold, w->text);
            else mk_buf_printf(b, "- otherwise: %s\n", w->text);
        }
    }
    mk_buf_puts(b, "\n## Dependency order\n\nAlgebraic variables are computed in this order, each "
                   "from the quantities listed:\n\n");
    for (int i = 0; i < m->count[MK_SYM_VAR]; i++) {
        const mk_decl *d = m->by_kind[MK_SYM_VAR][i];
        const mk_decl *seen[64];
        int n = 0;
        mk_buf_printf(b, "%d. `%s` ← ", i + 1, d->qname);
        list_deps(b, d->rhs, seen, &n, 64);
        if (!n) mk_buf_puts(b, "(constants only)");
        mk_buf_puts(b, "\n");
    }
    if (!m->count[MK_SYM_VAR]) mk_buf_puts(b, "(the model has no algebraic variables)\n");
    if (b->failed) return mk_fail(err, MK_ERR_NOMEM, "out of memory while writing Markdown");
    return MK_OK;
}
