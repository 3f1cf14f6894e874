/* test_requests.c — libcohort against a scripted fake scheduler on 127.0.0.1. */
#include <pthread.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include <cmocka.h>

#include "buf.h"
#include "cohort.h"
#include "proto.h"

/* What the fake does with one request. */
enum fake_action {
    FAKE_ANSWER,            /* answer properly (after the late answer to a silent request) */
    FAKE_STALE_THEN_ANSWER, /* send an answer carrying another req_id first */
    FAKE_SILENT,            /* answer nothing now */
    FAKE_ENOENT,            /* answer with COHORT_ENOENT */
    FAKE_TIMED_OUT,         /* answer with COHORT_ETIMEDOUT (a WAIT round that passed) */
    FAKE_GARBAGE,           /* answer with bytes that are not a message */
};

struct fake {
    void *context, *router;
    char endpoint[128];
    const enum fake_action *script;
    size_t n_script;
    uint64_t unanswered_req_id;                  /* of the last FAKE_SILENT request, 0 when none */
    char submit_keys[8][PROTO_MAX_IDEM_KEY + 1]; /* idempotency keys of the SUBMITs seen */
    size_t n_submits;
    pthread_t thread;
    bool joined; /* the thread has ended and was joined */
};

static const char *fake_argv[] = {"true"};

static struct job_info fake_job(uint64_t id, uint8_t state)
{
    return (struct job_info){.id = id,
                             .name = "fake",
                             .user = "u",
                             .state = state,
                             .exit_code = state == COHORT_JOB_COMPLETED ? 0 : -1,
                             .reason = "",
                             .cpus = 1,
                             .worker = "w1",
                             .attempts = 1,
                             .array_index = -1,
                             .submitted_at = 1000,
                             .cwd = "/",
                             .argc = 1,
                             .argv = fake_argv};
}

static void fake_send(struct fake *fake, zmq_msg_t *peer, const struct msg *reply)
{
    struct buf frame;
    zmq_msg_t peer_copy;

    /* no cmocka asserts on this thread: a reply that cannot be encoded is not sent, and the
     * test waiting for it fails on the main thread */
    buf_init(&frame, PROTO_MAX_MSG);
    if (msg_encode(&frame, reply) == 0) {
        zmq_msg_init(&peer_copy);
        zmq_msg_copy(&peer_copy, peer);
        zmq_msg_send(&peer_copy, fake->router, ZMQ_SNDMORE);
        zmq_send(fake->router, frame.data, frame.len, 0);
    }
    buf_free(&frame);
}

/* The proper answer to req (a request with id req_id), with job_override as the job of a
 * SHOW when not 0. */
static void fake_answer(struct fake *fake, zmq_msg_t *peer, const struct msg *req, uint64_t req_id,
                        uint64_t job_override)
{
    struct msg reply = {.type = MSG_REPLY};
    struct job_info jobs[4];
    uint64_t first_ids[4];
    uint32_t counts[4];
    int32_t codes[4];
    struct label labels[] = {{"gpu", "no"}};
    struct worker_info worker = {.name = "w1",
                                 .state = COHORT_WORKER_UP,
                                 .cpus = 8,
                                 .cpus_used = 2,
                                 .mem = 1 << 30,
                                 .running = 2,
                                 .n_labels = 1,
                                 .labels = labels,
                                 .last_seen = 5};

    reply.u.reply = (struct msg_reply){.req_id = req_id, .request = req->type, .error = ""};
    switch (req->type) {
    case MSG_SHOW:
        jobs[0] = fake_job(job_override ? job_override : req->u.show.job_id, 2);
        reply.u.reply.u.jobs.n = 1;
        reply.u.reply.u.jobs.jobs = jobs;
        break;
    case MSG_JOBS:
        for (uint32_t i = 0; i < 2; i++)
            jobs[i] = fake_job(req->u.jobs.after_id + 1 + i, COHORT_JOB_PENDING);
        reply.u.reply.u.jobs.n = 2;
        reply.u.reply.u.jobs.jobs = jobs;
        break;
    case MSG_WAIT:
        for (uint32_t i = 0; i < req->u.wait.n_ids && i < 4; i++)
            jobs[i] = fake_job(req->u.wait.ids[i], COHORT_JOB_COMPLETED);
        reply.u.reply.u.jobs.n = req->u.wait.n_ids;
        reply.u.reply.u.jobs.jobs = jobs;
        break;
    case MSG_SUBMIT:
        for (uint32_t i = 0; i < req->u.submit.n_specs && i < 4; i++) {
            const struct job_spec *spec = &req->u.submit.specs[i];
            first_ids[i] = 100 + 10 * i;
            counts[i] = spec->is_array ? spec->array_last - spec->array_first + 1 : 1;
        }
        reply.u.reply.u.submit.n = req->u.submit.n_specs;
        reply.u.reply.u.submit.first_ids = first_ids;
        reply.u.reply.u.submit.counts = counts;
        break;
    case MSG_CANCEL:
        for (uint32_t i = 0; i < req->u.cancel.n_ids && i < 4; i++)
            codes[i] = req->u.cancel.ids[i] == 404 ? COHORT_ENOENT : 0;
        reply.u.reply.u.cancel.n = req->u.cancel.n_ids;
        reply.u.reply.u.cancel.codes = codes;
        break;
    case MSG_LOGS:
        reply.u.reply.u.logs.data = (const uint8_t *)"hello\n";
        reply.u.reply.u.logs.len = 6;
        reply.u.reply.u.logs.truncated = true;
        break;
    case MSG_WORKERS:
        reply.u.reply.u.workers.n = 1;
        reply.u.reply.u.workers.workers = &worker;
        break;
    case MSG_STATUS:
        reply.u.reply.u.status.workers_total = 3;
        reply.u.reply.u.status.jobs[COHORT_JOB_FAILED] = 7;
        reply.u.reply.u.status.finished_last_minute = 42;
        break;
    case MSG_BACKUP:
        reply.u.reply.u.backup.path = "/state/backups/cohort-1.db";
        reply.u.reply.u.backup.bytes = 8192;
        break;
    default: /* DRAIN, RESUME: no body */
        break;
    }
    fake_send(fake, peer, &reply);
}

static void fake_fail(struct fake *fake, zmq_msg_t *peer, const struct msg *req, uint64_t req_id,
                      int status, const char *why)
{
    struct msg reply = {.type = MSG_REPLY};
    reply.u.reply =
        (struct msg_reply){.req_id = req_id, .request = req->type, .status = status, .error = why};
    fake_send(fake, peer, &reply);
}

/* The req_id of a client request. */
static uint64_t request_id(const struct msg *req)
{
    switch (req->type) {
    case MSG_SUBMIT:
        return req->u.submit.req_id;
    case MSG_JOBS:
        return req->u.jobs.req_id;
    case MSG_CANCEL:
    case MSG_WAIT:
        return req->u.cancel.req_id;
    case MSG_LOGS:
        return req->u.logs.req_id;
    case MSG_DRAIN:
    case MSG_RESUME:
        return req->u.drain.req_id;
    case MSG_WORKERS:
    case MSG_STATUS:
    case MSG_BACKUP:
        return req->u.workers.req_id;
    default:
        return req->u.show.req_id;
    }
}

/* Serve the script, one action per request; stop early when no request comes in 5 s. */
static void *fake_run(void *arg)
{
    struct fake *fake = arg;

    for (size_t step = 0; step < fake->n_script; step++) {
        zmq_pollitem_t item = {.socket = fake->router, .events = ZMQ_POLLIN};
        zmq_msg_t peer, frame;
        struct msg *req = NULL;
        if (zmq_poll(&item, 1, 5000) <= 0)
            break;
        zmq_msg_init(&peer);
        zmq_msg_init(&frame);
        zmq_msg_recv(&peer, fake->router, 0);
        zmq_msg_recv(&frame, fake->router, 0);
        if (msg_decode(&req, zmq_msg_data(&frame), zmq_msg_size(&frame)) == 0) {
            uint64_t req_id = request_id(req);
            if (req->type == MSG_SUBMIT && fake->n_submits < 8)
                snprintf(fake->submit_keys[fake->n_submits++], PROTO_MAX_IDEM_KEY + 1, "%s",
                         req->u.submit.idem_key);
            switch (fake->script[step]) {
            case FAKE_ANSWER:
                if (fake->unanswered_req_id) /* late, and to the client's new socket */
                    fake_answer(fake, &peer, req, fake->unanswered_req_id, 999);
                fake->unanswered_req_id = 0;
                fake_answer(fake, &peer, req, req_id, 0);
                break;
            case FAKE_STALE_THEN_ANSWER:
                fake_answer(fake, &peer, req, req_id + 1000, 999);
                fake_answer(fake, &peer, req, req_id, 0);
                break;
            case FAKE_SILENT:
                fake->unanswered_req_id = req_id;
                break;
            case FAKE_ENOENT:
                fake_fail(fake, &peer, req, req_id, COHORT_ENOENT, "no such thing here");
                break;
            case FAKE_TIMED_OUT:
                fake_fail(fake, &peer, req, req_id, COHORT_ETIMEDOUT, "not yet");
                break;
            case FAKE_GARBAGE:
                zmq_msg_send(&peer, fake->router, ZMQ_SNDMORE);
                zmq_send(fake->router, "\xc1\xc1", 2, 0);
                break;
            }
        }
        msg_free(req);
        zmq_msg_close(&frame);
        zmq_msg_close(&peer);
    }
    return NULL;
}

static struct fake *fake_start(const enum fake_action *script, size_t n_script)
{
    struct fake *fake = calloc(1, sizeof *fake);
    size_t len = sizeof fake->endpoint;
    int linger = 0;

    assert_non_null(fake);
    fake->script = script;
    fake->n_script = n_script;
    fake->context = zmq_ctx_new();
    fake->router = zmq_socket(fake->context, ZMQ_ROUTER);
    zmq_setsockopt(fake->router, ZMQ_LINGER, &linger, sizeof linger);
    assert_int_equal(zmq_bind(fake->router, "tcp://127.0.0.1:*"), 0);
    assert_int_equal(zmq_getsockopt(fake->router, ZMQ_LAST_ENDPOINT, fake->endpoint, &len), 0);
    assert_int_equal(pthread_create(&fake->thread, NULL, fake_run, fake), 0);
    return fake;
}

/* Wait until the fake has served its script (or gave up waiting for requests). */
static void fake_join(struct fake *fake)
{
    if (!fake->joined)
        pthread_join(fake->thread, NULL);
    fake->joined = true;
}

static void fake_stop(struct fake *fake)
{
    fake_join(fake);
    zmq_close(fake->router);
    zmq_ctx_term(fake->context);
    free(fake);
}

static cohort_client_t *client_for(const struct fake *fake, int timeout_ms)
{
    cohort_client_t *client = NULL;
    assert_int_equal(cohort_client_connect(&client, fake->endpoint, timeout_ms, NULL), 0);
    return client;
}

static void test_show_returns_the_job(void **state)
{
    static const enum fake_action script[] = {FAKE_ANSWER};
    struct fake *fake = fake_start(script, 1);
    cohort_client_t *client = client_for(fake, 5000);
    cohort_job_t *job = NULL;

    assert_int_equal(cohort_job_get(&job, client, 12, NULL), 0);
    assert_int_equal(cohort_job_id(job), 12);
    assert_string_equal(cohort_job_name(job), "fake");
    assert_string_equal(cohort_job_worker(job), "w1");
    assert_int_equal(cohort_job_state(job), COHORT_JOB_COMPLETED);
    assert_int_equal(cohort_job_exit_status(job), 0);
    cohort_job_free(job);
    cohort_client_close(client);
    fake_stop(fake);
}

static void test_answers_to_other_requests_are_dropped(void **state)
{
    static const enum fake_action script[] = {FAKE_STALE_THEN_ANSWER};
    struct fake *fake = fake_start(script, 1);
    cohort_client_t *client = client_for(fake, 5000);
    cohort_job_t *job = NULL;

    assert_int_equal(cohort_job_get(&job, client, 12, NULL), 0);
    assert_int_equal(cohort_job_id(job), 12);
    cohort_job_free(job);
    cohort_client_close(client);
    fake_stop(fake);
}

static void test_timeout_then_late_answer_is_not_taken(void **state)
{
    static const enum fake_action script[] = {FAKE_SILENT, FAKE_ANSWER};
    struct fake *fake = fake_start(script, 2);
    cohort_client_t *client = client_for(fake, 300);
    cohort_error_t err = {0};
    cohort_job_t *job = NULL;
    char expected[256];

    assert_int_equal(cohort_job_get(&job, client, 12, &err), COHORT_ETIMEDOUT);
    assert_null(job);
    snprintf(expected, sizeof expected, "no answer from the scheduler at %s within 0.3 s",
             fake->endpoint);
    assert_string_equal(err.message, expected);
    assert_int_equal(cohort_job_get(&job, client, 13, &err), 0);
    assert_int_equal(cohort_job_id(job), 13);
    cohort_job_free(job);
    cohort_client_close(client);
    fake_stop(fake);
}

static void test_scheduler_errors_become_clear_messages(void **state)
{
    static const enum fake_action script[] = {FAKE_ENOENT, FAKE_ENOENT, FAKE_GARBAGE};
    struct fake *fake = fake_start(script, 3);
    cohort_client_t *client = client_for(fake, 2000);
    cohort_error_t err = {0};
    cohort_job_t *job = NULL;
    cohort_status_t status;

    assert_int_equal(cohort_job_get(&job, client, 5, &err), COHORT_ENOENT);
    assert_string_equal(err.message, "no job 5");
    assert_int_equal(cohort_worker_drain(client, "w9", &err), COHORT_ENOENT);
    assert_string_equal(err.message, "no worker 'w9'");
    assert_int_equal(cohort_status_get(&status, client, &err), COHORT_EPROTO);
    cohort_client_close(client);
    fake_stop(fake);
}

static void test_wait_goes_on_after_a_round_passes(void **state)
{
    static const enum fake_action script[] = {FAKE_TIMED_OUT, FAKE_ANSWER, FAKE_TIMED_OUT};
    struct fake *fake = fake_start(script, 3);
    cohort_client_t *client = client_for(fake, 2000);
    cohort_job_list_t *ended = NULL;
    cohort_error_t err = {0};
    const uint64_t ids[] = {3, 4};

    assert_int_equal(cohort_wait(&ended, client, ids, 2, -1, &err), 0);
    assert_int_equal(cohort_job_list_count(ended), 2);
    assert_int_equal(cohort_job_id(cohort_job_list_item(ended, 1)), 4);
    cohort_job_list_free(ended);
    assert_int_equal(cohort_wait_one(NULL, client, 3, 0, &err), COHORT_ETIMEDOUT);
    assert_string_equal(err.message, "job 3 did not end within 0 s");
    cohort_client_close(client);
    fake_stop(fake);
}

static void test_every_request_round_trips(void **state)
{
    static const enum fake_action script[] = {FAKE_ANSWER, FAKE_ANSWER, FAKE_ANSWER, FAKE_ANSWER,
                                              FAKE_ANSWER, FAKE_ANSWER, FAKE_ANSWER, FAKE_ANSWER};
    struct fake *fake = fake_start(script, 8);
    cohort_client_t *client = client_for(fake, 2000);
    cohort_job_spec_t *spec = NULL, *array = NULL;
    const cohort_job_spec_t *specs[2];
    const char *command[] = {"true"};
    uint64_t first_ids[2], cancel_ids[] = {1, 404};
    uint32_t counts[2];
    int codes[2];
    uint8_t *data = NULL;
    size_t len = 0;
    int truncated = 0;
    cohort_job_list_t *jobs = NULL;
    cohort_worker_list_t *workers = NULL;
    cohort_status_t status;
    char *backup_path = NULL;
    uint64_t backup_bytes = 0;

    assert_int_equal(cohort_job_spec_new(&spec, NULL), 0);
    assert_int_equal(cohort_job_spec_set_command(spec, 1, command, NULL), 0);
    assert_int_equal(cohort_job_spec_new(&array, NULL), 0);
    assert_int_equal(cohort_job_spec_set_command(array, 1, command, NULL), 0);
    assert_int_equal(cohort_job_spec_set_array(array, 1, 5, NULL), 0);
    specs[0] = spec;
    specs[1] = array;
    assert_int_equal(cohort_submit_many(first_ids, counts, client, specs, 2, NULL), 0);
    assert_int_equal(first_ids[1], 110);
    assert_int_equal(counts[1], 5);

    assert_int_equal(cohort_cancel(codes, client, cancel_ids, 2, NULL), 0);
    assert_int_equal(codes[0], 0);
    assert_int_equal(codes[1], COHORT_ENOENT);

    assert_int_equal(
        cohort_logs_get(&data, &len, &truncated, client, 1, COHORT_STREAM_STDOUT, NULL), 0);
    assert_int_equal(len, 6);
    assert_string_equal((char *)data, "hello\n");
    assert_int_equal(truncated, 1);
    cohort_free(data);

    assert_int_equal(cohort_jobs_list(&jobs, client, 0, 0, 40, NULL), 0);
    assert_int_equal(cohort_job_list_count(jobs), 2);
    assert_int_equal(cohort_job_id(cohort_job_list_item(jobs, 0)), 41);
    cohort_job_list_free(jobs);

    assert_int_equal(cohort_workers_list(&workers, client, NULL), 0);
    assert_int_equal(cohort_worker_list_count(workers), 1);
    const cohort_worker_t *worker = cohort_worker_list_item(workers, 0);
    assert_string_equal(cohort_worker_name(worker), "w1");
    assert_int_equal(cohort_worker_cpus_used(worker), 2);
    assert_string_equal(cohort_worker_label_key(worker, 0), "gpu");
    assert_null(cohort_worker_label_value(worker, 1));
    cohort_worker_list_free(workers);

    assert_int_equal(cohort_status_get(&status, client, NULL), 0);
    assert_int_equal(status.workers_total, 3);
    assert_int_equal(status.jobs[COHORT_JOB_FAILED], 7);
    assert_int_equal(status.finished_last_minute, 42);

    assert_int_equal(cohort_worker_resume(client, "w1", NULL), 0);

    assert_int_equal(cohort_backup(&backup_path, &backup_bytes, client, NULL), 0);
    assert_string_equal(backup_path, "/state/backups/cohort-1.db");
    assert_int_equal(backup_bytes, 8192);
    cohort_free(backup_path);

    cohort_job_spec_destroy(spec);
    cohort_job_spec_destroy(array);
    cohort_client_close(client);
    fake_stop(fake);
}

static void test_submit_is_resent_under_one_key_until_answered(void **state)
{
    static const enum fake_action script[] = {FAKE_SILENT, FAKE_SILENT, FAKE_ANSWER, FAKE_ANSWER};
    struct fake *fake = fake_start(script, 4);
    cohort_client_t *client = client_for(fake, 5000);
    cohort_job_spec_t *spec = NULL;
    const char *command[] = {"true"};
    cohort_error_t err = {0};
    uint64_t id = 0;

    assert_int_equal(cohort_job_spec_new(&spec, NULL), 0);
    assert_int_equal(cohort_job_spec_set_command(spec, 1, command, NULL), 0);
    assert_int_equal(cohort_client_set_retry(client, 200, 10000, NULL), 0);
    assert_int_equal(cohort_submit(&id, client, spec, &err), 0);
    assert_int_equal(id, 100);
    assert_int_equal(cohort_submit(&id, client, spec, &err), 0);
    cohort_job_spec_destroy(spec);
    cohort_client_close(client);
    fake_join(fake);
    /* three tries of the first submission, under one key; the next one has its own */
    assert_int_equal(fake->n_submits, 4);
    assert_int_equal(strlen(fake->submit_keys[0]), 44);
    assert_string_equal(fake->submit_keys[1], fake->submit_keys[0]);
    assert_string_equal(fake->submit_keys[2], fake->submit_keys[0]);
    assert_string_not_equal(fake->submit_keys[3], fake->submit_keys[0]);
    /* lower-case hex, the clock's 12 digits first: a later key does not sort before */
    assert_int_equal(strspn(fake->submit_keys[3], "0123456789abcdef"), 44);
    assert_true(strncmp(fake->submit_keys[3], fake->submit_keys[0], 12) >= 0);
    fake_stop(fake);
}

static void test_submit_gives_up_at_its_deadline(void **state)
{
    static const enum fake_action script[] = {FAKE_SILENT, FAKE_SILENT, FAKE_SILENT};
    struct fake *fake = fake_start(script, 3);
    cohort_client_t *client = client_for(fake, 5000);
    cohort_job_spec_t *spec = NULL;
    const char *command[] = {"true"};
    cohort_error_t err = {0};
    uint64_t id = 0;
    char expected[256];

    assert_int_equal(cohort_job_spec_new(&spec, NULL), 0);
    assert_int_equal(cohort_job_spec_set_command(spec, 1, command, NULL), 0);
    assert_int_equal(cohort_client_set_retry(client, 200, 700, NULL), 0);
    assert_int_equal(cohort_submit(&id, client, spec, &err), COHORT_ETIMEDOUT);
    assert_int_equal(id, 0);
    snprintf(expected, sizeof expected, "no answer from the scheduler at %s within ",
             fake->endpoint);
    assert_memory_equal(err.message, expected, strlen(expected));
    assert_non_null(strstr(err.message, " times)"));
    /* a total no longer than one try: sent once */
    assert_int_equal(cohort_client_set_retry(client, 200, 100, NULL), 0);
    assert_int_equal(cohort_submit(&id, client, spec, &err), COHORT_ETIMEDOUT);
    snprintf(expected, sizeof expected, "no answer from the scheduler at %s within 0.2 s",
             fake->endpoint);
    assert_string_equal(err.message, expected);
    cohort_job_spec_destroy(spec);
    cohort_client_close(client);
    fake_join(fake);
    assert_int_equal(fake->n_submits, 3); /* at least two tries, then one */
    fake_stop(fake);
}

static void test_keyed_submit_sends_the_callers_key(void **state)
{
    static const enum fake_action script[] = {FAKE_ANSWER};
    struct fake *fake = fake_start(script, 1);
    cohort_client_t *client = client_for(fake, 5000);
    cohort_job_spec_t *spec = NULL;
    const cohort_job_spec_t *specs[1];
    const char *command[] = {"true"};
    char too_long[COHORT_SUBMIT_KEY_MAX + 2];
    cohort_error_t err = {0};
    uint64_t first_id = 0;
    uint32_t count = 0;

    assert_int_equal(cohort_job_spec_new(&spec, NULL), 0);
    assert_int_equal(cohort_job_spec_set_command(spec, 1, command, NULL), 0);
    specs[0] = spec;
    memset(too_long, 'k', sizeof too_long - 1);
    too_long[sizeof too_long - 1] = '\0';
    assert_int_equal(cohort_submit_many_keyed(&first_id, &count, client, specs, 1, "", &err),
                     COHORT_EINVAL);
    assert_int_equal(cohort_submit_many_keyed(&first_id, &count, client, specs, 1, "a b", &err),
                     COHORT_EINVAL);
    assert_int_equal(cohort_submit_many_keyed(&first_id, &count, client, specs, 1, too_long, &err),
                     COHORT_EINVAL);
    assert_int_equal(
        cohort_submit_many_keyed(&first_id, &count, client, specs, 1, "nightly-2026-11-26", &err),
        0);
    assert_int_equal(first_id, 100);
    assert_int_equal(count, 1);
    cohort_job_spec_destroy(spec);
    cohort_client_close(client);
    fake_join(fake);
    assert_int_equal(fake->n_submits, 1);
    assert_string_equal(fake->submit_keys[0], "nightly-2026-11-26");
    fake_stop(fake);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_show_returns_the_job),
        cmocka_unit_test(test_answers_to_other_requests_are_dropped),
        cmocka_unit_test(test_timeout_then_late_answer_is_not_taken),
        cmocka_unit_test(test_scheduler_errors_become_clear_messages),
        cmocka_unit_test(test_wait_goes_on_after_a_round_passes),
        cmocka_unit_test(test_every_request_round_trips),
        cmocka_unit_test(test_submit_is_resent_under_one_key_until_answered),
        cmocka_unit_test(test_submit_gives_up_at_its_deadline),
        cmocka_unit_test(test_keyed_submit_sends_the_callers_key),
    };
    char config_home[] = "/tmp/cohort-requests-XXXXXX";
    int failed;

    /* the fake speaks plaintext: no keys from the environment or the default files of whoever
     * runs the test (a user's ~/.config/cohort would make the client ask for CURVE) */
    if (!mkdtemp(config_home))
        return 1;
    setenv("XDG_CONFIG_HOME", config_home, 1);
    unsetenv("COHORT_SERVER_KEY");
    unsetenv("COHORT_KEY_FILE");
    unsetenv("COHORT_INSECURE");
    failed = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(config_home);
    return failed;
}
