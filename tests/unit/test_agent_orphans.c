/* test_agent_orphans.c — jobs a killed worker left running are ended by its next start, and
 * nothing else is. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "cohort.h"
#include "orphans.h"
#include "spool.h"

#define TEST_ALARM_S 60

extern char **environ;

struct fixture {
    char root[64];
    pid_t pid;   /* the job, leading its own process group; 0 until started */
    bool reaped; /* its main process was waited for */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    alarm(TEST_ALARM_S);
    strcpy(f->root, "/tmp/cohort-test-orphans-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char command[128];

    if (f->pid > 0 && !f->reaped) {
        kill(-f->pid, SIGKILL);
        waitpid(f->pid, NULL, 0);
    }
    snprintf(command, sizeof command, "rm -rf '%s'", f->root);
    assert_int_equal(system(command), 0);
    free(f);
    return 0;
}

/* Start a job as the runner does: its own process group, with a child in that group. */
static void start_job(struct fixture *f)
{
    char *argv[] = {"sh", "-c", "sleep 30 & exec sleep 30", NULL};
    posix_spawnattr_t attr;

    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    assert_int_equal(posix_spawnp(&f->pid, "sh", NULL, &attr, argv, environ), 0);
    posix_spawnattr_destroy(&attr);
    usleep(100 * 1000); /* the child gets going */
}

/* Whether the job's whole process group ended within 2 s (SIGKILL is not instant). */
static bool group_gone(struct fixture *f)
{
    for (int i = 0; i < 200; i++) {
        if (!f->reaped && waitpid(f->pid, NULL, WNOHANG) == f->pid)
            f->reaped = true;
        if (f->reaped && kill(-f->pid, 0) < 0 && errno == ESRCH)
            return true;
        usleep(10 * 1000);
    }
    return false;
}

static void note_path(char *out, size_t len, const char *dir)
{
    snprintf(out, len, "%s/%s", dir, ORPHANS_FILE);
}

/* orphans_note for the attempt dir at path. */
static int note_in(const char *dir, pid_t pid)
{
    int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

    assert_true(dir_fd >= 0);
    rc = orphans_note(dir_fd, -1, pid);
    close(dir_fd);
    return rc;
}

static void test_noted_job_is_killed_with_its_group(void **state)
{
    struct fixture *f = *state;

    start_job(f);
    assert_int_equal(note_in(f->root, f->pid), 0);
    assert_int_equal(orphans_kill(f->root), 1);
    assert_true(group_gone(f));
}

static void test_reused_pid_is_left_alone(void **state)
{
    struct fixture *f = *state;
    char path[128], note[256];
    FILE *file;

    start_job(f);
    assert_int_equal(note_in(f->root, f->pid), 0);
    /* noted just after boot: the process with that pid now started later, so it is
     * another one */
    note_path(path, sizeof path, f->root);
    assert_non_null(file = fopen(path, "r"));
    assert_non_null(fgets(note, sizeof note, file));
    fclose(file);
    char boot[64];
    long pid;
    unsigned long long start;
    assert_int_equal(sscanf(note, "%63s %ld %llu", boot, &pid, &start), 3);
    assert_non_null(file = fopen(path, "w"));
    fprintf(file, "%s %ld %llu\n", boot, pid, 1ull);
    fclose(file);
    assert_int_equal(orphans_kill(f->root), 0);
    /* and from another boot */
    assert_non_null(file = fopen(path, "w"));
    fprintf(file, "00000000-0000-0000-0000-000000000000 %ld %llu\n", pid, start);
    fclose(file);
    assert_int_equal(orphans_kill(f->root), 0);
    assert_int_equal(kill(f->pid, 0), 0);
}

static void test_nothing_to_kill(void **state)
{
    struct fixture *f = *state;
    char path[128];
    FILE *file;

    assert_int_equal(orphans_kill(f->root), 0); /* no note */
    note_path(path, sizeof path, f->root);
    assert_non_null(file = fopen(path, "w"));
    fputs("garbage\n", file);
    fclose(file);
    assert_int_equal(orphans_kill(f->root), 0);
    start_job(f); /* a job that ended */
    assert_int_equal(note_in(f->root, f->pid), 0);
    kill(-f->pid, SIGKILL);
    assert_true(group_gone(f));
    assert_int_equal(orphans_kill(f->root), 0);
}

static int no_results(const struct attempt_result *res, void *arg)
{
    fail_msg("no result was kept");
    return 0;
}

static void test_next_start_kills_what_the_dead_worker_ran(void **state)
{
    struct fixture *f = *state;
    struct spool *sp = NULL;
    struct spool_streams streams;
    struct stat st;

    assert_int_equal(spool_open(&sp, f->root, false), 0);
    assert_int_equal(spool_attempt_create(&streams, sp, 5, 1, NULL, 0), 0);
    spool_streams_close(&streams);
    start_job(f);
    assert_int_equal(note_in(streams.dir, f->pid), 0);
    spool_destroy(&sp); /* the worker dies; its job runs on */
    assert_int_equal(kill(f->pid, 0), 0);

    assert_int_equal(spool_open(&sp, f->root, false), 0);
    assert_int_equal(spool_scan(sp, no_results, NULL), 0);
    assert_true(group_gone(f));
    assert_int_equal(stat(streams.dir, &st), -1);
    spool_destroy(&sp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_noted_job_is_killed_with_its_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reused_pid_is_left_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_to_kill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_next_start_kills_what_the_dead_worker_ran, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
