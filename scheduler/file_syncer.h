/* file_syncer.h — a thread that syncs one file when asked, so that a later sync is short. */
#ifndef COHORT_SCHED_FILE_SYNCER_H
#define COHORT_SCHED_FILE_SYNCER_H

#include <stdbool.h>
#include <stdint.h>

/* On this kind of machine a sync costs about a millisecond per MiB written since the last
 * one, even when the kernel has already written the pages: the disk's own cache is flushed.
 * A file synced now and then in the background leaves its owner's next sync with only what
 * was written since. */
struct file_syncer;

/* Open path again (read-only) and start a thread that syncs it when asked. Returns NULL
 * when the file cannot be opened or the thread cannot start: there are no background
 * syncs then, and nothing else changes. */
struct file_syncer *file_syncer_start(const char *path);

/* Ask for a sync (fdatasync) of the file. It starts at once when the thread is idle;
 * otherwise one more follows the running one. Never waits for the disk. */
void file_syncer_request(struct file_syncer *s);

/* Syncs the thread has finished, whatever their result (SQLite's own sync reports a write
 * error: Linux tells every descriptor of the file about it). */
uint64_t file_syncer_done(struct file_syncer *s);

/* Wait for the running sync, stop the thread, close the file and free *s (NULL: nothing). */
void file_syncer_stop(struct file_syncer **s);

#endif
