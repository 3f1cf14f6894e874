/* clock.c — wall-clock and monotonic time in milliseconds, and RFC 3339 formatting. */
#include "clock.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

static int64_t read_clock_ms(clockid_t clock)
{
    struct timespec now;

    clock_gettime(clock, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int64_t clock_now_ms(void)
{
    return read_clock_ms(CLOCK_REALTIME);
}

int64_t clock_mono_ms(void)
{
    return read_clock_ms(CLOCK_MONOTONIC);
}

/* A time gmtime cannot represent (far outside years 0..9999) gives "". */
char *clock_format_rfc3339(char *out, size_t out_len, int64_t ms)
{
    int64_t seconds = ms / 1000, millis = ms % 1000;
    struct tm tm;
    time_t t;

    if (millis < 0) { /* round towards minus infinity, so millis is in 0..999 */
        seconds--;
        millis += 1000;
    }
    t = (time_t)seconds;
    if (out_len == 0)
        return out;
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
        out[0] = '\0';
        return out;
    }
    snprintf(out, out_len, "%04d-%02d-%02dT%02d:%02d:%02d.%03" PRId64 "Z", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
    return out;
}
