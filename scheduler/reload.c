/* reload.c — the scheduler's memory rebuilt from the database: pending queue, running
 * attempts, workers, counts. */
#include "sched_int.h"

static int load_user_pending(void *arg, const char *user, uint64_t pending)
{
    struct sched *s = arg;
    return user_pending_add(s->user_pending, user, pending);
}

static int load_pending_job(void *arg, uint64_t job_id, int32_t priority, uint32_t cpus,
                            uint64_t mem)
{
    struct sched *s = arg;
    struct job_shape shape = {.priority = priority, .cpus = cpus, .mem = mem};
    return queue_add(s->queue, job_id, 1, &shape);
}

/* The worker by name, created (not connected) when unknown. */
static int find_or_add_worker(struct sched *s, struct worker **w, const char *name, uint32_t cpus,
                              uint64_t mem)
{
    if ((*w = workers_by_name(s->workers, name)))
        return 0;
    int rc = workers_add(s->workers, w, name, cpus, mem, NULL, 0);
    if (rc == 0)
        (*w)->last_heard_mono = s->started_mono;
    return rc;
}

static int load_running_attempt(void *arg, uint64_t job_id, uint32_t attempt, const char *worker,
                                uint32_t cpus, uint64_t mem, bool cancelled)
{
    struct sched *s = arg;
    struct worker *w = NULL;
    struct attempt *a = NULL;
    int rc;

    if ((rc = find_or_add_worker(s, &w, worker, 0, 0)) < 0 ||
        (rc = workers_attach(s->workers, &a, w, job_id, attempt, cpus, mem, false)) < 0)
        return rc;
    a->cancelled = cancelled;
    return 0;
}

static int load_worker(void *arg, const struct worker_row *row)
{
    struct sched *s = arg;
    struct worker *w = workers_by_name(s->workers, row->name);
    int rc;

    if (!w) {
        if ((rc = workers_add(s->workers, &w, row->name, row->cpus, row->mem, row->labels,
                              row->n_labels)) < 0)
            return rc;
        w->last_seen = row->last_seen;
        w->last_heard_mono = s->started_mono;
    }
    workers_set_draining(s->workers, w, row->draining);
    return 0;
}

/* The database does not know which attempts were staged: after a reload they count as
 * started. Ask the workers that staged some to register again; their lists restore it. */
static void restage_later(struct sched *s, bool reloaded)
{
    struct msg reregister = {.type = MSG_REREGISTER};
    size_t pos = 0;
    struct worker *w;

    while ((w = workers_next(s->workers, &pos))) {
        if (!reloaded) {
            w->restage_wanted = w->restage_wanted || w->n_staged > 0;
        } else if (w->restage_wanted) {
            w->restage_wanted = false;
            if (w->connected)
                sched_send_now(s, w->peer, w->peer_len, &reregister);
        }
    }
}

int sched_reload(struct sched *s)
{
    uint64_t counts[COHORT_JOB_STATE_COUNT];
    int rc;

    restage_later(s, false);
    queue_clear(s->queue);
    user_pending_clear(s->user_pending);
    workers_detach_all(s->workers);
    if ((rc = store_load_workers(s->store, load_worker, s)) < 0 ||
        (rc = store_load_pending(s->store, load_pending_job, s)) < 0 ||
        (rc = store_count_pending_by_user(s->store, load_user_pending, s)) < 0 ||
        (rc = store_load_running(s->store, load_running_attempt, s)) < 0 ||
        (rc = store_count_states(s->store, counts)) < 0)
        return rc;
    stats_init(&s->stats, counts);
    restage_later(s, true);
    return 0;
}
