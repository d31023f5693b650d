/*
 * parser.c -- recursive descent over the model language (docs/model-language.md).
 *
 *   file       := 'model' NAME '{' {'doc' STRING} '}' {component}
 *   component  := 'component' NAME '{' {item} '}'
 *   item       := 'doc' STRING
 *               | 'param'  NAME '=' NUMBER UNIT attrs        (attrs required: range, source, doc)
 *               | 'state'  NAME '=' NUMBER UNIT [attrs]
 *               | 'input'  NAME '=' NUMBER UNIT [attrs]
 *               | 'var'    NAME UNIT '=' expr [attrs]
 *               | 'output' NAME [UNIT '=' expr [attrs]]
 *               | 'd' '(' NAME ')' '/' 'dt' '=' expr
 *   attrs      := '{' { 'doc' STRING | 'source' STRING | 'range' NUMBER '..' NUMBER
 *                      | 'diffusion' NUMBER UNIT | ';' } '}'
 *
 * The parser stops at the first error: one precise message beats a cascade of guesses.
 * Only syntax is checked here; names and units are check.c's.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "lang/ast.h"

typedef struct parser {
    mk_model *m;
    mk_lexer lx;
    mk_token tok;       /* current */
    size_t prev_end;    /* byte offset just past the previous token */
    mk_error *err;
    mk_component *comp; /* being parsed */
} parser;

static const char *const k_reserved[] = {
    "model", "component", "param", "state", "input", "var", "output", "doc", "source",
    "range", "diffusion", "d", "dt", "t", "and", "or", "not", "if", NULL};

static int is_reserved(const mk_token *t)
{
    for (int i = 0; k_reserved[i]; i++)
        if (strlen(k_reserved[i]) == t->len && memcmp(k_reserved[i], t->text, t->len) == 0)
            return 1;
    return 0;
}

static int is_word(const mk_token *t, const char *w)
{
    return t->kind == T_IDENT && strlen(w) == t->len && memcmp(w, t->text, t->len) == 0;
}

static void next(parser *p)
{
    p->prev_end = p->tok.offset + p->tok.len + (p->tok.kind == T_STRING ? 2 : 0) +
                  (p->tok.kind == T_UNIT ? 2 : 0);
    p->tok = mk_lexer_next(&p->lx);
}

/* "'name'", "number 5", "end of file" ... for "found X" */
static void describe(const mk_token *t, char *buf, size_t size)
{
    switch (t->kind) {
    case T_IDENT: snprintf(buf, size, "'%.*s'", (int)t->len, t->text); break;
    case T_NUMBER: snprintf(buf, size, "number %.*s", (int)t->len, t->text); break;
    case T_STRING: snprintf(buf, size, "string \"%.*s\"", (int)(t->len > 30 ? 30 : t->len), t->text); break;
    case T_UNIT: snprintf(buf, size, "unit [%.*s]", (int)t->len, t->text); break;
    default: snprintf(buf, size, "%s", mk_tok_name(t->kind)); break;
    }
}

static mk_status fail_here(parser *p, const char *expected)
{
    if (p->tok.kind == T_ERROR)
        return mk_fail_at(p->err, MK_ERR_SYNTAX, p->m->file, p->tok.line, p->tok.col, "%s",
                          p->tok.text);
    char found[96];
    describe(&p->tok, found, sizeof found);
    return mk_fail_at(p->err, MK_ERR_SYNTAX, p->m->file, p->tok.line, p->tok.col,
                      "expected %s, found %s", expected, found);
}

static mk_status expect(parser *p, mk_tok kind, const char *what)
{
    if (p->tok.kind != kind) return fail_here(p, what ? what : mk_tok_name(kind));
    next(p);
    return MK_OK;
}

static mk_status expect_word(parser *p, const char *w)
{
    if (!is_word(&p->tok, w)) {
        char what[48];
        snprintf(what, sizeof what, "'%s'", w);
        return fail_here(p, what);
    }
    next(p);
    return MK_OK;
}

static mk_status oom(parser *p)
{
    return mk_fail(p->err, MK_ERR_NOMEM, "out of memory while parsing %s", p->m->file);
}

/* A declared name: an identifier that is not a keyword. */
static mk_status take_name(parser *p, const char *what, const char **out, int *line, int *col)
{
    if (p->tok.kind != T_IDENT) return fail_here(p, what);
    if (is_reserved(&p->tok))
        return mk_fail_at(p->err, MK_ERR_NAME, p->m->file, p->tok.line, p->tok.col,
                          "'%.*s' is a reserved word and cannot be used as %s", (int)p->tok.len,
                          p->tok.text, what);
    *out = mk_arena_strndup(&p->m->arena, p->tok.text, p->tok.len);
    if (!*out) return oom(p);
    if (line) *line = p->tok.line;
    if (col) *col = p->tok.col;
    next(p);
    return MK_OK;
}

static mk_status take_string(parser *p, const char **out)
{
    if (p->tok.kind != T_STRING) return fail_here(p, "a string in double quotes");
    char *s = mk_arena_alloc(&p->m->arena, p->tok.len + 1);
    if (!s) return oom(p);
    size_t n = 0;
    for (size_t i = 0; i < p->tok.len; i++) {
        if (p->tok.text[i] == '\\') i++;
        s[n++] = p->tok.text[i];
    }
    s[n] = 0;
    *out = s;
    next(p);
    return MK_OK;
}

static mk_status take_number(parser *p, double *out)
{
    int sign = 1;
    if (p->tok.kind == T_MINUS || p->tok.kind == T_PLUS) {
        sign = p->tok.kind == T_MINUS ? -1 : 1;
        next(p);
    }
    if (p->tok.kind != T_NUMBER) return fail_here(p, "a number");
    *out = sign * p->tok.number;
    next(p);
    return MK_OK;
}

static mk_status take_unit(parser *p, const char **out, const char *context)
{
    if (p->tok.kind != T_UNIT) {
        char what[96];
        snprintf(what, sizeof what, "a unit in brackets after %s, e.g. [mM] or [1]", context);
        return fail_here(p, what);
    }
    *out = mk_arena_strndup(&p->m->arena, p->tok.text, p->tok.len);
    if (!*out) return oom(p);
    next(p);
    return MK_OK;
}

/* ---------------------------------------------------------------- expressions */

static mk_status parse_expr(parser *p, mk_expr **out);

static mk_expr *new_expr(parser *p, mk_expr_kind kind, const mk_token *at)
{
    mk_expr *e = mk_arena_alloc(&p->m->arena, sizeof *e);
    if (!e) return NULL;
    e->kind = kind;
    e->line = at->line;
    e->col = at->col;
    e->start = at->offset;
    return e;
}

static mk_status parse_call(parser *p, mk_expr *e)
{
    mk_expr *args[8];
    int n = 0;
    next(p); /* ( */
    if (p->tok.kind != T_RPAREN) {
        for (;;) {
            if (n == 8)
                return mk_fail_at(p->err, MK_ERR_SYNTAX, p->m->file, p->tok.line, p->tok.col,
                                  "too many arguments to '%s' (at most 8)", e->name);
            mk_status rc = parse_expr(p, &args[n++]);
            if (rc) return rc;
            if (p->tok.kind != T_COMMA) break;
            next(p);
        }
    }
    if (p->tok.kind != T_RPAREN) return fail_here(p, "',' or ')' in a function call");
    next(p);
    e->args = mk_arena_alloc(&p->m->arena, sizeof(mk_expr *) * (size_t)(n ? n : 1));
    if (!e->args) return oom(p);
    memcpy(e->args, args, sizeof(mk_expr *) * (size_t)n);
    e->nargs = n;
    return MK_OK;
}

static mk_status parse_primary(parser *p, mk_expr **out)
{
    mk_token at = p->tok;
    mk_status rc;
    mk_expr *e;
    switch (at.kind) {
    case T_NUMBER:
        if (!(e = new_expr(p, E_NUM, &at))) return oom(p);
        e->number = at.number;
        next(p);
        if (p->tok.kind == T_UNIT) {
            e->unit_text = mk_arena_strndup(&p->m->arena, p->tok.text, p->tok.len);
            if (!e->unit_text) return oom(p);
            next(p);
        }
        break;
    case T_LPAREN:
        next(p);
        if ((rc = parse_expr(p, &e))) return rc;
        if ((rc = expect(p, T_RPAREN, "')'"))) return rc;
        break;
    case T_IDENT:
        if (is_word(&at, "t")) {
            if (!(e = new_expr(p, E_TIME, &at))) return oom(p);
            next(p);
            break;
        }
        if (is_reserved(&at) && !is_word(&at, "if"))
            return fail_here(p, "an expression");
        if (!(e = new_expr(p, E_REF, &at))) return oom(p);
        next(p);
        if (p->tok.kind == T_LPAREN) {
            e->kind = E_CALL;
            if (!(e->name = mk_arena_strndup(&p->m->arena, at.text, at.len))) return oom(p);
            if ((rc = parse_call(p, e))) return rc;
        } else if (p->tok.kind == T_DOT) {
            /* component.name */
            next(p);
            if (p->tok.kind != T_IDENT) return fail_here(p, "a name after '.'");
            size_t len = p->tok.offset + p->tok.len - at.offset;
            if (!(e->name = mk_arena_strndup(&p->m->arena, at.text, len))) return oom(p);
            next(p);
        } else {
            if (!(e->name = mk_arena_strndup(&p->m->arena, at.text, at.len))) return oom(p);
        }
        break;
    default:
        return fail_here(p, "an expression");
    }
    e->end = p->prev_end;
    *out = e;
    return MK_OK;
}

static mk_status parse_unary(parser *p, mk_expr **out);

static mk_status parse_power(parser *p, mk_expr **out)
{
    mk_status rc = parse_primary(p, out);
    if (rc || p->tok.kind != T_CARET) return rc;
    mk_token at = p->tok;
    next(p);
    mk_expr *e = new_expr(p, E_BIN, &at);
    if (!e) return oom(p);
    e->op = T_CARET;
    e->a = *out;
    if ((rc = parse_unary(p, &e->b))) return rc; /* right-associative: a^b^c = a^(b^c) */
    e->start = e->a->start;
    e->line = e->a->line;
    e->col = e->a->col;
    e->end = p->prev_end;
    *out = e;
    return MK_OK;
}

static mk_status parse_unary(parser *p, mk_expr **out)
{
    if (p->tok.kind == T_MINUS || p->tok.kind == T_PLUS) {
        mk_token at = p->tok;
        next(p);
        mk_expr *inner;
        mk_status rc = parse_unary(p, &inner);
        if (rc) return rc;
        if (at.kind == T_PLUS) {
            *out = inner;
            return MK_OK;
        }
        mk_expr *e = new_expr(p, E_NEG, &at);
        if (!e) return oom(p);
        e->a = inner;
        e->end = p->prev_end;
        *out = e;
        return MK_OK;
    }
    return parse_power(p, out);
}

typedef mk_status (*level_fn)(parser *, mk_expr **);

/* A left-associative binary level: operand { op operand }. */
static mk_status parse_level(parser *p, mk_expr **out, level_fn operand, const int *ops,
                             const char *const *words, int once)
{
    mk_status rc = operand(p, out);
    while (!rc) {
        int op = 0;
        for (int k = 0; ops && ops[k]; k++)
            if ((int)p->tok.kind == ops[k]) op = ops[k];
        if (words && is_word(&p->tok, words[0])) op = strcmp(words[0], "and") ? OP_OR : OP_AND;
        if (!op) break;
        mk_token at = p->tok;
        next(p);
        mk_expr *e = new_expr(p, E_BIN, &at);
        if (!e) return oom(p);
        e->op = op;
        e->a = *out;
        if ((rc = operand(p, &e->b))) return rc;
        e->start = e->a->start;
        e->line = e->a->line;
        e->col = e->a->col;
        e->end = p->prev_end;
        *out = e;
        if (once) {
            for (int k = 0; ops[k]; k++)
                if ((int)p->tok.kind == ops[k])
                    return mk_fail_at(p->err, MK_ERR_SYNTAX, p->m->file, p->tok.line, p->tok.col,
                                      "comparisons do not chain; combine them with 'and'");
            break;
        }
    }
    return rc;
}

static mk_status parse_mul(parser *p, mk_expr **out)
{
    static const int ops[] = {T_STAR, T_SLASH, 0};
    return parse_level(p, out, parse_unary, ops, NULL, 0);
}

static mk_status parse_add(parser *p, mk_expr **out)
{
    static const int ops[] = {T_PLUS, T_MINUS, 0};
    return parse_level(p, out, parse_mul, ops, NULL, 0);
}

static mk_status parse_cmp(parser *p, mk_expr **out)
{
    static const int ops[] = {T_LT, T_LE, T_GT, T_GE, T_EQ, T_NE, 0};
    return parse_level(p, out, parse_add, ops, NULL, 1);
}

static mk_status parse_not(parser *p, mk_expr **out)
{
    if (!is_word(&p->tok, "not")) return parse_cmp(p, out);
    mk_token at = p->tok;
    next(p);
    mk_expr *e = new_expr(p, E_NOT, &at);
    if (!e) return oom(p);
    mk_status rc = parse_not(p, &e->a);
    e->end = p->prev_end;
    *out = e;
    return rc;
}

static mk_status parse_and(parser *p, mk_expr **out)
{
    static const char *const w[] = {"and"};
    return parse_level(p, out, parse_not, NULL, w, 0);
}

static mk_status parse_expr(parser *p, mk_expr **out)
{
    static const char *const w[] = {"or"};
    return parse_level(p, out, parse_and, NULL, w, 0);
}

/* ---------------------------------------------------------------- declarations */

static mk_decl *new_decl(parser *p, mk_symbol_kind kind)
{
    mk_decl *d = mk_arena_alloc(&p->m->arena, sizeof *d);
    if (!d) return NULL;
    d->kind = kind;
    d->comp = p->comp;
    d->value = d->lo = d->hi = NAN;
    d->diffusion_m2_s = NAN;
    if (p->comp->last) p->comp->last->next = d; else p->comp->first = d;
    p->comp->last = d;
    return d;
}

static const char *kind_word(mk_symbol_kind k)
{
    static const char *const w[] = {"parameter", "state", "input", "variable"};
    return w[k];
}

static mk_status parse_attrs(parser *p, mk_decl *d, const char *allowed)
{
    mk_status rc;
    if ((rc = expect(p, T_LBRACE, "'{'"))) return rc;
    while (p->tok.kind != T_RBRACE) {
        if (p->tok.kind == T_SEMI) {
            next(p);
            continue;
        }
        if (p->tok.kind != T_IDENT) return fail_here(p, "an attribute or '}'");
        char word[32];
        snprintf(word, sizeof word, "%.*s", (int)(p->tok.len < 31 ? p->tok.len : 31), p->tok.text);
        /* allowed is a space-separated list such as "doc source range" */
        const char *hit = strstr(allowed, word);
        int ok = hit && (hit == allowed || hit[-1] == ' ') &&
                 (hit[strlen(word)] == ' ' || hit[strlen(word)] == 0);
        if (!ok)
            return mk_fail_at(p->err, MK_ERR_SYNTAX, p->m->file, p->tok.line, p->tok.col,
                              "'%s' is not an attribute of a %s (allowed: %s)", word,
                              kind_word(d->kind), allowed);
        int line = p->tok.line, col = p->tok.col;
        next(p);
        if (!strcmp(word, "doc")) {
            if (d->doc) goto twice;
            rc = take_string(p, &d->doc);
        } else if (!strcmp(word, "source")) {
            if (d->source) goto twice;
            rc = take_string(p, &d->source);
        } else if (!strcmp(word, "range")) {
            if (d->has_range) goto twice;
            d->has_range = 1;
            if (!(rc = take_number(p, &d->lo)) && !(rc = expect(p, T_DOTDOT, "'..' in a range")))
                rc = take_number(p, &d->hi);
            if (!rc && p->tok.kind == T_UNIT)
                return mk_fail_at(p->err, MK_ERR_SYNTAX, p->m->file, p->tok.line, p->tok.col,
                                  "a range is written in the parameter's own unit, without brackets");
        } else { /* diffusion */
            if (!isnan(d->diffusion_m2_s)) goto twice;
            const char *unit;
            double v = 0.0;
            if (!(rc = take_number(p, &v)) && !(rc = take_unit(p, &unit, "a diffusion coefficient"))) {
                double si;
                mk_error e2;
                if (mk_units_convert(p->m->units, v, unit, "m2/s", &si, &e2))
                    return mk_fail_at(p->err, MK_ERR_UNIT, p->m->file, line, col,
                                      "diffusion coefficient: %s", e2.message);
                d->diffusion_m2_s = si;
            }
        }
        if (rc) return rc;
        continue;
    twice:
        return mk_fail_at(p->err, MK_ERR_SYNTAX, p->m->file, line, col,
                          "attribute '%s' is given twice", word);
    }
    next(p);
    return MK_OK;
}

static mk_status parse_valued(parser *p, mk_symbol_kind kind, const char *allowed)
{
    mk_decl *d = new_decl(p, kind);
    if (!d) return oom(p);
    mk_status rc;
    char what[48];
    snprintf(what, sizeof what, "the name of a %s", kind_word(kind));
    if ((rc = take_name(p, what, &d->local, &d->line, &d->col))) return rc;
    if ((rc = expect(p, T_ASSIGN, "'=' and a value"))) return rc;
    if ((rc = take_number(p, &d->value))) return rc;
    if ((rc = take_unit(p, &d->unit_text, "the value"))) return rc;
    if (p->tok.kind == T_LBRACE || kind == MK_SYM_PARAM) return parse_attrs(p, d, allowed);
    return MK_OK;
}

static mk_status parse_var(parser *p, int is_output)
{
    mk_decl *d = new_decl(p, MK_SYM_VAR);
    if (!d) return oom(p);
    mk_status rc;
    if ((rc = take_name(p, "the name of a variable", &d->local, &d->line, &d->col))) return rc;
    d->is_output = is_output;
    if (is_output && p->tok.kind != T_UNIT) {
        /* `output name`: flags a declaration of the same component; check.c resolves it */
        d->stmt = STMT_OUTPUT_REF;
        return MK_OK;
    }
    if ((rc = take_unit(p, &d->unit_text, "the variable's name"))) return rc;
    if ((rc = expect(p, T_ASSIGN, "'=' and an expression"))) return rc;
    if ((rc = parse_expr(p, &d->rhs))) return rc;
    if (p->tok.kind == T_LBRACE) return parse_attrs(p, d, "doc");
    return MK_OK;
}

static mk_status parse_derivative(parser *p)
{
    mk_token at = p->tok;
    mk_status rc;
    next(p); /* d */
    if ((rc = expect(p, T_LPAREN, "'(' after d, as in d(x)/dt"))) return rc;
    mk_decl *d = new_decl(p, MK_SYM_STATE);
    if (!d) return oom(p);
    d->stmt = STMT_DERIV; /* check.c attaches the equation to its state */
    if (p->tok.kind != T_IDENT) return fail_here(p, "the name of a state in d(x)/dt");
    if (!(d->local = mk_arena_strndup(&p->m->arena, p->tok.text, p->tok.len))) return oom(p);
    d->line = p->tok.line;
    d->col = p->tok.col;
    next(p);
    if ((rc = expect(p, T_RPAREN, "')' in d(x)/dt"))) return rc;
    if ((rc = expect(p, T_SLASH, "'/dt' in d(x)/dt"))) return rc;
    if ((rc = expect_word(p, "dt"))) return rc;
    if ((rc = expect(p, T_ASSIGN, "'=' after d(x)/dt"))) return rc;
    d->deriv_line = at.line;
    d->deriv_col = at.col;
    return parse_expr(p, &d->deriv);
}

static mk_status parse_component(parser *p)
{
    mk_status rc;
    mk_component *c = mk_arena_alloc(&p->m->arena, sizeof *c);
    if (!c) return oom(p);
    next(p); /* component */
    if ((rc = take_name(p, "a component name", &c->name, &c->line, &c->col))) return rc;
    if ((rc = expect(p, T_LBRACE, "'{' to open the component"))) return rc;
    mk_component **tail = &p->m->components;
    while (*tail) tail = &(*tail)->next;
    *tail = c;
    p->comp = c;
    while (p->tok.kind != T_RBRACE) {
        mk_token *t = &p->tok;
        if (t->kind == T_SEMI) {
            next(p);
            rc = MK_OK;
        } else if (is_word(t, "doc")) {
            next(p);
            rc = take_string(p, &c->doc);
        } else if (is_word(t, "param")) {
            next(p);
            rc = parse_valued(p, MK_SYM_PARAM, "doc source range");
        } else if (is_word(t, "state")) {
            next(p);
            rc = parse_valued(p, MK_SYM_STATE, "doc diffusion");
        } else if (is_word(t, "input")) {
            next(p);
            rc = parse_valued(p, MK_SYM_INPUT, "doc");
        } else if (is_word(t, "var")) {
            next(p);
            rc = parse_var(p, 0);
        } else if (is_word(t, "output")) {
            next(p);
            rc = parse_var(p, 1);
        } else if (is_word(t, "d")) {
            rc = parse_derivative(p);
        } else if (t->kind == T_EOF) {
            char what[96];
            snprintf(what, sizeof what, "'}' to close component '%s' (opened at line %d)",
                     c->name, c->line);
            rc = fail_here(p, what);
        } else {
            rc = fail_here(p, "a declaration (param, state, input, var, output, d(x)/dt, doc) or '}'");
        }
        if (rc) return rc;
    }
    next(p);
    return MK_OK;
}

mk_status mk_parse(mk_model *m, mk_error *err)
{
    parser p = {0};
    p.m = m;
    p.err = err;
    mk_lexer_init(&p.lx, m->source);
    p.tok = mk_lexer_next(&p.lx);
    mk_status rc;
    if ((rc = expect_word(&p, "model"))) return rc;
    if ((rc = take_name(&p, "the model's name", &m->name, NULL, NULL))) return rc;
    if ((rc = expect(&p, T_LBRACE, "'{' after the model's name"))) return rc;
    while (p.tok.kind != T_RBRACE) {
        if (p.tok.kind == T_SEMI) {
            next(&p);
            continue;
        }
        if (!is_word(&p.tok, "doc")) return fail_here(&p, "'doc' or '}' in the model header");
        next(&p);
        if ((rc = take_string(&p, &m->doc))) return rc;
    }
    next(&p);
    while (p.tok.kind != T_EOF) {
        if (!is_word(&p.tok, "component")) return fail_here(&p, "'component' or end of file");
        if ((rc = parse_component(&p))) return rc;
    }
    if (!m->components)
        return mk_fail_at(err, MK_ERR_MODEL, m->file, p.tok.line, p.tok.col,
                          "the model has no component");
    return MK_OK;
}
