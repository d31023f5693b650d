/* compare.c -- run directories side by side (compare.h). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/common.h"
#include "myoknot/compare.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/text.h"
#include "report/figures.h"

const mk_outdir_kind mk_outdir_kind_compare = {"an output of myoknot compare (no compare.csv)", "compare.csv", NULL};

/* ---------------------------------------------------------------- reading CSV */

/* Split one CSV line in place into at most max fields (quotes as src/io/rundir.c writes
 * them: a field with a comma or a quote is quoted, a quote doubled).  Returns the count; *next
 * is the start of the following line. */
static int csv_split(char *s, char **field, int max, char **next)
{
    int n = 0;
    char *w = s;
    for (;;) {
        char *start = w;
        if (*s == '"') {
            s++;
            while (*s && !(*s == '"' && s[1] != '"')) {
                if (*s == '"') s++;
                *w++ = *s++;
            }
            if (*s == '"') s++;
        } else {
            while (*s && *s != ',' && *s != '\n' && *s != '\r') *w++ = *s++;
        }
        char end = *s;
        *w = 0;
        if (n < max) field[n++] = start;
        if (end == ',') {
            s++;
            w = s;
            continue;
        }
        /* the terminator was read before the field's end was written over it */
        if (end == '\r') s++, end = *s;
        if (end == '\n') s++;
        *next = s;
        return n;
    }
}

static mk_status read_file(const char *dir, const char *name, char **text, char *path, size_t size, mk_error *err)
{
    snprintf(path, size, "%s/%s", dir, name);
    static const mk_text_kind kind = {.what = "a run directory's file"};
    return mk_read_text_file(path, &kind, text, NULL, err);
}

/* ---------------------------------------------------------------- one run */

/* The last component of a folder's path ("a" for "runs/a/"): its start, its length in *len. */
static const char *folder_name(const char *dir, int *len)
{
    size_t end = strlen(dir);
    while (end > 1 && dir[end - 1] == '/') end--;
    size_t start = end;
    while (start > 0 && dir[start - 1] != '/') start--;
    *len = (int)(end - start);
    return dir + start;
}

/* manifest.json of the run, parsed (NULL if absent or unreadable: the name falls back to the
 * folder's, and a missing series is reported by load_series) */
static cJSON *read_manifest(const mk_compare_run *r)
{
    char path[4200], *text = NULL;
    mk_error ignore = {0};
    if (read_file(r->dir, "manifest.json", &text, path, sizeof path, &ignore)) return NULL;
    cJSON *root = cJSON_Parse(text);
    free(text);
    return root;
}

/* The scenario's name from the manifest, else the folder's: a name is not worth an error */
static void run_name(mk_compare_run *r, const cJSON *manifest)
{
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(manifest, "scenario");
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(sc, "name");
    int len;
    const char *base = folder_name(r->dir, &len);
    if (cJSON_IsString(nm) && nm->valuestring[0]) r->name = mk_strdup(nm->valuestring);
    else r->name = mk_strndup(len ? base : r->dir, len ? (size_t)len : strlen(r->dir));
}

/* Runs of one scenario (a --set apart) share its name: each such run is then named by its
 * folder's last component too ("stretching_programme (a)" for runs/a), so the table's columns
 * and the legend tell them apart. */
static mk_status distinct_names(mk_compare *c, mk_error *err)
{
    int shared[MK_COMPARE_MAX_RUNS] = {0};
    for (int a = 0; a < c->n_runs; a++)
        for (int b = 0; b < c->n_runs; b++)
            if (a != b && !strcmp(c->run[a].name, c->run[b].name)) shared[a] = 1;
    for (int k = 0; k < c->n_runs; k++) {
        if (!shared[k]) continue;
        int len;
        const char *base = folder_name(c->run[k].dir, &len);
        size_t n = strlen(c->run[k].name) + (size_t)len + 4;
        char *name = mk_malloc(n);
        if (!name) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
        snprintf(name, n, "%s (%.*s)", c->run[k].name, len, base);
        free(c->run[k].name);
        c->run[k].name = name;
    }
    return MK_OK;
}

static mk_status grow_series(mk_compare_run *r, int *cap)
{
    if (r->n < *cap) return MK_OK;
    int nc = *cap ? 2 * *cap : 1024;
    double *t = mk_realloc(r->t_s, (size_t)nc * sizeof *t);
    if (t) r->t_s = t;
    double *p = mk_realloc(r->pain, (size_t)nc * sizeof *p);
    if (p) r->pain = p;
    double *s = mk_realloc(r->stiff, (size_t)nc * sizeof *s);
    if (s) r->stiff = s;
    if (!t || !p || !s) return MK_ERR_NOMEM;
    *cap = nc;
    return MK_OK;
}

/* The series columns of the site's local pain and band stiffness: the labels pain_local and
 * band_stiffness of the run's model, from the manifest ("" where the run has none). */
static void label_columns(const cJSON *manifest, char *pain, char *stiff, size_t size)
{
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(manifest, "model");
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(model, "labels");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(labels, "pain_local");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(labels, "band_stiffness");
    pain[0] = stiff[0] = 0;
    if (cJSON_IsString(p)) snprintf(pain, size, "%s", p->valuestring);
    if (cJSON_IsString(st)) snprintf(stiff, size, "%s", st->valuestring);
}

/* A run of several sites (manifest.json's scenario.sites): its series' unprefixed labels are
 * its first site's, so that site is the one drawn, and named on the figure. */
static void read_sites(mk_compare_run *r, const cJSON *manifest)
{
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(manifest, "scenario");
    const cJSON *sites = cJSON_GetObjectItemCaseSensitive(sc, "sites");
    r->n_sites = cJSON_IsArray(sites) ? cJSON_GetArraySize(sites) : 0;
    const cJSON *first = cJSON_GetArrayItem(sites, 0);
    if (r->n_sites > 1 && cJSON_IsString(first)) snprintf(r->first_site, sizeof r->first_site, "%s", first->valuestring);
}

/* One time of the series: a new row, or the last one if t is its time. */
static mk_status series_at(mk_compare_run *r, int *cap, double t)
{
    if (r->n > 0 && r->t_s[r->n - 1] == t) return MK_OK;
    if (grow_series(r, cap)) return MK_ERR_NOMEM;
    r->t_s[r->n] = t, r->pain[r->n] = NAN, r->stiff[r->n] = NAN;
    r->n++;
    return MK_OK;
}

/* The column "NAME [UNIT]" of a wide header: its index (or -1), and its unit into unit. */
static int wide_column(char *const *f, int n, const char *name, char *unit, size_t size)
{
    size_t l = strlen(name);
    for (int i = 3; l && i < n; i++)
        if (!strncmp(f[i], name, l) && !strncmp(f[i] + l, " [", 2)) {
            const char *u = f[i] + l + 2, *close = strrchr(u, ']');
            if (unit) snprintf(unit, size, "%.*s", close ? (int)(close - u) : (int)strlen(u), u);
            return i;
        }
    return -1;
}

#define WIDE_MAX_COLS 4096

/* series.csv, wide (run --wide): t_s,day,clock, then a column "name [unit]" per variable */
static mk_status load_series_wide(mk_compare_run *r, char *s, char **f, int n_head, const char *pain_col,
                                  const char *stiff_col, const char *path, mk_error *err)
{
    int ip = wide_column(f, n_head, pain_col, NULL, 0);
    int is = wide_column(f, n_head, stiff_col, r->stiff_unit, sizeof r->stiff_unit);
    if (ip < 0 && is < 0) return MK_OK; /* the caller reports an empty series */
    int line = 1, cap = 0;
    while (*s) {
        line++;
        if (csv_split(s, f, WIDE_MAX_COLS, &s) != n_head)
            return mk_fail_at(err, MK_ERR_SYNTAX, path, line, 1, "expected %d fields, as the header has", n_head);
        char *end;
        double t = strtod(f[0], &end);
        if (end == f[0]) return mk_fail_at(err, MK_ERR_SYNTAX, path, line, 1, "expected a time in seconds, found '%s'", f[0]);
        if (series_at(r, &cap, t)) return mk_fail(err, MK_ERR_NOMEM, "out of memory reading %s", path);
        if (ip >= 0) r->pain[r->n - 1] = strtod(f[ip], NULL);
        if (is >= 0) r->stiff[r->n - 1] = strtod(f[is], NULL);
    }
    return MK_OK;
}

/* series.csv, long (t_s,variable,unit,value; rows of one time consecutive) or wide */
static mk_status load_series(mk_compare_run *r, const cJSON *manifest, mk_error *err)
{
    char path[4200], *text = NULL, pain_col[160], stiff_col[160];
    label_columns(manifest, pain_col, stiff_col, sizeof pain_col);
    mk_status rc = read_file(r->dir, "series.csv", &text, path, sizeof path, err);
    if (rc) return rc;
    char *s = text, **f = mk_malloc(WIDE_MAX_COLS * sizeof *f);
    if (!f) {
        free(text);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory reading %s", path);
    }
    int line = 1, cap = 0, n_head = csv_split(s, f, WIDE_MAX_COLS, &s);
    if (n_head > 3 && !strcmp(f[0], "t_s") && !strcmp(f[1], "day") && !strcmp(f[2], "clock")) {
        rc = load_series_wide(r, s, f, n_head, pain_col, stiff_col, path, err);
        *s = 0; /* read */
    } else if (n_head != 4 || strcmp(f[0], "t_s") || strcmp(f[1], "variable") || strcmp(f[3], "value")) {
        rc = mk_fail_at(err, MK_ERR_SYNTAX, path, 1, 1,
                        "expected the header 't_s,variable,unit,value' (or 't_s,day,clock,...') of a run's series");
        *s = 0;
    }
    while (*s && !rc) {
        line++;
        if (csv_split(s, f, 5, &s) != 4) {
            rc = mk_fail_at(err, MK_ERR_SYNTAX, path, line, 1, "expected 4 fields: t_s,variable,unit,value");
            break;
        }
        int pain = pain_col[0] && !strcmp(f[1], pain_col), stiff = stiff_col[0] && !strcmp(f[1], stiff_col);
        if (!pain && !stiff) continue;
        char *end;
        double t = strtod(f[0], &end), v = strtod(f[3], NULL);
        if (end == f[0]) {
            rc = mk_fail_at(err, MK_ERR_SYNTAX, path, line, 1, "expected a time in seconds, found '%s'", f[0]);
            break;
        }
        if (series_at(r, &cap, t)) {
            rc = mk_fail(err, MK_ERR_NOMEM, "out of memory reading %s", path);
            break;
        }
        if (pain) r->pain[r->n - 1] = v;
        else {
            r->stiff[r->n - 1] = v;
            snprintf(r->stiff_unit, sizeof r->stiff_unit, "%s", f[2]);
        }
    }
    free(f);
    free(text);
    if (!rc && r->n == 0) rc = mk_fail_at(err, MK_ERR_SYNTAX, path, 0, 0, "no pain.local or band.stiffness in the series");
    if (!rc) r->duration_s = r->t_s[r->n - 1];
    return rc;
}

/* ---------------------------------------------------------------- the measurements, matched */

static mk_compare_row *find_row(mk_compare *c, char *const *f, const char *site)
{
    for (int i = 0; i < c->n_rows; i++) {
        mk_compare_row *w = &c->row[i];
        if (!strcmp(w->label, f[1]) && !strcmp(w->kind, f[2]) && !strcmp(w->region, f[3]) && !strcmp(w->site, site))
            return w;
    }
    return NULL;
}

static mk_compare_row *add_row(mk_compare *c, char *const *f, const char *site, double t)
{
    if (c->n_rows == c->cap_rows) {
        int nc = c->cap_rows ? 2 * c->cap_rows : 32;
        mk_compare_row *r = mk_realloc(c->row, (size_t)nc * sizeof *r);
        if (!r) return NULL;
        c->row = r;
        c->cap_rows = nc;
    }
    mk_compare_row *w = &c->row[c->n_rows];
    memset(w, 0, sizeof *w);
    w->label = mk_strdup(f[1]), w->kind = mk_strdup(f[2]), w->region = mk_strdup(f[3]), w->unit = mk_strdup(f[5]);
    w->site = mk_strdup(site);
    w->value = mk_malloc(MK_COMPARE_MAX_RUNS * sizeof *w->value);
    c->n_rows++; /* counted now, so that mk_compare_free releases a half-made row */
    if (!w->label || !w->kind || !w->region || !w->site || !w->unit || !w->value) return NULL;
    for (int k = 0; k < MK_COMPARE_MAX_RUNS; k++) w->value[k] = NAN;
    w->t_s = t;
    return w;
}

static mk_status load_meas(mk_compare *c, int k, mk_error *err)
{
    char path[4200], *text = NULL;
    mk_status rc = read_file(c->run[k].dir, "measurements.csv", &text, path, sizeof path, err);
    if (rc) return rc;
    char *s = text, *f[9];
    int line = 1;
    /* runs written before the site column have seven fields: every row at the first site */
    int n_head = csv_split(s, f, 9, &s);
    if ((n_head != 7 && n_head != 8) || strcmp(f[0], "t_s") || strcmp(f[1], "label") || strcmp(f[4], "value") ||
        (n_head == 8 && strcmp(f[7], "site"))) {
        free(text);
        return mk_fail_at(err, MK_ERR_SYNTAX, path, 1, 1,
                          "expected the header 't_s,label,kind,region,value,unit,note,site' of a run's measurements");
    }
    while (*s && !rc) {
        line++;
        if (csv_split(s, f, 9, &s) != n_head) {
            rc = mk_fail_at(err, MK_ERR_SYNTAX, path, line, 1, "expected %d fields, as the header has", n_head);
            break;
        }
        const char *site = n_head == 8 ? f[7] : "";
        mk_compare_row *w = find_row(c, f, site);
        if (!w && !(w = add_row(c, f, site, strtod(f[0], NULL)))) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
        else w->value[k] = strtod(f[4], NULL); /* "NaN" reads as NaN: no threshold found */
    }
    free(text);
    return rc;
}

mk_status mk_compare_load(const char *const *dirs, int n, mk_compare *out, mk_error *err)
{
    memset(out, 0, sizeof *out);
    if (n < 2 || n > MK_COMPARE_MAX_RUNS)
        return mk_fail(err, MK_ERR_INVALID, "compare takes 2 to %d run directories, found %d", MK_COMPARE_MAX_RUNS, n);
    mk_status rc = MK_OK;
    for (int k = 0; k < n && !rc; k++) {
        mk_compare_run *r = &out->run[k];
        out->n_runs++;
        r->dir = mk_strdup(dirs[k]);
        if (!r->dir) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
        cJSON *manifest = rc ? NULL : read_manifest(r); /* read once for name, sites and labels */
        if (!rc) run_name(r, manifest);
        if (!rc && !r->name) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
        if (!rc) read_sites(r, manifest);
        if (!rc) rc = load_series(r, manifest, err);
        cJSON_Delete(manifest);
        if (!rc) rc = load_meas(out, k, err);
    }
    if (!rc) rc = distinct_names(out, err);
    if (rc) mk_compare_free(out);
    return rc;
}

void mk_compare_free(mk_compare *c)
{
    for (int k = 0; k < c->n_runs; k++) {
        mk_compare_run *r = &c->run[k];
        free(r->dir), free(r->name), free(r->t_s), free(r->pain), free(r->stiff);
    }
    for (int i = 0; i < c->n_rows; i++) {
        mk_compare_row *w = &c->row[i];
        free(w->label), free(w->kind), free(w->region), free(w->site), free(w->unit), free(w->value);
    }
    free(c->row);
    memset(c, 0, sizeof *c);
}

/* ---------------------------------------------------------------- the table */

static void csv_text(mk_buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        mk_buf_puts(b, s);
        return;
    }
    mk_buf_puts(b, "\"");
    for (; *s; s++) mk_buf_printf(b, *s == '"' ? "\"\"" : "%c", *s);
    mk_buf_puts(b, "\"");
}

static void csv_num(mk_buf *b, double v)
{
    if (isnan(v)) mk_buf_puts(b, ",NaN");
    else mk_buf_printf(b, ",%.10g", v);
}

void mk_compare_table(const mk_compare *c, mk_buf *text, mk_buf *csv)
{
    mk_buf_puts(csv, "label,kind,region,site,unit,t_s");
    for (int k = 0; k < c->n_runs; k++) {
        mk_buf_puts(csv, ",");
        csv_text(csv, c->run[k].name);
    }
    for (int k = 1; k < c->n_runs; k++) {
        mk_buf_puts(csv, ",");
        char h[300];
        snprintf(h, sizeof h, "%s - %s", c->run[k].name, c->run[0].name);
        csv_text(csv, h);
    }
    mk_buf_puts(csv, "\n");
    for (int k = 0; k < c->n_runs; k++)
        mk_buf_printf(text, "  run %c: %s (%s)\n", 'A' + k, c->run[k].name, c->run[k].dir);
    mk_buf_printf(text, "\n  %-30s %-10s", "measurement", "unit");
    for (int k = 0; k < c->n_runs; k++) mk_buf_printf(text, " %10c", 'A' + k);
    for (int k = 1; k < c->n_runs; k++) mk_buf_printf(text, " %6c - A %9s", 'A' + k, "");
    mk_buf_puts(text, "\n");
    for (int i = 0; i < c->n_rows; i++) {
        const mk_compare_row *w = &c->row[i];
        csv_text(csv, w->label), mk_buf_puts(csv, ","), csv_text(csv, w->kind), mk_buf_puts(csv, ",");
        csv_text(csv, w->region), mk_buf_puts(csv, ","), csv_text(csv, w->site), mk_buf_puts(csv, ",");
        csv_text(csv, w->unit), csv_num(csv, w->t_s);
        char lab[200];
        snprintf(lab, sizeof lab, "%s", w->label);
        if (strcmp(w->region, "local") && strcmp(w->kind, "ppt")) /* a pain rating elsewhere */
            snprintf(lab, sizeof lab, "%s (%s)", w->label, w->region);
        else if (w->site[0] && !strstr(w->label, w->site)) /* at another site, unless the label says so */
            snprintf(lab, sizeof lab, "%s (%s)", w->label, w->site);
        mk_buf_printf(text, "  %-30.30s %-10.10s", lab, w->unit);
        for (int k = 0; k < c->n_runs; k++) {
            csv_num(csv, w->value[k]);
            if (isnan(w->value[k])) mk_buf_printf(text, " %10s", "-");
            else mk_buf_printf(text, " %10.4g", w->value[k]);
        }
        for (int k = 1; k < c->n_runs; k++) {
            double d = w->value[k] - w->value[0];
            csv_num(csv, d);
            if (isnan(d)) mk_buf_printf(text, " %10s %9s", "-", "");
            else if (fabs(w->value[0]) > 0) mk_buf_printf(text, " %+10.3g (%+5.1f%%)", d, 100 * d / fabs(w->value[0]));
            else mk_buf_printf(text, " %+10.3g %9s", d, "");
        }
        mk_buf_puts(text, "\n");
        mk_buf_puts(csv, "\n");
    }
}

/* ---------------------------------------------------------------- the figure */

/* A PPT the figure draws: at the first (or only) site, the one whose curves it shows. */
static int drawn_ppt(const mk_compare_row *w)
{
    return !strcmp(w->kind, "ppt") && !w->site[0];
}

/* The last local PPT of run k at its first site, NaN when there is none. */
static double last_ppt(const mk_compare *c, int k)
{
    double v = NAN, t = -1;
    for (int i = 0; i < c->n_rows; i++) {
        const mk_compare_row *w = &c->row[i];
        if (drawn_ppt(w) && !isnan(w->value[k]) && w->t_s >= t) t = w->t_s, v = w->value[k];
    }
    return v;
}

typedef struct fig_data {
    double *x[MK_COMPARE_MAX_RUNS];     /* series times in the figure's unit */
    double *px[MK_COMPARE_MAX_RUNS], *py[MK_COMPARE_MAX_RUNS]; /* PPT points */
    int np[MK_COMPARE_MAX_RUNS];
} fig_data;

static void fig_data_free(fig_data *d)
{
    for (int k = 0; k < MK_COMPARE_MAX_RUNS; k++) free(d->x[k]), free(d->px[k]), free(d->py[k]);
}

static void title_of(const mk_compare *c, mk_buf *title)
{
    double a = last_ppt(c, 0);
    if (isnan(a)) {
        mk_buf_printf(title, "Local pain and taut-band stiffness of %d runs", c->n_runs);
        return;
    }
    mk_buf_printf(title, "Last PPT: %s %.1f kPa", c->run[0].name, a);
    for (int k = 1; k < c->n_runs; k++) {
        double b = last_ppt(c, k);
        if (isnan(b)) continue;
        mk_buf_printf(title, "; %s %.1f kPa (%+.1f kPa, %+.1f %%)", c->run[k].name, b, b - a, 100 * (b - a) / a);
    }
}

mk_status mk_compare_figure(const mk_compare *c, const char *path, mk_error *err)
{
    static const int color[MK_COMPARE_MAX_RUNS] = {MK_PC_BLACK, MK_PC_VERMILLION, MK_PC_BLUE, MK_PC_GREEN};
    double span = 0;
    for (int k = 0; k < c->n_runs; k++) span = fmax(span, c->run[k].duration_s);
    mk_time_unit tu = mk_time_unit_for_span(span);
    fig_data d;
    memset(&d, 0, sizeof d);
    mk_plot_xy *f = mk_calloc(1, sizeof *f);
    mk_status rc = f ? MK_OK : mk_fail(err, MK_ERR_NOMEM, "out of memory");
    for (int k = 0; k < c->n_runs && !rc; k++) {
        const mk_compare_run *r = &c->run[k];
        d.x[k] = mk_malloc((size_t)r->n * sizeof *d.x[k] + 1);
        d.px[k] = mk_malloc((size_t)c->n_rows * sizeof *d.px[k] + 1);
        d.py[k] = mk_malloc((size_t)c->n_rows * sizeof *d.py[k] + 1);
        if (!d.x[k] || !d.px[k] || !d.py[k]) {
            rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
            break;
        }
        for (int i = 0; i < r->n; i++) d.x[k][i] = r->t_s[i] / tu.seconds;
        for (int i = 0; i < c->n_rows; i++) {
            const mk_compare_row *w = &c->row[i];
            if (!drawn_ppt(w) || isnan(w->value[k])) continue;
            d.px[k][d.np[k]] = w->t_s / tu.seconds;
            d.py[k][d.np[k]++] = w->value[k];
        }
    }
    if (!rc) {
        title_of(c, &f->title);
        snprintf(f->xlabel, sizeof f->xlabel, "Time (%s)", tu.word);
        int any_ppt = 0;
        for (int k = 0; k < c->n_runs; k++) any_ppt |= d.np[k] > 0;
        mk_plot_panel *pain = &f->panel[f->n_panels++];
        mk_plot_panel *ppt = any_ppt ? &f->panel[f->n_panels++] : NULL;
        mk_plot_panel *stiff = &f->panel[f->n_panels++];
        /* runs of several sites are drawn at their first site: named on the axes when every
         * run's is the same, else in each run's legend entry */
        const char *site = NULL;
        int same_site = 1;
        for (int k = 0; k < c->n_runs; k++) {
            const char *s = c->run[k].first_site;
            if (s[0] && !site) site = s;
            same_site &= !s[0] || !site || !strcmp(s, site);
        }
        if (site && same_site) mk_buf_printf(&f->title, "; curves and PPT at %s, the first site", site);
        else if (site) mk_buf_printf(&f->title, "; each run of several sites at its first site");
        snprintf(pain->ylabel, sizeof pain->ylabel, "Local pain (0-10)");
        if (ppt) snprintf(ppt->ylabel, sizeof ppt->ylabel, "PPT (kPa)");
        snprintf(stiff->ylabel, sizeof stiff->ylabel, "Band stiffness (%s)", c->run[0].stiff_unit[0] ? c->run[0].stiff_unit : "kPa");
        /* below these spans a difference is drawn flat, not magnified: a point of the 0-10
         * scale, an algometer's SEM (about 20 kPa), a tenth of resting band stiffness */
        pain->min_span = 1;
        if (ppt) ppt->min_span = 20;
        stiff->min_span = 0.5;
        /* the reference last and dashed: where the runs agree it lies on the others, visibly */
        for (int j = 1; j <= c->n_runs; j++) {
            int k = j % c->n_runs;
            const mk_compare_run *r = &c->run[k];
            int style = k == 0 ? MK_PLOT_DASHED : MK_PLOT_SOLID;
            char lab[96];
            if (r->first_site[0] && !same_site) snprintf(lab, sizeof lab, "%c: %.24s at %.24s", 'A' + k, r->name, r->first_site);
            else snprintf(lab, sizeof lab, "%c: %.80s", 'A' + k, r->name);
            mk_plot_panel *ps[3] = {pain, ppt, stiff};
            for (int q = 0; q < 3; q++) {
                mk_plot_panel *p = ps[q];
                if (!p) continue;
                mk_plot_curve *cv = &p->curve[p->n_curves];
                if (p == ppt) *cv = (mk_plot_curve){d.px[k], d.py[k], d.np[k], color[k], "\xe2\x97\x8f", ""};
                else *cv = (mk_plot_curve){d.x[k], p == pain ? r->pain : r->stiff, r->n, color[k], NULL, ""};
                snprintf(cv->label, sizeof cv->label, "%s", lab);
                p->style[p->n_curves++] = style;
            }
        }
        rc = mk_plot_xy_write(f, path, err);
    }
    fig_data_free(&d);
    mk_buf_free(&f->title);
    free(f);
    return rc;
}
