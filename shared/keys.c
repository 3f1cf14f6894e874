/* keys.c — CURVE key pairs and public keys: make, read and write them as Z85 text. */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "cohort.h"

#define KEY_FILE_MAX 4096 /* bytes read from a key file */

bool key_valid(const char *text)
{
    uint8_t raw[32];

    return text && strlen(text) == KEY_Z85_LEN && zmq_z85_decode(raw, text) != NULL;
}

int key_pair_generate(struct key_pair *pair)
{
    return zmq_curve_keypair(pair->public_key, pair->secret_key) == 0 ? 0 : COHORT_EINTERNAL;
}

int key_pair_write(const char *path, const struct key_pair *pair, char *err, size_t err_len)
{
    char text[256];
    int len = snprintf(text, sizeof text,
                       "# Cohort key pair. The secret key must stay secret: share only the "
                       "public one.\npublic-key = %s\nsecret-key = %s\n",
                       pair->public_key, pair->secret_key);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

    if (fd < 0) {
        snprintf(err, err_len, "cannot create %s: %s", path,
                 errno == EEXIST ? "it already exists (remove it first)" : strerror(errno));
        return errno == EEXIST ? COHORT_ESTATE : COHORT_EIO;
    }
    if (write(fd, text, (size_t)len) != len || fsync(fd) < 0) {
        snprintf(err, err_len, "cannot write %s: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        return COHORT_EIO;
    }
    close(fd);
    return 0;
}

/* Read up to KEY_FILE_MAX bytes of a regular file into text (NUL-terminated), without
 * following a symlink. *mode gets its permission bits. */
static int read_small_file(const char *path, char *text, size_t size, mode_t *mode, char *err,
                           size_t err_len)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    ssize_t got;

    if (fd < 0) {
        snprintf(err, err_len, "cannot open %s: %s", path, strerror(errno));
        return COHORT_EINVAL;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size >= (off_t)size) {
        snprintf(err, err_len, "%s is not a key file", path);
        close(fd);
        return COHORT_EINVAL;
    }
    got = read(fd, text, size - 1);
    close(fd);
    if (got < 0) {
        snprintf(err, err_len, "cannot read %s: %s", path, strerror(errno));
        return COHORT_EINVAL;
    }
    text[got] = '\0';
    *mode = st.st_mode;
    return 0;
}

/* The key of the first line "NAME = KEY" in text (name NULL: the first line that is a
 * bare key). Returns whether one was found. */
static bool find_key(const char *text, const char *name, key_text out)
{
    for (const char *line = text; line && *line; line = strchr(line, '\n'), line += !!line) {
        char field[32] = "", value[64] = "";
        if (name) {
            /* Z85 keys may hold '#' and '=': a key ends at white space only */
            if (sscanf(line, " %31[a-z-] = %63[^ \t\r\n]", field, value) != 2 ||
                strcmp(field, name) != 0)
                continue;
        } else if (sscanf(line, " %63[^ \t\r\n]", value) != 1) {
            continue;
        }
        if (key_valid(value)) {
            memcpy(out, value, KEY_Z85_LEN + 1);
            return true;
        }
        if (name)
            return false;
    }
    return false;
}

int key_pair_read(const char *path, struct key_pair *pair, char *err, size_t err_len)
{
    char text[KEY_FILE_MAX];
    mode_t mode;
    int rc;

    if ((rc = read_small_file(path, text, sizeof text, &mode, err, err_len)) < 0)
        return rc;
    if (mode & (S_IRWXG | S_IRWXO)) {
        snprintf(err, err_len, "%s holds a secret key but others may read it: chmod 600 %s",
                 path, path);
        return COHORT_EPERM;
    }
    if (!find_key(text, "public-key", pair->public_key) ||
        !find_key(text, "secret-key", pair->secret_key)) {
        snprintf(err, err_len, "%s lacks a valid public-key or secret-key line", path);
        return COHORT_EINVAL;
    }
    key_text derived;
    if (zmq_curve_public(derived, pair->secret_key) != 0 ||
        strcmp(derived, pair->public_key) != 0) {
        snprintf(err, err_len, "%s: the public key does not belong to the secret key", path);
        return COHORT_EINVAL;
    }
    return 0;
}

int key_public_resolve(const char *text_or_path, key_text out, char *err, size_t err_len)
{
    char text[KEY_FILE_MAX];
    struct stat st;
    mode_t mode;

    /* a path of 40 Z85 characters ('/' and '.' are Z85) also decodes as a key: a file that
     * exists there is what was meant */
    if (key_valid(text_or_path) && stat(text_or_path, &st) < 0) {
        memcpy(out, text_or_path, KEY_Z85_LEN + 1);
        return 0;
    }
    if (!strchr(text_or_path, '/') && strlen(text_or_path) == KEY_Z85_LEN) {
        snprintf(err, err_len, "'%s' is not a valid Z85 public key", text_or_path);
        return COHORT_EINVAL;
    }
    if (read_small_file(text_or_path, text, sizeof text, &mode, err, err_len) < 0)
        return COHORT_EINVAL;
    if (!find_key(text, "public-key", out) && !find_key(text, NULL, out)) {
        snprintf(err, err_len, "%s holds no public key", text_or_path);
        return COHORT_EINVAL;
    }
    return 0;
}
