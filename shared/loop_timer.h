/* loop_timer.h — one-shot libuv timers that count from the moment they are armed. */
#ifndef COHORT_LOOP_TIMER_H
#define COHORT_LOOP_TIMER_H

#include <stdint.h>
#include <uv.h>

/* Start timer (initialised on its loop) to call cb once, ms from now. libuv reads its clock
 * once per loop turn, so a timer armed late in a long turn would count from the turn's
 * start and fire early; this reads the clock afresh first. For durations users are
 * promised (time limits, graces, time-outs). */
void loop_timer_start_from_now(uv_timer_t *timer, uv_timer_cb cb, uint64_t ms);

#endif
