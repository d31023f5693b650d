/*
 * trial_bench.c -- `make bench`, the trial part (issue 11 item 6): virtual patients per second
 * for 12-week single-site patients (trials/gattie2021.yaml: randomised, so an enrolled patient
 * is its phenotype's conditioning history plus one 12-week arm; one rejected or not enrolled
 * runs the arm only to its baseline), with 1 and 2 worker threads: the CPU seconds per patient
 * sampled, and per whole patient (the CPU over the model time simulated, in histories plus
 * whole arms).  The target is 10,000 12-week patients in under 10 minutes on 2 cores, about
 * 0.12 s of CPU per whole patient.  The two runs must give the same bytes (checked here too).
 *   usage: mk_bench_trial [SOURCE_DIR] [PATIENTS]
 *
 * With `rss` instead of PATIENTS (issue 11 item 5, memory flat in the number of patients):
 * the peak resident memory of a whole trial -- run with 2 threads, every output written
 * (patients.csv to /dev/null) -- for 100, 1000 and 10,000 patients (or the numbers given
 * after `rss`) of bench/rss/rss.yaml, each in a child process whose peak the kernel reports
 * (wait4's ru_maxrss).
 *   usage: mk_bench_trial SOURCE_DIR rss [N ...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
    /* A patient who is rejected or not enrolled runs the arm only to its baseline, so CPU per
     * sampled patient is the trial's throughput; the target is per 12-week patient with its
     * history, so the CPU is also given per history + whole arm of model time simulated. */
    double whole_s = d->history->duration_s + d->arms[0].proto->duration_s;
    double equivalents = r->model_s / whole_s;
    printf("  %d thread%s: %d patients in %.2f s wall (%.2f patients/s), %.3f s CPU per patient sampled; %d "
           "analysed, %d failed; %.3f s CPU per whole patient (history %.0f h + arm %.0f h: %.1f such patients' "
           "model time simulated)\n",
           threads, threads == 1 ? " " : "s", n, r->wall_s, n / r->wall_s, cpu / n, r->n_analysed, r->n_failed,
           equivalents > 0 ? cpu / equivalents : 0.0, d->history->duration_s / 3600, d->arms[0].proto->duration_s / 3600,
           equivalents);
    mk_trial_write_patients(r, bytes, &err);
    mk_trial_result_free(r);
    return 0;
}

/* The child: one whole trial of n patients and its outputs; exit status 0 if all went well. */
static int rss_child(const mk_trial_design *d, int n)
{
    mk_trial_opts o;
    mk_trial_opts_default(&o);
    o.patients = n;
    o.threads = 2;
    mk_trial_result *r = NULL;
    mk_error err = {0};
    char buf[2200];
    mk_buf b;
    mk_buf_init(&b);
    int rc = mk_trial_run(d, &o, &r, &err) || mk_trial_write_patients_file(r, "/dev/null", &err) ||
             mk_trial_write_summary(r, &b, &err) || mk_trial_write_responders(r, &b, &err);
    if (rc) fprintf(stderr, "mk_bench_trial: %s\n", mk_error_format(&err, buf, sizeof buf));
    else mk_trial_write_text(r, &b);
    if (!rc) printf("  %6d patients: %d analysed, %.1f s wall, at most %d patients in memory; ", n, r->n_analysed,
                    r->wall_s, r->window);
    fflush(stdout);
    mk_buf_free(&b);
    mk_trial_result_free(r);
    return rc;
}

/* The design at SRC/REL, or NULL after printing why. */
static mk_trial_design *load_design(const char *src, const char *rel, char *path, size_t path_size)
{
    snprintf(path, path_size, "%s/%s", src, rel);
    mk_trial_design *d = NULL;
    mk_error err = {0};
    char buf[2200];
    if (mk_trial_load(path, &d, &err)) {
        fprintf(stderr, "mk_bench_trial: %s\n", mk_error_format(&err, buf, sizeof buf));
        return NULL;
    }
    return d;
}

static int rss_bench(const char *src, int argc, char **argv)
{
    static const int k_default[] = {100, 1000, 10000};
    char path[4096];
    mk_trial_design *d = load_design(src, "bench/rss/rss.yaml", path, sizeof path);
    if (!d) return 1;
    printf("trial memory: peak resident set of a whole trial (%s, 2 threads, all outputs)\n", path);
    fflush(stdout);
    int rc = 0, count = argc > 0 ? argc : 3;
    for (int k = 0; !rc && k < count; k++) {
        int n = argc > 0 ? atoi(argv[k]) : k_default[k];
        pid_t pid = fork();
        if (pid == 0) _exit(rss_child(d, n));
        int status = 0;
        struct rusage ru;
        if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
            rc = 1;
            break;
        }
        printf("peak RSS %.1f MB\n", ru.ru_maxrss / 1024.0); /* ru_maxrss: kilobytes */
        fflush(stdout);
    }
    mk_trial_free(d);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[2], "rss")) return rss_bench(argv[1], argc - 3, argv + 3);
    const char *src = argc > 1 ? argv[1] : ".";
    int n = argc > 2 ? atoi(argv[2]) : 12;
    char path[4096];
    mk_trial_design *d = load_design(src, "trials/gattie2021.yaml", path, sizeof path);
    if (!d) return 1;
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
