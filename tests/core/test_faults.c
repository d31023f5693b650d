/*
 * test_faults.c -- allocation-failure injection, as SQLite's malloc tests do it: for each stage
 * of a run (loading and checking a model, translating it to C and Markdown, compiling it,
 * compiling a scenario, simulating it, writing the run directory) fail the Nth allocation
 * libmyoknot makes (and every one after it), for N = 0, 1, 2, ... until the stage completes
 * without meeting a failure.  Each injected failure must come back as MK_ERR_NOMEM with a
 * message and no partial result (no model, no protocol, an empty run result, no directory).
 * A stage may also absorb a failure (an optional buffer it does without) but then its result
 * must be exactly the one of an undisturbed run.  Leaks and bad frees on the error paths are
 * LeakSanitizer's and AddressSanitizer's to find (the sanitizer build runs this test too).
 *
 * Allocations libraries make on their own (cJSON here; libyaml, UDUNITS, SUNDIALS, PLplot
 * have no hook) are not counted by mk_alloc_fail_after: cJSON's are made to fail through
 * cJSON_InitHooks in the run-directory stage (the manifest is built with cJSON).
 *
 * The scenario is tiny (10 simulated minutes of the built-in tp_site) so that a few thousand
 * repetitions stay within seconds under ASan; the counts are printed per stage.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "../lang/test_util.h"
#ifdef MK_WRAP_LIBS
#include "lib_wraps.h"
#endif
#include "body/anatomy.h"
#include "protocol/results.h"
#include "report/rundir.h"
#include "myoknot.h"
#include "protocol/scenario.h"
#include "protocol/simulate.h"

/* ---------------------------------------------------------------- a digest of a result */

/* Text the test builds with plain malloc, unaffected by the hook (it is disarmed anyway). */
typedef struct text {
    char *s;
    size_t len, cap;
} text;

static void tput(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tput(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    if (t->len + (size_t)n + 1 > t->cap) {
        t->cap = (t->len + (size_t)n + 1) * 2;
        t->s = realloc(t->s, t->cap);
        assert_non_null(t->s);
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

/* ---------------------------------------------------------------- stages */

/* One stage: run() is called armed; digest() (disarmed) describes what run() produced, NULL
 * if it produced nothing; release() frees it.  The loop compares digests with an undisturbed
 * run's. */
typedef struct stage {
    const char *name;
    mk_status (*run)(void *ctx, mk_error *err);
    char *(*digest)(void *ctx);
    void (*release)(void *ctx);
    void *ctx;
    /* the allocator made to fail: libmyoknot's (NULL) or another library's */
    void (*fail_after)(long n);
    long (*failures)(void);
} stage;

typedef struct fault_count {
    long points;     /* allocations the stage makes: each was made to fail once */
    long recovered;  /* failures the stage absorbed and still produced the full result */
    long by_status[MK_ERR_INVALID + 1];
} fault_count;

#ifdef MK_WRAP_LIBS
/* test_libfaults: the library calls of lib_wraps.c fail.  libmyoknot cannot always tell a
 * library's allocation failure from its other failures (UDUNITS reports both as NULL, with
 * a process-wide status that is no use to a thread-safe library; PLplot's fatal errors are
 * one handler), so any error status is accepted here, as long as it is an error. */
#define DEFAULT_FAIL_AFTER lib_fail_after
#define DEFAULT_FAILURES lib_failures
#define STRICT_NOMEM 0
#else
#define DEFAULT_FAIL_AFTER mk_alloc_fail_after
#define DEFAULT_FAILURES mk_alloc_failures
#define STRICT_NOMEM 1
#endif

static fault_count fault_loop(const stage *s)
{
    fault_count fc = {0};
    mk_error err = {0};
    char msg[1400];
    void (*fail_after)(long) = s->fail_after ? s->fail_after : DEFAULT_FAIL_AFTER;
    long (*failures_of)(void) = s->failures ? s->failures : DEFAULT_FAILURES;
    int strict = STRICT_NOMEM || s->fail_after;
    fail_after(-1);
    mk_status rc = s->run(s->ctx, &err);
    if (rc) print_error("%s (undisturbed): %s\n", s->name, mk_error_format(&err, msg, sizeof msg));
    assert_int_equal(rc, MK_OK);
    char *want = s->digest(s->ctx);
    assert_non_null(want);
    s->release(s->ctx);

    for (long n = 0;; n++) {
        memset(&err, 0, sizeof err);
        fail_after(n);
        rc = s->run(s->ctx, &err);
        long failures = failures_of();
        fail_after(-1);
        char *got = s->digest(s->ctx);
        if (failures == 0) { /* the stage made only n allocations: done */
            assert_int_equal(rc, MK_OK);
            assert_non_null(got);
            assert_string_equal(got, want);
            free(got);
            s->release(s->ctx);
            break;
        }
        fc.points++;
        if (rc == MK_OK) {
            /* absorbed: acceptable only if nothing is missing from the result */
            if (!got || strcmp(got, want))
                print_error("%s: allocation %ld failed, the stage said ok with a different result\n",
                            s->name, n + 1);
            assert_non_null(got);
            assert_string_equal(got, want);
            fc.recovered++;
        } else {
            if ((strict && rc != MK_ERR_NOMEM) || err.code != rc || got)
                print_error("%s: allocation %ld failed: status %s (%s)%s\n", s->name, n + 1,
                            mk_status_name(rc), mk_error_format(&err, msg, sizeof msg),
                            got ? ", with a partial result" : "");
            if (strict) assert_int_equal(rc, MK_ERR_NOMEM);
            assert_int_equal(err.code, rc);
            assert_true(err.message[0] != 0);
            assert_null(got);
            if (rc >= 0 && rc <= MK_ERR_INVALID) fc.by_status[rc]++;
            if (getenv("MK_FAULTS_TRACE"))
                fprintf(stderr, "%s %ld: %s\n", s->name, n + 1, mk_error_format(&err, msg, sizeof msg));
        }
        free(got);
        s->release(s->ctx);
    }
    free(want);
    char tally[256] = "";
    for (int k = 1; k <= MK_ERR_INVALID; k++)
        if (fc.by_status[k] && (size_t)strlen(tally) < sizeof tally - 40)
            snprintf(tally + strlen(tally), sizeof tally - strlen(tally), " %s %ld", mk_status_name(k),
                     fc.by_status[k]);
    print_message("%-24s %5ld failure points, %ld absorbed;%s\n", s->name, fc.points, fc.recovered,
                  tally);
    return fc;
}

/* ---------------------------------------------------------------- fixtures */

static const char k_scenario[] =
    "name: faults\n"
    "description: a tiny scenario for the fault-injection test\n"
    "model: tp_site\n"
    "site: {muscle: upper_trapezius, side: right}\n"
    "duration: 10 min\n"
    "output_every: 1 min\n"
    "seed: 3\n"
    "baseline:\n"
    "  life.stress: 0.2\n"
    "parameters:\n"
    "  motor.stress_emg: 50 %\n" /* outside its range: a warning */
    "timeline:\n"
    "  - {event: desk_work, at: 1 min, load: 5 %, duration: 3 min}\n"
    "  - {event: stress, at: 0 s, level: 0.5, duration: 2 min}\n"
    "  - {event: measure, at: 4 min, what: [ppt, pain, stiffness], label: before}\n"
    "  - event: ischemic_compression\n"
    "    at: 5 min\n"
    "    pressure: 2.5 kg/cm2\n"
    "    tool: thumb\n"
    "    hold: 30 s\n"
    "    repeats: 2\n"
    "    rest: 10 s\n"
    "  - {event: measure, at: 8 min, what: output, name: core.po2}\n"
    "  - {event: measure, at: 9 min, what: pain, region: temple_right, pressure: 1 kg/cm2}\n";

static const char *const k_sets[] = {"phys.pa_o2=90 mmHg"};

typedef struct fixture {
    char model_path[1024], default_path[1024];
    mk_model *stub;               /* site_stub.myo, parsed once */
    mk_model *decay;              /* decay.myo, parsed once */
    const mk_model_abi *tp_site;  /* built in */
    mk_units *u;
    mk_anatomy *anat;
    mk_protocol *proto;           /* k_scenario compiled once */
    mk_run_result res;            /* and simulated once */
    char tmp[512];

    /* what the stage under test produced */
    mk_model *m;
    mk_buf c_text, md_text, warnings;
    mk_status translate_rc;
    mk_loaded *loaded;
    mk_scenario *scn;
    mk_units *u_out;
    mk_anatomy *anat_out;
    mk_protocol *p_out;
    mk_run_result r_out;
    int have_r;
    char dir[600];
    const mk_run_result *write_res; /* what the run-directory stages write; NULL: res */
} fixture;

static fixture fx;

static int setup(void **state)
{
    (void)state;
    mk_error err = {0};
    char path[1024], msg[1400];
    mk_test_path(fx.model_path, sizeof fx.model_path, "tests/protocol/site_stub.myo");
    mk_test_path(fx.default_path, sizeof fx.default_path, "scenarios/default.yaml");
    mk_scenario *s = NULL;
    fx.tp_site = mk_builtin_find("tp_site");
    if (!fx.tp_site || mk_model_parse_file(fx.model_path, &fx.stub, &err) ||
        mk_model_parse_file(mk_test_path(path, sizeof path, "models/decay.myo"), &fx.decay, &err) ||
        mk_units_new(&fx.u, &err) || mk_anatomy_load(&fx.anat, &err) ||
        mk_scenario_load_string("faults.yaml", k_scenario, &s, &err) ||
        mk_scenario_compile(s, fx.tp_site, fx.u, fx.anat, k_sets, 1, 0, NULL, &fx.proto, &err) ||
        mk_simulate(fx.tp_site, fx.proto, fx.anat, NULL, &fx.res, &err)) {
        fprintf(stderr, "setup: %s\n", mk_error_format(&err, msg, sizeof msg));
        mk_scenario_free(s);
        return -1;
    }
    mk_scenario_free(s);
    const char *base = getenv("TMPDIR");
    snprintf(fx.tmp, sizeof fx.tmp, "%s/mk_faults_XXXXXX", base && base[0] ? base : "/tmp");
    if (!mkdtemp(fx.tmp)) return -1;
    snprintf(fx.dir, sizeof fx.dir, "%s/run", fx.tmp);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mk_run_result_free(&fx.res);
    mk_protocol_free(fx.proto);
    mk_anatomy_free(fx.anat);
    mk_units_free(fx.u);
    mk_model_free(fx.decay);
    mk_model_free(fx.stub);
    rmdir(fx.tmp);
    return 0;
}

/* ------------------------------------------------ loading and checking a model file */

static mk_status load_run(void *ctx, mk_error *err)
{
    fixture *f = ctx;
    f->m = (mk_model *)f; /* must come back NULL on failure */
    mk_status rc = mk_model_parse_file(f->model_path, &f->m, err);
    if (rc && f->m) {
        print_error("mk_model_parse_file failed but left a model\n");
        fail();
    }
    return rc;
}

static char *load_digest(void *ctx)
{
    fixture *f = ctx;
    if (!f->m) return NULL;
    text t = {0};
    tput(&t, "%s", mk_model_name(f->m));
    for (int k = MK_SYM_PARAM; k <= MK_SYM_VAR; k++) tput(&t, " %d", mk_model_count(f->m, (mk_symbol_kind)k));
    tput(&t, " %d\n", mk_model_count_outputs(f->m));
    /* the translation shows the whole checked model: names, units, order, equations */
    mk_buf c;
    mk_buf_init(&c);
    mk_error err = {0};
    assert_int_equal(mk_model_generate_c(f->m, &c, &err), MK_OK);
    tput(&t, "%s", c.data);
    mk_buf_free(&c);
    return t.s;
}

static void load_release(void *ctx)
{
    fixture *f = ctx;
    mk_model_free(f->m);
    f->m = NULL;
}

static void load_and_check(void **state)
{
    (void)state;
    stage s = {"model load+check", load_run, load_digest, load_release, &fx, NULL, NULL};
    fault_loop(&s);
}

/* ------------------------------------------------ translating a model to C and Markdown */

static mk_status translate_run(void *ctx, mk_error *err)
{
    fixture *f = ctx;
    mk_buf_init(&f->c_text);
    mk_buf_init(&f->md_text);
    mk_status rc = mk_model_generate_c(f->stub, &f->c_text, err);
    if (!rc) rc = mk_model_write_markdown(f->stub, &f->md_text, err);
    return f->translate_rc = rc;
}

static char *translate_digest(void *ctx)
{
    fixture *f = ctx;
    /* on failure the caller's buffers may hold a prefix of the text, void by the status; on
     * success both must be complete (the loop compares them with an undisturbed run's) */
    if (f->translate_rc || f->c_text.failed || f->md_text.failed || !f->c_text.data || !f->md_text.data)
        return NULL;
    text t = {0};
    tput(&t, "%s\n----\n%s", f->c_text.data, f->md_text.data);
    return t.s;
}

static void translate_release(void *ctx)
{
    fixture *f = ctx;
    mk_buf_free(&f->c_text);
    mk_buf_free(&f->md_text);
}

static void __attribute__((unused)) translate(void **state)
{
    (void)state;
    stage s = {"translate to C, md", translate_run, translate_digest, translate_release, &fx, NULL, NULL};
    fault_loop(&s);
}

/* The largest model, every construct of the language, parsed from text and checked.  (Its
 * translation makes an allocation per source line, 1300 in all, each a full generation under
 * ASan: the small model's translation above goes through the same sites.) */
static mk_status big_run(void *ctx, mk_error *err)
{
    fixture *f = ctx;
    f->m = (mk_model *)f; /* must come back NULL on failure */
    mk_status rc = mk_model_parse_string("tp_site.myo", f->tp_site->source, &f->m, err);
    if (rc && f->m) {
        print_error("mk_model_parse_string failed but left a model\n");
        fail();
    }
    return rc;
}

static void __attribute__((unused)) load_big(void **state)
{
    (void)state;
    stage s = {"tp_site parse+check", big_run, load_digest, load_release, &fx, NULL, NULL};
    fault_loop(&s);
}

/* ------------------------------------------------ compiling a model (cc, dlopen) */

static mk_status compile_run(void *ctx, mk_error *err)
{
    fixture *f = ctx;
    return mk_model_compile(f->decay, NULL, &f->loaded, err);
}

static char *compile_digest(void *ctx)
{
    fixture *f = ctx;
    const mk_model_abi *abi = mk_loaded_abi(f->loaded);
    if (!abi) return NULL;
    text t = {0};
    tput(&t, "%s %s %d %d %d %d", abi->name, abi->hash, abi->n_params, abi->n_states, abi->n_inputs,
         abi->n_vars);
    return t.s;
}

static void compile_release(void *ctx)
{
    fixture *f = ctx;
    mk_loaded_free(f->loaded);
    f->loaded = NULL;
}

static void __attribute__((unused)) compile(void **state)
{
    (void)state;
    stage s = {"compile (cc, dlopen)", compile_run, compile_digest, compile_release, &fx, NULL, NULL};
    fault_loop(&s);
}

/* ------------------------------------------------ loading and compiling a scenario */

static mk_status scenario_run(void *ctx, mk_error *err)
{
    fixture *f = ctx;
    mk_buf_init(&f->warnings);
    f->p_out = (mk_protocol *)f; /* must come back NULL on failure */
    f->scn = NULL;
    mk_status rc = mk_scenario_load_string("faults.yaml", k_scenario, &f->scn, err);
    if (!rc) rc = mk_units_new(&f->u_out, err);
    if (!rc) rc = mk_anatomy_load(&f->anat_out, err);
    if (rc) f->p_out = NULL;
    else rc = mk_scenario_compile(f->scn, f->tp_site, f->u_out, f->anat_out, k_sets, 1, 0,
                                  &f->warnings, &f->p_out, err);
    if (rc && f->p_out) {
        print_error("mk_scenario_compile failed but left a protocol\n");
        fail();
    }
    return rc;
}

static char *scenario_digest(void *ctx)
{
    fixture *f = ctx;
    const mk_protocol *p = f->p_out;
    if (!p) return NULL;
    text t = {0};
    tput(&t, "%s|%s|%s|%s|%s|%s|%.17g|%.17g|%lu\n", p->name, p->description, p->model, p->file,
         p->muscle, p->side, p->duration_s, p->output_every_s, p->seed);
    for (int i = 0; i < p->n_params; i++)
        tput(&t, "param %d %.17g %d:%d\n", p->params[i].param, p->params[i].value, p->params[i].line,
             p->params[i].col);
    for (int i = 0; i < p->n_changes; i++)
        tput(&t, "change %.17g %d %.17g\n", p->changes[i].t_s, p->changes[i].input, p->changes[i].value);
    for (int i = 0; i < p->n_meas; i++) {
        const mk_measurement *m = &p->meas[i];
        tput(&t, "meas %.17g %d %s|%s|%s %.17g %.17g %d:%d\n", m->t_s, m->kind, m->label, m->region,
             m->output, m->arg, m->area_cm2, m->line, m->col);
    }
    for (int i = 0; i < p->n_notes; i++)
        tput(&t, "note %.17g %.17g %s %s\n", p->notes[i].t0_s, p->notes[i].t1_s, p->notes[i].label,
             p->notes[i].kind);
    tput(&t, "yaml %s\nwarnings %s\n", p->yaml_text ? p->yaml_text : "(none)",
         f->warnings.failed ? "(lost)" : f->warnings.data ? f->warnings.data : "");
    return t.s;
}

static void scenario_release(void *ctx)
{
    fixture *f = ctx;
    mk_protocol_free(f->p_out);
    f->p_out = NULL;
    mk_scenario_free(f->scn);
    f->scn = NULL;
    mk_units_free(f->u_out);
    f->u_out = NULL;
    mk_anatomy_free(f->anat_out);
    f->anat_out = NULL;
    mk_buf_free(&f->warnings);
}

static void scenario(void **state)
{
    (void)state;
    stage s = {"scenario compile", scenario_run, scenario_digest, scenario_release, &fx, NULL, NULL};
    fault_loop(&s);
}

/* The default scenario: two weeks, repeated events of every kind, measurements, clock times. */
static mk_status default_run(void *ctx, mk_error *err)
{
    fixture *f = ctx;
    mk_buf_init(&f->warnings);
    f->p_out = NULL;
    f->scn = NULL;
    mk_status rc = mk_scenario_load_file(f->default_path, &f->scn, err);
    if (!rc) rc = mk_scenario_compile(f->scn, f->tp_site, f->u, f->anat, NULL, 0, 0, &f->warnings,
                                      &f->p_out, err);
    if (rc && f->p_out) {
        print_error("mk_scenario_compile failed but left a protocol\n");
        fail();
    }
    return rc;
}

static void scenario_default(void **state)
{
    (void)state;
    stage s = {"scenario default.yaml", default_run, scenario_digest, scenario_release, &fx, NULL, NULL};
    fault_loop(&s);
}

/* ------------------------------------------------ simulating it */

static mk_status simulate_run(void *ctx, mk_error *err)
{
    fixture *f = ctx;
    mk_status rc = mk_simulate(f->tp_site, f->proto, f->anat, NULL, &f->r_out, err);
    f->have_r = 1;
    return rc;
}

static char *simulate_digest(void *ctx)
{
    fixture *f = ctx;
    const mk_run_result *r = &f->r_out;
    if (r->series.n_rows == 0 && r->series.n_cols == 0 && !r->meas && !r->params) return NULL;
    text t = {0};
    tput(&t, "%d rows %d cols\n", r->series.n_rows, r->series.n_cols);
    for (int c = 0; c < r->series.n_cols; c++) tput(&t, "%s [%s]\n", r->series.names[c], r->series.units[c]);
    for (int i = 0; i < r->series.n_rows; i++) {
        tput(&t, "%.17g", r->series.t_s[i]);
        for (int c = 0; c < r->series.n_cols; c++)
            tput(&t, " %.17g", r->series.values[(size_t)i * (size_t)r->series.n_cols + (size_t)c]);
        tput(&t, "\n");
    }
    for (int i = 0; i < r->n_meas; i++)
        tput(&t, "%.17g %s %.17g %s %s\n", r->meas[i].t_s, r->meas[i].spec ? r->meas[i].spec->label : "?",
             r->meas[i].value, r->meas[i].unit, r->meas[i].note);
    for (int i = 0; r->params && i < f->tp_site->n_params; i++) tput(&t, "p%d %.17g\n", i, r->params[i]);
    return t.s;
}

static void simulate_release(void *ctx)
{
    fixture *f = ctx;
    if (f->have_r) mk_run_result_free(&f->r_out);
    f->have_r = 0;
    memset(&f->r_out, 0, sizeof f->r_out);
}

static void simulate(void **state)
{
    (void)state;
    stage s = {"simulate", simulate_run, simulate_digest, simulate_release, &fx, NULL, NULL};
    fault_loop(&s);
}

/* ------------------------------------------------ writing the run directory */

/* Names (and sizes) of what a directory holds, sorted; NULL if it does not exist. */
static char *dir_listing(const char *dir, int sizes)
{
    struct dirent **list;
    int n = scandir(dir, &list, NULL, alphasort);
    if (n < 0) return NULL;
    text t = {0};
    tput(&t, "%s", "");
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        if (strcmp(name, ".") && strcmp(name, "..")) {
            char path[1200];
            struct stat st;
            snprintf(path, sizeof path, "%s/%s", dir, name);
            assert_int_equal(stat(path, &st), 0);
            /* manifest.json and report.html carry the wall time and the date: names only */
            if (!sizes || !strcmp(name, "manifest.json") || !strcmp(name, "report.html")) tput(&t, "%s\n", name);
            else tput(&t, "%s %lld\n", name, (long long)st.st_size);
        }
        free(list[i]);
    }
    free(list);
    return t.s;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[1200];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static mk_status rundir_run(void *ctx, mk_error *err)
{
    fixture *f = ctx;
    return mk_rundir_write(f->write_res ? f->write_res : &f->res, f->dir, err);
}

static char *rundir_digest(void *ctx)
{
    fixture *f = ctx;
    /* nothing but the run directory itself: no DIR.tmp-PID left behind */
    char *left = dir_listing(f->tmp, 0);
    assert_non_null(left);
    int clean = !strcmp(left, "") || !strcmp(left, "run\n");
    if (!clean) print_error("left in %s:\n%s", f->tmp, left);
    free(left);
    assert_true(clean);
    return dir_listing(f->dir, 1);
}

static void rundir_release(void *ctx)
{
    fixture *f = ctx;
    remove_dir(f->dir);
}

static void rundir(void **state)
{
    (void)state;
    stage s = {"run directory", rundir_run, rundir_digest, rundir_release, &fx, NULL, NULL};
    fault_loop(&s);
}

#ifndef MK_WRAP_LIBS
/* cJSON allocates on its own (the manifest): its hooks are process-wide, which is fine in a
 * test, and fail the same way as ours, after n successful allocations. */
static long g_cjson_countdown = -1, g_cjson_failures;

static void *cjson_malloc(size_t size)
{
    if (g_cjson_countdown == 0) {
        g_cjson_failures++;
        return NULL;
    }
    if (g_cjson_countdown > 0) g_cjson_countdown--;
    return malloc(size);
}

static void cjson_fail_after(long n)
{
    g_cjson_countdown = n;
    g_cjson_failures = 0;
}

static long cjson_failures(void) { return g_cjson_failures; }

static void rundir_cjson(void **state)
{
    (void)state;
    /* Every figure is drawn before the manifest is built, and under ASan a drawing takes a
     * good part of a second: so the manifest of a run without figures (no rows, only a probe
     * of an output, which has no figure) of a model with few parameters.  Every part of the
     * manifest is still built: model, scenario with annotations, parameters (one overridden
     * by the caller), solver, columns, measurements, files. */
    mk_run_result lean = fx.res;
    lean.abi = mk_builtin_find("decay");
    assert_non_null(lean.abi);
    assert_true(fx.tp_site->n_params >= lean.abi->n_params);
    lean.series.n_rows = 0;
    lean.series.n_cols = 3; /* the columns loop, without hundreds of repetitions */
    lean.meas = NULL;
    lean.n_meas = 0;
    for (int i = 0; i < fx.res.n_meas; i++)
        if (fx.res.meas[i].spec && fx.res.meas[i].spec->kind == MK_MEAS_OUTPUT) {
            lean.meas = &fx.res.meas[i];
            lean.n_meas = 1;
            break;
        }
    assert_int_equal(lean.n_meas, 1);
    fx.write_res = &lean;

    cJSON_Hooks hooks = {cjson_malloc, free};
    cJSON_InitHooks(&hooks);
    stage s = {"run directory (cJSON)", rundir_run, rundir_digest, rundir_release, &fx,
               cjson_fail_after, cjson_failures};
    fault_count fc = fault_loop(&s);
    cJSON_InitHooks(NULL);
    fx.write_res = NULL;
    assert_true(fc.points > 10); /* the manifest was built with the hooks */

    /* and the same lean run under our own hook: the writing without PLplot */
    stage ours = {"run directory, no figs", rundir_run, rundir_digest, rundir_release, &fx, NULL, NULL};
    fx.write_res = &lean;
    fault_loop(&ours);
    fx.write_res = NULL;
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(load_and_check),
#ifndef MK_WRAP_LIBS /* no library call in translate and compile; tp_site's 2800 in UDUNITS
                       * take a minute under ASan and reach no call site the small model does not */
        cmocka_unit_test(load_big),
        cmocka_unit_test(translate),
        cmocka_unit_test(compile),
#endif
        cmocka_unit_test(scenario),
        cmocka_unit_test(scenario_default),
        cmocka_unit_test(simulate),
        cmocka_unit_test(rundir),
#ifndef MK_WRAP_LIBS
        cmocka_unit_test(rundir_cjson),
#endif
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
