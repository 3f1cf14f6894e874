/* orphans.h — jobs a dead worker left running: noted at spawn, killed by the next start. */
#ifndef COHORT_WORKER_ORPHANS_H
#define COHORT_WORKER_ORPHANS_H

#include <sys/types.h>

/*
 * A worker that is killed (SIGKILL, a crash) leaves its jobs running: they lead their own
 * process groups. The scheduler requeues such attempts when the worker restarts under its
 * name, so the new worker must end them first, or two attempts of a job would overlap.
 * Each attempt's dir holds the identity of its process: the boot id, the pid, and a time
 * (clock ticks since boot, as /proc/PID/stat counts them) no earlier than its start, noted
 * right after the spawn. The job holds its pid until it is reaped, after the note, so a
 * process that started after that time holds a reused pid; one from an earlier boot never
 * counts. (A pid reused within the same tick would need the kernel to cycle through every
 * pid in 10 ms.)
 */

#define ORPHANS_FILE "process" /* in the attempt's spool dir */

/* Note that the attempt whose spool dir is open as attempt_dir_fd runs as process (and
 * process group) pid, spawned and not yet reaped: written over note_fd, the note file of a
 * reused dir already open for writing, or into ORPHANS_FILE opened (created) in the dir
 * when note_fd is -1. Returns 0, or COHORT_EIO (logged): the attempt runs on, only
 * unprotected. */
int orphans_note(int attempt_dir_fd, int note_fd, pid_t pid);

/* If the process noted in attempt_dir still runs (same boot, same pid, started by the note),
 * SIGKILL its process group and return 1; return 0 when there is nothing to kill (no note,
 * a damaged one, or a process that ended). */
int orphans_kill(const char *attempt_dir);

#endif
