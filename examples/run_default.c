/*
 * run_default.c -- a program outside myoknot running the default scenario through the
 * installed library (docs/api.md):
 *
 *     cc run_default.c $(pkg-config --cflags --libs myoknot) -o run_default
 *     ./run_default [SCENARIO.yaml] [NAME=VALUE UNIT]... > series.csv
 *
 * It prints the time series in the tidy form of a run directory's series.csv (t_s, variable,
 * value; numbers as printf's %.10g), then the measurements on stderr.  Errors are printed
 * from the mk_error the library fills; the exit code follows the error's origin, as the
 * myoknot command's does: 2 when an override is at fault, 1 otherwise.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <myoknot.h>

static int fail(const mk_error *err)
{
    char msg[2200];
    fprintf(stderr, "run_default: %s\n", mk_error_format(err, msg, sizeof msg));
    return err->origin == MK_ORIGIN_OVERRIDE ? 2 : 1;
}

int main(int argc, char **argv)
{
    const char *scenario = NULL; /* NULL: the scenario built into the library */
    const char *sets[64];
    int n_sets = 0;
    for (int i = 1; i < argc; i++) {
        if (strchr(argv[i], '=') && n_sets < 64) sets[n_sets++] = argv[i];
        else scenario = argv[i];
    }
    mk_error err = {0};
    mk_study_opts so = {.sets = sets, .n_sets = n_sets};
    mk_study *study = NULL;
    if (mk_study_open(scenario, &so, &study, &err)) return fail(&err);
    fputs(mk_study_warnings(study), stderr);

    mk_result *res = NULL;
    if (mk_study_run(study, NULL, &res, &err)) {
        mk_study_free(study);
        return fail(&err);
    }
    const double *t = mk_result_time(res);
    printf("t_s,variable,value\n");
    for (int r = 0; r < mk_result_rows(res); r++)
        for (int c = 0; c < mk_result_cols(res); c++)
            printf("%.10g,%s,%.10g\n", t[r], mk_result_col_name(res, c), mk_result_value(res, r, c));
    for (int i = 0; i < mk_result_meas_count(res); i++) {
        mk_meas_info m;
        if (mk_result_meas(res, i, &m, &err)) break;
        fprintf(stderr, "%-24s t = %10.1f s  %10.4g %s%s%s\n", m.label, m.t_s, m.value, m.unit,
                m.note[0] ? "  " : "", m.note);
    }
    mk_result_free(res);
    mk_study_free(study);
    return 0;
}
