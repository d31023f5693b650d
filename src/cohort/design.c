/*
 * design.c -- reading a trial design (trial.h; format in docs/trials.md).
 *
 * Every value is checked where it is read and every error names the design file's
 * line:column, what was expected and what was found.  The arms' scenarios are compiled here,
 * once, single-threaded (UDUNITS' parser is not thread safe); running the trial only reads
 * the compiled protocols.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort/trial.h"
#include "body/anatomy.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/site.h"
#include "core/text.h"
#include "io/ytree.h"
#include "protocol/scenario.h"

typedef struct dx {
    mk_trial_design *d;
    mk_units *u;
    const mk_anatomy *anat;
    mk_error *err;
} dx;

static const mk_yformat k_design_format = {
    .max_depth = 32,
    .alias_msg = "YAML aliases (*%s) are not supported in a trial design: write the value out",
    .dup_key_msg = "duplicate key '%s' (first given at line %d:%d)",
    .bad_key_msg = "expected a key (a name), found %s",
    .empty_msg = "the trial design is empty: expected a mapping (name, population, arms, ...)",
    .top_msg = "expected a mapping at the top level of a trial design, found %s",
    .unknown_key_code = MK_ERR_NAME,
    .list_allowed_keys = 1,
};

static mk_status fail(dx *x, const mk_ynode *n, mk_status code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static mk_status fail(dx *x, const mk_ynode *n, mk_status code, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mk_fail_at(x->err, code, x->d->file, n ? n->line : 0, n ? n->col : 0, "%s", msg);
}

static mk_status keys(dx *x, const mk_ynode *map, const char *const *allowed, const char *where)
{
    if (map->kind != MK_Y_MAP)
        return fail(x, map, MK_ERR_SYNTAX, "expected a mapping %s, found %s", where, mk_ykind_name(map));
    return mk_ycheck_keys(x->d->file, &k_design_format, map, allowed, where, x->err);
}

static const mk_ynode *need(dx *x, const mk_ynode *map, const char *key, const char *what, mk_status *rc)
{
    const mk_ypair *p = mk_yfind(map, key);
    if (!p) *rc = fail(x, map, MK_ERR_SYNTAX, "missing key '%s' (%s)", key, what);
    return p ? p->val : NULL;
}

static mk_status text(dx *x, const mk_ynode *n, char *buf, size_t size)
{
    if (n->kind != MK_Y_SCALAR || !n->text[0])
        return fail(x, n, MK_ERR_SYNTAX, "expected a text, found %s", mk_ykind_name(n));
    if (strlen(n->text) >= size)
        return fail(x, n, MK_ERR_INVALID, "text too long (at most %zu characters)", size - 1);
    snprintf(buf, size, "%s", n->text);
    return MK_OK;
}

/* A number; with unit: a quantity "value unit" converted into unit ("" or NULL: a bare
 * number, the 0-10 scale's points or a parameter's declared unit). */
static mk_status number(dx *x, const mk_ynode *n, const char *unit, const char *what, double *out)
{
    if (n->kind != MK_Y_SCALAR || !n->text[0])
        return fail(x, n, MK_ERR_SYNTAX, "expected %s, found %s", what, mk_ykind_name(n));
    char *end;
    double v = strtod(n->text, &end);
    while (*end == ' ') end++;
    if (end == n->text)
        return fail(x, n, MK_ERR_SYNTAX, "expected %s, found '%s'", what, n->text);
    if (!unit || !unit[0] || !strcmp(unit, "points")) {
        if (*end && strcmp(end, "points") && strcmp(end, "point"))
            return fail(x, n, MK_ERR_UNIT, "expected %s as a bare number%s, found '%s'", what,
                        unit && unit[0] ? " or in 'points'" : "", n->text);
        *out = v;
    } else {
        if (!*end)
            return fail(x, n, MK_ERR_UNIT, "expected %s with a unit, e.g. '%g %s', found '%s'", what, v,
                        unit, n->text);
        mk_error e2 = {0};
        if (mk_units_convert_quantity(x->u, n->text, unit, out, &e2))
            return fail(x, n, MK_ERR_UNIT, "expected %s in a unit convertible to %s, found '%s' (%s)",
                        what, unit, n->text, e2.message);
    }
    if (!isfinite(*out)) return fail(x, n, MK_ERR_INVALID, "expected a finite number, found '%s'", n->text);
    return MK_OK;
}

/* [lo, hi] (either may be '~' or 'null': open). */
static mk_status range(dx *x, const mk_ynode *n, const char *unit, const char *what, mk_trial_range *r)
{
    if (n->kind != MK_Y_SEQ || n->n != 2)
        return fail(x, n, MK_ERR_SYNTAX, "expected a range [low, high] of %s, found %s", what,
                    n->kind == MK_Y_SEQ ? "a list of another length" : mk_ykind_name(n));
    double v[2];
    for (int i = 0; i < 2; i++) {
        const mk_ynode *it = n->items[i];
        if (it->kind == MK_Y_SCALAR && (!strcmp(it->text, "~") || !strcmp(it->text, "null") || !it->text[0])) {
            v[i] = NAN;
            continue;
        }
        mk_status rc = number(x, it, unit, what, &v[i]);
        if (rc) return rc;
    }
    if (v[0] > v[1]) return fail(x, n, MK_ERR_INVALID, "the range's low end %g is above its high end %g", v[0], v[1]);
    r->set = 1;
    r->lo = v[0];
    r->hi = v[1];
    return MK_OK;
}

/* "N" for a list's length in messages (a static table: no buffer to keep) */
static const char *count_text(int n)
{
    static const char *const k[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
    return n >= 0 && n < 10 ? k[n] : "more than 9";
}

/* ---------------------------------------------------------------- population */

/* The model's parameter named by a key, or an error with a did-you-mean. */
static mk_status param_index(dx *x, const mk_ypair *p, int *out)
{
    const mk_model_abi *abi = x->d->abi;
    *out = mk_abi_find(abi, MK_SYM_PARAM, p->key);
    if (*out >= 0) return MK_OK;
    const char **names = mk_calloc((size_t)abi->n_params + 1, sizeof *names);
    if (!names) return mk_fail(x->err, MK_ERR_NOMEM, "out of memory");
    for (int k = 0; k < abi->n_params; k++) names[k] = abi->params[k].name;
    const char *hint = mk_suggest(p->key, names, abi->n_params);
    mk_status rc = mk_fail_at(x->err, MK_ERR_NAME, x->d->file, p->line, p->col,
                              "unknown parameter '%s' of model '%s'%s%s%s", p->key, abi->name,
                              hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
    free(names);
    return rc;
}

/* The distribution of a varied parameter or input (tp->lo, tp->hi set): in unit (NULL or
 * "1": none), 'default' meaning dflt; its centre must lie inside the plausible range. */
static mk_status distribution(dx *x, const mk_ypair *p, mk_trial_param *tp, const char *sym_unit, double dflt,
                              const char *what);

static mk_status one_param(dx *x, const mk_ypair *p, mk_trial_param *tp)
{
    const mk_model_abi *abi = x->d->abi;
    int i;
    mk_status rc0 = param_index(x, p, &i);
    if (rc0) return rc0;
    const mk_symbol *s = &abi->params[i];
    snprintf(tp->name, sizeof tp->name, "%s", p->key);
    tp->index = i;
    tp->line = p->line;
    tp->col = p->col;
    tp->lo = s->lo;
    tp->hi = s->hi;
    return distribution(x, p, tp, s->unit, s->value, "parameter");
}

/* The scenario inputs a population may vary (population.inputs): each a factor on what the
 * scenarios write.  desk_load's plausible range is assumed: Sjogaard et al. 2010's spread of
 * trapezius activity in computer work (3.3 +- 1.9 %MVE, a log-normal geometric sd of 1.7)
 * puts 99 % of people within a factor 0.25 .. 4 of the median (+-2.6 SD). */
static const struct {
    const char *name;
    const char *event; /* the event type whose values it scales */
    mk_site_label label;
    double lo, hi;
} k_inputs[] = {
    {"desk_load", "desk_work", MK_L_LOAD_ACTIVATION, 0.25, 4},
};

static mk_status one_input(dx *x, const mk_ypair *p, mk_trial_param *tp)
{
    int n = (int)(sizeof k_inputs / sizeof k_inputs[0]), k = 0;
    while (k < n && strcmp(k_inputs[k].name, p->key)) k++;
    if (k == n) {
        const char *names[sizeof k_inputs / sizeof k_inputs[0]];
        for (int j = 0; j < n; j++) names[j] = k_inputs[j].name;
        const char *hint = mk_suggest(p->key, names, n);
        return mk_fail_at(x->err, MK_ERR_NAME, x->d->file, p->line, p->col,
                          "unknown scenario input '%s' (%s%s%sa population can vary: desk_load, a factor on every "
                          "desk_work event's load)", p->key, hint ? "did you mean '" : "", hint ? hint : "",
                          hint ? "'?; " : "");
    }
    mk_site site;
    mk_site_resolve(x->d->abi, &site);
    snprintf(tp->name, sizeof tp->name, "%s", p->key);
    tp->event = k_inputs[k].event;
    tp->index = mk_site_input(&site, k_inputs[k].label);
    tp->line = p->line;
    tp->col = p->col;
    tp->lo = k_inputs[k].lo;
    tp->hi = k_inputs[k].hi;
    if (tp->index < 0)
        return mk_fail_at(x->err, MK_ERR_NAME, x->d->file, p->line, p->col,
                          "'%s' scales the input labelled %s, which model '%s' lacks", p->key,
                          mk_site_label_name(k_inputs[k].label), x->d->abi->name);
    return distribution(x, p, tp, NULL, 1.0, "input factor");
}

static mk_status distribution(dx *x, const mk_ypair *p, mk_trial_param *tp, const char *sym_unit, double dflt,
                              const char *what)
{
    static const char *const dists[] = {"uniform", "normal", "lognormal", NULL};
    mk_status rc = keys(x, p->val, dists, "for a varied parameter (one of uniform, normal, lognormal)");
    if (rc) return rc;
    if (p->val->n != 1)
        return fail(x, p->val, MK_ERR_SYNTAX, "expected one distribution for '%s', found %d", p->key, p->val->n);
    const mk_ypair *dp = &p->val->pairs[0];
    tp->dist = !strcmp(dp->key, "uniform") ? MK_DIST_UNIFORM : !strcmp(dp->key, "normal") ? MK_DIST_NORMAL
                                                                                          : MK_DIST_LOGNORMAL;
    if (dp->val->kind != MK_Y_SEQ || dp->val->n != 2)
        return fail(x, dp->val, MK_ERR_SYNTAX, "expected two numbers for %s, e.g. [%s]", dp->key,
                    tp->dist == MK_DIST_UNIFORM ? "low, high" : tp->dist == MK_DIST_NORMAL ? "mean, sd" : "median, geometric sd");
    const char *unit = sym_unit && strcmp(sym_unit, "1") ? sym_unit : "";
    /* the spread of a log-normal is a factor, not a quantity */
    /* 'default': the model's own value, so that a design follows the model when it changes */
    const mk_ynode *c0n = dp->val->items[0];
    if (c0n->kind == MK_Y_SCALAR && !strcmp(c0n->text, "default") && tp->dist != MK_DIST_UNIFORM) tp->a = dflt;
    else if ((rc = number(x, c0n, unit, "a value of the parameter (or 'default')", &tp->a))) return rc;
    if ((rc = number(x, dp->val->items[1], tp->dist == MK_DIST_LOGNORMAL ? "" : unit, "a value", &tp->b))) return rc;
    const mk_ynode *at = dp->val->items[0];
    if (tp->dist == MK_DIST_UNIFORM && !(tp->a < tp->b))
        return fail(x, at, MK_ERR_INVALID, "expected low < high for uniform, found [%g, %g]", tp->a, tp->b);
    if (tp->dist == MK_DIST_NORMAL && !(tp->b > 0))
        return fail(x, dp->val->items[1], MK_ERR_INVALID, "expected a positive sd, found %g", tp->b);
    if (tp->dist == MK_DIST_LOGNORMAL && (!(tp->a > 0) || !(tp->b > 1)))
        return fail(x, at, MK_ERR_INVALID, "expected a positive median and a geometric sd above 1, found [%g, %g]",
                    tp->a, tp->b);
    /* the distribution's centre (a) or a uniform's ends (a and b) must lie in the plausible range */
    double c0 = tp->a, c1 = tp->dist == MK_DIST_UNIFORM ? tp->b : tp->a;
    if ((isfinite(tp->lo) && c0 < tp->lo) || (isfinite(tp->hi) && c1 > tp->hi))
        return fail(x, at, MK_ERR_INVALID,
                    "the distribution of '%s' reaches outside the %s's plausible range %g .. %g%s%s",
                    p->key, what, tp->lo, tp->hi, unit[0] ? " " : "", unit);
    return MK_OK;
}

/* population.sex: the share of women and, for men, factors on parameters (relative to women). */
static mk_status sex_covariate(dx *x, const mk_ynode *n)
{
    static const char *const k[] = {"women", "men_vs_women", "source", NULL};
    mk_trial_design *d = x->d;
    mk_status rc = keys(x, n, k, "in 'sex'");
    const mk_ynode *w = rc ? NULL : need(x, n, "women", "the share of women, 0 .. 1", &rc);
    if (w && !(rc = number(x, w, "", "the share of women, 0 .. 1", &d->women_share)) &&
        !(d->women_share >= 0 && d->women_share <= 1))
        rc = fail(x, w, MK_ERR_INVALID, "expected a share of women from 0 to 1, found %g", d->women_share);
    const mk_ynode *src = rc ? NULL : need(x, n, "source", "where the share and the effects come from", &rc);
    if (src) rc = text(x, src, d->sex_source, sizeof d->sex_source);
    const mk_ypair *fx = rc ? NULL : mk_yfind(n, "men_vs_women");
    if (fx && fx->val->kind != MK_Y_MAP)
        return fail(x, fx->val, MK_ERR_SYNTAX, "expected a mapping of parameter names to factors, found %s",
                    mk_ykind_name(fx->val));
    if (fx && fx->val->n > MK_TRIAL_MAX_PARAMS)
        return fail(x, fx->val, MK_ERR_INVALID, "at most %d sex effects", MK_TRIAL_MAX_PARAMS);
    for (int i = 0; !rc && fx && i < fx->val->n; i++) {
        const mk_ypair *e = &fx->val->pairs[i];
        double *f = &d->men_fx[i].factor;
        if (!(rc = param_index(x, e, &d->men_fx[i].index)) &&
            !(rc = number(x, e->val, "", "a factor (men's value / women's)", f)) && !(*f > 0))
            rc = fail(x, e->val, MK_ERR_INVALID, "expected a positive factor, found %g", *f);
        d->n_men_fx = i + 1;
    }
    d->has_sex = !rc;
    return rc;
}

static mk_status population(dx *x, const mk_ynode *pop)
{
    static const char *const k[] = {"phenotype", "parameters", "inputs", "sex", "accept", NULL};
    mk_status rc = keys(x, pop, k, "in 'population'");
    const mk_ynode *ph = rc ? NULL : need(x, pop, "phenotype", "a patient of data/patients.yaml, e.g. active_trp", &rc);
    if (ph && (rc = text(x, ph, x->d->phenotype, sizeof x->d->phenotype))) return rc;
    if (rc) return rc;
    const mk_ypair *pp = mk_yfind(pop, "parameters");
    if (pp) {
        if (pp->val->kind != MK_Y_MAP)
            return fail(x, pp->val, MK_ERR_SYNTAX, "expected a mapping of parameter names, found %s",
                        mk_ykind_name(pp->val));
        if (pp->val->n > MK_TRIAL_MAX_PARAMS)
            return fail(x, pp->val, MK_ERR_INVALID, "at most %d varied parameters", MK_TRIAL_MAX_PARAMS);
        for (int i = 0; !rc && i < pp->val->n; i++) rc = one_param(x, &pp->val->pairs[i], &x->d->params[i]);
        x->d->n_params = pp->val->n;
    }
    const mk_ypair *ip = rc ? NULL : mk_yfind(pop, "inputs");
    if (ip) {
        mk_trial_design *d = x->d;
        if (ip->val->kind != MK_Y_MAP)
            return fail(x, ip->val, MK_ERR_SYNTAX, "expected a mapping of scenario input names (desk_load), found %s",
                        mk_ykind_name(ip->val));
        if (d->n_params + ip->val->n > MK_TRIAL_MAX_PARAMS)
            return fail(x, ip->val, MK_ERR_INVALID, "at most %d varied parameters and inputs", MK_TRIAL_MAX_PARAMS);
        for (int i = 0; !rc && i < ip->val->n; i++) rc = one_input(x, &ip->val->pairs[i], &d->params[d->n_params + i]);
        d->n_inputs = ip->val->n;
        d->n_params += ip->val->n;
    }
    const mk_ypair *sp = rc ? NULL : mk_yfind(pop, "sex");
    if (sp && (rc = sex_covariate(x, sp->val))) return rc;
    const mk_ypair *ap = rc ? NULL : mk_yfind(pop, "accept");
    if (ap) {
        static const char *const ka[] = {"ppt", "pain", "source", NULL};
        if ((rc = keys(x, ap->val, ka, "in 'accept'"))) return rc;
        const mk_ypair *q;
        if ((q = mk_yfind(ap->val, "ppt")) && (rc = range(x, q->val, "kPa", "a pressure", &x->d->accept_ppt))) return rc;
        if ((q = mk_yfind(ap->val, "pain")) && (rc = range(x, q->val, "", "a pain rating 0-10", &x->d->accept_pain)))
            return rc;
        const mk_ynode *src = need(x, ap->val, "source", "where the accepted ranges come from", &rc);
        if (src) rc = text(x, src, x->d->accept_source, sizeof x->d->accept_source);
    }
    return rc;
}

/* ---------------------------------------------------------------- examiner, enrolment */

static mk_status examiner(dx *x, const mk_ynode *ex)
{
    static const char *const k[] = {"algometer_sem", "pain_sd", "palpation_kappa", "tender_below", "source", NULL};
    mk_status rc = keys(x, ex, k, "in 'examiner'");
    const mk_ynode *n;
    mk_trial_design *d = x->d;
    if (!rc && (n = need(x, ex, "algometer_sem", "the algometer's standard error, e.g. 20 kPa", &rc)))
        rc = number(x, n, "kPa", "a pressure", &d->ppt_sem_kpa);
    if (!rc && (n = need(x, ex, "pain_sd", "the noise of a pain rating, points 0-10", &rc)))
        rc = number(x, n, "points", "points of the 0-10 scale", &d->pain_sd);
    if (!rc && (n = need(x, ex, "palpation_kappa", "agreement between examiners, e.g. 0.45", &rc)))
        rc = number(x, n, "", "a kappa", &d->kappa);
    if (!rc && (d->kappa < 0 || d->kappa > 1)) rc = fail(x, n, MK_ERR_INVALID, "expected a kappa in 0 .. 1, found %g", d->kappa);
    if (!rc && (n = need(x, ex, "tender_below", "the PPT below which a spot is truly tender", &rc)))
        rc = number(x, n, "kPa", "a pressure", &d->tender_below_kpa);
    if (!rc) need(x, ex, "source", "where the examiner's numbers come from", &rc);
    if (!rc && (d->ppt_sem_kpa < 0 || d->pain_sd < 0))
        rc = fail(x, ex, MK_ERR_INVALID, "examiner errors must not be negative");
    return rc;
}

static mk_status enrolment(dx *x, const mk_ynode *en)
{
    static const char *const k[] = {"palpation", "pain", "ppt", NULL};
    mk_status rc = keys(x, en, k, "in 'enrolment'");
    const mk_ypair *q;
    if (!rc && (q = mk_yfind(en, "palpation"))) {
        if (q->val->kind != MK_Y_SCALAR || (strcmp(q->val->text, "positive") && strcmp(q->val->text, "any")))
            return fail(x, q->val, MK_ERR_SYNTAX, "expected 'positive' or 'any' for palpation, found '%s'",
                        q->val->kind == MK_Y_SCALAR ? q->val->text : mk_ykind_name(q->val));
        x->d->need_palpation = !strcmp(q->val->text, "positive");
    }
    if (!rc && (q = mk_yfind(en, "pain"))) rc = range(x, q->val, "", "a pain rating 0-10", &x->d->enrol_pain);
    if (!rc && (q = mk_yfind(en, "ppt"))) rc = range(x, q->val, "kPa", "a pressure", &x->d->enrol_ppt);
    return rc;
}

/* ---------------------------------------------------------------- arms, times, outcomes */

static int find_name(const char *name, const char *base, size_t stride, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(base + (size_t)i * stride, name)) return i;
    return -1;
}
#define FIND(arr, n, nm) find_name((nm), (arr)[0].name, sizeof((arr)[0]), (n))

static mk_status compile_arm(dx *x, mk_trial_arm *arm, const mk_ynode *at)
{
    mk_scenario *scn = NULL;
    mk_status rc = mk_scenario_load_file(arm->scenario, &scn, x->err);
    if (rc && x->err && !x->err->line) { /* a file that cannot be read: name the design's line */
        char msg[sizeof x->err->message];
        snprintf(msg, sizeof msg, "%s", x->err->message);
        return fail(x, at, rc, "cannot read the arm's scenario '%s': %s", arm->scenario, msg);
    }
    if (rc) return rc;
    const mk_model_abi *abi = x->d->model_ref ? x->d->abi : NULL; /* chosen: the scenario's model does not count */
    if (!abi && mk_scenario_model_is_file(scn)) {
        mk_scenario_free(scn);
        return fail(x, at, MK_ERR_INVALID, "the scenario '%s' names a model file; a trial runs built-in models only "
                    "(or the design's 'model:')", arm->scenario);
    }
    if (!abi && !(abi = mk_builtin_find(mk_scenario_model(scn))))
        rc = fail(x, at, MK_ERR_NAME, "no built-in model '%s'", mk_scenario_model(scn));
    else if (x->d->abi && abi != x->d->abi)
        rc = fail(x, at, MK_ERR_INVALID, "the arms run different models ('%s' and '%s')", x->d->abi->name, abi->name);
    if (!rc) {
        x->d->abi = abi;
        rc = mk_scenario_compile(scn, abi, x->u, x->anat, NULL, 0, 0, NULL, &arm->proto, x->err);
    }
    mk_scenario_free(scn);
    if (!rc && !arm->proto->history)
        rc = fail(x, at, MK_ERR_INVALID, "the scenario '%s' names no 'patient:'; an arm starts from the population's "
                  "phenotype", arm->scenario);
    return rc;
}

static mk_status arms(dx *x, const mk_ynode *seq)
{
    if (seq->kind != MK_Y_SEQ || seq->n < 2 || seq->n > MK_TRIAL_MAX_ARMS)
        return fail(x, seq, MK_ERR_SYNTAX, "expected a list of 2 to %d arms, found %s", MK_TRIAL_MAX_ARMS,
                    seq->kind == MK_Y_SEQ ? count_text(seq->n) : mk_ykind_name(seq));
    static const char *const k[] = {"name", "scenario", "expectation", "source", NULL};
    const char *slash = strrchr(x->d->file, '/');
    mk_status rc = MK_OK;
    for (int i = 0; !rc && i < seq->n; i++) {
        const mk_ynode *a = seq->items[i], *n;
        mk_trial_arm *arm = &x->d->arms[i];
        char rel[900] = "";
        if ((rc = keys(x, a, k, "for an arm"))) break;
        if ((n = need(x, a, "name", "the arm's name", &rc)) && !(rc = text(x, n, arm->name, sizeof arm->name)) &&
            FIND(x->d->arms, i, arm->name) >= 0)
            rc = fail(x, n, MK_ERR_NAME, "two arms named '%s'", arm->name);
        if (!rc && (n = need(x, a, "expectation", "the expectation (placebo) response on reported pain, points; "
                                                   "0 for none",
                             &rc)))
            rc = number(x, n, "points", "points of the 0-10 scale", &arm->expectation);
        if (!rc && (n = need(x, a, "source", "where the expectation response comes from, or 'assumed: why'", &rc)))
            rc = text(x, n, arm->expectation_source, sizeof arm->expectation_source);
        const mk_ynode *sn = rc ? NULL : need(x, a, "scenario", "the arm's scenario file", &rc);
        if (sn && !(rc = text(x, sn, rel, sizeof rel))) {
            if (rel[0] != '/' && slash)
                snprintf(arm->scenario, sizeof arm->scenario, "%.*s/%s", (int)(slash - x->d->file), x->d->file, rel);
            else
                snprintf(arm->scenario, sizeof arm->scenario, "%s", rel);
            rc = compile_arm(x, arm, sn);
        }
        x->d->n_arms = i + 1;
    }
    return rc;
}

static mk_status times(dx *x, const mk_ynode *seq)
{
    if (seq->kind != MK_Y_SEQ || seq->n < 2 || seq->n > MK_TRIAL_MAX_TIMES)
        return fail(x, seq, MK_ERR_SYNTAX, "expected a list of 2 to %d time points (the first is the baseline), "
                    "found %s", MK_TRIAL_MAX_TIMES, seq->kind == MK_Y_SEQ ? count_text(seq->n) : mk_ykind_name(seq));
    static const char *const k[] = {"name", "label", NULL};
    mk_status rc = MK_OK;
    for (int i = 0; !rc && i < seq->n; i++) {
        const mk_ynode *t = seq->items[i], *n;
        mk_trial_time *tt = &x->d->times[i];
        if ((rc = keys(x, t, k, "for a time point"))) break;
        if ((n = need(x, t, "name", "the time point's name", &rc)) && !(rc = text(x, n, tt->name, sizeof tt->name)) &&
            FIND(x->d->times, i, tt->name) >= 0)
            rc = fail(x, n, MK_ERR_NAME, "two time points named '%s'", tt->name);
        if (!rc && (n = need(x, t, "label", "the scenarios' measurement label", &rc)))
            rc = text(x, n, tt->label, sizeof tt->label);
        x->d->n_times = i + 1;
    }
    return rc;
}

/* The region of a referred-pain outcome ('region:'), as the scenarios name it ("temple_r";
 * "temple_right" is read as "temple_r", as in a scenario's measurement). */
static mk_status outcome_region(dx *x, const mk_ynode *n, mk_trial_outcome *to)
{
    char raw[64];
    mk_status rc = text(x, n, raw, sizeof raw);
    if (rc) return rc;
    mk_anatomy_region_id(raw, to->region, sizeof to->region);
    if (!strcmp(to->region, "local"))
        return fail(x, n, MK_ERR_INVALID, "region 'local' is the site's own pain: use 'measure: pain' for it, "
                    "'measure: referred_pain' names a body region, e.g. 'occiput_r'");
    if (mk_anatomy_has_region(x->anat, to->region)) return MK_OK;
    const char *hint = mk_anatomy_suggest(x->anat, to->region, 0);
    if (hint) return fail(x, n, MK_ERR_NAME, "unknown region '%s' (did you mean '%s'?)", raw, hint);
    return fail(x, n, MK_ERR_NAME, "unknown region '%s' (expected a region of data/anatomy/body_regions.csv with "
                "its side, e.g. 'occiput_r', or a midline one, e.g. 'vertex')", raw);
}

static mk_status outcomes(dx *x, const mk_ynode *seq)
{
    if (seq->kind != MK_Y_SEQ || seq->n < 1 || seq->n > MK_TRIAL_MAX_OUTCOMES)
        return fail(x, seq, MK_ERR_SYNTAX, "expected a list of 1 to %d outcomes, found %s", MK_TRIAL_MAX_OUTCOMES,
                    seq->kind == MK_Y_SEQ ? count_text(seq->n) : mk_ykind_name(seq));
    static const char *const k[] = {"name", "measure", "region", "mid", NULL};
    static const char *const kinds[] = {"ppt", "pain", "stiffness", "referred_pain", NULL};
    mk_status rc = MK_OK;
    for (int i = 0; !rc && i < seq->n; i++) {
        const mk_ynode *o = seq->items[i], *n;
        mk_trial_outcome *to = &x->d->outcomes[i];
        if ((rc = keys(x, o, k, "for an outcome"))) break;
        if ((n = need(x, o, "name", "the outcome's name", &rc)) && !(rc = text(x, n, to->name, sizeof to->name)) &&
            FIND(x->d->outcomes, i, to->name) >= 0)
            rc = fail(x, n, MK_ERR_NAME, "two outcomes named '%s'", to->name);
        if (!rc && (n = need(x, o, "measure", "ppt, pain, stiffness or referred_pain", &rc))) {
            int j = 0;
            while (kinds[j] && (n->kind != MK_Y_SCALAR || strcmp(kinds[j], n->text))) j++;
            if (!kinds[j])
                rc = fail(x, n, MK_ERR_NAME, "unknown outcome measure '%s' (expected ppt, pain, stiffness or "
                          "referred_pain)", n->kind == MK_Y_SCALAR ? n->text : mk_ykind_name(n));
            to->kind = (mk_outcome_kind)j;
        }
        const mk_ypair *rq = rc ? NULL : mk_yfind(o, "region");
        if (!rc && to->kind == MK_OUT_REFERRED) {
            if ((n = need(x, o, "region", "the body region whose referred pain is rated, e.g. 'occiput_r'", &rc)))
                rc = outcome_region(x, n, to);
        } else if (rq) {
            rc = fail(x, rq->val, MK_ERR_INVALID, "'region' belongs to 'measure: referred_pain' (pain in a body "
                      "region); a %s outcome has none", kinds[to->kind]);
        }
        int points = to->kind == MK_OUT_PAIN || to->kind == MK_OUT_REFERRED;
        if (!rc && (n = need(x, o, "mid", "the minimal important difference with its unit, e.g. '2 points' "
                                          "or '50 kPa'",
                             &rc))) {
            const char *unit = points ? "points" : "kPa";
            snprintf(to->unit, sizeof to->unit, "%s", points ? "0-10" : "kPa");
            /* a MID without a unit is ambiguous (kg/cm2 or kPa?): refused, also for pain */
            if (n->kind == MK_Y_SCALAR && points && !strstr(n->text, "point"))
                rc = fail(x, n, MK_ERR_UNIT, "expected the MID with its unit, e.g. '2 points', found '%s'", n->text);
            else rc = number(x, n, unit, "a minimal important difference", &to->mid);
            if (!rc && !(to->mid > 0)) rc = fail(x, n, MK_ERR_INVALID, "expected a positive MID, found %g", to->mid);
        }
        to->higher_better = to->kind == MK_OUT_PPT;
        x->d->n_outcomes = i + 1;
    }
    return rc;
}

/* Is measurement me of the kind outcome to reads?  Pain: spontaneous local pain; referred
 * pain: spontaneous pain in the outcome's region. */
static int of_kind(const mk_trial_outcome *to, const mk_measurement *me)
{
    static const mk_meas_kind kinds[] = {MK_MEAS_PPT, MK_MEAS_PAIN, MK_MEAS_STIFFNESS, MK_MEAS_PAIN};
    if (me->kind != kinds[to->kind]) return 0;
    if (me->kind != MK_MEAS_PAIN) return 1;
    return me->arg <= 0 && !strcmp(me->region, to->kind == MK_OUT_REFERRED ? to->region : "local");
}

static int label_is(const mk_measurement *me, const char *label)
{
    size_t n = strlen(label);
    return !strncmp(me->label, label, n) && (!me->label[n] || me->label[n] == ' ');
}

/* No measurement for a referred-pain outcome: say what the arm does rate, as a did-you-mean
 * (another region at the time's label, or the region under another label). */
static void referred_hint(const mk_trial_arm *arm, const mk_trial_outcome *to, const char *label, char *buf,
                          size_t size)
{
    const char *regions[64], *labels[64];
    int nr = 0, nl = 0;
    buf[0] = 0;
    for (int m = 0; m < arm->proto->n_meas; m++) {
        const mk_measurement *me = &arm->proto->meas[m];
        if (me->kind != MK_MEAS_PAIN || me->arg > 0 || !strcmp(me->region, "local")) continue;
        if (label_is(me, label) && nr < 64) regions[nr++] = me->region;
        if (!strcmp(me->region, to->region) && nl < 64) labels[nl++] = me->label;
    }
    const char *r = nr ? mk_suggest(to->region, regions, nr) : NULL;
    const char *l = nl ? mk_suggest(label, labels, nl) : NULL;
    if (r) snprintf(buf, size, "; did you mean region '%s'? It is rated there", r);
    else if (nr) snprintf(buf, size, "; at that label it rates pain in '%s'", regions[0]);
    else if (l) snprintf(buf, size, "; did you mean the label '%s'? It rates %s there", l, to->region);
    else if (nl) snprintf(buf, size, "; it rates %s under the label '%s'", to->region, labels[0]);
    else snprintf(buf, size, "; a referred-pain outcome reads '{event: measure, what: pain, region: %s, label: "
                  "%s}'", to->region, label);
}

/* Which of an arm's measurements is outcome o at time t: the kind (and for referred pain the
 * region) matches and the label is the time's label followed by nothing or by a space and
 * the default suffix. */
static mk_status bind(dx *x, const mk_ynode *at, mk_trial_arm *arm, int t, int o)
{
    const mk_trial_time *tt = &x->d->times[t];
    const mk_trial_outcome *to = &x->d->outcomes[o];
    int hit = -1;
    for (int m = 0; m < arm->proto->n_meas; m++) {
        const mk_measurement *me = &arm->proto->meas[m];
        if (!of_kind(to, me) || !label_is(me, tt->label)) continue;
        if (hit >= 0)
            return fail(x, at, MK_ERR_INVALID, "arm '%s': two %s measurements labelled '%s' in %s", arm->name,
                        to->name, tt->label, arm->scenario);
        hit = m;
    }
    if (hit < 0) {
        char hint[300] = "";
        if (to->kind == MK_OUT_PAIN) snprintf(hint, sizeof hint, "; pain is spontaneous local pain");
        if (to->kind == MK_OUT_REFERRED) referred_hint(arm, to, tt->label, hint, sizeof hint);
        return fail(x, at, MK_ERR_NAME, "arm '%s': the scenario %s has no %s measurement%s%s labelled '%s' (time "
                    "point '%s'%s)", arm->name, arm->scenario, to->name,
                    to->kind == MK_OUT_REFERRED ? " of spontaneous pain in " : "", to->region, tt->label, tt->name,
                    hint);
    }
    arm->meas[t][o] = hit;
    /* the baseline describes the patient before treatment: in a paired design the arms must
     * agree there, and acceptance and screening read it */
    const mk_measurement *me = &arm->proto->meas[hit];
    for (int k = 0; t == 0 && k < arm->proto->n_notes; k++) {
        const mk_annotation *an = &arm->proto->notes[k];
        if (!strcmp(an->kind, "therapy") && an->t0_s < me->t_s)
            return fail(x, at, MK_ERR_INVALID, "arm '%s': the baseline %s measurement (t = %g s) comes after the "
                        "treatment '%s' (t = %g s) in %s; the baseline must precede every treatment", arm->name,
                        to->name, me->t_s, an->label, an->t0_s, arm->scenario);
    }
    return MK_OK;
}

/* Where the model labels its own treatment expectation (spinal_expect), the arm reads it with
 * its pain outcome at every time point after the first, so that the arm's expectation input
 * is counted once (trial.c, assess; docs/trials.md, "Expectation"): a probe measurement of
 * that state is added to the compiled protocol right after each such pain measurement, at
 * the same time (the measurements stay in time order; a probe reads, it changes nothing). */
static mk_status expectation_probes(dx *x, mk_trial_arm *arm)
{
    const mk_trial_design *d = x->d;
    for (int t = 0; t < MK_TRIAL_MAX_TIMES; t++) arm->expect_meas[t] = -1;
    mk_site site;
    mk_site_resolve(d->abi, &site);
    const char *sym = mk_site_symbol(&site, MK_L_SPINAL_EXPECT);
    if (!sym || d->o_pain < 0 || d->n_times < 2) return MK_OK;
    mk_protocol *p = arm->proto;
    mk_measurement *m = mk_malloc((size_t)(p->n_meas + d->n_times) * sizeof *m);
    if (!m) return mk_fail(x->err, MK_ERR_NOMEM, "out of memory");
    int idx[MK_TRIAL_MAX_TIMES][MK_TRIAL_MAX_OUTCOMES], n = 0;
    memcpy(idx, arm->meas, sizeof idx); /* the slots no time and outcome use keep their values */
    for (int k = 0; k < p->n_meas; k++) {
        m[n] = p->meas[k];
        for (int t = 0; t < d->n_times; t++)
            for (int o = 0; o < d->n_outcomes; o++)
                if (arm->meas[t][o] == k) idx[t][o] = n;
        n++;
        for (int t = 1; t < d->n_times; t++) {
            if (arm->meas[t][d->o_pain] != k) continue;
            mk_measurement *pr = &m[n];
            *pr = p->meas[k];
            pr->kind = MK_MEAS_OUTPUT;
            snprintf(pr->label, sizeof pr->label, "treatment expectation");
            snprintf(pr->output, sizeof pr->output, "%s", sym);
            pr->region[0] = 0;
            pr->arg = pr->area_cm2 = 0;
            arm->expect_meas[t] = n++;
        }
    }
    memcpy(arm->meas, idx, sizeof idx);
    free(p->meas);
    p->meas = m;
    p->n_meas = n;
    return MK_OK;
}

static mk_status comparisons(dx *x, const mk_ynode *seq)
{
    if (seq->kind != MK_Y_SEQ || seq->n < 1 || seq->n > MK_TRIAL_MAX_CMP)
        return fail(x, seq, MK_ERR_SYNTAX, "expected a list of 1 to %d comparisons [arm, arm], found %s",
                    MK_TRIAL_MAX_CMP, seq->kind == MK_Y_SEQ ? count_text(seq->n) : mk_ykind_name(seq));
    for (int i = 0; i < seq->n; i++) {
        const mk_ynode *c = seq->items[i];
        if (c->kind != MK_Y_SEQ || c->n != 2)
            return fail(x, c, MK_ERR_SYNTAX, "expected a comparison [treated arm, control arm], found %s",
                        mk_ykind_name(c));
        for (int j = 0; j < 2; j++) {
            const mk_ynode *a = c->items[j];
            int k = a->kind == MK_Y_SCALAR ? FIND(x->d->arms, x->d->n_arms, a->text) : -1;
            if (k < 0) return fail(x, a, MK_ERR_NAME, "unknown arm '%s'", a->kind == MK_Y_SCALAR ? a->text : "");
            x->d->cmp[i][j] = k;
        }
        if (x->d->cmp[i][0] == x->d->cmp[i][1]) return fail(x, c, MK_ERR_INVALID, "an arm compared with itself");
    }
    x->d->n_cmp = seq->n;
    return MK_OK;
}

/* published: [{comparison: [a, b], outcome, time, md: [est, lo, hi], smd: [est, lo, hi], source}] */
static mk_status triple(dx *x, const mk_ynode *n, double *v)
{
    if (n->kind != MK_Y_SEQ || n->n != 3)
        return fail(x, n, MK_ERR_SYNTAX, "expected [estimate, low, high], found %s", mk_ykind_name(n));
    for (int i = 0; i < 3; i++) {
        const mk_ynode *it = n->items[i];
        if (it->kind == MK_Y_SCALAR && (!strcmp(it->text, "~") || !strcmp(it->text, "null"))) {
            v[i] = NAN;
            continue;
        }
        mk_status rc = number(x, it, "", "a number", &v[i]);
        if (rc) return rc;
    }
    return MK_OK;
}

static mk_status anchors(dx *x, const mk_ynode *seq)
{
    if (seq->kind != MK_Y_SEQ || seq->n > MK_TRIAL_MAX_ANCHORS)
        return fail(x, seq, MK_ERR_SYNTAX, "expected a list of at most %d published results", MK_TRIAL_MAX_ANCHORS);
    static const char *const k[] = {"comparison", "outcome", "time", "md", "smd", "source", NULL};
    mk_status rc = MK_OK;
    for (int i = 0; !rc && i < seq->n; i++) {
        const mk_ynode *a = seq->items[i], *n;
        mk_trial_anchor *an = &x->d->anchors[i];
        an->md = an->md_lo = an->md_hi = an->smd = an->smd_lo = an->smd_hi = NAN;
        if ((rc = keys(x, a, k, "for a published result"))) break;
        if ((n = need(x, a, "comparison", "[arm, arm] of 'comparisons'", &rc))) {
            an->cmp = -1;
            for (int c = 0; n->kind == MK_Y_SEQ && n->n == 2 && c < x->d->n_cmp; c++)
                if (n->items[0]->kind == MK_Y_SCALAR && n->items[1]->kind == MK_Y_SCALAR &&
                    !strcmp(x->d->arms[x->d->cmp[c][0]].name, n->items[0]->text) &&
                    !strcmp(x->d->arms[x->d->cmp[c][1]].name, n->items[1]->text))
                    an->cmp = c;
            if (an->cmp < 0) rc = fail(x, n, MK_ERR_NAME, "expected one of the design's comparisons [arm, arm]");
        }
        if (!rc && (n = need(x, a, "outcome", "an outcome's name", &rc)) &&
            (an->outcome = n->kind == MK_Y_SCALAR ? FIND(x->d->outcomes, x->d->n_outcomes, n->text) : -1) < 0)
            rc = fail(x, n, MK_ERR_NAME, "unknown outcome '%s'", n->kind == MK_Y_SCALAR ? n->text : "");
        if (!rc && (n = need(x, a, "time", "a time point's name", &rc)) &&
            (an->time = n->kind == MK_Y_SCALAR ? FIND(x->d->times, x->d->n_times, n->text) : -1) < 0)
            rc = fail(x, n, MK_ERR_NAME, "unknown time point '%s'", n->kind == MK_Y_SCALAR ? n->text : "");
        const mk_ypair *q;
        double v[3];
        if (!rc && (q = mk_yfind(a, "md")) && !(rc = triple(x, q->val, v)))
            an->md = v[0], an->md_lo = v[1], an->md_hi = v[2];
        if (!rc && (q = mk_yfind(a, "smd")) && !(rc = triple(x, q->val, v)))
            an->smd = v[0], an->smd_lo = v[1], an->smd_hi = v[2];
        if (!rc && (n = need(x, a, "source", "the publication", &rc))) rc = text(x, n, an->source, sizeof an->source);
        x->d->n_anchors = i + 1;
    }
    return rc;
}

/* ---------------------------------------------------------------- the model */

/* The model every arm runs, chosen by the design's 'model:' (at: a built-in name, or a .myo
 * file relative to the design's folder) or by the caller (override, as given): opened and, a
 * file, compiled here, before any arm is compiled against it. */
static mk_status choose_model(dx *x, const mk_ynode *at, const char *override)
{
    char name[1024];
    mk_trial_design *d = x->d;
    if (at) {
        if (at->kind != MK_Y_SCALAR || !at->text[0])
            return fail(x, at, MK_ERR_SYNTAX, "expected a built-in model name or a .myo file for 'model', found %s",
                        mk_ykind_name(at));
        const char *v = at->text, *slash = strrchr(d->file, '/');
        int k = mk_model_names_file(v) && v[0] != '/' && slash
                    ? snprintf(name, sizeof name, "%.*s/%s", (int)(slash - d->file), d->file, v)
                    : snprintf(name, sizeof name, "%s", v);
        if (k < 0 || (size_t)k >= sizeof name)
            return fail(x, at, MK_ERR_INVALID, "the model path is too long (at most %zu characters)", sizeof name - 1);
    } else if (snprintf(name, sizeof name, "%s", override) >= (int)sizeof name) {
        return mk_fail(x->err, MK_ERR_INVALID, "the model path is too long");
    }
    /* mk_model_open names an unknown model (did you mean, the built-in list) */
    mk_status rc = mk_model_open(name, 1, &d->model_ref, x->err);
    if (rc && !at && rc == MK_ERR_NAME) return mk_error_from(x->err, MK_ORIGIN_ARGUMENT, rc);
    if (rc && at && x->err && !x->err->line) { /* name the design's line */
        char why[sizeof x->err->message];
        snprintf(why, sizeof why, "%s", x->err->message);
        return rc == MK_ERR_NAME ? fail(x, at, rc, "%s", why) : fail(x, at, rc, "cannot open the model '%s': %s", name, why);
    }
    if (rc) return rc;
    d->abi = mk_model_ref_abi(d->model_ref);
    d->model_from = at ? 1 : 2;
    return MK_OK;
}

/* ---------------------------------------------------------------- the solver */

/* solver: {rtol: X}: the relative tolerance the patients are integrated at (docs/trials.md,
 * "Solver tolerance"); the absolute tolerance stays the solver's (1e-9 in each state's unit). */
static mk_status solver(dx *x, const mk_ynode *sv)
{
    static const char *const k[] = {"rtol", NULL};
    mk_status rc = keys(x, sv, k, "in 'solver'");
    const mk_ynode *n;
    if (!rc && (n = need(x, sv, "rtol", "the solver's relative tolerance, e.g. 1e-4", &rc))) {
        rc = number(x, n, "", "a relative tolerance", &x->d->rtol);
        if (!rc && !(x->d->rtol >= MK_TRIAL_RTOL_MIN && x->d->rtol <= MK_TRIAL_RTOL_MAX))
            rc = fail(x, n, MK_ERR_INVALID, "expected a relative tolerance in %g .. %g, found '%s'", MK_TRIAL_RTOL_MIN,
                      MK_TRIAL_RTOL_MAX, n->text);
    }
    return rc;
}

/* ---------------------------------------------------------------- the whole */

static mk_status top(dx *x, const mk_ynode *root, const char *override)
{
    static const char *const k[] = {"name", "description", "source", "model", "patients", "design", "population",
                                    "examiner", "enrolment", "arms", "times", "outcomes", "comparisons", "published",
                                    "solver", NULL};
    mk_trial_design *d = x->d;
    mk_status rc = keys(x, root, k, "at the top level of a trial design");
    const mk_ynode *n;
    const mk_ypair *q;
    if (!rc && (n = need(x, root, "name", "the trial's name", &rc))) rc = text(x, n, d->name, sizeof d->name);
    if (!rc && (q = mk_yfind(root, "description"))) rc = text(x, q->val, d->description, sizeof d->description);
    d->default_patients = 40;
    if (!rc && (q = mk_yfind(root, "patients"))) {
        double v;
        if (!(rc = number(x, q->val, "", "a number of patients", &v)) && (v < 1 || v > 1e7 || v != floor(v)))
            rc = fail(x, q->val, MK_ERR_INVALID, "expected a whole number of patients from 1, found '%s'", q->val->text);
        d->default_patients = (int)v;
    }
    if (!rc && (q = mk_yfind(root, "solver"))) rc = solver(x, q->val);
    if (!rc && (n = need(x, root, "design", "paired (each patient cloned into every arm) or randomised", &rc))) {
        if (n->kind != MK_Y_SCALAR || (strcmp(n->text, "paired") && strcmp(n->text, "randomised")))
            rc = fail(x, n, MK_ERR_SYNTAX, "expected 'paired' or 'randomised', found '%s'",
                      n->kind == MK_Y_SCALAR ? n->text : mk_ykind_name(n));
        else d->paired = !strcmp(n->text, "paired");
    }
    /* the model, then the arms: they fix the model the population's parameters belong to */
    if (!rc && (override || (q = mk_yfind(root, "model")))) rc = choose_model(x, override ? NULL : q->val, override);
    if (!rc && (n = need(x, root, "arms", "the arms", &rc))) rc = arms(x, n);
    if (!rc && (n = need(x, root, "population", "the phenotype and its varied parameters", &rc))) rc = population(x, n);
    if (!rc && (n = need(x, root, "examiner", "the examiner's errors", &rc))) rc = examiner(x, n);
    if (!rc && (q = mk_yfind(root, "enrolment"))) rc = enrolment(x, q->val);
    if (!rc && (n = need(x, root, "times", "the named time points", &rc))) rc = times(x, n);
    if (!rc && (n = need(x, root, "outcomes", "the outcomes", &rc))) rc = outcomes(x, n);
    d->o_ppt = d->o_pain = -1;
    for (int o = 0; !rc && o < d->n_outcomes; o++) {
        if (d->outcomes[o].kind == MK_OUT_PPT && d->o_ppt < 0) d->o_ppt = o;
        if (d->outcomes[o].kind == MK_OUT_PAIN && d->o_pain < 0) d->o_pain = o;
    }
    /* acceptance and screening read the baseline PPT and pain outcomes */
    if (!rc && d->o_ppt < 0 && (d->accept_ppt.set || d->enrol_ppt.set || d->need_palpation))
        rc = fail(x, mk_yfind(root, "outcomes")->val, MK_ERR_INVALID,
                  "the acceptance or enrolment rule uses PPT (or palpation): the outcomes need a 'measure: ppt'");
    if (!rc && d->o_pain < 0 && (d->accept_pain.set || d->enrol_pain.set))
        rc = fail(x, mk_yfind(root, "outcomes")->val, MK_ERR_INVALID,
                  "the acceptance or enrolment rule uses pain: the outcomes need a 'measure: pain'");
    const mk_ynode *times_node = rc ? NULL : mk_yfind(root, "times")->val;
    for (int a = 0; !rc && a < d->n_arms; a++)
        for (int t = 0; !rc && t < d->n_times; t++)
            for (int o = 0; !rc && o < d->n_outcomes; o++) rc = bind(x, times_node->items[t], &d->arms[a], t, o);
    for (int a = 0; !rc && a < d->n_arms; a++) rc = expectation_probes(x, &d->arms[a]);
    if (!rc && (n = need(x, root, "comparisons", "[arm, arm] pairs", &rc))) rc = comparisons(x, n);
    if (!rc && (q = mk_yfind(root, "published"))) rc = anchors(x, q->val);
    return rc;
}

/* Every arm starts from the same phenotype: the one the population names. */
static mk_status same_patient(dx *x, const mk_ynode *root)
{
    const mk_trial_design *d = x->d;
    char want[128];
    snprintf(want, sizeof want, "patient %s ", d->phenotype);
    for (int a = 0; a < d->n_arms; a++)
        if (strncmp(d->arms[a].proto->start, want, strlen(want)))
            return fail(x, mk_yfind(mk_yfind(root, "population")->val, "phenotype")->val, MK_ERR_INVALID,
                        "arm '%s' starts from '%s', not from the population's phenotype '%s'", d->arms[a].name,
                        d->arms[a].proto->start, d->phenotype);
    return MK_OK;
}

mk_status mk_trial_load(const char *path, mk_trial_design **out, mk_error *err)
{
    return mk_trial_load_model(path, NULL, out, err);
}

mk_status mk_trial_load_model(const char *path, const char *model, mk_trial_design **out, mk_error *err)
{
    *out = NULL;
    static const mk_text_kind kind = {.what = "a trial design", .max_len = 1 << 20};
    char *txt = NULL;
    mk_ynode *root = NULL;
    mk_status rc = mk_read_text_file(path, &kind, &txt, NULL, err);
    if (rc) return rc;
    mk_trial_design *d = mk_calloc(1, sizeof *d);
    if (!d) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
    else if (strlen(path) >= sizeof d->file) rc = mk_fail(err, MK_ERR_INVALID, "design path too long");
    if (!rc) rc = mk_units_new(&d->units, err);
    if (!rc) rc = mk_anatomy_load(&d->anat, err);
    if (!rc) {
        snprintf(d->file, sizeof d->file, "%s", path);
        rc = mk_yparse(path, txt, &k_design_format, &root, err);
    }
    dx x = {d, d ? d->units : NULL, d ? d->anat : NULL, err};
    if (!rc) rc = top(&x, root, model);
    if (!rc) rc = same_patient(&x, root);
    if (!rc) d->history = d->arms[0].proto->history;
    mk_yfree(root);
    free(txt);
    if (rc) mk_trial_free(d);
    else *out = d;
    return rc;
}

void mk_trial_free(mk_trial_design *d)
{
    if (!d) return;
    for (int a = 0; a < MK_TRIAL_MAX_ARMS; a++) mk_protocol_free(d->arms[a].proto);
    mk_anatomy_free(d->anat);
    mk_units_free(d->units);
    mk_model_ref_free(d->model_ref);
    free(d);
}

const char *mk_trial_name(const mk_trial_design *d) { return d->name; }

const char *mk_trial_model(const mk_trial_design *d, const char **hash, const char **chosen_by)
{
    static const char *const k_by[] = {"the arms' scenarios", "the design", "the caller"};
    if (hash) *hash = d->abi->hash ? d->abi->hash : "";
    if (chosen_by) *chosen_by = k_by[d->model_from];
    return d->abi->name;
}
int mk_trial_default_patients(const mk_trial_design *d) { return d->default_patients; }
