/*
 * test_scenario.c -- scenario files compiled into protocols.
 *
 * Every scenario is compiled against tests/protocol/site_stub.myo, a model with exactly the
 * inputs and outputs of docs/site-interface.md (compiled here at run time).  The cases check
 * the exact input changes of each event type, unit conversions, repetition, clock times,
 * baselines, measurements, parameter overrides and --set; the bad corpus
 * (tests/protocol/bad/NN-name.yaml, first line "# expect: LINE:COL: MESSAGE") checks each
 * error's place and words; and every example in scenarios/ must load and compile.
 */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../lang/test_util.h"
#include "body/anatomy.h"
#include "myoknot.h"
#include "protocol/scenario.h"

typedef struct fixture {
    mk_model *model;
    mk_loaded *loaded;
    const mk_model_abi *abi;
    mk_units *u;
    mk_anatomy *anat;
} fixture;

static fixture fx;

static const char *src_path(char *buf, size_t size, const char *rel)
{
    const char *root = getenv("MK_SOURCE_DIR");
    snprintf(buf, size, "%s/%s", root ? root : ".", rel);
    return buf;
}

static int setup(void **state)
{
    char path[1024];
    mk_error err = {0};
    if (mk_model_parse_file(src_path(path, sizeof path, "tests/protocol/site_stub.myo"), &fx.model,
                            &err) ||
        mk_model_compile(fx.model, NULL, &fx.loaded, &err) || mk_units_new(&fx.u, &err) ||
        mk_anatomy_load(&fx.anat, &err)) {
        char buf[1400];
        fprintf(stderr, "setup: %s\n", mk_error_format(&err, buf, sizeof buf));
        return -1;
    }
    fx.abi = mk_loaded_abi(fx.loaded);
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mk_anatomy_free(fx.anat);
    mk_units_free(fx.u);
    mk_loaded_free(fx.loaded);
    mk_model_free(fx.model);
    return 0;
}

/* ---------------------------------------------------------------- helpers */

static mk_protocol *compile_sets(const char *yaml, const char *const *sets, int n_sets,
                                 int strict, mk_buf *warnings)
{
    mk_scenario *s = NULL;
    mk_protocol *p = NULL;
    mk_error err = {0};
    char buf[1400];
    if (mk_scenario_load_string("test.yaml", yaml, &s, &err) ||
        mk_scenario_compile(s, fx.abi, fx.u, fx.anat, sets, n_sets, strict, warnings, &p, &err)) {
        print_error("%s\n", mk_error_format(&err, buf, sizeof buf));
        mk_scenario_free(s);
        fail();
    }
    mk_scenario_free(s);
    return p;
}

static mk_protocol *compile(const char *yaml) { return compile_sets(yaml, NULL, 0, 0, NULL); }

/* Compile expecting failure; returns the error. */
static mk_error compile_fail(const char *yaml, const char *const *sets, int n_sets, int strict)
{
    mk_scenario *s = NULL;
    mk_protocol *p = (mk_protocol *)&fx; /* must come back NULL */
    mk_error err = {0};
    mk_status rc = mk_scenario_load_string("test.yaml", yaml, &s, &err);
    if (rc == MK_OK) {
        rc = mk_scenario_compile(s, fx.abi, fx.u, fx.anat, sets, n_sets, strict, NULL, &p, &err);
        assert_null(p);
    }
    mk_scenario_free(s);
    assert_int_not_equal(rc, MK_OK);
    assert_int_equal(rc, err.code);
    return err;
}

static int input(const char *name)
{
    int i = mk_abi_find(fx.abi, MK_SYM_INPUT, name);
    if (i < 0) print_error("no input %s\n", name);
    assert_true(i >= 0);
    return i;
}

static void near(double got, double want)
{
    double tol = 1e-9 * (fabs(want) > 1 ? fabs(want) : 1);
    if (!(fabs(got - want) <= tol)) print_error("got %.15g, want %.15g\n", got, want);
    assert_true(fabs(got - want) <= tol);
}

typedef struct chg {
    double t;
    const char *input;
    double value;
} chg;

static void dump(const mk_protocol *p)
{
    for (int i = 0; i < p->n_changes; i++)
        print_error("  [%d] t=%.10g %s = %.10g\n", i, p->changes[i].t_s,
                    fx.abi->inputs[p->changes[i].input].name, p->changes[i].value);
}

/* The protocol's changes are exactly these, in this order. */
static void expect_changes(const mk_protocol *p, const chg *want, int n)
{
    if (p->n_changes != n) {
        print_error("%d changes, want %d\n", p->n_changes, n);
        dump(p);
    }
    assert_int_equal(p->n_changes, n);
    for (int i = 0; i < n; i++) {
        const mk_input_change *c = &p->changes[i];
        if (c->input != input(want[i].input) || fabs(c->t_s - want[i].t) > 1e-9 * (1 + want[i].t)) {
            print_error("change %d: want t=%g %s\n", i, want[i].t, want[i].input);
            dump(p);
        }
        near(c->t_s, want[i].t);
        assert_int_equal(c->input, input(want[i].input));
        near(c->value, want[i].value);
    }
}

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---------------------------------------------------------------- top level */

static void header_and_defaults(void **state)
{
    (void)state;
    mk_protocol *p = compile("name: short\n"
                             "description: nothing happens\n"
                             "duration: 2 h\n");
    assert_string_equal(p->name, "short");
    assert_string_equal(p->description, "nothing happens");
    assert_string_equal(p->model, "tp_site");
    assert_string_equal(p->file, "test.yaml");
    assert_string_equal(p->muscle, "upper_trapezius");
    assert_string_equal(p->side, "r");
    near(p->duration_s, 7200);
    near(p->output_every_s, 10); /* about a thousand rows */
    assert_int_equal(p->seed, 1);
    assert_int_equal(p->n_changes, 0);
    assert_int_equal(p->n_meas, 0);
    assert_int_equal(p->n_notes, 0);
    assert_int_equal(p->n_params, 0);
    assert_non_null(p->yaml_text);
    assert_non_null(strstr(p->yaml_text, "nothing happens"));
    mk_protocol_free(p);

    p = compile("duration: 1 week\noutput_every: 30 min\nseed: 42\n"
                "site: {muscle: masseter, side: left}\n");
    assert_string_equal(p->name, "test"); /* from the file name */
    near(p->duration_s, 7 * 86400);
    near(p->output_every_s, 1800);
    assert_int_equal(p->seed, 42);
    assert_string_equal(p->muscle, "masseter");
    assert_string_equal(p->side, "l");
    mk_protocol_free(p);
    mk_protocol_free(NULL);
}

static void model_path(void **state)
{
    (void)state;
    mk_scenario *s = NULL;
    mk_error err = {0};
    assert_int_equal(mk_scenario_load_string("dir/sub/a.yaml", "duration: 1 h\n", &s, &err), MK_OK);
    assert_string_equal(mk_scenario_model(s), "tp_site");
    assert_int_equal(mk_scenario_model_is_file(s), 0);
    mk_scenario_free(s);
    assert_int_equal(mk_scenario_load_string("dir/sub/a.yaml",
                                             "model: ../models/variant.myo\nduration: 1 h\n", &s,
                                             &err),
                     MK_OK);
    assert_string_equal(mk_scenario_model(s), "dir/sub/../models/variant.myo");
    assert_int_equal(mk_scenario_model_is_file(s), 1);
    mk_scenario_free(s);
    assert_int_equal(mk_scenario_load_string("a.yaml", "model: mine.myo\nduration: 1 h\n", &s, &err),
                     MK_OK);
    assert_string_equal(mk_scenario_model(s), "mine.myo");
    mk_scenario_free(s);
    assert_int_equal(mk_scenario_load_string("dir/a.yaml", "model: /abs/m.myo\nduration: 1 h\n",
                                             &s, &err),
                     MK_OK);
    assert_string_equal(mk_scenario_model(s), "/abs/m.myo");
    mk_scenario_free(s);
    assert_int_equal(mk_scenario_load_string("dir/a.yaml", "model: tp_site_neurogenic\nduration: 1 h\n",
                                             &s, &err),
                     MK_OK);
    assert_string_equal(mk_scenario_model(s), "tp_site_neurogenic");
    mk_scenario_free(s);
    /* a missing file */
    s = (mk_scenario *)&fx;
    assert_int_equal(mk_scenario_load_file("/nonexistent/x.yaml", &s, &err), MK_ERR_IO);
    assert_null(s);
    assert_string_equal(err.file, "/nonexistent/x.yaml");
}

/* ---------------------------------------------------------------- events -> inputs */

/* The worked example of the brief: 2.5 kg/cm2 (kilogram-force) is 245.16625 kPa; a thumb
 * covers 2 cm2; three holds of 90 s with 30 s rests. */
static void ischemic_compression(void **state)
{
    (void)state;
    mk_protocol *p = compile("duration: 1 h\n"
                             "timeline:\n"
                             "  - event: ischemic_compression\n"
                             "    at: 10 min\n"
                             "    pressure: 2.5 kg/cm2\n"
                             "    tool: thumb\n"
                             "    hold: 90 s\n"
                             "    repeats: 3\n"
                             "    rest: 30 s\n");
    const double P = 2.5 * 98.0665;
    chg want[] = {
        {600, "therapy.pressure", P}, {600, "therapy.area", 2},  {690, "therapy.pressure", 0},
        {690, "therapy.area", 1},     {720, "therapy.pressure", P}, {720, "therapy.area", 2},
        {810, "therapy.pressure", 0}, {810, "therapy.area", 1},  {840, "therapy.pressure", P},
        {840, "therapy.area", 2},     {930, "therapy.pressure", 0}, {930, "therapy.area", 1},
        /* a treatment session over the whole occurrence, its rests included */
        {600, "therapy.session", 1},  {930, "therapy.session", 0},
    };
    /* sorted by time: the session's start after the first hold's */
    for (int i = 12; i > 2; i--) {
        chg t = want[i];
        want[i] = want[i - 1];
        want[i - 1] = t;
    }
    expect_changes(p, want, N(want));
    near(p->changes[0].value, 245.16625);
    assert_int_equal(p->n_notes, 1);
    near(p->notes[0].t0_s, 600);
    near(p->notes[0].t1_s, 930);
    assert_string_equal(p->notes[0].label, "ischemic compression");
    assert_string_equal(p->notes[0].kind, "therapy");
    mk_protocol_free(p);

    /* force over a tool's area; the British spelling; mmHg; an explicit area */
    p = compile("duration: 1 h\n"
                "timeline:\n"
                "  - {event: ischaemic_compression, at: 0 s, force: 40 N, tool: ball, hold: 60 s}\n"
                "  - {event: ischemic_compression, at: 5 min, pressure: 1500 mmHg, area: 1.5 cm2, "
                "hold: 30 s, label: IC mmHg}\n");
    chg want2[] = {
        {0, "therapy.pressure", 100}, /* 40 N / 4 cm2 = 10 N/cm2 = 100 kPa */
        {0, "therapy.area", 4},
        {0, "therapy.session", 1},
        {60, "therapy.pressure", 0},
        {60, "therapy.area", 1},
        {60, "therapy.session", 0},
        {300, "therapy.pressure", 1500 * 0.133322387415},
        {300, "therapy.area", 1.5},
        {300, "therapy.session", 1},
        {330, "therapy.pressure", 0},
        {330, "therapy.area", 1},
        {330, "therapy.session", 0},
    };
    expect_changes(p, want2, N(want2));
    assert_string_equal(p->notes[1].label, "IC mmHg");
    mk_protocol_free(p);
}

static void desk_work_micro_pauses(void **state)
{
    (void)state;
    mk_protocol *p = compile("duration: 1 d\n"
                             "timeline:\n"
                             "  - event: desk_work\n"
                             "    at: day 1 09:00\n"
                             "    load: 5 % MVC\n"
                             "    duration: 1 h\n"
                             "    pause: 1 min\n"
                             "    pause_every: 20 min\n"
                             "  - {event: desk_work, at: day 1 13:00, load: 4 %, duration: 30 min}\n");
    const double t = 9 * 3600;
    chg want[] = {
        {t, "load.activation", 5},          {t + 1140, "load.activation", 0},
        {t + 1200, "load.activation", 5},   {t + 2340, "load.activation", 0},
        {t + 2400, "load.activation", 5},   {t + 3540, "load.activation", 0},
        {13 * 3600, "load.activation", 4},  {13.5 * 3600, "load.activation", 0},
    };
    expect_changes(p, want, N(want));
    assert_int_equal(p->n_notes, 2);
    near(p->notes[0].t1_s, t + 3600); /* the annotation covers the whole block */
    assert_string_equal(p->notes[0].kind, "load");
    mk_protocol_free(p);
}

static void contractions_and_exercise(void **state)
{
    (void)state;
    chg want[] = {
        {0, "load.activation", 30},    {120, "load.activation", 0},   {300, "load.activation", 50},
        {306, "load.activation", 0},   {310, "load.activation", 50},  {316, "load.activation", 0},
        {320, "load.activation", 50},  {326, "load.activation", 0},   {600, "load.activation", 70},
        {603, "load.activation", 0},   {605, "load.activation", 70},  {608, "load.activation", 0},
        {668, "load.activation", 70},  {671, "load.activation", 0},   {673, "load.activation", 70},
        {676, "load.activation", 0},
    };
    /* a bare number for a percentage is refused: 0.5 could mean 0.5 % or 50 % */
    mk_error e = compile_fail("duration: 1 h\ntimeline:\n"
                              "  - {event: sustained_contraction, at: 0 s, level: 30, duration: 2 min}\n",
                              NULL, 0, 0);
    assert_int_equal(e.line, 3);
    assert_string_equal(e.message, "'level' needs a unit: expected a contraction level (% MVC) "
                                   "such as '30 %', found '30'");
    mk_protocol *p = compile("duration: 1 h\n"
                "timeline:\n"
                "  - {event: sustained_contraction, at: 0 s, level: 30 %, duration: 2 min}\n"
                "  - {event: intermittent_contraction, at: 5 min, level: 50 %MVC, on: 6 s, off: 4 s, cycles: 3}\n"
                "  - {event: exercise, at: 10 min, level: 70 %, sets: 2, reps: 2, on: 3 s, off: 2 s, rest: 1 min}\n");
    expect_changes(p, want, N(want));
    near(p->notes[2].t1_s, 676);
    mk_protocol_free(p);
}

static void life_events(void **state)
{
    (void)state;
    mk_protocol *p = compile("duration: 4 d\n"
                             "timeline:\n"
                             "  - {event: sleep, at: day 1 23:00, duration: 8 h, every: 1 d, times: 3}\n"
                             "  - {event: stress, at: day 2 10:00, level: 0.6, duration: 2 h}\n"
                             "  - {event: dehydration, at: day 3 08:00, deficit: 2 %, duration: 10 h}\n"
                             "  - {event: heat, at: day 3 20:00, rise: 3 degC, duration: 20 min}\n");
    const double d = 86400;
    chg want[] = {
        {23 * 3600, "life.sleep", 1},
        {d + 7 * 3600, "life.sleep", 0},
        {d + 10 * 3600, "life.stress", 0.6},
        {d + 12 * 3600, "life.stress", 0},
        {d + 23 * 3600, "life.sleep", 1},
        {2 * d + 7 * 3600, "life.sleep", 0},
        {2 * d + 8 * 3600, "life.dehydration", 2},
        {2 * d + 18 * 3600, "life.dehydration", 0},
        {2 * d + 20 * 3600, "life.heat", 3}, /* a rise of 3 degC is 3 K, not 276 K */
        {2 * d + 20 * 3600 + 1200, "life.heat", 0},
        {2 * d + 23 * 3600, "life.sleep", 1},
        {3 * d + 7 * 3600, "life.sleep", 0},
    };
    expect_changes(p, want, N(want));
    assert_int_equal(p->n_notes, 6);
    assert_string_equal(p->notes[0].label, "sleep 1/3");
    assert_string_equal(p->notes[0].kind, "life");
    assert_string_equal(p->notes[5].label, "sleep 3/3");
    mk_protocol_free(p);
}

static void experiments(void **state)
{
    (void)state;
    mk_protocol *p = compile("duration: 2 h\n"
                             "timeline:\n"
                             "  - {event: cuff_occlusion, at: 1 min, pressure: 32 kPa, duration: 5 min}\n"
                             "  - {event: infusion, at: 10 min, substance: hypertonic_saline, rate: 0.5 mL/h, duration: 10 min}\n"
                             "  - {event: infusion, at: 10 min, substance: acid, rate: 40 mL/h, duration: 15 min}\n"
                             "  - {event: injection, at: 30 min, substance: hypertonic_saline, volume: 0.5 mL}\n"
                             "  - {event: injection, at: 40 min, substance: glutamate, amount: 0.2 mmol, over: 10 s}\n"
                             "  - {event: infusion, at: 50 min, substance: bradykinin_serotonin, rate: 1 nmol/s, duration: 1 min}\n"
                             "  - {event: electrical_stimulation, at: 1 h, rate: 10 Hz, intensity: 1.5, duration: 1 min}\n");
    chg want[] = {
        {60, "exp.cuff", 32 / 0.133322387415},
        {360, "exp.cuff", 0},
        {600, "exp.saline_rate", 500.0 / 60},
        {600, "exp.acid_rate", 40000.0 / 60},
        {1200, "exp.saline_rate", 0},
        {1500, "exp.acid_rate", 0},
        {1800, "exp.saline_rate", 1500}, /* 500 uL over the default 20 s */
        {1820, "exp.saline_rate", 0},
        {2400, "exp.glutamate_rate", 1200}, /* 200 umol over 10 s */
        {2410, "exp.glutamate_rate", 0},
        {3000, "exp.bk5ht_rate", 60},
        {3060, "exp.bk5ht_rate", 0},
        {3600, "exp.estim_rate", 10},
        {3600, "exp.estim_intensity", 1.5},
        {3660, "exp.estim_rate", 0},
        {3660, "exp.estim_intensity", 0},
    };
    expect_changes(p, want, N(want));
    assert_string_equal(p->notes[0].kind, "experiment");
    mk_protocol_free(p);
}

static void therapies(void **state)
{
    (void)state;
    mk_protocol *p = compile("duration: 1 d\n"
                             "timeline:\n"
                             "  - {event: stretch, at: 0 s, strain: 15 %, hold: 30 s, repeats: 3, rest: 10 s}\n"
                             "  - {event: rubbing, at: 5 min, intensity: 0.4, duration: 2 min}\n"
                             "  - {event: vibration, at: 10 min, intensity: 0.8, duration: 1 min}\n"
                             "  - {event: dry_needling, at: 20 min, rate: 1 1/s, duration: 1 min}\n"
                             "  - {event: dry_needling, at: 30 min, rate: 60 1/min, duration: 1 min, sham: true}\n"
                             "  - {event: analgesic, at: 1 h, kind: nsaid, effect: 0.6, duration: 8 h}\n"
                             "  - {event: analgesic, at: 2 h, kind: central, effect: 50 %, duration: 4 h}\n");
    /* every treatment but rubbing is a session (therapy.session); the two analgesics
     * overlap and are one session, 1 h .. 9 h */
    chg want[] = {
        {0, "load.stretch", 15},           {0, "therapy.session", 1},
        {30, "load.stretch", 0},
        {40, "load.stretch", 15},          {70, "load.stretch", 0},
        {80, "load.stretch", 15},          {110, "load.stretch", 0},
        {110, "therapy.session", 0},
        {300, "therapy.touch", 0.4},       {420, "therapy.touch", 0},
        {600, "therapy.touch", 0.8},       {600, "therapy.session", 1},
        {660, "therapy.touch", 0},         {660, "therapy.session", 0},
        {1200, "therapy.needle_rate", 1},  {1200, "therapy.session", 1},
        {1260, "therapy.needle_rate", 0},  {1260, "therapy.session", 0},
        {1800, "therapy.sham_rate", 1},    {1800, "therapy.session", 1},
        {1860, "therapy.sham_rate", 0},    {1860, "therapy.session", 0},
        {3600, "therapy.nsaid", 0.6},      {3600, "therapy.session", 1},
        {7200, "therapy.central_analgesic", 0.5},
        {6 * 3600, "therapy.central_analgesic", 0},
        {9 * 3600, "therapy.nsaid", 0},    {9 * 3600, "therapy.session", 0},
    };
    expect_changes(p, want, N(want));
    mk_protocol_free(p);
}

/* A trigger-point injection: the dose over `over` as a mass rate (1 mL of 0.5 % lidocaine,
 * Kamanli 2005), in any mass and volume units; the default `over` is 20 s. */
static void lidocaine(void **state)
{
    (void)state;
    mk_protocol *p = compile("duration: 1 h\n"
                             "timeline:\n"
                             "  - {event: lidocaine_injection, at: 10 min, dose: 5 mg, volume: 1 mL, over: 10 s}\n"
                             "  - {event: lidocaine_injection, at: 30 min, dose: 0.02 g, volume: 2000 uL}\n");
    chg want[] = {
        {600, "therapy.anaesthetic_rate", 30},  {600, "therapy.session", 1},
        {610, "therapy.anaesthetic_rate", 0},   {610, "therapy.session", 0},
        {1800, "therapy.anaesthetic_rate", 60}, {1800, "therapy.session", 1},
        {1820, "therapy.anaesthetic_rate", 0},  {1820, "therapy.session", 0},
    };
    expect_changes(p, want, N(want));
    assert_string_equal(p->notes[0].kind, "therapy");
    assert_string_equal(p->notes[0].label, "lidocaine injection");
    mk_protocol_free(p);
}

/* A programme over weeks is one event with every/times; back-to-back occurrences do not
 * revert in between. */
static void repetition(void **state)
{
    (void)state;
    mk_protocol *p = compile("duration: 4 week\n"
                             "timeline:\n"
                             "  - {event: stretch, at: day 1 18:00, strain: 10 %, hold: 30 s, repeats: 2, every: 1 d, times: 28}\n"
                             "  - {event: stress, at: 0 s, level: 0.5, duration: 1 h, every: 1 h, times: 3}\n");
    /* stress: three adjacent hours are one change on and one off */
    int stress = input("life.stress"), stretch = input("load.stretch"), n_on = 0, n_stress = 0;
    for (int i = 0; i < p->n_changes; i++) {
        if (p->changes[i].input == stress) n_stress++;
        if (p->changes[i].input == stretch && p->changes[i].value > 0) n_on++;
        if (i) assert_true(p->changes[i].t_s >= p->changes[i - 1].t_s);
    }
    assert_int_equal(n_stress, 2);
    assert_int_equal(n_on, 56);
    near(p->changes[p->n_changes - 1].t_s, 27 * 86400 + 18 * 3600 + 90);
    assert_int_equal(p->n_notes, 31);
    assert_string_equal(p->notes[p->n_notes - 1].label, "stretch 28/28");
    mk_protocol_free(p);
}

/* Every change names the type of the event that starts it (a trial scales what one type
 * writes, population.inputs): back to back at the same value, two occurrences of one type are
 * one change, two types are two; a return to the baseline names none. */
static void change_event_types(void **state)
{
    (void)state;
    mk_protocol *p = compile("duration: 4 h\n"
                             "timeline:\n"
                             "  - {event: desk_work, at: 0 s, load: 5 %, duration: 1 h, every: 1 h, times: 2}\n"
                             "  - {event: sustained_contraction, at: 2 h, level: 5 %, duration: 30 min}\n"
                             "  - {event: stress, at: 1 h, level: 0.5, duration: 1 h}\n");
    int load = input("load.activation"), stress = input("life.stress");
    int desk = 0, held = 0, ret = 0, life = 0;
    for (int i = 0; i < p->n_changes; i++) {
        const mk_input_change *c = &p->changes[i];
        if (c->input == load && c->event && !strcmp(c->event, "desk_work")) {
            desk++;
            near(c->t_s, 0);
        } else if (c->input == load && c->event && !strcmp(c->event, "sustained_contraction")) {
            held++;
            near(c->t_s, 7200);
        } else if (c->input == load) {
            assert_null(c->event);
            ret++;
            near(c->t_s, 9000);
        }
        if (c->input == stress && c->value > 0) {
            assert_non_null(c->event);
            assert_string_equal(c->event, "stress");
            life++;
        }
    }
    assert_int_equal(desk, 1);
    assert_int_equal(held, 1);
    assert_int_equal(ret, 1);
    assert_int_equal(life, 1);
    mk_protocol_free(p);
}

static void baseline(void **state)
{
    (void)state;
    mk_protocol *p = compile("duration: 1 h\n"
                             "baseline:\n"
                             "  load.activation: 2 %\n"
                             "  therapy.area: 2 cm2\n"
                             "  life.stress: 0.2\n"
                             "timeline:\n"
                             "  - {event: sustained_contraction, at: 1 min, level: 30 %, duration: 2 min}\n"
                             "  - {event: stress, at: 0 s, level: 0.7, duration: 10 min}\n"
                             "  - {event: ischemic_compression, at: 20 min, pressure: 200 kPa, tool: algometer, hold: 1 min}\n");
    chg want[] = {
        {0, "load.activation", 2},     {0, "life.stress", 0.7},      {0, "therapy.area", 2},
        {60, "load.activation", 30},   {180, "load.activation", 2},  {600, "life.stress", 0.2},
        {1200, "therapy.pressure", 200}, {1200, "therapy.area", 1},  {1200, "therapy.session", 1},
        {1260, "therapy.pressure", 0},
        {1260, "therapy.area", 2},     {1260, "therapy.session", 0},
    };
    expect_changes(p, want, N(want));
    mk_protocol_free(p);
}

static void measurements(void **state)
{
    (void)state;
    mk_protocol *p = compile("duration: 1 d\n"
                             "timeline:\n"
                             "  - {event: measure, at: 1 h, what: ppt, label: PPT before}\n"
                             "  - {event: measure, at: 2 h, what: ppt, rate: 0.5 kg/cm2/s, area: 0.5 cm2}\n"
                             "  - {event: measure, at: 3 h, what: pain, region: temple_right, pressure: 2.5 kg/cm2}\n"
                             "  - {event: measure, at: 4 h, what: pain}\n"
                             "  - {event: measure, at: 5 h, what: output, name: core.po2}\n"
                             "  - {event: measure, at: 6 h, what: [stiffness, noise, pain], label: after, every: 1 h, times: 2}\n");
    assert_int_equal(p->n_meas, 11);
    assert_int_equal(p->n_changes, 0);
    assert_int_equal(p->n_notes, 0);
    const mk_measurement *m = p->meas;
    near(m[0].t_s, 3600);
    assert_int_equal(m[0].kind, MK_MEAS_PPT);
    assert_string_equal(m[0].label, "PPT before");
    near(m[0].arg, 98.0665); /* default ramp 1 kg/cm2/s */
    near(m[0].area_cm2, 1);
    assert_int_equal(m[0].line, 3);
    assert_int_equal(m[0].col, 5);
    near(m[1].arg, 0.5 * 98.0665);
    near(m[1].area_cm2, 0.5);
    assert_string_equal(m[1].label, "PPT");
    assert_int_equal(m[2].kind, MK_MEAS_PAIN);
    assert_string_equal(m[2].region, "temple_r");
    near(m[2].arg, 245.16625);
    assert_string_equal(m[2].label, "pain temple_r");
    assert_string_equal(m[3].region, "local");
    near(m[3].arg, 0);
    assert_int_equal(m[4].kind, MK_MEAS_OUTPUT);
    assert_string_equal(m[4].output, "core.po2");
    assert_string_equal(m[4].label, "core.po2");
    near(m[5].t_s, 6 * 3600);
    assert_int_equal(m[5].kind, MK_MEAS_STIFFNESS);
    assert_string_equal(m[5].label, "after stiffness 1/2");
    assert_int_equal(m[6].kind, MK_MEAS_NOISE);
    assert_string_equal(m[6].label, "after endplate noise 1/2");
    assert_int_equal(m[7].kind, MK_MEAS_PAIN);
    assert_string_equal(m[7].label, "after pain local 1/2");
    near(m[8].t_s, 7 * 3600);
    assert_string_equal(m[10].label, "after pain local 2/2");
    mk_protocol_free(p);

    /* a measurement may sit at the very end */
    p = compile("duration: 1 h\ntimeline:\n  - {event: measure, at: 1 h, what: ppt}\n");
    near(p->meas[0].t_s, 3600);
    mk_protocol_free(p);
}

static void parameters_and_warnings(void **state)
{
    (void)state;
    mk_buf w;
    mk_buf_init(&w);
    mk_protocol *p = compile_sets("duration: 1 h\n"
                                  "parameters:\n"
                                  "  core.tau: 2 min\n"
                                  "  core.po2_rest: 80 mmHg\n",
                                  NULL, 0, 0, &w);
    assert_int_equal(p->n_params, 2);
    assert_int_equal(p->params[0].param, mk_abi_find(fx.abi, MK_SYM_PARAM, "core.tau"));
    near(p->params[0].value, 120);
    assert_int_equal(p->params[0].line, 3);
    assert_int_equal(p->params[0].col, 13);
    near(p->params[1].value, 80);
    assert_non_null(w.data);
    assert_string_equal(w.data, "test.yaml:4:18: warning: parameter 'core.po2_rest' = 80 mmHg is "
                                "outside its plausible range 5 .. 60 mmHg\n");
    mk_protocol_free(p);
    mk_buf_free(&w);

    /* strict: the same is an error */
    mk_error e = compile_fail("duration: 1 h\nparameters:\n  core.po2_rest: 80 mmHg\n", NULL, 0, 1);
    assert_int_equal(e.line, 3);
    assert_int_equal(e.column, 18);
    assert_int_equal(e.code, MK_ERR_INVALID);
    assert_int_equal(e.origin, MK_ORIGIN_LIBRARY); /* the file is at fault, not an override */
    assert_string_equal(e.message, "parameter 'core.po2_rest' = 80 mmHg is outside its plausible "
                                   "range 5 .. 60 mmHg (strict)");

    /* a failed compile adds no warnings */
    mk_buf_init(&w);
    mk_scenario *s = NULL;
    mk_protocol *q = NULL;
    assert_int_equal(mk_scenario_load_string("t.yaml",
                                             "duration: 1 h\nparameters: {core.po2_rest: 80 mmHg, "
                                             "core.taux: 1 s}\n",
                                             &s, &e),
                     MK_OK);
    assert_int_not_equal(mk_scenario_compile(s, fx.abi, fx.u, fx.anat, NULL, 0, 0, &w, &q, &e), MK_OK);
    assert_null(q);
    assert_int_equal((int)w.len, 0);
    mk_scenario_free(s);
    mk_buf_free(&w);
}

static void command_line_sets(void **state)
{
    (void)state;
    const char *sets[] = {"core.tau=30 s", "load.activation = 3 %", "duration=2 h", "seed=7",
                          "output_every=1 min"};
    mk_buf w;
    mk_buf_init(&w);
    mk_protocol *p = compile_sets("duration: 1 h\nparameters: {core.tau: 10 s}\n", sets, 5, 0, &w);
    assert_int_equal(p->n_params, 1); /* --set replaces the file's value */
    near(p->params[0].value, 30);
    assert_int_equal(p->params[0].line, 0);
    near(p->duration_s, 7200);
    near(p->output_every_s, 60);
    assert_int_equal(p->seed, 7);
    chg want[] = {{0, "load.activation", 3}};
    expect_changes(p, want, N(want));
    mk_protocol_free(p);
    /* an out-of-range --set warns without a line */
    const char *hot[] = {"core.po2_rest=100 mmHg"};
    p = compile_sets("duration: 1 h\n", hot, 1, 0, &w);
    assert_string_equal(w.data, "override: warning: parameter 'core.po2_rest' = 100 mmHg is outside "
                                "its plausible range 5 .. 60 mmHg\n");
    mk_protocol_free(p);
    mk_buf_free(&w);

    const char *bad1[] = {"core.tua=30 s"};
    mk_error e = compile_fail("duration: 1 h\n", bad1, 1, 0);
    assert_string_equal(e.file, "");
    assert_int_equal(e.origin, MK_ORIGIN_OVERRIDE);
    assert_string_equal(e.message,
                        "'core.tua=30 s': unknown parameter or input 'core.tua' (did you mean 'core.tau'?)");
    const char *bad2[] = {"core.tau=30 kg"};
    e = compile_fail("duration: 1 h\n", bad2, 1, 0);
    assert_string_equal(e.file, "");
    assert_int_equal(e.origin, MK_ORIGIN_OVERRIDE);
    assert_string_equal(e.message, "'core.tau=30 kg': wrong unit for 'core.tau': expected a value "
                                   "for core.tau (in s or a compatible unit), found '30 kg' (kg "
                                   "cannot be converted to s)");
    const char *bad3[] = {"core.tau"};
    e = compile_fail("duration: 1 h\n", bad3, 1, 0);
    assert_int_equal(e.origin, MK_ORIGIN_OVERRIDE);
    assert_string_equal(e.message, "expected 'name=value unit' (e.g. 'core.tau=30 s'), found 'core.tau'");
    const char *bad4[] = {"duration=-1 h"};
    e = compile_fail("duration: 1 h\n", bad4, 1, 0);
    assert_string_equal(e.message, "'duration': 'duration' must be positive, found '-1 h'");
}

static void overlap_names_both(void **state)
{
    (void)state;
    mk_error e = compile_fail("duration: 1 d\n"
                              "timeline:\n"
                              "  - {event: desk_work, at: day 1 09:00, load: 5 %, duration: 8 h}\n"
                              "  - {event: exercise, at: day 1 12:00, level: 60 %, sets: 1, reps: 5}\n",
                              NULL, 0, 0);
    assert_int_equal(e.line, 4);
    assert_int_equal(e.column, 5);
    assert_string_equal(e.message, "overlapping events that cannot both apply: 'desk_work' (line "
                                   "3) and 'exercise' (line 4) both set load.activation from day "
                                   "1 12:00 (t = 43200 s) to day 1 12:00:03 (t = 43203 s)");
    /* events on different inputs, or end-to-start, are fine */
    mk_protocol *p = compile("duration: 1 d\n"
                             "timeline:\n"
                             "  - {event: desk_work, at: day 1 09:00, load: 5 %, duration: 3 h}\n"
                             "  - {event: exercise, at: day 1 12:00, level: 60 %, sets: 1, reps: 5}\n"
                             "  - {event: stress, at: day 1 09:00, level: 0.5, duration: 8 h}\n");
    mk_protocol_free(p);
}

/* ---------------------------------------------------------------- corpora */


static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted *.yaml names in a directory; returns the count. */
static int list_yaml(const char *dir, char ***out)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    char **names = NULL;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0) continue;
        names = realloc(names, (size_t)(n + 1) * sizeof *names);
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, by_name);
    *out = names;
    return n;
}

static void bad_corpus(void **state)
{
    (void)state;
    char dir[1024], path[1200];
    src_path(dir, sizeof dir, "tests/protocol/bad");
    char **names;
    int n = list_yaml(dir, &names);
    assert_true(n >= 20);
    int failures = 0;
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        char *text = mk_test_slurp(path);
        assert_non_null(text);
        int line = 0, col = 0, used = 0;
        char *nl = strchr(text, '\n');
        assert_non_null(nl);
        *nl = 0;
        if (sscanf(text, "# expect: %d:%d: %n", &line, &col, &used) != 2 || !used) {
            print_error("%s: first line must be '# expect: LINE:COL: MESSAGE'\n", names[i]);
            failures++;
            free(text);
            continue;
        }
        char want[1024];
        snprintf(want, sizeof want, "%s", text + used);
        *nl = '\n';
        mk_scenario *s = NULL;
        mk_protocol *p = NULL;
        mk_error err = {0};
        mk_status rc = mk_scenario_load_file(path, &s, &err);
        if (!rc) rc = mk_scenario_compile(s, fx.abi, fx.u, fx.anat, NULL, 0, 0, NULL, &p, &err);
        if (rc == MK_OK) {
            print_error("%s: compiled, expected %d:%d: %s\n", names[i], line, col, want);
            failures++;
        } else if (p != NULL || err.line != line || err.column != col ||
                   strcmp(err.message, want) != 0 || strcmp(err.file, path) != 0) {
            print_error("%s:\n  want %d:%d: %s\n  got  %d:%d: %s\n", names[i], line, col, want,
                        err.line, err.column, err.message);
            failures++;
        }
        mk_protocol_free(p);
        mk_scenario_free(s);
        free(text);
        free(names[i]);
    }
    free(names);
    assert_int_equal(failures, 0);
}

static void examples_compile(void **state)
{
    (void)state;
    char dir[1024], path[1200];
    src_path(dir, sizeof dir, "scenarios");
    char **names;
    int n = list_yaml(dir, &names);
    assert_true(n >= 9);
    int failures = 0, has_default = 0;
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (!strcmp(names[i], "default.yaml")) has_default = 1;
        mk_scenario *s = NULL;
        mk_protocol *p = NULL;
        mk_error err = {0};
        mk_buf w;
        mk_buf_init(&w);
        mk_status rc = mk_scenario_load_file(path, &s, &err);
        /* several sites: against the model composed from them (compiled with cc) */
        mk_scn_site sites[MK_MAX_SITES];
        int n_sites = 0;
        mk_study *st = NULL;
        if (!rc) rc = mk_scenario_sites(s, fx.anat, sites, &n_sites, &err);
        if (!rc && n_sites) rc = mk_study_open(path, NULL, &st, &err);
        if (!rc) rc = mk_scenario_compile(s, st ? mk_study_abi(st) : fx.abi, fx.u, fx.anat, NULL, 0, 1, &w, &p, &err);
        char buf[1400];
        if (rc) {
            print_error("%s\n", mk_error_format(&err, buf, sizeof buf));
            failures++;
        } else {
            /* a documented scenario: a name, a description, a source comment, something to
             * look at */
            char *text = mk_test_slurp(path);
            if (!p->name[0] || !p->description[0] || !strstr(text, "# Source") ||
                (p->n_meas == 0 && p->n_notes == 0) || w.len) {
                print_error("%s: needs name, description, '# Source' comment and events, no "
                            "warnings\n",
                            names[i]);
                failures++;
            }
            for (int k = 1; k < p->n_changes; k++)
                if (p->changes[k].t_s < p->changes[k - 1].t_s) failures++;
            free(text);
        }
        mk_buf_free(&w);
        mk_protocol_free(p);
        mk_study_free(st);
        mk_scenario_free(s);
        free(names[i]);
    }
    free(names);
    assert_true(has_default);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(header_and_defaults),
        cmocka_unit_test(model_path),
        cmocka_unit_test(ischemic_compression),
        cmocka_unit_test(desk_work_micro_pauses),
        cmocka_unit_test(change_event_types),
        cmocka_unit_test(contractions_and_exercise),
        cmocka_unit_test(life_events),
        cmocka_unit_test(experiments),
        cmocka_unit_test(therapies),
        cmocka_unit_test(lidocaine),
        cmocka_unit_test(repetition),
        cmocka_unit_test(baseline),
        cmocka_unit_test(measurements),
        cmocka_unit_test(parameters_and_warnings),
        cmocka_unit_test(command_line_sets),
        cmocka_unit_test(overlap_names_both),
        cmocka_unit_test(bad_corpus),
        cmocka_unit_test(examples_compile),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
