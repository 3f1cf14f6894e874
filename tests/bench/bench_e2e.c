/* bench_e2e.c — N `true` jobs end to end on a grid, against this machine's own posix_spawn rate. */
#include <errno.h>
#include <pthread.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "bench_util.h"
#include "cohort.h"

#define BENCH_MAX_JOBS 10000000ul
#define SPAWNER_THREADS 2 /* one per core of the benchmark machine */

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
 * threads, total processes. Returns the rate, or 0 on a failure (printed). */
static double machine_spawn_rate(unsigned long total)
{
    pthread_t threads[SPAWNER_THREADS];
    unsigned long each = total / SPAWNER_THREADS;
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
    if (failed || created < SPAWNER_THREADS) {
        fprintf(stderr, "bench_e2e: posix_spawn of `true` failed\n");
        return 0;
    }
    return each * SPAWNER_THREADS / (finished - started);
}

/* Submit `jobs` `true` jobs — one call each, or as one array — and wait for all; returns
 * jobs/s from the first submit to the last result, or 0 on a failure (printed). */
static double grid_rate(const char *endpoint, unsigned long jobs, bool as_array)
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

int main(int argc, char **argv)
{
    unsigned long jobs;
    double single, array, before, after, machine;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: bench_e2e ENDPOINT [JOBS]   (JOBS defaults to 10000)\n");
        return 2;
    }
    if (!(jobs = bench_count_arg(argc, argv, 2, 10000, BENCH_MAX_JOBS, "bench_e2e")))
        return 2;
    /* the machine's rate drifts on a shared host: measured before and after the grid, and
     * the grid compared with their mean */
    if (!(before = machine_spawn_rate(jobs)))
        return 1;
    if (!(single = grid_rate(argv[1], jobs, false)))
        return 1;
    printf("e2e_grid submit=one_per_call jobs=%lu jobs_per_s=%.0f\n", jobs, single);
    fflush(stdout);
    if (!(array = grid_rate(argv[1], jobs, true)))
        return 1;
    printf("e2e_grid submit=array jobs=%lu jobs_per_s=%.0f\n", jobs, array);
    fflush(stdout);
    if (!(after = machine_spawn_rate(jobs)))
        return 1;
    machine = (before + after) / 2;
    printf("e2e_machine spawners=%d processes=%lu spawns_per_s=%.0f before=%.0f after=%.0f\n",
           SPAWNER_THREADS, jobs, machine, before, after);
    printf("e2e_ratio submit=one_per_call grid_over_machine=%.3f\n", single / machine);
    printf("e2e_ratio submit=array grid_over_machine=%.3f\n", array / machine);
    return 0;
}
