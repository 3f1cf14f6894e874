/* test_batch_policy.c — daemons enter SCHED_BATCH, keep any other policy, jobs leave it. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <cmocka.h>

#include "batch_policy.h"

#define NICE_SET 3

/* Run fn on a new thread (which starts with this thread's policy) and return what it did:
 * each test changes the policy of a thread of its own, never the test's main thread. */
static void *on_own_thread(void *(*fn)(void *))
{
    pthread_t thread;
    void *result = NULL;

    assert_int_equal(pthread_create(&thread, NULL, fn, NULL), 0);
    assert_int_equal(pthread_join(thread, &result), 0);
    return result;
}

static void *policy_of_this_thread(void *arg)
{
    return (void *)(intptr_t)sched_getscheduler(0);
}

/* An idle-policy thread stays idle: enter changes nothing and says so. */
static void *enter_from_idle(void *arg)
{
    const struct sched_param param = {.sched_priority = 0};

    if (sched_setscheduler(0, SCHED_IDLE, &param) < 0)
        return (void *)(intptr_t)-1;
    if (batch_policy_enter() || batch_policy_entered())
        return (void *)(intptr_t)-2;
    return (void *)(intptr_t)sched_getscheduler(0);
}

static void test_another_policy_is_kept(void **state)
{
    assert_int_equal((intptr_t)on_own_thread(enter_from_idle), SCHED_IDLE);
}

struct enter_seen {
    bool entered;
    int policy, later_thread_policy, nice_after_enter, policy_after_leave, nice_after_leave;
};
static struct enter_seen seen;

static void *enter_then_leave(void *arg)
{
    setpriority(PRIO_PROCESS, 0, NICE_SET); /* this thread's nice: a raise needs no rights */
    seen.entered = batch_policy_enter() && batch_policy_entered();
    seen.policy = sched_getscheduler(0);
    seen.nice_after_enter = getpriority(PRIO_PROCESS, 0);
    seen.later_thread_policy = (int)(intptr_t)on_own_thread(policy_of_this_thread);
    assert_int_equal(batch_policy_leave(), 0);
    seen.policy_after_leave = sched_getscheduler(0);
    seen.nice_after_leave = getpriority(PRIO_PROCESS, 0);
    return NULL;
}

static void test_enter_moves_the_thread_and_the_threads_it_starts(void **state)
{
    if (sched_getscheduler(0) != SCHED_OTHER)
        skip(); /* the test itself runs under another policy, which enter keeps */
    on_own_thread(enter_then_leave);
    assert_true(seen.entered);
    assert_int_equal(seen.policy, SCHED_BATCH);
    assert_int_equal(seen.later_thread_policy, SCHED_BATCH);
    assert_int_equal(seen.nice_after_enter, NICE_SET);
    assert_int_equal(seen.policy_after_leave, SCHED_OTHER);
    assert_int_equal(seen.nice_after_leave, NICE_SET);
    assert_int_equal(sched_getscheduler(0), SCHED_OTHER); /* the main thread is untouched */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_another_policy_is_kept),
        cmocka_unit_test(test_enter_moves_the_thread_and_the_threads_it_starts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
