/* test_file_syncer.c — the background syncer: syncs when asked, again when asked again, stops. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <sys/types.h>

#include "file_syncer.h"

#define WAIT_LIMIT_MS 20000 /* a sync of a few KiB; far more than a slow disk needs */

static int setup(void **state)
{
    char *path = strdup("/tmp/cohort-test-syncer-XXXXXX");
    char block[4096];
    int fd;

    assert_non_null(path);
    assert_true((fd = mkstemp(path)) >= 0);
    memset(block, 'x', sizeof block);
    assert_int_equal(write(fd, block, sizeof block), (ssize_t)sizeof block);
    close(fd);
    *state = path;
    return 0;
}

static int teardown(void **state)
{
    unlink(*state);
    free(*state);
    return 0;
}

/* Wait until s has finished at least `count` syncs; fails the test after WAIT_LIMIT_MS. */
static void wait_for_syncs(struct file_syncer *s, uint64_t count)
{
    const struct timespec tick = {0, 1000000};

    for (int waited = 0; file_syncer_done(s) < count; waited++) {
        if (waited >= WAIT_LIMIT_MS)
            fail_msg("%llu syncs done, %llu expected", (unsigned long long)file_syncer_done(s),
                     (unsigned long long)count);
        nanosleep(&tick, NULL);
    }
}

static void test_syncs_only_when_asked(void **state)
{
    struct file_syncer *s = file_syncer_start(*state);
    const struct timespec pause = {0, 50000000};

    assert_non_null(s);
    nanosleep(&pause, NULL);
    assert_int_equal(file_syncer_done(s), 0);
    file_syncer_request(s);
    wait_for_syncs(s, 1);
    file_syncer_stop(&s);
    assert_null(s);
}

/* Each request made while the thread is idle gets a sync of its own; requests made while
 * one runs get one more after it. */
static void test_asked_again_syncs_again(void **state)
{
    struct file_syncer *s = file_syncer_start(*state);

    assert_non_null(s);
    file_syncer_request(s);
    wait_for_syncs(s, 1);
    file_syncer_request(s);
    wait_for_syncs(s, 2);
    for (int i = 0; i < 100; i++)
        file_syncer_request(s);
    wait_for_syncs(s, 3);
    file_syncer_stop(&s);
}

/* Stopping right after a request does not wait for ever; stopping nothing does nothing. */
static void test_stops_with_a_request_waiting(void **state)
{
    struct file_syncer *s = file_syncer_start(*state), *none = NULL;

    assert_non_null(s);
    file_syncer_request(s);
    file_syncer_stop(&s);
    assert_null(s);
    file_syncer_stop(&none);
}

/* The signals blocked in thread tid of this process (SigBlk in its status). */
static unsigned long long blocked_signals(const char *tid)
{
    char path[sizeof "/proc/self/task//status" + NAME_MAX], line[128];
    unsigned long long mask = 0;
    FILE *status;

    snprintf(path, sizeof path, "/proc/self/task/%s/status", tid);
    assert_non_null(status = fopen(path, "r"));
    while (fgets(line, sizeof line, status))
        if (sscanf(line, "SigBlk: %llx", &mask) == 1)
            break;
    fclose(status);
    return mask;
}

/* The daemon's loop takes its signals (SIGTERM, SIGCHLD...), never the syncer's thread. */
static void test_thread_takes_no_signals(void **state)
{
    struct file_syncer *s = file_syncer_start(*state);
    unsigned long long sigterm = 1ull << (SIGTERM - 1), sigint = 1ull << (SIGINT - 1);
    char self[32];
    struct dirent *entry;
    int threads = 0;
    DIR *tasks;

    assert_non_null(s);
    snprintf(self, sizeof self, "%d", (int)getpid());
    assert_int_equal(blocked_signals(self) & sigterm, 0);
    assert_non_null(tasks = opendir("/proc/self/task"));
    while ((entry = readdir(tasks)))
        if (entry->d_name[0] != '.' && strcmp(entry->d_name, self) != 0) {
            unsigned long long mask = blocked_signals(entry->d_name);
            assert_true((mask & sigterm) && (mask & sigint));
            threads++;
        }
    closedir(tasks);
    assert_int_equal(threads, 1);
    file_syncer_stop(&s);
}

static void test_missing_file_gives_no_syncer(void **state)
{
    char path[128];

    snprintf(path, sizeof path, "%s.missing/file", (const char *)*state);
    assert_null(file_syncer_start(path));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_syncs_only_when_asked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_asked_again_syncs_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stops_with_a_request_waiting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thread_takes_no_signals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file_gives_no_syncer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
