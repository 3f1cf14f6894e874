/* test_allowlist.c — the allow-list: lines parsed or refused, lookups, edits, reloads. */
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

#include "allowlist.h"
#include "cohort.h"
#include "keys.h"

/* A temporary state dir with the allow-list's paths, and three fresh public keys. */
struct fixture {
    char dir[64];
    char keys[96];
    char lock[96];
    key_text key[3];
    unsigned bad_lines; /* malformed lines reported */
    unsigned last_bad_line;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct key_pair pair;

    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/cohort-test-allowlist-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->keys, sizeof f->keys, "%s/keys", f->dir);
    snprintf(f->lock, sizeof f->lock, "%s/keys.lock", f->dir);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(key_pair_generate(&pair), 0);
        memcpy(f->key[i], pair.public_key, sizeof f->key[i]);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char path[128];

    for (const char *const *name = (const char *const[]){"keys", "keys.lock", "keys.tmp", NULL};
         *name; name++) {
        snprintf(path, sizeof path, "%s/%s", f->dir, *name);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static void count_bad_line(void *arg, const char *path, unsigned line, const char *why)
{
    struct fixture *f = arg;
    assert_non_null(strstr(path, "/keys"));
    assert_true(why[0] != '\0');
    f->bad_lines++;
    f->last_bad_line = line;
}

static void write_text(const char *path, const char *text, mode_t mode)
{
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    assert_true(fputs(text, out) >= 0);
    fclose(out);
    assert_int_equal(chmod(path, mode), 0);
}

/* The whole file as a malloc'd string. */
static char *read_text(const char *path)
{
    FILE *in = fopen(path, "r");
    char *text = calloc(1, 65536);
    assert_non_null(in);
    assert_non_null(text);
    size_t got = fread(text, 1, 65535, in);
    text[got] = '\0';
    fclose(in);
    return text;
}

static void test_parse_good_lines(void **state)
{
    struct fixture *f = *state;
    struct allow_entry entry;
    char line[256], why[256];

    snprintf(line, sizeof line, "  %s\tuser   alice  # the lab's account", f->key[0]);
    assert_int_equal(allowlist_parse_line(&entry, line, why, sizeof why), 1);
    assert_string_equal(entry.key, f->key[0]);
    assert_string_equal(entry.role, "user");
    assert_string_equal(entry.name, "alice");
    snprintf(line, sizeof line, "%s worker *\r", f->key[1]);
    assert_int_equal(allowlist_parse_line(&entry, line, why, sizeof why), 1);
    assert_string_equal(entry.name, "*");
    /* a key may hold '#': only a word starting with one starts a comment */
    const char *hash_key = "0000#00000000000000000000000000000000000";
    snprintf(line, sizeof line, "%s admin bob #note", hash_key);
    assert_int_equal(allowlist_parse_line(&entry, line, why, sizeof why), 1);
    assert_string_equal(entry.key, hash_key);
    assert_string_equal(entry.name, "bob");
    assert_int_equal(allowlist_parse_line(&entry, "", why, sizeof why), 0);
    assert_int_equal(allowlist_parse_line(&entry, "   # only a comment", why, sizeof why), 0);
}

static void test_parse_bad_lines(void **state)
{
    struct fixture *f = *state;
    struct allow_entry entry;
    char line[600], why[256], long_name[300];
    const char *bad_tails[] = {
        "", "user", "boss alice", "user *", "admin al:ice", "user -alice", "user alice bob"};

    for (size_t i = 0; i < sizeof bad_tails / sizeof bad_tails[0]; i++) {
        snprintf(line, sizeof line, "%s %s", f->key[0], bad_tails[i]);
        why[0] = '\0';
        assert_int_equal(allowlist_parse_line(&entry, line, why, sizeof why), COHORT_EINVAL);
        assert_true(why[0] != '\0');
    }
    assert_int_equal(allowlist_parse_line(&entry, "notakey user alice", why, sizeof why),
                     COHORT_EINVAL);
    assert_non_null(strstr(why, "Z85"));
    memset(long_name, 'a', 256);
    long_name[256] = '\0';
    snprintf(line, sizeof line, "%s user %s", f->key[0], long_name);
    assert_int_equal(allowlist_parse_line(&entry, line, why, sizeof why), COHORT_EINVAL);
    long_name[255] = '\0'; /* exactly the cap */
    snprintf(line, sizeof line, "%s user %s", f->key[0], long_name);
    assert_int_equal(allowlist_parse_line(&entry, line, why, sizeof why), 1);
}

static void test_load_and_find(void **state)
{
    struct fixture *f = *state;
    struct allowlist *al = NULL;
    char text[512], err[256];

    snprintf(
        text, sizeof text,
        "# comment\n%s user alice\nbroken line\n%s admin root\n%s worker node1\n%s user mallory",
        f->key[0], f->key[1], f->key[0], f->key[2]);
    write_text(f->keys, text, 0600);
    assert_int_equal(allowlist_create(&al, f->keys, count_bad_line, f), 0);
    assert_int_equal(allowlist_count(al), 0); /* nothing read before the first refresh */
    assert_int_equal(allowlist_refresh(al, err, sizeof err), 1);
    assert_int_equal(allowlist_count(al), 3);
    assert_int_equal(f->bad_lines, 2); /* "broken line" and the repeated key */
    assert_int_equal(f->last_bad_line, 5);
    const struct allow_entry *alice = allowlist_find(al, f->key[0]);
    assert_non_null(alice);
    assert_string_equal(alice->name, "alice"); /* the first line of a key wins */
    assert_string_equal(allowlist_find(al, f->key[1])->role, "admin");
    assert_string_equal(allowlist_find(al, f->key[2])->name, "mallory");
    key_text unknown;
    struct key_pair pair;
    assert_int_equal(key_pair_generate(&pair), 0);
    memcpy(unknown, pair.public_key, sizeof unknown);
    assert_null(allowlist_find(al, unknown));
    allowlist_destroy(al);
}

static void test_reload_on_change(void **state)
{
    struct fixture *f = *state;
    struct allowlist *al = NULL;
    struct allow_entry entry = {.role = "user", .name = "alice"};
    char err[256];
    bool replaced;

    assert_int_equal(allowlist_create(&al, f->keys, count_bad_line, f), 0);
    assert_int_equal(allowlist_refresh(al, err, sizeof err), 0); /* no file: nobody */
    assert_false(allowlist_file_exists(al));
    memcpy(entry.key, f->key[0], sizeof entry.key);
    assert_int_equal(allowlist_enroll(f->keys, f->lock, &entry, &replaced, err, sizeof err), 0);
    assert_int_equal(allowlist_refresh(al, err, sizeof err), 1);
    assert_non_null(allowlist_find(al, f->key[0]));
    assert_int_equal(allowlist_refresh(al, err, sizeof err), 0); /* unchanged: not re-read */
    assert_int_equal(allowlist_revoke(f->keys, f->lock, f->key[0], &entry, err, sizeof err), 0);
    assert_int_equal(allowlist_refresh(al, err, sizeof err), 1);
    assert_null(allowlist_find(al, f->key[0]));
    assert_int_equal(chmod(f->keys, 0620), 0); /* others may write it: ignored */
    assert_int_equal(allowlist_refresh(al, err, sizeof err), COHORT_EPERM);
    assert_non_null(strstr(err, "chmod 600"));
    assert_int_equal(allowlist_count(al), 0);
    assert_int_equal(unlink(f->keys), 0);
    assert_int_equal(allowlist_refresh(al, err, sizeof err), 1);
    assert_false(allowlist_file_exists(al));
    allowlist_destroy(al);
}

static void test_enroll_adds_then_replaces(void **state)
{
    struct fixture *f = *state;
    struct allow_entry entry = {.role = "worker", .name = "node1"};
    struct stat st;
    char err[256], *text;
    bool replaced = true;

    write_text(f->keys, "# kept comment\nnot a key line\n", 0600);
    memcpy(entry.key, f->key[0], sizeof entry.key);
    assert_int_equal(allowlist_enroll(f->keys, f->lock, &entry, &replaced, err, sizeof err), 0);
    assert_false(replaced);
    snprintf(entry.name, sizeof entry.name, "*");
    assert_int_equal(allowlist_enroll(f->keys, f->lock, &entry, &replaced, err, sizeof err), 0);
    assert_true(replaced);
    text = read_text(f->keys);
    assert_non_null(strstr(text, "# kept comment\nnot a key line\n"));
    assert_non_null(strstr(text, " worker *\n"));
    assert_null(strstr(text, "node1"));
    free(text);
    assert_int_equal(stat(f->keys, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char temp[128];
    snprintf(temp, sizeof temp, "%s.tmp", f->keys);
    assert_int_equal(access(temp, F_OK), -1); /* nothing left beside it */
}

static void test_edits_refuse_bad_input_and_unknown_keys(void **state)
{
    struct fixture *f = *state;
    struct allow_entry entry = {.role = "user", .name = "al ice"}, removed;
    char err[256], *before, *after;
    bool replaced;

    memcpy(entry.key, f->key[0], sizeof entry.key);
    write_text(f->keys, "# only this\n", 0600);
    before = read_text(f->keys);
    assert_int_equal(allowlist_enroll(f->keys, f->lock, &entry, &replaced, err, sizeof err),
                     COHORT_EINVAL);
    snprintf(entry.name, sizeof entry.name, "alice");
    snprintf(entry.role, sizeof entry.role, "root");
    assert_int_equal(allowlist_enroll(f->keys, f->lock, &entry, &replaced, err, sizeof err),
                     COHORT_EINVAL);
    assert_int_equal(allowlist_revoke(f->keys, f->lock, f->key[1], &removed, err, sizeof err),
                     COHORT_ENOENT);
    assert_non_null(strstr(err, "not enrolled"));
    after = read_text(f->keys);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static void test_replace_is_atomic(void **state)
{
    struct fixture *f = *state;
    struct allow_entry entry = {.role = "admin", .name = "root"};
    struct stat before, after;
    char err[256];
    bool replaced;

    write_text(f->keys, "# old\n", 0600);
    assert_int_equal(stat(f->keys, &before), 0);
    memcpy(entry.key, f->key[2], sizeof entry.key);
    assert_int_equal(allowlist_enroll(f->keys, f->lock, &entry, &replaced, err, sizeof err), 0);
    assert_int_equal(stat(f->keys, &after), 0);
    /* a new inode renamed over the old one: a reader holding the old file sees it whole */
    assert_true(before.st_ino != after.st_ino);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parse_good_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_bad_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_and_find, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload_on_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enroll_adds_then_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edits_refuse_bad_input_and_unknown_keys, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_replace_is_atomic, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
