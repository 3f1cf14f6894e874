/* scheduler.h — the cohort-scheduler daemon: create it, run its loop, destroy it. */
#ifndef COHORT_SCHED_SCHED_H
#define COHORT_SCHED_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sched;

#define SCHED_DEFAULT_MAX_SUBMIT_JOBS 1000000u /* max-submit-jobs */
#define SCHED_DEFAULT_STAGE_JOBS 4             /* stage-jobs */
#define SCHED_MAX_STAGE_JOBS 64
#define SCHED_DEFAULT_MAX_PENDING_PER_USER 1000000u /* max-pending-per-user */

struct sched_config {
    const char *listen;    /* ZeroMQ endpoint to bind; a port of "*" picks a free one */
    const char *state_dir; /* exists; holds cohort.db, endpoint, scheduler.pid */
    uint32_t heartbeat_ms; /* how often workers beat */
    uint32_t lease_ms;     /* silence after which a worker's jobs are requeued */
    uint32_t stage_jobs;   /* jobs a busy worker may be sent to start as its cpus free */
    bool sync_full;        /* commits synced to survive a power loss (PRAGMA synchronous) */
    bool insecure;         /* plaintext and no ZAP: every peer may do anything */
    uint32_t handshake_ms; /* a connection not through its handshake by then is dropped */

    uint64_t max_submit_jobs;      /* jobs one SUBMIT may create; 1..PROTO_MAX_ARRAY */
    uint64_t max_pending_per_user; /* pending jobs one user may have; >= 1 */
};

/* Open the database, load the state, bind the socket and write STATE_DIR/endpoint. The
 * config strings must outlive the scheduler. On failure *out is NULL, a sentence is in err
 * and a negative COHORT_E* code is returned. */
int sched_create(struct sched **out, const struct sched_config *config, char *err, size_t err_len);

/* Run until SIGTERM or SIGINT, then commit and close the socket. Returns 0 or a negative
 * COHORT_E* code when the loop could not run. */
int sched_run(struct sched *s);

/* Free the scheduler. NULL is a no-op. */
void sched_destroy(struct sched *s);

#endif
