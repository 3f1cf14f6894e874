/* bench_array.c — submit one N-job array of `true`, time the submission and the run. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cohort.h"

/* The most jobs one run may ask for (the array cap of the protocol). */
#define BENCH_MAX_JOBS 10000000ul

static double seconds_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + now.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *command[] = {"true"};
    unsigned long jobs = 1000;
    cohort_client_t *client = NULL;
    cohort_job_spec_t *spec = NULL;
    cohort_job_list_t *ended = NULL;
    cohort_error_t err = {0};
    uint64_t first_id, *ids = NULL;
    uint32_t count;
    size_t completed = 0;
    double started, submitted, finished;
    int status = EXIT_FAILURE;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: bench_array ENDPOINT [JOBS]   (JOBS defaults to 1000)\n");
        return 2;
    }
    if (argc == 3) {
        char *end;
        jobs = strtoul(argv[2], &end, 10);
        if (*end || jobs < 1 || jobs > BENCH_MAX_JOBS) {
            fprintf(stderr, "bench_array: JOBS must be from 1 to %lu\n", BENCH_MAX_JOBS);
            return 2;
        }
    }
    if (!(ids = calloc(jobs, sizeof *ids))) {
        fprintf(stderr, "bench_array: out of memory\n");
        return 1;
    }
    if (cohort_client_connect(&client, argv[1], 0, &err) < 0 ||
        cohort_job_spec_new(&spec, &err) < 0 ||
        cohort_job_spec_set_name(spec, "bench-array", &err) < 0 ||
        cohort_job_spec_set_command(spec, 1, command, &err) < 0 ||
        cohort_job_spec_set_array(spec, 1, (uint32_t)jobs, &err) < 0)
        goto done;

    started = seconds_now();
    if (cohort_submit_array(&first_id, &count, client, spec, &err) < 0)
        goto done;
    submitted = seconds_now();
    printf("submit_array jobs=%lu seconds=%.3f jobs_per_s=%.0f\n", jobs, submitted - started,
           jobs / (submitted - started));
    fflush(stdout);

    for (uint32_t i = 0; i < count; i++)
        ids[i] = first_id + i;
    if (cohort_wait(&ended, client, ids, count, -1, &err) < 0)
        goto done;
    finished = seconds_now();
    printf("array_done jobs=%lu seconds_from_submit=%.3f jobs_per_s=%.0f\n", jobs,
           finished - started, jobs / (finished - started));

    for (size_t i = 0; i < cohort_job_list_count(ended); i++)
        completed += cohort_job_state(cohort_job_list_item(ended, i)) == COHORT_JOB_COMPLETED;
    if (completed != jobs)
        fprintf(stderr, "bench_array: only %zu of %lu jobs completed\n", completed, jobs);
    else
        status = EXIT_SUCCESS;
done:
    if (err.code)
        fprintf(stderr, "bench_array: %s\n", err.message);
    cohort_job_list_free(ended);
    cohort_job_spec_destroy(spec);
    cohort_client_close(client);
    free(ids);
    return status;
}
