/*
 * vsuite_run.c -- running a validation suite (myoknot validate; docs/validation.md): the
 * target files of a folder, loaded first and sorted validation before calibration, each run
 * against every model, with the audit's marks (DIR/audit.csv) read back and the verdicts
 * counted per role and model.  The caller watches through callbacks (the command prints its
 * table cell by cell as results arrive) and writes the page with mk_vsuite_run_write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "myoknot.h"

/* The marks of the last audit: the targets that pass for (almost) every parameter variant of
 * the audited model. */
typedef struct vmarks {
    int n, cap;
    char model[64];
    char header[256];
    char **names;
} vmarks;

typedef struct vrow {
    char *file;
    mk_vtarget *t;       /* NULL: the file did not load */
    char load_error[1200];
    mk_vresult *res[MK_VSUITE_MAX_MODELS];
} vrow;

struct mk_vsuite_run {
    const mk_model_abi *models[MK_VSUITE_MAX_MODELS];
    char names[MK_VSUITE_MAX_MODELS][128];
    int n_models;
    char dir[1024];
    vrow *rows;
    int n_rows, load_errors;
    vmarks marks;
    int counts[2][MK_VSUITE_MAX_MODELS][MK_V_N]; /* [role: 0 validation, 1 calibration][model][verdict] */
    double wall_s;
};

/* 0 validation, 1 calibration, -1 a file that did not load */
static int role_index(const mk_vtarget *t) { return !t ? -1 : strcmp(mk_vtarget_role(t), "validation") != 0; }

static int cmp_role(const void *a, const void *b)
{
    const vrow *x = a, *y = b;
    int d = role_index(x->t) - role_index(y->t);
    return d ? d : strcmp(x->file, y->file);
}

static void marks_free(vmarks *m)
{
    for (int i = 0; i < m->n; i++) free(m->names[i]);
    free(m->names);
    memset(m, 0, sizeof *m);
}

static int marks_add(vmarks *m, const char *line)
{
    if (m->n == m->cap) {
        int cap = m->cap ? 2 * m->cap : 32;
        char **v = mk_realloc(m->names, (size_t)cap * sizeof *v);
        if (!v) return -1;
        m->names = v;
        m->cap = cap;
    }
    size_t l = strcspn(line, ",");
    if (!(m->names[m->n] = mk_malloc(l + 1))) return -1;
    memcpy(m->names[m->n], line, l);
    m->names[m->n++][l] = 0;
    return 0;
}

/* DIR/audit.csv, if there is one (written by the audit): its model, header and marked names. */
static mk_status marks_read(const char *dir, vmarks *m, mk_error *err)
{
    char path[1100], line[1024];
    snprintf(path, sizeof path, "%s/audit.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f) return MK_OK;
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
        if (l > 12 && !strcmp(line + l - 12, ",insensitive") && marks_add(m, line)) {
            fclose(f);
            return mk_fail(err, MK_ERR_NOMEM, "out of memory");
        }
    }
    fclose(f);
    return MK_OK;
}

static const char *mark_of(const vmarks *m, const char *name, const char *model)
{
    if (strcmp(m->model, model)) return "";
    for (int i = 0; i < m->n; i++)
        if (!strcmp(m->names[i], name)) return "insensitive";
    return "";
}

/* Every target loaded first, so that the groups run apart: the selected ones (and the files
 * that did not load) become rows, sorted validation first. */
static mk_status load_rows(mk_vsuite_run *s, const mk_vsuite_opts *o, mk_units *u, mk_error *err)
{
    char **files = NULL;
    int n_files = 0;
    mk_status rc = mk_vtarget_list(o->dir, &files, &n_files, err);
    if (!rc && !n_files)
        rc = mk_error_from(err, MK_ORIGIN_ARGUMENT, mk_fail(err, MK_ERR_INVALID, "no validation targets (*.yaml) in %s", o->dir));
    if (!rc && !(s->rows = mk_calloc((size_t)n_files, sizeof *s->rows))) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
    for (int f = 0; !rc && f < n_files; f++) {
        vrow *r = &s->rows[s->n_rows];
        mk_error e = {0};
        int bad = mk_vtarget_load_file(files[f], &r->t, &e) || mk_vtarget_check_units(r->t, u, &e);
        if (!mk_vtarget_selected(o->only, o->n_only, files[f], bad ? "" : mk_vtarget_name(r->t))) {
            mk_vtarget_free(r->t);
            r->t = NULL;
            continue;
        }
        if (bad) {
            mk_vtarget_free(r->t);
            r->t = NULL;
            mk_error_format(&e, r->load_error, sizeof r->load_error);
            s->load_errors++;
            if (o->load_error) o->load_error(o->ctx, &e);
        }
        r->file = files[f];
        files[f] = NULL;
        s->n_rows++;
    }
    for (int f = 0; f < n_files; f++) free(files[f]);
    free(files);
    if (!rc && o->n_only && !s->n_rows)
        rc = mk_error_from(err, MK_ORIGIN_ARGUMENT, mk_fail(err, MK_ERR_INVALID, "no validation target in %s matches --only %s%s",
                                                            o->dir, o->only[0], o->n_only > 1 ? " (or the other --only names)" : ""));
    if (!rc) qsort(s->rows, (size_t)s->n_rows, sizeof *s->rows, cmp_role);
    return rc;
}

static mk_status run_rows(mk_vsuite_run *s, const mk_vsuite_opts *o, mk_units *u, const mk_anatomy *anat, mk_error *err)
{
    double t0 = mk_monotonic_s();
    for (int i = 0; i < s->n_rows; i++) {
        vrow *r = &s->rows[i];
        if (!r->t) continue;
        if (o->row_started) o->row_started(o->ctx, s, i);
        for (int m = 0; m < s->n_models; m++) {
            mk_status rc = mk_vtarget_run(r->t, s->models[m], u, anat, &r->res[m], err);
            if (rc) return rc;
            s->counts[role_index(r->t)][m][mk_vresult_verdict(r->res[m])]++;
            if (o->result) o->result(o->ctx, s, i, m);
        }
    }
    s->wall_s = mk_monotonic_s() - t0;
    return MK_OK;
}

mk_status mk_vsuite_run_new(const mk_vsuite_opts *o, mk_vsuite_run **out, mk_error *err)
{
    if (!o || !o->dir || !out || o->n_models < 1 || o->n_models > MK_VSUITE_MAX_MODELS || !o->models || (o->n_only && !o->only))
        return mk_fail(err, MK_ERR_INVALID, "mk_vsuite_run_new: missing argument or 1 .. %d models", MK_VSUITE_MAX_MODELS);
    *out = NULL;
    mk_vsuite_run *s = mk_calloc(1, sizeof *s);
    if (!s) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    s->n_models = o->n_models;
    for (int m = 0; m < o->n_models; m++) {
        s->models[m] = o->models[m];
        snprintf(s->names[m], sizeof s->names[m], "%s", o->models[m]->name);
    }
    snprintf(s->dir, sizeof s->dir, "%s", o->dir);
    mk_units *u = NULL;
    mk_anatomy *anat = NULL;
    mk_status rc = mk_units_new(&u, err);
    if (!rc) rc = mk_anatomy_load(&anat, err);
    if (!rc) rc = load_rows(s, o, u, err);
    if (!rc) rc = marks_read(o->dir, &s->marks, err);
    if (!rc && o->loaded) o->loaded(o->ctx, s);
    if (!rc) rc = run_rows(s, o, u, anat, err);
    mk_anatomy_free(anat);
    mk_units_free(u);
    for (int m = 0; m < s->n_models; m++) s->models[m] = NULL; /* the caller's; read during the run only */
    if (rc) {
        mk_vsuite_run_free(s);
        return rc;
    }
    *out = s;
    return MK_OK;
}

void mk_vsuite_run_free(mk_vsuite_run *s)
{
    if (!s) return;
    for (int i = 0; s->rows && i < s->n_rows; i++) {
        for (int m = 0; m < MK_VSUITE_MAX_MODELS; m++) mk_vresult_free(s->rows[i].res[m]);
        mk_vtarget_free(s->rows[i].t);
        free(s->rows[i].file);
    }
    free(s->rows);
    marks_free(&s->marks);
    free(s);
}

int mk_vsuite_run_n_rows(const mk_vsuite_run *s) { return s ? s->n_rows : 0; }
int mk_vsuite_run_n_models(const mk_vsuite_run *s) { return s ? s->n_models : 0; }
int mk_vsuite_run_load_errors(const mk_vsuite_run *s) { return s ? s->load_errors : 0; }
double mk_vsuite_run_wall_s(const mk_vsuite_run *s) { return s ? s->wall_s : 0; }

const char *mk_vsuite_run_model(const mk_vsuite_run *s, int m)
{
    return s && m >= 0 && m < s->n_models ? s->names[m] : "";
}

static const vrow *row_at(const mk_vsuite_run *s, int i) { return s && i >= 0 && i < s->n_rows ? &s->rows[i] : NULL; }

const char *mk_vsuite_run_file(const mk_vsuite_run *s, int i)
{
    const vrow *r = row_at(s, i);
    return r ? r->file : "";
}

const char *mk_vsuite_run_load_error(const mk_vsuite_run *s, int i)
{
    const vrow *r = row_at(s, i);
    return r && !r->t ? r->load_error : "";
}

const char *mk_vsuite_run_role(const mk_vsuite_run *s, int i)
{
    const vrow *r = row_at(s, i);
    return r && r->t ? mk_vtarget_role(r->t) : "";
}

const char *mk_vsuite_run_name(const mk_vsuite_run *s, int i)
{
    const vrow *r = row_at(s, i);
    return r && r->t ? mk_vtarget_name(r->t) : "";
}

const mk_vresult *mk_vsuite_run_result(const mk_vsuite_run *s, int i, int m)
{
    const vrow *r = row_at(s, i);
    return r && m >= 0 && m < s->n_models ? r->res[m] : NULL;
}

const char *mk_vsuite_run_mark(const mk_vsuite_run *s, int i, int m)
{
    const vrow *r = row_at(s, i);
    return r && r->t && m >= 0 && m < s->n_models ? mark_of(&s->marks, mk_vtarget_name(r->t), s->names[m]) : "";
}

int mk_vsuite_run_count(const mk_vsuite_run *s, int calibration, int m, mk_verdict v)
{
    if (!s || m < 0 || m >= s->n_models || (int)v < 0 || v >= MK_V_N) return 0;
    return s->counts[calibration != 0][m][v];
}

const char *mk_vsuite_run_audit(const mk_vsuite_run *s, int *n_marked)
{
    if (n_marked) *n_marked = s ? s->marks.n : 0;
    return s ? s->marks.header : "";
}

mk_status mk_vsuite_run_write(const mk_vsuite_run *s, mk_outdir *o, mk_error *err)
{
    if (!s || !o) return mk_fail(err, MK_ERR_INVALID, "mk_vsuite_run_write: missing argument");
    int n = s->n_rows ? s->n_rows : 1;
    mk_vsuite_row *rows = mk_calloc((size_t)n, sizeof *rows);
    const char *(*marks)[MK_VSUITE_MAX_MODELS] = mk_calloc((size_t)n, sizeof *marks);
    const char *names[MK_VSUITE_MAX_MODELS];
    for (int m = 0; m < s->n_models; m++) names[m] = s->names[m];
    mk_status rc = rows && marks ? MK_OK : mk_fail(err, MK_ERR_NOMEM, "out of memory");
    for (int i = 0; !rc && i < s->n_rows; i++) {
        const vrow *r = &s->rows[i];
        for (int m = 0; r->t && m < s->n_models; m++) marks[i][m] = mk_vsuite_run_mark(s, i, m);
        rows[i] = (mk_vsuite_row){.file = r->file, .load_error = r->t ? "" : r->load_error,
                                  .res = (const mk_vresult *const *)r->res, .marks = marks[i]};
    }
    mk_vsuite_page page = {.targets_dir = s->dir, .n_models = s->n_models, .models = names, .wall_s = s->wall_s};
    if (!rc) rc = mk_vsuite_write(&page, rows, s->n_rows, o, err);
    free(rows);
    free(marks);
    return rc;
}
