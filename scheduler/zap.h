/* zap.h — the ZAP handler: admits only CURVE clients whose key is in STATE_DIR/keys. */
#ifndef COHORT_SCHED_ZAP_H
#define COHORT_SCHED_ZAP_H

#include <stddef.h>

#define ZAP_DOMAIN "cohort" /* the ZMQ_ZAP_DOMAIN of the scheduler's socket */

struct zap;

/*
 * Bind the ZAP endpoint (inproc://zeromq.zap.01) in zmq_context, load STATE_DIR/keys and
 * start the thread that answers ZAP requests: a CURVE client in domain ZAP_DOMAIN whose key
 * is listed gets 200 with User-Id "ROLE:NAME"; anything else gets 400. The file is looked
 * at on every request and re-read when it changed. Call it before any socket of the context
 * binds with a ZAP domain. Logs "CURVE on; N keys allowed (PATH)". state_dir is copied.
 * Returns 0, or a negative COHORT_E* code with *out NULL and one sentence in err.
 */
int zap_start(struct zap **out, void *zmq_context, const char *state_dir, char *err,
              size_t err_len);

/* Make socket (not yet bound) a CURVE server with secret_key (Z85) whose peers the ZAP
 * handler checks, in domain ZAP_DOMAIN, enforced: without a handler nobody gets in. Returns
 * 0, or COHORT_EINTERNAL with one sentence in err. */
int zap_secure_socket(void *socket, const char *secret_key, char *err, size_t err_len);

/* Wait for the thread to end and free it. The context must have been terminated or shut
 * down first (zmq_ctx_term, zmq_ctx_shutdown), which ends the thread's receive. NULL is a
 * no-op. */
void zap_stop(struct zap *z);

#endif
