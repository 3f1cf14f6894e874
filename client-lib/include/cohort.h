/* cohort.h — the public API of libcohort, the Cohort client library. */
#ifndef COHORT_H
#define COHORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define COHORT_VERSION_MAJOR 0
#define COHORT_VERSION_MINOR 1
#define COHORT_VERSION_PATCH 0
#define COHORT_VERSION_STRING "0.1.0"

#if defined(COHORT_BUILDING_LIBRARY)
#define COHORT_EXPORT __attribute__((visibility("default")))
#else
#define COHORT_EXPORT
#endif

/* Error codes: every function returns 0 (or a count) on success, one of these on failure. */
#define COHORT_OK 0
#define COHORT_ENOMEM (-1)     /* out of memory */
#define COHORT_EINVAL (-2)     /* an argument or a field is not valid */
#define COHORT_EPROTO (-3)     /* a malformed or unexpected message */
#define COHORT_ETIMEDOUT (-4)  /* no answer (or no end) within the timeout */
#define COHORT_ENOENT (-5)     /* no such job or worker */
#define COHORT_EIO (-6)        /* storage failed: the request was not applied */
#define COHORT_ECONNECT (-7)   /* cannot reach the scheduler */
#define COHORT_ESTATE (-8)     /* not possible in the current state (job already ended...) */
#define COHORT_ETOOBIG (-9)    /* a size or count cap was exceeded */
#define COHORT_EPERM (-10)     /* not allowed */
#define COHORT_EINTERNAL (-11) /* a bug: please report it */

/* Job states, in the order a job goes through them. */
typedef enum cohort_job_state {
    COHORT_JOB_PENDING = 0,
    COHORT_JOB_RUNNING = 1,
    COHORT_JOB_COMPLETED = 2, /* exited 0 */
    COHORT_JOB_FAILED = 3,    /* non-zero exit, signal, or retries exhausted */
    COHORT_JOB_CANCELLED = 4,
    COHORT_JOB_TIMEOUT = 5, /* hit its time limit */
} cohort_job_state_t;
#define COHORT_JOB_STATE_COUNT 6

/* Bit of a job state in a state mask (cohort_jobs_list). */
#define COHORT_JOB_STATE_BIT(state) (1u << (unsigned)(state))
#define COHORT_JOB_STATES_ALL ((1u << COHORT_JOB_STATE_COUNT) - 1u)

/* Worker states as the scheduler sees them. */
typedef enum cohort_worker_state {
    COHORT_WORKER_UP = 0,
    COHORT_WORKER_DRAINING = 1, /* up, but gets no new jobs */
    COHORT_WORKER_DOWN = 2,     /* silent past its lease, or gone */
} cohort_worker_state_t;

/* Which captured stream of a job. */
typedef enum cohort_stream {
    COHORT_STREAM_STDOUT = 1,
    COHORT_STREAM_STDERR = 2,
} cohort_stream_t;

/*
 * Conventions
 *
 * - Functions return 0 (or a documented non-negative value) on success and a negative
 *   COHORT_E* code on failure. A function that fails changes nothing its caller can see
 *   except the error struct.
 * - Every function that can fail takes a `cohort_error_t *err` last; it may be NULL. On
 *   failure it receives the code and one sentence saying why (no trailing newline).
 * - Output parameters come first. A returned `const char *` is borrowed from the object it
 *   came from and lives as long as that object; anything the caller must free says so.
 * - Destroy and free functions accept NULL and keep errno.
 * - The library never prints, never exits and installs no signal handlers. A client handle
 *   must not be used by two threads at once; separate handles are independent.
 */

/* Why a call failed. */
typedef struct cohort_error {
    int code;          /* the COHORT_E* code returned, 0 when nothing failed */
    char message[256]; /* one sentence saying why, NUL-terminated */
} cohort_error_t;

/* A short English name for an error code ("no such job or worker"); never NULL. */
COHORT_EXPORT const char *cohort_strerror(int code);

/* The library's version, e.g. "0.1.0" (may differ from COHORT_VERSION_STRING of the header
 * a program was built with). */
COHORT_EXPORT const char *cohort_version(void);

/* Release memory the library handed to the caller (cohort_logs_get data). NULL is a no-op. */
COHORT_EXPORT void cohort_free(void *memory);

/* ---- names and user input ---- */

/* "pending", "running", ... for a job state; "unknown" for other values. Never NULL. */
COHORT_EXPORT const char *cohort_job_state_name(int state);

/* The job state called `name` (as cohort_job_state_name gives it), or COHORT_EINVAL. */
COHORT_EXPORT int cohort_job_state_parse(const char *name);

/* "up", "draining", "down" for a worker state; "unknown" for other values. Never NULL. */
COHORT_EXPORT const char *cohort_worker_state_name(int state);

/* Parse a size such as "512M", "2G", "1.5G" or "1048576" (binary units, a bare number is
 * bytes). Returns 0 and sets *bytes, or COHORT_EINVAL leaving *bytes unchanged. */
COHORT_EXPORT int cohort_parse_size(uint64_t *bytes, const char *text);

/* Parse a duration such as "90" (seconds), "10m", "2h", "1h30m" or "01:30:00". Returns 0 and
 * sets *seconds, or COHORT_EINVAL leaving *seconds unchanged. */
COHORT_EXPORT int cohort_parse_duration(uint64_t *seconds, const char *text);

/* Parse an array range "A-B" (or "A" for one index) with A <= B and at most the number of
 * jobs one array may hold. Returns 0 and sets both, or COHORT_EINVAL changing neither. */
COHORT_EXPORT int cohort_parse_range(uint32_t *first, uint32_t *last, const char *text);

/* Write a size for people ("512M", "1.5G", "0") into out (out_len >= 16). Returns out. */
COHORT_EXPORT char *cohort_format_size(char *out, size_t out_len, uint64_t bytes);

/* Write ms since the epoch as an RFC 3339 UTC time ("2026-11-26T11:02:45.123Z") into out
 * (out_len >= 32). Returns out. */
COHORT_EXPORT char *cohort_format_time(char *out, size_t out_len, int64_t ms);

/* ---- connection ---- */

typedef struct cohort_client cohort_client_t;

/* Prepare a connection to the scheduler at `endpoint` (a ZeroMQ endpoint such as
 * "tcp://host:7700"; NULL means $COHORT_SCHEDULER, else "tcp://127.0.0.1:7700").
 * `timeout_ms` bounds each request (<= 0 means 10000); a request that gets no answer in
 * time fails with COHORT_ETIMEDOUT. Connecting does not wait for the scheduler: the first
 * request finds out whether it answers. The keys come from the environment and the default
 * files (see cohort_client_set_keys); when they cannot be used (no key file, plaintext to a
 * remote scheduler...) connecting still succeeds and every request fails with their error
 * until cohort_client_set_keys gives usable ones. On success *out holds a handle the caller
 * closes with cohort_client_close; on failure *out is NULL and COHORT_EINVAL (bad endpoint),
 * COHORT_ECONNECT or COHORT_ENOMEM is returned. */
COHORT_EXPORT int cohort_client_connect(cohort_client_t **out, const char *endpoint, int timeout_ms,
                                        cohort_error_t *err);

/* Close the connection and free the handle; unanswered requests are dropped. NULL is a
 * no-op. */
COHORT_EXPORT void cohort_client_close(cohort_client_t *client);

/* The endpoint the client talks to (borrowed from the client). */
COHORT_EXPORT const char *cohort_client_endpoint(const cohort_client_t *client);

/* Choose the keys of the connection, in place of those found by cohort_client_connect, and
 * reopen it with them. With a server key (the scheduler's public key: 40 Z85 characters, or
 * the path of a file holding it, such as the scheduler's server.pub) the connection uses
 * CURVE with the key pair in key_file (written by cohort_key_file_create). Without one it is
 * plaintext, allowed only to a scheduler on this machine (tcp://127.x.x.x, tcp://localhost,
 * tcp://[::1], ipc://) or when insecure is non-zero. NULL or "" for key_file or server_key
 * means the default: $COHORT_KEY_FILE and $COHORT_SERVER_KEY, else the files key and
 * server.pub in $XDG_CONFIG_HOME/cohort (else ~/.config/cohort) when they exist; the default
 * server.pub is not used in insecure mode, which $COHORT_INSECURE=1 also asks for. Returns 0,
 * or COHORT_EINVAL (bad server key, no or bad key file) or COHORT_EPERM (a key file others
 * may read; plaintext to a remote scheduler) leaving the client unchanged.
 * A request whose key the scheduler refuses fails with COHORT_EPERM: "the scheduler at
 * ENDPOINT refused this key (not enrolled, or revoked)". One whose handshake the scheduler
 * broke off fails with COHORT_ECONNECT and a sentence saying that it wants CURVE, or that
 * the server key may be wrong (a submission tries again until its deadline, since a
 * scheduler restarting mid-handshake looks the same). */
COHORT_EXPORT int cohort_client_set_keys(cohort_client_t *client, const char *key_file,
                                         const char *server_key, int insecure, cohort_error_t *err);

/* Bytes of a CURVE key as text: 40 Z85 characters and a NUL. */
#define COHORT_KEY_TEXT_SIZE 41

/* Write the path of the default key file, $XDG_CONFIG_HOME/cohort/key (else
 * ~/.config/cohort/key), into path_out (path_len bytes). Returns 0, or COHORT_EINVAL when
 * there is no home directory or the path does not fit. */
COHORT_EXPORT int cohort_key_file_default(char *path_out, size_t path_len, cohort_error_t *err);

/* Create a key file at path holding a fresh CURVE key pair, mode 0600, creating missing
 * parent directories with mode 0700. An existing file is replaced (atomically) only when
 * overwrite is non-zero; else COHORT_ESTATE. On success public_key_out
 * (COHORT_KEY_TEXT_SIZE bytes) holds the new public key, which the scheduler's administrator
 * enrolls; on failure (COHORT_EIO, COHORT_EINTERNAL without CURVE) nothing was written. */
COHORT_EXPORT int cohort_key_file_create(char *public_key_out, const char *path, int overwrite,
                                         cohort_error_t *err);

/* How long a submission keeps trying by default, retries included. */
#define COHORT_DEFAULT_SUBMIT_DEADLINE_MS 60000

/* How submissions ride out a scheduler that does not answer (it restarts, it is stopped, or
 * the request or its answer is lost). Every submission carries a unique key. One that gets
 * no answer within try_ms (<= 0: the timeout given to cohort_client_connect; a large array
 * gets more, as it takes longer to store) is sent again, with the same key, on a fresh
 * connection, after a pause that grows from 0.1 s to 2 s, until total_ms (<= 0:
 * COHORT_DEFAULT_SUBMIT_DEADLINE_MS) have passed since the call began; then it fails with
 * COHORT_ETIMEDOUT. The scheduler answers a key it has already stored with the ids it gave
 * then and stores nothing, so a resent submission never creates a second copy of its jobs.
 * A total no longer than one try sends each submission once. Only submissions are retried.
 * Never fails. */
COHORT_EXPORT int cohort_client_set_retry(cohort_client_t *client, int try_ms, int total_ms,
                                          cohort_error_t *err);

/* ---- job specs: what to run ---- */

typedef struct cohort_job_spec cohort_job_spec_t;

/* Re-runs a job gets by default when its worker is lost (as Slurm and HTCondor requeue). */
#define COHORT_DEFAULT_RETRIES 3

/* Create a spec with the defaults: 1 cpu, no memory request, no time limit, priority 0,
 * 3 retries, no name, the worker's job directory as cwd, empty stdin, no command (one must
 * be set before submitting). On success *out is the caller's, freed with
 * cohort_job_spec_destroy; on failure *out is NULL and COHORT_ENOMEM is returned. */
COHORT_EXPORT int cohort_job_spec_new(cohort_job_spec_t **out, cohort_error_t *err);

/* Free a spec. NULL is a no-op. */
COHORT_EXPORT void cohort_job_spec_destroy(cohort_job_spec_t *spec);

/* The setters below copy what they are given (the caller keeps its strings and bytes). On
 * a bad value they return COHORT_EINVAL or COHORT_ETOOBIG (naming the cap) and leave the
 * spec as it was. */

/* A name for people; NULL or "" clears it. */
COHORT_EXPORT int cohort_job_spec_set_name(cohort_job_spec_t *spec, const char *name,
                                           cohort_error_t *err);

/* The program and its arguments: argc >= 1 non-NULL strings, argv[0] non-empty. The worker
 * looks argv[0] up in PATH when it has no slash. */
COHORT_EXPORT int cohort_job_spec_set_command(cohort_job_spec_t *spec, size_t argc,
                                              const char *const *argv, cohort_error_t *err);

/* Cpus the job needs (>= 1). */
COHORT_EXPORT int cohort_job_spec_set_cpus(cohort_job_spec_t *spec, uint32_t cpus,
                                           cohort_error_t *err);

/* Memory the job needs in bytes; 0 means no request. */
COHORT_EXPORT int cohort_job_spec_set_mem(cohort_job_spec_t *spec, uint64_t bytes,
                                          cohort_error_t *err);

/* Walltime limit in seconds; 0 means none. A job past it is killed and ends as timeout. */
COHORT_EXPORT int cohort_job_spec_set_time_limit(cohort_job_spec_t *spec, uint32_t seconds,
                                                 cohort_error_t *err);

/* Priority: higher runs first; default 0; never fails. */
COHORT_EXPORT int cohort_job_spec_set_priority(cohort_job_spec_t *spec, int32_t priority,
                                               cohort_error_t *err);

/* Re-runs allowed when the job's worker is lost; default COHORT_DEFAULT_RETRIES; never fails. */
COHORT_EXPORT int cohort_job_spec_set_retries(cohort_job_spec_t *spec, uint32_t retries,
                                              cohort_error_t *err);

/* Working directory on the worker; NULL or "" means the worker's job directory. */
COHORT_EXPORT int cohort_job_spec_set_cwd(cohort_job_spec_t *spec, const char *dir,
                                          cohort_error_t *err);

/* Bytes fed to the job's stdin (at most 4 MiB); len 0 clears them. */
COHORT_EXPORT int cohort_job_spec_set_stdin(cohort_job_spec_t *spec, const void *data, size_t len,
                                            cohort_error_t *err);

/* Add one "KEY=VALUE" environment entry (KEY: a letter or _, then letters, digits, _ . -). */
COHORT_EXPORT int cohort_job_spec_add_env(cohort_job_spec_t *spec, const char *key_value,
                                          cohort_error_t *err);

/* Make the spec an array: one job per index in [first, last], each seeing its index in
 * COHORT_ARRAY_INDEX; ids are consecutive. */
COHORT_EXPORT int cohort_job_spec_set_array(cohort_job_spec_t *spec, uint32_t first, uint32_t last,
                                            cohort_error_t *err);

/* Make an array spec a single job again. Never fails. */
COHORT_EXPORT int cohort_job_spec_clear_array(cohort_job_spec_t *spec, cohort_error_t *err);

/* ---- submitting ---- */

/* The submission is acknowledged only once the scheduler has stored it, so a job whose id
 * was returned is never lost. A submission that gets no answer is sent again, and never
 * stored twice (see cohort_client_set_retry). The specs are not changed and stay the
 * caller's. The jobs belong to the user name the scheduler enrolled the caller's key under
 * (on an --insecure scheduler: the caller's login name, from its effective uid). */

/* Submit one job (spec must not be an array). On success *id_out holds its id. */
COHORT_EXPORT int cohort_submit(uint64_t *id_out, cohort_client_t *client,
                                const cohort_job_spec_t *spec, cohort_error_t *err);

/* Submit a spec that may be an array. On success its jobs have the ids *first_id_out ..
 * *first_id_out + *count_out - 1 (count 1 for a single job). */
COHORT_EXPORT int cohort_submit_array(uint64_t *first_id_out, uint32_t *count_out,
                                      cohort_client_t *client, const cohort_job_spec_t *spec,
                                      cohort_error_t *err);

/* Submit n specs (1 to 10000) in one round trip; all are stored or none. first_ids_out and
 * counts_out are caller-provided arrays of n entries; on success spec i got the ids
 * first_ids_out[i] .. first_ids_out[i] + counts_out[i] - 1, on failure they are unchanged.
 * The whole request must fit in one 32 MiB message (COHORT_ETOOBIG otherwise). */
COHORT_EXPORT int cohort_submit_many(uint64_t *first_ids_out, uint32_t *counts_out,
                                     cohort_client_t *client, const cohort_job_spec_t *const *specs,
                                     size_t n, cohort_error_t *err);

/* Longest key of cohort_submit_many_keyed, in bytes. */
#define COHORT_SUBMIT_KEY_MAX 64

/* cohort_submit_many under a key the caller chooses instead of a fresh one: 1 to 64
 * printable ASCII characters without spaces, unique to this submission. When the scheduler
 * already stored a submission under key (keys are kept at least 24 hours) it answers with
 * that submission's ids and stores nothing, or fails with COHORT_EINVAL when that
 * submission had another number of specs or jobs. So a program that may itself stop and
 * start over submits its work once, under a key derived from that work (for example
 * "nightly-2026-11-26"). */
COHORT_EXPORT int cohort_submit_many_keyed(uint64_t *first_ids_out, uint32_t *counts_out,
                                           cohort_client_t *client,
                                           const cohort_job_spec_t *const *specs, size_t n,
                                           const char *key, cohort_error_t *err);

/* ---- jobs: what the scheduler knows ---- */

typedef struct cohort_job cohort_job_t;
typedef struct cohort_job_list cohort_job_list_t;
typedef struct cohort_attempt cohort_attempt_t;

/* Everything known about one job, its attempts included. On success *out is the caller's,
 * freed with cohort_job_free; on failure *out is NULL (COHORT_ENOENT: "no job N"). */
COHORT_EXPORT int cohort_job_get(cohort_job_t **out, cohort_client_t *client, uint64_t job_id,
                                 cohort_error_t *err);

/* Free a job from cohort_job_get or cohort_wait_one. NULL is a no-op. Jobs borrowed from a
 * list must not be freed. */
COHORT_EXPORT void cohort_job_free(cohort_job_t *job);

/* One page of jobs, in id order: those whose state bit is in state_mask (0 = pending and
 * running; COHORT_JOB_STATES_ALL = every state) with an id larger than after_id, at most
 * `limit` of them (0 = as many as one reply holds). The scheduler may return fewer than
 * asked; an empty page means there are no more. Attempt histories are not filled. On
 * success *out is the caller's, freed with cohort_job_list_free; on failure it is NULL. */
COHORT_EXPORT int cohort_jobs_list(cohort_job_list_t **out, cohort_client_t *client,
                                   uint32_t state_mask, uint32_t limit, uint64_t after_id,
                                   cohort_error_t *err);

/* Number of jobs in a list. */
COHORT_EXPORT size_t cohort_job_list_count(const cohort_job_list_t *list);

/* Job i of a list (borrowed from the list), or NULL when i is out of range. */
COHORT_EXPORT const cohort_job_t *cohort_job_list_item(const cohort_job_list_t *list, size_t i);

/* Free a list and the jobs borrowed from it. NULL is a no-op. */
COHORT_EXPORT void cohort_job_list_free(cohort_job_list_t *list);

/* Accessors; strings are borrowed from the job and never NULL. */
COHORT_EXPORT uint64_t cohort_job_id(const cohort_job_t *job);
COHORT_EXPORT const char *cohort_job_name(const cohort_job_t *job); /* "" when none */
COHORT_EXPORT const char *cohort_job_user(const cohort_job_t *job);
COHORT_EXPORT cohort_job_state_t cohort_job_state(const cohort_job_t *job);
COHORT_EXPORT int cohort_job_exit_code(const cohort_job_t *job); /* -1 when none */
COHORT_EXPORT int cohort_job_signal(const cohort_job_t *job);    /* 0 when none */
/* Why the job is pending or why it ended, in words; "" when there is nothing to say. */
COHORT_EXPORT const char *cohort_job_reason(const cohort_job_t *job);
COHORT_EXPORT uint32_t cohort_job_cpus(const cohort_job_t *job);
COHORT_EXPORT uint64_t cohort_job_mem(const cohort_job_t *job); /* bytes, 0 = none */
COHORT_EXPORT int32_t cohort_job_priority(const cohort_job_t *job);
COHORT_EXPORT uint32_t cohort_job_time_limit(const cohort_job_t *job); /* s, 0 = none */
COHORT_EXPORT uint32_t cohort_job_retries(const cohort_job_t *job);
COHORT_EXPORT const char *cohort_job_worker(const cohort_job_t *job);  /* "" when none */
COHORT_EXPORT uint32_t cohort_job_attempts(const cohort_job_t *job);   /* runs started */
COHORT_EXPORT int64_t cohort_job_array_index(const cohort_job_t *job); /* -1 when none */
/* Times in ms since the Unix epoch; 0 when it has not happened. */
COHORT_EXPORT int64_t cohort_job_submitted_at(const cohort_job_t *job);
COHORT_EXPORT int64_t cohort_job_started_at(const cohort_job_t *job);
COHORT_EXPORT int64_t cohort_job_finished_at(const cohort_job_t *job);
COHORT_EXPORT uint64_t cohort_job_cpu_time_ms(const cohort_job_t *job);
COHORT_EXPORT const char *cohort_job_cwd(const cohort_job_t *job); /* "" = job directory */
/* The command: argc entries; cohort_job_arg gives NULL when i is out of range. */
COHORT_EXPORT size_t cohort_job_argc(const cohort_job_t *job);
COHORT_EXPORT const char *cohort_job_arg(const cohort_job_t *job, size_t i);
/* The "KEY=VALUE" entries the submitter added; NULL when i is out of range. */
COHORT_EXPORT size_t cohort_job_envc(const cohort_job_t *job);
COHORT_EXPORT const char *cohort_job_env(const cohort_job_t *job, size_t i);

/* The shell exit status that mirrors an ended job: 0 when completed, its exit code when it
 * failed with one, 128+N when killed by signal N, 124 when it hit its time limit, 1 when
 * cancelled or failed for another reason. COHORT_ESTATE when the job has not ended. */
COHORT_EXPORT int cohort_job_exit_status(const cohort_job_t *job);

/* The job's runs, oldest first (filled by cohort_job_get only; 0 elsewhere). Item i is
 * borrowed from the job, or NULL when i is out of range. */
COHORT_EXPORT size_t cohort_job_history_count(const cohort_job_t *job);
COHORT_EXPORT const cohort_attempt_t *cohort_job_history_item(const cohort_job_t *job, size_t i);

/* Accessors of one run; strings are borrowed and never NULL. */
COHORT_EXPORT uint32_t cohort_attempt_number(const cohort_attempt_t *attempt); /* from 1 */
COHORT_EXPORT const char *cohort_attempt_worker(const cohort_attempt_t *attempt);
/* The state the run ended in; RUNNING while it runs; PENDING when its worker was lost. */
COHORT_EXPORT cohort_job_state_t cohort_attempt_state(const cohort_attempt_t *attempt);
COHORT_EXPORT int cohort_attempt_exit_code(const cohort_attempt_t *attempt); /* -1 = none */
COHORT_EXPORT int cohort_attempt_signal(const cohort_attempt_t *attempt);    /* 0 = none */
COHORT_EXPORT const char *cohort_attempt_reason(const cohort_attempt_t *attempt);
COHORT_EXPORT int64_t cohort_attempt_started_at(const cohort_attempt_t *attempt);
COHORT_EXPORT int64_t cohort_attempt_finished_at(const cohort_attempt_t *attempt);
COHORT_EXPORT uint64_t cohort_attempt_cpu_time_ms(const cohort_attempt_t *attempt);

/* ---- waiting, cancelling, output ---- */

/* Block until every job in ids[0..n) has ended, or until timeout_ms passes (-1 = no limit,
 * 0 = just look): COHORT_ETIMEDOUT then. Any number of ids may be given; they are sent in
 * batches. On success, when out is not NULL, *out holds the ended jobs (the caller frees it
 * with cohort_job_list_free); on failure *out is NULL. COHORT_ENOENT when an id is unknown. */
COHORT_EXPORT int cohort_wait(cohort_job_list_t **out, cohort_client_t *client, const uint64_t *ids,
                              size_t n, int timeout_ms, cohort_error_t *err);

/* cohort_wait for one job; on success *out (may be NULL) holds it, freed with
 * cohort_job_free. */
COHORT_EXPORT int cohort_wait_one(cohort_job_t **out, cohort_client_t *client, uint64_t job_id,
                                  int timeout_ms, cohort_error_t *err);

/* Cancel jobs (n from 1 to 100000). Returns 0 when the scheduler handled the request; then,
 * when codes_out (n entries, caller-provided) is not NULL, codes_out[i] says what happened to
 * ids[i]: 0 cancelled, COHORT_ENOENT no such job, COHORT_ESTATE it had already ended. */
COHORT_EXPORT int cohort_cancel(int *codes_out, cohort_client_t *client, const uint64_t *ids,
                                size_t n, cohort_error_t *err);

/* A job's captured stdout or stderr (as much as was kept: the first 1 MiB per attempt's
 * stream). On success *data_out holds *len_out bytes plus a terminating NUL that the caller
 * frees with cohort_free, and *truncated_out (may be NULL) is 1 when the job wrote more
 * than was kept. On failure the outputs are unchanged. */
COHORT_EXPORT int cohort_logs_get(uint8_t **data_out, size_t *len_out, int *truncated_out,
                                  cohort_client_t *client, uint64_t job_id, cohort_stream_t stream,
                                  cohort_error_t *err);

/* ---- the pool ---- */

typedef struct cohort_worker cohort_worker_t;
typedef struct cohort_worker_list cohort_worker_list_t;

/* Every worker the scheduler knows. On success *out is the caller's, freed with
 * cohort_worker_list_free; on failure it is NULL. */
COHORT_EXPORT int cohort_workers_list(cohort_worker_list_t **out, cohort_client_t *client,
                                      cohort_error_t *err);
COHORT_EXPORT size_t cohort_worker_list_count(const cohort_worker_list_t *list);
/* Worker i (borrowed from the list), or NULL when i is out of range. */
COHORT_EXPORT const cohort_worker_t *cohort_worker_list_item(const cohort_worker_list_t *list,
                                                             size_t i);
COHORT_EXPORT void cohort_worker_list_free(cohort_worker_list_t *list);

/* Accessors; strings are borrowed from the list and never NULL. */
COHORT_EXPORT const char *cohort_worker_name(const cohort_worker_t *worker);
COHORT_EXPORT cohort_worker_state_t cohort_worker_state(const cohort_worker_t *worker);
COHORT_EXPORT uint32_t cohort_worker_cpus(const cohort_worker_t *worker);
COHORT_EXPORT uint32_t cohort_worker_cpus_used(const cohort_worker_t *worker);
COHORT_EXPORT uint64_t cohort_worker_mem(const cohort_worker_t *worker);
COHORT_EXPORT uint64_t cohort_worker_mem_used(const cohort_worker_t *worker);
COHORT_EXPORT uint32_t cohort_worker_running(const cohort_worker_t *worker);
COHORT_EXPORT int64_t cohort_worker_last_seen(const cohort_worker_t *worker); /* ms */
/* Labels: key and value of label i, or NULL when i is out of range. */
COHORT_EXPORT size_t cohort_worker_label_count(const cohort_worker_t *worker);
COHORT_EXPORT const char *cohort_worker_label_key(const cohort_worker_t *worker, size_t i);
COHORT_EXPORT const char *cohort_worker_label_value(const cohort_worker_t *worker, size_t i);

/* Stop dispatching new jobs to a worker (its running jobs go on) / start again.
 * COHORT_ENOENT when no worker has that name. */
COHORT_EXPORT int cohort_worker_drain(cohort_client_t *client, const char *name,
                                      cohort_error_t *err);
COHORT_EXPORT int cohort_worker_resume(cohort_client_t *client, const char *name,
                                       cohort_error_t *err);

/* The pool seen as one resource. */
typedef struct cohort_status {
    uint32_t workers_total, workers_up, workers_draining, workers_down;
    uint64_t cpus_total, cpus_used;        /* of the workers in the pool */
    uint64_t mem_total, mem_used;          /* bytes, of the same workers */
    uint64_t jobs[COHORT_JOB_STATE_COUNT]; /* jobs per state, indexed by cohort_job_state_t */
    uint64_t finished_last_minute;         /* jobs that ended in the last 60 s */
} cohort_status_t;

/* Fill *out with the pool's status; on failure *out is unchanged. */
COHORT_EXPORT int cohort_status_get(cohort_status_t *out, cohort_client_t *client,
                                    cohort_error_t *err);

/* Have the scheduler write a consistent copy of its database into the `backups` directory
 * of its state dir, while it goes on serving (admins only). Returns 0 once the copy is
 * complete and synced, with *path_out (a path on the scheduler's host; free it with
 * cohort_free) and *bytes_out (its size) set when not NULL; or a negative COHORT_E* code
 * (COHORT_ESTATE while another backup is being written). Waits up to 2 minutes for the
 * answer, whatever the client's timeout. */
COHORT_EXPORT int cohort_backup(char **path_out, uint64_t *bytes_out, cohort_client_t *client,
                                cohort_error_t *err);

#ifdef __cplusplus
}
#endif
#endif /* COHORT_H */
