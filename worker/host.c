/* host.c — detection of the host's name, cpus and memory for a worker's defaults. */
#define _GNU_SOURCE
#include "host.h"

#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cohort.h"

uint32_t host_cpus(void)
{
    cpu_set_t set;
    long online;

    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return (uint32_t)CPU_COUNT(&set);
    online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (uint32_t)online : 1;
}

/* MemTotal from /proc/meminfo in bytes, or 0 when it cannot be read. */
static uint64_t meminfo_total(void)
{
    FILE *f = fopen("/proc/meminfo", "re");
    char line[256];
    uint64_t kib = 0;

    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemTotal: %" SCNu64 " kB", &kib) == 1)
            break;
    fclose(f);
    return kib > UINT64_MAX / 1024 ? 0 : kib * 1024;
}

uint64_t host_mem(void)
{
    uint64_t total = meminfo_total();
    long pages, page_size;

    if (total)
        return total;
    pages = sysconf(_SC_PHYS_PAGES);
    page_size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page_size <= 0)
        return 0;
    return (uint64_t)pages * (uint64_t)page_size;
}

int host_name(char *out, size_t out_len)
{
    if (out_len == 0)
        return COHORT_EINVAL;
    if (gethostname(out, out_len) < 0) {
        out[0] = '\0';
        return COHORT_EINVAL;
    }
    out[out_len - 1] = '\0';
    return out[0] ? 0 : COHORT_EINVAL;
}
