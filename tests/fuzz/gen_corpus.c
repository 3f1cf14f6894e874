/* gen_corpus.c — writes the decode fuzz seeds: every message and reply body, hostile frames. */
#include <errno.h>
#include <msgpack.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "proto.h"
#include "proto_shapes.h"

/*
 * Usage: gen_corpus DIR          write the corpus into DIR (made when missing)
 *        gen_corpus --check DIR  change nothing; fail when a file it would write is missing
 *                                from DIR or differs (files it does not write are left alone)
 *
 * Every file is checked before it is written: valid frames must decode, and encode back to the
 * same bytes; hostile frames must be refused (or, for the few that are legal, accepted). Every
 * message type that has a shape must get at least one valid frame: a type without a
 * hand-written example gets one built from its shape, so a new type is covered at once.
 * Exits 1 when any check fails.
 */

#define FRAME_MAX (1u << 20) /* largest frame written here */
#define DEEP_LEVELS 100000   /* nesting of the deepest frames */

enum expect { EXPECT_OK, EXPECT_REFUSED };

struct corpus {
    const char *dir;
    bool check;        /* compare with DIR instead of writing */
    unsigned written;  /* files written or matched */
    unsigned failures; /* checks that failed */
    bool covered[256]; /* message types with a valid frame */
};

static void fail(struct corpus *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct corpus *c, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    fputs("gen_corpus: ", stderr);
    vfprintf(stderr, fmt, args);
    fputc('\n', stderr);
    va_end(args);
    c->failures++;
}

/* ---- writing files ---- */

/* Whether the file at path holds exactly len bytes equal to data. */
static bool file_matches(const char *path, const uint8_t *data, size_t len)
{
    FILE *file = fopen(path, "rb");
    uint8_t *have = malloc(len + 1);
    bool same = false;

    if (file && have)
        same = fread(have, 1, len + 1, file) == len && memcmp(have, data, len) == 0;
    free(have);
    if (file)
        fclose(file);
    return same;
}

/* Write (or, with --check, compare) one corpus file. */
static void emit(struct corpus *c, const char *name, const uint8_t *data, size_t len)
{
    char path[4096];
    bool written_ok;
    FILE *file;

    snprintf(path, sizeof path, "%s/%s", c->dir, name);
    if (c->check) {
        if (!file_matches(path, data, len))
            fail(c, "%s is missing or out of date (regenerate the corpus)", path);
        else
            c->written++;
        return;
    }
    if (!(file = fopen(path, "wb"))) {
        fail(c, "cannot write %s: %s", path, strerror(errno));
        return;
    }
    written_ok = len == 0 || fwrite(data, 1, len, file) == len;
    if (fclose(file) != 0)
        written_ok = false;
    if (!written_ok)
        fail(c, "cannot write %s: %s", path, strerror(errno));
    else
        c->written++;
}

/* Emit a frame after checking that the decoder does what is expected of it. */
static void emit_frame(struct corpus *c, const char *name, const uint8_t *data, size_t len,
                       enum expect expect)
{
    struct msg *m = NULL;
    int rc = msg_decode(&m, data, len);

    if (expect == EXPECT_OK && rc != 0)
        fail(c, "%s: a frame that should decode was refused (%d)", name, rc);
    else if (expect == EXPECT_REFUSED && rc == 0)
        fail(c, "%s: a frame that should be refused was decoded", name);
    else
        emit(c, name, data, len);
    if (m)
        c->covered[m->type] = true;
    msg_free(m);
}

/* ---- building frames by hand ---- */

/* msgpack_packer_write: append to a struct buf (FRAME_MAX is far above what is built here). */
static int append_to_buf(void *data, const char *bytes, size_t len)
{
    return buf_append(data, bytes, len) < 0 ? -1 : 0;
}

struct frame {
    struct buf bytes;
    msgpack_packer pk;
};

static void frame_start(struct frame *f)
{
    buf_init(&f->bytes, FRAME_MAX);
    msgpack_packer_init(&f->pk, &f->bytes, append_to_buf);
}

static void put_raw(struct frame *f, const void *data, size_t len)
{
    if (buf_append(&f->bytes, data, len) < 0)
        abort(); /* only if out of memory */
}

static void put_repeated(struct frame *f, uint8_t byte, size_t count)
{
    for (size_t i = 0; i < count; i++)
        put_raw(f, &byte, 1);
}

static void put_str(struct frame *f, const char *s)
{
    msgpack_pack_str_with_body(&f->pk, s, strlen(s));
}

/* The head of a message: [version, type, ...] announcing n_fields fields after the type. */
static void put_head(struct frame *f, uint32_t n_fields, int type)
{
    msgpack_pack_array(&f->pk, 2 + n_fields);
    msgpack_pack_uint8(&f->pk, PROTO_VERSION);
    msgpack_pack_uint8(&f->pk, (uint8_t)type);
}

/* A value of every msgpack kind, nested: the kind of trailing field a newer peer may send. */
static void put_future_field(struct frame *f)
{
    static const char ext[] = {1, 2, 3};

    msgpack_pack_map(&f->pk, 2);
    put_str(f, "future");
    msgpack_pack_array(&f->pk, 6);
    msgpack_pack_nil(&f->pk);
    msgpack_pack_double(&f->pk, 1.5);
    msgpack_pack_float(&f->pk, -2.0f);
    msgpack_pack_int64(&f->pk, INT64_MIN);
    msgpack_pack_ext_with_body(&f->pk, ext, sizeof ext, 7);
    msgpack_pack_bin_with_body(&f->pk, ext, sizeof ext);
    msgpack_pack_uint64(&f->pk, UINT64_MAX);
    msgpack_pack_map(&f->pk, 0);
}

static void emit_built(struct corpus *c, const char *name, struct frame *f, enum expect expect)
{
    emit_frame(c, name, f->bytes.data, f->bytes.len, expect);
    buf_free(&f->bytes);
}

/* ---- valid messages, encoded with msg_encode ---- */

static const char *const sample_argv[] = {"/bin/sh", "-c", "echo \"$COHORT_JOB_ID\"", ""};
static const char *const sample_env[] = {"A=1", "PATH=/usr/bin:/bin", "EMPTY="};
static const uint8_t sample_bytes[] = {'h', 'i', '\n', 0, 0xff, 0xc1};
static uint64_t sample_ids[] = {1, 2, 300, UINT64_MAX};
static int32_t sample_codes[] = {0, COHORT_ENOENT, COHORT_ESTATE};
static uint64_t sample_first_ids[] = {10, 11, 4000000000ull};
static uint32_t sample_counts[] = {1, 1000, UINT32_MAX};
static struct label sample_labels[] = {{"gpu", "a100"}, {"zone", ""}, {"rack", "r7"}};
static struct job_attempt sample_running[] = {{7, 1}, {UINT64_MAX, UINT32_MAX}};

static struct attempt_info sample_attempts[] = {
    {.attempt = 1,
     .worker = "node-a",
     .state = COHORT_JOB_PENDING,
     .exit_code = -1,
     .reason = "worker lost",
     .started_at = 1000,
     .finished_at = 2000,
     .cpu_time_ms = 5},
    {.attempt = 2,
     .worker = "node-b",
     .state = COHORT_JOB_FAILED,
     .exit_code = -1,
     .signal = 9,
     .reason = "killed by signal 9",
     .started_at = 3000,
     .finished_at = 4000,
     .cpu_time_ms = 123456},
};

static struct job_spec spec_simple(void)
{
    return (struct job_spec){
        .name = "",
        .user = "alice",
        .cpus = 1,
        .argc = 1,
        .argv = (const char **)sample_argv,
        .cwd = "",
    };
}

static struct job_spec spec_full(void)
{
    return (struct job_spec){
        .name = "render",
        .user = "bob",
        .cpus = 8,
        .mem = 2ull << 30,
        .time_limit = 7200,
        .priority = -5,
        .retries = 3,
        .cwd = "/srv/jobs",
        .stdin_data = sample_bytes,
        .stdin_len = sizeof sample_bytes,
        .argc = 4,
        .argv = (const char **)sample_argv,
        .envc = 3,
        .env = (const char **)sample_env,
        .is_array = true,
        .array_first = 1,
        .array_last = 1000,
    };
}

static struct job_info job_listed(void)
{
    return (struct job_info){
        .id = 42,
        .name = "render",
        .user = "bob",
        .state = COHORT_JOB_RUNNING,
        .exit_code = -1,
        .reason = "",
        .cpus = 2,
        .mem = 512ull << 20,
        .priority = INT32_MIN,
        .time_limit = 60,
        .retries = 1,
        .worker = "node-b",
        .attempts = 2,
        .array_index = 7,
        .submitted_at = 1764154965123,
        .started_at = 1764154966000,
        .cpu_time_ms = 99,
        .cwd = "",
        .argc = 2,
        .argv = (const char **)sample_argv,
    };
}

static struct job_info job_shown(void)
{
    struct job_info job = job_listed();

    job.state = COHORT_JOB_FAILED;
    job.signal = 9;
    job.reason = "killed by signal 9";
    job.array_index = -1;
    job.finished_at = INT64_MAX;
    job.envc = 3;
    job.env = (const char **)sample_env;
    job.n_attempt_list = 2;
    job.attempt_list = sample_attempts;
    return job;
}

static struct msg reply_to(int request)
{
    struct msg m = {.type = MSG_REPLY};

    m.u.reply.req_id = 77;
    m.u.reply.request = (uint8_t)request;
    m.u.reply.error = "";
    return m;
}

/* Encode m; check that it decodes and encodes back to the same bytes; emit it as valid-NAME,
 * and variants: cut short by one byte, cut in half, and with an extra trailing field. */
static void emit_message(struct corpus *c, const char *name, const struct msg *m)
{
    struct buf frame, again;
    struct msg *decoded = NULL;
    char file[256];
    int rc;

    buf_init(&frame, FRAME_MAX);
    buf_init(&again, FRAME_MAX);
    if ((rc = msg_encode(&frame, m)) < 0) {
        fail(c, "%s: msg_encode failed (%d)", name, rc);
        goto done;
    }
    if ((rc = msg_decode(&decoded, frame.data, frame.len)) < 0 ||
        (rc = msg_encode(&again, decoded)) < 0 || again.len != frame.len ||
        memcmp(again.data, frame.data, frame.len) != 0) {
        fail(c, "%s: does not survive decode and encode (%d)", name, rc);
        goto done;
    }
    snprintf(file, sizeof file, "valid-%s", name);
    emit_frame(c, file, frame.data, frame.len, EXPECT_OK);
    snprintf(file, sizeof file, "cut1-%s", name);
    emit_frame(c, file, frame.data, frame.len - 1, EXPECT_REFUSED);
    if (frame.len >= 8) {
        snprintf(file, sizeof file, "cut-half-%s", name);
        emit_frame(c, file, frame.data, frame.len / 2, EXPECT_REFUSED);
    }
    if (frame.data[0] >= 0x90 && frame.data[0] < 0x9f) { /* a fixarray with room for one more */
        struct frame extra;
        frame_start(&extra);
        put_raw(&extra, frame.data, frame.len);
        extra.bytes.data[0]++;
        put_future_field(&extra);
        snprintf(file, sizeof file, "extra-field-%s", name);
        emit_built(c, file, &extra, EXPECT_OK);
    }
done:
    msg_free(decoded);
    buf_free(&again);
    buf_free(&frame);
}

static void emit_valid_messages(struct corpus *c)
{
    struct job_spec specs[2] = {spec_simple(), spec_full()};
    struct job_info jobs[2] = {job_listed(), job_shown()};
    struct worker_info workers[2] = {
        {.name = "node-a",
         .state = COHORT_WORKER_DRAINING,
         .cpus = 8,
         .cpus_used = 2,
         .mem = 1ull << 34,
         .mem_used = 1ull << 30,
         .running = 1,
         .n_labels = 3,
         .labels = sample_labels,
         .last_seen = 1764154965000},
        {.name = "node-b", .state = COHORT_WORKER_DOWN, .cpus = 1},
    };
    struct msg m;

    m = (struct msg){.type = MSG_SUBMIT};
    m.u.submit = (struct msg_submit){.req_id = 1, .n_specs = 1, .specs = specs};
    emit_message(c, "submit", &m);
    m.u.submit = (struct msg_submit){.req_id = 2, .n_specs = 2, .specs = specs};
    emit_message(c, "submit-array", &m);
    m.u.submit = (struct msg_submit){
        .req_id = 3, .n_specs = 1, .specs = specs, .idem_key = "c0ffee-2f9c-4e1b"};
    emit_message(c, "submit-idem-key", &m);

    m = (struct msg){.type = MSG_JOBS};
    m.u.jobs = (struct msg_jobs){.req_id = 3,
                                 .state_mask = COHORT_JOB_STATE_BIT(COHORT_JOB_PENDING) |
                                               COHORT_JOB_STATE_BIT(COHORT_JOB_TIMEOUT),
                                 .limit = 500,
                                 .after_id = 1234};
    emit_message(c, "jobs", &m);
    m = (struct msg){.type = MSG_SHOW, .u.show = {.req_id = 4, .job_id = 42}};
    emit_message(c, "show", &m);
    m = (struct msg){.type = MSG_LOGS};
    m.u.logs = (struct msg_logs){.req_id = 5, .job_id = 42, .stream = COHORT_STREAM_STDERR};
    emit_message(c, "logs", &m);
    m = (struct msg){.type = MSG_CANCEL};
    m.u.cancel = (struct msg_job_ids){.req_id = 6, .n_ids = 4, .ids = sample_ids};
    emit_message(c, "cancel", &m);
    m = (struct msg){.type = MSG_WAIT};
    m.u.wait =
        (struct msg_job_ids){.req_id = 7, .n_ids = 1, .ids = sample_ids, .timeout_ms = 30000};
    emit_message(c, "wait", &m);
    m = (struct msg){.type = MSG_WORKERS, .u.workers = {.req_id = 8}};
    emit_message(c, "workers", &m);
    m = (struct msg){.type = MSG_STATUS, .u.status = {.req_id = UINT64_MAX}};
    emit_message(c, "status", &m);
    m = (struct msg){.type = MSG_DRAIN, .u.drain = {.req_id = 10, .name = "node-a"}};
    emit_message(c, "drain", &m);
    m = (struct msg){.type = MSG_RESUME, .u.resume = {.req_id = 11, .name = "node-b"}};
    emit_message(c, "resume", &m);
    m = (struct msg){.type = MSG_BACKUP, .u.backup = {.req_id = 12}};
    emit_message(c, "backup", &m);

    /* a reply of every body kind, and a failed one */
    m = reply_to(MSG_SUBMIT);
    m.u.reply.u.submit.n = 3;
    m.u.reply.u.submit.first_ids = sample_first_ids;
    m.u.reply.u.submit.counts = sample_counts;
    emit_message(c, "reply-submit", &m);
    m = reply_to(MSG_JOBS);
    m.u.reply.u.jobs.n = 1;
    m.u.reply.u.jobs.jobs = jobs;
    emit_message(c, "reply-jobs", &m);
    m = reply_to(MSG_SHOW);
    m.u.reply.u.jobs.n = 1;
    m.u.reply.u.jobs.jobs = &jobs[1];
    emit_message(c, "reply-show", &m);
    m = reply_to(MSG_LOGS);
    m.u.reply.u.logs.data = sample_bytes;
    m.u.reply.u.logs.len = sizeof sample_bytes;
    m.u.reply.u.logs.truncated = true;
    emit_message(c, "reply-logs", &m);
    m = reply_to(MSG_CANCEL);
    m.u.reply.u.cancel.n = 3;
    m.u.reply.u.cancel.codes = sample_codes;
    emit_message(c, "reply-cancel", &m);
    m = reply_to(MSG_WAIT);
    m.u.reply.u.jobs.n = 2;
    m.u.reply.u.jobs.jobs = jobs;
    emit_message(c, "reply-wait", &m);
    m = reply_to(MSG_WORKERS);
    m.u.reply.u.workers.n = 2;
    m.u.reply.u.workers.workers = workers;
    emit_message(c, "reply-workers", &m);
    m = reply_to(MSG_STATUS);
    m.u.reply.u.status = (struct status_info){.workers_total = 3,
                                              .workers_up = 1,
                                              .workers_draining = 1,
                                              .workers_down = 1,
                                              .cpus_total = 24,
                                              .cpus_used = 6,
                                              .mem_total = 1ull << 36,
                                              .mem_used = 1ull << 33,
                                              .jobs = {5, 4, 3, 2, 1, 0},
                                              .finished_last_minute = 17};
    emit_message(c, "reply-status", &m);
    m = reply_to(MSG_DRAIN);
    emit_message(c, "reply-drain", &m);
    m = reply_to(MSG_RESUME);
    emit_message(c, "reply-resume", &m);
    m = reply_to(MSG_BACKUP);
    m.u.reply.u.backup.path = "/var/lib/cohort/backups/cohort-20261127T120000.000Z.db";
    m.u.reply.u.backup.bytes = 1ull << 33;
    emit_message(c, "reply-backup", &m);
    m = reply_to(MSG_SHOW);
    m.u.reply.status = COHORT_ENOENT;
    m.u.reply.error = "no job 42";
    emit_message(c, "reply-error", &m);

    /* worker <-> scheduler */
    m = (struct msg){.type = MSG_REGISTER};
    m.u.reg = (struct msg_register){.name = "node-a",
                                    .instance_id = "6f1c2a9e",
                                    .cpus = 16,
                                    .mem = 64ull << 30,
                                    .n_labels = 3,
                                    .labels = sample_labels,
                                    .n_running = 2,
                                    .running = sample_running,
                                    .version = "0.1.0",
                                    .n_staged = 1,
                                    .staged = sample_running + 1,
                                    .acks_in_run = true};
    emit_message(c, "register", &m);
    m = (struct msg){.type = MSG_HEARTBEAT, .u.heartbeat = {.n_running = 3}};
    emit_message(c, "heartbeat", &m);
    m = (struct msg){.type = MSG_JOB_STARTED};
    m.u.started = (struct msg_job_started){.job_id = 42, .attempt = 2, .started_at = 1764154965123};
    emit_message(c, "job-started", &m);
    m = (struct msg){.type = MSG_JOB_RESULT};
    m.u.result = (struct msg_job_result){.job_id = 42,
                                         .attempt = 2,
                                         .state = COHORT_JOB_TIMEOUT,
                                         .exit_code = -1,
                                         .signal = 9,
                                         .reason = "time limit",
                                         .started_at = 1,
                                         .finished_at = 2,
                                         .cpu_time_ms = 3,
                                         .out = sample_bytes,
                                         .out_len = sizeof sample_bytes,
                                         .out_truncated = true,
                                         .err = sample_bytes,
                                         .err_len = 2};
    emit_message(c, "job-result", &m);
    m = (struct msg){.type = MSG_GOODBYE};
    emit_message(c, "goodbye", &m);
    m = (struct msg){.type = MSG_WELCOME, .u.welcome = {.heartbeat_ms = 1000, .lease_ms = 10000}};
    emit_message(c, "welcome", &m);
    m = (struct msg){.type = MSG_RUN};
    m.u.run = (struct msg_run){.job_id = 42, .attempt = 1, .array_index = 5, .spec = spec_full()};
    m.u.run.spec.is_array = false;
    emit_message(c, "run", &m);
    m.u.run.staged = true;
    emit_message(c, "run-staged", &m);
    struct msg_kill acks[] = {{.job_id = 41, .attempt = 1, .state = COHORT_JOB_COMPLETED},
                              {.job_id = 40, .attempt = 2, .state = COHORT_JOB_FAILED}};
    m.u.run.n_acks = 2;
    m.u.run.acks = acks;
    emit_message(c, "run-acks", &m);
    m = (struct msg){.type = MSG_KILL};
    m.u.kill = (struct msg_kill){.job_id = 42, .attempt = 1, .state = COHORT_JOB_CANCELLED};
    emit_message(c, "kill", &m);
    m = (struct msg){.type = MSG_RESULT_ACK};
    m.u.result_ack = (struct msg_kill){.job_id = 42, .attempt = 3, .state = COHORT_JOB_COMPLETED};
    emit_message(c, "result-ack", &m);
    m = (struct msg){.type = MSG_REREGISTER};
    emit_message(c, "reregister", &m);
    m = (struct msg){.type = MSG_TAKE_BACK};
    m.u.take_back = (struct msg_kill){.job_id = 42, .attempt = 2, .state = COHORT_JOB_PENDING};
    emit_message(c, "take_back", &m);
}

/* ---- a valid frame of any type, built from its shape ---- */

static void put_shape_fields(struct frame *f, const struct shape *shape);

/* The smallest count a list may have, but at least one element when it may. */
static uint32_t list_count(const struct field *field)
{
    if (field->min > 0)
        return (uint32_t)field->min;
    return field->max >= 1 ? 1 : 0;
}

static void put_shape_element(struct frame *f, const struct shape *shape)
{
    if (!shape->bare && !shape->flat)
        msgpack_pack_array(&f->pk, shape->n_fields);
    put_shape_fields(f, shape);
}

/* One plausible value for a field: 1 where allowed (else the bound nearest it), "x", one
 * byte, lists with one element. A reply body is an empty list, which fits a reply to SUBMIT
 * (the request field gets 1). */
static void put_shape_field(struct frame *f, const struct field *field)
{
    static const uint8_t one_byte[] = {0x2a};
    uint32_t count;

    switch (field->kind) {
    case FIELD_UINT:
        msgpack_pack_uint64(&f->pk,
                            field->min > 1 ? (uint64_t)field->min : (field->max >= 1 ? 1 : 0));
        break;
    case FIELD_INT:
        msgpack_pack_int64(&f->pk, field->min > 0
                                       ? field->min
                                       : ((int64_t)field->max < 0 ? (int64_t)field->max : 0));
        break;
    case FIELD_BOOL:
        msgpack_pack_false(&f->pk);
        break;
    case FIELD_STR:
        put_str(f, "x");
        break;
    case FIELD_BIN:
        msgpack_pack_bin_with_body(&f->pk, one_byte, field->max >= 1 ? 1 : 0);
        break;
    case FIELD_LIST:
    case FIELD_MAP:
        count = list_count(field);
        if (field->kind == FIELD_MAP)
            msgpack_pack_map(&f->pk, count);
        else
            msgpack_pack_array(&f->pk, count);
        for (uint32_t i = 0; i < count; i++)
            put_shape_element(f, field->shape);
        break;
    case FIELD_STRUCT:
        msgpack_pack_array(&f->pk, field->shape->n_fields);
        put_shape_fields(f, field->shape);
        break;
    case FIELD_U64_ARRAY:
        msgpack_pack_array(&f->pk, (size_t)field->max);
        for (uint64_t i = 0; i < field->max; i++)
            msgpack_pack_uint64(&f->pk, i);
        break;
    case FIELD_ID_RANGES:
        msgpack_pack_array(&f->pk, 1);
        msgpack_pack_array(&f->pk, 2);
        msgpack_pack_uint64(&f->pk, 1);
        msgpack_pack_uint64(&f->pk, 1);
        break;
    case FIELD_REPLY_BODY:
        msgpack_pack_array(&f->pk, 0);
        break;
    }
}

static void put_shape_fields(struct frame *f, const struct shape *shape)
{
    for (uint32_t i = 0; i < shape->n_fields; i++)
        put_shape_field(f, &shape->fields[i]);
}

/* Start a frame of a known type announcing its fields and extra_fields more. */
static void start_message(struct frame *f, int type, uint32_t extra_fields)
{
    frame_start(f);
    put_head(f, msg_shape(type)->n_fields + extra_fields, type);
}

/* Start a frame of a known type with valid values for all its fields, announcing extra_fields
 * more, which the caller appends. */
static void start_valid_message(struct frame *f, int type, uint32_t extra_fields)
{
    start_message(f, type, extra_fields);
    put_shape_fields(f, msg_shape(type));
}

/* A frame built from the shape of every known type, re-encoded with msg_encode; then every
 * type with a shape must have a valid frame. */
static void emit_shaped_messages(struct corpus *c)
{
    for (int type = 0; type < 256; type++) {
        struct msg *m = NULL;
        struct frame f;
        char name[128];

        if (!msg_shape(type))
            continue;
        start_valid_message(&f, type, 0);
        if (msg_decode(&m, f.bytes.data, f.bytes.len) == 0) {
            snprintf(name, sizeof name, "shape-%02d-%s", type, msg_type_name(type));
            emit_message(c, name, m);
        }
        msg_free(m);
        buf_free(&f.bytes);
        if (!c->covered[type])
            fail(c, "type %d (%s) has no valid frame: add an example to emit_valid_messages", type,
                 msg_type_name(type));
    }
}

/* ---- hostile frames ---- */

/* A few bytes given literally. */
static void emit_bytes(struct corpus *c, const char *name, const char *bytes, size_t len,
                       enum expect expect)
{
    emit_frame(c, name, (const uint8_t *)bytes, len, expect);
}
#define EMIT_LITERAL(c, name, literal, expect)                                                     \
    emit_bytes(c, name, literal, sizeof(literal) - 1, expect)

/* A message of a known type announcing all its fields, followed by the bytes given (the
 * fields it has, from the first). */
static void emit_fields(struct corpus *c, const char *name, int type, const char *fields,
                        size_t len, enum expect expect)
{
    struct frame f;

    start_message(&f, type, 0);
    put_raw(&f, fields, len);
    emit_built(c, name, &f, expect);
}
#define EMIT_FIELDS(c, name, type, literal, expect)                                                \
    emit_fields(c, name, type, literal, sizeof(literal) - 1, expect)

/* A valid message of a known type with one more field: the bytes given. */
static void emit_trailing(struct corpus *c, const char *name, int type, const char *field,
                          size_t len, enum expect expect)
{
    struct frame f;

    start_valid_message(&f, type, 1);
    put_raw(&f, field, len);
    emit_built(c, name, &f, expect);
}
#define EMIT_TRAILING(c, name, type, literal, expect)                                              \
    emit_trailing(c, name, type, literal, sizeof(literal) - 1, expect)

/* A HEARTBEAT whose version is the bytes given. */
static void emit_version(struct corpus *c, const char *name, const char *version, size_t len,
                         enum expect expect)
{
    const struct shape *shape = msg_shape(MSG_HEARTBEAT);
    struct frame f;

    frame_start(&f);
    msgpack_pack_array(&f.pk, 2 + shape->n_fields);
    put_raw(&f, version, len);
    msgpack_pack_uint8(&f.pk, MSG_HEARTBEAT);
    put_shape_fields(&f, shape);
    emit_built(c, name, &f, expect);
}
#define EMIT_VERSION(c, name, literal, expect)                                                     \
    emit_version(c, name, literal, sizeof(literal) - 1, expect)

/* Counts and lengths that announce far more than the frame holds, at the top and in fields. */
static void emit_huge_announcements(struct corpus *c)
{
    const struct field *specs = &msg_shape(MSG_SUBMIT)->fields[1];
    struct frame f;

    /* 5 bytes each: the top object announces ~4 billion elements or bytes */
    EMIT_LITERAL(c, "huge-top-array32", "\xdd\xff\xff\xff\xff", EXPECT_REFUSED);
    EMIT_LITERAL(c, "huge-top-map32", "\xdf\xff\xff\xff\xff", EXPECT_REFUSED);
    EMIT_LITERAL(c, "huge-top-str32", "\xdb\xff\xff\xff\xff", EXPECT_REFUSED);
    EMIT_LITERAL(c, "huge-top-bin32", "\xc6\xff\xff\xff\xff", EXPECT_REFUSED);
    EMIT_LITERAL(c, "huge-top-ext32", "\xc9\xff\xff\xff\xff\x01", EXPECT_REFUSED);
    EMIT_LITERAL(c, "huge-top-array16", "\xdc\xff\xff", EXPECT_REFUSED);
    EMIT_LITERAL(c, "huge-top-map16", "\xde\xff\xff", EXPECT_REFUSED);
    EMIT_LITERAL(c, "huge-top-fields-array32", "\xdd\xff\xff\xff\xff\x01\x1f\x00", EXPECT_REFUSED);
    /* right after the type */
    EMIT_LITERAL(c, "huge-after-type-array32", "\x93\x01\x01\xdd\xff\xff\xff\xff", EXPECT_REFUSED);
    EMIT_LITERAL(c, "huge-after-type-map32", "\x93\x01\x01\xdf\xff\xff\xff\xff", EXPECT_REFUSED);
    EMIT_LITERAL(c, "huge-after-type-str32", "\x93\x01\x01\xdb\xff\xff\xff\xff", EXPECT_REFUSED);
    EMIT_LITERAL(c, "huge-after-type-bin32", "\x93\x01\x01\xc6\xff\xff\xff\xff", EXPECT_REFUSED);
    /* in the fields that hold lists, maps, strings and bytes */
    EMIT_FIELDS(c, "huge-submit-specs-array32", MSG_SUBMIT, "\x00\xdd\xff\xff\xff\xff",
                EXPECT_REFUSED);
    EMIT_FIELDS(c, "huge-submit-specs-array32-fits", MSG_SUBMIT, "\x00\xdd\x00\x00\x00\x04\x90",
                EXPECT_REFUSED);
    EMIT_FIELDS(c, "huge-cancel-ids-array32", MSG_CANCEL, "\x00\xdd\xff\xff\xff\xff\x00",
                EXPECT_REFUSED);
    EMIT_FIELDS(c, "huge-cancel-ids-past-cap", MSG_CANCEL, "\x00\xdd\x00\x01\x86\xa1\x00",
                EXPECT_REFUSED);
    EMIT_FIELDS(c, "huge-drain-name-str32", MSG_DRAIN, "\x00\xdb\xff\xff\xff\xff", EXPECT_REFUSED);
    EMIT_FIELDS(c, "huge-register-labels-map32", MSG_REGISTER,
                "\xa1n\xa1i\x01\x00\xdf\xff\xff\xff\xff\x90\xa1v", EXPECT_REFUSED);
    EMIT_FIELDS(c, "huge-register-running-array32", MSG_REGISTER,
                "\xa1n\xa1i\x01\x00\x80\xdd\xff\xff\xff\xff\xa1v", EXPECT_REFUSED);
    EMIT_FIELDS(c, "huge-reply-jobs-array32", MSG_REPLY, "\x00\x02\x00\xa0\xdd\xff\xff\xff\xff",
                EXPECT_REFUSED);
    EMIT_FIELDS(c, "huge-reply-submit-ranges-array32", MSG_REPLY,
                "\x00\x01\x00\xa0\xdd\xff\xff\xff\xff", EXPECT_REFUSED);
    EMIT_FIELDS(c, "huge-reply-logs-bin32", MSG_REPLY,
                "\x00\x04\x00\xa0\x92\xc6\xff\xff\xff\xff\xc2", EXPECT_REFUSED);
    EMIT_FIELDS(c, "huge-reply-error-body-map32", MSG_REPLY, "\x00\x03\xfb\xa0\xdf\xff\xff\xff\xff",
                EXPECT_REFUSED);
    EMIT_FIELDS(c, "huge-result-out-bin32", MSG_JOB_RESULT,
                "\x01\x01\x02\x00\x00\xa0\x00\x00\x00\xc6\xff\xff\xff\xff\xc2\xc4\x00\xc2",
                EXPECT_REFUSED);
    /* a trailing field (skipped, not decoded) that announces too much */
    EMIT_TRAILING(c, "huge-trailing-array32", MSG_HEARTBEAT, "\xdd\xff\xff\xff\xff",
                  EXPECT_REFUSED);
    EMIT_TRAILING(c, "huge-trailing-map32", MSG_HEARTBEAT, "\xdf\xff\xff\xff\xff", EXPECT_REFUSED);
    EMIT_TRAILING(c, "huge-trailing-ext32", MSG_HEARTBEAT, "\xc9\xff\xff\xff\xff\x01",
                  EXPECT_REFUSED);

    /* a job spec whose argv holds one string of 4 GB, announced in 5 bytes */
    start_message(&f, MSG_SUBMIT, 0);
    msgpack_pack_uint8(&f.pk, 1);
    msgpack_pack_array(&f.pk, 1);
    msgpack_pack_array(&f.pk, specs->shape->n_fields);
    put_str(&f, "");
    put_str(&f, "alice");
    for (int i = 0; i < 5; i++) /* cpus, mem, time_limit, priority, retries */
        msgpack_pack_uint8(&f.pk, 1);
    put_str(&f, "");
    msgpack_pack_bin(&f.pk, 0);
    msgpack_pack_array(&f.pk, 1);
    put_raw(&f, "\xdb\xff\xff\xff\xff", 5);
    emit_built(c, "huge-spec-argv-str32", &f, EXPECT_REFUSED);
}

/* Nesting far deeper than any message, where it is skipped and where it is decoded. */
static void emit_deep_nesting(struct corpus *c)
{
    struct frame f;

    start_valid_message(&f, MSG_HEARTBEAT, 1); /* legal msgpack, skipped without recursion */
    put_repeated(&f, 0x91, DEEP_LEVELS);
    msgpack_pack_nil(&f.pk);
    emit_built(c, "deep-trailing-array-100000", &f, EXPECT_OK);

    start_valid_message(&f, MSG_HEARTBEAT, 1); /* the same, never closed */
    put_repeated(&f, 0x91, DEEP_LEVELS);
    emit_built(c, "deep-trailing-array-unclosed", &f, EXPECT_REFUSED);

    start_valid_message(&f, MSG_HEARTBEAT, 1); /* maps in keys: {{{nil: nil}: nil}: nil} */
    put_repeated(&f, 0x81, DEEP_LEVELS / 10);
    put_repeated(&f, 0xc0, DEEP_LEVELS / 10 + 1);
    emit_built(c, "deep-trailing-map-keys-10000", &f, EXPECT_OK);

    frame_start(&f); /* the whole frame */
    put_repeated(&f, 0x91, DEEP_LEVELS);
    msgpack_pack_nil(&f.pk);
    emit_built(c, "deep-top-array-100000", &f, EXPECT_REFUSED);

    start_message(&f, MSG_REPLY, 0); /* the body of a failed reply, which is skipped */
    msgpack_pack_uint8(&f.pk, 1);
    msgpack_pack_uint8(&f.pk, MSG_SHOW);
    msgpack_pack_int32(&f.pk, COHORT_ENOENT);
    put_str(&f, "no job");
    put_repeated(&f, 0x91, DEEP_LEVELS / 10);
    msgpack_pack_nil(&f.pk);
    emit_built(c, "deep-reply-error-body-10000", &f, EXPECT_OK);

    start_message(&f, MSG_SUBMIT, 0); /* where SUBMIT wants its specs */
    msgpack_pack_uint8(&f.pk, 1);
    put_repeated(&f, 0x91, DEEP_LEVELS / 10);
    msgpack_pack_nil(&f.pk);
    emit_built(c, "deep-submit-specs-10000", &f, EXPECT_REFUSED);
}

/* Wrong versions and types, bad values, and bytes around a valid frame. */
static void emit_malformed(struct corpus *c)
{
    static const int unknown_types[] = {0, 11, 19, 21, 29, 39, 45, 99, 127, 255};
    struct frame f;
    char name[64];

    EMIT_VERSION(c, "version-1", "\x01", EXPECT_OK);
    EMIT_VERSION(c, "version-1-as-u64", "\xcf\x00\x00\x00\x00\x00\x00\x00\x01", EXPECT_OK);
    EMIT_VERSION(c, "version-0", "\x00", EXPECT_REFUSED);
    EMIT_VERSION(c, "version-2", "\x02", EXPECT_REFUSED);
    EMIT_VERSION(c, "version-255", "\xcc\xff", EXPECT_REFUSED);
    EMIT_VERSION(c, "version-257", "\xcd\x01\x01", EXPECT_REFUSED);
    EMIT_VERSION(c, "version-u64-max", "\xcf\xff\xff\xff\xff\xff\xff\xff\xff", EXPECT_REFUSED);
    EMIT_VERSION(c, "version-minus-1", "\xff", EXPECT_REFUSED);
    EMIT_VERSION(c, "version-str", "\xa1\x31", EXPECT_REFUSED);
    EMIT_VERSION(c, "version-nil", "\xc0", EXPECT_REFUSED);
    EMIT_VERSION(c, "version-float", "\xcb\x3f\xf0\x00\x00\x00\x00\x00\x00", EXPECT_REFUSED);
    EMIT_LITERAL(c, "version-only", "\x91\x01", EXPECT_REFUSED);
    EMIT_LITERAL(c, "type-256", "\x93\x01\xcd\x01\x00\x03", EXPECT_REFUSED);
    EMIT_LITERAL(c, "type-str", "\x93\x01\xa6submit\x03", EXPECT_REFUSED);
    EMIT_LITERAL(c, "type-negative", "\x93\x01\xe1\x03", EXPECT_REFUSED);
    for (size_t i = 0; i < sizeof unknown_types / sizeof unknown_types[0]; i++) {
        if (msg_shape(unknown_types[i]))
            continue; /* a type that has been given a meaning since */
        frame_start(&f);
        put_head(&f, 1, unknown_types[i]);
        msgpack_pack_uint8(&f.pk, 0);
        snprintf(name, sizeof name, "type-unknown-%d", unknown_types[i]);
        emit_built(c, name, &f, EXPECT_REFUSED);
    }

    EMIT_LITERAL(c, "empty", "", EXPECT_REFUSED);
    EMIT_LITERAL(c, "empty-array", "\x90", EXPECT_REFUSED);
    EMIT_LITERAL(c, "not-an-array", "\x81\x01\x1f", EXPECT_REFUSED);
    EMIT_LITERAL(c, "too-few-fields", "\x92\x01\x1f", EXPECT_REFUSED);
    EMIT_FIELDS(c, "reserved-byte-c1", MSG_HEARTBEAT, "\xc1", EXPECT_REFUSED);
    EMIT_TRAILING(c, "trailing-reserved-byte-c1", MSG_HEARTBEAT, "\xc1", EXPECT_REFUSED);
    start_valid_message(&f, MSG_HEARTBEAT, 0);
    put_raw(&f, "\x00", 1);
    emit_built(c, "trailing-byte", &f, EXPECT_REFUSED);
    start_valid_message(&f, MSG_HEARTBEAT, 0);
    {
        uint8_t first[64];
        size_t len = f.bytes.len < sizeof first ? f.bytes.len : sizeof first;
        memcpy(first, f.bytes.data, len);
        put_raw(&f, first, len);
    }
    emit_built(c, "two-frames", &f, EXPECT_REFUSED);
    start_valid_message(&f, MSG_GOODBYE, 2);
    put_raw(&f, "\xc0\xa1x", 3);
    emit_built(c, "goodbye-extra-fields", &f, EXPECT_OK);

    /* integers: wider encodings than needed are legal; out of range, wrong sign or kind not */
    EMIT_FIELDS(c, "int-u64-encoded-small", MSG_HEARTBEAT, "\xcf\x00\x00\x00\x00\x00\x00\x00\x03",
                EXPECT_OK);
    EMIT_FIELDS(c, "int-int8-positive", MSG_HEARTBEAT, "\xd0\x03", EXPECT_OK);
    EMIT_FIELDS(c, "int-negative-count", MSG_HEARTBEAT, "\xff", EXPECT_REFUSED);
    EMIT_FIELDS(c, "int-u32-overflow", MSG_HEARTBEAT, "\xcf\x00\x00\x00\x01\x00\x00\x00\x00",
                EXPECT_REFUSED);
    EMIT_FIELDS(c, "int-float", MSG_HEARTBEAT, "\xca\x3f\x80\x00\x00", EXPECT_REFUSED);
    EMIT_FIELDS(c, "int-bool", MSG_HEARTBEAT, "\xc3", EXPECT_REFUSED);
    EMIT_FIELDS(c, "int-truncated-u32", MSG_HEARTBEAT, "\xce\x00\x00", EXPECT_REFUSED);
    EMIT_FIELDS(c, "welcome-zero-heartbeat", MSG_WELCOME, "\x00\x01", EXPECT_REFUSED);
    EMIT_FIELDS(c, "kill-state-6", MSG_KILL, "\x01\x01\x06", EXPECT_REFUSED);
    EMIT_FIELDS(c, "kill-attempt-0", MSG_KILL, "\x01\x00\x04", EXPECT_REFUSED);
    EMIT_FIELDS(c, "logs-stream-0", MSG_LOGS, "\x01\x01\x00", EXPECT_REFUSED);
    EMIT_FIELDS(c, "jobs-mask-past-states", MSG_JOBS, "\x01\x40\x00\x00", EXPECT_REFUSED);
    EMIT_FIELDS(c, "reply-status-positive", MSG_REPLY, "\x00\x09\x01\xa0\xc0", EXPECT_REFUSED);
    EMIT_FIELDS(c, "reply-request-unknown", MSG_REPLY, "\x00\x1e\x00\xa0\xc0", EXPECT_REFUSED);
    EMIT_FIELDS(c, "reply-drain-with-body", MSG_REPLY, "\x00\x09\x00\xa0\x92\x01\x02", EXPECT_OK);
    EMIT_FIELDS(c, "reply-status-five-states", MSG_REPLY,
                "\x00\x08\x00\xa0\x9a\x00\x00\x00\x00\x00\x00\x00\x00\x95\x00\x00\x00\x00\x00"
                "\x00",
                EXPECT_REFUSED);

    /* strings */
    EMIT_FIELDS(c, "str-with-nul", MSG_DRAIN, "\x01\xa3\x61\x00\x62", EXPECT_REFUSED);
    EMIT_FIELDS(c, "str-as-bin", MSG_DRAIN, "\x01\xc4\x01\x61", EXPECT_REFUSED);
    EMIT_FIELDS(c, "str-invalid-utf8", MSG_DRAIN, "\x01\xa2\xc3\x28", EXPECT_OK);
    EMIT_FIELDS(c, "str8-short", MSG_DRAIN, "\x01\xd9\x01\x61", EXPECT_OK);
    for (int too_long = 0; too_long <= 1; too_long++) {
        start_message(&f, MSG_DRAIN, 0);
        msgpack_pack_uint8(&f.pk, 1);
        msgpack_pack_str(&f.pk, PROTO_MAX_STR + too_long);
        put_repeated(&f, 'w', PROTO_MAX_STR + too_long);
        emit_built(c, too_long ? "str-past-cap" : "str-at-cap", &f,
                   too_long ? EXPECT_REFUSED : EXPECT_OK);
    }

    /* a field added later (SUBMIT's idem_key) may be left out by an older peer */
    {
        const struct shape *submit = msg_shape(MSG_SUBMIT);

        frame_start(&f);
        put_head(&f, 2, MSG_SUBMIT);
        msgpack_pack_uint8(&f.pk, 1);
        put_shape_field(&f, &submit->fields[1]);
        emit_built(c, "submit-without-idem-key", &f, EXPECT_OK);
        for (int too_long = 0; too_long <= 1; too_long++) {
            start_message(&f, MSG_SUBMIT, 0);
            msgpack_pack_uint8(&f.pk, 1);
            put_shape_field(&f, &submit->fields[1]);
            msgpack_pack_str(&f.pk, PROTO_MAX_IDEM_KEY + too_long);
            put_repeated(&f, 'k', PROTO_MAX_IDEM_KEY + too_long);
            for (uint32_t i = 3; i < submit->n_fields; i++)
                put_shape_field(&f, &submit->fields[i]);
            emit_built(c, too_long ? "idem-key-past-cap" : "idem-key-at-cap", &f,
                       too_long ? EXPECT_REFUSED : EXPECT_OK);
        }
    }

    /* requests that msg_peek_request reads but msg_decode refuses, and the reverse */
    EMIT_FIELDS(c, "peek-submit-spec-not-list", MSG_SUBMIT, "\xcd\x30\x39\xa7garbage",
                EXPECT_REFUSED);
    EMIT_FIELDS(c, "peek-cancel-cut-short", MSG_CANCEL, "\xcf\x00\x00\x00\x00\x00\x00\x00\x07",
                EXPECT_REFUSED);
    EMIT_LITERAL(c, "peek-jobs-no-req-id", "\x92\x01\x02", EXPECT_REFUSED);
    EMIT_LITERAL(c, "peek-reply-not-request", "\x93\x01\x14\x05", EXPECT_REFUSED);

    /* lists and maps */
    EMIT_FIELDS(c, "map-value-not-str", MSG_REGISTER, "\xa1n\xa1i\x01\x00\x81\xa1k\x90\x90\xa1v",
                EXPECT_REFUSED);
    EMIT_FIELDS(c, "map-int-key", MSG_REGISTER, "\xa1n\xa1i\x01\x00\x81\x01\xa1v\x90\xa1v",
                EXPECT_REFUSED);
    EMIT_FIELDS(c, "submit-no-specs", MSG_SUBMIT, "\x01\x90", EXPECT_REFUSED);
    EMIT_FIELDS(c, "id-range-short-pair", MSG_REPLY, "\x00\x01\x00\xa0\x91\x91\x01",
                EXPECT_REFUSED);

    /* checks across fields: RUN with an array spec (encoded valid, then flipped on the wire) */
    {
        struct msg m = {.type = MSG_RUN};
        struct buf frame;
        uint8_t *flag;

        m.u.run =
            (struct msg_run){.job_id = 1, .attempt = 1, .array_index = -1, .spec = spec_full()};
        m.u.run.spec.is_array = false;
        buf_init(&frame, FRAME_MAX);
        if (msg_encode(&frame, &m) == 0 && (flag = memchr(frame.data, 0xc2, frame.len))) {
            *flag = 0xc3; /* is_array is the only false in this message */
            emit_frame(c, "run-array-spec", frame.data, frame.len, EXPECT_REFUSED);
        } else {
            fail(c, "run-array-spec: cannot build it");
        }
        buf_free(&frame);
    }
}

int main(int argc, char **argv)
{
    struct corpus c = {0};

    if (argc == 3 && strcmp(argv[1], "--check") == 0) {
        c.check = true;
        c.dir = argv[2];
    } else if (argc == 2 && argv[1][0] != '-') {
        c.dir = argv[1];
        if (mkdir(c.dir, 0777) < 0 && errno != EEXIST) {
            fprintf(stderr, "gen_corpus: cannot make %s: %s\n", c.dir, strerror(errno));
            return 1;
        }
    } else {
        fprintf(stderr, "usage: %s DIR | --check DIR\n", argv[0]);
        return 2;
    }
    emit_valid_messages(&c);
    emit_shaped_messages(&c);
    emit_huge_announcements(&c);
    emit_deep_nesting(&c);
    emit_malformed(&c);
    if (c.failures) {
        fprintf(stderr, "gen_corpus: %u failure%s\n", c.failures, c.failures == 1 ? "" : "s");
        return 1;
    }
    printf("gen_corpus: %u files %s %s\n", c.written, c.check ? "match in" : "written to", c.dir);
    return 0;
}
