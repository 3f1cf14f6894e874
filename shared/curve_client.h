/* curve_client.h — CURVE on a client's socket: which keys, when plaintext is allowed, refusals. */
#ifndef COHORT_CURVE_CLIENT_H
#define COHORT_CURVE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "keys.h"

#define CURVE_CLIENT_PATH_MAX 4096 /* bytes of a key file path or a server key, NUL included */

/* What a client was told about keys. An empty string means "not given". */
struct curve_client_settings {
    char key_file[CURVE_CLIENT_PATH_MAX];   /* the client's key file */
    char server_key[CURVE_CLIENT_PATH_MAX]; /* the scheduler's public key, or a file holding it */
    bool insecure;                          /* plaintext allowed to any endpoint */
};

/* The keys a client's sockets use, once loaded. */
struct curve_client_keys {
    bool curve;             /* false: plaintext (allowed for this endpoint) */
    key_text server_key;    /* when curve */
    struct key_pair client; /* when curve */
};

/* Fill what s leaves empty: insecure is set when $COHORT_INSECURE is 1, true or yes;
 * server_key comes from $COHORT_SERVER_KEY, else CONFIG/cohort/server.pub when that file
 * exists and insecure is not set; key_file from $COHORT_KEY_FILE, else CONFIG/cohort/key
 * when that file exists. CONFIG is $XDG_CONFIG_HOME, else ~/.config. A value too long for
 * its field is left out. Never fails. */
void curve_client_defaults(struct curve_client_settings *s);

/* Write CONFIG/cohort/NAME (see curve_client_defaults) into out. Returns 0, or
 * COHORT_EINVAL with one sentence in err when there is no home directory or the path does
 * not fit. */
int curve_client_config_path(char *out, size_t out_len, const char *name, char *err,
                             size_t err_len);

/* Whether endpoint stays on this machine: tcp:// to 127.x.x.x, localhost or [::1], ipc://
 * and inproc://. */
bool curve_endpoint_is_loopback(const char *endpoint);

/* Decide how to talk to endpoint. With a server key (NULL or "" = none) load it and the key
 * pair from key_file: curve is set. Without one, plaintext: allowed only to a loopback
 * endpoint or when insecure. Returns 0, or with one sentence in err: COHORT_EINVAL (bad
 * server key, no key file, unusable key file), COHORT_EPERM (a key file others may read;
 * plaintext not allowed). *keys is filled only on success. */
int curve_client_keys_load(struct curve_client_keys *keys, const char *endpoint,
                           const char *key_file, const char *server_key, bool insecure, char *err,
                           size_t err_len);

/* Set the CURVE options of keys on socket, before it connects (nothing for plaintext).
 * Returns 0, or COHORT_EINTERNAL with one sentence in err when ZeroMQ has no CURVE. */
int curve_client_keys_apply(void *socket, const struct curve_client_keys *keys, char *err,
                            size_t err_len);

/* curve_client_keys_load then curve_client_keys_apply, for a socket about to connect to
 * endpoint. Returns what they return; on failure the socket may be partly set up (close
 * it). */
int curve_client_setup(void *socket, const char *endpoint, const char *key_file,
                       const char *server_key, bool insecure, char *err, size_t err_len);

/* ---- seeing a refused handshake (libzmq reports it only to a socket monitor) ---- */

/* Start watching the handshakes of socket, before it connects: *monitor_out becomes a PAIR
 * socket in context that receives their failures, through the inproc endpoint `name` (unique
 * in the context). Returns 0, or COHORT_EINTERNAL with *monitor_out NULL and nothing
 * changed. */
int curve_client_watch(void **monitor_out, void *context, void *socket, const char *name);

/* Stop watching socket (may be NULL when already closed) and close *monitor, setting it to
 * NULL. A NULL *monitor is a no-op. */
void curve_client_unwatch(void *socket, void **monitor);

/* Read what monitor holds, without waiting. Returns 0 when no handshake failed, else one
 * sentence in err and: COHORT_EPERM, "the scheduler at ENDPOINT refused this key (not
 * enrolled, or revoked)", when its ZAP handler denied the key; COHORT_ECONNECT when the
 * scheduler broke the handshake off without a word, saying that it refused plaintext (curve
 * false) or broke off the CURVE handshake (curve true) — most likely a mismatch of keys or
 * mechanisms, but also what a scheduler dying or restarting mid-handshake looks like, so
 * callers that retry may retry it. */
int curve_client_refusal(void *monitor, const char *endpoint, bool curve, char *err,
                         size_t err_len);

#endif
