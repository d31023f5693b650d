/*
 * cmd_fit.c -- myoknot fit: estimate parameters against the calibration targets, or against a
 * patient's measurements (src/analysis/fit.h, docs/fit.md).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"

static const char k_help[] =
    "usage: myoknot fit [--model MODEL] [--params GLOBS] [--log] [--targets GLOBS] [--dir DIR]\n"
    "                   [--seed S] [--design N] [--starts S] [--evals N] [--jobs N] [--out DIR]\n"
    "       myoknot fit --data VISITS.csv --scenario PATIENT.yaml [--model MODEL] [--params GLOBS] ...\n"
    "\n"
    "Estimates parameters, each within its plausible range, by minimising the sum of squared\n"
    "standardized misses (docs/fit.md): each calibration target's miss in units of its\n"
    "published uncertainty, or each measurement's miss in units of its SD.  A global stage (a\n"
    "Latin-hypercube design, the model's own values included) is followed by a local polish\n"
    "(NLopt BOBYQA) from the best design points, in parallel worker processes; then the\n"
    "Jacobian at the optimum tells which parameters the data pin down.\n"
    "\n"
    "  --model MODEL     a built-in model or a .myo file (default tp_site; with --data, the\n"
    "                    scenario's model)\n"
    "  --params GLOBS    comma-separated globs over parameter names (default: every parameter\n"
    "                    whose source says 'assumed')\n"
    "  --log             every positive parameter in log space (default: those whose range\n"
    "                    spans more than a factor of 10)\n"
    "  --targets GLOBS   calibration targets by name (default: all of them); a validation\n"
    "                    target is refused: fitting to it would make its pass circular\n"
    "  --dir DIR         the targets' folder (default data/validation)\n"
    "  --data FILE       a patient's measurements: CSV time,variable,value,sd (time with its\n"
    "                    unit; variable a measurement label of the scenario or a state,\n"
    "                    variable or input); needs --scenario, the protocol they came from\n"
    "  --seed S          the design's seed (default 1): same seed, same result\n"
    "  --design N        points of the global design (default 8 + 4 x parameters)\n"
    "  --starts S        local polishes from the best design points (default 4)\n"
    "  --evals N         evaluations per polish (default 20 + 10 x parameters)\n"
    "  --jobs N          worker processes (default: the number of cores)\n"
    "  --out DIR         output folder (default runs/fit-YYYYMMDD-HHMMSS): params.yaml (for\n"
    "                    'myoknot run --params'), objective.png, history.csv, residuals.csv,\n"
    "                    identifiability.csv, correlation.csv, fit.txt\n";

typedef struct fit_args {
    const char *model, *params, *targets, *dir, *data, *scenario, *out;
    int log, design, starts, evals, jobs;
    unsigned long long seed;
    char dir_buf[4096], data_buf[4096]; /* found under a data root (mk_cli_data_path) */
} fit_args;

static int parse_int(const char *opt, const char *v, long lo, long hi, int *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < lo || n > hi) return mk_cli_usage_error("%s expects %ld .. %ld, found '%s'", opt, lo, hi, v);
    *out = (int)n;
    return 0;
}

static const mk_cli_opt k_opts[] = {
    {"--model", MK_CLI_VALUE}, {"--params", MK_CLI_VALUE}, {"--targets", MK_CLI_VALUE}, {"--dir", MK_CLI_VALUE},
    {"--data", MK_CLI_VALUE},  {"--scenario", MK_CLI_VALUE}, {"--out", MK_CLI_VALUE},   {"--seed", MK_CLI_VALUE},
    {"--design", MK_CLI_VALUE}, {"--starts", MK_CLI_VALUE}, {"--evals", MK_CLI_VALUE},  {"--jobs", MK_CLI_VALUE},
    {"--log", MK_CLI_FLAG},
};

static int parse_args(const mk_cli_args *args, fit_args *a)
{
    memset(a, 0, sizeof *a);
    a->dir = "data/validation";
    a->seed = 1;
    a->starts = 4;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    a->jobs = cores < 1 ? 1 : cores > MK_FIT_MAX_JOBS ? MK_FIT_MAX_JOBS : (int)cores;
    for (int i = 0; i < args->n; i++) {
        const char *o = args->v[i].opt, *v = args->v[i].value;
        if (!o) return mk_cli_args_extra(&args->v[i], "unknown argument '%s' for 'fit' (see myoknot fit --help)", v);
        if (!strcmp(o, "--log")) {
            a->log = 1;
            continue;
        }
        int rc = 0;
        if (!strcmp(o, "--model")) a->model = v;
        else if (!strcmp(o, "--params")) a->params = v;
        else if (!strcmp(o, "--targets")) a->targets = v;
        else if (!strcmp(o, "--dir")) a->dir = v;
        else if (!strcmp(o, "--data")) a->data = v;
        else if (!strcmp(o, "--scenario")) a->scenario = v;
        else if (!strcmp(o, "--out")) a->out = v;
        else if (!strcmp(o, "--design")) rc = parse_int(o, v, 2, 100000, &a->design);
        else if (!strcmp(o, "--starts")) rc = parse_int(o, v, 1, 1000, &a->starts);
        else if (!strcmp(o, "--evals")) rc = parse_int(o, v, 1, 1000000, &a->evals);
        else if (!strcmp(o, "--jobs")) rc = parse_int(o, v, 1, MK_FIT_MAX_JOBS, &a->jobs);
        else {
            char *end;
            unsigned long long s = strtoull(v, &end, 10);
            if (!*v || *end || v[0] == '-') return mk_cli_usage_error("--seed expects a non-negative integer, found '%s'", v);
            a->seed = s;
        }
        if (rc) return rc;
        if ((!strcmp(o, "--params") || !strcmp(o, "--targets")) && !v[strspn(v, " ,")])
            return mk_cli_usage_error("%s needs at least one name", o);
    }
    if (!a->data != !a->scenario) return mk_cli_usage_error("--data and --scenario go together (a patient's measurements and the protocol they came from)");
    if (a->data && a->targets) return mk_cli_usage_error("--targets fits the calibration targets; --data fits a patient's measurements: choose one");
    a->dir = mk_cli_data_path(a->dir, a->dir_buf, sizeof a->dir_buf);
    a->data = mk_cli_data_path(a->data, a->data_buf, sizeof a->data_buf);
    return 0;
}

/* ---------------------------------------------------------------- choosing the targets */

/* The targets of --dir that --targets names (all calibration targets by default); the
 * library refuses a validation target among those named. */
static int load_targets(const fit_args *a, mk_fit_targets **ts)
{
    mk_error e = {0};
    if (!mk_fit_targets_load(a->dir, a->targets, ts, &e)) return 0;
    if (e.origin != MK_ORIGIN_ARGUMENT) return mk_cli_report(&e);
    if (e.code == MK_ERR_IO) return mk_cli_usage_error("%s (--dir)", e.message);
    return mk_cli_usage_error("%s%s", e.code == MK_ERR_NAME ? "--targets: " : "", e.message);
}

/* ---------------------------------------------------------------- progress */

typedef struct prog {
    int tty, last_pct;
    double t0;
} prog;

static const char *stage_name(mk_fit_stage s)
{
    return s == MK_FIT_DESIGN ? "design" : s == MK_FIT_POLISH ? "polish" : "jacobian";
}

/* A line per improvement on a terminal; in a log, a line per percent of each stage. */
static void on_progress(void *ctx, mk_fit_stage stage, int done, int total, double best, int improved)
{
    prog *p = ctx;
    int pct = total > 0 ? 100 * done / total : 100;
    if (done == 1) p->last_pct = -1;
    if (p->tty ? (improved && stage != MK_FIT_JACOBIAN) : pct != p->last_pct)
        fprintf(stderr, "  %-8s %5d/%-5d %6.0f s  best objective %.6g%s\n", stage_name(stage), done, total, mk_cli_now_s() - p->t0,
                best, p->tty ? "" : "");
    p->last_pct = pct;
}

/* ---------------------------------------------------------------- outputs */

/* The fit's numbers, copied out of the library's result through its accessors, for the tables
 * below; res is the result itself (the covariance, the history figure). */
typedef struct fit_view {
    const mk_fit_result *res;
    int k, n_res, n_hist, n_design, starts, failed_evals, n_sv, jobs;
    double f0, f, wall_s;
    double *x0, *x, *r0, *r, *hist, *se_u, *corr, *sv;
    int *polish_len, *identifiable;
    const char **why;
} fit_view;

static void view_free(fit_view *v)
{
    free(v->x0), free(v->x), free(v->r0), free(v->r), free(v->hist), free(v->se_u), free(v->corr), free(v->sv);
    free(v->polish_len), free(v->identifiable), free(v->why);
    memset(v, 0, sizeof *v);
}

static int view_open(fit_view *v, const mk_fit_result *res)
{
    mk_fit_summary s;
    mk_fit_result_summary(res, &s);
    *v = (fit_view){.res = res, .k = s.k, .n_res = s.n_res, .n_hist = s.n_hist, .n_design = s.n_design,
                    .starts = s.starts, .failed_evals = s.failed_evals, .n_sv = s.n_sv, .jobs = s.jobs,
                    .f0 = s.f0, .f = s.f, .wall_s = s.wall_s};
    size_t k = (size_t)s.k + 1, n = (size_t)s.n_res + 1;
    v->x0 = mk_malloc(sizeof *v->x0 * k), v->x = mk_malloc(sizeof *v->x * k), v->se_u = mk_malloc(sizeof *v->se_u * k);
    v->r0 = mk_malloc(sizeof *v->r0 * n), v->r = mk_malloc(sizeof *v->r * n);
    v->hist = mk_malloc(sizeof *v->hist * ((size_t)s.n_hist + 1));
    v->corr = mk_malloc(sizeof *v->corr * k * k), v->sv = mk_malloc(sizeof *v->sv * ((size_t)s.n_sv + 1));
    v->polish_len = mk_malloc(sizeof *v->polish_len * ((size_t)s.starts + 1));
    v->identifiable = mk_malloc(sizeof *v->identifiable * k), v->why = mk_malloc(sizeof *v->why * k);
    if (!v->x0 || !v->x || !v->se_u || !v->r0 || !v->r || !v->hist || !v->corr || !v->sv || !v->polish_len ||
        !v->identifiable || !v->why) {
        view_free(v);
        fprintf(stderr, "myoknot: error: out of memory\n");
        return 1;
    }
    mk_fit_result_values(res, v->x0, v->x, NULL, NULL);
    mk_fit_result_residuals(res, v->r0, v->r);
    mk_fit_result_history(res, v->hist, v->polish_len);
    mk_fit_result_identifiability(res, v->se_u, v->identifiable, v->corr, NULL, v->sv);
    for (int j = 0; j < s.k; j++) v->why[j] = mk_fit_result_why(res, j);
    return 0;
}

/* The Laplace covariance for `run --forecast` (docs/fit.md): in the fitted coordinates, ln of
 * the value for a log-scale parameter, the value in its declared unit otherwise. */
static void write_covariance_yaml(mk_buf *b, const mk_model_abi *abi, const mk_fit_param *p, const fit_view *r)
{
    int k = r->k;
    double *cov = mk_malloc(sizeof *cov * (size_t)k * (size_t)k);
    if (!cov) {
        b->failed = 1;
        return;
    }
    mk_fit_covariance(p, r->res, cov);
    mk_buf_printf(b, "# the Laplace approximation at the optimum: the Fisher information's pseudo-inverse;\n"
                     "# a parameter the data do not determine: uniform over its range, uncorrelated\n");
    mk_buf_printf(b, "covariance:\n  parameters: [");
    for (int j = 0; j < k; j++) mk_buf_printf(b, "%s%s", j ? ", " : "", abi->params[p[j].param].name);
    mk_buf_printf(b, "]\n  space: [");
    for (int j = 0; j < k; j++) mk_buf_printf(b, "%s%s", j ? ", " : "", p[j].log_scale ? "log" : "linear");
    mk_buf_printf(b, "]\n  matrix:\n");
    for (int i = 0; i < k; i++) {
        mk_buf_printf(b, "    - [");
        for (int j = 0; j < k; j++) mk_buf_printf(b, "%s%.10g", j ? ", " : "", cov[(size_t)i * (size_t)k + (size_t)j]);
        mk_buf_printf(b, "]\n");
    }
    free(cov);
}

static void write_params_yaml(mk_buf *b, const fit_args *a, const mk_model_abi *abi, const mk_fit_param *p,
                              const fit_view *r)
{
    time_t tn = time(NULL);
    struct tm tm;
    char stamp[64];
    localtime_r(&tn, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M", &tm);
    mk_buf_printf(b, "# myoknot fit %s: model %s (hash %s), %s, seed %llu\n", mk_version(), abi->name, abi->hash, stamp, a->seed);
    if (a->data) mk_buf_printf(b, "# a personal parameter set: %s with scenario %s\n", a->data, a->scenario);
    else mk_buf_printf(b, "# calibration targets of %s%s%s\n", a->dir, a->targets ? ": " : "", a->targets ? a->targets : "");
    mk_buf_printf(b, "# objective (sum of squared standardized misses) %.6g before, %.6g after\n", r->f0, r->f);
    mk_buf_printf(b, "# use: myoknot run SCENARIO.yaml --params THIS_FILE (docs/fit.md)\n");
    mk_buf_printf(b, "# SE from the Fisher information at the optimum: 'x/ F' a factor, '+- S' in the unit\n");
    mk_buf_printf(b, "parameters:\n");
    for (int j = 0; j < r->k; j++) {
        const mk_symbol *s = &abi->params[p[j].param];
        double se = mk_fit_se_natural(&p[j], r->se_u[j]);
        char unit[64];
        snprintf(unit, sizeof unit, "%s", strcmp(s->unit, "1") ? s->unit : "");
        mk_buf_printf(b, "  %s: \"%.6g%s%s\"   # was %.6g; SE %s%.3g; %s\n", s->name, r->x[j], unit[0] ? " " : "", unit,
                      r->x0[j], p[j].log_scale ? "x/ " : "+- ", se, r->identifiable[j] ? "identifiable" : r->why[j]);
    }
    write_covariance_yaml(b, abi, p, r);
}

static void csv_text(mk_buf *b, const char *s)
{
    mk_buf_puts(b, "\"");
    for (; *s; s++) mk_buf_printf(b, *s == '"' ? "\"\"" : "%c", *s);
    mk_buf_puts(b, "\"");
}

static void write_ident(mk_buf *csv, mk_buf *cor, mk_buf *txt, const mk_model_abi *abi, const mk_fit_param *p,
                        const fit_view *r)
{
    mk_buf_puts(csv, "parameter,unit,scale,lo,hi,before,after,se_u,se,se_kind,identifiable,why\n");
    mk_buf_printf(txt, "\n%-28s %11s %11s %-6s %12s  %s\n", "parameter", "before", "after", "scale", "SE", "identifiable?");
    int ni = 0;
    for (int j = 0; j < r->k; j++) {
        const mk_symbol *s = &abi->params[p[j].param];
        double se = mk_fit_se_natural(&p[j], r->se_u[j]);
        mk_buf_printf(csv, "%s,", s->name);
        csv_text(csv, s->unit);
        mk_buf_printf(csv, ",%s,%.6g,%.6g,%.6g,%.6g,%.4g,%.4g,%s,%s,", p[j].log_scale ? "log" : "linear", p[j].lo, p[j].hi,
                      r->x0[j], r->x[j], r->se_u[j], se, p[j].log_scale ? "factor" : "unit", r->identifiable[j] ? "yes" : "no");
        csv_text(csv, r->why[j]);
        mk_buf_puts(csv, "\n");
        char sebuf[32];
        snprintf(sebuf, sizeof sebuf, isfinite(se) ? "%s%.3g" : "%sinf", p[j].log_scale ? "x/" : "+-", se);
        mk_buf_printf(txt, "%-28s %11.4g %11.4g %-6s %12s  %s\n", s->name, r->x0[j], r->x[j], p[j].log_scale ? "log" : "linear",
                      sebuf, r->identifiable[j] ? "yes" : r->why[j]);
        ni += r->identifiable[j];
    }
    mk_buf_printf(txt, "identifiable: %d of %d fitted parameters (SE in the fit's coordinates: 1.96 SE under half the "
                       "range, |correlation| <= 0.95, not in a null direction)\n", ni, r->k);
    mk_buf_puts(cor, "parameter");
    for (int j = 0; j < r->k; j++) mk_buf_printf(cor, ",%s", abi->params[p[j].param].name);
    mk_buf_puts(cor, "\n");
    for (int i = 0; i < r->k; i++) {
        mk_buf_printf(cor, "%s", abi->params[p[i].param].name);
        for (int j = 0; j < r->k; j++) {
            double c = r->corr[(size_t)i * (size_t)r->k + (size_t)j];
            mk_buf_printf(cor, isfinite(c) ? ",%.4f" : ",", c);
        }
        mk_buf_puts(cor, "\n");
    }
    mk_buf_printf(txt, "singular values of the Jacobian:");
    for (int i = 0; i < r->n_sv; i++) mk_buf_printf(txt, " %.3g", r->sv[i]);
    mk_buf_puts(txt, "\n");
}

static void write_history_csv(mk_buf *b, const fit_view *r)
{
    mk_buf_puts(b, "evaluation,stage,start,objective\n");
    int e = 0;
    for (int i = 0; i < r->n_design; i++, e++) mk_buf_printf(b, "%d,design,,%.8g\n", e + 1, r->hist[e]);
    for (int s = 0; s < r->starts; s++)
        for (int i = 0; i < r->polish_len[s]; i++, e++) mk_buf_printf(b, "%d,polish,%d,%.8g\n", e + 1, s + 1, r->hist[e]);
}

static void data_table(const mk_fit_dataset *ds, const fit_view *r, mk_buf *csv, mk_buf *txt)
{
    const mk_fit_data *data = mk_fit_dataset_data(ds);
    mk_buf_puts(csv, "line,time_s,variable,value,sd,residual_before,residual_after\n");
    mk_buf_printf(txt, "\n%-6s %12s %-24s %10s %8s %10s %10s\n", "line", "time (s)", "variable", "value", "sd", "r before", "r after");
    for (int i = 0; i < data->n; i++) {
        const mk_fit_obs *o = &data->obs[i];
        mk_buf_printf(csv, "%d,%.6g,", o->line, o->t_s);
        csv_text(csv, o->variable);
        mk_buf_printf(csv, ",%.6g,%.6g,%.4g,%.4g\n", o->value, o->sd, r->r0[i], r->r[i]);
        mk_buf_printf(txt, "%-6d %12.6g %-24.24s %10.4g %8.3g %10.3g %10.3g\n", o->line, o->t_s, o->variable, o->value, o->sd,
                      r->r0[i], r->r[i]);
    }
}

/* ---------------------------------------------------------------- the command */

typedef struct fit_run {
    fit_args a;
    mk_cli_model_ref ref;     /* target mode */
    mk_cli_scenario cs;       /* data mode */
    const mk_model_abi *abi;
    mk_fit_targets *ts;       /* target mode */
    mk_fit_dataset *ds;       /* data mode */
    mk_fit_param *p;
    int k;
    mk_outdir *od;
} fit_run;

/* Data mode: the scenario, the CSV, and a first run that checks the CSV's names against it. */
static int open_data(fit_run *f)
{
    int rc = mk_cli_scenario_open(f->a.scenario, f->a.model, NULL, 0, 0, &f->cs);
    if (rc) return rc;
    f->abi = f->cs.model.abi;
    mk_error err = {0};
    if (mk_fit_dataset_new(f->cs.study, f->a.data, &f->ds, &err)) return mk_cli_report(&err);
    return 0;
}

/* The scenario's own overrides of a fitted parameter would hide the fit: they are dropped. */
static int drop_fitted_overrides(fit_run *f)
{
    mk_buf notes;
    mk_buf_init(&notes);
    mk_error err = {0};
    int rc = mk_fit_dataset_drop_overrides(f->ds, f->abi, f->p, f->k, &notes, &err) ? mk_cli_report(&err) : 0;
    for (const char *l = notes.data; l && *l;) {
        size_t n = strcspn(l, "\n");
        fprintf(stderr, "myoknot: note: %.*s\n", (int)n, l);
        l += n + (l[n] == '\n');
    }
    mk_buf_free(&notes);
    return rc;
}

static int check_data_names(fit_run *f)
{
    double *r = mk_malloc(sizeof *r * (size_t)mk_fit_dataset_data(f->ds)->n + 1);
    mk_error err = {0};
    int rc = r ? 0 : 1;
    if (r && mk_fit_dataset_residuals(f->ds, f->abi, r, &err)) rc = mk_cli_report(&err);
    free(r);
    return rc;
}

static int open_inputs(fit_run *f)
{
    int rc;
    mk_error err = {0};
    if (f->a.data) {
        if ((rc = open_data(f))) return rc;
    } else {
        if ((rc = mk_cli_open_model(f->a.model ? f->a.model : "tp_site", 1, &f->ref))) return rc;
        f->abi = f->ref.abi;
        if ((rc = load_targets(&f->a, &f->ts))) return rc;
    }
    if (mk_fit_select(f->abi, f->a.params, f->a.log, &f->p, &f->k, &err)) {
        mk_cli_report(&err);
        return EXIT_USAGE;
    }
    if (f->a.data && ((rc = drop_fitted_overrides(f)) || (rc = check_data_names(f)))) return rc;
    return 0;
}

static const mk_outdir_kind k_fit_kind = {"an output of myoknot fit (no fit.txt)", "fit.txt", NULL};

static int write_outputs(fit_run *f, const fit_view *r, mk_buf *txt)
{
    mk_buf yaml, hist, resid, ident, cor;
    mk_error err = {0};
    mk_buf_init(&yaml), mk_buf_init(&hist), mk_buf_init(&resid), mk_buf_init(&ident), mk_buf_init(&cor);
    write_params_yaml(&yaml, &f->a, f->abi, f->p, r);
    write_history_csv(&hist, r);
    if (f->a.data) data_table(f->ds, r, &resid, txt);
    else if (mk_fit_targets_table(f->ts, f->abi, f->p, f->k, r->x, &resid, txt, &err)) {
        mk_buf_free(&yaml), mk_buf_free(&hist), mk_buf_free(&resid), mk_buf_free(&ident), mk_buf_free(&cor);
        return mk_cli_report(&err);
    }
    write_ident(&ident, &cor, txt, f->abi, f->p, r);
    fwrite(txt->data, 1, txt->len, stdout);
    char path[8400], title[256];
    snprintf(title, sizeof title, "myoknot fit: %s, %d parameters, %s", f->abi->name, f->k,
             f->a.data ? "a patient's measurements" : "calibration targets");
    int rc = yaml.failed || hist.failed || resid.failed || ident.failed || cor.failed || txt->failed;
    if (rc) fprintf(stderr, "myoknot: error: out of memory\n");
    else if (mk_outdir_write(f->od, "params.yaml", yaml.data, yaml.len, &err) ||
             mk_outdir_write(f->od, "history.csv", hist.data, hist.len, &err) ||
             mk_outdir_write(f->od, "residuals.csv", resid.data, resid.len, &err) ||
             mk_outdir_write(f->od, "identifiability.csv", ident.data, ident.len, &err) ||
             mk_outdir_write(f->od, "correlation.csv", cor.data, cor.len, &err) ||
             mk_outdir_write(f->od, "fit.txt", txt->data, txt->len, &err) ||
             mk_outdir_path(f->od, "objective.png", path, sizeof path, &err) || mk_fit_write_history(r->res, title, path, &err))
        rc = mk_cli_report(&err);
    mk_buf_free(&yaml), mk_buf_free(&hist), mk_buf_free(&resid), mk_buf_free(&ident), mk_buf_free(&cor);
    return rc;
}

static void close_run(fit_run *f)
{
    mk_cli_outdir_abort(&f->od);
    mk_fit_targets_free(f->ts);
    mk_cli_close_model(&f->ref);
    mk_fit_dataset_free(f->ds);
    mk_cli_scenario_close(&f->cs);
    free(f->p);
}

static int fit_main(const fit_args *parsed)
{
    fit_run f;
    memset(&f, 0, sizeof f);
    f.a = *parsed;
    int rc = 0;
    if ((rc = mk_cli_outdir_open(&f.od, f.a.out, "fit", &k_fit_kind))) return rc;
    if ((rc = open_inputs(&f))) {
        close_run(&f);
        return rc;
    }
    mk_fit_opts o;
    mk_fit_opts_default(&o);
    o.seed = f.a.seed, o.design = f.a.design, o.starts = f.a.starts, o.local_evals = f.a.evals, o.jobs = f.a.jobs;
    prog pg = {isatty(2), -1, mk_cli_now_s()};
    o.progress = on_progress, o.progress_ctx = &pg;
    int nl = 0;
    for (int j = 0; j < f.k; j++) nl += f.p[j].log_scale;
    int n_res = f.a.data ? mk_fit_dataset_data(f.ds)->n : mk_fit_targets_count(f.ts);
    printf("myoknot %s: fit of %d parameters of %s (%s; %d in log space) to %d %s, seed %llu, %d workers\n", mk_version(), f.k,
           f.abi->name, f.a.params ? f.a.params : "every 'assumed' parameter", nl, n_res,
           f.a.data ? "measurements" : "calibration targets", f.a.seed, f.a.jobs);
    fflush(stdout);
    mk_fit_result *res = NULL;
    mk_error err = {0};
    if (mk_fit_run(f.abi, f.p, f.k, n_res, f.a.data ? mk_fit_dataset_residuals : mk_fit_targets_residuals,
                   f.a.data ? (void *)f.ds : (void *)f.ts, &o, &res, &err)) {
        rc = mk_cli_report(&err);
        close_run(&f);
        return rc;
    }
    fit_view r;
    if (view_open(&r, res)) {
        mk_fit_result_free(res);
        close_run(&f);
        return 1;
    }
    mk_buf txt;
    mk_buf_init(&txt);
    mk_buf_printf(&txt, "fit of %d parameters of %s to %d %s: objective %.6g before, %.6g after (%d evaluations: %d design, "
                        "%d starts of polish; %d with a failed run; %d Jacobian); %.1f s on %d workers; seed %llu\n",
                  f.k, f.abi->name, n_res, f.a.data ? "measurements" : "calibration targets", r.f0, r.f, r.n_hist, r.n_design,
                  r.starts, r.failed_evals, f.k + 1, r.wall_s, r.jobs, f.a.seed);
    rc = write_outputs(&f, &r, &txt);
    if (!rc && !(rc = mk_cli_outdir_commit(f.od)))
        printf("output: %s (params.yaml, objective.png, history.csv, residuals.csv, identifiability.csv, correlation.csv, fit.txt)\n",
               mk_outdir_dir(f.od));
    mk_buf_free(&txt);
    view_free(&r);
    mk_fit_result_free(res);
    close_run(&f);
    return rc;
}

int mk_cli_fit(int argc, char **argv)
{
    if (mk_cli_wants_help(argc, argv)) {
        fputs(k_help, stdout);
        return 0;
    }
    mk_cli_args args;
    fit_args a;
    int rc = mk_cli_args_parse("fit", k_opts, (int)(sizeof k_opts / sizeof *k_opts), argc, argv, &args);
    if (!rc) rc = parse_args(&args, &a);
    if (!rc) rc = fit_main(&a);
    mk_cli_args_free(&args); /* a points into it */
    return rc;
}
