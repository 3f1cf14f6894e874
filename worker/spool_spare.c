/* spool_spare.c — emptied attempt dirs kept for the next attempt, so a job creates fewer inodes. */
#define _GNU_SOURCE
#include "spool_spare.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

bool spool_spare_is_private_dir(const struct stat *st)
{
    return S_ISDIR(st->st_mode) && st->st_uid == geteuid() && (st->st_mode & 07777) == OWN_DIR_MODE;
}

/* Whether the directory name in dir_fd has no entries. */
static bool dir_is_empty(int dir_fd, const char *name)
{
    int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct dirent *entry;
    bool empty = true;
    DIR *dir;

    if (fd < 0 || !(dir = fdopendir(fd))) {
        if (fd >= 0)
            close(fd);
        return false;
    }
    while (empty && (errno = 0, entry = readdir(dir)))
        empty = strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0;
    empty = empty && errno == 0;
    closedir(dir);
    return empty;
}

/* Keep the work dir in dir_fd for the next attempt when it is the worker's own (the job ran
 * as the worker's account) and empty. Returns false when it is neither: the dir is then no
 * spare. */
static bool work_dir_keep(int dir_fd)
{
    struct stat st;

    return fstatat(dir_fd, SPOOL_WORK_DIR, &st, AT_SYMLINK_NOFOLLOW) == 0 && spool_spare_is_private_dir(&st) &&
           dir_is_empty(dir_fd, SPOOL_WORK_DIR);
}

/* Empty the stream file in dir_fd for the next attempt when nothing else holds it open: a
 * write lease is granted only then, so a process the job left behind (outside its process
 * group) cannot write into the next job's output. Otherwise, or when the lease cannot be
 * had (the file system or the settings refuse leases), the file is deleted, and the next
 * attempt creates a new one. Returns false when it could be neither emptied nor deleted. */
static bool stream_keep(int dir_fd, const char *file)
{
    int fd = openat(dir_fd, file, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    bool emptied = false;

    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
        st.st_uid == geteuid() && fcntl(fd, F_SETLEASE, F_WRLCK) == 0) {
        emptied = st.st_size == 0 || ftruncate(fd, 0) == 0;
        fcntl(fd, F_SETLEASE, F_UNLCK);
    }
    if (fd >= 0)
        close(fd);
    return emptied || unlinkat(dir_fd, file, 0) == 0 || errno == ENOENT;
}

/* Make the entries of the attempt dir dir_fd those of a spare (see spool_spare_keep). */
static bool entries_to_spare(int dir_fd)
{
    struct dirent *entry;
    struct stat st;
    bool ok = true;
    int fd = dup(dir_fd);
    DIR *dir;

    if (fd < 0 || !(dir = fdopendir(fd))) {
        if (fd >= 0)
            close(fd);
        return false;
    }
    while (ok && (entry = readdir(dir))) {
        const char *file = entry->d_name;
        if (strcmp(file, ".") == 0 || strcmp(file, "..") == 0)
            continue;
        if (strcmp(file, ORPHANS_FILE) == 0 || strcmp(file, SPOOL_RESULT_FILE) == 0)
            /* the note is written over at the next start; the result is renamed below */
            ok = fstatat(dir_fd, file, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
                 st.st_nlink == 1;
        else if (strcmp(file, SPOOL_WORK_DIR) == 0)
            ok = work_dir_keep(dir_fd);
        else if (strcmp(file, SPOOL_STDOUT_FILE) == 0 || strcmp(file, SPOOL_STDERR_FILE) == 0)
            ok = stream_keep(dir_fd, file);
        else /* stdin, and what else is there */
            ok = fstatat(dir_fd, file, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode) &&
                 unlinkat(dir_fd, file, 0) == 0;
    }
    closedir(dir);
    /* the next attempt writes its result over this file instead of creating one */
    return ok && (renameat(dir_fd, SPOOL_RESULT_FILE, dir_fd, SPOOL_RESULT_TMP_FILE) == 0 ||
                  errno == ENOENT);
}

bool spool_spare_keep(struct spool_spares *spares, int root_fd, const char *name)
{
    char spare[SPARE_NAME_MAX];
    struct stat st;
    bool kept = false;
    int dir_fd;

    if (spares->count >= SPOOL_SPARE_MAX)
        return false;
    dir_fd = openat(root_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir_fd < 0)
        return false;
    if (fstat(dir_fd, &st) == 0 && spool_spare_is_private_dir(&st) && entries_to_spare(dir_fd)) {
        spare_name(spare, spares->next_serial);
        if (renameat(root_fd, name, root_fd, spare) == 0) {
            spares->serials[spares->count++] = spares->next_serial++;
            kept = true;
        }
    }
    close(dir_fd);
    return kept;
}

bool spool_spare_take(struct spool_spares *spares, int root_fd, const char *name)
{
    char spare[SPARE_NAME_MAX];

    if (spares->count == 0)
        return false;
    spare_name(spare, spares->serials[--spares->count]);
    return renameat(root_fd, spare, root_fd, name) == 0;
}
