/* codec_encode.c — msg_encode: a message to one msgpack frame with msgpack-c's packer. */
#include <assert.h>
#include <msgpack.h>
#include <string.h>

#include "proto.h"
#include "proto_shapes.h"

/*
 * The encoder walks the same shapes as the decoder, and refuses what the decoder would
 * refuse: a value outside its field's range or a failed check across fields (COHORT_EINVAL),
 * a string, bin or list past its cap (COHORT_ETOOBIG).
 */

struct encoder {
    msgpack_packer packer;
    struct buf *out;
    int write_error; /* first failure appending to out: COHORT_ETOOBIG or COHORT_ENOMEM */
};

static int encode_field(struct encoder *e, const uint8_t *base, const struct field *f);

/* msgpack_packer_write: append to the buffer; after a failure, write nothing more. */
static int append_to_buf(void *data, const char *bytes, size_t len)
{
    struct encoder *e = data;
    int rc;

    if (e->write_error)
        return -1;
    if ((rc = buf_append(e->out, bytes, len)) < 0) {
        e->write_error = rc;
        return -1;
    }
    return 0;
}

static uint64_t load_uint(const void *at, unsigned width)
{
    switch (width) {
    case 1:
        return *(const uint8_t *)at;
    case 2:
        return *(const uint16_t *)at;
    case 4:
        return *(const uint32_t *)at;
    default:
        return *(const uint64_t *)at;
    }
}

static int64_t load_int(const void *at, unsigned width)
{
    switch (width) {
    case 1:
        return *(const int8_t *)at;
    case 2:
        return *(const int16_t *)at;
    case 4:
        return *(const int32_t *)at;
    default:
        return *(const int64_t *)at;
    }
}

/* NULL is sent as ""; a string longer than cap bytes is refused. */
static int encode_str(struct encoder *e, const char *s, uint64_t cap)
{
    size_t len = s ? strlen(s) : 0;

    if (len > cap)
        return COHORT_ETOOBIG;
    msgpack_pack_str(&e->packer, len);
    msgpack_pack_str_body(&e->packer, s, len);
    return e->write_error;
}

static int encode_bin(struct encoder *e, const uint8_t *base, const struct field *f)
{
    const uint8_t *data = *(const uint8_t *const *)(base + f->offset);
    uint32_t len = *(const uint32_t *)(base + f->count_offset);

    assert(data || len == 0);
    if (len > f->max)
        return COHORT_ETOOBIG;
    msgpack_pack_bin(&e->packer, len);
    msgpack_pack_bin_body(&e->packer, data, len);
    return e->write_error;
}

/* The shape's fields in wire order, after checking them together. */
static int encode_fields(struct encoder *e, const uint8_t *base, const struct shape *shape)
{
    int rc;

    if (shape->valid && !shape->valid(base))
        return COHORT_EINVAL;
    for (uint32_t i = 0; i < shape->n_fields; i++)
        if ((rc = encode_field(e, base, &shape->fields[i])) < 0)
            return rc;
    return 0;
}

static int encode_struct(struct encoder *e, const uint8_t *base, const struct shape *shape)
{
    msgpack_pack_array(&e->packer, shape->n_fields);
    return e->write_error ? e->write_error : encode_fields(e, base, shape);
}

static int encode_element(struct encoder *e, const uint8_t *at, const struct shape *shape)
{
    if (shape->bare)
        return encode_field(e, at, &shape->fields[0]);
    if (shape->flat)
        return encode_fields(e, at, shape);
    return encode_struct(e, at, shape);
}

/* Bytes of n strings together (NULL counts as ""). */
static uint64_t strings_bytes(const char *const *strings, uint32_t n)
{
    uint64_t total = 0;

    for (uint32_t i = 0; i < n; i++)
        total += strings[i] ? strlen(strings[i]) : 0;
    return total;
}

/* A list as a msgpack array, or a map of flat pairs. */
static int encode_list(struct encoder *e, const uint8_t *base, const struct field *f)
{
    const uint8_t *elements = *(const uint8_t *const *)(base + f->offset);
    uint32_t count = *(const uint32_t *)(base + f->count_offset);
    int rc;

    assert(elements || count == 0);
    if (count > f->max)
        return COHORT_ETOOBIG;
    if (count < f->min)
        return COHORT_EINVAL;
    if (f->max_bytes && strings_bytes((const char *const *)elements, count) > f->max_bytes)
        return COHORT_ETOOBIG;
    if (f->kind == FIELD_MAP)
        msgpack_pack_map(&e->packer, count);
    else
        msgpack_pack_array(&e->packer, count);
    for (uint32_t i = 0; i < count && !e->write_error; i++)
        if ((rc = encode_element(e, elements + (size_t)i * f->shape->size, f->shape)) < 0)
            return rc;
    return e->write_error;
}

static int encode_u64_array(struct encoder *e, const uint8_t *base, const struct field *f)
{
    const uint64_t *values = (const uint64_t *)(base + f->offset);

    msgpack_pack_array(&e->packer, (size_t)f->max);
    for (uint32_t i = 0; i < f->max; i++)
        msgpack_pack_uint64(&e->packer, values[i]);
    return e->write_error;
}

static int encode_id_ranges(struct encoder *e, const uint8_t *base, const struct field *f)
{
    const uint64_t *first_ids = *(const uint64_t *const *)(base + f->offset);
    const uint32_t *counts = *(const uint32_t *const *)(base + f->offset2);
    uint32_t n = *(const uint32_t *)(base + f->count_offset);

    assert((first_ids && counts) || n == 0);
    if (n > f->max)
        return COHORT_ETOOBIG;
    msgpack_pack_array(&e->packer, n);
    for (uint32_t i = 0; i < n && !e->write_error; i++) {
        msgpack_pack_array(&e->packer, 2);
        msgpack_pack_uint64(&e->packer, first_ids[i]);
        msgpack_pack_uint32(&e->packer, counts[i]);
    }
    return e->write_error;
}

/* A failed reply, or one to DRAIN or RESUME, has a nil body. */
static int encode_reply_body(struct encoder *e, const struct msg_reply *reply)
{
    const struct field *body = reply_body_field(reply->request);

    if (reply->status < 0 || !body) {
        msgpack_pack_nil(&e->packer);
        return e->write_error;
    }
    return encode_field(e, (const uint8_t *)reply, body);
}

static int encode_field(struct encoder *e, const uint8_t *base, const struct field *f)
{
    uint64_t uint_value;
    int64_t int_value;

    switch (f->kind) {
    case FIELD_UINT:
        uint_value = load_uint(base + f->offset, f->width);
        if (uint_value < (uint64_t)f->min || uint_value > f->max)
            return COHORT_EINVAL;
        msgpack_pack_uint64(&e->packer, uint_value);
        return e->write_error;
    case FIELD_INT:
        int_value = load_int(base + f->offset, f->width);
        if (int_value < f->min || int_value > (int64_t)f->max)
            return COHORT_EINVAL;
        msgpack_pack_int64(&e->packer, int_value);
        return e->write_error;
    case FIELD_BOOL:
        if (*(const bool *)(base + f->offset))
            msgpack_pack_true(&e->packer);
        else
            msgpack_pack_false(&e->packer);
        return e->write_error;
    case FIELD_STR:
        return encode_str(e, *(const char *const *)(base + f->offset),
                          f->max ? f->max : PROTO_MAX_STR);
    case FIELD_BIN:
        return encode_bin(e, base, f);
    case FIELD_LIST:
    case FIELD_MAP:
        return encode_list(e, base, f);
    case FIELD_STRUCT:
        return encode_struct(e, base + f->offset, f->shape);
    case FIELD_U64_ARRAY:
        return encode_u64_array(e, base, f);
    case FIELD_ID_RANGES:
        return encode_id_ranges(e, base, f);
    case FIELD_REPLY_BODY:
        return encode_reply_body(e, (const struct msg_reply *)base);
    }
    return COHORT_EINTERNAL;
}

int msg_encode(struct buf *out, const struct msg *m)
{
    const struct shape *shape = msg_shape(m->type);
    size_t old_len = out->len;
    struct encoder e = {.out = out, .write_error = 0};
    int rc = COHORT_EINVAL;

    if (!shape)
        goto done;
    msgpack_packer_init(&e.packer, &e, append_to_buf);
    msgpack_pack_array(&e.packer, 2 + shape->n_fields);
    msgpack_pack_uint64(&e.packer, PROTO_VERSION);
    msgpack_pack_uint64(&e.packer, m->type);
    if ((rc = e.write_error) == 0)
        rc = encode_fields(&e, (const uint8_t *)&m->u, shape);
done:
    if (rc < 0)
        out->len = old_len;
    return rc;
}
