/* util.c -- what every subcommand needs: reporting, atomic writes, opening models. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

int mk_cli_report(const mk_error *err)
{
    if (err->file[0] && err->line > 0)
        fprintf(stderr, "%s:%d:%d: error: %s\n", err->file, err->line,
                err->column > 0 ? err->column : 1, err->message);
    else if (err->file[0])
        fprintf(stderr, "%s: error: %s\n", err->file, err->message);
    else
        fprintf(stderr, "myoknot: error: %s\n", err->message);
    return 1;
}

int mk_cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("myoknot: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n", stderr);
    va_end(ap);
    return EXIT_USAGE;
}

int mk_cli_wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return 1;
    return 0;
}

int mk_cli_write_atomic(const char *path, const char *text, size_t len, mk_error *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        snprintf(err->message, sizeof err->message, "cannot write %s: %s", path, strerror(errno));
        err->file[0] = 0;
        return 1;
    }
    size_t n = len ? fwrite(text, 1, len, f) : 0;
    int bad = n != len;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        snprintf(err->message, sizeof err->message, "cannot write %s: %s", path, strerror(errno));
        err->file[0] = 0;
        remove(tmp);
        return 1;
    }
    return 0;
}

static int looks_like_file(const char *s)
{
    size_t n = strlen(s);
    return strchr(s, '/') || (n > 4 && !strcmp(s + n - 4, ".myo"));
}

int mk_cli_open_model(const char *name, int need_abi, mk_cli_model_ref *ref)
{
    memset(ref, 0, sizeof *ref);
    mk_error err = {0};
    if (!looks_like_file(name)) {
        ref->abi = mk_builtin_find(name);
        if (ref->abi) {
            /* a built-in model carries its source: parse it for show/check */
            if (mk_model_parse_string(name, ref->abi->source, &ref->model, &err))
                return mk_cli_report(&err);
            return 0;
        }
        if (access(name, F_OK) != 0) {
            fprintf(stderr, "myoknot: error: no built-in model or file named '%s' (built-in:", name);
            for (int i = 0; mk_builtin_at(i); i++) fprintf(stderr, " %s", mk_builtin_at(i)->name);
            fprintf(stderr, ")\n");
            return 1;
        }
    }
    if (mk_model_parse_file(name, &ref->model, &err)) return mk_cli_report(&err);
    if (need_abi) {
        if (mk_model_compile(ref->model, NULL, &ref->loaded, &err)) {
            mk_cli_close_model(ref);
            return mk_cli_report(&err);
        }
        ref->abi = mk_loaded_abi(ref->loaded);
    }
    return 0;
}

void mk_cli_close_model(mk_cli_model_ref *ref)
{
    mk_loaded_free(ref->loaded);
    mk_model_free(ref->model);
    memset(ref, 0, sizeof *ref);
}

extern const char mk_default_scenario_yaml[];

int mk_cli_scenario_open(const char *path, const char *model_override, const char *const *sets,
                         int n_sets, int strict, mk_cli_scenario *cs)
{
    memset(cs, 0, sizeof *cs);
    mk_error err = {0};
    mk_buf warnings;
    mk_buf_init(&warnings);
    mk_status st = path ? mk_scenario_load_file(path, &cs->scn, &err)
                        : mk_scenario_load_string("default.yaml (built in)", mk_default_scenario_yaml,
                                                  &cs->scn, &err);
    if (!st) st = mk_units_new(&cs->units, &err);
    if (!st) st = mk_anatomy_load(&cs->anat, &err);
    if (st) return mk_cli_report(&err);
    int rc = mk_cli_open_model(model_override ? model_override : mk_scenario_model(cs->scn), 1, &cs->model);
    if (rc) return rc;
    st = mk_scenario_compile(cs->scn, cs->model.abi, cs->units, cs->anat, sets, n_sets, strict,
                             &warnings, &cs->proto, &err);
    if (warnings.len) fputs(warnings.data, stderr);
    mk_buf_free(&warnings);
    if (st) {
        rc = mk_cli_report(&err);
        if (!strcmp(err.file, "--set")) rc = EXIT_USAGE; /* the command line, not the scenario */
    }
    return rc;
}

void mk_cli_scenario_close(mk_cli_scenario *cs)
{
    mk_protocol_free(cs->proto);
    mk_cli_close_model(&cs->model);
    mk_anatomy_free(cs->anat);
    mk_units_free(cs->units);
    mk_scenario_free(cs->scn);
    memset(cs, 0, sizeof *cs);
}
