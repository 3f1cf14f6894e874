/* backup.h — BACKUP requests: a copy of the database in the state dir, written between turns. */
#ifndef COHORT_SCHED_BACKUP_H
#define COHORT_SCHED_BACKUP_H

#include <stdint.h>

struct sched;

/* Copy some more pages of the backup being written, if any and if its last pages were
 * copied long enough ago; call it after a turn's commit. Answers its requester once the copy
 * is complete and in place, or has failed. Returns in how many ms the next turn should come
 * for the pages that remain, or -1 when no backup is being written. */
int64_t backup_turn(struct sched *s);

/* Give up the backup being written, if any, removing the unfinished copy and telling its
 * requester while the socket is open (at shutdown). */
void backup_cancel(struct sched *s);

#endif
