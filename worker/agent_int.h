/* agent_int.h — the cohort-worker daemon object, shared by agent.c and agent_stop.c. */
#ifndef COHORT_WORKER_AGENT_INT_H
#define COHORT_WORKER_AGENT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "agent.h"
#include "buf.h"
#include "held.h"
#include "log.h"
#include "proto.h"
#include "runner.h"
#include "spool.h"
#include "staged.h"
#include "zsock.h"

#define INSTANCE_ID_BYTES 16

/* Where a clean stop is (agent_shutdown); each phase ends at stop_deadline at the latest. */
enum stop_phase {
    STOP_NONE,     /* running normally */
    STOP_DRAINING, /* no new jobs; the running ones may finish until the grace ends */
    STOP_KILLING,  /* what was left is being killed; those results are not reported */
    STOP_FLUSHING, /* waiting briefly for RESULT_ACKs of the results still held */
    STOP_DONE,     /* GOODBYE sent and on_stopped called */
};

struct agent {
    uv_loop_t *loop;
    struct agent_config cfg;                     /* borrowed strings and labels */
    char instance_id[2 * INSTANCE_ID_BYTES + 1]; /* random hex, new at every start */
    void *zmq_ctx;
    void *socket;              /* DEALER connected to cfg.scheduler; NULL while reconnecting */
    struct zsock *link;        /* socket joined to the loop */
    void *handshakes;          /* PAIR receiving the socket's handshake failures, or NULL */
    uint32_t links_opened;     /* numbers the inproc endpoints of handshakes */
    struct log_limit refusals; /* lines saying the scheduler refused the handshake */
    struct spool *spool;
    struct runner *runner;
    struct held_results held; /* finished attempts awaiting RESULT_ACK */
    struct staged staged;     /* jobs sent while the cpus were taken, not started yet */
    struct buf out;           /* encoding scratch, capped at PROTO_MAX_MSG */
    uv_timer_t tick;          /* every AGENT_TICK_MS */
    bool tick_initialised;    /* the agent is freed when tick has closed */

    bool welcomed;             /* WELCOME came since the last connect or REREGISTER */
    bool ever_welcomed;        /* some scheduler accepted this worker since it started */
    uint32_t heartbeat_ms;     /* from the last WELCOME */
    uint32_t lease_ms;         /* from the last WELCOME */
    int64_t last_heard;        /* clock_mono_ms of the last message from the scheduler */
    int64_t connected_at;      /* clock_mono_ms when the socket was last opened */
    int64_t register_sent_at;  /* clock_mono_ms of the last REGISTER sent; 0 = due */
    int64_t heartbeat_sent_at; /* clock_mono_ms of the last HEARTBEAT sent */
    bool silence_reported;     /* the current silence was logged */
    bool fenced;               /* the current silence was long enough to kill the jobs */
    int64_t drops_logged_at;   /* clock_mono_ms of the last line about dropped messages */
    uint32_t drops_unlogged;   /* messages dropped since that line */

    enum stop_phase stop_phase;
    int64_t stop_deadline; /* clock_mono_ms at which the current stop phase ends */
    agent_stopped_cb on_stopped;
    void *stopped_arg;
};

/* ---- agent.c ---- */

/* Encode and send m to the scheduler. Returns 0 or a negative code (logged; while the
 * scheduler is away sends fail and the tick retries what matters). */
int agent_send_msg(struct agent *a, const struct msg *m);

/* Send held results that are due (never sent since the last WELCOME, or unacknowledged for
 * too long), within the window of unacknowledged results. */
void agent_flush_results(struct agent *a, int64_t now);

/* Give every staged job back to the scheduler unstarted: each gets a result with reason,
 * marked fenced (when fenced) or returned, so that the job runs again at no cost. */
void agent_give_back_staged(struct agent *a, const char *reason, bool fenced);

/* ---- agent_stop.c ---- */

/* Move the stop on at clock_mono_ms now: end the grace, kill, wait for acknowledgements,
 * send GOODBYE. Returns true when the stop finished: on_stopped was called and a may be
 * gone, so the caller must not touch it again. */
bool agent_stop_advance(struct agent *a, int64_t now);

/* A WELCOME came while stopping: tell the new registration that no jobs may come. */
void agent_stop_welcomed(struct agent *a, int64_t now);

/* Whether the result of an attempt that just ended is dropped rather than reported: it was
 * killed by the stop, and GOODBYE tells the scheduler to requeue it. */
bool agent_stop_drops_results(const struct agent *a);

#endif
