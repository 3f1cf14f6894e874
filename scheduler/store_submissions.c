/* store_submissions.c — the store's keyed submissions: the ids a resent SUBMIT is answered with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort.h"
#include "store_int.h"

/* Every PRUNE_EVERY keyed submissions, look at the next PRUNE_WINDOW keys in key order
 * (after the last key looked at; back to the first at the end) and forget those past their
 * keep time. The sweep goes 16 times faster than keys are stored, so a key is forgotten soon
 * after its time, and no prune looks at many rows; no index on age is kept up for it. */
#define PRUNE_EVERY 256u
#define PRUNE_WINDOW 4096

/* ---- ids as blobs: fixed-width little-endian, the same on every machine ---- */

static void put_le(uint8_t *at, uint64_t value, unsigned width)
{
    for (unsigned i = 0; i < width; i++)
        at[i] = (uint8_t)(value >> (8 * i));
}

static uint64_t get_le(const uint8_t *at, unsigned width)
{
    uint64_t value = 0;
    for (unsigned i = 0; i < width; i++)
        value |= (uint64_t)at[i] << (8 * i);
    return value;
}

int store_submission_find(struct store *st, const char *key, uint32_t n_specs, uint64_t *first_ids,
                          uint32_t *counts)
{
    sqlite3_stmt *stmt = store_stmt(st, STMT_SUBMISSION_FIND);
    const uint8_t *ids_blob, *counts_blob;
    size_t ids_len, counts_len;
    int rc = 0;

    store_bind_text(stmt, 1, key);
    switch (sqlite3_step(stmt)) {
    case SQLITE_ROW:
        ids_blob = sqlite3_column_blob(stmt, 0);
        ids_len = (size_t)sqlite3_column_bytes(stmt, 0);
        counts_blob = sqlite3_column_blob(stmt, 1);
        counts_len = (size_t)sqlite3_column_bytes(stmt, 1);
        if (ids_len != (size_t)n_specs * 8 || counts_len != (size_t)n_specs * 4) {
            rc = COHORT_ESTATE;
            break;
        }
        for (uint32_t i = 0; i < n_specs; i++) {
            first_ids[i] = get_le(ids_blob + (size_t)i * 8, 8);
            counts[i] = (uint32_t)get_le(counts_blob + (size_t)i * 4, 4);
        }
        break;
    case SQLITE_DONE:
        rc = COHORT_ENOENT;
        break;
    default:
        rc = store_fail(st, "cannot read a submission");
    }
    sqlite3_reset(stmt);
    return rc;
}

/* Look at the next window of keys, in the open transaction: forget those stored before
 * now - STORE_SUBMISSION_KEEP_MS. A window that cannot be read is skipped (pruning can
 * wait); a failed delete fails the transaction. */
static int prune(struct store *st, int64_t now)
{
    sqlite3_stmt *window = store_stmt(st, STMT_SUBMISSION_WINDOW);
    char *swept_to = st->submissions_swept_to;
    char window_end[PROTO_MAX_IDEM_KEY + 1];
    const unsigned char *last;

    store_bind_text(window, 1, swept_to);
    sqlite3_bind_int(window, 2, PRUNE_WINDOW);
    if (sqlite3_step(window) != SQLITE_ROW || !(last = sqlite3_column_text(window, 0))) {
        sqlite3_reset(window);
        swept_to[0] = '\0'; /* past the last key (or unreadable): start over next time */
        return 0;
    }
    snprintf(window_end, sizeof window_end, "%s", (const char *)last);
    sqlite3_reset(window);
    sqlite3_stmt *stmt = store_stmt(st, STMT_SUBMISSION_PRUNE);
    store_bind_text(stmt, 1, swept_to);
    store_bind_text(stmt, 2, window_end);
    sqlite3_bind_int64(stmt, 3, now - STORE_SUBMISSION_KEEP_MS);
    int rc = store_step_write(st, stmt);
    if (rc == 0)
        memcpy(swept_to, window_end, sizeof window_end);
    return rc;
}

int store_submission_put(struct store *st, const char *key, uint32_t n, const uint64_t *first_ids,
                         const uint32_t *counts, int64_t now)
{
    uint8_t *ids_blob = malloc((size_t)n * 8 + 1), *counts_blob = malloc((size_t)n * 4 + 1);
    int rc = COHORT_ENOMEM;

    if (!ids_blob || !counts_blob)
        goto done;
    for (uint32_t i = 0; i < n; i++) {
        put_le(ids_blob + (size_t)i * 8, first_ids[i], 8);
        put_le(counts_blob + (size_t)i * 4, counts[i], 4);
    }
    if ((rc = store_begin_write(st)) < 0)
        goto done;
    sqlite3_stmt *stmt = store_stmt(st, STMT_SUBMISSION_PUT);
    store_bind_text(stmt, 1, key);
    sqlite3_bind_blob64(stmt, 2, ids_blob, (uint64_t)n * 8, SQLITE_STATIC);
    sqlite3_bind_blob64(stmt, 3, counts_blob, (uint64_t)n * 4, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 4, now);
    if ((rc = store_step_write(st, stmt)) < 0)
        goto done;
    if (++st->submissions_unpruned >= PRUNE_EVERY) {
        st->submissions_unpruned = 0;
        rc = prune(st, now);
    }
done:
    free(ids_blob);
    free(counts_blob);
    return rc;
}
