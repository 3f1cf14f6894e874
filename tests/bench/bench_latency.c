/* bench_latency.c — N single jobs one after another on an idle grid: submit→start and submit→result
 * percentiles. */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "cohort.h"

#define BENCH_MAX_JOBS 100000ul

/*
 * Method: for each job the client notes the wall clock (µs) just before cohort_submit and
 * calls cohort_wait_one. submit→result is the client's wall time until cohort_wait_one
 * returns (µs resolution, includes the wait round trip). submit→start is the job's
 * recorded started_at (ms, stamped by the worker) minus the client's submit time, so it
 * has 1 ms resolution (the middle of the recorded ms is used) and both clocks are this machine's.
 */
int main(int argc, char **argv)
{
    const char *command[] = {"true"};
    unsigned long jobs;
    cohort_client_t *client = NULL;
    cohort_job_spec_t *spec = NULL;
    cohort_job_t *job = NULL;
    cohort_error_t err = {0};
    double *to_start = NULL, *to_result = NULL;
    int status = EXIT_FAILURE;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: bench_latency ENDPOINT [JOBS]   (JOBS defaults to 1000)\n");
        return 2;
    }
    if (!(jobs = bench_count_arg(argc, argv, 2, 1000, BENCH_MAX_JOBS, "bench_latency")))
        return 2;
    to_start = calloc(jobs, sizeof *to_start);
    to_result = calloc(jobs, sizeof *to_result);
    if (!to_start || !to_result || cohort_client_connect(&client, argv[1], 0, &err) < 0 ||
        cohort_job_spec_new(&spec, &err) < 0 ||
        cohort_job_spec_set_name(spec, "bench-latency", &err) < 0 ||
        cohort_job_spec_set_command(spec, 1, command, &err) < 0)
        goto done;
    for (unsigned long i = 0; i < jobs; i++) {
        uint64_t id;
        double submitted_us = bench_wall_us();
        if (cohort_submit(&id, client, spec, &err) < 0 ||
            cohort_wait_one(&job, client, id, 60000, &err) < 0)
            goto done;
        to_result[i] = (bench_wall_us() - submitted_us) / 1e3;
        /* started_at is truncated to the ms: take the middle of that ms */
        to_start[i] = (double)cohort_job_started_at(job) + 0.5 - submitted_us / 1e3;
        if (cohort_job_state(job) != COHORT_JOB_COMPLETED) {
            fprintf(stderr, "bench_latency: job %llu did not complete\n", (unsigned long long)id);
            goto done;
        }
        cohort_job_free(job);
        job = NULL;
    }
    qsort(to_start, jobs, sizeof *to_start, bench_compare_doubles);
    qsort(to_result, jobs, sizeof *to_result, bench_compare_doubles);
    printf("latency_submit_to_start jobs=%lu p50_ms=%.1f p99_ms=%.1f resolution_ms=1\n", jobs,
           bench_percentile(to_start, jobs, 50), bench_percentile(to_start, jobs, 99));
    printf("latency_submit_to_result jobs=%lu p50_ms=%.3f p99_ms=%.3f\n", jobs,
           bench_percentile(to_result, jobs, 50), bench_percentile(to_result, jobs, 99));
    status = EXIT_SUCCESS;
done:
    if (err.code)
        fprintf(stderr, "bench_latency: %s\n", err.message);
    cohort_job_free(job);
    cohort_job_spec_destroy(spec);
    cohort_client_close(client);
    free(to_start);
    free(to_result);
    return status;
}
