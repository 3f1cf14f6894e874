/* statedir.h — the scheduler's state directory: creation, its lock, small files in it. */
#ifndef COHORT_SCHED_STATEDIR_H
#define COHORT_SCHED_STATEDIR_H

#include <stddef.h>

/* The default state dir: /var/lib/cohort for root, else $XDG_STATE_HOME/cohort or
 * ~/.local/state/cohort. Returns a malloc'd path, or NULL when there is none (no HOME) or
 * no memory. */
char *statedir_default(void);

/* Create dir and its missing parents (new ones with mode 0700). Returns 0, or
 * COHORT_EIO with a sentence in err. */
int statedir_make(const char *dir, char *err, size_t err_len);

/* Lock dir for this process (DIR/lock, held until the returned fd is closed or the process
 * exits), so that two schedulers never share a database. Returns the fd, or COHORT_EIO
 * with a sentence in err (another scheduler holds it, or the file cannot be opened). */
int statedir_lock(const char *dir, char *err, size_t err_len);

/* Replace DIR/name with content (a temporary file, then a rename, so a reader never sees
 * half of it). Returns 0, or COHORT_EIO with a sentence in err. */
int statedir_write(const char *dir, const char *name, const char *content, char *err,
                   size_t err_len);

/* When root writes into a state dir that belongs to another account (the scheduler's own,
 * as under systemd), give the file open as fd, which will be path, to that account too, so
 * the scheduler can still read it. Does nothing for other callers. Returns 0, or COHORT_EIO
 * with a sentence in err. */
int statedir_share_owner(int fd, const char *path, char *err, size_t err_len);

/* Remove DIR/name if it exists. */
void statedir_remove(const char *dir, const char *name);

#endif
