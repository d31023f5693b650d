/* test_model_py.c -- `myoknot model py`: the generated Python module's right-hand side equals
 * the generated C one (the built-in models, compiled into libmyoknot) for every shipped model
 * at several states, inputs and times; and its user strings cannot become code.
 *
 * The Python side runs in Debian's python3 (MK_PYTHON) with nothing but the generated module. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "myoknot.h"

enum { N_CASES = 4 };

static const char *python(void)
{
    const char *p = getenv("MK_PYTHON");
    return p && p[0] ? p : "python3";
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* A variant's base is another built-in model (extends tp_site). */
static const char *builtin_source(void *ctx, const char *name)
{
    (void)ctx;
    const mk_model_abi *abi = mk_builtin_find(name);
    return abi ? abi->source : NULL;
}

static void model_py(const char *file, const char *source, const char *out)
{
    mk_model *m = NULL;
    mk_error err = {0};
    if (mk_model_parse_with(file, source, builtin_source, NULL, &m, &err))
        fail_msg("%s: %s", file, err.message);
    mk_buf b;
    mk_buf_init(&b);
    if (mk_model_generate_py(m, &b, &err)) fail_msg("%s: %s", file, err.message);
    write_file(out, b.data);
    mk_buf_free(&b);
    mk_model_free(m);
}

/* case k: the defaults (k = 0), then states and inputs moved by up to 30 % (0 becomes a small
 * positive value, within every `bound`), at t = 0, 100, 200, 300 s */
static double moved(double v, int k, int j)
{
    if (k == 0) return v;
    if (v == 0.0) return 0.05 * k;
    return v * (1.0 + 0.1 * k * sin(1.0 + j + 3.0 * k));
}

static void check_model(const mk_model_abi *abi, const char *dir)
{
    char mod[512], cases[512], cmd[2048];
    snprintf(mod, sizeof mod, "%s/gen_%s.py", dir, abi->name);
    snprintf(cases, sizeof cases, "%s/cases_%s.txt", dir, abi->name);
    model_py(abi->name, abi->source, mod);
    int ny = abi->n_states, nu = abi->n_inputs, np = abi->n_params;
    double *y = calloc((size_t)ny * N_CASES + 1, sizeof *y), *u = calloc((size_t)nu * N_CASES + 1, sizeof *u);
    double *p = calloc((size_t)np + 1, sizeof *p), *yd = calloc((size_t)ny + 1, sizeof *yd);
    assert_true(y && u && p && yd);
    for (int i = 0; i < np; i++) p[i] = abi->params[i].value;
    FILE *f = fopen(cases, "w");
    assert_non_null(f);
    for (int k = 0; k < N_CASES; k++) {
        fprintf(f, "%.17g", 100.0 * k);
        for (int j = 0; j < ny; j++) fprintf(f, " %.17g", y[k * ny + j] = moved(abi->states[j].value, k, j));
        fprintf(f, " |");
        for (int j = 0; j < nu; j++) fprintf(f, " %.17g", u[k * nu + j] = moved(abi->inputs[j].value, k, j + 7));
        fprintf(f, "\n");
    }
    assert_int_equal(fclose(f), 0);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s' -c \"import gen_%s as m\n"
             "for line in open('cases_%s.txt'):\n"
             "    a, b = line.split('|')\n"
             "    a = [float(v) for v in a.split()]\n"
             "    u = [float(v) for v in b.split()]\n"
             "    print(' '.join(repr(v) for v in m.rhs(a[0], a[1:], u)))\"",
             dir, python(), abi->name, abi->name);
    FILE *py = popen(cmd, "r");
    assert_non_null(py);
    int bad = 0, compared = 0;
    for (int k = 0; k < N_CASES; k++) {
        abi->rhs(100.0 * k, y + k * ny, yd, u + k * nu, p, NULL);
        for (int j = 0; j < ny; j++) {
            double v;
            if (fscanf(py, "%lf", &v) != 1) fail_msg("%s: Python gave too few numbers (case %d)", abi->name, k);
            double tol = 1e-12 * fmax(fabs(yd[j]), 1e-300);
            if (!(fabs(v - yd[j]) <= tol) && !(isnan(v) && isnan(yd[j]))) {
                if (bad++ < 5)
                    print_error("%s case %d: d(%s)/dt: C %.17g, Python %.17g\n", abi->name, k,
                                abi->states[j].name, yd[j], v);
            }
            compared++;
        }
    }
    assert_int_equal(pclose(py), 0);
    assert_int_equal(bad, 0);
    assert_int_equal(compared, ny * N_CASES);
    free(y), free(u), free(p), free(yd);
}

static void rhs_equals_c_for_every_model(void **state)
{
    (void)state;
    char dir[] = "/tmp/mk_test_py.XXXXXX";
    assert_non_null(mkdtemp(dir));
    int n = 0;
    for (int i = 0; mk_builtin_at(i); i++, n++) check_model(mk_builtin_at(i), dir);
    assert_true(n >= 5); /* the shipped models */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Doc strings and sources full of quotes, backslashes, UTF-8 and Python syntax stay
 * text: the module imports, prints nothing and has exactly the model's strings. */
static void strings_cannot_become_code(void **state)
{
    (void)state;
    static const char src[] =
        "model evil { doc \"x\\\"); print('PW' + 'NED') #\\\\\" }\n"
        "component c {\n"
        "  param k = 1 [1/s] { range 0..2; source \"\\\"\\\"\\\" + __import__('os').getcwd() + '''\"; doc \"\\\\\" }\n"
        "  state x = 1 [mM] { doc \"b\\\" ; raise SystemExit(3) \xc3\xa9\" }\n"
        "  d(x)/dt = -k * x\n"
        "}\n";
    char dir[] = "/tmp/mk_test_py.XXXXXX", path[300], cmd[900], out[512] = "";
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/gen_evil.py", dir);
    model_py("evil.myo", src, path);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s' -c \"import gen_evil as m; print(repr(m.DOC), repr(m.PARAMS[0]['source']), "
             "repr(m.STATES[0]['doc']), m.rhs(0, [2.0]))\"",
             dir, python());
    FILE *py = popen(cmd, "r");
    assert_non_null(py);
    size_t n = fread(out, 1, sizeof out - 1, py);
    out[n] = 0;
    assert_int_equal(pclose(py), 0);
    assert_null(strstr(out, "PWNED"));  /* would be printed had the doc run as code */
    assert_non_null(strstr(out, "NED"));  /* the text itself, kept */
    assert_non_null(strstr(out, "raise SystemExit(3)"));
    assert_non_null(strstr(out, "[-2.0]"));
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rhs_equals_c_for_every_model),
        cmocka_unit_test(strings_cannot_become_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
