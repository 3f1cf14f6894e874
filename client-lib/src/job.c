/* job.c — jobs as the scheduler reports them: lists, accessors, and one job's details. */
#include <stdlib.h>

#include "client_internal.h"

struct cohort_job_list *cohort__job_list_new(void)
{
    return calloc(1, sizeof(struct cohort_job_list));
}

int cohort__job_list_take(struct cohort_job_list *list, struct msg *reply)
{
    uint32_t n = reply->u.reply.u.jobs.n;
    struct msg **replies = NULL;
    struct cohort_job *items = NULL;

    replies = realloc(list->replies, (list->n_replies + 1) * sizeof *replies);
    if (!replies)
        goto fail;
    list->replies = replies;
    if (n) {
        items = realloc(list->items, (list->count + n) * sizeof *items);
        if (!items)
            goto fail;
        list->items = items;
    }
    for (uint32_t i = 0; i < n; i++)
        list->items[list->count + i] =
            (struct cohort_job){.info = &reply->u.reply.u.jobs.jobs[i], .reply = NULL};
    list->count += n;
    list->replies[list->n_replies++] = reply;
    return 0;
fail:
    msg_free(reply);
    return COHORT_ENOMEM;
}

void cohort_job_list_free(cohort_job_list_t *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->n_replies; i++)
        msg_free(list->replies[i]);
    free(list->replies);
    free(list->items);
    free(list);
}

size_t cohort_job_list_count(const cohort_job_list_t *list)
{
    return list->count;
}

const cohort_job_t *cohort_job_list_item(const cohort_job_list_t *list, size_t i)
{
    return i < list->count ? &list->items[i] : NULL;
}

int cohort_jobs_list(cohort_job_list_t **out, cohort_client_t *client, uint32_t state_mask,
                     uint32_t limit, uint64_t after_id, cohort_error_t *err)
{
    struct msg req = {.type = MSG_JOBS};
    struct cohort_job_list *list = NULL;
    struct msg *reply = NULL;
    int rc;

    *out = NULL;
    if (state_mask & ~COHORT_JOB_STATES_ALL)
        return cohort__error(err, COHORT_EINVAL, "the state mask 0x%x names no job state",
                             state_mask);
    req.u.jobs = (struct msg_jobs){.state_mask = state_mask,
                                   .limit = limit > PROTO_MAX_ROWS ? PROTO_MAX_ROWS : limit,
                                   .after_id = after_id};
    if (!(list = cohort__job_list_new()))
        return cohort__error(err, COHORT_ENOMEM, "out of memory for a job list");
    if ((rc = cohort__request(&reply, client, &req, err)) < 0)
        goto fail;
    if ((rc = cohort__job_list_take(list, reply)) < 0) {
        cohort__error(err, rc, "out of memory for a job list");
        goto fail;
    }
    *out = list;
    return 0;
fail:
    cohort_job_list_free(list);
    return rc;
}

int cohort_job_get(cohort_job_t **out, cohort_client_t *client, uint64_t job_id,
                   cohort_error_t *err)
{
    struct msg req = {.type = MSG_SHOW, .u.show = {.job_id = job_id}};
    struct cohort_job *job = NULL;
    struct msg *reply = NULL;
    int rc;

    *out = NULL;
    if (!(job = calloc(1, sizeof *job)))
        return cohort__error(err, COHORT_ENOMEM, "out of memory for a job");
    if ((rc = cohort__request(&reply, client, &req, err)) < 0) {
        if (rc == COHORT_ENOENT)
            cohort__error(err, rc, "no job %llu", (unsigned long long)job_id);
        goto fail;
    }
    if (reply->u.reply.u.jobs.n != 1 || reply->u.reply.u.jobs.jobs[0].id != job_id) {
        rc = cohort__error(err, COHORT_EPROTO, "the scheduler answered with another job");
        goto fail;
    }
    job->info = &reply->u.reply.u.jobs.jobs[0];
    job->reply = reply;
    *out = job;
    return 0;
fail:
    msg_free(reply);
    free(job);
    return rc;
}

void cohort_job_free(cohort_job_t *job)
{
    if (!job)
        return;
    msg_free(job->reply);
    free(job);
}

uint64_t cohort_job_id(const cohort_job_t *job)
{
    return job->info->id;
}

const char *cohort_job_name(const cohort_job_t *job)
{
    return job->info->name;
}

const char *cohort_job_user(const cohort_job_t *job)
{
    return job->info->user;
}

cohort_job_state_t cohort_job_state(const cohort_job_t *job)
{
    return (cohort_job_state_t)job->info->state;
}

int cohort_job_exit_code(const cohort_job_t *job)
{
    return job->info->exit_code;
}

int cohort_job_signal(const cohort_job_t *job)
{
    return job->info->signal;
}

const char *cohort_job_reason(const cohort_job_t *job)
{
    return job->info->reason;
}

uint32_t cohort_job_cpus(const cohort_job_t *job)
{
    return job->info->cpus;
}

uint64_t cohort_job_mem(const cohort_job_t *job)
{
    return job->info->mem;
}

int32_t cohort_job_priority(const cohort_job_t *job)
{
    return job->info->priority;
}

uint32_t cohort_job_time_limit(const cohort_job_t *job)
{
    return job->info->time_limit;
}

uint32_t cohort_job_retries(const cohort_job_t *job)
{
    return job->info->retries;
}

const char *cohort_job_worker(const cohort_job_t *job)
{
    return job->info->worker;
}

uint32_t cohort_job_attempts(const cohort_job_t *job)
{
    return job->info->attempts;
}

int64_t cohort_job_array_index(const cohort_job_t *job)
{
    return job->info->array_index;
}

int64_t cohort_job_submitted_at(const cohort_job_t *job)
{
    return job->info->submitted_at;
}

int64_t cohort_job_started_at(const cohort_job_t *job)
{
    return job->info->started_at;
}

int64_t cohort_job_finished_at(const cohort_job_t *job)
{
    return job->info->finished_at;
}

uint64_t cohort_job_cpu_time_ms(const cohort_job_t *job)
{
    return job->info->cpu_time_ms;
}

const char *cohort_job_cwd(const cohort_job_t *job)
{
    return job->info->cwd;
}

size_t cohort_job_argc(const cohort_job_t *job)
{
    return job->info->argc;
}

const char *cohort_job_arg(const cohort_job_t *job, size_t i)
{
    return i < job->info->argc ? job->info->argv[i] : NULL;
}

size_t cohort_job_envc(const cohort_job_t *job)
{
    return job->info->envc;
}

const char *cohort_job_env(const cohort_job_t *job, size_t i)
{
    return i < job->info->envc ? job->info->env[i] : NULL;
}

int cohort_job_exit_status(const cohort_job_t *job)
{
    const struct job_info *info = job->info;

    switch (info->state) {
    case COHORT_JOB_COMPLETED:
        return 0;
    case COHORT_JOB_TIMEOUT:
        return 124;
    case COHORT_JOB_FAILED:
        if (info->signal > 0)
            return 128 + info->signal;
        if (info->exit_code > 0 && info->exit_code <= 255)
            return info->exit_code;
        return 1; /* e.g. could not start, or retries exhausted */
    case COHORT_JOB_CANCELLED:
        return 1;
    default:
        return COHORT_ESTATE;
    }
}
