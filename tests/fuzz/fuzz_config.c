/* fuzz_config.c — fuzz target: config_load on any file, with a handler like the daemons'. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cohort.h"
#include "config.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

/* Parses the values of the keys the daemons know, as they do; accepts other keys. Rejects a
 * bad value with a sentence, like a daemon's handler. */
static int on_key(const char *section, const char *key, const char *value, void *arg, char *err,
                  size_t err_len)
{
    unsigned *keys_seen = arg;
    uint64_t number;
    int64_t count;

    check(section && key && value);
    (void)(strlen(section) + strlen(key) + strlen(value)); /* each must be NUL-terminated */
    ++*keys_seen;
    if (strcmp(key, "mem") == 0 && parse_size(&number, value) < 0)
        goto bad;
    if ((strcmp(key, "lease") == 0 || strcmp(key, "heartbeat") == 0) &&
        parse_duration(&number, value) < 0)
        goto bad;
    if (strcmp(key, "cpus") == 0 && parse_int(&count, value, 1, 100000) < 0)
        goto bad;
    if ((strcmp(key, "label") == 0 || strcmp(key, "env") == 0) && parse_key_value(value) < 0)
        goto bad;
    return 0;
bad:
    snprintf(err, err_len, "%s: bad value '%s'", key, value);
    return COHORT_EINVAL;
}

/*
 * The input is written to an in-memory file that config_load opens by its /proc path. Checks:
 * the result is 0 or COHORT_EINVAL; err is always a NUL-terminated string, empty on success
 * and "PATH:LINE: why" on failure.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    char err[512];
    unsigned keys_seen = 0;
    size_t written = 0;
    int rc;

    if (fd < 0) {
        if ((fd = memfd_create("cohort-fuzz-config", 0)) < 0) {
            perror("fuzz_config: memfd_create");
            abort();
        }
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) < 0)
        abort();
    while (written < size) {
        ssize_t n = pwrite(fd, data + written, size - written, (off_t)written);
        if (n <= 0)
            abort();
        written += (size_t)n;
    }

    memset(err, 'x', sizeof err);
    rc = config_load(path, on_key, &keys_seen, err, sizeof err);
    check(memchr(err, '\0', sizeof err) != NULL);
    if (rc == 0) {
        check(err[0] == '\0');
    } else {
        size_t path_len = strlen(path);
        check(rc == COHORT_EINVAL);
        check(strncmp(err, path, path_len) == 0 && err[path_len] == ':');
    }
    return 0;
}
