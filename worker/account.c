/* account.c — which local account a job runs as: its owner's, a fallback, or the worker's. */
#define _GNU_SOURCE
#include "account.h"

#include <errno.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cohort.h"

#define PASSWD_BUF_START 4096     /* bytes for getpw*_r's strings; grown on ERANGE */
#define PASSWD_BUF_MAX (1u << 20) /* no sane entry is larger */

/* Which account to look up: by name, or by uid when name is NULL. */
struct account_key {
    const char *name;
    uid_t uid;
};

/* Copy a passwd entry into *out (is_worker false). */
static void account_from_passwd(struct job_account *out, const struct passwd *pw)
{
    memset(out, 0, sizeof(*out));
    out->uid = pw->pw_uid;
    out->gid = pw->pw_gid;
    snprintf(out->name, sizeof out->name, "%s", pw->pw_name);
    snprintf(out->home, sizeof out->home, "%s", pw->pw_dir && pw->pw_dir[0] ? pw->pw_dir : "/");
}

/* Look an account up. Returns 1 and fills *out when it exists, 0 when it does not, -1 with
 * errno when the account database could not be read. */
static int account_lookup(struct job_account *out, struct account_key key)
{
    struct passwd entry, *found = NULL;
    size_t buf_len = PASSWD_BUF_START;
    char *buf = NULL, *grown;
    int err;

    for (;;) {
        if (!(grown = realloc(buf, buf_len))) {
            err = ENOMEM;
            break;
        }
        buf = grown;
        err = key.name ? getpwnam_r(key.name, &entry, buf, buf_len, &found)
                       : getpwuid_r(key.uid, &entry, buf, buf_len, &found);
        if (err != ERANGE || buf_len >= PASSWD_BUF_MAX)
            break;
        buf_len *= 2;
    }
    if (found)
        account_from_passwd(out, found);
    free(buf);
    /* getpw*_r reports a missing entry as 0 or, depending on the NSS module, as these */
    if (found || err == 0 || err == ENOENT || err == ESRCH || err == EBADF || err == EPERM)
        return found ? 1 : 0;
    errno = err;
    return -1;
}

/* The account of this process's effective uid, with placeholders when it has no entry. */
static void worker_account(struct job_account *out)
{
    uid_t uid = geteuid();

    if (account_lookup(out, (struct account_key){NULL, uid}) != 1) {
        memset(out, 0, sizeof(*out));
        out->uid = uid;
        out->gid = getegid();
        strcpy(out->home, "/");
    }
    out->is_worker = true;
}

void account_policy_as_worker(struct account_policy *policy)
{
    memset(policy, 0, sizeof(*policy));
    worker_account(&policy->worker);
    policy->fallback = policy->worker;
}

/* Write into out (PATH_MAX bytes) ACCOUNT_JOB_EXEC in the directory of this program.
 * Returns 0 or -1. */
static int default_job_exec(char out[PATH_MAX])
{
    char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);

    if (len <= 0)
        return -1;
    self[len] = '\0';
    return (size_t)snprintf(out, PATH_MAX, "%s/%s", dirname(self), ACCOUNT_JOB_EXEC) < PATH_MAX
               ? 0
               : -1;
}

/* Check that path is a program root may safely run: a regular executable file owned by
 * root that neither its group nor others may write. Returns 0 or COHORT_EIO with err set. */
static int check_job_exec(const char *path, char *err, size_t err_len)
{
    struct stat st;

    if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, X_OK) < 0) {
        snprintf(err, err_len, "cannot run %s, which switches jobs to their accounts: %s", path,
                 errno ? strerror(errno) : "not a regular file");
        return COHORT_EIO;
    }
    if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
        snprintf(err, err_len,
                 "refusing to run %s as root: it must be owned by root and writable by no one "
                 "else",
                 path);
        return COHORT_EIO;
    }
    return 0;
}

int account_policy_init(struct account_policy *policy, const char *job_user, bool allow_root_jobs,
                        const char *job_exec, char *err, size_t err_len)
{
    int found;

    account_policy_as_worker(policy);
    if (policy->worker.uid != 0)
        return 0;
    policy->switch_accounts = true;
    policy->allow_root_jobs = allow_root_jobs;
    errno = 0;
    if ((found = account_lookup(&policy->fallback, (struct account_key){job_user, 0})) != 1) {
        snprintf(err, err_len, "job-user '%s' %s", job_user,
                 found == 0 ? "does not exist on this host (see --job-user)"
                            : "cannot be looked up");
        if (found < 0)
            snprintf(err + strlen(err), err_len - strlen(err), ": %s", strerror(errno));
        return COHORT_EINVAL;
    }
    if (policy->fallback.uid == 0 && !allow_root_jobs) {
        snprintf(err, err_len,
                 "job-user '%s' is root: jobs would run as root; choose another job-user or set "
                 "allow-root-jobs",
                 job_user);
        return COHORT_EINVAL;
    }
    if (job_exec)
        snprintf(policy->job_exec, sizeof policy->job_exec, "%s", job_exec);
    else if (default_job_exec(policy->job_exec) < 0) {
        snprintf(err, err_len, "cannot find the directory of this program to locate %s",
                 ACCOUNT_JOB_EXEC);
        return COHORT_EIO;
    }
    errno = 0;
    return check_job_exec(policy->job_exec, err, err_len);
}

int account_resolve(struct job_account *out, const struct account_policy *policy, const char *owner,
                    const char *worker_name, char *reason, size_t reason_len)
{
    int found = 0;

    if (!policy->switch_accounts) {
        *out = policy->worker;
        return 0;
    }
    if (owner && owner[0] && (found = account_lookup(out, (struct account_key){owner, 0})) < 0) {
        snprintf(reason, reason_len, "cannot look up the account of %s on worker %s: %s", owner,
                 worker_name, strerror(errno));
        return COHORT_EIO;
    }
    if (!found || (out->uid == 0 && !policy->allow_root_jobs))
        *out = policy->fallback;
    out->is_worker = out->uid == policy->worker.uid;
    return 0;
}
