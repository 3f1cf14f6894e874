/* zsock.h — a ZeroMQ socket joined to a libuv loop (uv_poll on the edge-triggered ZMQ_FD). */
#ifndef COHORT_ZSOCK_H
#define COHORT_ZSOCK_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct zsock;

/* Called once per received message. For a ROUTER socket peer/peer_len is the routing id
 * frame; for a DEALER it is NULL/0. user_id is the User-Id the ZAP handler gave the
 * sender's connection, or NULL when the socket authenticates nobody. The frames are only
 * valid during the call. Messages that do not have exactly one payload frame (after the
 * routing id) are dropped before this is called. */
typedef void (*zsock_message_cb)(struct zsock *zs, const uint8_t *peer, size_t peer_len,
                                 const char *user_id, const uint8_t *data, size_t len,
                                 void *arg);

/* Called once per loop turn, after the messages of that turn were handled and before the
 * loop blocks: the place to commit a transaction and send what waited for it. It is called
 * on every turn, also when no message came (a timer may have written), so it must be cheap
 * when there is nothing to do. May be NULL. */
typedef void (*zsock_turn_cb)(struct zsock *zs, void *arg);

/* Join the ZeroMQ socket `socket` (not owned; the caller closes it after zsock_close) to
 * `loop`. Handles at most `batch` messages per wake-up before letting other handles run
 * (0 = 256). Returns 0 or a negative COHORT_E* code; on failure *out is NULL. */
int zsock_open(struct zsock **out, uv_loop_t *loop, void *socket, unsigned batch,
               zsock_message_cb on_message, zsock_turn_cb on_turn, void *arg);

/* Send one message: the routing id frame first when peer is not NULL (ROUTER), then data.
 * Never blocks. Returns 0, COHORT_ECONNECT when the peer is unknown or gone
 * (ROUTER_MANDATORY), COHORT_ETIMEDOUT when the peer's queue is full, COHORT_EINTERNAL on
 * any other failure. Safe to call from any callback of the loop except another prepare
 * handle's: the socket is re-checked at the end of each turn, before the loop blocks, so no
 * wake-up is lost to the edge-triggered fd. */
int zsock_send(struct zsock *zs, const uint8_t *peer, size_t peer_len, const void *data,
               size_t len);

/* The ZeroMQ socket given to zsock_open. */
void *zsock_socket(struct zsock *zs);

/* Stop watching the socket and free *zs once libuv has closed its handles; sets *zs to
 * NULL. NULL or *zs == NULL is a no-op. The loop must run once more to finish closing. */
void zsock_close(struct zsock **zs);

#endif
