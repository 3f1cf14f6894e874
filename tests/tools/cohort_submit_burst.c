/* cohort_submit_burst.c — test tool: submit jobs one by one and log every acknowledged id. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cohort.h"

#include "tool_args.h"

#define EXIT_USAGE 2
#define COUNT_MAX 1000000L      /* submissions in one run */
#define INTERVAL_MAX_MS 60000L  /* pause between two submissions */
#define TIMEOUT_MAX_MS 3600000L /* a try's timeout, and a submission's deadline */

struct options {
    const char *endpoint; /* NULL: $COHORT_SCHEDULER */
    const char *out_path; /* where "NUMBER ID" lines go */
    long count;           /* submissions to make */
    long interval_ms;     /* pause after each acknowledged one */
    long try_ms;          /* how long one try waits for the answer */
    long deadline_ms;     /* how long one submission keeps trying */
};

static void usage(FILE *to)
{
    fprintf(to,
            "usage: cohort-submit-burst [-s ENDPOINT] [-n COUNT] [-i MS] [-t MS] [-d MS] OUT_FILE\n"
            "Submit COUNT single jobs ('true', named 1..COUNT by submission number) one after\n"
            "another and append 'NUMBER ID' to OUT_FILE as soon as each is acknowledged.\n"
            "  -s ENDPOINT  the scheduler (default $COHORT_SCHEDULER)\n"
            "  -n COUNT     submissions (default 100)\n"
            "  -i MS        pause after each acknowledged submission (default 0)\n"
            "  -t MS        how long one try waits for an answer (default 1000)\n"
            "  -d MS        how long one submission keeps trying (default 120000)\n"
            "Exits 0 when every submission was acknowledged; 1 at the first that was not.\n");
}

/* Parse a whole number in [min, max] into *out. Returns 0, or -1 after printing why. */
static int parse_long(long *out, const char *text, long min, long max, const char *what)
{
    return tool_parse_long(out, text, min, max, what, "cohort-submit-burst");
}

/* Parse the command line into opts. Returns 0, or -1 after printing why. */
static int parse_options(struct options *opts, int argc, char **argv)
{
    int c;

    while ((c = getopt(argc, argv, "s:n:i:t:d:h")) != -1) {
        switch (c) {
        case 's':
            opts->endpoint = optarg;
            break;
        case 'n':
            if (parse_long(&opts->count, optarg, 1, COUNT_MAX, "count") < 0)
                return -1;
            break;
        case 'i':
            if (parse_long(&opts->interval_ms, optarg, 0, INTERVAL_MAX_MS, "interval") < 0)
                return -1;
            break;
        case 't':
            if (parse_long(&opts->try_ms, optarg, 1, TIMEOUT_MAX_MS, "try timeout") < 0)
                return -1;
            break;
        case 'd':
            if (parse_long(&opts->deadline_ms, optarg, 1, TIMEOUT_MAX_MS, "deadline") < 0)
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
    if (optind != argc - 1) {
        usage(stderr);
        return -1;
    }
    opts->out_path = argv[optind];
    return 0;
}

static void pause_ms(long ms)
{
    struct timespec left = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

    while (nanosleep(&left, &left) < 0 && errno == EINTR)
        ;
}

/* Submit the jobs, logging each acknowledged one to out before the next is sent; the
 * library resends a submission that gets no answer, under the same key. Returns 0, or -1
 * after printing which submission failed and why. */
static int submit_all(const struct options *opts, FILE *out)
{
    static const char *command[] = {"true"};
    cohort_client_t *client = NULL;
    cohort_job_spec_t *spec = NULL;
    cohort_error_t err = {0};
    char name[32];
    uint64_t id;
    long number = 0;
    int rc;

    if ((rc = cohort_client_connect(&client, opts->endpoint, (int)opts->try_ms, &err)) < 0)
        goto done;
    cohort_client_set_retry(client, (int)opts->try_ms, (int)opts->deadline_ms, NULL);
    if ((rc = cohort_job_spec_new(&spec, &err)) < 0 ||
        (rc = cohort_job_spec_set_command(spec, 1, command, &err)) < 0)
        goto done;
    for (number = 1; number <= opts->count; number++) {
        snprintf(name, sizeof name, "%ld", number);
        if ((rc = cohort_job_spec_set_name(spec, name, &err)) < 0 ||
            (rc = cohort_submit(&id, client, spec, &err)) < 0)
            goto done;
        if (fprintf(out, "%ld %llu\n", number, (unsigned long long)id) < 0 || fflush(out) != 0) {
            fprintf(stderr, "cohort-submit-burst: %s: %s\n", opts->out_path, strerror(errno));
            rc = -1;
            goto done;
        }
        if (opts->interval_ms)
            pause_ms(opts->interval_ms);
    }
    rc = 0;
done:
    if (rc < 0 && err.code && number == 0)
        fprintf(stderr, "cohort-submit-burst: %s\n", err.message);
    else if (rc < 0 && err.code)
        fprintf(stderr, "cohort-submit-burst: submission %ld was not acknowledged: %s\n", number,
                err.message);
    cohort_job_spec_destroy(spec);
    cohort_client_close(client);
    return rc < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
    struct options opts = {.count = 100, .try_ms = 1000, .deadline_ms = 120000};
    FILE *out = NULL;
    int status = EXIT_USAGE;

    if (parse_options(&opts, argc, argv) < 0)
        goto done;
    status = EXIT_FAILURE;
    if (!(out = fopen(opts.out_path, "a"))) {
        fprintf(stderr, "cohort-submit-burst: %s: %s\n", opts.out_path, strerror(errno));
        goto done;
    }
    if (submit_all(&opts, out) == 0)
        status = EXIT_SUCCESS;
done:
    if (out)
        fclose(out);
    return status;
}
