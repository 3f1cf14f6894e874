/* test_parse.c — parsing users' sizes, durations, counts, ranges and KEY=VALUE; formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "clock.h"
#include "cohort.h"
#include "parse.h"

#define KIB 1024ull
#define MIB (1024ull * KIB)
#define GIB (1024ull * MIB)
#define TIB (1024ull * GIB)

static void assert_size(const char *text, uint64_t expected)
{
    uint64_t bytes = 0;
    assert_int_equal(parse_size(&bytes, text), 0);
    assert_true(bytes == expected);
}

static void assert_bad_size(const char *text)
{
    uint64_t bytes = 12345;
    assert_int_equal(parse_size(&bytes, text), COHORT_EINVAL);
    assert_int_equal(bytes, 12345); /* unchanged */
}

static void test_parse_size(void **state)
{
    assert_size("0", 0);
    assert_size("1024", 1024);
    assert_size("1024B", 1024);
    assert_size("64K", 64 * KIB);
    assert_size("64k", 64 * KIB);
    assert_size("512M", 512 * MIB);
    assert_size("512MB", 512 * MIB);
    assert_size("512MiB", 512 * MIB);
    assert_size("512mib", 512 * MIB);
    assert_size("2G", 2 * GIB);
    assert_size("1.5G", 3 * GIB / 2);
    assert_size("0.5K", 512);
    assert_size("1T", TIB);
    assert_size("1.25T", TIB + TIB / 4);
    assert_size("15E", 15ull << 60);
    assert_size("18446744073709551615", UINT64_MAX);

    assert_bad_size(NULL);
    assert_bad_size("");
    assert_bad_size("M");
    assert_bad_size("-1");
    assert_bad_size("-1G");
    assert_bad_size(" 1G");
    assert_bad_size("1G ");
    assert_bad_size("1 G");
    assert_bad_size("1X");
    assert_bad_size("1GG");
    assert_bad_size("1iB");
    assert_bad_size("1.5"); /* a fraction of a byte */
    assert_bad_size("1.");
    assert_bad_size(".5G");
    assert_bad_size("1.5.5G");
    assert_bad_size("16E"); /* 2^64 */
    assert_bad_size("18446744073709551616");
    assert_bad_size("99999999999999999999999G");
    assert_bad_size("1.0000000000000000000001G"); /* more fraction digits than kept */
}

static void assert_duration(const char *text, uint64_t expected)
{
    uint64_t seconds = 0;
    assert_int_equal(parse_duration(&seconds, text), 0);
    assert_true(seconds == expected);
}

static void assert_bad_duration(const char *text)
{
    uint64_t seconds = 777;
    assert_int_equal(parse_duration(&seconds, text), COHORT_EINVAL);
    assert_int_equal(seconds, 777);
}

static void test_parse_duration(void **state)
{
    assert_duration("0", 0);
    assert_duration("90", 90);
    assert_duration("90s", 90);
    assert_duration("10m", 600);
    assert_duration("2h", 7200);
    assert_duration("1d", 86400);
    assert_duration("1h30m", 5400);
    assert_duration("1d2h3m4s", 93784);
    assert_duration("1h5s", 3605);
    assert_duration("01:30", 90);
    assert_duration("1:00:00", 3600);
    assert_duration("100:59:59", 100 * 3600 + 59 * 60 + 59);
    assert_duration("0:00", 0);

    assert_bad_duration(NULL);
    assert_bad_duration("");
    assert_bad_duration("-5");
    assert_bad_duration("5x");
    assert_bad_duration("h");
    assert_bad_duration("1h30");  /* a bare number only on its own */
    assert_bad_duration("30m1h"); /* units largest first */
    assert_bad_duration("1h1h");
    assert_bad_duration("1H");
    assert_bad_duration(" 5");
    assert_bad_duration("5 ");
    assert_bad_duration("1:60");
    assert_bad_duration("1:60:00");
    assert_bad_duration("1:2:3:4");
    assert_bad_duration(":30");
    assert_bad_duration("1::30");
    assert_bad_duration("1:");
    assert_bad_duration("1:30m");
    assert_bad_duration("18446744073709551616");
    assert_bad_duration("999999999999999999d");
    assert_bad_duration("999999999999999999:00:00");
}

static void test_parse_int(void **state)
{
    int64_t value = 5;

    assert_int_equal(parse_int(&value, "0", 0, 10), 0);
    assert_int_equal(value, 0);
    assert_int_equal(parse_int(&value, "-7", -10, 10), 0);
    assert_int_equal(value, -7);
    assert_int_equal(parse_int(&value, "10", 0, 10), 0);
    assert_int_equal(value, 10);
    assert_int_equal(parse_int(&value, "9223372036854775807", 0, INT64_MAX), 0);
    assert_true(value == INT64_MAX);
    assert_int_equal(parse_int(&value, "-9223372036854775808", INT64_MIN, 0), 0);
    assert_true(value == INT64_MIN);

    value = 3;
    assert_int_equal(parse_int(&value, "11", 0, 10), COHORT_EINVAL);
    assert_int_equal(parse_int(&value, "-1", 0, 10), COHORT_EINVAL);
    assert_int_equal(parse_int(&value, "", 0, 10), COHORT_EINVAL);
    assert_int_equal(parse_int(&value, NULL, 0, 10), COHORT_EINVAL);
    assert_int_equal(parse_int(&value, "1x", 0, 10), COHORT_EINVAL);
    assert_int_equal(parse_int(&value, " 1", 0, 10), COHORT_EINVAL);
    assert_int_equal(parse_int(&value, "+1", 0, 10), COHORT_EINVAL);
    assert_int_equal(parse_int(&value, "-", 0, 10), COHORT_EINVAL);
    assert_int_equal(parse_int(&value, "0x10", 0, 100), COHORT_EINVAL);
    assert_int_equal(parse_int(&value, "9223372036854775808", 0, INT64_MAX), COHORT_EINVAL);
    assert_int_equal(value, 3);
}

static void test_parse_range(void **state)
{
    uint32_t first = 9, last = 9;

    assert_int_equal(parse_range(&first, &last, "1-100", 1000), 0);
    assert_int_equal(first, 1);
    assert_int_equal(last, 100);
    assert_int_equal(parse_range(&first, &last, "7", 1000), 0);
    assert_int_equal(first, 7);
    assert_int_equal(last, 7);
    assert_int_equal(parse_range(&first, &last, "0-0", 0), 0);
    assert_int_equal(parse_range(&first, &last, "0-4294967295", UINT32_MAX), 0);
    assert_int_equal(last, UINT32_MAX);

    first = last = 9;
    assert_int_equal(parse_range(&first, &last, "5-4", 1000), COHORT_EINVAL);
    assert_int_equal(parse_range(&first, &last, "1-1001", 1000), COHORT_EINVAL);
    assert_int_equal(parse_range(&first, &last, "1001", 1000), COHORT_EINVAL);
    assert_int_equal(parse_range(&first, &last, "-5", 1000), COHORT_EINVAL);
    assert_int_equal(parse_range(&first, &last, "1-", 1000), COHORT_EINVAL);
    assert_int_equal(parse_range(&first, &last, "1--2", 1000), COHORT_EINVAL);
    assert_int_equal(parse_range(&first, &last, "1-2-3", 1000), COHORT_EINVAL);
    assert_int_equal(parse_range(&first, &last, "a-b", 1000), COHORT_EINVAL);
    assert_int_equal(parse_range(&first, &last, "", 1000), COHORT_EINVAL);
    assert_int_equal(parse_range(&first, &last, "0-4294967296", UINT32_MAX), COHORT_EINVAL);
    assert_int_equal(first, 9);
    assert_int_equal(last, 9);
}

static void test_parse_key_value(void **state)
{
    assert_int_equal(parse_key_value("A=1"), 1);
    assert_int_equal(parse_key_value("PATH=/bin:/usr/bin"), 4);
    assert_int_equal(parse_key_value("_x.y-z=="), 6);
    assert_int_equal(parse_key_value("EMPTY="), 5);
    assert_int_equal(parse_key_value("gpu=a100"), 3);

    assert_int_equal(parse_key_value(NULL), COHORT_EINVAL);
    assert_int_equal(parse_key_value(""), COHORT_EINVAL);
    assert_int_equal(parse_key_value("=1"), COHORT_EINVAL);
    assert_int_equal(parse_key_value("NOVALUE"), COHORT_EINVAL);
    assert_int_equal(parse_key_value("1A=2"), COHORT_EINVAL);
    assert_int_equal(parse_key_value("-A=2"), COHORT_EINVAL);
    assert_int_equal(parse_key_value("A B=2"), COHORT_EINVAL);
    assert_int_equal(parse_key_value("A$=2"), COHORT_EINVAL);
}

static void test_format_size(void **state)
{
    char out[32];

    assert_string_equal(format_size(out, sizeof(out), 0), "0");
    assert_string_equal(format_size(out, sizeof(out), 1023), "1023");
    assert_string_equal(format_size(out, sizeof(out), 1024), "1K");
    assert_string_equal(format_size(out, sizeof(out), 1536), "1.5K");
    assert_string_equal(format_size(out, sizeof(out), 512 * MIB), "512M");
    assert_string_equal(format_size(out, sizeof(out), 3 * GIB / 2), "1.5G");
    assert_string_equal(format_size(out, sizeof(out), 2 * GIB), "2G");
    assert_string_equal(format_size(out, sizeof(out), TIB), "1T");
    assert_string_equal(format_size(out, sizeof(out), GIB + 1), "1.0G"); /* not exact */
    assert_string_equal(format_size(out, sizeof(out), UINT64_MAX), "15.9E");

    /* what is printed parses back to (about) the same size */
    uint64_t bytes;
    assert_int_equal(parse_size(&bytes, format_size(out, sizeof(out), 7 * GIB / 4 + 512)), 0);
    assert_true(bytes <= 7 * GIB / 4 + 512 && bytes >= 7 * GIB / 4 - GIB / 10);
}

static void test_clock(void **state)
{
    char out[32];
    int64_t before = clock_mono_ms();

    assert_string_equal(clock_format_rfc3339(out, sizeof(out), 0), "1970-01-01T00:00:00.000Z");
    assert_string_equal(clock_format_rfc3339(out, sizeof(out), 1764154965123),
                        "2025-11-26T11:02:45.123Z");
    assert_string_equal(clock_format_rfc3339(out, sizeof(out), -1), "1969-12-31T23:59:59.999Z");
    assert_string_equal(clock_format_rfc3339(out, sizeof(out), INT64_MAX), "");
    assert_true(clock_now_ms() > 1700000000000); /* after 2023 */
    assert_true(clock_mono_ms() >= before);
}

static void test_parse_switch(void **state)
{
    bool value = false;

    assert_int_equal(parse_switch(&value, "TRUE"), 0);
    assert_true(value);
    assert_int_equal(parse_switch(&value, "off"), 0);
    assert_false(value);
    assert_int_equal(parse_switch(&value, "1"), 0);
    assert_true(value);
    assert_int_equal(parse_switch(&value, "maybe"), COHORT_EINVAL);
    assert_int_equal(parse_switch(&value, ""), COHORT_EINVAL);
    assert_true(value); /* unchanged */
}

static void test_parse_sync_mode(void **state)
{
    bool full = false;

    assert_int_equal(parse_sync_mode(&full, "full"), 0);
    assert_true(full);
    assert_int_equal(parse_sync_mode(&full, "normal"), 0);
    assert_false(full);
    assert_int_equal(parse_sync_mode(&full, "Full"), COHORT_EINVAL);
    assert_int_equal(parse_sync_mode(&full, "always"), COHORT_EINVAL);
    assert_false(full);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_size),      cmocka_unit_test(test_parse_duration),
        cmocka_unit_test(test_parse_int),       cmocka_unit_test(test_parse_range),
        cmocka_unit_test(test_parse_key_value), cmocka_unit_test(test_format_size),
        cmocka_unit_test(test_clock),           cmocka_unit_test(test_parse_switch),
        cmocka_unit_test(test_parse_sync_mode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
