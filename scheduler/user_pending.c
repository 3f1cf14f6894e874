/* user_pending.c — pending jobs per user: a hash map of counts, one entry per user. */
#include "user_pending.h"

#include <stdlib.h>
#include <string.h>

#include "cohort.h"
#include "hmap.h"
#include "log.h"

struct user_count {
    uint64_t pending; /* jobs of this user in state pending; >= 1 while stored */
    size_t name_len;  /* bytes of name (at most USER_PENDING_NAME_MAX) */
    char name[];      /* NUL-terminated */
};

/* A user as looked up. */
struct user_key {
    const char *name;
    size_t len;
};

struct user_pending {
    struct hmap by_name; /* struct user_count by the hash of its name; uncapped, as an entry
                            exists only while its user has a pending job */
};

static struct user_key key_of(const char *user)
{
    size_t len = user ? strnlen(user, USER_PENDING_NAME_MAX + 1) : 0;
    if (len > USER_PENDING_NAME_MAX)
        return (struct user_key){"", 0};
    return (struct user_key){user ? user : "", len};
}

static uint64_t key_hash(const struct user_key *key)
{
    return hmap_hash_bytes(key->name, key->len);
}

static bool name_matches(const void *value, const void *arg)
{
    const struct user_count *entry = value;
    const struct user_key *key = arg;
    return entry->name_len == key->len && memcmp(entry->name, key->name, key->len) == 0;
}

int user_pending_create(struct user_pending **out)
{
    struct user_pending *up = calloc(1, sizeof(*up));

    *out = NULL;
    if (!up)
        return COHORT_ENOMEM;
    hmap_init(&up->by_name, SIZE_MAX);
    *out = up;
    return 0;
}

void user_pending_clear(struct user_pending *up)
{
    struct user_count *entry;
    size_t pos = 0;

    while ((entry = hmap_next(&up->by_name, &pos)))
        free(entry);
    hmap_free(&up->by_name);
}

void user_pending_destroy(struct user_pending *up)
{
    if (!up)
        return;
    user_pending_clear(up);
    free(up);
}

uint64_t user_pending_count(const struct user_pending *up, const char *user)
{
    struct user_key key = key_of(user);
    const struct user_count *entry = hmap_get(&up->by_name, key_hash(&key), name_matches, &key);
    return entry ? entry->pending : 0;
}

int user_pending_add(struct user_pending *up, const char *user, uint64_t n)
{
    struct user_key key = key_of(user);
    uint64_t hash = key_hash(&key);
    struct user_count *entry = hmap_get(&up->by_name, hash, name_matches, &key);

    if (n == 0)
        return 0;
    if (entry) {
        entry->pending += n;
        return 0;
    }
    if (!(entry = malloc(sizeof(*entry) + key.len + 1)))
        return COHORT_ENOMEM;
    entry->pending = n;
    entry->name_len = key.len;
    memcpy(entry->name, key.name, key.len);
    entry->name[key.len] = '\0';
    if (hmap_put(&up->by_name, hash, entry) < 0) {
        free(entry);
        return COHORT_ENOMEM;
    }
    return 0;
}

void user_pending_remove(struct user_pending *up, const char *user, uint64_t n)
{
    struct user_key key = key_of(user);
    uint64_t hash = key_hash(&key);
    struct user_count *entry = hmap_get(&up->by_name, hash, name_matches, &key);
    uint64_t had = entry ? entry->pending : 0;

    if (n == 0)
        return;
    if (n > had)
        log_error("user %.*s had %llu pending jobs, not the %llu that left pending (a bug)",
                  (int)key.len, key.name, (unsigned long long)had, (unsigned long long)n);
    if (n < had) {
        entry->pending -= n;
        return;
    }
    if (entry)
        free(hmap_remove(&up->by_name, hash, name_matches, &key));
}

size_t user_pending_users(const struct user_pending *up)
{
    return up->by_name.count;
}
