/* keyfile.c — creating the client's key file (cohort keygen) and finding its default place. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client_internal.h"
#include "keys.h"

int cohort_key_file_default(char *path_out, size_t path_len, cohort_error_t *err)
{
    char why[sizeof err->message];
    int rc = curve_client_config_path(path_out, path_len, "key", why, sizeof why);

    return rc < 0 ? cohort__error(err, rc, "%s", why) : 0;
}

/* Create the missing directories above path, each with mode 0700. */
static int parents_create(const char *path, cohort_error_t *err)
{
    char dir[PATH_MAX];

    if (strlen(path) >= sizeof dir)
        return cohort__error(err, COHORT_EINVAL, "the path %s is too long", path);
    for (const char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
            return cohort__error(err, COHORT_EIO, "cannot create the directory %s: %s", dir,
                                 strerror(errno));
    }
    return 0;
}

int cohort_key_file_create(char *public_key_out, const char *path, int overwrite,
                           cohort_error_t *err)
{
    struct key_pair pair;
    struct stat st;
    char why[sizeof err->message], temporary[PATH_MAX];
    int rc;

    if (!path[0])
        return cohort__error(err, COHORT_EINVAL, "the key file needs a path");
    if (!overwrite && lstat(path, &st) == 0)
        return cohort__error(err, COHORT_ESTATE, "%s already exists", path);
    if (snprintf(temporary, sizeof temporary, "%s.new-%ld", path, (long)getpid()) >=
        (int)sizeof temporary)
        return cohort__error(err, COHORT_EINVAL, "the path %s is too long", path);
    if ((rc = parents_create(path, err)) < 0)
        return rc;
    if (key_pair_generate(&pair) < 0)
        return cohort__error(err, COHORT_EINTERNAL, "this ZeroMQ cannot make CURVE keys");
    /* written beside its place then renamed: a reader never sees half a file, and what was
     * there before (even a symbolic link) is replaced, never written through */
    rc = key_pair_write(overwrite ? temporary : path, &pair, why, sizeof why);
    if (rc == 0 && overwrite && rename(temporary, path) < 0) {
        rc = COHORT_EIO;
        snprintf(why, sizeof why, "cannot replace %s: %s", path, strerror(errno));
        unlink(temporary);
    }
    if (rc == 0)
        memcpy(public_key_out, pair.public_key, COHORT_KEY_TEXT_SIZE);
    explicit_bzero(&pair, sizeof pair);
    return rc < 0 ? cohort__error(err, rc, "%s", why) : 0;
}
