/* staged.c — jobs sent to this worker while its cpus are taken, started in order as they free. */
#include "staged.h"

#include <stdlib.h>

#include "cohort.h"

void staged_init(struct staged *q)
{
    *q = (struct staged){0};
}

void staged_clear(struct staged *q)
{
    struct msg *run;

    while ((run = staged_pop(q)))
        msg_free(run);
}

int staged_push(struct staged *q, struct msg *run)
{
    struct staged_job *job = calloc(1, sizeof(*job));

    if (!job)
        return COHORT_ENOMEM;
    job->run = run;
    if (q->last)
        q->last->next = job;
    else
        q->first = job;
    q->last = job;
    q->count++;
    return 0;
}

const struct msg_run *staged_peek(const struct staged *q)
{
    return q->first ? &q->first->run->u.run : NULL;
}

/* Unlink the job after prev (the first when prev is NULL) and return its message. */
static struct msg *unlink_after(struct staged *q, struct staged_job *prev)
{
    struct staged_job *job = prev ? prev->next : q->first;
    struct msg *run = job->run;

    if (prev)
        prev->next = job->next;
    else
        q->first = job->next;
    if (q->last == job)
        q->last = prev;
    q->count--;
    free(job);
    return run;
}

struct msg *staged_pop(struct staged *q)
{
    return q->first ? unlink_after(q, NULL) : NULL;
}

static bool is_attempt(const struct staged_job *job, uint64_t job_id, uint32_t attempt)
{
    return job->run->u.run.job_id == job_id && job->run->u.run.attempt == attempt;
}

struct msg *staged_take(struct staged *q, uint64_t job_id, uint32_t attempt)
{
    struct staged_job *prev = NULL;

    for (struct staged_job *job = q->first; job; prev = job, job = job->next)
        if (is_attempt(job, job_id, attempt))
            return unlink_after(q, prev);
    return NULL;
}

bool staged_has(const struct staged *q, uint64_t job_id, uint32_t attempt)
{
    for (const struct staged_job *job = q->first; job; job = job->next)
        if (is_attempt(job, job_id, attempt))
            return true;
    return false;
}

uint32_t staged_list(const struct staged *q, struct job_attempt *out, uint32_t max)
{
    uint32_t n = 0;

    for (const struct staged_job *job = q->first; job && n < max; job = job->next)
        out[n++] = (struct job_attempt){job->run->u.run.job_id, job->run->u.run.attempt};
    return n;
}
