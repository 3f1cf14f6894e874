/* host.h — what the machine offers: its name, online cpus and physical memory. */
#ifndef COHORT_WORKER_HOST_H
#define COHORT_WORKER_HOST_H

#include <stddef.h>
#include <stdint.h>

/* Cpus this process may run on (its affinity mask, else the online count); at least 1. */
uint32_t host_cpus(void);

/* Physical memory in bytes (MemTotal of /proc/meminfo, else sysconf); 0 when unknown. */
uint64_t host_mem(void);

/* Write the host name into out (out_len bytes, NUL-terminated, possibly truncated).
 * Returns 0, or COHORT_EINVAL when the system has no usable name (out is then ""). */
int host_name(char *out, size_t out_len);

#endif
