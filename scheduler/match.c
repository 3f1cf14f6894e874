/* match.c — placement: which worker gets a job, without ever overcommitting one. */
#include "match.h"

#include <assert.h>
#include <stdlib.h>

#include "cohort.h"

#define NOT_IN_POOL SIZE_MAX

struct match_pool {
    struct match_slot **heap; /* max-heap on free_cpus */
    size_t len;
    size_t max;
};

int match_create(struct match_pool **out, size_t max_slots)
{
    struct match_pool *pool = calloc(1, sizeof(*pool));

    *out = NULL;
    if (!pool || !(pool->heap = calloc(max_slots ? max_slots : 1, sizeof(*pool->heap)))) {
        free(pool);
        return COHORT_ENOMEM;
    }
    pool->max = max_slots;
    *out = pool;
    return 0;
}

void match_destroy(struct match_pool *pool)
{
    if (!pool)
        return;
    free(pool->heap);
    free(pool);
}

static void place(struct match_pool *pool, size_t i, struct match_slot *slot)
{
    pool->heap[i] = slot;
    slot->pos = i;
}

static void sift_up(struct match_pool *pool, size_t i)
{
    struct match_slot *slot = pool->heap[i];
    while (i > 0 && pool->heap[(i - 1) / 2]->free_cpus < slot->free_cpus) {
        place(pool, i, pool->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    place(pool, i, slot);
}

static void sift_down(struct match_pool *pool, size_t i)
{
    struct match_slot *slot = pool->heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= pool->len)
            break;
        if (child + 1 < pool->len &&
            pool->heap[child + 1]->free_cpus > pool->heap[child]->free_cpus)
            child++;
        if (pool->heap[child]->free_cpus <= slot->free_cpus)
            break;
        place(pool, i, pool->heap[child]);
        i = child;
    }
    place(pool, i, slot);
}

bool match_contains(const struct match_pool *pool, const struct match_slot *slot)
{
    return slot->pos < pool->len && pool->heap[slot->pos] == slot;
}

int match_insert(struct match_pool *pool, struct match_slot *slot)
{
    assert(!match_contains(pool, slot));
    if (pool->len >= pool->max)
        return COHORT_ETOOBIG;
    place(pool, pool->len++, slot);
    sift_up(pool, slot->pos);
    return 0;
}

void match_remove(struct match_pool *pool, struct match_slot *slot)
{
    assert(match_contains(pool, slot));
    size_t i = slot->pos;
    struct match_slot *moved = pool->heap[--pool->len];
    slot->pos = NOT_IN_POOL;
    if (moved == slot)
        return;
    place(pool, i, moved);
    sift_up(pool, i);
    sift_down(pool, moved->pos);
}

void match_update(struct match_pool *pool, struct match_slot *slot, uint32_t free_cpus,
                  uint64_t free_mem)
{
    slot->free_cpus = free_cpus;
    slot->free_mem = free_mem;
    if (!match_contains(pool, slot))
        return;
    sift_up(pool, slot->pos);
    sift_down(pool, slot->pos);
}

/* Branch and bound over the heap: a subtree whose root has fewer free cpus than the job
 * needs, or no more than the best slot found so far, cannot hold a better slot. */
static void search(const struct match_pool *pool, size_t i, uint32_t cpus, uint64_t mem,
                   struct match_slot **best)
{
    if (i >= pool->len)
        return;
    struct match_slot *slot = pool->heap[i];
    if (slot->free_cpus < cpus || (*best && slot->free_cpus <= (*best)->free_cpus))
        return;
    if (slot->free_mem >= mem) {
        *best = slot;
        /* children have no more free cpus than this slot: none can beat it */
        return;
    }
    search(pool, 2 * i + 1, cpus, mem, best);
    search(pool, 2 * i + 2, cpus, mem, best);
}

struct match_slot *match_pick(const struct match_pool *pool, uint32_t cpus, uint64_t mem)
{
    struct match_slot *best = NULL;
    search(pool, 0, cpus, mem, &best);
    return best;
}

uint32_t match_most_free_cpus(const struct match_pool *pool)
{
    return pool->len ? pool->heap[0]->free_cpus : 0;
}

size_t match_count(const struct match_pool *pool)
{
    return pool->len;
}
