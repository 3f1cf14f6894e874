/* test_queue.c — the pending queue: adding, cancelling and dispatch order across shapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cohort.h"
#include "queue.h"

#define MANY 100000

static const struct job_shape shapes[] = {
    {.priority = 0, .cpus = 1, .mem = 0},  {.priority = 0, .cpus = 2, .mem = 0},
    {.priority = 10, .cpus = 1, .mem = 0}, {.priority = -5, .cpus = 1, .mem = 1 << 20},
    {.priority = 10, .cpus = 4, .mem = 0},
};
#define N_SHAPES (sizeof shapes / sizeof shapes[0])

/* Take every job in dispatch order into ids; returns how many. */
static size_t drain_all(struct queue *q, uint64_t *ids, struct job_shape *got)
{
    uint64_t id;
    struct job_shape shape;
    size_t n = 0;

    queue_pass_begin(q);
    while (queue_pass_peek(q, &id, &shape)) {
        ids[n] = id;
        if (got)
            got[n] = shape;
        n++;
        queue_pass_take(q);
    }
    queue_pass_end(q);
    return n;
}

static void test_order_priority_then_id(void **state)
{
    struct queue *q = NULL;
    uint64_t ids[8];

    assert_int_equal(queue_create(&q), 0);
    assert_int_equal(queue_add(q, 1, 1, &shapes[0]), 0);
    assert_int_equal(queue_add(q, 2, 1, &shapes[2]), 0);
    assert_int_equal(queue_add(q, 3, 1, &shapes[3]), 0);
    assert_int_equal(queue_add(q, 4, 1, &shapes[1]), 0);
    assert_int_equal(queue_add(q, 5, 1, &shapes[4]), 0);
    assert_int_equal(queue_count(q), 5);
    assert_int_equal(drain_all(q, ids, NULL), 5);
    uint64_t expected[] = {2, 5, 1, 4, 3};
    assert_memory_equal(ids, expected, sizeof expected);
    assert_int_equal(queue_count(q), 0);
    queue_destroy(q);
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Many jobs over several shapes, some cancelled: the rest come out by priority, then id. */
static void test_many_with_cancels(void **state)
{
    struct queue *q = NULL;
    uint8_t *shape_of = calloc(MANY + 1, 1);
    uint8_t *cancelled = calloc(MANY + 1, 1);
    uint64_t *out = calloc(MANY, sizeof(*out));
    struct job_shape *out_shapes = calloc(MANY, sizeof(*out_shapes));
    size_t live = 0;

    srand(4242);
    assert_int_equal(queue_create(&q), 0);
    for (uint64_t id = 1; id <= MANY;) {
        uint64_t run = 1 + rand() % 50;
        if (id + run - 1 > MANY)
            run = MANY - id + 1;
        uint8_t s = rand() % N_SHAPES;
        for (uint64_t i = 0; i < run; i++)
            shape_of[id + i] = s;
        assert_int_equal(queue_add(q, id, run, &shapes[s]), 0);
        id += run;
    }
    for (uint64_t id = 1; id <= MANY; id++)
        if (rand() % 4 == 0) {
            assert_int_equal(queue_remove(q, id, &shapes[shape_of[id]]), 0);
            cancelled[id] = 1;
        }
    /* removing again, or with the wrong shape, finds nothing */
    for (uint64_t id = 1; id <= 100; id++)
        if (cancelled[id])
            assert_int_equal(queue_remove(q, id, &shapes[shape_of[id]]), COHORT_ENOENT);
    for (uint64_t id = 1; id <= MANY; id++)
        live += !cancelled[id];
    assert_int_equal(queue_count(q), live);
    assert_int_equal(drain_all(q, out, out_shapes), live);
    for (size_t i = 0; i < live; i++) {
        assert_false(cancelled[out[i]]);
        assert_int_equal(out_shapes[i].priority, shapes[shape_of[out[i]]].priority);
        if (i > 0) {
            int32_t before = out_shapes[i - 1].priority, now = out_shapes[i].priority;
            assert_true(before > now || (before == now && out[i - 1] < out[i]));
        }
    }
    qsort(out, live, sizeof(*out), compare_u64);
    for (size_t i = 1; i < live; i++)
        assert_true(out[i] > out[i - 1]); /* each job exactly once */
    free(shape_of);
    free(cancelled);
    free(out);
    free(out_shapes);
    queue_destroy(q);
}

static void test_requeued_job_keeps_its_place(void **state)
{
    struct queue *q = NULL;
    uint64_t ids[8], id;
    struct job_shape shape;

    assert_int_equal(queue_create(&q), 0);
    assert_int_equal(queue_add(q, 10, 3, &shapes[0]), 0); /* 10, 11, 12 */
    queue_pass_begin(q);
    assert_true(queue_pass_peek(q, &id, &shape));
    assert_int_equal(id, 10);
    queue_pass_take(q); /* 10 starts, then its worker is lost */
    queue_pass_end(q);
    assert_int_equal(queue_add(q, 20, 1, &shapes[0]), 0);
    assert_int_equal(queue_add(q, 10, 1, &shapes[0]), 0); /* requeued: older than all */
    assert_int_equal(queue_remove(q, 11, &shapes[0]), 0);
    assert_int_equal(drain_all(q, ids, NULL), 3);
    uint64_t expected[] = {10, 12, 20};
    assert_memory_equal(ids, expected, sizeof expected);
    queue_destroy(q);
}

static void test_skip_sets_shape_aside_for_the_pass(void **state)
{
    struct queue *q = NULL;
    uint64_t id;
    struct job_shape shape;

    assert_int_equal(queue_create(&q), 0);
    assert_int_equal(queue_add(q, 1, 5, &shapes[4]), 0); /* priority 10, 4 cpus */
    assert_int_equal(queue_add(q, 6, 1, &shapes[0]), 0);
    queue_pass_begin(q);
    assert_true(queue_pass_peek(q, &id, &shape));
    assert_int_equal(id, 1);
    queue_pass_skip(q);
    assert_true(queue_pass_peek(q, &id, &shape));
    assert_int_equal(id, 6);
    queue_pass_take(q);
    assert_false(queue_pass_peek(q, &id, &shape));
    queue_pass_end(q);
    /* the next pass sees the set-aside shape again */
    queue_pass_begin(q);
    assert_true(queue_pass_peek(q, &id, &shape));
    assert_int_equal(id, 1);
    assert_int_equal(shape.cpus, 4);
    queue_pass_end(q);
    assert_int_equal(queue_count(q), 5);
    queue_destroy(q);
}

static void test_cancel_every_job_of_a_shape(void **state)
{
    struct queue *q = NULL;
    uint64_t id;
    struct job_shape shape;

    assert_int_equal(queue_create(&q), 0);
    assert_int_equal(queue_add(q, 1, 1000, &shapes[1]), 0);
    for (uint64_t i = 1000; i >= 1; i--)
        assert_int_equal(queue_remove(q, i, &shapes[1]), 0);
    assert_int_equal(queue_count(q), 0);
    queue_pass_begin(q);
    assert_false(queue_pass_peek(q, &id, &shape));
    queue_pass_end(q);
    assert_int_equal(queue_remove(q, 5, &shapes[1]), COHORT_ENOENT);
    /* the shape can be used again */
    assert_int_equal(queue_add(q, 2000, 2, &shapes[1]), 0);
    assert_int_equal(queue_count(q), 2);
    queue_clear(q);
    assert_int_equal(queue_count(q), 0);
    queue_destroy(q);
}

static void test_big_array_is_cheap(void **state)
{
    struct queue *q = NULL;
    uint64_t id;
    struct job_shape shape;

    assert_int_equal(queue_create(&q), 0);
    assert_int_equal(queue_add(q, 1, 10000000, &shapes[0]), 0);
    assert_int_equal(queue_count(q), 10000000);
    queue_pass_begin(q);
    for (uint64_t expected = 1; expected <= 1000; expected++) {
        assert_true(queue_pass_peek(q, &id, &shape));
        assert_int_equal(id, expected);
        queue_pass_take(q);
    }
    queue_pass_end(q);
    assert_int_equal(queue_count(q), 10000000 - 1000);
    queue_destroy(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_priority_then_id),
        cmocka_unit_test(test_many_with_cancels),
        cmocka_unit_test(test_requeued_job_keeps_its_place),
        cmocka_unit_test(test_skip_sets_shape_aside_for_the_pass),
        cmocka_unit_test(test_cancel_every_job_of_a_shape),
        cmocka_unit_test(test_big_array_is_cheap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
