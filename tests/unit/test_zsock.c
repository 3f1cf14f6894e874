/* test_zsock.c — ZeroMQ sockets in a libuv loop: a real ROUTER/DEALER pair on 127.0.0.1. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <cmocka.h>
#include <zmq.h>

#include "cohort.h"
#include "zsock.h"

#define GUARD_MS 10000 /* no test may run the loop longer than this */
#define DEALER_ID "dealer-1"

struct pair {
    uv_loop_t loop;
    uv_timer_t guard; /* stops a loop that would otherwise hang */
    bool timed_out;
    void *ctx;
    void *router_socket, *dealer_socket;
    struct zsock *router, *dealer;

    /* what the current test does with messages */
    bool router_echoes;     /* send every message back to its peer */
    bool dealer_sends_next; /* answer each reply with the next request (ping-pong) */
    unsigned router_wants;  /* stop once the router received this many */
    unsigned dealer_wants;  /* stop once the dealer received this many */
    const char *stop_on;    /* stop when the router receives this payload */
    void (*router_hook)(struct pair *p, const uint8_t *peer, size_t peer_len);
    bool router_replies_at_turn_end; /* queue replies and send them from on_turn */
    unsigned dealer_sends_per_tick;  /* send this many from a timer on every tick */
    unsigned dealer_to_send;         /* requests the timer still has to send */
    uv_timer_t ticker;
    unsigned deferred[64]; /* request numbers waiting for on_turn */
    unsigned n_deferred;

    /* what happened */
    unsigned router_received, dealer_received;
    unsigned dealer_next; /* next request number to send */
    unsigned turns, since_turn, most_between_turns;
    bool out_of_order;
    char last_router_payload[64];
};

static void stop_loop(struct pair *p)
{
    uv_stop(&p->loop);
}

static void on_guard(uv_timer_t *timer)
{
    struct pair *p = timer->data;
    p->timed_out = true;
    stop_loop(p);
}

static void dealer_send_number(struct pair *p, unsigned number)
{
    char text[32];
    int len = snprintf(text, sizeof(text), "m%u", number);
    assert_int_equal(zsock_send(p->dealer, NULL, 0, text, (size_t)len), 0);
}

static void on_router_message(struct zsock *zs, const uint8_t *peer, size_t peer_len,
                              const char *user_id, const uint8_t *data, size_t len, void *arg)
{
    struct pair *p = arg;

    assert_non_null(peer);
    assert_int_equal(peer_len, strlen(DEALER_ID));
    assert_memory_equal(peer, DEALER_ID, peer_len);
    p->router_received++;
    p->since_turn++;
    snprintf(p->last_router_payload, sizeof(p->last_router_payload), "%.*s", (int)len,
             (const char *)data);
    if (p->router_echoes)
        assert_int_equal(zsock_send(zs, peer, peer_len, data, len), 0);
    if (p->router_replies_at_turn_end) {
        assert_true(p->n_deferred < sizeof(p->deferred) / sizeof(p->deferred[0]));
        p->deferred[p->n_deferred++] = (unsigned)strtoul(p->last_router_payload + 1, NULL, 10);
    }
    if (p->router_hook)
        p->router_hook(p, peer, peer_len);
    if (p->router_received == p->router_wants ||
        (p->stop_on && strcmp(p->last_router_payload, p->stop_on) == 0))
        stop_loop(p);
}

static void on_router_turn(struct zsock *zs, void *arg)
{
    struct pair *p = arg;
    p->turns++;
    for (unsigned i = 0; i < p->n_deferred; i++) {
        char text[32];
        int len = snprintf(text, sizeof(text), "m%u", p->deferred[i]);
        assert_int_equal(
            zsock_send(zs, (const uint8_t *)DEALER_ID, strlen(DEALER_ID), text, (size_t)len), 0);
    }
    p->n_deferred = 0;
    if (p->since_turn > p->most_between_turns)
        p->most_between_turns = p->since_turn;
    p->since_turn = 0;
}

static void on_dealer_message(struct zsock *zs, const uint8_t *peer, size_t peer_len,
                              const char *user_id, const uint8_t *data, size_t len, void *arg)
{
    struct pair *p = arg;
    char expected[32];

    assert_null(peer);
    assert_int_equal(peer_len, 0);
    snprintf(expected, sizeof(expected), "m%u", p->dealer_received);
    if (len != strlen(expected) || memcmp(data, expected, len) != 0)
        p->out_of_order = true;
    p->dealer_received++;
    if (p->dealer_received == p->dealer_wants)
        stop_loop(p);
    else if (p->dealer_sends_next)
        dealer_send_number(p, p->dealer_next++);
}

static void on_tick(uv_timer_t *timer)
{
    struct pair *p = timer->data;

    for (unsigned i = 0; i < p->dealer_sends_per_tick && p->dealer_to_send > 0; i++) {
        dealer_send_number(p, p->dealer_next++);
        p->dealer_to_send--;
    }
    if (p->dealer_to_send == 0)
        uv_timer_stop(timer);
}

static void *new_socket(struct pair *p, int type)
{
    void *socket = zmq_socket(p->ctx, type);
    int linger = 0;
    assert_non_null(socket);
    assert_int_equal(zmq_setsockopt(socket, ZMQ_LINGER, &linger, sizeof(linger)), 0);
    return socket;
}

/* A ROUTER on an ephemeral loopback port and a DEALER connected to it, both in one loop;
 * the router handles at most 8 messages per wake-up. */
static int setup(void **state)
{
    struct pair *p = calloc(1, sizeof(*p));
    char endpoint[256];
    size_t endpoint_len = sizeof(endpoint);
    int mandatory = 1;

    assert_non_null(p);
    assert_int_equal(uv_loop_init(&p->loop), 0);
    p->ctx = zmq_ctx_new();
    p->router_socket = new_socket(p, ZMQ_ROUTER);
    assert_int_equal(
        zmq_setsockopt(p->router_socket, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof(mandatory)), 0);
    assert_int_equal(zmq_bind(p->router_socket, "tcp://127.0.0.1:*"), 0);
    assert_int_equal(zmq_getsockopt(p->router_socket, ZMQ_LAST_ENDPOINT, endpoint, &endpoint_len),
                     0);
    p->dealer_socket = new_socket(p, ZMQ_DEALER);
    assert_int_equal(zmq_setsockopt(p->dealer_socket, ZMQ_ROUTING_ID, DEALER_ID, strlen(DEALER_ID)),
                     0);
    assert_int_equal(zmq_connect(p->dealer_socket, endpoint), 0);

    assert_int_equal(
        zsock_open(&p->router, &p->loop, p->router_socket, 8, on_router_message, on_router_turn, p),
        0);
    assert_int_equal(
        zsock_open(&p->dealer, &p->loop, p->dealer_socket, 0, on_dealer_message, NULL, p), 0);
    assert_ptr_equal(zsock_socket(p->router), p->router_socket);
    uv_timer_init(&p->loop, &p->guard);
    p->guard.data = p;
    uv_timer_start(&p->guard, on_guard, GUARD_MS, 0);
    uv_timer_init(&p->loop, &p->ticker);
    p->ticker.data = p;
    *state = p;
    return 0;
}

static int teardown(void **state)
{
    struct pair *p = *state;

    zsock_close(&p->router);
    zsock_close(&p->dealer);
    assert_null(p->router);
    zsock_close(&p->router); /* a second close is a no-op */
    zsock_close(NULL);
    uv_close((uv_handle_t *)&p->guard, NULL);
    uv_close((uv_handle_t *)&p->ticker, NULL);
    uv_run(&p->loop, UV_RUN_DEFAULT); /* finishes closing; nothing else is left */
    assert_int_equal(uv_loop_close(&p->loop), 0);
    zmq_close(p->router_socket);
    zmq_close(p->dealer_socket);
    zmq_ctx_term(p->ctx);
    free(p);
    return 0;
}

static void run_until_stopped(struct pair *p)
{
    uv_run(&p->loop, UV_RUN_DEFAULT);
    assert_false(p->timed_out);
}

/* Every reply triggers the next request, from inside the callbacks, on both sides: the case
 * where a send swallows ZMQ_FD's edge and a careless loop hangs. */
static void test_ping_pong(void **state)
{
    enum { ROUND_TRIPS = 2000 };
    struct pair *p = *state;

    p->router_echoes = true;
    p->dealer_sends_next = true;
    p->dealer_wants = ROUND_TRIPS;
    dealer_send_number(p, p->dealer_next++);
    run_until_stopped(p);
    assert_int_equal(p->router_received, ROUND_TRIPS);
    assert_int_equal(p->dealer_received, ROUND_TRIPS);
    assert_false(p->out_of_order);
    assert_true(p->turns > 0);
}

/* Sends made outside the socket's own message callback (from a timer, and from the turn
 * hook, the way the scheduler answers after its commit) must not lose a wake-up. */
static void test_sends_outside_message_callbacks(void **state)
{
    enum { COUNT = 3000 };
    struct pair *p = *state;

    p->router_replies_at_turn_end = true;
    p->dealer_sends_per_tick = 7;
    p->dealer_to_send = COUNT;
    p->dealer_wants = COUNT;
    uv_timer_start(&p->ticker, on_tick, 0, 1);
    run_until_stopped(p);
    assert_int_equal(p->router_received, COUNT);
    assert_int_equal(p->dealer_received, COUNT);
    assert_false(p->out_of_order);
}

/* From a timer: send, then wait on the router with zmq_poll, which swallows ZMQ_FD's signal
 * just as a send of the router's own can. The loop must still find the message. */
static void on_swallow_tick(uv_timer_t *timer)
{
    struct pair *p = timer->data;
    zmq_pollitem_t item = {.socket = p->router_socket, .events = ZMQ_POLLIN};

    dealer_send_number(p, 0);
    assert_int_equal(zmq_poll(&item, 1, GUARD_MS / 2), 1);
}

static void test_swallowed_signal_is_recovered(void **state)
{
    struct pair *p = *state;

    p->router_wants = 1;
    uv_timer_start(&p->ticker, on_swallow_tick, 50, 0);
    run_until_stopped(p);
    assert_int_equal(p->router_received, 1);
}

static volatile sig_atomic_t signals_caught;

static void on_signal(int signo)
{
    signals_caught++;
}

/* A worker gets SIGCHLD for every job that ends: a signal that interrupts ZeroMQ inside a
 * send or a receive must neither fail the send (dealer_send_number asserts it) nor lose a
 * message. A timer signal without SA_RESTART arrives every 20 us during a ping-pong. */
static void test_signals_do_not_fail_sends(void **state)
{
    enum { ROUND_TRIPS = 20000 };
    struct pair *p = *state;
    struct sigaction action = {.sa_handler = on_signal}, saved;
    struct itimerval every = {.it_interval = {0, 20}, .it_value = {0, 20}}, off = {0};

    sigemptyset(&action.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &action, &saved), 0);
    assert_int_equal(setitimer(ITIMER_REAL, &every, NULL), 0);
    p->router_echoes = true;
    p->dealer_sends_next = true;
    p->dealer_wants = ROUND_TRIPS;
    dealer_send_number(p, p->dealer_next++);
    run_until_stopped(p);
    setitimer(ITIMER_REAL, &off, NULL);
    sigaction(SIGALRM, &saved, NULL);
    assert_int_equal(p->router_received, ROUND_TRIPS);
    assert_int_equal(p->dealer_received, ROUND_TRIPS);
    assert_false(p->out_of_order);
    assert_true(signals_caught > 0);
}

/* Many messages in flight both ways at once. */
static void test_many_messages_both_ways(void **state)
{
    enum { COUNT = 900 };
    struct pair *p = *state;

    p->router_echoes = true;
    p->dealer_wants = COUNT;
    for (unsigned i = 0; i < COUNT; i++)
        dealer_send_number(p, i);
    run_until_stopped(p);
    assert_int_equal(p->router_received, COUNT);
    assert_int_equal(p->dealer_received, COUNT);
    assert_false(p->out_of_order);
}

/* A burst much bigger than the batch is read in several turns, none of them starving the
 * loop: at most a batch per wake-up (a poll and an idle wake-up may share a turn). */
static void test_burst_is_batched(void **state)
{
    enum { COUNT = 600, BATCH = 8 };
    struct pair *p = *state;

    p->router_wants = COUNT;
    for (unsigned i = 0; i < COUNT; i++)
        dealer_send_number(p, i);
    run_until_stopped(p);
    assert_int_equal(p->router_received, COUNT);
    assert_true(p->most_between_turns <= 2 * BATCH);
    assert_true(p->turns >= COUNT / (2 * BATCH));
}

/* Messages with the wrong number of frames are dropped, in both directions. */
static void send_frames(void *socket, const char *const *frames, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_true(zmq_send(socket, frames[i], strlen(frames[i]),
                             (i + 1 < n ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT) >= 0);
}

static void router_sends_bad_then_good(struct pair *p, const uint8_t *peer, size_t peer_len)
{
    static const char *const three[] = {DEALER_ID, "bad", "frames"};
    static const char *const four[] = {DEALER_ID, "a", "b", "c"};

    if (strcmp(p->last_router_payload, "hello") != 0)
        return;
    send_frames(zsock_socket(p->router), three, 3);
    send_frames(zsock_socket(p->router), four, 4);
    assert_int_equal(zsock_send(p->router, peer, peer_len, "m0", 2), 0);
}

static void test_wrong_frame_counts_are_dropped(void **state)
{
    static const char *const two[] = {"bad", "frames"};
    static const char *const three[] = {"a", "b", "c"};
    struct pair *p = *state;

    /* dealer -> router: [id, bad, frames] and [id, a, b, c] are dropped, then "hello" */
    send_frames(p->dealer_socket, two, 2);
    send_frames(p->dealer_socket, three, 3);
    assert_int_equal(zsock_send(p->dealer, NULL, 0, "hello", 5), 0);
    /* router -> dealer: two bad messages, then "m0" */
    p->router_hook = router_sends_bad_then_good;
    p->dealer_wants = 1;
    run_until_stopped(p);
    assert_int_equal(p->router_received, 1);
    assert_string_equal(p->last_router_payload, "hello");
    assert_int_equal(p->dealer_received, 1);
    assert_false(p->out_of_order); /* it was "m0" */
}

static void test_send_to_unknown_peer(void **state)
{
    struct pair *p = *state;
    assert_int_equal(zsock_send(p->router, (const uint8_t *)"nobody", 6, "x", 1), COHORT_ECONNECT);
}

static void test_open_rejects_other_socket_types(void **state)
{
    struct pair *p = *state;
    struct zsock *zs = (struct zsock *)1;
    void *pub = new_socket(p, ZMQ_PUB);

    assert_int_equal(zsock_open(&zs, &p->loop, pub, 0, on_router_message, NULL, p), COHORT_EINVAL);
    assert_null(zs);
    zmq_close(pub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ping_pong, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_messages_both_ways, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signals_do_not_fail_sends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sends_outside_message_callbacks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_swallowed_signal_is_recovered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_burst_is_batched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_frame_counts_are_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_to_unknown_peer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_rejects_other_socket_types, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
