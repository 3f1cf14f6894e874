/* job_spawn.c — posix_spawn a job in its own group, or via cohort-job-exec as its account. */
#define _GNU_SOURCE
#include "job_spawn.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "job_exec.h"

#define ID_TEXT_MAX 24 /* a uid or gid in decimal */

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

/* The attributes every job gets: its own process group, no blocked signals, default
 * actions. Returns 0 or an errno value (attr is then destroyed). */
static int group_attr_init(posix_spawnattr_t *attr)
{
    sigset_t no_signals, all_signals;
    int err;

    sigemptyset(&no_signals);
    sigfillset(&all_signals);
    if ((err = posix_spawnattr_init(attr)) != 0)
        return err;
    if ((err = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                  POSIX_SPAWN_SETSIGDEF)) ||
        (err = posix_spawnattr_setpgroup(attr, 0)) ||
        (err = posix_spawnattr_setsigmask(attr, &no_signals)) ||
        (err = posix_spawnattr_setsigdefault(attr, &all_signals)))
        posix_spawnattr_destroy(attr);
    return err;
}

int spawn_job(pid_t *pid, const struct spawn_request *req)
{
    const struct spool_streams *streams = req->streams;
    char uid_text[ID_TEXT_MAX], gid_text[ID_TEXT_MAX];
    char *const no_environment[] = {NULL};
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    char **switch_argv = NULL;
    int env_fd = -1, err;

    if ((err = group_attr_init(&attr)) != 0)
        return err;
    if ((err = posix_spawn_file_actions_init(&actions)) != 0) {
        posix_spawnattr_destroy(&attr);
        return err;
    }
    if ((err = posix_spawn_file_actions_adddup2(&actions, streams->stdin_fd, STDIN_FILENO)) ||
        (err = posix_spawn_file_actions_adddup2(&actions, streams->stdout_fd, STDOUT_FILENO)) ||
        (err = posix_spawn_file_actions_adddup2(&actions, streams->stderr_fd, STDERR_FILENO)))
        goto done;
    if (req->account->is_worker) {
        if (!(err = posix_spawn_file_actions_addchdir_np(&actions, req->cwd)))
            err = posix_spawn(pid, req->program, &actions, &attr, req->argv, req->envp);
        goto done;
    }
    /* the switcher starts as root: the job's environment must not reach its loader */
    if ((env_fd = env_file_create(req->envp)) < 0) {
        err = errno;
        goto done;
    }
    err = ENOMEM;
    if (!(switch_argv = job_exec_argv(req, uid_text, gid_text)))
        goto done;
    if (!(err = posix_spawn_file_actions_adddup2(&actions, env_fd, JOB_EXEC_ENV_FD)))
        err = posix_spawn(pid, req->job_exec, &actions, &attr, switch_argv, no_environment);
done:
    free(switch_argv);
    if (env_fd >= 0)
        close(env_fd);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    return err;
}
