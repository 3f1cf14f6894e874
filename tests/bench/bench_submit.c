/* bench_submit.c — submit N single jobs, one call each, and time the submissions. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cohort.h"

/* The most submissions one run may make. */
#define BENCH_MAX_SUBMITS 1000000ul

static double seconds_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + now.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *command[] = {"true"};
    unsigned long submits = 2000;
    cohort_client_t *client = NULL;
    cohort_job_spec_t *spec = NULL;
    cohort_error_t err = {0};
    uint64_t id;
    double started, finished;
    int status = EXIT_FAILURE;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: bench_submit ENDPOINT [SUBMITS]   (SUBMITS defaults to 2000)\n");
        return 2;
    }
    if (argc == 3) {
        char *end;
        submits = strtoul(argv[2], &end, 10);
        if (*end || submits < 1 || submits > BENCH_MAX_SUBMITS) {
            fprintf(stderr, "bench_submit: SUBMITS must be from 1 to %lu\n", BENCH_MAX_SUBMITS);
            return 2;
        }
    }
    if (cohort_client_connect(&client, argv[1], 0, &err) < 0 ||
        cohort_job_spec_new(&spec, &err) < 0 ||
        cohort_job_spec_set_name(spec, "bench-submit", &err) < 0 ||
        cohort_job_spec_set_command(spec, 1, command, &err) < 0)
        goto done;

    started = seconds_now();
    for (unsigned long i = 0; i < submits; i++)
        if (cohort_submit(&id, client, spec, &err) < 0)
            goto done;
    finished = seconds_now();
    printf("submit_single submits=%lu seconds=%.3f submits_per_s=%.0f\n", submits,
           finished - started, submits / (finished - started));
    status = EXIT_SUCCESS;
done:
    if (err.code)
        fprintf(stderr, "bench_submit: %s\n", err.message);
    cohort_job_spec_destroy(spec);
    cohort_client_close(client);
    return status;
}
