/* mp.h — a bounded msgpack reader over one frame that never allocates. */
#ifndef COHORT_MP_H
#define COHORT_MP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A cursor over msgpack bytes. Every read checks the type and that the bytes it needs are
 * there; a failed read returns COHORT_EPROTO and leaves the cursor where it was. Counts of
 * arrays and maps are checked against the bytes that remain (every element needs at least
 * one byte), so a count that passes can be used to size an allocation.
 */
struct mp_reader {
    const uint8_t *pos; /* next byte to read */
    const uint8_t *end; /* one past the last byte */
};

/* Start reading len bytes at data (borrowed; must outlive the reader). */
void mp_reader_init(struct mp_reader *r, const void *data, size_t len);

/* Bytes not read yet. */
size_t mp_remaining(const struct mp_reader *r);

/* Whether the next object is nil (false at the end of the data). Reads nothing. */
bool mp_next_is_nil(const struct mp_reader *r);

/* Read nil / a boolean. */
int mp_read_nil(struct mp_reader *r);
int mp_read_bool(struct mp_reader *r, bool *value);

/* Read an integer in any msgpack encoding; fails unless its value is in [0, max] /
 * [min, max]. */
int mp_read_uint(struct mp_reader *r, uint64_t *value, uint64_t max);
int mp_read_int(struct mp_reader *r, int64_t *value, int64_t min, int64_t max);

/* Read a str of at most max bytes that holds no NUL byte. *data points into the frame and is
 * not NUL-terminated. */
int mp_read_str(struct mp_reader *r, const char **data, uint32_t *len, uint32_t max);

/* Read a bin of at most max bytes. *data points into the frame. */
int mp_read_bin(struct mp_reader *r, const uint8_t **data, uint32_t *len, uint32_t max);

/* Read an array header announcing at most max elements (and no more than the bytes that
 * remain). The elements follow. */
int mp_read_array(struct mp_reader *r, uint32_t *count, uint32_t max);

/* Read a map header announcing at most max key/value pairs (and no more than the bytes that
 * remain allow). The keys and values follow, alternating. */
int mp_read_map(struct mp_reader *r, uint32_t *count, uint32_t max);

/* Skip `count` whole objects of any type, however deeply nested (without recursion). On
 * failure the cursor is left where it was. */
int mp_skip(struct mp_reader *r, uint64_t count);

#endif
