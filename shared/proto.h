/* proto.h — the Cohort wire protocol: message types, their fields, encode and decode. */
#ifndef COHORT_PROTO_H
#define COHORT_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cohort.h"

/*
 * Every message is one ZeroMQ frame holding one msgpack array:
 *
 *     [PROTO_VERSION, type, field, field, ...]
 *
 * Fields are positional, in the order of the struct that describes the message below.
 * A decoder rejects a message with fewer fields than it needs and ignores extra trailing
 * fields (so a newer peer may append fields). A field appended later is optional: when an
 * older peer leaves it out it decodes as 0, false or "" (documented at the field). Strings are
 * msgpack str, byte blobs are msgpack bin, lists are msgpack arrays, structs nested in lists are
 * msgpack arrays of their fields, string maps (labels) are msgpack maps. Times are int64
 * milliseconds since the Unix epoch (0 = not yet). Sizes are uint64 bytes.
 *
 * Direction:    client -> scheduler: SUBMIT .. BACKUP, answered by one REPLY
 *               worker -> scheduler: REGISTER, HEARTBEAT, JOB_STARTED, JOB_RESULT, GOODBYE,
 *                                    LEAVING
 *               scheduler -> worker: WELCOME, HEARTBEAT, RUN, KILL, RESULT_ACK, REREGISTER,
 *                                    TAKE_BACK
 */

#define PROTO_VERSION 1

/* Caps enforced by the decoder (and by encoders of user input) */
#define PROTO_MAX_MSG (32u << 20) /* one frame; also ZMQ_MAXMSGSIZE */
#define PROTO_MAX_STR (64u << 10) /* one string field */
#define PROTO_MAX_ARGS 4096u      /* argv entries of a job */
/* bytes of a job's argv strings together (their NULs not counted) */
#define PROTO_MAX_COMMAND_BYTES (256u << 10)
#define PROTO_MAX_ENV 1024u         /* env entries of a job */
#define PROTO_MAX_LABELS 64u        /* labels of a worker */
#define PROTO_MAX_STDIN (4u << 20)  /* stdin bytes of a job */
#define PROTO_MAX_OUTPUT (8u << 20) /* bytes of one captured stream in one message */
#define PROTO_MAX_SPECS 10000u      /* job specs in one SUBMIT */
#define PROTO_MAX_ARRAY 10000000u   /* jobs in one array spec */
#define PROTO_MAX_IDS 100000u       /* job ids in one CANCEL or WAIT */
#define PROTO_MAX_ROWS 100000u      /* rows in one list reply */
#define PROTO_MAX_RUNNING 4096u     /* (job, attempt) pairs in one REGISTER */
#define PROTO_MAX_IDEM_KEY 64u      /* bytes of a SUBMIT's idempotency key */
#define PROTO_MAX_ACKS 256u         /* results acknowledged by one RUN */

enum msg_type {
    /* client -> scheduler */
    MSG_SUBMIT = 1,
    MSG_JOBS = 2,
    MSG_SHOW = 3,
    MSG_LOGS = 4,
    MSG_CANCEL = 5,
    MSG_WAIT = 6,
    MSG_WORKERS = 7,
    MSG_STATUS = 8,
    MSG_DRAIN = 9,
    MSG_RESUME = 10,
    MSG_BACKUP = 11, /* copy the database into the scheduler's state dir */
    /* scheduler -> client */
    MSG_REPLY = 20,
    /* worker -> scheduler */
    MSG_REGISTER = 30,
    MSG_HEARTBEAT = 31, /* both ways: the worker's beat, and the scheduler's answer */
    MSG_JOB_STARTED = 32,
    MSG_JOB_RESULT = 33,
    MSG_GOODBYE = 34,
    MSG_LEAVING = 35, /* the worker stops taking work and will say GOODBYE within grace_ms */
    /* scheduler -> worker */
    MSG_WELCOME = 40,
    MSG_RUN = 41,
    MSG_KILL = 42,
    MSG_RESULT_ACK = 43,
    MSG_REREGISTER = 44,
    MSG_TAKE_BACK = 45, /* give back a job the worker holds but has not started */
};

/* What a user asks to run. In a SUBMIT one spec may stand for an array of jobs. */
struct job_spec {
    const char *name;          /* "" when not given */
    const char *user;          /* submitting user's login name */
    uint32_t cpus;             /* >= 1 */
    uint64_t mem;              /* bytes; 0 = no memory request */
    uint32_t time_limit;       /* seconds; 0 = none */
    int32_t priority;          /* higher runs first */
    uint32_t retries;          /* re-runs allowed after lost workers */
    const char *cwd;           /* working dir on the worker; "" = the worker's job spool dir */
    const uint8_t *stdin_data; /* bytes fed to the job's stdin (may be NULL when len is 0) */
    uint32_t stdin_len;
    uint32_t argc; /* >= 1 */
    const char **argv;
    uint32_t envc;
    const char **env;     /* "KEY=VALUE" entries the user added */
    bool is_array;        /* one job per index in [array_first, array_last] */
    uint32_t array_first; /* only when is_array */
    uint32_t array_last;  /* only when is_array; >= array_first */
};
/* wire: [name, user, cpus, mem, time_limit, priority, retries, cwd, stdin(bin), argv[], env[],
 *        is_array, array_first, array_last] */

/* A (job, attempt) pair: the unit of fencing. */
struct job_attempt {
    uint64_t job_id;
    uint32_t attempt; /* 1 for the first run */
};
/* wire: [job_id, attempt] */

/* One earlier or current run of a job (in SHOW replies). */
struct attempt_info {
    uint32_t attempt;
    const char *worker;
    uint8_t state;     /* cohort_job_state_t this attempt ended in; RUNNING while it runs; PENDING
                          when its worker was lost */
    int32_t exit_code; /* -1 when none */
    int32_t signal;    /* 0 when none */
    const char *reason;
    int64_t started_at, finished_at;
    uint64_t cpu_time_ms; /* user + system CPU time of the whole process group */
};
/* wire: [attempt, worker, state, exit_code, signal, reason, started_at, finished_at, cpu_time_ms]
 */

/* Everything known about a job, as the scheduler reports it. */
struct job_info {
    uint64_t id;
    const char *name;
    const char *user;
    uint8_t state;      /* cohort_job_state_t */
    int32_t exit_code;  /* -1 when none */
    int32_t signal;     /* 0 when none */
    const char *reason; /* why pending, or why it ended; "" when nothing to say */
    uint32_t cpus;
    uint64_t mem;
    int32_t priority;
    uint32_t time_limit;
    uint32_t retries;
    const char *worker;  /* "" when none */
    uint32_t attempts;   /* runs started so far */
    int64_t array_index; /* -1 when not part of an array */
    int64_t submitted_at, started_at, finished_at;
    uint64_t cpu_time_ms;
    const char *cwd;
    uint32_t argc;
    const char **argv;
    uint32_t envc;
    const char **env;
    uint32_t n_attempt_list; /* filled in SHOW replies only; 0 in lists */
    struct attempt_info *attempt_list;
};
/* wire: [id, name, user, state, exit_code, signal, reason, cpus, mem, priority, time_limit,
 *        retries, worker, attempts, array_index, submitted_at, started_at, finished_at,
 *        cpu_time_ms, cwd, argv[], env[], attempt_list[]] */

struct label {
    const char *key;
    const char *value;
};

struct worker_info {
    const char *name;
    uint8_t state; /* cohort_worker_state_t */
    uint32_t cpus, cpus_used;
    uint64_t mem, mem_used;
    uint32_t running; /* jobs running there */
    uint32_t n_labels;
    struct label *labels;
    int64_t last_seen;
};
/* wire: [name, state, cpus, cpus_used, mem, mem_used, running, {labels}, last_seen] */

struct status_info {
    uint32_t workers_total, workers_up, workers_draining, workers_down;
    uint64_t cpus_total, cpus_used;
    uint64_t mem_total, mem_used;
    uint64_t jobs[COHORT_JOB_STATE_COUNT]; /* count per cohort_job_state_t */
    uint64_t finished_last_minute;         /* jobs that ended in the last 60 s */
};
/* wire: [workers_total, workers_up, workers_draining, workers_down, cpus_total, cpus_used,
 *        mem_total, mem_used, [jobs x6], finished_last_minute] */

/* ---- client requests; every one carries a req_id that its REPLY echoes ---- */

struct msg_submit {
    uint64_t req_id;
    uint32_t n_specs; /* 1..PROTO_MAX_SPECS */
    struct job_spec *specs;
    const char *idem_key; /* "" = none; else at most PROTO_MAX_IDEM_KEY bytes naming this
                             submission: one whose key the scheduler already stored is
                             answered with the stored ids and stores nothing. Optional on
                             the wire (older clients send no key: decoded as "") */
};                        /* wire: [req_id, [spec...], idem_key] */

struct msg_jobs {
    uint64_t req_id;
    uint32_t state_mask; /* bit (1 << state) per wanted state; 0 = pending and running */
    uint32_t limit;      /* 0 = PROTO_MAX_ROWS */
    uint64_t after_id;   /* only jobs with a larger id (for paging) */
};                       /* wire: [req_id, state_mask, limit, after_id] */

struct msg_job_ref { /* SHOW */
    uint64_t req_id;
    uint64_t job_id;
}; /* wire: [req_id, job_id] */

struct msg_logs {
    uint64_t req_id;
    uint64_t job_id;
    uint8_t stream; /* cohort_stream_t */
};                  /* wire: [req_id, job_id, stream] */

struct msg_job_ids { /* CANCEL and WAIT */
    uint64_t req_id;
    uint32_t n_ids;
    uint64_t *ids;
    uint32_t timeout_ms; /* WAIT only: answer with COHORT_ETIMEDOUT after this; 0 = now */
};                       /* wire: [req_id, [id...], timeout_ms] */

struct msg_simple { /* WORKERS and STATUS */
    uint64_t req_id;
}; /* wire: [req_id] */

struct msg_worker_ref { /* DRAIN and RESUME */
    uint64_t req_id;
    const char *name;
}; /* wire: [req_id, name] */

/* The answer to one client request. `request` is the type it answers and says which body
 * is filled; when status < 0 only `error` is meaningful. */
struct msg_reply {
    uint64_t req_id;
    uint8_t request;   /* enum msg_type of the request */
    int32_t status;    /* 0 or a COHORT_E* code */
    const char *error; /* one sentence saying why, "" on success */
    union {
        struct { /* SUBMIT: ids of spec i are first_ids[i] .. first_ids[i] + counts[i] - 1 */
            uint32_t n;
            uint64_t *first_ids;
            uint32_t *counts;
        } submit; /* wire body: [[first_id, count]...] */
        struct {  /* JOBS (no attempt lists), SHOW (one job, with attempt list), WAIT (the
                     jobs, each ended) */
            uint32_t n;
            struct job_info *jobs;
        } jobs; /* wire body: [job...] */
        struct {
            const uint8_t *data;
            uint32_t len;
            bool truncated; /* the job wrote more than the cap; this is the start */
        } logs;             /* wire body: [data(bin), truncated] */
        struct {            /* CANCEL: one status per requested id, in request order */
            uint32_t n;
            int32_t *codes; /* 0, COHORT_ENOENT, or COHORT_ESTATE (already ended) */
        } cancel;           /* wire body: [code...] */
        struct {
            uint32_t n;
            struct worker_info *workers;
        } workers;                 /* wire body: [worker...] */
        struct status_info status; /* wire body: status */
        struct {
            const char *path; /* the copy, on the scheduler's host */
            uint64_t bytes;   /* its size */
        } backup;             /* wire body: [path, bytes] */
        /* DRAIN, RESUME: no body (wire: nil) */
    } u;
}; /* wire: [req_id, request, status, error, body] */

/* ---- worker <-> scheduler ---- */

struct msg_register {
    const char *name;
    const char *instance_id; /* new every time the worker process starts */
    uint32_t cpus;
    uint64_t mem;
    uint32_t n_labels;
    struct label *labels;
    uint32_t n_running; /* attempts the worker still runs, holds results for, or has staged */
    struct job_attempt *running;
    const char *version;
    uint32_t n_staged; /* those of running not started yet, waiting for cpus, in the order the
                          worker starts them (optional on the wire: none when missing) */
    struct job_attempt *staged;
    bool acks_in_run; /* it takes the acknowledgements a RUN carries; else each is sent alone
                         as RESULT_ACK (optional on the wire: false) */
}; /* wire: [name, instance_id, cpus, mem, {labels}, [[job, attempt]...], version,
            [[job, attempt]...], acks_in_run] */

struct msg_welcome {
    uint32_t heartbeat_ms; /* how often the worker must beat */
    uint32_t lease_ms;     /* silence after which the scheduler gives its jobs away */
};                         /* wire: [heartbeat_ms, lease_ms] */

struct msg_heartbeat {
    uint32_t n_running; /* worker -> scheduler: jobs running; scheduler -> worker: 0 */
};                      /* wire: [n_running] */

struct msg_kill { /* also used for RESULT_ACK and TAKE_BACK */
    uint64_t job_id;
    uint32_t attempt;
    uint8_t state; /* KILL: CANCELLED for a user's cancel, FAILED for a stale attempt;
                      TAKE_BACK: PENDING */
};                 /* wire: [job_id, attempt, state] */

struct msg_run {
    uint64_t job_id;
    uint32_t attempt;
    int64_t array_index;  /* -1 when not in an array */
    struct job_spec spec; /* is_array false; the worker sees one job */
    bool staged;     /* the scheduler counts the worker's cpus as taken: start it after the jobs
                        staged before it, once it fits (optional on the wire: false) */
    uint32_t n_acks; /* results this RUN also acknowledges, each as a RESULT_ACK would; only
                        to a worker that said acks_in_run (optional on the wire: none) */
    struct msg_kill *acks;
}; /* wire: [job_id, attempt, array_index, spec, staged, [[job_id, attempt, state]...]] */

struct msg_job_started {
    uint64_t job_id;
    uint32_t attempt;
    int64_t started_at;
}; /* wire: [job_id, attempt, started_at] */

struct msg_job_result {
    uint64_t job_id;
    uint32_t attempt;
    uint8_t state;      /* COMPLETED, FAILED, CANCELLED (killed on request) or TIMEOUT */
    int32_t exit_code;  /* -1 when killed by a signal or never started */
    int32_t signal;     /* 0 when it exited */
    const char *reason; /* "" or why it failed (e.g. "cannot execute 'x': No such file") */
    int64_t started_at, finished_at;
    uint64_t cpu_time_ms;
    const uint8_t *out;
    uint32_t out_len;
    bool out_truncated;
    const uint8_t *err;
    uint32_t err_len;
    bool err_truncated;
    bool fenced;   /* the worker killed it itself after hearing nothing from the scheduler;
                    * the job was not at fault (optional on the wire: false when missing) */
    bool returned; /* the attempt never started: the worker gave it back (TAKE_BACK, or a stop)
                    * and the job may run elsewhere at no cost (optional: false) */
}; /* wire: [job_id, attempt, state, exit_code, signal, reason, started_at, finished_at,
            cpu_time_ms, out(bin), out_truncated, err(bin), err_truncated, fenced, returned] */

struct msg_leaving {
    uint32_t grace_ms; /* how long the worker lets its running jobs finish; 0 = kills them */
};                     /* wire: [grace_ms] */

/* A decoded message. Owns one allocation holding the struct and copies of all its strings
 * (NUL-terminated) and arrays; nothing points into the frame it came from. */
struct msg {
    uint8_t type; /* enum msg_type */
    union {
        struct msg_submit submit;
        struct msg_jobs jobs;
        struct msg_job_ref show;
        struct msg_logs logs;
        struct msg_job_ids cancel;
        struct msg_job_ids wait;
        struct msg_simple workers;
        struct msg_simple status;
        struct msg_worker_ref drain;
        struct msg_worker_ref resume;
        struct msg_simple backup;
        struct msg_reply reply;
        struct msg_register reg;
        struct msg_heartbeat heartbeat;
        struct msg_job_started started;
        struct msg_job_result result;
        struct msg_welcome welcome;
        struct msg_run run;
        struct msg_kill kill;
        struct msg_kill result_ack;
        struct msg_kill take_back;
        struct msg_leaving leaving;
        /* GOODBYE, REREGISTER: no fields (wire: just [version, type]) */
    } u;
};

/* Decode one frame. On success *out holds a message the caller frees with msg_free and 0 is
 * returned. On failure *out is NULL and COHORT_EPROTO (malformed, wrong version, unknown
 * type, a cap exceeded, a count larger than the bytes that remain) or COHORT_ENOMEM is
 * returned. Never allocates more than a small multiple of len. */
int msg_decode(struct msg **out, const void *frame, size_t len);

/* msg_decode that also says why a frame was refused: on failure, when why is not NULL, it
 * receives one short phrase ("field 'cpus' must be at least 1"). */
int msg_decode_v2(struct msg **out, const void *frame, size_t len, char *why, size_t why_len);

/* Read only the version, type and req_id of a frame that may not decode, so that even a
 * malformed client request can be answered. Returns 0 with *type (SUBMIT .. RESUME) and
 * *req_id set, or COHORT_EPROTO when the frame is not [PROTO_VERSION, client request type,
 * req_id, ...] (outputs unchanged). Reads at most a few bytes; never allocates. */
int msg_peek_request(const void *frame, size_t len, uint8_t *type, uint64_t *req_id);

/* Free a decoded message. NULL is a no-op. */
void msg_free(struct msg *m);

/* Append the encoding of m to out (which is not reset first). Returns 0, or COHORT_ETOOBIG
 * when the result would pass out's cap or a string, bin or list passes its cap above, or
 * COHORT_EINVAL when a field breaks a rule documented here that the decoder enforces (an
 * unknown type, cpus 0, argc 0, a state out of range...), or COHORT_ENOMEM; on failure out
 * is restored to its old length. NULL strings are sent as "". The message is not changed. */
int msg_encode(struct buf *out, const struct msg *m);

/* Name of a message type for logs ("submit", "result", ...); "unknown" for others. */
const char *msg_type_name(int type);

/* Name of a job state ("pending", ...) / worker state ("up", ...); "unknown" for others. */
const char *job_state_name(int state);
const char *worker_state_name(int state);

/* Parse a job state name; returns the state, or -1 when name is not one. */
int job_state_parse(const char *name);

#endif /* COHORT_PROTO_H */
