/*
 * validate.c -- validation targets (docs/validation.md): a YAML file per published
 * observation, loaded into a positioned tree, checked, run against a model and compared.
 *
 * An inline scenario (a mapping under `scenario:`) is handed to the scenario loader as the
 * validation file's own text with everything before the mapping blanked out (newlines kept)
 * and everything after it cut off, so the scenario loader's messages name the line and
 * column in the validation file itself.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/limits.h"
#include "core/text.h"
#include "io/ytree.h"
#include "protocol/scenario.h"
#include "protocol/simulate.h"
#include "validate/validate.h"

enum { MAX_TEXT = MK_MAX_VALIDATION_BYTES, MAX_SCEN = MK_MAX_VALIDATION_SCENARIOS };

static mk_status nomem(mk_error *err) { return mk_fail(err, MK_ERR_NOMEM, "out of memory"); }

/* ---------------------------------------------------------------- the tree */

static const mk_yformat k_format = {
    .max_depth = MK_MAX_VALIDATION_DEPTH,
    .alias_msg = "YAML aliases are not supported in validation files: write the value out",
    .dup_key_msg = "key '%s' given twice (first at line %d)",
    .bad_key_msg = "expected a key (a plain word), found %s",
    .empty_msg = "the validation file is empty: expected a mapping with name, quantity, source, "
                 "published, scenario, extract, tolerance, why and compare",
    .top_msg = "expected a mapping of keys (name, quantity, source, ...) at the top level, found %s",
    .unknown_key_code = MK_ERR_SYNTAX,
    .list_allowed_keys = 0,
};

/* ---------------------------------------------------------------- the target */

typedef enum ex_kind { EX_SERIES, EX_MEAS, EX_DIFF, EX_RATIO, EX_CHANGE, EX_ORDER } ex_kind;

typedef struct ex ex;
struct ex {
    ex_kind kind;
    int line, col;
    int scen;              /* index into the target's scenarios */
    char label[48];        /* display label (ordinal items) */
    char variable[128];    /* series */
    char stat[24];
    const mk_ynode *window, *at, *threshold, *period; /* converted at run time */
    char when_var[128];    /* stat 'at' with 'when': the first crossing of another variable */
    int when_dir;          /* +1 above, -1 below */
    const mk_ynode *when_level;
    double w0, w1, arg, period_s;
    char meas[64];         /* measurement label */
    ex *ops[MK_V_MAX_ITEMS];
    int n_ops;
    int direction;         /* order: +1 increasing, -1 decreasing */
};

typedef struct v_scen {
    char *path;            /* a file; NULL when inline */
    char *text;            /* inline: the blanked text */
    int line, col;
    mk_scenario *scn;
} v_scen;

struct mk_vtarget {
    char *file;
    char *text;
    mk_ynode *root;
    char name[96], quantity[256], source[512], why[1024], compare[16];
    char role[16], role_why[512];
    char xf_reason[1024];        /* expected_failure: the reason ("" if none) */
    const mk_ynode *xf_values;   /* model name -> recorded value (number, or list for ordinal) */
    double xf_drift;
    double pub_value, pub_unc, pub_lo, pub_hi;
    char pub_text[160];    /* ordinal: the published relation as text */
    char unit[32];
    const mk_ynode *unit_node;
    char tol_kind[12];     /* abs, rel, range, min_step, "" */
    double tol_a, tol_b;
    v_scen scen[MAX_SCEN];
    int n_scen;
    ex *root_ex;
    int units_checked;
};

static mk_status at(const mk_vtarget *t, const mk_ynode *n, mk_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static mk_status at(const mk_vtarget *t, const mk_ynode *n, mk_error *err, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mk_fail_at(err, MK_ERR_SYNTAX, t->file, n ? n->line : 0, n ? n->col : 0, "%s", msg);
}

static mk_status check_keys(const mk_vtarget *t, const mk_ynode *map, const char *const *allowed, const char *where,
                            mk_error *err)
{
    return mk_ycheck_keys(t->file, &k_format, map, allowed, where, err);
}

static mk_status want_map(const mk_vtarget *t, const mk_ynode *n, const char *what, mk_error *err)
{
    if (n->kind == MK_Y_MAP) return MK_OK;
    return at(t, n, err, "expected a mapping for %s, found %s", what, mk_ykind_name(n));
}

/* A required text field (scalar) copied into buf. */
static mk_status text_field(const mk_vtarget *t, const mk_ynode *map, const char *key, char *buf, size_t size, int required,
                            mk_error *err)
{
    const mk_ypair *p = mk_yfind(map, key);
    buf[0] = 0;
    if (!p) {
        if (!required) return MK_OK;
        return at(t, map, err, "missing key '%s'%s", key, map == t->root ? " at the top level" : "");
    }
    if (p->val->kind != MK_Y_SCALAR || !p->val->text[0])
        return at(t, p->val, err, "expected text for '%s', found %s", key,
                  p->val->kind == MK_Y_SCALAR ? "nothing" : mk_ykind_name(p->val));
    if (strlen(p->val->text) >= size) return at(t, p->val, err, "'%s' is too long (at most %zu characters)", key, size - 1);
    snprintf(buf, size, "%s", p->val->text);
    return MK_OK;
}

static mk_status number(const mk_vtarget *t, const mk_ynode *n, const char *what, double *out, mk_error *err)
{
    if (n->kind != MK_Y_SCALAR) return at(t, n, err, "expected a number for %s, found %s", what, mk_ykind_name(n));
    char *end;
    errno = 0;
    double v = strtod(n->text, &end);
    while (*end == ' ') end++;
    if (end == n->text || *end || !isfinite(v) || errno == ERANGE)
        return at(t, n, err, "expected a finite number for %s, found '%s'", what, n->text);
    *out = v;
    return MK_OK;
}

static mk_status pair_of_numbers(const mk_vtarget *t, const mk_ynode *n, const char *what, double *a, double *b, mk_error *err)
{
    if (n->kind != MK_Y_SEQ || n->n != 2)
        return at(t, n, err, "expected two numbers [low, high] for %s, found %s", what,
                  n->kind == MK_Y_SEQ ? "a list of another length" : mk_ykind_name(n));
    mk_status rc = number(t, n->items[0], what, a, err);
    if (!rc) rc = number(t, n->items[1], what, b, err);
    if (!rc && !(*a <= *b)) rc = at(t, n, err, "%s: the low end %g is above the high end %g", what, *a, *b);
    return rc;
}

/* ---------------------------------------------------------------- scenarios */

/* stat, not open: opening a FIFO would wait for a writer.  What it is, the scenario loader
 * checks (a regular file, within the size limit). */
static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Add the scenario written at node n (a path or an inline mapping); *index receives it. */
static mk_status add_scenario(mk_vtarget *t, const mk_ynode *n, int *index, mk_error *err)
{
    for (int i = 0; i < t->n_scen; i++)
        if (t->scen[i].line == n->line && t->scen[i].col == n->col) {
            *index = i;
            return MK_OK;
        }
    if (t->n_scen == MAX_SCEN) return at(t, n, err, "too many scenarios in one target (at most %d)", MAX_SCEN);
    v_scen *s = &t->scen[t->n_scen];
    memset(s, 0, sizeof *s);
    s->line = n->line;
    s->col = n->col;
    mk_status rc = MK_OK;
    if (n->kind == MK_Y_SCALAR) {
        if (!n->text[0]) return at(t, n, err, "expected a scenario file or an inline scenario mapping, found nothing");
        const char *slash = strrchr(t->file, '/');
        size_t len = strlen(n->text) + strlen(t->file) + 2;
        s->path = mk_malloc(len);
        if (!s->path) return nomem(err);
        if (n->text[0] != '/' && slash) snprintf(s->path, len, "%.*s/%s", (int)(slash - t->file), t->file, n->text);
        else snprintf(s->path, len, "%s", n->text);
        if (!file_exists(s->path)) {
            rc = at(t, n, err, "scenario file '%s' not found (looked for %s; paths are relative to the validation "
                               "file's directory)", n->text, s->path);
            free(s->path);
            s->path = NULL;
            return rc;
        }
        rc = mk_scenario_load_file(s->path, &s->scn, err);
    } else if (n->kind == MK_Y_MAP) {
        size_t len = n->end < strlen(t->text) ? n->end : strlen(t->text);
        s->text = mk_malloc(len + 1);
        if (!s->text) return nomem(err);
        size_t o = 0;
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)t->text[i];
            if (i >= n->start) s->text[o++] = (char)c;
            else if (c == '\n') s->text[o++] = '\n';
            else if ((c & 0xC0) != 0x80) s->text[o++] = ' '; /* one space per character */
        }
        s->text[o] = 0;
        rc = mk_scenario_load_string(t->file, s->text, &s->scn, err);
    } else {
        return at(t, n, err, "expected a scenario file or an inline scenario mapping, found a list");
    }
    if (rc) {
        free(s->path);
        free(s->text);
        memset(s, 0, sizeof *s);
        return rc;
    }
    *index = t->n_scen++;
    return MK_OK;
}

/* ---------------------------------------------------------------- extraction specs */

static const char *const k_stats[] = {"max", "min", "mean", "first", "final", "at", "time_of_max", "time_of_min",
                                      "half_life", "tau", "tau_fit", "gated_tau", "first_above", "first_below", NULL};
static const char *const k_kinds[] = {"series", "measurement", "difference", "ratio", "change", "order", NULL};

int mk_vstat_known(const char *stat)
{
    for (int i = 0; k_stats[i]; i++)
        if (!strcmp(k_stats[i], stat)) return 1;
    return 0;
}

int mk_vstat_is_time(const char *stat)
{
    return !strcmp(stat, "time_of_max") || !strcmp(stat, "time_of_min") || !strcmp(stat, "half_life") ||
           !strcmp(stat, "tau") || !strcmp(stat, "tau_fit") || !strcmp(stat, "gated_tau") || !strcmp(stat, "first_above") ||
           !strcmp(stat, "first_below");
}

static void ex_free(ex *e)
{
    if (!e) return;
    for (int i = 0; i < e->n_ops; i++) ex_free(e->ops[i]);
    free(e);
}

static mk_status parse_ex(mk_vtarget *t, const mk_ynode *n, int scen, int depth, ex **out, mk_error *err);

/* The extraction's kind (an index into k_kinds), with a did-you-mean for an unknown one. */
static mk_status parse_kind(mk_vtarget *t, const mk_ynode *n, int *k, mk_error *err)
{
    const mk_ypair *kp = mk_yfind(n, "kind");
    if (!kp) return at(t, n, err, "missing key 'kind' in an extraction (series, measurement, difference, ratio, change or order)");
    if (kp->val->kind != MK_Y_SCALAR) return at(t, kp->val, err, "expected an extraction kind, found %s", mk_ykind_name(kp->val));
    *k = -1;
    for (int i = 0; k_kinds[i]; i++)
        if (!strcmp(k_kinds[i], kp->val->text)) *k = i;
    if (*k >= 0) return MK_OK;
    const char *s = mk_suggest(kp->val->text, k_kinds, -1);
    char hint[64] = "";
    if (s) snprintf(hint, sizeof hint, " (did you mean '%s'?)", s);
    return at(t, kp->val, err, "unknown extraction kind '%s'%s; expected series, measurement, difference, ratio, change or order",
              kp->val->text, hint);
}

/* 'when: {variable: NAME, above|below: VALUE}' of a series' statistic 'at'. */
static mk_status parse_when(mk_vtarget *t, const mk_ypair *wh, ex *e, mk_error *err)
{
    static const char *const wkeys[] = {"variable", "above", "below", NULL};
    mk_status rc = want_map(t, wh->val, "'when' ({variable: NAME, below: VALUE})", err);
    if (!rc) rc = check_keys(t, wh->val, wkeys, "in 'when'", err);
    if (!rc) rc = text_field(t, wh->val, "variable", e->when_var, sizeof e->when_var, 1, err);
    if (rc) return rc;
    const mk_ypair *ab = mk_yfind(wh->val, "above"), *be = mk_yfind(wh->val, "below");
    if ((!ab) == (!be)) return at(t, wh->val, err, "'when' needs exactly one of 'above' or 'below'");
    e->when_dir = ab ? 1 : -1;
    e->when_level = (ab ? ab : be)->val;
    if (e->when_level->kind != MK_Y_SCALAR) return at(t, e->when_level, err, "expected a value, found %s", mk_ykind_name(e->when_level));
    return MK_OK;
}

/* gated_tau's keys: the window of the analysed contractions, 'at' (the resting reference time)
 * and 'period' (the interval between contraction onsets), all three required. */
static mk_status parse_gated(mk_vtarget *t, const mk_ynode *n, const mk_ypair *w, const mk_ypair *a, const mk_ypair *pe,
                             ex *e, mk_error *err)
{
    if (!w || !a || !pe)
        return at(t, n, err, "statistic 'gated_tau' needs 'window: [first onset, end]', 'at: REST TIME' and 'period: INTERVAL' "
                             "(e.g. window: [3.5 min, 8.5 min], at: 59 s, period: 30 s)");
    if (pe->val->kind != MK_Y_SCALAR) return at(t, pe->val, err, "expected a time for 'period', found %s", mk_ykind_name(pe->val));
    e->period = pe->val;
    return MK_OK;
}

/* A series extraction's keys: variable, stat, window, at or when, threshold (period for gated_tau). */
static mk_status parse_series(mk_vtarget *t, const mk_ynode *n, ex *e, mk_error *err)
{
    mk_status rc = text_field(t, n, "variable", e->variable, sizeof e->variable, 1, err);
    if (!rc) rc = text_field(t, n, "stat", e->stat, sizeof e->stat, 1, err);
    if (rc) return rc;
    if (!mk_vstat_known(e->stat)) {
        const mk_ypair *p = mk_yfind(n, "stat");
        const char *s = mk_suggest(e->stat, k_stats, -1);
        char hint[64] = "";
        if (s) snprintf(hint, sizeof hint, " (did you mean '%s'?)", s);
        return at(t, p->val, err, "unknown statistic '%s'%s; expected one of max, min, mean, first, final, at, "
                                  "time_of_max, time_of_min, half_life, tau, tau_fit, gated_tau, first_above, first_below", e->stat, hint);
    }
    const mk_ypair *w = mk_yfind(n, "window"), *a = mk_yfind(n, "at"), *th = mk_yfind(n, "threshold"),
                   *wh = mk_yfind(n, "when"), *pe = mk_yfind(n, "period");
    int is_at = !strcmp(e->stat, "at"), is_gated = !strcmp(e->stat, "gated_tau");
    if (is_gated && (rc = parse_gated(t, n, w, a, pe, e, err))) return rc;
    if (pe && !is_gated) return at(t, pe->val, err, "'period' belongs to the statistic gated_tau, not '%s'", e->stat);
    if (w) {
        if (w->val->kind != MK_Y_SEQ || w->val->n != 2)
            return at(t, w->val, err, "expected a window [from, to] of two times (e.g. [5 min, 10 min]), found %s",
                      w->val->kind == MK_Y_SEQ ? "a list of another length" : mk_ykind_name(w->val));
        e->window = w->val;
    }
    if (wh && a) return at(t, wh->val, err, "give either 'at' or 'when', not both");
    if (wh && !is_at) return at(t, wh->val, err, "'when' belongs to the statistic 'at', not '%s'", e->stat);
    if (wh && (rc = parse_when(t, wh, e, err))) return rc;
    if (is_at && !a && !wh) return at(t, n, err, "statistic 'at' needs 'at: TIME' (e.g. 'at: 5 min') or 'when: {variable: NAME, below: VALUE}'");
    if (a && !is_at && !is_gated) return at(t, a->val, err, "'at' belongs to the statistics 'at' and gated_tau, not '%s'", e->stat);
    if (a) e->at = a->val;
    int needs_th = !strcmp(e->stat, "first_above") || !strcmp(e->stat, "first_below");
    if (needs_th && !th) return at(t, n, err, "statistic '%s' needs 'threshold: VALUE'", e->stat);
    if (th && !needs_th) return at(t, th->val, err, "'threshold' belongs to first_above or first_below, not '%s'", e->stat);
    if (th) {
        e->threshold = th->val;
        if (th->val->kind != MK_Y_SCALAR) return at(t, th->val, err, "expected a value for 'threshold', found %s", mk_ykind_name(th->val));
    }
    return MK_OK;
}

/* A measurement extraction: its label and display name. */
static mk_status parse_meas(mk_vtarget *t, const mk_ynode *n, ex *e, mk_error *err)
{
    mk_status rc = text_field(t, n, "label", e->meas, sizeof e->meas, 1, err);
    snprintf(e->label, sizeof e->label, "%.47s", e->meas);
    char nm[48];
    if (!rc) rc = text_field(t, n, "name", nm, sizeof nm, 0, err);
    if (!rc && nm[0]) snprintf(e->label, sizeof e->label, "%s", nm);
    return rc;
}

/* difference/ratio/change (of: [A, B]) or order (items: [...], direction). */
static mk_status parse_ops(mk_vtarget *t, const mk_ynode *n, ex *e, int k, int scen, int depth, mk_error *err)
{
    const char *key = e->kind == EX_ORDER ? "items" : "of";
    const mk_ypair *p = mk_yfind(n, key);
    if (!p) return at(t, n, err, "missing key '%s' in a '%s' extraction", key, k_kinds[k]);
    if (p->val->kind != MK_Y_SEQ) return at(t, p->val, err, "expected a list of extractions for '%s', found %s", key, mk_ykind_name(p->val));
    if (e->kind != EX_ORDER && p->val->n != 2)
        return at(t, p->val, err, "'%s' takes exactly two extractions [A, B], found %d", k_kinds[k], p->val->n);
    if (e->kind == EX_ORDER && (p->val->n < 2 || p->val->n > MK_V_MAX_ITEMS))
        return at(t, p->val, err, "'order' takes 2 to %d items, found %d", MK_V_MAX_ITEMS, p->val->n);
    for (int i = 0; i < p->val->n; i++) {
        mk_status rc = parse_ex(t, p->val->items[i], scen, depth + 1, &e->ops[i], err);
        if (rc) return rc;
        e->n_ops++;
    }
    if (e->kind != EX_ORDER) return MK_OK;
    const mk_ypair *d = mk_yfind(n, "direction");
    if (!d) return at(t, n, err, "missing key 'direction' (increasing or decreasing) in an 'order' extraction");
    if (d->val->kind == MK_Y_SCALAR && !strcmp(d->val->text, "increasing")) e->direction = 1;
    else if (d->val->kind == MK_Y_SCALAR && !strcmp(d->val->text, "decreasing")) e->direction = -1;
    else return at(t, d->val, err, "expected 'increasing' or 'decreasing' for 'direction', found '%s'",
                   d->val->kind == MK_Y_SCALAR ? d->val->text : mk_ykind_name(d->val));
    return MK_OK;
}

static mk_status parse_ex(mk_vtarget *t, const mk_ynode *n, int scen, int depth, ex **out, mk_error *err)
{
    *out = NULL;
    if (depth > 6) return at(t, n, err, "extractions nested too deeply (at most 6 levels)");
    mk_status rc = want_map(t, n, "an extraction ({kind: series, ...})", err);
    int k;
    if (rc || (rc = parse_kind(t, n, &k, err))) return rc;
    ex *e = mk_calloc(1, sizeof *e);
    if (!e) return nomem(err);
    e->kind = (ex_kind)k;
    e->line = n->line;
    e->col = n->col;
    e->w0 = e->w1 = e->arg = NAN;
    const mk_ypair *sp = mk_yfind(n, "scenario");
    if (sp) rc = add_scenario(t, sp->val, &scen, err);
    e->scen = scen;
    static const char *const keys_series[] = {"kind", "variable", "stat", "window", "at", "when", "threshold", "period", "scenario", "label", NULL};
    static const char *const keys_meas[] = {"kind", "label", "scenario", "name", NULL};
    static const char *const keys_op[] = {"kind", "of", "scenario", "label", NULL};
    static const char *const keys_order[] = {"kind", "items", "direction", "scenario", "label", NULL};
    char where[64];
    snprintf(where, sizeof where, "in a '%s' extraction", k_kinds[k]);
    if (!rc) rc = check_keys(t, n, e->kind == EX_SERIES ? keys_series : e->kind == EX_MEAS ? keys_meas
                                   : e->kind == EX_ORDER ? keys_order : keys_op, where, err);
    if (!rc && e->kind != EX_MEAS) rc = text_field(t, n, "label", e->label, sizeof e->label, 0, err);
    if (!rc) rc = e->kind == EX_SERIES ? parse_series(t, n, e, err)
                  : e->kind == EX_MEAS ? parse_meas(t, n, e, err)
                                       : parse_ops(t, n, e, k, scen, depth, err);
    if (!rc && e->scen < 0 && (e->kind == EX_SERIES || e->kind == EX_MEAS))
        rc = at(t, n, err, "no scenario for this extraction: give 'scenario:' at the top level or in the extraction");
    if (rc) {
        ex_free(e);
        return rc;
    }
    *out = e;
    return MK_OK;
}

/* ---------------------------------------------------------------- loading */

void mk_vtarget_free(mk_vtarget *t)
{
    if (!t) return;
    for (int i = 0; i < t->n_scen; i++) {
        mk_scenario_free(t->scen[i].scn);
        free(t->scen[i].path);
        free(t->scen[i].text);
    }
    ex_free(t->root_ex);
    mk_yfree(t->root);
    free(t->file);
    free(t->text);
    free(t);
}

const char *mk_vtarget_name(const mk_vtarget *t) { return t ? t->name : NULL; }
const char *mk_vtarget_role(const mk_vtarget *t) { return t ? t->role : NULL; }

/* 1 if name is a parameter, state, input or variable of abi; 2 if only its component is
 * (the part before the dot names a component); 0 if neither. */
static int abi_name(const mk_model_abi *abi, const char *name, size_t comp_len)
{
    const mk_symbol *lists[4] = {abi->params, abi->states, abi->inputs, abi->vars};
    const int ns[4] = {abi->n_params, abi->n_states, abi->n_inputs, abi->n_vars};
    int comp = 0;
    for (int l = 0; l < 4; l++)
        for (int i = 0; i < ns[l]; i++) {
            const char *s = lists[l][i].name;
            if (!strcmp(s, name)) return 1;
            if (!strncmp(s, name, comp_len) && s[comp_len] == '.') comp = 1;
        }
    return comp ? 2 : 0;
}

int mk_vtarget_stale_names(const mk_vtarget *t, const mk_model_abi *abi, char *why, size_t size)
{
    int n = 0;
    size_t w = 0;
    if (size) why[0] = 0;
    for (const char *p = t->role_why; *p;) {
        /* a dotted identifier COMPONENT.NAME, not part of a longer word or path */
        size_t a = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
        int word_start = p == t->role_why || !(isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '.' || p[-1] == '/');
        if (a && word_start && isalpha((unsigned char)p[0]) && p[a] == '.' && isalpha((unsigned char)p[a + 1])) {
            size_t b = strspn(p + a + 1, "abcdefghijklmnopqrstuvwxyz0123456789_");
            char name[128];
            if (a + 1 + b < sizeof name && p[a + 1 + b] != '.' && p[a + 1 + b] != '/') {
                memcpy(name, p, a + 1 + b);
                name[a + 1 + b] = 0;
                if (abi_name(abi, name, a) == 2) {
                    if (w < size) w += (size_t)snprintf(why + w, size - w, "%s%s", n ? ", " : "", name);
                    n++;
                }
            }
            p += a + 1 + b;
            continue;
        }
        p += a ? a : 1;
    }
    return n;
}

/* expected_failure: {reason: TEXT, model_value: {MODEL: VALUE, ...}, drift: X}; VALUE is a number,
 * or for an ordinal target a list of n_items numbers (the items in order). */
static mk_status load_expected(mk_vtarget *t, const mk_ynode *n, int n_items, mk_error *err)
{
    static const char *const keys[] = {"reason", "model_value", "drift", NULL};
    const char *form = "{reason: TEXT, model_value: {MODEL: VALUE, ...}, drift: X}";
    if (n->kind != MK_Y_MAP) return at(t, n, err, "expected %s for 'expected_failure', found %s", form, mk_ykind_name(n));
    mk_status rc = check_keys(t, n, keys, "in 'expected_failure'", err);
    if (!rc) rc = text_field(t, n, "reason", t->xf_reason, sizeof t->xf_reason, 1, err);
    if (rc) return rc;
    const mk_ypair *mv = mk_yfind(n, "model_value"), *dr = mk_yfind(n, "drift");
    if (!mv) return at(t, n, err, "missing key 'model_value' in 'expected_failure': record the model's current value per model, %s", form);
    if (!dr) return at(t, n, err, "missing key 'drift' in 'expected_failure': how far the value may move before the mark is re-examined");
    if ((rc = number(t, dr->val, "the drift", &t->xf_drift, err))) return rc;
    if (t->xf_drift < 0) return at(t, dr->val, err, "the drift must not be negative, found %g", t->xf_drift);
    if (mv->val->kind != MK_Y_MAP || mv->val->n == 0)
        return at(t, mv->val, err, "expected a mapping model: value for 'model_value' (e.g. {tp_site: 13.9}), found %s",
                  mv->val->kind == MK_Y_MAP ? "an empty mapping" : mk_ykind_name(mv->val));
    for (int i = 0; i < mv->val->n; i++) {
        const mk_ynode *v = mv->val->pairs[i].val;
        double x;
        if (n_items) {
            if (v->kind != MK_Y_SEQ || v->n != n_items)
                return at(t, v, err, "expected a list of %d numbers (the items in order) for model '%s'", n_items,
                          mv->val->pairs[i].key);
            for (int k = 0; k < v->n; k++)
                if ((rc = number(t, v->items[k], "a recorded item value", &x, err))) return rc;
        } else if (!(v->kind == MK_Y_SCALAR && !strcmp(v->text, "n/a")) &&
                   (rc = number(t, v, "the recorded model value (or n/a: undefined)", &x, err))) {
            return rc;
        }
    }
    t->xf_values = mv->val;
    return MK_OK;
}

/* role: calibration | validation (required), role_why: TEXT (optional). */
static mk_status load_role(mk_vtarget *t, mk_error *err)
{
    const mk_ypair *p = mk_yfind(t->root, "role");
    if (!p) return at(t, t->root, err, "missing key 'role' at the top level: 'calibration' (may set parameters) or 'validation' (never)");
    if (p->val->kind != MK_Y_SCALAR || (strcmp(p->val->text, "calibration") && strcmp(p->val->text, "validation")))
        return at(t, p->val, err, "unknown role '%s': expected 'calibration' or 'validation'",
                  p->val->kind == MK_Y_SCALAR ? p->val->text : mk_ykind_name(p->val));
    snprintf(t->role, sizeof t->role, "%s", p->val->text);
    return text_field(t, t->root, "role_why", t->role_why, sizeof t->role_why, 0, err);
}

static mk_status load(mk_vtarget *t, mk_error *err)
{
    mk_status rc = mk_yparse(t->file, t->text, &k_format, &t->root, err);
    if (rc) return rc;
    static const char *const top[] = {"name", "quantity", "source", "published", "scenario", "extract", "tolerance",
                                      "why", "compare", "expected_failure", "role", "role_why", NULL};
    const mk_ynode *r = t->root;
    if ((rc = check_keys(t, r, top, "at the top level", err))) return rc;
    if ((rc = text_field(t, r, "name", t->name, sizeof t->name, 1, err)) ||
        (rc = text_field(t, r, "quantity", t->quantity, sizeof t->quantity, 1, err)) ||
        (rc = text_field(t, r, "source", t->source, sizeof t->source, 1, err)) ||
        (rc = text_field(t, r, "why", t->why, sizeof t->why, 1, err)) ||
        (rc = text_field(t, r, "compare", t->compare, sizeof t->compare, 1, err)))
        return rc;
    static const char *const cmps[] = {"within", "above", "below", "ordinal", NULL};
    int ci = -1;
    for (int i = 0; cmps[i]; i++)
        if (!strcmp(cmps[i], t->compare)) ci = i;
    if (ci < 0) {
        const char *s = mk_suggest(t->compare, cmps, -1);
        char hint[64] = "";
        if (s) snprintf(hint, sizeof hint, " (did you mean '%s'?)", s);
        return at(t, mk_yfind(r, "compare")->val, err, "unknown comparison '%s'%s; expected within, above, below or ordinal",
                  t->compare, hint);
    }
    int ordinal = ci == 3;

    /* published */
    const mk_ypair *pp = mk_yfind(r, "published");
    if (!pp) return at(t, r, err, "missing key 'published' at the top level");
    const mk_ynode *pub = pp->val;
    if ((rc = want_map(t, pub, "'published' ({value, uncertainty or range, unit})", err))) return rc;
    static const char *const pkeys[] = {"value", "uncertainty", "range", "unit", NULL};
    if ((rc = check_keys(t, pub, pkeys, "in 'published'", err))) return rc;
    t->pub_value = t->pub_unc = t->pub_lo = t->pub_hi = NAN;
    const mk_ypair *pv = mk_yfind(pub, "value"), *pu = mk_yfind(pub, "uncertainty"), *pr = mk_yfind(pub, "range");
    if (!pv) return at(t, pub, err, "missing key 'value' in 'published'");
    if (ordinal) {
        if ((rc = text_field(t, pub, "value", t->pub_text, sizeof t->pub_text, 1, err))) return rc;
    } else if ((rc = number(t, pv->val, "the published value", &t->pub_value, err))) {
        return rc;
    }
    if (pu && pr) return at(t, pr->val, err, "give either 'uncertainty' or 'range' in 'published', not both");
    if (pu) {
        if ((rc = number(t, pu->val, "the published uncertainty", &t->pub_unc, err))) return rc;
        if (!(t->pub_unc >= 0)) return at(t, pu->val, err, "the uncertainty must not be negative, found %g", t->pub_unc);
        t->pub_lo = t->pub_value - t->pub_unc;
        t->pub_hi = t->pub_value + t->pub_unc;
    }
    if (pr && (rc = pair_of_numbers(t, pr->val, "the published range", &t->pub_lo, &t->pub_hi, err))) return rc;
    if ((rc = text_field(t, pub, "unit", t->unit, sizeof t->unit, 1, err))) return rc;
    t->unit_node = mk_yfind(pub, "unit")->val;

    /* tolerance */
    const mk_ypair *tp = mk_yfind(r, "tolerance");
    if (tp) {
        if ((rc = want_map(t, tp->val, "'tolerance' ({abs: X}, {rel: F}, {range: [lo, hi]} or {min_step: X})", err))) return rc;
        static const char *const tkeys[] = {"abs", "rel", "range", "min_step", NULL};
        if ((rc = check_keys(t, tp->val, tkeys, "in 'tolerance'", err))) return rc;
        if (tp->val->n != 1) return at(t, tp->val, err, "'tolerance' takes exactly one of abs, rel, range, min_step; found %d", tp->val->n);
        const mk_ypair *q = &tp->val->pairs[0];
        snprintf(t->tol_kind, sizeof t->tol_kind, "%s", q->key);
        if (!strcmp(q->key, "range")) rc = pair_of_numbers(t, q->val, "the accepted range", &t->tol_a, &t->tol_b, err);
        else {
            rc = number(t, q->val, "the tolerance", &t->tol_a, err);
            if (!rc && t->tol_a < 0) rc = at(t, q->val, err, "the tolerance must not be negative, found %g", t->tol_a);
        }
        if (rc) return rc;
        if (ordinal && strcmp(q->key, "min_step"))
            return at(t, q->val, err, "an ordinal comparison takes 'min_step' as its tolerance, not '%s'", q->key);
        if (!ordinal && !strcmp(q->key, "min_step"))
            return at(t, q->val, err, "'min_step' belongs to ordinal comparisons; use abs, rel or range");
        if (ci != 0 && (!strcmp(q->key, "range") || !strcmp(q->key, "rel")) && !ordinal)
            return at(t, q->val, err, "'%s' comparisons take 'abs' (the allowed margin) as their tolerance, not '%s'",
                      t->compare, q->key);
    } else if (ci == 0 && isnan(t->pub_lo)) {
        return at(t, r, err, "missing key 'tolerance': a 'within' comparison needs a tolerance or a published "
                             "uncertainty or range");
    }

    /* scenario and extraction */
    int scen = -1;
    const mk_ypair *sp = mk_yfind(r, "scenario");
    if (sp && (rc = add_scenario(t, sp->val, &scen, err))) return rc;
    const mk_ypair *ep = mk_yfind(r, "extract");
    if (!ep) return at(t, r, err, "missing key 'extract' at the top level");
    if ((rc = parse_ex(t, ep->val, scen, 0, &t->root_ex, err))) return rc;
    if (ordinal && t->root_ex->kind != EX_ORDER)
        return at(t, ep->val, err, "an ordinal comparison needs an 'order' extraction ({kind: order, items: [...], direction: ...})");
    if (!ordinal && t->root_ex->kind == EX_ORDER)
        return at(t, ep->val, err, "an 'order' extraction needs 'compare: ordinal', found '%s'", t->compare);
    const mk_ypair *xf = mk_yfind(r, "expected_failure");
    if (xf && (rc = load_expected(t, xf->val, ordinal ? t->root_ex->n_ops : 0, err))) return rc;
    return load_role(t, err);
}

mk_status mk_vtarget_load_string(const char *file_name, const char *text, mk_vtarget **out, mk_error *err)
{
    *out = NULL;
    if (!text) return mk_fail(err, MK_ERR_INVALID, "no validation text");
    if (strlen(text) > MAX_TEXT)
        return mk_fail_at(err, MK_ERR_IO, file_name ? file_name : "<validation>", 0, 0,
                          "larger than the limit of %d bytes for a validation file", MAX_TEXT);
    mk_vtarget *t = mk_calloc(1, sizeof *t);
    if (!t) return nomem(err);
    t->file = mk_strdup(file_name ? file_name : "<validation>");
    t->text = mk_strdup(text);
    if (!t->file || !t->text) {
        mk_vtarget_free(t);
        return nomem(err);
    }
    mk_status rc = load(t, err);
    if (rc) {
        mk_vtarget_free(t);
        return rc;
    }
    *out = t;
    return MK_OK;
}

mk_status mk_vtarget_load_file(const char *path, mk_vtarget **out, mk_error *err)
{
    *out = NULL;
    static const mk_text_kind kind = {.what = "a validation file", .max_len = MAX_TEXT};
    char *text;
    mk_status rc = mk_read_text_file(path, &kind, &text, NULL, err);
    if (rc) return rc;
    rc = mk_vtarget_load_string(path, text, out, err);
    free(text);
    return rc;
}

/* ---------------------------------------------------------------- units */

static int dimensionless(const char *u) { return !u[0] || !strcmp(u, "1") || !strcmp(u, "0-10"); }

/* Convert x from unit `from` to `to`; pain scales (0-10) and "1" are the same pure number. */
static mk_status conv(mk_units *u, double x, const char *from, const char *to, double *out, mk_error *err)
{
    if (!strcmp(from, to) || (dimensionless(from) && dimensionless(to))) {
        *out = x;
        return MK_OK;
    }
    return mk_units_convert(u, x, dimensionless(from) ? "1" : from, dimensionless(to) ? "1" : to, out, err);
}

static mk_status time_of(mk_vtarget *t, mk_units *u, const mk_ynode *n, double *out, mk_error *err)
{
    if (n->kind != MK_Y_SCALAR) return at(t, n, err, "expected a time (e.g. '5 min'), found %s", mk_ykind_name(n));
    mk_error e2 = {0};
    if (mk_units_convert_quantity(u, n->text, "s", out, &e2))
        return mk_fail_at(err, MK_ERR_UNIT, t->file, n->line, n->col, "expected a time such as '5 min', found '%s' (%s)",
                          n->text, e2.message);
    if (!isfinite(*out) || *out < 0)
        return mk_fail_at(err, MK_ERR_UNIT, t->file, n->line, n->col, "a time must be finite and not negative, found '%s'", n->text);
    return MK_OK;
}

static mk_status check_ex_units(mk_vtarget *t, mk_units *u, ex *e, mk_error *err)
{
    mk_status rc = MK_OK;
    if (e->window) {
        rc = time_of(t, u, e->window->items[0], &e->w0, err);
        if (!rc) rc = time_of(t, u, e->window->items[1], &e->w1, err);
        if (!rc && !(e->w0 < e->w1))
            rc = at(t, e->window, err, "the window must run forwards: %g s is not before %g s", e->w0, e->w1);
    }
    if (!rc && e->at) rc = time_of(t, u, e->at, &e->arg, err);
    if (!rc && e->period) rc = time_of(t, u, e->period, &e->period_s, err);
    if (!rc && e->period && !(e->period_s > 0)) rc = at(t, e->period, err, "the period must be longer than 0 s");
    if (!rc && e->period && (e->w1 - e->w0) / e->period_s > MK_V_MAX_PERIODS)
        rc = at(t, e->period, err, "the window holds more than %d periods of %g s", MK_V_MAX_PERIODS, e->period_s);
    for (int i = 0; !rc && i < e->n_ops; i++) rc = check_ex_units(t, u, e->ops[i], err);
    return rc;
}

mk_status mk_vtarget_check_units(mk_vtarget *t, mk_units *u, mk_error *err)
{
    if (t->units_checked) return MK_OK;
    double x;
    mk_error e2 = {0};
    if (!dimensionless(t->unit) && strcmp(t->unit, "%") && mk_units_convert(u, 1.0, t->unit, t->unit, &x, &e2))
        return mk_fail_at(err, MK_ERR_UNIT, t->file, t->unit_node->line, t->unit_node->col, "bad unit '%s' in 'published': %s",
                          t->unit, e2.message);
    mk_status rc = check_ex_units(t, u, t->root_ex, err);
    if (!rc) t->units_checked = 1;
    return rc;
}

/* ---------------------------------------------------------------- statistics */

static double interp(const double *t, const double *v, int n, double x)
{
    if (n <= 0) return NAN;
    if (x <= t[0]) return v[0];
    for (int i = 1; i < n; i++)
        if (t[i] >= x) {
            double dt = t[i] - t[i - 1];
            return dt > 0 ? v[i - 1] + (v[i] - v[i - 1]) * (x - t[i - 1]) / dt : v[i];
        }
    return v[n - 1];
}

/* Time (from t0) at which the curve first reaches level y, going in direction dir (+1 up). */
static double crossing(const double *t, const double *v, int i0, int i1, double y, int dir)
{
    for (int i = i0; i <= i1; i++) {
        if ((dir > 0 && v[i] >= y) || (dir < 0 && v[i] <= y)) {
            if (i == i0) return t[i];
            double f = (y - v[i - 1]) / (v[i] - v[i - 1]);
            return t[i - 1] + f * (t[i] - t[i - 1]);
        }
    }
    return NAN;
}

/* Residual sum of squares of the best v = a + b exp(-(t - t[i0]) / tau) for a given tau: a and b
 * by linear least squares in x = exp(-(t - t[i0]) / tau). */
static double exp_sse(const double *t, const double *v, int i0, int i1, double tau)
{
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = i0; i <= i1; i++) {
        double x = exp(-(t[i] - t[i0]) / tau);
        n += 1, sx += x, sy += v[i], sxx += x * x, sxy += x * v[i];
    }
    double det = n * sxx - sx * sx;
    if (!(det > 0)) return INFINITY;
    double b = (n * sxy - sx * sy) / det, a = (sy - b * sx) / n, sse = 0;
    for (int i = i0; i <= i1; i++) {
        double r = v[i] - a - b * exp(-(t[i] - t[i0]) / tau);
        sse += r * r;
    }
    return sse;
}

/* The time constant of the mono-exponential (free asymptote) fitted to the window by least
 * squares, as 31P-MRS studies fit PCr recovery: a log-spaced grid from 1/1000 of the window to
 * ten windows, refined by golden section around the best point.  NaN when the best fit lies at
 * either end of the grid (the curve does not level off, or is a step). */
static double fit_tau(const double *t, const double *v, int i0, int i1)
{
    enum { GRID = 240 };
    double span = t[i1] - t[i0];
    if (i1 - i0 < 3 || !(span > 0)) return NAN;
    const double lo = log(span * 1e-3), hi = log(span * 10), step = (hi - lo) / (GRID - 1);
    int best = 0;
    double best_sse = INFINITY;
    for (int k = 0; k < GRID; k++) {
        double sse = exp_sse(t, v, i0, i1, exp(lo + k * step));
        if (sse < best_sse) best_sse = sse, best = k;
    }
    if (best == 0 || best == GRID - 1) return NAN;
    double a = lo + (best - 1) * step, b = lo + (best + 1) * step;
    const double g = 0.5 * (sqrt(5.0) - 1);
    double c = b - g * (b - a), d = a + g * (b - a);
    double fc = exp_sse(t, v, i0, i1, exp(c)), fd = exp_sse(t, v, i0, i1, exp(d));
    for (int it = 0; it < 60 && b - a > 1e-9; it++) {
        if (fc < fd) b = d, d = c, fd = fc, c = b - g * (b - a), fc = exp_sse(t, v, i0, i1, exp(c));
        else a = c, c = d, fc = fd, d = a + g * (b - a), fd = exp_sse(t, v, i0, i1, exp(d));
    }
    return exp(0.5 * (a + b));
}

double mk_vstat(const char *stat, const double *t, const double *v, int n, double w0, double w1, double arg)
{
    if (n <= 0) return NAN;
    if (isnan(w0)) w0 = t[0];
    if (isnan(w1)) w1 = t[n - 1];
    int i0 = 0, i1 = n - 1;
    while (i0 < n && t[i0] < w0 - 1e-9) i0++;
    while (i1 >= 0 && t[i1] > w1 + 1e-9) i1--;
    if (!strcmp(stat, "at")) return (isnan(arg) || arg < t[0] - 1e-9 || arg > t[n - 1] + 1e-9) ? NAN : interp(t, v, n, arg);
    if (i0 > i1) return NAN;
    int imax = i0, imin = i0;
    for (int i = i0; i <= i1; i++) {
        if (v[i] > v[imax]) imax = i;
        if (v[i] < v[imin]) imin = i;
    }
    if (!strcmp(stat, "max")) return v[imax];
    if (!strcmp(stat, "min")) return v[imin];
    if (!strcmp(stat, "first")) return v[i0];
    if (!strcmp(stat, "final")) return v[i1];
    if (!strcmp(stat, "time_of_max")) return t[imax] - w0;
    if (!strcmp(stat, "time_of_min")) return t[imin] - w0;
    if (!strcmp(stat, "mean")) {
        if (i1 == i0) return v[i0];
        double s = 0;
        for (int i = i0 + 1; i <= i1; i++) s += 0.5 * (v[i] + v[i - 1]) * (t[i] - t[i - 1]);
        return s / (t[i1] - t[i0]);
    }
    if (!strcmp(stat, "half_life")) {
        /* from the extremum back half way to the window's final value */
        double fin = v[i1];
        int ie = fabs(v[imax] - fin) >= fabs(v[imin] - fin) ? imax : imin;
        double half = 0.5 * (v[ie] + fin);
        double tc = crossing(t, v, ie, i1, half, v[ie] > fin ? -1 : +1);
        return tc - t[ie];
    }
    if (!strcmp(stat, "tau")) {
        /* from the window start, 63.2 % of the way to the window's final value */
        double y = v[i0] + (1 - exp(-1.0)) * (v[i1] - v[i0]);
        double tc = crossing(t, v, i0, i1, y, v[i1] > v[i0] ? +1 : -1);
        return tc - t[i0];
    }
    if (!strcmp(stat, "tau_fit")) return fit_tau(t, v, i0, i1);
    if (!strcmp(stat, "first_above")) return crossing(t, v, i0, i1, arg, +1) - w0;
    if (!strcmp(stat, "first_below")) return crossing(t, v, i0, i1, arg, -1) - w0;
    return NAN;
}

double mk_vstat_gated(const double *t, const double *v, int n, double w0, double w1, double t_rest, double period)
{
    if (n <= 0 || !(period > 0) || !(w1 > w0) || t_rest < t[0] - 1e-9 || w1 > t[n - 1] + 1e-9) return NAN;
    if ((w1 - w0) / period > MK_V_MAX_PERIODS) return NAN;
    double rest = interp(t, v, n, t_rest), q = 0, d = 0;
    int k = 0, i = 0; /* i: the first sample of the current period (the periods run forwards) */
    for (double on = w0; on + period <= w1 + 1e-9; on = w0 + ++k * period) {
        double before = interp(t, v, n, on), trough = before;
        while (i < n && t[i] < on - 1e-9) i++;
        for (; i < n && t[i] < on + period - 1e-9; i++)
            if (v[i] < trough) trough = v[i];
        q += before - trough;
        d += rest - before;
    }
    if (k == 0 || !(q > 0) || !(d > 0)) return NAN;
    return -period / log(d / (d + q));
}

int mk_vcompare(const char *compare, double model, double lo, double hi)
{
    if (!isfinite(model)) return 0;
    if (!strcmp(compare, "within")) return model >= lo && model <= hi;
    if (!strcmp(compare, "above")) return model > lo;
    if (!strcmp(compare, "below")) return model < hi;
    return 0;
}

int mk_vordinal(const double *items, int n, int direction, double min_step)
{
    for (int i = 1; i < n; i++) {
        if (!isfinite(items[i]) || !isfinite(items[i - 1])) return 0;
        double step = direction > 0 ? items[i] - items[i - 1] : items[i - 1] - items[i];
        if (!(step > min_step)) return 0;
    }
    return n >= 2;
}

const char *mk_verdict_name(mk_verdict v)
{
    switch (v) {
    case MK_V_PASS: return "pass";
    case MK_V_FAIL: return "FAIL";
    case MK_V_XFAIL: return "expected-fail";
    case MK_V_XPASS: return "UNEXPECTED-PASS";
    case MK_V_ERROR: return "ERROR";
    case MK_V_DRIFT: return "DRIFT";
    case MK_V_N: break;
    }
    return "?";
}

/* ---------------------------------------------------------------- running */

typedef struct v_run {
    mk_protocol *proto;
    mk_run_result res;
    int done;
} v_run;

typedef struct v_ctx {
    mk_vtarget *t;
    const mk_model_abi *abi;
    mk_units *u;
    const mk_anatomy *anat;
    v_run runs[MAX_SCEN];
    mk_vresult *out;
    int curve_set;
} v_ctx;

static mk_status get_run(v_ctx *cx, int i, mk_run_result **res, mk_error *err)
{
    v_run *r = &cx->runs[i];
    if (!r->done) {
        mk_buf warn;
        mk_buf_init(&warn);
        mk_status rc = mk_scenario_compile(cx->t->scen[i].scn, cx->abi, cx->u, cx->anat, NULL, 0, 0, &warn, &r->proto, err);
        mk_buf_free(&warn);
        if (rc) return rc;
        mk_sim_opts so;
        mk_sim_opts_default(&so);
        rc = mk_simulate(cx->abi, r->proto, cx->anat, &so, &r->res, err);
        if (rc) {
            if (!err->file[0] && err->line > 0) snprintf(err->file, sizeof err->file, "%s", r->proto->file);
            mk_protocol_free(r->proto);
            r->proto = NULL;
            return rc;
        }
        r->done = 1;
    }
    *res = &r->res;
    return MK_OK;
}

static mk_status ex_fail(v_ctx *cx, const ex *e, mk_error *err, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static mk_status ex_fail(v_ctx *cx, const ex *e, mk_error *err, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mk_fail_at(err, MK_ERR_INVALID, cx->t->file, e->line, e->col, "%s", msg);
}

/* Keep the first curve met (depth first) for the figure, converted to the published unit. */
static void keep_curve(v_ctx *cx, const char *label, const char *unit, const double *t, const double *v, int n,
                       size_t stride, double w0, double w1, int band_applies)
{
    if (cx->curve_set || n < 2) return; /* a single point says nothing panel B does not */
    mk_vcurve *c = &cx->out->curve;
    c->t_s = mk_malloc((size_t)n * sizeof(double));
    c->v = mk_malloc((size_t)n * sizeof(double));
    if (!c->t_s || !c->v) {
        free(c->t_s);
        free(c->v);
        c->t_s = c->v = NULL;
        return;
    }
    double a = 0, b = 1; /* affine map to the published unit, when there is one */
    mk_error e2 = {0};
    int to_pub = band_applies && conv(cx->u, 0, unit, cx->t->unit, &a, &e2) == MK_OK &&
                 conv(cx->u, 1, unit, cx->t->unit, &b, &e2) == MK_OK;
    for (int i = 0; i < n; i++) {
        c->t_s[i] = t[i];
        c->v[i] = to_pub ? a + (b - a) * v[(size_t)i * stride] : v[(size_t)i * stride];
    }
    c->n = n;
    snprintf(c->label, sizeof c->label, "%s", label);
    snprintf(c->unit, sizeof c->unit, "%s", to_pub ? cx->t->unit : unit);
    c->w0_s = w0;
    c->w1_s = w1;
    c->band_applies = to_pub;
    cx->curve_set = 1;
}

/* Column c of the series as a freshly allocated vector (NULL when out of memory). */
static double *series_column(const mk_series *s, int c)
{
    double *v = mk_malloc((size_t)(s->n_rows + 1) * sizeof(double));
    if (v)
        for (int i = 0; i < s->n_rows; i++) v[i] = s->values[(size_t)i * (size_t)s->n_cols + (size_t)c];
    return v;
}

/* A quantity of the target file ('when' level, threshold) as a number in the column's unit. */
static mk_status series_level(v_ctx *cx, const mk_ynode *q, const char *unit, const char *what,
                              double *out, mk_error *err)
{
    mk_error e2 = {0};
    char *end;
    *out = strtod(q->text, &end);
    while (*end == ' ') end++;
    if (end == q->text || (*end && mk_units_convert_quantity(cx->u, q->text, unit, out, &e2)))
        return mk_fail_at(err, MK_ERR_UNIT, cx->t->file, q->line, q->col, "%s'%s': expected a value in %s%s%s",
                          what, q->text, unit, e2.message[0] ? ": " : "", e2.message);
    return MK_OK;
}

/* stat 'at' with 'when': the time at which the 'when' variable first crosses its level. */
static mk_status series_when(v_ctx *cx, ex *e, const mk_series *s, double *arg, mk_error *err)
{
    int cw = mk_series_find(s, e->when_var);
    if (cw < 0) return ex_fail(cx, e, err, "the run has no series '%s' (in 'when')", e->when_var);
    double level;
    mk_status rc = series_level(cx, e->when_level, s->units[cw], "", &level, err);
    if (rc) return rc;
    double *w = series_column(s, cw);
    if (!w) return nomem(err);
    double tc = mk_vstat(e->when_dir > 0 ? "first_above" : "first_below", s->t_s, w, s->n_rows, e->w0, e->w1, level);
    free(w);
    *arg = tc + (isnan(e->w0) ? (s->n_rows ? s->t_s[0] : 0) : e->w0);
    if (isnan(tc))
        snprintf(cx->out->note, sizeof cx->out->note, "%s never goes %s %s in the window", e->when_var,
                 e->when_dir > 0 ? "above" : "below", e->when_level->text);
    return MK_OK;
}

/* Why a series statistic is undefined, into the target's note. */
static void series_undefined(v_ctx *cx, const ex *e)
{
    char why[400] = "";
    if (!strcmp(e->stat, "first_above") || !strcmp(e->stat, "first_below"))
        snprintf(why, sizeof why, ": %s never goes %s %s in the window", e->variable,
                 !strcmp(e->stat, "first_above") ? "above" : "below", e->threshold->text);
    else if (!strcmp(e->stat, "half_life") || !strcmp(e->stat, "tau"))
        snprintf(why, sizeof why, ": %s does not get there within the window", e->variable);
    else if (!strcmp(e->stat, "tau_fit"))
        snprintf(why, sizeof why, ": no exponential of %s levels off within the window", e->variable);
    else if (!strcmp(e->stat, "gated_tau"))
        snprintf(why, sizeof why, ": %s shows no drop in a contraction cycle or no steady drop from rest (a gated_tau "
                 "needs both, and whole periods inside the run)", e->variable);
    else snprintf(why, sizeof why, ": no samples in the window");
    snprintf(cx->out->note, sizeof cx->out->note, "%s of %s undefined%s", e->stat, e->variable, why);
}

static mk_status eval_series(v_ctx *cx, ex *e, double *val, char *unit, size_t usize, mk_error *err)
{
    mk_run_result *res;
    mk_status rc = get_run(cx, e->scen, &res, err);
    if (rc) return rc;
    const mk_series *s = &res->series;
    int c = mk_series_find(s, e->variable);
    if (c < 0)
        return ex_fail(cx, e, err, "the run has no series '%s' (model '%s': states, outputs, inputs and "
                                   "pain.region.*; for another variable use a measurement 'what: output')",
                       e->variable, cx->abi->name);
    double arg = e->arg;
    if (e->when_var[0] && (rc = series_when(cx, e, s, &arg, err))) return rc;
    if (e->threshold && (rc = series_level(cx, e->threshold, s->units[c], "threshold ", &arg, err))) return rc;
    double *v = series_column(s, c);
    if (!v) return nomem(err);
    *val = e->period ? mk_vstat_gated(s->t_s, v, s->n_rows, e->w0, e->w1, arg, e->period_s)
                     : mk_vstat(e->stat, s->t_s, v, s->n_rows, e->w0, e->w1, arg);
    free(v);
    snprintf(unit, usize, "%s", mk_vstat_is_time(e->stat) ? "s" : s->units[c]);
    int band = !mk_vstat_is_time(e->stat) && cx->t->root_ex == e;
    keep_curve(cx, e->variable, s->units[c], s->t_s, s->values + c, s->n_rows, (size_t)s->n_cols, e->w0, e->w1, band);
    if (isnan(*val)) series_undefined(cx, e);
    return MK_OK;
}

/* The measurements of the same kind as measurement k over time, as the target's curve. */
static void keep_measurements(v_ctx *cx, const ex *e, const mk_run_result *res, int k)
{
    int n = 0;
    double *tt = mk_malloc((size_t)(res->n_meas + 1) * sizeof(double)), *vv = mk_malloc((size_t)(res->n_meas + 1) * sizeof(double));
    if (tt && vv) {
        const mk_measurement *sp = res->meas[k].spec;
        for (int i = 0; i < res->n_meas; i++) {
            const mk_measurement *q = res->meas[i].spec;
            if (q->kind != sp->kind || strcmp(q->region, sp->region) || strcmp(q->output, sp->output) || q->arg != sp->arg)
                continue;
            tt[n] = res->meas[i].t_s;
            vv[n++] = res->meas[i].value;
        }
        char lab[128];
        snprintf(lab, sizeof lab, "%s (measurements)", e->meas);
        keep_curve(cx, lab, res->meas[k].unit, tt, vv, n, 1, NAN, NAN, cx->t->root_ex == e);
    }
    free(tt);
    free(vv);
}

static mk_status eval_meas(v_ctx *cx, ex *e, double *val, char *unit, size_t usize, mk_error *err)
{
    mk_run_result *res;
    mk_status rc = get_run(cx, e->scen, &res, err);
    if (rc) return rc;
    int k = -1;
    for (int i = 0; i < res->n_meas && k < 0; i++)
        if (res->meas[i].spec && !strcmp(res->meas[i].spec->label, e->meas)) k = i;
    if (k < 0) {
        char have[600] = "";
        for (int i = 0; i < res->n_meas && strlen(have) < 500; i++) {
            size_t l = strlen(have);
            snprintf(have + l, sizeof have - l, "%s'%s'", l ? ", " : "", res->meas[i].spec->label);
        }
        return ex_fail(cx, e, err, "the scenario has no measurement labelled '%s' (it has %s)", e->meas,
                       have[0] ? have : "none");
    }
    *val = res->meas[k].value;
    snprintf(unit, usize, "%s", res->meas[k].unit);
    if (isnan(*val) && res->meas[k].note[0])
        snprintf(cx->out->note, sizeof cx->out->note, "%s: %s", e->meas, res->meas[k].note);
    if (!cx->curve_set) keep_measurements(cx, e, res, k);
    return MK_OK;
}

static mk_status eval(v_ctx *cx, ex *e, double *val, char *unit, size_t usize, mk_error *err)
{
    mk_status rc;
    switch (e->kind) {
    case EX_SERIES:
        return eval_series(cx, e, val, unit, usize, err);
    case EX_MEAS:
        return eval_meas(cx, e, val, unit, usize, err);
    case EX_DIFF:
    case EX_RATIO:
    case EX_CHANGE: {
        double a, b;
        char ua[32], ub[32];
        if ((rc = eval(cx, e->ops[0], &a, ua, sizeof ua, err)) || (rc = eval(cx, e->ops[1], &b, ub, sizeof ub, err))) return rc;
        if (strcmp(ua, ub) && (rc = conv(cx->u, b, ub, ua, &b, err)))
            return ex_fail(cx, e, err, "cannot combine %s with %s: %s", ua, ub, err->message);
        if (e->kind == EX_DIFF) {
            *val = a - b;
            snprintf(unit, usize, "%s", ua);
        } else {
            *val = e->kind == EX_RATIO ? a / b : (a - b) / b;
            snprintf(unit, usize, "1");
        }
        return MK_OK;
    }
    case EX_ORDER:
        return ex_fail(cx, e, err, "an 'order' extraction can only be the whole 'extract'");
    }
    return MK_OK;
}

/* The value in the published unit ("%" from a pure number means x 100). */
static mk_status to_published(v_ctx *cx, const ex *e, double x, const char *unit, double *out, mk_error *err)
{
    if (!strcmp(cx->t->unit, "%") && dimensionless(unit)) {
        *out = 100 * x;
        return MK_OK;
    }
    mk_error e2 = {0};
    if (conv(cx->u, x, unit, cx->t->unit, out, &e2))
        return ex_fail(cx, e, err, "the model's number is in %s, which cannot be converted to the published unit %s (%s)",
                       unit[0] ? unit : "a pure number", cx->t->unit, e2.message);
    return MK_OK;
}

static void fmt_num(char *buf, size_t size, double v)
{
    if (!isfinite(v)) snprintf(buf, size, "n/a");
    else if (fabs(v) >= 1e4 || (v != 0 && fabs(v) < 1e-3)) snprintf(buf, size, "%.3g", v);
    else snprintf(buf, size, "%.3g", v);
}

/* The expected-failure reason for this model (NULL if the file records no value for it), and
 * the recorded value(s) into out. */
static const char *expected_reason(const mk_vtarget *t, const char *model, mk_vresult *out)
{
    if (!t->xf_values) return NULL;
    const mk_ypair *p = mk_yfind(t->xf_values, model);
    if (!p) return NULL;
    const mk_ynode *v = p->val;
    out->n_recorded = v->kind == MK_Y_SEQ ? (v->n < MK_V_MAX_ITEMS ? v->n : MK_V_MAX_ITEMS) : 1;
    for (int k = 0; k < out->n_recorded; k++) {
        const char *x = v->kind == MK_Y_SEQ ? v->items[k]->text : v->text;
        out->recorded[k] = strcmp(x, "n/a") ? strtod(x, NULL) : NAN; /* n/a: the statistic was undefined */
    }
    out->drift = t->xf_drift;
    return t->xf_reason;
}

/* An expected failure stays one only while its value stays within drift of the record. */
static int drifted(const mk_vresult *out, int ordinal)
{
    if (!ordinal) {
        if (isnan(out->recorded[0]) || isnan(out->model)) return isnan(out->recorded[0]) != isnan(out->model);
        return !(fabs(out->model - out->recorded[0]) <= out->drift);
    }
    for (int k = 0; k < out->n_items && k < out->n_recorded; k++)
        if (!(fabs(out->items[k] - out->recorded[k]) <= out->drift)) return 1;
    return out->n_items != out->n_recorded;
}

void mk_vresult_clear(mk_vresult *r)
{
    if (!r) return;
    free(r->curve.t_s);
    free(r->curve.v);
    r->curve.t_s = r->curve.v = NULL;
    r->curve.n = 0;
}

mk_status mk_vtarget_compute(mk_vtarget *t, const mk_model_abi *abi, mk_units *u, const mk_anatomy *anat,
                             mk_vresult *out, mk_error *err)
{
    if (!out) return mk_fail(err, MK_ERR_INVALID, "mk_vtarget_run: missing result");
    memset(out, 0, sizeof *out);
    if (!t || !abi || !u) return mk_fail(err, MK_ERR_INVALID, "mk_vtarget_run: missing target, model or units");
    struct timespec c0, c1;
    clock_gettime(CLOCK_MONOTONIC, &c0);
    snprintf(out->name, sizeof out->name, "%s", t->name);
    snprintf(out->file, sizeof out->file, "%s", t->file);
    snprintf(out->quantity, sizeof out->quantity, "%s", t->quantity);
    snprintf(out->source, sizeof out->source, "%s", t->source);
    snprintf(out->why, sizeof out->why, "%s", t->why);
    snprintf(out->compare, sizeof out->compare, "%s", t->compare);
    snprintf(out->unit, sizeof out->unit, "%s", t->unit);
    snprintf(out->role, sizeof out->role, "%s", t->role);
    snprintf(out->role_why, sizeof out->role_why, "%s", t->role_why);
    mk_vcircular(t->source, t->pub_value, t->pub_lo, t->pub_hi, t->unit, t->root_ex->kind == EX_SERIES ? t->root_ex->variable : "",
                 abi, out->circular, sizeof out->circular);
    out->drift = NAN;
    const char *xr = expected_reason(t, abi->name, out);
    if (xr) snprintf(out->expected, sizeof out->expected, "%s", xr);
    out->pub_value = t->pub_value;
    out->pub_lo = t->pub_lo;
    out->pub_hi = t->pub_hi;
    out->model = NAN;
    out->acc_lo = out->acc_hi = NAN;
    char a[32], b[32], c[32];
    const char *us = dimensionless(t->unit) ? "" : t->unit;
    int ordinal = !strcmp(t->compare, "ordinal");
    if (ordinal) snprintf(out->published, sizeof out->published, "%s", t->pub_text);
    else if (!isnan(t->pub_unc)) {
        fmt_num(a, sizeof a, t->pub_value), fmt_num(b, sizeof b, t->pub_unc);
        snprintf(out->published, sizeof out->published, "%s \xc2\xb1 %s %s", a, b, us);
    } else if (!isnan(t->pub_lo)) {
        fmt_num(a, sizeof a, t->pub_value), fmt_num(b, sizeof b, t->pub_lo), fmt_num(c, sizeof c, t->pub_hi);
        snprintf(out->published, sizeof out->published, "%s (%s..%s) %s", a, b, c, us);
    } else {
        fmt_num(a, sizeof a, t->pub_value);
        snprintf(out->published, sizeof out->published, "%s %s", a, us);
    }
    /* the accepted band */
    if (!strcmp(t->compare, "within")) {
        if (!strcmp(t->tol_kind, "abs")) out->acc_lo = t->pub_value - t->tol_a, out->acc_hi = t->pub_value + t->tol_a;
        else if (!strcmp(t->tol_kind, "rel"))
            out->acc_lo = t->pub_value - t->tol_a * fabs(t->pub_value), out->acc_hi = t->pub_value + t->tol_a * fabs(t->pub_value);
        else if (!strcmp(t->tol_kind, "range")) out->acc_lo = t->tol_a, out->acc_hi = t->tol_b;
        else out->acc_lo = t->pub_lo, out->acc_hi = t->pub_hi;
        fmt_num(a, sizeof a, out->acc_lo), fmt_num(b, sizeof b, out->acc_hi);
        snprintf(out->tolerance, sizeof out->tolerance, "%s..%s %s", a, b, us);
    } else if (!strcmp(t->compare, "above")) {
        out->acc_lo = t->pub_value - (!strcmp(t->tol_kind, "abs") ? t->tol_a : 0);
        fmt_num(a, sizeof a, out->acc_lo);
        snprintf(out->tolerance, sizeof out->tolerance, "> %s %s", a, us);
    } else if (!strcmp(t->compare, "below")) {
        out->acc_hi = t->pub_value + (!strcmp(t->tol_kind, "abs") ? t->tol_a : 0);
        fmt_num(a, sizeof a, out->acc_hi);
        snprintf(out->tolerance, sizeof out->tolerance, "< %s %s", a, us);
    } else {
        double ms = !strcmp(t->tol_kind, "min_step") ? t->tol_a : 0;
        out->direction = t->root_ex->direction;
        out->min_step = ms;
        fmt_num(a, sizeof a, ms);
        snprintf(out->tolerance, sizeof out->tolerance, "%s, steps > %s %s", t->root_ex->direction > 0 ? "increasing" : "decreasing",
                 a, us);
    }

    v_ctx cx = {.t = t, .abi = abi, .u = u, .anat = anat, .out = out};
    mk_error e = {0};
    mk_status rc = mk_vtarget_check_units(t, u, &e);
    double v = NAN;
    char unit[32] = "";
    if (!rc && ordinal) {
        for (int i = 0; !rc && i < t->root_ex->n_ops; i++) {
            ex *it = t->root_ex->ops[i];
            rc = eval(&cx, it, &v, unit, sizeof unit, &e);
            if (!rc) rc = to_published(&cx, it, v, unit, &out->items[i], &e);
            snprintf(out->item_labels[i], sizeof out->item_labels[i], "%.47s", it->label[0] ? it->label : it->variable);
            out->n_items = i + 1;
        }
        if (!rc) {
            size_t l = 0;
            for (int i = 0; i < out->n_items; i++) {
                fmt_num(a, sizeof a, out->items[i]);
                l += (size_t)snprintf(out->model_text + l, l < sizeof out->model_text ? sizeof out->model_text - l : 0, "%s%s",
                                      i ? (t->root_ex->direction > 0 ? " < " : " > ") : "", a);
                if (l >= sizeof out->model_text) break;
            }
        }
    } else if (!rc) {
        rc = eval(&cx, t->root_ex, &v, unit, sizeof unit, &e);
        if (!rc) rc = to_published(&cx, t->root_ex, v, unit, &out->model, &e);
        if (!rc) {
            fmt_num(a, sizeof a, out->model);
            snprintf(out->model_text, sizeof out->model_text, "%s %s", a, isfinite(out->model) ? us : "");
        }
    }
    for (int i = 0; i < MAX_SCEN; i++)
        if (cx.runs[i].done) {
            mk_run_result_free(&cx.runs[i].res);
            mk_protocol_free(cx.runs[i].proto);
        }
    if (rc == MK_ERR_NOMEM) {
        mk_vresult_clear(out);
        if (err) *err = e;
        return rc;
    }
    if (rc) {
        out->verdict = MK_V_ERROR;
        mk_error_format(&e, out->note, sizeof out->note);
        snprintf(out->model_text, sizeof out->model_text, "error");
    } else {
        int pass = ordinal ? mk_vordinal(out->items, out->n_items, t->root_ex->direction,
                                         !strcmp(t->tol_kind, "min_step") ? t->tol_a : 0)
                           : mk_vcompare(t->compare, out->model, out->acc_lo, out->acc_hi);
        out->verdict = pass ? (xr ? MK_V_XPASS : MK_V_PASS) : (xr ? MK_V_XFAIL : MK_V_FAIL);
        if (out->verdict == MK_V_XFAIL && drifted(out, ordinal)) out->verdict = MK_V_DRIFT;
        if (!out->note[0] && !pass) {
            if (ordinal) snprintf(out->note, sizeof out->note, "model order %s, expected %s", out->model_text, t->pub_text);
            else snprintf(out->note, sizeof out->note, "model %s outside the accepted %s", out->model_text, out->tolerance);
        }
        if (out->verdict == MK_V_DRIFT) {
            char rec[120] = "";
            size_t rl = 0;
            for (int k = 0; k < out->n_recorded && rl < sizeof rec; k++)
                rl += (size_t)snprintf(rec + rl, sizeof rec - rl, "%s%g", k ? ", " : "", out->recorded[k]);
            snprintf(out->note, sizeof out->note, "an expected failure whose value moved: model %s, recorded %s (drift allowed "
                     "%g): re-examine the mark and its reason, then record the new value", out->model_text, rec, out->drift);
        } else if (xr && !pass) {
            size_t l = strlen(out->note);
            snprintf(out->note + l, sizeof out->note - l, "%sexpected: %s", l ? "; " : "", xr);
        }
        if (xr && pass) snprintf(out->note, sizeof out->note, "passes although marked expected_failure (%.900s): remove the mark", xr);
    }
    clock_gettime(CLOCK_MONOTONIC, &c1);
    out->wall_s = (double)(c1.tv_sec - c0.tv_sec) + 1e-9 * (double)(c1.tv_nsec - c0.tv_nsec);
    return MK_OK;
}
