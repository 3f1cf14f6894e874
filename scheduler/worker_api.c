/* worker_api.c — messages from workers: registration, heartbeats, job starts and results. */
#include <string.h>

#include "authz.h"
#include "clock.h"
#include "hmap.h"
#include "log.h"
#include "sched_int.h"

/* The row that keeps what is known of w across restarts. */
static void save_worker(struct sched *s, const struct worker *w)
{
    struct worker_row row = {.name = w->name,
                             .draining = w->draining,
                             .cpus = w->cpus,
                             .mem = w->mem,
                             .n_labels = w->n_labels,
                             .labels = w->labels,
                             .last_seen = w->last_seen};
    store_worker_save(s->store, &row);
}

/* Disconnect w and requeue its attempts at once; charge says whether that costs the jobs a
 * retry (a lost worker) or not (a clean shutdown). While the store fails, the rolled-back
 * turn brings the attempts back and the next sweep does this again: said once per 10 s. */
static void worker_gone(struct sched *s, struct worker *w, const char *cause, bool charge)
{
    uint64_t times;

    if (log_limit_due(&w->gone_log, clock_mono_ms(), LOG_REPEAT_INTERVAL_MS, &times))
        log_msg(charge ? LOG_WARN : LOG_INFO, "worker %s %s; requeueing its %u jobs%s", w->name,
                cause, w->n_running, times > 1 ? " (again: the requeue could not be stored)" : "");
    workers_pause_staged(s->workers, w, true);
    while (w->attempts)
        if (lifecycle_requeue(s, w->attempts, cause, charge) < 0) {
            /* the turn is rolled back and reloaded: what is left is retried next sweep */
            break;
        }
    workers_pause_staged(s->workers, w, false);
    workers_disconnect(s->workers, w);
    store_worker_set_last_seen(s->store, w->name, w->last_seen);
    s->dispatch_wanted = true;
}

void worker_lost(struct sched *s, struct worker *w, const char *cause)
{
    worker_gone(s, w, cause, true);
}

/* A message came from w: it is alive; a worker that was suspect may take work again. */
static void heard_from(struct sched *s, struct worker *w)
{
    bool was_suspect = w->suspect;
    workers_heard(s->workers, w, clock_now_ms(), clock_mono_ms());
    if (was_suspect)
        s->dispatch_wanted = true;
}

static bool valid_registration(const struct msg_register *reg, char *why, size_t why_len)
{
    if (!reg->name[0] || strlen(reg->name) > 255) {
        snprintf(why, why_len, "its name is empty or longer than 255 bytes");
        return false;
    }
    if (reg->mem > INT64_MAX) {
        snprintf(why, why_len, "its memory size is out of range");
        return false;
    }
    for (uint32_t i = 0; i < reg->n_labels; i++)
        if (!reg->labels[i].key[0] || strchr(reg->labels[i].key, '=')) {
            snprintf(why, why_len, "label key '%s' is empty or holds '='", reg->labels[i].key);
            return false;
        }
    return true;
}

/* Bring the worker's attempts and ours in line: what it runs and we expect is adopted, what
 * it runs and we do not expect is killed, what we expect and it does not run is requeued
 * (with cause) — unless the REGISTER only repeats the current registration (repeat), sent
 * before its WELCOME came: then a RUN may have crossed it, and what it does not list yet is
 * on its way there. */
static void reconcile(struct sched *s, struct worker *w, const struct msg_register *reg,
                      bool repeat, const char *cause)
{
    struct hmap listed;

    hmap_init(&listed, PROTO_MAX_RUNNING);
    for (uint32_t i = 0; i < reg->n_running; i++) {
        const struct job_attempt *ja = &reg->running[i];
        struct attempt *a = workers_attempt(s->workers, ja->job_id);
        bool expected = a && a->worker == w && a->number == ja->attempt;
        struct msg kill = {.type = MSG_KILL};
        kill.u.kill = (struct msg_kill){ja->job_id, ja->attempt, COHORT_JOB_FAILED};
        if (expected) {
            /* a failed put only means this one is requeued below: safe, never wrong */
            hmap_put(&listed, ja->job_id, a);
            if (!a->cancelled)
                continue;
            /* cancelled while the worker was away: the KILL could not be sent then */
            kill.u.kill.state = COHORT_JOB_CANCELLED;
        } else {
            log_info("worker %s runs job %llu attempt %u, which is not expected there: "
                     "killing it",
                     w->name, (unsigned long long)ja->job_id, ja->attempt);
        }
        sched_send_worker(s, w, &kill, OUTBOX_WORKER, ja->job_id, ja->attempt);
    }
    struct attempt *a = repeat ? NULL : w->attempts;
    workers_pause_staged(s->workers, w, true);
    while (a) {
        struct attempt *next = a->next;
        if (!hmap_get(&listed, a->job_id, NULL, NULL) && lifecycle_requeue(s, a, cause, true) < 0)
            break;
        a = next;
    }
    workers_pause_staged(s->workers, w, false);
    hmap_free(&listed);
    workers_restage(s->workers, w, reg->staged, reg->n_staged);
}

void worker_refuse(struct sched *s, const char *name, const char *why)
{
    uint64_t count;

    if (log_limit_due(&s->refused_log, clock_mono_ms(), LOG_REPEAT_INTERVAL_MS, &count))
        log_warn("refused %llu worker registration(s), the last of %.255s by %s key %s: %s",
                 (unsigned long long)count, name, role_name(s->caller.role), s->caller.name, why);
}

void worker_on_register(struct sched *s, const uint8_t *peer, size_t peer_len,
                        struct worker *sender, const struct msg *m)
{
    const struct msg_register *reg = &m->u.reg;
    struct worker *w = workers_by_name(s->workers, reg->name);
    char why[320];
    int rc;

    if (!valid_registration(reg, why, sizeof why)) {
        log_warn("refused a worker registration: %s", why);
        return;
    }
    if (!authz_may_register_as(&s->caller, reg->name, why, sizeof why)) {
        worker_refuse(s, reg->name, why);
        return;
    }
    if (!w && (rc = workers_add(s->workers, &w, reg->name, reg->cpus, reg->mem, NULL, 0)) < 0) {
        log_error("refused worker %s: %s", reg->name,
                  rc == COHORT_ETOOBIG ? "too many workers are known" : "out of memory");
        return;
    }
    /* the peer may have been registered under another name before */
    struct worker *previous = workers_by_peer(s->workers, peer, peer_len);
    if (previous && previous != w)
        worker_lost(s, previous, "registered again under another name");
    bool repeat = workers_same_registration(w, peer, peer_len, reg->instance_id);
    bool restarted = w->instance_id[0] && strcmp(w->instance_id, reg->instance_id) != 0;
    if (restarted)
        log_info("worker %s restarted (instance %s, was %s)", w->name, reg->instance_id,
                 w->instance_id);
    if (workers_connect(s->workers, w, peer, peer_len, reg->instance_id, reg->cpus, reg->mem,
                        reg->labels, reg->n_labels) < 0) {
        log_error("cannot register worker %s: out of memory", reg->name);
        return;
    }
    workers_heard(s->workers, w, clock_now_ms(), clock_mono_ms());
    w->gone_log = (struct log_limit){0}; /* a loss of this registration is news */
    w->acks_in_run = reg->acks_in_run;
    struct msg welcome = {.type = MSG_WELCOME};
    welcome.u.welcome = (struct msg_welcome){s->config.heartbeat_ms, s->config.lease_ms};
    sched_send_worker(s, w, &welcome, OUTBOX_WORKER, 0, 0);
    reconcile(s, w, reg, repeat, restarted ? "restarted" : "no longer runs it");
    save_worker(s, w);
    s->dispatch_wanted = true;
    log_info("worker %s registered: %u cpus, %llu bytes, %u jobs running", w->name, w->cpus,
             (unsigned long long)w->mem, w->n_running);
}

void worker_on_heartbeat(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                         const struct msg *m)
{
    struct msg beat = {.type = MSG_HEARTBEAT};
    heard_from(s, w);
    sched_send_worker(s, w, &beat, OUTBOX_WORKER, 0, 0);
}

/* The attempt (job_id, number) when it is current and runs on w, else NULL. */
static struct attempt *current_attempt(struct sched *s, struct worker *w, uint64_t job_id,
                                       uint32_t number)
{
    struct attempt *a = workers_attempt(s->workers, job_id);
    return a && a->worker == w && a->number == number ? a : NULL;
}

void worker_on_started(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                       const struct msg *m)
{
    const struct msg_job_started *started = &m->u.started;
    struct attempt *a = current_attempt(s, w, started->job_id, started->attempt);

    heard_from(s, w);
    if (a)
        workers_start_staged(s->workers, a); /* the mirror was behind: it runs */
    /* written at the end of the turn (sched_end_turn), unless the attempt ended by then */
    if (a && workers_hold_start(s->workers, a, started->started_at) < 0)
        store_job_started(s->store, started->job_id, started->attempt, started->started_at);
}

void worker_on_result(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                      const struct msg *m)
{
    const struct msg_job_result *result = &m->u.result;
    struct attempt *a = current_attempt(s, w, result->job_id, result->attempt);

    heard_from(s, w);
    /* a fenced attempt was killed by its worker's fence while this scheduler still counted
     * on it (it was away, not gone): the job was not at fault, so it runs again at no cost */
    int rc = !a                 ? 0
             : result->fenced   ? lifecycle_requeue(s, a, "lost contact with the scheduler", false)
             : result->returned ? lifecycle_requeue(s, a, "gave it back before it started", false)
                                : lifecycle_finish(s, a, result);
    if (rc < 0)
        return; /* not stored: no ack, so the worker sends it again */
    if (!a)
        log_debug("job %llu attempt %u: stale or repeated result from %s, acknowledged",
                  (unsigned long long)result->job_id, result->attempt, w->name);
    /* acknowledged in every case once committed (a stale result changes nothing): held for
     * the worker's next RUN when it takes them there, else (or when it cannot be held) alone */
    struct msg ack = {.type = MSG_RESULT_ACK};
    ack.u.result_ack = (struct msg_kill){result->job_id, result->attempt, result->state};
    if (!w->acks_in_run || acks_hold(&s->held_acks, w, &ack.u.result_ack, clock_mono_ms()) < 0)
        sched_send_worker(s, w, &ack, OUTBOX_WORKER, result->job_id, result->attempt);
}

void worker_on_goodbye(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                       const struct msg *m)
{
    /* it reported what finished; what is left was killed by its stop, not by the job */
    w->last_seen = clock_now_ms();
    worker_gone(s, w, "shut down", false);
}

void worker_on_leaving(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                       const struct msg *m)
{
    heard_from(s, w);
    if (w->leaving)
        return;
    workers_set_leaving(s->workers, w);
    log_info("worker %s is shutting down: no new jobs; its %u running jobs have %u ms to finish",
             w->name, w->n_running, m->u.leaving.grace_ms);
}
