/* mp.c — a bounded msgpack reader over one frame that never allocates. */
#include "mp.h"

#include <string.h>

#include "cohort.h"

enum mp_kind {
    MP_NIL,
    MP_BOOL,
    MP_UINT,
    MP_NEGINT,
    MP_FLOAT,
    MP_STR,
    MP_BIN,
    MP_ARRAY,
    MP_MAP,
    MP_EXT
};

/* What one object header says. */
struct mp_head {
    enum mp_kind kind;
    uint64_t uint_value;  /* MP_UINT, and MP_BOOL as 0 or 1 */
    int64_t negative;     /* MP_NEGINT: always < 0 */
    uint64_t length;      /* payload bytes of STR, BIN, FLOAT, EXT; elements of ARRAY, MAP */
    const uint8_t *after; /* first byte after the header */
};

void mp_reader_init(struct mp_reader *r, const void *data, size_t len)
{
    r->pos = data;
    r->end = r->pos + len;
}

size_t mp_remaining(const struct mp_reader *r)
{
    return (size_t)(r->end - r->pos);
}

static uint64_t load_big_endian(const uint8_t *p, unsigned width)
{
    uint64_t value = 0;
    for (unsigned i = 0; i < width; i++)
        value = value << 8 | p[i];
    return value;
}

/* Classify the type byte b: its kind, and how many big-endian bytes follow it holding a
 * length or a value (0 when the type byte holds it). Returns COHORT_EPROTO for 0xc1. */
static int classify(uint8_t b, struct mp_head *h, unsigned *width)
{
    *width = 0;
    if (b <= 0x7f) {
        h->kind = MP_UINT;
        h->uint_value = b;
    } else if (b <= 0x8f) {
        h->kind = MP_MAP;
        h->length = b & 0x0f;
    } else if (b <= 0x9f) {
        h->kind = MP_ARRAY;
        h->length = b & 0x0f;
    } else if (b <= 0xbf) {
        h->kind = MP_STR;
        h->length = b & 0x1f;
    } else if (b >= 0xe0) {
        h->kind = MP_NEGINT;
        h->negative = (int8_t)b;
    } else if (b == 0xc0) {
        h->kind = MP_NIL;
    } else if (b == 0xc2 || b == 0xc3) {
        h->kind = MP_BOOL;
        h->uint_value = b == 0xc3;
    } else if (b >= 0xc4 && b <= 0xc6) {
        h->kind = MP_BIN;
        *width = 1u << (b - 0xc4);
    } else if (b >= 0xc7 && b <= 0xc9) {
        h->kind = MP_EXT;
        *width = 1u << (b - 0xc7);
    } else if (b == 0xca || b == 0xcb) {
        h->kind = MP_FLOAT;
        h->length = b == 0xca ? 4 : 8;
    } else if (b >= 0xcc && b <= 0xcf) {
        h->kind = MP_UINT;
        *width = 1u << (b - 0xcc);
    } else if (b >= 0xd0 && b <= 0xd3) {
        h->kind = MP_NEGINT; /* until the value says otherwise */
        *width = 1u << (b - 0xd0);
    } else if (b >= 0xd4 && b <= 0xd8) {
        h->kind = MP_EXT;
        h->length = (1u << (b - 0xd4)) + 1; /* the ext type byte, then the data */
    } else if (b >= 0xd9 && b <= 0xdb) {
        h->kind = MP_STR;
        *width = 1u << (b - 0xd9);
    } else if (b == 0xdc || b == 0xdd) {
        h->kind = MP_ARRAY;
        *width = b == 0xdc ? 2 : 4;
    } else if (b == 0xde || b == 0xdf) {
        h->kind = MP_MAP;
        *width = b == 0xde ? 2 : 4;
    } else {
        return COHORT_EPROTO; /* 0xc1: never used */
    }
    return 0;
}

/* Store the number that followed the type byte according to the kind. */
static void apply_number(struct mp_head *h, uint64_t number, unsigned width)
{
    switch (h->kind) {
    case MP_UINT:
        h->uint_value = number;
        break;
    case MP_NEGINT: {
        /* sign-extend a width-byte two's complement value */
        uint64_t sign_bit = (uint64_t)1 << (8 * width - 1);
        if (!(number & sign_bit)) {
            h->kind = MP_UINT;
            h->uint_value = number;
        } else {
            h->negative = width == 8 ? (int64_t)number : (int64_t)number - (int64_t)(sign_bit << 1);
        }
        break;
    }
    case MP_EXT:
        h->length = number + 1; /* the ext type byte, then the data */
        break;
    default:
        h->length = number;
        break;
    }
}

/* Read the header at r->pos without moving r, checking that whatever it announces fits in
 * the bytes that remain. */
static int read_head(const struct mp_reader *r, struct mp_head *h)
{
    const uint8_t *p = r->pos;
    unsigned width;

    memset(h, 0, sizeof(*h));
    if (p >= r->end || classify(*p, h, &width) < 0)
        return COHORT_EPROTO;
    p++;
    if ((size_t)(r->end - p) < width)
        return COHORT_EPROTO;
    if (width) {
        apply_number(h, load_big_endian(p, width), width);
        p += width;
    }
    h->after = p;

    uint64_t remaining = (uint64_t)(r->end - p);
    switch (h->kind) {
    case MP_STR:
    case MP_BIN:
    case MP_FLOAT:
    case MP_EXT:
    case MP_ARRAY:
        return h->length <= remaining ? 0 : COHORT_EPROTO;
    case MP_MAP:
        return h->length <= remaining / 2 ? 0 : COHORT_EPROTO;
    default:
        return 0;
    }
}

/* Read a header of the given kind and move past it. */
static int read_kind(struct mp_reader *r, enum mp_kind kind, struct mp_head *h)
{
    if (read_head(r, h) < 0 || h->kind != kind)
        return COHORT_EPROTO;
    r->pos = h->after;
    return 0;
}

bool mp_next_is_nil(const struct mp_reader *r)
{
    return r->pos < r->end && *r->pos == 0xc0;
}

int mp_read_nil(struct mp_reader *r)
{
    struct mp_head h;
    return read_kind(r, MP_NIL, &h);
}

int mp_read_bool(struct mp_reader *r, bool *value)
{
    struct mp_head h;
    if (read_kind(r, MP_BOOL, &h) < 0)
        return COHORT_EPROTO;
    *value = h.uint_value;
    return 0;
}

int mp_read_uint(struct mp_reader *r, uint64_t *value, uint64_t max)
{
    struct mp_head h;
    if (read_head(r, &h) < 0 || h.kind != MP_UINT || h.uint_value > max)
        return COHORT_EPROTO;
    r->pos = h.after;
    *value = h.uint_value;
    return 0;
}

int mp_read_int(struct mp_reader *r, int64_t *value, int64_t min, int64_t max)
{
    struct mp_head h;
    int64_t v;

    if (read_head(r, &h) < 0)
        return COHORT_EPROTO;
    if (h.kind == MP_UINT && h.uint_value <= INT64_MAX)
        v = (int64_t)h.uint_value;
    else if (h.kind == MP_NEGINT)
        v = h.negative;
    else
        return COHORT_EPROTO;
    if (v < min || v > max)
        return COHORT_EPROTO;
    r->pos = h.after;
    *value = v;
    return 0;
}

int mp_read_str(struct mp_reader *r, const char **data, uint32_t *len, uint32_t max)
{
    struct mp_head h;
    if (read_head(r, &h) < 0 || h.kind != MP_STR || h.length > max || memchr(h.after, 0, h.length))
        return COHORT_EPROTO;
    r->pos = h.after + h.length;
    *data = (const char *)h.after;
    *len = (uint32_t)h.length;
    return 0;
}

int mp_read_bin(struct mp_reader *r, const uint8_t **data, uint32_t *len, uint32_t max)
{
    struct mp_head h;
    if (read_head(r, &h) < 0 || h.kind != MP_BIN || h.length > max)
        return COHORT_EPROTO;
    r->pos = h.after + h.length;
    *data = h.after;
    *len = (uint32_t)h.length;
    return 0;
}

int mp_read_array(struct mp_reader *r, uint32_t *count, uint32_t max)
{
    struct mp_head h;
    if (read_head(r, &h) < 0 || h.kind != MP_ARRAY || h.length > max)
        return COHORT_EPROTO;
    r->pos = h.after;
    *count = (uint32_t)h.length;
    return 0;
}

int mp_read_map(struct mp_reader *r, uint32_t *count, uint32_t max)
{
    struct mp_head h;
    if (read_head(r, &h) < 0 || h.kind != MP_MAP || h.length > max)
        return COHORT_EPROTO;
    r->pos = h.after;
    *count = (uint32_t)h.length;
    return 0;
}

int mp_skip(struct mp_reader *r, uint64_t count)
{
    struct mp_reader at = *r;
    struct mp_head h;
    uint64_t pending = count; /* objects still to skip, containers' elements included */

    /* Every object takes at least one byte, so the loop ends within the frame's length. */
    while (pending > 0) {
        if (pending > mp_remaining(&at) || read_head(&at, &h) < 0)
            return COHORT_EPROTO;
        pending--;
        at.pos = h.after;
        if (h.kind == MP_ARRAY)
            pending += h.length;
        else if (h.kind == MP_MAP)
            pending += 2 * h.length;
        else if (h.kind == MP_STR || h.kind == MP_BIN || h.kind == MP_FLOAT || h.kind == MP_EXT)
            at.pos += h.length;
    }
    *r = at;
    return 0;
}
