/* submit.c — sending job specs to the scheduler: one job, one array, or many in one trip. */
#include <stdlib.h>

#include "client_internal.h"

/* Time the scheduler may take to store one job, beyond the client's timeout: an array of
 * millions of jobs is inserted in one transaction. */
#define SUBMIT_US_PER_JOB 20

int cohort_submit_many(uint64_t *first_ids_out, uint32_t *counts_out, cohort_client_t *client,
                       const cohort_job_spec_t *const *specs, size_t n, cohort_error_t *err)
{
    struct job_spec *views = NULL;
    struct msg req = {.type = MSG_SUBMIT};
    struct msg *reply = NULL;
    uint64_t jobs_total = 0, timeout_ms;
    int rc = 0;

    if (n == 0 || !specs)
        return cohort__error(err, COHORT_EINVAL, "no job specs to submit");
    if (n > PROTO_MAX_SPECS)
        return cohort__error(err, COHORT_ETOOBIG,
                             "%zu job specs are more than the cap of %u in one submission", n,
                             PROTO_MAX_SPECS);
    if (!(views = calloc(n, sizeof *views)))
        return cohort__error(err, COHORT_ENOMEM, "out of memory for %zu job specs", n);
    for (size_t i = 0; i < n; i++) {
        if ((rc = cohort__job_spec_view(&views[i], specs[i], client->user, err)) < 0)
            goto done;
        jobs_total += cohort__job_spec_count(specs[i]);
    }
    req.u.submit = (struct msg_submit){.n_specs = (uint32_t)n, .specs = views};
    timeout_ms = (uint64_t)client->timeout_ms + jobs_total * SUBMIT_US_PER_JOB / 1000;
    if (timeout_ms > INT32_MAX)
        timeout_ms = INT32_MAX;
    if ((rc = cohort__call(&reply, client, &req, (int)timeout_ms, err)) < 0 ||
        (rc = cohort__reply_status(reply, err)) < 0) {
        reply = NULL;
        goto done;
    }
    if (reply->u.reply.u.submit.n != n) {
        rc = cohort__error(err, COHORT_EPROTO,
                           "the scheduler acknowledged %u job specs instead of %zu",
                           reply->u.reply.u.submit.n, n);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (reply->u.reply.u.submit.counts[i] != cohort__job_spec_count(specs[i])) {
            rc = cohort__error(
                err, COHORT_EPROTO, "the scheduler acknowledged %u jobs for spec %zu instead of %u",
                reply->u.reply.u.submit.counts[i], i, cohort__job_spec_count(specs[i]));
            goto done;
        }
    }
    for (size_t i = 0; i < n; i++) {
        first_ids_out[i] = reply->u.reply.u.submit.first_ids[i];
        counts_out[i] = reply->u.reply.u.submit.counts[i];
    }
done:
    msg_free(reply);
    free(views);
    return rc;
}

int cohort_submit_array(uint64_t *first_id_out, uint32_t *count_out, cohort_client_t *client,
                        const cohort_job_spec_t *spec, cohort_error_t *err)
{
    return cohort_submit_many(first_id_out, count_out, client, &spec, 1, err);
}

int cohort_submit(uint64_t *id_out, cohort_client_t *client, const cohort_job_spec_t *spec,
                  cohort_error_t *err)
{
    uint32_t count;

    if (cohort__job_spec_count(spec) != 1)
        return cohort__error(err, COHORT_EINVAL,
                             "the spec is an array; submit it with cohort_submit_array");
    return cohort_submit_many(id_out, &count, client, &spec, 1, err);
}
