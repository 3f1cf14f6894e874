/* test_authz.c — the role each message needs, job ownership and worker names, with the
 * exact refusals users read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "authz.h"
#include "proto.h"

static struct identity as(enum role role, const char *name)
{
    struct identity id = {.role = role};
    strcpy(id.name, name);
    return id;
}

/* Which of worker, user, admin may send each message. */
static const struct {
    uint8_t type;
    bool worker, user, admin;
} table[] = {
    {MSG_SUBMIT, false, true, true},
    {MSG_JOBS, false, true, true},
    {MSG_SHOW, false, true, true},
    {MSG_LOGS, false, true, true},
    {MSG_CANCEL, false, true, true},
    {MSG_WAIT, false, true, true},
    {MSG_WORKERS, false, true, true},
    {MSG_STATUS, false, true, true},
    {MSG_DRAIN, false, false, true},
    {MSG_RESUME, false, false, true},
    {MSG_BACKUP, false, false, true},
    {MSG_REGISTER, true, false, true},
    {MSG_HEARTBEAT, true, false, true},
    {MSG_JOB_STARTED, true, false, true},
    {MSG_JOB_RESULT, true, false, true},
    {MSG_GOODBYE, true, false, true},
    {MSG_LEAVING, true, false, true},
    {MSG_REPLY, false, false, false},
    {MSG_WELCOME, false, false, false},
    {MSG_RUN, false, false, false},
    {MSG_KILL, false, false, false},
    {MSG_RESULT_ACK, false, false, false},
    {MSG_REREGISTER, false, false, false},
    {0, false, false, false},
    {255, false, false, false},
};

static void expect_may_send(const struct identity *caller, uint8_t type, bool expected)
{
    char why[256] = "";

    if (authz_may_send(caller, type, why, sizeof why) != expected)
        fail_msg("%s key, message type %u: expected %s, got the other (%s)",
                 role_name(caller->role), type, expected ? "allowed" : "refused", why);
}

static void test_role_table(void **state)
{
    struct identity worker = as(ROLE_WORKER, "*"), user = as(ROLE_USER, "alice");
    struct identity admin = as(ROLE_ADMIN, "root"), insecure = {0};

    assert_int_equal(identity_parse(NULL, &insecure), 0);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        expect_may_send(&worker, table[i].type, table[i].worker);
        expect_may_send(&user, table[i].type, table[i].user);
        expect_may_send(&admin, table[i].type, table[i].admin);
        /* insecure mode: everything the scheduler handles, exactly as before */
        expect_may_send(&insecure, table[i].type, table[i].admin);
    }
}

static void test_refusals_say_why(void **state)
{
    struct identity worker = as(ROLE_WORKER, "node-1"), user = as(ROLE_USER, "alice");
    char why[256];

    assert_false(authz_may_send(&worker, MSG_SUBMIT, why, sizeof why));
    assert_string_equal(why, "worker keys cannot submit jobs");
    assert_false(authz_may_send(&user, MSG_REGISTER, why, sizeof why));
    assert_string_equal(why, "user keys cannot act as workers");
    assert_false(authz_may_send(&user, MSG_HEARTBEAT, why, sizeof why));
    assert_string_equal(why, "user keys cannot act as workers");
    assert_false(authz_may_send(&user, MSG_DRAIN, why, sizeof why));
    assert_string_equal(why, "only an admin may drain workers");
    assert_false(authz_may_send(&worker, MSG_RESUME, why, sizeof why));
    assert_string_equal(why, "only an admin may resume workers");
    assert_false(authz_may_send(&worker, MSG_CANCEL, why, sizeof why));
    assert_string_equal(why, "worker keys cannot cancel jobs");
}

static void test_users_act_only_on_their_own_jobs(void **state)
{
    struct identity alice = as(ROLE_USER, "alice"), admin = as(ROLE_ADMIN, "root");
    struct identity insecure;
    char why[256];

    assert_int_equal(identity_parse(NULL, &insecure), 0);
    assert_true(authz_checks_owner(&alice));
    assert_false(authz_checks_owner(&admin));
    assert_false(authz_checks_owner(&insecure));
    assert_true(authz_may_act_on_job(&alice, 12, "alice", "cancel it", why, sizeof why));
    assert_false(authz_may_act_on_job(&alice, 12, "bob", "cancel it", why, sizeof why));
    assert_string_equal(why, "job 12 belongs to bob: only bob or an admin may cancel it");
    assert_false(authz_may_act_on_job(&alice, 7, "alice2", "wait for it", why, sizeof why));
    assert_string_equal(why, "job 7 belongs to alice2: only alice2 or an admin may wait for it");
    assert_false(authz_may_act_on_job(&alice, 8, "", "read its output", why, sizeof why));
    assert_string_equal(why, "job 8 belongs to another user: only its owner or an admin may "
                             "read its output");
    assert_true(authz_may_act_on_job(&admin, 12, "bob", "cancel it", why, sizeof why));
    assert_true(authz_may_act_on_job(&insecure, 12, "bob", "cancel it", why, sizeof why));
}

static void test_worker_keys_register_under_their_name(void **state)
{
    struct identity any = as(ROLE_WORKER, "*"), node1 = as(ROLE_WORKER, "node-1");
    struct identity admin = as(ROLE_ADMIN, "root"), user = as(ROLE_USER, "alice");
    char why[256];

    assert_true(authz_may_register_as(&any, "node-9", why, sizeof why));
    assert_true(authz_may_register_as(&node1, "node-1", why, sizeof why));
    assert_true(authz_may_register_as(&admin, "node-9", why, sizeof why));
    assert_false(authz_may_register_as(&node1, "node-2", why, sizeof why));
    assert_string_equal(why, "this worker key may register only as node-1, not as node-2");
    assert_false(authz_may_register_as(&node1, "node-10", why, sizeof why));
    assert_false(authz_may_register_as(&user, "alice", why, sizeof why));
    assert_string_equal(why, "user keys cannot act as workers");
}

static void test_owner_comes_from_the_key(void **state)
{
    struct identity alice = as(ROLE_USER, "alice"), insecure;

    assert_int_equal(identity_parse(NULL, &insecure), 0);
    assert_string_equal(authz_job_owner(&alice, "mallory"), "alice");
    assert_string_equal(authz_job_owner(&alice, ""), "alice");
    assert_string_equal(authz_job_owner(&insecure, "mallory"), "mallory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_role_table),
        cmocka_unit_test(test_refusals_say_why),
        cmocka_unit_test(test_users_act_only_on_their_own_jobs),
        cmocka_unit_test(test_worker_keys_register_under_their_name),
        cmocka_unit_test(test_owner_comes_from_the_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
