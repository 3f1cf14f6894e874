/* store_jobs.c — the store's job queries: submit, transitions, outputs, listings, loads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort.h"
#include "store_int.h"

/* Column numbers of JOB_COLUMNS (store.c). */
enum job_col {
    COL_ID,
    COL_NAME,
    COL_USER,
    COL_STATE,
    COL_EXIT_CODE,
    COL_SIGNAL,
    COL_REASON,
    COL_CPUS,
    COL_MEM,
    COL_PRIORITY,
    COL_TIME_LIMIT,
    COL_RETRIES,
    COL_WORKER,
    COL_ATTEMPTS,
    COL_ARRAY_INDEX,
    COL_SUBMITTED_AT,
    COL_STARTED_AT,
    COL_FINISHED_AT,
    COL_CPU_TIME_MS,
    COL_CWD,
    COL_ARGV,
    COL_ENV,
    COL_STDIN,
};

/* ---- string lists as blobs: each entry followed by a NUL ---- */

/* Pack n strings into one malloc'd blob (*len bytes, never NULL). Returns NULL when out of
 * memory. */
static uint8_t *pack_strings(const char *const *strings, uint32_t n, size_t *len)
{
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        total += strlen(strings[i]) + 1;
    uint8_t *blob = malloc(total ? total : 1);
    if (!blob)
        return NULL;
    uint8_t *next = blob;
    for (uint32_t i = 0; i < n; i++) {
        size_t one = strlen(strings[i]) + 1;
        memcpy(next, strings[i], one);
        next += one;
    }
    *len = total;
    return blob;
}

/* Entries in a packed blob (a last entry without its NUL still counts). */
static uint32_t count_strings(const uint8_t *blob, size_t len)
{
    uint32_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += blob[i] == 0;
    if (len && blob[len - 1] != 0)
        n++;
    return n;
}

/* ---- decoding rows into memory the caller owns ---- */

/* Bump allocation inside one block sized in advance. */
struct carve {
    char *next;
};

static const char *carve_text(struct carve *c, sqlite3_stmt *stmt, int col)
{
    const unsigned char *text = sqlite3_column_text(stmt, col);
    size_t len = (size_t)sqlite3_column_bytes(stmt, col);
    char *copy = c->next;
    if (len)
        memcpy(copy, text, len);
    copy[len] = '\0';
    c->next += len + 1;
    return copy;
}

/* Copy a packed blob and point n entries of ptrs into the copy. */
static void carve_strings(struct carve *c, const char **ptrs, uint32_t n, sqlite3_stmt *stmt,
                          int col)
{
    const void *blob = sqlite3_column_blob(stmt, col);
    size_t len = (size_t)sqlite3_column_bytes(stmt, col);
    char *copy = c->next;
    if (len)
        memcpy(copy, blob, len);
    copy[len] = '\0';
    c->next += len + 1;
    for (uint32_t i = 0; i < n; i++) {
        ptrs[i] = copy;
        copy += strlen(copy) + 1;
    }
}

static size_t text_size(sqlite3_stmt *stmt, int col)
{
    sqlite3_column_text(stmt, col); /* makes column_bytes count the text form */
    return (size_t)sqlite3_column_bytes(stmt, col) + 1;
}

/* Decode the current row of a JOB_COLUMNS statement into info, with strings and arrays in
 * one allocation (*storage). With stdin (the column after env) when stdin_data is not
 * NULL. Returns 0 or COHORT_ENOMEM (*storage NULL). */
static int decode_job(struct job_info *info, void **storage, const uint8_t **stdin_data,
                      uint32_t *stdin_len, sqlite3_stmt *stmt)
{
    static const int text_cols[] = {COL_NAME, COL_USER, COL_REASON, COL_WORKER, COL_CWD};
    const uint8_t *argv_blob = sqlite3_column_blob(stmt, COL_ARGV);
    size_t argv_len = (size_t)sqlite3_column_bytes(stmt, COL_ARGV);
    const uint8_t *env_blob = sqlite3_column_blob(stmt, COL_ENV);
    size_t env_len = (size_t)sqlite3_column_bytes(stmt, COL_ENV);
    uint32_t argc = count_strings(argv_blob, argv_len);
    uint32_t envc = count_strings(env_blob, env_len);
    size_t stdin_bytes = stdin_data ? (size_t)sqlite3_column_bytes(stmt, COL_STDIN) : 0;
    size_t size = (argc + envc) * sizeof(char *) + argv_len + 1 + env_len + 1 + stdin_bytes;

    for (size_t i = 0; i < sizeof text_cols / sizeof text_cols[0]; i++)
        size += text_size(stmt, text_cols[i]);
    *storage = malloc(size);
    if (!*storage)
        return COHORT_ENOMEM;
    memset(info, 0, sizeof(*info));
    info->argv = *storage;
    info->env = info->argv + argc;
    struct carve c = {(char *)(info->env + envc)};
    info->argc = argc;
    info->envc = envc;
    carve_strings(&c, info->argv, argc, stmt, COL_ARGV);
    carve_strings(&c, info->env, envc, stmt, COL_ENV);
    info->name = carve_text(&c, stmt, COL_NAME);
    info->user = carve_text(&c, stmt, COL_USER);
    info->reason = carve_text(&c, stmt, COL_REASON);
    info->worker = carve_text(&c, stmt, COL_WORKER);
    info->cwd = carve_text(&c, stmt, COL_CWD);
    if (stdin_data) {
        *stdin_data = (const uint8_t *)c.next;
        *stdin_len = (uint32_t)stdin_bytes;
        if (stdin_bytes)
            memcpy(c.next, sqlite3_column_blob(stmt, COL_STDIN), stdin_bytes);
    }
    info->id = (uint64_t)sqlite3_column_int64(stmt, COL_ID);
    info->state = (uint8_t)sqlite3_column_int(stmt, COL_STATE);
    info->exit_code = sqlite3_column_int(stmt, COL_EXIT_CODE);
    info->signal = sqlite3_column_int(stmt, COL_SIGNAL);
    info->cpus = (uint32_t)sqlite3_column_int64(stmt, COL_CPUS);
    info->mem = (uint64_t)sqlite3_column_int64(stmt, COL_MEM);
    info->priority = sqlite3_column_int(stmt, COL_PRIORITY);
    info->time_limit = (uint32_t)sqlite3_column_int64(stmt, COL_TIME_LIMIT);
    info->retries = (uint32_t)sqlite3_column_int64(stmt, COL_RETRIES);
    info->attempts = (uint32_t)sqlite3_column_int64(stmt, COL_ATTEMPTS);
    info->array_index = sqlite3_column_int64(stmt, COL_ARRAY_INDEX);
    info->submitted_at = sqlite3_column_int64(stmt, COL_SUBMITTED_AT);
    info->started_at = sqlite3_column_int64(stmt, COL_STARTED_AT);
    info->finished_at = sqlite3_column_int64(stmt, COL_FINISHED_AT);
    info->cpu_time_ms = (uint64_t)sqlite3_column_int64(stmt, COL_CPU_TIME_MS);
    return 0;
}

/* ---- writes ---- */

static void bind_bytes(sqlite3_stmt *stmt, int index, const void *data, size_t len)
{
    /* a non-NULL pointer keeps an empty blob a blob rather than NULL */
    sqlite3_bind_blob64(stmt, index, len ? data : "", len, SQLITE_STATIC);
}

static int insert_spec(struct store *st, int64_t *spec_id, const struct job_spec *spec)
{
    size_t argv_len = 0, env_len = 0;
    uint8_t *argv_blob = pack_strings(spec->argv, spec->argc, &argv_len);
    uint8_t *env_blob = pack_strings(spec->env, spec->envc, &env_len);
    int rc = COHORT_ENOMEM;

    if (!argv_blob || !env_blob)
        goto done;
    sqlite3_stmt *stmt = store_stmt(st, STMT_SPEC_INSERT);
    store_bind_text(stmt, 1, spec->cwd);
    bind_bytes(stmt, 2, argv_blob, argv_len);
    bind_bytes(stmt, 3, env_blob, env_len);
    bind_bytes(stmt, 4, spec->stdin_data, spec->stdin_len);
    if ((rc = store_step_write(st, stmt)) == 0)
        *spec_id = sqlite3_last_insert_rowid(st->db);
done:
    free(argv_blob);
    free(env_blob);
    return rc;
}

int store_jobs_insert(struct store *st, uint64_t *first_id, const struct job_spec *spec,
                      uint64_t count, int64_t now)
{
    int64_t spec_id = 0;
    int rc;

    if ((rc = store_begin_write(st)) < 0 || (rc = insert_spec(st, &spec_id, spec)) < 0)
        return rc;
    sqlite3_stmt *stmt = store_stmt(st, STMT_JOB_INSERT);
    sqlite3_bind_int64(stmt, 1, spec_id);
    store_bind_text(stmt, 2, spec->name);
    store_bind_text(stmt, 3, spec->user);
    sqlite3_bind_int64(stmt, 4, spec->cpus);
    sqlite3_bind_int64(stmt, 5, (int64_t)spec->mem);
    sqlite3_bind_int64(stmt, 6, spec->priority);
    sqlite3_bind_int64(stmt, 7, spec->time_limit);
    sqlite3_bind_int64(stmt, 8, spec->retries);
    sqlite3_bind_int64(stmt, 10, now);
    /* one prepared INSERT for the whole array; only the array index changes */
    for (uint64_t i = 0; i < count; i++) {
        sqlite3_bind_int64(stmt, 9, spec->is_array ? (int64_t)(spec->array_first + i) : -1);
        if ((rc = store_step_write(st, stmt)) < 0)
            return rc;
        uint64_t id = (uint64_t)sqlite3_last_insert_rowid(st->db);
        if (i == 0) {
            *first_id = id;
        } else if (id != *first_id + i) {
            /* cannot happen while the scheduler is the only writer; refuse rather than
             * acknowledge ids that are not what we report */
            snprintf(st->error, sizeof st->error, "job ids of one array are not consecutive");
            st->poisoned = true;
            return COHORT_EIO;
        }
    }
    return 0;
}

/* Statement id with an attempt's (job_id, attempt, worker) bound as its parameters 1-3. */
static sqlite3_stmt *attempt_stmt(struct store *st, enum stmt_id id, uint64_t job_id,
                                  uint32_t attempt, const char *worker)
{
    sqlite3_stmt *stmt = store_stmt(st, id);

    sqlite3_bind_int64(stmt, 1, (int64_t)job_id);
    sqlite3_bind_int64(stmt, 2, attempt);
    store_bind_text(stmt, 3, worker);
    return stmt;
}

/* Run the write statement id with the parameters (job_id, attempt, worker, at), in the
 * turn's transaction. Returns 0 or what store_step_write returns. */
static int write_attempt_of(struct store *st, enum stmt_id id, uint64_t job_id, uint32_t attempt,
                            const char *worker, int64_t at)
{
    int rc = store_begin_write(st);
    if (rc < 0)
        return rc;
    sqlite3_stmt *stmt = attempt_stmt(st, id, job_id, attempt, worker);
    sqlite3_bind_int64(stmt, 4, at);
    return store_step_write(st, stmt);
}

int store_job_dispatch(struct store *st, uint64_t job_id, uint32_t attempt, const char *worker,
                       int64_t now)
{
    return write_attempt_of(st, STMT_JOB_DISPATCH, job_id, attempt, worker, now);
}

int store_attempt_running(struct store *st, uint64_t job_id, uint32_t attempt, const char *worker,
                          int64_t started_at)
{
    return write_attempt_of(st, STMT_ATTEMPT_RUNNING, job_id, attempt, worker, started_at);
}

int store_job_started(struct store *st, uint64_t job_id, uint32_t attempt, int64_t started_at)
{
    static const enum stmt_id targets[] = {STMT_JOB_STARTED, STMT_ATTEMPT_STARTED};
    int rc = store_begin_write(st);

    for (size_t i = 0; rc == 0 && i < sizeof targets / sizeof targets[0]; i++) {
        sqlite3_stmt *stmt = store_stmt(st, targets[i]);
        sqlite3_bind_int64(stmt, 1, (int64_t)job_id);
        sqlite3_bind_int64(stmt, 2, attempt);
        sqlite3_bind_int64(stmt, 3, started_at);
        rc = store_step_write(st, stmt);
    }
    return rc;
}

/* Bind the fields of end from parameter first on, in run_end order. */
static void bind_end(sqlite3_stmt *stmt, int first, const struct run_end *end)
{
    sqlite3_bind_int(stmt, first, end->state);
    sqlite3_bind_int(stmt, first + 1, end->exit_code);
    sqlite3_bind_int(stmt, first + 2, end->signal);
    store_bind_text(stmt, first + 3, end->reason);
    sqlite3_bind_int64(stmt, first + 4, end->started_at);
    sqlite3_bind_int64(stmt, first + 5, end->finished_at);
    sqlite3_bind_int64(stmt, first + 6, (int64_t)end->cpu_time_ms);
}

int store_job_end(struct store *st, uint64_t job_id, const struct run_end *end)
{
    int rc = store_begin_write(st);
    if (rc < 0)
        return rc;
    sqlite3_stmt *stmt = store_stmt(st, STMT_JOB_END);
    sqlite3_bind_int64(stmt, 1, (int64_t)job_id);
    bind_end(stmt, 2, end);
    return store_step_write(st, stmt);
}

int store_attempt_end(struct store *st, uint64_t job_id, uint32_t attempt, const char *worker,
                      const struct run_end *end)
{
    int rc = store_begin_write(st);
    if (rc < 0)
        return rc;
    sqlite3_stmt *stmt = attempt_stmt(st, STMT_ATTEMPT_END, job_id, attempt, worker);
    bind_end(stmt, 4, end);
    return store_step_write(st, stmt);
}

int store_job_requeue(struct store *st, uint64_t job_id, uint8_t state, const char *reason,
                      bool charged, int64_t now)
{
    int rc = store_begin_write(st);
    if (rc < 0)
        return rc;
    sqlite3_stmt *stmt = store_stmt(st, STMT_JOB_REQUEUE);
    sqlite3_bind_int64(stmt, 1, (int64_t)job_id);
    sqlite3_bind_int(stmt, 2, state);
    store_bind_text(stmt, 3, reason);
    sqlite3_bind_int64(stmt, 4, now);
    sqlite3_bind_int(stmt, 5, charged ? 1 : 0);
    return store_step_write(st, stmt);
}

int store_job_cancel(struct store *st, uint64_t job_id, const char *reason, int64_t now)
{
    int rc = store_begin_write(st);
    if (rc < 0)
        return rc;
    sqlite3_stmt *stmt = store_stmt(st, STMT_JOB_CANCEL);
    sqlite3_bind_int64(stmt, 1, (int64_t)job_id);
    store_bind_text(stmt, 2, reason);
    sqlite3_bind_int64(stmt, 3, now);
    return store_step_write(st, stmt);
}

int store_output_put(struct store *st, uint64_t job_id, uint8_t stream, const uint8_t *data,
                     uint32_t len, bool truncated)
{
    int rc;

    if (len == 0 && !truncated)
        return 0;
    if ((rc = store_begin_write(st)) < 0)
        return rc;
    sqlite3_stmt *stmt = store_stmt(st, STMT_OUTPUT_PUT);
    sqlite3_bind_int64(stmt, 1, (int64_t)job_id);
    sqlite3_bind_int(stmt, 2, stream);
    bind_bytes(stmt, 3, data, len);
    sqlite3_bind_int(stmt, 4, truncated);
    return store_step_write(st, stmt);
}

/* ---- reads ---- */

void job_record_free(struct job_record *rec)
{
    if (!rec)
        return;
    free(rec->storage);
    free(rec->attempt_storage);
    memset(rec, 0, sizeof(*rec));
}

int store_job_get(struct store *st, uint64_t job_id, bool with_stdin, struct job_record *out)
{
    sqlite3_stmt *stmt = store_stmt(st, with_stdin ? STMT_JOB_GET_STDIN : STMT_JOB_GET);
    int rc;

    memset(out, 0, sizeof(*out));
    sqlite3_bind_int64(stmt, 1, (int64_t)job_id);
    switch (sqlite3_step(stmt)) {
    case SQLITE_ROW:
        rc = decode_job(&out->info, &out->storage, with_stdin ? &out->stdin_data : NULL,
                        &out->stdin_len, stmt);
        break;
    case SQLITE_DONE:
        rc = COHORT_ENOENT;
        break;
    default:
        rc = store_fail(st, "cannot read a job");
    }
    sqlite3_reset(stmt);
    return rc;
}

int store_job_attempts(struct store *st, struct job_record *rec)
{
    sqlite3_stmt *stmt = store_stmt(st, STMT_ATTEMPTS_GET);
    uint32_t n = 0;
    size_t text_bytes = 0;
    int step, rc = 0;

    /* first pass: how much to allocate; second: fill */
    sqlite3_bind_int64(stmt, 1, (int64_t)rec->info.id);
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        n++;
        text_bytes += text_size(stmt, 1) + text_size(stmt, 5);
    }
    if (step != SQLITE_DONE) {
        rc = store_fail(st, "cannot read attempts");
        goto done;
    }
    struct attempt_info *list = calloc(1, n * sizeof(*list) + text_bytes + 1);
    if (!list) {
        rc = COHORT_ENOMEM;
        goto done;
    }
    struct carve c = {(char *)(list + n)};
    sqlite3_reset(stmt);
    uint32_t filled = 0;
    for (; filled < n && sqlite3_step(stmt) == SQLITE_ROW; filled++) {
        struct attempt_info *a = &list[filled];
        a->attempt = (uint32_t)sqlite3_column_int64(stmt, 0);
        a->worker = carve_text(&c, stmt, 1);
        a->state = (uint8_t)sqlite3_column_int(stmt, 2);
        a->exit_code = sqlite3_column_int(stmt, 3);
        a->signal = sqlite3_column_int(stmt, 4);
        a->reason = carve_text(&c, stmt, 5);
        a->started_at = sqlite3_column_int64(stmt, 6);
        a->finished_at = sqlite3_column_int64(stmt, 7);
        a->cpu_time_ms = (uint64_t)sqlite3_column_int64(stmt, 8);
    }
    free(rec->attempt_storage);
    rec->attempt_storage = list;
    rec->info.attempt_list = list;
    rec->info.n_attempt_list = filled;
done:
    sqlite3_reset(stmt);
    return rc;
}

/* Copy column col into dst, or "" when it does not fit: never a truncated name. */
static void copy_short_text(char *dst, size_t dst_len, sqlite3_stmt *stmt, int col)
{
    const unsigned char *text = sqlite3_column_text(stmt, col);
    size_t len = (size_t)sqlite3_column_bytes(stmt, col);

    if (!text || len >= dst_len)
        len = 0;
    else
        memcpy(dst, text, len);
    dst[len] = '\0';
}

int store_job_brief(struct store *st, uint64_t job_id, struct job_brief *out)
{
    sqlite3_stmt *stmt = store_stmt(st, STMT_JOB_BRIEF);
    int rc = 0;

    sqlite3_bind_int64(stmt, 1, (int64_t)job_id);
    switch (sqlite3_step(stmt)) {
    case SQLITE_ROW:
        out->state = (uint8_t)sqlite3_column_int(stmt, 0);
        out->priority = sqlite3_column_int(stmt, 1);
        out->cpus = (uint32_t)sqlite3_column_int64(stmt, 2);
        out->mem = (uint64_t)sqlite3_column_int64(stmt, 3);
        out->attempts = (uint32_t)sqlite3_column_int64(stmt, 4);
        out->retries = (uint32_t)sqlite3_column_int64(stmt, 5);
        out->time_limit = (uint32_t)sqlite3_column_int64(stmt, 6);
        out->losses = (uint32_t)sqlite3_column_int64(stmt, 7);
        copy_short_text(out->user, sizeof out->user, stmt, 8);
        break;
    case SQLITE_DONE:
        rc = COHORT_ENOENT;
        break;
    default:
        rc = store_fail(st, "cannot read a job");
    }
    sqlite3_reset(stmt);
    return rc;
}

void job_list_free(struct job_list *list)
{
    if (!list)
        return;
    for (uint32_t i = 0; i < list->n; i++)
        free(list->storage[i]);
    free(list->jobs);
    free(list->storage);
    memset(list, 0, sizeof(*list));
}

/* Decode the current row of stmt onto the end of list. */
static int list_push(struct job_list *list, sqlite3_stmt *stmt)
{
    if (list->n == list->cap) {
        uint32_t cap = list->cap ? list->cap * 2 : 64;
        struct job_info *jobs = realloc(list->jobs, cap * sizeof(*jobs));
        if (jobs)
            list->jobs = jobs;
        void **storage = realloc(list->storage, cap * sizeof(*storage));
        if (storage)
            list->storage = storage;
        if (!jobs || !storage)
            return COHORT_ENOMEM;
        list->cap = cap;
    }
    int rc = decode_job(&list->jobs[list->n], &list->storage[list->n], NULL, NULL, stmt);
    if (rc == 0)
        list->n++;
    return rc;
}

int store_jobs_append(struct store *st, struct job_list *list, uint64_t job_id)
{
    sqlite3_stmt *stmt = store_stmt(st, STMT_JOB_GET);
    int rc;

    sqlite3_bind_int64(stmt, 1, (int64_t)job_id);
    switch (sqlite3_step(stmt)) {
    case SQLITE_ROW:
        rc = list_push(list, stmt);
        break;
    case SQLITE_DONE:
        rc = COHORT_ENOENT;
        break;
    default:
        rc = store_fail(st, "cannot read a job");
    }
    sqlite3_reset(stmt);
    return rc;
}

int store_jobs_list(struct store *st, struct job_list *list, uint32_t state_mask, uint64_t after_id,
                    uint32_t limit)
{
    /* one cursor per wanted state, each in id order on the (state, id) index, merged */
    sqlite3_stmt *cursor[COHORT_JOB_STATE_COUNT] = {0};
    int rc = 0;

    for (int s = 0; s < COHORT_JOB_STATE_COUNT; s++) {
        if (!(state_mask & (1u << s)))
            continue;
        sqlite3_stmt *stmt = store_stmt(st, STMT_LIST_BY_STATE + s);
        sqlite3_bind_int(stmt, 1, s);
        sqlite3_bind_int64(stmt, 2, (int64_t)after_id);
        sqlite3_bind_int64(stmt, 3, limit);
        int step = sqlite3_step(stmt);
        if (step == SQLITE_ROW)
            cursor[s] = stmt;
        else if (step != SQLITE_DONE)
            rc = store_fail(st, "cannot list jobs");
        if (rc < 0)
            goto done;
    }
    while (list->n < limit) {
        int next = -1;
        for (int s = 0; s < COHORT_JOB_STATE_COUNT; s++)
            if (cursor[s] && (next < 0 || sqlite3_column_int64(cursor[s], COL_ID) <
                                              sqlite3_column_int64(cursor[next], COL_ID)))
                next = s;
        if (next < 0)
            break;
        if ((rc = list_push(list, cursor[next])) < 0)
            goto done;
        int step = sqlite3_step(cursor[next]);
        if (step == SQLITE_DONE) {
            cursor[next] = NULL;
        } else if (step != SQLITE_ROW) {
            rc = store_fail(st, "cannot list jobs");
            goto done;
        }
    }
done:
    for (int s = 0; s < COHORT_JOB_STATE_COUNT; s++)
        sqlite3_reset(st->stmts[STMT_LIST_BY_STATE + s]);
    return rc;
}

int store_output_get(struct store *st, uint64_t job_id, uint8_t stream, uint8_t **data,
                     uint32_t *len, bool *truncated)
{
    sqlite3_stmt *stmt = store_stmt(st, STMT_OUTPUT_GET);
    int rc = 0;

    *data = NULL;
    *len = 0;
    *truncated = false;
    sqlite3_bind_int64(stmt, 1, (int64_t)job_id);
    sqlite3_bind_int(stmt, 2, stream);
    switch (sqlite3_step(stmt)) {
    case SQLITE_ROW: {
        size_t bytes = (size_t)sqlite3_column_bytes(stmt, 0);
        if (bytes && !(*data = malloc(bytes))) {
            rc = COHORT_ENOMEM;
            break;
        }
        if (bytes)
            memcpy(*data, sqlite3_column_blob(stmt, 0), bytes);
        *len = (uint32_t)bytes;
        *truncated = sqlite3_column_int(stmt, 1) != 0;
        break;
    }
    case SQLITE_DONE:
        break;
    default:
        rc = store_fail(st, "cannot read job output");
    }
    sqlite3_reset(stmt);
    return rc;
}

/* ---- start-up loads ---- */

int store_count_states(struct store *st, uint64_t counts[COHORT_JOB_STATE_COUNT])
{
    sqlite3_stmt *stmt = store_stmt(st, STMT_COUNT_STATES);
    int step, rc = 0;

    memset(counts, 0, COHORT_JOB_STATE_COUNT * sizeof(counts[0]));
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        int state = sqlite3_column_int(stmt, 0);
        if (state >= 0 && state < COHORT_JOB_STATE_COUNT)
            counts[state] = (uint64_t)sqlite3_column_int64(stmt, 1);
    }
    if (step != SQLITE_DONE)
        rc = store_fail(st, "cannot count jobs");
    sqlite3_reset(stmt);
    return rc;
}

int store_count_pending_by_user(struct store *st,
                                int (*on_user)(void *arg, const char *user, uint64_t pending),
                                void *arg)
{
    sqlite3_stmt *stmt = store_stmt(st, STMT_COUNT_PENDING_BY_USER);
    int step, rc = 0;

    while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *user = (const char *)sqlite3_column_text(stmt, 0);
        rc = on_user(arg, user ? user : "", (uint64_t)sqlite3_column_int64(stmt, 1));
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = store_fail(st, "cannot count pending jobs by user");
    sqlite3_reset(stmt);
    return rc;
}

int store_load_pending(struct store *st,
                       int (*on_job)(void *arg, uint64_t job_id, int32_t priority, uint32_t cpus,
                                     uint64_t mem),
                       void *arg)
{
    sqlite3_stmt *stmt = store_stmt(st, STMT_LOAD_PENDING);
    int step, rc = 0;

    while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW)
        rc = on_job(arg, (uint64_t)sqlite3_column_int64(stmt, 0), sqlite3_column_int(stmt, 1),
                    (uint32_t)sqlite3_column_int64(stmt, 2),
                    (uint64_t)sqlite3_column_int64(stmt, 3));
    if (rc == 0 && step != SQLITE_DONE)
        rc = store_fail(st, "cannot load pending jobs");
    sqlite3_reset(stmt);
    return rc;
}

int store_load_running(struct store *st,
                       int (*on_attempt)(void *arg, uint64_t job_id, uint32_t attempt,
                                         const char *worker, uint32_t cpus, uint64_t mem,
                                         bool cancelled),
                       void *arg)
{
    sqlite3_stmt *stmt = store_stmt(st, STMT_LOAD_RUNNING);
    int step, rc = 0;

    while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW)
        rc = on_attempt(
            arg, (uint64_t)sqlite3_column_int64(stmt, 0), (uint32_t)sqlite3_column_int64(stmt, 1),
            (const char *)sqlite3_column_text(stmt, 2), (uint32_t)sqlite3_column_int64(stmt, 3),
            (uint64_t)sqlite3_column_int64(stmt, 4),
            sqlite3_column_int(stmt, 5) == COHORT_JOB_CANCELLED);
    if (rc == 0 && step != SQLITE_DONE)
        rc = store_fail(st, "cannot load running jobs");
    sqlite3_reset(stmt);
    return rc;
}
