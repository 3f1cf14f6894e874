/* send.c — the scheduler's sending: replies and worker messages held for the commit, and what
 * goes out at once. */
#include "sched_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "zsock.h"

void sched_send_now(struct sched *s, const uint8_t *peer, size_t peer_len, const struct msg *m)
{
    struct buf out;

    buf_init(&out, PROTO_MAX_MSG);
    if (msg_encode(&out, m) == 0)
        zsock_send(s->zsock, peer, peer_len, out.data, out.len);
    buf_free(&out);
}

/* An error reply sent at once, for when it cannot wait in the outbox. */
void sched_send_error_now(struct sched *s, const uint8_t *peer, size_t peer_len, uint64_t req_id,
                          uint8_t request, int status, const char *error)
{
    struct msg m = {.type = MSG_REPLY};
    m.u.reply =
        (struct msg_reply){.req_id = req_id, .request = request, .status = status, .error = error};
    sched_send_now(s, peer, peer_len, &m);
}

static bool has_job_list(const struct msg_reply *reply)
{
    return reply->status == 0 &&
           (reply->request == MSG_JOBS || reply->request == MSG_SHOW || reply->request == MSG_WAIT);
}

void sched_reply(struct sched *s, const uint8_t *peer, size_t peer_len, struct msg_reply *reply)
{
    struct msg m = {.type = MSG_REPLY, .u.reply = *reply};
    /* made before the turn wrote anything, it holds whatever the commit does */
    struct outbox_item item = {.kind = OUTBOX_REPLY,
                               .peer_len = (uint8_t)peer_len,
                               .req_id = reply->req_id,
                               .request = reply->request,
                               .stands_alone = !store_in_transaction(s->store)};
    int rc;

    buf_init(&item.payload, PROTO_MAX_MSG);
    memcpy(item.peer, peer, peer_len);
    rc = msg_encode(&item.payload, &m);
    if (rc == COHORT_ETOOBIG && has_job_list(reply)) {
        /* drop the commands and environments: the rest is what callers need most */
        for (uint32_t i = 0; i < reply->u.jobs.n; i++)
            m.u.reply.u.jobs.jobs[i].argc = m.u.reply.u.jobs.jobs[i].envc = 0;
        buf_reset(&item.payload);
        rc = msg_encode(&item.payload, &m);
    }
    if (rc < 0) {
        buf_free(&item.payload);
        sched_reply_error(s, peer, peer_len, reply->req_id, reply->request, COHORT_ETOOBIG,
                          "the answer is too large to send; ask for fewer items");
        return;
    }
    if (outbox_push(s->outbox, &item) < 0)
        sched_send_error_now(s, peer, peer_len, reply->req_id, reply->request, COHORT_ETOOBIG,
                             "the scheduler is overloaded; try again");
}

void sched_reply_error(struct sched *s, const uint8_t *peer, size_t peer_len, uint64_t req_id,
                       uint8_t request, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sched_reply_verror(s, peer, peer_len, req_id, request, status, fmt, ap);
    va_end(ap);
}

void sched_reply_verror(struct sched *s, const uint8_t *peer, size_t peer_len, uint64_t req_id,
                        uint8_t request, int status, const char *fmt, va_list ap)
{
    char error[512];

    vsnprintf(error, sizeof error, fmt, ap);
    struct msg_reply reply = {
        .req_id = req_id, .request = request, .status = status, .error = error};
    struct msg m = {.type = MSG_REPLY, .u.reply = reply};
    struct outbox_item item = {.kind = OUTBOX_REPLY,
                               .peer_len = (uint8_t)peer_len,
                               .req_id = req_id,
                               .request = request,
                               .stands_alone = !store_in_transaction(s->store)};
    buf_init(&item.payload, PROTO_MAX_MSG);
    memcpy(item.peer, peer, peer_len);
    if (msg_encode(&item.payload, &m) < 0 || outbox_push(s->outbox, &item) < 0) {
        buf_free(&item.payload);
        sched_send_error_now(s, peer, peer_len, req_id, request, status, error);
    }
}

int sched_send_worker(struct sched *s, const struct worker *w, const struct msg *m,
                      enum outbox_kind kind, uint64_t job_id, uint32_t attempt)
{
    /* a heartbeat answer only says the scheduler lives: it must reach the worker even in
     * turns that fail, or a long storage fault would make workers fence themselves */
    struct outbox_item item = {.kind = kind,
                               .peer_len = (uint8_t)w->peer_len,
                               .job_id = job_id,
                               .attempt = attempt,
                               .stands_alone = m->type == MSG_HEARTBEAT};
    int rc;

    buf_init(&item.payload, PROTO_MAX_MSG);
    memcpy(item.peer, w->peer, w->peer_len);
    if ((rc = msg_encode(&item.payload, m)) < 0) {
        buf_free(&item.payload);
        return rc;
    }
    return outbox_push(s->outbox, &item);
}

/* outbox_drain callback after a successful commit. */
void sched_send_committed(void *arg, struct outbox_item *item)
{
    struct sched *s = arg;
    int rc =
        zsock_send(s->zsock, item->peer, item->peer_len, item->payload.data, item->payload.len);

    if (rc == 0 || item->kind != OUTBOX_RUN)
        return;
    /* the worker never gets this attempt: give the job back rather than leave it stuck */
    struct attempt *a = workers_attempt(s->workers, item->job_id);
    if (a && a->number == item->attempt) {
        struct worker *w = a->worker;
        log_warn("job %llu: cannot send it to worker %s (error %d): requeued",
                 (unsigned long long)item->job_id, w->name, rc);
        lifecycle_requeue(s, a, "could not be reached", false);
        /* ZeroMQ no longer knows the peer (the worker died or reconnected): it must not be
         * chosen again, or dispatch and this requeue would chase each other. Its other
         * attempts wait for it to register again, or for its lease. */
        if (rc == COHORT_ECONNECT && w->connected) {
            log_warn("worker %s cannot be reached: no new jobs until it registers again", w->name);
            workers_disconnect(s->workers, w);
        }
    }
}

/* outbox_drain callback after a failed commit: nothing held may be sent as it is. */
void sched_send_failed(void *arg, struct outbox_item *item)
{
    struct sched *s = arg;
    char error[384];

    if (item->stands_alone)
        zsock_send(s->zsock, item->peer, item->peer_len, item->payload.data, item->payload.len);
    if (item->stands_alone || item->kind != OUTBOX_REPLY)
        return;
    snprintf(error, sizeof error,
             "the scheduler could not store the request: %s; nothing was changed",
             store_fault(s->store));
    sched_send_error_now(s, item->peer, item->peer_len, item->req_id, item->request, COHORT_EIO,
                         error);
}
