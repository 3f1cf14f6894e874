/* run_as.c — become another account for good: groups, gid, uid, and a check it stuck. */
#define _GNU_SOURCE
#include "run_as.h"

#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Whether all three uids and gids of the process are uid and gid. */
static bool ids_are(uid_t uid, gid_t gid)
{
    uid_t ruid, euid, suid;
    gid_t rgid, egid, sgid;

    return getresuid(&ruid, &euid, &suid) == 0 && getresgid(&rgid, &egid, &sgid) == 0 &&
           ruid == uid && euid == uid && suid == uid && rgid == gid && egid == gid && sgid == gid;
}

int run_as_drop(const char *name, uid_t uid, gid_t gid, char *err, size_t err_len)
{
    const char *step;

    if (uid == 0) {
        snprintf(err, err_len, "refusing to switch to uid 0 (%s)", name);
        return -1;
    }
    step = "set the groups of";
    if (initgroups(name, gid) < 0)
        goto fail;
    step = "set the group id of";
    if (setresgid(gid, gid, gid) < 0)
        goto fail;
    step = "set the user id of";
    if (setresuid(uid, uid, uid) < 0)
        goto fail;
    if (!ids_are(uid, gid) || setuid(0) == 0 || seteuid(0) == 0) {
        snprintf(err, err_len, "switching to %s (uid %ld) did not stick", name, (long)uid);
        return -1;
    }
    return 0;
fail:
    snprintf(err, err_len, "cannot %s %s (uid %ld, gid %ld): %s", step, name, (long)uid, (long)gid,
             strerror(errno));
    return -1;
}
