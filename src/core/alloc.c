/* alloc.c -- the one door for libmyoknot's own allocations, with a fault-injection hook.
 *
 * The hook (mk_alloc_fail_after in myoknot.h) is the library's only process-wide setting:
 * like SQLite's SQLITE_CONFIG_MALLOC it is meant for tests, set before any thread starts.
 * The countdown itself is atomic, so threads that allocate while it is armed stay
 * well-defined.  Unarmed, each call costs one relaxed atomic load. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "myoknot.h"

/* < 0: disarmed; otherwise the number of allocations still allowed to succeed. */
static _Atomic long countdown = -1;
static _Atomic long failures;

void mk_alloc_fail_after(long n)
{
    atomic_store(&failures, 0);
    atomic_store(&countdown, n);
}

long mk_alloc_failures(void) { return atomic_load(&failures); }

static int should_fail(void)
{
    long c = atomic_load_explicit(&countdown, memory_order_relaxed);
    if (c < 0) return 0;
    for (;;) {
        if (c == 0) {
            atomic_fetch_add(&failures, 1);
            return 1; /* stays armed at 0: every later allocation fails too */
        }
        if (atomic_compare_exchange_weak(&countdown, &c, c - 1)) return 0;
        if (c < 0) return 0;
    }
}

void *mk_malloc(size_t size) { return should_fail() ? NULL : malloc(size ? size : 1); }

void *mk_calloc(size_t count, size_t size)
{
    return should_fail() ? NULL : calloc(count ? count : 1, size ? size : 1);
}

void *mk_realloc(void *ptr, size_t size) { return should_fail() ? NULL : realloc(ptr, size ? size : 1); }

char *mk_strdup(const char *s) { return should_fail() ? NULL : strdup(s); }

char *mk_strndup(const char *s, size_t n) { return should_fail() ? NULL : strndup(s, n); }
