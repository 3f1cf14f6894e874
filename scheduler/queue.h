/* queue.h — pending jobs in memory: compact FIFO queues per job shape, in dispatch order. */
#ifndef COHORT_SCHED_QUEUE_H
#define COHORT_SCHED_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A shape is (priority, cpus, mem): every pending job of one shape is interchangeable for
 * placement, so jobs are kept per shape in id order and dispatch only ever looks at the
 * head of each shape. Ids are stored as runs of consecutive ids, so an array of a million
 * jobs costs a few bytes in all; a lone job costs 16 bytes. Dispatch order is priority
 * (higher first), then id (lower first).
 */
struct queue;

struct job_shape {
    int32_t priority;
    uint32_t cpus;
    uint64_t mem; /* bytes; 0 = no memory request */
};

/* Create an empty queue. Returns 0 or COHORT_ENOMEM (*out is then NULL). */
int queue_create(struct queue **out);

/* Free the queue. NULL is a no-op. */
void queue_destroy(struct queue *q);

/* Forget every job (used before reloading from the database). */
void queue_clear(struct queue *q);

/* Add the jobs first_id .. first_id + count - 1, all of one shape. Adding ids in
 * increasing order (as new submissions and the start-up load do) is cheapest; an older id
 * (a job requeued after its worker was lost) is accepted too and keeps its place in id
 * order. An id must not already be queued. Returns 0 or COHORT_ENOMEM; on failure nothing
 * was added. */
int queue_add(struct queue *q, uint64_t first_id, uint64_t count, const struct job_shape *shape);

/* Remove one queued job (a cancel). shape must be the one it was added with. Returns 0,
 * COHORT_ENOENT when no job of that shape is queued, or COHORT_ENOMEM. */
int queue_remove(struct queue *q, uint64_t id, const struct job_shape *shape);

/* Number of queued jobs. */
uint64_t queue_count(const struct queue *q);

/*
 * A dispatch pass walks the queue in dispatch order: peek gives the best head among the
 * shapes not set aside; then take removes it (it was placed) or skip sets its whole shape
 * aside until the pass ends (it fits nowhere, and nor does any job behind it). The queue
 * must not be changed otherwise during a pass.
 */
void queue_pass_begin(struct queue *q);
bool queue_pass_peek(struct queue *q, uint64_t *id, struct job_shape *shape);
void queue_pass_take(struct queue *q);
void queue_pass_skip(struct queue *q);
void queue_pass_end(struct queue *q);

#endif
