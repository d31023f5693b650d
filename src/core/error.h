/* error.h -- filling an mk_error from inside the library. */
#ifndef MK_CORE_ERROR_H
#define MK_CORE_ERROR_H

#include "myoknot.h"

/* Set err (if non-NULL) and return code, so callers can write `return mk_fail(...)`. */
mk_status mk_fail(mk_error *err, mk_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, naming a place in an input file (line, column 1-based). */
mk_status mk_fail_at(mk_error *err, mk_status code, const char *file, int line, int column,
                     const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void mk_error_clear(mk_error *err);
/* Attribute a filled error to an origin (mk_fail and mk_fail_at reset it to
 * MK_ORIGIN_LIBRARY); returns err->code, or code when err is NULL. */
mk_status mk_error_from(mk_error *err, mk_origin origin, mk_status code);

#endif
