/* error.c — error codes and messages, the library version, and freeing what it returned. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "client_internal.h"

int cohort__error(cohort_error_t *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list args;
        va_start(args, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, args);
        va_end(args);
        err->code = code;
    }
    return code;
}

const char *cohort_strerror(int code)
{
    switch (code) {
    case COHORT_OK:
        return "success";
    case COHORT_ENOMEM:
        return "out of memory";
    case COHORT_EINVAL:
        return "invalid argument";
    case COHORT_EPROTO:
        return "malformed or unexpected message";
    case COHORT_ETIMEDOUT:
        return "timed out";
    case COHORT_ENOENT:
        return "no such job or worker";
    case COHORT_EIO:
        return "storage failed";
    case COHORT_ECONNECT:
        return "cannot reach the scheduler";
    case COHORT_ESTATE:
        return "not possible in the current state";
    case COHORT_ETOOBIG:
        return "too large";
    case COHORT_EPERM:
        return "not allowed";
    case COHORT_EINTERNAL:
        return "internal error";
    default:
        return "unknown error";
    }
}

const char *cohort_version(void)
{
    return COHORT_VERSION_STRING;
}

void cohort_free(void *memory)
{
    free(memory); /* free() keeps errno on glibc */
}
