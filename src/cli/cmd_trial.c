/*
 * cmd_trial.c -- myoknot trial: virtual patients through a trial design (src/cohort/trial.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "myoknot/trial.h"

#ifdef MK_MPI
#include <mpi.h>

/* Rank r ran the patients i with i % size == r.  Rank 0 takes every other rank's records in
 * patient order, one patient at a time (its numbers, then its failure text), into its own
 * result: the result is then the one a single process computes, byte for byte, and no rank
 * holds more than one patient of another's at a time. */
static mk_status mpi_send_one(void *ctx, int i, const double *rec, const char *failure, mk_error *err)
{
    const size_t *n = ctx;
    (void)i;
    (void)err;
    MPI_Send(rec, (int)*n, MPI_DOUBLE, 0, 1, MPI_COMM_WORLD);
    MPI_Send(failure, (int)strlen(failure), MPI_CHAR, 0, 2, MPI_COMM_WORLD);
    return MK_OK;
}

typedef struct mpi_inbox {
    int size;
    size_t rec;
    char *why;
    size_t cap;
} mpi_inbox;

static mk_status mpi_recv_one(void *ctx, int i, double *rec, const char **failure, mk_error *err)
{
    mpi_inbox *in = ctx;
    int src = i % in->size, len = 0;
    MPI_Status st;
    MPI_Recv(rec, (int)in->rec, MPI_DOUBLE, src, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Probe(src, 2, MPI_COMM_WORLD, &st);
    MPI_Get_count(&st, MPI_CHAR, &len);
    if ((size_t)len + 1 > in->cap) {
        char *p = realloc(in->why, (size_t)len + 1);
        if (!p) return (*err = (mk_error){.code = MK_ERR_NOMEM, .message = "out of memory gathering the patients"}).code;
        in->why = p;
        in->cap = (size_t)len + 1;
    }
    MPI_Recv(in->why, len, MPI_CHAR, src, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    in->why[len] = 0;
    *failure = in->why;
    return MK_OK;
}

static int mpi_gather(const mk_trial_design *d, mk_trial_result *res, int rank, int size)
{
    mk_error err = {0};
    size_t rec = mk_trial_record_size(d);
    if (rank > 0) return mk_trial_each(res, mpi_send_one, &rec, &err) ? mk_cli_report(&err) : 0;
    mpi_inbox in = {size, rec, NULL, 0};
    mk_status rc = mk_trial_gather(res, 0, size, mpi_recv_one, &in, &err);
    free(in.why);
    return rc ? mk_cli_report(&err) : 0;
}

/* Every rank's status becomes everyone's (the worst), so no rank waits for one that gave up. */
static int mpi_agree(int rc, int size)
{
    int all = rc;
    if (size > 1) MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return all;
}

/* Rank 0's output folder for the others (their journals go beside it); "" if it failed. */
static void mpi_share_dir(char *dir, size_t size)
{
    MPI_Bcast(dir, (int)size, MPI_CHAR, 0, MPI_COMM_WORLD);
}
#else
static int mpi_agree(int rc, int size)
{
    (void)size;
    return rc;
}
#endif

#define MK_STR(x) #x
#define MK_XSTR(x) MK_STR(x)

static const char k_help[] =
    "usage: myoknot trial DESIGN.yaml [--model MODEL] [--patients N] [--threads K] [--seed S]\n"
    "                     [--power R] [--rtol X] [--out DIR [--resume]]\n"
    "\n"
    "Virtual patients through a trial design (trials/*.yaml, docs/trials.md): a population\n"
    "sampled over the design's parameters (Sobol), accepted where its phenotype falls inside\n"
    "published ranges, screened by a noisy examiner, run through every arm (paired) or the\n"
    "allocated one (randomised), and compared: mean difference and Hedges' g with 95 %\n"
    "intervals and Welch's p, responder rates against each outcome's MID.\n"
    "\n"
    "  --model MODEL  the model every arm runs: a built-in (e.g. a hypothesis variant,\n"
    "                 tp_site_neurogenic) or a .myo file (default: the design's 'model:', else\n"
    "                 the arms' scenarios'); named in summary.txt and report.html with its hash\n"
    "  --patients N   virtual patients to sample (default: the design's 'patients')\n"
    "  --threads K    worker threads (default 1); the results are the same bytes for any K\n"
    "  --seed S       the seed of every random number (default 1): the Sobol rotation, the\n"
    "                 examiner's errors, the allocation\n"
    "  --rtol X       the solver's relative tolerance (default: the design's 'solver: {rtol}',\n"
    "                 else " MK_XSTR(MK_TRIAL_RTOL_DEFAULT) "; docs/trials.md, \"Solver tolerance\")\n"
    "  --power R      power by simulation: R more trials of N patients (seeds S+1 .. S+R);\n"
    "                 power.csv gives the share with Welch p < 0.05 per comparison, outcome and\n"
    "                 time (R x N patients: costly)\n"
    "  --out DIR      output folder (default runs/trial-YYYYMMDD-HHMMSS): patients.csv (one\n"
    "                 row per patient, arm and time point), trial_summary.csv,\n"
    "                 responders.csv, forest.png, report.html, summary.txt\n"
    "  --resume       continue the interrupted trial whose journal DIR.journal holds its\n"
    "                 finished patients (every run keeps one beside its folder until the\n"
    "                 outputs are written; under mpirun each rank keeps DIR.journal.R-of-K):\n"
    "                 the same command line plus --resume gives the bytes an uninterrupted\n"
    "                 run gives\n";

const mk_outdir_kind mk_outdir_kind_trial = {"an output of myoknot trial (no trial_summary.csv)", "trial_summary.csv",
                                             NULL};

typedef struct trial_args {
    const char *design, *out, *model;
    long patients, threads, power;
    unsigned long long seed;
    double rtol; /* 0: the design's */
    int resume;
    char design_buf[4096]; /* found under a data root (mk_cli_data_path) */
    char model_buf[4096];  /* a model file, found likewise */
} trial_args;

static int parse_args(int argc, char **argv, trial_args *a)
{
    memset(a, 0, sizeof *a);
    a->threads = 1;
    a->seed = 1;
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(o, "--resume")) {
            a->resume = 1;
            continue;
        }
        if (o[0] != '-' || !o[1]) {
            if (a->design) return mk_cli_usage_error("'trial' takes one design, found '%s' and '%s'", a->design, o);
            a->design = o;
            continue;
        }
        if (strcmp(o, "--patients") && strcmp(o, "--threads") && strcmp(o, "--seed") && strcmp(o, "--out") &&
            strcmp(o, "--power") && strcmp(o, "--model") && strcmp(o, "--rtol"))
            return mk_cli_usage_error("unknown option '%s' for 'trial' (see myoknot trial --help)", o);
        if (!v) return mk_cli_usage_error("%s needs a value", o);
        i++;
        if (!strcmp(o, "--out")) {
            a->out = v;
            continue;
        }
        if (!strcmp(o, "--model")) {
            a->model = v;
            continue;
        }
        if (!strcmp(o, "--rtol")) {
            char *end;
            double x = strtod(v, &end);
            if (!*v || *end || !(x >= MK_TRIAL_RTOL_MIN && x <= MK_TRIAL_RTOL_MAX))
                return mk_cli_usage_error("--rtol expects a relative tolerance in %g .. %g, found '%s'", MK_TRIAL_RTOL_MIN,
                                          MK_TRIAL_RTOL_MAX, v);
            a->rtol = x;
            continue;
        }
        char *end;
        unsigned long long n = strtoull(v, &end, 10);
        if (!*v || *end || v[0] == '-') return mk_cli_usage_error("%s expects a non-negative integer, found '%s'", o, v);
        if (!strcmp(o, "--seed")) a->seed = n;
        else if (!strcmp(o, "--patients")) {
            if (n < 1 || n > 10000000) return mk_cli_usage_error("--patients expects 1 .. 10000000, found '%s'", v);
            a->patients = (long)n;
        } else if (!strcmp(o, "--power")) {
            if (n < 1 || n > 100000) return mk_cli_usage_error("--power expects 1 .. 100000 replicates, found '%s'", v);
            a->power = (long)n;
        } else {
            if (n < 1 || n > 64) return mk_cli_usage_error("--threads expects 1 .. 64, found '%s'", v);
            a->threads = (long)n;
        }
    }
    if (!a->design) return mk_cli_usage_error("'trial' needs a design file (see myoknot trial --help)");
    if (a->resume && !a->out) return mk_cli_usage_error("--resume needs the --out DIR of the interrupted trial");
    a->design = mk_cli_data_path(a->design, a->design_buf, sizeof a->design_buf);
    if (a->model && mk_model_names_file(a->model)) /* a file */
        a->model = mk_cli_data_path(a->model, a->model_buf, sizeof a->model_buf);
    return 0;
}

static void progress(void *ctx, int done, int total, double elapsed)
{
    (void)elapsed;
    mk_cli_progress_show(ctx, done, total);
}

static int write_outputs(const mk_trial_result *res, const mk_outdir *od, mk_buf *text)
{
    mk_error err = {0};
    mk_buf b;
    char png[4200]; /* an output folder path (at most 4096) and the name */
    char csv[4200];
    /* patients.csv is streamed a patient at a time: its size grows with the trial */
    mk_status rc = mk_outdir_path(od, "patients.csv", csv, sizeof csv, &err);
    if (!rc) rc = mk_trial_write_patients_file(res, csv, &err);
    if (!rc) rc = mk_outdir_path(od, "forest.png", png, sizeof png, &err);
    if (!rc) rc = mk_trial_write_forest(res, png, &err);
    typedef mk_status (*writer)(const mk_trial_result *, mk_buf *, mk_error *);
    static const struct { const char *name; writer fn; } files[] = {
        {"trial_summary.csv", mk_trial_write_summary},
        {"responders.csv", mk_trial_write_responders},
    };
    for (size_t k = 0; !rc && k < sizeof files / sizeof *files; k++) {
        mk_buf_init(&b);
        rc = files[k].fn(res, &b, &err);
        if (!rc) rc = mk_outdir_write(od, files[k].name, b.data ? b.data : "", b.len, &err);
        mk_buf_free(&b);
    }
    if (!rc) {
        mk_buf_init(&b);
        rc = mk_trial_write_html(res, png, &b, &err);
        if (!rc) rc = mk_outdir_write(od, "report.html", b.data, b.len, &err);
        mk_buf_free(&b);
    }
    if (!rc) rc = mk_outdir_write(od, "summary.txt", text->data, text->len, &err);
    return rc ? mk_cli_report(&err) : 0;
}

/* MPI_Init under mpirun (myoknot-mpi); one process otherwise.  --power stays in one process. */
static int mpi_start(const trial_args *a, int *rank, int *size)
{
    *rank = 0;
    *size = 1;
#ifdef MK_MPI
    MPI_Init(NULL, NULL);
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    if (a->power && *size > 1) {
        if (!*rank) mk_cli_usage_error("--power runs in one process (without mpirun)");
        MPI_Finalize();
        return EXIT_USAGE;
    }
#else
    (void)a;
#endif
    return 0;
}

/* --power R: R replicate trials; power.csv into the folder and on the terminal. */
static int write_power(const mk_trial_design *d, const mk_trial_opts *o, long replicates, const mk_outdir *od)
{
    mk_error err = {0};
    mk_buf pw;
    mk_buf_init(&pw);
    printf("power by simulation: %ld replicate trials\n", replicates);
    fflush(stdout);
    int rc = 0;
    if (mk_trial_power(d, o, (int)replicates, &pw, &err) || mk_outdir_write(od, "power.csv", pw.data, pw.len, &err))
        rc = mk_cli_report(&err);
    else fwrite(pw.data, 1, pw.len, stdout);
    mk_buf_free(&pw);
    return rc;
}

/* Rank 0's outputs: the account on the terminal, the files, the power, the commit. */
static int write_all(const mk_trial_design *d, const mk_trial_result *res, const trial_args *a, const mk_trial_opts *o,
                     mk_outdir *od, mk_buf *text)
{
    mk_trial_write_text(res, text);
    if (text->failed) return mk_cli_report(&(mk_error){.code = MK_ERR_NOMEM, .message = "out of memory"});
    fwrite(text->data, 1, text->len, stdout);
    int rc = write_outputs(res, od, text);
    if (!rc && a->power) rc = write_power(d, o, a->power, od);
    if (!rc) rc = mk_cli_outdir_commit(od);
    if (!rc)
        printf("output: %s (patients.csv, trial_summary.csv, responders.csv, forest.png, report.html, summary.txt)\n",
               mk_outdir_dir(od));
    return rc;
}

int mk_cli_trial(int argc, char **argv)
{
    if (mk_cli_wants_help(argc, argv)) {
        fputs(k_help, stdout);
        return 0;
    }
    trial_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc;
    int rank = 0, size = 1;
    if ((rc = mpi_start(&a, &rank, &size))) return rc;
    mk_error err = {0};
    mk_outdir *od = NULL;
    mk_trial_design *d = NULL;
    mk_trial_result *res = NULL;
    mk_buf text;
    mk_buf_init(&text);
    /* the design is read and its arms compiled (units parsed) before any thread starts */
    if (mk_trial_load_model(a.design, a.model, &d, &err)) {
        /* every rank fails alike: one message; an unknown --model is the command line's */
        if (rank > 0) rc = 1;
        else rc = err.origin == MK_ORIGIN_ARGUMENT ? mk_cli_usage_error("--model: %s", err.message) : mk_cli_report(&err);
        goto out;
    }
    char dir[1100] = ""; /* the output folder (at most 1023): every rank's journal goes beside it */
    if (rank == 0 && !mk_cli_outdir_open(&od, a.out, "trial", &mk_outdir_kind_trial))
        snprintf(dir, sizeof dir, "%s", mk_outdir_dir(od));
#ifdef MK_MPI
    if (size > 1) mpi_share_dir(dir, sizeof dir);
#endif
    if (!dir[0]) {
        rc = 1;
        goto out;
    }
    mk_trial_opts o;
    mk_trial_opts_default(&o);
    o.patients = (int)a.patients;
    o.threads = (int)a.threads;
    o.seed = a.seed;
    o.solver.rtol = a.rtol;
    o.rank = rank;
    o.ranks = size;
    mk_cli_progress pg;
    mk_cli_progress_start(&pg, "patients");
    if (rank == 0) o.progress = progress, o.progress_ctx = &pg;
    char journal[1200];
    if (size == 1) snprintf(journal, sizeof journal, "%s.journal", dir);
    else snprintf(journal, sizeof journal, "%s.journal.%d-of-%d", dir, rank, size);
    o.journal = journal;
    o.resume = a.resume;
    if (rank == 0)
        printf("myoknot %s: trial '%s', model %s, %d patients, %d worker thread%s, seed %llu, rtol %g\n", mk_version(),
               mk_trial_name(d), mk_trial_model(d, NULL, NULL), o.patients ? o.patients : mk_trial_default_patients(d),
               o.threads, o.threads == 1 ? "" : "s", o.seed, mk_trial_rtol(d, &o));
    fflush(stdout);
    rc = mk_trial_run(d, &o, &res, &err) ? mk_cli_report(&err) : 0;
    if ((rc = mpi_agree(rc, size))) goto out;
    if (mk_trial_result_resumed(res))
        printf("resumed: %d of the patients taken from %s\n", mk_trial_result_resumed(res), journal);
#ifdef MK_MPI
    if (size > 1 && (rc = mpi_agree(mpi_gather(d, res, rank, size), size))) goto out;
    if (rank > 0) goto finish; /* rank 0 reports and writes */
#endif
    rc = write_all(d, res, &a, &o, od, &text);
#ifdef MK_MPI
finish:
#endif
    /* the outputs are in place (every rank hears it from rank 0): the checkpoints have done their work */
    if (!(rc = mpi_agree(rc, size))) unlink(journal);
out:
    mk_cli_outdir_abort(&od);
    mk_trial_result_free(res);
    mk_trial_free(d);
    mk_buf_free(&text);
#ifdef MK_MPI
    MPI_Finalize();
#endif
    return rc;
}
