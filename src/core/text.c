/* text.c -- edit distance and "did you mean" hints; reading a text file whole. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/text.h"

int mk_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return 1000;
    int d[65][65];
    for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int c = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + c < v) v = d[i - 1][j - 1] + c;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1; /* a transposition costs one */
            d[i][j] = v;
        }
    return d[la][lb];
}

int mk_hint_score(const char *name, const char *cand)
{
    size_t ln = strlen(name), lc = strlen(cand);
    int prefix = strncmp(name, cand, ln < lc ? ln : lc) == 0;
    return 2 * mk_edit_distance(name, cand) - prefix;
}

int mk_hint_limit(const char *name)
{
    size_t len = strlen(name);
    return 2 * (len <= 4 ? 1 : len <= 8 ? 2 : 3);
}

const char *mk_suggest(const char *name, const char *const *cands, int n)
{
    const char *best = NULL;
    int bd = 1000;
    for (int i = 0; n < 0 ? cands[i] != NULL : i < n; i++) {
        if (!cands[i]) continue;
        int d = mk_hint_score(name, cands[i]);
        if (d < bd) {
            bd = d;
            best = cands[i];
        }
    }
    return bd <= mk_hint_limit(name) ? best : NULL;
}

/* What a path that is no regular file names, for "not a regular file (a FIFO)". */
static const char *file_type(mode_t mode)
{
    if (S_ISDIR(mode)) return "a folder";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a file";
}

static mk_status too_large(const char *path, const mk_text_kind *kind, mk_error *err)
{
    return mk_fail_at(err, MK_ERR_IO, path, 0, 0, "larger than the limit of %zu bytes for %s",
                      kind->max_len, kind->what ? kind->what : "a text file");
}

/* Open path for reading without blocking: a FIFO opened plainly waits for a writer, and a
 * terminal could become the controlling one.  Only a regular file of at most max_len bytes
 * is accepted, checked before a byte is read. */
static mk_status open_regular(const char *path, const mk_text_kind *kind, int *fd_out,
                              mk_error *err)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return mk_fail_at(err, MK_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    struct stat st;
    mk_status rc = MK_OK;
    if (fstat(fd, &st) != 0)
        rc = mk_fail_at(err, MK_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = mk_fail_at(err, MK_ERR_IO, path, 0, 0, "cannot read %s: not a regular file (%s)",
                        kind->what ? kind->what : "it", file_type(st.st_mode));
    else if (kind->max_len > 0 && (uintmax_t)st.st_size > kind->max_len)
        rc = too_large(path, kind, err);
    if (rc) {
        close(fd);
        return rc;
    }
    *fd_out = fd;
    return MK_OK;
}

mk_status mk_read_text_file(const char *path, const mk_text_kind *kind, char **out, size_t *len,
                            mk_error *err)
{
    static const mk_text_kind plain = {0};
    if (!kind) kind = &plain;
    *out = NULL;
    if (len) *len = 0;
    int fd = -1;
    mk_status rc = open_regular(path, kind, &fd, err);
    if (rc) return rc;
    char *data = NULL;
    size_t used = 0, cap = 0;
    for (;;) {
        if (cap - used < 8192 + 1) {
            size_t ncap = cap ? 2 * cap : 16384;
            char *p = mk_realloc(data, ncap);
            if (!p) {
                rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
                break;
            }
            data = p;
            cap = ncap;
        }
        ssize_t got = read(fd, data + used, 8192);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            rc = mk_fail_at(err, MK_ERR_IO, path, 0, 0, "%s",
                            kind->read_msg ? kind->read_msg : "cannot read");
            break;
        }
        if (got == 0) break;
        if (memchr(data + used, 0, (size_t)got)) {
            rc = mk_fail_at(err, MK_ERR_SYNTAX, path, 0, 0, "%s",
                            kind->nul_msg ? kind->nul_msg : "not a text file (contains NUL bytes)");
            break;
        }
        used += (size_t)got;
        if (kind->max_len > 0 && used > kind->max_len) { /* it grew while being read */
            rc = too_large(path, kind, err);
            break;
        }
    }
    close(fd);
    if (rc) {
        free(data);
        return rc;
    }
    data[used] = 0;
    *out = data;
    if (len) *len = used;
    return MK_OK;
}
