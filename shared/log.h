/* log.h — leveled logging to stderr for the daemons (the library never logs). */
#ifndef COHORT_LOG_H
#define COHORT_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 };

/* Set the program name shown on each line and the lowest level printed (default INFO). */
void log_setup(const char *program, enum log_level min_level);

/* Parse "debug", "info", "warn" or "error"; returns -1 for anything else. */
int log_level_parse(const char *name);

/* Print one line: "2026-11-26T11:02:45.123Z cohort-scheduler WARN message". */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A line that may repeat many times (a failure met again every turn): shown at most once
 * per interval, saying how many times it happened. Zeroed means no line shown yet. */
struct log_limit {
    int64_t logged_at; /* monotonic ms of the last line shown; 0 = none yet */
    uint64_t unlogged; /* occurrences since that line */
};

#define LOG_REPEAT_INTERVAL_MS 10000 /* at most one line per this about the same thing */

/* Count one occurrence at monotonic ms now. Returns true when its line is due (none shown
 * in the last interval_ms): *count then holds the occurrences it stands for, this one
 * included, and the count starts again. */
bool log_limit_due(struct log_limit *limit, int64_t now, int64_t interval_ms, uint64_t *count);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
