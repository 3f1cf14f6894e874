/* user_pending.h — how many jobs each user has pending, for the per-user cap. */
#ifndef COHORT_SCHED_USER_PENDING_H
#define COHORT_SCHED_USER_PENDING_H

#include <stddef.h>
#include <stdint.h>

/*
 * One count per user with pending jobs, kept in step with the pending queue: raised where
 * jobs enter pending (submit, requeue, reload) and lowered where they leave it (dispatch,
 * cancel, a job that cannot be sent). A user whose count falls to 0 is forgotten, so memory
 * follows the users with pending jobs, not the jobs. A name longer than
 * USER_PENDING_NAME_MAX bytes is counted as "", as a job brief holds it (store.h).
 */
struct user_pending;

#define USER_PENDING_NAME_MAX 255u

/* Create an empty map. Returns 0 or COHORT_ENOMEM (*out is then NULL). */
int user_pending_create(struct user_pending **out);

/* Free the map. NULL is a no-op. */
void user_pending_destroy(struct user_pending *up);

/* Forget every count (before a reload from the database). */
void user_pending_clear(struct user_pending *up);

/* The number of jobs user has pending (0 for a user not seen). */
uint64_t user_pending_count(const struct user_pending *up, const char *user);

/* Count n more pending jobs for user. Returns 0 or COHORT_ENOMEM (nothing changed). */
int user_pending_add(struct user_pending *up, const char *user, uint64_t n);

/* Count n fewer pending jobs for user; a count never goes below 0 (a remove past it is
 * logged as a bug and leaves 0). */
void user_pending_remove(struct user_pending *up, const char *user, uint64_t n);

/* Number of users with pending jobs. */
size_t user_pending_users(const struct user_pending *up);

#endif
