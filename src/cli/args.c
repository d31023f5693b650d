/* args.c -- the command line of every command, read one way (args.h). */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "myoknot.h"

static const mk_cli_opt *find_opt(const mk_cli_opt *spec, int n, const char *name, size_t len)
{
    for (int i = 0; i < n; i++)
        if (strlen(spec[i].name) == len && !strncmp(spec[i].name, name, len)) return &spec[i];
    return NULL;
}

/* Whether a quantity's value ends in a bare number: "phys.p_cc0=30", "8", "x=1..4"; not
 * "8 h", "8h", "fast". */
static int ends_in_bare_number(const mk_cli_opt *o, const char *v)
{
    if (o->kind != MK_CLI_QUANTITY) return 0;
    const char *eq = strchr(v, '=');
    const char *s = eq ? eq + 1 : v;
    const char *range = strstr(s, ".."); /* a sweep's range "1..4": its end takes the unit */
    if (range) s = range + 2;
    while (*s == ' ') s++;
    char *end;
    double x = strtod(s, &end);
    while (*end == ' ') end++;
    return end != s && !*end && isfinite(x);
}

/* Whether word is a unit, asked of UDUNITS (converting it to itself succeeds only then); the
 * unit system is opened the first time it is needed. */
static int is_unit(mk_units **u, const char *word)
{
    mk_error err = {0};
    char *end;
    (void)strtod(word, &end);
    /* a number is no unit here ("8 9" stays two words), nor is an option or an assignment */
    if (!*word || !*end || *word == '-' || strchr(word, '=')) return 0;
    if (!*u && mk_units_new(u, &err)) return 0;
    double x = 0;
    return mk_units_convert(*u, 1.0, word, word, &x, &err) == MK_OK;
}

/* A word that reads like a unit: short, letters (with '%', '/', '^', digits after the first),
 * no dot, not a file here.  UDUNITS is not asked: "mmhg", "hrs" are meant as units too. */
static int looks_like_unit(const char *w)
{
    size_t n = strlen(w);
    if (n == 0 || n > 10 || access(w, F_OK) == 0) return 0;
    if (!isalpha((unsigned char)w[0]) && w[0] != '%') return 0;
    for (const char *c = w; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("%/^", *c)) return 0;
    return 1;
}

static int push(mk_cli_args *a, const char *opt, const char *value, const char *after)
{
    mk_cli_arg *v = mk_realloc(a->v, (size_t)(a->n + 1) * sizeof *v);
    if (!v) return mk_cli_usage_error("out of memory");
    a->v = v;
    a->v[a->n++] = (mk_cli_arg){opt, value, after};
    return 0;
}

/* value + " " + unit, kept with the list */
static const char *join(mk_cli_args *a, const char *value, const char *unit)
{
    char **owned = mk_realloc(a->owned, (size_t)(a->n_owned + 1) * sizeof *owned);
    if (!owned) return NULL;
    a->owned = owned;
    size_t len = strlen(value) + strlen(unit) + 2;
    char *s = mk_malloc(len);
    if (!s) return NULL;
    snprintf(s, len, "%s %s", value, unit);
    return a->owned[a->n_owned++] = s;
}

static int unknown(const char *cmd, const mk_cli_opt *spec, int n_spec, const char *word, size_t len)
{
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(len < 120 ? len : 120), word);
    const char *cands[64];
    int n = 0;
    for (int i = 0; i < n_spec && n < 64; i++) cands[n++] = spec[i].name;
    const char *hint = mk_suggest(name, cands, n);
    if (hint)
        return mk_cli_usage_error("unknown option '%s' for '%s'; did you mean '%s'? (see myoknot %s --help)",
                                  name, cmd, hint, cmd);
    return mk_cli_usage_error("unknown option '%s' for '%s' (see myoknot %s --help)", name, cmd, cmd);
}

int mk_cli_args_parse(const char *cmd, const mk_cli_opt *spec, int n_spec, int argc, char **argv,
                      mk_cli_args *out)
{
    memset(out, 0, sizeof *out);
    mk_units *u = NULL;
    int rc = 0, options = 1;
    const char *prev = NULL; /* the word before, for the hint about a unit come apart */
    for (int i = 0; i < argc && !rc; i++) {
        const char *w = argv[i];
        /* a lone "-" (standard input) and a negative number are words, not options */
        int is_opt = options && w[0] == '-' && w[1] && !isdigit((unsigned char)w[1]) && w[1] != '.';
        if (options && !strcmp(w, "--")) {
            options = 0;
            continue;
        }
        if (!is_opt) {
            rc = push(out, NULL, w, prev);
            prev = w;
            continue;
        }
        const char *eq = w[1] == '-' ? strchr(w, '=') : NULL;
        size_t len = eq ? (size_t)(eq - w) : strlen(w);
        const mk_cli_opt *o = find_opt(spec, n_spec, w, len);
        if (!o) {
            rc = unknown(cmd, spec, n_spec, w, len);
            break;
        }
        if (o->kind == MK_CLI_FLAG) {
            if (eq) rc = mk_cli_usage_error("%s takes no value, found '%s'", o->name, w);
            else rc = push(out, o->name, NULL, NULL);
            prev = NULL;
            continue;
        }
        const char *v = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
        if (!v) {
            rc = mk_cli_usage_error("%s needs a value", o->name);
            break;
        }
        /* "8" "h" -> "8 h": only a word UDUNITS knows as a unit is taken */
        if (i + 1 < argc && ends_in_bare_number(o, v) && is_unit(&u, argv[i + 1])) {
            v = join(out, v, argv[++i]);
            if (!v) rc = mk_cli_usage_error("out of memory");
        }
        /* "8" "hrs": meant as a unit, surely, but not one UDUNITS knows */
        else if (i + 1 < argc && ends_in_bare_number(o, v) && looks_like_unit(argv[i + 1]))
            rc = mk_cli_usage_error("'%s' after '%s %s' is not a unit myoknot knows; if it is meant as "
                                    "one, check its spelling (mmHg, kPa, h, min, %%) and keep it with its "
                                    "number in quotes: %s \"%s %s\"",
                                    argv[i + 1], o->name, v, o->name, v, argv[i + 1]);
        if (!rc) rc = push(out, o->name, v, NULL);
        prev = v;
    }
    mk_units_free(u);
    return rc;
}

void mk_cli_args_free(mk_cli_args *a)
{
    for (int i = 0; i < a->n_owned; i++) free(a->owned[i]);
    free(a->owned);
    free(a->v);
    memset(a, 0, sizeof *a);
}

int mk_cli_args_extra(const mk_cli_arg *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("myoknot: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (a->value && looks_like_unit(a->value)) {
        if (a->after)
            fprintf(stderr, "\n  if '%s' is the unit of '%s', keep them together: \"%s %s\" in quotes",
                    a->value, a->after, a->after, a->value);
        else
            fprintf(stderr, "\n  if '%s' is a unit, keep it with its number in quotes: \"8 %s\"", a->value, a->value);
    }
    fputs("\n", stderr);
    return EXIT_USAGE;
}
