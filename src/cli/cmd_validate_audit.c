/*
 * cmd_validate_audit.c -- myoknot validate --audit: can each target fail?  (docs/validation.md)
 *
 * The audit itself is the library's (mk_audit_run, src/validate/audit.c); this opens the output
 * folder before the long run, shows progress, and prints the table.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const mk_outdir_kind k_audit_kind = {"an audit output (it holds no audit-table.csv)", "audit-table.csv", NULL};

typedef struct audit_view {
    mk_cli_progress pg;
    const mk_model_abi *abi;
} audit_view;

static void on_started(void *ctx, int n_targets, int n_variants, int n_ranged, int jobs)
{
    audit_view *v = ctx;
    printf("myoknot %s: audit of %d validation targets against %s (%s): %d variants (each of %d ranged parameters at "
           "each end of its range) on %d workers\n", mk_version(), n_targets, v->abi->name, v->abi->hash, n_variants, n_ranged,
           jobs);
    fflush(stdout);
    mk_cli_progress_start(&v->pg, "variants");
}

static void on_progress(void *ctx, int done, int total)
{
    audit_view *v = ctx;
    mk_cli_progress_show(&v->pg, done, total);
}

static void print_table(const mk_audit *a)
{
    printf("\n%-32s %-12s %-6s %-10s %-7s %s\n", "target", "role", "model", "pass/ran", "failed", "mark / flipped by");
    for (int t = 0; t < mk_audit_n_targets(a); t++) {
        mk_audit_row_info r;
        mk_audit_row(a, t, &r);
        char flips[4096];
        int nf = mk_audit_variants(a, t, 0, flips, sizeof flips);
        printf("%-32s %-12s %-6s %4d/%-5d %-7d %s", r.name, r.role, r.model, r.passes, r.ran, r.failed,
               r.insensitive ? "INSENSITIVE " : "");
        printf("%d flip%s%s%.60s%s\n", nf, nf == 1 ? "" : "s", nf ? ": " : "", flips, strlen(flips) > 60 ? "..." : "");
    }
}

int mk_cli_validate_audit(const mk_cli_audit_opts *o, const mk_model_abi *abi)
{
    mk_outdir *od = NULL;
    /* the output folder first: a long run must not end in "cannot write" */
    if (mk_cli_outdir_open(&od, o->out, "audit", &k_audit_kind)) return 1;
    audit_view view = {.abi = abi};
    mk_audit_opts ao = {.dir = o->dir, .only = o->only, .n_only = o->n_only, .jobs = o->jobs,
                        .started = on_started, .progress = on_progress, .progress_ctx = &view};
    mk_audit *a = NULL;
    mk_error err = {0};
    mk_status st = mk_audit_run(abi, &ao, &a, &err);
    if (!st) st = mk_audit_write_table(a, od, &err);
    if (!st && !o->n_only) st = mk_audit_write_marks(a, o->dir, &err);
    if (st) {
        mk_cli_outdir_abort(&od);
        mk_audit_free(a);
        return mk_cli_report(&err);
    }
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", mk_outdir_dir(od));
    int rc = mk_cli_outdir_commit(od);
    mk_cli_outdir_abort(&od); /* frees it; harmless after the commit */
    print_table(a);
    if (o->n_only) printf("(--only: the marks file is not rewritten)\n");
    else printf("marks written to %s/audit.csv\n", o->dir);
    printf("table written to %s/audit-table.csv\n", dir);
    printf("audit time %.0f s (%d variants x %d targets on %d workers)\n", mk_audit_wall_s(a), mk_audit_n_variants(a),
           mk_audit_n_targets(a), mk_audit_jobs(a));
    mk_audit_free(a);
    return rc;
}
