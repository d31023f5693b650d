/*
 * cmd_validate.c -- myoknot validate: every target in data/validation/ (docs/validation.md)
 * against a model (or every tp_site* hypothesis variant), a table on the terminal and a
 * directory with validation.csv, validation.html and one figure per target.
 */
#include <dirent.h>
#include <errno.h>
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

#define MAX_MODELS 8
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

/* The *.yaml files of dir, sorted; NULL-terminated (NULL if dir cannot be read). */
static char **target_files(const char *dir, int *n_out)
{
    char **v = NULL;
    mk_error err = {0};
    return mk_vtarget_list(dir, &v, n_out, &err) ? NULL : v;
}

static int selected(const vopts *o, const char *path, const char *name)
{
    return mk_vtarget_selected(o->only, o->n_only, path, name);
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

/* ---------------------------------------------------------------- the command */

typedef struct row {
    char file[1024];
    mk_vtarget *t;
    char load_error[1200];
    mk_vresult *res[MAX_MODELS];
} row;

/* 0 validation, 1 calibration, -1 a file that did not load */
static int role_index(const mk_vtarget *t) { return !t ? -1 : strcmp(mk_vtarget_role(t), "validation") != 0; }

static int cmp_role(const void *a, const void *b)
{
    const row *x = a, *y = b;
    int d = role_index(x->t) - role_index(y->t);
    return d ? d : strcmp(x->file, y->file);
}

/* The marks of the last audit (DIR/audit.csv, written by validate --audit): the targets that pass
 * for (almost) every parameter variant of the audited model. */
typedef struct audit_marks {
    int n;
    char model[64];
    char header[256];
    char names[256][96];
} audit_marks;

static void read_audit_marks(const char *dir, audit_marks *m)
{
    memset(m, 0, sizeof *m);
    char path[1100], line[1024];
    snprintf(path, sizeof path, "%s/audit.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f) return;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        const char *mp;
        if (line[0] == '#') {
            if ((mp = strstr(line, "model ")) && !m->model[0]) {
                sscanf(mp + 6, "%63s", m->model);
                snprintf(m->header, sizeof m->header, "%.250s", line + 2);
            }
            continue;
        }
        size_t l = strlen(line);
        if (l > 12 && !strcmp(line + l - 12, ",insensitive") && m->n < 256) {
            snprintf(m->names[m->n], sizeof m->names[m->n], "%.*s", (int)strcspn(line, ","), line);
            m->n++;
        }
    }
    fclose(f);
}

static const char *audit_mark(const audit_marks *m, const char *name, const char *model)
{
    if (strcmp(m->model, model)) return "";
    for (int i = 0; i < m->n; i++)
        if (!strcmp(m->names[i], name)) return "insensitive";
    return "";
}

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

/* One run of the suite, in the order the steps below take it: the models, the targets loaded
 * and sorted by role, the output folder, the table printed as the targets run, the notes on
 * failures, the page, the totals. */
typedef struct suite {
    vopts o;
    mk_cli_model_ref refs[MAX_MODELS];
    int n_models;
    char **files;
    int n_files;
    row *rows;
    int n_rows, load_errors;
    mk_units *u;
    mk_anatomy *anat;
    mk_outdir *od;
    audit_marks marks;
    int counts[2][MAX_MODELS][MK_V_N]; /* [role: 0 validation, 1 calibration][model][verdict] */
    double wall;
} suite;

static int open_models(suite *s)
{
    if (!s->o.all_variants) {
        int rc = mk_cli_open_model(s->o.model ? s->o.model : "tp_site", 1, &s->refs[0]);
        if (!rc) s->n_models = 1;
        return rc;
    }
    for (int i = 0; mk_builtin_at(i) && s->n_models < MAX_MODELS; i++)
        if (!strncmp(mk_builtin_at(i)->name, "tp_site", 7)) s->refs[s->n_models++].abi = mk_builtin_at(i);
    if (s->n_models) return 0;
    fprintf(stderr, "myoknot: error: no built-in model starts with tp_site\n");
    return 1;
}

/* The target files, the unit system and the anatomy. */
static int open_targets(suite *s)
{
    s->files = target_files(s->o.dir, &s->n_files);
    if (!s->files || !s->n_files) {
        fprintf(stderr, "myoknot: error: no validation targets (*.yaml) in %s%s\n", s->o.dir,
                s->files ? "" : " (cannot read the directory: give --dir, or set MYOKNOT_DATA to the folder holding data/validation)");
        return 1;
    }
    s->rows = mk_calloc((size_t)s->n_files, sizeof *s->rows);
    mk_error err = {0};
    if (!s->rows) {
        fprintf(stderr, "myoknot: error: out of memory\n");
        return 1;
    }
    if (mk_units_new(&s->u, &err) || mk_anatomy_load(&s->anat, &err)) return mk_cli_report(&err);
    return 0;
}

static void print_header(const suite *s)
{
    printf("myoknot %s: validation against published data (%s), model%s", mk_version(), s->o.dir,
           s->n_models > 1 ? "s" : "");
    for (int m = 0; m < s->n_models; m++) printf(" %s (%s)", s->refs[m].abi->name, s->refs[m].abi->hash);
    printf("\n");
    if (s->o.all_variants) {
        static const char *const wanted[] = {"tp_site_neurogenic", "tp_site_central", NULL};
        for (int k = 0; wanted[k]; k++)
            if (!mk_builtin_find(wanted[k])) printf("(variant %s is not built in: not run)\n", wanted[k]);
    }
    printf("\n");
    pad_print("target", 30);
    if (s->n_models == 1) pad_print("source", 34);
    pad_print("published", 24);
    for (int m = 0; m < s->n_models; m++) {
        char h[64];
        snprintf(h, sizeof h, "%s", s->n_models == 1 ? "model" : s->refs[m].abi->name);
        pad_print(h, s->n_models == 1 ? 16 : 34);
    }
    if (s->n_models == 1) printf("verdict");
    printf("\n");
}

/* Every target loaded first, so that the groups print apart: the selected ones (and the files
 * that did not load) become rows, sorted validation first. */
static void load_rows(suite *s)
{
    for (int f = 0; f < s->n_files; f++) {
        row *r = &s->rows[s->n_rows];
        snprintf(r->file, sizeof r->file, "%s", s->files[f]);
        mk_error e = {0};
        if (mk_vtarget_load_file(s->files[f], &r->t, &e) || mk_vtarget_check_units(r->t, s->u, &e)) {
            mk_vtarget_free(r->t);
            r->t = NULL;
            if (!selected(&s->o, s->files[f], "")) continue;
            mk_error_format(&e, r->load_error, sizeof r->load_error);
            mk_cli_report(&e);
            s->load_errors++;
            s->n_rows++;
            continue;
        }
        if (!selected(&s->o, s->files[f], mk_vtarget_name(r->t))) {
            mk_vtarget_free(r->t);
            r->t = NULL;
            continue;
        }
        s->n_rows++;
    }
    qsort(s->rows, (size_t)s->n_rows, sizeof *s->rows, cmp_role);
}

/* One target against every model, its line of the table printed cell by cell as it runs. */
static int run_row(suite *s, row *r, int g)
{
    char b1[64], b2[64];
    pad_print(cut(b1, sizeof b1, mk_vtarget_name(r->t), 29), 30);
    fflush(stdout);
    for (int m = 0; m < s->n_models; m++) {
        mk_error e = {0};
        if (mk_vtarget_run(r->t, s->refs[m].abi, s->u, s->anat, &r->res[m], &e)) return mk_cli_report(&e), 1;
        const mk_vresult *res = r->res[m];
        s->counts[g][m][mk_vresult_verdict(res)]++;
        if (m == 0) {
            if (s->n_models == 1) pad_print(cut(b1, sizeof b1, mk_vresult_source(res), 33), 34);
            pad_print(cut(b2, sizeof b2, mk_vresult_published(res), 23), 24);
        }
        const char *mark = audit_mark(&s->marks, mk_vresult_name(res), s->refs[m].abi->name);
        if (s->n_models == 1) {
            pad_print(cut(b1, sizeof b1, mk_vresult_model_text(res), 15), 16);
            printf("%s%s%s", mk_verdict_name(mk_vresult_verdict(res)), mark[0] ? " " : "", mark);
            if (mk_vresult_circular(res)[0]) printf(" [circular]");
        } else {
            char cell[200];
            snprintf(cell, sizeof cell, "%s %s%s%s", mk_vresult_model_text(res), mk_verdict_name(mk_vresult_verdict(res)),
                     mark[0] ? " " : "", mark[0] ? "[i]" : "");
            pad_print(cut(b1, sizeof b1, cell, 33), 34);
        }
        fflush(stdout);
    }
    printf("\n");
    return 0;
}

static int run_rows(suite *s)
{
    struct timespec c0, c1;
    clock_gettime(CLOCK_MONOTONIC, &c0);
    int group = -1;
    for (int i = 0; i < s->n_rows; i++) {
        row *r = &s->rows[i];
        if (!r->t) continue;
        int g = role_index(r->t);
        if (g != group) {
            group = g;
            printf("%s-- %s targets%s\n", i ? "\n" : "", g ? "calibration" : "validation",
                   g ? " (may be used to set parameters; a pass here is not evidence)" : " (never used to set parameters)");
        }
        if (run_row(s, r, g)) return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &c1);
    s->wall = (double)(c1.tv_sec - c0.tv_sec) + 1e-9 * (double)(c1.tv_nsec - c0.tv_nsec);
    return 0;
}

/* Notes for failures and circular targets, loud unexpected passes; returns how many results
 * make the suite fail (files that did not load included). */
static int print_problems(const suite *s)
{
    int bad = s->load_errors, xpass = 0;
    printf("\n");
    for (int i = 0; i < s->n_rows; i++)
        for (int m = 0; s->rows[i].t && m < s->n_models; m++) {
            const mk_vresult *res = s->rows[i].res[m];
            mk_verdict v = mk_vresult_verdict(res);
            if (v == MK_V_FAIL || v == MK_V_ERROR || v == MK_V_DRIFT) {
                bad++;
                printf("%s %s [%s]: %s\n", mk_verdict_name(v), mk_vresult_name(res), s->refs[m].abi->name,
                       mk_vresult_note(res));
            }
            if (mk_vresult_circular(res)[0] && !strcmp(mk_vresult_role(res), "validation")) {
                bad++;
                printf("!!! CIRCULAR validation target %s [%s]: the model's parameters were set from its number (%s); "
                       "make it 'role: calibration' or test a number the parameters were not set from\n",
                       mk_vresult_name(res), s->refs[m].abi->name, mk_vresult_circular(res));
            }
        }
    for (int i = 0; i < s->n_rows; i++)
        for (int m = 0; s->rows[i].t && m < s->n_models; m++)
            if (mk_vresult_verdict(s->rows[i].res[m]) == MK_V_XPASS) {
                bad++;
                if (!xpass++) printf("\n");
                printf("!!! UNEXPECTED PASS %s [%s]: the model now reproduces it; remove 'expected_failure' from %s"
                       "%s\n", mk_vresult_name(s->rows[i].res[m]), s->refs[m].abi->name, s->rows[i].file,
                       s->n_models > 1 ? " (or make it a per-model mapping that leaves this model out)" : "");
            }
    return bad;
}

/* The page: validation.csv and validation.html with the figures (the library's), committed. */
static int write_page(suite *s)
{
    int n = s->n_rows ? s->n_rows : 1, rc = 0;
    mk_vsuite_row *vrows = mk_calloc((size_t)n, sizeof *vrows);
    const char *(*vmarks)[MAX_MODELS] = mk_calloc((size_t)n, sizeof *vmarks);
    const char *names[MAX_MODELS];
    for (int m = 0; m < s->n_models; m++) names[m] = s->refs[m].abi->name;
    for (int i = 0; vrows && vmarks && i < s->n_rows; i++) {
        const row *r = &s->rows[i];
        vrows[i] = (mk_vsuite_row){.file = r->file, .load_error = r->t ? "" : r->load_error, .res = (const mk_vresult *const *)r->res,
                                   .marks = vmarks[i]};
        for (int m = 0; r->t && m < s->n_models; m++) vmarks[i][m] = audit_mark(&s->marks, mk_vresult_name(r->res[m]), names[m]);
    }
    mk_vsuite_page page = {.targets_dir = s->o.dir, .n_models = s->n_models, .models = names, .wall_s = s->wall};
    mk_error err = {0};
    if (!vrows || !vmarks) rc = 1, fputs("myoknot: error: out of memory\n", stderr);
    else if (mk_vsuite_write(&page, vrows, s->n_rows, s->od, &err)) rc = mk_cli_report(&err);
    free(vrows);
    free(vmarks);
    return rc ? rc : mk_cli_outdir_commit(s->od);
}

static void print_totals(const suite *s)
{
    printf("\n");
    for (int g = 0; g < 2; g++)
        for (int m = 0; m < s->n_models; m++) {
            const int *c = s->counts[g][m];
            int n = 0;
            for (int v = 0; v < MK_V_N; v++) n += c[v];
            printf("%-11s %-20s %2d pass, %2d FAIL, %2d expected-fail, %2d DRIFT, %2d UNEXPECTED-PASS, %2d error (of %d)\n",
                   g ? "calibration" : "validation", s->refs[m].abi->name, c[MK_V_PASS], c[MK_V_FAIL], c[MK_V_XFAIL],
                   c[MK_V_DRIFT], c[MK_V_XPASS], c[MK_V_ERROR], n);
        }
    if (s->marks.n) {
        int n_ins = 0;
        for (int i = 0; i < s->n_rows; i++)
            if (s->rows[i].t && !role_index(s->rows[i].t) &&
                audit_mark(&s->marks, mk_vresult_name(s->rows[i].res[0]), s->refs[0].abi->name)[0])
                n_ins++;
        printf("audit (%s): %d validation target%s marked insensitive\n", s->marks.header, n_ins, n_ins == 1 ? "" : "s");
    }
    if (s->load_errors) printf("%d validation file%s could not be loaded\n", s->load_errors, s->load_errors > 1 ? "s" : "");
    printf("suite time %.1f s (simulation and extraction); written to %s (validation.csv, validation.html)\n", s->wall,
           mk_outdir_dir(s->od));
}

static void suite_free(suite *s)
{
    mk_cli_outdir_abort(&s->od);
    for (int i = 0; i < s->n_files; i++) {
        if (s->rows) {
            for (int m = 0; m < MAX_MODELS; m++) mk_vresult_free(s->rows[i].res[m]);
            mk_vtarget_free(s->rows[i].t);
        }
        if (s->files) free(s->files[i]);
    }
    free(s->files);
    free(s->rows);
    mk_anatomy_free(s->anat);
    mk_units_free(s->u);
    for (int m = 0; m < s->n_models; m++) mk_cli_close_model(&s->refs[m]);
}

static int validate_main(const vopts *parsed)
{
    suite *s = mk_calloc(1, sizeof *s); /* ~50 kB of marks: not on the stack */
    if (!s) return fputs("myoknot: error: out of memory\n", stderr), 1;
    s->o = *parsed;
    int rc = open_models(s);
    if (!rc && s->o.audit) {
        mk_cli_audit_opts ao = {.dir = s->o.dir, .out = s->o.out, .only = s->o.only, .n_only = s->o.n_only,
                                .jobs = s->o.jobs ? s->o.jobs : 2};
        rc = mk_cli_validate_audit(&ao, s->refs[0].abi);
    } else if (!rc && !(rc = open_targets(s))) {
        /* the output folder before the targets run */
        rc = mk_cli_outdir_open(&s->od, s->o.out, "validation", &k_validation_kind) ? 1 : 0;
        if (!rc) {
            print_header(s);
            load_rows(s);
            read_audit_marks(s->o.dir, &s->marks);
            rc = run_rows(s);
        }
        if (!rc && s->o.n_only && s->n_rows == 0) /* a mistyped --only must not pass as "0 of 0" */
            rc = mk_cli_usage_error("no validation target in %s matches --only %s%s", s->o.dir, s->o.only[0],
                                    s->o.n_only > 1 ? " (or the other --only names)" : "");
        int bad = rc ? 0 : print_problems(s);
        if (!rc && !(rc = write_page(s))) {
            print_totals(s);
            rc = bad ? 1 : 0;
        }
    }
    suite_free(s);
    free(s);
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
