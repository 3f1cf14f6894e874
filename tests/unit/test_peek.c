/* test_peek.c — answering malformed requests: msg_peek_request, the decoder's reasons, and
 * the optional idempotency key of SUBMIT. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "proto.h"

/* [1, SUBMIT, req_id 7, [spec]] with a spec of `cpus` cpus running "x"; no key. */
#define SUBMIT_HEAD 0x94, 0x01, 0x01, 0x07, 0x91, 0x9e, 0xa0, 0xa1, 0x75
#define SPEC_TAIL 0x00, 0x00, 0x00, 0x00, 0xa0, 0xc4, 0x00, 0x91, 0xa1, 0x78, 0x90, 0xc2, 0x00, 0x00

static const uint8_t submit_no_key[] = {SUBMIT_HEAD, 0x01, SPEC_TAIL};
static const uint8_t submit_zero_cpus[] = {SUBMIT_HEAD, 0x00, SPEC_TAIL};
static const uint8_t submit_no_command[] = {SUBMIT_HEAD, 0x01, 0x00, 0x00, 0x00, 0x00, 0xa0,
                                            0xc4,        0x00, 0x90, 0x90, 0xc2, 0x00, 0x00};
static const uint8_t submit_array_5_2[] = {SUBMIT_HEAD, 0x01, 0x00, 0x00, 0x00, 0x00, 0xa0, 0xc4,
                                           0x00,        0x91, 0xa1, 0x78, 0x90, 0xc3, 0x05, 0x02};

/* Decode a frame expected to fail; its reason must contain `want`. */
static void assert_refused_because(const uint8_t *frame, size_t len, const char *want)
{
    struct msg *m = (struct msg *)1;
    char why[128] = "unset";

    assert_int_equal(msg_decode_v2(&m, frame, len, why, sizeof why), COHORT_EPROTO);
    assert_null(m);
    if (!strstr(why, want))
        fail_msg("reason '%s' does not say '%s'", why, want);
}

static void test_peek_reads_a_request_that_does_not_decode(void **state)
{
    static const uint8_t status[] = {0x93, 0x01, 0x08, 0x2a};
    uint8_t type = 0;
    uint64_t req_id = 0;

    assert_int_equal(msg_peek_request(status, sizeof status, &type, &req_id), 0);
    assert_int_equal(type, MSG_STATUS);
    assert_int_equal(req_id, 42);
    assert_int_equal(msg_peek_request(submit_zero_cpus, sizeof submit_zero_cpus, &type, &req_id),
                     0);
    assert_int_equal(type, MSG_SUBMIT);
    assert_int_equal(req_id, 7);
    assert_refused_because(submit_zero_cpus, sizeof submit_zero_cpus,
                           "field 'cpus' must be at least 1");
}

static void test_peek_refuses_what_is_no_client_request(void **state)
{
    static const struct {
        const char *name;
        uint8_t bytes[8];
        size_t len;
    } frames[] = {
        {"heartbeat from a worker", {0x93, 0x01, 0x1f, 0x00}, 4},
        {"a reply", {0x97, 0x01, 0x14, 0x01}, 4},
        {"wrong version", {0x93, 0x02, 0x08, 0x01}, 4},
        {"unknown type", {0x93, 0x01, 0x63, 0x01}, 4},
        {"negative req_id", {0x93, 0x01, 0x08, 0xff}, 4},
        {"no req_id", {0x92, 0x01, 0x08}, 3},
        {"truncated", {0x93, 0x01, 0x08}, 3},
        {"not an array", {0xa3, 0x66, 0x6f, 0x6f}, 4},
        {"huge array", {0xdd, 0xff, 0xff, 0xff, 0xff}, 5},
        {"empty", {0}, 0},
    };
    uint8_t type = 99;
    uint64_t req_id = 99;

    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++)
        if (msg_peek_request(frames[i].bytes, frames[i].len, &type, &req_id) != COHORT_EPROTO)
            fail_msg("peek accepted %s", frames[i].name);
    assert_int_equal(msg_peek_request(NULL, 4, &type, &req_id), COHORT_EPROTO);
    assert_int_equal(type, 99);
    assert_int_equal(req_id, 99);
}

static void test_decoder_says_why(void **state)
{
    static const uint8_t too_few[] = {0x92, 0x01, 0x08};
    static const uint8_t trailing[] = {0x93, 0x01, 0x08, 0x01, 0x00};
    static const uint8_t version[] = {0x93, 0x02, 0x08, 0x01};
    static const uint8_t type[] = {0x93, 0x01, 0x63, 0x01};
    static const uint8_t state_mask[] = {0x96, 0x01, 0x02, 0x07, 0xcc, 0xff, 0x00, 0x00};

    assert_refused_because(submit_no_command, sizeof submit_no_command,
                           "field 'argv' has 0 entries; it needs at least 1");
    assert_refused_because(submit_array_5_2, sizeof submit_array_5_2, "the array range is empty");
    assert_refused_because(too_few, sizeof too_few, "0 fields, fewer than the 1 needed");
    assert_refused_because(trailing, sizeof trailing, "1 byte(s) after the end of the message");
    assert_refused_because(version, sizeof version, "not protocol version 1");
    assert_refused_because(type, sizeof type, "an unknown message type");
    assert_refused_because(state_mask, sizeof state_mask,
                           "field 'state_mask' is not a whole number from 0 to 63");
    assert_refused_because((const uint8_t *)"", 0, "an empty frame");
}

static void test_submit_without_key_decodes_with_an_empty_key(void **state)
{
    struct msg *m = NULL;

    assert_int_equal(msg_decode(&m, submit_no_key, sizeof submit_no_key), 0);
    assert_int_equal(m->u.submit.req_id, 7);
    assert_int_equal(m->u.submit.n_specs, 1);
    assert_non_null(m->u.submit.idem_key);
    assert_string_equal(m->u.submit.idem_key, "");
    msg_free(m);
}

/* Encode a one-spec SUBMIT under key into out (reset first); returns msg_encode's code. */
static int encode_submit(struct buf *out, const char *key)
{
    static const char *argv[] = {"true"};
    struct job_spec spec = {.name = "", .user = "u", .cpus = 1, .argc = 1, .argv = argv};
    struct msg m = {.type = MSG_SUBMIT};

    m.u.submit = (struct msg_submit){.req_id = 3, .n_specs = 1, .specs = &spec, .idem_key = key};
    buf_reset(out);
    return msg_encode(out, &m);
}

static void test_submit_key_round_trips_within_its_cap(void **state)
{
    char key[PROTO_MAX_IDEM_KEY + 2];
    struct msg *m = NULL;
    struct buf out;

    buf_init(&out, PROTO_MAX_MSG);
    memset(key, 'k', PROTO_MAX_IDEM_KEY);
    key[PROTO_MAX_IDEM_KEY] = '\0';
    assert_int_equal(encode_submit(&out, key), 0);
    assert_int_equal(msg_decode(&m, out.data, out.len), 0);
    assert_string_equal(m->u.submit.idem_key, key);
    msg_free(m);

    assert_int_equal(encode_submit(&out, NULL), 0); /* NULL is sent as "" */
    assert_int_equal(msg_decode(&m, out.data, out.len), 0);
    assert_string_equal(m->u.submit.idem_key, "");
    msg_free(m);

    /* one byte more: the encoder refuses it, and so does the decoder */
    key[PROTO_MAX_IDEM_KEY] = 'k';
    key[PROTO_MAX_IDEM_KEY + 1] = '\0';
    assert_int_equal(encode_submit(&out, key), COHORT_ETOOBIG);
    assert_int_equal(out.len, 0);
    assert_int_equal(encode_submit(&out, "k"), 0);
    uint8_t *frame = malloc(out.len + PROTO_MAX_IDEM_KEY + 2);
    assert_non_null(frame);
    /* "k" is the frame's last field: a1 6b. Make it d9 41 followed by 65 bytes. */
    size_t head = out.len - 2;
    memcpy(frame, out.data, head);
    frame[head] = 0xd9;
    frame[head + 1] = PROTO_MAX_IDEM_KEY + 1;
    memset(frame + head + 2, 'k', PROTO_MAX_IDEM_KEY + 1);
    assert_refused_because(frame, head + 2 + PROTO_MAX_IDEM_KEY + 1,
                           "field 'idem_key' is not a string of at most 64 bytes");
    free(frame);
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peek_reads_a_request_that_does_not_decode),
        cmocka_unit_test(test_peek_refuses_what_is_no_client_request),
        cmocka_unit_test(test_decoder_says_why),
        cmocka_unit_test(test_submit_without_key_decodes_with_an_empty_key),
        cmocka_unit_test(test_submit_key_round_trips_within_its_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
