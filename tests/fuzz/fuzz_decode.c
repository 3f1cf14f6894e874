/* fuzz_decode.c — fuzz target: the message decoders on any bytes, and round trips. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mp.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

/* The req_id of a decoded client request; false for other types. */
static bool request_id(const struct msg *m, uint64_t *req_id)
{
    switch (m->type) {
    case MSG_SUBMIT:
        *req_id = m->u.submit.req_id;
        return true;
    case MSG_JOBS:
        *req_id = m->u.jobs.req_id;
        return true;
    case MSG_SHOW:
        *req_id = m->u.show.req_id;
        return true;
    case MSG_LOGS:
        *req_id = m->u.logs.req_id;
        return true;
    case MSG_CANCEL:
        *req_id = m->u.cancel.req_id;
        return true;
    case MSG_WAIT:
        *req_id = m->u.wait.req_id;
        return true;
    case MSG_WORKERS:
        *req_id = m->u.workers.req_id;
        return true;
    case MSG_STATUS:
        *req_id = m->u.status.req_id;
        return true;
    case MSG_DRAIN:
        *req_id = m->u.drain.req_id;
        return true;
    case MSG_RESUME:
        *req_id = m->u.resume.req_id;
        return true;
    case MSG_BACKUP:
        *req_id = m->u.backup.req_id;
        return true;
    default:
        return false;
    }
}

/* Encode m into a fresh buffer: the encoder must take whatever the decoder gave. */
static void encode(struct buf *out, const struct msg *m)
{
    buf_init(out, PROTO_MAX_MSG);
    check(msg_encode(out, m) == 0 && out->len > 0);
}

/*
 * Checks, for any input: the skipper, msg_peek_request and msg_decode_v2 stay inside the bytes
 * they were given (the sanitizers watch); a refused frame leaves *out NULL, a reason in words
 * and msg_peek_request's outputs untouched. For a frame that decodes: the message owns all
 * its memory (the frame is freed before the message is read again); a client request peeks
 * as the same type and req_id; it encodes, the encoding decodes to the same type, and
 * encoding that gives the same bytes.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mp_reader reader;
    struct msg *m = NULL, *again = NULL;
    struct buf first, second;
    uint8_t peeked_type = 0xee, *frame;
    uint64_t peeked_id = 0x5eed, req_id;
    char why[160];
    int peek_rc;

    mp_reader_init(&reader, data, size);
    (void)mp_skip(&reader, 1);

    peek_rc = msg_peek_request(data, size, &peeked_type, &peeked_id);
    if (peek_rc == 0)
        check(peeked_type >= MSG_SUBMIT && peeked_type <= MSG_BACKUP);
    else
        check(peek_rc == COHORT_EPROTO && peeked_type == 0xee && peeked_id == 0x5eed);

    /* a copy that is freed after decoding, so a pointer left into it is a use after free */
    if (!(frame = malloc(size ? size : 1)))
        return 0;
    if (size)
        memcpy(frame, data, size);
    memset(why, 'x', sizeof why);
    if (msg_decode_v2(&m, frame, size, why, sizeof why) != 0) {
        free(frame);
        check(m == NULL && memchr(why, '\0', sizeof why) != NULL && why[0] != '\0');
        return 0;
    }
    free(frame);

    if (request_id(m, &req_id))
        check(peek_rc == 0 && peeked_type == m->type && peeked_id == req_id);

    encode(&first, m);
    check(msg_decode(&again, first.data, first.len) == 0 && again->type == m->type);
    encode(&second, again);
    check(second.len == first.len && memcmp(second.data, first.data, first.len) == 0);

    buf_free(&second);
    buf_free(&first);
    msg_free(again);
    msg_free(m);
    return 0;
}
