/* spool_spare.h — emptied attempt dirs kept for the next attempt, so a job creates fewer inodes. */
#ifndef COHORT_WORKER_SPOOL_SPARE_H
#define COHORT_WORKER_SPOOL_SPARE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#define SPOOL_SPARES_MIN 16 /* spare dirs kept at most by default; more are deleted */

/* Names inside an attempt dir. */
#define SPOOL_RESULT_FILE "result"
#define SPOOL_WORK_DIR "work" /* the job's own, its default cwd */
#define SPOOL_STDOUT_FILE "stdout"
#define SPOOL_STDERR_FILE "stderr"

/* The files a spare keeps open: its stdout, stderr and process note (orphans.h). */
enum { SPARE_STDOUT, SPARE_STDERR, SPARE_NOTE, SPARE_FILES };

/* One spare dir, SPOOL/spare.SERIAL. */
struct spool_spare {
    uint64_t serial;
    /* its files open for writing (close-on-exec): its emptied streams (blocking, as a job
     * gets them; -1 where the file was deleted) and its note (-1 when it has none); owned */
    int files[SPARE_FILES];
};

/* The spare dirs of one spool. */
struct spool_spares {
    struct spool_spare *stack; /* those on disk, the newest last; owned, max entries */
    unsigned count;            /* spares in stack */
    unsigned max;              /* spares kept at most */
    uint64_t next_serial;      /* for the next spare's name */
};

/* How many spare dirs a worker of `cpus` keeps at most: two per cpu and SPOOL_SPARES_MIN more,
 * since its jobs end and start in bursts, and fewer than in flight means a new dir and a
 * deleted one for each job beyond; but never so many that their open files (three each)
 * would take more than a quarter of the process's open-file limit. */
unsigned spool_spares_wanted(uint32_t cpus);

/* Let spares keep up to max dirs (at least the count it keeps now). Returns 0, or
 * COHORT_ENOMEM (spares unchanged). */
int spool_spares_reserve(struct spool_spares *spares, unsigned max);

/* Turn the attempt dir `name` under root_fd, whose result was acknowledged and whose job
 * was reaped, into a spare: only when it is still entirely the worker's (mode 0700, work
 * dir empty and not given to another account, no other directory in it). What the next
 * attempt would otherwise create anew is kept, so that a job costs no new inode:
 * - the empty work dir (the job ran as the worker's own account; a process of it that
 *   left its process group and still sits there is that account's too);
 * - stdout and stderr, emptied, when a write lease shows that nothing else holds them
 *   open, and kept open for the next job; otherwise they are deleted, so that such a
 *   process cannot write into the next job's output;
 * - the note of orphans.h, kept open, and the result file, to be written over (the result
 *   names its attempt, so that it is never taken for the next one's).
 * Other files (stdin) are deleted. Returns true when it was kept; false when not (nothing
 * is logged; the caller deletes what is left). */
bool spool_spare_keep(struct spool_spares *spares, int root_fd, const char *name);

/* Rename the newest spare to `name` under root_fd, never over anything of that name.
 * Returns 1 when it was taken, its open files (or -1 each) handed to the caller in files;
 * 0 when there is no spare; -1 with errno when the rename failed: EEXIST when something has
 * that name (the spare stays, for another try once that is removed), else that spare is
 * forgotten. files is all -1 unless 1 is returned. */
int spool_spare_take(struct spool_spares *spares, int root_fd, const char *name,
                     int files[SPARE_FILES]);

/* Close the files the spares hold and forget them (their dirs stay on disk, where the next
 * spool_scan deletes them), and free the stack. */
void spool_spares_release(struct spool_spares *spares);

/* Open path under dir_fd for writing (close-on-exec; non-blocking, as it may not be a plain
 * file), only when it is a plain file of one link: never through a symbolic link, never a
 * fifo or a device. Returns the fd, with *st filled, or -1 (no fd is left open). */
int spool_open_plain_file(int dir_fd, const char *path, struct stat *st);

/* The worker's effective uid, read once: it owns the spool and never changes. */
uid_t spool_uid(void);

/* Whether st (not followed) is a directory of the worker's own with mode 0700, as the
 * spool makes attempt and work dirs. */
bool spool_spare_is_private_dir(const struct stat *st);

/* Whether name is the name of a spare dir (of this or an earlier run of the worker). */
bool spool_spare_is_name(const char *name);

#endif
