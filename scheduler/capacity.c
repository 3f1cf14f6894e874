/* capacity.c — the sizes of the up workers, to tell a job that waits from one that never fits. */
#include "capacity.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort.h"
#include "parse.h"

static const char waiting_for_worker[] = "waiting for a worker";
static const char waiting_for_resources[] = "waiting for resources";
static const char never_fits[] = "no worker is large enough for this job";

int capacity_init(struct capacity *cap, size_t max_workers)
{
    memset(cap, 0, sizeof(*cap));
    if (max_workers && !(cap->points = calloc(max_workers, sizeof(*cap->points))))
        return COHORT_ENOMEM;
    cap->max_points = max_workers;
    return 0;
}

void capacity_add(struct capacity *cap, uint32_t cpus, uint64_t mem)
{
    if (cap->n_points < cap->max_points)
        cap->points[cap->n_points++] = (struct capacity_point){cpus, mem};
}

/* Most cpus first; among equal cpus, most memory first. */
static int compare_points(const void *a, const void *b)
{
    const struct capacity_point *x = a, *y = b;

    if (x->cpus != y->cpus)
        return x->cpus > y->cpus ? -1 : 1;
    return x->mem > y->mem ? -1 : x->mem < y->mem;
}

void capacity_seal(struct capacity *cap)
{
    size_t kept = 0;

    if (cap->n_points > 1)
        qsort(cap->points, cap->n_points, sizeof(*cap->points), compare_points);
    /* keep a worker only when it has more memory than every worker with more cpus */
    for (size_t i = 0; i < cap->n_points; i++)
        if (kept == 0 || cap->points[i].mem > cap->points[kept - 1].mem)
            cap->points[kept++] = cap->points[i];
    cap->n_points = kept;
}

/* The most memory of a worker with at least cpus cpus (some has, the caller checked). The
 * points with enough cpus come first, and the last of them has the most memory. */
static uint64_t most_mem_with(const struct capacity *cap, uint32_t cpus)
{
    size_t low = 0, high = cap->n_points; /* points[low - 1] fits; points[high] does not */

    while (high - low > 1) {
        size_t mid = low + (high - low) / 2;
        if (cap->points[mid].cpus >= cpus)
            low = mid;
        else
            high = mid;
    }
    return cap->points[low].mem;
}

const char *capacity_pending_reason(struct capacity *cap, uint32_t cpus, uint64_t mem)
{
    struct capacity_reason *reason;
    char size[32];

    if (cap->n_points == 0)
        return waiting_for_worker;
    bool cpus_short = cpus > cap->points[0].cpus;
    bool mem_short = mem > cap->points[cap->n_points - 1].mem;
    if (!cpus_short && !mem_short && most_mem_with(cap, cpus) >= mem)
        return waiting_for_resources;
    for (size_t i = 0; i < cap->n_worded; i++)
        if (cap->worded[i].cpus == cpus && cap->worded[i].mem == mem)
            return cap->worded[i].text;
    if (cap->n_worded == CAPACITY_WORDED_SHAPES)
        return never_fits;
    reason = &cap->worded[cap->n_worded++];
    reason->cpus = cpus;
    reason->mem = mem;
    format_size(size, sizeof size, mem);
    if (cpus_short && mem_short)
        snprintf(reason->text, sizeof reason->text, "no worker has %u cpus, nor %s of memory", cpus,
                 size);
    else if (cpus_short)
        snprintf(reason->text, sizeof reason->text, "no worker has %u cpus", cpus);
    else if (mem_short)
        snprintf(reason->text, sizeof reason->text, "no worker has %s of memory", size);
    else
        snprintf(reason->text, sizeof reason->text, "no worker has both %u cpus and %s of memory",
                 cpus, size);
    return reason->text;
}

void capacity_free(struct capacity *cap)
{
    free(cap->points);
    cap->points = NULL;
    cap->n_points = cap->max_points = cap->n_worded = 0;
}
