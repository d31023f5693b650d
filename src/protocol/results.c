/* results.c -- the table of time series a run produces, and releasing a run's result. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "protocol/results.h"

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = mk_malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

mk_status mk_series_init(mk_series *s, int n_cols, mk_error *err)
{
    if (!s) return mk_fail(err, MK_ERR_INVALID, "mk_series_init: no series");
    memset(s, 0, sizeof *s);
    if (n_cols <= 0)
        return mk_fail(err, MK_ERR_INVALID, "mk_series_init: %d columns (need at least one)", n_cols);
    s->names = mk_calloc((size_t)n_cols, sizeof *s->names);
    s->units = mk_calloc((size_t)n_cols, sizeof *s->units);
    if (!s->names || !s->units) {
        free(s->names);
        free(s->units);
        memset(s, 0, sizeof *s);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory for a series of %d columns", n_cols);
    }
    s->n_cols = n_cols;
    return MK_OK;
}

mk_status mk_series_set_column(mk_series *s, int col, const char *name, const char *unit,
                               mk_error *err)
{
    if (!s || !s->names) return mk_fail(err, MK_ERR_INVALID, "mk_series_set_column: series not initialised");
    if (col < 0 || col >= s->n_cols)
        return mk_fail(err, MK_ERR_INVALID, "mk_series_set_column: column %d out of 0..%d", col,
                       s->n_cols - 1);
    if (!name || !name[0]) return mk_fail(err, MK_ERR_INVALID, "mk_series_set_column: column %d has no name", col);
    for (int c = 0; c < s->n_cols; c++)
        if (c != col && s->names[c] && strcmp(s->names[c], name) == 0)
            return mk_fail(err, MK_ERR_NAME, "series column '%s' given twice (columns %d and %d)", name, c, col);
    char *n = dup_str(name);
    char *u = dup_str(unit ? unit : "1");
    if (!n || !u) {
        free(n);
        free(u);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory naming series column '%s'", name);
    }
    free(s->names[col]);
    free(s->units[col]);
    s->names[col] = n;
    s->units[col] = u;
    return MK_OK;
}

mk_status mk_series_append(mk_series *s, double t_s, const double *row, mk_error *err)
{
    if (!s || !s->names) return mk_fail(err, MK_ERR_INVALID, "mk_series_append: series not initialised");
    if (!row) return mk_fail(err, MK_ERR_INVALID, "mk_series_append: no row");
    if (s->n_rows == s->cap_rows) {
        int cap = s->cap_rows ? s->cap_rows * 2 : 256;
        if (cap <= s->cap_rows || (size_t)cap > ((size_t)-1) / sizeof(double) / (size_t)s->n_cols)
            return mk_fail(err, MK_ERR_NOMEM, "series too long (%d rows)", s->n_rows);
        double *t = mk_realloc(s->t_s, (size_t)cap * sizeof *t);
        if (!t) return mk_fail(err, MK_ERR_NOMEM, "out of memory growing the series to %d rows", cap);
        s->t_s = t;
        double *v = mk_realloc(s->values, (size_t)cap * (size_t)s->n_cols * sizeof *v);
        if (!v) return mk_fail(err, MK_ERR_NOMEM, "out of memory growing the series to %d rows", cap);
        s->values = v;
        s->cap_rows = cap;
    }
    s->t_s[s->n_rows] = t_s;
    memcpy(s->values + (size_t)s->n_rows * (size_t)s->n_cols, row, (size_t)s->n_cols * sizeof *row);
    s->n_rows++;
    return MK_OK;
}

int mk_series_find(const mk_series *s, const char *name)
{
    if (!s || !s->names || !name) return -1;
    for (int c = 0; c < s->n_cols; c++)
        if (s->names[c] && strcmp(s->names[c], name) == 0) return c;
    return -1;
}

void mk_series_free(mk_series *s)
{
    if (!s) return;
    for (int c = 0; c < s->n_cols; c++) {
        if (s->names) free(s->names[c]);
        if (s->units) free(s->units[c]);
    }
    free(s->names);
    free(s->units);
    free(s->t_s);
    free(s->values);
    memset(s, 0, sizeof *s);
}

/* Releases what the result owns (params, series, measurement results) and zeroes it.  The
 * result does not own abi or protocol (they outlive it), nor the struct itself, which the
 * caller usually keeps on the stack; NULL is a no-op. */
void mk_run_result_free(mk_run_result *r)
{
    if (!r) return;
    free(r->params);
    mk_series_free(&r->series);
    free(r->meas);
    free(r->summary);
    memset(r, 0, sizeof *r);
}
