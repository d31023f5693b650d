/*
 * cmd_sensitivity.c -- myoknot sensitivity: Morris screening of a model's parameters against
 * outputs at the end of a scenario (src/analysis/sensitivity.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analysis/common.h"
#include "analysis/sensitivity.h"
#include "cli/args.h"
#include "cli/cli.h"
#include "protocol/scenario.h"


static const char k_help[] =
    "usage: myoknot sensitivity [SCENARIO.yaml] [--model MODEL] [--outputs LIST]\n"
    "                           [--trajectories R] [--levels P] [--params GLOBS] [--seed S]\n"
    "                           [--set NAME=Q]... [--top N] [--out DIR]\n"
    "\n"
    "Morris screening (elementary effects): which parameters move the outputs at the end of a\n"
    "scenario, over each parameter's plausible range.  A parameter is varied on a log scale\n"
    "when its range is positive and spans more than a factor of 100, linearly otherwise.  R\n"
    "trajectories of k + 1 runs each (k parameters) move one parameter at a time by\n"
    "P/(2(P-1)) of its range; the mean absolute effect mu* ranks them, mu gives the sign and\n"
    "sigma flags interactions and non-linearity.  Effects are in the output's unit per whole\n"
    "plausible range.\n"
    "\n"
    "  SCENARIO.yaml     the scenario (default: the built-in two-week default scenario)\n"
    "  --model MODEL     another model than the scenario names\n"
    "  --outputs LIST    comma-separated (default pain,ppt,stiffness): pain = pain.local at\n"
    "                    the end, ppt = the scenario's last PPT measurement (or an algometer\n"
    "                    ramp at the end if it has none), stiffness = band.stiffness at the\n"
    "                    end, or any state or variable name (its value at the end)\n"
    "  --trajectories R  default 4: R x (k + 1) + 1 runs, 641 for tp_site's 159 parameters,\n"
    "                    about 2 min on the default scenario (0.18 s a run); use 10 or more\n"
    "                    for a stable ranking\n"
    "  --levels P        grid levels, even (default 4)\n"
    "  --params GLOBS    comma-separated globs over parameter names, e.g. 'core.*,noci.*'\n"
    "                    (default all)\n"
    "  --seed S          the design's random seed (default 1): same seed, same design\n"
    "  --set NAME=Q      as for run: a parameter or an input's baseline (screened parameters\n"
    "                    take the design's values); for a cheaper screening pass a shorter\n"
    "                    scenario, e.g. scenarios/desk_day.yaml\n"
    "  --top N           rows printed and bars drawn per output (default 15; the CSV has all)\n"
    "  --out DIR         output directory (default runs/sensitivity-YYYYMMDD-HHMMSS):\n"
    "                    sensitivity.csv, sensitivity.png, summary.txt\n"
    "  --rtol X, --atol X  solver tolerances (default 1e-6, 1e-9)\n"
    "\n"
    "Runs that fail (solver errors at extreme parameter combinations) are counted and their\n"
    "effects left out; the counts are printed.\n";

typedef struct sens_args {
    const char *scenario, *model, *outputs, *params, *out;
    const char *sets[64];
    int n_sets, trajectories, levels, top;
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
    {"--rtol", MK_CLI_VALUE},   {"--atol", MK_CLI_VALUE},
};

static int parse_args(const mk_cli_args *args, sens_args *a)
{
    memset(a, 0, sizeof *a);
    a->trajectories = 4;
    a->levels = 4;
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

static void progress(void *ctx, int done, int total, double elapsed)
{
    (void)ctx;
    double eta = done > 0 ? elapsed / done * (total - done) : 0;
    fprintf(stderr, "\r  run %d/%d, %.0f s elapsed, about %.0f s to go ", done, total, elapsed, eta);
    if (done == total) fputs("\r\033[K", stderr);
    fflush(stderr);
}

static void print_table(const mk_morris_result *r, int o, int top, mk_buf *b)
{
    int *idx = mk_morris_rank(r, o);
    if (!idx) return;
    mk_buf_printf(b, "\n%s: %s [%s]; baseline %.4g\n", r->out_label[o], r->out_name[o], r->out_unit[o], r->base[o]);
    mk_buf_printf(b, "  %4s  %-28s %12s %12s %12s %3s  %-6s  %s\n", "rank", "parameter", "mu*", "mu", "sigma", "n",
                  "scale", "range");
    int n = r->k < top ? r->k : top;
    for (int j = 0; j < n; j++) {
        int i = idx[j];
        size_t at = (size_t)i * (size_t)r->n_out + (size_t)o;
        const mk_morris_factor *f = &r->factor[i];
        const mk_symbol *s = &r->abi->params[f->param];
        mk_buf_printf(b, "  %4d  %-28s %12.4g %12.4g %12.4g %3d  %-6s  %g .. %g %s\n", j + 1, s->name, r->mu_star[at],
                      r->mu[at], r->sigma[at], r->n_ee[at], f->log_scale ? "log" : "linear", f->lo, f->hi, s->unit);
    }
    free(idx);
}

static int sensitivity_main(const sens_args *parsed)
{
    sens_args a = *parsed;
    int rc = 0;
    mk_error err = {0};
    mk_cli_scenario cs;
    mk_morris_result res;
    int have = 0;
    mk_buf text, csv;
    mk_buf_init(&text);
    mk_buf_init(&csv);
    mk_outdir od;
    memset(&od, 0, sizeof od);
    /* the output folder before anything is computed */
    if (mk_cli_outdir_open(&od, a.out, "sensitivity", &mk_outdir_kind_sensitivity)) {
        mk_buf_free(&text);
        mk_buf_free(&csv);
        return 1;
    }
    rc = mk_cli_scenario_open(a.scenario, a.model, a.sets, a.n_sets, 0, &cs);
    if (rc) {
        mk_cli_outdir_abort(&od);
        mk_cli_scenario_close(&cs);
        mk_buf_free(&text);
        mk_buf_free(&csv);
        return rc;
    }
    const mk_protocol *proto = cs.proto;
    const mk_cli_model_ref ref = cs.model;
    mk_anatomy *anat = cs.anat;

    mk_morris_opts mo;
    mk_morris_opts_default(&mo);
    mo.trajectories = a.trajectories;
    mo.levels = a.levels;
    mo.seed = a.seed;
    mo.params = a.params;
    mo.outputs = a.outputs;
    mo.solver.rtol = a.rtol;
    mo.solver.atol = a.atol;
    if (isatty(2)) mo.progress = progress;

    printf("myoknot %s: Morris screening, scenario '%s' (%.4g d), model %s (%s)\n", mk_version(), proto->name,
           proto->duration_s / 86400, ref.abi->name, ref.abi->hash);
    printf("  design: %d trajectories, %d levels, seed %llu, outputs %s, parameters %s\n", a.trajectories, a.levels,
           a.seed, a.outputs ? a.outputs : "pain,ppt,stiffness", a.params ? a.params : "all");
    fflush(stdout);
    if (mk_morris_run(ref.abi, proto, anat, &mo, &res, &err)) {
        rc = mk_cli_report(&err);
        if (err.code == MK_ERR_NAME) rc = EXIT_USAGE; /* an unknown output or parameter name */
        goto done;
    }
    have = 1;
    int nl = 0;
    for (int i = 0; i < res.k; i++) nl += res.factor[i].log_scale;
    mk_buf_printf(&text, "Morris screening of %d parameters (%d on a log scale, %d linear%s), %d trajectories of %d "
                         "levels (delta %.3g of the range), seed %llu\n",
                  res.k, nl, res.k - nl, res.n_skipped ? "; some without a usable range skipped" : "", res.trajectories,
                  res.levels, res.delta, res.seed);
    if (res.n_skipped) mk_buf_printf(&text, "  %d matching parameters have no usable range and were not varied\n", res.n_skipped);
    mk_buf_printf(&text, "scenario '%s', model %s; effects in each output's unit per whole plausible range; n: the\n"
                         "elementary effects behind each row (runs that failed or gave no value are left out)\n",
                  proto->name, ref.abi->name);
    for (int o = 0; o < res.n_out; o++) print_table(&res, o, a.top, &text);
    mk_buf_printf(&text, "\nruns: %d (%d failed and left out) in %.1f s, %.3f s per run, single-threaded\n", res.runs,
                  res.failed, res.wall_s, res.runs ? res.wall_s / res.runs : 0.0);
    if (res.failed) mk_buf_printf(&text, "first failure: %s\n", res.first_failure);
    fwrite(text.data, 1, text.len, stdout);

    char path[8400];
    if (mk_morris_write_csv(&res, &csv, &err) ||
        mk_outdir_write(&od, "sensitivity.csv", csv.data ? csv.data : "", csv.len, &err) ||
        mk_outdir_write(&od, "summary.txt", text.data, text.len, &err) ||
        mk_outdir_path(&od, "sensitivity.png", path, sizeof path, &err) ||
        mk_morris_write_figure(&res, a.top, path, &err)) {
        rc = mk_cli_report(&err);
        goto done;
    }
    if ((rc = mk_cli_outdir_commit(&od))) goto done;
    printf("output: %s (sensitivity.csv, sensitivity.png, summary.txt)\n", od.dir);
done:
    mk_cli_outdir_abort(&od);
    if (have) mk_morris_result_free(&res);
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
