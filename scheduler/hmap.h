/* hmap.h — an open-addressing hash table from 64-bit keys to pointers, with a size cap. */
#ifndef COHORT_SCHED_HMAP_H
#define COHORT_SCHED_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Keys are 64-bit numbers. When the key is the whole identity (a job id), pass match = NULL.
 * When it is only a hash (of a name), pass a match function that compares the stored value
 * with the looked-up key; several values may then share one key. Values are never NULL.
 */
struct hmap_slot {
    uint64_t key;
    void *value; /* NULL marks an empty slot */
};

struct hmap {
    struct hmap_slot *slots; /* owned; power-of-two count, or NULL while empty */
    size_t mask;             /* slot count - 1 */
    size_t count;            /* values stored */
    size_t max;              /* hmap_put refuses to store more than this */
};

/* Returns true when `value` is the one looked up with `arg`. */
typedef bool (*hmap_match_fn)(const void *value, const void *arg);

/* Start an empty table that will hold at most max values. Allocates nothing. */
void hmap_init(struct hmap *m, size_t max);

/* Release the table (not the values). NULL is a no-op; the table may be reused after
 * hmap_init. */
void hmap_free(struct hmap *m);

/* The value stored under key (for which match(value, arg) holds, when match is not NULL),
 * or NULL. */
void *hmap_get(const struct hmap *m, uint64_t key, hmap_match_fn match, const void *arg);

/* Store value (not NULL) under key. Does not look for an existing entry: the caller checks
 * first. Returns 0, COHORT_ETOOBIG when the table holds max values already, or
 * COHORT_ENOMEM; on failure the table is unchanged. */
int hmap_put(struct hmap *m, uint64_t key, void *value);

/* Remove and return the value stored under key (as for hmap_get), or NULL when none. */
void *hmap_remove(struct hmap *m, uint64_t key, hmap_match_fn match, const void *arg);

/* Visit values in no particular order: start with *pos = 0; returns NULL at the end. The
 * table must not change during the walk. */
void *hmap_next(const struct hmap *m, size_t *pos);

/* A 64-bit hash of n bytes (FNV-1a). */
uint64_t hmap_hash_bytes(const void *data, size_t n);

#endif
