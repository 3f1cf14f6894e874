/* stats.c — job counts per state and jobs finished in the last minute, kept in memory. */
#include "stats.h"

#include <string.h>

void stats_init(struct job_stats *st, const uint64_t counts[COHORT_JOB_STATE_COUNT])
{
    memset(st, 0, sizeof(*st));
    memcpy(st->jobs, counts, sizeof(st->jobs));
}

void stats_add(struct job_stats *st, uint8_t state, uint64_t n)
{
    if (state < COHORT_JOB_STATE_COUNT)
        st->jobs[state] += n;
}

void stats_move(struct job_stats *st, uint8_t from, uint8_t to, int64_t now_ms)
{
    if (from < COHORT_JOB_STATE_COUNT && st->jobs[from] > 0)
        st->jobs[from]--;
    stats_add(st, to, 1);
    if (!job_state_ended(to))
        return;
    int64_t second = now_ms / 1000;
    size_t slot = (size_t)(second % STATS_WINDOW_SECONDS);
    if (st->slot_second[slot] != second) {
        st->slot_second[slot] = second;
        st->slot_finished[slot] = 0;
    }
    st->slot_finished[slot]++;
}

uint64_t stats_finished_recently(const struct job_stats *st, int64_t now_ms)
{
    int64_t second = now_ms / 1000;
    uint64_t total = 0;
    for (size_t i = 0; i < STATS_WINDOW_SECONDS; i++)
        if (st->slot_second[i] > second - STATS_WINDOW_SECONDS && st->slot_second[i] <= second)
            total += st->slot_finished[i];
    return total;
}
