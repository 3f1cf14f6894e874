/* job_exec.h — how cohort-worker starts a job through cohort-job-exec (the account switch). */
#ifndef COHORT_WORKER_JOB_EXEC_H
#define COHORT_WORKER_JOB_EXEC_H

/* posix_spawn cannot change the account of the process it starts, so a worker running as
 * root spawns cohort-job-exec, as root, with an empty environment and
 *
 *     argv: cohort-job-exec NAME UID GID CWD PROGRAM ARG0 [ARG...]
 *     fd 0-2: the job's streams
 *     fd JOB_EXEC_ENV_FD: a file of the job's environment, "KEY=VALUE" entries each ended
 *                         by a NUL byte
 *
 * It switches to the account (run_as.h), closes every fd above 2, enters CWD as that
 * account and executes PROGRAM (as resolved by the worker, relative to CWD when relative)
 * with ARG0... and that environment. The environment never reaches the switcher's own
 * dynamic loader, where LD_PRELOAD and the like would run as root. A failure prints one
 * line on the job's stderr and exits JOB_EXEC_NOT_FOUND (no such program) or
 * JOB_EXEC_CANNOT_RUN (anything else), as a shell would. */
#define JOB_EXEC_ENV_FD 3
#define JOB_EXEC_FIXED_ARGS 6 /* argv entries before ARG0 */
#define JOB_EXEC_NOT_FOUND 127
#define JOB_EXEC_CANNOT_RUN 126

#endif
