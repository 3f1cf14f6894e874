/* client_internal.h — what the files of libcohort share: the client, errors, replies, lists. */
#ifndef COHORT_CLIENT_INTERNAL_H
#define COHORT_CLIENT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cohort.h"
#include "curve_client.h"
#include "proto.h"

#define COHORT__DEFAULT_ENDPOINT "tcp://127.0.0.1:7700"
#define COHORT__DEFAULT_TIMEOUT_MS 10000

struct cohort_client {
    void *zmq_context;    /* owned */
    void *socket;         /* DEALER, owned; NULL after a failed reopen (retried on next use) */
    char *endpoint;       /* owned */
    int timeout_ms;       /* bound on each request's round trip */
    int submit_try_ms;    /* bound on one try of a submission; <= 0: timeout_ms */
    int submit_total_ms;  /* bound on a whole submission, its retries included */
    uint64_t next_req_id; /* replies carrying another id are late answers and dropped */
    char *user;           /* owned: the login name of the effective uid, sent with jobs */
    struct buf frame;     /* reused encode buffer, capped at PROTO_MAX_MSG */
    struct curve_client_keys keys; /* CURVE keys of the socket, or plaintext */
    cohort_error_t keys_error;     /* why the keys are unusable (code 0: they are usable);
                                      requests fail with it until cohort_client_set_keys */
    void *monitor;                 /* PAIR getting the socket's handshake failures, or NULL */
    unsigned monitor_serial;       /* numbers the monitors' inproc endpoints */
    bool handshake_failed;         /* the last request ended on a refused or broken handshake */
};

/* One job as the public API sees it: a view of a job_info inside a decoded reply. */
struct cohort_job {
    const struct job_info *info; /* borrowed from `reply` or from the list holding the job */
    struct msg *reply;           /* owned when the job stands alone, NULL in a list */
};

/* Jobs gathered from one or more replies (WAIT sends large id sets in batches). */
struct cohort_job_list {
    struct msg **replies; /* owned; each holds the job_infos of some items */
    size_t n_replies;
    struct cohort_job *items; /* one per job, in reply order */
    size_t count;
};

/* Fill err (may be NULL) with code and a formatted sentence. Returns code, so a caller can
 * write `return cohort__error(err, COHORT_EINVAL, "...")`. */
int cohort__error(cohort_error_t *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Write a timeout for a message: "10 s", or "1.5 s" when it is not whole seconds. */
void cohort__format_seconds(char *out, size_t out_len, int ms);

/* Send request `req` (its req_id is set here) and wait up to reply_timeout_ms for the REPLY
 * carrying the same req_id; other messages are dropped. On success *reply_out holds the
 * decoded reply (the caller frees it with msg_free) whatever its status. On failure
 * *reply_out is NULL and COHORT_ETIMEDOUT (no answer: the socket is reopened so a late
 * answer cannot be taken for a later request's), COHORT_EPROTO, COHORT_ETOOBIG (request past
 * the message cap), COHORT_ECONNECT or COHORT_ENOMEM is returned. `req` is not changed
 * except for its req_id. */
int cohort__call(struct msg **reply_out, cohort_client_t *client, struct msg *req,
                 int reply_timeout_ms, cohort_error_t *err);

/* Check a reply's status: 0 when it succeeded; otherwise the reply is freed and its status
 * returned, with the scheduler's sentence in err. */
int cohort__reply_status(struct msg *reply, cohort_error_t *err);

/* cohort__call with the client's timeout, then cohort__reply_status. On success *reply_out
 * is the caller's (msg_free); on failure it is NULL. */
int cohort__request(struct msg **reply_out, cohort_client_t *client, struct msg *req,
                    cohort_error_t *err);

/* Create an empty job list. Returns NULL when out of memory. */
struct cohort_job_list *cohort__job_list_new(void);

/* Add the jobs of a REPLY (its jobs body) to list. Takes ownership of reply whether it
 * succeeds or fails (COHORT_ENOMEM; the list is then unchanged). */
int cohort__job_list_take(struct cohort_job_list *list, struct msg *reply);

/* Fill the wire form of spec, borrowing its strings (valid while spec is unchanged); user
 * is the submitting user. COHORT_EINVAL when the spec has no command yet. */
int cohort__job_spec_view(struct job_spec *out, const cohort_job_spec_t *spec, const char *user,
                          cohort_error_t *err);

/* How many jobs the spec stands for: 1, or the size of its array range. */
uint32_t cohort__job_spec_count(const cohort_job_spec_t *spec);

#endif
