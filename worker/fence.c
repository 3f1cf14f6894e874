/* fence.c — when a worker that hears nothing from its scheduler must kill its own jobs. */
#include "fence.h"

int64_t fence_after_ms(uint32_t lease_ms, uint32_t heartbeat_ms, uint32_t kill_grace_ms)
{
    int64_t margin = (int64_t)kill_grace_ms + 2 * (int64_t)heartbeat_ms;
    int64_t early = (int64_t)lease_ms - margin;
    int64_t floor = (int64_t)lease_ms / 2;

    return early > floor ? early : floor;
}

bool fence_due(bool ever_welcomed, int64_t silent_ms, uint32_t lease_ms, uint32_t heartbeat_ms,
               uint32_t kill_grace_ms)
{
    return ever_welcomed && silent_ms >= fence_after_ms(lease_ms, heartbeat_ms, kill_grace_ms);
}
