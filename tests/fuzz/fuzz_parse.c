/* fuzz_parse.c — fuzz target: the parsers of sizes, durations, ranges and names users type. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cohort.h"
#include "log.h"
#include "parse.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define UNTOUCHED 0x5eed5eed5eed5eedull /* what an output holds before a parse */

static void check(int ok)
{
    if (!ok)
        abort();
}

static void fuzz_size(const char *text)
{
    uint64_t bytes = UNTOUCHED, again = UNTOUCHED;
    char shown[32];
    int rc = parse_size(&bytes, text);

    check(rc == 0 || (rc == COHORT_EINVAL && bytes == UNTOUCHED));
    if (rc != 0)
        return;
    /* what format_size shows must parse back, rounded down */
    format_size(shown, sizeof shown, bytes);
    check(memchr(shown, '\0', sizeof shown) != NULL);
    check(parse_size(&again, shown) == 0 && again <= bytes);
}

static void fuzz_duration(const char *text)
{
    uint64_t seconds = UNTOUCHED;
    int rc = parse_duration(&seconds, text);

    check(rc == 0 || (rc == COHORT_EINVAL && seconds == UNTOUCHED));
}

static void fuzz_range(const char *text)
{
    uint32_t first = 7, last = 7;
    int rc = parse_range(&first, &last, text, PROTO_MAX_ARRAY);

    if (rc == 0)
        check(first <= last && last <= PROTO_MAX_ARRAY);
    else
        check(rc == COHORT_EINVAL && first == 7 && last == 7);
}

static void fuzz_int(const char *text)
{
    int64_t value = 0;

    if (parse_int(&value, text, -1000, 1000) == 0)
        check(value >= -1000 && value <= 1000);
    if (parse_int(&value, text, INT64_MIN, INT64_MAX) != 0)
        check(parse_int(&value, text, -1000, 1000) != 0);
}

static void fuzz_names(const char *text)
{
    int key_len = parse_key_value(text);
    int state = job_state_parse(text);
    int level = log_level_parse(text);

    check(key_len == COHORT_EINVAL || (key_len >= 1 && text[key_len] == '='));
    check(state == -1 || strcmp(job_state_name(state), text) == 0);
    check(level >= -1 && level <= LOG_ERROR);
}

/* Times come off the wire as any int64; the first 8 bytes stand for one. */
static void fuzz_time(const uint8_t *data, size_t size)
{
    char shown[32];
    int64_t ms;

    if (size < sizeof ms)
        return;
    memcpy(&ms, data, sizeof ms);
    clock_format_rfc3339(shown, sizeof shown, ms);
    check(memchr(shown, '\0', sizeof shown) != NULL);
}

/* The input, NUL-terminated, goes to every parser; each must keep its contract. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);

    if (!text)
        return 0;
    if (size)
        memcpy(text, data, size);
    text[size] = '\0';
    fuzz_size(text);
    fuzz_duration(text);
    fuzz_range(text);
    fuzz_int(text);
    fuzz_names(text);
    fuzz_time(data, size);
    free(text);
    return 0;
}
