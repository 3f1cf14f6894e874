/* client_control.c — CANCEL and WAIT on jobs; WORKERS, STATUS, DRAIN and RESUME of the pool. */
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "client_request.h"
#include "clock.h"
#include "log.h"
#include "sched_int.h"

/* Whether the caller may act on job_id, by its owner (action ends "only alice or an admin
 * may ..."). Returns 0 when it may (also when there is no such job: the action says so),
 * COHORT_EPERM with why filled when it may not, COHORT_EIO when the job cannot be read. */
static int check_owner(struct sched *s, uint64_t job_id, const char *action, char *why,
                       size_t why_len)
{
    struct job_brief job;
    int rc;

    if (!authz_checks_owner(&s->caller))
        return 0;
    if ((rc = store_job_brief(s->store, job_id, &job)) < 0)
        return rc == COHORT_ENOENT ? 0 : rc;
    if (!authz_may_act_on_job(&s->caller, job_id, job.user, action, why, why_len))
        return COHORT_EPERM;
    return 0;
}

/* Each job is cancelled on its own: one the caller may not cancel reports COHORT_EPERM
 * while the others proceed. A request for one job only is refused whole instead, so that
 * the answer can say why. */
void client_on_cancel(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                      const struct msg *m)
{
    const struct msg_job_ids *cancel = &m->u.cancel;
    struct request req = {s, peer, peer_len, cancel->req_id, m->type};
    int32_t *codes = calloc(cancel->n_ids ? cancel->n_ids : 1, sizeof(*codes));
    char why[384];
    int rc;

    if (!codes) {
        request_fail_no_memory(&req);
        return;
    }
    for (uint32_t i = 0; i < cancel->n_ids; i++) {
        unsigned long long id = cancel->ids[i];
        if ((rc = check_owner(s, id, "cancel it", why, sizeof why)) == COHORT_EPERM) {
            if (cancel->n_ids == 1) {
                request_fail(&req, rc, "%s", why);
                goto done;
            }
            codes[i] = rc;
        } else if (rc < 0 || lifecycle_cancel(s, id, &codes[i]) < 0) {
            request_fail(&req, COHORT_EIO, "cannot cancel job %llu: %s", id, store_last_error(s->store));
            goto done;
        }
    }
    struct msg_reply reply = {0};
    reply.u.cancel.n = cancel->n_ids;
    reply.u.cancel.codes = codes;
    request_answer(&req, &reply);
    s->dispatch_wanted = true;
done:
    free(codes);
}

/* Answer a WAIT with the jobs it named (all ended). */
static void answer_waited_jobs(const struct request *req, const uint64_t *ids, uint32_t n_ids)
{
    struct job_list list = {0};
    int rc = 0;

    for (uint32_t i = 0; i < n_ids && rc == 0; i++)
        rc = store_jobs_append(req->s->store, &list, ids[i]);
    if (rc < 0)
        request_fail(req, rc == COHORT_ENOENT ? rc : COHORT_EIO, "cannot read the jobs: %s",
             store_last_error(req->s->store));
    else
        request_answer_jobs(req, list.jobs, list.n);
    job_list_free(&list);
}

void client_wait_ready(void *arg, int status, const uint8_t *peer, size_t peer_len, uint64_t req_id,
                       const uint64_t *ids, uint32_t n_ids)
{
    struct request req = {arg, peer, peer_len, req_id, MSG_WAIT};

    if (status < 0)
        request_fail(&req, status, "timed out");
    else
        answer_waited_jobs(&req, ids, n_ids);
}

void client_on_wait(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                    const struct msg *m)
{
    const struct msg_job_ids *wait = &m->u.wait;
    struct request req = {s, peer, peer_len, wait->req_id, m->type};
    uint64_t *pending = calloc(wait->n_ids ? wait->n_ids : 1, sizeof(*pending));
    uint32_t n_pending = 0;
    struct job_brief job;
    char why[384];
    int rc;

    if (!pending) {
        request_fail_no_memory(&req);
        return;
    }
    for (uint32_t i = 0; i < wait->n_ids; i++) {
        unsigned long long id = wait->ids[i];
        if ((rc = store_job_brief(s->store, id, &job)) == COHORT_ENOENT) {
            request_fail(&req, rc, "no job %llu", id);
            goto done;
        } else if (rc < 0) {
            request_fail(&req, rc, "cannot read job %llu: %s", id, store_last_error(s->store));
            goto done;
        }
        if (!authz_may_act_on_job(&s->caller, id, job.user, "wait for it", why, sizeof why)) {
            request_fail(&req, COHORT_EPERM, "%s", why);
            goto done;
        }
        if (!job_state_ended(job.state))
            pending[n_pending++] = id;
    }
    if (n_pending == 0)
        answer_waited_jobs(&req, wait->ids, wait->n_ids);
    else if (wait->timeout_ms == 0)
        request_fail(&req, COHORT_ETIMEDOUT, "timed out");
    else if ((rc = waiters_add(s->waiters, peer, peer_len, req.req_id, wait->ids, wait->n_ids,
                               pending, n_pending, wait->timeout_ms)) == COHORT_ETOOBIG)
        request_fail(&req, rc, "too many clients are waiting; try again later");
    else if (rc < 0)
        request_fail_no_memory(&req);
done:
    free(pending);
}

static int compare_worker_names(const void *a, const void *b)
{
    return strcmp((*(struct worker *const *)a)->name, (*(struct worker *const *)b)->name);
}

void client_on_workers(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *unused,
                       const struct msg *m)
{
    struct request req = {s, peer, peer_len, m->u.workers.req_id, m->type};
    size_t n = workers_count(s->workers), pos = 0;
    struct worker **sorted = calloc(n ? n : 1, sizeof(*sorted));
    struct worker_info *infos = calloc(n ? n : 1, sizeof(*infos));
    struct worker *w;

    if (!sorted || !infos) {
        request_fail_no_memory(&req);
        goto done;
    }
    for (size_t i = 0; (w = workers_next(s->workers, &pos)); i++)
        sorted[i] = w;
    qsort(sorted, n, sizeof(*sorted), compare_worker_names);
    for (size_t i = 0; i < n; i++) {
        w = sorted[i];
        infos[i] = (struct worker_info){.name = w->name,
                                        .state = workers_state(w),
                                        .cpus = w->cpus,
                                        .cpus_used = w->cpus_used,
                                        .mem = w->mem,
                                        .mem_used = w->mem_used,
                                        .running = w->n_running - w->n_staged,
                                        .n_labels = w->n_labels,
                                        .labels = w->labels,
                                        .last_seen = w->last_seen};
    }
    struct msg_reply reply = {0};
    reply.u.workers.n = (uint32_t)n;
    reply.u.workers.workers = infos;
    request_answer(&req, &reply);
done:
    free(sorted);
    free(infos);
}

void client_on_status(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *unused,
                      const struct msg *m)
{
    struct request req = {s, peer, peer_len, m->u.status.req_id, m->type};
    struct msg_reply reply = {0};
    struct status_info *st = &reply.u.status;
    size_t pos = 0;
    struct worker *w;

    while ((w = workers_next(s->workers, &pos))) {
        uint8_t state = workers_state(w);
        st->workers_total++;
        st->workers_up += state == COHORT_WORKER_UP;
        st->workers_draining += state == COHORT_WORKER_DRAINING;
        st->workers_down += state == COHORT_WORKER_DOWN;
        if (state == COHORT_WORKER_DOWN)
            continue;
        st->cpus_total += w->cpus;
        st->cpus_used += w->cpus_used;
        st->mem_total += w->mem;
        st->mem_used += w->mem_used;
    }
    memcpy(st->jobs, s->stats.jobs, sizeof(st->jobs));
    /* staged jobs have not started: pending to users */
    st->jobs[COHORT_JOB_RUNNING] -= workers_staged_count(s->workers);
    st->jobs[COHORT_JOB_PENDING] += workers_staged_count(s->workers);
    st->finished_last_minute = stats_finished_recently(&s->stats, clock_now_ms());
    request_answer(&req, &reply);
}

/* DRAIN and RESUME. */
void client_on_drain(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *unused,
                     const struct msg *m)
{
    const struct msg_worker_ref *ref = m->type == MSG_DRAIN ? &m->u.drain : &m->u.resume;
    struct request req = {s, peer, peer_len, ref->req_id, m->type};
    bool draining = m->type == MSG_DRAIN;
    struct worker *w = workers_by_name(s->workers, ref->name);

    if (!w) {
        request_fail(&req, COHORT_ENOENT, "no worker named %s", ref->name);
        return;
    }
    if (store_worker_set_draining(s->store, w->name, draining) < 0) {
        request_fail(&req, COHORT_EIO, "cannot store the change: %s", store_last_error(s->store));
        return;
    }
    workers_set_draining(s->workers, w, draining);
    s->dispatch_wanted = s->dispatch_wanted || !draining;
    log_info("worker %s %s", w->name, draining ? "drained" : "resumed");
    struct msg_reply reply = {0};
    request_answer(&req, &reply);
}
