/* test_host.c — the worker's detection of the host's name, cpus and memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cohort.h"
#include "host.h"

static void test_cpus_at_least_one(void **state)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);

    assert_true(host_cpus() >= 1);
    if (online > 0)
        assert_true(host_cpus() <= (uint32_t)online);
}

static void test_memory_is_known(void **state)
{
    uint64_t mem = host_mem();

    assert_true(mem > 0);
    assert_int_equal(mem % 1024, 0); /* MemTotal is given in KiB */
}

static void test_host_name(void **state)
{
    char name[256], tiny[1];

    assert_int_equal(host_name(name, sizeof name), 0);
    assert_true(strlen(name) > 0);
    assert_int_equal(host_name(tiny, 0), COHORT_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpus_at_least_one),
        cmocka_unit_test(test_memory_is_known),
        cmocka_unit_test(test_host_name),
    };
    alarm(30);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
