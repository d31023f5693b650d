/*
 * test_atomic.c -- the one way myoknot writes files (core/file.h) and output folders
 * (io/outdir.h), and figures that cannot be written (report/plot.h): targets that are not
 * regular files are refused, nothing is followed through a symlink, a failed write leaves the
 * old file and no temporary one, a second writer of a folder is refused, stale temporary
 * folders are swept, the signal-time cleanup removes everything, and a PNG that PLplot could
 * not write completely is an error naming it.
 *
 * A full disk is simulated with RLIMIT_FSIZE (writes past the limit fail with EFBIG, SIGXFSZ
 * ignored): it works without root and on any file system.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <plplot.h>

#include "core/file.h"
#include "io/outdir.h"
#include "report/plot.h"

static char g_dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/mk_atomic_XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void at(char *out, size_t size, const char *name) { snprintf(out, size, "%s/%s", g_dir, name); }

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void assert_content(const char *path, const char *text)
{
    char buf[256] = "";
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    assert_string_equal(buf, text);
}

/* entries of g_dir whose name contains part */
static int count_entries(const char *part)
{
    DIR *d = opendir(g_dir);
    assert_non_null(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) n += strstr(e->d_name, part) != NULL;
    closedir(d);
    return n;
}

/* RLIMIT_FSIZE of `bytes` (a full disk): returns the previous limit */
static struct rlimit limit_files(rlim_t bytes)
{
    struct rlimit lim, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &lim), 0);
    small = lim;
    small.rlim_cur = bytes;
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    return lim;
}

/* ---------------------------------------------------------------- files */

static void file_refuses_non_regular(void **state)
{
    (void)state;
    char victim[300], link[300], fifo[300], sub[300];
    mk_error err = {0};
    at(victim, sizeof victim, "victim");
    at(link, sizeof link, "link.csv");
    at(fifo, sizeof fifo, "fifo");
    at(sub, sizeof sub, "sub");
    put(victim, "secret");
    assert_int_equal(symlink(victim, link), 0);
    assert_int_equal(mkfifo(fifo, 0666), 0);
    assert_int_equal(mkdir(sub, 0777), 0);

    assert_int_equal(mk_file_write(link, "x", 1, &err), MK_ERR_IO);
    assert_non_null(strstr(err.message, "link.csv exists and is a symbolic link"));
    assert_content(victim, "secret");
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));

    assert_int_equal(mk_file_write(fifo, "x", 1, &err), MK_ERR_IO);
    assert_non_null(strstr(err.message, "is a FIFO"));
    assert_int_equal(lstat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));

    assert_int_equal(mk_file_write(sub, "x", 1, &err), MK_ERR_IO);
    assert_non_null(strstr(err.message, "is a folder"));
    assert_int_equal(mk_file_write("/dev/null", "x", 1, &err), MK_ERR_IO);
    assert_non_null(strstr(err.message, "/dev/null exists and is a device"));
    assert_int_equal(mk_file_check_target("/dev/null", &err), MK_ERR_IO);

    /* a missing folder is found by the check, before anything is computed */
    char deep[300];
    at(deep, sizeof deep, "no/such/x.csv");
    assert_int_equal(mk_file_check_target(deep, &err), MK_ERR_IO);
    assert_non_null(strstr(err.message, "no/such"));
    assert_int_equal(count_entries(".tmp-"), 0);
}

/* Symlinks planted at every name the old code would have used do not redirect the write. */
static void file_ignores_planted_temporaries(void **state)
{
    (void)state;
    char victim[300], target[300], plant[400];
    mk_error err = {0};
    at(victim, sizeof victim, "victim");
    at(target, sizeof target, "out.csv");
    put(victim, "secret");
    snprintf(plant, sizeof plant, "%s.tmp.%ld", target, (long)getpid());
    assert_int_equal(symlink(victim, plant), 0);
    snprintf(plant, sizeof plant, "%s.tmp", target);
    assert_int_equal(symlink(victim, plant), 0);
    assert_int_equal(mk_file_write(target, "new\n", 4, &err), MK_OK);
    assert_content(target, "new\n");
    assert_content(victim, "secret");
    /* an existing regular file is replaced as a whole */
    assert_int_equal(mk_file_write(target, "newer\n", 6, &err), MK_OK);
    assert_content(target, "newer\n");
}

/* A write that fails half-way (a full disk) keeps the old file and leaves no temporary one. */
static void file_full_disk(void **state)
{
    (void)state;
    char target[300];
    mk_error err = {0};
    at(target, sizeof target, "big.csv");
    put(target, "old");
    size_t n = 1 << 20;
    char *data = malloc(n);
    assert_non_null(data);
    memset(data, 'x', n);
    struct rlimit lim = limit_files(4096);
    mk_status rc = mk_file_write(target, data, n, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    free(data);
    assert_int_equal(rc, MK_ERR_IO);
    assert_non_null(strstr(err.message, "big.csv"));
    assert_content(target, "old");
    assert_int_equal(count_entries(".tmp-"), 0);
}

/* The sticky writer: the first failed write is kept with its errno, later writes are skipped,
 * and the commit reports that error once -- not whatever errno other calls left behind -- and
 * keeps the old file.  A stream written with stdio directly reports a generic I/O error, never
 * a stale errno. */
static void file_sticky_writer(void **state)
{
    (void)state;
    char target[300], msg[64];
    mk_error err = {0};
    at(target, sizeof target, "sticky.csv");
    put(target, "old");
    char chunk[1000];
    memset(chunk, 'x', sizeof chunk);
    snprintf(msg, sizeof msg, "%s", strerror(EFBIG));
    mk_file_out w;
    assert_int_equal(mk_file_begin(&w, target, &err), MK_OK);
    struct rlimit lim = limit_files(4096);
    int first = -1;
    for (int i = 0; i < 1000; i++) {
        mk_file_put(&w, chunk, sizeof chunk);
        mk_file_printf(&w, "%d\n", i);
        if (w.error && first < 0) first = i;
    }
    long at_end = ftell(w.f);
    mk_file_put(&w, chunk, sizeof chunk); /* skipped: the stream does not move */
    assert_int_equal(ftell(w.f), at_end);
    assert_true(first >= 0 && first < 100);
    assert_int_equal(w.error, EFBIG);
    errno = ENOENT; /* what an unrelated call leaves behind */
    assert_int_equal(mk_file_commit(&w, &err), MK_ERR_IO);
    assert_non_null(strstr(err.message, msg));
    assert_null(strstr(err.message, strerror(ENOENT)));
    assert_content(target, "old");
    assert_int_equal(count_entries(".tmp-"), 0);
    /* stdio directly: the error flag, but no errno to trust at the commit */
    assert_int_equal(mk_file_begin(&w, target, &err), MK_OK);
    for (int i = 0; i < 100; i++) fwrite(chunk, 1, sizeof chunk, w.f);
    errno = ENOENT;
    assert_int_equal(mk_file_commit(&w, &err), MK_ERR_IO);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    assert_null(strstr(err.message, strerror(ENOENT)));
    assert_content(target, "old");
    assert_int_equal(count_entries(".tmp-"), 0);
}

/* ---------------------------------------------------------------- folders */

static const mk_outdir_kind kind = {"a test output (no marker.txt)", "marker.txt", NULL};

static void outdir_lock(void **state)
{
    (void)state;
    char dir[300];
    mk_error err = {0};
    at(dir, sizeof dir, "out");
    mk_outdir a, b;
    assert_int_equal(mk_outdir_open(&a, dir, &kind, &err), MK_OK);
    assert_int_equal(mk_outdir_write(&a, "marker.txt", "A", 1, &err), MK_OK);
    /* a second writer of the same folder (here: in this process) is refused at once */
    assert_int_equal(mk_outdir_open(&b, dir, &kind, &err), MK_ERR_IO);
    assert_non_null(strstr(err.message, "is being written by another myoknot"));
    assert_int_equal(mk_outdir_commit(&a, &err), MK_OK);
    char marker[400];
    snprintf(marker, sizeof marker, "%s/marker.txt", dir);
    assert_content(marker, "A");
    assert_int_equal(count_entries(".lock"), 0);
    assert_int_equal(count_entries(".tmp-"), 0);
    /* now free: a second run replaces the first as a whole */
    assert_int_equal(mk_outdir_open(&b, dir, &kind, &err), MK_OK);
    assert_int_equal(mk_outdir_write(&b, "marker.txt", "B", 1, &err), MK_OK);
    assert_int_equal(mk_outdir_commit(&b, &err), MK_OK);
    assert_content(marker, "B");
    /* somebody's folder is not replaced */
    char mine[300], notes[400];
    at(mine, sizeof mine, "mine");
    assert_int_equal(mkdir(mine, 0777), 0);
    snprintf(notes, sizeof notes, "%s/notes.txt", mine);
    put(notes, "mine");
    assert_int_equal(mk_outdir_open(&b, mine, &kind, &err), MK_ERR_IO);
    assert_non_null(strstr(err.message, "is not a test output"));
    assert_int_equal(count_entries(".lock"), 0);
}

static void outdir_sweep_and_signal_cleanup(void **state)
{
    (void)state;
    char dir[300], stale[400], live[400], file[500];
    mk_error err = {0};
    at(dir, sizeof dir, "run");
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) _exit(0);
    assert_int_equal(waitpid(child, NULL, 0), child);
    snprintf(stale, sizeof stale, "%s.tmp-%ld-deadbeef", dir, (long)child);
    snprintf(live, sizeof live, "%s.tmp-%ld-live", dir, (long)getppid());
    assert_int_equal(mkdir(stale, 0777), 0);
    assert_int_equal(mkdir(live, 0777), 0);
    snprintf(file, sizeof file, "%s/series.csv", stale);
    put(file, "half");
    mk_outdir o;
    assert_int_equal(mk_outdir_open(&o, dir, &kind, &err), MK_OK);
    struct stat st;
    assert_int_not_equal(lstat(stale, &st), 0); /* a dead process's: swept */
    assert_int_equal(lstat(live, &st), 0);      /* a live one's: left */
    rmdir(live);
    /* what a signal handler does: the temporary folder, its files and the lock go */
    assert_int_equal(mk_outdir_write(&o, "a.csv", "1", 1, &err), MK_OK);
    assert_int_equal(mk_outdir_write(&o, "b.csv", "2", 1, &err), MK_OK);
    mk_outdir_remove_now(&o);
    assert_int_equal(count_entries("run"), 0);
    mk_outdir_abort(&o);
}

/* ---------------------------------------------------------------- figures */

static void draw_something(const void *ctx, double *xs, double *ys)
{
    (void)ctx;
    (void)xs;
    (void)ys;
    plvpor(0.1, 0.9, 0.1, 0.9);
    plwind(0, 1, 0, 1);
    plcol0(MK_PC_BLACK);
    plbox("bcnst", 0, 0, "bcnstv", 0, 0);
    plptex(0.5, 0.5, 1, 0, 0.5, "a figure that needs some bytes");
}

static void png_full_disk(void **state)
{
    (void)state;
    char png[300];
    mk_error err = {0};
    at(png, sizeof png, "fig1_test.png");
    mk_plot_page page = {png, 800, 600, NULL, 0, 1};
    /* it can be drawn at all */
    assert_int_equal(mk_plot_draw(&page, draw_something, NULL, &err), MK_OK);
    assert_int_equal(unlink(png), 0);
    /* a disk that fills up after 2000 bytes: the PNG is incomplete, and that is an error
     * naming it and why (the encoder writes through the sticky writer, which keeps the first
     * failed write's errno), with no file (complete-looking or temporary) left; an older
     * figure stays as it was */
    put(png, "old");
    char why[64];
    snprintf(why, sizeof why, "%s", strerror(EFBIG));
    struct rlimit lim = limit_files(2000);
    mk_status rc = mk_plot_draw(&page, draw_something, NULL, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    assert_int_equal(rc, MK_ERR_IO);
    assert_non_null(strstr(err.message, "fig1_test.png"));
    assert_non_null(strstr(err.message, why));
    assert_content(png, "old");
    assert_int_equal(unlink(png), 0);
    assert_int_equal(count_entries("fig1_test"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(file_refuses_non_regular, setup, teardown),
        cmocka_unit_test_setup_teardown(file_ignores_planted_temporaries, setup, teardown),
        cmocka_unit_test_setup_teardown(file_full_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(file_sticky_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(outdir_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(outdir_sweep_and_signal_cleanup, setup, teardown),
        cmocka_unit_test_setup_teardown(png_full_disk, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
