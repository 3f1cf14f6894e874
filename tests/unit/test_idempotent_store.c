/* test_idempotent_store.c — keyed submissions in the store: lookup, rollback, pruning, v1 → v2. */
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

#define NOW 1764154965000LL

static const char *test_argv[] = {"true"};

static struct job_spec make_spec(uint32_t array_size)
{
    return (struct job_spec){.name = "idem",
                             .user = "alice",
                             .cpus = 1,
                             .cwd = "/tmp",
                             .argc = 1,
                             .argv = test_argv,
                             .is_array = array_size > 1,
                             .array_first = 1,
                             .array_last = array_size};
}

/* Store a submission of one spec of `size` jobs under key, as the scheduler does: the jobs
 * and the key in one transaction. Returns the first id. */
static uint64_t submit_keyed(struct store *st, const char *key, uint32_t size, int64_t now)
{
    struct job_spec spec = make_spec(size);
    uint64_t first = 0;

    assert_int_equal(store_jobs_insert(st, &first, &spec, size, now), 0);
    assert_int_equal(store_submission_put(st, key, 1, &first, &size, now), 0);
    return first;
}

static void test_stored_key_gives_the_same_ids(void **state)
{
    struct fixture *f = *state;
    uint64_t firsts[2] = {0}, found[2] = {7, 7};
    uint32_t counts[2] = {1, 3}, found_counts[2] = {7, 7};
    struct job_spec one = make_spec(1), three = make_spec(3);

    assert_int_equal(store_submission_find(f->st, "k1", 2, found, found_counts), COHORT_ENOENT);
    assert_int_equal(store_jobs_insert(f->st, &firsts[0], &one, 1, NOW), 0);
    assert_int_equal(store_jobs_insert(f->st, &firsts[1], &three, 3, NOW), 0);
    assert_int_equal(store_submission_put(f->st, "k1", 2, firsts, counts, NOW), 0);
    /* the turn's own writes are seen before the commit: a copy in the same turn is caught */
    assert_int_equal(store_submission_find(f->st, "k1", 2, found, found_counts), 0);
    assert_memory_equal(found, firsts, sizeof firsts);
    assert_int_equal(store_commit(f->st), 0);

    memset(found, 0, sizeof found);
    memset(found_counts, 0, sizeof found_counts);
    assert_int_equal(store_submission_find(f->st, "k1", 2, found, found_counts), 0);
    assert_int_equal(found[0], firsts[0]);
    assert_int_equal(found[1], firsts[1]);
    assert_int_equal(found_counts[0], 1);
    assert_int_equal(found_counts[1], 3);
    /* another number of specs under the same key is another submission */
    assert_int_equal(store_submission_find(f->st, "k1", 1, found, found_counts), COHORT_ESTATE);
    assert_int_equal(store_submission_find(f->st, "k2", 2, found, found_counts), COHORT_ENOENT);

    /* storing a key twice is refused (the scheduler looks it up first), and the turn too */
    assert_int_equal(store_submission_put(f->st, "k1", 2, firsts, counts, NOW), COHORT_EIO);
    assert_int_equal(store_commit(f->st), COHORT_EIO);
    assert_int_equal(fixture_query(f, "SELECT count(*) FROM submissions"), 1);
}

static void test_key_is_rolled_back_with_its_jobs(void **state)
{
    struct fixture *f = *state;
    uint64_t found;
    uint32_t found_count;

    submit_keyed(f->st, "lost", 4, NOW);
    store_poison(f->st, "test");
    assert_int_equal(store_commit(f->st), COHORT_EIO);
    assert_int_equal(store_submission_find(f->st, "lost", 1, &found, &found_count), COHORT_ENOENT);
    assert_int_equal(fixture_query(f, "SELECT count(*) FROM jobs"), 0);
    /* sent again, it is stored now, once */
    uint64_t first = submit_keyed(f->st, "lost", 4, NOW);
    assert_int_equal(store_commit(f->st), 0);
    assert_int_equal(store_submission_find(f->st, "lost", 1, &found, &found_count), 0);
    assert_int_equal(found, first);
    assert_int_equal(found_count, 4);
    assert_int_equal(fixture_query(f, "SELECT count(*) FROM jobs"), 4);
}

/* Store n keys "PREFIX-NNN" of one job each at time now, and commit. */
static void submit_many_keyed(struct store *st, const char *prefix, int n, int64_t now)
{
    char key[32];

    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof key, "%s-%03d", prefix, i);
        submit_keyed(st, key, 1, now);
    }
    assert_int_equal(store_commit(st), 0);
}

static void test_old_keys_are_swept_away(void **state)
{
    struct fixture *f = *state;
    const int64_t long_ago = NOW - 2 * STORE_SUBMISSION_KEEP_MS;
    uint64_t found;
    uint32_t found_count;

    /* A prune runs every 256 stored keys, judging age by the time of the key that sets it
     * off, and looks at the keys after those the last one looked at, in key order. */
    submit_many_keyed(f->st, "old", 256, long_ago); /* looks at old-*, all young then */
    assert_int_equal(fixture_query(f, "SELECT count(*) FROM submissions"), 256);
    submit_many_keyed(f->st, "new", 256, NOW); /* nothing after old-255: starts over */
    assert_int_equal(fixture_query(f, "SELECT count(*) FROM submissions"), 512);
    submit_many_keyed(f->st, "next", 256, NOW); /* looks at every key: forgets old-* */
    assert_int_equal(fixture_query(f, "SELECT count(*) FROM submissions"), 512);
    assert_int_equal(fixture_query(f, "SELECT count(*) FROM submissions WHERE key LIKE 'old-%'"),
                     0);
    assert_int_equal(store_submission_find(f->st, "old-255", 1, &found, &found_count),
                     COHORT_ENOENT);
    assert_int_equal(store_submission_find(f->st, "new-000", 1, &found, &found_count), 0);
    /* the jobs themselves are kept */
    assert_int_equal(fixture_query(f, "SELECT count(*) FROM jobs"), 768);
}

static void test_version_1_database_is_migrated(void **state)
{
    struct fixture *f = *state;
    struct job_spec spec = make_spec(2);
    struct job_brief brief;
    uint64_t first = 0, found;
    uint32_t found_count;
    char err[256];

    /* a version 1 database: the current one without its submissions table and without the
     * losses column of version 3, with jobs in it */
    assert_int_equal(store_jobs_insert(f->st, &first, &spec, 2, NOW), 0);
    assert_int_equal(store_commit(f->st), 0);
    store_close(f->st);
    f->st = NULL;
    fixture_query(f, "DROP TABLE submissions");
    fixture_query(f, "ALTER TABLE jobs DROP COLUMN losses");
    fixture_query(f, "PRAGMA user_version = 1");
    assert_int_equal(fixture_query(f, "PRAGMA user_version"), 1);
    assert_int_equal(
        fixture_query(f, "SELECT count(*) FROM sqlite_master WHERE name = 'submissions'"), 0);

    assert_int_equal(store_open(&f->st, f->path, err, sizeof err), 0);
    assert_int_equal(fixture_query(f, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(store_job_brief(f->st, first + 1, &brief), 0);
    assert_int_equal(brief.state, COHORT_JOB_PENDING);
    assert_int_equal(brief.losses, 0);
    uint64_t next = submit_keyed(f->st, "after-migration", 1, NOW);
    assert_int_equal(store_commit(f->st), 0);
    assert_int_equal(next, first + 2); /* ids go on growing */
    assert_int_equal(store_submission_find(f->st, "after-migration", 1, &found, &found_count), 0);
    assert_int_equal(found, next);
}

/* Version 3 counts the losses that cost a retry; older jobs start with none and keep the
 * retries they were submitted with. */
static void test_version_2_database_gains_losses(void **state)
{
    struct fixture *f = *state;
    struct job_spec spec = make_spec(1);
    struct job_brief brief;
    uint64_t id = 0;
    char err[256];

    spec.retries = 2;
    assert_int_equal(store_jobs_insert(f->st, &id, &spec, 1, NOW), 0);
    assert_int_equal(store_commit(f->st), 0);
    store_close(f->st);
    f->st = NULL;
    fixture_query(f, "ALTER TABLE jobs DROP COLUMN losses");
    fixture_query(f, "PRAGMA user_version = 2");

    assert_int_equal(store_open(&f->st, f->path, err, sizeof err), 0);
    assert_int_equal(fixture_query(f, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(store_job_brief(f->st, id, &brief), 0);
    assert_int_equal(brief.losses, 0);
    assert_int_equal(brief.retries, 2);
    /* a charged loss counts; one at no cost does not, and neither touches retries */
    assert_int_equal(store_job_requeue(f->st, id, COHORT_JOB_PENDING, "r", true, NOW), 0);
    assert_int_equal(store_job_requeue(f->st, id, COHORT_JOB_PENDING, "r", false, NOW), 0);
    assert_int_equal(store_commit(f->st), 0);
    assert_int_equal(store_job_brief(f->st, id, &brief), 0);
    assert_int_equal(brief.losses, 1);
    assert_int_equal(brief.retries, 2);
}

static void test_newer_schema_is_refused(void **state)
{
    struct fixture *f = *state;
    char err[256];

    store_close(f->st);
    f->st = NULL;
    fixture_query(f, "PRAGMA user_version = 99");
    assert_int_equal(store_open(&f->st, f->path, err, sizeof err), COHORT_EIO);
    assert_null(f->st);
    assert_non_null(strstr(err, "newer"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stored_key_gives_the_same_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_is_rolled_back_with_its_jobs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_keys_are_swept_away, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_1_database_is_migrated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_2_database_gains_losses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
