/* runner.h — the attempts running on this worker: start, reap, time limits, kills. */
#ifndef COHORT_WORKER_RUNNER_H
#define COHORT_WORKER_RUNNER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "account.h"
#include "proto.h"
#include "result.h"
#include "spool.h"

#define RUNNER_KILL_GRACE_MS 2000 /* between SIGTERM and SIGKILL to a job's process group */

struct runner;

/* One attempt to start. Everything is borrowed for the duration of runner_start. */
struct runner_request {
    uint64_t job_id;
    uint32_t attempt;
    int64_t array_index;           /* -1 when not in an array */
    const struct job_spec *spec;   /* argv, env, cwd, name and time_limit are used */
    struct spool_streams *streams; /* the job's files; runner_start closes them in all cases */
};

/* Called once for every attempt runner_start accepted, on a later loop turn, after its main
 * process was reaped and the rest of its process group sent SIGKILL. The runner has already
 * forgotten the attempt; res is borrowed for the call. */
typedef void (*runner_done_cb)(const struct attempt_result *res, void *arg);

/* Create a runner on loop that reaps its children on SIGCHLD (the process must have no
 * other children it waits for). worker_name appears in reasons; accounts (copied) says who
 * jobs run as, NULL meaning always as the worker itself. Returns 0 or COHORT_ENOMEM /
 * COHORT_EINTERNAL; on failure *out is NULL. */
int runner_create(struct runner **out, uv_loop_t *loop, const char *worker_name,
                  const struct account_policy *accounts, runner_done_cb on_done, void *arg);

/* SIGKILL every process group still running, without reporting results, and free *r once
 * libuv closed its handles (the loop must run once more); sets *r to NULL. NULL or
 * *r == NULL is a no-op. */
void runner_destroy(struct runner **r);

/* Start an attempt. Returns 0 when the runner took it: *started_at is then the time it was
 * spawned, or 0 when it could not start (no such command, missing working directory...),
 * in which case its FAILED result comes through on_done like any other. Returns
 * COHORT_EINVAL when the runner already has this (job, attempt), or COHORT_ENOMEM; nothing
 * was started then and on_done will not be called for it. */
int runner_start(int64_t *started_at, struct runner *r, const struct runner_request *req);

/* Kill an attempt's process group: SIGTERM now, SIGKILL after RUNNER_KILL_GRACE_MS. Its
 * result will carry state and reason (copied) unless a kill or its time limit already
 * decided them. Returns 0, or COHORT_ENOENT when the runner does not have the attempt. */
int runner_kill(struct runner *r, uint64_t job_id, uint32_t attempt, uint8_t state,
                const char *reason);

/* Reap the attempts whose main process has ended and report them through on_done now, as
 * SIGCHLD would a little later (before deciding on the others, e.g. before fencing). */
void runner_reap(struct runner *r);

/* runner_kill for every attempt the runner has. */
void runner_kill_all(struct runner *r, uint8_t state, const char *reason);

/* runner_kill_all with state FAILED for a fence: the results it decides are marked fenced
 * (the job was not at fault; see fence.h). */
void runner_fence_all(struct runner *r, const char *reason);

/* Whether the runner has (job, attempt), started or about to report it could not start. */
bool runner_has(const struct runner *r, uint64_t job_id, uint32_t attempt);

/* Attempts the runner has. */
uint32_t runner_count(const struct runner *r);

/* The cpus and memory the runner's attempts asked for, together (a job's spec cpus and mem). */
void runner_held(const struct runner *r, uint32_t *cpus, uint64_t *mem);

/* Write into out (up to max) the start of each attempt still running whose start was not
 * taken yet, and count them as taken; returns how many were written. An attempt that ended
 * before its start was taken needs no JOB_STARTED: its result carries the start time. */
uint32_t runner_take_starts(struct runner *r, struct msg_job_started *out, uint32_t max);

/* Write up to max of the runner's attempts into out; returns how many were written. */
uint32_t runner_list(const struct runner *r, struct job_attempt *out, uint32_t max);

#endif
