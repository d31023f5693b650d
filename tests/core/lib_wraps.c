/*
 * lib_wraps.c -- failing versions of the library calls that allocate, for test_libfaults.
 *
 * libmyoknot is a static library, so linking the test with -Wl,--wrap=NAME (tests/
 * CMakeLists.txt) sends libmyoknot's own calls of NAME here.  After n successful calls of any
 * of them, every later one fails the way the library documents for an allocation failure:
 * SUNDIALS constructors return NULL, CVodeInit CV_MEM_FAIL, CVodeSetLinearSolver
 * CVLS_MEM_FAIL; UDUNITS returns NULL (or UT_OS) with ut_get_status() == UT_OS; libyaml
 * returns 0 with parser->error == YAML_MEMORY_ERROR; PLplot's plinit calls plexit with
 * "Insufficient memory", as its allocation checks do.  So libmyoknot's handling of each
 * library error return is exercised, not just read.
 */
#include <stddef.h>
#include <string.h>

#include <cvode/cvode.h>
#include <cvode/cvode_ls.h>
#include <nvector/nvector_serial.h>
#include <plplot.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <udunits2.h>
#include <yaml.h>

#include "lib_wraps.h"

static long g_countdown = -1, g_failures;

void lib_fail_after(long n)
{
    g_countdown = n;
    g_failures = 0;
}

long lib_failures(void) { return g_failures; }

static int fail_now(void)
{
    if (g_countdown < 0) return 0;
    if (g_countdown == 0) {
        g_failures++;
        return 1;
    }
    g_countdown--;
    return 0;
}

/* ---------------------------------------------------------------- SUNDIALS */

int __real_SUNContext_Create(void *comm, SUNContext *ctx);
int __wrap_SUNContext_Create(void *comm, SUNContext *ctx)
{
    if (fail_now()) return -1;
    return __real_SUNContext_Create(comm, ctx);
}

N_Vector __real_N_VMake_Serial(sunindextype n, realtype *v, SUNContext ctx);
N_Vector __wrap_N_VMake_Serial(sunindextype n, realtype *v, SUNContext ctx)
{
    return fail_now() ? NULL : __real_N_VMake_Serial(n, v, ctx);
}

void *__real_CVodeCreate(int lmm, SUNContext ctx);
void *__wrap_CVodeCreate(int lmm, SUNContext ctx)
{
    return fail_now() ? NULL : __real_CVodeCreate(lmm, ctx);
}

SUNMatrix __real_SUNDenseMatrix(sunindextype m, sunindextype n, SUNContext ctx);
SUNMatrix __wrap_SUNDenseMatrix(sunindextype m, sunindextype n, SUNContext ctx)
{
    return fail_now() ? NULL : __real_SUNDenseMatrix(m, n, ctx);
}

SUNLinearSolver __real_SUNLinSol_Dense(N_Vector y, SUNMatrix a, SUNContext ctx);
SUNLinearSolver __wrap_SUNLinSol_Dense(N_Vector y, SUNMatrix a, SUNContext ctx)
{
    return fail_now() ? NULL : __real_SUNLinSol_Dense(y, a, ctx);
}

int __real_CVodeInit(void *mem, CVRhsFn f, realtype t0, N_Vector y0);
int __wrap_CVodeInit(void *mem, CVRhsFn f, realtype t0, N_Vector y0)
{
    return fail_now() ? CV_MEM_FAIL : __real_CVodeInit(mem, f, t0, y0);
}

int __real_CVodeSetLinearSolver(void *mem, SUNLinearSolver ls, SUNMatrix a);
int __wrap_CVodeSetLinearSolver(void *mem, SUNLinearSolver ls, SUNMatrix a)
{
    return fail_now() ? CVLS_MEM_FAIL : __real_CVodeSetLinearSolver(mem, ls, a);
}

/* ---------------------------------------------------------------- UDUNITS */

#define UT_NULL_WRAP(ret, name, params, args)    \
    ret __real_##name params;                    \
    ret __wrap_##name params                     \
    {                                            \
        if (fail_now()) {                        \
            ut_set_status(UT_OS);                \
            return NULL;                         \
        }                                        \
        return __real_##name args;               \
    }

UT_NULL_WRAP(ut_system *, ut_read_xml, (const char *path), (path))
UT_NULL_WRAP(ut_unit *, ut_parse, (const ut_system *s, const char *t, ut_encoding e), (s, t, e))
UT_NULL_WRAP(cv_converter *, ut_get_converter, (ut_unit * from, ut_unit *to), (from, to))
UT_NULL_WRAP(ut_unit *, ut_clone, (const ut_unit *u), (u))
UT_NULL_WRAP(ut_unit *, ut_multiply, (const ut_unit *a, const ut_unit *b), (a, b))
UT_NULL_WRAP(ut_unit *, ut_divide, (const ut_unit *a, const ut_unit *b), (a, b))
UT_NULL_WRAP(ut_unit *, ut_raise, (const ut_unit *u, int p), (u, p))
UT_NULL_WRAP(ut_unit *, ut_root, (const ut_unit *u, int r), (u, r))
UT_NULL_WRAP(ut_unit *, ut_scale, (double f, const ut_unit *u), (f, u))
UT_NULL_WRAP(ut_unit *, ut_new_base_unit, (ut_system * s), (s))

ut_status __real_ut_map_name_to_unit(const char *name, ut_encoding e, const ut_unit *u);
ut_status __wrap_ut_map_name_to_unit(const char *name, ut_encoding e, const ut_unit *u)
{
    if (fail_now()) {
        ut_set_status(UT_OS);
        return UT_OS;
    }
    return __real_ut_map_name_to_unit(name, e, u);
}

ut_status __real_ut_map_symbol_to_unit(const char *sym, ut_encoding e, const ut_unit *u);
ut_status __wrap_ut_map_symbol_to_unit(const char *sym, ut_encoding e, const ut_unit *u)
{
    if (fail_now()) {
        ut_set_status(UT_OS);
        return UT_OS;
    }
    return __real_ut_map_symbol_to_unit(sym, e, u);
}

/* ---------------------------------------------------------------- libyaml */

int __real_yaml_parser_initialize(yaml_parser_t *p);
int __wrap_yaml_parser_initialize(yaml_parser_t *p)
{
    if (fail_now()) {
        memset(p, 0, sizeof *p);
        p->error = YAML_MEMORY_ERROR;
        return 0;
    }
    return __real_yaml_parser_initialize(p);
}

int __real_yaml_parser_parse(yaml_parser_t *p, yaml_event_t *ev);
int __wrap_yaml_parser_parse(yaml_parser_t *p, yaml_event_t *ev)
{
    if (fail_now()) {
        memset(ev, 0, sizeof *ev);
        p->error = YAML_MEMORY_ERROR; /* as yaml_parser_parse sets it when malloc fails */
        p->problem = NULL;
        return 0;
    }
    return __real_yaml_parser_parse(p, ev);
}

/* ---------------------------------------------------------------- PLplot */

/* plexit is PLplot's (exported, declared only in its private header plplotP.h) */
void plexit(PLCHAR_VECTOR errormsg);

/* plinit is a macro for c_plinit */
void __real_c_plinit(void);
void __wrap_c_plinit(void)
{
    if (fail_now()) {
        plexit("plinit: Insufficient memory"); /* PLplot's own words for a failed malloc */
        return;
    }
    __real_c_plinit();
}
