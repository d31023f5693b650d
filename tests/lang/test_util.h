/* test_util.h -- small helpers shared by the translator's tests. */
#ifndef MK_TEST_UTIL_H
#define MK_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>

/* $MK_SOURCE_DIR/rel (CTest sets MK_SOURCE_DIR; "." otherwise). */
static inline const char *mk_test_path(char *buf, size_t size, const char *rel)
{
    const char *root = getenv("MK_SOURCE_DIR");
    snprintf(buf, size, "%s/%s", root ? root : ".", rel);
    return buf;
}

/* Whole file as a malloc'd string, NULL if absent. */
static inline char *mk_test_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s) s[n] = 0;
    fclose(f);
    return s;
}

#endif
