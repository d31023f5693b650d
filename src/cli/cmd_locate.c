/*
 * cmd_locate.c -- myoknot locate: from a pain drawing to the trigger points that could cause
 * it (src/analysis/locate_run.h, docs/referral.md); --cv measures it leave-one-out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"

/* the cross-validation's folds, on a terminal or as a line per percent in a log */
static void cv_progress(void *ctx, int done, int total) { mk_cli_progress_show(ctx, done, total); }

static const char k_help[] =
    "usage: myoknot locate REGION=INTENSITY ... [--csv FILE] [--figure FILE] [--muscle NAME ...] [--top N]\n"
    "       myoknot locate --drawing FILE [same options]\n"
    "       myoknot locate --cv [--starts N] [--evals N]\n"
    "\n"
    "Ranks the trigger points (a muscle of data/anatomy/muscles.csv, right or left) that could\n"
    "cause a pain drawing by their posterior probability: the referral mechanism predicts each\n"
    "candidate's map (docs/referral.md), and an observation model of how a patient draws --\n"
    "regions missed, regions added, intensities noisy around the predicted pattern -- gives the\n"
    "likelihood of the drawing; the prior is uniform.  Prints the ranking, the model's\n"
    "parameters, and each top candidate's predicted map with the segments that explain it.\n"
    "\n"
    "  REGION=INTENSITY  a drawn region (data/anatomy/body_regions.csv id, lateral ones with _r\n"
    "                  or _l) and its pain 0..10 (0: not painful)\n"
    "  --drawing FILE  a YAML pain drawing instead: 'regions:' mapping region ids to 0..10\n"
    "  --csv FILE      write rank,muscle,side,probability for every candidate\n"
    "  --figure FILE   a body-map PNG: the drawing beside the three most probable maps\n"
    "  --muscle NAME   consider only the muscles named (repeat the option)\n"
    "  --top N         candidates described in full (default 5)\n"
    "  --cv            leave-one-out top-1/top-3 accuracy and reliability on the training maps\n"
    "  --starts N, --evals N   the referral fit of each fold, as in myoknot referral --cv\n";

#define MAX_MUSCLES 80

typedef struct locate_args {
    int cv;
    const char *csv, *figure, *drawing;
    const char *items[256];
    int n_items;
    const char *muscles[MAX_MUSCLES];
    int n_muscles, top;
    mk_referral_fit_opts fit;
} locate_args;

static const mk_cli_opt k_opts[] = {
    {"--cv", MK_CLI_FLAG},       {"--csv", MK_CLI_VALUE},    {"--figure", MK_CLI_VALUE}, {"--drawing", MK_CLI_VALUE},
    {"--muscle", MK_CLI_VALUE},  {"--top", MK_CLI_VALUE},    {"--starts", MK_CLI_VALUE}, {"--evals", MK_CLI_VALUE},
};

static int count_arg(const char *o, const char *v, int *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < 1 || n > 100000) return mk_cli_usage_error("%s expects 1 .. 100000, found '%s'", o, v);
    *out = (int)n;
    return 0;
}

static int parse_args(const mk_cli_args *args, locate_args *a)
{
    memset(a, 0, sizeof *a);
    mk_referral_fit_opts_default(&a->fit);
    for (int i = 0; i < args->n; i++) {
        const char *o = args->v[i].opt, *v = args->v[i].value;
        int rc = 0;
        if (!o) {
            if (!strchr(v, '=') || a->n_items == (int)(sizeof a->items / sizeof *a->items))
                return mk_cli_args_extra(&args->v[i], "expected REGION=INTENSITY (e.g. temple_r=6), found '%s' "
                                         "(see myoknot locate --help)", v);
            a->items[a->n_items++] = v;
        } else if (!strcmp(o, "--cv")) a->cv = 1;
        else if (!strcmp(o, "--csv")) a->csv = v;
        else if (!strcmp(o, "--figure")) a->figure = v;
        else if (!strcmp(o, "--drawing")) a->drawing = v;
        else if (!strcmp(o, "--muscle")) {
            if (a->n_muscles == MAX_MUSCLES) return mk_cli_usage_error("more than %d --muscle options", MAX_MUSCLES);
            a->muscles[a->n_muscles++] = v;
        } else if (!strcmp(o, "--top")) rc = count_arg(o, v, &a->top);
        else rc = count_arg(o, v, !strcmp(o, "--starts") ? &a->fit.starts : &a->fit.max_evals);
        if (rc) return rc;
    }
    if (a->cv && (a->n_items || a->drawing))
        return mk_cli_usage_error("--cv measures locate on the training maps: give no drawing with it");
    if (!a->cv && !a->n_items && !a->drawing)
        return mk_cli_usage_error("'locate' needs a pain drawing: REGION=INTENSITY ... or --drawing FILE "
                                  "(see myoknot locate --help)");
    return 0;
}

static int print_buf(mk_buf *b)
{
    if (b->failed) {
        mk_buf_free(b);
        fputs("myoknot: error: out of memory\n", stderr);
        return 1;
    }
    fputs(b->data, stdout);
    mk_buf_free(b);
    return 0;
}

static int locate_cv(const locate_args *a)
{
    mk_error err;
    mk_locate_cv *c = NULL;
    mk_cli_progress pg;
    mk_cli_progress_start(&pg, "folds");
    mk_referral_fit_opts fit = a->fit;
    fit.progress = cv_progress;
    fit.progress_ctx = &pg;
    if (mk_locate_cv_run(&fit, &c, &err)) return mk_cli_report(&err);
    mk_buf b;
    mk_buf_init(&b);
    mk_locate_cv_format(c, &b);
    mk_locate_cv_free(c);
    return print_buf(&b);
}

static int locate_main(const locate_args *a)
{
    if (a->cv) return locate_cv(a);
    if ((a->csv && mk_cli_check_output_file(a->csv)) || (a->figure && mk_cli_check_output_file(a->figure))) return 1;
    mk_locate_request q = {.items = a->items, .n_items = a->n_items, .drawing_file = a->drawing,
                           .muscles = a->n_muscles ? a->muscles : NULL, .n_muscles = a->n_muscles, .top = a->top};
    mk_error err;
    mk_locate_report *r = NULL;
    if (mk_locate_run(&q, &r, &err)) return mk_cli_report(&err);
    int rc = 0; /* the figure first: it is the one that can fail for want of memory or a font */
    if (a->figure && mk_locate_write_figure(r, a->figure, &err)) rc = mk_cli_report(&err);
    if (!rc && a->csv && mk_locate_write_csv(r, a->csv, &err)) rc = mk_cli_report(&err);
    mk_buf b;
    mk_buf_init(&b);
    if (!rc) mk_locate_format(r, &b);
    mk_locate_report_free(r);
    if (rc) {
        mk_buf_free(&b);
        return rc;
    }
    return print_buf(&b);
}

int mk_cli_locate(int argc, char **argv)
{
    if (mk_cli_wants_help(argc, argv)) {
        fputs(k_help, stdout);
        return 0;
    }
    mk_cli_args args;
    locate_args a;
    int rc = mk_cli_args_parse("locate", k_opts, (int)(sizeof k_opts / sizeof *k_opts), argc, argv, &args);
    if (!rc) rc = parse_args(&args, &a);
    if (!rc) rc = locate_main(&a);
    mk_cli_args_free(&args); /* a points into it */
    return rc;
}
