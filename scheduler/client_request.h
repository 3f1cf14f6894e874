/* client_request.h — a client request being answered: who asked, and the answering helpers. */
#ifndef COHORT_SCHED_CLIENT_REQUEST_H
#define COHORT_SCHED_CLIENT_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "sched_int.h"

/* Who asked what: everything an answer needs. */
struct request {
    struct sched *s;
    const uint8_t *peer;
    size_t peer_len;
    uint64_t req_id;
    uint8_t type; /* enum msg_type of the request */
};

/* Answer req with a negative COHORT_E* status and a sentence. */
void request_fail(const struct request *req, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Answer req with reply, whose body the caller filled. */
void request_answer(const struct request *req, struct msg_reply *reply);

/* Answer req with COHORT_ENOMEM. */
void request_fail_no_memory(const struct request *req);

/* Answer req with n jobs: pending ones get the reason they wait, and staged ones, which
 * have not started, show as pending (client_query.c). */
void request_answer_jobs(const struct request *req, struct job_info *jobs, uint32_t n);

#endif
