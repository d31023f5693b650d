/*
 * modelcache.c -- compiled user models kept between runs (the checks and why: compile.h).
 *
 * An entry is one file, KEY.mkso:
 *   myoknot model cache 1\n
 *   key KEY\n
 *   size N\n
 *   sha256 DIGEST\n
 *   \n
 *   N bytes of shared object
 * One file, so that one rename publishes the header and the object together.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/compile.h"
#include "core/file.h"
#include "core/sha256.h"

#define MAGIC "myoknot model cache 1\n"
#define SUFFIX ".mkso"
/* a temporary file left by a run that died is removed after this long */
#define STALE_TMP_S 3600

extern const char mk_abi_header_text[];

/* Owned by us and writable by no one else: the folder and each entry must be. */
static int private_to_us(const struct stat *st) { return st->st_uid == geteuid() && !(st->st_mode & 022); }

static int usable_dir(const char *dir)
{
    struct stat st;
    return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && private_to_us(&st);
}

int mk_model_cache_default(char *buf, size_t size)
{
    const char *own = getenv("MYOKNOT_CACHE"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (own && (!*own || !strcmp(own, "off"))) return 0;
    if (own) n = snprintf(buf, size, "%s", own);
    else if (xdg && xdg[0] == '/') { /* the XDG spec: a relative value is to be ignored */
        mkdir(xdg, 0700);
        n = snprintf(buf, size, "%s/myoknot", xdg);
    } else if (home && home[0] == '/') {
        n = snprintf(buf, size, "%s/.cache", home);
        if (n > 0 && (size_t)n < size) mkdir(buf, 0700);
        n = snprintf(buf, size, "%s/.cache/myoknot", home);
    } else return 0;
    if (n <= 0 || (size_t)n >= size) return 0;
    if (mkdir(buf, 0700) != 0 && errno != EEXIST) return 0;
    return usable_dir(buf);
}

void mk_model_cache_key(const char *code, size_t len, const char *cc, const char *flags, char key[65])
{
    mk_sha256 s;
    mk_sha256_init(&s);
    char head[160];
    snprintf(head, sizeof head, "myoknot %s abi %d\n", MK_VERSION, MK_MODEL_ABI_VERSION);
    /* each part with its length, so that no two different sets of parts run together alike */
    const char *part[] = {head, cc, flags, mk_abi_header_text};
    for (int i = 0; i < 4; i++) {
        size_t n = strlen(part[i]);
        mk_sha256_update(&s, &n, sizeof n);
        mk_sha256_update(&s, part[i], n);
    }
    mk_sha256_update(&s, &len, sizeof len);
    mk_sha256_update(&s, code, len);
    mk_sha256_hex(&s, key);
}

static void entry_path(char *out, size_t size, const char *dir, const char *key)
{
    snprintf(out, size, "%s/%s" SUFFIX, dir, key);
}

/* The whole of a regular file, at most `cap` bytes, and when `private` is set one that is
 * private_to_us; NULL if it is anything else (and *len (size_t)-1 if memory ran out). */
static char *read_file(const char *path, long cap, int private, size_t *len)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat st;
    char *data = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (!private || private_to_us(&st)) && st.st_size <= cap &&
        !(data = mk_malloc((size_t)st.st_size + 1)))
        *len = (size_t)-1; /* out of memory: nothing wrong with the file */
    if (data) {
        size_t got = 0;
        ssize_t r = 1;
        while (got < (size_t)st.st_size && (r = read(fd, data + got, (size_t)st.st_size - got)) > 0)
            got += (size_t)r;
        if (got != (size_t)st.st_size || r < 0) {
            free(data);
            data = NULL;
        }
        *len = got;
    }
    close(fd);
    return data;
}

/* The payload of a well-formed entry for key, or NULL. */
static const char *check_entry(const char *data, size_t len, const char *key, size_t *n_payload)
{
    char want[200], digest[65];
    size_t m = strlen(MAGIC);
    if (len < m || memcmp(data, MAGIC, m)) return NULL;
    const char *p = data + m, *end = data + len;
    int hl = snprintf(want, sizeof want, "key %s\n", key);
    if ((size_t)(end - p) < (size_t)hl || memcmp(p, want, (size_t)hl)) return NULL; /* foreign */
    p += hl;
    char *stop;
    if ((size_t)(end - p) < 6 || memcmp(p, "size ", 5) || p[5] < '0' || p[5] > '9') return NULL;
    errno = 0;
    unsigned long long n = strtoull(p + 5, &stop, 10);
    if (errno || stop >= end || *stop != '\n') return NULL;
    p = stop + 1;
    if ((size_t)(end - p) < 7 + 64 + 2 || memcmp(p, "sha256 ", 7) || memcmp(p + 71, "\n\n", 2)) return NULL;
    const char *sum = p + 7;
    p += 73;
    if ((unsigned long long)(end - p) != n) return NULL; /* truncated or extended */
    mk_sha256 s;
    mk_sha256_init(&s);
    mk_sha256_update(&s, p, (size_t)n);
    mk_sha256_hex(&s, digest);
    if (memcmp(digest, sum, 64)) return NULL; /* corrupted */
    *n_payload = (size_t)n;
    return p;
}

int mk_model_cache_get(const char *dir, const char *key, const char *path_so)
{
    char path[MK_FILE_PATH_CAP];
    if (!usable_dir(dir)) return 0;
    entry_path(path, sizeof path, dir, key);
    struct stat st;
    if (lstat(path, &st) != 0) return 0; /* a miss */
    size_t len = 0, n = 0;
    char *data = read_file(path, MK_MODEL_CACHE_MAX_OBJECT + 512, 1, &len);
    const char *payload = data ? check_entry(data, len, key, &n) : NULL;
    mk_error err = {0};
    int ok = payload && mk_file_write(path_so, payload, n, &err) == MK_OK;
    free(data);
    if (!ok && len != (size_t)-1) unlink(path); /* refused: compiled again and replaced */
    else utimensat(AT_FDCWD, path, NULL, AT_SYMLINK_NOFOLLOW); /* recently used */
    return ok;
}

typedef struct entry {
    char name[80];
    time_t mtime;
    off_t size;
} entry;

static int by_age(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    return x->mtime < y->mtime ? -1 : x->mtime > y->mtime;
}

/* Delete the least recently used entries until the folder holds at most MAX_TOTAL bytes, and
 * temporary files left by runs that died. */
static void trim(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    int fd = dirfd(d), n = 0, cap = 0;
    entry *v = NULL;
    long long total = 0;
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d))) {
        struct stat st;
        size_t l = strlen(e->d_name);
        if (l >= sizeof v->name || fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode)) continue;
        if (strstr(e->d_name, SUFFIX ".tmp-")) {
            if (now - st.st_mtime > STALE_TMP_S) unlinkat(fd, e->d_name, 0);
            continue;
        }
        if (l != 64 + strlen(SUFFIX) || strcmp(e->d_name + 64, SUFFIX)) continue; /* not ours */
        if (n == cap) {
            entry *nv = mk_realloc(v, (size_t)(cap = cap ? 2 * cap : 32) * sizeof *v);
            if (!nv) break;
            v = nv;
        }
        memcpy(v[n].name, e->d_name, l + 1); /* l < sizeof name: checked above */
        v[n].mtime = st.st_mtime;
        v[n].size = st.st_size;
        total += st.st_size;
        n++;
    }
    if (v) qsort(v, (size_t)n, sizeof *v, by_age);
    for (int i = 0; i < n && total > MK_MODEL_CACHE_MAX_TOTAL; i++) {
        unlinkat(fd, v[i].name, 0);
        total -= v[i].size;
    }
    free(v);
    closedir(d);
}

void mk_model_cache_put(const char *dir, const char *key, const char *path_so)
{
    if (!usable_dir(dir)) return;
    size_t n = 0;
    char *so = read_file(path_so, MK_MODEL_CACHE_MAX_OBJECT, 0, &n);
    if (!so) return;
    char digest[65], path[MK_FILE_PATH_CAP];
    mk_sha256 s;
    mk_sha256_init(&s);
    mk_sha256_update(&s, so, n);
    mk_sha256_hex(&s, digest);
    entry_path(path, sizeof path, dir, key);
    mk_file_out w;
    mk_error err = {0};
    if (mk_file_begin(&w, path, &err) == MK_OK) {
        /* 0600 before it is renamed into place: a reader never sees it writable by others */
        fchmod(fileno(w.f), 0600);
        mk_file_printf(&w, MAGIC "key %s\nsize %zu\nsha256 %s\n\n", key, n, digest);
        mk_file_put(&w, so, n);
        mk_file_commit(&w, &err); /* reports the first failed write; removes the temporary then */
    }
    free(so);
    trim(dir);
}
