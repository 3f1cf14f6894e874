/* wait.c — blocking until jobs end, in bounded rounds the scheduler answers. */
#include <stdbool.h>
#include <stdlib.h>

#include "client_internal.h"
#include "clock.h"

/* The scheduler holds one WAIT at most this long, so a lost answer costs at most a round. */
#define WAIT_ROUND_MS 30000
/* Ids per WAIT request; far below PROTO_MAX_IDS so that the reply, which describes every
 * job, stays well inside one message. */
#define WAIT_BATCH_IDS 10000u

/* Wait for ids[0..n) until deadline (monotonic ms; -1 = none), adding the ended jobs to
 * list. Returns 0 or a negative code with err filled, except when the deadline passed:
 * then COHORT_ETIMEDOUT with *deadline_passed set and err left for the caller to word. */
static int wait_batch(struct cohort_job_list *list, bool *deadline_passed, cohort_client_t *client,
                      const uint64_t *ids, uint32_t n, int64_t deadline, cohort_error_t *err)
{
    struct msg req = {.type = MSG_WAIT, .u.wait = {.n_ids = n, .ids = (uint64_t *)ids}};
    struct msg *reply = NULL;
    int rc;

    for (;;) {
        int64_t left = deadline < 0 ? WAIT_ROUND_MS : deadline - clock_mono_ms();
        req.u.wait.timeout_ms = left < 0 ? 0 : left > WAIT_ROUND_MS ? WAIT_ROUND_MS : left;
        /* the scheduler answers after timeout_ms; give it the usual time beyond that */
        rc = cohort__call(&reply, client, &req, (int)req.u.wait.timeout_ms + client->timeout_ms,
                          err);
        if (rc < 0)
            return rc;
        if (reply->u.reply.status != COHORT_ETIMEDOUT)
            break;
        msg_free(reply);
        reply = NULL;
        if (deadline >= 0 && clock_mono_ms() >= deadline) {
            *deadline_passed = true;
            return COHORT_ETIMEDOUT;
        }
    }
    if ((rc = cohort__reply_status(reply, err)) < 0)
        return rc;
    if (reply->u.reply.u.jobs.n != n) {
        rc = cohort__error(err, COHORT_EPROTO, "the scheduler reported %u jobs instead of %u",
                           reply->u.reply.u.jobs.n, n);
        msg_free(reply);
        return rc;
    }
    if ((rc = cohort__job_list_take(list, reply)) < 0)
        return cohort__error(err, rc, "out of memory for the ended jobs");
    return 0;
}

int cohort_wait(cohort_job_list_t **out, cohort_client_t *client, const uint64_t *ids, size_t n,
                int timeout_ms, cohort_error_t *err)
{
    int64_t deadline = timeout_ms < 0 ? -1 : clock_mono_ms() + timeout_ms;
    struct cohort_job_list *list = NULL;
    bool deadline_passed = false;
    char waited[32];
    int rc = 0;

    if (out)
        *out = NULL;
    if (n == 0 || !ids)
        return cohort__error(err, COHORT_EINVAL, "no job ids to wait for");
    if (!(list = cohort__job_list_new()))
        return cohort__error(err, COHORT_ENOMEM, "out of memory for the ended jobs");
    for (size_t done = 0; done < n; done += WAIT_BATCH_IDS) {
        uint32_t batch = n - done < WAIT_BATCH_IDS ? (uint32_t)(n - done) : WAIT_BATCH_IDS;
        rc = wait_batch(list, &deadline_passed, client, ids + done, batch, deadline, err);
        if (rc < 0)
            break;
    }
    if (deadline_passed) {
        cohort__format_seconds(waited, sizeof waited, timeout_ms);
        if (n == 1)
            cohort__error(err, rc, "job %llu did not end within %s", (unsigned long long)ids[0],
                          waited);
        else
            cohort__error(err, rc, "the %zu jobs did not all end within %s", n, waited);
    }
    if (rc < 0 || !out)
        cohort_job_list_free(list);
    else
        *out = list;
    return rc;
}

int cohort_wait_one(cohort_job_t **out, cohort_client_t *client, uint64_t job_id, int timeout_ms,
                    cohort_error_t *err)
{
    struct cohort_job_list *list = NULL;
    struct cohort_job *job = NULL;
    int rc;

    if (out)
        *out = NULL;
    if (out && !(job = calloc(1, sizeof *job)))
        return cohort__error(err, COHORT_ENOMEM, "out of memory for a job");
    if ((rc = cohort_wait(out ? &list : NULL, client, &job_id, 1, timeout_ms, err)) < 0)
        goto done;
    if (out) {
        /* the list holds exactly one reply with exactly one job: move the reply to the job */
        job->info = list->items[0].info;
        job->reply = list->replies[0];
        list->n_replies = 0;
        *out = job;
        job = NULL;
    }
done:
    cohort_job_list_free(list);
    free(job);
    return rc;
}
