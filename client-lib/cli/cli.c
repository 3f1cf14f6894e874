/* cli.c — what every command uses: error lines, the connection, options and numbers. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Print "cohort: <message>" as one line on stderr. */
static void error_line(const char *fmt, va_list args)
{
    fputs("cohort: ", stderr);
    vfprintf(stderr, fmt, args);
    fputc('\n', stderr);
}

int cli_fail(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    error_line(fmt, args);
    va_end(args);
    return CLI_EXIT_FAILURE;
}

int cli_usage(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    error_line(fmt, args);
    va_end(args);
    return CLI_EXIT_USAGE;
}

int cli_fail_error(const cohort_error_t *err)
{
    return cli_fail("%s", err->message[0] ? err->message : cohort_strerror(err->code));
}

cohort_client_t *cli_client(struct cli *cli)
{
    cohort_error_t err = {0};

    if (cli->client)
        return cli->client;
    if (cohort_client_connect(&cli->client, cli->endpoint, cli->timeout_ms, &err) < 0) {
        cli_fail_error(&err);
        return NULL;
    }
    if ((cli->key_file || cli->server_key || cli->insecure) &&
        cohort_client_set_keys(cli->client, cli->key_file, cli->server_key, cli->insecure, &err) <
            0) {
        cli_fail_error(&err);
        cohort_client_close(cli->client);
        cli->client = NULL;
        return NULL;
    }
    if (cli->timeout_ms) /* else the library's default: six times its default timeout */
        cohort_client_set_retry(cli->client, 0, CLI_SUBMIT_TIMEOUTS * cli->timeout_ms, NULL);
    return cli->client;
}

void cli_options_begin(const struct cli_options *options)
{
    optind = 0; /* glibc: start over, and read the optstring's flags again */
    opterr = 0; /* the messages are ours, on one line */
}

/* The option at fault after getopt_long returned '?' or ':', as the user typed it. */
static void option_name(char *out, size_t out_len, int argc, char **argv)
{
    const char *last = optind > 0 && optind <= argc ? argv[optind - 1] : "";

    if (strncmp(last, "--", 2) == 0)
        snprintf(out, out_len, "%.*s", (int)strcspn(last, "="), last);
    else if (optopt > 0 && optopt < 0x100)
        snprintf(out, out_len, "-%c", optopt);
    else
        snprintf(out, out_len, "%s", last);
}

int cli_options_next(struct cli *cli, const struct cli_options *options, int argc, char **argv,
                     const char **value, int *exit_status)
{
    char short_options[64], name[128];
    int code;

    snprintf(short_options, sizeof short_options, "%s:%s", options->stop_at_operand ? "+" : "",
             options->short_options);
    *value = NULL;
    for (;;) {
        code = getopt_long(argc, argv, short_options, options->long_options, NULL);
        switch (code) {
        case -1:
            return 0;
        case CLI_OPT_JSON:
            cli->json = true;
            continue;
        case CLI_OPT_SCHEDULER:
            cli->endpoint = optarg;
            continue;
        case CLI_OPT_KEY:
            cli->key_file = optarg;
            continue;
        case CLI_OPT_SERVER_KEY:
            cli->server_key = optarg;
            continue;
        case CLI_OPT_INSECURE:
            cli->insecure = true;
            continue;
        case CLI_OPT_HELP:
            fputs(options->usage, stdout);
            *exit_status = CLI_EXIT_OK;
            return -1;
        case CLI_OPT_VERSION:
            printf("cohort %s\n", cohort_version());
            *exit_status = CLI_EXIT_OK;
            return -1;
        case ':':
            option_name(name, sizeof name, argc, argv);
            if (options->command)
                *exit_status =
                    cli_usage("option '%s' of '%s' needs a value", name, options->command);
            else
                *exit_status = cli_usage("option '%s' needs a value", name);
            return -1;
        case '?':
            option_name(name, sizeof name, argc, argv);
            if (options->command)
                *exit_status = cli_usage("unknown option '%s' for '%s' (see 'cohort %s --help')",
                                         name, options->command, options->command);
            else
                *exit_status = cli_usage("unknown option '%s' (see 'cohort --help')", name);
            return -1;
        default:
            *value = optarg;
            return code;
        }
    }
}

int cli_parse_uint(uint64_t *out, const char *text, uint64_t min, uint64_t max)
{
    char *end;
    unsigned long long parsed;

    if (!text || *text < '0' || *text > '9')
        return -1; /* strtoull would accept signs and spaces */
    errno = 0;
    parsed = strtoull(text, &end, 10);
    if (errno || *end || parsed < min || parsed > max)
        return -1;
    *out = parsed;
    return 0;
}

int cli_parse_int(int64_t *out, const char *text, int64_t min, int64_t max)
{
    char *end;
    long long parsed;

    if (!text || !((*text >= '0' && *text <= '9') || *text == '-'))
        return -1;
    errno = 0;
    parsed = strtoll(text, &end, 10);
    if (errno || *end || end == text || parsed < min || parsed > max)
        return -1;
    *out = parsed;
    return 0;
}

int cli_parse_timeout_ms(int *ms, const char *text, int max_ms)
{
    uint64_t seconds, whole = 0, fraction_ms = 0, scale = 100;
    const char *at = text;

    if (cohort_parse_duration(&seconds, text) == 0) {
        if (seconds > (uint64_t)max_ms / 1000)
            return -1;
        *ms = (int)(seconds * 1000);
        return 0;
    }
    /* "0.5", "1.25s": digits, a point, digits (milliseconds past the third are dropped) */
    if (!text || *text < '0' || *text > '9')
        return -1;
    for (; *at >= '0' && *at <= '9'; at++)
        if ((whole = whole * 10 + (uint64_t)(*at - '0')) > (uint64_t)max_ms / 1000)
            return -1;
    if (*at++ != '.' || *at < '0' || *at > '9')
        return -1;
    for (; *at >= '0' && *at <= '9'; at++, scale /= 10)
        fraction_ms += (uint64_t)(*at - '0') * scale;
    if (*at == 's')
        at++;
    if (*at || whole * 1000 + fraction_ms > (uint64_t)max_ms)
        return -1;
    *ms = (int)(whole * 1000 + fraction_ms);
    return 0;
}

int cli_parse_job_ids(uint64_t **ids_out, int argc, char **argv, const char *command)
{
    uint64_t *ids;

    *ids_out = NULL;
    if (argc < 1)
        return cli_usage("'%s' needs at least one job id", command);
    if (!(ids = calloc((size_t)argc, sizeof *ids)))
        return cli_fail("out of memory for %d job ids", argc);
    for (int i = 0; i < argc; i++) {
        if (cli_parse_uint(&ids[i], argv[i], 1, UINT64_MAX) < 0) {
            free(ids);
            return cli_fail("invalid job id '%s'", argv[i]);
        }
    }
    *ids_out = ids;
    return CLI_EXIT_OK;
}

int64_t cli_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int cli_jobs_exit_status(const cohort_job_list_t *list)
{
    uint64_t first_failed_id = UINT64_MAX;
    int status = CLI_EXIT_OK;

    for (size_t i = 0; i < cohort_job_list_count(list); i++) {
        const cohort_job_t *job = cohort_job_list_item(list, i);
        int job_status = cohort_job_exit_status(job);
        if (job_status < 0)
            job_status = CLI_EXIT_FAILURE; /* the scheduler said it ended; it did not */
        if (job_status != 0 && cohort_job_id(job) < first_failed_id) {
            first_failed_id = cohort_job_id(job);
            status = job_status;
        }
    }
    return status;
}
