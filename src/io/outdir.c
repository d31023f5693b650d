/*
 * outdir.c -- output folders written as a whole, under a lock (see outdir.h).
 */
#define _GNU_SOURCE /* renameat2, getdents64 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/file.h"
#include "io/outdir.h"

/* ---------------------------------------------------------------- small helpers */

int mk_remove_flat_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : -1;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (unlinkat(fd, e->d_name, 0) != 0) rc = -1; /* a folder inside: not ours, stays */
    }
    closedir(d);
    if (rmdir(dir) != 0) rc = -1;
    return rc;
}

/* 1 empty, 0 not, -1 unreadable */
static int is_empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    int empty = 1;
    while (empty && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) empty = 0;
    closedir(d);
    return empty;
}

static int has_file(const char *dir, const char *name)
{
    char p[MK_OUTDIR_CAP + 300];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return lstat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* "a/b/run" -> parent "a/b", base "run"; "run" -> ".", "run"; "/run" -> "/", "run" */
static void split(const char *path, char *parent, size_t psize, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(parent, psize, ".");
        *base = path;
    } else {
        int n = slash == path ? 1 : (int)(slash - path);
        snprintf(parent, psize, "%.*s", n, path);
        *base = slash + 1;
    }
}

/* ---------------------------------------------------------------- the lock */

static void release_lock(mk_outdir *o)
{
    if (o->lock_fd >= 0 && o->lock[0]) {
        unlink(o->lock); /* while still holding it: a waiter that opened it sees it is gone */
        close(o->lock_fd);
    }
    o->lock_fd = -1;
    o->lock[0] = 0;
}

static mk_status take_lock(mk_outdir *o, mk_error *err)
{
    snprintf(o->lock, sizeof o->lock, "%s.lock", o->dir);
    for (int attempt = 0; attempt < 16; attempt++) {
        /* O_NOFOLLOW: a planted symlink is not followed; O_NONBLOCK: a FIFO does not hang us */
        int fd = open(o->lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0666);
        if (fd < 0) {
            int e = errno;
            if (e == ELOOP)
                return mk_fail(err, MK_ERR_IO, "%s is a symbolic link; not using it as the lock of %s", o->lock, o->dir);
            return mk_fail(err, MK_ERR_IO, "cannot create the lock %s: %s", o->lock, strerror(e));
        }
        struct stat fst, pst;
        if (fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode)) {
            close(fd);
            return mk_fail(err, MK_ERR_IO, "%s exists and is not a regular file; not using it as the lock of %s",
                           o->lock, o->dir);
        }
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            char pid[32] = "";
            ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
            pid[n > 0 ? n : 0] = 0;
            pid[strcspn(pid, "\n")] = 0;
            close(fd);
            if (e == EWOULDBLOCK)
                return mk_fail(err, MK_ERR_IO,
                               "%s is being written by another myoknot (pid %s, holding %s); not writing it too: "
                               "wait for that one to finish or choose another output folder",
                               o->dir, pid[0] ? pid : "?", o->lock);
            return mk_fail(err, MK_ERR_IO, "cannot lock %s: %s", o->lock, strerror(e));
        }
        /* the holder before us may have removed the file after we opened it: then try again */
        if (stat(o->lock, &pst) == 0 && pst.st_dev == fst.st_dev && pst.st_ino == fst.st_ino) {
            o->lock_fd = fd;
            char pid[32];
            int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
            if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
                /* only the message of a loser needs it; the lock holds without */
            }
            return MK_OK;
        }
        close(fd);
    }
    return mk_fail(err, MK_ERR_IO, "cannot lock %s: it keeps changing", o->lock);
}

/* ---------------------------------------------------------------- stale temporary folders */

/* With the lock held, DIR.tmp-PID* folders (this version's DIR.tmp-PID-XXXXXXXX, an older
 * one's DIR.tmp-PID, and the DIR.tmp-PID-XXXXXXXX.old of a fallback commit) are leftovers of
 * killed processes: removed when PID is gone or is ours.  A live PID may be an older myoknot
 * without the lock still writing, or a reused pid: left for a later run to sweep. */
static void sweep(const mk_outdir *o)
{
    char parent[MK_OUTDIR_CAP];
    const char *base;
    split(o->dir, parent, sizeof parent, &base);
    char prefix[MK_OUTDIR_CAP + 8];
    int pn = snprintf(prefix, sizeof prefix, "%s.tmp-", base);
    DIR *d = opendir(parent);
    if (!d) return;
    struct dirent *e;
    char path[2 * MK_OUTDIR_CAP + 300];
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, (size_t)pn)) continue;
        char *end;
        long pid = strtol(e->d_name + pn, &end, 10);
        if (end == e->d_name + pn || pid <= 0 || (*end && *end != '-' && *end != '.')) continue;
        int dead = pid == (long)getpid() || (kill((pid_t)pid, 0) != 0 && errno == ESRCH);
        if (!dead) continue;
        snprintf(path, sizeof path, "%s/%s", parent, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) mk_remove_flat_dir(path);
    }
    closedir(d);
}

/* ---------------------------------------------------------------- open, commit, abort */

/* May an existing DIR be replaced?  MK_OK when absent, empty or a previous output. */
static mk_status check_existing(const mk_outdir *o, mk_error *err)
{
    struct stat st;
    if (lstat(o->dir, &st) != 0) {
        if (errno == ENOENT) return MK_OK;
        return mk_fail(err, MK_ERR_IO, "cannot use %s: %s", o->dir, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) return mk_fail(err, MK_ERR_IO, "%s exists and is not a directory; not overwriting it", o->dir);
    int empty = is_empty_dir(o->dir);
    if (empty < 0) return mk_fail(err, MK_ERR_IO, "cannot read %s: %s", o->dir, strerror(errno));
    if (empty) return MK_OK;
    int ours = o->kind->is_previous ? o->kind->is_previous(o->dir) : has_file(o->dir, o->kind->marker);
    if (!ours) return mk_fail(err, MK_ERR_IO, "%s exists and is not %s; not overwriting it", o->dir, o->kind->what);
    return MK_OK;
}

static mk_status check_parent(const mk_outdir *o, mk_error *err)
{
    char parent[MK_OUTDIR_CAP];
    const char *base;
    split(o->dir, parent, sizeof parent, &base);
    if (!base[0] || !strcmp(base, ".") || !strcmp(base, ".."))
        return mk_fail(err, MK_ERR_IO, "cannot write %s: name a new or previous output folder, not . or ..", o->dir);
    struct stat st;
    if (stat(parent, &st) != 0)
        return mk_fail(err, MK_ERR_IO, "cannot write %s: folder %s: %s", o->dir, parent, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return mk_fail(err, MK_ERR_IO, "cannot write %s: %s is not a folder", o->dir, parent);
    if (access(parent, W_OK | X_OK) != 0)
        return mk_fail(err, MK_ERR_IO, "cannot write %s: folder %s: %s", o->dir, parent, strerror(errno));
    return MK_OK;
}

static mk_status make_tmp(mk_outdir *o, mk_error *err)
{
    for (unsigned attempt = 0; attempt < 64; attempt++) {
        char sfx[9];
        mk_file_random_suffix(sfx, 8, attempt);
        snprintf(o->tmp, sizeof o->tmp, "%s.tmp-%ld-%s", o->dir, (long)getpid(), sfx);
        /* like mkdtemp, but 0777 less the umask: the folder becomes DIR as it is */
        if (mkdir(o->tmp, 0777) == 0) return MK_OK;
        if (errno != EEXIST) break;
    }
    int e = errno;
    mk_status rc = mk_fail(err, MK_ERR_IO, "cannot create %s: %s", o->tmp, strerror(e));
    o->tmp[0] = 0;
    return rc;
}

mk_status mk_outdir_open(mk_outdir *o, const char *dir_in, const mk_outdir_kind *kind, mk_error *err)
{
    memset(o, 0, sizeof *o);
    o->lock_fd = -1;
    if (!dir_in || !dir_in[0] || !kind) return mk_fail(err, MK_ERR_INVALID, "no output folder");
    size_t n = strlen(dir_in);
    while (n > 1 && dir_in[n - 1] == '/') n--; /* "out/" names the folder "out" */
    if (n >= sizeof o->dir - 64) return mk_fail(err, MK_ERR_IO, "output folder path too long");
    memcpy(o->dir, dir_in, n);
    o->dir[n] = 0;
    o->kind = kind;
    mk_status rc = check_parent(o, err);
    if (!rc) rc = take_lock(o, err);
    if (rc) {
        o->lock[0] = 0;
        return rc;
    }
    o->live = 1;
    rc = check_existing(o, err);
    if (!rc) {
        sweep(o);
        rc = make_tmp(o, err);
    }
    if (rc) mk_outdir_abort(o);
    return rc;
}

mk_status mk_outdir_new(const char *dir, const mk_outdir_kind *kind, mk_outdir **out, mk_error *err)
{
    if (!out) return mk_fail(err, MK_ERR_INVALID, "no place for the output folder");
    *out = NULL;
    mk_outdir *o = mk_calloc(1, sizeof *o);
    if (!o) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_status st = mk_outdir_open(o, dir, kind, err);
    if (st) {
        free(o);
        return st;
    }
    *out = o;
    return MK_OK;
}

void mk_outdir_free(mk_outdir *o)
{
    if (!o) return;
    mk_outdir_abort(o);
    free(o);
}

const char *mk_outdir_dir(const mk_outdir *o) { return o ? o->dir : ""; }

mk_status mk_outdir_path(const mk_outdir *o, const char *name, char *out, size_t size, mk_error *err)
{
    if (!o->tmp[0]) return mk_fail(err, MK_ERR_INVALID, "mk_outdir_path: the output folder is not open");
    if ((size_t)snprintf(out, size, "%s/%s", o->tmp, name) >= size)
        return mk_fail(err, MK_ERR_IO, "path too long: %s/%s", o->tmp, name);
    return MK_OK;
}

mk_status mk_outdir_write(const mk_outdir *o, const char *name, const void *data, size_t len, mk_error *err)
{
    char path[MK_OUTDIR_CAP + 400];
    mk_status rc = mk_outdir_path(o, name, path, sizeof path, err);
    return rc ? rc : mk_file_write(path, data, len, err);
}

void mk_outdir_abort(mk_outdir *o)
{
    if (o->tmp[0]) mk_remove_flat_dir(o->tmp);
    o->tmp[0] = 0;
    release_lock(o);
    o->live = 0;
}

/* DIR and the temporary folder swap names in one step; the previous output is then in the
 * temporary folder's place.  Where the file system cannot swap, DIR is moved aside first. */
static mk_status swap_in(mk_outdir *o, mk_error *err)
{
    if (renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->dir, RENAME_EXCHANGE) == 0) return MK_OK;
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        return mk_fail(err, MK_ERR_IO, "cannot replace %s by %s: %s", o->dir, o->tmp, strerror(errno));
    char old[sizeof o->tmp + 8];
    snprintf(old, sizeof old, "%s.old", o->tmp);
    if (rename(o->dir, old) != 0)
        return mk_fail(err, MK_ERR_IO, "cannot move the previous %s aside: %s", o->dir, strerror(errno));
    if (rename(o->tmp, o->dir) != 0) {
        int e = errno;
        rename(old, o->dir); /* put the previous one back */
        return mk_fail(err, MK_ERR_IO, "cannot rename %s to %s: %s", o->tmp, o->dir, strerror(e));
    }
    rename(old, o->tmp); /* to be removed like an exchanged one */
    return MK_OK;
}

mk_status mk_outdir_commit(mk_outdir *o, mk_error *err)
{
    if (!o->tmp[0] || o->lock_fd < 0) return mk_fail(err, MK_ERR_INVALID, "mk_outdir_commit: the output folder is not open");
    /* DIR may have changed while we computed (not by a myoknot: we hold the lock) */
    mk_status rc = check_existing(o, err);
    struct stat st;
    int exists = lstat(o->dir, &st) == 0;
    if (!rc && exists) rc = swap_in(o, err);
    else if (!rc && rename(o->tmp, o->dir) != 0)
        rc = mk_fail(err, MK_ERR_IO, "cannot rename %s to %s: %s", o->tmp, o->dir, strerror(errno));
    if (rc) {
        mk_outdir_abort(o);
        return rc;
    }
    if (exists && mk_remove_flat_dir(o->tmp) != 0) {
        rc = mk_fail(err, MK_ERR_IO, "wrote %s, but could not remove the previous one moved to %s", o->dir, o->tmp);
    }
    o->tmp[0] = 0;
    release_lock(o);
    o->live = 0;
    return rc;
}

/* ---------------------------------------------------------------- from a signal handler */

void mk_outdir_remove_now(const mk_outdir *o)
{
    if (!o || !o->live) return;
    if (o->tmp[0]) {
        int fd = open(o->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            /* removing entries while reading may skip some: read again until a pass removes none */
            for (int pass = 0; pass < 16; pass++) {
                int removed = 0;
                char buf[4096] __attribute__((aligned(8)));
                ssize_t n;
                lseek(fd, 0, SEEK_SET);
                while ((n = getdents64(fd, buf, sizeof buf)) > 0) {
                    for (ssize_t at = 0; at < n;) {
                        struct dirent64 *e = (struct dirent64 *)(void *)(buf + at);
                        at += e->d_reclen;
                        const char *nm = e->d_name;
                        if (nm[0] == '.' && (nm[1] == 0 || (nm[1] == '.' && nm[2] == 0))) continue;
                        if (unlinkat(fd, nm, 0) == 0) removed++;
                    }
                }
                if (!removed) break;
            }
            close(fd);
        }
        rmdir(o->tmp);
    }
    if (o->lock[0] && o->lock_fd >= 0) unlink(o->lock);
}
