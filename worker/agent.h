/* agent.h — the cohort-worker daemon: registration, heartbeats, RUN / KILL / RESULT_ACK. */
#ifndef COHORT_WORKER_AGENT_H
#define COHORT_WORKER_AGENT_H

#include <stdint.h>
#include <uv.h>

#include "proto.h"

struct account_policy;
struct curve_client_settings;

/* How the worker presents itself. Borrowed: everything must outlive the agent. */
struct agent_config {
    const char *scheduler; /* ZeroMQ endpoint of the scheduler */
    const char *name;      /* the worker's name in the pool */
    const char *spool_dir; /* created when missing */
    bool sync_results;     /* fsync each result: it survives a power loss, not only a crash */
    uint32_t cpus;
    uint64_t mem; /* bytes */
    uint32_t n_labels;
    struct label *labels; /* n_labels entries */
    uint32_t grace_ms;    /* how long a stop lets running jobs finish; 0 = kill at once */
    const struct account_policy *accounts;     /* who jobs run as; NULL: the worker itself */
    const struct curve_client_settings *curve; /* keys for the scheduler; NULL: none */
};

struct agent;

/* Called once when a shutdown has finished; the agent may then be destroyed. */
typedef void (*agent_stopped_cb)(void *arg);

/* Open the spool (resending the results kept there once welcomed, deleting what a crashed
 * worker left), connect to the scheduler and start registering, all on loop. Returns 0 or
 * a negative COHORT_E* code (COHORT_EINVAL: bad endpoint; COHORT_EIO / COHORT_ESTATE: spool
 * unusable or in use), logged; on failure *out is NULL. */
int agent_create(struct agent **out, uv_loop_t *loop, const struct agent_config *cfg);

/* Stop cleanly: tell the scheduler no new jobs may come (LEAVING), keep beating and
 * reporting while the running jobs finish for up to cfg.grace_ms, then kill what is left
 * (SIGTERM to each process group, SIGKILL after the kill grace) without reporting it, wait
 * briefly for the acknowledgement of the results still held, send GOODBYE (the scheduler
 * requeues what it still expected here) and call on_stopped from a later loop turn.
 * Results not acknowledged by then stay in the spool for the next start. A second call
 * during the grace kills the running jobs at once; later calls do nothing. */
void agent_shutdown(struct agent *a, agent_stopped_cb on_stopped, void *arg);

/* Close the connection (GOODBYE, if sent, gets a short linger), SIGKILL any job still
 * running and free *a once libuv closed its handles (the loop must run once more); sets
 * *a to NULL. NULL or *a == NULL is a no-op. */
void agent_destroy(struct agent **a);

#endif
