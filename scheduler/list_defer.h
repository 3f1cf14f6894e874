/* list_defer.h — job listings that wait for the row budget instead of being answered at once. */
#ifndef COHORT_SCHED_LIST_DEFER_H
#define COHORT_SCHED_LIST_DEFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define LIST_DEFER_MAX 256u /* listings held at once; more are answered at once, cut short */
#define LIST_DEFER_PEER_MAX 255u

/* One held JOBS request: who asked, and what. */
struct list_deferred {
    uint8_t peer[LIST_DEFER_PEER_MAX];
    uint8_t peer_len;
    struct msg_jobs query;
};

/* A FIFO of held listings (a ring; no allocation). */
struct list_defer {
    struct list_deferred items[LIST_DEFER_MAX];
    unsigned head;  /* index of the oldest */
    unsigned count; /* items held */
};

/* Hold a listing. Returns false, holding nothing, when the FIFO is full or the peer's
 * routing id is too long. */
bool list_defer_push(struct list_defer *d, const uint8_t *peer, size_t peer_len,
                     const struct msg_jobs *query);

/* Take the oldest held listing into *out. Returns false when none is held. */
bool list_defer_pop(struct list_defer *d, struct list_deferred *out);

#endif
