/* allowlist_edit.c — enroll and revoke keys: rewrite the allow-list file under its lock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allowlist.h"
#include "allowlist_file.h"
#include "buf.h"
#include "cohort.h"

#define NEW_FILE_HEADER                                                                            \
    "# Keys that cohort-scheduler admits, one a line: KEY ROLE NAME (ROLE: worker, user or\n"      \
    "# admin). Edit with: cohort-scheduler enroll / revoke.\n"

/* Append one entry as a line. */
static int append_entry(struct buf *out, const struct allow_entry *entry)
{
    char line[KEY_Z85_LEN + sizeof entry->role + sizeof entry->name + 4];
    int len = snprintf(line, sizeof line, "%s %s %s\n", entry->key, entry->role, entry->name);
    return buf_append(out, line, (size_t)len);
}

/*
 * The new contents of the file in out: every line of text but those listing key; the first
 * of those becomes replacement (when not NULL), and with none, replacement is appended.
 * *matched counts the lines that listed key, *first_match (may be NULL) gets the first.
 */
static int rewrite_text(struct buf *out, const char *text, size_t len, const char *key,
                        const struct allow_entry *replacement, size_t *matched,
                        struct allow_entry *first_match)
{
    struct allow_entry entry;
    char why[256];
    int rc = 0;

    *matched = 0;
    for (size_t pos = 0; pos < len && rc == 0;) {
        const char *end = memchr(text + pos, '\n', len - pos);
        size_t line_len = end ? (size_t)(end - (text + pos)) : len - pos;
        char *line = strndup(text + pos, line_len);
        if (!line)
            return COHORT_ENOMEM;
        bool listed =
            allowlist_parse_line(&entry, line, why, sizeof why) == 1 && strcmp(entry.key, key) == 0;
        free(line);
        if (!listed) {
            if ((rc = buf_append(out, text + pos, line_len)) == 0)
                rc = buf_append(out, "\n", 1);
        } else if ((*matched)++ == 0) {
            if (first_match)
                *first_match = entry;
            if (replacement)
                rc = append_entry(out, replacement);
        }
        pos += line_len + 1;
    }
    if (rc == 0 && replacement && *matched == 0)
        rc = append_entry(out, replacement);
    return rc;
}

/* Rewrite path under the lock as rewrite_text says. Returns 0 or a negative code with err. */
static int edit(const char *path, const char *lock_path, const char *key,
                const struct allow_entry *replacement, size_t *matched,
                struct allow_entry *first_match, char *err, size_t err_len)
{
    struct allowlist_sig sig;
    struct buf out;
    char *text = NULL;
    size_t len = 0;
    int lock_fd, rc;

    if ((lock_fd = allowlist_file_lock(lock_path, err, err_len)) < 0)
        return lock_fd;
    buf_init(&out, ALLOWLIST_FILE_MAX);
    rc = allowlist_file_read(path, &text, &len, &sig, err, err_len);
    if (rc == COHORT_ENOENT)
        rc = buf_append(&out, NEW_FILE_HEADER, strlen(NEW_FILE_HEADER));
    if (rc < 0)
        goto done;
    if ((rc = rewrite_text(&out, text ? text : "", len, key, replacement, matched, first_match)) <
        0) {
        snprintf(err, err_len, "%s would grow past %u bytes", path, ALLOWLIST_FILE_MAX);
        goto done;
    }
    if (!replacement && *matched == 0) {
        snprintf(err, err_len, "%s is not enrolled in %s", key, path);
        rc = COHORT_ENOENT;
        goto done;
    }
    rc = allowlist_file_replace(path, out.len ? (const char *)out.data : "", out.len, err, err_len);
done:
    free(text);
    buf_free(&out);
    close(lock_fd);
    return rc;
}

int allowlist_enroll(const char *path, const char *lock_path, const struct allow_entry *entry,
                     bool *replaced, char *err, size_t err_len)
{
    size_t matched = 0;
    char why[256];
    int rc;

    if (!key_valid(entry->key) || allowlist_check(entry->role, entry->name, why, sizeof why) < 0) {
        snprintf(err, err_len, "not a valid entry: %s",
                 key_valid(entry->key) ? why : "the key is not a Z85 public key");
        return COHORT_EINVAL;
    }
    rc = edit(path, lock_path, entry->key, entry, &matched, NULL, err, err_len);
    *replaced = rc == 0 && matched > 0;
    return rc;
}

int allowlist_revoke(const char *path, const char *lock_path, const char *key,
                     struct allow_entry *removed, char *err, size_t err_len)
{
    size_t matched = 0;

    return edit(path, lock_path, key, NULL, &matched, removed, err, err_len);
}
