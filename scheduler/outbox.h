/* outbox.h — messages held back until the turn's transaction is committed. */
#ifndef COHORT_SCHED_OUTBOX_H
#define COHORT_SCHED_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "zsock.h"

/*
 * Everything the scheduler says during a turn (replies to clients, and RUN, KILL,
 * RESULT_ACK... to workers) may depend on writes that are not committed yet, so it waits
 * here. After the commit it is sent in order; after a failed commit, clients are told
 * COHORT_EIO instead and worker messages are dropped (workers resend or re-register),
 * except items that stand alone (heartbeat answers, replies made before the turn wrote).
 */
struct outbox;

/* What a held message is, for what to do if it cannot be sent as is. */
enum outbox_kind {
    OUTBOX_REPLY,  /* a reply to a client request: answered with an error on failure */
    OUTBOX_RUN,    /* a RUN: its loss must be reported (the job would be stuck) */
    OUTBOX_WORKER, /* anything else to a worker */
};

struct outbox_item {
    enum outbox_kind kind;
    uint8_t peer[255];
    uint8_t peer_len;
    uint64_t req_id; /* OUTBOX_REPLY: the request's id and type */
    uint8_t request;
    uint64_t job_id; /* OUTBOX_RUN: the attempt sent */
    uint32_t attempt;
    bool stands_alone;  /* true when valid whatever the commit does: sent even if it fails */
    struct buf payload; /* the encoded message (owned) */
};

/* Create an outbox that holds at most max_items messages and max_bytes of payload. */
int outbox_create(struct outbox **out, size_t max_items, size_t max_bytes);

/* Free the outbox and what it holds. NULL is a no-op. */
void outbox_destroy(struct outbox *ob);

/* Hold item (its payload is taken over: item->payload is left empty). Returns 0, or
 * COHORT_ETOOBIG when the outbox is full (the payload is then freed). */
int outbox_push(struct outbox *ob, struct outbox_item *item);

/* Bytes of payload the outbox holds. */
size_t outbox_bytes(const struct outbox *ob);

/* Whether a payload of n more bytes would fit. */
bool outbox_has_room(const struct outbox *ob, size_t n);

/* Hand every held message to send (in order) and empty the outbox. send may hold new
 * messages; they wait for the next drain. */
void outbox_drain(struct outbox *ob, void (*send)(void *arg, struct outbox_item *item), void *arg);

#endif
