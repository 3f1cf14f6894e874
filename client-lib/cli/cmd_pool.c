/* cmd_pool.c — `cohort workers`, `cohort status` and `cohort backup`: the pool and its state. */

#include "cli.h"
#include "json.h"

static const char workers_usage[] =
    "Usage: cohort workers\n"
    "One row per worker: name, state, cpus used/total, memory used/total, running jobs,\n"
    "when it was last heard from, labels.\n"
    "\n"
    "  --json   print a JSON array of workers\n";

static const char status_usage[] =
    "Usage: cohort status\n"
    "The pool as one resource: workers up/draining/down, cpus and memory used/total, jobs\n"
    "by state, jobs finished in the last minute.\n"
    "\n"
    "  --json   print a JSON object\n";

static const char backup_usage[] =
    "Usage: cohort backup\n"
    "Have the scheduler write a consistent copy of its database into the backups directory\n"
    "of its state dir while it goes on serving (admins only); print the copy's path on the\n"
    "scheduler's host once it is complete. To restore it: stop the scheduler, move\n"
    "STATE_DIR/cohort.db and cohort.db-wal aside, copy the backup to STATE_DIR/cohort.db.\n"
    "\n"
    "  --json   print a JSON object: path, bytes\n";

static const struct option pool_long_options[] = {CLI_COMMON_OPTIONS, {0}};

/* Read the options of a command that takes no arguments. Returns -1 to go on, or the exit
 * status to stop with. */
static int no_argument_options(struct cli *cli, const struct cli_options *options, int argc,
                               char **argv)
{
    const char *value;
    int code, rc = CLI_EXIT_OK;

    cli_options_begin(options);
    while ((code = cli_options_next(cli, options, argc, argv, &value, &rc)) > 0)
        ;
    if (code < 0)
        return rc;
    if (optind < argc)
        return cli_usage("'%s' takes no arguments (got '%s')", options->command, argv[optind]);
    return -1;
}

int cmd_workers(struct cli *cli, int argc, char **argv)
{
    static const struct cli_options options = {
        .command = "workers",
        .usage = workers_usage,
        .short_options = "",
        .long_options = pool_long_options,
    };
    cohort_worker_list_t *workers = NULL;
    cohort_error_t err = {0};
    struct json json;
    int rc;

    if ((rc = no_argument_options(cli, &options, argc, argv)) >= 0)
        return rc;
    if (!cli_client(cli))
        return CLI_EXIT_FAILURE;
    if (cohort_workers_list(&workers, cli->client, &err) < 0)
        return cli_fail_error(&err);
    rc = CLI_EXIT_OK;
    if (cli->json) {
        json_init(&json, stdout);
        json_array_begin(&json);
        for (size_t i = 0; i < cohort_worker_list_count(workers); i++)
            render_worker_json(&json, cohort_worker_list_item(workers, i));
        json_array_end(&json);
        json_finish(&json);
    } else if (render_workers_text(stdout, workers, cli_now_ms()) < 0) {
        rc = cli_fail("out of memory for the worker table");
    }
    cohort_worker_list_free(workers);
    return rc;
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
    static const struct cli_options options = {
        .command = "status",
        .usage = status_usage,
        .short_options = "",
        .long_options = pool_long_options,
    };
    cohort_status_t status;
    cohort_error_t err = {0};
    struct json json;
    int rc;

    if ((rc = no_argument_options(cli, &options, argc, argv)) >= 0)
        return rc;
    if (!cli_client(cli))
        return CLI_EXIT_FAILURE;
    if (cohort_status_get(&status, cli->client, &err) < 0)
        return cli_fail_error(&err);
    if (cli->json) {
        json_init(&json, stdout);
        render_status_json(&json, &status);
        json_finish(&json);
    } else {
        render_status_text(stdout, &status);
    }
    return CLI_EXIT_OK;
}

int cmd_backup(struct cli *cli, int argc, char **argv)
{
    static const struct cli_options options = {
        .command = "backup",
        .usage = backup_usage,
        .short_options = "",
        .long_options = pool_long_options,
    };
    cohort_error_t err = {0};
    struct json json;
    char *path = NULL;
    uint64_t bytes = 0;
    int rc;

    if ((rc = no_argument_options(cli, &options, argc, argv)) >= 0)
        return rc;
    if (!cli_client(cli))
        return CLI_EXIT_FAILURE;
    if (cohort_backup(&path, &bytes, cli->client, &err) < 0)
        return cli_fail_error(&err);
    if (cli->json) {
        json_init(&json, stdout);
        json_object_begin(&json);
        json_key(&json, "path");
        json_string(&json, path);
        json_key(&json, "bytes");
        json_uint(&json, bytes);
        json_object_end(&json);
        json_finish(&json);
    } else {
        printf("%s (%llu bytes, on the scheduler's host)\n", path, (unsigned long long)bytes);
    }
    cohort_free(path);
    return CLI_EXIT_OK;
}
