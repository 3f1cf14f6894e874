/* dispatch.c — one dispatch pass: pending jobs in order onto the workers that can take them. */
#include "dispatch.h"

#include <assert.h>

int dispatch_pass(struct dispatch_stats *stats, struct queue *q, struct match_pool *pool,
                  size_t max_placements, dispatch_place_fn place, void *arg)
{
    uint64_t job_id;
    struct job_shape shape;
    int rc = 0;

    stats->placed = 0;
    stats->budget_hit = false;
    queue_pass_begin(q);
    /* every job needs at least one cpu: once no slot has one free, nothing more fits */
    while (match_most_free_cpus(pool) > 0 && queue_pass_peek(q, &job_id, &shape)) {
        if (stats->placed == max_placements) {
            stats->budget_hit = true;
            break;
        }
        struct match_slot *slot = match_pick(pool, shape.cpus, shape.mem);
        if (!slot) {
            queue_pass_skip(q);
            continue;
        }
        uint32_t free_cpus_before = slot->free_cpus;
        if ((rc = place(arg, job_id, &shape, slot)) < 0)
            break;
        queue_pass_take(q);
        if (rc == DISPATCH_DROPPED) {
            rc = 0;
            continue;
        }
        assert(slot->free_cpus + shape.cpus == free_cpus_before); /* never overcommit */
        (void)free_cpus_before;
        stats->placed++;
    }
    queue_pass_end(q);
    return rc;
}
