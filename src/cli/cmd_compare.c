/*
 * cmd_compare.c -- myoknot compare: run directories side by side (src/analysis/compare.h).
 */
#include <stdio.h>
#include <string.h>

#include "myoknot/compare.h"
#include "cli/args.h"
#include "cli/cli.h"

static const char k_help[] =
    "usage: myoknot compare RUN_DIR RUN_DIR... [--out DIR]\n"
    "\n"
    "Puts two to four runs side by side: a table of their measurements (matched by label) with\n"
    "each run's value and its difference from the first, and a figure overlaying local pain,\n"
    "the measured PPT and the taut-band stiffness over time.  The first run is the reference:\n"
    "give the control (no treatment) first, then the treated runs.\n"
    "\n"
    "  RUN_DIR      a folder myoknot run wrote (measurements.csv, series.csv, manifest.json)\n"
    "  --out DIR    output folder (default runs/compare-YYYYMMDD-HHMMSS): compare.csv,\n"
    "               compare.png, compare.txt\n"
    "\n"
    "Example: the stretching programme against the same four weeks without the stretch:\n"
    "  myoknot run scenarios/stretching_control.yaml --out runs/no-stretch\n"
    "  myoknot run scenarios/stretching_programme.yaml --out runs/stretch\n"
    "  myoknot compare runs/no-stretch runs/stretch\n";

static const mk_cli_opt k_opts[] = {{"--out", MK_CLI_VALUE}};

static int compare_main(const char *const *dirs, int n, const char *out)
{
    mk_error err = {0};
    mk_compare c;
    if (mk_compare_load(dirs, n, &c, &err)) return mk_cli_report(&err);
    mk_outdir *od = NULL;
    int rc = mk_cli_outdir_open(&od, out, "compare", &mk_outdir_kind_compare);
    mk_buf text, csv;
    mk_buf_init(&text);
    mk_buf_init(&csv);
    char path[8400];
    if (!rc) {
        mk_compare_table(&c, &text, &csv);
        if (text.failed || csv.failed) rc = mk_cli_usage_error("out of memory");
    }
    if (!rc && (mk_outdir_write(od, "compare.csv", csv.data ? csv.data : "", csv.len, &err) ||
                mk_outdir_write(od, "compare.txt", text.data ? text.data : "", text.len, &err) ||
                mk_outdir_path(od, "compare.png", path, sizeof path, &err) || mk_compare_figure(&c, path, &err)))
        rc = mk_cli_report(&err);
    if (!rc && !(rc = mk_cli_outdir_commit(od))) {
        fputs(text.data ? text.data : "", stdout);
        printf("\noutput: %s (compare.csv, compare.png, compare.txt)\n", mk_outdir_dir(od));
    }
    mk_cli_outdir_abort(&od);
    mk_buf_free(&text);
    mk_buf_free(&csv);
    mk_compare_free(&c);
    return rc;
}

int mk_cli_compare(int argc, char **argv)
{
    if (mk_cli_wants_help(argc, argv)) {
        fputs(k_help, stdout);
        return 0;
    }
    mk_cli_args args;
    const char *dirs[MK_COMPARE_MAX_RUNS], *out = NULL;
    int n = 0;
    int rc = mk_cli_args_parse("compare", k_opts, 1, argc, argv, &args);
    for (int i = 0; !rc && i < args.n; i++) {
        if (args.v[i].opt) out = args.v[i].value;
        else if (n == MK_COMPARE_MAX_RUNS)
            rc = mk_cli_args_extra(&args.v[i], "'compare' takes at most %d run directories", MK_COMPARE_MAX_RUNS);
        else dirs[n++] = args.v[i].value;
    }
    if (!rc && n < 2) rc = mk_cli_usage_error("'compare' needs two or more run directories (see myoknot compare --help)");
    if (!rc) rc = compare_main(dirs, n, out);
    mk_cli_args_free(&args);
    return rc;
}
