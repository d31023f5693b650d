/*
 * fit_targets.c -- the calibration targets a fit uses (myoknot fit --targets), as a residual
 * function for mk_fit_run and the before/after table of the fit's report.  It was the fit
 * command's own code; in the library, every client (the command, the Python package) fits to
 * the same targets the same way.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "myoknot.h"

#define MK_FIT_MAX_GLOBS 256

struct mk_fit_targets {
    mk_vtarget **t;
    int n;
    mk_units *u;
    mk_anatomy *anat;
};

void mk_fit_targets_free(mk_fit_targets *ts)
{
    if (!ts) return;
    for (int i = 0; i < ts->n; i++) mk_vtarget_free(ts->t[i]);
    free(ts->t);
    mk_anatomy_free(ts->anat);
    mk_units_free(ts->u);
    free(ts);
}

int mk_fit_targets_count(const mk_fit_targets *ts) { return ts ? ts->n : 0; }

const char *mk_fit_targets_name(const mk_fit_targets *ts, int i)
{
    return ts && i >= 0 && i < ts->n ? mk_vtarget_name(ts->t[i]) : "";
}

/* 1 if a glob of the comma-separated list matches name; hit[i] set for each glob i that does */
static int glob_any(const char *globs, const char *name, char *hit)
{
    int i = 0, m = 0;
    for (const char *p = globs; *p; i++) {
        size_t len = strcspn(p, ",");
        char tok[512];
        snprintf(tok, sizeof tok, "%.*s", (int)(len < sizeof tok ? len : sizeof tok - 1), p);
        const char *g = tok + strspn(tok, " ");
        if (*g && fnmatch(g, name, 0) == 0) {
            m = 1;
            if (i < MK_FIT_MAX_GLOBS) hit[i] = 1;
        }
        p += len;
        if (*p == ',') p++;
    }
    return m;
}

/* The first glob that matched no target (its text into tok), or 0 if every one matched. */
static int unmatched(const char *globs, const char *hit, char *tok, size_t size)
{
    int i = 0;
    for (const char *p = globs; *p; i++) {
        size_t len = strcspn(p, ",");
        if (len && i < MK_FIT_MAX_GLOBS && !hit[i]) {
            snprintf(tok, size, "%.*s", (int)len, p);
            return 1;
        }
        p += len;
        if (*p == ',') p++;
    }
    return 0;
}

/* Each file loaded (the first failure is the error); the wanted calibration ones kept, the
 * names of wanted validation targets listed in refused. */
static mk_status load_files(mk_fit_targets *ts, char **files, int n_files, const char *globs, char *hit, char *refused,
                            size_t rsize, mk_error *err)
{
    mk_status rc = MK_OK;
    size_t rl = 0;
    for (int f = 0; f < n_files; f++) {
        mk_vtarget *t = NULL;
        if (!rc && ((rc = mk_vtarget_load_file(files[f], &t, err)) || (rc = mk_vtarget_check_units(t, ts->u, err)))) {
            mk_vtarget_free(t);
            t = NULL;
        }
        int calib = t && !strcmp(mk_vtarget_role(t), "calibration");
        int want = t && (globs ? glob_any(globs, mk_vtarget_name(t), hit) : calib);
        if (want && !calib && rl < rsize)
            rl += (size_t)snprintf(refused + rl, rsize - rl, "%s%s", rl ? ", " : "", mk_vtarget_name(t));
        if (!rc && want && calib) ts->t[ts->n++] = t;
        else mk_vtarget_free(t);
    }
    return rc;
}

mk_status mk_fit_targets_load(const char *dir, const char *globs, mk_fit_targets **out, mk_error *err)
{
    if (!dir || !out) return mk_fail(err, MK_ERR_INVALID, "mk_fit_targets_load: missing argument");
    *out = NULL;
    if (globs && !globs[strspn(globs, " ,")])
        return mk_error_from(err, MK_ORIGIN_ARGUMENT, mk_fail(err, MK_ERR_INVALID, "the target list names no target"));
    char **files = NULL;
    int n_files = 0;
    mk_status rc = mk_vtarget_list(dir, &files, &n_files, err);
    if (!rc && !n_files)
        rc = mk_error_from(err, MK_ORIGIN_ARGUMENT, mk_fail(err, MK_ERR_IO, "no targets (*.yaml) in %s", dir));
    mk_fit_targets *ts = rc ? NULL : mk_calloc(1, sizeof *ts);
    if (!rc && (!ts || !(ts->t = mk_calloc((size_t)n_files, sizeof *ts->t)))) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
    if (!rc && !(rc = mk_units_new(&ts->u, err))) rc = mk_anatomy_load(&ts->anat, err);
    char hit[MK_FIT_MAX_GLOBS] = {0}, refused[2048] = "", tok[512];
    if (!rc) rc = load_files(ts, files, n_files, globs, hit, refused, sizeof refused, err);
    for (int f = 0; f < n_files; f++) free(files[f]);
    free(files);
    if (!rc && refused[0])
        rc = mk_error_from(err, MK_ORIGIN_ARGUMENT,
                           mk_fail(err, MK_ERR_INVALID,
                                   "refusing validation target%s %s: fit uses calibration targets only, and fitting to a "
                                   "validation target would make its pass circular (docs/validation.md, Roles)",
                                   strchr(refused, ',') ? "s" : "", refused));
    if (!rc && globs && unmatched(globs, hit, tok, sizeof tok))
        rc = mk_error_from(err, MK_ORIGIN_ARGUMENT, mk_fail(err, MK_ERR_NAME, "no target in %s matches '%s'", dir, tok));
    if (!rc && !ts->n)
        rc = mk_error_from(err, MK_ORIGIN_ARGUMENT, mk_fail(err, MK_ERR_IO, "no calibration target in %s", dir));
    if (rc) {
        mk_fit_targets_free(ts);
        return rc;
    }
    *out = ts;
    return MK_OK;
}

mk_status mk_fit_targets_residuals(void *ctx, const mk_model_abi *abi, double *r, mk_error *err)
{
    mk_fit_targets *ts = ctx;
    for (int i = 0; i < ts->n; i++) {
        mk_vresult *res = NULL;
        if (mk_vtarget_run(ts->t[i], abi, ts->u, ts->anat, &res, err)) return MK_ERR_NOMEM;
        r[i] = mk_fit_target_residual(res, NULL, 0);
        mk_vresult_free(res);
    }
    return MK_OK;
}

static void csv_text(mk_buf *b, const char *s)
{
    mk_buf_puts(b, "\"");
    for (; *s; s++) mk_buf_printf(b, *s == '"' ? "\"\"" : "%c", *s);
    mk_buf_puts(b, "\"");
}

/* One target's row: its result before (b) and after (a). */
static void table_row(const mk_vresult *b, const mk_vresult *a, mk_buf *csv, mk_buf *txt)
{
    char how[160];
    double rb = mk_fit_target_residual(b, how, sizeof how), ra = mk_fit_target_residual(a, NULL, 0);
    mk_buf_printf(csv, "%s,%s,", mk_vresult_name(b), mk_vresult_role(b));
    csv_text(csv, mk_vresult_published(b));
    mk_buf_puts(csv, ",");
    csv_text(csv, how);
    mk_buf_puts(csv, ",");
    csv_text(csv, mk_vresult_model_text(b));
    mk_buf_printf(csv, ",%.4g,%s,", rb, mk_verdict_name(mk_vresult_verdict(b)));
    csv_text(csv, mk_vresult_model_text(a));
    mk_buf_printf(csv, ",%.4g,%s\n", ra, mk_verdict_name(mk_vresult_verdict(a)));
    mk_buf_printf(txt, "%-34.34s %-22.22s %14.14s %8.3g %14.14s %8.3g\n", mk_vresult_name(b), mk_vresult_published(b),
                  mk_vresult_model_text(b), rb, mk_vresult_model_text(a), ra);
}

mk_status mk_fit_targets_table(const mk_fit_targets *ts, const mk_model_abi *abi, const mk_fit_param *p, int k,
                               const double *after, mk_buf *csv, mk_buf *txt, mk_error *err)
{
    if (!ts || !abi || (k && (!p || !after)) || !csv || !txt)
        return mk_fail(err, MK_ERR_INVALID, "mk_fit_targets_table: missing argument");
    mk_symbol *params = mk_malloc(sizeof *params * (size_t)abi->n_params + 1);
    if (!params) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    memcpy(params, abi->params, sizeof *params * (size_t)abi->n_params);
    for (int j = 0; j < k; j++) params[p[j].param].value = after[j];
    mk_model_abi fitted = *abi;
    fitted.params = params;
    mk_buf_puts(csv, "target,role,published,scale,model_before,residual_before,verdict_before,model_after,residual_after,verdict_after\n");
    mk_buf_printf(txt, "\n%-34s %-22s %14s %8s %14s %8s\n", "target", "published", "before", "r", "after", "r");
    mk_status rc = MK_OK;
    for (int i = 0; !rc && i < ts->n; i++) {
        mk_vresult *b = NULL, *a = NULL;
        if (!(rc = mk_vtarget_run(ts->t[i], abi, ts->u, ts->anat, &b, err)) &&
            !(rc = mk_vtarget_run(ts->t[i], &fitted, ts->u, ts->anat, &a, err)))
            table_row(b, a, csv, txt);
        mk_vresult_free(b);
        mk_vresult_free(a);
    }
    free(params);
    return rc;
}
