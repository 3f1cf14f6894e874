/* workers.c — the worker registry: who is connected, what each one runs, and leases. */
#include "workers.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cohort.h"
#include "hmap.h"
#include "job_fit.h"
#include "log.h"

struct workers {
    struct hmap by_name;              /* every known worker */
    struct hmap by_peer;              /* connected workers by routing id */
    struct hmap attempts;             /* running attempts by job id */
    struct match_pool *pool;          /* workers that may take work now */
    struct match_pool *stage_pool;    /* workers that may be sent a staged job now */
    uint32_t stage_jobs;              /* staged attempts allowed per worker */
    int64_t stage_window_ms;          /* ... on a worker that ended a job this recently */
    uint32_t n_staged, n_taking_back; /* staged attempts in all, and those being taken back */
    uint64_t *held_starts;            /* job ids whose attempt's start is not stored yet */
    size_t n_held_starts, held_starts_cap;
};

struct peer_key {
    const uint8_t *bytes;
    size_t len;
};

static bool name_matches(const void *value, const void *arg)
{
    return strcmp(((const struct worker *)value)->name, arg) == 0;
}

static bool peer_matches(const void *value, const void *arg)
{
    const struct worker *w = value;
    const struct peer_key *key = arg;
    return w->peer_len == key->len && memcmp(w->peer, key->bytes, key->len) == 0;
}

static uint64_t name_hash(const char *name)
{
    return hmap_hash_bytes(name, strlen(name));
}

int workers_create(struct workers **out, size_t max_workers, uint32_t stage_jobs,
                   int64_t stage_window_ms)
{
    struct workers *ws = calloc(1, sizeof(*ws));
    int rc = COHORT_ENOMEM;

    *out = NULL;
    if (!ws)
        return rc;
    hmap_init(&ws->by_name, max_workers);
    hmap_init(&ws->by_peer, max_workers);
    hmap_init(&ws->attempts, SIZE_MAX);
    ws->stage_jobs = stage_jobs;
    ws->stage_window_ms = stage_window_ms;
    if ((rc = match_create(&ws->pool, max_workers)) < 0 ||
        (rc = match_create(&ws->stage_pool, max_workers)) < 0) {
        workers_destroy(ws);
        return rc;
    }
    *out = ws;
    return 0;
}

static void worker_free(struct worker *w)
{
    free(w->name);
    free(w->instance_id);
    free(w->labels);
    worker_acks_free(&w->acks);
    free(w);
}

void workers_destroy(struct workers *ws)
{
    if (!ws)
        return;
    workers_detach_all(ws);
    size_t pos = 0;
    struct worker *w;
    while ((w = hmap_next(&ws->by_name, &pos)))
        worker_free(w);
    hmap_free(&ws->by_name);
    hmap_free(&ws->by_peer);
    hmap_free(&ws->attempts);
    match_destroy(ws->pool);
    match_destroy(ws->stage_pool);
    free(ws->held_starts);
    free(ws);
}

struct worker *workers_by_name(const struct workers *ws, const char *name)
{
    return hmap_get(&ws->by_name, name_hash(name), name_matches, name);
}

struct worker *workers_by_peer(const struct workers *ws, const uint8_t *peer, size_t peer_len)
{
    struct peer_key key = {peer, peer_len};
    return hmap_get(&ws->by_peer, hmap_hash_bytes(peer, peer_len), peer_matches, &key);
}

struct worker *workers_next(const struct workers *ws, size_t *pos)
{
    return hmap_next(&ws->by_name, pos);
}

size_t workers_count(const struct workers *ws)
{
    return ws->by_name.count;
}

struct match_pool *workers_pool(const struct workers *ws)
{
    return ws->pool;
}

struct match_pool *workers_stage_pool(const struct workers *ws)
{
    return ws->stage_pool;
}

uint8_t workers_state(const struct worker *w)
{
    if (!w->connected)
        return COHORT_WORKER_DOWN;
    return w->draining || w->leaving ? COHORT_WORKER_DRAINING : COHORT_WORKER_UP;
}

/* Put slot in pool or take it out, as wanted says, with its room refreshed. */
static void place_slot(struct match_pool *pool, struct match_slot *slot, bool wanted,
                       uint32_t free_cpus, uint64_t free_mem)
{
    bool in_pool = match_contains(pool, slot);

    match_update(pool, slot, free_cpus, free_mem);
    /* the pools are sized for every worker, so inserting cannot fail */
    if (wanted && !in_pool)
        match_insert(pool, slot);
    else if (!wanted && in_pool)
        match_remove(pool, slot);
}

/* Put w in the dispatch and staging pools, or take it out, as its state says; refresh its
 * free room. */
static void update_pool(struct workers *ws, struct worker *w)
{
    bool eligible = w->connected && !w->draining && !w->leaving && !w->suspect;
    uint32_t free_cpus = w->cpus > w->cpus_used ? w->cpus - w->cpus_used : 0;
    uint64_t free_mem = w->mem > w->mem_used ? w->mem - w->mem_used : 0;
    bool may_stage = eligible && w->turning_over && w->n_staged < ws->stage_jobs &&
                     w->run_16ths > 0 && w->run_16ths <= ws->stage_window_ms * 16 / 4;

    place_slot(ws->pool, &w->slot, eligible, free_cpus, free_mem);
    place_slot(ws->stage_pool, &w->stage_slot, may_stage, w->cpus, w->mem);
}

/* Copy labels and their strings into one allocation. */
static struct label *copy_labels(const struct label *labels, uint32_t n)
{
    size_t size = n * sizeof(struct label) + 1;
    for (uint32_t i = 0; i < n; i++)
        size += strlen(labels[i].key) + strlen(labels[i].value) + 2;
    struct label *copy = malloc(size);
    if (!copy)
        return NULL;
    char *next = (char *)(copy + n);
    for (uint32_t i = 0; i < n; i++) {
        copy[i].key = next;
        next = stpcpy(next, labels[i].key) + 1;
        copy[i].value = next;
        next = stpcpy(next, labels[i].value) + 1;
    }
    return copy;
}

int workers_add(struct workers *ws, struct worker **out, const char *name, uint32_t cpus,
                uint64_t mem, const struct label *labels, uint32_t n_labels)
{
    struct worker *w = calloc(1, sizeof(*w));
    int rc = COHORT_ENOMEM;

    *out = NULL;
    if (!w || !(w->name = strdup(name)) || !(w->instance_id = strdup("")) ||
        !(w->labels = copy_labels(labels, n_labels)))
        goto fail;
    w->n_labels = n_labels;
    w->cpus = cpus;
    w->mem = mem;
    w->slot.owner = w->stage_slot.owner = w;
    w->slot.pos = w->stage_slot.pos = SIZE_MAX;
    if ((rc = hmap_put(&ws->by_name, name_hash(name), w)) < 0)
        goto fail;
    *out = w;
    return 0;
fail:
    if (w)
        worker_free(w);
    return rc;
}

int workers_connect(struct workers *ws, struct worker *w, const uint8_t *peer, size_t peer_len,
                    const char *instance_id, uint32_t cpus, uint64_t mem,
                    const struct label *labels, uint32_t n_labels)
{
    char *instance_copy = strdup(instance_id);
    struct label *labels_copy = copy_labels(labels, n_labels);
    int rc = COHORT_ENOMEM;

    if (!instance_copy || !labels_copy || peer_len > WORKER_PEER_MAX)
        goto fail;
    /* a peer that was another worker's (cannot happen with ZeroMQ's ids) loses it */
    struct worker *previous = workers_by_peer(ws, peer, peer_len);
    if (previous && previous != w)
        workers_disconnect(ws, previous);
    if (w->connected)
        workers_disconnect(ws, w);
    memcpy(w->peer, peer, peer_len);
    w->peer_len = peer_len;
    if ((rc = hmap_put(&ws->by_peer, hmap_hash_bytes(peer, peer_len), w)) < 0)
        goto fail;
    free(w->instance_id);
    free(w->labels);
    w->instance_id = instance_copy;
    w->labels = labels_copy;
    w->n_labels = n_labels;
    w->cpus = cpus;
    w->mem = mem;
    w->connected = true;
    w->suspect = false;
    w->leaving = false;
    update_pool(ws, w);
    return 0;
fail:
    if (!w->connected)
        w->peer_len = 0;
    free(instance_copy);
    free(labels_copy);
    return rc;
}

void workers_disconnect(struct workers *ws, struct worker *w)
{
    if (w->connected) {
        struct peer_key key = {w->peer, w->peer_len};
        hmap_remove(&ws->by_peer, hmap_hash_bytes(w->peer, w->peer_len), peer_matches, &key);
    }
    w->connected = false;
    w->suspect = false;
    w->leaving = false;
    w->peer_len = 0;
    update_pool(ws, w);
}

void workers_set_draining(struct workers *ws, struct worker *w, bool draining)
{
    w->draining = draining;
    update_pool(ws, w);
}

void workers_set_leaving(struct workers *ws, struct worker *w)
{
    w->leaving = w->connected;
    update_pool(ws, w);
}

bool workers_same_registration(const struct worker *w, const uint8_t *peer, size_t peer_len,
                               const char *instance_id)
{
    return w->connected && w->peer_len == peer_len && memcmp(w->peer, peer, peer_len) == 0 &&
           strcmp(w->instance_id, instance_id) == 0;
}

void workers_heard(struct workers *ws, struct worker *w, int64_t now_ms, int64_t now_mono)
{
    w->last_seen = now_ms;
    w->last_heard_mono = now_mono;
    if (w->suspect) {
        w->suspect = false;
        log_info("worker %s is heard from again", w->name);
        update_pool(ws, w);
    }
}

/* Whether a staged attempt fits beside w's started ones, by the worker's rule (job_fit.h). */
static bool staged_fits(const struct worker *w, const struct attempt *a)
{
    return job_fits(a->cpus, a->mem, w->n_running == w->n_staged, w->cpus_used, w->mem_used,
                    w->cpus, w->mem);
}

static void stage_append(struct workers *ws, struct attempt *a)
{
    struct worker *w = a->worker;

    a->staged = true;
    a->stage_next = NULL;
    if (w->staged_last)
        w->staged_last->stage_next = a;
    else
        w->staged_first = a;
    w->staged_last = a;
    w->n_staged++;
    ws->n_staged++;
}

static void stage_unlink(struct workers *ws, struct attempt *a)
{
    struct worker *w = a->worker;
    struct attempt *prev = NULL;

    for (struct attempt *at = w->staged_first; at && at != a; at = at->stage_next)
        prev = at;
    if (prev)
        prev->stage_next = a->stage_next;
    else
        w->staged_first = a->stage_next;
    if (w->staged_last == a)
        w->staged_last = prev;
    a->staged = false;
    a->stage_next = NULL;
    w->n_staged--;
    ws->n_staged--;
    if (a->taking_back) {
        a->taking_back = false;
        ws->n_taking_back--;
    }
}

/* The staged attempt a counts as started: it holds its cpus and memory from now on. */
static void start_staged(struct workers *ws, struct attempt *a)
{
    struct worker *w = a->worker;

    stage_unlink(ws, a);
    a->started_mono = clock_mono_ms();
    w->cpus_used += a->cpus;
    w->mem_used += a->mem;
}

/* Start w's staged attempts while the first one fits, as the worker does. */
static void start_fitting(struct workers *ws, struct worker *w)
{
    while (!w->staged_paused && w->staged_first && staged_fits(w, w->staged_first))
        start_staged(ws, w->staged_first);
}

int workers_attach(struct workers *ws, struct attempt **out, struct worker *w, uint64_t job_id,
                   uint32_t number, uint32_t cpus, uint64_t mem, bool staged)
{
    struct attempt *a = calloc(1, sizeof(*a));
    int rc = COHORT_ENOMEM;

    *out = NULL;
    if (!a)
        return rc;
    *a = (struct attempt){.job_id = job_id,
                          .number = number,
                          .cpus = cpus,
                          .mem = mem,
                          .worker = w,
                          .next = w->attempts};
    if ((rc = hmap_put(&ws->attempts, job_id, a)) < 0) {
        free(a);
        return rc;
    }
    if (w->attempts)
        w->attempts->prev = a;
    w->attempts = a;
    w->n_running++;
    if (staged) {
        a->staged_mono = clock_mono_ms();
        stage_append(ws, a);
    } else {
        a->started_mono = clock_mono_ms();
        w->cpus_used += cpus;
        w->mem_used += mem;
    }
    update_pool(ws, w);
    *out = a;
    return 0;
}

void workers_detach(struct workers *ws, struct attempt *a)
{
    struct worker *w = a->worker;

    hmap_remove(&ws->attempts, a->job_id, NULL, NULL);
    if (a->prev)
        a->prev->next = a->next;
    else
        w->attempts = a->next;
    if (a->next)
        a->next->prev = a->prev;
    if (a->staged) {
        stage_unlink(ws, a);
    } else {
        w->cpus_used -= a->cpus;
        w->mem_used -= a->mem;
    }
    w->n_running--;
    start_fitting(ws, w);
    update_pool(ws, w);
    free(a);
}

void workers_note_end(struct workers *ws, const struct attempt *a, int64_t now)
{
    struct worker *w = a->worker;
    int64_t ran_ms = a->staged ? 0 : now - a->started_mono;

    /* a long job counts as one window at most: a few short ones make up for it */
    if (ran_ms > ws->stage_window_ms)
        ran_ms = ws->stage_window_ms;
    /* a moving mean over about the last 8 jobs; at least 1, which stands for "known" */
    int64_t ran = ran_ms * 16, old = w->run_16ths;
    int64_t mean = old ? old + (ran - old) / 8 : ran;
    w->run_16ths = mean > 0 ? mean : 1;
    w->finished_mono = now;
    w->turning_over = true;
    update_pool(ws, w);
}

void workers_pause_staged(struct workers *ws, struct worker *w, bool paused)
{
    w->staged_paused = paused;
    start_fitting(ws, w);
    update_pool(ws, w);
}

void workers_start_staged(struct workers *ws, struct attempt *a)
{
    if (!a->staged)
        return;
    start_staged(ws, a);
    update_pool(ws, a->worker);
}

void workers_restage(struct workers *ws, struct worker *w, const struct job_attempt *list,
                     uint32_t n)
{
    while (w->staged_first)
        start_staged(ws, w->staged_first);
    for (uint32_t i = 0; i < n; i++) {
        struct attempt *a = workers_attempt(ws, list[i].job_id);
        if (!a || a->worker != w || a->number != list[i].attempt || a->staged)
            continue;
        w->cpus_used -= a->cpus;
        w->mem_used -= a->mem;
        a->staged_mono = clock_mono_ms();
        stage_append(ws, a);
    }
    start_fitting(ws, w);
    update_pool(ws, w);
}

uint32_t workers_staged_count(const struct workers *ws)
{
    return ws->n_staged;
}

uint32_t workers_taking_back_count(const struct workers *ws)
{
    return ws->n_taking_back;
}

void workers_set_taking_back(struct workers *ws, struct attempt *a, bool taking_back)
{
    if (!a->staged || a->taking_back == taking_back)
        return;
    a->taking_back = taking_back;
    if (taking_back)
        ws->n_taking_back++;
    else
        ws->n_taking_back--;
}

void workers_detach_all(struct workers *ws)
{
    size_t pos = 0;
    struct worker *w;
    while ((w = hmap_next(&ws->by_name, &pos)))
        while (w->attempts)
            workers_detach(ws, w->attempts);
    ws->n_held_starts = 0;
}

int workers_hold_start(struct workers *ws, struct attempt *a, int64_t started_at)
{
    a->started_at = started_at;
    if (a->start_unsaved)
        return 0;
    if (ws->n_held_starts == ws->held_starts_cap) {
        size_t cap = ws->held_starts_cap ? ws->held_starts_cap * 2 : 256;
        uint64_t *grown = realloc(ws->held_starts, cap * sizeof(*grown));
        if (!grown)
            return COHORT_ENOMEM;
        ws->held_starts = grown;
        ws->held_starts_cap = cap;
    }
    ws->held_starts[ws->n_held_starts++] = a->job_id;
    a->start_unsaved = true;
    return 0;
}

int workers_save_starts(struct workers *ws, int (*save)(void *arg, const struct attempt *a),
                        void *arg)
{
    int rc = 0;

    /* an attempt that ended since is gone (its end stored its start); a job id may come
     * twice when its attempt was replaced, but only a flagged attempt is saved, once */
    for (size_t i = 0; i < ws->n_held_starts; i++) {
        struct attempt *a = hmap_get(&ws->attempts, ws->held_starts[i], NULL, NULL);
        if (a && a->start_unsaved) {
            a->start_unsaved = false;
            if (rc == 0)
                rc = save(arg, a);
        }
    }
    ws->n_held_starts = 0;
    return rc;
}

struct attempt *workers_attempt(const struct workers *ws, uint64_t job_id)
{
    return hmap_get(&ws->attempts, job_id, NULL, NULL);
}

void workers_extend_leases(struct workers *ws, int64_t ms)
{
    size_t pos = 0;
    struct worker *w;
    while ((w = hmap_next(&ws->by_name, &pos)))
        w->last_heard_mono += ms;
}

size_t workers_sweep(struct workers *ws, int64_t now, int64_t suspect_ms, int64_t lease_ms,
                     void (*on_lost)(void *arg, struct worker *w), void *arg)
{
    size_t pos = 0, lost = 0;
    struct worker *w;

    while ((w = hmap_next(&ws->by_name, &pos))) {
        int64_t silence = now - w->last_heard_mono;
        if (w->turning_over && now - w->finished_mono > ws->stage_window_ms) {
            w->turning_over = false;
            update_pool(ws, w);
        }
        if (!w->connected && !w->attempts)
            continue;
        if (silence > lease_ms) {
            on_lost(arg, w);
            lost++;
        } else if (w->connected && !w->suspect && silence > suspect_ms) {
            log_warn("worker %s is silent for %lld ms: no new jobs for it", w->name,
                     (long long)silence);
            w->suspect = true;
            update_pool(ws, w);
        }
    }
    return lost;
}
