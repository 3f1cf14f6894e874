/* test_handshake.c — libcohort against a fake secured scheduler (a CURVE ROUTER with a ZAP
 * handler admitting one key): enrolled keys work, refused handshakes fail fast and clearly. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#include <cmocka.h>

#include "buf.h"
#include "clock.h"
#include "cohort.h"
#include "keys.h"
#include "proto.h"

#define REFUSAL_MAX_MS 3000 /* a refused handshake is reported well before the timeout */

struct secured {
    void *context, *router;
    char endpoint[128];
    struct key_pair server, enrolled; /* enrolled: the one client key the ZAP handler admits */
    char dir[64];                     /* key files */
    char enrolled_file[128], stranger_file[128], server_file[128];
    pthread_t zap_thread, serve_thread;
    volatile bool stopping;
};

/* One ZAP request: 200 for the enrolled key over CURVE, 400 for anything else. */
static void zap_answer(struct secured *s, void *handler)
{
    zmq_msg_t parts[8];
    int n = 0, more = 1;
    bool admitted = false;

    while (more && n < 8) {
        zmq_msg_init(&parts[n]);
        if (zmq_msg_recv(&parts[n], handler, 0) < 0)
            return;
        more = zmq_msg_more(&parts[n++]);
    }
    /* version, request id, domain, address, identity, mechanism, client key */
    if (n == 7 && zmq_msg_size(&parts[5]) == 5 &&
        memcmp(zmq_msg_data(&parts[5]), "CURVE", 5) == 0 && zmq_msg_size(&parts[6]) == 32) {
        char client_key[KEY_Z85_LEN + 1];
        zmq_z85_encode(client_key, zmq_msg_data(&parts[6]), 32);
        admitted = strcmp(client_key, s->enrolled.public_key) == 0;
    }
    zmq_send(handler, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(handler, zmq_msg_data(&parts[1]), zmq_msg_size(&parts[1]), ZMQ_SNDMORE);
    zmq_send(handler, admitted ? "200" : "400", 3, ZMQ_SNDMORE);
    zmq_send(handler, admitted ? "OK" : "not enrolled", admitted ? 2 : 12, ZMQ_SNDMORE);
    zmq_send(handler, admitted ? "user:alice" : "", admitted ? 10 : 0, ZMQ_SNDMORE);
    zmq_send(handler, "", 0, 0);
    for (int i = 0; i < n; i++)
        zmq_msg_close(&parts[i]);
}

static void *zap_run(void *arg)
{
    struct secured *s = arg;
    void *handler = zmq_socket(s->context, ZMQ_REP);
    int linger = 0;

    zmq_setsockopt(handler, ZMQ_LINGER, &linger, sizeof linger);
    zmq_bind(handler, "inproc://zeromq.zap.01");
    while (!s->stopping) {
        zmq_pollitem_t item = {.socket = handler, .events = ZMQ_POLLIN};
        if (zmq_poll(&item, 1, 100) > 0)
            zap_answer(s, handler);
    }
    zmq_close(handler);
    return NULL;
}

/* Answer every STATUS request with a status of 3 workers. */
static void *serve_run(void *arg)
{
    struct secured *s = arg;

    while (!s->stopping) {
        zmq_pollitem_t item = {.socket = s->router, .events = ZMQ_POLLIN};
        zmq_msg_t peer, frame;
        struct msg *req = NULL;
        if (zmq_poll(&item, 1, 100) <= 0)
            continue;
        zmq_msg_init(&peer);
        zmq_msg_init(&frame);
        zmq_msg_recv(&peer, s->router, 0);
        zmq_msg_recv(&frame, s->router, 0);
        if (msg_decode(&req, zmq_msg_data(&frame), zmq_msg_size(&frame)) == 0 &&
            req->type == MSG_STATUS) {
            struct msg reply = {.type = MSG_REPLY};
            struct buf out;
            reply.u.reply = (struct msg_reply){
                .req_id = req->u.status.req_id, .request = MSG_STATUS, .error = ""};
            reply.u.reply.u.status.workers_total = 3;
            buf_init(&out, PROTO_MAX_MSG);
            if (msg_encode(&out, &reply) == 0) {
                zmq_msg_send(&peer, s->router, ZMQ_SNDMORE);
                zmq_send(s->router, out.data, out.len, 0);
            }
            buf_free(&out);
        }
        msg_free(req);
        zmq_msg_close(&frame);
        zmq_msg_close(&peer);
    }
    return NULL;
}

static void key_file_make(char *path, size_t path_len, const char *dir, const char *name,
                          struct key_pair *pair)
{
    char err[256];

    snprintf(path, path_len, "%s/%s", dir, name);
    assert_int_equal(key_pair_generate(pair), 0);
    assert_int_equal(key_pair_write(path, pair, err, sizeof err), 0);
}

static int secured_start(void **state)
{
    struct secured *s = calloc(1, sizeof *s);
    struct key_pair stranger;
    size_t len = sizeof s->endpoint;
    int linger = 0, on = 1;
    FILE *file;

    snprintf(s->dir, sizeof s->dir, "/tmp/cohort-handshake-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    key_file_make(s->enrolled_file, sizeof s->enrolled_file, s->dir, "enrolled", &s->enrolled);
    key_file_make(s->stranger_file, sizeof s->stranger_file, s->dir, "stranger", &stranger);
    assert_int_equal(key_pair_generate(&s->server), 0);
    snprintf(s->server_file, sizeof s->server_file, "%s/server.pub", s->dir);
    assert_non_null(file = fopen(s->server_file, "w"));
    fprintf(file, "%s\n", s->server.public_key);
    fclose(file);
    /* nothing from the environment or the default files of whoever runs the test */
    setenv("XDG_CONFIG_HOME", s->dir, 1);
    unsetenv("COHORT_SERVER_KEY");
    unsetenv("COHORT_KEY_FILE");
    unsetenv("COHORT_INSECURE");

    s->context = zmq_ctx_new();
    assert_int_equal(pthread_create(&s->zap_thread, NULL, zap_run, s), 0);
    s->router = zmq_socket(s->context, ZMQ_ROUTER);
    zmq_setsockopt(s->router, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s->router, ZMQ_CURVE_SERVER, &on, sizeof on);
    zmq_setsockopt(s->router, ZMQ_CURVE_SECRETKEY, s->server.secret_key, KEY_Z85_LEN);
    zmq_setsockopt(s->router, ZMQ_ZAP_DOMAIN, "cohort", 6);
    assert_int_equal(zmq_bind(s->router, "tcp://127.0.0.1:*"), 0);
    assert_int_equal(zmq_getsockopt(s->router, ZMQ_LAST_ENDPOINT, s->endpoint, &len), 0);
    assert_int_equal(pthread_create(&s->serve_thread, NULL, serve_run, s), 0);
    *state = s;
    return 0;
}

static int secured_stop(void **state)
{
    struct secured *s = *state;
    char command[128];

    s->stopping = true;
    pthread_join(s->serve_thread, NULL);
    pthread_join(s->zap_thread, NULL);
    zmq_close(s->router);
    zmq_ctx_term(s->context);
    snprintf(command, sizeof command, "rm -rf '%s'", s->dir);
    assert_int_equal(system(command), 0);
    free(s);
    return 0;
}

/* Connect to the fake with a 10 s timeout, then choose keys. */
static cohort_client_t *client_with_keys(const struct secured *s, const char *key_file,
                                         const char *server_key)
{
    cohort_client_t *client = NULL;
    cohort_error_t err = {0};

    assert_int_equal(cohort_client_connect(&client, s->endpoint, 10000, NULL), 0);
    assert_int_equal(cohort_client_set_keys(client, key_file, server_key, 0, &err), 0);
    return client;
}

static void test_enrolled_key_is_answered(void **state)
{
    struct secured *s = *state;
    cohort_client_t *client = client_with_keys(s, s->enrolled_file, s->server_file);
    cohort_status_t status = {0};
    cohort_error_t err = {0};

    assert_int_equal(cohort_status_get(&status, client, &err), 0);
    assert_int_equal(status.workers_total, 3);
    cohort_client_close(client);
}

static void test_keys_come_from_the_environment(void **state)
{
    struct secured *s = *state;
    cohort_client_t *client = NULL;
    cohort_status_t status = {0};
    cohort_error_t err = {0};

    setenv("COHORT_SERVER_KEY", s->server.public_key, 1);
    setenv("COHORT_KEY_FILE", s->enrolled_file, 1);
    assert_int_equal(cohort_client_connect(&client, s->endpoint, 10000, NULL), 0);
    assert_int_equal(cohort_status_get(&status, client, &err), 0);
    assert_int_equal(status.workers_total, 3);
    cohort_client_close(client);
    unsetenv("COHORT_SERVER_KEY");
    unsetenv("COHORT_KEY_FILE");
}

/* A request fails quickly with code and the sentence expected: COHORT_EPERM for a key the
 * scheduler refused, COHORT_ECONNECT for a handshake it broke off. */
static void expect_failure(cohort_client_t *client, int code, const char *expected)
{
    cohort_status_t status = {0};
    cohort_error_t err = {0};
    int64_t started = clock_mono_ms();

    assert_int_equal(cohort_status_get(&status, client, &err), code);
    assert_int_equal(err.code, code);
    assert_string_equal(err.message, expected);
    assert_true(clock_mono_ms() - started < REFUSAL_MAX_MS);
}

static void test_unenrolled_key_is_refused_clearly(void **state)
{
    struct secured *s = *state;
    cohort_client_t *client = client_with_keys(s, s->stranger_file, s->server.public_key);
    char expected[256];

    snprintf(expected, sizeof expected,
             "the scheduler at %s refused this key (not enrolled, or revoked)", s->endpoint);
    expect_failure(client, COHORT_EPERM, expected);
    expect_failure(client, COHORT_EPERM, expected); /* again, on a fresh socket */
    cohort_client_close(client);
}

static void test_plaintext_to_a_secured_scheduler_is_refused_clearly(void **state)
{
    struct secured *s = *state;
    cohort_client_t *client = NULL;
    char expected[256];

    assert_int_equal(cohort_client_connect(&client, s->endpoint, 10000, NULL), 0);
    snprintf(expected, sizeof expected,
             "the scheduler at %s refused a plaintext connection (is it secured? set "
             "COHORT_SERVER_KEY to its server.pub)",
             s->endpoint);
    expect_failure(client, COHORT_ECONNECT, expected);
    cohort_client_close(client);
}

static void test_wrong_server_key_is_refused_clearly(void **state)
{
    struct secured *s = *state;
    cohort_client_t *client = client_with_keys(s, s->enrolled_file, s->enrolled.public_key);
    char expected[256];

    snprintf(expected, sizeof expected,
             "the scheduler at %s broke off the CURVE handshake (is the server key its own? is "
             "it secured?)",
             s->endpoint);
    expect_failure(client, COHORT_ECONNECT, expected);
    cohort_client_close(client);
}

static void test_bad_keys_fail_requests_until_set_keys_fixes_them(void **state)
{
    struct secured *s = *state;
    cohort_client_t *client = NULL;
    cohort_status_t status = {0};
    cohort_error_t err = {0};

    /* a server key without a key file: connecting works, requests say why they cannot */
    setenv("COHORT_SERVER_KEY", s->server_file, 1);
    assert_int_equal(cohort_client_connect(&client, s->endpoint, 10000, &err), 0);
    assert_int_equal(cohort_status_get(&status, client, &err), COHORT_EINVAL);
    assert_string_equal(err.message, "no key file: run cohort keygen");
    /* a bad choice changes nothing */
    assert_int_equal(cohort_client_set_keys(client, s->dir, NULL, 0, &err), COHORT_EINVAL);
    assert_int_equal(cohort_status_get(&status, client, &err), COHORT_EINVAL);
    assert_string_equal(err.message, "no key file: run cohort keygen");
    assert_int_equal(cohort_client_set_keys(client, s->enrolled_file, NULL, 0, &err), 0);
    assert_int_equal(cohort_status_get(&status, client, &err), 0);
    assert_int_equal(status.workers_total, 3);
    cohort_client_close(client);
    unsetenv("COHORT_SERVER_KEY");
}

static void test_key_file_create(void **state)
{
    struct secured *s = *state;
    char path[160], public_key[COHORT_KEY_TEXT_SIZE], first[COHORT_KEY_TEXT_SIZE];
    struct key_pair read_back;
    cohort_error_t err = {0};
    char why[256];
    struct stat st;

    snprintf(path, sizeof path, "%s/new/dir/key", s->dir);
    assert_int_equal(cohort_key_file_create(public_key, path, 0, &err), 0);
    assert_int_equal(key_pair_read(path, &read_back, why, sizeof why), 0);
    assert_string_equal(read_back.public_key, public_key);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    snprintf(path, sizeof path, "%s/new/dir", s->dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    snprintf(path, sizeof path, "%s/new/dir/key", s->dir);
    memcpy(first, public_key, sizeof first);
    assert_int_equal(cohort_key_file_create(public_key, path, 0, &err), COHORT_ESTATE);
    assert_int_equal(key_pair_read(path, &read_back, why, sizeof why), 0);
    assert_string_equal(read_back.public_key, first); /* untouched */
    assert_int_equal(cohort_key_file_create(public_key, path, 1, &err), 0);
    assert_int_equal(key_pair_read(path, &read_back, why, sizeof why), 0);
    assert_string_equal(read_back.public_key, public_key);
    assert_string_not_equal(public_key, first);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_enrolled_key_is_answered, secured_start, secured_stop),
        cmocka_unit_test_setup_teardown(test_keys_come_from_the_environment, secured_start,
                                        secured_stop),
        cmocka_unit_test_setup_teardown(test_unenrolled_key_is_refused_clearly, secured_start,
                                        secured_stop),
        cmocka_unit_test_setup_teardown(test_plaintext_to_a_secured_scheduler_is_refused_clearly,
                                        secured_start, secured_stop),
        cmocka_unit_test_setup_teardown(test_wrong_server_key_is_refused_clearly, secured_start,
                                        secured_stop),
        cmocka_unit_test_setup_teardown(test_bad_keys_fail_requests_until_set_keys_fixes_them,
                                        secured_start, secured_stop),
        cmocka_unit_test_setup_teardown(test_key_file_create, secured_start, secured_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
