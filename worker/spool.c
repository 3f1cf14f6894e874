/* spool.c — per-attempt spool directories, durable results and the scan after a restart. */
#define _GNU_SOURCE
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cohort.h"
#include "log.h"
#include "orphans.h"
#include "proto.h"
#include "spool_spare.h"

#define SPOOL_LOCK_FILE "lock"
#define RESULT_FILE_MAX (16u << 10) /* an encoded result without output is far smaller */
#define REMOVE_DEPTH_MAX 128        /* directory nesting a job may leave behind */
#define ATTEMPT_NAME_MAX 48         /* "JOB.ATTEMPT" with both numbers at their widest */
#define PASS_THROUGH_MODE 0711      /* others may pass through to a dir inside, not list */

struct spool {
    char root[PATH_MAX - 2 * ATTEMPT_NAME_MAX]; /* as given; room left for paths inside */
    int root_fd;                                /* the root directory, open */
    int lock_fd;                                /* holds the exclusive flock on SPOOL/lock */
    int null_fd;                                /* /dev/null, the stdin of jobs given none */
    struct spool_spares spares;                 /* emptied attempt dirs for reuse */
    bool sync_results;                          /* fsync each result file and its dir */
};

/* One captured stream, read for one message. */
struct capture {
    uint8_t *data;  /* owned; NULL when empty */
    uint32_t len;   /* bytes in data, at most WORKER_OUTPUT_CAP */
    bool truncated; /* the file holds more than len bytes */
};

static void attempt_dir_name(char name[ATTEMPT_NAME_MAX], uint64_t job_id, uint32_t attempt)
{
    snprintf(name, ATTEMPT_NAME_MAX, "%" PRIu64 ".%" PRIu32, job_id, attempt);
}

/* Parse a directory name written by attempt_dir_name (and only its exact form). */
static bool attempt_dir_parse(const char *name, uint64_t *job_id, uint32_t *attempt)
{
    unsigned long long job, att;
    char canonical[ATTEMPT_NAME_MAX];

    if (sscanf(name, "%llu.%llu", &job, &att) != 2 || att > UINT32_MAX)
        return false;
    attempt_dir_name(canonical, job, (uint32_t)att);
    if (strcmp(canonical, name) != 0)
        return false;
    *job_id = job;
    *attempt = (uint32_t)att;
    return true;
}

/* mkdir -p with mode 0700 for every directory it creates. Returns 0 or -1 with errno. */
static int make_dirs(const char *path)
{
    char partial[PATH_MAX];
    size_t len = strlen(path);

    if (len >= sizeof partial) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(partial, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (partial[i] != '/' && partial[i] != '\0')
            continue;
        char saved = partial[i];
        partial[i] = '\0';
        if (mkdir(partial, 0700) < 0 && errno != EEXIST)
            return -1;
        partial[i] = saved;
    }
    return 0;
}

/* Delete name under parent_fd, a file or a whole tree, never following symbolic links.
 * Returns 0 (also when name does not exist) or -1 with errno set. */
static int remove_tree(int parent_fd, const char *name, int depth)
{
    struct stat st;
    struct dirent *entry;
    DIR *dir = NULL;
    int fd, saved_errno = 0;

    if (fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlinkat(parent_fd, name, 0) < 0 && errno != ENOENT ? -1 : 0;
    if (depth >= REMOVE_DEPTH_MAX) {
        errno = ELOOP;
        return -1;
    }
    fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == EACCES && fchmodat(parent_fd, name, 0700, AT_SYMLINK_NOFOLLOW) == 0)
        fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || !(dir = fdopendir(fd))) {
        saved_errno = errno;
        goto done;
    }
    while ((errno = 0, entry = readdir(dir))) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        if (remove_tree(dirfd(dir), entry->d_name, depth + 1) < 0)
            break;
    }
    saved_errno = errno;
    if (!saved_errno && unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        saved_errno = errno;
done:
    if (dir)
        closedir(dir);
    else if (fd >= 0)
        close(fd);
    errno = saved_errno;
    return saved_errno ? -1 : 0;
}

static int write_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Read up to max bytes of fd into data; returns the count or -1 with errno. */
static ssize_t read_up_to(int fd, void *data, size_t max)
{
    size_t got = 0;

    while (got < max) {
        ssize_t n = read(fd, (uint8_t *)data + got, max - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* Create name in dir_fd as a new file, mode 0600: fails when anything (a symbolic link
 * too) has that name. Returns the fd or -1 with errno. */
static int create_file(int dir_fd, const char *name, int access_mode)
{
    return openat(dir_fd, name, access_mode | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Check that the spool root belongs to this process's user (no one else may swap what is
 * in it), and as root make it passable for the accounts jobs run as. Returns 0 or -1
 * (logged). */
static int root_check_owner(int root_fd, const char *root)
{
    struct stat st;

    if (fstat(root_fd, &st) < 0) {
        log_error("cannot check spool directory %s: %s", root, strerror(errno));
        return -1;
    }
    if (st.st_uid != geteuid()) {
        log_error("spool directory %s belongs to uid %ld, not to this worker's (uid %ld)", root,
                  (long)st.st_uid, (long)geteuid());
        return -1;
    }
    if (geteuid() == 0 && (st.st_mode & 07777) != PASS_THROUGH_MODE &&
        fchmod(root_fd, PASS_THROUGH_MODE) < 0) {
        log_error("cannot set the mode of spool directory %s: %s", root, strerror(errno));
        return -1;
    }
    return 0;
}

int spool_open(struct spool **out, const char *root, bool sync_results)
{
    struct spool *sp = NULL;
    int rc = COHORT_EINVAL;

    *out = NULL;
    if (root[0] == '\0' || strlen(root) >= sizeof sp->root) {
        log_error("spool directory path is empty or too long");
        goto fail;
    }
    rc = COHORT_ENOMEM;
    if (!(sp = calloc(1, sizeof(*sp))))
        goto fail;
    sp->root_fd = sp->lock_fd = sp->null_fd = -1;
    sp->sync_results = sync_results;
    strcpy(sp->root, root);
    rc = COHORT_EIO;
    if (make_dirs(root) < 0 || (sp->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
        (sp->lock_fd = openat(sp->root_fd, SPOOL_LOCK_FILE,
                              O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0 ||
        (sp->null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
        log_error("cannot open spool directory %s: %s", root, strerror(errno));
        goto fail;
    }
    if (root_check_owner(sp->root_fd, root) < 0)
        goto fail;
    rc = COHORT_ENOMEM;
    if (spool_spares_reserve(&sp->spares, SPOOL_SPARES_MIN) < 0)
        goto fail;
    rc = COHORT_EIO;
    if (flock(sp->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        rc = errno == EWOULDBLOCK ? COHORT_ESTATE : COHORT_EIO;
        log_error("cannot lock spool directory %s: %s", root,
                  rc == COHORT_ESTATE ? "another cohort-worker uses it" : strerror(errno));
        goto fail;
    }
    *out = sp;
    return 0;
fail:
    spool_destroy(&sp);
    return rc;
}

int spool_reserve_spares(struct spool *sp, uint32_t cpus)
{
    return spool_spares_reserve(&sp->spares, spool_spares_wanted(cpus));
}

void spool_destroy(struct spool **sp)
{
    int saved_errno = errno;

    if (!sp || !*sp)
        return;
    spool_spares_release(&(*sp)->spares);
    close_fd(&(*sp)->null_fd);
    close_fd(&(*sp)->lock_fd);
    close_fd(&(*sp)->root_fd);
    free(*sp);
    *sp = NULL;
    errno = saved_errno;
}

const char *spool_root(const struct spool *sp)
{
    return sp->root;
}

void spool_streams_close(struct spool_streams *streams)
{
    if (streams->stdin_shared)
        streams->stdin_fd = -1; /* the spool's /dev/null */
    close_fd(&streams->stdin_fd);
    close_fd(&streams->stdout_fd);
    close_fd(&streams->stderr_fd);
    close_fd(&streams->note_fd);
    close_fd(&streams->dir_fd);
}

int spool_streams_give_work_dir(const struct spool_streams *streams, uid_t uid, gid_t gid)
{
    /* the job has not started and only the worker can write in the attempt dir, so the
     * work dir is still the one spool_attempt_create made */
    if (fchownat(streams->dir_fd, SPOOL_WORK_DIR, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ||
        fchmod(streams->dir_fd, PASS_THROUGH_MODE) < 0) {
        log_error("cannot give %s to uid %ld: %s", streams->work_dir, (long)uid, strerror(errno));
        return COHORT_EIO;
    }
    return 0;
}

/* Create the stream file `file` in the attempt dir dir_fd, empty, for writing; whatever
 * already has that name in a reused dir is replaced, never written through. Returns the
 * fd or -1 with errno. */
static int stream_create(int dir_fd, const char *file)
{
    int fd = create_file(dir_fd, file, O_WRONLY);

    if (fd >= 0 || errno != EEXIST)
        return fd;
    if (remove_tree(dir_fd, file, 0) < 0)
        return -1;
    return create_file(dir_fd, file, O_WRONLY);
}

/* Give the attempt dir in dir_fd an empty work dir: the spare's when it is the worker's
 * own and private (spool_spare_keep saw it empty), else a new one. Returns 0 or -1. */
static int work_dir_make(int dir_fd, bool from_spare)
{
    struct stat st;

    if (from_spare && fstatat(dir_fd, SPOOL_WORK_DIR, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        spool_spare_is_private_dir(&st))
        return 0;
    if (from_spare && remove_tree(dir_fd, SPOOL_WORK_DIR, 0) < 0)
        return -1;
    return mkdirat(dir_fd, SPOOL_WORK_DIR, 0700);
}

/* Put the attempt dir `name` under the root: a spare renamed to it when there is one, else
 * a new dir. Whatever already has that name (a leftover, or something planted) is removed
 * first, never followed; it is looked for only when the name turns out taken. *from_spare
 * says which dir it is; a spare's open files (or -1 each) are handed over in files.
 * Returns 0 or -1 with errno. */
static int attempt_dir_place(struct spool *sp, const char *name, bool *from_spare,
                             int files[SPARE_FILES])
{
    int taken = spool_spare_take(&sp->spares, sp->root_fd, name, files);

    if (taken < 0 && errno == EEXIST) {
        if (remove_tree(sp->root_fd, name, 0) < 0)
            return -1;
        taken = spool_spare_take(&sp->spares, sp->root_fd, name, files);
    }
    *from_spare = taken > 0;
    if (*from_spare || mkdirat(sp->root_fd, name, 0700) == 0)
        return 0;
    if (errno != EEXIST || remove_tree(sp->root_fd, name, 0) < 0)
        return -1;
    return mkdirat(sp->root_fd, name, 0700);
}

/* Make the attempt dir `name` (a spare when there is one) with an empty work dir and empty
 * stdout and stderr, open in *streams (whose fds are all -1): a spare's are reused (its
 * streams were emptied and kept open when it was made, with its note), new ones are created
 * with O_EXCL. Returns 0 or -1 with errno. */
static int attempt_dir_make(struct spool_streams *streams, struct spool *sp, const char *name)
{
    int kept[SPARE_FILES];
    bool from_spare;

    if (attempt_dir_place(sp, name, &from_spare, kept) < 0)
        return -1;
    streams->stdout_fd = kept[SPARE_STDOUT];
    streams->stderr_fd = kept[SPARE_STDERR];
    streams->note_fd = kept[SPARE_NOTE];
    if ((streams->dir_fd =
             openat(sp->root_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
        work_dir_make(streams->dir_fd, from_spare) < 0 ||
        (streams->stdout_fd < 0 &&
         (streams->stdout_fd = stream_create(streams->dir_fd, SPOOL_STDOUT_FILE)) < 0) ||
        (streams->stderr_fd < 0 &&
         (streams->stderr_fd = stream_create(streams->dir_fd, SPOOL_STDERR_FILE)) < 0))
        return -1;
    return 0;
}

int spool_attempt_create(struct spool_streams *streams, struct spool *sp, uint64_t job_id,
                         uint32_t attempt, const uint8_t *stdin_data, uint32_t stdin_len)
{
    char name[ATTEMPT_NAME_MAX];
    int saved_errno;

    streams->stdin_fd = streams->stdout_fd = streams->stderr_fd = streams->note_fd =
        streams->dir_fd = -1;
    streams->stdin_shared = false;
    attempt_dir_name(name, job_id, attempt);
    snprintf(streams->dir, sizeof streams->dir, "%s/%s", sp->root, name);
    snprintf(streams->work_dir, sizeof streams->work_dir, "%s/%s/%s", sp->root, name,
             SPOOL_WORK_DIR);
    if (attempt_dir_make(streams, sp, name) < 0)
        goto fail;
    if (stdin_len == 0) {
        streams->stdin_fd = sp->null_fd;
        streams->stdin_shared = true;
    } else if ((streams->stdin_fd = create_file(streams->dir_fd, "stdin", O_RDWR)) >= 0 &&
               (write_all(streams->stdin_fd, stdin_data, stdin_len) < 0 ||
                lseek(streams->stdin_fd, 0, SEEK_SET) < 0))
        close_fd(&streams->stdin_fd);
    if (streams->stdin_fd < 0)
        goto fail;
    return 0;
fail:
    saved_errno = errno;
    log_error("cannot prepare spool directory %s: %s", streams->dir, strerror(saved_errno));
    spool_streams_close(streams);
    remove_tree(sp->root_fd, name, 0);
    return saved_errno == ENOMEM ? COHORT_ENOMEM : COHORT_EIO;
}

/* Fill a JOB_RESULT message from res and the captured streams (which may be NULL: empty). */
static void result_to_msg(struct msg *m, const struct attempt_result *res,
                          const struct capture *out, const struct capture *err)
{
    static const struct capture none;

    out = out ? out : &none;
    err = err ? err : &none;
    memset(m, 0, sizeof(*m));
    m->type = MSG_JOB_RESULT;
    m->u.result = (struct msg_job_result){
        .job_id = res->job_id,
        .attempt = res->attempt,
        .state = res->state,
        .exit_code = res->exit_code,
        .signal = res->signal,
        .reason = res->reason,
        .started_at = res->started_at,
        .finished_at = res->finished_at,
        .cpu_time_ms = res->cpu_time_ms,
        .out = out->data,
        .out_len = out->len,
        .out_truncated = out->truncated,
        .err = err->data,
        .err_len = err->len,
        .err_truncated = err->truncated,
        .fenced = res->fenced,
        .returned = res->returned,
    };
}

static void result_from_msg(struct attempt_result *res, const struct msg_job_result *m)
{
    res->job_id = m->job_id;
    res->attempt = m->attempt;
    res->state = m->state;
    res->exit_code = m->exit_code;
    res->signal = m->signal;
    snprintf(res->reason, sizeof res->reason, "%s", m->reason);
    res->started_at = m->started_at;
    res->finished_at = m->finished_at;
    res->cpu_time_ms = m->cpu_time_ms;
    res->fenced = m->fenced;
    res->returned = m->returned;
}

/* Open the result file of the attempt dir `name` for writing: the one a spare dir brings
 * (it holds the result of the attempt the dir served before, written over: no inode is
 * created and no name changes), found by one openat from the root; else a new file, made
 * through the dir, which is left open in *dir_fd (else -1) for a sync. *size is the file's
 * length. One that is not a plain file of one link (or a symbolic link) is replaced, never
 * written through. Returns the fd or -1 with errno. */
static int result_file_open(struct spool *sp, const char *name, off_t *size, int *dir_fd)
{
    char path[2 * ATTEMPT_NAME_MAX];
    struct stat st;
    int fd;

    *size = 0;
    *dir_fd = -1;
    snprintf(path, sizeof path, "%s/%s", name, SPOOL_RESULT_FILE);
    if ((fd = spool_open_plain_file(sp->root_fd, path, &st)) >= 0) {
        *size = st.st_size;
        return fd;
    }
    if ((*dir_fd = openat(sp->root_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) <
            0 ||
        (unlinkat(*dir_fd, SPOOL_RESULT_FILE, 0) < 0 && errno != ENOENT))
        return -1;
    return create_file(*dir_fd, SPOOL_RESULT_FILE, O_WRONLY);
}

int spool_result_write(struct spool *sp, const struct attempt_result *res)
{
    char name[ATTEMPT_NAME_MAX];
    struct buf encoded;
    struct msg m;
    off_t old_size;
    int dir_fd = -1, fd = -1, rc;

    buf_init(&encoded, RESULT_FILE_MAX);
    attempt_dir_name(name, res->job_id, res->attempt);
    result_to_msg(&m, res, NULL, NULL);
    if ((rc = msg_encode(&encoded, &m)) < 0) {
        log_error("cannot encode the result of attempt %s", name);
        goto done;
    }
    rc = COHORT_EIO;
    if ((fd = result_file_open(sp, name, &old_size, &dir_fd)) < 0 ||
        write_all(fd, encoded.data, encoded.len) < 0 ||
        (old_size > (off_t)encoded.len && ftruncate(fd, (off_t)encoded.len) < 0) ||
        (sp->sync_results && fsync(fd) < 0) ||
        (sp->sync_results && dir_fd >= 0 && fsync(dir_fd) < 0)) {
        log_error("cannot store the result of attempt %s: %s", name, strerror(errno));
        goto done;
    }
    rc = 0;
done:
    close_fd(&fd);
    close_fd(&dir_fd);
    buf_free(&encoded);
    return rc;
}

int spool_result_read(struct attempt_result *out, struct spool *sp, uint64_t job_id,
                      uint32_t attempt)
{
    char name[ATTEMPT_NAME_MAX], path[2 * ATTEMPT_NAME_MAX];
    uint8_t *data = NULL;
    struct msg *m = NULL;
    ssize_t len;
    int fd = -1, rc = COHORT_ENOMEM;

    attempt_dir_name(name, job_id, attempt);
    snprintf(path, sizeof path, "%s/%s", name, SPOOL_RESULT_FILE);
    if (!(data = malloc(RESULT_FILE_MAX + 1)))
        goto done;
    rc = COHORT_ENOENT;
    if ((fd = openat(sp->root_fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        if (errno != ENOENT && errno != ENOTDIR)
            rc = COHORT_EIO;
        goto done;
    }
    rc = COHORT_EIO;
    if ((len = read_up_to(fd, data, RESULT_FILE_MAX + 1)) < 0)
        goto done;
    rc = COHORT_EPROTO;
    if ((size_t)len > RESULT_FILE_MAX || msg_decode(&m, data, (size_t)len) < 0 ||
        m->type != MSG_JOB_RESULT)
        goto done;
    rc = COHORT_ENOENT; /* the result of the attempt a spare dir served before: none yet */
    if (m->u.result.job_id != job_id || m->u.result.attempt != attempt)
        goto done;
    result_from_msg(out, &m->u.result);
    rc = 0;
done:
    msg_free(m);
    close_fd(&fd);
    free(data);
    return rc;
}

/* Whether the stream file in dir_fd is missing or a plain empty file, known from one
 * fstatat without opening it (often stderr, sometimes both streams). */
static bool stream_known_empty(int dir_fd, const char *file)
{
    struct stat st;

    if (fstatat(dir_fd, file, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT;
    return S_ISREG(st.st_mode) && st.st_size == 0;
}

/* Read up to WORKER_OUTPUT_CAP bytes of one stream file of an attempt (file, relative to
 * dir_fd) into *c (zeroed first). A missing file (or directory) is empty; so is one that is
 * not a regular file or cannot be read (logged), since a job can replace the files in its
 * spool dir. Returns 0 or COHORT_ENOMEM. */
static int capture_read(struct capture *c, int dir_fd, const char *file)
{
    const char *problem = NULL;
    struct stat st;
    ssize_t got;
    int fd = -1, rc = 0;

    memset(c, 0, sizeof(*c));
    if (stream_known_empty(dir_fd, file))
        goto done;
    if ((fd = openat(dir_fd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0) {
        problem = errno == ENOENT ? NULL : strerror(errno);
        goto done;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        problem = "not a regular file";
        goto done;
    }
    c->truncated = (uint64_t)st.st_size > WORKER_OUTPUT_CAP;
    c->len = c->truncated ? WORKER_OUTPUT_CAP : (uint32_t)st.st_size;
    if (c->len && !(c->data = malloc(c->len))) {
        rc = COHORT_ENOMEM;
        goto done;
    }
    if ((got = read_up_to(fd, c->data, c->len)) < 0) {
        problem = strerror(errno);
        goto done;
    }
    c->len = (uint32_t)got; /* the file may have shrunk since fstat */
done:
    if (problem)
        log_warn("treating captured %s as empty: %s", file, problem);
    if (problem || rc < 0) {
        free(c->data);
        memset(c, 0, sizeof(*c));
    }
    close_fd(&fd);
    return rc;
}

int spool_result_encode(struct buf *out, struct spool *sp, const struct attempt_result *res)
{
    char name[ATTEMPT_NAME_MAX], stdout_path[2 * ATTEMPT_NAME_MAX],
        stderr_path[2 * ATTEMPT_NAME_MAX];
    struct capture stdout_capture = {0}, stderr_capture = {0};
    struct msg m;
    int rc;

    /* paths from the root: no fd of the dir to open and close */
    attempt_dir_name(name, res->job_id, res->attempt);
    snprintf(stdout_path, sizeof stdout_path, "%s/%s", name, SPOOL_STDOUT_FILE);
    snprintf(stderr_path, sizeof stderr_path, "%s/%s", name, SPOOL_STDERR_FILE);
    if ((rc = capture_read(&stdout_capture, sp->root_fd, stdout_path)) < 0 ||
        (rc = capture_read(&stderr_capture, sp->root_fd, stderr_path)) < 0)
        goto done;
    result_to_msg(&m, res, &stdout_capture, &stderr_capture);
    rc = msg_encode(out, &m);
done:
    free(stderr_capture.data);
    free(stdout_capture.data);
    return rc;
}

int spool_attempt_remove(struct spool *sp, uint64_t job_id, uint32_t attempt)
{
    char name[ATTEMPT_NAME_MAX];

    attempt_dir_name(name, job_id, attempt);
    if (spool_spare_keep(&sp->spares, sp->root_fd, name))
        return 0;
    if (remove_tree(sp->root_fd, name, 0) < 0) {
        log_error("cannot remove spool directory %s/%s: %s", sp->root, name, strerror(errno));
        return COHORT_EIO;
    }
    return 0;
}

int spool_scan(struct spool *sp, spool_result_cb on_result, void *arg)
{
    struct attempt_result res;
    struct dirent *entry;
    DIR *dir = NULL;
    uint64_t job_id;
    uint32_t attempt;
    int fd, rc = COHORT_EIO;

    if ((fd = openat(sp->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
        !(dir = fdopendir(fd))) {
        log_error("cannot read spool directory %s: %s", sp->root, strerror(errno));
        if (fd >= 0)
            close(fd);
        goto done;
    }
    rc = 0;
    while ((entry = readdir(dir))) {
        if (spool_spare_is_name(entry->d_name) && remove_tree(dirfd(dir), entry->d_name, 0) < 0)
            log_warn("cannot remove %s/%s: %s", sp->root, entry->d_name, strerror(errno));
        if (!attempt_dir_parse(entry->d_name, &job_id, &attempt))
            continue;
        int read_rc = spool_result_read(&res, sp, job_id, attempt);
        if (read_rc == 0) {
            if ((rc = on_result(&res, arg)) < 0)
                goto done;
            continue;
        }
        if (read_rc == COHORT_EIO) {
            log_warn("leaving %s/%s alone: its result cannot be read", sp->root, entry->d_name);
            continue;
        }
        if (read_rc == COHORT_EPROTO)
            log_warn("removing %s/%s: its result file is damaged", sp->root, entry->d_name);
        else
            log_info("removing %s/%s: an earlier worker ran it and stopped before it ended",
                     sp->root, entry->d_name);
        /* the scheduler requeues it: what still runs of it must not overlap the next run */
        char name[ATTEMPT_NAME_MAX], attempt_path[PATH_MAX];
        attempt_dir_name(name, job_id, attempt);
        snprintf(attempt_path, sizeof attempt_path, "%s/%s", sp->root, name);
        orphans_kill(attempt_path); /* it may still run: its dir is not kept as a spare */
        if (remove_tree(sp->root_fd, name, 0) < 0)
            log_error("cannot remove spool directory %s: %s", attempt_path, strerror(errno));
    }
done:
    if (dir)
        closedir(dir);
    return rc;
}
