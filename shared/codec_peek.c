/* codec_peek.c — msg_peek_request: the type and req_id of a client request that may not decode. */
#include "mp.h"
#include "proto.h"

int msg_peek_request(const void *frame, size_t len, uint8_t *type, uint64_t *req_id)
{
    struct mp_reader in;
    uint32_t n_wire;
    uint64_t version, peeked_type, peeked_id;

    if (!frame || len == 0 || len > PROTO_MAX_MSG)
        return COHORT_EPROTO;
    mp_reader_init(&in, frame, len);
    /* [version, type, req_id, ...]: every client request starts with its req_id */
    if (mp_read_array(&in, &n_wire, UINT32_MAX) < 0 || n_wire < 3 ||
        mp_read_uint(&in, &version, UINT64_MAX) < 0 || version != PROTO_VERSION ||
        mp_read_uint(&in, &peeked_type, MSG_BACKUP) < 0 || peeked_type < MSG_SUBMIT ||
        mp_read_uint(&in, &peeked_id, UINT64_MAX) < 0)
        return COHORT_EPROTO;
    *type = (uint8_t)peeked_type;
    *req_id = peeked_id;
    return 0;
}
