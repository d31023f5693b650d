/*
 * numfmt.c -- "%.10g" without printf for the common case.
 *
 * Writing series.csv was dominated by printf's exact decimal conversion (multi-precision
 * arithmetic for every number).  Ten significant digits of a double need no such thing: with
 * m = |v| * 10^k scaled into [1e9, 1e10) by one correctly rounded multiplication or division
 * by an exact power of ten (10^0 .. 10^22 are exact doubles), m differs from the exact
 * product by at most half an ulp, under 2e-6.  Rounding m to an integer then gives the same
 * ten digits as printf's exact conversion unless the exact product lies within that error of
 * a tie (x.5); such values, about 1 in 5000, go to snprintf, as does everything outside the
 * range of exact powers.  tests/core/test_numfmt.c compares the two on millions of values.
 */
#include "core/numfmt.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const double k_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static size_t slow(double v, char *out)
{
    int n = snprintf(out, MK_FMT_G10_SIZE, "%.10g", v);
    return n > 0 ? (size_t)n : 0;
}

/* |v| scaled by 10^k, or -1 when 10^|k| is not an exact double */
static double scaled(double a, int k)
{
    if (k > 22 || k < -22) return -1.0;
    return k >= 0 ? a * k_pow10[k] : a / k_pow10[-k];
}

/* printf's %g layout of the digits d[0..nd) (no trailing zeros) with decimal exponent x */
static size_t layout(char *out, size_t n, const char *d, int nd, int x)
{
    if (x < -4 || x >= 10) { /* d.ddde+XX */
        out[n++] = d[0];
        if (nd > 1) {
            out[n++] = '.';
            memcpy(out + n, d + 1, (size_t)nd - 1);
            n += (size_t)nd - 1;
        }
        out[n++] = 'e';
        out[n++] = x < 0 ? '-' : '+';
        int ax = x < 0 ? -x : x;
        if (ax >= 100) out[n++] = (char)('0' + ax / 100);
        out[n++] = (char)('0' + ax / 10 % 10);
        out[n++] = (char)('0' + ax % 10);
    } else if (x >= 0) { /* ddd.ddd, the point after x + 1 digits */
        for (int i = 0; i <= x; i++) out[n++] = i < nd ? d[i] : '0';
        if (nd > x + 1) {
            out[n++] = '.';
            memcpy(out + n, d + x + 1, (size_t)(nd - x - 1));
            n += (size_t)(nd - x - 1);
        }
    } else { /* 0.000ddd */
        out[n++] = '0';
        out[n++] = '.';
        for (int i = -1; i > x; i--) out[n++] = '0';
        memcpy(out + n, d, (size_t)nd);
        n += (size_t)nd;
    }
    out[n] = '\0';
    return n;
}

size_t mk_fmt_g10(double v, char *out)
{
    if (v == 0.0) {
        strcpy(out, signbit(v) ? "-0" : "0");
        return strlen(out);
    }
    double a = fabs(v);
    if (!isfinite(v) || a < 1e-290 || a > 1e290) return slow(v, out);
    int k = 9 - (int)floor(log10(a));
    double m = scaled(a, k);
    /* log10 may be one off near a power of ten: bring m into [1e9, 1e10) */
    if (m >= 0.0 && m < 1e9) m = scaled(a, ++k);
    else if (m >= 1e10) m = scaled(a, --k);
    if (m < 1e9 || m >= 1e10) return slow(v, out);
    double fl = floor(m), frac = m - fl; /* both exact: m < 2^34 */
    if (fabs(frac - 0.5) < 1e-4) return slow(v, out); /* too near a tie to decide here */
    uint64_t dig = (uint64_t)fl + (frac > 0.5);
    int x = 9 - k; /* decimal exponent of the first digit */
    if (dig == 10000000000u) {
        dig = 1000000000u;
        x++;
    }
    char d[10];
    for (int i = 9; i >= 0; i--, dig /= 10) d[i] = (char)('0' + dig % 10);
    int nd = 10;
    while (nd > 1 && d[nd - 1] == '0') nd--;
    size_t n = 0;
    if (v < 0) out[n++] = '-';
    return layout(out, n, d, nd, x);
}
