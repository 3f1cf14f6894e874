/* cohort_curve_probe.c — test tool: does the scheduler answer a STATUS request from these keys? */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "clock.h"
#include "curve_client.h"
#include "proto.h"
#include "tool_args.h"

#define PROGRAM "cohort-curve-probe"
#define EXIT_USAGE 2
#define EXIT_NO_REPLY 3

struct options {
    const char *endpoint;
    const char *key_file;   /* the client's key pair; NULL with --plain */
    const char *server_key; /* the scheduler's public key (or a file holding it) */
    bool plain;             /* no CURVE at all */
    long timeout_ms;        /* wait for each reply */
    long repeat;            /* requests sent one after another on the same connection */
    long interval_ms;       /* pause between them */
};

static void usage(FILE *to)
{
    fprintf(to, "usage: " PROGRAM " --endpoint E (--key FILE --server-key KEY|FILE | --plain)\n"
                "                          [--timeout MS] [--repeat N] [--interval MS]\n"
                "Send STATUS requests from a DEALER on one connection. Exit 0 when every one\n"
                "was answered within the timeout, 3 when one was not, 2 on a usage error.\n");
}

static int parse_options(struct options *opts, int argc, char **argv)
{
    static const struct option long_options[] = {{"endpoint", required_argument, NULL, 'e'},
                                                 {"key", required_argument, NULL, 'k'},
                                                 {"server-key", required_argument, NULL, 's'},
                                                 {"plain", no_argument, NULL, 'p'},
                                                 {"timeout", required_argument, NULL, 't'},
                                                 {"repeat", required_argument, NULL, 'r'},
                                                 {"interval", required_argument, NULL, 'i'},
                                                 {"help", no_argument, NULL, 'h'},
                                                 {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'e':
            opts->endpoint = optarg;
            break;
        case 'k':
            opts->key_file = optarg;
            break;
        case 's':
            opts->server_key = optarg;
            break;
        case 'p':
            opts->plain = true;
            break;
        case 't':
            rc = tool_parse_long(&opts->timeout_ms, optarg, 1, 600000, "timeout", PROGRAM);
            break;
        case 'r':
            rc = tool_parse_long(&opts->repeat, optarg, 1, 100000, "repeat", PROGRAM);
            break;
        case 'i':
            rc = tool_parse_long(&opts->interval_ms, optarg, 0, 60000, "interval", PROGRAM);
            break;
        case 'h':
            usage(stdout);
            return 1;
        default:
            usage(stderr);
            return -1;
        }
        if (rc < 0)
            return -1;
    }
    if (optind != argc || !opts->endpoint ||
        opts->plain == !!(opts->key_file && opts->server_key)) {
        usage(stderr);
        return -1;
    }
    return 0;
}

/* Apply opts' keys to socket (plaintext with --plain). Returns 0, or -1 after printing why. */
static int set_curve(void *socket, const struct options *opts)
{
    char why[512];

    if (curve_client_setup(socket, opts->endpoint, opts->plain ? NULL : opts->key_file,
                           opts->plain ? NULL : opts->server_key, false, why, sizeof why) < 0) {
        fprintf(stderr, PROGRAM ": %s\n", why);
        return -1;
    }
    return 0;
}

/* Send one STATUS request and wait for its REPLY. Returns 0 when it came. */
static int ask_status(void *socket, uint64_t req_id, long timeout_ms)
{
    struct msg request = {.type = MSG_STATUS, .u.status.req_id = req_id};
    int64_t deadline = clock_mono_ms() + timeout_ms;
    struct buf out;
    int rc = -1;

    buf_init(&out, PROTO_MAX_MSG);
    if (msg_encode(&out, &request) < 0 || zmq_send(socket, out.data, out.len, 0) < 0)
        goto done;
    for (int64_t left; rc < 0 && (left = deadline - clock_mono_ms()) > 0;) {
        zmq_pollitem_t item = {.socket = socket, .events = ZMQ_POLLIN};
        if (zmq_poll(&item, 1, (long)left) <= 0)
            continue;
        zmq_msg_t frame;
        struct msg *reply = NULL;
        zmq_msg_init(&frame);
        if (zmq_msg_recv(&frame, socket, 0) >= 0 &&
            msg_decode(&reply, zmq_msg_data(&frame), zmq_msg_size(&frame)) == 0 &&
            reply->type == MSG_REPLY && reply->u.reply.req_id == req_id) {
            printf("reply %llu: status %d%s%s\n", (unsigned long long)req_id, reply->u.reply.status,
                   reply->u.reply.status ? ": " : "",
                   reply->u.reply.status ? reply->u.reply.error : "");
            rc = 0;
        }
        msg_free(reply);
        zmq_msg_close(&frame);
    }
done:
    buf_free(&out);
    return rc;
}

int main(int argc, char **argv)
{
    struct options opts = {.timeout_ms = 2000, .repeat = 1};
    int linger = 0, send_timeout_ms, status = EXIT_NO_REPLY;
    void *context = NULL, *socket = NULL;

    int rc = parse_options(&opts, argc, argv);
    if (rc != 0)
        return rc > 0 ? 0 : EXIT_USAGE;
    send_timeout_ms = (int)opts.timeout_ms;
    if (!(context = zmq_ctx_new()) || !(socket = zmq_socket(context, ZMQ_DEALER)) ||
        zmq_setsockopt(socket, ZMQ_LINGER, &linger, sizeof linger) < 0 ||
        zmq_setsockopt(socket, ZMQ_SNDTIMEO, &send_timeout_ms, sizeof send_timeout_ms) < 0) {
        fprintf(stderr, PROGRAM ": cannot make a socket: %s\n", zmq_strerror(zmq_errno()));
        status = EXIT_USAGE;
        goto done;
    }
    if (set_curve(socket, &opts) < 0 || zmq_connect(socket, opts.endpoint) < 0) {
        status = EXIT_USAGE;
        goto done;
    }
    for (long i = 1; i <= opts.repeat; i++) {
        if (ask_status(socket, (uint64_t)i, opts.timeout_ms) < 0) {
            printf("no reply to request %ld within %ld ms\n", i, opts.timeout_ms);
            goto done;
        }
        if (i < opts.repeat && opts.interval_ms)
            zmq_poll(NULL, 0, opts.interval_ms);
    }
    status = 0;
done:
    if (socket)
        zmq_close(socket);
    if (context)
        zmq_ctx_term(context);
    return status;
}
