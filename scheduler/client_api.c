/* client_api.c — client requests: submit, list, show, logs, cancel, wait, workers, status. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "capacity.h"
#include "clock.h"
#include "log.h"
#include "parse.h"
#include "sched_int.h"

/* Who asked what: everything an answer needs. */
struct request {
    struct sched *s;
    const uint8_t *peer;
    size_t peer_len;
    uint64_t req_id;
    uint8_t type; /* enum msg_type of the request */
};

/* Answer req with a negative COHORT_E* status and a sentence. */
static void fail(const struct request *req, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(const struct request *req, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sched_reply_verror(req->s, req->peer, req->peer_len, req->req_id, req->type, status, fmt, ap);
    va_end(ap);
}

/* Answer req with reply, whose body the caller filled. */
static void answer(const struct request *req, struct msg_reply *reply)
{
    reply->req_id = req->req_id;
    reply->request = req->type;
    sched_reply(req->s, req->peer, req->peer_len, reply);
}

static void fail_no_memory(const struct request *req)
{
    fail(req, COHORT_ENOMEM, "the scheduler is out of memory");
}

/* ---- SUBMIT ---- */

static uint64_t spec_job_count(const struct job_spec *spec)
{
    return spec->is_array ? (uint64_t)spec->array_last - spec->array_first + 1 : 1;
}

/* Whether spec can be stored as given; else why, in words. */
static bool valid_spec(const struct job_spec *spec, char *why, size_t why_len)
{
    if (!spec->argc || !spec->argv[0][0]) {
        snprintf(why, why_len, "the command is empty");
        return false;
    }
    if (spec->mem > INT64_MAX) {
        snprintf(why, why_len, "the memory request is out of range");
        return false;
    }
    if (spec->is_array && spec->array_last < spec->array_first) {
        snprintf(why, why_len, "the array range is empty");
        return false;
    }
    for (uint32_t i = 0; i < spec->envc; i++)
        if (parse_key_value(spec->env[i]) < 0) {
            snprintf(why, why_len, "environment entry '%.64s' is not KEY=VALUE", spec->env[i]);
            return false;
        }
    return true;
}

/* A submission whose key is stored was sent before (the client did not get the answer, or
 * sent it again): answer with the ids it got and store nothing. Returns true when req was
 * answered that way or refused; false when the key is new. */
static bool answer_resent(const struct request *req, const struct msg_submit *submit,
                          uint64_t *first_ids, uint32_t *counts)
{
    int rc =
        store_submission_find(req->s->store, submit->idem_key, submit->n_specs, first_ids, counts);

    for (uint32_t i = 0; rc == 0 && i < submit->n_specs; i++)
        if (counts[i] != spec_job_count(&submit->specs[i]))
            rc = COHORT_ESTATE;
    if (rc == COHORT_ENOENT)
        return false;
    if (rc == COHORT_ESTATE) {
        fail(req, COHORT_EINVAL, "submission key '%s' was already used for other jobs",
             submit->idem_key);
    } else if (rc < 0) {
        fail(req, COHORT_EIO, "cannot look the submission up: %s", store_last_error(req->s->store));
    } else {
        struct msg_reply reply = {0};
        reply.u.submit.n = submit->n_specs;
        reply.u.submit.first_ids = first_ids;
        reply.u.submit.counts = counts;
        answer(req, &reply);
        log_info("submission %s was sent again: answered with job %llu.. it got before",
                 submit->idem_key, (unsigned long long)first_ids[0]);
    }
    return true;
}

/* Count the submission's jobs as pending for their users, unless that takes a user past
 * max-pending-per-user: then req is refused and nothing stays counted. Specs may name
 * several users (insecure mode). Returns true when the jobs were counted. */
static bool reserve_pending(const struct request *req, const struct msg_submit *submit)
{
    struct user_pending *up = req->s->user_pending;
    uint64_t cap = req->s->config.max_pending_per_user;
    uint32_t added = 0;
    bool ok = true;

    for (; added < submit->n_specs; added++) {
        const struct job_spec *spec = &submit->specs[added];
        if (user_pending_add(up, spec->user, spec_job_count(spec)) < 0) {
            fail_no_memory(req);
            ok = false;
            break;
        }
    }
    for (uint32_t i = 0; ok && i < submit->n_specs; i++) {
        const char *user = submit->specs[i].user;
        uint64_t after = user_pending_count(up, user), asked = 0;
        if (after <= cap)
            continue;
        for (uint32_t j = 0; j < submit->n_specs; j++)
            if (strcmp(submit->specs[j].user, user) == 0)
                asked += spec_job_count(&submit->specs[j]);
        fail(req, COHORT_ETOOBIG,
             "user %s has %llu pending jobs and asks for %llu more; the cap is %llu "
             "(max-pending-per-user)",
             user, (unsigned long long)(after - asked), (unsigned long long)asked,
             (unsigned long long)cap);
        ok = false;
    }
    for (uint32_t i = 0; !ok && i < added; i++)
        user_pending_remove(up, submit->specs[i].user, spec_job_count(&submit->specs[i]));
    return ok;
}

void client_on_submit(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                      const struct msg *m)
{
    const struct msg_submit *submit = &m->u.submit;
    struct request req = {s, peer, peer_len, submit->req_id, m->type};
    uint64_t *first_ids = calloc(submit->n_specs, sizeof(*first_ids));
    uint32_t *counts = calloc(submit->n_specs, sizeof(*counts));
    bool keyed = submit->idem_key && submit->idem_key[0];
    uint64_t total = 0;
    int64_t now = clock_now_ms();
    char why[256];
    int rc;

    /* the jobs belong to the caller's key, whatever the request says */
    for (uint32_t i = 0; i < submit->n_specs; i++)
        submit->specs[i].user = authz_job_owner(&s->caller, submit->specs[i].user);
    if (!first_ids || !counts) {
        fail_no_memory(&req);
        goto done;
    }
    /* check every spec first: a submission is stored whole or not at all */
    for (uint32_t i = 0; i < submit->n_specs; i++) {
        if (!valid_spec(&submit->specs[i], why, sizeof why)) {
            fail(&req, COHORT_EINVAL, "job spec %u: %s", i + 1, why);
            goto done;
        }
        total += spec_job_count(&submit->specs[i]);
    }
    if (total > s->config.max_submit_jobs) {
        fail(&req, COHORT_ETOOBIG,
             "this submission has %llu jobs; the cap is %llu (max-submit-jobs)",
             (unsigned long long)total, (unsigned long long)s->config.max_submit_jobs);
        goto done;
    }
    /* a resent submission was counted when it was stored */
    if (keyed && answer_resent(&req, submit, first_ids, counts))
        goto done;
    /* counted before storing: a failure below undoes the turn, and the reload recounts */
    if (!reserve_pending(&req, submit))
        goto done;
    for (uint32_t i = 0; i < submit->n_specs; i++) {
        const struct job_spec *spec = &submit->specs[i];
        struct job_shape shape = {.priority = spec->priority, .cpus = spec->cpus, .mem = spec->mem};
        counts[i] = (uint32_t)spec_job_count(spec);
        if (store_jobs_insert(s->store, &first_ids[i], spec, counts[i], now) < 0) {
            fail(&req, COHORT_EIO, "cannot store the jobs: %s", store_last_error(s->store));
            goto done;
        }
        if (queue_add(s->queue, first_ids[i], counts[i], &shape) < 0) {
            /* stored but not queued: the turn is undone and the state reloaded */
            store_poison(s->store, "cannot queue submitted jobs: out of memory");
            s->reload_wanted = true;
            fail_no_memory(&req);
            goto done;
        }
        stats_add(&s->stats, COHORT_JOB_PENDING, counts[i]);
    }
    /* the key goes in the jobs' transaction: both are stored, or neither */
    if (keyed && (rc = store_submission_put(s->store, submit->idem_key, submit->n_specs, first_ids,
                                            counts, now)) < 0) {
        if (rc == COHORT_ENOMEM)
            store_poison(s->store, "cannot store the submission key: out of memory");
        fail(&req, rc, "cannot store the jobs: %s", store_last_error(s->store));
        goto done;
    }
    struct msg_reply reply = {0};
    reply.u.submit.n = submit->n_specs;
    reply.u.submit.first_ids = first_ids;
    reply.u.submit.counts = counts;
    answer(&req, &reply);
    s->dispatch_wanted = true;
    log_debug("%llu jobs submitted by %s", (unsigned long long)total, submit->specs[0].user);
done:
    free(first_ids);
    free(counts);
}

/* A frame that did not decode (why says how): when it is a client request whose req_id can
 * be read, answer it, so that the client learns why instead of waiting out its timeout. */
void client_on_malformed(struct sched *s, const uint8_t *peer, size_t peer_len,
                         const uint8_t *frame, size_t len, int status, const char *why)
{
    uint8_t type;
    uint64_t req_id;

    if (msg_peek_request(frame, len, &type, &req_id) < 0)
        return;
    struct request req = {s, peer, peer_len, req_id, type};
    if (status == COHORT_ENOMEM)
        fail_no_memory(&req);
    else
        fail(&req, COHORT_EPROTO, "malformed %s request: %s", msg_type_name(type), why);
}

/* ---- JOBS, SHOW, LOGS ---- */

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

static void answer_jobs(const struct request *req, struct job_info *jobs, uint32_t n)
{
    struct msg_reply reply = {0};
    struct capacity cap = {0};

    show_staged(req->s, jobs, n);
    if (explain_pending(&cap, req->s, jobs, n) < 0) {
        fail_no_memory(req);
        goto done;
    }
    reply.u.jobs.n = n;
    reply.u.jobs.jobs = jobs;
    answer(req, &reply);
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
        fail(&req, COHORT_EIO, "cannot list jobs: %s", store_last_error(s->store));
    else
        answer_jobs(&req, list.jobs, list.n);
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
        fail(&req, COHORT_EINVAL, "the state filter names an unknown state");
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
        fail(&req, rc, "no job %llu", (unsigned long long)job_id);
    else if (rc < 0)
        fail(&req, rc, "cannot read job %llu: %s", (unsigned long long)job_id,
             store_last_error(s->store));
    else
        answer_jobs(&req, &rec.info, 1);
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
        fail(&req, COHORT_EINVAL, "unknown output stream %u", logs->stream);
        return;
    }
    if ((rc = store_job_brief(s->store, logs->job_id, &job)) == COHORT_ENOENT) {
        fail(&req, rc, "no job %llu", (unsigned long long)logs->job_id);
        return;
    }
    if (rc == 0 && !authz_may_act_on_job(&s->caller, logs->job_id, job.user, "read its output", why,
                                         sizeof why)) {
        fail(&req, COHORT_EPERM, "%s", why);
        return;
    }
    /* output is stored when the job ends; before that there is nothing to show */
    if (rc == 0 && job_state_ended(job.state))
        rc = store_output_get(s->store, logs->job_id, logs->stream, &data, &reply.u.logs.len,
                              &reply.u.logs.truncated);
    if (rc < 0) {
        fail(&req, rc, "cannot read the output of job %llu: %s", (unsigned long long)logs->job_id,
             store_last_error(s->store));
    } else {
        reply.u.logs.data = data;
        answer(&req, &reply);
    }
    free(data);
}

/* ---- CANCEL, WAIT ---- */

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
        fail_no_memory(&req);
        return;
    }
    for (uint32_t i = 0; i < cancel->n_ids; i++) {
        unsigned long long id = cancel->ids[i];
        if ((rc = check_owner(s, id, "cancel it", why, sizeof why)) == COHORT_EPERM) {
            if (cancel->n_ids == 1) {
                fail(&req, rc, "%s", why);
                goto done;
            }
            codes[i] = rc;
        } else if (rc < 0 || lifecycle_cancel(s, id, &codes[i]) < 0) {
            fail(&req, COHORT_EIO, "cannot cancel job %llu: %s", id, store_last_error(s->store));
            goto done;
        }
    }
    struct msg_reply reply = {0};
    reply.u.cancel.n = cancel->n_ids;
    reply.u.cancel.codes = codes;
    answer(&req, &reply);
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
        fail(req, rc == COHORT_ENOENT ? rc : COHORT_EIO, "cannot read the jobs: %s",
             store_last_error(req->s->store));
    else
        answer_jobs(req, list.jobs, list.n);
    job_list_free(&list);
}

void client_wait_ready(void *arg, int status, const uint8_t *peer, size_t peer_len, uint64_t req_id,
                       const uint64_t *ids, uint32_t n_ids)
{
    struct request req = {arg, peer, peer_len, req_id, MSG_WAIT};

    if (status < 0)
        fail(&req, status, "timed out");
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
        fail_no_memory(&req);
        return;
    }
    for (uint32_t i = 0; i < wait->n_ids; i++) {
        unsigned long long id = wait->ids[i];
        if ((rc = store_job_brief(s->store, id, &job)) == COHORT_ENOENT) {
            fail(&req, rc, "no job %llu", id);
            goto done;
        } else if (rc < 0) {
            fail(&req, rc, "cannot read job %llu: %s", id, store_last_error(s->store));
            goto done;
        }
        if (!authz_may_act_on_job(&s->caller, id, job.user, "wait for it", why, sizeof why)) {
            fail(&req, COHORT_EPERM, "%s", why);
            goto done;
        }
        if (!job_state_ended(job.state))
            pending[n_pending++] = id;
    }
    if (n_pending == 0)
        answer_waited_jobs(&req, wait->ids, wait->n_ids);
    else if (wait->timeout_ms == 0)
        fail(&req, COHORT_ETIMEDOUT, "timed out");
    else if ((rc = waiters_add(s->waiters, peer, peer_len, req.req_id, wait->ids, wait->n_ids,
                               pending, n_pending, wait->timeout_ms)) == COHORT_ETOOBIG)
        fail(&req, rc, "too many clients are waiting; try again later");
    else if (rc < 0)
        fail_no_memory(&req);
done:
    free(pending);
}

/* ---- WORKERS, STATUS, DRAIN, RESUME ---- */

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
        fail_no_memory(&req);
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
    answer(&req, &reply);
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
    answer(&req, &reply);
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
        fail(&req, COHORT_ENOENT, "no worker named %s", ref->name);
        return;
    }
    if (store_worker_set_draining(s->store, w->name, draining) < 0) {
        fail(&req, COHORT_EIO, "cannot store the change: %s", store_last_error(s->store));
        return;
    }
    workers_set_draining(s->workers, w, draining);
    s->dispatch_wanted = s->dispatch_wanted || !draining;
    log_info("worker %s %s", w->name, draining ? "drained" : "resumed");
    struct msg_reply reply = {0};
    answer(&req, &reply);
}
