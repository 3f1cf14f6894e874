/* agent.c — the cohort-worker daemon: registration, heartbeats, the message table. */
#define _GNU_SOURCE
#include "agent_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <zmq.h>

#include "clock.h"
#include "cohort.h"
#include "curve_client.h"
#include "fence.h"
#include "hex.h"
#include "job_fit.h"
#include "log.h"

#define AGENT_TICK_MS 100         /* how often heartbeats, resends and silence are checked */
#define REGISTER_RETRY_MS 1000    /* REGISTER is resent this often until WELCOME */
#define DEFAULT_HEARTBEAT_MS 1000 /* until a WELCOME says otherwise */
#define DEFAULT_LEASE_MS 30000    /* idem */
#define HEARTBEAT_MIN_MS 100      /* a WELCOME's heartbeat is clamped to this range */
#define HEARTBEAT_MAX_MS 60000
#define SILENT_HEARTBEATS 3          /* beats without word before the scheduler is suspect */
#define RECONNECT_MIN_MS 5000        /* silence after which the connection is rebuilt ... */
#define RECONNECT_HEARTBEATS 5       /* ... or this many heartbeats, whichever is longer */
#define RESULT_WINDOW 32             /* results sent and not yet acknowledged, at most */
#define RESULT_RESEND_MS 10000       /* an unacknowledged result is sent again after this */
#define DROP_LOG_INTERVAL_MS 10000   /* at most one line per interval about dropped messages */
#define SOCKET_LINGER_MS 500         /* for a GOODBYE to leave on close */
#define SOCKET_RECONNECT_MS 100      /* ZeroMQ's reconnect interval, doubling ... */
#define SOCKET_RECONNECT_MAX_MS 1000 /* ... up to this */
#define STARTS_PER_BATCH 64          /* JOB_STARTED messages taken from the runner at once */

/* ---- sending ---- */

/* Send what a->out holds. Returns 0 or zsock_send's code (logged at debug level: while the
 * scheduler is away, sends fail and are retried by the tick). */
static int send_encoded(struct agent *a, int type)
{
    int rc = a->link ? zsock_send(a->link, NULL, 0, a->out.data, a->out.len) : COHORT_ECONNECT;

    if (rc < 0)
        log_debug("cannot send %s to the scheduler now (code %d)", msg_type_name(type), rc);
    return rc;
}

int agent_send_msg(struct agent *a, const struct msg *m)
{
    int rc;

    buf_reset(&a->out);
    if ((rc = msg_encode(&a->out, m)) < 0) {
        log_error("cannot encode a %s message (code %d)", msg_type_name(m->type), rc);
        return rc;
    }
    return send_encoded(a, m->type);
}

/* Send a JOB_RESULT with the attempt's captured output, read from the spool. */
static int send_result(struct agent *a, const struct attempt_result *res)
{
    int rc;

    buf_reset(&a->out);
    if ((rc = spool_result_encode(&a->out, a->spool, res)) < 0) {
        log_error("cannot encode the result of job %" PRIu64 ".%" PRIu32 " (code %d)", res->job_id,
                  res->attempt, rc);
        return rc;
    }
    return send_encoded(a, MSG_JOB_RESULT);
}

static void send_register(struct agent *a, int64_t now)
{
    struct job_attempt *running = malloc(PROTO_MAX_RUNNING * sizeof(*running));
    uint32_t n;

    if (!running) {
        log_error("out of memory building a registration");
        return;
    }
    n = runner_list(a->runner, running, PROTO_MAX_RUNNING);
    n += held_list(&a->held, running + n, PROTO_MAX_RUNNING - n);
    uint32_t n_staged = staged_list(&a->staged, running + n, PROTO_MAX_RUNNING - n);
    struct msg m = {.type = MSG_REGISTER};
    m.u.reg = (struct msg_register){
        .name = a->cfg.name,
        .instance_id = a->instance_id,
        .cpus = a->cfg.cpus,
        .mem = a->cfg.mem,
        .n_labels = a->cfg.n_labels,
        .labels = a->cfg.labels,
        .n_running = n + n_staged,
        .running = running,
        .version = COHORT_VERSION,
        .n_staged = n_staged,
        .staged = running + n,
        .acks_in_run = true,
    };
    if (agent_send_msg(a, &m) == 0)
        a->register_sent_at = now;
    free(running);
}

static void send_heartbeat(struct agent *a, int64_t now)
{
    struct msg m = {.type = MSG_HEARTBEAT, .u.heartbeat = {runner_count(a->runner)}};

    agent_send_msg(a, &m);
    a->heartbeat_sent_at = now; /* a lost beat is not retried: the next one follows */
}

/* Held results are due when never sent since the last WELCOME, or not acknowledged within
 * RESULT_RESEND_MS; at most RESULT_WINDOW of them are unacknowledged at a time. */
void agent_flush_results(struct agent *a, int64_t now)
{
    uint32_t in_flight = 0;
    struct held_result *entry;

    if (!a->welcomed)
        return;
    for (entry = a->held.first; entry; entry = entry->next)
        in_flight += entry->sent_at && now - entry->sent_at < RESULT_RESEND_MS;
    for (entry = a->held.first; entry && in_flight < RESULT_WINDOW; entry = entry->next) {
        if (entry->sent_at && now - entry->sent_at < RESULT_RESEND_MS)
            continue;
        int rc = send_result(a, &entry->result);
        /* when the link is down or full, the tick tries again; after a local failure the
         * entry counts as sent, so that it is retried only after RESULT_RESEND_MS */
        if (rc == COHORT_ETIMEDOUT || rc == COHORT_ECONNECT)
            break;
        entry->sent_at = now;
        in_flight++;
    }
}

/* Send JOB_STARTED for the attempts that still run since they started (by the tick, so
 * that a short job sends its result only: the result carries its start time). */
static void send_starts(struct agent *a)
{
    struct msg_job_started starts[STARTS_PER_BATCH];
    uint32_t n;

    do {
        n = runner_take_starts(a->runner, starts, STARTS_PER_BATCH);
        for (uint32_t i = 0; i < n; i++) {
            struct msg m = {.type = MSG_JOB_STARTED, .u.started = starts[i]};
            agent_send_msg(a, &m);
        }
    } while (n == STARTS_PER_BATCH);
}

/* ---- the connection ---- */

static void on_message(struct zsock *zs, const uint8_t *peer, size_t peer_len, const char *user_id,
                       const uint8_t *data, size_t len, void *arg);

/* Open a DEALER to the scheduler and join it to the loop; the worker registers anew.
 * Returns 0, COHORT_EINVAL (bad endpoint) or COHORT_EINTERNAL, logged. */
static int link_open(struct agent *a)
{
    const int linger = SOCKET_LINGER_MS, reconnect = SOCKET_RECONNECT_MS,
              reconnect_max = SOCKET_RECONNECT_MAX_MS, immediate = 1;
    const int64_t max_msg = PROTO_MAX_MSG;
    const struct curve_client_settings *curve = a->cfg.curve;
    bool first_open = a->connected_at == 0;
    void *socket = zmq_socket(a->zmq_ctx, ZMQ_DEALER);
    char why[512], monitor_name[64];
    int rc = COHORT_EINTERNAL;

    a->connected_at = clock_mono_ms();
    if (!socket || zmq_setsockopt(socket, ZMQ_LINGER, &linger, sizeof linger) < 0 ||
        zmq_setsockopt(socket, ZMQ_MAXMSGSIZE, &max_msg, sizeof max_msg) < 0 ||
        zmq_setsockopt(socket, ZMQ_RECONNECT_IVL, &reconnect, sizeof reconnect) < 0 ||
        zmq_setsockopt(socket, ZMQ_RECONNECT_IVL_MAX, &reconnect_max, sizeof reconnect_max) < 0 ||
        zmq_setsockopt(socket, ZMQ_IMMEDIATE, &immediate, sizeof immediate) < 0) {
        log_error("cannot create the scheduler socket: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    /* the key files are read again at each connection, so a replaced key takes effect */
    if ((rc = curve_client_setup(socket, a->cfg.scheduler, curve ? curve->key_file : NULL,
                                 curve ? curve->server_key : NULL, curve && curve->insecure, why,
                                 sizeof why)) < 0) {
        log_error("%s", why);
        rc = COHORT_EINVAL; /* a setting that cannot work */
        goto fail;
    }
    if (first_open && curve && !curve->server_key[0] &&
        !curve_endpoint_is_loopback(a->cfg.scheduler))
        log_warn("talking plaintext to the scheduler at %s (--insecure): anyone on the network "
                 "can read the jobs and pose as this worker or the scheduler",
                 a->cfg.scheduler);
    snprintf(monitor_name, sizeof monitor_name, "inproc://cohort-worker-handshakes-%" PRIu32,
             a->links_opened++);
    if ((rc = curve_client_watch(&a->handshakes, a->zmq_ctx, socket, monitor_name)) < 0) {
        log_error("cannot watch the scheduler socket: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    if (zmq_connect(socket, a->cfg.scheduler) < 0) {
        rc = COHORT_EINVAL;
        log_error("cannot connect to scheduler endpoint '%s': %s", a->cfg.scheduler,
                  zmq_strerror(zmq_errno()));
        goto fail;
    }
    if ((rc = zsock_open(&a->link, a->loop, socket, 0, on_message, NULL, a)) < 0) {
        log_error("cannot watch the scheduler socket (code %d)", rc);
        goto fail;
    }
    a->socket = socket;
    a->welcomed = false;
    a->register_sent_at = 0;
    return 0;
fail:
    curve_client_unwatch(socket, &a->handshakes);
    if (socket)
        zmq_close(socket);
    return rc;
}

static void link_close(struct agent *a)
{
    zsock_close(&a->link);
    curve_client_unwatch(a->socket, &a->handshakes);
    if (a->socket)
        zmq_close(a->socket);
    a->socket = NULL;
    a->welcomed = false;
}

/* Kill every running job when the scheduler has been silent for so long that it may have
 * given them to other workers (see fence.h), so that two attempts of a job never overlap.
 * Jobs that ended meanwhile are reaped first, so that their real end is reported; the
 * fenced ones are reported FAILED and marked fenced: the scheduler ignores them when it
 * gave the job away, and runs the job again when it did not. Staged jobs are given back
 * the same way, unstarted. Once per silence. */
static void fence_if_due(struct agent *a, int64_t now)
{
    int64_t silent_ms = now - a->last_heard;
    char reason[96];

    if (a->fenced ||
        !fence_due(a->ever_welcomed, silent_ms, a->lease_ms, a->heartbeat_ms, RUNNER_KILL_GRACE_MS))
        return;
    a->fenced = a->silence_reported = true; /* the line below says it all; no staged start */
    runner_reap(a->runner);
    snprintf(reason, sizeof reason, "killed: no word from the scheduler for %" PRId64 " s",
             (silent_ms + 500) / 1000);
    if (a->staged.count) {
        log_warn("no word from the scheduler for %" PRId64 " ms: giving back %" PRIu32
                 " jobs that had not started",
                 silent_ms, a->staged.count);
        agent_give_back_staged(a, reason, true);
    }
    if (runner_count(a->runner) == 0)
        return;
    log_warn("no word from the scheduler for %" PRId64 " ms (lease %" PRIu32
             " ms): killing %" PRIu32 " running jobs, which it may have given to other workers",
             silent_ms, a->lease_ms, runner_count(a->runner));
    runner_fence_all(a->runner, reason);
}

/* Fence when due, log a long silence once, and rebuild the connection when the scheduler
 * stays silent, so that stale messages do not pile up in a dead connection. */
static void watch_silence(struct agent *a, int64_t now)
{
    int64_t silent_ms = now - a->last_heard;
    int64_t reconnect_after_ms = (int64_t)RECONNECT_HEARTBEATS * a->heartbeat_ms;

    fence_if_due(a, now);
    if (reconnect_after_ms < RECONNECT_MIN_MS)
        reconnect_after_ms = RECONNECT_MIN_MS;
    if (a->welcomed && !a->silence_reported &&
        silent_ms > (int64_t)SILENT_HEARTBEATS * a->heartbeat_ms) {
        log_warn("no word from the scheduler for %" PRId64 " ms", silent_ms);
        a->silence_reported = true;
    }
    if ((!a->link || silent_ms >= reconnect_after_ms) &&
        now - a->connected_at >= reconnect_after_ms) {
        log_info("reconnecting to the scheduler at %s", a->cfg.scheduler);
        link_close(a);
        link_open(a);
    }
}

/* Say when the scheduler refused the handshake (at most once per LOG_REPEAT_INTERVAL_MS): the
 * worker keeps trying, so that enrolling its key later lets it in. */
static void watch_handshakes(struct agent *a, int64_t now)
{
    bool curve = a->cfg.curve && a->cfg.curve->server_key[0];
    uint64_t count;
    char why[512];

    if (!a->handshakes ||
        curve_client_refusal(a->handshakes, a->cfg.scheduler, curve, why, sizeof why) == 0 ||
        !log_limit_due(&a->refusals, now, LOG_REPEAT_INTERVAL_MS, &count))
        return;
    log_error("%s; trying again (%" PRIu64 " refusals)", why, count);
}

/* Silence first: after the worker was frozen (SIGSTOP) its jobs are fenced before anything
 * else happens. The stop goes last, since it may free the agent. */
static void on_tick(uv_timer_t *timer)
{
    struct agent *a = timer->data;
    int64_t now = clock_mono_ms();

    watch_silence(a, now);
    watch_handshakes(a, now);
    if (!a->welcomed) {
        if (!a->register_sent_at || now - a->register_sent_at >= REGISTER_RETRY_MS)
            send_register(a, now);
    } else {
        if (now - a->heartbeat_sent_at >= a->heartbeat_ms)
            send_heartbeat(a, now);
        send_starts(a);
        agent_flush_results(a, now);
    }
    if (a->stop_phase != STOP_NONE)
        agent_stop_advance(a, now);
}

/* ---- attempts ---- */

/* Report the end of an attempt the runner never had: kept (and resent until acknowledged)
 * when keep is true and memory allows; else sent once. */
static void report_unrun(struct agent *a, const struct attempt_result *res, bool keep)
{
    if (keep && held_add(&a->held, res) == 0)
        agent_flush_results(a, clock_mono_ms());
    else
        send_result(a, res);
}

/* Report a RUN that could not even be handed to the runner as FAILED. */
static void fail_run(struct agent *a, const struct msg_run *run, const char *reason, bool keep)
{
    struct attempt_result res = {
        .job_id = run->job_id,
        .attempt = run->attempt,
        .state = COHORT_JOB_FAILED,
        .exit_code = -1,
    };

    snprintf(res.reason, sizeof res.reason, "%s", reason);
    res.started_at = res.finished_at = clock_now_ms();
    log_warn("job %" PRIu64 ".%" PRIu32 " failed: %s", run->job_id, run->attempt, reason);
    report_unrun(a, &res, keep);
}

/* End a staged job that never started, with state and reason; marked fenced, or returned
 * (given back: the job runs again at no cost), as the caller says. */
static void end_staged(struct agent *a, const struct msg_run *run, uint8_t state,
                       const char *reason, bool fenced, bool returned)
{
    struct attempt_result res = {
        .job_id = run->job_id,
        .attempt = run->attempt,
        .state = state,
        .exit_code = -1,
        .finished_at = clock_now_ms(),
        .fenced = fenced,
        .returned = returned,
    };

    snprintf(res.reason, sizeof res.reason, "%s", reason);
    log_debug("job %" PRIu64 ".%" PRIu32 " ends before it started: %s", run->job_id, run->attempt,
              reason);
    report_unrun(a, &res, true);
}

void agent_give_back_staged(struct agent *a, const char *reason, bool fenced)
{
    struct msg *m;

    while ((m = staged_pop(&a->staged))) {
        end_staged(a, &m->u.run, COHORT_JOB_FAILED, reason, fenced, !fenced);
        msg_free(m);
    }
}

/* Whether a job asking for cpus and mem fits beside those running now (job_fit.h). */
static bool fits_now(const struct agent *a, uint32_t cpus, uint64_t mem)
{
    uint32_t cpus_held;
    uint64_t mem_held;

    runner_held(a->runner, &cpus_held, &mem_held);
    return job_fits(cpus, mem, runner_count(a->runner) == 0, cpus_held, mem_held, a->cfg.cpus,
                    a->cfg.mem);
}

/* Hand a RUN to the runner, with its spool directory; a failure is reported as its result. */
static void start_run(struct agent *a, const struct msg_run *run)
{
    struct spool_streams streams;
    char reason[256];
    int64_t started_at;

    if (spool_attempt_create(&streams, a->spool, run->job_id, run->attempt, run->spec.stdin_data,
                             run->spec.stdin_len) < 0) {
        snprintf(reason, sizeof reason, "worker %s cannot write to its spool directory",
                 a->cfg.name);
        fail_run(a, run, reason, true);
        return;
    }
    struct runner_request request = {
        .job_id = run->job_id,
        .attempt = run->attempt,
        .array_index = run->array_index,
        .spec = &run->spec,
        .streams = &streams,
    };
    /* its JOB_STARTED goes at the next tick, and only if it still runs then */
    if (runner_start(&started_at, a->runner, &request) < 0) {
        spool_attempt_remove(a->spool, run->job_id, run->attempt);
        snprintf(reason, sizeof reason, "worker %s ran out of memory", a->cfg.name);
        fail_run(a, run, reason, true);
    }
}

/* Start staged jobs, first in first out, while the first one fits (the scheduler mirrors
 * this rule). Not while stopping or fenced: those give staged jobs back. */
static void start_staged(struct agent *a)
{
    const struct msg_run *next;

    while (a->stop_phase == STOP_NONE && !a->fenced && (next = staged_peek(&a->staged)) &&
           fits_now(a, next->spec.cpus, next->spec.mem)) {
        struct msg *m = staged_pop(&a->staged);
        start_run(a, &m->u.run);
        msg_free(m);
    }
}

static void on_job_done(const struct attempt_result *res, void *arg)
{
    struct agent *a = arg;

    if (agent_stop_drops_results(a)) { /* killed by the stop: GOODBYE tells the scheduler */
        spool_attempt_remove(a->spool, res->job_id, res->attempt);
        return;
    }
    /* the freed cpus are taken first: the result's work below runs beside the next job */
    start_staged(a);
    /* sent first, then written down: the acknowledgement is read in a later loop turn, so
     * the file is always there before it, and a worker that dies in between loses what it
     * would have lost dying just before the write */
    if (held_add(&a->held, res) < 0) {
        log_error("out of memory keeping the result of job %" PRIu64 ".%" PRIu32
                  "; sending it once",
                  res->job_id, res->attempt);
        send_result(a, res);
    } else {
        agent_flush_results(a, clock_mono_ms());
    }
    spool_result_write(a->spool, res); /* on failure it is still held, only not durably */
}

/* spool_scan callback: a result a previous run of the worker kept. */
static int on_kept_result(const struct attempt_result *res, void *arg)
{
    struct agent *a = arg;

    if (a->held.count >= PROTO_MAX_RUNNING) {
        log_warn("leaving the result of job %" PRIu64 ".%" PRIu32
                 " in the spool for a later start: too many kept results",
                 res->job_id, res->attempt);
        return 0;
    }
    log_info("kept result of job %" PRIu64 ".%" PRIu32 " will be sent again", res->job_id,
             res->attempt);
    return held_add(&a->held, res) == COHORT_ENOMEM ? COHORT_ENOMEM : 0;
}

/* ---- the message table ---- */

static bool on_welcome(struct agent *a, struct msg *m)
{
    const struct msg_welcome *welcome = &m->u.welcome;
    uint32_t heartbeat_ms = welcome->heartbeat_ms;

    if (heartbeat_ms < HEARTBEAT_MIN_MS)
        heartbeat_ms = HEARTBEAT_MIN_MS;
    if (heartbeat_ms > HEARTBEAT_MAX_MS)
        heartbeat_ms = HEARTBEAT_MAX_MS;
    a->heartbeat_ms = heartbeat_ms;
    a->lease_ms = welcome->lease_ms > 2 * heartbeat_ms ? welcome->lease_ms : 2 * heartbeat_ms;
    if (a->welcomed)
        return false; /* an answer to a repeated REGISTER */
    log_info("registered with the scheduler at %s as %s (heartbeat %" PRIu32 " ms, lease %" PRIu32
             " ms; running jobs are killed after %" PRId64 " ms without word)",
             a->cfg.scheduler, a->cfg.name, a->heartbeat_ms, a->lease_ms,
             fence_after_ms(a->lease_ms, a->heartbeat_ms, RUNNER_KILL_GRACE_MS));
    a->welcomed = a->ever_welcomed = true;
    a->heartbeat_sent_at = clock_mono_ms();
    held_mark_unsent(&a->held); /* what was sent before may be lost */
    agent_flush_results(a, a->heartbeat_sent_at);
    if (a->stop_phase != STOP_NONE)
        agent_stop_welcomed(a, a->heartbeat_sent_at);
    return false;
}

static bool on_heartbeat(struct agent *a, struct msg *m)
{
    return false; /* its arrival, noted for every message, is all that matters */
}

static bool on_reregister(struct agent *a, struct msg *m)
{
    if (!a->welcomed)
        return false; /* a REGISTER is already on its way or due */
    log_info("the scheduler asks this worker to register again");
    a->welcomed = false;
    a->register_sent_at = 0; /* the next tick sends it, once for many such requests */
    return false;
}

/* The scheduler stored the result of ack's attempt: forget it. Returns whether it was held
 * (a window slot is then free, and its spool dir is the caller's to tidy: tidy_acked). */
static bool release_ack(struct agent *a, const struct msg_kill *ack)
{
    if (held_remove(&a->held, ack->job_id, ack->attempt) < 0) {
        log_debug("ignoring an acknowledgement of job %" PRIu64 ".%" PRIu32 ": not kept",
                  ack->job_id, ack->attempt);
        return false;
    }
    return true;
}

/* Delete the spool dir of a released attempt, or keep it as a spare for the next ones. */
static void tidy_acked(struct agent *a, const struct msg_kill *ack)
{
    spool_attempt_remove(a->spool, ack->job_id, ack->attempt);
}

static bool on_result_ack(struct agent *a, struct msg *m)
{
    if (release_ack(a, &m->u.result_ack)) {
        tidy_acked(a, &m->u.result_ack);
        agent_flush_results(a, clock_mono_ms()); /* a window slot is free */
    }
    return false;
}

/* A RUN starts at once when it fits and the scheduler did not stage it (it counted the cpus
 * free), or staged it but it is first in line (results on their way freed the cpus). Else it
 * waits in the FIFO, which keeps the message (the return value says so): the worker never
 * runs more than its cpus and memory, whatever it is sent. */
static bool run_or_stage(struct agent *a, struct msg *m)
{
    const struct msg_run *run = &m->u.run;
    char reason[256];

    if (a->stop_phase != STOP_NONE) {
        log_info("ignoring job %" PRIu64 ".%" PRIu32 ": the worker is stopping", run->job_id,
                 run->attempt);
        return false;
    }
    if (runner_has(a->runner, run->job_id, run->attempt) ||
        held_find(&a->held, run->job_id, run->attempt) ||
        staged_has(&a->staged, run->job_id, run->attempt)) {
        log_debug("ignoring a repeated run of job %" PRIu64 ".%" PRIu32, run->job_id, run->attempt);
        return false;
    }
    if (runner_count(a->runner) + a->held.count + a->staged.count >= PROTO_MAX_RUNNING) {
        snprintf(reason, sizeof reason, "worker %s already tracks %u attempts", a->cfg.name,
                 PROTO_MAX_RUNNING);
        fail_run(a, run, reason, false);
        return false;
    }
    if ((!run->staged || a->staged.count == 0) && fits_now(a, run->spec.cpus, run->spec.mem)) {
        start_run(a, run);
        return false;
    }
    if (staged_push(&a->staged, m) < 0) {
        snprintf(reason, sizeof reason, "worker %s ran out of memory", a->cfg.name);
        fail_run(a, run, reason, false);
        return false;
    }
    log_debug("job %" PRIu64 ".%" PRIu32 " waits for cpus (%" PRIu32 " staged)", run->job_id,
              run->attempt, a->staged.count);
    return true;
}

/* A RUN also acknowledges results (its acks). They are released before its job is looked
 * at, so that their window slots and tracked attempts are free, also when the job is
 * refused (a stopping worker); their spool dirs are tidied only once the job started or
 * waits, so that tidying (some 25 system calls each) does not delay the start. Returns
 * what run_or_stage returns. */
static bool on_run(struct agent *a, struct msg *m)
{
    const struct msg_kill *acks = m->u.run.acks;
    uint32_t n_acks = m->u.run.n_acks < PROTO_MAX_ACKS ? m->u.run.n_acks : PROTO_MAX_ACKS;
    bool released[PROTO_MAX_ACKS], any = false, kept;

    for (uint32_t i = 0; i < n_acks; i++)
        any |= released[i] = release_ack(a, &acks[i]);
    kept = run_or_stage(a, m); /* m stays valid: a staged RUN waits in the FIFO */
    for (uint32_t i = 0; i < n_acks; i++)
        if (released[i])
            tidy_acked(a, &acks[i]);
    if (any)
        agent_flush_results(a, clock_mono_ms()); /* window slots are free */
    return kept;
}

/* A KILL ends a staged job at once, unstarted, and a running one by its process group. */
static bool on_kill(struct agent *a, struct msg *m)
{
    const struct msg_kill *kill = &m->u.kill;
    bool cancelled = kill->state == COHORT_JOB_CANCELLED;
    uint8_t state = cancelled ? COHORT_JOB_CANCELLED : COHORT_JOB_FAILED;
    const char *reason = cancelled ? "cancelled" : "killed: attempt no longer expected";
    struct msg *staged = staged_take(&a->staged, kill->job_id, kill->attempt);

    if (staged) {
        /* a stale attempt is not given back: the scheduler expects it nowhere */
        end_staged(a, &staged->u.run, state, reason, false, false);
        msg_free(staged);
        start_staged(a);
    } else if (runner_kill(a->runner, kill->job_id, kill->attempt, state, reason) < 0) {
        log_debug("ignoring a kill of job %" PRIu64 ".%" PRIu32 ": not running", kill->job_id,
                  kill->attempt);
        return false;
    }
    log_info("killing job %" PRIu64 ".%" PRIu32 " (%s)", kill->job_id, kill->attempt,
             cancelled ? "cancelled" : "no longer expected");
    return false;
}

/* TAKE_BACK: a staged job that has not started is given back; one that started runs on. */
static bool on_take_back(struct agent *a, struct msg *m)
{
    const struct msg_kill *take_back = &m->u.take_back;
    struct msg *staged = staged_take(&a->staged, take_back->job_id, take_back->attempt);

    if (!staged) {
        log_debug("ignoring a take-back of job %" PRIu64 ".%" PRIu32 ": started, or not here",
                  take_back->job_id, take_back->attempt);
        return false;
    }
    end_staged(a, &staged->u.run, COHORT_JOB_FAILED, "given back before it started", false, true);
    msg_free(staged);
    start_staged(a);
    return false;
}

/* Each handler returns whether it kept the message (which on_message then does not free). */
static const struct {
    enum msg_type type;
    bool (*handle)(struct agent *a, struct msg *m);
} message_handlers[] = {
    {MSG_WELCOME, on_welcome},
    {MSG_HEARTBEAT, on_heartbeat},
    {MSG_RUN, on_run},
    {MSG_KILL, on_kill},
    {MSG_TAKE_BACK, on_take_back},
    {MSG_RESULT_ACK, on_result_ack},
    {MSG_REREGISTER, on_reregister},
};

/* Count a dropped message and log about drops at most once per DROP_LOG_INTERVAL_MS. */
static void note_dropped(struct agent *a, const char *why)
{
    int64_t now = clock_mono_ms();

    a->drops_unlogged++;
    if (a->drops_logged_at && now - a->drops_logged_at < DROP_LOG_INTERVAL_MS)
        return;
    log_warn("dropped %" PRIu32 " message(s) from the scheduler, the last one %s",
             a->drops_unlogged, why);
    a->drops_unlogged = 0;
    a->drops_logged_at = now;
}

static void on_message(struct zsock *zs, const uint8_t *peer, size_t peer_len, const char *user_id,
                       const uint8_t *data, size_t len, void *arg)
{
    struct agent *a = arg;
    struct msg *m = NULL;
    int64_t now = clock_mono_ms();

    if (msg_decode(&m, data, len) < 0) {
        note_dropped(a, "malformed");
        return;
    }
    /* the silence this message ends still counts: after a SIGSTOP, messages queued while
     * the worker was frozen may be read before the first tick */
    fence_if_due(a, now);
    a->last_heard = now;
    a->silence_reported = a->fenced = false;
    for (size_t i = 0; i < sizeof message_handlers / sizeof message_handlers[0]; i++) {
        if (message_handlers[i].type == m->type) {
            if (message_handlers[i].handle(a, m))
                return;
            goto done;
        }
    }
    note_dropped(a, "of a type a worker does not take");
done:
    msg_free(m);
}

/* ---- life cycle ---- */

static void make_instance_id(char out[2 * INSTANCE_ID_BYTES + 1])
{
    uint8_t bytes[INSTANCE_ID_BYTES];

    if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes) {
        /* not secret, only distinct per start: time and pid do that too */
        int64_t now = clock_now_ms();
        pid_t pid = getpid();
        memset(bytes, 0, sizeof bytes);
        memcpy(bytes, &now, sizeof now);
        memcpy(bytes + sizeof now, &pid, sizeof pid);
    }
    hex_bytes(out, bytes, sizeof bytes);
}

static void on_tick_closed(uv_handle_t *handle)
{
    free(handle->data);
}

int agent_create(struct agent **out, uv_loop_t *loop, const struct agent_config *cfg)
{
    struct agent *a = NULL;
    int rc = COHORT_ENOMEM;

    *out = NULL;
    if (!(a = calloc(1, sizeof(*a))))
        goto fail;
    a->loop = loop;
    a->cfg = *cfg;
    held_init(&a->held);
    staged_init(&a->staged);
    buf_init(&a->out, PROTO_MAX_MSG);
    a->heartbeat_ms = DEFAULT_HEARTBEAT_MS;
    a->lease_ms = DEFAULT_LEASE_MS;
    a->last_heard = clock_mono_ms();
    make_instance_id(a->instance_id);
    uv_timer_init(loop, &a->tick);
    a->tick.data = a;
    a->tick_initialised = true;
    if ((rc = spool_open(&a->spool, cfg->spool_dir, cfg->sync_results)) < 0 ||
        (rc = spool_reserve_spares(a->spool, cfg->cpus)) < 0 ||
        (rc = spool_scan(a->spool, on_kept_result, a)) < 0 ||
        (rc = runner_create(&a->runner, loop, cfg->name, cfg->accounts, on_job_done, a)) < 0)
        goto fail;
    rc = COHORT_EINTERNAL;
    if (!(a->zmq_ctx = zmq_ctx_new())) {
        log_error("cannot create a ZeroMQ context: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    if ((rc = link_open(a)) < 0)
        goto fail;
    uv_timer_start(&a->tick, on_tick, 0, AGENT_TICK_MS);
    log_info("worker %s (%" PRIu32 " cpus, %" PRIu64 " bytes of memory, spool %s, %" PRIu32
             " kept results, sync=%s) connecting to %s",
             cfg->name, cfg->cpus, cfg->mem, cfg->spool_dir, a->held.count,
             cfg->sync_results ? "full" : "normal", cfg->scheduler);
    *out = a;
    return 0;
fail:
    agent_destroy(&a);
    return rc;
}

void agent_destroy(struct agent **ap)
{
    int saved_errno = errno;
    struct agent *a;

    if (!ap || !(a = *ap))
        return;
    *ap = NULL;
    runner_destroy(&a->runner);
    link_close(a);
    while (a->zmq_ctx && zmq_ctx_term(a->zmq_ctx) < 0 && zmq_errno() == EINTR)
        ;
    held_clear(&a->held);
    staged_clear(&a->staged);
    buf_free(&a->out);
    spool_destroy(&a->spool);
    if (a->tick_initialised)
        uv_close((uv_handle_t *)&a->tick, on_tick_closed);
    else
        free(a);
    errno = saved_errno;
}
