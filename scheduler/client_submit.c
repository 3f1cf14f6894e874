/* client_submit.c — SUBMIT: validate the specs, store the jobs, answer a resent key with its ids. */
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "client_request.h"
#include "clock.h"
#include "log.h"
#include "parse.h"
#include "sched_int.h"

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
        request_fail(req, COHORT_EINVAL, "submission key '%s' was already used for other jobs",
             submit->idem_key);
    } else if (rc < 0) {
        request_fail(req, COHORT_EIO, "cannot look the submission up: %s", store_last_error(req->s->store));
    } else {
        struct msg_reply reply = {0};
        reply.u.submit.n = submit->n_specs;
        reply.u.submit.first_ids = first_ids;
        reply.u.submit.counts = counts;
        request_answer(req, &reply);
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
            request_fail_no_memory(req);
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
        request_fail(req, COHORT_ETOOBIG,
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
        request_fail_no_memory(&req);
        goto done;
    }
    /* check every spec first: a submission is stored whole or not at all */
    for (uint32_t i = 0; i < submit->n_specs; i++) {
        if (!valid_spec(&submit->specs[i], why, sizeof why)) {
            request_fail(&req, COHORT_EINVAL, "job spec %u: %s", i + 1, why);
            goto done;
        }
        total += spec_job_count(&submit->specs[i]);
    }
    if (total > s->config.max_submit_jobs) {
        request_fail(&req, COHORT_ETOOBIG,
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
            request_fail(&req, COHORT_EIO, "cannot store the jobs: %s", store_last_error(s->store));
            goto done;
        }
        if (queue_add(s->queue, first_ids[i], counts[i], &shape) < 0) {
            /* stored but not queued: the turn is undone and the state reloaded */
            store_poison(s->store, "cannot queue submitted jobs: out of memory");
            s->reload_wanted = true;
            request_fail_no_memory(&req);
            goto done;
        }
        stats_add(&s->stats, COHORT_JOB_PENDING, counts[i]);
    }
    /* the key goes in the jobs' transaction: both are stored, or neither */
    if (keyed && (rc = store_submission_put(s->store, submit->idem_key, submit->n_specs, first_ids,
                                            counts, now)) < 0) {
        if (rc == COHORT_ENOMEM)
            store_poison(s->store, "cannot store the submission key: out of memory");
        request_fail(&req, rc, "cannot store the jobs: %s", store_last_error(s->store));
        goto done;
    }
    struct msg_reply reply = {0};
    reply.u.submit.n = submit->n_specs;
    reply.u.submit.first_ids = first_ids;
    reply.u.submit.counts = counts;
    request_answer(&req, &reply);
    s->dispatch_wanted = true;
    log_debug("%llu jobs submitted by %s", (unsigned long long)total, submit->specs[0].user);
done:
    free(first_ids);
    free(counts);
}
