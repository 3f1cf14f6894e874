/* lifecycle.c — job state changes: start, finish, requeue, cancel; counts and waiters follow. */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "dispatch.h"
#include "log.h"
#include "sched_int.h"

#define RUN_ROOM_BYTES (64u << 10) /* outbox room a RUN needs besides its stdin */
#define CANCEL_REASON "cancelled by user"

/* a job brief holds "" for a name it cannot hold, and the pending counts count it as "" */
_Static_assert(sizeof(((struct job_brief *)0)->user) == USER_PENDING_NAME_MAX + 1,
               "job briefs and pending counts must agree on the longest user name");

/* A job ended (or was cancelled): counts, waiters, and maybe room for others. */
static void job_ended(struct sched *s, uint64_t job_id, uint8_t from, uint8_t to, int64_t now)
{
    stats_move(&s->stats, from, to, now);
    waiters_job_ended(s->waiters, job_id);
}

/* Memory was changed alongside writes that cannot all be made: undo the whole turn. */
static int undo_turn(struct sched *s, uint64_t job_id, const char *what)
{
    char why[160];
    snprintf(why, sizeof why, "job %llu: %s", (unsigned long long)job_id, what);
    log_error("%s; the turn will be rolled back", why);
    store_poison(s->store, why);
    s->reload_wanted = true;
    return COHORT_EIO;
}

/* A pending job of user that can never be sent to a worker ends failed instead of blocking
 * the queue. */
static int fail_unsendable(struct sched *s, uint64_t job_id, const char *user, int64_t now)
{
    struct run_end end = {.state = COHORT_JOB_FAILED,
                          .exit_code = -1,
                          .finished_at = now,
                          .reason = "the job's command, environment and stdin are too large "
                                    "to send to a worker"};
    int rc = store_job_end(s->store, job_id, &end);
    if (rc < 0)
        return rc;
    job_ended(s, job_id, COHORT_JOB_PENDING, COHORT_JOB_FAILED, now);
    user_pending_remove(s->user_pending, user, 1);
    return DISPATCH_DROPPED;
}

int lifecycle_place(void *arg, uint64_t job_id, const struct job_shape *shape,
                    struct match_slot *slot, bool staged)
{
    struct sched *s = arg;
    struct worker *w = slot->owner;
    struct job_record rec;
    struct attempt *a = NULL;
    struct outbox_item item = {
        .kind = OUTBOX_RUN, .job_id = job_id, .peer_len = (uint8_t)w->peer_len};
    int64_t now = clock_now_ms();
    int rc;

    buf_init(&item.payload, PROTO_MAX_MSG);
    if ((rc = store_job_get(s->store, job_id, true, &rec)) < 0) {
        log_error("job %llu is pending but cannot be read: %s", (unsigned long long)job_id,
                  rc == COHORT_ENOENT ? "no such job" : store_last_error(s->store));
        goto done;
    }
    if (!outbox_has_room(s->outbox, rec.stdin_len + RUN_ROOM_BYTES)) {
        rc = COHORT_ETOOBIG; /* go on next turn, after this one's messages left */
        goto done;
    }
    const struct job_info *info = &rec.info;
    item.attempt = info->attempts + 1;
    struct msg run = {.type = MSG_RUN};
    run.u.run = (struct msg_run){
        .job_id = job_id,
        .attempt = item.attempt,
        .array_index = info->array_index,
        .spec = {.name = info->name,
                 .user = info->user,
                 .cpus = info->cpus,
                 .mem = info->mem,
                 .time_limit = info->time_limit,
                 .priority = info->priority,
                 .retries = info->retries,
                 .cwd = info->cwd,
                 .stdin_data = rec.stdin_data,
                 .stdin_len = rec.stdin_len,
                 .argc = info->argc,
                 .argv = info->argv,
                 .envc = info->envc,
                 .env = info->env},
        .staged = staged,
    };
    acks_attach(w, &run.u.run);
    if (msg_encode(&item.payload, &run) < 0) {
        rc = fail_unsendable(s, job_id, info->user, now);
        goto done;
    }
    if ((rc = store_job_dispatch(s->store, job_id, item.attempt, w->name, now)) < 0)
        goto done;
    if (workers_attach(s->workers, &a, w, job_id, item.attempt, shape->cpus, shape->mem, staged) <
        0) {
        rc = undo_turn(s, job_id, "cannot record its attempt");
        goto done;
    }
    memcpy(item.peer, w->peer, w->peer_len);
    if (outbox_push(s->outbox, &item) < 0) {
        rc = undo_turn(s, job_id, "cannot hold its RUN message");
        goto done;
    }
    acks_sent(w, &run.u.run);
    stats_move(&s->stats, COHORT_JOB_PENDING, COHORT_JOB_RUNNING, now);
    user_pending_remove(s->user_pending, info->user, 1);
    log_debug("job %llu attempt %u -> %s%s", (unsigned long long)job_id, item.attempt, w->name,
              staged ? " (staged)" : "");
done:
    buf_free(&item.payload);
    job_record_free(&rec);
    return rc;
}

/* Words for how a run ended, when the worker gave none. */
static void describe_end(char *out, size_t len, uint8_t state, int32_t exit_code, int32_t signal,
                         uint32_t time_limit)
{
    switch (state) {
    case COHORT_JOB_COMPLETED:
        snprintf(out, len, "completed");
        break;
    case COHORT_JOB_TIMEOUT:
        snprintf(out, len, "time limit of %u s reached", time_limit);
        break;
    case COHORT_JOB_CANCELLED:
        snprintf(out, len, CANCEL_REASON);
        break;
    default:
        if (signal > 0)
            snprintf(out, len, "killed by signal %d (%s)", signal, strsignal(signal));
        else if (exit_code >= 0)
            snprintf(out, len, "exited with code %d", exit_code);
        else
            snprintf(out, len, "failed");
    }
}

int lifecycle_finish(struct sched *s, struct attempt *a, const struct msg_job_result *result)
{
    struct job_brief job = {0};
    char reason[256];
    int64_t now = clock_now_ms();
    int rc;

    /* a current attempt's job is running, or cancelled, which lifecycle_cancel and
     * sched_reload mark on the attempt: the job's row is read only for the words of a
     * time-out */
    bool cancelled = a->cancelled;
    /* the worker says CANCELLED only for a kill we asked for: otherwise it failed */
    uint8_t state =
        result->state == COHORT_JOB_CANCELLED && !cancelled ? COHORT_JOB_FAILED : result->state;
    if (result->reason[0]) {
        snprintf(reason, sizeof reason, "%s", result->reason);
    } else {
        if (state == COHORT_JOB_TIMEOUT && (rc = store_job_brief(s->store, a->job_id, &job)) < 0)
            return rc;
        describe_end(reason, sizeof reason, state, result->exit_code, result->signal,
                     job.time_limit);
    }
    struct run_end end = {.state = state,
                          .exit_code = result->exit_code,
                          .signal = result->signal,
                          .reason = reason,
                          .started_at = result->started_at ? result->started_at : a->started_at,
                          .finished_at = result->finished_at ? result->finished_at : now,
                          .cpu_time_ms = result->cpu_time_ms};
    if ((rc = store_attempt_end(s->store, a->job_id, a->number, a->worker->name, &end)) < 0)
        return rc;
    if (cancelled) {
        end.state = COHORT_JOB_CANCELLED;
        end.reason = CANCEL_REASON;
    }
    if ((rc = store_job_end(s->store, a->job_id, &end)) < 0 ||
        (rc = store_output_put(s->store, a->job_id, COHORT_STREAM_STDOUT, result->out,
                               result->out_len, result->out_truncated)) < 0 ||
        (rc = store_output_put(s->store, a->job_id, COHORT_STREAM_STDERR, result->err,
                               result->err_len, result->err_truncated)) < 0)
        return rc;
    uint64_t job_id = a->job_id;
    workers_note_end(s->workers, a, clock_mono_ms());
    workers_detach(s->workers, a);
    if (!cancelled) /* a cancelled job was counted as ended when it was cancelled */
        job_ended(s, job_id, COHORT_JOB_RUNNING, end.state, now);
    s->dispatch_wanted = true;
    return 0;
}

int lifecycle_requeue(struct sched *s, struct attempt *a, const char *cause, bool charge)
{
    struct job_brief job;
    char job_reason[256], attempt_reason[192];
    int64_t now = clock_now_ms();
    int rc = store_job_brief(s->store, a->job_id, &job);

    if (rc < 0)
        return rc;
    charge = charge && !a->staged; /* a staged attempt never started: nothing was lost */
    uint64_t job_id = a->job_id;
    snprintf(attempt_reason, sizeof attempt_reason, "worker %s %s", a->worker->name, cause);
    struct run_end lost = {
        .state = COHORT_JOB_PENDING,
        .exit_code = -1,
        .reason = attempt_reason,
        .started_at = a->started_at, /* it may be held in memory only (workers_hold_start) */
        .finished_at = now};
    if ((rc = store_attempt_end(s->store, job_id, a->number, a->worker->name, &lost)) < 0)
        return rc;
    if (job.state != COHORT_JOB_RUNNING) {
        /* cancelled while it ran: the job has ended already; only the attempt is lost */
        workers_detach(s->workers, a);
        s->dispatch_wanted = true;
        return 0;
    }
    /* only charged losses spend retries; attempts lost at no cost come on top of them */
    uint32_t losses = job.losses + (charge ? 1 : 0);
    bool exhausted = charge && losses > job.retries;
    uint8_t state = exhausted ? COHORT_JOB_FAILED : COHORT_JOB_PENDING;
    if (exhausted)
        snprintf(job_reason, sizeof job_reason, "worker lost and retries exhausted (%u attempts)",
                 job.attempts);
    else if (charge)
        snprintf(job_reason, sizeof job_reason, "requeued: worker %s %s (attempt %u of %llu)",
                 a->worker->name, cause, a->number,
                 (unsigned long long)job.retries + 1 + (job.attempts - losses));
    else
        snprintf(job_reason, sizeof job_reason, "requeued: worker %s %s", a->worker->name, cause);
    if ((rc = store_job_requeue(s->store, job_id, state, job_reason, charge, now)) < 0)
        return rc;
    workers_detach(s->workers, a);
    s->dispatch_wanted = true;
    if (exhausted) {
        job_ended(s, job_id, COHORT_JOB_RUNNING, COHORT_JOB_FAILED, now);
        return 0;
    }
    struct job_shape shape = {.priority = job.priority, .cpus = job.cpus, .mem = job.mem};
    if (queue_add(s->queue, job_id, 1, &shape) < 0 ||
        user_pending_add(s->user_pending, job.user, 1) < 0)
        return undo_turn(s, job_id, "cannot queue it again");
    stats_move(&s->stats, COHORT_JOB_RUNNING, COHORT_JOB_PENDING, now);
    log_info("job %llu: %s", (unsigned long long)job_id, job_reason);
    return 0;
}

int lifecycle_cancel(struct sched *s, uint64_t job_id, int32_t *code)
{
    struct job_brief job;
    int64_t now = clock_now_ms();
    int rc = store_job_brief(s->store, job_id, &job);

    *code = rc == COHORT_ENOENT ? COHORT_ENOENT : 0;
    if (rc < 0)
        return rc == COHORT_ENOENT ? 0 : rc;
    if (job_state_ended(job.state)) {
        *code = COHORT_ESTATE;
        return 0;
    }
    if ((rc = store_job_cancel(s->store, job_id, CANCEL_REASON, now)) < 0)
        return rc;
    if (job.state == COHORT_JOB_PENDING) {
        struct job_shape shape = {.priority = job.priority, .cpus = job.cpus, .mem = job.mem};
        if (queue_remove(s->queue, job_id, &shape) < 0)
            return undo_turn(s, job_id, "is pending but not queued");
        user_pending_remove(s->user_pending, job.user, 1);
    } else {
        /* its resources stay reserved until the worker reports the attempt's end */
        struct attempt *a = workers_attempt(s->workers, job_id);
        if (a && (rc = store_attempt_running(s->store, job_id, a->number, a->worker->name,
                                             a->started_at)) < 0)
            return rc;
        if (a) {
            struct msg kill = {.type = MSG_KILL};
            kill.u.kill = (struct msg_kill){job_id, a->number, COHORT_JOB_CANCELLED};
            a->cancelled = true;
            if (a->worker->connected)
                sched_send_worker(s, a->worker, &kill, OUTBOX_WORKER, job_id, a->number);
        }
    }
    job_ended(s, job_id, job.state, COHORT_JOB_CANCELLED, now);
    return 0;
}
