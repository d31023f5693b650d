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

#define JOURNAL_MAGIC "myoknot trial journal 2" /* 2: records in patient order */
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
    int rank = o->ranks > 1 ? o->rank : 0, ranks = o->ranks > 1 ? o->ranks : 1;
    h = fnv(h, &rank, sizeof rank);
    h = fnv(h, &ranks, sizeof ranks);
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

static void put_record(mk_buf *b, const mk_trial_design *d, const mk_trial_patient *pt, double *scratch)
{
    size_t rec = mk_trial_record_size(d), start = b->len;
    mk_trial_pack_patient(d, pt, scratch);
    mk_buf_printf(b, "P %d", pt->index);
    for (size_t k = 0; k < rec; k++) mk_buf_printf(b, " %a", scratch[k]);
    mk_buf_puts(b, " ");
    put_failure(b, pt->failure);
    mk_buf_puts(b, " ");
    uint64_t h = b->failed ? 0 : fnv(1469598103934665603ULL, b->data + start, b->len - start);
    mk_buf_printf(b, "%016llx\n", (unsigned long long)h);
}

/* ---------------------------------------------------------------- reading a journal */

typedef struct reader {
    const char *path;
    FILE *f;
    char *line;      /* the current line, NUL-ended, without its newline */
    size_t cap;
    size_t max;      /* the longest line a record can be */
    int lineno;
    int failed;      /* 1: out of memory or a read error; 2: a line longer than any record */
} reader;

/* The next line; NULL at the end, on an error (rd->failed) or for a last line without its
 * newline (cut short by an interruption: dropped).  One line in memory at a time. */
static char *next_line(reader *rd)
{
    size_t len = 0;
    for (;;) {
        if (len + 2 > rd->cap) {
            size_t cap = rd->cap ? 2 * rd->cap : 4096;
            if (rd->cap >= rd->max) {
                rd->failed = 2;
                return NULL;
            }
            char *p = mk_realloc(rd->line, cap);
            if (!p) {
                rd->failed = 1;
                return NULL;
            }
            rd->line = p;
            rd->cap = cap;
        }
        if (!fgets(rd->line + len, (int)(rd->cap - len), rd->f)) {
            rd->failed = ferror(rd->f);
            return NULL;
        }
        len += strlen(rd->line + len);
        if (len && rd->line[len - 1] == '\n') break;
        if (feof(rd->f)) return NULL;
    }
    rd->line[len - 1] = 0;
    rd->lineno++;
    return rd->line;
}

static mk_status bad(const reader *rd, int col, const char *what, mk_error *err)
{
    return mk_fail_at(err, MK_ERR_SYNTAX, rd->path, rd->lineno, col,
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
        return mk_fail_at(err, MK_ERR_INVALID, rd->path, rd->lineno, 13,
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

/* A record's numbers must be what this run would hold: a fate, an arm (the sampled theta is
 * checked by the run, which samples it). */
static const char *check_values(const mk_trial_design *d, const double *v)
{
    if (!(v[0] >= MK_FATE_REJECTED && v[0] <= MK_FATE_ANALYSED && v[0] == floor(v[0]))) return "not a patient's fate";
    if (!(v[1] >= -1 && v[1] < d->n_arms && v[1] == floor(v[1]))) return "not an arm";
    if (!(v[6] == 0 || v[6] == 1)) return "not a palpation finding";
    if (!(v[7] == -1 || v[7] == 0 || v[7] == 1)) return "not a sex (-1, 0 or 1)";
    if (!(v[8] == 0 || v[8] == 1)) return "not a re-run mark (0 or 1)";
    return NULL;
}

typedef struct taker {
    mk_journal_take take;
    void *ctx;
    int n;
    size_t rec;
    double *v;
} taker;

static mk_status read_record(reader *rd, char *s, const mk_trial_design *d, const taker *tk, mk_error *err)
{
    char *check = strrchr(s, ' ');
    if (strncmp(s, "P ", 2) || !check || strlen(check + 1) != 16) return bad(rd, 1, "expected a patient's record", err);
    uint64_t want = fnv(1469598103934665603ULL, s, (size_t)(check + 1 - s));
    if (strtoull(check + 1, NULL, 16) != want) return bad(rd, (int)(check - s) + 2, "checksum mismatch", err);
    *check = 0;
    char *p = s + 2, *end;
    long i = strtol(p, &end, 10);
    if (end == p || *end != ' ' || i < 0 || i >= tk->n) return bad(rd, 3, "expected a patient number of this trial", err);
    for (size_t k = 0; k < tk->rec; k++) {
        p = end + 1;
        tk->v[k] = strtod(p, &end);
        if (end == p || *end != ' ') return bad(rd, (int)(p - s) + 1, "expected a number", err);
    }
    char *failure = NULL;
    if (get_failure(end + 1, &failure)) return bad(rd, (int)(end + 1 - s) + 1, "a badly encoded failure text", err);
    const char *why = check_values(d, tk->v);
    if (why) return bad(rd, 3, why, err);
    mk_status rc = tk->take(tk->ctx, (int)i, tk->v, failure, &why, err);
    return !rc && why ? bad(rd, 3, why, err) : rc;
}

/* Read the journal at path (one line at a time) into the run and write its whole records to w
 * (the journal to be renamed into place; the sticky writer keeps its first write error for the
 * commit). */
static mk_status read_journal(const char *path, mk_file_out *w, uint64_t fp, const mk_trial_design *d,
                              const taker *tk, int *n_have, mk_error *err)
{
    /* a line per patient: at most about 26 characters per number and 3 per failure byte */
    reader rd = {.path = path, .f = fopen(path, "rb"), .max = tk->rec * 32 + 3 * JOURNAL_FAILURE_CAP + 64};
    if (!rd.f) return mk_fail_at(err, MK_ERR_IO, path, 0, 0, "cannot open the trial journal: %s", strerror(errno));
    mk_status rc = read_header(&rd, fp, tk->n, tk->rec, err);
    mk_file_printf(w, "%s\nfingerprint %016llx\npatients %d\nrecord %zu\n", JOURNAL_MAGIC, (unsigned long long)fp, tk->n,
                   tk->rec);
    for (char *s; !rc && (s = next_line(&rd));) {
        /* the line as read, kept for the rewritten journal (parsing cuts it up) */
        mk_file_puts(w, s);
        mk_file_putc(w, '\n');
        if (!(rc = read_record(&rd, s, d, tk, err))) (*n_have)++;
    }
    if (!rc && rd.failed == 2) rd.lineno++, rc = bad(&rd, 1, "a line longer than any record", err);
    if (!rc && rd.failed) rc = mk_fail_at(err, MK_ERR_IO, path, rd.lineno + 1, 0, "cannot read the trial journal");
    fclose(rd.f);
    free(rd.line);
    return rc;
}

/* ---------------------------------------------------------------- writing */

/* A fresh journal: the header only. */
static mk_status fresh(const char *path, uint64_t fp, int n, size_t rec, mk_error *err)
{
    mk_buf b;
    mk_buf_init(&b);
    mk_buf_printf(&b, "%s\nfingerprint %016llx\npatients %d\nrecord %zu\n", JOURNAL_MAGIC, (unsigned long long)fp, n,
                  rec);
    mk_status rc = b.failed ? mk_fail(err, MK_ERR_NOMEM, "out of memory") : mk_file_write(path, b.data, b.len, err);
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

mk_status mk_journal_open(const char *path, int resume, const mk_trial_design *d, const mk_trial_opts *o, int n,
                          mk_journal_take take, void *ctx, int *n_have, mk_journal **out, mk_error *err)
{
    *out = NULL;
    *n_have = 0;
    if (strlen(path) + 8 >= MK_FILE_PATH_CAP) return mk_fail(err, MK_ERR_INVALID, "journal path too long");
    uint64_t fp = 0;
    mk_status rc = fingerprint(d, o, n, &fp, err);
    if (rc) return rc;
    struct stat st;
    int exists = lstat(path, &st) == 0;
    if (exists && !resume)
        return mk_fail_at(err, MK_ERR_IO, path, 0, 0,
                          "an interrupted trial's journal is in the way: rerun with --resume to continue that trial, "
                          "or delete the file");
    size_t rec = mk_trial_record_size(d);
    if (exists) {
        /* the whole records rewritten beside it (a temporary file created exclusively, never a
         * fixed name that a planted file or link could occupy) and renamed over it */
        taker tk = {take, ctx, n, rec, mk_calloc(rec + 1, sizeof(double))};
        mk_file_out w;
        rc = tk.v ? mk_file_begin(&w, path, err) : mk_fail(err, MK_ERR_NOMEM, "out of memory");
        if (!rc) {
            rc = read_journal(path, &w, fp, d, &tk, n_have, err);
            if (rc) mk_file_abort(&w);
            else rc = mk_file_commit(&w, err);
        }
        free(tk.v);
    } else rc = fresh(path, fp, n, rec, err);
    if (rc) return rc;
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

mk_status mk_journal_append(mk_journal *j, const mk_trial_design *d, const mk_trial_patient *pt, mk_error *err)
{
    mk_buf b;
    mk_buf_init(&b);
    double *v = mk_calloc(mk_trial_record_size(d) + 1, sizeof *v);
    if (v) put_record(&b, d, pt, v);
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
