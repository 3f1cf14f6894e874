/* stats.h — job counts per state and jobs finished in the last minute, kept in memory. */
#ifndef COHORT_SCHED_STATS_H
#define COHORT_SCHED_STATS_H

#include <stdint.h>

#include "cohort.h"

#define STATS_WINDOW_SECONDS 60

/* Counts are loaded once at start (one GROUP BY) and moved with every state change, so
 * `status` costs nothing however many jobs are stored. */
struct job_stats {
    uint64_t jobs[COHORT_JOB_STATE_COUNT];        /* jobs in each state */
    int64_t slot_second[STATS_WINDOW_SECONDS];    /* which second each slot counts */
    uint64_t slot_finished[STATS_WINDOW_SECONDS]; /* jobs that ended in that second */
};

/* Start from counts (jobs per state) with an empty throughput window. */
void stats_init(struct job_stats *st, const uint64_t counts[COHORT_JOB_STATE_COUNT]);

/* n jobs entered state (a submission). */
void stats_add(struct job_stats *st, uint8_t state, uint64_t n);

/* One job went from state `from` to state `to` at now_ms; a move to an ended state counts
 * as finished in that second. */
void stats_move(struct job_stats *st, uint8_t from, uint8_t to, int64_t now_ms);

/* Jobs that ended in the STATS_WINDOW_SECONDS before now_ms. */
uint64_t stats_finished_recently(const struct job_stats *st, int64_t now_ms);

/* Whether a job in state has ended (completed, failed, cancelled or timeout). */
static inline int job_state_ended(uint8_t state)
{
    return state >= COHORT_JOB_COMPLETED && state < COHORT_JOB_STATE_COUNT;
}

#endif
