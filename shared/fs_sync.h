/* fs_sync.h — fsync a file or the directory that holds it, by path. */
#ifndef COHORT_FS_SYNC_H
#define COHORT_FS_SYNC_H

/* fsync the file at path. Returns 0, or -1 with errno. */
int fs_sync_file(const char *path);

/* fsync the directory holding path, so that a rename or a new name in it survives a crash.
 * Returns 0, or -1 with errno. */
int fs_sync_parent(const char *path);

#endif
