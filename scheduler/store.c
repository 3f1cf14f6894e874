/* store.c — the scheduler's SQLite database: opening, schema migrations, transactions. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cohort.h"
#include "log.h"
#include "store_vfs.h"

#define BUSY_TIMEOUT_MS 5000
/* WAL pages (8 MiB of STORE_PAGE_SIZE pages) that trigger a checkpoint: four times SQLite's
 * default, so that the pages every turn rewrites are copied back and synced a quarter as
 * often */
#define CHECKPOINT_FRAMES 4000
#define AS_TEXT_(x) #x
#define AS_TEXT(x) AS_TEXT_(x) /* a number macro as a string literal */

/* Columns of a job row as the readers decode them (see store_jobs.c). */
#define JOB_COLUMNS                                                                                \
    "jobs.id, jobs.name, jobs.user, jobs.state, jobs.exit_code, jobs.signal, jobs.reason, "        \
    "jobs.cpus, jobs.mem, jobs.priority, jobs.time_limit, jobs.retries, jobs.worker, "             \
    "jobs.attempts, jobs.array_index, jobs.submitted_at, jobs.started_at, jobs.finished_at, "      \
    "jobs.cpu_time_ms, specs.cwd, specs.argv, specs.env"
#define JOB_FROM " FROM jobs JOIN specs ON specs.id = jobs.spec_id "
#define LIST_BY_STATE_SQL                                                                          \
    "SELECT " JOB_COLUMNS JOB_FROM "WHERE jobs.state = ?1 AND jobs.id > ?2 ORDER BY jobs.id "      \
    "LIMIT ?3"

static const char *const stmt_sql[STMT_COUNT] = {
    [STMT_BEGIN] = "BEGIN IMMEDIATE",
    [STMT_COMMIT] = "COMMIT",
    [STMT_ROLLBACK] = "ROLLBACK",
    [STMT_SPEC_INSERT] = "INSERT INTO specs (cwd, argv, env, stdin) VALUES (?1, ?2, ?3, ?4)",
    [STMT_JOB_INSERT] = "INSERT INTO jobs (spec_id, name, user, state, cpus, mem, priority, "
                        "time_limit, retries, array_index, submitted_at) "
                        "VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [STMT_JOB_DISPATCH] = "UPDATE jobs SET state = 1, attempts = ?2, worker = ?3, reason = '', "
                          "started_at = ?4 WHERE id = ?1",
    [STMT_ATTEMPT_RUNNING] = "INSERT OR IGNORE INTO attempts (job_id, attempt, worker, state, "
                             "started_at) VALUES (?1, ?2, ?3, 1, ?4)",
    [STMT_JOB_STARTED] = "UPDATE jobs SET started_at = ?3 WHERE id = ?1 AND attempts = ?2",
    [STMT_ATTEMPT_STARTED] = "UPDATE attempts SET started_at = ?3 WHERE job_id = ?1 AND "
                             "attempt = ?2",
    [STMT_JOB_END] = "UPDATE jobs SET state = ?2, exit_code = ?3, signal = ?4, reason = ?5, "
                     "started_at = CASE WHEN ?6 > 0 THEN ?6 ELSE started_at END, "
                     "finished_at = ?7, cpu_time_ms = ?8 WHERE id = ?1",
    [STMT_ATTEMPT_END] = "INSERT OR REPLACE INTO attempts (job_id, attempt, worker, state, "
                         "exit_code, signal, reason, started_at, finished_at, cpu_time_ms) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, CASE WHEN ?8 > 0 THEN ?8 ELSE "
                         "(SELECT started_at FROM jobs WHERE id = ?1) END, ?9, ?10)",
    [STMT_JOB_REQUEUE] = "UPDATE jobs SET state = ?2, reason = ?3, "
                         "losses = losses + ?5, "
                         "worker = CASE WHEN ?2 = 0 THEN '' ELSE worker END, "
                         "started_at = CASE WHEN ?2 = 0 THEN 0 ELSE started_at END, "
                         "finished_at = CASE WHEN ?2 = 0 THEN 0 ELSE ?4 END WHERE id = ?1",
    [STMT_JOB_CANCEL] = "UPDATE jobs SET state = 4, reason = ?2, finished_at = ?3 WHERE id = ?1",
    [STMT_OUTPUT_PUT] = "INSERT OR REPLACE INTO outputs (job_id, stream, data, truncated) "
                        "VALUES (?1, ?2, ?3, ?4)",
    [STMT_OUTPUT_GET] = "SELECT data, truncated FROM outputs WHERE job_id = ?1 AND stream = ?2",
    [STMT_JOB_GET] = "SELECT " JOB_COLUMNS JOB_FROM "WHERE jobs.id = ?1",
    [STMT_JOB_GET_STDIN] = "SELECT " JOB_COLUMNS ", specs.stdin" JOB_FROM "WHERE jobs.id = ?1",
    [STMT_JOB_BRIEF] = "SELECT state, priority, cpus, mem, attempts, retries, time_limit, losses, "
                       "user FROM jobs WHERE id = ?1",
    /* an attempt has its row once it ended (or its job was cancelled while it ran); the
     * running attempt of a running job is its job row */
    [STMT_ATTEMPTS_GET] = "SELECT attempt, worker, state, exit_code, signal, reason, "
                          "started_at, finished_at, cpu_time_ms FROM attempts "
                          "WHERE job_id = ?1 UNION ALL "
                          "SELECT attempts, worker, 1, -1, 0, '', started_at, 0, 0 FROM jobs "
                          "WHERE id = ?1 AND state = 1 AND attempts > 0 AND NOT EXISTS "
                          "(SELECT 1 FROM attempts WHERE job_id = ?1 AND attempt = jobs.attempts) "
                          "ORDER BY 1",
    [STMT_COUNT_STATES] = "SELECT state, count(*) FROM jobs GROUP BY state",
    [STMT_LOAD_PENDING] = "SELECT id, priority, cpus, mem FROM jobs WHERE state = 0 ORDER BY id",
    [STMT_COUNT_PENDING_BY_USER] = "SELECT user, count(*) FROM jobs WHERE state = 0 GROUP BY user",
    /* running jobs, and the jobs cancelled while they ran whose attempt has not ended
     * (UNION: a database of an earlier version also has rows for running jobs' attempts) */
    [STMT_LOAD_RUNNING] = "SELECT id, attempts, worker, cpus, mem, state FROM jobs "
                          "WHERE state = 1 UNION "
                          "SELECT a.job_id, a.attempt, a.worker, j.cpus, j.mem, j.state "
                          "FROM attempts AS a JOIN jobs AS j ON j.id = a.job_id "
                          "WHERE a.state = 1 AND a.attempt = j.attempts ORDER BY 1",
    [STMT_WORKER_SAVE] = "INSERT INTO workers (name, state, cpus, mem, labels, last_seen) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (name) DO UPDATE SET "
                         "cpus = excluded.cpus, mem = excluded.mem, labels = excluded.labels, "
                         "last_seen = excluded.last_seen",
    [STMT_WORKER_DRAINING] = "UPDATE workers SET state = ?2 WHERE name = ?1",
    [STMT_WORKER_LAST_SEEN] = "UPDATE workers SET last_seen = ?2 WHERE name = ?1",
    [STMT_SUBMISSION_FIND] = "SELECT first_ids, counts FROM submissions WHERE key = ?1",
    [STMT_SUBMISSION_PUT] = "INSERT INTO submissions (key, first_ids, counts, created_at) "
                            "VALUES (?1, ?2, ?3, ?4)",
    [STMT_SUBMISSION_WINDOW] = "SELECT max(key) FROM (SELECT key FROM submissions "
                               "WHERE key > ?1 ORDER BY key LIMIT ?2)",
    [STMT_SUBMISSION_PRUNE] = "DELETE FROM submissions WHERE key > ?1 AND key <= ?2 AND "
                              "created_at < ?3",
    [STMT_LOAD_WORKERS] = "SELECT name, state, cpus, mem, labels, last_seen FROM workers "
                          "ORDER BY name",
    [STMT_LIST_BY_STATE + 0] = LIST_BY_STATE_SQL,
    [STMT_LIST_BY_STATE + 1] = LIST_BY_STATE_SQL,
    [STMT_LIST_BY_STATE + 2] = LIST_BY_STATE_SQL,
    [STMT_LIST_BY_STATE + 3] = LIST_BY_STATE_SQL,
    [STMT_LIST_BY_STATE + 4] = LIST_BY_STATE_SQL,
    [STMT_LIST_BY_STATE + 5] = LIST_BY_STATE_SQL,
};

/* Schema version 1: the initial schema. A job's command, environment and stdin live in
 * specs, once per submitted spec, so that an array of a million jobs stores them once. */
static const char schema_v1[] =
    "CREATE TABLE specs ("
    "  id INTEGER PRIMARY KEY,"
    "  cwd TEXT NOT NULL,"
    "  argv BLOB NOT NULL," /* NUL-terminated strings, one after another */
    "  env BLOB NOT NULL,"  /* the same, KEY=VALUE entries */
    "  stdin BLOB NOT NULL"
    ");"
    "CREATE TABLE jobs ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT," /* ids only grow, never reused */
    "  spec_id INTEGER NOT NULL REFERENCES specs (id),"
    "  name TEXT NOT NULL,"
    "  user TEXT NOT NULL,"
    "  state INTEGER NOT NULL," /* cohort_job_state_t */
    "  exit_code INTEGER NOT NULL DEFAULT -1,"
    "  signal INTEGER NOT NULL DEFAULT 0,"
    "  reason TEXT NOT NULL DEFAULT '',"
    "  cpus INTEGER NOT NULL,"
    "  mem INTEGER NOT NULL,"
    "  priority INTEGER NOT NULL,"
    "  time_limit INTEGER NOT NULL,"
    "  retries INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  array_index INTEGER NOT NULL," /* -1 when not in an array */
    "  submitted_at INTEGER NOT NULL,"
    "  started_at INTEGER NOT NULL DEFAULT 0,"
    "  finished_at INTEGER NOT NULL DEFAULT 0,"
    "  cpu_time_ms INTEGER NOT NULL DEFAULT 0,"
    "  worker TEXT NOT NULL DEFAULT ''"
    ");"
    "CREATE INDEX jobs_by_state ON jobs (state, id);"
    "CREATE TABLE attempts ("
    "  job_id INTEGER NOT NULL,"
    "  attempt INTEGER NOT NULL,"
    "  worker TEXT NOT NULL,"
    "  state INTEGER NOT NULL," /* running; how it ended; pending when its worker was lost */
    "  exit_code INTEGER NOT NULL DEFAULT -1,"
    "  signal INTEGER NOT NULL DEFAULT 0,"
    "  reason TEXT NOT NULL DEFAULT '',"
    "  started_at INTEGER NOT NULL DEFAULT 0,"
    "  finished_at INTEGER NOT NULL DEFAULT 0,"
    "  cpu_time_ms INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (job_id, attempt)"
    ") WITHOUT ROWID;"
    "CREATE INDEX attempts_running ON attempts (job_id) WHERE state = 1;"
    "CREATE TABLE outputs ("
    "  job_id INTEGER NOT NULL,"
    "  stream INTEGER NOT NULL," /* cohort_stream_t */
    "  data BLOB NOT NULL,"
    "  truncated INTEGER NOT NULL,"
    "  PRIMARY KEY (job_id, stream)"
    ");"
    "CREATE TABLE workers ("
    "  name TEXT PRIMARY KEY,"
    "  state INTEGER NOT NULL," /* up or draining, as an operator left it */
    "  cpus INTEGER NOT NULL,"
    "  mem INTEGER NOT NULL,"
    "  labels BLOB NOT NULL," /* KEY=VALUE entries, NUL-terminated */
    "  last_seen INTEGER NOT NULL"
    ");";

/* Schema version 2: the ids each keyed submission got, so that a client that resends a
 * submission (same key) is answered with them instead of creating a second copy. No index
 * on created_at: old keys are found by sweeping the keys in order (store_submissions.c),
 * which spares every submission an index write. */
static const char schema_v2[] = "CREATE TABLE submissions ("
                                "  key TEXT PRIMARY KEY,"
                                "  first_ids BLOB NOT NULL," /* uint64 little-endian per spec */
                                "  counts BLOB NOT NULL,"    /* uint32 little-endian per spec */
                                "  created_at INTEGER NOT NULL"
                                ") WITHOUT ROWID;";

/* Schema version 3: how many of a job's attempts were lost to worker failures (the losses
 * that cost a retry), so that losses that cost none leave the submitted retries alone. */
static const char schema_v3[] = "ALTER TABLE jobs ADD COLUMN losses INTEGER NOT NULL DEFAULT 0;";

/* Schema version 4: the jobs table without AUTOINCREMENT, which made every insert read and
 * write the jobs row of sqlite_sequence (a page more in each submit's commit). Ids still only
 * grow: SQLite gives the largest id plus one, and jobs are never deleted. The table is
 * rebuilt with its rows and ids as they are. */
static const char schema_v4[] =
    "CREATE TABLE jobs_v4 ("
    "  id INTEGER PRIMARY KEY," /* the largest plus one: jobs are never deleted */
    "  spec_id INTEGER NOT NULL REFERENCES specs (id),"
    "  name TEXT NOT NULL,"
    "  user TEXT NOT NULL,"
    "  state INTEGER NOT NULL,"
    "  exit_code INTEGER NOT NULL DEFAULT -1,"
    "  signal INTEGER NOT NULL DEFAULT 0,"
    "  reason TEXT NOT NULL DEFAULT '',"
    "  cpus INTEGER NOT NULL,"
    "  mem INTEGER NOT NULL,"
    "  priority INTEGER NOT NULL,"
    "  time_limit INTEGER NOT NULL,"
    "  retries INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  array_index INTEGER NOT NULL,"
    "  submitted_at INTEGER NOT NULL,"
    "  started_at INTEGER NOT NULL DEFAULT 0,"
    "  finished_at INTEGER NOT NULL DEFAULT 0,"
    "  cpu_time_ms INTEGER NOT NULL DEFAULT 0,"
    "  worker TEXT NOT NULL DEFAULT '',"
    "  losses INTEGER NOT NULL DEFAULT 0"
    ");"
    "INSERT INTO jobs_v4 (id, spec_id, name, user, state, exit_code, signal, reason, cpus, mem,"
    "  priority, time_limit, retries, attempts, array_index, submitted_at, started_at,"
    "  finished_at, cpu_time_ms, worker, losses)"
    " SELECT id, spec_id, name, user, state, exit_code, signal, reason, cpus, mem, priority,"
    "  time_limit, retries, attempts, array_index, submitted_at, started_at, finished_at,"
    "  cpu_time_ms, worker, losses FROM jobs ORDER BY id;"
    "DROP TABLE jobs;"
    "ALTER TABLE jobs_v4 RENAME TO jobs;"
    "CREATE INDEX jobs_by_state ON jobs (state, id);"
    "DELETE FROM sqlite_sequence WHERE name = 'jobs';";

/* migrations[v] brings a database at version v to version v + 1. */
static const char *const migrations[STORE_SCHEMA_VERSION] = {schema_v1, schema_v2, schema_v3,
                                                             schema_v4};

int store_fail(struct store *st, const char *what)
{
    snprintf(st->error, sizeof st->error, "%s: %s", what, sqlite3_errmsg(st->db));
    return COHORT_EIO;
}

const char *store_last_error(const struct store *st)
{
    return st->error;
}

sqlite3_stmt *store_stmt(struct store *st, enum stmt_id id)
{
    sqlite3_stmt *stmt = st->stmts[id];
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return stmt;
}

void store_bind_text(sqlite3_stmt *stmt, int index, const char *text)
{
    sqlite3_bind_text(stmt, index, text ? text : "", -1, SQLITE_STATIC);
}

/* ---- failed turns, and saying so in the log without flooding it ---- */

static enum store_alarm alarm_of(int sqlite_code)
{
    switch (sqlite_code & 0xff) {
    case SQLITE_FULL:
        return STORE_ALARM_FULL;
    case SQLITE_IOERR:
        return STORE_ALARM_IO;
    default:
        return STORE_ALARM_OTHER;
    }
}

/* Log a failure of kind at most once per LOG_REPEAT_INTERVAL_MS; the line counts the
 * failures it stands for. detail is SQLite's words (or ours). */
static void raise_alarm(struct store *st, enum store_alarm kind, const char *detail)
{
    static const char *const failed[STORE_ALARM_COUNT] = {
        [STORE_ALARM_FULL] = "cannot write",
        [STORE_ALARM_IO] = "cannot write",
        [STORE_ALARM_OTHER] = "cannot store changes in",
        [STORE_ALARM_CHECKPOINT] = "cannot checkpoint",
    };
    static const char *const consequence[STORE_ALARM_COUNT] = {
        [STORE_ALARM_FULL] = "changes are refused, and not acknowledged, until space is freed",
        [STORE_ALARM_IO] = "changes are refused, and not acknowledged, until the disk works again",
        [STORE_ALARM_OTHER] = "the changes of the turn were rolled back and refused",
        [STORE_ALARM_CHECKPOINT] = "the WAL keeps growing until a checkpoint succeeds",
    };
    uint64_t count;

    if (!log_limit_due(&st->alarm_log[kind], clock_mono_ms(), LOG_REPEAT_INTERVAL_MS, &count))
        return;
    log_error("%s %s: %s; %s (%llu failure(s) since the last such line)", failed[kind], st->path,
              detail, consequence[kind], (unsigned long long)count);
}

/* The open turn cannot be committed: remember its first cause (SQLite's code, 0 when the
 * cause is ours; why in a few words) and make its later writes and its commit fail. */
static void fail_turn(struct store *st, int sqlite_code, const char *why)
{
    if (!st->poisoned) {
        st->fault_code = sqlite_code;
        snprintf(st->fault, sizeof st->fault, "%s", why);
    }
    st->in_transaction = true;
    st->poisoned = true;
}

/* A statement of the turn failed in SQLite (call before resetting it): the turn fails.
 * Returns COHORT_EIO. */
static int fail_write(struct store *st, const char *what)
{
    fail_turn(st, sqlite3_extended_errcode(st->db), sqlite3_errmsg(st->db));
    return store_fail(st, what);
}

int store_begin_write(struct store *st)
{
    if (st->in_transaction)
        return st->poisoned ? COHORT_EIO : 0;
    sqlite3_stmt *begin = store_stmt(st, STMT_BEGIN);
    int rc = sqlite3_step(begin) == SQLITE_DONE ? 0 : fail_write(st, "cannot begin a transaction");
    sqlite3_reset(begin);
    if (rc == 0) {
        st->in_transaction = true;
        st->fault[0] = '\0';
    }
    return rc;
}

int store_step_write(struct store *st, sqlite3_stmt *stmt)
{
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
        sqlite3_reset(stmt);
        return 0;
    }
    fail_write(st, "cannot write to the database");
    sqlite3_reset(stmt);
    return COHORT_EIO;
}

void store_poison(struct store *st, const char *why)
{
    fail_turn(st, 0, why);
    snprintf(st->error, sizeof st->error, "%s", why);
}

bool store_in_transaction(const struct store *st)
{
    return st->in_transaction;
}

const char *store_fault(const struct store *st)
{
    return st->fault[0] ? st->fault : st->error;
}

int store_commit(struct store *st)
{
    if (!st->in_transaction)
        return 0;
    if (!st->poisoned) {
        sqlite3_stmt *commit = store_stmt(st, STMT_COMMIT);
        if (sqlite3_step(commit) != SQLITE_DONE)
            fail_write(st, "cannot commit");
        sqlite3_reset(commit);
    }
    st->in_transaction = false;
    if (!st->poisoned) {
        if (st->failed_turns)
            log_info("%s takes writes again (%llu turn(s) were refused meanwhile)", st->path,
                     (unsigned long long)st->failed_turns);
        st->failed_turns = 0;
        return 0;
    }
    st->poisoned = false;
    /* SQLite may have rolled back already (on a full disk, for one) */
    if (!sqlite3_get_autocommit(st->db)) {
        sqlite3_stmt *rollback = store_stmt(st, STMT_ROLLBACK);
        sqlite3_step(rollback);
        sqlite3_reset(rollback);
    }
    if (!st->fault[0]) /* poisoned directly by a caller: its words are the error */
        snprintf(st->fault, sizeof st->fault, "%.*s", (int)sizeof st->fault - 1, st->error);
    st->failed_turns++;
    raise_alarm(st, alarm_of(st->fault_code), st->fault);
    return COHORT_EIO;
}

/* sqlite3_wal_hook: after a commit, note when the WAL has reached CHECKPOINT_FRAMES, for
 * store_checkpoint_if_due: copying it back into the database (and syncing both) takes
 * milliseconds, which the answers of the turn should not wait for. */
static int checkpoint_after_commit(void *arg, sqlite3 *db, const char *schema, int frames)
{
    struct store *st = arg;

    if (frames >= CHECKPOINT_FRAMES)
        st->checkpoint_due = true;
    return SQLITE_OK;
}

void store_checkpoint_if_due(struct store *st)
{
    if (!st->checkpoint_due || st->in_transaction)
        return;
    st->checkpoint_due = false;
    /* as SQLite's automatic checkpoint would, but say when it fails (a full disk shows here
     * first: the database file cannot grow) */
    int rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        raise_alarm(st, STORE_ALARM_CHECKPOINT, sqlite3_errstr(rc));
}

/* Run SQL text (pragmas, schema) that returns no rows we need. */
static int exec_text(struct store *st, const char *sql, const char *what)
{
    char *message = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &message) == SQLITE_OK)
        return 0;
    snprintf(st->error, sizeof st->error, "%s: %s", what, message ? message : "unknown error");
    sqlite3_free(message);
    return COHORT_EIO;
}

int store_pragma_int(struct store *st, const char *pragma, int *value, const char *what)
{
    sqlite3_stmt *stmt = NULL;
    int rc = COHORT_EIO;

    if (sqlite3_prepare_v2(st->db, pragma, -1, &stmt, NULL) != SQLITE_OK ||
        sqlite3_step(stmt) != SQLITE_ROW) {
        rc = store_fail(st, what);
        goto done;
    }
    *value = sqlite3_column_int(stmt, 0);
    rc = 0;
done:
    sqlite3_finalize(stmt);
    return rc;
}

/* Bring the schema to STORE_SCHEMA_VERSION, one version per transaction. */
static int migrate(struct store *st)
{
    int version = 0;
    int rc =
        store_pragma_int(st, "PRAGMA user_version", &version, "cannot read the schema version");

    if (rc < 0)
        return rc;
    if (version > STORE_SCHEMA_VERSION) {
        snprintf(st->error, sizeof st->error,
                 "the database has schema version %d, newer than this program knows (%d)", version,
                 STORE_SCHEMA_VERSION);
        return COHORT_EIO;
    }
    for (; version < STORE_SCHEMA_VERSION; version++) {
        char set_version[64];
        snprintf(set_version, sizeof set_version, "PRAGMA user_version = %d;", version + 1);
        if ((rc = exec_text(st, "BEGIN IMMEDIATE", "cannot begin the migration")) < 0)
            return rc;
        if ((rc = exec_text(st, migrations[version], "cannot migrate the schema")) < 0 ||
            (rc = exec_text(st, set_version, "cannot migrate the schema")) < 0 ||
            (rc = exec_text(st, "COMMIT", "cannot commit the migration")) < 0) {
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
    }
    return 0;
}

static int prepare_all(struct store *st)
{
    for (int i = 0; i < STMT_COUNT; i++) {
        if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st->stmts[i],
                               NULL) != SQLITE_OK)
            return store_fail(st, "cannot prepare a statement");
    }
    return 0;
}

static bool is_damage(int sqlite_code)
{
    return (sqlite_code & 0xff) == SQLITE_CORRUPT || (sqlite_code & 0xff) == SQLITE_NOTADB;
}

/* Replace the last error with what a damaged database means and what to do about it.
 * detail is SQLite's first complaint, put on one line. */
static int explain_damage(struct store *st, const char *detail)
{
    static const char banner[] = "*** in database main ***\n";
    char first[100];

    if (strncmp(detail, banner, sizeof banner - 1) == 0)
        detail += sizeof banner - 1;
    snprintf(first, sizeof first, "%s", detail);
    for (char *c = first; *c; c++)
        if (*c == '\n')
            *c = ' ';
    snprintf(st->error, sizeof st->error,
             "the database is damaged (%s); cohort-scheduler will not run on it: restore it "
             "from a backup, or move it and its -wal and -shm files aside to start empty",
             first);
    return COHORT_EIO;
}

/* Refuse a damaged database. PRAGMA quick_check reads every page and checks the b-trees
 * (not that indexes match their tables, which integrity_check adds at several times the
 * cost); its first complaint is reported. */
static int check_database(struct store *st)
{
    sqlite3_stmt *stmt = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(st->db, "PRAGMA quick_check(1)", -1, &stmt, NULL) != SQLITE_OK ||
        sqlite3_step(stmt) != SQLITE_ROW) {
        rc = store_fail(st, "cannot check the database");
    } else {
        const char *verdict = (const char *)sqlite3_column_text(stmt, 0);
        if (!verdict || strcmp(verdict, "ok") != 0)
            rc = explain_damage(st, verdict ? verdict : "no verdict");
    }
    sqlite3_finalize(stmt);
    return rc;
}

int store_open(struct store **out, const char *path, char *err, size_t err_len)
{
    struct store *st = calloc(1, sizeof(*st));
    int rc = COHORT_EIO;

    *out = NULL;
    if (!st || !(st->path = strdup(path))) {
        snprintf(err, err_len, "%s: out of memory", path);
        store_close(st);
        return COHORT_ENOMEM;
    }
    /* SQLite's memory statistics take a global lock on every allocation; nothing reads
     * them. This only works before SQLite's first use, and is harmless after it. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    if (store_vfs_register() != SQLITE_OK) {
        snprintf(st->error, sizeof st->error, "cannot set up SQLite's file access");
        goto fail;
    }
    /* one thread uses the connection: no lock around every call */
    if (sqlite3_open_v2(path, &st->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        STORE_VFS_NAME) != SQLITE_OK) {
        store_fail(st, "cannot open the database");
        goto fail;
    }
    sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(st->db, 1);
    /* The scheduler owns the database alone (its state dir is flock'ed): holding SQLite's
     * locks for good spares every transaction its eight lock calls, and set before WAL mode
     * it keeps the WAL index in memory instead of a shared -shm file. Other processes cannot
     * open the database while the scheduler runs; `cohort backup` copies it. */
    if ((rc = exec_text(st, "PRAGMA locking_mode = EXCLUSIVE", "cannot lock the database")) < 0 ||
        /* before WAL mode: a new database is made with it (an old one keeps its own) */
        (rc = exec_text(st, "PRAGMA page_size = " AS_TEXT(STORE_PAGE_SIZE),
                        "cannot set the page size")) < 0 ||
        (rc = exec_text(st, "PRAGMA journal_mode = WAL", "cannot use WAL mode")) < 0 ||
        (rc = exec_text(st, "PRAGMA synchronous = NORMAL", "cannot set synchronous")) < 0 ||
        (rc = exec_text(st, "PRAGMA temp_store = MEMORY", "cannot set temp_store")) < 0 ||
        /* a huge submission grows the WAL; give the space back after checkpoints */
        (rc = exec_text(st, "PRAGMA journal_size_limit = 67108864",
                        "cannot set journal_size_limit")) < 0 ||
        (rc = check_database(st)) < 0 || (rc = migrate(st)) < 0 || (rc = prepare_all(st)) < 0)
        goto fail;
    sqlite3_wal_hook(st->db, checkpoint_after_commit, st);
    *out = st;
    return 0;
fail:
    /* a damaged header or page can show up at any step before the check itself */
    if (st->db && is_damage(sqlite3_extended_errcode(st->db)) && !strstr(st->error, "damaged"))
        explain_damage(st, sqlite3_errmsg(st->db));
    snprintf(err, err_len, "%s: %s", path, st->error);
    store_close(st);
    return rc;
}

int store_set_sync(struct store *st, bool full)
{
    return exec_text(st, full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
                     "cannot set synchronous");
}

void store_close(struct store *st)
{
    if (!st)
        return;
    if (st->db && !sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    for (int i = 0; i < STMT_COUNT; i++)
        sqlite3_finalize(st->stmts[i]);
    sqlite3_close(st->db);
    free(st->path);
    free(st);
}
