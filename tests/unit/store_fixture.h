/* store_fixture.h — a fresh SQLite store in a temp dir for store unit tests, and raw SQL on it. */
#ifndef COHORT_TEST_STORE_FIXTURE_H
#define COHORT_TEST_STORE_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sqlite3.h>

#include "store.h"
#include "store_int.h" /* the store's connection */

struct fixture {
    char dir[64];   /* the temp dir, removed by teardown */
    char path[128]; /* dir/cohort.db */
    struct store *st;
};

/* cmocka setup: open a store on a new database in a new temp dir. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[256];

    snprintf(f->dir, sizeof f->dir, "/tmp/cohort-test-store-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/cohort.db", f->dir);
    assert_int_equal(store_open(&f->st, f->path, err, sizeof err), 0);
    *state = f;
    return 0;
}

/* cmocka teardown: close the store and remove the temp dir. */
static int teardown(void **state)
{
    struct fixture *f = *state;
    char command[160];

    store_close(f->st);
    snprintf(command, sizeof command, "rm -rf '%s'", f->dir);
    assert_int_equal(system(command), 0);
    free(f);
    return 0;
}

/* Close and open the store again on the same file. */
static inline void reopen(struct fixture *f)
{
    char err[256];
    store_close(f->st);
    assert_int_equal(store_open(&f->st, f->path, err, sizeof err), 0);
}

/* Run one SQL statement on the fixture's database, returning the first integer of its first
 * row, or -1 when it returns no row: on the store's own connection while it is open (it holds
 * the database for itself), else on the file directly. */
static inline int64_t fixture_query(struct fixture *f, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    int64_t value = -1;

    if (f->st)
        db = f->st->db;
    else
        assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    if (!f->st)
        sqlite3_close(db);
    return value;
}

#endif
