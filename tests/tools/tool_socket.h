/* tool_socket.h — test tools: a DEALER connected to the scheduler, with the keys libcohort would use. */
#ifndef COHORT_TOOL_SOCKET_H
#define COHORT_TOOL_SOCKET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <zmq.h>

#include "curve_client.h"

/* Open a DEALER in context, set its linger and send timeout (ms) and its largest message,
 * apply the keys named by $COHORT_SERVER_KEY / $COHORT_KEY_FILE / $COHORT_INSECURE (or the
 * default key files; read once per process) and connect it to endpoint. Returns the socket,
 * or NULL after printing why, prefixed with the tool's name. */
static inline void *tool_dealer_open(void *context, const char *endpoint, int linger_ms,
                                     int send_timeout_ms, int64_t max_message, const char *tool)
{
    static struct curve_client_keys keys;
    static bool keys_loaded;
    struct curve_client_settings settings = {0};
    char err[512];
    void *socket = zmq_socket(context, ZMQ_DEALER);

    if (!socket || zmq_setsockopt(socket, ZMQ_LINGER, &linger_ms, sizeof linger_ms) < 0 ||
        zmq_setsockopt(socket, ZMQ_SNDTIMEO, &send_timeout_ms, sizeof send_timeout_ms) < 0 ||
        zmq_setsockopt(socket, ZMQ_MAXMSGSIZE, &max_message, sizeof max_message) < 0) {
        snprintf(err, sizeof err, "cannot set up a socket: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    if (!keys_loaded) {
        curve_client_defaults(&settings);
        if (curve_client_keys_load(&keys, endpoint, settings.key_file, settings.server_key,
                                   settings.insecure, err, sizeof err) < 0)
            goto fail;
        keys_loaded = true;
    }
    if (curve_client_keys_apply(socket, &keys, err, sizeof err) < 0)
        goto fail;
    if (zmq_connect(socket, endpoint) < 0) {
        snprintf(err, sizeof err, "%s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    return socket;
fail:
    fprintf(stderr, "%s: %s: %s\n", tool, endpoint, err);
    if (socket)
        zmq_close(socket);
    return NULL;
}

#endif
