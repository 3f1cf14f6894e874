/* runner.c — running attempts: reaping on SIGCHLD, time limits, process-group kills. */
#define _GNU_SOURCE
#include "runner.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "clock.h"
#include "cohort.h"
#include "launch.h"
#include "log.h"
#include "loop_timer.h"
#include "orphans.h"

/* Where an attempt is in its life, which also says what its timer means. */
enum job_phase {
    PHASE_NOT_STARTED, /* spawning failed; the timer reports that on the next loop turn */
    PHASE_RUNNING,     /* the timer, when armed, is the time limit */
    PHASE_TERMINATING, /* SIGTERM sent; the timer is the grace before SIGKILL */
    PHASE_KILLED,      /* SIGKILL sent; waiting for the reap */
};

struct runner_job {
    struct runner *runner;
    struct runner_job *next; /* in runner->jobs, or in a list of ended jobs */
    uv_timer_t timer;        /* see enum job_phase */
    enum job_phase phase;
    pid_t pid;             /* also its process group id; 0 when it never started */
    uint32_t time_limit_s; /* 0 = none */
    uint32_t cpus;         /* what the job asked for, held while the runner has it */
    uint64_t mem;
    bool start_taken;             /* runner_take_starts returned it: JOB_STARTED is out */
    bool state_decided;           /* a kill, the time limit or a failed start set the state */
    struct attempt_result result; /* filled in as the facts become known */
};

struct runner {
    uv_loop_t *loop;
    uv_signal_t sigchld; /* reaps children */
    struct launch_base base;
    runner_done_cb on_done;
    void *arg;
    struct runner_job *jobs; /* the attempts the runner has, newest first */
    uint32_t n_jobs;
    uint32_t cpus_held; /* the cpus and memory those attempts asked for */
    uint64_t mem_held;
    unsigned handles_open; /* libuv handles not yet closed; the runner is freed at 0 */
    bool destroyed;        /* runner_destroy was called */
};

static void on_handle_closed(struct runner *r)
{
    if (--r->handles_open == 0 && r->destroyed)
        free(r);
}

static void on_sigchld_closed(uv_handle_t *handle)
{
    on_handle_closed(handle->data);
}

static void on_job_timer_closed(uv_handle_t *handle)
{
    struct runner_job *job = handle->data;
    struct runner *r = job->runner;

    free(job);
    on_handle_closed(r);
}

static struct runner_job *job_find(const struct runner *r, uint64_t job_id, uint32_t attempt)
{
    for (struct runner_job *job = r->jobs; job; job = job->next)
        if (job->result.job_id == job_id && job->result.attempt == attempt)
            return job;
    return NULL;
}

/* The runner no longer counts job (already out of its list) as one of its attempts. */
static void job_forget(struct runner_job *job)
{
    struct runner *r = job->runner;

    r->n_jobs--;
    r->cpus_held -= job->cpus;
    r->mem_held -= job->mem;
}

static void job_unlink(struct runner_job *job)
{
    struct runner *r = job->runner;

    for (struct runner_job **link = &r->jobs; *link; link = &(*link)->next) {
        if (*link == job) {
            *link = job->next;
            job_forget(job);
            return;
        }
    }
}

/* Report an attempt the runner no longer lists, then free it. */
static void job_report(struct runner_job *job)
{
    struct runner *r = job->runner;

    uv_timer_stop(&job->timer);
    log_debug("job %" PRIu64 ".%" PRIu32 " ended %s%s%s", job->result.job_id, job->result.attempt,
              job_state_name(job->result.state), job->result.reason[0] ? ": " : "",
              job->result.reason);
    r->on_done(&job->result, r->arg);
    uv_close((uv_handle_t *)&job->timer, on_job_timer_closed);
}

static void job_signal_group(struct runner_job *job, int signum)
{
    if (job->pid > 0 && kill(-job->pid, signum) < 0 && errno != ESRCH)
        log_warn("cannot send %s to job %" PRIu64 ".%" PRIu32 ": %s", sigabbrev_np(signum),
                 job->result.job_id, job->result.attempt, strerror(errno));
}

/* Fix the attempt's final state, reason and fenced flag, unless something decided them
 * earlier. */
static void job_decide(struct runner_job *job, uint8_t state, const char *reason, bool fenced)
{
    if (job->state_decided)
        return;
    job->state_decided = true;
    job->result.state = state;
    job->result.fenced = fenced;
    snprintf(job->result.reason, sizeof job->result.reason, "%s", reason);
}

static void on_job_timer(uv_timer_t *timer);

/* SIGTERM the process group of a running attempt and arm the grace before SIGKILL. */
static void job_terminate(struct runner_job *job)
{
    if (job->phase != PHASE_RUNNING)
        return;
    job_signal_group(job, SIGTERM);
    job->phase = PHASE_TERMINATING;
    loop_timer_start_from_now(&job->timer, on_job_timer, RUNNER_KILL_GRACE_MS);
}

static void on_job_timer(uv_timer_t *timer)
{
    struct runner_job *job = timer->data;
    char reason[64];

    switch (job->phase) {
    case PHASE_NOT_STARTED:
        job_unlink(job);
        job_report(job);
        break;
    case PHASE_RUNNING:
        snprintf(reason, sizeof reason, "time limit of %" PRIu32 " s reached", job->time_limit_s);
        log_info("job %" PRIu64 ".%" PRIu32 ": %s", job->result.job_id, job->result.attempt,
                 reason);
        job_decide(job, COHORT_JOB_TIMEOUT, reason, false);
        job_terminate(job);
        break;
    case PHASE_TERMINATING:
        job_signal_group(job, SIGKILL);
        job->phase = PHASE_KILLED;
        break;
    case PHASE_KILLED:
        break;
    }
}

static uint64_t timeval_ms(struct timeval tv)
{
    return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/* Record how the main process ended, and decide the state unless already decided. */
static void job_record_end(struct runner_job *job, int status, const struct rusage *usage)
{
    struct attempt_result *res = &job->result;
    char reason[64];

    res->finished_at = clock_now_ms();
    res->cpu_time_ms = timeval_ms(usage->ru_utime) + timeval_ms(usage->ru_stime);
    res->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    res->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    if (res->signal)
        snprintf(reason, sizeof reason, "killed by signal %" PRId32 " (SIG%s)", res->signal,
                 sigabbrev_np(res->signal) ? sigabbrev_np(res->signal) : "?");
    else
        snprintf(reason, sizeof reason, "exited with status %" PRId32, res->exit_code);
    if (res->signal == 0 && res->exit_code == 0)
        job_decide(job, COHORT_JOB_COMPLETED, "", false);
    else
        job_decide(job, COHORT_JOB_FAILED, reason, false);
}

/* Take the attempt at *link out of the runner's list, record how its main process ended,
 * SIGKILL what is left of its process group, and add it to *ended. */
static void job_ended(struct runner_job **link, int status, const struct rusage *usage,
                      struct runner_job **ended)
{
    struct runner_job *job = *link;

    *link = job->next;
    job_forget(job);
    job_record_end(job, status, usage);
    job_signal_group(job, SIGKILL);
    job->next = *ended;
    *ended = job;
}

/* The link in r->jobs to the attempt whose main process is pid, or NULL. */
static struct runner_job **job_link_by_pid(struct runner *r, pid_t pid)
{
    for (struct runner_job **link = &r->jobs; *link; link = &(*link)->next)
        if ((*link)->pid == pid)
            return link;
    return NULL;
}

/* How many listed attempts have a main process not reaped yet. */
static uint32_t live_processes(const struct runner *r)
{
    uint32_t n = 0;

    for (const struct runner_job *job = r->jobs; job; job = job->next)
        n += job->pid > 0;
    return n;
}

/* Move to *ended, failed, every listed attempt whose main process is no child of the
 * worker's (wait4 found none): nothing will ever report its end. */
static void jobs_lost(struct runner *r, struct runner_job **ended)
{
    struct runner_job **link = &r->jobs, *job;
    struct rusage none = {0};

    while ((job = *link)) {
        if (job->pid <= 0) {
            link = &job->next;
            continue;
        }
        log_error("lost track of job %" PRIu64 ".%" PRIu32 " (pid %d): %s", job->result.job_id,
                  job->result.attempt, (int)job->pid, strerror(ECHILD));
        job_decide(job, COHORT_JOB_FAILED, "the worker lost track of the job's process", false);
        job_ended(link, 0, &none, ended); /* *link is the next one now */
    }
}

void runner_reap(struct runner *r)
{
    struct runner_job *ended = NULL, *job, **link;
    uint32_t live = live_processes(r);

    /* any child that ended, one wait4 each, and one more that finds none while some still
     * run: a job's end costs the same however many jobs run beside it */
    while (live > 0) {
        struct rusage usage;
        int status;
        pid_t pid = wait4(-1, &status, WNOHANG, &usage);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid < 0)
            jobs_lost(r, &ended);
        if (pid <= 0)
            break;
        if ((link = job_link_by_pid(r, pid))) { /* the worker has no other children */
            job_ended(link, status, &usage, &ended);
            live--;
        }
    }
    /* collected first, reported after: on_done may call back into the runner */
    while ((job = ended)) {
        ended = job->next;
        job_report(job);
    }
}

static void on_sigchld(uv_signal_t *handle, int signum)
{
    runner_reap(handle->data);
}

int runner_create(struct runner **out, uv_loop_t *loop, const char *worker_name,
                  const struct account_policy *accounts, runner_done_cb on_done, void *arg)
{
    struct runner *r = NULL;
    int rc = COHORT_ENOMEM;

    *out = NULL;
    if (!(r = calloc(1, sizeof(*r))))
        goto fail;
    r->loop = loop;
    r->on_done = on_done;
    r->arg = arg;
    launch_base_init(&r->base, worker_name, accounts);
    if (r->base.accounts.switch_accounts)
        log_info("jobs run as their owners' accounts; owners without one%s run as %s",
                 r->base.accounts.allow_root_jobs ? "" : " and root",
                 r->base.accounts.fallback.name);
    rc = COHORT_EINTERNAL;
    if (uv_signal_init(loop, &r->sigchld) < 0)
        goto fail;
    r->sigchld.data = r;
    r->handles_open = 1;
    if (uv_signal_start(&r->sigchld, on_sigchld, SIGCHLD) < 0)
        goto fail;
    *out = r;
    return 0;
fail:
    runner_destroy(&r);
    return rc;
}

void runner_destroy(struct runner **rp)
{
    int saved_errno = errno;
    struct runner_job *job;
    struct runner *r;

    if (!rp || !(r = *rp))
        return;
    *rp = NULL;
    while ((job = r->jobs)) {
        r->jobs = job->next;
        job_signal_group(job, SIGKILL);
        if (job->pid > 0)
            waitpid(job->pid, NULL, WNOHANG);
        uv_close((uv_handle_t *)&job->timer, on_job_timer_closed);
    }
    r->n_jobs = r->cpus_held = 0;
    r->mem_held = 0;
    r->destroyed = true;
    if (r->handles_open == 0)
        free(r);
    else
        uv_close((uv_handle_t *)&r->sigchld, on_sigchld_closed);
    errno = saved_errno;
}

int runner_start(int64_t *started_at, struct runner *r, const struct runner_request *req)
{
    struct runner_job *job = NULL;
    int rc = COHORT_EINVAL;

    *started_at = 0;
    if (job_find(r, req->job_id, req->attempt))
        goto done;
    rc = COHORT_ENOMEM;
    if (!(job = calloc(1, sizeof(*job))))
        goto done;
    job->runner = r;
    uv_timer_init(r->loop, &job->timer);
    job->timer.data = job;
    r->handles_open++;
    job->time_limit_s = req->spec->time_limit;
    job->cpus = req->spec->cpus;
    job->mem = req->spec->mem;
    job->result.job_id = req->job_id;
    job->result.attempt = req->attempt;
    job->result.started_at = clock_now_ms();
    struct launch_request launch = {
        .job_id = req->job_id,
        .attempt = req->attempt,
        .array_index = req->array_index,
        .spec = req->spec,
        .streams = req->streams,
    };
    if (launch_job(&job->pid, &job->result.exit_code, job->result.reason, sizeof job->result.reason,
                   &r->base, &launch) == 0) {
        job->phase = PHASE_RUNNING;
        if (job->time_limit_s)
            loop_timer_start_from_now(&job->timer, on_job_timer,
                                      (uint64_t)job->time_limit_s * 1000);
        *started_at = job->result.started_at;
        /* for a next start, should this one die */
        orphans_note(req->streams->dir_fd, req->streams->note_fd, job->pid);
        log_debug("job %" PRIu64 ".%" PRIu32 " started as pid %d", req->job_id, req->attempt,
                  (int)job->pid);
    } else {
        job->phase = PHASE_NOT_STARTED;
        job->state_decided = true;
        job->result.state = COHORT_JOB_FAILED;
        job->result.finished_at = job->result.started_at;
        uv_timer_start(&job->timer, on_job_timer, 0, 0);
        log_info("job %" PRIu64 ".%" PRIu32 " did not start: %s", req->job_id, req->attempt,
                 job->result.reason);
    }
    job->next = r->jobs;
    r->jobs = job;
    r->n_jobs++;
    r->cpus_held += job->cpus;
    r->mem_held += job->mem;
    rc = 0;
done:
    spool_streams_close(req->streams);
    return rc;
}

int runner_kill(struct runner *r, uint64_t job_id, uint32_t attempt, uint8_t state,
                const char *reason)
{
    struct runner_job *job = job_find(r, job_id, attempt);

    if (!job)
        return COHORT_ENOENT;
    job_decide(job, state, reason, false);
    job_terminate(job);
    return 0;
}

static void kill_all(struct runner *r, uint8_t state, const char *reason, bool fenced)
{
    for (struct runner_job *job = r->jobs; job; job = job->next) {
        job_decide(job, state, reason, fenced);
        job_terminate(job);
    }
}

void runner_kill_all(struct runner *r, uint8_t state, const char *reason)
{
    kill_all(r, state, reason, false);
}

void runner_fence_all(struct runner *r, const char *reason)
{
    kill_all(r, COHORT_JOB_FAILED, reason, true);
}

bool runner_has(const struct runner *r, uint64_t job_id, uint32_t attempt)
{
    return job_find(r, job_id, attempt) != NULL;
}

uint32_t runner_count(const struct runner *r)
{
    return r->n_jobs;
}

void runner_held(const struct runner *r, uint32_t *cpus, uint64_t *mem)
{
    *cpus = r->cpus_held;
    *mem = r->mem_held;
}

uint32_t runner_take_starts(struct runner *r, struct msg_job_started *out, uint32_t max)
{
    uint32_t n = 0;

    for (struct runner_job *job = r->jobs; job && n < max; job = job->next) {
        if (job->phase != PHASE_RUNNING || job->start_taken)
            continue;
        job->start_taken = true;
        out[n++] = (struct msg_job_started){job->result.job_id, job->result.attempt,
                                            job->result.started_at};
    }
    return n;
}

uint32_t runner_list(const struct runner *r, struct job_attempt *out, uint32_t max)
{
    uint32_t n = 0;

    for (struct runner_job *job = r->jobs; job && n < max; job = job->next)
        out[n++] = (struct job_attempt){job->result.job_id, job->result.attempt};
    return n;
}
