/* test_store_faults.c — the store under storage faults: full disk, I/O errors, damage. */
#include <fcntl.h>
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
#include "store_int.h"

/* ---- a VFS that passes everything to the default one, and fails writes on demand ---- */

static int write_failure = SQLITE_OK; /* what xWrite and xTruncate return; SQLITE_OK = work */
static sqlite3_vfs *real_vfs;
static sqlite3_vfs faulty_vfs;

struct faulty_file {
    sqlite3_file base;
    sqlite3_file *real; /* follows this struct in the same allocation */
};

#define REAL(file) (((struct faulty_file *)(file))->real)

static int f_close(sqlite3_file *f)
{
    return REAL(f)->pMethods ? REAL(f)->pMethods->xClose(REAL(f)) : SQLITE_OK;
}
static int f_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
    return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}
static int f_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
    return write_failure ? write_failure : REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}
static int f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    return write_failure ? write_failure : REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int f_sync(sqlite3_file *f, int flags)
{
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int f_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int f_lock(sqlite3_file *f, int level)
{
    return REAL(f)->pMethods->xLock(REAL(f), level);
}
static int f_unlock(sqlite3_file *f, int level)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), level);
}
static int f_check_reserved(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int f_control(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int f_sector(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int f_device(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int f_shm_map(sqlite3_file *f, int page, int size, int extend, void volatile **out)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), page, size, extend, out);
}
static int f_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}
static void f_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int f_shm_unmap(sqlite3_file *f, int delete_flag)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), delete_flag);
}

static const sqlite3_io_methods faulty_methods = {
    .iVersion = 2,
    .xClose = f_close,
    .xRead = f_read,
    .xWrite = f_write,
    .xTruncate = f_truncate,
    .xSync = f_sync,
    .xFileSize = f_size,
    .xLock = f_lock,
    .xUnlock = f_unlock,
    .xCheckReservedLock = f_check_reserved,
    .xFileControl = f_control,
    .xSectorSize = f_sector,
    .xDeviceCharacteristics = f_device,
    .xShmMap = f_shm_map,
    .xShmLock = f_shm_lock,
    .xShmBarrier = f_shm_barrier,
    .xShmUnmap = f_shm_unmap,
};

static int faulty_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                       int *out_flags)
{
    struct faulty_file *ff = (struct faulty_file *)file;
    ff->real = (sqlite3_file *)(ff + 1);
    int rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out_flags);
    ff->base.pMethods = ff->real->pMethods ? &faulty_methods : NULL;
    return rc;
}

/* Make faulty_vfs the default VFS (once per process), before the first store_open: the
 * store's own VFS (store_vfs.h) is built on the default VFS of that moment. */
static void install_faulty_vfs(void)
{
    if (real_vfs)
        return;
    real_vfs = sqlite3_vfs_find(NULL);
    faulty_vfs = *real_vfs;
    faulty_vfs.zName = "faulty";
    faulty_vfs.szOsFile = (int)sizeof(struct faulty_file) + real_vfs->szOsFile;
    faulty_vfs.xOpen = faulty_open;
    assert_int_equal(sqlite3_vfs_register(&faulty_vfs, 1), SQLITE_OK);
}

/* ---- fixture ---- */

struct fixture {
    char dir[64];
    char path[128];
    struct store *st;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[256];

    install_faulty_vfs();
    write_failure = SQLITE_OK;
    snprintf(f->dir, sizeof f->dir, "/tmp/cohort-test-faults-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/cohort.db", f->dir);
    assert_int_equal(store_open(&f->st, f->path, err, sizeof err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char command[160];

    write_failure = SQLITE_OK;
    store_close(f->st);
    snprintf(command, sizeof command, "rm -rf '%s'", f->dir);
    assert_int_equal(system(command), 0);
    free(f);
    return 0;
}

static const char *test_argv[] = {"/bin/true"};

static struct job_spec make_spec(uint32_t array_size)
{
    return (struct job_spec){.name = "test",
                             .user = "alice",
                             .cpus = 1,
                             .cwd = "/tmp",
                             .argc = 1,
                             .argv = test_argv,
                             .is_array = array_size > 1,
                             .array_first = 1,
                             .array_last = array_size};
}

/* Jobs in the database, as a scheduler starting now would count them. */
static uint64_t stored_jobs(struct store *st)
{
    uint64_t counts[COHORT_JOB_STATE_COUNT], total = 0;
    assert_int_equal(store_count_states(st, counts), 0);
    for (int i = 0; i < COHORT_JOB_STATE_COUNT; i++)
        total += counts[i];
    return total;
}

/* Submit count jobs in a turn of their own; returns the first id. */
static uint64_t submit_committed(struct store *st, uint32_t count)
{
    struct job_spec spec = make_spec(count);
    uint64_t first = 0;
    assert_int_equal(store_jobs_insert(st, &first, &spec, count, 1), 0);
    assert_int_equal(store_commit(st), 0);
    return first;
}

static int64_t pragma_value(struct store *st, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    int64_t value = -1;
    assert_int_equal(sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL), SQLITE_OK);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
}

/* ---- tests ---- */

/* The disk fills up when the turn commits: nothing of the turn is stored, reads still work,
 * and the next turn after space returns is stored. */
static void check_commit_failure(struct fixture *f, int failure, const char *words)
{
    struct job_spec spec = make_spec(3);
    struct job_record rec;
    uint64_t kept = submit_committed(f->st, 1), first = 0;

    assert_int_equal(store_jobs_insert(f->st, &first, &spec, 3, 2), 0);
    assert_int_equal(store_job_cancel(f->st, kept, "cancelled by user", 3), 0);
    write_failure = failure;
    assert_int_equal(store_commit(f->st), COHORT_EIO);
    assert_false(store_in_transaction(f->st));
    assert_string_equal(store_fault(f->st), words);
    /* reads are served while writes fail, and see nothing of the failed turn */
    assert_int_equal(stored_jobs(f->st), 1);
    assert_int_equal(store_job_get(f->st, kept, false, &rec), 0);
    assert_int_equal(rec.info.state, COHORT_JOB_PENDING);
    job_record_free(&rec);
    assert_int_equal(store_job_get(f->st, first, false, &rec), COHORT_ENOENT);
    /* a turn that fails again changes nothing either */
    assert_int_equal(store_jobs_insert(f->st, &first, &spec, 3, 4), 0);
    assert_int_equal(store_commit(f->st), COHORT_EIO);
    assert_int_equal(stored_jobs(f->st), 1);
    /* space is back: the next turn is stored, without a restart */
    write_failure = SQLITE_OK;
    assert_int_equal(submit_committed(f->st, 3), kept + 1);
    assert_int_equal(stored_jobs(f->st), 4);
}

static void test_full_disk_at_commit_stores_nothing(void **state)
{
    check_commit_failure(*state, SQLITE_FULL, "database or disk is full");
}

static void test_io_error_at_commit_stores_nothing(void **state)
{
    check_commit_failure(*state, SQLITE_IOERR_WRITE, "disk I/O error");
}

/* A statement in the middle of a huge array fails (the database may not grow): the turn
 * fails whole, earlier writes of the turn included, and later writes of it fail at once. */
static void test_full_in_the_middle_of_an_array(void **state)
{
    struct fixture *f = *state;
    struct job_spec one = make_spec(1), huge = make_spec(200000);
    uint64_t first = 0, small = 0;
    char set_limit[64];

    submit_committed(f->st, 1);
    snprintf(set_limit, sizeof set_limit, "PRAGMA max_page_count = %lld",
             (long long)pragma_value(f->st, "PRAGMA page_count") + 8);
    pragma_value(f->st, set_limit);
    assert_int_equal(store_jobs_insert(f->st, &small, &one, 1, 2), 0);
    assert_int_equal(store_jobs_insert(f->st, &first, &huge, 200000, 2), COHORT_EIO);
    assert_true(store_in_transaction(f->st));
    assert_int_equal(store_jobs_insert(f->st, &first, &one, 1, 2), COHORT_EIO);
    assert_int_equal(store_commit(f->st), COHORT_EIO);
    assert_string_equal(store_fault(f->st), "database or disk is full");
    assert_int_equal(stored_jobs(f->st), 1);
    pragma_value(f->st, "PRAGMA max_page_count = 1073741823");
    assert_int_equal(submit_committed(f->st, 200000), 2);
    assert_int_equal(stored_jobs(f->st), 200001);
}

/* The store holds the database for good: another process can neither read it nor take
 * its write lock (so a turn never fails to begin for that), and the store's turns go on. */
static void test_other_processes_are_locked_out(void **state)
{
    struct fixture *f = *state;
    sqlite3 *other = NULL;

    assert_int_equal(submit_committed(f->st, 1), 1);
    assert_int_equal(sqlite3_open(f->path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "SELECT count(*) FROM jobs", NULL, NULL, NULL),
                     SQLITE_BUSY);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_BUSY);
    sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
    assert_int_equal(submit_committed(f->st, 2), 2);
    assert_int_equal(stored_jobs(f->st), 3);
    sqlite3_close(other);
}

/* A caller poisons a turn before anything was written: its commit fails with the reason. */
static void test_poison_before_any_write(void **state)
{
    struct fixture *f = *state;

    store_poison(f->st, "cannot queue submitted jobs: out of memory");
    assert_true(store_in_transaction(f->st));
    assert_int_equal(store_commit(f->st), COHORT_EIO);
    assert_string_equal(store_fault(f->st), "cannot queue submitted jobs: out of memory");
    assert_int_equal(store_commit(f->st), 0); /* the turn is over */
}

static void test_sync_modes(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(pragma_value(f->st, "PRAGMA synchronous"), 1); /* NORMAL */
    assert_int_equal(store_set_sync(f->st, true), 0);
    assert_int_equal(pragma_value(f->st, "PRAGMA synchronous"), 2); /* FULL */
    assert_int_equal(store_set_sync(f->st, false), 0);
    assert_int_equal(pragma_value(f->st, "PRAGMA synchronous"), 1);
}

/* Overwrite len bytes at offset of path with a pattern. */
static void scribble(const char *path, off_t offset, size_t len)
{
    char junk[4096];
    int fd = open(path, O_WRONLY);

    assert_true(fd >= 0 && len <= sizeof junk);
    memset(junk, 0xa5, len);
    assert_int_equal(pwrite(fd, junk, len, offset), (ssize_t)len);
    close(fd);
}

/* A damaged database is refused at open with a message naming it and saying what to do. */
static void test_damaged_database_is_refused(void **state)
{
    struct fixture *f = *state;
    struct store *again = NULL;
    char err[512];

    submit_committed(f->st, 20000);
    store_close(f->st); /* the last close checkpoints the WAL into the file */
    f->st = NULL;
    scribble(f->path, 40 * 4096 + 100, 3000);
    assert_int_equal(store_open(&again, f->path, err, sizeof err), COHORT_EIO);
    assert_null(again);
    assert_non_null(strstr(err, f->path));
    assert_non_null(strstr(err, "the database is damaged"));
    assert_non_null(strstr(err, "restore it from a backup"));
    /* a damaged header is refused the same way */
    scribble(f->path, 0, 100);
    assert_int_equal(store_open(&again, f->path, err, sizeof err), COHORT_EIO);
    assert_non_null(strstr(err, "the database is damaged"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_disk_at_commit_stores_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_io_error_at_commit_stores_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_in_the_middle_of_an_array, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_processes_are_locked_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poison_before_any_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_database_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
