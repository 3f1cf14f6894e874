/* test_fence.c — when a silent worker kills its jobs, and the LEAVING message on the wire. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cohort.h"
#include "fence.h"
#include "proto.h"
#include "runner.h"

static void test_fence_comes_before_the_lease_by_kill_grace_and_two_beats(void **state)
{
    /* defaults: lease 60 s, heartbeat 1 s, kill grace 2 s */
    assert_int_equal(fence_after_ms(60000, 1000, 2000), 56000);
    assert_int_equal(fence_after_ms(10000, 500, 2000), 7000);
}

static void test_fence_is_never_before_half_the_lease(void **state)
{
    assert_int_equal(fence_after_ms(5000, 1000, 2000), 2500);
    assert_int_equal(fence_after_ms(2000, 200, 2000), 1000);
    assert_int_equal(fence_after_ms(1000, 1000, RUNNER_KILL_GRACE_MS), 500);
}

static void test_fence_is_always_before_the_lease(void **state)
{
    static const uint32_t leases[] = {200, 1000, 2000, 5000, 60000, 86400000, UINT32_MAX};
    static const uint32_t beats[] = {100, 200, 1000, 60000};

    for (size_t i = 0; i < sizeof leases / sizeof leases[0]; i++)
        for (size_t j = 0; j < sizeof beats / sizeof beats[0]; j++) {
            int64_t fence = fence_after_ms(leases[i], beats[j], RUNNER_KILL_GRACE_MS);
            assert_true(fence < (int64_t)leases[i]);
            assert_true(fence >= (int64_t)leases[i] / 2);
        }
}

static void test_fence_due_only_after_a_welcome_and_the_silence(void **state)
{
    assert_false(fence_due(false, 1000000, 5000, 1000, 2000));
    assert_false(fence_due(true, 2499, 5000, 1000, 2000));
    assert_true(fence_due(true, 2500, 5000, 1000, 2000));
    assert_true(fence_due(true, 3600000, 60000, 1000, 2000));
    assert_false(fence_due(true, 55999, 60000, 1000, 2000));
}

static void test_leaving_round_trips(void **state)
{
    struct msg sent = {.type = MSG_LEAVING, .u.leaving = {.grace_ms = 30000}};
    struct msg *got = NULL;
    struct buf frame;

    buf_init(&frame, PROTO_MAX_MSG);
    assert_int_equal(msg_encode(&frame, &sent), 0);
    assert_int_equal(msg_decode(&got, frame.data, frame.len), 0);
    assert_int_equal(got->type, MSG_LEAVING);
    assert_int_equal(got->u.leaving.grace_ms, 30000);
    assert_string_equal(msg_type_name(MSG_LEAVING), "leaving");
    msg_free(got);
    got = NULL;
    assert_int_equal(msg_decode(&got, frame.data, frame.len - 1), COHORT_EPROTO);
    assert_null(got);
    buf_free(&frame);
}

static void test_leaving_without_its_grace_is_refused(void **state)
{
    /* [version, 35]: the grace is missing */
    const uint8_t frame[] = {0x92, PROTO_VERSION, MSG_LEAVING};
    struct msg *got = NULL;

    assert_int_equal(msg_decode(&got, frame, sizeof frame), COHORT_EPROTO);
    assert_null(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fence_comes_before_the_lease_by_kill_grace_and_two_beats),
        cmocka_unit_test(test_fence_is_never_before_half_the_lease),
        cmocka_unit_test(test_fence_is_always_before_the_lease),
        cmocka_unit_test(test_fence_due_only_after_a_welcome_and_the_silence),
        cmocka_unit_test(test_leaving_round_trips),
        cmocka_unit_test(test_leaving_without_its_grace_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
