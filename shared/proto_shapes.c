/* proto_shapes.c — the wire layout of every protocol struct, in the order of proto.h. */
#include "proto_shapes.h"

#include "proto.h"

/* Field descriptors: T is the C struct, m its member, lo..hi the accepted values or counts. */
#define MEMBER_SIZE(T, m) sizeof(((T *)0)->m)
#define SHAPE(T, list, ...)                                                                        \
    {                                                                                              \
        .size = sizeof(T), .fields = list, .n_fields = sizeof(list) / sizeof(list[0]), __VA_ARGS__ \
    }

#define UINT_FIELD(T, m, lo, hi)                                                                   \
    {                                                                                              \
        .kind = FIELD_UINT, .width = MEMBER_SIZE(T, m), .offset = offsetof(T, m), .min = (lo),     \
        .max = (hi), .name = #m                                                                    \
    }
#define INT_FIELD(T, m, lo, hi)                                                                    \
    {                                                                                              \
        .kind = FIELD_INT, .width = MEMBER_SIZE(T, m), .offset = offsetof(T, m), .min = (lo),      \
        .max = (hi), .name = #m                                                                    \
    }
#define U32(T, m) UINT_FIELD(T, m, 0, UINT32_MAX)
#define U64(T, m) UINT_FIELD(T, m, 0, UINT64_MAX)
#define I32(T, m) INT_FIELD(T, m, INT32_MIN, INT32_MAX)
#define I64(T, m) INT_FIELD(T, m, INT64_MIN, INT64_MAX)
#define ATTEMPT(T, m) UINT_FIELD(T, m, 1, UINT32_MAX) /* attempts count from 1 */
#define JOB_STATE(T, m) UINT_FIELD(T, m, 0, COHORT_JOB_STATE_COUNT - 1)
#define BOOL_FIELD(T, m)                                                                           \
    {                                                                                              \
        .kind = FIELD_BOOL, .offset = offsetof(T, m), .name = #m                                   \
    }
#define STR_FIELD(T, m)                                                                            \
    {                                                                                              \
        .kind = FIELD_STR, .offset = offsetof(T, m), .name = #m                                    \
    }
#define STR_CAPPED(T, m, cap)                                                                      \
    {                                                                                              \
        .kind = FIELD_STR, .offset = offsetof(T, m), .max = (cap), .name = #m                      \
    }
#define BIN_FIELD(T, m, len, cap)                                                                  \
    {                                                                                              \
        .kind = FIELD_BIN, .offset = offsetof(T, m), .count_offset = offsetof(T, len),             \
        .max = (cap), .name = #m                                                                   \
    }
#define LIST_FIELD(T, m, count, lo, hi, elements)                                                  \
    {                                                                                              \
        .kind = FIELD_LIST, .offset = offsetof(T, m), .count_offset = offsetof(T, count),          \
        .min = (lo), .max = (hi), .shape = (elements), .name = #m                                  \
    }
#define MAP_FIELD(T, m, count, hi, entries)                                                        \
    {                                                                                              \
        .kind = FIELD_MAP, .offset = offsetof(T, m), .count_offset = offsetof(T, count),           \
        .max = (hi), .shape = (entries), .name = #m                                                \
    }
#define STRUCT_FIELD(T, m, nested)                                                                 \
    {                                                                                              \
        .kind = FIELD_STRUCT, .offset = offsetof(T, m), .shape = (nested), .name = #m              \
    }

/* ---- elements of lists of scalars ---- */

static const struct field string_element_fields[] = {{.kind = FIELD_STR, .offset = 0}};
static const struct shape string_element = SHAPE(const char *, string_element_fields, .bare = true);

static const struct field id_element_fields[] = {
    {.kind = FIELD_UINT, .width = 8, .offset = 0, .min = 0, .max = UINT64_MAX}};
static const struct shape id_element = SHAPE(uint64_t, id_element_fields, .bare = true);

/* per-job answers of CANCEL: 0 or a negative COHORT_E* code */
static const struct field code_element_fields[] = {
    {.kind = FIELD_INT, .width = 4, .offset = 0, .min = INT32_MIN, .max = 0}};
static const struct shape code_element = SHAPE(int32_t, code_element_fields, .bare = true);

/* ---- shared structs ---- */

static bool job_spec_valid(const void *obj)
{
    const struct job_spec *spec = obj;
    return !spec->is_array || (spec->array_first <= spec->array_last &&
                               spec->array_last - spec->array_first < PROTO_MAX_ARRAY);
}

static const struct field job_spec_fields[] = {
    STR_FIELD(struct job_spec, name),
    STR_FIELD(struct job_spec, user),
    UINT_FIELD(struct job_spec, cpus, 1, UINT32_MAX),
    U64(struct job_spec, mem),
    U32(struct job_spec, time_limit),
    I32(struct job_spec, priority),
    U32(struct job_spec, retries),
    STR_FIELD(struct job_spec, cwd),
    BIN_FIELD(struct job_spec, stdin_data, stdin_len, PROTO_MAX_STDIN),
    {.kind = FIELD_LIST,
     .offset = offsetof(struct job_spec, argv),
     .count_offset = offsetof(struct job_spec, argc),
     .min = 1,
     .max = PROTO_MAX_ARGS,
     .max_bytes = PROTO_MAX_COMMAND_BYTES,
     .shape = &string_element,
     .name = "argv"},
    LIST_FIELD(struct job_spec, env, envc, 0, PROTO_MAX_ENV, &string_element),
    BOOL_FIELD(struct job_spec, is_array),
    U32(struct job_spec, array_first),
    U32(struct job_spec, array_last),
};
static const struct shape job_spec_shape =
    SHAPE(struct job_spec, job_spec_fields, .valid = job_spec_valid,
          .invalid_why = "the array range is empty or holds too many jobs");

static const struct field job_attempt_fields[] = {
    U64(struct job_attempt, job_id),
    ATTEMPT(struct job_attempt, attempt),
};
static const struct shape job_attempt_shape = SHAPE(struct job_attempt, job_attempt_fields);

static const struct field attempt_info_fields[] = {
    ATTEMPT(struct attempt_info, attempt), STR_FIELD(struct attempt_info, worker),
    JOB_STATE(struct attempt_info, state), I32(struct attempt_info, exit_code),
    I32(struct attempt_info, signal),      STR_FIELD(struct attempt_info, reason),
    I64(struct attempt_info, started_at),  I64(struct attempt_info, finished_at),
    U64(struct attempt_info, cpu_time_ms),
};
static const struct shape attempt_info_shape = SHAPE(struct attempt_info, attempt_info_fields);

static const struct field job_info_fields[] = {
    U64(struct job_info, id),
    STR_FIELD(struct job_info, name),
    STR_FIELD(struct job_info, user),
    JOB_STATE(struct job_info, state),
    I32(struct job_info, exit_code),
    I32(struct job_info, signal),
    STR_FIELD(struct job_info, reason),
    U32(struct job_info, cpus),
    U64(struct job_info, mem),
    I32(struct job_info, priority),
    U32(struct job_info, time_limit),
    U32(struct job_info, retries),
    STR_FIELD(struct job_info, worker),
    U32(struct job_info, attempts),
    INT_FIELD(struct job_info, array_index, -1, UINT32_MAX),
    I64(struct job_info, submitted_at),
    I64(struct job_info, started_at),
    I64(struct job_info, finished_at),
    U64(struct job_info, cpu_time_ms),
    STR_FIELD(struct job_info, cwd),
    LIST_FIELD(struct job_info, argv, argc, 0, PROTO_MAX_ARGS, &string_element),
    LIST_FIELD(struct job_info, env, envc, 0, PROTO_MAX_ENV, &string_element),
    LIST_FIELD(struct job_info, attempt_list, n_attempt_list, 0, PROTO_MAX_ROWS,
               &attempt_info_shape),
};
static const struct shape job_info_shape = SHAPE(struct job_info, job_info_fields);

static const struct field label_fields[] = {
    STR_FIELD(struct label, key),
    STR_FIELD(struct label, value),
};
static const struct shape label_shape = SHAPE(struct label, label_fields, .flat = true);

static const struct field worker_info_fields[] = {
    STR_FIELD(struct worker_info, name),
    UINT_FIELD(struct worker_info, state, 0, COHORT_WORKER_DOWN),
    U32(struct worker_info, cpus),
    U32(struct worker_info, cpus_used),
    U64(struct worker_info, mem),
    U64(struct worker_info, mem_used),
    U32(struct worker_info, running),
    MAP_FIELD(struct worker_info, labels, n_labels, PROTO_MAX_LABELS, &label_shape),
    I64(struct worker_info, last_seen),
};
static const struct shape worker_info_shape = SHAPE(struct worker_info, worker_info_fields);

static const struct field status_info_fields[] = {
    U32(struct status_info, workers_total),
    U32(struct status_info, workers_up),
    U32(struct status_info, workers_draining),
    U32(struct status_info, workers_down),
    U64(struct status_info, cpus_total),
    U64(struct status_info, cpus_used),
    U64(struct status_info, mem_total),
    U64(struct status_info, mem_used),
    {.kind = FIELD_U64_ARRAY,
     .offset = offsetof(struct status_info, jobs),
     .max = COHORT_JOB_STATE_COUNT},
    U64(struct status_info, finished_last_minute),
};
static const struct shape status_info_shape = SHAPE(struct status_info, status_info_fields);

_Static_assert(sizeof(struct job_spec) <= SHAPE_MAX_ELEMENT, "list element too large");
_Static_assert(sizeof(struct job_info) <= SHAPE_MAX_ELEMENT, "list element too large");
_Static_assert(sizeof(struct attempt_info) <= SHAPE_MAX_ELEMENT, "list element too large");
_Static_assert(sizeof(struct worker_info) <= SHAPE_MAX_ELEMENT, "list element too large");
_Static_assert(sizeof(struct job_attempt) <= SHAPE_MAX_ELEMENT, "list element too large");
_Static_assert(sizeof(struct label) <= SHAPE_MAX_ELEMENT, "list element too large");

/* ---- client requests ---- */

static const struct field submit_fields[] = {
    U64(struct msg_submit, req_id),
    LIST_FIELD(struct msg_submit, specs, n_specs, 1, PROTO_MAX_SPECS, &job_spec_shape),
    STR_CAPPED(struct msg_submit, idem_key, PROTO_MAX_IDEM_KEY), /* added later: optional */
};
static const struct shape submit_shape = SHAPE(struct msg_submit, submit_fields, .n_optional = 1);

static const struct field jobs_fields[] = {
    U64(struct msg_jobs, req_id),
    UINT_FIELD(struct msg_jobs, state_mask, 0, (1u << COHORT_JOB_STATE_COUNT) - 1),
    U32(struct msg_jobs, limit),
    U64(struct msg_jobs, after_id),
};
static const struct shape jobs_shape = SHAPE(struct msg_jobs, jobs_fields);

static const struct field job_ref_fields[] = {
    U64(struct msg_job_ref, req_id),
    U64(struct msg_job_ref, job_id),
};
static const struct shape job_ref_shape = SHAPE(struct msg_job_ref, job_ref_fields);

static const struct field logs_fields[] = {
    U64(struct msg_logs, req_id),
    U64(struct msg_logs, job_id),
    UINT_FIELD(struct msg_logs, stream, COHORT_STREAM_STDOUT, COHORT_STREAM_STDERR),
};
static const struct shape logs_shape = SHAPE(struct msg_logs, logs_fields);

static const struct field job_ids_fields[] = {
    U64(struct msg_job_ids, req_id),
    LIST_FIELD(struct msg_job_ids, ids, n_ids, 0, PROTO_MAX_IDS, &id_element),
    U32(struct msg_job_ids, timeout_ms),
};
static const struct shape job_ids_shape = SHAPE(struct msg_job_ids, job_ids_fields);

static const struct field simple_fields[] = {
    U64(struct msg_simple, req_id),
};
static const struct shape simple_shape = SHAPE(struct msg_simple, simple_fields);

static const struct field worker_ref_fields[] = {
    U64(struct msg_worker_ref, req_id),
    STR_FIELD(struct msg_worker_ref, name),
};
static const struct shape worker_ref_shape = SHAPE(struct msg_worker_ref, worker_ref_fields);

/* ---- the reply ---- */

static const struct field reply_fields[] = {
    U64(struct msg_reply, req_id),
    UINT_FIELD(struct msg_reply, request, MSG_SUBMIT, MSG_BACKUP),
    INT_FIELD(struct msg_reply, status, INT32_MIN, 0),
    STR_FIELD(struct msg_reply, error),
    {.kind = FIELD_REPLY_BODY},
};
static const struct shape reply_shape = SHAPE(struct msg_reply, reply_fields);

typedef __typeof__(((struct msg_reply *)0)->u.logs) reply_logs_body;
static const struct field reply_logs_fields[] = {
    BIN_FIELD(reply_logs_body, data, len, PROTO_MAX_OUTPUT),
    BOOL_FIELD(reply_logs_body, truncated),
};
static const struct shape reply_logs_shape = SHAPE(reply_logs_body, reply_logs_fields);

static const struct field reply_submit_body = {
    .kind = FIELD_ID_RANGES,
    .offset = offsetof(struct msg_reply, u.submit.first_ids),
    .offset2 = offsetof(struct msg_reply, u.submit.counts),
    .count_offset = offsetof(struct msg_reply, u.submit.n),
    .max = PROTO_MAX_SPECS,
};
static const struct field reply_jobs_body =
    LIST_FIELD(struct msg_reply, u.jobs.jobs, u.jobs.n, 0, PROTO_MAX_ROWS, &job_info_shape);
static const struct field reply_logs_body_field =
    STRUCT_FIELD(struct msg_reply, u.logs, &reply_logs_shape);
static const struct field reply_cancel_body =
    LIST_FIELD(struct msg_reply, u.cancel.codes, u.cancel.n, 0, PROTO_MAX_IDS, &code_element);
static const struct field reply_workers_body = LIST_FIELD(
    struct msg_reply, u.workers.workers, u.workers.n, 0, PROTO_MAX_ROWS, &worker_info_shape);
static const struct field reply_status_body =
    STRUCT_FIELD(struct msg_reply, u.status, &status_info_shape);
typedef __typeof__(((struct msg_reply *)0)->u.backup) reply_backup_body;
static const struct field reply_backup_fields[] = {
    STR_FIELD(reply_backup_body, path),
    U64(reply_backup_body, bytes),
};
static const struct shape reply_backup_shape = SHAPE(reply_backup_body, reply_backup_fields);
static const struct field reply_backup_body_field =
    STRUCT_FIELD(struct msg_reply, u.backup, &reply_backup_shape);

const struct field *reply_body_field(int request)
{
    switch (request) {
    case MSG_SUBMIT:
        return &reply_submit_body;
    case MSG_JOBS:
    case MSG_SHOW:
    case MSG_WAIT:
        return &reply_jobs_body;
    case MSG_LOGS:
        return &reply_logs_body_field;
    case MSG_CANCEL:
        return &reply_cancel_body;
    case MSG_WORKERS:
        return &reply_workers_body;
    case MSG_STATUS:
        return &reply_status_body;
    case MSG_BACKUP:
        return &reply_backup_body_field;
    default:
        return NULL; /* DRAIN, RESUME */
    }
}

/* ---- worker <-> scheduler ---- */

static const struct field register_fields[] = {
    STR_FIELD(struct msg_register, name),
    STR_FIELD(struct msg_register, instance_id),
    UINT_FIELD(struct msg_register, cpus, 1, UINT32_MAX),
    U64(struct msg_register, mem),
    MAP_FIELD(struct msg_register, labels, n_labels, PROTO_MAX_LABELS, &label_shape),
    LIST_FIELD(struct msg_register, running, n_running, 0, PROTO_MAX_RUNNING, &job_attempt_shape),
    STR_FIELD(struct msg_register, version),
    LIST_FIELD(struct msg_register, staged, n_staged, 0, PROTO_MAX_RUNNING,
               &job_attempt_shape),               /* added later: optional */
    BOOL_FIELD(struct msg_register, acks_in_run), /* added later: optional */
};
static const struct shape register_shape =
    SHAPE(struct msg_register, register_fields, .n_optional = 2);

static const struct field welcome_fields[] = {
    UINT_FIELD(struct msg_welcome, heartbeat_ms, 1, UINT32_MAX),
    UINT_FIELD(struct msg_welcome, lease_ms, 1, UINT32_MAX),
};
static const struct shape welcome_shape = SHAPE(struct msg_welcome, welcome_fields);

static const struct field heartbeat_fields[] = {
    U32(struct msg_heartbeat, n_running),
};
static const struct shape heartbeat_shape = SHAPE(struct msg_heartbeat, heartbeat_fields);

static const struct field kill_fields[] = {
    U64(struct msg_kill, job_id),
    ATTEMPT(struct msg_kill, attempt),
    JOB_STATE(struct msg_kill, state),
};
static const struct shape kill_shape = SHAPE(struct msg_kill, kill_fields);

static bool run_valid(const void *obj)
{
    const struct msg_run *run = obj;
    return !run->spec.is_array;
}

static const struct field run_fields[] = {
    U64(struct msg_run, job_id),
    ATTEMPT(struct msg_run, attempt),
    INT_FIELD(struct msg_run, array_index, -1, UINT32_MAX),
    STRUCT_FIELD(struct msg_run, spec, &job_spec_shape),
    BOOL_FIELD(struct msg_run, staged), /* added later: optional */
    /* added later: optional */
    LIST_FIELD(struct msg_run, acks, n_acks, 0, PROTO_MAX_ACKS, &kill_shape),
};
static const struct shape run_shape =
    SHAPE(struct msg_run, run_fields, .valid = run_valid,
          .invalid_why = "a RUN must hold one job, not an array", .n_optional = 2);

static const struct field job_started_fields[] = {
    U64(struct msg_job_started, job_id),
    ATTEMPT(struct msg_job_started, attempt),
    I64(struct msg_job_started, started_at),
};
static const struct shape job_started_shape = SHAPE(struct msg_job_started, job_started_fields);

static const struct field job_result_fields[] = {
    U64(struct msg_job_result, job_id),
    ATTEMPT(struct msg_job_result, attempt),
    UINT_FIELD(struct msg_job_result, state, COHORT_JOB_COMPLETED, COHORT_JOB_TIMEOUT),
    I32(struct msg_job_result, exit_code),
    I32(struct msg_job_result, signal),
    STR_FIELD(struct msg_job_result, reason),
    I64(struct msg_job_result, started_at),
    I64(struct msg_job_result, finished_at),
    U64(struct msg_job_result, cpu_time_ms),
    BIN_FIELD(struct msg_job_result, out, out_len, PROTO_MAX_OUTPUT),
    BOOL_FIELD(struct msg_job_result, out_truncated),
    BIN_FIELD(struct msg_job_result, err, err_len, PROTO_MAX_OUTPUT),
    BOOL_FIELD(struct msg_job_result, err_truncated),
    BOOL_FIELD(struct msg_job_result, fenced),   /* added later: optional */
    BOOL_FIELD(struct msg_job_result, returned), /* added later: optional */
};
static const struct shape job_result_shape =
    SHAPE(struct msg_job_result, job_result_fields, .n_optional = 2);

static const struct field leaving_fields[] = {
    U32(struct msg_leaving, grace_ms),
};
static const struct shape leaving_shape = SHAPE(struct msg_leaving, leaving_fields);

/* GOODBYE and REREGISTER: [version, type] and nothing else */
static const struct shape empty_shape = {.size = 0, .fields = NULL, .n_fields = 0};

static const struct shape *const shapes_by_type[] = {
    [MSG_SUBMIT] = &submit_shape,
    [MSG_JOBS] = &jobs_shape,
    [MSG_SHOW] = &job_ref_shape,
    [MSG_LOGS] = &logs_shape,
    [MSG_CANCEL] = &job_ids_shape,
    [MSG_WAIT] = &job_ids_shape,
    [MSG_WORKERS] = &simple_shape,
    [MSG_STATUS] = &simple_shape,
    [MSG_DRAIN] = &worker_ref_shape,
    [MSG_RESUME] = &worker_ref_shape,
    [MSG_BACKUP] = &simple_shape,
    [MSG_REPLY] = &reply_shape,
    [MSG_REGISTER] = &register_shape,
    [MSG_HEARTBEAT] = &heartbeat_shape,
    [MSG_JOB_STARTED] = &job_started_shape,
    [MSG_JOB_RESULT] = &job_result_shape,
    [MSG_GOODBYE] = &empty_shape,
    [MSG_LEAVING] = &leaving_shape,
    [MSG_WELCOME] = &welcome_shape,
    [MSG_RUN] = &run_shape,
    [MSG_KILL] = &kill_shape,
    [MSG_RESULT_ACK] = &kill_shape,
    [MSG_REREGISTER] = &empty_shape,
    [MSG_TAKE_BACK] = &kill_shape,
};

const struct shape *msg_shape(int type)
{
    if (type < 0 || (size_t)type >= sizeof(shapes_by_type) / sizeof(shapes_by_type[0]))
        return NULL;
    return shapes_by_type[type];
}
