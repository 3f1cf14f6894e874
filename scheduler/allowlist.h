/* allowlist.h — the keys the scheduler admits (STATE_DIR/keys): parse, look up, edit. */
#ifndef COHORT_SCHED_ALLOWLIST_H
#define COHORT_SCHED_ALLOWLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "keys.h"

/*
 * The file is text, one key a line: "Z85PUBLICKEY ROLE NAME", ROLE one of worker, user,
 * admin. NAME is the user who owns the jobs (user, admin) or the worker name the key may
 * register as ("*": any; worker only). Blank lines are ignored, and so is a line starting
 * with '#' or the rest of a line after NAME when it starts with '#' (a key itself may hold
 * '#', so a line whose first word is a key is an entry).
 */

#define ALLOWLIST_NAME_MAX 255         /* bytes of a NAME */
#define ALLOWLIST_FILE_MAX (64u << 20) /* bytes read from the file */

struct allow_entry {
    key_text key;                      /* Z85 public key */
    char role[8];                      /* "worker", "user" or "admin" */
    char name[ALLOWLIST_NAME_MAX + 1]; /* user or worker name, or "*" */
    unsigned line;                     /* where it was read (1-based); 0 when not from a file */
};

/* Told about each malformed line met while loading: FILE:LINE and why it was skipped. */
typedef void (*allowlist_bad_line_fn)(void *arg, const char *path, unsigned line, const char *why);

/* Whether role and name may form an entry. Returns 0, or COHORT_EINVAL with one sentence
 * in why (why_len bytes) naming what is wrong. */
int allowlist_check(const char *role, const char *name, char *why, size_t why_len);

/* Parse one line (no newline needed). Returns 1 with *out filled, 0 for a blank or comment
 * line, or COHORT_EINVAL with why written (out is then unspecified). */
int allowlist_parse_line(struct allow_entry *out, const char *line, char *why, size_t why_len);

/* The allow-list at one path, re-read when the file changes. */
struct allowlist;

/* Make an allow-list for path (copied) holding no key; nothing is read yet. Returns 0, or
 * COHORT_ENOMEM with *out NULL. on_bad_line (may be NULL) hears of malformed lines. */
int allowlist_create(struct allowlist **out, const char *path, allowlist_bad_line_fn on_bad_line,
                     void *arg);

/* Free it. NULL is a no-op. */
void allowlist_destroy(struct allowlist *al);

/*
 * Look at the file (one stat) and re-read it when its inode, size, mtime or mode changed since the
 * last look. A missing file means no key at all. Returns 1 when the keys were re-read (or
 * dropped because the file went away), 0 when nothing changed, or a negative COHORT_E* code
 * with one sentence in err when the file cannot be read or others may write it: the list is
 * then empty, so nobody is admitted, and the next call tries again.
 */
int allowlist_refresh(struct allowlist *al, char *err, size_t err_len);

/* The entry of key (a Z85 text), or NULL when it is not listed. Borrowed: valid until the
 * next refresh. */
const struct allow_entry *allowlist_find(const struct allowlist *al, const char *key);

/* How many keys are listed; whether the file existed at the last refresh. */
size_t allowlist_count(const struct allowlist *al);
bool allowlist_file_exists(const struct allowlist *al);

/* The entries, sorted by key (borrowed, valid until the next refresh). */
const struct allow_entry *allowlist_entries(const struct allowlist *al);

/*
 * Edits. Each takes an exclusive flock on lock_path (waiting at most a few seconds), reads
 * path, writes the new contents to a temporary file beside it (mode 0600), syncs it and
 * renames it over path, so a reader sees the old or the new file whole. Other lines
 * (comments, malformed ones) are kept as they are. Both return 0, or a negative COHORT_E*
 * code with one sentence in err, path then unchanged.
 */

/* Add entry, or replace the line(s) of its key (*replaced is then true). */
int allowlist_enroll(const char *path, const char *lock_path, const struct allow_entry *entry,
                     bool *replaced, char *err, size_t err_len);

/* Remove the line(s) of key; *removed gets the first one's entry. COHORT_ENOENT when the key
 * is not listed. */
int allowlist_revoke(const char *path, const char *lock_path, const char *key,
                     struct allow_entry *removed, char *err, size_t err_len);

#endif
