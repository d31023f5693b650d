/*
 * mk_bench.c -- `make bench`: how fast myoknot simulates, as ratios measured in one run.
 *
 *   1. the default scenario end to end: simulated time per wall second (the real-time
 *      factor) and right-hand-side evaluations per simulated hour;
 *   2. the same scenario without its measurements: the cost of measuring on copies;
 *   3. the site model's right-hand side against the trivial verification model's, and the
 *      built-in (build-time) translation against the run-time compiled one (cc -O2);
 *   4. the referral mechanism: leave-one-muscle-out cross-validated precision, recall and F1
 *      against the classical maps, measured in this run (docs/referral.md), and on the same
 *      folds myoknot locate's leave-one-out top-1/top-3 accuracy and reliability table.
 *   5. reading and checking a generated model of 100,000 parameters (must stay under a
 *      second: checking is O(n log n) in the number of names), and generating its C.
 *   6. several trigger points in one body (a scenario's sites:, composed into one model):
 *      two weeks of desk work at 1, 2, 3 and 10 sites, CPU time against one site (issue 10:
 *      ten sites at most 20 x one, through the sparse Jacobian and KLU).
 * Each timing is the best of several repetitions; the machine is whatever runs the bench,
 * so only the ratios compare across machines.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "analysis/locate_run.h"
#include "analysis/referral_cv.h"
#include "body/anatomy.h"
#include "protocol/results.h"
#include "report/rundir.h"
#include "protocol/scenario.h"
#include "protocol/simulate.h"
#include "report/figures.h"

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


/* best CPU time of reps runs of the protocol (CPU, not wall: the machine may be shared) */
static int time_scenario(const mk_model_abi *abi, const mk_protocol *p, const mk_anatomy *anat, int reps,
                         double *best_s, mk_solver_stats *st)
{
    *best_s = INFINITY;
    for (int k = 0; k < reps; k++) {
        mk_run_result r;
        mk_error err = {0};
        double t0 = cpu_now();
        if (mk_simulate(abi, p, anat, NULL, &r, &err)) return die(&err);
        double dt = cpu_now() - t0;
        if (dt < *best_s) *best_s = dt;
        *st = r.stats;
        mk_run_result_free(&r);
    }
    return 0;
}

/* Two weeks of desk work at the first n of ten neck and shoulder sites, each loaded. */
static int sites_scenario(int n, char *path, size_t size)
{
    static const char *const k_sites[][2] = {
        {"upper_trapezius", "r"}, {"levator_scapulae", "r"}, {"upper_trapezius", "l"},
        {"levator_scapulae", "l"}, {"splenius_capitis", "r"}, {"splenius_capitis", "l"},
        {"splenius_cervicis", "r"}, {"splenius_cervicis", "l"}, {"infraspinatus", "r"},
        {"infraspinatus", "l"}};
    snprintf(path, size, "/tmp/mk_bench_sites_XXXXXX");
    int fd = mkstemp(path);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
    if (!f) return 1;
    fprintf(f, "name: sites_%d\nsites:\n", n);
    for (int i = 0; i < n; i++)
        fprintf(f, "  - {muscle: %s, side: %s}\n", k_sites[i][0], k_sites[i][1][0] == 'r' ? "right" : "left");
    fprintf(f, "duration: 14 d\noutput_every: 10 min\ntimeline:\n"
               "  - {event: sleep, at: day 1 23:00, duration: 8 h, every: 1 d, times: 13}\n"
               "  - {event: stress, at: day 1 09:00, level: 0.5, duration: 8.5 h, every: 1 d, times: 12}\n");
    for (int i = 0; i < n; i++)
        fprintf(f, "  - {event: desk_work, at: day 1 09:00, load: 5 %%, duration: 8 h, every: 1 d, "
                   "times: 12, site: %s_%s}\n", k_sites[i][0], k_sites[i][1]);
    return fclose(f) != 0;
}

static int bench_sites(void)
{
    static const int k_n[] = {1, 2, 3, 10}; /* the last is the ten */
    double one = 0, ratio = 0;
    printf("several sites (a scenario's sites:, one composed model; two weeks of desk work at each):\n");
    for (size_t k = 0; k < sizeof k_n / sizeof *k_n; k++) {
        char path[64];
        if (sites_scenario(k_n[k], path, sizeof path)) {
            fprintf(stderr, "bench: cannot write a scenario in /tmp\n");
            return 1;
        }
        mk_study *st = NULL;
        mk_error err = {0};
        mk_status rc = mk_study_open(path, NULL, &st, &err);
        unlink(path);
        if (rc) return die(&err);
        const mk_model_abi *a = mk_study_abi(st);
        double cpu;
        mk_solver_stats ss;
        if (time_scenario(a, mk_study_protocol(st), mk_study_anatomy(st), 3, &cpu, &ss)) return 1;
        if (k == 0) one = cpu;
        printf("  %2d site%s %4d states, Jacobian %6d nonzeros (%4.1f %%): CPU %.3f s, %5.2f x one site, "
               "%ld steps\n", k_n[k], k_n[k] > 1 ? "s" : " ", a->n_states, a->jac_nnz,
               100.0 * a->jac_nnz / ((double)a->n_states * a->n_states), cpu, cpu / one, (long)ss.steps);
        mk_study_free(st);
        ratio = cpu / one;
    }
    /* the bound, measured in this run: ten sites against one, the same CPU clock */
    int met = ratio <= 20.0;
    printf("  ten sites over two weeks: %.2f x the time of one (issue 10: at most 20 x): %s\n", ratio,
           met ? "met" : "NOT MET");
    return met ? 0 : 1;
}

/* CPU seconds of a command (its children included), or -1 */
static double cpu_of_command(const char *cmd)
{
    struct rusage r0, r1;
    getrusage(RUSAGE_CHILDREN, &r0);
    if (system(cmd) != 0) return -1.0;
    getrusage(RUSAGE_CHILDREN, &r1);
    return (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec + r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
           1e-6 * (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec + r1.ru_stime.tv_usec - r0.ru_stime.tv_usec);
}

/* `myoknot run` of the default scenario split into simulation, series.csv, figures and the
 * rest of the run directory (CPU, best of 3), and the whole process. */
static int bench_run_split(const mk_model_abi *site, const mk_protocol *p, const mk_anatomy *anat,
                           double sim_cpu, const char *argv0)
{
    char tmp[] = "/tmp/mk_bench.XXXXXX", path[512], cmd[1400];
    if (!mkdtemp(tmp)) return 1;
    mk_run_result r;
    mk_error err = {0};
    if (mk_simulate(site, p, anat, NULL, &r, &err)) return die(&err);
    mk_figure_set *figs = calloc(1, sizeof *figs);
    double series = INFINITY, fig = INFINITY, all = INFINITY, proc = INFINITY;
    for (int k = 0; figs && k < 3; k++) {
        double c0 = cpu_now();
        snprintf(path, sizeof path, "%s/series.csv", tmp);
        if (mk_series_write_csv(&r.series, path, &err)) return die(&err);
        double c1 = cpu_now();
        if (mk_figures_write(&r, tmp, figs, &err)) return die(&err);
        double c2 = cpu_now();
        mk_figure_set_free(figs); /* the titles and captions, before the next round */
        snprintf(path, sizeof path, "%s/run", tmp);
        if (mk_rundir_write(&r, path, &err)) return die(&err);
        double c3 = cpu_now();
        series = fmin(series, c1 - c0), fig = fmin(fig, c2 - c1), all = fmin(all, c3 - c2);
        const char *slash = strrchr(argv0, '/');
        snprintf(cmd, sizeof cmd, "%.*smyoknot run --out %s/proc > /dev/null", slash ? (int)(slash - argv0 + 1) : 0,
                 argv0, tmp);
        double pc = cpu_of_command(cmd);
        if (pc >= 0) proc = fmin(proc, pc);
    }
    long lines = (long)r.series.n_rows * r.series.n_cols;
    printf("\n`myoknot run` of the default scenario, split (CPU, best of 3):\n");
    printf("  simulation                                %10.3f s\n", sim_cpu);
    printf("  series.csv (%ld lines)                %10.3f s  (%.2f x the simulation)\n", lines, series, series / sim_cpu);
    printf("  figures                                   %10.3f s  (%.2f x the simulation)\n", fig, fig / sim_cpu);
    printf("  whole run directory (csv, figures, report) %9.3f s\n", all);
    printf("  whole process (`myoknot run`)             %10.3f s  (%.2f x the simulation; goal <= 2)\n", proc,
           proc / sim_cpu);
    free(figs);
    mk_run_result_free(&r);
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    return system(cmd) != 0;
}

/* ---- the work week, 5 x [8 h at 5 % MVC, 16 h rest], myoknot against SciPy's BDF ---- */

/* One work week with mk_solver (a restart at every switch, as SciPy gets one solve_ivp per
 * constant segment); the final state into y.  Returns CPU seconds, or -1. */
static int g_jacobian = MK_JAC_AUTO, g_linsol = MK_LINSOL_AUTO; /* what week_myoknot's solver uses */
static mk_solver_stats g_week_stats;                                /* and its counts */

static double week_myoknot(const mk_model_abi *abi, double rtol, double atol, int weeks, double *y)
{
    mk_solver_opts o;
    mk_solver_opts_default(&o);
    o.rtol = rtol, o.atol = atol, o.jacobian = g_jacobian, o.linear_solver = g_linsol;
    mk_solver *s = NULL;
    mk_error err = {0};
    int act = mk_abi_find(abi, MK_SYM_INPUT, "load.activation");
    double c0 = cpu_now(), t = 0;
    if (act < 0 || mk_solver_new(abi, &o, &s, &err)) return -1;
    for (int d = 0; d < 5 * weeks; d++) {
        if (mk_solver_set_input(s, act, 5.0, &err) || mk_solver_advance(s, t += 8 * 3600.0, &err) ||
            mk_solver_set_input(s, act, 0.0, &err) || mk_solver_advance(s, t += 16 * 3600.0, &err)) {
            mk_solver_free(s);
            die(&err);
            return -1;
        }
    }
    double c = cpu_now() - c0;
    mk_solver_get_stats(s, &g_week_stats);
    memcpy(y, mk_solver_state(s), (size_t)abi->n_states * sizeof *y);
    mk_solver_free(s);
    return c;
}

/* max over states of |y - ref| / (|ref| + 1e-6): the final-state error */
static double state_error(const double *y, const double *ref, int n)
{
    double e = 0;
    for (int i = 0; i < n; i++) e = fmax(e, fabs(y[i] - ref[i]) / (fabs(ref[i]) + 1e-6));
    return e;
}

static const char k_scipy_week[] =
    "import sys, time\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "import numpy as np\n"
    "from scipy.integrate import solve_ivp\n"
    "import gen_site as m\n"
    "rtol, atol = float(sys.argv[2]), float(sys.argv[3])\n"
    "u = [s['value'] for s in m.INPUTS]\n"
    "act = [s['name'] for s in m.INPUTS].index('load.activation')\n"
    "p = [s['value'] for s in m.PARAMS]\n"
    "y = np.array(m.y0())\n"
    "t = 0.0\n"
    "c0 = time.process_time()\n"
    "for day in range(5):\n"
    "    for level, hours in ((5.0, 8), (0.0, 16)):\n"
    "        u[act] = level\n"
    "        r = solve_ivp(lambda tt, yy: m.rhs(tt, yy, u, p), (t, t + hours * 3600.0), y,\n"
    "                      method='BDF', rtol=rtol, atol=atol)\n"
    "        assert r.success, r.message\n"
    "        y = r.y[:, -1]\n"
    "        t += hours * 3600.0\n"
    "print(time.process_time() - c0)\n"
    "print(' '.join(repr(float(v)) for v in y))\n";

/* SciPy's BDF on the same week (Debian python3-scipy, the generated Python module); CPU
 * seconds of its integration, the final state into y; -1 if SciPy is missing */
static double week_scipy(const char *dir, double rtol, double atol, int n, double *y)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/week.py %s %g %g 2>/dev/null", dir, dir, rtol, atol);
    FILE *f = popen(cmd, "r");
    if (!f) return -1;
    double c = -1;
    int ok = fscanf(f, "%lf", &c) == 1;
    for (int i = 0; ok && i < n; i++) ok = fscanf(f, "%lf", &y[i]) == 1;
    if (pclose(f) != 0 || !ok) return -1;
    return c;
}

/* myoknot against SciPy's time c_sp and error e_sp: at the same tolerance, then at the
 * loosest tolerance at which myoknot is at least as accurate */
static int bench_equal(const mk_model_abi *site, double c_sp, double e_sp, const double *ref, double *y,
                       double rtol, double atol)
{
    int n = site->n_states;
    double c_mk = INFINITY, e_mk = 0;
    for (int k = 0; k < 3; k++) c_mk = fmin(c_mk, week_myoknot(site, rtol, atol, 1, y));
    if (c_mk < 0) return 1;
    e_mk = state_error(y, ref, n);
    printf("    at rtol %g, atol %g:  %.4f s (error %.2g): %.1fx  [%ld steps, %ld rhs, %ld Jacobians]\n", rtol,
           atol, c_mk, e_mk, c_sp / c_mk, g_week_stats.steps, g_week_stats.rhs_evals, g_week_stats.jac_evals);
    double rt = rtol; /* steps of 1.5x: the global error at a given tolerance varies by 2-3x with
                       * rounding alone (the step sequence), so steps of 3x overshot by up to 3x */
    for (int k = 0; k < 24 && e_mk > e_sp; k++) {
        rt /= 1.5;
        c_mk = INFINITY;
        for (int r = 0; r < 3; r++) c_mk = fmin(c_mk, week_myoknot(site, rt, atol * rt / rtol, 1, y));
        e_mk = state_error(y, ref, n);
    }
    printf("    at SciPy's accuracy:  rtol %.2g, %.4f s (error %.2g): %.1fx (goal >= 100x)\n", rt, c_mk, e_mk,
           c_sp / c_mk);
    return 0;
}

static int bench_scipy(const mk_model_abi *site)
{
    printf("\nSciPy solve_ivp BDF against myoknot, one work week (5 x [8 h at 5 %% MVC, 16 h rest];\n"
           "one integration per constant segment; CPU; error = max |y - ref| / (|ref| + 1e-6) against\n"
           "myoknot at rtol 1e-11, atol 1e-15):\n");
    char dir[] = "/tmp/mk_bench_py.XXXXXX", path[300], cmd[400];
    if (!mkdtemp(dir)) return 1;
    mk_model *m = NULL;
    mk_error err = {0};
    mk_buf b;
    mk_buf_init(&b);
    if (mk_model_parse_string("tp_site (source)", site->source, &m, &err) || mk_model_generate_py(m, &b, &err))
        return die(&err);
    mk_model_free(m);
    snprintf(path, sizeof path, "%s/gen_site.py", dir);
    FILE *f = fopen(path, "w");
    if (f) fputs(b.data, f), fclose(f);
    mk_buf_free(&b);
    snprintf(path, sizeof path, "%s/week.py", dir);
    f = fopen(path, "w");
    if (f) fputs(k_scipy_week, f), fclose(f);

    int n = site->n_states;
    double *ref = calloc((size_t)n, sizeof *ref), *y = calloc((size_t)n, sizeof *y);
    if (!ref || !y || week_myoknot(site, 1e-11, 1e-15, 1, ref) < 0) return 1;
    const double rtol = 1e-6, atol = 1e-9; /* myoknot's defaults */
    double c_sp = week_scipy(dir, rtol, atol, n, y), e_sp = state_error(y, ref, n);
    if (c_sp < 0) printf("  (SciPy not available: install python3-scipy)\n");
    else printf("  SciPy BDF at rtol %g, atol %g: %.3f s (error %.2g)\n", rtol, atol, c_sp, e_sp);
    /* every solver configuration in the same run, so that the ratios compare */
    static const struct { int jacobian, linsol; const char *name; } configs[] = {
        {MK_JAC_DIFFERENCES, MK_LINSOL_DENSE, "dense LU, finite-difference Jacobian"},
        {MK_JAC_AUTO, MK_LINSOL_DENSE, "dense LU, analytic Jacobian"},
        {MK_JAC_AUTO, MK_LINSOL_KLU, "sparse KLU, analytic Jacobian"},
        {MK_JAC_AUTO, MK_LINSOL_SPLU, "own sparse LU (pivot order kept while it passes the threshold), analytic Jacobian"},
        {MK_JAC_AUTO, MK_LINSOL_AUTO, "the default"},
    };
    for (size_t k = 0; k < sizeof configs / sizeof *configs; k++) {
        g_jacobian = configs[k].jacobian, g_linsol = configs[k].linsol;
        printf("  myoknot, %s:\n", configs[k].name);
        if (c_sp >= 0 && bench_equal(site, c_sp, e_sp, ref, y, rtol, atol)) return 1;
        double c12 = INFINITY;
        for (int r = 0; r < 3; r++) c12 = fmin(c12, week_myoknot(site, rtol, atol, 12, y) * 7.0 / 5.0);
        printf("    CPU per 12-week patient (12 x the work week, the weekend at the rest rate) %.3f s (goal <= 0.12 s)\n",
               c12);
    }
    g_jacobian = MK_JAC_AUTO, g_linsol = MK_LINSOL_AUTO;
    free(ref), free(y);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) != 0;
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

/* `mk_bench week [N]`: only N runs of 12 work weeks with the default solver, for a profiler
 * (perf record ./mk_bench week) */
static int bench_week_only(int n_runs)
{
    const mk_model_abi *site = mk_builtin_find("tp_site");
    double *y = site ? calloc((size_t)site->n_states, sizeof *y) : NULL, best = INFINITY;
    for (int k = 0; y && k < n_runs; k++) best = fmin(best, week_myoknot(site, 1e-6, 1e-9, 12, y));
    if (y) printf("12 work weeks: %.4f s CPU (best), %ld steps, %ld rhs, %ld Jacobians\n", best,
                  g_week_stats.steps, g_week_stats.rhs_evals, g_week_stats.jac_evals);
    free(y);
    return !y;
}

/* The default scenario: CPU time, real-time factor, work per simulated hour, cost of the
 * measurements (proto with them, bare the same protocol without). */
static int bench_default(const mk_model_abi *site, const mk_protocol *proto, const mk_protocol *bare,
                         const mk_anatomy *anat, double *wall)
{
    double wall_bare;
    mk_solver_stats st, st_bare;
    if (time_scenario(site, proto, anat, 3, wall, &st) || time_scenario(site, bare, anat, 3, &wall_bare, &st_bare))
        return 1;
    double hours = proto->duration_s / 3600;
    printf("default scenario '%s' (%s, %.0f h simulated):\n", proto->name, site->name, hours);
    printf("  CPU time (best of 3)                      %10.3f s\n", *wall);
    printf("  simulated time per wall second            %10.3g  (real-time factor)\n", proto->duration_s / *wall);
    printf("  right-hand-side evaluations / sim. hour   %10.1f\n", (double)st.rhs_evals / hours);
    printf("  solver steps / simulated hour             %10.1f\n", (double)st.steps / hours);
    printf("  with measurements / without (%d taken)    %10.3f  (cost of probing copies)\n", proto->n_meas,
           *wall / wall_bare);
    return 0;
}

/* The right-hand side's cost: the site against a trivial model, and the run-time path (translate
 * the built-in's own source, cc -O2, dlopen) against the build's. */
static int bench_rhs(const mk_model_abi *site, const mk_model_abi *trivial)
{
    mk_error err = {0};
    double ns_site = rhs_ns(site, 200000), ns_trivial = rhs_ns(trivial, 2000000);
    printf("\nright-hand side:\n");
    printf("  %-12s %8.1f ns per evaluation (%d states, %d variables)\n", site->name, ns_site, site->n_states, site->n_vars);
    printf("  %-12s %8.1f ns per evaluation\n", trivial->name, ns_trivial);
    printf("  ratio site / trivial                      %10.1f\n", ns_site / ns_trivial);
    mk_model *m = NULL;
    mk_loaded *l = NULL;
    if (mk_model_parse_string("tp_site (source)", site->source, &m, &err) || mk_model_compile(m, NULL, &l, &err))
        return die(&err);
    double ns_rt = rhs_ns(mk_loaded_abi(l), 200000);
    printf("  run-time compiled / built-in              %10.3f  (cc -O2 vs the build's flags)\n", ns_rt / ns_site);
    mk_loaded_free(l);
    mk_model_free(m);
    return 0;
}

/* Referral: a shorter search than `myoknot referral --cv` (4 starts x 200 evaluations per fit)
 * so the bench stays quick; the held-out maps are checked by full simulations.  Locate on the
 * same folds: the posterior costs milliseconds once the folds are fitted. */
static int bench_referral(void)
{
    mk_error err = {0};
    mk_referral_fit_opts fo;
    mk_referral_fit_opts_default(&fo);
    fo.starts = 4;
    fo.max_evals = 200;
    mk_referral_cv_report *cv = NULL;
    if (mk_referral_cv_run(NULL, &fo, 1, &cv, &err)) return die(&err);
    mk_buf b;
    mk_buf_init(&b);
    mk_referral_cv_format(cv, &b);
    mk_locate_cv *lc = NULL;
    if (mk_locate_cv_from(cv, &lc, &err)) {
        mk_buf_free(&b);
        mk_referral_cv_report_free(cv);
        return die(&err);
    }
    mk_buf_puts(&b, "\n");
    mk_locate_cv_format(lc, &b);
    mk_locate_cv_free(lc);
    printf("\n%s", b.failed ? "referral: out of memory\n" : b.data);
    mk_buf_free(&b);
    mk_referral_cv_report_free(cv);
    return 0;
}

int main(int argc, char **argv)
{
    /* `mk_bench check`: only the model-checking part */
    if (argc > 1 && !strcmp(argv[1], "check")) return bench_checks();
    if (argc > 1 && !strcmp(argv[1], "week")) return bench_week_only(argc > 2 ? atoi(argv[2]) : 5);
    /* `mk_bench sites`: only several trigger points in one body */
    if (argc > 1 && !strcmp(argv[1], "sites")) return bench_sites();
    /* `mk_bench scipy`: only the work week against SciPy, every solver configuration */
    if (argc > 1 && !strcmp(argv[1], "scipy")) {
        const mk_model_abi *site = mk_builtin_find("tp_site");
        return site ? bench_scipy(site) : 1;
    }

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
    double wall;
    if (bench_default(site, proto, bare, anat, &wall) || bench_run_split(site, proto, anat, wall, argv[0]))
        return 1;
    if (argc > 1 && !strcmp(argv[1], "run")) return 0; /* `mk_bench run`: only the above */
    if (bench_scipy(site) || bench_rhs(site, trivial) || bench_referral()) return 1;
    printf("\n");
    if (bench_checks()) return 1;
    printf("\n");
    if (bench_sites()) return 1;

    bare->n_meas = proto->n_meas;
    mk_protocol_free(bare);
    mk_protocol_free(proto);
    mk_anatomy_free(anat);
    mk_units_free(u);
    mk_scenario_free(scn);
    return 0;
}
