/* test_cli_timeout.c — timeouts as users write them: durations and decimal seconds. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "cli.h"

static void test_durations_and_decimal_seconds_are_read(void **state)
{
    int ms = -7;

    assert_int_equal(cli_parse_timeout_ms(&ms, "0.5", INT_MAX), 0);
    assert_int_equal(ms, 500);
    assert_int_equal(cli_parse_timeout_ms(&ms, "1.25s", INT_MAX), 0);
    assert_int_equal(ms, 1250);
    assert_int_equal(cli_parse_timeout_ms(&ms, "0.0005", INT_MAX), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(cli_parse_timeout_ms(&ms, "0", INT_MAX), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(cli_parse_timeout_ms(&ms, "90", INT_MAX), 0);
    assert_int_equal(ms, 90000);
    assert_int_equal(cli_parse_timeout_ms(&ms, "10m", INT_MAX), 0);
    assert_int_equal(ms, 600000);
}

static void test_bad_timeouts_are_refused_and_change_nothing(void **state)
{
    static const char *const bad[] = {"",      "-1",   "-0.5", ".5",   "5.",
                                      "1.2.3", "0x10", "1e3",  "inf",  "nan",
                                      " 1",    "1 ",   "0.5m", "soon", "2147483.648"};
    int ms = 42;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(cli_parse_timeout_ms(&ms, bad[i], INT_MAX), -1);
        assert_int_equal(ms, 42);
    }
    assert_int_equal(cli_parse_timeout_ms(&ms, "1.5", 1000), -1);
    assert_int_equal(cli_parse_timeout_ms(&ms, "2", 1000), -1);
    assert_int_equal(cli_parse_timeout_ms(&ms, "99999999999999999999.5", INT_MAX), -1);
    assert_int_equal(ms, 42);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations_and_decimal_seconds_are_read),
        cmocka_unit_test(test_bad_timeouts_are_refused_and_change_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
