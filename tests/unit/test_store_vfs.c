/* test_store_vfs.c — the store's VFS: one write per commit, in the file when it returns. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "store_vfs.h"

struct fixture {
    char dir[64];
    char path[96]; /* dir/test.db */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    strcpy(f->dir, "/tmp/cohort-test-vfs-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/test.db", f->dir);
    assert_int_equal(store_vfs_register(), SQLITE_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
}

static int64_t query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    int64_t value = -1;

    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
}

/* A database in WAL mode with three tables, through vfs (NULL: SQLite's default). */
static sqlite3 *open_db(const char *path, const char *vfs)
{
    sqlite3 *db = NULL;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
                     SQLITE_OK);
    exec_ok(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                "CREATE TABLE IF NOT EXISTS a (id INTEGER PRIMARY KEY, v BLOB);"
                "CREATE TABLE IF NOT EXISTS b (id INTEGER PRIMARY KEY, v BLOB);"
                "CREATE TABLE IF NOT EXISTS c (id INTEGER PRIMARY KEY, v BLOB);");
    return db;
}

/* Write system calls this process made so far (/proc/self/io). */
static long write_calls(void)
{
    FILE *io = fopen("/proc/self/io", "r");
    char line[128];
    long calls = -1;

    assert_non_null(io);
    while (fgets(line, sizeof line, io))
        if (sscanf(line, "syscw: %ld", &calls) == 1)
            break;
    fclose(io);
    return calls;
}

/* Write calls made by one commit that changes a page of each table. */
static long writes_of_one_commit(sqlite3 *db)
{
    long before = write_calls();

    exec_ok(db, "BEGIN; INSERT INTO a (v) VALUES (zeroblob(100));"
                "INSERT INTO b (v) VALUES (zeroblob(100));"
                "INSERT INTO c (v) VALUES (zeroblob(100)); COMMIT");
    return write_calls() - before;
}

/* SQLite writes a frame as a header and a page; through the VFS a commit is one write. */
static void test_commit_is_one_write(void **state)
{
    struct fixture *f = *state;
    char other[128];
    sqlite3 *db = open_db(f->path, STORE_VFS_NAME);

    writes_of_one_commit(db); /* the WAL's own header comes with the first */
    assert_int_equal(writes_of_one_commit(db), 1);
    assert_int_equal(writes_of_one_commit(db), 1);
    assert_int_equal(query_int(db, "SELECT count(*) FROM c"), 3);
    sqlite3_close(db);

    snprintf(other, sizeof other, "%s/plain.db", f->dir);
    db = open_db(other, NULL);
    writes_of_one_commit(db);
    assert_true(writes_of_one_commit(db) >= 6); /* without it: two per frame */
    sqlite3_close(db);
}

/* With synchronous=FULL each commit is synced too: still one write, then the sync. */
static void test_full_sync_commit_is_one_write(void **state)
{
    struct fixture *f = *state;
    sqlite3 *db = open_db(f->path, STORE_VFS_NAME);

    exec_ok(db, "PRAGMA synchronous = FULL");
    writes_of_one_commit(db);
    assert_int_equal(writes_of_one_commit(db), 1);
    sqlite3_close(db);
    db = open_db(f->path, NULL);
    assert_int_equal(query_int(db, "SELECT count(*) FROM b"), 2);
    sqlite3_close(db);
}

/* A commit is in the file when COMMIT returns: a process that ends right after it, without
 * closing anything, loses none. */
static void test_commit_is_in_the_file_when_done(void **state)
{
    struct fixture *f = *state;
    int status;
    pid_t child = fork();

    assert_true(child >= 0);
    if (child == 0) {
        sqlite3 *db = open_db(f->path, STORE_VFS_NAME);
        for (int i = 0; i < 50; i++)
            if (sqlite3_exec(db, "INSERT INTO a (v) VALUES (zeroblob(300))", NULL, NULL, NULL) !=
                SQLITE_OK)
                _exit(1);
        _exit(0); /* no close: what is pending in memory would be lost */
    }
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    sqlite3 *db = open_db(f->path, NULL);
    assert_int_equal(query_int(db, "SELECT count(*) FROM a"), 50);
    sqlite3_close(db);
}

/* A transaction larger than the page cache spills pages into the WAL before its commit and
 * reads them back: they are there to read, and the database stays whole. */
static void test_spilled_pages_read_back(void **state)
{
    struct fixture *f = *state;
    sqlite3 *db = open_db(f->path, STORE_VFS_NAME);

    exec_ok(db, "PRAGMA cache_size = 20; BEGIN");
    for (int i = 0; i < 3000; i++)
        exec_ok(db, "INSERT INTO a (v) VALUES (randomblob(500))");
    assert_int_equal(query_int(db, "SELECT count(*) FROM a WHERE length(v) = 500"), 3000);
    exec_ok(db, "COMMIT");
    assert_int_equal(query_int(db, "PRAGMA wal_checkpoint(TRUNCATE)"), 0);
    exec_ok(db, "INSERT INTO b (v) VALUES (zeroblob(10))");
    sqlite3_close(db);

    db = open_db(f->path, NULL);
    assert_int_equal(query_int(db, "SELECT count(*) FROM a"), 3000);
    assert_int_equal(query_int(db, "SELECT count(*) FROM b"), 1);
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "ok");
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

/* A write that fails fails the commit, and the commits before it stay. */
static void test_failed_write_fails_the_commit(void **state)
{
    struct fixture *f = *state;
    int status;
    pid_t child = fork();

    assert_true(child >= 0);
    if (child == 0) {
        char wal[128];
        struct stat st;
        sqlite3 *db = open_db(f->path, STORE_VFS_NAME);
        snprintf(wal, sizeof wal, "%s-wal", f->path);
        if (sqlite3_exec(db, "INSERT INTO a (v) VALUES (zeroblob(100))", NULL, NULL, NULL) !=
                SQLITE_OK ||
            stat(wal, &st) < 0)
            _exit(2);
        /* the WAL may not grow by more than a few pages: a large commit cannot be written */
        struct rlimit limit = {(rlim_t)st.st_size + 8192, (rlim_t)st.st_size + 8192};
        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &limit) < 0)
            _exit(3);
        int rc = sqlite3_exec(db, "INSERT INTO b (v) VALUES (randomblob(200000))", NULL, NULL,
                              NULL);
        _exit(rc == SQLITE_OK ? 4 : 0);
    }
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    sqlite3 *db = open_db(f->path, NULL);
    assert_int_equal(query_int(db, "SELECT count(*) FROM a"), 1);
    assert_int_equal(query_int(db, "SELECT count(*) FROM b"), 0);
    sqlite3_close(db);
}

/* Commits of `count` rows of `bytes` random bytes each, one row a commit. */
static void insert_rows(sqlite3 *db, int count, int bytes)
{
    char sql[96];

    snprintf(sql, sizeof sql, "INSERT INTO a (v) VALUES (randomblob(%d))", bytes);
    for (int i = 0; i < count; i++)
        exec_ok(db, sql);
}

/* Each MiB written into the WAL is synced in the background, so that SQLite's own sync
 * before a checkpoint has little left to write; a WAL synced at every commit needs none. */
static void test_wal_is_synced_in_the_background(void **state)
{
    struct fixture *f = *state;
    sqlite3 *db = open_db(f->path, STORE_VFS_NAME);
    uint64_t before = store_vfs_syncs_requested();

    exec_ok(db, "PRAGMA wal_autocheckpoint = 0");
    insert_rows(db, 40, 100000); /* 4 MB */
    assert_true(store_vfs_syncs_requested() - before >= 3);

    exec_ok(db, "PRAGMA synchronous = FULL");
    before = store_vfs_syncs_requested();
    insert_rows(db, 40, 100000);
    assert_true(store_vfs_syncs_requested() == before);
    sqlite3_close(db);

    db = open_db(f->path, NULL);
    assert_int_equal(query_int(db, "SELECT count(*) FROM a WHERE length(v) = 100000"), 80);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commit_is_one_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_sync_commit_is_one_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_is_in_the_file_when_done, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spilled_pages_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_write_fails_the_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_is_synced_in_the_background, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
