/* file_syncer.c — a thread that syncs one file when asked, so that a later sync is short. */
#include "file_syncer.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

struct file_syncer {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* a sync is asked for, or the thread is to stop */
    int fd;              /* the file, opened read-only: enough to sync it */
    bool requested;      /* under lock: a sync is asked for and not yet started */
    bool stopping;       /* under lock: the thread is to end */
    uint64_t done;       /* under lock: syncs finished */
};

static void *sync_when_asked(void *arg)
{
    struct file_syncer *s = arg;

    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!s->requested && !s->stopping)
            pthread_cond_wait(&s->wake, &s->lock);
        if (s->stopping)
            break;
        s->requested = false;
        pthread_mutex_unlock(&s->lock);
        fdatasync(s->fd);
        pthread_mutex_lock(&s->lock);
        s->done++;
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* Start the thread with every signal blocked: the daemon's loop takes them, not it. */
static int thread_start(struct file_syncer *s)
{
    sigset_t all, before;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &before);
    int rc = pthread_create(&s->thread, NULL, sync_when_asked, s);
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    return rc;
}

struct file_syncer *file_syncer_start(const char *path)
{
    struct file_syncer *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    if ((s->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        goto fail_open;
    if (pthread_mutex_init(&s->lock, NULL) != 0)
        goto fail_lock;
    if (pthread_cond_init(&s->wake, NULL) != 0)
        goto fail_cond;
    if (thread_start(s) != 0)
        goto fail_thread;
    return s;
fail_thread:
    pthread_cond_destroy(&s->wake);
fail_cond:
    pthread_mutex_destroy(&s->lock);
fail_lock:
    close(s->fd);
fail_open:
    free(s);
    return NULL;
}

void file_syncer_request(struct file_syncer *s)
{
    pthread_mutex_lock(&s->lock);
    s->requested = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

uint64_t file_syncer_done(struct file_syncer *s)
{
    pthread_mutex_lock(&s->lock);
    uint64_t done = s->done;
    pthread_mutex_unlock(&s->lock);
    return done;
}

void file_syncer_stop(struct file_syncer **sp)
{
    struct file_syncer *s = *sp;

    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    close(s->fd);
    free(s);
    *sp = NULL;
}
