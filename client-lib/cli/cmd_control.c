/* cmd_control.c — `cohort cancel`, `wait`, `drain` and `resume`: steering jobs and workers. */
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>

#include "cli.h"
#include "json.h"

/* ---- cancel ---- */

static const char cancel_usage[] =
    "Usage: cohort cancel JOB...\n"
    "Cancel pending or running jobs (running ones are killed).\n"
    "\n"
    "  --json   print [{\"id\", \"result\"}...]; result is cancelled, not_found or\n"
    "           already_ended\n";

static const struct option cancel_long_options[] = {CLI_COMMON_OPTIONS, {0}};

static const struct cli_options cancel_options = {
    .command = "cancel",
    .usage = cancel_usage,
    .short_options = "",
    .long_options = cancel_long_options,
};

/* What happened to one job of a cancel, for JSON. */
static const char *cancel_result_name(int code)
{
    switch (code) {
    case 0:
        return "cancelled";
    case COHORT_ENOENT:
        return "not_found";
    case COHORT_ESTATE:
        return "already_ended";
    default:
        return cohort_strerror(code);
    }
}

/* Print the outcome of a cancel; returns 1 when a job could not be cancelled, else 0. */
static int cancel_report(const struct cli *cli, const uint64_t *ids, const int *codes, size_t n)
{
    struct json json;
    int rc = CLI_EXIT_OK;

    if (cli->json) {
        json_init(&json, stdout);
        json_array_begin(&json);
    }
    for (size_t i = 0; i < n; i++) {
        if (cli->json) {
            json_object_begin(&json);
            json_key(&json, "id");
            json_uint(&json, ids[i]);
            json_key(&json, "result");
            json_string(&json, cancel_result_name(codes[i]));
            json_object_end(&json);
        }
        if (codes[i] == COHORT_ENOENT)
            rc = cli_fail("no job %" PRIu64, ids[i]);
        else if (codes[i] == COHORT_ESTATE)
            rc = cli_fail("job %" PRIu64 " has already ended", ids[i]);
        else if (codes[i] < 0)
            rc = cli_fail("cannot cancel job %" PRIu64 ": %s", ids[i], cohort_strerror(codes[i]));
    }
    if (cli->json) {
        json_array_end(&json);
        json_finish(&json);
    }
    return rc;
}

int cmd_cancel(struct cli *cli, int argc, char **argv)
{
    cohort_error_t err = {0};
    uint64_t *ids = NULL;
    int *codes = NULL;
    size_t n;
    const char *value;
    int code, rc = CLI_EXIT_OK;

    cli_options_begin(&cancel_options);
    while ((code = cli_options_next(cli, &cancel_options, argc, argv, &value, &rc)) > 0)
        ;
    if (code < 0 || (rc = cli_parse_job_ids(&ids, argc - optind, argv + optind, "cancel")) != 0)
        return rc;
    n = (size_t)(argc - optind);
    if (!(codes = calloc(n, sizeof *codes)))
        rc = cli_fail("out of memory for %zu job ids", n);
    else if (!cli_client(cli))
        rc = CLI_EXIT_FAILURE;
    else if (cohort_cancel(codes, cli->client, ids, n, &err) < 0)
        rc = cli_fail_error(&err);
    else
        rc = cancel_report(cli, ids, codes, n);
    free(codes);
    free(ids);
    return rc;
}

/* ---- wait ---- */

static const char wait_usage[] =
    "Usage: cohort wait JOB... [--timeout SECS]\n"
    "Block until the jobs end. The exit status mirrors them: 0 if all completed, else (for\n"
    "the first job in id order that did not) its exit code, 128+N if killed by signal N,\n"
    "124 if it hit its time limit, 1 if cancelled or failed for another reason.\n"
    "\n"
    "  --timeout SECS   give up after this long (0.5, 90, 10m, 2h) and exit 1\n"
    "  --json           print the ended jobs as a JSON array\n";

enum { OPT_TIMEOUT = CLI_OPT_FIRST_FREE };

static const struct option wait_long_options[] = {
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    CLI_COMMON_OPTIONS,
    {0},
};

static const struct cli_options wait_options = {
    .command = "wait",
    .usage = wait_usage,
    .short_options = "",
    .long_options = wait_long_options,
};

int cmd_wait(struct cli *cli, int argc, char **argv)
{
    cohort_job_list_t *ended = NULL;
    cohort_error_t err = {0};
    uint64_t *ids = NULL;
    int timeout_ms = -1;
    struct json json;
    const char *value;
    int code, rc = CLI_EXIT_OK;

    cli_options_begin(&wait_options);
    while ((code = cli_options_next(cli, &wait_options, argc, argv, &value, &rc)) > 0) {
        if (code != OPT_TIMEOUT)
            continue;
        if (cli_parse_timeout_ms(&timeout_ms, value, INT_MAX) < 0)
            return cli_fail("invalid timeout '%s' (use e.g. 0.5, 30, 10m or 2h)", value);
    }
    if (code < 0 || (rc = cli_parse_job_ids(&ids, argc - optind, argv + optind, "wait")) != 0)
        return rc;
    if (!cli_client(cli)) {
        rc = CLI_EXIT_FAILURE;
    } else if (cohort_wait(&ended, cli->client, ids, (size_t)(argc - optind), timeout_ms, &err) <
               0) {
        rc = cli_fail_error(&err);
    } else {
        if (cli->json) {
            json_init(&json, stdout);
            json_array_begin(&json);
            for (size_t i = 0; i < cohort_job_list_count(ended); i++)
                render_job_json(&json, cohort_job_list_item(ended, i), false);
            json_array_end(&json);
            json_finish(&json);
        }
        rc = cli_jobs_exit_status(ended);
    }
    cohort_job_list_free(ended);
    free(ids);
    return rc;
}

/* ---- drain and resume ---- */

static const char drain_usage[] = "Usage: cohort drain WORKER\n"
                                  "Stop dispatching new jobs to a worker; its running jobs go on.\n"
                                  "\n"
                                  "  --json   print {\"name\", \"draining\": true}\n";

static const char resume_usage[] = "Usage: cohort resume WORKER\n"
                                   "Dispatch jobs to a drained worker again.\n"
                                   "\n"
                                   "  --json   print {\"name\", \"draining\": false}\n";

static const struct option worker_long_options[] = {CLI_COMMON_OPTIONS, {0}};

/* drain and resume: one worker name, one request. */
static int worker_steer(struct cli *cli, int argc, char **argv, bool drain)
{
    const struct cli_options options = {
        .command = drain ? "drain" : "resume",
        .usage = drain ? drain_usage : resume_usage,
        .short_options = "",
        .long_options = worker_long_options,
    };
    cohort_error_t err = {0};
    struct json json;
    const char *value, *name;
    int code, rc = CLI_EXIT_OK;

    cli_options_begin(&options);
    while ((code = cli_options_next(cli, &options, argc, argv, &value, &rc)) > 0)
        ;
    if (code < 0)
        return rc;
    if (optind + 1 != argc)
        return cli_usage("'%s' needs exactly one worker name", options.command);
    name = argv[optind];
    if (!cli_client(cli))
        return CLI_EXIT_FAILURE;
    if ((drain ? cohort_worker_drain : cohort_worker_resume)(cli->client, name, &err) < 0)
        return cli_fail_error(&err);
    if (cli->json) {
        json_init(&json, stdout);
        json_object_begin(&json);
        json_key(&json, "name");
        json_string(&json, name);
        json_key(&json, "draining");
        json_bool(&json, drain);
        json_object_end(&json);
        json_finish(&json);
    }
    return CLI_EXIT_OK;
}

int cmd_drain(struct cli *cli, int argc, char **argv)
{
    return worker_steer(cli, argc, argv, true);
}

int cmd_resume(struct cli *cli, int argc, char **argv)
{
    return worker_steer(cli, argc, argv, false);
}
