/* batch_policy.c — daemons under SCHED_BATCH: their wake-ups wait for a running job's turn. */
#define _GNU_SOURCE
#include "batch_policy.h"

#include <sched.h>

static bool entered;

bool batch_policy_enter(void)
{
    const struct sched_param param = {.sched_priority = 0};

    if (sched_getscheduler(0) != SCHED_OTHER || sched_setscheduler(0, SCHED_BATCH, &param) < 0)
        return false;
    entered = true;
    return true;
}

bool batch_policy_entered(void)
{
    return entered;
}

int batch_policy_leave(void)
{
    const struct sched_param param = {.sched_priority = 0};

    return sched_setscheduler(0, SCHED_OTHER, &param);
}
