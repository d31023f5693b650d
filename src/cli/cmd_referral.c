/*
 * cmd_referral.c -- myoknot referral --cv: the referral mechanism's leave-one-muscle-out
 * cross-validation against the classical maps (src/analysis/referral_cv.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"

/* the cross-validation's folds, on a terminal or as a line per percent in a log */
static void cv_progress(void *ctx, int done, int total) { mk_cli_progress_show(ctx, done, total); }

static const char k_help[] =
    "usage: myoknot referral --cv [--params FILE] [--starts N] [--evals N] [--no-check]\n"
    "\n"
    "Fits the referral mechanism's parameters (data/anatomy/referral_params.csv: those with\n"
    "fit=yes, within their ranges) to the classical maps of data/anatomy/referral_training.csv\n"
    "and measures it by leave-one-muscle-out cross-validation: each muscle's map is predicted\n"
    "by parameters fitted on the other 25.  Convention (issue 10): 1 mL of 5.8 % hypertonic\n"
    "saline over 20 s into the right muscle of the default patient; a region is referred when\n"
    "its peak pain reaches 0.5/10; the muscle's local regions are left out.  Prints pooled\n"
    "precision, recall and F1 (essential zone; essential + spillover), the parameters fitted on\n"
    "all maps and the regions predicted per held-out muscle (docs/referral.md).\n"
    "\n"
    "  --cv            run the cross-validation (the only action for now)\n"
    "  --params FILE   start from this parameter file instead of the built-in one\n"
    "  --starts N      local searches per fit (default 8)\n"
    "  --evals N       objective evaluations per local search (default 400)\n"
    "  --no-check      skip the check of the held-out maps by full simulations\n";

typedef struct referral_args {
    int cv, check;
    const char *params;
    mk_referral_fit_opts fit;
} referral_args;

static const mk_cli_opt k_opts[] = {
    {"--cv", MK_CLI_FLAG},        {"--no-check", MK_CLI_FLAG}, {"--params", MK_CLI_VALUE},
    {"--starts", MK_CLI_VALUE},   {"--evals", MK_CLI_VALUE},
};

static int parse_args(const mk_cli_args *args, referral_args *a)
{
    memset(a, 0, sizeof *a);
    a->check = 1;
    mk_referral_fit_opts_default(&a->fit);
    for (int i = 0; i < args->n; i++) {
        const char *o = args->v[i].opt, *v = args->v[i].value;
        if (!o) return mk_cli_args_extra(&args->v[i], "unknown argument '%s' for 'referral' (see myoknot referral --help)", v);
        if (!strcmp(o, "--cv")) a->cv = 1;
        else if (!strcmp(o, "--no-check")) a->check = 0;
        else if (!strcmp(o, "--params")) a->params = v;
        else {
            char *end;
            long n = strtol(v, &end, 10);
            if (!*v || *end || n < 1 || n > 100000)
                return mk_cli_usage_error("%s expects 1 .. 100000, found '%s'", o, v);
            *(!strcmp(o, "--starts") ? &a->fit.starts : &a->fit.max_evals) = (int)n;
        }
    }
    if (!a->cv) return mk_cli_usage_error("'referral' needs an action: --cv (see myoknot referral --help)");
    return 0;
}

static int referral_main(const referral_args *parsed)
{
    referral_args a = *parsed;
    mk_error err;
    mk_referral_params p;
    if (a.params && mk_referral_params_load_file(a.params, &p, &err)) return mk_cli_report(&err);
    mk_referral_cv_report *r = NULL;
    mk_cli_progress pg;
    mk_cli_progress_start(&pg, "folds");
    a.fit.progress = cv_progress;
    a.fit.progress_ctx = &pg;
    if (mk_referral_cv_run(a.params ? &p : NULL, &a.fit, a.check, &r, &err)) return mk_cli_report(&err);
    mk_buf b;
    mk_buf_init(&b);
    mk_referral_cv_format(r, &b);
    mk_referral_cv_report_free(r);
    if (b.failed) {
        mk_buf_free(&b);
        fputs("myoknot: error: out of memory\n", stderr);
        return 1;
    }
    fputs(b.data, stdout);
    mk_buf_free(&b);
    return 0;
}

int mk_cli_referral(int argc, char **argv)
{
    if (mk_cli_wants_help(argc, argv)) {
        fputs(k_help, stdout);
        return 0;
    }
    mk_cli_args args;
    referral_args a;
    int rc = mk_cli_args_parse("referral", k_opts, (int)(sizeof k_opts / sizeof *k_opts), argc, argv, &args);
    if (!rc) rc = parse_args(&args, &a);
    if (!rc) rc = referral_main(&a);
    mk_cli_args_free(&args); /* a points into it */
    return rc;
}
