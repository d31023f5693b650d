/*
 * study.c -- the public API's composite calls over the layers (include/myoknot/scenario.h):
 * a model named by the user, a parameter file, and a study (a scenario compiled against its
 * model with a caller's overrides), the sequence every command and binding used to repeat.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "body/anatomy.h"
#include "body/referral.h"
#include "core/alloc.h"
#include "core/compile.h"
#include "core/error.h"
#include "core/limits.h"
#include "core/text.h"
#include "io/ytree.h"
#include "lang/compose.h"
#include "protocol/scenario.h"

/* ---------------------------------------------------------------- models by name */

struct mk_model_ref {
    const mk_model_abi *abi;
    mk_model *model;
    mk_loaded *loaded;
};

int mk_model_names_file(const char *s)
{
    size_t n = strlen(s);
    return strchr(s, '/') || (n > 4 && !strcmp(s + n - 4, ".myo"));
}

/* extends NAME: the built-in model of that name (its own text, as it was translated) */
static const char *builtin_source(void *ctx, const char *name)
{
    (void)ctx;
    const mk_model_abi *abi = mk_builtin_find(name);
    return abi ? abi->source : NULL;
}

static mk_status unknown_model(const char *name, mk_error *err)
{
    mk_buf b;
    mk_buf_init(&b);
    const char *names[64];
    int n = 0;
    for (int i = 0; mk_builtin_at(i); i++) {
        mk_buf_printf(&b, " %s", mk_builtin_at(i)->name);
        if (n < 64) names[n++] = mk_builtin_at(i)->name;
    }
    const char *hint = mk_suggest(name, names, n);
    mk_status st = mk_fail(err, MK_ERR_NAME, "no built-in model or file named '%s' (%s%s%sbuilt-in:%s)", name,
                           hint ? "did you mean '" : "", hint ? hint : "", hint ? "'?; " : "", b.data ? b.data : "");
    mk_buf_free(&b);
    return st;
}

mk_status mk_model_open(const char *name, int compile, mk_model_ref **out, mk_error *err)
{
    if (!out || !name) return mk_fail(err, MK_ERR_INVALID, "mk_model_open: no model name");
    *out = NULL;
    mk_model_ref *r = mk_calloc(1, sizeof *r);
    if (!r) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_status st = MK_OK;
    if (!mk_model_names_file(name) && (r->abi = mk_builtin_find(name))) {
        /* a built-in model carries its source: parse it for show/check */
        st = mk_model_parse_with(name, r->abi->source, builtin_source, NULL, &r->model, err);
    } else if (!mk_model_names_file(name) && access(name, F_OK) != 0) {
        st = unknown_model(name, err);
    } else {
        st = mk_model_parse_file_with(name, builtin_source, NULL, &r->model, err);
        /* the user's model cache (core/compile.h): a second run skips the compiler */
        char cache[4096];
        mk_compile_opts co = {.cache_dir = compile && mk_model_cache_default(cache, sizeof cache) ? cache : NULL};
        if (!st && compile && !(st = mk_model_compile(r->model, &co, &r->loaded, err)))
            r->abi = mk_loaded_abi(r->loaded);
    }
    if (st) {
        mk_model_ref_free(r);
        return st;
    }
    *out = r;
    return MK_OK;
}

const mk_model_abi *mk_model_ref_abi(const mk_model_ref *r) { return r ? r->abi : NULL; }
const mk_model *mk_model_ref_model(const mk_model_ref *r) { return r ? r->model : NULL; }

void mk_model_ref_free(mk_model_ref *r)
{
    if (!r) return;
    mk_loaded_free(r->loaded);
    mk_model_free(r->model);
    free(r);
}

/* ---------------------------------------------------------------- a parameter file */

static const mk_yformat k_params_format = {
    .max_depth = 8,
    .alias_msg = "YAML aliases are not supported in parameter files: write the value out",
    .dup_key_msg = "parameter '%s' given twice (first at line %d)",
    .bad_key_msg = "expected a parameter name, found %s",
    .empty_msg = "the parameter file is empty: expected 'parameters:' with 'component.name: value unit' entries",
    .top_msg = "expected a mapping with the key 'parameters' at the top level, found %s",
    .unknown_key_code = MK_ERR_SYNTAX,
    .list_allowed_keys = 1,
};

void mk_strings_free(char **list, int n)
{
    if (!list) return;
    for (int i = 0; i < n; i++) free(list[i]);
    free(list);
}

/* The entries under 'parameters' as "name=value unit" strings. */
static mk_status params_entries(const char *path, const mk_ypair *pp, char **sets, int *n, mk_error *err)
{
    for (int i = 0; i < pp->val->n; i++) {
        const mk_ypair *q = &pp->val->pairs[i];
        if (q->val->kind != MK_Y_SCALAR || !q->val->text[0])
            return mk_fail_at(err, MK_ERR_SYNTAX, path, q->val->line, q->val->col,
                              "expected a value with its unit for '%s', found %s", q->key,
                              mk_ykind_name(q->val));
        size_t len = strlen(q->key) + strlen(q->val->text) + 2;
        char *s = mk_malloc(len);
        if (!s) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
        snprintf(s, len, "%s=%s", q->key, q->val->text);
        sets[(*n)++] = s;
    }
    return MK_OK;
}

mk_status mk_params_file_read(const char *path, char ***sets_out, int *n_out, mk_error *err)
{
    *sets_out = NULL;
    *n_out = 0;
    static const mk_text_kind kind = {.what = "a parameter file", .max_len = MK_MAX_PARAMS_FILE_BYTES};
    static const char *const keys[] = {"parameters", "covariance", NULL}; /* covariance: run --forecast */
    char *text = NULL;
    mk_status st = mk_read_text_file(path, &kind, &text, NULL, err);
    if (st) return st;
    mk_ynode *root = NULL;
    char **sets = NULL;
    int n = 0;
    if (!(st = mk_yparse(path, text, &k_params_format, &root, err)) &&
        !(st = mk_ycheck_keys(path, &k_params_format, root, keys, "in a parameter file", err))) {
        const mk_ypair *pp = mk_yfind(root, "parameters");
        if (!pp || pp->val->kind != MK_Y_MAP)
            st = mk_fail_at(err, MK_ERR_SYNTAX, path, pp ? pp->val->line : 1, pp ? pp->val->col : 1,
                            "expected a mapping 'component.name: value unit' under 'parameters'");
        else if (!(sets = mk_calloc((size_t)(pp->val->n ? pp->val->n : 1), sizeof *sets)))
            st = mk_fail(err, MK_ERR_NOMEM, "out of memory");
        else
            st = params_entries(path, pp, sets, &n, err);
    }
    mk_yfree(root);
    free(text);
    if (st) {
        mk_strings_free(sets, n);
        return st;
    }
    *sets_out = sets;
    *n_out = n;
    return MK_OK;
}

/* ---------------------------------------------------------------- several sites */

/* The satellite hypothesis's zone weight: how strongly the key site refers to the satellite
 * muscle's own regions (the largest over them, at full sensitisation). */
static mk_status zone_weight(const mk_anatomy *anat, const mk_scn_site *key, const mk_scn_site *sat,
                             double *w, mk_error *err)
{
    mk_referral *rk = NULL, *rs = NULL;
    *w = 0;
    mk_status st = mk_referral_new(anat, key->muscle, key->side[0], &rk, err);
    if (!st) st = mk_referral_new(anat, sat->muscle, sat->side[0], &rs, err);
    if (!st) {
        const char *locals = mk_referral_local_regions(rs);
        for (int k = 0; k < mk_referral_count(rk); k++) {
            const char *id = mk_referral_region(rk, k), *hit = strstr(locals, id);
            size_t n = strlen(id);
            if (hit && (hit == locals || hit[-1] == ';') && (hit[n] == ';' || hit[n] == 0) &&
                mk_referral_weight(rk, k, 1.0) > *w)
                *w = mk_referral_weight(rk, k, 1.0);
        }
    }
    mk_referral_free(rk);
    mk_referral_free(rs);
    return st;
}

/* The model of a scenario with `sites:`: the named site model composed per site
 * (lang/compose.h), sites sharing afferent segments on one side in one segment instance,
 * then compiled like a user's model (cached by its text). */
static mk_status open_composed(const char *name, const mk_anatomy *anat, const mk_scn_site *sites,
                               int n, mk_model_ref **out, mk_error *err)
{
    mk_model_ref *base = NULL;
    mk_status st = mk_model_open(name, 0, &base, err);
    if (st) return st;
    const char *muscles[MK_MAX_SITES], *sides[MK_MAX_SITES], *segs[MK_MAX_SITES];
    char prefixes[MK_MAX_SITES][64], names[MK_MAX_SITES][40], mname[128];
    int group[MK_MAX_SITES];
    mk_compose_site cs[MK_MAX_SITES];
    for (int i = 0; i < n && i < MK_MAX_SITES; i++) {
        muscles[i] = sites[i].muscle;
        sides[i] = sites[i].side;
        snprintf(prefixes[i], sizeof prefixes[i], "%.48s_%.1s", sites[i].muscle, sites[i].side);
        cs[i].prefix = prefixes[i];
        cs[i].key = sites[i].key;
        cs[i].zone_weight = 0;
        if (!st && sites[i].key >= 0) st = zone_weight(anat, &sites[sites[i].key], &sites[i], &cs[i].zone_weight, err);
    }
    int ng = mk_anatomy_segment_groups(anat, n, muscles, sides, group, names);
    if (ng < 1) st = mk_fail(err, MK_ERR_NAME, "a site's muscle is not in the anatomy");
    for (int i = 0; !st && i < n; i++) cs[i].segment = group[i];
    for (int g = 0; !st && g < ng; g++) segs[g] = names[g];
    snprintf(mname, sizeof mname, "%s_sites", mk_model_name(base->model));
    mk_compose_spec sp = {.name = mname, .sites = cs, .n_sites = n, .segments = segs, .n_segments = ng};
    /* the satellite hypothesis is a model of its own (models/satellite.myo), opened when used */
    mk_model_ref *sat = NULL;
    for (int i = 0; !st && !sat && i < n; i++)
        if (sites[i].key >= 0 && !(st = mk_model_open("satellite", 0, &sat, err))) sp.satellite = sat->model;
    mk_buf text;
    mk_buf_init(&text);
    if (!st) st = mk_model_compose(base->model, &sp, &text, err);
    mk_model_ref_free(sat);
    mk_model_ref *r = st ? NULL : mk_calloc(1, sizeof *r);
    if (!st && !r) st = mk_fail(err, MK_ERR_NOMEM, "out of memory");
    char file[160];
    snprintf(file, sizeof file, "%s.myo (composed from %s)", mname, mk_model_name(base->model));
    if (!st) st = mk_model_parse_string(file, text.data, &r->model, err);
    char cache[4096];
    mk_compile_opts co = {.cache_dir = mk_model_cache_default(cache, sizeof cache) ? cache : NULL};
    if (!st && !(st = mk_model_compile(r->model, &co, &r->loaded, err))) r->abi = mk_loaded_abi(r->loaded);
    mk_buf_free(&text);
    mk_model_ref_free(base);
    if (st) {
        mk_model_ref_free(r);
        return st;
    }
    *out = r;
    return MK_OK;
}

/* ---------------------------------------------------------------- studies */

struct mk_study {
    mk_scenario *scn;
    mk_units *units;
    mk_anatomy *anat;
    mk_model_ref *model;
    mk_protocol *proto;
    mk_buf warnings;
};

void mk_study_free(mk_study *s)
{
    if (!s) return;
    mk_protocol_free(s->proto);
    mk_model_ref_free(s->model);
    mk_anatomy_free(s->anat);
    mk_units_free(s->units);
    mk_scenario_free(s->scn);
    mk_buf_free(&s->warnings);
    free(s);
}

/* The overrides: the parameter file's first, then the caller's (a later one wins). */
static mk_status compile_study(mk_study *s, const mk_study_opts *o, mk_error *err)
{
    char **file_sets = NULL;
    int n_file = 0;
    mk_status st = MK_OK;
    if (o->params_file && (st = mk_params_file_read(o->params_file, &file_sets, &n_file, err))) return st;
    int n = n_file + (o->n_sets > 0 ? o->n_sets : 0);
    const char **all = mk_calloc((size_t)(n ? n : 1), sizeof *all);
    if (!all) st = mk_fail(err, MK_ERR_NOMEM, "out of memory");
    for (int i = 0; !st && i < n; i++) all[i] = i < n_file ? file_sets[i] : o->sets[i - n_file];
    if (!st)
        st = mk_scenario_compile(s->scn, mk_model_ref_abi(s->model), s->units, s->anat, all, n,
                                 o->strict, &s->warnings, &s->proto, err);
    free(all);
    mk_strings_free(file_sets, n_file);
    return st;
}

mk_status mk_study_open(const char *path, const mk_study_opts *opts, mk_study **out, mk_error *err)
{
    static const mk_study_opts none = {0};
    const mk_study_opts *o = opts ? opts : &none;
    if (!out) return mk_fail(err, MK_ERR_INVALID, "mk_study_open: no place for the study");
    *out = NULL;
    if (o->n_sets > 0 && !o->sets) return mk_fail(err, MK_ERR_INVALID, "mk_study_open: no overrides given");
    mk_study *s = mk_calloc(1, sizeof *s);
    if (!s) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_buf_init(&s->warnings);
    mk_status st = path ? mk_scenario_load_file(path, &s->scn, err) : mk_scenario_load_default(&s->scn, err);
    if (!st) st = mk_units_new(&s->units, err);
    if (!st) st = mk_anatomy_load(&s->anat, err);
    mk_scn_site sites[MK_MAX_SITES];
    int n_sites = 0;
    if (!st) st = mk_scenario_sites(s->scn, s->anat, sites, &n_sites, err);
    const char *model = o->model ? o->model : mk_scenario_model(s->scn);
    if (!st && n_sites) st = open_composed(model, s->anat, sites, n_sites, &s->model, err);
    else if (!st) st = mk_model_open(model, 1, &s->model, err);
    if (!st) st = compile_study(s, o, err);
    if (!st && s->warnings.failed) st = mk_fail(err, MK_ERR_NOMEM, "out of memory");
    if (st) {
        mk_study_free(s);
        return st;
    }
    *out = s;
    return MK_OK;
}

const char *mk_study_warnings(const mk_study *s) { return s && s->warnings.data ? s->warnings.data : ""; }
const mk_protocol *mk_study_protocol(const mk_study *s) { return s ? s->proto : NULL; }
const mk_model_abi *mk_study_abi(const mk_study *s) { return s ? mk_model_ref_abi(s->model) : NULL; }
const mk_model *mk_study_model(const mk_study *s) { return s ? mk_model_ref_model(s->model) : NULL; }
const mk_anatomy *mk_study_anatomy(const mk_study *s) { return s ? s->anat : NULL; }
mk_units *mk_study_units(const mk_study *s) { return s ? s->units : NULL; }
