/*
 * rundir.c -- the run directory: series.csv (tidy), measurements.csv, figures, report.html
 * and manifest.json (provenance: version, model hash, scenario text, parameters, seed, solver
 * statistics).
 *
 * The folder is an mk_outdir (io/outdir.h): locked while written, everything written into a
 * temporary folder beside it that replaces DIR at the end, so a reader never sees a
 * half-written run and two runs into one folder do not both succeed.  An existing DIR is
 * replaced only when it is empty or is itself a previous run (a manifest.json that myoknot
 * wrote and no files but those a run writes); anything else is left alone and reported.
 * Every file goes through mk_file_write / mk_file_begin (core/file.h): checked writes.
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

#include <cjson/cJSON.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/file.h"
#include "core/numfmt.h"
#include "protocol/checkpoint.h"
#include "io/outdir.h"
#include "protocol/results.h"
#include "report/rundir.h"
#include "report/figures.h"
#include "report/html.h"

#define PATH_CAP 4096

/* ---------------------------------------------------------------- files and directories */

static int join(char *out, const char *dir, const char *name)
{
    return (size_t)snprintf(out, PATH_CAP, "%s/%s", dir, name) < PATH_CAP;
}

/* Files a run directory holds; nothing else may be in a directory we replace. */
static int is_run_file(const char *name)
{
    static const char *const known[] = {"series.csv", "measurements.csv", "manifest.json",
                                        "report.html", "checkpoint.json", "body_map.png", "series.h5",
                                        "forecast.csv", NULL};
    for (int i = 0; known[i]; i++)
        if (!strcmp(name, known[i])) return 1;
    size_t n = strlen(name);
    return !strncmp(name, "fig", 3) && n > 4 && !strcmp(name + n - 4, ".png");
}

/* A manifest.json that myoknot wrote: its "format" says so. */
static int is_our_manifest(const char *dir)
{
    char path[PATH_CAP], head[512] = "";
    if (!join(path, dir, "manifest.json")) return 0;
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t n = fread(head, 1, sizeof head - 1, f);
    head[n] = 0;
    fclose(f);
    return strstr(head, "\"format\"") && strstr(head, "\"myoknot run directory\"");
}

/* A previous run: a myoknot manifest and only the files a run writes (never a folder that may
 * hold a user's files). */
static int is_previous_run(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int foreign = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (!is_run_file(e->d_name)) foreign = 1;
    }
    closedir(d);
    return !foreign && is_our_manifest(dir);
}

const mk_outdir_kind mk_rundir_kind = {
    "a myoknot run directory (it holds other files, or no myoknot manifest.json)", NULL, is_previous_run};

static mk_status write_text(const char *dir, const char *name, const char *text, size_t len, mk_error *err)
{
    char path[PATH_CAP];
    if (!join(path, dir, name)) return mk_fail(err, MK_ERR_IO, "path too long: %s/%s", dir, name);
    return mk_file_write(path, text, len, err);
}

/* ---------------------------------------------------------------- CSV */

static void csv_field(mk_file_out *f, const char *s)
{
    if (!s) s = "";
    if (strpbrk(s, ",\"\r\n") == NULL) {
        mk_file_puts(f, s);
        return;
    }
    mk_file_putc(f, '"');
    for (; *s; s++) {
        if (*s == '"') mk_file_putc(f, '"');
        mk_file_putc(f, *s);
    }
    mk_file_putc(f, '"');
}

static void csv_num(mk_file_out *f, double v)
{
    if (isnan(v)) mk_file_puts(f, "NaN");
    else if (isinf(v)) mk_file_puts(f, v > 0 ? "Inf" : "-Inf");
    else mk_file_printf(f, "%.10g", v);
}

/* A number as csv_num writes it, into out (MK_FMT_G10_SIZE bytes, NUL included); its length. */
static size_t csv_num_text(double v, char *out)
{
    if (isnan(v) || isinf(v)) {
        const char *s = isnan(v) ? "NaN" : v > 0 ? "Inf" : "-Inf";
        strcpy(out, s);
        return strlen(s);
    }
    return mk_fmt_g10(v, out); /* printf's "%.10g", byte for byte */
}

static void csv_field_buf(mk_buf *b, const char *s)
{
    if (!s) s = "";
    if (strpbrk(s, ",\"\r\n") == NULL) {
        mk_buf_puts(b, s);
        return;
    }
    mk_buf_puts(b, "\"");
    for (; *s; s++) mk_buf_puts(b, *s == '"' ? "\"\"" : (char[2]){*s, 0});
    mk_buf_puts(b, "\"");
}

/* One line per row and column (tidy).  The table is long (95 columns x 2,000 rows for the
 * default run), so each row is assembled in memory and written at once: the time is
 * formatted once per row, each column's ",name,unit," once per table, and the numbers by
 * mk_fmt_g10 instead of fprintf -- the same bytes as "%.10g", in a fifth of the time. */
mk_status mk_series_write_csv(const mk_series *s, const char *path, mk_error *err)
{
    return mk_series_write_csv_rows(s, NULL, path, err);
}

mk_status mk_series_write_csv_rows(const mk_series *s, const unsigned char *keep, const char *path, mk_error *err)
{
    mk_buf pre; /* ",name,unit," of column c at pre.data[at[c] .. at[c + 1]) */
    mk_buf_init(&pre);
    size_t *at = mk_calloc((size_t)s->n_cols + 1, sizeof *at);
    for (int c = 0; at && c < s->n_cols; c++) {
        at[c] = pre.len;
        mk_buf_puts(&pre, ",");
        csv_field_buf(&pre, s->names[c]);
        mk_buf_puts(&pre, ",");
        csv_field_buf(&pre, s->units[c]);
        mk_buf_puts(&pre, ",");
    }
    size_t row_cap = pre.len + (size_t)s->n_cols * (2 * MK_FMT_G10_SIZE + 1) + 1;
    char *row = at && !pre.failed ? mk_malloc(row_cap) : NULL;
    if (!row) {
        free(at);
        mk_buf_free(&pre);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory writing series.csv");
    }
    if (at) at[s->n_cols] = pre.len;
    mk_file_out out;
    mk_status rc = mk_file_begin(&out, path, err);
    char *iobuf = NULL;
    if (!rc) {
        iobuf = mk_malloc(1 << 16); /* fewer writes for a long table; optional */
        if (iobuf) setvbuf(out.f, iobuf, _IOFBF, 1 << 16);
        mk_file_puts(&out, "t_s,variable,unit,value\n");
        for (int i = 0; i < s->n_rows && !out.error; i++) {
            if (keep && !keep[i]) continue;
            const double *v = s->values + (size_t)i * (size_t)s->n_cols;
            char t[MK_FMT_G10_SIZE];
            size_t tl = csv_num_text(s->t_s[i], t), n = 0;
            for (int c = 0; c < s->n_cols; c++) {
                memcpy(row + n, t, tl);
                n += tl;
                memcpy(row + n, pre.data + at[c], at[c + 1] - at[c]);
                n += at[c + 1] - at[c];
                n += csv_num_text(v[c], row + n);
                row[n++] = '\n';
            }
            mk_file_put(&out, row, n);
        }
        rc = mk_file_commit(&out, err); /* reports the first failed write, the flush and the close */
    }
    free(iobuf);
    free(row);
    free(at);
    mk_buf_free(&pre);
    return rc;
}

/* "day,clock" of t seconds after the scenario's start (day 1 00:00, as scenarios count). */
static size_t day_clock(double t, char *out, size_t size)
{
    double day = floor(t / 86400.0), rem = t - day * 86400.0;
    int hh = (int)(rem / 3600), mm = (int)((rem - hh * 3600.0) / 60);
    double ss = rem - hh * 3600.0 - mm * 60.0;
    int n = ss == floor(ss) ? snprintf(out, size, "%.0f,%02d:%02d:%02.0f", day + 1, hh, mm, ss)
                            : snprintf(out, size, "%.0f,%02d:%02d:%06.3f", day + 1, hh, mm, ss);
    return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

/* One line per time, one column per variable ("name [unit]"), time in seconds and as the
 * scenario's day and clock: the layout a spreadsheet opens. */
mk_status mk_series_write_wide_csv(const mk_series *s, const unsigned char *keep, const char *path, mk_error *err)
{
    size_t row_cap = 64 + (size_t)s->n_cols * (MK_FMT_G10_SIZE + 1) + MK_FMT_G10_SIZE + 2;
    char *row = mk_malloc(row_cap);
    mk_buf head;
    mk_buf_init(&head);
    mk_buf_puts(&head, "t_s,day,clock");
    for (int c = 0; c < s->n_cols; c++) {
        mk_buf col;
        mk_buf_init(&col);
        mk_buf_printf(&col, "%s [%s]", s->names[c], s->units[c]);
        mk_buf_puts(&head, ",");
        if (col.data) csv_field_buf(&head, col.data);
        if (col.failed) head.failed = 1;
        mk_buf_free(&col);
    }
    mk_buf_puts(&head, "\n");
    mk_status rc = MK_OK;
    if (!row || head.failed) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory writing series.csv");
    mk_file_out out;
    if (!rc) rc = mk_file_begin(&out, path, err);
    if (!rc) {
        mk_file_puts(&out, head.data);
        for (int i = 0; i < s->n_rows && !out.error; i++) {
            if (keep && !keep[i]) continue;
            const double *v = s->values + (size_t)i * (size_t)s->n_cols;
            size_t n = csv_num_text(s->t_s[i], row);
            row[n++] = ',';
            n += day_clock(s->t_s[i], row + n, 48);
            for (int c = 0; c < s->n_cols; c++) {
                row[n++] = ',';
                n += csv_num_text(v[c], row + n);
            }
            row[n++] = '\n';
            mk_file_put(&out, row, n);
        }
        rc = mk_file_commit(&out, err);
    }
    free(row);
    mk_buf_free(&head);
    return rc;
}

mk_status mk_series_keep_every(const mk_series *s, double output_every_s, double every_s, unsigned char **keep,
                               int *n_kept, mk_error *err)
{
    *keep = NULL;
    *n_kept = s->n_rows;
    if (every_s == 0) return MK_OK;
    mk_status rc = mk_every_check(output_every_s, every_s, err);
    if (rc) return rc;
    if (!(*keep = mk_calloc((size_t)s->n_rows + 1, 1))) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    *n_kept = 0;
    for (int i = 0; i < s->n_rows; i++) {
        /* rows lie at exact multiples of the output interval (simulate.c), so a row at a
         * multiple of every_s is one within rounding of it; the last row (the end) always */
        double q = s->t_s[i] / every_s;
        if (fabs(q - round(q)) <= 1e-9 * fmax(1.0, q) || i == s->n_rows - 1) (*keep)[i] = 1, ++*n_kept;
    }
    return MK_OK;
}

mk_status mk_every_check(double output_every_s, double every_s, mk_error *err)
{
    if (every_s == 0) return MK_OK;
    double k = every_s / output_every_s;
    if (!(every_s > 0) || !isfinite(every_s) || !(k >= 1 - 1e-9) || fabs(k - round(k)) > 1e-9 * k)
        return mk_fail(err, MK_ERR_INVALID,
                       "an output every %.10g s cannot be taken from the run's rows every %.10g s: give a "
                       "multiple of %.10g s, or set the run's own interval (--set 'output_every=...')",
                       every_s, output_every_s, output_every_s);
    return MK_OK;
}

static mk_status write_series_csv(const mk_run_result *r, const char *dir, const mk_rundir_opts *o,
                                  const unsigned char *keep, mk_error *err)
{
    char path[PATH_CAP];
    if (!join(path, dir, "series.csv")) return mk_fail(err, MK_ERR_IO, "path too long under %s", dir);
    if (o->wide) return mk_series_write_wide_csv(&r->series, keep, path, err);
    return mk_series_write_csv_rows(&r->series, keep, path, err);
}

static const char *kind_id(const mk_measurement *m)
{
    if (!m) return "";
    switch (m->kind) {
    case MK_MEAS_PPT: return "ppt";
    case MK_MEAS_PAIN: return "pain";
    case MK_MEAS_STIFFNESS: return "stiffness";
    case MK_MEAS_NOISE: return "noise";
    case MK_MEAS_OUTPUT: return "output";
    }
    return "";
}

/* "region" is the body region of a pain rating, the model output of an output probe, and
 * "local" (the site) for the probes applied at the trigger point. */
static const char *meas_where(const mk_measurement *m)
{
    if (!m) return "";
    if (m->kind == MK_MEAS_PAIN) return m->region[0] ? m->region : "local";
    if (m->kind == MK_MEAS_OUTPUT) return m->output;
    return "local";
}

static mk_status write_meas_csv(const mk_run_result *r, const char *dir, mk_error *err)
{
    char path[PATH_CAP];
    if (!join(path, dir, "measurements.csv")) return mk_fail(err, MK_ERR_IO, "path too long under %s", dir);
    mk_file_out out;
    mk_status rc = mk_file_begin(&out, path, err);
    if (rc) return rc;
    mk_file_out *f = &out; /* sticky: the rows need no check each; the commit reports */
    mk_file_puts(f, "t_s,label,kind,region,value,unit,note,site\n");
    for (int i = 0; i < r->n_meas; i++) {
        const mk_meas_result *m = &r->meas[i];
        csv_num(f, m->t_s);
        mk_file_putc(f, ',');
        csv_field(f, m->spec ? m->spec->label : "");
        mk_file_putc(f, ',');
        csv_field(f, kind_id(m->spec));
        mk_file_putc(f, ',');
        csv_field(f, meas_where(m->spec));
        mk_file_putc(f, ',');
        csv_num(f, m->value);
        mk_file_putc(f, ',');
        csv_field(f, m->unit);
        mk_file_putc(f, ',');
        csv_field(f, m->note);
        mk_file_putc(f, ',');
        csv_field(f, m->spec ? m->spec->site : ""); /* "": the first (or only) site */
        mk_file_putc(f, '\n');
    }
    return mk_file_commit(&out, err);
}

/* ---------------------------------------------------------------- manifest.json */

typedef struct jctx {
    int failed;
} jctx;

static cJSON *jchk(jctx *j, cJSON *v)
{
    if (!v) j->failed = 1;
    return v;
}

static void jstr(jctx *j, cJSON *o, const char *k, const char *v)
{
    if (o) jchk(j, cJSON_AddStringToObject(o, k, v ? v : ""));
}

static void jnum(jctx *j, cJSON *o, const char *k, double v)
{
    if (!o) return;
    /* JSON has no NaN or infinity: write null (cJSON does the same) */
    if (isfinite(v)) jchk(j, cJSON_AddNumberToObject(o, k, v));
    else jchk(j, cJSON_AddNullToObject(o, k));
}

static cJSON *jobj(jctx *j, cJSON *o, const char *k)
{
    return o ? jchk(j, cJSON_AddObjectToObject(o, k)) : NULL;
}

static cJSON *jarr(jctx *j, cJSON *o, const char *k)
{
    return o ? jchk(j, cJSON_AddArrayToObject(o, k)) : NULL;
}

static cJSON *jpush_obj(jctx *j, cJSON *arr)
{
    if (!arr) return NULL;
    cJSON *o = jchk(j, cJSON_CreateObject());
    if (o && !cJSON_AddItemToArray(arr, o)) {
        cJSON_Delete(o);
        j->failed = 1;
        return NULL;
    }
    return o;
}

static long long file_size(const char *dir, const char *name)
{
    char path[PATH_CAP];
    struct stat st;
    if (!join(path, dir, name) || stat(path, &st) != 0) return -1;
    return (long long)st.st_size;
}

static mk_status write_manifest(const mk_run_result *r, const char *dir, const mk_figure_set *figs,
                                const mk_rundir_opts *opt, int rows_written, mk_error *err)
{
    jctx j = {0};
    const mk_model_abi *abi = r->abi;
    const mk_protocol *p = r->protocol;
    cJSON *root = cJSON_CreateObject();
    if (!root) return mk_fail(err, MK_ERR_NOMEM, "out of memory building manifest.json");

    jstr(&j, root, "format", "myoknot run directory");
    jnum(&j, root, "format_version", 1);
    jstr(&j, root, "myoknot_version", MK_VERSION);
    {
        char when[32] = "";
        time_t now = time(NULL);
        struct tm tm;
        if (gmtime_r(&now, &tm)) strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        jstr(&j, root, "created_utc", when);
    }

    cJSON *model = jobj(&j, root, "model");
    jstr(&j, model, "name", abi ? abi->name : "");
    jstr(&j, model, "hash", abi ? abi->hash : "");
    jstr(&j, model, "generator", abi ? abi->generator : "");
    jstr(&j, model, "doc", abi ? abi->doc : "");
    jnum(&j, model, "abi_version", abi ? abi->abi_version : NAN);
    /* the model's interface: label -> the series column it is recorded under, so that a
     * reader of series.csv (compare) finds the site's quantities whatever the model calls them */
    cJSON *labels = jobj(&j, model, "labels");
    for (int i = 0; abi && i < abi->n_labels; i++)
        jstr(&j, labels, abi->labels[i].name, mk_abi_label_symbol(abi, abi->labels[i].name));

    cJSON *sc = jobj(&j, root, "scenario");
    if (p) {
        jstr(&j, sc, "name", p->name);
        jstr(&j, sc, "description", p->description);
        jstr(&j, sc, "file", p->file);
        jstr(&j, sc, "model", p->model);
        jstr(&j, sc, "muscle", p->muscle);
        jstr(&j, sc, "side", p->side);
        if (p->n_sites > 0) { /* sites: every trigger point, and where the list is (compare refuses several) */
            cJSON *sites = jarr(&j, sc, "sites");
            for (int i = 0; sites && i < p->n_sites && i < MK_MAX_SITES; i++) {
                char prefix[64];
                snprintf(prefix, sizeof prefix, "%.48s_%.1s", p->sites[i].muscle, p->sites[i].side);
                cJSON *str = jchk(&j, cJSON_CreateString(prefix));
                if (str && !cJSON_AddItemToArray(sites, str)) cJSON_Delete(str), j.failed = 1;
            }
            jnum(&j, sc, "sites_line", p->sites_line);
            jnum(&j, sc, "sites_col", p->sites_col);
        }
        jnum(&j, sc, "duration_s", p->duration_s);
        jnum(&j, sc, "output_every_s", p->output_every_s);
        jstr(&j, sc, "yaml", p->yaml_text);
        jstr(&j, sc, "start", p->start[0] ? p->start : "the model's initial state");
        cJSON *notes = jarr(&j, sc, "annotations");
        for (int i = 0; i < p->n_notes; i++) {
            cJSON *o = jpush_obj(&j, notes);
            jnum(&j, o, "t0_s", p->notes[i].t0_s);
            jnum(&j, o, "t1_s", p->notes[i].t1_s);
            jstr(&j, o, "label", p->notes[i].label);
            jstr(&j, o, "kind", p->notes[i].kind);
        }
        /* the seed may not fit a JSON number (53 bits): also as text */
        jnum(&j, root, "seed", (double)p->seed);
        char seed[32];
        snprintf(seed, sizeof seed, "%lu", p->seed);
        jstr(&j, root, "seed_text", seed);
        /* the simulated examiner's algometer error (0: PPT readings are the model's thresholds) */
        jnum(&j, root, "algometer_sem_kpa", p->algometer_sem_kpa);
    }

    cJSON *params = jarr(&j, root, "parameters");
    for (int i = 0; abi && i < abi->n_params; i++) {
        const mk_symbol *sym = &abi->params[i];
        double v = r->params ? r->params[i] : sym->value;
        int line = 0, from_scenario = 0;
        for (int k = 0; p && k < p->n_params; k++)
            if (p->params[k].param == i) from_scenario = 1, line = p->params[k].line;
        int differs = !(v == sym->value || (isnan(v) && isnan(sym->value)));
        cJSON *o = jpush_obj(&j, params);
        jstr(&j, o, "name", sym->name);
        jnum(&j, o, "value", v);
        jstr(&j, o, "unit", sym->unit);
        jnum(&j, o, "default", sym->value);
        if (o) jchk(&j, cJSON_AddBoolToObject(o, "overridden", from_scenario || differs));
        if (from_scenario) {
            jstr(&j, o, "overridden_by", "scenario");
            if (line > 0) jnum(&j, o, "scenario_line", line);
        } else if (differs) {
            jstr(&j, o, "overridden_by", "caller");
        }
        jstr(&j, o, "source", sym->source);
    }

    cJSON *solver = jobj(&j, root, "solver");
    jstr(&j, solver, "build", mk_solver_build());
    jnum(&j, solver, "steps", (double)r->stats.steps);
    jnum(&j, solver, "rhs_evals", (double)r->stats.rhs_evals);
    jnum(&j, solver, "jac_evals", (double)r->stats.jac_evals);
    jnum(&j, solver, "err_test_fails", (double)r->stats.err_test_fails);
    jnum(&j, solver, "nonlin_conv_fails", (double)r->stats.nonlin_conv_fails);
    jnum(&j, root, "wall_time_s", r->wall_s);

    cJSON *series = jobj(&j, root, "series");
    jnum(&j, series, "rows", r->series.n_rows);
    /* what series.csv (and series.h5) hold: every row, or those at multiples of every_s */
    jnum(&j, series, "rows_written", rows_written);
    jnum(&j, series, "every_s", opt->every_s > 0 ? opt->every_s : (r->protocol ? r->protocol->output_every_s : NAN));
    jstr(&j, series, "csv_layout", opt->wide ? "wide" : "long");
    if (r->series.n_rows > 0) {
        jnum(&j, series, "t0_s", r->series.t_s[0]);
        jnum(&j, series, "t1_s", r->series.t_s[r->series.n_rows - 1]);
    }
    cJSON *cols = jarr(&j, series, "columns");
    for (int c = 0; c < r->series.n_cols; c++) {
        cJSON *o = jpush_obj(&j, cols);
        jstr(&j, o, "name", r->series.names[c]);
        jstr(&j, o, "unit", r->series.units[c]);
    }

    cJSON *meas = jarr(&j, root, "measurements");
    for (int i = 0; i < r->n_meas; i++) {
        const mk_meas_result *m = &r->meas[i];
        cJSON *o = jpush_obj(&j, meas);
        jnum(&j, o, "t_s", m->t_s);
        jstr(&j, o, "label", m->spec ? m->spec->label : "");
        jstr(&j, o, "kind", kind_id(m->spec));
        jstr(&j, o, "region", meas_where(m->spec));
        jnum(&j, o, "value", m->value);
        jstr(&j, o, "unit", m->unit);
        jstr(&j, o, "note", m->note);
    }

    cJSON *files = jarr(&j, root, "files");
    const char *fixed[] = {"series.csv", "measurements.csv", MK_CHECKPOINT_FILE, "series.h5"};
    for (size_t i = 0; i < 4; i++) {
        if ((i == 2 && r->series.n_rows < 1) || (i == 3 && !opt->hdf5)) continue;
        cJSON *o = jpush_obj(&j, files);
        jstr(&j, o, "name", fixed[i]);
        jnum(&j, o, "bytes", (double)file_size(dir, fixed[i]));
    }
    for (int i = 0; i < figs->n; i++) {
        cJSON *o = jpush_obj(&j, files);
        jstr(&j, o, "name", figs->fig[i].file);
        jnum(&j, o, "bytes", (double)file_size(dir, figs->fig[i].file));
        jstr(&j, o, "title", mk_figure_text(&figs->fig[i].title));
    }
    {
        cJSON *o = jpush_obj(&j, files);
        jstr(&j, o, "name", "report.html");
        jnum(&j, o, "bytes", (double)file_size(dir, "report.html"));
        o = jpush_obj(&j, files);
        jstr(&j, o, "name", "manifest.json");
    }

    char *text = j.failed ? NULL : cJSON_Print(root);
    cJSON_Delete(root);
    if (!text) return mk_fail(err, MK_ERR_NOMEM, "out of memory building manifest.json");
    size_t len = strlen(text);
    mk_status rc = MK_OK;
    /* end with a newline, like every other text file we write */
    char *full = mk_malloc(len + 2);
    if (!full) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory building manifest.json");
    else {
        memcpy(full, text, len);
        full[len] = '\n';
        full[len + 1] = 0;
        rc = write_text(dir, "manifest.json", full, len + 1, err);
        free(full);
    }
    cJSON_free(text);
    return rc;
}

/* ---------------------------------------------------------------- checkpoint.json */

/* The run's final state, for `start: RUN_DIR` (protocol/checkpoint.h). */
static mk_status write_checkpoint(const mk_run_result *r, const char *dir, mk_error *err)
{
    if (r->series.n_rows < 1) return MK_OK; /* nothing was simulated: no state to save */
    char *text = NULL;
    mk_status rc = mk_checkpoint_json(r, &text, err);
    if (!rc) rc = write_text(dir, MK_CHECKPOINT_FILE, text, strlen(text), err);
    free(text);
    return rc;
}

/* ---------------------------------------------------------------- the run directory */

static mk_status write_all(const mk_run_result *r, const char *tmp, const mk_rundir_opts *o, mk_error *err)
{
    mk_status rc;
    unsigned char *keep = NULL;
    int n_kept = 0;
    /* the figures draw every row; --every thins the files only */
    if ((rc = mk_series_keep_every(&r->series, r->protocol ? r->protocol->output_every_s : 0, o->every_s, &keep,
                                   &n_kept, err)))
        return rc;
    mk_figure_set *figs = mk_calloc(1, sizeof *figs); /* large: keep it off the stack */
    if (!figs) {
        free(keep);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    }
    char h5[PATH_CAP];
    if ((rc = write_series_csv(r, tmp, o, keep, err)) ||
        (o->hdf5 && (rc = join(h5, tmp, "series.h5") ? mk_series_write_h5(r, keep, h5, err)
                                                      : mk_fail(err, MK_ERR_IO, "path too long under %s", tmp))) ||
        (rc = write_meas_csv(r, tmp, err)) || (rc = write_checkpoint(r, tmp, err)) ||
        (rc = mk_figures_write(r, tmp, figs, err))) {
        mk_figure_set_free(figs);
        free(figs);
        free(keep);
        return rc;
    }
    free(keep);
    mk_buf html;
    mk_buf_init(&html);
    rc = mk_report_html(r, tmp, figs, &html, err);
    if (!rc) rc = write_text(tmp, "report.html", html.data ? html.data : "", html.len, err);
    mk_buf_free(&html);
    if (!rc) rc = write_manifest(r, tmp, figs, o, n_kept, err);
    mk_figure_set_free(figs);
    free(figs);
    return rc;
}

static mk_status check_result(const mk_run_result *r, mk_error *err)
{
    const mk_series *s = &r->series;
    if (s->n_cols < 0 || s->n_rows < 0 || (s->n_rows > 0 && (!s->t_s || !s->values || !s->names || !s->units)))
        return mk_fail(err, MK_ERR_INVALID, "mk_rundir_write: malformed series");
    for (int c = 0; c < s->n_cols; c++)
        if (!s->names[c] || !s->units[c])
            return mk_fail(err, MK_ERR_INVALID, "mk_rundir_write: series column %d has no name", c);
    if (r->n_meas > 0 && !r->meas) return mk_fail(err, MK_ERR_INVALID, "mk_rundir_write: measurements missing");
    return MK_OK;
}

mk_status mk_rundir_fill(const mk_run_result *r, const mk_outdir *o, mk_error *err)
{
    return mk_rundir_fill_opts(r, o, NULL, err);
}

mk_status mk_rundir_fill_opts(const mk_run_result *r, const mk_outdir *o, const mk_rundir_opts *opts, mk_error *err)
{
    static const mk_rundir_opts defaults = {0};
    if (!r || !o || !o->tmp[0]) return mk_fail(err, MK_ERR_INVALID, "mk_rundir_fill: missing argument");
    mk_status rc = check_result(r, err);
    return rc ? rc : write_all(r, o->tmp, opts ? opts : &defaults, err);
}

mk_status mk_rundir_write(const mk_run_result *r, const char *dir, mk_error *err)
{
    if (!r || !dir || !dir[0]) return mk_fail(err, MK_ERR_INVALID, "mk_rundir_write: missing argument");
    mk_status rc = check_result(r, err);
    if (rc) return rc;
    mk_outdir o;
    rc = mk_outdir_open(&o, dir, &mk_rundir_kind, err);
    if (rc) return rc;
    static const mk_rundir_opts defaults = {0};
    rc = write_all(r, o.tmp, &defaults, err);
    if (!rc) rc = mk_outdir_commit(&o, err);
    else mk_outdir_abort(&o);
    return rc;
}
