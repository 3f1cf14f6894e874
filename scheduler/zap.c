/* zap.c — the ZAP handler: a thread admitting only CURVE keys listed in STATE_DIR/keys. */
#include "zap.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "allowlist.h"
#include "clock.h"
#include "cohort.h"
#include "log.h"

#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93 /* a draft option in zmq.h; libzmq 4.3 accepts it */
#endif

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_FRAMES 7      /* version, request id, domain, address, routing id, mechanism, key */
#define ZAP_FRAME_MAX 256 /* bytes kept of one request frame */
#define BAD_LINES_SHOWN 3 /* malformed lines quoted per reload */
#define BAD_LINE_TEXT 320

struct zap {
    void *socket; /* REP on ZAP_ENDPOINT; used only by the thread once it runs */
    pthread_t thread;
    bool thread_started;
    char keys_path[PATH_MAX];
    char enroll_hint[PATH_MAX + 96];
    struct allowlist *allowlist;
    unsigned bad_lines;                             /* in the load being read */
    char bad_shown[BAD_LINES_SHOWN][BAD_LINE_TEXT]; /* the first of them, as log lines */
    struct log_limit bad_line_log;                  /* malformed lines, across reloads */
    struct log_limit refused_log;                   /* refused connections */
    struct log_limit read_error_log;                /* a keys file that cannot be read */
};

/* One ZAP request's frames (each NUL-terminated after its bytes). */
struct zap_request {
    char frame[ZAP_FRAMES][ZAP_FRAME_MAX + 1];
    size_t len[ZAP_FRAMES];
    int count; /* frames received, at most ZAP_FRAMES kept */
};

static void on_bad_line(void *arg, const char *path, unsigned line, const char *why)
{
    struct zap *z = arg;

    if (z->bad_lines < BAD_LINES_SHOWN)
        snprintf(z->bad_shown[z->bad_lines], BAD_LINE_TEXT, "%s:%u: %s; the line is skipped", path,
                 line, why);
    z->bad_lines++;
}

/* Look at the keys file, re-read it when it changed, and say what changed. */
static void refresh_keys(struct zap *z, bool starting)
{
    bool existed = allowlist_file_exists(z->allowlist);
    char err[512];
    uint64_t count;

    z->bad_lines = 0;
    int rc = allowlist_refresh(z->allowlist, err, sizeof err);
    if (rc < 0) {
        if (log_limit_due(&z->read_error_log, clock_mono_ms(), LOG_REPEAT_INTERVAL_MS, &count))
            log_warn("%s; nobody is admitted until it is fixed", err);
        if (!starting)
            return;
    } else if (rc == 0 && !starting) {
        return;
    }
    if (z->bad_lines &&
        log_limit_due(&z->bad_line_log, clock_mono_ms(), LOG_REPEAT_INTERVAL_MS, &count)) {
        for (unsigned i = 0; i < z->bad_lines && i < BAD_LINES_SHOWN; i++)
            log_warn("%s", z->bad_shown[i]);
        if (z->bad_lines > BAD_LINES_SHOWN)
            log_warn("%s: %u more malformed lines skipped", z->keys_path,
                     z->bad_lines - BAD_LINES_SHOWN);
    }
    if (starting)
        log_info("CURVE on; %zu keys allowed (%s)", allowlist_count(z->allowlist), z->keys_path);
    else if (allowlist_file_exists(z->allowlist))
        log_info("%s changed: %zu keys allowed", z->keys_path, allowlist_count(z->allowlist));
    if (!allowlist_file_exists(z->allowlist) && (starting || existed))
        log_warn("%s does not exist, so nobody is admitted; %s", z->keys_path, z->enroll_hint);
}

/* Receive one request. Returns 0, or -1 when the context is shutting down (or the socket
 * failed for good). */
static int receive_request(void *socket, struct zap_request *req)
{
    int more = 1;
    size_t more_len = sizeof more;

    req->count = 0;
    while (more) {
        zmq_msg_t frame;
        zmq_msg_init(&frame);
        if (zmq_msg_recv(&frame, socket, 0) < 0) {
            zmq_msg_close(&frame);
            if (zmq_errno() == EINTR)
                continue;
            return -1;
        }
        if (req->count < ZAP_FRAMES) {
            size_t len = zmq_msg_size(&frame);
            len = len > ZAP_FRAME_MAX ? ZAP_FRAME_MAX : len;
            memcpy(req->frame[req->count], zmq_msg_data(&frame), len);
            req->frame[req->count][len] = '\0';
            req->len[req->count++] = len;
        }
        zmq_msg_close(&frame);
        if (zmq_getsockopt(socket, ZMQ_RCVMORE, &more, &more_len) < 0)
            return -1;
    }
    return 0;
}

static void send_reply(void *socket, const struct zap_request *req, const char *status_code,
                       const char *status_text, const char *user_id)
{
    const char *request_id = req->count > 1 ? req->frame[1] : "";
    size_t request_id_len = req->count > 1 ? req->len[1] : 0;

    zmq_send(socket, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(socket, request_id, request_id_len, ZMQ_SNDMORE);
    zmq_send(socket, status_code, strlen(status_code), ZMQ_SNDMORE);
    zmq_send(socket, status_text, strlen(status_text), ZMQ_SNDMORE);
    zmq_send(socket, user_id, strlen(user_id), ZMQ_SNDMORE);
    zmq_send(socket, "", 0, 0); /* no metadata */
}

static bool frame_is(const struct zap_request *req, int index, const char *text)
{
    return req->count > index && req->len[index] == strlen(text) &&
           memcmp(req->frame[index], text, req->len[index]) == 0;
}

/* Answer one request: 200 with "ROLE:NAME" for a listed CURVE key, else 400. */
static void answer(struct zap *z, const struct zap_request *req)
{
    const char *address = req->count > 3 ? req->frame[3] : "?";
    char key[KEY_Z85_LEN + 1] = "", user_id[16 + ALLOWLIST_NAME_MAX];
    const struct allow_entry *entry = NULL;
    uint64_t count;

    if (!frame_is(req, 0, "1.0") || req->count != ZAP_FRAMES || !frame_is(req, 2, ZAP_DOMAIN) ||
        !frame_is(req, 5, "CURVE") || req->len[6] != 32) {
        log_debug("refused a connection from %s: not a CURVE client of domain %s", address,
                  ZAP_DOMAIN);
        send_reply(z->socket, req, "400", "only enrolled CURVE keys are admitted", "");
        return;
    }
    zmq_z85_encode(key, (const uint8_t *)req->frame[6], 32);
    refresh_keys(z, false);
    if (!(entry = allowlist_find(z->allowlist, key))) {
        if (log_limit_due(&z->refused_log, clock_mono_ms(), LOG_REPEAT_INTERVAL_MS, &count))
            log_warn("refused %llu connection(s) of keys not enrolled, the last from %s with "
                     "key %s",
                     (unsigned long long)count, address, key);
        send_reply(z->socket, req, "400", "key not enrolled", "");
        return;
    }
    snprintf(user_id, sizeof user_id, "%s:%s", entry->role, entry->name);
    log_debug("admitted a connection from %s as %s (key %s)", address, user_id, key);
    send_reply(z->socket, req, "200", "OK", user_id);
}

static void *zap_thread(void *arg)
{
    struct zap *z = arg;
    struct zap_request *req = malloc(sizeof *req);

    while (req && receive_request(z->socket, req) == 0)
        answer(z, req);
    if (!req)
        log_error("the ZAP handler is out of memory: no client can connect");
    free(req);
    zmq_close(z->socket);
    z->socket = NULL;
    return NULL;
}

int zap_start(struct zap **out, void *zmq_context, const char *state_dir, char *err, size_t err_len)
{
    struct zap *z = calloc(1, sizeof *z);
    int linger = 0, rc = COHORT_ENOMEM;

    *out = NULL;
    snprintf(err, err_len, "out of memory");
    if (!z)
        return rc;
    snprintf(z->keys_path, sizeof z->keys_path, "%s/keys", state_dir);
    snprintf(z->enroll_hint, sizeof z->enroll_hint,
             "enroll a key with: cohort-scheduler --state-dir %s enroll --role user --name NAME "
             "KEY",
             state_dir);
    if (allowlist_create(&z->allowlist, z->keys_path, on_bad_line, z) < 0)
        goto fail;
    rc = COHORT_EINTERNAL;
    if (!(z->socket = zmq_socket(zmq_context, ZMQ_REP)) ||
        zmq_setsockopt(z->socket, ZMQ_LINGER, &linger, sizeof linger) < 0 ||
        zmq_bind(z->socket, ZAP_ENDPOINT) < 0) {
        snprintf(err, err_len, "cannot start the ZAP handler: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    refresh_keys(z, true);
    if ((rc = pthread_create(&z->thread, NULL, zap_thread, z)) != 0) {
        snprintf(err, err_len, "cannot start the ZAP thread: %s", strerror(rc));
        rc = COHORT_EINTERNAL;
        goto fail;
    }
    z->thread_started = true;
    *out = z;
    return 0;
fail:
    zap_stop(z);
    return rc;
}

int zap_secure_socket(void *socket, const char *secret_key, char *err, size_t err_len)
{
    int one = 1;

    if (zmq_setsockopt(socket, ZMQ_CURVE_SERVER, &one, sizeof one) < 0 ||
        zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, secret_key, KEY_Z85_LEN) < 0 ||
        zmq_setsockopt(socket, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN, strlen(ZAP_DOMAIN)) < 0 ||
        zmq_setsockopt(socket, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof one) < 0) {
        snprintf(err, err_len, "cannot turn CURVE on: %s", zmq_strerror(zmq_errno()));
        return COHORT_EINTERNAL;
    }
    return 0;
}

void zap_stop(struct zap *z)
{
    if (!z)
        return;
    int saved_errno = errno;
    if (z->thread_started)
        pthread_join(z->thread, NULL);
    else if (z->socket)
        zmq_close(z->socket);
    allowlist_destroy(z->allowlist);
    free(z);
    errno = saved_errno;
}
