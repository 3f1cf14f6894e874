/* test_store_backup.c — copying the database page by page while turns go on writing it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cohort.h"
#include "store.h"
#include "store_backup.h"
#include "store_fixture.h"

static const char *test_argv[] = {"/bin/true"};

static struct job_spec make_spec(void)
{
    return (struct job_spec){.name = "backup",
                             .user = "alice",
                             .cwd = "/tmp",
                             .argc = 1,
                             .argv = test_argv,
                             .cpus = 1,
                             .mem = 1 << 20,
                             .is_array = true,
                             .array_first = 0,
                             .array_last = 0};
}

/* Insert count jobs in a turn of their own. */
static void submit_committed(struct store *st, uint32_t count)
{
    struct job_spec spec = make_spec();
    uint64_t first = 0;

    spec.array_last = count - 1;
    assert_int_equal(store_jobs_insert(st, &first, &spec, count, 1), 0);
    assert_int_equal(store_commit(st), 0);
}

/* Jobs in the database at path, opened as the scheduler would open it. */
static uint64_t jobs_in(const char *path)
{
    uint64_t counts[COHORT_JOB_STATE_COUNT], total = 0;
    struct store *st = NULL;
    char err[256];

    assert_int_equal(store_open(&st, path, err, sizeof err), 0);
    assert_int_equal(store_count_states(st, counts), 0);
    for (int i = 0; i < COHORT_JOB_STATE_COUNT; i++)
        total += counts[i];
    store_close(st);
    return total;
}

/* A copy made a few pages at a time holds what was committed before it started and what
 * turns committed while it was being made, and only appears at its path when complete. */
static void test_copy_follows_the_turns_made_meanwhile(void **state)
{
    struct fixture *f = *state;
    struct store_backup *b = NULL;
    char path[160], tmp[170], err[256];
    uint64_t bytes = 0;
    struct stat st;
    int rc, steps = 0;

    snprintf(path, sizeof path, "%s/copy.db", f->dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    submit_committed(f->st, 20000); /* some hundreds of pages */
    assert_int_equal(store_backup_begin(&b, f->st, path, err, sizeof err), 0);
    while ((rc = store_backup_step(b, 8 * STORE_PAGE_SIZE, err, sizeof err)) == 0) {
        assert_int_equal(stat(path, &st), -1);
        assert_int_equal(stat(tmp, &st), 0);
        if (steps++ % 10 == 0)
            submit_committed(f->st, 3);
    }
    assert_int_equal(rc, 1);
    assert_true(steps > 10);
    assert_int_equal(stat(path, &st), -1); /* complete, not yet in place */
    assert_int_equal(store_backup_settle(b, &bytes, err, sizeof err), 0);
    assert_int_equal(stat(tmp, &st), -1);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((uint64_t)st.st_size, bytes);
    store_backup_free(&b);
    assert_null(b);
    assert_int_equal(stat(path, &st), 0); /* freeing a finished copy keeps it */
    assert_int_equal(jobs_in(path), 20000 + 3 * (uint64_t)((steps + 9) / 10));
}

/* A step copies the pages that fit in the bytes it is given, and at least one. */
static void test_step_copies_whole_pages(void **state)
{
    struct fixture *f = *state;
    struct store_backup *b = NULL;
    char path[160], err[256];
    int64_t pages;
    int rc, steps = 0;

    snprintf(path, sizeof path, "%s/copy.db", f->dir);
    submit_committed(f->st, 2000);
    pages = fixture_query(f, "PRAGMA page_count");
    assert_true(pages > 8);
    assert_int_equal(store_backup_begin(&b, f->st, path, err, sizeof err), 0);
    while ((rc = store_backup_step(b, 1, err, sizeof err)) == 0)
        steps++;
    assert_int_equal(rc, 1);
    assert_int_equal(steps + 1, pages); /* one page a step, the last one completes it */
    store_backup_free(&b);

    steps = 0;
    assert_int_equal(store_backup_begin(&b, f->st, path, err, sizeof err), 0);
    while ((rc = store_backup_step(b, 4 * STORE_PAGE_SIZE + 1, err, sizeof err)) == 0)
        steps++;
    assert_int_equal(rc, 1);
    assert_int_equal(steps + 1, (pages + 3) / 4);
    store_backup_free(&b);
}

/* A copy given up before it is complete leaves nothing behind. */
static void test_unfinished_copy_is_removed(void **state)
{
    struct fixture *f = *state;
    struct store_backup *b = NULL;
    char path[160], tmp[170], err[256];
    struct stat st;

    snprintf(path, sizeof path, "%s/copy.db", f->dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    submit_committed(f->st, 20000);
    assert_int_equal(store_backup_begin(&b, f->st, path, err, sizeof err), 0);
    assert_int_equal(store_backup_step(b, 4 * STORE_PAGE_SIZE, err, sizeof err), 0);
    store_backup_free(&b);
    assert_int_equal(stat(tmp, &st), -1);
    assert_int_equal(stat(path, &st), -1);
}

/* A copy that cannot be created says why and changes nothing. */
static void test_copy_into_missing_dir_fails(void **state)
{
    struct fixture *f = *state;
    struct store_backup *b = NULL;
    char path[160], err[256] = "";

    snprintf(path, sizeof path, "%s/no/such/dir/copy.db", f->dir);
    assert_int_equal(store_backup_begin(&b, f->st, path, err, sizeof err), COHORT_EIO);
    assert_null(b);
    assert_non_null(strstr(err, "cannot create"));
    submit_committed(f->st, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_copy_follows_the_turns_made_meanwhile, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_step_copies_whole_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unfinished_copy_is_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_into_missing_dir_fails, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
