/* test_acks.c — acknowledgements held for a worker's next RUN: when they ride on it, when
 * they go alone, and what is dropped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "acks.h"
#include "workers.h"

#define MAX_SENT 64

/* What acks_flush_due passed on to be sent alone. */
struct sent {
    size_t n;
    struct worker *to[MAX_SENT];
    uint64_t job_id[MAX_SENT];
};

static void note_sent(void *arg, struct worker *w, const struct msg_kill *ack)
{
    struct sent *sent = arg;

    assert_true(sent->n < MAX_SENT);
    sent->to[sent->n] = w;
    sent->job_id[sent->n++] = ack->job_id;
}

static void hold(struct held_acks *h, struct worker *w, uint64_t job_id, int64_t now)
{
    struct msg_kill ack = {job_id, 1, COHORT_JOB_COMPLETED};
    assert_int_equal(acks_hold(h, w, &ack, now), 0);
}

static void test_acks_ride_on_the_next_run(void **state)
{
    struct held_acks h = {0};
    struct worker w = {.connected = true, .acks_in_run = true};
    struct msg_run run = {0};
    struct sent sent = {0};

    hold(&h, &w, 7, 100);
    hold(&h, &w, 8, 101);
    /* not due yet: nothing goes alone, and the first is due ACKS_HOLD_MS after it was held */
    assert_int_equal(acks_flush_due(&h, 102, note_sent, &sent), 100 + ACKS_HOLD_MS - 102);
    assert_int_equal(sent.n, 0);
    acks_attach(&w, &run);
    assert_int_equal(run.n_acks, 2);
    assert_int_equal(run.acks[0].job_id, 7);
    assert_int_equal(run.acks[1].job_id, 8);
    acks_sent(&w, &run);
    /* once sent with the RUN they are no longer held: nothing is left to go alone */
    assert_int_equal(acks_flush_due(&h, 1000, note_sent, &sent), -1);
    assert_int_equal(sent.n, 0);
    assert_int_equal(h.count, 0);
    acks_free(&h);
    worker_acks_free(&w.acks);
}

static void test_acks_go_alone_after_the_hold(void **state)
{
    struct held_acks h = {0};
    struct worker w1 = {.connected = true}, w2 = {.connected = true};
    struct sent sent = {0};

    hold(&h, &w1, 1, 100);
    hold(&h, &w2, 2, 103);
    assert_int_equal(acks_flush_due(&h, 100 + ACKS_HOLD_MS, note_sent, &sent), 3);
    assert_int_equal(sent.n, 1);
    assert_ptr_equal(sent.to[0], &w1);
    assert_int_equal(sent.job_id[0], 1);
    assert_int_equal(acks_flush_due(&h, 103 + ACKS_HOLD_MS, note_sent, &sent), -1);
    assert_int_equal(sent.n, 2);
    assert_ptr_equal(sent.to[1], &w2);
    /* a worker held again after its acks went alone starts a new hold */
    hold(&h, &w1, 3, 200);
    assert_int_equal(acks_flush_due(&h, 200, note_sent, &sent), ACKS_HOLD_MS);
    assert_int_equal(sent.n, 2);
    acks_free(&h);
    worker_acks_free(&w1.acks);
    worker_acks_free(&w2.acks);
}

static void test_a_full_hold_goes_alone_at_once(void **state)
{
    struct held_acks h = {0};
    struct worker w = {.connected = true};
    struct sent sent = {0};

    for (uint64_t id = 1; id < ACKS_HOLD_MAX; id++)
        hold(&h, &w, id, 100);
    assert_int_equal(acks_flush_due(&h, 100, note_sent, &sent), ACKS_HOLD_MS);
    assert_int_equal(sent.n, 0);
    hold(&h, &w, ACKS_HOLD_MAX, 100);
    assert_int_equal(acks_flush_due(&h, 100, note_sent, &sent), -1);
    assert_int_equal(sent.n, ACKS_HOLD_MAX);
    for (size_t i = 0; i < sent.n; i++)
        assert_int_equal(sent.job_id[i], i + 1); /* in the order the results came */
    acks_free(&h);
    worker_acks_free(&w.acks);
}

static void test_acks_of_a_disconnected_worker_are_dropped(void **state)
{
    struct held_acks h = {0};
    struct worker w = {.connected = true};
    struct sent sent = {0};

    hold(&h, &w, 1, 100);
    w.connected = false;
    assert_int_equal(acks_flush_due(&h, 100 + ACKS_HOLD_MS, note_sent, &sent), -1);
    assert_int_equal(sent.n, 0);
    assert_int_equal(w.acks.count, 0);
    acks_free(&h);
    worker_acks_free(&w.acks);
}

static void test_a_worker_that_reads_none_gets_none_in_a_run(void **state)
{
    struct held_acks h = {0};
    struct worker w = {.connected = true}; /* registered without acks_in_run */
    struct msg_run run = {0};
    struct sent sent = {0};

    hold(&h, &w, 1, 100);
    acks_attach(&w, &run);
    assert_int_equal(run.n_acks, 0);
    assert_null(run.acks);
    acks_sent(&w, &run);
    assert_int_equal(w.acks.count, 1); /* still held: it goes alone */
    assert_int_equal(acks_flush_due(&h, 100 + ACKS_HOLD_MS, note_sent, &sent), -1);
    assert_int_equal(sent.n, 1);
    acks_free(&h);
    worker_acks_free(&w.acks);
}

static void test_forget_all_drops_every_hold(void **state)
{
    struct held_acks h = {0};
    struct worker w1 = {.connected = true}, w2 = {.connected = true};
    struct sent sent = {0};

    hold(&h, &w1, 1, 100);
    hold(&h, &w2, 2, 100);
    acks_forget_all(&h);
    assert_int_equal(w1.acks.count, 0);
    assert_int_equal(w2.acks.count, 0);
    assert_int_equal(acks_flush_due(&h, 1000, note_sent, &sent), -1);
    assert_int_equal(sent.n, 0);
    /* they can be held again afterwards */
    hold(&h, &w1, 3, 1000);
    assert_int_equal(acks_flush_due(&h, 1000 + ACKS_HOLD_MS, note_sent, &sent), -1);
    assert_int_equal(sent.n, 1);
    assert_int_equal(sent.job_id[0], 3);
    acks_free(&h);
    worker_acks_free(&w1.acks);
    worker_acks_free(&w2.acks);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acks_ride_on_the_next_run),
        cmocka_unit_test(test_acks_go_alone_after_the_hold),
        cmocka_unit_test(test_a_full_hold_goes_alone_at_once),
        cmocka_unit_test(test_acks_of_a_disconnected_worker_are_dropped),
        cmocka_unit_test(test_a_worker_that_reads_none_gets_none_in_a_run),
        cmocka_unit_test(test_forget_all_drops_every_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
