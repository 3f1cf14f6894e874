/* test_config.c — INI config files: keys reach the callback, bad lines are named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cohort.h"
#include "config.h"

struct seen {
    char lines[16][128]; /* "section|key|value" per accepted entry */
    int count;
    const char *reject_key; /* the callback rejects this key */
};

static int record_key(const char *section, const char *key, const char *value, void *arg, char *err,
                      size_t err_len)
{
    struct seen *seen = arg;

    if (seen->reject_key && strcmp(key, seen->reject_key) == 0) {
        snprintf(err, err_len, "bad value '%s' for %s", value, key);
        return COHORT_EINVAL;
    }
    assert_true(seen->count < 16);
    snprintf(seen->lines[seen->count++], sizeof(seen->lines[0]), "%s|%s|%s", section, key, value);
    return 0;
}

static int rejects_silently(const char *section, const char *key, const char *value, void *arg,
                            char *err, size_t err_len)
{
    return COHORT_EINVAL;
}

/* Write text to a fresh file in a temporary directory; returns its path (static buffer). */
static const char *write_file(const char *text)
{
    static char path[64];
    FILE *f;

    snprintf(path, sizeof(path), "/tmp/cohort-test-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_non_null(f = fdopen(fd, "w"));
    assert_int_equal(fputs(text, f) >= 0, 1);
    fclose(f);
    return path;
}

static void test_config_reads_keys(void **state)
{
    struct seen seen = {.count = 0};
    char err[256] = "untouched";
    const char *path = write_file("; a comment\n"
                                  "# another\n"
                                  "listen = tcp://127.0.0.1:7700\n"
                                  "\n"
                                  "state-dir=/var/lib/cohort   ; where the database lives\n"
                                  "[worker]\n"
                                  "label = gpu=a100\n"
                                  "label = zone=b\n");

    assert_int_equal(config_load(path, record_key, &seen, err, sizeof(err)), 0);
    assert_int_equal(seen.count, 4);
    assert_string_equal(seen.lines[0], "|listen|tcp://127.0.0.1:7700");
    assert_string_equal(seen.lines[1], "|state-dir|/var/lib/cohort");
    assert_string_equal(seen.lines[2], "worker|label|gpu=a100");
    assert_string_equal(seen.lines[3], "worker|label|zone=b");
    assert_string_equal(err, "");
    unlink(path);
}

/* A malformed line is reported with its number, and no key at all is applied. */
static void test_config_malformed_line(void **state)
{
    struct seen seen = {.count = 0};
    char err[256], expected[256];
    const char *path = write_file("listen = tcp://127.0.0.1:7700\n"
                                  "cpus = 4\n"
                                  "this line has no equals sign\n"
                                  "mem = 2G\n");

    assert_int_equal(config_load(path, record_key, &seen, err, sizeof(err)), COHORT_EINVAL);
    snprintf(expected, sizeof(expected), "%s:3: ", path);
    assert_memory_equal(err, expected, strlen(expected));
    assert_non_null(strstr(err, "malformed"));
    assert_int_equal(seen.count, 0);
    unlink(path);

    path = write_file("[unclosed\nkey = value\n");
    assert_int_equal(config_load(path, record_key, &seen, err, sizeof(err)), COHORT_EINVAL);
    snprintf(expected, sizeof(expected), "%s:1: ", path);
    assert_memory_equal(err, expected, strlen(expected));
    unlink(path);
}

/* A key the caller rejects stops the load there: later keys are not applied. */
static void test_config_rejected_key(void **state)
{
    struct seen seen = {.reject_key = "mem"};
    char err[256], expected[256];
    const char *path = write_file("cpus = 4\n"
                                  "\n"
                                  "mem = lots\n"
                                  "name = after\n");

    assert_int_equal(config_load(path, record_key, &seen, err, sizeof(err)), COHORT_EINVAL);
    snprintf(expected, sizeof(expected), "%s:3: bad value 'lots' for mem", path);
    assert_string_equal(err, expected);
    assert_int_equal(seen.count, 1);
    assert_string_equal(seen.lines[0], "|cpus|4");

    assert_int_equal(config_load(path, rejects_silently, NULL, err, sizeof(err)), COHORT_EINVAL);
    snprintf(expected, sizeof(expected), "%s:1: rejected", path);
    assert_string_equal(err, expected);
    unlink(path);
}

static void test_config_long_line(void **state)
{
    struct seen seen = {.count = 0};
    char err[256], expected[256];
    char text[1024];

    memset(text, 'x', sizeof(text));
    memcpy(text, "ok = 1\nname = ", 14);
    text[sizeof(text) - 2] = '\n';
    text[sizeof(text) - 1] = '\0';
    const char *path = write_file(text);
    assert_int_equal(config_load(path, record_key, &seen, err, sizeof(err)), COHORT_EINVAL);
    snprintf(expected, sizeof(expected), "%s:2: line longer than", path);
    assert_memory_equal(err, expected, strlen(expected));
    assert_int_equal(seen.count, 0);
    unlink(path);
}

static void test_config_missing_file(void **state)
{
    char err[256];
    assert_int_equal(config_load("/nonexistent/cohort.ini", record_key, NULL, err, sizeof(err)),
                     COHORT_EINVAL);
    assert_non_null(strstr(err, "/nonexistent/cohort.ini"));
    assert_non_null(strstr(err, "No such file"));
}

static void test_config_empty_file(void **state)
{
    struct seen seen = {.count = 0};
    char err[256];
    const char *path = write_file("");
    assert_int_equal(config_load(path, record_key, &seen, err, sizeof(err)), 0);
    assert_int_equal(seen.count, 0);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_reads_keys),   cmocka_unit_test(test_config_malformed_line),
        cmocka_unit_test(test_config_rejected_key), cmocka_unit_test(test_config_long_line),
        cmocka_unit_test(test_config_missing_file), cmocka_unit_test(test_config_empty_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
