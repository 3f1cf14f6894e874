/* bench_bulk.c — submit one N-job array of `true` and time until it is acknowledged (no wait for
 * the run). */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "cohort.h"

#define BENCH_MAX_JOBS 10000000ul
#define BULK_TIMEOUT_MS 600000 /* a million jobs may take a while to commit */

int main(int argc, char **argv)
{
    const char *command[] = {"true"};
    unsigned long jobs;
    cohort_client_t *client = NULL;
    cohort_job_spec_t *spec = NULL;
    cohort_error_t err = {0};
    uint64_t first_id;
    uint32_t count;
    double started, acknowledged;
    int status = EXIT_FAILURE;

    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: bench_bulk ENDPOINT [JOBS [LABEL]]   (JOBS defaults to 10000)\n");
        return 2;
    }
    if (!(jobs = bench_count_arg(argc, argv, 2, 10000, BENCH_MAX_JOBS, "bench_bulk")))
        return 2;
    if (cohort_client_connect(&client, argv[1], BULK_TIMEOUT_MS, &err) < 0 ||
        cohort_job_spec_new(&spec, &err) < 0 ||
        cohort_job_spec_set_name(spec, "bench-bulk", &err) < 0 ||
        cohort_job_spec_set_command(spec, 1, command, &err) < 0 ||
        cohort_job_spec_set_array(spec, 1, (uint32_t)jobs, &err) < 0)
        goto done;
    started = bench_seconds_now();
    if (cohort_submit_array(&first_id, &count, client, spec, &err) < 0)
        goto done;
    acknowledged = bench_seconds_now();
    printf("submit_bulk%s%s jobs=%u seconds=%.3f jobs_per_s=%.0f\n", argc == 4 ? "_" : "",
           argc == 4 ? argv[3] : "", count, acknowledged - started,
           count / (acknowledged - started));
    status = EXIT_SUCCESS;
done:
    if (err.code)
        fprintf(stderr, "bench_bulk: %s\n", err.message);
    cohort_job_spec_destroy(spec);
    cohort_client_close(client);
    return status;
}
