/* test_list_budget.c — the row budget of job listings: whole pages when idle or rare, small
 * pages or a wait when back to back, and the FIFO of listings that wait. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "list_budget.h"
#include "list_defer.h"

static void test_idle_pages_are_never_cut(void **state)
{
    struct list_budget b;

    list_budget_init(&b, 0);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(list_budget_page(&b, 100000, false, 0), 100000);
        list_budget_spend(&b, 100000);
    }
}

static void test_busy_pages_shrink_to_the_minimum_then_refill(void **state)
{
    struct list_budget b;

    list_budget_init(&b, 0);
    assert_int_equal(list_budget_page(&b, 100000, true, 0), LIST_BUDGET_BURST_ROWS);
    list_budget_spend(&b, LIST_BUDGET_BURST_ROWS);
    /* back to back: only the minimum, which still lets a client page on */
    assert_int_equal(list_budget_page(&b, 100000, true, 0), LIST_BUDGET_MIN_ROWS);
    list_budget_spend(&b, LIST_BUDGET_MIN_ROWS);
    assert_int_equal(list_budget_page(&b, 10, true, 0), 10);
    /* a while later the refill is there */
    int64_t later = LIST_BUDGET_BURST_ROWS / LIST_BUDGET_ROWS_PER_MS / 2;
    assert_int_equal(list_budget_page(&b, 100000, true, later), later * LIST_BUDGET_ROWS_PER_MS);
    /* never more than a burst, however long the pause */
    assert_int_equal(list_budget_page(&b, 100000, true, 1000000), LIST_BUDGET_BURST_ROWS);
}

static void test_small_pages_pass_whole(void **state)
{
    struct list_budget b;

    list_budget_init(&b, 0);
    assert_int_equal(list_budget_page(&b, 100, true, 0), 100);
    list_budget_spend(&b, 100);
    assert_int_equal(list_budget_page(&b, 100, true, 0), 100);
}

static void test_back_to_back_listings_wait_for_the_refill(void **state)
{
    struct list_budget b;
    int64_t wait_ms = -1;

    list_budget_init(&b, 0);
    assert_false(list_budget_should_wait(&b, true, 0, &wait_ms));
    list_budget_spend(&b, LIST_BUDGET_BURST_ROWS);
    /* idle: nothing to protect, never wait */
    assert_false(list_budget_should_wait(&b, false, 0, &wait_ms));
    assert_true(list_budget_should_wait(&b, true, 0, &wait_ms));
    assert_int_equal(wait_ms, LIST_BUDGET_MIN_ROWS / LIST_BUDGET_ROWS_PER_MS);
    /* once that time has passed, a page of the minimum may be read */
    assert_false(list_budget_should_wait(&b, true, wait_ms, &wait_ms));
    assert_int_equal(list_budget_page(&b, 100000, true, wait_ms), LIST_BUDGET_MIN_ROWS);
}

static void test_held_listings_come_back_in_order_and_the_fifo_is_bounded(void **state)
{
    static struct list_defer d; /* large: not on the stack */
    struct list_deferred held;
    struct msg_jobs query = {0};
    const uint8_t peer[] = {0, 1, 2, 3, 4};

    for (unsigned i = 0; i < LIST_DEFER_MAX; i++) {
        query.req_id = i;
        assert_true(list_defer_push(&d, peer, sizeof peer, &query));
    }
    assert_false(list_defer_push(&d, peer, sizeof peer, &query));
    for (unsigned i = 0; i < LIST_DEFER_MAX / 2; i++) {
        assert_true(list_defer_pop(&d, &held));
        assert_int_equal(held.query.req_id, i);
        assert_int_equal(held.peer_len, sizeof peer);
        assert_memory_equal(held.peer, peer, sizeof peer);
    }
    query.req_id = 1000; /* wraps around the ring */
    assert_true(list_defer_push(&d, peer, sizeof peer, &query));
    for (unsigned i = LIST_DEFER_MAX / 2; i < LIST_DEFER_MAX; i++) {
        assert_true(list_defer_pop(&d, &held));
        assert_int_equal(held.query.req_id, i);
    }
    assert_true(list_defer_pop(&d, &held));
    assert_int_equal(held.query.req_id, 1000);
    assert_false(list_defer_pop(&d, &held));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_pages_are_never_cut),
        cmocka_unit_test(test_busy_pages_shrink_to_the_minimum_then_refill),
        cmocka_unit_test(test_small_pages_pass_whole),
        cmocka_unit_test(test_back_to_back_listings_wait_for_the_refill),
        cmocka_unit_test(test_held_listings_come_back_in_order_and_the_fifo_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
