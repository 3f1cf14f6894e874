/* test_keys.c — CURVE key files: written and read back, guarded, and public keys resolved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cohort.h"
#include "keys.h"

struct fixture {
    char dir[64];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);

    snprintf(f->dir, sizeof f->dir, "/tmp/cohort-keys-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
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

static void test_a_pair_is_written_once_and_read_back(void **state)
{
    struct fixture *f = *state;
    struct key_pair pair, read;
    char path[128], err[256];
    struct stat st;

    snprintf(path, sizeof path, "%s/key", f->dir);
    assert_int_equal(key_pair_generate(&pair), 0);
    assert_true(key_valid(pair.public_key));
    assert_int_equal(key_pair_write(path, &pair, err, sizeof err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(key_pair_write(path, &pair, err, sizeof err), COHORT_ESTATE);
    assert_int_equal(key_pair_read(path, &read, err, sizeof err), 0);
    assert_string_equal(read.public_key, pair.public_key);
    assert_string_equal(read.secret_key, pair.secret_key);
    /* a secret others may read is refused */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(key_pair_read(path, &read, err, sizeof err), COHORT_EPERM);
}

static void test_a_public_key_is_the_key_or_a_file_holding_it(void **state)
{
    struct fixture *f = *state;
    struct key_pair pair;
    key_text out;
    char path[128], err[256];

    assert_int_equal(key_pair_generate(&pair), 0);
    assert_int_equal(key_public_resolve(pair.public_key, out, err, sizeof err), 0);
    assert_string_equal(out, pair.public_key);
    snprintf(path, sizeof path, "%s/key", f->dir);
    assert_int_equal(key_pair_write(path, &pair, err, sizeof err), 0);
    assert_int_equal(key_public_resolve(path, out, err, sizeof err), 0);
    assert_string_equal(out, pair.public_key);
    assert_int_equal(key_public_resolve("not a key", out, err, sizeof err), COHORT_EINVAL);
}

static void test_a_path_that_also_reads_as_a_key_is_taken_as_the_file(void **state)
{
    struct fixture *f = *state;
    struct key_pair pair;
    key_text out;
    char path[KEY_Z85_LEN + 1], err[256];
    size_t dir_len = strlen(f->dir);

    assert_int_equal(key_pair_generate(&pair), 0);
    assert_true(dir_len + 2 < KEY_Z85_LEN);
    /* some 40-character paths decode as Z85 keys: find one (most do) */
    memcpy(path, f->dir, dir_len);
    path[dir_len] = '/';
    memset(path + dir_len + 1, 'k', KEY_Z85_LEN - dir_len - 1);
    path[KEY_Z85_LEN] = '\0';
    for (char c = 'a'; c <= 'z' && !key_valid(path); c++)
        path[KEY_Z85_LEN - 1] = c;
    assert_true(key_valid(path));
    assert_int_equal(key_pair_write(path, &pair, err, sizeof err), 0);
    assert_int_equal(key_public_resolve(path, out, err, sizeof err), 0);
    assert_string_equal(out, pair.public_key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_pair_is_written_once_and_read_back, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_public_key_is_the_key_or_a_file_holding_it,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_path_that_also_reads_as_a_key_is_taken_as_the_file,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
