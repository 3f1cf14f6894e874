/* test_staged.c — the worker's FIFO of staged jobs: order, taking one out, listing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "staged.h"

/* A decoded RUN of (job_id, attempt), as msg_decode would allocate it. */
static struct msg *run_msg(uint64_t job_id, uint32_t attempt)
{
    struct msg *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    m->type = MSG_RUN;
    m->u.run.job_id = job_id;
    m->u.run.attempt = attempt;
    m->u.run.staged = true;
    return m;
}

static void push(struct staged *q, uint64_t job_id, uint32_t attempt)
{
    assert_int_equal(staged_push(q, run_msg(job_id, attempt)), 0);
}

static void test_first_in_first_out(void **state)
{
    struct staged q;
    struct msg *m;

    staged_init(&q);
    assert_null(staged_peek(&q));
    assert_null(staged_pop(&q));
    push(&q, 7, 1);
    push(&q, 8, 2);
    push(&q, 9, 1);
    assert_int_equal(q.count, 3);
    assert_int_equal(staged_peek(&q)->job_id, 7);
    for (uint64_t id = 7; id <= 9; id++) {
        assert_non_null(m = staged_pop(&q));
        assert_int_equal(m->u.run.job_id, id);
        msg_free(m);
    }
    assert_int_equal(q.count, 0);
    assert_null(staged_pop(&q));
    push(&q, 10, 1); /* usable again once emptied */
    assert_int_equal(staged_peek(&q)->job_id, 10);
    staged_clear(&q);
    assert_int_equal(q.count, 0);
}

static void test_take_any_keeps_the_order_of_the_rest(void **state)
{
    struct staged q;
    struct job_attempt list[8];
    struct msg *m;

    staged_init(&q);
    for (uint64_t id = 1; id <= 4; id++)
        push(&q, id, 1);
    assert_false(staged_has(&q, 3, 2)); /* another attempt of a staged job */
    assert_null(staged_take(&q, 3, 2));
    assert_non_null(m = staged_take(&q, 4, 1)); /* the last */
    msg_free(m);
    assert_non_null(m = staged_take(&q, 1, 1)); /* the first */
    msg_free(m);
    assert_true(staged_has(&q, 2, 1));
    assert_int_equal(staged_list(&q, list, 8), 2);
    assert_int_equal(list[0].job_id, 2);
    assert_int_equal(list[1].job_id, 3);
    push(&q, 5, 1);                                /* appended after what is left */
    assert_int_equal(staged_list(&q, list, 2), 2); /* capped */
    assert_int_equal(staged_list(&q, list, 8), 3);
    assert_int_equal(list[2].job_id, 5);
    assert_int_equal(list[2].attempt, 1);
    staged_clear(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_in_first_out),
        cmocka_unit_test(test_take_any_keeps_the_order_of_the_rest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
