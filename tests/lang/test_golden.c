/*
 * test_golden.c -- the generator's output, byte for byte, on small models.
 *
 * For every tests/lang/golden/NAME.myo the generated C must equal NAME.c.golden and the
 * Markdown NAME.md.golden.  After an intended change of the generator, regenerate with
 *   MK_UPDATE_GOLDEN=1 ctest -R test_golden
 * and review the diff of the golden files like any other code change.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "myoknot.h"
#include "test_util.h"

static void compare_or_update(const char *golden_path, const mk_buf *got)
{
    if (getenv("MK_UPDATE_GOLDEN")) {
        FILE *f = fopen(golden_path, "wb");
        assert_non_null(f);
        fwrite(got->data, 1, got->len, f);
        fclose(f);
        return;
    }
    char *want = mk_test_slurp(golden_path);
    if (!want) print_error("missing golden file %s (run with MK_UPDATE_GOLDEN=1)\n", golden_path);
    assert_non_null(want);
    if (strcmp(want, got->data)) {
        /* point at the first difference */
        size_t i = 0, line = 1;
        while (want[i] && want[i] == got->data[i]) line += want[i++] == '\n';
        print_error("%s differs from the generator's output at line %zu\n", golden_path, line);
    }
    assert_string_equal(want, got->data);
    free(want);
}

static void check_model(const char *rel_dir, const char *stem)
{
    char path[1024], rel[512];
    snprintf(rel, sizeof rel, "%s/%s.myo", rel_dir, stem);
    /* parse by relative name so the file name inside the output is the same everywhere */
    char *text = mk_test_slurp(mk_test_path(path, sizeof path, rel));
    assert_non_null(text);
    mk_model *m = NULL;
    mk_error err = {0};
    char name[300];
    snprintf(name, sizeof name, "%s.myo", stem);
    mk_status rc = mk_model_parse_string(name, text, &m, &err);
    if (rc) print_error("%s: %s\n", rel, err.message);
    assert_int_equal(rc, MK_OK);

    mk_buf c, md;
    mk_buf_init(&c);
    mk_buf_init(&md);
    assert_int_equal(mk_model_generate_c(m, &c, &err), MK_OK);
    assert_int_equal(mk_model_write_markdown(m, &md, &err), MK_OK);
    snprintf(rel, sizeof rel, "tests/lang/golden/%s.c.golden", stem);
    compare_or_update(mk_test_path(path, sizeof path, rel), &c);
    snprintf(rel, sizeof rel, "tests/lang/golden/%s.md.golden", stem);
    compare_or_update(mk_test_path(path, sizeof path, rel), &md);

    /* deterministic: a second generation gives the same bytes */
    mk_buf again;
    mk_buf_init(&again);
    assert_int_equal(mk_model_generate_c(m, &again, &err), MK_OK);
    assert_string_equal(c.data, again.data);
    mk_buf_free(&again);
    mk_buf_free(&c);
    mk_buf_free(&md);
    mk_model_free(m);
    free(text);
}

static void golden_features(void **state)
{
    (void)state;
    check_model("tests/lang/golden", "features");
}

static void golden_decay(void **state)
{
    (void)state;
    check_model("models", "decay");
}

static void golden_oscillator(void **state)
{
    (void)state;
    check_model("models", "oscillator");
}

/* conservation laws (their table and evaluation function) and a user function, inlined */
static void golden_exchange(void **state)
{
    (void)state;
    check_model("tests/lang/conserve", "exchange");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(golden_exchange),
        cmocka_unit_test(golden_features),
        cmocka_unit_test(golden_decay),
        cmocka_unit_test(golden_oscillator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
