/* job_spawn.h — start a job in its own group, or via cohort-job-exec as its account. */
#ifndef COHORT_WORKER_JOB_SPAWN_H
#define COHORT_WORKER_JOB_SPAWN_H

#include <sys/types.h>

#include "account.h"
#include "spool.h"

/* One process to start. Everything is borrowed for the duration of spawn_job. */
struct spawn_request {
    const char *program;                 /* resolved; relative to cwd when relative */
    char *const *argv;                   /* NULL-terminated */
    char *const *envp;                   /* NULL-terminated: the job's whole environment */
    const char *cwd;                     /* entered as the job's account */
    const struct spool_streams *streams; /* become fds 0, 1 and 2 */
    const struct job_account *account;   /* who it runs as */
    const char *job_exec;                /* the account switcher (job_exec.h), used when
                                            account is not the worker's own */
};

/* Start the process in a new process group (its pid) with an empty signal mask and default
 * signal actions, under SCHED_OTHER when the worker entered SCHED_BATCH (batch_policy.h;
 * otherwise under the worker's policy). Returns 0 with *pid set, or an errno value when no
 * process was started. Once started, a process that cannot switch account, enter cwd or
 * execute the program says so on its stderr and exits 127 or 126 (job_exec.h). */
int spawn_job(pid_t *pid, const struct spawn_request *req);

#endif
