/* staged.h — jobs sent to this worker while its cpus are taken, started in order as they free. */
#ifndef COHORT_WORKER_STAGED_H
#define COHORT_WORKER_STAGED_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"

/*
 * The scheduler may send a job to a worker whose cpus are all taken, so that the job starts
 * the moment one frees instead of a round trip later. Such jobs wait here, first in first
 * out; the scheduler mirrors the same order, so both agree which job starts next. A staged
 * job has not started: a TAKE_BACK, a stop or a fence gives it back untouched.
 */
struct staged_job {
    struct staged_job *next;
    struct msg *run; /* the decoded RUN message, owned */
};

struct staged {
    struct staged_job *first, *last; /* owned */
    uint32_t count;
};

/* Start an empty FIFO. */
void staged_init(struct staged *q);

/* Free every staged RUN; the FIFO is empty afterwards. */
void staged_clear(struct staged *q);

/* Append a decoded RUN message; q owns it from then on. Returns 0, or COHORT_ENOMEM (the
 * message stays the caller's). */
int staged_push(struct staged *q, struct msg *run);

/* The RUN that starts next, or NULL when none waits. Borrowed. */
const struct msg_run *staged_peek(const struct staged *q);

/* Remove the first RUN and hand its message to the caller (msg_free), or NULL when empty. */
struct msg *staged_pop(struct staged *q);

/* Remove (job, attempt) wherever it waits and hand its message to the caller, or NULL when
 * it is not staged. */
struct msg *staged_take(struct staged *q, uint64_t job_id, uint32_t attempt);

/* Whether (job, attempt) waits here. */
bool staged_has(const struct staged *q, uint64_t job_id, uint32_t attempt);

/* Write up to max staged (job, attempt) pairs into out, in the order they start; returns
 * how many were written. */
uint32_t staged_list(const struct staged *q, struct job_attempt *out, uint32_t max);

#endif
