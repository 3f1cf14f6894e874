/* batch_policy.h — daemons under SCHED_BATCH: their wake-ups wait for a running job's turn. */
#ifndef COHORT_BATCH_POLICY_H
#define COHORT_BATCH_POLICY_H

#include <stdbool.h>

/* Move the calling thread from SCHED_OTHER to SCHED_BATCH, keeping its nice value; threads
 * it starts afterwards inherit the policy, so a daemon calls this before it starts any.
 * Under SCHED_BATCH a thread that wakes up does not preempt the one running on its cpu (it
 * runs when that one blocks or its slice ends), and keeps its share of the cpu. Returns true
 * when it moved the thread; false, changing nothing, when the thread runs under another
 * policy (chosen by whoever started the daemon: chrt, systemd's CPUSchedulingPolicy=) or
 * the system refused the switch. */
bool batch_policy_enter(void);

/* Whether batch_policy_enter moved this process's first thread to SCHED_BATCH. */
bool batch_policy_entered(void);

/* Move the calling thread back to SCHED_OTHER, keeping its nice value: for a job's process
 * before it executes the job. A system call only (safe in a vfork-like child). Returns 0 or
 * -1 with errno. */
int batch_policy_leave(void);

#endif
