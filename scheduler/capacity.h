/* capacity.h — the sizes of the up workers, to tell a job that waits from one that never fits. */
#ifndef COHORT_SCHED_CAPACITY_H
#define COHORT_SCHED_CAPACITY_H

#include <stddef.h>
#include <stdint.h>

/*
 * Why a pending job waits is worked out when someone asks (jobs, show, wait), from the
 * totals of the workers that are up: a job that no up worker could hold even when idle says
 * so ("no worker has 64 cpus"); one that some worker could hold is "waiting for resources";
 * with no worker up it is "waiting for a worker". Nothing is stored or kept between
 * requests. Worker sizes are reduced to those no other worker beats on both cpus and memory,
 * so each question costs a binary search, and worded reasons are kept per job shape.
 */

#define CAPACITY_WORDED_SHAPES 32 /* shapes worded with their numbers in one answer */

struct capacity_point {
    uint32_t cpus;
    uint64_t mem;
};

struct capacity_reason {
    uint32_t cpus;
    uint64_t mem;
    char text[96];
};

struct capacity {
    struct capacity_point *points; /* owned; after capacity_seal: cpus falling, mem rising */
    size_t n_points, max_points;
    struct capacity_reason worded[CAPACITY_WORDED_SHAPES]; /* reasons handed out so far */
    size_t n_worded;
};

/* Prepare for at most max_workers sizes. Returns 0 or COHORT_ENOMEM (cap is then empty but
 * safe to free). */
int capacity_init(struct capacity *cap, size_t max_workers);

/* Add the totals of one up worker (ignored past max_workers). */
void capacity_add(struct capacity *cap, uint32_t cpus, uint64_t mem);

/* Done adding: reduce the sizes for the questions below. */
void capacity_seal(struct capacity *cap);

/* Why a pending job needing cpus and mem (0 = no request) waits. The string is borrowed from
 * cap (or static) and valid until capacity_free. */
const char *capacity_pending_reason(struct capacity *cap, uint32_t cpus, uint64_t mem);

/* Free what cap holds; a zeroed cap is fine. */
void capacity_free(struct capacity *cap);

#endif
