/* test_agent_stop.c — a worker against a scripted scheduler: fencing when the scheduler is
 * silent (also after a freeze), the clean stop (LEAVING, grace, GOODBYE), and the results a RUN
 * acknowledges. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <uv.h>
#include <zmq.h>

#include "agent_int.h"
#include "clock.h"
#include "cohort.h"

#define TEST_ALARM_S 60  /* no test may hang the suite */
#define HEARTBEAT_MS 100 /* what the scripted scheduler's WELCOME says */
#define LEASE_MS 1000    /* so the worker fences after 500 ms of silence */
#define WAIT_MS 8000     /* the longest any expected message may take */
#define FENCE_REASON "killed: no word from the scheduler for "
#define MAX_TYPES 1024 /* messages the worker sends during one test, at most */

struct fixture {
    uv_loop_t loop;
    char root[64]; /* temporary dir: the spool and the jobs' cwd */
    char spool[96];
    char endpoint[128]; /* where the scripted scheduler listens */
    void *zmq_ctx;
    void *router;      /* the scripted scheduler */
    uint8_t peer[256]; /* the worker's routing id */
    size_t peer_len;
    struct agent *agent;
    bool stopped;            /* on_stopped was called */
    bool answer_beats;       /* the scheduler answers heartbeats */
    uint8_t seen[MAX_TYPES]; /* types of every message the worker sent, in order */
    size_t n_seen;
};

static int setup_with_grace(void **state, uint32_t grace_ms)
{
    struct fixture *f = calloc(1, sizeof(*f));
    size_t len = sizeof f->endpoint;
    const int linger = 0;

    alarm(TEST_ALARM_S);
    strcpy(f->root, "/tmp/cohort-test-agent-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    snprintf(f->spool, sizeof f->spool, "%s/spool", f->root);
    assert_int_equal(uv_loop_init(&f->loop), 0);
    assert_non_null(f->zmq_ctx = zmq_ctx_new());
    assert_non_null(f->router = zmq_socket(f->zmq_ctx, ZMQ_ROUTER));
    assert_int_equal(zmq_setsockopt(f->router, ZMQ_LINGER, &linger, sizeof linger), 0);
    assert_int_equal(zmq_bind(f->router, "tcp://127.0.0.1:*"), 0);
    assert_int_equal(zmq_getsockopt(f->router, ZMQ_LAST_ENDPOINT, f->endpoint, &len), 0);
    struct agent_config cfg = {.scheduler = f->endpoint,
                               .name = "testw",
                               .spool_dir = f->spool,
                               .cpus = 2,
                               .mem = 1u << 30,
                               .grace_ms = grace_ms};
    assert_int_equal(agent_create(&f->agent, &f->loop, &cfg), 0);
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_with_grace(state, 10000);
}

static int setup_no_grace(void **state)
{
    return setup_with_grace(state, 0);
}

static int setup_long_grace(void **state)
{
    return setup_with_grace(state, 60000);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char command[128];

    agent_destroy(&f->agent);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    zmq_close(f->router);
    zmq_ctx_term(f->zmq_ctx);
    snprintf(command, sizeof command, "rm -rf '%s'", f->root);
    assert_int_equal(system(command), 0);
    free(f);
    return 0;
}

static void on_stopped(void *arg)
{
    struct fixture *f = arg;

    f->stopped = true;
}

/* Send m to the worker. */
static void tell(struct fixture *f, const struct msg *m)
{
    struct buf frame;

    buf_init(&frame, PROTO_MAX_MSG);
    assert_int_equal(msg_encode(&frame, m), 0);
    assert_int_equal(zmq_send(f->router, f->peer, f->peer_len, ZMQ_SNDMORE), (int)f->peer_len);
    assert_int_equal(zmq_send(f->router, frame.data, frame.len, 0), (int)frame.len);
    buf_free(&frame);
}

/* Read one message from the worker if one is there, noting its type and its peer; answer
 * a heartbeat when the scheduler answers them. Returns it (the caller frees it) or NULL. */
static struct msg *read_one(struct fixture *f)
{
    uint8_t peer[256], data[1 << 16];
    struct msg *m = NULL;
    int peer_len = zmq_recv(f->router, peer, sizeof peer, ZMQ_DONTWAIT);

    if (peer_len < 0)
        return NULL;
    int len = zmq_recv(f->router, data, sizeof data, 0);
    assert_true(len > 0 && len <= (int)sizeof data);
    assert_int_equal(msg_decode(&m, data, (size_t)len), 0);
    memcpy(f->peer, peer, (size_t)peer_len);
    f->peer_len = (size_t)peer_len;
    assert_true(f->n_seen < MAX_TYPES);
    f->seen[f->n_seen++] = m->type;
    if (m->type == MSG_HEARTBEAT && f->answer_beats)
        tell(f, &(struct msg){.type = MSG_HEARTBEAT});
    return m;
}

/* Run the worker until it sends a message of type want (returned; the caller frees it), or
 * fail after WAIT_MS. */
static struct msg *expect(struct fixture *f, int want)
{
    int64_t deadline = clock_mono_ms() + WAIT_MS;

    while (clock_mono_ms() < deadline) {
        struct msg *m;
        uv_run(&f->loop, UV_RUN_NOWAIT);
        while ((m = read_one(f))) {
            if (m->type == want)
                return m;
            msg_free(m);
        }
        zmq_poll(&(zmq_pollitem_t){.socket = f->router, .events = ZMQ_POLLIN}, 1, 5);
    }
    fail_msg("the worker sent no %s within %d ms", msg_type_name(want), WAIT_MS);
    return NULL;
}

/* Run the worker for about ms, reading (and answering) what it sends. */
static void run_for(struct fixture *f, int64_t ms)
{
    int64_t deadline = clock_mono_ms() + ms;

    while (clock_mono_ms() < deadline) {
        struct msg *m;
        uv_run(&f->loop, UV_RUN_NOWAIT);
        while ((m = read_one(f)))
            msg_free(m);
        zmq_poll(&(zmq_pollitem_t){.socket = f->router, .events = ZMQ_POLLIN}, 1, 5);
    }
}

static size_t count_seen(const struct fixture *f, int type)
{
    size_t n = 0;

    for (size_t i = 0; i < f->n_seen; i++)
        n += f->seen[i] == type;
    return n;
}

/* Accept the worker's registration. */
static void welcome(struct fixture *f)
{
    struct msg *reg = expect(f, MSG_REGISTER);
    assert_true(reg->u.reg.acks_in_run); /* results may be acknowledged within a RUN */
    msg_free(reg);
    tell(f, &(struct msg){.type = MSG_WELCOME, .u.welcome = {HEARTBEAT_MS, LEASE_MS}});
    f->answer_beats = true;
    msg_free(expect(f, MSG_HEARTBEAT));
}

/* Send RUN for job_id attempt 1: sh -c script, in the test dir. Returns the job's pid once
 * it has written it to pid.JOB. */
static pid_t run_job(struct fixture *f, uint64_t job_id, const char *script)
{
    const char *argv[] = {"sh", "-c", script};
    struct msg run = {.type = MSG_RUN};
    char pid_path[128];
    FILE *pid_file = NULL;
    int pid = 0;

    run.u.run = (struct msg_run){
        .job_id = job_id,
        .attempt = 1,
        .array_index = -1,
        .spec = {.name = "", .user = "u", .cpus = 1, .cwd = f->root, .argc = 3, .argv = argv}};
    tell(f, &run);
    struct msg *started = expect(f, MSG_JOB_STARTED);
    assert_int_equal(started->u.started.job_id, job_id);
    msg_free(started);
    snprintf(pid_path, sizeof pid_path, "%s/pid.%llu", f->root, (unsigned long long)job_id);
    for (int i = 0; i < 100 && !(pid_file = fopen(pid_path, "r")); i++)
        run_for(f, 20);
    assert_non_null(pid_file);
    for (int i = 0; i < 100 && fscanf(pid_file, "%d", &pid) != 1; i++) {
        rewind(pid_file);
        run_for(f, 20);
    }
    fclose(pid_file);
    assert_true(pid > 0);
    return pid;
}

#define LONG_JOB "echo $$ > pid.$COHORT_JOB_ID; exec sleep 30"

static void assert_gone(pid_t pid)
{
    assert_int_equal(kill(pid, 0), -1);
    assert_int_equal(errno, ESRCH);
}

/* ---- fencing ---- */

static void test_silent_scheduler_gets_the_jobs_killed(void **state)
{
    struct fixture *f = *state;

    welcome(f);
    pid_t pid = run_job(f, 7, LONG_JOB);
    f->answer_beats = false; /* the scheduler falls silent */
    struct msg *result = expect(f, MSG_JOB_RESULT);
    assert_int_equal(result->u.result.job_id, 7);
    assert_int_equal(result->u.result.state, COHORT_JOB_FAILED);
    assert_memory_equal(result->u.result.reason, FENCE_REASON, strlen(FENCE_REASON));
    msg_free(result);
    assert_gone(pid);
}

static void test_frozen_worker_fences_before_reading_what_queued_up(void **state)
{
    struct fixture *f = *state;

    welcome(f);
    pid_t pid = run_job(f, 8, LONG_JOB);
    /* freeze the worker as SIGSTOP would: no tick, no loop; a message waits for it */
    uv_timer_stop(&f->agent->tick);
    tell(f, &(struct msg){.type = MSG_HEARTBEAT});
    usleep(2 * LEASE_MS * 1000);
    /* thawed: it reads the message first, before any tick could notice the silence */
    int64_t heard_before = f->agent->last_heard;
    for (int i = 0; i < 200 && f->agent->last_heard == heard_before; i++) {
        uv_run(&f->loop, UV_RUN_NOWAIT);
        usleep(1000);
    }
    assert_true(f->agent->last_heard != heard_before);
    uv_timer_again(&f->agent->tick);
    /* the scheduler answers every beat from now on: only that silence can have killed it */
    struct msg *result = expect(f, MSG_JOB_RESULT);
    assert_int_equal(result->u.result.job_id, 8);
    assert_memory_equal(result->u.result.reason, FENCE_REASON, strlen(FENCE_REASON));
    msg_free(result);
    assert_gone(pid);
}

static void test_answered_worker_keeps_its_jobs(void **state)
{
    struct fixture *f = *state;

    welcome(f);
    pid_t pid = run_job(f, 9, LONG_JOB);
    run_for(f, 3 * LEASE_MS);
    assert_int_equal(count_seen(f, MSG_JOB_RESULT), 0);
    assert_int_equal(kill(pid, 0), 0);
}

/* ---- the clean stop ---- */

static void test_stop_lets_running_jobs_finish_and_takes_no_new_ones(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = {"true"};

    welcome(f);
    run_job(f, 11, "echo $$ > pid.$COHORT_JOB_ID; sleep 1; echo finished");
    agent_shutdown(f->agent, on_stopped, f);
    struct msg *leaving = expect(f, MSG_LEAVING);
    assert_true(leaving->u.leaving.grace_ms > 0 && leaving->u.leaving.grace_ms <= 10000);
    msg_free(leaving);
    /* a RUN that crossed the LEAVING is not started */
    struct msg run = {.type = MSG_RUN};
    run.u.run = (struct msg_run){
        .job_id = 12,
        .attempt = 1,
        .array_index = -1,
        .spec = {.name = "", .user = "u", .cpus = 1, .cwd = f->root, .argc = 1, .argv = argv}};
    tell(f, &run);
    struct msg *result = expect(f, MSG_JOB_RESULT);
    assert_int_equal(result->u.result.job_id, 11);
    assert_int_equal(result->u.result.state, COHORT_JOB_COMPLETED);
    assert_false(f->stopped); /* waits for the acknowledgement */
    tell(f, &(struct msg){.type = MSG_RESULT_ACK, .u.result_ack = {11, 1, COHORT_JOB_COMPLETED}});
    msg_free(result);
    msg_free(expect(f, MSG_GOODBYE));
    run_for(f, 50);
    assert_true(f->stopped);
    assert_int_equal(count_seen(f, MSG_JOB_STARTED), 1); /* job 11's, not job 12's */
}

/* A RUN acknowledges the results it carries even when its job is not started: here one
 * that crossed the LEAVING lets the stopping worker forget job 13's result, and go. */
/* Send RUN for job_id attempt 1 (argv, in the test dir), acknowledging the result of ack. */
static void tell_run_acking(struct fixture *f, uint64_t job_id, uint32_t argc, const char **argv,
                            struct msg_kill *ack)
{
    struct msg run = {.type = MSG_RUN};

    run.u.run = (struct msg_run){
        .job_id = job_id,
        .attempt = 1,
        .array_index = -1,
        .spec = {.name = "", .user = "u", .cpus = 1, .cwd = f->root, .argc = argc, .argv = argv},
        .n_acks = 1,
        .acks = ack};
    tell(f, &run);
}

static void test_a_run_not_started_still_acknowledges_results(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = {"true"};
    struct msg_kill ack = {13, 1, COHORT_JOB_COMPLETED};
    char attempt_dir[128];
    struct stat st;

    welcome(f);
    run_job(f, 13, "echo $$ > pid.$COHORT_JOB_ID; sleep 1");
    agent_shutdown(f->agent, on_stopped, f);
    struct msg *result = expect(f, MSG_JOB_RESULT);
    assert_int_equal(result->u.result.job_id, 13);
    msg_free(result);
    snprintf(attempt_dir, sizeof attempt_dir, "%s/13.1", f->spool);
    assert_int_equal(stat(attempt_dir, &st), 0); /* kept until acknowledged */
    run_for(f, 50);
    assert_false(f->stopped);
    tell_run_acking(f, 14, 1, argv, &ack);
    msg_free(expect(f, MSG_GOODBYE));
    run_for(f, 50);
    assert_true(f->stopped);
    assert_int_equal(stat(attempt_dir, &st), -1);
    assert_int_equal(count_seen(f, MSG_JOB_STARTED), 1); /* job 13's, not job 14's */
}

/* The inode of the spare dir in f's spool (there must be one), or 0. */
static ino_t spare_inode(const struct fixture *f)
{
    DIR *dir = opendir(f->spool);
    struct dirent *entry;
    ino_t ino = 0;

    assert_non_null(dir);
    while ((entry = readdir(dir)))
        if (strncmp(entry->d_name, "spare.", strlen("spare.")) == 0)
            ino = entry->d_ino;
    closedir(dir);
    return ino;
}

static void test_a_run_starts_before_the_attempts_it_acknowledges_are_tidied(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = {"sleep", "0.5"};
    struct msg_kill ack = {13, 1, COHORT_JOB_COMPLETED};
    char acked_dir[128], new_dir[128];
    struct stat acked, started, gone;

    welcome(f);
    run_job(f, 13, "echo $$ > pid.$COHORT_JOB_ID; sleep 0.3");
    msg_free(expect(f, MSG_JOB_RESULT));
    snprintf(acked_dir, sizeof acked_dir, "%s/13.1", f->spool);
    assert_int_equal(stat(acked_dir, &acked), 0);
    assert_int_equal(spare_inode(f), 0); /* no spare yet: job 13 made its dir anew */
    tell_run_acking(f, 14, 2, argv, &ack);
    run_for(f, 100);
    /* job 14 started before 13.1 was tidied: it could not take 13.1's dir as its spare,
     * which is kept for the next attempt instead */
    snprintf(new_dir, sizeof new_dir, "%s/14.1", f->spool);
    assert_int_equal(stat(new_dir, &started), 0);
    assert_int_equal(stat(acked_dir, &gone), -1); /* released and tidied */
    assert_true(started.st_ino != acked.st_ino);
    assert_int_equal(spare_inode(f), acked.st_ino);
    struct msg *result = expect(f, MSG_JOB_RESULT);
    assert_int_equal(result->u.result.job_id, 14);
    msg_free(result);
}

static void test_stop_without_grace_kills_and_leaves_the_requeue_to_goodbye(void **state)
{
    struct fixture *f = *state;
    char attempt_dir[128];
    struct stat st;

    welcome(f);
    pid_t pid = run_job(f, 21, LONG_JOB);
    agent_shutdown(f->agent, on_stopped, f);
    msg_free(expect(f, MSG_LEAVING));
    msg_free(expect(f, MSG_GOODBYE));
    assert_int_equal(count_seen(f, MSG_JOB_RESULT), 0);
    assert_gone(pid);
    snprintf(attempt_dir, sizeof attempt_dir, "%s/21.1", f->spool);
    assert_int_equal(stat(attempt_dir, &st), -1);
    run_for(f, 50);
    assert_true(f->stopped);
}

static void test_second_stop_kills_at_once(void **state)
{
    struct fixture *f = *state;

    welcome(f);
    pid_t pid = run_job(f, 31, LONG_JOB);
    agent_shutdown(f->agent, on_stopped, f);
    msg_free(expect(f, MSG_LEAVING));
    run_for(f, 300);
    assert_int_equal(kill(pid, 0), 0); /* the 60 s grace runs */
    agent_shutdown(f->agent, on_stopped, f);
    msg_free(expect(f, MSG_GOODBYE)); /* well before the grace: WAIT_MS */
    assert_int_equal(count_seen(f, MSG_JOB_RESULT), 0);
    assert_gone(pid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_silent_scheduler_gets_the_jobs_killed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_frozen_worker_fences_before_reading_what_queued_up,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_answered_worker_keeps_its_jobs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_lets_running_jobs_finish_and_takes_no_new_ones,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_run_starts_before_the_attempts_it_acknowledges_are_tidied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_run_not_started_still_acknowledges_results, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_stop_without_grace_kills_and_leaves_the_requeue_to_goodbye, setup_no_grace,
            teardown),
        cmocka_unit_test_setup_teardown(test_second_stop_kills_at_once, setup_long_grace, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
