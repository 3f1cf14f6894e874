/* fs_sync.c — fsync a file or the directory that holds it, by path. */
#include "fs_sync.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* fsync what path names, opened with flags. Returns 0, or -1 with errno. */
static int sync_opened(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC), rc, saved;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int fs_sync_file(const char *path)
{
    return sync_opened(path, O_RDONLY);
}

int fs_sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];

    if (!slash)
        return sync_opened(".", O_RDONLY | O_DIRECTORY);
    if ((size_t)(slash - path) >= sizeof dir) {
        errno = ENAMETOOLONG;
        return -1;
    }
    /* "/name" is in "/" */
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) + (slash == path), path);
    return sync_opened(dir, O_RDONLY | O_DIRECTORY);
}
