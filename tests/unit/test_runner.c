/* test_runner.c — the job runner: exits, streams, signals, limits, env, group kills, accounts. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <libgen.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <uv.h>

#include "clock.h"
#include "cohort.h"
#include "runner.h"
#include "spool.h"

#define TEST_ALARM_S 60      /* no test may hang the suite */
#define WAIT_DEFAULT_MS 5000 /* for a job that should end quickly */
#define MAX_JOB_ID 64        /* job ids the tests use */

struct fixture {
    uv_loop_t loop;
    char root[64]; /* temporary spool directory */
    struct spool *spool;
    struct runner *runner;
    uv_timer_t guard; /* bounds every wait */
    bool guard_fired;
    unsigned n_done;                    /* results reported */
    struct attempt_result result;       /* the last one */
    int32_t exit_codes[MAX_JOB_ID + 1]; /* of each job id reported */
    unsigned reports[MAX_JOB_ID + 1];   /* how many times each job id was reported */
};

static void on_done(const struct attempt_result *res, void *arg)
{
    struct fixture *f = arg;

    f->result = *res;
    f->n_done++;
    assert_true(res->job_id <= MAX_JOB_ID);
    f->exit_codes[res->job_id] = res->exit_code;
    f->reports[res->job_id]++;
}

static void on_guard(uv_timer_t *timer)
{
    struct fixture *f = timer->data;

    f->guard_fired = true;
}

static int refuse_kept_result(const struct attempt_result *res, void *arg)
{
    fail_msg("the runner wrote a result file");
    return COHORT_EINTERNAL;
}

/* Set up a fixture whose runner uses accounts (NULL: jobs run as the test itself). */
static void fixture_setup(void **state, const struct account_policy *accounts)
{
    struct fixture *f = calloc(1, sizeof(*f));

    alarm(TEST_ALARM_S);
    strcpy(f->root, "/tmp/cohort-test-runner-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    assert_int_equal(uv_loop_init(&f->loop), 0);
    uv_timer_init(&f->loop, &f->guard);
    f->guard.data = f;
    assert_int_equal(spool_open(&f->spool, f->root, false), 0);
    assert_int_equal(runner_create(&f->runner, &f->loop, "testw", accounts, on_done, f), 0);
    *state = f;
}

static int setup(void **state)
{
    fixture_setup(state, NULL);
    return 0;
}

/* A fixture whose runner switches accounts as a root worker does, with job-user nobody and
 * the cohort-job-exec of this build. Its tests are skipped when not run as root. */
static int setup_switching(void **state)
{
    struct account_policy accounts;
    char self[PATH_MAX], job_exec[PATH_MAX + 32], err[512];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);

    *state = NULL;
    if (geteuid() != 0)
        return 0;
    assert_true(len > 0);
    self[len] = '\0';
    snprintf(job_exec, sizeof job_exec, "%s/../worker/cohort-job-exec", dirname(self));
    if (account_policy_init(&accounts, "nobody", false, job_exec, err, sizeof err) < 0)
        fail_msg("%s", err);
    fixture_setup(state, &accounts);
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    char lock_path[128];

    if (!f)
        return 0; /* a skipped test */
    runner_destroy(&f->runner);
    /* attempt dirs without a result are what the scan deletes */
    assert_int_equal(spool_scan(f->spool, refuse_kept_result, NULL), 0);
    spool_destroy(&f->spool);
    uv_close((uv_handle_t *)&f->guard, NULL);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    snprintf(lock_path, sizeof lock_path, "%s/lock", f->root);
    assert_int_equal(unlink(lock_path), 0);
    assert_int_equal(rmdir(f->root), 0);
    free(f);
    return 0;
}

/* Run the loop until `done` results came in, or fail after timeout_ms. */
static void wait_for_results(struct fixture *f, unsigned done, uint64_t timeout_ms)
{
    f->guard_fired = false;
    uv_timer_start(&f->guard, on_guard, timeout_ms, 0);
    while (f->n_done < done && !f->guard_fired)
        uv_run(&f->loop, UV_RUN_ONCE);
    uv_timer_stop(&f->guard);
    assert_false(f->guard_fired);
}

/* Run the loop for about ms milliseconds (to let a job get going). */
static void run_for(struct fixture *f, uint64_t ms)
{
    f->guard_fired = false;
    uv_timer_start(&f->guard, on_guard, ms, 0);
    while (!f->guard_fired)
        uv_run(&f->loop, UV_RUN_ONCE);
}

struct job {
    uint64_t job_id;
    const char *user; /* the owner; "tester" (no such account) when NULL */
    int64_t array_index;
    const char *cwd;
    uint32_t time_limit;
    const char **env;
    uint32_t envc;
    const char *stdin_text;
};

/* Start argv (NULL-terminated) as job j, attempt 1; returns its started_at. */
static int64_t start(struct fixture *f, const struct job *j, const char **argv)
{
    struct spool_streams streams;
    int64_t started_at = -1;
    uint32_t argc = 0;
    size_t stdin_len = j->stdin_text ? strlen(j->stdin_text) : 0;

    while (argv[argc])
        argc++;
    struct job_spec spec = {
        .name = "test",
        .user = j->user ? j->user : "tester",
        .cpus = 1,
        .time_limit = j->time_limit,
        .cwd = j->cwd ? j->cwd : "",
        .argc = argc,
        .argv = argv,
        .envc = j->envc,
        .env = j->env,
    };
    assert_int_equal(spool_attempt_create(&streams, f->spool, j->job_id, 1,
                                          (const uint8_t *)j->stdin_text, (uint32_t)stdin_len),
                     0);
    struct runner_request request = {
        .job_id = j->job_id,
        .attempt = 1,
        .array_index = j->array_index ? j->array_index : -1,
        .spec = &spec,
        .streams = &streams,
    };
    assert_int_equal(runner_start(&started_at, f->runner, &request), 0);
    assert_int_equal(streams.stdout_fd, -1); /* the runner closed them */
    return started_at;
}

/* The contents of SPOOL/JOB.1/file, NUL-terminated, in a static buffer. */
static const char *spool_file(struct fixture *f, uint64_t job_id, const char *file)
{
    static char contents[65536];
    char path[256];
    ssize_t n;
    int fd;

    snprintf(path, sizeof path, "%s/%llu.1/%s", f->root, (unsigned long long)job_id, file);
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    n = read(fd, contents, sizeof contents - 1);
    close(fd);
    assert_true(n >= 0);
    contents[n] = '\0';
    return contents;
}

static bool process_gone(pid_t pid)
{
    char path[64], stat_line[256];
    FILE *stat_file;
    bool zombie = false;

    if (kill(pid, 0) < 0 && errno == ESRCH)
        return true;
    /* an orphan may wait as a zombie for an init that reaps slowly: it runs no more */
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if ((stat_file = fopen(path, "r"))) {
        if (fgets(stat_line, sizeof stat_line, stat_file) && strrchr(stat_line, ')'))
            zombie = strrchr(stat_line, ')')[2] == 'Z';
        fclose(stat_file);
    }
    return zombie;
}

static void test_exit_code_and_streams(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = {"sh", "-c", "echo hi; echo err >&2; exit 3", NULL};

    assert_true(start(f, &(struct job){.job_id = 1}, argv) > 0);
    wait_for_results(f, 1, WAIT_DEFAULT_MS);
    assert_int_equal(f->result.job_id, 1);
    assert_int_equal(f->result.attempt, 1);
    assert_int_equal(f->result.state, COHORT_JOB_FAILED);
    assert_int_equal(f->result.exit_code, 3);
    assert_int_equal(f->result.signal, 0);
    assert_string_equal(f->result.reason, "exited with status 3");
    assert_true(f->result.finished_at >= f->result.started_at);
    assert_string_equal(spool_file(f, 1, "stdout"), "hi\n");
    assert_string_equal(spool_file(f, 1, "stderr"), "err\n");
    assert_int_equal(runner_count(f->runner), 0);
}

static void test_exit_zero_completes(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = {"true", NULL};

    start(f, &(struct job){.job_id = 2}, argv);
    wait_for_results(f, 1, WAIT_DEFAULT_MS);
    assert_int_equal(f->result.state, COHORT_JOB_COMPLETED);
    assert_int_equal(f->result.exit_code, 0);
    assert_string_equal(f->result.reason, "");
}

/* Many jobs ending together (their SIGCHLDs merge) are each reaped and reported once, with
 * their own exit codes. */
static void test_jobs_ending_together_are_each_reported_once(void **state)
{
    struct fixture *f = *state;
    const uint64_t first = 30, count = 24;
    char scripts[24][32];

    for (uint64_t i = 0; i < count; i++) {
        const char *argv[] = {"sh", "-c", scripts[i], NULL};
        snprintf(scripts[i], sizeof scripts[i], "sleep 0.2; exit %u", (unsigned)(i % 7));
        start(f, &(struct job){.job_id = first + i}, argv);
    }
    wait_for_results(f, (unsigned)count, WAIT_DEFAULT_MS);
    run_for(f, 100); /* no report comes twice */
    assert_int_equal(f->n_done, count);
    for (uint64_t i = 0; i < count; i++) {
        assert_int_equal(f->reports[first + i], 1);
        assert_int_equal(f->exit_codes[first + i], (int32_t)(i % 7));
    }
}

/* A job whose process something else reaped can never be reaped by the runner: at the next
 * SIGCHLD it is reported failed, not waited for forever. */
static void test_a_job_reaped_elsewhere_fails_as_lost(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = {"sh", "-c", "echo $$ > ../pid; exec sleep 0.3", NULL};
    char pid_path[128];
    int pid = 0, status;

    start(f, &(struct job){.job_id = 5}, argv);
    snprintf(pid_path, sizeof pid_path, "%s/5.1/pid", f->root);
    for (int i = 0; i < 50 && (access(pid_path, R_OK) != 0 ||
                               sscanf(spool_file(f, 5, "pid"), "%d", &pid) != 1);
         i++)
        run_for(f, 20);
    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, &status, 0), pid); /* before the runner hears of it */
    wait_for_results(f, 1, WAIT_DEFAULT_MS);
    assert_int_equal(f->result.state, COHORT_JOB_FAILED);
    assert_string_equal(f->result.reason, "the worker lost track of the job's process");
}

static void test_stdin_is_fed(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = {"cat", NULL};

    start(f, &(struct job){.job_id = 3, .stdin_text = "line one\nline two\n"}, argv);
    wait_for_results(f, 1, WAIT_DEFAULT_MS);
    assert_int_equal(f->result.state, COHORT_JOB_COMPLETED);
    assert_string_equal(spool_file(f, 3, "stdout"), "line one\nline two\n");
}

static void test_signal_death(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = {"sh", "-c", "kill -9 $$", NULL};

    start(f, &(struct job){.job_id = 4}, argv);
    wait_for_results(f, 1, WAIT_DEFAULT_MS);
    assert_int_equal(f->result.state, COHORT_JOB_FAILED);
    assert_int_equal(f->result.exit_code, -1);
    assert_int_equal(f->result.signal, SIGKILL);
    assert_string_equal(f->result.reason, "killed by signal 9 (SIGKILL)");
}

/* The limit counts from the start, also when the loop turn that started the job began long
 * before (the loop's clock is read once per turn). */
static void test_time_limit(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = {"sleep", "30", NULL};
    const struct timespec long_turn = {.tv_nsec = 300 * 1000000L};

    uv_run(&f->loop, UV_RUN_NOWAIT);
    nanosleep(&long_turn, NULL);
    int64_t began = clock_mono_ms();
    start(f, &(struct job){.job_id = 5, .time_limit = 1}, argv);
    wait_for_results(f, 1, 5000);
    assert_int_equal(f->result.state, COHORT_JOB_TIMEOUT);
    assert_string_equal(f->result.reason, "time limit of 1 s reached");
    assert_int_equal(f->result.signal, SIGTERM);
    assert_true(clock_mono_ms() - began >= 1000);
}

static void test_time_limit_escalates_to_sigkill(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = {"sh", "-c", "trap '' TERM; while :; do sleep 0.1; done", NULL};
    int64_t began = clock_mono_ms();

    start(f, &(struct job){.job_id = 6, .time_limit = 1}, argv);
    wait_for_results(f, 1, 1000 + RUNNER_KILL_GRACE_MS + 3000);
    assert_int_equal(f->result.state, COHORT_JOB_TIMEOUT);
    assert_int_equal(f->result.signal, SIGKILL);
    assert_true(clock_mono_ms() - began >= 1000 + RUNNER_KILL_GRACE_MS);
}

static void test_environment_is_exact(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = {"sh", "-c", "env", NULL};
    const char *env[] = {"FOO=bar baz", "COHORT_JOB_NAME=renamed"};
    const char *out;

    setenv("COHORT_TEST_SECRET", "leaked", 1);
    start(f, &(struct job){.job_id = 7, .env = env, .envc = 2}, argv);
    wait_for_results(f, 1, WAIT_DEFAULT_MS);
    out = spool_file(f, 7, "stdout");
    assert_non_null(strstr(out, "COHORT_JOB_ID=7\n"));
    assert_non_null(strstr(out, "COHORT_ATTEMPT=1\n"));
    assert_non_null(strstr(out, "COHORT_JOB_NAME=renamed\n"));
    assert_null(strstr(out, "COHORT_JOB_NAME=test\n"));
    assert_non_null(strstr(out, "FOO=bar baz\n"));
    assert_non_null(strstr(out, "PATH="));
    assert_non_null(strstr(out, "HOME="));
    assert_null(strstr(out, "COHORT_TEST_SECRET"));
    assert_null(strstr(out, "COHORT_ARRAY_INDEX"));
    unsetenv("COHORT_TEST_SECRET");
}

static void test_array_index_in_environment(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = {"sh", "-c", "echo $COHORT_ARRAY_INDEX", NULL};

    start(f, &(struct job){.job_id = 8, .array_index = 4}, argv);
    wait_for_results(f, 1, WAIT_DEFAULT_MS);
    assert_string_equal(spool_file(f, 8, "stdout"), "4\n");
}

static void test_default_cwd_is_spool_dir(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = {"pwd", NULL};
    char expected[128];

    start(f, &(struct job){.job_id = 9}, argv);
    wait_for_results(f, 1, WAIT_DEFAULT_MS);
    snprintf(expected, sizeof expected, "%s/9.1/work\n", f->root);
    assert_string_equal(spool_file(f, 9, "stdout"), expected);
}

static void test_given_cwd(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = {"pwd", NULL};

    start(f, &(struct job){.job_id = 10, .cwd = "/"}, argv);
    wait_for_results(f, 1, WAIT_DEFAULT_MS);
    assert_string_equal(spool_file(f, 10, "stdout"), "/\n");
}

/* Wait (bounded) until the job wrote the pid of its background child to `pidfile`. */
static pid_t wait_for_pidfile(struct fixture *f, uint64_t job_id)
{
    for (int i = 0; i < 50; i++) {
        run_for(f, 100);
        const char *text = spool_file(f, job_id, "stdout");
        if (strchr(text, '\n'))
            return (pid_t)atoi(text);
    }
    fail_msg("the job did not write its child's pid");
    return 0;
}

static void assert_gone_soon(pid_t pid)
{
    for (int i = 0; i < 30 && !process_gone(pid); i++)
        usleep(100 * 1000);
    assert_true(process_gone(pid));
}

static void test_kill_takes_the_whole_group(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = {"sh", "-c", "sleep 60 & echo $!; wait", NULL};
    pid_t child;

    start(f, &(struct job){.job_id = 11}, argv);
    child = wait_for_pidfile(f, 11);
    assert_true(child > 0);
    assert_false(process_gone(child));
    assert_int_equal(runner_kill(f->runner, 11, 1, COHORT_JOB_CANCELLED, "cancelled"), 0);
    wait_for_results(f, 1, RUNNER_KILL_GRACE_MS + 3000);
    assert_int_equal(f->result.state, COHORT_JOB_CANCELLED);
    assert_string_equal(f->result.reason, "cancelled");
    assert_gone_soon(child);
}

static void test_leftover_children_are_killed(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = {"sh", "-c", "sleep 60 & echo $!", NULL};
    pid_t child;

    start(f, &(struct job){.job_id = 12}, argv);
    wait_for_results(f, 1, WAIT_DEFAULT_MS);
    assert_int_equal(f->result.state, COHORT_JOB_COMPLETED);
    child = (pid_t)atoi(spool_file(f, 12, "stdout"));
    assert_true(child > 0);
    assert_gone_soon(child);
}

static void test_command_not_found(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = {"no-such-command-cohort", "x", NULL};

    assert_int_equal(start(f, &(struct job){.job_id = 13}, argv), 0);
    assert_int_equal(runner_count(f->runner), 1); /* reported on a later turn */
    wait_for_results(f, 1, WAIT_DEFAULT_MS);
    assert_int_equal(f->result.state, COHORT_JOB_FAILED);
    assert_int_equal(f->result.exit_code, 127);
    assert_string_equal(f->result.reason,
                        "cannot execute 'no-such-command-cohort': No such file or directory");
}

static void test_job_path_is_used_for_lookup(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = {"sh", "-c", "true", NULL};
    const char *env[] = {"PATH=/nonexistent-cohort"};

    start(f, &(struct job){.job_id = 14, .env = env, .envc = 1}, argv);
    wait_for_results(f, 1, WAIT_DEFAULT_MS);
    assert_int_equal(f->result.exit_code, 127);
}

static void test_missing_cwd(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = {"true", NULL};

    assert_int_equal(start(f, &(struct job){.job_id = 15, .cwd = "/nonexistent/cohort"}, argv), 0);
    wait_for_results(f, 1, WAIT_DEFAULT_MS);
    assert_int_equal(f->result.state, COHORT_JOB_FAILED);
    assert_string_equal(f->result.reason,
                        "working directory /nonexistent/cohort does not exist on worker testw");
}

static void test_duplicates_and_unknown_kills(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = {"sleep", "30", NULL};
    struct spool_streams streams;
    struct job_attempt listed[4];
    int64_t started_at;

    start(f, &(struct job){.job_id = 16}, argv);
    assert_true(runner_has(f->runner, 16, 1));
    assert_int_equal(runner_list(f->runner, listed, 4), 1);
    assert_int_equal(listed[0].job_id, 16);
    assert_int_equal(spool_attempt_create(&streams, f->spool, 16, 2, NULL, 0), 0);
    struct job_spec spec = {.cwd = "", .argc = 2, .argv = argv};
    struct runner_request again = {
        .job_id = 16, .attempt = 1, .array_index = -1, .spec = &spec, .streams = &streams};
    assert_int_equal(runner_start(&started_at, f->runner, &again), COHORT_EINVAL);
    assert_int_equal(runner_kill(f->runner, 99, 1, COHORT_JOB_CANCELLED, "x"), COHORT_ENOENT);
    runner_kill_all(f->runner, COHORT_JOB_FAILED, "stopping");
    wait_for_results(f, 1, RUNNER_KILL_GRACE_MS + 3000);
    assert_int_equal(f->result.state, COHORT_JOB_FAILED);
    assert_string_equal(f->result.reason, "stopping");
    assert_false(f->result.fenced);
}

static void test_fence_marks_what_it_kills_and_only_that(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = {"sleep", "30", NULL};
    const char *stubborn[] = {"sh", "-c", "trap '' TERM; while :; do sleep 0.1; done", NULL};

    /* its time limit decided first (the job ignores SIGTERM, so it still runs): that end
     * stands, and is not the fence's */
    start(f, &(struct job){.job_id = 17, .time_limit = 1}, stubborn);
    run_for(f, 1300);
    runner_fence_all(f->runner, "killed: no word");
    wait_for_results(f, 1, RUNNER_KILL_GRACE_MS + 3000);
    assert_int_equal(f->result.state, COHORT_JOB_TIMEOUT);
    assert_false(f->result.fenced);

    start(f, &(struct job){.job_id = 18}, argv);
    runner_fence_all(f->runner, "killed: no word from the scheduler for 5 s");
    wait_for_results(f, 2, RUNNER_KILL_GRACE_MS + 3000);
    assert_int_equal(f->result.job_id, 18);
    assert_int_equal(f->result.state, COHORT_JOB_FAILED);
    assert_string_equal(f->result.reason, "killed: no word from the scheduler for 5 s");
    assert_true(f->result.fenced);
}

/* The fixture of a test that needs root, or skip it. */
static struct fixture *switching_fixture(void **state)
{
    if (!*state)
        skip();
    return *state;
}

/* The uid of account name (which must exist). */
static uid_t uid_of(const char *name)
{
    struct passwd *pw = getpwnam(name);

    assert_non_null(pw);
    return pw->pw_uid;
}

static void test_switched_job_runs_as_job_user(void **state)
{
    struct fixture *f = switching_fixture(state);
    const char *argv[] = {"sh", "-c", "id -u; id -g; pwd; echo made >mine; env", NULL};
    struct passwd *nobody = getpwnam("nobody");
    char expected[512], path[256];
    const char *out;
    struct stat st;

    assert_non_null(nobody);
    setenv("COHORT_TEST_SECRET", "leaked", 1);
    start(f, &(struct job){.job_id = 30, .user = "root"}, argv);
    wait_for_results(f, 1, WAIT_DEFAULT_MS);
    unsetenv("COHORT_TEST_SECRET");
    assert_int_equal(f->result.state, COHORT_JOB_COMPLETED);
    out = spool_file(f, 30, "stdout");
    snprintf(expected, sizeof expected, "%ld\n%ld\n%s/30.1/work\n", (long)nobody->pw_uid,
             (long)nobody->pw_gid, f->root);
    assert_memory_equal(out, expected, strlen(expected));
    snprintf(expected, sizeof expected, "\nHOME=%s\n", nobody->pw_dir);
    assert_non_null(strstr(out, expected));
    assert_non_null(strstr(out, "\nUSER=nobody\n"));
    assert_non_null(strstr(out, "\nLOGNAME=nobody\n"));
    assert_null(strstr(out, "COHORT_TEST_SECRET"));
    /* the work dir is the account's; the attempt dir and the output stay the worker's */
    snprintf(path, sizeof path, "%s/30.1/work/mine", f->root);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_uid, nobody->pw_uid);
    snprintf(path, sizeof path, "%s/30.1/stdout", f->root);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_uid, 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_switched_job_runs_as_its_owner(void **state)
{
    struct fixture *f = switching_fixture(state);
    const char *argv[] = {"sh", "-c", "id -u; echo $USER", NULL};
    char expected[64];

    if (!getpwnam("daemon"))
        skip();
    start(f, &(struct job){.job_id = 31, .user = "daemon", .cwd = "/"}, argv);
    wait_for_results(f, 1, WAIT_DEFAULT_MS);
    assert_int_equal(f->result.state, COHORT_JOB_COMPLETED);
    snprintf(expected, sizeof expected, "%ld\ndaemon\n", (long)uid_of("daemon"));
    assert_string_equal(spool_file(f, 31, "stdout"), expected);
}

static void test_switched_job_cannot_enter_a_closed_cwd(void **state)
{
    struct fixture *f = switching_fixture(state);
    const char *argv[] = {"true", NULL};
    char closed[] = "/tmp/cohort-test-closed-XXXXXX", expected[256];

    assert_non_null(mkdtemp(closed)); /* 0700, root's */
    start(f, &(struct job){.job_id = 32, .cwd = closed}, argv);
    wait_for_results(f, 1, WAIT_DEFAULT_MS);
    rmdir(closed);
    assert_int_equal(f->result.state, COHORT_JOB_FAILED);
    assert_int_equal(f->result.exit_code, 126);
    snprintf(expected, sizeof expected,
             "cohort-job-exec: working directory %s is not accessible to nobody: "
             "Permission denied\n",
             closed);
    assert_string_equal(spool_file(f, 32, "stderr"), expected);
}

static void test_switched_job_cannot_run_what_its_account_cannot(void **state)
{
    struct fixture *f = switching_fixture(state);
    char script[] = "/tmp/cohort-test-script-XXXXXX";
    const char *argv[] = {script, NULL};
    int fd = mkstemp(script);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, "#!/bin/sh\ntrue\n", 15), 15);
    close(fd);
    assert_int_equal(chmod(script, 0700), 0); /* root may run it; nobody may not */
    start(f, &(struct job){.job_id = 33, .cwd = "/"}, argv);
    wait_for_results(f, 1, WAIT_DEFAULT_MS);
    unlink(script);
    assert_int_equal(f->result.exit_code, 126);
    assert_non_null(strstr(spool_file(f, 33, "stderr"), "Permission denied"));
}

static void test_switched_job_is_killed_with_its_group(void **state)
{
    struct fixture *f = switching_fixture(state);
    const char *argv[] = {"sh", "-c", "sleep 60 & echo $!; wait", NULL};
    pid_t child;

    start(f, &(struct job){.job_id = 34, .time_limit = 1}, argv);
    child = wait_for_pidfile(f, 34);
    assert_true(child > 0);
    wait_for_results(f, 1, 1000 + RUNNER_KILL_GRACE_MS + 3000);
    assert_int_equal(f->result.state, COHORT_JOB_TIMEOUT);
    assert_int_equal(f->result.signal, SIGTERM);
    assert_gone_soon(child);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exit_code_and_streams, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fence_marks_what_it_kills_and_only_that, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_exit_zero_completes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jobs_ending_together_are_each_reported_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_job_reaped_elsewhere_fails_as_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stdin_is_fed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signal_death, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_limit_escalates_to_sigkill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_environment_is_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_array_index_in_environment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_cwd_is_spool_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_given_cwd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill_takes_the_whole_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leftover_children_are_killed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_command_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_path_is_used_for_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_cwd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_and_unknown_kills, setup, teardown),
        cmocka_unit_test_setup_teardown(test_switched_job_runs_as_job_user, setup_switching,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_switched_job_runs_as_its_owner, setup_switching,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_switched_job_cannot_enter_a_closed_cwd,
                                        setup_switching, teardown),
        cmocka_unit_test_setup_teardown(test_switched_job_cannot_run_what_its_account_cannot,
                                        setup_switching, teardown),
        cmocka_unit_test_setup_teardown(test_switched_job_is_killed_with_its_group, setup_switching,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
