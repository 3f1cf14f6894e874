/* bench_spool.c — a worker's spool work per attempt, timed alone: no jobs, no scheduler. */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "buf.h"
#include "cohort.h"
#include "orphans.h"
#include "proto.h"
#include "spool.h"

#define ATTEMPTS_MAX 10000000ul

/* The steps a worker takes on its spool for one job, in its order. */
enum step { PREPARE, NOTE, RESULT, READ_BACK, KEEP, STEPS };

static const char *const step_names[STEPS] = {"prepare", "note", "result", "read_back", "keep"};

/* CPU seconds this process has used: the spool's work is all system calls and copies. */
static double cpu_seconds_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return (double)now.tv_sec + now.tv_nsec / 1e9;
}

/* One attempt through the spool as cohort-worker takes it: prepare its dir, note its
 * process, store its result, read it back with the streams as for a JOB_RESULT, and keep
 * the dir as a spare once acknowledged. Adds each step's CPU seconds to spent. Returns 0,
 * or -1 after printing which step failed. */
static int one_attempt(struct spool *sp, uint64_t job_id, struct buf *message,
                       double spent[STEPS])
{
    struct attempt_result res = {.job_id = job_id, .attempt = 1, .state = COHORT_JOB_COMPLETED};
    struct spool_streams streams;
    double at[STEPS + 1];
    int rc[STEPS];

    at[PREPARE] = cpu_seconds_now();
    rc[PREPARE] = spool_attempt_create(&streams, sp, job_id, 1, NULL, 0);
    at[NOTE] = cpu_seconds_now();
    rc[NOTE] = rc[PREPARE] < 0 ? 0 : orphans_note(streams.dir_fd, streams.note_fd, getpid());
    if (rc[PREPARE] == 0)
        spool_streams_close(&streams); /* as the worker does once the job runs */
    at[RESULT] = cpu_seconds_now();
    rc[RESULT] = spool_result_write(sp, &res);
    at[READ_BACK] = cpu_seconds_now();
    buf_reset(message);
    rc[READ_BACK] = spool_result_encode(message, sp, &res);
    at[KEEP] = cpu_seconds_now();
    rc[KEEP] = spool_attempt_remove(sp, job_id, 1);
    at[STEPS] = cpu_seconds_now();
    for (int step = 0; step < STEPS; step++) {
        if (rc[step] < 0) {
            fprintf(stderr, "bench_spool: %s failed for job %llu (code %d)\n", step_names[step],
                    (unsigned long long)job_id, rc[step]);
            return -1;
        }
        spent[step] += at[step + 1] - at[step];
    }
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

int main(int argc, char **argv)
{
    unsigned long attempts = bench_count_arg(argc, argv, 2, 20000, ATTEMPTS_MAX, "bench_spool");
    double spent[STEPS] = {0}, total = 0;
    struct spool *sp = NULL;
    struct buf message;
    int failed = 0;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: bench_spool NEW_SPOOL_DIR [ATTEMPTS]\n");
        return 2;
    }
    if (!attempts)
        return 2;
    if (access(argv[1], F_OK) == 0) {
        fprintf(stderr, "bench_spool: %s exists; give a path to create\n", argv[1]);
        return 2;
    }
    if (spool_open(&sp, argv[1], false) < 0)
        return 1;
    buf_init(&message, PROTO_MAX_MSG);
    for (unsigned long i = 0; i < attempts && !failed; i++)
        failed = one_attempt(sp, 1 + i, &message, spent) < 0;
    buf_free(&message);
    spool_destroy(&sp);
    nftw(argv[1], remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (failed)
        return 1;
    printf("spool_cycle attempts=%lu", attempts);
    for (int step = 0; step < STEPS; step++) {
        printf(" %s_us=%.1f", step_names[step], spent[step] * 1e6 / attempts);
        total += spent[step];
    }
    printf(" total_us=%.1f\n", total * 1e6 / attempts);
    return 0;
}
