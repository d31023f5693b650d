/* main.c -- the myoknot command: a thin client over libmyoknot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char k_usage[] =
    "usage: myoknot [--version] [--help] COMMAND [ARGS] [--no-cache]\n"
    "\n"
    "myoknot simulates myofascial trigger points: the contracted patch of muscle, its\n"
    "circulation and energetics, the nociceptors and spinal cord, and the therapies said to\n"
    "release them.  Models are files in the myoknot model language (docs/model-language.md).\n"
    "\n"
    "commands:\n"
    "  run          run a scenario (or the default) and write a report (myoknot run --help)\n"
    "  model        check, show or translate a model file (myoknot model --help)\n"
    "  validate     compare the model with published observations (myoknot validate --help)\n"
    "  scan         sweep a parameter up and down: steady states, folds, hysteresis\n"
    "  sensitivity  rank parameters by their effect on chosen outputs (Morris screening)\n"
    "  referral     cross-validate the referral mechanism against classical maps (--cv)\n"
    "  locate       from a pain drawing to the trigger points that could cause it\n"
    "  fit          estimate parameters from calibration targets or a patient's measurements\n"
    "  compare      put run directories side by side: measurements, pain, PPT, stiffness\n"
    "  sweep        run a scenario across values of a treatment setting or a parameter\n"
    "  trial        virtual patients through a trial design: effect sizes, responders, report\n"
    "\n"
    "Run 'myoknot COMMAND --help' for a command's options.  With any command, --no-cache\n"
    "compiles a model file afresh instead of reusing its cached object (~/.cache/myoknot).\n"
    "Data files (scenarios/, data/, trials/, models/) not found here are looked up in\n"
    "$MYOKNOT_DATA, then in the installed share/myoknot (docs/install.md).\n";

int main(int argc, char **argv)
{
    /* --no-cache, anywhere before "--": compile a user's model afresh (core/compile.h); through
     * the environment so that worker processes (sweep, sensitivity) inherit it */
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--no-cache")) {
            setenv("MYOKNOT_CACHE", "off", 1);
            memmove(argv + i, argv + i + 1, (size_t)(argc - i) * sizeof *argv); /* with argv[argc] */
            argc--, i--;
        }
    if (argc < 2) {
        fputs(k_usage, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(k_usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("myoknot %s (model ABI %d)\n", mk_version(), MK_MODEL_ABI_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "run")) return mk_cli_run(argc - 2, argv + 2);
    if (!strcmp(cmd, "model")) return mk_cli_model(argc - 2, argv + 2);
    if (!strcmp(cmd, "validate")) return mk_cli_validate(argc - 2, argv + 2);
    if (!strcmp(cmd, "scan")) return mk_cli_scan(argc - 2, argv + 2);
    if (!strcmp(cmd, "sensitivity")) return mk_cli_sensitivity(argc - 2, argv + 2);
    if (!strcmp(cmd, "referral")) return mk_cli_referral(argc - 2, argv + 2);
    if (!strcmp(cmd, "locate")) return mk_cli_locate(argc - 2, argv + 2);
    if (!strcmp(cmd, "fit")) return mk_cli_fit(argc - 2, argv + 2);
    if (!strcmp(cmd, "compare")) return mk_cli_compare(argc - 2, argv + 2);
    if (!strcmp(cmd, "sweep")) return mk_cli_sweep(argc - 2, argv + 2);
    if (!strcmp(cmd, "trial")) return mk_cli_trial(argc - 2, argv + 2);
    return mk_cli_usage_error("unknown command '%s' (commands: run, model, validate, scan, "
                              "sensitivity, referral, locate, fit, compare, sweep, trial; see myoknot --help)", cmd);
}
