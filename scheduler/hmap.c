/* hmap.c — an open-addressing hash table from 64-bit keys to pointers, with a size cap. */
#include "hmap.h"

#include <stdlib.h>

#include "cohort.h"

#define HMAP_MIN_SLOTS 16

/* Spread the key's bits so that sequential ids do not cluster in the table. */
static size_t home_slot(const struct hmap *m, uint64_t key)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return (size_t)key & m->mask;
}

void hmap_init(struct hmap *m, size_t max)
{
    m->slots = NULL;
    m->mask = 0;
    m->count = 0;
    m->max = max;
}

void hmap_free(struct hmap *m)
{
    if (!m)
        return;
    free(m->slots);
    m->slots = NULL;
    m->mask = 0;
    m->count = 0;
}

static size_t find_slot(const struct hmap *m, uint64_t key, hmap_match_fn match, const void *arg)
{
    for (size_t i = home_slot(m, key);; i = (i + 1) & m->mask) {
        const struct hmap_slot *slot = &m->slots[i];
        if (!slot->value)
            return SIZE_MAX;
        if (slot->key == key && (!match || match(slot->value, arg)))
            return i;
    }
}

void *hmap_get(const struct hmap *m, uint64_t key, hmap_match_fn match, const void *arg)
{
    if (!m->slots)
        return NULL;
    size_t i = find_slot(m, key, match, arg);
    return i == SIZE_MAX ? NULL : m->slots[i].value;
}

static void insert_slot(struct hmap *m, uint64_t key, void *value)
{
    size_t i = home_slot(m, key);
    while (m->slots[i].value)
        i = (i + 1) & m->mask;
    m->slots[i].key = key;
    m->slots[i].value = value;
    m->count++;
}

/* Rebuild the table with n_slots slots. On failure the table is unchanged. */
static int resize(struct hmap *m, size_t n_slots)
{
    struct hmap old = *m;
    struct hmap_slot *slots = calloc(n_slots, sizeof(*slots));
    if (!slots)
        return COHORT_ENOMEM;
    m->slots = slots;
    m->mask = n_slots - 1;
    m->count = 0;
    for (size_t i = 0; old.slots && i <= old.mask; i++)
        if (old.slots[i].value)
            insert_slot(m, old.slots[i].key, old.slots[i].value);
    free(old.slots);
    return 0;
}

int hmap_put(struct hmap *m, uint64_t key, void *value)
{
    if (m->count >= m->max)
        return COHORT_ETOOBIG;
    /* keep the load at or under one half so probe runs stay short */
    if (!m->slots || (m->count + 1) * 2 > m->mask + 1) {
        size_t n_slots = m->slots ? (m->mask + 1) * 2 : HMAP_MIN_SLOTS;
        int rc = resize(m, n_slots);
        if (rc < 0)
            return rc;
    }
    insert_slot(m, key, value);
    return 0;
}

void *hmap_remove(struct hmap *m, uint64_t key, hmap_match_fn match, const void *arg)
{
    if (!m->slots)
        return NULL;
    size_t hole = find_slot(m, key, match, arg);
    if (hole == SIZE_MAX)
        return NULL;
    void *value = m->slots[hole].value;
    m->slots[hole].value = NULL;
    m->count--;
    /* backward-shift deletion: pull later entries of the probe run into the hole */
    for (size_t i = (hole + 1) & m->mask; m->slots[i].value; i = (i + 1) & m->mask) {
        size_t home = home_slot(m, m->slots[i].key);
        bool hole_between = ((i - home) & m->mask) >= ((i - hole) & m->mask);
        if (hole_between) {
            m->slots[hole] = m->slots[i];
            m->slots[i].value = NULL;
            hole = i;
        }
    }
    return value;
}

void *hmap_next(const struct hmap *m, size_t *pos)
{
    while (m->slots && *pos <= m->mask) {
        void *value = m->slots[(*pos)++].value;
        if (value)
            return value;
    }
    return NULL;
}

uint64_t hmap_hash_bytes(const void *data, size_t n)
{
    const uint8_t *bytes = data;
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        hash ^= bytes[i];
        hash *= 0x100000001b3ULL;
    }
    return hash;
}
