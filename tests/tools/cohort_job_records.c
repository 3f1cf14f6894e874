/* cohort_job_records.c — test tool: one line per job with its recorded attempts, for checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort.h"

#define EXIT_USAGE 2
#define TIMEOUT_MS 30000

static void usage(FILE *to)
{
    fprintf(to, "usage: cohort-job-records [ENDPOINT]\n"
                "Print every job the scheduler at ENDPOINT (default $COHORT_SCHEDULER) knows, in\n"
                "id order, one tab-separated line each:\n"
                "  ID STATE ATTEMPTS RESULTS HISTORY NAME\n"
                "RESULTS counts the attempts that ended (completed, failed, cancelled, timeout);\n"
                "HISTORY lists the attempts as NUMBER:WORKER:STATE,... ('-' when none).\n");
}

static int is_end_state(cohort_job_state_t state)
{
    return state == COHORT_JOB_COMPLETED || state == COHORT_JOB_FAILED ||
           state == COHORT_JOB_CANCELLED || state == COHORT_JOB_TIMEOUT;
}

/* Fetch job id with its history and print its line. Returns 0 or a COHORT_E* code (err set). */
static int print_job(cohort_client_t *client, uint64_t id, cohort_error_t *err)
{
    cohort_job_t *job = NULL;
    size_t results = 0, n;
    int rc;

    if ((rc = cohort_job_get(&job, client, id, err)) < 0)
        return rc;
    n = cohort_job_history_count(job);
    for (size_t i = 0; i < n; i++)
        results += is_end_state(cohort_attempt_state(cohort_job_history_item(job, i)));
    printf("%llu\t%s\t%u\t%zu\t", (unsigned long long)id,
           cohort_job_state_name(cohort_job_state(job)), cohort_job_attempts(job), results);
    for (size_t i = 0; i < n; i++) {
        const cohort_attempt_t *attempt = cohort_job_history_item(job, i);
        printf("%s%u:%s:%s", i ? "," : "", cohort_attempt_number(attempt),
               cohort_attempt_worker(attempt),
               cohort_job_state_name(cohort_attempt_state(attempt)));
    }
    printf("%s\t%s\n", n ? "" : "-", cohort_job_name(job));
    cohort_job_free(job);
    return 0;
}

/* Page through every job and print each. Returns 0 or a COHORT_E* code (err set). */
static int print_all(cohort_client_t *client, cohort_error_t *err)
{
    cohort_job_list_t *page = NULL;
    uint64_t after_id = 0;
    size_t count;
    int rc;

    do {
        if ((rc = cohort_jobs_list(&page, client, COHORT_JOB_STATES_ALL, 0, after_id, err)) < 0)
            return rc;
        count = cohort_job_list_count(page);
        for (size_t i = 0; i < count && rc == 0; i++) {
            after_id = cohort_job_id(cohort_job_list_item(page, i));
            rc = print_job(client, after_id, err);
        }
        cohort_job_list_free(page);
    } while (rc == 0 && count > 0);
    return rc;
}

int main(int argc, char **argv)
{
    cohort_client_t *client = NULL;
    cohort_error_t err = {0};
    int status = EXIT_USAGE;

    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        usage(argc == 2 && strcmp(argv[1], "-h") == 0 ? stdout : stderr);
        goto done;
    }
    status = EXIT_FAILURE;
    if (cohort_client_connect(&client, argc == 2 ? argv[1] : NULL, TIMEOUT_MS, &err) < 0 ||
        print_all(client, &err) < 0) {
        fprintf(stderr, "cohort-job-records: %s\n", err.message);
        goto done;
    }
    if (fflush(stdout) == 0)
        status = EXIT_SUCCESS;
done:
    cohort_client_close(client);
    return status;
}
