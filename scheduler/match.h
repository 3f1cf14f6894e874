/* match.h — placement: which worker gets a job, without ever overcommitting one. */
#ifndef COHORT_SCHED_MATCH_H
#define COHORT_SCHED_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The pool holds the workers that may take new work now (up, not draining, not suspect),
 * each as a slot with its free cpus and memory. A job goes to a slot whose free cpus and
 * free memory both cover it; among those, the one with the most free cpus. Slots are kept
 * in a max-heap on free cpus, so the common case (enough memory on the roomiest worker)
 * is answered at the root.
 */
struct match_slot {
    uint32_t free_cpus;
    uint64_t free_mem;
    size_t pos;  /* index in the pool; managed by the pool */
    void *owner; /* the worker this slot stands for; not used by the pool */
};

struct match_pool;

/* Create an empty pool for at most max_slots slots. Returns 0 or COHORT_ENOMEM. */
int match_create(struct match_pool **out, size_t max_slots);

/* Free the pool (not the slots). NULL is a no-op. */
void match_destroy(struct match_pool *pool);

/* Add a slot (owned by the caller, which keeps it alive while it is in the pool) with its
 * free_cpus and free_mem already set. Returns 0 or COHORT_ETOOBIG when the pool is full. */
int match_insert(struct match_pool *pool, struct match_slot *slot);

/* Remove a slot that is in the pool. */
void match_remove(struct match_pool *pool, struct match_slot *slot);

/* Whether the slot is in the pool. */
bool match_contains(const struct match_pool *pool, const struct match_slot *slot);

/* Change a slot's free resources (the slot may or may not be in the pool). */
void match_update(struct match_pool *pool, struct match_slot *slot, uint32_t free_cpus,
                  uint64_t free_mem);

/* The slot that should run a job needing cpus and mem (0 = no memory request), or NULL
 * when none can hold it. */
struct match_slot *match_pick(const struct match_pool *pool, uint32_t cpus, uint64_t mem);

/* The most free cpus of any slot (0 when the pool is empty). */
uint32_t match_most_free_cpus(const struct match_pool *pool);

/* Number of slots in the pool. */
size_t match_count(const struct match_pool *pool);

#endif
