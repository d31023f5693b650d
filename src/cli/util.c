/* util.c -- what every subcommand needs: reporting, atomic writes, output folders (removed on
 * SIGINT/SIGTERM), opening models. */
#include <ctype.h>
#include <math.h>
#include <limits.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

int mk_cli_outdir_open(mk_outdir **od, const char *out, const char *stem, const mk_outdir_kind *kind)
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
        st = mk_outdir_new(dir, kind, od, &err);
        /* a default name another myoknot took between our look and our lock: the next one */
        struct stat sb;
        char lock[1100];
        snprintf(lock, sizeof lock, "%s.lock", dir);
        if (!st || out || lstat(lock, &sb) != 0) break;
    }
    if (st) return mk_cli_report(&err);
    guard(*od);
    return 0;
}

void mk_cli_outdir_abort(mk_outdir **od)
{
    if (*od == g_guarded) g_guarded = NULL;
    mk_outdir_free(*od);
    *od = NULL;
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

int mk_cli_open_model(const char *name, int need_abi, mk_cli_model_ref *ref)
{
    memset(ref, 0, sizeof *ref);
    mk_error err = {0};
    char found[4096];
    if (mk_model_names_file(name)) /* a file, as mk_model_open tells */
        name = mk_cli_data_path(name, found, sizeof found);
    if (mk_model_open(name, need_abi, &ref->ref, &err)) return mk_cli_report(&err);
    ref->abi = mk_model_ref_abi(ref->ref);
    ref->model = mk_model_ref_model(ref->ref);
    return 0;
}

void mk_cli_close_model(mk_cli_model_ref *ref)
{
    mk_model_ref_free(ref->ref);
    memset(ref, 0, sizeof *ref);
}

int mk_cli_scenario_open(const char *path, const char *model_override, const char *const *sets,
                         int n_sets, int strict, mk_cli_scenario *cs)
{
    memset(cs, 0, sizeof *cs);
    mk_error err = {0};
    char found[4096];
    path = mk_cli_data_path(path, found, sizeof found);
    mk_study_opts so = {.model = model_override, .sets = sets, .n_sets = n_sets, .strict = strict};
    if (mk_study_open(path, &so, &cs->study, &err)) {
        int rc = mk_cli_report(&err);
        return err.origin == MK_ORIGIN_OVERRIDE ? EXIT_USAGE : rc; /* the command line, not the scenario */
    }
    fputs(mk_study_warnings(cs->study), stderr);
    cs->proto = mk_study_protocol(cs->study);
    cs->units = mk_study_units(cs->study);
    cs->anat = mk_study_anatomy(cs->study);
    cs->model.abi = mk_study_abi(cs->study);
    cs->model.model = mk_study_model(cs->study);
    return 0;
}

void mk_cli_scenario_close(mk_cli_scenario *cs)
{
    mk_study_free(cs->study);
    memset(cs, 0, sizeof *cs);
}

/* ---------------------------------------------------------------- a fitted parameter file */

int mk_cli_params_file(const char *path, char **sets, int *n_sets, int cap)
{
    mk_error err = {0};
    char **list = NULL;
    int n = 0, rc = 0;
    if (mk_params_file_read(path, &list, &n, &err)) return mk_cli_report(&err);
    if (*n_sets + n > cap) rc = mk_cli_usage_error("--params: more than %d parameters in %s", cap, path);
    for (int i = 0; i < n; i++) {
        if (!rc) sets[(*n_sets)++] = list[i];
        else free(list[i]);
        list[i] = NULL;
    }
    mk_strings_free(list, n);
    return rc;
}

/* ---------------------------------------------------------------- myoknot's data files */

#ifndef MK_DATA_DIR /* set by CMakeLists.txt: CMAKE_INSTALL_FULL_DATADIR/myoknot */
#define MK_DATA_DIR "/usr/local/share/myoknot"
#endif
#ifndef MK_SOURCE_DIR /* set by CMakeLists.txt: the tree this command was built from */
#define MK_SOURCE_DIR "."
#endif

/* share/myoknot beside the running command's bin/: right even when `cmake --install --prefix`
 * chose another prefix than the one compiled in. */
static int beside_command(char *buf, size_t size)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return 0;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash) return 0;
    snprintf(slash, sizeof exe - (size_t)(slash - exe), "/../share/myoknot");
    char real[PATH_MAX]; /* messages name PREFIX/share/myoknot, not PREFIX/bin/.. */
    int w = realpath(exe, real) ? snprintf(buf, size, "%s", real) : 0;
    return w > 0 && (size_t)w < size;
}

const char *mk_cli_data_path(const char *path, char *buf, size_t size)
{
    if (!path || path[0] == '/' || access(path, F_OK) == 0) return path;
    char roots[4][4096];
    int n = 0;
    const char *env = getenv("MYOKNOT_DATA");
    if (env && *env) snprintf(roots[n++], sizeof roots[0], "%s", env);
    if (beside_command(roots[n], sizeof roots[0])) n++;
    snprintf(roots[n++], sizeof roots[0], "%s", MK_DATA_DIR);
    snprintf(roots[n++], sizeof roots[0], "%s", MK_SOURCE_DIR);
    for (int i = 0; i < n; i++) {
        int w = snprintf(buf, size, "%s/%s", roots[i], path);
        if (w > 0 && (size_t)w < size && access(buf, F_OK) == 0) return buf;
    }
    return path; /* its error names it as the user typed it */
}

/* ---------------------------------------------------------------- progress of long commands */

double mk_cli_now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void mk_cli_progress_start(mk_cli_progress *p, const char *what)
{
    p->what = what;
    p->tty = isatty(2);
    p->last_pct = -1;
    p->t0_s = mk_cli_now_s();
}

void mk_cli_progress_show(mk_cli_progress *p, int done, int total)
{
    if (total <= 0) return;
    double el = mk_cli_now_s() - p->t0_s, left = done > 0 ? el / done * (total - done) : NAN;
    int pct = (int)(100.0 * done / total);
    if (p->tty) {
        if (isfinite(left)) fprintf(stderr, "\r  %d/%d %s, %.0f s elapsed, about %.0f s to go ", done, total, p->what, el, left);
        else fprintf(stderr, "\r  %d/%d %s, %.0f s elapsed ", done, total, p->what, el);
        if (done == total) fputs("\r\033[K", stderr);
    } else if (pct > p->last_pct) {
        fprintf(stderr, "progress: %d %% (%d/%d %s), %.0f s elapsed%s", pct, done, total, p->what, el,
                isfinite(left) && done < total ? "" : "\n");
        if (isfinite(left) && done < total) fprintf(stderr, ", about %.0f s to go\n", left);
        p->last_pct = pct;
    }
    fflush(stderr);
}
