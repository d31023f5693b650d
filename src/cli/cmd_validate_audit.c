/*
 * cmd_validate_audit.c -- myoknot validate --audit: can each target fail?  (docs/validation.md)
 *
 * Every parameter with a plausible range is moved to each end of it, one at a time (about
 * 2 x 159 variants of tp_site), and the targets run against every variant.  A variant whose run
 * fails (the simulation does not finish, a statistic cannot be read: verdict ERROR) says nothing
 * about the target: it is counted apart as *failed*, never as a flip.  A target that passes for
 * every variant that ran, or all but one, does not depend on the model getting anything right: it
 * is marked insensitive.  The table (per target: how many variants pass, ran and failed, which
 * parameter ends flip the verdict and which failed) goes to the output directory; the marks go to
 * DIR/audit.csv, which validate reads.
 *
 * The variants run in worker processes (fork), not threads: compiling a scenario parses units
 * with UDUNITS, which is not thread safe.  Each worker writes one line per (variant, target) to
 * its pipe; the parent collects them and shows progress on a terminal.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

typedef struct variant {
    int param;
    double value;
    int hi; /* 1: the high end of the range */
} variant;

typedef struct audit {
    const mk_model_abi *abi;
    mk_units *u;
    mk_anatomy *anat;
    mk_vtarget **t;
    int n_t;
    variant *v;
    int n_v;
    unsigned char *pass; /* [variant][target]: AU_PASS, AU_MISS, AU_FAILED; 255 not yet known */
    unsigned char *base; /* [target], the same codes for the model itself */
} audit;

/* What one run of a target says: its comparison passes, misses, or the run failed (ERROR: the
 * simulation did not finish or the number could not be read), which is no verdict at all. */
enum { AU_MISS = 0, AU_PASS = 1, AU_FAILED = 2 };

/* AU_PASS if target t passes its comparison against abi (marks ignored), AU_MISS if it misses,
 * AU_FAILED if the run failed. */
static int raw_pass(audit *a, int t, const mk_model_abi *abi)
{
    mk_vresult *r = NULL;
    mk_error e = {0};
    if (mk_vtarget_run(a->t[t], abi, a->u, a->anat, &r, &e)) return AU_FAILED;
    mk_verdict v = mk_vresult_verdict(r);
    int ok = v == MK_V_ERROR ? AU_FAILED : v == MK_V_PASS || v == MK_V_XPASS ? AU_PASS : AU_MISS;
    mk_vresult_free(r);
    return ok;
}

/* A worker: every jobs-th variant from first; one line "V T PASS" per result, "V -1 0" per variant. */
static void worker(audit *a, int first, int jobs, int fd)
{
    mk_symbol *params = mk_malloc((size_t)a->abi->n_params * sizeof *params);
    if (!params) _exit(3);
    for (int v = first; v < a->n_v; v += jobs) {
        memcpy(params, a->abi->params, (size_t)a->abi->n_params * sizeof *params);
        params[a->v[v].param].value = a->v[v].value;
        mk_model_abi abi = *a->abi;
        abi.params = params;
        for (int t = 0; t <= a->n_t; t++) {
            char line[64];
            int n = t < a->n_t ? snprintf(line, sizeof line, "%d %d %d\n", v, t, raw_pass(a, t, &abi))
                               : snprintf(line, sizeof line, "%d -1 0\n", v);
            if (write(fd, line, (size_t)n) != n) _exit(4);
        }
    }
    free(params);
    _exit(0);
}

/* Read what the workers write until every pipe is closed. */
static int collect(audit *a, int *fds, int jobs)
{
    char buf[MK_CLI_AUDIT_MAX_JOBS][256];
    size_t have[MK_CLI_AUDIT_MAX_JOBS] = {0};
    int open_n = jobs, done = 0;
    mk_cli_progress pg;
    mk_cli_progress_start(&pg, "variants");
    while (open_n) {
        struct pollfd p[MK_CLI_AUDIT_MAX_JOBS];
        for (int j = 0; j < jobs && j < MK_CLI_AUDIT_MAX_JOBS; j++) p[j] = (struct pollfd){.fd = fds[j], .events = POLLIN};
        if (jobs < 1 || jobs > MK_CLI_AUDIT_MAX_JOBS || poll(p, (nfds_t)jobs, -1) < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        for (int j = 0; j < jobs; j++) {
            if (fds[j] < 0 || !(p[j].revents & (POLLIN | POLLHUP))) continue;
            ssize_t got = read(fds[j], buf[j] + have[j], sizeof buf[j] - 1 - have[j]);
            if (got <= 0) {
                close(fds[j]);
                fds[j] = -1;
                open_n--;
                continue;
            }
            have[j] += (size_t)got;
            buf[j][have[j]] = 0;
            char *line = buf[j], *nl;
            while ((nl = strchr(line, '\n'))) {
                int v, t, ok;
                *nl = 0;
                if (sscanf(line, "%d %d %d", &v, &t, &ok) == 3 && v >= 0 && v < a->n_v) {
                    if (t >= 0 && t < a->n_t && ok >= AU_MISS && ok <= AU_FAILED)
                        a->pass[(size_t)v * (size_t)a->n_t + (size_t)t] = (unsigned char)ok;
                    else if (t == -1 && ++done) mk_cli_progress_show(&pg, done, a->n_v);
                }
                line = nl + 1;
            }
            have[j] = strlen(line);
            memmove(buf[j], line, have[j] + 1);
        }
    }
    return done;
}

static void csv_text(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* The parameter ends (" "-separated "name=lo|hi") of the variants for which target t ran and its
 * verdict differs from the model's (failed = 0), or for which the run failed (failed = 1);
 * returns their number (all of them, even those that did not fit into buf). */
static int list_variants(const audit *a, int t, int failed, char *buf, size_t size)
{
    size_t l = 0;
    int n = 0;
    buf[0] = 0;
    for (int v = 0; v < a->n_v; v++) {
        int r = a->pass[(size_t)v * (size_t)a->n_t + (size_t)t];
        if (failed ? r != AU_FAILED : r == AU_FAILED || (r == AU_PASS) == (a->base[t] == AU_PASS)) continue;
        if (l < size)
            l += (size_t)snprintf(buf + l, size - l, "%s%s=%s", n ? " " : "", a->abi->params[a->v[v].param].name, a->v[v].hi ? "hi" : "lo");
        n++;
    }
    return n;
}

/* One target's counts: variants that pass, that ran (did not fail), and the mark.  Insensitive:
 * it passes with the model and for every variant that ran, or all but one (a failed variant
 * says nothing about the target, so it is not counted as a flip). */
static int target_counts(const audit *a, int t, int *np, int *nran)
{
    *np = *nran = 0;
    for (int v = 0; v < a->n_v; v++) {
        int r = a->pass[(size_t)v * (size_t)a->n_t + (size_t)t];
        *np += r == AU_PASS;
        *nran += r != AU_FAILED;
    }
    return a->base[t] == AU_PASS && *np >= *nran - 1;
}

static const char *base_text(int b)
{
    return b == AU_PASS ? "pass" : b == AU_FAILED ? "error" : "fail";
}

/* Write the table (out/audit-table.csv) and, unless only some targets ran, the marks. */
static int write_results(audit *a, const mk_cli_audit_opts *o, const char *out, double wall, int n_ranged)
{
    char path[1200], stamp[64];
    time_t tnow = time(NULL);
    struct tm tm;
    localtime_r(&tnow, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M", &tm);
    snprintf(path, sizeof path, "%s/audit-table.csv", out);
    FILE *f = fopen(path, "w");
    char mpath[1200];
    snprintf(mpath, sizeof mpath, "%s/audit.csv.tmp-%ld", o->dir, (long)getpid());
    FILE *m = o->n_only ? NULL : fopen(mpath, "w");
    if (!f || (!o->n_only && !m)) {
        fprintf(stderr, "myoknot: error: cannot write %s: %s\n", !f ? path : mpath, strerror(errno));
        if (f) fclose(f);
        if (m) fclose(m);
        return 1;
    }
    char head[512];
    snprintf(head, sizeof head, "# myoknot validate --audit: model %s (hash %s), %s, %d variants (each of %d ranged parameters "
             "at each end of its plausible range), %.0f s on %d workers", a->abi->name, a->abi->hash, stamp, a->n_v, n_ranged,
             wall, o->jobs);
    const char *cols = "target,role,model_passes,variants_pass,variants_ran,variants_failed,variants,mark";
    fprintf(f, "%s\n# variants_failed: runs that did not finish (verdict ERROR), not counted as flips\n%s,flipped_by,failed_in\n",
            head, cols);
    if (m) fprintf(m, "%s\n# insensitive: passes with the model and for every variant that ran, or all but one; a variant whose "
                      "run failed is counted apart (variants_failed), never as a flip (docs/validation.md)\n%s\n", head, cols);
    printf("\n%-32s %-12s %-6s %-10s %-7s %s\n", "target", "role", "model", "pass/ran", "failed", "mark / flipped by");
    for (int t = 0; t < a->n_t; t++) {
        int np, nran, ins = target_counts(a, t, &np, &nran), nfail = a->n_v - nran;
        const char *name = mk_vtarget_name(a->t[t]), *role = mk_vtarget_role(a->t[t]);
        char row[512];
        snprintf(row, sizeof row, "%s,%s,%s,%d,%d,%d,%d,%s", name, role, base_text(a->base[t]), np, nran, nfail, a->n_v,
                 ins ? "insensitive" : "");
        fprintf(f, "%s,", row);
        if (m) fprintf(m, "%s\n", row);
        printf("%-32s %-12s %-6s %4d/%-5d %-7d %s", name, role, base_text(a->base[t]), np, nran, nfail, ins ? "INSENSITIVE " : "");
        char flips[4096], failed[4096];
        int nf = list_variants(a, t, 0, flips, sizeof flips);
        list_variants(a, t, 1, failed, sizeof failed);
        csv_text(f, flips);
        fputc(',', f);
        csv_text(f, failed);
        fputc('\n', f);
        printf("%d flip%s%s%.60s%s\n", nf, nf == 1 ? "" : "s", nf ? ": " : "", flips, strlen(flips) > 60 ? "..." : "");
    }
    int bad = fclose(f) != 0;
    if (m) {
        char final[1100];
        snprintf(final, sizeof final, "%s/audit.csv", o->dir);
        bad |= fclose(m) != 0 || rename(mpath, final) != 0;
        if (!bad) printf("marks written to %s\n", final);
    } else {
        printf("(--only: the marks file is not rewritten)\n");
    }
    printf("table written to %s\n", path);
    if (bad) fprintf(stderr, "myoknot: error: writing the audit results failed\n");
    return bad;
}

static int load_targets(audit *a, const mk_cli_audit_opts *o)
{
    int n_files = 0;
    char **files = mk_cli_validate_list(o->dir, &n_files);
    if (!files || !n_files) {
        fprintf(stderr, "myoknot: error: no validation targets (*.yaml) in %s\n", o->dir);
        free(files);
        return 1;
    }
    a->t = mk_calloc((size_t)n_files, sizeof *a->t);
    int rc = a->t ? 0 : 1;
    for (int f = 0; f < n_files; f++) {
        mk_vtarget *t = NULL;
        mk_error e = {0};
        if (!rc && (mk_vtarget_load_file(files[f], &t, &e) || mk_vtarget_check_units(t, a->u, &e))) {
            mk_cli_report(&e);
            rc = 1;
        }
        if (!rc && mk_cli_validate_selected(o->only, o->n_only, files[f], mk_vtarget_name(t))) a->t[a->n_t++] = t;
        else mk_vtarget_free(t);
        free(files[f]);
    }
    free(files);
    if (!rc && !a->n_t) rc = mk_cli_usage_error("no validation target in %s matches --only %s", o->dir, o->only[0]);
    return rc;
}

int mk_cli_validate_audit(const mk_cli_audit_opts *o, const mk_model_abi *abi)
{
    audit a = {.abi = abi};
    mk_error err = {0};
    int rc = 0, jobs = o->jobs < MK_CLI_AUDIT_MAX_JOBS ? o->jobs : MK_CLI_AUDIT_MAX_JOBS;
    if (mk_units_new(&a.u, &err) || mk_anatomy_load(&a.anat, &err)) {
        mk_cli_report(&err);
        rc = 1;
        goto done;
    }
    if ((rc = load_targets(&a, o))) goto done;
    int n_ranged = 0;
    a.v = mk_malloc((size_t)(2 * abi->n_params + 1) * sizeof *a.v);
    if (!a.v) goto nomem;
    for (int i = 0; i < abi->n_params; i++) {
        const mk_symbol *p = &abi->params[i];
        if (!(isfinite(p->lo) && isfinite(p->hi) && p->lo < p->hi)) continue;
        n_ranged++;
        if (p->lo != p->value) a.v[a.n_v++] = (variant){i, p->lo, 0};
        if (p->hi != p->value) a.v[a.n_v++] = (variant){i, p->hi, 1};
    }
    a.pass = mk_malloc((size_t)a.n_v * (size_t)a.n_t + 1);
    a.base = mk_malloc((size_t)a.n_t + 1);
    if (!a.pass || !a.base) goto nomem;
    memset(a.pass, 255, (size_t)a.n_v * (size_t)a.n_t);
    printf("myoknot %s: audit of %d validation targets against %s (%s): %d variants (each of %d ranged parameters at "
           "each end of its range) on %d workers\n", mk_version(), a.n_t, abi->name, abi->hash, a.n_v, n_ranged, jobs);
    double t0 = mk_cli_now_s();
    for (int t = 0; t < a.n_t; t++) a.base[t] = (unsigned char)raw_pass(&a, t, abi);

    /* output directory first: a long run must not end in "cannot write" */
    char out[1024];
    if (o->out) snprintf(out, sizeof out, "%s", o->out);
    else {
        char stamp[32];
        time_t tnow = time(NULL);
        struct tm tm;
        localtime_r(&tnow, &tm);
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
        mkdir("runs", 0755);
        snprintf(out, sizeof out, "runs/audit-%s", stamp);
    }
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "myoknot: error: cannot create %s: %s\n", out, strerror(errno));
        rc = 1;
        goto done;
    }

    int fds[MK_CLI_AUDIT_MAX_JOBS];
    pid_t pids[MK_CLI_AUDIT_MAX_JOBS];
    fflush(stdout);
    fflush(stderr);
    const int planned = jobs;
    for (int j = 0; j < planned; j++) {
        int p[2];
        if (pipe(p)) {
            jobs = j;
            break;
        }
        pids[j] = fork();
        if (pids[j] == 0) {
            close(p[0]);
            for (int k = 0; k < j; k++) close(fds[k]);
            worker(&a, j, planned, p[1]);
        }
        close(p[1]);
        if (pids[j] < 0) {
            close(p[0]);
            jobs = j;
            break;
        }
        fds[j] = p[0];
    }
    if (jobs < planned) {
        fprintf(stderr, "myoknot: error: cannot start the audit workers: %s\n", strerror(errno));
        rc = 1;
    }
    int done_v = collect(&a, fds, jobs);
    for (int j = 0; j < jobs; j++) {
        int st = 0;
        if (waitpid(pids[j], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) rc = 1;
    }
    double wall = mk_cli_now_s() - t0;
    if (rc || done_v != a.n_v) {
        fprintf(stderr, "myoknot: error: the audit workers finished %d of %d variants\n", done_v < 0 ? 0 : done_v, a.n_v);
        rc = 1;
        goto done;
    }
    rc = write_results(&a, o, out, wall, n_ranged);
    printf("audit time %.0f s (%d variants x %d targets on %d workers)\n", wall, a.n_v, a.n_t, jobs);
    goto done;
nomem:
    fprintf(stderr, "myoknot: error: out of memory\n");
    rc = 1;
done:
    for (int t = 0; t < a.n_t; t++) mk_vtarget_free(a.t[t]);
    free(a.t);
    free(a.v);
    free(a.pass);
    free(a.base);
    mk_anatomy_free(a.anat);
    mk_units_free(a.u);
    return rc;
}
