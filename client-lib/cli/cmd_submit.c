/* cmd_submit.c — `cohort submit`: build a job spec from flags, submit it, maybe wait. */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"

/* The most stdin bytes read from a file before giving up; the library enforces the real
 * (smaller) cap with a clear message. */
#define STDIN_FILE_READ_MAX (64u << 20)

static const char submit_usage[] =
    "Usage: cohort submit [OPTIONS] [--] CMD [ARG...]\n"
    "Submit a job (or an array of jobs) and print each new job id on its own line.\n"
    "\n"
    "  -J, --name NAME        a name for people\n"
    "  -c, --cpus N           cpus the job needs (default 1)\n"
    "  -m, --mem SIZE         memory the job needs (512M, 2G)\n"
    "  -t, --time LIMIT       walltime limit (90, 10m, 2h); past it the job is killed\n"
    "  -p, --priority N       higher runs first (default 0)\n"
    "  -a, --array A-B        one job per index A..B; each sees COHORT_ARRAY_INDEX\n"
    "  -e, --env KEY=VALUE    add to the job's environment (repeatable)\n"
    "  -D, --cwd DIR          working directory on the worker (default: the current one)\n"
    "  -i, --stdin FILE       feed FILE to the job's stdin ('-' for this one's)\n"
    "      --retries N        re-runs allowed when the job's worker is lost (default 3)\n"
    "      --wait             block until the jobs end; exit with their status\n"
    "      --json             print {\"ids\": [...]} (with --wait, also \"jobs\")\n";

enum { OPT_RETRIES = CLI_OPT_FIRST_FREE, OPT_WAIT };

static const struct option submit_long_options[] = {
    {"name", required_argument, NULL, 'J'},
    {"cpus", required_argument, NULL, 'c'},
    {"mem", required_argument, NULL, 'm'},
    {"time", required_argument, NULL, 't'},
    {"priority", required_argument, NULL, 'p'},
    {"array", required_argument, NULL, 'a'},
    {"env", required_argument, NULL, 'e'},
    {"cwd", required_argument, NULL, 'D'},
    {"stdin", required_argument, NULL, 'i'},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"wait", no_argument, NULL, OPT_WAIT},
    CLI_COMMON_OPTIONS,
    {0},
};

static const struct cli_options submit_options = {
    .command = "submit",
    .usage = submit_usage,
    .short_options = "J:c:m:t:p:a:e:D:i:",
    .long_options = submit_long_options,
    .stop_at_operand = true,
};

/* Read all of path ("-" = stdin) into *data_out (the caller frees it). Returns 0 or an exit
 * status after printing why. */
static int stdin_file_read(char **data_out, size_t *len_out, const char *path)
{
    FILE *file = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *data = NULL;
    size_t len = 0, slots = 0;
    int rc = CLI_EXIT_OK;

    if (!file)
        return cli_fail("cannot open '%s': %s", path, strerror(errno));
    for (;;) {
        if (len == slots) {
            size_t grown_slots = slots ? slots * 2 : 64 << 10;
            char *grown;
            if (slots >= STDIN_FILE_READ_MAX) {
                rc = cli_fail("'%s' is too large to be a job's stdin", path);
                goto done;
            }
            if (!(grown = realloc(data, grown_slots))) {
                rc = cli_fail("out of memory reading '%s'", path);
                goto done;
            }
            data = grown;
            slots = grown_slots;
        }
        size_t n = fread(data + len, 1, slots - len, file);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(file))
        rc = cli_fail("cannot read '%s': %s", path, strerror(errno));
done:
    if (file != stdin)
        fclose(file);
    if (rc == CLI_EXIT_OK) {
        *data_out = data;
        *len_out = len;
    } else {
        free(data);
    }
    return rc;
}

/* dir made absolute against the current directory, since it is used on another machine
 * (NULL means the current directory). Returns a string the caller frees, or NULL after
 * printing why. */
static char *cwd_for_worker(const char *dir)
{
    char here[PATH_MAX], *absolute = NULL;

    if (dir && dir[0] == '/') {
        absolute = strdup(dir);
    } else if (!getcwd(here, sizeof here)) {
        cli_fail("cannot tell the current directory: %s", strerror(errno));
        return NULL;
    } else if (!dir) {
        absolute = strdup(here);
    } else if (asprintf(&absolute, "%s/%s", here, dir) < 0) {
        absolute = NULL;
    }
    if (!absolute)
        cli_fail("out of memory for the working directory");
    return absolute;
}

/* Apply one option to the spec. Returns 0 or an exit status after printing why. */
static int spec_option(cohort_job_spec_t *spec, int code, const char *value, const char **cwd,
                       const char **stdin_path, bool *wait)
{
    cohort_error_t err = {0};
    uint64_t number;
    int64_t signed_number;
    uint32_t first, last;
    int rc = 0;

    switch (code) {
    case 'J':
        rc = cohort_job_spec_set_name(spec, value, &err);
        break;
    case 'c':
        if (cli_parse_uint(&number, value, 1, UINT32_MAX) < 0)
            return cli_fail("invalid cpu count '%s' (use a whole number from 1)", value);
        rc = cohort_job_spec_set_cpus(spec, (uint32_t)number, &err);
        break;
    case 'm':
        if (cohort_parse_size(&number, value) < 0)
            return cli_fail("invalid memory size '%s' (use e.g. 512M or 2G)", value);
        rc = cohort_job_spec_set_mem(spec, number, &err);
        break;
    case 't':
        if (cohort_parse_duration(&number, value) < 0 || number > UINT32_MAX)
            return cli_fail("invalid time limit '%s' (use e.g. 90, 10m or 2h)", value);
        rc = cohort_job_spec_set_time_limit(spec, (uint32_t)number, &err);
        break;
    case 'p':
        if (cli_parse_int(&signed_number, value, INT32_MIN, INT32_MAX) < 0)
            return cli_fail("invalid priority '%s' (use a whole number)", value);
        rc = cohort_job_spec_set_priority(spec, (int32_t)signed_number, &err);
        break;
    case 'a':
        if (cohort_parse_range(&first, &last, value) < 0)
            return cli_fail("invalid array range '%s' (use e.g. 0-99 or 1-1000)", value);
        rc = cohort_job_spec_set_array(spec, first, last, &err);
        break;
    case 'e':
        rc = cohort_job_spec_add_env(spec, value, &err);
        break;
    case 'D':
        *cwd = value;
        break;
    case 'i':
        *stdin_path = value;
        break;
    case OPT_RETRIES:
        if (cli_parse_uint(&number, value, 0, UINT32_MAX) < 0)
            return cli_fail("invalid retry count '%s' (use a whole number from 0)", value);
        rc = cohort_job_spec_set_retries(spec, (uint32_t)number, &err);
        break;
    case OPT_WAIT:
        *wait = true;
        break;
    }
    return rc < 0 ? cli_fail_error(&err) : 0;
}

/* Print the ids (and, after a wait, the jobs) of a submission. */
static void print_submitted(const struct cli *cli, uint64_t first_id, uint32_t count,
                            const cohort_job_list_t *ended)
{
    struct json json;

    if (!cli->json) {
        for (uint32_t i = 0; i < count; i++)
            printf("%" PRIu64 "\n", first_id + i);
        return;
    }
    json_init(&json, stdout);
    json_object_begin(&json);
    json_key(&json, "ids");
    json_array_begin(&json);
    for (uint32_t i = 0; i < count; i++)
        json_uint(&json, first_id + i);
    json_array_end(&json);
    if (ended) {
        json_key(&json, "jobs");
        json_array_begin(&json);
        for (size_t i = 0; i < cohort_job_list_count(ended); i++)
            render_job_json(&json, cohort_job_list_item(ended, i), false);
        json_array_end(&json);
    }
    json_object_end(&json);
    json_finish(&json);
}

/* Wait for the jobs first_id .. first_id + count - 1 and print them. Returns the exit
 * status that mirrors them. */
static int wait_submitted(struct cli *cli, uint64_t first_id, uint32_t count)
{
    cohort_job_list_t *ended = NULL;
    cohort_error_t err = {0};
    uint64_t *ids = calloc(count, sizeof *ids);
    int rc;

    if (!ids) {
        print_submitted(cli, first_id, count, NULL);
        return cli_fail("out of memory for %" PRIu32 " job ids", count);
    }
    for (uint32_t i = 0; i < count; i++)
        ids[i] = first_id + i;
    if (!cli->json) {
        print_submitted(cli, first_id, count, NULL);
        fflush(stdout); /* the ids are useful while waiting */
    }
    if (cohort_wait(&ended, cli->client, ids, count, -1, &err) < 0) {
        if (cli->json)
            print_submitted(cli, first_id, count, NULL);
        rc = cli_fail_error(&err);
    } else {
        if (cli->json)
            print_submitted(cli, first_id, count, ended);
        rc = cli_jobs_exit_status(ended);
    }
    cohort_job_list_free(ended);
    free(ids);
    return rc;
}

int cmd_submit(struct cli *cli, int argc, char **argv)
{
    cohort_job_spec_t *spec = NULL;
    cohort_error_t err = {0};
    const char *cwd_option = NULL, *stdin_path = NULL, *value;
    char *cwd = NULL, *stdin_data = NULL;
    size_t stdin_len = 0;
    bool wait = false;
    uint64_t first_id;
    uint32_t count;
    int code, rc = CLI_EXIT_OK;

    if (cohort_job_spec_new(&spec, &err) < 0)
        return cli_fail_error(&err);
    cli_options_begin(&submit_options);
    while ((code = cli_options_next(cli, &submit_options, argc, argv, &value, &rc)) > 0)
        if ((rc = spec_option(spec, code, value, &cwd_option, &stdin_path, &wait)) != 0)
            goto done;
    if (code < 0)
        goto done;
    if (optind >= argc) {
        rc = cli_usage("'submit' needs a command (e.g. cohort submit -- sleep 10)");
        goto done;
    }
    if (cohort_job_spec_set_command(spec, (size_t)(argc - optind),
                                    (const char *const *)argv + optind, &err) < 0) {
        rc = cli_fail_error(&err);
        goto done;
    }
    if (!(cwd = cwd_for_worker(cwd_option))) {
        rc = CLI_EXIT_FAILURE;
        goto done;
    }
    if (cohort_job_spec_set_cwd(spec, cwd, &err) < 0) {
        rc = cli_fail_error(&err);
        goto done;
    }
    if (stdin_path && ((rc = stdin_file_read(&stdin_data, &stdin_len, stdin_path)) != 0))
        goto done;
    if (stdin_path && cohort_job_spec_set_stdin(spec, stdin_data, stdin_len, &err) < 0) {
        rc = cli_fail_error(&err);
        goto done;
    }
    if (!cli_client(cli)) {
        rc = CLI_EXIT_FAILURE;
        goto done;
    }
    if (cohort_submit_array(&first_id, &count, cli->client, spec, &err) < 0) {
        rc = cli_fail_error(&err);
        goto done;
    }
    if (wait)
        rc = wait_submitted(cli, first_id, count);
    else
        print_submitted(cli, first_id, count, NULL);
done:
    free(stdin_data);
    free(cwd);
    cohort_job_spec_destroy(spec);
    return rc;
}
