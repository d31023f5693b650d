/* util.c -- what every subcommand needs: reporting, atomic writes, output folders (removed on
 * SIGINT/SIGTERM), opening models. */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/text.h"
#include "io/ytree.h"

#include "cli/cli.h"

int mk_cli_report(const mk_error *err)
{
    if (err->origin == MK_ORIGIN_OVERRIDE && !err->file[0])
        fprintf(stderr, "--set: error: %s\n", err->message); /* the library's overrides are our --set */
    else if (err->file[0] && err->line > 0)
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
    return mk_file_write(path, text, len, err) != MK_OK;
}

/* ---------------------------------------------------------------- output folders and signals */

/* The output folder a SIGINT/SIGTERM/SIGHUP must not leave behind, and the process that owns
 * it (a forked child, before it execs the compiler, runs the handler too).  The command's
 * only global state: a signal handler reaches nothing else. */
static mk_outdir *volatile g_guarded;
static volatile pid_t g_owner;

static void on_signal(int sig)
{
    int saved = errno;
    mk_outdir *o = g_guarded;
    if (o && getpid() == g_owner) mk_outdir_remove_now(o);
    errno = saved;
    /* SA_RESETHAND put the default action back: die of the signal, as the caller expects */
    raise(sig);
}

static void guard(mk_outdir *o)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    g_owner = getpid();
    g_guarded = o;
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        struct sigaction old, sa;
        /* a signal ignored by whoever started us (nohup, a background job) stays ignored */
        if (sigaction(sigs[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN) continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sa.sa_flags = SA_RESETHAND;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

/* runs/STEM-YYYYMMDD-HHMMSS, with -2, -3, ... when that exists or is locked: two runs in one
 * second must not replace each other.  STEM may come from a scenario, so it is reduced to a
 * safe file name (no '/', no leading '.'). */
static void default_out_dir(const char *stem, char *buf, size_t size)
{
    char safe[96];
    size_t n = 0;
    for (const char *c = stem; *c && n < sizeof safe - 1; c++) {
        int ok = isalnum((unsigned char)*c) || *c == '-' || *c == '_' || (*c == '.' && n > 0);
        safe[n++] = ok ? *c : '_';
    }
    safe[n] = 0;
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(buf, size, "runs/%s-%s", safe[0] ? safe : "run", stamp);
    struct stat st;
    char lock[1100];
    size_t base = strlen(buf);
    for (int k = 2; k < 1000; k++) {
        snprintf(lock, sizeof lock, "%s.lock", buf);
        if (lstat(buf, &st) != 0 && lstat(lock, &st) != 0) break;
        snprintf(buf + base, size - base, "-%d", k);
    }
}

int mk_cli_outdir_open(mk_outdir *od, const char *out, const char *stem, const mk_outdir_kind *kind)
{
    mk_error err = {0};
    char dir[1024];
    mk_status st = MK_OK;
    for (int attempt = 0; attempt < 5; attempt++) {
        if (out) snprintf(dir, sizeof dir, "%s", out);
        else {
            mkdir("runs", 0777);
            default_out_dir(stem, dir, sizeof dir);
        }
        st = mk_outdir_open(od, dir, kind, &err);
        /* a default name another myoknot took between our look and our lock: the next one */
        struct stat sb;
        char lock[1100];
        snprintf(lock, sizeof lock, "%s.lock", dir);
        if (!st || out || lstat(lock, &sb) != 0) break;
    }
    if (st) return mk_cli_report(&err);
    guard(od);
    return 0;
}

void mk_cli_outdir_abort(mk_outdir *od)
{
    g_guarded = NULL;
    mk_outdir_abort(od);
}

int mk_cli_outdir_commit(mk_outdir *od)
{
    mk_error err = {0};
    mk_status st = mk_outdir_commit(od, &err);
    g_guarded = NULL;
    return st ? mk_cli_report(&err) : 0;
}

int mk_cli_check_output_file(const char *path)
{
    mk_error err = {0};
    return mk_file_check_target(path, &err) ? mk_cli_report(&err) : 0;
}

static int looks_like_file(const char *s)
{
    size_t n = strlen(s);
    return strchr(s, '/') || (n > 4 && !strcmp(s + n - 4, ".myo"));
}

/* extends NAME: the built-in model of that name (its own text, as it was translated) */
static const char *builtin_source(void *ctx, const char *name)
{
    (void)ctx;
    const mk_model_abi *abi = mk_builtin_find(name);
    return abi ? abi->source : NULL;
}

int mk_cli_open_model(const char *name, int need_abi, mk_cli_model_ref *ref)
{
    memset(ref, 0, sizeof *ref);
    mk_error err = {0};
    if (!looks_like_file(name)) {
        ref->abi = mk_builtin_find(name);
        if (ref->abi) {
            /* a built-in model carries its source: parse it for show/check */
            if (mk_model_parse_with(name, ref->abi->source, builtin_source, NULL, &ref->model, &err))
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
    if (mk_model_parse_file_with(name, builtin_source, NULL, &ref->model, &err))
        return mk_cli_report(&err);
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
        if (err.origin == MK_ORIGIN_OVERRIDE) rc = EXIT_USAGE; /* the command line, not the scenario */
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

/* ---------------------------------------------------------------- a fitted parameter file */

static const mk_yformat k_params_format = {
    .max_depth = 8,
    .alias_msg = "YAML aliases are not supported in parameter files: write the value out",
    .dup_key_msg = "parameter '%s' given twice (first at line %d)",
    .bad_key_msg = "expected a parameter name, found %s",
    .empty_msg = "the parameter file is empty: expected 'parameters:' with 'component.name: value unit' entries",
    .top_msg = "expected a mapping with the key 'parameters' at the top level, found %s",
    .unknown_key_code = MK_ERR_SYNTAX,
    .list_allowed_keys = 1,
};

int mk_cli_params_file(const char *path, char **sets, int *n_sets, int cap)
{
    mk_error err = {0};
    static const mk_text_kind kind = {.what = "a parameter file", .max_len = MK_MAX_PARAMS_FILE_BYTES};
    char *text = NULL;
    if (mk_read_text_file(path, &kind, &text, NULL, &err)) return mk_cli_report(&err);
    mk_ynode *root = NULL;
    int rc = 0;
    static const char *const keys[] = {"parameters", NULL};
    if (mk_yparse(path, text, &k_params_format, &root, &err) ||
             mk_ycheck_keys(path, &k_params_format, root, keys, "in a parameter file", &err))
        rc = mk_cli_report(&err);
    const mk_ypair *pp = rc ? NULL : mk_yfind(root, "parameters");
    if (!rc && (!pp || pp->val->kind != MK_Y_MAP)) {
        mk_fail_at(&err, MK_ERR_SYNTAX, path, pp ? pp->val->line : 1, pp ? pp->val->col : 1,
                   "expected a mapping 'component.name: value unit' under 'parameters'");
        rc = mk_cli_report(&err);
    }
    for (int i = 0; !rc && i < pp->val->n; i++) {
        const mk_ypair *q = &pp->val->pairs[i];
        if (q->val->kind != MK_Y_SCALAR || !q->val->text[0]) {
            mk_fail_at(&err, MK_ERR_SYNTAX, path, q->val->line, q->val->col, "expected a value with its unit for '%s', found %s",
                       q->key, mk_ykind_name(q->val));
            rc = mk_cli_report(&err);
        } else if (*n_sets >= cap) {
            rc = mk_cli_usage_error("--params: more than %d parameters in %s", cap, path);
        } else {
            size_t len = strlen(q->key) + strlen(q->val->text) + 2;
            char *s = mk_malloc(len);
            if (!s) rc = mk_cli_usage_error("out of memory");
            else snprintf(s, len, "%s=%s", q->key, q->val->text), sets[(*n_sets)++] = s;
        }
    }
    mk_yfree(root);
    free(text);
    return rc;
}
