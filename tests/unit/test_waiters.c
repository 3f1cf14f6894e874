/* test_waiters.c — blocked WAIT requests: answered at their last job's end, or at their time-out
 * counted from when they came, however long the loop turn that took them had run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>
#include <uv.h>

#include "clock.h"
#include "cohort.h"
#include "waiters.h"

#define PEER "client-1"

/* What the registry answered. */
struct answers {
    int calls;
    int status;
    uint64_t req_id;
    uint64_t ids[4];
    uint32_t n_ids;
    int64_t at_ms; /* clock_mono_ms of the last answer */
};

static void on_ready(void *arg, int status, const uint8_t *peer, size_t peer_len, uint64_t req_id,
                     const uint64_t *ids, uint32_t n_ids)
{
    struct answers *got = arg;

    assert_int_equal(peer_len, sizeof PEER - 1);
    assert_memory_equal(peer, PEER, peer_len);
    got->calls++;
    got->status = status;
    got->req_id = req_id;
    got->n_ids = n_ids;
    for (uint32_t i = 0; i < n_ids && i < 4; i++)
        got->ids[i] = ids[i];
    got->at_ms = clock_mono_ms();
}

/* A registry on its own loop, and what it answered. */
struct fixture {
    uv_loop_t loop;
    struct waiters *ws;
    struct answers got;
};

/* A registry for 2 waiters and 16 ids. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);

    if (!f || uv_loop_init(&f->loop) != 0 ||
        waiters_create(&f->ws, &f->loop, 2, 16, on_ready, &f->got) != 0)
        return -1;
    *state = f;
    return 0;
}

/* Drop the waiters left (unanswered) and close the loop. */
static int teardown(void **state)
{
    struct fixture *f = *state;

    waiters_destroy(f->ws);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    int rc = uv_loop_close(&f->loop);
    free(f);
    return rc;
}

static int add(struct fixture *f, uint64_t req_id, const uint64_t *ids, uint32_t n_ids,
               const uint64_t *pending, uint32_t n_pending, uint32_t timeout_ms)
{
    return waiters_add(f->ws, (const uint8_t *)PEER, sizeof PEER - 1, req_id, ids, n_ids, pending,
                       n_pending, timeout_ms);
}

static void test_answered_when_the_last_job_ends(void **state)
{
    struct fixture *f = *state;
    const uint64_t ids[] = {7, 3, 9}, pending[] = {7, 9};

    assert_int_equal(add(f, 42, ids, 3, pending, 2, 60000), 0);
    waiters_job_ended(f->ws, 3); /* not one it waits for any more */
    waiters_job_ended(f->ws, 9);
    assert_int_equal(f->got.calls, 0);
    waiters_job_ended(f->ws, 7);
    assert_int_equal(f->got.calls, 1);
    assert_int_equal(f->got.status, 0);
    assert_int_equal(f->got.req_id, 42);
    assert_int_equal(f->got.n_ids, 3); /* every id of the request, in its order */
    assert_int_equal(f->got.ids[0], 7);
    assert_int_equal(f->got.ids[1], 3);
    assert_int_equal(f->got.ids[2], 9);
    assert_int_equal(waiters_count(f->ws), 0);
}

/* The loop's clock is read when a turn begins; a request handled late in a long turn (after
 * a large submission, say) still waits its whole time-out. */
static void test_timeout_counts_from_the_request(void **state)
{
    struct fixture *f = *state;
    const uint64_t ids[] = {5};
    const struct timespec long_turn = {.tv_nsec = 400 * 1000000L};

    uv_run(&f->loop, UV_RUN_NOWAIT); /* the turn begins: the loop reads its clock */
    nanosleep(&long_turn, NULL);     /* the turn's work */
    int64_t asked = clock_mono_ms();
    assert_int_equal(add(f, 1, ids, 1, ids, 1, 300), 0);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_int_equal(f->got.calls, 1);
    assert_int_equal(f->got.status, COHORT_ETIMEDOUT);
    assert_true(f->got.at_ms - asked >= 300);
    assert_int_equal(waiters_count(f->ws), 0);
}

static void test_caps_refuse_more_waiters(void **state)
{
    struct fixture *f = *state;
    const uint64_t ids[] = {1, 2, 3};

    assert_int_equal(add(f, 1, ids, 1, ids, 1, 60000), 0);
    assert_int_equal(add(f, 2, ids + 1, 1, ids + 1, 1, 60000), 0);
    assert_int_equal(add(f, 3, ids + 2, 1, ids + 2, 1, 60000), COHORT_ETOOBIG);
    assert_int_equal(waiters_count(f->ws), 2);
    assert_int_equal(f->got.calls, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_answered_when_the_last_job_ends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_counts_from_the_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_caps_refuse_more_waiters, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
