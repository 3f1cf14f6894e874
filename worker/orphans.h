/* orphans.h — jobs a dead worker left running: noted at spawn, killed by the next start. */
#ifndef COHORT_WORKER_ORPHANS_H
#define COHORT_WORKER_ORPHANS_H

#include <sys/types.h>

/*
 * A worker that is killed (SIGKILL, a crash) leaves its jobs running: they lead their own
 * process groups. The scheduler requeues such attempts when the worker restarts under its
 * name, so the new worker must end them first, or two attempts of a job would overlap.
 * Each attempt's dir holds the identity of its process (boot id, pid, start time), so that
 * a pid reused by an unrelated process, or a file from an earlier boot, is never acted on.
 */

#define ORPHANS_FILE "process" /* in the attempt's spool dir */

/* Note that the attempt whose spool dir is attempt_dir runs as process (and process group)
 * pid. Returns 0, or COHORT_EIO (logged): the attempt runs on, only unprotected. */
int orphans_note(const char *attempt_dir, pid_t pid);

/* If the process noted in attempt_dir still runs (same boot, same pid, same start time),
 * SIGKILL its process group and return 1; return 0 when there is nothing to kill (no note,
 * a damaged one, or a process that ended). */
int orphans_kill(const char *attempt_dir);

#endif
