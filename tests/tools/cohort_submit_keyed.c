/* cohort_submit_keyed.c — test tool: one submission through libcohort, under a chosen key. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cohort.h"

#include "tool_args.h"

#define EXIT_USAGE 2
#define MS_MAX 3600000L    /* any timeout given */
#define ARRAY_MAX 1000000L /* jobs in the array */

struct options {
    const char *endpoint;  /* NULL: $COHORT_SCHEDULER */
    const char *key;       /* NULL: a fresh key per submission (cohort_submit_many) */
    const char *name;      /* job name */
    long try_ms, total_ms; /* cohort_client_set_retry; 0 = the library's defaults */
    long array_size;       /* 1 = a single job */
    int argc;              /* the command */
    char **argv;
};

static void usage(FILE *to)
{
    fprintf(
        to,
        "usage: cohort-submit-keyed [-s ENDPOINT] [-k KEY] [-J NAME] [-a N] [-t TRY_MS]\n"
        "                           [-T TOTAL_MS] -- CMD [ARG...]\n"
        "Submit CMD once (an array of N jobs with -a) and print each job id on its own line.\n"
        "  -k KEY       submit under KEY (cohort_submit_many_keyed); default: a fresh key\n"
        "  -t, -T       each try's timeout and the whole submission's (cohort_client_set_retry)\n"
        "Exits 0 when acknowledged, 1 with the library's message otherwise.\n");
}

/* Parse a whole number in [min, max] into *out. Returns 0, or -1 after printing why. */
static int parse_long(long *out, const char *text, long min, long max, const char *what)
{
    return tool_parse_long(out, text, min, max, what, "cohort-submit-keyed");
}

static int parse_options(struct options *opts, int argc, char **argv)
{
    int c;

    while ((c = getopt(argc, argv, "+s:k:J:a:t:T:h")) != -1) {
        switch (c) {
        case 's':
            opts->endpoint = optarg;
            break;
        case 'k':
            opts->key = optarg;
            break;
        case 'J':
            opts->name = optarg;
            break;
        case 'a':
            if (parse_long(&opts->array_size, optarg, 1, ARRAY_MAX, "array size") < 0)
                return -1;
            break;
        case 't':
            if (parse_long(&opts->try_ms, optarg, 1, MS_MAX, "try timeout") < 0)
                return -1;
            break;
        case 'T':
            if (parse_long(&opts->total_ms, optarg, 1, MS_MAX, "total timeout") < 0)
                return -1;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return -1;
    }
    opts->argc = argc - optind;
    opts->argv = argv + optind;
    return 0;
}

int main(int argc, char **argv)
{
    struct options opts = {.array_size = 1};
    cohort_client_t *client = NULL;
    cohort_job_spec_t *spec = NULL;
    const cohort_job_spec_t *specs[1];
    cohort_error_t err = {0};
    uint64_t first_id;
    uint32_t count;
    int rc, status = EXIT_USAGE;

    if (parse_options(&opts, argc, argv) < 0)
        goto done;
    status = EXIT_FAILURE;
    if ((rc = cohort_client_connect(&client, opts.endpoint, (int)opts.try_ms, &err)) < 0 ||
        (rc = cohort_client_set_retry(client, (int)opts.try_ms, (int)opts.total_ms, &err)) < 0 ||
        (rc = cohort_job_spec_new(&spec, &err)) < 0 ||
        (rc = cohort_job_spec_set_name(spec, opts.name, &err)) < 0 ||
        (rc = cohort_job_spec_set_command(spec, (size_t)opts.argc, (const char *const *)opts.argv,
                                          &err)) < 0 ||
        (opts.array_size > 1 &&
         (rc = cohort_job_spec_set_array(spec, 1, (uint32_t)opts.array_size, &err)) < 0))
        goto done;
    specs[0] = spec;
    rc = opts.key ? cohort_submit_many_keyed(&first_id, &count, client, specs, 1, opts.key, &err)
                  : cohort_submit_many(&first_id, &count, client, specs, 1, &err);
    if (rc < 0)
        goto done;
    for (uint32_t i = 0; i < count; i++)
        printf("%" PRIu64 "\n", first_id + i);
    status = EXIT_SUCCESS;
done:
    if (status == EXIT_FAILURE && err.code)
        fprintf(stderr, "cohort-submit-keyed: %s\n", err.message);
    cohort_job_spec_destroy(spec);
    cohort_client_close(client);
    return status;
}
