/* spool.h — the worker's spool: per-attempt dirs with stdin, output and kept results. */
#ifndef COHORT_WORKER_SPOOL_H
#define COHORT_WORKER_SPOOL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "result.h"

#define WORKER_OUTPUT_CAP (1u << 20) /* bytes of each stream sent in one JOB_RESULT */

struct spool;

/* The files an attempt runs with. Every fd is owned by the holder and closed with
 * spool_streams_close; -1 when not open. */
struct spool_streams {
    int stdin_fd;            /* the spooled stdin bytes, or /dev/null */
    bool stdin_shared;       /* stdin_fd is the spool's /dev/null: not closed with these */
    int stdout_fd;           /* SPOOL/JOB.ATTEMPT/stdout, empty */
    int stderr_fd;           /* SPOOL/JOB.ATTEMPT/stderr, empty */
    int dir_fd;              /* SPOOL/JOB.ATTEMPT itself */
    int note_fd;             /* SPOOL/JOB.ATTEMPT/process (orphans.h) when a reused dir
                              * brought it open for writing, else -1 */
    char dir[PATH_MAX];      /* SPOOL/JOB.ATTEMPT: the worker's files of the attempt */
    char work_dir[PATH_MAX]; /* SPOOL/JOB.ATTEMPT/work: the job's cwd when it names none */
};

/* Open the spool rooted at root, creating it (and missing parents) with mode 0700, and lock
 * it so that no second worker shares it. sync_results: spool_result_write fsyncs. The root must
 * belong to this process's user; a worker running as root gives it mode 0711, so that the accounts
 * its jobs run as can pass through to their work dirs (never list it). On failure *out is NULL, the
 * reason is logged and COHORT_EIO (cannot create or open, or owned by another user), COHORT_ESTATE
 * (locked by another worker), COHORT_EINVAL (path too long) or COHORT_ENOMEM is returned. */
int spool_open(struct spool **out, const char *root, bool sync_results);

/* Keep as many emptied attempt dirs for reuse as a worker of `cpus` needs
 * (spool_spares_wanted); a spool keeps SPOOL_SPARES_MIN until told. Returns 0, or
 * COHORT_ENOMEM (it keeps what it kept). */
int spool_reserve_spares(struct spool *sp, uint32_t cpus);

/* Release the lock and free *sp; sets *sp to NULL. NULL or *sp == NULL is a no-op. */
void spool_destroy(struct spool **sp);

/* The root directory given to spool_open (borrowed). */
const char *spool_root(const struct spool *sp);

/* Create the directory of (job, attempt) afresh (removing any leftover of that name, never
 * following a symbolic link), mode 0700, with the empty work dir `work` (0700) in it; write
 * the stdin bytes there when there are any, and open the three streams into *streams. The
 * directory is a spare (spool_spare.h) when there is one, else made; the work dir and every
 * stream file are created new (O_EXCL, O_NOFOLLOW) in it. On failure nothing
 * is left behind, all fds in *streams are -1, the reason is logged and COHORT_EIO or
 * COHORT_ENOMEM is returned. */
int spool_attempt_create(struct spool_streams *streams, struct spool *sp, uint64_t job_id,
                         uint32_t attempt, const uint8_t *stdin_data, uint32_t stdin_len);

/* Give the work dir of streams to the account uid:gid a job runs as, and let that account
 * pass through the attempt dir (mode 0711) to reach it; everything else there stays the
 * worker's, mode 0600. Call it before the job starts. Returns 0 or COHORT_EIO (logged). */
int spool_streams_give_work_dir(const struct spool_streams *streams, uid_t uid, gid_t gid);

/* Close whichever fds of *streams are open and mark them -1. */
void spool_streams_close(struct spool_streams *streams);

/* Store res as the result of its attempt, in its dir's result file: the one a spare dir
 * brought is written over (it names the attempt it belonged to, which spool_result_read
 * does not take for this one), else a new one. Written by one write and then cut to its
 * length, a result is read back whole, or not at all after a crash in between (a damaged
 * or foreign result is no result: the job runs again). With sync_results (spool_open) the
 * file (and the directory, for a new file) are fsynced, so the result also survives a
 * power loss; without, it survives a crash of the worker. Returns 0, or COHORT_EIO
 * (logged) when it could not be stored. */
int spool_result_write(struct spool *sp, const struct attempt_result *res);

/* Read back the result of (job, attempt) into *out. Returns 0, COHORT_ENOENT when there is
 * none (or the file holds the result of the attempt its dir served before), or
 * COHORT_EPROTO when the file is damaged; *out is undefined on failure. */
int spool_result_read(struct attempt_result *out, struct spool *sp, uint64_t job_id,
                      uint32_t attempt);

/* Append to out the JOB_RESULT message of res, with up to WORKER_OUTPUT_CAP bytes of each
 * captured stream read from the spool (the truncated flags set when a file was larger; a
 * missing file counts as empty). The output lives in memory only during this call.
 * Returns 0, COHORT_ETOOBIG, COHORT_ENOMEM or COHORT_EIO; out keeps its old length then. */
int spool_result_encode(struct buf *out, struct spool *sp, const struct attempt_result *res);

/* Delete the directory of (job, attempt) and everything in it (also files the job created
 * there, not following symbolic links), or keep it as a spare for a next attempt when the
 * job left nothing there (spool_spare.h). Call it only once the job's process was reaped.
 * Returns 0 (also when it did not exist) or
 * COHORT_EIO (logged). */
int spool_attempt_remove(struct spool *sp, uint64_t job_id, uint32_t attempt);

/* Called by spool_scan for each kept result; returns 0 to go on or a negative code to stop
 * the scan (which then returns that code). */
typedef int (*spool_result_cb)(const struct attempt_result *res, void *arg);

/* Walk the spool after a start: each attempt directory with a readable result is reported
 * to on_result; directories without one (attempts a crashed worker was running) and those
 * with a damaged result are deleted, after the process group such an attempt may still
 * run as is killed (orphans.h). Spares of an earlier run are deleted; other entries are left
 * alone. Returns 0, the code
 * on_result stopped with, or COHORT_EIO when the spool cannot be read. */
int spool_scan(struct spool *sp, spool_result_cb on_result, void *arg);

#endif
