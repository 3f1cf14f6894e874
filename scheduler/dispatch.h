/* dispatch.h — one dispatch pass: pending jobs in order onto the workers that can take them. */
#ifndef COHORT_SCHED_DISPATCH_H
#define COHORT_SCHED_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "match.h"
#include "queue.h"

/* What place returns when the job could not be started and never will be (it was ended
 * instead): it leaves the queue, and nothing is reserved. */
#define DISPATCH_DROPPED 1

/* Start job_id (of the given shape) on the worker behind slot, or stage it there (staged:
 * slot is then the worker's slot in the staging pool). Unless staged, it must reserve the
 * job's cpus and memory on the slot (match_update) before returning 0. DISPATCH_DROPPED
 * removes the job from the queue without a reservation. A negative COHORT_E* code stops
 * the pass; the job then stays queued. */
typedef int (*dispatch_place_fn)(void *arg, uint64_t job_id, const struct job_shape *shape,
                                 struct match_slot *slot, bool staged);

struct dispatch_stats {
    size_t placed;   /* jobs started in this pass */
    bool budget_hit; /* stopped after max_placements: run another pass soon */
};

/* Walk the queue in dispatch order (priority, then id) and place each job that fits a slot
 * of the pool, else one of stage_pool (NULL: none), at most max_placements of them. A job
 * that fits nowhere sets its shape aside for the rest of the pass, so it does not block
 * smaller jobs behind it, and the pass never looks at more than one job per shape that does
 * not fit. Returns 0 or the first error of place (the jobs placed before it stay placed). */
int dispatch_pass(struct dispatch_stats *stats, struct queue *q, struct match_pool *pool,
                  struct match_pool *stage_pool, size_t max_placements, dispatch_place_fn place,
                  void *arg);

#endif
