/* test_capacity.c — why a pending job waits: no worker up, none big enough, or all busy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "capacity.h"

#define GIB (1ull << 30)

static void test_no_worker_up(void **state)
{
    struct capacity cap;

    assert_int_equal(capacity_init(&cap, 0), 0);
    capacity_seal(&cap);
    assert_string_equal(capacity_pending_reason(&cap, 1, 0), "waiting for a worker");
    capacity_free(&cap);
}

static void test_reasons_follow_the_largest_workers(void **state)
{
    struct capacity cap;

    /* 4 cpus/64G, 16 cpus/8G, 8 cpus/32G, and smaller ones that change nothing */
    assert_int_equal(capacity_init(&cap, 8), 0);
    capacity_add(&cap, 2, 1 * GIB);
    capacity_add(&cap, 4, 64 * GIB);
    capacity_add(&cap, 16, 8 * GIB);
    capacity_add(&cap, 8, 32 * GIB);
    capacity_add(&cap, 8, 16 * GIB);
    capacity_add(&cap, 16, 4 * GIB);
    capacity_seal(&cap);
    assert_int_equal(cap.n_points, 3);

    assert_string_equal(capacity_pending_reason(&cap, 1, 0), "waiting for resources");
    assert_string_equal(capacity_pending_reason(&cap, 16, 8 * GIB), "waiting for resources");
    assert_string_equal(capacity_pending_reason(&cap, 8, 32 * GIB), "waiting for resources");
    assert_string_equal(capacity_pending_reason(&cap, 4, 64 * GIB), "waiting for resources");
    assert_string_equal(capacity_pending_reason(&cap, 64, 0), "no worker has 64 cpus");
    assert_string_equal(capacity_pending_reason(&cap, 1, 512 * GIB),
                        "no worker has 512G of memory");
    assert_string_equal(capacity_pending_reason(&cap, 64, 512 * GIB),
                        "no worker has 64 cpus, nor 512G of memory");
    assert_string_equal(capacity_pending_reason(&cap, 9, 32 * GIB),
                        "no worker has both 9 cpus and 32G of memory");
    assert_string_equal(capacity_pending_reason(&cap, 5, 33 * GIB),
                        "no worker has both 5 cpus and 33G of memory");
    /* a shape asked about again is worded once */
    const char *first = capacity_pending_reason(&cap, 64, 0);
    assert_ptr_equal(capacity_pending_reason(&cap, 64, 0), first);
    assert_int_equal(cap.n_worded, 5);
    capacity_free(&cap);
}

static void test_worded_reasons_are_bounded(void **state)
{
    struct capacity cap;
    const char *reasons[CAPACITY_WORDED_SHAPES + 5];

    assert_int_equal(capacity_init(&cap, 1), 0);
    capacity_add(&cap, 4, GIB);
    capacity_add(&cap, 8, GIB); /* past max_workers: ignored */
    capacity_seal(&cap);
    for (uint32_t i = 0; i < CAPACITY_WORDED_SHAPES + 5; i++)
        reasons[i] = capacity_pending_reason(&cap, 5 + i, 0);
    assert_string_equal(reasons[0], "no worker has 5 cpus");
    assert_string_equal(reasons[CAPACITY_WORDED_SHAPES - 1], "no worker has 36 cpus");
    assert_string_equal(reasons[CAPACITY_WORDED_SHAPES], "no worker is large enough for this job");
    /* every reason handed out is still intact */
    assert_string_equal(reasons[0], "no worker has 5 cpus");
    assert_string_equal(capacity_pending_reason(&cap, 4, GIB), "waiting for resources");
    capacity_free(&cap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_worker_up),
        cmocka_unit_test(test_reasons_follow_the_largest_workers),
        cmocka_unit_test(test_worded_reasons_are_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
