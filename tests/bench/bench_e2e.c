/* bench_e2e.c — N `true` jobs end to end on a grid, against this machine's own posix_spawn rate. */
#include <errno.h>
#include <pthread.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "cohort.h"

#define BENCH_MAX_JOBS 10000000ul
#define SPAWNER_THREADS 2 /* one per core of the benchmark machine */
#define MAX_WORKER_PIDS 8

/* CPU seconds, split by who spent them, over one measured stretch. */
struct cpu_use {
    double scheduler; /* the scheduler process, all its threads */
    double workers;   /* the worker processes, all their threads */
    double jobs;      /* the jobs the workers started and reaped */
    double self;      /* this program, all its threads */
};

/* The daemons whose CPU is counted: BENCH_SCHEDULER_PID and BENCH_WORKER_PIDS (spaces
 * between), set by run_benchmarks.sh; none when unset. */
static long scheduler_pid;
static long worker_pids[MAX_WORKER_PIDS];
static int n_worker_pids;
static bool daemon_cpu_lost; /* a daemon's /proc/PID/stat could not be read: no e2e_cpu */

static void daemons_from_env(void)
{
    const char *sched = getenv("BENCH_SCHEDULER_PID"), *workers = getenv("BENCH_WORKER_PIDS");
    char *end;

    scheduler_pid = sched ? strtol(sched, NULL, 10) : 0;
    for (const char *at = workers; at && *at && n_worker_pids < MAX_WORKER_PIDS; at = end) {
        long pid = strtol(at, &end, 10);
        if (end == at)
            break;
        worker_pids[n_worker_pids++] = pid;
    }
}

/* Add the CPU seconds of process pid to *own (its threads) and *reaped (its reaped
 * children), from /proc/PID/stat. Returns false when it cannot be read. */
static bool proc_cpu(long pid, double *own, double *reaped)
{
    char path[64], stat[1024], *fields;
    unsigned long long utime, stime, cutime, cstime;
    double tick = (double)sysconf(_SC_CLK_TCK);
    FILE *f;
    size_t got;

    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    if (!(f = fopen(path, "r")))
        return false;
    got = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[got] = '\0';
    /* the command name may hold spaces: fields 14 to 17 follow its last ')' */
    if (!(fields = strrchr(stat, ')')) ||
        sscanf(fields + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu",
               &utime, &stime, &cutime, &cstime) != 4)
        return false;
    *own += (utime + stime) / tick;
    *reaped += (cutime + cstime) / tick;
    return true;
}

static double timeval_seconds(struct timeval tv)
{
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* CPU seconds used so far by this program (who = RUSAGE_SELF) or its reaped children
 * (RUSAGE_CHILDREN). */
static double rusage_seconds(int who)
{
    struct rusage usage;

    getrusage(who, &usage);
    return timeval_seconds(usage.ru_utime) + timeval_seconds(usage.ru_stime);
}

/* The CPU used so far by the daemons and this program. */
static struct cpu_use cpu_now(void)
{
    struct cpu_use use = {0};
    double unused = 0;

    if (scheduler_pid && !proc_cpu(scheduler_pid, &use.scheduler, &unused))
        daemon_cpu_lost = true;
    for (int i = 0; i < n_worker_pids; i++)
        if (!proc_cpu(worker_pids[i], &use.workers, &use.jobs))
            daemon_cpu_lost = true;
    use.self = rusage_seconds(RUSAGE_SELF);
    return use;
}

static struct cpu_use cpu_since(struct cpu_use start)
{
    struct cpu_use now = cpu_now();

    return (struct cpu_use){now.scheduler - start.scheduler, now.workers - start.workers,
                            now.jobs - start.jobs, now.self - start.self};
}

extern char **environ;

/* Start and reap `true` *arg times, one at a time. Returns NULL, or (void *)1 on a failure. */
static void *spawn_loop(void *arg)
{
    unsigned long count = *(unsigned long *)arg;
    char *argv[] = {"true", NULL};

    for (unsigned long i = 0; i < count; i++) {
        pid_t pid;
        int wstatus;
        if (posix_spawnp(&pid, "true", NULL, NULL, argv, environ) != 0 ||
            waitpid(pid, &wstatus, 0) != pid || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus))
            return (void *)1;
    }
    return NULL;
}

/* The machine's rate of `true` processes started and reaped per second by SPAWNER_THREADS
 * threads, total processes; *cpu gets the CPU seconds they and the threads spent. Returns
 * the rate, or 0 on a failure (printed). */
static double machine_spawn_rate(unsigned long total, double *cpu)
{
    pthread_t threads[SPAWNER_THREADS];
    unsigned long each = total / SPAWNER_THREADS;
    double cpu_start = rusage_seconds(RUSAGE_SELF) + rusage_seconds(RUSAGE_CHILDREN);
    double started = bench_seconds_now(), finished;
    int failed = 0, created = 0;
    void *result;

    for (; created < SPAWNER_THREADS; created++)
        if (pthread_create(&threads[created], NULL, spawn_loop, &each) != 0)
            break;
    for (int i = 0; i < created; i++) {
        pthread_join(threads[i], &result);
        failed |= result != NULL;
    }
    finished = bench_seconds_now();
    *cpu = rusage_seconds(RUSAGE_SELF) + rusage_seconds(RUSAGE_CHILDREN) - cpu_start;
    if (failed || created < SPAWNER_THREADS) {
        fprintf(stderr, "bench_e2e: posix_spawn of `true` failed\n");
        return 0;
    }
    return each * SPAWNER_THREADS / (finished - started);
}

/* Submit `jobs` `true` jobs — one call each, or as one array — and wait for all; returns
 * jobs/s from the first submit to the last result, or 0 on a failure (printed). *cpu gets
 * the CPU spent meanwhile. */
static double grid_rate(struct cpu_use *cpu, const char *endpoint, unsigned long jobs,
                        bool as_array)
{
    const char *command[] = {"true"};
    cohort_client_t *client = NULL;
    cohort_job_spec_t *spec = NULL;
    cohort_job_list_t *ended = NULL;
    cohort_error_t err = {0};
    uint64_t *ids = calloc(jobs, sizeof *ids);
    double started = 0, finished, rate = 0;
    size_t completed = 0;

    if (!ids || cohort_client_connect(&client, endpoint, 0, &err) < 0 ||
        cohort_job_spec_new(&spec, &err) < 0 ||
        cohort_job_spec_set_name(spec, "bench-e2e", &err) < 0 ||
        cohort_job_spec_set_command(spec, 1, command, &err) < 0)
        goto done;
    if (as_array && cohort_job_spec_set_array(spec, 0, (uint32_t)(jobs - 1), &err) < 0)
        goto done;
    *cpu = cpu_now();
    started = bench_seconds_now();
    if (as_array) {
        uint64_t first = 0;
        uint32_t count = 0;
        if (cohort_submit_array(&first, &count, client, spec, &err) < 0)
            goto done;
        for (unsigned long i = 0; i < jobs; i++)
            ids[i] = first + i;
    } else {
        for (unsigned long i = 0; i < jobs; i++)
            if (cohort_submit(&ids[i], client, spec, &err) < 0)
                goto done;
    }
    if (cohort_wait(&ended, client, ids, jobs, -1, &err) < 0)
        goto done;
    finished = bench_seconds_now();
    *cpu = cpu_since(*cpu);
    for (size_t i = 0; i < cohort_job_list_count(ended); i++)
        completed += cohort_job_state(cohort_job_list_item(ended, i)) == COHORT_JOB_COMPLETED;
    if (completed == jobs)
        rate = jobs / (finished - started);
    else
        fprintf(stderr, "bench_e2e: only %zu of %lu jobs completed\n", completed, jobs);
done:
    if (err.code)
        fprintf(stderr, "bench_e2e: %s\n", err.message);
    cohort_job_list_free(ended);
    cohort_job_spec_destroy(spec);
    cohort_client_close(client);
    free(ids);
    return rate;
}

/* Print the CPU a grid run spent per job, and what it says of the ratio: the cores over the
 * grid's CPU per job is the rate it would reach with every core busy, which against the
 * machine's rate bounds the ratio; the share of the cores it kept busy makes up the rest
 * (ratio = bound x busy). Needs the daemons' pids. */
static void print_cpu(const char *submit, unsigned long jobs, double grid,
                      const struct cpu_use *cpu, double machine)
{
    double cores = (double)sysconf(_SC_NPROCESSORS_ONLN);
    double per_job = (cpu->scheduler + cpu->workers + cpu->jobs + cpu->self) / jobs;

    if (!scheduler_pid || !n_worker_pids)
        return;
    if (daemon_cpu_lost) {
        fprintf(stderr, "bench_e2e: a daemon's CPU could not be read; no e2e_cpu figures\n");
        return;
    }
    printf("e2e_cpu submit=%s scheduler_ms_per_job=%.3f workers_ms_per_job=%.3f "
           "jobs_ms_per_job=%.3f client_ms_per_job=%.3f\n",
           submit, cpu->scheduler * 1e3 / jobs, cpu->workers * 1e3 / jobs, cpu->jobs * 1e3 / jobs,
           cpu->self * 1e3 / jobs);
    printf("e2e_bound submit=%s ratio_with_every_core_busy=%.3f cores_busy=%.2f\n", submit,
           cores / (per_job * machine), per_job * grid / cores);
}

int main(int argc, char **argv)
{
    unsigned long jobs;
    double single, array, before, after, machine, cpu_before, cpu_after;
    struct cpu_use single_cpu, array_cpu;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: bench_e2e ENDPOINT [JOBS]   (JOBS defaults to 10000)\n");
        return 2;
    }
    if (!(jobs = bench_count_arg(argc, argv, 2, 10000, BENCH_MAX_JOBS, "bench_e2e")))
        return 2;
    daemons_from_env();
    /* the machine's rate drifts on a shared host: measured before and after the grid, and
     * the grid compared with their mean */
    if (!(before = machine_spawn_rate(jobs, &cpu_before)))
        return 1;
    if (!(single = grid_rate(&single_cpu, argv[1], jobs, false)))
        return 1;
    printf("e2e_grid submit=one_per_call jobs=%lu jobs_per_s=%.0f\n", jobs, single);
    fflush(stdout);
    if (!(array = grid_rate(&array_cpu, argv[1], jobs, true)))
        return 1;
    printf("e2e_grid submit=array jobs=%lu jobs_per_s=%.0f\n", jobs, array);
    fflush(stdout);
    if (!(after = machine_spawn_rate(jobs, &cpu_after)))
        return 1;
    machine = (before + after) / 2;
    printf("e2e_machine spawners=%d processes=%lu spawns_per_s=%.0f before=%.0f after=%.0f "
           "cpu_ms_per_spawn=%.3f\n",
           SPAWNER_THREADS, jobs, machine, before, after,
           (cpu_before + cpu_after) * 1e3 / (2.0 * jobs));
    printf("e2e_ratio submit=one_per_call grid_over_machine=%.3f\n", single / machine);
    printf("e2e_ratio submit=array grid_over_machine=%.3f\n", array / machine);
    print_cpu("one_per_call", jobs, single, &single_cpu, machine);
    print_cpu("array", jobs, array, &array_cpu, machine);
    return 0;
}
