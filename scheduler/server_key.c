/* server_key.c — the scheduler's own CURVE key pair: STATE_DIR/server.key and server.pub. */
#include "server_key.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cohort.h"
#include "statedir.h"

/* Give the new key file at path to the state dir's owner when root made it for them. */
static int share_owner(const char *path, char *err, size_t err_len)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    int rc;

    if (fd < 0) {
        snprintf(err, err_len, "cannot open %s: %s", path, strerror(errno));
        return COHORT_EIO;
    }
    rc = statedir_share_owner(fd, path, err, err_len);
    close(fd);
    return rc;
}

int server_key_load_or_create(struct key_pair *pair, const char *state_dir, char *err,
                              size_t err_len)
{
    char key_path[PATH_MAX], pub_path[PATH_MAX], line[KEY_Z85_LEN + 2];
    struct stat st;
    int rc;

    snprintf(key_path, sizeof key_path, "%s/server.key", state_dir);
    snprintf(pub_path, sizeof pub_path, "%s/server.pub", state_dir);
    if (lstat(key_path, &st) < 0) {
        if ((rc = key_pair_generate(pair)) < 0) {
            snprintf(err, err_len, "cannot make a key pair: this ZeroMQ has no CURVE support");
            return rc;
        }
        rc = key_pair_write(key_path, pair, err, err_len);
        /* COHORT_ESTATE: another process made it meanwhile; read that one */
        if (rc < 0 && rc != COHORT_ESTATE)
            return rc;
        if (rc == 0 && (rc = share_owner(key_path, err, err_len)) < 0)
            return rc;
    }
    if ((rc = key_pair_read(key_path, pair, err, err_len)) < 0)
        return rc;
    snprintf(line, sizeof line, "%s\n", pair->public_key);
    if ((rc = statedir_write(state_dir, "server.pub", line, err, err_len)) < 0)
        return rc;
    if (chmod(pub_path, 0644) < 0) {
        snprintf(err, err_len, "cannot make %s readable: %s", pub_path, strerror(errno));
        return COHORT_EIO;
    }
    return 0;
}
