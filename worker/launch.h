/* launch.h — a job spec made a process: env, PATH lookup, posix_spawn in its own group. */
#ifndef COHORT_WORKER_LAUNCH_H
#define COHORT_WORKER_LAUNCH_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto.h"
#include "spool.h"

#define LAUNCH_DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

/* What every job takes from the worker, looked up once. */
struct launch_base {
    char worker_name[256]; /* named in reasons ("... does not exist on worker NAME") */
    char path[4096];       /* the worker's PATH, or LAUNCH_DEFAULT_PATH */
    char home[PATH_MAX];   /* the worker account's home directory ("/" when unknown) */
    char user[256];        /* the worker account's login name ("" when unknown) */
};

/* One job to start. Everything is borrowed for the duration of launch_job. */
struct launch_request {
    uint64_t job_id;
    uint32_t attempt;
    int64_t array_index;                 /* -1 when not in an array */
    const struct job_spec *spec;         /* argv, env, cwd and name are used */
    const struct spool_streams *streams; /* the job's stdin/stdout/stderr and default cwd */
};

/* Fill *base from the worker's environment and account. Cannot fail. */
void launch_base_init(struct launch_base *base, const char *worker_name);

/* Start the job in a new process group with an empty signal mask and default signal
 * actions. Its environment is exactly PATH, HOME, USER, LOGNAME, COHORT_JOB_ID,
 * COHORT_ATTEMPT, COHORT_ARRAY_INDEX (array jobs only) and COHORT_JOB_NAME, then the spec's
 * entries, which override. On success *pid is the process (and process group) id and 0 is
 * returned. On failure no process exists, *exit_code is what a shell would report (127: not
 * found, 126: not executable, -1: never reached the command), reason (reason_len bytes)
 * says why in words for users, and COHORT_EINVAL (a problem of the job) or COHORT_ENOMEM is
 * returned. The streams stay open; the caller closes them. */
int launch_job(pid_t *pid, int32_t *exit_code, char *reason, size_t reason_len,
               const struct launch_base *base, const struct launch_request *req);

#endif
