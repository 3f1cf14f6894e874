/* statedir.c — the scheduler's state directory: creation, its lock, small files in it. */
#include "statedir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cohort.h"

char *statedir_default(void)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    char dir[4096];

    if (geteuid() == 0)
        snprintf(dir, sizeof dir, "/var/lib/cohort");
    else if (xdg && xdg[0] == '/')
        snprintf(dir, sizeof dir, "%s/cohort", xdg);
    else if (home && home[0])
        snprintf(dir, sizeof dir, "%s/.local/state/cohort", home);
    else
        return NULL;
    return strdup(dir);
}

int statedir_make(const char *dir, char *err, size_t err_len)
{
    char path[PATH_MAX];

    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path || !*path) {
        snprintf(err, err_len, "state dir path is empty or too long");
        return COHORT_EIO;
    }
    /* create each missing component in turn, the last one included */
    for (char *slash = path + 1;; slash++) {
        bool at_end = *slash == '\0';
        if (*slash != '/' && !at_end)
            continue;
        *slash = '\0';
        if (mkdir(path, 0700) < 0 && errno != EEXIST) {
            snprintf(err, err_len, "cannot create %s: %s", path, strerror(errno));
            return COHORT_EIO;
        }
        if (at_end)
            break;
        *slash = '/';
    }
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, err_len, "%s is not a directory", dir);
        return COHORT_EIO;
    }
    return 0;
}

int statedir_lock(const char *dir, char *err, size_t err_len)
{
    char path[PATH_MAX];
    int fd;

    snprintf(path, sizeof path, "%s/lock", dir);
    if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
        snprintf(err, err_len, "cannot open %s: %s", path, strerror(errno));
        return COHORT_EIO;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        snprintf(err, err_len, "%s is in use by another cohort-scheduler", dir);
        close(fd);
        return COHORT_EIO;
    }
    return fd;
}

int statedir_share_owner(int fd, const char *path, char *err, size_t err_len)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    struct stat st;

    if (geteuid() != 0)
        return 0;
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + (slash == path) : 1,
             slash ? path : ".");
    if (stat(dir, &st) < 0 || st.st_uid == 0)
        return 0;
    if (fchown(fd, st.st_uid, st.st_gid) < 0) {
        snprintf(err, err_len, "cannot give %s to the owner of %s: %s", path, dir,
                 strerror(errno));
        return COHORT_EIO;
    }
    return 0;
}

int statedir_write(const char *dir, const char *name, const char *content, char *err,
                   size_t err_len)
{
    char path[PATH_MAX], temp[PATH_MAX];
    size_t len = strlen(content);
    int fd;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(temp, sizeof temp, "%s/.%s.tmp", dir, name);
    if ((fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        snprintf(err, err_len, "cannot create %s: %s", temp, strerror(errno));
        return COHORT_EIO;
    }
    bool written = write(fd, content, len) == (ssize_t)len;
    int saved_errno = errno;
    if (written && statedir_share_owner(fd, path, err, err_len) < 0) {
        close(fd);
        unlink(temp);
        return COHORT_EIO;
    }
    if (close(fd) < 0 || !written) {
        snprintf(err, err_len, "cannot write %s: %s", temp,
                 strerror(written ? errno : saved_errno));
        unlink(temp);
        return COHORT_EIO;
    }
    if (rename(temp, path) < 0) {
        snprintf(err, err_len, "cannot rename %s to %s: %s", temp, path, strerror(errno));
        unlink(temp);
        return COHORT_EIO;
    }
    return 0;
}

void statedir_remove(const char *dir, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}
