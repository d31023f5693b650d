/* h5check.c -- reads a run's series.h5 back with the HDF5 library alone and prints it as the
 * long series.csv would be ("t_s,variable,unit,value", numbers "%.10g"), then each string or
 * number attribute named on the command line as "NAME=VALUE", so that tests/cli/output_options.sh
 * can compare it byte for byte with the CSV and the manifest.
 *   usage: h5check FILE [ATTRIBUTE]...     (exit 1 on anything missing or unreadable) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

static int fail(const char *what)
{
    fprintf(stderr, "h5check: cannot read %s\n", what);
    return 1;
}

static int print_attr(hid_t f, const char *name)
{
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    if (a < 0) return fail(name);
    hid_t t = H5Aget_type(a);
    int rc = 0;
    if (H5Tget_class(t) == H5T_STRING) {
        size_t n = H5Tget_size(t);
        char *s = calloc(n + 1, 1);
        if (!s || H5Aread(a, t, s) < 0) rc = fail(name);
        else printf("%s=%s\n", name, s);
        free(s);
    } else if (H5Tget_class(t) == H5T_INTEGER) {
        unsigned long long v;
        if (H5Aread(a, H5T_NATIVE_ULLONG, &v) < 0) rc = fail(name);
        else printf("%s=%llu\n", name, v);
    } else {
        double v;
        if (H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0) rc = fail(name);
        else printf("%s=%.10g\n", name, v);
    }
    H5Tclose(t);
    H5Aclose(a);
    return rc;
}

/* a 1-D dataset of variable-length strings; *n set */
static char **read_strings(hid_t f, const char *name, hsize_t *n)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0) return NULL;
    hid_t sp = H5Dget_space(d);
    H5Sget_simple_extent_dims(sp, n, NULL);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8); /* as myoknot writes them */
    char **v = calloc(*n + 1, sizeof *v);
    if (v && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) v = NULL;
    H5Tclose(t);
    H5Sclose(sp);
    H5Dclose(d);
    return v;
}

static double *read_doubles(hid_t f, const char *name, hsize_t dims[2])
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0) return NULL;
    hid_t sp = H5Dget_space(d);
    dims[1] = 1;
    H5Sget_simple_extent_dims(sp, dims, NULL);
    double *v = malloc((dims[0] * dims[1] + 1) * sizeof *v);
    if (v && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) v = NULL;
    H5Sclose(sp);
    H5Dclose(d);
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 2) return fail("no file given");
    hid_t f = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return fail(argv[1]);
    hsize_t nn = 0, nu = 0, td[2], vd[2];
    char **names = read_strings(f, "names", &nn), **units = read_strings(f, "units", &nu);
    double *t = read_doubles(f, "t_s", td), *v = read_doubles(f, "values", vd);
    if (!names || !units || !t || !v) return fail("names, units, t_s or values");
    if (nn != nu || vd[1] != nn || vd[0] != td[0]) return fail("consistent shapes");
    printf("t_s,variable,unit,value\n");
    for (hsize_t i = 0; i < td[0]; i++)
        for (hsize_t c = 0; c < nn; c++) printf("%.10g,%s,%s,%.10g\n", t[i], names[c], units[c], v[i * nn + c]);
    for (int a = 2; a < argc; a++)
        if (print_attr(f, argv[a])) return 1;
    hsize_t np = 0, pd[2];
    char **pn = read_strings(f, "parameters/name", &np);
    double *pv = read_doubles(f, "parameters/value", pd);
    if (!pn || !pv || pd[0] != np || np == 0) return fail("parameters");
    printf("parameters=%llu\n", (unsigned long long)np);
    H5Fclose(f);
    return 0;
}
