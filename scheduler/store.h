/* store.h — the scheduler's SQLite database: schema, group commit, and every query. */
#ifndef COHORT_SCHED_STORE_H
#define COHORT_SCHED_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/*
 * Writes open a transaction on the first write and leave it open; store_commit ends it
 * (once per loop turn). When any write fails (BEGIN included) the transaction is
 * poisoned: every later write of the turn fails at once, and store_commit rolls everything
 * back and reports COHORT_EIO, so a turn is stored whole or not at all. Reads see the open
 * transaction's writes. Failures are logged by kind (full, I/O, other, checkpoint), at most
 * one line per kind every 10 s, and the first good commit after them says so.
 */
struct store;

#define STORE_SCHEMA_VERSION 4

/* One job as stored. Strings and arrays of info point into storage (owned). */
struct job_record {
    struct job_info info;      /* attempt_list filled by store_job_attempts only */
    const uint8_t *stdin_data; /* only when loaded with stdin; else NULL */
    uint32_t stdin_len;
    void *storage;
    void *attempt_storage;
};

/* Jobs for a list reply: jobs[i]'s strings point into storage[i] (owned). */
struct job_list {
    uint32_t n, cap;
    struct job_info *jobs;
    void **storage;
};

/* The few fields of a job that decisions need. */
struct job_brief {
    uint8_t state; /* cohort_job_state_t */
    int32_t priority;
    uint32_t cpus;
    uint64_t mem;
    uint32_t attempts;
    uint32_t retries; /* as submitted */
    uint32_t time_limit;
    uint32_t losses; /* attempts lost to worker failures, each of which cost a retry */
    char user[256];  /* who owns it; "" when the name is longer than 255 bytes */
};

/* How a job or one attempt of it ended. */
struct run_end {
    uint8_t state;
    int32_t exit_code;
    int32_t signal;
    const char *reason;
    int64_t started_at, finished_at;
    uint64_t cpu_time_ms;
};

/* A worker as stored: what survives a restart. */
struct worker_row {
    const char *name;
    bool draining;
    uint32_t cpus;
    uint64_t mem;
    uint32_t n_labels;
    const struct label *labels;
    int64_t last_seen;
};

/* ---- opening ---- */

/* Open (creating if needed) the database at path, check it (PRAGMA quick_check: a damaged
 * one is refused, err saying so and what to do) and bring its schema to
 * STORE_SCHEMA_VERSION. On failure *out is NULL, a sentence is written into err and
 * COHORT_EIO (or COHORT_ENOMEM) is returned. */
int store_open(struct store **out, const char *path, char *err, size_t err_len);

/* Set how hard commits are pushed to disk: NORMAL (the default; in WAL mode a commit
 * survives a crash of the process, and a power loss may undo the last ones) or FULL (the
 * WAL is synced at every commit, so a commit also survives a power loss). Returns 0 or
 * COHORT_EIO. */
int store_set_sync(struct store *st, bool full);

/* Roll back any open transaction and close the database. NULL is a no-op. */
void store_close(struct store *st);

/* The last SQLite error, as a sentence (borrowed; valid until the next call). */
const char *store_last_error(const struct store *st);

/* ---- transactions ---- */

/* Commit the open transaction, if any. Returns 0, or COHORT_EIO when a write of the
 * transaction failed or the commit itself did: everything since the last commit is then
 * rolled back. */
int store_commit(struct store *st);

/* Copy the WAL back into the database file when commits made it CHECKPOINT_FRAMES long
 * (a passive checkpoint: it syncs both files). For after the answers of a turn are sent;
 * a failure is logged, and the WAL grows until a later checkpoint succeeds. */
void store_checkpoint_if_due(struct store *st);

/* Make the open transaction fail at store_commit (opening one if needed), for when memory
 * and the writes made so far no longer agree; why becomes the last error. */
void store_poison(struct store *st, const char *why);

/* Why the last failed turn was not stored, in a few words for clients ("database or disk
 * is full"); borrowed, valid until the next write. */
const char *store_fault(const struct store *st);

/* Whether writes wait for store_commit (a turn that failed to begin counts: its commit
 * reports the failure). */
bool store_in_transaction(const struct store *st);

/* ---- jobs: writes (each returns 0 or COHORT_EIO, and poisons the transaction on error) ---- */

/* Insert the jobs of one spec (count of them: 1, or the array size), with consecutive ids
 * from *first_id, in state pending. The spec (command, environment, stdin) is stored once
 * for all of them. */
int store_jobs_insert(struct store *st, uint64_t *first_id, const struct job_spec *spec,
                      uint64_t count, int64_t now);

/* The job goes to worker as attempt (its attempt count becomes attempt): state running.
 * The running attempt is the job row's until it ends: attempts rows are written when an
 * attempt ends (store_attempt_end), or when its job is cancelled while it runs
 * (store_attempt_running), so that a dispatch and an end cost one write each. */
int store_job_dispatch(struct store *st, uint64_t job_id, uint32_t attempt, const char *worker,
                       int64_t now);

/* Give the running attempt of a job that leaves the running state before the attempt ends
 * (a cancel) its own row in state running, which store_load_running finds. */
int store_attempt_running(struct store *st, uint64_t job_id, uint32_t attempt, const char *worker,
                          int64_t started_at);

/* The worker started the attempt at started_at (the job row, and the attempt's row if it
 * has one). */
int store_job_started(struct store *st, uint64_t job_id, uint32_t attempt, int64_t started_at);

/* Record the end of the job (state, codes, reason, times, cpu time). */
int store_job_end(struct store *st, uint64_t job_id, const struct run_end *end);

/* Record the end of one attempt on worker (its row, written whole; a started_at of 0 takes
 * the job row's). */
int store_attempt_end(struct store *st, uint64_t job_id, uint32_t attempt, const char *worker,
                      const struct run_end *end);

/* Put a job whose attempt was lost back to pending (or to failed when its retries are
 * spent, with finished_at = now), with reason; charged says the loss costs a retry (its
 * losses count rises), which a loss that is not the job's fault does not. */
int store_job_requeue(struct store *st, uint64_t job_id, uint8_t state, const char *reason,
                      bool charged, int64_t now);

/* Mark a job cancelled now with reason. */
int store_job_cancel(struct store *st, uint64_t job_id, const char *reason, int64_t now);

/* Store captured output of a job (stream: cohort_stream_t). Nothing is stored for an empty,
 * untruncated stream. */
int store_output_put(struct store *st, uint64_t job_id, uint8_t stream, const uint8_t *data,
                     uint32_t len, bool truncated);

/* ---- jobs: reads ---- */

/* Load one job (with its stdin when with_stdin). Returns 0, COHORT_ENOENT, COHORT_EIO or
 * COHORT_ENOMEM; on failure *out is zeroed. Free with job_record_free. */
int store_job_get(struct store *st, uint64_t job_id, bool with_stdin, struct job_record *out);

/* Fill out->info.attempt_list with the job's attempts, oldest first. */
int store_job_attempts(struct store *st, struct job_record *rec);

/* Free what a job_record holds; the record may be zeroed or half-filled. */
void job_record_free(struct job_record *rec);

/* Load the decision fields of a job. Returns 0, COHORT_ENOENT or COHORT_EIO. */
int store_job_brief(struct store *st, uint64_t job_id, struct job_brief *out);

/* Append jobs with a state in state_mask (bit 1 << state) and an id above after_id, in id
 * order, until list holds limit jobs. Returns 0, COHORT_EIO or COHORT_ENOMEM. */
int store_jobs_list(struct store *st, struct job_list *list, uint32_t state_mask, uint64_t after_id,
                    uint32_t limit);

/* Append one job (without stdin) to list. Returns 0, COHORT_ENOENT, COHORT_EIO or
 * COHORT_ENOMEM. */
int store_jobs_append(struct store *st, struct job_list *list, uint64_t job_id);

/* Free a list's jobs; the list may be reused. */
void job_list_free(struct job_list *list);

/* The stored output of a job: *data (malloc'd, the caller frees it; NULL when nothing was
 * stored), *len and *truncated. Returns 0, COHORT_EIO or COHORT_ENOMEM. */
int store_output_get(struct store *st, uint64_t job_id, uint8_t stream, uint8_t **data,
                     uint32_t *len, bool *truncated);

/* ---- start-up loads ---- */

/* counts[state] = number of jobs in each state. */
int store_count_states(struct store *st, uint64_t counts[COHORT_JOB_STATE_COUNT]);

/* Call on_user once for every user with pending jobs, with their number; a negative return
 * stops the walk and is returned. */
int store_count_pending_by_user(struct store *st,
                                int (*on_user)(void *arg, const char *user, uint64_t pending),
                                void *arg);

/* Call on_job for every pending job in id order; a negative return stops the walk and is
 * returned. */
int store_load_pending(struct store *st,
                       int (*on_job)(void *arg, uint64_t job_id, int32_t priority, uint32_t cpus,
                                     uint64_t mem),
                       void *arg);

/* Call on_attempt for every attempt still running (the job's current one). cancelled says
 * the job was cancelled while this attempt ran. */
int store_load_running(struct store *st,
                       int (*on_attempt)(void *arg, uint64_t job_id, uint32_t attempt,
                                         const char *worker, uint32_t cpus, uint64_t mem,
                                         bool cancelled),
                       void *arg);

/* ---- workers ---- */

/* Insert or update a worker's row; an existing row keeps its draining flag. */
int store_worker_save(struct store *st, const struct worker_row *row);

/* Persist a worker's draining flag. */
int store_worker_set_draining(struct store *st, const char *name, bool draining);

/* Persist when a worker was last heard from. */
int store_worker_set_last_seen(struct store *st, const char *name, int64_t last_seen);

/* Call on_worker for each stored worker (row fields are borrowed for the call). */
int store_load_workers(struct store *st, int (*on_worker)(void *arg, const struct worker_row *row),
                       void *arg);

/* ---- keyed submissions: what makes a resent SUBMIT harmless (store_submissions.c) ---- */

/* A key is kept at least this long after its submission; older ones may be forgotten. */
#define STORE_SUBMISSION_KEEP_MS (24 * 3600 * 1000LL)

/* The ids the submission stored under key got. Returns 0 with first_ids[0..n_specs) and
 * counts[0..n_specs) filled; COHORT_ENOENT when the key is not stored; COHORT_ESTATE when it
 * was stored for a submission of another number of specs; COHORT_EIO or COHORT_ENOMEM. On
 * failure the outputs are unchanged. Sees the open transaction's writes. */
int store_submission_find(struct store *st, const char *key, uint32_t n_specs, uint64_t *first_ids,
                          uint32_t *counts);

/* Store under key the ids of a submission of n specs (first_ids, counts: n entries each), in
 * the open transaction, so that they are committed with its jobs or not at all; now is the
 * wall clock in ms. Every so often it also forgets a bounded number of keys older than
 * STORE_SUBMISSION_KEEP_MS. Returns 0, COHORT_EIO (the transaction is poisoned) or
 * COHORT_ENOMEM. */
int store_submission_put(struct store *st, const char *key, uint32_t n, const uint64_t *first_ids,
                         const uint32_t *counts, int64_t now);

#endif
