/* client.c — the connection to the scheduler: a DEALER socket and synchronous requests. */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "client_internal.h"
#include "clock.h"

/* Open the DEALER socket with the client's keys, watch its handshakes and connect it.
 * Returns 0, the keys' error when they are unusable, COHORT_EINVAL for an endpoint ZeroMQ
 * rejects, or COHORT_ECONNECT; on failure client->socket and client->monitor stay NULL. */
static int socket_open(cohort_client_t *client, cohort_error_t *err)
{
    int linger = 0, immediate = 1;
    int64_t max_message = PROTO_MAX_MSG;
    void *socket = NULL;
    char why[sizeof err->message], monitor_name[64];
    int rc = COHORT_ECONNECT;

    if (client->keys_error.code) {
        if (err)
            *err = client->keys_error;
        return client->keys_error.code;
    }
    if (!(socket = zmq_socket(client->zmq_context, ZMQ_DEALER))) {
        cohort__error(err, rc, "cannot create a ZeroMQ socket: %s", zmq_strerror(errno));
        goto fail;
    }
    /* IMMEDIATE keeps requests out of the queue until a connection exists, so a request to
     * an unreachable scheduler times out instead of waiting for it forever. */
    if (zmq_setsockopt(socket, ZMQ_LINGER, &linger, sizeof linger) < 0 ||
        zmq_setsockopt(socket, ZMQ_IMMEDIATE, &immediate, sizeof immediate) < 0 ||
        zmq_setsockopt(socket, ZMQ_MAXMSGSIZE, &max_message, sizeof max_message) < 0) {
        cohort__error(err, rc, "cannot set up a ZeroMQ socket: %s", zmq_strerror(errno));
        goto fail;
    }
    if ((rc = curve_client_keys_apply(socket, &client->keys, why, sizeof why)) < 0) {
        cohort__error(err, rc, "%s", why);
        goto fail;
    }
    /* each client has its own ZeroMQ context: the name only differs between its sockets */
    snprintf(monitor_name, sizeof monitor_name, "inproc://cohort-handshakes-%u",
             client->monitor_serial++);
    if (curve_client_watch(&client->monitor, client->zmq_context, socket, monitor_name) < 0) {
        cohort__error(err, rc, "cannot watch a ZeroMQ socket: %s", zmq_strerror(errno));
        goto fail;
    }
    if (zmq_connect(socket, client->endpoint) < 0) {
        rc = errno == ENOMEM ? COHORT_ENOMEM : COHORT_EINVAL;
        cohort__error(err, rc, "invalid scheduler endpoint '%s': %s", client->endpoint,
                      zmq_strerror(errno));
        goto fail;
    }
    client->socket = socket;
    return 0;
fail:
    curve_client_unwatch(socket, &client->monitor);
    if (socket)
        zmq_close(socket);
    return rc;
}

static void socket_close(cohort_client_t *client)
{
    curve_client_unwatch(client->socket, &client->monitor);
    if (client->socket)
        zmq_close(client->socket);
    client->socket = NULL;
}

/* Replace the socket with a fresh one, so that nothing a peer sent to the old one can be
 * read later. A failed reopen leaves socket NULL; the next request tries again. */
static void socket_reset(cohort_client_t *client)
{
    socket_close(client);
    socket_open(client, NULL);
}

/* Ask ZeroMQ whether the endpoint is well-formed, with a socket closed at once (it is the
 * judge of endpoints). Returns 0, or COHORT_EINVAL / COHORT_ENOMEM / COHORT_ECONNECT. */
static int endpoint_check(cohort_client_t *client, cohort_error_t *err)
{
    int linger = 0, rc = 0;
    void *socket = zmq_socket(client->zmq_context, ZMQ_DEALER);

    if (!socket)
        return cohort__error(err, COHORT_ECONNECT, "cannot create a ZeroMQ socket: %s",
                             zmq_strerror(errno));
    zmq_setsockopt(socket, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(socket, client->endpoint) < 0) {
        rc = errno == ENOMEM ? COHORT_ENOMEM : COHORT_EINVAL;
        cohort__error(err, rc, "invalid scheduler endpoint '%s': %s", client->endpoint,
                      zmq_strerror(errno));
    }
    zmq_close(socket);
    return rc;
}

/* Load the keys for the client's endpoint from what was given (NULL or "": not given), then
 * the environment and the default files. Returns 0 with *keys filled, or an error. */
static int keys_load(struct curve_client_keys *keys, const cohort_client_t *client,
                     const char *key_file, const char *server_key, int insecure,
                     cohort_error_t *err)
{
    struct curve_client_settings given = {.insecure = insecure != 0};
    char why[sizeof err->message];
    int rc;

    if ((key_file && strlen(key_file) >= sizeof given.key_file) ||
        (server_key && strlen(server_key) >= sizeof given.server_key))
        return cohort__error(err, COHORT_EINVAL, "the key file or server key is too long");
    snprintf(given.key_file, sizeof given.key_file, "%s", key_file ? key_file : "");
    snprintf(given.server_key, sizeof given.server_key, "%s", server_key ? server_key : "");
    curve_client_defaults(&given);
    rc = curve_client_keys_load(keys, client->endpoint, given.key_file, given.server_key,
                                given.insecure, why, sizeof why);
    return rc < 0 ? cohort__error(err, rc, "%s", why) : 0;
}

/* The login name of the effective uid, or its number when it has no passwd entry. Returns a
 * string the caller frees, or NULL when out of memory. */
static char *current_user_name(void)
{
    struct passwd entry, *found = NULL;
    char lines[4096], uid_text[24];

    if (getpwuid_r(geteuid(), &entry, lines, sizeof lines, &found) == 0 && found)
        return strdup(found->pw_name);
    snprintf(uid_text, sizeof uid_text, "%u", (unsigned)geteuid());
    return strdup(uid_text);
}

int cohort_client_connect(cohort_client_t **out, const char *endpoint, int timeout_ms,
                          cohort_error_t *err)
{
    cohort_client_t *client = NULL;
    const char *from_env = getenv("COHORT_SCHEDULER");
    int rc = COHORT_ENOMEM;

    *out = NULL;
    if (!endpoint)
        endpoint = from_env && *from_env ? from_env : COHORT__DEFAULT_ENDPOINT;
    if (!(client = calloc(1, sizeof *client)))
        goto fail;
    buf_init(&client->frame, PROTO_MAX_MSG);
    client->timeout_ms = timeout_ms > 0 ? timeout_ms : COHORT__DEFAULT_TIMEOUT_MS;
    client->submit_total_ms = COHORT_DEFAULT_SUBMIT_DEADLINE_MS;
    client->next_req_id = 1;
    if (!(client->endpoint = strdup(endpoint)) || !(client->user = current_user_name()))
        goto fail;
    if (!(client->zmq_context = zmq_ctx_new())) {
        rc = cohort__error(err, COHORT_ECONNECT, "cannot start ZeroMQ: %s", zmq_strerror(errno));
        goto fail;
    }
    /* Unusable keys do not fail the connect, so that cohort_client_set_keys can still fix
     * them; requests fail with their error meanwhile. */
    if (keys_load(&client->keys, client, NULL, NULL, 0, &client->keys_error) < 0)
        rc = endpoint_check(client, err);
    else
        rc = socket_open(client, err);
    if (rc < 0)
        goto fail;
    *out = client;
    return 0;
fail:
    if (rc == COHORT_ENOMEM)
        cohort__error(err, rc, "out of memory while connecting");
    cohort_client_close(client);
    return rc;
}

void cohort_client_close(cohort_client_t *client)
{
    int saved_errno = errno;

    if (!client)
        return;
    socket_close(client);
    explicit_bzero(&client->keys, sizeof client->keys);
    if (client->zmq_context)
        zmq_ctx_term(client->zmq_context);
    buf_free(&client->frame);
    free(client->endpoint);
    free(client->user);
    free(client);
    errno = saved_errno;
}

const char *cohort_client_endpoint(const cohort_client_t *client)
{
    return client->endpoint;
}

int cohort_client_set_keys(cohort_client_t *client, const char *key_file, const char *server_key,
                           int insecure, cohort_error_t *err)
{
    struct curve_client_keys keys;
    int rc;

    if ((rc = keys_load(&keys, client, key_file, server_key, insecure, err)) < 0)
        return rc;
    socket_close(client);
    client->keys = keys;
    client->keys_error = (cohort_error_t){0};
    explicit_bzero(&keys, sizeof keys);
    socket_open(client, NULL); /* when this fails, the next request tries again */
    return 0;
}

int cohort_client_set_retry(cohort_client_t *client, int try_ms, int total_ms, cohort_error_t *err)
{
    client->submit_try_ms = try_ms > 0 ? try_ms : 0;
    client->submit_total_ms = total_ms > 0 ? total_ms : COHORT_DEFAULT_SUBMIT_DEADLINE_MS;
    return 0;
}

/* Where a request's req_id lives; every client request has one. */
static uint64_t *request_id_field(struct msg *req)
{
    switch (req->type) {
    case MSG_SUBMIT:
        return &req->u.submit.req_id;
    case MSG_JOBS:
        return &req->u.jobs.req_id;
    case MSG_SHOW:
        return &req->u.show.req_id;
    case MSG_LOGS:
        return &req->u.logs.req_id;
    case MSG_CANCEL:
        return &req->u.cancel.req_id;
    case MSG_WAIT:
        return &req->u.wait.req_id;
    case MSG_WORKERS:
        return &req->u.workers.req_id;
    case MSG_STATUS:
        return &req->u.status.req_id;
    case MSG_DRAIN:
        return &req->u.drain.req_id;
    case MSG_RESUME:
        return &req->u.resume.req_id;
    case MSG_BACKUP:
        return &req->u.backup.req_id;
    default:
        return NULL;
    }
}

/* Whether the scheduler refused the socket's handshake: 0 when not (or not yet), else
 * COHORT_EPERM (the key was refused) or COHORT_ECONNECT (the handshake was broken off), with
 * err saying which, and handshake_failed set. */
static int handshake_check(cohort_client_t *client, cohort_error_t *err)
{
    char why[sizeof err->message];
    int rc;

    if (!client->monitor || (rc = curve_client_refusal(client->monitor, client->endpoint,
                                                       client->keys.curve, why, sizeof why)) == 0)
        return 0;
    client->handshake_failed = true;
    return cohort__error(err, rc, "%s", why);
}

/* Wait until the client's socket has one of `events`, a handshake fails, or the deadline
 * (monotonic ms) passes. Returns 0 when the socket may have them (callers retry their
 * non-blocking call), COHORT_EPERM or COHORT_ECONNECT when the scheduler refused or broke off
 * the handshake (err says how; see handshake_check),
 * COHORT_ETIMEDOUT, or COHORT_ECONNECT when polling failed. */
static int socket_await(cohort_client_t *client, short events, int64_t deadline,
                        cohort_error_t *err)
{
    int64_t left = deadline - clock_mono_ms();
    zmq_pollitem_t items[2] = {{.socket = client->socket, .events = events},
                               {.socket = client->monitor, .events = ZMQ_POLLIN}};

    if (left <= 0)
        return COHORT_ETIMEDOUT;
    if (zmq_poll(items, client->monitor ? 2 : 1, (long)left) < 0 && errno != EINTR)
        return COHORT_ECONNECT;
    return items[1].revents ? handshake_check(client, err) : 0;
}

/* The fd of `socket` that signals it changed (ZMQ_FD), or -1. */
static int signal_fd(void *socket)
{
    int fd = -1;
    size_t size = sizeof(fd);

    return socket && zmq_getsockopt(socket, ZMQ_FD, &fd, &size) == 0 ? fd : -1;
}

/* Wait until a message may have come to the client's socket, a handshake fails, or the
 * deadline (monotonic ms) passes. Call it only right after a receive on the socket found
 * nothing: that re-armed the socket's edge-triggered ZMQ_FD, and handshake_check re-arms
 * the monitor's, so a plain poll() on both cannot miss a message. (zmq_poll asks every
 * socket's ZMQ_EVENTS before and after it waits: twice the system calls on each request.)
 * Returns as socket_await does. */
static int receive_await(cohort_client_t *client, int64_t deadline, cohort_error_t *err)
{
    struct pollfd fds[2] = {{.fd = signal_fd(client->socket), .events = POLLIN},
                            {.fd = signal_fd(client->monitor), .events = POLLIN}};
    int64_t left;
    int rc;

    if ((rc = handshake_check(client, err)) < 0)
        return rc;
    if ((left = deadline - clock_mono_ms()) <= 0)
        return COHORT_ETIMEDOUT;
    if (left > INT_MAX)
        left = INT_MAX;
    if (fds[0].fd < 0 || (poll(fds, fds[1].fd < 0 ? 1 : 2, (int)left) < 0 && errno != EINTR))
        return COHORT_ECONNECT;
    return 0;
}

/* Queue one frame for sending, waiting until a connection takes it or the deadline. */
static int frame_send(cohort_client_t *client, const struct buf *frame, int64_t deadline,
                      cohort_error_t *err)
{
    int rc;

    for (;;) {
        if (zmq_send(client->socket, frame->data, frame->len, ZMQ_DONTWAIT) >= 0)
            return 0;
        if (errno != EAGAIN && errno != EINTR)
            return COHORT_ECONNECT;
        if ((rc = socket_await(client, ZMQ_POLLOUT, deadline, err)) < 0)
            return rc;
    }
}

/* Receive the next single-frame message and decode it. Multi-frame messages are dropped.
 * Returns 0 with *out set, COHORT_ETIMEDOUT, COHORT_EPERM (handshake refused),
 * COHORT_ECONNECT (handshake broken off, or the socket failed), COHORT_EPROTO (undecodable)
 * or COHORT_ENOMEM. */
static int message_receive(struct msg **out, cohort_client_t *client, int64_t deadline,
                           cohort_error_t *err)
{
    void *socket = client->socket;
    zmq_msg_t frame;
    int rc;

    zmq_msg_init(&frame);
    for (;;) {
        if (zmq_msg_recv(&frame, socket, ZMQ_DONTWAIT) < 0) {
            if (errno != EAGAIN && errno != EINTR) {
                rc = COHORT_ECONNECT;
                break;
            }
            if ((rc = receive_await(client, deadline, err)) < 0)
                break;
            continue;
        }
        if (zmq_msg_more(&frame)) {
            while (zmq_msg_more(&frame) && zmq_msg_recv(&frame, socket, ZMQ_DONTWAIT) >= 0)
                ; /* the parts of a message arrive together */
            continue;
        }
        rc = msg_decode(out, zmq_msg_data(&frame), zmq_msg_size(&frame));
        break;
    }
    zmq_msg_close(&frame);
    return rc;
}

void cohort__format_seconds(char *out, size_t out_len, int ms)
{
    if (ms % 1000 == 0)
        snprintf(out, out_len, "%d s", ms / 1000);
    else
        snprintf(out, out_len, "%.1f s", ms / 1000.0);
}

int cohort__call(struct msg **reply_out, cohort_client_t *client, struct msg *req,
                 int reply_timeout_ms, cohort_error_t *err)
{
    uint64_t *req_id = request_id_field(req);
    int send_timeout_ms =
        client->timeout_ms < reply_timeout_ms ? client->timeout_ms : reply_timeout_ms;
    int64_t started = clock_mono_ms();
    int waited_ms = reply_timeout_ms; /* the limit that passed, for the message */
    struct msg *reply = NULL;
    char waited[32];
    int rc;

    assert(req_id && reply_timeout_ms > 0);
    *reply_out = NULL;
    *req_id = client->next_req_id++;
    buf_reset(&client->frame);
    if ((rc = msg_encode(&client->frame, req)) < 0) {
        if (rc == COHORT_ETOOBIG)
            return cohort__error(err, rc, "the request is larger than the %u MiB message cap",
                                 PROTO_MAX_MSG >> 20);
        return cohort__error(err, rc, "cannot encode the request: %s", cohort_strerror(rc));
    }
    if (!client->socket && (rc = socket_open(client, err)) < 0)
        return rc;
    if ((rc = handshake_check(client, err)) < 0) /* refused while the client idled */
        goto refused;
    rc = frame_send(client, &client->frame, started + send_timeout_ms, err);
    if (rc == COHORT_ETIMEDOUT)
        waited_ms = send_timeout_ms;
    while (rc == 0) {
        if ((rc = message_receive(&reply, client, started + reply_timeout_ms, err)) < 0)
            break;
        if (reply->type == MSG_REPLY && reply->u.reply.req_id == *req_id)
            break;
        msg_free(reply); /* a late answer to a request given up on, or not for clients */
        reply = NULL;
    }
    if (rc == 0 && reply->u.reply.request != req->type) {
        msg_free(reply);
        rc = COHORT_EPROTO;
    }
    if (client->handshake_failed)
        goto refused;
    switch (rc) {
    case 0:
        *reply_out = reply;
        return 0;
    case COHORT_ETIMEDOUT:
        cohort__format_seconds(waited, sizeof waited, waited_ms);
        cohort__error(err, rc, "no answer from the scheduler at %s within %s", client->endpoint,
                      waited);
        break;
    case COHORT_EPROTO:
        cohort__error(err, rc, "the scheduler at %s sent a reply this client cannot read",
                      client->endpoint);
        break;
    case COHORT_ENOMEM:
        cohort__error(err, rc, "out of memory while reading the reply");
        break;
    default:
        cohort__error(err, rc, "lost the connection to the scheduler at %s: %s", client->endpoint,
                      zmq_strerror(errno));
        break;
    }
    socket_reset(client); /* so an answer that comes late cannot be read as a later one's */
    return rc;
refused:
    /* err says why; the socket is reopened by the next request only, so that it does not
     * keep knocking at a scheduler that refuses it */
    client->handshake_failed = false;
    socket_close(client);
    return rc;
}

int cohort__reply_status(struct msg *reply, cohort_error_t *err)
{
    int status = reply->u.reply.status;
    int rc;

    if (status >= 0)
        return 0;
    /* A code this library does not know means a peer it does not understand. */
    rc = status >= COHORT_EINTERNAL ? status : COHORT_EPROTO;
    cohort__error(err, rc, "%s",
                  *reply->u.reply.error ? reply->u.reply.error : cohort_strerror(rc));
    msg_free(reply);
    return rc;
}

int cohort__request(struct msg **reply_out, cohort_client_t *client, struct msg *req,
                    cohort_error_t *err)
{
    struct msg *reply = NULL;
    int rc;

    *reply_out = NULL;
    if ((rc = cohort__call(&reply, client, req, client->timeout_ms, err)) < 0 ||
        (rc = cohort__reply_status(reply, err)) < 0)
        return rc;
    *reply_out = reply;
    return 0;
}
