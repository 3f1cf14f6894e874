/* test_store.c — the scheduler's database: schema, consecutive ids, reopening, transitions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "cohort.h"
#include "store.h"
#include "store_fixture.h"

/* The first text column of one SQL statement's first row (copied into out). */
static void store_text(struct store *st, const char *sql, char *out, size_t out_len)
{
    sqlite3_stmt *stmt = NULL;

    out[0] = '\0';
    assert_int_equal(sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL), SQLITE_OK);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        snprintf(out, out_len, "%s", (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
}

static const char *test_argv[] = {"/bin/echo", "hello", "", "world"};
static const char *test_env[] = {"A=1", "B=two"};

static struct job_spec make_spec(bool is_array, uint32_t first, uint32_t last)
{
    return (struct job_spec){.name = "test",
                             .user = "alice",
                             .cpus = 2,
                             .mem = 1 << 20,
                             .time_limit = 60,
                             .priority = 3,
                             .retries = 1,
                             .cwd = "/tmp",
                             .stdin_data = (const uint8_t *)"in\0put",
                             .stdin_len = 6,
                             .argc = 4,
                             .argv = test_argv,
                             .envc = 2,
                             .env = test_env,
                             .is_array = is_array,
                             .array_first = first,
                             .array_last = last};
}

static void test_fresh_db_has_current_schema(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(fixture_query(f, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    char mode[16];
    store_text(f->st, "PRAGMA journal_mode", mode, sizeof mode);
    assert_string_equal(mode, "wal");
    store_text(f->st, "PRAGMA locking_mode", mode, sizeof mode);
    assert_string_equal(mode, "exclusive");
    assert_int_equal(fixture_query(f, "PRAGMA page_size"), STORE_PAGE_SIZE);
    assert_int_equal(fixture_query(f, "SELECT count(*) FROM jobs"), 0);
}

/* A database made with SQLite's default pages, as earlier versions made it, keeps them: it
 * opens, its jobs read back and new ones are stored. */
static void test_older_page_size_is_kept(void **state)
{
    struct fixture *f = *state;
    struct job_spec spec = make_spec(false, 0, 0);
    struct job_record rec;
    uint64_t first = 0, next = 0;
    sqlite3 *db = NULL;

    assert_int_equal(store_jobs_insert(f->st, &first, &spec, 1, 7), 0);
    assert_int_equal(store_commit(f->st), 0);
    store_close(f->st);
    f->st = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "PRAGMA journal_mode = DELETE; PRAGMA page_size = 4096; VACUUM;"
                                  "PRAGMA journal_mode = WAL",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(fixture_query(f, "PRAGMA page_size"), 4096);

    reopen(f);
    assert_int_equal(fixture_query(f, "PRAGMA page_size"), 4096);
    assert_int_equal(store_job_get(f->st, first, false, &rec), 0);
    assert_string_equal(rec.info.user, "alice");
    job_record_free(&rec);
    assert_int_equal(store_jobs_insert(f->st, &next, &spec, 1, 8), 0);
    assert_int_equal(store_commit(f->st), 0);
    assert_int_equal(next, first + 1);
}

static void test_array_ids_are_consecutive_and_survive_reopen(void **state)
{
    struct fixture *f = *state;
    struct job_spec spec = make_spec(true, 5, 1004);
    struct job_record rec;
    uint64_t first = 0;
    uint64_t counts[COHORT_JOB_STATE_COUNT];

    assert_int_equal(store_jobs_insert(f->st, &first, &spec, 1000, 1700000000000), 0);
    assert_int_equal(store_commit(f->st), 0);
    assert_true(first >= 1);
    assert_int_equal(fixture_query(f, "SELECT max(id) - min(id) + 1 FROM jobs"), 1000);
    assert_int_equal(fixture_query(f, "SELECT count(*) FROM jobs"), 1000);
    assert_int_equal(fixture_query(f, "SELECT count(*) FROM specs"), 1);

    reopen(f);
    assert_int_equal(fixture_query(f, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(store_job_get(f->st, first + 999, true, &rec), 0);
    assert_int_equal(rec.info.id, first + 999);
    assert_int_equal(rec.info.array_index, 1004);
    assert_string_equal(rec.info.name, "test");
    assert_string_equal(rec.info.user, "alice");
    assert_int_equal(rec.info.state, COHORT_JOB_PENDING);
    assert_int_equal(rec.info.cpus, 2);
    assert_int_equal(rec.info.mem, 1 << 20);
    assert_int_equal(rec.info.priority, 3);
    assert_int_equal(rec.info.argc, 4);
    for (int i = 0; i < 4; i++)
        assert_string_equal(rec.info.argv[i], test_argv[i]);
    assert_int_equal(rec.info.envc, 2);
    assert_string_equal(rec.info.env[1], "B=two");
    assert_int_equal(rec.stdin_len, 6);
    assert_memory_equal(rec.stdin_data, "in\0put", 6);
    assert_int_equal(rec.info.submitted_at, 1700000000000);
    job_record_free(&rec);
    assert_int_equal(store_job_get(f->st, first + 1000, false, &rec), COHORT_ENOENT);
    assert_int_equal(store_count_states(f->st, counts), 0);
    assert_int_equal(counts[COHORT_JOB_PENDING], 1000);
}

/* Ids only grow: the next job gets an id above every id given before, across reopening,
 * and the ids of a rolled-back turn (never acknowledged) are given again. */
static void test_ids_only_grow(void **state)
{
    struct fixture *f = *state;
    struct job_spec spec = make_spec(false, 0, 0);
    uint64_t first = 0, lost = 0, again = 0;

    assert_int_equal(store_jobs_insert(f->st, &first, &spec, 3, 1), 0);
    assert_int_equal(store_commit(f->st), 0);
    reopen(f);
    assert_int_equal(store_jobs_insert(f->st, &lost, &spec, 2, 2), 0);
    assert_int_equal(lost, first + 3);
    store_poison(f->st, "test");
    assert_int_equal(store_commit(f->st), COHORT_EIO);
    assert_int_equal(store_jobs_insert(f->st, &again, &spec, 1, 3), 0);
    assert_int_equal(store_commit(f->st), 0);
    assert_int_equal(again, first + 3);
    /* no sequence row is written for them: the table has no AUTOINCREMENT */
    assert_int_equal(fixture_query(f, "SELECT count(*) FROM sqlite_master WHERE name = 'jobs' "
                                      "AND sql LIKE '%AUTOINCREMENT%'"),
                     0);
}

/* A version 3 database (ids from AUTOINCREMENT) opened by this version: the jobs table is
 * rebuilt without it, every job keeps its id and fields, and the next id follows the last. */
static void test_version_3_jobs_keep_their_ids(void **state)
{
    static const char *const to_version_3[] = {
        "CREATE TABLE jobs_before AS SELECT * FROM jobs",
        "DROP TABLE jobs",
        "CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, spec_id INTEGER NOT NULL "
        "REFERENCES specs (id), name TEXT NOT NULL, user TEXT NOT NULL, state INTEGER NOT NULL, "
        "exit_code INTEGER NOT NULL DEFAULT -1, signal INTEGER NOT NULL DEFAULT 0, reason TEXT NOT "
        "NULL DEFAULT '', cpus INTEGER NOT NULL, mem INTEGER NOT NULL, priority INTEGER NOT NULL, "
        "time_limit INTEGER NOT NULL, retries INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT "
        "0, array_index INTEGER NOT NULL, submitted_at INTEGER NOT NULL, started_at INTEGER NOT "
        "NULL DEFAULT 0, finished_at INTEGER NOT NULL DEFAULT 0, cpu_time_ms INTEGER NOT NULL "
        "DEFAULT 0, worker TEXT NOT NULL DEFAULT '', losses INTEGER NOT NULL DEFAULT 0)",
        "INSERT INTO jobs SELECT * FROM jobs_before",
        "DROP TABLE jobs_before",
        "CREATE INDEX jobs_by_state ON jobs (state, id)",
        "PRAGMA user_version = 3",
    };
    struct fixture *f = *state;
    struct job_spec spec = make_spec(true, 5, 9);
    struct job_record rec;
    uint64_t first = 0, next = 0;

    assert_int_equal(store_jobs_insert(f->st, &first, &spec, 5, 7), 0);
    assert_int_equal(store_commit(f->st), 0);
    assert_int_equal(store_job_cancel(f->st, first + 1, "cancelled", 8), 0);
    assert_int_equal(store_commit(f->st), 0);
    store_close(f->st);
    f->st = NULL;
    for (size_t i = 0; i < sizeof to_version_3 / sizeof to_version_3[0]; i++)
        fixture_query(f, to_version_3[i]);
    assert_int_equal(fixture_query(f, "SELECT seq FROM sqlite_sequence WHERE name = 'jobs'"),
                     (int64_t)first + 4);

    reopen(f);
    assert_int_equal(fixture_query(f, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(fixture_query(f, "SELECT count(*) FROM sqlite_master WHERE name = 'jobs' "
                                      "AND sql LIKE '%AUTOINCREMENT%'"),
                     0);
    assert_int_equal(fixture_query(f, "SELECT count(*) FROM sqlite_sequence WHERE name = 'jobs'"),
                     0);
    assert_int_equal(fixture_query(f, "SELECT count(*) FROM sqlite_master WHERE name = "
                                      "'jobs_by_state'"),
                     1);
    assert_int_equal(store_job_get(f->st, first + 4, false, &rec), 0);
    assert_int_equal(rec.info.array_index, 9);
    job_record_free(&rec);
    assert_int_equal(store_job_get(f->st, first + 1, false, &rec), 0);
    assert_int_equal(rec.info.state, COHORT_JOB_CANCELLED);
    job_record_free(&rec);
    assert_int_equal(store_jobs_insert(f->st, &next, &spec, 1, 9), 0);
    assert_int_equal(store_commit(f->st), 0);
    assert_int_equal(next, first + 5);
}

static int count_pending(void *arg, uint64_t job_id, int32_t priority, uint32_t cpus, uint64_t mem)
{
    (*(int *)arg)++;
    return 0;
}

static int find_running(void *arg, uint64_t job_id, uint32_t attempt, const char *worker,
                        uint32_t cpus, uint64_t mem, bool cancelled)
{
    assert_string_equal(worker, "node1");
    assert_int_equal(attempt, 1);
    *(uint64_t *)arg = job_id;
    return 0;
}

static void test_dispatch_finish_and_loads(void **state)
{
    struct fixture *f = *state;
    struct job_spec spec = make_spec(false, 0, 0);
    struct job_record rec;
    uint64_t first = 0, running = 0;
    int pending = 0;
    uint8_t *data = NULL;
    uint32_t len = 0;
    bool truncated = false;

    assert_int_equal(store_jobs_insert(f->st, &first, &spec, 3, 1), 0);
    assert_int_equal(store_job_dispatch(f->st, first, 1, "node1", 10), 0);
    assert_int_equal(store_job_dispatch(f->st, first + 1, 1, "node1", 10), 0);
    struct run_end end = {.state = COHORT_JOB_COMPLETED,
                          .exit_code = 0,
                          .reason = "completed",
                          .started_at = 11,
                          .finished_at = 20,
                          .cpu_time_ms = 5};
    assert_int_equal(store_attempt_end(f->st, first + 1, 1, "node1", &end), 0);
    assert_int_equal(store_job_end(f->st, first + 1, &end), 0);
    assert_int_equal(
        store_output_put(f->st, first + 1, COHORT_STREAM_STDOUT, (const uint8_t *)"out", 3, true),
        0);
    assert_int_equal(store_commit(f->st), 0);
    reopen(f);

    assert_int_equal(store_load_pending(f->st, count_pending, &pending), 0);
    assert_int_equal(pending, 1);
    assert_int_equal(store_load_running(f->st, find_running, &running), 0);
    assert_int_equal(running, first);
    assert_int_equal(
        store_output_get(f->st, first + 1, COHORT_STREAM_STDOUT, &data, &len, &truncated), 0);
    assert_int_equal(len, 3);
    assert_true(truncated);
    free(data);
    assert_int_equal(
        store_output_get(f->st, first + 1, COHORT_STREAM_STDERR, &data, &len, &truncated), 0);
    assert_null(data);
    assert_int_equal(store_job_get(f->st, first + 1, false, &rec), 0);
    assert_int_equal(store_job_attempts(f->st, &rec), 0);
    assert_int_equal(rec.info.state, COHORT_JOB_COMPLETED);
    assert_int_equal(rec.info.n_attempt_list, 1);
    assert_string_equal(rec.info.attempt_list[0].worker, "node1");
    assert_int_equal(rec.info.attempt_list[0].cpu_time_ms, 5);
    job_record_free(&rec);
}

/* What store_load_running found: (job, attempt, cancelled) in order. */
struct running_seen {
    uint64_t job_id[4];
    uint32_t attempt[4];
    bool cancelled[4];
    unsigned n;
};

static int note_running(void *arg, uint64_t job_id, uint32_t attempt, const char *worker,
                        uint32_t cpus, uint64_t mem, bool cancelled)
{
    struct running_seen *seen = arg;

    assert_true(seen->n < 4);
    assert_string_equal(worker, "node1");
    seen->job_id[seen->n] = job_id;
    seen->attempt[seen->n] = attempt;
    seen->cancelled[seen->n++] = cancelled;
    return 0;
}

/* A running attempt has no row of its own: the job row stands for it, in the attempt list
 * and after a restart; a job cancelled while its attempt runs gives the attempt a row. */
static void test_running_attempts_without_rows(void **state)
{
    struct fixture *f = *state;
    struct job_spec spec = make_spec(false, 0, 0);
    struct running_seen seen = {0};
    struct job_record rec;
    uint64_t first = 0;
    char sql[128];

    assert_int_equal(store_jobs_insert(f->st, &first, &spec, 3, 1), 0);
    for (uint64_t id = first; id < first + 3; id++)
        assert_int_equal(store_job_dispatch(f->st, id, 2, "node1", 10), 0);
    /* the second is cancelled while it runs; the third's attempt ends after its cancel */
    assert_int_equal(store_job_cancel(f->st, first + 1, "cancelled", 12), 0);
    assert_int_equal(store_attempt_running(f->st, first + 1, 2, "node1", 10), 0);
    assert_int_equal(store_job_cancel(f->st, first + 2, "cancelled", 12), 0);
    assert_int_equal(store_attempt_running(f->st, first + 2, 2, "node1", 10), 0);
    struct run_end end = {.state = COHORT_JOB_CANCELLED, .reason = "cancelled", .finished_at = 14};
    assert_int_equal(store_attempt_end(f->st, first + 2, 2, "node1", &end), 0);
    assert_int_equal(store_commit(f->st), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM attempts WHERE job_id = %llu",
             (unsigned long long)first);
    assert_int_equal(fixture_query(f, sql), 0);
    /* an earlier version also gave a running attempt its row: it is not counted twice */
    snprintf(sql, sizeof sql,
             "INSERT INTO attempts (job_id, attempt, worker, state, started_at) "
             "VALUES (%llu, 2, 'node1', 1, 10)",
             (unsigned long long)first);
    fixture_query(f, sql);
    reopen(f);

    assert_int_equal(store_load_running(f->st, note_running, &seen), 0);
    assert_int_equal(seen.n, 2);
    assert_true(seen.job_id[0] == first && seen.attempt[0] == 2 && !seen.cancelled[0]);
    assert_true(seen.job_id[1] == first + 1 && seen.attempt[1] == 2 && seen.cancelled[1]);
    assert_int_equal(store_job_get(f->st, first, false, &rec), 0);
    assert_int_equal(store_job_attempts(f->st, &rec), 0);
    assert_int_equal(rec.info.n_attempt_list, 1);
    assert_int_equal(rec.info.attempt_list[0].attempt, 2);
    assert_int_equal(rec.info.attempt_list[0].state, COHORT_JOB_RUNNING);
    assert_int_equal(rec.info.attempt_list[0].started_at, 10);
    assert_string_equal(rec.info.attempt_list[0].worker, "node1");
    job_record_free(&rec);
    /* the ended attempt took the started_at of its job, which it did not say */
    assert_int_equal(store_job_get(f->st, first + 2, false, &rec), 0);
    assert_int_equal(store_job_attempts(f->st, &rec), 0);
    assert_int_equal(rec.info.n_attempt_list, 1);
    assert_int_equal(rec.info.attempt_list[0].state, COHORT_JOB_CANCELLED);
    assert_int_equal(rec.info.attempt_list[0].started_at, 10);
    job_record_free(&rec);
}

static void test_list_merges_states_in_id_order(void **state)
{
    struct fixture *f = *state;
    struct job_spec spec = make_spec(false, 0, 0);
    struct job_list list = {0};
    uint64_t first = 0;

    assert_int_equal(store_jobs_insert(f->st, &first, &spec, 10, 1), 0);
    for (uint64_t id = first; id < first + 10; id += 2)
        assert_int_equal(store_job_dispatch(f->st, id, 1, "node1", 2), 0);
    assert_int_equal(store_job_cancel(f->st, first + 9, "cancelled by user", 3), 0);
    assert_int_equal(store_commit(f->st), 0);

    uint32_t both = 1u << COHORT_JOB_PENDING | 1u << COHORT_JOB_RUNNING;
    assert_int_equal(store_jobs_list(f->st, &list, both, 0, 100), 0);
    assert_int_equal(list.n, 9);
    for (uint32_t i = 0; i < list.n; i++)
        assert_int_equal(list.jobs[i].id, first + i);
    job_list_free(&list);
    assert_int_equal(store_jobs_list(f->st, &list, both, first + 2, 3), 0);
    assert_int_equal(list.n, 3);
    assert_int_equal(list.jobs[0].id, first + 3);
    assert_int_equal(list.jobs[2].id, first + 5);
    job_list_free(&list);
    assert_int_equal(store_jobs_list(f->st, &list, 1u << COHORT_JOB_CANCELLED, 0, 5), 0);
    assert_int_equal(list.n, 1);
    assert_int_equal(list.jobs[0].id, first + 9);
    job_list_free(&list);
}

static void test_failed_turn_is_rolled_back(void **state)
{
    struct fixture *f = *state;
    struct job_spec spec = make_spec(false, 0, 0);
    uint64_t first = 0;

    assert_int_equal(store_jobs_insert(f->st, &first, &spec, 5, 1), 0);
    store_poison(f->st, "test");
    assert_int_equal(store_commit(f->st), COHORT_EIO);
    assert_false(store_in_transaction(f->st));
    assert_int_equal(fixture_query(f, "SELECT count(*) FROM jobs"), 0);
    /* the next turn works again */
    assert_int_equal(store_jobs_insert(f->st, &first, &spec, 1, 1), 0);
    assert_int_equal(store_commit(f->st), 0);
    assert_int_equal(fixture_query(f, "SELECT count(*) FROM jobs"), 1);
}

static int count_worker(void *arg, const struct worker_row *row)
{
    assert_string_equal(row->name, "node1");
    assert_true(row->draining);
    assert_int_equal(row->n_labels, 2);
    assert_string_equal(row->labels[1].key, "disk");
    assert_string_equal(row->labels[1].value, "ssd");
    (*(int *)arg)++;
    return 0;
}

static void test_worker_rows_keep_drain(void **state)
{
    struct fixture *f = *state;
    struct label labels[] = {{"site", "lab"}, {"disk", "ssd"}};
    struct worker_row row = {.name = "node1",
                             .cpus = 8,
                             .mem = 1 << 30,
                             .n_labels = 2,
                             .labels = labels,
                             .last_seen = 5};
    int n = 0;

    assert_int_equal(store_worker_save(f->st, &row), 0);
    assert_int_equal(store_worker_set_draining(f->st, "node1", true), 0);
    assert_int_equal(store_worker_save(f->st, &row), 0); /* re-registering keeps the drain */
    assert_int_equal(store_commit(f->st), 0);
    reopen(f);
    assert_int_equal(store_load_workers(f->st, count_worker, &n), 0);
    assert_int_equal(n, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fresh_db_has_current_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_older_page_size_is_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_array_ids_are_consecutive_and_survive_reopen, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ids_only_grow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_3_jobs_keep_their_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dispatch_finish_and_loads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_running_attempts_without_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_merges_states_in_id_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_turn_is_rolled_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_worker_rows_keep_drain, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
