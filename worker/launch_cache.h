/* launch_cache.h — recent account and PATH lookups, reused by jobs started shortly after. */
#ifndef COHORT_WORKER_LAUNCH_CACHE_H
#define COHORT_WORKER_LAUNCH_CACHE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "account.h"

#define LAUNCH_CACHE_TTL_MS 1000 /* a lookup is reused for this long after it was made */
#define LAUNCH_CACHE_ENTRIES 16  /* per kind; the oldest entry makes room */
#define LAUNCH_CACHE_KEY_MAX 1024 /* a command or PATH longer than this is never cached */

/* An owner's account as account_resolve gave it. */
struct cached_account {
    int64_t looked_up_at; /* clock_mono_ms; 0 = unused */
    char owner[ACCOUNT_NAME_MAX + 1];
    struct job_account account;
};

/* Where a command was found in a PATH. */
struct cached_command {
    int64_t looked_up_at; /* clock_mono_ms; 0 = unused */
    char command[LAUNCH_CACHE_KEY_MAX];
    char search_path[LAUNCH_CACHE_KEY_MAX];
    char resolved[PATH_MAX];
};

/* Plain data; all zeros is an empty cache. */
struct launch_cache {
    struct cached_account accounts[LAUNCH_CACHE_ENTRIES];
    struct cached_command commands[LAUNCH_CACHE_ENTRIES];
};

/* Copy into *out the account owner resolved to less than LAUNCH_CACHE_TTL_MS before now
 * (clock_mono_ms). Returns whether there was one. */
bool launch_cache_get_account(struct job_account *out, const struct launch_cache *cache,
                              const char *owner, int64_t now);

/* Remember that owner resolved to account at now. An owner name too long is not kept. */
void launch_cache_put_account(struct launch_cache *cache, const char *owner,
                              const struct job_account *account, int64_t now);

/* Copy into out (PATH_MAX bytes) where command was found in search_path less than
 * LAUNCH_CACHE_TTL_MS before now. Returns whether it was. */
bool launch_cache_get_command(char out[PATH_MAX], const struct launch_cache *cache,
                              const char *command, const char *search_path, int64_t now);

/* Remember that command was found at resolved in search_path at now. Nothing is kept when
 * search_path has a relative or empty entry (the result depends on the job's cwd) or a
 * string is too long. */
void launch_cache_put_command(struct launch_cache *cache, const char *command,
                              const char *search_path, const char *resolved, int64_t now);

/* Forget where command was found in search_path (it could not be executed there). */
void launch_cache_drop_command(struct launch_cache *cache, const char *command,
                               const char *search_path);

#endif
