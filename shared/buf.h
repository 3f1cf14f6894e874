/* buf.h — a growable byte buffer created with its maximum size. */
#ifndef COHORT_BUF_H
#define COHORT_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
    uint8_t *data; /* owned; NULL until the first append */
    size_t len;    /* bytes in use */
    size_t cap;    /* bytes allocated */
    size_t max;    /* never grows past this */
};

/* Start an empty buffer that will refuse to grow past max bytes. Allocates nothing. */
void buf_init(struct buf *b, size_t max);

/* Append n bytes. Returns 0, COHORT_ETOOBIG past the cap, or COHORT_ENOMEM; on failure the
 * buffer is unchanged. */
int buf_append(struct buf *b, const void *data, size_t n);

/* Forget the contents but keep the memory. */
void buf_reset(struct buf *b);

/* Release the memory; the buffer may be reused after buf_init. NULL is a no-op. */
void buf_free(struct buf *b);

#endif
