/* test_match.c — placement never overcommits, and dispatch follows priority then id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cohort.h"
#include "dispatch.h"
#include "match.h"
#include "queue.h"

#define MAX_WORKERS 64

/* A worker as the tests see it: totals, and what placements used. */
struct test_worker {
    struct match_slot slot;
    uint32_t cpus, cpus_used;
    uint64_t mem, mem_used;
    uint32_t jobs;
    uint32_t biggest_job; /* most cpus of any job placed on it */
};

static void reserve(struct match_pool *pool, struct test_worker *w, uint32_t cpus, uint64_t mem)
{
    w->cpus_used += cpus;
    w->mem_used += mem;
    w->jobs++;
    if (cpus > w->biggest_job)
        w->biggest_job = cpus;
    match_update(pool, &w->slot, w->cpus - w->cpus_used, w->mem - w->mem_used);
}

static void add_worker(struct match_pool *pool, struct test_worker *w, uint32_t cpus, uint64_t mem)
{
    *w = (struct test_worker){.cpus = cpus, .mem = mem};
    w->slot = (struct match_slot){.free_cpus = cpus, .free_mem = mem, .owner = w};
    assert_int_equal(match_insert(pool, &w->slot), 0);
}

/* The most free cpus among workers that fit, by looking at all of them. */
static uint32_t best_fit_cpus(struct test_worker *workers, int n, uint32_t cpus, uint64_t mem)
{
    uint32_t best = 0;
    for (int i = 0; i < n; i++) {
        uint32_t free_cpus = workers[i].cpus - workers[i].cpus_used;
        uint64_t free_mem = workers[i].mem - workers[i].mem_used;
        if (free_cpus >= cpus && free_mem >= mem && free_cpus > best)
            best = free_cpus;
    }
    return best;
}

static void test_pick_never_overcommits(void **state)
{
    srand(12345);
    for (int round = 0; round < 300; round++) {
        struct test_worker workers[MAX_WORKERS];
        struct match_pool *pool = NULL;
        int n = 1 + rand() % MAX_WORKERS;
        assert_int_equal(match_create(&pool, MAX_WORKERS), 0);
        for (int i = 0; i < n; i++)
            add_worker(pool, &workers[i], 1 + rand() % 16, (uint64_t)rand() % 5000);
        for (int j = 0; j < 2000; j++) {
            uint32_t cpus = 1 + rand() % 8;
            /* byte-sized amounts, so that an off-by-one on memory shows */
            uint64_t mem = rand() % 3 == 0 ? 0 : (uint64_t)rand() % 1200;
            struct match_slot *slot = match_pick(pool, cpus, mem);
            uint32_t expected = best_fit_cpus(workers, n, cpus, mem);
            if (!slot) {
                assert_int_equal(expected, 0);
                continue;
            }
            /* the pick fits, and no other worker that fits has more free cpus */
            assert_true(slot->free_cpus >= cpus && slot->free_mem >= mem);
            assert_int_equal(slot->free_cpus, expected);
            reserve(pool, slot->owner, cpus, mem);
        }
        for (int i = 0; i < n; i++) {
            assert_true(workers[i].cpus_used <= workers[i].cpus);
            assert_true(workers[i].mem_used <= workers[i].mem);
        }
        match_destroy(pool);
    }
}

static void test_two_cpu_job_never_shares_two_cpu_worker(void **state)
{
    struct test_worker workers[16];
    struct match_pool *pool = NULL;

    srand(777);
    assert_int_equal(match_create(&pool, 16), 0);
    for (int i = 0; i < 16; i++)
        add_worker(pool, &workers[i], 2, 0);
    for (int j = 0; j < 200; j++) {
        uint32_t cpus = 1 + rand() % 2;
        struct match_slot *slot = match_pick(pool, cpus, 0);
        if (slot)
            reserve(pool, slot->owner, cpus, 0);
    }
    for (int i = 0; i < 16; i++) {
        assert_true(workers[i].cpus_used <= 2);
        if (workers[i].biggest_job == 2)
            assert_int_equal(workers[i].jobs, 1);
    }
    match_destroy(pool);
}

static void test_pick_respects_memory_and_state(void **state)
{
    struct test_worker big_cpu, big_mem;
    struct match_pool *pool = NULL;

    assert_int_equal(match_create(&pool, 4), 0);
    add_worker(pool, &big_cpu, 32, 1u << 30);
    add_worker(pool, &big_mem, 4, 64ull << 30);
    assert_ptr_equal(match_pick(pool, 1, 0), &big_cpu.slot);          /* most free cpus */
    assert_ptr_equal(match_pick(pool, 1, 8ull << 30), &big_mem.slot); /* only one has memory */
    assert_null(match_pick(pool, 64, 0));
    match_remove(pool, &big_mem.slot); /* a drained or suspect worker leaves the pool */
    assert_null(match_pick(pool, 1, 8ull << 30));
    assert_false(match_contains(pool, &big_mem.slot));
    match_destroy(pool);
}

/* ---- dispatch passes ---- */

struct placement_log {
    struct match_pool *pool;
    struct match_pool *stage_pool; /* a staged placement takes its slot out of it */
    uint64_t ids[64];
    bool staged[64];
    int n;
};

static int record_placement(void *arg, uint64_t job_id, const struct job_shape *shape,
                            struct match_slot *slot, bool staged)
{
    struct placement_log *log = arg;
    log->staged[log->n] = staged;
    log->ids[log->n++] = job_id;
    if (staged)
        match_remove(log->stage_pool, slot); /* one staged job per worker */
    else
        reserve(log->pool, slot->owner, shape->cpus, shape->mem);
    return 0;
}

static void add_job(struct queue *q, uint64_t id, int32_t priority, uint32_t cpus)
{
    struct job_shape shape = {.priority = priority, .cpus = cpus, .mem = 0};
    assert_int_equal(queue_add(q, id, 1, &shape), 0);
}

static void test_dispatch_order_and_no_blocking(void **state)
{
    struct test_worker worker;
    struct placement_log log = {0};
    struct dispatch_stats stats;
    struct queue *q = NULL;

    assert_int_equal(match_create(&log.pool, 4), 0);
    assert_int_equal(queue_create(&q), 0);
    add_worker(log.pool, &worker, 4, 0);
    add_job(q, 1, 0, 1);
    add_job(q, 2, 5, 1);
    add_job(q, 3, 5, 1);
    add_job(q, 4, 0, 8); /* fits nowhere: must not block job 5 */
    add_job(q, 5, 0, 1);
    add_job(q, 6, 0, 1); /* no room left for it */
    assert_int_equal(dispatch_pass(&stats, q, log.pool, NULL, 100, record_placement, &log), 0);
    assert_int_equal(stats.placed, 4);
    assert_false(stats.budget_hit);
    assert_int_equal(log.n, 4);
    assert_int_equal(log.ids[0], 2);
    assert_int_equal(log.ids[1], 3);
    assert_int_equal(log.ids[2], 1);
    assert_int_equal(log.ids[3], 5);
    assert_int_equal(queue_count(q), 2); /* 4 and 6 wait */
    assert_int_equal(worker.cpus_used, 4);
    queue_destroy(q);
    match_destroy(log.pool);
}

/* Jobs that find no free cpu go to the staging pool, in order, on the slot whose worker is
 * largest, while it has a slot that could ever hold them; the rest wait. */
static void test_dispatch_stages_when_no_slot_is_free(void **state)
{
    struct test_worker worker, stage_a, stage_b;
    struct placement_log log = {0};
    struct dispatch_stats stats;
    struct queue *q = NULL;

    assert_int_equal(match_create(&log.pool, 4), 0);
    assert_int_equal(match_create(&log.stage_pool, 4), 0);
    assert_int_equal(queue_create(&q), 0);
    add_worker(log.pool, &worker, 2, 0);
    add_worker(log.stage_pool, &stage_a, 2, 0); /* staging slots carry whole workers' sizes */
    add_worker(log.stage_pool, &stage_b, 4, 0);
    for (uint64_t id = 1; id <= 3; id++)
        add_job(q, id, 0, 1);
    add_job(q, 4, 0, 8); /* fits no worker even idle: never staged */
    add_job(q, 5, 0, 3); /* only the 4-cpu worker could hold it, and job 3 went there */
    add_job(q, 6, 0, 1); /* staged on the 2-cpu worker */
    assert_int_equal(
        dispatch_pass(&stats, q, log.pool, log.stage_pool, 100, record_placement, &log), 0);
    assert_int_equal(stats.placed, 4);
    assert_int_equal(log.n, 4);
    uint64_t ids[] = {1, 2, 3, 6};
    bool staged[] = {false, false, true, true};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(log.ids[i], ids[i]);
        assert_int_equal(log.staged[i], staged[i]);
    }
    assert_int_equal(worker.cpus_used, 2); /* staged jobs reserve nothing */
    assert_int_equal(queue_count(q), 2);   /* 4 and 5 wait */
    assert_int_equal(match_count(log.stage_pool), 0);
    queue_destroy(q);
    match_destroy(log.pool);
    match_destroy(log.stage_pool);
}

static void test_dispatch_budget(void **state)
{
    struct test_worker worker;
    struct placement_log log = {0};
    struct dispatch_stats stats;
    struct queue *q = NULL;
    struct job_shape shape = {.priority = 0, .cpus = 1, .mem = 0};

    assert_int_equal(match_create(&log.pool, 1), 0);
    assert_int_equal(queue_create(&q), 0);
    add_worker(log.pool, &worker, 64, 0);
    assert_int_equal(queue_add(q, 100, 50, &shape), 0);
    assert_int_equal(dispatch_pass(&stats, q, log.pool, NULL, 10, record_placement, &log), 0);
    assert_int_equal(stats.placed, 10);
    assert_true(stats.budget_hit);
    assert_int_equal(log.ids[0], 100);
    assert_int_equal(log.ids[9], 109);
    assert_int_equal(queue_count(q), 40);
    queue_destroy(q);
    match_destroy(log.pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pick_never_overcommits),
        cmocka_unit_test(test_two_cpu_job_never_shares_two_cpu_worker),
        cmocka_unit_test(test_pick_respects_memory_and_state),
        cmocka_unit_test(test_dispatch_order_and_no_blocking),
        cmocka_unit_test(test_dispatch_budget),
        cmocka_unit_test(test_dispatch_stages_when_no_slot_is_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
