/*
 * trial_bench.c -- `make bench`, the trial part (issue 11 item 6): virtual patients per second
 * for 12-week single-site patients (trials/gattie2021.yaml: randomised, so each patient is its
 * phenotype's conditioning history plus one 12-week arm), with 1 and 2 worker threads, and the
 * CPU seconds per patient.  The target is 10,000 patients in under 10 minutes on 2 cores,
 * about 0.12 s of CPU per patient.  The two runs must give the same bytes (checked here too).
 *   usage: mk_bench_trial [SOURCE_DIR] [PATIENTS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "body/anatomy.h"
#include "cohort/trial.h"

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int run(const mk_trial_design *d, int n, int threads, mk_buf *bytes)
{
    mk_trial_opts o;
    mk_trial_opts_default(&o);
    o.patients = n;
    o.threads = threads;
    mk_trial_result *r = NULL;
    mk_error err = {0};
    char buf[2200];
    double c0 = cpu_now();
    if (mk_trial_run(d, &o, &r, &err)) {
        fprintf(stderr, "mk_bench_trial: %s\n", mk_error_format(&err, buf, sizeof buf));
        return 1;
    }
    double cpu = cpu_now() - c0;
    printf("  %d thread%s: %d patients in %.2f s wall (%.2f patients/s), %.3f s CPU per patient; %d analysed, %d "
           "failed\n",
           threads, threads == 1 ? " " : "s", n, r->wall_s, n / r->wall_s, cpu / n, r->n_analysed, r->n_failed);
    mk_trial_write_patients(r, bytes, &err);
    mk_trial_result_free(r);
    return 0;
}

int main(int argc, char **argv)
{
    const char *src = argc > 1 ? argv[1] : ".";
    int n = argc > 2 ? atoi(argv[2]) : 12;
    char path[4096];
    snprintf(path, sizeof path, "%s/trials/gattie2021.yaml", src);
    mk_trial_design *d = NULL;
    mk_error err = {0};
    char buf[2200];
    if (mk_trial_load(path, &d, &err)) {
        fprintf(stderr, "mk_bench_trial: %s\n", mk_error_format(&err, buf, sizeof buf));
        return 1;
    }
    printf("trial bench: %s, 12-week single-site patients (history + one arm), %d patients\n", path, n);
    mk_buf one, two;
    mk_buf_init(&one);
    mk_buf_init(&two);
    int rc = run(d, n, 1, &one) || run(d, n, 2, &two);
    if (!rc) {
        int same = one.len == two.len && !memcmp(one.data, two.data, one.len);
        printf("  patients.csv identical for 1 and 2 threads: %s\n", same ? "yes" : "NO");
        rc = !same;
    }
    mk_buf_free(&one);
    mk_buf_free(&two);
    mk_trial_free(d);
    return rc;
}
