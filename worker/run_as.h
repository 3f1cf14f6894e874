/* run_as.h — become another account for good: groups, gid, uid, and a check it stuck. */
#ifndef COHORT_WORKER_RUN_AS_H
#define COHORT_WORKER_RUN_AS_H

#include <stddef.h>
#include <sys/types.h>

/* Make this process (run by root) uid with primary group gid and the supplementary groups
 * of the account name (initgroups): real, effective and saved ids all change, then a
 * check that root cannot be regained (setuid(0) must fail). uid 0 is refused. Returns 0,
 * or -1 with one sentence in err (err_len bytes); the process must then not go on to run
 * anything, since its credentials may be half changed. */
int run_as_drop(const char *name, uid_t uid, gid_t gid, char *err, size_t err_len);

#endif
