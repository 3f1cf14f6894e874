/* store_int.h — what the store's files share: the connection and its cached statements. */
#ifndef COHORT_SCHED_STORE_INT_H
#define COHORT_SCHED_STORE_INT_H

#include <sqlite3.h>

#include "log.h"
#include "store.h"

/* Bytes per page of a database this scheduler creates (SQLite's default is 4096). A commit
 * writes each page it changed whole into the WAL: a one-job submit changes four (its spec,
 * its job row, the state index and its key), so half-size pages halve what each commit
 * and checkpoint write (measured: a quarter more one-job submits per second). A database
 * keeps the page size it was made with. */
#define STORE_PAGE_SIZE 2048

enum stmt_id {
    STMT_BEGIN,
    STMT_COMMIT,
    STMT_ROLLBACK,
    STMT_SPEC_INSERT,
    STMT_JOB_INSERT,
    STMT_JOB_DISPATCH,
    STMT_ATTEMPT_RUNNING,
    STMT_JOB_STARTED,
    STMT_ATTEMPT_STARTED,
    STMT_JOB_END,
    STMT_ATTEMPT_END,
    STMT_JOB_REQUEUE,
    STMT_JOB_CANCEL,
    STMT_OUTPUT_PUT,
    STMT_OUTPUT_GET,
    STMT_JOB_GET,
    STMT_JOB_GET_STDIN,
    STMT_JOB_BRIEF,
    STMT_ATTEMPTS_GET,
    STMT_COUNT_STATES,
    STMT_LOAD_PENDING,
    STMT_COUNT_PENDING_BY_USER,
    STMT_LOAD_RUNNING,
    STMT_WORKER_SAVE,
    STMT_WORKER_DRAINING,
    STMT_WORKER_LAST_SEEN,
    STMT_LOAD_WORKERS,
    STMT_SUBMISSION_FIND,
    STMT_SUBMISSION_PUT,
    STMT_SUBMISSION_WINDOW,
    STMT_SUBMISSION_PRUNE,
    /* one listing statement per job state, stepped side by side to merge by id */
    STMT_LIST_BY_STATE,
    STMT_COUNT = STMT_LIST_BY_STATE + COHORT_JOB_STATE_COUNT,
};

/* Kinds of storage failure, each logged on its own schedule (store.c). */
enum store_alarm {
    STORE_ALARM_FULL,       /* SQLITE_FULL: the disk (or max_page_count) is full */
    STORE_ALARM_IO,         /* SQLITE_IOERR*: the disk fails */
    STORE_ALARM_OTHER,      /* anything else that kept a turn from committing */
    STORE_ALARM_CHECKPOINT, /* the WAL could not be copied back into the database */
    STORE_ALARM_COUNT,
};

struct store {
    sqlite3 *db;
    char *path;                      /* of the database file (owned), for log lines */
    sqlite3_stmt *stmts[STMT_COUNT]; /* prepared once at open */
    bool in_transaction;             /* a turn's writes are open: begun, or failed to begin */
    bool poisoned;                   /* a write of this transaction failed */
    bool checkpoint_due;             /* the WAL is long enough to be copied back */
    char error[320];                 /* last error, as a sentence */
    uint32_t submissions_unpruned;   /* keyed submissions stored since the last prune */
    char submissions_swept_to[PROTO_MAX_IDEM_KEY + 1]; /* last key the prunes looked at */
    int fault_code;        /* SQLite code of the turn's first failure; 0 if ours */
    char fault[160];       /* that failure in a few words, for clients */
    uint64_t failed_turns; /* turns rolled back since the last good commit */
    struct log_limit alarm_log[STORE_ALARM_COUNT]; /* one log line per kind of failure */
};

/* The cached statement id, reset and with its bindings cleared. */
sqlite3_stmt *store_stmt(struct store *st, enum stmt_id id);

/* Open the write transaction if it is not open yet. Returns 0 or COHORT_EIO. */
int store_begin_write(struct store *st);

/* Step a write statement to its end and reset it. On failure records the error, poisons
 * the transaction and returns COHORT_EIO. */
int store_step_write(struct store *st, sqlite3_stmt *stmt);

/* Record a failure of what (e.g. "cannot read jobs") with SQLite's message; returns
 * COHORT_EIO. */
int store_fail(struct store *st, const char *what);

/* Run pragma (e.g. "PRAGMA page_size") and set *value to the number it answers. Returns 0,
 * or COHORT_EIO with the store's error saying what could not be read. */
int store_pragma_int(struct store *st, const char *pragma, int *value, const char *what);

/* Bind a NUL-terminated string (copied by SQLite only if needed: valid until the step). */
void store_bind_text(sqlite3_stmt *stmt, int index, const char *text);

#endif
