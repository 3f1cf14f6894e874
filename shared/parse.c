/* parse.c — parsing of sizes, durations, counts and KEY=VALUE pairs given by users. */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cohort.h"

#define MAX_FRACTION_DIGITS 18 /* 10^18 still fits in a uint64_t */

/* Read one or more decimal digits at *p into *value and move *p past them. Fails on no
 * digit or on overflow. */
static int read_digits(const char **p, uint64_t *value)
{
    const char *s = *p;
    uint64_t v = 0;

    if (!isdigit((unsigned char)*s))
        return COHORT_EINVAL;
    for (; isdigit((unsigned char)*s); s++) {
        unsigned digit = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - digit) / 10)
            return COHORT_EINVAL;
        v = v * 10 + digit;
    }
    *p = s;
    *value = v;
    return 0;
}

/* log2 of the binary unit named by c (K, M, G, T, P, E in any case), or -1. */
static int unit_shift(char c)
{
    static const char units[] = "KMGTPE";
    const char *found = c ? strchr(units, toupper((unsigned char)c)) : NULL;
    return found ? 10 * (int)(found - units + 1) : -1;
}

int parse_size(uint64_t *bytes, const char *text)
{
    const char *p = text;
    uint64_t whole, fraction = 0, fraction_scale = 1;
    int shift = 0;

    if (!p || read_digits(&p, &whole) < 0)
        return COHORT_EINVAL;
    if (*p == '.') {
        const char *start = ++p;
        if (read_digits(&p, &fraction) < 0 || p - start > MAX_FRACTION_DIGITS)
            return COHORT_EINVAL;
        for (const char *d = start; d < p; d++)
            fraction_scale *= 10;
    }
    if (unit_shift(*p) >= 0)
        shift = unit_shift(*p++);
    if (shift && (p[0] == 'i' || p[0] == 'I') && (p[1] == 'B' || p[1] == 'b'))
        p += 2;
    else if (*p == 'B' || *p == 'b')
        p++;
    if (*p != '\0')
        return COHORT_EINVAL;

    if (shift == 0 && fraction != 0)
        return COHORT_EINVAL; /* a fraction of a byte */

    /* (whole + fraction / fraction_scale) * 2^shift, rounded down, computed exactly */
    unsigned __int128 total = ((unsigned __int128)whole << shift) +
                              ((unsigned __int128)fraction << shift) / fraction_scale;
    if (total > UINT64_MAX)
        return COHORT_EINVAL;
    *bytes = (uint64_t)total;
    return 0;
}

/* Add count * unit_seconds to *total, failing on overflow. */
static int add_seconds(uint64_t *total, uint64_t count, uint64_t unit_seconds)
{
    if (count > (UINT64_MAX - *total) / unit_seconds)
        return COHORT_EINVAL;
    *total += count * unit_seconds;
    return 0;
}

/* "HH:MM:SS" or "MM:SS"; every part after the first is below 60. */
static int parse_clock_duration(uint64_t *seconds, const char *text)
{
    const char *p = text;
    uint64_t parts[3], total = 0;
    int n = 0;

    for (;;) {
        if (n == 3 || read_digits(&p, &parts[n]) < 0)
            return COHORT_EINVAL;
        n++;
        if (*p == '\0')
            break;
        if (*p++ != ':')
            return COHORT_EINVAL;
    }
    if (n < 2)
        return COHORT_EINVAL;
    for (int i = 0; i < n; i++) {
        if ((i > 0 && parts[i] >= 60) || total > (UINT64_MAX - parts[i]) / 60)
            return COHORT_EINVAL;
        total = total * 60 + parts[i];
    }
    *seconds = total;
    return 0;
}

int parse_duration(uint64_t *seconds, const char *text)
{
    static const char units[] = "dhms"; /* each at most once, in this order */
    static const uint64_t unit_seconds[] = {86400, 3600, 60, 1};
    const char *p = text;
    uint64_t total = 0, count;
    int next_unit = 0; /* units before this one were used or skipped */

    if (!p)
        return COHORT_EINVAL;
    if (strchr(p, ':'))
        return parse_clock_duration(seconds, text);
    if (read_digits(&p, &count) < 0)
        return COHORT_EINVAL;
    if (*p == '\0') { /* a bare number is seconds */
        *seconds = count;
        return 0;
    }
    for (;;) {
        const char *unit = *p ? strchr(units + next_unit, *p) : NULL;
        if (!unit)
            return COHORT_EINVAL;
        next_unit = (int)(unit - units) + 1;
        if (add_seconds(&total, count, unit_seconds[unit - units]) < 0)
            return COHORT_EINVAL;
        p++;
        if (*p == '\0')
            break;
        if (read_digits(&p, &count) < 0)
            return COHORT_EINVAL;
    }
    *seconds = total;
    return 0;
}

int parse_int(int64_t *value, const char *text, int64_t min, int64_t max)
{
    char *end;
    long long v;

    if (!text ||
        !(isdigit((unsigned char)text[0]) || (text[0] == '-' && isdigit((unsigned char)text[1]))))
        return COHORT_EINVAL;
    errno = 0;
    v = strtoll(text, &end, 10);
    if (errno || *end != '\0' || v < min || v > max)
        return COHORT_EINVAL;
    *value = v;
    return 0;
}

int parse_range(uint32_t *first, uint32_t *last, const char *text, uint32_t max)
{
    const char *p = text;
    uint64_t from, to;

    if (!p || read_digits(&p, &from) < 0)
        return COHORT_EINVAL;
    to = from;
    if (*p == '-') {
        p++;
        if (read_digits(&p, &to) < 0)
            return COHORT_EINVAL;
    }
    if (*p != '\0' || from > to || to > max)
        return COHORT_EINVAL;
    *first = (uint32_t)from;
    *last = (uint32_t)to;
    return 0;
}

static bool is_key_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-';
}

int parse_key_value(const char *text)
{
    size_t len = 0;

    if (!text || !(isalpha((unsigned char)text[0]) || text[0] == '_'))
        return COHORT_EINVAL;
    while (is_key_char(text[len]))
        len++;
    if (text[len] != '=' || len > INT32_MAX)
        return COHORT_EINVAL;
    return (int)len;
}

int parse_switch(bool *value, const char *text)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};

    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(text, yes[i]) == 0 || strcasecmp(text, no[i]) == 0) {
            *value = strcasecmp(text, yes[i]) == 0;
            return 0;
        }
    }
    return COHORT_EINVAL;
}

int parse_sync_mode(bool *full, const char *text)
{
    if (strcmp(text, "normal") != 0 && strcmp(text, "full") != 0)
        return COHORT_EINVAL;
    *full = text[0] == 'f';
    return 0;
}

char *format_size(char *out, size_t out_len, uint64_t bytes)
{
    static const char units[] = "KMGTPE";
    int shift = 0;

    while (shift < 60 && bytes >> (shift + 10) != 0)
        shift += 10;
    if (shift == 0) {
        snprintf(out, out_len, "%" PRIu64, bytes);
    } else {
        uint64_t unit = (uint64_t)1 << shift;
        uint64_t whole = bytes >> shift;
        uint64_t tenths = (uint64_t)(((unsigned __int128)(bytes & (unit - 1)) * 10) >> shift);
        char suffix = units[shift / 10 - 1];
        if (bytes & (unit - 1))
            snprintf(out, out_len, "%" PRIu64 ".%" PRIu64 "%c", whole, tenths, suffix);
        else
            snprintf(out, out_len, "%" PRIu64 "%c", whole, suffix);
    }
    return out;
}
