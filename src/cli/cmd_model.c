/* cmd_model.c -- myoknot model check|show|c|py|sbml|list: the model language from the command line. */
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"

static const char k_help[] =
    "usage: myoknot model check MODEL      check a model file; prints 'ok' and its size\n"
    "       myoknot model show MODEL [-o FILE.md]\n"
    "                                      equations (Markdown, LaTeX maths), parameters with\n"
    "                                      units, ranges and sources, dependency order\n"
    "       myoknot model c MODEL [-o FILE.c]\n"
    "                                      the C that myoknot generates from the model\n"
    "       myoknot model py MODEL [-o FILE.py]\n"
    "                                      the model as a standalone Python module (right-hand\n"
    "                                      side, parameters, inputs, states with units), for\n"
    "                                      cross-checks with SciPy\n"
    "       myoknot model sbml MODEL [-o FILE.xml]\n"
    "                                      the model as SBML Level 3 Version 2: parameters,\n"
    "                                      rate and assignment rules, units (docs/sbml.md)\n"
    "       myoknot model list             the models built into this myoknot\n"
    "\n"
    "MODEL is a file (NAME.myo or a path) or the name of a built-in model.  Errors name\n"
    "file:line:column and what was expected; the exit status is 1 for a bad model, 2 for a\n"
    "bad command line.  The language is described in docs/model-language.md.\n";

static int list_models(void)
{
    printf("%-14s %6s %6s %6s %6s  %s\n", "model", "states", "params", "inputs", "vars", "description");
    for (int i = 0; mk_builtin_at(i); i++) {
        const mk_model_abi *a = mk_builtin_at(i);
        printf("%-14s %6d %6d %6d %6d  %s\n", a->name, a->n_states, a->n_params, a->n_inputs,
               a->n_vars, a->doc);
    }
    return 0;
}

/* Text to stdout, or atomically to -o FILE. */
static int emit(const mk_buf *b, const char *out)
{
    if (!out) {
        fwrite(b->data, 1, b->len, stdout);
        return ferror(stdout) ? 1 : 0;
    }
    mk_error err = {0};
    return mk_cli_write_atomic(out, b->data, b->len, &err) ? mk_cli_report(&err) : 0;
}

int mk_cli_model(int argc, char **argv)
{
    if (argc < 1 || mk_cli_wants_help(argc, argv)) {
        fputs(k_help, argc < 1 ? stderr : stdout);
        return argc < 1 ? EXIT_USAGE : 0;
    }
    const char *verb = argv[0];
    if (!strcmp(verb, "list")) {
        if (argc > 1) return mk_cli_usage_error("'model list' takes no argument, found '%s'", argv[1]);
        return list_models();
    }
    if (strcmp(verb, "check") && strcmp(verb, "show") && strcmp(verb, "c") && strcmp(verb, "py") &&
        strcmp(verb, "sbml"))
        return mk_cli_usage_error("unknown 'model' command '%s' (check, show, c, py, sbml, list)", verb);
    const char *file = NULL, *out = NULL;
    static const mk_cli_opt opts[] = {{"-o", MK_CLI_VALUE}};
    char cmd[32];
    snprintf(cmd, sizeof cmd, "model %s", verb);
    mk_cli_args args;
    /* no quantities here: every value points into argv and outlives the list */
    int rc = mk_cli_args_parse(cmd, opts, 1, argc - 1, argv + 1, &args);
    for (int i = 0; !rc && i < args.n; i++) {
        const mk_cli_arg *a = &args.v[i];
        if (a->opt) out = a->value;
        else if (file) rc = mk_cli_args_extra(a, "'model %s' takes one model, found '%s' and '%s'", verb, file, a->value);
        else file = a->value;
    }
    mk_cli_args_free(&args);
    if (rc) return rc;
    if (!file) return mk_cli_usage_error("'model %s' needs a model file or name", verb);
    if (out && !strcmp(verb, "check")) return mk_cli_usage_error("'model check' writes no file");

    if (out && mk_cli_check_output_file(out)) return 1;
    mk_cli_model_ref ref;
    if (mk_cli_open_model(file, 0, &ref)) return 1;
    const mk_model *m = ref.model;
    if (!strcmp(verb, "check")) {
        printf("%s: ok: model '%s', %d states, %d parameters, %d inputs, %d variables, %d outputs\n",
               file, mk_model_name(m), mk_model_count(m, MK_SYM_STATE), mk_model_count(m, MK_SYM_PARAM),
               mk_model_count(m, MK_SYM_INPUT), mk_model_count(m, MK_SYM_VAR), mk_model_count_outputs(m));
    } else {
        mk_buf b;
        mk_buf_init(&b);
        mk_error err = {0};
        mk_status st = !strcmp(verb, "show") ? mk_model_write_markdown(m, &b, &err)
                       : !strcmp(verb, "py") ? mk_model_generate_py(m, &b, &err)
                       : !strcmp(verb, "sbml") ? mk_model_write_sbml(m, &b, &err)
                                             : mk_model_generate_c(m, &b, &err);
        rc = st ? mk_cli_report(&err) : emit(&b, out);
        mk_buf_free(&b);
    }
    mk_cli_close_model(&ref);
    return rc;
}
