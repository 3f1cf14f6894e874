/* test_hex.c — numbers and bytes as lower-case hex digits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hex.h"

static void test_digits_keep_the_low_ones(void **state)
{
    char out[16];

    (void)state;
    memset(out, 'x', sizeof out);
    hex_digits(out, 0x1234abcdef0ull, 12);
    assert_memory_equal(out, "01234abcdef0", 12);
    assert_int_equal(out[12], 'x'); /* no terminator */
    hex_digits(out, 0xfedcba9876543210ull, 4);
    assert_memory_equal(out, "3210", 4);
}

static void test_bytes_end_with_a_terminator(void **state)
{
    static const uint8_t bytes[] = {0x00, 0x0f, 0xa0, 0xff};
    char out[9];

    (void)state;
    hex_bytes(out, bytes, sizeof bytes);
    assert_string_equal(out, "000fa0ff");
    hex_bytes(out, bytes, 0);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digits_keep_the_low_ones),
        cmocka_unit_test(test_bytes_end_with_a_terminator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
