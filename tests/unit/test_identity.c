/* test_identity.c — the ZAP User-Id reads as ROLE:NAME, and nothing else is accepted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cohort.h"
#include "identity.h"

static void test_insecure_socket_is_anonymous_admin(void **state)
{
    struct identity id;

    assert_int_equal(identity_parse(NULL, &id), 0);
    assert_int_equal(id.role, ROLE_ADMIN);
    assert_string_equal(id.name, "");
}

static void test_each_role_reads_with_its_name(void **state)
{
    static const struct {
        const char *user_id;
        enum role role;
        const char *name;
    } cases[] = {
        {"worker:node-1", ROLE_WORKER, "node-1"}, {"worker:*", ROLE_WORKER, "*"},
        {"user:alice", ROLE_USER, "alice"},       {"admin:root", ROLE_ADMIN, "root"},
        {"user:a:b", ROLE_USER, "a:b"},           {"user:x y", ROLE_USER, "x y"},
    };
    struct identity id;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(identity_parse(cases[i].user_id, &id), 0);
        assert_int_equal(id.role, cases[i].role);
        assert_string_equal(id.name, cases[i].name);
    }
}

static void test_anything_else_is_refused(void **state)
{
    static const char *const bad[] = {
        "",           "alice",      "user",      "user:",     ":alice",    "users:alice",
        "User:alice", "root:alice", " user:bob", "user:a\tb", "user:a\nb", "useralice",
        "worker",     "admin:\x7f",
    };
    struct identity id;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&id, 0x55, sizeof id);
        assert_int_equal(identity_parse(bad[i], &id), COHORT_EINVAL);
        assert_int_equal(id.role, 0); /* never a role by accident */
        assert_string_equal(id.name, "");
    }
}

static void test_name_accepted_exactly_at_the_cap(void **state)
{
    char user_id[5 + IDENTITY_MAX_NAME + 2];
    struct identity id;

    strcpy(user_id, "user:");
    memset(user_id + 5, 'n', IDENTITY_MAX_NAME);
    user_id[5 + IDENTITY_MAX_NAME] = '\0';
    assert_int_equal(identity_parse(user_id, &id), 0);
    assert_int_equal(strlen(id.name), IDENTITY_MAX_NAME);
    strcat(user_id, "n");
    assert_int_equal(identity_parse(user_id, &id), COHORT_EINVAL);
}

static void test_role_names(void **state)
{
    assert_string_equal(role_name(ROLE_WORKER), "worker");
    assert_string_equal(role_name(ROLE_USER), "user");
    assert_string_equal(role_name(ROLE_ADMIN), "admin");
    assert_string_equal(role_name(0), "unknown");
    assert_string_equal(role_name(99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insecure_socket_is_anonymous_admin),
        cmocka_unit_test(test_each_role_reads_with_its_name),
        cmocka_unit_test(test_anything_else_is_refused),
        cmocka_unit_test(test_name_accepted_exactly_at_the_cap),
        cmocka_unit_test(test_role_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
