/* acks.h — acknowledgements of stored results, held to ride on each worker's next RUN. */
#ifndef COHORT_SCHED_ACKS_H
#define COHORT_SCHED_ACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/*
 * A worker keeps a result until the scheduler says it is stored (RESULT_ACK). Said alone,
 * that is one more message, with its thread wake-ups on both sides, for every job. So an
 * acknowledgement is held, once the result's turn is committed, and goes inside the next RUN
 * to that worker; one that waited ACKS_HOLD_MS for a RUN, or that makes ACKS_HOLD_MAX held
 * for one worker (half the results a worker sends before it waits for acknowledgements), goes
 * alone as before.
 */
#define ACKS_HOLD_MS 5
#define ACKS_HOLD_MAX 16

struct worker;

/* The acknowledgements held for one worker (a member of struct worker). */
struct worker_acks {
    struct msg_kill *list; /* owned */
    uint32_t count;
    size_t cap;
    int64_t since_mono; /* monotonic ms the oldest was held */
    bool listed;        /* its worker is in the held_acks list */
};

/* The workers that have acknowledgements held. */
struct held_acks {
    struct worker **workers; /* owned array; the workers are not */
    size_t count, cap;
    int64_t due_mono; /* none goes alone before this monotonic ms (it may be early) */
    bool full;        /* a worker has ACKS_HOLD_MAX held: look now */
};

/* Hold ack for w (worker w->acks). Returns 0, or COHORT_ENOMEM (nothing held: send it now). */
int acks_hold(struct held_acks *h, struct worker *w, const struct msg_kill *ack, int64_t now_mono);

/* Point run's acknowledgements at those held for w (which keeps them until acks_sent), when
 * w takes them within a RUN (acks_in_run); else run gets none. */
void acks_attach(const struct worker *w, struct msg_run *run);

/* The RUN that acks_attach filled is queued: the acknowledgements it carries are no longer
 * held for w. */
void acks_sent(struct worker *w, const struct msg_run *run);

/* Pass every acknowledgement due to go alone (see above) to send(arg, w, ack), and no longer
 * hold it; those of a worker that is not connected are dropped (it sends its results
 * again when it registers). Returns the ms until the next one is due, or -1 when none is
 * held. Called every turn: it looks at the workers only once one may be due. */
int64_t acks_flush_due(struct held_acks *h, int64_t now_mono,
                       void (*send)(void *arg, struct worker *w, const struct msg_kill *ack),
                       void *arg);

/* Forget every held acknowledgement, unsent (after a failed commit: some may be of results
 * that were not stored; the workers send those results again). */
void acks_forget_all(struct held_acks *h);

/* Free what h and a worker's acks own. */
void acks_free(struct held_acks *h);
void worker_acks_free(struct worker_acks *acks);

#endif
