/* log.c — leveled logging to stderr for the daemons. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static const char *log_program = "cohort";
static enum log_level log_min_level = LOG_INFO;
static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void log_setup(const char *program, enum log_level min_level)
{
    log_program = program;
    log_min_level = min_level;
}

int log_level_parse(const char *name)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (level < log_min_level)
        return;
    struct timeval now;
    struct tm tm;
    char stamp[32];
    char line[2048];
    va_list ap;

    gettimeofday(&now, NULL);
    gmtime_r(&now.tv_sec, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* one fprintf per line so that lines from concurrent processes do not interleave */
    fprintf(stderr, "%s.%03dZ %s %s %s\n", stamp, (int)(now.tv_usec / 1000), log_program,
            level_names[level], line);
}

bool log_limit_due(struct log_limit *limit, int64_t now, int64_t interval_ms, uint64_t *count)
{
    limit->unlogged++;
    if (limit->logged_at && now - limit->logged_at < interval_ms)
        return false;
    *count = limit->unlogged;
    limit->logged_at = now;
    limit->unlogged = 0;
    return true;
}
