/* launch_cache.c — recent account and PATH lookups, reused by jobs started shortly after. */
#include "launch_cache.h"

#include <string.h>

static bool fresh(int64_t looked_up_at, int64_t now)
{
    return looked_up_at && now - looked_up_at < LAUNCH_CACHE_TTL_MS;
}

/* Copy value into out (out_len bytes); returns false when it does not fit. */
static bool copy_key(char *out, size_t out_len, const char *value)
{
    size_t len = strlen(value);

    if (len >= out_len)
        return false;
    memcpy(out, value, len + 1);
    return true;
}

/* Whether every entry of the colon-separated search_path is an absolute directory. */
static bool absolute_entries_only(const char *search_path)
{
    for (const char *entry = search_path;; entry++) {
        if (*entry != '/')
            return false;
        if (!(entry = strchr(entry, ':')))
            return true;
    }
}

bool launch_cache_get_account(struct job_account *out, const struct launch_cache *cache,
                              const char *owner, int64_t now)
{
    for (size_t i = 0; i < LAUNCH_CACHE_ENTRIES; i++) {
        const struct cached_account *entry = &cache->accounts[i];
        if (fresh(entry->looked_up_at, now) && strcmp(entry->owner, owner) == 0) {
            *out = entry->account;
            return true;
        }
    }
    return false;
}

void launch_cache_put_account(struct launch_cache *cache, const char *owner,
                              const struct job_account *account, int64_t now)
{
    struct cached_account *slot = &cache->accounts[0];

    for (size_t i = 0; i < LAUNCH_CACHE_ENTRIES; i++) {
        struct cached_account *entry = &cache->accounts[i];
        if (entry->looked_up_at && strcmp(entry->owner, owner) == 0) {
            slot = entry;
            break;
        }
        if (entry->looked_up_at < slot->looked_up_at)
            slot = entry;
    }
    if (!copy_key(slot->owner, sizeof slot->owner, owner)) {
        slot->looked_up_at = 0;
        return;
    }
    slot->account = *account;
    slot->looked_up_at = now;
}

/* The entry for (command, search_path), fresh or not, or NULL. */
static struct cached_command *command_find(const struct launch_cache *cache, const char *command,
                                           const char *search_path)
{
    for (size_t i = 0; i < LAUNCH_CACHE_ENTRIES; i++) {
        const struct cached_command *entry = &cache->commands[i];
        if (entry->looked_up_at && strcmp(entry->command, command) == 0 &&
            strcmp(entry->search_path, search_path) == 0)
            return (struct cached_command *)entry;
    }
    return NULL;
}

bool launch_cache_get_command(char out[PATH_MAX], const struct launch_cache *cache,
                              const char *command, const char *search_path, int64_t now)
{
    const struct cached_command *entry = command_find(cache, command, search_path);

    if (!entry || !fresh(entry->looked_up_at, now))
        return false;
    memcpy(out, entry->resolved, PATH_MAX);
    return true;
}

void launch_cache_put_command(struct launch_cache *cache, const char *command,
                              const char *search_path, const char *resolved, int64_t now)
{
    struct cached_command *slot = command_find(cache, command, search_path);

    if (!absolute_entries_only(search_path))
        return;
    if (!slot) {
        slot = &cache->commands[0];
        for (size_t i = 1; i < LAUNCH_CACHE_ENTRIES; i++)
            if (cache->commands[i].looked_up_at < slot->looked_up_at)
                slot = &cache->commands[i];
    }
    slot->looked_up_at = 0;
    if (copy_key(slot->command, sizeof slot->command, command) &&
        copy_key(slot->search_path, sizeof slot->search_path, search_path) &&
        copy_key(slot->resolved, sizeof slot->resolved, resolved))
        slot->looked_up_at = now;
}

void launch_cache_drop_command(struct launch_cache *cache, const char *command,
                               const char *search_path)
{
    struct cached_command *entry = command_find(cache, command, search_path);

    if (entry)
        entry->looked_up_at = 0;
}
