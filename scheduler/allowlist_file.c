/* allowlist_file.c — the allow-list file: change detection, read, atomic replace, lock. */
#include "allowlist_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "allowlist.h"
#include "cohort.h"
#include "fs_sync.h"
#include "statedir.h"

#define LOCK_WAIT_MS 5000 /* longest wait for another editor */
#define LOCK_POLL_MS 20

static void sig_from_stat(struct allowlist_sig *sig, const struct stat *st)
{
    sig->dev = st->st_dev;
    sig->ino = st->st_ino;
    sig->size = st->st_size;
    sig->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    sig->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
    sig->mode = st->st_mode & 07777;
}

bool allowlist_sig_equal(const struct allowlist_sig *a, const struct allowlist_sig *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns && a->mode == b->mode;
}

int allowlist_file_stat(const char *path, struct allowlist_sig *sig, char *err, size_t err_len)
{
    struct stat st;

    if (stat(path, &st) < 0) {
        if (errno == ENOENT)
            return COHORT_ENOENT;
        snprintf(err, err_len, "cannot look at %s: %s", path, strerror(errno));
        return COHORT_EIO;
    }
    sig_from_stat(sig, &st);
    return 0;
}

int allowlist_file_read(const char *path, char **text, size_t *len, struct allowlist_sig *sig,
                        char *err, size_t err_len)
{
    struct stat st;
    char *data = NULL;
    size_t got = 0;
    int rc = COHORT_EIO;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    *text = NULL;
    if (fd < 0) {
        if (errno == ENOENT)
            return COHORT_ENOENT;
        snprintf(err, err_len, "cannot open %s: %s", path, strerror(errno));
        return COHORT_EIO;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, err_len, "%s is not a regular file", path);
        goto done;
    }
    if (st.st_size > (off_t)ALLOWLIST_FILE_MAX) {
        snprintf(err, err_len, "%s is larger than %u bytes", path, ALLOWLIST_FILE_MAX);
        rc = COHORT_ETOOBIG;
        goto done;
    }
    if (!(data = malloc((size_t)st.st_size + 1))) {
        snprintf(err, err_len, "out of memory reading %s", path);
        rc = COHORT_ENOMEM;
        goto done;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, err_len, "cannot read %s: %s", path, strerror(errno));
            goto done;
        }
        if (n == 0)
            break; /* shrank while read: what is there is a whole older or newer file */
        got += (size_t)n;
    }
    data[got] = '\0';
    sig_from_stat(sig, &st);
    *text = data;
    data = NULL;
    if (len)
        *len = got;
    rc = 0;
done:
    free(data);
    close(fd);
    return rc;
}

int allowlist_file_replace(const char *path, const char *text, size_t len, char *err,
                           size_t err_len)
{
    char temp[PATH_MAX];
    size_t done = 0;
    int fd;

    if (snprintf(temp, sizeof temp, "%s.tmp", path) >= (int)sizeof temp) {
        snprintf(err, err_len, "path too long: %s", path);
        return COHORT_EIO;
    }
    unlink(temp); /* left by an editor that died: the lock says nobody else writes it */
    fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, err_len, "cannot create %s: %s", temp, strerror(errno));
        return COHORT_EIO;
    }
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        done += (size_t)n;
    }
    int saved_errno = errno;
    if (done < len || fchmod(fd, 0600) < 0 || fsync(fd) < 0) {
        snprintf(err, err_len, "cannot write %s: %s", temp,
                 strerror(done < len ? saved_errno : errno));
        close(fd);
        unlink(temp);
        return COHORT_EIO;
    }
    if (statedir_share_owner(fd, path, err, err_len) < 0) {
        close(fd);
        unlink(temp);
        return COHORT_EIO;
    }
    close(fd);
    if (rename(temp, path) < 0) {
        snprintf(err, err_len, "cannot rename %s to %s: %s", temp, path, strerror(errno));
        unlink(temp);
        return COHORT_EIO;
    }
    fs_sync_parent(path); /* the rename survives a crash, when it can be synced */
    return 0;
}

int allowlist_file_lock(const char *lock_path, char *err, size_t err_len)
{
    struct timespec pause = {.tv_nsec = LOCK_POLL_MS * 1000000L};
    int fd = open(lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

    if (fd < 0) {
        snprintf(err, err_len, "cannot open %s: %s", lock_path, strerror(errno));
        return COHORT_EIO;
    }
    if (statedir_share_owner(fd, lock_path, err, err_len) < 0) {
        close(fd);
        return COHORT_EIO;
    }
    for (int waited_ms = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; waited_ms += LOCK_POLL_MS) {
        if ((errno != EWOULDBLOCK && errno != EINTR) || waited_ms >= LOCK_WAIT_MS) {
            snprintf(err, err_len, "cannot lock %s: %s", lock_path,
                     errno == EWOULDBLOCK ? "another edit of the keys is still running"
                                          : strerror(errno));
            close(fd);
            return COHORT_EIO;
        }
        nanosleep(&pause, NULL);
    }
    return fd;
}
