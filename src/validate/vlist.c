/*
 * vlist.c -- the target files of a folder (data/validation), in the order every client runs
 * them: the validation suite, its audit and the fit to calibration targets.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "myoknot.h"

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list_free(char **v, int n)
{
    for (int i = 0; v && i < n; i++) free(v[i]);
    free(v);
}

mk_status mk_vtarget_list(const char *dir, char ***out, int *n_out, mk_error *err)
{
    if (!dir || !out || !n_out) return mk_fail(err, MK_ERR_INVALID, "mk_vtarget_list: missing argument");
    *out = NULL;
    *n_out = 0;
    DIR *d = opendir(dir);
    if (!d) return mk_error_from(err, MK_ORIGIN_ARGUMENT, mk_fail(err, MK_ERR_IO, "cannot read the folder %s: %s", dir, strerror(errno)));
    int cap = 64, n = 0, oom = 0;
    char **v = mk_malloc((size_t)cap * sizeof *v);
    struct dirent *e;
    while (v && !oom && (e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".yaml") || e->d_name[0] == '.') continue;
        if (n + 1 >= cap) {
            char **nv = mk_realloc(v, (size_t)(cap *= 2) * sizeof *v);
            if (!nv) {
                oom = 1;
                break;
            }
            v = nv;
        }
        size_t len = strlen(dir) + l + 2;
        if (!(v[n] = mk_malloc(len))) {
            oom = 1;
            break;
        }
        snprintf(v[n], len, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (!v || oom) {
        list_free(v, n);
        return mk_fail(err, MK_ERR_NOMEM, "out of memory");
    }
    qsort(v, (size_t)n, sizeof *v, cmp_str);
    v[n] = NULL;
    *out = v;
    *n_out = n;
    return MK_OK;
}

/* Is the target file at path (named name) among only[]?  Its name, its file name, or its file
 * name without ".yaml" selects it; no names select every file. */
int mk_vtarget_selected(const char *const *only, int n_only, const char *path, const char *name)
{
    if (!n_only) return 1;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (int i = 0; i < n_only; i++) {
        size_t l = strlen(only[i]);
        if (!strcmp(only[i], name) || !strcmp(only[i], base) || (!strncmp(only[i], base, l) && !strcmp(base + l, ".yaml")))
            return 1;
    }
    return 0;
}
