/* server_key.h — the scheduler's own CURVE key pair: STATE_DIR/server.key and server.pub. */
#ifndef COHORT_SCHED_SERVER_KEY_H
#define COHORT_SCHED_SERVER_KEY_H

#include <stddef.h>

#include "keys.h"

/*
 * Load STATE_DIR/server.key, or create it (mode 0600) when it does not exist yet, then
 * (re)write STATE_DIR/server.pub (mode 0644: one line, the public key) for clients and
 * workers. state_dir must exist. Returns 0 with *pair filled, or a negative COHORT_E* code
 * with one sentence in err (a key file others may read is refused).
 */
int server_key_load_or_create(struct key_pair *pair, const char *state_dir, char *err,
                              size_t err_len);

#endif
