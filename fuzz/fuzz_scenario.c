/*
 * fuzz_scenario.c -- libFuzzer target for scenario files: the YAML loader and the compiler
 * of a scenario against the default model (src/protocol/scenario.c, src/io/ytree.c, the
 * vocabulary and the anatomy tables).  See fuzz/README.md.
 *
 * Every input must end in MK_OK with a protocol, or in an error with a message and no
 * protocol: no crash, leak, undefined behaviour or hang.  A scenario that names a model
 * file is loaded but not compiled (the target touches no files); one that names an unknown
 * built-in model is compiled against tp_site, so that its timeline is still exercised.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "body/anatomy.h"
#include "myoknot.h"
#include "protocol/scenario.h"

/* Made once: reading UDUNITS' database and the anatomy tables is most of the cost of a
 * small input, and neither changes between inputs. */
static mk_units *g_units;
static mk_anatomy *g_anatomy;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mk_error err;
    memset(&err, 0, sizeof err);
    if (!g_units && (mk_units_new(&g_units, &err) || mk_anatomy_load(&g_anatomy, &err))) abort();

    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0; /* an embedded NUL ends the text early, as it would for any C string */

    mk_scenario *s = (mk_scenario *)1;
    mk_status rc = mk_scenario_load_string("fuzz.yaml", text, &s, &err);
    if (rc != MK_OK) {
        if (s || !err.message[0]) abort(); /* a failure says why and returns nothing */
        free(text);
        return 0;
    }
    if (!s) abort();
    if (!mk_scenario_model_is_file(s)) {
        const mk_model_abi *abi = mk_builtin_find(mk_scenario_model(s));
        if (!abi) abi = mk_builtin_find("tp_site");
        mk_protocol *p = (mk_protocol *)1;
        mk_buf warnings;
        mk_buf_init(&warnings);
        memset(&err, 0, sizeof err);
        rc = mk_scenario_compile(s, abi, g_units, g_anatomy, NULL, 0, 0, &warnings, &p, &err);
        if (rc == MK_OK ? !p : (p || !err.message[0])) abort();
        mk_protocol_free(p);
        mk_buf_free(&warnings);
    }
    mk_scenario_free(s);
    free(text);
    return 0;
}
