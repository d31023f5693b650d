/*
 * units.c -- UDUNITS-2 extended with the units of myofascial physiology, and a unit
 * expression grammar that reads clinical notation the way clinicians mean it.
 *
 * What Debian's UDUNITS-2 (2.2.28) gets wrong for us, each handled here and tested in
 * tests/units/test_units.c:
 *   - molar (M, mM, uM, nM) is unknown: added as mol/L with SI prefixes;
 *   - poise (P, cP) is only known by name: the symbol is added;
 *   - "kg/cm2" is mass per area, but an algometer reads kilogram-force per cm2 (98.0665 kPa):
 *     an alias maps the whole expression;
 *   - "mL/100g/min" parses as (mL/100)·g/min: our grammar binds a number to the unit after it;
 *   - "au" is the astronomical unit: arbitrary units are "AU" or "arb", a base unit of their
 *     own so that nothing converts into them by accident.
 * Also worth knowing: "pH" is the picohenry; write pH values as dimensionless "1".
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "lang/units.h"

/* Whole-expression aliases, compared after removing blanks. */
static const struct {
    const char *written, *meant;
} k_aliases[] = {
    /* Algometry: "kg/cm2" on a pressure algometer is kilogram-force per cm2
     * (Fischer 1987, Pain 30:115; see ../shared/research/neuro-clinical.md). */
    {"kg/cm2", "kgf/cm2"},
    {"kg/cm^2", "kgf/cm2"},
    {"kg/cm\xc2\xb2", "kgf/cm2"},
    {"kg.cm-2", "kgf/cm2"},
};

int mk_units_out_of_memory(void) { return ut_get_status() == UT_OS; }

/* The code for a UDUNITS call that failed: its own allocation (UT_OS) or the unit's fault. */
static mk_status udunits_code(void) { return ut_get_status() == UT_OS ? MK_ERR_NOMEM : MK_ERR_UNIT; }

static mk_status map_unit(mk_units *u, const char *symbol, const char *name, ut_unit *unit,
                          mk_error *err)
{
    if (symbol && ut_map_symbol_to_unit(symbol, UT_ASCII, unit) != UT_SUCCESS)
        return mk_fail(err, udunits_code(), "cannot add unit symbol '%s' to UDUNITS", symbol);
    if (name && ut_map_name_to_unit(name, UT_ASCII, unit) != UT_SUCCESS)
        return mk_fail(err, udunits_code(), "cannot add unit name '%s' to UDUNITS", name);
    (void)u;
    return MK_OK;
}

static mk_status extend_system(mk_units *u, mk_error *err)
{
    mk_status rc = MK_OK;
    int oom = 0; /* UDUNITS's status is read after each call: the next one resets it */
    ut_unit *mol_per_l = ut_parse(u->sys, "mol/L", UT_ASCII);
    oom |= !mol_per_l && mk_units_out_of_memory();
    ut_unit *poise = ut_parse(u->sys, "poise", UT_ASCII);
    oom |= !poise && mk_units_out_of_memory();
    ut_unit *arb = ut_new_base_unit(u->sys);
    oom |= !arb && mk_units_out_of_memory();
    ut_unit *mol = ut_parse(u->sys, "mol", UT_ASCII);
    oom |= !mol && mk_units_out_of_memory();
    if (!mol_per_l || !poise || !arb || !mol) {
        rc = oom ? mk_fail(err, MK_ERR_NOMEM, "out of memory extending the UDUNITS-2 database")
                 : mk_fail(err, MK_ERR_UNIT, "UDUNITS lacks mol/L, poise or mol");
        goto done;
    }
    if ((rc = map_unit(u, "M", "molar", mol_per_l, err))) goto done;
    if ((rc = map_unit(u, "P", NULL, poise, err))) goto done;
    if ((rc = map_unit(u, "AU", "arbitrary_unit", arb, err))) goto done;
    /* and back, so that messages can print units made of it */
    if (ut_map_unit_to_symbol(arb, "AU", UT_ASCII) != UT_SUCCESS) {
        rc = mk_fail(err, udunits_code(), "cannot name the arbitrary unit in UDUNITS");
        goto done;
    }
    if ((rc = map_unit(u, "arb", NULL, arb, err))) goto done;
    /* osmole: an amount of osmotically active particles, dimensionally mol. */
    if ((rc = map_unit(u, "Osm", "osmole", mol, err))) goto done;
done:
    ut_free(mol_per_l);
    ut_free(poise);
    ut_free(arb);
    ut_free(mol);
    return rc;
}

mk_status mk_units_new(mk_units **out, mk_error *err)
{
    *out = NULL;
    /* UDUNITS reports through a process-wide handler that prints to stderr by default; the
     * library must not print, so it is silenced.  This is the one global we touch, and only
     * ever set it to the same value. */
    ut_set_error_message_handler(ut_ignore);
    mk_units *u = mk_calloc(1, sizeof *u);
    if (!u) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    u->sys = ut_read_xml(NULL);
    if (!u->sys) {
        int oom = ut_get_status() == UT_OS;
        free(u);
        if (oom) return mk_fail(err, MK_ERR_NOMEM, "out of memory reading the UDUNITS-2 database");
        return mk_fail(err, MK_ERR_UNIT,
                       "cannot read the UDUNITS-2 database (is udunits-data installed? "
                       "UDUNITS2_XML_PATH may point to udunits2.xml)");
    }
    u->one = ut_get_dimensionless_unit_one(u->sys);
    u->second = ut_parse(u->sys, "s", UT_ASCII);
    mk_status rc = u->second                    ? extend_system(u, err)
                   : ut_get_status() == UT_OS ? mk_fail(err, MK_ERR_NOMEM, "out of memory")
                                              : mk_fail(err, MK_ERR_UNIT, "UDUNITS has no second");
    if (rc) {
        mk_units_free(u);
        return rc;
    }
    *out = u;
    return MK_OK;
}

void mk_units_free(mk_units *u)
{
    if (!u) return;
    ut_free(u->one);
    ut_free(u->second);
    ut_free_system(u->sys);
    free(u);
}

/* ---------------------------------------------------------------- the expression grammar */

typedef struct uparser {
    mk_units *u;
    const char *s;   /* whole text */
    size_t i;        /* cursor */
    char *why;
    size_t why_size;
    int failed;
    int out_of_memory; /* UDUNITS itself ran out (UT_OS): not the unit's fault */
} uparser;

static void skip_blanks(uparser *p)
{
    while (p->s[p->i] == ' ' || p->s[p->i] == '\t') p->i++;
}

static ut_unit *ufail(uparser *p, ut_unit *to_free, const char *fmt, const char *arg)
{
    /* UDUNITS says UT_OS when its own allocation failed; the status belongs to the call that
     * just returned NULL, since ufail runs right after it */
    if (!p->failed && ut_get_status() == UT_OS) {
        p->out_of_memory = 1;
        fmt = "out of memory%s";
        arg = "";
    }
    ut_free(to_free);
    if (!p->failed) snprintf(p->why, p->why_size, fmt, arg);
    p->failed = 1;
    return NULL;
}

static int is_atom_start(unsigned char c)
{
    return isalpha(c) || c == '_' || c == '%' || c >= 0x80; /* 0x80+: µ, °, ... (UTF-8) */
}

static int is_atom_char(unsigned char c)
{
    /* Superscript two and three (U+00B2, U+00B3) arrive as 0xC2 0xB2/0xB3 and pass as
     * bytes >= 0x80: UDUNITS reads them as exponents. */
    return isalnum(c) || c == '_' || c == '%' || c >= 0x80;
}

static ut_unit *parse_expr(uparser *p);

/* An optional exponent after an atom or a parenthesis: ^N, ^-N (N an integer).  Returns 1
 * when there is one, 0 when there is none, -1 (reason set) when it is malformed. */
static int parse_exponent(uparser *p, int *power)
{
    if (p->s[p->i] != '^') return 0;
    size_t j = p->i + 1;
    int sign = 1;
    if (p->s[j] == '-' || p->s[j] == '+') sign = p->s[j++] == '-' ? -1 : 1;
    if (!isdigit((unsigned char)p->s[j])) return 0;
    int n = 0;
    while (isdigit((unsigned char)p->s[j]) && n < 1000) n = n * 10 + (p->s[j++] - '0');
    p->i = j;
    *power = sign * n;
    if (p->s[j] == '.' && isdigit((unsigned char)p->s[j + 1])) {
        ufail(p, NULL, "unit exponents must be whole numbers: '%s'", p->s);
        return -1;
    }
    return 1;
}

static ut_unit *parse_atom(uparser *p)
{
    size_t start = p->i;
    while (is_atom_char((unsigned char)p->s[p->i])) p->i++;
    /* A trailing "-N" is an exponent in UDUNITS notation ("s-1", "m-3"). */
    if (p->s[p->i] == '-' && isdigit((unsigned char)p->s[p->i + 1])) {
        p->i++;
        while (isdigit((unsigned char)p->s[p->i])) p->i++;
    }
    /* "m2.5" or "s-1.5" would otherwise read as m2 times 5: refuse fractional exponents */
    if (p->i > start && isdigit((unsigned char)p->s[p->i - 1]) && p->s[p->i] == '.' &&
        isdigit((unsigned char)p->s[p->i + 1]))
        return ufail(p, NULL, "unit exponents must be whole numbers: '%s'", p->s);
    char name[128];
    size_t n = p->i - start;
    if (n >= sizeof name) return ufail(p, NULL, "unit name too long: '%.40s...'", p->s + start);
    memcpy(name, p->s + start, n);
    name[n] = 0;
    ut_unit *unit = ut_parse(p->u->sys, name, UT_UTF8);
    if (!unit) return ufail(p, NULL, "unknown unit '%s'", name);
    int power;
    int has = parse_exponent(p, &power);
    if (has < 0) {
        ut_free(unit);
        return NULL;
    }
    if (has) {
        ut_unit *r = ut_raise(unit, power);
        if (!r) return ufail(p, unit, "cannot raise '%s' to that power", name); /* status first */
        ut_free(unit);
        unit = r;
    }
    return unit;
}

static ut_unit *parse_factor(uparser *p)
{
    skip_blanks(p);
    const char *at = p->s + p->i;
    if (*at == '(') {
        p->i++;
        ut_unit *inner = parse_expr(p);
        if (!inner) return NULL;
        skip_blanks(p);
        if (p->s[p->i] != ')') return ufail(p, inner, "expected ')' in '%s'", p->s);
        p->i++;
        int power;
        int has = parse_exponent(p, &power);
        if (has < 0) {
            ut_free(inner);
            return NULL;
        }
        if (has) {
            ut_unit *r = ut_raise(inner, power);
            if (!r) return ufail(p, inner, "cannot raise a unit in '%s' to that power", p->s);
            ut_free(inner);
            inner = r;
        }
        return inner;
    }
    if (isdigit((unsigned char)*at) || (*at == '.' && isdigit((unsigned char)at[1]))) {
        char *end;
        double scale = strtod(at, &end);
        p->i += (size_t)(end - at);
        if (!(scale > 0) || !isfinite(scale))
            return ufail(p, NULL, "a number in a unit must be positive and finite: '%s'", p->s);
        skip_blanks(p);
        ut_unit *base = is_atom_start((unsigned char)p->s[p->i]) ? parse_atom(p)
                                                                 : ut_clone(p->u->one);
        if (!base) return p->failed ? NULL : ufail(p, NULL, "cannot read the unit in '%s'", p->s);
        ut_unit *r = ut_scale(scale, base);
        if (!r) return ufail(p, base, "cannot scale a unit in '%s'", p->s);
        ut_free(base);
        return r;
    }
    if (is_atom_start((unsigned char)*at)) return parse_atom(p);
    if (*at == 0) return ufail(p, NULL, "unit '%s' ends where a unit was expected", p->s);
    char what[8];
    snprintf(what, sizeof what, "%c", *at);
    return ufail(p, NULL, "unexpected '%s' in unit", what);
}

static int is_middle_dot(const char *s) { return (unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xB7; }

static ut_unit *parse_expr(uparser *p)
{
    ut_unit *acc = parse_factor(p);
    while (acc) {
        skip_blanks(p);
        char c = p->s[p->i];
        int divide = 0;
        if (c == '/') {
            divide = 1;
            p->i++;
        } else if (c == '*' || c == '.') {
            p->i++;
        } else if (is_middle_dot(p->s + p->i)) {
            p->i += 2;
        } else if (c == 0 || c == ')') {
            break;
        } else if (!(is_atom_start((unsigned char)c) || isdigit((unsigned char)c) || c == '(')) {
            char what[8];
            snprintf(what, sizeof what, "%c", c);
            return ufail(p, acc, "unexpected '%s' in unit", what);
        } /* else: juxtaposition, "N m" */
        ut_unit *rhs = parse_factor(p);
        if (!rhs) {
            ut_free(acc);
            return NULL;
        }
        ut_unit *r = divide ? ut_divide(acc, rhs) : ut_multiply(acc, rhs);
        if (!r) { /* ufail reads UDUNITS's status before anything is freed */
            ufail(p, acc, "cannot combine the units of '%s'", p->s);
            ut_free(rhs);
            return NULL;
        }
        ut_free(acc);
        ut_free(rhs);
        acc = r;
    }
    return acc;
}

static const char *apply_alias(const char *text, char *squeezed, size_t size)
{
    size_t n = 0;
    for (const char *c = text; *c && n + 1 < size; c++)
        if (*c != ' ' && *c != '\t') squeezed[n++] = *c;
    squeezed[n] = 0;
    for (size_t k = 0; k < sizeof k_aliases / sizeof k_aliases[0]; k++)
        if (strcmp(squeezed, k_aliases[k].written) == 0) return k_aliases[k].meant;
    return text;
}

mk_status mk_units_parse(mk_units *u, const char *text, ut_unit **out, char *why, size_t why_size)
{
    *out = NULL;
    char squeezed[256];
    const char *t = apply_alias(text, squeezed, sizeof squeezed);
    uparser p = {u, t, 0, why, why_size, 0, 0};
    skip_blanks(&p);
    if (!t[p.i]) {
        snprintf(why, why_size, "empty unit (write 1 for a dimensionless quantity)");
        return MK_ERR_UNIT;
    }
    ut_unit *unit = parse_expr(&p);
    if (unit && t[p.i] != 0) {
        ut_free(unit);
        unit = NULL;
        snprintf(why, why_size, "unexpected '%c' in unit '%s'", t[p.i], text);
    }
    if (!unit) return p.out_of_memory ? MK_ERR_NOMEM : MK_ERR_UNIT;
    *out = unit;
    return MK_OK;
}

/* ---------------------------------------------------------------- canonical SI form */

typedef struct canon_ctx {
    mk_units *u;
    ut_unit *result;
    int out_of_memory; /* a UDUNITS call on the way returned NULL: its allocation failed */
} canon_ctx;

static ut_unit *canonical(canon_ctx *c, const ut_unit *unit);

static ut_status visit_basic(const ut_unit *unit, void *arg)
{
    canon_ctx *c = arg;
    c->result = ut_clone(unit);
    c->out_of_memory |= !c->result;
    return c->result ? UT_SUCCESS : UT_OS;
}

static ut_status visit_product(const ut_unit *unit, int count, const ut_unit *const *basics,
                               const int *powers, void *arg)
{
    canon_ctx *c = arg;
    (void)unit;
    ut_unit *acc = ut_clone(c->u->one);
    for (int k = 0; acc && k < count; k++) {
        ut_unit *pw = ut_raise(basics[k], powers[k]);
        ut_unit *next = pw ? ut_multiply(acc, pw) : NULL;
        ut_free(pw);
        ut_free(acc);
        acc = next;
    }
    c->result = acc;
    c->out_of_memory |= !acc;
    return acc ? UT_SUCCESS : UT_OS;
}

static ut_status visit_galilean(const ut_unit *unit, double scale, const ut_unit *underlying,
                                double offset, void *arg)
{
    (void)unit;
    (void)scale;
    (void)offset;
    canon_ctx *c = arg;
    c->result = canonical(c, underlying);
    return c->result ? UT_SUCCESS : c->out_of_memory ? UT_OS : UT_BAD_ARG;
}

static ut_status visit_timestamp(const ut_unit *unit, const ut_unit *time_unit, double origin,
                                 void *arg)
{
    (void)unit;
    (void)time_unit;
    (void)origin;
    (void)arg;
    return UT_BAD_ARG;
}

static ut_status visit_logarithmic(const ut_unit *unit, double base, const ut_unit *reference,
                                   void *arg)
{
    (void)unit;
    (void)base;
    (void)reference;
    (void)arg;
    return UT_BAD_ARG;
}

static ut_unit *canonical(canon_ctx *c, const ut_unit *unit)
{
    static const ut_visitor visitor = {visit_basic, visit_product, visit_galilean,
                                       visit_timestamp, visit_logarithmic};
    c->result = NULL;
    if (ut_accept_visitor(unit, &visitor, c) != UT_SUCCESS) {
        ut_free(c->result);
        c->result = NULL;
    }
    return c->result;
}

ut_unit *mk_units_canonical(mk_units *u, const ut_unit *unit, int *out_of_memory)
{
    canon_ctx c = {u, NULL, 0};
    ut_unit *r = canonical(&c, unit);
    if (out_of_memory) *out_of_memory = c.out_of_memory;
    return r;
}

/* UDUNITS composes prefixes in binary floating point, so uM comes out as 0.0009999999999999998
 * mol/m3.  Snap a factor to 15 significant digits when that is within a few ulps: exact
 * decimal factors give exact conversions and readable generated code. */
static double snap(double x)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%.15g", x);
    double y = strtod(buf, NULL);
    return fabs(y - x) <= 8 * 2.3e-16 * fabs(x) ? y : x;
}

/* UDUNITS calls reciprocal units convertible (s and 1/s, mM and L/mol): its converter is then
 * y = k / x, which is not a change of unit but of quantity, and at x = 0 it gives infinity.
 * For myoknot two units have the same dimension only when y = scale * x + offset, so a
 * converter whose value at 0 or 1 is not finite is refused here, for every caller. */
int mk_units_affine(const ut_unit *from, const ut_unit *to, double *scale, double *offset)
{
    if (!ut_are_convertible(from, to)) return 0;
    cv_converter *cv = ut_get_converter((ut_unit *)from, (ut_unit *)to);
    if (!cv) return 0;
    double y0 = cv_convert_double(cv, 0.0);
    double y1 = cv_convert_double(cv, 1.0);
    cv_free(cv);
    if (!isfinite(y0) || !isfinite(y1)) return 0; /* reciprocal */
    *offset = snap(y0);
    *scale = snap(y1 - y0);
    return 1;
}

int mk_units_same_dimension(const ut_unit *a, const ut_unit *b)
{
    double scale, offset;
    return mk_units_affine(a, b, &scale, &offset);
}

int mk_units_is_dimensionless(mk_units *u, const ut_unit *unit)
{
    return ut_are_convertible(unit, u->one) != 0;
}

void mk_units_format(const ut_unit *unit, char *buf, size_t size)
{
    if (ut_format(unit, buf, size, UT_ASCII) < 0) snprintf(buf, size, "?");
}

/* ---------------------------------------------------------------- public conversions */

mk_status mk_units_convert(mk_units *u, double value, const char *from, const char *to,
                           double *value_out, mk_error *err)
{
    char why[256];
    ut_unit *a = NULL, *b = NULL;
    mk_status rc = MK_OK;
    if ((rc = mk_units_parse(u, from, &a, why, sizeof why))) {
        rc = mk_fail(err, rc, "%s", why);
    } else if ((rc = mk_units_parse(u, to, &b, why, sizeof why))) {
        rc = mk_fail(err, rc, "%s", why);
    } else {
        double scale, offset;
        if (!mk_units_affine(a, b, &scale, &offset) && mk_units_out_of_memory()) {
            rc = mk_fail(err, MK_ERR_NOMEM, "out of memory converting %s to %s", from, to);
        } else if (!mk_units_affine(a, b, &scale, &offset)) {
            char fa[128], fb[128];
            mk_units_format(a, fa, sizeof fa);
            mk_units_format(b, fb, sizeof fb);
            rc = mk_fail(err, MK_ERR_UNIT, "cannot convert %s (%s) to %s (%s): different dimensions",
                         from, fa, to, fb);
        } else {
            *value_out = scale * value + offset;
        }
    }
    ut_free(a);
    ut_free(b);
    return rc;
}

mk_status mk_units_convert_quantity(mk_units *u, const char *quantity, const char *target_unit,
                                    double *value_out, mk_error *err)
{
    const char *s = quantity;
    while (*s == ' ' || *s == '\t') s++;
    char *end;
    double v = strtod(s, &end);
    if (end == s)
        return mk_fail(err, MK_ERR_UNIT, "expected a number followed by a unit, found '%s'",
                       quantity);
    if (!isfinite(v))
        return mk_fail(err, MK_ERR_INVALID, "'%s' is not a finite number", quantity);
    while (*end == ' ' || *end == '\t') end++;
    if (!*end)
        return mk_fail(err, MK_ERR_UNIT, "'%s' has no unit (expected a value in %s, e.g. '%s %s')",
                       quantity, target_unit, s, target_unit);
    return mk_units_convert(u, v, end, target_unit, value_out, err);
}
