/* account.h — which local account a job runs as: its owner's, a fallback, or the worker's. */
#ifndef COHORT_WORKER_ACCOUNT_H
#define COHORT_WORKER_ACCOUNT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define ACCOUNT_DEFAULT_JOB_USER "nobody"
#define ACCOUNT_NAME_MAX 255               /* bytes of a login name */
#define ACCOUNT_JOB_EXEC "cohort-job-exec" /* the account switcher, next to cohort-worker */

/* A local account a job can run as. */
struct job_account {
    uid_t uid;
    gid_t gid;                       /* its primary group */
    bool is_worker;                  /* the worker's own account: nothing to switch */
    char name[ACCOUNT_NAME_MAX + 1]; /* login name; "" when the uid has no passwd entry */
    char home[PATH_MAX];             /* home directory; "/" when unknown */
};

/* Who jobs run as on this worker. Plain data: tests may fill one in by hand. */
struct account_policy {
    bool switch_accounts;        /* the worker runs as root: jobs run as their owners */
    bool allow_root_jobs;        /* a job owned by root runs as root (else as the fallback) */
    char job_exec[PATH_MAX];     /* the program that switches to an account before exec */
    struct job_account worker;   /* the worker's own account */
    struct job_account fallback; /* job-user: for owners without an account, and root */
};

/* Set up the policy of this process. A worker not running as root runs every job as itself
 * and checks nothing else. As root: job_user must be an existing account, and not root
 * unless allow_root_jobs; job_exec (NULL: ACCOUNT_JOB_EXEC in the directory of this
 * program) must be an executable regular file owned by root that no one else may write.
 * Returns 0, or COHORT_EINVAL (a bad setting) / COHORT_EIO (the switcher is missing or
 * unsafe) with one sentence in err; *policy is undefined then. */
int account_policy_init(struct account_policy *policy, const char *job_user, bool allow_root_jobs,
                        const char *job_exec, char *err, size_t err_len);

/* A policy that runs every job as this process's own account, whatever its uid (what a
 * worker not running as root does). Cannot fail. */
void account_policy_as_worker(struct account_policy *policy);

/* The account a job owned by owner (a login name; NULL or "" when unknown) runs as: the
 * worker's own when the policy does not switch accounts; else the owner's account when it
 * exists and is not uid 0; root itself for uid 0 only when allow_root_jobs; the fallback
 * otherwise. Returns 0, or COHORT_EIO when the account database could not be read (reason,
 * reason_len bytes, then says why, naming worker_name). */
int account_resolve(struct job_account *out, const struct account_policy *policy, const char *owner,
                    const char *worker_name, char *reason, size_t reason_len);

#endif
