/* lib_wraps.h -- the countdown of lib_wraps.c: after n more successful calls of the wrapped
 * library functions, every later one fails (n < 0 disarms); lib_failures() counts them. */
#ifndef MK_TEST_LIB_WRAPS_H
#define MK_TEST_LIB_WRAPS_H

void lib_fail_after(long n);
long lib_failures(void);

#endif
