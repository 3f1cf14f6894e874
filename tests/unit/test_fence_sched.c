/* test_fence_sched.c — the scheduler's side of worker loss: LEAVING, GOODBYE, re-registration,
 * leases, and which requeues cost a job its retries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clock.h"
#include "cohort.h"
#include "sched_int.h"

#define HEARTBEAT_MS 200
#define LEASE_MS 2000
#define MAX_SEEN 16

/* A scheduler without a socket: messages it would send stay in its outbox. */
struct fixture {
    char dir[64];
    struct sched s;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    uint64_t counts[COHORT_JOB_STATE_COUNT] = {0};
    char path[128], err[256];
    struct sched *s = &f->s;

    snprintf(f->dir, sizeof f->dir, "/tmp/cohort-test-fence-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(path, sizeof path, "%s/cohort.db", f->dir);
    s->config.heartbeat_ms = HEARTBEAT_MS;
    s->config.lease_ms = LEASE_MS;
    assert_int_equal(uv_loop_init(&s->loop), 0);
    assert_int_equal(store_open(&s->store, path, err, sizeof err), 0);
    assert_int_equal(queue_create(&s->queue), 0);
    assert_int_equal(user_pending_create(&s->user_pending), 0);
    assert_int_equal(workers_create(&s->workers, 16, 0, 1000), 0);
    assert_int_equal(outbox_create(&s->outbox, 1000, 1u << 24), 0);
    assert_int_equal(waiters_create(&s->waiters, &s->loop, 10, 100, client_wait_ready, s), 0);
    stats_init(&s->stats, counts);
    assert_int_equal(identity_parse(NULL, &s->caller), 0); /* as on an insecure socket */
    *state = f;
    return 0;
}

static void drop_item(void *arg, struct outbox_item *item)
{
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    struct sched *s = &f->s;
    char command[128];

    outbox_drain(s->outbox, drop_item, NULL);
    waiters_destroy(s->waiters);
    uv_run(&s->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&s->loop), 0);
    outbox_destroy(s->outbox);
    acks_free(&s->held_acks);
    workers_destroy(s->workers);
    queue_destroy(s->queue);
    user_pending_destroy(s->user_pending);
    store_close(s->store);
    snprintf(command, sizeof command, "rm -rf '%s'", f->dir);
    assert_int_equal(system(command), 0);
    free(f);
    return 0;
}

/* What the scheduler would have sent since the last look: types and (job, attempt). */
struct seen {
    size_t n;
    uint8_t types[MAX_SEEN];
    struct job_attempt attempts[MAX_SEEN];
    size_t n_acked;                     /* results acknowledged, alone or within a RUN */
    struct job_attempt acked[MAX_SEEN]; /* which */
};

static void note_ack(struct seen *seen, const struct msg_kill *ack)
{
    assert_true(seen->n_acked < MAX_SEEN);
    seen->acked[seen->n_acked++] = (struct job_attempt){ack->job_id, ack->attempt};
}

static void note_item(void *arg, struct outbox_item *item)
{
    struct seen *seen = arg;
    struct msg *m = NULL;

    assert_int_equal(msg_decode(&m, item->payload.data, item->payload.len), 0);
    assert_true(seen->n < MAX_SEEN);
    seen->types[seen->n] = m->type;
    if (m->type == MSG_KILL)
        seen->attempts[seen->n] = (struct job_attempt){m->u.kill.job_id, m->u.kill.attempt};
    if (m->type == MSG_RESULT_ACK)
        note_ack(seen, &m->u.result_ack);
    for (uint32_t i = 0; m->type == MSG_RUN && i < m->u.run.n_acks; i++)
        note_ack(seen, &m->u.run.acks[i]);
    seen->n++;
    msg_free(m);
}

/* Commit the turn and collect what it would send. */
static struct seen end_turn(struct sched *s)
{
    struct seen seen = {0};

    assert_int_equal(store_commit(s->store), 0);
    outbox_drain(s->outbox, note_item, &seen);
    return seen;
}

/* A worker registers from peer with instance, listing running (n of them); acks_in_run
 * false registers as a worker that reads no acknowledgements within a RUN. */
static struct worker *register_worker_as(struct sched *s, const char *name, const char *peer,
                                         const char *instance, const struct job_attempt *running,
                                         uint32_t n, bool acks_in_run)
{
    struct msg m = {.type = MSG_REGISTER};

    m.u.reg = (struct msg_register){.name = name,
                                    .instance_id = instance,
                                    .cpus = 1,
                                    .mem = 1u << 30,
                                    .n_running = n,
                                    .running = (struct job_attempt *)running,
                                    .version = COHORT_VERSION,
                                    .acks_in_run = acks_in_run};
    worker_on_register(s, (const uint8_t *)peer, strlen(peer), NULL, &m);
    struct worker *w = workers_by_name(s->workers, name);
    assert_non_null(w);
    return w;
}

static struct worker *register_worker(struct sched *s, const char *name, const char *peer,
                                      const char *instance, const struct job_attempt *running,
                                      uint32_t n)
{
    return register_worker_as(s, name, peer, instance, running, n, true);
}

/* Store a pending job with retries and start its next attempt on w. */
static uint64_t submit(struct sched *s, uint32_t retries)
{
    const char *argv[] = {"true"};
    struct job_spec spec = {
        .name = "", .user = "u", .cpus = 1, .retries = retries, .cwd = "", .argc = 1, .argv = argv};
    uint64_t id = 0;

    assert_int_equal(store_jobs_insert(s->store, &id, &spec, 1, clock_now_ms()), 0);
    stats_add(&s->stats, COHORT_JOB_PENDING, 1);
    return id;
}

static struct attempt *place(struct sched *s, uint64_t id, struct worker *w)
{
    struct job_shape shape = {.cpus = 1};

    assert_int_equal(lifecycle_place(s, id, &shape, &w->slot, false), 0);
    struct attempt *a = workers_attempt(s->workers, id);
    assert_non_null(a);
    assert_ptr_equal(a->worker, w);
    return a;
}

/* The stored job: state, attempts, retries and reason. */
static void assert_job(struct sched *s, uint64_t id, uint8_t state, uint32_t attempts,
                       uint32_t retries, const char *reason)
{
    struct job_record rec;

    assert_int_equal(store_job_get(s->store, id, false, &rec), 0);
    assert_string_equal(job_state_name(rec.info.state), job_state_name(state));
    assert_int_equal(rec.info.attempts, attempts);
    assert_int_equal(rec.info.retries, retries);
    if (reason)
        assert_string_equal(rec.info.reason, reason);
    job_record_free(&rec);
}

/* Take job id out of the pending queue, as a dispatch pass would; fails if it is not there. */
static void take_from_queue(struct sched *s, uint64_t id)
{
    struct job_shape shape = {.cpus = 1};

    assert_int_equal(queue_remove(s->queue, id, &shape), 0);
}

static void test_leaving_stops_dispatch_without_an_operator_drain(void **state)
{
    struct fixture *f = *state;
    struct sched *s = &f->s;
    struct worker *w = register_worker(s, "w1", "peer-1", "i1", NULL, 0);
    struct msg leaving = {.type = MSG_LEAVING, .u.leaving = {.grace_ms = 30000}};

    end_turn(s);
    assert_int_equal(workers_state(w), COHORT_WORKER_UP);
    assert_int_equal(match_count(workers_pool(s->workers)), 1);

    worker_on_leaving(s, (const uint8_t *)"peer-1", 6, w, &leaving);
    assert_int_equal(workers_state(w), COHORT_WORKER_DRAINING);
    assert_int_equal(match_count(workers_pool(s->workers)), 0);
    assert_false(w->draining); /* not the operator's drain, so never stored as one */
    end_turn(s);

    /* a new start of the worker takes work again */
    w = register_worker(s, "w1", "peer-2", "i2", NULL, 0);
    assert_int_equal(workers_state(w), COHORT_WORKER_UP);
    assert_int_equal(match_count(workers_pool(s->workers)), 1);
    end_turn(s);
}

static void test_goodbye_requeues_at_once_without_costing_a_retry(void **state)
{
    struct fixture *f = *state;
    struct sched *s = &f->s;
    struct worker *w1 = register_worker(s, "w1", "peer-1", "i1", NULL, 0);
    uint64_t id = submit(s, 1);

    place(s, id, w1);
    end_turn(s);
    worker_on_goodbye(s, (const uint8_t *)"peer-1", 6, w1, &(struct msg){.type = MSG_GOODBYE});
    end_turn(s);
    assert_int_equal(workers_state(w1), COHORT_WORKER_DOWN);
    assert_job(s, id, COHORT_JOB_PENDING, 1, 1, "requeued: worker w1 shut down");
    assert_int_equal(queue_count(s->queue), 1);
    assert_int_equal(s->stats.jobs[COHORT_JOB_PENDING], 1);

    /* its retries stay as submitted, and the one it was given is still there: one lost worker
     * requeues it ... */
    struct worker *w2 = register_worker(s, "w2", "peer-2", "i2", NULL, 0);
    take_from_queue(s, id);
    place(s, id, w2);
    end_turn(s);
    worker_lost(s, w2, "was lost");
    end_turn(s);
    assert_job(s, id, COHORT_JOB_PENDING, 2, 1, "requeued: worker w2 was lost (attempt 2 of 3)");

    /* ... and a second one fails it */
    w2 = register_worker(s, "w2", "peer-3", "i3", NULL, 0);
    take_from_queue(s, id);
    place(s, id, w2);
    end_turn(s);
    worker_lost(s, w2, "was lost");
    end_turn(s);
    assert_job(s, id, COHORT_JOB_FAILED, 3, 1, "worker lost and retries exhausted (3 attempts)");
    assert_int_equal(s->stats.jobs[COHORT_JOB_FAILED], 1);
}

/* A JOB_RESULT from worker w for (id, attempt), with some output. */
static void report(struct sched *s, struct worker *w, uint64_t id, uint32_t attempt, uint8_t state,
                   const char *reason, bool fenced)
{
    static const uint8_t out[] = "partial output";
    struct msg m = {.type = MSG_JOB_RESULT};

    m.u.result = (struct msg_job_result){.job_id = id,
                                         .attempt = attempt,
                                         .state = state,
                                         .exit_code = -1,
                                         .signal = 15,
                                         .reason = reason,
                                         .out = out,
                                         .out_len = sizeof out - 1,
                                         .fenced = fenced};
    worker_on_result(s, (const uint8_t *)w->peer, w->peer_len, w, &m);
}

static void test_fenced_result_requeues_without_costing_a_retry(void **state)
{
    struct fixture *f = *state;
    struct sched *s = &f->s;
    struct worker *w = register_worker(s, "w1", "peer-1", "i1", NULL, 0);
    uint64_t id = submit(s, 0);
    uint8_t *data = NULL;
    uint32_t len = 1;
    bool truncated;

    place(s, id, w);
    end_turn(s);
    /* the scheduler was away past the worker's fence, not past the lease: the worker killed
     * the job itself and reports that when it hears from the scheduler again */
    report(s, w, id, 1, COHORT_JOB_FAILED, "killed: no word from the scheduler for 5 s", true);
    struct seen seen = end_turn(s);
    assert_int_equal(seen.n, 0); /* its acknowledgement waits for the next RUN */
    assert_int_equal(w->acks.count, 1);
    assert_job(s, id, COHORT_JOB_PENDING, 1, 0,
               "requeued: worker w1 lost contact with the scheduler");
    assert_null(workers_attempt(s->workers, id));
    assert_int_equal(w->n_running, 0);
    assert_int_equal(queue_count(s->queue), 1);
    assert_int_equal(s->stats.jobs[COHORT_JOB_PENDING], 1);
    assert_int_equal(s->stats.jobs[COHORT_JOB_FAILED], 0);
    /* the killed attempt's output is not the job's */
    assert_int_equal(store_output_get(s->store, id, COHORT_STREAM_STDOUT, &data, &len, &truncated),
                     0);
    assert_null(data);
    assert_int_equal(len, 0);

    /* it runs again, its RUN acknowledging the fenced result, and its real end is recorded */
    take_from_queue(s, id);
    place(s, id, w);
    seen = end_turn(s);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.types[0], MSG_RUN);
    assert_int_equal(seen.n_acked, 1);
    assert_int_equal(seen.acked[0].job_id, id);
    assert_int_equal(seen.acked[0].attempt, 1);
    assert_int_equal(w->acks.count, 0);
    report(s, w, id, 2, COHORT_JOB_COMPLETED, "", false);
    end_turn(s);
    assert_job(s, id, COHORT_JOB_COMPLETED, 2, 0, NULL);

    /* a fenced result that comes again later (a resend) is acknowledged and changes nothing */
    report(s, w, id, 1, COHORT_JOB_FAILED, "killed: no word from the scheduler for 5 s", true);
    end_turn(s);
    assert_job(s, id, COHORT_JOB_COMPLETED, 2, 0, NULL);
}

/* Staged attempts never started: losing them costs no retry, whether their worker is lost
 * (even when a running job ends first in the same sweep) or gives them back. */
static void test_staged_attempts_cost_no_retry(void **state)
{
    struct fixture *f = *state;
    struct sched *s = &f->s;
    struct worker *w = register_worker(s, "w1", "peer-1", "i1", NULL, 0);
    uint64_t running = submit(s, 0), staged = submit(s, 0);
    struct job_shape shape = {.cpus = 1};

    /* staged first: the running attempt is then requeued first, and its end must not start
     * the staged one in the scheduler's mirror */
    assert_int_equal(lifecycle_place(s, staged, &shape, &w->stage_slot, true), 0);
    place(s, running, w);
    assert_true(workers_attempt(s->workers, staged)->staged);
    assert_ptr_equal(w->attempts, workers_attempt(s->workers, running));
    end_turn(s);
    worker_lost(s, w, "was lost");
    end_turn(s);
    assert_job(s, running, COHORT_JOB_FAILED, 1, 0,
               "worker lost and retries exhausted (1 attempts)");
    assert_job(s, staged, COHORT_JOB_PENDING, 1, 0, "requeued: worker w1 was lost");

    /* a worker gives a job back before it started it */
    w = register_worker(s, "w1", "peer-2", "i2", NULL, 0);
    take_from_queue(s, staged);
    place(s, staged, w);
    end_turn(s);
    struct msg m = {.type = MSG_JOB_RESULT};
    m.u.result = (struct msg_job_result){.job_id = staged,
                                         .attempt = 2,
                                         .state = COHORT_JOB_FAILED,
                                         .exit_code = -1,
                                         .reason = "given back before it started",
                                         .returned = true};
    worker_on_result(s, (const uint8_t *)w->peer, w->peer_len, w, &m);
    struct seen seen = end_turn(s);
    assert_int_equal(seen.n, 0); /* its acknowledgement waits for the next RUN */
    assert_int_equal(w->acks.count, 1);
    assert_int_equal(w->acks.list[0].job_id, staged);
    assert_job(s, staged, COHORT_JOB_PENDING, 2, 0,
               "requeued: worker w1 gave it back before it started");
    assert_int_equal(queue_count(s->queue), 1);
}

/* A worker that does not say it reads acknowledgements within a RUN gets each one alone,
 * in the turn that stored its result, and RUNs without any. */
static void test_an_older_worker_gets_each_acknowledgement_alone(void **state)
{
    struct fixture *f = *state;
    struct sched *s = &f->s;
    struct worker *w = register_worker_as(s, "w1", "peer-1", "i1", NULL, 0, false);
    uint64_t first = submit(s, 0), second = submit(s, 0);

    place(s, first, w);
    end_turn(s);
    report(s, w, first, 1, COHORT_JOB_COMPLETED, "", false);
    struct seen seen = end_turn(s);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.types[0], MSG_RESULT_ACK);
    assert_int_equal(seen.acked[0].job_id, first);
    assert_int_equal(w->acks.count, 0);
    place(s, second, w);
    seen = end_turn(s);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.types[0], MSG_RUN);
    assert_int_equal(seen.n_acked, 0);
}

static void test_fenced_result_of_a_cancelled_job_keeps_it_cancelled(void **state)
{
    struct fixture *f = *state;
    struct sched *s = &f->s;
    struct worker *w = register_worker(s, "w1", "peer-1", "i1", NULL, 0);
    uint64_t id = submit(s, 0);
    int32_t code = -1;

    place(s, id, w);
    end_turn(s);
    assert_int_equal(lifecycle_cancel(s, id, &code), 0);
    assert_int_equal(code, 0);
    end_turn(s);
    report(s, w, id, 1, COHORT_JOB_FAILED, "killed: no word from the scheduler for 5 s", true);
    end_turn(s);
    assert_job(s, id, COHORT_JOB_CANCELLED, 1, 0, "cancelled by user");
    assert_null(workers_attempt(s->workers, id));
    assert_int_equal(queue_count(s->queue), 0);
}

static void test_restart_under_the_same_name_requeues_what_it_does_not_list(void **state)
{
    struct fixture *f = *state;
    struct sched *s = &f->s;
    struct worker *w = register_worker(s, "w1", "peer-1", "i1", NULL, 0);
    uint64_t id = submit(s, 3);

    place(s, id, w);
    end_turn(s);
    register_worker(s, "w1", "peer-2", "i2", NULL, 0);
    end_turn(s);
    assert_job(s, id, COHORT_JOB_PENDING, 1, 3, "requeued: worker w1 restarted (attempt 1 of 4)");
    assert_null(workers_attempt(s->workers, id));
    take_from_queue(s, id);
}

static void test_repeated_register_keeps_what_was_sent_meanwhile(void **state)
{
    struct fixture *f = *state;
    struct sched *s = &f->s;
    struct worker *w = register_worker(s, "w1", "peer-1", "i1", NULL, 0);
    uint64_t id = submit(s, 3);

    place(s, id, w);
    end_turn(s);
    /* sent again before the WELCOME arrived; the RUN crossed it */
    register_worker(s, "w1", "peer-1", "i1", NULL, 0);
    end_turn(s);
    assert_job(s, id, COHORT_JOB_RUNNING, 1, 3, NULL);
    assert_non_null(workers_attempt(s->workers, id));
    assert_int_equal(queue_count(s->queue), 0);
}

static void test_register_adopts_expected_and_kills_unexpected_attempts(void **state)
{
    struct fixture *f = *state;
    struct sched *s = &f->s;
    struct worker *w = register_worker(s, "w1", "peer-1", "i1", NULL, 0);
    uint64_t id = submit(s, 3);

    place(s, id, w);
    end_turn(s);
    /* the scheduler restarted meanwhile (a new peer), the worker kept its job; it also lists
     * a stale attempt of the same job and an attempt of a job that does not exist */
    const struct job_attempt running[] = {{id, 1}, {id, 7}, {424242, 1}};
    register_worker(s, "w1", "peer-2", "i1", running, 3);
    struct seen seen = end_turn(s);
    assert_job(s, id, COHORT_JOB_RUNNING, 1, 3, NULL);
    assert_int_equal(seen.n, 3);
    assert_int_equal(seen.types[0], MSG_WELCOME);
    assert_int_equal(seen.types[1], MSG_KILL);
    assert_int_equal(seen.attempts[1].job_id, id);
    assert_int_equal(seen.attempts[1].attempt, 7);
    assert_int_equal(seen.types[2], MSG_KILL);
    assert_int_equal(seen.attempts[2].job_id, 424242);
}

static int lost_count;

static void count_lost(void *arg, struct worker *w)
{
    lost_count++;
    worker_lost(arg, w, "was lost");
}

static void test_silence_makes_suspect_then_loses_the_jobs(void **state)
{
    struct fixture *f = *state;
    struct sched *s = &f->s;
    struct worker *w = register_worker(s, "w1", "peer-1", "i1", NULL, 0);
    uint64_t id = submit(s, 0);
    int64_t heard = w->last_heard_mono;
    int64_t suspect_ms = (int64_t)SCHED_SUSPECT_BEATS * HEARTBEAT_MS;

    place(s, id, w);
    end_turn(s);
    lost_count = 0;
    workers_sweep(s->workers, heard + suspect_ms, suspect_ms, LEASE_MS, count_lost, s);
    assert_false(w->suspect);
    workers_sweep(s->workers, heard + suspect_ms + 1, suspect_ms, LEASE_MS, count_lost, s);
    assert_true(w->suspect);
    assert_int_equal(match_count(workers_pool(s->workers)), 0);
    assert_int_equal(workers_state(w), COHORT_WORKER_UP);

    /* heard again: work may come again */
    int64_t last = heard + suspect_ms + 2;
    workers_heard(s->workers, w, clock_now_ms(), last);
    assert_false(w->suspect);
    assert_int_equal(match_count(workers_pool(s->workers)), 1);

    /* a scheduler stall is nobody's silence: a lease after the stall, not before */
    workers_extend_leases(s->workers, LEASE_MS);
    workers_sweep(s->workers, last + 2 * LEASE_MS, suspect_ms, LEASE_MS, count_lost, s);
    assert_int_equal(lost_count, 0);
    assert_non_null(workers_attempt(s->workers, id));
    workers_sweep(s->workers, last + 2 * LEASE_MS + 1, suspect_ms, LEASE_MS, count_lost, s);
    assert_int_equal(lost_count, 1);
    end_turn(s);
    assert_int_equal(workers_state(w), COHORT_WORKER_DOWN);
    assert_job(s, id, COHORT_JOB_FAILED, 1, 0, "worker lost and retries exhausted (1 attempts)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_leaving_stops_dispatch_without_an_operator_drain,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_goodbye_requeues_at_once_without_costing_a_retry,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_fenced_result_requeues_without_costing_a_retry, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_staged_attempts_cost_no_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_older_worker_gets_each_acknowledgement_alone, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fenced_result_of_a_cancelled_job_keeps_it_cancelled,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_restart_under_the_same_name_requeues_what_it_does_not_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repeated_register_keeps_what_was_sent_meanwhile, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_register_adopts_expected_and_kills_unexpected_attempts,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_silence_makes_suspect_then_loses_the_jobs, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
