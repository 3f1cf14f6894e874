/* agent_stop.c — a worker's clean stop: no new jobs, a grace to finish, GOODBYE. */
#include <inttypes.h>

#include "agent_int.h"
#include "clock.h"
#include "cohort.h"
#include "log.h"

#define STOP_KILL_WAIT_MS (RUNNER_KILL_GRACE_MS + 3000) /* for killed jobs to be reaped */
#define STOP_ACK_WAIT_MS 2000 /* for the acknowledgement of the results still held */
#define STOP_KILL_REASON "the worker shut down"

/* Tell the scheduler to send no more jobs, with the grace that is left. */
static void send_leaving(struct agent *a, int64_t now)
{
    int64_t left_ms =
        a->stop_phase == STOP_DRAINING && a->stop_deadline > now ? a->stop_deadline - now : 0;
    struct msg m = {.type = MSG_LEAVING, .u.leaving = {(uint32_t)left_ms}};

    agent_send_msg(a, &m);
}

static void start_killing(struct agent *a, int64_t now, const char *why)
{
    log_warn("%s: killing %" PRIu32 " running jobs; the scheduler requeues them", why,
             runner_count(a->runner));
    a->stop_phase = STOP_KILLING;
    a->stop_deadline = now + STOP_KILL_WAIT_MS;
    runner_kill_all(a->runner, COHORT_JOB_FAILED, STOP_KILL_REASON);
}

static void start_flushing(struct agent *a, int64_t now)
{
    a->stop_phase = STOP_FLUSHING;
    a->stop_deadline = now + STOP_ACK_WAIT_MS;
}

/* Say GOODBYE and hand over to on_stopped, which may free a. */
static void finish(struct agent *a)
{
    struct msg goodbye = {.type = MSG_GOODBYE};

    if (a->held.count)
        log_info("%" PRIu32 " results not acknowledged yet stay in the spool for the next start",
                 a->held.count);
    agent_send_msg(a, &goodbye);
    a->stop_phase = STOP_DONE;
    uv_timer_stop(&a->tick);
    log_info("stopped");
    a->on_stopped(a->stopped_arg);
}

bool agent_stop_advance(struct agent *a, int64_t now)
{
    for (;;) {
        uint32_t running = runner_count(a->runner);
        switch (a->stop_phase) {
        case STOP_DRAINING:
            if (running == 0) {
                start_flushing(a, now);
                continue;
            }
            if (now >= a->stop_deadline)
                start_killing(a, now, "the grace is over");
            return false;
        case STOP_KILLING:
            if (running > 0 && now < a->stop_deadline)
                return false;
            if (running > 0)
                log_warn("%" PRIu32 " killed jobs were not reaped in time", running);
            start_flushing(a, now);
            continue;
        case STOP_FLUSHING:
            if (a->held.count > 0 && now < a->stop_deadline)
                return false;
            finish(a);
            return true;
        default:
            return false;
        }
    }
}

void agent_stop_welcomed(struct agent *a, int64_t now)
{
    if (a->stop_phase != STOP_NONE && a->stop_phase != STOP_DONE)
        send_leaving(a, now);
}

bool agent_stop_drops_results(const struct agent *a)
{
    return a->stop_phase >= STOP_KILLING;
}

void agent_shutdown(struct agent *a, agent_stopped_cb on_stopped, void *arg)
{
    int64_t now = clock_mono_ms();

    if (a->stop_phase == STOP_DRAINING) {
        start_killing(a, now, "asked again to stop");
        return;
    }
    if (a->stop_phase != STOP_NONE)
        return;
    a->on_stopped = on_stopped;
    a->stopped_arg = arg;
    a->stop_phase = STOP_DRAINING;
    a->stop_deadline = now + a->cfg.grace_ms;
    log_info("stopping: no new jobs; %" PRIu32 " running jobs have %" PRIu32
             " ms to finish, then they are killed",
             runner_count(a->runner), a->cfg.grace_ms);
    if (a->welcomed)
        send_leaving(a, now);
    /* after LEAVING: the scheduler must not send a job it gets back here again */
    if (a->staged.count) {
        log_info("stopping: giving back %" PRIu32 " jobs that had not started", a->staged.count);
        agent_give_back_staged(a, "given back before it started: the worker is stopping", false);
    }
    /* the tick finishes the stop, never this call: the caller may still use a */
}
