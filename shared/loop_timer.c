/* loop_timer.c — one-shot libuv timers that count from the moment they are armed. */
#include "loop_timer.h"

void loop_timer_start_from_now(uv_timer_t *timer, uv_timer_cb cb, uint64_t ms)
{
    uv_update_time(timer->loop);
    uv_timer_start(timer, cb, ms, 0);
}
