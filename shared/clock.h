/* clock.h — wall-clock and monotonic time in milliseconds, and RFC 3339 formatting. */
#ifndef COHORT_CLOCK_H
#define COHORT_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds since the Unix epoch (wall clock). */
int64_t clock_now_ms(void);

/* Milliseconds from an arbitrary start that never goes backwards. */
int64_t clock_mono_ms(void);

/* Write "2026-11-26T11:02:45.123Z" for ms since the epoch into out (at least 32 bytes);
 * a time outside the years 0..9999 gives "". Returns out. */
char *clock_format_rfc3339(char *out, size_t out_len, int64_t ms);

#endif
