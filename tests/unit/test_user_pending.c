/* test_user_pending.c — pending jobs per user: counts, underflow, reload from the store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cohort.h"
#include "store_fixture.h"
#include "user_pending.h"

#define MANY_USERS 5000

static void test_add_and_remove(void **state)
{
    struct user_pending *up = NULL;

    assert_int_equal(user_pending_create(&up), 0);
    assert_int_equal(user_pending_count(up, "alice"), 0);
    assert_int_equal(user_pending_add(up, "alice", 990), 0);
    assert_int_equal(user_pending_add(up, "bob", 1), 0);
    assert_int_equal(user_pending_add(up, "alice", 10), 0);
    assert_int_equal(user_pending_count(up, "alice"), 1000);
    assert_int_equal(user_pending_count(up, "bob"), 1);
    assert_int_equal(user_pending_count(up, "alic"), 0);
    assert_int_equal(user_pending_users(up), 2);

    user_pending_remove(up, "alice", 999);
    assert_int_equal(user_pending_count(up, "alice"), 1);
    user_pending_remove(up, "bob", 1);
    assert_int_equal(user_pending_count(up, "bob"), 0);
    assert_int_equal(user_pending_users(up), 1); /* a user at 0 is forgotten */
    user_pending_destroy(up);
    user_pending_destroy(NULL);
}

static void test_remove_never_goes_below_zero(void **state)
{
    struct user_pending *up = NULL;

    assert_int_equal(user_pending_create(&up), 0);
    assert_int_equal(user_pending_add(up, "alice", 2), 0);
    user_pending_remove(up, "alice", 3); /* logged as a bug */
    assert_int_equal(user_pending_count(up, "alice"), 0);
    user_pending_remove(up, "nobody", 1);
    assert_int_equal(user_pending_count(up, "nobody"), 0);
    assert_int_equal(user_pending_users(up), 0);
    assert_int_equal(user_pending_add(up, "alice", 1), 0);
    assert_int_equal(user_pending_count(up, "alice"), 1);
    user_pending_destroy(up);
}

/* A name a job brief cannot hold is counted as "", as the brief holds it. */
static void test_long_names_count_as_empty(void **state)
{
    struct user_pending *up = NULL;
    char longest[USER_PENDING_NAME_MAX + 1], too_long[USER_PENDING_NAME_MAX + 2];

    memset(longest, 'a', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    memset(too_long, 'a', sizeof too_long - 1);
    too_long[sizeof too_long - 1] = '\0';
    assert_int_equal(user_pending_create(&up), 0);
    assert_int_equal(user_pending_add(up, longest, 1), 0);
    assert_int_equal(user_pending_add(up, too_long, 2), 0);
    assert_int_equal(user_pending_count(up, longest), 1);
    assert_int_equal(user_pending_count(up, ""), 2);
    user_pending_remove(up, "", 2);
    assert_int_equal(user_pending_count(up, too_long), 0);
    user_pending_destroy(up);
}

static void test_many_users_then_clear(void **state)
{
    struct user_pending *up = NULL;
    char name[32];

    assert_int_equal(user_pending_create(&up), 0);
    for (int i = 0; i < MANY_USERS; i++) {
        snprintf(name, sizeof name, "user%d", i);
        assert_int_equal(user_pending_add(up, name, (uint64_t)i + 1), 0);
    }
    assert_int_equal(user_pending_users(up), MANY_USERS);
    for (int i = 0; i < MANY_USERS; i += 2) {
        snprintf(name, sizeof name, "user%d", i);
        user_pending_remove(up, name, (uint64_t)i + 1);
    }
    assert_int_equal(user_pending_users(up), MANY_USERS / 2);
    for (int i = 0; i < MANY_USERS; i++) {
        snprintf(name, sizeof name, "user%d", i);
        assert_int_equal(user_pending_count(up, name), i % 2 ? (uint64_t)i + 1 : 0);
    }
    user_pending_clear(up);
    assert_int_equal(user_pending_users(up), 0);
    assert_int_equal(user_pending_count(up, "user1"), 0);
    assert_int_equal(user_pending_add(up, "user1", 5), 0); /* usable after a clear */
    assert_int_equal(user_pending_count(up, "user1"), 5);
    user_pending_destroy(up);
}

static int reload_user(void *arg, const char *user, uint64_t pending)
{
    return user_pending_add(arg, user, pending);
}

static void insert_jobs(struct store *st, const char *user, uint64_t count, uint64_t *first_id)
{
    const char *argv[] = {"true"};
    struct job_spec spec = {
        .name = "", .user = user, .cpus = 1, .cwd = "", .argc = 1, .argv = argv};
    assert_int_equal(store_jobs_insert(st, first_id, &spec, count, 1000), 0);
}

/* A reload counts what the database holds pending, user by user. */
static void test_reload_from_store(void **state)
{
    struct fixture *f = *state;
    struct user_pending *up = NULL;
    struct job_brief brief;
    uint64_t alice_first, bob_first;

    insert_jobs(f->st, "alice", 990, &alice_first);
    insert_jobs(f->st, "bob", 3, &bob_first);
    assert_int_equal(store_job_dispatch(f->st, bob_first, 1, "w1", 2000), 0);
    assert_int_equal(store_job_cancel(f->st, bob_first + 1, "cancelled by user", 2000), 0);
    assert_int_equal(store_commit(f->st), 0);
    assert_int_equal(store_job_brief(f->st, alice_first, &brief), 0);
    assert_string_equal(brief.user, "alice");

    assert_int_equal(user_pending_create(&up), 0);
    assert_int_equal(user_pending_add(up, "stale", 7), 0);
    user_pending_clear(up);
    assert_int_equal(store_count_pending_by_user(f->st, reload_user, up), 0);
    assert_int_equal(user_pending_count(up, "alice"), 990);
    assert_int_equal(user_pending_count(up, "bob"), 1);
    assert_int_equal(user_pending_count(up, "stale"), 0);
    assert_int_equal(user_pending_users(up), 2);
    user_pending_destroy(up);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_and_remove),
        cmocka_unit_test(test_remove_never_goes_below_zero),
        cmocka_unit_test(test_long_names_count_as_empty),
        cmocka_unit_test(test_many_users_then_clear),
        cmocka_unit_test_setup_teardown(test_reload_from_store, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
