/*
 * sbml.c -- a checked model as SBML Level 3 Version 2 (`myoknot model sbml MODEL`), with libsbml.
 *
 * What goes where (docs/sbml.md):
 *   - every parameter, input, state and algebraic variable is an SBML <parameter> with id
 *     component__local (the model language's names are identifiers, checked again here);
 *     parameters and inputs are constant, states carry a <rateRule>, variables an
 *     <assignmentRule>, emitted in the model's dependency order;
 *   - values and formulas are in coherent SI, exactly as inside the generated C and Python
 *     (value_si = si_scale * value + si_offset), so that every number in a formula is the
 *     number the C evaluates and the units are expressible as SBML unit definitions (products
 *     of metre, kilogram, second, mole, ampere, kelvin, candela); a quantity in arbitrary units
 *     (AU, a base unit of myoknot's own) has no SBML units;
 *   - the declared unit, value, plausible range, source and description travel in an
 *     annotation per parameter (<myoknot:symbol .../>), since SBML has no place for them;
 *   - the language's functions become MathML: hill, sigmoid, pos and clamp are written out
 *     (piecewise), min and max use L3V2's n-ary <min/> and <max/>.
 *
 * Hostile input: model text reaches the document only through libsbml's setters (ids that
 * were checked to be identifiers, names and attribute values that libsbml escapes when it
 * writes XML), never by pasting text into XML.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sbml/SBMLTypes.h>
#include <sbml/math/ASTNode.h>
#include <sbml/xml/XMLAttributes.h>
#include <sbml/xml/XMLNamespaces.h>
#include <sbml/xml/XMLNode.h>
#include <sbml/xml/XMLTriple.h>

#include "core/error.h"
#include "core/limits.h"
#include "lang/ast.h"
#include "lang/units.h"

#define MK_SBML_NS "https://myoknot.invalid/sbml/annotation/1"

enum { SB_ID_SIZE = 2 * MK_MAX_NAME_LEN + 3, SB_UNIT_SIZE = 160 };

typedef struct sb_ctx {
    Model_t *model;
    mk_buf units;    /* "\nid\n" for every unit definition made so far */
    mk_buf text;     /* scratch for sb_text */
    mk_status rc;
    mk_error *err;
} sb_ctx;

static int sb_fail(sb_ctx *c, mk_status code, const char *what)
{
    if (!c->rc) c->rc = mk_fail(c->err, code, "SBML export: %s", what);
    return 0;
}

static void sb_id(const mk_decl *d, char *buf, size_t size)
{
    snprintf(buf, size, "%s__%s", d->comp->name, d->local);
}

static int is_identifier(const char *s)
{
    if (!s || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))) return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

/* ---------------------------------------------------------------- units */

typedef struct sb_dims {
    int n, ok;
    UnitKind_t kind[8];
    int power[8];
    char id[SB_UNIT_SIZE];
} sb_dims;

static UnitKind_t sb_kind(const char *sym)
{
    static const struct { const char *sym; UnitKind_t kind; } k[] = {
        {"m", UNIT_KIND_METRE},  {"kg", UNIT_KIND_KILOGRAM}, {"s", UNIT_KIND_SECOND}, {"mol", UNIT_KIND_MOLE},
        {"A", UNIT_KIND_AMPERE}, {"K", UNIT_KIND_KELVIN},    {"cd", UNIT_KIND_CANDELA},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (!strcmp(k[i].sym, sym)) return k[i].kind;
    return UNIT_KIND_INVALID;
}

static ut_status sb_visit_product(const ut_unit *u, int count, const ut_unit *const *basic,
                                  const int *powers, void *arg)
{
    (void)u;
    sb_dims *d = arg;
    for (int i = 0; i < count && d->ok; i++) {
        char sym[32];
        int len = ut_format(basic[i], sym, sizeof sym, UT_ASCII);
        UnitKind_t k = len > 0 && len < (int)sizeof sym ? sb_kind(sym) : UNIT_KIND_INVALID;
        if (k == UNIT_KIND_INVALID || d->n == 8) d->ok = 0;
        else {
            d->kind[d->n] = k;
            d->power[d->n++] = powers[i];
        }
    }
    return UT_SUCCESS;
}

static ut_status sb_visit_basic(const ut_unit *u, void *arg)
{
    const ut_unit *one[1] = {u};
    int p[1] = {1};
    return sb_visit_product(u, 1, one, p, arg);
}

static ut_status sb_visit_galilean(const ut_unit *u, double scale, const ut_unit *under, double offset,
                                   void *arg);

static ut_status sb_visit_other(void *arg)
{
    ((sb_dims *)arg)->ok = 0;
    return UT_SUCCESS;
}

static ut_status sb_visit_timestamp(const ut_unit *u, const ut_unit *t, double origin, void *arg)
{
    (void)u, (void)t, (void)origin;
    return sb_visit_other(arg);
}

static ut_status sb_visit_log(const ut_unit *u, double base, const ut_unit *ref, void *arg)
{
    (void)u, (void)base, (void)ref;
    return sb_visit_other(arg);
}

static const ut_visitor k_sb_visitor = {sb_visit_basic, sb_visit_product, sb_visit_galilean,
                                        sb_visit_timestamp, sb_visit_log};

static ut_status sb_visit_galilean(const ut_unit *u, double scale, const ut_unit *under, double offset,
                                   void *arg)
{
    (void)u;
    if (scale != 1.0 || offset != 0.0) return sb_visit_other(arg); /* not coherent SI */
    return ut_accept_visitor(under, &k_sb_visitor, arg);
}

/* The SBML units of a canonical unit: a base kind's name ("second"), "dimensionless", or the id
 * of a unit definition made on first use ("u_m_neg3_mol"); NULL when not expressible. */
static const char *sb_units(sb_ctx *c, const ut_unit *canon, sb_dims *d)
{
    memset(d, 0, sizeof *d);
    d->ok = 1;
    if (!canon || ut_accept_visitor(canon, &k_sb_visitor, d) != UT_SUCCESS || !d->ok) return NULL;
    if (d->n == 0) return "dimensionless";
    if (d->n == 1 && d->power[0] == 1) return UnitKind_toString(d->kind[0]);
    size_t len = (size_t)snprintf(d->id, sizeof d->id, "u");
    for (int i = 0; i < d->n && len < sizeof d->id; i++)
        len += (size_t)snprintf(d->id + len, sizeof d->id - len, d->power[i] < 0 ? "_%s_neg%d" : d->power[i] == 1 ? "_%s" : "_%s%d",
                                UnitKind_toString(d->kind[i]), abs(d->power[i]));
    if (len >= sizeof d->id) return NULL;
    char key[SB_UNIT_SIZE + 2];
    snprintf(key, sizeof key, "\n%s\n", d->id);
    if (c->units.data && strstr(c->units.data, key)) return d->id;
    UnitDefinition_t *ud = Model_createUnitDefinition(c->model);
    if (!ud || UnitDefinition_setId(ud, d->id) != LIBSBML_OPERATION_SUCCESS) return sb_fail(c, MK_ERR_NOMEM, "unit definition"), NULL;
    for (int i = 0; i < d->n; i++) {
        Unit_t *un = UnitDefinition_createUnit(ud);
        if (!un || Unit_setKind(un, d->kind[i]) || Unit_setExponentAsDouble(un, d->power[i]) ||
            Unit_setScale(un, 0) || Unit_setMultiplier(un, 1.0))
            return sb_fail(c, MK_ERR_NOMEM, "unit"), NULL;
    }
    mk_buf_puts(&c->units, key + (c->units.len ? 1 : 0));
    return d->id;
}

/* ---------------------------------------------------------------- maths */

static ASTNode_t *sb_node(sb_ctx *c, ASTNodeType_t type)
{
    ASTNode_t *n = ASTNode_createWithType(type);
    if (!n) sb_fail(c, MK_ERR_NOMEM, "out of memory");
    return n;
}

/* parent with the given children; frees them all and returns NULL if any is NULL */
static ASTNode_t *sb_op(sb_ctx *c, ASTNodeType_t type, int n, ASTNode_t **kids)
{
    ASTNode_t *p = sb_node(c, type);
    for (int i = 0; i < n; i++)
        if (!kids[i]) {
            for (int j = 0; j < n; j++) ASTNode_free(kids[j]);
            ASTNode_free(p);
            return NULL;
        }
    for (int i = 0; i < n; i++) {
        if (!p) ASTNode_free(kids[i]);
        else if (ASTNode_addChild(p, kids[i]) != LIBSBML_OPERATION_SUCCESS) ASTNode_free(kids[i]);
    }
    return p;
}

static ASTNode_t *sb_num(sb_ctx *c, double v, const char *units)
{
    ASTNode_t *n = sb_node(c, AST_REAL);
    if (n) ASTNode_setReal(n, v);
    if (n && units) ASTNode_setUnits(n, units);
    return n;
}

static ASTNode_t *sb_copy(sb_ctx *c, const ASTNode_t *n)
{
    ASTNode_t *r = n ? ASTNode_deepCopy(n) : NULL;
    if (n && !r) sb_fail(c, MK_ERR_NOMEM, "out of memory");
    return r;
}

/* hint: the units a bare 0 in e takes (the model language lets it adopt any unit, so its own
 * is not recorded): the other operand's of a sum, difference or comparison, the other
 * arguments' of min, max and clamp, the other branch's of an if; NULL when none applies. */
static ASTNode_t *sb_expr(sb_ctx *c, const mk_expr *e, const ut_unit *hint);

/* the units id of a canonical unit, or NULL */
static const char *sb_units_of(sb_ctx *c, const ut_unit *u, sb_dims *d)
{
    return u ? sb_units(c, u, d) : NULL;
}

/* the unit of the first argument in [from, to) that is not a bare 0, else hint */
static const ut_unit *sb_args_unit(const mk_expr *e, int from, int to, const ut_unit *hint)
{
    for (int i = from; i < to && i < e->nargs; i++)
        if (!e->args[i]->is_zero_literal && !e->args[i]->is_bool) return e->args[i]->unit;
    return hint;
}

#define SB_OP(c, type, ...) \
    sb_op(c, type, (int)(sizeof((ASTNode_t *[]){__VA_ARGS__}) / sizeof(ASTNode_t *)), (ASTNode_t *[]){__VA_ARGS__})

/* hill(x, k, n) = 0 if x <= 0, else 1 / (1 + (k/x)^n): the generated C's formula */
static ASTNode_t *sb_hill(sb_ctx *c, ASTNode_t *x, ASTNode_t *k, ASTNode_t *n, const char *x_units)
{
    ASTNode_t *x2 = sb_copy(c, x);
    ASTNode_t *r = SB_OP(c, AST_DIVIDE, sb_num(c, 1, "dimensionless"),
                         SB_OP(c, AST_PLUS, sb_num(c, 1, "dimensionless"),
                               SB_OP(c, AST_POWER, SB_OP(c, AST_DIVIDE, k, x), n)));
    return SB_OP(c, AST_FUNCTION_PIECEWISE, sb_num(c, 0, "dimensionless"),
                 SB_OP(c, AST_RELATIONAL_LEQ, x2, sb_num(c, 0, x_units)), r);
}

/* sigmoid(x, x50, w) = 1 / (1 + exp(-(x - x50) / w)) */
static ASTNode_t *sb_sigmoid(sb_ctx *c, ASTNode_t *x, ASTNode_t *x50, ASTNode_t *w)
{
    ASTNode_t *arg = SB_OP(c, AST_MINUS, SB_OP(c, AST_DIVIDE, SB_OP(c, AST_MINUS, x, x50), w));
    return SB_OP(c, AST_DIVIDE, sb_num(c, 1, "dimensionless"),
                 SB_OP(c, AST_PLUS, sb_num(c, 1, "dimensionless"), SB_OP(c, AST_FUNCTION_EXP, arg)));
}

/* pos(x) = x if x > 0 else 0;  clamp(x, lo, hi) = lo if x < lo, hi if x > hi, else x */
static ASTNode_t *sb_pos(sb_ctx *c, ASTNode_t *x, const char *x_units)
{
    ASTNode_t *x2 = sb_copy(c, x);
    return SB_OP(c, AST_FUNCTION_PIECEWISE, x, SB_OP(c, AST_RELATIONAL_GT, x2, sb_num(c, 0, x_units)),
                 sb_num(c, 0, x_units));
}

static ASTNode_t *sb_clamp(sb_ctx *c, ASTNode_t *x, ASTNode_t *lo, ASTNode_t *hi)
{
    ASTNode_t *x2 = sb_copy(c, x), *x3 = sb_copy(c, x), *lo2 = sb_copy(c, lo), *hi2 = sb_copy(c, hi);
    return SB_OP(c, AST_FUNCTION_PIECEWISE, lo, SB_OP(c, AST_RELATIONAL_LT, x, lo2), hi,
                 SB_OP(c, AST_RELATIONAL_GT, x2, hi2), x3);
}

static ASTNodeType_t sb_fn_type(const char *name)
{
    static const struct { const char *name; ASTNodeType_t type; } k[] = {
        {"exp", AST_FUNCTION_EXP}, {"log", AST_FUNCTION_LN},   {"log10", AST_FUNCTION_LOG},
        {"sqrt", AST_FUNCTION_ROOT}, {"abs", AST_FUNCTION_ABS}, {"sin", AST_FUNCTION_SIN},
        {"cos", AST_FUNCTION_COS}, {"tanh", AST_FUNCTION_TANH}, {"floor", AST_FUNCTION_FLOOR},
        {"min", AST_FUNCTION_MIN}, {"max", AST_FUNCTION_MAX},  {"pow", AST_POWER},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (!strcmp(k[i].name, name)) return k[i].type;
    return AST_UNKNOWN;
}

/* the hint for argument i of a call to f (see sb_expr) */
static const ut_unit *sb_arg_hint(const mk_expr *e, int i, const ut_unit *hint)
{
    const char *f = e->name;
    if (!strcmp(f, "min") || !strcmp(f, "max") || !strcmp(f, "clamp")) return sb_args_unit(e, 0, e->nargs, hint);
    if (!strcmp(f, "if")) return i == 0 ? NULL : sb_args_unit(e, 1, 3, hint);
    return !strcmp(f, "pos") ? hint : NULL;
}

static ASTNode_t *sb_call(sb_ctx *c, const mk_expr *e, const ut_unit *hint)
{
    if (e->fn) return sb_expr(c, e->a, hint); /* a user function: its expanded body, as in C */
    ASTNode_t *a[8] = {0};
    if (e->nargs > 8) return sb_fail(c, MK_ERR_INVALID, "a call with more than 8 arguments"), NULL;
    for (int i = 0; i < e->nargs; i++) a[i] = sb_expr(c, e->args[i], sb_arg_hint(e, i, hint));
    const char *f = e->name;
    int three = e->nargs == 3;
    sb_dims dims;
    const char *x_units = e->nargs ? sb_units_of(c, sb_args_unit(e, 0, 1, hint), &dims) : NULL;
    if (!strcmp(f, "if") && three) return SB_OP(c, AST_FUNCTION_PIECEWISE, a[1], a[0], a[2]);
    if (!strcmp(f, "hill") && three) return sb_hill(c, a[0], a[1], a[2], x_units);
    if (!strcmp(f, "sigmoid") && three) return sb_sigmoid(c, a[0], a[1], a[2]);
    if (!strcmp(f, "clamp") && three) return sb_clamp(c, a[0], a[1], a[2]);
    if (!strcmp(f, "pos") && e->nargs == 1) return sb_pos(c, a[0], x_units);
    ASTNodeType_t t = sb_fn_type(f);
    if (t == AST_UNKNOWN) {
        for (int i = 0; i < e->nargs; i++) ASTNode_free(a[i]);
        if (!c->rc) c->rc = mk_fail(c->err, MK_ERR_INVALID, "SBML export: no MathML for function '%s'", f);
        return NULL;
    }
    return sb_op(c, t, e->nargs, a);
}

static ASTNodeType_t sb_bin_type(int op)
{
    switch (op) {
    case T_PLUS: return AST_PLUS;
    case T_MINUS: return AST_MINUS;
    case T_STAR: return AST_TIMES;
    case T_SLASH: return AST_DIVIDE;
    case T_CARET: return AST_POWER;
    case T_LT: return AST_RELATIONAL_LT;
    case T_LE: return AST_RELATIONAL_LEQ;
    case T_GT: return AST_RELATIONAL_GT;
    case T_GE: return AST_RELATIONAL_GEQ;
    case T_EQ: return AST_RELATIONAL_EQ;
    case T_NE: return AST_RELATIONAL_NEQ;
    case OP_AND: return AST_LOGICAL_AND;
    case OP_OR: return AST_LOGICAL_OR;
    }
    return AST_UNKNOWN;
}

/* the hints for the operands of a sum, difference or comparison: each other's unit */
static int sb_is_additive(int op)
{
    return op == T_PLUS || op == T_MINUS || op == T_LT || op == T_LE || op == T_GT || op == T_GE ||
           op == T_EQ || op == T_NE;
}

static ASTNode_t *sb_expr(sb_ctx *c, const mk_expr *e, const ut_unit *hint)
{
    char id[SB_ID_SIZE];
    sb_dims dims;
    ASTNode_t *n;
    switch (e->kind) {
    case E_NUM:
        return sb_num(c, e->si_value, sb_units_of(c, e->is_zero_literal ? hint : e->unit, &dims));
    case E_REF:
        sb_id(e->decl, id, sizeof id);
        if ((n = sb_node(c, AST_NAME))) ASTNode_setName(n, id);
        return n;
    case E_TIME:
        if ((n = sb_node(c, AST_NAME_TIME))) ASTNode_setName(n, "time");
        return n;
    case E_NEG:
        return SB_OP(c, AST_MINUS, sb_expr(c, e->a, hint));
    case E_NOT:
        return SB_OP(c, AST_LOGICAL_NOT, sb_expr(c, e->a, NULL));
    case E_CALL:
        return sb_call(c, e, hint);
    case E_ARG:
        return sb_expr(c, e->a, hint);
    case E_BIN:
        if (sb_bin_type(e->op) == AST_UNKNOWN) break;
        if (!sb_is_additive(e->op))
            return SB_OP(c, sb_bin_type(e->op), sb_expr(c, e->a, NULL), sb_expr(c, e->b, NULL));
        return SB_OP(c, sb_bin_type(e->op), sb_expr(c, e->a, e->b->is_zero_literal ? hint : e->b->unit),
                     sb_expr(c, e->b, e->a->is_zero_literal ? hint : e->a->unit));
    }
    if (!c->rc) c->rc = mk_fail(c->err, MK_ERR_INVALID, "SBML export: unknown expression kind %d", (int)e->kind);
    return NULL;
}

/* ---------------------------------------------------------------- declarations */

static const char *const k_kind_name[4] = {"parameter", "state", "input", "variable"};

static void sb_attr_num(XMLAttributes_t *a, const char *name, double v)
{
    char num[40];
    if (isnan(v)) return;
    snprintf(num, sizeof num, "%.17g", v);
    XMLAttributes_add(a, name, num);
}

/* Attribute values for libsbml's setters.  libsbml escapes '<', '>', '"' and a bare '&' when
 * it writes, but leaves an '&' that starts an entity ("&amp;", "&#38;") as it is, taking it
 * for escaped already: a model's text "&amp;" would read back as "&".  Every '&' is therefore
 * written here as "&amp;", which libsbml passes through and a reader turns back into '&'. */
static const char *sb_text(mk_buf *b, const char *s)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
    for (const char *amp; (amp = strchr(s, '&')); s = amp + 1) {
        mk_buf_printf(b, "%.*s&amp;", (int)(amp - s), s);
    }
    mk_buf_puts(b, s);
    return b->failed || !b->data ? "" : b->data;
}

static void sb_attr(sb_ctx *c, XMLAttributes_t *a, const char *name, const char *value)
{
    XMLAttributes_add(a, name, sb_text(&c->text, value));
}

/* <myoknot:ELEM .../> with the attributes a (freed here) appended to sb's annotation */
static int sb_append(sb_ctx *c, SBase_t *sb, const char *elem, XMLAttributes_t *a)
{
    XMLTriple_t *t = XMLTriple_createWith(elem, MK_SBML_NS, "myoknot");
    XMLNamespaces_t *ns = XMLNamespaces_create();
    XMLNode_t *node = NULL;
    if (t && a && ns && XMLNamespaces_add(ns, MK_SBML_NS, "myoknot") == LIBSBML_OPERATION_SUCCESS)
        node = XMLNode_createStartElementNS(t, a, ns);
    int ok = node && SBase_appendAnnotation(sb, node) == LIBSBML_OPERATION_SUCCESS;
    XMLNode_free(node);
    XMLNamespaces_free(ns);
    XMLAttributes_free(a);
    XMLTriple_free(t);
    return ok ? 1 : sb_fail(c, MK_ERR_NOMEM, "annotation");
}

/* <myoknot:symbol name kind unit value lo hi source doc/>: what SBML has no place for */
static int sb_annotate(sb_ctx *c, SBase_t *sb, const mk_decl *d)
{
    XMLAttributes_t *a = XMLAttributes_create();
    if (a) {
        sb_attr(c, a, "name", d->qname);
        sb_attr(c, a, "kind", k_kind_name[d->kind]);
        sb_attr(c, a, "unit", d->unit_text ? d->unit_text : "1");
        if (d->kind != MK_SYM_VAR) sb_attr_num(a, "value", d->value);
        if (d->kind == MK_SYM_PARAM && d->has_range) {
            sb_attr_num(a, "lo", d->lo);
            sb_attr_num(a, "hi", d->hi);
        }
        if (d->source) sb_attr(c, a, "source", d->source);
        if (d->doc) sb_attr(c, a, "doc", d->doc);
    }
    return sb_append(c, sb, "symbol", a);
}

static int sb_parameter(sb_ctx *c, const mk_decl *d)
{
    char id[SB_ID_SIZE];
    sb_dims dims;
    sb_id(d, id, sizeof id);
    Parameter_t *p = Model_createParameter(c->model);
    if (!p || Parameter_setId(p, id) || Parameter_setName(p, sb_text(&c->text, d->qname)) ||
        Parameter_setConstant(p, d->kind == MK_SYM_PARAM || d->kind == MK_SYM_INPUT))
        return sb_fail(c, MK_ERR_INVALID, "a parameter's id or name");
    if (d->kind != MK_SYM_VAR) Parameter_setValue(p, d->si_scale * d->value + d->si_offset);
    const char *u = sb_units(c, d->canon, &dims);
    if (u && Parameter_setUnits(p, u)) return sb_fail(c, MK_ERR_INVALID, "a parameter's units");
    return !c->rc && sb_annotate(c, (SBase_t *)p, d);
}

static int sb_rule(sb_ctx *c, const mk_decl *d, int rate)
{
    char id[SB_ID_SIZE];
    sb_id(d, id, sizeof id);
    /* a bare 0 as a whole formula takes the quantity's units (per second for a rate) */
    ASTNode_t *math = sb_expr(c, rate ? d->deriv : d->rhs, rate ? NULL : d->canon);
    if (!math) return sb_fail(c, MK_ERR_NOMEM, "out of memory");
    Rule_t *r = rate ? Model_createRateRule(c->model) : Model_createAssignmentRule(c->model);
    int ok = r && !Rule_setVariable(r, id) && !Rule_setMath(r, math);
    ASTNode_free(math); /* Rule_setMath copies */
    return ok ? 1 : sb_fail(c, MK_ERR_INVALID, "a rule's maths");
}

static mk_status sb_check_names(const mk_model *m, mk_error *err)
{
    if (!is_identifier(m->name)) return mk_fail(err, MK_ERR_NAME, "model name is not an identifier");
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < m->count[k]; i++)
            if (!is_identifier(m->by_kind[k][i]->comp->name) || !is_identifier(m->by_kind[k][i]->local))
                return mk_fail(err, MK_ERR_NAME, "a name of model '%s' is not an identifier", m->name);
    return MK_OK;
}

static void sb_model_header(sb_ctx *c, const mk_model *m)
{
    Model_setId(c->model, m->name);
    Model_setName(c->model, sb_text(&c->text, m->doc && *m->doc ? m->doc : m->name));
    Model_setTimeUnits(c->model, "second");
    char gen[200];
    snprintf(gen, sizeof gen, "myoknot %s, model source hash fnv1a64:%s", MK_VERSION, m->hash);
    XMLAttributes_t *a = XMLAttributes_create();
    if (a) {
        sb_attr(c, a, "name", m->name);
        sb_attr(c, a, "generator", gen);
        sb_attr(c, a, "values", "coherent SI; each symbol's declared unit and value in its annotation");
    }
    sb_append(c, (SBase_t *)c->model, "model", a);
}

static void sb_fill(sb_ctx *c, const mk_model *m)
{
    static const mk_symbol_kind order[4] = {MK_SYM_PARAM, MK_SYM_INPUT, MK_SYM_STATE, MK_SYM_VAR};
    sb_model_header(c, m);
    for (int k = 0; !c->rc && k < 4; k++)
        for (int i = 0; !c->rc && i < m->count[order[k]]; i++) sb_parameter(c, m->by_kind[order[k]][i]);
    /* variables in dependency order, so that a reader may evaluate them one after another */
    for (int i = 0; !c->rc && i < m->count[MK_SYM_VAR]; i++) sb_rule(c, m->by_kind[MK_SYM_VAR][i], 0);
    for (int i = 0; !c->rc && i < m->count[MK_SYM_STATE]; i++) sb_rule(c, m->by_kind[MK_SYM_STATE][i], 1);
}

mk_status mk_model_write_sbml(const mk_model *m, mk_buf *out, mk_error *err)
{
    mk_status rc = sb_check_names(m, err);
    if (rc) return rc;
    SBMLDocument_t *doc = SBMLDocument_createWithLevelAndVersion(3, 2);
    sb_ctx c = {.model = doc ? SBMLDocument_createModel(doc) : NULL, .err = err};
    mk_buf_init(&c.units);
    mk_buf_init(&c.text);
    if (!c.model) sb_fail(&c, MK_ERR_NOMEM, "out of memory creating the document");
    else sb_fill(&c, m);
    if (!c.rc && (c.units.failed || c.text.failed)) sb_fail(&c, MK_ERR_NOMEM, "out of memory");
    char *text = c.rc ? NULL : writeSBMLToString(doc);
    if (!c.rc && !text) sb_fail(&c, MK_ERR_NOMEM, "libsbml could not write the document");
    if (text) {
        mk_buf_puts(out, text);
        free(text);
        if (out->failed) sb_fail(&c, MK_ERR_NOMEM, "out of memory");
    }
    mk_buf_free(&c.units);
    mk_buf_free(&c.text);
    SBMLDocument_free(doc);
    return c.rc;
}
