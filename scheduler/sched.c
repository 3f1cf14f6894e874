/* sched.c — the scheduler daemon: its socket, the message table, turns and group commit. */
#include "sched_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "authz.h"
#include "backup.h"
#include "clock.h"
#include "dispatch.h"
#include "log.h"
#include "server_key.h"
#include "statedir.h"
#include "zap.h"
#include "zsock.h"

#define SOCKET_HWM 100000      /* messages queued per peer before sends fail */
#define SHUTDOWN_LINGER_MS 500 /* time given to the last replies when stopping */
/* A client whose connection drops just after a reply came may lose the reply unread (a
 * socket with ZMQ_IMMEDIATE drops what it has not read from a lost connection): when
 * stopping, the connections stay open this long after the last replies were sent. */
#define SHUTDOWN_READ_MS 100
#define STALL_LOG_BEATS 10  /* a stall longer than this many heartbeats is logged */
#define STORE_RETRY_MS 1000 /* after a failed turn, dispatch and reload wait this */

/* ---- the message table ---- */

typedef void (*handler_fn)(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                           const struct msg *m);

enum sender {
    FROM_CLIENT = 1,     /* anyone may ask */
    FROM_NEW_WORKER = 2, /* REGISTER: from a peer not (or no longer) known */
    FROM_WORKER = 3,     /* only from a registered worker; others are told to re-register */
};

static const struct handler {
    handler_fn fn;
    enum sender from;
} handlers[] = {
    [MSG_SUBMIT] = {client_on_submit, FROM_CLIENT},
    [MSG_JOBS] = {client_on_jobs, FROM_CLIENT},
    [MSG_SHOW] = {client_on_show, FROM_CLIENT},
    [MSG_LOGS] = {client_on_logs, FROM_CLIENT},
    [MSG_CANCEL] = {client_on_cancel, FROM_CLIENT},
    [MSG_WAIT] = {client_on_wait, FROM_CLIENT},
    [MSG_WORKERS] = {client_on_workers, FROM_CLIENT},
    [MSG_STATUS] = {client_on_status, FROM_CLIENT},
    [MSG_DRAIN] = {client_on_drain, FROM_CLIENT},
    [MSG_RESUME] = {client_on_drain, FROM_CLIENT},
    [MSG_BACKUP] = {client_on_backup, FROM_CLIENT},
    [MSG_REGISTER] = {worker_on_register, FROM_NEW_WORKER},
    [MSG_HEARTBEAT] = {worker_on_heartbeat, FROM_WORKER},
    [MSG_JOB_STARTED] = {worker_on_started, FROM_WORKER},
    [MSG_JOB_RESULT] = {worker_on_result, FROM_WORKER},
    [MSG_GOODBYE] = {worker_on_goodbye, FROM_WORKER},
    [MSG_LEAVING] = {worker_on_leaving, FROM_WORKER},
};

/* Say that malformed messages arrive, without letting a flood of them flood the log. */
static void note_malformed(struct sched *s, size_t len)
{
    uint64_t count;

    if (!log_limit_due(&s->malformed_log, clock_mono_ms(), LOG_REPEAT_INTERVAL_MS, &count))
        return;
    log_warn("dropped %llu malformed message(s), the last of %zu bytes (wrong protocol or "
             "version?)",
             (unsigned long long)count, len);
}

/* While memory cannot be trusted (the state could not be reloaded after a failed turn),
 * only heartbeats are handled: a client is told to try again, other worker messages are
 * dropped (workers send them again). Returns whether the message may be handled. */
static bool may_handle(struct sched *s, const uint8_t *peer, size_t peer_len, const struct msg *m,
                       enum sender from)
{
    char error[384];

    if (!s->reload_wanted || m->type == MSG_HEARTBEAT)
        return true;
    if (from == FROM_CLIENT) {
        snprintf(error, sizeof error, "the scheduler cannot read its database (%s); try again",
                 store_last_error(s->store));
        /* every client request starts with its req_id (a common initial sequence) */
        sched_send_error_now(s, peer, peer_len, m->u.status.req_id, m->type, COHORT_EIO, error);
    }
    return false;
}

/* Say that messages came from connections whose User-Id is not ROLE:NAME (a ZAP handler
 * that does not match this scheduler), without letting a flood of them flood the log. */
static void note_bad_identity(struct sched *s, const char *user_id)
{
    uint64_t count;

    if (!log_limit_due(&s->identity_log, clock_mono_ms(), LOG_REPEAT_INTERVAL_MS, &count))
        return;
    log_warn("dropped %llu message(s) of senders not known as ROLE:NAME, the last of '%.64s'",
             (unsigned long long)count, user_id);
}

/* The caller's role may not send m (why says so): a client request is answered with
 * COHORT_EPERM, a registration is logged, other worker messages are dropped. */
static void refuse(struct sched *s, const uint8_t *peer, size_t peer_len, const struct msg *m,
                   enum sender from, const char *why)
{
    if (from == FROM_CLIENT)
        /* every client request starts with its req_id (a common initial sequence) */
        sched_send_error_now(s, peer, peer_len, m->u.status.req_id, m->type, COHORT_EPERM, why);
    else if (m->type == MSG_REGISTER)
        worker_refuse(s, m->u.reg.name, why);
    else
        log_debug("dropped a %s message of %s key %s: %s", msg_type_name(m->type),
                  role_name(s->caller.role), s->caller.name, why);
}

static void on_message(struct zsock *zs, const uint8_t *peer, size_t peer_len, const char *user_id,
                       const uint8_t *data, size_t len, void *arg)
{
    struct sched *s = arg;
    struct msg *m = NULL;
    const struct handler *h = NULL;
    char why[320];
    int rc;

    if (identity_parse(user_id, &s->caller) < 0) {
        note_bad_identity(s, user_id);
        return;
    }
    if ((rc = msg_decode_v2(&m, data, len, why, sizeof why)) < 0) {
        note_malformed(s, len);
        client_on_malformed(s, peer, peer_len, data, len, rc, why);
        return;
    }
    if (m->type < sizeof handlers / sizeof handlers[0])
        h = &handlers[m->type];
    if (!h || !h->fn) {
        log_debug("dropped an unexpected %s message", msg_type_name(m->type));
        goto done;
    }
    if (!authz_may_send(&s->caller, m->type, why, sizeof why)) {
        refuse(s, peer, peer_len, m, h->from, why);
        goto done;
    }
    if (!may_handle(s, peer, peer_len, m, h->from))
        goto done;
    struct worker *w = NULL;
    if (h->from == FROM_WORKER && !(w = workers_by_peer(s->workers, peer, peer_len))) {
        struct msg reregister = {.type = MSG_REREGISTER};
        log_debug("%s from an unregistered peer: asking it to register", msg_type_name(m->type));
        sched_send_now(s, peer, peer_len, &reregister);
        goto done;
    }
    h->fn(s, peer, peer_len, w, m);
done:
    msg_free(m);
}

/* ---- turns ---- */

static void kick_after(struct sched *s, int64_t delay_ms);

/* After a failed turn, storage is given STORE_RETRY_MS before the scheduler writes on its
 * own again (dispatch, reload): a full disk must not turn into a busy loop. */
static bool storage_resting(const struct sched *s, int64_t now)
{
    return now < s->store_retry_mono;
}

static void dispatch(struct sched *s)
{
    struct dispatch_stats stats;
    size_t budget = SCHED_DISPATCH_BUDGET;

    s->dispatch_wanted = false;
    s->queue_sifted = false;
    int rc = dispatch_pass(&stats, s->queue, workers_pool(s->workers),
                           workers_stage_pool(s->workers), budget, lifecycle_place, s);
    if (rc == COHORT_ETOOBIG || stats.budget_hit) {
        s->dispatch_wanted = true; /* the outbox or the budget is full: go on next turn */
    } else if (rc == 0) {
        s->queue_sifted = true;
    } else {
        if (rc != COHORT_EIO) /* the store logs its own failures, at most every 10 s */
            log_error("dispatch stopped: %s", store_last_error(s->store));
        s->reload_wanted = true;
        s->store_retry_mono = clock_mono_ms() + STORE_RETRY_MS;
    }
    if (stats.placed)
        log_debug("dispatched %zu jobs", stats.placed);
}

/* workers_save_starts callback: write the start time of an attempt that still runs. */
static int save_start(void *arg, const struct attempt *a)
{
    struct sched *s = arg;
    return store_job_started(s->store, a->job_id, a->number, a->started_at);
}

/* acks_flush_due callback: a held acknowledgement goes alone, as a RESULT_ACK. */
static void send_ack_alone(void *arg, struct worker *w, const struct msg_kill *ack)
{
    struct msg m = {.type = MSG_RESULT_ACK};

    m.u.result_ack = *ack;
    sched_send_worker(arg, w, &m, OUTBOX_WORKER, ack->job_id, ack->attempt);
}

void sched_end_turn(struct sched *s)
{
    int64_t now = clock_mono_ms(), backup_due, acks_due;

    if (s->dispatch_wanted && !s->reload_wanted && !storage_resting(s, now))
        dispatch(s);
    if (!s->reload_wanted)
        staging_take_back(s);
    /* a failure poisons the transaction: the commit below fails and the turn is reloaded */
    workers_save_starts(s->workers, save_start, s);
    acks_due = acks_flush_due(&s->held_acks, now, send_ack_alone, s);
    if (store_commit(s->store) < 0) {
        /* the store logged why; nothing of the turn is stored, so nothing is said */
        outbox_drain(s->outbox, sched_send_failed, s);
        acks_forget_all(&s->held_acks);
        acks_due = -1;
        s->reload_wanted = true;
        s->store_retry_mono = now + STORE_RETRY_MS;
    } else {
        outbox_drain(s->outbox, sched_send_committed, s);
        store_checkpoint_if_due(s->store); /* the answers are on their way */
    }
    backup_due = backup_turn(s); /* between transactions */
    /* memory must match the database before the next message: reload at once after a
     * failure, and retry a failed reload only after a rest */
    if (s->reload_wanted && (s->reload_failed_at == 0 || !storage_resting(s, now))) {
        if (sched_reload(s) < 0) {
            if (!s->reload_failed_at)
                log_error("cannot reload the state, retrying every %d ms; until then only "
                          "heartbeats are answered: %s",
                          STORE_RETRY_MS, store_last_error(s->store));
            s->reload_failed_at = now;
            s->store_retry_mono = now + STORE_RETRY_MS;
        } else {
            if (s->reload_failed_at)
                log_info("the state is loaded again");
            s->reload_wanted = false;
            s->reload_failed_at = 0;
            s->dispatch_wanted = true;
        }
    }
    if (backup_due >= 0)
        kick_after(s, backup_due ? backup_due : 1); /* a timer due now would starve the loop */
    if (store_in_transaction(s->store))
        kick_after(s, 0);
    else if (s->dispatch_wanted || s->reload_wanted)
        kick_after(s, storage_resting(s, now) ? s->store_retry_mono - now : 0);
    if (acks_due >= 0)
        kick_after(s, acks_due ? acks_due : 1);
}

static void on_turn(struct zsock *zs, void *arg)
{
    sched_end_turn(arg);
}

static void on_kick(uv_timer_t *timer)
{
    sched_end_turn(timer->data);
}

/* Run one more turn in delay_ms (sooner if one is already due sooner). */
static void kick_after(struct sched *s, int64_t delay_ms)
{
    uv_timer_t *kick = &s->kick_timer;

    if (s->stopping ||
        (uv_is_active((uv_handle_t *)kick) && uv_timer_get_due_in(kick) <= (uint64_t)delay_ms))
        return;
    uv_timer_start(kick, on_kick, (uint64_t)delay_ms, 0);
}

static void on_lost(void *arg, struct worker *w)
{
    worker_lost(arg, w, "was lost");
}

/* Timers run before the zsock turn hook in each loop iteration, so what they change is
 * committed and sent by on_turn in the same iteration. */
static void on_lease_timer(uv_timer_t *timer)
{
    struct sched *s = timer->data;
    int64_t now = clock_mono_ms();
    int64_t suspect_ms = (int64_t)s->config.heartbeat_ms * SCHED_SUSPECT_BEATS;
    /* a long turn (a huge submission, start-up) kept us from reading heartbeats: that
     * time must not count against the workers */
    int64_t stalled = now - s->last_sweep_mono - s->config.heartbeat_ms;

    if (stalled > s->config.heartbeat_ms) {
        if (stalled > STALL_LOG_BEATS * (int64_t)s->config.heartbeat_ms)
            log_info("the scheduler was busy for %lld ms; leases are extended by as much",
                     (long long)stalled);
        workers_extend_leases(s->workers, stalled);
    }
    s->last_sweep_mono = now;
    workers_sweep(s->workers, now, suspect_ms, s->config.lease_ms, on_lost, s);
}

/* ---- life ---- */

/* Load (or make) the server key, start the ZAP handler and make the ROUTER a CURVE server:
 * all before it binds, so that no peer ever meets it unchecked. */
static int secure_router(struct sched *s, char *err, size_t err_len)
{
    struct key_pair server;
    int rc;

    if ((rc = server_key_load_or_create(&server, s->config.state_dir, err, err_len)) == 0 &&
        (rc = zap_start(&s->zap, s->zmq_context, s->config.state_dir, err, err_len)) == 0)
        rc = zap_secure_socket(s->router, server.secret_key, err, err_len);
    explicit_bzero(&server, sizeof server);
    return rc;
}

static int open_socket(struct sched *s, char *err, size_t err_len)
{
    int one = 1, zero = 0, hwm = SOCKET_HWM, handshake_ms = (int)s->config.handshake_ms;
    int64_t max_msg = PROTO_MAX_MSG;
    char endpoint[256];
    size_t endpoint_len = sizeof endpoint;
    int rc;

    if (!(s->zmq_context = zmq_ctx_new()) || !(s->router = zmq_socket(s->zmq_context, ZMQ_ROUTER)))
        goto fail;
    if (zmq_setsockopt(s->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one) < 0 ||
        zmq_setsockopt(s->router, ZMQ_MAXMSGSIZE, &max_msg, sizeof max_msg) < 0 ||
        zmq_setsockopt(s->router, ZMQ_LINGER, &zero, sizeof zero) < 0 ||
        zmq_setsockopt(s->router, ZMQ_SNDHWM, &hwm, sizeof hwm) < 0 ||
        zmq_setsockopt(s->router, ZMQ_RCVHWM, &hwm, sizeof hwm) < 0 ||
        zmq_setsockopt(s->router, ZMQ_HANDSHAKE_IVL, &handshake_ms, sizeof handshake_ms) < 0)
        goto fail;
    if (!s->config.insecure && (rc = secure_router(s, err, err_len)) < 0)
        return rc;
    if (zmq_bind(s->router, s->config.listen) < 0) {
        snprintf(err, err_len, "cannot listen on %s: %s", s->config.listen,
                 zmq_strerror(zmq_errno()));
        return COHORT_ECONNECT;
    }
    if (zmq_getsockopt(s->router, ZMQ_LAST_ENDPOINT, endpoint, &endpoint_len) < 0)
        goto fail;
    strcat(endpoint, "\n");
    if (statedir_write(s->config.state_dir, "endpoint", endpoint, err, err_len) < 0)
        return COHORT_EIO;
    endpoint[strlen(endpoint) - 1] = '\0';
    log_info("listening on %s", endpoint);
    if (s->config.insecure)
        log_warn("--insecure: no encryption or authentication; anyone who can reach %s can run "
                 "commands as any user",
                 endpoint);
    return 0;
fail:
    snprintf(err, err_len, "cannot set up the socket: %s", zmq_strerror(zmq_errno()));
    return COHORT_EINTERNAL;
}

static int write_pid(struct sched *s, char *err, size_t err_len)
{
    char pid[32];
    snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    return statedir_write(s->config.state_dir, "scheduler.pid", pid, err, err_len);
}

/* Close the loop's own handles (the socket's and waiters' are closed by their owners). */
static void close_handles(struct sched *s)
{
    if (!s->handles_started)
        return;
    s->handles_started = false;
    uv_close((uv_handle_t *)&s->lease_timer, NULL);
    uv_close((uv_handle_t *)&s->kick_timer, NULL);
    uv_close((uv_handle_t *)&s->list_timer, NULL);
    uv_close((uv_handle_t *)&s->sigterm, NULL);
    uv_close((uv_handle_t *)&s->sigint, NULL);
}

static void on_signal(uv_signal_t *handle, int signum)
{
    struct sched *s = handle->data;

    if (s->stopping)
        return;
    log_info("stopping on signal %d", signum);
    sched_end_turn(s); /* commit what this turn did and send its replies */
    s->stopping = true;
    /* give the last replies a moment to leave once the socket is closed */
    int linger = SHUTDOWN_LINGER_MS;
    zmq_setsockopt(s->router, ZMQ_LINGER, &linger, sizeof linger);
    backup_cancel(s);
    zsock_close(&s->zsock);
    waiters_destroy(s->waiters);
    s->waiters = NULL;
    close_handles(s);
}

static void start_handles(struct sched *s)
{
    uv_timer_init(&s->loop, &s->lease_timer);
    uv_timer_init(&s->loop, &s->kick_timer);
    uv_timer_init(&s->loop, &s->list_timer);
    uv_signal_init(&s->loop, &s->sigterm);
    uv_signal_init(&s->loop, &s->sigint);
    s->lease_timer.data = s->kick_timer.data = s->list_timer.data = s;
    s->sigterm.data = s->sigint.data = s;
    uv_timer_start(&s->lease_timer, on_lease_timer, s->config.heartbeat_ms, s->config.heartbeat_ms);
    uv_signal_start(&s->sigterm, on_signal, SIGTERM);
    uv_signal_start(&s->sigint, on_signal, SIGINT);
    s->handles_started = true;
}

int sched_create(struct sched **out, const struct sched_config *config, char *err, size_t err_len)
{
    struct sched *s = calloc(1, sizeof(*s));
    char db_path[4096];
    int rc = COHORT_ENOMEM;

    *out = NULL;
    snprintf(err, err_len, "out of memory");
    if (!s)
        return rc;
    s->config = *config;
    s->started_mono = clock_mono_ms();
    list_budget_init(&s->list_budget, s->started_mono);
    if ((rc = uv_loop_init(&s->loop)) < 0) {
        snprintf(err, err_len, "cannot start the event loop: %s", uv_strerror(rc));
        free(s);
        return COHORT_EINTERNAL;
    }
    snprintf(db_path, sizeof db_path, "%s/cohort.db", config->state_dir);
    if ((rc = store_open(&s->store, db_path, err, err_len)) < 0)
        goto fail;
    if ((rc = store_set_sync(s->store, config->sync_full)) < 0) {
        snprintf(err, err_len, "%s: %s", db_path, store_last_error(s->store));
        goto fail;
    }
    int64_t opened_mono = clock_mono_ms(); /* opening includes the integrity check */
    snprintf(err, err_len, "out of memory");
    if ((rc = queue_create(&s->queue)) < 0 || (rc = user_pending_create(&s->user_pending)) < 0 ||
        (rc = workers_create(&s->workers, SCHED_MAX_WORKERS, config->stage_jobs,
                             config->heartbeat_ms)) < 0 ||
        (rc = outbox_create(&s->outbox, SCHED_MAX_OUTBOX_ITEMS, SCHED_MAX_OUTBOX_BYTES)) < 0 ||
        (rc = waiters_create(&s->waiters, &s->loop, SCHED_MAX_WAITERS, SCHED_MAX_WAIT_IDS,
                             client_wait_ready, s)) < 0)
        goto fail;
    if ((rc = sched_reload(s)) < 0) {
        snprintf(err, err_len, "cannot load the state: %s", store_last_error(s->store));
        goto fail;
    }
    if ((rc = open_socket(s, err, err_len)) < 0 || (rc = write_pid(s, err, err_len)) < 0)
        goto fail;
    if ((rc = zsock_open(&s->zsock, &s->loop, s->router, 0, on_message, on_turn, s)) < 0) {
        snprintf(err, err_len, "cannot watch the socket");
        goto fail;
    }
    start_handles(s);
    s->last_sweep_mono = s->started_mono; /* the first sweep discounts the loading time */
    s->dispatch_wanted = true;
    log_info("%llu jobs pending, %llu running, %zu workers known (database opened and checked "
             "in %lld ms, state loaded in %lld ms; synchronous=%s)",
             (unsigned long long)s->stats.jobs[COHORT_JOB_PENDING],
             (unsigned long long)s->stats.jobs[COHORT_JOB_RUNNING], workers_count(s->workers),
             (long long)(opened_mono - s->started_mono), (long long)(clock_mono_ms() - opened_mono),
             config->sync_full ? "full" : "normal");
    *out = s;
    return 0;
fail:
    sched_destroy(s);
    return rc;
}

int sched_run(struct sched *s)
{
    int rc = uv_run(&s->loop, UV_RUN_DEFAULT);
    return rc < 0 ? COHORT_EINTERNAL : 0;
}

void sched_destroy(struct sched *s)
{
    if (!s)
        return;
    zsock_close(&s->zsock);
    waiters_destroy(s->waiters);
    close_handles(s);
    uv_run(&s->loop, UV_RUN_DEFAULT); /* let libuv finish closing handles */
    uv_loop_close(&s->loop);
    if (s->stopping)
        uv_sleep(SHUTDOWN_READ_MS);
    if (s->router)
        zmq_close(s->router);
    /* terminating also ends the ZAP thread's receive; a signal may interrupt it */
    while (s->zmq_context && zmq_ctx_term(s->zmq_context) < 0 && zmq_errno() == EINTR)
        continue;
    zap_stop(s->zap);
    if (s->stopping) {
        statedir_remove(s->config.state_dir, "endpoint");
        statedir_remove(s->config.state_dir, "scheduler.pid");
    }
    outbox_destroy(s->outbox);
    acks_free(&s->held_acks);
    workers_destroy(s->workers);
    queue_destroy(s->queue);
    user_pending_destroy(s->user_pending);
    backup_cancel(s);
    store_close(s->store);
    free(s);
}
