/* test_launch_cache.c — recent account and PATH lookups: reuse, expiry, what is never kept. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "launch_cache.h"

#define T0 1000000 /* an arbitrary clock_mono_ms */

static void test_command_reused_until_it_expires(void **state)
{
    struct launch_cache *cache = calloc(1, sizeof(*cache));
    char found[PATH_MAX];

    assert_false(launch_cache_get_command(found, cache, "true", "/usr/bin:/bin", T0));
    launch_cache_put_command(cache, "true", "/usr/bin:/bin", "/usr/bin/true", T0);
    assert_true(launch_cache_get_command(found, cache, "true", "/usr/bin:/bin", T0 + 1));
    assert_string_equal(found, "/usr/bin/true");
    assert_false(launch_cache_get_command(found, cache, "true", "/bin", T0 + 1));
    assert_false(launch_cache_get_command(found, cache, "true", "/usr/bin:/bin",
                                          T0 + LAUNCH_CACHE_TTL_MS));
    free(cache);
}

static void test_command_dropped_or_relative_path_not_kept(void **state)
{
    struct launch_cache *cache = calloc(1, sizeof(*cache));
    char found[PATH_MAX];

    launch_cache_put_command(cache, "true", "/usr/bin", "/usr/bin/true", T0);
    launch_cache_drop_command(cache, "true", "/usr/bin");
    assert_false(launch_cache_get_command(found, cache, "true", "/usr/bin", T0));
    /* a relative or empty entry makes the answer depend on the job's cwd */
    launch_cache_put_command(cache, "x", "/usr/bin:bin", "bin/x", T0);
    assert_false(launch_cache_get_command(found, cache, "x", "/usr/bin:bin", T0));
    launch_cache_put_command(cache, "x", "/usr/bin:", "./x", T0);
    assert_false(launch_cache_get_command(found, cache, "x", "/usr/bin:", T0));
    free(cache);
}

static void test_oldest_command_makes_room(void **state)
{
    struct launch_cache *cache = calloc(1, sizeof(*cache));
    char found[PATH_MAX], name[16];

    for (int i = 0; i <= LAUNCH_CACHE_ENTRIES; i++) {
        snprintf(name, sizeof name, "cmd%d", i);
        launch_cache_put_command(cache, name, "/bin", "/bin/x", T0 + i);
    }
    assert_false(launch_cache_get_command(found, cache, "cmd0", "/bin", T0 + 20));
    assert_true(launch_cache_get_command(found, cache, "cmd1", "/bin", T0 + 20));
    snprintf(name, sizeof name, "cmd%d", LAUNCH_CACHE_ENTRIES);
    assert_true(launch_cache_get_command(found, cache, name, "/bin", T0 + 20));
    free(cache);
}

static void test_account_reused_until_it_expires(void **state)
{
    struct launch_cache *cache = calloc(1, sizeof(*cache));
    struct job_account alice = {.uid = 1001, .gid = 1001, .name = "alice", .home = "/home/a"};
    struct job_account got;

    assert_false(launch_cache_get_account(&got, cache, "alice", T0));
    launch_cache_put_account(cache, "alice", &alice, T0);
    assert_true(launch_cache_get_account(&got, cache, "alice", T0 + 10));
    assert_int_equal(got.uid, 1001);
    assert_string_equal(got.home, "/home/a");
    assert_false(launch_cache_get_account(&got, cache, "bob", T0 + 10));
    assert_false(launch_cache_get_account(&got, cache, "alice", T0 + LAUNCH_CACHE_TTL_MS));
    free(cache);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command_reused_until_it_expires),
        cmocka_unit_test(test_command_dropped_or_relative_path_not_kept),
        cmocka_unit_test(test_oldest_command_makes_room),
        cmocka_unit_test(test_account_reused_until_it_expires),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
