/* bench_util.h — helpers shared by the benchmark programs: clocks and argument parsing. */
#ifndef COHORT_BENCH_UTIL_H
#define COHORT_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Seconds on the monotonic clock. */
static inline double bench_seconds_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + now.tv_nsec / 1e9;
}

/* Microseconds since the Unix epoch (wall clock, comparable with the scheduler's times). */
static inline double bench_wall_us(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (double)now.tv_sec * 1e6 + now.tv_nsec / 1e3;
}

/* Parse the optional count argument argv[index] (fallback when absent). Returns the count,
 * or 0 after printing why it is not a whole number from 1 to max. */
static inline unsigned long bench_count_arg(int argc, char **argv, int index,
                                            unsigned long fallback, unsigned long max,
                                            const char *program)
{
    unsigned long count;
    char *end;

    if (argc <= index)
        return fallback;
    count = strtoul(argv[index], &end, 10);
    if (*end || count < 1 || count > max) {
        fprintf(stderr, "%s: the count must be from 1 to %lu\n", program, max);
        return 0;
    }
    return count;
}

/* Sort doubles in place (for percentiles). */
static inline int bench_compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-th percentile (0..100) of n sorted values (nearest rank). */
static inline double bench_percentile(const double *sorted, size_t n, double p)
{
    size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
    return sorted[rank ? rank - 1 : 0];
}

#endif /* COHORT_BENCH_UTIL_H */
