/* codec_decode.c — msg_decode: strict, bounded decoding of one frame into one allocation. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"
#include "proto.h"
#include "proto_shapes.h"

/*
 * Decoding reads the frame twice. The first pass checks everything and adds up the bytes
 * that strings and lists will need, without storing them; the second makes exactly one
 * allocation of that size and fills it. Scalars are stored in both passes (into scratch
 * structs while measuring), so checks across fields and the choice of a reply's body work
 * the same way in both. Nothing is allocated before every count and length has been checked
 * against the bytes that remain, so the allocation is bounded by a small multiple of the
 * frame's length. The first failure is also put into words (the innermost field that broke
 * a rule), for answers to malformed requests.
 */

struct decoder {
    struct mp_reader in;
    uint8_t *arena;        /* the message's allocation; NULL while measuring */
    size_t arena_size;     /* bytes in arena */
    size_t arena_used;     /* bytes handed out so far (or that would have been) */
    bool overflow;         /* the fill pass asked for more than the measure pass: a bug */
    uint64_t string_bytes; /* bytes of the strings read so far (for caps on a list's total) */
    char why[128];         /* the first failure in words; "" until one */
};

static int decode_field(struct decoder *d, uint8_t *base, const struct field *f);

static void decoder_start(struct decoder *d, const void *frame, size_t len, void *arena,
                          size_t arena_size)
{
    mp_reader_init(&d->in, frame, len);
    d->arena = arena;
    d->arena_size = arena_size;
    d->arena_used = sizeof(struct msg); /* the struct itself comes first */
    d->overflow = false;
    d->string_bytes = 0;
    d->why[0] = '\0';
}

/* Put the first failure into words (later ones are consequences of it). Returns
 * COHORT_EPROTO. */
static int refuse(struct decoder *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int refuse(struct decoder *d, const char *fmt, ...)
{
    va_list ap;

    if (!d->why[0]) {
        va_start(ap, fmt);
        vsnprintf(d->why, sizeof d->why, fmt, ap);
        va_end(ap);
    }
    return COHORT_EPROTO;
}

/* How a reason names a field: "field 'cpus'", or "a list entry" for unnamed elements. */
static const char *field_label(char *out, size_t out_len, const struct field *f)
{
    if (f->name)
        snprintf(out, out_len, "field '%s'", f->name);
    else
        snprintf(out, out_len, "a list entry");
    return out;
}

/* Hand out size bytes aligned to align (a power of two) from the arena. Returns NULL while
 * measuring (or on overflow, which is recorded); size must not be 0. */
static void *arena_take(struct decoder *d, size_t size, size_t align)
{
    size_t start = (d->arena_used + align - 1) & ~(align - 1);

    d->arena_used = start + size;
    if (!d->arena)
        return NULL;
    if (d->arena_used > d->arena_size) {
        d->overflow = true;
        return NULL;
    }
    return d->arena + start;
}

static void store_uint(void *at, unsigned width, uint64_t value)
{
    switch (width) {
    case 1:
        *(uint8_t *)at = (uint8_t)value;
        break;
    case 2:
        *(uint16_t *)at = (uint16_t)value;
        break;
    case 4:
        *(uint32_t *)at = (uint32_t)value;
        break;
    default:
        *(uint64_t *)at = value;
        break;
    }
}

static void store_int(void *at, unsigned width, int64_t value)
{
    switch (width) {
    case 1:
        *(int8_t *)at = (int8_t)value;
        break;
    case 2:
        *(int16_t *)at = (int16_t)value;
        break;
    case 4:
        *(int32_t *)at = (int32_t)value;
        break;
    default:
        *(int64_t *)at = value;
        break;
    }
}

/* Read a string of at most cap bytes and store a NUL-terminated copy's address at *at. */
static int decode_str(struct decoder *d, const char **at, uint32_t cap)
{
    const char *data;
    uint32_t len;
    char *copy;

    if (mp_read_str(&d->in, &data, &len, cap) < 0)
        return COHORT_EPROTO;
    d->string_bytes += len;
    if ((copy = arena_take(d, (size_t)len + 1, 1))) {
        memcpy(copy, data, len);
        copy[len] = '\0';
    }
    *at = copy;
    return 0;
}

/* Read a bin and store a copy (NULL when empty) and its length. */
static int decode_bin(struct decoder *d, uint8_t *base, const struct field *f)
{
    const uint8_t *data;
    uint32_t len;
    uint8_t *copy = NULL;

    if (mp_read_bin(&d->in, &data, &len, UINT32_MAX) < 0)
        return COHORT_EPROTO;
    if (len > f->max)
        return refuse(d, "field '%s' is %u bytes; the cap is %llu", f->name ? f->name : "?", len,
                      (unsigned long long)f->max);
    if (len && (copy = arena_take(d, len, 1)))
        memcpy(copy, data, len);
    *(const uint8_t **)(base + f->offset) = copy;
    *(uint32_t *)(base + f->count_offset) = len;
    return 0;
}

/* Decode the shape's fields into base from a wire list of n_wire entries, skipping those
 * past the ones the shape knows, then check the fields together. Optional fields an older
 * peer left out stay zero (base is zeroed), strings among them become "". */
static int decode_fields(struct decoder *d, uint8_t *base, const struct shape *shape,
                         uint32_t n_wire)
{
    uint32_t n_required = shape->n_fields - shape->n_optional;
    uint32_t n_present = n_wire < shape->n_fields ? n_wire : shape->n_fields;
    int rc;

    if (n_wire < n_required)
        return refuse(d, "%u fields, fewer than the %u needed", n_wire, n_required);
    for (uint32_t i = 0; i < n_present; i++)
        if ((rc = decode_field(d, base, &shape->fields[i])) < 0)
            return rc;
    for (uint32_t i = n_present; i < shape->n_fields; i++)
        if (shape->fields[i].kind == FIELD_STR)
            *(const char **)(base + shape->fields[i].offset) = "";
    if (mp_skip(&d->in, n_wire - n_present) < 0)
        return refuse(d, "the message is cut short");
    if (shape->valid && !shape->valid(base))
        return refuse(d, "%s", shape->invalid_why ? shape->invalid_why : "fields disagree");
    return 0;
}

/* Decode a struct written as a msgpack array of its fields. */
static int decode_struct(struct decoder *d, uint8_t *base, const struct shape *shape)
{
    uint32_t n_wire;

    if (mp_read_array(&d->in, &n_wire, UINT32_MAX) < 0)
        return refuse(d, "a struct is not a list of fields");
    return decode_fields(d, base, shape, n_wire);
}

static int decode_element(struct decoder *d, uint8_t *at, const struct shape *shape)
{
    if (shape->bare)
        return decode_field(d, at, &shape->fields[0]);
    if (shape->flat)
        return decode_fields(d, at, shape, shape->n_fields);
    return decode_struct(d, at, shape);
}

/* Read a list (msgpack array) or map of elements into one array from the arena. */
static int decode_list(struct decoder *d, uint8_t *base, const struct field *f)
{
    const struct shape *shape = f->shape;
    _Alignas(8) uint8_t scratch[SHAPE_MAX_ELEMENT];
    uint8_t *elements = NULL;
    uint64_t string_bytes_before = d->string_bytes;
    uint32_t count;
    int rc;

    /* any count the bytes allow is read, so that one past the cap can be told apart */
    rc = f->kind == FIELD_MAP ? mp_read_map(&d->in, &count, UINT32_MAX)
                              : mp_read_array(&d->in, &count, UINT32_MAX);
    if (rc < 0)
        return COHORT_EPROTO; /* worded by decode_field */
    if (count > f->max)
        return refuse(d, "field '%s' has %u entries; the cap is %llu", f->name ? f->name : "?",
                      count, (unsigned long long)f->max);
    if (count < f->min)
        return refuse(d, "field '%s' has %u entries; it needs at least %lld",
                      f->name ? f->name : "?", count, (long long)f->min);
    if (count)
        elements = arena_take(d, (size_t)count * shape->size, 8);
    for (uint32_t i = 0; i < count; i++) {
        uint8_t *at = elements ? elements + (size_t)i * shape->size : scratch;
        if (!elements)
            memset(scratch, 0, shape->size);
        if ((rc = decode_element(d, at, shape)) < 0)
            return rc;
    }
    if (f->max_bytes && d->string_bytes - string_bytes_before > f->max_bytes)
        return refuse(d, "field '%s' is %llu bytes; the cap is %llu", f->name ? f->name : "?",
                      (unsigned long long)(d->string_bytes - string_bytes_before),
                      (unsigned long long)f->max_bytes);
    *(void **)(base + f->offset) = elements;
    *(uint32_t *)(base + f->count_offset) = count;
    return 0;
}

/* Read an array of at least f->max uint64 into the inline array at base + f->offset. */
static int decode_u64_array(struct decoder *d, uint8_t *base, const struct field *f)
{
    uint64_t *values = (uint64_t *)(base + f->offset);
    uint32_t n_wire;

    if (mp_read_array(&d->in, &n_wire, UINT32_MAX) < 0 || n_wire < f->max)
        return COHORT_EPROTO;
    for (uint32_t i = 0; i < f->max; i++)
        if (mp_read_uint(&d->in, &values[i], UINT64_MAX) < 0)
            return COHORT_EPROTO;
    return mp_skip(&d->in, n_wire - f->max) < 0 ? COHORT_EPROTO : 0;
}

/* Read [[first_id, count]...] into two parallel arrays. */
static int decode_id_ranges(struct decoder *d, uint8_t *base, const struct field *f)
{
    uint64_t *first_ids = NULL;
    uint32_t *counts = NULL;
    uint32_t n, n_wire;

    if (mp_read_array(&d->in, &n, (uint32_t)f->max) < 0)
        return COHORT_EPROTO;
    if (n) {
        first_ids = arena_take(d, (size_t)n * sizeof(*first_ids), 8);
        counts = arena_take(d, (size_t)n * sizeof(*counts), 8);
    }
    for (uint32_t i = 0; i < n; i++) {
        uint64_t first_id, count;
        if (mp_read_array(&d->in, &n_wire, UINT32_MAX) < 0 || n_wire < 2 ||
            mp_read_uint(&d->in, &first_id, UINT64_MAX) < 0 ||
            mp_read_uint(&d->in, &count, UINT32_MAX) < 0 || mp_skip(&d->in, n_wire - 2) < 0)
            return COHORT_EPROTO;
        if (first_ids) {
            first_ids[i] = first_id;
            counts[i] = (uint32_t)count;
        }
    }
    *(uint64_t **)(base + f->offset) = first_ids;
    *(uint32_t **)(base + f->offset2) = counts;
    *(uint32_t *)(base + f->count_offset) = n;
    return 0;
}

/* A reply's body has the shape of what its request asked; failed replies carry none. */
static int decode_reply_body(struct decoder *d, struct msg_reply *reply)
{
    const struct field *body = reply_body_field(reply->request);

    if (reply->status < 0 || !body)
        return mp_skip(&d->in, 1) < 0 ? COHORT_EPROTO : 0;
    return decode_field(d, (uint8_t *)reply, body);
}

/* Decode one field; the first failure is worded by the innermost field that broke a rule. */
static int decode_field(struct decoder *d, uint8_t *base, const struct field *f)
{
    uint64_t uint_value;
    int64_t int_value;
    bool bool_value;
    char label[96];
    int rc = 0;

    switch (f->kind) {
    case FIELD_UINT:
        if (mp_read_uint(&d->in, &uint_value, f->max) < 0)
            return refuse(d, "%s is not a whole number from %lld to %llu",
                          field_label(label, sizeof label, f), (long long)f->min,
                          (unsigned long long)f->max);
        if (uint_value < (uint64_t)f->min)
            return refuse(d, "%s must be at least %lld", field_label(label, sizeof label, f),
                          (long long)f->min);
        store_uint(base + f->offset, f->width, uint_value);
        return 0;
    case FIELD_INT:
        if (mp_read_int(&d->in, &int_value, f->min, (int64_t)f->max) < 0)
            return refuse(d, "%s is not a whole number from %lld to %lld",
                          field_label(label, sizeof label, f), (long long)f->min,
                          (long long)f->max);
        store_int(base + f->offset, f->width, int_value);
        return 0;
    case FIELD_BOOL:
        if (mp_read_bool(&d->in, &bool_value) < 0)
            return refuse(d, "%s is not true or false", field_label(label, sizeof label, f));
        *(bool *)(base + f->offset) = bool_value;
        return 0;
    case FIELD_STR:
        if ((rc = decode_str(d, (const char **)(base + f->offset),
                             f->max ? (uint32_t)f->max : PROTO_MAX_STR)) < 0)
            return refuse(d, "%s is not a string of at most %llu bytes without NUL bytes",
                          field_label(label, sizeof label, f),
                          (unsigned long long)(f->max ? f->max : PROTO_MAX_STR));
        return 0;
    case FIELD_BIN:
        if ((rc = decode_bin(d, base, f)) < 0)
            return refuse(d, "%s is not a byte string of at most %llu bytes",
                          field_label(label, sizeof label, f), (unsigned long long)f->max);
        return 0;
    case FIELD_LIST:
    case FIELD_MAP:
        rc = decode_list(d, base, f);
        break;
    case FIELD_STRUCT:
        rc = decode_struct(d, base + f->offset, f->shape);
        break;
    case FIELD_U64_ARRAY:
        rc = decode_u64_array(d, base, f);
        break;
    case FIELD_ID_RANGES:
        rc = decode_id_ranges(d, base, f);
        break;
    case FIELD_REPLY_BODY:
        rc = decode_reply_body(d, (struct msg_reply *)base);
        break;
    default:
        return COHORT_EINTERNAL;
    }
    if (rc == COHORT_EPROTO && (f->kind == FIELD_LIST || f->kind == FIELD_MAP))
        refuse(d, "%s is not a list of at most %llu entries", field_label(label, sizeof label, f),
               (unsigned long long)f->max);
    else if (rc == COHORT_EPROTO)
        refuse(d, "%s is malformed", field_label(label, sizeof label, f));
    return rc;
}

/* [version, type, fields...] and nothing after it. */
static int decode_message(struct decoder *d, struct msg *m)
{
    const struct shape *shape;
    uint64_t version, type;
    uint32_t n_wire;
    int rc;

    if (mp_read_array(&d->in, &n_wire, UINT32_MAX) < 0 || n_wire < 2)
        return refuse(d, "not a list [version, type, fields...]");
    if (mp_read_uint(&d->in, &version, UINT64_MAX) < 0 || version != PROTO_VERSION)
        return refuse(d, "not protocol version %d", PROTO_VERSION);
    if (mp_read_uint(&d->in, &type, UINT8_MAX) < 0 || !(shape = msg_shape((int)type)))
        return refuse(d, "an unknown message type");
    m->type = (uint8_t)type;
    if ((rc = decode_fields(d, (uint8_t *)&m->u, shape, n_wire - 2)) < 0)
        return rc;
    if (mp_remaining(&d->in) != 0)
        return refuse(d, "%zu byte(s) after the end of the message", mp_remaining(&d->in));
    return 0;
}

int msg_decode_v2(struct msg **out, const void *frame, size_t len, char *why, size_t why_len)
{
    struct decoder d;
    struct msg measured;
    struct msg *m = NULL;
    size_t size;
    int rc = COHORT_EPROTO;

    *out = NULL;
    d.why[0] = '\0';
    if (!frame || len == 0 || len > PROTO_MAX_MSG) {
        if (len > PROTO_MAX_MSG)
            refuse(&d, "larger than the %u MiB message cap", PROTO_MAX_MSG >> 20);
        else
            refuse(&d, "an empty frame");
        goto fail;
    }
    memset(&measured, 0, sizeof(measured));
    decoder_start(&d, frame, len, NULL, 0);
    if ((rc = decode_message(&d, &measured)) < 0)
        goto fail;

    size = d.arena_used;
    rc = COHORT_ENOMEM;
    if (!(m = calloc(1, size))) {
        refuse(&d, "out of memory");
        goto fail;
    }
    decoder_start(&d, frame, len, m, size);
    rc = decode_message(&d, m);
    if (rc == 0 && (d.overflow || d.arena_used != size))
        rc = COHORT_EINTERNAL;
    if (rc < 0) {
        refuse(&d, "the decoder failed (a bug)");
        goto fail;
    }
    *out = m;
    return 0;
fail:
    if (why && why_len)
        snprintf(why, why_len, "%s", d.why[0] ? d.why : "malformed");
    free(m);
    return rc;
}

int msg_decode(struct msg **out, const void *frame, size_t len)
{
    return msg_decode_v2(out, frame, len, NULL, 0);
}

void msg_free(struct msg *m)
{
    free(m);
}
