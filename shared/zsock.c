/* zsock.c — a ZeroMQ socket joined to a libuv loop (uv_poll on the edge-triggered ZMQ_FD). */
#include "zsock.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <zmq.h>

#include "cohort.h"

/*
 * ZMQ_FD only says "something changed": it becomes readable once, and stays quiet until
 * ZMQ_EVENTS or a receive has been called. So every wake-up drains the socket until a
 * receive finds nothing, at most `batch` messages at a time; when the batch runs out the
 * idle handle keeps the loop spinning so the rest is read on the next turn without blocking.
 * A send can also swallow the signal (libzmq reads the socket's command pipe while sending),
 * so the prepare handle, which runs after every callback of a turn and right before the loop
 * blocks, re-checks ZMQ_EVENTS. A send needs nothing more, as long as no other prepare
 * handle of the loop sends (on_turn's sends come before the check).
 */

#define ZSOCK_DEFAULT_BATCH 256
#define ZSOCK_HANDLES 3 /* poll, idle, prepare */

struct zsock {
    void *socket;   /* not owned */
    bool is_router; /* messages carry a routing id frame first */
    unsigned batch; /* messages handled per wake-up before other handles get a turn */
    zsock_message_cb on_message;
    zsock_turn_cb on_turn;
    void *arg;
    uv_poll_t poll;        /* wakes us when ZMQ_FD signals */
    uv_idle_t idle;        /* active while messages may be waiting: the loop must not block */
    uv_prepare_t prepare;  /* end of turn: on_turn, then re-check before blocking */
    bool closing;          /* zsock_close was called; touch neither socket nor callbacks */
    unsigned handles_open; /* handles not yet closed by libuv; freed when it reaches 0 */
};

/* Whether ZMQ_EVENTS reports a message waiting (this also re-arms ZMQ_FD). */
static bool readable(struct zsock *zs)
{
    int events = 0;
    size_t size = sizeof(events);

    if (zmq_getsockopt(zs->socket, ZMQ_EVENTS, &events, &size) != 0)
        return false;
    return events & ZMQ_POLLIN;
}

/* zmq_msg_recv without waiting, taken again when a signal interrupted it (a worker gets
 * SIGCHLD for every job). Returns what zmq_msg_recv returns. */
static int frame_receive(zmq_msg_t *frame, void *socket)
{
    int rc;

    while ((rc = zmq_msg_recv(frame, socket, ZMQ_DONTWAIT)) < 0 && errno == EINTR)
        ;
    return rc;
}

/* zmq_send without waiting, taken again when a signal interrupted it: an interrupted send
 * sent nothing. Returns what zmq_send returns. */
static int frame_send(void *socket, const void *data, size_t len, int flags)
{
    int rc;

    while ((rc = zmq_send(socket, data, len, flags | ZMQ_DONTWAIT)) < 0 && errno == EINTR)
        ;
    return rc;
}

/* Receive all frames of one message and hand it over when it has the frames this socket
 * type expects: [routing id, payload] on a ROUTER, [payload] on a DEALER. Anything else is
 * read to its end and dropped. Returns false when no message was waiting (which, like
 * ZMQ_EVENTS, re-arms ZMQ_FD). */
static bool receive_one(struct zsock *zs)
{
    enum { MAX_KEPT = 2 };
    zmq_msg_t frames[MAX_KEPT + 1]; /* the last slot takes every frame past those kept */
    size_t expected = zs->is_router ? 2 : 1;
    size_t received = 0;
    bool more = true;

    for (size_t i = 0; i <= MAX_KEPT; i++)
        zmq_msg_init(&frames[i]);
    while (more) {
        zmq_msg_t *slot = &frames[received < MAX_KEPT ? received : MAX_KEPT];
        if (frame_receive(slot, zs->socket) < 0)
            break; /* nothing more (frames of one message arrive together) */
        received++;
        more = zmq_msg_more(slot);
    }
    if (!more && received == expected) {
        zmq_msg_t *payload = &frames[expected - 1];
        const uint8_t *peer = zs->is_router ? zmq_msg_data(&frames[0]) : NULL;
        size_t peer_len = zs->is_router ? zmq_msg_size(&frames[0]) : 0;
        const char *user_id = zmq_msg_gets(payload, "User-Id");
        zs->on_message(zs, peer, peer_len, user_id, zmq_msg_data(payload),
                       zmq_msg_size(payload), zs->arg);
    }
    for (size_t i = 0; i <= MAX_KEPT; i++)
        zmq_msg_close(&frames[i]);
    return received > 0;
}

static void on_idle(uv_idle_t *handle);

/* Handle up to a batch of messages; keep the idle handle running while more may wait. */
static void drain(struct zsock *zs)
{
    for (unsigned handled = 0; handled < zs->batch; handled++) {
        if (zs->closing)
            return;
        if (!receive_one(zs)) { /* cheaper than asking ZMQ_EVENTS before each message */
            uv_idle_stop(&zs->idle);
            return;
        }
    }
    if (!zs->closing)
        uv_idle_start(&zs->idle, on_idle);
}

static void on_idle(uv_idle_t *handle)
{
    drain(handle->data);
}

static void on_poll(uv_poll_t *handle, int status, int events)
{
    drain(handle->data); /* on a poll error too: ZMQ_EVENTS tells what really is there */
}

/* Once per loop iteration, before the loop blocks for I/O. */
static void on_prepare(uv_prepare_t *handle)
{
    struct zsock *zs = handle->data;

    if (zs->on_turn)
        zs->on_turn(zs, zs->arg);
    if (!zs->closing && readable(zs))
        uv_idle_start(&zs->idle, on_idle);
}

static void on_handle_closed(uv_handle_t *handle)
{
    struct zsock *zs = handle->data;

    if (--zs->handles_open == 0)
        free(zs);
}

/* Release a zsock whose handles are all initialised; frees it once libuv closed them. */
static void close_handles(struct zsock *zs)
{
    zs->closing = true;
    zs->handles_open = ZSOCK_HANDLES;
    uv_close((uv_handle_t *)&zs->poll, on_handle_closed);
    uv_close((uv_handle_t *)&zs->idle, on_handle_closed);
    uv_close((uv_handle_t *)&zs->prepare, on_handle_closed);
}

int zsock_open(struct zsock **out, uv_loop_t *loop, void *socket, unsigned batch,
               zsock_message_cb on_message, zsock_turn_cb on_turn, void *arg)
{
    struct zsock *zs = NULL;
    int fd, type;
    size_t fd_size = sizeof(fd), type_size = sizeof(type);
    int rc = COHORT_EINVAL;

    assert(on_message);
    *out = NULL;
    if (zmq_getsockopt(socket, ZMQ_FD, &fd, &fd_size) != 0 ||
        zmq_getsockopt(socket, ZMQ_TYPE, &type, &type_size) != 0 ||
        (type != ZMQ_ROUTER && type != ZMQ_DEALER))
        goto fail;
    rc = COHORT_ENOMEM;
    if (!(zs = calloc(1, sizeof(*zs))))
        goto fail;
    zs->socket = socket;
    zs->is_router = type == ZMQ_ROUTER;
    zs->batch = batch ? batch : ZSOCK_DEFAULT_BATCH;
    zs->on_message = on_message;
    zs->on_turn = on_turn;
    zs->arg = arg;
    rc = COHORT_EINTERNAL;
    if (uv_poll_init(loop, &zs->poll, fd) < 0)
        goto fail;
    uv_idle_init(loop, &zs->idle);
    uv_prepare_init(loop, &zs->prepare);
    zs->poll.data = zs->idle.data = zs->prepare.data = zs;
    if (uv_poll_start(&zs->poll, UV_READABLE, on_poll) < 0) {
        close_handles(zs); /* frees zs when the loop runs */
        zs = NULL;
        goto fail;
    }
    uv_prepare_start(&zs->prepare, on_prepare);
    uv_idle_start(&zs->idle, on_idle); /* messages may have arrived before we watched */
    *out = zs;
    return 0;
fail:
    free(zs);
    return rc;
}

int zsock_send(struct zsock *zs, const uint8_t *peer, size_t peer_len, const void *data, size_t len)
{
    int rc = 0;

    assert(!zs->closing && zs->is_router == (peer != NULL));
    if ((peer && frame_send(zs->socket, peer, peer_len, ZMQ_SNDMORE) < 0) ||
        frame_send(zs->socket, data, len, 0) < 0) {
        if (errno == EHOSTUNREACH)
            rc = COHORT_ECONNECT;
        else if (errno == EAGAIN)
            rc = COHORT_ETIMEDOUT;
        else
            rc = COHORT_EINTERNAL;
    }
    return rc; /* on_prepare re-checks the socket before the loop blocks */
}

void *zsock_socket(struct zsock *zs)
{
    return zs->socket;
}

void zsock_close(struct zsock **zs)
{
    if (!zs || !*zs)
        return;
    close_handles(*zs);
    *zs = NULL;
}
