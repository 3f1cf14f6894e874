/* allowlist_file.h — the allow-list file: change detection, read, atomic replace, lock. */
#ifndef COHORT_SCHED_ALLOWLIST_FILE_H
#define COHORT_SCHED_ALLOWLIST_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What tells one version of the file from another without reading it. */
struct allowlist_sig {
    dev_t dev;
    ino_t ino;
    off_t size;
    int64_t mtime_ns;
    int64_t ctime_ns; /* also changes on rename and chown: a reused inode of equal size and
                         mtime (coarse clock) still counts as a change */
    mode_t mode; /* permission bits: a chmod matters too */
};

/* Whether two signatures describe the same file (device, inode, size, mtime, mode). */
bool allowlist_sig_equal(const struct allowlist_sig *a, const struct allowlist_sig *b);

/* stat path into *sig. Returns 0, COHORT_ENOENT when it does not exist, or COHORT_EIO with
 * one sentence in err. */
int allowlist_file_stat(const char *path, struct allowlist_sig *sig, char *err, size_t err_len);

/* Read the regular file at path (at most ALLOWLIST_FILE_MAX bytes) into *text (malloc'd,
 * NUL-terminated, the caller frees it); *len (may be NULL) gets its length and *sig what
 * fstat says of the file read. Returns 0, COHORT_ENOENT when it does not exist (*text NULL),
 * or COHORT_EIO / COHORT_ETOOBIG / COHORT_ENOMEM with one sentence in err. */
int allowlist_file_read(const char *path, char **text, size_t *len, struct allowlist_sig *sig,
                        char *err, size_t err_len);

/* Replace path with len bytes of text: a temporary file beside it (mode 0600), fsync,
 * rename, fsync of the directory. Returns 0, or COHORT_EIO with one sentence in err and path
 * unchanged. */
int allowlist_file_replace(const char *path, const char *text, size_t len, char *err,
                           size_t err_len);

/* Take an exclusive flock on lock_path (created 0600), waiting at most a few seconds for
 * another editor. Returns the fd to close when done, or COHORT_EIO with one sentence in err. */
int allowlist_file_lock(const char *lock_path, char *err, size_t err_len);

#endif
