/*
 * stats.h -- the statistics of a two-arm comparison, as trial reports give them.
 *
 *   mean difference  md = mean(a) - mean(b), 95 % interval md +- t(0.975, df) se with the
 *                    Welch-Satterthwaite df and se = sqrt(va/na + vb/nb)
 *   Welch p          two-sided, t = md / se on df (Welch 1947)
 *   Hedges' g        d = md / s_pooled, g = J d with J = 1 - 3 / (4 (na + nb) - 9); its 95 %
 *                    interval g +- 1.96 se_g, se_g = sqrt((na + nb)/(na nb) + g^2/(2 (na + nb)))
 *                    (Hedges & Olkin 1985; Borenstein et al. 2009, eq. 4.18-4.24)
 *
 * Everything is summed in index order, so the same values give the same bits.  Undefined
 * quantities (fewer than two values in an arm, no spread) are NaN.
 */
#ifndef MK_COHORT_STATS_H
#define MK_COHORT_STATS_H

typedef struct mk_stat_sample {
    int n;
    double mean, sd; /* sd with n - 1 */
} mk_stat_sample;

typedef struct mk_stat_cmp {
    mk_stat_sample a, b;
    double md, md_lo, md_hi;
    double smd, smd_lo, smd_hi;
    double df, t, p;
} mk_stat_cmp;

/* Over the finite values of x[0..n) (NaN entries are skipped: missing). */
void mk_stat_describe(const double *x, int n, mk_stat_sample *out);
void mk_stat_compare(const double *a, int na, const double *b, int nb, mk_stat_cmp *out);
/* From summaries (the same formulas; for tests and for published arms). */
void mk_stat_compare_summary(const mk_stat_sample *a, const mk_stat_sample *b, mk_stat_cmp *out);

#endif
