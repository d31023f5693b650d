/*
 * test_sbml.c -- SBML export (issue 13 item 4, src/io/sbml.c).
 *
 * Every built-in model is exported, read back by libsbml, checked with libsbml's consistency
 * checks (no error allowed; warnings are counted), and its maths evaluated: the read-back
 * trees (not strings) are evaluated by the small evaluator below at several states, the
 * assignment rules in document order and then the rate rules, and compared with the compiled
 * model's right-hand side (mk_model_abi.rhs) and algebraic variables at the same states.
 * A model whose strings carry XML must come out as well-formed SBML with the strings intact.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sbml/SBMLTypes.h>
#include <sbml/math/ASTNode.h>
#include <sbml/xml/XMLNode.h>

#include "myoknot.h"

/* ---------------------------------------------------------------- a MathML evaluator */

typedef struct slot {
    char *id;
    double val;
} slot;

typedef struct env {
    int n;
    slot *s;   /* sorted by id */
    double t;
    int unknown; /* a node type or name the evaluator does not know */
} env;

static int cmp_slot(const void *a, const void *b) { return strcmp(((const slot *)a)->id, ((const slot *)b)->id); }

static double *env_find(env *e, const char *id)
{
    slot key = {(char *)id, 0};
    slot *hit = bsearch(&key, e->s, (size_t)e->n, sizeof *e->s, cmp_slot);
    return hit ? &hit->val : NULL;
}

static double ev(const ASTNode_t *n, env *e);

static double ev_kid(const ASTNode_t *n, unsigned i, env *e) { return ev(ASTNode_getChild(n, i), e); }

static double ev_piecewise(const ASTNode_t *n, env *e)
{
    unsigned k = ASTNode_getNumChildren(n);
    for (unsigned i = 0; i + 1 < k; i += 2)
        if (ev_kid(n, i + 1, e) != 0.0) return ev_kid(n, i, e);
    return k % 2 ? ev_kid(n, k - 1, e) : NAN;
}

static double ev_nary(const ASTNode_t *n, env *e)
{
    ASTNodeType_t t = ASTNode_getType(n);
    unsigned k = ASTNode_getNumChildren(n);
    double r = t == AST_TIMES ? 1 : t == AST_PLUS || t == AST_LOGICAL_OR ? 0 : t == AST_LOGICAL_AND ? 1 : NAN;
    for (unsigned i = 0; i < k; i++) {
        double v = ev_kid(n, i, e);
        switch (t) {
        case AST_PLUS: r += v; break;
        case AST_TIMES: r *= v; break;
        case AST_FUNCTION_MIN: r = i ? fmin(r, v) : v; break;
        case AST_FUNCTION_MAX: r = i ? fmax(r, v) : v; break;
        case AST_LOGICAL_AND: r = r != 0 && v != 0; break;
        case AST_LOGICAL_OR: r = r != 0 || v != 0; break;
        default: e->unknown = 1;
        }
    }
    return r;
}

static double ev_unary(const ASTNode_t *n, env *e)
{
    double a = ev_kid(n, 0, e);
    switch (ASTNode_getType(n)) {
    case AST_FUNCTION_EXP: return exp(a);
    case AST_FUNCTION_LN: return log(a);
    case AST_FUNCTION_ABS: return fabs(a);
    case AST_FUNCTION_SIN: return sin(a);
    case AST_FUNCTION_COS: return cos(a);
    case AST_FUNCTION_TANH: return tanh(a);
    case AST_FUNCTION_FLOOR: return floor(a);
    case AST_LOGICAL_NOT: return a == 0.0;
    default: e->unknown = 1; return NAN;
    }
}

static double ev_binary(const ASTNode_t *n, env *e)
{
    unsigned k = ASTNode_getNumChildren(n);
    ASTNodeType_t t = ASTNode_getType(n);
    if (t == AST_MINUS && k == 1) return -ev_kid(n, 0, e);
    /* log and root with one child: base 10, degree 2; with two, the first is the base/degree */
    if (t == AST_FUNCTION_LOG) return k == 1 ? log10(ev_kid(n, 0, e)) : log(ev_kid(n, 1, e)) / log(ev_kid(n, 0, e));
    if (t == AST_FUNCTION_ROOT) return k == 1 ? sqrt(ev_kid(n, 0, e)) : pow(ev_kid(n, 1, e), 1.0 / ev_kid(n, 0, e));
    if (k != 2) {
        e->unknown = 1;
        return NAN;
    }
    double a = ev_kid(n, 0, e), b = ev_kid(n, 1, e);
    switch (t) {
    case AST_MINUS: return a - b;
    case AST_DIVIDE: return a / b;
    case AST_POWER:
    case AST_FUNCTION_POWER: return pow(a, b);
    case AST_RELATIONAL_LT: return a < b;
    case AST_RELATIONAL_LEQ: return a <= b;
    case AST_RELATIONAL_GT: return a > b;
    case AST_RELATIONAL_GEQ: return a >= b;
    case AST_RELATIONAL_EQ: return a == b;
    case AST_RELATIONAL_NEQ: return a != b;
    default: e->unknown = 1; return NAN;
    }
}

static double ev(const ASTNode_t *n, env *e)
{
    if (!n) {
        e->unknown = 1;
        return NAN;
    }
    switch (ASTNode_getType(n)) {
    case AST_INTEGER: return (double)ASTNode_getInteger(n);
    case AST_REAL:
    case AST_REAL_E:
    case AST_RATIONAL: return ASTNode_getReal(n);
    case AST_NAME_TIME: return e->t;
    case AST_CONSTANT_PI: return acos(-1.0);
    case AST_CONSTANT_E: return exp(1.0);
    case AST_CONSTANT_TRUE: return 1;
    case AST_CONSTANT_FALSE: return 0;
    case AST_NAME: {
        double *v = env_find(e, ASTNode_getName(n));
        if (!v) e->unknown = 1;
        return v ? *v : NAN;
    }
    case AST_FUNCTION_PIECEWISE: return ev_piecewise(n, e);
    case AST_PLUS:
    case AST_TIMES:
    case AST_FUNCTION_MIN:
    case AST_FUNCTION_MAX:
    case AST_LOGICAL_AND:
    case AST_LOGICAL_OR: return ev_nary(n, e);
    case AST_FUNCTION_EXP:
    case AST_FUNCTION_LN:
    case AST_FUNCTION_ABS:
    case AST_FUNCTION_SIN:
    case AST_FUNCTION_COS:
    case AST_FUNCTION_TANH:
    case AST_FUNCTION_FLOOR:
    case AST_LOGICAL_NOT: return ev_unary(n, e);
    default: return ev_binary(n, e);
    }
}

/* ---------------------------------------------------------------- helpers */

static int same(double a, double b)
{
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    if (isinf(a) || isinf(b)) return a == b;
    return fabs(a - b) <= 1e-10 * fmax(fabs(a), fabs(b)) + 1e-300;
}

/* "comp.local" -> "comp__local" */
static void sbml_id(const char *qname, char *buf, size_t size)
{
    const char *dot = strchr(qname, '.');
    assert_non_null(dot);
    snprintf(buf, size, "%.*s__%s", (int)(dot - qname), qname, dot + 1);
}

static SBMLDocument_t *export_and_read(const mk_model *m, int *n_warnings)
{
    mk_buf b;
    mk_buf_init(&b);
    mk_error err = {0};
    mk_status rc = mk_model_write_sbml(m, &b, &err);
    if (rc) fail_msg("%s: %s", mk_model_name(m), err.message);
    SBMLDocument_t *doc = readSBMLFromString(b.data);
    mk_buf_free(&b);
    assert_non_null(doc);
    unsigned n = SBMLDocument_getNumErrors(doc) ? SBMLDocument_getNumErrors(doc) : SBMLDocument_checkConsistency(doc);
    int errors = 0;
    *n_warnings = 0;
    for (unsigned i = 0; i < n; i++) {
        const SBMLError_t *e = SBMLDocument_getError(doc, i);
        if (XMLError_isError((const XMLError_t *)e) || XMLError_isFatal((const XMLError_t *)e)) {
            if (errors++ < 5)
                fprintf(stderr, "%s: SBML error %u line %u: %s\n", mk_model_name(m),
                        XMLError_getErrorId((const XMLError_t *)e), XMLError_getLine((const XMLError_t *)e),
                        XMLError_getMessage((const XMLError_t *)e));
        } else if ((*n_warnings)++ < 3 && getenv("MK_SBML_VERBOSE")) {
            fprintf(stderr, "%s: SBML warning %u: %s\n", mk_model_name(m),
                    XMLError_getErrorId((const XMLError_t *)e), XMLError_getMessage((const XMLError_t *)e));
        }
    }
    assert_int_equal(errors, 0);
    return doc;
}

/* The environment: every parameter of the document, by id, with its value. */
static void env_from_doc(env *e, const Model_t *sm)
{
    e->n = (int)Model_getNumParameters(sm);
    e->s = calloc((size_t)e->n + 1, sizeof *e->s);
    assert_non_null(e->s);
    for (int i = 0; i < e->n; i++) {
        const Parameter_t *p = Model_getParameter((Model_t *)sm, (unsigned)i);
        e->s[i].id = mk_strdup(Parameter_getId(p));
        e->s[i].val = Parameter_isSetValue(p) ? Parameter_getValue(p) : NAN;
    }
    qsort(e->s, (size_t)e->n, sizeof *e->s, cmp_slot);
}

static void env_free(env *e)
{
    for (int i = 0; i < e->n; i++) free(e->s[i].id);
    free(e->s);
}

/* Set the symbols of one kind in the environment (SI) from declared values; with check, first
 * compare the document's own value with them. */
static void env_set(env *e, const mk_symbol *sym, int n, const double *v, int check)
{
    for (int i = 0; i < n; i++) {
        char id[256];
        sbml_id(sym[i].name, id, sizeof id);
        double *at = env_find(e, id);
        if (!at) fail_msg("no SBML parameter '%s'", id);
        double si = sym[i].si_scale * v[i] + sym[i].si_offset;
        if (check && !same(*at, si)) fail_msg("%s: SBML value %.17g, model %.17g (SI)", id, *at, si);
        *at = si;
    }
}

typedef struct symref {
    char id[256];
    int is_state, index;
} symref;

static int cmp_symref(const void *a, const void *b) { return strcmp(((const symref *)a)->id, ((const symref *)b)->id); }

typedef struct point {
    double *y, *p, *u;
    symref *refs; /* the states' and variables' ids, sorted */
    int n_refs;
} point;

static void point_refs(point *pt, const mk_model_abi *abi)
{
    pt->n_refs = abi->n_states + abi->n_vars;
    pt->refs = calloc((size_t)pt->n_refs + 1, sizeof *pt->refs);
    assert_non_null(pt->refs);
    for (int i = 0; i < pt->n_refs; i++) {
        int st = i < abi->n_states;
        symref *r = &pt->refs[i];
        r->is_state = st;
        r->index = st ? i : i - abi->n_states;
        sbml_id(st ? abi->states[r->index].name : abi->vars[r->index].name, r->id, sizeof r->id);
    }
    qsort(pt->refs, (size_t)pt->n_refs, sizeof *pt->refs, cmp_symref);
}

/* the index of the state (is_state) or variable with SBML id, or -1 */
static int symbol_index(const point *pt, const char *id, int is_state)
{
    symref key;
    snprintf(key.id, sizeof key.id, "%s", id);
    const symref *hit = bsearch(&key, pt->refs, (size_t)pt->n_refs, sizeof *pt->refs, cmp_symref);
    return hit && hit->is_state == is_state ? hit->index : -1;
}

/* Evaluate the document's rules at the point and compare with the C right-hand side. */
static int compare_at(const mk_model_abi *abi, const Model_t *sm, env *e, const point *pt, double t)
{
    double *ydot = calloc((size_t)abi->n_states + 1, sizeof *ydot);
    double *vars = calloc((size_t)abi->n_vars + 1, sizeof *vars);
    assert_true(ydot && vars);
    abi->rhs(t, pt->y, ydot, pt->u, pt->p, vars);
    e->t = t;
    env_set(e, abi->states, abi->n_states, pt->y, 0);
    int compared = 0, rates = 0;
    for (unsigned i = 0; i < Model_getNumRules((Model_t *)sm); i++) {
        const Rule_t *r = Model_getRule((Model_t *)sm, i);
        double v = ev(Rule_getMath(r), e);
        assert_false(e->unknown);
        double *at = env_find(e, Rule_getVariable(r));
        assert_non_null(at);
        const mk_symbol *sym = Rule_isRate(r) ? abi->states : abi->vars;
        int k = symbol_index(pt, Rule_getVariable(r), Rule_isRate(r));
        assert_true(k >= 0);
        /* the C gives declared units: a variable's SI value, a state's rate times its scale */
        double want = Rule_isRate(r) ? ydot[k] * sym[k].si_scale : sym[k].si_scale * vars[k] + sym[k].si_offset;
        if (!same(v, want)) fail_msg("%s at t=%g: SBML %s %.17g, C %.17g", abi->name, t, Rule_getVariable(r), v, want);
        if (!Rule_isRate(r)) *at = v;
        rates += Rule_isRate(r);
        compared++;
    }
    assert_int_equal(rates, abi->n_states);
    free(ydot);
    free(vars);
    return compared;
}

static double *copy_values(const mk_symbol *s, int n)
{
    double *v = calloc((size_t)n + 1, sizeof *v);
    assert_non_null(v);
    for (int i = 0; i < n; i++) v[i] = s[i].value;
    return v;
}

/* ---------------------------------------------------------------- tests */

static void check_model(const mk_model_abi *abi)
{
    mk_model_ref *ref = NULL;
    mk_error err = {0};
    if (mk_model_open(abi->name, 0, &ref, &err)) fail_msg("%s", err.message);
    int warnings = 0;
    SBMLDocument_t *doc = export_and_read(mk_model_ref_model(ref), &warnings);
    const Model_t *sm = SBMLDocument_getModel(doc);
    assert_string_equal(Model_getId(sm), abi->name);
    assert_int_equal(Model_getNumParameters(sm), abi->n_params + abi->n_inputs + abi->n_states + abi->n_vars);
    env e = {0};
    env_from_doc(&e, sm);
    point pt = {copy_values(abi->states, abi->n_states), copy_values(abi->params, abi->n_params),
                copy_values(abi->inputs, abi->n_inputs), NULL, 0};
    point_refs(&pt, abi);
    /* the document's values are the model's defaults (SI) */
    env_set(&e, abi->params, abi->n_params, pt.p, 1);
    env_set(&e, abi->inputs, abi->n_inputs, pt.u, 1);
    env_set(&e, abi->states, abi->n_states, pt.y, 1);
    int compared = compare_at(abi, sm, &e, &pt, 0.0);
    /* states moved off their initial values, parameters inside their ranges */
    for (int k = 1; k <= 3; k++) {
        for (int i = 0; i < abi->n_states; i++)
            pt.y[i] = abi->states[i].value * (1.0 + 0.15 * sin(3.0 * i + k)) + 0.01 * k;
        for (int i = 0; i < abi->n_params; i++) {
            const mk_symbol *s = &abi->params[i];
            if (k == 3 && isfinite(s->lo) && isfinite(s->hi)) pt.p[i] = s->lo + 0.37 * (s->hi - s->lo);
        }
        env_set(&e, abi->params, abi->n_params, pt.p, 0);
        compared += compare_at(abi, sm, &e, &pt, 600.0 * k);
    }
    printf("%s: %d SBML parameters, %d rule values compared with the C at 4 states, %d warnings\n",
           abi->name, e.n, compared, warnings);
    free(pt.y), free(pt.p), free(pt.u), free(pt.refs);
    env_free(&e);
    SBMLDocument_free(doc);
    mk_model_ref_free(ref);
}

static void test_every_builtin_model(void **state)
{
    (void)state;
    int n = 0;
    for (int i = 0; mk_builtin_at(i); i++, n++) check_model(mk_builtin_at(i));
    assert_true(n >= 3);
}

/* Strings with XML in them stay strings: the document is well-formed, passes the checks and
 * gives the strings back unchanged. */
static void test_hostile_strings(void **state)
{
    (void)state;
    static const char text[] =
        "model pool_demo { doc \"</annotation><script>alert(1)</script> & &lt; ]]> \\\"q\\\" \xc3\xa9\" }\n"
        "component pool {\n"
        "  param k = 0.5 [1/s] {\n"
        "    range 0.001 .. 100\n"
        "    source \"<!-- x --> <![CDATA[ y ]]> &amp; '\"\n"
        "    doc \"</myoknot:symbol></annotation></parameter><parameter id='evil'/>\"\n"
        "  }\n"
        "  state x = 1 [mM] { doc \"a\" }\n"
        "  input inflow = 0 [mM/s] { doc \"b\" }\n"
        "  output washout [mM/s] = k * x { doc \"c\" }\n"
        "  d(x)/dt = inflow - washout\n"
        "}\n";
    mk_model *m = NULL;
    mk_error err = {0};
    if (mk_model_parse_string("hostile.myo", text, &m, &err)) fail_msg("%s", err.message);
    int warnings = 0;
    SBMLDocument_t *doc = export_and_read(m, &warnings);
    const Model_t *sm = SBMLDocument_getModel(doc);
    assert_int_equal(Model_getNumParameters(sm), 4); /* no 'evil' parameter */
    assert_string_equal(Model_getName(sm), "</annotation><script>alert(1)</script> & &lt; ]]> \"q\" \xc3\xa9");
    const Parameter_t *k = Model_getParameterById((Model_t *)sm, "pool__k");
    assert_non_null(k);
    XMLNode_t *ann = SBase_getAnnotation((SBase_t *)k);
    assert_non_null(ann);
    const XMLNode_t *sym = XMLNode_getChild(ann, 0);
    const XMLAttributes_t *a = XMLNode_getAttributes(sym);
    char *src = XMLAttributes_getValueByName(a, "source"), *doc_text = XMLAttributes_getValueByName(a, "doc");
    assert_string_equal(src, "<!-- x --> <![CDATA[ y ]]> &amp; '");
    assert_string_equal(doc_text, "</myoknot:symbol></annotation></parameter><parameter id='evil'/>");
    free(src);
    free(doc_text);
    SBMLDocument_free(doc);
    mk_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_builtin_model),
        cmocka_unit_test(test_hostile_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
