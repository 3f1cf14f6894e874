/* test_spool.c — the spool: attempt dirs and their reuse, links, durable results, scan, lock. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cohort.h"
#include "orphans.h"
#include "proto.h"
#include "spool.h"
#include "spool_spare.h"

struct fixture {
    char root[64]; /* temporary spool directory */
    struct spool *spool;
};

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    alarm(30);
    strcpy(f->root, "/tmp/cohort-test-spool-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    assert_int_equal(spool_open(&f->spool, f->root, true), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    spool_destroy(&f->spool);
    assert_null(f->spool);
    nftw(f->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static bool exists(struct fixture *f, const char *relative)
{
    char path[256];
    struct stat st;

    snprintf(path, sizeof path, "%s/%s", f->root, relative);
    return lstat(path, &st) == 0;
}

static void write_file(struct fixture *f, const char *relative, const char *text, size_t len)
{
    char path[256];
    int fd;

    snprintf(path, sizeof path, "%s/%s", f->root, relative);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

static struct attempt_result sample_result(uint64_t job_id, uint32_t attempt)
{
    struct attempt_result res = {
        .job_id = job_id,
        .attempt = attempt,
        .state = COHORT_JOB_FAILED,
        .exit_code = 3,
        .signal = 0,
        .started_at = 1700000000123,
        .finished_at = 1700000004567,
        .cpu_time_ms = 42,
    };
    strcpy(res.reason, "exited with status 3");
    return res;
}

/* Create the attempt's directory as the agent does before a run, and close its streams. */
static void make_attempt(struct fixture *f, uint64_t job_id, uint32_t attempt,
                         const char *stdin_text)
{
    struct spool_streams streams;

    assert_int_equal(spool_attempt_create(&streams, f->spool, job_id, attempt,
                                          (const uint8_t *)stdin_text,
                                          stdin_text ? (uint32_t)strlen(stdin_text) : 0),
                     0);
    assert_true(streams.stdin_fd >= 0 && streams.stdout_fd >= 0 && streams.stderr_fd >= 0);
    spool_streams_close(&streams);
    assert_int_equal(streams.stdout_fd, -1);
}

static void test_attempt_dir_layout(void **state)
{
    struct fixture *f = *state;
    char path[256];
    struct stat st;

    make_attempt(f, 12, 3, "input");
    snprintf(path, sizeof path, "%s/12.3", f->root);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_true(exists(f, "12.3/stdout") && exists(f, "12.3/stderr") && exists(f, "12.3/stdin"));
    snprintf(path, sizeof path, "%s/12.3/work", f->root);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(st.st_uid, geteuid());
    make_attempt(f, 12, 4, NULL);
    assert_false(exists(f, "12.4/stdin")); /* no stdin: the job reads /dev/null */
}

static void test_result_round_trip(void **state)
{
    struct fixture *f = *state;
    struct attempt_result written = sample_result(7, 2), read_back;

    make_attempt(f, 7, 2, NULL);
    assert_int_equal(spool_result_read(&read_back, f->spool, 7, 2), COHORT_ENOENT);
    assert_int_equal(spool_result_write(f->spool, &written), 0);
    assert_true(exists(f, "7.2/result"));
    assert_int_equal(spool_result_read(&read_back, f->spool, 7, 2), 0);
    assert_int_equal(read_back.job_id, 7);
    assert_int_equal(read_back.attempt, 2);
    assert_int_equal(read_back.state, COHORT_JOB_FAILED);
    assert_int_equal(read_back.exit_code, 3);
    assert_int_equal(read_back.signal, 0);
    assert_string_equal(read_back.reason, "exited with status 3");
    assert_int_equal(read_back.started_at, 1700000000123);
    assert_int_equal(read_back.finished_at, 1700000004567);
    assert_int_equal(read_back.cpu_time_ms, 42);
    assert_false(read_back.fenced);
    /* a fenced result stays fenced across a restart of the worker */
    written.fenced = true;
    assert_int_equal(spool_result_write(f->spool, &written), 0);
    assert_int_equal(spool_result_read(&read_back, f->spool, 7, 2), 0);
    assert_true(read_back.fenced);
    /* a result filed under another attempt's name is refused */
    assert_int_equal(spool_result_read(&read_back, f->spool, 7, 3), COHORT_ENOENT);
}

static void test_damaged_result_is_refused(void **state)
{
    struct fixture *f = *state;
    struct attempt_result read_back;

    make_attempt(f, 8, 1, NULL);
    write_file(f, "8.1/result", "\x93\x01", 2);
    assert_int_equal(spool_result_read(&read_back, f->spool, 8, 1), COHORT_EPROTO);
}

static int collect_result(const struct attempt_result *res, void *arg)
{
    struct attempt_result *found = arg;

    assert_int_equal(found->job_id, 0); /* only one expected */
    *found = *res;
    return 0;
}

static void test_scan_keeps_results_and_removes_leftovers(void **state)
{
    struct fixture *f = *state;
    struct attempt_result kept = sample_result(5, 1), found = {0};
    char path[256];

    make_attempt(f, 5, 1, NULL);
    assert_int_equal(spool_result_write(f->spool, &kept), 0);
    make_attempt(f, 6, 2, NULL); /* running when the worker died: no result */
    snprintf(path, sizeof path, "%s/6.2/deep", f->root);
    assert_int_equal(mkdir(path, 0700), 0);
    write_file(f, "6.2/deep/file", "x", 1);
    make_attempt(f, 9, 1, NULL); /* a damaged result */
    write_file(f, "9.1/result", "garbage", 7);
    snprintf(path, sizeof path, "%s/not-an-attempt", f->root);
    assert_int_equal(mkdir(path, 0700), 0);

    assert_int_equal(spool_scan(f->spool, collect_result, &found), 0);
    assert_int_equal(found.job_id, 5);
    assert_int_equal(found.attempt, 1);
    assert_string_equal(found.reason, "exited with status 3");
    assert_true(exists(f, "5.1/result"));
    assert_false(exists(f, "6.2"));
    assert_false(exists(f, "9.1"));
    assert_true(exists(f, "not-an-attempt"));
    assert_true(exists(f, "lock"));
}

static void test_encode_caps_output(void **state)
{
    struct fixture *f = *state;
    struct attempt_result res = sample_result(10, 1);
    size_t big_len = WORKER_OUTPUT_CAP + 100;
    char *big = malloc(big_len);
    struct msg *m = NULL;
    struct buf out;

    memset(big, 'e', big_len);
    make_attempt(f, 10, 1, NULL);
    write_file(f, "10.1/stdout", "hello\n", 6);
    write_file(f, "10.1/stderr", big, big_len);
    buf_init(&out, PROTO_MAX_MSG);
    assert_int_equal(spool_result_encode(&out, f->spool, &res), 0);
    assert_int_equal(msg_decode(&m, out.data, out.len), 0);
    assert_int_equal(m->type, MSG_JOB_RESULT);
    assert_int_equal(m->u.result.job_id, 10);
    assert_int_equal(m->u.result.exit_code, 3);
    assert_int_equal(m->u.result.out_len, 6);
    assert_memory_equal(m->u.result.out, "hello\n", 6);
    assert_false(m->u.result.out_truncated);
    assert_int_equal(m->u.result.err_len, WORKER_OUTPUT_CAP);
    assert_true(m->u.result.err_truncated);
    assert_memory_equal(m->u.result.err, big, WORKER_OUTPUT_CAP);
    msg_free(m);
    buf_free(&out);
    free(big);
}

static void test_encode_refuses_to_follow_links(void **state)
{
    struct fixture *f = *state;
    struct attempt_result res = sample_result(11, 1);
    struct msg *m = NULL;
    struct buf out;
    char link_path[256];

    make_attempt(f, 11, 1, NULL);
    snprintf(link_path, sizeof link_path, "%s/11.1/stdout", f->root);
    assert_int_equal(unlink(link_path), 0);
    assert_int_equal(symlink("/etc/hostname", link_path), 0);
    buf_init(&out, PROTO_MAX_MSG);
    assert_int_equal(spool_result_encode(&out, f->spool, &res), 0);
    assert_int_equal(msg_decode(&m, out.data, out.len), 0);
    assert_int_equal(m->u.result.out_len, 0); /* the link's target was not read */
    msg_free(m);
    buf_free(&out);
}

static void test_remove_does_not_follow_links(void **state)
{
    struct fixture *f = *state;
    char outside[64], link_path[256];
    int fd;

    strcpy(outside, "/tmp/cohort-test-outside-XXXXXX");
    fd = mkstemp(outside);
    assert_true(fd >= 0);
    close(fd);
    make_attempt(f, 13, 1, NULL);
    snprintf(link_path, sizeof link_path, "%s/13.1/escape", f->root);
    assert_int_equal(symlink(outside, link_path), 0);
    assert_int_equal(spool_attempt_remove(f->spool, 13, 1), 0);
    assert_false(exists(f, "13.1"));
    assert_int_equal(access(outside, F_OK), 0);
    unlink(outside);
    assert_int_equal(spool_attempt_remove(f->spool, 13, 1), 0); /* already gone: fine */
}

/* Whether the spool root holds an entry whose name starts with prefix. */
/* How many entries of the spool root start with prefix. */
static unsigned count_entries_starting(struct fixture *f, const char *prefix)
{
    struct dirent *entry;
    unsigned found = 0;
    DIR *dir = opendir(f->root);

    assert_non_null(dir);
    while ((entry = readdir(dir)))
        found += strncmp(entry->d_name, prefix, strlen(prefix)) == 0;
    closedir(dir);
    return found;
}

static bool has_entry_starting(struct fixture *f, const char *prefix)
{
    return count_entries_starting(f, prefix) > 0;
}

static void test_removed_dir_is_reused_empty(void **state)
{
    struct fixture *f = *state;
    struct attempt_result res = sample_result(30, 1), back;
    char path[256];
    struct stat st;

    make_attempt(f, 30, 1, "input");
    write_file(f, "30.1/stdout", "old output", 10);
    assert_int_equal(spool_result_write(f->spool, &res), 0);
    assert_int_equal(spool_attempt_remove(f->spool, 30, 1), 0);
    assert_false(exists(f, "30.1"));
    assert_true(has_entry_starting(f, "spare."));
    make_attempt(f, 31, 1, NULL);
    assert_false(has_entry_starting(f, "spare."));
    assert_false(exists(f, "31.1/stdin"));
    /* the spare's result is that of 30.1: no result of 31.1 yet */
    assert_int_equal(spool_result_read(&back, f->spool, 31, 1), COHORT_ENOENT);
    snprintf(path, sizeof path, "%s/31.1/stdout", f->root);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 0);
    /* the result written over the spare's is the new one, whole */
    res = sample_result(31, 1);
    strcpy(res.reason, "x");
    assert_int_equal(spool_result_write(f->spool, &res), 0);
    assert_int_equal(spool_result_read(&back, f->spool, 31, 1), 0);
    assert_string_equal(back.reason, "x");
}

/* A worker that died between writing a result over a longer one and cutting the file to
 * its length left the new result with the old one's tail: that reads as damaged (the job
 * runs again), never as a result. */
static void test_result_cut_short_by_a_crash_is_damaged(void **state)
{
    struct fixture *f = *state;
    struct attempt_result longer = sample_result(40, 1), shorter = sample_result(40, 1), back;
    char path[256], old[4096], new[4096];
    ssize_t old_len, new_len;
    int fd;

    memset(longer.reason, 'x', 200);
    longer.reason[200] = '\0';
    make_attempt(f, 40, 1, NULL);
    snprintf(path, sizeof path, "%s/40.1/result", f->root);
    assert_int_equal(spool_result_write(f->spool, &shorter), 0);
    assert_true((fd = open(path, O_RDONLY)) >= 0);
    assert_true((new_len = read(fd, new, sizeof new)) > 0);
    close(fd);
    assert_int_equal(spool_result_write(f->spool, &longer), 0);
    assert_true((fd = open(path, O_RDWR)) >= 0);
    assert_true((old_len = read(fd, old, sizeof old)) > new_len);
    assert_int_equal(pwrite(fd, new, (size_t)new_len, 0), new_len); /* and no cut */
    close(fd);
    assert_int_equal(spool_result_read(&back, f->spool, 40, 1), COHORT_EPROTO);
}

/* The inode number of SPOOL/relative. */
static ino_t inode_of(struct fixture *f, const char *relative)
{
    char path[256];
    struct stat st;

    snprintf(path, sizeof path, "%s/%s", f->root, relative);
    assert_int_equal(lstat(path, &st), 0);
    return st.st_ino;
}

/* A spare brings its work dir and emptied streams to the next attempt: no new inode. */
static void test_spare_keeps_its_files(void **state)
{
    struct fixture *f = *state;
    ino_t out, err, work;
    char path[256];
    struct stat st;

    make_attempt(f, 34, 1, NULL);
    write_file(f, "34.1/stdout", "old output", 10);
    write_file(f, "34.1/stderr", "old errors", 10);
    out = inode_of(f, "34.1/stdout");
    err = inode_of(f, "34.1/stderr");
    work = inode_of(f, "34.1/work");
    assert_int_equal(spool_attempt_remove(f->spool, 34, 1), 0);
    make_attempt(f, 35, 1, NULL);
    assert_true(inode_of(f, "35.1/stdout") == out && inode_of(f, "35.1/stderr") == err);
    assert_true(inode_of(f, "35.1/work") == work);
    snprintf(path, sizeof path, "%s/35.1/stderr", f->root);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 0);
}

/* Open file descriptors of this process. */
static int open_fds(void)
{
    DIR *dir = opendir("/proc/self/fd");
    int count = 0;

    assert_non_null(dir);
    while (readdir(dir))
        count++;
    closedir(dir);
    return count - 3; /* ., .. and the directory itself */
}

/* A spare keeps its emptied streams and its process note open, and the next attempt writes
 * to the streams from their start, blocking as any job's stdout; the spool closes what its
 * spares still hold. */
static void test_spare_files_are_kept_open(void **state)
{
    struct fixture *f = *state;
    struct spool_streams streams;
    char path[256], seen[16] = "";
    int before = open_fds(), fd;

    make_attempt(f, 50, 1, NULL);
    write_file(f, "50.1/stdout", "old output", 10);
    write_file(f, "50.1/" ORPHANS_FILE, "note", 4);
    assert_int_equal(spool_attempt_remove(f->spool, 50, 1), 0);
    assert_int_equal(open_fds(), before + 3);
    assert_int_equal(spool_attempt_create(&streams, f->spool, 51, 1, NULL, 0), 0);
    assert_true(streams.note_fd >= 0);
    assert_int_equal(pwrite(streams.note_fd, "NOTE", 4, 0), 4);
    assert_int_equal(fcntl(streams.stdout_fd, F_GETFL) & (O_NONBLOCK | O_ACCMODE), O_WRONLY);
    assert_int_equal(write(streams.stdout_fd, "new\n", 4), 4);
    spool_streams_close(&streams);
    assert_int_equal(open_fds(), before);
    snprintf(path, sizeof path, "%s/51.1/stdout", f->root);
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(read(fd, seen, sizeof seen - 1), 4);
    close(fd);
    assert_string_equal(seen, "new\n");
    snprintf(path, sizeof path, "%s/51.1/" ORPHANS_FILE, f->root);
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(read(fd, seen, sizeof seen - 1), 4);
    close(fd);
    assert_memory_equal(seen, "NOTE", 4);
    assert_int_equal(spool_attempt_remove(f->spool, 51, 1), 0);
    assert_int_equal(open_fds(), before + 3);
    spool_destroy(&f->spool);
    assert_int_equal(open_fds(), before - 3); /* its root, lock and /dev/null too */
}

/* A process the job left behind that still holds its stdout must not write into the next
 * job's output: that file is replaced, not emptied. */
static void test_stream_still_open_is_not_reused(void **state)
{
    struct fixture *f = *state;
    char path[256], seen[16] = "";
    ino_t held_ino;
    int held, fd;

    make_attempt(f, 36, 1, NULL);
    snprintf(path, sizeof path, "%s/36.1/stdout", f->root);
    held = open(path, O_WRONLY | O_APPEND);
    assert_true(held >= 0);
    held_ino = inode_of(f, "36.1/stdout");
    assert_int_equal(spool_attempt_remove(f->spool, 36, 1), 0);
    assert_true(has_entry_starting(f, "spare."));
    make_attempt(f, 37, 1, NULL);
    assert_true(inode_of(f, "37.1/stdout") != held_ino);
    assert_int_equal(write(held, "late\n", 5), 5);
    close(held);
    snprintf(path, sizeof path, "%s/37.1/stdout", f->root);
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(read(fd, seen, sizeof seen - 1), 0);
    close(fd);
}

static void test_dir_with_job_files_is_not_reused(void **state)
{
    struct fixture *f = *state;

    make_attempt(f, 32, 1, NULL);
    write_file(f, "32.1/work/left-behind", "x", 1);
    assert_int_equal(spool_attempt_remove(f->spool, 32, 1), 0);
    assert_false(exists(f, "32.1"));
    assert_false(has_entry_starting(f, "spare."));
}

/* Make and remove attempts first .. first + n - 1 of job attempt 1, all made before any is
 * removed, as when that many jobs run at once. */
static void burst_of_attempts(struct fixture *f, uint64_t first, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        make_attempt(f, first + i, 1, NULL);
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(spool_attempt_remove(f->spool, first + i, 1), 0);
}

/* A spool keeps SPOOL_SPARES_MIN spares until it is told the worker's cpus; a worker of 32
 * keeps all 40 attempts of a burst, so that the next 40 jobs create no dir. */
static void test_spares_are_reserved_by_cpus(void **state)
{
    struct fixture *f = *state;

    burst_of_attempts(f, 100, 40);
    assert_int_equal(count_entries_starting(f, "spare."), SPOOL_SPARES_MIN);
    assert_int_equal(spool_reserve_spares(f->spool, 32), 0);
    burst_of_attempts(f, 200, 40);
    assert_int_equal(count_entries_starting(f, "spare."), 40);
}

/* Two spares per cpu and SPOOL_SPARES_MIN more, but their open files never more than a
 * quarter of the open-file limit (and never fewer than SPOOL_SPARES_MIN spares). */
static void test_spares_wanted_follow_cpus_and_the_file_limit(void **state)
{
    struct rlimit saved, set;

    assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
    set = saved;
    set.rlim_cur = saved.rlim_max < 4096 ? saved.rlim_max : 4096;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &set), 0);
    assert_int_equal(spool_spares_wanted(1), SPOOL_SPARES_MIN + 2);
    assert_int_equal(spool_spares_wanted(32), SPOOL_SPARES_MIN + 64);
    set.rlim_cur = 480; /* a quarter is 120 files: 40 spares */
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &set), 0);
    assert_int_equal(spool_spares_wanted(32), 40);
    assert_int_equal(spool_spares_wanted(1), SPOOL_SPARES_MIN + 2);
    set.rlim_cur = 64;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &set), 0);
    assert_int_equal(spool_spares_wanted(32), SPOOL_SPARES_MIN);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
}

static void test_scan_removes_spares(void **state)
{
    struct fixture *f = *state;

    make_attempt(f, 33, 1, NULL);
    assert_int_equal(spool_attempt_remove(f->spool, 33, 1), 0);
    assert_true(has_entry_starting(f, "spare."));
    assert_int_equal(spool_scan(f->spool, NULL, NULL), 0);
    assert_false(has_entry_starting(f, "spare."));
}

/* A victim file outside the spool, with known contents; path is 64 bytes. */
static void make_victim(char path[64])
{
    int fd;

    strcpy(path, "/tmp/cohort-test-victim-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "victim\n", 7), 7);
    close(fd);
}

static void assert_victim_untouched(const char *path)
{
    char contents[16] = "";
    int fd = open(path, O_RDONLY);

    assert_true(fd >= 0);
    assert_int_equal(read(fd, contents, sizeof contents - 1), 7);
    close(fd);
    assert_string_equal(contents, "victim\n");
}

static void test_planted_links_are_never_followed(void **state)
{
    struct fixture *f = *state;
    struct attempt_result res = sample_result(14, 1);
    char victim[64], path[256];
    struct spool_streams streams;
    struct stat st;

    make_victim(victim);
    /* a leftover attempt dir whose files are links to the victim */
    snprintf(path, sizeof path, "%s/14.1", f->root);
    assert_int_equal(mkdir(path, 0700), 0);
    for (const char *const *name =
             (const char *const[]){"stdout", "stderr", "stdin", "work", "result", NULL};
         *name; name++) {
        snprintf(path, sizeof path, "%s/14.1/%s", f->root, *name);
        assert_int_equal(symlink(victim, path), 0);
    }
    assert_int_equal(spool_attempt_create(&streams, f->spool, 14, 1, (const uint8_t *)"in", 2), 0);
    assert_int_equal(write(streams.stdout_fd, "out\n", 4), 4);
    spool_streams_close(&streams);
    snprintf(path, sizeof path, "%s/14.1/stdout", f->root);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    /* a link planted where the result is written while the job ran */
    snprintf(path, sizeof path, "%s/14.1/result", f->root);
    assert_int_equal(symlink(victim, path), 0);
    assert_int_equal(spool_result_write(f->spool, &res), 0);
    assert_victim_untouched(victim);
    unlink(victim);
}

/* A spare is not renamed over what already has the attempt's name: that is removed first
 * (a link is removed, not followed), and the spare then takes its place. */
static void test_spare_never_replaces_a_planted_name(void **state)
{
    struct fixture *f = *state;
    char victim[64], victim_dir[128], path[256];
    struct stat st;

    make_victim(victim);
    snprintf(victim_dir, sizeof victim_dir, "%s.dir", victim);
    assert_int_equal(mkdir(victim_dir, 0700), 0);
    make_attempt(f, 40, 1, NULL);
    assert_int_equal(spool_attempt_remove(f->spool, 40, 1), 0);
    assert_true(has_entry_starting(f, "spare."));
    /* where 41.1 will be spooled: a link to a directory outside the spool */
    snprintf(path, sizeof path, "%s/41.1", f->root);
    assert_int_equal(symlink(victim_dir, path), 0);
    make_attempt(f, 41, 1, NULL);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_false(has_entry_starting(f, "spare.")); /* the spare became 41.1 */
    assert_true(exists(f, "41.1/work"));
    assert_int_equal(stat(victim_dir, &st), 0); /* the link's target is left alone */
    assert_int_equal(rmdir(victim_dir), 0);     /* and still empty */
    assert_victim_untouched(victim);
    unlink(victim);
}

static void test_work_dir_is_given_to_the_job_account(void **state)
{
    struct fixture *f = *state;
    struct spool_streams streams;
    char path[256];
    struct stat st;

    if (geteuid() != 0)
        skip();
    assert_int_equal(spool_attempt_create(&streams, f->spool, 15, 1, NULL, 0), 0);
    assert_int_equal(spool_streams_give_work_dir(&streams, 65534, 65534), 0);
    spool_streams_close(&streams);
    assert_int_equal(stat(streams.work_dir, &st), 0);
    assert_int_equal(st.st_uid, 65534);
    assert_int_equal(st.st_gid, 65534);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(streams.dir, &st), 0);
    assert_int_equal(st.st_uid, 0);
    assert_int_equal(st.st_mode & 0777, 0711); /* passable, not listable */
    snprintf(path, sizeof path, "%s/15.1/stdout", f->root);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_uid, 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(spool_attempt_remove(f->spool, 15, 1), 0);
    assert_false(exists(f, "15.1"));
}

static void test_root_of_another_user_is_refused(void **state)
{
    struct fixture *f = *state;
    struct spool *other = NULL;
    char path[256];

    if (geteuid() != 0)
        skip();
    snprintf(path, sizeof path, "%s/theirs", f->root);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(chown(path, 65534, 65534), 0);
    assert_int_equal(spool_open(&other, path, true), COHORT_EIO);
    assert_null(other);
}

static void test_second_worker_is_locked_out(void **state)
{
    struct fixture *f = *state;
    struct spool *second = NULL;

    assert_int_equal(spool_open(&second, f->root, true), COHORT_ESTATE);
    assert_null(second);
    spool_destroy(&f->spool);
    assert_int_equal(spool_open(&second, f->root, true), 0);
    spool_destroy(&second);
}

static void test_root_is_created(void **state)
{
    struct fixture *f = *state;
    struct spool *nested = NULL;
    char path[256];
    struct stat st;

    snprintf(path, sizeof path, "%s/a/b/spool", f->root);
    assert_int_equal(spool_open(&nested, path, true), 0);
    assert_string_equal(spool_root(nested), path);
    assert_int_equal(stat(path, &st), 0);
    /* as root, the accounts jobs run as must pass through to their work dirs */
    assert_int_equal(st.st_mode & 0777, geteuid() == 0 ? 0711 : 0700);
    spool_destroy(&nested);
    spool_destroy(&nested); /* NULL: a no-op */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_attempt_dir_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_result_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_result_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_result_cut_short_by_a_crash_is_damaged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_scan_keeps_results_and_removes_leftovers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_encode_caps_output, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_refuses_to_follow_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_does_not_follow_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_planted_links_are_never_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_work_dir_is_given_to_the_job_account, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_of_another_user_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_worker_is_locked_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_is_created, setup, teardown),
        cmocka_unit_test_setup_teardown(test_removed_dir_is_reused_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dir_with_job_files_is_not_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_removes_spares, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spares_are_reserved_by_cpus, setup, teardown),
        cmocka_unit_test(test_spares_wanted_follow_cpus_and_the_file_limit),
        cmocka_unit_test_setup_teardown(test_spare_keeps_its_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spare_files_are_kept_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spare_never_replaces_a_planted_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_still_open_is_not_reused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
