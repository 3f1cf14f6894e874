/* launch.c — a job spec made a process: its account, env, PATH lookup, then job_spawn.h. */
#define _GNU_SOURCE
#include "launch.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "cohort.h"
#include "log.h"
#include "job_spawn.h"

#define ENV_BASE_MAX 8 /* entries the worker sets itself, before the user's */

/* A job's environment under construction. */
struct job_env {
    char **entries; /* owned "KEY=VALUE" strings, NULL-terminated */
    size_t count;   /* entries in use */
    size_t cap;     /* entries that fit, the terminating NULL not counted */
};

static void copy_string(char *out, size_t out_len, const char *value, const char *fallback)
{
    snprintf(out, out_len, "%s", value && value[0] ? value : fallback);
}

void launch_base_init(struct launch_base *base, const char *worker_name,
                      const struct account_policy *accounts)
{
    copy_string(base->worker_name, sizeof base->worker_name, worker_name, "");
    copy_string(base->path, sizeof base->path, getenv("PATH"), LAUNCH_DEFAULT_PATH);
    memset(&base->cache, 0, sizeof base->cache);
    if (accounts)
        base->accounts = *accounts;
    else
        account_policy_as_worker(&base->accounts);
}

static void env_free(struct job_env *env)
{
    for (size_t i = 0; i < env->count; i++)
        free(env->entries[i]);
    free(env->entries);
    env->entries = NULL;
    env->count = 0;
}

/* Add "KEY=VALUE" (copied), replacing an entry with the same KEY. Returns 0, COHORT_EINVAL
 * when entry has no '=' or an empty KEY, or COHORT_ENOMEM. */
static int env_put(struct job_env *env, const char *entry)
{
    const char *equals = strchr(entry, '=');
    size_t key_len;
    char *copy;

    if (!equals || equals == entry)
        return COHORT_EINVAL;
    if (!(copy = strdup(entry)))
        return COHORT_ENOMEM;
    key_len = (size_t)(equals - entry) + 1;
    for (size_t i = 0; i < env->count; i++) {
        if (strncmp(env->entries[i], entry, key_len) == 0) {
            free(env->entries[i]);
            env->entries[i] = copy;
            return 0;
        }
    }
    assert(env->count < env->cap);
    env->entries[env->count++] = copy;
    env->entries[env->count] = NULL;
    return 0;
}

static int env_putf(struct job_env *env, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int env_putf(struct job_env *env, const char *fmt, ...)
{
    char *entry;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = vasprintf(&entry, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return COHORT_ENOMEM;
    rc = env_put(env, entry);
    free(entry);
    return rc;
}

/* The value of KEY in env, or NULL. */
static const char *env_get(const struct job_env *env, const char *key)
{
    size_t key_len = strlen(key);

    for (size_t i = 0; i < env->count; i++)
        if (strncmp(env->entries[i], key, key_len) == 0 && env->entries[i][key_len] == '=')
            return env->entries[i] + key_len + 1;
    return NULL;
}

/* Build the environment of the job running as account into *env. Entries of the spec that
 * are not KEY=VALUE are skipped with a warning. Returns 0 or COHORT_ENOMEM (env is then
 * empty). */
static int env_build(struct job_env *env, const struct launch_base *base,
                     const struct launch_request *req, const struct job_account *account)
{
    const struct job_spec *spec = req->spec;
    int rc = COHORT_ENOMEM;

    env->count = 0;
    env->cap = ENV_BASE_MAX + spec->envc;
    if (!(env->entries = calloc(env->cap + 1, sizeof(*env->entries))))
        goto fail;
    if ((rc = env_putf(env, "PATH=%s", base->path)) < 0 ||
        (rc = env_putf(env, "HOME=%s", account->home)) < 0 ||
        (account->name[0] && ((rc = env_putf(env, "USER=%s", account->name)) < 0 ||
                              (rc = env_putf(env, "LOGNAME=%s", account->name)) < 0)) ||
        (rc = env_putf(env, "COHORT_JOB_ID=%" PRIu64, req->job_id)) < 0 ||
        (rc = env_putf(env, "COHORT_ATTEMPT=%" PRIu32, req->attempt)) < 0 ||
        (req->array_index >= 0 &&
         (rc = env_putf(env, "COHORT_ARRAY_INDEX=%" PRId64, req->array_index)) < 0) ||
        (rc = env_putf(env, "COHORT_JOB_NAME=%s", spec->name ? spec->name : "")) < 0)
        goto fail;
    for (uint32_t i = 0; i < spec->envc; i++) {
        rc = env_put(env, spec->env[i]);
        if (rc == COHORT_EINVAL)
            log_warn("job %" PRIu64 ": ignoring environment entry without KEY=", req->job_id);
        else if (rc < 0)
            goto fail;
    }
    return 0;
fail:
    env_free(env);
    return rc;
}

/* Write into candidate the path to try for cmd in the PATH entry dir (dir_len bytes; ""
 * means "."), and into checked where that is seen from the worker, given the job's cwd.
 * Returns 0, or -1 when a path does not fit in PATH_MAX. */
static int candidate_paths(char candidate[PATH_MAX], char checked[PATH_MAX], const char *dir,
                           int dir_len, const char *cmd, const char *cwd)
{
    bool relative;

    if ((size_t)snprintf(candidate, PATH_MAX, "%.*s/%s", dir_len ? dir_len : 1, dir_len ? dir : ".",
                         cmd) >= PATH_MAX)
        return -1;
    relative = candidate[0] != '/';
    if ((size_t)snprintf(checked, PATH_MAX, "%s%s%s", relative ? cwd : "", relative ? "/" : "",
                         candidate) >= PATH_MAX)
        return -1;
    return 0;
}

/* Look cmd up like a shell: as given when it holds a '/', else in each directory of
 * path_value, where relative entries are taken from cwd, the job's working directory.
 * Returns 0 with the path to execute in out (PATH_MAX bytes), else ENOENT, or EACCES when
 * only candidates that cannot be executed exist (a path with '/' is only checked to
 * exist: executing it says the rest). */
static int resolve_command(char out[PATH_MAX], const char *cmd, const char *path_value,
                           const char *cwd)
{
    char candidate[PATH_MAX], checked[PATH_MAX];
    const char *dir_end;
    int not_found = ENOENT;
    struct stat st;

    if (cmd[0] == '\0')
        return ENOENT;
    if (strchr(cmd, '/')) {
        if ((size_t)snprintf(out, PATH_MAX, "%s", cmd) >= PATH_MAX ||
            (size_t)snprintf(checked, PATH_MAX, "%s%s%s", cmd[0] == '/' ? "" : cwd,
                             cmd[0] == '/' ? "" : "/", cmd) >= PATH_MAX)
            return ENAMETOOLONG;
        /* missing: fail before starting, also when an account switch would run it */
        return stat(checked, &st) < 0 && errno == ENOENT ? ENOENT : 0;
    }
    for (const char *dir = path_value;; dir = dir_end + 1) {
        dir_end = strchrnul(dir, ':');
        if (candidate_paths(candidate, checked, dir, (int)(dir_end - dir), cmd, cwd) == 0 &&
            stat(checked, &st) == 0 && S_ISREG(st.st_mode)) {
            if (access(checked, X_OK) == 0) {
                memcpy(out, candidate, PATH_MAX);
                return 0;
            }
            not_found = EACCES;
        }
        if (*dir_end == '\0')
            return not_found;
    }
}

/* resolve_command through the cache of recent lookups: *cached says whether out came from
 * it. Commands with a '/' and PATHs with relative entries are always looked up. */
static int find_command(char out[PATH_MAX], bool *cached, struct launch_cache *cache,
                        const char *cmd, const char *path_value, const char *cwd)
{
    int64_t now = clock_mono_ms();
    int err;

    *cached = !strchr(cmd, '/') && launch_cache_get_command(out, cache, cmd, path_value, now);
    if (*cached)
        return 0;
    if ((err = resolve_command(out, cmd, path_value, cwd)) == 0 && !strchr(cmd, '/'))
        launch_cache_put_command(cache, cmd, path_value, out, now);
    return err;
}

/* Check that cwd is a directory the job can enter; else write why into reason and return
 * COHORT_EINVAL. */
static int check_cwd(char *reason, size_t reason_len, const char *cwd,
                     const struct launch_base *base)
{
    struct stat st;
    int err = stat(cwd, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;

    if (!err && access(cwd, X_OK) < 0)
        err = errno;
    if (err == ENOENT || err == ENOTDIR)
        snprintf(reason, reason_len, "working directory %s does not exist on worker %s", cwd,
                 base->worker_name);
    else if (err)
        snprintf(reason, reason_len, "working directory %s is not accessible on worker %s: %s", cwd,
                 base->worker_name, strerror(err));
    return err ? COHORT_EINVAL : 0;
}

/* Prepare the job's account: resolve it (or reuse a recent lookup) and, when it is not the
 * worker's, give it the work dir. Returns 0, or a negative code with reason set. */
static int account_prepare(struct job_account *account, char *reason, size_t reason_len,
                           struct launch_base *base, const struct launch_request *req)
{
    const char *owner = req->spec->user;
    bool cacheable = base->accounts.switch_accounts && owner && owner[0];
    int64_t now = clock_mono_ms();
    int rc = 0;

    /* an account database read per job costs more than the job's own start */
    if (!cacheable || !launch_cache_get_account(account, &base->cache, owner, now)) {
        rc = account_resolve(account, &base->accounts, owner, base->worker_name, reason,
                             reason_len);
        if (rc == 0 && cacheable)
            launch_cache_put_account(&base->cache, owner, account, now);
    }
    if (rc == 0 && !account->is_worker &&
        spool_streams_give_work_dir(req->streams, account->uid, account->gid) < 0) {
        snprintf(reason, reason_len, "worker %s cannot prepare the job's work directory",
                 base->worker_name);
        rc = COHORT_EIO;
    }
    return rc;
}

/* Say why spawning failed, for a job run as account: *exit_code and reason. Returns the
 * launch_job code. */
static int spawn_failed(int32_t *exit_code, char *reason, size_t reason_len, int err,
                        const struct launch_base *base, const struct job_account *account,
                        const char *command)
{
    if (!account->is_worker) {
        *exit_code = -1;
        snprintf(reason, reason_len, "worker %s cannot start %s to run the job as %s: %s",
                 base->worker_name, base->accounts.job_exec, account->name, strerror(err));
        return err == ENOMEM ? COHORT_ENOMEM : COHORT_EIO;
    }
    *exit_code = err == ENOENT ? 127 : 126;
    snprintf(reason, reason_len, "cannot execute '%s': %s", command, strerror(err));
    return err == ENOMEM ? COHORT_ENOMEM : COHORT_EINVAL;
}

int launch_job(pid_t *pid, int32_t *exit_code, char *reason, size_t reason_len,
               struct launch_base *base, const struct launch_request *req)
{
    const struct job_spec *spec = req->spec;
    bool default_cwd = !spec->cwd || !spec->cwd[0], cached;
    const char *cwd = default_cwd ? req->streams->work_dir : spec->cwd;
    const char *search_path;
    struct job_account account;
    struct job_env env = {0};
    char **argv = NULL;
    char command[PATH_MAX];
    int rc = COHORT_EINVAL, err;

    *pid = 0;
    *exit_code = -1;
    reason[0] = '\0';
    if (spec->argc == 0) {
        snprintf(reason, reason_len, "the job has no command");
        goto done;
    }
    /* the work dir was just made by the worker: only a named cwd needs checking */
    if ((!default_cwd && (rc = check_cwd(reason, reason_len, cwd, base)) < 0) ||
        (rc = account_prepare(&account, reason, reason_len, base, req)) < 0 ||
        (rc = env_build(&env, base, req, &account)) < 0)
        goto done;
    rc = COHORT_ENOMEM;
    if (!(argv = calloc(spec->argc + 1, sizeof(*argv))))
        goto done;
    memcpy(argv, spec->argv, spec->argc * sizeof(*argv));
    if (!(search_path = env_get(&env, "PATH")))
        search_path = LAUNCH_DEFAULT_PATH;
    if ((err = find_command(command, &cached, &base->cache, spec->argv[0], search_path, cwd)) !=
        0) {
        *exit_code = err == ENOENT ? 127 : 126;
        snprintf(reason, reason_len, "cannot execute '%s': %s", spec->argv[0], strerror(err));
        rc = COHORT_EINVAL;
        goto done;
    }
    struct spawn_request spawn = {
        .program = command,
        .argv = argv,
        .envp = env.entries,
        .cwd = cwd,
        .streams = req->streams,
        .account = &account,
        .job_exec = base->accounts.job_exec,
    };
    err = spawn_job(pid, &spawn);
    if (cached && (err == ENOENT || err == EACCES)) {
        /* the program moved since it was looked up: look again, as a shell's hash does */
        launch_cache_drop_command(&base->cache, spec->argv[0], search_path);
        if ((err = resolve_command(command, spec->argv[0], search_path, cwd)) == 0)
            err = spawn_job(pid, &spawn);
    }
    if (err != 0) {
        *pid = 0;
        rc = spawn_failed(exit_code, reason, reason_len, err, base, &account, spec->argv[0]);
        goto done;
    }
    rc = 0;
done:
    if (rc == COHORT_ENOMEM && !reason[0])
        snprintf(reason, reason_len, "worker %s ran out of memory starting the job",
                 base->worker_name);
    free(argv);
    env_free(&env);
    return rc;
}
