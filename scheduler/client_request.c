/* client_request.c — answering client requests, and those that did not decode. */
#include "client_request.h"

#include <stdarg.h>

void request_fail(const struct request *req, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sched_reply_verror(req->s, req->peer, req->peer_len, req->req_id, req->type, status, fmt, ap);
    va_end(ap);
}

void request_answer(const struct request *req, struct msg_reply *reply)
{
    reply->req_id = req->req_id;
    reply->request = req->type;
    sched_reply(req->s, req->peer, req->peer_len, reply);
}

void request_fail_no_memory(const struct request *req)
{
    request_fail(req, COHORT_ENOMEM, "the scheduler is out of memory");
}

/* A frame that did not decode (why says how): when it is a client request whose req_id can
 * be read, answer it, so that the client learns why instead of waiting out its timeout. */
void client_on_malformed(struct sched *s, const uint8_t *peer, size_t peer_len,
                         const uint8_t *frame, size_t len, int status, const char *why)
{
    uint8_t type;
    uint64_t req_id;

    if (msg_peek_request(frame, len, &type, &req_id) < 0)
        return;
    struct request req = {s, peer, peer_len, req_id, type};
    if (status == COHORT_ENOMEM)
        request_fail_no_memory(&req);
    else
        request_fail(&req, COHORT_EPROTO, "malformed %s request: %s", msg_type_name(type), why);
}
