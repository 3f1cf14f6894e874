/* job_fit.h — whether a job fits beside those a worker has started: the rule a worker starts
 * its staged jobs by, which the scheduler's mirror of them must follow exactly. */
#ifndef COHORT_JOB_FIT_H
#define COHORT_JOB_FIT_H

#include <stdbool.h>
#include <stdint.h>

/* Whether a job asking for cpus and mem (0 = no memory request) fits on a worker of
 * total_cpus and total_mem that holds cpus_held and mem_held for its started jobs. An idle
 * worker (idle: none started) takes any job, so that none waits forever. */
static inline bool job_fits(uint32_t cpus, uint64_t mem, bool idle, uint32_t cpus_held,
                            uint64_t mem_held, uint32_t total_cpus, uint64_t total_mem)
{
    return idle ||
           (cpus_held + (uint64_t)cpus <= total_cpus && (mem == 0 || mem_held + mem <= total_mem));
}

#endif
