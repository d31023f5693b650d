/*
 * h5out.c -- series.h5: a run's series for long runs and for programs (h5py, rhdf5, MATLAB),
 * with the provenance manifest.json also gives, as attributes of the file's root.
 *
 * Layout (docs/output.md):
 *   /t_s                  [rows]          double, seconds from the start
 *   /values               [rows, columns] double, chunked by rows, deflate 4
 *   /names, /units        [columns]       strings, "core.po2", "mmHg"
 *   /parameters/name, /parameters/unit, /parameters/value   every parameter as run
 *   attributes of /: myoknot_version, model_name, model_hash, model_generator (compiler and
 *   flags), model_abi_version, scenario_name, scenario_file, scenario_yaml, seed, output_every_s
 *
 * The file is written like every other (core/file.h): a fresh temporary file beside it that
 * HDF5 truncates and fills, synced and renamed into place.  The HDF5 library keeps global state
 * and prints error stacks by default; here it is called under one lock with printing off, and
 * its failures become mk_error.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/file.h"
#include "protocol/protocol.h"
#include "report/rundir.h"

static pthread_mutex_t g_h5_lock = PTHREAD_MUTEX_INITIALIZER;

/* A failed HDF5 call: remember the first, carry on closing. */
typedef struct h5w {
    hid_t file;
    int failed;
    const char *what;
} h5w;

static void h5_ok(h5w *w, herr_t rc, const char *what)
{
    if (rc < 0 && !w->failed) w->failed = 1, w->what = what;
}

static hid_t h5_id(h5w *w, hid_t id, const char *what)
{
    if (id < 0) h5_ok(w, -1, what);
    return id;
}

static void attr_str(h5w *w, hid_t obj, const char *name, const char *value)
{
    if (w->failed) return;
    hid_t t = h5_id(w, H5Tcopy(H5T_C_S1), name);
    if (t < 0) return;
    h5_ok(w, H5Tset_size(t, strlen(value ? value : "") + 1), name);
    hid_t sp = h5_id(w, H5Screate(H5S_SCALAR), name);
    hid_t a = sp < 0 ? -1 : h5_id(w, H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT), name);
    if (a >= 0) h5_ok(w, H5Awrite(a, t, value ? value : ""), name), H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    H5Tclose(t);
}

static void attr_num(h5w *w, hid_t obj, const char *name, hid_t type, const void *value)
{
    if (w->failed) return;
    hid_t sp = h5_id(w, H5Screate(H5S_SCALAR), name);
    hid_t a = sp < 0 ? -1 : h5_id(w, H5Acreate2(obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT), name);
    if (a >= 0) h5_ok(w, H5Awrite(a, type, value), name), H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
}

/* A 1-D dataset of n variable-length strings. */
static void strings(h5w *w, hid_t where, const char *name, const char *const *v, hsize_t n)
{
    if (w->failed) return;
    hid_t t = h5_id(w, H5Tcopy(H5T_C_S1), name);
    if (t < 0) return;
    h5_ok(w, H5Tset_size(t, H5T_VARIABLE), name);
    h5_ok(w, H5Tset_cset(t, H5T_CSET_UTF8), name);
    hid_t sp = h5_id(w, H5Screate_simple(1, &n, NULL), name);
    hid_t d = sp < 0 ? -1 : h5_id(w, H5Dcreate2(where, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), name);
    if (d >= 0 && n > 0) h5_ok(w, H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), name);
    if (d >= 0) H5Dclose(d);
    if (sp >= 0) H5Sclose(sp);
    H5Tclose(t);
}

/* A dataset of doubles, rank 1 or 2, compressed in chunks of rows. */
static void doubles(h5w *w, hid_t where, const char *name, int rank, const hsize_t *dims, const double *v)
{
    if (w->failed) return;
    hid_t sp = h5_id(w, H5Screate_simple(rank, dims, NULL), name);
    hid_t pl = h5_id(w, H5Pcreate(H5P_DATASET_CREATE), name);
    if (pl >= 0 && dims[0] > 0 && (rank == 1 || dims[1] > 0)) {
        hsize_t chunk[2] = {dims[0] < 1024 ? dims[0] : 1024, rank == 2 ? dims[1] : 1};
        h5_ok(w, H5Pset_chunk(pl, rank, chunk), name);
        h5_ok(w, H5Pset_shuffle(pl), name);
        h5_ok(w, H5Pset_deflate(pl, 4), name);
    }
    hid_t d = sp < 0 || pl < 0 ? -1
                               : h5_id(w, H5Dcreate2(where, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, pl, H5P_DEFAULT), name);
    if (d >= 0 && dims[0] > 0) h5_ok(w, H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), name);
    if (d >= 0) H5Dclose(d);
    if (pl >= 0) H5Pclose(pl);
    if (sp >= 0) H5Sclose(sp);
}

static void provenance(h5w *w, const mk_run_result *r)
{
    hid_t root = w->file;
    const mk_model_abi *abi = r->abi;
    const mk_protocol *p = r->protocol;
    attr_str(w, root, "format", "myoknot series");
    attr_str(w, root, "myoknot_version", MK_VERSION);
    attr_str(w, root, "model_name", abi ? abi->name : "");
    attr_str(w, root, "model_hash", abi ? abi->hash : "");
    attr_str(w, root, "model_generator", abi ? abi->generator : ""); /* compiler and flags */
    int abi_version = abi ? abi->abi_version : 0;
    attr_num(w, root, "model_abi_version", H5T_NATIVE_INT, &abi_version);
    if (p) {
        attr_str(w, root, "scenario_name", p->name);
        attr_str(w, root, "scenario_file", p->file);
        attr_str(w, root, "scenario_yaml", p->yaml_text);
        unsigned long long seed = p->seed;
        attr_num(w, root, "seed", H5T_NATIVE_ULLONG, &seed);
        attr_num(w, root, "output_every_s", H5T_NATIVE_DOUBLE, &p->output_every_s);
    }
    if (!abi || w->failed) return;
    hid_t g = h5_id(w, H5Gcreate2(root, "parameters", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "parameters");
    if (g < 0) return;
    const char **names = mk_calloc((size_t)abi->n_params + 1, sizeof *names);
    const char **units = mk_calloc((size_t)abi->n_params + 1, sizeof *units);
    double *values = mk_calloc((size_t)abi->n_params + 1, sizeof *values);
    if (!names || !units || !values) {
        w->failed = 1, w->what = "out of memory";
    } else {
        for (int i = 0; i < abi->n_params; i++) {
            names[i] = abi->params[i].name, units[i] = abi->params[i].unit;
            values[i] = r->params ? r->params[i] : abi->params[i].value;
        }
        hsize_t n = (hsize_t)abi->n_params;
        strings(w, g, "name", names, n);
        strings(w, g, "unit", units, n);
        doubles(w, g, "value", 1, &n, values);
    }
    free(names);
    free(units);
    free(values);
    H5Gclose(g);
}

/* The kept rows, copied contiguous. */
static mk_status gather(const mk_series *s, const unsigned char *keep, double **t, double **v, hsize_t *rows,
                        mk_error *err)
{
    size_t n = 0, nc = (size_t)s->n_cols;
    for (int i = 0; i < s->n_rows; i++) n += !keep || keep[i];
    *t = mk_malloc((n + 1) * sizeof **t);
    *v = mk_malloc((n * nc + 1) * sizeof **v);
    if (!*t || !*v) return mk_fail(err, MK_ERR_NOMEM, "out of memory writing series.h5");
    size_t k = 0;
    for (int i = 0; i < s->n_rows; i++) {
        if (keep && !keep[i]) continue;
        (*t)[k] = s->t_s[i];
        memcpy(*v + k * nc, s->values + (size_t)i * nc, nc * sizeof **v);
        k++;
    }
    *rows = n;
    return MK_OK;
}

static void write_h5(h5w *w, const mk_series *s, const double *t, const double *v, hsize_t rows)
{
    hsize_t dims[2] = {rows, (hsize_t)s->n_cols};
    doubles(w, w->file, "t_s", 1, dims, t);
    doubles(w, w->file, "values", 2, dims, v);
    strings(w, w->file, "names", (const char *const *)s->names, dims[1]);
    strings(w, w->file, "units", (const char *const *)s->units, dims[1]);
}

mk_status mk_series_write_h5(const mk_run_result *r, const unsigned char *keep, const char *path, mk_error *err)
{
    double *t = NULL, *v = NULL;
    hsize_t rows = 0;
    mk_status rc = gather(&r->series, keep, &t, &v, &rows, err);
    mk_file_out out;
    if (!rc) rc = mk_file_begin(&out, path, err);
    if (!rc) {
        /* HDF5 writes by name: the temporary file is closed here and truncated by H5Fcreate */
        fclose(out.f);
        out.f = NULL;
        pthread_mutex_lock(&g_h5_lock);
        H5E_auto2_t old_fn;
        void *old_data;
        H5Eget_auto2(H5E_DEFAULT, &old_fn, &old_data);
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        h5w w = {.file = H5Fcreate(out.tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)};
        if (w.file < 0) w.failed = 1, w.what = "creating the file";
        write_h5(&w, &r->series, t, v, rows);
        provenance(&w, r);
        if (w.file >= 0) h5_ok(&w, H5Fclose(w.file), "closing the file");
        H5Eset_auto2(H5E_DEFAULT, old_fn, old_data);
        pthread_mutex_unlock(&g_h5_lock);
        if (w.failed) {
            mk_file_abort(&out);
            rc = mk_fail_at(err, MK_ERR_IO, path, 0, 0, "HDF5 failed at %s", w.what);
        } else {
            rc = mk_file_commit(&out, err);
        }
    }
    free(t);
    free(v);
    return rc;
}
