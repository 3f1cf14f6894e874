/* cohort_fake_worker.c — test tool: a worker scripted line by line on stdin, to replay messages. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "buf.h"
#include "clock.h"
#include "proto.h"
#include "tool_socket.h"

#define EXIT_USAGE 2
#define LINE_MAX_BYTES 4096      /* one command from stdin */
#define REGISTER_MAX_ATTEMPTS 16 /* (job, attempt) pairs one `register` command may list */
#define IDLE_POLL_MS 200         /* poll period before the first WELCOME */
#define SEND_TIMEOUT_MS 2000     /* bound on queueing one message */

/*
 * Commands (one per line on stdin):
 *   register INSTANCE [JOB.ATTEMPT...]  send REGISTER listing those attempts as running
 *   reconnect                           replace the socket (the scheduler sees a new peer)
 *   started JOB ATTEMPT                 send JOB_STARTED
 *   result JOB ATTEMPT STATE EXIT TEXT  send JOB_RESULT (STATE a job state name, TEXT the
 *                                       job's stdout)
 *   goodbye                             send GOODBYE
 *   quit                                exit (so does the end of stdin)
 * Events (one per line on stdout, flushed): "welcome HEARTBEAT_MS LEASE_MS", "run JOB
 * ATTEMPT", "kill JOB ATTEMPT STATE", "ack JOB ATTEMPT", "reregister", and "sent VERB" once a
 * command's message was handed to ZeroMQ. After WELCOME it beats every HEARTBEAT_MS.
 */

struct fake {
    const char *endpoint;      /* the scheduler's */
    const char *name;          /* the worker name it registers */
    uint32_t cpus;             /* the cpus it registers */
    void *zmq_context;         /* owned */
    void *socket;              /* DEALER to the scheduler, owned */
    struct buf out;            /* encode buffer */
    uint32_t heartbeat_ms;     /* 0 until WELCOME */
    int64_t next_beat_at;      /* clock_mono_ms of the next HEARTBEAT */
    char line[LINE_MAX_BYTES]; /* commands read from stdin, not yet run */
    size_t line_len;           /* bytes in line */
};

static void usage(FILE *to)
{
    fprintf(to, "usage: cohort-fake-worker [-n NAME] [-c CPUS] [ENDPOINT]\n"
                "Speak the worker protocol to the scheduler at ENDPOINT (default\n"
                "$COHORT_SCHEDULER) as commands on stdin say; print what arrives on stdout.\n");
}

/* Print one event line and flush it, so a script polling the output sees it at once. */
static void event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void event(const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);
    putchar('\n');
    fflush(stdout);
}

/* Open a new DEALER and connect it. Returns 0, or -1 after printing why. */
static int socket_open(struct fake *f)
{
    f->socket = tool_dealer_open(f->zmq_context, f->endpoint, 0, SEND_TIMEOUT_MS, PROTO_MAX_MSG,
                                 "cohort-fake-worker");
    return f->socket ? 0 : -1;
}

static void socket_close(struct fake *f)
{
    if (f->socket)
        zmq_close(f->socket);
    f->socket = NULL;
    f->heartbeat_ms = 0;
}

/* Encode and send m. Returns 0, or -1 after printing why. */
static int send_msg(struct fake *f, const struct msg *m)
{
    int rc;

    buf_reset(&f->out);
    if ((rc = msg_encode(&f->out, m)) < 0) {
        fprintf(stderr, "cohort-fake-worker: cannot encode a %s message (code %d)\n",
                msg_type_name(m->type), rc);
        return -1;
    }
    if (zmq_send(f->socket, f->out.data, f->out.len, 0) < 0) {
        fprintf(stderr, "cohort-fake-worker: cannot send a %s message: %s\n",
                msg_type_name(m->type), zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

/* ---- commands ---- */

/* "register INSTANCE [JOB.ATTEMPT...]" */
static int command_register(struct fake *f, char *args)
{
    struct job_attempt running[REGISTER_MAX_ATTEMPTS];
    uint32_t n_running = 0;
    char *save = NULL, *instance = strtok_r(args, " ", &save), *word;

    if (!instance)
        return -1;
    while ((word = strtok_r(NULL, " ", &save))) {
        unsigned long long job;
        unsigned attempt;
        if (n_running == REGISTER_MAX_ATTEMPTS || sscanf(word, "%llu.%u", &job, &attempt) != 2)
            return -1;
        running[n_running++] = (struct job_attempt){job, attempt};
    }
    struct msg m = {.type = MSG_REGISTER};
    m.u.reg = (struct msg_register){.name = f->name,
                                    .instance_id = instance,
                                    .cpus = f->cpus,
                                    .mem = 1ull << 30,
                                    .n_running = n_running,
                                    .running = running,
                                    .version = COHORT_VERSION,
                                    .acks_in_run = true};
    return send_msg(f, &m);
}

/* "started JOB ATTEMPT" */
static int command_started(struct fake *f, char *args)
{
    unsigned long long job;
    unsigned attempt;

    if (sscanf(args, "%llu %u", &job, &attempt) != 2)
        return -1;
    struct msg m = {.type = MSG_JOB_STARTED, .u.started = {job, attempt, clock_now_ms()}};
    return send_msg(f, &m);
}

/* "result JOB ATTEMPT STATE EXIT TEXT" */
static int command_result(struct fake *f, char *args)
{
    unsigned long long job;
    unsigned attempt;
    char state_name[32], text[256];
    int exit_code, state;
    int64_t now = clock_now_ms();

    if (sscanf(args, "%llu %u %31s %d %255s", &job, &attempt, state_name, &exit_code, text) != 5 ||
        (state = job_state_parse(state_name)) < 0)
        return -1;
    struct msg m = {.type = MSG_JOB_RESULT};
    m.u.result = (struct msg_job_result){.job_id = job,
                                         .attempt = attempt,
                                         .state = (uint8_t)state,
                                         .exit_code = exit_code,
                                         .reason = "",
                                         .started_at = now - 1000,
                                         .finished_at = now,
                                         .out = (const uint8_t *)text,
                                         .out_len = (uint32_t)strlen(text),
                                         .err = (const uint8_t *)"",
                                         .err_len = 0};
    return send_msg(f, &m);
}

static int command_goodbye(struct fake *f, char *args)
{
    struct msg m = {.type = MSG_GOODBYE};
    return send_msg(f, &m);
}

static int command_reconnect(struct fake *f, char *args)
{
    socket_close(f);
    return socket_open(f);
}

static const struct {
    const char *verb;
    int (*run)(struct fake *f, char *args);
} commands[] = {
    {"register", command_register}, {"started", command_started},     {"result", command_result},
    {"goodbye", command_goodbye},   {"reconnect", command_reconnect},
};

/* Run one command line. Returns 1 to go on, 0 on "quit", -1 after printing why. */
static int run_command(struct fake *f, char *line)
{
    char *args = line + strcspn(line, " ");

    if (*args)
        *args++ = '\0';
    if (strcmp(line, "quit") == 0)
        return 0;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(line, commands[i].verb) != 0)
            continue;
        if (commands[i].run(f, args) < 0) {
            fprintf(stderr, "cohort-fake-worker: command '%s %s' failed\n", line, args);
            return -1;
        }
        event("sent %s", line);
        return 1;
    }
    fprintf(stderr, "cohort-fake-worker: unknown command '%s'\n", line);
    return -1;
}

/* Read what stdin has and run every complete line. Returns 1 to go on, 0 at the end of
 * stdin or "quit", -1 on an error (printed). */
static int read_commands(struct fake *f)
{
    ssize_t n = read(STDIN_FILENO, f->line + f->line_len, sizeof f->line - f->line_len);
    char *newline;
    int rc = 1;

    if (n < 0)
        return errno == EINTR ? 1 : -1;
    if (n == 0)
        return 0;
    f->line_len += (size_t)n;
    while (rc == 1 && (newline = memchr(f->line, '\n', f->line_len))) {
        size_t used = (size_t)(newline - f->line) + 1;
        *newline = '\0';
        rc = f->line[0] ? run_command(f, f->line) : 1;
        memmove(f->line, f->line + used, f->line_len - used);
        f->line_len -= used;
    }
    if (rc == 1 && f->line_len == sizeof f->line) {
        fprintf(stderr, "cohort-fake-worker: a command is longer than %d bytes\n", LINE_MAX_BYTES);
        return -1;
    }
    return rc;
}

/* ---- messages from the scheduler ---- */

static void handle_message(struct fake *f, const struct msg *m)
{
    switch (m->type) {
    case MSG_WELCOME:
        f->heartbeat_ms = m->u.welcome.heartbeat_ms ? m->u.welcome.heartbeat_ms : 1000;
        f->next_beat_at = clock_mono_ms() + f->heartbeat_ms;
        event("welcome %" PRIu32 " %" PRIu32, m->u.welcome.heartbeat_ms, m->u.welcome.lease_ms);
        break;
    case MSG_RUN: /* the acknowledgements it carries come first, as a worker takes them */
        for (uint32_t i = 0; i < m->u.run.n_acks; i++)
            event("ack %" PRIu64 " %" PRIu32, m->u.run.acks[i].job_id, m->u.run.acks[i].attempt);
        event("run %" PRIu64 " %" PRIu32, m->u.run.job_id, m->u.run.attempt);
        break;
    case MSG_KILL:
        event("kill %" PRIu64 " %" PRIu32 " %s", m->u.kill.job_id, m->u.kill.attempt,
              job_state_name(m->u.kill.state));
        break;
    case MSG_RESULT_ACK:
        event("ack %" PRIu64 " %" PRIu32, m->u.result_ack.job_id, m->u.result_ack.attempt);
        break;
    case MSG_REREGISTER:
        event("reregister");
        break;
    default:
        break; /* heartbeat answers */
    }
}

/* Receive and handle every message waiting on the socket. Returns 0, or -1 on an error. */
static int read_messages(struct fake *f)
{
    zmq_msg_t frame;
    struct msg *m = NULL;
    int rc = 0;

    zmq_msg_init(&frame);
    while (zmq_msg_recv(&frame, f->socket, ZMQ_DONTWAIT) >= 0) {
        if (msg_decode(&m, zmq_msg_data(&frame), zmq_msg_size(&frame)) < 0) {
            event("undecodable %zu", zmq_msg_size(&frame));
            continue;
        }
        handle_message(f, m);
        msg_free(m);
    }
    if (zmq_errno() != EAGAIN && zmq_errno() != EINTR) {
        fprintf(stderr, "cohort-fake-worker: receive: %s\n", zmq_strerror(zmq_errno()));
        rc = -1;
    }
    zmq_msg_close(&frame);
    return rc;
}

/* Beat when it is time. Returns how long the loop may sleep before the next beat. */
static long beat_if_due(struct fake *f)
{
    int64_t now = clock_mono_ms();

    if (!f->heartbeat_ms)
        return IDLE_POLL_MS;
    if (now >= f->next_beat_at) {
        /* the count of running jobs is informational; this worker runs nothing itself */
        struct msg beat = {.type = MSG_HEARTBEAT, .u.heartbeat = {0}};
        send_msg(f, &beat);
        f->next_beat_at = now + f->heartbeat_ms;
    }
    return (long)(f->next_beat_at - now);
}

/* Serve stdin and the socket until "quit", the end of stdin or an error. Returns 0 or -1. */
static int serve(struct fake *f)
{
    int rc = 1;

    while (rc == 1) {
        zmq_pollitem_t items[] = {{.socket = f->socket, .events = ZMQ_POLLIN},
                                  {.fd = STDIN_FILENO, .events = ZMQ_POLLIN}};
        if (zmq_poll(items, 2, beat_if_due(f)) < 0 && zmq_errno() != EINTR)
            return -1;
        if ((items[0].revents & ZMQ_POLLIN) && read_messages(f) < 0)
            return -1;
        if (items[1].revents & ZMQ_POLLIN)
            rc = read_commands(f);
    }
    return rc;
}

int main(int argc, char **argv)
{
    struct fake f = {.name = "fake", .cpus = 1};
    int status = EXIT_USAGE, c;
    unsigned long cpus;
    char *end = NULL;

    while ((c = getopt(argc, argv, "n:c:h")) != -1) {
        switch (c) {
        case 'n':
            f.name = optarg;
            break;
        case 'c':
            errno = 0;
            cpus = strtoul(optarg, &end, 10);
            f.cpus = errno || *end || cpus > UINT32_MAX ? 0 : (uint32_t)cpus;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc - 1 || f.cpus == 0) {
        usage(stderr);
        return EXIT_USAGE;
    }
    f.endpoint = optind < argc ? argv[optind] : getenv("COHORT_SCHEDULER");
    if (!f.endpoint || !*f.endpoint) {
        fprintf(stderr, "cohort-fake-worker: no endpoint and no $COHORT_SCHEDULER\n");
        return EXIT_USAGE;
    }
    status = EXIT_FAILURE;
    buf_init(&f.out, PROTO_MAX_MSG);
    if (!(f.zmq_context = zmq_ctx_new()) || socket_open(&f) < 0)
        goto done;
    if (serve(&f) == 0)
        status = EXIT_SUCCESS;
done:
    socket_close(&f);
    if (f.zmq_context)
        zmq_ctx_term(f.zmq_context);
    buf_free(&f.out);
    return status;
}
