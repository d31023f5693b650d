/*
 * mk_bench.c -- `make bench`: how fast myoknot simulates, as ratios measured in one run.
 *
 *   1. the default scenario end to end: simulated time per wall second (the real-time
 *      factor) and right-hand-side evaluations per simulated hour;
 *   2. the same scenario without its measurements: the cost of measuring on copies;
 *   3. the site model's right-hand side against the trivial verification model's, and the
 *      built-in (build-time) translation against the run-time compiled one (cc -O2);
 *   4. the referral mechanism: leave-one-muscle-out cross-validated precision, recall and F1
 *      against the classical maps, measured in this run (docs/referral.md).
 *   5. reading and checking a generated model of 100,000 parameters (must stay under a
 *      second: checking is O(n log n) in the number of names), and generating its C.
 * Each timing is the best of several repetitions; the machine is whatever runs the bench,
 * so only the ratios compare across machines.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/referral_cv.h"
#include "body/anatomy.h"
#include "protocol/scenario.h"
#include "protocol/simulate.h"

extern const char mk_default_scenario_yaml[];

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* CPU seconds of this process: on a shared machine, what the work itself costs */
static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int die(const mk_error *err)
{
    char buf[1400];
    fprintf(stderr, "bench: %s\n", mk_error_format(err, buf, sizeof buf));
    return 1;
}

/* best wall time of reps runs of the protocol */
static int time_scenario(const mk_model_abi *abi, const mk_protocol *p, const mk_anatomy *anat, int reps,
                         double *best_s, mk_solver_stats *st)
{
    *best_s = INFINITY;
    for (int k = 0; k < reps; k++) {
        mk_run_result r;
        mk_error err = {0};
        double t0 = now();
        if (mk_simulate(abi, p, anat, NULL, &r, &err)) return die(&err);
        double dt = now() - t0;
        if (dt < *best_s) *best_s = dt;
        *st = r.stats;
        mk_run_result_free(&r);
    }
    return 0;
}

/* ns per right-hand-side evaluation at the model's defaults */
static double rhs_ns(const mk_model_abi *a, long n)
{
    double *y = calloc((size_t)a->n_states + 1, sizeof(double)), *yd = calloc((size_t)a->n_states + 1, sizeof(double));
    double *in = calloc((size_t)a->n_inputs + 1, sizeof(double)), *p = calloc((size_t)a->n_params + 1, sizeof(double));
    for (int i = 0; i < a->n_states; i++) y[i] = a->states[i].value;
    for (int i = 0; i < a->n_inputs; i++) in[i] = a->inputs[i].value;
    for (int i = 0; i < a->n_params; i++) p[i] = a->params[i].value;
    double best = INFINITY, sink = 0;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        for (long k = 0; k < n; k++) {
            y[0] += 1e-12; /* defeat hoisting */
            a->rhs((double)k, y, yd, in, p, NULL);
            sink += yd[0];
        }
        double dt = (now() - t0) / (double)n * 1e9;
        if (dt < best) best = dt;
    }
    if (sink == 12345.678) puts(""); /* keep the loop */
    free(y), free(yd), free(in), free(p);
    return best;
}

/* A model of n parameters in one component, and n/100 variables each adding up 100 of
 * them, so that every parameter is looked up by name once: the shape that made checking
 * quadratic in the number of names. */
static char *big_model_text(int n)
{
    size_t cap = (size_t)n * 120 + 4096, len = 0;
    char *s = malloc(cap);
    if (!s) return NULL;
    len += (size_t)snprintf(s + len, cap - len, "model big {}\ncomponent c {\n");
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len,
                                "  param p%d = 1 [mM] { range 0..10; source \"assumed: bench\"; "
                                "doc \"a parameter\" }\n", i);
    for (int v = 0; v < n / 100; v++) {
        len += (size_t)snprintf(s + len, cap - len, "  var v%d [mM] = p%d", v, v * 100);
        for (int k = 1; k < 100 && v * 100 + k < n; k++)
            len += (size_t)snprintf(s + len, cap - len, " + p%d", v * 100 + k);
        len += (size_t)snprintf(s + len, cap - len, "\n");
    }
    snprintf(s + len, cap - len, "  state x = 1 [mM]\n  d(x)/dt = -x / 1 [s]\n}\n");
    return s;
}

/* Parse and check (mk_model_parse_string) a model of n parameters; then generate its C. */
static int bench_check(int n, int with_codegen)
{
    char *text = big_model_text(n);
    if (!text) return 1;
    mk_error err = {0};
    mk_model *m = NULL;
    double dt = INFINITY, cpu = INFINITY, t0, c0;
    for (int rep = 0; rep < 3; rep++) { /* best of 3 */
        mk_model_free(m);
        m = NULL;
        t0 = now();
        c0 = cpu_now();
        if (mk_model_parse_string("big.myo (generated)", text, &m, &err)) {
            free(text);
            return die(&err);
        }
        if (now() - t0 < dt) dt = now() - t0;
        if (cpu_now() - c0 < cpu) cpu = cpu_now() - c0;
    }
    printf("  %6d parameters, %5d variables (%4.1f MB)  read and checked in %6.3f s (%.3f s CPU)\n",
           n, n / 100, (double)strlen(text) / 1e6, dt, cpu);
    free(text);
    if (with_codegen) {
        mk_buf b;
        mk_buf_init(&b);
        t0 = now();
        mk_status rc = mk_model_generate_c(m, &b, &err);
        dt = now() - t0;
        if (!rc) printf("  its generated C: %.1f MB in %.3f s (compiling it is another matter)\n",
                        (double)b.len / 1e6, dt);
        mk_buf_free(&b);
        if (rc) {
            mk_model_free(m);
            return die(&err);
        }
    }
    mk_model_free(m);
    return 0;
}

static int bench_checks(void)
{
    printf("model checking (linear in the number of names; best of 3):\n");
    if (bench_check(25000, 0) || bench_check(50000, 0) || bench_check(100000, 1)) return 1;
    return 0;
}

int main(int argc, char **argv)
{
    /* `mk_bench check`: only the model-checking part */
    if (argc > 1 && !strcmp(argv[1], "check")) return bench_checks();

    mk_error err = {0};
    mk_scenario *scn = NULL;
    mk_units *u = NULL;
    mk_anatomy *anat = NULL;
    mk_protocol *proto = NULL, *bare = NULL;
    if (mk_scenario_load_string("default.yaml (built in)", mk_default_scenario_yaml, &scn, &err) ||
        mk_units_new(&u, &err) || mk_anatomy_load(&anat, &err))
        return die(&err);
    const mk_model_abi *site = mk_builtin_find(mk_scenario_model(scn));
    const mk_model_abi *trivial = mk_builtin_find("decay");
    if (!site || !trivial) {
        fprintf(stderr, "bench: built-in models missing\n");
        return 1;
    }
    if (mk_scenario_compile(scn, site, u, anat, NULL, 0, 0, NULL, &proto, &err) ||
        mk_scenario_compile(scn, site, u, anat, NULL, 0, 0, NULL, &bare, &err))
        return die(&err);
    bare->n_meas = 0; /* the same protocol without its measurements */

    printf("myoknot %s benchmark (ratios compare across machines; seconds do not)\n\n", mk_version());
    double wall, wall_bare;
    mk_solver_stats st, st_bare;
    if (time_scenario(site, proto, anat, 3, &wall, &st) || time_scenario(site, bare, anat, 3, &wall_bare, &st_bare))
        return 1;
    double hours = proto->duration_s / 3600;
    printf("default scenario '%s' (%s, %.0f h simulated):\n", proto->name, site->name, hours);
    printf("  wall time (best of 3)                     %10.3f s\n", wall);
    printf("  simulated time per wall second            %10.3g  (real-time factor)\n", proto->duration_s / wall);
    printf("  right-hand-side evaluations / sim. hour   %10.1f\n", (double)st.rhs_evals / hours);
    printf("  solver steps / simulated hour             %10.1f\n", (double)st.steps / hours);
    printf("  with measurements / without (%d taken)    %10.3f  (cost of probing copies)\n", proto->n_meas,
           wall / wall_bare);

    double ns_site = rhs_ns(site, 200000), ns_trivial = rhs_ns(trivial, 2000000);
    printf("\nright-hand side:\n");
    printf("  %-12s %8.1f ns per evaluation (%d states, %d variables)\n", site->name, ns_site, site->n_states, site->n_vars);
    printf("  %-12s %8.1f ns per evaluation\n", trivial->name, ns_trivial);
    printf("  ratio site / trivial                      %10.1f\n", ns_site / ns_trivial);

    /* the run-time path: translate the built-in's own source, cc -O2, dlopen */
    mk_model *m = NULL;
    mk_loaded *l = NULL;
    if (mk_model_parse_string("tp_site (source)", site->source, &m, &err) || mk_model_compile(m, NULL, &l, &err))
        return die(&err);
    double ns_rt = rhs_ns(mk_loaded_abi(l), 200000);
    printf("  run-time compiled / built-in              %10.3f  (cc -O2 vs the build's flags)\n", ns_rt / ns_site);
    mk_loaded_free(l);
    mk_model_free(m);

    /* 4. referral: a shorter search than `myoknot referral --cv` (4 starts x 200 evaluations
     * per fit) so the bench stays quick; the held-out maps are checked by full simulations */
    mk_referral_fit_opts fo;
    mk_referral_fit_opts_default(&fo);
    fo.starts = 4;
    fo.max_evals = 200;
    mk_referral_cv_report *cv = NULL;
    if (mk_referral_cv_run(NULL, &fo, 1, &cv, &err)) return die(&err);
    mk_buf b;
    mk_buf_init(&b);
    mk_referral_cv_format(cv, &b);
    printf("\n%s", b.failed ? "referral: out of memory\n" : b.data);
    mk_buf_free(&b);
    mk_referral_cv_report_free(cv);
    printf("\n");
    if (bench_checks()) return 1;

    bare->n_meas = proto->n_meas;
    mk_protocol_free(bare);
    mk_protocol_free(proto);
    mk_anatomy_free(anat);
    mk_units_free(u);
    mk_scenario_free(scn);
    return 0;
}
