/* test_account.c — who a job runs as, the worker's checks at start, and the privilege drop. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "account.h"
#include "cohort.h"
#include "run_as.h"

/* The passwd entry of name as a job_account; the test is skipped when there is none. */
static struct job_account existing_account(const char *name)
{
    struct passwd *pw = getpwnam(name);
    struct job_account account = {0};

    if (!pw)
        skip();
    account.uid = pw->pw_uid;
    account.gid = pw->pw_gid;
    snprintf(account.name, sizeof account.name, "%s", pw->pw_name);
    snprintf(account.home, sizeof account.home, "%s", pw->pw_dir);
    return account;
}

/* The policy of a worker running as root with job-user nobody, whatever runs the test. */
static struct account_policy root_worker_policy(bool allow_root_jobs)
{
    struct account_policy policy = {0};

    policy.switch_accounts = true;
    policy.allow_root_jobs = allow_root_jobs;
    policy.worker = existing_account("root");
    policy.worker.is_worker = true;
    policy.fallback = existing_account("nobody");
    return policy;
}

static void resolve(struct job_account *out, const struct account_policy *policy, const char *owner)
{
    char reason[256] = "";

    assert_int_equal(account_resolve(out, policy, owner, "testw", reason, sizeof reason), 0);
    assert_string_equal(reason, "");
}

static void test_root_owner_runs_as_job_user(void **state)
{
    struct account_policy policy = root_worker_policy(false);
    struct job_account account;

    resolve(&account, &policy, "root");
    assert_string_equal(account.name, "nobody");
    assert_int_equal(account.uid, policy.fallback.uid);
    assert_int_equal(account.gid, policy.fallback.gid);
    assert_false(account.is_worker);
}

static void test_root_owner_runs_as_root_when_allowed(void **state)
{
    struct account_policy policy = root_worker_policy(true);
    struct job_account account;

    resolve(&account, &policy, "root");
    assert_string_equal(account.name, "root");
    assert_int_equal(account.uid, 0);
    assert_true(account.is_worker); /* the worker's own account: no switch */
}

static void test_unknown_owner_runs_as_job_user(void **state)
{
    struct account_policy policy = root_worker_policy(false);
    struct job_account account;

    resolve(&account, &policy, "no-such-account-cohort");
    assert_string_equal(account.name, "nobody");
    resolve(&account, &policy, "");
    assert_string_equal(account.name, "nobody");
    resolve(&account, &policy, NULL);
    assert_string_equal(account.name, "nobody");
}

static void test_existing_owner_runs_as_that_account(void **state)
{
    struct account_policy policy = root_worker_policy(false);
    struct job_account daemon_account = existing_account("daemon"), account;

    resolve(&account, &policy, "daemon");
    assert_string_equal(account.name, "daemon");
    assert_int_equal(account.uid, daemon_account.uid);
    assert_int_equal(account.gid, daemon_account.gid);
    assert_string_equal(account.home, daemon_account.home);
    assert_false(account.is_worker);
}

static void test_worker_not_root_runs_jobs_as_itself(void **state)
{
    struct account_policy policy = root_worker_policy(false);
    struct job_account account;

    policy.switch_accounts = false; /* what account_policy_init decides when not root */
    policy.worker = existing_account("daemon");
    policy.worker.is_worker = true;
    for (const char *const *owner = (const char *const[]){"root", "nobody", "nope", NULL}; *owner;
         owner++) {
        resolve(&account, &policy, *owner);
        assert_string_equal(account.name, "daemon");
        assert_true(account.is_worker);
    }
}

static void test_policy_of_this_process(void **state)
{
    struct account_policy policy;
    char err[512] = "";

    if (geteuid() != 0) {
        /* not root: every job runs as the worker, and job-user is not even looked up */
        assert_int_equal(
            account_policy_init(&policy, "no-such-account-cohort", false, NULL, err, sizeof err),
            0);
        assert_false(policy.switch_accounts);
        assert_int_equal(policy.worker.uid, geteuid());
        return;
    }
    assert_int_equal(account_policy_init(&policy, "nobody", false, "/bin/true", err, sizeof err),
                     0);
    assert_true(policy.switch_accounts);
    assert_string_equal(policy.fallback.name, "nobody");
    assert_int_equal(
        account_policy_init(&policy, "no-such-account-cohort", false, "/bin/true", err, sizeof err),
        COHORT_EINVAL);
    assert_string_equal(err, "job-user 'no-such-account-cohort' does not exist on this host "
                             "(see --job-user)");
    assert_int_equal(account_policy_init(&policy, "root", false, "/bin/true", err, sizeof err),
                     COHORT_EINVAL);
    assert_non_null(strstr(err, "job-user 'root' is root"));
    assert_int_equal(account_policy_init(&policy, "root", true, "/bin/true", err, sizeof err), 0);
}

static void test_switcher_must_be_safe(void **state)
{
    struct account_policy policy;
    char err[512] = "", path[] = "/tmp/cohort-test-job-exec-XXXXXX";
    int fd;

    if (geteuid() != 0)
        skip();
    assert_int_equal(account_policy_init(&policy, "nobody", false, "/nonexistent/cohort-job-exec",
                                         err, sizeof err),
                     COHORT_EIO);
    assert_non_null(strstr(err, "cannot run /nonexistent/cohort-job-exec"));
    assert_true((fd = mkstemp(path)) >= 0);
    close(fd);
    assert_int_equal(chmod(path, 0777), 0);
    assert_int_equal(account_policy_init(&policy, "nobody", false, path, err, sizeof err),
                     COHORT_EIO);
    assert_non_null(strstr(err, "writable by no one else"));
    unlink(path);
}

static void test_drop_sticks(void **state)
{
    struct job_account nobody = existing_account("nobody");
    char err[256];
    int status;
    pid_t pid;

    if (geteuid() != 0)
        skip();
    assert_int_equal(run_as_drop("root", 0, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "refusing"));
    assert_true((pid = fork()) >= 0);
    if (pid == 0) {
        gid_t groups[64];
        int n;
        if (run_as_drop(nobody.name, nobody.uid, nobody.gid, err, sizeof err) < 0)
            _exit(10);
        if (getuid() != nobody.uid || geteuid() != nobody.uid || getgid() != nobody.gid)
            _exit(11);
        if (setuid(0) == 0 || setgid(0) == 0 || setgroups(0, NULL) == 0)
            _exit(12);
        n = getgroups(64, groups);
        for (int i = 0; i < n; i++)
            if (groups[i] == 0)
                _exit(13); /* root's group must not stay behind */
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_root_owner_runs_as_job_user),
        cmocka_unit_test(test_root_owner_runs_as_root_when_allowed),
        cmocka_unit_test(test_unknown_owner_runs_as_job_user),
        cmocka_unit_test(test_existing_owner_runs_as_that_account),
        cmocka_unit_test(test_worker_not_root_runs_jobs_as_itself),
        cmocka_unit_test(test_policy_of_this_process),
        cmocka_unit_test(test_switcher_must_be_safe),
        cmocka_unit_test(test_drop_sticks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
