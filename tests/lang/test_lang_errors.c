/*
 * test_lang_errors.c -- the translator's error corpus: every tests/lang/bad/NN-what.myo is a
 * model that is wrong in exactly one way, and its first line says what the library must
 * answer:
 *
 *   # expect: LINE:COL: MESSAGE
 *
 * LINE and COL are 1-based, MESSAGE is mk_error.message exactly.  Parsing must fail, at that
 * place, with that message, naming the file it was given.  A changed message is a changed
 * test: edit the expectation on purpose, never by copying whatever the library prints.
 *
 * Also here: inputs a file cannot hold (a NUL byte, nothing at all, a missing file) and the
 * bounds that keep parser and checker off the end of the stack.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "myoknot.h"

#define MIN_CASES 30

/* Not a model: the library must overwrite *out with NULL when it fails. */
static char k_sentinel;
#define NOT_NULL_MODEL ((mk_model *)(void *)&k_sentinel)

/* ---------------------------------------------------------------- helpers */

static const char *source_dir(void)
{
    const char *root = getenv("MK_SOURCE_DIR");
    return root && *root ? root : ".";
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names (not paths) of the .myo files in dir, sorted; *n set; caller frees. */
static char **list_myo_files(const char *dir, int *n)
{
    DIR *d = opendir(dir);
    *n = 0;
    if (!d) return NULL;
    int cap = 64;
    char **names = malloc(sizeof *names * (size_t)cap);
    struct dirent *e;
    while (names && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".myo")) continue;
        if (*n == cap) {
            cap *= 2;
            char **more = realloc(names, sizeof *names * (size_t)cap);
            if (!more) break;
            names = more;
        }
        names[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    if (names) qsort(names, (size_t)*n, sizeof *names, cmp_str);
    return names;
}

static void free_list(char **names, int n)
{
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}

/* Whole file as a string; NULL if unreadable. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, len = 0;
    char *s = malloc(cap);
    size_t got;
    while (s && (got = fread(s + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len - 1 == 0) {
            char *more = realloc(s, cap * 2);
            if (!more) {
                free(s);
                s = NULL;
                break;
            }
            s = more;
            cap *= 2;
        }
    }
    fclose(f);
    if (s) s[len] = 0;
    return s;
}

typedef struct expectation {
    int line, column;
    char message[1024];
} expectation;

/* "# expect: L:C: message" on the first line; 0 if the header is malformed. */
static int read_expectation(const char *text, expectation *x)
{
    int used = 0;
    if (sscanf(text, "# expect: %d:%d: %n", &x->line, &x->column, &used) != 2 || used == 0)
        return 0;
    const char *msg = text + used;
    size_t n = strcspn(msg, "\r\n");
    if (n == 0 || n >= sizeof x->message) return 0;
    memcpy(x->message, msg, n);
    x->message[n] = 0;
    return x->line > 0 && x->column > 0;
}

/* Compare one parse result with its expectation; prints and returns 0 on mismatch. */
static int matches(const char *what, const char *file_name, mk_status rc, const mk_model *m,
                   const mk_error *err, const expectation *x)
{
    int ok = rc != MK_OK && m == NULL && err->code == rc && !strcmp(err->file, file_name) &&
             err->line == x->line && err->column == x->column &&
             !strcmp(err->message, x->message);
    if (!ok) {
        print_error("%s: %s\n"
                    "  expected: %s:%d:%d: %s\n"
                    "  actual:   %s (%s, code %d) %s:%d:%d: %s\n",
                    file_name, what, file_name, x->line, x->column, x->message,
                    rc == MK_OK ? "accepted" : "rejected", mk_status_name(rc), (int)err->code,
                    err->file, err->line, err->column, err->message);
    }
    return ok;
}

/* ---------------------------------------------------------------- the corpus */

/* Every file, through mk_model_parse_file: rejected exactly as its first line says. */
static void test_corpus_files(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/lang/bad", source_dir());
    int n = 0;
    char **names = list_myo_files(dir, &n);
    if (n < MIN_CASES)
        print_error("%s: found %d corpus files, expected at least %d (is MK_SOURCE_DIR set?)\n",
                    dir, n, MIN_CASES);
    assert_true(n >= MIN_CASES);

    int failures = 0;
    for (int i = 0; i < n; i++) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        /* NN-short-description.myo, numbers unique */
        int num = -1;
        size_t w = strspn(names[i], "0123456789"); /* NN- or, past 99, NNN- */
        if (sscanf(names[i], "%3d-", &num) != 1 || (w != 2 && w != 3) || names[i][w] != '-' ||
            names[i][w + 1] == '.') {
            print_error("%s: not named NN-short-description.myo\n", names[i]);
            failures++;
        } else if (i > 0 && !strncmp(names[i - 1], names[i], w + 1)) {
            print_error("%s: number %02d used twice (also %s)\n", names[i], num, names[i - 1]);
            failures++;
        }
        char *text = slurp(path);
        expectation x;
        if (!text || !read_expectation(text, &x)) {
            print_error("%s: first line is not '# expect: LINE:COL: MESSAGE'\n", path);
            failures++;
            free(text);
            continue;
        }
        free(text);
        mk_model *m = NOT_NULL_MODEL;
        mk_error err;
        memset(&err, 0, sizeof err);
        mk_status rc = mk_model_parse_file(path, &m, &err);
        if (!matches("mk_model_parse_file", path, rc, m, &err, &x)) failures++;
        if (rc == MK_OK) mk_model_free(m);
    }
    if (failures) print_error("%d of %d corpus files did not give the expected error\n", failures, n);
    free_list(names, n);
    assert_int_equal(failures, 0);
}

/* The same texts through mk_model_parse_string give the same answer, naming the given file. */
static void test_corpus_strings(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/lang/bad", source_dir());
    int n = 0;
    char **names = list_myo_files(dir, &n);
    assert_true(n >= MIN_CASES);
    int failures = 0;
    for (int i = 0; i < n; i++) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        char *text = slurp(path);
        assert_non_null(text);
        expectation x;
        assert_true(read_expectation(text, &x));
        mk_model *m = NULL;
        mk_error err;
        memset(&err, 0, sizeof err);
        mk_status rc = mk_model_parse_string(names[i], text, &m, &err);
        if (!matches("mk_model_parse_string", names[i], rc, m, &err, &x)) failures++;
        if (rc == MK_OK) mk_model_free(m);
        /* the library never needs an error record to fail */
        rc = mk_model_parse_string(names[i], text, &m, NULL);
        if (rc == MK_OK || m) {
            print_error("%s: accepted when err is NULL\n", names[i]);
            failures++;
            mk_model_free(m);
        }
        free(text);
    }
    free_list(names, n);
    assert_int_equal(failures, 0);
}

/* The control group: the shipped models parse, so the corpus fails for its one reason. */
static void test_valid_models_parse(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/models", source_dir());
    int n = 0;
    char **names = list_myo_files(dir, &n);
    assert_true(n >= 2); /* decay and oscillator at least */
    for (int i = 0; i < n; i++) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        mk_model *m = NULL;
        mk_error err;
        memset(&err, 0, sizeof err);
        mk_status rc = mk_model_parse_file(path, &m, &err);
        if (rc) print_error("%s: %s:%d:%d: %s\n", path, err.file, err.line, err.column, err.message);
        assert_int_equal(rc, MK_OK);
        assert_non_null(m);
        mk_model_free(m);
    }
    free_list(names, n);
}

/* ---------------------------------------------------------------- inputs a corpus file cannot be */

static void expect_string_error(const char *text, mk_status code, int line, int column,
                                const char *message_or_fragment, int exact)
{
    mk_model *m = NULL;
    mk_error err;
    memset(&err, 0, sizeof err);
    mk_status rc = mk_model_parse_string("inline.myo", text, &m, &err);
    int ok = rc == code && m == NULL && err.code == code && !strcmp(err.file, "inline.myo") &&
             err.line == line && err.column == column &&
             (exact ? !strcmp(err.message, message_or_fragment)
                    : strstr(err.message, message_or_fragment) != NULL);
    if (!ok)
        print_error("input %.60s...\n  expected: %s %d:%d: %s%s\n  actual:   %s %d:%d: %s\n", text,
                    mk_status_name(code), line, column, exact ? "" : "...", message_or_fragment,
                    mk_status_name(rc), err.line, err.column, err.message);
    if (rc == MK_OK) mk_model_free(m);
    assert_true(ok);
    assert_true(strlen(err.message) < sizeof err.message);
}

static void test_empty_string(void **state)
{
    (void)state;
    expect_string_error("", MK_ERR_SYNTAX, 1, 1,
                        "expected 'model NAME { ... }' at the start of the file, found end of file",
                        1);
    expect_string_error("  \n\t# only a comment\n", MK_ERR_SYNTAX, 3, 1,
                        "expected 'model NAME { ... }' at the start of the file, found end of file",
                        1);
}

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void temp_path(char *buf, size_t size)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(buf, size, "%s/mk_lang_errors_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(buf);
    assert_true(fd >= 0);
    close(fd);
}

/* A NUL byte would silently cut the text short: the file is refused as a whole. */
static void test_nul_byte_in_file(void **state)
{
    (void)state;
    static const char data[] = "model m {}\ncomponent c {\n  input u = 1 [mM]\0\n}\n";
    char path[512];
    temp_path(path, sizeof path);
    write_file(path, data, sizeof data - 1);
    mk_model *m = NULL;
    mk_error err;
    memset(&err, 0, sizeof err);
    mk_status rc = mk_model_parse_file(path, &m, &err);
    remove(path);
    assert_int_equal(rc, MK_ERR_SYNTAX);
    assert_null(m);
    assert_int_equal(err.code, MK_ERR_SYNTAX);
    assert_string_equal(err.file, path);
    assert_string_equal(err.message, "contains a NUL byte: not a model file");
}

/* An empty file reads as the empty text. */
static void test_empty_file(void **state)
{
    (void)state;
    char path[512];
    temp_path(path, sizeof path);
    mk_model *m = NULL;
    mk_error err;
    memset(&err, 0, sizeof err);
    mk_status rc = mk_model_parse_file(path, &m, &err);
    remove(path);
    assert_int_equal(rc, MK_ERR_SYNTAX);
    assert_null(m);
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 1);
    assert_string_equal(err.message,
                        "expected 'model NAME { ... }' at the start of the file, found end of file");
}

static void test_missing_file(void **state)
{
    (void)state;
    const char *path = "/nonexistent/dir/no-such-model.myo";
    mk_model *m = NOT_NULL_MODEL;
    mk_error err;
    memset(&err, 0, sizeof err);
    mk_status rc = mk_model_parse_file(path, &m, &err);
    assert_int_equal(rc, MK_ERR_IO);
    assert_null(m);
    assert_int_equal(err.code, MK_ERR_IO);
    assert_string_equal(err.file, path);
    assert_non_null(strstr(err.message, "cannot open"));
    char line[1400];
    mk_error_format(&err, line, sizeof line);
    assert_non_null(strstr(line, path));
}

/* A UTF-8 byte-order mark is skipped and takes no column. */
static void test_byte_order_mark(void **state)
{
    (void)state;
    mk_model *m = NULL;
    mk_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(mk_model_parse_string("bom.myo", "\xEF\xBB\xBFmodel m {}\ncomponent c {}\n",
                                           &m, &err),
                     MK_OK);
    mk_model_free(m);
    expect_string_error("\xEF\xBB\xBFmodule m {}", MK_ERR_SYNTAX, 1, 1,
                        "expected 'model NAME { ... }' at the start of the file, found 'module'", 1);
}

/* Bytes that are not text are named by value, not printed raw. */
static void test_control_and_invalid_bytes(void **state)
{
    (void)state;
    expect_string_error("model m {}\ncomponent c {\n  input u = 1 [mM] \x01\n}\n", MK_ERR_SYNTAX, 3,
                        20, "unexpected byte 0x01 (not a character of the language)", 1);
    /* Control characters in strings, units and comments would reach generated C (a lone CR
     * ends a line there, and so a comment through a line splice): refused where they are. */
    expect_string_error("model m { doc \"a *\\\\\r/ b\" }\n", MK_ERR_SYNTAX, 1, 21,
                        "a carriage return not followed by a line feed in a string (lines end in "
                        "LF or CR LF)", 1);
    expect_string_error("model m { doc \"bell\a\" }\n", MK_ERR_SYNTAX, 1, 20,
                        "control character 0x07 in a string (only tab is allowed)", 1);
    expect_string_error("model m { doc \"del\x7f\" }\n", MK_ERR_SYNTAX, 1, 19,
                        "control character 0x7F in a string (only tab is allowed)", 1);
    expect_string_error("model m { doc \"esc\x1b[2J\" }\n", MK_ERR_SYNTAX, 1, 19,
                        "control character 0x1B in a string (only tab is allowed)", 1);
    expect_string_error("model m {}\ncomponent c {\n  input u = 1 [m\rM]\n}\n", MK_ERR_SYNTAX, 3,
                        17, "a carriage return not followed by a line feed in a unit (lines end in "
                        "LF or CR LF)", 1);
    expect_string_error("model m {}\ncomponent c {\n  input u = 1 [m\x0cM]\n}\n", MK_ERR_SYNTAX,
                        3, 17, "control character 0x0C in a unit (only tab is allowed)", 1);
    expect_string_error("model m {} # note\x0b\n", MK_ERR_SYNTAX, 1, 18,
                        "unexpected byte 0x0B (not a character of the language)", 1);
    expect_string_error("model m {}\rcomponent c {}\n", MK_ERR_SYNTAX, 1, 11,
                        "a carriage return not followed by a line feed (lines end in LF or CR LF)",
                        1);
    expect_string_error("model m {}\ncomponent c {\n  \xff\n}\n", MK_ERR_SYNTAX, 3, 3,
                        "unexpected byte 0xFF (not a character of the language)", 1);
    /* a lead byte whose sequence is cut short by the end of the text */
    expect_string_error("model m {}\ncomponent c {\n  \xe2\x82", MK_ERR_SYNTAX, 3, 3,
                        "unexpected byte 0xE2", 0);
}

/* ---------------------------------------------------------------- bounds on recursion */

static char *repeat(const char *head, const char *unit, int times, const char *tail)
{
    size_t n = strlen(head) + strlen(unit) * (size_t)times + strlen(tail) + 1;
    char *s = malloc(n);
    assert_non_null(s);
    strcpy(s, head);
    char *p = s + strlen(head);
    for (int i = 0; i < times; i++) {
        strcpy(p, unit);
        p += strlen(unit);
    }
    strcpy(p, tail);
    return s;
}

static void test_deep_nesting_is_an_error(void **state)
{
    (void)state;
    const char *head = "model m {}\ncomponent c {\n  var w [1] = ";
    /* 10000 parentheses would overflow the parser's stack without the bound */
    char *open = repeat(head, "(", 10000, "1");
    expect_string_error(open, MK_ERR_SYNTAX, 3, 15 + 100,
                        "expression nested too deeply (more than 100 levels of parentheses, "
                        "signs, powers or 'not'); split it into intermediate variables", 1);
    free(open);
    char *minus = repeat(head, "-", 10000, "1\n}\n");
    expect_string_error(minus, MK_ERR_SYNTAX, 3, 115, "nested too deeply", 0);
    free(minus);
    char *nots = repeat("model m {}\ncomponent c {\n  var w [1] = if(", "not ", 10000, "1 < 2, 1, 0)\n}\n");
    expect_string_error(nots, MK_ERR_SYNTAX, 3, 18 + 4 * 99, "nested too deeply", 0);
    free(nots);
    /* 100 levels are allowed */
    char *ok = repeat(head, "(", 99, "1");
    char *ok2 = repeat(ok, ")", 99, "\n}\n");
    mk_model *m = NULL;
    mk_error err;
    memset(&err, 0, sizeof err);
    mk_status rc = mk_model_parse_string("ok.myo", ok2, &m, &err);
    if (rc) print_error("%d:%d: %s\n", err.line, err.column, err.message);
    assert_int_equal(rc, MK_OK);
    mk_model_free(m);
    free(ok);
    free(ok2);
}

static void test_long_chain_is_an_error(void **state)
{
    (void)state;
    /* a + a + ... nests to the left without any parenthesis */
    char *sum = repeat("model m {}\ncomponent c {\n  var w [1] = 1", " + 1", 5000, "\n}\n");
    expect_string_error(sum, MK_ERR_SYNTAX, 3, 15,
                        "expression too long (more than 1000 operations deep); split it into "
                        "intermediate variables", 1);
    free(sum);
    /* 999 operations are fine, and generate */
    char *ok = repeat("model m {}\ncomponent c {\n  var w [1] = 1", " + 1", 999, "\n}\n");
    mk_model *m = NULL;
    mk_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(mk_model_parse_string("ok.myo", ok, &m, &err), MK_OK);
    mk_buf b;
    mk_buf_init(&b);
    assert_int_equal(mk_model_generate_c(m, &b, &err), MK_OK);
    mk_buf_free(&b);
    mk_buf_init(&b);
    assert_int_equal(mk_model_write_markdown(m, &b, &err), MK_OK);
    mk_buf_free(&b);
    mk_model_free(m);
    free(ok);
}

/* v0 reads v1 reads v2 ...: the checker recurses once per link; the chain is bounded. */
static void test_long_variable_chain_is_an_error(void **state)
{
    (void)state;
    enum { LINKS = 5000 };
    size_t cap = (size_t)LINKS * 48 + 128;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t n = (size_t)snprintf(s, cap, "model m {}\ncomponent c {\n");
    for (int i = 0; i < LINKS; i++)
        n += (size_t)snprintf(s + n, cap - n, "  var v%d [1] = v%d\n", i, i + 1);
    snprintf(s + n, cap - n, "  var v%d [1] = 1\n}\n", LINKS);
    expect_string_error(s, MK_ERR_MODEL, 2003, 19,
                        "variables and the expressions that define them nest more than 2000 "
                        "levels deep here; introduce states or shorten the chain", 1);
    free(s);
}

/* Huge names and numbers end in a bounded, terminated message. */
static void test_long_text_in_messages(void **state)
{
    (void)state;
    char *name = repeat("model m {}\ncomponent c {\n  var w [1] = ", "x", 5000, "\n}\n");
    expect_string_error(name, MK_ERR_SYNTAX, 3, 15,
                        "name 'xxxxxxxxxxxxxxxxxxxxxxxx...' is too long (5000 characters; at most "
                        "63)", 1);
    free(name);
    /* 400 digits: read whole, not cut to the first 63 */
    char *big = repeat("model m {}\ncomponent c {\n  input u = 1", "0", 400, " [mM]\n}\n");
    expect_string_error(big, MK_ERR_SYNTAX, 3, 13, "is out of range (above about 1.8e308)", 0);
    free(big);
    char *fine = repeat("model m {}\ncomponent c {\n  input u = 0.", "0", 100, "1 [mM]\n}\n");
    mk_model *m = NULL;
    mk_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(mk_model_parse_string("ok.myo", fine, &m, &err), MK_OK);
    mk_model_free(m);
    free(fine);
}

/* A power so large that converting it to int would be undefined behaviour. */
static void test_huge_power(void **state)
{
    (void)state;
    expect_string_error("model m {}\ncomponent c {\n  input u = 1 [mM]\n  var w [1] = u ^ 1e300\n}\n",
                        MK_ERR_UNIT, 4, 15,
                        "cannot raise 'u' (unit mM) to the power 1e+300: no unit has that dimension",
                        1);
    expect_string_error("model m {}\ncomponent c {\n  input u = 1 [mM]\n  var w [1] = u ^ (1e300 * 1e300)\n}\n",
                        MK_ERR_UNIT, 4, 15, "to the power inf", 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_files),
        cmocka_unit_test(test_corpus_strings),
        cmocka_unit_test(test_valid_models_parse),
        cmocka_unit_test(test_empty_string),
        cmocka_unit_test(test_nul_byte_in_file),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_byte_order_mark),
        cmocka_unit_test(test_control_and_invalid_bytes),
        cmocka_unit_test(test_deep_nesting_is_an_error),
        cmocka_unit_test(test_long_chain_is_an_error),
        cmocka_unit_test(test_long_variable_chain_is_an_error),
        cmocka_unit_test(test_long_text_in_messages),
        cmocka_unit_test(test_huge_power),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
