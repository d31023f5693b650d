/*
 * scenario.c -- scenario files: loading (the positioned YAML tree is io/ytree.c's), values
 * with units, the top-level keys, and assembling the protocol (input changes in time order,
 * parameter overrides, measurements, annotations).  The event vocabulary is vocabulary.c's.
 * The format is documented in docs/scenarios.md.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/limits.h"
#include "core/text.h"
#include "lang/units.h"
#include "protocol/scenario_impl.h"

enum { MAX_TEXT = MK_MAX_SCENARIO_BYTES };

static mk_status nomem(mk_error *err) { return mk_fail(err, MK_ERR_NOMEM, "out of memory"); }

/* ---------------------------------------------------------------- the tree */

static const mk_yformat k_format = {
    .max_depth = MK_MAX_SCENARIO_DEPTH,
    .alias_msg = "YAML aliases (*%s) are not supported in scenarios: write the value out",
    .dup_key_msg = "duplicate key '%s' (first given at line %d:%d)",
    .bad_key_msg = "expected a key (a name), found %s",
    .empty_msg = "the scenario is empty: expected a mapping with at least 'duration' (e.g. "
                 "'duration: 1 d')",
    .top_msg = "expected a mapping of keys (name, duration, timeline, ...) at the top level, "
               "found %s",
    .unknown_key_code = MK_ERR_NAME,
    .list_allowed_keys = 1,
};

/* ---------------------------------------------------------------- loading */

void mk_scenario_free(mk_scenario *s)
{
    if (!s) return;
    mk_yfree(s->root);
    free(s->file);
    free(s->text);
    free(s);
}

mk_status mk_scenario_load_string(const char *file_name, const char *text, mk_scenario **out,
                                  mk_error *err)
{
    *out = NULL;
    if (!file_name) file_name = "<scenario>";
    if (!text) return mk_fail(err, MK_ERR_INVALID, "no scenario text");
    if (strlen(text) > MAX_TEXT)
        return mk_fail_at(err, MK_ERR_IO, file_name, 0, 0,
                          "larger than the limit of %d bytes for a scenario", MAX_TEXT);
    mk_scenario *s = mk_calloc(1, sizeof *s);
    if (!s) return nomem(err);
    s->file = mk_strdup(file_name);
    s->text = mk_strdup(text);
    if (!s->file || !s->text) {
        mk_scenario_free(s);
        return nomem(err);
    }
    mk_status rc = mk_yparse(s->file, s->text, &k_format, &s->root, err);
    if (rc) {
        mk_scenario_free(s);
        return rc;
    }
    snprintf(s->model, sizeof s->model, "tp_site");
    const mk_ypair *m = mk_yfind(s->root, "model");
    if (m) {
        if (m->val->kind != MK_Y_SCALAR || !m->val->text[0]) {
            rc = mk_fail_at(err, MK_ERR_SYNTAX, s->file, m->val->line, m->val->col,
                            "expected a built-in model name or a .myo file for 'model', "
                            "found %s",
                            sc_kind_name(m->val));
            mk_scenario_free(s);
            return rc;
        }
        const char *v = m->val->text;
        s->model_is_file = mk_model_names_file(v);
        const char *slash = strrchr(s->file, '/');
        int n;
        if (s->model_is_file && v[0] != '/' && slash)
            n = snprintf(s->model, sizeof s->model, "%.*s/%s", (int)(slash - s->file), s->file,
                         v);
        else
            n = snprintf(s->model, sizeof s->model, "%s", v);
        if (n < 0 || (size_t)n >= sizeof s->model) {
            rc = mk_fail_at(err, MK_ERR_INVALID, s->file, m->val->line, m->val->col,
                            "the model path is too long (at most %zu characters)",
                            sizeof s->model - 1);
            mk_scenario_free(s);
            return rc;
        }
    }
    *out = s;
    return MK_OK;
}

mk_status mk_scenario_load_file(const char *path, mk_scenario **out, mk_error *err)
{
    *out = NULL;
    static const mk_text_kind kind = {.what = "a scenario", .max_len = MAX_TEXT};
    char *text;
    mk_status rc = mk_read_text_file(path, &kind, &text, NULL, err);
    if (rc) return rc;
    rc = mk_scenario_load_string(path, text, out, err);
    free(text);
    return rc;
}

extern const char mk_default_scenario_yaml[]; /* scenarios/default.yaml, embedded at build time */

mk_status mk_scenario_load_default(mk_scenario **out, mk_error *err)
{
    return mk_scenario_load_string("default.yaml (built in)", mk_default_scenario_yaml, out, err);
}

const char *mk_scenario_model(const mk_scenario *s) { return s ? s->model : NULL; }
int mk_scenario_model_is_file(const mk_scenario *s) { return s ? s->model_is_file : 0; }

/* ---------------------------------------------------------------- helpers for compiling */

mk_status sc_fail(sc_ctx *cx, int line, int col, mk_status code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mk_fail_at(cx->err, code, cx->s->file, line, col, "%s", msg);
}

const char *sc_kind_name(const mk_ynode *n)
{
    return n->kind == MK_Y_SCALAR && !n->text[0] ? "nothing" : mk_ykind_name(n);
}

const char *sc_fmt_time(double t, char *buf, size_t size)
{
    double day = floor(t / 86400.0);
    double rem = t - day * 86400.0;
    int hh = (int)(rem / 3600), mm = (int)((rem - hh * 3600) / 60);
    double ss = rem - hh * 3600 - mm * 60;
    if (ss >= 0.5e-6)
        snprintf(buf, size, "day %.0f %02d:%02d:%02.0f (t = %.10g s)", day + 1, hh, mm, floor(ss),
                 t);
    else
        snprintf(buf, size, "day %.0f %02d:%02d (t = %.10g s)", day + 1, hh, mm, t);
    return buf;
}


/* best over one kind of symbol, or over states and variables together (kind < 0) */
const char *sc_suggest_symbols(const mk_model_abi *abi, int kind, const char *name)
{
    const char *best = NULL;
    int bd = 1000;
    for (int k = 0; k < 4; k++) {
        if (kind >= 0 ? k != kind : (k != MK_SYM_STATE && k != MK_SYM_VAR)) continue;
        const mk_symbol *tab = k == MK_SYM_PARAM   ? abi->params
                               : k == MK_SYM_STATE ? abi->states
                               : k == MK_SYM_INPUT ? abi->inputs
                                                   : abi->vars;
        int n = k == MK_SYM_PARAM   ? abi->n_params
                : k == MK_SYM_STATE ? abi->n_states
                : k == MK_SYM_INPUT ? abi->n_inputs
                                    : abi->n_vars;
        for (int i = 0; i < n; i++) {
            int d = mk_hint_score(name, tab[i].name);
            if (d < bd) {
                bd = d;
                best = tab[i].name;
            }
        }
    }
    return bd <= mk_hint_limit(name) ? best : NULL;
}

mk_status sc_check_keys(sc_ctx *cx, const mk_ynode *map, const char *const *allowed,
                        const char *where)
{
    return mk_ycheck_keys(cx->s->file, &k_format, map, allowed, where, cx->err);
}

mk_status sc_missing(sc_ctx *cx, const mk_ynode *map, const char *key, const char *where,
                     const char *hint)
{
    return sc_fail(cx, map->line, map->col, MK_ERR_SYNTAX, "missing key '%s' %s (%s)", key,
                   where, hint);
}

static mk_status want_scalar(sc_ctx *cx, const mk_ypair *p, const char *what)
{
    if (p->val->kind == MK_Y_SCALAR && p->val->text[0]) return MK_OK;
    return sc_fail(cx, p->val->kind == MK_Y_SCALAR ? p->line : p->val->line,
                   p->val->kind == MK_Y_SCALAR ? p->col : p->val->col, MK_ERR_SYNTAX,
                   "expected %s for '%s', found %s", what, p->key, sc_kind_name(p->val));
}

/* "day N HH:MM[:SS]" -> seconds.  Returns 0 if text is not in clock form, 1 on success; on a
 * malformed clock it fails through cx and returns -1. */
static int clock_time(sc_ctx *cx, const mk_ypair *p, double *out)
{
    const char *t = p->val->text;
    if (strncmp(t, "day", 3) != 0 || (t[3] != ' ' && t[3] != '\t' && t[3] != 0)) return 0;
    int line = p->val->line, col = p->val->col;
    const char *c = t + 3;
    while (*c == ' ' || *c == '\t') c++;
    if (!isdigit((unsigned char)*c)) {
        sc_fail(cx, line, col, MK_ERR_SYNTAX,
                "bad clock time '%s': expected 'day N HH:MM' (e.g. 'day 8 09:00')", t);
        return -1;
    }
    char *end;
    long day = strtol(c, &end, 10);
    if (day < 1 || day > 100000) {
        sc_fail(cx, line, col, MK_ERR_INVALID,
                "bad clock time '%s': expected day 1 or later (day 1 starts at t = 0), found "
                "day %ld",
                t, day);
        return -1;
    }
    c = end;
    while (*c == ' ' || *c == '\t') c++;
    long hh = 0, mm = 0, ss = 0;
    if (*c) {
        int n = 0, consumed = 0;
        n = sscanf(c, "%2ld:%2ld%n", &hh, &mm, &consumed);
        if (n != 2 || !isdigit((unsigned char)c[0]) || c[consumed - 3] != ':') {
            sc_fail(cx, line, col, MK_ERR_SYNTAX,
                    "bad clock time '%s': expected the time of day as HH:MM or HH:MM:SS "
                    "(e.g. 'day %ld 09:00')",
                    t, day);
            return -1;
        }
        c += consumed;
        if (*c == ':') {
            int more = 0;
            if (sscanf(c, ":%2ld%n", &ss, &more) != 1 || !isdigit((unsigned char)c[1])) {
                sc_fail(cx, line, col, MK_ERR_SYNTAX,
                        "bad clock time '%s': expected seconds after the second ':'", t);
                return -1;
            }
            c += more;
        }
        while (*c == ' ' || *c == '\t') c++;
        if (*c) {
            sc_fail(cx, line, col, MK_ERR_SYNTAX,
                    "bad clock time '%s': unexpected '%s' after the time of day", t, c);
            return -1;
        }
        if (hh > 23) {
            sc_fail(cx, line, col, MK_ERR_INVALID,
                    "bad clock time '%s': expected hours 00..23, found %ld", t, hh);
            return -1;
        }
        if (mm > 59) {
            sc_fail(cx, line, col, MK_ERR_INVALID,
                    "bad clock time '%s': expected minutes 00..59, found %ld", t, mm);
            return -1;
        }
        if (ss > 59) {
            sc_fail(cx, line, col, MK_ERR_INVALID,
                    "bad clock time '%s': expected seconds 00..59, found %ld", t, ss);
            return -1;
        }
    }
    *out = (double)(day - 1) * 86400.0 + (double)hh * 3600.0 + (double)mm * 60.0 + (double)ss;
    return 1;
}

/* Rewrites of units that clinicians write but UDUNITS reads otherwise; unit is modified. */
static void clinical_unit(char *unit, size_t size, int delta)
{
    /* "% MVC", "%MVC", "% of MVC": a percentage of maximal voluntary contraction */
    if (unit[0] == '%') {
        const char *r = unit + 1;
        while (*r == ' ') r++;
        if (strcmp(r, "MVC") == 0 || strcmp(r, "of MVC") == 0 || strcmp(r, "MVE") == 0) {
            snprintf(unit, size, "%%");
            return;
        }
    }
    /* "kg/cm2/s" and friends: the algometer's kg is kilogram-force */
    if (strncmp(unit, "kg/cm", 5) == 0 && strlen(unit) + 2 < size) {
        memmove(unit + 3, unit + 2, strlen(unit + 2) + 1);
        unit[2] = 'f';
        return;
    }
    /* a temperature difference: 3 degC of warming is 3 K */
    if (delta && (strcmp(unit, "degC") == 0 || strcmp(unit, "\xc2\xb0"
                                                              "C") == 0 ||
                  strcmp(unit, "celsius") == 0 || strcmp(unit, "Celsius") == 0))
        snprintf(unit, size, "K");
}

mk_status sc_quantity(sc_ctx *cx, const mk_ypair *p, const char *target, const char *what,
                      int flags, double lo, double hi, double *out)
{
    mk_status rc = want_scalar(cx, p, what);
    if (rc) return rc;
    const char *text = p->val->text;
    int line = p->val->line, col = p->val->col;
    if (flags & SQ_CLOCK) {
        int r = clock_time(cx, p, out);
        if (r < 0) return cx->err ? cx->err->code : MK_ERR_SYNTAX;
        if (r > 0) return MK_OK;
    }
    const char *s = text;
    while (*s == ' ' || *s == '\t') s++;
    char *end;
    double v = strtod(s, &end);
    if (end == s) {
        char example[96];
        if (strcmp(target, "1") == 0) snprintf(example, sizeof example, "0.5");
        else snprintf(example, sizeof example, "%s %s", strcmp(target, "s") ? "1" : "90", target);
        return sc_fail(cx, line, col, MK_ERR_SYNTAX,
                       "expected %s for '%s' as a number with a unit (e.g. '%s'), found '%s'",
                       what, p->key, example, text);
    }
    if (!isfinite(v))
        return sc_fail(cx, line, col, MK_ERR_INVALID,
                       "expected a finite number for '%s', found '%s'", p->key, text);
    while (*end == ' ' || *end == '\t') end++;
    char unit[256];
    snprintf(unit, sizeof unit, "%s", end);
    size_t ul = strlen(unit);
    while (ul && (unit[ul - 1] == ' ' || unit[ul - 1] == '\t')) unit[--ul] = 0;
    double val;
    if (!unit[0]) {
        double one_scale = NAN;
        mk_error e2 = {0};
        int dimensionless = mk_units_convert(cx->u, 1.0, "1", target, &one_scale, &e2) == MK_OK;
        if (e2.code == MK_ERR_NOMEM) return sc_fail(cx, line, col, MK_ERR_NOMEM, "out of memory");
        /* only a pure number (unit 1): a bare 0.3 for a % would be ambiguous */
        if (!(flags & SQ_BARE) || !dimensionless || one_scale != 1.0)
            return sc_fail(cx, line, col, MK_ERR_UNIT,
                           "'%s' needs a unit: expected %s such as '%s %s', found '%s'", p->key,
                           what, s, target, text);
        val = v;
    } else {
        clinical_unit(unit, sizeof unit, (flags & SQ_DELTA) != 0);
        char why[256];
        ut_unit *uu = NULL;
        mk_status urc = mk_units_parse(cx->u, unit, &uu, why, sizeof why);
        if (urc)
            return sc_fail(cx, line, col, urc,
                           "cannot read the unit of '%s' for '%s' (%s): expected %s in %s or a "
                           "compatible unit",
                           text, p->key, why, what, target);
        ut_free(uu);
        mk_error e2 = {0};
        if (mk_units_convert(cx->u, v, unit, target, &val, &e2) && e2.code == MK_ERR_NOMEM)
            return sc_fail(cx, line, col, MK_ERR_NOMEM, "out of memory");
        if (e2.code)
            return sc_fail(cx, line, col, MK_ERR_UNIT,
                           "wrong unit for '%s': expected %s (in %s or a compatible unit), "
                           "found '%s' (%s cannot be converted to %s)",
                           p->key, what, target, text, end, target);
    }
    if (!isfinite(val))
        return sc_fail(cx, line, col, MK_ERR_INVALID,
                       "expected a finite number for '%s', found '%s'", p->key, text);
    if ((flags & SQ_POSITIVE) && !(val > 0))
        return sc_fail(cx, line, col, MK_ERR_INVALID, "'%s' must be positive, found '%s'",
                       p->key, text);
    if ((flags & SQ_NONNEG) && !(val >= 0))
        return sc_fail(cx, line, col, MK_ERR_INVALID, "'%s' must not be negative, found '%s'",
                       p->key, text);
    const char *tu = strcmp(target, "1") == 0 ? "" : target;
    const char *sp = tu[0] ? " " : "";
    if (!isnan(lo) && !isnan(hi) && (val < lo || val > hi))
        return sc_fail(cx, line, col, MK_ERR_INVALID, "'%s' must lie between %g and %g%s%s, found '%s'",
                       p->key, lo, hi, sp, tu, text);
    if (!isnan(hi) && val > hi)
        return sc_fail(cx, line, col, MK_ERR_INVALID, "'%s' must be at most %g%s%s, found '%s'",
                       p->key, hi, sp, tu, text);
    if (!isnan(lo) && val < lo)
        return sc_fail(cx, line, col, MK_ERR_INVALID, "'%s' must be at least %g%s%s, found '%s'",
                       p->key, lo, sp, tu, text);
    *out = val;
    return MK_OK;
}

mk_status sc_int(sc_ctx *cx, const mk_ypair *p, long lo, long hi, long *out)
{
    mk_status rc = want_scalar(cx, p, "a whole number");
    if (rc) return rc;
    const char *t = p->val->text;
    char *end;
    errno = 0;
    long v = strtol(t, &end, 10);
    int ok = end != t && *end == 0 && errno == 0 && isdigit((unsigned char)t[t[0] == '-' || t[0] == '+']);
    if (!ok || v < lo) {
        if (lo == 1)
            return sc_fail(cx, p->val->line, p->val->col, MK_ERR_INVALID,
                           "'%s' must be a positive integer, found '%s'", p->key, t);
        return sc_fail(cx, p->val->line, p->val->col, MK_ERR_INVALID,
                       "'%s' must be an integer of at least %ld, found '%s'", p->key, lo, t);
    }
    if (v > hi)
        return sc_fail(cx, p->val->line, p->val->col, MK_ERR_INVALID,
                       "'%s' must be at most %ld, found '%s'", p->key, hi, t);
    *out = v;
    return MK_OK;
}

mk_status sc_bool(sc_ctx *cx, const mk_ypair *p, int *out)
{
    mk_status rc = want_scalar(cx, p, "true or false");
    if (rc) return rc;
    const char *t = p->val->text;
    if (!strcmp(t, "true") || !strcmp(t, "yes") || !strcmp(t, "True")) *out = 1;
    else if (!strcmp(t, "false") || !strcmp(t, "no") || !strcmp(t, "False")) *out = 0;
    else
        return sc_fail(cx, p->val->line, p->val->col, MK_ERR_SYNTAX,
                       "expected true or false for '%s', found '%s'", p->key, t);
    return MK_OK;
}

mk_status sc_enum(sc_ctx *cx, const mk_ypair *p, const char *const *options, const char *what,
                  int *out)
{
    char expected[256];
    snprintf(expected, sizeof expected, "a %s", what);
    mk_status rc = want_scalar(cx, p, expected);
    if (rc) return rc;
    int n = 0;
    for (; options[n]; n++)
        if (strcmp(options[n], p->val->text) == 0) {
            *out = n;
            return MK_OK;
        }
    const char *hint = mk_suggest(p->val->text, options, n);
    if (hint)
        return sc_fail(cx, p->val->line, p->val->col, MK_ERR_NAME,
                       "unknown %s '%s' (did you mean '%s'?)", what, p->val->text, hint);
    char list[512] = "";
    size_t used = 0;
    for (int j = 0; j < n && used < sizeof list; j++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "",
                                 options[j]);
    return sc_fail(cx, p->val->line, p->val->col, MK_ERR_NAME,
                   "unknown %s '%s' (expected one of: %s)", what, p->val->text, list);
}

mk_status sc_string(sc_ctx *cx, const mk_ypair *p, char *buf, size_t size)
{
    if (p->val->kind != MK_Y_SCALAR)
        return sc_fail(cx, p->val->line, p->val->col, MK_ERR_SYNTAX,
                       "expected text for '%s', found %s", p->key, sc_kind_name(p->val));
    if (strlen(p->val->text) >= size)
        return sc_fail(cx, p->val->line, p->val->col, MK_ERR_INVALID,
                       "'%s' is too long: at most %zu characters, found %zu", p->key, size - 1,
                       strlen(p->val->text));
    snprintf(buf, size, "%s", p->val->text);
    return MK_OK;
}

/* ---------------------------------------------------------------- compiling */

static const char *const k_top_keys[] = {"name",     "description", "model",    "site",
                                         "sites",    "duration", "output_every", "seed",    "parameters",
                                         "baseline", "timeline",    "patient", "start",
                                         "examiner", "sweep",   NULL};

/* examiner: {algometer_sem: Q}: the simulated examiner's error on each PPT reading */
static mk_status sc_examiner(sc_ctx *cx, mk_protocol *pr, const mk_ypair *p)
{
    static const char *const keys[] = {"algometer_sem", NULL};
    if (p->val->kind != MK_Y_MAP)
        return sc_fail(cx, p->val->line, p->val->col, MK_ERR_SYNTAX,
                       "expected a mapping for 'examiner' (e.g. 'examiner: {algometer_sem: 0.2 kg/cm2}'), found %s",
                       sc_kind_name(p->val));
    mk_status rc = sc_check_keys(cx, p->val, keys, "in 'examiner'");
    const mk_ypair *sem = rc ? NULL : mk_yfind(p->val, "algometer_sem");
    if (!rc && !sem)
        rc = sc_missing(cx, p->val, "algometer_sem", "in 'examiner'",
                        "the SD of an algometer reading, e.g. 'algometer_sem: 0.2 kg/cm2'");
    if (!rc) rc = sc_quantity(cx, sem, "kPa", "a pressure", SQ_NONNEG, NAN, NAN, &pr->algometer_sem_kpa);
    return rc;
}

/* A --set value as a pseudo pair, so the helpers (and their messages) apply. */
typedef struct set_item {
    char name[128];
    mk_ynode node;
    mk_ypair pair;
    char text[256];
} set_item;

/* An error in the caller's override list (the sets of mk_scenario_compile): no file to name;
 * the origin tells the caller (the command line's --set) that its argument is at fault. */
#define OVERRIDE_FAIL(err, code, ...) \
    mk_error_from((err), MK_ORIGIN_OVERRIDE, mk_fail((err), (code), __VA_ARGS__))

/* Warn (or, if strict, fail) when a parameter leaves its plausible range. */
static mk_status param_range(sc_ctx *cx, const char *file, int line, int col, int idx,
                             double v)
{
    const mk_symbol *sym = &cx->abi->params[idx];
    if (isnan(sym->lo) || isnan(sym->hi) || (v >= sym->lo && v <= sym->hi)) return MK_OK;
    char msg[512];
    snprintf(msg, sizeof msg,
             "parameter '%s' = %g %s is outside its plausible range %g .. %g %s", sym->name, v,
             sym->unit, sym->lo, sym->hi, sym->unit);
    if (cx->strict) {
        if (!file) return OVERRIDE_FAIL(cx->err, MK_ERR_INVALID, "%s (strict)", msg);
        return mk_fail_at(cx->err, MK_ERR_INVALID, file, line, col, "%s (strict)", msg);
    }
    if (cx->warnings) {
        if (line > 0) mk_buf_printf(cx->warnings, "%s:%d:%d: warning: %s\n", file, line, col, msg);
        else mk_buf_printf(cx->warnings, "%s: warning: %s\n", file ? file : "override", msg);
    }
    return MK_OK;
}

mk_status sc_set_param(sc_ctx *cx, mk_protocol *pr, int idx, double v, int line, int col)
{
    for (int i = 0; i < pr->n_params; i++)
        if (pr->params[i].param == idx) {
            pr->params[i].value = v;
            pr->params[i].line = line;
            pr->params[i].col = col;
            return MK_OK;
        }
    mk_param_override *np = mk_realloc(pr->params, (size_t)(pr->n_params + 1) * sizeof *np);
    if (!np) return nomem(cx->err);
    pr->params = np;
    pr->params[pr->n_params++] = (mk_param_override){idx, v, line, col};
    return MK_OK;
}

static mk_status symbol_value(sc_ctx *cx, const mk_ypair *p, const mk_symbol *sym, double *out)
{
    char what[160];
    snprintf(what, sizeof what, "a value for %s", sym->name);
    return sc_quantity(cx, p, sym->unit, what, SQ_BARE, NAN, NAN, out);
}

/* A `parameters:` mapping into overrides; errors name cx->s->file. */
mk_status sc_parameters(sc_ctx *cx, mk_protocol *pr, const mk_ypair *p)
{
    const mk_model_abi *abi = cx->abi;
    mk_status rc = MK_OK;
    if (p->val->kind != MK_Y_MAP) {
        if (p->val->kind == MK_Y_SCALAR && !p->val->text[0]) return MK_OK;
        return sc_fail(cx, p->val->line, p->val->col, MK_ERR_SYNTAX,
                       "expected a mapping of parameter names to values for 'parameters' "
                       "(e.g. 'core.tau: 30 s'), found %s",
                       sc_kind_name(p->val));
    }
    for (int i = 0; !rc && i < p->val->n; i++) {
        const mk_ypair *q = &p->val->pairs[i];
        int idx = mk_abi_find(abi, MK_SYM_PARAM, q->key);
        if (idx < 0) {
            const char *hint = sc_suggest_symbols(abi, MK_SYM_PARAM, q->key);
            if (hint)
                return sc_fail(cx, q->line, q->col, MK_ERR_NAME,
                               "unknown parameter '%s' of model '%s' (did you mean '%s'?)",
                               q->key, abi->name, hint);
            return sc_fail(cx, q->line, q->col, MK_ERR_NAME,
                           "unknown parameter '%s' of model '%s' (parameters are "
                           "qualified, e.g. 'component.name'; 'myoknot model show' "
                           "lists them)",
                           q->key, abi->name);
        }
        double v;
        if ((rc = symbol_value(cx, q, &abi->params[idx], &v))) return rc;
        if ((rc = param_range(cx, cx->s->file, q->val->line, q->val->col, idx, v))) return rc;
        rc = sc_set_param(cx, pr, idx, v, q->val->line, q->val->col);
    }
    return rc;
}

typedef struct change_key {
    mk_input_change c;
    long seq;
} change_key;

static int cmp_change(const void *a, const void *b)
{
    const change_key *x = a, *y = b;
    if (x->c.t_s != y->c.t_s) return x->c.t_s < y->c.t_s ? -1 : 1;
    if (x->c.input != y->c.input) return x->c.input < y->c.input ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

typedef struct seg_key {
    sc_seg s;
    long seq;
} seg_key;

static int cmp_seg(const void *a, const void *b)
{
    const seg_key *x = a, *y = b;
    if (x->s.input != y->s.input) return x->s.input < y->s.input ? -1 : 1;
    if (x->s.t0 != y->s.t0) return x->s.t0 < y->s.t0 ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

typedef struct meas_key {
    mk_measurement m;
    long seq;
} meas_key;

static int cmp_meas(const void *a, const void *b)
{
    const meas_key *x = a, *y = b;
    if (x->m.t_s != y->m.t_s) return x->m.t_s < y->m.t_s ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

typedef struct note_key {
    mk_annotation n;
    long seq;
} note_key;

static int cmp_note(const void *a, const void *b)
{
    const note_key *x = a, *y = b;
    if (x->n.t0_s != y->n.t0_s) return x->n.t0_s < y->n.t0_s ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int same_time(double a, double b)
{
    double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    return fabs(a - b) <= 1e-9 * (m > 1 ? m : 1);
}

static const char *event_name(const mk_ynode *ev)
{
    const mk_ypair *p = mk_yfind(ev, "event");
    return p && p->val->kind == MK_Y_SCALAR ? p->val->text : "event";
}

/* Sorted segments: the overlapping or touching holds of one flag input (therapy_session: a
 * massage with TENS during it is one treatment session) made one hold, their union.  Returns
 * the number of segments left. */
static int merge_flags(seg_key *sk, int n)
{
    int out = 0;
    for (int i = 0; i < n; i++) {
        seg_key *last = out ? &sk[out - 1] : NULL;
        if (last && last->s.flag && sk[i].s.flag && last->s.input == sk[i].s.input &&
            sk[i].s.t0 <= last->s.t1) {
            if (sk[i].s.t1 > last->s.t1) last->s.t1 = sk[i].s.t1;
            continue;
        }
        sk[out++] = sk[i];
    }
    return out;
}

/* Baseline values, segments -> sorted input changes. */
static mk_status assemble_changes(sc_ctx *cx, mk_protocol *pr, const double *base,
                                  const int *has_base)
{
    int ni = cx->abi->n_inputs;
    seg_key *sk = NULL;
    if (cx->n_segs) {
        sk = mk_malloc((size_t)cx->n_segs * sizeof *sk);
        if (!sk) return nomem(cx->err);
    }
    for (int i = 0; i < cx->n_segs; i++) sk[i] = (seg_key){cx->segs[i], i};
    if (cx->n_segs) qsort(sk, (size_t)cx->n_segs, sizeof *sk, cmp_seg);
    int n_segs = merge_flags(sk, cx->n_segs);
    /* overlaps */
    for (int i = 1; i < n_segs; i++) {
        const sc_seg *a = &sk[i - 1].s, *b = &sk[i].s;
        if (a->input != b->input || b->t0 >= a->t1 || same_time(b->t0, a->t1)) continue;
        /* report at the event written later in the file, naming both */
        const mk_ynode *first = a->ev, *second = b->ev;
        if (first->line > second->line || (first->line == second->line && first->col > second->col)) {
            const mk_ynode *t = first;
            first = second;
            second = t;
        }
        double t1 = a->t1 < b->t1 ? a->t1 : b->t1;
        char from[80], to[80];
        if (first == second) {
            mk_status rc = sc_fail(cx, first->line, first->col, MK_ERR_INVALID,
                                   "overlapping events that cannot both apply: occurrences of "
                                   "'%s' (line %d) overlap ('every' is shorter than one "
                                   "occurrence); both set %s from %s to %s",
                                   event_name(first), first->line, cx->abi->inputs[a->input].name,
                                   sc_fmt_time(b->t0, from, sizeof from),
                                   sc_fmt_time(t1, to, sizeof to));
            free(sk);
            return rc;
        }
        mk_status rc = sc_fail(cx, second->line, second->col, MK_ERR_INVALID,
                               "overlapping events that cannot both apply: '%s' (line %d) and "
                               "'%s' (line %d) both set %s from %s to %s",
                               event_name(first), first->line, event_name(second), second->line,
                               cx->abi->inputs[a->input].name, sc_fmt_time(b->t0, from, sizeof from),
                               sc_fmt_time(t1, to, sizeof to));
        free(sk);
        return rc;
    }
    /* changes: baselines at t = 0, then each segment and its revert */
    long cap = 2L * cx->n_segs + ni + 1, n = 0;
    change_key *ck = mk_malloc((size_t)cap * sizeof *ck);
    if (!ck) {
        free(sk);
        return nomem(cx->err);
    }
    for (int in = 0; in < ni; in++) {
        if (!has_base[in]) continue;
        int starts_at_zero = 0;
        for (int i = 0; i < n_segs; i++)
            if (sk[i].s.input == in && same_time(sk[i].s.t0, 0)) starts_at_zero = 1;
        if (!starts_at_zero) ck[n] = (change_key){{0.0, in, base[in], NULL}, n}, n++;
    }
    for (int i = 0; i < n_segs; i++) {
        const sc_seg *a = &sk[i].s;
        /* back to back with the same value from the same event type (a repeated event): no
         * change at the seam; a change of event type stays one, since a trial may scale what
         * one type writes and not the other */
        int seam = i > 0 && sk[i - 1].s.input == a->input && same_time(sk[i - 1].s.t1, a->t0) &&
                   sk[i - 1].s.value == a->value && sk[i - 1].s.event == a->event;
        if (!seam) {
            ck[n] = (change_key){{a->t0, a->input, a->value, a->event}, n};
            n++;
        }
        int adjacent = i + 1 < n_segs && sk[i + 1].s.input == a->input &&
                       same_time(sk[i + 1].s.t0, a->t1);
        if (!adjacent) {
            ck[n] = (change_key){{a->t1, a->input, base[a->input], NULL}, n};
            n++;
        }
    }
    free(sk);
    qsort(ck, (size_t)n, sizeof *ck, cmp_change);
    pr->changes = mk_malloc((size_t)(n ? n : 1) * sizeof *pr->changes);
    if (!pr->changes) {
        free(ck);
        return nomem(cx->err);
    }
    for (long i = 0; i < n; i++) pr->changes[i] = ck[i].c;
    pr->n_changes = (int)n;
    free(ck);
    return MK_OK;
}

static mk_status sort_outputs(sc_ctx *cx, mk_protocol *pr)
{
    if (cx->n_meas) {
        meas_key *mk = mk_malloc((size_t)cx->n_meas * sizeof *mk);
        if (!mk) return nomem(cx->err);
        for (int i = 0; i < cx->n_meas; i++) mk[i] = (meas_key){cx->meas[i], i};
        qsort(mk, (size_t)cx->n_meas, sizeof *mk, cmp_meas);
        pr->meas = mk_malloc((size_t)cx->n_meas * sizeof *pr->meas);
        if (!pr->meas) {
            free(mk);
            return nomem(cx->err);
        }
        for (int i = 0; i < cx->n_meas; i++) pr->meas[i] = mk[i].m;
        pr->n_meas = cx->n_meas;
        free(mk);
    }
    if (cx->n_notes) {
        note_key *nk = mk_malloc((size_t)cx->n_notes * sizeof *nk);
        if (!nk) return nomem(cx->err);
        for (int i = 0; i < cx->n_notes; i++) nk[i] = (note_key){cx->notes[i], i};
        qsort(nk, (size_t)cx->n_notes, sizeof *nk, cmp_note);
        pr->notes = mk_malloc((size_t)cx->n_notes * sizeof *pr->notes);
        if (!pr->notes) {
            free(nk);
            return nomem(cx->err);
        }
        for (int i = 0; i < cx->n_notes; i++) pr->notes[i] = nk[i].n;
        pr->n_notes = cx->n_notes;
        free(nk);
    }
    return MK_OK;
}

/* A "nice" output interval: about a thousand rows, on a round number of seconds. */
static double default_output_every(double duration)
{
    static const double nice[] = {0.1,  0.2,  0.5,   1,     2,     5,     10,    15,
                                  30,   60,   120,   300,   600,   900,   1800,  3600,
                                  7200, 10800, 21600, 43200, 86400, 604800};
    double want = duration / 1000.0;
    for (size_t i = 0; i < sizeof nice / sizeof nice[0]; i++)
        if (nice[i] >= want) return nice[i] < duration ? nice[i] : duration;
    return nice[sizeof nice / sizeof nice[0] - 1];
}

static mk_status parse_sets(sc_ctx *cx, const char *const *sets, int n_sets, set_item *items)
{
    for (int i = 0; i < n_sets; i++) {
        set_item *it = &items[i];
        const char *eq = sets[i] ? strchr(sets[i], '=') : NULL;
        if (!eq || eq == sets[i])
            return OVERRIDE_FAIL(cx->err, MK_ERR_SYNTAX,
                              "expected 'name=value unit' (e.g. 'core.tau=30 s'), found '%s'",
                              sets[i] ? sets[i] : "");
        const char *a = sets[i], *b = eq;
        while (*a == ' ') a++;
        while (b > a && b[-1] == ' ') b--;
        if ((size_t)(b - a) >= sizeof it->name || strlen(eq + 1) >= sizeof it->text)
            return OVERRIDE_FAIL(cx->err, MK_ERR_SYNTAX, "'%s' is too long", sets[i]);
        snprintf(it->name, sizeof it->name, "%.*s", (int)(b - a), a);
        const char *v = eq + 1;
        while (*v == ' ') v++;
        snprintf(it->text, sizeof it->text, "%s", v);
        it->node = (mk_ynode){.kind = MK_Y_SCALAR, .line = 0, .col = 0, .text = it->text};
        it->pair = (mk_ypair){.key = it->name, .line = 0, .col = 0, .val = &it->node};
    }
    return MK_OK;
}

/* Errors raised on an override's pseudo pair carry line 0: no file, the override's origin. */
static mk_status set_error(sc_ctx *cx, const char *set)
{
    char msg[sizeof cx->err->message];
    snprintf(msg, sizeof msg, "%s", cx->err->message);
    return OVERRIDE_FAIL(cx->err, cx->err->code, "'%s': %s", set, msg);
}

/* The steps of compile(), in its order.  Each reads one part of the file (and the --set items
 * that override it) into the protocol; the first error stops the compile. */

/* name (the file's base name when none), description, model, file and text */
static mk_status compile_header(sc_ctx *cx, mk_protocol *pr)
{
    const mk_scenario *s = cx->s;
    const mk_ypair *p;
    mk_status rc;
    if ((p = mk_yfind(s->root, "name"))) {
        if ((rc = sc_string(cx, p, pr->name, sizeof pr->name))) return rc;
    } else {
        const char *base = strrchr(s->file, '/');
        base = base ? base + 1 : s->file;
        const char *dot = strrchr(base, '.');
        size_t len = dot ? (size_t)(dot - base) : strlen(base);
        if (len >= sizeof pr->name) len = sizeof pr->name - 1;
        snprintf(pr->name, sizeof pr->name, "%.*s", (int)len, base);
    }
    if ((p = mk_yfind(s->root, "description")) &&
        (rc = sc_string(cx, p, pr->description, sizeof pr->description)))
        return rc;
    snprintf(pr->model, sizeof pr->model, "%s", s->model);
    snprintf(pr->file, sizeof pr->file, "%s", s->file);
    pr->yaml_text = mk_strdup(s->text);
    return pr->yaml_text ? MK_OK : nomem(cx->err);
}

/* A muscle id the anatomy knows, else an error with a did-you-mean. */
static mk_status known_muscle(sc_ctx *cx, const mk_ypair *m, const char *muscle)
{
    if (!cx->anat || mk_anatomy_has_muscle(cx->anat, muscle)) return MK_OK;
    const char *hint = mk_anatomy_suggest(cx->anat, muscle, 1);
    if (hint)
        return sc_fail(cx, m->val->line, m->val->col, MK_ERR_NAME,
                       "unknown muscle '%s' (did you mean '%s'?)", muscle, hint);
    return sc_fail(cx, m->val->line, m->val->col, MK_ERR_NAME,
                   "unknown muscle '%s' (the muscles are listed in data/anatomy/muscles.csv)", muscle);
}

/* satellite_of: INSTANCE, an earlier site ("upper_trapezius_r"): its index in *key. */
static mk_status satellite_key(sc_ctx *cx, const mk_ypair *p, const mk_scn_site *out, int n, int *key)
{
    *key = -1;
    if (!p) return MK_OK;
    char want[64], names[MK_MAX_SITES][64];
    const char *list[MK_MAX_SITES];
    mk_status rc = sc_string(cx, p, want, sizeof want);
    if (rc) return rc;
    for (int j = 0; j < n && j < MK_MAX_SITES; j++) {
        snprintf(names[j], sizeof names[j], "%.48s_%.1s", out[j].muscle, out[j].side);
        list[j] = names[j];
        if (!strcmp(names[j], want)) {
            *key = j;
            return MK_OK;
        }
    }
    const char *hint = n ? mk_suggest(want, list, n) : NULL;
    return sc_fail(cx, p->val->line, p->val->col, MK_ERR_NAME,
                   "'satellite_of: %s' names no site listed before it%s%s%s (a key trigger point is "
                   "listed before its satellites, as muscle_r or muscle_l)",
                   want, hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
}

/* One item of sites: {muscle, side, satellite_of}, side right, left or both; appended to
 * out[*n]. */
static mk_status site_item(sc_ctx *cx, const mk_ynode *it, mk_scn_site *out, int *n)
{
    if (it->kind != MK_Y_MAP)
        return sc_fail(cx, it->line, it->col, MK_ERR_SYNTAX,
                       "expected a site {muscle: upper_trapezius, side: right} in 'sites', found %s",
                       sc_kind_name(it));
    static const char *const keys[] = {"muscle", "side", "satellite_of", NULL};
    mk_status rc = sc_check_keys(cx, it, keys, "in a site of 'sites'");
    if (rc) return rc;
    const mk_ypair *m = mk_yfind(it, "muscle"), *sd = mk_yfind(it, "side");
    int key = -1;
    if ((rc = satellite_key(cx, mk_yfind(it, "satellite_of"), out, *n, &key))) return rc;
    if (!m) return sc_missing(cx, it, "muscle", "in a site of 'sites'", "e.g. 'muscle: upper_trapezius'");
    char muscle[48];
    if ((rc = sc_string(cx, m, muscle, sizeof muscle)) || (rc = known_muscle(cx, m, muscle))) return rc;
    static const char *const sides[] = {"right", "left", "both", "r", "l", NULL};
    int k = 0;
    if (sd && (rc = sc_enum(cx, sd, sides, "side", &k))) return rc;
    for (int pass = 0; pass < (k == 2 ? 2 : 1); pass++) {
        const char *side = k == 2 ? (pass ? "l" : "r") : (k == 0 || k == 3) ? "r" : "l";
        for (int j = 0; j < *n; j++)
            if (!strcmp(out[j].muscle, muscle) && !strcmp(out[j].side, side))
                return sc_fail(cx, it->line, it->col, MK_ERR_INVALID,
                               "site %s %s given twice (first at line %d): each trigger point is "
                               "listed once", muscle, *side == 'r' ? "right" : "left", out[j].line);
        if (*n >= MK_MAX_SITES)
            return sc_fail(cx, it->line, it->col, MK_ERR_INVALID,
                           "too many sites: at most %d trigger points in one body", MK_MAX_SITES);
        mk_scn_site *o = &out[(*n)++];
        snprintf(o->muscle, sizeof o->muscle, "%s", muscle);
        snprintf(o->side, sizeof o->side, "%s", side);
        o->key = key;
        o->line = it->line;
        o->col = it->col;
    }
    return MK_OK;
}

mk_status mk_scenario_sites(const mk_scenario *s, const mk_anatomy *anat, mk_scn_site *out, int *n,
                            mk_error *err)
{
    sc_ctx cx = {.s = s, .anat = anat, .err = err};
    *n = 0;
    const mk_ypair *p = mk_yfind(s->root, "sites");
    if (!p) return MK_OK;
    const mk_ypair *one = mk_yfind(s->root, "site");
    if (one)
        return sc_fail(&cx, one->line, one->col, MK_ERR_INVALID,
                       "'site' and 'sites' both given: list every trigger point under 'sites'");
    if (p->val->kind != MK_Y_SEQ || p->val->n == 0)
        return sc_fail(&cx, p->val->line, p->val->col, MK_ERR_SYNTAX,
                       "expected a list of sites for 'sites' (- {muscle: upper_trapezius, side: "
                       "right}), found %s",
                       p->val->kind == MK_Y_SEQ ? "an empty list" : sc_kind_name(p->val));
    mk_status rc = MK_OK;
    for (int i = 0; i < p->val->n && !rc; i++) rc = site_item(&cx, p->val->items[i], out, n);
    if (rc) *n = 0;
    return rc;
}

/* Several sites run only on the model composed from them (mk_study_open composes it): a model
 * opened by name (sweep, trial, validate) would silently simulate one site, so stop at the
 * scenario's sites: key.  One site composes to the single-site model bit for bit, so it may
 * run on it. */
static mk_status composed_from_sites(sc_ctx *cx, const mk_protocol *pr, const mk_ypair *key)
{
    if (pr->n_sites < 2 || !cx->abi) return MK_OK;
    for (int i = 0; i < pr->n_sites && i < MK_MAX_SITES; i++) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "%.48s_%.1s", pr->sites[i].muscle, pr->sites[i].side);
        mk_site site;
        mk_site_resolve_prefix(cx->abi, prefix, &site);
        if (mk_site_var(&site, MK_L_PAIN_LOCAL) < 0)
            return sc_fail(cx, key->line, key->col, MK_ERR_MODEL,
                           "%d sites need the model composed from them, and model '%s' is not (it "
                           "has no site '%s'); 'myoknot run', 'sensitivity' and 'fit --scenario' "
                           "compose it, the other commands take a scenario with one site",
                           pr->n_sites, cx->abi->name, prefix);
    }
    return MK_OK;
}

/* site: {muscle, side}; the default is the right upper trapezius.  With sites: the first one
 * (the composed model's unprefixed labels are its), and every site into the protocol. */
static mk_status compile_site(sc_ctx *cx, mk_protocol *pr)
{
    snprintf(pr->muscle, sizeof pr->muscle, "upper_trapezius");
    snprintf(pr->side, sizeof pr->side, "r");
    mk_scn_site sites[MK_MAX_SITES];
    mk_status rc = mk_scenario_sites(cx->s, cx->anat, sites, &pr->n_sites, cx->err);
    if (rc) return rc;
    for (int i = 0; i < pr->n_sites && i < MK_MAX_SITES; i++) {
        memcpy(pr->sites[i].muscle, sites[i].muscle, sizeof pr->sites[i].muscle);
        memcpy(pr->sites[i].side, sites[i].side, sizeof pr->sites[i].side);
    }
    if (pr->n_sites) {
        snprintf(pr->muscle, sizeof pr->muscle, "%s", sites[0].muscle);
        snprintf(pr->side, sizeof pr->side, "%s", sites[0].side);
        const mk_ypair *key = mk_yfind(cx->s->root, "sites");
        pr->sites_line = key->line;
        pr->sites_col = key->col;
        return composed_from_sites(cx, pr, key);
    }
    const mk_ypair *p = mk_yfind(cx->s->root, "site");
    if (!p) return MK_OK;
    if (p->val->kind != MK_Y_MAP)
        return sc_fail(cx, p->val->line, p->val->col, MK_ERR_SYNTAX,
                       "expected a mapping for 'site' (muscle: upper_trapezius, side: right), "
                       "found %s",
                       sc_kind_name(p->val));
    static const char *const site_keys[] = {"muscle", "side", NULL};
    if ((rc = sc_check_keys(cx, p->val, site_keys, "in 'site'"))) return rc;
    const mk_ypair *m = mk_yfind(p->val, "muscle");
    if (m) {
        if ((rc = sc_string(cx, m, pr->muscle, sizeof pr->muscle))) return rc;
        if ((rc = known_muscle(cx, m, pr->muscle))) return rc;
    }
    const mk_ypair *sd = mk_yfind(p->val, "side");
    if (sd) {
        static const char *const sides[] = {"right", "left", "r", "l", NULL};
        int k;
        if ((rc = sc_enum(cx, sd, sides, "side", &k))) return rc;
        snprintf(pr->side, sizeof pr->side, "%s", k % 2 == 0 ? "r" : "l");
    }
    return MK_OK;
}

/* duration, output_every, seed, examiner (the file's, then --set's) */
static mk_status compile_timing(sc_ctx *cx, const char *const *sets, const set_item *items, int n_sets,
                                mk_protocol *pr)
{
    const mk_ynode *root = cx->s->root;
    const mk_ypair *dur = mk_yfind(root, "duration"), *oe = mk_yfind(root, "output_every"),
                  *sd = mk_yfind(root, "seed"), *p;
    mk_status rc;
    for (int i = 0; i < n_sets; i++) {
        if (!strcmp(items[i].name, "duration")) dur = &items[i].pair;
        if (!strcmp(items[i].name, "output_every")) oe = &items[i].pair;
        if (!strcmp(items[i].name, "seed")) sd = &items[i].pair;
    }
    if (!dur)
        return sc_missing(cx, root, "duration", "at the top level",
                          "how long to simulate, e.g. 'duration: 14 d'");
    if ((rc = sc_quantity(cx, dur, "s", "a time", SQ_POSITIVE, NAN, NAN, &cx->duration)))
        return dur->line == 0 ? set_error(cx, "duration") : rc;
    pr->duration_s = cx->duration;
    pr->output_every_s = default_output_every(cx->duration);
    if (oe) {
        if ((rc = sc_quantity(cx, oe, "s", "a time", SQ_POSITIVE, NAN, NAN, &pr->output_every_s)))
            return oe->line == 0 ? set_error(cx, "output_every") : rc;
        if (pr->output_every_s > cx->duration)
            return oe->line ? sc_fail(cx, oe->val->line, oe->val->col, MK_ERR_INVALID,
                                      "'output_every' (%g s) is longer than the duration (%g s)",
                                      pr->output_every_s, cx->duration)
                            : OVERRIDE_FAIL(cx->err, MK_ERR_INVALID,
                                            "'output_every' (%g s) is longer than the duration (%g s)",
                                            pr->output_every_s, cx->duration);
    }
    pr->seed = 1;
    if (sd) {
        long v;
        if ((rc = sc_int(cx, sd, 0, 2147483647L, &v))) return sd->line == 0 ? set_error(cx, "seed") : rc;
        pr->seed = (unsigned long)v;
    }
    if ((p = mk_yfind(root, "examiner")) && (rc = sc_examiner(cx, pr, p))) return rc;
    /* `sweep:` is myoknot sweep's (protocol/vary.h): a run has nothing to do with it */
    /* --set examiner.algometer_sem=Q (myoknot run --examiner): over the file's */
    for (int i = 0; i < n_sets; i++) {
        if (strcmp(items[i].name, "examiner.algometer_sem")) continue;
        if (sc_quantity(cx, &items[i].pair, "kPa", "a pressure", SQ_NONNEG, NAN, NAN, &pr->algometer_sem_kpa))
            return set_error(cx, sets[i]);
    }
    return MK_OK;
}

/* baseline: {input: value} over the inputs' defaults */
static mk_status compile_baseline(sc_ctx *cx, double *base, int *has_base)
{
    const mk_model_abi *abi = cx->abi;
    for (int i = 0; i < abi->n_inputs; i++) base[i] = abi->inputs[i].value;
    const mk_ypair *p = mk_yfind(cx->s->root, "baseline");
    if (!p) return MK_OK;
    if (p->val->kind != MK_Y_MAP) {
        if (p->val->kind == MK_Y_SCALAR && !p->val->text[0]) return MK_OK;
        return sc_fail(cx, p->val->line, p->val->col, MK_ERR_SYNTAX,
                       "expected a mapping of input names to values for 'baseline' "
                       "(e.g. 'load.activation: 2 %%'), found %s",
                       sc_kind_name(p->val));
    }
    for (int i = 0; i < p->val->n; i++) {
        const mk_ypair *q = &p->val->pairs[i];
        int idx = mk_abi_find(abi, MK_SYM_INPUT, q->key);
        if (idx < 0) {
            const char *hint = sc_suggest_symbols(abi, MK_SYM_INPUT, q->key);
            if (hint)
                return sc_fail(cx, q->line, q->col, MK_ERR_NAME,
                               "unknown input '%s' in 'baseline' (did you mean '%s'?)", q->key, hint);
            return sc_fail(cx, q->line, q->col, MK_ERR_NAME,
                           "unknown input '%s' in 'baseline' (the inputs are listed in "
                           "docs/site-interface.md)",
                           q->key);
        }
        mk_status rc = symbol_value(cx, q, &abi->inputs[idx], &base[idx]);
        if (rc) return rc;
        has_base[idx] = 1;
    }
    return MK_OK;
}

/* --set: parameters and baselines (the top-level keys were taken by compile_timing) */
static mk_status compile_sets(sc_ctx *cx, const char *const *sets, const set_item *items, int n_sets,
                              mk_protocol *pr, double *base, int *has_base)
{
    const mk_model_abi *abi = cx->abi;
    mk_status rc;
    for (int i = 0; i < n_sets; i++) {
        const set_item *it = &items[i];
        if (!strcmp(it->name, "duration") || !strcmp(it->name, "output_every") ||
            !strcmp(it->name, "seed") || !strcmp(it->name, "examiner.algometer_sem"))
            continue;
        int idx = mk_abi_find(abi, MK_SYM_PARAM, it->name);
        if (idx >= 0) {
            double v;
            if (symbol_value(cx, &it->pair, &abi->params[idx], &v)) return set_error(cx, sets[i]);
            if ((rc = param_range(cx, NULL, 0, 0, idx, v))) return rc;
            if ((rc = sc_set_param(cx, pr, idx, v, 0, 0))) return rc;
            continue;
        }
        idx = mk_abi_find(abi, MK_SYM_INPUT, it->name);
        if (idx >= 0) {
            if (symbol_value(cx, &it->pair, &abi->inputs[idx], &base[idx])) return set_error(cx, sets[i]);
            has_base[idx] = 1;
            continue;
        }
        const char *hint = sc_suggest_symbols(abi, MK_SYM_PARAM, it->name);
        if (!hint) hint = sc_suggest_symbols(abi, MK_SYM_INPUT, it->name);
        if (!hint)
            hint = mk_suggest(it->name, (const char *const[]){"duration", "output_every", "seed", "examiner.algometer_sem"}, 4);
        if (hint)
            return OVERRIDE_FAIL(cx->err, MK_ERR_NAME,
                                 "'%s': unknown parameter or input '%s' (did you mean '%s'?)", sets[i],
                                 it->name, hint);
        return OVERRIDE_FAIL(cx->err, MK_ERR_NAME, "'%s': unknown parameter or input '%s' of model '%s'",
                             sets[i], it->name, abi->name);
    }
    return MK_OK;
}

static mk_status compile_timeline(sc_ctx *cx)
{
    const mk_ypair *p = mk_yfind(cx->s->root, "timeline");
    if (!p) return MK_OK;
    if (p->val->kind == MK_Y_SEQ) return sc_timeline(cx, p->val);
    if (p->val->kind == MK_Y_SCALAR && !p->val->text[0]) return MK_OK;
    return sc_fail(cx, p->val->line, p->val->col, MK_ERR_SYNTAX,
                   "expected a list of events for 'timeline' (each item a "
                   "mapping such as '- event: stretch'), found %s",
                   sc_kind_name(p->val));
}

/* The inputs' baselines, the --set overrides of parameters and inputs, the starting state
 * (it needs every parameter, and gives unset baselines their value), the timeline and the
 * input changes it makes. */
static mk_status compile_inputs(sc_ctx *cx, const char *const *sets, const set_item *items, int n_sets,
                                mk_protocol *pr)
{
    int ni = cx->abi->n_inputs;
    double *base = mk_calloc((size_t)(ni ? ni : 1), sizeof *base);
    int *has_base = mk_calloc((size_t)(ni ? ni : 1), sizeof *has_base);
    mk_status rc = !base || !has_base ? nomem(cx->err) : MK_OK;
    if (!rc) rc = compile_baseline(cx, base, has_base);
    if (!rc) rc = compile_sets(cx, sets, items, n_sets, pr, base, has_base);
    if (!rc) rc = sc_start_state(cx, pr, base, has_base);
    if (!rc) rc = compile_timeline(cx);
    if (!rc) rc = assemble_changes(cx, pr, base, has_base);
    if (!rc) rc = sort_outputs(cx, pr);
    free(base);
    free(has_base);
    return rc;
}

static mk_status compile(sc_ctx *cx, const char *const *sets, int n_sets, mk_protocol *pr)
{
    const mk_ypair *p;
    mk_status rc;
    if ((rc = sc_check_keys(cx, cx->s->root, k_top_keys, "at the top level"))) return rc;
    set_item *items = NULL;
    if (n_sets > 0) {
        items = mk_calloc((size_t)n_sets, sizeof *items);
        if (!items) return nomem(cx->err);
        rc = parse_sets(cx, sets, n_sets, items);
    }
    if (!rc) rc = compile_header(cx, pr);
    if (!rc) rc = compile_site(cx, pr);
    if (!rc) rc = compile_timing(cx, sets, items, n_sets, pr);
    /* parameters: the patient's or checkpoint's first, then the scenario's own */
    if (!rc) rc = sc_start_params(cx, pr);
    if (!rc && (p = mk_yfind(cx->s->root, "parameters"))) rc = sc_parameters(cx, pr, p);
    if (!rc) rc = compile_inputs(cx, sets, items, n_sets, pr);
    free(items);
    return rc;
}

mk_status mk_scenario_compile(const mk_scenario *s, const mk_model_abi *abi, mk_units *u,
                              const mk_anatomy *anat, const char *const *sets, int n_sets,
                              int strict, mk_buf *warnings, mk_protocol **out, mk_error *err)
{
    *out = NULL;
    if (!s || !abi || !u) return mk_fail(err, MK_ERR_INVALID, "scenario, model and units are needed");
    if (n_sets < 0 || (n_sets > 0 && !sets)) return mk_fail(err, MK_ERR_INVALID, "bad list of overrides");
    mk_error local;
    if (!err) err = &local;
    mk_protocol *pr = mk_calloc(1, sizeof *pr);
    if (!pr) return nomem(err);
    sc_ctx cx = {.s = s, .abi = abi, .u = u, .anat = anat, .strict = strict, .err = err};
    /* warnings land in a buffer of our own first, so a failed compile adds none */
    mk_buf wb;
    mk_buf_init(&wb);
    cx.warnings = warnings ? &wb : NULL;
    mk_status rc = compile(&cx, sets, n_sets, pr);
    free(cx.segs);
    free(cx.meas);
    free(cx.notes);
    sc_start_free(&cx);
    if (!rc && wb.failed) rc = nomem(err); /* a warning lost is an error, not silence */
    if (!rc && warnings && wb.len) {
        mk_buf_puts(warnings, wb.data);
        if (warnings->failed) rc = nomem(err);
    }
    mk_buf_free(&wb);
    if (rc) {
        mk_protocol_free(pr);
        return rc;
    }
    *out = pr;
    return MK_OK;
}
