/* test_json.c — the JSON writer: commas, nesting, and escaping of every awkward byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"

/* A writer into memory; text() returns what was written so far. */
struct capture {
    char *data;
    size_t len;
    FILE *out;
    struct json json;
};

static void capture_open(struct capture *capture)
{
    capture->data = NULL;
    capture->out = open_memstream(&capture->data, &capture->len);
    assert_non_null(capture->out);
    json_init(&capture->json, capture->out);
}

static const char *capture_text(struct capture *capture)
{
    fflush(capture->out);
    return capture->data;
}

static void capture_close(struct capture *capture)
{
    fclose(capture->out);
    free(capture->data);
}

static void test_object_and_array_commas(void **state)
{
    struct capture c;
    capture_open(&c);
    json_object_begin(&c.json);
    json_key(&c.json, "ids");
    json_array_begin(&c.json);
    json_uint(&c.json, 1);
    json_uint(&c.json, 18446744073709551615ull);
    json_array_end(&c.json);
    json_key(&c.json, "n");
    json_int(&c.json, -5);
    json_key(&c.json, "ok");
    json_bool(&c.json, true);
    json_key(&c.json, "none");
    json_null(&c.json);
    json_key(&c.json, "empty");
    json_object_begin(&c.json);
    json_object_end(&c.json);
    json_key(&c.json, "list");
    json_array_begin(&c.json);
    json_object_begin(&c.json);
    json_object_end(&c.json);
    json_array_begin(&c.json);
    json_array_end(&c.json);
    json_array_end(&c.json);
    json_object_end(&c.json);
    json_finish(&c.json);
    assert_string_equal(capture_text(&c), "{\"ids\":[1,18446744073709551615],\"n\":-5,"
                                          "\"ok\":true,\"none\":null,\"empty\":{},"
                                          "\"list\":[{},[]]}\n");
    capture_close(&c);
}

static void test_string_escapes_quotes_backslashes_and_controls(void **state)
{
    struct capture c;
    capture_open(&c);
    json_string(&c.json, "a\"b\\c\n\r\t\b\f\x01\x1f\x7f/");
    assert_string_equal(capture_text(&c), "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f/\"");
    capture_close(&c);
}

static void test_string_keeps_valid_utf8(void **state)
{
    struct capture c;
    capture_open(&c);
    json_string(&c.json, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    assert_string_equal(capture_text(&c), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    capture_close(&c);
}

static void test_string_replaces_invalid_utf8(void **state)
{
    struct capture c;
    capture_open(&c);
    /* a lone continuation byte, a truncated sequence, an overlong '/', a surrogate, a
     * code point past U+10FFFF, and 0xff */
    json_string(&c.json, "\x80|\xc3|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xff");
    assert_string_equal(capture_text(&c), "\"\\ufffd|\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|"
                                          "\\ufffd\\ufffd\\ufffd\\ufffd|\\ufffd\"");
    capture_close(&c);
}

static void test_string_n_writes_nul_bytes_and_null_pointer(void **state)
{
    struct capture c;
    capture_open(&c);
    json_array_begin(&c.json);
    json_string_n(&c.json, "a\0b", 3);
    json_string(&c.json, NULL);
    json_string(&c.json, "");
    json_array_end(&c.json);
    assert_string_equal(capture_text(&c), "[\"a\\u0000b\",null,\"\"]");
    capture_close(&c);
}

static void test_keys_are_escaped(void **state)
{
    struct capture c;
    capture_open(&c);
    json_object_begin(&c.json);
    json_key(&c.json, "k\"\n");
    json_string(&c.json, "v");
    json_object_end(&c.json);
    assert_string_equal(capture_text(&c), "{\"k\\\"\\n\":\"v\"}");
    capture_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_object_and_array_commas),
        cmocka_unit_test(test_string_escapes_quotes_backslashes_and_controls),
        cmocka_unit_test(test_string_keeps_valid_utf8),
        cmocka_unit_test(test_string_replaces_invalid_utf8),
        cmocka_unit_test(test_string_n_writes_nul_bytes_and_null_pointer),
        cmocka_unit_test(test_keys_are_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
