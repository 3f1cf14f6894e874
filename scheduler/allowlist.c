/* allowlist.c — the keys the scheduler admits: parse, load when changed, look up. */
#include "allowlist.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "allowlist_file.h"
#include "cohort.h"

struct allowlist {
    char *path;
    allowlist_bad_line_fn on_bad_line;
    void *arg;
    struct allow_entry *entries; /* sorted by key, then line */
    size_t count;
    bool exists;              /* the file was there at the last refresh */
    bool loaded;              /* sig describes the file the entries came from */
    struct allowlist_sig sig; /* the file last read */
};

static const char *const roles[] = {"worker", "user", "admin"};

int allowlist_check(const char *role, const char *name, char *why, size_t why_len)
{
    bool role_known = false;
    size_t len = strlen(name);

    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        role_known |= strcmp(role, roles[i]) == 0;
    if (!role_known) {
        snprintf(why, why_len, "role must be worker, user or admin, not '%s'", role);
        return COHORT_EINVAL;
    }
    if (strcmp(name, "*") == 0) {
        if (strcmp(role, "worker") == 0)
            return 0;
        snprintf(why, why_len, "name '*' (any name) is only for worker keys");
        return COHORT_EINVAL;
    }
    bool chars_ok = len > 0 && len <= ALLOWLIST_NAME_MAX && name[0] != '-';
    for (size_t i = 0; chars_ok && i < len; i++) {
        char c = name[i];
        chars_ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   strchr("._@+-", c) != NULL;
    }
    if (!chars_ok) {
        snprintf(why, why_len,
                 "name must be 1 to %d letters, digits or . _ @ + - (not starting with -), "
                 "not '%.64s'",
                 ALLOWLIST_NAME_MAX, name);
        return COHORT_EINVAL;
    }
    return 0;
}

static const char *skip_blanks(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r')
        p++;
    return p;
}

/* Copy the next word of *cursor (white space ends it: a Z85 key may hold '#') into word;
 * returns its length, 0 at the end of the line, or -1 when it does not fit. */
static int next_word(const char **cursor, char *word, size_t size)
{
    const char *p = skip_blanks(*cursor);
    size_t len = 0;

    while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
        if (len + 1 >= size)
            return -1;
        word[len++] = *p++;
    }
    word[len] = '\0';
    *cursor = p;
    return (int)len;
}

int allowlist_parse_line(struct allow_entry *out, const char *line, char *why, size_t why_len)
{
    char key[64], role[sizeof out->role], name[sizeof out->name];
    const char *cursor = line;
    int key_len = next_word(&cursor, key, sizeof key);

    /* a line starting with '#' is a comment, unless its first word is a key */
    if (key_len == 0 || (*skip_blanks(line) == '#' && (key_len < 0 || !key_valid(key))))
        return 0;
    if (key_len < 0 || !key_valid(key)) {
        snprintf(why, why_len, "'%.48s' is not a Z85 public key (40 characters)", line);
        return COHORT_EINVAL;
    }
    int role_len = next_word(&cursor, role, sizeof role);
    int name_len = role_len > 0 ? next_word(&cursor, name, sizeof name) : 0;
    if (role_len < 0) {
        snprintf(why, why_len, "role must be worker, user or admin");
        return COHORT_EINVAL;
    }
    if (name_len < 0) {
        snprintf(why, why_len, "name is longer than %d bytes", ALLOWLIST_NAME_MAX);
        return COHORT_EINVAL;
    }
    if (role_len == 0 || name_len == 0) {
        snprintf(why, why_len, "expected 'KEY ROLE NAME'");
        return COHORT_EINVAL;
    }
    cursor = skip_blanks(cursor);
    if (*cursor && *cursor != '#') {
        snprintf(why, why_len, "unexpected text after NAME (a comment starts with '#')");
        return COHORT_EINVAL;
    }
    if (allowlist_check(role, name, why, why_len) < 0)
        return COHORT_EINVAL;
    memset(out, 0, sizeof *out);
    memcpy(out->key, key, sizeof out->key);
    memcpy(out->role, role, sizeof out->role);
    memcpy(out->name, name, sizeof out->name);
    return 1;
}

int allowlist_create(struct allowlist **out, const char *path, allowlist_bad_line_fn on_bad_line,
                     void *arg)
{
    struct allowlist *al = calloc(1, sizeof *al);

    *out = NULL;
    if (!al || !(al->path = strdup(path))) {
        free(al);
        return COHORT_ENOMEM;
    }
    al->on_bad_line = on_bad_line;
    al->arg = arg;
    *out = al;
    return 0;
}

void allowlist_destroy(struct allowlist *al)
{
    if (!al)
        return;
    free(al->entries);
    free(al->path);
    free(al);
}

static int compare_entries(const void *a, const void *b)
{
    const struct allow_entry *x = a, *y = b;
    int by_key = strcmp(x->key, y->key);
    return by_key ? by_key : (x->line > y->line) - (x->line < y->line);
}

/* Parse text (modified in place) into a sorted array; a key listed twice keeps its first
 * line. Returns 0 or COHORT_ENOMEM. */
static int parse_text(struct allowlist *al, char *text, struct allow_entry **entries, size_t *count)
{
    size_t cap = 0, n = 0;
    struct allow_entry *list = NULL, entry;
    char why[256];
    unsigned line_no = 0;

    for (char *line = text, *next; line; line = next) {
        if ((next = strchr(line, '\n')))
            *next++ = '\0';
        line_no++;
        int rc = allowlist_parse_line(&entry, line, why, sizeof why);
        if (rc < 0 && al->on_bad_line)
            al->on_bad_line(al->arg, al->path, line_no, why);
        if (rc <= 0)
            continue;
        if (n == cap) {
            size_t new_cap = cap ? cap * 2 : 16;
            struct allow_entry *grown = realloc(list, new_cap * sizeof *list);
            if (!grown) {
                free(list);
                return COHORT_ENOMEM;
            }
            list = grown;
            cap = new_cap;
        }
        entry.line = line_no;
        list[n++] = entry;
    }
    if (n)
        qsort(list, n, sizeof *list, compare_entries);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (kept && strcmp(list[kept - 1].key, list[i].key) == 0) {
            snprintf(why, sizeof why, "key already listed on line %u", list[kept - 1].line);
            if (al->on_bad_line)
                al->on_bad_line(al->arg, al->path, list[i].line, why);
            continue;
        }
        list[kept++] = list[i];
    }
    *entries = list;
    *count = kept;
    return 0;
}

static void forget_entries(struct allowlist *al)
{
    free(al->entries);
    al->entries = NULL;
    al->count = 0;
    al->loaded = false;
}

int allowlist_refresh(struct allowlist *al, char *err, size_t err_len)
{
    struct allowlist_sig now;
    char *text = NULL;
    int rc = allowlist_file_stat(al->path, &now, err, err_len);

    if (rc == COHORT_ENOENT) {
        bool changed = al->exists || al->loaded;
        forget_entries(al);
        al->exists = false;
        return changed ? 1 : 0;
    }
    al->exists = rc == 0;
    if (rc == 0 && al->loaded && allowlist_sig_equal(&now, &al->sig))
        return 0;
    forget_entries(al);
    if (rc < 0 || (rc = allowlist_file_read(al->path, &text, NULL, &al->sig, err, err_len)) < 0)
        return rc;
    if (al->sig.mode & (S_IWGRP | S_IWOTH)) {
        snprintf(err, err_len, "%s may be written by others, so it is ignored: chmod 600 %s",
                 al->path, al->path);
        al->loaded = true; /* with no entries, until the file changes */
        rc = COHORT_EPERM;
    } else if ((rc = parse_text(al, text, &al->entries, &al->count)) < 0) {
        snprintf(err, err_len, "out of memory reading %s", al->path);
    } else {
        al->loaded = true;
        rc = 1;
    }
    free(text);
    return rc;
}

const struct allow_entry *allowlist_find(const struct allowlist *al, const char *key)
{
    size_t low = 0, high = al->count;

    while (low < high) {
        size_t mid = low + (high - low) / 2;
        int order = strcmp(key, al->entries[mid].key);
        if (order == 0)
            return &al->entries[mid];
        if (order < 0)
            high = mid;
        else
            low = mid + 1;
    }
    return NULL;
}

size_t allowlist_count(const struct allowlist *al)
{
    return al->count;
}

bool allowlist_file_exists(const struct allowlist *al)
{
    return al->exists;
}

const struct allow_entry *allowlist_entries(const struct allowlist *al)
{
    return al->entries;
}
