/* client_query.c — JOBS, SHOW and LOGS: listings paced while jobs run, one job, its output. */
#include <stdlib.h>

#include "authz.h"
#include "capacity.h"
#include "client_request.h"
#include "clock.h"
#include "sched_int.h"

static bool is_unexplained_pending(const struct job_info *job)
{
    return job->state == COHORT_JOB_PENDING && !job->reason[0];
}

/* Pending jobs store no reason of their own unless they were requeued: say why they wait,
 * from the sizes of the workers up now (the reasons are borrowed from cap). Returns 0 or
 * COHORT_ENOMEM. */
static int explain_pending(struct capacity *cap, const struct sched *s, struct job_info *jobs,
                           uint32_t n)
{
    uint32_t first = 0;
    size_t pos = 0;
    struct worker *w;

    while (first < n && !is_unexplained_pending(&jobs[first]))
        first++;
    if (first == n)
        return 0;
    if (capacity_init(cap, workers_count(s->workers)) < 0)
        return COHORT_ENOMEM;
    while ((w = workers_next(s->workers, &pos)))
        if (workers_state(w) == COHORT_WORKER_UP)
            capacity_add(cap, w->cpus, w->mem);
    capacity_seal(cap);
    for (uint32_t i = first; i < n; i++)
        if (is_unexplained_pending(&jobs[i]))
            jobs[i].reason = capacity_pending_reason(cap, jobs[i].cpus, jobs[i].mem);
    return 0;
}

#define STAGED_REASON "staged on its worker: starts there when a cpu frees"

/* Whether a job the database says runs is only staged on its worker (not started). */
static bool is_staged(const struct sched *s, const struct job_info *job)
{
    const struct attempt *a;
    return job->state == COHORT_JOB_RUNNING && (a = workers_attempt(s->workers, job->id)) &&
           a->staged;
}

/* A staged job is shown as pending, on its worker, with its attempt waiting too. */
static void show_staged(const struct sched *s, struct job_info *jobs, uint32_t n)
{
    if (workers_staged_count(s->workers) == 0)
        return;
    for (uint32_t i = 0; i < n; i++) {
        if (!is_staged(s, &jobs[i]))
            continue;
        jobs[i].state = COHORT_JOB_PENDING;
        jobs[i].reason = STAGED_REASON;
        for (uint32_t k = 0; k < jobs[i].n_attempt_list; k++) {
            struct attempt_info *at = &jobs[i].attempt_list[k];
            if (at->attempt == jobs[i].attempts && at->state == COHORT_JOB_RUNNING) {
                at->state = COHORT_JOB_PENDING;
                at->reason = STAGED_REASON;
            }
        }
    }
}

void request_answer_jobs(const struct request *req, struct job_info *jobs, uint32_t n)
{
    struct msg_reply reply = {0};
    struct capacity cap = {0};

    show_staged(req->s, jobs, n);
    if (explain_pending(&cap, req->s, jobs, n) < 0) {
        request_fail_no_memory(req);
        goto done;
    }
    reply.u.jobs.n = n;
    reply.u.jobs.jobs = jobs;
    request_answer(req, &reply);
done:
    capacity_free(&cap);
}

/* Whether jobs run, so that listings must share the loop with dispatch. */
static bool listings_paced(const struct sched *s)
{
    return s->stats.jobs[COHORT_JOB_RUNNING] > 0;
}

/* Keep the rows of list that a listing of mask shows: a staged job is listed as pending,
 * not running. */
static void keep_shown(const struct sched *s, struct job_list *list, uint32_t mask)
{
    uint32_t kept = 0;

    for (uint32_t i = 0; i < list->n; i++) {
        uint8_t shown = is_staged(s, &list->jobs[i]) ? COHORT_JOB_PENDING : list->jobs[i].state;
        if (!(mask & 1u << shown)) {
            free(list->storage[i]);
            continue;
        }
        list->jobs[kept] = list->jobs[i];
        list->storage[kept++] = list->storage[i];
    }
    list->n = kept;
}

/* Read one page of the jobs a listing of mask shows after after_id, at most limit rows
 * read in all (spent from the row budget). Staged jobs are running in the database and
 * pending to users: while any are staged, a listing of one of the two reads both and keeps
 * what it shows, reading on past pages it kept nothing of. Returns 0 or COHORT_EIO. */
static int list_page(struct sched *s, struct job_list *list, uint32_t mask, uint64_t after_id,
                     uint32_t limit)
{
    const uint32_t both = 1u << COHORT_JOB_PENDING | 1u << COHORT_JOB_RUNNING;
    bool sift = workers_staged_count(s->workers) > 0 && (mask & both) && (mask & both) != both;
    uint32_t read_mask = sift ? mask | both : mask;

    for (;;) {
        int rc = store_jobs_list(s->store, list, read_mask, after_id, limit);
        if (rc < 0)
            return rc;
        list_budget_spend(&s->list_budget, list->n);
        uint32_t read = list->n;
        if (!sift || read == 0)
            return 0;
        after_id = list->jobs[read - 1].id;
        keep_shown(s, list, mask);
        if (list->n > 0 || read < limit)
            return 0;
        job_list_free(list);
    }
}

/* Answer one listing now, its page cut short to what the row budget allows (clients page
 * on), so that listings never starve dispatch. */
static void serve_listing(struct sched *s, const uint8_t *peer, size_t peer_len,
                          const struct msg_jobs *query)
{
    struct request req = {s, peer, peer_len, query->req_id, MSG_JOBS};
    uint32_t mask = query->state_mask ? query->state_mask
                                      : 1u << COHORT_JOB_PENDING | 1u << COHORT_JOB_RUNNING;
    uint32_t limit = query->limit && query->limit < PROTO_MAX_ROWS ? query->limit : PROTO_MAX_ROWS;
    struct job_list list = {0};

    limit = list_budget_page(&s->list_budget, limit, listings_paced(s), clock_mono_ms());
    if (list_page(s, &list, mask, query->after_id, limit) < 0)
        request_fail(&req, COHORT_EIO, "cannot list jobs: %s", store_last_error(s->store));
    else
        request_answer_jobs(&req, list.jobs, list.n);
    job_list_free(&list);
}

static void on_list_timer(uv_timer_t *timer)
{
    client_serve_held_listings(timer->data);
}

void client_serve_held_listings(struct sched *s)
{
    struct list_deferred held;
    int64_t wait_ms;

    while (s->list_defer.count > 0) {
        if (list_budget_should_wait(&s->list_budget, listings_paced(s), clock_mono_ms(),
                                    &wait_ms)) {
            uv_timer_start(&s->list_timer, on_list_timer, (uint64_t)wait_ms, 0);
            return;
        }
        list_defer_pop(&s->list_defer, &held);
        serve_listing(s, held.peer, held.peer_len, &held.query);
    }
}

void client_on_jobs(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                    const struct msg *m)
{
    const struct msg_jobs *query = &m->u.jobs;
    struct request req = {s, peer, peer_len, query->req_id, m->type};
    int64_t wait_ms;

    if (query->state_mask >> COHORT_JOB_STATE_COUNT) {
        request_fail(&req, COHORT_EINVAL, "the state filter names an unknown state");
        return;
    }
    /* a client listing in a tight loop waits for the budget instead of spinning on short
     * pages; when too many wait already, it gets a short page at once */
    if (list_budget_should_wait(&s->list_budget, listings_paced(s), clock_mono_ms(), &wait_ms) &&
        list_defer_push(&s->list_defer, peer, peer_len, query)) {
        if (!uv_is_active((uv_handle_t *)&s->list_timer))
            uv_timer_start(&s->list_timer, on_list_timer, (uint64_t)wait_ms, 0);
        return;
    }
    serve_listing(s, peer, peer_len, query);
}

void client_on_show(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                    const struct msg *m)
{
    struct request req = {s, peer, peer_len, m->u.show.req_id, m->type};
    uint64_t job_id = m->u.show.job_id;
    struct job_record rec;
    int rc = store_job_get(s->store, job_id, false, &rec);

    if (rc == 0)
        rc = store_job_attempts(s->store, &rec);
    if (rc == COHORT_ENOENT)
        request_fail(&req, rc, "no job %llu", (unsigned long long)job_id);
    else if (rc < 0)
        request_fail(&req, rc, "cannot read job %llu: %s", (unsigned long long)job_id,
             store_last_error(s->store));
    else
        request_answer_jobs(&req, &rec.info, 1);
    job_record_free(&rec);
}

void client_on_logs(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                    const struct msg *m)
{
    const struct msg_logs *logs = &m->u.logs;
    struct request req = {s, peer, peer_len, logs->req_id, m->type};
    struct msg_reply reply = {0};
    struct job_brief job;
    uint8_t *data = NULL;
    char why[384];
    int rc;

    if (logs->stream != COHORT_STREAM_STDOUT && logs->stream != COHORT_STREAM_STDERR) {
        request_fail(&req, COHORT_EINVAL, "unknown output stream %u", logs->stream);
        return;
    }
    if ((rc = store_job_brief(s->store, logs->job_id, &job)) == COHORT_ENOENT) {
        request_fail(&req, rc, "no job %llu", (unsigned long long)logs->job_id);
        return;
    }
    if (rc == 0 && !authz_may_act_on_job(&s->caller, logs->job_id, job.user, "read its output", why,
                                         sizeof why)) {
        request_fail(&req, COHORT_EPERM, "%s", why);
        return;
    }
    /* output is stored when the job ends; before that there is nothing to show */
    if (rc == 0 && job_state_ended(job.state))
        rc = store_output_get(s->store, logs->job_id, logs->stream, &data, &reply.u.logs.len,
                              &reply.u.logs.truncated);
    if (rc < 0) {
        request_fail(&req, rc, "cannot read the output of job %llu: %s", (unsigned long long)logs->job_id,
             store_last_error(s->store));
    } else {
        reply.u.logs.data = data;
        request_answer(&req, &reply);
    }
    free(data);
}
