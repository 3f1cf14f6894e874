/* cohort_sim_workers.c — test tool: many simulated workers in one process that "run" jobs
 * instantly. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zmq.h>

#include "buf.h"
#include "clock.h"
#include "proto.h"
#include "tool_socket.h"

#define EXIT_USAGE 2
#define MAX_WORKERS 10000
#define IDLE_POLL_MS 200     /* poll period before every worker is welcomed */
#define SEND_TIMEOUT_MS 2000 /* bound on queueing one message */
#define FDS_PER_WORKER 3     /* a TCP socket, a mailbox, slack */

/*
 * Opens WORKERS DEALER connections to the scheduler, one per simulated worker (named
 * PREFIX-N, CPUS cpus each). Each registers, beats at the rate WELCOME asks, and answers
 * every RUN with a JOB_RESULT (completed, exit 0) at once, as cohort-worker answers a job that
 * ends before its next tick: the result carries the start, and no JOB_STARTED goes before it
 * (-s sends one first, as for a job that runs past the tick). Prints
 *   sim_register workers=N seconds=S          once every worker was welcomed
 *   sim_dispatch jobs=N seconds=S jobs_per_s=R  from the first RUN to the last result sent
 * and exits after JOBS results (0 = never) or SECONDS (default 60), or on SIGTERM/SIGINT.
 */

struct sim_worker {
    void *socket;          /* DEALER, owned */
    char name[64];         /* PREFIX-N */
    uint32_t heartbeat_ms; /* 0 until WELCOME */
    int64_t next_beat_at;  /* clock_mono_ms of the next HEARTBEAT */
};

struct sim {
    const char *endpoint;       /* the scheduler's */
    const char *prefix;         /* worker names */
    uint32_t cpus;              /* per worker */
    size_t n_workers;           /* in workers */
    struct sim_worker *workers; /* owned */
    zmq_pollitem_t *items;      /* one per worker, owned */
    void *zmq_context;          /* owned */
    struct buf out;             /* encode buffer */
    size_t welcomed;            /* workers that got WELCOME */
    unsigned long jobs_target;  /* exit after this many results; 0 = never */
    unsigned long jobs_done;    /* results sent */
    bool send_started;          /* JOB_STARTED before each result (-s) */
    int64_t started_ms;         /* clock_mono_ms at start */
    int64_t first_run_ms;       /* clock_mono_ms of the first RUN, 0 before */
    int64_t last_result_ms;     /* clock_mono_ms of the last result sent */
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *to)
{
    fprintf(to, "usage: cohort-sim-workers [-w WORKERS] [-c CPUS] [-j JOBS] [-t SECONDS]\n"
                "                          [-p PREFIX] [-s] [ENDPOINT]\n"
                "Simulate WORKERS workers (default 1000) of CPUS cpus (default 4) that complete\n"
                "every job at once; exit after JOBS results (default 0 = never) or SECONDS\n"
                "(default 60). -s: send JOB_STARTED before each result. ENDPOINT defaults to\n"
                "$COHORT_SCHEDULER.\n");
}

/* Encode and send m on worker w's socket. Returns 0, or -1 after printing why. */
static int send_msg(struct sim *s, struct sim_worker *w, const struct msg *m)
{
    int rc;

    buf_reset(&s->out);
    if ((rc = msg_encode(&s->out, m)) < 0) {
        fprintf(stderr, "cohort-sim-workers: cannot encode a %s message (code %d)\n",
                msg_type_name(m->type), rc);
        return -1;
    }
    if (zmq_send(w->socket, s->out.data, s->out.len, 0) < 0) {
        fprintf(stderr, "cohort-sim-workers: %s: cannot send a %s message: %s\n", w->name,
                msg_type_name(m->type), zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

/* Connect worker i and send its REGISTER. Returns 0, or -1 after printing why. */
static int worker_open(struct sim *s, size_t i)
{
    struct sim_worker *w = &s->workers[i];
    char instance[80];

    snprintf(w->name, sizeof w->name, "%s-%zu", s->prefix, i);
    snprintf(instance, sizeof instance, "%s-%ld-%" PRId64, w->name, (long)getpid(), clock_now_ms());
    if (!(w->socket = tool_dealer_open(s->zmq_context, s->endpoint, 0, SEND_TIMEOUT_MS,
                                       PROTO_MAX_MSG, "cohort-sim-workers")))
        return -1;
    s->items[i] = (zmq_pollitem_t){.socket = w->socket, .events = ZMQ_POLLIN};
    struct msg m = {.type = MSG_REGISTER};
    m.u.reg = (struct msg_register){.name = w->name,
                                    .instance_id = instance,
                                    .cpus = s->cpus,
                                    .mem = 1ull << 30,
                                    .version = COHORT_VERSION,
                                    .acks_in_run = true};
    return send_msg(s, w, &m);
}

/* Answer a RUN with a completed JOB_RESULT (after a JOB_STARTED with -s). Returns 0 or -1. */
static int complete_job(struct sim *s, struct sim_worker *w, const struct msg_run *run)
{
    int64_t now = clock_now_ms();
    struct msg started = {.type = MSG_JOB_STARTED, .u.started = {run->job_id, run->attempt, now}};
    struct msg result = {.type = MSG_JOB_RESULT};

    result.u.result = (struct msg_job_result){.job_id = run->job_id,
                                              .attempt = run->attempt,
                                              .state = COHORT_JOB_COMPLETED,
                                              .exit_code = 0,
                                              .reason = "",
                                              .started_at = now,
                                              .finished_at = now,
                                              .out = (const uint8_t *)"",
                                              .err = (const uint8_t *)""};
    if (!s->first_run_ms)
        s->first_run_ms = clock_mono_ms();
    if ((s->send_started && send_msg(s, w, &started) < 0) || send_msg(s, w, &result) < 0)
        return -1;
    s->jobs_done++;
    s->last_result_ms = clock_mono_ms();
    return 0;
}

/* Handle every message waiting for worker w. Returns 0, or -1 on an error (printed). */
static int read_messages(struct sim *s, struct sim_worker *w)
{
    zmq_msg_t frame;
    struct msg *m = NULL;
    int rc = 0;

    zmq_msg_init(&frame);
    while (rc == 0 && zmq_msg_recv(&frame, w->socket, ZMQ_DONTWAIT) >= 0) {
        if (msg_decode(&m, zmq_msg_data(&frame), zmq_msg_size(&frame)) < 0)
            continue;
        if (m->type == MSG_WELCOME && !w->heartbeat_ms) {
            w->heartbeat_ms = m->u.welcome.heartbeat_ms ? m->u.welcome.heartbeat_ms : 1000;
            w->next_beat_at = clock_mono_ms() + w->heartbeat_ms;
            if (++s->welcomed == s->n_workers)
                printf("sim_register workers=%zu seconds=%.3f\n", s->n_workers,
                       (clock_mono_ms() - s->started_ms) / 1e3);
            fflush(stdout);
        } else if (m->type == MSG_RUN) {
            rc = complete_job(s, w, &m->u.run);
        } else if (m->type == MSG_REREGISTER) {
            fprintf(stderr, "cohort-sim-workers: %s: asked to register again\n", w->name);
            rc = -1;
        }
        msg_free(m);
    }
    if (rc == 0 && zmq_errno() != EAGAIN && zmq_errno() != EINTR) {
        fprintf(stderr, "cohort-sim-workers: receive: %s\n", zmq_strerror(zmq_errno()));
        rc = -1;
    }
    zmq_msg_close(&frame);
    return rc;
}

/* Beat for every worker that is due. Returns how long the loop may sleep, in ms. */
static long beat_due_workers(struct sim *s)
{
    int64_t now = clock_mono_ms(), next = now + IDLE_POLL_MS;
    struct msg beat = {.type = MSG_HEARTBEAT, .u.heartbeat = {0}};

    for (size_t i = 0; i < s->n_workers; i++) {
        struct sim_worker *w = &s->workers[i];
        if (!w->heartbeat_ms)
            continue;
        if (now >= w->next_beat_at) {
            send_msg(s, w, &beat);
            w->next_beat_at = now + w->heartbeat_ms;
        }
        if (w->next_beat_at < next)
            next = w->next_beat_at;
    }
    return (long)(next - now);
}

/* Serve every worker until JOBS results, the deadline or a signal. Returns 0 or -1. */
static int serve(struct sim *s, int64_t deadline)
{
    while (!stop_requested && clock_mono_ms() < deadline &&
           (!s->jobs_target || s->jobs_done < s->jobs_target)) {
        long wait_ms = beat_due_workers(s);
        int ready = zmq_poll(s->items, (int)s->n_workers, wait_ms);
        if (ready < 0 && zmq_errno() != EINTR)
            return -1;
        for (size_t i = 0; ready > 0 && i < s->n_workers; i++)
            if ((s->items[i].revents & ZMQ_POLLIN) && read_messages(s, &s->workers[i]) < 0)
                return -1;
    }
    return 0;
}

/* Parse a whole number from lo to hi, or return -1. */
static long parse_count(const char *text, long lo, long hi)
{
    char *end;
    long value;

    errno = 0;
    value = strtol(text, &end, 10);
    return errno || *end || value < lo || value > hi ? -1 : value;
}

int main(int argc, char **argv)
{
    struct sim s = {.prefix = "sim", .cpus = 4, .n_workers = 1000};
    long seconds = 60, value;
    int status = EXIT_USAGE, c;
    struct rlimit fds;

    while ((c = getopt(argc, argv, "w:c:j:t:p:sh")) != -1) {
        value = c == 'p' || c == 's' || c == 'h' ? 0
                                                 : parse_count(optarg, c == 'j' ? 0 : 1, 100000000);
        if (value < 0) {
            usage(stderr);
            return EXIT_USAGE;
        }
        switch (c) {
        case 'w':
            s.n_workers = (size_t)value;
            break;
        case 'c':
            s.cpus = (uint32_t)value;
            break;
        case 'j':
            s.jobs_target = (unsigned long)value;
            break;
        case 't':
            seconds = value;
            break;
        case 'p':
            s.prefix = optarg;
            break;
        case 's':
            s.send_started = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    s.endpoint = optind < argc ? argv[optind] : getenv("COHORT_SCHEDULER");
    if (optind < argc - 1 || s.n_workers > MAX_WORKERS || !s.endpoint || !*s.endpoint) {
        usage(stderr);
        return EXIT_USAGE;
    }
    status = EXIT_FAILURE;
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    /* each connection needs descriptors of its own */
    if (getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur < s.n_workers * FDS_PER_WORKER + 64) {
        fds.rlim_cur = fds.rlim_max;
        setrlimit(RLIMIT_NOFILE, &fds);
    }
    buf_init(&s.out, PROTO_MAX_MSG);
    s.workers = calloc(s.n_workers, sizeof *s.workers);
    s.items = calloc(s.n_workers, sizeof *s.items);
    if (!s.workers || !s.items || !(s.zmq_context = zmq_ctx_new()) ||
        zmq_ctx_set(s.zmq_context, ZMQ_MAX_SOCKETS, (int)s.n_workers + 16) < 0)
        goto done;
    s.started_ms = clock_mono_ms();
    for (size_t i = 0; i < s.n_workers; i++)
        if (worker_open(&s, i) < 0)
            goto done;
    if (serve(&s, s.started_ms + seconds * 1000) < 0)
        goto done;
    if (s.welcomed < s.n_workers)
        fprintf(stderr, "cohort-sim-workers: only %zu of %zu workers welcomed\n", s.welcomed,
                s.n_workers);
    if (s.jobs_done) {
        double secs = (s.last_result_ms - s.first_run_ms) / 1e3;
        printf("sim_dispatch jobs=%lu seconds=%.3f jobs_per_s=%.0f\n", s.jobs_done, secs,
               secs > 0 ? s.jobs_done / secs : 0.0);
    }
    status = s.welcomed == s.n_workers && (!s.jobs_target || s.jobs_done >= s.jobs_target)
                 ? EXIT_SUCCESS
                 : EXIT_FAILURE;
done:
    for (size_t i = 0; s.workers && i < s.n_workers; i++)
        if (s.workers[i].socket) {
            struct msg bye = {.type = MSG_GOODBYE};
            send_msg(&s, &s.workers[i], &bye);
            zmq_close(s.workers[i].socket);
        }
    if (s.zmq_context)
        zmq_ctx_term(s.zmq_context);
    free(s.items);
    free(s.workers);
    buf_free(&s.out);
    return status;
}
