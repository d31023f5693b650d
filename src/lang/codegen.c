/*
 * codegen.c -- a checked model as readable C implementing mk_model_abi.
 *
 * The generated file is meant to be read (it is what a reviewer checks against the
 * equations): one local per quantity, named component_name, in coherent SI units, each
 * line commented with the declared unit; conversions from and to declared units happen
 * once, where values cross the ABI.  Output is deterministic: the same model gives the
 * same bytes (the golden tests depend on it).
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
#include "lang/units.h"

/* Shortest text that reads back as the same double, always with a '.' or an exponent. */
static void fmt_double(char *buf, size_t size, double v)
{
    if (isnan(v)) {
        snprintf(buf, size, "NAN");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, size, v > 0 ? "INFINITY" : "-INFINITY");
        return;
    }
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    if (!strpbrk(buf, ".eEn")) {
        size_t n = strlen(buf);
        if (n + 2 < size) memcpy(buf + n, ".0", 3);
    }
}

/* A C string literal holding s byte for byte.  Only printable ASCII other than '"', '\\' and
 * '?' stands for itself; '?' is escaped so that no "??x" trigraph can form whatever the
 * compiler's options, and every other byte is an octal escape (always three digits, so a
 * digit after it cannot extend it).  No byte of s can end the literal or the line. */
static void put_string(mk_buf *b, const char *s)
{
    if (!s) {
        mk_buf_puts(b, "NULL");
        return;
    }
    mk_buf_puts(b, "\"");
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\' || *c == '?') mk_buf_printf(b, "\\%c", *c);
        else if (*c == '\n') mk_buf_puts(b, "\\n");
        else if (*c == '\t') mk_buf_puts(b, "\\t");
        else if (*c < 0x20 || *c > 0x7E) mk_buf_printf(b, "\\%03o", *c);
        else mk_buf_printf(b, "%c", *c);
    }
    mk_buf_puts(b, "\"");
}

/* The C name of a declaration: component__local.  Names may not contain "__" or begin or
 * end with '_' (parser.c), so this is one to one and never a C or math.h identifier.  The
 * lexer refuses names over MK_MAX_NAME_LEN, so a buffer of CNAME_SIZE always holds it whole:
 * two long names can never be cut to one. */
enum { CNAME_SIZE = 2 * MK_MAX_NAME_LEN + 3 };
static void cname(const mk_decl *d, char *buf, size_t size)
{
    snprintf(buf, size, "%s__%s", d->comp->name, d->local);
}

/* User text inside a C comment, as a sanitised copy: a comment ends not only at "*" "/" but
 * also where a line splice (backslash before a newline, which a lone CR is to GCC) or a
 * trigraph ("??/" is a backslash) makes one.  So only printable ASCII other than '\\' and '?'
 * is copied; "*" "/" and "/" "*" are split, a UTF-8 character (or any other byte of 0x80 and
 * above) becomes one '_', and control characters a blank. */
static void put_comment(mk_buf *b, const char *s)
{
    for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
        if ((c[0] == '*' && c[1] == '/') || (c[0] == '/' && c[1] == '*')) mk_buf_printf(b, "%c ", *c);
        else if (*c == '\\' || *c == '?') mk_buf_puts(b, "_");
        else if (*c >= 0xC0 || (*c >= 0x80 && (c == (const unsigned char *)s || c[-1] < 0x80)))
            mk_buf_puts(b, "_"); /* the lead byte, or a stray continuation byte */
        else if (*c >= 0x80) continue; /* continuation of a character already shown */
        else if (*c < 0x20 || *c == 0x7F) mk_buf_puts(b, " ");
        else mk_buf_printf(b, "%c", *c);
    }
}

/* ---------------------------------------------------------------- expressions */

enum { P_OR = 1, P_AND, P_CMP, P_ADD, P_MUL, P_UNARY, P_ATOM };

static int prec_of(const mk_expr *e)
{
    switch (e->kind) {
    case E_BIN:
        switch (e->op) {
        case OP_OR: return P_OR;
        case OP_AND: return P_AND;
        case T_PLUS: case T_MINUS: return P_ADD;
        case T_STAR: case T_SLASH: return P_MUL;
        case T_CARET: return P_ATOM; /* pow(...) */
        default: return P_CMP;
        }
    case E_NEG: case E_NOT: return P_UNARY;
    case E_NUM: return e->si_value < 0 ? P_UNARY : P_ATOM;
    default: return P_ATOM;
    }
}

static void emit(mk_buf *b, const mk_expr *e);

static void emit_child(mk_buf *b, const mk_expr *child, int parent_prec, int right_side)
{
    int p = prec_of(child);
    int paren = p < parent_prec || (right_side && p == parent_prec && parent_prec != P_ATOM) ||
                (parent_prec == P_UNARY && p == P_UNARY) ||
                (parent_prec == P_OR && p == P_AND); /* spelled out, as -Wparentheses wants */
    if (paren) mk_buf_puts(b, "(");
    emit(b, child);
    if (paren) mk_buf_puts(b, ")");
}

static const char *c_op(int op)
{
    switch (op) {
    case T_PLUS: return " + ";
    case T_MINUS: return " - ";
    case T_STAR: return " * ";
    case T_SLASH: return " / ";
    case T_LT: return " < ";
    case T_LE: return " <= ";
    case T_GT: return " > ";
    case T_GE: return " >= ";
    case T_EQ: return " == ";
    case T_NE: return " != ";
    case OP_AND: return " && ";
    case OP_OR: return " || ";
    }
    return " ? ";
}

static void emit_call(mk_buf *b, const mk_expr *e)
{
    if (e->fn) { /* a user function: its body, expanded with this call's arguments */
        mk_buf_puts(b, "(");
        emit(b, e->a);
        mk_buf_puts(b, ")");
        return;
    }
    const mk_builtin_fn *f = mk_builtin_fn_find(e->name);
    if (!strcmp(f->name, "if")) {
        mk_buf_puts(b, "(");
        emit(b, e->args[0]);
        mk_buf_puts(b, " ? ");
        emit(b, e->args[1]);
        mk_buf_puts(b, " : ");
        emit(b, e->args[2]);
        mk_buf_puts(b, ")");
        return;
    }
    if (f->arity < 0) { /* min, max of n: nested pairs */
        for (int i = 0; i < e->nargs - 1; i++) mk_buf_printf(b, "%s(", f->c_name);
        emit(b, e->args[0]);
        for (int i = 1; i < e->nargs; i++) {
            mk_buf_puts(b, ", ");
            emit(b, e->args[i]);
            mk_buf_puts(b, ")");
        }
        return;
    }
    mk_buf_printf(b, "%s(", !strcmp(f->c_name, "pow") ? "mk_pow" : f->c_name);
    for (int i = 0; i < e->nargs; i++) {
        if (i) mk_buf_puts(b, ", ");
        emit(b, e->args[i]);
    }
    mk_buf_puts(b, ")");
}

static void emit(mk_buf *b, const mk_expr *e)
{
    char num[40], name[CNAME_SIZE];
    switch (e->kind) {
    case E_NUM:
        fmt_double(num, sizeof num, e->si_value);
        mk_buf_puts(b, num);
        if (e->unit_text) {
            mk_buf_printf(b, " /* %g [", e->number);
            put_comment(b, e->unit_text);
            mk_buf_puts(b, "] */");
        }
        return;
    case E_REF:
        cname(e->decl, name, sizeof name);
        mk_buf_puts(b, name);
        return;
    case E_TIME:
        mk_buf_puts(b, "t_s");
        return;
    case E_NEG:
        mk_buf_puts(b, "-");
        emit_child(b, e->a, P_UNARY, 0);
        return;
    case E_NOT:
        mk_buf_puts(b, "!");
        emit_child(b, e->a, P_UNARY, 0);
        return;
    case E_CALL:
        emit_call(b, e);
        return;
    case E_ARG:
        emit_child(b, e->a, P_ATOM, 0);
        return;
    case E_BIN:
        if (e->op == T_CARET) {
            mk_buf_puts(b, "mk_pow(");
            emit(b, e->a);
            mk_buf_puts(b, ", ");
            emit(b, e->b);
            mk_buf_puts(b, ")");
            return;
        }
        int p = prec_of(e);
        emit_child(b, e->a, p == P_CMP ? P_CMP + 1 : p, 0);
        mk_buf_puts(b, c_op(e->op));
        emit_child(b, e->b, p == P_CMP ? P_CMP + 1 : p, 1);
        return;
    }
}

/* ---------------------------------------------------------------- the file */

static void emit_symbols(mk_buf *b, const mk_model *m, mk_symbol_kind kind, const char *table)
{
    int n = m->count[kind];
    if (!n) return;
    mk_buf_printf(b, "static const mk_symbol %s[%d] = {\n", table, n);
    for (int i = 0; i < n; i++) {
        const mk_decl *d = m->by_kind[kind][i];
        char v[40], lo[40], hi[40], dif[40], sc[40], off[40];
        fmt_double(v, sizeof v, kind == MK_SYM_VAR ? NAN : d->value);
        fmt_double(lo, sizeof lo, d->lo);
        fmt_double(hi, sizeof hi, d->hi);
        fmt_double(dif, sizeof dif, d->diffusion_m2_s);
        fmt_double(sc, sizeof sc, d->si_scale);
        fmt_double(off, sizeof off, d->si_offset);
        mk_buf_puts(b, "    {.name = ");
        put_string(b, d->qname);
        mk_buf_puts(b, ", .unit = ");
        put_string(b, d->unit_text);
        mk_buf_puts(b, ",\n     .doc = ");
        put_string(b, d->doc ? d->doc : "");
        mk_buf_puts(b, ",\n     .source = ");
        put_string(b, d->source);
        mk_buf_printf(b, ",\n     .value = %s, .lo = %s, .hi = %s, .diffusion_m2_s = %s,\n"
                         "     .si_scale = %s, .si_offset = %s, .is_output = %d, .line = %d",
                      v, lo, hi, dif, sc, off, d->is_output, d->line);
        /* the bound of a state, as the CVODE constraint code the solver passes on */
        if (kind == MK_SYM_STATE) mk_buf_printf(b, ", .constraint = %d", d->constraint);
        mk_buf_puts(b, "},\n");
    }
    mk_buf_puts(b, "};\n\n");
}

/* "const double pool_k = 133.3 * p[0];  the SI value of an ABI array element." */
static void emit_load(mk_buf *b, const mk_decl *d, const char *array)
{
    if (!d->used) return; /* unused: no local, no warning */
    char name[CNAME_SIZE], sc[40], off[40];
    cname(d, name, sizeof name);
    mk_buf_printf(b, "    const double %s = ", name);
    if (d->si_scale != 1.0) {
        fmt_double(sc, sizeof sc, d->si_scale);
        mk_buf_printf(b, "%s * ", sc);
    }
    mk_buf_printf(b, "%s[%d]", array, d->index);
    if (d->si_offset != 0.0) {
        fmt_double(off, sizeof off, d->si_offset);
        mk_buf_printf(b, " + %s", off);
    }
    mk_buf_puts(b, "; /* [");
    put_comment(b, d->unit_text);
    mk_buf_puts(b, "] */\n");
}

/* value in declared units from a local in SI */
static void emit_to_declared(mk_buf *b, const mk_decl *d, const char *si_expr, int rate)
{
    char sc[40], off[40];
    fmt_double(sc, sizeof sc, d->si_scale);
    fmt_double(off, sizeof off, d->si_offset);
    if (!rate && d->si_offset != 0.0) mk_buf_printf(b, "(%s - %s)", si_expr, off);
    else mk_buf_puts(b, si_expr);
    if (d->si_scale != 1.0) mk_buf_printf(b, " / %s", sc);
}

static const char k_prelude[] =
    "#include <math.h>\n"
    "#include <stddef.h>\n"
    "\n"
    "#include \"myoknot/model_abi.h\"\n"
    "\n"
    "/* The model language's function library (see docs/model-language.md). */\n"
    "static inline double mk_pos(double x) { return x > 0.0 ? x : 0.0; }\n"
    "static inline double mk_clamp(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }\n"
    "/* Small integer and half-integer powers (x^2, x^3, a Hill coefficient of 1 to 4, x^1.5) and\n"
    " * the cube root the short way: libm's pow was a third of the site model's right-hand side.\n"
    " * Exponents are mostly parameters, so the tests run at run time (a literal one folds).\n"
    " * x * x is the correctly rounded square; the longer products, sqrt and cbrt are within an\n"
    " * ulp or two of pow.  The roots only for x > 0, where they agree with pow's special cases. */\n"
    "static inline double mk_pow(double x, double y)\n"
    "{\n"
    "    if (y == 2.0) return x * x;\n"
    "    if (y == 1.0) return x;\n"
    "    if (y == 3.0) return x * x * x;\n"
    "    if (y == 4.0) return (x * x) * (x * x);\n"
    "    if (y == 0.0) return 1.0;\n"
    "    if (x > 0.0) {\n"
    "        if (y == 0.5) return sqrt(x);\n"
    "        if (y == 1.5) return x * sqrt(x);\n"
    "        if (y == 2.5) return x * x * sqrt(x);\n"
    "        if (y == 1.0 / 3.0) return cbrt(x);\n"
    "    }\n"
    "    return pow(x, y);\n"
    "}\n"
    "static inline double mk_hill(double x, double k, double n)\n"
    "{\n"
    "    if (x <= 0.0) return 0.0;\n"
    "    double r = mk_pow(k / x, n); /* x^n/(k^n+x^n) = 1/(1+(k/x)^n): no overflow for large n */\n"
    "    return 1.0 / (1.0 + r);\n"
    "}\n"
    "static inline double mk_sigmoid(double x, double x50, double width)\n"
    "{\n"
    "    return 1.0 / (1.0 + exp(-(x - x50) / width));\n"
    "}\n\n";

/* Names are the only text of the model that is written as code rather than inside a string
 * literal or a sanitised comment.  The lexer admits nothing else as a name; this says so
 * again where it matters, so that no change elsewhere can turn a name into code. */
static int is_c_identifier(const char *s)
{
    if (!s || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')) return 0;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return 0;
    return 1;
}

static mk_status check_names(const mk_model *m, mk_error *err)
{
    if (!is_c_identifier(m->name))
        return mk_fail(err, MK_ERR_NAME, "model name is not a C identifier");
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < m->count[k]; i++) {
            const mk_decl *d = m->by_kind[k][i];
            if (!is_c_identifier(d->comp->name) || !is_c_identifier(d->local))
                return mk_fail(err, MK_ERR_NAME, "a name of model '%s' is not a C identifier",
                               m->name);
        }
    return MK_OK;
}

/* ---------------------------------------------------------------- the interface */

/* The labels, each bound to its symbol's kind and index, and the why sentences; returns the
 * number of labels. */
static int emit_interface(mk_buf *b, const mk_model *m)
{
    int n = 0;
    for (const mk_label_decl *l = m->labels; l; l = l->next) n++;
    if (n) {
        mk_buf_printf(b, "static const mk_label_def k_labels[%d] = {\n", n);
        for (const mk_label_decl *l = m->labels; l; l = l->next) {
            mk_buf_puts(b, "    {");
            put_string(b, l->name);
            mk_buf_printf(b, ", %d, %d, ", (int)l->decl->kind, l->decl->index);
            put_string(b, l->doc ? l->doc : "");
            mk_buf_printf(b, ", %d},\n", l->line);
        }
        mk_buf_puts(b, "};\n\n");
    }
    if (m->n_whys) {
        mk_buf_printf(b, "static const mk_why_def k_whys[%d] = {\n", m->n_whys);
        for (const mk_why_decl *w = m->whys; w; w = w->next) {
            int i = 0;
            const mk_label_decl *l = m->labels;
            for (; l && l != w->lab; l = l->next) i++;
            char thr[40];
            fmt_double(thr, sizeof thr, w->threshold);
            mk_buf_printf(b, "    {%d, %d, %s, ", w->lab ? i : -1,
                          w->op == T_LT ? -1 : w->op == T_GT ? 1 : 0, thr);
            put_string(b, w->text);
            mk_buf_printf(b, ", %d},\n", w->line);
        }
        mk_buf_puts(b, "};\n\n");
    }
    return n;
}

/* ---------------------------------------------------------------- conservation laws */

/* Marks, by kind and index, what an expression reads (through variables). */
static void mark_reads(const mk_expr *e, char *const *marks)
{
    if (!e) return;
    if (e->kind == E_REF && e->decl && !marks[e->decl->kind][e->decl->index]) {
        marks[e->decl->kind][e->decl->index] = 1;
        if (e->decl->kind == MK_SYM_VAR) mark_reads(e->decl->rhs, marks);
    }
    mark_reads(e->a, marks);
    mark_reads(e->b, marks);
    for (int i = 0; i < e->nargs && !e->fn; i++) mark_reads(e->args[i], marks);
}

static void emit_law_table(mk_buf *b, const mk_model *m)
{
    int i = 0;
    for (const mk_law_decl *l = m->laws; l; l = l->next, i++) {
        mk_buf_printf(b, "static const int k_law%d_states[%d] = {", i, l->n_states);
        for (int k = 0; k < l->n_states; k++) mk_buf_printf(b, "%s%d", k ? ", " : "", l->states[k]);
        mk_buf_puts(b, "};\n");
    }
    mk_buf_printf(b, "static const mk_law k_laws[%d] = {\n", m->n_laws);
    i = 0;
    for (const mk_law_decl *l = m->laws; l; l = l->next, i++) {
        char tol[40], scale[40];
        fmt_double(tol, sizeof tol, isnan(l->tol) ? MK_LAW_DEFAULT_TOL : l->tol);
        fmt_double(scale, sizeof scale, isnan(l->scale) ? 0.0 : l->scale);
        mk_buf_puts(b, "    {.name = ");
        put_string(b, l->name);
        mk_buf_puts(b, ", .unit = ");
        put_string(b, l->unit_text);
        mk_buf_puts(b, ",\n     .doc = ");
        put_string(b, l->doc ? l->doc : "");
        mk_buf_printf(b, ",\n     .tol = %s, .scale = %s, .line = %d, .n_states = %d, "
                         ".states = k_law%d_states},\n", tol, scale, l->line, l->n_states, i);
    }
    mk_buf_puts(b, "};\n\n");
}

/* mk_laws_fn: only the states, parameters and (parameter-only) variables the laws read. */
static mk_status emit_law_fn(mk_buf *b, const mk_model *m, mk_error *err)
{
    char *marks[4] = {NULL, NULL, NULL, NULL};
    for (int k = 0; k < 4; k++)
        if (!(marks[k] = mk_calloc((size_t)m->count[k] + 1, 1))) {
            for (int j = 0; j < k; j++) free(marks[j]);
            return mk_fail(err, MK_ERR_NOMEM, "out of memory");
        }
    for (const mk_law_decl *l = m->laws; l; l = l->next) mark_reads(l->expr, marks);
    mk_buf_printf(b, "static void %s_laws(const double *y, const double *p, double *out)\n{\n",
                  m->name);
    const char *arrays[2] = {"p", "y"};
    for (int k = MK_SYM_PARAM; k <= MK_SYM_STATE; k++) {
        int any = 0;
        for (int i = 0; i < m->count[k]; i++) any |= marks[k][i];
        if (!any) mk_buf_printf(b, "    (void)%s;\n", arrays[k]);
        for (int i = 0; i < m->count[k]; i++) {
            if (!marks[k][i]) continue;
            mk_decl copy = *m->by_kind[k][i];
            copy.used = 1;
            emit_load(b, &copy, arrays[k]);
        }
    }
    for (int i = 0; i < m->count[MK_SYM_VAR]; i++) {
        const mk_decl *d = m->by_kind[MK_SYM_VAR][i];
        if (!marks[MK_SYM_VAR][i]) continue;
        char name[160];
        cname(d, name, sizeof name);
        mk_buf_printf(b, "    const double %s = ", name);
        emit(b, d->rhs);
        mk_buf_puts(b, "; /* [");
        put_comment(b, d->unit_text);
        mk_buf_puts(b, "] */\n");
    }
    int i = 0;
    for (const mk_law_decl *l = m->laws; l; l = l->next, i++) {
        char sc[40], off[40];
        fmt_double(sc, sizeof sc, l->si_scale);
        fmt_double(off, sizeof off, l->si_offset);
        mk_buf_printf(b, "    out[%d] = (", i);
        emit(b, l->expr);
        mk_buf_puts(b, ")");
        if (l->si_offset != 0.0) mk_buf_printf(b, " - %s", off);
        if (l->si_scale != 1.0) mk_buf_printf(b, " / %s", sc);
        mk_buf_puts(b, "; /* ");
        put_comment(b, l->name);
        mk_buf_puts(b, " [");
        put_comment(b, l->unit_text);
        mk_buf_puts(b, "] */\n");
    }
    mk_buf_puts(b, "}\n\n");
    for (int k = 0; k < 4; k++) free(marks[k]);
    return MK_OK;
}

/* A text as a C string, one literal per line; then ";". */
static mk_status emit_text(mk_buf *b, const char *s, mk_error *err)
{
    if (!*s) mk_buf_puts(b, "    \"\"");
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s + 1) : strlen(s);
        char *line = mk_malloc(n + 1);
        if (!line) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
        memcpy(line, s, n);
        line[n] = 0;
        mk_buf_puts(b, "    ");
        put_string(b, line);
        mk_buf_puts(b, "\n");
        free(line);
        s += n;
    }
    mk_buf_puts(b, ";\n\n");
    return MK_OK;
}

/* The file's opening comment and the prelude every generated model shares. */
static void emit_header(mk_buf *b, const mk_model *m)
{
    const char *base = strrchr(m->file, '/') ? strrchr(m->file, '/') + 1 : m->file;
    mk_buf_printf(b, "/*\n * Generated by myoknot %s from ", MK_VERSION);
    put_comment(b, base);
    mk_buf_printf(b, " -- do not edit; edit the model file.\n"
                     " * Model '%s', source hash fnv1a64:%s.\n"
                     " *\n"
                     " * Inside %s_rhs every local holds its quantity in coherent SI units (the\n"
                     " * comment gives the declared unit); arrays crossing the ABI hold declared units.\n"
                     " */\n",
                  m->name, m->hash, m->name);
    mk_buf_puts(b, k_prelude);
}

/* The parameter struct, its defaults and the four symbol tables. */
static void emit_params(mk_buf *b, const mk_model *m)
{
    const char *mn = m->name;
    mk_buf_printf(b, "/* Parameters, in declared units, with their defaults. */\n"
                     "typedef struct mk_%s_params {\n", mn);
    for (int i = 0; i < m->count[MK_SYM_PARAM]; i++) {
        const mk_decl *d = m->by_kind[MK_SYM_PARAM][i];
        char name[CNAME_SIZE];
        cname(d, name, sizeof name);
        mk_buf_printf(b, "    double %s; /* [", name);
        put_comment(b, d->unit_text);
        mk_buf_puts(b, "] ");
        put_comment(b, d->doc);
        mk_buf_puts(b, " */\n");
    }
    if (!m->count[MK_SYM_PARAM]) mk_buf_puts(b, "    double unused; /* the model has no parameter */\n");
    mk_buf_printf(b, "} mk_%s_params;\n\nconst mk_%s_params mk_%s_params_default = {\n", mn, mn, mn);
    for (int i = 0; i < m->count[MK_SYM_PARAM]; i++) {
        char v[40], name[CNAME_SIZE];
        const mk_decl *d = m->by_kind[MK_SYM_PARAM][i];
        fmt_double(v, sizeof v, d->value);
        cname(d, name, sizeof name);
        mk_buf_printf(b, "    .%s = %s,\n", name, v);
    }
    mk_buf_puts(b, "};\n\n");

    emit_symbols(b, m, MK_SYM_PARAM, "k_params");
    emit_symbols(b, m, MK_SYM_STATE, "k_states");
    emit_symbols(b, m, MK_SYM_INPUT, "k_inputs");
    emit_symbols(b, m, MK_SYM_VAR, "k_vars");
}

/* The derivatives: each state's right-hand side converted to its declared unit per second. */
static void emit_derivatives(mk_buf *b, const mk_model *m)
{
    if (m->count[MK_SYM_STATE]) mk_buf_puts(b, "    /* derivatives, in declared unit per second */\n");
    else mk_buf_puts(b, "    (void)ydot; /* the model has no state */\n");
    for (int i = 0; i < m->count[MK_SYM_STATE]; i++) {
        const mk_decl *d = m->by_kind[MK_SYM_STATE][i];
        mk_buf rhs;
        mk_buf_init(&rhs);
        int wrap = d->si_scale != 1.0 && prec_of(d->deriv) < P_MUL;
        if (wrap) mk_buf_puts(&rhs, "(");
        emit(&rhs, d->deriv);
        if (wrap) mk_buf_puts(&rhs, ")");
        mk_buf_printf(b, "    ydot[%d] = ", i);
        emit_to_declared(b, d, rhs.data ? rhs.data : "0.0", 1);
        mk_buf_printf(b, "; /* d(%s)/dt [", d->qname);
        put_comment(b, d->unit_text);
        mk_buf_puts(b, "/s] */\n");
        if (rhs.failed) b->failed = 1;
        mk_buf_free(&rhs);
    }
}

/* The right-hand side: loads, algebraic variables in dependency order, derivatives, and the
 * variables copied out in declared units when asked for. */
static void emit_rhs(mk_buf *b, const mk_model *m)
{
    mk_buf_printf(b, "static void %s_rhs(double t_s, const double *y, double *ydot, "
                     "const double *in, const double *p, double *v)\n{\n", m->name);
    if (!m->uses_time) mk_buf_puts(b, "    (void)t_s;\n");
    const char *arrays[3] = {"p", "y", "in"};
    const char *titles[3] = {"parameters", "states", "inputs"};
    for (int k = MK_SYM_PARAM; k <= MK_SYM_INPUT; k++) {
        int any = 0;
        for (int i = 0; i < m->count[k]; i++) any |= m->by_kind[k][i]->used;
        if (!any) {
            mk_buf_printf(b, "    (void)%s;\n", arrays[k]);
            continue;
        }
        mk_buf_printf(b, "    /* %s */\n", titles[k]);
        for (int i = 0; i < m->count[k]; i++) emit_load(b, m->by_kind[k][i], arrays[k]);
    }
    if (m->count[MK_SYM_VAR]) mk_buf_puts(b, "    /* algebraic variables, in dependency order */\n");
    for (int i = 0; i < m->count[MK_SYM_VAR]; i++) {
        const mk_decl *d = m->by_kind[MK_SYM_VAR][i];
        char name[CNAME_SIZE];
        cname(d, name, sizeof name);
        mk_buf_printf(b, "    const double %s = ", name);
        emit(b, d->rhs);
        mk_buf_puts(b, "; /* [");
        put_comment(b, d->unit_text);
        mk_buf_puts(b, "] */\n");
    }
    emit_derivatives(b, m);
    if (m->count[MK_SYM_VAR]) {
        mk_buf_puts(b, "    if (v) {\n");
        for (int i = 0; i < m->count[MK_SYM_VAR]; i++) {
            const mk_decl *d = m->by_kind[MK_SYM_VAR][i];
            char name[CNAME_SIZE];
            cname(d, name, sizeof name);
            mk_buf_printf(b, "        v[%d] = ", i);
            emit_to_declared(b, d, name, 0);
            mk_buf_puts(b, ";\n");
        }
        mk_buf_puts(b, "    }\n");
    } else {
        mk_buf_puts(b, "    (void)v;\n");
    }
    mk_buf_puts(b, "}\n\n");
}

/* The sources, so that `myoknot model show NAME` works for a built-in model: its own file and,
 * for a variant, every base it extends.  Sets *n_files. */
static mk_status emit_sources(mk_buf *b, const mk_model *m, int *n_files, mk_error *err)
{
    mk_status rc;
    int n = 0;
    for (const mk_srcfile *f = m->files; f; f = f->next, n++) {
        if (f == m->files) mk_buf_printf(b, "static const char k_source[] =\n");
        else mk_buf_printf(b, "static const char k_source_%d[] =\n", n);
        if ((rc = emit_text(b, f->text, err))) return rc;
    }
    mk_buf_printf(b, "static const mk_model_file k_files[%d] = {\n", n);
    int i = 0;
    for (const mk_srcfile *f = m->files; f; f = f->next, i++) {
        const char *fb = strrchr(f->name, '/') ? strrchr(f->name, '/') + 1 : f->name;
        mk_buf_puts(b, "    {");
        put_string(b, fb);
        if (i) mk_buf_printf(b, ", k_source_%d},\n", i);
        else mk_buf_puts(b, ", k_source},\n");
    }
    mk_buf_puts(b, "};\n\n");
    *n_files = n;
    return MK_OK;
}

/* The model's ABI record: what the runtime sees of it. */
static void emit_abi(mk_buf *b, const mk_model *m, int n_files, int n_labels, int jac_nnz)
{
    const char *mn = m->name;
    mk_buf_printf(b, "const mk_model_abi mk_model_%s = {\n"
                     "    .abi_version = MK_MODEL_ABI_VERSION,\n    .name = ", mn);
    put_string(b, mn);
    mk_buf_puts(b, ",\n    .doc = ");
    put_string(b, m->doc ? m->doc : "");
    mk_buf_printf(b, ",\n    .hash = \"%s\",\n    .source = k_source,\n"
                     "    .generator = \"myoknot %s; \" MK_MODEL_BUILD,\n",
                  m->hash, MK_VERSION);
    mk_buf_printf(b, "    .n_params = %d, .n_states = %d, .n_inputs = %d, .n_vars = %d,\n",
                  m->count[0], m->count[1], m->count[2], m->count[3]);
    mk_buf_printf(b, "    .params = %s, .states = %s, .inputs = %s, .vars = %s,\n",
                  m->count[0] ? "k_params" : "NULL", m->count[1] ? "k_states" : "NULL",
                  m->count[2] ? "k_inputs" : "NULL", m->count[3] ? "k_vars" : "NULL");
    mk_buf_printf(b, "    .rhs = %s_rhs,\n", mn);
    if (m->n_laws)
        mk_buf_printf(b, "    .n_laws = %d, .laws = k_laws, .eval_laws = %s_laws,\n", m->n_laws, mn);
    mk_buf_printf(b, "    .n_files = %d, .files = k_files,\n", n_files);
    if (n_labels) mk_buf_printf(b, "    .n_labels = %d, .labels = k_labels,\n", n_labels);
    if (m->n_whys) mk_buf_printf(b, "    .n_whys = %d, .whys = k_whys,\n", m->n_whys);
    if (m->count[MK_SYM_STATE])
        mk_buf_printf(b, "    .jac_nnz = %d, .jac_colptr = k_jac_colptr, .jac_rows = k_jac_rows, .jac = %s_jac,\n",
                      jac_nnz, mn);
    mk_buf_puts(b, "};\n");
}

mk_status mk_model_generate_c(const mk_model *m, mk_buf *b, mk_error *err)
{
    mk_status rc = check_names(m, err);
    if (rc) return rc;
    emit_header(b, m);
    emit_params(b, m);
    emit_rhs(b, m);
    int jac_nnz = 0, n_files = 0;
    if ((rc = mk_jac_generate(m, b, &jac_nnz, err))) return rc;
    if ((rc = emit_sources(b, m, &n_files, err))) return rc;
    if (m->n_laws) {
        emit_law_table(b, m);
        if ((rc = emit_law_fn(b, m, err))) return rc;
    }
    int n_labels = emit_interface(b, m);
    emit_abi(b, m, n_files, n_labels, jac_nnz);
    if (b->failed) return mk_fail(err, MK_ERR_NOMEM, "out of memory while generating C");
    return MK_OK;
}

/* ---------------------------------------------------------------- for jacgen.c */

void mk_cg_cname(const mk_decl *d, char *buf, size_t size) { cname(d, buf, size); }
void mk_cg_fmt_double(char *buf, size_t size, double v) { fmt_double(buf, size, v); }
void mk_cg_emit(mk_buf *b, const mk_expr *e) { emit(b, e); }
void mk_cg_emit_factor(mk_buf *b, const mk_expr *e) { emit_child(b, e, P_ATOM, 0); }
void mk_cg_emit_load(mk_buf *b, const mk_decl *d, const char *array) { emit_load(b, d, array); }
void mk_cg_put_comment(mk_buf *b, const char *s) { put_comment(b, s); }
