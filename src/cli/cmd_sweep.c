/*
 * cmd_sweep.c -- myoknot sweep: a scenario run at evenly spaced values of one treatment
 * setting (an event's field, written into the scenario's text: src/protocol/vary.h) or of a
 * parameter (as --set), the outcomes drawn against the setting.
 *
 * Every value's scenario is compiled first, so a bad value fails before any simulation and
 * before anything is written.  The runs go to forked workers (UDUNITS and PLplot are not
 * thread safe, and a compiled model's code is process-wide); each sends its outcomes back
 * through a pipe as one fixed-size record.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "myoknot.h"

#define SWEEP_MAX_STEPS 200
#define SWEEP_MAX_JOBS 16

static const char k_help[] =
    "usage: myoknot sweep SCENARIO.yaml [--vary 'NAME=A..B UNIT'] [--steps N] [--jobs N]\n"
    "                     [--set NAME=Q]... [--out DIR]\n"
    "\n"
    "Runs the scenario at N + 1 evenly spaced values of one setting and draws the outcomes\n"
    "against it: the last measured PPT (and the first), the peak and the final local pain, the\n"
    "final taut-band stiffness.\n"
    "\n"
    "  --vary NAME=A..B UNIT  what is varied and over which range, e.g.\n"
    "                 'ischemic_compression.pressure=1..4 kg/cm2' (EVENT.FIELD: that field of\n"
    "                 every such event in the timeline, as if edited in the file) or\n"
    "                 'phys.p_cc0=20..40 mmHg' (a parameter or input, as with --set)\n"
    "                 Without --vary, the scenario's own 'sweep: {vary: NAME=A..B UNIT, steps: N}'\n"
    "  --steps N      intervals (default 4: five runs, or the scenario's sweep: steps)\n"
    "  --jobs N       worker processes (default 2)\n"
    "  --set NAME=Q   as for myoknot run, for every value\n"
    "  --out DIR      output folder (default runs/sweep-NAME-YYYYMMDD-HHMMSS): sweep.csv (one\n"
    "                 row per value), sweep.png, sweep.txt\n";

static const mk_cli_opt k_opts[] = {
    {"--vary", MK_CLI_QUANTITY}, {"--steps", MK_CLI_VALUE}, {"--jobs", MK_CLI_VALUE},
    {"--set", MK_CLI_QUANTITY},  {"--out", MK_CLI_VALUE},
};

typedef struct sweep_args {
    const char *scenario, *vary, *out;
    const char *sets[64];
    int n_sets, steps, jobs;
    int steps_given;              /* --steps: over the scenario's sweep: section */
    char scenario_buf[4096];      /* found under a data root (mk_cli_data_path) */
} sweep_args;

/* What one run gives back (the record a worker writes): MK_SWEEP_N_OUT outcomes. */
enum { N_OUT = MK_SWEEP_N_OUT };

typedef struct sweep {
    sweep_args a;
    char target[256], event[128], field[128], unit[64];
    int is_event;                 /* EVENT.FIELD, else a --set name */
    double lo, hi;
    int n;                        /* values */
    double *x;
    char *text;                   /* the scenario as read */
    char *file_vary;              /* the scenario's sweep: vary, when --vary is not given */
    mk_units *u;
    mk_anatomy *anat;
    mk_cli_model_ref model;
    mk_protocol **proto;
    double (*res)[N_OUT];
} sweep;

static int parse_args(const mk_cli_args *args, sweep_args *a)
{
    memset(a, 0, sizeof *a);
    a->steps = 4;
    a->jobs = 2;
    for (int i = 0; i < args->n; i++) {
        const char *o = args->v[i].opt, *v = args->v[i].value;
        if (!o) {
            if (a->scenario) return mk_cli_args_extra(&args->v[i], "'sweep' takes one scenario, found '%s' and '%s'", a->scenario, v);
            a->scenario = v;
        } else if (!strcmp(o, "--vary")) {
            if (a->vary) return mk_cli_usage_error("'sweep' varies one setting: --vary given twice");
            a->vary = v;
        } else if (!strcmp(o, "--out")) {
            a->out = v;
        } else if (!strcmp(o, "--set")) {
            if (a->n_sets == 64) return mk_cli_usage_error("too many --set options");
            a->sets[a->n_sets++] = v;
        } else {
            char *end;
            long n = strtol(v, &end, 10);
            int steps = !strcmp(o, "--steps"), hi = steps ? SWEEP_MAX_STEPS : SWEEP_MAX_JOBS;
            if (!*v || *end || n < 1 || n > hi) return mk_cli_usage_error("%s expects 1 .. %d, found '%s'", o, hi, v);
            *(steps ? &a->steps : &a->jobs) = (int)n;
            a->steps_given |= steps;
        }
    }
    if (!a->scenario) return mk_cli_usage_error("'sweep' needs a scenario (see myoknot sweep --help)");
    a->scenario = mk_cli_data_path(a->scenario, a->scenario_buf, sizeof a->scenario_buf);
    return 0;
}

/* "NAME=A..B UNIT" (or "A UNIT..B UNIT", or a unit on A only) */
static int parse_vary(sweep *w)
{
    const char *v = w->a.vary, *eq = strchr(v, '='), *dots = eq ? strstr(eq, "..") : NULL;
    if (!eq || !dots || eq == v)
        return mk_cli_usage_error("--vary expects NAME=A..B UNIT, e.g. 'ischemic_compression.pressure=1..4 kg/cm2', found '%s'", v);
    snprintf(w->target, sizeof w->target, "%.*s", (int)(eq - v), v);
    /* A alone first: strtod would read "1..4" as 1. and .4 */
    char a_text[128], *end_a, *end_b;
    snprintf(a_text, sizeof a_text, "%.*s", (int)(dots - eq - 1), eq + 1);
    w->lo = strtod(a_text, &end_a);
    w->hi = strtod(dots + 2, &end_b);
    char ua[64], ub[64];
    snprintf(ua, sizeof ua, "%s", end_a);
    snprintf(ub, sizeof ub, "%s", end_b);
    for (char *s = ua; s; s = s == ua ? ub : NULL) { /* trim both */
        char *b = s + strspn(s, " ");
        memmove(s, b, strlen(b) + 1);
        for (size_t l = strlen(s); l && s[l - 1] == ' '; l--) s[l - 1] = 0;
    }
    if (end_a == a_text || end_b == dots + 2 || !isfinite(w->lo) || !isfinite(w->hi))
        return mk_cli_usage_error("--vary %s: expected numbers A..B, found '%s'", w->target, eq + 1);
    if (ua[0] && ub[0] && strcmp(ua, ub))
        return mk_cli_usage_error("--vary %s: give both ends in one unit, found '%s' and '%s'", w->target, ua, ub);
    if (w->lo == w->hi) return mk_cli_usage_error("--vary %s: the two ends are the same value", w->target);
    snprintf(w->unit, sizeof w->unit, "%s", ub[0] ? ub : ua);
    return 0;
}

/* The scenario's text, and its own sweep: section when the command line gives no --vary. */
static int read_scenario(sweep *w)
{
    mk_error err = {0};
    static const mk_text_kind kind = {.what = "a scenario"};
    if (mk_read_text_file(w->a.scenario, &kind, &w->text, NULL, &err)) return mk_cli_report(&err);
    int steps = w->a.steps;
    if (mk_scenario_sweep_spec(w->a.scenario, w->text, &w->file_vary, &steps, &err)) return mk_cli_report(&err);
    if (!w->a.steps_given) w->a.steps = steps;
    if (!w->a.vary) w->a.vary = w->file_vary;
    if (!w->a.vary)
        return mk_cli_usage_error("'sweep' needs --vary NAME=A..B UNIT, or a 'sweep: {vary: ..., steps: N}' section in "
                                  "%s (see myoknot sweep --help)", w->a.scenario);
    return 0;
}

/* one compiled protocol per value: every error before any run */
static int prepare(sweep *w)
{
    mk_error err = {0};
    const char *dot = strrchr(w->target, '.');
    if (dot) {
        snprintf(w->event, sizeof w->event, "%.*s", (int)(dot - w->target), w->target);
        snprintf(w->field, sizeof w->field, "%s", dot + 1);
        int n = mk_scenario_count_events(w->a.scenario, w->text, w->event, &err);
        if (n < 0) return mk_cli_report(&err);
        w->is_event = n > 0;
    }
    w->n = w->a.steps + 1;
    w->x = mk_calloc((size_t)w->n, sizeof *w->x);
    w->proto = mk_calloc((size_t)w->n, sizeof *w->proto);
    w->res = mk_calloc((size_t)w->n, sizeof *w->res);
    if (!w->x || !w->proto || !w->res) return mk_cli_usage_error("out of memory");
    if (mk_units_new(&w->u, &err) || mk_anatomy_load(&w->anat, &err)) return mk_cli_report(&err);
    int rc = 0;
    for (int k = 0; k < w->n && !rc; k++) {
        w->x[k] = w->lo + (w->hi - w->lo) * k / w->a.steps;
        char value[128], set[400];
        snprintf(value, sizeof value, "%.6g%s%s", w->x[k], w->unit[0] ? " " : "", w->unit);
        char *text = NULL;
        mk_scenario *scn = NULL;
        const char *sets[65];
        int n_sets = w->a.n_sets;
        for (int i = 0; i < n_sets; i++) sets[i] = w->a.sets[i];
        if (!w->is_event) {
            snprintf(set, sizeof set, "%s=%s", w->target, value);
            sets[n_sets++] = set;
        }
        mk_buf warnings;
        mk_buf_init(&warnings);
        if (w->is_event && mk_scenario_vary_text(w->a.scenario, w->text, w->event, w->field, value, &text, &err))
            rc = mk_cli_report(&err);
        else if (mk_scenario_load_string(w->a.scenario, text ? text : w->text, &scn, &err))
            rc = mk_cli_report(&err);
        if (!rc && k == 0) rc = mk_cli_open_model(mk_scenario_model(scn), 1, &w->model);
        if (!rc && mk_scenario_compile(scn, w->model.abi, w->u, w->anat, sets, n_sets, 0, &warnings, &w->proto[k], &err)) {
            if (!w->is_event && w->event[0] && !strcmp(err.file, "--set"))
                fprintf(stderr, "myoknot: %s is no parameter or input of the model, and the timeline of %s has no "
                                "'%s' event to vary\n", w->target, w->a.scenario, w->event);
            fprintf(stderr, "myoknot: at %s = %s:\n", w->target, value);
            rc = mk_cli_report(&err);
            if (!strcmp(err.file, "--set")) rc = EXIT_USAGE;
        }
        if (k == 0 && warnings.len) fputs(warnings.data, stderr); /* once, not per value */
        mk_buf_free(&warnings);
        mk_scenario_free(scn);
        free(text);
    }
    return rc;
}

static void on_progress(void *ctx, int done, int total) { mk_cli_progress_show(ctx, done, total); }

/* Every value's run in the library's forked workers (mk_sweep_run). */
static int run_all(sweep *w)
{
    mk_cli_progress pg;
    mk_cli_progress_start(&pg, "runs");
    fflush(stdout);
    fflush(stderr);
    int failed_at = -1;
    mk_sweep_opts so = {.jobs = w->a.jobs, .progress = on_progress, .progress_ctx = &pg, .failed_at = &failed_at};
    mk_error err = {0};
    if (!mk_sweep_run(w->model.abi, w->proto, w->n, w->anat, &so, w->res, &err)) return 0;
    if (failed_at >= 0) fprintf(stderr, "myoknot: error: at %s = %g %s: %s\n", w->target, w->x[failed_at], w->unit, err.message);
    else mk_cli_report(&err);
    return 1;
}

/* ---------------------------------------------------------------- what the sweep shows */

static void write_table(const sweep *w, mk_buf *text, mk_buf *csv)
{
    mk_buf_printf(csv, "%s,unit", w->target);
    for (int i = 0; i < N_OUT; i++) mk_buf_printf(csv, ",%s", mk_sweep_out_name(i));
    mk_buf_puts(csv, "\n");
    char head[400];
    snprintf(head, sizeof head, "%s [%s]", w->target, w->unit);
    mk_buf_printf(text, "\n  %28s %12s %12s %10s %10s %14s\n", head, "PPT first", "PPT last", "pain peak",
                  "pain end", "stiffness end");
    mk_buf_printf(text, "  %28s %12s %12s %10s %10s %14s\n", "", "kPa", "kPa", "0-10", "0-10", "kPa");
    for (int k = 0; k < w->n; k++) {
        const double *o = w->res[k];
        mk_buf_printf(csv, "%.10g,%s", w->x[k], w->unit);
        for (int i = 0; i < N_OUT; i++) mk_buf_printf(csv, isnan(o[i]) ? ",NaN" : ",%.10g", o[i]);
        mk_buf_puts(csv, "\n");
        mk_buf_printf(text, "  %28.6g %12.1f %12.1f %10.3g %10.3g %14.4g\n", w->x[k], o[MK_SWEEP_PPT_FIRST], o[MK_SWEEP_PPT_LAST],
                      o[MK_SWEEP_PAIN_PEAK], o[MK_SWEEP_PAIN_END], o[MK_SWEEP_STIFF_END]);
    }
}

static const mk_outdir_kind k_sweep_kind = {"an output of myoknot sweep (no sweep.csv)", "sweep.csv", NULL};

static int write_outputs(const sweep *w, mk_outdir *od)
{
    mk_buf text, csv;
    mk_buf_init(&text);
    mk_buf_init(&csv);
    mk_buf_printf(&text, "myoknot %s: sweep of %s over %g .. %g %s in %d steps, scenario %s, model %s (%s)\n",
                  mk_version(), w->target, w->lo, w->hi, w->unit, w->a.steps, w->a.scenario, w->model.abi->name,
                  w->model.abi->hash);
    write_table(w, &text, &csv);
    mk_error err = {0};
    char path[8400];
    int rc = text.failed || csv.failed ? mk_cli_usage_error("out of memory") : 0;
    if (!rc && (mk_outdir_write(od, "sweep.csv", csv.data, csv.len, &err) ||
                mk_outdir_write(od, "sweep.txt", text.data, text.len, &err) ||
                mk_outdir_path(od, "sweep.png", path, sizeof path, &err)))
        rc = mk_cli_report(&err);
    if (!rc && mk_sweep_write_figure(w->target, w->unit, w->n, w->x, &w->res[0][0], path, &err)) rc = mk_cli_report(&err);
    if (!rc && !(rc = mk_cli_outdir_commit(od))) {
        fputs(text.data, stdout);
        printf("\noutput: %s (sweep.csv, sweep.png, sweep.txt)\n", mk_outdir_dir(od));
    }
    mk_buf_free(&text);
    mk_buf_free(&csv);
    return rc;
}

static void sweep_free(sweep *w)
{
    for (int k = 0; w->proto && k < w->n; k++) mk_protocol_free(w->proto[k]);
    free(w->proto);
    free(w->x);
    free(w->res);
    free(w->text);
    free(w->file_vary);
    mk_cli_close_model(&w->model);
    mk_anatomy_free(w->anat);
    mk_units_free(w->u);
}

static int sweep_main(const sweep_args *a)
{
    sweep w;
    memset(&w, 0, sizeof w);
    w.a = *a;
    mk_outdir *od = NULL;
    /* the output folder first: a bad --out must not cost the runs */
    int rc = read_scenario(&w);
    if (!rc) rc = parse_vary(&w);
    if (!rc && w.a.out) rc = mk_cli_outdir_open(&od, w.a.out, NULL, &k_sweep_kind);
    if (!rc) rc = prepare(&w);
    if (!rc && !w.a.out) {
        char stem[300];
        snprintf(stem, sizeof stem, "sweep-%s", w.target);
        rc = mk_cli_outdir_open(&od, NULL, stem, &k_sweep_kind);
    }
    if (!rc) {
        printf("myoknot %s: %s at %d values of %s from %g to %g %s, %d workers\n", mk_version(), mk_protocol_name(w.proto[0]),
               w.n, w.target, w.lo, w.hi, w.unit, w.a.jobs < w.n ? w.a.jobs : w.n);
        rc = run_all(&w);
    }
    if (!rc) rc = write_outputs(&w, od);
    mk_cli_outdir_abort(&od);
    sweep_free(&w);
    return rc;
}

int mk_cli_sweep(int argc, char **argv)
{
    if (mk_cli_wants_help(argc, argv)) {
        fputs(k_help, stdout);
        return 0;
    }
    mk_cli_args args;
    sweep_args a;
    int rc = mk_cli_args_parse("sweep", k_opts, (int)(sizeof k_opts / sizeof *k_opts), argc, argv, &args);
    if (!rc) rc = parse_args(&args, &a);
    if (!rc) rc = sweep_main(&a);
    mk_cli_args_free(&args); /* a points into it */
    return rc;
}
