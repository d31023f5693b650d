/*
 * start.c -- where a scenario's patient starts (docs/scenarios.md, "Starting state").
 *
 * By default at the model's initial values.  `patient: NAME` starts from a named phenotype of
 * data/patients.yaml (embedded at build time): a few parameters plus a conditioning history,
 * a scenario fragment that is compiled and simulated here, each time, to produce the starting
 * state (no cache: the state always follows from the model, the parameters and the history
 * as they are now).  `start: RUN_DIR` starts from the checkpoint.json a run wrote (protocol/checkpoint.h).
 *
 * Either way the start brings parameters (the phenotype's, or those a checkpoint records as
 * differing from the defaults; the scenario's own `parameters:` and --set come after and win),
 * a state, and input values that become the baseline of every input the scenario leaves unset,
 * so a scenario started from a checkpoint continues the life the first run ended in.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/text.h"
#include "protocol/checkpoint.h"
#include "protocol/scenario_impl.h"
#include "protocol/simulate.h"

extern const char mk_patients_yaml[];

/* The name errors use for the phenotype file (it is embedded; this is where it is edited). */
#define PATIENTS_FILE "data/patients.yaml"

static const mk_yformat k_patients_format = {
    .max_depth = 64,
    .alias_msg = "YAML aliases (*%s) are not supported in the patients file: write the value out",
    .dup_key_msg = "duplicate key '%s' (first given at line %d:%d)",
    .bad_key_msg = "expected a key (a name), found %s",
    .empty_msg = "the patients file is empty: expected a mapping of phenotype names",
    .top_msg = "expected a mapping of phenotype names at the top level, found %s",
    .unknown_key_code = MK_ERR_NAME,
    .list_allowed_keys = 1,
};

void sc_start_free(sc_ctx *cx)
{
    mk_yfree(cx->patients);
    cx->patients = NULL;
    cx->phenotype = NULL;
    free(cx->start_inputs);
    cx->start_inputs = NULL;
}

/* Run f with errors naming the patients file instead of the scenario. */
typedef struct swap {
    mk_scenario pseudo;
    const mk_scenario *saved;
} swap;

static void enter_patients(sc_ctx *cx, swap *w, const mk_ynode *root)
{
    memset(&w->pseudo, 0, sizeof w->pseudo);
    w->pseudo.file = (char *)PATIENTS_FILE;
    w->pseudo.text = (char *)mk_patients_yaml;
    snprintf(w->pseudo.model, sizeof w->pseudo.model, "%s", cx->s->model);
    w->pseudo.model_is_file = cx->s->model_is_file;
    w->pseudo.root = (mk_ynode *)root;
    w->pseudo.is_history = 1;
    w->saved = cx->s;
    cx->s = &w->pseudo;
}

static void leave_patients(sc_ctx *cx, swap *w) { cx->s = w->saved; }

static const char *const k_phenotype_keys[] = {"description", "source", "parameters", "history",
                                               NULL};

/* Find the phenotype named by `patient:` in the patients file (did-you-mean if unknown). */
static mk_status find_phenotype(sc_ctx *cx, const mk_ypair *key)
{
    if (key->val->kind != MK_Y_SCALAR || !key->val->text[0])
        return sc_fail(cx, key->val->line, key->val->col, MK_ERR_SYNTAX,
                       "expected a phenotype name for 'patient' (e.g. 'patient: latent_trp'), "
                       "found %s",
                       sc_kind_name(key->val));
    mk_status rc = mk_yparse(PATIENTS_FILE, mk_patients_yaml, &k_patients_format, &cx->patients,
                             cx->err);
    if (rc) return rc;
    const char *name = key->val->text;
    const mk_ypair *hit = mk_yfind(cx->patients, name);
    if (!hit) {
        int n = cx->patients->n;
        const char **names = mk_calloc((size_t)n + 1, sizeof *names);
        if (!names) return mk_fail(cx->err, MK_ERR_NOMEM, "out of memory");
        char list[512] = "";
        size_t used = 0;
        for (int i = 0; i < n; i++) {
            names[i] = cx->patients->pairs[i].key;
            if (used < sizeof list)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                         names[i]);
        }
        const char *hint = mk_suggest(name, names, n);
        if (hint)
            rc = sc_fail(cx, key->val->line, key->val->col, MK_ERR_NAME,
                         "unknown patient '%s' (did you mean '%s'?)", name, hint);
        else
            rc = sc_fail(cx, key->val->line, key->val->col, MK_ERR_NAME,
                         "unknown patient '%s' (expected one of: %s)", name, list);
        free(names);
        return rc;
    }
    swap w;
    enter_patients(cx, &w, cx->patients);
    if (hit->val->kind != MK_Y_MAP)
        rc = sc_fail(cx, hit->val->line, hit->val->col, MK_ERR_SYNTAX,
                     "expected a mapping for phenotype '%s' (description, parameters, history), "
                     "found %s",
                     name, sc_kind_name(hit->val));
    if (!rc) rc = sc_check_keys(cx, hit->val, k_phenotype_keys, "in a phenotype");
    if (!rc && !mk_yfind(hit->val, "history"))
        rc = sc_missing(cx, hit->val, "history", "in a phenotype",
                        "the conditioning that produces it, a scenario with 'duration' and "
                        "'timeline'");
    leave_patients(cx, &w);
    if (!rc) cx->phenotype = hit->val;
    return rc;
}

/* An error inside the phenotype (its parameters or its conditioning history, at a line of the
 * patients file) says which phenotype and model it is about: a phenotype written for tp_site
 * that a variant or another model cannot take (a parameter or an input it lacks). */
static mk_status in_phenotype(sc_ctx *cx, mk_status rc, const char *part)
{
    if (!rc || !cx->err || strcmp(cx->err->file, PATIENTS_FILE)) return rc;
    char msg[sizeof cx->err->message];
    snprintf(msg, sizeof msg, "%s", cx->err->message);
    return mk_fail_at(cx->err, rc, PATIENTS_FILE, cx->err->line, cx->err->column,
                      "phenotype '%s' (%s) does not fit model '%s': %s", cx->start_key->val->text, part,
                      cx->abi->name, msg);
}

/* The run directory of `start:`, relative to the scenario file's folder. */
static mk_status start_dir(sc_ctx *cx, const mk_ypair *key, char *out, size_t size)
{
    if (key->val->kind != MK_Y_SCALAR || !key->val->text[0])
        return sc_fail(cx, key->val->line, key->val->col, MK_ERR_SYNTAX,
                       "expected a run directory for 'start' (e.g. 'start: runs/week1'), "
                       "found %s",
                       sc_kind_name(key->val));
    const char *v = key->val->text, *slash = strrchr(cx->s->file, '/');
    int n = v[0] != '/' && slash
                ? snprintf(out, size, "%.*s/%s", (int)(slash - cx->s->file), cx->s->file, v)
                : snprintf(out, size, "%s", v);
    if (n < 0 || (size_t)n >= size)
        return sc_fail(cx, key->val->line, key->val->col, MK_ERR_INVALID,
                       "the run directory path is too long (at most %zu characters)", size - 1);
    return MK_OK;
}

mk_status sc_start_params(sc_ctx *cx, mk_protocol *pr)
{
    const mk_ypair *pat = mk_yfind(cx->s->root, "patient"), *st = mk_yfind(cx->s->root, "start");
    if ((pat || st) && cx->s->is_history) {
        const mk_ypair *k = pat ? pat : st;
        return sc_fail(cx, k->line, k->col, MK_ERR_INVALID,
                       "a conditioning history starts from the model's initial state: it "
                       "cannot name a '%s' of its own",
                       k->key);
    }
    if (pat && st) {
        const mk_ypair *later = pat->line > st->line ? pat : st;
        return sc_fail(cx, later->line, later->col, MK_ERR_INVALID,
                       "give 'patient' or 'start', not both: a checkpoint already holds its "
                       "patient (its parameters and history)");
    }
    cx->start_key = pat ? pat : st;
    if (pat) {
        mk_status rc = find_phenotype(cx, pat);
        if (rc) return rc;
        const mk_ypair *p = mk_yfind(cx->phenotype, "parameters");
        if (!p) return MK_OK;
        swap w;
        enter_patients(cx, &w, cx->patients);
        rc = sc_parameters(cx, pr, p);
        leave_patients(cx, &w);
        return in_phenotype(cx, rc, "its parameters");
    }
    if (!st) return MK_OK;
    char dir[1024];
    mk_status rc = start_dir(cx, st, dir, sizeof dir);
    if (rc) return rc;
    mk_checkpoint ck;
    rc = mk_checkpoint_load(dir, cx->abi, cx->s->file, st->val->line, st->val->col, &ck, cx->err);
    if (rc) return rc;
    for (int i = 0; !rc && i < cx->abi->n_params; i++)
        if (ck.params[i] != cx->abi->params[i].value)
            rc = sc_set_param(cx, pr, i, ck.params[i], st->val->line, st->val->col);
    if (!rc) {
        pr->y0 = ck.states;
        cx->start_inputs = ck.inputs;
        ck.states = ck.inputs = NULL;
        snprintf(pr->start, sizeof pr->start, "checkpoint %s/%s (scenario '%s' at t = %.10g s)",
                 dir, MK_CHECKPOINT_FILE, ck.scenario, ck.t_s);
    }
    mk_checkpoint_free(&ck);
    return rc;
}

/* Compile the phenotype's history against the model with the scenario's parameters (the same
 * person throughout), simulate it and keep its final state and inputs. */
static mk_status condition(sc_ctx *cx, mk_protocol *pr)
{
    const mk_ypair *h = mk_yfind(cx->phenotype, "history");
    swap w; /* w.pseudo is the history as a scenario of its own, in the patients file */
    enter_patients(cx, &w, h->val);
    mk_status rc = MK_OK;
    if (h->val->kind != MK_Y_MAP)
        rc = sc_fail(cx, h->val->line, h->val->col, MK_ERR_SYNTAX,
                     "expected a mapping for 'history' (a scenario: duration, timeline, ...), "
                     "found %s",
                     sc_kind_name(h->val));
    const mk_ypair *hp_params = rc ? NULL : mk_yfind(h->val, "parameters");
    if (hp_params)
        rc = sc_fail(cx, hp_params->line, hp_params->col, MK_ERR_INVALID,
                     "a history has the phenotype's parameters: put 'parameters' beside "
                     "'history', not in it");
    leave_patients(cx, &w);
    if (rc) return rc;
    mk_protocol *hp = NULL;
    mk_run_result res;
    memset(&res, 0, sizeof res);
    rc = mk_scenario_compile(&w.pseudo, cx->abi, cx->u, NULL, NULL, 0, cx->strict, NULL, &hp,
                             cx->err);
    if (rc) return in_phenotype(cx, rc, "its conditioning history");
    /* the person's parameters, not the history's own: replace them wholesale */
    mk_param_override *pp = mk_malloc((size_t)(pr->n_params + 1) * sizeof *pp);
    if (!pp) rc = mk_fail(cx->err, MK_ERR_NOMEM, "out of memory");
    if (!rc) {
        if (pr->n_params) memcpy(pp, pr->params, (size_t)pr->n_params * sizeof *pp);
        free(hp->params);
        hp->params = pp;
        hp->n_params = pr->n_params;
        hp->output_every_s = hp->duration_s; /* only the end is wanted */
        hp->n_meas = 0;
        rc = mk_simulate(cx->abi, hp, NULL, NULL, &res, cx->err);
    }
    if (!rc) {
        const mk_series *s = &res.series;
        const double *last = s->values + (size_t)(s->n_rows - 1) * (size_t)s->n_cols;
        pr->y0 = mk_calloc((size_t)cx->abi->n_states + 1, sizeof(double));
        cx->start_inputs = mk_calloc((size_t)cx->abi->n_inputs + 1, sizeof(double));
        if (!pr->y0 || !cx->start_inputs) rc = mk_fail(cx->err, MK_ERR_NOMEM, "out of memory");
        /* the series' first columns are the states; the inputs are found by name */
        for (int i = 0; !rc && i < cx->abi->n_states; i++) pr->y0[i] = last[i];
        for (int i = 0; !rc && i < cx->abi->n_inputs; i++) {
            int c = mk_series_find(s, cx->abi->inputs[i].name);
            cx->start_inputs[i] = c >= 0 ? last[c] : cx->abi->inputs[i].value;
        }
        snprintf(pr->start, sizeof pr->start, "patient %s (%s: %.10g s of conditioning history)",
                 cx->start_key->val->text, PATIENTS_FILE, hp->duration_s);
    } else if (cx->err && !cx->err->file[0]) {
        char msg[sizeof cx->err->message];
        snprintf(msg, sizeof msg, "%s", cx->err->message);
        rc = sc_fail(cx, cx->start_key->val->line, cx->start_key->val->col, rc,
                     "simulating the conditioning history of patient '%s' failed: %s",
                     cx->start_key->val->text, msg);
    }
    mk_run_result_free(&res);
    if (!rc) pr->history = hp; /* kept for cohorts (protocol.h) */
    else mk_protocol_free(hp);
    return rc;
}

mk_status sc_start_state(sc_ctx *cx, mk_protocol *pr, double *base, int *has_base)
{
    if (!cx->start_key) return MK_OK;
    if (cx->phenotype) {
        mk_status rc = condition(cx, pr);
        if (rc) return rc;
    }
    for (int i = 0; i < cx->abi->n_inputs; i++)
        if (!has_base[i] && cx->start_inputs[i] != cx->abi->inputs[i].value) {
            base[i] = cx->start_inputs[i];
            has_base[i] = 1;
        }
    return MK_OK;
}
