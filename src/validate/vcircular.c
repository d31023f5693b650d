/*
 * vcircular.c -- is a validation target circular against a model?  (docs/validation.md, "Roles")
 *
 * A target cannot validate a model whose parameters were set from the very number it tests.
 * The model says where each parameter comes from (its `source` text), so the check reads those
 * texts against the target's citation.  A parameter makes the target circular when its source
 *   1. cites the same publication (an author name within 40 characters before the same year) and
 *      quotes one of the target's numbers (a number of the target's `source` text or its
 *      published value or range; years and section numbers do not count), unless the parameter
 *      says its own value is assumed ("value assumed", "gain assumed"): then the paper is cited
 *      for a direction, not for a number;
 *   2. or says it was calibrated ("calibrat...") to a number within 2 % of the published value
 *      in the published unit ("near 270 kPa" for a published 269 kPa);
 *   3. or names the same validation target of the dossier ("VT6", "§9 target 4" against
 *      "section 9 target 4").
 * And the initial value of a state makes a target circular when the target reads that state
 * (a series statistic of it) and the published value is the state's starting value (within 2 %):
 * the model starts at the answer.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate/validate.h"

enum { MAX_NUMS = 48, WINDOW = 40 };

static int is_year(double x) { return x >= 1900 && x <= 2099 && x == floor(x); }

/* The numbers written in text: not years, not section or target numbers ("section 6.1", "§6.1",
 * "target 4", "VT19"), not parts of names ("5-HT", "31P", "PO2").  Returns how many. */
static int numbers_in(const char *text, double *out, int max)
{
    int n = 0;
    const char *p = text, *ref_end = NULL; /* the end of the last section/target number */
    while (*p && n < max) {
        if (!isdigit((unsigned char)*p) || (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == '_'))) {
            p++;
            continue;
        }
        char *end;
        double x = strtod(p, &end);
        int named = isalpha((unsigned char)*end) || (*end == '-' && isalpha((unsigned char)end[1]));
        int ref = 0;
        static const char *const refs[] = {"section ", "sections ", "\xc2\xa7", "target ", "Table ", "table ", NULL};
        for (int k = 0; refs[k]; k++) {
            size_t l = strlen(refs[k]);
            if ((size_t)(p - text) >= l && !strncmp(p - l, refs[k], l)) ref = 1;
        }
        /* "sections 7.1, 7.4 and 7.7": the list continues */
        if (ref_end && ((p - ref_end == 2 && !strncmp(ref_end, ", ", 2)) || (p - ref_end == 5 && !strncmp(ref_end, " and ", 5))))
            ref = 1;
        if (!named && !ref && !is_year(x) && isfinite(x)) out[n++] = x;
        ref_end = ref ? end : NULL;
        p = end > p ? end : p + 1;
    }
    return n;
}

static int is_stop_word(const char *w, size_t l)
{
    static const char *const stop[] = {"The", "See", "TP", "NC", "MODEL", "In", "And", "Table", "PPT", "MRE",
                                       "MRS", "HS", "IC", "DN", "TrP", "TrPs", "UT", "VAS", "NRS", NULL};
    for (int k = 0; stop[k]; k++)
        if (strlen(stop[k]) == l && !strncmp(stop[k], w, l)) return 1;
    return 0;
}

/* Does psrc cite year y with an author word taken from the WINDOW characters of tsrc before
 * position at?  word receives the author found. */
static int cites_same(const char *tsrc, size_t at, const char *psrc, const char *year, char *word, size_t wsize)
{
    size_t from = at > WINDOW ? at - WINDOW : 0;
    for (size_t i = from; i < at; i++) {
        if (!isupper((unsigned char)tsrc[i]) || (i > 0 && isalpha((unsigned char)tsrc[i - 1]))) continue;
        size_t l = 0;
        while (i + l < at && (isalpha((unsigned char)tsrc[i + l]) || tsrc[i + l] == '-' || tsrc[i + l] == '\'')) l++;
        if (l < 3 || is_stop_word(tsrc + i, l)) continue;
        /* the same author before the same year in the parameter's source */
        for (const char *y = strstr(psrc, year); y; y = strstr(y + 1, year)) {
            if ((y > psrc && isdigit((unsigned char)y[-1])) || isdigit((unsigned char)y[4])) continue;
            size_t yo = (size_t)(y - psrc), pf = yo > WINDOW ? yo - WINDOW : 0;
            for (size_t j = pf; j + l <= yo; j++)
                if (!strncmp(psrc + j, tsrc + i, l) && (j == 0 || !isalpha((unsigned char)psrc[j - 1])) &&
                    !isalpha((unsigned char)psrc[j + l])) {
                    snprintf(word, wsize, "%.*s %s", (int)l, tsrc + i, year);
                    return 1;
                }
        }
    }
    return 0;
}

static int same_number(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(1, fabs(a)); }

/* Rule 1: same publication and a shared number. */
static int rule_same_paper(const char *tsrc, const double *tn, int ntn, const char *psrc, char *why, size_t size)
{
    if (strstr(psrc, "value assumed") || strstr(psrc, "gain assumed")) return 0;
    double pn[MAX_NUMS];
    int npn = numbers_in(psrc, pn, MAX_NUMS);
    for (const char *p = tsrc; *p; p++) {
        if (!isdigit((unsigned char)*p) || (p > tsrc && isalnum((unsigned char)p[-1])) || !isdigit((unsigned char)p[1]) ||
            !isdigit((unsigned char)p[2]) || !isdigit((unsigned char)p[3]) || isdigit((unsigned char)p[4]))
            continue;
        char year[5];
        memcpy(year, p, 4);
        year[4] = 0;
        if (!is_year(atof(year))) continue;
        char who[64];
        if (!cites_same(tsrc, (size_t)(p - tsrc), psrc, year, who, sizeof who)) continue;
        for (int i = 0; i < ntn; i++)
            for (int j = 0; j < npn; j++)
                if (same_number(tn[i], pn[j])) {
                    snprintf(why, size, "cites %s and its number %g", who, tn[i]);
                    return 1;
                }
    }
    return 0;
}

/* Rule 2: calibrated to the published value in the published unit. */
static int rule_calibrated_value(const char *psrc, double value, const char *unit, char *why, size_t size)
{
    if (!strstr(psrc, "calibrat") || !isfinite(value) || value == 0 || !unit[0] || !strcmp(unit, "1") ||
        !strcmp(unit, "0-10") || !strcmp(unit, "%"))
        return 0;
    size_t ul = strlen(unit);
    for (const char *p = psrc; *p; p++) {
        if (!isdigit((unsigned char)*p) || (p > psrc && (isalnum((unsigned char)p[-1]) || p[-1] == '.'))) continue;
        char *end;
        double x = strtod(p, &end);
        if (*end == ' ' && !strncmp(end + 1, unit, ul) && !isalnum((unsigned char)end[1 + ul]) &&
            fabs(x - value) <= 0.02 * fabs(value)) {
            snprintf(why, size, "calibrated to %g %s (published %g %s)", x, unit, value, unit);
            return 1;
        }
        p = end > p ? end - 1 : p;
    }
    return 0;
}

/* Rule 3: the same dossier validation target ("VT6"; "section 9 target 4" = "§9 target 4"). */
static int rule_same_vt(const char *tsrc, const char *psrc, char *why, size_t size)
{
    for (const char *p = strstr(tsrc, "VT"); p; p = strstr(p + 2, "VT")) {
        if (!isdigit((unsigned char)p[2])) continue;
        int n = atoi(p + 2);
        char id[16];
        snprintf(id, sizeof id, "VT%d", n);
        for (const char *q = strstr(psrc, id); q; q = strstr(q + 1, id))
            if (!isdigit((unsigned char)q[strlen(id)])) {
                snprintf(why, size, "names the same validation target %s", id);
                return 1;
            }
    }
    for (const char *p = strstr(tsrc, "section 9 target "); p; p = strstr(p + 1, "section 9 target ")) {
        int n = atoi(p + 17);
        char id[32];
        snprintf(id, sizeof id, "\xc2\xa7" "9 target %d", n);
        for (const char *q = strstr(psrc, id); q; q = strstr(q + 1, id))
            if (!isdigit((unsigned char)q[strlen(id)])) {
                snprintf(why, size, "names the same validation target (tissue-physiology section 9 target %d)", n);
                return 1;
            }
    }
    return 0;
}

int mk_vcircular(const char *tsrc, double value, double lo, double hi, const char *unit, const char *state_var,
                 const mk_model_abi *abi, char *why, size_t size)
{
    if (size) why[0] = 0;
    if (!abi || !tsrc) return 0;
    double tn[MAX_NUMS + 3];
    int ntn = numbers_in(tsrc, tn, MAX_NUMS);
    if (isfinite(value)) tn[ntn++] = value;
    if (isfinite(lo)) tn[ntn++] = lo;
    if (isfinite(hi)) tn[ntn++] = hi;
    int found = 0;
    size_t len = 0;
    for (int i = 0; i < abi->n_params; i++) {
        const mk_symbol *p = &abi->params[i];
        if (!p->source) continue;
        char one[200];
        if (rule_same_paper(tsrc, tn, ntn, p->source, one, sizeof one) ||
            rule_calibrated_value(p->source, value, unit, one, sizeof one) || rule_same_vt(tsrc, p->source, one, sizeof one)) {
            if (len < size)
                len += (size_t)snprintf(why + len, size - len, "%s%s %s", found ? "; " : "", p->name, one);
            found++;
        }
    }
    if (state_var && state_var[0] && isfinite(value) && value != 0)
        for (int i = 0; i < abi->n_states; i++) {
            const mk_symbol *s = &abi->states[i];
            if (strcmp(s->name, state_var) || !s->unit || strcmp(s->unit, unit)) continue;
            if (fabs(s->value - value) <= 0.02 * fabs(value)) {
                if (len < size)
                    len += (size_t)snprintf(why + len, size - len, "%sthe state %s starts at %g %s, the published value",
                                            found ? "; " : "", s->name, s->value, unit);
                found++;
            }
        }
    return found;
}
