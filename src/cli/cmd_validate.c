/*
 * cmd_validate.c -- myoknot validate: every target in data/validation/ (docs/validation.md)
 * against a model (or every tp_site* hypothesis variant), a table on the terminal and a
 * directory with validation.csv, validation.html and one figure per target.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"

static const char k_help[] =
    "usage: myoknot validate [--model FILE|NAME] [--all-variants] [--only NAME]... [--dir DIR]\n"
    "                        [--out DIR] [--audit [--jobs N]]\n"
    "\n"
    "Runs every validation target (one published observation per file, docs/validation.md)\n"
    "against the model and prints target, source, published value, the model's number and the\n"
    "verdict: pass, FAIL, expected-fail (a documented miss), DRIFT (a documented miss whose\n"
    "value moved beyond the recorded drift) or UNEXPECTED-PASS (remove the file's\n"
    "expected_failure mark), validation targets first, then calibration targets.  Writes\n"
    "validation.csv, validation.html and one figure per target into the output directory.\n"
    "\n"
    "  --model M        the model under test: a built-in name or a .myo file (default tp_site)\n"
    "  --all-variants   every built-in model whose name starts with tp_site, one column each\n"
    "  --only NAME      only this target (its name or file name without .yaml); repeatable\n"
    "  --dir DIR        where the targets are (default data/validation, here or installed)\n"
    "  --out DIR        the output directory (default runs/validation-YYYYMMDD-HHMMSS)\n"
    "  --audit          move every ranged parameter to each end of its range, run the targets\n"
    "                   for each variant and mark those that (almost) always pass as\n"
    "                   insensitive (a variant whose run fails is counted apart, not as a\n"
    "                   flip): writes audit-table.csv to --out and the marks to\n"
    "                   DIR/audit.csv, which validate shows (minutes; see docs/validation.md)\n"
    "  --jobs N         audit worker processes (default 2)\n"
    "\n"
    "Exit status: 0 when every result is a pass or an expected failure within its drift; 1 when\n"
    "any target fails unexpectedly, drifts, passes unexpectedly, cannot be run, or is a\n"
    "validation target whose number the model's parameters were set from (circular); 2 for a\n"
    "wrong command line.\n";

#define MAX_MODELS MK_VSUITE_MAX_MODELS
#define MAX_ONLY 32

typedef struct vopts {
    const char *model, *dir, *out;
    const char *only[MAX_ONLY];
    int n_only, all_variants, audit, jobs;
    char dir_buf[4096]; /* dir found under a data root (mk_cli_data_path) */
} vopts;

static const mk_cli_opt k_opts[] = {
    {"--model", MK_CLI_VALUE}, {"--only", MK_CLI_VALUE},         {"--out", MK_CLI_VALUE},
    {"--dir", MK_CLI_VALUE},   {"--all-variants", MK_CLI_FLAG}, {"--audit", MK_CLI_FLAG},
    {"--jobs", MK_CLI_VALUE},
};

static int parse(const mk_cli_args *args, vopts *o)
{
    memset(o, 0, sizeof *o);
    o->dir = "data/validation";
    for (int i = 0; i < args->n; i++) {
        const char *a = args->v[i].opt, *v = args->v[i].value;
        if (!a) return mk_cli_args_extra(&args->v[i], "unknown argument '%s' for 'validate' (see myoknot validate --help)", v);
        if (!strcmp(a, "--all-variants")) o->all_variants = 1;
        else if (!strcmp(a, "--audit")) o->audit = 1;
        else if (!strcmp(a, "--jobs")) {
            char *end;
            long j = strtol(v, &end, 10);
            if (!*v || *end || j < 1 || j > MK_WORKERS_MAX) return mk_cli_usage_error("--jobs needs a number of workers from 1 to %d", MK_WORKERS_MAX);
            o->jobs = (int)j;
        } else if (!strcmp(a, "--model")) o->model = v;
        else if (!strcmp(a, "--out")) o->out = v;
        else if (!strcmp(a, "--dir")) o->dir = v;
        else if (o->n_only == MAX_ONLY) return mk_cli_usage_error("too many --only options (at most %d)", MAX_ONLY);
        else o->only[o->n_only++] = v;
    }
    if (o->all_variants && o->model) return mk_cli_usage_error("--model and --all-variants exclude each other");
    if (o->audit && o->all_variants) return mk_cli_usage_error("--audit takes one model (--model), not --all-variants");
    if (o->jobs && !o->audit) return mk_cli_usage_error("--jobs belongs to --audit");
    o->dir = mk_cli_data_path(o->dir, o->dir_buf, sizeof o->dir_buf);
    return 0;
}

/* ---------------------------------------------------------------- output directory */

/* A previous validation directory holds validation.csv and nothing but what this command
 * writes (validation.csv, validation.html, figures): only then may it be replaced. */
static int is_previous_validation(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int csv = 0, foreign = 0;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        size_t len = strlen(n);
        if (!strcmp(n, ".") || !strcmp(n, "..")) continue;
        if (!strcmp(n, "validation.csv")) csv = 1;
        else if (strcmp(n, "validation.html") && !(len > 4 && !strcmp(n + len - 4, ".png"))) foreign = 1;
    }
    closedir(d);
    return csv && !foreign;
}

static const mk_outdir_kind k_validation_kind = {
    "a validation directory (it holds other files, or no validation.csv)", NULL, is_previous_validation};

/* ---------------------------------------------------------------- the table */

static const char *cut(char *buf, size_t size, const char *s, size_t w)
{
    if (strlen(s) <= w) snprintf(buf, size, "%s", s);
    else snprintf(buf, size, "%.*s~", (int)(w - 1), s);
    return buf;
}

/* Display width of UTF-8 text (code points). */
static int width(const char *s)
{
    int n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void pad_print(const char *s, int w)
{
    fputs(s, stdout);
    for (int k = width(s); k < w; k++) fputc(' ', stdout);
}

/* One run of the command: the models, the options, the output folder, and what the table has
 * printed so far (the suite itself is the library's mk_vsuite_run). */
typedef struct view {
    vopts o;
    mk_cli_model_ref refs[MAX_MODELS];
    const mk_model_abi *abis[MAX_MODELS];
    int n_models, group;
    mk_outdir *od;
} view;

static int open_models(view *v)
{
    if (!v->o.all_variants) {
        int rc = mk_cli_open_model(v->o.model ? v->o.model : "tp_site", 1, &v->refs[0]);
        if (!rc) v->abis[v->n_models++] = v->refs[0].abi;
        return rc;
    }
    for (int i = 0; mk_builtin_at(i) && v->n_models < MAX_MODELS; i++)
        if (!strncmp(mk_builtin_at(i)->name, "tp_site", 7)) v->abis[v->n_models++] = mk_builtin_at(i);
    if (v->n_models) return 0;
    fprintf(stderr, "myoknot: error: no built-in model starts with tp_site\n");
    return 1;
}

static void on_load_error(void *ctx, const mk_error *e)
{
    (void)ctx;
    mk_cli_report(e);
}

static void on_loaded(void *ctx, const mk_vsuite_run *s)
{
    (void)s;
    view *v = ctx;
    printf("myoknot %s: validation against published data (%s), model%s", mk_version(), v->o.dir, v->n_models > 1 ? "s" : "");
    for (int m = 0; m < v->n_models; m++) printf(" %s (%s)", v->abis[m]->name, v->abis[m]->hash);
    printf("\n");
    if (v->o.all_variants) {
        static const char *const wanted[] = {"tp_site_neurogenic", "tp_site_central", NULL};
        for (int k = 0; wanted[k]; k++)
            if (!mk_builtin_find(wanted[k])) printf("(variant %s is not built in: not run)\n", wanted[k]);
    }
    printf("\n");
    pad_print("target", 30);
    if (v->n_models == 1) pad_print("source", 34);
    pad_print("published", 24);
    for (int m = 0; m < v->n_models; m++) pad_print(v->n_models == 1 ? "model" : v->abis[m]->name, v->n_models == 1 ? 16 : 34);
    if (v->n_models == 1) printf("verdict");
    printf("\n");
    v->group = -1;
}

/* A target's line starts: the group's heading when it changes, then the target's name. */
static void on_row(void *ctx, const mk_vsuite_run *s, int i)
{
    view *v = ctx;
    int g = strcmp(mk_vsuite_run_role(s, i), "validation") != 0;
    if (g != v->group) {
        printf("%s-- %s targets%s\n", v->group >= 0 ? "\n" : "", g ? "calibration" : "validation",
               g ? " (may be used to set parameters; a pass here is not evidence)" : " (never used to set parameters)");
        v->group = g;
    }
    char b[64];
    pad_print(cut(b, sizeof b, mk_vsuite_run_name(s, i), 29), 30);
    fflush(stdout);
}

/* One result: its cell of the table. */
static void on_result(void *ctx, const mk_vsuite_run *s, int i, int m)
{
    view *v = ctx;
    const mk_vresult *res = mk_vsuite_run_result(s, i, m);
    const char *mark = mk_vsuite_run_mark(s, i, m);
    char b1[64], b2[64];
    if (m == 0) {
        if (v->n_models == 1) pad_print(cut(b1, sizeof b1, mk_vresult_source(res), 33), 34);
        pad_print(cut(b2, sizeof b2, mk_vresult_published(res), 23), 24);
    }
    if (v->n_models == 1) {
        pad_print(cut(b1, sizeof b1, mk_vresult_model_text(res), 15), 16);
        printf("%s%s%s", mk_verdict_name(mk_vresult_verdict(res)), mark[0] ? " " : "", mark);
        if (mk_vresult_circular(res)[0]) printf(" [circular]");
    } else {
        char cell[200];
        snprintf(cell, sizeof cell, "%s %s%s%s", mk_vresult_model_text(res), mk_verdict_name(mk_vresult_verdict(res)),
                 mark[0] ? " " : "", mark[0] ? "[i]" : "");
        pad_print(cut(b1, sizeof b1, cell, 33), 34);
    }
    if (m == v->n_models - 1) printf("\n");
    fflush(stdout);
}

/* Notes for failures and circular targets, loud unexpected passes; returns how many results
 * make the suite fail (files that did not load included). */
static int print_problems(const mk_vsuite_run *s)
{
    int bad = mk_vsuite_run_load_errors(s), xpass = 0, n = mk_vsuite_run_n_rows(s), nm = mk_vsuite_run_n_models(s);
    printf("\n");
    for (int i = 0; i < n; i++)
        for (int m = 0; m < nm && mk_vsuite_run_result(s, i, m); m++) {
            const mk_vresult *res = mk_vsuite_run_result(s, i, m);
            mk_verdict v = mk_vresult_verdict(res);
            if (v == MK_V_FAIL || v == MK_V_ERROR || v == MK_V_DRIFT) {
                bad++;
                printf("%s %s [%s]: %s\n", mk_verdict_name(v), mk_vresult_name(res), mk_vsuite_run_model(s, m), mk_vresult_note(res));
            }
            if (mk_vresult_circular(res)[0] && !strcmp(mk_vresult_role(res), "validation")) {
                bad++;
                printf("!!! CIRCULAR validation target %s [%s]: the model's parameters were set from its number (%s); "
                       "make it 'role: calibration' or test a number the parameters were not set from\n",
                       mk_vresult_name(res), mk_vsuite_run_model(s, m), mk_vresult_circular(res));
            }
        }
    for (int i = 0; i < n; i++)
        for (int m = 0; m < nm && mk_vsuite_run_result(s, i, m); m++)
            if (mk_vresult_verdict(mk_vsuite_run_result(s, i, m)) == MK_V_XPASS) {
                bad++;
                if (!xpass++) printf("\n");
                printf("!!! UNEXPECTED PASS %s [%s]: the model now reproduces it; remove 'expected_failure' from %s"
                       "%s\n", mk_vsuite_run_name(s, i), mk_vsuite_run_model(s, m), mk_vsuite_run_file(s, i),
                       nm > 1 ? " (or make it a per-model mapping that leaves this model out)" : "");
            }
    return bad;
}

static void print_totals(const mk_vsuite_run *s, const char *out)
{
    printf("\n");
    for (int g = 0; g < 2; g++)
        for (int m = 0; m < mk_vsuite_run_n_models(s); m++) {
            int c[MK_V_N], n = 0;
            for (int v = 0; v < MK_V_N; v++) n += c[v] = mk_vsuite_run_count(s, g, m, (mk_verdict)v);
            printf("%-11s %-20s %2d pass, %2d FAIL, %2d expected-fail, %2d DRIFT, %2d UNEXPECTED-PASS, %2d error (of %d)\n",
                   g ? "calibration" : "validation", mk_vsuite_run_model(s, m), c[MK_V_PASS], c[MK_V_FAIL], c[MK_V_XFAIL],
                   c[MK_V_DRIFT], c[MK_V_XPASS], c[MK_V_ERROR], n);
        }
    int n_marked = 0;
    const char *header = mk_vsuite_run_audit(s, &n_marked);
    if (n_marked) {
        int n_ins = 0;
        for (int i = 0; i < mk_vsuite_run_n_rows(s); i++)
            n_ins += !strcmp(mk_vsuite_run_role(s, i), "validation") && mk_vsuite_run_mark(s, i, 0)[0];
        printf("audit (%s): %d validation target%s marked insensitive\n", header, n_ins, n_ins == 1 ? "" : "s");
    }
    int le = mk_vsuite_run_load_errors(s);
    if (le) printf("%d validation file%s could not be loaded\n", le, le > 1 ? "s" : "");
    printf("suite time %.1f s (simulation and extraction); written to %s (validation.csv, validation.html)\n",
           mk_vsuite_run_wall_s(s), out);
}

/* The suite: the output folder before the targets run, the table as they run, the notes on
 * failures, the page, the totals. */
static int run_suite(view *v)
{
    if (mk_cli_outdir_open(&v->od, v->o.out, "validation", &k_validation_kind)) return 1;
    mk_vsuite_opts so = {.dir = v->o.dir, .only = v->o.only, .n_only = v->o.n_only, .n_models = v->n_models,
                         .models = v->abis, .load_error = on_load_error, .loaded = on_loaded, .row_started = on_row,
                         .result = on_result, .ctx = v};
    mk_vsuite_run *s = NULL;
    mk_error err = {0};
    if (mk_vsuite_run_new(&so, &s, &err)) {
        if (err.code == MK_ERR_INVALID && err.origin == MK_ORIGIN_ARGUMENT && v->o.n_only) return mk_cli_usage_error("%s", err.message);
        mk_cli_report(&err);
        if (err.code == MK_ERR_IO && err.origin == MK_ORIGIN_ARGUMENT)
            fputs("(give --dir, or set MYOKNOT_DATA to the folder holding data/validation)\n", stderr);
        return 1;
    }
    int bad = print_problems(s), rc = 0;
    char out[1024];
    snprintf(out, sizeof out, "%s", mk_outdir_dir(v->od));
    if (mk_vsuite_run_write(s, v->od, &err)) rc = mk_cli_report(&err);
    else if (!(rc = mk_cli_outdir_commit(v->od))) {
        print_totals(s, out);
        rc = bad ? 1 : 0;
    }
    mk_vsuite_run_free(s);
    return rc;
}

static int validate_main(const vopts *parsed)
{
    view *v = mk_calloc(1, sizeof *v);
    if (!v) return fputs("myoknot: error: out of memory\n", stderr), 1;
    v->o = *parsed;
    int rc = open_models(v);
    if (!rc && v->o.audit) {
        mk_cli_audit_opts ao = {.dir = v->o.dir, .out = v->o.out, .only = v->o.only, .n_only = v->o.n_only,
                                .jobs = v->o.jobs ? v->o.jobs : 2};
        rc = mk_cli_validate_audit(&ao, v->abis[0]);
    } else if (!rc) {
        rc = run_suite(v);
    }
    mk_cli_outdir_abort(&v->od);
    for (int m = 0; m < MAX_MODELS; m++) mk_cli_close_model(&v->refs[m]);
    free(v);
    return rc;
}

int mk_cli_validate(int argc, char **argv)
{
    if (mk_cli_wants_help(argc, argv)) {
        fputs(k_help, stdout);
        return 0;
    }
    mk_cli_args args;
    vopts o;
    int rc = mk_cli_args_parse("validate", k_opts, (int)(sizeof k_opts / sizeof *k_opts), argc, argv, &args);
    if (!rc) rc = parse(&args, &o);
    if (!rc) rc = validate_main(&o);
    mk_cli_args_free(&args); /* o points into it */
    return rc;
}
