/*
 * model.c -- the mk_model handle: reading a file, the arena behind it, the function library.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/limits.h"
#include "core/text.h"
#include "lang/ast.h"
#include "lang/units.h"

/* ---------------------------------------------------------------- arena */

struct mk_arena_block {
    mk_arena_block *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

void *mk_arena_alloc(mk_arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    mk_arena_block *b = a->head;
    if (!b || b->used + size > b->cap) {
        size_t cap = size > 16384 ? size : 16384;
        b = mk_malloc(sizeof *b + cap);
        if (!b) {
            a->failed = 1;
            return NULL;
        }
        b->next = a->head;
        b->used = 0;
        b->cap = cap;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

char *mk_arena_strndup(mk_arena *a, const char *s, size_t n)
{
    char *p = mk_arena_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void mk_arena_free(mk_arena *a)
{
    mk_arena_block *b = a->head;
    while (b) {
        mk_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}

ut_unit *mk_model_own_unit(mk_model *m, ut_unit *u)
{
    if (!u) return NULL;
    if (m->n_owned == m->cap_owned) {
        int cap = m->cap_owned ? 2 * m->cap_owned : 64;
        ut_unit **p = mk_realloc(m->owned_units, sizeof *p * (size_t)cap);
        if (!p) {
            ut_free(u);
            return NULL;
        }
        m->owned_units = p;
        m->cap_owned = cap;
    }
    m->owned_units[m->n_owned++] = u;
    return u;
}

/* ---------------------------------------------------------------- the function library */

const mk_builtin_fn mk_builtin_fns[] = {
    {"exp", 1, "exp", "exponential; argument dimensionless"},
    {"log", 1, "log", "natural logarithm; argument dimensionless"},
    {"log10", 1, "log10", "decimal logarithm; argument dimensionless"},
    {"sqrt", 1, "sqrt", "square root; the unit is rooted too"},
    {"abs", 1, "fabs", "absolute value; keeps the unit"},
    {"sin", 1, "sin", "sine; argument dimensionless (radians)"},
    {"cos", 1, "cos", "cosine; argument dimensionless (radians)"},
    {"tanh", 1, "tanh", "hyperbolic tangent; argument dimensionless"},
    {"floor", 1, "floor", "largest integer not above; argument dimensionless"},
    {"min", -1, "fmin", "smallest of two or more values of one unit"},
    {"max", -1, "fmax", "largest of two or more values of one unit"},
    {"pos", 1, "mk_pos", "max(x, 0); keeps the unit"},
    {"clamp", 3, "mk_clamp", "clamp(x, lo, hi): x limited to [lo, hi], one unit"},
    {"pow", 2, "pow", "pow(x, n), the same as x^n"},
    {"hill", 3, "mk_hill", "hill(x, K, n) = x^n / (K^n + x^n); x and K one unit, n dimensionless; 0 for x <= 0"},
    {"sigmoid", 3, "mk_sigmoid", "sigmoid(x, x50, width) = 1 / (1 + exp(-(x - x50)/width)); x, x50, width one unit"},
    {"if", 3, NULL, "if(condition, a, b): a where the condition holds, else b; a and b one unit"},
    {NULL, 0, NULL, NULL}};

const mk_builtin_fn *mk_builtin_fn_find(const char *name)
{
    for (const mk_builtin_fn *f = mk_builtin_fns; f->name; f++)
        if (!strcmp(f->name, name)) return f;
    return NULL;
}

/* ---------------------------------------------------------------- the handle */

/* Of the model's own text, and of its bases' after it (a NUL between): a variant whose base
 * changed is a different model.  A model without a base keeps the hash of its text alone. */
static void hash_source(mk_model *m)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a 64 */
    for (const mk_srcfile *f = m->files; f; f = f->next) {
        if (f != m->files) h = (h ^ 0) * 1099511628211ULL;
        for (const unsigned char *c = (const unsigned char *)f->text; *c; c++) {
            h ^= *c;
            h *= 1099511628211ULL;
        }
    }
    snprintf(m->hash, sizeof m->hash, "%016llx", (unsigned long long)h);
}

mk_status mk_model_parse_string(const char *file_name, const char *text, mk_model **out,
                                mk_error *err)
{
    return mk_model_parse_with(file_name, text, NULL, NULL, out, err);
}

mk_status mk_model_parse_with(const char *file_name, const char *text, mk_model_base_fn base_fn,
                              void *ctx, mk_model **out, mk_error *err)
{
    *out = NULL;
    size_t len = strlen(text);
    if (len > MK_MAX_MODEL_BYTES)
        return mk_fail_at(err, MK_ERR_IO, file_name, 0, 0,
                          "larger than the limit of %d bytes for a model file",
                          MK_MAX_MODEL_BYTES);
    mk_model *m = mk_calloc(1, sizeof *m);
    if (!m) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_status rc = mk_units_new(&m->units, err);
    if (!rc) {
        m->file = mk_arena_strndup(&m->arena, file_name, strlen(file_name));
        m->source = mk_arena_strndup(&m->arena, text, len);
        if (!m->file || !m->source) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
        m->base_fn = base_fn;
        m->base_ctx = ctx;
    }
    if (!rc) rc = mk_parse(m, err);
    if (!rc) hash_source(m);
    if (!rc) rc = mk_check(m, err);
    if (rc) {
        mk_model_free(m);
        return rc;
    }
    *out = m;
    return MK_OK;
}

mk_status mk_model_parse_file(const char *path, mk_model **out, mk_error *err)
{
    return mk_model_parse_file_with(path, NULL, NULL, out, err);
}

mk_status mk_model_parse_file_with(const char *path, mk_model_base_fn base_fn, void *ctx,
                                   mk_model **out, mk_error *err)
{
    *out = NULL;
    static const mk_text_kind kind = {.what = "a model file", .max_len = MK_MAX_MODEL_BYTES,
                                      .nul_msg = "contains a NUL byte: not a model file",
                                      .read_msg = "cannot read the file"};
    char *text;
    mk_status rc = mk_read_text_file(path, &kind, &text, NULL, err);
    if (rc) return rc;
    rc = mk_model_parse_with(path, text, base_fn, ctx, out, err);
    free(text);
    return rc;
}

void mk_model_free(mk_model *m)
{
    if (!m) return;
    for (int i = 0; i < m->n_owned; i++) ut_free(m->owned_units[i]);
    free(m->owned_units);
    for (int k = 0; k < 4; k++) free(m->by_kind[k]);
    mk_units_free(m->units);
    mk_arena_free(&m->arena);
    free(m);
}

const char *mk_model_name(const mk_model *m) { return m->name; }

int mk_model_count(const mk_model *m, mk_symbol_kind kind)
{
    return (unsigned)kind < 4 ? m->count[kind] : 0;
}

int mk_model_count_outputs(const mk_model *m)
{
    int n = 0;
    for (int k = MK_SYM_STATE; k <= MK_SYM_VAR; k += 1)
        for (int i = 0; i < m->count[k]; i++) n += m->by_kind[k][i]->is_output;
    return n;
}
