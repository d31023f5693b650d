/*
 * pygen.c -- a checked model as a standalone Python module (`myoknot model py MODEL`).
 *
 * For cross-checks with SciPy: the same right-hand side as the generated C (codegen.c), line
 * for line, in coherent SI inside rhs() and declared units where values cross the interface,
 * with the model's parameters, states, inputs and variables and their units as tables.  The
 * module needs only the standard library (math).  Never committed: it is generated.
 *
 * Injection safety, as for the generated C: names are the only model text written as code
 * (identifiers component__local, checked again here; the "__" keeps them clear of Python's
 * keywords and of the module's own names, which begin with '_' or are upper case); every
 * other user string is inside a bytes literal whose every byte other than printable ASCII
 * (less '\\' and '"') is a \xNN escape, decoded as UTF-8; comments hold printable ASCII only.
 * Every compound expression is parenthesised, so no difference between C's and Python's
 * precedence rules can change a formula.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/limits.h"
#include "lang/ast.h"

enum { PY_NAME_SIZE = 2 * MK_MAX_NAME_LEN + 3 };

static void pyname(const mk_decl *d, char *buf, size_t size)
{
    snprintf(buf, size, "%s__%s", d->comp->name, d->local);
}

/* Python's repr of a float: the shortest text that reads back as the same double */
static void py_double(mk_buf *b, double v)
{
    if (isnan(v)) {
        mk_buf_puts(b, "_NAN");
        return;
    }
    if (isinf(v)) {
        mk_buf_puts(b, v > 0 ? "_INF" : "(-_INF)");
        return;
    }
    char buf[40];
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    if (!strpbrk(buf, ".eEn")) strcat(buf, ".0");
    if (v < 0) mk_buf_printf(b, "(%s)", buf);
    else mk_buf_puts(b, buf);
}

/* A user string as _s(b"..."): bytes, every one outside printable ASCII (and '"', '\\') as \xNN */
static void py_string(mk_buf *b, const char *s)
{
    if (!s) {
        mk_buf_puts(b, "None");
        return;
    }
    mk_buf_puts(b, "_s(b\"");
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c < 0x20 || *c > 0x7E || *c == '"' || *c == '\\') mk_buf_printf(b, "\\x%02x", *c);
        else mk_buf_printf(b, "%c", *c);
    }
    mk_buf_puts(b, "\")");
}

/* User text in a comment: printable ASCII only (a line break would end the comment) */
static void py_comment(mk_buf *b, const char *s)
{
    for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++)
        mk_buf_printf(b, "%c", *c >= 0x20 && *c <= 0x7E ? *c : '_');
}

static const char *py_op(int op)
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
    case OP_AND: return " and ";
    case OP_OR: return " or ";
    }
    return " ? ";
}

/* the Python function for a built-in of the model language (the C name where they agree) */
static const char *py_fn(const char *name)
{
    static const char *const map[][2] = {
        {"exp", "_exp"}, {"log", "_log"}, {"log10", "_log10"}, {"sqrt", "_sqrt"}, {"abs", "_fabs"},
        {"sin", "_sin"}, {"cos", "_cos"}, {"tanh", "_tanh"}, {"floor", "_floor"}, {"min", "_fmin"},
        {"max", "_fmax"}, {"pos", "_mk_pos"}, {"clamp", "_mk_clamp"}, {"pow", "_pow"},
        {"hill", "_mk_hill"}, {"sigmoid", "_mk_sigmoid"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], name)) return map[i][1];
    return NULL;
}

static mk_status py_expr(mk_buf *b, const mk_expr *e, mk_error *err);

static mk_status py_call(mk_buf *b, const mk_expr *e, mk_error *err)
{
    mk_status rc = MK_OK;
    if (e->fn) { /* a user function: its body, expanded with this call's arguments (as in C) */
        mk_buf_puts(b, "(");
        rc = py_expr(b, e->a, err);
        mk_buf_puts(b, ")");
        return rc;
    }
    if (!strcmp(e->name, "if")) {
        mk_buf_puts(b, "(");
        rc = py_expr(b, e->args[1], err);
        mk_buf_puts(b, " if ");
        if (!rc) rc = py_expr(b, e->args[0], err);
        mk_buf_puts(b, " else ");
        if (!rc) rc = py_expr(b, e->args[2], err);
        mk_buf_puts(b, ")");
        return rc;
    }
    const char *f = py_fn(e->name);
    if (!f) return mk_fail(err, MK_ERR_INVALID, "no Python translation of function '%s'", e->name);
    int pairs = !strcmp(e->name, "min") || !strcmp(e->name, "max"); /* n arguments: nested pairs */
    for (int i = 0; pairs && i < e->nargs - 1; i++) mk_buf_printf(b, "%s(", f);
    if (!pairs) mk_buf_printf(b, "%s(", f);
    for (int i = 0; !rc && i < e->nargs; i++) {
        if (i) mk_buf_puts(b, ", ");
        rc = py_expr(b, e->args[i], err);
        if (pairs && i) mk_buf_puts(b, ")");
    }
    if (!pairs) mk_buf_puts(b, ")");
    return rc;
}

static mk_status py_expr(mk_buf *b, const mk_expr *e, mk_error *err)
{
    char name[PY_NAME_SIZE];
    mk_status rc = MK_OK;
    switch (e->kind) {
    case E_NUM:
        py_double(b, e->si_value);
        return MK_OK;
    case E_REF:
        pyname(e->decl, name, sizeof name);
        mk_buf_puts(b, name);
        return MK_OK;
    case E_TIME:
        mk_buf_puts(b, "t_s");
        return MK_OK;
    case E_NEG:
    case E_NOT:
        mk_buf_puts(b, e->kind == E_NEG ? "(-" : "(not ");
        rc = py_expr(b, e->a, err);
        mk_buf_puts(b, ")");
        return rc;
    case E_CALL:
        return py_call(b, e, err);
    case E_ARG: /* inside an expanded function body: the argument it stands for */
        mk_buf_puts(b, "(");
        rc = py_expr(b, e->a, err);
        mk_buf_puts(b, ")");
        return rc;
    case E_BIN:
        mk_buf_puts(b, e->op == T_CARET ? "_pow(" : "(");
        rc = py_expr(b, e->a, err);
        mk_buf_puts(b, e->op == T_CARET ? ", " : py_op(e->op));
        if (!rc) rc = py_expr(b, e->b, err);
        mk_buf_puts(b, ")");
        return rc;
    }
    return mk_fail(err, MK_ERR_INVALID, "unknown expression kind %d", (int)e->kind);
}

static const char k_py_prelude[] =
    "import math\n"
    "\n"
    "\n"
    "def _s(b):\n"
    "    return b.decode('utf-8', 'replace')\n"
    "\n"
    "\n"
    "_NAN = math.nan\n"
    "_INF = math.inf\n"
    "\n"
    "\n"
    "# The model language's functions, as the generated C defines them (C's libm semantics:\n"
    "# a domain error gives NaN, an overflow infinity, rather than a Python exception).\n"
    "def _guard(f):\n"
    "    def g(*a):\n"
    "        try:\n"
    "            return f(*a)\n"
    "        except OverflowError:\n"
    "            return _INF\n"
    "        except (ValueError, ZeroDivisionError):\n"
    "            return _NAN\n"
    "    return g\n"
    "\n"
    "\n"
    "_exp = _guard(math.exp)\n"
    "_log = _guard(math.log)\n"
    "_log10 = _guard(math.log10)\n"
    "_sqrt = _guard(math.sqrt)\n"
    "_sin = math.sin\n"
    "_cos = math.cos\n"
    "_tanh = math.tanh\n"
    "_fabs = math.fabs\n"
    "_floor = _guard(lambda x: float(math.floor(x)))\n"
    "_pow = _guard(math.pow)\n"
    "\n"
    "\n"
    "def _fmin(a, b):\n"
    "    return b if math.isnan(a) else a if math.isnan(b) else min(a, b)\n"
    "\n"
    "\n"
    "def _fmax(a, b):\n"
    "    return b if math.isnan(a) else a if math.isnan(b) else max(a, b)\n"
    "\n"
    "\n"
    "def _mk_pos(x):\n"
    "    return x if x > 0.0 else 0.0\n"
    "\n"
    "\n"
    "def _mk_clamp(x, lo, hi):\n"
    "    return lo if x < lo else hi if x > hi else x\n"
    "\n"
    "\n"
    "def _mk_hill(x, k, n):\n"
    "    if x <= 0.0:\n"
    "        return 0.0\n"
    "    return 1.0 / (1.0 + _pow(k / x, n))\n"
    "\n"
    "\n"
    "def _mk_sigmoid(x, x50, width):\n"
    "    return 1.0 / (1.0 + _exp(-(x - x50) / width))\n"
    "\n"
    "\n";

static void py_symbols(mk_buf *b, const mk_model *m, mk_symbol_kind kind, const char *table)
{
    mk_buf_printf(b, "%s = [\n", table);
    for (int i = 0; i < m->count[kind]; i++) {
        const mk_decl *d = m->by_kind[kind][i];
        mk_buf_puts(b, "    {'name': ");
        py_string(b, d->qname);
        mk_buf_puts(b, ", 'unit': ");
        py_string(b, d->unit_text ? d->unit_text : "1");
        if (kind != MK_SYM_VAR) {
            mk_buf_puts(b, ", 'value': ");
            py_double(b, d->value);
        }
        if (kind == MK_SYM_PARAM) {
            mk_buf_puts(b, ", 'lo': ");
            py_double(b, d->lo);
            mk_buf_puts(b, ", 'hi': ");
            py_double(b, d->hi);
            mk_buf_puts(b, ", 'source': ");
            py_string(b, d->source);
        }
        mk_buf_puts(b, ",\n     'doc': ");
        py_string(b, d->doc ? d->doc : "");
        mk_buf_puts(b, "},\n");
    }
    mk_buf_puts(b, "]\n\n");
}

/* "x = 1000.0 * p[3]  # [mM]": the SI value of an interface element */
static void py_load(mk_buf *b, const mk_decl *d, const char *array)
{
    char name[PY_NAME_SIZE];
    pyname(d, name, sizeof name);
    mk_buf_printf(b, "    %s = ", name);
    if (d->si_scale != 1.0) {
        py_double(b, d->si_scale);
        mk_buf_puts(b, " * ");
    }
    mk_buf_printf(b, "%s[%d]", array, d->index);
    if (d->si_offset != 0.0) {
        mk_buf_puts(b, " + ");
        py_double(b, d->si_offset);
    }
    mk_buf_puts(b, "  # [");
    py_comment(b, d->unit_text);
    mk_buf_puts(b, "]\n");
}

static int is_identifier(const char *s)
{
    if (!s || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))) return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

static mk_status py_rhs(mk_buf *b, const mk_model *m, mk_error *err)
{
    mk_buf_puts(b, "def rhs(t_s, y, inputs=None, params=None, vars_out=None):\n"
                   "    \"\"\"dy/dt in declared units per second; y, inputs and params in declared\n"
                   "    units (defaults: INPUTS and PARAMS values).  If vars_out is a list, the\n"
                   "    algebraic variables are appended to it (declared units, VARS order).\"\"\"\n"
                   "    p = [s['value'] for s in PARAMS] if params is None else params\n"
                   "    u = [s['value'] for s in INPUTS] if inputs is None else inputs\n");
    const char *arrays[3] = {"p", "y", "u"};
    for (int k = MK_SYM_PARAM; k <= MK_SYM_INPUT; k++)
        for (int i = 0; i < m->count[k]; i++) py_load(b, m->by_kind[k][i], arrays[k]);
    char name[PY_NAME_SIZE];
    mk_status rc = MK_OK;
    for (int i = 0; !rc && i < m->count[MK_SYM_VAR]; i++) {
        const mk_decl *d = m->by_kind[MK_SYM_VAR][i];
        pyname(d, name, sizeof name);
        mk_buf_printf(b, "    %s = ", name);
        rc = py_expr(b, d->rhs, err);
        mk_buf_puts(b, "  # [");
        py_comment(b, d->unit_text);
        mk_buf_puts(b, "]\n");
    }
    mk_buf_printf(b, "    ydot = [0.0] * %d\n", m->count[MK_SYM_STATE]);
    for (int i = 0; !rc && i < m->count[MK_SYM_STATE]; i++) {
        const mk_decl *d = m->by_kind[MK_SYM_STATE][i];
        mk_buf_printf(b, "    ydot[%d] = (", i);
        rc = py_expr(b, d->deriv, err);
        mk_buf_puts(b, ")");
        if (d->si_scale != 1.0) {
            mk_buf_puts(b, " / ");
            py_double(b, d->si_scale);
        }
        mk_buf_puts(b, "  # d(");
        py_comment(b, d->qname);
        mk_buf_puts(b, ")/dt [");
        py_comment(b, d->unit_text);
        mk_buf_puts(b, "/s]\n");
    }
    mk_buf_puts(b, "    if vars_out is not None:\n");
    for (int i = 0; i < m->count[MK_SYM_VAR]; i++) {
        const mk_decl *d = m->by_kind[MK_SYM_VAR][i];
        pyname(d, name, sizeof name);
        mk_buf_printf(b, "        vars_out.append(%s", d->si_offset != 0.0 ? "(" : "");
        mk_buf_puts(b, name);
        if (d->si_offset != 0.0) {
            mk_buf_puts(b, " - ");
            py_double(b, d->si_offset);
            mk_buf_puts(b, ")");
        }
        if (d->si_scale != 1.0) {
            mk_buf_puts(b, " / ");
            py_double(b, d->si_scale);
        }
        mk_buf_puts(b, ")\n");
    }
    mk_buf_puts(b, "        pass\n    return ydot\n");
    return rc;
}

mk_status mk_model_generate_py(const mk_model *m, mk_buf *b, mk_error *err)
{
    if (!is_identifier(m->name)) return mk_fail(err, MK_ERR_NAME, "model name is not an identifier");
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < m->count[k]; i++)
            if (!is_identifier(m->by_kind[k][i]->comp->name) || !is_identifier(m->by_kind[k][i]->local))
                return mk_fail(err, MK_ERR_NAME, "a name of model '%s' is not an identifier", m->name);
    const char *base = strrchr(m->file, '/') ? strrchr(m->file, '/') + 1 : m->file;
    mk_buf_printf(b, "# Generated by myoknot %s from ", MK_VERSION);
    py_comment(b, base);
    mk_buf_printf(b, " -- do not edit; edit the model file.\n"
                     "# Model '%s', source hash fnv1a64:%s.  The same right-hand side as the\n"
                     "# generated C (myoknot model c), for cross-checks with SciPy, e.g.\n"
                     "#   scipy.integrate.solve_ivp(lambda t, y: rhs(t, y), (0, 3600), y0(), method='BDF')\n"
                     "# Inside rhs() every local holds its quantity in coherent SI units (the comment\n"
                     "# gives the declared unit); y, inputs, params and dy/dt are in declared units.\n\n",
                  m->name, m->hash);
    mk_buf_puts(b, k_py_prelude);
    mk_buf_puts(b, "NAME = ");
    py_string(b, m->name);
    mk_buf_puts(b, "\nDOC = ");
    py_string(b, m->doc ? m->doc : "");
    mk_buf_puts(b, "\n\n");
    py_symbols(b, m, MK_SYM_PARAM, "PARAMS");
    py_symbols(b, m, MK_SYM_STATE, "STATES");
    py_symbols(b, m, MK_SYM_INPUT, "INPUTS");
    py_symbols(b, m, MK_SYM_VAR, "VARS");
    mk_buf_puts(b, "\ndef y0():\n    \"\"\"The states' initial values (declared units).\"\"\"\n"
                   "    return [s['value'] for s in STATES]\n\n\n");
    mk_status rc = py_rhs(b, m, err);
    if (!rc && b->failed) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory while generating Python");
    return rc;
}
