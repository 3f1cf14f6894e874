/* test_workers_stage.c — the scheduler's mirror of a worker's staged jobs: which workers may
 * get one, what they hold, and which start when a job ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "clock.h"
#include "match.h"
#include "workers.h"

#define STAGE_JOBS 2
#define WINDOW_MS 1000

struct fixture {
    struct workers *ws;
    struct worker *w;
    uint64_t next_id;
};

/* A registry with one connected worker of 2 cpus and 1000 bytes. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    static const uint8_t peer[] = {1, 2, 3};

    assert_int_equal(workers_create(&f->ws, 8, STAGE_JOBS, WINDOW_MS), 0);
    assert_int_equal(workers_add(f->ws, &f->w, "w1", 2, 1000, NULL, 0), 0);
    assert_int_equal(workers_connect(f->ws, f->w, peer, sizeof peer, "i1", 2, 1000, NULL, 0), 0);
    f->next_id = 1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    workers_destroy(f->ws);
    free(f);
    return 0;
}

static struct attempt *attach(struct fixture *f, uint32_t cpus, uint64_t mem, bool staged)
{
    struct attempt *a;
    assert_int_equal(workers_attach(f->ws, &a, f->w, f->next_id++, 1, cpus, mem, staged), 0);
    return a;
}

/* A 1-cpu job that ran ran_ms ends on the worker at monotonic time now. */
static void end_job(struct fixture *f, int64_t ran_ms, int64_t now)
{
    struct attempt *a = attach(f, 1, 0, false);
    a->started_mono = now - ran_ms;
    workers_note_end(f->ws, a, now);
    workers_detach(f->ws, a);
}

/* A short job just ended: the worker turns short jobs over. */
static void turn_over(struct fixture *f)
{
    end_job(f, 2, clock_mono_ms());
}

static bool may_stage(const struct fixture *f)
{
    return match_contains(workers_stage_pool(f->ws), &f->w->stage_slot);
}

static void test_only_a_worker_turning_jobs_over_is_sent_staged_jobs(void **state)
{
    struct fixture *f = *state;
    int64_t now = clock_mono_ms();

    attach(f, 1, 0, false);
    assert_false(may_stage(f)); /* no job ended here yet */
    end_job(f, 10, now);
    assert_true(may_stage(f));
    attach(f, 1, 0, false);
    attach(f, 1, 0, true);
    assert_true(may_stage(f)); /* room for one more */
    attach(f, 1, 0, true);
    assert_false(may_stage(f)); /* STAGE_JOBS reached */
    assert_int_equal(f->w->n_staged, 2);
    assert_int_equal(f->w->n_running, 4); /* two started, two staged */
    assert_int_equal(f->w->cpus_used, 2); /* staged jobs hold nothing */
    assert_int_equal(workers_staged_count(f->ws), 2);
}

static void test_staged_jobs_start_in_order_as_cpus_free(void **state)
{
    struct fixture *f = *state;

    turn_over(f);
    struct attempt *running = attach(f, 2, 0, false);
    struct attempt *big = attach(f, 2, 0, true);
    struct attempt *small = attach(f, 1, 0, true);
    workers_detach(f->ws, running); /* both cpus free: the first staged starts, not the next */
    assert_false(big->staged);
    assert_true(small->staged);
    assert_int_equal(f->w->cpus_used, 2);
    workers_detach(f->ws, big);
    assert_false(small->staged);
    assert_int_equal(f->w->cpus_used, 1);
    assert_int_equal(workers_staged_count(f->ws), 0);
}

static void test_memory_counts_and_an_idle_worker_takes_any_job(void **state)
{
    struct fixture *f = *state;

    turn_over(f);
    struct attempt *first = attach(f, 1, 600, false);
    struct attempt *hungry = attach(f, 1, 600, true); /* a cpu is free, the memory is not */
    struct attempt *huge = attach(f, 2, 5000, true);  /* more than the worker has */
    workers_start_staged(f->ws, hungry);              /* the worker said it started */
    assert_false(hungry->staged);
    workers_detach(f->ws, first);
    assert_true(huge->staged);
    workers_detach(f->ws, hungry); /* idle now: it starts whatever it asks */
    assert_false(huge->staged);
    assert_int_equal(f->w->mem_used, 5000);
}

static void test_a_registration_restores_the_worker_s_order(void **state)
{
    struct fixture *f = *state;

    attach(f, 2, 0, false);
    struct attempt *a = attach(f, 1, 0, false); /* as after a reload: all count as started */
    struct attempt *b = attach(f, 1, 0, false);
    struct job_attempt listed[] = {{b->job_id, 1}, {999, 1}, {a->job_id, 2}, {a->job_id, 1}};
    workers_restage(f->ws, f->w, listed, 4); /* unknown and stale entries are skipped */
    assert_true(a->staged && b->staged);
    assert_ptr_equal(f->w->staged_first, b);
    assert_ptr_equal(b->stage_next, a);
    assert_int_equal(f->w->cpus_used, 2);
    workers_set_taking_back(f->ws, a, true);
    assert_int_equal(workers_taking_back_count(f->ws), 1);
    workers_restage(f->ws, f->w, NULL, 0); /* a registration that lists none */
    assert_int_equal(workers_staged_count(f->ws), 0);
    assert_int_equal(workers_taking_back_count(f->ws), 0);
    assert_int_equal(f->w->cpus_used, 4);
}

static void test_the_stage_window_closes(void **state)
{
    struct fixture *f = *state;
    int64_t now = clock_mono_ms();

    end_job(f, 5, now - WINDOW_MS - 1);
    attach(f, 2, 0, false);
    assert_true(may_stage(f));
    workers_heard(f->ws, f->w, clock_now_ms(), now); /* not silent: the sweep loses nobody */
    workers_sweep(f->ws, now, 60000, 120000, NULL, NULL);
    assert_false(may_stage(f));
    workers_set_draining(f->ws, f->w, true);
    end_job(f, 5, now);
    assert_false(may_stage(f)); /* a drained worker gets no new work, staged or not */
}

static void test_a_worker_running_long_jobs_is_sent_none(void **state)
{
    struct fixture *f = *state;
    int64_t now = clock_mono_ms();

    end_job(f, WINDOW_MS / 4, now); /* as long as allowed */
    attach(f, 2, 0, false);
    assert_true(may_stage(f));
    for (int i = 0; i < 3; i++)
        end_job(f, 2 * WINDOW_MS, now); /* counted as WINDOW_MS each */
    assert_false(may_stage(f));
    for (int i = 0; i < 4; i++)
        end_job(f, 1, now);
    assert_false(may_stage(f)); /* the mean still remembers the long ones */
    for (int i = 0; i < 12; i++)
        end_job(f, 1, now);
    assert_true(may_stage(f));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_only_a_worker_turning_jobs_over_is_sent_staged_jobs,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_staged_jobs_start_in_order_as_cpus_free, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_memory_counts_and_an_idle_worker_takes_any_job, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_registration_restores_the_worker_s_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_the_stage_window_closes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_worker_running_long_jobs_is_sent_none, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
