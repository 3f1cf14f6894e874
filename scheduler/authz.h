/* authz.h — who may do what: the roles each message needs, and who may act on a job. */
#ifndef COHORT_SCHED_AUTHZ_H
#define COHORT_SCHED_AUTHZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "identity.h"

/* Whether caller may send a message of type (enum msg_type): clients' requests need a user
 * or admin key (DRAIN and RESUME an admin key), workers' messages a worker or admin key.
 * When not, why holds the refusal as one sentence ("worker keys cannot submit jobs").
 * Types nobody may send (replies, the scheduler's own messages, unknown ones) are refused. */
bool authz_may_send(const struct identity *caller, uint8_t type, char *why, size_t why_len);

/* Whether caller is held to its own jobs (every key but an admin's). When false,
 * authz_may_act_on_job allows every job, so the owner need not even be looked up. */
bool authz_checks_owner(const struct identity *caller);

/* Whether caller may act on job job_id, which owner submitted: a user only on its own
 * jobs, an admin on any. action ends the refusal "only alice or an admin may ..." ("cancel
 * it"). When not, why holds the refusal as one sentence. */
bool authz_may_act_on_job(const struct identity *caller, uint64_t job_id, const char *owner,
                          const char *action, char *why, size_t why_len);

/* Whether caller may register a worker named name: a worker key bound to one name only
 * under that name ("*": any), an admin key under any. When not, why holds the refusal. */
bool authz_may_register_as(const struct identity *caller, const char *name, char *why,
                           size_t why_len);

/* The owner of the jobs caller submits: its name, whatever the request claims; on an
 * insecure socket (no name) claimed, the request's own user field. Borrowed from either. */
const char *authz_job_owner(const struct identity *caller, const char *claimed);

#endif
