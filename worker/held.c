/* held.c — results of finished attempts kept until the scheduler acknowledges them. */
#include "held.h"

#include <stdlib.h>

#include "cohort.h"

void held_init(struct held_results *held)
{
    held->first = held->last = NULL;
    held->count = 0;
}

void held_clear(struct held_results *held)
{
    struct held_result *entry;

    while ((entry = held->first)) {
        held->first = entry->next;
        free(entry);
    }
    held_init(held);
}

int held_add(struct held_results *held, const struct attempt_result *res)
{
    struct held_result *entry;

    if (held_find(held, res->job_id, res->attempt))
        return COHORT_EINVAL;
    if (!(entry = calloc(1, sizeof(*entry))))
        return COHORT_ENOMEM;
    entry->result = *res;
    if (held->last)
        held->last->next = entry;
    else
        held->first = entry;
    held->last = entry;
    held->count++;
    return 0;
}

struct held_result *held_find(const struct held_results *held, uint64_t job_id, uint32_t attempt)
{
    for (struct held_result *entry = held->first; entry; entry = entry->next)
        if (entry->result.job_id == job_id && entry->result.attempt == attempt)
            return entry;
    return NULL;
}

int held_remove(struct held_results *held, uint64_t job_id, uint32_t attempt)
{
    struct held_result *previous = NULL;

    for (struct held_result *entry = held->first; entry; previous = entry, entry = entry->next) {
        if (entry->result.job_id != job_id || entry->result.attempt != attempt)
            continue;
        if (previous)
            previous->next = entry->next;
        else
            held->first = entry->next;
        if (held->last == entry)
            held->last = previous;
        held->count--;
        free(entry);
        return 0;
    }
    return COHORT_ENOENT;
}

void held_mark_unsent(struct held_results *held)
{
    for (struct held_result *entry = held->first; entry; entry = entry->next)
        entry->sent_at = 0;
}

uint32_t held_list(const struct held_results *held, struct job_attempt *out, uint32_t max)
{
    uint32_t n = 0;

    for (struct held_result *entry = held->first; entry && n < max; entry = entry->next)
        out[n++] = (struct job_attempt){entry->result.job_id, entry->result.attempt};
    return n;
}
