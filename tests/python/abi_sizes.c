/* The sizes of the records the Python package lays out itself in cffi's ABI mode (from the
 * cdef the build generates, python/tools/gen_cdef.py), as the C compiler sees them in the
 * public headers: test_myoknot.py compares them with cffi's, so a cdef that does not lay a
 * record out as the compiler does fails the test, not a run. */
#include <stddef.h>
#include <stdio.h>

#include <myoknot.h>

int main(void)
{
    printf("mk_error %zu %zu %zu\n", sizeof(mk_error), offsetof(mk_error, line),
           offsetof(mk_error, message));
    printf("mk_symbol %zu %zu\n", sizeof(mk_symbol), offsetof(mk_symbol, is_output));
    printf("mk_model_abi %zu %zu\n", sizeof(mk_model_abi), offsetof(mk_model_abi, rhs));
    printf("mk_study_opts %zu %zu\n", sizeof(mk_study_opts), offsetof(mk_study_opts, strict));
    printf("mk_meas_info %zu %zu\n", sizeof(mk_meas_info), offsetof(mk_meas_info, note));
    return 0;
}
