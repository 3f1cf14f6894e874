/* job_spawn.c — start a job in its own group, or via cohort-job-exec as its account. */
#define _GNU_SOURCE
#include "job_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "batch_policy.h"
#include "job_exec.h"

#define ID_TEXT_MAX 24 /* a uid or gid in decimal */
#define PLAN_FDS 4     /* stdin, stdout, stderr, and the switcher's environment */

/* Sanitizers cannot follow a process that runs on the worker's memory and a stack of its
 * own: their builds start jobs with posix_spawn, which does the same steps (and more). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SPAWN_WITH_POSIX_SPAWN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SPAWN_WITH_POSIX_SPAWN 1
#endif
#endif

/* What the new process does before it executes the program. */
struct launch_plan {
    const char *program;
    char *const *argv;
    char *const *envp;
    const char *cwd;    /* entered after the fds are in place; NULL to stay */
    int from[PLAN_FDS]; /* dup2(from[i], to[i]), in order */
    int to[PLAN_FDS];
    int n_fds;
    bool leave_batch; /* the worker runs under SCHED_BATCH: the job goes back to SCHED_OTHER */
    volatile int err; /* clone path: the errno of the step that failed (0: it executed) */
};

#ifdef SPAWN_WITH_POSIX_SPAWN

/* The attributes every job gets: its own process group, no blocked signals, default
 * actions, and SCHED_OTHER when leave_batch. Returns 0 or an errno value (attr is then
 * destroyed). */
static int group_attr_init(posix_spawnattr_t *attr, bool leave_batch)
{
    const struct sched_param normal = {.sched_priority = 0};
    short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    sigset_t no_signals, all_signals;
    int err;

    sigemptyset(&no_signals);
    sigfillset(&all_signals);
    if ((err = posix_spawnattr_init(attr)) != 0)
        return err;
    if (leave_batch)
        flags |= POSIX_SPAWN_SETSCHEDULER;
    if ((err = posix_spawnattr_setflags(attr, flags)) ||
        (err = posix_spawnattr_setpgroup(attr, 0)) ||
        (err = posix_spawnattr_setsigmask(attr, &no_signals)) ||
        (err = posix_spawnattr_setsigdefault(attr, &all_signals)) ||
        (err = posix_spawnattr_setschedpolicy(attr, SCHED_OTHER)) ||
        (err = posix_spawnattr_setschedparam(attr, &normal)))
        posix_spawnattr_destroy(attr);
    return err;
}

/* Carry the plan out with posix_spawn. Returns 0 with *pid set, or an errno value. */
static int plan_start(pid_t *pid, struct launch_plan *plan)
{
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    int err;

    if ((err = group_attr_init(&attr, plan->leave_batch)) != 0)
        return err;
    if ((err = posix_spawn_file_actions_init(&actions)) != 0) {
        posix_spawnattr_destroy(&attr);
        return err;
    }
    for (int i = 0; i < plan->n_fds && !err; i++)
        err = posix_spawn_file_actions_adddup2(&actions, plan->from[i], plan->to[i]);
    if (!err && plan->cwd)
        err = posix_spawn_file_actions_addchdir_np(&actions, plan->cwd);
    if (!err)
        err = posix_spawn(pid, plan->program, &actions, &attr, plan->argv, plan->envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    return err;
}

#else

#define CHILD_STACK_BYTES (64 * 1024) /* the steps below need a few hundred bytes */

/* The stack the new process runs on until it executes the program. One serves every job:
 * the worker's thread waits (CLONE_VFORK) until the process executed or exited. */
static char child_stack[CHILD_STACK_BYTES] __attribute__((aligned(64)));

/* The signals whose action is not the default in the worker (caught or ignored), read once,
 * at the first job: by then the worker has set up every handler it has. */
static sigset_t not_default;
static bool not_default_known;

static void read_not_default(void)
{
    struct sigaction action;

    sigemptyset(&not_default);
    for (int sig = 1; sig < NSIG; sig++)
        if (sigaction(sig, NULL, &action) == 0 && action.sa_handler != SIG_DFL)
            sigaddset(&not_default, sig);
    not_default_known = true;
}

/* The new process, on the worker's memory until execve: only system calls, no allocation.
 * Every signal is blocked on entry; actions are made default before the mask is emptied,
 * so that no handler of the worker runs here, and an ignored signal is not ignored by the
 * job. */
static int child_main(void *arg)
{
    struct launch_plan *plan = arg;
    struct sigaction default_action = {.sa_handler = SIG_DFL};
    sigset_t no_signals;

    for (int sig = 1; sig < NSIG; sig++)
        if (sigismember(&not_default, sig))
            sigaction(sig, &default_action, NULL);
    if (setpgid(0, 0) < 0)
        goto fail;
    /* a job left under SCHED_BATCH would still run, its wake-ups only mildly disfavoured:
     * not worth failing it */
    if (plan->leave_batch)
        batch_policy_leave();
    for (int i = 0; i < plan->n_fds; i++) {
        /* dup2 onto itself keeps close-on-exec: clear it instead */
        if (plan->from[i] == plan->to[i] ? fcntl(plan->to[i], F_SETFD, 0) < 0
                                         : dup2(plan->from[i], plan->to[i]) < 0)
            goto fail;
    }
    if (plan->cwd && chdir(plan->cwd) < 0)
        goto fail;
    sigemptyset(&no_signals);
    sigprocmask(SIG_SETMASK, &no_signals, NULL);
    execve(plan->program, plan->argv, plan->envp);
fail:
    plan->err = errno ? errno : EINVAL;
    _exit(127);
}

/* Carry the plan out in a process that shares the worker's memory until it executes the
 * program: no stack to map and unmap, no file actions to check, and only the signals the
 * worker handles or ignores to reset (posix_spawn resets all 64, one call each). Returns 0
 * with *pid set, or an errno value (the process, if any, was reaped). */
static int plan_start(pid_t *pid, struct launch_plan *plan)
{
    sigset_t all_signals, saved;
    pid_t child;
    int err;

    if (!not_default_known)
        read_not_default();
    plan->err = 0;
    sigfillset(&all_signals);
    pthread_sigmask(SIG_BLOCK, &all_signals, &saved);
    child =
        clone(child_main, child_stack + sizeof child_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, plan);
    err = child < 0 ? errno : 0;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (err)
        return err;
    if (plan->err) { /* it exited without executing: nobody else may reap it */
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
            ;
        return plan->err;
    }
    *pid = child;
    return 0;
}

#endif

/* A new memory file holding envp as NUL-ended entries, for cohort-job-exec. Returns its fd
 * (close-on-exec) or -1 with errno. */
static int env_file_create(char *const *envp)
{
    int fd = memfd_create("cohort-job-env", MFD_CLOEXEC), saved_errno;

    if (fd < 0)
        return -1;
    for (size_t i = 0; envp[i]; i++) {
        const char *entry = envp[i];
        size_t left = strlen(entry) + 1;
        while (left > 0) {
            ssize_t n = write(fd, entry, left);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                goto fail;
            entry += n;
            left -= (size_t)n;
        }
    }
    return fd;
fail:
    saved_errno = errno ? errno : EIO;
    close(fd);
    errno = saved_errno;
    return -1;
}

/* The argv of cohort-job-exec for req (job_exec.h); uid_text and gid_text hold the ids and
 * must outlive it. Returns it (the caller frees the array only) or NULL when out of memory. */
static char **job_exec_argv(const struct spawn_request *req, char uid_text[ID_TEXT_MAX],
                            char gid_text[ID_TEXT_MAX])
{
    size_t argc = 0;
    char **argv;

    while (req->argv[argc])
        argc++;
    if (!(argv = calloc(JOB_EXEC_FIXED_ARGS + argc + 1, sizeof(*argv))))
        return NULL;
    snprintf(uid_text, ID_TEXT_MAX, "%ju", (uintmax_t)req->account->uid);
    snprintf(gid_text, ID_TEXT_MAX, "%ju", (uintmax_t)req->account->gid);
    argv[0] = (char *)req->job_exec;
    argv[1] = (char *)req->account->name;
    argv[2] = uid_text;
    argv[3] = gid_text;
    argv[4] = (char *)req->cwd;
    argv[5] = (char *)req->program;
    memcpy(argv + JOB_EXEC_FIXED_ARGS, req->argv, argc * sizeof(*argv));
    return argv;
}

/* Add dup2(from, to) to the plan. */
static void plan_fd(struct launch_plan *plan, int from, int to)
{
    plan->from[plan->n_fds] = from;
    plan->to[plan->n_fds++] = to;
}

int spawn_job(pid_t *pid, const struct spawn_request *req)
{
    const struct spool_streams *streams = req->streams;
    char uid_text[ID_TEXT_MAX], gid_text[ID_TEXT_MAX];
    char *const no_environment[] = {NULL};
    struct launch_plan plan = {.leave_batch = batch_policy_entered()};
    char **switch_argv = NULL;
    int env_fd = -1, err;

    plan_fd(&plan, streams->stdin_fd, STDIN_FILENO);
    plan_fd(&plan, streams->stdout_fd, STDOUT_FILENO);
    plan_fd(&plan, streams->stderr_fd, STDERR_FILENO);
    if (req->account->is_worker) {
        plan.program = req->program;
        plan.argv = req->argv;
        plan.envp = req->envp;
        plan.cwd = req->cwd;
        return plan_start(pid, &plan);
    }
    /* the switcher starts as root: the job's environment must not reach its loader */
    if ((env_fd = env_file_create(req->envp)) < 0)
        return errno;
    err = ENOMEM;
    if ((switch_argv = job_exec_argv(req, uid_text, gid_text))) {
        plan_fd(&plan, env_fd, JOB_EXEC_ENV_FD);
        plan.program = req->job_exec;
        plan.argv = switch_argv;
        plan.envp = no_environment;
        err = plan_start(pid, &plan);
    }
    free(switch_argv);
    close(env_fd);
    return err;
}
