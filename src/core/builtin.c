/* builtin.c -- the models compiled into the library (models/NAME.myo, translated at build
 * time; the list itself is generated into build/generated/models/registry.c). */
#include <string.h>

#include "myoknot.h"

extern const mk_model_abi *const mk_builtin_models[];

const mk_model_abi *mk_builtin_at(int i)
{
    if (i < 0) return NULL;
    for (int k = 0; mk_builtin_models[k]; k++)
        if (k == i) return mk_builtin_models[k];
    return NULL;
}

const mk_model_abi *mk_builtin_find(const char *name)
{
    for (int k = 0; mk_builtin_models[k]; k++)
        if (!strcmp(mk_builtin_models[k]->name, name)) return mk_builtin_models[k];
    return NULL;
}

const char *mk_abi_label_symbol(const mk_model_abi *abi, const char *label)
{
    for (int i = 0; i < abi->n_labels; i++) {
        const mk_label_def *l = &abi->labels[i];
        if (strcmp(l->name, label)) continue;
        int n = l->kind == MK_SYM_PARAM ? abi->n_params : l->kind == MK_SYM_STATE ? abi->n_states
              : l->kind == MK_SYM_INPUT ? abi->n_inputs : abi->n_vars;
        const mk_symbol *t = l->kind == MK_SYM_PARAM ? abi->params : l->kind == MK_SYM_STATE ? abi->states
                           : l->kind == MK_SYM_INPUT ? abi->inputs : abi->vars;
        return l->index >= 0 && l->index < n ? t[l->index].name : NULL;
    }
    return NULL;
}

int mk_abi_find(const mk_model_abi *abi, mk_symbol_kind kind, const char *name)
{
    const mk_symbol *table = NULL;
    int n = 0;
    switch (kind) {
    case MK_SYM_PARAM: table = abi->params; n = abi->n_params; break;
    case MK_SYM_STATE: table = abi->states; n = abi->n_states; break;
    case MK_SYM_INPUT: table = abi->inputs; n = abi->n_inputs; break;
    case MK_SYM_VAR: table = abi->vars; n = abi->n_vars; break;
    }
    for (int i = 0; i < n; i++)
        if (!strcmp(table[i].name, name)) return i;
    return -1;
}
