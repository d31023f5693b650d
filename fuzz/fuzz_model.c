/*
 * fuzz_model.c -- libFuzzer target for the model language: lexer, parser, checker and, for
 * inputs that are accepted, the C and Markdown generators.  See fuzz/README.md.
 *
 * Every input must end in MK_OK or in an error with a message: no crash, leak, undefined
 * behaviour or hang.  An accepted model must also generate C and Markdown.
 *
 * Built with -DMK_FUZZ_CACHE_UDUNITS, the target reads UDUNITS' XML database once instead of
 * once per input (mk_model_parse_string makes a fresh unit system each time, which is most of
 * the cost of a small input).  It does so by interposing three UDUNITS functions; the library
 * itself is unchanged.  Use it for long runs, and the plain build to confirm what it finds.
 */
#ifdef MK_FUZZ_CACHE_UDUNITS
#define _GNU_SOURCE
#include <dlfcn.h>
#include <udunits2.h>
#endif

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "myoknot.h"
#include "c_check.h"

#ifdef MK_FUZZ_CACHE_UDUNITS
static ut_system *cached_system;
static ut_unit *cached_base_unit;

static void *real_fn(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (!f) abort();
    return f;
}

ut_system *ut_read_xml(const char *path)
{
    if (!cached_system) {
        ut_system *(*real)(const char *) = (ut_system * (*)(const char *)) real_fn("ut_read_xml");
        cached_system = real(path);
    }
    return cached_system;
}

void ut_free_system(ut_system *system)
{
    if (system == cached_system) return; /* kept for the next input */
    void (*real)(ut_system *) = (void (*)(ut_system *))real_fn("ut_free_system");
    real(system);
}

/* units.c adds one base unit (arbitrary units) per system; the cached system gets it once,
 * so that mapping "AU" to it again finds the same unit. */
ut_unit *ut_new_base_unit(ut_system *system)
{
    ut_unit *(*real)(ut_system *) = (ut_unit * (*)(ut_system *)) real_fn("ut_new_base_unit");
    if (system != cached_system) return real(system);
    if (!cached_base_unit) cached_base_unit = real(system);
    return cached_base_unit ? ut_clone(cached_base_unit) : NULL;
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0; /* an embedded NUL ends the text early, as it would for any C string */

    mk_model *m = NULL;
    mk_error err;
    memset(&err, 0, sizeof err);
    mk_status rc = mk_model_parse_string("fuzz.myo", text, &m, &err);
    if (rc == MK_OK) {
        if (!m) abort();
        mk_buf b;
        mk_buf_init(&b);
        /* generation may refuse (two names that collide in C), but never silently */
        mk_status g = mk_model_generate_c(m, &b, &err);
        if ((g == MK_OK && !b.len) || (g != MK_OK && !err.message[0])) abort();
        char why[300];
        if (g == MK_OK && mk_c_check_model(m, b.data, why, sizeof why)) {
            fprintf(stderr, "%s\n", why);
            abort();
        }
        mk_buf_free(&b);
        mk_buf_init(&b);
        if (mk_model_write_markdown(m, &b, &err) != MK_OK || !b.len) abort();
        mk_buf_free(&b);
        mk_model_free(m);
    } else if (m || !err.message[0] || err.code != rc) {
        abort(); /* a failure always says what went wrong, and returns no model */
    }
    free(text);
    return 0;
}
