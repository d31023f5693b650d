/*
 * test_site.c -- the site interface declared in the model (issue 8 item 8): every shipped site
 * model binds every label the library knows; a model lacking labels gets one error naming
 * them all; a generic model still runs; a variant's report explains it in its own words.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../lang/test_util.h"
#include "body/anatomy.h"
#include "core/site.h"
#include "lang/ast.h"
#include "protocol/scenario.h"
#include "protocol/simulate.h"
#include "report/summary.h"

/* Every label of core/site.h, in every shipped site model, bound to a symbol of the kind the
 * library uses it as (inputs written by the scenario, outputs read from the series). */
static void shipped_models_resolve_labels(void **state)
{
    (void)state;
    int n_site = 0;
    mk_site_set all = (MK_L_COUNT == 64) ? ~0ULL : (1ULL << MK_L_COUNT) - 1;
    for (int i = 0; mk_builtin_at(i); i++) {
        const mk_model_abi *abi = mk_builtin_at(i);
        if (strncmp(abi->name, "tp_site", 7)) continue;
        n_site++;
        mk_site site;
        mk_site_resolve(abi, &site);
        mk_error err = {0};
        mk_status rc = mk_site_require(&site, all, "the site summary", NULL, 0, 0, &err);
        if (rc) print_error("%s: %s\n", abi->name, err.message);
        assert_int_equal(rc, MK_OK);
        for (int l = 0; l < MK_L_COUNT; l++) {
            int want_input = l < MK_L_CORE_PO2;
            int kind = site.kind[l];
            if (want_input != (kind == MK_SYM_INPUT) || (!want_input && kind != MK_SYM_STATE && kind != MK_SYM_VAR))
                print_error("%s: label %s has kind %d\n", abi->name, mk_site_label_name(l), kind);
            assert_true(want_input ? kind == MK_SYM_INPUT : kind == MK_SYM_STATE || kind == MK_SYM_VAR);
        }
        /* and the model explains its end state itself, with a sentence for a healthy one */
        int otherwise = 0;
        for (int w = 0; w < abi->n_whys; w++) otherwise += abi->whys[w].op == 0;
        assert_true(abi->n_whys >= 2);
        assert_int_equal(otherwise, 1);
    }
    assert_int_equal(n_site, 4); /* tp_site and its three hypothesis variants (central, neurogenic, endplate knot) */
}

typedef struct compiled {
    mk_model *model;
    mk_loaded *loaded;
} compiled;

static const mk_model_abi *compile_model(compiled *c, const char *text)
{
    mk_error err = {0};
    char buf[1400];
    if (mk_model_parse_string("lacking.myo", text, &c->model, &err) ||
        mk_model_compile(c->model, NULL, &c->loaded, &err)) {
        print_error("%s\n", mk_error_format(&err, buf, sizeof buf));
        fail();
    }
    return mk_loaded_abi(c->loaded);
}

static void compiled_free(compiled *c)
{
    mk_loaded_free(c->loaded);
    mk_model_free(c->model);
}

/* A model with load but no therapy labels, and a scenario that compresses the site and
 * measures a PPT: one error, at the first event that needs them, naming all three. */
static void missing_labels_reported_together(void **state)
{
    (void)state;
    static const char model[] =
        "model lacking { doc \"only a load\" }\n"
        "interface {\n  load_activation = load.activation\n  pain_local = m.pain\n}\n"
        "component load {\n  input activation = 0 [%] { doc \"activation\" }\n}\n"
        "component m {\n  output pain [1] = load.activation / 10 [%] { doc \"pain\" }\n}\n";
    compiled c = {0};
    const mk_model_abi *abi = compile_model(&c, model);
    mk_units *u = NULL;
    mk_error err = {0};
    assert_int_equal(mk_units_new(&u, &err), MK_OK);
    mk_scenario *s = NULL;
    mk_protocol *p = NULL;
    assert_int_equal(mk_scenario_load_string("lacking.yaml",
                                             "duration: 1 h\n"
                                             "timeline:\n"
                                             "  - {event: desk_work, at: 0 s, load: 5 %, duration: 10 min}\n"
                                             "  - {event: ischemic_compression, at: 20 min, pressure: 300 kPa, hold: 90 s}\n"
                                             "  - {event: measure, at: 30 min, what: ppt}\n",
                                             &s, &err),
                     MK_OK);
    mk_status rc = mk_scenario_compile(s, abi, u, NULL, NULL, 0, 0, NULL, &p, &err);
    char buf[1400];
    print_message("%s\n", mk_error_format(&err, buf, sizeof buf));
    assert_int_equal(rc, MK_ERR_MODEL);
    assert_null(p);
    assert_string_equal(err.file, "lacking.yaml");
    assert_int_equal(err.line, 4); /* the compression, the first event needing a missing label */
    assert_non_null(strstr(err.message, "model 'lacking' lacks labels"));
    assert_non_null(strstr(err.message, "therapy_pressure"));
    assert_non_null(strstr(err.message, "therapy_area"));
    assert_non_null(strstr(err.message, "pain_evoked_margin"));
    assert_null(strstr(err.message, "load_activation")); /* it has that one */
    assert_non_null(strstr(err.message, "docs/site-interface.md"));
    mk_scenario_free(s);
    mk_units_free(u);
    compiled_free(&c);
}

/* The interface binds names that exist: a typo gets a did-you-mean at its line and column. */
static void label_of_undeclared_name(void **state)
{
    (void)state;
    static const char model[] =
        "model typo { doc \"x\" }\n"
        "interface {\n  core_po2 = core.p02\n}\n"
        "component core {\n  state po2 = 30 [mmHg] { doc \"O2\" }\n  d(po2)/dt = 0 [mmHg/s]\n}\n";
    mk_model *m = NULL;
    mk_error err = {0};
    assert_int_equal(mk_model_parse_string("typo.myo", model, &m, &err), MK_ERR_NAME);
    assert_null(m);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 14);
    assert_non_null(strstr(err.message, "label 'core_po2' names 'core.p02'"));
    assert_non_null(strstr(err.message, "did you mean 'core.po2'?"));
}

/* A why must read what a run records, and quote labels the interface has. */
static void why_reads_recorded_labels(void **state)
{
    (void)state;
    static const char head[] =
        "model w { doc \"x\" }\n"
        "component core {\n  state po2 = 30 [mmHg] { doc \"O2\" }\n"
        "  var hidden [1] = po2 / 1 [mmHg] { doc \"not an output\" }\n  d(po2)/dt = 0 [mmHg/s]\n}\n";
    static const char *const bad[][2] = {
        {"interface {\n  h = core.hidden\n  why h > 1 \"x\"\n}\n", "which a run does not record"},
        {"interface {\n  p = core.po2\n  why p < 10 \"PO2 {q}\"\n}\n", "'q', which is not a label"},
        {"interface {\n  p = core.po2\n  why p < 10 \"PO2 {p:.9x}\"\n}\n", "expected :.Nf, :.Ng"},
        {"interface {\n  p = core.po2\n  p = core.po2\n}\n", "label 'p' is already given"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[1024];
        snprintf(text, sizeof text, "%s%s", head, bad[i][0]);
        mk_model *m = NULL;
        mk_error err = {0};
        assert_int_not_equal(mk_model_parse_string("w.myo", text, &m, &err), MK_OK);
        if (!strstr(err.message, bad[i][1])) print_error("case %zu: %s\n", i, err.message);
        assert_non_null(strstr(err.message, bad[i][1]));
        assert_true(err.line > 6);
    }
}

/* extends: a variant inherits its base's labels and whys, rebinds a label by giving it again,
 * and replaces the whole explanation with its first why. */
static const char k_base[] =
    "model b { doc \"base\" }\n"
    "interface {\n  x = c.x\n  why x > 1 \"base: x is {x}\"\n  why otherwise \"base: calm\"\n}\n"
    "component c {\n  state x = 0 [1] { doc \"x\" }\n  d(x)/dt = 0 [1/s]\n}\n";

static const char *base_of(void *ctx, const char *name)
{
    (void)ctx;
    return strcmp(name, "b") ? NULL : k_base;
}

static void variants_inherit_interface(void **state)
{
    (void)state;
    static const char *const variants[] = {
        "model v extends b { doc \"same\" }\n",
        "model v extends b { doc \"own words\" }\ninterface {\n  why otherwise \"variant: calm\"\n}\n",
        "model v extends b { doc \"rebinds\" }\ncomponent e {\n  state y = 0 [1] { doc \"y\" }\n"
        "  d(y)/dt = 0 [1/s]\n}\ninterface {\n  x = e.y\n}\n",
    };
    for (int i = 0; i < 3; i++) {
        mk_model *m = NULL;
        mk_error err = {0};
        mk_status rc = mk_model_parse_with("v.myo", variants[i], base_of, NULL, &m, &err);
        if (rc) print_error("variant %d: %s\n", i, err.message);
        assert_int_equal(rc, MK_OK);
        assert_int_equal(m->n_labels, 1);
        assert_string_equal(m->labels->name, "x");
        assert_string_equal(m->labels->decl->qname, i == 2 ? "e.y" : "c.x");
        assert_int_equal(m->n_whys, i == 1 ? 1 : 2);
        assert_string_equal(m->whys->text, i == 1 ? "variant: calm" : "base: x is {x}");
        mk_model_free(m);
    }
}

static mk_status run_short(const mk_model_abi *abi, mk_run_result *r, mk_error *err)
{
    mk_units *u = NULL;
    mk_scenario *s = NULL;
    mk_protocol *p = NULL;
    mk_status rc = mk_units_new(&u, err);
    if (!rc)
        rc = mk_scenario_load_string("short.yaml", "duration: 10 min\noutput_every: 5 min\ntimeline: []\n", &s, err);
    if (!rc) rc = mk_scenario_compile(s, abi, u, NULL, NULL, 0, 0, NULL, &p, err);
    if (!rc) rc = mk_simulate(abi, p, NULL, NULL, r, err);
    if (!rc) rc = mk_summary_write(r, err);
    mk_protocol_free(p);
    mk_scenario_free(s);
    mk_units_free(u);
    return rc;
}

/* The central variant starts sensitised (central_sens 0.3): its report says why in the
 * variant's words, not in the base model's energy-crisis ones. */
static void variant_explains_itself(void **state)
{
    (void)state;
    mk_run_result rb, rc_;
    mk_error err = {0};
    assert_int_equal(run_short(mk_builtin_find("tp_site"), &rb, &err), MK_OK);
    assert_int_equal(run_short(mk_builtin_find("tp_site_central"), &rc_, &err), MK_OK);
    print_message("tp_site:\n%s\ntp_site_central:\n%s\n", rb.summary, rc_.summary);
    const char *why_c = strstr(rc_.summary, "why, at the end:");
    assert_non_null(why_c);
    assert_non_null(strstr(why_c, "central sensitisation is 30 % of its maximum: a high-gain dorsal horn"));
    assert_non_null(strstr(why_c, "stress and poor sleep keep the segment sensitised"));
    assert_null(strstr(why_c, "the dorsal horn amplifies input\n")); /* the base's wording */
    const char *why_b = strstr(rb.summary, "why, at the end:");
    assert_non_null(why_b);
    assert_null(strstr(why_b, "high-gain"));
    mk_run_result_free(&rb);
    mk_run_result_free(&rc_);
}

/* A generic model (no interface) runs: no label is required, and its report invents no
 * explanation (the site's wording was hard-coded before). */
static void generic_model_runs(void **state)
{
    (void)state;
    mk_run_result r;
    mk_error err = {0};
    const mk_model_abi *abi = mk_builtin_find("decay");
    assert_non_null(abi);
    assert_int_equal(abi->n_labels, 0);
    mk_status rc = run_short(abi, &r, &err);
    if (rc) print_error("%s\n", err.message);
    assert_int_equal(rc, MK_OK);
    assert_null(strstr(r.summary, "why, at the end:"));
    assert_null(strstr(r.summary, "energy crisis"));
    mk_run_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shipped_models_resolve_labels),
        cmocka_unit_test(missing_labels_reported_together),
        cmocka_unit_test(label_of_undeclared_name),
        cmocka_unit_test(why_reads_recorded_labels),
        cmocka_unit_test(variants_inherit_interface),
        cmocka_unit_test(variant_explains_itself),
        cmocka_unit_test(generic_model_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
