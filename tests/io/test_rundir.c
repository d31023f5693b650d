/*
 * test_rundir.c -- the run directory and the report: the series table, a synthetic run (a
 * fake model, a protocol with annotations and measurements, analytic curves) written to a
 * temporary directory and read back (CSV headers and row counts, manifest.json through cJSON,
 * PNG signatures, a self-contained report.html), variant models that lack columns or have
 * all-NaN or constant ones, and failures that must leave neither DIR nor DIR.tmp-* behind.
 *
 * MK_TEST_OUTDIR=DIR keeps every test's output under DIR/mk_rundir_* (to look at the figures).
 */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "protocol/results.h"
#include "report/rundir.h"
#include "myoknot.h"
#include "report/figures.h"
#include "report/html.h"

/* ---------------------------------------------------------------- a fake model and protocol */

static const mk_symbol fake_params[] = {
    {"core.k_o2", "1/s", "O2 consumption rate constant", "assumed: test", 0.5, 0.1, 2, NAN, 1, 0, 0, 3, 0},
    {"band.g0", "kPa", "resting shear modulus", "assumed: test", 10, 5, 20, NAN, 1000, 0, 0, 4, 0},
    {"pain.gain", "1", "pain gain", "assumed: test", 1, 0, 5, NAN, 1, 0, 0, 5, 0},
};

/* the site outputs the figures draw, and the interface labels that name them */
static const mk_symbol fake_vars[] = {
    {"core.po2", "mmHg", "", NULL, NAN, NAN, NAN, NAN, 133.3, 0, 1, 10, 0},
    {"surround.po2", "mmHg", "", NULL, NAN, NAN, NAN, NAN, 133.3, 0, 1, 11, 0},
    {"core.ph", "1", "", NULL, NAN, NAN, NAN, NAN, 1, 0, 1, 12, 0},
    {"core.pcr", "mM", "", NULL, NAN, NAN, NAN, NAN, 1, 0, 1, 13, 0},
    {"core.lactate", "mM", "", NULL, NAN, NAN, NAN, NAN, 1, 0, 1, 14, 0},
    {"core.flow", "mL/100g/min", "", NULL, NAN, NAN, NAN, NAN, 1, 0, 1, 15, 0},
    {"surround.flow", "mL/100g/min", "", NULL, NAN, NAN, NAN, NAN, 1, 0, 1, 16, 0},
    {"band.stiffness", "kPa", "", NULL, NAN, NAN, NAN, NAN, 1000, 0, 1, 17, 0},
    {"pain.local", "1", "", NULL, NAN, NAN, NAN, NAN, 1, 0, 1, 18, 0},
    {"pain.referred", "1", "", NULL, NAN, NAN, NAN, NAN, 1, 0, 1, 19, 0},
};

static const mk_label_def fake_labels[] = {
    {"core_po2", MK_SYM_VAR, 0, "", 2},      {"surround_po2", MK_SYM_VAR, 1, "", 2},
    {"core_ph", MK_SYM_VAR, 2, "", 2},       {"core_pcr", MK_SYM_VAR, 3, "", 2},
    {"core_lactate", MK_SYM_VAR, 4, "", 2},  {"core_flow", MK_SYM_VAR, 5, "", 2},
    {"surround_flow", MK_SYM_VAR, 6, "", 2}, {"band_stiffness", MK_SYM_VAR, 7, "", 2},
    {"pain_local", MK_SYM_VAR, 8, "", 2},    {"pain_referred", MK_SYM_VAR, 9, "", 2},
};

static const mk_model_abi fake_abi = {
    .abi_version = MK_MODEL_ABI_VERSION,
    .name = "tp_fake",
    .doc = "a fake site model for tests",
    .hash = "0123456789abcdef",
    .source = "model tp_fake\n",
    .generator = "myoknot test",
    .n_params = 3,
    .params = fake_params,
    .n_vars = 10,
    .vars = fake_vars,
    .n_labels = 10,
    .labels = fake_labels,
};

static const char *const all_cols[][2] = {
    {"core.po2", "mmHg"},       {"surround.po2", "mmHg"},         {"core.ph", "1"},
    {"core.pcr", "mM"},         {"core.lactate", "mM"},           {"core.flow", "mL/100g/min"},
    {"surround.flow", "mL/100g/min"}, {"band.stiffness", "kPa"},  {"pain.local", "1"},
    {"pain.referred", "1"},     {"pain.region.temple_r", "1"},    {"pain.region.neck_lateral_r", "1"},
};
#define N_ALL ((int)(sizeof all_cols / sizeof *all_cols))

typedef struct fixture {
    mk_protocol proto;
    mk_measurement meas_spec[3];
    mk_annotation notes[4];
    mk_param_override over[1];
    mk_run_result r;
    char tmp[256];   /* a fresh directory per test */
} fixture;

static double curve(const char *name, double t_s)
{
    double h = t_s / 3600.0;
    double crisis = 1.0 / (1.0 + exp(-(h - 10.0) / 2.0));         /* builds over the first day */
    double relief = h > 24.0 ? exp(-(h - 24.0) / 6.0) * 0.6 : 0;  /* therapy at 24 h */
    double x = crisis * (1.0 - (h > 24.0 ? 0.6 - relief : 0));
    if (!strcmp(name, "core.po2")) return 30.0 - 24.0 * x;
    if (!strcmp(name, "surround.po2")) return 32.0 - 3.0 * x + 0.5 * sin(h / 3.0);
    if (!strcmp(name, "core.ph")) return 7.05 - 0.3 * x;
    if (!strcmp(name, "core.pcr")) return 25.0 - 15.0 * x;
    if (!strcmp(name, "core.lactate")) return 1.0 + 6.0 * x;
    if (!strcmp(name, "core.flow")) return 8.0 - 5.0 * x;
    if (!strcmp(name, "surround.flow")) return 6.0 + 0.5 * sin(h / 4.0);
    if (!strcmp(name, "band.stiffness")) return 12.0 + 14.0 * x;
    if (!strcmp(name, "pain.local")) return 6.0 * x;
    if (!strcmp(name, "pain.referred")) return 3.5 * x * x;
    if (!strcmp(name, "pain.region.temple_r")) return 2.8 * x * x;
    if (!strcmp(name, "pain.region.neck_lateral_r")) return 1.4 * x * x;
    return 0;
}

/* a run over two days of `n_cols` of the columns above; an all-NaN or constant column can be
 * forced through `nan_col` and `const_col` (-1: none) */
static void make_run(fixture *fx, int n_cols, const char *const (*cols)[2], int nan_col, int const_col,
                     int n_rows)
{
    mk_error err = {0};
    mk_protocol *p = &fx->proto;
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "Desk worker, two days");
    snprintf(p->description, sizeof p->description, "Sustained low-level trapezius load, then ischaemic compression.");
    snprintf(p->model, sizeof p->model, "tp_fake");
    snprintf(p->file, sizeof p->file, "scenarios/test.yaml");
    snprintf(p->muscle, sizeof p->muscle, "upper_trapezius");
    snprintf(p->side, sizeof p->side, "r");
    p->duration_s = 2 * 86400.0;
    p->output_every_s = 600;
    p->seed = 42;
    p->yaml_text = "name: Desk worker, two days\nduration: 2 d\n";

    fx->over[0] = (mk_param_override){.param = 1, .value = 14, .line = 7, .col = 5};
    p->params = fx->over;
    p->n_params = 1;

    fx->notes[0] = (mk_annotation){0, 8 * 3600.0, "desk work", "load"};
    fx->notes[1] = (mk_annotation){6 * 3600.0, 6.5 * 3600.0, "cuff occlusion", "experiment"};
    fx->notes[2] = (mk_annotation){24 * 3600.0, 24 * 3600.0 + 90, "ischaemic compression 1/1", "therapy"};
    fx->notes[3] = (mk_annotation){30 * 3600.0, 32 * 3600.0, "sleep & <rest>", "life"};
    p->notes = fx->notes;
    p->n_notes = 4;

    fx->meas_spec[0] = (mk_measurement){.t_s = 23.9 * 3600, .kind = MK_MEAS_PPT, .label = "PPT before", .arg = 30};
    fx->meas_spec[1] = (mk_measurement){.t_s = 24.1 * 3600, .kind = MK_MEAS_PPT, .label = "PPT after, 5 min", .arg = 30};
    fx->meas_spec[2] = (mk_measurement){.t_s = 24.2 * 3600, .kind = MK_MEAS_PAIN, .label = "pain \"now\"", .region = "temple_r"};
    p->meas = fx->meas_spec;
    p->n_meas = 3;

    mk_run_result *r = &fx->r;
    memset(r, 0, sizeof *r);
    r->abi = &fake_abi;
    r->protocol = p;
    r->params = malloc(3 * sizeof *r->params);
    assert_non_null(r->params);
    r->params[0] = 0.5;
    r->params[1] = 14;
    r->params[2] = 2; /* differs from the default: set by a caller, not the scenario */
    assert_int_equal(mk_series_init(&r->series, n_cols, &err), MK_OK);
    for (int c = 0; c < n_cols; c++)
        assert_int_equal(mk_series_set_column(&r->series, c, cols[c][0], cols[c][1], &err), MK_OK);
    double row[64];
    for (int i = 0; i < n_rows; i++) {
        double t = i * 600.0;
        for (int c = 0; c < n_cols; c++)
            row[c] = c == nan_col ? NAN : c == const_col ? 5.0 : curve(cols[c][0], t);
        assert_int_equal(mk_series_append(&r->series, t, row, &err), MK_OK);
    }
    r->meas = calloc(3, sizeof *r->meas);
    assert_non_null(r->meas);
    r->n_meas = 3;
    r->meas[0] = (mk_meas_result){fx->meas_spec[0].t_s, &fx->meas_spec[0], 310, "kPa", ""};
    r->meas[1] = (mk_meas_result){fx->meas_spec[1].t_s, &fx->meas_spec[1], 395, "kPa", ""};
    r->meas[2] = (mk_meas_result){fx->meas_spec[2].t_s, &fx->meas_spec[2], 2.1, "1", "spontaneous"};
    r->stats = (mk_solver_stats){1234, 2345, 56, 7, 1};
    r->wall_s = 0.42;
    r->summary = strdup("quantity        start   end\ncore.po2 (mmHg)  30.0   8.1\n");
}

/* ---------------------------------------------------------------- helpers */

static void rm_flat(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[1024];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) rm_flat(path);
        else unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx) return -1;
    const char *base = getenv("MK_TEST_OUTDIR");
    if (!base || !base[0]) base = getenv("TMPDIR");
    snprintf(fx->tmp, sizeof fx->tmp, "%s/mk_rundir_XXXXXX", base && base[0] ? base : "/tmp");
    if (!mkdtemp(fx->tmp)) return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    mk_run_result_free(&fx->r);
    const char *keep = getenv("MK_TEST_OUTDIR");
    if (!keep || !keep[0]) rm_flat(fx->tmp);
    free(fx);
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) buf[n] = 0;
    if (len) *len = (size_t)n;
    return buf;
}

static int count_lines(const char *text)
{
    int n = 0;
    for (const char *c = text; *c; c++) n += *c == '\n';
    return n;
}

static int count_substr(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

static void assert_png(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t len = 0;
    char *data = slurp(path, &len);
    if (!data) print_error("missing %s\n", path);
    assert_non_null(data);
    assert_true(len > 2000);
    assert_memory_equal(data, "\x89PNG\r\n\x1a\n", 8);
    free(data);
}

/* no entry of `parent` starts with `prefix` */
static void assert_no_entry(const char *parent, const char *prefix)
{
    DIR *d = opendir(parent);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) print_error("left behind: %s/%s\n", parent, e->d_name);
        assert_false(strncmp(e->d_name, prefix, strlen(prefix)) == 0);
    }
    closedir(d);
}

static char *read_in(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *t = slurp(path, NULL);
    if (!t) print_error("missing %s\n", path);
    assert_non_null(t);
    return t;
}

/* ---------------------------------------------------------------- the series table */

static void series_api(void **state)
{
    (void)state;
    mk_series s;
    mk_error err = {0};
    assert_int_equal(mk_series_init(&s, 0, &err), MK_ERR_INVALID);
    assert_int_equal(mk_series_init(&s, 2, &err), MK_OK);
    assert_int_equal(mk_series_set_column(&s, 0, "a", "mM", &err), MK_OK);
    assert_int_equal(mk_series_set_column(&s, 1, "a", "mM", &err), MK_ERR_NAME);
    assert_int_equal(mk_series_set_column(&s, 2, "b", "mM", &err), MK_ERR_INVALID);
    assert_int_equal(mk_series_set_column(&s, 1, "b", NULL, &err), MK_OK);
    assert_string_equal(s.units[1], "1");
    for (int i = 0; i < 1000; i++) { /* past the first growth steps */
        double row[2] = {i, -i};
        assert_int_equal(mk_series_append(&s, i * 0.5, row, &err), MK_OK);
    }
    assert_int_equal(s.n_rows, 1000);
    assert_true(s.cap_rows >= 1000);
    assert_true(s.values[999 * 2 + 1] == -999.0);
    assert_true(s.t_s[999] == 499.5);
    assert_int_equal(mk_series_find(&s, "b"), 1);
    assert_int_equal(mk_series_find(&s, "c"), -1);
    assert_int_equal(mk_series_find(NULL, "b"), -1);
    mk_series_free(&s);
    assert_int_equal(s.n_cols, 0);
    mk_series_free(&s); /* twice is harmless */
    mk_run_result_free(NULL);
}

static void base64(void **state)
{
    (void)state;
    const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *want[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        mk_buf b;
        mk_buf_init(&b);
        mk_base64_append(&b, (const unsigned char *)in[i], strlen(in[i]));
        assert_string_equal(b.data ? b.data : "", want[i]);
        mk_buf_free(&b);
    }
}

static void helpers(void **state)
{
    (void)state;
    char b[64];
    assert_string_equal(mk_time_unit_for_span(90).name, "s");
    assert_string_equal(mk_time_unit_for_span(3600).name, "min");
    assert_string_equal(mk_time_unit_for_span(86400).name, "h");
    assert_string_equal(mk_time_unit_for_span(7 * 86400).name, "d");
    assert_string_equal(mk_format_duration(90, b, sizeof b), "90 s");
    assert_string_equal(mk_format_duration(5400, b, sizeof b), "90 min");
    assert_string_equal(mk_format_duration(3 * 86400 + 4 * 3600, b, sizeof b), "3 d 4 h");
    assert_string_equal(mk_pretty_region("temple_r", b, sizeof b), "temple (right)");
    assert_string_equal(mk_pretty_region("upper_trapezius", b, sizeof b), "upper trapezius");
}

/* ---------------------------------------------------------------- a full run */

static void full_run(void **state)
{
    fixture *fx = *state;
    mk_error err = {0};
    make_run(fx, N_ALL, all_cols, -1, -1, 289);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/run", fx->tmp);
    mk_status rc = mk_rundir_write(&fx->r, dir, &err);
    if (rc) print_error("%s\n", err.message);
    assert_int_equal(rc, MK_OK);

    /* series.csv: tidy, a header naming the unit, one row per time and column */
    char *csv = read_in(dir, "series.csv");
    assert_true(strncmp(csv, "t_s,variable,unit,value\n", 24) == 0);
    assert_int_equal(count_lines(csv), 1 + 289 * N_ALL);
    assert_non_null(strstr(csv, "\n0,core.po2,mmHg,"));
    assert_non_null(strstr(csv, "\n600,core.flow,mL/100g/min,"));
    free(csv);

    /* measurements.csv: quoting of commas and quotes */
    csv = read_in(dir, "measurements.csv");
    assert_true(strncmp(csv, "t_s,label,kind,region,value,unit,note,site\n", 43) == 0);
    assert_int_equal(count_lines(csv), 4);
    assert_non_null(strstr(csv, ",\"PPT after, 5 min\",ppt,local,395,kPa,,\n"));
    assert_non_null(strstr(csv, ",\"pain \"\"now\"\"\",pain,temple_r,2.1,1,spontaneous,\n"));
    free(csv);

    /* manifest.json */
    char *text = read_in(dir, "manifest.json");
    cJSON *m = cJSON_Parse(text);
    free(text);
    assert_non_null(m);
    assert_string_equal(cJSON_GetObjectItem(m, "myoknot_version")->valuestring, MK_VERSION);
    cJSON *model = cJSON_GetObjectItem(m, "model");
    assert_string_equal(cJSON_GetObjectItem(model, "name")->valuestring, "tp_fake");
    assert_string_equal(cJSON_GetObjectItem(model, "hash")->valuestring, "0123456789abcdef");
    assert_string_equal(cJSON_GetObjectItem(model, "generator")->valuestring, "myoknot test");
    cJSON *sc = cJSON_GetObjectItem(m, "scenario");
    assert_string_equal(cJSON_GetObjectItem(sc, "name")->valuestring, "Desk worker, two days");
    assert_string_equal(cJSON_GetObjectItem(sc, "file")->valuestring, "scenarios/test.yaml");
    assert_string_equal(cJSON_GetObjectItem(sc, "yaml")->valuestring, fx->proto.yaml_text);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(sc, "annotations")), 4);
    assert_true(cJSON_GetObjectItem(m, "seed")->valuedouble == 42);
    assert_string_equal(cJSON_GetObjectItem(m, "seed_text")->valuestring, "42");
    cJSON *params = cJSON_GetObjectItem(m, "parameters");
    assert_int_equal(cJSON_GetArraySize(params), 3);
    cJSON *p0 = cJSON_GetArrayItem(params, 0), *p1 = cJSON_GetArrayItem(params, 1), *p2 = cJSON_GetArrayItem(params, 2);
    assert_string_equal(cJSON_GetObjectItem(p1, "name")->valuestring, "band.g0");
    assert_string_equal(cJSON_GetObjectItem(p1, "unit")->valuestring, "kPa");
    assert_true(cJSON_GetObjectItem(p1, "value")->valuedouble == 14);
    assert_true(cJSON_GetObjectItem(p1, "default")->valuedouble == 10);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(p1, "overridden")));
    assert_string_equal(cJSON_GetObjectItem(p1, "overridden_by")->valuestring, "scenario");
    assert_true(cJSON_GetObjectItem(p1, "scenario_line")->valuedouble == 7);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(p0, "overridden")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(p2, "overridden")));
    assert_string_equal(cJSON_GetObjectItem(p2, "overridden_by")->valuestring, "caller");
    cJSON *solver = cJSON_GetObjectItem(m, "solver");
    assert_true(cJSON_GetObjectItem(solver, "steps")->valuedouble == 1234);
    assert_true(cJSON_GetObjectItem(solver, "rhs_evals")->valuedouble == 2345);
    assert_true(cJSON_GetObjectItem(m, "wall_time_s")->valuedouble == 0.42);
    cJSON *series = cJSON_GetObjectItem(m, "series");
    assert_true(cJSON_GetObjectItem(series, "rows")->valuedouble == 289);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(series, "columns")), N_ALL);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(m, "measurements")), 3);
    cJSON *files = cJSON_GetObjectItem(m, "files");
    int n_files = cJSON_GetArraySize(files);
    assert_int_equal(n_files, 3 + 4 + 2); /* csv x2, checkpoint, figures x3 + the body map, report, manifest */
    for (int i = 0; i < n_files; i++) { /* every listed file exists */
        const char *name = cJSON_GetObjectItem(cJSON_GetArrayItem(files, i), "name")->valuestring;
        char path[1024];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, name);
        assert_int_equal(stat(path, &st), 0);
        cJSON *bytes = cJSON_GetObjectItem(cJSON_GetArrayItem(files, i), "bytes");
        if (bytes) assert_true(bytes->valuedouble == (double)st.st_size);
    }
    cJSON_Delete(m);

    /* figures */
    assert_png(dir, "fig1_timecourses.png");
    assert_png(dir, "fig2_pain.png");
    assert_png(dir, "fig3_band_ppt.png");
    assert_png(dir, "body_map.png"); /* the site is a muscle: front and back views of its pain */

    /* report.html: self-contained */
    char *html = read_in(dir, "report.html");
    assert_int_equal(count_substr(html, "src=\"data:image/png;base64,iVBORw0KGgo"), 4);
    /* the body map's title names the site and the region where referred pain peaks */
    assert_non_null(strstr(html, "Trigger point in the upper trapezius (right): referred pain peaks at 2.8/10 in the temple (right)"));
    assert_null(strstr(html, "http"));
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "<link"));
    assert_non_null(strstr(html, "Desk worker, two days"));
    assert_non_null(strstr(html, "ischaemic compression 1/1"));
    assert_non_null(strstr(html, "sleep &amp; &lt;rest&gt;")); /* escaped */
    assert_non_null(strstr(html, "PPT after, 5 min"));
    assert_non_null(strstr(html, "0123456789abcdef"));
    assert_non_null(strstr(html, "scenarios/test.yaml"));
    assert_non_null(strstr(html, "right upper trapezius"));
    assert_non_null(strstr(html, "core.po2 (mmHg)  30.0")); /* the summary table */
    free(html);

    assert_no_entry(fx->tmp, "run.tmp-");
}

/* The report leads with what the reader came for (issue 14 item 4): a "what happened"
 * paragraph, the key figures (pain first), the measurements, then the mechanism's figures in a
 * second section, and the event list folded away. */
static void report_layout(void **state)
{
    fixture *fx = *state;
    mk_error err = {0};
    static const char *const cols[][2] = {
        {"core.po2", "mmHg"}, {"core.ph", "1"},        {"band.stiffness", "kPa"}, {"pain.local", "1"},
        {"pain.referred", "1"}, {"core.ca_c", "uM"},   {"chem.bk", "1"},          {"noci.rate", "Hz"},
        {"spinal.central_sens", "1"}};
    make_run(fx, 9, cols, -1, -1, 289);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/layout", fx->tmp);
    mk_status rc = mk_rundir_write(&fx->r, dir, &err);
    if (rc) print_error("%s\n", err.message);
    assert_int_equal(rc, MK_OK);
    assert_png(dir, "fig4_mechanism.png");
    char *html = read_in(dir, "report.html");
    const char *what = strstr(html, "<h2>What happened</h2>"), *fig = strstr(html, "<figure>");
    const char *meas = strstr(html, "<h2>Measurements</h2>"), *inside = strstr(html, "<h2>Inside the trigger point</h2>");
    const char *events = strstr(html, "<details><summary>The scenario's 4 events, in order</summary>");
    assert_non_null(what);
    assert_non_null(fig);
    assert_non_null(meas);
    assert_non_null(inside);
    assert_non_null(events);
    assert_true(what < fig && fig < meas && meas < inside && inside < events);
    /* the paragraph says what the PPT and the pain did, from the run's numbers */
    assert_non_null(strstr(what, "the pressure pain threshold went from 310 kPa"));
    assert_non_null(strstr(what, "to 395 kPa"));
    assert_non_null(strstr(what, "pain at the trigger point peaked at"));
    /* the first figure is the pain figure; the tissue's time courses and the mechanism come after
     * the measurements */
    assert_non_null(strstr(fig, "<figcaption><b>Figure 1.</b> Pain at the trigger point"));
    const char *po2 = strstr(html, "Knot core pO2"), *noci = strstr(html, "<b>Figure 5.</b> Nociceptor firing");
    assert_non_null(po2);
    assert_non_null(noci);
    assert_true(po2 > inside && noci > inside);
    free(html);
}

/* A variant model: some columns missing, one all NaN, one constant; no rows of pain at all. */
static void variant_columns(void **state)
{
    fixture *fx = *state;
    mk_error err = {0};
    static const char *const cols[][2] = {
        {"core.po2", "mmHg"}, {"surround.po2", "mmHg"}, {"core.ph", "1"}, {"pain.local", "1"}, {"core.ca", "uM"}};
    make_run(fx, 5, cols, 3 /* pain.local all NaN */, 1 /* surround.po2 constant */, 50);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/variant/", fx->tmp); /* trailing slash names the same directory */
    mk_status rc = mk_rundir_write(&fx->r, dir, &err);
    if (rc) print_error("%s\n", err.message);
    assert_int_equal(rc, MK_OK);
    snprintf(dir, sizeof dir, "%s/variant", fx->tmp);
    assert_png(dir, "fig1_timecourses.png");
    assert_png(dir, "fig2_pain.png");      /* pain.local exists (all NaN) and a rating was asked for */
    assert_png(dir, "fig3_band_ppt.png");  /* PPT measurements without band.stiffness */
    char *html = read_in(dir, "report.html");
    assert_non_null(strstr(html, "Not in this model&#39;s output"));
    free(html);

    /* the same result again into a second directory: PLplot state does not leak between calls */
    snprintf(dir, sizeof dir, "%s/again", fx->tmp);
    assert_int_equal(mk_rundir_write(&fx->r, dir, &err), MK_OK);
    assert_png(dir, "fig1_timecourses.png");
}

/* No rows and no measurements: the tables, the report and the manifest, and no figures. */
static void empty_run(void **state)
{
    fixture *fx = *state;
    mk_error err = {0};
    make_run(fx, 2, all_cols, -1, -1, 0);
    fx->r.n_meas = 0;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/empty", fx->tmp);
    mk_status rc = mk_rundir_write(&fx->r, dir, &err);
    if (rc) print_error("%s\n", err.message);
    assert_int_equal(rc, MK_OK);
    char *csv = read_in(dir, "series.csv");
    assert_string_equal(csv, "t_s,variable,unit,value\n");
    free(csv);
    char *text = read_in(dir, "manifest.json");
    cJSON *m = cJSON_Parse(text);
    free(text);
    assert_non_null(m);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(m, "files")), 4);
    cJSON_Delete(m);
    char path[1024];
    struct stat st;
    snprintf(path, sizeof path, "%s/fig1_timecourses.png", dir);
    assert_int_not_equal(stat(path, &st), 0);
}

/* ---------------------------------------------------------------- failures leave nothing */

static void fails_cleanly(void **state)
{
    fixture *fx = *state;
    mk_error err = {0};
    char dir[512], file[512];
    mk_status rc;
    make_run(fx, N_ALL, all_cols, -1, -1, 20);

    /* the parent does not exist */
    snprintf(dir, sizeof dir, "%s/no/such/parent/run", fx->tmp);
    assert_int_equal(mk_rundir_write(&fx->r, dir, &err), MK_ERR_IO);
    assert_non_null(strstr(err.message, "no/such/parent"));
    snprintf(dir, sizeof dir, "%s/no", fx->tmp);
    assert_int_not_equal(access(dir, F_OK), 0);

    /* the parent is a file */
    snprintf(file, sizeof file, "%s/afile", fx->tmp);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs("x\n", f);
    fclose(f);
    snprintf(dir, sizeof dir, "%s/afile/run", fx->tmp);
    memset(&err, 0, sizeof err);
    assert_int_equal(mk_rundir_write(&fx->r, dir, &err), MK_ERR_IO);
    assert_true(err.message[0] != 0);

    /* the destination is a file: left alone */
    memset(&err, 0, sizeof err);
    assert_int_equal(mk_rundir_write(&fx->r, file, &err), MK_ERR_IO);
    assert_non_null(strstr(err.message, "not a directory"));
    char *t = slurp(file, NULL);
    assert_string_equal(t, "x\n");
    free(t);

    /* the destination is somebody's directory: left alone */
    snprintf(dir, sizeof dir, "%s/mine", fx->tmp);
    assert_int_equal(mkdir(dir, 0777), 0);
    snprintf(file, sizeof file, "%s/mine/notes.txt", fx->tmp);
    f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    memset(&err, 0, sizeof err);
    assert_int_equal(mk_rundir_write(&fx->r, dir, &err), MK_ERR_IO);
    assert_non_null(strstr(err.message, "not a myoknot run directory"));
    assert_int_equal(access(file, F_OK), 0);

    /* a failure half-way (the series is malformed: no column names) is caught up front */
    char *saved = fx->r.series.names[0];
    fx->r.series.names[0] = NULL;
    snprintf(dir, sizeof dir, "%s/bad", fx->tmp);
    assert_int_equal(mk_rundir_write(&fx->r, dir, &err), MK_ERR_INVALID);
    fx->r.series.names[0] = saved;
    assert_int_not_equal(access(dir, F_OK), 0);

    /* a failure while writing: files may not grow past 40 kB (as on a full disk; permissions
     * would not stop root), so a figure or the report fails half-way; everything goes */
    struct rlimit lim, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &lim), 0);
    small = lim;
    small.rlim_cur = 40000;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    snprintf(dir, sizeof dir, "%s/full", fx->tmp);
    memset(&err, 0, sizeof err);
    rc = mk_rundir_write(&fx->r, dir, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    signal(SIGXFSZ, old_handler);
    assert_int_equal(rc, MK_ERR_IO);
    assert_non_null(strstr(err.message, "full.tmp-"));
    assert_int_not_equal(access(dir, F_OK), 0);

    assert_no_entry(fx->tmp, "full");
    assert_no_entry(fx->tmp, "run.tmp-");
    assert_no_entry(fx->tmp, "bad");
    assert_no_entry(fx->tmp, "afile.tmp-");
    assert_no_entry(fx->tmp, "mine.tmp-");
}

/* A previous run directory is replaced as a whole; an empty directory is filled. */
static void replaces_previous_run(void **state)
{
    fixture *fx = *state;
    mk_error err = {0};
    char dir[512], stale[600];
    make_run(fx, N_ALL, all_cols, -1, -1, 30);
    snprintf(dir, sizeof dir, "%s/out", fx->tmp);
    assert_int_equal(mkdir(dir, 0777), 0); /* empty: fine */
    assert_int_equal(mk_rundir_write(&fx->r, dir, &err), MK_OK);
    /* a figure an older version wrote: still a run file, goes with the old run */
    snprintf(stale, sizeof stale, "%s/fig9_stale.png", dir);
    FILE *f = fopen(stale, "w");
    assert_non_null(f);
    fclose(f);
    fx->r.wall_s = 9.5;
    assert_int_equal(mk_rundir_write(&fx->r, dir, &err), MK_OK);
    assert_int_not_equal(access(stale, F_OK), 0); /* the old run went as a whole */
    /* a file a run never writes means the folder is someone's: left alone */
    char notes[600];
    snprintf(notes, sizeof notes, "%s/notes.txt", dir);
    f = fopen(notes, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(mk_rundir_write(&fx->r, dir, &err), MK_ERR_IO);
    assert_int_equal(access(notes, F_OK), 0);
    unlink(notes);
    char *text = read_in(dir, "manifest.json");
    cJSON *m = cJSON_Parse(text);
    free(text);
    assert_true(cJSON_GetObjectItem(m, "wall_time_s")->valuedouble == 9.5);
    cJSON_Delete(m);
    assert_no_entry(fx->tmp, "out.tmp-");
    assert_no_entry(fx->tmp, "out.old-");
}

/* The figures module alone: an unwritable directory is an error, not an exit. */
static void figures_unwritable(void **state)
{
    fixture *fx = *state;
    mk_error err = {0};
    mk_figure_set figs;
    make_run(fx, N_ALL, all_cols, -1, -1, 10);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/missing", fx->tmp);
    assert_int_equal(mk_figures_write(&fx->r, dir, &figs, &err), MK_ERR_IO);
    assert_non_null(strstr(err.message, "fig1_timecourses.png"));
    assert_int_equal(figs.n, 0);
    mk_figure_set_free(&figs); /* a figure begun before the failure has its texts */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(series_api),
        cmocka_unit_test(base64),
        cmocka_unit_test(helpers),
        cmocka_unit_test_setup_teardown(full_run, setup, teardown),
        cmocka_unit_test_setup_teardown(report_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(variant_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_run, setup, teardown),
        cmocka_unit_test_setup_teardown(fails_cleanly, setup, teardown),
        cmocka_unit_test_setup_teardown(replaces_previous_run, setup, teardown),
        cmocka_unit_test_setup_teardown(figures_unwritable, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
