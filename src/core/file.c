/*
 * file.c -- writing a file through a temporary file and a rename (see file.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/file.h"

void mk_file_random_suffix(char *out, size_t n, unsigned salt)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    uint64_t r = 0;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
        /* no entropy yet (early boot): the clock, the pid and the caller's salt */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        r = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ull ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 32);
    }
    r ^= (uint64_t)salt * 0xBF58476D1CE4E5B9ull;
    for (size_t i = 0; i < n; i++) {
        out[i] = abc[r % 62];
        r = r / 62 ^ (r << 29) ^ 0x94D049BB133111EBull * (i + 1);
    }
    out[n] = 0;
}

/* What a non-regular file is, for the message. */
static const char *kind_of(mode_t m)
{
    if (S_ISLNK(m)) return "a symbolic link";
    if (S_ISDIR(m)) return "a folder";
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISCHR(m) || S_ISBLK(m)) return "a device";
    if (S_ISSOCK(m)) return "a socket";
    return "not a regular file";
}

/* The target is absent or a regular file (lstat: a symlink is refused, not followed). */
static mk_status check_node(const char *path, mk_error *err)
{
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode))
            return mk_fail(err, MK_ERR_IO, "%s exists and is %s, not a regular file; not replacing it", path,
                           kind_of(st.st_mode));
        return MK_OK;
    }
    if (errno != ENOENT) return mk_fail(err, MK_ERR_IO, "cannot use %s: %s", path, strerror(errno));
    return MK_OK;
}

mk_status mk_file_check_target(const char *path, mk_error *err)
{
    if (!path || !path[0]) return mk_fail(err, MK_ERR_INVALID, "no output file named");
    size_t n = strlen(path);
    if (n >= MK_FILE_PATH_CAP) return mk_fail(err, MK_ERR_IO, "output path too long: %.200s...", path);
    if (path[n - 1] == '/') return mk_fail(err, MK_ERR_IO, "%s names a folder, not a file", path);
    mk_status rc = check_node(path, err);
    if (rc) return rc;
    char parent[MK_FILE_PATH_CAP];
    memcpy(parent, path, n + 1);
    char *slash = strrchr(parent, '/');
    if (!slash) snprintf(parent, sizeof parent, ".");
    else if (slash == parent) parent[1] = 0; /* "/x": the root */
    else *slash = 0;
    struct stat st;
    if (stat(parent, &st) != 0)
        return mk_fail(err, MK_ERR_IO, "cannot write %s: folder %s: %s", path, parent, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return mk_fail(err, MK_ERR_IO, "cannot write %s: %s is not a folder", path, parent);
    if (access(parent, W_OK | X_OK) != 0)
        return mk_fail(err, MK_ERR_IO, "cannot write %s: folder %s: %s", path, parent, strerror(errno));
    return MK_OK;
}

mk_status mk_file_begin(mk_file_out *w, const char *path, mk_error *err)
{
    memset(w, 0, sizeof *w);
    mk_status rc = mk_file_check_target(path, err);
    if (rc) return rc;
    snprintf(w->path, sizeof w->path, "%s", path);
    int fd = -1;
    for (unsigned attempt = 0; fd < 0 && attempt < 64; attempt++) {
        char sfx[9];
        mk_file_random_suffix(sfx, 8, attempt);
        snprintf(w->tmp, sizeof w->tmp, "%s.tmp-%ld-%s", path, (long)getpid(), sfx);
        /* O_EXCL: never an existing file, never through a symlink; 0666 & ~umask like fopen */
        fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) {
        int e = errno;
        w->tmp[0] = 0;
        return mk_fail(err, MK_ERR_IO, "cannot write %s: %s", path, strerror(e));
    }
    w->f = fdopen(fd, "wb");
    if (!w->f) {
        int e = errno;
        close(fd);
        unlink(w->tmp);
        w->tmp[0] = 0;
        return mk_fail(err, MK_ERR_IO, "cannot write %s: %s", path, strerror(e));
    }
    return MK_OK;
}

void mk_file_abort(mk_file_out *w)
{
    if (w->f) fclose(w->f);
    w->f = NULL;
    if (w->tmp[0]) unlink(w->tmp);
    w->tmp[0] = 0;
}

/* The temporary file written by name by someone else (w->f NULL): sync it. */
static int sync_by_name(const char *tmp)
{
    int fd = open(tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno;
    int e = fsync(fd) != 0 && errno != EINVAL && errno != EROFS ? errno : 0;
    close(fd);
    return e;
}

mk_status mk_file_commit(mk_file_out *w, mk_error *err)
{
    if (!w->tmp[0]) return mk_fail(err, MK_ERR_INVALID, "mk_file_commit: no file being written");
    int e = 0;
    if (!w->f) {
        e = sync_by_name(w->tmp);
    } else {
        /* the first failed write, whose errno was kept when it failed; then the stream's
         * error flag (a write made with stdio directly), whose errno is long gone */
        if (w->error) e = w->error;
        else if (ferror(w->f)) e = EIO;
        if (!e && fflush(w->f) != 0) e = errno;
        /* a full disk may show only now (delayed allocation, NFS); EINVAL: cannot be synced */
        if (!e && fsync(fileno(w->f)) != 0 && errno != EINVAL && errno != EROFS) e = errno;
        if (fclose(w->f) != 0 && !e) e = errno;
        w->f = NULL;
    }
    if (e) {
        mk_file_abort(w);
        return mk_fail(err, MK_ERR_IO, "cannot write %s: %s", w->path, strerror(e));
    }
    /* the target may have changed while we wrote: still nothing but a regular file is replaced */
    mk_status rc = check_node(w->path, err);
    if (!rc && rename(w->tmp, w->path) != 0)
        rc = mk_fail(err, MK_ERR_IO, "cannot write %s: %s", w->path, strerror(errno));
    if (rc) mk_file_abort(w);
    w->tmp[0] = 0;
    return rc;
}

/* the first failure of a write into w: its errno, and the stream is not written again */
static void sticky_fail(mk_file_out *w)
{
    if (!w->error) w->error = errno ? errno : EIO;
}

void mk_file_put(mk_file_out *w, const void *data, size_t len)
{
    if (w->error || !w->f || !len) return;
    errno = 0;
    if (fwrite(data, 1, len, w->f) != len) sticky_fail(w);
}

void mk_file_puts(mk_file_out *w, const char *s)
{
    mk_file_put(w, s, strlen(s));
}

void mk_file_putc(mk_file_out *w, int c)
{
    if (w->error || !w->f) return;
    errno = 0;
    if (fputc(c, w->f) == EOF) sticky_fail(w);
}

void mk_file_printf(mk_file_out *w, const char *fmt, ...)
{
    if (w->error || !w->f) return;
    va_list ap;
    va_start(ap, fmt);
    errno = 0;
    if (vfprintf(w->f, fmt, ap) < 0) sticky_fail(w);
    va_end(ap);
}

mk_status mk_file_write(const char *path, const void *data, size_t len, mk_error *err)
{
    mk_file_out w;
    mk_status rc = mk_file_begin(&w, path, err);
    if (rc) return rc;
    if (len && fwrite(data, 1, len, w.f) != len) {
        int e = errno ? errno : EIO;
        mk_file_abort(&w);
        return mk_fail(err, MK_ERR_IO, "cannot write %s: %s", path, strerror(e));
    }
    return mk_file_commit(&w, err);
}
