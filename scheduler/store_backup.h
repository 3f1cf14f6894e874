/* store_backup.h — a consistent copy of the database, made some pages at a time between turns. */
#ifndef COHORT_SCHED_STORE_BACKUP_H
#define COHORT_SCHED_STORE_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct store_backup;

/* Start copying the store's database to path (written as path.tmp until complete; a stale
 * path.tmp is replaced). Returns 0 with *out set, or COHORT_ENOMEM / COHORT_EIO with err
 * saying why. The store must outlive the copy. */
int store_backup_begin(struct store_backup **out, struct store *st, const char *path, char *err,
                       size_t err_len);

/* Copy about `bytes` more of the database (its pages that fit in them, at least one; -1:
 * all that remain). Call it only while the store has no
 * transaction open; writes the store commits meanwhile reach the copy too. Returns 0 while
 * pages remain, 1 once the copy is complete (store_backup_settle comes next), or COHORT_EIO
 * with err saying why (the copy is then of no use: free it). */
int store_backup_step(struct store_backup *b, int64_t bytes, char *err, size_t err_len);

/* Sync the complete copy and rename it to its path, its directory synced too: slow, and
 * touching nothing but the copy's files, so it may run on another thread. Returns 0 with
 * *bytes = the copy's size, or COHORT_EIO with err saying why. */
int store_backup_settle(struct store_backup *b, uint64_t *bytes, char *err, size_t err_len);

/* Free *b and set it to NULL, removing an unfinished copy. NULL or *b NULL is a no-op. */
void store_backup_free(struct store_backup **b);

#endif
