/* waiters.c — blocked WAIT requests, answered when their last job ends or they time out. */
#include "waiters.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cohort.h"
#include "hmap.h"
#include "loop_timer.h"

struct waiter;

/* One (job, waiter) pair; links of one job are chained from the map entry. */
struct wait_link {
    uint64_t job_id;
    struct waiter *waiter;
    struct wait_link *next;
};

struct waiter {
    struct waiters *owner;
    uint8_t peer[255];
    uint8_t peer_len;
    uint64_t req_id;
    uint64_t *ids; /* every id of the request, in its order */
    uint32_t n_ids;
    struct wait_link *links; /* one per distinct pending id */
    uint32_t n_links;
    uint32_t remaining; /* links whose job has not ended */
    uv_timer_t timer;
};

struct waiters {
    uv_loop_t *loop;
    struct hmap by_job; /* job id -> first wait_link */
    size_t count;       /* waiters registered */
    size_t ids_held;    /* sum of n_ids + n_links of the waiters */
    size_t max_waiters, max_ids;
    waiters_ready_fn on_ready;
    void *arg;
    size_t closing; /* waiters whose timer libuv has not closed yet */
    bool destroyed; /* free the registry when the last timer closed */
};

int waiters_create(struct waiters **out, uv_loop_t *loop, size_t max_waiters, size_t max_ids,
                   waiters_ready_fn on_ready, void *arg)
{
    struct waiters *ws = calloc(1, sizeof(*ws));

    *out = NULL;
    if (!ws)
        return COHORT_ENOMEM;
    ws->loop = loop;
    hmap_init(&ws->by_job, SIZE_MAX);
    ws->max_waiters = max_waiters;
    ws->max_ids = max_ids;
    ws->on_ready = on_ready;
    ws->arg = arg;
    *out = ws;
    return 0;
}

size_t waiters_count(const struct waiters *ws)
{
    return ws->count;
}

static void maybe_free_registry(struct waiters *ws)
{
    if (ws->destroyed && ws->closing == 0) {
        hmap_free(&ws->by_job);
        free(ws);
    }
}

static void on_timer_closed(uv_handle_t *handle)
{
    struct waiter *w = handle->data;
    struct waiters *ws = w->owner;

    free(w->ids);
    free(w->links);
    free(w);
    ws->closing--;
    maybe_free_registry(ws);
}

/* Take link out of its job's chain. */
static void unlink_one(struct waiters *ws, struct wait_link *link)
{
    struct wait_link *head = hmap_get(&ws->by_job, link->job_id, NULL, NULL);
    if (head == link) {
        hmap_remove(&ws->by_job, link->job_id, NULL, NULL);
        /* cannot fail: the entry just removed leaves room */
        if (link->next)
            hmap_put(&ws->by_job, link->job_id, link->next);
        return;
    }
    for (struct wait_link *prev = head; prev; prev = prev->next)
        if (prev->next == link) {
            prev->next = link->next;
            return;
        }
}

/* Forget w: unlink what is still linked, stop its timer and free it once closed. */
static void retire(struct waiters *ws, struct waiter *w, bool unlink)
{
    for (uint32_t i = 0; unlink && i < w->n_links; i++)
        unlink_one(ws, &w->links[i]);
    ws->count--;
    ws->ids_held -= w->n_ids + w->n_links;
    ws->closing++;
    uv_timer_stop(&w->timer);
    uv_close((uv_handle_t *)&w->timer, on_timer_closed);
}

static void on_timeout(uv_timer_t *timer)
{
    struct waiter *w = timer->data;
    struct waiters *ws = w->owner;

    retire(ws, w, true);
    ws->on_ready(ws->arg, COHORT_ETIMEDOUT, w->peer, w->peer_len, w->req_id, w->ids, w->n_ids);
}

static int compare_ids(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int waiters_add(struct waiters *ws, const uint8_t *peer, size_t peer_len, uint64_t req_id,
                const uint64_t *ids, uint32_t n_ids, const uint64_t *pending, uint32_t n_pending,
                uint32_t timeout_ms)
{
    struct waiter *w = NULL;
    uint64_t *distinct = NULL;
    int rc = COHORT_ETOOBIG;

    if (ws->count >= ws->max_waiters || n_ids + n_pending > ws->max_ids - ws->ids_held ||
        peer_len > sizeof w->peer)
        goto fail;
    rc = COHORT_ENOMEM;
    if (!(w = calloc(1, sizeof(*w))) || !(w->ids = malloc(n_ids * sizeof(*ids))) ||
        !(w->links = calloc(n_pending, sizeof(*w->links))) ||
        !(distinct = malloc(n_pending * sizeof(*pending))))
        goto fail;
    /* a job named twice is waited for once */
    memcpy(distinct, pending, n_pending * sizeof(*pending));
    qsort(distinct, n_pending, sizeof(*distinct), compare_ids);
    for (uint32_t i = 0; i < n_pending; i++)
        if (i == 0 || distinct[i] != distinct[i - 1])
            w->links[w->n_links++] = (struct wait_link){.job_id = distinct[i], .waiter = w};
    /* link each distinct pending id; if the map cannot grow, undo the links made */
    for (uint32_t i = 0; i < w->n_links; i++) {
        struct wait_link *link = &w->links[i];
        struct wait_link *head = hmap_get(&ws->by_job, link->job_id, NULL, NULL);
        if (head) {
            link->next = head->next;
            head->next = link;
        } else if ((rc = hmap_put(&ws->by_job, link->job_id, link)) < 0) {
            for (uint32_t j = 0; j < i; j++)
                unlink_one(ws, &w->links[j]);
            goto fail;
        }
    }
    memcpy(w->ids, ids, n_ids * sizeof(*ids));
    w->owner = ws;
    memcpy(w->peer, peer, peer_len);
    w->peer_len = (uint8_t)peer_len;
    w->req_id = req_id;
    w->n_ids = n_ids;
    w->remaining = w->n_links;
    uv_timer_init(ws->loop, &w->timer);
    w->timer.data = w;
    loop_timer_start_from_now(&w->timer, on_timeout, timeout_ms);
    ws->count++;
    ws->ids_held += w->n_ids + w->n_links;
    free(distinct);
    return 0;
fail:
    if (w) {
        free(w->ids);
        free(w->links);
        free(w);
    }
    free(distinct);
    return rc;
}

void waiters_job_ended(struct waiters *ws, uint64_t job_id)
{
    struct wait_link *link = hmap_remove(&ws->by_job, job_id, NULL, NULL);

    while (link) {
        struct wait_link *next = link->next; /* another waiter's: still valid below */
        struct waiter *w = link->waiter;
        if (--w->remaining == 0) {
            retire(ws, w, false); /* all its links were removed with their jobs' chains */
            ws->on_ready(ws->arg, 0, w->peer, w->peer_len, w->req_id, w->ids, w->n_ids);
        }
        link = next;
    }
}

void waiters_destroy(struct waiters *ws)
{
    if (!ws)
        return;
    /* every waiter still registered has links in the map; gather them through it */
    size_t pos = 0;
    struct wait_link *link;
    while (ws->count && (link = hmap_next(&ws->by_job, &pos))) {
        for (; link; link = link->next) {
            struct waiter *w = link->waiter;
            if (w->remaining == 0)
                continue;
            w->remaining = 0; /* marks it retired while the map is still walked */
            ws->count--;
            ws->closing++;
            uv_close((uv_handle_t *)&w->timer, on_timer_closed);
        }
    }
    ws->destroyed = true;
    maybe_free_registry(ws);
}
