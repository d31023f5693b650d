/*
 * test_cohort.c -- virtual patients and trials (src/cohort): the statistics against values
 * computed by hand (mpmath, 30 digits, from the formulas of stats.h), the counter-based
 * streams against Random123's known answer, results bit-identical for 1, 2 and 3 worker
 * threads, failed patients recorded and excluded, bad design files with file:line:col, an
 * interrupted trial resumed from its journal to the same bytes (and damaged or foreign
 * journals refused).
 */
#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "body/anatomy.h"
#include "cohort/stats.h"
#include "cohort/stream.h"
#include "cohort/trial.h"
#include "core/text.h"

static char g_dir[2048];

static void near(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol)) fail_msg("%s: got %.15g, want %.15g (tolerance %g)", what, got, want, tol);
}

/* a = {3, 5, 4, 6, 7}, b = {2, 3, 1, 4}: worked by hand (mpmath) */
static void test_stats_hand(void **state)
{
    (void)state;
    const double a[] = {3, 5, 4, 6, 7}, b[] = {2, 3, 1, 4};
    mk_stat_cmp s;
    mk_stat_compare(a, 5, b, 4, &s);
    assert_int_equal(s.a.n, 5);
    assert_int_equal(s.b.n, 4);
    near(s.a.mean, 5.0, 1e-14, "mean a");
    near(s.a.sd, 1.58113883008419, 1e-13, "sd a");
    near(s.md, 2.5, 1e-14, "md");
    near(s.df, 6.98076923076923, 1e-12, "Welch df");
    near(s.t, 2.61116483933547, 1e-12, "t");
    near(s.p, 0.034938782359964, 1e-10, "Welch p");
    near(s.md_lo, 0.234779718246474, 1e-9, "md lo");
    near(s.md_hi, 4.76522028175353, 1e-9, "md hi");
    near(s.smd, 1.51806678014216, 1e-12, "Hedges g");
    near(s.smd_lo, 0.0279407404509752, 1e-9, "g lo");
    near(s.smd_hi, 3.00819281983335, 1e-9, "g hi");
    /* swapping the arms flips the signs and keeps p */
    mk_stat_cmp r;
    mk_stat_compare(b, 4, a, 5, &r);
    near(r.md, -2.5, 1e-14, "md swapped");
    near(r.smd, -s.smd, 1e-14, "g swapped");
    near(r.p, s.p, 1e-14, "p swapped");
}

static void test_stats_missing_and_degenerate(void **state)
{
    (void)state;
    const double a[] = {3, NAN, 5, 4, 6, 7}, b[] = {2, 3, 1, 4};
    mk_stat_cmp s;
    mk_stat_compare(a, 6, b, 4, &s); /* a NaN is missing, not a value */
    assert_int_equal(s.a.n, 5);
    near(s.md, 2.5, 1e-14, "md without the NaN");
    const double one[] = {1};
    mk_stat_compare(one, 1, b, 4, &s);
    assert_true(isnan(s.p) && isnan(s.smd) && isnan(s.md_lo));
    const double flat[] = {2, 2, 2};
    mk_stat_compare(flat, 3, flat, 3, &s); /* no spread: nothing to divide by */
    assert_true(isnan(s.p) && isnan(s.smd));
    near(s.md, 0, 0, "md of equal arms");
}

static void test_stream(void **state)
{
    (void)state;
    mk_stream st;
    /* Random123's known answer for philox4x32-10, counter 0 and key 0 (kat_vectors) */
    mk_stream_init(&st, 0, 0, 0);
    assert_true(mk_stream_u64(&st) == 0x6627e8d5e169c58dULL);
    assert_true(mk_stream_u64(&st) == 0xbc57ac4c9b00dbd8ULL);
    /* a pure function of (seed, patient, purpose): re-created, the same; elsewhere, not */
    mk_stream a, b, c, d;
    mk_stream_init(&a, 7, 12345, 3);
    mk_stream_init(&b, 7, 12345, 3);
    mk_stream_init(&c, 7, 12346, 3);
    mk_stream_init(&d, 7, 12345, 4);
    int same_c = 0, same_d = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = mk_stream_u64(&a);
        assert_true(x == mk_stream_u64(&b));
        same_c += x == mk_stream_u64(&c);
        same_d += x == mk_stream_u64(&d);
    }
    assert_int_equal(same_c, 0);
    assert_int_equal(same_d, 0);
    /* uniform in (0, 1) and normal with mean 0, sd 1 (20000 draws: +-0.03 is > 4 SE) */
    double sum = 0, sq = 0;
    mk_stream_init(&a, 1, 1, 1);
    for (int i = 0; i < 20000; i++) {
        double u = mk_stream_uniform(&a);
        assert_true(u > 0 && u < 1);
        double z = mk_stream_normal(&a);
        sum += z;
        sq += z * z;
    }
    near(sum / 20000, 0, 0.03, "normal mean");
    near(sqrt(sq / 20000), 1, 0.03, "normal sd");
}

/* ---------------------------------------------------------------- trials */

static mk_trial_design *load(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    mk_trial_design *d = NULL;
    mk_error err = {0};
    char buf[2200];
    if (mk_trial_load(path, &d, &err)) fail_msg("%s", mk_error_format(&err, buf, sizeof buf));
    return d;
}

/* patients.csv and trial_summary.csv of a run with `threads` workers, concatenated */
/* patients.csv, trial_summary.csv and responders.csv of r, one after the other (malloc'd) */
static char *outputs(const mk_trial_result *r)
{
    mk_error err = {0};
    mk_buf b;
    mk_buf_init(&b);
    assert_int_equal(mk_trial_write_patients(r, &b, &err), MK_OK);
    assert_int_equal(mk_trial_write_summary(r, &b, &err), MK_OK);
    assert_int_equal(mk_trial_write_responders(r, &b, &err), MK_OK);
    return b.data;
}

static char *run_bytes(const mk_trial_design *d, int threads, unsigned long long seed, mk_trial_result **keep)
{
    mk_trial_opts o;
    mk_trial_opts_default(&o);
    o.threads = threads;
    o.seed = seed;
    mk_trial_result *r = NULL;
    mk_error err = {0};
    assert_int_equal(mk_trial_run(d, &o, &r, &err), MK_OK);
    assert_int_equal(r->threads, threads);
    char *out = outputs(r);
    if (keep) *keep = r;
    else mk_trial_result_free(r);
    return out;
}

static void test_bit_identical_threads(void **state)
{
    (void)state;
    mk_trial_design *d = load("tiny.yaml");
    mk_trial_result *r1 = NULL;
    char *one = run_bytes(d, 1, 5, &r1);
    char *two = run_bytes(d, 2, 5, NULL);
    char *three = run_bytes(d, 3, 5, NULL);
    char *other_seed = run_bytes(d, 2, 6, NULL);
    /* a trial that says something: patients analysed in both arms, a spread of outcomes */
    assert_true(r1->n_analysed >= 4);
    mk_stat_cmp s;
    mk_trial_compare(r1, 0, 1, 1, 0, &s);
    assert_true(s.a.n == r1->n_analysed && s.a.sd > 0);
    assert_string_equal(one, two);
    assert_string_equal(one, three);
    assert_true(strcmp(one, other_seed) != 0); /* the seed does reach the numbers */
    mk_trial_result_free(r1);
    free(one);
    free(two);
    free(three);
    free(other_seed);
    mk_trial_free(d);
}

/* The solver's relative tolerance: the trials' default unless the design's 'solver: {rtol}'
 * sets one, the caller's (opts.solver.rtol) over both; it reaches the numbers, summary.txt
 * names it, and a run at the design's tolerance is the caller's run at the same one. */
static void test_solver_rtol(void **state)
{
    (void)state;
    mk_trial_design *plain = load("tiny.yaml"), *own = load("tiny_rtol.yaml");
    assert_true(mk_trial_rtol(plain, NULL) == MK_TRIAL_RTOL_DEFAULT);
    assert_true(mk_trial_rtol(own, NULL) == 1e-6);
    mk_trial_opts o;
    mk_trial_opts_default(&o);
    assert_true(o.solver.rtol == 0);
    o.solver.rtol = 1e-7;
    assert_true(mk_trial_rtol(own, &o) == 1e-7);
    char *run_default = run_bytes(plain, 1, 5, NULL);
    mk_trial_result *r = NULL;
    char *run_own = run_bytes(own, 2, 5, &r);
    assert_true(r->rtol == 1e-6);
    mk_buf t;
    mk_buf_init(&t);
    mk_trial_write_text(r, &t);
    assert_non_null(strstr(t.data, "solver: relative tolerance 1e-06 (the design's)"));
    mk_buf_free(&t);
    mk_trial_result_free(r);
    assert_true(strcmp(run_default, run_own) != 0); /* the tolerance reaches the numbers */
    /* the caller's tolerance over the design's: tiny_rtol at the default is tiny */
    mk_trial_opts_default(&o);
    o.seed = 5;
    o.solver.rtol = MK_TRIAL_RTOL_DEFAULT;
    mk_error err = {0};
    assert_int_equal(mk_trial_run(own, &o, &r, &err), MK_OK);
    char *got = outputs(r);
    assert_string_equal(got, run_default);
    free(got);
    mk_trial_result_free(r);
    /* and the design's tolerance is what the caller's same tolerance gives */
    o.solver.rtol = 1e-6;
    assert_int_equal(mk_trial_run(plain, &o, &r, &err), MK_OK);
    got = outputs(r);
    assert_string_equal(got, run_own);
    free(got);
    mk_trial_result_free(r);
    /* a tolerance outside (0, 1) is refused */
    o.solver.rtol = 2;
    assert_int_equal(mk_trial_run(plain, &o, &r, &err), MK_ERR_INVALID);
    assert_null(r);
    free(run_default);
    free(run_own);
    mk_trial_free(plain);
    mk_trial_free(own);
}

/* The model every arm runs, chosen by the design's 'model:' (tiny_variant.yaml) or by the
 * caller over it; named with its hash; the model reaches the numbers (a hypothesis variant's
 * trial differs from tp_site's), and the variant's trial is the same bytes for 1 and 2
 * threads.  An unknown name is the caller's error (did you mean); a phenotype the model cannot
 * take says which phenotype and model, at its line of the patients file. */
static void test_model_variant(void **state)
{
    (void)state;
    mk_trial_design *base = load("tiny.yaml"), *v = load("tiny_variant.yaml");
    const char *hash = NULL, *by = NULL;
    assert_string_equal(mk_trial_model(base, &hash, &by), "tp_site");
    assert_string_equal(by, "the arms' scenarios");
    assert_string_equal(hash, mk_builtin_find("tp_site")->hash);
    assert_string_equal(mk_trial_model(v, &hash, &by), "tp_site_endplate_knot");
    assert_string_equal(by, "the design");
    assert_string_equal(hash, mk_builtin_find("tp_site_endplate_knot")->hash);
    assert_true(strcmp(hash, mk_builtin_find("tp_site")->hash) != 0);
    char *b1 = run_bytes(base, 1, 5, NULL), *v1 = run_bytes(v, 1, 5, NULL), *v2 = run_bytes(v, 2, 5, NULL);
    assert_true(strcmp(b1, v1) != 0);
    assert_string_equal(v1, v2);
    free(b1);
    free(v1);
    free(v2);
    mk_trial_free(base);
    mk_trial_free(v);

    char path[4096], buf[2200];
    mk_error err = {0};
    mk_trial_design *d = NULL;
    snprintf(path, sizeof path, "%s/tiny_variant.yaml", g_dir);
    assert_int_equal(mk_trial_load_model(path, "tp_site_neurogenic", &d, &err), MK_OK); /* the caller wins */
    assert_string_equal(mk_trial_model(d, NULL, &by), "tp_site_neurogenic");
    assert_string_equal(by, "the caller");
    mk_trial_free(d);
    d = NULL;
    assert_int_equal(mk_trial_load_model(path, "tp_site_neurogenc", &d, &err), MK_ERR_NAME);
    assert_null(d);
    assert_int_equal(err.origin, MK_ORIGIN_ARGUMENT);
    if (!strstr(err.message, "no built-in model or file named 'tp_site_neurogenc' (did you mean 'tp_site_neurogenic'?"))
        fail_msg("unknown model: %s", mk_error_format(&err, buf, sizeof buf));
    /* decay has none of the site's labels: the healthy phenotype's history cannot run on it */
    err = (mk_error){0};
    assert_int_not_equal(mk_trial_load_model(path, "decay", &d, &err), MK_OK);
    assert_null(d);
    if (strcmp(err.file, "data/patients.yaml") || err.line < 1 ||
        !strstr(err.message, "phenotype 'healthy' (its conditioning history) does not fit model 'decay'"))
        fail_msg("phenotype on another model: %s", mk_error_format(&err, buf, sizeof buf));
}

/* Memory flat in the number of patients: finished patients leave for the store in patient
 * order through a window of a few patients, so (1) with more patients than the window the
 * bytes are still the same for 1 and 2 threads, and (2) a result of 30 patients holds no more
 * of the caller's heap than one of 6 (the heap of the calling thread, where a result that kept
 * every patient would put ~330 bytes per patient of tiny.yaml; glibc's own count, so not
 * under ASan, which replaces the allocator). */
static void test_memory_flat(void **state)
{
    (void)state;
    mk_trial_design *d = load("tiny.yaml");
    mk_trial_opts o;
    mk_trial_opts_default(&o);
    o.patients = 20;
    o.seed = 9;
    char *bytes[2];
    for (int k = 0; k < 2; k++) {
        o.threads = k + 1;
        mk_trial_result *r = NULL;
        mk_error err = {0};
        assert_int_equal(mk_trial_run(d, &o, &r, &err), MK_OK);
        assert_true(r->window < r->n); /* the window did hold patients back */
        assert_int_equal(r->n_analysed, 20);
        mk_buf b;
        mk_buf_init(&b);
        assert_int_equal(mk_trial_write_patients(r, &b, &err), MK_OK);
        assert_int_equal(mk_trial_write_summary(r, &b, &err), MK_OK);
        bytes[k] = b.data;
        mk_trial_result_free(r);
    }
    assert_string_equal(bytes[0], bytes[1]);
    free(bytes[0]);
    free(bytes[1]);
#ifndef __SANITIZE_ADDRESS__
    size_t held[2];
    for (int k = 0; k < 2; k++) {
        o.threads = 1;
        o.patients = k ? 30 : 6;
        mk_trial_result *r = NULL;
        mk_error err = {0};
        size_t before = mallinfo2().uordblks;
        assert_int_equal(mk_trial_run(d, &o, &r, &err), MK_OK);
        held[k] = mallinfo2().uordblks - before;
        mk_trial_result_free(r);
    }
    if (held[1] > held[0] + 2048) fail_msg("a result of 30 patients holds %zu bytes, of 6 %zu", held[1], held[0]);
#endif
    mk_trial_free(d);
}

/* A patient whose simulation fails is recorded with the reason, excluded, and the trial goes on. */
static void test_failed_patients(void **state)
{
    (void)state;
    mk_trial_design *d = load("tiny.yaml");
    mk_trial_opts o;
    mk_trial_opts_default(&o);
    o.patients = 3;
    o.solver.max_steps = 20; /* far too few for the history: every patient's solver fails */
    mk_trial_result *r = NULL;
    mk_error err = {0};
    assert_int_equal(mk_trial_run(d, &o, &r, &err), MK_OK);
    assert_int_equal(r->n_failed, 3);
    assert_int_equal(r->n_analysed, 0);
    /* each failed at the trials' tolerance and was run again at MK_TRIAL_RTOL_RETRY (and failed
     * there too): the failure kept is the rerun's, the account says so */
    assert_true(MK_TRIAL_RTOL_DEFAULT > MK_TRIAL_RTOL_RETRY);
    assert_int_equal(r->n_retried, 3);
    mk_buf t;
    mk_buf_init(&t);
    mk_trial_write_text(r, &t);
    assert_non_null(strstr(t.data, "3 patients re-run, whole, at rtol 1e-06 after a solver failure at rtol 0.0001"));
    /* they failed in the history: never accepted, screened or enrolled (the flow used to count
     * them as inside the population's ranges and enrolled) */
    assert_int_equal(r->tab->failed_early, 3);
    assert_non_null(strstr(t.data, "3 failed before acceptance (excluded); 0 inside the population's ranges"));
    assert_non_null(strstr(t.data, "0 enrolled; 0 failed (excluded) after enrolment; 0 analysed"));
    mk_buf_free(&t);
    mk_trial_cursor c;
    assert_int_equal(mk_trial_cursor_open(&c, r, &err), MK_OK);
    int seen = 0;
    for (; mk_trial_cursor_next(&c) > 0; seen++) {
        assert_int_equal(c.pt.index, seen);
        assert_int_equal(c.pt.fate, MK_FATE_FAILED);
        assert_int_equal(c.pt.retried, 1);
        assert_non_null(c.pt.failure);
        assert_non_null(strstr(c.pt.failure, "step"));
    }
    assert_int_equal(seen, 3);
    mk_trial_cursor_close(&c);
    /* for bindings: "INDEX\0REASON\0" per failed patient, in patient order */
    mk_buf f;
    mk_buf_init(&f);
    assert_int_equal(mk_trial_write_failures(r, &f, &err), MK_OK);
    size_t at = 0;
    for (int i = 0; i < 3; i++) {
        assert_true(at < f.len);
        assert_int_equal(atoi(f.data + at), i);
        at += strlen(f.data + at) + 1;
        assert_non_null(strstr(f.data + at, "step"));
        at += strlen(f.data + at) + 1;
    }
    assert_int_equal(at, f.len);
    mk_buf_free(&f);
    mk_buf b;
    mk_buf_init(&b);
    assert_int_equal(mk_trial_write_patients(r, &b, &err), MK_OK);
    assert_non_null(strstr(b.data, ",failed,"));
    mk_buf_free(&b);
    mk_stat_cmp s;
    mk_trial_compare(r, 0, 0, 1, 0, &s);
    assert_int_equal(s.a.n, 0);
    mk_trial_result_free(r);
    /* at the retry's own tolerance there is nothing tighter to run again at */
    o.solver.rtol = MK_TRIAL_RTOL_RETRY;
    assert_int_equal(mk_trial_run(d, &o, &r, &err), MK_OK);
    assert_int_equal(r->n_failed, 3);
    assert_int_equal(r->n_retried, 0);
    mk_trial_result_free(r);
    mk_trial_free(d);
}


/* No wasted work (issue 11 item 6): a patient the acceptance rule rejects costs the history and
 * the arm up to its baseline time point, not the whole arm; one accepted costs the whole arms. */
/* (The runs apart, share 0: test_shared_runs holds the shared ones to their bytes.) */
static void test_rejected_patients_stop_at_baseline(void **state)
{
    (void)state;
    mk_trial_design *d = load("tiny.yaml");
    double history_s = d->history->duration_s, baseline_s = 0;
    for (int o = 0; o < d->n_outcomes; o++) {
        double t = d->arms[0].proto->meas[d->arms[0].meas[0][o]].t_s;
        if (t > baseline_s) baseline_s = t;
    }
    assert_true(baseline_s > 0 && baseline_s < d->arms[0].proto->duration_s / 2);
    mk_trial_opts o;
    mk_trial_opts_default(&o);
    o.patients = 3;
    mk_trial_result *r = NULL;
    mk_error err = {0};
    d->accept_ppt = (mk_trial_range){1, 1.0, 2.0}; /* no PPT is 1-2 kPa: every patient rejected */
    d->accept_pain = (mk_trial_range){1, 0.0, 10.0}; /* every pain is */
    assert_int_equal(mk_trial_run_shared(d, &o, 0, &r, &err), MK_OK);
    assert_int_equal(r->n_rejected, 3);
    assert_true(r->model_s == 3 * (history_s + baseline_s)); /* whole seconds: exact */
    /* the account says which criterion rejected them and that nothing could be compared */
    mk_buf b;
    mk_buf_init(&b);
    mk_trial_write_text(r, &b);
    if (!strstr(b.data, "rejected on the true baseline: PPT in [1, 2] kPa not met (pain met) 3, pain in [0, 10] not met "
                        "(PPT met) 0, both not met 0\n") ||
        !strstr(b.data, "no patient was analysed: every comparison below has n 0 and no effect can be estimated (every "
                        "sampled patient lies outside the population's ranges)"))
        fail_msg("the account of a trial that rejected everyone:\n%s", b.data);
    mk_buf_free(&b);
    mk_trial_result_free(r);
    d->accept_pain = (mk_trial_range){0};
    d->accept_ppt = (mk_trial_range){1, 0.0, 1e9};
    d->enrol_ppt = (mk_trial_range){0};
    d->need_palpation = 0;
    assert_int_equal(mk_trial_run_shared(d, &o, 0, &r, &err), MK_OK);
    assert_int_equal(r->n_analysed, 3);
    /* paired: the first arm to its baseline, then both arms whole */
    double arms_s = d->arms[0].proto->duration_s + d->arms[1].proto->duration_s;
    assert_true(r->model_s == 3 * (history_s + baseline_s + arms_s));
    mk_trial_result_free(r);
    mk_trial_free(d);
    /* a baseline at the arm's start: the stopped arm still runs (its first second), no failure */
    d = load("tiny_zero.yaml");
    history_s = d->history->duration_s;
    d->accept_ppt = (mk_trial_range){1, 1.0, 2.0};
    assert_int_equal(mk_trial_run_shared(d, &o, 0, &r, &err), MK_OK);
    assert_int_equal(r->n_failed, 0);
    assert_int_equal(r->n_rejected, 3);
    assert_true(r->model_s == 3 * (history_s + 1));
    char *apart = outputs(r);
    mk_trial_result_free(r);
    /* shared (mk_trial_run's way): the first arm's run pauses at 0 for screening, integrating
     * nothing of the arm, and says the same */
    assert_int_equal(mk_trial_run(d, &o, &r, &err), MK_OK);
    assert_int_equal(r->n_rejected, 3);
    assert_true(r->model_s == 3 * history_s);
    assert_true(r->covered_s == 3 * (history_s + 1));
    char *shared = outputs(r);
    assert_string_equal(apart, shared);
    free(apart);
    free(shared);
    mk_trial_result_free(r);
    mk_trial_free(d);
}

/* One trial of d run with share on or off (mk_trial_run_shared): its three outputs. */
static char *run_shared_bytes(const mk_trial_design *d, int share, int threads, mk_trial_result **keep)
{
    mk_trial_opts o;
    mk_trial_opts_default(&o);
    o.patients = 6;
    o.threads = threads;
    o.seed = 3;
    mk_trial_result *r = NULL;
    mk_error err = {0};
    char buf[2200];
    if (mk_trial_run_shared(d, &o, share, &r, &err)) fail_msg("%s", mk_error_format(&err, buf, sizeof buf));
    char *out = outputs(r);
    *keep = r;
    return out;
}

/* Every patient's record of a and b, the numbers as stored (not as printed, which rounds):
 * the same bits. */
static void same_records(const mk_trial_result *a, const mk_trial_result *b)
{
    const mk_trial_design *d = a->d;
    size_t n = mk_trial_record_size(d);
    double *va = calloc(n, sizeof *va), *vb = calloc(n, sizeof *vb);
    mk_trial_cursor ca, cb;
    mk_error err = {0};
    assert_int_equal(mk_trial_cursor_open(&ca, a, &err), MK_OK);
    assert_int_equal(mk_trial_cursor_open(&cb, b, &err), MK_OK);
    int k = 0;
    for (;; k++) {
        int ra = mk_trial_cursor_next(&ca), rb = mk_trial_cursor_next(&cb);
        assert_int_equal(ra, rb);
        if (ra <= 0) break;
        mk_trial_pack_patient(d, &ca.pt, va);
        mk_trial_pack_patient(d, &cb.pt, vb);
        if (memcmp(va, vb, n * sizeof *va)) fail_msg("patient %d: the records differ", ca.pt.index);
    }
    assert_int_equal(k, a->n);
    mk_trial_cursor_close(&ca);
    mk_trial_cursor_close(&cb);
    free(va);
    free(vb);
}

/* The screening run continued into the enrolled patient's arm, and a paired design's second
 * arm continued from the first arm's run where they part (the needling or sham at 2 h: the
 * solver restarts there, and only its state, inputs and the sparse LU's pivot order carry
 * across), give the bytes of every arm run from the start (share 0, the runs as they were).
 * The model time integrated says that the sharing did happen: without it the comparison would
 * hold trivially. */
static void test_shared_runs(void **state)
{
    (void)state;
    mk_trial_design *d = load("tiny.yaml");
    double h = d->history->duration_s, base = 0, fork_s = 2 * 3600.0;
    double a0 = d->arms[0].proto->duration_s, a1 = d->arms[1].proto->duration_s;
    for (int o = 0; o < d->n_outcomes; o++) {
        double t = d->arms[0].proto->meas[d->arms[0].meas[0][o]].t_s;
        if (t > base) base = t;
    }
    assert_true(base > 0 && base < fork_s && a0 == a1);
    for (int everyone = 0; everyone < 2; everyone++) {
        if (everyone) { /* every patient enrolled: whole arms for all */
            d->accept_pain = (mk_trial_range){0};
            d->accept_ppt = (mk_trial_range){1, 0.0, 1e9};
            d->enrol_ppt = (mk_trial_range){0};
            d->need_palpation = 0;
        }
        for (int paired = 1; paired >= 0; paired--) {
            d->paired = paired;
            for (int threads = 1; threads <= 2; threads++) {
                mk_trial_result *r0 = NULL, *r1 = NULL;
                char *apart = run_shared_bytes(d, 0, threads, &r0), *shared = run_shared_bytes(d, 1, threads, &r1);
                assert_string_equal(apart, shared);
                same_records(r0, r1);
                assert_true(r0->covered_s == r1->covered_s);
                int n = r0->n, m = r0->n_analysed;
                assert_int_equal(r0->n_failed, 0);
                if (everyone) assert_int_equal(m, n);
                /* whole seconds: exact.  Apart: every patient's history and first arm to its
                 * baseline, every analysed patient's whole arms.  Shared: the baseline is on the
                 * way, and a paired second arm begins at 2 h. */
                double arms = paired ? a0 + a1 : a0;
                assert_true(r0->model_s == n * (h + base) + m * arms);
                assert_true(r1->model_s == (n - m) * (h + base) + m * (h + arms - (paired ? fork_s : 0)));
                assert_true(r1->covered_s == (n - m) * (h + base) + m * (h + arms));
                if (everyone) assert_true(r1->model_s < r0->model_s);
                free(apart);
                free(shared);
                mk_trial_result_free(r0);
                mk_trial_result_free(r1);
            }
        }
    }
    mk_trial_free(d);
}

/* ---------------------------------------------------------------- the journal (checkpoint) */

/* The three CSV outputs of a run with options o, or NULL with the error in err. */
static char *run_with(const mk_trial_design *d, const mk_trial_opts *o, int *resumed, mk_error *err)
{
    mk_trial_result *r = NULL;
    if (mk_trial_run(d, o, &r, err)) return NULL;
    if (resumed) *resumed = mk_trial_result_resumed(r);
    /* what was read from the journal is not simulated again */
    assert_int_equal(r->n_simulated, r->n - mk_trial_result_resumed(r));
    char *out = outputs(r);
    mk_trial_result_free(r);
    return out;
}

static char *slurp(const char *path)
{
    char *text = NULL;
    mk_error err = {0};
    assert_int_equal(mk_read_text_file(path, NULL, &text, NULL, &err), MK_OK);
    return text;
}

static void spit(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Offset of the start of line k (1-based) of text. */
static size_t line_start(const char *text, int k)
{
    const char *p = text;
    for (int i = 1; i < k; i++) {
        p = strchr(p, '\n');
        assert_non_null(p);
        p++;
    }
    return (size_t)(p - text);
}

static void test_journal_resume(void **state)
{
    (void)state;
    mk_trial_design *d = load("tiny.yaml");
    char dir[] = "/tmp/mk-journal-XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/trial.journal", dir);
    mk_trial_opts o;
    mk_trial_opts_default(&o);
    o.threads = 2;
    o.seed = 5;
    mk_error err = {0};
    char *plain = run_with(d, &o, NULL, &err);
    assert_non_null(plain);
    /* a run with a journal: the same bytes, a header and a line per patient */
    o.journal = path;
    int resumed = -1;
    char *journalled = run_with(d, &o, &resumed, &err);
    assert_non_null(journalled);
    assert_string_equal(plain, journalled);
    assert_int_equal(resumed, 0);
    char *full = slurp(path);
    size_t lines = 0;
    for (const char *p = full; *p; p++) lines += *p == '\n';
    assert_int_equal(lines, 4 + 8);
    /* without --resume an existing journal is in the way */
    assert_null(run_with(d, &o, NULL, &err));
    assert_non_null(strstr(err.message, "in the way"));
    /* interrupted after three patients, killed half-way through writing the fourth */
    size_t cut = line_start(full, 8) + 40;
    spit(path, full, cut);
    /* a link planted at the journal's old fixed temporary name (PATH.new) is neither written
     * through nor removed: the rewritten journal goes to an exclusively created temporary file */
    char precious[300], planted[300];
    snprintf(precious, sizeof precious, "%s/precious.txt", dir);
    snprintf(planted, sizeof planted, "%s.new", path);
    spit(precious, "keep me\n", 8);
    assert_int_equal(symlink(precious, planted), 0);
    o.resume = 1;
    o.threads = 1;
    char *resumed_bytes = run_with(d, &o, &resumed, &err);
    assert_non_null(resumed_bytes);
    assert_int_equal(resumed, 3);
    assert_string_equal(plain, resumed_bytes);
    char *kept = slurp(precious);
    assert_string_equal(kept, "keep me\n");
    free(kept);
    struct stat lst;
    assert_int_equal(lstat(planted, &lst), 0);
    assert_true(S_ISLNK(lst.st_mode));
    unlink(planted);
    unlink(precious);
    /* a resumed journal is whole again: resuming it runs nobody */
    char *again = run_with(d, &o, &resumed, &err);
    assert_non_null(again);
    assert_int_equal(resumed, 8);
    assert_string_equal(plain, again);
    /* one changed digit in line 7 is damage, named with its line */
    char *text = slurp(path);
    size_t at = line_start(text, 7) + 12;
    text[at] = text[at] == '1' ? '2' : '1';
    spit(path, text, strlen(text));
    assert_null(run_with(d, &o, NULL, &err));
    assert_int_equal(err.code, MK_ERR_SYNTAX);
    assert_int_equal(err.line, 7);
    assert_non_null(strstr(err.message, "checksum mismatch"));
    /* a journal of another seed belongs to another trial */
    spit(path, full, strlen(full));
    o.seed = 6;
    assert_null(run_with(d, &o, NULL, &err));
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.message, "belongs to another trial"));
    unlink(path);
    rmdir(dir);
    free(plain);
    free(journalled);
    free(full);
    free(resumed_bytes);
    free(again);
    free(text);
    mk_trial_free(d);
}

/* Failure texts (spaces, '%', '-') survive the journal exactly. */
static void test_journal_failures(void **state)
{
    (void)state;
    mk_trial_design *d = load("tiny.yaml");
    char dir[] = "/tmp/mk-journal-XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/trial.journal", dir);
    mk_trial_opts o;
    mk_trial_opts_default(&o);
    o.patients = 3;
    o.solver.max_steps = 20; /* every patient's solver fails */
    o.journal = path;
    mk_error err = {0};
    char *first = run_with(d, &o, NULL, &err);
    assert_non_null(first);
    assert_non_null(strstr(first, ",failed,"));
    o.resume = 1;
    int resumed = 0;
    char *second = run_with(d, &o, &resumed, &err);
    assert_non_null(second);
    assert_int_equal(resumed, 3);
    assert_string_equal(first, second);
    unlink(path);
    rmdir(dir);
    free(first);
    free(second);
    mk_trial_free(d);
}

/* The sex covariate: the same sampled patients as women and as men; men's parameters carry
 * the design's factor (noci.p_mech50 x 1.4), so every man's PPT is above the same woman's. */
static void test_sex_covariate(void **state)
{
    (void)state;
    mk_trial_design *dw = load("tiny_women.yaml"), *dm = load("tiny_men.yaml");
    mk_trial_opts o;
    mk_trial_opts_default(&o);
    o.seed = 7;
    mk_trial_result *rw = NULL, *rm = NULL;
    mk_error err = {0};
    assert_int_equal(mk_trial_run(dw, &o, &rw, &err), MK_OK);
    assert_int_equal(mk_trial_run(dm, &o, &rm, &err), MK_OK);
    int compared = 0;
    mk_trial_cursor cw, cm;
    assert_int_equal(mk_trial_cursor_open(&cw, rw, &err), MK_OK);
    assert_int_equal(mk_trial_cursor_open(&cm, rm, &err), MK_OK);
    for (int i = 0; i < rw->n; i++) {
        assert_int_equal(mk_trial_cursor_next(&cw), 1);
        assert_int_equal(mk_trial_cursor_next(&cm), 1);
        const mk_trial_patient *w = &cw.pt, *m = &cm.pt;
        assert_int_equal(w->sex, 0);
        assert_int_equal(m->sex, 1);
        assert_memory_equal(w->theta, m->theta, (size_t)dw->n_params * sizeof(double));
        if (!isfinite(w->true_ppt) || !isfinite(m->true_ppt)) continue;
        assert_true(m->true_ppt > 1.2 * w->true_ppt);
        compared++;
    }
    mk_trial_cursor_close(&cw);
    mk_trial_cursor_close(&cm);
    assert_true(compared >= 6);
    mk_buf b;
    mk_buf_init(&b);
    mk_trial_write_text(rw, &b);
    assert_non_null(strstr(b.data, "women 8 of 8 sampled"));
    mk_buf_free(&b);
    mk_buf_init(&b);
    assert_int_equal(mk_trial_write_patients(rm, &b, &err), MK_OK);
    assert_non_null(strstr(b.data, "patient,fate,arm,time,sex,"));
    assert_non_null(strstr(b.data, ",M,"));
    mk_buf_free(&b);
    mk_trial_result_free(rw);
    mk_trial_result_free(rm);
    /* a half-and-half population: each sex drawn from the patient's own stream */
    mk_trial_opts_default(&o);
    o.patients = 24;
    o.seed = 7;
    mk_trial_design *dh = load("tiny_women.yaml");
    dh->women_share = 0.5;
    mk_trial_result *rh = NULL;
    assert_int_equal(mk_trial_run(dh, &o, &rh, &err), MK_OK);
    int women = 0;
    mk_trial_cursor ch;
    assert_int_equal(mk_trial_cursor_open(&ch, rh, &err), MK_OK);
    while (mk_trial_cursor_next(&ch) > 0) women += ch.pt.sex == 0;
    mk_trial_cursor_close(&ch);
    assert_true(women >= 5 && women <= 19); /* binomial(24, 0.5): outside only with p < 0.01 */
    mk_trial_result_free(rh);
    mk_trial_free(dh);
    mk_trial_free(dw);
    mk_trial_free(dm);
}

/* The expectation counted once (tiny_expect.yaml): two arms of the same needling day differ
 * only in the arm's expectation input (+3 points against none; no rating noise).  The true
 * values are the same bits in both arms (the probe of the site's expectation reads, it changes
 * nothing); ten minutes after the session the site's own treatment expectation (spinal.expect,
 * about 0.85 then) carries the response, so the input adds 3 x (1 - 0.85), under a point
 * (before: all 3 points on top of the site's); the next day (spinal.expect about 0) all 3. */
static void test_expectation_once(void **state)
{
    (void)state;
    mk_trial_design *d = load("tiny_expect.yaml");
    assert_int_equal(d->arms[0].expect_meas[0], -1);
    assert_true(d->arms[0].expect_meas[1] >= 0 && d->arms[0].expect_meas[2] >= 0);
    mk_trial_opts o;
    mk_trial_opts_default(&o);
    mk_trial_result *r = NULL;
    mk_error err = {0};
    assert_int_equal(mk_trial_run(d, &o, &r, &err), MK_OK);
    assert_true(r->n_analysed >= 4);
    mk_trial_cursor c;
    assert_int_equal(mk_trial_cursor_open(&c, r, &err), MK_OK);
    int seen = 0, p = d->o_pain;
    while (mk_trial_cursor_next(&c) > 0) {
        const mk_trial_patient *pt = &c.pt;
        if (pt->fate != MK_FATE_ANALYSED) continue;
        seen++;
        for (int t = 0; t < d->n_times; t++)
            for (int o2 = 0; o2 < d->n_outcomes; o2++)
                assert_true(pt->truth[mk_trial_slot(d, 0, t, o2)] == pt->truth[mk_trial_slot(d, 1, t, o2)]);
        double base = pt->observed[mk_trial_slot(d, 0, 0, p)] - pt->observed[mk_trial_slot(d, 1, 0, p)];
        double after = pt->observed[mk_trial_slot(d, 0, 1, p)] - pt->observed[mk_trial_slot(d, 1, 1, p)];
        double day2 = pt->observed[mk_trial_slot(d, 0, 2, p)] - pt->observed[mk_trial_slot(d, 1, 2, p)];
        if (base != 0 || after < 0 || after > 1 || day2 != 3)
            fail_msg("patient %d: told - untold pain %g at baseline (want 0), %g after (want 0 or 1), %g on day 2 "
                     "(want 3)", pt->index, base, after, day2);
        /* the recorded points (patients.csv pain_expectation): 0 at the baseline and for the
         * untold arm, a part of the 3 points after (the site carries the rest), about 3 a day later */
        const double *ex = pt->expect;
        int nt = d->n_times;
        if (ex[0] != 0 || ex[nt] != 0 || ex[nt + 1] != 0 || ex[nt + 2] != 0 || !(ex[1] > 0 && ex[1] < 1) ||
            !(ex[2] > 2.9 && ex[2] <= 3))
            fail_msg("patient %d: expectation points told %g, %g, %g; untold %g, %g, %g (want 0, 0..1, ~3; 0, 0, 0)",
                     pt->index, ex[0], ex[1], ex[2], ex[nt], ex[nt + 1], ex[nt + 2]);
    }
    mk_trial_cursor_close(&c);
    assert_int_equal(seen, r->n_analysed);
    mk_trial_result_free(r);
    mk_trial_free(d);
}

/* A population varies the desk load per patient (tiny_desk.yaml: tiny.yaml plus
 * population.inputs desk_load, a factor on every desk_work event's load): the factor scales
 * exactly the desk_work changes of the history and the arms and nothing else; it is the
 * patient's last drawn value (patients.csv column desk_load), the other parameters are the
 * same draws as without it; it reaches the patients' numbers; and the trial is the same
 * bytes for 1 and 2 threads. */
static void test_desk_load_input(void **state)
{
    (void)state;
    mk_trial_design *d = load("tiny_desk.yaml"), *plain = load("tiny.yaml");
    assert_int_equal(d->n_inputs, 1);
    assert_int_equal(d->n_params, plain->n_params + 1);
    const mk_trial_param *tp = &d->params[d->n_params - 1];
    assert_string_equal(tp->name, "desk_load");
    double theta[MK_TRIAL_MAX_PARAMS] = {0};
    theta[d->n_params - 1] = 2.5;
    const mk_protocol *protos[] = {d->history, d->arms[0].proto};
    for (int k = 0; k < 2; k++) {
        const mk_protocol *p = protos[k];
        mk_input_change *c = NULL;
        mk_error err = {0};
        assert_int_equal(mk_trial_scale_inputs(d, p, theta, &c, &err), MK_OK);
        assert_non_null(c);
        int desk = 0;
        for (int m = 0; m < p->n_changes; m++) {
            assert_true(c[m].t_s == p->changes[m].t_s && c[m].input == p->changes[m].input);
            if (p->changes[m].event && !strcmp(p->changes[m].event, "desk_work")) {
                assert_int_equal(p->changes[m].input, tp->index);
                near(c[m].value, 2.5 * p->changes[m].value, 1e-12, "a desk_work load, scaled");
                desk += p->changes[m].value > 0;
            } else {
                assert_true(c[m].value == p->changes[m].value);
            }
        }
        if (k == 1) assert_true(desk >= 1); /* the arm's day at the desk (the healthy history has none) */
        free(c);
    }
    mk_trial_result *r = NULL, *rp = NULL;
    char *one = run_bytes(d, 1, 5, &r), *two = run_bytes(d, 2, 5, NULL), *base = run_bytes(plain, 1, 5, &rp);
    assert_string_equal(one, two);
    assert_non_null(strstr(one, ",desk_load,"));
    mk_trial_cursor c, cp;
    mk_error err = {0};
    assert_int_equal(mk_trial_cursor_open(&c, r, &err), MK_OK);
    assert_int_equal(mk_trial_cursor_open(&cp, rp, &err), MK_OK);
    int differ = 0, lo = 0, hi = 0;
    while (mk_trial_cursor_next(&c) > 0) {
        assert_int_equal(mk_trial_cursor_next(&cp), 1);
        assert_memory_equal(c.pt.theta, cp.pt.theta, (size_t)plain->n_params * sizeof(double));
        double f = c.pt.theta[d->n_params - 1];
        assert_true(f >= 0.25 && f <= 1.75);
        lo += f < 1;
        hi += f > 1;
        differ += c.pt.true_ppt != cp.pt.true_ppt || c.pt.true_pain != cp.pt.true_pain;
    }
    mk_trial_cursor_close(&c);
    mk_trial_cursor_close(&cp);
    assert_true(lo >= 1 && hi >= 1);
    assert_true(differ >= 1);
    mk_trial_result_free(r);
    mk_trial_result_free(rp);
    free(one);
    free(two);
    free(base);
    mk_trial_free(d);
    mk_trial_free(plain);
}

/* Referred pain as an outcome (tiny_ref.yaml: active trigger points, outcomes local pain, PPT
 * and spontaneous pain rated in occiput_r and in acromion_r): each binds the arm's pain rating
 * of its own region, the values reach patients.csv and trial_summary.csv, the examiner's rating
 * is a 0-10 NRS, the arm's expectation input is not added to it (set to 5 points in one arm,
 * it lifts the local pain rating and leaves the referred one within the rating noise), and
 * the trial is the same bytes for 1 and 2 threads. */
static void test_referred_outcome(void **state)
{
    (void)state;
    mk_trial_design *d = load("tiny_ref.yaml");
    assert_int_equal(d->n_outcomes, 4);
    const int oref = 2, osh = 3, op = d->o_pain;
    assert_int_equal(d->outcomes[oref].kind, MK_OUT_REFERRED);
    assert_string_equal(d->outcomes[oref].region, "occiput_r");
    assert_string_equal(d->outcomes[osh].region, "acromion_r"); /* written acromion_right */
    assert_string_equal(d->outcomes[oref].unit, "0-10");
    assert_int_equal(d->outcomes[oref].higher_better, 0);
    for (int a = 0; a < d->n_arms; a++)
        for (int t = 0; t < d->n_times; t++) {
            const mk_measurement *m = d->arms[a].proto->meas;
            assert_string_equal(m[d->arms[a].meas[t][oref]].region, "occiput_r");
            assert_string_equal(m[d->arms[a].meas[t][osh]].region, "acromion_r");
            assert_string_equal(m[d->arms[a].meas[t][op]].region, "local");
        }
    mk_trial_result *r = NULL;
    char *one = run_bytes(d, 1, 5, &r), *two = run_bytes(d, 2, 5, NULL);
    assert_string_equal(one, two);
    assert_non_null(strstr(one, ",referred_true,referred_observed,shoulder_true,shoulder_observed,"));
    assert_non_null(strstr(one, "\nneedling vs sham,referred,evening,"));
    assert_non_null(strstr(one, "\nneedling vs sham,shoulder change,after,"));
    assert_true(r->n_analysed >= 4);
    mk_trial_cursor c;
    mk_error err = {0};
    assert_int_equal(mk_trial_cursor_open(&c, r, &err), MK_OK);
    int felt = 0, differ = 0;
    while (mk_trial_cursor_next(&c) > 0) {
        const mk_trial_patient *pt = &c.pt;
        if (pt->fate != MK_FATE_ANALYSED) continue;
        for (int a = 0; a < d->n_arms; a++)
            for (int t = 0; t < d->n_times; t++) {
                double ref = pt->truth[mk_trial_slot(d, a, t, oref)], obs = pt->observed[mk_trial_slot(d, a, t, oref)];
                double sh = pt->truth[mk_trial_slot(d, a, t, osh)], loc = pt->truth[mk_trial_slot(d, a, t, op)];
                assert_true(ref >= 0 && ref <= loc); /* a share of the site's drive, not more than the local pain */
                assert_true(obs == round(obs) && obs >= 0 && obs <= 10);
                felt += ref > 0.1;
                differ += ref != sh;
            }
    }
    mk_trial_cursor_close(&c);
    assert_true(felt >= 1);   /* the outcome carries the model's referred pain, not zeros */
    assert_true(differ >= 1); /* the two regions read two measurements */
    mk_trial_result_free(r);
    free(one);
    free(two);

    /* the expectation input: 5 points in the needling arm */
    d->arms[0].expectation = 5;
    char *told = run_bytes(d, 1, 5, &r);
    assert_int_equal(mk_trial_cursor_open(&c, r, &err), MK_OK);
    double lift_pain = 0, worst_ref = 0;
    int n = 0;
    while (mk_trial_cursor_next(&c) > 0) {
        const mk_trial_patient *pt = &c.pt;
        if (pt->fate != MK_FATE_ANALYSED) continue;
        for (int t = 1; t < d->n_times; t++) {
            size_t kp = mk_trial_slot(d, 0, t, op), kr = mk_trial_slot(d, 0, t, oref);
            lift_pain += pt->observed[kp] - pt->truth[kp];
            worst_ref = fmax(worst_ref, fabs(pt->observed[kr] - pt->truth[kr]));
            n++;
        }
    }
    mk_trial_cursor_close(&c);
    assert_true(n >= 4);
    if (!(lift_pain / n > 2.5) || !(worst_ref <= 0.5 + 4 * d->pain_sd))
        fail_msg("expectation 5: local pain rated %g above its truth on average (want > 2.5), referred pain at "
                 "most %g from its truth (want <= %g: the noise alone)", lift_pain / n, worst_ref, 0.5 + 4 * d->pain_sd);
    mk_trial_result_free(r);
    free(told);
    mk_trial_free(d);
}

/* Each bad design's first line: "# expect: LINE:COL: fragment of the message". */
static void test_bad_designs(void **state)
{
    (void)state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/bad", g_dir);
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    struct dirent *ent;
    int n = 0;
    while ((ent = readdir(dp))) {
        size_t len = strlen(ent->d_name);
        if (len < 6 || strcmp(ent->d_name + len - 5, ".yaml")) continue;
        char path[8192], *text = NULL;
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        mk_error err = {0};
        assert_int_equal(mk_read_text_file(path, NULL, &text, NULL, &err), MK_OK);
        int line = 0, col = 0;
        char frag[256] = "";
        if (sscanf(text, "# expect: %d:%d: %255[^\n]", &line, &col, frag) != 3)
            fail_msg("%s: no '# expect: LINE:COL: message' first line", path);
        free(text);
        mk_trial_design *d = NULL;
        mk_status rc = mk_trial_load(path, &d, &err);
        char buf[2200];
        if (rc == MK_OK) fail_msg("%s: accepted", path);
        assert_null(d);
        mk_error_format(&err, buf, sizeof buf);
        if (strcmp(err.file, path) || err.line != line || err.column != col || !strstr(err.message, frag))
            fail_msg("%s: want %d:%d '%s', got %s", ent->d_name, line, col, frag, buf);
        n++;
    }
    closedir(dp);
    assert_true(n >= 10);
}

/* ",%.6g" or "," as trial_summary.csv writes a number */
static void num6(mk_buf *b, double v)
{
    if (isfinite(v)) mk_buf_printf(b, ",%.6g", v);
    else mk_buf_puts(b, ",");
}

/* The result's numbers through the public accessors: the design by index, the flow, and
 * trial_summary.csv and responders.csv rebuilt from the effect sizes, samples and responders
 * equal the writers' bytes; each effect is its two samples' comparison; out of range refused. */
static void test_numeric_accessors(void **state)
{
    (void)state;
    mk_trial_design *d = load("tiny.yaml");
    mk_trial_result *r = NULL;
    char *bytes = run_bytes(d, 1, 5, &r);
    free(bytes);
    assert_int_equal(mk_trial_arms(d), 2);
    assert_string_equal(mk_trial_arm_name(d, 1), "sham");
    assert_string_equal(mk_trial_arm_name(d, 2), "");
    assert_int_equal(mk_trial_times(d), 3);
    assert_string_equal(mk_trial_time_name(d, 2), "day 2");
    assert_int_equal(mk_trial_outcomes(d), 2);
    const char *unit = NULL;
    double mid = 0;
    assert_string_equal(mk_trial_outcome_name(d, 1, &unit, &mid), "ppt");
    assert_string_equal(unit, "kPa");
    assert_true(mid == 30);
    int a = -1, b = -1;
    mk_error err = {0};
    assert_int_equal(mk_trial_comparisons(d), 1);
    assert_int_equal(mk_trial_comparison_arms(d, 0, &a, &b, &err), MK_OK);
    assert_true(a == 0 && b == 1);
    assert_int_equal(mk_trial_comparison_arms(d, 1, &a, &b, &err), MK_ERR_INVALID);
    mk_trial_flow f;
    mk_trial_result_flow(r, &f);
    assert_int_equal(f.sampled, 8);
    assert_true(f.analysed >= 4);
    assert_int_equal(f.sampled, f.rejected + f.not_enrolled + f.failed + f.analysed);
    assert_int_equal(mk_trial_result_arm_n(r, 0), f.analysed); /* paired */

    mk_buf mine, theirs;
    mk_buf_init(&mine);
    mk_buf_init(&theirs);
    assert_int_equal(mk_trial_write_summary(r, &theirs, &err), MK_OK);
    mk_buf_puts(&mine, "comparison,outcome,time,n_a,n_b,md,md_lo,md_hi,smd,smd_lo,smd_hi,p\n");
    for (int change = 0; change < 2; change++)
        for (int o = 0; o < 2; o++)
            for (int t = change; t < 3; t++) {
                mk_trial_effect e;
                mk_trial_sample sa, sb;
                assert_int_equal(mk_trial_result_effect(r, 0, o, t, change, &e, &err), MK_OK);
                assert_int_equal(mk_trial_result_sample(r, 0, o, t, change, &sa, &err), MK_OK);
                assert_int_equal(mk_trial_result_sample(r, 1, o, t, change, &sb, &err), MK_OK);
                assert_true(sa.n == e.a.n && sa.mean == e.a.mean && sa.sd == e.a.sd);
                assert_true(sb.n == e.b.n && sb.mean == e.b.mean && sb.sd == e.b.sd);
                assert_true(e.md == sa.mean - sb.mean);
                assert_true(e.md_lo < e.md && e.md < e.md_hi && e.smd_lo < e.smd_hi && e.p >= 0 && e.p <= 1);
                mk_buf_printf(&mine, "needling vs sham,%s%s,%s,%d,%d", mk_trial_outcome_name(d, o, NULL, NULL),
                              change ? " change" : "", mk_trial_time_name(d, t), e.a.n, e.b.n);
                double v[] = {e.md, e.md_lo, e.md_hi, e.smd, e.smd_lo, e.smd_hi, e.p};
                for (int k = 0; k < 7; k++) num6(&mine, v[k]);
                mk_buf_puts(&mine, "\n");
            }
    assert_string_equal(mine.data, theirs.data);
    mk_buf_free(&mine);
    mk_buf_free(&theirs);
    mk_buf_init(&mine);
    mk_buf_init(&theirs);
    assert_int_equal(mk_trial_write_responders(r, &theirs, &err), MK_OK);
    mk_buf_puts(&mine, "arm,outcome,time,mid,unit,responders,n,rate\n");
    for (int arm = 0; arm < 2; arm++)
        for (int o = 0; o < 2; o++)
            for (int t = 1; t < 3; t++) {
                int resp = -1, n = -1;
                assert_int_equal(mk_trial_result_responders(r, arm, o, t, &resp, &n, &err), MK_OK);
                const char *name = mk_trial_outcome_name(d, o, &unit, &mid);
                mk_buf_printf(&mine, "%s,%s,%s,%.6g,%s,%d,%d", mk_trial_arm_name(d, arm), name, mk_trial_time_name(d, t),
                              mid, unit, resp, n);
                num6(&mine, n ? (double)resp / n : NAN);
                mk_buf_puts(&mine, "\n");
            }
    assert_string_equal(mine.data, theirs.data);
    mk_buf_free(&mine);
    mk_buf_free(&theirs);

    mk_trial_effect e;
    mk_trial_sample sa;
    int resp, n;
    assert_int_equal(mk_trial_result_effect(r, 0, 0, 0, 1, &e, &err), MK_ERR_INVALID); /* no change at baseline */
    assert_int_equal(mk_trial_result_effect(r, 1, 0, 1, 0, &e, &err), MK_ERR_INVALID);
    assert_int_equal(mk_trial_result_effect(r, 0, 2, 1, 0, &e, &err), MK_ERR_INVALID);
    assert_int_equal(mk_trial_result_effect(r, 0, 0, 3, 0, &e, &err), MK_ERR_INVALID);
    assert_int_equal(mk_trial_result_effect(r, 0, 0, 1, 2, &e, &err), MK_ERR_INVALID);
    assert_int_equal(mk_trial_result_sample(r, 2, 0, 1, 0, &sa, &err), MK_ERR_INVALID);
    assert_int_equal(mk_trial_result_responders(r, 0, 0, 0, &resp, &n, &err), MK_ERR_INVALID);
    assert_int_equal(mk_trial_result_sample(NULL, 0, 0, 1, 0, &sa, &err), MK_ERR_INVALID);
    mk_trial_result_free(r);
    mk_trial_free(d);
}

/* patients.csv streamed to a file: the writer's bytes when the disk has room; when it fills up
 * half-way (RLIMIT_FSIZE), an error naming the file and why, the old file as it was and no
 * temporary file left (the sticky writer into a file renamed into place). */
static void test_patients_file_full_disk(void **state)
{
    (void)state;
    mk_trial_design *d = load("tiny.yaml");
    mk_trial_result *r = NULL;
    char *bytes = run_bytes(d, 1, 5, &r);
    char dir[] = "/tmp/mk-patients-XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/patients.csv", dir);
    mk_error err = {0};
    assert_int_equal(mk_trial_write_patients_file(r, path, &err), MK_OK);
    char *got = slurp(path);
    mk_buf want;
    mk_buf_init(&want);
    assert_int_equal(mk_trial_write_patients(r, &want, &err), MK_OK);
    assert_string_equal(got, want.data);
    assert_true(want.len > 1000);
    free(got);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("old", f);
    fclose(f);
    struct rlimit lim, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &lim), 0);
    small = lim;
    small.rlim_cur = want.len / 2;
    void (*old)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    mk_status rc = mk_trial_write_patients_file(r, path, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    signal(SIGXFSZ, old);
    assert_int_equal(rc, MK_ERR_IO);
    assert_non_null(strstr(err.message, "patients.csv"));
    assert_non_null(strstr(err.message, strerror(EFBIG)));
    got = slurp(path);
    assert_string_equal(got, "old");
    free(got);
    DIR *dd = opendir(dir);
    assert_non_null(dd);
    int n = 0;
    for (struct dirent *e; (e = readdir(dd));) n += e->d_name[0] != '.';
    closedir(dd);
    assert_int_equal(n, 1); /* no temporary file left */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    mk_buf_free(&want);
    free(bytes);
    mk_trial_result_free(r);
    mk_trial_free(d);
}

int main(void)
{
    const char *src = getenv("MK_SOURCE_DIR");
    snprintf(g_dir, sizeof g_dir, "%s/tests/cohort", src ? src : "..");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_hand),
        cmocka_unit_test(test_stats_missing_and_degenerate),
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_bit_identical_threads),
        cmocka_unit_test(test_model_variant),
        cmocka_unit_test(test_solver_rtol),
        cmocka_unit_test(test_failed_patients),
        cmocka_unit_test(test_rejected_patients_stop_at_baseline),
        cmocka_unit_test(test_shared_runs),
        cmocka_unit_test(test_bad_designs),
        cmocka_unit_test(test_journal_resume),
        cmocka_unit_test(test_journal_failures),
        cmocka_unit_test(test_sex_covariate),
        cmocka_unit_test(test_expectation_once),
        cmocka_unit_test(test_desk_load_input),
        cmocka_unit_test(test_referred_outcome),
        cmocka_unit_test(test_memory_flat),
        cmocka_unit_test(test_numeric_accessors),
        cmocka_unit_test(test_patients_file_full_disk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
