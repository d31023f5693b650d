/*
 * cmd_sensitivity.c -- myoknot sensitivity: Morris screening or Sobol indices of a model's
 * parameters against outputs at the end of a scenario (src/analysis/sensitivity.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"


static const char k_help[] =
    "usage: myoknot sensitivity [SCENARIO.yaml] [--method morris|sobol] [--model MODEL]\n"
    "                           [--outputs LIST] [--params GLOBS] [--jobs N] [--seed S]\n"
    "                           [--trajectories R] [--levels P]     (Morris)\n"
    "                           [--samples N] [--bootstrap B]       (Sobol)\n"
    "                           [--set NAME=Q]... [--top N] [--out DIR]\n"
    "\n"
    "Which parameters move the outputs at the end of a scenario, over each parameter's\n"
    "plausible range.  A parameter is varied on a log scale when its range is positive and\n"
    "spans more than a factor of 100, linearly otherwise.\n"
    "\n"
    "--method morris (the default): screening by elementary effects.  R trajectories of k + 1\n"
    "runs each (k parameters) move one parameter at a time by P/(2(P-1)) of its range; the\n"
    "mean absolute effect mu* ranks them, mu gives the sign and sigma flags interactions and\n"
    "non-linearity.  Effects are in the output's unit per whole plausible range.\n"
    "\n"
    "--method sobol: variance-based indices (Saltelli 2010 sampling on GSL's Sobol sequence):\n"
    "S1, the share of the output's variance a parameter explains alone, and ST, with all its\n"
    "interactions, each with a 95 % bootstrap interval; N (k + 2) + 1 runs.  At most 20\n"
    "parameters (the sequence has 40 dimensions): screen with Morris first, then pass the\n"
    "leading ones with --params.\n"
    "\n"
    "  SCENARIO.yaml     the scenario (default: the built-in two-week default scenario)\n"
    "  --method M        morris (default) or sobol\n"
    "  --model MODEL     another model than the scenario names\n"
    "  --outputs LIST    comma-separated (default pain,ppt,stiffness): pain = pain.local at\n"
    "                    the end, ppt = the scenario's last PPT measurement (or an algometer\n"
    "                    ramp at the end if it has none), stiffness = band.stiffness at the\n"
    "                    end, or any state or variable name (its value at the end)\n"
    "  --params GLOBS    comma-separated globs over parameter names, e.g. 'core.*,noci.*'\n"
    "                    (default all)\n"
    "  --jobs N          worker processes (default: the number of cores); the results are\n"
    "                    the same whatever N\n"
    "  --trajectories R  Morris, default 4: R x (k + 1) + 1 runs, 757 for tp_site's 188\n"
    "                    parameters; a run of the default scenario takes about 0.13 s of\n"
    "                    CPU, so R = 4 is about 100 s of CPU, divided among the jobs on\n"
    "                    idle cores (docs/analysis.md has measured times); use 10 or more\n"
    "                    for a stable ranking\n"
    "  --levels P        Morris grid levels, even (default 4)\n"
    "  --samples N       Sobol base samples (default 256; a power of 2)\n"
    "  --bootstrap B     Sobol bootstrap resamples for the intervals (default 1000)\n"
    "  --seed S          random seed (default 1): Morris's design, Sobol's bootstrap; same\n"
    "                    seed, same result\n"
    "  --set NAME=Q      as for run: a parameter or an input's baseline (varied parameters\n"
    "                    take the design's values); for a cheaper pass use a shorter\n"
    "                    scenario, e.g. scenarios/desk_day.yaml\n"
    "  --top N           rows printed and bars drawn per output (default 15; the CSV has all)\n"
    "  --out DIR         output directory (default runs/sensitivity-YYYYMMDD-HHMMSS):\n"
    "                    sensitivity.csv, sensitivity.png, summary.txt\n"
    "  --rtol X, --atol X  solver tolerances (default 1e-6, 1e-9)\n"
    "\n"
    "Progress: a line with the time to go on a terminal; otherwise (a log) one line per\n"
    "percent of the runs.  Runs that fail (solver errors at extreme parameter combinations)\n"
    "are counted and left out; the counts are printed.\n";

typedef struct sens_args {
    const char *scenario, *model, *outputs, *params, *out;
    const char *sets[64];
    int n_sets, trajectories, levels, top, sobol, samples, bootstrap, jobs;
    unsigned long long seed;
    double rtol, atol;
} sens_args;

static int parse_int(const char *opt, const char *v, long lo, long hi, long *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < lo || n > hi) return mk_cli_usage_error("%s expects %ld .. %ld, found '%s'", opt, lo, hi, v);
    *out = n;
    return 0;
}

static const mk_cli_opt k_opts[] = {
    {"--model", MK_CLI_VALUE},  {"--outputs", MK_CLI_VALUE}, {"--trajectories", MK_CLI_VALUE},
    {"--levels", MK_CLI_VALUE}, {"--params", MK_CLI_VALUE},  {"--seed", MK_CLI_VALUE},
    {"--set", MK_CLI_QUANTITY}, {"--top", MK_CLI_VALUE},     {"--out", MK_CLI_VALUE},
    {"--rtol", MK_CLI_VALUE},   {"--atol", MK_CLI_VALUE},    {"--method", MK_CLI_VALUE},
    {"--samples", MK_CLI_VALUE}, {"--bootstrap", MK_CLI_VALUE}, {"--jobs", MK_CLI_VALUE},
};

static int parse_args(const mk_cli_args *args, sens_args *a)
{
    memset(a, 0, sizeof *a);
    a->trajectories = 4;
    a->levels = 4;
    a->samples = 256;
    a->bootstrap = 1000;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    a->jobs = cores < 1 ? 1 : cores > MK_WORKERS_MAX ? MK_WORKERS_MAX : (int)cores;
    a->top = 15;
    a->seed = 1;
    a->rtol = 1e-6;
    a->atol = 1e-9;
    for (int i = 0; i < args->n; i++) {
        const char *o = args->v[i].opt, *v = args->v[i].value;
        if (!o) {
            if (a->scenario)
                return mk_cli_args_extra(&args->v[i], "'sensitivity' takes one scenario, found '%s' and '%s'", a->scenario, v);
            a->scenario = v;
            continue;
        }
        long n = 0;
        if (!strcmp(o, "--model")) a->model = v;
        else if (!strcmp(o, "--outputs") || !strcmp(o, "--params")) {
            /* an empty list is a slip, not "the defaults" (that would start a long run) */
            if (!v[strspn(v, " ,")]) return mk_cli_usage_error("%s needs at least one name", o);
            *(!strcmp(o, "--outputs") ? &a->outputs : &a->params) = v;
        }
        else if (!strcmp(o, "--out")) a->out = v;
        else if (!strcmp(o, "--method")) {
            if (strcmp(v, "morris") && strcmp(v, "sobol"))
                return mk_cli_usage_error("--method expects morris or sobol, found '%s'", v);
            a->sobol = !strcmp(v, "sobol");
        } else if (!strcmp(o, "--samples")) {
            if (parse_int(o, v, 2, 1 << 20, &n)) return EXIT_USAGE;
            a->samples = (int)n;
        } else if (!strcmp(o, "--bootstrap")) {
            if (parse_int(o, v, 0, 100000, &n)) return EXIT_USAGE;
            a->bootstrap = (int)n;
        } else if (!strcmp(o, "--jobs")) {
            if (parse_int(o, v, 1, MK_WORKERS_MAX, &n)) return EXIT_USAGE;
            a->jobs = (int)n;
        }
        else if (!strcmp(o, "--set")) {
            if (a->n_sets == 64) return mk_cli_usage_error("too many --set options");
            a->sets[a->n_sets++] = v;
        } else if (!strcmp(o, "--trajectories")) {
            if (parse_int(o, v, 1, 1000, &n)) return EXIT_USAGE;
            a->trajectories = (int)n;
        } else if (!strcmp(o, "--levels")) {
            if (parse_int(o, v, 2, 100, &n)) return EXIT_USAGE;
            if (n % 2) return mk_cli_usage_error("--levels must be even, found %ld", n);
            a->levels = (int)n;
        } else if (!strcmp(o, "--top")) {
            if (parse_int(o, v, 1, 1000, &n)) return EXIT_USAGE;
            a->top = (int)n;
        } else if (!strcmp(o, "--seed")) {
            char *end;
            unsigned long long s = strtoull(v, &end, 10);
            if (!*v || *end || v[0] == '-') return mk_cli_usage_error("--seed expects a non-negative integer, found '%s'", v);
            a->seed = s;
        } else {
            char *end;
            double x = strtod(v, &end);
            if (*end || !(x > 0) || !isfinite(x)) return mk_cli_usage_error("%s expects a positive number, found '%s'", o, v);
            if (!strcmp(o, "--rtol")) a->rtol = x;
            else a->atol = x;
        }
    }
    return 0;
}

/* Progress: on a terminal one line rewritten in place; in a log (not a terminal) one line per
 * percent of the runs, so that a long run shows it is alive without flooding the log. */
typedef struct prog {
    int tty, last_pct;
} prog;

static void progress(void *ctx, int done, int total, double elapsed)
{
    prog *pg = ctx;
    double eta = done > 0 ? elapsed / done * (total - done) : 0;
    if (pg->tty) {
        fprintf(stderr, "\r  run %d/%d, %.0f s elapsed, about %.0f s to go ", done, total, elapsed, eta);
        if (done == total) fputs("\r\033[K", stderr);
    } else {
        int pct = total > 0 ? (int)(100.0 * done / total) : 100;
        if (pct == pg->last_pct) return;
        pg->last_pct = pct;
        fprintf(stderr, "sensitivity: %3d %% (%d/%d runs), %.0f s elapsed, about %.0f s to go\n", pct, done, total,
                elapsed, eta);
    }
    fflush(stderr);
}

/* Morris: the tables into text, the files into csv and the figure. */
static int morris(const sens_args *a, const mk_cli_scenario *cs, prog *pg, mk_buf *text, mk_buf *csv, const char *png)
{
    mk_morris_opts mo;
    mk_morris_opts_default(&mo);
    mo.trajectories = a->trajectories;
    mo.levels = a->levels;
    mo.seed = a->seed;
    mo.params = a->params;
    mo.outputs = a->outputs;
    mo.solver.rtol = a->rtol;
    mo.solver.atol = a->atol;
    mo.jobs = a->jobs;
    mo.progress = progress;
    mo.progress_ctx = pg;
    const mk_protocol *proto = cs->proto;
    const mk_model_abi *abi = cs->model.abi;
    printf("myoknot %s: Morris screening, scenario '%s' (%.4g d), model %s (%s)\n", mk_version(), mk_protocol_name(proto),
           mk_protocol_duration_s(proto) / 86400, abi->name, abi->hash);
    printf("  design: %d trajectories, %d levels, seed %llu, outputs %s, parameters %s, %d jobs\n", a->trajectories,
           a->levels, a->seed, a->outputs ? a->outputs : "pain,ppt,stiffness", a->params ? a->params : "all", a->jobs);
    fflush(stdout);
    mk_error err = {0};
    mk_morris_result *res = NULL;
    if (mk_morris_run(abi, proto, cs->anat, &mo, &res, &err)) {
        int rc = mk_cli_report(&err);
        return err.code == MK_ERR_NAME ? EXIT_USAGE : rc; /* an unknown output or parameter name */
    }
    mk_morris_write_text(res, proto, a->top, text);
    int rc = 0;
    if (mk_morris_write_csv(res, csv, &err) || mk_morris_write_figure(res, a->top, png, &err)) rc = mk_cli_report(&err);
    mk_morris_result_free(res);
    return rc;
}

static int sobol(const sens_args *a, const mk_cli_scenario *cs, prog *pg, mk_buf *text, mk_buf *csv, const char *png)
{
    mk_sobol_opts so;
    mk_sobol_opts_default(&so);
    so.samples = a->samples;
    so.bootstrap = a->bootstrap;
    so.seed = a->seed;
    so.params = a->params;
    so.outputs = a->outputs;
    so.solver.rtol = a->rtol;
    so.solver.atol = a->atol;
    so.jobs = a->jobs;
    so.progress = progress;
    so.progress_ctx = pg;
    const mk_protocol *proto = cs->proto;
    const mk_model_abi *abi = cs->model.abi;
    printf("myoknot %s: Sobol indices, scenario '%s' (%.4g d), model %s (%s)\n", mk_version(), mk_protocol_name(proto),
           mk_protocol_duration_s(proto) / 86400, abi->name, abi->hash);
    printf("  design: N = %d base samples, %d bootstrap resamples, seed %llu, outputs %s, parameters %s, %d jobs\n",
           a->samples, a->bootstrap, a->seed, a->outputs ? a->outputs : "pain,ppt,stiffness",
           a->params ? a->params : "all", a->jobs);
    fflush(stdout);
    mk_error err = {0};
    mk_sobol_result *res = NULL;
    if (mk_sobol_run(abi, proto, cs->anat, &so, &res, &err)) {
        int rc = mk_cli_report(&err);
        return err.code == MK_ERR_NAME || err.code == MK_ERR_INVALID ? EXIT_USAGE : rc;
    }
    mk_sobol_write_text(res, proto, a->top, text);
    int rc = 0;
    if (mk_sobol_write_csv(res, csv, &err) || mk_sobol_write_figure(res, a->top, png, &err)) rc = mk_cli_report(&err);
    mk_sobol_result_free(res);
    return rc;
}

static int sensitivity_main(const sens_args *parsed)
{
    sens_args a = *parsed;
    int rc = 0;
    mk_error err = {0};
    mk_cli_scenario cs;
    mk_buf text, csv;
    mk_buf_init(&text);
    mk_buf_init(&csv);
    mk_outdir *od = NULL;
    /* the output folder before anything is computed */
    if (mk_cli_outdir_open(&od, a.out, "sensitivity", &mk_outdir_kind_sensitivity)) {
        mk_buf_free(&text);
        mk_buf_free(&csv);
        return 1;
    }
    rc = mk_cli_scenario_open(a.scenario, a.model, a.sets, a.n_sets, 0, &cs);
    char path[8400];
    if (!rc && mk_outdir_path(od, "sensitivity.png", path, sizeof path, &err)) rc = mk_cli_report(&err);
    if (rc) goto done;
    prog pg = {isatty(2), -1};
    rc = a.sobol ? sobol(&a, &cs, &pg, &text, &csv, path) : morris(&a, &cs, &pg, &text, &csv, path);
    if (rc) goto done;
    fwrite(text.data, 1, text.len, stdout);
    if (mk_outdir_write(od, "sensitivity.csv", csv.data ? csv.data : "", csv.len, &err) ||
        mk_outdir_write(od, "summary.txt", text.data, text.len, &err)) {
        rc = mk_cli_report(&err);
        goto done;
    }
    if ((rc = mk_cli_outdir_commit(od))) goto done;
    printf("output: %s (sensitivity.csv, sensitivity.png, summary.txt)\n", mk_outdir_dir(od));
done:
    mk_cli_outdir_abort(&od);
    mk_cli_scenario_close(&cs);
    mk_buf_free(&text);
    mk_buf_free(&csv);
    return rc;
}

int mk_cli_sensitivity(int argc, char **argv)
{
    if (mk_cli_wants_help(argc, argv)) {
        fputs(k_help, stdout);
        return 0;
    }
    mk_cli_args args;
    sens_args a;
    int rc = mk_cli_args_parse("sensitivity", k_opts, (int)(sizeof k_opts / sizeof *k_opts), argc, argv, &args);
    if (!rc) rc = parse_args(&args, &a);
    if (!rc) rc = sensitivity_main(&a);
    mk_cli_args_free(&args); /* a points into it */
    return rc;
}
