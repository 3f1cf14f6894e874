/* store_backup.c — a consistent copy of the database, made some pages at a time between turns. */
#include "store_backup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cohort.h"
#include "fs_sync.h"
#include "store_int.h"

struct store_backup {
    sqlite3 *copy;      /* the connection writing tmp_path */
    sqlite3_backup *op; /* SQLite's copy from the store's connection */
    int page_size;      /* bytes per page of the store's database */
    char *path;         /* where the finished copy goes */
    char *tmp_path;     /* where it is written until then */
};

/* Free b, removing the unfinished copy. */
static void backup_free(struct store_backup *b)
{
    if (b->op)
        sqlite3_backup_finish(b->op);
    if (b->copy)
        sqlite3_close(b->copy);
    if (b->tmp_path)
        unlink(b->tmp_path);
    free(b->path);
    free(b->tmp_path);
    free(b);
}

int store_backup_begin(struct store_backup **out, struct store *st, const char *path, char *err,
                       size_t err_len)
{
    struct store_backup *b = calloc(1, sizeof(*b));
    size_t len = strlen(path) + sizeof ".tmp";

    *out = NULL;
    if (!b || !(b->path = strdup(path)) || !(b->tmp_path = malloc(len))) {
        snprintf(err, err_len, "out of memory");
        if (b)
            backup_free(b);
        return COHORT_ENOMEM;
    }
    snprintf(b->tmp_path, len, "%s.tmp", path);
    if (store_pragma_int(st, "PRAGMA page_size", &b->page_size, "cannot read the page size") < 0) {
        snprintf(err, err_len, "%s", store_last_error(st));
        backup_free(b);
        return COHORT_EIO;
    }
    unlink(b->tmp_path); /* a copy a crash left unfinished */
    /* the copy needs no journal: it is renamed into place only once complete and synced */
    if (sqlite3_open_v2(b->tmp_path, &b->copy,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK ||
        sqlite3_exec(b->copy, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF", NULL, NULL,
                     NULL) != SQLITE_OK ||
        !(b->op = sqlite3_backup_init(b->copy, "main", st->db, "main"))) {
        snprintf(err, err_len, "cannot create %s: %s", b->tmp_path,
                 b->copy ? sqlite3_errmsg(b->copy) : "out of memory");
        backup_free(b);
        return COHORT_EIO;
    }
    *out = b;
    return 0;
}

int store_backup_step(struct store_backup *b, int64_t bytes, char *err, size_t err_len)
{
    int64_t pages = bytes < 0 ? -1 : bytes / b->page_size;
    int rc = sqlite3_backup_step(b->op, pages == 0 ? 1 : (int)pages);

    if (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return 0; /* more to copy, or the store is writing: go on at the next call */
    if (rc != SQLITE_DONE) {
        snprintf(err, err_len, "cannot write %s: %s", b->tmp_path, sqlite3_errstr(rc));
        return COHORT_EIO;
    }
    rc = sqlite3_backup_finish(b->op);
    b->op = NULL;
    if (rc != SQLITE_OK || (rc = sqlite3_close(b->copy)) != SQLITE_OK) {
        snprintf(err, err_len, "cannot write %s: %s", b->tmp_path, sqlite3_errstr(rc));
        return COHORT_EIO;
    }
    b->copy = NULL;
    return 1;
}

int store_backup_settle(struct store_backup *b, uint64_t *bytes, char *err, size_t err_len)
{
    struct stat st;

    if (stat(b->tmp_path, &st) < 0 || fs_sync_file(b->tmp_path) < 0 ||
        rename(b->tmp_path, b->path) < 0 || fs_sync_parent(b->path) < 0) {
        snprintf(err, err_len, "cannot put the copy in place at %s: %s", b->path, strerror(errno));
        return COHORT_EIO;
    }
    *bytes = (uint64_t)st.st_size;
    return 0;
}

void store_backup_free(struct store_backup **b)
{
    if (!b || !*b)
        return;
    backup_free(*b);
    *b = NULL;
}
