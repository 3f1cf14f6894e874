/* test_codec.c — wire protocol codec: round trips, strict rejection, bounded allocation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <malloc.h>
#include <cmocka.h>
#include <msgpack.h>

#include "mp.h"
#include "proto.h"

/* ---- counting what the decoder allocates (not under AddressSanitizer, which owns malloc) */

static bool counting_allocations;
static size_t allocations_counted, bytes_counted;

#ifndef __SANITIZE_ADDRESS__
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);

void *malloc(size_t size)
{
    if (counting_allocations) {
        allocations_counted++;
        bytes_counted += size;
    }
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size)
{
    if (counting_allocations) {
        allocations_counted++;
        bytes_counted += count * size;
    }
    return __libc_calloc(count, size);
}
#define CAN_COUNT_ALLOCATIONS 1
#else
#define CAN_COUNT_ALLOCATIONS 0
#endif

/* Decode while counting allocations. */
static int counted_decode(struct msg **out, const void *frame, size_t len)
{
    allocations_counted = bytes_counted = 0;
    counting_allocations = true;
    int rc = msg_decode(out, frame, len);
    counting_allocations = false;
    return rc;
}

/* ---- sample messages, one per type and reply body ---- */

static const char *sample_argv[] = {"/bin/echo", "hello", "w\xc3\xb6rld", ""};
static const char *sample_env[] = {"A=1", "B=two words"};
static const uint8_t sample_bytes[] = {0, 1, 2, 0xff, '\n', 0};
static uint64_t sample_ids[] = {1, 2, 300, UINT64_MAX};
static int32_t sample_codes[] = {0, COHORT_ENOENT, COHORT_ESTATE};
static uint64_t sample_first_ids[] = {10, 11};
static uint32_t sample_counts[] = {1, 1000};
static struct label sample_labels[] = {{"gpu", "a100"}, {"zone", ""}};
static struct job_attempt sample_running[] = {{7, 1}, {UINT64_MAX, UINT32_MAX}};

static struct msg_kill sample_acks[] = {{7, 1, COHORT_JOB_COMPLETED},
                                        {UINT64_MAX, UINT32_MAX, COHORT_JOB_TIMEOUT}};

static struct attempt_info sample_attempts[] = {
    {1, "node-a", COHORT_JOB_PENDING, -1, 0, "worker lost", 1000, 2000, 5},
    {2, "node-b", COHORT_JOB_COMPLETED, 0, 0, "", 3000, 4000, 123456},
};

static struct job_spec sample_spec(void)
{
    return (struct job_spec){
        .name = "sample",
        .user = "alice",
        .cpus = 4,
        .mem = 2ull << 30,
        .time_limit = 3600,
        .priority = -5,
        .retries = 3,
        .cwd = "/tmp",
        .stdin_data = sample_bytes,
        .stdin_len = sizeof(sample_bytes),
        .argc = 4,
        .argv = sample_argv,
        .envc = 2,
        .env = sample_env,
        .is_array = true,
        .array_first = 1,
        .array_last = 100,
    };
}

static struct job_info sample_job(bool with_attempts)
{
    return (struct job_info){
        .id = 42,
        .name = "sample",
        .user = "alice",
        .state = COHORT_JOB_FAILED,
        .exit_code = 3,
        .signal = 0,
        .reason = "exit code 3",
        .cpus = 2,
        .mem = 512ull << 20,
        .priority = INT32_MIN,
        .time_limit = 60,
        .retries = 1,
        .worker = "node-b",
        .attempts = 2,
        .array_index = 7,
        .submitted_at = 1764154965123,
        .started_at = -1,
        .finished_at = INT64_MAX,
        .cpu_time_ms = 99,
        .cwd = "",
        .argc = 2,
        .argv = sample_argv,
        .envc = 0,
        .env = NULL,
        .n_attempt_list = with_attempts ? 2 : 0,
        .attempt_list = with_attempts ? sample_attempts : NULL,
    };
}

static struct job_spec sample_specs[2];
static struct job_info sample_jobs[2];
static struct worker_info sample_workers[2];

/* Kinds of sample: every message type, and a reply for each kind of body. */
enum sample_kind {
    S_SUBMIT,
    S_JOBS,
    S_SHOW,
    S_LOGS,
    S_CANCEL,
    S_WAIT,
    S_WORKERS,
    S_STATUS,
    S_DRAIN,
    S_RESUME,
    S_BACKUP,
    S_REPLY_SUBMIT,
    S_REPLY_JOBS,
    S_REPLY_SHOW,
    S_REPLY_LOGS,
    S_REPLY_CANCEL,
    S_REPLY_WAIT,
    S_REPLY_WORKERS,
    S_REPLY_STATUS,
    S_REPLY_DRAIN,
    S_REPLY_RESUME,
    S_REPLY_BACKUP,
    S_REPLY_ERROR,
    S_REGISTER,
    S_HEARTBEAT,
    S_JOB_STARTED,
    S_JOB_RESULT,
    S_GOODBYE,
    S_WELCOME,
    S_RUN,
    S_KILL,
    S_RESULT_ACK,
    S_REREGISTER,
    S_TAKE_BACK,
    S_COUNT
};

static struct msg reply_to(int request)
{
    struct msg m = {.type = MSG_REPLY};
    m.u.reply.req_id = 77;
    m.u.reply.request = (uint8_t)request;
    m.u.reply.status = 0;
    m.u.reply.error = "";
    return m;
}

static struct msg sample(enum sample_kind kind)
{
    struct msg m;
    memset(&m, 0, sizeof(m));
    sample_specs[0] = sample_spec();
    sample_specs[1] = sample_spec();
    sample_specs[1].is_array = false;
    sample_specs[1].name = NULL; /* sent as "" */
    sample_specs[1].stdin_data = NULL;
    sample_specs[1].stdin_len = 0;
    sample_jobs[0] = sample_job(false);
    sample_jobs[1] = sample_job(true);
    sample_workers[0] = (struct worker_info){
        "node-a",      COHORT_WORKER_DRAINING, 8, 2, 1ull << 34, 1ull << 30, 1, 2,
        sample_labels, 1764154965000};
    sample_workers[1] =
        (struct worker_info){"node-b", COHORT_WORKER_DOWN, 1, 0, 0, 0, 0, 0, NULL, 0};

    switch (kind) {
    case S_SUBMIT:
        m.type = MSG_SUBMIT;
        m.u.submit = (struct msg_submit){1, 2, sample_specs, "key-1"};
        break;
    case S_JOBS:
        m.type = MSG_JOBS;
        m.u.jobs = (struct msg_jobs){2, (1u << COHORT_JOB_PENDING) | (1u << COHORT_JOB_TIMEOUT),
                                     500, 1234};
        break;
    case S_SHOW:
        m.type = MSG_SHOW;
        m.u.show = (struct msg_job_ref){3, 42};
        break;
    case S_LOGS:
        m.type = MSG_LOGS;
        m.u.logs = (struct msg_logs){4, 42, COHORT_STREAM_STDERR};
        break;
    case S_CANCEL:
        m.type = MSG_CANCEL;
        m.u.cancel = (struct msg_job_ids){5, 4, sample_ids, 0};
        break;
    case S_WAIT:
        m.type = MSG_WAIT;
        m.u.wait = (struct msg_job_ids){6, 1, sample_ids, 30000};
        break;
    case S_WORKERS:
        m.type = MSG_WORKERS;
        m.u.workers.req_id = 7;
        break;
    case S_STATUS:
        m.type = MSG_STATUS;
        m.u.status.req_id = UINT64_MAX;
        break;
    case S_DRAIN:
        m.type = MSG_DRAIN;
        m.u.drain = (struct msg_worker_ref){9, "node-a"};
        break;
    case S_RESUME:
        m.type = MSG_RESUME;
        m.u.resume = (struct msg_worker_ref){10, "node-b"};
        break;
    case S_BACKUP:
        m.type = MSG_BACKUP;
        m.u.backup.req_id = 11;
        break;
    case S_REPLY_SUBMIT:
        m = reply_to(MSG_SUBMIT);
        m.u.reply.u.submit.n = 2;
        m.u.reply.u.submit.first_ids = sample_first_ids;
        m.u.reply.u.submit.counts = sample_counts;
        break;
    case S_REPLY_JOBS:
        m = reply_to(MSG_JOBS);
        m.u.reply.u.jobs.n = 1;
        m.u.reply.u.jobs.jobs = sample_jobs;
        break;
    case S_REPLY_SHOW:
        m = reply_to(MSG_SHOW);
        m.u.reply.u.jobs.n = 1;
        m.u.reply.u.jobs.jobs = &sample_jobs[1];
        break;
    case S_REPLY_LOGS:
        m = reply_to(MSG_LOGS);
        m.u.reply.u.logs.data = sample_bytes;
        m.u.reply.u.logs.len = sizeof(sample_bytes);
        m.u.reply.u.logs.truncated = true;
        break;
    case S_REPLY_CANCEL:
        m = reply_to(MSG_CANCEL);
        m.u.reply.u.cancel.n = 3;
        m.u.reply.u.cancel.codes = sample_codes;
        break;
    case S_REPLY_WAIT:
        m = reply_to(MSG_WAIT);
        m.u.reply.u.jobs.n = 2;
        m.u.reply.u.jobs.jobs = sample_jobs;
        break;
    case S_REPLY_WORKERS:
        m = reply_to(MSG_WORKERS);
        m.u.reply.u.workers.n = 2;
        m.u.reply.u.workers.workers = sample_workers;
        break;
    case S_REPLY_STATUS:
        m = reply_to(MSG_STATUS);
        m.u.reply.u.status =
            (struct status_info){3, 1, 1, 1, 24, 6, 1ull << 36, 1ull << 33, {5, 4, 3, 2, 1, 0}, 17};
        break;
    case S_REPLY_DRAIN:
        m = reply_to(MSG_DRAIN);
        break;
    case S_REPLY_RESUME:
        m = reply_to(MSG_RESUME);
        break;
    case S_REPLY_BACKUP:
        m = reply_to(MSG_BACKUP);
        m.u.reply.u.backup.path = "/var/lib/cohort/backups/cohort-20261127T120000.000Z.db";
        m.u.reply.u.backup.bytes = 123456789012ull;
        break;
    case S_REPLY_ERROR:
        m = reply_to(MSG_SHOW);
        m.u.reply.status = COHORT_ENOENT;
        m.u.reply.error = "no job 42";
        break;
    case S_REGISTER:
        m.type = MSG_REGISTER;
        m.u.reg = (struct msg_register){"node-a",
                                        "b7e1",
                                        16,
                                        64ull << 30,
                                        2,
                                        sample_labels,
                                        2,
                                        sample_running,
                                        COHORT_VERSION_STRING,
                                        1,
                                        sample_running + 1,
                                        true};
        break;
    case S_HEARTBEAT:
        m.type = MSG_HEARTBEAT;
        m.u.heartbeat.n_running = 3;
        break;
    case S_JOB_STARTED:
        m.type = MSG_JOB_STARTED;
        m.u.started = (struct msg_job_started){42, 2, 1764154965123};
        break;
    case S_JOB_RESULT:
        m.type = MSG_JOB_RESULT;
        m.u.result = (struct msg_job_result){42,
                                             2,
                                             COHORT_JOB_TIMEOUT,
                                             -1,
                                             9,
                                             "time limit",
                                             1,
                                             2,
                                             3,
                                             sample_bytes,
                                             sizeof(sample_bytes),
                                             true,
                                             NULL,
                                             0,
                                             false,
                                             true,
                                             true};
        break;
    case S_GOODBYE:
        m.type = MSG_GOODBYE;
        break;
    case S_WELCOME:
        m.type = MSG_WELCOME;
        m.u.welcome = (struct msg_welcome){1000, 10000};
        break;
    case S_RUN:
        m.type = MSG_RUN;
        m.u.run.job_id = 42;
        m.u.run.attempt = 1;
        m.u.run.array_index = 5;
        m.u.run.spec = sample_spec();
        m.u.run.spec.is_array = false;
        m.u.run.staged = true;
        m.u.run.n_acks = 2;
        m.u.run.acks = sample_acks;
        break;
    case S_KILL:
        m.type = MSG_KILL;
        m.u.kill = (struct msg_kill){42, 1, COHORT_JOB_CANCELLED};
        break;
    case S_RESULT_ACK:
        m.type = MSG_RESULT_ACK;
        m.u.result_ack = (struct msg_kill){42, 3, COHORT_JOB_COMPLETED};
        break;
    case S_REREGISTER:
        m.type = MSG_REREGISTER;
        break;
    case S_TAKE_BACK:
        m.type = MSG_TAKE_BACK;
        m.u.take_back = (struct msg_kill){42, 4, COHORT_JOB_PENDING};
        break;
    case S_COUNT:
        break;
    }
    return m;
}

/* ---- deep comparison of a decoded message with the one that was encoded ---- */

static void assert_str_same(const char *sent, const char *got)
{
    assert_non_null(got); /* decoded strings are never NULL */
    assert_string_equal(sent ? sent : "", got);
}

static void assert_strv_same(uint32_t n, const char **sent, uint32_t got_n, const char **got)
{
    assert_int_equal(n, got_n);
    for (uint32_t i = 0; i < n; i++)
        assert_str_same(sent[i], got[i]);
}

static void assert_bytes_same(const uint8_t *sent, uint32_t len, const uint8_t *got,
                              uint32_t got_len)
{
    assert_int_equal(len, got_len);
    if (len)
        assert_memory_equal(sent, got, len);
    else
        assert_null(got);
}

static void assert_spec_same(const struct job_spec *a, const struct job_spec *b)
{
    assert_str_same(a->name, b->name);
    assert_str_same(a->user, b->user);
    assert_int_equal(a->cpus, b->cpus);
    assert_int_equal(a->mem, b->mem);
    assert_int_equal(a->time_limit, b->time_limit);
    assert_int_equal(a->priority, b->priority);
    assert_int_equal(a->retries, b->retries);
    assert_str_same(a->cwd, b->cwd);
    assert_bytes_same(a->stdin_data, a->stdin_len, b->stdin_data, b->stdin_len);
    assert_strv_same(a->argc, a->argv, b->argc, b->argv);
    assert_strv_same(a->envc, a->env, b->envc, b->env);
    assert_int_equal(a->is_array, b->is_array);
    assert_int_equal(a->array_first, b->array_first);
    assert_int_equal(a->array_last, b->array_last);
}

static void assert_attempt_same(const struct attempt_info *a, const struct attempt_info *b)
{
    assert_int_equal(a->attempt, b->attempt);
    assert_str_same(a->worker, b->worker);
    assert_int_equal(a->state, b->state);
    assert_int_equal(a->exit_code, b->exit_code);
    assert_int_equal(a->signal, b->signal);
    assert_str_same(a->reason, b->reason);
    assert_int_equal(a->started_at, b->started_at);
    assert_int_equal(a->finished_at, b->finished_at);
    assert_int_equal(a->cpu_time_ms, b->cpu_time_ms);
}

static void assert_job_same(const struct job_info *a, const struct job_info *b)
{
    assert_int_equal(a->id, b->id);
    assert_str_same(a->name, b->name);
    assert_str_same(a->user, b->user);
    assert_int_equal(a->state, b->state);
    assert_int_equal(a->exit_code, b->exit_code);
    assert_int_equal(a->signal, b->signal);
    assert_str_same(a->reason, b->reason);
    assert_int_equal(a->cpus, b->cpus);
    assert_int_equal(a->mem, b->mem);
    assert_int_equal(a->priority, b->priority);
    assert_int_equal(a->time_limit, b->time_limit);
    assert_int_equal(a->retries, b->retries);
    assert_str_same(a->worker, b->worker);
    assert_int_equal(a->attempts, b->attempts);
    assert_int_equal(a->array_index, b->array_index);
    assert_int_equal(a->submitted_at, b->submitted_at);
    assert_int_equal(a->started_at, b->started_at);
    assert_int_equal(a->finished_at, b->finished_at);
    assert_int_equal(a->cpu_time_ms, b->cpu_time_ms);
    assert_str_same(a->cwd, b->cwd);
    assert_strv_same(a->argc, a->argv, b->argc, b->argv);
    assert_strv_same(a->envc, a->env, b->envc, b->env);
    assert_int_equal(a->n_attempt_list, b->n_attempt_list);
    for (uint32_t i = 0; i < a->n_attempt_list; i++)
        assert_attempt_same(&a->attempt_list[i], &b->attempt_list[i]);
}

static void assert_labels_same(uint32_t n, const struct label *a, uint32_t got_n,
                               const struct label *b)
{
    assert_int_equal(n, got_n);
    for (uint32_t i = 0; i < n; i++) {
        assert_str_same(a[i].key, b[i].key);
        assert_str_same(a[i].value, b[i].value);
    }
}

static void assert_worker_same(const struct worker_info *a, const struct worker_info *b)
{
    assert_str_same(a->name, b->name);
    assert_int_equal(a->state, b->state);
    assert_int_equal(a->cpus, b->cpus);
    assert_int_equal(a->cpus_used, b->cpus_used);
    assert_int_equal(a->mem, b->mem);
    assert_int_equal(a->mem_used, b->mem_used);
    assert_int_equal(a->running, b->running);
    assert_labels_same(a->n_labels, a->labels, b->n_labels, b->labels);
    assert_int_equal(a->last_seen, b->last_seen);
}

static void assert_reply_same(const struct msg_reply *a, const struct msg_reply *b)
{
    assert_int_equal(a->req_id, b->req_id);
    assert_int_equal(a->request, b->request);
    assert_int_equal(a->status, b->status);
    assert_str_same(a->error, b->error);
    if (a->status < 0)
        return;
    switch (a->request) {
    case MSG_SUBMIT:
        assert_int_equal(a->u.submit.n, b->u.submit.n);
        for (uint32_t i = 0; i < a->u.submit.n; i++) {
            assert_int_equal(a->u.submit.first_ids[i], b->u.submit.first_ids[i]);
            assert_int_equal(a->u.submit.counts[i], b->u.submit.counts[i]);
        }
        break;
    case MSG_JOBS:
    case MSG_SHOW:
    case MSG_WAIT:
        assert_int_equal(a->u.jobs.n, b->u.jobs.n);
        for (uint32_t i = 0; i < a->u.jobs.n; i++)
            assert_job_same(&a->u.jobs.jobs[i], &b->u.jobs.jobs[i]);
        break;
    case MSG_LOGS:
        assert_bytes_same(a->u.logs.data, a->u.logs.len, b->u.logs.data, b->u.logs.len);
        assert_int_equal(a->u.logs.truncated, b->u.logs.truncated);
        break;
    case MSG_CANCEL:
        assert_int_equal(a->u.cancel.n, b->u.cancel.n);
        for (uint32_t i = 0; i < a->u.cancel.n; i++)
            assert_int_equal(a->u.cancel.codes[i], b->u.cancel.codes[i]);
        break;
    case MSG_WORKERS:
        assert_int_equal(a->u.workers.n, b->u.workers.n);
        for (uint32_t i = 0; i < a->u.workers.n; i++)
            assert_worker_same(&a->u.workers.workers[i], &b->u.workers.workers[i]);
        break;
    case MSG_STATUS:
        assert_memory_equal(&a->u.status, &b->u.status, sizeof(a->u.status));
        break;
    case MSG_BACKUP:
        assert_str_same(a->u.backup.path, b->u.backup.path);
        assert_int_equal(a->u.backup.bytes, b->u.backup.bytes);
        break;
    default:
        break;
    }
}

static void assert_msg_same(const struct msg *a, const struct msg *b)
{
    assert_int_equal(a->type, b->type);
    switch (a->type) {
    case MSG_SUBMIT:
        assert_int_equal(a->u.submit.req_id, b->u.submit.req_id);
        assert_int_equal(a->u.submit.n_specs, b->u.submit.n_specs);
        for (uint32_t i = 0; i < a->u.submit.n_specs; i++)
            assert_spec_same(&a->u.submit.specs[i], &b->u.submit.specs[i]);
        break;
    case MSG_JOBS:
        assert_memory_equal(&a->u.jobs, &b->u.jobs, sizeof(a->u.jobs));
        break;
    case MSG_SHOW:
        assert_memory_equal(&a->u.show, &b->u.show, sizeof(a->u.show));
        break;
    case MSG_LOGS:
        assert_int_equal(a->u.logs.req_id, b->u.logs.req_id);
        assert_int_equal(a->u.logs.job_id, b->u.logs.job_id);
        assert_int_equal(a->u.logs.stream, b->u.logs.stream);
        break;
    case MSG_CANCEL:
    case MSG_WAIT:
        assert_int_equal(a->u.cancel.req_id, b->u.cancel.req_id);
        assert_int_equal(a->u.cancel.n_ids, b->u.cancel.n_ids);
        assert_memory_equal(a->u.cancel.ids, b->u.cancel.ids, a->u.cancel.n_ids * 8);
        assert_int_equal(a->u.cancel.timeout_ms, b->u.cancel.timeout_ms);
        break;
    case MSG_WORKERS:
    case MSG_STATUS:
    case MSG_BACKUP:
        assert_int_equal(a->u.workers.req_id, b->u.workers.req_id);
        break;
    case MSG_DRAIN:
    case MSG_RESUME:
        assert_int_equal(a->u.drain.req_id, b->u.drain.req_id);
        assert_str_same(a->u.drain.name, b->u.drain.name);
        break;
    case MSG_REPLY:
        assert_reply_same(&a->u.reply, &b->u.reply);
        break;
    case MSG_REGISTER:
        assert_str_same(a->u.reg.name, b->u.reg.name);
        assert_str_same(a->u.reg.instance_id, b->u.reg.instance_id);
        assert_int_equal(a->u.reg.cpus, b->u.reg.cpus);
        assert_int_equal(a->u.reg.mem, b->u.reg.mem);
        assert_labels_same(a->u.reg.n_labels, a->u.reg.labels, b->u.reg.n_labels, b->u.reg.labels);
        assert_int_equal(a->u.reg.n_running, b->u.reg.n_running);
        assert_memory_equal(a->u.reg.running, b->u.reg.running,
                            a->u.reg.n_running * sizeof(struct job_attempt));
        assert_str_same(a->u.reg.version, b->u.reg.version);
        assert_int_equal(a->u.reg.n_staged, b->u.reg.n_staged);
        assert_memory_equal(a->u.reg.staged, b->u.reg.staged,
                            a->u.reg.n_staged * sizeof(struct job_attempt));
        assert_int_equal(a->u.reg.acks_in_run, b->u.reg.acks_in_run);
        break;
    case MSG_HEARTBEAT:
        assert_int_equal(a->u.heartbeat.n_running, b->u.heartbeat.n_running);
        break;
    case MSG_JOB_STARTED:
        assert_memory_equal(&a->u.started, &b->u.started, sizeof(a->u.started));
        break;
    case MSG_JOB_RESULT:
        assert_int_equal(a->u.result.job_id, b->u.result.job_id);
        assert_int_equal(a->u.result.attempt, b->u.result.attempt);
        assert_int_equal(a->u.result.state, b->u.result.state);
        assert_int_equal(a->u.result.exit_code, b->u.result.exit_code);
        assert_int_equal(a->u.result.signal, b->u.result.signal);
        assert_str_same(a->u.result.reason, b->u.result.reason);
        assert_int_equal(a->u.result.started_at, b->u.result.started_at);
        assert_int_equal(a->u.result.finished_at, b->u.result.finished_at);
        assert_int_equal(a->u.result.cpu_time_ms, b->u.result.cpu_time_ms);
        assert_bytes_same(a->u.result.out, a->u.result.out_len, b->u.result.out,
                          b->u.result.out_len);
        assert_int_equal(a->u.result.out_truncated, b->u.result.out_truncated);
        assert_bytes_same(a->u.result.err, a->u.result.err_len, b->u.result.err,
                          b->u.result.err_len);
        assert_int_equal(a->u.result.err_truncated, b->u.result.err_truncated);
        assert_int_equal(a->u.result.fenced, b->u.result.fenced);
        assert_int_equal(a->u.result.returned, b->u.result.returned);
        break;
    case MSG_WELCOME:
        assert_memory_equal(&a->u.welcome, &b->u.welcome, sizeof(a->u.welcome));
        break;
    case MSG_RUN:
        assert_int_equal(a->u.run.job_id, b->u.run.job_id);
        assert_int_equal(a->u.run.attempt, b->u.run.attempt);
        assert_int_equal(a->u.run.array_index, b->u.run.array_index);
        assert_int_equal(a->u.run.staged, b->u.run.staged);
        assert_spec_same(&a->u.run.spec, &b->u.run.spec);
        assert_int_equal(a->u.run.n_acks, b->u.run.n_acks);
        for (uint32_t i = 0; i < a->u.run.n_acks; i++)
            assert_memory_equal(&a->u.run.acks[i], &b->u.run.acks[i], sizeof(struct msg_kill));
        break;
    case MSG_KILL:
    case MSG_RESULT_ACK:
    case MSG_TAKE_BACK:
        assert_int_equal(a->u.kill.job_id, b->u.kill.job_id);
        assert_int_equal(a->u.kill.attempt, b->u.kill.attempt);
        assert_int_equal(a->u.kill.state, b->u.kill.state);
        break;
    default: /* GOODBYE, REREGISTER: nothing but the type */
        break;
    }
}

/* ---- helpers ---- */

static void encode_sample(struct buf *out, enum sample_kind kind)
{
    struct msg m = sample(kind);
    buf_init(out, PROTO_MAX_MSG);
    assert_int_equal(msg_encode(out, &m), 0);
}

static void assert_rejected(const void *frame, size_t len)
{
    struct msg *m = (struct msg *)1;
    assert_int_equal(msg_decode(&m, frame, len), COHORT_EPROTO);
    assert_null(m);
}

/* Pack with msgpack-c directly, to build frames the encoder would never write. */
struct raw {
    struct buf buf;
    msgpack_packer pk;
};

static int raw_write(void *data, const char *bytes, size_t len)
{
    return buf_append(data, bytes, len) == 0 ? 0 : -1;
}

static void raw_start(struct raw *r, uint32_t fields, int type)
{
    buf_init(&r->buf, PROTO_MAX_MSG + 1024);
    msgpack_packer_init(&r->pk, &r->buf, raw_write);
    msgpack_pack_array(&r->pk, 2 + fields);
    msgpack_pack_uint8(&r->pk, PROTO_VERSION);
    msgpack_pack_uint8(&r->pk, (uint8_t)type);
}

static void raw_str(struct raw *r, const char *s, size_t len)
{
    msgpack_pack_str(&r->pk, len);
    msgpack_pack_str_body(&r->pk, s, len);
}

/* A job spec's fields with the given cpus, argv count and array bounds. */
static void raw_spec(struct raw *r, uint32_t cpus, uint32_t argc, bool is_array, uint32_t first,
                     uint32_t last)
{
    msgpack_pack_array(&r->pk, 14);
    raw_str(r, "n", 1);
    raw_str(r, "u", 1);
    msgpack_pack_uint32(&r->pk, cpus);
    msgpack_pack_uint64(&r->pk, 0);
    msgpack_pack_uint32(&r->pk, 0);
    msgpack_pack_int32(&r->pk, 0);
    msgpack_pack_uint32(&r->pk, 0);
    raw_str(r, "", 0);
    msgpack_pack_bin(&r->pk, 0);
    msgpack_pack_array(&r->pk, argc);
    for (uint32_t i = 0; i < argc; i++)
        raw_str(r, "x", 1);
    msgpack_pack_array(&r->pk, 0);
    if (is_array)
        msgpack_pack_true(&r->pk);
    else
        msgpack_pack_false(&r->pk);
    msgpack_pack_uint32(&r->pk, first);
    msgpack_pack_uint32(&r->pk, last);
}

static int raw_decode(struct raw *r, struct msg **out)
{
    int rc = msg_decode(out, r->buf.data, r->buf.len);
    buf_free(&r->buf);
    return rc;
}

/* ---- round trips ---- */

static void test_round_trip_every_message(void **state)
{
    for (int kind = 0; kind < S_COUNT; kind++) {
        struct msg sent = sample(kind);
        struct buf frame, again;
        struct msg *got = NULL;

        encode_sample(&frame, kind);
        assert_int_equal(msg_decode(&got, frame.data, frame.len), 0);
        assert_non_null(got);
        assert_msg_same(&sent, got);

        /* encoding what was decoded gives the same bytes */
        buf_init(&again, PROTO_MAX_MSG);
        assert_int_equal(msg_encode(&again, got), 0);
        assert_int_equal(again.len, frame.len);
        assert_memory_equal(again.data, frame.data, frame.len);

        /* nothing points into the frame */
        if (got->type == MSG_DRAIN) {
            const char *name = got->u.drain.name;
            assert_true(name < (char *)frame.data || name >= (char *)frame.data + frame.len);
        }
        msg_free(got);
        buf_free(&again);
        buf_free(&frame);
    }
}

static void test_decode_handwritten_frames(void **state)
{
    /* [1, KILL, 42, 2, 4] */
    static const uint8_t kill[] = {0x95, 0x01, 42, 42, 0x02, 0x04};
    /* [1, HEARTBEAT, 300 as uint64, "extra"] with an extra trailing field */
    static const uint8_t beat[] = {0x94, 0x01, 31,   0xcf, 0,    0,   0,  0,
                                   0,    0,    0x01, 0x2c, 0xa2, 'e', 'x'};
    /* [1, JOB_STARTED, 7 as int8, 1 as int64, -5 as int16] */
    static const uint8_t started[] = {0x95, 0x01, 32, 0xd0, 7, 0xd3, 0,    0,   0,
                                      0,    0,    0,  0,    1, 0xd1, 0xff, 0xfb};
    struct msg *m = NULL;

    assert_int_equal(msg_decode(&m, kill, sizeof(kill)), 0);
    assert_int_equal(m->type, MSG_KILL);
    assert_int_equal(m->u.kill.job_id, 42);
    assert_int_equal(m->u.kill.attempt, 2);
    assert_int_equal(m->u.kill.state, COHORT_JOB_CANCELLED);
    msg_free(m);

    assert_int_equal(msg_decode(&m, beat, sizeof(beat)), 0);
    assert_int_equal(m->type, MSG_HEARTBEAT);
    assert_int_equal(m->u.heartbeat.n_running, 300);
    msg_free(m);

    assert_int_equal(msg_decode(&m, started, sizeof(started)), 0);
    assert_int_equal(m->u.started.job_id, 7);
    assert_int_equal(m->u.started.attempt, 1);
    assert_int_equal(m->u.started.started_at, -5);
    msg_free(m);
}

static void test_decode_ignores_extra_fields_in_nested_structs(void **state)
{
    struct raw r;
    struct msg *m = NULL;

    /* [1, SUBMIT, 5, [spec + 2 extra fields]] */
    raw_start(&r, 2, MSG_SUBMIT);
    msgpack_pack_uint8(&r.pk, 5);
    msgpack_pack_array(&r.pk, 1);
    msgpack_pack_array(&r.pk, 16);
    raw_str(&r, "n", 1);
    raw_str(&r, "u", 1);
    msgpack_pack_uint32(&r.pk, 2);
    msgpack_pack_uint64(&r.pk, 0);
    msgpack_pack_uint32(&r.pk, 0);
    msgpack_pack_int32(&r.pk, 0);
    msgpack_pack_uint32(&r.pk, 0);
    raw_str(&r, "", 0);
    msgpack_pack_bin(&r.pk, 0);
    msgpack_pack_array(&r.pk, 1);
    raw_str(&r, "true", 4);
    msgpack_pack_array(&r.pk, 0);
    msgpack_pack_false(&r.pk);
    msgpack_pack_uint32(&r.pk, 0);
    msgpack_pack_uint32(&r.pk, 0);
    msgpack_pack_map(&r.pk, 1); /* a field from the future */
    raw_str(&r, "k", 1);
    msgpack_pack_array(&r.pk, 2);
    msgpack_pack_nil(&r.pk);
    msgpack_pack_double(&r.pk, 1.5);
    msgpack_pack_ext(&r.pk, 2, 7);
    msgpack_pack_ext_body(&r.pk, "ab", 2);
    assert_int_equal(raw_decode(&r, &m), 0);
    assert_int_equal(m->u.submit.req_id, 5);
    assert_int_equal(m->u.submit.n_specs, 1);
    assert_int_equal(m->u.submit.specs[0].cpus, 2);
    assert_string_equal(m->u.submit.specs[0].argv[0], "true");
    assert_null(m->u.submit.specs[0].stdin_data);
    msg_free(m);
}

/* A JOB_RESULT from a worker older than its fenced field: it decodes, not fenced. */
static void test_result_without_fenced_decodes_as_not_fenced(void **state)
{
    struct raw r;
    struct msg *m = NULL;

    raw_start(&r, 13, MSG_JOB_RESULT);
    msgpack_pack_uint64(&r.pk, 42);
    msgpack_pack_uint32(&r.pk, 2);
    msgpack_pack_uint8(&r.pk, COHORT_JOB_FAILED);
    msgpack_pack_int32(&r.pk, -1);
    msgpack_pack_int32(&r.pk, 9);
    raw_str(&r, "killed", 6);
    msgpack_pack_int64(&r.pk, 1);
    msgpack_pack_int64(&r.pk, 2);
    msgpack_pack_uint64(&r.pk, 3);
    msgpack_pack_bin(&r.pk, 0);
    msgpack_pack_false(&r.pk);
    msgpack_pack_bin(&r.pk, 0);
    msgpack_pack_false(&r.pk);
    assert_int_equal(raw_decode(&r, &m), 0);
    assert_int_equal(m->u.result.job_id, 42);
    assert_string_equal(m->u.result.reason, "killed");
    assert_false(m->u.result.fenced);
    msg_free(m);
}

/* Decode m as a peer older than its last field would send it: encoded without that field,
 * which must be one byte long (a bool, an empty list) in a frame of fewer than 16 elements. */
static struct msg *decode_without_last_field(const struct msg *m)
{
    struct buf out;
    struct msg *back = NULL;

    buf_init(&out, PROTO_MAX_MSG);
    assert_int_equal(msg_encode(&out, m), 0);
    uint8_t *frame = (uint8_t *)out.data;
    assert_true(frame[0] > 0x90 && frame[0] <= 0x9f); /* a fixarray */
    frame[0]--;
    assert_int_equal(msg_decode(&back, frame, out.len - 1), 0);
    buf_free(&out);
    return back;
}

/* A RUN from a scheduler older than its acks field carries none; a REGISTER from a worker
 * older than acks_in_run says it takes none within a RUN. */
static void test_run_and_register_without_acks_fields(void **state)
{
    struct msg m = sample(S_RUN);
    m.u.run.n_acks = 0;
    struct msg *back = decode_without_last_field(&m);
    assert_int_equal(back->u.run.job_id, 42);
    assert_true(back->u.run.staged);
    assert_int_equal(back->u.run.n_acks, 0);
    msg_free(back);

    m = sample(S_REGISTER);
    back = decode_without_last_field(&m);
    assert_string_equal(back->u.reg.name, "node-a");
    assert_int_equal(back->u.reg.n_staged, 1);
    assert_false(back->u.reg.acks_in_run);
    msg_free(back);
}

/* ---- the encoder refuses what the decoder would ---- */

static void test_encode_refuses_invalid_messages(void **state)
{
    struct buf out;
    struct msg m;
    char *long_string = malloc(PROTO_MAX_STR + 2);

    buf_init(&out, PROTO_MAX_MSG);
    assert_int_equal(buf_append(&out, "prefix", 6), 0);

    m = sample(S_SUBMIT);
    sample_specs[0].cpus = 0;
    assert_int_equal(msg_encode(&out, &m), COHORT_EINVAL);
    assert_int_equal(out.len, 6);

    m = sample(S_SUBMIT);
    sample_specs[1].argc = 0;
    assert_int_equal(msg_encode(&out, &m), COHORT_EINVAL);

    m = sample(S_SUBMIT);
    sample_specs[0].array_first = 5;
    sample_specs[0].array_last = 4;
    assert_int_equal(msg_encode(&out, &m), COHORT_EINVAL);

    m = sample(S_RUN);
    m.u.run.spec.is_array = true;
    assert_int_equal(msg_encode(&out, &m), COHORT_EINVAL);

    m = sample(S_KILL);
    m.u.kill.state = COHORT_JOB_STATE_COUNT;
    assert_int_equal(msg_encode(&out, &m), COHORT_EINVAL);

    m = sample(S_HEARTBEAT);
    m.type = 99;
    assert_int_equal(msg_encode(&out, &m), COHORT_EINVAL);

    memset(long_string, 'x', PROTO_MAX_STR + 1);
    long_string[PROTO_MAX_STR + 1] = '\0';
    m = sample(S_DRAIN);
    m.u.drain.name = long_string;
    assert_int_equal(msg_encode(&out, &m), COHORT_ETOOBIG);
    long_string[PROTO_MAX_STR] = '\0'; /* exactly at the cap is fine */
    assert_int_equal(msg_encode(&out, &m), 0);
    assert_true(out.len > PROTO_MAX_STR);
    out.len = 6;

    m = sample(S_REPLY_CANCEL);
    m.u.reply.u.cancel.n = PROTO_MAX_IDS + 1;
    assert_int_equal(msg_encode(&out, &m), COHORT_ETOOBIG);
    assert_int_equal(out.len, 6);

    free(long_string);
    buf_free(&out);
}

static void test_encode_respects_buffer_cap(void **state)
{
    struct buf whole, small;
    struct msg m = sample(S_REPLY_WAIT);

    buf_init(&whole, PROTO_MAX_MSG);
    assert_int_equal(msg_encode(&whole, &m), 0);
    for (size_t cap = 0; cap < whole.len; cap += 7) {
        buf_init(&small, cap);
        assert_int_equal(msg_encode(&small, &m), COHORT_ETOOBIG);
        assert_int_equal(small.len, 0);
        buf_free(&small);
    }
    buf_init(&small, whole.len);
    assert_int_equal(msg_encode(&small, &m), 0);
    assert_memory_equal(small.data, whole.data, whole.len);
    buf_free(&small);
    buf_free(&whole);
}

static void test_null_strings_encode_as_empty(void **state)
{
    struct msg m = sample(S_REPLY_ERROR), *got = NULL;
    struct buf out;

    m.u.reply.error = NULL;
    buf_init(&out, 1024);
    assert_int_equal(msg_encode(&out, &m), 0);
    assert_int_equal(msg_decode(&got, out.data, out.len), 0);
    assert_string_equal(got->u.reply.error, "");
    msg_free(got);
    buf_free(&out);
}

/* ---- the decoder refuses everything malformed ---- */

static void test_decode_rejects_every_truncation(void **state)
{
    for (int kind = 0; kind < S_COUNT; kind++) {
        struct buf frame;
        encode_sample(&frame, kind);
        for (size_t len = 0; len < frame.len; len++)
            assert_rejected(frame.data, len);
        buf_free(&frame);
    }
}

static void test_decode_rejects_trailing_bytes(void **state)
{
    struct buf frame;
    encode_sample(&frame, S_KILL);
    assert_int_equal(buf_append(&frame, "\xc0", 1), 0);
    assert_rejected(frame.data, frame.len);
    buf_free(&frame);
}

static void test_decode_rejects_wrong_version_and_type(void **state)
{
    static const uint8_t version0[] = {0x93, 0x00, 31, 0x00};
    static const uint8_t version2[] = {0x93, 0x02, 31, 0x00};
    static const uint8_t negative_version[] = {0x93, 0xff, 31, 0x00};
    static const uint8_t type0[] = {0x93, 0x01, 0, 0x00};
    static const uint8_t type21[] = {0x93, 0x01, 21, 0x00};
    static const uint8_t type_huge[] = {0x93, 0x01, 0xcd, 0x01, 0x1f, 0x00};
    static const uint8_t type_string[] = {0x93, 0x01, 0xa1, '1', 0x00};
    static const uint8_t not_an_array[] = {0x82, 0x01, 0x01, 0x02, 0x02};
    static const uint8_t only_version[] = {0x91, 0x01};
    static const uint8_t ok[] = {0x93, 0x01, 31, 0x00};
    struct msg *m = NULL;

    assert_rejected(version0, sizeof(version0));
    assert_rejected(version2, sizeof(version2));
    assert_rejected(negative_version, sizeof(negative_version));
    assert_rejected(type0, sizeof(type0));
    assert_rejected(type21, sizeof(type21));
    assert_rejected(type_huge, sizeof(type_huge));
    assert_rejected(type_string, sizeof(type_string));
    assert_rejected(not_an_array, sizeof(not_an_array));
    assert_rejected(only_version, sizeof(only_version));
    assert_rejected(NULL, 0);
    assert_int_equal(msg_decode(&m, ok, sizeof(ok)), 0);
    msg_free(m);
}

static void test_decode_rejects_wrong_field_types(void **state)
{
    /* HEARTBEAT's n_running as: str, nil, bool, float, negative, too big for uint32, bin */
    static const uint8_t as_str[] = {0x93, 0x01, 31, 0xa1, '3'};
    static const uint8_t as_nil[] = {0x93, 0x01, 31, 0xc0};
    static const uint8_t as_bool[] = {0x93, 0x01, 31, 0xc3};
    static const uint8_t as_float[] = {0x93, 0x01, 31, 0xca, 0x40, 0x40, 0, 0};
    static const uint8_t as_negative[] = {0x93, 0x01, 31, 0xff};
    static const uint8_t too_big[] = {0x93, 0x01, 31, 0xcf, 0, 0, 0, 1, 0, 0, 0, 0};
    static const uint8_t as_bin[] = {0x93, 0x01, 31, 0xc4, 0x01, 3};
    static const uint8_t never_used[] = {0x93, 0x01, 31, 0xc1};
    /* JOB_STARTED with started_at = 2^63 (a uint64 that no int64 holds) */
    static const uint8_t int64_overflow[] = {0x95, 0x01, 32, 1, 1, 0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0};
    /* DRAIN's name as bin, and as a str holding a NUL byte */
    static const uint8_t name_as_bin[] = {0x94, 0x01, 9, 1, 0xc4, 0x01, 'a'};
    static const uint8_t name_with_nul[] = {0x94, 0x01, 9, 1, 0xa3, 'a', 0, 'b'};
    /* KILL with attempt 0 and with state 6 */
    static const uint8_t attempt0[] = {0x95, 0x01, 42, 1, 0, 4};
    static const uint8_t state6[] = {0x95, 0x01, 42, 1, 1, 6};
    /* LOGS with stream 3; JOB_RESULT needs more fields than 3 */
    static const uint8_t stream3[] = {0x95, 0x01, 4, 1, 1, 3};
    static const uint8_t short_result[] = {0x95, 0x01, 33, 1, 1, 2};
    /* WELCOME with a heartbeat of 0 ms */
    static const uint8_t heartbeat0[] = {0x94, 0x01, 40, 0, 100};

    assert_rejected(as_str, sizeof(as_str));
    assert_rejected(as_nil, sizeof(as_nil));
    assert_rejected(as_bool, sizeof(as_bool));
    assert_rejected(as_float, sizeof(as_float));
    assert_rejected(as_negative, sizeof(as_negative));
    assert_rejected(too_big, sizeof(too_big));
    assert_rejected(as_bin, sizeof(as_bin));
    assert_rejected(never_used, sizeof(never_used));
    assert_rejected(int64_overflow, sizeof(int64_overflow));
    assert_rejected(name_as_bin, sizeof(name_as_bin));
    assert_rejected(name_with_nul, sizeof(name_with_nul));
    assert_rejected(attempt0, sizeof(attempt0));
    assert_rejected(state6, sizeof(state6));
    assert_rejected(stream3, sizeof(stream3));
    assert_rejected(short_result, sizeof(short_result));
    assert_rejected(heartbeat0, sizeof(heartbeat0));
}

static void test_decode_checks_job_spec_invariants(void **state)
{
    static const struct {
        uint32_t cpus, argc;
        bool is_array;
        uint32_t first, last;
        int expected;
    } cases[] = {
        {1, 1, false, 0, 0, 0},
        {0, 1, false, 0, 0, COHORT_EPROTO},              /* cpus >= 1 */
        {1, 0, false, 0, 0, COHORT_EPROTO},              /* argc >= 1 */
        {1, 1, true, 5, 4, COHORT_EPROTO},               /* first <= last */
        {1, 1, true, 0, PROTO_MAX_ARRAY - 1, 0},         /* exactly the cap */
        {1, 1, true, 0, PROTO_MAX_ARRAY, COHORT_EPROTO}, /* one past it */
        {1, 1, false, 5, 4, 0},                          /* bounds unused */
        {1, PROTO_MAX_ARGS, false, 0, 0, 0},
        {1, PROTO_MAX_ARGS + 1, false, 0, 0, COHORT_EPROTO},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct raw r;
        struct msg *m = NULL;
        raw_start(&r, 2, MSG_SUBMIT);
        msgpack_pack_uint8(&r.pk, 1);
        msgpack_pack_array(&r.pk, 1);
        raw_spec(&r, cases[i].cpus, cases[i].argc, cases[i].is_array, cases[i].first,
                 cases[i].last);
        assert_int_equal(raw_decode(&r, &m), cases[i].expected);
        assert_true((m != NULL) == (cases[i].expected == 0));
        msg_free(m);
    }

    /* no specs at all, and a RUN whose spec is an array */
    struct raw r;
    struct msg *m = NULL;
    raw_start(&r, 2, MSG_SUBMIT);
    msgpack_pack_uint8(&r.pk, 1);
    msgpack_pack_array(&r.pk, 0);
    assert_int_equal(raw_decode(&r, &m), COHORT_EPROTO);
    raw_start(&r, 4, MSG_RUN);
    msgpack_pack_uint8(&r.pk, 1);
    msgpack_pack_uint8(&r.pk, 1);
    msgpack_pack_int8(&r.pk, -1);
    raw_spec(&r, 1, 1, true, 0, 3);
    assert_int_equal(raw_decode(&r, &m), COHORT_EPROTO);
    raw_start(&r, 4, MSG_RUN);
    msgpack_pack_uint8(&r.pk, 1);
    msgpack_pack_uint8(&r.pk, 1);
    msgpack_pack_int8(&r.pk, -2); /* array_index >= -1 */
    raw_spec(&r, 1, 1, false, 0, 0);
    assert_int_equal(raw_decode(&r, &m), COHORT_EPROTO);
}

static void test_decode_rejects_oversized_fields(void **state)
{
    struct raw r;
    struct msg *m = NULL;
    char *text = calloc(1, PROTO_MAX_STR + 1);
    memset(text, 'a', PROTO_MAX_STR + 1);

    /* a string one byte past the cap; then exactly at the cap */
    raw_start(&r, 2, MSG_DRAIN);
    msgpack_pack_uint8(&r.pk, 1);
    raw_str(&r, text, PROTO_MAX_STR + 1);
    assert_int_equal(raw_decode(&r, &m), COHORT_EPROTO);
    raw_start(&r, 2, MSG_DRAIN);
    msgpack_pack_uint8(&r.pk, 1);
    raw_str(&r, text, PROTO_MAX_STR);
    assert_int_equal(raw_decode(&r, &m), 0);
    assert_int_equal(strlen(m->u.drain.name), PROTO_MAX_STR);
    msg_free(m);

    /* more ids than a CANCEL may carry */
    raw_start(&r, 3, MSG_CANCEL);
    msgpack_pack_uint8(&r.pk, 1);
    msgpack_pack_array(&r.pk, PROTO_MAX_IDS + 1);
    for (uint32_t i = 0; i <= PROTO_MAX_IDS; i++)
        msgpack_pack_uint8(&r.pk, 1);
    msgpack_pack_uint8(&r.pk, 0);
    assert_int_equal(raw_decode(&r, &m), COHORT_EPROTO);

    /* more labels than a worker may have */
    raw_start(&r, 7, MSG_REGISTER);
    raw_str(&r, "w", 1);
    raw_str(&r, "i", 1);
    msgpack_pack_uint8(&r.pk, 1);
    msgpack_pack_uint8(&r.pk, 0);
    msgpack_pack_map(&r.pk, PROTO_MAX_LABELS + 1);
    for (uint32_t i = 0; i <= PROTO_MAX_LABELS; i++) {
        raw_str(&r, "k", 1);
        raw_str(&r, "v", 1);
    }
    msgpack_pack_array(&r.pk, 0);
    raw_str(&r, "0", 1);
    assert_int_equal(raw_decode(&r, &m), COHORT_EPROTO);

    /* captured output past its cap */
    uint8_t *output = calloc(1, PROTO_MAX_OUTPUT + 1);
    raw_start(&r, 4, MSG_REPLY);
    msgpack_pack_uint8(&r.pk, 1);
    msgpack_pack_uint8(&r.pk, MSG_LOGS);
    msgpack_pack_uint8(&r.pk, 0);
    raw_str(&r, "", 0);
    msgpack_pack_array(&r.pk, 2);
    msgpack_pack_bin(&r.pk, PROTO_MAX_OUTPUT + 1);
    msgpack_pack_bin_body(&r.pk, output, PROTO_MAX_OUTPUT + 1);
    msgpack_pack_false(&r.pk);
    assert_int_equal(raw_decode(&r, &m), COHORT_EPROTO);

    free(output);

    /* a frame past PROTO_MAX_MSG is refused before it is read */
    uint8_t *huge = calloc(1, PROTO_MAX_MSG + 1);
    huge[0] = 0x93;
    assert_rejected(huge, PROTO_MAX_MSG + 1);
    free(huge);
    free(text);
}

static void test_decode_failed_reply_ignores_its_body(void **state)
{
    struct raw r;
    struct msg *m = NULL;

    raw_start(&r, 5, MSG_REPLY);
    msgpack_pack_uint8(&r.pk, 9);
    msgpack_pack_uint8(&r.pk, MSG_STATUS);
    msgpack_pack_int8(&r.pk, COHORT_EIO);
    raw_str(&r, "disk full", 9);
    raw_str(&r, "whatever", 8);
    assert_int_equal(raw_decode(&r, &m), 0);
    assert_int_equal(m->u.reply.status, COHORT_EIO);
    assert_string_equal(m->u.reply.error, "disk full");
    msg_free(m);

    /* a positive status, and a reply to something that is not a request */
    raw_start(&r, 5, MSG_REPLY);
    msgpack_pack_uint8(&r.pk, 9);
    msgpack_pack_uint8(&r.pk, MSG_DRAIN);
    msgpack_pack_uint8(&r.pk, 1);
    raw_str(&r, "", 0);
    msgpack_pack_nil(&r.pk);
    assert_int_equal(raw_decode(&r, &m), COHORT_EPROTO);
    raw_start(&r, 5, MSG_REPLY);
    msgpack_pack_uint8(&r.pk, 9);
    msgpack_pack_uint8(&r.pk, MSG_HEARTBEAT);
    msgpack_pack_uint8(&r.pk, 0);
    raw_str(&r, "", 0);
    msgpack_pack_nil(&r.pk);
    assert_int_equal(raw_decode(&r, &m), COHORT_EPROTO);
}

/* Frames that announce far more than they hold must fail fast, allocating nothing. */
static void test_decode_huge_announcements_allocate_nothing(void **state)
{
    static const uint8_t frames[][8] = {
        {0xdd, 0xff, 0xff, 0xff, 0xff},                 /* array of 4 billion */
        {0xdf, 0xff, 0xff, 0xff, 0xff},                 /* map of 4 billion */
        {0xdb, 0xff, 0xff, 0xff, 0xff},                 /* str of 4 GiB */
        {0xc6, 0xff, 0xff, 0xff, 0xff},                 /* bin of 4 GiB */
        {0x93, 0x01, 5, 0x01, 0xdd, 0xff, 0xff, 0xff},  /* CANCEL, ids cut short */
        {0x94, 0x01, 30, 0xdb, 0x7f, 0xff, 0xff, 0xff}, /* REGISTER, name of 2 GiB */
    };
    for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
        struct msg *m = (struct msg *)1;
        size_t len = i < 4 ? 5 : 8;
        clock_t start = clock();
        assert_int_equal(counted_decode(&m, frames[i], len), COHORT_EPROTO);
        assert_null(m);
        assert_true(clock() - start < CLOCKS_PER_SEC / 10);
        if (CAN_COUNT_ALLOCATIONS)
            assert_int_equal(allocations_counted, 0);
    }

    /* a CANCEL announcing 100000 ids with only 3 present */
    static const uint8_t cancel[] = {0x94, 0x01, 5, 0x01, 0xdc, 0x86, 0xa0, 1, 2, 3, 0};
    assert_rejected(cancel, sizeof(cancel));
}

/* A frame nested far deeper than any message, in a field and as an ignored extra field. */
static void test_decode_survives_deep_nesting(void **state)
{
    enum { DEPTH = 200000 };
    uint8_t *frame = malloc(DEPTH + 16);
    struct msg *m = NULL;
    size_t len = 0;

    /* [1, HEARTBEAT, 2, [[[[...]]]]]: extra field, nested DEPTH deep */
    frame[len++] = 0x94;
    frame[len++] = 0x01;
    frame[len++] = 31;
    frame[len++] = 2;
    memset(frame + len, 0x91, DEPTH);
    len += DEPTH;
    frame[len++] = 0x90;
    assert_int_equal(msg_decode(&m, frame, len), 0);
    assert_int_equal(m->u.heartbeat.n_running, 2);
    msg_free(m);
    assert_rejected(frame, len - 1); /* the innermost array missing */

    /* the same nesting where a number belongs */
    frame[3] = 0x91;
    assert_rejected(frame, len);
    free(frame);
}

/* Allocation stays within a small multiple of the frame, even for frames made of the
 * smallest possible elements. */
static void assert_allocation_bounded(struct raw *r)
{
    struct msg *m = NULL;
    size_t len = r->buf.len;

    assert_int_equal(counted_decode(&m, r->buf.data, len), 0);
    assert_true(malloc_usable_size(m) <= 16 * len + 1024);
    if (CAN_COUNT_ALLOCATIONS) {
        assert_int_equal(allocations_counted, 1);
        assert_true(bytes_counted <= 16 * len + 1024);
    }
    msg_free(m);
    buf_free(&r->buf);
}

static void test_decode_allocation_is_bounded(void **state)
{
    struct raw r;

    /* SUBMIT: specs of PROTO_MAX_ARGS empty arguments */
    raw_start(&r, 2, MSG_SUBMIT);
    msgpack_pack_uint8(&r.pk, 1);
    msgpack_pack_array(&r.pk, 4);
    for (int i = 0; i < 4; i++) {
        msgpack_pack_array(&r.pk, 14);
        for (int f = 0; f < 2; f++)
            raw_str(&r, "", 0);
        msgpack_pack_uint8(&r.pk, 1);
        for (int f = 0; f < 4; f++)
            msgpack_pack_uint8(&r.pk, 0);
        raw_str(&r, "", 0);
        msgpack_pack_bin(&r.pk, 0);
        msgpack_pack_array(&r.pk, PROTO_MAX_ARGS);
        for (uint32_t a = 0; a < PROTO_MAX_ARGS; a++)
            raw_str(&r, "", 0);
        msgpack_pack_array(&r.pk, PROTO_MAX_ENV);
        for (uint32_t a = 0; a < PROTO_MAX_ENV; a++)
            raw_str(&r, "", 0);
        msgpack_pack_false(&r.pk);
        msgpack_pack_uint8(&r.pk, 0);
        msgpack_pack_uint8(&r.pk, 0);
    }
    assert_allocation_bounded(&r);

    /* REPLY to JOBS: many rows of the smallest job_info */
    raw_start(&r, 5, MSG_REPLY);
    msgpack_pack_uint8(&r.pk, 1);
    msgpack_pack_uint8(&r.pk, MSG_JOBS);
    msgpack_pack_uint8(&r.pk, 0);
    raw_str(&r, "", 0);
    msgpack_pack_array(&r.pk, 1000);
    for (int i = 0; i < 1000; i++) {
        static const char kinds[] = "ussuuusuuuuusuuuuuuslll"; /* u: 0, s: "", l: [] */
        msgpack_pack_array(&r.pk, 23);
        for (const char *k = kinds; *k; k++) {
            if (*k == 'u')
                msgpack_pack_uint8(&r.pk, 0);
            else if (*k == 's')
                raw_str(&r, "", 0);
            else
                msgpack_pack_array(&r.pk, 0);
        }
    }
    /* rows failed to build correctly would be rejected; the bound check needs success */
    assert_allocation_bounded(&r);

    /* REGISTER: the most labels and running pairs, all tiny */
    raw_start(&r, 7, MSG_REGISTER);
    raw_str(&r, "", 0);
    raw_str(&r, "", 0);
    msgpack_pack_uint8(&r.pk, 1);
    msgpack_pack_uint8(&r.pk, 0);
    msgpack_pack_map(&r.pk, PROTO_MAX_LABELS);
    for (uint32_t i = 0; i < 2 * PROTO_MAX_LABELS; i++)
        raw_str(&r, "", 0);
    msgpack_pack_array(&r.pk, PROTO_MAX_RUNNING);
    for (uint32_t i = 0; i < PROTO_MAX_RUNNING; i++) {
        msgpack_pack_array(&r.pk, 2);
        msgpack_pack_uint8(&r.pk, 1);
        msgpack_pack_uint8(&r.pk, 1);
    }
    raw_str(&r, "", 0);
    assert_allocation_bounded(&r);
}

/* ---- random and mutated frames ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng_next(void)
{
    /* xorshift64*: a fixed seed makes every run test the same frames */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

/* Whatever decodes must encode again, and decode to the same thing. */
static void check_any_frame(const uint8_t *frame, size_t len, size_t *accepted)
{
    struct msg *m = (struct msg *)1, *again = NULL;
    struct buf out;
    int rc = msg_decode(&m, frame, len);

    if (rc < 0) {
        assert_int_equal(rc, COHORT_EPROTO);
        assert_null(m);
        return;
    }
    (*accepted)++;
    buf_init(&out, PROTO_MAX_MSG);
    assert_int_equal(msg_encode(&out, m), 0);
    assert_int_equal(msg_decode(&again, out.data, out.len), 0);
    assert_msg_same(m, again);
    msg_free(again);
    msg_free(m);
    buf_free(&out);
}

static void test_decode_survives_random_frames(void **state)
{
    enum { MUTATIONS_PER_KIND = 7000, RANDOM_FRAMES = 40000, MAX_RANDOM = 64 };
    struct buf frames[S_COUNT];
    uint8_t scratch[4096];
    size_t tried = 0, accepted = 0;

    for (int kind = 0; kind < S_COUNT; kind++)
        encode_sample(&frames[kind], kind);

    for (int kind = 0; kind < S_COUNT; kind++) {
        const struct buf *frame = &frames[kind];
        assert_true(frame->len <= sizeof(scratch));
        for (int i = 0; i < MUTATIONS_PER_KIND; i++) {
            size_t len = frame->len;
            memcpy(scratch, frame->data, len);
            switch (rng_next() % 4) {
            case 0: /* flip one to four bits */
                for (int flips = 1 + (int)(rng_next() % 4); flips > 0; flips--) {
                    uint64_t bit = rng_next() % (len * 8);
                    scratch[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                }
                break;
            case 1: /* replace a byte with an interesting one */
                scratch[rng_next() % len] =
                    (uint8_t[]){0x00, 0x7f, 0x80, 0x90, 0xc0, 0xc1, 0xcf,
                                0xd3, 0xdd, 0xdf, 0xdb, 0xc6, 0xff}[rng_next() % 13];
                break;
            case 2: /* truncate, then maybe flip a bit */
                len = rng_next() % len;
                if (len)
                    scratch[rng_next() % len] ^= (uint8_t)(1u << (rng_next() % 8));
                break;
            default: /* overwrite a random run with random bytes */
                for (size_t at = rng_next() % len, n = 1 + rng_next() % 8; n && at < len; n--, at++)
                    scratch[at] = (uint8_t)rng_next();
                break;
            }
            check_any_frame(scratch, len, &accepted);
            tried++;
        }
    }
    for (int i = 0; i < RANDOM_FRAMES; i++) {
        size_t len = rng_next() % MAX_RANDOM;
        for (size_t b = 0; b < len; b++)
            scratch[b] = (uint8_t)rng_next();
        if (len >= 2 && i % 2) { /* half of them look like a message header */
            scratch[0] = 0x90 | (uint8_t)(rng_next() % 16);
            scratch[1] = PROTO_VERSION;
        }
        check_any_frame(scratch, len, &accepted);
        tried++;
    }
    assert_true(tried >= 200000);
    assert_true(accepted > 0); /* some mutations are harmless, so the check above ran */
    for (int kind = 0; kind < S_COUNT; kind++)
        buf_free(&frames[kind]);
}

/* ---- names ---- */

static void test_names(void **state)
{
    assert_string_equal(msg_type_name(MSG_SUBMIT), "submit");
    assert_string_equal(msg_type_name(MSG_JOB_RESULT), "job_result");
    assert_string_equal(msg_type_name(MSG_REREGISTER), "reregister");
    assert_string_equal(msg_type_name(0), "unknown");
    assert_string_equal(msg_type_name(21), "unknown");
    assert_string_equal(msg_type_name(-1), "unknown");
    assert_string_equal(msg_type_name(1000), "unknown");
    for (int s = 0; s < COHORT_JOB_STATE_COUNT; s++)
        assert_int_equal(job_state_parse(job_state_name(s)), s);
    assert_string_equal(job_state_name(COHORT_JOB_CANCELLED), "cancelled");
    assert_string_equal(job_state_name(COHORT_JOB_STATE_COUNT), "unknown");
    assert_int_equal(job_state_parse("done"), -1);
    assert_int_equal(job_state_parse(""), -1);
    assert_int_equal(job_state_parse("PENDING"), -1);
    assert_string_equal(worker_state_name(COHORT_WORKER_UP), "up");
    assert_string_equal(worker_state_name(COHORT_WORKER_DRAINING), "draining");
    assert_string_equal(worker_state_name(COHORT_WORKER_DOWN), "down");
    assert_string_equal(worker_state_name(3), "unknown");
}

/* ---- the reader itself ---- */

static void test_mp_reader_integers(void **state)
{
    /* 5 in every encoding a peer may choose */
    static const uint8_t fives[][9] = {
        {0x05},    {0xcc, 5},    {0xcd, 0, 5},      {0xce, 0, 0, 0, 5},
        {0xd0, 5}, {0xd1, 0, 5}, {0xd2, 0, 0, 0, 5}};
    static const size_t lens[] = {1, 2, 3, 5, 2, 3, 5};
    struct mp_reader r;
    uint64_t u;
    int64_t i;

    for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
        mp_reader_init(&r, fives[k], lens[k]);
        assert_int_equal(mp_read_uint(&r, &u, 5), 0);
        assert_int_equal(u, 5);
        assert_int_equal(mp_remaining(&r), 0);
        mp_reader_init(&r, fives[k], lens[k]);
        assert_int_equal(mp_read_uint(&r, &u, 4), COHORT_EPROTO); /* above max */
        assert_int_equal(mp_remaining(&r), lens[k]);              /* nothing consumed */
    }
    static const uint8_t minus_two_64bit[] = {0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};
    mp_reader_init(&r, minus_two_64bit, sizeof(minus_two_64bit));
    assert_int_equal(mp_read_uint(&r, &u, UINT64_MAX), COHORT_EPROTO);
    assert_int_equal(mp_read_int(&r, &i, -1, 0), COHORT_EPROTO);
    assert_int_equal(mp_read_int(&r, &i, INT64_MIN, 0), 0);
    assert_int_equal(i, -2);
    static const uint8_t int8_min[] = {0xd0, 0x80};
    mp_reader_init(&r, int8_min, sizeof(int8_min));
    assert_int_equal(mp_read_int(&r, &i, INT64_MIN, INT64_MAX), 0);
    assert_int_equal(i, -128);
    static const uint8_t int64_min[] = {0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0};
    mp_reader_init(&r, int64_min, sizeof(int64_min));
    assert_int_equal(mp_read_int(&r, &i, INT64_MIN, INT64_MAX), 0);
    assert_true(i == INT64_MIN);
}

static void test_mp_skip_checks_counts(void **state)
{
    /* [nil, "ab", {1: [true]}, 1.0, ext] then one byte that is not skipped */
    static const uint8_t data[] = {0x95, 0xc0, 0xa2, 'a', 'b', 0x81, 0x01, 0x91, 0xc3,
                                   0xca, 0x3f, 0x80, 0,   0,   0xd4, 1,    9,    0x07};
    struct mp_reader r;

    mp_reader_init(&r, data, sizeof(data));
    assert_int_equal(mp_skip(&r, 1), 0);
    assert_int_equal(mp_remaining(&r), 1);
    for (size_t len = 0; len < sizeof(data) - 1; len++) {
        mp_reader_init(&r, data, len);
        assert_int_equal(mp_skip(&r, 1), COHORT_EPROTO);
        assert_int_equal(mp_remaining(&r), len);
    }
    mp_reader_init(&r, data, sizeof(data));
    assert_int_equal(mp_skip(&r, UINT64_MAX), COHORT_EPROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_every_message),
        cmocka_unit_test(test_decode_handwritten_frames),
        cmocka_unit_test(test_decode_ignores_extra_fields_in_nested_structs),
        cmocka_unit_test(test_result_without_fenced_decodes_as_not_fenced),
        cmocka_unit_test(test_run_and_register_without_acks_fields),
        cmocka_unit_test(test_encode_refuses_invalid_messages),
        cmocka_unit_test(test_encode_respects_buffer_cap),
        cmocka_unit_test(test_null_strings_encode_as_empty),
        cmocka_unit_test(test_decode_rejects_every_truncation),
        cmocka_unit_test(test_decode_rejects_trailing_bytes),
        cmocka_unit_test(test_decode_rejects_wrong_version_and_type),
        cmocka_unit_test(test_decode_rejects_wrong_field_types),
        cmocka_unit_test(test_decode_checks_job_spec_invariants),
        cmocka_unit_test(test_decode_rejects_oversized_fields),
        cmocka_unit_test(test_decode_failed_reply_ignores_its_body),
        cmocka_unit_test(test_decode_huge_announcements_allocate_nothing),
        cmocka_unit_test(test_decode_survives_deep_nesting),
        cmocka_unit_test(test_decode_allocation_is_bounded),
        cmocka_unit_test(test_decode_survives_random_frames),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_mp_reader_integers),
        cmocka_unit_test(test_mp_skip_checks_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
