/* dispatch.c — one dispatch pass: pending jobs in order onto the workers that can take them. */
#include "dispatch.h"

#include <assert.h>

/* Whether some slot of pool (NULL: none) has a cpu free. */
static bool has_room(const struct match_pool *pool)
{
    return pool && match_most_free_cpus(pool) > 0;
}

int dispatch_pass(struct dispatch_stats *stats, struct queue *q, struct match_pool *pool,
                  struct match_pool *stage_pool, size_t max_placements, dispatch_place_fn place,
                  void *arg)
{
    uint64_t job_id;
    struct job_shape shape;
    int rc = 0;

    stats->placed = 0;
    stats->budget_hit = false;
    queue_pass_begin(q);
    /* every job needs at least one cpu: once no slot has one free, nothing more fits */
    while ((has_room(pool) || has_room(stage_pool)) && queue_pass_peek(q, &job_id, &shape)) {
        if (stats->placed == max_placements) {
            stats->budget_hit = true;
            break;
        }
        struct match_slot *slot = match_pick(pool, shape.cpus, shape.mem);
        bool staged = !slot && stage_pool && (slot = match_pick(stage_pool, shape.cpus, shape.mem));
        if (!slot) {
            queue_pass_skip(q);
            continue;
        }
        uint32_t free_cpus_before = slot->free_cpus;
        if ((rc = place(arg, job_id, &shape, slot, staged)) < 0)
            break;
        queue_pass_take(q);
        if (rc == DISPATCH_DROPPED) {
            rc = 0;
            continue;
        }
        /* never overcommit: a started job takes its cpus from the slot */
        assert(staged || slot->free_cpus + shape.cpus == free_cpus_before);
        (void)free_cpus_before;
        stats->placed++;
    }
    queue_pass_end(q);
    return rc;
}
