/*
 * test_limits.c -- the limits of src/core/limits.h, each tried on both sides: at the limit
 * the input is accepted whole, one past it is refused with file:line:column and the limit
 * named.  Also inputs that are no regular file (a FIFO, a folder), which must be refused at
 * once rather than block, and a model with a quarter of a million names, which must be
 * checked without the quadratic name lookups that once took minutes.
 *
 * Each test that could hang on a regression (a FIFO opened for reading waits for a writer;
 * quadratic checking of 250,000 names takes minutes) runs under alarm(), whose default
 * action ends the process: a regression fails the test instead of stalling the suite.  The
 * alarm is a guard against hanging, not a measurement: `make bench` measures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/limits.h"
#include "core/map.h"
#include "myoknot.h"
#include "protocol/scenario.h"
#include "validate/validate.h"

/* ---------------------------------------------------------------- helpers */

/* A growing text, for models of many lines. */
typedef struct text {
    char *s;
    size_t len, cap;
} text;

static void add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + (size_t)n + 1) cap *= 2;
        t->s = realloc(t->s, cap);
        assert_non_null(t->s);
        t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

/* n copies of c */
static char *repeat_char(char c, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = 0;
    return s;
}

static mk_status parse(const char *src, mk_model **m, mk_error *err)
{
    memset(err, 0, sizeof *err);
    *m = NULL;
    return mk_model_parse_string("limits.myo", src, m, err);
}

static void expect_ok(const char *src)
{
    mk_model *m;
    mk_error err;
    mk_status rc = parse(src, &m, &err);
    if (rc) print_error("%s:%d:%d: %s\n", err.file, err.line, err.column, err.message);
    assert_int_equal(rc, MK_OK);
    mk_model_free(m);
}

/* Refused with this code, at line:column, with a message containing fragment. */
static void expect_error(const char *src, mk_status code, int line, int column, const char *fragment)
{
    mk_model *m;
    mk_error err;
    mk_status rc = parse(src, &m, &err);
    int ok = rc == code && !m && err.code == code && !strcmp(err.file, "limits.myo") &&
             err.line == line && err.column == column && strstr(err.message, fragment);
    if (!ok)
        print_error("expected %s %d:%d: ...%s\nactual   %s %d:%d: %s\n", mk_status_name(code), line,
                    column, fragment, mk_status_name(rc), err.line, err.column, err.message);
    mk_model_free(m);
    assert_true(ok);
}

static void temp_dir(char *buf, size_t size)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(buf, size, "%s/mk_limits_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(buf));
}

/* ---------------------------------------------------------------- names */

/* A name of MK_MAX_NAME_LEN characters is a name; one more is an error where it starts,
 * wherever it stands: declared, referenced, as a component or the model. */
static void test_name_length(void **state)
{
    (void)state;
    char *at = repeat_char('a', MK_MAX_NAME_LEN), *over = repeat_char('b', MK_MAX_NAME_LEN + 1);
    char *huge = repeat_char('x', 300);
    text t = {0};
    add(&t, "model %s {}\ncomponent %s {\n  input %s = 1 [mM]\n  var v [mM] = %s.%s\n}\n", at, at,
        at, at, at);
    expect_ok(t.s);

    char msg[128];
    snprintf(msg, sizeof msg, "is too long (%d characters; at most %d)", MK_MAX_NAME_LEN + 1,
             MK_MAX_NAME_LEN);
    t.len = 0;
    add(&t, "model m {}\ncomponent c {\n  input %s = 1 [mM]\n}\n", over);
    expect_error(t.s, MK_ERR_SYNTAX, 3, 9, msg);
    t.len = 0;
    add(&t, "model m {}\ncomponent c {\n  param %s = 1 [mM] { range 0..2; source \"s\"; doc \"d\" }\n}\n", huge);
    expect_error(t.s, MK_ERR_SYNTAX, 3, 9, "name 'xxxxxxxxxxxxxxxxxxxxxxxx...' is too long (300 characters; at most 63)");
    t.len = 0;
    add(&t, "model m {}\ncomponent c {\n  input u = 1 [mM]\n  var v [mM] = u + %s\n}\n", huge);
    expect_error(t.s, MK_ERR_SYNTAX, 4, 20, "too long (300 characters");
    t.len = 0;
    add(&t, "model m {}\ncomponent %s {\n}\n", over);
    expect_error(t.s, MK_ERR_SYNTAX, 2, 11, msg);
    t.len = 0;
    add(&t, "model %s {}\ncomponent c {\n}\n", over);
    expect_error(t.s, MK_ERR_SYNTAX, 1, 7, msg);
    free(t.s);
    free(at);
    free(over);
    free(huge);
}

/* Two long names that differ only in their last character are two names: both are refused
 * when over the limit (once both were accepted and cut to one C identifier), and at the
 * limit both reach the generated C whole. */
static void test_long_names_stay_distinct(void **state)
{
    (void)state;
    char *a200 = repeat_char('p', 200), *b200 = repeat_char('p', 200);
    b200[199] = 'q';
    text t = {0};
    add(&t, "model m {}\ncomponent c {\n  input %s = 1 [mM]\n  input %s = 2 [mM]\n}\n", a200, b200);
    expect_error(t.s, MK_ERR_SYNTAX, 3, 9, "too long (200 characters; at most 63)");

    char *comp = repeat_char('c', MK_MAX_NAME_LEN);
    char *a = repeat_char('p', MK_MAX_NAME_LEN), *b = repeat_char('p', MK_MAX_NAME_LEN);
    b[MK_MAX_NAME_LEN - 1] = 'q';
    t.len = 0;
    add(&t, "model m {}\ncomponent %s {\n  input %s = 1 [mM]\n  input %s = 2 [mM]\n"
            "  output w [mM] = %s - %s\n}\n", comp, a, b, a, b);
    mk_model *m;
    mk_error err;
    assert_int_equal(parse(t.s, &m, &err), MK_OK);
    assert_int_equal(mk_model_count(m, MK_SYM_INPUT), 2);
    mk_buf c;
    mk_buf_init(&c);
    assert_int_equal(mk_model_generate_c(m, &c, &err), MK_OK);
    char ca[2 * MK_MAX_NAME_LEN + 16], cb[sizeof ca];
    snprintf(ca, sizeof ca, " %s__%s = ", comp, a);
    snprintf(cb, sizeof cb, " %s__%s = ", comp, b);
    assert_non_null(strstr(c.data, ca));
    assert_non_null(strstr(c.data, cb));
    char expr[4 * MK_MAX_NAME_LEN + 16];
    snprintf(expr, sizeof expr, "%s__%s - %s__%s;", comp, a, comp, b);
    assert_non_null(strstr(c.data, expr));
    mk_buf_free(&c);
    mk_model_free(m);
    free(t.s);
    free(a200);
    free(b200);
    free(comp);
    free(a);
    free(b);
}

/* ---------------------------------------------------------------- the name map */

/* The hash map behind name lookups: every key found again after many growths, keys that are
 * prefixes of each other kept apart, a second put keeps the first value. */
static void test_map(void **state)
{
    (void)state;
    enum { N = 20000 };
    static char keys[N][16];
    static int vals[N];
    mk_map m = {0};
    assert_null(mk_map_get(&m, "x", 1));
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i); /* "k1", "k10", "k100": prefixes */
        vals[i] = i;
        void *old = &m;
        assert_int_equal(mk_map_put(&m, keys[i], strlen(keys[i]), &vals[i], &old), 0);
        assert_null(old);
    }
    assert_int_equal(m.n, N);
    for (int i = 0; i < N; i++) {
        int *v = mk_map_get(&m, keys[i], strlen(keys[i]));
        assert_non_null(v);
        assert_int_equal(*v, i);
    }
    assert_null(mk_map_get(&m, "k", 1));
    assert_null(mk_map_get(&m, "k20000", 6));
    assert_ptr_equal(mk_map_get(&m, "k12", 2), &vals[1]); /* only the first len bytes count */
    assert_ptr_equal(mk_map_get(&m, "k12", 3), &vals[12]);
    int other = -1;
    void *old = NULL;
    assert_int_equal(mk_map_put(&m, "k7", 2, &other, &old), 0);
    assert_ptr_equal(old, &vals[7]);
    assert_ptr_equal(mk_map_get(&m, "k7", 2), &vals[7]);
    assert_int_equal(m.n, N);
    mk_map_free(&m);
    assert_null(mk_map_get(&m, "k7", 2));
}

/* ---------------------------------------------------------------- numbers of things */

/* MK_MAX_DECLS names in one model: accepted and resolved (within a component and across
 * components); one more is refused at its keyword; a duplicate among them is still found.
 * Before names were hashed, checking this model took minutes. */
static void test_many_names(void **state)
{
    (void)state;
    alarm(120); /* a hang guard: this takes seconds under ASan */
    enum { SUMS = 1000, TERMS = 50 };
    int n_inputs = MK_MAX_DECLS - SUMS;
    text t = {0};
    add(&t, "model many {}\ncomponent c {\n");
    for (int i = 0; i < n_inputs; i++) add(&t, "  input u%d = %d [mM]\n", i, i % 7);
    add(&t, "}\ncomponent sums {\n");
    for (int v = 0; v < SUMS; v++) {
        add(&t, "  output s%d [mM] = c.u%d", v, v * 200);
        for (int k = 1; k < TERMS; k++) add(&t, " + c.u%d", v * 200 + k);
        add(&t, "\n");
    }
    size_t before_close = t.len;
    add(&t, "}\n");
    mk_model *m;
    mk_error err;
    mk_status rc = parse(t.s, &m, &err);
    if (rc) print_error("%d:%d: %s\n", err.line, err.column, err.message);
    assert_int_equal(rc, MK_OK);
    assert_int_equal(mk_model_count(m, MK_SYM_INPUT), n_inputs);
    assert_int_equal(mk_model_count(m, MK_SYM_VAR), SUMS);
    assert_int_equal(mk_model_count_outputs(m), SUMS);
    mk_model_free(m);

    /* one more declaration: refused where it begins (line: header 2, inputs, "}", header,
     * sums, then the new line) */
    int line = 2 + n_inputs + 2 + SUMS + 1;
    t.len = before_close;
    add(&t, "  input extra = 1 [mM]\n}\n");
    char msg[96];
    snprintf(msg, sizeof msg, "too many declarations (at most %d in one model)", MK_MAX_DECLS);
    expect_error(t.s, MK_ERR_MODEL, line, 3, msg);

    /* within the limit, a name declared twice among many is found */
    t.len = 0;
    add(&t, "model many {}\ncomponent c {\n");
    for (int i = 0; i < 20000; i++) add(&t, "  input u%d = 1 [mM]\n", i);
    add(&t, "  input u17777 = 1 [mM]\n}\n");
    expect_error(t.s, MK_ERR_NAME, 20003, 9, "'u17777' is already declared in component 'c' at line 17780");
    free(t.s);
    alarm(0);
}

static void test_many_components(void **state)
{
    (void)state;
    text t = {0};
    add(&t, "model many {}\n");
    for (int i = 0; i < MK_MAX_COMPONENTS; i++) add(&t, "component k%d { input u = 1 [mM] }\n", i);
    expect_ok(t.s);
    add(&t, "component extra { }\n");
    char msg[96];
    snprintf(msg, sizeof msg, "too many components (at most %d in one model)", MK_MAX_COMPONENTS);
    expect_error(t.s, MK_ERR_MODEL, MK_MAX_COMPONENTS + 2, 1, msg);
    /* a component defined twice among many */
    t.len = 0;
    add(&t, "model many {}\n");
    for (int i = 0; i < 5000; i++) add(&t, "component k%d { }\n", i);
    add(&t, "component k4321 { }\n");
    expect_error(t.s, MK_ERR_NAME, 5002, 11, "component 'k4321' is already defined at line 4323");
    free(t.s);
}

/* ---------------------------------------------------------------- lengths of texts */

static void test_string_and_unit_length(void **state)
{
    (void)state;
    char *doc = repeat_char('d', MK_MAX_STRING_LEN);
    char *blanks = repeat_char(' ', MK_MAX_UNIT_LEN - 2);
    text t = {0};
    add(&t, "model m {}\ncomponent c {\n  input u = 1 [mM%s] { doc \"%s\" }\n}\n", blanks, doc);
    expect_ok(t.s);
    t.len = 0;
    add(&t, "model m {}\ncomponent c {\n  input u = 1 [mM] { doc \"%sd\" }\n}\n", doc);
    char msg[96];
    snprintf(msg, sizeof msg, "string too long (%d bytes; at most %d)", MK_MAX_STRING_LEN + 1,
             MK_MAX_STRING_LEN);
    expect_error(t.s, MK_ERR_SYNTAX, 3, 26, msg);
    t.len = 0;
    add(&t, "model m {}\ncomponent c {\n  input u = 1 [mM%s ]\n}\n", blanks);
    snprintf(msg, sizeof msg, "unit too long (%d bytes; at most %d)", MK_MAX_UNIT_LEN + 1,
             MK_MAX_UNIT_LEN);
    expect_error(t.s, MK_ERR_SYNTAX, 3, 15, msg);
    t.len = 0;
    add(&t, "model m {}\ncomponent c {\n  var w [1] = 2 [mM%s ] / 1 [mM]\n}\n", blanks);
    expect_error(t.s, MK_ERR_SYNTAX, 3, 17, msg);
    free(t.s);
    free(doc);
    free(blanks);
}

/* A model text of MK_MAX_MODEL_BYTES is read; one byte more is refused, as a string and as
 * a file (before a byte of it is read). */
static void test_model_size(void **state)
{
    (void)state;
    static const char head[] = "model m {}\ncomponent c { input u = 1 [mM] }\n#";
    size_t n = MK_MAX_MODEL_BYTES;
    char *s = malloc(n + 2);
    assert_non_null(s);
    memcpy(s, head, sizeof head - 1);
    memset(s + sizeof head - 1, 'z', n - (sizeof head - 1)); /* one long comment */
    s[n] = 0;
    expect_ok(s);
    s[n] = '\n';
    s[n + 1] = 0;
    mk_model *m;
    mk_error err;
    assert_int_equal(parse(s, &m, &err), MK_ERR_IO);
    assert_null(m);
    char msg[96];
    snprintf(msg, sizeof msg, "larger than the limit of %d bytes for a model file", MK_MAX_MODEL_BYTES);
    assert_string_equal(err.message, msg);

    char dir[512], path[600];
    temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/big.myo", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(s, 1, n + 1, f), n + 1);
    assert_int_equal(fclose(f), 0);
    memset(&err, 0, sizeof err);
    mk_status rc = mk_model_parse_file(path, &m, &err);
    remove(path);
    rmdir(dir);
    assert_int_equal(rc, MK_ERR_IO);
    assert_null(m);
    assert_string_equal(err.file, path);
    assert_string_equal(err.message, msg);
    free(s);
}

/* A text of limit bytes (a YAML comment after head) is parsed by load; one more byte is
 * refused by size, as a string and as a file. */
static void expect_text_cap(const char *what, size_t limit, const char *head,
                            mk_status (*load_string)(const char *, const char *, void **, mk_error *),
                            mk_status (*load_file)(const char *, void **, mk_error *))
{
    char *s = malloc(limit + 2);
    assert_non_null(s);
    size_t h = strlen(head);
    memcpy(s, head, h);
    memset(s + h, 'z', limit - h);
    s[limit] = 0;
    void *out = NULL;
    mk_error err = {0};
    char msg[128];
    snprintf(msg, sizeof msg, "larger than the limit of %zu bytes for %s", limit, what);
    /* at the limit: not refused for its size (it may fail for another reason) */
    mk_status rc = load_string("t.yaml", s, &out, &err);
    if (rc) assert_null(strstr(err.message, "larger than"));
    s[limit] = '\n';
    s[limit + 1] = 0;
    memset(&err, 0, sizeof err);
    assert_int_equal(load_string("t.yaml", s, &out, &err), MK_ERR_IO);
    assert_null(out);
    assert_string_equal(err.message, msg);

    char dir[512], path[600];
    temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/big.yaml", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(s, 1, limit + 1, f), limit + 1);
    assert_int_equal(fclose(f), 0);
    memset(&err, 0, sizeof err);
    rc = load_file(path, &out, &err);
    remove(path);
    rmdir(dir);
    assert_int_equal(rc, MK_ERR_IO);
    assert_string_equal(err.message, msg);
    free(s);
}

static mk_status scn_string(const char *f, const char *t, void **o, mk_error *e)
{
    mk_scenario *s = NULL;
    mk_status rc = mk_scenario_load_string(f, t, &s, e);
    mk_scenario_free(s);
    *o = NULL;
    return rc;
}
static mk_status scn_file(const char *p, void **o, mk_error *e)
{
    mk_scenario *s = NULL;
    mk_status rc = mk_scenario_load_file(p, &s, e);
    mk_scenario_free(s);
    *o = NULL;
    return rc;
}
static mk_status val_string(const char *f, const char *t, void **o, mk_error *e)
{
    mk_vtarget *v = NULL;
    mk_status rc = mk_vtarget_load_string(f, t, &v, e);
    mk_vtarget_free(v);
    *o = NULL;
    return rc;
}
static mk_status val_file(const char *p, void **o, mk_error *e)
{
    mk_vtarget *v = NULL;
    mk_status rc = mk_vtarget_load_file(p, &v, e);
    mk_vtarget_free(v);
    *o = NULL;
    return rc;
}

static void test_scenario_and_validation_size(void **state)
{
    (void)state;
    expect_text_cap("a scenario", MK_MAX_SCENARIO_BYTES, "duration: 1 h\n#", scn_string, scn_file);
    expect_text_cap("a validation file", MK_MAX_VALIDATION_BYTES, "name: x\n#", val_string, val_file);
}

/* ---------------------------------------------------------------- files that are no files */

/* A FIFO opened plainly for reading waits for a writer that never comes; a folder is read as
 * an error only at its first read.  Every reader refuses both at once, naming what it is. */
static void test_fifo_and_folder(void **state)
{
    (void)state;
    char dir[512], fifo[600];
    temp_dir(dir, sizeof dir);
    snprintf(fifo, sizeof fifo, "%s/pipe.myo", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    alarm(20); /* a hang guard: each of these returns at once */

    mk_model *m = NULL;
    mk_error err = {0};
    assert_int_equal(mk_model_parse_file(fifo, &m, &err), MK_ERR_IO);
    assert_null(m);
    assert_string_equal(err.file, fifo);
    assert_string_equal(err.message, "cannot read a model file: not a regular file (a FIFO)");
    memset(&err, 0, sizeof err);
    assert_int_equal(mk_model_parse_file(dir, &m, &err), MK_ERR_IO);
    assert_string_equal(err.message, "cannot read a model file: not a regular file (a folder)");

    mk_scenario *s = NULL;
    memset(&err, 0, sizeof err);
    assert_int_equal(mk_scenario_load_file(fifo, &s, &err), MK_ERR_IO);
    assert_null(s);
    assert_string_equal(err.message, "cannot read a scenario: not a regular file (a FIFO)");

    mk_vtarget *v = NULL;
    memset(&err, 0, sizeof err);
    assert_int_equal(mk_vtarget_load_file(fifo, &v, &err), MK_ERR_IO);
    assert_null(v);
    assert_string_equal(err.message, "cannot read a validation file: not a regular file (a FIFO)");

    /* a validation target naming a FIFO as its scenario */
    char target[600];
    snprintf(target, sizeof target, "%s/t.yaml", dir);
    FILE *f = fopen(target, "wb");
    assert_non_null(f);
    fputs("name: x\nquantity: q\nsource: s\nwhy: w\ncompare: within\n"
          "published: {value: 25, range: [14, 45], unit: s}\n"
          "scenario: pipe.myo\n"
          "extract: {kind: series, variable: surround.flow, stat: half_life, window: [7 min, 15 min]}\n"
          "tolerance: {range: [14, 45]}\n", f);
    assert_int_equal(fclose(f), 0);
    memset(&err, 0, sizeof err);
    mk_status rc = mk_vtarget_load_file(target, &v, &err);
    if (!rc) mk_vtarget_free(v);
    if (rc != MK_ERR_IO) print_error("%s:%d:%d: %s\n", err.file, err.line, err.column, err.message);
    assert_int_equal(rc, MK_ERR_IO);
    assert_string_equal(err.file, fifo);
    assert_string_equal(err.message, "cannot read a scenario: not a regular file (a FIFO)");
    alarm(0);
    remove(target);
    remove(fifo);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map),
        cmocka_unit_test(test_name_length),
        cmocka_unit_test(test_long_names_stay_distinct),
        cmocka_unit_test(test_many_names),
        cmocka_unit_test(test_many_components),
        cmocka_unit_test(test_string_and_unit_length),
        cmocka_unit_test(test_model_size),
        cmocka_unit_test(test_scenario_and_validation_size),
        cmocka_unit_test(test_fifo_and_folder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
