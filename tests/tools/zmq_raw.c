/* zmq_raw.c — test tool: send arbitrary bytes as one ZeroMQ frame and report any reply. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "tool_socket.h"

#define FRAME_MAX (64u << 20) /* larger than the protocol's cap, to test oversized frames */
#define SEND_TIMEOUT_MS 5000  /* bound on queueing the frame and on delivering it at close */
#define EXIT_USAGE 2

struct options {
    const char *endpoint;
    const char *file; /* frame bytes from this file ("-" = stdin), or */
    const char *hex;  /* from these hex digits */
    long wait_ms;     /* how long to wait for one reply; 0 = do not wait */
    bool dump_reply;  /* print the reply's bytes in hex */
};

static void usage(FILE *to)
{
    fprintf(to, "usage: cohort-zmq-raw [-w MS] [-d] ENDPOINT (-f FILE | -x HEX)\n"
                "Send the bytes of FILE (or HEX digits) as one frame from a DEALER socket.\n"
                "  -w MS  wait up to MS milliseconds for a reply; print 'reply LEN' or 'no reply'\n"
                "  -d     also print the reply's bytes in hex\n");
}

/* Parse the command line into opts. Returns 0, or -1 after printing why. */
static int parse_options(struct options *opts, int argc, char **argv)
{
    char *end = NULL;
    int c;

    while ((c = getopt(argc, argv, "f:x:w:dh")) != -1) {
        switch (c) {
        case 'f':
            opts->file = optarg;
            break;
        case 'x':
            opts->hex = optarg;
            break;
        case 'w':
            errno = 0;
            opts->wait_ms = strtol(optarg, &end, 10);
            if (errno || *end || opts->wait_ms < 0 || opts->wait_ms > 600000) {
                fprintf(stderr, "cohort-zmq-raw: bad wait '%s'\n", optarg);
                return -1;
            }
            break;
        case 'd':
            opts->dump_reply = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind != argc - 1 || !opts->file == !opts->hex) {
        usage(stderr);
        return -1;
    }
    opts->endpoint = argv[optind];
    return 0;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode hex digits (spaces allowed between bytes) into a new buffer the caller frees.
 * Returns 0, or -1 after printing why (nothing allocated). */
static int read_hex(uint8_t **out, size_t *len_out, const char *hex)
{
    uint8_t *bytes = malloc(strlen(hex) / 2 + 1);
    size_t len = 0;
    int hi, lo;

    if (!bytes)
        goto fail;
    for (const char *p = hex; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        if ((hi = hex_digit(p[0])) < 0 || (lo = hex_digit(p[1])) < 0)
            goto fail;
        bytes[len++] = (uint8_t)(hi << 4 | lo);
        p += 2;
    }
    *out = bytes;
    *len_out = len;
    return 0;
fail:
    fprintf(stderr, "cohort-zmq-raw: bad hex '%s'\n", hex);
    free(bytes);
    return -1;
}

/* Read all of path ("-" = stdin), at most FRAME_MAX bytes, into a new buffer the caller
 * frees. Returns 0, or -1 after printing why (nothing allocated). */
static int read_file(uint8_t **out, size_t *len_out, const char *path)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    uint8_t *bytes = malloc(FRAME_MAX + 1);
    size_t len = 0;
    int rc = -1;

    if (!f || !bytes) {
        fprintf(stderr, "cohort-zmq-raw: %s: %s\n", path, strerror(errno));
        goto done;
    }
    len = fread(bytes, 1, FRAME_MAX + 1, f);
    if (ferror(f) || len > FRAME_MAX) {
        fprintf(stderr, "cohort-zmq-raw: %s: unreadable or over %u bytes\n", path, FRAME_MAX);
        goto done;
    }
    *out = bytes;
    *len_out = len;
    bytes = NULL;
    rc = 0;
done:
    if (f && f != stdin)
        fclose(f);
    free(bytes);
    return rc;
}

/* Wait up to wait_ms for one frame on sock and print what came. Returns 0, or -1 on a
 * socket error. */
static int report_reply(void *sock, long wait_ms, bool dump)
{
    zmq_pollitem_t item = {.socket = sock, .events = ZMQ_POLLIN};
    zmq_msg_t reply;
    int rc = -1, n;

    zmq_msg_init(&reply);
    if ((n = zmq_poll(&item, 1, wait_ms)) < 0)
        goto done;
    if (n == 0) {
        printf("no reply\n");
        rc = 0;
        goto done;
    }
    if (zmq_msg_recv(&reply, sock, 0) < 0)
        goto done;
    printf("reply %zu\n", zmq_msg_size(&reply));
    if (dump) {
        const uint8_t *data = zmq_msg_data(&reply);
        for (size_t i = 0; i < zmq_msg_size(&reply); i++)
            printf("%02x", data[i]);
        printf("\n");
    }
    rc = 0;
done:
    if (rc < 0)
        fprintf(stderr, "cohort-zmq-raw: receive: %s\n", zmq_strerror(zmq_errno()));
    zmq_msg_close(&reply);
    return rc;
}

/* Connect a DEALER to endpoint, send frame, optionally report a reply. Returns 0 or -1. */
static int send_frame(const struct options *opts, const uint8_t *frame, size_t len)
{
    void *ctx = zmq_ctx_new();
    void *sock = NULL;
    int rc = -1;

    if (!ctx) {
        fprintf(stderr, "cohort-zmq-raw: cannot start ZeroMQ: %s\n", zmq_strerror(zmq_errno()));
        return -1;
    }
    if (!(sock = tool_dealer_open(ctx, opts->endpoint, SEND_TIMEOUT_MS, SEND_TIMEOUT_MS,
                                  FRAME_MAX, "cohort-zmq-raw")))
        goto done; /* it said why */
    if (zmq_send(sock, frame, len, 0) < 0) {
        fprintf(stderr, "cohort-zmq-raw: %s: %s\n", opts->endpoint, zmq_strerror(zmq_errno()));
        goto done;
    }
    printf("sent %zu\n", len);
    rc = opts->wait_ms > 0 ? report_reply(sock, opts->wait_ms, opts->dump_reply) : 0;
done:
    if (sock)
        zmq_close(sock);
    if (ctx)
        zmq_ctx_term(ctx);
    return rc;
}

int main(int argc, char **argv)
{
    struct options opts = {0};
    uint8_t *frame = NULL;
    size_t len = 0;
    int status = EXIT_USAGE;

    if (parse_options(&opts, argc, argv) < 0)
        goto done;
    status = EXIT_FAILURE;
    if ((opts.hex ? read_hex(&frame, &len, opts.hex) : read_file(&frame, &len, opts.file)) < 0)
        goto done;
    if (send_frame(&opts, frame, len) < 0)
        goto done;
    status = EXIT_SUCCESS;
done:
    free(frame);
    return status;
}
