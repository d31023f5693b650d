/*
 * test_inject.c -- a model file never runs code (issue 7, finding 1).
 *
 * Every string field of the language (model, component and declaration docs, sources,
 * names, units of declarations and of literals, a conservation law's doc, and the file name) is given each payload
 * of a corpus of attempts to leave the place the text is meant to stay in: a C comment
 * (line splices with a lone CR, trigraphs, "*" "/"), a string literal (quotes, backslashes,
 * trigraph escapes), and control or non-ASCII bytes.  Each payload carries a constructor
 * that would create a marker file when the model is loaded.
 *
 * For each model the library must either refuse it with an error at file:line:column, or
 * translate and compile it (the run-time path, mk_model_compile) into a shared object that
 * exports exactly the model's two symbols, imports nothing but the maths library, runs no
 * constructor of its own, and left no marker behind.  Which of the two happened is printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "elf_check.h"
#include "lang/ast.h"
#include "myoknot.h"

static const char k_template[] =
    "model @MODEL@ { doc \"@MDOC@\" }\n"
    "component @COMP@ {\n"
    "  doc \"@CDOC@\"\n"
    "  param @PARAM@ = 1 [@UNIT@] { range 0 .. 2 source \"@SRC@\" doc \"@PDOC@\" }\n"
    "  state y = 0 [mM] { doc \"@SDOC@\" }\n"
    "  input u = 1 [mM/s] { doc \"@IDOC@\" }\n"
    "  output w [mM/s] = u * @PARAM@ * 1 [@LIT@] { doc \"@VDOC@\" }\n"
    "  d(y)/dt = w - y / 1 [s]\n"
    "  state z = 0 [mM] { doc \"@SDOC@\" }\n"
    "  d(z)/dt = y / 1 [s] - w\n"
    "  conserve total [mM] = y + z { doc \"@LDOC@\" }\n"
    "}\n";

typedef struct field {
    const char *key, *plain;
    int quoted; /* inside "...": the payload is escaped as the language wants */
} field;

static const field k_fields[] = {
    {"@MODEL@", "evil", 0}, {"@MDOC@", "model doc", 1}, {"@COMP@", "c", 0},
    {"@CDOC@", "component doc", 1}, {"@PARAM@", "x", 0}, {"@UNIT@", "1", 0},
    {"@SRC@", "assumed: test", 1}, {"@PDOC@", "parameter doc", 1}, {"@SDOC@", "state doc", 1},
    {"@IDOC@", "input doc", 1}, {"@LIT@", "1", 0}, {"@VDOC@", "output doc", 1}, {"@LDOC@", "law doc", 1},
    {"FILE", "inject.myo", 0}, {NULL, NULL, 0}};

/* What the attacker wants to run: a constructor that leaves a marker.  "MARKER" is replaced
 * by the marker's path. */
#define BODY                                                                                   \
    " int creat(const char *, unsigned); __attribute__((constructor)) static void evil(void) " \
    "{ creat(\"MARKER\", 0600); } "

/* Raw bytes of each payload (before the language's escaping of '"' and '\'). */
static const char *const k_payloads[] = {
    "*\\\r/" BODY "/*",                  /* line splice with a lone CR ends the comment */
    "*?\?/\r/" BODY "/*",                 /* the same through the trigraph ?\?/ */
    "*\\ \r/" BODY "/*",                 /* GCC splices across trailing blanks too */
    "*\\\r\n/" BODY "/*",                /* CR LF */
    "*\\\n/" BODY "/*",                  /* LF */
    "*/" BODY "/*",                      /* plain end of comment */
    "* /" BODY,                          /* harmless look-alike */
    "\"" BODY "static const char *s = \"", /* leave a string literal */
    "?\?/\"" BODY "static const char *s = \"", /* trigraph backslash escapes the quote */
    "\\\"" BODY "static const char *s = \"",  /* backslash before the quote */
    "\\",                                /* a trailing backslash escapes the closing quote */
    "?\?/",                               /* the same as a trigraph */
    "\\\r",                              /* splice inside a string literal */
    "?\?=define evil 1 ?\?< ?\?> ?\?' ?\?! ?\?- ?\?( ?\?)",
    "\r" BODY,                           /* a lone CR */
    "\f\v\x01\x1b\x7f" BODY,             /* other control characters */
    "\t*/" BODY "/*",                    /* tab is allowed, the comment end is not */
    "\xe2\x80\xa8*/" BODY,               /* U+2028 LINE SEPARATOR */
    "\xff\xfe\xc0\xaf*/" BODY,           /* invalid UTF-8 */
    "\xc2\xb5M \xce\xbcm Ca\xc2\xb2\xe2\x81\xba",  /* well-formed UTF-8: a doc may hold it */
    "%s%n%x%%",                          /* format directives */
    "\x01" "777",                        /* an octal escape followed by digits */
    "/* nested /* comment",
    "#include </etc/passwd>",
    "evil\n#define x y",
    NULL};

static const char *g_marker; /* path of the marker a constructor would create */

static void append(char **out, size_t *len, const char *s, size_t n)
{
    *out = realloc(*out, *len + n + 1);
    assert_non_null(*out);
    memcpy(*out + *len, s, n);
    *len += n;
    (*out)[*len] = 0;
}

/* payload with "MARKER" replaced, escaped if it goes inside quotes */
static char *payload_text(const char *payload, int quoted)
{
    char *out = NULL;
    size_t len = 0;
    append(&out, &len, "", 0);
    for (const char *p = payload; *p; p++) {
        if (!strncmp(p, "MARKER", 6)) {
            append(&out, &len, g_marker, strlen(g_marker));
            p += 5;
        } else if (quoted && (*p == '"' || *p == '\\')) {
            append(&out, &len, "\\", 1);
            append(&out, &len, p, 1);
        } else {
            append(&out, &len, p, 1);
        }
    }
    return out;
}

/* The template with every field plain except `target`, which gets `payload`. */
static char *model_text(const field *target, const char *payload)
{
    char *out = NULL;
    size_t len = 0;
    append(&out, &len, "", 0);
    for (const char *p = k_template; *p;) {
        const field *f = NULL;
        for (const field *g = k_fields; g->key; g++)
            if (g->key[0] == '@' && !strncmp(p, g->key, strlen(g->key))) f = g;
        if (!f) {
            append(&out, &len, p++, 1);
            continue;
        }
        if (f == target) {
            char *t = payload_text(payload, f->quoted);
            append(&out, &len, t, strlen(t));
            free(t);
        } else {
            append(&out, &len, f->plain, strlen(f->plain));
        }
        p += strlen(f->key);
    }
    return out;
}

static int g_dir_seq;

static void remove_build(const char *dir, const char *name)
{
    char p[1024];
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

static int is_identifier(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')) return 0;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return 0;
    return 1;
}

static int allowed_import(const char *name, size_t n)
{
    static const char *const toolchain[] = {"__cxa_finalize", "__gmon_start__",
                                            "_ITM_deregisterTMCloneTable",
                                            "_ITM_registerTMCloneTable", NULL};
    for (int i = 0; toolchain[i]; i++)
        if (strlen(toolchain[i]) == n && !strncmp(name, toolchain[i], n)) return 1;
    for (const mk_builtin_fn *f = mk_builtin_fns; f->name; f++)
        if (f->c_name && strlen(f->c_name) == n && !strncmp(name, f->c_name, n)) return 1;
    return 0;
}

typedef struct outcome {
    int rejected, compiled;
} outcome;

static size_t g_baseline_init; /* .init_array of a harmless model: the toolchain's own */

/* Parse, compile, inspect; fails the test unless the model was refused at a place or compiled
 * into an object that can run nothing of the input's. */
static void try_model(const char *file, const char *text, const char *label, outcome *o)
{
    mk_model *m = NULL;
    mk_error err = {0};
    mk_status rc = mk_model_parse_string(file, text, &m, &err);
    if (rc != MK_OK) {
        printf("  %-28s refused at %d:%d: %s\n", label, err.line, err.column, err.message);
        assert_null(m);
        assert_string_equal(err.file, file);
        assert_true(err.line > 0 && err.column > 0 && err.message[0]);
        o->rejected++;
        return;
    }
    const char *name = mk_model_name(m);
    assert_true(is_identifier(name));
    char dir[512];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/mk-inject-%d-%d", tmp && *tmp ? tmp : "/tmp", (int)getpid(),
             g_dir_seq++);
    mk_compile_opts opts = {.work_dir = dir, .keep_files = 1};
    mk_loaded *l = NULL;
    rc = mk_model_compile(m, &opts, &l, &err);
    if (rc) print_error("%s: %s\n", label, err.message);
    assert_int_equal(rc, MK_OK); /* an accepted model always compiles */
    struct stat st;
    assert_int_not_equal(stat(g_marker, &st), 0); /* no constructor ran */

    char so[1024];
    snprintf(so, sizeof so, "%s/%s.so", dir, name);
    mk_elf_facts facts;
    int ok = mk_elf_inspect(so, &facts);
    if (ok) print_error("%s\n", facts.exports);
    assert_int_equal(ok, 0);
    if (!g_baseline_init) g_baseline_init = facts.init_array_bytes;
    assert_int_equal(facts.init_array_bytes, g_baseline_init);
    char want1[200], want2[200];
    snprintf(want1, sizeof want1, "mk_model_%s", name);
    snprintf(want2, sizeof want2, "mk_%s_params_default", name);
    int n_exports = 0;
    char *save = NULL;
    for (char *w = strtok_r(facts.exports, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        n_exports++;
        if (strcmp(w, want1) && strcmp(w, want2)) print_error("%s: unexpected export %s\n", label, w);
        assert_true(!strcmp(w, want1) || !strcmp(w, want2));
    }
    assert_int_equal(n_exports, 2);
    for (const char *p = facts.imports; *p;) {
        size_t n = strcspn(p, " ");
        if (!allowed_import(p, n)) print_error("%s: unexpected import %.*s\n", label, (int)n, p);
        assert_true(allowed_import(p, n));
        p += n + 1;
    }
    printf("  %-28s compiled: exports %s and %s only, no constructor\n", label, want1, want2);
    o->compiled++;
    mk_loaded_free(l);
    remove_build(dir, name); /* name belongs to the model */
    mk_model_free(m);
}

static void setup_marker(char *buf, size_t size)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(buf, size, "%s/mk-inject-marker-%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());
    unlink(buf);
    g_marker = buf;
}

/* The two exploits of the issue, as they were found: a parameter's doc whose line splice
 * (backslash + lone CR) or trigraph (?\?/ + lone CR) ends the generated C comment. */
static void known_exploits_run_nothing(void **state)
{
    (void)state;
    char marker[512];
    setup_marker(marker, sizeof marker);
    /* a harmless model first: the toolchain's own .init_array */
    outcome o = {0, 0};
    char *plain = model_text(NULL, "");
    try_model("inject.myo", plain, "harmless model", &o);
    free(plain);
    assert_int_equal(o.compiled, 1);
    static const char *const exploits[] = {
        "*\\\r/ } evil_t;" BODY "typedef struct { double c__x; /*",
        "*?\?/\r/ } evil_t;" BODY "typedef struct { double c__x; /*", NULL};
    for (int i = 0; exploits[i]; i++) {
        char *text = model_text(&k_fields[7], exploits[i]); /* the parameter's doc */
        try_model("evil.myo", text, i ? "doc: trigraph + CR" : "doc: backslash + CR", &o);
        free(text);
    }
}

/* Every payload in every field. */
static void injection_corpus_is_refused_or_inert(void **state)
{
    (void)state;
    char marker[512];
    setup_marker(marker, sizeof marker);
    outcome o = {0, 0};
    char *plain = model_text(NULL, "");
    try_model("inject.myo", plain, "harmless model", &o);
    free(plain);
    int tried = 0;
    for (const field *f = k_fields; f->key; f++) {
        for (int i = 0; k_payloads[i]; i++) {
            char label[64];
            snprintf(label, sizeof label, "%s payload %d", f->key, i);
            tried++;
            if (!strcmp(f->key, "FILE")) {
                char *file = payload_text(k_payloads[i], 0);
                char *text = model_text(NULL, "");
                try_model(file, text, label, &o);
                free(file);
                free(text);
            } else {
                char *text = model_text(f, k_payloads[i]);
                try_model("inject.myo", text, label, &o);
                free(text);
            }
        }
    }
    printf("%d payloads in %d fields: %d refused with file:line:column, %d compiled inert\n",
           tried, (int)(sizeof k_fields / sizeof *k_fields) - 1, o.rejected, o.compiled - 1);
    assert_int_equal(o.rejected + o.compiled - 1, tried);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_exploits_run_nothing),
        cmocka_unit_test(injection_corpus_is_refused_or_inert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
