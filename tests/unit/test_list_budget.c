/* test_list_budget.c — the row budget of job listings: whole pages when idle or rare, small
 * pages when back to back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "list_budget.h"

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
    /* a second later the refill is there */
    assert_int_equal(list_budget_page(&b, 100000, true, 1000), 1000 * LIST_BUDGET_ROWS_PER_MS);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_pages_are_never_cut),
        cmocka_unit_test(test_busy_pages_shrink_to_the_minimum_then_refill),
        cmocka_unit_test(test_small_pages_pass_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
