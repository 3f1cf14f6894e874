/* proto_shapes.h — the wire layout of every protocol struct, shared by encoder and decoder. */
#ifndef COHORT_PROTO_SHAPES_H
#define COHORT_PROTO_SHAPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Each struct of proto.h is described once, as a shape: the list of its fields in wire order,
 * where each lives in the C struct, and the bounds a decoded value must respect. The codec
 * walks these descriptions both ways, so what the encoder writes is exactly what the
 * decoder reads.
 */

enum field_kind {
    FIELD_UINT,      /* unsigned integer of `width` bytes, in [min, max] */
    FIELD_INT,       /* signed integer of `width` bytes, in [min, max] */
    FIELD_BOOL,      /* bool */
    FIELD_STR,       /* const char *, at most max bytes (PROTO_MAX_STR when max is 0) */
    FIELD_BIN,       /* const uint8_t * with a uint32_t length at count_offset; <= max bytes */
    FIELD_LIST,      /* msgpack array of shape->size elements: pointer at offset, uint32_t
                        count at count_offset, min..max elements */
    FIELD_MAP,       /* the same as a msgpack map; shape is a flat pair (struct label) */
    FIELD_STRUCT,    /* a struct held inline at offset, as a nested msgpack array */
    FIELD_U64_ARRAY, /* uint64_t[max] held inline, as an array of at least max entries */
    FIELD_ID_RANGES, /* [[first_id, count]...]: uint64_t * at offset, uint32_t * at offset2,
                        uint32_t count at count_offset, at most max pairs */
    FIELD_REPLY_BODY /* the body of a struct msg_reply, chosen by its request and status */
};

struct shape;

struct field {
    enum field_kind kind;
    uint8_t width;             /* FIELD_UINT, FIELD_INT: sizeof the C integer (1, 4 or 8) */
    uint16_t offset;           /* of the value, the pointer, or the inline struct */
    uint16_t count_offset;     /* of the uint32_t count of a list or length of a bin */
    uint16_t offset2;          /* FIELD_ID_RANGES: of the uint32_t * counts */
    int64_t min;               /* integers: smallest value; lists: fewest elements */
    uint64_t max;              /* integers: largest value; lists, maps, bins: most elements/bytes */
    uint64_t max_bytes;        /* FIELD_LIST of strings: most bytes in all of them; 0 = no cap */
    const struct shape *shape; /* elements of a list or map, or the inline struct */
    const char *name;          /* the C member, for the decoder's reasons ("cpus") */
};

struct shape {
    size_t size;                    /* sizeof the C struct (elements of lists are this apart) */
    const struct field *fields;     /* in wire order */
    uint32_t n_fields;              /* fields in wire order; more on the wire are skipped */
    uint32_t n_optional;            /* the last n_optional of them may be missing (older peers):
                                       strings then decode as "", the rest as 0 */
    bool bare;                      /* a list element that is one field, not an array (argv) */
    bool flat;                      /* map entries: the fields follow each other, no array */
    bool (*valid)(const void *obj); /* checks across fields; NULL when none */
    const char *invalid_why;        /* what a failed `valid` means, for the decoder's reasons */
};

/* Largest shape->size of a list element: the decoder checks elements in a scratch struct of
 * this size while it measures a message. */
#define SHAPE_MAX_ELEMENT 512

/* The shape of the fields of a message type (after version and type), or NULL when the type
 * is unknown. Types without fields have a shape with none. */
const struct shape *msg_shape(int type);

/* The field describing the body of a successful reply to `request` (relative to struct
 * msg_reply), or NULL when such a reply has no body (its wire body is nil). */
const struct field *reply_body_field(int request);

#endif
