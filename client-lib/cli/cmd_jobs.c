/* cmd_jobs.c — `cohort jobs`, `cohort show` and `cohort logs`: what the scheduler knows. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "table.h"

/* Pages one `jobs` listing may hold: only a bound on a scheduler that pages forever. */
#define JOBS_MAX_PAGES 100000u

/* ---- jobs ---- */

static const char jobs_usage[] =
    "Usage: cohort jobs [--state S[,S...]] [--all] [--limit N]\n"
    "List jobs in id order, one row each (default: pending and running).\n"
    "\n"
    "  --state S[,S...]   only jobs in these states: pending, running, completed, failed,\n"
    "                     cancelled, timeout\n"
    "  --all              jobs in every state\n"
    "  --limit N          at most N jobs\n"
    "  --json             print a JSON array of jobs\n";

enum { OPT_STATE = CLI_OPT_FIRST_FREE, OPT_ALL, OPT_LIMIT };

static const struct option jobs_long_options[] = {
    {"state", required_argument, NULL, OPT_STATE},
    {"all", no_argument, NULL, OPT_ALL},
    {"limit", required_argument, NULL, OPT_LIMIT},
    CLI_COMMON_OPTIONS,
    {0},
};

static const struct cli_options jobs_options = {
    .command = "jobs",
    .usage = jobs_usage,
    .short_options = "",
    .long_options = jobs_long_options,
};

/* Add the states named in "running,failed" to *mask. Returns 0 or an exit status. */
static int state_list_parse(uint32_t *mask, const char *text)
{
    char name[32];

    while (*text) {
        size_t len = strcspn(text, ",");
        int state = -1;
        if (len < sizeof name) {
            memcpy(name, text, len);
            name[len] = '\0';
            state = cohort_job_state_parse(name);
        }
        if (state < 0)
            return cli_fail("unknown job state '%.*s' (use pending, running, completed, "
                            "failed, cancelled or timeout)",
                            (int)len, text);
        *mask |= COHORT_JOB_STATE_BIT(state);
        text += len + (text[len] == ',');
    }
    if (*mask == 0)
        return cli_fail("--state needs at least one state");
    return CLI_EXIT_OK;
}

/* The pages of a listing, held until they are printed. */
struct job_pages {
    cohort_job_list_t *pages[JOBS_MAX_PAGES];
    size_t n;
};

/* Fetch pages after after_id until limit jobs (0 = all) or the end. Returns 0 or an exit
 * status after printing why. */
static int job_pages_fetch(struct job_pages *pages, struct cli *cli, uint32_t state_mask,
                           uint64_t limit)
{
    cohort_error_t err = {0};
    uint64_t after_id = 0, fetched = 0;

    while (limit == 0 || fetched < limit) {
        uint64_t wanted = limit ? limit - fetched : 0;
        cohort_job_list_t *page = NULL;
        size_t count;
        if (pages->n == JOBS_MAX_PAGES)
            return cli_fail("the scheduler sent more than %u pages of jobs", JOBS_MAX_PAGES);
        if (cohort_jobs_list(&page, cli->client, state_mask,
                             wanted > UINT32_MAX ? UINT32_MAX : (uint32_t)wanted, after_id,
                             &err) < 0)
            return cli_fail_error(&err);
        count = cohort_job_list_count(page);
        if (count == 0) {
            cohort_job_list_free(page);
            break;
        }
        pages->pages[pages->n++] = page;
        fetched += count;
        uint64_t last_id = cohort_job_id(cohort_job_list_item(page, count - 1));
        if (last_id <= after_id)
            return cli_fail("the scheduler sent jobs out of order");
        after_id = last_id;
    }
    return CLI_EXIT_OK;
}

/* Print the jobs of the pages, at most limit of them (0 = all). */
static int job_pages_print(const struct job_pages *pages, const struct cli *cli, uint64_t limit)
{
    struct table *table = NULL;
    struct json json;
    uint64_t printed = 0;
    int64_t now = cli_now_ms();

    if (cli->json) {
        json_init(&json, stdout);
        json_array_begin(&json);
    } else if (!(table = render_jobs_table_new())) {
        return cli_fail("out of memory for the job table");
    }
    for (size_t p = 0; p < pages->n; p++) {
        for (size_t i = 0; i < cohort_job_list_count(pages->pages[p]); i++) {
            const cohort_job_t *job = cohort_job_list_item(pages->pages[p], i);
            if (limit && printed == limit)
                break;
            printed++;
            if (cli->json)
                render_job_json(&json, job, false);
            else if (render_jobs_table_add(table, job, now) < 0) {
                table_free(table);
                return cli_fail("out of memory for the job table");
            }
        }
    }
    if (cli->json) {
        json_array_end(&json);
        json_finish(&json);
    } else {
        table_print(table, stdout);
        table_free(table);
    }
    return CLI_EXIT_OK;
}

int cmd_jobs(struct cli *cli, int argc, char **argv)
{
    struct job_pages *pages = NULL;
    uint32_t state_mask = 0;
    uint64_t limit = 0;
    bool all = false;
    const char *value;
    int code, rc = CLI_EXIT_OK;

    cli_options_begin(&jobs_options);
    while ((code = cli_options_next(cli, &jobs_options, argc, argv, &value, &rc)) > 0) {
        if (code == OPT_STATE && (rc = state_list_parse(&state_mask, value)) != 0)
            return rc;
        if (code == OPT_ALL)
            all = true;
        if (code == OPT_LIMIT && cli_parse_uint(&limit, value, 1, UINT64_MAX) < 0)
            return cli_fail("invalid limit '%s' (use a whole number from 1)", value);
    }
    if (code < 0)
        return rc;
    if (optind < argc)
        return cli_usage("'jobs' takes no arguments (got '%s')", argv[optind]);
    if (all)
        state_mask = COHORT_JOB_STATES_ALL;
    if (!cli_client(cli))
        return CLI_EXIT_FAILURE;
    if (!(pages = calloc(1, sizeof *pages)))
        return cli_fail("out of memory for the job list");
    if ((rc = job_pages_fetch(pages, cli, state_mask, limit)) == CLI_EXIT_OK)
        rc = job_pages_print(pages, cli, limit);
    for (size_t p = 0; p < pages->n; p++)
        cohort_job_list_free(pages->pages[p]);
    free(pages);
    return rc;
}

/* ---- show ---- */

static const char show_usage[] =
    "Usage: cohort show JOB\n"
    "Everything known about one job, its attempts included.\n"
    "\n"
    "  --json   print the job as a JSON object, with its attempts in \"history\"\n";

static const struct option show_long_options[] = {CLI_COMMON_OPTIONS, {0}};

static const struct cli_options show_options = {
    .command = "show",
    .usage = show_usage,
    .short_options = "",
    .long_options = show_long_options,
};

/* Read the one job id operand of a command. Returns 0 or an exit status. */
static int single_job_id(uint64_t *id, int argc, char **argv, const char *command)
{
    if (optind >= argc)
        return cli_usage("'%s' needs a job id", command);
    if (optind + 1 < argc)
        return cli_usage("'%s' takes one job id (got '%s' too)", command, argv[optind + 1]);
    if (cli_parse_uint(id, argv[optind], 1, UINT64_MAX) < 0)
        return cli_fail("invalid job id '%s'", argv[optind]);
    return CLI_EXIT_OK;
}

int cmd_show(struct cli *cli, int argc, char **argv)
{
    cohort_job_t *job = NULL;
    cohort_error_t err = {0};
    struct json json;
    const char *value;
    uint64_t id;
    int code, rc = CLI_EXIT_OK;

    cli_options_begin(&show_options);
    while ((code = cli_options_next(cli, &show_options, argc, argv, &value, &rc)) > 0)
        ;
    if (code < 0 || (rc = single_job_id(&id, argc, argv, "show")) != 0)
        return rc;
    if (!cli_client(cli))
        return CLI_EXIT_FAILURE;
    if (cohort_job_get(&job, cli->client, id, &err) < 0)
        return cli_fail_error(&err);
    if (cli->json) {
        json_init(&json, stdout);
        render_job_json(&json, job, true);
        json_finish(&json);
    } else {
        render_job_text(stdout, job, cli_now_ms());
    }
    cohort_job_free(job);
    return CLI_EXIT_OK;
}

/* ---- logs ---- */

static const char logs_usage[] =
    "Usage: cohort logs JOB [--stderr]\n"
    "Write the job's captured stdout (or stderr) as it was written.\n"
    "\n"
    "  --stderr   the captured stderr instead of stdout\n"
    "  --json     print {\"id\", \"stream\", \"data\", \"truncated\"}\n";

enum { OPT_STDERR = CLI_OPT_FIRST_FREE };

static const struct option logs_long_options[] = {
    {"stderr", no_argument, NULL, OPT_STDERR},
    CLI_COMMON_OPTIONS,
    {0},
};

static const struct cli_options logs_options = {
    .command = "logs",
    .usage = logs_usage,
    .short_options = "",
    .long_options = logs_long_options,
};

int cmd_logs(struct cli *cli, int argc, char **argv)
{
    cohort_stream_t stream = COHORT_STREAM_STDOUT;
    cohort_error_t err = {0};
    uint8_t *data = NULL;
    size_t len = 0;
    int truncated = 0;
    struct json json;
    const char *value;
    uint64_t id;
    int code, rc = CLI_EXIT_OK;

    cli_options_begin(&logs_options);
    while ((code = cli_options_next(cli, &logs_options, argc, argv, &value, &rc)) > 0)
        if (code == OPT_STDERR)
            stream = COHORT_STREAM_STDERR;
    if (code < 0 || (rc = single_job_id(&id, argc, argv, "logs")) != 0)
        return rc;
    if (!cli_client(cli))
        return CLI_EXIT_FAILURE;
    if (cohort_logs_get(&data, &len, &truncated, cli->client, id, stream, &err) < 0)
        return cli_fail_error(&err);
    if (cli->json) {
        json_init(&json, stdout);
        json_object_begin(&json);
        json_key(&json, "id");
        json_uint(&json, id);
        json_key(&json, "stream");
        json_string(&json, stream == COHORT_STREAM_STDERR ? "stderr" : "stdout");
        json_key(&json, "data");
        json_string_n(&json, (const char *)data, len);
        json_key(&json, "truncated");
        json_bool(&json, truncated);
        json_object_end(&json);
        json_finish(&json);
    } else {
        fwrite(data, 1, len, stdout);
        if (truncated) {
            fflush(stdout); /* the note goes after the output it is about */
            fprintf(stderr, "cohort: output of job %" PRIu64 " was cut at 1 MiB\n", id);
        }
    }
    cohort_free(data);
    return CLI_EXIT_OK;
}
