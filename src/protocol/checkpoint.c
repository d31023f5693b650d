/*
 * checkpoint.c -- checkpoint.json: a run's final state, written into its run directory and
 * read back by a scenario that starts from it (see checkpoint.h).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/text.h"
#include "protocol/checkpoint.h"

#define CHECKPOINT_FORMAT "myoknot checkpoint"
#define CHECKPOINT_FORMAT_VERSION 1

/* ---------------------------------------------------------------- writing */

/* A number that reads back bit for bit: cJSON prints %.15g whenever that reads back within
 * a relative DBL_EPSILON, which is not exact (7.0198483030332408 came back ...399), so the
 * digits are ours (%.17g always round-trips an IEEE double). */
static cJSON *exact(cJSON *o, const char *key, double v)
{
    char text[40];
    snprintf(text, sizeof text, "%.17g", v);
    return cJSON_AddRawToObject(o, key, text);
}

static int add_value(cJSON *arr, const char *name, const char *unit, double v, const double *dflt)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return 0;
    if (!cJSON_AddItemToArray(arr, o)) {
        cJSON_Delete(o);
        return 0;
    }
    return cJSON_AddStringToObject(o, "name", name) && cJSON_AddStringToObject(o, "unit", unit) &&
           exact(o, "value", v) && (!dflt || exact(o, "default", *dflt));
}

/* The last row's value of a column, or NaN if the series has no such column. */
static double last_value(const mk_series *s, const char *name)
{
    int c = mk_series_find(s, name);
    if (c < 0 || s->n_rows < 1) return NAN;
    return s->values[(size_t)(s->n_rows - 1) * (size_t)s->n_cols + (size_t)c];
}

static mk_status build(const mk_run_result *r, cJSON *root, mk_error *err)
{
    const mk_model_abi *abi = r->abi;
    const mk_series *s = &r->series;
    int ok = cJSON_AddStringToObject(root, "format", CHECKPOINT_FORMAT) &&
             cJSON_AddNumberToObject(root, "format_version", CHECKPOINT_FORMAT_VERSION) &&
             cJSON_AddStringToObject(root, "myoknot_version", MK_VERSION);
    cJSON *model = ok ? cJSON_AddObjectToObject(root, "model") : NULL;
    ok = model && cJSON_AddStringToObject(model, "name", abi->name) &&
         cJSON_AddStringToObject(model, "hash", abi->hash) &&
         cJSON_AddNumberToObject(model, "abi_version", abi->abi_version) &&
         cJSON_AddStringToObject(root, "scenario", r->protocol ? r->protocol->name : "") &&
         exact(root, "t_s", s->t_s[s->n_rows - 1]);
    cJSON *states = ok ? cJSON_AddArrayToObject(root, "states") : NULL;
    ok = states != NULL;
    for (int i = 0; ok && i < abi->n_states; i++) {
        double v = last_value(s, abi->states[i].name);
        if (!isfinite(v))
            return mk_fail(err, MK_ERR_INVALID, "no checkpoint: the run's series has no finite "
                           "value of state '%s' at its end", abi->states[i].name);
        ok = add_value(states, abi->states[i].name, abi->states[i].unit, v, NULL);
    }
    cJSON *inputs = ok ? cJSON_AddArrayToObject(root, "inputs") : NULL;
    ok = inputs != NULL;
    for (int i = 0; ok && i < abi->n_inputs; i++) {
        double v = last_value(s, abi->inputs[i].name);
        if (!isfinite(v))
            return mk_fail(err, MK_ERR_INVALID, "no checkpoint: the run's series has no finite "
                           "value of input '%s' at its end", abi->inputs[i].name);
        ok = add_value(inputs, abi->inputs[i].name, abi->inputs[i].unit, v, NULL);
    }
    /* only the parameters that differ: a checkpoint is about this patient, not the model */
    cJSON *params = ok ? cJSON_AddArrayToObject(root, "parameters") : NULL;
    ok = params != NULL;
    for (int i = 0; ok && r->params && i < abi->n_params; i++)
        if (r->params[i] != abi->params[i].value && isfinite(r->params[i]))
            ok = add_value(params, abi->params[i].name, abi->params[i].unit, r->params[i],
                           &abi->params[i].value);
    return ok ? MK_OK : mk_fail(err, MK_ERR_NOMEM, "out of memory building checkpoint.json");
}

mk_status mk_checkpoint_json(const mk_run_result *r, char **out, mk_error *err)
{
    *out = NULL;
    if (!r || !r->abi || r->series.n_rows < 1)
        return mk_fail(err, MK_ERR_INVALID, "no checkpoint: the run recorded no state");
    cJSON *root = cJSON_CreateObject();
    if (!root) return mk_fail(err, MK_ERR_NOMEM, "out of memory building checkpoint.json");
    mk_status rc = build(r, root, err);
    char *text = rc ? NULL : cJSON_Print(root);
    cJSON_Delete(root);
    if (rc) return rc;
    if (!text) return mk_fail(err, MK_ERR_NOMEM, "out of memory building checkpoint.json");
    size_t len = strlen(text);
    *out = mk_malloc(len + 2);
    if (*out) {
        memcpy(*out, text, len);
        (*out)[len] = '\n';
        (*out)[len + 1] = 0;
    }
    cJSON_free(text);
    return *out ? MK_OK : mk_fail(err, MK_ERR_NOMEM, "out of memory building checkpoint.json");
}

/* ---------------------------------------------------------------- reading */

typedef struct rd {
    const char *where, *path, *model;
    int line, col;
    mk_error *err;
} rd;

static mk_status bad(const rd *d, mk_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static mk_status bad(const rd *d, mk_status code, const char *fmt, ...)
{
    char msg[800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mk_fail_at(d->err, code, d->where, d->line, d->col, "checkpoint '%s': %s", d->path,
                      msg);
}

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Who wrote it: refuse another format, myoknot version, model or ABI. */
static mk_status check_origin(const rd *d, const cJSON *root, const mk_model_abi *abi)
{
    const char *fmt = str_of(root, "format");
    const cJSON *fv = cJSON_GetObjectItemCaseSensitive(root, "format_version");
    if (!fmt || strcmp(fmt, CHECKPOINT_FORMAT) != 0 || !cJSON_IsNumber(fv))
        return bad(d, MK_ERR_SYNTAX, "not a myoknot checkpoint (no \"format\": \"%s\")",
                   CHECKPOINT_FORMAT);
    if (fv->valuedouble != CHECKPOINT_FORMAT_VERSION)
        return bad(d, MK_ERR_INVALID, "checkpoint format version %g, this myoknot reads version %d",
                   fv->valuedouble, CHECKPOINT_FORMAT_VERSION);
    const char *ver = str_of(root, "myoknot_version");
    if (!ver || strcmp(ver, MK_VERSION) != 0)
        return bad(d, MK_ERR_INVALID,
                   "written by myoknot %s, this is myoknot %s: a saved state is only restarted "
                   "by the version that wrote it (rerun the scenario that produced it)",
                   ver ? ver : "(unknown)", MK_VERSION);
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    const char *name = str_of(model, "name"), *hash = str_of(model, "hash");
    const cJSON *av = cJSON_GetObjectItemCaseSensitive(model, "abi_version");
    if (!name || !hash || !cJSON_IsNumber(av))
        return bad(d, MK_ERR_SYNTAX, "no model name, hash and abi_version in \"model\"");
    if (strcmp(name, abi->name) != 0 || strcmp(hash, abi->hash) != 0)
        return bad(d, MK_ERR_INVALID,
                   "written by model '%s' (hash %s), but this scenario runs model '%s' (hash "
                   "%s): a state means something only to the model that produced it (rerun the "
                   "scenario that produced it with this model)",
                   name, hash, abi->name, abi->hash);
    if (av->valuedouble != abi->abi_version)
        return bad(d, MK_ERR_INVALID, "written for model ABI version %g, this model has %d",
                   av->valuedouble, abi->abi_version);
    return MK_OK;
}

/* Fill values[] (n symbols of syms) from the array `key` of {name, value}; each name must be
 * a symbol; a symbol not listed is an error when required, else keeps values[i]. */
static mk_status read_values(const rd *d, const cJSON *root, const char *key,
                             const mk_symbol *syms, int n, int required, double *values)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!cJSON_IsArray(arr)) return bad(d, MK_ERR_SYNTAX, "no \"%s\" list", key);
    char *seen = mk_calloc((size_t)n + 1, 1);
    if (!seen) return mk_fail(d->err, MK_ERR_NOMEM, "out of memory");
    mk_status rc = MK_OK;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        const char *name = str_of(it, "name");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "value");
        if (!name || !cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
            rc = bad(d, MK_ERR_SYNTAX, "an entry of \"%s\" lacks a name or a finite value", key);
            break;
        }
        int k = 0;
        while (k < n && strcmp(syms[k].name, name) != 0) k++;
        if (k == n) {
            rc = bad(d, MK_ERR_INVALID, "'%s' in \"%s\" is not one of model '%s'", name,
                     key, d->model);
            break;
        }
        values[k] = v->valuedouble;
        seen[k] = 1;
    }
    for (int k = 0; !rc && required && k < n; k++)
        if (!seen[k]) rc = bad(d, MK_ERR_INVALID, "no value for '%s' in \"%s\"", syms[k].name, key);
    free(seen);
    return rc;
}

void mk_checkpoint_free(mk_checkpoint *c)
{
    if (!c) return;
    free(c->states);
    free(c->inputs);
    free(c->params);
    memset(c, 0, sizeof *c);
}

static mk_status read_file(const rd *d, char **text)
{
    struct stat st;
    if (stat(d->path, &st) != 0) {
        int e = errno;
        /* a missing folder and a folder without the file are different mistakes */
        char dir[1100];
        snprintf(dir, sizeof dir, "%s", d->path);
        char *slash = strrchr(dir, '/');
        if (slash) *slash = 0;
        if (stat(dir, &st) != 0)
            return bad(d, MK_ERR_IO, "no such run directory '%s' (a path relative to the "
                       "scenario file's folder)", dir);
        return bad(d, MK_ERR_IO, "cannot open (%s): '%s' is not a run directory with a "
                   "checkpoint (every 'myoknot run' writes one)", strerror(e), dir);
    }
    static const mk_text_kind kind = {.what = "a checkpoint", .max_len = 16u << 20};
    mk_error e2 = {0};
    if (mk_read_text_file(d->path, &kind, text, NULL, &e2))
        return bad(d, e2.code, "%s", e2.message);
    return MK_OK;
}

mk_status mk_checkpoint_load(const char *dir, const mk_model_abi *abi, const char *where,
                             int line, int col, mk_checkpoint *out, mk_error *err)
{
    memset(out, 0, sizeof *out);
    char path[1100];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, MK_CHECKPOINT_FILE) >= sizeof path)
        return mk_fail_at(err, MK_ERR_INVALID, where, line, col, "the run directory path is too long");
    rd d = {where, path, abi->name, line, col, err};
    char *text = NULL;
    mk_status rc = read_file(&d, &text);
    if (rc) return rc;
    /* the error position through return_parse_end, not cJSON's process-wide error pointer */
    const char *at = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &at, 1);
    if (!root) {
        long off = at && at >= text ? (long)(at - text) : -1;
        free(text);
        return off >= 0 ? bad(&d, MK_ERR_SYNTAX, "not valid JSON (at byte %ld): the file is "
                              "damaged; rerun the scenario that produced it", off)
                        : bad(&d, MK_ERR_SYNTAX, "not valid JSON: the file is damaged");
    }
    free(text);
    rc = check_origin(&d, root, abi);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "t_s");
    if (!rc && (!cJSON_IsNumber(t) || !isfinite(t->valuedouble)))
        rc = bad(&d, MK_ERR_SYNTAX, "no time \"t_s\"");
    if (!rc) {
        out->t_s = t->valuedouble;
        const char *sc = str_of(root, "scenario");
        snprintf(out->scenario, sizeof out->scenario, "%s", sc ? sc : "");
        out->states = mk_calloc((size_t)abi->n_states + 1, sizeof(double));
        out->inputs = mk_calloc((size_t)abi->n_inputs + 1, sizeof(double));
        out->params = mk_calloc((size_t)abi->n_params + 1, sizeof(double));
        if (!out->states || !out->inputs || !out->params) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; !rc && i < abi->n_params; i++) out->params[i] = abi->params[i].value;
    if (!rc) rc = read_values(&d, root, "states", abi->states, abi->n_states, 1, out->states);
    if (!rc) rc = read_values(&d, root, "inputs", abi->inputs, abi->n_inputs, 1, out->inputs);
    if (!rc) rc = read_values(&d, root, "parameters", abi->params, abi->n_params, 0, out->params);
    cJSON_Delete(root);
    if (rc) mk_checkpoint_free(out);
    return rc;
}
