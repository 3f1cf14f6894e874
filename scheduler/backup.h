/* backup.h — BACKUP requests: a copy of the database in the state dir, written between turns. */
#ifndef COHORT_SCHED_BACKUP_H
#define COHORT_SCHED_BACKUP_H

#include <stdbool.h>

struct sched;

/* Copy some more pages of the backup being written, if any; call it after a turn's commit.
 * Answers its requester once the copy is complete and in place, or has failed. Returns
 * whether pages remain (the caller runs another turn soon). */
bool backup_turn(struct sched *s);

/* Give up the backup being written, if any, removing the unfinished copy and telling its
 * requester while the socket is open (at shutdown). */
void backup_cancel(struct sched *s);

#endif
