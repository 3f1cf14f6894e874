/* main.c — the cohort command: global flags and the table of commands. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct command {
    const char *name;
    cli_command_fn run;
};

static const struct command commands[] = {
    {"submit", cmd_submit},   {"jobs", cmd_jobs},     {"show", cmd_show},
    {"logs", cmd_logs},       {"cancel", cmd_cancel}, {"wait", cmd_wait},
    {"workers", cmd_workers}, {"status", cmd_status}, {"drain", cmd_drain},
    {"resume", cmd_resume},   {"backup", cmd_backup}, {"keygen", cmd_keygen},
};

static const char main_usage[] =
    "Usage: cohort [--scheduler ENDPOINT] [--key FILE] [--server-key KEY|FILE] [--insecure]\n"
    "              [--json] COMMAND [ARGS...]\n"
    "Submit batch jobs to a Cohort pool and watch it.\n"
    "\n"
    "Commands:\n"
    "  submit [OPTIONS] -- CMD [ARG...]   submit a job; print each new job id\n"
    "  jobs [--state S[,S]] [--all] [--limit N]\n"
    "                                     list jobs (default: pending and running)\n"
    "  show JOB                           everything known about one job\n"
    "  logs JOB [--stderr]                the job's captured stdout (or stderr)\n"
    "  cancel JOB...                      cancel pending or running jobs\n"
    "  wait JOB... [--timeout SECS]       block until the jobs end\n"
    "  workers                            one row per worker\n"
    "  status                             the pool as one resource\n"
    "  drain WORKER                       stop dispatching to a worker\n"
    "  resume WORKER                      dispatch to a worker again\n"
    "  backup                             copy the scheduler's database (admins)\n"
    "  keygen [--force] [FILE]            make this user's key pair; print its public key\n"
    "\n"
    "Options:\n"
    "  --scheduler ENDPOINT   where the scheduler listens (else $COHORT_SCHEDULER, else\n"
    "                         tcp://127.0.0.1:7700)\n"
    "  --key FILE             this user's key file (else $COHORT_KEY_FILE, else\n"
    "                         ~/.config/cohort/key when it exists; see 'cohort keygen')\n"
    "  --server-key KEY|FILE  the scheduler's public key, or its server.pub file (else\n"
    "                         $COHORT_SERVER_KEY, else ~/.config/cohort/server.pub when it\n"
    "                         exists); with it the connection is encrypted and\n"
    "                         authenticated (CURVE)\n"
    "  --insecure             allow plaintext to a scheduler not on this machine (also\n"
    "                         $COHORT_INSECURE=1); without a server key, plaintext is\n"
    "                         allowed only to 127.0.0.1, localhost, [::1] and ipc://\n"
    "  --json                 machine-readable output\n"
    "  --help                 this text; 'cohort COMMAND --help' for a command's options\n"
    "  --version              the version\n"
    "\n"
    "Each request waits up to 10 s for the scheduler ($COHORT_TIMEOUT seconds if set);\n"
    "'submit' sends its request again when it gets no answer, for up to six times as long,\n"
    "and never creates its jobs twice.\n"
    "Exit status: 0 success, 2 usage error (unknown option or command, missing argument),\n"
    "1 any other failure (a bad value, an unknown job, no answer...); 'wait' and\n"
    "'submit --wait' mirror the jobs' status.\n";

static const struct option main_long_options[] = {CLI_COMMON_OPTIONS, {0}};

static const struct cli_options main_options = {
    .command = NULL,
    .usage = main_usage,
    .short_options = "",
    .long_options = main_long_options,
    .stop_at_operand = true,
};

/* Take the request timeout from $COHORT_TIMEOUT (a duration; unset = the default). Returns
 * 0 or an exit status. */
static int timeout_from_environment(struct cli *cli)
{
    const char *text = getenv("COHORT_TIMEOUT");
    uint64_t seconds;

    if (!text || !*text)
        return CLI_EXIT_OK;
    if (cohort_parse_duration(&seconds, text) < 0 || seconds < 1 || seconds > 86400)
        return cli_fail("invalid COHORT_TIMEOUT '%s' (use seconds from 1, e.g. 30)", text);
    cli->timeout_ms = (int)(seconds * 1000);
    return CLI_EXIT_OK;
}

static const struct command *command_find(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    struct cli cli = {0};
    const struct command *command;
    const char *value;
    int code, rc = CLI_EXIT_OK;

    cli_options_begin(&main_options);
    while ((code = cli_options_next(&cli, &main_options, argc, argv, &value, &rc)) > 0)
        ;
    if (code < 0)
        goto done;
    if ((rc = timeout_from_environment(&cli)) != CLI_EXIT_OK)
        goto done;
    if (optind >= argc) {
        rc = cli_usage("no command given (see 'cohort --help')");
        goto done;
    }
    if (!(command = command_find(argv[optind]))) {
        rc = cli_usage("unknown command '%s' (see 'cohort --help')", argv[optind]);
        goto done;
    }
    rc = command->run(&cli, argc - optind, argv + optind);
done:
    cohort_client_close(cli.client);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_fail("cannot write the output: %s", strerror(errno));
        if (rc == CLI_EXIT_OK)
            rc = CLI_EXIT_FAILURE;
    }
    return rc;
}
