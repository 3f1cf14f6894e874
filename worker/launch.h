/* launch.h — a job spec made a process: its account, env, PATH lookup, then job_spawn.h. */
#ifndef COHORT_WORKER_LAUNCH_H
#define COHORT_WORKER_LAUNCH_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "account.h"
#include "launch_cache.h"
#include "proto.h"
#include "spool.h"

#define LAUNCH_DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

/* What every job takes from the worker, looked up once. */
struct launch_base {
    char worker_name[256];          /* named in reasons ("... does not exist on worker NAME") */
    char path[4096];                /* the worker's PATH, or LAUNCH_DEFAULT_PATH */
    struct account_policy accounts; /* who jobs run as */
    struct launch_cache cache;      /* recent account and PATH lookups */
};

/* One job to start. Everything is borrowed for the duration of launch_job. */
struct launch_request {
    uint64_t job_id;
    uint32_t attempt;
    int64_t array_index;                 /* -1 when not in an array */
    const struct job_spec *spec;         /* argv, env, cwd, name and user are used */
    const struct spool_streams *streams; /* the job's stdin/stdout/stderr and work dir */
};

/* Fill *base from the worker's environment; accounts (copied) says who jobs run as, NULL
 * meaning always as the worker itself (account_policy_as_worker). Cannot fail. */
void launch_base_init(struct launch_base *base, const char *worker_name,
                      const struct account_policy *accounts);

/* Start the job as the account its owner (spec->user) maps to (account.h), in a new process
 * group with an empty signal mask and default signal actions; for another account than the
 * worker's, its work dir is given to that account first and the switch happens in the
 * child (job_spawn.h). The cwd is the spec's, else the streams' work dir. The environment is
 * exactly PATH, HOME, USER and LOGNAME (of that account), COHORT_JOB_ID, COHORT_ATTEMPT,
 * COHORT_ARRAY_INDEX (array jobs only) and COHORT_JOB_NAME, then the spec's entries, which
 * override. On success *pid is the process (and process group) id and 0 is returned. On
 * failure no process exists, *exit_code is what a shell would report (127: not found, 126:
 * not executable, -1: never reached the command), reason (reason_len bytes) says why in
 * words for users, and COHORT_EINVAL (a problem of the job), COHORT_EIO (of the worker:
 * account database, work dir, account switcher) or COHORT_ENOMEM is returned. The streams
 * stay open; the caller closes them. An owner's account and where a command is in a PATH
 * are looked up again only after LAUNCH_CACHE_TTL_MS (launch_cache.h), or when the program
 * is no longer where it was found. */
int launch_job(pid_t *pid, int32_t *exit_code, char *reason, size_t reason_len,
               struct launch_base *base, const struct launch_request *req);

#endif
