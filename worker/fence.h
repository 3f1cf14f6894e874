/* fence.h — when a worker that hears nothing from its scheduler must kill its own jobs. */
#ifndef COHORT_WORKER_FENCE_H
#define COHORT_WORKER_FENCE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The scheduler gives a silent worker's attempts away `lease` after it last heard the worker.
 * The worker's own clock of that silence starts later (at the scheduler's last answer), and
 * its kill takes up to the kill grace to finish, so it fences early enough that its attempts
 * are dead before they can run elsewhere:
 *
 *     lease - (kill_grace + 2 x heartbeat), but never earlier than lease / 2.
 */

/* Milliseconds of silence from the scheduler after which the worker kills its running jobs,
 * for the lease and heartbeat of its last WELCOME and the runner's kill grace. */
int64_t fence_after_ms(uint32_t lease_ms, uint32_t heartbeat_ms, uint32_t kill_grace_ms);

/* Whether a worker silent for silent_ms must fence now. Never before a first WELCOME
 * (ever_welcomed false): a worker no scheduler accepted was given no jobs. */
bool fence_due(bool ever_welcomed, int64_t silent_ms, uint32_t lease_ms, uint32_t heartbeat_ms,
               uint32_t kill_grace_ms);

#endif
