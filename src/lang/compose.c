/*
 * compose.c -- one model from a site model's tissue, segment and person parts, instantiated
 * per site (lang/compose.h, docs/site-composition.md).
 *
 * The composer works on the checked model (names resolved to declarations), so a reference is
 * renamed by what it is, not by its spelling, and prints the model language back: the physiology
 * stays in the model file, the composer adds only names and sums.  Numbers are printed with 17
 * significant digits and every binary operation in parentheses, so a one-site composition parses
 * to the same expression trees as the site model itself.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "lang/ast.h"
#include "lang/compose.h"

/* The parts of the site model are declared in the model (docs/site-composition.md, "The
 * decision"): `part segment` or `part person` in a component, `part person` on an input of a
 * tissue component (a drug taken by mouth reaches every site); a component without is tissue. */
/* The satellite hypothesis (models/satellite.myo): the tissue's motor port (the label of the
 * voluntary activation it reads) and the key's output that drives it, in the site model; the
 * satellite model's ports. */
static const char k_motor_label[] = "load_activation";
static const char k_referred_label[] = "pain_referred";
static const char k_sat_in_label[] = "satellite_referred";
static const char k_sat_out_label[] = "satellite_activation";
static const char k_sat_zone_label[] = "satellite_zone_weight";

enum { ROLE_TISSUE, ROLE_SEGMENT, ROLE_PERSON };
/* What a segment variable depends on: nothing that changes per site or segment, the tissue of
 * its sites only (computed per site, then summed), or the segment's own state. */
enum { DEP_UNKNOWN, DEP_NEUTRAL, DEP_SITE, DEP_SHARED, DEP_VISITING };

typedef struct composer {
    const mk_model *m;
    const mk_compose_spec *sp;
    mk_buf *b;
    mk_error *err;
    unsigned char *dep[4]; /* by kind and index: DEP_* of segment variables */
    unsigned char *tis;    /* by variable index: 0 unknown, 1 reads no tissue, 2 reads tissue */
    unsigned char *need;   /* by variable index: a site readout some label reads */
    int site;              /* emitting for this site (its tissue or its share of a segment) */
    int seg;               /* emitting this segment instance */
    int readout;           /* naming from a site's readout: its own copy of a segment readout */
    int sat;               /* emitting the satellite component of this site, -1 none */
    const mk_decl *sat_in, *sat_out, *sat_zone; /* the satellite model's ports */
    mk_status rc;
} composer;

static int comp_role(const mk_component *c)
{
    if (c->part == MK_PART_SEGMENT) return ROLE_SEGMENT;
    if (c->part == MK_PART_PERSON) return ROLE_PERSON;
    return ROLE_TISSUE;
}

static int decl_role(const mk_decl *d)
{
    int r = comp_role(d->comp);
    return r == ROLE_TISSUE && d->part == MK_PART_PERSON ? ROLE_PERSON : r;
}

static int dep_of_expr(composer *c, const mk_expr *e);

static int dep_of_decl(composer *c, const mk_decl *d)
{
    int role = decl_role(d);
    if (role == ROLE_PERSON) return DEP_NEUTRAL;
    if (role == ROLE_TISSUE) return DEP_SITE;
    if (d->kind == MK_SYM_PARAM) return DEP_NEUTRAL;
    if (d->kind != MK_SYM_VAR) return DEP_SHARED; /* the segment's states and inputs */
    unsigned char *slot = &c->dep[MK_SYM_VAR][d->index];
    if (*slot == DEP_VISITING) return DEP_SHARED; /* cannot happen in a checked model */
    if (*slot == DEP_UNKNOWN) {
        *slot = DEP_VISITING;
        *slot = (unsigned char)dep_of_expr(c, d->rhs);
    }
    return *slot;
}

static int dep_join(int a, int b) { return a > b ? a : b; }

static int dep_of_expr(composer *c, const mk_expr *e)
{
    if (!e) return DEP_NEUTRAL;
    switch (e->kind) {
    case E_NUM:
    case E_TIME: return DEP_NEUTRAL;
    case E_REF: return e->decl ? dep_of_decl(c, e->decl) : DEP_SHARED;
    case E_ARG:
    case E_NEG:
    case E_NOT: return dep_of_expr(c, e->a);
    case E_BIN: return dep_join(dep_of_expr(c, e->a), dep_of_expr(c, e->b));
    case E_CALL: {
        if (e->fn) return dep_of_expr(c, e->a);
        int d = DEP_NEUTRAL;
        for (int i = 0; i < e->nargs; i++) d = dep_join(d, dep_of_expr(c, e->args[i]));
        return d;
    }
    }
    return DEP_SHARED;
}

/* Computed per site: a segment variable reading its sites' tissue and nothing of the segment's
 * own dynamics. */
static int site_local(composer *c, const mk_decl *d)
{
    return decl_role(d) == ROLE_SEGMENT && d->kind == MK_SYM_VAR && dep_of_decl(c, d) == DEP_SITE;
}

/* Whether variable d reads a site's tissue, through variables: a segment state is a
 * boundary (it integrates the segment's summed input, shared by its sites). */
static int reads_tissue_expr(composer *c, const mk_expr *e);

static int reads_tissue(composer *c, const mk_decl *d)
{
    int role = decl_role(d);
    if (role != ROLE_SEGMENT) return role == ROLE_TISSUE;
    if (d->kind != MK_SYM_VAR) return 0;
    unsigned char *slot = &c->tis[d->index];
    if (!*slot) {
        *slot = 1; /* a cycle cannot happen in a checked model */
        *slot = reads_tissue_expr(c, d->rhs) ? 2 : 1;
    }
    return *slot == 2;
}

static int reads_tissue_expr(composer *c, const mk_expr *e)
{
    if (!e) return 0;
    switch (e->kind) {
    case E_REF: return e->decl && reads_tissue(c, e->decl);
    case E_ARG:
    case E_NEG:
    case E_NOT: return reads_tissue_expr(c, e->a);
    case E_BIN: return reads_tissue_expr(c, e->a) || reads_tissue_expr(c, e->b);
    case E_CALL:
        if (e->fn) return reads_tissue_expr(c, e->a);
        for (int i = 0; i < e->nargs; i++)
            if (reads_tissue_expr(c, e->args[i])) return 1;
        return 0;
    default: return 0;
    }
}

/* A site readout: a segment variable that reads its sites' tissue through the segment's own
 * state (the transmission, the pain ratings).  The segment computes it from the summed input;
 * a site reports it from its own input through the shared state (docs/site-composition.md,
 * "Local pain per site"). */
static int readout(composer *c, const mk_decl *d)
{
    return decl_role(d) == ROLE_SEGMENT && d->kind == MK_SYM_VAR && !site_local(c, d) && reads_tissue(c, d);
}

static void mark_need_expr(composer *c, const mk_expr *e);

static void mark_need(composer *c, const mk_decl *d)
{
    if (!readout(c, d) || c->need[d->index]) return;
    c->need[d->index] = 1;
    mark_need_expr(c, d->rhs);
}

static void mark_need_expr(composer *c, const mk_expr *e)
{
    if (!e) return;
    switch (e->kind) {
    case E_REF:
        if (e->decl) mark_need(c, e->decl);
        break;
    case E_ARG:
    case E_NEG:
    case E_NOT: mark_need_expr(c, e->a); break;
    case E_BIN:
        mark_need_expr(c, e->a);
        mark_need_expr(c, e->b);
        break;
    case E_CALL:
        if (e->fn) mark_need_expr(c, e->a);
        for (int i = 0; !e->fn && i < e->nargs; i++) mark_need_expr(c, e->args[i]);
        break;
    default: break;
    }
}

/* Sites share segment g with another site: only then has a site readout its own copy (alone,
 * the segment's value is the site's). */
static int shared_segment(const composer *c, int g)
{
    int n = 0;
    for (int s = 0; s < c->sp->n_sites; s++) n += c->sp->sites[s].segment == g;
    return n > 1;
}

/* Site s reports its own copy of d. */
static int own_readout(const composer *c, const mk_decl *d, int s)
{
    return d->kind == MK_SYM_VAR && decl_role(d) == ROLE_SEGMENT && c->need[d->index] &&
           shared_segment(c, c->sp->sites[s].segment);
}

/* ---------------------------------------------------------------- printing */

static void put_str(mk_buf *b, const char *s)
{
    mk_buf_puts(b, "\"");
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\') mk_buf_puts(b, "\\");
        mk_buf_printf(b, "%c", *s);
    }
    mk_buf_puts(b, "\"");
}

/* The shortest of 15, 16, 17 digits that reads back as v: exact and readable (0.05, not
 * 0.050000000000000003). */
static void put_num(mk_buf *b, double v)
{
    char s[40];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(s, sizeof s, "%.*g", digits, v);
        if (strtod(s, NULL) == v) break;
    }
    mk_buf_puts(b, s);
}

/* The name of declaration d as seen from site s. */
static void name_at(composer *c, const mk_decl *d, int s)
{
    const mk_compose_site *st = &c->sp->sites[s];
    switch (decl_role(d)) {
    case ROLE_PERSON: mk_buf_printf(c->b, "%s.%s", d->comp->name, d->local); break;
    case ROLE_TISSUE: mk_buf_printf(c->b, "%s_%s.%s", st->prefix, d->comp->name, d->local); break;
    default:
        if (site_local(c, d) || (c->readout && own_readout(c, d, s)))
            mk_buf_printf(c->b, "%s_%s.%s", st->prefix, d->comp->name, d->local);
        else
            mk_buf_printf(c->b, "%s_%s.%s", c->sp->segments[st->segment], d->comp->name, d->local);
    }
}

/* A reference in the part being printed: one instance's name, or in a segment the sum over
 * the sites projecting to it. */
static const mk_decl *label_decl(const mk_model *m, const char *label)
{
    for (const mk_label_decl *l = m->labels; l; l = l->next)
        if (!strcmp(l->name, label)) return l->decl;
    return NULL;
}

static void put_ref(composer *c, const mk_decl *d);

/* A reference in satellite site c->sat's component: its own declarations by the instance's
 * name, the port by the key's referred pain. */
static void put_satellite_ref(composer *c, const mk_decl *d)
{
    const mk_compose_site *st = &c->sp->sites[c->sat];
    if (d == c->sat_in) {
        int sat = c->sat, readout = c->readout;
        c->sat = -1;
        /* the key's referred pain as its label pain_referred reads it: the key's own input
         * through its segment's shared state.  The segment's sum would include the satellite's
         * own input when the two share a segment, and a satellite would drive itself (saline
         * into the satellite alone raised its activation as much as saline into the key). */
        c->site = st->key;
        c->readout = 1;
        put_ref(c, label_decl(c->m, k_referred_label));
        c->readout = readout;
        c->site = -1;
        c->sat = sat;
    } else if (d->comp == c->sat_out->comp) {
        mk_buf_printf(c->b, "%s_%s.%s", st->prefix, d->comp->name, d->local);
    } else if (!c->rc) {
        c->rc = mk_fail(c->err, MK_ERR_MODEL, "cannot compose the satellite model: its '%s' reads "
                        "'%s', which is neither its own nor its port %s", c->sat_out->comp->name,
                        d->qname, k_sat_in_label);
    }
}

static void put_ref(composer *c, const mk_decl *d)
{
    if (c->sat >= 0) {
        put_satellite_ref(c, d);
        return;
    }
    if (c->site >= 0) {
        const mk_compose_site *st = &c->sp->sites[c->site];
        if (st->key >= 0 && d == label_decl(c->m, k_motor_label)) { /* a satellite's motor port */
            mk_buf_puts(c->b, "(");
            name_at(c, d, c->site);
            mk_buf_printf(c->b, " + %s_%s.%s)", st->prefix, c->sat_out->comp->name, c->sat_out->local);
            return;
        }
        name_at(c, d, c->site);
        return;
    }
    int role = decl_role(d);
    if (role == ROLE_PERSON) {
        mk_buf_printf(c->b, "%s.%s", d->comp->name, d->local);
        return;
    }
    if (c->seg < 0) {
        if (!c->rc)
            c->rc = mk_fail(c->err, MK_ERR_MODEL, "cannot compose model '%s': the person's "
                            "'%s' reads '%s', which is not the person's", c->m->name,
                            d->comp->name, d->qname);
        return;
    }
    if (role == ROLE_SEGMENT && !site_local(c, d)) {
        mk_buf_printf(c->b, "%s_%s.%s", c->sp->segments[c->seg], d->comp->name, d->local);
        return;
    }
    int n = 0;
    mk_buf_puts(c->b, "(");
    for (int s = 0; s < c->sp->n_sites; s++) {
        if (c->sp->sites[s].segment != c->seg) continue;
        if (n++) mk_buf_puts(c->b, " + ");
        name_at(c, d, s);
    }
    mk_buf_puts(c->b, ")");
}

static const char *op_text(int op)
{
    switch (op) {
    case T_PLUS: return "+";
    case T_MINUS: return "-";
    case T_STAR: return "*";
    case T_SLASH: return "/";
    case T_CARET: return "^";
    case T_LT: return "<";
    case T_LE: return "<=";
    case T_GT: return ">";
    case T_GE: return ">=";
    case T_EQ: return "==";
    case T_NE: return "!=";
    case OP_AND: return "and";
    case OP_OR: return "or";
    default: return "?";
    }
}

static void put_expr(composer *c, const mk_expr *e)
{
    mk_buf *b = c->b;
    switch (e->kind) {
    case E_NUM:
        if (e->number < 0) mk_buf_puts(b, "(");
        put_num(b, e->number);
        if (e->unit_text) mk_buf_printf(b, " [%s]", e->unit_text);
        if (e->number < 0) mk_buf_puts(b, ")");
        break;
    case E_REF: put_ref(c, e->decl); break;
    case E_TIME: mk_buf_puts(b, "t"); break;
    case E_ARG: put_expr(c, e->a); break;
    case E_NEG:
        mk_buf_puts(b, "(-");
        put_expr(c, e->a);
        mk_buf_puts(b, ")");
        break;
    case E_NOT:
        mk_buf_puts(b, "(not ");
        put_expr(c, e->a);
        mk_buf_puts(b, ")");
        break;
    case E_BIN:
        mk_buf_puts(b, "(");
        put_expr(c, e->a);
        mk_buf_printf(b, " %s ", op_text(e->op));
        put_expr(c, e->b);
        mk_buf_puts(b, ")");
        break;
    case E_CALL:
        if (e->fn) { /* a user function, expanded at the call: its body with the arguments */
            mk_buf_puts(b, "(");
            put_expr(c, e->a);
            mk_buf_puts(b, ")");
            break;
        }
        mk_buf_printf(b, "%s(", e->name);
        for (int i = 0; i < e->nargs; i++) {
            if (i) mk_buf_puts(b, ", ");
            put_expr(c, e->args[i]);
        }
        mk_buf_puts(b, ")");
        break;
    }
}

static void put_doc(mk_buf *b, const char *doc)
{
    if (!doc) return;
    mk_buf_puts(b, " doc ");
    put_str(b, doc);
}

static void put_decl(composer *c, const mk_decl *d)
{
    mk_buf *b = c->b;
    static const char *const k_bound[] = {"< 0", "<= 0", "", ">= 0", "> 0"};
    switch (d->kind) {
    case MK_SYM_PARAM:
        mk_buf_printf(b, "  param %s = ", d->local);
        /* a satellite's zone weight is its own, from the anatomy */
        put_num(b, c->sat >= 0 && d == c->sat_zone ? c->sp->sites[c->sat].zone_weight : d->value);
        mk_buf_printf(b, " [%s] { range ", d->unit_text);
        put_num(b, d->lo);
        mk_buf_puts(b, " .. ");
        put_num(b, d->hi);
        mk_buf_puts(b, " source ");
        put_str(b, d->source);
        put_doc(b, d->doc);
        mk_buf_puts(b, " }\n");
        break;
    case MK_SYM_STATE:
    case MK_SYM_INPUT:
        mk_buf_printf(b, "  %s %s = ", d->kind == MK_SYM_STATE ? "state" : "input", d->local);
        put_num(b, d->value);
        mk_buf_printf(b, " [%s] {", d->unit_text);
        put_doc(b, d->doc);
        if (d->constraint >= -2 && d->constraint <= 2 && d->constraint)
            mk_buf_printf(b, " bound %s", k_bound[d->constraint + 2]);
        if (!isnan(d->diffusion_m2_s) && d->kind == MK_SYM_STATE) {
            mk_buf_puts(b, " diffusion ");
            put_num(b, d->diffusion_m2_s);
            mk_buf_puts(b, " [m2/s]");
        }
        mk_buf_puts(b, " }\n");
        if (d->kind == MK_SYM_STATE) {
            mk_buf_printf(b, "  d(%s)/dt = ", d->local);
            put_expr(c, d->deriv);
            mk_buf_puts(b, "\n");
        }
        break;
    case MK_SYM_VAR:
        mk_buf_printf(b, "  var %s [%s] = ", d->local, d->unit_text);
        put_expr(c, d->rhs);
        mk_buf_puts(b, " {");
        put_doc(b, d->doc);
        mk_buf_puts(b, " }\n");
        break;
    }
}

/* Which declarations of a component a part holds. */
enum { PICK_ALL, PICK_TISSUE, PICK_PERSON, PICK_SITE_LOCAL, PICK_SHARED };

static int picked(composer *c, const mk_decl *d, int pick)
{
    switch (pick) {
    case PICK_TISSUE: return decl_role(d) != ROLE_PERSON;
    case PICK_PERSON: return decl_role(d) == ROLE_PERSON;
    case PICK_SITE_LOCAL: return site_local(c, d) || (c->site >= 0 && own_readout(c, d, c->site));
    case PICK_SHARED: return !site_local(c, d);
    default: return 1;
    }
}

static void put_law(composer *c, const mk_law_decl *l)
{
    const char *dot = strrchr(l->name, '.');
    mk_buf_printf(c->b, "  conserve %s [%s] = ", dot ? dot + 1 : l->name, l->unit_text);
    put_expr(c, l->expr);
    mk_buf_puts(c->b, " {");
    put_doc(c->b, l->doc);
    if (!isnan(l->tol)) {
        mk_buf_puts(c->b, " tol ");
        put_num(c->b, l->tol);
    }
    if (!isnan(l->scale)) {
        mk_buf_puts(c->b, " scale ");
        put_num(c->b, l->scale);
    }
    mk_buf_puts(c->b, " }\n");
}

/* One part of component k under the name prefix_k (no prefix: k's own name). */
static void put_component(composer *c, const mk_component *k, const char *prefix, int pick)
{
    int any = 0;
    for (const mk_decl *d = k->first; d && !any; d = d->next)
        any = d->stmt == STMT_DECL && picked(c, d, pick);
    if (!any) return;
    mk_buf *b = c->b;
    if (prefix)
        mk_buf_printf(b, "\ncomponent %s_%s {\n", prefix, k->name);
    else
        mk_buf_printf(b, "\ncomponent %s {\n", k->name);
    if (k->doc) {
        mk_buf_puts(b, " ");
        put_doc(b, k->doc);
        mk_buf_puts(b, "\n");
    }
    for (const mk_decl *d = k->first; d; d = d->next)
        if (d->stmt == STMT_DECL && picked(c, d, pick)) put_decl(c, d);
    for (const mk_decl *d = k->first; d; d = d->next)
        if (d->stmt == STMT_DECL && d->is_output && picked(c, d, pick))
            mk_buf_printf(b, "  output %s\n", d->local);
    if (pick != PICK_PERSON && pick != PICK_SITE_LOCAL)
        for (const mk_law_decl *l = c->m->laws; l; l = l->next)
            if (l->comp == k) put_law(c, l);
    mk_buf_puts(b, "}\n");
}

/* ---------------------------------------------------------------- interface */

static int label_seen(const mk_model *m, const mk_label_decl *upto)
{
    for (const mk_label_decl *l = m->labels; l && l != upto; l = l->next)
        if (!strcmp(l->name, upto->name)) return 1;
    return 0;
}

static void put_label(composer *c, const char *prefix, const mk_label_decl *l, int s)
{
    if (prefix)
        mk_buf_printf(c->b, "  %s_%s = ", prefix, l->name);
    else
        mk_buf_printf(c->b, "  %s = ", l->name);
    c->readout = 1;
    name_at(c, l->decl, s);
    c->readout = 0;
    mk_buf_puts(c->b, "\n");
}

static void put_interface(composer *c)
{
    const mk_model *m = c->m;
    if (!m->labels && !m->whys) return;
    mk_buf_puts(c->b, "\ninterface {\n");
    for (const mk_label_decl *l = m->labels; l; l = l->next)
        if (l->decl && !label_seen(m, l)) put_label(c, NULL, l, 0);
    for (int s = 0; s < c->sp->n_sites; s++)
        for (const mk_label_decl *l = m->labels; l; l = l->next)
            if (l->decl && !label_seen(m, l)) put_label(c, c->sp->sites[s].prefix, l, s);
    for (const mk_why_decl *w = m->whys; w; w = w->next) {
        if (w->label) {
            mk_buf_printf(c->b, "  why %s %s ", w->label, w->op == T_LT ? "<" : ">");
            put_num(c->b, w->threshold);
        } else {
            mk_buf_puts(c->b, "  why otherwise");
        }
        mk_buf_puts(c->b, " ");
        put_str(c->b, w->text);
        mk_buf_puts(c->b, "\n");
    }
    mk_buf_puts(c->b, "}\n");
}

/* ---------------------------------------------------------------- the model */

static void put_header(composer *c)
{
    const mk_compose_spec *sp = c->sp;
    mk_buf *b = c->b;
    mk_buf_printf(b, "# %s -- composed by myoknot from model '%s' (docs/site-composition.md):\n", sp->name,
                  c->m->name);
    for (int s = 0; s < sp->n_sites; s++)
        mk_buf_printf(b, "#   site %s -> segment %s\n", sp->sites[s].prefix, sp->segments[sp->sites[s].segment]);
    mk_buf_printf(b, "\nmodel %s {\n  doc ", sp->name);
    mk_buf tmp;
    mk_buf_init(&tmp);
    mk_buf_printf(&tmp, "%s; composed: %d site%s (", c->m->doc ? c->m->doc : c->m->name, sp->n_sites,
                  sp->n_sites > 1 ? "s" : "");
    for (int s = 0; s < sp->n_sites; s++)
        mk_buf_printf(&tmp, "%s%s", s ? ", " : "", sp->sites[s].prefix);
    mk_buf_printf(&tmp, ") in %d segment group%s", sp->n_segments, sp->n_segments > 1 ? "s" : "");
    if (tmp.failed) b->failed = 1;
    put_str(b, tmp.data ? tmp.data : "");
    mk_buf_free(&tmp);
    mk_buf_puts(b, "\n}\n");
}

static void put_parts(composer *c)
{
    const mk_compose_spec *sp = c->sp;
    for (const mk_component *k = c->m->components; k; k = k->next) {
        c->site = c->seg = -1;
        switch (comp_role(k)) {
        case ROLE_PERSON: put_component(c, k, NULL, PICK_ALL); break;
        case ROLE_TISSUE:
            put_component(c, k, NULL, PICK_PERSON);
            for (c->site = 0; c->site < sp->n_sites; c->site++)
                put_component(c, k, sp->sites[c->site].prefix, PICK_TISSUE);
            break;
        default:
            c->readout = 1;
            for (c->site = 0; c->site < sp->n_sites; c->site++)
                put_component(c, k, sp->sites[c->site].prefix, PICK_SITE_LOCAL);
            c->readout = 0;
            c->site = -1;
            for (c->seg = 0; c->seg < sp->n_segments; c->seg++)
                put_component(c, k, sp->segments[c->seg], PICK_SHARED);
        }
        if (c->rc) return;
    }
}

/* Satellite site s's coupling to its key: the satellite model's component, instantiated. */
static void put_satellite(composer *c, int s)
{
    c->sat = s;
    put_component(c, c->sat_out->comp, c->sp->sites[s].prefix, PICK_ALL);
    c->sat = -1;
}

static mk_status check_spec(const mk_model *m, const mk_compose_spec *sp, mk_error *err)
{
    if (!sp || !sp->name || sp->n_sites < 1 || sp->n_sites > MK_COMPOSE_MAX_SITES || sp->n_segments < 1)
        return mk_fail(err, MK_ERR_INVALID, "mk_model_compose: 1 to %d sites and at least one segment "
                       "are needed", MK_COMPOSE_MAX_SITES);
    for (int s = 0; s < sp->n_sites; s++)
        if (sp->sites[s].segment < 0 || sp->sites[s].segment >= sp->n_segments)
            return mk_fail(err, MK_ERR_INVALID, "mk_model_compose: site %d has no segment", s);
    for (int g = 0; g < sp->n_segments; g++) {
        int n = 0;
        for (int s = 0; s < sp->n_sites; s++) n += sp->sites[s].segment == g;
        if (!n) return mk_fail(err, MK_ERR_INVALID, "mk_model_compose: segment '%s' has no site", sp->segments[g]);
    }
    for (int s = 0; s < sp->n_sites; s++) {
        int k = sp->sites[s].key;
        if (k < 0) continue;
        if (k >= sp->n_sites || k == s || !(sp->sites[s].zone_weight >= 0 && sp->sites[s].zone_weight <= 1))
            return mk_fail(err, MK_ERR_INVALID, "mk_model_compose: site %d's key or zone weight is invalid", s);
        const mk_decl *act = label_decl(m, k_motor_label), *ref = label_decl(m, k_referred_label);
        if (!act || !ref || decl_role(act) != ROLE_TISSUE || act->kind != MK_SYM_INPUT)
            return mk_fail(err, MK_ERR_MODEL, "cannot compose a satellite site with model '%s': it needs "
                           "the labels %s (a tissue input) and %s", m->name, k_motor_label, k_referred_label);
        const mk_model *sm = sp->satellite;
        const mk_decl *in = sm ? label_decl(sm, k_sat_in_label) : NULL;
        const mk_decl *out = sm ? label_decl(sm, k_sat_out_label) : NULL;
        const mk_decl *zone = sm ? label_decl(sm, k_sat_zone_label) : NULL;
        if (!in || !out || !zone || in->kind != MK_SYM_INPUT || out->kind == MK_SYM_PARAM ||
            zone->kind != MK_SYM_PARAM || zone->comp != out->comp || in->comp == out->comp)
            return mk_fail(err, MK_ERR_MODEL, "cannot compose a satellite site: the satellite model "
                           "(models/satellite.myo) needs the labels %s (an input), %s and %s (a "
                           "parameter of %s's component)", k_sat_in_label, k_sat_out_label,
                           k_sat_zone_label, k_sat_out_label);
        if (strcmp(in->unit_text, ref->unit_text) || strcmp(out->unit_text, act->unit_text))
            return mk_fail(err, MK_ERR_MODEL, "cannot compose a satellite site: the satellite model's "
                           "ports are in [%s] and [%s], model '%s''s %s and %s in [%s] and [%s]",
                           in->unit_text, out->unit_text, m->name, k_referred_label, k_motor_label,
                           ref->unit_text, act->unit_text);
    }
    for (const mk_law_decl *l = m->laws; l; l = l->next)
        if (!l->comp)
            return mk_fail_at(err, MK_ERR_MODEL, l->file, l->line, l->col,
                              "cannot compose model '%s' per site: the conservation law '%s' is "
                              "declared at model level, not in a component", m->name, l->name);
    return MK_OK;
}

mk_status mk_model_compose(const mk_model *base, const mk_compose_spec *spec, mk_buf *out,
                           mk_error *err)
{
    if (!base || !out) return mk_fail(err, MK_ERR_INVALID, "mk_model_compose: no model");
    mk_status rc = check_spec(base, spec, err);
    if (rc) return rc;
    composer c = {.m = base, .sp = spec, .b = out, .err = err, .site = -1, .seg = -1, .sat = -1};
    if (spec->satellite) {
        c.sat_in = label_decl(spec->satellite, k_sat_in_label);
        c.sat_out = label_decl(spec->satellite, k_sat_out_label);
        c.sat_zone = label_decl(spec->satellite, k_sat_zone_label);
    }
    int n_vars = base->count[MK_SYM_VAR];
    c.dep[MK_SYM_VAR] = mk_calloc((size_t)(n_vars ? n_vars : 1), 1);
    c.tis = mk_calloc((size_t)(n_vars ? n_vars : 1), 1);
    c.need = mk_calloc((size_t)(n_vars ? n_vars : 1), 1);
    if (!c.dep[MK_SYM_VAR] || !c.tis || !c.need) {
        free(c.dep[MK_SYM_VAR]);
        free(c.tis);
        free(c.need);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    }
    for (const mk_label_decl *l = base->labels; l; l = l->next)
        if (l->decl) mark_need(&c, l->decl);
    put_header(&c);
    put_parts(&c);
    for (int s = 0; !c.rc && s < spec->n_sites; s++)
        if (spec->sites[s].key >= 0) put_satellite(&c, s);
    if (!c.rc) put_interface(&c);
    free(c.dep[MK_SYM_VAR]);
    free(c.tis);
    free(c.need);
    if (c.rc) return c.rc;
    if (out->failed) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    return MK_OK;
}
