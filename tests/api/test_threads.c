/*
 * test_threads.c -- no hidden state (issue 13 item 1): two simulations of the default scenario
 * run in two threads at once give exactly the numbers of the same simulations run one after
 * the other.  Only the public API, linked against the shared library.  The study is opened
 * (UDUNITS parsing, scenario compilation) before the threads start; the threads draw no
 * figures.  The two studies differ (their output intervals), so that the two threads do different
 * work and a shared scratch buffer would mix their numbers.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <myoknot.h>

typedef struct job {
    const mk_study *study;
    mk_result *res;
    mk_status st;
    mk_error err;
} job;

static void *run(void *arg)
{
    job *j = arg;
    j->st = mk_study_run(j->study, NULL, &j->res, &j->err);
    return NULL;
}

static int check(int ok, const char *what)
{
    if (!ok) fprintf(stderr, "FAIL: %s\n", what);
    return !ok;
}

/* 0 if a and b hold the same table and measurements, bit for bit */
static int same(const mk_result *a, const mk_result *b)
{
    if (mk_result_rows(a) != mk_result_rows(b) || mk_result_cols(a) != mk_result_cols(b)) return 1;
    for (int r = 0; r < mk_result_rows(a); r++) {
        if (memcmp(&mk_result_time(a)[r], &mk_result_time(b)[r], sizeof(double))) return 1;
        for (int c = 0; c < mk_result_cols(a); c++) {
            double x = mk_result_value(a, r, c), y = mk_result_value(b, r, c);
            if (memcmp(&x, &y, sizeof x)) return 1;
        }
    }
    if (mk_result_meas_count(a) != mk_result_meas_count(b)) return 1;
    for (int i = 0; i < mk_result_meas_count(a); i++) {
        mk_meas_info x, y;
        if (mk_result_meas(a, i, &x, NULL) || mk_result_meas(b, i, &y, NULL)) return 1;
        if (memcmp(&x.value, &y.value, sizeof x.value) && !(isnan(x.value) && isnan(y.value))) return 1;
    }
    return strcmp(mk_result_summary(a), mk_result_summary(b)) != 0;
}

int main(void)
{
    mk_error err = {0};
    mk_study *s[2] = {NULL, NULL};
    const char *sets1[] = {"output_every=30 min"};
    mk_study_opts o1 = {.sets = sets1, .n_sets = 1};
    int bad = 0;
    if (mk_study_open(NULL, NULL, &s[0], &err) || mk_study_open(NULL, &o1, &s[1], &err)) {
        char m[2200];
        fprintf(stderr, "FAIL: %s\n", mk_error_format(&err, m, sizeof m));
        return 1;
    }
    /* in sequence: study 0 twice (the reference), study 1 once */
    job seq[2] = {{.study = s[0]}, {.study = s[1]}};
    for (int i = 0; i < 2; i++) {
        run(&seq[i]);
        bad |= check(seq[i].st == MK_OK, "a sequential run failed");
    }
    /* in two threads at once: the two studies, then one study in both threads (a study is
     * read-only once open), then the two again (a race shows only sometimes) */
    for (int round = 0; round < 3 && !bad; round++) {
        int k = round == 1 ? 0 : 1; /* the second thread's study */
        job par[2] = {{.study = s[0]}, {.study = s[k]}};
        pthread_t th[2];
        for (int i = 0; i < 2; i++) bad |= check(pthread_create(&th[i], NULL, run, &par[i]) == 0, "pthread_create");
        for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
        for (int i = 0; i < 2; i++) {
            bad |= check(par[i].st == MK_OK, "a threaded run failed");
            if (!bad) bad |= check(!same(seq[i ? k : 0].res, par[i].res), "a threaded run differs from the sequential one");
            if (!bad) bad |= check(mk_result_rows(par[i].res) > 10, "too few rows to compare");
            mk_result_free(par[i].res);
        }
    }
    if (!bad) printf("ok: 3 rounds of 2 threads (one with one study in both), %d rows x %d columns each, identical to the sequential runs\n",
                     mk_result_rows(seq[0].res), mk_result_cols(seq[0].res));
    for (int i = 0; i < 2; i++) {
        mk_result_free(seq[i].res);
        mk_study_free(s[i]);
    }
    return bad;
}
