/* numfmt.h -- fast formatting of numbers for long tables (series.csv). */
#ifndef MK_CORE_NUMFMT_H
#define MK_CORE_NUMFMT_H

#include <stddef.h>

/* Room for any result of mk_fmt_g10, its NUL included. */
#define MK_FMT_G10_SIZE 32

/* v as printf's "%.10g" writes it, byte for byte (the C library's rounding and its
 * exponent form), into out (MK_FMT_G10_SIZE bytes); returns the length.  About ten times
 * faster than snprintf for the values of a simulation: one multiplication gives the ten
 * digits and only a value within 1e-4 of a rounding tie at the tenth digit, a subnormal or a
 * very large or small exponent, a NaN or an infinity falls back to snprintf. */
size_t mk_fmt_g10(double v, char *out);

#endif
