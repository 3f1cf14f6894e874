/* test_curve_client.c — which endpoints are loopback, key settings from the environment and
 * default files, and the errors of loading keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "cohort.h"
#include "curve_client.h"
#include "keys.h"

struct fixture {
    char dir[64];       /* a fresh directory, also $XDG_CONFIG_HOME */
    char key_file[128]; /* a valid key file in dir, mode 0600 */
    struct key_pair pair;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    char err[256];

    snprintf(f->dir, sizeof f->dir, "/tmp/cohort-curve-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->key_file, sizeof f->key_file, "%s/client.key", f->dir);
    assert_int_equal(key_pair_generate(&f->pair), 0);
    assert_int_equal(key_pair_write(f->key_file, &f->pair, err, sizeof err), 0);
    setenv("XDG_CONFIG_HOME", f->dir, 1);
    unsetenv("COHORT_SERVER_KEY");
    unsetenv("COHORT_KEY_FILE");
    unsetenv("COHORT_INSECURE");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char command[128];

    snprintf(command, sizeof command, "rm -rf '%s'", f->dir);
    assert_int_equal(system(command), 0);
    free(f);
    return 0;
}

static void write_text(const char *path, const char *text, mode_t mode)
{
    FILE *file = fopen(path, "w");

    assert_non_null(file);
    fputs(text, file);
    fclose(file);
    assert_int_equal(chmod(path, mode), 0);
}

static void test_loopback_endpoints(void **state)
{
    assert_true(curve_endpoint_is_loopback("tcp://127.0.0.1:7700"));
    assert_true(curve_endpoint_is_loopback("tcp://127.0.0.5:1"));
    assert_true(curve_endpoint_is_loopback("tcp://localhost:1"));
    assert_true(curve_endpoint_is_loopback("tcp://[::1]:1"));
    assert_true(curve_endpoint_is_loopback("ipc://x"));
    assert_true(curve_endpoint_is_loopback("inproc://x"));
    assert_true(curve_endpoint_is_loopback("tcp://eth0;127.0.0.1:1"));
}

static void test_remote_endpoints(void **state)
{
    assert_false(curve_endpoint_is_loopback("tcp://10.0.0.1:1"));
    assert_false(curve_endpoint_is_loopback("tcp://example.org:1"));
    assert_false(curve_endpoint_is_loopback("tcp://128.0.0.1:1"));
    assert_false(curve_endpoint_is_loopback("tcp://127.0.0.1.example.org:1"));
    assert_false(curve_endpoint_is_loopback("tcp://[::2]:1"));
    assert_false(curve_endpoint_is_loopback("tcp://*:1"));
    assert_false(curve_endpoint_is_loopback("tcp://127.0.0.1"));
    assert_false(curve_endpoint_is_loopback("udp://127.0.0.1:1"));
    assert_false(curve_endpoint_is_loopback("tcp://127.0.0.1;10.0.0.1:1"));
}

static void test_plaintext_only_to_loopback_or_when_insecure(void **state)
{
    struct curve_client_keys keys = {.curve = true};
    char err[256] = "";

    assert_int_equal(
        curve_client_keys_load(&keys, "tcp://10.0.0.1:7700", NULL, NULL, false, err, sizeof err),
        COHORT_EPERM);
    assert_string_equal(err, "no server key for tcp://10.0.0.1:7700: set COHORT_SERVER_KEY (or "
                             "use --insecure)");
    assert_true(keys.curve); /* unchanged */
    assert_int_equal(
        curve_client_keys_load(&keys, "tcp://10.0.0.1:7700", NULL, "", true, err, sizeof err), 0);
    assert_false(keys.curve);
    keys.curve = true;
    assert_int_equal(
        curve_client_keys_load(&keys, "tcp://127.0.0.1:7700", NULL, NULL, false, err, sizeof err),
        0);
    assert_false(keys.curve);
}

static void test_server_key_loads_the_key_pair(void **state)
{
    struct fixture *f = *state;
    struct curve_client_keys keys = {0};
    struct key_pair server;
    char err[256] = "", server_file[128];

    assert_int_equal(key_pair_generate(&server), 0);
    assert_int_equal(curve_client_keys_load(&keys, "tcp://10.0.0.1:1", f->key_file,
                                            server.public_key, false, err, sizeof err),
                     0);
    assert_true(keys.curve);
    assert_string_equal(keys.server_key, server.public_key);
    assert_string_equal(keys.client.public_key, f->pair.public_key);
    assert_string_equal(keys.client.secret_key, f->pair.secret_key);
    /* the server key may be a file holding it (as server.pub does) */
    snprintf(server_file, sizeof server_file, "%s/server.pub", f->dir);
    write_text(server_file, server.public_key, 0644);
    memset(&keys, 0, sizeof keys);
    assert_int_equal(curve_client_keys_load(&keys, "tcp://10.0.0.1:1", f->key_file, server_file,
                                            false, err, sizeof err),
                     0);
    assert_string_equal(keys.server_key, server.public_key);
}

static void test_key_file_errors(void **state)
{
    struct fixture *f = *state;
    struct curve_client_keys keys = {0};
    struct key_pair server;
    char err[256] = "", path[160], expected[320];

    assert_int_equal(key_pair_generate(&server), 0);
    assert_int_equal(curve_client_keys_load(&keys, "tcp://127.0.0.1:1", NULL, server.public_key,
                                            false, err, sizeof err),
                     COHORT_EINVAL);
    assert_string_equal(err, "no key file: run cohort keygen");
    snprintf(path, sizeof path, "%s/missing", f->dir);
    assert_int_equal(curve_client_keys_load(&keys, "tcp://127.0.0.1:1", path, server.public_key,
                                            false, err, sizeof err),
                     COHORT_EINVAL);
    snprintf(expected, sizeof expected, "cannot open %s: No such file or directory", path);
    assert_string_equal(err, expected);
    assert_int_equal(chmod(f->key_file, 0644), 0);
    assert_int_equal(curve_client_keys_load(&keys, "tcp://127.0.0.1:1", f->key_file,
                                            server.public_key, false, err, sizeof err),
                     COHORT_EPERM);
    assert_non_null(strstr(err, "chmod 600"));
    assert_int_equal(curve_client_keys_load(&keys, "tcp://127.0.0.1:1", f->key_file, "not-a-key",
                                            false, err, sizeof err),
                     COHORT_EINVAL);
    assert_non_null(strstr(err, "bad server key: "));
    assert_false(keys.curve);
}

static void test_defaults_from_environment_then_files(void **state)
{
    struct fixture *f = *state;
    struct curve_client_settings s = {0};
    char config_dir[128], default_key[160], default_pub[160];

    /* nothing there: nothing filled */
    curve_client_defaults(&s);
    assert_string_equal(s.key_file, "");
    assert_string_equal(s.server_key, "");
    assert_false(s.insecure);
    /* the default files, when they exist */
    snprintf(config_dir, sizeof config_dir, "%s/cohort", f->dir);
    assert_int_equal(mkdir(config_dir, 0700), 0);
    snprintf(default_key, sizeof default_key, "%s/key", config_dir);
    snprintf(default_pub, sizeof default_pub, "%s/server.pub", config_dir);
    write_text(default_key, "", 0600);
    write_text(default_pub, f->pair.public_key, 0644);
    curve_client_defaults(&s);
    assert_string_equal(s.key_file, default_key);
    assert_string_equal(s.server_key, default_pub);
    /* the environment comes before them; what was given comes before both */
    memset(&s, 0, sizeof s);
    setenv("COHORT_KEY_FILE", "/env/key", 1);
    setenv("COHORT_SERVER_KEY", "/env/server.pub", 1);
    snprintf(s.key_file, sizeof s.key_file, "/given/key");
    curve_client_defaults(&s);
    assert_string_equal(s.key_file, "/given/key");
    assert_string_equal(s.server_key, "/env/server.pub");
    /* insecure mode skips the default server key, not one given in the environment */
    unsetenv("COHORT_SERVER_KEY");
    setenv("COHORT_INSECURE", "1", 1);
    memset(&s, 0, sizeof s);
    curve_client_defaults(&s);
    assert_true(s.insecure);
    assert_string_equal(s.server_key, "");
    unsetenv("COHORT_KEY_FILE");
    unsetenv("COHORT_INSECURE");
}

static void test_setup_sets_the_socket_options(void **state)
{
    struct fixture *f = *state;
    struct key_pair server;
    void *context = zmq_ctx_new();
    void *socket = zmq_socket(context, ZMQ_DEALER);
    char err[256] = "", option[41] = "";
    size_t option_len = sizeof option;

    assert_int_equal(key_pair_generate(&server), 0);
    assert_int_equal(curve_client_setup(socket, "tcp://10.0.0.1:1", f->key_file, server.public_key,
                                        false, err, sizeof err),
                     0);
    assert_int_equal(zmq_getsockopt(socket, ZMQ_CURVE_SERVERKEY, option, &option_len), 0);
    assert_string_equal(option, server.public_key);
    option_len = sizeof option;
    assert_int_equal(zmq_getsockopt(socket, ZMQ_CURVE_PUBLICKEY, option, &option_len), 0);
    assert_string_equal(option, f->pair.public_key);
    assert_int_equal(
        curve_client_setup(socket, "tcp://10.0.0.1:1", NULL, NULL, false, err, sizeof err),
        COHORT_EPERM);
    zmq_close(socket);
    zmq_ctx_term(context);
}

static void test_config_path(void **state)
{
    struct fixture *f = *state;
    char path[256], expected[256], err[128];

    snprintf(expected, sizeof expected, "%s/cohort/key", f->dir);
    assert_int_equal(curve_client_config_path(path, sizeof path, "key", err, sizeof err), 0);
    assert_string_equal(path, expected);
    unsetenv("XDG_CONFIG_HOME");
    setenv("HOME", "/home/someone", 1);
    assert_int_equal(curve_client_config_path(path, sizeof path, "server.pub", err, sizeof err), 0);
    assert_string_equal(path, "/home/someone/.config/cohort/server.pub");
    assert_int_equal(curve_client_config_path(path, 8, "key", err, sizeof err), COHORT_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loopback_endpoints),
        cmocka_unit_test(test_remote_endpoints),
        cmocka_unit_test_setup_teardown(test_plaintext_only_to_loopback_or_when_insecure, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server_key_loads_the_key_pair, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_file_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults_from_environment_then_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setup_sets_the_socket_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_path, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
