/*
 * site.c -- labels of the site interface bound to a model's symbols (core/site.h).
 */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/site.h"

#define MK_SITE_NAME_(e, s) s,
static const char *const k_names[MK_L_COUNT] = {MK_SITE_LABELS(MK_SITE_NAME_)};
#undef MK_SITE_NAME_

_Static_assert(MK_L_COUNT <= 64, "mk_site_set holds one bit per label");

const char *mk_site_label_name(mk_site_label l)
{
    return (unsigned)l < MK_L_COUNT ? k_names[l] : "?";
}

void mk_site_resolve_prefix(const mk_model_abi *abi, const char *prefix, mk_site *site)
{
    site->abi = abi;
    for (int l = 0; l < MK_L_COUNT; l++) {
        site->kind[l] = -1;
        site->index[l] = -1;
    }
    size_t n = prefix ? strlen(prefix) : 0;
    for (int i = 0; abi && i < abi->n_labels; i++) {
        const char *name = abi->labels[i].name;
        if (n) {
            if (strncmp(name, prefix, n) || name[n] != '_') continue;
            name += n + 1;
        }
        for (int l = 0; l < MK_L_COUNT; l++)
            if (!strcmp(name, k_names[l])) {
                site->kind[l] = abi->labels[i].kind;
                site->index[l] = abi->labels[i].index;
                break;
            }
    }
}

void mk_site_resolve(const mk_model_abi *abi, mk_site *site) { mk_site_resolve_prefix(abi, NULL, site); }

int mk_site_has(const mk_site *site, mk_site_label l) { return site->index[l] >= 0; }

mk_site_set mk_site_missing(const mk_site *site, mk_site_set need)
{
    mk_site_set miss = 0;
    for (int l = 0; l < MK_L_COUNT; l++)
        if ((need & MK_SITE_BIT(l)) && site->index[l] < 0) miss |= MK_SITE_BIT(l);
    return miss;
}

mk_status mk_site_require(const mk_site *site, mk_site_set need, const char *what,
                          const char *file, int line, int col, mk_error *err)
{
    mk_site_set miss = mk_site_missing(site, need);
    if (!miss) return MK_OK;
    char list[1024];
    size_t n = 0;
    int count = 0;
    list[0] = 0;
    for (int l = 0; l < MK_L_COUNT; l++)
        if ((miss & MK_SITE_BIT(l)) && n < sizeof list) {
            n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", count ? ", " : "", k_names[l]);
            count++;
        }
    const mk_model_abi *abi = site->abi;
    if (!file) {
        file = abi && abi->n_files > 0 ? abi->files[0].name : "";
        line = col = 0;
    }
    return mk_fail_at(err, MK_ERR_MODEL, file, line, col,
                      "model '%s' lacks label%s %s, needed for %s (the site interface, "
                      "docs/site-interface.md: declare them in the model's interface { ... })",
                      abi && abi->name ? abi->name : "?", count > 1 ? "s" : "", list, what);
}

static const mk_symbol *symbol(const mk_site *site, mk_site_label l)
{
    const mk_model_abi *a = site->abi;
    int i = site->index[l];
    if (i < 0) return NULL;
    switch (site->kind[l]) {
    case MK_SYM_PARAM: return i < a->n_params ? &a->params[i] : NULL;
    case MK_SYM_STATE: return i < a->n_states ? &a->states[i] : NULL;
    case MK_SYM_INPUT: return i < a->n_inputs ? &a->inputs[i] : NULL;
    case MK_SYM_VAR: return i < a->n_vars ? &a->vars[i] : NULL;
    default: return NULL;
    }
}

const char *mk_site_symbol(const mk_site *site, mk_site_label l)
{
    const mk_symbol *s = symbol(site, l);
    return s ? s->name : NULL;
}

int mk_site_var(const mk_site *site, mk_site_label l)
{
    return site->kind[l] == MK_SYM_VAR ? site->index[l] : -1;
}

int mk_site_input(const mk_site *site, mk_site_label l)
{
    return site->kind[l] == MK_SYM_INPUT ? site->index[l] : -1;
}

double mk_site_value(const mk_site *site, mk_site_label l, const double *y, const double *v, double dflt)
{
    if (site->index[l] < 0) return dflt;
    if (site->kind[l] == MK_SYM_STATE) return y[site->index[l]];
    if (site->kind[l] == MK_SYM_VAR) return v[site->index[l]];
    return dflt;
}
