/* attempt.c — the runs of a job (its history), as a SHOW reply lists them. */
#include "client_internal.h"

/* A cohort_attempt_t is never defined: the public handle is an attempt_info of the job's
 * reply, seen through an incomplete type so that callers cannot depend on its layout. */
static const struct attempt_info *attempt_info_of(const cohort_attempt_t *attempt)
{
    return (const struct attempt_info *)(const void *)attempt;
}

size_t cohort_job_history_count(const cohort_job_t *job)
{
    return job->info->n_attempt_list;
}

const cohort_attempt_t *cohort_job_history_item(const cohort_job_t *job, size_t i)
{
    if (i >= job->info->n_attempt_list)
        return NULL;
    return (const cohort_attempt_t *)(const void *)&job->info->attempt_list[i];
}

uint32_t cohort_attempt_number(const cohort_attempt_t *attempt)
{
    return attempt_info_of(attempt)->attempt;
}

const char *cohort_attempt_worker(const cohort_attempt_t *attempt)
{
    return attempt_info_of(attempt)->worker;
}

cohort_job_state_t cohort_attempt_state(const cohort_attempt_t *attempt)
{
    return (cohort_job_state_t)attempt_info_of(attempt)->state;
}

int cohort_attempt_exit_code(const cohort_attempt_t *attempt)
{
    return attempt_info_of(attempt)->exit_code;
}

int cohort_attempt_signal(const cohort_attempt_t *attempt)
{
    return attempt_info_of(attempt)->signal;
}

const char *cohort_attempt_reason(const cohort_attempt_t *attempt)
{
    return attempt_info_of(attempt)->reason;
}

int64_t cohort_attempt_started_at(const cohort_attempt_t *attempt)
{
    return attempt_info_of(attempt)->started_at;
}

int64_t cohort_attempt_finished_at(const cohort_attempt_t *attempt)
{
    return attempt_info_of(attempt)->finished_at;
}

uint64_t cohort_attempt_cpu_time_ms(const cohort_attempt_t *attempt)
{
    return attempt_info_of(attempt)->cpu_time_ms;
}
