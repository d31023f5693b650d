/* referral_params.c -- the referral mechanism's parameter file (see referral_params.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "body/referral_params.h"
#include "core/error.h"
#include "core/text.h"

extern const char mk_anatomy_referral_params_csv[];

static const char *const k_names[MK_RP_COUNT] = {
    "k_derm", "k_tcc", "k_trig", "k_adj", "k_spread", "b_distal", "k_att", "k_mid", "k_cross",
    "gain", "gamma", "k_norm"};
/* distances on the body map are in body heights (data/anatomy/README.md 1.2) */
static const char *const k_units[MK_RP_COUNT] = {
    "1", "1", "1", "1", "1", "1/height", "1", "1", "1", "1", "1", "1"};
static const char *const k_header[] = {"name", "value", "unit", "min", "max", "fit", "source",
                                       "description"};
enum { N_COLS = 8, FIELD_MAX = MK_CSV_FIELD };

const char *mk_rp_name(int i) { return i >= 0 && i < MK_RP_COUNT ? k_names[i] : "?"; }
const char *mk_rp_unit(int i) { return i >= 0 && i < MK_RP_COUNT ? k_units[i] : "?"; }

int mk_rp_index(const char *name)
{
    for (int i = 0; i < MK_RP_COUNT; i++)
        if (!strcmp(k_names[i], name)) return i;
    return -1;
}

/* One CSV record (RFC 4180: quoted fields may hold commas and ""), its fields' starting
 * columns in col[].  Returns the number of fields, or -1 for an unterminated quote / a
 * field longer than FIELD_MAX (*bad_col says where). */
int mk_body_csv_record(const char **pos, char (*f)[MK_CSV_FIELD], int *col, int max, int *bad_col)
{
    const char *p = *pos, *line = p;
    int n = 0;
    for (;;) {
        if (n == max) {
            *bad_col = (int)(p - line) + 1;
            return -2;
        }
        size_t len = 0;
        col[n] = (int)(p - line) + 1;
        int quoted = *p == '"';
        if (quoted) {
            p++;
            for (;;) {
                if (!*p || *p == '\n') {
                    *bad_col = col[n];
                    return -1;
                }
                if (*p == '"' && p[1] != '"') break;
                if (*p == '"') p++;
                if (len + 1 >= FIELD_MAX) {
                    *bad_col = col[n];
                    return -1;
                }
                f[n][len++] = *p++;
            }
            p++;
        }
        while (*p && *p != ',' && *p != '\n' && *p != '\r') {
            if (len + 1 >= FIELD_MAX) {
                *bad_col = col[n];
                return -1;
            }
            f[n][len++] = *p++;
        }
        f[n][len] = 0;
        n++;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == '\r') p++;
        if (*p == '\n') p++;
        break;
    }
    *pos = p;
    return n;
}

static int parse_number(const char *s, double *out)
{
    char *end;
    if (!*s) return -1;
    double v = strtod(s, &end);
    if (*end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

/* check one data row (fields f, columns col) and store it */
static mk_status row(const char *file, int line, char (*f)[FIELD_MAX], const int *col,
                     mk_referral_params *out, int *seen, mk_error *err)
{
    int i = mk_rp_index(f[0]);
    if (i < 0) {
        const char *hint = mk_suggest(f[0], k_names, MK_RP_COUNT);
        return mk_fail_at(err, MK_ERR_NAME, file, line, col[0],
                          "unknown referral parameter '%s'%s%s%s (expected one of k_derm, k_tcc, "
                          "k_trig, k_adj, k_spread, b_distal, k_att, k_mid, k_cross, gain, gamma, k_norm)",
                          f[0], hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
    }
    if (seen[i])
        return mk_fail_at(err, MK_ERR_NAME, file, line, col[0],
                          "referral parameter '%s' given twice (first on line %d)", f[0], seen[i]);
    seen[i] = line;
    double v[3];
    static const char *const what[3] = {"value", "min", "max"};
    const int idx[3] = {1, 3, 4};
    for (int k = 0; k < 3; k++)
        if (parse_number(f[idx[k]], &v[k]))
            return mk_fail_at(err, MK_ERR_SYNTAX, file, line, col[idx[k]],
                              "%s of '%s': expected a finite number, found '%s'", what[k], f[0], f[idx[k]]);
    if (strcmp(f[2], k_units[i]))
        return mk_fail_at(err, MK_ERR_UNIT, file, line, col[2], "unit of '%s': expected '%s', found '%s'",
                          f[0], k_units[i], f[2]);
    if (!(v[1] < v[2]))
        return mk_fail_at(err, MK_ERR_INVALID, file, line, col[3], "range of '%s': min %g must be below max %g",
                          f[0], v[1], v[2]);
    if (v[0] < v[1] || v[0] > v[2])
        return mk_fail_at(err, MK_ERR_INVALID, file, line, col[1], "'%s' = %g is outside its range [%g, %g]",
                          f[0], v[0], v[1], v[2]);
    if (strcmp(f[5], "yes") && strcmp(f[5], "no"))
        return mk_fail_at(err, MK_ERR_SYNTAX, file, line, col[5], "fit of '%s': expected yes or no, found '%s'",
                          f[0], f[5]);
    if (!f[6][0])
        return mk_fail_at(err, MK_ERR_INVALID, file, line, col[6], "'%s' has no source (write 'assumed' and why)",
                          f[0]);
    out->value[i] = v[0];
    out->min[i] = v[1];
    out->max[i] = v[2];
    out->fit[i] = !strcmp(f[5], "yes");
    return MK_OK;
}

static mk_status parse(const char *file, const char *text, char (*f)[FIELD_MAX], mk_referral_params *out,
                       mk_error *err)
{
    int col[N_COLS + 1], seen[MK_RP_COUNT] = {0}, bad = 0, line = 1;
    const char *p = text;
    int n = mk_body_csv_record(&p, f, col, N_COLS + 1, &bad);
    if (n < 0) return mk_fail_at(err, MK_ERR_SYNTAX, file, 1, bad, "malformed header");
    for (int k = 0; k < N_COLS; k++)
        if (k >= n || strcmp(f[k], k_header[k]))
            return mk_fail_at(err, MK_ERR_SYNTAX, file, 1, k < n ? col[k] : (n ? col[n - 1] : 1),
                              "header column %d: expected '%s', found '%s' (the header is "
                              "name,value,unit,min,max,fit,source,description)",
                              k + 1, k_header[k], k < n ? f[k] : "");
    if (n > N_COLS)
        return mk_fail_at(err, MK_ERR_SYNTAX, file, 1, col[N_COLS], "unexpected column '%s' after 'description'",
                          f[N_COLS]);
    while (*p) {
        line++;
        const char *start = p;
        n = mk_body_csv_record(&p, f, col, N_COLS + 1, &bad);
        if (n == -1) return mk_fail_at(err, MK_ERR_SYNTAX, file, line, bad, "unterminated or overlong field");
        if (n == -2 || n > N_COLS)
            return mk_fail_at(err, MK_ERR_SYNTAX, file, line, n == -2 ? bad : col[N_COLS],
                              "more than %d fields (quote a field that holds a comma)", N_COLS);
        if (n == 1 && !f[0][0]) continue; /* blank line */
        if (n < N_COLS)
            return mk_fail_at(err, MK_ERR_SYNTAX, file, line, (int)(p - start),
                              "%d fields, expected %d (name,value,unit,min,max,fit,source,description)", n,
                              N_COLS);
        mk_status rc = row(file, line, f, col, out, seen, err);
        if (rc) return rc;
    }
    for (int i = 0; i < MK_RP_COUNT; i++)
        if (!seen[i])
            return mk_fail_at(err, MK_ERR_NAME, file, line, 1, "referral parameter '%s' is missing", k_names[i]);
    return MK_OK;
}

mk_status mk_referral_params_parse(const char *file_name, const char *text, mk_referral_params *out,
                                   mk_error *err)
{
    memset(out, 0, sizeof *out);
    char (*f)[FIELD_MAX] = mk_calloc(N_COLS + 1, sizeof *f);
    if (!f) return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_referral_params p;
    memset(&p, 0, sizeof p);
    mk_status rc = parse(file_name, text, f, &p, err);
    free(f);
    if (!rc) *out = p;
    return rc;
}

mk_status mk_referral_params_default(mk_referral_params *out, mk_error *err)
{
    return mk_referral_params_parse("data/anatomy/referral_params.csv", mk_anatomy_referral_params_csv, out,
                                    err);
}

mk_status mk_referral_params_load_file(const char *path, mk_referral_params *out, mk_error *err)
{
    static const mk_text_kind kind = {"a referral parameter file", 1 << 20, NULL, NULL};
    char *text = NULL;
    memset(out, 0, sizeof *out);
    mk_status rc = mk_read_text_file(path, &kind, &text, NULL, err);
    if (rc) return rc;
    rc = mk_referral_params_parse(path, text, out, err);
    free(text);
    return rc;
}
