/*
 * cmd_run.c -- myoknot run: a scenario (or the built-in default) against its model, the
 * summary on the terminal and the run directory on disk.
 *
 * A second, quick mode serves model developers: `run --model M --duration Q` integrates a
 * model with constant inputs and prints its states and outputs, no scenario needed.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"

/* The model of the quick mode when none is named. */
#define MK_DEFAULT_MODEL "decay"

/* --examiner: an algometer reading's standard error of measurement on upper-trapezius trigger
 * points, 0.18-0.22 kg/cm2 (women with chronic neck pain, 1-week test-retest; R:Scielo2021 in
 * ../shared/research/neuro-clinical.md 6.3): the middle of that range. */
#define MK_ALGOMETER_SEM "0.2"


static const char k_help[] =
    "usage: myoknot run [SCENARIO.yaml] [--set NAME=Q]... [--params FILE] [--model MODEL] [--out DIR]\n"
    "                   [--strict] [--examiner] [--every Q] [--wide] [--hdf5] [--forecast N]\n"
    "                   [--rtol X] [--atol X]\n"
    "       myoknot run --model MODEL --duration Q [--every Q] [--set NAME=Q]...\n"
    "                   [--input NAME=Q]... [--csv FILE]\n"
    "\n"
    "The first form runs a scenario (docs/scenarios.md); without one, the built-in default:\n"
    "two weeks at the desk (5 % MVC under work stress) in which a knot may form -- the model\n"
    "decides; with its sourced parameters the site becomes tender, not spontaneously painful --\n"
    "with a course of ischaemic compression in week 2.  It prints a summary (pain, threshold,\n"
    "stiffness, PO2, pH over time, what changed and why) and writes a run directory:\n"
    "series.csv, measurements.csv, manifest.json, figures and report.html.\n"
    "\n"
    "  SCENARIO.yaml    the scenario file\n"
    "  --set NAME=Q     override a parameter, an input's baseline, or duration, output_every,\n"
    "                   seed, e.g. --set 'core.k=0.2 1/s'\n"
    "  --model MODEL    use another model than the scenario names (a built-in or a .myo file)\n"
    "  --params FILE    parameters from a file: 'parameters:' with 'component.name: value unit'\n"
    "                   entries, as myoknot fit writes them (params.yaml); --set comes after\n"
    "  --forecast N     with --params: also N runs with parameters drawn from the file's\n"
    "                   'covariance:' (the fit's uncertainty), seeded by the scenario's seed;\n"
    "                   forecast.csv (median, 5 %, 95 % of each measurement) and\n"
    "                   fig_forecast.png in the run directory (docs/fit.md)\n"
    "  --out DIR        the run directory (default runs/NAME-YYYYMMDD-HHMMSS)\n"
    "  --strict         parameter values outside their plausible range are errors\n"
    "  --examiner       PPT readings as a real examiner takes them: the model's threshold plus a\n"
    "                   normal error of SD 0.2 kg/cm2 (algometer test-retest SEM), drawn from the\n"
    "                   scenario's seed (--set seed=N); off by default.  The same as\n"
    "                   --set 'examiner.algometer_sem=0.2 kg/cm2' (docs/scenarios.md)\n"
    "  --every Q        series.csv (and series.h5) keep only the rows at multiples of Q, and the\n"
    "                   last: Q a multiple of the scenario's output interval, so the rows kept\n"
    "                   are the run's own, unchanged (e.g. '1 h'; figures still draw every row)\n"
    "  --wide           series.csv with one column per variable ('name [unit]') after t_s, day\n"
    "                   and clock, instead of one line per time and variable (docs/output.md)\n"
    "  --hdf5           also series.h5: the same rows, names and units with the run's\n"
    "                   provenance (version, model hash, scenario text, parameters, seed,\n"
    "                   compiler flags) as attributes, for long runs\n"
    "\n"
    "The second form integrates MODEL with constant inputs and prints its states and outputs\n"
    "(default model: " MK_DEFAULT_MODEL "):\n"
    "\n"
    "  --duration Q     simulated time, a quantity with a unit: '90 s', '2 h' (default 10 s)\n"
    "  --every Q        output interval (default: a tenth of the duration)\n"
    "  --set NAME=Q     override a parameter, e.g. --set 'pool.k=0.2 1/s' (converted to the\n"
    "                   parameter's unit; a warning if outside its plausible range)\n"
    "  --input NAME=Q   hold an input constant, e.g. --input 'pool.inflow=0.1 mM/s'\n"
    "  --csv FILE       also write the table as CSV (units in the header)\n"
    "  --rtol X, --atol X  solver tolerances (default 1e-6, 1e-9)\n";

typedef struct run_opts {
    const char *model;
    const char *duration, *every, *csv;
    const char *scenario, *out;
    const char *sets[64], *inputs[64];
    int n_sets, n_inputs, strict, quick;
    int examiner;                   /* --examiner: PPT readings with an algometer's error */
    int forecast;                   /* --forecast N: draws from the parameter file's covariance */
    int wide, hdf5;                 /* --wide, --hdf5: the run directory's data files */
    const char *params_file;        /* --params: a fitted parameter file (myoknot fit) */
    const char *const *set_list;    /* what the scenario is compiled with: the file's, then --set */
    int n_set_list;
    double rtol, atol;
} run_opts;

static const mk_cli_opt k_opts[] = {
    {"--model", MK_CLI_VALUE},       {"--duration", MK_CLI_QUANTITY}, {"--every", MK_CLI_QUANTITY},
    {"--set", MK_CLI_QUANTITY},      {"--input", MK_CLI_QUANTITY},    {"--csv", MK_CLI_VALUE},
    {"--rtol", MK_CLI_VALUE},        {"--atol", MK_CLI_VALUE},        {"--out", MK_CLI_VALUE},
    {"--params", MK_CLI_VALUE},      {"--strict", MK_CLI_FLAG},       {"--examiner", MK_CLI_FLAG},
    {"--wide", MK_CLI_FLAG},         {"--hdf5", MK_CLI_FLAG},
    {"--forecast", MK_CLI_VALUE},
};

static int parse_args(const mk_cli_args *args, run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->rtol = 1e-6;
    o->atol = 1e-9;
    for (int i = 0; i < args->n; i++) {
        const char *a = args->v[i].opt, *v = args->v[i].value;
        if (!a) {
            if (o->scenario)
                return mk_cli_args_extra(&args->v[i], "'run' takes one scenario, found '%s' and '%s'", o->scenario, v);
            o->scenario = v;
            continue;
        }
        if (!strcmp(a, "--strict")) o->strict = 1;
        else if (!strcmp(a, "--examiner")) o->examiner = 1;
        else if (!strcmp(a, "--wide")) o->wide = 1;
        else if (!strcmp(a, "--hdf5")) o->hdf5 = 1;
        else if (!strcmp(a, "--model")) o->model = v;
        else if (!strcmp(a, "--duration")) o->duration = v;
        else if (!strcmp(a, "--every")) o->every = v;
        else if (!strcmp(a, "--csv")) o->csv = v;
        else if (!strcmp(a, "--out")) o->out = v;
        else if (!strcmp(a, "--params")) o->params_file = v;
        else if (!strcmp(a, "--forecast")) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || end == v || n < 1 || n > MK_FORECAST_MAX_DRAWS)
                return mk_cli_usage_error("--forecast expects a number of draws 1 .. %d, found '%s'", MK_FORECAST_MAX_DRAWS, v);
            o->forecast = (int)n;
        }
        else if (!strcmp(a, "--set") || !strcmp(a, "--input")) {
            int is_set = !strcmp(a, "--set");
            int *n = is_set ? &o->n_sets : &o->n_inputs;
            if (*n == 64) return mk_cli_usage_error("too many %s options", a);
            (is_set ? o->sets : o->inputs)[(*n)++] = v;
        } else {
            char *end;
            double x = strtod(v, &end);
            if (*end || !(x > 0) || !isfinite(x))
                return mk_cli_usage_error("%s expects a positive number, found '%s'", a, v);
            *(!strcmp(a, "--rtol") ? &o->rtol : &o->atol) = x;
        }
    }
    /* the quick mode: constant inputs, no scenario */
    o->quick = !o->scenario && (o->duration || o->n_inputs || o->csv);
    if (o->quick) {
        if (o->out || o->strict || o->params_file || o->examiner || o->wide || o->hdf5 || o->forecast)
            return mk_cli_usage_error("--out, --strict, --params, --examiner, --wide, --hdf5 and --forecast need a scenario");
        if (!o->model) o->model = MK_DEFAULT_MODEL;
        if (!o->duration) o->duration = "10 s";
    } else if (o->n_inputs || o->csv) {
        return mk_cli_usage_error("--input and --csv belong to the quick mode (no scenario); "
                                  "a scenario sets inputs in its timeline");
    }
    if (o->forecast && !o->params_file)
        return mk_cli_usage_error("--forecast needs --params FILE with a 'covariance:' block (myoknot fit writes one)");
    return 0;
}

static int parse_time(mk_units *u, const char *what, const char *text, double *out_s)
{
    mk_error err = {0};
    if (mk_units_convert_quantity(u, text, "s", out_s, &err))
        return mk_cli_usage_error("%s '%s': %s", what, text, err.message);
    if (!(*out_s > 0) || !isfinite(*out_s))
        return mk_cli_usage_error("%s must be positive and finite, found '%s'", what, text);
    return 0;
}

/* NAME=QUANTITY for a parameter (--set) or input (--input): index and value in its unit. */
static int parse_assignment(mk_units *u, const mk_model_abi *abi, mk_symbol_kind kind,
                            const char *text, int *index, double *value)
{
    const char *eq = strchr(text, '=');
    const char *what = kind == MK_SYM_PARAM ? "--set" : "--input";
    if (!eq) return mk_cli_usage_error("%s expects NAME=VALUE UNIT, found '%s'", what, text);
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)(eq - text), text);
    *index = mk_abi_find(abi, kind, name);
    if (*index < 0)
        return mk_cli_usage_error("%s: model '%s' has no %s '%s' (see myoknot model show %s)",
                                  what, abi->name, kind == MK_SYM_PARAM ? "parameter" : "input",
                                  name, abi->name);
    const mk_symbol *s = kind == MK_SYM_PARAM ? &abi->params[*index] : &abi->inputs[*index];
    mk_error err = {0};
    if (mk_units_convert_quantity(u, eq + 1, s->unit, value, &err))
        return mk_cli_usage_error("%s %s: %s", what, name, err.message);
    if (kind == MK_SYM_PARAM && (*value < s->lo || *value > s->hi))
        fprintf(stderr, "myoknot: warning: %s = %g %s is outside its plausible range %g .. %g (%s)\n",
                name, *value, s->unit, s->lo, s->hi, s->source);
    return 0;
}

static void row(mk_buf *b, const mk_model_abi *abi, double t, const double *y, const double *v,
                int csv)
{
    mk_buf_printf(b, csv ? "%.10g" : "%10.4g", t);
    for (int i = 0; i < abi->n_states; i++) mk_buf_printf(b, csv ? ",%.10g" : " %14.6g", y[i]);
    for (int i = 0; i < abi->n_vars; i++)
        if (abi->vars[i].is_output) mk_buf_printf(b, csv ? ",%.10g" : " %14.6g", v[i]);
    mk_buf_puts(b, "\n");
}

static void header(mk_buf *b, const mk_model_abi *abi, int csv)
{
    if (csv) mk_buf_puts(b, "t [s]");
    else mk_buf_printf(b, "%10s", "t [s]");
    for (int k = 0; k < 2; k++) {
        int n = k ? abi->n_vars : abi->n_states;
        for (int i = 0; i < n; i++) {
            const mk_symbol *s = k ? &abi->vars[i] : &abi->states[i];
            if (k && !s->is_output) continue;
            char col[200];
            snprintf(col, sizeof col, "%s [%s]", s->name, s->unit);
            if (csv) mk_buf_printf(b, ",%s", col);
            else mk_buf_printf(b, " %14s", col);
        }
    }
    mk_buf_puts(b, "\n");
}

/* The quick mode's two tables, filled row by row. */
typedef struct quick_tables {
    const mk_model_abi *abi;
    mk_buf table, csv;
} quick_tables;

static void quick_row(void *ctx, double t_s, const double *y, const double *v)
{
    quick_tables *q = ctx;
    row(&q->table, q->abi, t_s, y, v, 0);
    row(&q->csv, q->abi, t_s, y, v, 1);
}

/* --set and --input assignments onto the solver. */
static int apply_assignments(const run_opts *o, mk_units *u, const mk_model_abi *abi, mk_solver *s)
{
    mk_error err = {0};
    for (int k = 0; k < 2; k++) {
        int n = k ? o->n_inputs : o->n_sets;
        for (int i = 0; i < n; i++) {
            int idx = -1;
            double val = 0.0;
            mk_symbol_kind kind = k ? MK_SYM_INPUT : MK_SYM_PARAM;
            int rc = parse_assignment(u, abi, kind, (k ? o->inputs : o->sets)[i], &idx, &val);
            if (rc) return rc;
            if (k ? mk_solver_set_input(s, idx, val, &err) : mk_solver_set_param(s, idx, val, &err)) return mk_cli_report(&err);
        }
    }
    return 0;
}

/* The quick mode: parse, one library call (mk_solver_sample), print. */
static int simulate(const run_opts *o, mk_units *u, const mk_model_abi *abi)
{
    double duration, every;
    if (parse_time(u, "--duration", o->duration, &duration)) return EXIT_USAGE;
    if (o->every) {
        if (parse_time(u, "--every", o->every, &every)) return EXIT_USAGE;
    } else {
        every = duration / 10;
    }
    mk_solver_opts so;
    mk_solver_opts_default(&so);
    so.rtol = o->rtol;
    so.atol = o->atol;
    mk_solver *s = NULL;
    mk_error err = {0};
    if (mk_solver_new(abi, &so, &s, &err)) return mk_cli_report(&err);
    quick_tables q = {.abi = abi};
    mk_buf_init(&q.table);
    mk_buf_init(&q.csv);
    int rc = apply_assignments(o, u, abi, s);
    if (!rc) {
        mk_buf_printf(&q.table, "model %s (%s), %g s simulated, output every %g s\n\n", abi->name, abi->hash, duration, every);
        header(&q.table, abi, 0);
        header(&q.csv, abi, 1);
        if (mk_solver_sample(s, duration, every, quick_row, &q, &err))
            rc = err.origin == MK_ORIGIN_ARGUMENT ? mk_cli_usage_error("--duration/--every: %s", err.message) : mk_cli_report(&err);
    }
    if (!rc) {
        mk_solver_stats st;
        mk_solver_get_stats(s, &st);
        mk_buf_printf(&q.table, "\nsolver: CVODE BDF, %ld steps, %ld right-hand-side evaluations, "
                                "%ld error-test failures\n", st.steps, st.rhs_evals, st.err_test_fails);
        fwrite(q.table.data, 1, q.table.len, stdout);
        if (o->csv && mk_cli_write_atomic(o->csv, q.csv.data, q.csv.len, &err)) rc = mk_cli_report(&err);
        else if (o->csv) printf("table written to %s\n", o->csv);
    }
    mk_buf_free(&q.table);
    mk_buf_free(&q.csv);
    mk_solver_free(s);
    return rc;
}

/* ---------------------------------------------------------------- scenario mode */

static void progress(void *ctx, double t_s, double t_end_s)
{
    int *last = ctx;
    int pct = (int)(100 * t_s / t_end_s);
    if (pct == *last) return;
    *last = pct;
    int bar = pct / 4;
    fprintf(stderr, "\r  [%.*s%*s] %3d%%  t = %.4g h ", bar, "=========================", 25 - bar, "",
            pct, t_s / 3600);
    if (pct >= 100) fputs("\r\033[K", stderr);
    fflush(stderr);
}

/* forecast.csv and fig_forecast.png into the run directory (before it is committed). */
static mk_status write_forecast(const run_opts *o, const mk_cli_scenario *cs, const mk_sim_opts *so, mk_outdir *od,
                                mk_error *err)
{
    mk_forecast_opts fo;
    mk_forecast_opts_default(&fo);
    fo.n = o->forecast;
    fo.sim = *so;
    fo.sim.progress = NULL;
    mk_forecast f;
    mk_status st = mk_forecast_run(cs->study, o->params_file, &fo, &f, err);
    if (st) return st;
    mk_buf csv;
    mk_buf_init(&csv);
    st = mk_forecast_csv(&f, &csv, err);
    char path[4096], title[512];
    snprintf(title, sizeof title, "%s: what the fit's uncertainty means for each measurement (5-95 %% of %d "
             "parameter draws, %d failed); the fitted values (dashed) lie inside", mk_protocol_name(cs->proto), f.draws,
             f.failed);
    if (!st) st = mk_outdir_write(od, "forecast.csv", csv.data, csv.len, err);
    if (!st && f.n_rows && !(st = mk_outdir_path(od, "fig_forecast.png", path, sizeof path, err)))
        st = mk_forecast_write_figure(&f, title, path, err);
    if (!st)
        printf("forecast: %d draws of %d parameters (%d failed), %d measurements: forecast.csv, fig_forecast.png\n",
               f.draws, f.k, f.failed, f.n_rows);
    mk_buf_free(&csv);
    mk_forecast_free(&f);
    return st;
}

static int run_scenario(const run_opts *o)
{
    mk_error err = {0};
    mk_cli_scenario cs;
    mk_result *res = NULL;
    mk_outdir *od = NULL;
    /* the output folder first: a bad --out must not cost the whole simulation */
    if (o->out && mk_cli_outdir_open(&od, o->out, NULL, &mk_rundir_kind)) return 1;
    int rc = mk_cli_scenario_open(o->scenario, o->model, o->set_list, o->n_set_list, o->strict, &cs);
    if (!rc && !o->out) rc = mk_cli_outdir_open(&od, NULL, mk_protocol_name(cs.proto), &mk_rundir_kind);
    if (rc) {
        mk_cli_outdir_abort(&od);
        mk_cli_scenario_close(&cs);
        return rc;
    }
    const mk_protocol *proto = cs.proto;
    const mk_model_abi *abi = cs.model.abi;
    mk_rundir_opts ro = {.wide = o->wide, .hdf5 = o->hdf5};
    /* --every is checked against the scenario's output interval before the simulation */
    if (o->every && (parse_time(cs.units, "--every", o->every, &ro.every_s) || mk_protocol_check_every(proto, ro.every_s, &err))) {
        rc = err.message[0] ? mk_cli_usage_error("--every %s: %s", o->every, err.message) : EXIT_USAGE;
        goto done;
    }
    mk_sim_opts so;
    mk_sim_opts_default(&so);
    so.solver.rtol = o->rtol;
    so.solver.atol = o->atol;
    int last_pct = -1;
    if (isatty(2)) {
        so.progress = progress;
        so.progress_ctx = &last_pct;
    }
    printf("myoknot %s: scenario '%s', model %s (%s), site %s (%s side)\n", mk_version(),
           mk_protocol_name(proto), abi->name, abi->hash, mk_protocol_muscle(proto),
           mk_protocol_side(proto)[0] == 'l' ? "left" : "right");
    fflush(stdout);
    if (mk_study_run(cs.study, &so, &res, &err) || mk_result_write_rundir_opts(res, od, &ro, &err) ||
        (o->forecast && write_forecast(o, &cs, &so, od, &err))) {
        rc = mk_cli_report(&err);
        goto done;
    }
    if ((rc = mk_cli_outdir_commit(od))) goto done;
    mk_solver_stats st;
    mk_result_stats(res, &st);
    printf("\n%s\nsolver: %ld steps, %ld right-hand-side evaluations, %.2f s wall time for %.4g h simulated\n",
           mk_result_summary(res), st.steps, st.rhs_evals, mk_result_wall_s(res),
           mk_protocol_duration_s(proto) / 3600);
    printf("run directory: %s (report.html, series.csv, manifest.json, figures)\n", mk_outdir_dir(od));
done:
    mk_cli_outdir_abort(&od); /* nothing left to do after a commit */
    mk_result_free(res);
    mk_cli_scenario_close(&cs);
    return rc;
}

static int run_parsed(const run_opts *o_in)
{
    run_opts o = *o_in;
    int rc = 0;
    if (!o.quick) {
        /* --params FILE: its entries are --set options that come before the command line's;
         * --examiner is one too (the sourced algometer error), which a --set may change */
        char *file_sets[256];
        const char *all[256 + 1 + 64];
        int n_file = 0, n = 0;
        if (o.params_file) rc = mk_cli_params_file(o.params_file, file_sets, &n_file, 256);
        for (int i = 0; i < n_file; i++) all[n++] = file_sets[i];
        if (o.examiner) all[n++] = "examiner.algometer_sem=" MK_ALGOMETER_SEM " kg/cm2";
        for (int i = 0; i < o.n_sets; i++) all[n++] = o.sets[i];
        o.set_list = all, o.n_set_list = n;
        if (!rc) rc = run_scenario(&o);
        for (int i = 0; i < n_file; i++) free(file_sets[i]);
        return rc;
    }
    if (o.csv && mk_cli_check_output_file(o.csv)) return 1;
    mk_units *u = NULL;
    mk_error err = {0};
    if (mk_units_new(&u, &err)) return mk_cli_report(&err);
    mk_cli_model_ref ref;
    rc = mk_cli_open_model(o.model, 1, &ref);
    if (!rc) rc = simulate(&o, u, ref.abi);
    mk_cli_close_model(&ref);
    mk_units_free(u);
    return rc;
}

int mk_cli_run(int argc, char **argv)
{
    if (mk_cli_wants_help(argc, argv)) {
        fputs(k_help, stdout);
        return 0;
    }
    run_opts o;
    mk_cli_args args;
    int rc = mk_cli_args_parse("run", k_opts, (int)(sizeof k_opts / sizeof *k_opts), argc, argv, &args);
    if (!rc) rc = parse_args(&args, &o);
    if (!rc) rc = run_parsed(&o);
    mk_cli_args_free(&args); /* o points into it */
    return rc;
}
