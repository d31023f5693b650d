/* alloc.h -- every allocation libmyoknot makes goes through these, so that a test can make
 * the Nth one fail (as SQLite's fault-injection tests do) and check that each failure comes
 * back as MK_ERR_NOMEM with nothing leaked.  Memory they return is released with free(). */
#ifndef MK_CORE_ALLOC_H
#define MK_CORE_ALLOC_H

#include <stddef.h>

void *mk_malloc(size_t size);
void *mk_calloc(size_t count, size_t size);
void *mk_realloc(void *ptr, size_t size);
char *mk_strdup(const char *s);
char *mk_strndup(const char *s, size_t n);

#endif
