/* sched_int.h — the scheduler object as its subsystems share it, and their entry points. */
#ifndef COHORT_SCHED_SCHED_INT_H
#define COHORT_SCHED_SCHED_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "identity.h"
#include "list_budget.h"
#include "list_defer.h"
#include "log.h"
#include "outbox.h"
#include "proto.h"
#include "queue.h"
#include "scheduler.h"
#include "stats.h"
#include "store.h"
#include "user_pending.h"
#include "waiters.h"
#include "workers.h"

#define SCHED_MAX_WORKERS 100000u       /* known workers, down ones included */
#define SCHED_MAX_WAITERS 10000u        /* blocked WAIT requests */
#define SCHED_MAX_WAIT_IDS 2000000u     /* job ids those may name in all */
#define SCHED_MAX_OUTBOX_ITEMS 1000000u /* messages held for one commit */
#define SCHED_MAX_OUTBOX_BYTES (512u << 20)
#define SCHED_DISPATCH_BUDGET 4096u /* jobs placed per turn; more on the next turn */
#define SCHED_SUSPECT_BEATS 3       /* missed heartbeats before a worker is suspect */

struct sched {
    struct sched_config config;
    uv_loop_t loop;
    void *zmq_context;
    void *router;        /* the one ROUTER socket for workers and clients */
    struct zsock *zsock; /* router joined to the loop */
    struct zap *zap;     /* the ZAP handler's thread; NULL when insecure */
    struct store *store;
    struct queue *queue;               /* pending jobs */
    struct user_pending *user_pending; /* how many of them each user has */
    struct workers *workers;           /* workers and the attempts they run */
    struct waiters *waiters;           /* blocked WAIT requests */
    struct outbox *outbox;             /* messages waiting for the commit */
    struct held_acks held_acks;        /* results' acknowledgements waiting for a RUN */
    struct backup *backup;             /* the BACKUP being written; NULL when none */
    struct job_stats stats;
    struct list_budget list_budget; /* rows JOBS listings may read while jobs run */
    struct list_defer list_defer;   /* listings waiting for that budget */
    uv_timer_t list_timer;          /* answers them once it has refilled */
    uv_timer_t lease_timer;         /* every heartbeat: suspicion and lease expiry */
    uv_timer_t kick_timer;          /* one more turn soon, when work is left over */
    uv_signal_t sigterm, sigint;
    int64_t started_mono;           /* when the scheduler started (leases of pre-restart jobs) */
    int64_t last_sweep_mono;        /* when leases were last checked */
    int64_t staged_scanned_mono;    /* when staged jobs were last checked for their wait */
    bool dispatch_wanted;           /* something changed that may let pending jobs start */
    bool queue_sifted;              /* the last dispatch pass placed every job that fit */
    bool reload_wanted;             /* memory and database disagree: reload after the commit */
    int64_t reload_failed_at;       /* monotonic ms of the last failed reload; 0 when loaded */
    int64_t store_retry_mono;       /* after a failed turn: no dispatch or reload before this */
    struct log_limit malformed_log; /* saying that malformed messages were dropped */
    struct log_limit identity_log;  /* saying that messages of unreadable senders were dropped */
    struct log_limit refused_log;   /* saying that workers were refused */
    struct identity caller;         /* who sent the message being handled */
    bool handles_started;           /* the timers and signal handles above are open */
    bool stopping;                  /* a signal asked us to stop */
};

/* ---- sched.c: turns; send.c: sending; reload.c: state from the database ---- */

/* End a turn: dispatch if wanted, commit, then send what waited for the commit (or answer
 * clients with COHORT_EIO and reload state when the commit failed). */
void sched_end_turn(struct sched *s);

/* Queue a reply for after the commit. reply->request and reply->req_id must be set. A reply
 * too large to send becomes a COHORT_ETOOBIG error; when the outbox is full, an error is
 * sent at once. */
void sched_reply(struct sched *s, const uint8_t *peer, size_t peer_len, struct msg_reply *reply);

/* Queue an error reply: status (negative COHORT_E*) and a printf-style sentence. */
void sched_reply_error(struct sched *s, const uint8_t *peer, size_t peer_len, uint64_t req_id,
                       uint8_t request, int status, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* The same with a va_list. */
void sched_reply_verror(struct sched *s, const uint8_t *peer, size_t peer_len, uint64_t req_id,
                        uint8_t request, int status, const char *fmt, va_list ap)
    __attribute__((format(printf, 7, 0)));

/* Queue a message to a connected worker for after the commit. kind OUTBOX_RUN also needs
 * job_id and attempt. Returns 0 or a negative code (the message was not queued). */
int sched_send_worker(struct sched *s, const struct worker *w, const struct msg *m,
                      enum outbox_kind kind, uint64_t job_id, uint32_t attempt);

/* Send a message that does not depend on the transaction at once (REREGISTER). */
void sched_send_now(struct sched *s, const uint8_t *peer, size_t peer_len, const struct msg *m);

/* An error reply sent at once, for when it cannot wait in the outbox. */
void sched_send_error_now(struct sched *s, const uint8_t *peer, size_t peer_len, uint64_t req_id,
                          uint8_t request, int status, const char *error);

/* outbox_drain callbacks: after a successful commit send what waited (a RUN that cannot be
 * sent gives its job back); after a failed one send only what stands alone, and tell the
 * clients that nothing of their request was stored. */
void sched_send_committed(void *arg, struct outbox_item *item);
void sched_send_failed(void *arg, struct outbox_item *item);

/* Rebuild pending queue, running attempts, drain flags and counts from the database. */
int sched_reload(struct sched *s);

/* ---- staging.c ---- */

/* After a dispatch pass: take staged jobs back (TAKE_BACK) from workers that take no new work,
 * when they waited too long, or one at a time when a slot is free that the queue could not
 * fill. The worker gives a job back only if it has not started it. */
void staging_take_back(struct sched *s);

/* ---- lifecycle.c: job state changes (each keeps memory, counts and waiters in step) ---- */

/* dispatch_place_fn: start a job on the slot's worker (RUN queued for after the commit). */
int lifecycle_place(void *arg, uint64_t job_id, const struct job_shape *shape,
                    struct match_slot *slot, bool staged);

/* Store the result of a job's current attempt a, then release a. */
int lifecycle_finish(struct sched *s, struct attempt *a, const struct msg_job_result *result);

/* Attempt a is lost (its worker is gone or fenced it, or the RUN could not be sent): back
 * to pending, or failed when charge is set and the job's charged losses exceed its retries;
 * cause completes "worker X ...". Without charge (not the job's fault: a clean shutdown, an
 * unsendable RUN, a fenced attempt, a staged attempt) the loss costs no retry. Its output is
 * never stored.
 * Releases a. */
int lifecycle_requeue(struct sched *s, struct attempt *a, const char *cause, bool charge);

/* Cancel one job; *code is 0, COHORT_ENOENT or COHORT_ESTATE. Returns 0 or COHORT_EIO. */
int lifecycle_cancel(struct sched *s, uint64_t job_id, int32_t *code);

/* ---- worker_api.c ---- */

/* The worker is gone (lease over): disconnect it and requeue its attempts, charging their
 * retries. */
void worker_lost(struct sched *s, struct worker *w, const char *cause);

/* Refuse to register worker name for the key that sent the message being handled (why:
 * one sentence): logged as a warning naming the key, at most once per
 * LOG_REPEAT_INTERVAL_MS for all refusals. Nothing else is done: the peer stays unknown. */
void worker_refuse(struct sched *s, const char *name, const char *why);

/* Handlers of worker messages; w is the sender (NULL only for REGISTER). */
void worker_on_register(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                        const struct msg *m);
void worker_on_heartbeat(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                         const struct msg *m);
void worker_on_started(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                       const struct msg *m);
void worker_on_result(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                      const struct msg *m);
void worker_on_goodbye(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                       const struct msg *m);
void worker_on_leaving(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                       const struct msg *m);

/* ---- client_*.c: handlers of client requests (w is always NULL) ---- */

void client_on_submit(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                      const struct msg *m);
void client_on_jobs(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                    const struct msg *m);
void client_on_show(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                    const struct msg *m);
void client_on_logs(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                    const struct msg *m);
void client_on_cancel(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                      const struct msg *m);
void client_on_wait(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                    const struct msg *m);
void client_on_workers(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                       const struct msg *m);
void client_on_status(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                      const struct msg *m);
void client_on_drain(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                     const struct msg *m);

/* ---- backup.c: the BACKUP request (w is always NULL) ---- */

void client_on_backup(struct sched *s, const uint8_t *peer, size_t peer_len, struct worker *w,
                      const struct msg *m);

/* A frame that did not decode (status: msg_decode's code; why: its reason): a client
 * request whose type and req_id can still be read is answered with COHORT_EPROTO and why. */
void client_on_malformed(struct sched *s, const uint8_t *peer, size_t peer_len,
                         const uint8_t *frame, size_t len, int status, const char *why);

/* Answer the held JOBS listings while the row budget lasts; the list timer calls it again
 * when it has refilled. */
void client_serve_held_listings(struct sched *s);

/* waiters_ready_fn: answer a WAIT whose jobs all ended, or that timed out. */
void client_wait_ready(void *arg, int status, const uint8_t *peer, size_t peer_len, uint64_t req_id,
                       const uint64_t *ids, uint32_t n_ids);

#endif
