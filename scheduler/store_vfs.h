/* store_vfs.h — an SQLite VFS that writes each commit's WAL frames with one write call. */
#ifndef COHORT_SCHED_STORE_VFS_H
#define COHORT_SCHED_STORE_VFS_H

#include <stdint.h>

/* The name of the VFS for sqlite3_open_v2. It is SQLite's default VFS for every file but
 * the WAL, whose writes it gathers in memory while they follow one another and writes out
 * with one call once a commit's last frame is in (and before anything reads, syncs, sizes
 * or cuts the file): SQLite writes every frame as a header and a page, two calls each. A
 * commit is thus in the file, as before, when SQLite reports it done; a failed write fails
 * the commit, as before. Each WAL is also synced in the background after every MiB written
 * (file_syncer.h), so that SQLite's own sync before a checkpoint has little left to do. */
#define STORE_VFS_NAME "cohort-wal"

/* Register the VFS (once per process; later calls do nothing), built on the VFS that is
 * SQLite's default at that moment. Returns 0, or an SQLite error code when there is no
 * default VFS to build on or registering failed. */
int store_vfs_register(void);

/* Background syncs asked for so far, over every WAL this process opened. */
uint64_t store_vfs_syncs_requested(void);

#endif
