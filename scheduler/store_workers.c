/* store_workers.c — the store's worker rows: what of a worker survives a restart. */
#include <stdlib.h>
#include <string.h>

#include "cohort.h"
#include "store_int.h"

/* Labels are stored as "KEY=VALUE" entries, each followed by a NUL. Returns a malloc'd
 * blob (never NULL on success) or NULL when out of memory. */
static char *pack_labels(const struct label *labels, uint32_t n, size_t *len)
{
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        total += strlen(labels[i].key) + 1 + strlen(labels[i].value) + 1;
    char *blob = malloc(total ? total : 1);
    if (!blob)
        return NULL;
    char *next = blob;
    for (uint32_t i = 0; i < n; i++)
        next = stpcpy(stpcpy(stpcpy(next, labels[i].key), "="), labels[i].value) + 1;
    *len = total;
    return blob;
}

int store_worker_save(struct store *st, const struct worker_row *row)
{
    size_t labels_len = 0;
    char *labels = pack_labels(row->labels, row->n_labels, &labels_len);
    int rc = COHORT_ENOMEM;

    if (!labels || (rc = store_begin_write(st)) < 0)
        goto done;
    sqlite3_stmt *stmt = store_stmt(st, STMT_WORKER_SAVE);
    store_bind_text(stmt, 1, row->name);
    sqlite3_bind_int(stmt, 2, row->draining ? COHORT_WORKER_DRAINING : COHORT_WORKER_UP);
    sqlite3_bind_int64(stmt, 3, row->cpus);
    sqlite3_bind_int64(stmt, 4, (int64_t)row->mem);
    sqlite3_bind_blob64(stmt, 5, labels, labels_len, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 6, row->last_seen);
    rc = store_step_write(st, stmt);
done:
    free(labels);
    return rc;
}

int store_worker_set_draining(struct store *st, const char *name, bool draining)
{
    int rc = store_begin_write(st);
    if (rc < 0)
        return rc;
    sqlite3_stmt *stmt = store_stmt(st, STMT_WORKER_DRAINING);
    store_bind_text(stmt, 1, name);
    sqlite3_bind_int(stmt, 2, draining ? COHORT_WORKER_DRAINING : COHORT_WORKER_UP);
    return store_step_write(st, stmt);
}

int store_worker_set_last_seen(struct store *st, const char *name, int64_t last_seen)
{
    int rc = store_begin_write(st);
    if (rc < 0)
        return rc;
    sqlite3_stmt *stmt = store_stmt(st, STMT_WORKER_LAST_SEEN);
    store_bind_text(stmt, 1, name);
    sqlite3_bind_int64(stmt, 2, last_seen);
    return store_step_write(st, stmt);
}

/* Split a labels blob (a writable copy) into labels[]; returns how many. */
static uint32_t unpack_labels(struct label *labels, uint32_t max, char *blob, size_t len)
{
    uint32_t n = 0;
    for (char *entry = blob; entry < blob + len && n < max; entry += strlen(entry) + 1) {
        char *equals = strchr(entry, '=');
        if (!equals)
            continue;
        *equals = '\0';
        labels[n++] = (struct label){entry, equals + 1};
    }
    return n;
}

int store_load_workers(struct store *st, int (*on_worker)(void *arg, const struct worker_row *row),
                       void *arg)
{
    sqlite3_stmt *stmt = store_stmt(st, STMT_LOAD_WORKERS);
    struct label labels[PROTO_MAX_LABELS];
    int step, rc = 0;

    while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        size_t len = (size_t)sqlite3_column_bytes(stmt, 4);
        char *blob = malloc(len + 1);
        if (!blob) {
            rc = COHORT_ENOMEM;
            break;
        }
        if (len)
            memcpy(blob, sqlite3_column_blob(stmt, 4), len);
        blob[len] = '\0';
        struct worker_row row = {
            .name = (const char *)sqlite3_column_text(stmt, 0),
            .draining = sqlite3_column_int(stmt, 1) == COHORT_WORKER_DRAINING,
            .cpus = (uint32_t)sqlite3_column_int64(stmt, 2),
            .mem = (uint64_t)sqlite3_column_int64(stmt, 3),
            .labels = labels,
            .n_labels = unpack_labels(labels, PROTO_MAX_LABELS, blob, len),
            .last_seen = sqlite3_column_int64(stmt, 5),
        };
        rc = on_worker(arg, &row);
        free(blob);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = store_fail(st, "cannot load workers");
    sqlite3_reset(stmt);
    return rc;
}
