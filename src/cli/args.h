/*
 * args.h -- the command line of every myoknot command, read one way.
 *
 * Each command declares its options in a table; mk_cli_args_parse turns argv into a list of
 * (option, value) pairs and positional arguments, the way people type them:
 *
 *   --opt value  and  --opt=value          the same
 *   --duration 8h, --duration "8 h", --duration 8 h
 *   --set core.p_knot=150mmHg, --set "core.p_knot=150 mmHg", --set core.p_knot=150 mmHg
 *
 * A quantity option (MK_CLI_QUANTITY) whose value ends in a bare number takes the next word
 * as its unit when that word is a unit (asked of UDUNITS through mk_units, not guessed); any
 * other word stays a positional argument.  "--" ends the options.  An unknown option is an
 * error with the closest known one suggested.  Nothing here prints except the error returned.
 */
#ifndef MK_CLI_ARGS_H
#define MK_CLI_ARGS_H

typedef enum mk_cli_opt_kind {
    MK_CLI_FLAG,     /* --strict: no value */
    MK_CLI_VALUE,    /* --out DIR: the next word, whatever it is */
    MK_CLI_QUANTITY, /* --duration Q, --set NAME=Q: the next word, and a unit word after a number */
} mk_cli_opt_kind;

typedef struct mk_cli_opt {
    const char *name; /* with its dashes: "--duration", "-o" */
    mk_cli_opt_kind kind;
} mk_cli_opt;

typedef struct mk_cli_arg {
    const char *opt;   /* the option's name from the table, NULL for a positional argument */
    const char *value; /* its value (NULL for a flag), or the positional argument */
    const char *after; /* a positional: the option value or word just before it, or NULL */
} mk_cli_arg;

typedef struct mk_cli_args {
    mk_cli_arg *v;
    int n;
    char **owned; /* the joined quantities ("8 h"), freed with the list */
    int n_owned;
} mk_cli_args;

/* Read argv (without the command's name) against the n_spec options of command cmd.  Returns
 * 0, or prints "myoknot: error: ..." and returns EXIT_USAGE (unknown option, with a hint; a
 * missing value; a value given to a flag).  Free the list with mk_cli_args_free in any case. */
int mk_cli_args_parse(const char *cmd, const mk_cli_opt *spec, int n_spec, int argc, char **argv,
                      mk_cli_args *out);
void mk_cli_args_free(mk_cli_args *a);

/* A positional argument the command has no place for: prints "myoknot: error: MESSAGE" and,
 * when the word looks like a unit that came apart from its number, how to quote the
 * quantity; returns EXIT_USAGE. */
int mk_cli_args_extra(const mk_cli_arg *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
