/*
 * journal.c -- a trial's checkpoint (journal.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cohort/journal.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/file.h"

#define JOURNAL_MAGIC "myoknot trial journal 1"
#define JOURNAL_INPUT_CAP ((size_t)16 << 20) /* a design or scenario file hashed for the fingerprint */
#define JOURNAL_FAILURE_CAP 4096             /* longest failure text kept (bytes, before encoding) */
#define JOURNAL_SYNC_EVERY_S 1.0             /* data reach the disk at least this often */

struct mk_journal {
    FILE *f;
    char path[MK_FILE_PATH_CAP];
    pthread_mutex_t lock;
    double last_sync_s;
};

/* ---------------------------------------------------------------- the fingerprint */

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t k = 0; k < len; k++) {
        h ^= p[k];
        h *= 1099511628211ULL;
    }
    return h;
}

static uint64_t fnv_str(uint64_t h, const char *s) { return fnv(h, s, strlen(s) + 1); }

static mk_status hash_file(uint64_t *h, const char *path, mk_error *err)
{
    static const mk_text_kind kind = {"a file of the trial", JOURNAL_INPUT_CAP, NULL, NULL};
    char *text = NULL;
    size_t len = 0;
    mk_status rc = mk_read_text_file(path, &kind, &text, &len, err);
    if (rc) return rc;
    *h = fnv(fnv_str(*h, path), text, len);
    free(text);
    return MK_OK;
}

static mk_status fingerprint(const mk_trial_design *d, const mk_trial_opts *o, int n, uint64_t *out, mk_error *err)
{
    uint64_t h = fnv_str(1469598103934665603ULL, JOURNAL_MAGIC); /* FNV-1a 64 */
    h = fnv_str(h, mk_version());
    mk_status rc = hash_file(&h, d->file, err);
    for (int a = 0; !rc && a < d->n_arms; a++) rc = hash_file(&h, d->arms[a].scenario, err);
    if (rc) return rc;
    h = fnv_str(h, d->abi->hash ? d->abi->hash : "");
    unsigned long long seed = o->seed;
    size_t rec = mk_trial_record_size(d);
    h = fnv(h, &seed, sizeof seed);
    h = fnv(h, &n, sizeof n);
    h = fnv(h, &rec, sizeof rec);
    h = fnv(h, &o->solver.rtol, sizeof o->solver.rtol);
    h = fnv(h, &o->solver.atol, sizeof o->solver.atol);
    h = fnv(h, &o->solver.max_steps, sizeof o->solver.max_steps);
    *out = fnv(h, &o->solver.max_step_s, sizeof o->solver.max_step_s);
    return MK_OK;
}

/* ---------------------------------------------------------------- one record as a line */

static void put_failure(mk_buf *b, const char *s)
{
    if (!s || !*s) {
        mk_buf_puts(b, "-");
        return;
    }
    for (size_t k = 0; s[k] && k < JOURNAL_FAILURE_CAP; k++) {
        unsigned char c = (unsigned char)s[k];
        if (c > 0x20 && c < 0x7f && c != '%' && c != '-') mk_buf_printf(b, "%c", c);
        else mk_buf_printf(b, "%%%02X", c);
    }
}

static void put_record(mk_buf *b, const mk_trial_result *r, int i, double *scratch)
{
    size_t rec = mk_trial_record_size(r->d), start = b->len;
    mk_trial_pack(r, i, scratch);
    mk_buf_printf(b, "P %d", i);
    for (size_t k = 0; k < rec; k++) mk_buf_printf(b, " %a", scratch[k]);
    mk_buf_puts(b, " ");
    put_failure(b, r->pt[i].failure);
    mk_buf_puts(b, " ");
    uint64_t h = b->failed ? 0 : fnv(1469598103934665603ULL, b->data + start, b->len - start);
    mk_buf_printf(b, "%016llx\n", (unsigned long long)h);
}

/* ---------------------------------------------------------------- reading a journal */

typedef struct reader {
    const char *path;
    char *text;
    size_t pos, len;
    int line;
} reader;

/* The next line (NUL-ended in place); NULL at the end or for a last line without its newline. */
static char *next_line(reader *rd)
{
    if (rd->pos >= rd->len) return NULL;
    char *s = rd->text + rd->pos, *nl = memchr(s, '\n', rd->len - rd->pos);
    if (!nl) return NULL; /* cut short by an interruption: dropped */
    *nl = 0;
    rd->pos = (size_t)(nl - rd->text) + 1;
    rd->line++;
    return s;
}

static mk_status bad(const reader *rd, int col, const char *what, mk_error *err)
{
    return mk_fail_at(err, MK_ERR_SYNTAX, rd->path, rd->line, col,
                      "damaged trial journal: %s (delete the file to run the trial from the start)", what);
}

static mk_status read_header(reader *rd, uint64_t fp, int n, size_t rec, mk_error *err)
{
    char *s = next_line(rd);
    if (!s || strcmp(s, JOURNAL_MAGIC)) return bad(rd, 1, "expected the line '" JOURNAL_MAGIC "'", err);
    unsigned long long got_fp = 0;
    long got_n = -1, got_rec = -1;
    char tail;
    if (!(s = next_line(rd)) || sscanf(s, "fingerprint %16llx%c", &got_fp, &tail) != 1)
        return bad(rd, 1, "expected 'fingerprint' and 16 hexadecimal digits", err);
    if (got_fp != fp)
        return mk_fail_at(err, MK_ERR_INVALID, rd->path, rd->line, 13,
                          "this journal belongs to another trial (a different design, scenario, model, seed, "
                          "number of patients, solver setting or myoknot version): fingerprint %016llx, this run's "
                          "%016llx; delete it or rerun with the settings it was started with",
                          got_fp, (unsigned long long)fp);
    if (!(s = next_line(rd)) || sscanf(s, "patients %ld%c", &got_n, &tail) != 1 || got_n != n)
        return bad(rd, 1, "expected 'patients' and this run's number of patients", err);
    if (!(s = next_line(rd)) || sscanf(s, "record %ld%c", &got_rec, &tail) != 1 || (size_t)got_rec != rec)
        return bad(rd, 1, "expected 'record' and this design's numbers per patient", err);
    return MK_OK;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decode the failure field in place ("-": none). */
static int get_failure(char *s, char **out)
{
    if (!strcmp(s, "-")) {
        *out = NULL;
        return 0;
    }
    char *w = s;
    for (char *p = s; *p; p++) {
        if (*p != '%') {
            *w++ = *p;
            continue;
        }
        int hi = hexval(p[1]), lo = hi >= 0 ? hexval(p[2]) : -1;
        if (lo < 0 || (hi == 0 && lo == 0)) return -1;
        *w++ = (char)(hi * 16 + lo);
        p += 2;
    }
    *w = 0;
    *out = s;
    return 0;
}

/* A record's numbers must be what this run would hold: a fate, an arm, the sampled theta. */
static const char *check_values(const mk_trial_result *r, int i, const double *v)
{
    const mk_trial_design *d = r->d;
    if (!(v[0] >= MK_FATE_REJECTED && v[0] <= MK_FATE_ANALYSED && v[0] == floor(v[0]))) return "not a patient's fate";
    if (!(v[1] >= -1 && v[1] < d->n_arms && v[1] == floor(v[1]))) return "not an arm";
    if (!(v[6] == 0 || v[6] == 1)) return "not a palpation finding";
    if (!(v[7] == -1 || v[7] == 0 || v[7] == 1)) return "not a sex (-1, 0 or 1)";
    if (memcmp(v + 8, r->pt[i].theta, (size_t)d->n_params * sizeof *v))
        return "its patient's parameters differ from the ones this run samples";
    return NULL;
}

static mk_status read_record(reader *rd, char *s, mk_trial_result *r, unsigned char *have, double *v, mk_error *err)
{
    size_t rec = mk_trial_record_size(r->d);
    char *check = strrchr(s, ' ');
    if (strncmp(s, "P ", 2) || !check || strlen(check + 1) != 16) return bad(rd, 1, "expected a patient's record", err);
    uint64_t want = fnv(1469598103934665603ULL, s, (size_t)(check + 1 - s));
    if (strtoull(check + 1, NULL, 16) != want) return bad(rd, (int)(check - s) + 2, "checksum mismatch", err);
    *check = 0;
    char *p = s + 2, *end;
    long i = strtol(p, &end, 10);
    if (end == p || *end != ' ' || i < 0 || i >= r->n) return bad(rd, 3, "expected a patient number of this trial", err);
    if (have[i]) return bad(rd, 3, "a patient recorded twice", err);
    for (size_t k = 0; k < rec; k++) {
        p = end + 1;
        v[k] = strtod(p, &end);
        if (end == p || *end != ' ') return bad(rd, (int)(p - s) + 1, "expected a number", err);
    }
    char *failure = NULL;
    if (get_failure(end + 1, &failure)) return bad(rd, (int)(end + 1 - s) + 1, "a badly encoded failure text", err);
    const char *why = check_values(r, (int)i, v);
    if (why) return bad(rd, 3, why, err);
    mk_status rc = mk_trial_unpack(r, (int)i, v, failure, err);
    if (!rc) have[i] = 1;
    return rc;
}

static mk_status read_journal(const char *path, uint64_t fp, mk_trial_result *r, unsigned char *have, int *n_have,
                              mk_error *err)
{
    size_t rec = mk_trial_record_size(r->d);
    /* a line per patient: at most about 26 characters per number and 3 per failure byte */
    mk_text_kind kind = {"a trial journal", 256 + (size_t)r->n * (rec * 32 + 3 * JOURNAL_FAILURE_CAP + 64), NULL,
                         NULL};
    reader rd = {.path = path};
    mk_status rc = mk_read_text_file(path, &kind, &rd.text, &rd.len, err);
    if (rc) return rc;
    double *v = mk_calloc(rec + 1, sizeof *v);
    rc = v ? read_header(&rd, fp, r->n, rec, err) : mk_fail(err, MK_ERR_NOMEM, "out of memory");
    for (char *s; !rc && (s = next_line(&rd));) {
        rc = read_record(&rd, s, r, have, v, err);
        *n_have += !rc;
    }
    free(v);
    free(rd.text);
    return rc;
}

/* ---------------------------------------------------------------- writing */

/* The journal with exactly the records in have[], as a new file renamed into place. */
static mk_status rewrite(const char *path, uint64_t fp, const mk_trial_result *r, const unsigned char *have,
                         mk_error *err)
{
    mk_buf b;
    mk_buf_init(&b);
    mk_buf_printf(&b, "%s\nfingerprint %016llx\npatients %d\nrecord %zu\n", JOURNAL_MAGIC, (unsigned long long)fp, r->n,
                  mk_trial_record_size(r->d));
    double *v = mk_calloc(mk_trial_record_size(r->d) + 1, sizeof *v);
    for (int i = 0; v && i < r->n; i++)
        if (have[i]) put_record(&b, r, i, v);
    mk_status rc = !v || b.failed ? mk_fail(err, MK_ERR_NOMEM, "out of memory") : mk_file_write(path, b.data, b.len, err);
    free(v);
    mk_buf_free(&b);
    return rc;
}

static mk_status open_append(mk_journal *j, mk_error *err)
{
    int fd = open(j->path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || !(j->f = fdopen(fd, "ab"))) {
        int e = errno;
        if (fd >= 0) close(fd);
        return mk_fail_at(err, MK_ERR_IO, j->path, 0, 0, "cannot open the trial journal: %s", strerror(e));
    }
    return MK_OK;
}

mk_status mk_journal_open(const char *path, int resume, const mk_trial_design *d, const mk_trial_opts *o,
                          mk_trial_result *r, unsigned char *have, int *n_have, mk_journal **out, mk_error *err)
{
    *out = NULL;
    *n_have = 0;
    if (strlen(path) >= MK_FILE_PATH_CAP) return mk_fail(err, MK_ERR_INVALID, "journal path too long");
    uint64_t fp = 0;
    mk_status rc = fingerprint(d, o, r->n, &fp, err);
    if (rc) return rc;
    struct stat st;
    int exists = lstat(path, &st) == 0;
    if (exists && !resume)
        return mk_fail_at(err, MK_ERR_IO, path, 0, 0,
                          "an interrupted trial's journal is in the way: rerun with --resume to continue that trial, "
                          "or delete the file");
    if (exists && (rc = read_journal(path, fp, r, have, n_have, err))) return rc;
    if ((rc = rewrite(path, fp, r, have, err))) return rc;
    mk_journal *j = mk_calloc(1, sizeof *j);
    if (!j) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    snprintf(j->path, sizeof j->path, "%s", path);
    if ((rc = open_append(j, err))) {
        free(j);
        return rc;
    }
    pthread_mutex_init(&j->lock, NULL);
    j->last_sync_s = mk_monotonic_s();
    *out = j;
    return MK_OK;
}

mk_status mk_journal_append(mk_journal *j, const mk_trial_result *r, int i, mk_error *err)
{
    mk_buf b;
    mk_buf_init(&b);
    double *v = mk_calloc(mk_trial_record_size(r->d) + 1, sizeof *v);
    if (v) put_record(&b, r, i, v);
    free(v);
    mk_status rc = MK_OK;
    if (!v || b.failed) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
    pthread_mutex_lock(&j->lock);
    if (!rc && (fwrite(b.data, 1, b.len, j->f) != b.len || fflush(j->f)))
        rc = mk_fail_at(err, MK_ERR_IO, j->path, 0, 0, "cannot write the trial journal: %s", strerror(errno));
    double now = mk_monotonic_s();
    if (!rc && now - j->last_sync_s >= JOURNAL_SYNC_EVERY_S) {
        fdatasync(fileno(j->f));
        j->last_sync_s = now;
    }
    pthread_mutex_unlock(&j->lock);
    mk_buf_free(&b);
    return rc;
}

mk_status mk_journal_close(mk_journal *j, mk_error *err)
{
    if (!j) return MK_OK;
    mk_status rc = MK_OK;
    if (fflush(j->f) || fdatasync(fileno(j->f)))
        rc = mk_fail_at(err, MK_ERR_IO, j->path, 0, 0, "cannot write the trial journal: %s", strerror(errno));
    if (fclose(j->f) && !rc)
        rc = mk_fail_at(err, MK_ERR_IO, j->path, 0, 0, "cannot close the trial journal: %s", strerror(errno));
    pthread_mutex_destroy(&j->lock);
    free(j);
    return rc;
}
