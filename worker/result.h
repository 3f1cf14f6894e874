/* result.h — how one attempt of a job ended, as the worker records and reports it. */
#ifndef COHORT_WORKER_RESULT_H
#define COHORT_WORKER_RESULT_H

#include <stdbool.h>
#include <stdint.h>

#define RESULT_REASON_MAX 1024 /* bytes of a reason, NUL included; longer ones are cut */

/* Everything a JOB_RESULT carries except the captured output, which stays in the spool. */
struct attempt_result {
    uint64_t job_id;
    uint32_t attempt;
    uint8_t state;                  /* COHORT_JOB_COMPLETED, _FAILED, _CANCELLED or _TIMEOUT */
    int32_t exit_code;              /* -1 when killed by a signal or never started */
    int32_t signal;                 /* 0 when it exited */
    char reason[RESULT_REASON_MAX]; /* "" or why it ended, in words for users */
    int64_t started_at;             /* ms since the epoch; when it was spawned (or tried) */
    int64_t finished_at;            /* ms since the epoch */
    uint64_t cpu_time_ms;           /* user + system time of the process and its reaped kin */
    bool fenced;                    /* killed by the fence (no word from the scheduler) */
    bool returned;                  /* never started: given back to the scheduler */
};

#endif
