/* control.c — steering jobs and workers: cancel, captured output, drain and resume. */
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"

int cohort_cancel(int *codes_out, cohort_client_t *client, const uint64_t *ids, size_t n,
                  cohort_error_t *err)
{
    struct msg req = {.type = MSG_CANCEL};
    struct msg *reply = NULL;
    int rc;

    if (n == 0 || !ids)
        return cohort__error(err, COHORT_EINVAL, "no job ids to cancel");
    if (n > PROTO_MAX_IDS)
        return cohort__error(err, COHORT_ETOOBIG,
                             "%zu job ids are more than the cap of %u in one cancel", n,
                             PROTO_MAX_IDS);
    req.u.cancel = (struct msg_job_ids){.n_ids = (uint32_t)n, .ids = (uint64_t *)ids};
    if ((rc = cohort__request(&reply, client, &req, err)) < 0)
        return rc;
    if (reply->u.reply.u.cancel.n != n) {
        rc = cohort__error(err, COHORT_EPROTO, "the scheduler answered for %u jobs instead of %zu",
                           reply->u.reply.u.cancel.n, n);
        goto done;
    }
    for (size_t i = 0; codes_out && i < n; i++)
        codes_out[i] = reply->u.reply.u.cancel.codes[i];
done:
    msg_free(reply);
    return rc;
}

int cohort_logs_get(uint8_t **data_out, size_t *len_out, int *truncated_out,
                    cohort_client_t *client, uint64_t job_id, cohort_stream_t stream,
                    cohort_error_t *err)
{
    struct msg req = {.type = MSG_LOGS, .u.logs = {.job_id = job_id, .stream = stream}};
    struct msg *reply = NULL;
    uint8_t *copy = NULL;
    uint32_t len;
    int rc;

    if (stream != COHORT_STREAM_STDOUT && stream != COHORT_STREAM_STDERR)
        return cohort__error(err, COHORT_EINVAL, "stream %d is neither stdout nor stderr",
                             (int)stream);
    if ((rc = cohort__request(&reply, client, &req, err)) < 0) {
        if (rc == COHORT_ENOENT)
            cohort__error(err, rc, "no job %llu", (unsigned long long)job_id);
        return rc;
    }
    len = reply->u.reply.u.logs.len;
    if (!(copy = malloc((size_t)len + 1))) {
        rc = cohort__error(err, COHORT_ENOMEM, "out of memory for %u bytes of output", len);
        goto done;
    }
    if (len)
        memcpy(copy, reply->u.reply.u.logs.data, len);
    copy[len] = '\0';
    *data_out = copy;
    *len_out = len;
    if (truncated_out)
        *truncated_out = reply->u.reply.u.logs.truncated;
done:
    msg_free(reply);
    return rc;
}

/* Send DRAIN or RESUME for the worker called name. */
static int worker_steer(cohort_client_t *client, int type, const char *name, cohort_error_t *err)
{
    struct msg req = {.type = (uint8_t)type};
    struct msg *reply = NULL;
    int rc;

    if (!name || !*name)
        return cohort__error(err, COHORT_EINVAL, "no worker name given");
    if (strlen(name) > PROTO_MAX_STR)
        return cohort__error(err, COHORT_ETOOBIG, "the worker name is longer than the %u KiB cap",
                             PROTO_MAX_STR >> 10);
    if (type == MSG_DRAIN)
        req.u.drain = (struct msg_worker_ref){.name = name};
    else
        req.u.resume = (struct msg_worker_ref){.name = name};
    if ((rc = cohort__request(&reply, client, &req, err)) < 0) {
        if (rc == COHORT_ENOENT)
            cohort__error(err, rc, "no worker '%s'", name);
        return rc;
    }
    msg_free(reply);
    return 0;
}

int cohort_worker_drain(cohort_client_t *client, const char *name, cohort_error_t *err)
{
    return worker_steer(client, MSG_DRAIN, name, err);
}

int cohort_worker_resume(cohort_client_t *client, const char *name, cohort_error_t *err)
{
    return worker_steer(client, MSG_RESUME, name, err);
}
