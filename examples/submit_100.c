/* submit_100.c — submit an array of 100 jobs with libcohort, wait for them, summarise. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <cohort.h>

#define JOBS 100

int main(int argc, char **argv)
{
    const char *endpoint = argc > 1 ? argv[1] : NULL; /* NULL: $COHORT_SCHEDULER or default */
    const char *command[] = {"sh", "-c", "echo job $COHORT_JOB_ID has index $COHORT_ARRAY_INDEX"};
    cohort_client_t *client = NULL;
    cohort_job_spec_t *spec = NULL;
    cohort_job_list_t *ended = NULL;
    cohort_error_t err = {0};
    uint64_t first_id, ids[JOBS];
    uint32_t count;
    size_t per_state[COHORT_JOB_STATE_COUNT] = {0};
    int status = EXIT_FAILURE;

    if (cohort_client_connect(&client, endpoint, 0, &err) < 0 ||
        cohort_job_spec_new(&spec, &err) < 0 ||
        cohort_job_spec_set_name(spec, "submit-100", &err) < 0 ||
        cohort_job_spec_set_command(spec, 3, command, &err) < 0 ||
        cohort_job_spec_set_array(spec, 0, JOBS - 1, &err) < 0 ||
        cohort_submit_array(&first_id, &count, client, spec, &err) < 0)
        goto done;
    printf("submitted jobs %" PRIu64 "..%" PRIu64 "\n", first_id, first_id + count - 1);

    for (uint32_t i = 0; i < count; i++)
        ids[i] = first_id + i;
    if (cohort_wait(&ended, client, ids, count, -1, &err) < 0)
        goto done;
    for (size_t i = 0; i < cohort_job_list_count(ended); i++)
        per_state[cohort_job_state(cohort_job_list_item(ended, i))]++;
    for (int state = COHORT_JOB_COMPLETED; state < COHORT_JOB_STATE_COUNT; state++)
        printf("%-10s %zu\n", cohort_job_state_name(state), per_state[state]);
    status = per_state[COHORT_JOB_COMPLETED] == JOBS ? EXIT_SUCCESS : EXIT_FAILURE;
done:
    if (err.code)
        fprintf(stderr, "submit_100: %s\n", err.message);
    cohort_job_list_free(ended);
    cohort_job_spec_destroy(spec);
    cohort_client_close(client);
    return status;
}
