/*
 * cmd_scan.c -- myoknot scan: sweep a parameter or an input up and down by quasi-static
 * continuation, print both branches and say whether two steady states coexist anywhere
 * (src/analysis/scan.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/args.h"
#include "cli/cli.h"

#define MK_SCAN_DEFAULT_MODEL "tp_site"

static const char k_help[] =
    "usage: myoknot scan NAME --from A --to B [--method newton|time] [--steps N] [--model MODEL]\n"
    "                    [--settle Q] [--set NAME=Q]... [--freeze GLOB[=X]]... [--watch OUTPUT]\n"
    "                    [--newton-tol X] [--tol X] [--conv X] [--out DIR]\n"
    "\n"
    "--method newton (the default): steady states of the model along NAME by Newton's method\n"
    "(KINSOL) and pseudo-arclength continuation, from the states a time run of --settle reaches\n"
    "at A and at B.  Each branch is followed through its folds, so unstable branches are found\n"
    "too; stability comes from the eigenvalues of the Jacobian (LAPACK), folds and Hopf points\n"
    "are located to the solver's precision.  Where Newton does not converge, the point is\n"
    "marked (x in the figure) and no verdict is drawn from it.\n"
    "  --steps N       the largest step is 1/N of the range in NAME (default 20)\n"
    "  --freeze GLOB[=X]  hold the states matching GLOB at X (in their unit; default: their\n"
    "                  starting value): a quasi-steady state for those slow states.  Without it\n"
    "                  every state is solved for (true steady states, however slow)\n"
    "  --newton-tol X  converged: one more Newton step moves no scaled state by more than X\n"
    "                  (default 1e-6)\n"
    "Outputs: scan.csv (every point: stability, eigenvalue count, residual, states, outputs),\n"
    "scan.png (stable solid, unstable dashed, unconverged x, folds and Hopf points marked),\n"
    "verdict.txt (the report).\n"
    "\n"
    "--method time: quasi-static continuation by simulation: NAME goes from A to B\n"
    "in N equal steps and back again.  At each value the model is integrated with constant\n"
    "inputs until it is steady (or the settle time runs out), starting from the state the\n"
    "previous step ended in.  Where the increasing and decreasing sweeps end in different\n"
    "states, two steady states coexist (bistability, hysteresis) and the jumps bracket the\n"
    "fold points.  Only stable states are found; the folds are located to within one step.\n"
    "\n"
    "  NAME            e.g. load.activation, life.stress, phys.p_cc0\n"
    "  --from A, --to B  quantities, converted to NAME's unit: '0 %', '20 %', '60 mmHg'; a bare\n"
    "                  number is taken in NAME's declared unit\n"
    "  --steps N       intervals (default 20: 21 values each way)\n"
    "  --model MODEL   a built-in model or a .myo file (default " MK_SCAN_DEFAULT_MODEL ")\n"
    "  --settle Q      longest simulated time per value (default 6 h)\n"
    "  --set NAME=Q    hold a parameter or an input at a value, e.g. --set load.activation=5%%\n"
    "  --watch OUTPUT  the state or variable compared between sweeps (default core.ca, or the\n"
    "                  model's first state)\n"
    "  --tol X         relative difference that counts as two states (default 0.1)\n"
    "  --conv X        steady: every state changes by less than X (relative) per check\n"
    "                  interval of settle/12 (default 1e-4); steps that do not are reported\n"
    "  --out DIR       output directory (default runs/scan-NAME-YYYYMMDD-HHMMSS): scan.csv,\n"
    "                  scan.png, verdict.txt\n"
    "  --rtol X, --atol X  solver tolerances (default 1e-6, 1e-9)\n"
    "\n"
    "Exit status 0 whether or not a coexistence range is found; 1 if the model or the solver\n"
    "fails; 2 for a wrong command line.\n";

typedef struct scan_args {
    const char *name, *from, *to, *model, *settle, *watch, *out;
    const char *sets[64];
    int n_sets, steps, newton;
    double tol, conv, rtol, atol, newton_tol;
    char freeze[2048];
} scan_args;

static int parse_number(const char *opt, const char *v, double *out)
{
    char *end;
    double x = strtod(v, &end);
    if (*end || !(x > 0) || !isfinite(x)) return mk_cli_usage_error("%s expects a positive number, found '%s'", opt, v);
    *out = x;
    return 0;
}

static const mk_cli_opt k_opts[] = {
    {"--from", MK_CLI_QUANTITY},  {"--to", MK_CLI_QUANTITY},    {"--steps", MK_CLI_VALUE},
    {"--model", MK_CLI_VALUE},    {"--settle", MK_CLI_QUANTITY}, {"--set", MK_CLI_QUANTITY},
    {"--watch", MK_CLI_VALUE},    {"--tol", MK_CLI_VALUE},       {"--conv", MK_CLI_VALUE},
    {"--out", MK_CLI_VALUE},      {"--rtol", MK_CLI_VALUE},      {"--atol", MK_CLI_VALUE},
    {"--method", MK_CLI_VALUE},   {"--freeze", MK_CLI_VALUE},    {"--newton-tol", MK_CLI_VALUE},
};

static int parse_args(const mk_cli_args *args, scan_args *a)
{
    memset(a, 0, sizeof *a);
    a->steps = 20;
    a->tol = 0.1;
    a->conv = 1e-4;
    a->rtol = 1e-6;
    a->atol = 1e-9;
    a->model = MK_SCAN_DEFAULT_MODEL;
    a->settle = "6 h";
    a->newton = 1;
    a->newton_tol = 1e-6;
    for (int i = 0; i < args->n; i++) {
        const char *o = args->v[i].opt, *v = args->v[i].value;
        if (!o) {
            if (a->name) return mk_cli_args_extra(&args->v[i], "'scan' sweeps one NAME, found '%s' and '%s'", a->name, v);
            a->name = v;
            continue;
        }
        if (!strcmp(o, "--from")) a->from = v;
        else if (!strcmp(o, "--to")) a->to = v;
        else if (!strcmp(o, "--model")) a->model = v;
        else if (!strcmp(o, "--settle")) a->settle = v;
        else if (!strcmp(o, "--watch")) a->watch = v;
        else if (!strcmp(o, "--out")) a->out = v;
        else if (!strcmp(o, "--method")) {
            if (strcmp(v, "newton") && strcmp(v, "time"))
                return mk_cli_usage_error("--method expects newton or time, found '%s'", v);
            a->newton = !strcmp(v, "newton");
        } else if (!strcmp(o, "--freeze")) {
            size_t len = strlen(a->freeze);
            if (len + strlen(v) + 2 > sizeof a->freeze) return mk_cli_usage_error("--freeze: too many patterns");
            snprintf(a->freeze + len, sizeof a->freeze - len, "%s%s", len ? "," : "", v);
        } else if (!strcmp(o, "--set")) {
            if (a->n_sets == 64) return mk_cli_usage_error("too many --set options");
            a->sets[a->n_sets++] = v;
        } else if (!strcmp(o, "--steps")) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 10000) return mk_cli_usage_error("--steps expects 1 .. 10000, found '%s'", v);
            a->steps = (int)n;
        } else {
            double x = 0;
            if (parse_number(o, v, &x)) return EXIT_USAGE;
            if (!strcmp(o, "--tol")) a->tol = x;
            else if (!strcmp(o, "--conv")) a->conv = x;
            else if (!strcmp(o, "--newton-tol")) a->newton_tol = x;
            else if (!strcmp(o, "--rtol")) a->rtol = x;
            else a->atol = x;
        }
    }
    if (!a->name) return mk_cli_usage_error("'scan' needs the NAME of a parameter or an input (see myoknot scan --help)");
    if (!a->from || !a->to) return mk_cli_usage_error("'scan' needs --from A and --to B");
    if (a->freeze[0] && !a->newton) return mk_cli_usage_error("--freeze needs --method newton");
    return 0;
}

/* a quantity in unit; a bare number is taken as already in unit */
static int quantity(mk_units *u, const char *what, const char *text, const char *unit, double *out)
{
    char *end;
    double x = strtod(text, &end);
    if (end != text && *end == 0 && isfinite(x)) {
        *out = x;
        return 0;
    }
    mk_error err = {0};
    if (mk_units_convert_quantity(u, text, unit, out, &err))
        return mk_cli_usage_error("%s '%s': %s", what, text, err.message);
    if (!isfinite(*out)) return mk_cli_usage_error("%s '%s' is not finite", what, text);
    return 0;
}

/* NAME=Q for a parameter or, failing that, an input */
static int apply_set(mk_units *u, const mk_model_abi *abi, mk_solver *s, const char *text)
{
    const char *eq = strchr(text, '=');
    if (!eq) return mk_cli_usage_error("--set expects NAME=VALUE UNIT, found '%s'", text);
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)(eq - text), text);
    int ip = mk_abi_find(abi, MK_SYM_PARAM, name), ii = ip < 0 ? mk_abi_find(abi, MK_SYM_INPUT, name) : -1;
    if (ip < 0 && ii < 0)
        return mk_cli_usage_error("--set: model '%s' has no parameter or input '%s' (see myoknot model show %s)",
                                  abi->name, name, abi->name);
    const mk_symbol *sym = ip >= 0 ? &abi->params[ip] : &abi->inputs[ii];
    double x = 0;
    char what[300];
    snprintf(what, sizeof what, "--set %s", name);
    if (quantity(u, what, eq + 1, sym->unit, &x)) return EXIT_USAGE;
    if (ip >= 0 && (x < sym->lo || x > sym->hi))
        fprintf(stderr, "myoknot: warning: %s = %g %s is outside its plausible range %g .. %g (%s)\n", name, x,
                sym->unit, sym->lo, sym->hi, sym->source);
    mk_error err = {0};
    if (ip >= 0 ? mk_solver_set_param(s, ip, x, &err) : mk_solver_set_input(s, ii, x, &err)) return mk_cli_report(&err);
    return 0;
}

/* The columns shown beside the watched quantity: labels of the site interface
 * (docs/site-interface.md), shown as the model's names for them where it has them. */
static const char *const k_cols[] = {"core_ca",  "core_po2",   "core_ph",  "core_pcr",           "core_flow",
                                     "band_stiffness", "pain_local", "noci_sens", "spinal_central_sens"};

static const char *col_name(const mk_model_abi *abi, size_t i)
{
    const char *n = abi ? mk_abi_label_symbol(abi, k_cols[i]) : NULL;
    return n ? n : "";
}

static void print_branch(const mk_scan_result *r, int back, const char *const *cols, int nc)
{
    const mk_model_abi *abi = mk_scan_result_abi(r);
    int n = mk_scan_result_points(r);
    printf("\n%s sweep, %s:\n", back ? "backward" : "forward", back ? "from B back to A" : "from A to B");
    char head[200];
    const char *unit = "", *name = mk_scan_result_swept(r, &unit);
    snprintf(head, sizeof head, "%.120s [%.60s]", name, unit);
    printf("  %22s", head);
    for (int c = 0; c < nc; c++) {
        const char *cu = "";
        mk_scan_result_get(r, 0, 0, cols[c], &cu);
        char h[200];
        snprintf(h, sizeof h, "%s [%s]", cols[c], cu);
        printf(" %*s", (int)(strlen(h) > 12 ? strlen(h) : 12), h);
    }
    printf("  conv  settled  slowest state\n");
    for (int j = 0; j < n; j++) {
        int k = back ? n - 1 - j : j;
        mk_scan_point_info p;
        if (mk_scan_result_point(r, back, k, &p, NULL)) continue; /* k is in range */
        printf("  %22.6g", p.value);
        for (int c = 0; c < nc; c++) {
            const char *cu = "";
            mk_scan_result_get(r, back, k, cols[c], &cu);
            char h[200];
            snprintf(h, sizeof h, "%s [%s]", cols[c], cu);
            printf(" %*.5g", (int)(strlen(h) > 12 ? strlen(h) : 12), mk_scan_result_get(r, back, k, cols[c], NULL));
        }
        printf("  %-4s %6.3g h  %s%s", p.converged ? "yes" : "NO", p.settled_s / 3600,
               p.converged || p.slowest < 0 ? "" : abi->states[p.slowest].name, p.converged ? "" : " (");
        if (!p.converged) printf("%.2g per check)", p.rel_change);
        if (p.differs) printf("  <- branches differ");
        printf("\n");
    }
}

/* the table of continuation points: branch, value, the columns, stability */
static void print_points(const mk_cont_result *r, const char *const *cols, int nc)
{
    char head[200];
    const char *sunit = "", *sname = mk_cont_result_swept(r, &sunit);
    snprintf(head, sizeof head, "%.120s [%.60s]", sname, sunit);
    printf("\n  br  %22s", head);
    for (int c = 0; c < nc; c++) {
        const char *unit = "";
        mk_cont_result_get(r, 0, cols[c], &unit);
        char h[200];
        snprintf(h, sizeof h, "%s [%s]", cols[c], unit);
        printf(" %*s", (int)(strlen(h) > 12 ? strlen(h) : 12), h);
    }
    printf("  stability        newton step\n");
    int n = mk_cont_result_points(r);
    for (int k = 0; k < n; k++) {
        mk_cont_point_info p;
        if (mk_cont_result_point(r, k, &p, NULL)) continue; /* k is in range */
        printf("  %2d  %22.6g", p.branch, p.p);
        for (int c = 0; c < nc; c++) {
            const char *unit = "";
            mk_cont_result_get(r, k, cols[c], &unit);
            char h[200];
            snprintf(h, sizeof h, "%s [%s]", cols[c], unit);
            printf(" %*.5g", (int)(strlen(h) > 12 ? strlen(h) : 12), mk_cont_result_get(r, k, cols[c], NULL));
        }
        char st[64];
        if (!p.converged) snprintf(st, sizeof st, "NOT CONVERGED");
        else if (p.n_unstable == 0) snprintf(st, sizeof st, "stable");
        else snprintf(st, sizeof st, "unstable (%d)", p.n_unstable);
        printf("  %-16s %9.2g%s%s\n", st, p.newton_step, p.kind == MK_CONT_FOLD ? "  <- fold" : "",
               p.kind == MK_CONT_HOPF ? "  <- Hopf" : "");
    }
}

/* --method newton: continuation (src/analysis/cont.h) */
static int scan_newton(const scan_args *a, mk_solver *s, const mk_scan_opts *so, int is_param, mk_outdir *od)
{
    const mk_model_abi *abi = mk_solver_abi(s);
    mk_cont_opts co;
    mk_cont_opts_default(&co);
    co.kind = so->kind, co.index = so->index, co.from = so->from, co.to = so->to;
    co.steps = so->steps, co.settle_s = so->settle_s, co.watch = so->watch;
    co.freeze = a->freeze[0] ? a->freeze : NULL;
    co.newton_tol = a->newton_tol;
    const mk_symbol *sym = is_param ? &abi->params[so->index] : &abi->inputs[so->index];
    printf("myoknot %s: steady states of model %s (%s) along %s (%s) from %g to %g %s, Newton continuation; first "
           "guesses from %.4g h time runs\n",
           mk_version(), abi->name, abi->hash, sym->name, is_param ? "parameter" : "input", co.from, co.to,
           strcmp(sym->unit, "1") ? sym->unit : "",
           co.settle_s / 3600);
    for (int i = 0; i < a->n_sets; i++) printf("  held: %s\n", a->sets[i]);
    if (co.freeze) printf("  frozen: %s\n", co.freeze);
    fflush(stdout);
    mk_cont_result *res = NULL;
    mk_error err = {0};
    if (mk_cont_run(s, &co, &res, &err)) return mk_cli_report(&err);
    const char *cols[16], *watch = mk_cont_result_watch(res, NULL);
    int nc = 0;
    cols[nc++] = watch;
    for (size_t i = 0; i < sizeof k_cols / sizeof *k_cols && nc < 6; i++)
        if (strcmp(col_name(abi, i), watch) && !isnan(mk_cont_result_get(res, 0, col_name(abi, i), NULL)))
            cols[nc++] = col_name(abi, i);
    for (int i = 0; nc == 1 && i < abi->n_states && nc < 4; i++)
        if (strcmp(abi->states[i].name, watch)) cols[nc++] = abi->states[i].name;
    print_points(res, cols, nc);
    mk_buf rep, csv;
    mk_buf_init(&rep);
    mk_buf_init(&csv);
    mk_cont_report(res, &rep);
    long iters = 0, evals = 0;
    mk_cont_result_cost(res, &iters, &evals);
    mk_buf_printf(&rep, "Cost: %d points, %ld Newton iterations, %ld right-hand-side evaluations, %.2f s wall time.\n",
                  mk_cont_result_points(res), iters, evals, mk_cont_result_wall_s(res));
    printf("\n%s", rep.data ? rep.data : "");
    char path[8400];
    int rc = 0;
    if (mk_cont_write_csv(res, &csv, &err) || mk_outdir_write(od, "scan.csv", csv.data ? csv.data : "", csv.len, &err) ||
        mk_outdir_write(od, "verdict.txt", rep.data ? rep.data : "", rep.len, &err) ||
        mk_outdir_path(od, "scan.png", path, sizeof path, &err) || mk_cont_write_figure(res, path, &err))
        rc = mk_cli_report(&err);
    if (!rc && !(rc = mk_cli_outdir_commit(od))) printf("output: %s (scan.csv, scan.png, verdict.txt)\n", mk_outdir_dir(od));
    mk_buf_free(&rep);
    mk_buf_free(&csv);
    mk_cont_result_free(res);
    return rc;
}

/* The swept quantity (a parameter or an input) and the scan's options from the command line;
 * warns when the sweep leaves a parameter's plausible range. */
static int scan_setup(const scan_args *a, mk_units *u, const mk_model_abi *abi, mk_scan_opts *so, const mk_symbol **sym)
{
    mk_error err = {0};
    mk_scan_opts_default(so);
    so->steps = a->steps;
    so->hyst_tol = a->tol;
    so->conv_tol = a->conv;
    so->watch = a->watch;
    int ip = mk_abi_find(abi, MK_SYM_PARAM, a->name), ii = ip < 0 ? mk_abi_find(abi, MK_SYM_INPUT, a->name) : -1;
    if (ip < 0 && ii < 0)
        return mk_cli_usage_error("model '%s' has no parameter or input '%s' (see myoknot model show %s)", abi->name, a->name,
                                  abi->name);
    so->kind = ip >= 0 ? MK_SYM_PARAM : MK_SYM_INPUT;
    so->index = ip >= 0 ? ip : ii;
    *sym = ip >= 0 ? &abi->params[ip] : &abi->inputs[ii];
    int rc = quantity(u, "--from", a->from, (*sym)->unit, &so->from);
    if (!rc) rc = quantity(u, "--to", a->to, (*sym)->unit, &so->to);
    if (rc) return rc;
    if (so->from == so->to) return mk_cli_usage_error("--from and --to are the same value");
    if (mk_units_convert_quantity(u, a->settle, "s", &so->settle_s, &err) || !(so->settle_s > 0))
        return mk_cli_usage_error("--settle '%s': %s", a->settle, err.message[0] ? err.message : "must be positive");
    if (a->watch && mk_abi_find(abi, MK_SYM_STATE, a->watch) < 0 && mk_abi_find(abi, MK_SYM_VAR, a->watch) < 0)
        return mk_cli_usage_error("--watch: model '%s' has no state or variable '%s'", abi->name, a->watch);
    if (ip >= 0 && (fmin(so->from, so->to) < (*sym)->lo || fmax(so->from, so->to) > (*sym)->hi))
        fprintf(stderr, "myoknot: warning: the sweep %g .. %g %s leaves %s's plausible range %g .. %g\n", so->from, so->to,
                (*sym)->unit, (*sym)->name, (*sym)->lo, (*sym)->hi);
    return 0;
}

/* The two branches, how far apart they are per output, the verdict and the solver's work. */
static void print_scan(const mk_model_abi *abi, const mk_scan_opts *so, const mk_scan_result *res, mk_buf *verdict)
{
    const char *cols[16];
    int nc = 0;
    const char *watch = mk_scan_result_watch(res, NULL), *unit = "", *name = mk_scan_result_swept(res, &unit);
    int n = mk_scan_result_points(res);
    cols[nc++] = watch;
    for (size_t i = 0; i < sizeof k_cols / sizeof *k_cols; i++)
        if (strcmp(col_name(abi, i), watch) && !isnan(mk_scan_result_get(res, 0, 0, col_name(abi, i), NULL)))
            cols[nc++] = col_name(abi, i);
    if (nc == 1) {
        for (int i = 0; i < abi->n_states && nc < 6; i++)
            if (strcmp(abi->states[i].name, watch)) cols[nc++] = abi->states[i].name;
        for (int i = 0; i < abi->n_vars && nc < 8; i++)
            if (abi->vars[i].is_output && strcmp(abi->vars[i].name, watch)) cols[nc++] = abi->vars[i].name;
    }
    print_branch(res, 0, cols, nc);
    print_branch(res, 1, cols, nc);
    /* the other outputs too: slow states may remember what the watched one forgets */
    printf("\nlargest difference between the branches, per output (relative):\n");
    for (int c = 0; c < nc; c++) {
        double worst = -1, at = NAN;
        for (int k = 0; k < n; k++) {
            double f = mk_scan_result_get(res, 0, k, cols[c], NULL), b = mk_scan_result_get(res, 1, k, cols[c], NULL);
            double d = fabs(f - b) / fmax(fmax(fabs(f), fabs(b)), so->abs_tol / so->hyst_tol);
            mk_scan_point_info p;
            if (d > worst && !mk_scan_result_point(res, 0, k, &p, NULL)) worst = d, at = p.value;
        }
        printf("  %-24s %8.3g %% at %s = %g %s%s\n", cols[c], 100 * worst, name, at, strcmp(unit, "1") ? unit : "",
               c == 0 ? "  (the watched output)" : "");
    }
    mk_scan_verdict(res, verdict);
    printf("\n%s\n", verdict->data ? verdict->data : "");
    mk_solver_stats st;
    mk_scan_result_stats(res, &st);
    printf("solver: %ld steps, %ld right-hand-side evaluations, %.2f s wall time for %d steady states\n", st.steps,
           st.rhs_evals, mk_scan_result_wall_s(res), 2 * n);
}

/* scan.csv, verdict.txt and scan.png into the output folder, committed. */
static int write_scan(const mk_scan_result *res, mk_buf *verdict, mk_outdir *od)
{
    mk_error err = {0};
    mk_buf csv;
    mk_buf_init(&csv);
    char path[8400];
    mk_buf_puts(verdict, "\n");
    int rc = 0;
    if (mk_scan_write_csv(res, &csv, &err) || mk_outdir_write(od, "scan.csv", csv.data ? csv.data : "", csv.len, &err) ||
        mk_outdir_write(od, "verdict.txt", verdict->data, verdict->len, &err) ||
        mk_outdir_path(od, "scan.png", path, sizeof path, &err) || mk_scan_write_figure(res, path, &err))
        rc = mk_cli_report(&err);
    mk_buf_free(&csv);
    if (!rc && !(rc = mk_cli_outdir_commit(od))) printf("output: %s (scan.csv, scan.png, verdict.txt)\n", mk_outdir_dir(od));
    return rc;
}

/* A scan by time runs: set up, run (mk_scan_run), print, write. */
static int scan_runs(const scan_args *a, const mk_model_abi *abi, const mk_symbol *sym, mk_solver *s, const mk_scan_opts *so,
                     mk_outdir *od)
{
    char hs[32];
    snprintf(hs, sizeof hs, "%.4g", so->settle_s / 3600);
    printf("myoknot %s: scan of %s (%s) from %g to %g %s in %d steps and back, model %s (%s), up to %s h per "
           "value\n",
           mk_version(), sym->name, so->kind == MK_SYM_PARAM ? "parameter" : "input", so->from, so->to, sym->unit, so->steps,
           abi->name, abi->hash, hs);
    for (int i = 0; i < a->n_sets; i++) printf("  held: %s\n", a->sets[i]);
    fflush(stdout);
    mk_scan_result *res = NULL;
    mk_error err = {0};
    if (mk_scan_run(s, so, &res, &err)) return mk_cli_report(&err);
    mk_buf verdict;
    mk_buf_init(&verdict);
    print_scan(abi, so, res, &verdict);
    int rc = write_scan(res, &verdict, od);
    mk_buf_free(&verdict);
    mk_scan_result_free(res);
    return rc;
}

static int scan_main(const scan_args *parsed)
{
    scan_args a = *parsed;
    mk_units *u = NULL;
    mk_error err = {0};
    mk_cli_model_ref ref = {0};
    mk_solver *s = NULL;
    mk_outdir *od = NULL;
    if (mk_units_new(&u, &err)) return mk_cli_report(&err);
    int rc = mk_cli_open_model(a.model, 1, &ref);
    mk_scan_opts so;
    const mk_symbol *sym = NULL;
    if (!rc) rc = scan_setup(&a, u, ref.abi, &so, &sym);
    char stem[300];
    if (!rc) snprintf(stem, sizeof stem, "scan-%s", sym->name);
    if (!rc) rc = mk_cli_outdir_open(&od, a.out, stem, &mk_outdir_kind_scan);
    if (!rc) {
        mk_solver_opts sopt;
        mk_solver_opts_default(&sopt);
        sopt.rtol = a.rtol;
        sopt.atol = a.atol;
        if (mk_solver_new(ref.abi, &sopt, &s, &err)) rc = mk_cli_report(&err);
    }
    for (int i = 0; !rc && i < a.n_sets; i++) rc = apply_set(u, ref.abi, s, a.sets[i]);
    if (!rc) rc = a.newton ? scan_newton(&a, s, &so, so.kind == MK_SYM_PARAM, od) : scan_runs(&a, ref.abi, sym, s, &so, od);
    mk_cli_outdir_abort(&od);
    mk_solver_free(s);
    mk_cli_close_model(&ref);
    mk_units_free(u);
    return rc;
}

int mk_cli_scan(int argc, char **argv)
{
    if (mk_cli_wants_help(argc, argv)) {
        fputs(k_help, stdout);
        return 0;
    }
    mk_cli_args args;
    scan_args a;
    int rc = mk_cli_args_parse("scan", k_opts, (int)(sizeof k_opts / sizeof *k_opts), argc, argv, &args);
    if (!rc) rc = parse_args(&args, &a);
    if (!rc) rc = scan_main(&a);
    mk_cli_args_free(&args); /* a points into it */
    return rc;
}
