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

/* Rank r ran the patients i with i % size == r.  Each rank > 0 sends its records (in patient
 * order) and their failure texts (separated by a 0x1f byte) to rank 0, which fills them into
 * its own result: the result is then the one a single process computes, byte for byte. */
static int mpi_send_mine(const mk_trial_design *d, const mk_trial_result *res, int rank, int size)
{
    size_t rec = mk_trial_record_size(d);
    int n_all = mk_trial_result_patients(res), mine = 0;
    for (int i = rank; i < n_all; i += size) mine++;
    double *buf = calloc((size_t)mine * rec + 1, sizeof *buf);
    mk_buf txt;
    mk_buf_init(&txt);
    if (!buf) return 1;
    int k = 0;
    for (int i = rank; i < n_all; i += size, k++) {
        mk_trial_pack(res, i, buf + (size_t)k * rec);
        const char *why = mk_trial_result_failure(res, i);
        mk_buf_puts(&txt, why ? why : "");
        mk_buf_puts(&txt, "\x1f"); /* a separator no message contains */
    }
    unsigned long len = (unsigned long)txt.len;
    MPI_Send(buf, (int)((size_t)mine * rec), MPI_DOUBLE, 0, 1, MPI_COMM_WORLD);
    MPI_Send(&len, 1, MPI_UNSIGNED_LONG, 0, 2, MPI_COMM_WORLD);
    MPI_Send(txt.data ? txt.data : "", (int)len, MPI_CHAR, 0, 3, MPI_COMM_WORLD);
    int failed = txt.failed;
    free(buf);
    mk_buf_free(&txt);
    return failed;
}

static int mpi_receive(const mk_trial_design *d, mk_trial_result *res, int r, int size)
{
    size_t rec = mk_trial_record_size(d);
    int n_all = mk_trial_result_patients(res), n = 0;
    for (int i = r; i < n_all; i += size) n++;
    double *buf = calloc((size_t)n * rec + 1, sizeof *buf);
    unsigned long len = 0;
    if (!buf) return 1;
    MPI_Recv(buf, (int)((size_t)n * rec), MPI_DOUBLE, r, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Recv(&len, 1, MPI_UNSIGNED_LONG, r, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    char *txt = calloc(len + 1, 1);
    if (!txt) {
        free(buf);
        return 1;
    }
    MPI_Recv(txt, (int)len, MPI_CHAR, r, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    char *p = txt;
    mk_error err = {0};
    int k = 0, bad = 0;
    for (int i = r; i < n_all && !bad; i += size, k++) {
        char *sep = strchr(p, '\x1f');
        if (sep) *sep = 0;
        bad = mk_trial_unpack(res, i, buf + (size_t)k * rec, p, &err) != MK_OK;
        p = sep ? sep + 1 : p + strlen(p);
    }
    free(txt);
    free(buf);
    return bad;
}

static int mpi_gather(const mk_trial_design *d, mk_trial_result *res, int rank, int size)
{
    if (rank > 0) return mpi_send_mine(d, res, rank, size);
    for (int r = 1; r < size; r++)
        if (mpi_receive(d, res, r, size)) return 1;
    mk_trial_tally(res);
    return 0;
}
#endif

static const char k_help[] =
    "usage: myoknot trial DESIGN.yaml [--patients N] [--threads K] [--seed S] [--power R]\n"
    "                     [--out DIR [--resume]]\n"
    "\n"
    "Virtual patients through a trial design (trials/*.yaml, docs/trials.md): a population\n"
    "sampled over the design's parameters (Sobol), accepted where its phenotype falls inside\n"
    "published ranges, screened by a noisy examiner, run through every arm (paired) or the\n"
    "allocated one (randomised), and compared: mean difference and Hedges' g with 95 %\n"
    "intervals and Welch's p, responder rates against each outcome's MID.\n"
    "\n"
    "  --patients N   virtual patients to sample (default: the design's 'patients')\n"
    "  --threads K    worker threads (default 1); the results are the same bytes for any K\n"
    "  --seed S       the seed of every random number (default 1): the Sobol rotation, the\n"
    "                 examiner's errors, the allocation\n"
    "  --power R      power by simulation: R more trials of N patients (seeds S+1 .. S+R);\n"
    "                 power.csv gives the share with Welch p < 0.05 per comparison, outcome and\n"
    "                 time (R x N patients: costly)\n"
    "  --out DIR      output folder (default runs/trial-YYYYMMDD-HHMMSS): patients.csv (one\n"
    "                 row per patient, arm and time point), trial_summary.csv,\n"
    "                 responders.csv, forest.png, report.html, summary.txt\n"
    "  --resume       continue the interrupted trial whose journal DIR.journal holds its\n"
    "                 finished patients (every run keeps one beside its folder until the\n"
    "                 outputs are written): the same command line plus --resume gives the\n"
    "                 bytes an uninterrupted run gives\n";

const mk_outdir_kind mk_outdir_kind_trial = {"an output of myoknot trial (no trial_summary.csv)", "trial_summary.csv",
                                             NULL};

typedef struct trial_args {
    const char *design, *out;
    long patients, threads, power;
    unsigned long long seed;
    int resume;
    char design_buf[4096]; /* found under a data root (mk_cli_data_path) */
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
            strcmp(o, "--power"))
            return mk_cli_usage_error("unknown option '%s' for 'trial' (see myoknot trial --help)", o);
        if (!v) return mk_cli_usage_error("%s needs a value", o);
        i++;
        if (!strcmp(o, "--out")) {
            a->out = v;
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
    mk_status rc = mk_outdir_path(od, "forest.png", png, sizeof png, &err);
    if (!rc) rc = mk_trial_write_forest(res, png, &err);
    typedef mk_status (*writer)(const mk_trial_result *, mk_buf *, mk_error *);
    static const struct { const char *name; writer fn; } files[] = {
        {"patients.csv", mk_trial_write_patients},
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
    if (mk_trial_load(a.design, &d, &err)) {
        rc = rank == 0 ? mk_cli_report(&err) : 1; /* every rank fails alike: one message */
        goto out;
    }
    if (rank == 0 && mk_cli_outdir_open(&od, a.out, "trial", &mk_outdir_kind_trial)) {
        rc = 1;
        goto out;
    }
    mk_trial_opts o;
    mk_trial_opts_default(&o);
    o.patients = (int)a.patients;
    o.threads = (int)a.threads;
    o.seed = a.seed;
    o.rank = rank;
    o.ranks = size;
    mk_cli_progress pg;
    mk_cli_progress_start(&pg, "patients");
    if (rank == 0) o.progress = progress, o.progress_ctx = &pg;
    char journal[1100]; /* an output folder path (at most 1023) and ".journal" */
    if (size == 1) {
        snprintf(journal, sizeof journal, "%s.journal", mk_outdir_dir(od));
        o.journal = journal;
        o.resume = a.resume;
    } else if (a.resume) {
        rc = mk_cli_usage_error("--resume runs in one process (without mpirun)");
        goto out;
    }
    if (rank == 0)
        printf("myoknot %s: trial '%s', %d patients, %d worker thread%s, seed %llu\n", mk_version(), mk_trial_name(d),
               o.patients ? o.patients : mk_trial_default_patients(d), o.threads, o.threads == 1 ? "" : "s", o.seed);
    fflush(stdout);
    if (mk_trial_run(d, &o, &res, &err)) {
        rc = mk_cli_report(&err);
        goto out;
    }
    if (rank == 0 && mk_trial_result_resumed(res))
        printf("resumed: %d of the patients taken from %s\n", mk_trial_result_resumed(res), journal);
#ifdef MK_MPI
    if (size > 1 && mpi_gather(d, res, rank, size)) {
        fprintf(stderr, "myoknot: error: rank %d: out of memory gathering the patients\n", rank);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    if (rank > 0) goto out; /* rank 0 reports and writes */
#endif
    mk_trial_write_text(res, &text);
    if (text.failed) {
        rc = mk_cli_report(&(mk_error){.code = MK_ERR_NOMEM, .message = "out of memory"});
        goto out;
    }
    fwrite(text.data, 1, text.len, stdout);
    if ((rc = write_outputs(res, od, &text))) goto out;
    if ((a.power && (rc = write_power(d, &o, a.power, od))) || (rc = mk_cli_outdir_commit(od))) goto out;
    printf("output: %s (patients.csv, trial_summary.csv, responders.csv, forest.png, report.html, summary.txt)\n",
           mk_outdir_dir(od));
    if (o.journal) unlink(o.journal); /* the outputs are in place: the checkpoint has done its work */
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
