/*
 * test_fuzz_corpus.c -- the model fuzz target's checks on its committed seed corpus, plus
 * what the fuzz target does not do: compile.  Every model of fuzz/corpus/model (and the
 * shipped models) that is accepted must generate C that keeps the rules of fuzz/c_check.h
 * (model text only inside string literals and sanitised comments), and compile into an
 * object that exports the model's two symbols, imports only maths and has no constructor of
 * its own.  Refused models must be refused at file:line:column.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../fuzz/c_check.h"
#include "elf_check.h"
#include "myoknot.h"
#include "test_util.h"

static int allowed_import(const char *name, size_t n)
{
    static const char *const toolchain[] = {"__cxa_finalize", "__gmon_start__",
                                            "_ITM_deregisterTMCloneTable",
                                            "_ITM_registerTMCloneTable",
                                            "cbrt", /* the prelude's mk_pow: x^(1/3) */
                                            NULL};
    for (int i = 0; toolchain[i]; i++)
        if (strlen(toolchain[i]) == n && !strncmp(name, toolchain[i], n)) return 1;
    for (const mk_builtin_fn *f = mk_builtin_fns; f->name; f++)
        if (f->c_name && strlen(f->c_name) == n && !strncmp(name, f->c_name, n)) return 1;
    return 0;
}

static size_t g_baseline_init;

static void compile_and_inspect(const mk_model *m, const char *label)
{
    const char *name = mk_model_name(m);
    char dir[512], so[1024], p[1100];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/mk-fuzz-corpus-%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());
    mk_compile_opts opts = {.work_dir = dir, .keep_files = 1};
    mk_loaded *l = NULL;
    mk_error err = {0};
    mk_status rc = mk_model_compile(m, &opts, &l, &err);
    if (rc) print_error("%s: %s\n", label, err.message);
    assert_int_equal(rc, MK_OK);
    snprintf(so, sizeof so, "%s/%s.so", dir, name);
    mk_elf_facts f;
    assert_int_equal(mk_elf_inspect(so, &f), 0);
    if (!g_baseline_init) g_baseline_init = f.init_array_bytes;
    assert_int_equal(f.init_array_bytes, g_baseline_init);
    char want[sizeof f.exports + 4];
    snprintf(want, sizeof want, " %s ", f.exports);
    char w1[200], w2[200];
    snprintf(w1, sizeof w1, " mk_model_%s ", name);
    snprintf(w2, sizeof w2, " mk_%s_params_default ", name);
    size_t expect_len = strlen(w1) + strlen(w2); /* " a b  ": exports ends in a blank */
    if (!strstr(want, w1) || !strstr(want, w2) || strlen(want) != expect_len)
        print_error("%s: exports %s\n", label, f.exports);
    assert_true(strstr(want, w1) && strstr(want, w2) && strlen(want) == expect_len);
    for (const char *q = f.imports; *q;) {
        size_t n = strcspn(q, " ");
        if (!allowed_import(q, n)) print_error("%s: imports %.*s\n", label, (int)n, q);
        assert_true(allowed_import(q, n));
        q += n + 1;
    }
    mk_loaded_free(l);
    static const char *const files[] = {"%s/%s.c", "%s/%s.so", "%s/cc.log",
                                        "%s/myoknot/model_abi.h", NULL};
    for (int i = 0; files[i]; i++) {
        snprintf(p, sizeof p, files[i], dir, name);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/myoknot", dir);
    rmdir(p);
    rmdir(dir);
}

static void check_dir(const char *rel, int *accepted, int *refused)
{
    char dir[1024];
    mk_test_path(dir, sizeof dir, rel);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".myo")) continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        mk_model *m = NULL;
        mk_error err = {0};
        if (mk_model_parse_file(path, &m, &err) != MK_OK) {
            printf("  %-32s refused at %d:%d: %s\n", e->d_name, err.line, err.column,
                   err.message);
            assert_true(err.line > 0 && err.column > 0);
            (*refused)++;
            continue;
        }
        mk_buf b;
        mk_buf_init(&b);
        assert_int_equal(mk_model_generate_c(m, &b, &err), MK_OK);
        char why[300];
        const char *bad = mk_c_check_model(m, b.data, why, sizeof why);
        if (bad) print_error("%s: %s\n", e->d_name, bad);
        assert_null(bad);
        mk_buf_free(&b);
        compile_and_inspect(m, e->d_name);
        printf("  %-32s generated C checked, compiled inert\n", e->d_name);
        (*accepted)++;
        mk_model_free(m);
    }
    closedir(d);
}

static void seed_corpus_generates_and_compiles_safely(void **state)
{
    (void)state;
    int accepted = 0, refused = 0;
    check_dir("fuzz/corpus/model", &accepted, &refused);
    check_dir("models", &accepted, &refused);
    printf("%d models accepted, checked and compiled; %d refused\n", accepted, refused);
    assert_true(accepted >= 5 && refused >= 2); /* the corpus holds both kinds */
}

/* The checker itself: it must catch what it is there to catch. */
static void checker_catches_escaped_text(void **state)
{
    (void)state;
    char why[200];
    assert_null(mk_c_check_text("/* ok */\nstatic const char *s = \"a\\\"b\\?\\012\";\n", why,
                                sizeof why));
    assert_non_null(mk_c_check_text("/* a *\\\r/ x */", why, sizeof why));  /* splice */
    assert_non_null(mk_c_check_text("/* a ?\?/ */", why, sizeof why));      /* trigraph */
    assert_non_null(mk_c_check_text("\"a?\?/\"", why, sizeof why));         /* in a string */
    assert_non_null(mk_c_check_text("\"a\\q\"", why, sizeof why));          /* bad escape */
    assert_non_null(mk_c_check_text("\"\\01\"", why, sizeof why));          /* short octal */
    assert_non_null(mk_c_check_text("x = 1; #define y", why, sizeof why));  /* '#' in a line */
    assert_non_null(mk_c_check_text("\"\xc2\xb5\"", why, sizeof why));      /* raw UTF-8 */
    char *a = mk_c_skeleton("int a; /* x */ const char *s = \"p\" \"q\";");
    char *b = mk_c_skeleton("int a; /* yy */ const char *s = \"r\";");
    char *c = mk_c_skeleton("int a; /* x */ const char *s = \"p\"; int evil;");
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    free(a);
    free(b);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(checker_catches_escaped_text),
        cmocka_unit_test(seed_corpus_generates_and_compiles_safely),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
