/* staging.c — staged jobs taken back from busy workers when they should start elsewhere. */
#include "sched_int.h"

#include "clock.h"
#include "match.h"

#define STAGED_SCAN_MS 100 /* how often staged jobs are checked for their wait */

/* Ask a's worker to give a back, unless it started it meanwhile. */
static void send_take_back(struct sched *s, struct attempt *a)
{
    struct msg take_back = {.type = MSG_TAKE_BACK};

    take_back.u.take_back = (struct msg_kill){a->job_id, a->number, COHORT_JOB_PENDING};
    if (sched_send_worker(s, a->worker, &take_back, OUTBOX_WORKER, a->job_id, a->number) == 0)
        workers_set_taking_back(s->workers, a, true);
}

/* Take back what w stages that must not wait there: all of it on a worker that takes no new
 * work, what waited longer than a heartbeat (the stage window), and, when *room, the first
 * job that fits a free slot elsewhere (then *room is cleared: one such at a time). */
static void take_back_from(struct sched *s, struct worker *w, int64_t now, bool *room)
{
    bool away = w->draining || w->leaving;
    struct attempt *a = w->staged_first;

    while (a) {
        struct attempt *next = a->stage_next;
        bool fits_elsewhere =
            *room && match_pick(workers_pool(s->workers), a->cpus, a->mem) != NULL;
        bool waited_long = now - a->staged_mono > (int64_t)s->config.heartbeat_ms;
        if (!a->taking_back && (away || waited_long || fits_elsewhere)) {
            *room = *room && !fits_elsewhere;
            send_take_back(s, a);
        }
        a = next;
    }
}

void staging_take_back(struct sched *s)
{
    struct workers *ws = s->workers;
    int64_t now = clock_mono_ms();
    size_t pos = 0;
    struct worker *w;

    if (workers_staged_count(ws) == workers_taking_back_count(ws))
        return;
    /* a free slot the queue could not fill: the last dispatch pass went through the queue
     * (nothing that changed since would be left to a later pass) */
    bool room = s->queue_sifted && !s->dispatch_wanted && workers_taking_back_count(ws) == 0 &&
                match_most_free_cpus(workers_pool(ws)) > 0;
    if (!room && now - s->staged_scanned_mono < STAGED_SCAN_MS)
        return;
    s->staged_scanned_mono = now;
    while ((w = workers_next(ws, &pos)))
        if (w->n_staged && w->connected)
            take_back_from(s, w, now, &room);
}
