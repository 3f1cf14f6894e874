/* log.h — leveled logging to stderr for the daemons (the library never logs). */
#ifndef COHORT_LOG_H
#define COHORT_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 };

/* Set the program name shown on each line and the lowest level printed (default INFO). */
void log_setup(const char *program, enum log_level min_level);

/* Parse "debug", "info", "warn" or "error"; returns -1 for anything else. */
int log_level_parse(const char *name);

/* Print one line: "2026-11-26T11:02:45.123Z cohort-scheduler WARN message". */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
