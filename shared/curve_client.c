/* curve_client.c — CURVE on a client's socket: which keys, when plaintext is allowed, refusals. */
#include "curve_client.h"

#include <arpa/inet.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zmq.h>

#include "cohort.h"
#include "parse.h"

/* Copy value into a settings field when it fits, so that a cut path is never used. */
static void field_set(char *field, const char *value)
{
    if (strlen(value) < CURVE_CLIENT_PATH_MAX)
        memcpy(field, value, strlen(value) + 1);
}

/* Fill an empty field from the environment variable, else from CONFIG/cohort/default_name
 * when that file exists (default_name NULL: no default file). */
static void field_default(char *field, const char *variable, const char *default_name)
{
    const char *value = getenv(variable);
    char path[CURVE_CLIENT_PATH_MAX], ignored[8];

    if (field[0])
        return;
    if (value && value[0])
        field_set(field, value);
    else if (default_name &&
             curve_client_config_path(path, sizeof path, default_name, ignored, sizeof ignored) ==
                 0 &&
             access(path, F_OK) == 0)
        field_set(field, path);
}

void curve_client_defaults(struct curve_client_settings *s)
{
    const char *insecure = getenv("COHORT_INSECURE");
    bool asked = false;

    if (insecure && parse_switch(&asked, insecure) == 0 && asked)
        s->insecure = true;
    /* asking for plaintext overrides a default server key, never one given outright */
    field_default(s->server_key, "COHORT_SERVER_KEY", s->insecure ? NULL : "server.pub");
    field_default(s->key_file, "COHORT_KEY_FILE", "key");
}

int curve_client_config_path(char *out, size_t out_len, const char *name, char *err, size_t err_len)
{
    const char *config_home = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    struct passwd *account;
    int len;

    if (config_home && config_home[0] == '/') {
        len = snprintf(out, out_len, "%s/cohort/%s", config_home, name);
    } else {
        if ((!home || home[0] != '/') && (account = getpwuid(geteuid())))
            home = account->pw_dir;
        if (!home || home[0] != '/') {
            snprintf(err, err_len, "cannot find a home directory for cohort/%s: set HOME", name);
            return COHORT_EINVAL;
        }
        len = snprintf(out, out_len, "%s/.config/cohort/%s", home, name);
    }
    if (len < 0 || (size_t)len >= out_len) {
        snprintf(err, err_len, "the path of cohort/%s is too long", name);
        return COHORT_EINVAL;
    }
    return 0;
}

/* Whether host (a name or an address, IPv6 without brackets) is this machine's loopback. */
static bool host_is_loopback(const char *host)
{
    struct in_addr v4;
    struct in6_addr v6;

    if (strcasecmp(host, "localhost") == 0)
        return true;
    if (inet_pton(AF_INET, host, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &v6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
    return false;
}

bool curve_endpoint_is_loopback(const char *endpoint)
{
    const char *address, *source_end, *host_end;
    char host[256];
    size_t host_len;

    if (strncmp(endpoint, "ipc://", 6) == 0 || strncmp(endpoint, "inproc://", 9) == 0)
        return true;
    if (strncmp(endpoint, "tcp://", 6) != 0)
        return false;
    address = endpoint + 6;
    if ((source_end = strchr(address, ';'))) /* "tcp://SOURCE;HOST:PORT" */
        address = source_end + 1;
    if (address[0] == '[') {
        address++;
        host_end = strchr(address, ']');
    } else {
        host_end = strrchr(address, ':');
    }
    if (!host_end || (host_len = (size_t)(host_end - address)) >= sizeof host)
        return false;
    memcpy(host, address, host_len);
    host[host_len] = '\0';
    return host_is_loopback(host);
}

int curve_client_keys_load(struct curve_client_keys *keys, const char *endpoint,
                           const char *key_file, const char *server_key, bool insecure, char *err,
                           size_t err_len)
{
    struct curve_client_keys loaded = {.curve = true};
    char why[512];
    int rc;

    if (!server_key || !server_key[0]) {
        if (!insecure && !curve_endpoint_is_loopback(endpoint)) {
            snprintf(err, err_len,
                     "no server key for %s: set COHORT_SERVER_KEY (or use --insecure)", endpoint);
            return COHORT_EPERM;
        }
        *keys = (struct curve_client_keys){.curve = false};
        return 0;
    }
    if (key_public_resolve(server_key, loaded.server_key, why, sizeof why) < 0) {
        snprintf(err, err_len, "bad server key: %s", why);
        return COHORT_EINVAL;
    }
    if (!key_file || !key_file[0]) {
        snprintf(err, err_len, "no key file: run cohort keygen");
        return COHORT_EINVAL;
    }
    if ((rc = key_pair_read(key_file, &loaded.client, err, err_len)) < 0)
        return rc;
    *keys = loaded;
    return 0;
}

int curve_client_keys_apply(void *socket, const struct curve_client_keys *keys, char *err,
                            size_t err_len)
{
    if (!keys->curve)
        return 0;
    if (zmq_setsockopt(socket, ZMQ_CURVE_SERVERKEY, keys->server_key, KEY_Z85_LEN) < 0 ||
        zmq_setsockopt(socket, ZMQ_CURVE_PUBLICKEY, keys->client.public_key, KEY_Z85_LEN) < 0 ||
        zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, keys->client.secret_key, KEY_Z85_LEN) < 0) {
        snprintf(err, err_len, "cannot set up CURVE on a socket: %s", zmq_strerror(zmq_errno()));
        return COHORT_EINTERNAL;
    }
    return 0;
}

int curve_client_setup(void *socket, const char *endpoint, const char *key_file,
                       const char *server_key, bool insecure, char *err, size_t err_len)
{
    struct curve_client_keys keys;
    int rc = curve_client_keys_load(&keys, endpoint, key_file, server_key, insecure, err, err_len);

    if (rc == 0)
        rc = curve_client_keys_apply(socket, &keys, err, err_len);
    explicit_bzero(&keys, sizeof keys); /* the secret key does not outlive its use */
    return rc;
}

#define HANDSHAKE_FAILURES                                                                         \
    (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |                  \
     ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
#define MONITOR_EVENT_BYTES 6 /* a monitor message's first frame: event (16 bits), value (32) */

int curve_client_watch(void **monitor_out, void *context, void *socket, const char *name)
{
    int linger = 0;
    void *monitor = NULL;

    *monitor_out = NULL;
    if (zmq_socket_monitor(socket, name, HANDSHAKE_FAILURES) < 0)
        return COHORT_EINTERNAL;
    if (!(monitor = zmq_socket(context, ZMQ_PAIR)) ||
        zmq_setsockopt(monitor, ZMQ_LINGER, &linger, sizeof linger) < 0 ||
        zmq_connect(monitor, name) < 0) {
        if (monitor)
            zmq_close(monitor);
        zmq_socket_monitor(socket, NULL, 0);
        return COHORT_EINTERNAL;
    }
    *monitor_out = monitor;
    return 0;
}

void curve_client_unwatch(void *socket, void **monitor)
{
    if (!*monitor)
        return;
    if (socket)
        zmq_socket_monitor(socket, NULL, 0);
    zmq_close(*monitor);
    *monitor = NULL;
}

/* The event of the next message on the monitor, 0 when there is none. */
static unsigned next_event(void *monitor)
{
    zmq_msg_t frame;
    uint16_t event = 0;

    zmq_msg_init(&frame);
    if (zmq_msg_recv(&frame, monitor, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&frame);
        return 0;
    }
    if (zmq_msg_size(&frame) >= MONITOR_EVENT_BYTES)
        memcpy(&event, zmq_msg_data(&frame), sizeof event);
    while (zmq_msg_more(&frame) && zmq_msg_recv(&frame, monitor, ZMQ_DONTWAIT) >= 0)
        ; /* the endpoint frame comes with the event frame */
    zmq_msg_close(&frame);
    return event ? event : HANDSHAKE_FAILURES; /* a short frame still says a handshake failed */
}

int curve_client_refusal(void *monitor, const char *endpoint, bool curve, char *err, size_t err_len)
{
    unsigned event, failure = 0;

    while ((event = next_event(monitor)) != 0)
        if (!failure || event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
            failure = event; /* the most telling one */
    if (!failure)
        return 0;
    /* A CURVE server whose ZAP handler denies the key says so (AUTH). Otherwise the scheduler
     * just closed the connection during the handshake, and libzmq 4.3 reports no detail:
     * whether a plaintext client met a secured scheduler or the other way round, or the
     * server key was not the scheduler's. */
    if (failure == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
        snprintf(err, err_len, "the scheduler at %s refused this key (not enrolled, or revoked)",
                 endpoint);
        return COHORT_EPERM;
    }
    if (!curve)
        snprintf(err, err_len,
                 "the scheduler at %s refused a plaintext connection (is it secured? set "
                 "COHORT_SERVER_KEY to its server.pub)",
                 endpoint);
    else
        snprintf(err, err_len,
                 "the scheduler at %s broke off the CURVE handshake (is the server key its own? "
                 "is it secured?)",
                 endpoint);
    return COHORT_ECONNECT;
}
