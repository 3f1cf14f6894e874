/* parse.h — parsing of sizes, durations, counts and KEY=VALUE pairs given by users. */
#ifndef COHORT_PARSE_H
#define COHORT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "512M", "2G", "1.5G", "1024", "64K", "1T" (binary units, case-insensitive, optional
 * trailing "B" or "iB"). A bare number is bytes. Returns 0 and sets *bytes, or COHORT_EINVAL
 * for anything else (empty, negative, garbage, overflow); *bytes is unchanged on failure. */
int parse_size(uint64_t *bytes, const char *text);

/* "90" (seconds), "90s", "10m", "2h", "1d", "1h30m", "HH:MM:SS", "MM:SS". Returns 0 and sets
 * *seconds, or COHORT_EINVAL (zero is allowed; overflow, garbage and negatives are not). */
int parse_duration(uint64_t *seconds, const char *text);

/* A whole decimal number in [min, max]. Returns 0 or COHORT_EINVAL. */
int parse_int(int64_t *value, const char *text, int64_t min, int64_t max);

/* "A-B" or "A" (one index) with 0 <= A <= B <= max. Returns 0 or COHORT_EINVAL. */
int parse_range(uint32_t *first, uint32_t *last, const char *text, uint32_t max);

/* Check "KEY=VALUE" with a non-empty KEY of [A-Za-z_][A-Za-z0-9_.-]*. Returns the length of
 * KEY, or COHORT_EINVAL. */
int parse_key_value(const char *text);

/* A yes/no setting: true/false, yes/no, on/off or 1/0, in any case. Returns 0 and sets
 * *value, or COHORT_EINVAL (*value unchanged). */
int parse_switch(bool *value, const char *text);

/* A sync mode: "normal" (*full false) or "full". Returns 0, or COHORT_EINVAL (*full
 * unchanged). */
int parse_sync_mode(bool *full, const char *text);

/* Format a byte count for people: "512M", "1.5G", "0" (binary units). Returns out. */
char *format_size(char *out, size_t out_len, uint64_t bytes);

#endif
