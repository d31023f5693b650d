/*
 * compile.c -- run-time compilation of a user's model: generate C, compile it with the
 * system C compiler into a shared object, dlopen it.  This is what lets
 * `myoknot run --model FILE` use a model that did not exist when myoknot was built.
 *
 * The compiler runs as a child process with its output captured to a log file, which is
 * quoted in the error if compilation fails (the library never prints).  The ABI header the
 * generated code includes is carried inside the library (abi_text.c, made by CMake), so no
 * installed header is needed.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/compile.h"
#include "core/file.h"

#ifndef MK_MODEL_CFLAGS /* set by CMakeLists.txt, with the built-in models' flags */
#define MK_MODEL_CFLAGS "-O2 -fno-fast-math -ffp-contract=off"
#endif

extern const char mk_abi_header_text[];

struct mk_loaded {
    void *handle;
    const mk_model_abi *abi;
};

static mk_status write_file(const char *path, const char *text, size_t len, mk_error *err)
{
    return mk_file_write(path, text, len, err); /* its message names the path */
}

/* The first lines of the compiler's log, for the error message. */
static void read_log(const char *path, char *buf, size_t size)
{
    buf[0] = 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t n = read(fd, buf, size - 1);
    buf[n > 0 ? n : 0] = 0;
    close(fd);
}

/* Run argv with stdout and stderr going to log_path; returns the exit status or -1. */
static int run_logged(char *const argv[], const char *log_path)
{
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        /* a work_dir may be the caller's: never follow a planted link, never reuse a file */
        unlink(log_path);
        int fd = open(log_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execvp(argv[0], argv);
        dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void remove_tree(const char *dir, const char *name)
{
    char p[4096];
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

/* The compiler command line for path_c -> path_so, split into argv (words of cc, the fixed model
 * flags, the rest) in storage owned by the caller's `words`. */
typedef struct cc_line {
    char cc[512], flags[sizeof MK_MODEL_CFLAGS], record[sizeof MK_MODEL_CFLAGS + 32], inc[3100];
    char *argv[48];
} cc_line;

static void cc_line_build(cc_line *w, const char *cc, const char *dir, char *path_so, char *path_c)
{
    int argc = 0;
    char *save = NULL;
    /* The compiler command may carry words ("ccache gcc"): split on blanks. */
    snprintf(w->cc, sizeof w->cc, "%s", cc);
    for (char *tok = strtok_r(w->cc, " \t", &save); tok && argc < 20; tok = strtok_r(NULL, " \t", &save))
        w->argv[argc++] = tok;
    snprintf(w->inc, sizeof w->inc, "-I%s", dir);
    /* The same flags as the built-in models (CMakeLists.txt), so that a model gives the
     * same numbers built in or loaded; the object records them (MK_MODEL_BUILD). */
    memcpy(w->flags, MK_MODEL_CFLAGS, sizeof w->flags);
    save = NULL;
    for (char *tok = strtok_r(w->flags, " ", &save); tok && argc < 26; tok = strtok_r(NULL, " ", &save))
        w->argv[argc++] = tok;
    snprintf(w->record, sizeof w->record, "-DMK_MODEL_CFLAGS=\"%s\"", MK_MODEL_CFLAGS);
    /* gnu11, not c11: strict ISO modes turn trigraphs on, and "??/" is a backslash that
     * can splice lines.  The generator never writes "??" (codegen.c); should it ever,
     * -Werror=trigraphs makes that a compile error rather than a silent change. */
    char *rest[] = {"-std=gnu11", "-Werror=trigraphs", w->record, "-fPIC", "-shared", w->inc,
                    "-o", path_so, path_c, "-lm", NULL};
    for (int i = 0; rest[i]; i++) w->argv[argc++] = rest[i];
    w->argv[argc] = NULL;
}

static mk_status run_cc(const char *name, const char *cc, const char *dir, char *path_so, char *path_c,
                        const char *path_log, mk_error *err)
{
    cc_line w;
    cc_line_build(&w, cc, dir, path_so, path_c);
    int status = run_logged(w.argv, path_log);
    if (status == 0) return MK_OK;
    char log[700];
    read_log(path_log, log, sizeof log);
    return mk_fail(err, MK_ERR_COMPILE, "compiling model '%s' with '%s' failed (status %d)%s%s", name,
                   cc, status, log[0] ? ":\n" : "", log);
}

static mk_status load_so(const char *name, const char *path_so, mk_loaded **out, mk_error *err)
{
    mk_loaded *l = mk_calloc(1, sizeof *l);
    if (!l) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_status rc = MK_OK;
    l->handle = dlopen(path_so, RTLD_NOW | RTLD_LOCAL);
    char sym[200];
    snprintf(sym, sizeof sym, "mk_model_%s", name);
    if (!l->handle) {
        rc = mk_fail(err, MK_ERR_COMPILE, "cannot load the compiled model: %s", dlerror());
    } else if (!(l->abi = dlsym(l->handle, sym))) {
        rc = mk_fail(err, MK_ERR_COMPILE, "the compiled model has no symbol %s", sym);
    } else if (l->abi->abi_version != MK_MODEL_ABI_VERSION) {
        rc = mk_fail(err, MK_ERR_COMPILE, "model ABI version %d, library expects %d",
                     l->abi->abi_version, MK_MODEL_ABI_VERSION);
    }
    if (rc) mk_loaded_free(l);
    else *out = l;
    return rc;
}

/* The build directory: the caller's, or a fresh private one. */
static mk_status make_dir(const mk_compile_opts *opts, char *dir, size_t size, mk_error *err)
{
    if (opts->work_dir) {
        snprintf(dir, size, "%s", opts->work_dir);
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return mk_fail_at(err, MK_ERR_IO, dir, 0, 0, "cannot create directory: %s", strerror(errno));
        return MK_OK;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, size, "%s/myoknot-model-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return mk_fail_at(err, MK_ERR_IO, dir, 0, 0, "cannot create a build directory: %s", strerror(errno));
    return MK_OK;
}

mk_status mk_model_compile(const mk_model *m, const mk_compile_opts *opts, mk_loaded **out,
                           mk_error *err)
{
    *out = NULL;
    mk_compile_opts none = {0};
    if (!opts) opts = &none;
    const char *name = mk_model_name(m);
    char dir[3000], path_c[4096], path_so[4096], path_h[4096], path_log[4096];
    mk_status rc = make_dir(opts, dir, sizeof dir, err);
    if (rc) return rc;
    snprintf(path_c, sizeof path_c, "%s/%s.c", dir, name);
    snprintf(path_so, sizeof path_so, "%s/%s.so", dir, name);
    snprintf(path_log, sizeof path_log, "%s/cc.log", dir);
    snprintf(path_h, sizeof path_h, "%s/myoknot", dir);
    mkdir(path_h, 0700);
    snprintf(path_h, sizeof path_h, "%s/myoknot/model_abi.h", dir);
    const char *cc = opts->cc ? opts->cc : getenv("CC");
    if (!cc || !*cc) cc = "cc";

    mk_buf code;
    mk_buf_init(&code);
    rc = mk_model_generate_c(m, &code, err);
    char key[65] = "";
    if (!rc && opts->cache_dir) mk_model_cache_key(code.data, code.len, cc, MK_MODEL_CFLAGS, key);
    int hit = !rc && key[0] && mk_model_cache_get(opts->cache_dir, key, path_so);
    if (!rc && !hit) rc = write_file(path_h, mk_abi_header_text, strlen(mk_abi_header_text), err);
    if (!rc && !hit) rc = write_file(path_c, code.data, code.len, err);
    mk_buf_free(&code);
    if (!rc && !hit) rc = run_cc(name, cc, dir, path_so, path_c, path_log, err);
    if (!rc) rc = load_so(name, path_so, out, err);
    /* only an object that loaded and has the right symbol and ABI goes into the cache */
    if (!rc && !hit && key[0]) mk_model_cache_put(opts->cache_dir, key, path_so);
    /* A loaded shared object stays mapped after its file is removed. */
    if (!opts->keep_files) remove_tree(dir, name);
    return rc;
}

const mk_model_abi *mk_loaded_abi(const mk_loaded *l) { return l ? l->abi : NULL; }

void mk_loaded_free(mk_loaded *l)
{
    if (!l) return;
    if (l->handle) dlclose(l->handle);
    free(l);
}
