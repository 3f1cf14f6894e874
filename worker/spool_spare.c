/* spool_spare.c — emptied attempt dirs kept for the next attempt, so a job creates fewer inodes. */
#define _GNU_SOURCE
#include "spool_spare.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cohort.h"
#include "orphans.h"

#define SPARE_PREFIX "spare."
#define SPARE_NAME_MAX 32
#define OWN_DIR_MODE 0700

static void spare_name(char name[SPARE_NAME_MAX], uint64_t serial)
{
    snprintf(name, SPARE_NAME_MAX, SPARE_PREFIX "%" PRIu64, serial);
}

bool spool_spare_is_name(const char *name)
{
    return strncmp(name, SPARE_PREFIX, strlen(SPARE_PREFIX)) == 0;
}

uid_t spool_uid(void)
{
    static uid_t uid = (uid_t)-1;

    if (uid == (uid_t)-1)
        uid = geteuid();
    return uid;
}

int spool_open_plain_file(int dir_fd, const char *path, struct stat *st)
{
    int fd = openat(dir_fd, path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

    if (fd >= 0 && fstat(fd, st) == 0 && S_ISREG(st->st_mode) && st->st_nlink == 1)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

bool spool_spare_is_private_dir(const struct stat *st)
{
    return S_ISDIR(st->st_mode) && st->st_uid == spool_uid() &&
           (st->st_mode & 07777) == OWN_DIR_MODE;
}

static bool is_dot_or_dot_dot(const char *name)
{
    return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* Call visit (with arg) on each entry of the directory dir_fd (opened just now: read from
 * its start), but . and .., until it returns false. Returns false when visit did, or the
 * directory could not be read. Reads with getdents64 directly: no DIR stream to allocate. */
static bool each_entry(int dir_fd, bool (*visit)(int dir_fd, const char *name, void *arg),
                       void *arg)
{
    char buf[4096] __attribute__((aligned(8)));
    ssize_t got;

    while ((got = getdents64(dir_fd, buf, sizeof buf)) > 0)
        for (ssize_t at = 0; at < got;) {
            const struct dirent64 *entry = (const struct dirent64 *)(buf + at);
            at += entry->d_reclen;
            if (!is_dot_or_dot_dot(entry->d_name) && !visit(dir_fd, entry->d_name, arg))
                return false;
        }
    return got == 0;
}

static bool refuse_any(int dir_fd, const char *name, void *arg)
{
    return false;
}

/* Whether the directory name in dir_fd has no entries. */
static bool dir_is_empty(int dir_fd, const char *name)
{
    int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    bool empty = fd >= 0 && each_entry(fd, refuse_any, NULL);

    if (fd >= 0)
        close(fd);
    return empty;
}

/* Keep the work dir in dir_fd for the next attempt when it is the worker's own (the job ran
 * as the worker's account) and empty. Returns false when it is neither: the dir is then no
 * spare. */
static bool work_dir_keep(int dir_fd)
{
    struct stat st;

    return fstatat(dir_fd, SPOOL_WORK_DIR, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
           spool_spare_is_private_dir(&st) && dir_is_empty(dir_fd, SPOOL_WORK_DIR);
}

/* Empty the stream file in dir_fd for the next attempt when nothing else holds it open: a
 * write lease is granted only then, so a process the job left behind (outside its process
 * group) cannot write into the next job's output. Otherwise, or when the lease cannot be
 * had (the file system or the settings refuse leases), the file is deleted, and the next
 * attempt creates a new one. Returns the emptied file, open for writing as a job's stream
 * is (blocking, close-on-exec); -1 when it was deleted instead (or was not there); -2 when
 * it could be neither emptied nor deleted. */
static int stream_keep(int dir_fd, const char *file)
{
    struct stat st;
    int fd = spool_open_plain_file(dir_fd, file, &st);
    bool emptied = false;

    if (fd >= 0 && st.st_uid == spool_uid() && fcntl(fd, F_SETLEASE, F_WRLCK) == 0) {
        emptied = st.st_size == 0 || ftruncate(fd, 0) == 0;
        fcntl(fd, F_SETLEASE, F_UNLCK);
    }
    if (emptied && fcntl(fd, F_SETFL, 0) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return unlinkat(dir_fd, file, 0) == 0 || errno == ENOENT ? -1 : -2;
}

/* Keep the stream file in dir_fd as stream_keep does, its fd (or -1) in *kept. */
static bool stream_to_spare(int dir_fd, const char *file, int *kept)
{
    *kept = stream_keep(dir_fd, file);
    return *kept != -2;
}

/* Open the note of orphans.h in dir_fd, to be written over at the next start, into *kept:
 * only a plain file of one link. Returns false when it is anything else. */
static bool note_to_spare(int dir_fd, const char *file, int *kept)
{
    struct stat st;

    *kept = spool_open_plain_file(dir_fd, file, &st);
    return *kept >= 0;
}

/* Make one entry of an attempt dir that of a spare (see spool_spare_keep); files (an
 * int[SPARE_FILES]) gets the fds of the files kept open. */
static bool entry_to_spare(int dir_fd, const char *file, void *files)
{
    int *kept = files;
    struct stat st;

    if (strcmp(file, ORPHANS_FILE) == 0)
        return note_to_spare(dir_fd, file, &kept[SPARE_NOTE]);
    if (strcmp(file, SPOOL_RESULT_FILE) == 0)
        /* written over at the next end: until then it names the attempt it belongs to, not
         * the next one */
        return fstatat(dir_fd, file, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
               st.st_nlink == 1;
    if (strcmp(file, SPOOL_WORK_DIR) == 0)
        return work_dir_keep(dir_fd);
    if (strcmp(file, SPOOL_STDOUT_FILE) == 0)
        return stream_to_spare(dir_fd, file, &kept[SPARE_STDOUT]);
    if (strcmp(file, SPOOL_STDERR_FILE) == 0)
        return stream_to_spare(dir_fd, file, &kept[SPARE_STDERR]);
    /* stdin, and what else is there */
    return fstatat(dir_fd, file, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode) &&
           unlinkat(dir_fd, file, 0) == 0;
}

static void close_files(int files[SPARE_FILES])
{
    for (int i = 0; i < SPARE_FILES; i++) {
        if (files[i] >= 0)
            close(files[i]);
        files[i] = -1;
    }
}

bool spool_spare_keep(struct spool_spares *spares, int root_fd, const char *name)
{
    int files[SPARE_FILES] = {-1, -1, -1};
    char spare[SPARE_NAME_MAX];
    struct stat st;
    bool kept = false;
    int dir_fd;

    if (spares->count >= spares->max)
        return false;
    dir_fd = openat(root_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir_fd < 0)
        return false;
    if (fstat(dir_fd, &st) == 0 && spool_spare_is_private_dir(&st) &&
        each_entry(dir_fd, entry_to_spare, files)) {
        spare_name(spare, spares->next_serial);
        if (renameat(root_fd, name, root_fd, spare) == 0) {
            struct spool_spare *added = &spares->stack[spares->count++];
            added->serial = spares->next_serial++;
            memcpy(added->files, files, sizeof files);
            kept = true;
        }
    }
    if (!kept)
        close_files(files);
    close(dir_fd);
    return kept;
}

/* Rename from to to under root_fd unless something has the name to (EEXIST then). Where
 * the file system cannot rename that way, the name is checked first instead. Returns 0 or
 * -1 with errno. */
static int rename_no_replace(int root_fd, const char *from, const char *to)
{
    struct stat st;

    if (renameat2(root_fd, from, root_fd, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL)
        return -1;
    if (fstatat(root_fd, to, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        errno = EEXIST;
        return -1;
    }
    return errno == ENOENT ? renameat(root_fd, from, root_fd, to) : -1;
}

int spool_spare_take(struct spool_spares *spares, int root_fd, const char *name,
                     int files[SPARE_FILES])
{
    char spare[SPARE_NAME_MAX];
    struct spool_spare *top;

    for (int i = 0; i < SPARE_FILES; i++)
        files[i] = -1;
    if (spares->count == 0)
        return 0;
    top = &spares->stack[spares->count - 1];
    spare_name(spare, top->serial);
    if (rename_no_replace(root_fd, spare, name) < 0) {
        if (errno != EEXIST) { /* forgotten: the next scan deletes its dir */
            int saved_errno = errno;
            close_files(top->files);
            spares->count--;
            errno = saved_errno;
        }
        return -1;
    }
    memcpy(files, top->files, sizeof top->files);
    spares->count--;
    return 1;
}

unsigned spool_spares_wanted(uint32_t cpus)
{
    uint64_t wanted = 2 * (uint64_t)cpus + SPOOL_SPARES_MIN;
    struct rlimit files;

    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY &&
        wanted > files.rlim_cur / (4 * SPARE_FILES))
        wanted = files.rlim_cur / (4 * SPARE_FILES);
    return wanted > SPOOL_SPARES_MIN ? (unsigned)wanted : SPOOL_SPARES_MIN;
}

int spool_spares_reserve(struct spool_spares *spares, unsigned max)
{
    struct spool_spare *stack;

    if (max < spares->count)
        max = spares->count;
    if (!(stack = realloc(spares->stack, (max ? max : 1) * sizeof *stack)))
        return COHORT_ENOMEM;
    spares->stack = stack;
    spares->max = max;
    return 0;
}

void spool_spares_release(struct spool_spares *spares)
{
    while (spares->count > 0)
        close_files(spares->stack[--spares->count].files);
    free(spares->stack);
    spares->stack = NULL;
    spares->max = 0;
}
