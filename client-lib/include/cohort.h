/* cohort.h — the public API of libcohort, the Cohort client library. */
#ifndef COHORT_H
#define COHORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define COHORT_VERSION_MAJOR 0
#define COHORT_VERSION_MINOR 1
#define COHORT_VERSION_PATCH 0
#define COHORT_VERSION_STRING "0.1.0"

#if defined(COHORT_BUILDING_LIBRARY)
#define COHORT_EXPORT __attribute__((visibility("default")))
#else
#define COHORT_EXPORT
#endif

/* Error codes: every function returns 0 (or a count) on success, one of these on failure. */
#define COHORT_OK 0
#define COHORT_ENOMEM (-1)     /* out of memory */
#define COHORT_EINVAL (-2)     /* an argument or a field is not valid */
#define COHORT_EPROTO (-3)     /* a malformed or unexpected message */
#define COHORT_ETIMEDOUT (-4)  /* no answer (or no end) within the timeout */
#define COHORT_ENOENT (-5)     /* no such job or worker */
#define COHORT_EIO (-6)        /* storage failed: the request was not applied */
#define COHORT_ECONNECT (-7)   /* cannot reach the scheduler */
#define COHORT_ESTATE (-8)     /* not possible in the current state (job already ended...) */
#define COHORT_ETOOBIG (-9)    /* a size or count cap was exceeded */
#define COHORT_EPERM (-10)     /* not allowed */
#define COHORT_EINTERNAL (-11) /* a bug: please report it */

/* Job states, in the order a job goes through them. */
typedef enum cohort_job_state {
    COHORT_JOB_PENDING = 0,
    COHORT_JOB_RUNNING = 1,
    COHORT_JOB_COMPLETED = 2, /* exited 0 */
    COHORT_JOB_FAILED = 3,    /* non-zero exit, signal, or retries exhausted */
    COHORT_JOB_CANCELLED = 4,
    COHORT_JOB_TIMEOUT = 5, /* hit its time limit */
} cohort_job_state_t;
#define COHORT_JOB_STATE_COUNT 6

/* Worker states as the scheduler sees them. */
typedef enum cohort_worker_state {
    COHORT_WORKER_UP = 0,
    COHORT_WORKER_DRAINING = 1, /* up, but gets no new jobs */
    COHORT_WORKER_DOWN = 2,     /* silent past its lease, or gone */
} cohort_worker_state_t;

/* Which captured stream of a job. */
typedef enum cohort_stream {
    COHORT_STREAM_STDOUT = 1,
    COHORT_STREAM_STDERR = 2,
} cohort_stream_t;

#ifdef __cplusplus
}
#endif
#endif /* COHORT_H */
