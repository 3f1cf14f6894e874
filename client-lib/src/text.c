/* text.c — names of states, and parsing and formatting of what people type and read. */
#include "client_internal.h"
#include "clock.h"
#include "parse.h"

const char *cohort_job_state_name(int state)
{
    return job_state_name(state);
}

int cohort_job_state_parse(const char *name)
{
    int state = name ? job_state_parse(name) : -1;
    return state < 0 ? COHORT_EINVAL : state;
}

const char *cohort_worker_state_name(int state)
{
    return worker_state_name(state);
}

int cohort_parse_size(uint64_t *bytes, const char *text)
{
    return text ? parse_size(bytes, text) : COHORT_EINVAL;
}

int cohort_parse_duration(uint64_t *seconds, const char *text)
{
    return text ? parse_duration(seconds, text) : COHORT_EINVAL;
}

int cohort_parse_range(uint32_t *first, uint32_t *last, const char *text)
{
    uint32_t parsed_first, parsed_last;

    if (!text || parse_range(&parsed_first, &parsed_last, text, UINT32_MAX) < 0)
        return COHORT_EINVAL;
    if ((uint64_t)parsed_last - parsed_first + 1 > PROTO_MAX_ARRAY)
        return COHORT_EINVAL;
    *first = parsed_first;
    *last = parsed_last;
    return 0;
}

char *cohort_format_size(char *out, size_t out_len, uint64_t bytes)
{
    return format_size(out, out_len, bytes);
}

char *cohort_format_time(char *out, size_t out_len, int64_t ms)
{
    return clock_format_rfc3339(out, out_len, ms);
}
