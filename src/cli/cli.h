/* cli.h -- the myoknot command: shared helpers of the subcommands. */
#ifndef MK_CLI_H
#define MK_CLI_H

#include "myoknot.h" /* the public API only (tests/api/cli_includes.sh) */

/* Exit codes: 0 ok, 1 the input or the run failed, 2 the command line is wrong. */
enum { EXIT_USAGE = 2 };

int mk_cli_model(int argc, char **argv);
int mk_cli_run(int argc, char **argv);
int mk_cli_validate(int argc, char **argv);
/* validate --audit (cmd_validate_audit.c) */
typedef struct mk_cli_audit_opts {
    const char *dir, *out;
    const char *const *only;
    int n_only, jobs;
} mk_cli_audit_opts;
int mk_cli_validate_audit(const mk_cli_audit_opts *o, const mk_model_abi *abi);
int mk_cli_scan(int argc, char **argv);
int mk_cli_sensitivity(int argc, char **argv);
int mk_cli_referral(int argc, char **argv);
int mk_cli_locate(int argc, char **argv);
int mk_cli_fit(int argc, char **argv);
int mk_cli_trial(int argc, char **argv);
int mk_cli_compare(int argc, char **argv);
int mk_cli_sweep(int argc, char **argv);
/* A parameter file (myoknot fit's params.yaml: 'parameters:' with 'component.name: value unit'
 * entries) as --set strings "name=value unit" appended to sets (each freed by the caller).
 * Reports errors (file:line:col) and returns the exit status. */
int mk_cli_params_file(const char *path, char **sets, int *n_sets, int cap); /* over mk_params_file_read */

/* Print an error as "file:line:col: error: message" and return 1. */
int mk_cli_report(const mk_error *err);

/* Progress of a long command on stderr: on a terminal one line rewritten in place with the
 * time left; in a log (stderr not a terminal) one line per percent, so that a batch job's log
 * shows how far it got.  `what` names the units counted ("patients", "runs", "variants"). */
typedef struct mk_cli_progress {
    const char *what;
    int tty, last_pct;
    double t0_s;
} mk_cli_progress;
void mk_cli_progress_start(mk_cli_progress *p, const char *what);
/* Seconds on the monotonic clock (for elapsed times). */
double mk_cli_now_s(void);
void mk_cli_progress_show(mk_cli_progress *p, int done, int total);
/* Print "myoknot: error: ..." and return EXIT_USAGE. */
int mk_cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Write text to path through a temporary file and a rename (core/file.h): never half a
 * file, never through a symlink or into a device.  1 on failure, err filled. */
int mk_cli_write_atomic(const char *path, const char *text, size_t len, mk_error *err);
/* Check an output file (--csv, -o) before any computing: report and return 1 if it cannot be
 * written (no such folder, not a regular file, ...). */
int mk_cli_check_output_file(const char *path);
/* Open the output folder before any computing (io/outdir.h): `out` as given, or when NULL
 * runs/STEM-YYYYMMDD-HHMMSS (-2, ... when taken).  Reports an error and returns 1; on success
 * the folder's temporary files are removed if SIGINT, SIGTERM or SIGHUP ends the process.
 * Later mk_cli_outdir_commit (reports, returns 1 on failure) or mk_cli_outdir_abort. */
int mk_cli_outdir_open(mk_outdir **od, const char *out, const char *stem, const mk_outdir_kind *kind);
int mk_cli_outdir_commit(mk_outdir *od);
void mk_cli_outdir_abort(mk_outdir **od); /* also frees, sets *od NULL; harmless on NULL */
/* One of myoknot's data files or folders as a command names it (data/validation,
 * scenarios/X.yaml, trials/X.yaml, models/X.myo): the path as given when it exists (relative to
 * the working directory), else the first of these data roots that has it: $MYOKNOT_DATA,
 * share/myoknot beside the command (as `cmake --install` lays it out), the compiled-in
 * installation folder, the source tree it was built from (docs/install.md).  Returns path
 * itself, or buf holding the path found; path unchanged when no root has it. */
const char *mk_cli_data_path(const char *path, char *buf, size_t size);
/* "-h" or "--help" among the arguments. */
int mk_cli_wants_help(int argc, char **argv);

/* A model named on the command line: a built-in name, or a .myo file compiled at run time
 * (mk_model_open); model is its parsed source, abi NULL unless need_abi. */
typedef struct mk_cli_model_ref {
    const mk_model_abi *abi;
    const mk_model *model;
    mk_model_ref *ref;       /* NULL when the model belongs to a study */
} mk_cli_model_ref;
int mk_cli_open_model(const char *name_or_path, int need_abi, mk_cli_model_ref *ref);
void mk_cli_close_model(mk_cli_model_ref *ref);

/* A study (mk_study_open) for the command line: the file (or the built-in default when path
 * is NULL), its model (or model_override), compiled with the --set overrides.  Warnings go to
 * stderr; errors are reported and give the exit status (2 when a --set is at fault: origin
 * MK_ORIGIN_OVERRIDE).  The other fields are the study's parts, for convenience.  Close
 * releases whatever was opened, also after a failure. */
typedef struct mk_cli_scenario {
    mk_study *study;
    const mk_protocol *proto;
    mk_units *units;
    const mk_anatomy *anat;
    mk_cli_model_ref model;
} mk_cli_scenario;
int mk_cli_scenario_open(const char *path, const char *model_override, const char *const *sets,
                         int n_sets, int strict, mk_cli_scenario *cs);
void mk_cli_scenario_close(mk_cli_scenario *cs);

#endif
