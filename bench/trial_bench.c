/*
 * trial_bench.c -- `make bench`, the trial part (issue 11 item 6): virtual patients per second
 * for 12-week single-site patients (trials/gattie2021.yaml: randomised, so an enrolled patient
 * is its phenotype's conditioning history plus one 12-week arm; one rejected or not enrolled
 * runs the arm only to its baseline), with 1 and 2 worker threads: the CPU seconds per patient
 * sampled, and per whole patient (the CPU over the model time simulated, in histories plus
 * whole arms).  The target is 10,000 12-week patients in under 10 minutes on 2 cores, about
 * 0.12 s of CPU per whole patient.  The two runs must give the same bytes (checked here too).
 * Each at the trials' default solver tolerance (MK_TRIAL_RTOL_DEFAULT) and at 1e-6 (a single
 * run's default, the trials' before the accuracy study of docs/trials.md), alternately, the
 * ratio measured in the same run; first with the design's model (tp_site_endplate_knot, the
 * model of the shipped results: some patients run whole arms) and twice the patients, then
 * with tp_site (which accepts almost no one: the time is histories and arms up to baseline).
 *   usage: mk_bench_trial [SOURCE_DIR] [PATIENTS]
 *
 * With `rss` instead of PATIENTS (issue 11 item 5, memory flat in the number of patients):
 * the peak resident memory of a whole trial -- run with 2 threads, every output written
 * (patients.csv to /dev/null) -- for 100, 1000 and 10,000 patients (or the numbers given
 * after `rss`) of bench/rss/rss.yaml, each in a child process whose peak the kernel reports
 * (wait4's ru_maxrss).
 *   usage: mk_bench_trial SOURCE_DIR rss [N ...]
 *
 * With `share`: the work the trial layer used to waste (the screening run's baseline simulated
 * again, a paired design's arms living the same life up to their first session), measured as
 * the CPU of each shipped design's whole trial with the runs apart and shared (default 100
 * patients, tp_site_endplate_knot).
 *   usage: mk_bench_trial SOURCE_DIR share [PATIENTS]
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

/* One trial of n patients at relative tolerance rtol with `threads` workers, the runs shared or
 * apart (mk_trial_run_shared); *cpu_whole: the CPU seconds per whole patient. */
static int run(const mk_trial_design *d, int n, int threads, double rtol, int share, mk_buf *bytes, double *cpu_whole)
{
    mk_trial_opts o;
    mk_trial_opts_default(&o);
    o.patients = n;
    o.threads = threads;
    o.solver.rtol = rtol;
    mk_trial_result *r = NULL;
    mk_error err = {0};
    char buf[2200];
    double c0 = cpu_now();
    if (mk_trial_run_shared(d, &o, share, &r, &err)) {
        fprintf(stderr, "mk_bench_trial: %s\n", mk_error_format(&err, buf, sizeof buf));
        return 1;
    }
    double cpu = cpu_now() - c0;
    /* A patient who is rejected or not enrolled runs the arm only to its baseline, so CPU per
     * sampled patient is the trial's throughput; the target is per 12-week patient with its
     * history, so the CPU is also given per history + whole arm of the model time the patients'
     * results cover (covered_s: the same for shared runs and apart; before branch nowaste the
     * bench divided by the model time integrated, which counted the screening run's baseline
     * twice). */
    double whole_s = d->history->duration_s + d->arms[0].proto->duration_s;
    double equivalents = r->covered_s / whole_s;
    *cpu_whole = equivalents > 0 ? cpu / equivalents : 0.0;
    printf("  rtol %g, %s, %d thread%s: %d patients in %.2f s wall (%.2f patients/s), %.3f s CPU per patient "
           "sampled; %d analysed, %d failed; %.3f s CPU per whole patient (history %.0f h + arm %.0f h: %.1f such "
           "patients' model time covered, %.1f integrated)\n",
           rtol, share ? "shared" : "apart", threads, threads == 1 ? " " : "s", n, r->wall_s, n / r->wall_s, cpu / n,
           r->n_analysed, r->n_failed, *cpu_whole, d->history->duration_s / 3600, d->arms[0].proto->duration_s / 3600,
           equivalents, r->model_s / whole_s);
    mk_trial_write_patients(r, bytes, &err);
    mk_trial_write_summary(r, bytes, &err);
    mk_trial_write_responders(r, bytes, &err);
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

/* The bench proper for design d: at the trials' default tolerance the runs apart (as before
 * branch nowaste) and shared, and at a single run's 1e-6 (the trials' before the accuracy study
 * of docs/trials.md) shared, in turn, each twice, each with 1 and 2 threads: the ratios within
 * one run, and the same bytes for 1 and 2 threads and for apart and shared. */
static int bench_design(const mk_trial_design *d, int n)
{
    enum { K = 3 };
    double rtols[K] = {MK_TRIAL_RTOL_DEFAULT, MK_TRIAL_RTOL_DEFAULT, 1e-6}, best[K][2];
    int share[K] = {0, 1, 1}, rc = 0;
    for (int k = 0; k < K; k++) best[k][0] = best[k][1] = 1e9;
    for (int rep = 0; !rc && rep < 2; rep++) {
        mk_buf first;
        mk_buf_init(&first);
        for (int k = 0; !rc && k < K; k++) {
            mk_buf one, two;
            mk_buf_init(&one);
            mk_buf_init(&two);
            double c1 = 0, c2 = 0;
            rc = run(d, n, 1, rtols[k], share[k], &one, &c1) || run(d, n, 2, rtols[k], share[k], &two, &c2);
            if (!rc) {
                int same = one.len == two.len && !memcmp(one.data, two.data, one.len);
                printf("  rtol %g, %s: patients.csv, trial_summary.csv, responders.csv identical for 1 and 2 threads: "
                       "%s\n", rtols[k], share[k] ? "shared" : "apart", same ? "yes" : "NO");
                rc = !same;
                if (k == 1) {
                    same = one.len == first.len && !memcmp(one.data, first.data, one.len);
                    printf("  rtol %g: identical apart and shared: %s\n", rtols[k], same ? "yes" : "NO");
                    rc = !same;
                }
                best[k][0] = c1 < best[k][0] ? c1 : best[k][0];
                best[k][1] = c2 < best[k][1] ? c2 : best[k][1];
            }
            if (k == 0) first = one;
            else mk_buf_free(&one);
            mk_buf_free(&two);
            fflush(stdout);
        }
        mk_buf_free(&first);
    }
    if (!rc)
        printf("  CPU per whole patient, best of 2 (1 thread, 2 threads): rtol %g apart %.3f s, %.3f s; shared %.3f s, "
               "%.3f s (%.1f %%, %.1f %% less); rtol %g shared %.3f s, %.3f s (%.2fx, %.2fx the default's)\n",
               rtols[0], best[0][0], best[0][1], best[1][0], best[1][1], 100 * (1 - best[1][0] / best[0][0]),
               100 * (1 - best[1][1] / best[0][1]), rtols[2], best[2][0], best[2][1], best[2][0] / best[1][0],
               best[2][1] / best[1][1]);
    return rc;
}

/* `share`: the wasted work (issue 11 item 6) in each shipped design under the knot model: the
 * whole trial of n patients at the trials' tolerance, one thread, apart and shared in turn,
 * three times: the CPU the sharing saves, and the same bytes. */
static int share_bench(const char *src, int n)
{
    static const char *const designs[] = {"gattie2021", "needling_weak", "compression_sham", "stieven2020"};
    int rc = 0;
    for (int k = 0; !rc && k < 4; k++) {
        char rel[256], path[4096];
        snprintf(rel, sizeof rel, "trials/%s.yaml", designs[k]);
        mk_trial_design *d = NULL;
        mk_error err = {0};
        char buf[2200];
        snprintf(path, sizeof path, "%s/%s", src, rel);
        if (mk_trial_load_model(path, "tp_site_endplate_knot", &d, &err)) {
            fprintf(stderr, "mk_bench_trial: %s\n", mk_error_format(&err, buf, sizeof buf));
            return 1;
        }
        printf("wasted work: %s, %d patients, model %s, one thread\n", path, n, mk_trial_model(d, NULL, NULL));
        fflush(stdout);
        double best[2] = {1e9, 1e9};
        for (int rep = 0; !rc && rep < 3; rep++) {
            mk_buf b[2];
            for (int s = 0; !rc && s < 2; s++) {
                mk_buf_init(&b[s]);
                double c0 = cpu_now(), whole = 0;
                rc = run(d, n, 1, MK_TRIAL_RTOL_DEFAULT, s, &b[s], &whole);
                double cpu = cpu_now() - c0;
                best[s] = cpu < best[s] ? cpu : best[s];
            }
            if (!rc) {
                int same = b[0].len == b[1].len && !memcmp(b[0].data, b[1].data, b[0].len);
                printf("  identical apart and shared: %s\n", same ? "yes" : "NO");
                rc = !same;
            }
            mk_buf_free(&b[0]);
            mk_buf_free(&b[1]);
            fflush(stdout);
        }
        if (!rc)
            printf("  whole trial CPU, best of 3: apart %.2f s, shared %.2f s: %.1f %% of the CPU was wasted work\n",
                   best[0], best[1], 100 * (1 - best[1] / best[0]));
        mk_trial_free(d);
    }
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[2], "rss")) return rss_bench(argv[1], argc - 3, argv + 3);
    if (argc > 2 && !strcmp(argv[2], "share")) return share_bench(argv[1], argc > 3 ? atoi(argv[3]) : 100);
    const char *src = argc > 1 ? argv[1] : ".";
    int n = argc > 2 ? atoi(argv[2]) : 12;
    char path[4096];
    mk_trial_design *d = load_design(src, "trials/gattie2021.yaml", path, sizeof path);
    if (!d) return 1;
    /* the design's model (tp_site_endplate_knot, the model of the shipped results): it accepts
     * and enrols some patients, so whole 12-week arms with their sessions are in the time;
     * twice the patients */
    printf("trial bench: %s, 12-week single-site patients (history + one arm), %d patients, model %s\n", path, 2 * n,
           mk_trial_model(d, NULL, NULL));
    fflush(stdout);
    int rc = bench_design(d, 2 * n);
    mk_trial_free(d);
    /* the base model, under which (acceptance about 1 %) the time is histories and arms up to
     * their baseline */
    mk_error err = {0};
    char buf[2200];
    if (!rc && mk_trial_load_model(path, "tp_site", &d, &err)) {
        fprintf(stderr, "mk_bench_trial: %s\n", mk_error_format(&err, buf, sizeof buf));
        return 1;
    }
    if (!rc) {
        printf("trial bench: %s, %d patients, model %s\n", path, n, mk_trial_model(d, NULL, NULL));
        fflush(stdout);
        rc = bench_design(d, n);
        mk_trial_free(d);
    }
    return rc;
}
