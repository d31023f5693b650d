/*
 * audit.c -- can each target fail?  (myoknot validate --audit; docs/validation.md)
 *
 * Every parameter with a plausible range is moved to each end of it, one at a time (about
 * 2 x 240 variants of tp_site), and the targets run against every variant.  A variant whose run
 * fails (the simulation does not finish, a statistic cannot be read: verdict ERROR) says nothing
 * about the target: it is counted apart as *failed*, never as a flip.  A target that passes for
 * every variant that ran, or all but one, does not depend on the model getting anything right: it
 * is marked insensitive.  The table (per target: how many variants pass, ran and failed, which
 * parameter ends flip the verdict and which failed) goes to an output folder; the marks go to
 * DIR/audit.csv, which the validation suite reads.
 *
 * The variants run in the analyses' worker processes (core/workers.h: forked, not threads,
 * since compiling a scenario parses units with UDUNITS, which is not thread safe), a variant per
 * task; each reports one record per target and one when it is done.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/workers.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "myoknot.h"

typedef struct variant {
    char *name; /* the parameter's qualified name (a copy: a user's model may go first) */
    int param;
    double value;
    int hi; /* 1: the high end of the range */
} variant;

/* What one run of a target says: its comparison passes, misses, or the run failed (ERROR: the
 * simulation did not finish or the number could not be read), which is no verdict at all. */
enum { AU_MISS = 0, AU_PASS = 1, AU_FAILED = 2, AU_UNKNOWN = 255 };

struct mk_audit {
    const mk_model_abi *abi;
    char model[128], hash[64];
    mk_units *u;
    mk_anatomy *anat;
    mk_vtarget **t;
    int n_t;
    variant *v;
    int n_v, n_ranged, jobs, n_done;
    int partial;         /* only some targets ran (opts.only): no marks file */
    unsigned char *pass; /* [variant][target]: AU_PASS, AU_MISS, AU_FAILED; AU_UNKNOWN not yet known */
    unsigned char *base; /* [target], the same codes for the model itself */
    double wall_s;
    const mk_audit_opts *opts; /* during mk_audit_run only */
};

/* A worker's record: target t of variant v gave code; t = -1 once the variant is done. */
typedef struct audit_rec {
    int v, t, code;
} audit_rec;

/* AU_PASS if target t passes its comparison against abi (marks ignored), AU_MISS if it misses,
 * AU_FAILED if the run failed. */
static int raw_pass(mk_audit *a, int t, const mk_model_abi *abi)
{
    mk_vresult *r = NULL;
    mk_error e = {0};
    if (mk_vtarget_run(a->t[t], abi, a->u, a->anat, &r, &e)) return AU_FAILED;
    mk_verdict v = mk_vresult_verdict(r);
    int ok = v == MK_V_ERROR ? AU_FAILED : v == MK_V_PASS || v == MK_V_XPASS ? AU_PASS : AU_MISS;
    mk_vresult_free(r);
    return ok;
}

/* In a worker: variant v against every target. */
static void audit_task(void *ctx, int v, int fd)
{
    mk_audit *a = ctx;
    mk_symbol *params = mk_malloc((size_t)a->abi->n_params * sizeof *params);
    if (!params) _exit(3);
    memcpy(params, a->abi->params, (size_t)a->abi->n_params * sizeof *params);
    params[a->v[v].param].value = a->v[v].value;
    mk_model_abi abi = *a->abi;
    abi.params = params;
    for (int t = 0; t <= a->n_t; t++) {
        audit_rec r = {v, t < a->n_t ? t : -1, t < a->n_t ? raw_pass(a, t, &abi) : 0};
        if (mk_worker_send(fd, &r, sizeof r)) _exit(4);
    }
    free(params);
}

/* In the parent: one record. */
static void audit_record(void *ctx, const void *rec)
{
    mk_audit *a = ctx;
    audit_rec r;
    memcpy(&r, rec, sizeof r);
    if (r.v < 0 || r.v >= a->n_v) return;
    if (r.t >= 0 && r.t < a->n_t && r.code >= AU_MISS && r.code <= AU_FAILED)
        a->pass[(size_t)r.v * (size_t)a->n_t + (size_t)r.t] = (unsigned char)r.code;
    else if (r.t == -1 && ++a->n_done && a->opts->progress) a->opts->progress(a->opts->progress_ctx, a->n_done, a->n_v);
}

/* The selected targets of o->dir, loaded and unit-checked. */
static mk_status load_targets(mk_audit *a, const mk_audit_opts *o, mk_error *err)
{
    int n_files = 0;
    char **files = NULL;
    mk_status rc = mk_vtarget_list(o->dir, &files, &n_files, err);
    if (!rc && !n_files)
        rc = mk_error_from(err, MK_ORIGIN_ARGUMENT, mk_fail(err, MK_ERR_INVALID, "no validation targets (*.yaml) in %s", o->dir));
    if (!rc && !(a->t = mk_calloc((size_t)n_files, sizeof *a->t))) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
    for (int f = 0; f < n_files; f++) {
        mk_vtarget *t = NULL;
        if (!rc && !(rc = mk_vtarget_load_file(files[f], &t, err)) && !(rc = mk_vtarget_check_units(t, a->u, err)) &&
            mk_vtarget_selected(o->only, o->n_only, files[f], mk_vtarget_name(t)))
            a->t[a->n_t++] = t;
        else mk_vtarget_free(t);
        free(files[f]);
    }
    free(files);
    if (!rc && !a->n_t)
        rc = mk_error_from(err, MK_ORIGIN_ARGUMENT,
                           mk_fail(err, MK_ERR_INVALID, "no validation target in %s matches --only %s", o->dir, o->only[0]));
    return rc;
}

/* The variants: each ranged parameter at each end of its range that differs from its value. */
static mk_status make_variants(mk_audit *a, mk_error *err)
{
    const mk_model_abi *abi = a->abi;
    if (!(a->v = mk_calloc((size_t)(2 * abi->n_params + 1), sizeof *a->v))) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    for (int i = 0; i < abi->n_params; i++) {
        const mk_symbol *p = &abi->params[i];
        if (!(isfinite(p->lo) && isfinite(p->hi) && p->lo < p->hi)) continue;
        a->n_ranged++;
        for (int hi = 0; hi < 2; hi++) {
            double end = hi ? p->hi : p->lo;
            if (end == p->value) continue;
            if (!(a->v[a->n_v].name = mk_strdup(p->name))) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
            a->v[a->n_v].param = i;
            a->v[a->n_v].value = end;
            a->v[a->n_v++].hi = hi;
        }
    }
    a->pass = mk_malloc((size_t)a->n_v * (size_t)a->n_t + 1);
    a->base = mk_malloc((size_t)a->n_t + 1);
    if (!a->pass || !a->base) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    memset(a->pass, AU_UNKNOWN, (size_t)a->n_v * (size_t)a->n_t);
    return MK_OK;
}

mk_status mk_audit_run(const mk_model_abi *abi, const mk_audit_opts *o, mk_audit **out, mk_error *err)
{
    if (!abi || !o || !o->dir || !out || (o->n_only && !o->only)) return mk_fail(err, MK_ERR_INVALID, "mk_audit_run: missing argument");
    *out = NULL;
    mk_audit *a = mk_calloc(1, sizeof *a);
    if (!a) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    a->abi = abi;
    a->opts = o;
    a->partial = o->n_only > 0;
    a->jobs = o->jobs < 1 ? 1 : o->jobs > MK_WORKERS_MAX ? MK_WORKERS_MAX : o->jobs;
    snprintf(a->model, sizeof a->model, "%s", abi->name);
    snprintf(a->hash, sizeof a->hash, "%s", abi->hash);
    mk_status rc = mk_units_new(&a->u, err);
    if (!rc) rc = mk_anatomy_load(&a->anat, err);
    if (!rc) rc = load_targets(a, o, err);
    if (!rc) rc = make_variants(a, err);
    if (!rc && o->started) o->started(o->progress_ctx, a->n_t, a->n_v, a->n_ranged, a->jobs);
    double t0 = mk_monotonic_s();
    for (int t = 0; !rc && t < a->n_t; t++) a->base[t] = (unsigned char)raw_pass(a, t, abi);
    if (!rc)
        rc = mk_workers_run(a->n_v, a->jobs, sizeof(audit_rec), audit_task, a, audit_record, a, "audit", err);
    if (!rc && a->n_done != a->n_v)
        rc = mk_fail(err, MK_ERR_IO, "the audit workers finished %d of %d variants", a->n_done, a->n_v);
    a->wall_s = mk_monotonic_s() - t0;
    a->opts = NULL;
    a->abi = NULL; /* the caller's; the accessors need only what was copied */
    if (rc) {
        mk_audit_free(a);
        return rc;
    }
    *out = a;
    return MK_OK;
}

void mk_audit_free(mk_audit *a)
{
    if (!a) return;
    for (int t = 0; t < a->n_t; t++) mk_vtarget_free(a->t[t]);
    free(a->t);
    for (int v = 0; a->v && v < a->n_v; v++) free(a->v[v].name);
    free(a->v);
    free(a->pass);
    free(a->base);
    mk_anatomy_free(a->anat);
    mk_units_free(a->u);
    free(a);
}

int mk_audit_n_targets(const mk_audit *a) { return a ? a->n_t : 0; }
int mk_audit_n_variants(const mk_audit *a) { return a ? a->n_v : 0; }
int mk_audit_n_ranged(const mk_audit *a) { return a ? a->n_ranged : 0; }
int mk_audit_jobs(const mk_audit *a) { return a ? a->jobs : 0; }
double mk_audit_wall_s(const mk_audit *a) { return a ? a->wall_s : NAN; }

static const char *code_text(int b)
{
    return b == AU_PASS ? "pass" : b == AU_FAILED ? "error" : "fail";
}

/* One target's counts: variants that pass, that ran (did not fail), and the mark.  Insensitive:
 * it passes with the model and for every variant that ran, or all but one (a failed variant
 * says nothing about the target, so it is not counted as a flip). */
void mk_audit_row(const mk_audit *a, int t, mk_audit_row_info *out)
{
    memset(out, 0, sizeof *out);
    if (!a || t < 0 || t >= a->n_t) return;
    out->name = mk_vtarget_name(a->t[t]);
    out->role = mk_vtarget_role(a->t[t]);
    out->model = code_text(a->base[t]);
    for (int v = 0; v < a->n_v; v++) {
        int r = a->pass[(size_t)v * (size_t)a->n_t + (size_t)t];
        out->passes += r == AU_PASS;
        out->ran += r != AU_FAILED;
    }
    out->failed = a->n_v - out->ran;
    out->insensitive = a->base[t] == AU_PASS && out->passes >= out->ran - 1;
}

int mk_audit_variants(const mk_audit *a, int t, int failed, char *buf, size_t size)
{
    size_t l = 0;
    int n = 0;
    if (buf && size) buf[0] = 0;
    for (int v = 0; a && t >= 0 && t < a->n_t && v < a->n_v; v++) {
        int r = a->pass[(size_t)v * (size_t)a->n_t + (size_t)t];
        if (failed ? r != AU_FAILED : r == AU_FAILED || (r == AU_PASS) == (a->base[t] == AU_PASS)) continue;
        if (buf && l < size)
            l += (size_t)snprintf(buf + l, size - l, "%s%s=%s", n ? " " : "", a->v[v].name, a->v[v].hi ? "hi" : "lo");
        n++;
    }
    return n;
}

/* ---------------------------------------------------------------- the files */

/* The first line of both files: what was audited, when, how long it took. */
static void header(const mk_audit *a, mk_buf *b)
{
    char stamp[64];
    time_t tnow = time(NULL);
    struct tm tm;
    localtime_r(&tnow, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M", &tm);
    mk_buf_printf(b, "# myoknot validate --audit: model %s (hash %s), %s, %d variants (each of %d ranged parameters "
                  "at each end of its plausible range), %.0f s on %d workers\n", a->model, a->hash, stamp, a->n_v, a->n_ranged,
                  a->wall_s, a->jobs);
}

static const char k_cols[] = "target,role,model_passes,variants_pass,variants_ran,variants_failed,variants,mark";

static void csv_row(const mk_audit *a, int t, mk_buf *b)
{
    mk_audit_row_info r;
    mk_audit_row(a, t, &r);
    mk_buf_printf(b, "%s,%s,%s,%d,%d,%d,%d,%s", r.name, r.role, r.model, r.passes, r.ran, r.failed, a->n_v,
                  r.insensitive ? "insensitive" : "");
}

static void csv_text(mk_buf *b, const char *s)
{
    mk_buf_puts(b, "\"");
    for (const char *q; (q = strchr(s, '"')); s = q + 1) mk_buf_printf(b, "%.*s\"\"", (int)(q - s), s);
    mk_buf_printf(b, "%s\"", s);
}

/* A target's variants (flipping or failed) as a quoted CSV field. */
static mk_status variants_field(const mk_audit *a, int t, int failed, mk_buf *b, mk_error *err)
{
    int n = mk_audit_variants(a, t, failed, NULL, 0);
    size_t size = (size_t)n * 160 + 1;
    char *list = mk_malloc(size);
    if (!list) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_audit_variants(a, t, failed, list, size);
    csv_text(b, list);
    free(list);
    return MK_OK;
}

mk_status mk_audit_write_table(const mk_audit *a, const mk_outdir *o, mk_error *err)
{
    if (!a || !o) return mk_fail(err, MK_ERR_INVALID, "mk_audit_write_table: missing argument");
    mk_buf b;
    mk_buf_init(&b);
    header(a, &b);
    mk_buf_printf(&b, "# variants_failed: runs that did not finish (verdict ERROR), not counted as flips\n%s,flipped_by,failed_in\n", k_cols);
    mk_status rc = MK_OK;
    for (int t = 0; !rc && t < a->n_t; t++) {
        csv_row(a, t, &b);
        mk_buf_puts(&b, ",");
        if (!(rc = variants_field(a, t, 0, &b, err))) {
            mk_buf_puts(&b, ",");
            rc = variants_field(a, t, 1, &b, err);
        }
        mk_buf_puts(&b, "\n");
    }
    if (!rc) rc = b.failed ? mk_fail(err, MK_ERR_NOMEM, "out of memory") : mk_outdir_write(o, "audit-table.csv", b.data, b.len, err);
    mk_buf_free(&b);
    return rc;
}

mk_status mk_audit_write_marks(const mk_audit *a, const char *dir, mk_error *err)
{
    if (!a || !dir) return mk_fail(err, MK_ERR_INVALID, "mk_audit_write_marks: missing argument");
    if (a->partial)
        return mk_error_from(err, MK_ORIGIN_ARGUMENT,
                             mk_fail(err, MK_ERR_INVALID, "an audit of some targets (--only) does not rewrite the marks of all"));
    mk_buf b;
    mk_buf_init(&b);
    header(a, &b);
    mk_buf_printf(&b, "# insensitive: passes with the model and for every variant that ran, or all but one; a variant whose "
                  "run failed is counted apart (variants_failed), never as a flip (docs/validation.md)\n%s\n", k_cols);
    for (int t = 0; t < a->n_t; t++) {
        csv_row(a, t, &b);
        mk_buf_puts(&b, "\n");
    }
    char path[1100];
    mk_status rc = MK_OK;
    if ((size_t)snprintf(path, sizeof path, "%s/audit.csv", dir) >= sizeof path) rc = mk_fail(err, MK_ERR_INVALID, "folder name too long: %s", dir);
    if (!rc) rc = b.failed ? mk_fail(err, MK_ERR_NOMEM, "out of memory") : mk_file_write(path, b.data, b.len, err);
    mk_buf_free(&b);
    return rc;
}
