/* held.h — results of finished attempts kept until the scheduler acknowledges them. */
#ifndef COHORT_WORKER_HELD_H
#define COHORT_WORKER_HELD_H

#include <stdint.h>

#include "proto.h"
#include "result.h"

struct held_result {
    struct held_result *next;     /* in held_results, oldest first */
    struct attempt_result result; /* what to report; the output stays in the spool */
    int64_t sent_at;              /* clock_mono_ms of the last send; 0 = to be sent */
};

struct held_results {
    struct held_result *first; /* owned, oldest first */
    struct held_result *last;
    uint32_t count;
};

/* Start an empty set. */
void held_init(struct held_results *held);

/* Free every entry; the set is empty afterwards. */
void held_clear(struct held_results *held);

/* Keep a copy of res, to be sent. Returns 0, COHORT_EINVAL when its (job, attempt) is already
 * held (nothing changes), or COHORT_ENOMEM. The caller enforces any cap on count. */
int held_add(struct held_results *held, const struct attempt_result *res);

/* The entry for (job, attempt), or NULL. Borrowed; valid until it is removed. */
struct held_result *held_find(const struct held_results *held, uint64_t job_id, uint32_t attempt);

/* Forget (job, attempt). Returns 0, or COHORT_ENOENT when it is not held. */
int held_remove(struct held_results *held, uint64_t job_id, uint32_t attempt);

/* Mark every entry as not sent (after a new WELCOME: earlier sends may be lost). */
void held_mark_unsent(struct held_results *held);

/* Write up to max held (job, attempt) pairs into out; returns how many were written. */
uint32_t held_list(const struct held_results *held, struct job_attempt *out, uint32_t max);

#endif
