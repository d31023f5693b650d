/*
 * units.h -- units of measure for the model language and scenarios (internal).
 *
 * UDUNITS-2 knows SI and most of physiology, but reads a few of our field's idioms wrongly or
 * not at all.  This module owns one ut_system per mk_units handle, extends it, and parses unit
 * expressions with a small grammar of its own on top of UDUNITS' single-unit parser:
 *
 *   expr   := factor { ('/' | '*' | '.' | middle dot | blank) factor }
 *   factor := [number] atom [exponent] | number | '(' expr ')' [exponent]
 *
 * A number written before a unit binds to it ("mL/100g/min" is mL / (100 g) / min, as
 * clinicians mean it; UDUNITS alone reads (mL/100)·g/min).  Division and multiplication are
 * left-associative.
 */
#ifndef MK_LANG_UNITS_H
#define MK_LANG_UNITS_H

#include <udunits2.h>

#include "myoknot.h"

struct mk_units {
    ut_system *sys;
    ut_unit *one;     /* dimensionless */
    ut_unit *second;  /* the unit of time inside the simulator */
};

/* Parse unit text.  On failure returns MK_ERR_UNIT (or MK_ERR_NOMEM when UDUNITS ran out of
 * memory) and writes a reason (no location) to why. */
mk_status mk_units_parse(mk_units *u, const char *text, ut_unit **out, char *why, size_t why_size);

/* Whether the UDUNITS call that just failed ran out of memory (its status UT_OS), so that
 * the caller reports MK_ERR_NOMEM instead of blaming the unit.  Read it right after the call. */
int mk_units_out_of_memory(void);

/* The coherent SI unit of u: the product of base units with scale and offset stripped.
 * Values inside generated code live in these units, so a product of values is the value of
 * the product.  Returns NULL for units that have no such form (logarithmic, timestamps), or
 * when UDUNITS ran out of memory, which *out_of_memory (if not NULL) then says. */ut_unit *mk_units_canonical(mk_units *u, const ut_unit *unit, int *out_of_memory);

/* value_in_to = scale * value_in_from + offset.  Returns 0 if not convertible. */
int mk_units_affine(const ut_unit *from, const ut_unit *to, double *scale, double *offset);

/* 1 if a and b have the same dimension. */
int mk_units_same_dimension(const ut_unit *a, const ut_unit *b);
int mk_units_is_dimensionless(mk_units *u, const ut_unit *unit);

/* The unit in UDUNITS' ASCII symbol form, e.g. "m-3.mol.s-1"; "1" when dimensionless. */
void mk_units_format(const ut_unit *unit, char *buf, size_t size);

#endif
