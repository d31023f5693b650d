/* error.c -- errors travel as codes with messages; the library never prints. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

void mk_error_clear(mk_error *err)
{
    if (!err) return;
    memset(err, 0, sizeof *err);
}

static mk_status vfail(mk_error *err, mk_status code, const char *file, int line, int column,
                       const char *fmt, va_list ap)
{
    if (!err) return code;
    err->code = code;
    err->origin = MK_ORIGIN_LIBRARY;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->column = column;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    return code;
}

mk_status mk_error_from(mk_error *err, mk_origin origin, mk_status code)
{
    if (!err) return code;
    err->origin = origin;
    return err->code;
}

const char *mk_origin_name(mk_origin origin)
{
    switch (origin) {
    case MK_ORIGIN_LIBRARY: return "library";
    case MK_ORIGIN_OVERRIDE: return "override";
    case MK_ORIGIN_ARGUMENT: return "argument";
    }
    return "unknown";
}

mk_status mk_fail(mk_error *err, mk_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(err, code, NULL, 0, 0, fmt, ap);
    va_end(ap);
    return code;
}

mk_status mk_fail_at(mk_error *err, mk_status code, const char *file, int line, int column,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(err, code, file, line, column, fmt, ap);
    va_end(ap);
    return code;
}

const char *mk_error_format(const mk_error *err, char *buf, size_t size)
{
    if (!buf || size == 0) return buf;
    if (!err) {
        snprintf(buf, size, "no error");
    } else if (err->file[0] && err->line > 0 && err->column > 0) {
        snprintf(buf, size, "%s:%d:%d: %s", err->file, err->line, err->column, err->message);
    } else if (err->file[0] && err->line > 0) {
        snprintf(buf, size, "%s:%d: %s", err->file, err->line, err->message);
    } else if (err->file[0]) {
        snprintf(buf, size, "%s: %s", err->file, err->message);
    } else {
        snprintf(buf, size, "%s", err->message);
    }
    return buf;
}

const char *mk_status_name(mk_status code)
{
    switch (code) {
    case MK_OK: return "ok";
    case MK_ERR_NOMEM: return "out of memory";
    case MK_ERR_IO: return "input/output error";
    case MK_ERR_SYNTAX: return "syntax error";
    case MK_ERR_UNIT: return "unit error";
    case MK_ERR_NAME: return "name error";
    case MK_ERR_CYCLE: return "dependency cycle";
    case MK_ERR_MODEL: return "model error";
    case MK_ERR_COMPILE: return "compile error";
    case MK_ERR_SOLVER: return "solver error";
    case MK_ERR_INVALID: return "invalid argument";
    }
    return "unknown error";
}

const char *mk_version(void) { return MK_VERSION; }
