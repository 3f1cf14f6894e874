/* backup.c — BACKUP requests: a copy of the database in the state dir, written between turns. */
#include "backup.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <uv.h>

#include "client_request.h"
#include "clock.h"
#include "sched_int.h"
#include "store_backup.h"

#define BACKUP_DIR "backups"          /* in the state dir */
#define BACKUP_STEP_BYTES (128 << 10) /* copied per step: well under a millisecond */
#define BACKUP_STEP_EVERY_MS 2        /* so the copy takes at most about a third of the loop */
#define BACKUP_PEER_MAX 255           /* a routing id's bytes (libzmq's are 5) */

struct backup {
    struct store_backup *copy;
    uint8_t peer[BACKUP_PEER_MAX]; /* who asked, answered when the copy is done */
    size_t peer_len;
    uint64_t req_id;
    char path[PATH_MAX];
    int64_t started_mono;
    int64_t stepped_mono; /* when pages were last copied */
    uv_work_t settle;     /* syncing and renaming the complete copy, off the loop */
    bool settling;        /* settle is queued or running: the store is done with the copy */
    int settle_rc;        /* its result, with settle_err and bytes */
    char settle_err[PATH_MAX + 128];
    uint64_t bytes;
};

/* The path of a new backup: STATE_DIR/backups/cohort-YYYYmmddTHHMMSS.mmmZ.db (UTC), the
 * directory created when missing. Returns 0, or -1 with errno. */
static int backup_path(char *out, size_t out_len, const char *state_dir)
{
    char dir[PATH_MAX], stamp[32];
    struct timespec now;
    struct tm utc;

    if ((size_t)snprintf(dir, sizeof dir, "%s/" BACKUP_DIR, state_dir) >= sizeof dir) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return -1;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &utc);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &utc);
    if ((size_t)snprintf(out, out_len, "%s/cohort-%s.%03ldZ.db", dir, stamp,
                         now.tv_nsec / 1000000) >= out_len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

void client_on_backup(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                      const struct msg *m)
{
    struct request req = {s, peer, peer_len, m->u.backup.req_id, m->type};
    struct backup *b;
    char err[PATH_MAX + 128];
    int rc;

    (void)w;
    if (s->backup) {
        request_fail(&req, COHORT_ESTATE,
                     "a backup is being written already; ask again once it is done");
        return;
    }
    if (peer_len > BACKUP_PEER_MAX || !(b = calloc(1, sizeof(*b)))) {
        request_fail_no_memory(&req);
        return;
    }
    if (backup_path(b->path, sizeof b->path, s->config.state_dir) < 0) {
        request_fail(&req, COHORT_EIO, "cannot make the backup directory in %s: %s",
                     s->config.state_dir, strerror(errno));
        free(b);
        return;
    }
    if ((rc = store_backup_begin(&b->copy, s->store, b->path, err, sizeof err)) < 0) {
        request_fail(&req, rc, "%s", err);
        free(b);
        return;
    }
    memcpy(b->peer, peer, peer_len);
    b->peer_len = peer_len;
    b->req_id = req.req_id;
    b->started_mono = clock_mono_ms();
    s->backup = b;
    log_info("writing a backup of the database to %s", b->path);
}

/* Answer the requester of the settled (rc 0) or failed (rc < 0: err says why) backup, while
 * the socket is open, and forget it (an unfinished copy is removed). */
static void backup_end(struct sched *s, int rc, const char *err)
{
    struct backup *b = s->backup;
    struct msg reply = {.type = MSG_REPLY};

    if (rc < 0) {
        if (s->zsock)
            sched_send_error_now(s, b->peer, b->peer_len, b->req_id, MSG_BACKUP, rc, err);
    } else {
        log_info("backup of the database written to %s (%llu bytes) in %lld ms", b->path,
                 (unsigned long long)b->bytes, (long long)(clock_mono_ms() - b->started_mono));
        reply.u.reply = (struct msg_reply){.req_id = b->req_id,
                                           .request = MSG_BACKUP,
                                           .error = "",
                                           .u.backup = {.path = b->path, .bytes = b->bytes}};
        if (s->zsock)
            sched_send_now(s, b->peer, b->peer_len, &reply);
    }
    store_backup_free(&b->copy);
    free(b);
    s->backup = NULL;
}

/* The backup failed (rc < 0, err says why): log it, answer its requester, forget it. */
static void backup_fail(struct sched *s, int rc, const char *err)
{
    log_error("the backup failed: %s", err);
    backup_end(s, rc, err);
}

/* On a thread of libuv's pool: sync the copy and put it in place (the loop leaves the
 * settling backup alone meanwhile). */
static void settle_work(uv_work_t *work)
{
    struct backup *b = ((struct sched *)work->data)->backup;

    b->settle_rc = store_backup_settle(b->copy, &b->bytes, b->settle_err, sizeof b->settle_err);
}

/* Back on the loop: answer the requester. */
static void settle_done(uv_work_t *work, int status)
{
    struct sched *s = work->data;

    (void)status; /* never cancelled: settle_work always runs */
    if (s->backup->settle_rc < 0)
        backup_fail(s, s->backup->settle_rc, s->backup->settle_err);
    else
        backup_end(s, 0, NULL);
}

int64_t backup_turn(struct sched *s)
{
    struct backup *b = s->backup;
    char err[PATH_MAX + 128];
    int64_t now = clock_mono_ms(), wait;
    int rc;

    if (!b || b->settling)
        return -1;
    if ((wait = b->stepped_mono + BACKUP_STEP_EVERY_MS - now) > 0)
        return wait;
    if (store_in_transaction(s->store))
        return 0; /* the copy can only read between transactions */
    rc = store_backup_step(b->copy, BACKUP_STEP_BYTES, err, sizeof err);
    b->stepped_mono = now;
    if (rc == 0)
        return BACKUP_STEP_EVERY_MS;
    if (rc < 0) {
        backup_fail(s, rc, err);
        return -1;
    }
    /* syncing the copy takes long (about 0.15 s for 66 MB): not on the loop */
    b->settling = true;
    b->settle.data = s;
    if ((rc = uv_queue_work(&s->loop, &b->settle, settle_work, settle_done)) < 0) {
        b->settling = false;
        snprintf(err, sizeof err, "cannot sync the copy: %s", uv_strerror(rc));
        backup_fail(s, COHORT_EINTERNAL, err);
    }
    return -1;
}

void backup_cancel(struct sched *s)
{
    struct backup *b = s->backup;

    if (!b || b->settling) /* a settling copy is complete: settle_done answers */
        return;
    log_warn("stopping: the backup to %s was not finished and is removed", b->path);
    backup_end(s, COHORT_ESTATE, "the scheduler stopped before the backup was finished");
}
