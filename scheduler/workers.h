/* workers.h — the worker registry: who is connected, what each one runs, and leases. */
#ifndef COHORT_SCHED_WORKERS_H
#define COHORT_SCHED_WORKERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acks.h"
#include "log.h"
#include "match.h"
#include "proto.h"

#define WORKER_PEER_MAX 255 /* a ZeroMQ routing id is at most this long */

struct attempt;

/* One worker, known by name; connected while it has a live registration. */
struct worker {
    char *name;                    /* owned */
    char *instance_id;             /* owned; "" until it registers */
    uint8_t peer[WORKER_PEER_MAX]; /* routing id of its connection, while connected */
    size_t peer_len;
    bool connected; /* registered and not lost since */
    bool draining;  /* an operator stopped dispatch to it (persisted) */
    bool leaving;   /* this registration is shutting down: no new work (memory only) */
    bool suspect;   /* silent for several heartbeats: no new work */
    uint32_t cpus;
    uint64_t mem;
    struct label *labels; /* owned, with their strings, in one allocation */
    uint32_t n_labels;
    int64_t last_seen;       /* wall-clock ms of its last message */
    int64_t last_heard_mono; /* monotonic ms of its last message, for leases */
    uint32_t cpus_used;      /* reserved by the started attempts below */
    uint64_t mem_used;
    uint32_t n_running;       /* attempts, staged ones included */
    struct attempt *attempts; /* attempts holding resources here, or staged here */
    struct attempt *staged_first, *staged_last; /* staged attempts, in the order they start */
    uint32_t n_staged;
    int64_t finished_mono;        /* monotonic ms of the last result that ended a job here */
    int64_t run_16ths;            /* mean ms its recent jobs ran, x16 (0 = none yet) */
    bool turning_over;            /* ended a job within the stage window */
    bool restage_wanted;          /* staged jobs before a reload: to learn them again */
    bool staged_paused;           /* its attempts are being requeued: none starts meanwhile */
    struct match_slot slot;       /* its place in the dispatch pool */
    struct match_slot stage_slot; /* its place in the staging pool */
    struct log_limit gone_log;    /* "requeueing its jobs", which a failing store repeats */
    bool acks_in_run;             /* this registration takes acknowledgements within a RUN */
    struct worker_acks acks;      /* its stored results' acknowledgements, held (acks.h) */
};

/* A job's current attempt, holding cpus and memory on its worker until its result is
 * stored or the worker is lost. */
struct attempt {
    uint64_t job_id;
    uint32_t number; /* the attempt number, 1 for the first run */
    uint32_t cpus;
    uint64_t mem;
    bool cancelled;       /* the user cancelled the job while this ran */
    bool staged;          /* sent to a worker whose cpus were taken; holds none until it starts */
    bool taking_back;     /* a TAKE_BACK asks the worker to give it back */
    int64_t staged_mono;  /* monotonic ms it was staged */
    int64_t started_mono; /* monotonic ms it took its cpus (sent, or started from staged) */
    struct attempt *stage_next; /* in worker->staged_first, while staged */
    bool start_unsaved;         /* started_at is not written to the database yet */
    int64_t started_at;         /* wall-clock ms its worker said it started; 0 until then */
    struct worker *worker;
    struct attempt *prev, *next; /* in worker->attempts */
};

struct workers;

/*
 * Staging. A worker whose cpus are all taken may be sent up to stage_jobs more jobs, which
 * it starts the moment its cpus free, first in first out, instead of a round trip later.
 * Only a worker that is turning short jobs over is sent any, so that none waits behind long
 * ones: a job ended there within the stage window, and its recent jobs ran for a quarter
 * of the window or less on average. The worker's FIFO is mirrored here: when an attempt
 * ends, the staged attempts that then fit are counted as started, as the worker starts
 * them. A staged job is shown as pending; staging.c takes it back when it should start
 * elsewhere.
 */

/* Create an empty registry for at most max_workers workers and as many attempts as jobs
 * may run, staging at most stage_jobs per worker (0: none) on workers that ended a job
 * within stage_window_ms. Returns 0 or COHORT_ENOMEM. */
int workers_create(struct workers **out, size_t max_workers, uint32_t stage_jobs,
                   int64_t stage_window_ms);

/* Free every worker and attempt. NULL is a no-op. */
void workers_destroy(struct workers *ws);

/* Look a worker up; NULL when unknown. */
struct worker *workers_by_name(const struct workers *ws, const char *name);
struct worker *workers_by_peer(const struct workers *ws, const uint8_t *peer, size_t peer_len);

/* Walk all workers: start with *pos = 0; NULL at the end. The registry may change only
 * through workers_disconnect and workers_detach during the walk. */
struct worker *workers_next(const struct workers *ws, size_t *pos);

/* Number of known workers (down ones included). */
size_t workers_count(const struct workers *ws);

/* Add a worker that is not connected (yet), with what is known of it (labels are copied;
 * NULL when n_labels is 0). Returns 0, COHORT_ETOOBIG when the registry is full, or
 * COHORT_ENOMEM. */
int workers_add(struct workers *ws, struct worker **out, const char *name, uint32_t cpus,
                uint64_t mem, const struct label *labels, uint32_t n_labels);

/* Connect w through peer with what it announced; it becomes eligible for work unless
 * draining (a new registration is not leaving). Returns 0 or COHORT_ENOMEM (w is then unchanged, or
 * disconnected). */
int workers_connect(struct workers *ws, struct worker *w, const uint8_t *peer, size_t peer_len,
                    const char *instance_id, uint32_t cpus, uint64_t mem,
                    const struct label *labels, uint32_t n_labels);

/* The worker is gone: no connection, no new work. Its attempts stay until detached. */
void workers_disconnect(struct workers *ws, struct worker *w);

/* An operator's drain or resume. */
void workers_set_draining(struct workers *ws, struct worker *w, bool draining);

/* The connected worker w said it is shutting down: no new work until it registers again.
 * Not persisted, and not an operator's drain. */
void workers_set_leaving(struct workers *ws, struct worker *w);

/* Whether w is connected under the same instance and peer already, so that a REGISTER from
 * it repeats the registration it has (sent again before the WELCOME arrived). */
bool workers_same_registration(const struct worker *w, const uint8_t *peer, size_t peer_len,
                               const char *instance_id);

/* A message came from w: refresh its times and clear suspicion. */
void workers_heard(struct workers *ws, struct worker *w, int64_t now_ms, int64_t now_mono);

/* cohort_worker_state_t of w: down, draining (by an operator, or shutting down) or up. */
uint8_t workers_state(const struct worker *w);

/* Start an attempt on w, reserving its cpus and memory, or stage it there (staged: it
 * reserves nothing until it starts). Returns 0, COHORT_ETOOBIG or COHORT_ENOMEM; the job
 * must not have an attempt already. */
int workers_attach(struct workers *ws, struct attempt **out, struct worker *w, uint64_t job_id,
                   uint32_t number, uint32_t cpus, uint64_t mem, bool staged);

/* End an attempt: free it and release its resources; staged attempts of its worker that
 * fit now start. */
void workers_detach(struct workers *ws, struct attempt *a);

/* The started attempt a ended by its result at monotonic time now (before it is detached):
 * its worker is turning jobs over, and how long a ran counts in its mean. */
void workers_note_end(struct workers *ws, const struct attempt *a, int64_t now);

/* While paused, no staged attempt of w counts as started when another ends: the scheduler
 * is taking w's attempts back, and a staged one that never started must not be charged as
 * a lost run. Resuming starts those that fit. */
void workers_pause_staged(struct workers *ws, struct worker *w, bool paused);

/* The worker says the staged attempt a started (it runs, whatever the mirror thought). */
void workers_start_staged(struct workers *ws, struct attempt *a);

/* Make w's staged attempts exactly list (n of them, in this order; entries that are not
 * w's attempts are skipped), as its registration says; the others count as started. */
void workers_restage(struct workers *ws, struct worker *w, const struct job_attempt *list,
                     uint32_t n);

/* Staged attempts in all, and those of them being taken back. */
uint32_t workers_staged_count(const struct workers *ws);
uint32_t workers_taking_back_count(const struct workers *ws);

/* Mark a staged attempt as being taken back (or not). */
void workers_set_taking_back(struct workers *ws, struct attempt *a, bool taking_back);

/* Detach every attempt (before reloading them from the database). */
void workers_detach_all(struct workers *ws);

/* The worker says attempt a started at started_at (wall-clock ms): kept in a, and held for
 * workers_save_starts, so that an attempt that also ends in this turn costs no write.
 * Returns 0, or COHORT_ENOMEM when it cannot be held (the caller writes it itself). */
int workers_hold_start(struct workers *ws, struct attempt *a, int64_t started_at);

/* Hand every attempt whose start is held and that still runs to save (none after its
 * first negative return, which is returned), then forget them all. */
int workers_save_starts(struct workers *ws, int (*save)(void *arg, const struct attempt *a),
                        void *arg);

/* The current attempt of a job, or NULL when it runs nowhere. */
struct attempt *workers_attempt(const struct workers *ws, uint64_t job_id);

/* The dispatch pool: slots of the workers that can take work now. */
struct match_pool *workers_pool(const struct workers *ws);

/* The staging pool: slots (worker->stage_slot) of the workers that may be sent a staged job,
 * each with the worker's whole cpus and memory as its room. */
struct match_pool *workers_stage_pool(const struct workers *ws);

/* Add ms to every worker's lease: the scheduler itself did not listen for that long (a
 * long turn, or start-up), so that time is nobody's silence. */
void workers_extend_leases(struct workers *ws, int64_t ms);

/*
 * Apply leases at monotonic time now: a connected worker silent for more than suspect_ms
 * gets no new work; any worker silent for more than lease_ms that is connected or still
 * holds attempts is passed to on_lost (which must disconnect it and detach its attempts).
 * Returns the number of workers lost.
 */
size_t workers_sweep(struct workers *ws, int64_t now, int64_t suspect_ms, int64_t lease_ms,
                     void (*on_lost)(void *arg, struct worker *w), void *arg);

#endif
