/* main.c — cohort-worker: settings, one libuv loop, a clean stop on SIGTERM/SIGINT. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <uv.h>

#include "account.h"
#include "agent.h"
#include "batch_policy.h"
#include "cohort.h"
#include "log.h"
#include "options.h"

struct daemon {
    uv_loop_t loop;
    struct agent *agent;
    uv_signal_t sigterm;
    uv_signal_t sigint;
};

/* Make sure fds 0-2 are open, so that no file the worker opens takes their place and is
 * then handed to a job as its stdin, stdout or stderr by accident. */
static void ensure_standard_fds(void)
{
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0)
            return;
}

static void on_stopped(void *arg)
{
    struct daemon *d = arg;

    agent_destroy(&d->agent);
    uv_close((uv_handle_t *)&d->sigterm, NULL);
    uv_close((uv_handle_t *)&d->sigint, NULL);
}

static void on_signal(uv_signal_t *handle, int signum)
{
    struct daemon *d = handle->data;

    log_info("received %s", signum == SIGTERM ? "SIGTERM" : "SIGINT");
    agent_shutdown(d->agent, on_stopped, d);
}

/* Run the worker until it is stopped by a signal. Returns the process exit status. */
static int run(const struct worker_options *opts, const struct account_policy *accounts)
{
    struct daemon d = {0};
    struct agent_config cfg = {
        .scheduler = opts->scheduler,
        .name = opts->name,
        .spool_dir = opts->spool,
        .sync_results = opts->sync_full,
        .cpus = opts->cpus,
        .mem = opts->mem,
        .n_labels = opts->n_labels,
        .labels = (struct label *)opts->labels,
        .grace_ms = (uint32_t)opts->grace_ms,
        .accounts = accounts,
        .curve = &opts->curve,
    };
    int rc;

    if (uv_loop_init(&d.loop) < 0) {
        log_error("cannot create the event loop");
        return 1;
    }
    if ((rc = agent_create(&d.agent, &d.loop, &cfg)) == 0) {
        uv_signal_init(&d.loop, &d.sigterm);
        uv_signal_init(&d.loop, &d.sigint);
        d.sigterm.data = d.sigint.data = &d;
        uv_signal_start(&d.sigterm, on_signal, SIGTERM);
        uv_signal_start(&d.sigint, on_signal, SIGINT);
    }
    uv_run(&d.loop, UV_RUN_DEFAULT); /* after a failure, this finishes closing handles */
    uv_loop_close(&d.loop);
    return rc == 0 ? 0 : rc == COHORT_EINVAL ? 2 : 1;
}

int main(int argc, char **argv)
{
    struct worker_options opts;
    struct account_policy accounts;
    bool exit_now = false;
    char err[512];
    int rc, status = 0;

    ensure_standard_fds();
    signal(SIGPIPE, SIG_IGN);
    options_init(&opts);
    if ((rc = options_parse(&opts, &exit_now, argc, argv, err, sizeof err)) == 0 && !exit_now)
        rc = options_fill_defaults(&opts, err, sizeof err);
    if (rc == 0 && !exit_now)
        rc = account_policy_init(&accounts, opts.job_user, opts.allow_root_jobs, NULL, err,
                                 sizeof err);
    if (rc < 0) {
        fprintf(stderr, "cohort-worker: %s\n", rc == COHORT_ENOMEM ? "out of memory" : err);
        status = rc == COHORT_EINVAL ? 2 : 1;
    } else if (!exit_now) {
        log_setup("cohort-worker", opts.log_level);
        batch_policy_enter(); /* before any thread starts; jobs leave it (docs/worker.md) */
        status = run(&opts, &accounts);
    }
    options_free(&opts);
    return status;
}
