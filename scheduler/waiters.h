/* waiters.h — blocked WAIT requests, answered when their last job ends or they time out. */
#ifndef COHORT_SCHED_WAITERS_H
#define COHORT_SCHED_WAITERS_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct waiters;

/* A waiter is ready: every job it waits for ended (status 0) or its time ran out
 * (status COHORT_ETIMEDOUT). ids are all the ids of its request, in request order; they
 * and the peer are valid during the call only. */
typedef void (*waiters_ready_fn)(void *arg, int status, const uint8_t *peer, size_t peer_len,
                                 uint64_t req_id, const uint64_t *ids, uint32_t n_ids);

/* Create a registry on loop for at most max_waiters waiters waiting for at most max_ids job
 * ids in all. Returns 0 or COHORT_ENOMEM. */
int waiters_create(struct waiters **out, uv_loop_t *loop, size_t max_waiters, size_t max_ids,
                   waiters_ready_fn on_ready, void *arg);

/* Drop every waiter without answering and free the registry once libuv has closed their
 * timers (the loop must run once more). NULL is a no-op. */
void waiters_destroy(struct waiters *ws);

/* Register a waiter for the request req_id from peer: ids are all the ids it named, pending
 * those of them that have not ended (at least one). It is answered through on_ready after
 * the last pending job ended, or after timeout_ms. Returns 0, COHORT_ETOOBIG when the caps
 * would be passed, or COHORT_ENOMEM. */
int waiters_add(struct waiters *ws, const uint8_t *peer, size_t peer_len, uint64_t req_id,
                const uint64_t *ids, uint32_t n_ids, const uint64_t *pending, uint32_t n_pending,
                uint32_t timeout_ms);

/* A job ended: waiters for whom it was the last are answered. */
void waiters_job_ended(struct waiters *ws, uint64_t job_id);

/* Number of waiters registered. */
size_t waiters_count(const struct waiters *ws);

#endif
