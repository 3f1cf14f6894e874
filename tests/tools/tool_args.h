/* tool_args.h — command-line number parsing shared by the test tools. */
#ifndef COHORT_TOOL_ARGS_H
#define COHORT_TOOL_ARGS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* Parse a whole number in [min, max] into *out. Returns 0, or -1 after printing
 * "PROGRAM: bad WHAT 'TEXT' (MIN to MAX)" to stderr; *out is unchanged on failure. */
static inline int tool_parse_long(long *out, const char *text, long min, long max,
                                  const char *what, const char *program)
{
    char *end = NULL;
    long value;

    errno = 0;
    value = strtol(text, &end, 10);
    if (errno || end == text || *end || value < min || value > max) {
        fprintf(stderr, "%s: bad %s '%s' (%ld to %ld)\n", program, what, text, min, max);
        return -1;
    }
    *out = value;
    return 0;
}

#endif
