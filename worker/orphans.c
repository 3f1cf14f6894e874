/* orphans.c — jobs a dead worker left running: noted at spawn, killed by the next start. */
#define _GNU_SOURCE
#include "orphans.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cohort.h"
#include "log.h"

#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"
#define BOOT_ID_MAX 64          /* a boot id is 36 characters */
#define STAT_MAX 1024           /* /proc/PID/stat of one process */
#define NOTE_MAX 160            /* "BOOT_ID PID START\n" */
#define NOTE_BOOT_ID_WIDTH "36" /* a boot id's length: every note is as long */

/* Who a process is, across pid reuse and reboots. */
struct identity {
    char boot_id[BOOT_ID_MAX];
    long pid;
    unsigned long long start_ticks; /* clock ticks after boot; in a note, an upper bound */
};

/* Read up to max - 1 bytes of path into out, NUL-terminated. Returns the length or -1. */
static ssize_t read_small_file(const char *path, char *out, size_t max)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    ssize_t len = -1;

    if (fd < 0)
        return -1;
    do
        len = read(fd, out, max - 1);
    while (len < 0 && errno == EINTR);
    close(fd);
    if (len >= 0)
        out[len] = '\0';
    return len;
}

/* This boot's id into out. Returns 0, or -1 when /proc cannot tell. */
static int boot_id_get(char out[BOOT_ID_MAX])
{
    static char boot_id[BOOT_ID_MAX]; /* read once: it changes only with a reboot */

    if (!boot_id[0]) {
        if (read_small_file(BOOT_ID_PATH, boot_id, sizeof boot_id) <= 0)
            return -1;
        boot_id[strcspn(boot_id, "\n")] = '\0';
    }
    memcpy(out, boot_id, BOOT_ID_MAX);
    return 0;
}

/* The identity of the running process pid, with its start time. Returns 0, or -1 when it
 * does not run (or /proc cannot tell). */
static int identity_of(struct identity *out, pid_t pid)
{
    char path[64], stat[STAT_MAX];
    const char *after_name;

    if (boot_id_get(out->boot_id) < 0)
        return -1;
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    /* the command name may hold spaces and ')': the fields follow its last ')' */
    if (read_small_file(path, stat, sizeof stat) <= 0 || !(after_name = strrchr(stat, ')')))
        return -1;
    /* after the name: state (3), then fields 4 .. 21, then starttime (22) */
    if (sscanf(after_name + 1,
               " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
               "%*d %*d %*d %llu",
               &out->start_ticks) != 1)
        return -1;
    out->pid = pid;
    return 0;
}

/* Clock ticks since boot now, rounded up: no process that runs already started later. The
 * clock of /proc/PID/stat's start time. Returns 0 or -1. */
static int ticks_since_boot(unsigned long long *out)
{
    struct timespec now;
    long tick_hz = sysconf(_SC_CLK_TCK);

    if (tick_hz <= 0 || clock_gettime(CLOCK_BOOTTIME, &now) < 0)
        return -1;
    *out = (unsigned long long)now.tv_sec * (unsigned long long)tick_hz +
           ((unsigned long long)now.tv_nsec * (unsigned long long)tick_hz + 999999999ull) /
               1000000000ull;
    return 0;
}

int orphans_note(int attempt_dir_fd, int note_fd, pid_t pid)
{
    char note[NOTE_MAX];
    struct identity id = {.pid = pid};
    int fd = -1, rc = COHORT_EIO, len;

    /* the job started before now, and holds its pid (running, or a zombie not yet reaped)
     * until after this note: a later holder of the pid started after it */
    if (boot_id_get(id.boot_id) < 0 || ticks_since_boot(&id.start_ticks) < 0)
        goto done;
    /* fixed widths: a note left in a reused attempt dir is written over whole, with no
     * truncation (the reader skips the padding) */
    len = snprintf(note, sizeof note, "%-" NOTE_BOOT_ID_WIDTH "s %10ld %20llu\n", id.boot_id,
                   id.pid, id.start_ticks);
    fd = note_fd >= 0 ? note_fd
                      : openat(attempt_dir_fd, ORPHANS_FILE,
                               O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 || pwrite(fd, note, (size_t)len, 0) != len)
        goto done;
    rc = 0;
done:
    if (fd >= 0 && fd != note_fd)
        close(fd);
    if (rc < 0)
        log_warn("cannot note process %ld of an attempt: %s", (long)pid, strerror(errno));
    return rc;
}

int orphans_kill(const char *attempt_dir)
{
    char path[PATH_MAX], note[NOTE_MAX];
    struct identity noted, now;

    if ((size_t)snprintf(path, sizeof path, "%s/%s", attempt_dir, ORPHANS_FILE) >= sizeof path ||
        read_small_file(path, note, sizeof note) <= 0 ||
        sscanf(note, "%63s %ld %llu", noted.boot_id, &noted.pid, &noted.start_ticks) != 3 ||
        noted.pid <= 1 || noted.pid > INT_MAX)
        return 0;
    /* a process that started after the note holds a reused pid */
    if (identity_of(&now, (pid_t)noted.pid) < 0 || strcmp(now.boot_id, noted.boot_id) != 0 ||
        now.start_ticks > noted.start_ticks)
        return 0;
    log_warn("killing process group %ld, left running by an earlier worker (%s)", noted.pid,
             attempt_dir);
    if (kill(-(pid_t)noted.pid, SIGKILL) < 0 && errno != ESRCH) {
        log_warn("cannot kill process group %ld: %s", noted.pid, strerror(errno));
        return 0;
    }
    return 1;
}
