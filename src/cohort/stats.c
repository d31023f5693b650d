/* stats.c -- mean difference, Hedges' g and Welch's test (stats.h). */
#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "cohort/stats.h"

void mk_stat_describe(const double *x, int n, mk_stat_sample *out)
{
    double sum = 0;
    int k = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(x[i])) sum += x[i], k++;
    out->n = k;
    out->mean = k ? sum / k : NAN;
    double ss = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(x[i])) ss += (x[i] - out->mean) * (x[i] - out->mean);
    out->sd = k > 1 ? sqrt(ss / (k - 1)) : NAN;
}

void mk_stat_compare_summary(const mk_stat_sample *a, const mk_stat_sample *b, mk_stat_cmp *o)
{
    memset(o, 0, sizeof *o);
    o->a = *a;
    o->b = *b;
    o->md = a->mean - b->mean;
    o->md_lo = o->md_hi = o->smd = o->smd_lo = o->smd_hi = o->df = o->t = o->p = NAN;
    if (a->n < 2 || b->n < 2) return;
    double va = a->sd * a->sd / a->n, vb = b->sd * b->sd / b->n, se = sqrt(va + vb);
    if (se > 0) {
        o->df = (va + vb) * (va + vb) / (va * va / (a->n - 1) + vb * vb / (b->n - 1));
        o->t = o->md / se;
        o->p = 2 * gsl_cdf_tdist_Q(fabs(o->t), o->df);
        double q = gsl_cdf_tdist_Qinv(0.025, o->df);
        o->md_lo = o->md - q * se;
        o->md_hi = o->md + q * se;
    }
    int n = a->n + b->n;
    double sp = sqrt(((a->n - 1) * a->sd * a->sd + (b->n - 1) * b->sd * b->sd) / (n - 2));
    if (sp > 0) {
        double g = (1 - 3.0 / (4.0 * n - 9)) * o->md / sp;
        double se_g = sqrt((double)n / ((double)a->n * b->n) + g * g / (2.0 * n));
        double z = gsl_cdf_ugaussian_Qinv(0.025);
        o->smd = g;
        o->smd_lo = g - z * se_g;
        o->smd_hi = g + z * se_g;
    }
}

void mk_stat_compare(const double *a, int na, const double *b, int nb, mk_stat_cmp *out)
{
    mk_stat_sample sa, sb;
    mk_stat_describe(a, na, &sa);
    mk_stat_describe(b, nb, &sb);
    mk_stat_compare_summary(&sa, &sb, out);
}
